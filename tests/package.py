#!/usr/bin/env python3
"""package: the three ways to install mmaudit, each then used by the real crash.

1. the Debian package: dpkg-buildpackage -us -uc -b on a copy of the source
   tree, its contents and control fields (dpkg-deb), dpkg -i, then crash -x
   (no path) and a ~/.crashrc with "extend mmaudit.so" each load
   /usr/lib/crash/extensions/mmaudit.so and mmcheck ends "mmaudit-status: ok";
   every command's help in crash's NAME/SYNOPSIS/DESCRIPTION/EXAMPLES form;
   /usr/bin/mmaudit-batch audits a dump with the installed extension and
   vmcore-id; man renders the pages; dpkg --purge removes every file;
   the RPM spec builds with rpmbuild (Debian's rpm package);
2. make install DESTDIR=<tmp>: crash finds the staged mmaudit.so through
   CRASH_EXTENSIONS, and so does the staged mmaudit-batch;
3. drop-in: mmaudit.so copied into an extensions/ directory, crash started
   next to it loads it (crash -x, or extend mmaudit.so).

Needs root (dpkg -i) or passwordless sudo, and the test dumps.  One dump
(bookworm-6.1 live ELF); runs are serialized on $MMAUDIT_CACHE/package.lock
since the package is installed system-wide for about a minute.
"""
import fcntl
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, CRASH, ROOT, Suite, dumps  # noqa: E402

S = Suite("package")
PKG = "crash-mmaudit-command"
EXT = "/usr/lib/crash/extensions/mmaudit.so"
COMMANDS = ("mmaudit", "mmtask", "mmlist", "mmcpu", "mmcheck", "mmflush", "mmmask")
# what the package must hold (dpkg-deb -c), directories aside
PAYLOAD = {
    "usr/lib/crash/extensions/mmaudit.so",
    "usr/bin/mmaudit-batch", "usr/bin/mmaudit-index", "usr/bin/vmcore-id", "usr/bin/vmcore-inject",
    "usr/bin/mmaudit", "usr/share/man/man1/mmaudit.1.gz",
    "usr/share/man/man1/mmaudit-batch.1.gz", "usr/share/man/man1/mmaudit-index.1.gz",
    "usr/share/man/man1/vmcore-id.1.gz", "usr/share/man/man1/vmcore-inject.1.gz",
    "usr/share/man/man7/crash-mmaudit.7.gz",
    "usr/share/doc/crash-mmaudit-command/changelog.gz", "usr/share/doc/crash-mmaudit-command/copyright",
}
SUDO = [] if os.geteuid() == 0 else ["sudo", "-n"]


def run(cmd, timeout=300, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def clean_env(**extra):
    """the environment of a user who has just installed it: no MMAUDIT_SO,
    CRASH or CRASH_EXTENSIONS of the test harness"""
    env = {k: v for k, v in os.environ.items() if k not in ("MMAUDIT_SO", "CRASH", "CRASH_EXTENSIONS")}
    env.update(extra)
    return env


def crash(d, cmds, cwd, home, opts=(), env_extra=None, rc=True):
    """one crash session on dump d; -> its output.  rc=False: ~/.crashrc is read"""
    env = clean_env(HOME=home, **(env_extra or {}))
    argv = [CRASH, "-s"] + ([] if not rc else ["--no_crashrc"]) + list(opts) + [d.vmlinux, d.vmcore]
    r = run(argv, input="\n".join(cmds) + "\nquit\n", cwd=cwd, env=env, timeout=300)
    return r.stdout + r.stderr


def loaded_from(out, path):
    return "%s: shared object loaded" % path in out


def dpkg(*args):
    """dpkg, retried while another dpkg/apt holds the lock"""
    for _ in range(30):
        r = run(SUDO + ["dpkg"] + list(args), timeout=300)
        if r.returncode == 0 or "lock" not in (r.stderr + r.stdout):
            return r
        time.sleep(5)
    return r


def installed():
    r = run(["dpkg-query", "-W", "-f=${Status}", PKG])
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def copy_tree(dst):
    """the source tree as git sees it (tracked and new files, not ignored
    ones: no build/, no dumps), so the repository itself is never built in"""
    files = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT).stdout.split("\0")
    files = [f for f in files if f and not f.startswith("testdumps/") and os.path.lexists(os.path.join(ROOT, f))]
    for f in files:
        os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), os.path.join(dst, f), follow_symlinks=False)


