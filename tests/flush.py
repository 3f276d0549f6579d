#!/usr/bin/env python3
"""mmflush and the TLB shootdown rules on real dumps.

Every decoded field is checked against crash's own reading of the same
dump in the same session (`p call_single_queue:a`, `p flush_tlb_info:a`,
`p cpu_tlbstate:a`, `struct mm_struct.context`, `struct
__call_single_data`, `help -r`); the scenario dumps against the guest's
manifest:
  - the 12 healthy dumps: every CPU's queue and TLB generation decoded,
    no bug and no suspicious finding of the four TLB rules;
  - stuck_flush (testdumps/kmod/mmstate.c: a kthread on CPU 1 spins with
    interrupts off on a process's mm while a thread of it munmap()s on
    CPU 0): the view names CPU 0 waiting for CPU 1, the mm, a range that
    covers the munmap, and mmcheck reports stuck-shootdown;
  - busy_flush (concurrent munmaps on every CPU): no bug.
The stuck_flush and busy_flush scenario dumps are made first when missing
(`dumps.sh make-scenarios`); their absence is reported."""
import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CRASH, DUMP_TAGS, Dump, EXPECTED_TAGS, ROOT, SO, Suite, dumps, h  # noqa: E402

RULES = ("stuck-shootdown", "missed-flush", "flush-outside-mask", "mask-cpu-not-targeted")
FLUSH_ALL = (1 << 64) - 1


def hx(s):
    """crash's pointer value, "0x... <symbol>" -> int"""
    return int(s.split()[0], 16)


def num(s):
    return int(s.split()[0], 0)


