#!/usr/bin/env python3
"""faults: inject known faults into copies of healthy real vmcores and check
that crash + mmaudit report each one with the right rule, severity and object,
without crash dying or hanging; and feed the batch runner wrong inputs.

Target addresses come from crash's own commands on the healthy dump (`ps`,
`task -R mm,active_mm`, gdb offsetof expressions, `px cpu_tlbstate:a`,
`kmem -S mm_struct`, `kmem -s`, `list task_struct.tasks`), not from the
extension; the extension's JSON on the healthy dump is the baseline (no
finding on the objects before the injection).  See docs/faults.md.

Environment: CRASH, MMAUDIT_SO, MMAUDIT_CACHE (as the other suites);
FAULTS_JOBS (parallel crash sessions, default 2); FAULTS_TIMEOUT (seconds per
crash session, default 300); FAULTS_TMP (where the dump copies go, default
$TMPDIR); FAULTS_KEEP=1 keeps the work directory.
"""
import concurrent.futures as cf
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, CRASH, ROOT, SO, Suite, cut_copy, dumps, load_json, parse_ps  # noqa: E402

INJECT = os.path.join(ROOT, "build", "vmcore-inject")
VMCORE_ID = os.path.join(ROOT, "build", "vmcore-id")
BATCH = os.path.join(ROOT, "scripts", "mmaudit-batch")
JOBS = int(os.environ.get("FAULTS_JOBS", "2"))
TIMEOUT = int(os.environ.get("FAULTS_TIMEOUT", "300"))
MARKER = "mmaudit-faults-session-end"
GARBAGE_MM = 0x4D4D4D4D4D4D4D4D      # "MMMMMMMM": user half, unaligned
LIST_POISON1 = 0xDEAD000000000100    # what list_del() leaves in ->next (x86_64)

S = Suite("faults")


# --------------------------------------------------------------------------
# crash sessions
# --------------------------------------------------------------------------

LIVE = set()   # process groups of running crash / runner processes
STOP = threading.Event()   # set on SIGTERM/SIGINT: start nothing new


def run_group(cmd, stdin_text, timeout):
    """run cmd in its own process group; on timeout kill the whole group
    (crash's pipes, the runner's crash children).  -> rc, out, err, seconds, timed_out"""
    t0 = time.time()
    if STOP.is_set():
        return None, "", "stopped", 0.0, False
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, errors="replace", start_new_session=True)
    LIVE.add(p.pid)
    try:
        out, err = p.communicate(stdin_text, timeout=timeout)
        return p.returncode, out, err, time.time() - t0, False
    except subprocess.TimeoutExpired:
        kill_group(p.pid)
        out, err = p.communicate()
        return None, out, err, time.time() - t0, True
    finally:
        LIVE.discard(p.pid)


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


