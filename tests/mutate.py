#!/usr/bin/env python3
"""mutate: a seeded mutation campaign on real vmcores.

On private copies of the ELF test dumps, random mutations are written into
the structures mmaudit reads (task_struct, mm_struct, the runqueues, the
per-CPU cpu_tlbstate, cpu_online_mask, the mm_struct slab pages, their
per-CPU slabs and freelists), one at a time, and the real crash + extension
is run on each: the mutation is written into the copy with pwrite() at the
file offset build/vmcore-inject computes, the views are run in one crash
session per dump (crash reads ELF dumps from the file on every readmem), the
bytes are reverted, the next mutation follows.  Every run must end with its
mmaudit-status line, crash must neither die nor hang, the reverted copy must
give the baseline again (no stale cache), and a re-applied mutation the
same output (determinism).  A share of the mutations is also run "cold": a
fresh crash started on the mutated copy, so that crash's own start-up meets
the mutation.

Each mutation is classified against the baseline: detected (new findings;
which rules), benign (every view's output identical), missed (some view
changed, no new finding).  See docs/robustness.md.

usage: tests/mutate.py [--seed N] [--count N] [--ci] [--asan] [--jobs N]
                       [--modes live,panic] [--tags ...] [--report FILE]
                       [--compare FILE]
Environment: MUTATE_SEED, MUTATE_COUNT, MUTATE_JOBS, MUTATE_TMP (where the
dump copies go), MUTATE_ASAN=1, MUTATE_KEEP=1; CRASH, MMAUDIT_SO,
MMAUDIT_CACHE as the other suites.
The output ends with "mutate: N passed, N failed".
"""
import argparse
import collections
import concurrent.futures as cf
import glob
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CRASH, ROOT, SO, Suite, dumps, parse_ps  # noqa: E402

INJECT = os.path.join(ROOT, "build", "vmcore-inject")
ASAN_SO = os.path.join(ROOT, "build", "asan", "mmaudit.so")
LIST_POISON1 = 0xDEAD000000000100
GARBAGE = 0x4D4D4D4D4D4D4D4D
USER_ADDR = 0x00007F3A12345000
# the views run on every mutation; the text mmcheck last: it ends with the
# mmaudit-status line
VIEWS = ["mmcheck -j", "mmtask -j", "mmlist -j", "mmcpu -j", "mmflush -j", "mmcheck"]
S = Suite("mutate")
LIVE = set()               # process groups of running crash sessions
STOP = threading.Event()
PRINT = threading.Lock()


def say(msg):
    with PRINT:
        print("# " + msg, flush=True)


# --------------------------------------------------------------------------
# a crash session driven through a pipe
# --------------------------------------------------------------------------

class Died(Exception):
    pass


class Hung(Exception):
    pass


def plain_crash(vmlinux, core):
    """exit status of crash alone (no extension, no sanitizer runtime) on
    core: start, quit; None on a timeout"""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
    try:
        p = subprocess.run([CRASH, "-s", "--no_crashrc", vmlinux, core], input=b"q\n", capture_output=True,
                           timeout=600, env=env, start_new_session=True)
        return p.returncode
    except subprocess.TimeoutExpired:
        return None


class Crash:
    """crash on one dump; commands written to its stdin, each followed by an
    `echo MARKER`; the output up to the marker is the command's output."""

    def __init__(self, vmlinux, core, so, env):
        self.vmlinux, self.core, self.so, self.env = vmlinux, core, so, env
        self.p = None
        self.n = 0
        self.buf = b""
        self.starts = 0
        self.loaded = False

    def start(self, timeout=600):
        self.close()
        self.p = subprocess.Popen([CRASH, "-s", "--no_crashrc", self.vmlinux, self.core],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  start_new_session=True, env=self.env)
        LIVE.add(self.p.pid)
        self.buf = b""
        self.starts += 1
        self.loaded = False
        t0 = time.time()
        out = self.cmd("extend " + self.so, timeout)
        self.loaded = "loaded" in out
        self.start_sanitizer = split_sanitizer(out)[1]
        if "loaded" not in out:
            raise Died("extend failed: " + out.strip()[-300:])
        return time.time() - t0

    def cmd(self, text, timeout):
        """-> output of text; raises Died (crash exited) or Hung (timeout)"""
        if self.p is None or self.p.poll() is not None:
            raise Died("crash not running")
        self.n += 1
        marker = ("@@mutate-%d@@" % self.n).encode()
        try:
            self.p.stdin.write(text.encode() + b"\necho " + marker + b"\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Died("crash closed its input (exit %s)" % self.p.poll())
        fd = self.p.stdout.fileno()
        end = time.time() + timeout
        while True:
            i = self.buf.find(marker + b"\n")
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(marker) + 1:]
                return out.decode(errors="replace")
            left = end - time.time()
            if left <= 0:
                self.kill()
                raise Hung("no answer to %r in %d s" % (text, timeout))
            r, _, _ = select.select([fd], [], [], min(left, 5))
            if r:
                b = os.read(fd, 1 << 20)
                if not b:
                    rc = self.p.wait()
                    tail = self.buf.decode(errors="replace").strip()[-400:]
                    self.p = None
                    raise Died("crash exited (status %s) during %r: %s" % (rc, text, tail))
                self.buf += b

    def kill(self):
        if self.p is not None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            LIVE.discard(self.p.pid)
            self.p = None

    def close(self):
        if self.p is None:
            return
        try:
            self.p.stdin.write(b"q\n")
            self.p.stdin.flush()
            self.p.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


# --------------------------------------------------------------------------
# outputs: normalised, signed, findings
# --------------------------------------------------------------------------

TIMING_KEYS = ("ms", "timing_ms")


def strip_timing(o):
    if isinstance(o, dict):
        return {k: strip_timing(v) for k, v in o.items() if k not in TIMING_KEYS}
    if isinstance(o, list):
        return [strip_timing(v) for v in o]
    return o


