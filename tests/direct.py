#!/usr/bin/env python3
"""The direct command (build/mmaudit, no crash) against the extension inside
the real crash: two readers of the same dump must print the same JSON.

On every test dump (12; the 5.10 ones with --vmlinux, which they need), on
the scenario dumps present in the cache, on the 20k-task benchmark and KFENCE dumps (if
made) and on the faults suite's fault-injected copies, each view the direct command has
(check, task, list, cpu, flush, overview) is run by both; the JSON must be
identical apart from timing fields ("ms", "timing_ms").  Any difference is a
bug in one of the two readers.  Then bad input: a file that is no dump, a dump
cut short, a 5.10 dump without --vmlinux, a vmlinux of another kernel: one
clear line on stderr and exit status 2 each."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, CRASH, ROOT, SO, Dump, Suite, crash_outputs, cut_copy, cut_readable, dumps  # noqa: E402

DIRECT = os.environ.get("MMAUDIT_DIRECT", os.path.join(ROOT, "build", "mmaudit"))
# view of the direct command -> the extension's command inside crash
VIEWS = (("check", "mmcheck"), ("task", "mmtask"), ("list", "mmlist"), ("cpu", "mmcpu"),
         ("flush", "mmflush"), ("overview", "mmaudit"))
TIMING = ("ms", "timing_ms")
# mmmask queries: (direct arguments before DUMP, after DUMP, the extension's command)
MASKS = ((["-s", "__cpu_online_mask"], [], "mmmask -j -s __cpu_online_mask"),
         (["-v"], ["init_mm"], "mmmask -j -v init_mm"),
         (["-d", "-p", "cpu_sibling_map"], [], "mmmask -j -d -p cpu_sibling_map"),
         (["-p", "cpu_tlbstate", "-c", "1"], [], "mmmask -j -p cpu_tlbstate -c 1"),
         (["-a", "0"], [], "mmmask -j -a 0"),
         (["-s", "no_such_symbol_here"], [], "mmmask -j -s no_such_symbol_here"))


def norm(o):
    """JSON without the timing fields (the only ones allowed to differ)"""
    if isinstance(o, dict):
        return {k: norm(v) for k, v in o.items() if k not in TIMING}
    if isinstance(o, list):
        return [norm(x) for x in o]
    return o


def diff(a, b, path=""):
    """the first differences of two JSON values, as 'path: crash vs direct'"""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: %r vs %r" % (path, k, a.get(k, "<absent>"), b.get(k, "<absent>")))
            else:
                out += diff(a[k], b[k], path + "." + k)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d vs %d entries" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (path, i))
    elif a != b:
        out.append("%s: %r vs %r" % (path, a, b))
    return out


def needs_vmlinux(d):
    """the 5.10 dumps: no kallsyms in VMCOREINFO (Linux < 6.0)"""
    return d.tag.startswith("bullseye-")


def run_direct(args, timeout=300):
    r = subprocess.run([DIRECT] + args, capture_output=True, text=True, timeout=timeout, errors="replace")
    return r.returncode, r.stdout, r.stderr


def crash_views(d):
    """-> {ext command: output text} of one crash session (cached while the
    dump, crash and the extension are unchanged)"""
    key = hashlib.sha1(("%s %s %s %s" % (d.vmcore, os.stat(d.vmcore).st_mtime, CRASH,
                                         open(SO, "rb").read().__len__() and hashlib.sha1(open(SO, "rb").read()).hexdigest())
                        ).encode()).hexdigest()[:12]
    path = os.path.join(ROOT, "build", "test-out", "direct-%s-%s-%s-%s.json" % (d.tag, d.mode, d.fmt, key))
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    cmds = [ext + " -j" for _, ext in VIEWS]
    outs, log = crash_outputs(d.vmlinux, d.vmcore, [SO], cmds)
    res = {ext: out for (_, ext), out in zip(VIEWS, outs)}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(res, f)
    os.rename(path + ".tmp", path)
    return res


def crash_masks(d):
    """-> [output of each MASKS command inside crash] (cached like crash_views)"""
    so = hashlib.sha1(open(SO, "rb").read()).hexdigest()
    key = hashlib.sha1(("%s %s %s %s %r" % (d.vmcore, os.stat(d.vmcore).st_mtime, CRASH, so, MASKS)).encode()
                       ).hexdigest()[:12]
    path = os.path.join(ROOT, "build", "test-out", "direct-mask-%s-%s-%s-%s.json" % (d.tag, d.mode, d.fmt, key))
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    outs, log = crash_outputs(d.vmlinux, d.vmcore, [SO], [m[2] for m in MASKS])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(outs, f)
    os.rename(path + ".tmp", path)
    return outs


def compare_masks(s, d):
    try:
        outs = crash_masks(d)
    except Exception as e:  # noqa: BLE001
        s.not_ok("%s: crash runs mmmask" % d.id, e)
        return
    extra = ["--vmlinux", d.plain_vmlinux] if needs_vmlinux(d) else []
    for (pre, post, ext), out in zip(MASKS, outs):
        rc, dout, err = run_direct(["mask", "-j"] + extra + pre + [d.vmcore] + post)
        try:
            cj, dj = json.loads(out), json.loads(dout)
        except ValueError as e:
            s.not_ok("%s: %s: both JSON" % (d.id, ext), "%s; crash %r; direct exit %d %r %r" % (
                e, out[:200], rc, dout[:200], err[-200:]))
            continue
        dd = diff(norm(cj), norm(dj))
        s.check(not dd, "%s: mmaudit mask == %s inside crash" % (d.id, ext),
                "%d difference(s) (crash vs direct): %s" % (len(dd), "; ".join(x[:240] for x in dd[:4])))


def compare_dump(s, d):
    try:
        cv = crash_views(d)
    except Exception as e:  # noqa: BLE001
        s.not_ok("%s: crash runs the extension" % d.id, e)
        return
    extra = ["--vmlinux", d.plain_vmlinux] if needs_vmlinux(d) else []
    for view, ext in VIEWS:
        try:
            cj = json.loads(cv.get(ext) or "")
        except ValueError as e:
            s.not_ok("%s: %s -j inside crash is JSON" % (d.id, ext), "%s: %r" % (e, (cv.get(ext) or "")[:200]))
            continue
        rc, out, err = run_direct([view, "-j"] + extra + [d.vmcore])
        try:
            dj = json.loads(out)
        except ValueError as e:
            s.not_ok("%s: mmaudit %s -j is JSON" % (d.id, view), "exit %d, %s; %s" % (rc, e, err.strip()[-300:]))
            continue
        dd = diff(norm(cj), norm(dj))
        s.check(not dd, "%s: mmaudit %s -j == %s -j inside crash" % (d.id, view, ext),
                "%d difference(s) (crash vs direct): %s" % (len(dd), "; ".join(x[:240] for x in dd[:4])))
        if view == "check":
            bugs = cj.get("summary", {}).get("bug", 0)
            s.eq(rc, 1 if bugs else 0, "%s: mmaudit check exit status says whether a bug was found" % d.id)


def scenario_dumps():
    """the scenario dumps in the cache (ELF), with their kernels' vmlinux"""
    out = []
    for tag in ("bookworm-6.1", "bullseye-5.10", "trixie-6.12"):
        sd = os.path.join(CACHE, "dumps", "scen-" + tag)
        vml = os.path.join(CACHE, "kernels", tag, "vmlinux")
        if not os.path.isdir(sd) or not os.path.isfile(vml):
            continue
        for f in sorted(os.listdir(sd)):
            if f.endswith(".elf") and os.path.exists(os.path.join(sd, f[:-4] + ".complete")):
                out.append(Dump(tag, f[:-4], "elf", vml, os.path.join(sd, f),
                                os.path.join(sd, f[:-4] + ".manifest.json")))
    return out


