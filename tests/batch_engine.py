"""The batch runner's engines (part of the batch suite, tests/batch.py).

`mmaudit-batch` audits each dump with the direct mmaudit command (no crash,
no gdb) unless told `--engine crash`, and falls back to crash + the
extension when the direct command cannot audit a dump.  Checked on the 12
test dumps against crash's own session of the same dump (tests/collect.sh:
the extension's mmcheck -j inside the real crash), never against the runner:

- default engine: every dump audited by the direct command, the same status,
  counts and findings as the extension inside crash; no vmlinux used for the
  6.x dumps (kallsyms + BTF of the dump), the test kernel's vmlinux (found,
  verified by build-id) for 5.10; no crash session at all;
- `--engine direct` without any vmlinux to find: the 6.x dumps audited, the
  5.10 dumps not auditable, the reason naming the missing vmlinux;
- the fallback: a direct command that cannot open anything (a stand-in
  that answers like the real one's error path) -> every dump audited by
  crash, the direct command's reason recorded;
- a dump cut short (the 6.1 ELF dump cut where its symbol tables stay: common.cut_readable()): read as far as it
  goes by the direct command, reported as partial (status error), and no
  bug finding the complete dump lacks;
- summary.jsonl / run.json carry the engine.
"""
import json
import os
import stat

from common import ROOT, cut_readable, link_dumps, load_json


def _records(out, read_jsonl):
    return {r["dump"]: r for r in read_jsonl(out)}