def session(d, cmds):
    """One crash session with the extension; output split per command
    (cached under build/test-out/, keyed on the dump, crash and the .so)."""
    key = hashlib.sha1()
    for p in (d.vmcore, CRASH):
        st = os.stat(p)
        key.update(("%s %d %d" % (p, st.st_size, st.st_mtime)).encode())
    with open(SO, "rb") as f:
        key.update(f.read())
    key.update("\n".join(cmds).encode())
    path = os.path.join(ROOT, "build", "test-out", "flush-%s-%s-%s-%s.txt" % (d.tag, d.mode, d.fmt, key.hexdigest()[:12]))
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        script = ["extend " + SO]
        for i, c in enumerate(cmds):
            script += ["!echo '@@@ %d'" % i, c]
        r = subprocess.run([CRASH, "-s", "--no_crashrc", d.vmlinux, d.vmcore], input="\n".join(script) + "\nq\n",
                           capture_output=True, text=True, timeout=900, errors="replace")
        with open(path + ".tmp", "w") as f:
            f.write(r.stdout + r.stderr)
        os.rename(path + ".tmp", path)
    with open(path, errors="replace") as f:
        text = f.read()
    out = {}
    parts = re.split(r"^@@@ (\d+)\n", text, flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        out[cmds[int(parts[i])]] = parts[i + 1]
    return out


def percpu_blocks(text, name):
    """`p name:a` -> {cpu: block text}"""
    out = {}
    parts = re.split(r"^per_cpu\(%s, (\d+)\) = \$\d+ = " % re.escape(name), text or "", flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        out[int(parts[i])] = parts[i + 1]
    return out


def field(block, name):
    m = re.search(r"^\s*%s = (.+?),?$" % re.escape(name), block, re.M)
    return m.group(1) if m else None


def regs_of(text):
    """crash `help -r` -> {cpu: (rip, rflags)}"""
    out, cpu = {}, None
    for line in (text or "").splitlines():
        m = re.match(r"^CPU (\d+):", line)
        if m:
            cpu = None if "OFFLINE" in line else int(m.group(1))
            continue
        if cpu is None:
            continue
        a = re.search(r"RIP: ([0-9a-f]+)", line)
        b = re.search(r"RFLAGS: ([0-9a-f]+)", line)
        if a and b:
            out[cpu] = (int(a.group(1), 16), int(b.group(1), 16))
        elif a:
            out[cpu] = (int(a.group(1), 16), None)
        elif b and cpu in out:
            out[cpu] = (out[cpu][0], int(b.group(1), 16))
    return out


def load_json(s, d, text, what):
    try:
        j = json.loads(text or "")
    except ValueError as e:
        s.not_ok("%s: %s is valid JSON" % (d.id, what), e)
        return None
    if not s.check(j.get("status") == "ok", "%s: %s status ok" % (d.id, what), text[-300:]):
        return None
    return j


def crosscheck(s, d, flush, out):
    """Every decoded per-CPU field against crash's own `p`/`struct`/`help -r`."""
    cpus = flush["cpus"]
    q = percpu_blocks(out["p call_single_queue:a"], "call_single_queue")
    bad = [c["cpu"] for c in cpus if c["cpu"] in q and
           (hx(field(q[c["cpu"]], "first")) == 0) != (len(c["queue"]) == 0)]
    s.check(q and not bad, "%s: queue empty/non-empty of every CPU equals crash's `p call_single_queue:a` (%d CPUs)"
            % (d.id, len(cpus)), bad)
    firsts = [c for c in cpus if c["queue"] and c["cpu"] in q and c["queue"][0]["type"] in ("SYNC", "ASYNC")]
    bad = [c["cpu"] for c in firsts if hx(field(q[c["cpu"]], "first")) != h(c["queue"][0]["addr"])]
    s.check(not bad, "%s: first queue entry of each busy CPU is crash's call_single_queue.first" % d.id, bad)

    ts = percpu_blocks(out["p cpu_tlbstate:a"], "cpu_tlbstate")
    bad, n = [], 0
    for c in cpus:
        if not c["gen_ok"] or c["cpu"] not in ts:
            continue
        b = ts[c["cpu"]]
        asid = num(field(b, "loaded_mm_asid"))
        ctxs = re.findall(r"ctx_id = (\d+),\s*tlb_gen = (\d+)", b)
        n += 1
        if asid != c["asid"] or hx(field(b, "loaded_mm")) != h(c["loaded_mm"]) or \
                asid >= len(ctxs) or (int(ctxs[asid][0]), int(ctxs[asid][1])) != (h(c["ctx_id"]), c["tlb_gen"]):
            bad.append(c["cpu"])
    s.check(n and not bad, "%s: loaded_mm, loaded_mm_asid, ctxs[asid].ctx_id/tlb_gen of %d CPUs equal crash's "
            "`p cpu_tlbstate:a`" % (d.id, n), bad)
    bad, n = [], 0
    for c in cpus:
        t = out.get("struct mm_struct.context %s" % c["loaded_mm"])
        if not c["gen_ok"] or t is None:
            continue
        m = re.search(r"ctx_id = (\d+),\s*tlb_gen = \{\s*counter = (\d+)", t)
        n += 1
        if not m or (int(m.group(1)), int(m.group(2))) != (h(c["mm_ctx_id"]), c["mm_tlb_gen"]):
            bad.append(c["cpu"])
    s.check(n and not bad, "%s: mm->context.ctx_id/tlb_gen of every loaded mm equal crash's `struct` (%d CPUs)"
            % (d.id, n), bad)

    fi = percpu_blocks(out["p flush_tlb_info:a"], "flush_tlb_info")
    bad, n = [], 0
    for c in cpus:
        f = c.get("flush_tlb_info")
        if not f or c["cpu"] not in fi:
            continue
        b = fi[c["cpu"]]
        n += 1
        want = [hx(field(b, "mm")), num(field(b, "start")), num(field(b, "end")), num(field(b, "new_tlb_gen"))]
        got = [h(f["mm"]), h(f["start"]), h(f["end"]), f["new_tlb_gen"]]
        for k in ("initiating_cpu", "stride_shift"):
            if field(b, k) is not None:
                want.append(num(field(b, k)))
                got.append(f.get(k))
        for k in ("freed_tables", "trim_cpumask"):
            v = field(b, k)
            if v is not None:
                want.append(v.split()[0] not in ("0", "false"))
                got.append(f.get(k))
        if want != got:
            bad.append((c["cpu"], want, got))
    s.check(n and not bad, "%s: every field of %d CPUs' flush_tlb_info equals crash's `p flush_tlb_info:a`"
            % (d.id, n), bad)

    regs = regs_of(out["help -r"])
    bad, n = [], 0
    for c in cpus:
        if c["regs"] is None or c["cpu"] not in regs:
            continue
        n += 1
        rip, fl = regs[c["cpu"]]
        if rip != h(c["regs"]["ip"]) or (fl is not None and fl != h(c["regs"]["rflags"])):
            bad.append(c["cpu"])
    if regs:
        s.check(n and not bad, "%s: RIP and RFLAGS of %d CPUs equal crash's `help -r`" % (d.id, n), bad)

    # every queued or locked csd against crash's `struct __call_single_data`
    bad, n = [], 0
    for c in cpus:
        for e in c["queue"] + c["locked"]:
            if e["type"] not in ("SYNC", "ASYNC"):
                continue
            t = out.get("struct __call_single_data %s" % e["addr"])
            if t is None:
                continue
            n += 1
            fn = re.search(r"func = (0x[0-9a-f]+)(?: <([^>]+)>)?", t)
            info = re.search(r"info = (0x[0-9a-f]+)", t)
            fl = re.search(r"u_flags = (\d+)", t)
            src = re.search(r"src = (\d+)", t)
            ok = fn and h(fn.group(1)) == h(e["func"]) and (fn.group(2) or "") == e["function"] and \
                info and h(info.group(1)) == h(e["info"]) and fl and int(fl.group(1)) == e["flags"] and \
                (not src or int(src.group(1)) == e["src"])
            if not ok:
                bad.append(e["addr"])
    if n:
        s.check(not bad, "%s: func (symbol), info, u_flags, src of %d csds equal crash's `struct __call_single_data`"
                % (d.id, n), bad)


def commands_for(flush=None):
    base = ["mmflush -j", "mmflush", "mmcheck -j", "mmcheck", "p call_single_queue:a", "p cpu_tlbstate:a",
            "p flush_tlb_info:a", "help -r", "help mmflush"]
    if flush is None:
        return base
    extra = []
    for c in flush["cpus"]:
        if c["gen_ok"]:
            extra.append("struct mm_struct.context %s" % c["loaded_mm"])
        for e in c["queue"] + c["locked"]:
            if e["type"] in ("SYNC", "ASYNC"):
                extra.append("struct __call_single_data %s" % e["addr"])
    return base + sorted(set(extra))


def run_dump(s, d):
    """Two sessions: the views, then the views plus crash's reading of
    every object the first one named."""
    out = session(d, commands_for())
    flush = load_json(s, d, out.get("mmflush -j"), "mmflush -j")
    if flush is None:
        return None, None, None
    out = session(d, commands_for(flush))
    flush = load_json(s, d, out.get("mmflush -j"), "mmflush -j")
    chk = load_json(s, d, out.get("mmcheck -j"), "mmcheck -j")
    if flush is None or chk is None:
        return None, None, None
    lay = flush["layout"]
    s.check(lay["queue"] and lay["flush_tlb_info"] and lay["tlb_gen"] and lay["cfd"],
            "%s: call_single_queue, cfd_data (%s), flush_tlb_info, TLB generations decoded (%s)"
            % (d.id, lay["cfd"], lay["notes"]), lay)
    s.check(lay["flush_hook"] == "native", "%s: the TLB-flush hook is native (%s)" % (d.id, lay["flush_hook_function"]))
    crosscheck(s, d, flush, out)
    return flush, chk, out


def healthy(s, d):
    flush, chk, out = run_dump(s, d)
    if flush is None:
        return
    online = set()
    for part in filter(None, d.manifest["cpus"]["online"].split(",")):
        a, _, b = part.partition("-")
        online.update(range(int(a), int(b or a) + 1))
    got = {c["cpu"] for c in flush["cpus"]}
    if d.mode == "live":
        s.check(online <= got, "%s: every online CPU has a row (%s)" % (d.id, sorted(online)), sorted(got))
    mine = [f for f in chk["findings"] if f["rule"] in RULES and f["severity"] != "info"]
    s.eq(mine, [], "%s: healthy: no bug or suspicious TLB-shootdown finding" % d.id)
    s.eq([f for f in chk["findings"] if f["severity"] == "bug"], [], "%s: healthy: no bug at all" % d.id)
    s.check(flush["summary"]["read_errors"] == 0, "%s: mmflush: no read error" % d.id, flush["summary"])
    return flush


def stuck(s, d):
    flush, chk, out = run_dump(s, d)
    if flush is None:
        return
    sc = d.manifest["scenario"]
    mm = h(sc["module"]["mm"])
    spin, wait = sc["cpu"], sc["munmap"]["cpu"]
    start, end = h(sc["munmap"]["start"]), h(sc["munmap"]["end"])
    s.check(sc["munmap"]["returned"] == 0 and sc["module"].get("armed") == 1,
            "%s: manifest: the munmap had not returned at the dump, the spinner was armed" % d.id, sc["munmap"])
    bycpu = {c["cpu"]: c for c in flush["cpus"]}
    w = bycpu.get(wait, {"locked": [], "queue": []})
    lk = [e for e in w["locked"] if e["cpu"] == spin and e["flush"] == "mm"]
    s.check(len(lk) == 1, "%s: CPU %d (munmap) holds one locked TLB-flush csd for CPU %d (the spinner)"
            % (d.id, wait, spin), w["locked"])
    if lk:
        f = lk[0]["flush_tlb_info"] or {}
        s.eq(h(f.get("mm", "0")), mm, "%s: the flush is of the manifest's mm %x" % (d.id, mm))
        s.check(h(f.get("start", "0")) <= start and h(f.get("end", "0")) >= end,
                "%s: the flush range %s-%s covers the munmap %x-%x (the kernel widens >33 pages to TLB_FLUSH_ALL)"
                % (d.id, f.get("start"), f.get("end"), start, end))
        s.check(lk[0]["function"].startswith("flush_tlb_func"), "%s: the csd runs %s" % (d.id, lk[0]["function"]))
        s.eq(lk[0]["on_target_queue"], True, "%s: the csd is still on CPU %d's call_single_queue" % (d.id, spin))
        if "initiating_cpu" in f:
            s.eq(f["initiating_cpu"], wait, "%s: flush_tlb_info.initiating_cpu is the munmap CPU" % d.id)
    tq = [e for e in bycpu.get(spin, {"queue": []})["queue"] if e["flush"] == "mm"]
    s.check(tq and tq[0]["src"] == wait and tq[0]["locked"],
            "%s: CPU %d's queue holds the locked flush csd, node.src = %d" % (d.id, spin, wait), tq)
    sp = bycpu.get(spin, {})
    if sp.get("regs"):
        s.eq(sp["regs"]["irqs_off"], True, "%s: CPU %d has interrupts disabled (RFLAGS.IF clear)" % (d.id, spin))
    pat = r"^\s+%d\s+%d\s+[0-9a-f]+\s+flush_tlb_func\S*\s+[0-9a-f]+\s+queued" % (wait, spin)
    s.check(re.search(pat, out["mmflush"], re.M),
            "%s: text view: WAITING SENDERS line \"%d %d ... flush_tlb_func ... queued\"" % (d.id, wait, spin))
    s.check("mm %x" % mm in out["mmflush"] and "(pid %d " % sc["target"]["pid"] in out["mmflush"],
            "%s: text view names the mm and its owner pid %d" % (d.id, sc["target"]["pid"]))
    st = [f for f in chk["findings"] if f["rule"] == "stuck-shootdown"]
    s.check(len(st) == 1 and st[0]["severity"] == "suspicious" and st[0]["cpu"] == wait and h(st[0]["mm"]) == mm and
            ("waits for CPU %d" % spin) in st[0]["detail"],
            "%s: mmcheck: one suspicious stuck-shootdown, CPU %d waits for CPU %d, mm %x" % (d.id, wait, spin, mm), st)
    if st and sp.get("regs"):
        s.check("interrupts disabled" in st[0]["detail"], "%s: stuck-shootdown says CPU %d has interrupts disabled"
                % (d.id, spin), st[0]["detail"])
    s.eq([f for f in chk["findings"] if f["severity"] == "bug"], [], "%s: stuck_flush: no bug" % d.id)


def busy(s, d):
    flush, chk, out = run_dump(s, d)
    if flush is None:
        return
    s.eq([f for f in chk["findings"] if f["severity"] == "bug"], [], "%s: busy_flush: no bug" % d.id)
    # how many churn threads the pause caught on a CPU: all of them may be
    # asleep on the mmap lock at that instant (seen on a 5.10 boot), so
    # this is said, not asserted (tests/scenarios.py checks the threads)
    churn = [c for c in flush["cpus"] if c["comm"].startswith("mmw-churn")]
    print("# %s: %d mmw-churn thread(s) on a CPU at the dump" % (d.id, len(churn)))


def scenario_dumps():
    """The stuck_flush and busy_flush scenario dumps, made first when missing
    (this suite runs before the scenarios suite, which makes the others)."""
    sh = os.path.join(ROOT, "testdumps", "dumps.sh")
    env = dict(os.environ, MMAUDIT_SCENARIOS="stuck_flush busy_flush")
    subprocess.run([sh, "make-scenarios"], env=env, stdout=subprocess.DEVNULL, stderr=None)
    r = subprocess.run([sh, "list-scenarios"], capture_output=True, text=True)
    out = []
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 6 and f[1] in ("stuck_flush", "busy_flush") and (not DUMP_TAGS or f[0] in DUMP_TAGS):
            out.append(Dump(*f))
    return out


def main():
    s = Suite("flush")
    ds = dumps()
    s.check(len(ds) == 4 * len(EXPECTED_TAGS), "%d real dumps available" % (4 * len(EXPECTED_TAGS)), len(ds))
    times = []
    for d in ds:
        f = healthy(s, d)
        if f:
            times.append(f["summary"]["ms"])
    sc = scenario_dumps()
    tags = {d.tag for d in sc if d.mode == "stuck_flush"}
    if not s.check(tags, "stuck_flush scenario dumps present (testdumps/dumps.sh make-scenarios)"):
        print("# no scenario dumps: the stuck/busy checks did not run")
    for d in sc:
        (stuck if d.mode == "stuck_flush" else busy)(s, d)
    if ds:
        t = session(ds[0], commands_for())["help mmflush"]
        s.check(all(k in t for k in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLE")), "crash-style help for mmflush")
    if times:
        print("# mmflush read time per dump: max %.1f ms" % max(times))
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