def fault_dumps(s, ds):
    """the faults suite's injected copies (tests/faults.py: crash finds the
    targets on the healthy dump, vmcore-inject patches a copy, crash + the
    extension audit the copy): the direct command on the same copy must print
    what the extension printed there"""
    import faults
    by = {(d.tag, d.mode, d.fmt): d for d in ds}
    plans = (("bookworm-6.1", "6.1 faults", faults.plan_61), ("bullseye-5.10", "5.10 faults", faults.plan_510),
             ("trixie-6.12", "6.12 faults", faults.plan_612))
    with tempfile.TemporaryDirectory(prefix="mmaudit-direct-faults-", dir=os.environ.get("FAULTS_TMP")) as wd:
        for tag, label, planner in plans:
            d = by.get((tag, "live", "elf"))
            if not d:
                continue
            c = faults.Chain(d, label, planner, wd, keep_copy=True)
            c.run()
            if not s.check(c.copy and c.fs and not c.fs.timed_out,
                           "%s: injected copy audited by crash" % label,
                           c.plan_err or c.problems or (c.inject_res and c.inject_res.stderr[-300:])):
                c.drop_copy()
                continue
            extra = ["--vmlinux", d.plain_vmlinux] if needs_vmlinux(d) else []
            for view, ext in VIEWS[:4]:
                try:
                    cj = c.fs.json(ext + ".json")
                except ValueError as e:
                    cj, why = None, e
                if cj is None:
                    s.not_ok("%s: %s -j of crash on the copy is JSON" % (label, ext))
                    continue
                rc, out, err = run_direct([view, "-j"] + extra + [c.copy])
                try:
                    dj = json.loads(out)
                except ValueError as e:
                    s.not_ok("%s: mmaudit %s -j is JSON" % (label, view), "exit %d, %s; %s" % (rc, e, err[-300:]))
                    continue
                dd = diff(norm(cj), norm(dj))
                s.check(not dd, "%s (%s): mmaudit %s -j == %s -j inside crash" % (
                    label, " ".join(f.key for f in c.faults), view, ext),
                    "%d difference(s) (crash vs direct): %s" % (len(dd), "; ".join(x[:240] for x in dd[:4])))
            c.drop_copy()