def build_deb(tmp):
    src = os.path.join(tmp, "src", "mmaudit")
    copy_tree(src)
    t0 = time.time()
    # the unit tests run in their own suite; the build is the package's
    r = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, timeout=900,
            env=dict(os.environ, DEB_BUILD_OPTIONS="nocheck"))
    debs = glob.glob(os.path.join(tmp, "src", PKG + "_*.deb"))
    S.check(r.returncode == 0 and len(debs) == 1, "dpkg-buildpackage -us -uc -b builds %s (%.0f s)" % (PKG, time.time() - t0),
            (r.stdout + r.stderr)[-800:])
    S.check("building against crash 8.0.6" in r.stdout + r.stderr,
            "the build says which crash it compiles against (CRASH_SRC: crash 8.0.6)", (r.stdout + r.stderr)[-300:])
    return src, (debs[0] if debs else None)


def check_contents(deb, tmp):
    r = run(["dpkg-deb", "-c", deb])
    paths = {}
    for line in r.stdout.splitlines():
        f = line.split(None, 5)
        if len(f) == 6:
            p = f[5].split(" -> ")[0].lstrip("./")
            paths[p] = f[0]
    files = {p for p, mode in paths.items() if not mode.startswith("d")}
    S.eq(sorted(files), sorted(PAYLOAD), "dpkg-deb -c: exactly the extension, 4 programs, 5 man pages, doc files")
    S.check(paths.get("usr/lib/crash/extensions/mmaudit.so", "").startswith("-rw-r--r--"),
            "mmaudit.so is installed 0644 (a shared object, not a program)", paths.get("usr/lib/crash/extensions/mmaudit.so"))
    S.check(not any(p.startswith("usr/lib64") for p in paths),
            "no /usr/lib64/crash/extensions (it would hide /usr/lib/crash/extensions from crash -x)")
    S.check(paths.get("usr/share/man/man1/mmaudit-index.1.gz", "").startswith("l"), "mmaudit-index(1) links to mmaudit-batch(1)")

    fields = {}
    for k in ("Package", "Architecture", "Depends", "Breaks", "Enhances", "Crash-Version", "Crash-Gdb"):
        fields[k] = run(["dpkg-deb", "-f", deb, k]).stdout.strip()
    S.eq(fields["Package"], PKG, "package name in the crash-*-command convention")
    S.eq(fields["Crash-Version"], "8.0.6", "control field Crash-Version: the crash whose defs.h it was built with")
    S.eq(fields["Crash-Gdb"], "gdb-10.2", "control field Crash-Gdb: that crash's embedded gdb")
    br = {b.strip() for b in fields["Breaks"].split(",")}
    S.check(br == {"crash (<< 8.0.6)", "crash (>= 8.0.7~)"}, "Breaks every crash but 8.0.6 (bookworm's 8.0.2 included)",
            fields["Breaks"])
    S.check("python3" in fields["Depends"] and "libelf1" in fields["Depends"], "Depends: python3, libelf1 (shlibs)",
            fields["Depends"])
    S.eq(fields["Enhances"], "crash", "Enhances: crash")

    x = os.path.join(tmp, "deb-x")
    run(["dpkg-deb", "-x", deb, x])
    so = os.path.join(x, EXT.lstrip("/"))
    dyn = run(["readelf", "-d", so]).stdout
    S.check("Library soname: [mmaudit.so]" in dyn, "mmaudit.so has SONAME mmaudit.so", dyn[-300:])
    return so


def check_rpm(src, tmp):
    """the RPM spec (packaging/rpm) builds with Debian's rpmbuild, in place"""
    if not shutil.which("rpmbuild"):
        S.not_ok("rpmbuild present (Debian package rpm; scripts/install-deps.sh)")
        return
    t0 = time.time()
    top = os.path.join(tmp, "rpmbuild")
    r = run(["rpmbuild", "-bb", "--nodeps", "--build-in-place", "--define", "_topdir " + top,
             "packaging/rpm/crash-mmaudit-command.spec"], cwd=src, timeout=900)
    rpms = glob.glob(os.path.join(top, "RPMS", "*", "crash-mmaudit-command-*.rpm"))
    if not S.check(r.returncode == 0 and len(rpms) == 1, "rpmbuild -bb builds the RPM (%.0f s)" % (time.time() - t0),
                   (r.stdout + r.stderr)[-600:]):
        return
    files = set(run(["rpm", "-qlp", rpms[0]]).stdout.split())
    libdir = run(["rpm", "--eval", "%{_libdir}"]).stdout.strip()
    want = {libdir + "/crash/extensions/mmaudit.so", "/usr/bin/mmaudit-batch", "/usr/bin/vmcore-id",
            "/usr/share/man/man7/crash-mmaudit.7", "/usr/share/man/man1/mmaudit-batch.1"}
    S.check(want <= files, "RPM holds %%{_libdir}/crash/extensions/mmaudit.so (%s), the programs, the man pages" % libdir,
            sorted(want - files))
    conf = set(run(["rpm", "-qp", "--conflicts", rpms[0]]).stdout.splitlines())
    S.check(conf == {"crash < 8.0.6", "crash >= 8.0.6.999"}, "RPM conflicts with every crash but 8.0.6", conf)