SAN_START = re.compile(r"runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                       r"ERROR: UndefinedBehaviorSanitizer|WARNING: AddressSanitizer")


def split_sanitizer(out):
    """-> (the output without sanitizer reports, [first line of each report]).
    The runtimes write to the process's stderr (their log_path is not
    honoured inside crash), which the driver merges into the output."""
    keep, reps, inrep = [], [], False
    for l in out.splitlines():
        if SAN_START.search(l):
            reps.append(l.strip()[:300])
            inrep = True
            continue
        if inrep and (re.match(r"^\s+#\d+ ", l) or l.startswith(("SUMMARY:", "==", "    ", "Shadow", "  ")) or
                      not l.strip()):
            continue
        inrep = False
        keep.append(l)
    return "\n".join(keep), reps


class Outcome:
    """the views' outputs for one state of the dump"""

    def __init__(self, outs):
        self.raw = outs
        self.views = {}
        self.problems = []
        self.sanitizer = []
        self.status_line = None
        for cmd, out in zip(VIEWS, outs):
            if "<segmentation violation" in out:
                # crash catches SIGSEGV (cmdline.c restart()) and goes back
                # to its prompt: the extension crashed, crash did not die
                self.problems.append("%s: segmentation violation" % cmd)
            out, reps = split_sanitizer(out)
            self.sanitizer += ["%s: %s" % (cmd, r) for r in reps]
            lines = [l for l in out.splitlines() if l.strip()]
            if cmd.endswith("-j"):
                body = "\n".join(l for l in lines if not l.startswith("mmaudit-status:"))
                try:
                    j = json.loads(body)
                except ValueError:
                    self.problems.append("%s: not one JSON object: %r" % (cmd, body[-200:]))
                    j = {"unparsed": body}
                self.views[cmd] = strip_timing(j)
            else:
                st = [l for l in lines if l.startswith("mmaudit-status:")]
                self.status_line = lines[-1] if lines else ""
                if not st or lines[-1] != st[-1]:
                    self.problems.append("%s: output does not end with its mmaudit-status line: %r"
                                         % (cmd, (lines[-1] if lines else "")[-200:]))
                self.views[cmd] = [re.sub(r", [0-9.]+ ms\)", ", - ms)", l) for l in lines]
        self.sig = hashlib.sha1(json.dumps(self.views, sort_keys=True).encode()).hexdigest()[:16]

    def findings(self):
        j = self.views.get("mmcheck -j") or {}
        return j.get("findings") or []

    def errors(self):
        return sorted("%s: %s" % (c, v.get("error")) for c, v in self.views.items()
                      if isinstance(v, dict) and v.get("status") == "error")


def fkey(f):
    return (f.get("rule"), f.get("severity"), f.get("task"), f.get("mm"), f.get("cpu"), f.get("pid"),
            f.get("detail"))


def classify(base, got):
    """-> (class, rules, changed views)"""
    if got.sig == base.sig:
        return "benign", [], []
    have = collections.Counter(fkey(f) for f in base.findings())
    new = []
    for f in got.findings():
        k = fkey(f)
        if have[k] > 0:
            have[k] -= 1
        else:
            new.append(f)
    changed = sorted(c for c in VIEWS if got.views.get(c) != base.views.get(c))
    errs = got.errors()
    if new or errs:
        rules = sorted({"%s/%s" % (f.get("rule"), f.get("severity")) for f in new} |
                       {"error" for _ in errs[:1]})
        return "detected", rules, changed
    return "missed", [], changed


def view_diff(base, got, limit=3):
    """a few words on what changed in a missed mutation"""
    out = []
    for c in VIEWS:
        a, b = base.views.get(c), got.views.get(c)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if a.get(k) == b.get(k):
                    continue
                if isinstance(a.get(k), list) and isinstance(b.get(k), list):
                    la, lb = a[k], b[k]
                    for i in range(max(len(la), len(lb))):
                        x = la[i] if i < len(la) else None
                        y = lb[i] if i < len(lb) else None
                        if x != y:
                            if isinstance(x, dict) and isinstance(y, dict):
                                ks = [kk for kk in sorted(set(x) | set(y)) if x.get(kk) != y.get(kk)]
                                out.append("%s %s[%d] %s" % (c, k, i, ",".join(ks)))
                            else:
                                out.append("%s %s[%d]" % (c, k, i))
                            break
                elif isinstance(a.get(k), dict) and isinstance(b.get(k), dict):
                    ks = [kk for kk in sorted(set(a[k]) | set(b[k])) if a[k].get(kk) != b[k].get(kk)]
                    out.append("%s %s.%s" % (c, k, ",".join(ks)))
                else:
                    out.append("%s %s" % (c, k))
        else:
            out.append(c)
        if len(out) >= limit:
            break
    return out[:limit]


# --------------------------------------------------------------------------
# discovery: crash's own built-ins on the copy before any mutation
# --------------------------------------------------------------------------

def gdb_ptr(text):
    m = re.search(r"=\s*\(.*\)\s*(0x[0-9a-f]+)", text or "")
    return int(m.group(1), 16) if m else None


def gdb_num(text):
    m = re.search(r"=\s*(-?(?:0x[0-9a-f]+|\d+))\s*$", (text or "").strip())
    return int(m.group(1), 0) if m else None


def parse_kmem_S(text):
    """`kmem -S mm_struct` (SLUB) -> dict(cache, cpu_caches, slabs, alloc, free)"""
    r = dict(cache=None, kcc=[], slabs=[], alloc=[], free=[])
    lines = (text or "").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("CACHE") and i + 1 < len(lines):
            f = lines[i + 1].split()
            if f:
                r["cache"] = int(f[0], 16)
        if "KMEM_CACHE_CPU:" in line and i + 1 < len(lines):
            f = lines[i + 1].split()
            if f and re.match(r"^[0-9a-f]{16}$", f[0]):
                r["kcc"].append(int(f[0], 16))
        if re.match(r"^\s+SLAB\s+MEMORY", line) and i + 1 < len(lines):
            f = lines[i + 1].split()
            if len(f) >= 2 and re.match(r"^[0-9a-f]{16}$", f[0]) and re.match(r"^[0-9a-f]{16}$", f[1]):
                r["slabs"].append((int(f[0], 16), int(f[1], 16)))
        m = re.match(r"^\s+\[([0-9a-f]{16})\]", line)
        if m:
            r["alloc"].append(int(m.group(1), 16))
            continue
        m = re.match(r"^\s+([0-9a-f]{16})(\s+\(cpu \d+ cache\))?\s*$", line)
        if m and i > 0 and "KMEM_CACHE_CPU" not in lines[i - 1]:
            r["free"].append(int(m.group(1), 16))
    r["slabs"] = sorted(set(r["slabs"]))
    r["alloc"] = sorted(set(r["alloc"]))
    r["free"] = sorted(set(r["free"]))
    return r


def parse_kmem_o(text):
    """`kmem -o` -> {cpu: per-cpu offset}"""
    return {int(m.group(1)): int(m.group(2), 16)
            for m in re.finditer(r"CPU\s+(\d+):\s+([0-9a-f]+)", text or "")}


class Targets:
    """addresses and layout of everything the campaign mutates"""


def offset(c, struct_, member):
    """offsetof via gdb; None when the member does not exist"""
    out = c.cmd("p &((struct %s *)0)->%s" % (struct_, member), 120)
    return gdb_ptr(out)


def sym_value(c, name):
    m = re.search(r"^([0-9a-f]+) \(\S\) %s$" % re.escape(name), c.cmd("sym " + name, 60), re.M)
    return int(m.group(1), 16) if m else None


def discover(c):
    t0 = time.time()
    x = Targets()
    x.ps = parse_ps(c.cmd("ps", 300))
    x.nr_cpu_ids = gdb_num(c.cmd("p nr_cpu_ids", 60))
    x.init_task = gdb_ptr(c.cmd("p &init_task", 60))
    x.init_mm = gdb_ptr(c.cmd("p &init_mm", 60))
    x.online = gdb_ptr(c.cmd("p &__cpu_online_mask", 60))
    x.pcpu = parse_kmem_o(c.cmd("kmem -o", 120))
    x.size_task = gdb_num(c.cmd("p sizeof(struct task_struct)", 60))
    x.size_mm = gdb_num(c.cmd("p sizeof(struct mm_struct)", 60))
    x.mask_words = (x.nr_cpu_ids + 63) // 64 if x.nr_cpu_ids else 1
    to = {}
    for name, cands, size in (("tasks.next", ["tasks.next"], 8), ("tasks.prev", ["tasks.prev"], 8),
                              ("mm", ["mm"], 8), ("active_mm", ["active_mm"], 8),
                              ("flags", ["flags"], 4), ("state", ["__state", "state"], 4),
                              ("exit_state", ["exit_state"], 4), ("pid", ["pid"], 4), ("tgid", ["tgid"], 4),
                              ("cpu", ["cpu", "thread_info.cpu"], 4), ("on_cpu", ["on_cpu"], 4),
                              ("group_leader", ["group_leader"], 8)):
        for m in cands:
            o = offset(c, "task_struct", m)
            if o is not None:
                to[name] = (o, size)
                break
    x.task_off = to
    mo = {}
    for name, m, size in (("mm_users", "mm_users", 4), ("mm_count", "mm_count", 4), ("owner", "owner", 8),
                          ("context.tlb_gen", "context.tlb_gen", 8)):
        o = offset(c, "mm_struct", m)
        if o is not None:
            mo[name] = (o, size)
    o = offset(c, "mm_struct", "cpu_bitmap")
    x.mask_off = o
    x.mm_off = mo
    ro = {}
    for name in ("curr", "idle", "prev_mm"):
        o = offset(c, "rq", name)
        if o is not None:
            ro[name] = (o, 8)
    x.rq_off = ro
    # per-CPU symbols: crash's `sym` gives the section offset (gdb's `p &sym`
    # adds the KASLR offset to it), kmem -o the per-CPU bases
    x.rq_sym, x.tlb_sym, x.tlbsh_sym = (sym_value(c, n) for n in ("runqueues", "cpu_tlbstate",
                                                                "cpu_tlbstate_shared"))
    tl = {}
    for name, m, size in (("loaded_mm", "loaded_mm", 8), ("loaded_mm_asid", "loaded_mm_asid", 2),
                          ("is_lazy", "is_lazy", 1), ("ctxs[0].tlb_gen", "ctxs[0].tlb_gen", 8),
                          ("ctxs[1].tlb_gen", "ctxs[1].tlb_gen", 8)):
        o = offset(c, "tlb_state", m)
        if o is not None:
            tl[name] = (o, size, "cpu_tlbstate")
    if "is_lazy" not in tl and x.tlbsh_sym is not None:
        o = offset(c, "tlb_state_shared", "is_lazy")
        if o is not None:
            tl["is_lazy"] = (o, 1, "cpu_tlbstate_shared")
    x.tlb_off = tl
    # the mm_struct slab cache
    x.kmem = parse_kmem_S(c.cmd("kmem -S mm_struct", 300))
    so = {}
    slab_struct = "slab" if offset(c, "slab", "slab_cache") is not None else "page"
    x.slab_struct = slab_struct
    for name, m, size in (("slab_cache", "slab_cache", 8), ("freelist", "freelist", 8),
                          ("counters", "counters", 8), ("flags", "flags", 8),
                          ("page_type", "page_type", 4), ("compound_head", "compound_head", 8)):
        o = offset(c, slab_struct, m)
        if o is None and slab_struct == "slab" and m in ("flags", "page_type", "compound_head"):
            o = offset(c, "page", m)     # struct slab overlays struct page
        if o is not None:
            so[name] = (o, size)
    x.slab_off = so
    ko = {}
    for name, cands in (("freelist", ["freelist"]), ("slab", ["slab", "page"])):
        for m in cands:
            o = offset(c, "kmem_cache_cpu", m)
            if o is not None:
                ko[name] = (o, 8)
                break
    x.kcc_off = ko
    cache = x.kmem["cache"]
    x.fp_off = x.fp_random = None
    if cache:
        x.fp_off = gdb_num(c.cmd("p ((struct kmem_cache *)0x%x)->offset" % cache, 60))
        x.fp_random = gdb_num(c.cmd("p/x ((struct kmem_cache *)0x%x)->random" % cache, 60)) or 0
        x.cache_size = gdb_num(c.cmd("p ((struct kmem_cache *)0x%x)->size" % cache, 60))
    # the tasks, from crash's ps (idle tasks included)
    x.tasks = sorted({r["task"]: r for r in x.ps}.values(), key=lambda r: r["task"])
    x.leaders = [r["task"] for r in x.tasks]
    x.seconds = time.time() - t0
    return x


def discovery_problems(x):
    p = []
    if not x.ps:
        p.append("no ps output")
    for k in ("nr_cpu_ids", "init_task", "init_mm", "size_task", "size_mm", "mask_off", "rq_sym"):
        if getattr(x, k) is None:
            p.append("%s unknown" % k)
    for k in ("tasks.next", "mm", "active_mm", "pid", "tgid", "flags"):
        if k not in x.task_off:
            p.append("task_struct.%s offset unknown" % k)
    for k in ("mm_users", "mm_count"):
        if k not in x.mm_off:
            p.append("mm_struct.%s offset unknown" % k)
    if not x.pcpu:
        p.append("kmem -o gave no per-CPU offsets")
    if not x.kmem["alloc"] or not x.kmem["slabs"]:
        p.append("kmem -S mm_struct gave no objects or slabs")
    return p


# --------------------------------------------------------------------------
# mutations
# --------------------------------------------------------------------------

class Field:
    """one mutable field: kind of object, its address, field name, size, what
    its value is (ptr kind, counter, int, mask, list link, freeptr...)"""
    __slots__ = ("obj", "objaddr", "name", "addr", "size", "vk", "label")

    def __init__(self, obj, objaddr, name, addr, size, vk, label):
        self.obj, self.objaddr, self.name, self.addr, self.size, self.vk, self.label = \
            obj, objaddr, name, addr, size, vk, label


def bswap64(v):
    return int.from_bytes(v.to_bytes(8, "little"), "big")


def build_fields(x):
    """every field of every object the campaign may mutate"""
    F = []
    kinds = {"tasks.next": "list", "tasks.prev": "list", "mm": "mmptr", "active_mm": "mmptr",
             "group_leader": "taskptr", "flags": "flags", "state": "int", "exit_state": "int",
             "pid": "int", "tgid": "int", "cpu": "int", "on_cpu": "int"}
    for r in x.tasks:
        for name, (o, size) in sorted(x.task_off.items()):
            F.append(Field("task", r["task"], name, r["task"] + o, size, kinds[name],
                           "task pid %d (%s)" % (r["pid"], r["comm"][:16])))
    mms = x.kmem["alloc"]
    for mm in mms:
        for name, (o, size) in sorted(x.mm_off.items()):
            vk = {"mm_users": "counter", "mm_count": "counter", "owner": "taskptr"}.get(name, "int")
            F.append(Field("mm", mm, name, mm + o, size, vk, "mm %x" % mm))
        for w in range(x.mask_words):
            F.append(Field("mm", mm, "cpumask[%d]" % w, mm + x.mask_off + 8 * w, 8, "mask", "mm %x" % mm))
    for cpu, off in sorted(x.pcpu.items()):
        if cpu >= (x.nr_cpu_ids or 0):
            continue
        for name, (o, size) in sorted(x.rq_off.items()):
            F.append(Field("rq", cpu, name, x.rq_sym + off + o, 8, "mmptr" if name == "prev_mm" else "taskptr",
                           "runqueues cpu %d" % cpu))
        for name, (o, size, sym) in sorted(x.tlb_off.items()):
            base = x.tlb_sym if sym == "cpu_tlbstate" else x.tlbsh_sym
            vk = {"loaded_mm": "mmptr", "is_lazy": "bool"}.get(name, "int")
            F.append(Field("tlbstate", cpu, name, base + off + o, size, vk, "%s cpu %d" % (sym, cpu)))
    if x.online:
        for w in range(x.mask_words):
            F.append(Field("online", 0, "word[%d]" % w, x.online + 8 * w, 8, "mask", "__cpu_online_mask"))
    for slab, mem in x.kmem["slabs"]:
        for name, (o, size) in sorted(x.slab_off.items()):
            vk = {"slab_cache": "cacheptr", "freelist": "freelist", "compound_head": "int"}.get(name, "int")
            F.append(Field("slab", slab, name, slab + o, size, vk, "%s %x (objects at %x)" % (x.slab_struct, slab, mem)))
    for kcc in x.kmem["kcc"]:
        for name, (o, size) in sorted(x.kcc_off.items()):
            F.append(Field("kmem_cache_cpu", kcc, name, kcc + o, 8, "freelist" if name == "freelist" else "slabptr",
                           "kmem_cache_cpu %x" % kcc))
    if x.fp_off is not None:
        for obj in x.kmem["free"]:
            F.append(Field("freeobj", obj, "freeptr", obj + x.fp_off, 8, "freeptr", "free mm_struct %x" % obj))
    return F


OBJ_WEIGHT = {"task": 30, "mm": 26, "rq": 9, "tlbstate": 9, "online": 3, "slab": 9, "kmem_cache_cpu": 5,
              "freeobj": 9}


class Planner:
    def __init__(self, x, fields, rng):
        self.x, self.rng = x, rng
        self.by_obj = collections.defaultdict(list)
        for f in fields:
            self.by_obj[f.obj].append(f)
        self.objs = sorted(k for k in self.by_obj if k in OBJ_WEIGHT)
        self.weights = [OBJ_WEIGHT[k] for k in self.objs]
        self.same = collections.defaultdict(list)     # (obj kind, field name) -> fields
        for f in fields:
            self.same[(f.obj, f.name)].append(f)
        self.tasks = [r["task"] for r in x.tasks]
        self.mms = x.kmem["alloc"]
        self.free = x.kmem["free"]
        self.toff = x.task_off["tasks.next"][0]

    def middle(self, base, size):
        r = self.rng
        o = r.randrange(8, max(16, size - 8), 8)
        return base + o + (r.choice([0, 0, 0, 4, 1]))

    def pointer(self, f, cur):
        """a new value for a pointer field, and what it is"""
        r, x = self.rng, self.x
        kind = f.vk
        opts = ["bitflip", "zero", "swap", "middle", "unaligned", "poison", "user", "garbage", "other-type",
                "ones"]
        if kind == "mmptr":
            opts += ["other-mm"] * 4 + ["free-mm"] * 2 + ["init_mm"]
        elif kind == "taskptr":
            opts += ["other-task"] * 4 + ["self-obj"]
        elif kind == "list":
            opts += ["loop"] * 3 + ["self-loop"] * 2 + ["skip"] * 2 + ["to-head"]
        elif kind in ("freelist", "freeptr"):
            opts += ["free-obj"] * 3 + ["alloc-obj"] * 3 + ["self-obj"] * 2
        elif kind in ("cacheptr", "slabptr"):
            opts += ["other-slab"] * 2
        op = r.choice(opts)
        enc = (lambda v: v) if kind != "freeptr" or not x.fp_random else \
            (lambda v: v ^ x.fp_random ^ bswap64(f.addr))
        if op == "bitflip":
            b = r.randrange(64)
            return cur ^ (1 << b), "bitflip %d" % b
        if op == "zero":
            return 0, "zero"
        if op == "swap":
            return None, "swap"
        if op == "middle":
            base = r.choice(self.mms if kind == "mmptr" else self.tasks)
            size = x.size_mm if kind == "mmptr" else x.size_task
            v = self.middle(base, size)
            if kind == "list":
                v = r.choice(self.tasks) + r.randrange(8, x.size_task - 8, 8)
            return enc(v), "into the middle of an object (+%#x)" % (v - base if kind != "list" else 0)
        if op == "unaligned":
            d = r.randrange(1, 8)
            return cur + d, "unaligned (+%d)" % d
        if op == "poison":
            return LIST_POISON1, "LIST_POISON1"
        if op == "user":
            return USER_ADDR, "user address"
        if op == "garbage":
            return GARBAGE, "garbage 0x4d4d..."
        if op == "ones":
            return (1 << 64) - 1, "all ones"
        if op == "other-type":
            v = r.choice(self.tasks if kind in ("mmptr", "freelist", "freeptr", "cacheptr", "slabptr") else self.mms)
            return enc(v), "object of another type"
        if op == "other-mm":
            v = r.choice(self.mms)
            return v, "another mm"
        if op == "free-mm":
            v = r.choice(self.free) if self.free else r.choice(self.mms)
            return v, "a free mm_struct object"
        if op == "init_mm":
            return x.init_mm, "&init_mm"
        if op == "other-task":
            return r.choice(self.tasks), "another task"
        if op == "self-obj":
            v = f.objaddr if f.obj in ("task", "freeobj") else r.choice(self.tasks)
            return enc(v), "pointer to its own object"
        if op == "loop":
            # back to an entry of the list: crash's ps order is by address, not
            # by list position, so this is a loop or a skip
            v = r.choice(self.tasks) + self.toff
            return v, "link to another task's tasks node"
        if op == "self-loop":
            return f.objaddr + self.toff, "self-loop"
        if op == "skip":
            v = r.choice(self.tasks) + self.toff
            return v, "link to another task's tasks node"
        if op == "to-head":
            return x.init_task + self.toff, "link to the head (init_task.tasks)"
        if op == "free-obj":
            v = r.choice(self.free) if self.free else r.choice(self.mms)
            return enc(v), "a free object"
        if op == "alloc-obj":
            return enc(r.choice(self.mms)), "an allocated mm (in use)"
        if op == "other-slab":
            cands = [s for s, _ in x.kmem["slabs"]]
            return r.choice(cands), "another slab"
        return cur ^ 1, "bitflip 0"

    def number(self, f, cur):
        r = self.rng
        bits = 8 * f.size
        mask = (1 << bits) - 1
        if f.vk == "mask":
            op = r.choice(["bitflip"] * 5 + ["zero", "ones", "swap", "bit-beyond"])
            if op == "bitflip":
                nb = min(64, max(1, (self.x.nr_cpu_ids or 64) - 64 * int(f.name.split("[")[1][:-1])))
                b = r.randrange(nb) if r.random() < 0.8 else r.randrange(64)
                return cur ^ (1 << b), "bitflip %d" % b
            if op == "bit-beyond":
                b = r.randrange(64)
                return cur | (1 << b), "set bit %d" % b
        elif f.vk == "counter":
            op = r.choice(["bitflip", "bitflip", "zero", "huge", "negative", "minus-one", "plus-k", "minus-k", "swap",
                           "int-max", "int-min"])
        elif f.vk == "bool":
            op = r.choice(["bitflip", "zero", "one", "ones"])
        else:
            op = r.choice(["bitflip"] * 3 + ["zero", "ones", "swap", "random", "plus-k"])
        if op == "bitflip":
            b = r.randrange(bits)
            return cur ^ (1 << b), "bitflip %d" % b
        if op == "zero":
            return 0, "zero"
        if op == "ones":
            return mask, "all ones"
        if op == "one":
            return 1, "one"
        if op == "swap":
            return None, "swap"
        if op == "huge":
            v = r.choice([0x10000000, 0x3fffffff, 0x7ffffff0, 1 << 20])
            return v, "huge %d" % v
        if op == "int-max":
            return 0x7fffffff, "INT_MAX"
        if op == "int-min":
            return 0x80000000, "INT_MIN"
        if op == "negative":
            v = -r.randrange(2, 1000)
            return v & mask, "negative %d" % v
        if op == "minus-one":
            return mask, "-1"
        if op == "plus-k":
            k = r.randrange(1, 5)
            return (cur + k) & mask, "+%d" % k
        if op == "minus-k":
            k = r.randrange(1, 3)
            return (cur - k) & mask, "-%d" % k
        if op == "random":
            return r.getrandbits(bits), "random"
        return cur ^ 1, "bitflip 0"

    def directed(self, orig):
        """fixed mutations run first on every dump: the last CPU's rq->curr
        and cpu_tlbstate.loaded_mm pushed out of the direct map (bits 46 /
        41), where crash's own sparsemem warning used to land inside the
        JSON of every view (trixie-6.12 CPUs 31 and 40 in the first full
        run)"""
        out = []
        for obj, name, bit in (("rq", "curr", 46), ("tlbstate", "loaded_mm", 41), ("rq", "curr", 41)):
            fs = sorted((f for f in self.same[(obj, name)]), key=lambda f: f.objaddr)
            if not fs:
                continue
            f = fs[-1]
            cur = orig(f.addr, f.size)
            if cur is None:
                continue
            v = cur ^ (1 << bit)
            out.append(dict(obj=f.obj, field=f.name, op="directed", desc="%s.%s: directed bitflip %d (%#x -> %#x)"
                            % (f.label, f.name, bit, cur, v), patches=[(f.addr, v.to_bytes(8, "little"))]))
        return out

    def plan(self, orig):
        """one mutation: (kind, field, op, description, [(va, newbytes)])"""
        r = self.rng
        for _ in range(100):
            obj = r.choices(self.objs, self.weights)[0]
            f = r.choice(self.by_obj[obj])
            cur = orig(f.addr, f.size)
            if cur is None:
                continue
            if f.vk in ("list", "mmptr", "taskptr", "freelist", "freeptr", "cacheptr", "slabptr"):
                v, op = self.pointer(f, cur)
            else:
                v, op = self.number(f, cur)
            patches = []
            if v is None:      # swap with the same field of another object
                others = [g for g in self.same[(f.obj, f.name)] if g.addr != f.addr]
                others = [g for g in others if orig(g.addr, g.size) not in (None, cur)]
                if not others:
                    continue
                g = r.choice(others)
                gv = orig(g.addr, g.size)
                patches = [(f.addr, gv, f.size), (g.addr, cur, g.size)]
                desc = "%s.%s <-> %s.%s" % (f.label, f.name, g.label, g.name)
            else:
                v &= (1 << (8 * f.size)) - 1
                if v == cur:
                    continue
                patches = [(f.addr, v, f.size)]
                desc = "%s.%s: %s (%#x -> %#x)" % (f.label, f.name, op, cur, v)
            opname = op.split(" (")[0] if not op.startswith("bitflip") else "bitflip"
            return dict(obj=f.obj, field=f.name, op=opname, desc=desc,
                        patches=[(a, v.to_bytes(n, "little")) for a, v, n in patches])
        raise RuntimeError("could not plan a mutation")


# --------------------------------------------------------------------------
# the dump copy: VA -> file offset (vmcore-inject), pwrite
# --------------------------------------------------------------------------

class Copy:
    def __init__(self, orig, path, vmlinux):
        self.orig, self.path, self.vmlinux = orig, path, vmlinux
        self.pages = {}
        self.fd = None

    def make(self):
        t0 = time.time()
        shutil.copyfile(self.orig, self.path)
        self.fd = os.open(self.path, os.O_RDWR)
        self.ofd = os.open(self.orig, os.O_RDONLY)
        return time.time() - t0

    def translate(self, vas):
        """page -> file offset of the page, for every page of vas (one
        vmcore-inject run per 2000 pages)"""
        pages = sorted({va & ~0xFFF for va in vas} - set(self.pages))
        for i in range(0, len(pages), 2000):
            chunk = pages[i:i + 2000]
            args = [INJECT, "--vmlinux", self.vmlinux, self.orig]
            for p in chunk:
                args += ["--va-to-pa", "0x%x" % p]
            r = subprocess.run(args, capture_output=True, text=True, timeout=600)
            for m in re.finditer(r"^va=0x([0-9a-f]+) pa=\S+ method=\S+.*?file_offset=(0x[0-9a-f]+|none)$",
                                 r.stdout, re.M):
                va = int(m.group(1), 16)
                self.pages[va] = None if m.group(2) == "none" else int(m.group(2), 16)
            for p in chunk:
                self.pages.setdefault(p, None)

    def off(self, va):
        p = self.pages.get(va & ~0xFFF)
        return None if p is None else p + (va & 0xFFF)

    def read_orig(self, va, n):
        o = self.off(va)
        if o is None or (va & 0xFFF) + n > 4096:
            return None
        return os.pread(self.ofd, n, o)

    def write(self, va, b):
        o = self.off(va)
        if os.pwrite(self.fd, b, o) != len(b):
            raise OSError("short pwrite")

    def close(self):
        for fd in (self.fd, getattr(self, "ofd", None)):
            if fd is not None:
                os.close(fd)
        self.fd = None
        if os.path.exists(self.path):
            os.unlink(self.path)


# --------------------------------------------------------------------------
# sanitizer logs
# --------------------------------------------------------------------------

def sanitizer_env(logdir):
    env = dict(os.environ)
    rt = []
    for lib in ("libasan.so", "libubsan.so"):
        p = subprocess.run(["gcc", "-print-file-name=" + lib], capture_output=True, text=True).stdout.strip()
        rt.append(os.path.realpath(p))
    env["LD_PRELOAD"] = " ".join(rt)
    # crash itself is not instrumented: its own allocations are never freed
    # on purpose (leak reports would be crash's); the runtime must not
    # intercept SIGSEGV, which crash handles itself
    env["ASAN_OPTIONS"] = ("detect_leaks=0:log_path=%s/asan:handle_segv=0:handle_abort=0:"
                           "allow_user_segv_handler=1:verify_asan_link_order=0:abort_on_error=0:"
                           "alloc_dealloc_mismatch=0:new_delete_type_mismatch=0" % logdir)
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=0:log_path=%s/ubsan" % logdir
    return env


def sanitizer_reports(logdir):
    """[(file, first report line)] of every ASan/UBSan report in logdir"""
    out = []
    for p in sorted(glob.glob(os.path.join(logdir, "*"))):
        try:
            with open(p, errors="replace") as f:
                for line in f:
                    if "ERROR: AddressSanitizer" in line or "runtime error:" in line or \
                            "ERROR: UndefinedBehaviorSanitizer" in line:
                        out.append((os.path.basename(p), line.strip()[:300]))
        except OSError:
            pass
    return out


def log_size(logdir):
    n = 0
    for p in glob.glob(os.path.join(logdir, "*")):
        try:
            n += os.path.getsize(p)
        except OSError:
            pass
    return n


# --------------------------------------------------------------------------
# one dump: discovery, baseline, the mutations
# --------------------------------------------------------------------------

class Job:
    def __init__(self, d, n, seed, wd, so, env, logdir, cold, resample, recheck, timeout):
        self.d, self.n, self.seed, self.wd, self.so, self.env = d, n, seed, wd, so, env
        self.logdir, self.cold_n, self.resample_n, self.recheck = logdir, cold, resample, recheck
        self.timeout = timeout
        self.results = []
        self.events = []         # (kind, what) deaths, hangs, stale, nondeterminism, problems
        self.checks = collections.Counter()
        self.cold = []
        self.resampled = []
        self.setup_error = None
        self.seconds = 0.0
        self.mut_seconds = 0.0
        self.startup = []
        self.plan_digest = None
        self.san = []            # sanitizer reports seen in the outputs

    def event(self, kind, what):
        self.events.append((kind, what))
        say("%s: %s: %s" % (self.d.id, kind, what))

    def run_views(self, c):
        return Outcome([c.cmd(v, self.timeout) for v in VIEWS])

    def run(self):
        t_all = time.time()
        d = self.d
        tag = re.sub(r"\W+", "-", d.id)
        cp = Copy(d.vmcore, os.path.join(self.wd, tag + ".elf"), d.vmlinux)
        c = None
        try:
            secs = cp.make()
            say("%s: copy made in %.1f s" % (d.id, secs))
            c = Crash(d.vmlinux, cp.path, self.so, self.env)
            self.startup.append(c.start())
            self.san += c.start_sanitizer
            x = discover(c)
            probs = discovery_problems(x)
            if probs:
                self.setup_error = "discovery: " + "; ".join(probs)
                return self
            fields = build_fields(x)
            cp.translate([f.addr for f in fields])
            fields = [f for f in fields if cp.off(f.addr) is not None and (f.addr & 0xFFF) + f.size <= 4096]
            # the per-CPU translation is right: each runqueue's curr read
            # through it is a task crash's ps lists
            tasks = {r["task"] for r in x.tasks}
            currs = [int.from_bytes(cp.read_orig(f.addr, 8), "little") for f in fields
                     if f.obj == "rq" and f.name == "curr"]
            if not currs or any(v not in tasks for v in currs):
                self.setup_error = "runqueues.curr read at the computed addresses is not a task of ps: %s" % \
                    [hex(v) for v in currs]
                return self
            say("%s: crash start %.1f s, discovery %.1f s: %d tasks, %d mms (%d free objects), %d slabs, "
                "%d fields" % (d.id, self.startup[0], x.seconds, len(x.tasks), len(x.kmem["alloc"]),
                               len(x.kmem["free"]), len(x.kmem["slabs"]), len(fields)))
            cache = {}

            def orig(va, n):
                k = (va, n)
                if k not in cache:
                    b = cp.read_orig(va, n)
                    cache[k] = None if b is None else int.from_bytes(b, "little")
                return cache[k]

            rng = random.Random("%s/%s" % (self.seed, d.id))
            pl = Planner(x, fields, rng)
            muts = pl.directed(orig)
            muts += [pl.plan(orig) for _ in range(max(0, self.n - len(muts)))]
            self.plan_digest = hashlib.sha1(json.dumps([m["patches"] for m in muts], default=lambda b: b.hex())
                                            .encode()).hexdigest()[:16]
            for m in muts:
                m["orig"] = [(a, cp.read_orig(a, len(b))) for a, b in m["patches"]]
            base = self.run_views(c)
            self.san += base.sanitizer
            if base.problems:
                self.setup_error = "baseline: " + "; ".join(base.problems)
                return self
            self.base = base
            self.base_bug = (base.views["mmcheck -j"].get("summary") or {}).get("bug")
            self.base_susp = (base.views["mmcheck -j"].get("summary") or {}).get("suspicious")
            pick = random.Random("%s/%s/sample" % (self.seed, d.id))
            cold_idx = set(pick.sample(range(self.n), min(self.cold_n, self.n)))
            res_idx = set(pick.sample(range(self.n), min(self.resample_n, self.n)))
            t0 = time.time()
            for i, m in enumerate(muts):
                if STOP.is_set():
                    break
                c = self.one(c, cp, i, m)
                if (i + 1) % 500 == 0:
                    say("%s: %d/%d mutations, %.0f s" % (d.id, i + 1, self.n, time.time() - t0))
                if self.recheck and (i + 1) % self.recheck == 0:
                    c = self.baseline_again(c, "after mutation %d" % i)
            self.mut_seconds = time.time() - t0
            c = self.baseline_again(c, "at the end")
            # determinism: the sample re-applied in the same session
            for i in sorted(res_idx):
                m, r = muts[i], self.results[i]
                if r.get("sig") is None:
                    continue
                self.apply(cp, m)
                try:
                    got = self.run_views(c)
                except (Died, Hung) as e:
                    self.event("died" if isinstance(e, Died) else "hang", "re-run of #%d: %s" % (i, e))
                    self.revert(cp, m)
                    c = self.restart(c)
                    continue
                self.revert(cp, m)
                self.resampled.append((i, got.sig == r["sig"]))
                if got.sig != r["sig"]:
                    self.event("nondeterministic", "#%d %s: %s" % (i, m["desc"], view_diff(
                        self.outs[i], got)))
            c = self.baseline_again(c, "after the re-runs")
            c.close()
            # cold: a fresh crash on the mutated copy
            for i in sorted(cold_idx):
                if STOP.is_set():
                    break
                self.cold_run(cp, i, muts[i])
        except (Died, Hung) as e:
            self.setup_error = "%s: %s" % (type(e).__name__, e)
        finally:
            if c is not None:
                c.kill()
            cp.close()
            self.seconds = time.time() - t_all
        return self

    def apply(self, cp, m):
        for a, b in m["patches"]:
            cp.write(a, b)

    def revert(self, cp, m):
        for a, b in reversed(m["orig"]):
            cp.write(a, b)

    def restart(self, c):
        c.kill()
        if STOP.is_set():
            raise Died("stopped (signal)")
        self.startup.append(c.start())
        self.san += c.start_sanitizer
        return c

    def one(self, c, cp, i, m):
        if not hasattr(self, "outs"):
            self.outs = {}
        ls = log_size(self.logdir) if self.logdir else 0
        self.apply(cp, m)
        t0 = time.time()
        rec = dict(i=i, obj=m["obj"], field=m["field"], op=m["op"], desc=m["desc"])
        try:
            got = self.run_views(c)
            rec["seconds"] = round(time.time() - t0, 3)
            cls, rules, changed = classify(self.base, got)
            rec.update(cls=cls, rules=rules, changed=changed, sig=got.sig, status=got.status_line)
            if cls == "missed":
                rec["diff"] = view_diff(self.base, got)
            if got.problems:
                rec["problems"] = got.problems
                self.event("no-status", "#%d %s: %s" % (i, m["desc"], "; ".join(got.problems)))
            if got.sanitizer:
                rec["sanitizer_reports"] = got.sanitizer
                self.san += got.sanitizer
                self.event("sanitizer", "#%d %s: %s" % (i, m["desc"], "; ".join(got.sanitizer)))
            self.outs[i] = got
        except Died as e:
            rec.update(cls="died", why=str(e))
            self.event("died", "#%d %s: %s" % (i, m["desc"], e))
        except Hung as e:
            rec.update(cls="hang", why=str(e))
            self.event("hang", "#%d %s: %s" % (i, m["desc"], e))
        self.revert(cp, m)
        if self.logdir and log_size(self.logdir) != ls:
            rec["sanitizer"] = True
            self.event("sanitizer", "#%d %s" % (i, m["desc"]))
        self.results.append(rec)
        if rec["cls"] in ("died", "hang"):
            c = self.restart(c)
        return c

    def baseline_again(self, c, when):
        try:
            got = self.run_views(c)
        except (Died, Hung) as e:
            self.event("died" if isinstance(e, Died) else "hang", "baseline %s: %s" % (when, e))
            return self.restart(c)
        self.checks["baseline"] += 1
        if got.sanitizer:
            self.san += got.sanitizer
            self.event("sanitizer", "baseline %s: %s" % (when, "; ".join(got.sanitizer)))
        if got.sig != self.base.sig:
            self.checks["stale"] += 1
            self.event("stale", "reverted copy differs from the baseline %s: %s" % (when, view_diff(self.base, got)))
        return c

    def cold_run(self, cp, i, m):
        self.apply(cp, m)
        c = Crash(self.d.vmlinux, cp.path, self.so, self.env)
        rec = dict(i=i, desc=m["desc"])
        t0 = time.time()
        try:
            c.start(timeout=max(600, self.timeout))
            self.san += c.start_sanitizer
            got = self.run_views(c)
            c.cmd("ps", 300)
            rec.update(cls=classify(self.base, got)[0], sig=got.sig, same_as_warm=got.sig == self.results[i].get("sig"))
            if got.problems:
                self.event("no-status", "cold #%d %s: %s" % (i, m["desc"], "; ".join(got.problems)))
                rec["problems"] = got.problems
            if got.sanitizer:
                self.san += got.sanitizer
                self.event("sanitizer", "cold #%d %s: %s" % (i, m["desc"], "; ".join(got.sanitizer)))
        except Died as e:
            if c.loaded:
                rec.update(cls="died", why=str(e))
                self.event("died", "cold #%d %s: %s" % (i, m["desc"], e))
            else:
                # crash died before the extension was loaded: does it die
                # on this dump without the extension and the sanitizers?
                rc = plain_crash(self.d.vmlinux, cp.path)
                if rc is not None and rc < 0:
                    rec.update(cls="crash-startup", why="%s; without the extension crash dies too (signal %d)"
                               % (e, -rc))
                    self.event("crash-startup", "cold #%d %s: crash itself dies at start-up (signal %d), "
                               "with or without the extension" % (i, m["desc"], -rc))
                else:
                    rec.update(cls="died", why="%s; without the extension crash exits %s" % (e, rc))
                    self.event("died", "cold #%d %s: %s" % (i, m["desc"], rec["why"]))
        except Hung as e:
            rec.update(cls="hang", why=str(e))
            self.event("hang", "cold #%d %s: %s" % (i, m["desc"], e))
        finally:
            c.close()
            self.revert(cp, m)
        rec["seconds"] = round(time.time() - t0, 1)
        self.cold.append(rec)


# --------------------------------------------------------------------------

def kernel_of(d):
    return d.tag


def summarize(jobs, args, wall, san):
    rep = dict(seed=args.seed, count=args.count, asan=args.asan, wall_seconds=round(wall, 1),
               views=VIEWS, dumps={}, kernels={}, sanitizer_reports=len(san),
               sanitizer_examples=san[:20])
    for j in jobs:
        cls = collections.Counter(r["cls"] for r in j.results)
        rules = collections.Counter(rr.split("/")[0] for r in j.results for rr in r.get("rules", []))
        rep["dumps"][j.d.id] = dict(
            tried=len(j.results), classes=dict(cls), rules=dict(rules), setup_error=j.setup_error,
            plan_digest=j.plan_digest, seconds=round(j.seconds, 1), mutation_seconds=round(j.mut_seconds, 1),
            startups=[round(s, 1) for s in j.startup], baseline_checks=j.checks["baseline"],
            stale=j.checks["stale"], resampled=len(j.resampled),
            resampled_same=sum(1 for _, ok in j.resampled if ok),
            sanitizer=len(j.san), cold=j.cold, events=j.events, results=j.results)
        k = rep["kernels"].setdefault(kernel_of(j.d), dict(tried=0, detected=0, benign=0, missed=0, died=0, hang=0,
                                                          rules={}, by_field={}))
        k["tried"] += len(j.results)
        for c_ in ("detected", "benign", "missed", "died", "hang"):
            k[c_] += cls.get(c_, 0)
        for rr, n in rules.items():
            k["rules"][rr] = k["rules"].get(rr, 0) + n
        for r in j.results:
            key = "%s.%s" % (r["obj"], r["field"] if not r["field"].startswith(("cpumask[", "word[")) else
                             r["field"].split("[")[0] + "[]")
            bf = k["by_field"].setdefault(key, {})
            bf[r["cls"]] = bf.get(r["cls"], 0) + 1
    return rep


def print_summary(rep):
    print("# %-14s %7s %9s %7s %7s %5s %5s" % ("kernel", "tried", "detected", "benign", "missed", "died", "hang"))
    tot = collections.Counter()
    for k, v in sorted(rep["kernels"].items()):
        print("# %-14s %7d %9d %7d %7d %5d %5d" % (k, v["tried"], v["detected"], v["benign"], v["missed"], v["died"],
                                                   v["hang"]))
        for c_ in ("tried", "detected", "benign", "missed", "died", "hang"):
            tot[c_] += v[c_]
    print("# %-14s %7d %9d %7d %7d %5d %5d" % ("total", tot["tried"], tot["detected"], tot["benign"], tot["missed"],
                                               tot["died"], tot["hang"]))
    rules = collections.Counter()
    for v in rep["kernels"].values():
        rules.update(v["rules"])
    print("# detections by rule (a mutation may fire several): " +
          ", ".join("%s %d" % kv for kv in rules.most_common()))
    print("# sanitizer reports: %d; wall %.0f s" % (rep["sanitizer_reports"], rep["wall_seconds"]), flush=True)


def compare_reports(a, b):
    """same seed, same count -> same classification and output signature"""
    diffs = []
    for did, da in a["dumps"].items():
        db = b["dumps"].get(did)
        if not db:
            diffs.append("%s missing" % did)
            continue
        if da["plan_digest"] != db["plan_digest"]:
            diffs.append("%s: plan digest %s vs %s" % (did, da["plan_digest"], db["plan_digest"]))
        for ra, rb in zip(da["results"], db["results"]):
            if (ra.get("sig"), ra["cls"]) != (rb.get("sig"), rb["cls"]):
                diffs.append("%s #%d %s: %s/%s vs %s/%s" % (did, ra["i"], ra["desc"], ra["cls"], ra.get("sig"),
                                                          rb["cls"], rb.get("sig")))
    return diffs


def markdown(rep):
    """the figures of a report as markdown tables (docs/robustness.md)"""
    out = []
    tot = collections.Counter()
    out.append("| kernel | dumps | tried | detected | benign | missed | crash died | hung |")
    out.append("|---|---|---|---|---|---|---|---|")
    for k, v in sorted(rep["kernels"].items()):
        ds = sorted(d.split("/")[1] for d in rep["dumps"] if d.startswith(k + "/"))
        out.append("| %s | %s | %d | %d | %d | %d | %d | %d |" % (k, " + ".join(ds), v["tried"], v["detected"],
                                                                v["benign"], v["missed"], v["died"], v["hang"]))
        for c_ in ("tried", "detected", "benign", "missed", "died", "hang"):
            tot[c_] += v[c_]
    out.append("| **total** | | **%d** | **%d** | **%d** | **%d** | **%d** | **%d** |" % (
        tot["tried"], tot["detected"], tot["benign"], tot["missed"], tot["died"], tot["hang"]))
    out.append("")
    rules = collections.Counter()
    for v in rep["kernels"].values():
        rules.update(v["rules"])
    out.append("| dump | warm crash starts | baseline re-checks (stale) | re-runs same | cold runs | cold = warm | "
               "cold: crash itself dies at start-up | sanitizer reports | mutations/s |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for did, d in sorted(rep["dumps"].items()):
        cold = d.get("cold") or []
        out.append("| %s | %d | %d (%d) | %d/%d | %d | %d | %d | %d | %.1f |" % (
            did, len(d["startups"]), d["baseline_checks"], d["stale"], d["resampled_same"], d["resampled"],
            len(cold), sum(1 for r in cold if r.get("same_as_warm")),
            sum(1 for r in cold if r.get("cls") == "crash-startup"), d.get("sanitizer", 0),
            d["tried"] / d["mutation_seconds"] if d["mutation_seconds"] else 0))
    out.append("")
    out.append("| rule | mutations it detected |")
    out.append("|---|---|")
    for r, n in rules.most_common():
        out.append("| %s | %d |" % (r, n))
    out.append("")
    byf = collections.defaultdict(collections.Counter)
    missed = collections.defaultdict(collections.Counter)
    example = {}
    for did, d in rep["dumps"].items():
        for r in d["results"]:
            f = r["field"] if not r["field"].startswith(("cpumask[", "word[")) else r["field"].split("[")[0] + "[]"
            key = "%s.%s" % (r["obj"], f)
            byf[key][r["cls"]] += 1
            if r["cls"] == "missed":
                missed[key][r["op"]] += 1
                example.setdefault((key, r["op"]), (did, r["desc"], r.get("diff")))
    out.append("| field | tried | detected | benign | missed | missed by mutation |")
    out.append("|---|---|---|---|---|---|")
    for key in sorted(byf):
        c = byf[key]
        out.append("| %s | %d | %d | %d | %d | %s |" % (key, sum(c.values()), c["detected"], c["benign"], c["missed"],
                                                        ", ".join("%s %d" % kv for kv in missed[key].most_common())))
    out.append("")
    out.append("Examples of missed mutations (first of each field and mutation):")
    out.append("")
    for (key, op), (did, desc, diff) in sorted(example.items()):
        out.append("- `%s` %s (%s): %s -> changed: %s" % (key, op, did, desc, "; ".join(diff or [])))
    return "\n".join(out)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        with open(sys.argv[2]) as f:
            print(markdown(json.load(f)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=int(os.environ.get("MUTATE_SEED", "1")))
    ap.add_argument("--count", type=int, default=None, help="mutations over all dumps")
    ap.add_argument("--ci", action="store_true", help="the CI subset: live dumps, a few hundred mutations")
    ap.add_argument("--asan", action="store_true", default=os.environ.get("MUTATE_ASAN") == "1")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")))
    ap.add_argument("--modes", default=None)
    ap.add_argument("--tags", default=None)
    ap.add_argument("--cold", type=int, default=None, help="cold runs per dump")
    ap.add_argument("--resample", type=int, default=None, help="mutations re-run per dump (determinism)")
    ap.add_argument("--recheck", type=int, default=50, help="baseline re-check every N mutations")
    ap.add_argument("--timeout", type=int, default=120, help="seconds for one command")
    ap.add_argument("--report", default=None)
    ap.add_argument("--compare", default=None, help="an earlier report of the same seed and count")
    args = ap.parse_args()
    if args.count is None:
        args.count = int(os.environ.get("MUTATE_COUNT", "300" if args.ci else "10200"))
    modes = (args.modes or ("live" if args.ci else "live,panic")).split(",")
    tags = (args.tags or "bookworm-6.1,bullseye-5.10,trixie-6.12").split(",")
    so = ASAN_SO if args.asan else SO
    for what, p in (("crash", CRASH), ("extension", so), ("vmcore-inject", INJECT)):
        if not S.check(os.path.exists(p), "%s exists: %s" % (what, p)):
            return S.finish()
    ds = [d for d in dumps() if d.fmt == "elf" and d.mode in modes and d.tag in tags]
    ds.sort(key=lambda d: (d.tag != "trixie-6.12", d.tag, d.mode))   # the slowest first
    if not S.check(len(ds) == len(modes) * len(tags), "the ELF dumps are there (%d of %d)"
                   % (len(ds), len(modes) * len(tags))):
        return S.finish()
    per = [args.count // len(ds) + (1 if i < args.count % len(ds) else 0) for i in range(len(ds))]
    cold = args.cold if args.cold is not None else (1 if args.ci else max(2, args.count // len(ds) // 400))
    resample = args.resample if args.resample is not None else (10 if args.ci else max(10, args.count // len(ds) // 50))

    wd = tempfile.mkdtemp(prefix="mmaudit-mutate-", dir=os.environ.get("MUTATE_TMP") or None)
    logdir = None
    env = dict(os.environ)
    if args.asan:
        logdir = os.path.join(wd, "sanitizer-logs")
        os.makedirs(logdir)
        env = sanitizer_env(logdir)
    say("seed %d, %d mutations over %d dumps (%s), %d cold and %d re-runs per dump, %s build, work dir %s"
        % (args.seed, args.count, len(ds), ", ".join(d.id for d in ds), cold, resample,
           "ASan+UBSan" if args.asan else "normal", wd))

    def on_term(signum, frame):
        STOP.set()
        for pg in list(LIVE):
            try:
                os.killpg(pg, signal.SIGKILL)
            except OSError:
                pass
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    t0 = time.time()
    jobs = [Job(d, n, args.seed, wd, so, env, logdir, cold, resample, args.recheck, args.timeout)
            for d, n in zip(ds, per)]
    try:
        with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            list(ex.map(lambda j: j.run(), jobs))
        san = (sanitizer_reports(logdir) if logdir else []) + [("output", r) for j in jobs for r in j.san]
    finally:
        for pg in list(LIVE):
            try:
                os.killpg(pg, signal.SIGKILL)
            except OSError:
                pass
        if os.environ.get("MUTATE_KEEP") != "1":
            shutil.rmtree(wd, ignore_errors=True)
    wall = time.time() - t0
    rep = summarize(jobs, args, wall, san)
    path = args.report or os.path.join(ROOT, "build", "mutate", "report-seed%d-n%d%s%s.json"
                                       % (args.seed, args.count, "-ci" if args.ci else "", "-asan" if args.asan else ""))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(rep, f, indent=1)
    say("report: %s" % os.path.relpath(path, ROOT))

    # -- the assertions
    for j in jobs:
        d = j.d.id
        if not S.check(j.setup_error is None, "%s: copy, crash start, discovery, baseline" % d, j.setup_error):
            continue
        cls = collections.Counter(r["cls"] for r in j.results)
        S.eq(len(j.results), j.n, "%s: %d mutations run" % (d, j.n))
        S.check(cls.get("died", 0) == 0, "%s: crash never died" % d,
                "; ".join(w for k, w in j.events if k == "died")[:600])
        S.check(cls.get("hang", 0) == 0, "%s: no run hung" % d, "; ".join(w for k, w in j.events if k == "hang")[:600])
        nost = [w for k, w in j.events if k == "no-status"]
        S.check(not nost, "%s: every run ends with its mmaudit-status line" % d, "; ".join(nost)[:600])
        S.check(j.base_bug == 0 and j.base_susp == 0, "%s: the healthy baseline has 0 bug and 0 suspicious findings"
                % d, "bug %s, suspicious %s" % (j.base_bug, j.base_susp))
        S.check(j.checks["baseline"] >= 2 and j.checks["stale"] == 0,
                "%s: the reverted copy gives the baseline again (%d checks: no stale cache)"
                % (d, j.checks["baseline"]), "; ".join(w for k, w in j.events if k == "stale")[:600])
        same = sum(1 for _, ok in j.resampled if ok)
        S.check(j.resampled and same == len(j.resampled),
                "%s: re-applied mutations give the same output (%d/%d)" % (d, same, len(j.resampled)),
                "; ".join(w for k, w in j.events if k == "nondeterministic")[:600])
        own = [r for r in j.cold if r["cls"] == "crash-startup"]
        if own:
            print("# %s: %d cold run(s) where crash 8.0.6 itself dies at start-up, with or without the extension: %s"
                  % (d, len(own), "; ".join("#%d %s" % (r["i"], r["desc"]) for r in own)), flush=True)
        cold_bad = [r for r in j.cold if r["cls"] in ("died", "hang") or r.get("problems")]
        S.check(j.cold and not cold_bad, "%s: cold runs (fresh crash on the mutated copy): no death, no hang, "
                "status line (%d runs, %d same output as warm)" % (d, len(j.cold),
                                                                   sum(1 for r in j.cold if r.get("same_as_warm"))),
                "; ".join("#%d %s: %s" % (r["i"], r["desc"], r.get("why") or r.get("problems")) for r in cold_bad)[:600])
        S.check(cls.get("detected", 0) > 0, "%s: some mutations are detected (%s)" % (d, dict(cls)))
    if args.asan:
        S.check(not san, "ASan/UBSan: zero sanitizer reports", "%d reports: %s" % (len(san), san[:3]))
    if args.compare:
        with open(args.compare) as f:
            old = json.load(f)
        diffs = compare_reports(old, rep)
        S.check(not diffs, "same seed, same output as %s" % args.compare, "; ".join(diffs[:5]))
    print_summary(rep)
    return S.finish()


if __name__ == "__main__":
    sys.exit(main())
