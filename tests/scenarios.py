#!/usr/bin/env python3
"""Scenario dumps: mm states made by the KERNEL, driven by the test module
testdumps/kmod/mmstate.c that the guest workload loads (testdumps/README.md,
"Scenario dumps").  The guest writes the truth into the manifest (the
processes, the module's kthread, the CPU, the amounts); this suite runs the
real crash with the extension once per dump and asserts, per scenario,
exactly the expected rule(s) at bug, nothing else at bug, no suspicious
finding, and the expected amounts, every expected value derived from the
manifest.

Builds what is missing first (`testdumps/dumps.sh make-scenarios`: the test
module for each kernel, one live boot per scenario); MMAUDIT_SCEN_TAGS and
MMAUDIT_SCENARIOS select a subset."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, Dump, Suite, cpulist, h, parse_ps, run_crash  # noqa: E402

DUMPS_SH = os.path.join(ROOT, "testdumps", "dumps.sh")
# the kernel every scenario must exist for; the others where the module builds
REQUIRED_TAG = "bookworm-6.1"
ALL_SCENARIOS = ("kthread_use_mm", "leak_grab", "leak_get", "extra_mmdrop", "bit_clear",
                 "leaked_lazy", "hotplug", "stuck_flush", "busy_flush", "extra_mmput", "missed_flush")


def scenario_dumps():
    """Make the missing scenario dumps, then list them (ELF only: the kdump
    file of a boot holds the same memory)."""
    r = subprocess.run([DUMPS_SH, "make-scenarios"], stdout=subprocess.PIPE, stderr=None, text=True)
    made = r.returncode == 0
    r = subprocess.run([DUMPS_SH, "list-scenarios"], capture_output=True, text=True)
    out = []
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 6 and f[2] == "elf":
            out.append(Dump(*f))
    return made, out


class Ctx:
    """One dump's views and the manifest's truth, with helpers."""

    def __init__(self, s, d):
        self.s, self.d, self.id = s, d, "%s/%s" % (d.tag, d.mode)
        self.man = d.manifest
        self.sc = self.man.get("scenario") or {}
        self.mod = self.sc.get("module") or {}
        self.j = {}
        for v in ("mmtask", "mmlist", "mmcpu", "mmcheck"):
            try:
                self.j[v] = d.json(v + ".json")
            except ValueError as e:
                self.j[v] = None
                s.not_ok("%s: %s -j is valid JSON" % (self.id, v), e)
                continue
            if not s.check(self.j[v] is not None and self.j[v].get("status") == "ok",
                           "%s: %s -j status ok" % (self.id, v), (d.text("crash.log") or "")[-300:]):
                self.j[v] = None
        self.ok = None not in self.j.values()
        if not self.ok:
            return
        self.tasks = self.j["mmtask"]["tasks"]
        self.mms = {h(m["mm"]): m for m in self.j["mmlist"]["mms"]}
        self.cpus = {c["cpu"]: c for c in self.j["mmcpu"]["cpus"]}
        self.findings = self.j["mmcheck"]["findings"]

    def check(self, cond, what, why=""):
        return self.s.check(cond, "%s: %s" % (self.id, what), why)

    def eq(self, got, want, what):
        return self.s.eq(got, want, "%s: %s" % (self.id, what))

    def task(self, pid):
        t = [t for t in self.tasks if t["pid"] == pid]
        return t[0] if t else None

    def mm_of(self, pid):
        t = self.task(pid)
        return h(t["mm"]) if t else None

    def proc(self, role, index=0):
        p = [p for p in self.man["processes"] if p["role"] == role and p["index"] == index]
        return p[0] if p else None

    def baseline_slack(self, mm_group):
        """mm_count slack the healthy workload itself gives an mm group (the
        /proc/self/mem holder's one extra mmgrab)."""
        mh = self.man["mem_holder"]
        return mh["extra_mm_count"] if mh["mm_group"] == mm_group else 0

    def sev(self, severity):
        return [f for f in self.findings if f["severity"] == severity]

    def bugs_exactly(self, want):
        """want: list of (rule, predicate on the finding, description)."""
        bugs = self.sev("bug")
        left = list(bugs)
        for rule, pred, desc in want:
            hit = [f for f in left if f["rule"] == rule and pred(f)]
            if self.check(len(hit) == 1, "exactly one %s bug %s" % (rule, desc),
                          "found %s" % [(f["rule"], f["detail"]) for f in bugs]):
                left.remove(hit[0])
        self.check(not left, "nothing else at bug (expected %d)" % len(want),
                   [(f["rule"], f["detail"]) for f in left])

    def no_suspicious(self):
        sus = self.sev("suspicious")
        self.check(not sus, "no suspicious finding", [(f["rule"], f["detail"]) for f in sus])

    def healthy(self):
        self.bugs_exactly([])
        self.no_suspicious()
        self.eq(self.j["mmcheck"].get("verdict"), "clean", "mmcheck verdict clean")

    def info_amount(self, rule, mm, field, want, what):
        """An info finding `rule` naming mm, and mmlist's `field` equal to want."""
        m = self.mms.get(mm)
        if not self.check(m is not None, "%s: mm %#x listed" % (what, mm or 0)):
            return
        self.eq(m[field], want, "%s: mmlist %s of mm %#x" % (what, field, mm))
        hit = [f for f in self.findings if f["rule"] == rule and h(f["mm"]) == mm]
        if want > 0:
            self.check(len(hit) == 1 and hit[0]["severity"] == "info",
                       "%s: one %s info finding names mm %#x" % (what, rule, mm),
                       [(f["rule"], f["severity"], f["detail"]) for f in hit])
        else:
            self.check(not hit, "%s: no %s finding on mm %#x" % (what, rule, mm),
                       [(f["rule"], f["detail"]) for f in hit])

    def target(self):
        """(manifest target, its mm address from mmtask); checks the module
        reported the same mm."""
        t = self.sc.get("target")
        if not self.check(t is not None, "manifest names the scenario's target process"):
            return None, None
        mm = self.mm_of(t["pid"])
        if not self.check(mm, "target %s pid %d found with an mm" % (t["role"], t["pid"])):
            return t, None
        if "mm" in self.mod:
            self.eq(mm, h(self.mod["mm"]), "mm of pid %d equals the module's (%s)" % (t["pid"], self.mod["mm"]))
        return t, mm

    def memhold_info(self):
        """The workload's baseline info finding (as on the healthy dumps)."""
        mh = self.man["mem_holder"]
        mm = self.mm_of(mh["pid"])
        if mm:
            self.info_amount("count-slack", mm, "slack", mh["extra_mm_count"], "baseline /proc/self/mem holder")


# ---------------------------------------------------------------- scenarios

def s_kthread_use_mm(c):
    t, mm = c.target()
    if not mm:
        return
    k = c.task(c.mod.get("kthread_pid", -1))
    if c.check(k is not None, "module kthread pid %s in mmtask" % c.mod.get("kthread_pid")):
        c.eq((k["comm"], k["relation"], k["kthread"], h(k["mm"]), h(k["active_mm"])),
             (c.mod["kthread_comm"], "KTHREAD_USE_MM", True, mm, mm),
             "kthread %s: relation KTHREAD_USE_MM on the target's mm" % c.mod["kthread_comm"])
    m = c.mms.get(mm)
    if c.check(m is not None, "target mm listed"):
        c.eq(m["kthread_users"], 1, "mmlist KTHR = 1 for the target mm")
        c.eq(m["tasks"], 1, "target mm has its one user task")
    c.info_amount("users-slack", mm, "users_slack", c.mod["users_held"], "get_task_mm() reference")
    c.info_amount("count-slack", mm, "slack", c.baseline_slack(t["mm_group"]), "kthread_use_mm() mmgrab explained")
    c.memhold_info()
    c.healthy()


def s_leak_grab(c):
    t, mm = c.target()
    if not mm:
        return
    c.eq(c.mod.get("grabs"), c.sc["count"], "module leaked the manifest's count of mmgrab()")
    c.info_amount("count-slack", mm, "slack", c.sc["count"] + c.baseline_slack(t["mm_group"]), "leaked mmgrab()")
    c.info_amount("users-slack", mm, "users_slack", 0, "no mm_users leaked")
    c.memhold_info()
    c.healthy()


def s_leak_get(c):
    t, mm = c.target()
    if not mm:
        return
    c.eq(c.mod.get("gets"), c.sc["count"], "module leaked the manifest's count of mmget()")
    c.info_amount("users-slack", mm, "users_slack", c.sc["count"], "leaked mmget()")
    c.info_amount("count-slack", mm, "slack", c.baseline_slack(t["mm_group"]), "no mm_count leaked")
    c.memhold_info()
    c.healthy()


def s_extra_mmdrop(c):
    t, mm = c.target()
    if not mm:
        return
    c.eq(c.mod.get("mm_count_after"), c.mod.get("mm_count_before", 0) - 1, "module dropped one mm_count")
    m = c.mms.get(mm)
    if c.check(m is not None, "target mm listed"):
        c.eq(m["kthread_users"], 1, "mmlist KTHR = 1 for the target mm")
        c.eq(m["slack"], c.baseline_slack(t["mm_group"]) - 1, "mm_count one below explained")
    c.bugs_exactly([("count-below-explained", lambda f: h(f["mm"]) == mm, "on the target mm %#x" % mm)])
    c.no_suspicious()
    c.info_amount("users-slack", mm, "users_slack", c.mod["users_held"], "get_task_mm() reference")
    c.memhold_info()


def s_bit_clear(c):
    t, mm = c.target()
    if not mm:
        return
    cpu = c.sc["cpu"]
    c.eq(c.mod.get("cleared_cpu"), cpu, "module cleared the bit of the manifest's CPU")
    cp = c.cpus.get(cpu)
    if c.check(cp is not None, "CPU %d in mmcpu" % cpu):
        c.eq((cp["pid"], h(cp["loaded_mm"]), cp["is_lazy"], cp["bit"]), (t["pid"], mm, False, False),
             "CPU %d runs the spinner (pid %d) on its mm, not lazy, bit clear" % (cpu, t["pid"]))
    m = c.mms.get(mm)
    if c.check(m is not None, "target mm listed"):
        c.check(cpu not in cpulist(m["cpus"]), "CPU %d missing from the mask of the spinner's mm" % cpu, m["cpus"])
    c.bugs_exactly([("loaded-mm-bit-clear", lambda f: f["cpu"] == cpu, "naming CPU %d" % cpu)])
    c.no_suspicious()
    c.memhold_info()


def s_leaked_lazy(c):
    t, mm = c.target()
    if not mm:
        return
    kp = c.mod.get("kthread_pid", -1)
    k = c.task(kp)
    if c.check(k is not None, "module kthread pid %d in mmtask" % kp):
        c.eq((k["comm"], k["kthread"], h(k["mm"]), h(k["active_mm"]), k["oncpu"]),
             (c.mod["kthread_comm"], True, 0, mm, -1),
             "kthread %s: not running, mm NULL, active_mm the target's mm" % c.mod["kthread_comm"])
    m = c.mms.get(mm)
    if c.check(m is not None, "target mm listed"):
        c.eq(m["slack"], c.baseline_slack(t["mm_group"]), "mmgrab() of the leaked borrower keeps mm_count explained")
    c.bugs_exactly([("leaked-lazy-ref", lambda f: f["pid"] == kp, "naming the kthread (pid %d)" % kp)])
    c.no_suspicious()
    c.memhold_info()


def s_hotplug(c):
    cp = c.man["cpus"]
    c.eq(c.j["mmcpu"]["summary"]["nr_cpu_ids"], cp["nr_cpu_ids"], "nr_cpu_ids equals the guest's")
    c.check(cp["nr_cpu_ids"] > 128, "guest has more than 128 possible CPUs (three mask words)", cp["nr_cpu_ids"])
    online = cpulist(cp["online"])
    c.check(max(online) >= 128, "a CPU above 128 is online", cp["online"])
    c.eq({n for n, x in c.cpus.items() if x["online"]}, online, "online CPUs equal the guest's")
    for n in cpulist(c.sc.get("offlined")):
        x = c.cpus.get(n)
        c.check(x is not None and x["online"] is False, "unplugged CPU %d listed offline" % n)
    sp = [p for p in c.man["processes"] if p["role"] == "spinner" and p.get("kind") == "pure"]
    if sp and sp[0]["cpu"] in online:
        # the pinned spinner's CPU runs a spinner: its own, or the one that
        # lost its CPU to the unplug and migrated there (both runnable; which
        # one is current at the dump is the scheduler's choice): crash's
        # own `ps` says which
        n = sp[0]["cpu"]
        spinners = {p["pid"] for p in c.man["processes"] if p["role"] == "spinner"}
        cur = [r for r in parse_ps(c.d.text("ps.txt")) if r["active"] and r["cpu"] == n]
        pid = cur[0]["pid"] if cur else None
        c.check(pid in spinners, "CPU %d runs a spinner of the workload (crash's ps: pid %s)" % (n, pid))
        mm = c.mm_of(pid) if pid in spinners else None
        x = c.cpus.get(n)
        c.check(mm is not None and x is not None and h(x["loaded_mm"]) == mm and x["bit"] is True and
                n in cpulist(c.mms[mm]["cpus"]),
                "CPU %d (word %d) runs that spinner with its bit set" % (n, n // 64))
    c.memhold_info()
    c.healthy()


def s_stuck_flush(c):
    t, mm = c.target()
    if not mm:
        return
    mu, cpu = c.sc.get("munmap") or {}, c.sc["cpu"]
    c.check(mu.get("started") == 1 and mu.get("returned") == 0, "munmap() started and had not returned", mu)
    x = c.cpus.get(mu.get("cpu"))
    c.check(x is not None and x["pid"] == mu.get("tid"),
            "waiting CPU %s runs the munmap thread (tid %s)" % (mu.get("cpu"), mu.get("tid")), x and x["pid"])
    k = c.task(c.mod.get("kthread_pid", -1))
    x = c.cpus.get(cpu)
    c.check(k is not None and x is not None and x["pid"] == k["pid"] and k["relation"] == "KTHREAD_USE_MM" and
            h(x["loaded_mm"]) == mm and x["is_lazy"] is False and x["bit"] is True,
            "target CPU %d runs the module kthread on the process's mm, not lazy, bit set" % cpu)
    m = c.mms.get(mm)
    if c.check(m is not None, "target mm listed"):
        c.check({cpu, mu.get("cpu")} <= cpulist(m["cpus"]), "both CPUs in the mm's mask", m["cpus"])
    c.info_amount("users-slack", mm, "users_slack", c.mod["users_held"], "get_task_mm() reference")
    c.memhold_info()
    # no rule may call it a bug; exactly one stuck-shootdown (suspicious):
    # the waiting CPU, the mm, and the target CPU in its detail
    c.bugs_exactly([])
    sus = c.sev("suspicious")
    hit = [f for f in sus if f["rule"] == "stuck-shootdown" and f["cpu"] == mu.get("cpu") and h(f["mm"]) == mm and
           ("waits for CPU %d" % cpu) in f["detail"]]
    c.check(len(hit) == 1 and len(sus) == 1,
            "exactly one stuck-shootdown (suspicious): CPU %s waits for CPU %d on mm %#x, nothing else suspicious"
            % (mu.get("cpu"), cpu, mm), [(f["rule"], f["detail"]) for f in sus])


def s_busy_flush(c):
    p = c.proc("churn")
    mm = None
    if c.check(p is not None, "manifest has the churn process"):
        mm = c.mm_of(p["pid"])
        m = c.mms.get(mm)
        c.check(m is not None and m["mm_users"] == p["threads"] and m["tasks"] == p["threads"],
                "churn mm: mm_users = tasks = %d" % p["threads"])
    c.memhold_info()
    # healthy, but the snapshot may catch a churn flush in flight: a sender
    # waiting for a target that has not run the csd yet is a suspicious
    # stuck-shootdown, never a bug.  Seen on 6.1: the target with
    # interrupts enabled (the IPI about to be taken), and the target inside
    # check_preempt_wakeup() with interrupts disabled for a moment
    c.bugs_exactly([])
    sus = c.sev("suspicious")
    odd = [f for f in sus if not (f["rule"] == "stuck-shootdown" and mm is not None and h(f["mm"]) == mm)]
    c.check(not odd, "nothing suspicious but a churn flush in flight (stuck-shootdown on the churn mm)",
            [(f["rule"], f["detail"]) for f in odd])
    c.eq(c.j["mmcheck"].get("verdict"), "clean", "mmcheck verdict clean (no bug)")


def s_extra_mmput(c):
    t, mm = c.target()
    if not mm:
        return
    p = c.proc(t["role"], t["index"])
    before, after = c.mod.get("mm_users_before"), c.mod.get("mm_users_after")
    c.check(before is not None and after == before - 1, "module dropped one mm_users", (before, after))
    m = c.mms.get(mm)
    if c.check(m is not None and p is not None, "target mm listed"):
        c.eq((m["mm_users"], m["tasks"]), (after, p["threads"]),
             "mm_users is the module's after-value, the tasks the process's threads")
        c.check(m["mm_users"] < m["tasks"], "mm_users below the tasks using the mm")
    c.bugs_exactly([("users-undercount", lambda f: h(f["mm"]) == mm, "on the target mm %#x" % mm)])
    c.no_suspicious()
    c.memhold_info()


def s_missed_flush(c):
    t, mm = c.target()
    if not mm:
        return
    cpu = c.sc["cpu"]
    c.eq(c.mod.get("skipped_cpu"), cpu, "module advanced the generation from the manifest's CPU")
    c.eq(c.mod.get("tlb_gen_after"), c.mod.get("tlb_gen_before", -2) + 1, "module advanced tlb_gen by one")
    cp = c.cpus.get(cpu)
    if c.check(cp is not None, "CPU %d in mmcpu" % cpu):
        c.eq((cp["pid"], h(cp["loaded_mm"]), cp["is_lazy"], cp["bit"]), (t["pid"], mm, False, True),
             "CPU %d runs the spinner (pid %d) on its mm, not lazy, bit set" % (cpu, t["pid"]))
    hit = [f for f in c.findings if f["rule"] == "missed-flush"]
    # crash's own reading of the CPU's and the mm's TLB generations: a
    # context switch between the arming and QEMU's pause (a kworker on that
    # CPU, then back to the spinner) catches the CPU up, and then no
    # finding is the right answer (seen once on a loaded host)
    out = run_crash(c.d, ["p cpu_tlbstate:%d" % cpu, "p ((struct mm_struct *)%#x)->context.tlb_gen" % mm])
    asid = re.search(r"loaded_mm_asid = (\d+)", out)
    gens = re.findall(r"ctx_id = \d+,\s*tlb_gen = (\d+)", out)
    mmgen = re.findall(r"counter = (\d+)", out)
    lag = None
    if asid and mmgen and int(asid.group(1)) < len(gens):
        lag = int(mmgen[-1]) - int(gens[int(asid.group(1))])
    c.check(lag in (0, 1), "crash reads CPU %d one generation behind the mm, or caught up" % cpu, out[-400:])
    if lag == 0:
        c.check(not hit, "CPU %d caught up before the dump (crash's p): no missed-flush" % cpu,
                [f["detail"] for f in hit])
        print("# %s: the CPU caught up before the dump; the kernel-made positive was lost this boot" % c.id)
        hit = None
    if hit is not None and c.check(len(hit) == 1 and hit[0]["cpu"] == cpu and h(hit[0]["mm"]) == mm and "(1 behind)" in hit[0]["detail"],
               "exactly one missed-flush: CPU %d, mm %#x, 1 generation behind" % (cpu, mm),
               [(f["cpu"], f["mm"], f["detail"]) for f in hit]):
        f = hit[0]
        # a bug only when the registers exclude every window: QEMU pauses
        # the guest with the spinner's CPU in an interrupt taken from user
        # mode (seen: hrtimer_interrupt), i.e. in the kernel, where the rule
        # cannot tell a timer from a flush or a switch in progress
        if f["severity"] == "suspicious":
            c.check("not a bug: the CPU is in the kernel" in f["detail"] or
                    "another CPU may be between inc_mm_tlb_gen()" in f["detail"],
                    "missed-flush suspicious only because a CPU was in the kernel at the dump", f["detail"])
        else:
            c.eq(f["severity"], "bug", "missed-flush is a bug")
    c.check(not [f for f in c.sev("bug") if f["rule"] != "missed-flush"], "nothing else at bug",
            [(f["rule"], f["detail"]) for f in c.sev("bug")])
    c.check(not [f for f in c.sev("suspicious") if f["rule"] != "missed-flush"], "nothing else suspicious",
            [(f["rule"], f["detail"]) for f in c.sev("suspicious")])
    c.memhold_info()


CHECKS = {n: globals()["s_" + n] for n in ALL_SCENARIOS}


def main():
    s = Suite("scenarios")
    made, ds = scenario_dumps()
    s.check(made, "dumps.sh make-scenarios made every scenario dump it was asked for (see its output)")
    want = os.environ.get("MMAUDIT_SCENARIOS", " ".join(ALL_SCENARIOS)).split()
    tags = os.environ.get("MMAUDIT_SCEN_TAGS", "bookworm-6.1 bullseye-5.10 trixie-6.12").split()
    have = {(d.tag, d.mode) for d in ds}
    if REQUIRED_TAG in tags:
        missing = [sc for sc in want if (REQUIRED_TAG, sc) not in have]
        s.eq(missing, [], "every scenario dump exists for %s" % REQUIRED_TAG)
    print("# scenario dumps: %s" % ", ".join(sorted("%s/%s" % k for k in have)), flush=True)
    for d in ds:
        if d.mode not in want or d.tag not in tags:
            continue
        c = Ctx(s, d)
        if not c.ok:
            continue
        c.eq(c.sc.get("name"), d.mode, "manifest is the scenario's")
        CHECKS[d.mode](c)
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