class Session:
    """One non-interactive crash run; every command's output redirected
    (inside crash) to its own file in wdir."""

    def __init__(self, label, vmlinux, vmcore, cmds, wdir, timeout=TIMEOUT):
        self.label, self.vmlinux, self.vmcore = label, vmlinux, vmcore
        self.cmds, self.wdir, self.timeout = cmds, wdir, timeout
        self.rc, self.timed_out, self.seconds, self.stdout, self.stderr = None, False, 0.0, "", ""

    def run(self):
        os.makedirs(self.wdir, exist_ok=True)
        lines = ["%s > %s" % (c, os.path.join(self.wdir, n)) for n, c in self.cmds]
        lines.append('p "%s" > %s' % (MARKER, os.path.join(self.wdir, "zz-marker")))
        lines.append("q")
        self.rc, self.stdout, self.stderr, self.seconds, self.timed_out = run_group(
            [CRASH, "-s", "--no_crashrc", self.vmlinux, self.vmcore], "\n".join(lines) + "\n", self.timeout)
        return self

    def text(self, name):
        try:
            with open(os.path.join(self.wdir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return None

    def json(self, name):
        t = self.text(name)
        if t is None:
            return None
        try:
            return json.loads(t)
        except ValueError:
            return None

    def tail(self):
        t = (self.stderr + "\n" + self.stdout).strip().splitlines()
        return " | ".join(t[-4:])[-500:]


# --------------------------------------------------------------------------
# parsing crash output
# --------------------------------------------------------------------------

def gdb_ptr(text):
    """`$1 = (type *) 0x1234 <sym>` -> 0x1234"""
    m = re.search(r"=\s*\(.*\)\s*(0x[0-9a-f]+)", text or "")
    return int(m.group(1), 16) if m else None


def gdb_int(text):
    m = re.search(r"=\s*(-?\d+)\s*$", (text or "").strip())
    return int(m.group(1)) if m else None


def parse_task_r(text):
    """`task -R mm,active_mm PID...` -> {pid: (task, mm, active_mm)}"""
    out = {}
    for m in re.finditer(r"PID:\s*(\d+)\s+TASK:\s*([0-9a-f]+).*?\n\s*mm = (0x[0-9a-f]+|\(nil\)),?\s*\n"
                         r"\s*active_mm = (0x[0-9a-f]+|\(nil\))", text or ""):
        v = [0 if x == "(nil)" else int(x, 16) for x in (m.group(3), m.group(4))]
        out[int(m.group(1))] = (int(m.group(2), 16), v[0], v[1])
    return out


def parse_percpu(text, field):
    """`px cpu_tlbstate:a` / `p cpu_tlbstate_shared:a` -> {cpu: value of field}"""
    out = {}
    for blk in re.split(r"(?=per_cpu\()", text or ""):
        m = re.match(r"per_cpu\(\w+, (\d+)\)", blk)
        f = re.search(r"\b%s = (\S+?),?\s*$" % field, blk, re.M)
        if m and f:
            v = f.group(1)
            out[int(m.group(1))] = (v == "true") if v in ("true", "false") else int(v, 16)
    return out


def parse_kmem_S(text):
    """`kmem -S mm_struct` -> (allocated, free) object address lists"""
    alloc, free = [], []
    for line in (text or "").splitlines():
        m = re.match(r"^\s+\[([0-9a-f]{16})\]", line)
        if m:
            alloc.append(int(m.group(1), 16))
            continue
        m = re.match(r"^\s+([0-9a-f]{16})(\s+\(cpu \d+ cache\))?\s*$", line)
        if m:
            free.append(int(m.group(1), 16))
    return alloc, free


def parse_kmem_s_cache(text):
    """`kmem -s ADDR` -> the cache NAME of the object"""
    lines = (text or "").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("CACHE") and "NAME" in line and i + 1 < len(lines):
            f = lines[i + 1].split()
            return f[-1] if f else None
    return None


def parse_list(text):
    """`list task_struct.tasks -h init_task` -> [task addresses]"""
    return [int(a, 16) for a in re.findall(r"^([0-9a-f]{16})$", text or "", re.M)]


def parse_rd(text):
    m = re.search(r"^[0-9a-f]+:\s+([0-9a-f]+)", text or "", re.M)
    return int(m.group(1), 16) if m else None


def hx(v):
    return "0x%x" % v


def fint(v):
    """a JSON address string ("0x...") or number -> int"""
    if isinstance(v, str):
        return int(v, 16) if v.startswith("0x") else int(v)
    return v


# --------------------------------------------------------------------------
# discovery on the healthy dump
# --------------------------------------------------------------------------

def discovery_session(d, wdir):
    # only the processes whose mm is patched or used (task -R costs ~0.5 s a pid)
    man = {}
    for p in d.manifest["processes"]:
        man.setdefault(p["role"], []).append(p["pid"])
    pids = sorted({1, man["threads"][0], man["vmA"][0], man["memhold"][0], man["spinner"][1]} | set(man["single"][:2]))
    cmds = [
        ("ps", "ps"),
        ("task", "task -R mm,active_mm " + " ".join(map(str, pids))),
        ("off_mm_users", "p &((struct mm_struct *)0)->mm_users"),
        ("off_mm_count", "p &((struct mm_struct *)0)->mm_count"),
        ("off_cpu_bitmap", "p &((struct mm_struct *)0)->cpu_bitmap"),
        ("off_t_mm", "p &((struct task_struct *)0)->mm"),
        ("off_t_active_mm", "p &((struct task_struct *)0)->active_mm"),
        ("off_t_tasks", "p &((struct task_struct *)0)->tasks"),
        ("nr_cpu_ids", "p nr_cpu_ids"),
        ("init_mm", "p &init_mm"),
        ("init_task", "p &init_task"),
        ("tlbstate", "px cpu_tlbstate:a"),
        ("kmem_mm", "kmem -S mm_struct"),
        ("tasklist", "list task_struct.tasks -h init_task"),
        ("extend", "extend " + SO),
        ("mmcheck.json", "mmcheck -j"),
        ("mmcpu.json", "mmcpu -j"),
        ("mmtask.json", "mmtask -j"),
        ("mmlist.json", "mmlist -j"),
    ]
    return Session("%s healthy" % d.id, d.vmlinux, d.vmcore, cmds, wdir)


class Disc:
    """What crash itself says about the healthy dump."""

    def __init__(self, d, s):
        self.d, self.s = d, s
        self.ps = parse_ps(s.text("ps"))
        self.idle = {}
        for r in self.ps:
            m = re.match(r"\[?swapper/(\d+)\]?$", r["comm"])
            if r["pid"] == 0 and m:
                self.idle[int(m.group(1))] = r
        self.tasks = parse_task_r(s.text("task"))
        self.off = {k: gdb_ptr(s.text(k)) for k in ("off_mm_users", "off_mm_count", "off_cpu_bitmap",
                                                     "off_t_mm", "off_t_active_mm", "off_t_tasks")}
        self.nr_cpu_ids = gdb_int(s.text("nr_cpu_ids"))
        self.init_mm = gdb_ptr(s.text("init_mm"))
        self.init_task = gdb_ptr(s.text("init_task"))
        self.loaded = parse_percpu(s.text("tlbstate"), "loaded_mm")
        self.mm_alloc, self.mm_free = parse_kmem_S(s.text("kmem_mm"))
        # leaders on init_task.tasks, in order, without init_task (the head); pids from ps
        pid_of = {r["task"]: r["pid"] for r in self.ps}
        self.order = [(t, pid_of.get(t, -1)) for t in parse_list(s.text("tasklist")) if t != self.init_task]
        self.check = s.json("mmcheck.json")
        self.mmcpu = s.json("mmcpu.json")
        # is_lazy only picks the CPU to patch: the extension's mmcpu view gives it
        # (crash's `p cpu_tlbstate_shared:a` costs 8-14 s of gdb symbol loading)
        self.lazy = {c["cpu"]: c.get("is_lazy") for c in (self.mmcpu or {}).get("cpus", [])}
        self.mmtask = s.json("mmtask.json")
        self.mmlist = s.json("mmlist.json")
        man = d.manifest
        self.role = {}
        for p in man["processes"]:
            self.role.setdefault(p["role"], []).append(p)

    def proc(self, role, index=0):
        return self.role[role][index]

    def mm_of(self, pid):
        return self.tasks[pid][1]

    def task_of(self, pid):
        return self.tasks[pid][0]

    def running(self):
        """CPU -> task address of the active task (ps '>' lines)"""
        return {r["cpu"]: r["task"] for r in self.ps if r["active"]}

    def ok(self):
        problems = []
        if not self.ps:
            problems.append("no ps output")
        if not self.tasks:
            problems.append("task -R gave nothing")
        for k, v in self.off.items():
            if v is None:
                problems.append("offset %s unknown" % k)
        if not self.nr_cpu_ids:
            problems.append("nr_cpu_ids unknown")
        if not self.loaded:
            problems.append("cpu_tlbstate not read")
        if not self.check or self.check.get("status") != "ok":
            problems.append("mmcheck -j did not give status ok")
        return problems


# --------------------------------------------------------------------------
# fault plans
# --------------------------------------------------------------------------

class Fault:
    def __init__(self, key, desc):
        self.key, self.desc = key, desc
        self.ops = []        # vmcore-inject operations
        self.readback = []   # (crash command, how to check, expected, what)
        self.expect = []     # findings that must be there
        self.allow = []      # findings that may be there (correct consequences)
        self.detail = []     # (rule, substring) the finding's detail must contain
        self.objs = {"mm": set(), "pid": set(), "task": set(), "cpu": set()}

    def u32(self, addr, val, what):
        self.ops += ["--write-u32", "%s=%d" % (hx(addr), val)]
        self.readback.append(("rd -32 %s 1" % hx(addr), "u32", val & 0xffffffff, what))

    def u64(self, addr, val, what):
        self.ops += ["--write-u64", "%s=%s" % (hx(addr), hx(val))]
        self.readback.append(("rd -64 %s 1" % hx(addr), "u64", val, what))

    def bit(self, mask, bit, on, what):
        self.ops += ["--set-bit" if on else "--clear-bit", "%s:%d" % (hx(mask), bit)]
        self.readback.append(("rd -64 %s 1" % hx(mask + 8 * (bit // 64)), "bit%d" % (bit % 64), 1 if on else 0, what))

    def obj(self, **kw):
        for k, v in kw.items():
            self.objs[k].add(v)


def plan_common(x, faults):
    """a, b, h on any dump (x: Disc)"""
    o = x.off
    single0 = x.proc("single", 0)["pid"]
    mm = x.mm_of(single0)
    f = Fault("a", "mm_count = 0 on the mm of pid %d (mmw-single0), mm_users 1" % single0)
    f.u32(mm + o["off_mm_count"], 0, "mm_count of %s" % hx(mm))
    f.expect.append(dict(rule="users-without-count", severity="bug", mm=mm))
    f.obj(mm=mm, pid=single0)
    faults.append(f)

    thr = x.proc("threads")
    mm = x.mm_of(thr["pid"])
    n = thr["threads"]
    f = Fault("b", "mm_users = %d on the mm of the %d-thread process pid %d (mmw-threads)" % (n - 6, n, thr["pid"]))
    f.u32(mm + o["off_mm_users"], n - 6, "mm_users of %s" % hx(mm))
    f.expect.append(dict(rule="users-undercount", severity="bug", mm=mm))
    f.detail.append(("users-undercount", "%d user tasks" % n))
    f.obj(mm=mm, pid=thr["pid"])
    faults.append(f)

    mh = x.proc("memhold")["pid"]
    mm = x.mm_of(mh)
    f = Fault("h", "bit %d (= nr_cpu_ids) set in mm_cpumask of the mm of pid %d (mmw-memhold)" % (x.nr_cpu_ids, mh))
    f.bit(mm + o["off_cpu_bitmap"], x.nr_cpu_ids, True, "mask word of %s" % hx(mm))
    f.expect.append(dict(rule="mask-beyond-nr-cpu-ids", severity="suspicious", mm=mm))
    f.obj(mm=mm, pid=mh)
    faults.append(f)


def plan_bitclear(x, faults, cpu, why):
    o = x.off
    mm = x.loaded.get(cpu)
    f = Fault("c", "CPU %d's bit cleared in mm_cpumask(cpu_tlbstate.loaded_mm) (%s)" % (cpu, why))
    f.bit(mm + o["off_cpu_bitmap"], cpu, False, "mask word of %s" % hx(mm))
    f.expect.append(dict(rule="loaded-mm-bit-clear", severity="bug", mm=mm, cpu=cpu))
    f.obj(mm=mm, cpu=cpu)
    faults.append(f)


def pick_bitclear_cpu(x, used_mms):
    """lowest CPU running non-lazily on a user mm that other faults leave alone"""
    bits = {c["cpu"]: c for c in (x.mmcpu or {}).get("cpus", [])}
    for cpu in sorted(x.loaded):
        mm = x.loaded[cpu]
        if mm in (0, 1, x.init_mm) or mm in used_mms or x.lazy.get(cpu) is not False:
            continue
        if bits.get(cpu, {}).get("bit") is True:
            return cpu
    return None


def not_running_kthreads(x):
    run = set(x.running().values())
    # crash's ps brackets the comm of tasks without an mm (kernel threads)
    return [r for r in x.ps if r["pid"] > 0 and r["comm"].startswith("[") and r["task"] not in run]


def plan_61(x):
    faults = []
    o = x.off
    plan_common(x, faults)
    used = {ff_mm for f in faults for ff_mm in f.objs["mm"]}

    cpu = pick_bitclear_cpu(x, used)
    if cpu is None:
        raise RuntimeError("no CPU runs a user mm non-lazily with its bit set")
    plan_bitclear(x, faults, cpu, "missed TLB-flush IPI")

    # d1: an idle task that is not running, active_mm -> a FREE mm_struct object
    run = x.running()
    idle_cpu = max(c for c, r in x.idle.items() if run.get(c) != r["task"])
    itask = x.idle[idle_cpu]["task"]
    freeobj = x.mm_free[len(x.mm_free) // 2]
    f = Fault("d1", "idle task of CPU %d (not running): active_mm = FREE mm_struct object %s (kmem -S mm_struct)"
              % (idle_cpu, hx(freeobj)))
    f.u64(itask + o["off_t_active_mm"], freeobj, "swapper/%d active_mm" % idle_cpu)
    f.expect.append(dict(rule="bad-mm-pointer", severity="bug", mm=freeobj))
    f.detail.append(("bad-mm-pointer", "FREE slab object"))
    f.obj(mm=freeobj, task=itask)
    f.referrer = (itask, 0)
    faults.append(f)

    kts = not_running_kthreads(x)
    # d2: a sleeping kernel thread, active_mm -> inside an allocated mm
    kt = kts[0]
    spin1 = x.mm_of(x.proc("spinner", 1)["pid"])
    if spin1 not in x.mm_alloc or freeobj in x.mm_alloc:
        raise RuntimeError("kmem -S mm_struct: %s not allocated or %s not free" % (hx(spin1), hx(freeobj)))
    inside = spin1 + 0x40
    f = Fault("d2", "sleeping kernel thread pid %d (%s): active_mm = %s, inside allocated mm %s"
              % (kt["pid"], kt["comm"], hx(inside), hx(spin1)))
    f.u64(kt["task"] + o["off_t_active_mm"], inside, "pid %d active_mm" % kt["pid"])
    f.expect.append(dict(rule="bad-mm-pointer", severity="bug", mm=inside))
    f.expect.append(dict(rule="leaked-lazy-ref", severity="bug", pid=kt["pid"], task=kt["task"]))
    f.detail.append(("bad-mm-pointer", "points inside a slab object"))
    f.obj(mm=inside, pid=kt["pid"], task=kt["task"])
    f.referrer = (kt["task"], kt["pid"])
    faults.append(f)

    # d3: another sleeping kernel thread, active_mm -> pid 1's task_struct
    kt = kts[1]
    t1 = x.task_of(1)
    f = Fault("d3", "sleeping kernel thread pid %d (%s): active_mm = %s, pid 1's task_struct"
              % (kt["pid"], kt["comm"], hx(t1)))
    f.u64(kt["task"] + o["off_t_active_mm"], t1, "pid %d active_mm" % kt["pid"])
    f.expect.append(dict(rule="bad-mm-pointer", severity="bug", mm=t1))
    f.expect.append(dict(rule="leaked-lazy-ref", severity="bug", pid=kt["pid"], task=kt["task"]))
    f.detail.append(("bad-mm-pointer", "is an object of another slab cache"))
    f.kmem_s = t1     # crash's `kmem -s` on the copy names the cache the detail must name
    f.obj(mm=t1, pid=kt["pid"], task=kt["task"])
    f.referrer = (kt["task"], kt["pid"])
    faults.append(f)

    # f: garbage task->mm of a sleeping user task (active_mm left alone)
    p = x.proc("single", 1)["pid"]
    t, mm, _ = x.tasks[p]
    f = Fault("f", "pid %d (mmw-single1): task->mm = %s (garbage; active_mm keeps %s)" % (p, hx(GARBAGE_MM), hx(mm)))
    f.u64(t + o["off_t_mm"], GARBAGE_MM, "pid %d mm" % p)
    f.expect.append(dict(rule="bad-mm-pointer", severity="bug", mm=GARBAGE_MM))
    f.detail.append(("bad-mm-pointer", "not an aligned kernel address"))
    # true consequences: mm != active_mm; the old mm has a user count but no task
    f.allow.append(dict(rule="mm-active-mismatch", pid=p))
    f.allow.append(dict(rule="users-no-task", mm=mm))
    # the old mm's mm->owner (CONFIG_MEMCG) is this task, which no longer uses it
    f.allow.append(dict(rule="owner-not-user", mm=mm))
    f.obj(mm=mm, pid=p, task=t)
    f.obj(mm=GARBAGE_MM)
    f.referrer = (t, p)
    faults.append(f)

    # g1: mm_users = -1 (shared vmA/vmB/vfork mm), g2: mm_count = -1 (pid 1)
    va = x.proc("vmA")["pid"]
    mm = x.mm_of(va)
    f = Fault("g1", "mm_users = -1 on the mm shared by pid %d (mmw-vmA) and its CLONE_VM partners" % va)
    f.u32(mm + o["off_mm_users"], -1, "mm_users of %s" % hx(mm))
    f.expect.append(dict(rule="negative-count", severity="bug", mm=mm))
    f.detail.append(("negative-count", "mm_users -1"))
    f.allow.append(dict(rule="users-undercount", mm=mm))   # 3 tasks > -1 users: also true
    f.obj(mm=mm, pid=va)
    faults.append(f)
    mm = x.mm_of(1)
    f = Fault("g2", "mm_count = -1 on the mm of pid 1")
    f.u32(mm + o["off_mm_count"], -1, "mm_count of %s" % hx(mm))
    f.expect.append(dict(rule="negative-count", severity="bug", mm=mm))
    f.detail.append(("negative-count", "mm_count -1"))
    f.obj(mm=mm, pid=1)
    faults.append(f)

    # e: a task-list loop: the threads leader, in the middle of init_task.tasks,
    # points back to the second leader (crash's task table comes from the PID
    # IDR, so crash itself is not affected; the extension's walk must stop).
    # Not the first leader: crash's `list` takes "next == first entry" as the
    # end of a list and would stop silently (docs/faults.md).
    thr = x.proc("threads")["pid"]
    idx = [p for _, p in x.order].index(thr)
    t = x.order[idx][0]
    back_t, back_pid = x.order[1]
    f = Fault("e", "tasks.next of pid %d (leader #%d on init_task.tasks) = &tasks of pid %d (leader #2): a loop"
              % (thr, idx + 1, back_pid))
    f.u64(t + o["off_t_tasks"], back_t + o["off_t_tasks"], "pid %d tasks.next" % thr)
    f.expect.append(dict(rule="tasklist-loop", severity="bug"))
    f.detail.append(("tasklist-loop", "%x" % (back_t + o["off_t_tasks"])))
    f.list_state, f.list_walked = "loop", idx + 1
    f.list_task, f.loop_to = t, back_t
    f.obj(pid=thr, task=t)
    f.obj(pid=back_pid, task=back_t)
    faults.append(f)
    return faults


def plan_510(x):
    """5.10: is_lazy inside cpu_tlbstate, mm_count before the 6.4 cacheline
    struct.  c on a running CPU and c2 on a lazy one: on these kernels a lazy
    CPU keeps its bit (switch_mm_irqs_off(): "Even in lazy TLB mode, the CPU
    should stay set in the mm_cpumask"; flushes that free page tables are sent
    to lazy CPUs too)."""
    faults = []
    plan_common(x, faults)
    used = {m for f in faults for m in f.objs["mm"]}
    cpu = pick_bitclear_cpu(x, used)
    if cpu is None:
        raise RuntimeError("no CPU runs a user mm non-lazily with its bit set")
    plan_bitclear(x, faults, cpu, "missed TLB-flush IPI")
    bits = {c["cpu"]: c for c in (x.mmcpu or {}).get("cpus", [])}
    lazy = [c for c in sorted(x.loaded) if x.lazy.get(c) is True and x.loaded[c] not in (0, 1, x.init_mm)
            and x.loaded[c] not in used and x.loaded[c] != x.loaded[cpu] and bits.get(c, {}).get("bit") is True]
    if not lazy:
        raise RuntimeError("no lazy CPU on a user mm with its bit set")
    plan_bitclear(x, faults, lazy[0], "a lazy CPU")
    faults[-1].key = "c2"
    faults[-1].detail.append(("loaded-mm-bit-clear", "(lazy)"))
    return faults


def plan_612(x):
    faults = []
    o = x.off
    plan_common(x, faults)
    if x.nr_cpu_ids <= 66 or 66 not in x.loaded:
        raise RuntimeError("CPU 66 not present (nr_cpu_ids %s)" % x.nr_cpu_ids)
    mm = x.loaded[66]
    if mm in (0, 1, x.init_mm) or x.lazy.get(66) is not False:
        raise RuntimeError("CPU 66 does not run a user mm non-lazily (loaded_mm %s, lazy %s)"
                           % (hx(mm or 0), x.lazy.get(66)))
    plan_bitclear(x, faults, 66, "CPU >= 64: bit 2 of the second mask word")

    # d4: sleeping kernel thread, active_mm -> &init_task (kernel data, not slab, not a static mm)
    kt = not_running_kthreads(x)[0]
    f = Fault("d4", "sleeping kernel thread pid %d (%s): active_mm = &init_task %s (kernel data)"
              % (kt["pid"], kt["comm"], hx(x.init_task)))
    f.u64(kt["task"] + o["off_t_active_mm"], x.init_task, "pid %d active_mm" % kt["pid"])
    f.expect.append(dict(rule="bad-mm-pointer", severity="bug", mm=x.init_task))
    f.expect.append(dict(rule="leaked-lazy-ref", severity="bug", pid=kt["pid"], task=kt["task"]))
    f.detail.append(("bad-mm-pointer", "not a slab object nor a static mm"))
    f.obj(mm=x.init_task, pid=kt["pid"], task=kt["task"])
    f.referrer = (kt["task"], kt["pid"])
    faults.append(f)

    # e2: a leader's tasks.next = LIST_POISON1 (as list_del() leaves it)
    pos = 3 if len(x.order) > 6 else 1
    t, pid = x.order[pos - 1]
    f = Fault("e2", "tasks.next of pid %d (leader #%d on init_task.tasks) = LIST_POISON1 %s"
              % (pid, pos, hx(LIST_POISON1)))
    f.u64(t + o["off_t_tasks"], LIST_POISON1, "pid %d tasks.next" % pid)
    f.expect.append(dict(rule="tasklist-broken", severity="bug"))
    f.detail.append(("tasklist-broken", "%x" % LIST_POISON1))
    f.list_state, f.list_walked, f.list_task = "broken", pos, t
    f.obj(pid=pid, task=t)
    faults.append(f)
    return faults


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------

def matches(fd, want):
    for k, v in want.items():
        if k == "rule":
            if fd.get("rule") != v:
                return False
        elif k == "severity":
            if fd.get("severity") != v:
                return False
        elif k in ("mm", "task"):
            if fint(fd.get(k, "0x0")) != v:
                return False
        elif fd.get(k) != v:
            return False
    return True


def involves(fd, objs):
    return (fint(fd.get("mm", "0x0")) in objs["mm"] or fint(fd.get("task", "0x0")) in objs["task"]
            or fd.get("pid") in objs["pid"] or fd.get("cpu") in objs["cpu"])


def check_baseline(label, x, faults):
    fs = (x.check or {}).get("findings", [])
    S.eq((x.check or {}).get("summary", {}).get("bug"), 0, "%s: healthy dump: mmcheck gives 0 bug findings" % label)
    for f in faults:
        hit = [fd for fd in fs if fd.get("severity") in ("bug", "suspicious") and involves(fd, f.objs)]
        S.check(not hit, "%s: healthy dump: no bug/suspicious finding on the objects of fault %s" % (label, f.key),
                json.dumps(hit)[:400])


def crash_health(label, s, nps=None):
    ok = S.check(not s.timed_out, "%s: crash finished within %d s" % (label, s.timeout),
                 "killed after %.0f s: %s" % (s.seconds, s.tail()))
    if not ok:
        return False
    ok = S.eq(s.rc, 0, "%s: crash exits 0 (did not die)" % label)
    st = s.text("mmcheck.txt") or ""
    S.check(st.rstrip().endswith("mmaudit-status: ok"), "%s: mmcheck ends with mmaudit-status: ok" % label,
            st.strip()[-300:] or s.tail())
    S.check(MARKER in (s.text("zz-marker") or ""), "%s: commands after mmcheck still run" % label, s.tail())
    if nps is not None:
        S.eq(len(parse_ps(s.text("ps"))), nps, "%s: crash's ps after the audit lists every task" % label)
    return ok


def check_readback(label, s, faults):
    for f in faults:
        bad = []
        for i, (cmd, kind, want, what) in enumerate(f.readback):
            got = parse_rd(s.text("rb-%s-%d" % (f.key, i)))
            if got is not None and kind.startswith("bit"):
                got = (got >> int(kind[3:])) & 1
            if got != want:
                bad.append("%s: %s read %s, want %s" % (what, cmd, None if got is None else hx(got), hx(want)))
        S.check(not bad, "%s: fault %s: crash reads the injected values back" % (label, f.key), "; ".join(bad))


def check_findings(label, s, faults):
    chk = s.json("mmcheck.json")
    if not S.check(chk is not None and chk.get("status") == "ok", "%s: mmcheck -j gives valid JSON, status ok" % label,
                   (s.text("mmcheck.json") or "")[:300]):
        return None
    fs = chk.get("findings", [])
    for f in faults:
        for w in f.expect:
            hit = [fd for fd in fs if matches(fd, w)]
            desc = ", ".join("%s=%s" % (k, hx(v) if k in ("mm", "task") else v) for k, v in w.items())
            near = [fd for fd in fs if fd.get("rule") == w["rule"]] or \
                [fd for fd in fs if any(fint(fd.get(k, "0x0")) == w.get(k) for k in ("mm", "task"))]
            S.check(hit, "%s: fault %s (%s) -> %s" % (label, f.key, f.desc, desc),
                    "no such finding; related: %s" % json.dumps(near)[:500])
            for rule, sub in f.detail:
                if rule == w["rule"] and hit:
                    S.check(any(sub in fd.get("detail", "") for fd in hit),
                            "%s: fault %s: %s detail says %r" % (label, f.key, rule, sub),
                            " / ".join(fd.get("detail", "") for fd in hit)[:300])
        if hasattr(f, "kmem_s"):
            cache = parse_kmem_s_cache(s.text("kmem-s-%s" % f.key))
            hit = [fd for fd in fs if fd.get("rule") == "bad-mm-pointer" and fint(fd.get("mm", "0x0")) == f.kmem_s]
            S.check(cache and hit and hit[0].get("detail", "").rstrip().endswith(": " + cache),
                    "%s: fault %s: bad-mm-pointer names the slab cache crash's kmem -s gives (%s)" % (label, f.key, cache),
                    hit[0].get("detail") if hit else "no finding")
        ref = getattr(f, "referrer", None)
        if ref:
            # the finding must name the task holding the bad pointer (task, pid or
            # its address in the detail): "mm X is FREE" alone leaves the engineer
            # searching every task for X
            hit = [fd for fd in fs if fd.get("rule") == "bad-mm-pointer" and fint(fd.get("mm", "0x0")) in f.objs["mm"]]
            named = [fd for fd in hit if fint(fd.get("task", "0x0")) == ref[0] or
                     (ref[1] and fd.get("pid") == ref[1]) or ("%x" % ref[0]) in fd.get("detail", "")]
            S.check(named, "%s: fault %s: bad-mm-pointer names the task holding the pointer (task %s, pid %d)"
                    % (label, f.key, hx(ref[0]), ref[1]),
                    "finding has task %s pid %s: %s" % (hit[0].get("task") if hit else "-", hit[0].get("pid") if hit else "-",
                                                        hit[0].get("detail", "")[:200] if hit else "no finding"))
    # nothing else: every bug/suspicious finding is explained by an injected fault
    extra = []
    for fd in fs:
        if fd.get("severity") not in ("bug", "suspicious"):
            continue
        if any(matches(fd, w) for f in faults for w in f.expect + f.allow):
            continue
        extra.append(fd)
    S.check(not extra, "%s: no bug/suspicious finding beyond the injected faults and their consequences" % label,
            json.dumps(extra)[:700])
    return chk


def check_list(label, s, chk, f):
    summ = chk.get("summary", {})
    S.eq(summ.get("list_state"), f.list_state, "%s: fault %s: summary list_state" % (label, f.key))
    S.eq(summ.get("list_walked"), f.list_walked, "%s: fault %s: the walk stops after the %d leaders before the fault"
         % (label, f.key, f.list_walked))
    S.eq(summ.get("list_added"), 0, "%s: fault %s: the walk adds no phantom tasks" % (label, f.key))
    S.eq(summ.get("bad_tasks"), 0, "%s: fault %s: no bad task pointers" % (label, f.key))
    hit = [fd for fd in chk.get("findings", []) if fd.get("rule") == "tasklist-" + f.list_state]
    if hit:
        fd = hit[0]
        want = {f.list_task} | ({f.loop_to} if hasattr(f, "loop_to") else set())
        S.check(fint(fd.get("task", "0x0")) in want or any(("%x" % t) in fd.get("detail", "") for t in want),
                "%s: fault %s: tasklist-%s names the task of the bad link (%s)"
                % (label, f.key, f.list_state, " or ".join(hx(t) for t in sorted(want))),
                "finding task %s: %s" % (fd.get("task"), fd.get("detail")))


def fault_session(label, d, copy, faults, wdir, extra=()):
    cmds = [("extend", "extend " + SO), ("mmcheck.json", "mmcheck -j"), ("mmcheck.txt", "mmcheck"),
            ("mmlist.json", "mmlist -j"), ("mmcpu.json", "mmcpu -j"), ("mmtask.json", "mmtask -j")]
    for f in faults:
        for i, (cmd, _, _, _) in enumerate(f.readback):
            cmds.append(("rb-%s-%d" % (f.key, i), cmd))
        if hasattr(f, "kmem_s"):
            cmds.append(("kmem-s-%s" % f.key, "kmem -s %s" % hx(f.kmem_s)))
    cmds += list(extra)
    cmds.append(("ps", "ps"))
    return Session(label, d.vmlinux, copy, cmds, wdir)


# --------------------------------------------------------------------------
# batch runner
# --------------------------------------------------------------------------

def batch(inputs, outdir, *opts, timeout=900):
    if "--engine" not in opts:    # crash's ladder and vmlinux lookup (batch_fault_run: also the default)
        opts = ("--engine", "crash") + tuple(opts)
    cmd = [sys.executable, BATCH, "--no-progress", "-q", "-o", outdir] + list(opts) + list(inputs)
    rc, _, err, _, timed_out = run_group(cmd, "", timeout)
    if timed_out:
        return None, [], "runner timed out after %d s" % timeout
    recs = []
    try:
        with open(os.path.join(outdir, "summary.jsonl")) as f:
            recs = [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError):
        pass
    return rc, recs, (err or "")[-400:]


def check_batch_error(label, inp, rc, recs, err, pattern):
    S.eq(rc, 2, "batch: %s: exit status 2 (could not be audited)" % label)
    rec = [r for r in recs if r.get("dump") == os.path.abspath(inp)]
    if not S.check(len(rec) == 1 and len(recs) == 1, "batch: %s: one record in summary.jsonl" % label,
                   "records: %s; stderr: %s" % (json.dumps(recs)[:300], err)):
        return
    r = rec[0]
    print("# batch: %s: reason: %s" % (label, r.get("reason")), flush=True)
    S.eq(r.get("status"), "error", "batch: %s: status error" % label)
    S.check(re.search(pattern, r.get("reason") or "", re.I), "batch: %s: reason is clear (/%s/)" % (label, pattern),
            "reason: %r" % r.get("reason"))


def batch_wrong_inputs(d61, d510, wd):
    """wrong inputs; returns nothing, records checks"""
    kernels = os.path.join(CACHE, "kernels")
    src = d61.vmcore
    cases = []
    # a dump cut at 100 MiB (cut independently of vmcore-inject)
    t100 = os.path.join(wd, "cut-100M.elf")
    cut_copy(src, t100, 100 << 20)
    cases.append(("dump truncated to 100 MiB", t100, (), r"truncat"))
    with open(src, "rb") as fi:
        head = fi.read(8192)
    for n, where in ((200, "inside the program headers"), (3000, "inside the PT_NOTE segment"), (40, "inside the ELF header")):
        p = os.path.join(wd, "cut-%d.elf" % n)
        with open(p, "wb") as fo:
            fo.write(head[:n])
        cases.append(("dump truncated to %d bytes (%s)" % (n, where), p, (), r"truncat"))
    p = os.path.join(wd, "notes.txt")
    with open(p, "w") as fo:
        fo.write("this is not a vmcore\n" * 100)
    cases.append(("a text file", p, (), r"not a usable dump|not an ELF|not a (vm)?core|not a dump"))
    cases.append(("a vmlinux given as the dump (ELF, not a core)", d61.vmlinux, (),
                  r"not a usable dump|not an ELF core|not a (vm)?core|not a dump"))
    p = os.path.join(wd, "empty.elf")
    open(p, "w").close()
    cases.append(("an empty file", p, (), r"empty|truncat|not a usable dump|0 bytes"))
    p = os.path.join(wd, "no-such-file.elf")
    cases.append(("a missing file", p, (), r"cannot open|no such file|not found|does not exist"))
    empty_dbg = os.path.join(wd, "debuginfo-empty")
    os.makedirs(empty_dbg, exist_ok=True)
    cases.append(("debuginfo directory without the vmlinux (empty)", src, ("-d", empty_dbg),
                  r"no matching vmlinux.*6\.1\.0"))
    cases.append(("debuginfo directory with only another kernel's vmlinux", src,
                  ("-d", os.path.join(kernels, d510.tag)), r"no matching vmlinux.*6\.1\.0"))

    t0 = time.time()
    for i, (label, inp, opts, pat) in enumerate(cases):
        rc, recs, err = batch([inp], os.path.join(wd, "batch-bad-%d" % i), *opts, timeout=300)
        check_batch_error(label, inp, rc, recs, err, pat)
    os.unlink(t100)
    print("# batch: %d wrong inputs took %.1f s" % (len(cases), time.time() - t0), flush=True)


def batch_fault_run(d61, wd, fault_copy, direct):
    """the runner over the fault-injected 6.1 copy: exit 1"""
    fault_bugs = direct.get("summary", {}).get("bug")
    rc, recs, err = batch([fault_copy], os.path.join(wd, "batch-fault"), "-t", "300")
    S.eq(rc, 1, "batch: fault-injected 6.1 copy: exit status 1 (bug findings)")
    r = recs[0] if len(recs) == 1 else {}
    S.eq(r.get("status"), "bug", "batch: fault-injected 6.1 copy: status bug")
    S.eq(r.get("bug"), fault_bugs, "batch: fault-injected 6.1 copy: bug count equals mmcheck's in the direct session")
    S.eq(r.get("release"), d61.manifest["kernel_release"], "batch: fault-injected 6.1 copy: release identified")
    S.check(r.get("vmlinux") and os.path.realpath(r["vmlinux"]) == os.path.realpath(d61.plain_vmlinux),
            "batch: fault-injected 6.1 copy: matched vmlinux is the 6.1 one", "vmlinux %r" % r.get("vmlinux"))
    per = load_json(r.get("json"))

    def keyset(chk):
        return sorted({(fd.get("rule"), fd.get("mm"), fd.get("pid"), fd.get("cpu"))
                       for fd in (chk or {}).get("findings", [])}, key=str)
    S.eq(keyset(per.get("check")), keyset(direct),
         "batch: fault-injected 6.1 copy: the per-dump JSON has the same findings as the direct session")
    # the runner's default engine: the direct command, no crash, no vmlinux
    rc, recs, err = batch([fault_copy], os.path.join(wd, "batch-fault-auto"), "--engine", "auto", "-t", "300")
    r = recs[0] if len(recs) == 1 else {}
    per = load_json(r.get("json"))
    S.eq((rc, r.get("engine"), r.get("status"), r.get("bug")), (1, "direct", "bug", fault_bugs),
         "batch, default engine: fault-injected 6.1 copy: the direct command finds the bugs (exit 1, same count)")
    S.eq(keyset(per.get("check")), keyset(direct),
         "batch, default engine: fault-injected 6.1 copy: the same findings as the extension inside crash")


def batch_shards(wd):
    """--shard i/N partitions the input list (files that fail fast: no crash)"""
    sd = os.path.join(wd, "shard-in")
    os.makedirs(sd, exist_ok=True)
    files = []
    for i in range(6):
        p = os.path.join(sd, "core-%d.elf" % i)
        with open(p, "wb") as fo:   # an ELF core header cut short: looks like a dump, vmcore-id says truncated
            fo.write(b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x04\x00" + b"\0" * 6)
        files.append(p)

    def run(spec, inputs, tag):
        rc, recs, err = batch(inputs, os.path.join(wd, "shard-%s" % tag), "--shard", spec, timeout=120)
        return rc, sorted(r["dump"] for r in recs), err

    for what, inputs in (("files", files), ("a directory", [sd])):
        got = {}
        for spec in ("1/2", "2/2"):
            got[spec] = run(spec, inputs, "%s-%s" % (what.split()[-1], spec.replace("/", "of")))
        a, b = set(got["1/2"][1]), set(got["2/2"][1])
        S.check(a and b and not (a & b) and (a | b) == set(files),
                "batch: --shard 1/2 and 2/2 over %s partition the %d inputs" % (what, len(files)),
                "1/2: %s; 2/2: %s" % ([os.path.basename(x) for x in sorted(a)], [os.path.basename(x) for x in sorted(b)]))
        S.check(abs(len(a) - len(b)) <= 1, "batch: --shard over %s: shares differ by at most one" % what,
                "%d vs %d" % (len(a), len(b)))
    # the runner says shares are taken from the sorted list: the partition must not
    # depend on the order the inputs are given in (two machines, two globs)
    _, a, _ = run("1/2", files, "fwd")
    _, b, _ = run("2/2", list(reversed(files)), "rev")
    S.check(not (set(a) & set(b)) and set(a) | set(b) == set(files),
            "batch: --shard 1/2 (inputs in order) and 2/2 (reversed) still partition the inputs",
            "overlap %s, missing %s" % (sorted(os.path.basename(x) for x in set(a) & set(b)),
                                        sorted(os.path.basename(x) for x in set(files) - set(a) - set(b))))
    # an empty share (more shares than inputs) has no bug findings: must not exit 1
    rc, recs, err = run("9/9", files, "empty")
    S.check(rc in (0, 2) and rc is not None, "batch: an empty share (--shard 9/9 of 6 inputs) does not exit 1 (bug findings)",
            "exit %s: %s" % (rc, err.strip()[-200:]))
    rc, _, err = run("3/2", files, "bad")
    S.check(rc not in (0, 1, None), "batch: --shard 3/2 is a usage error, not exit 0/1",
            "exit %s: %s" % (rc, err.strip()[-200:]))


# --------------------------------------------------------------------------

def main():
    t_start = time.time()
    for what, p in (("crash", CRASH), ("extension", SO), ("vmcore-inject", INJECT), ("vmcore-id", VMCORE_ID),
                    ("mmaudit-batch", BATCH)):
        if not S.check(os.path.exists(p), "%s exists: %s" % (what, p)):
            return S.finish()
    ds = {(d.tag, d.mode, d.fmt): d for d in dumps()}
    d61 = ds.get(("bookworm-6.1", "live", "elf"))
    d612 = ds.get(("trixie-6.12", "live", "elf"))
    d510 = ds.get(("bullseye-5.10", "live", "elf"))
    if not S.check(d61 and d612 and d510, "the healthy live ELF dumps of 6.1, 6.12 and 5.10 exist"):
        return S.finish()

    base = os.environ.get("FAULTS_TMP") or None
    wd = tempfile.mkdtemp(prefix="mmaudit-faults-", dir=base)
    print("# work directory %s" % wd, flush=True)

    def on_term(signum, frame):
        STOP.set()
        for pg in list(LIVE):
            kill_group(pg)
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        run_all(wd, d61, d612, d510)
    finally:
        for pg in list(LIVE):
            kill_group(pg)
        if os.environ.get("FAULTS_KEEP") != "1":
            shutil.rmtree(wd, ignore_errors=True)
    print("# faults suite took %.0f s" % (time.time() - t_start), flush=True)
    return S.finish()


class Chain:
    """healthy session -> plan -> copy + inject -> session on the copy, for one
    dump, run in a worker; the checks are made afterwards in the main thread"""

    def __init__(self, d, label, planner, wd, keep_copy=False):
        self.d, self.label, self.planner, self.wd, self.keep_copy = d, label, planner, wd, keep_copy
        self.healthy = self.x = self.faults = self.fs = self.copy = None
        self.problems, self.plan_err, self.inject_res = [], None, None

    def run(self):
        tag = re.sub(r"\W+", "-", self.label)
        self.healthy = discovery_session(self.d, os.path.join(self.wd, "healthy-" + tag)).run()
        if self.healthy.timed_out or self.healthy.rc != 0:
            return self
        self.x = Disc(self.d, self.healthy)
        self.problems = self.x.ok()
        if self.problems:
            return self
        try:
            self.faults = self.planner(self.x)
        except (RuntimeError, KeyError, IndexError, ValueError) as e:
            self.plan_err = e
            return self
        if STOP.is_set():
            return self
        self.copy = os.path.join(self.wd, tag + ".elf")
        ops = [op for f in self.faults for op in f.ops]
        rc, out, err, _, _ = run_group([INJECT, "--vmlinux", self.d.vmlinux, self.d.vmcore, "-o", self.copy] + ops,
                                       "", 300)
        self.inject_res = subprocess.CompletedProcess([], rc if rc is not None else -1, out, err)
        r = self.inject_res
        if r.returncode != 0 or not os.path.exists(self.copy):
            self.drop_copy()
            return self
        extra = []
        if any(hasattr(f, "list_state") for f in self.faults):
            extra.append(("crashlist", "list task_struct.tasks -h init_task"))
        self.fs = fault_session(self.label, self.d, self.copy, self.faults, os.path.join(self.wd, "fault-" + tag), extra)
        self.fs.timeout = min(TIMEOUT, 240)
        self.fs.run()
        if not self.keep_copy:
            self.drop_copy()
        return self

    def drop_copy(self):
        if self.copy and os.path.exists(self.copy):
            os.unlink(self.copy)
        self.copy = None


def check_chain(c):
    """all checks of one chain; returns mmcheck's JSON on the copy (or None)"""
    d, s = c.d, c.healthy
    if not S.check(not s.timed_out and s.rc == 0, "%s healthy: crash session (%.0f s)" % (d.id, s.seconds), s.tail()):
        return None
    x = c.x
    if not S.check(not c.problems, "%s healthy: crash gives the targets (ps, task -R, offsets, cpu_tlbstate, kmem)"
                   % d.id, "; ".join(c.problems)):
        return None
    # the extension's view agrees with crash's on what is going to be patched
    cpus = {cc["cpu"]: fint(cc["loaded_mm"]) for cc in (x.mmcpu or {}).get("cpus", [])}
    S.eq({cpu: cpus.get(cpu) for cpu in x.loaded}, x.loaded,
         "%s healthy: mmcpu loaded_mm equals crash's px cpu_tlbstate:a (CPUs %s)"
         % (d.id, ",".join(map(str, sorted(x.loaded)))))
    tk = {t["pid"]: fint(t["mm"]) for t in (x.mmtask or {}).get("tasks", []) if t["pid"] in x.tasks}
    S.eq(tk, {p: v[1] for p, v in x.tasks.items()}, "%s healthy: mmtask mm equals crash's task -R mm" % d.id)
    if not S.check(c.plan_err is None, "%s: plan the faults" % c.label, c.plan_err):
        return None
    check_baseline("%s (%s)" % (c.label, d.id), x, c.faults)
    r = c.inject_res
    n = sum(1 for f in c.faults for _ in f.readback)
    patched = [l for l in r.stdout.splitlines() if l.startswith("patched ")]
    if not S.check(r.returncode == 0 and len(patched) == n,
                   "%s: vmcore-inject applies %d patches (%s)" % (c.label, n, " ".join(f.key for f in c.faults)),
                   "exit %d, %d patched lines: %s" % (r.returncode, len(patched), (r.stderr or r.stdout)[-400:])):
        return None
    fs = c.fs
    print("# %s: crash on the healthy dump %.0f s, on the copy %.0f s" % (c.label, s.seconds, fs.seconds), flush=True)
    if not crash_health(c.label, fs, len(x.ps)):
        return None
    check_readback(c.label, fs, c.faults)
    chk = check_findings(c.label, fs, c.faults)
    if chk is None:
        return None
    for f in c.faults:
        if hasattr(f, "list_state"):
            check_list(c.label, fs, chk, f)
        if f.key == "e":
            loop_report(c.label, fs, x, f)
    return chk


def run_all(wd, d61, d612, d510):
    # 1. per dump, in 2 workers: crash on the healthy dump (targets, baseline),
    #    a patched copy, crash on the copy.  At most 2 copies exist at once,
    #    plus the 6.1 copy kept for the runner.  The runner's wrong-vmlinux
    #    case (one crash start) shares the pool.
    t0 = time.time()
    chains = [Chain(d612, "6.12 faults", plan_612, wd), Chain(d61, "6.1 faults", plan_61, wd, keep_copy=True),
              Chain(d510, "5.10 faults", plan_510, wd)]
    wrong_dir = os.path.join(wd, "batch-wrong-vmlinux")
    with cf.ThreadPoolExecutor(max_workers=max(1, JOBS)) as ex:
        futs = [ex.submit(c.run) for c in chains]
        wrong = ex.submit(batch, [d61.vmcore], wrong_dir, "--vmlinux", d510.vmlinux, "-t", "240")
        for fu in futs:
            fu.result()
        wrong = wrong.result()
    print("# crash sessions on healthy dumps and copies: wall %.0f s" % (time.time() - t0), flush=True)
    direct61 = None
    for c in chains:
        chk = check_chain(c)
        if c.label == "6.1 faults":
            direct61 = chk

    # 2. the batch runner
    t0 = time.time()
    rc, recs, err = wrong
    check_batch_error("6.1 dump with --vmlinux of %s" % d510.tag, d61.vmcore, rc, recs, err,
                      r"match|differ|build.?id|release|version")
    c61 = chains[1]
    if S.check(c61.copy and direct61, "batch: the fault-injected 6.1 copy is there for the runner"):
        batch_fault_run(d61, wd, c61.copy, direct61)
    c61.drop_copy()
    batch_wrong_inputs(d61, d510, wd)
    batch_shards(wd)
    print("# batch runner checks: %.0f s" % (time.time() - t0), flush=True)


def loop_report(label, s, x, f):
    """what crash itself does with the loop (documented in docs/faults.md)"""
    cl = s.text("crashlist") or ""
    msg = " ".join(l.strip() for l in cl.splitlines() if l.strip() and not re.match(r"^[0-9a-f]{16}$", l))
    n = len(parse_list(cl))
    print("# %s: crash `list task_struct.tasks -h init_task`: %d entries, then: %s" % (label, n, msg or "nothing"),
          flush=True)
    node = "%x" % (f.loop_to + x.off["off_t_tasks"])
    S.check(re.search(r"duplicate list entry: %s" % node, cl),
            "%s: crash's own list command stops at the duplicate entry %s" % (label, node), msg[-200:])
    # crash prints an entry before it checks it for a duplicate
    want = [x.init_task] + [t for t, _ in x.order[:f.list_walked]] + [f.loop_to]
    S.eq(parse_list(cl), want, "%s: crash's list printed init_task, the %d leaders before the loop, and the "
         "duplicate" % (label, f.list_walked))


if __name__ == "__main__":
    sys.exit(main())