def one_line_error(s, name, args, want_in):
    rc, out, err = run_direct(args)
    lines = [x for x in err.splitlines() if x.strip()]
    s.eq(rc, 2, "%s: exit status 2" % name)
    s.check(len(lines) == 1 and want_in in lines[0], "%s: one clear line on stderr (%r)" % (name, want_in),
            "stderr: %r" % err[-400:])


def bad_input(s, ds):
    six = [d for d in ds if d.tag == "bookworm-6.1" and d.mode == "live" and d.fmt == "elf"]
    five = [d for d in ds if needs_vmlinux(d) and d.mode == "live" and d.fmt == "elf"]
    with tempfile.TemporaryDirectory() as tmp:
        junk = os.path.join(tmp, "junk")
        with open(junk, "wb") as f:
            f.write(b"this is not a vmcore\n" * 1000)
        one_line_error(s, "not a dump", ["check", "-j", junk], "not an ELF core or kdump file")
        one_line_error(s, "missing file", ["check", os.path.join(tmp, "nope")], "cannot open")
        one_line_error(s, "unknown command", ["frobnicate", junk], "unknown command")
        if six:
            cut = os.path.join(tmp, "cut.elf")
            cut_copy(six[0].vmcore, cut, 100 << 20)
            rc, out, err = run_direct(["check", "-j", cut])
            s.eq(rc, 2, "cut dump (100 MiB of the 6.1 ELF dump): exit status 2")
            s.check("truncated" in err and len(err.strip().splitlines()) == 1,
                    "cut dump: one line on stderr says the dump is truncated", err[-300:])
            # cut where the symbols and types are still readable but pages
            # the audit reads are not: it audits what it can, and a missing
            # page is never a bug the complete dump does not show
            mib, got = cut_readable(six[0].vmcore, cut, DIRECT)
            if mib is None:
                print("# cut dump: no cut of 448-192 MiB kept the symbol tables of this boot "
                      "(kernel image near the end of memory): partial audit not checked", flush=True)
            else:
                rc, out, err = run_direct(["check", "-j", cut])
                rc0, out0, _ = run_direct(["check", "-j", six[0].vmcore])
                try:
                    full = json.loads(out0)
                except ValueError:
                    full = {}
                bugs = lambda j: sorted((f.get("rule"), f.get("mm"), f.get("cpu")) for f in j.get("findings", [])
                                        if f.get("severity") == "bug")
                s.check(rc == 2 and "truncated" in err,
                        "cut dump (%d MiB): audited what could be read (%d read errors), exit status 2, "
                        "one line says truncated" % (mib, got["summary"]["read_errors"]), (rc, err[-200:]))
                s.check(set(bugs(got)) <= set(bugs(full)),
                        "cut dump (%d MiB): no bug finding the complete dump lacks (missing pages are not "
                        "corruption)" % mib, bugs(got))
            if five:
                one_line_error(s, "vmlinux of another kernel (5.10's for a 6.1 dump)",
                               ["check", "-j", "--vmlinux", five[0].plain_vmlinux, six[0].vmcore],
                               "is not the dump's kernel")
        if five:
            one_line_error(s, "5.10 dump without --vmlinux", ["check", "-j", five[0].vmcore],
                           "give --vmlinux")
    rc, out, err = run_direct(["mask", "-j", "-w", "0x2000000000000", "1"])
    try:
        j = json.loads(out)["masks"][0]
    except (ValueError, KeyError, IndexError):
        j = {}
    s.check(rc == 0 and j.get("cpus") == "49,64" and j.get("nbits") == 128,
            "mmaudit mask -w decodes literal words without a dump (49,64 of 128 bits)", out[-300:])
    rc, out, err = run_direct(["-h"])
    s.check(rc == 0 and "usage: mmaudit" in out, "mmaudit -h prints the usage, exit 0")


def main():
    s = Suite("direct")
    if not os.path.exists(DIRECT):
        s.not_ok("build/mmaudit exists (make direct)")
        return s.finish()
    ds = dumps()
    s.check(len(ds) == 12 or bool(os.environ.get("MMAUDIT_DUMP_TAGS")), "12 test dumps listed", len(ds))
    for d in ds:
        compare_dump(s, d)
        compare_masks(s, d)
    if os.environ.get("MMAUDIT_DIRECT_SCEN", "1") != "0":
        for d in scenario_dumps():
            compare_dump(s, d)
    # the 20k-task benchmark dump and the KFENCE dump (slab suite), if made
    for tag, kernel, env in (("bench-bookworm-6.1", "bookworm-6.1", "MMAUDIT_DIRECT_BENCH"),
                             ("kfence-trixie-6.12", "trixie-6.12", "MMAUDIT_DIRECT_KFENCE")):
        core = os.path.join(CACHE, "dumps", tag, "live.elf")
        vml = os.path.join(CACHE, "kernels", kernel, "vmlinux")
        if os.environ.get(env, "1") != "0" and os.path.exists(core) and os.path.exists(vml):
            compare_dump(s, Dump(tag, "live", "elf", vml, core, core[:-4] + ".manifest.json"))
    if os.environ.get("MMAUDIT_DIRECT_FAULTS", "1") != "0":
        fault_dumps(s, ds)
    bad_input(s, ds)
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