def check_make_install(src, d, tmp):
    """way 2: make install into a staging directory; crash and the staged
    runner find the extension through CRASH_EXTENSIONS"""
    dest = os.path.join(tmp, "inst")
    # the package build's objects are up to date: nothing is compiled again
    r = run(["make", "-C", src, "BUILD=debian/build", "DESTDIR=" + dest, "install"], timeout=600)
    if not S.check(r.returncode == 0, "make install DESTDIR=<tmp> (PREFIX /usr/local)", (r.stdout + r.stderr)[-500:]):
        return
    sos = glob.glob(os.path.join(dest, "usr", "lib*", "crash", "extensions", "mmaudit.so"))
    want = [os.path.join(dest, "usr/local/bin", p) for p in ("mmaudit-batch", "mmaudit-index", "vmcore-id", "vmcore-inject")]
    want += [os.path.join(dest, "usr/local/share/man", p) for p in
             ("man1/mmaudit-batch.1", "man1/vmcore-id.1", "man1/vmcore-inject.1", "man7/crash-mmaudit.7")]
    S.check(len(sos) == 1 and all(os.path.isfile(p) for p in want),
            "make install stages the extension in crash's directory, the programs in bin, the man pages",
            [p for p in want if not os.path.isfile(p)] or sos)
    if not sos:
        return
    extdir = os.path.dirname(sos[0])
    empty = os.path.join(tmp, "empty")
    out = crash(d, ["extend mmaudit.so", "mmcheck"], cwd=empty, home=os.path.join(tmp, "home0"),
                env_extra={"CRASH_EXTENSIONS": extdir})
    S.check(loaded_from(out, sos[0]) and "mmaudit-status: ok" in out,
            "make install + CRASH_EXTENSIONS: extend mmaudit.so loads the staged .so, mmcheck ok", out[-500:])
    # the staged runner: extension from CRASH_EXTENSIONS, vmcore-id next to it
    bout = os.path.join(tmp, "bout-inst")
    r = run([os.path.join(dest, "usr/local/bin/mmaudit-batch"), "--engine", "crash", "-q", "--no-progress", "-j", "1",
             "-o", bout, d.vmcore],
            cwd=empty, env=clean_env(CRASH_EXTENSIONS=extdir, PATH="/usr/sbin:/usr/bin:/sbin:/bin"), timeout=600)
    logs = "".join(open(p, errors="replace").read() for p in glob.glob(os.path.join(bout, "dumps", "*.crash.log")))
    S.check(r.returncode == 0 and loaded_from(logs, sos[0]),
            "staged mmaudit-batch honours CRASH_EXTENSIONS and finds its vmcore-id: the dump audited clean",
            (r.stdout + r.stderr)[-400:] + logs[-300:])


def check_dropin(so, d, tmp):
    """way 3: the .so dropped into an extensions/ directory"""
    where = os.path.join(tmp, "dropin")
    os.makedirs(os.path.join(where, "extensions"))
    shutil.copy(so, os.path.join(where, "extensions", "mmaudit.so"))
    system = [p for p in ("/usr/lib64/crash/extensions", "/usr/lib/crash/extensions") if os.path.isdir(p)]
    if system:   # crash -x would take the system directory: load by name
        out = crash(d, ["extend mmaudit.so", "mmcheck"], cwd=where, home=os.path.join(tmp, "home0"))
        how = "extend mmaudit.so (crash -x would use %s)" % system[0]
    else:
        out = crash(d, ["mmcheck"], cwd=where, home=os.path.join(tmp, "home0"), opts=["-x"])
        how = "crash -x"
    S.check(loaded_from(out, "./extensions/mmaudit.so") and "mmaudit-status: ok" in out,
            "drop-in: %s loads ./extensions/mmaudit.so, mmcheck ok" % how, out[-500:])