def check_engines(S, wd, ds, batch, read_jsonl, finding_keys, jobs):
    direct = os.environ.get("MMAUDIT_DIRECT", os.path.join(ROOT, "build", "mmaudit"))
    fleet = os.path.join(wd, "engines")
    real = link_dumps(fleet, ds)

    # default engine (auto)
    out = os.path.join(wd, "engines-auto")
    rc, so, se, secs = batch(["--engine", "auto", "-j", jobs, "-o", out, fleet])
    print("# engines: auto run exit %d, %.1f s wall" % (rc, secs), flush=True)
    recs = _records(out, read_jsonl)
    S.eq(sorted(recs), sorted(real), "engine auto: one record per test dump (%d)" % len(real))
    for p, d in sorted(real.items()):
        r = recs.get(p, {})
        per = load_json(r.get("json"))
        crash = d.json("mmcheck.json") or {}
        csum = crash.get("summary", {})
        want = "bug" if csum.get("bug") else "clean"
        S.eq((r.get("engine"), r.get("step"), r.get("status")), ("direct", "direct", want),
             "%s: engine auto: audited by the direct command, status %s as crash's mmcheck" % (d.id, want))
        got = {k: r.get(k) for k in ("bug", "suspicious", "info", "tasks", "mms")}
        S.eq(got, {k: csum.get(k) for k in got}, "%s: direct engine: counts equal the extension's in crash" % d.id)
        S.eq(finding_keys(per.get("check")), finding_keys(crash),
             "%s: direct engine: findings equal the extension's in crash" % d.id)
        S.check(r.get("json") and not os.path.exists(r["json"][:-len(".json")] + ".crash.log"),
                "%s: direct engine: no crash session" % d.id)
        if d.tag.startswith("bullseye"):
            S.check(r.get("vmlinux") and os.path.realpath(r["vmlinux"]) == os.path.realpath(d.plain_vmlinux)
                    and per.get("vmlinux_verified") == "build-id",
                    "%s: no kallsyms/BTF in a 5.10 dump: the test kernel's vmlinux, verified by build-id" % d.id,
                    (r.get("vmlinux"), per.get("vmlinux_verified")))
        else:
            S.eq(r.get("vmlinux"), None, "%s: no vmlinux needed (kallsyms + BTF of the dump)" % d.id)
        S.check(isinstance(r.get("direct_cpu_seconds"), (int, float)),
                "%s: the direct command's CPU seconds recorded (%s)" % (d.id, r.get("direct_cpu_seconds")))
    try:
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
    except (OSError, ValueError):
        run = {}
    S.eq((run.get("engines"), (run.get("steps") or {}).get("direct")),
         ({"direct": len(real), "crash": 0}, len(real)), "engine auto: run.json counts the engines and steps")

    # --engine direct with no vmlinux anywhere
    empty = os.path.join(wd, "no-debuginfo")
    os.makedirs(empty, exist_ok=True)
    out = os.path.join(wd, "engines-direct")
    rc, so, se, secs = batch(["--engine", "direct", "--no-debuginfod", "-d", empty, "-j", jobs, "-o", out, fleet])
    recs = _records(out, read_jsonl)
    S.eq(rc, 2, "engine direct, no vmlinux to find: exit 2 (the 5.10 dumps cannot be audited)")
    for p, d in sorted(real.items()):
        r = recs.get(p, {})
        if d.tag.startswith("bullseye"):
            S.check(r.get("status") == "error" and r.get("engine") == "direct"
                    and "vmlinux" in (r.get("reason") or ""),
                    "%s: engine direct, no vmlinux: not auditable, the reason names the vmlinux" % d.id,
                    (r.get("status"), r.get("reason")))
        else:
            S.eq((r.get("engine"), r.get("status") in ("clean", "bug")), ("direct", True),
                 "%s: engine direct, no vmlinux anywhere: audited from the dump alone" % d.id)

    # the fallback: a direct command that cannot audit anything
    stand_in = os.path.join(wd, "mmaudit-cannot")
    with open(stand_in, "w") as f:
        f.write('#!/bin/sh\necho "mmaudit: reader stand-in: cannot open the dump" >&2\nexit 2\n')
    os.chmod(stand_in, os.stat(stand_in).st_mode | stat.S_IXUSR)
    some = [p for p, d in sorted(real.items()) if d.mode == "live" and d.fmt == "elf"]
    sub = os.path.join(wd, "engines-fallback-in")
    os.makedirs(sub, exist_ok=True)
    links = {}
    for p in some:
        q = os.path.join(sub, real[p].tag + ".elf")
        os.symlink(real[p].vmcore, q)
        links[q] = real[p]
    out = os.path.join(wd, "engines-fallback")
    rc, so, se, secs = batch(["--engine", "auto", "--direct", stand_in, "-j", jobs, "-o", out, sub])
    recs = _records(out, read_jsonl)
    for q, d in sorted(links.items()):
        r = recs.get(q, {})
        crash = d.json("mmcheck.json") or {}
        S.eq((r.get("engine"), r.get("step"), finding_keys(load_json(r.get("json")).get("check"))),
             ("crash", "normal", finding_keys(crash)),
             "%s: the direct command could not audit it: crash + the extension did (first rung)" % d.id)
        S.check("reader stand-in" in (r.get("direct_why") or ""),
                "%s: fallback: the direct command's reason recorded" % d.id, r.get("direct_why"))

    # a dump cut short, through the default engine
    d61 = [d for d in ds if d.tag == "bookworm-6.1" and d.mode == "live" and d.fmt == "elf"]
    if d61:
        cdir = os.path.join(wd, "engines-cut-in")
        os.makedirs(cdir, exist_ok=True)
        cut = os.path.join(cdir, "vmcore-6.1-cut.elf")
        mib, _ = cut_readable(d61[0].vmcore, cut, direct)
        if mib is None:
            print("# engines: no cut of 448-192 MiB kept the symbol tables of this boot: cut dump not checked",
                  flush=True)
            return
        out = os.path.join(wd, "engines-cut")
        rc, so, se, secs = batch(["--engine", "auto", "-o", out, cdir])
        r = _records(out, read_jsonl).get(cut, {})
        full = d61[0].json("mmcheck.json") or {}
        bugs = lambda fk: {k for k in fk if k[1] == "bug"}
        S.check((r.get("engine"), r.get("status"), r.get("verdict")) == ("direct", "error", "partial")
                and r.get("truncated"),
                "cut 6.1 dump, engine auto: the direct command read it as far as it goes: partial, truncated "
                "recorded", (r.get("engine"), r.get("status"), r.get("verdict"), r.get("reason")))
        S.check(bugs(finding_keys(load_json(r.get("json")).get("check"))) <= bugs(finding_keys(full)),
                "cut 6.1 dump, engine auto: no bug finding the complete dump lacks",
                finding_keys(load_json(r.get("json")).get("check")))
