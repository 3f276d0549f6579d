#!/usr/bin/env python3
"""crash 9.0.x next to 8.0.6 (make check's subset; make check-crash9 runs the
full real-dump suites under crash 9):
  - the ABI refusal: the extension built against crash 8.0.6's defs.h, loaded
    into crash 9 (and the crash-9 build into 8.0.6), says so in one line,
    registers no command, and crash goes on working (sys after it);
  - the foundation, extension and flush suites under crash 9 with the
    extension built against crash 9's defs.h, on the dumps of
    MMAUDIT_DUMP_TAGS (default bookworm-6.1, the kernel CI requires; flush
    decodes gdb types the others do not: cfd_data's cpumask_var_t).
crash 9 is $CRASH9_SRC (default $MMAUDIT_CACHE/crash-9.0.x, built by
scripts/setup-crash.sh --crash9); its extension build/crash9/mmaudit.so."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, ROOT, Suite, dumps  # noqa: E402

CRASH8_DIR = os.path.join(CACHE, "crash-8.0.6")
CRASH9_DIR = os.environ.get("CRASH9_SRC", os.path.join(CACHE, "crash-9.0.x"))
SO8 = os.path.join(ROOT, "build", "mmaudit.so")
SO9 = os.path.join(ROOT, "build", "crash9", "mmaudit.so")
TAGS = os.environ.get("MMAUDIT_DUMP_TAGS", "bookworm-6.1")


def version(d):
    with open(os.path.join(d, ".rh_rpm_package")) as f:
        return f.read().strip()


def crash_session(crash, d, cmds):
    r = subprocess.run([crash, "-s", "--no_crashrc", d.vmlinux, d.vmcore], input="\n".join(cmds) + "\nq\n",
                       capture_output=True, text=True, timeout=600, errors="replace")
    return r.returncode, r.stdout + r.stderr


def abi_refusal(s, d, crash, crash_ver, so, so_ver):
    """so (built for crash so_ver) into crash (crash_ver): one line, no commands, crash goes on"""
    rc, out = crash_session(crash, d, ["extend %s" % so, "mmcheck", "sys", "extend"])
    what = "%s: extension built for crash %s loaded into crash %s" % (d.id, so_ver, crash_ver)
    want = "mmaudit: built for crash %s, this is crash %s: rebuild against its defs.h" % (so_ver, crash_ver)
    ours = [l for l in out.splitlines() if l.startswith("mmaudit:")]
    s.check(len(ours) == 1 and ours[0].startswith(want), what + ": one line says so", ours or out[-400:])
    s.check("no commands registered: shared object unloaded" in out and "shared object loaded" not in out,
            what + ": no command registered, crash unloads it", out[-400:])
    s.check(re.search(r"command not found: mmcheck|No symbol \"mmcheck\"", out) is not None
            and re.search(r"^mmcheck: \d+ tasks", out, re.M) is None,
            what + ": mmcheck is not a command afterwards", out[-400:])
    s.check("RELEASE: %s" % d.manifest["kernel_release"] in out and rc == 0
            and not re.search(r"(?i)segmentation|SIGSEGV|core dumped|Aborted", out),
            what + ": crash goes on working (sys after it), exits cleanly", "rc %d: %s" % (rc, out[-400:]))


def sub_suite(s, name, env):
    """run tests/<name>.py under crash 9 and add its result to ours"""
    print("# %s under crash 9 (%s)" % (name, TAGS), flush=True)
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", name + ".py")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    res = None
    for line in p.stdout:
        m = re.match(r"^%s: (\d+) passed, (\d+) failed" % name, line)
        if m:
            res = (int(m.group(1)), int(m.group(2)))
            continue
        if line.startswith("ok - "):
            line = "ok - crash9 %s: %s" % (name, line[5:])
        elif line.startswith("not ok - "):
            line = "not ok - crash9 %s: %s" % (name, line[9:])
        sys.stdout.write(line)
        sys.stdout.flush()
    p.wait()
    if res is None:
        s.not_ok("crash9 %s: the suite ends with its result line" % name, "exit %d" % p.returncode)
        return
    s.passed += res[0]
    s.failed += res[1]


def main():
    s = Suite("crash9")
    crash9 = os.path.join(CRASH9_DIR, "crash")
    if not s.check(os.access(crash9, os.X_OK) and os.path.exists(os.path.join(CRASH9_DIR, ".rh_rpm_package")),
                   "crash 9 built: %s (scripts/setup-crash.sh --crash9)" % crash9):
        return s.finish()
    v9, v8 = version(CRASH9_DIR), "8.0.6"
    s.check(v9.startswith("9.0."), "the cached crash 9 is a 9.0.x: %s" % v9)
    with open(os.path.join(CRASH9_DIR, "gdb-version")) as f:
        gdb = f.read().strip()
    s.check(re.match(r"GDB=gdb-16\.", gdb) is not None, "crash %s embeds gdb 16: %s" % (v9, gdb))
    if not s.check(os.path.exists(SO9), "extension built against crash %s's defs.h: %s (make so-crash9)" % (v9, SO9)):
        return s.finish()
    s.check(os.path.exists(SO8), "extension built against crash %s's defs.h: %s" % (v8, SO8))
    ds = [d for d in dumps() if d.tag in TAGS.split()]
    ref = [d for d in ds if d.mode == "live" and d.fmt == "elf"] or ds
    if s.check(bool(ref), "a %s dump for the ABI checks" % TAGS):
        d = ref[0]
        abi_refusal(s, d, crash9, v9, SO8, v8)
        abi_refusal(s, d, os.path.join(CRASH8_DIR, "crash"), v8, SO9, v9)
        rc, out = crash_session(crash9, d, ["extend %s" % SO9, "mmcheck"])
        s.check("shared object loaded" in out and not any(l.startswith("mmaudit: built for") for l in out.splitlines())
                and re.search(r"^mmcheck: \d+ tasks", out, re.M) is not None,
                "%s: the crash-%s build loads into crash %s silently and mmcheck runs" % (d.id, v9, v9), out[-400:])
    env = dict(os.environ, CRASH=crash9, MMAUDIT_SO=SO9, CRASH_SRC=CRASH9_DIR, MMAUDIT_DUMP_TAGS=TAGS)
    src = CRASH9_DIR + "-source"
    dsc = [f for f in sorted(os.listdir(src)) if f.endswith(".dsc")] if os.path.isdir(src) else []
    if dsc:
        env["MMAUDIT_CRASH_DSC"] = os.path.join(src, dsc[0])
    for name in ("foundation", "extension", "flush"):
        sub_suite(s, name, env)
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