def check_installed(d, tmp, deb_files):
    home0, empty = os.path.join(tmp, "home0"), os.path.join(tmp, "empty")
    S.check(os.path.isfile(EXT) and not os.path.exists("/usr/lib64/crash/extensions"),
            "installed: %s, no /usr/lib64/crash/extensions" % EXT)
    hdir = os.path.join(tmp, "help")
    os.makedirs(hdir)
    cmds = ["mmcheck", "extend"] + ["help %s > %s/%s" % (c, hdir, c) for c in COMMANDS]
    out = crash(d, cmds, cwd=empty, home=home0, opts=["-x"])
    S.check(loaded_from(out, EXT) and "mmaudit-status: ok" in out,
            "crash -x loads %s by itself; mmcheck runs to mmaudit-status: ok" % EXT, out[-600:])
    for c in COMMANDS:
        try:
            h = open(os.path.join(hdir, c)).read()
        except OSError:
            h = ""
        parts = [("NAME", "\nNAME\n  %s - " % c), ("SYNOPSIS", "\nSYNOPSIS\n  %s " % c), ("DESCRIPTION", "\nDESCRIPTION\n"),
                 ("EXAMPLES", "\nEXAMPLES\n"), ("an example", "crash> %s" % c)]
        miss = [n for n, t in parts if t not in "\n" + h]
        order = [h.find(t.strip("\n").split("\n")[0]) for n, t in parts[:4]]
        S.check(not miss and order == sorted(order), "help %s: NAME, SYNOPSIS, DESCRIPTION, EXAMPLES (crash's form)" % c,
                miss or order)
    try:
        h = open(os.path.join(hdir, "mmaudit")).read()
    except OSError:
        h = ""
    S.check(all(k in h for k in ("mmflush", "CRASH_EXTENSIONS", "/usr/lib/crash/extensions", "crash -x", "~/.crashrc")),
            "help mmaudit: every command, and how crash finds and autoloads the extension")

    # ~/.crashrc autoload, extend without a path
    home1 = os.path.join(tmp, "home1")
    os.makedirs(home1)
    with open(os.path.join(home1, ".crashrc"), "w") as f:
        f.write("extend mmaudit.so\n")
    out = crash(d, ["mmcheck"], cwd=empty, home=home1, rc=False)
    S.check(loaded_from(out, EXT) and "mmaudit-status: ok" in out,
            "~/.crashrc with \"extend mmaudit.so\": loaded by name from %s at start-up, mmcheck ok" % EXT, out[-600:])

    # the installed programs
    bout = os.path.join(tmp, "bout-deb")
    r = run(["/usr/bin/mmaudit-batch", "--engine", "crash", "-q", "--no-progress", "-j", "1", "-o", bout, d.vmcore],
            cwd=empty, env=clean_env(), timeout=600)
    logs = "".join(open(p, errors="replace").read() for p in glob.glob(os.path.join(bout, "dumps", "*.crash.log")))
    S.check(r.returncode == 0 and loaded_from(logs, EXT) and os.path.exists(os.path.join(bout, "summary.jsonl")),
            "/usr/bin/mmaudit-batch audits the dump with %s and /usr/bin/vmcore-id (exit 0, clean)" % EXT,
            (r.stdout + r.stderr)[-400:] + logs[-300:])
    # the default engine: the installed direct command next to the runner
    bout = os.path.join(tmp, "bout-deb-direct")
    r = run(["/usr/bin/mmaudit-batch", "-q", "--no-progress", "-j", "1", "-o", bout, d.vmcore], cwd=empty,
            env=clean_env(), timeout=600)
    try:
        with open(os.path.join(bout, "summary.jsonl")) as f:
            rec = json.loads(f.readline())
    except (OSError, ValueError):
        rec = {}
    S.check(r.returncode == 0 and rec.get("engine") == "direct" and rec.get("status") == "clean",
            "/usr/bin/mmaudit-batch's default engine: /usr/bin/mmaudit audits the dump (exit 0, clean)",
            (r.stdout + r.stderr)[-400:] + str(rec)[:300])
    r = run(["/usr/bin/mmaudit", "check", "-j", d.vmcore], env=clean_env())
    try:
        got = json.loads(r.stdout)
    except ValueError:
        got = {}
    S.check(r.returncode == 0 and got.get("status") == "ok",
            "/usr/bin/mmaudit check -j: the direct command audits the dump", r.stderr[-300:])
    r = run(["/usr/bin/vmcore-id", "--get", "OSRELEASE", d.vmcore])
    S.eq(r.stdout.strip(), d.manifest["kernel_release"], "/usr/bin/vmcore-id --get OSRELEASE")
    r = run(["/usr/bin/mmaudit-index", d.plain_vmlinux], timeout=600)
    S.check(r.returncode == 0 and os.path.isfile(r.stdout.strip()), "/usr/bin/mmaudit-index prints the indexed copy",
            r.stderr[-300:])

    # man pages
    for page, title in (("man1/mmaudit.1.gz", "MMAUDIT(1)"), ("man1/mmaudit-batch.1.gz", "MMAUDIT-BATCH(1)"), ("man1/vmcore-id.1.gz", "VMCORE-ID(1)"),
                        ("man1/vmcore-inject.1.gz", "VMCORE-INJECT(1)"), ("man7/crash-mmaudit.7.gz", "CRASH-MMAUDIT(7)")):
        p = "/usr/share/man/" + page
        r = run(["man", "-l", p], env=dict(os.environ, MANWIDTH="80"))
        txt = re.sub(".\x08", "", r.stdout)   # man's overstrike bold/underline
        w = run(["sh", "-c", "zcat %s | groff -ww -z -man 2>&1" % p]).stdout.strip()
        S.check(r.returncode == 0 and title in txt and "NAME" in txt and "SEE ALSO" in txt and not w,
                "man -l %s renders (no groff warnings)" % p, (w or r.stderr)[-300:])
    r = run(["man", "mmaudit-index"], env=dict(os.environ, MANWIDTH="80"))
    S.check(r.returncode == 0 and "mmaudit-index" in r.stdout and "MMAUDIT-BATCH(1)" in r.stdout,
            "man mmaudit-index finds the page through the man database", r.stderr[-200:])


