#!/usr/bin/env python3
"""Foundation: the built crash opens all 12 real dumps, sees exactly the tasks
the guest saw (plus the idle tasks), and the extension builds and loads."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, CRASH, EXPECTED_FMTS, EXPECTED_MODES, EXPECTED_TAGS, ROOT, SO, Suite, dumps, parse_ps  # noqa: E402


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, **kw)


def build_checks(s):
    """The extension builds -Wall -Wextra clean against the cached crash, with
    CRASH_SRC pointing at a crash source tree, and inside crash's own
    extensions/ directory through the drop-in .mk."""
    tmp = tempfile.mkdtemp(prefix="mmaudit-build-")
    try:
        r = sh("make -B -C %s BUILD=%s/b1 %s/b1/mmaudit.so" % (ROOT, tmp, tmp))
        warn = [l for l in (r.stdout + r.stderr).splitlines() if "warning:" in l]
        s.check(r.returncode == 0 and not warn, "extension builds -Wall -Wextra clean", (warn or [r.stderr[-300:]])[:3])
        only = os.path.join(tmp, "onlydefs")
        os.makedirs(only)
        shutil.copy(os.path.join(os.path.dirname(CRASH), "defs.h"), only)
        r = sh("make -C %s BUILD=%s/b0 CRASH_SRC=%s %s/b0/mmaudit.so" % (ROOT, tmp, only, tmp))
        s.check(r.returncode != 0 and "give the crash build's TARGET and GDB_FLAGS" in r.stderr
                and not os.path.exists(os.path.join(tmp, "b0", "mmaudit.so")),
                "make CRASH_SRC=<only defs.h> refuses with a clear message instead of guessing TARGET/GDB",
                r.stderr[-300:])
        src = os.path.join(tmp, "crash")
        dsc = os.environ.get("MMAUDIT_CRASH_DSC")  # crash 9: Debian's source package (tests/crash9.py)
        if dsc:
            if not s.check(os.path.exists(dsc), "crash source package cached: %s" % dsc):
                return
            sh("dpkg-source --no-copy -x %s %s" % (dsc, src))
        else:
            tarball = os.path.join(CACHE, "crash_8.0.6.orig.tar.gz")
            if not s.check(os.path.exists(tarball), "crash source tarball cached"):
                return
            os.makedirs(src)
            r = sh("tar -xzf %s -C %s --strip-components=1" % (tarball, src))
        r = sh("make -C %s BUILD=%s/b2 CRASH_SRC=%s %s/b2/mmaudit.so" % (ROOT, tmp, src, tmp))
        s.check(r.returncode == 0 and os.path.exists(os.path.join(tmp, "b2", "mmaudit.so")),
                "make CRASH_SRC=<crash source tree> builds the extension", r.stderr[-300:])
        r = sh("make -C %s dropin CRASH_SRC=%s && make -C %s extensions" % (ROOT, src, src), timeout=600)
        s.check(os.path.exists(os.path.join(src, "extensions", "mmaudit.so")),
                "drop-in mmaudit.mk builds inside crash's extensions/ directory", (r.stdout + r.stderr)[-300:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    s = Suite("foundation")
    ds = dumps()
    have = {(d.tag, d.mode, d.fmt) for d in ds}
    for t in EXPECTED_TAGS:
        for m in EXPECTED_MODES:
            for f in EXPECTED_FMTS:
                s.check((t, m, f) in have, "dump %s/%s/%s exists" % (t, m, f))
    s.check(os.path.exists(SO), "extension built: %s" % SO)
    build_checks(s)
    for d in ds:
        man = d.manifest
        try:
            d.collect()
        except RuntimeError as e:
            s.not_ok("%s: crash session" % d.id, e)
            continue
        sysout = d.text("sys.txt") or ""
        if not s.check("RELEASE: %s" % man["kernel_release"] in sysout,
                       "%s: crash opens it (sys shows RELEASE %s)" % (d.id, man["kernel_release"]),
                       (d.text("crash.log") or "")[-400:]):
            continue
        ps = parse_ps(d.text("ps.txt"))
        idle = [r for r in ps if r["pid"] == 0]
        # User tasks must match exactly.  The kernel may start a worker thread
        # between the guest's count and the dump (seen: kworker/1:1H right
        # before a panic); such extras must be kworkers newer than every pid
        # the guest counted, else the counts must be equal.
        user = [r for r in ps if r["pid"] != 0 and not r["comm"].startswith("[")]
        s.eq(len(user), man["user_tasks"], "%s: crash's user task count equals the guest's" % d.id)
        extra = len(ps) - len(idle) - man["tasks_total"]
        newest = max(t for p in man["processes"] for t in p["tids"])
        late = [r["comm"] for r in ps if r["pid"] > newest and r["comm"].startswith("[kworker")]
        s.check(extra == 0 or (0 < extra <= len(late)),
                "%s: crash's task count minus idle tasks equals the guest's count%s"
                % (d.id, " (+%d kworker started after the count: %s)" % (extra, ", ".join(late)) if extra else ""),
                "crash %d - %d idle, guest %d" % (len(ps), len(idle), man["tasks_total"]))
        cpus = man["cpus"]
        # idle tasks are forked for every possible CPU at boot (idle_threads_init)
        s.eq(len(idle), cpus["nr_possible"], "%s: crash shows one idle task per possible CPU" % d.id)
        pids = {r["pid"]: r for r in ps}
        missing = [p["pid"] for p in man["processes"] if p["pid"] not in pids]
        s.check(not missing, "%s: every workload process is in crash's task table" % d.id, "missing %s" % missing)
        ext = d.text("extend.txt") or ""
        s.check("shared object loaded" in ext, "%s: extend loads mmaudit.so" % d.id, ext.strip()[-300:])
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