def check_purge(deb_files):
    r = dpkg("--purge", PKG)
    left = [p for p in deb_files if os.path.lexists("/" + p)]
    S.check(r.returncode == 0 and not installed() and not left, "dpkg --purge removes every file of the package",
            left or r.stderr[-300:])
    S.check(not os.path.exists("/usr/lib/crash"), "dpkg --purge leaves no /usr/lib/crash directory behind")


def main():
    if SUDO and run(SUDO + ["true"]).returncode != 0:
        S.not_ok("root or passwordless sudo for dpkg -i")
        return S.finish()
    for tool in ("dpkg-buildpackage", "dh", "man", "groff", "readelf"):
        if not S.check(shutil.which(tool), "%s present (scripts/install-deps.sh)" % tool):
            return S.finish()
    ds = [d for d in dumps() if (d.tag, d.mode, d.fmt) == ("bookworm-6.1", "live", "elf")]
    if not S.check(ds and os.path.exists(CRASH), "the bookworm-6.1 live ELF dump and the cached crash exist"):
        return S.finish()
    d = ds[0]
    os.makedirs(CACHE, exist_ok=True)
    lock = open(os.path.join(CACHE, "package.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    tmp = tempfile.mkdtemp(prefix="mmaudit-package-")
    for sub in ("empty", "home0"):
        os.makedirs(os.path.join(tmp, sub))
    t0 = time.time()
    try:
        if installed():   # left by an interrupted run
            dpkg("--purge", PKG)
        src, deb = build_deb(tmp)
        if not deb:
            return S.finish()
        so = check_contents(deb, tmp)
        deb_files = sorted(PAYLOAD)
        check_rpm(src, tmp)
        check_make_install(src, d, tmp)
        check_dropin(so, d, tmp)
        r = dpkg("-i", deb)
        if S.check(r.returncode == 0 and installed(), "dpkg -i %s" % os.path.basename(deb), (r.stdout + r.stderr)[-400:]):
            try:
                check_installed(d, tmp, deb_files)
            finally:
                check_purge(deb_files)
    finally:
        if installed():
            dpkg("--purge", PKG)
        shutil.rmtree(tmp, ignore_errors=True)
        lock.close()
    print("# package suite: %.0f s" % (time.time() - t0), flush=True)
    return S.finish()


if __name__ == "__main__":
    sys.exit(main())
