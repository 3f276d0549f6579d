"""Shared helpers for the Python test suites on real dumps.

Each check prints one line, "ok - name" or "not ok - name: why"; finish()
prints "<suite>: N passed, N failed" and returns the exit status.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("MMAUDIT_CACHE", os.path.expanduser("~/.cache/mmaudit"))
CRASH = os.environ.get("CRASH", os.path.join(CACHE, "crash-8.0.6", "crash"))
SO = os.environ.get("MMAUDIT_SO", os.path.join(ROOT, "build", "mmaudit.so"))
# MMAUDIT_DUMP_TAGS="bookworm-6.1": the real-dump suites on those kernels'
# dumps only (make check's crash9 suite runs foundation and extension so)
DUMP_TAGS = os.environ.get("MMAUDIT_DUMP_TAGS", "").split()
EXPECTED_TAGS = tuple(t for t in ("bookworm-6.1", "bullseye-5.10", "trixie-6.12") if not DUMP_TAGS or t in DUMP_TAGS)
# crash sessions use each test kernel's cached copy with a gdb index
# (scripts/mmaudit-index: built once per build-id, ~7 s CPU; each crash start
# then costs ~3 s CPU less, docs/batch.md); MMAUDIT_TEST_INDEX=0: the plain files
TEST_INDEX = os.environ.get("MMAUDIT_TEST_INDEX", "1") != "0"
_indexed = {}


def indexed(vmlinux):
    """vmlinux's indexed copy (same build-id), or vmlinux itself if it cannot be made"""
    if not TEST_INDEX or not os.path.isfile(vmlinux):
        return vmlinux
    if vmlinux not in _indexed:
        r = subprocess.run([os.path.join(ROOT, "scripts", "mmaudit-index"), vmlinux], capture_output=True, text=True)
        p = r.stdout.strip()
        if r.returncode != 0 or not os.path.isfile(p):
            print("# no indexed copy of %s, using it as it is: %s" % (vmlinux, r.stderr.strip()[-200:]), flush=True)
            p = vmlinux
        _indexed[vmlinux] = p
    return _indexed[vmlinux]
EXPECTED_MODES = ("live", "panic")
EXPECTED_FMTS = ("elf", "kdump")


class Suite:
    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def ok(self, name):
        self.passed += 1
        print("ok - %s" % name, flush=True)

    def not_ok(self, name, why=""):
        self.failed += 1
        print("not ok - %s%s" % (name, (": " + str(why)) if why else ""), flush=True)

    def check(self, cond, name, why=""):
        (self.ok if cond else self.not_ok)(name, *(() if cond else (why,)))
        return cond

    def eq(self, got, want, name):
        return self.check(got == want, name, "got %r, want %r" % (got, want))

    def finish(self):
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed), flush=True)
        return 0 if self.failed == 0 else 1


class Dump:
    def __init__(self, tag, mode, fmt, vmlinux, vmcore, manifest):
        self.tag, self.mode, self.fmt = tag, mode, fmt
        self.vmcore, self.manifest_path = vmcore, manifest
        self.plain_vmlinux = vmlinux          # the test kernel's file, as dumps.sh lists it
        self.vmlinux = indexed(vmlinux)       # what crash is given
        self.id = "%s/%s/%s" % (tag, mode, fmt)
        self._manifest = None
        self._dir = None

    @property
    def manifest(self):
        if self._manifest is None:
            with open(self.manifest_path) as f:
                self._manifest = json.load(f)
        return self._manifest

    def collect(self):
        """Directory with the outputs of one crash session on this dump."""
        if self._dir is None:
            r = subprocess.run([os.path.join(ROOT, "tests", "collect.sh"), self.tag, self.mode, self.fmt,
                                self.vmlinux, self.vmcore], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("collect.sh failed: " + r.stderr[-500:])
            self._dir = r.stdout.strip().splitlines()[-1]
        return self._dir

    def text(self, name):
        p = os.path.join(self.collect(), name)
        if not os.path.exists(p):
            return None
        with open(p, errors="replace") as f:
            return f.read()

    def json(self, name):
        t = self.text(name)
        return None if t is None else json.loads(t)


def dumps():
    r = subprocess.run([os.path.join(ROOT, "testdumps", "dumps.sh"), "list"], capture_output=True, text=True)
    out = []
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 6 and (not DUMP_TAGS or f[0] in DUMP_TAGS):
            out.append(Dump(*f))
    return out


PS_LINE = re.compile(r"^[> ]\s*(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]+)\s+(\S+)\s+\S+\s+\d+\s+\d+\s+(.*)$")


def parse_ps(text):
    """crash `ps` lines -> list of dicts (pid, ppid, cpu, task, state, comm, active)."""
    rows = []
    for line in (text or "").splitlines():
        m = PS_LINE.match(line)
        if m:
            rows.append({"pid": int(m.group(1)), "ppid": int(m.group(2)), "cpu": int(m.group(3)),
                         "task": int(m.group(4), 16), "state": m.group(5), "comm": m.group(6).strip(),
                         "active": line.startswith(">")})
    return rows


def run_crash(dump, commands, timeout=600):
    """One extra crash session on dump: returns its output (cached by the
    command text under build/test-out/)."""
    import hashlib
    so = str(os.stat(SO).st_mtime) if os.path.exists(SO) else ""
    key = hashlib.sha1(("\n".join(commands) + CRASH + str(os.stat(dump.vmcore).st_mtime) + so).encode()).hexdigest()[:12]
    path = os.path.join(ROOT, "build", "test-out", "%s-%s-%s.extra-%s.txt" % (dump.tag, dump.mode, dump.fmt, key))
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            return f.read()
    r = subprocess.run([CRASH, "-s", "--no_crashrc", dump.vmlinux, dump.vmcore],
                       input="\n".join(commands) + "\nq\n", capture_output=True, text=True,
                       timeout=timeout, errors="replace")
    with open(path + ".tmp", "w") as f:
        f.write(r.stdout + r.stderr)
    os.rename(path + ".tmp", path)
    return r.stdout + r.stderr


def drgn_truth(dump):
    """tests/drgn_truth.py on the ELF dump of the same boot (the kdump file of
    a boot holds the same memory), cached."""
    elf = os.path.join(os.path.dirname(dump.vmcore), dump.mode + ".elf")
    path = os.path.join(ROOT, "build", "test-out", "%s-%s.drgn.json" % (dump.tag, dump.mode))
    if not os.path.exists(path) or os.stat(path).st_mtime < os.stat(elf).st_mtime:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests", "drgn_truth.py"), dump.vmlinux, elf],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError("drgn_truth.py failed: " + r.stderr[-600:])
        with open(path + ".tmp", "w") as f:
            f.write(r.stdout)
        os.rename(path + ".tmp", path)
    with open(path) as f:
        return json.load(f)


def h(x):
    """an address from JSON or crash text ("ffff...", "0x...", an int) -> int"""
    return int(x, 16) if isinstance(x, str) else int(x)


def cpulist(s):
    """"0-3,49" -> {0, 1, 2, 3, 49}"""
    out = set()
    for part in filter(None, (s or "").split(",")):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def crash_outputs(vmlinux, vmcore, extends, cmds, timeout=600):
    """One crash session: `extend` each of extends, then each command with its
    output redirected inside crash to a file of its own.  -> (the outputs in
    order, crash's own stdout + stderr)"""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        lines = ["extend %s > %s/extend-%d" % (so, tmp, i) for i, so in enumerate(extends)]
        lines += ["%s > %s/%d" % (c, tmp, i) for i, c in enumerate(cmds)]
        r = subprocess.run([CRASH, "-s", "--no_crashrc", vmlinux, vmcore], input="\n".join(lines) + "\nq\n",
                           capture_output=True, text=True, timeout=timeout, errors="replace")
        outs = []
        for i in range(len(cmds)):
            try:
                with open(os.path.join(tmp, str(i)), errors="replace") as f:
                    outs.append(f.read())
            except OSError:
                outs.append("")
        return outs, r.stdout + r.stderr


def cut_copy(src, dst, nbytes):
    """the first nbytes of src written to dst: a dump cut short"""
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        left = nbytes
        while left:
            b = fi.read(min(left, 8 << 20))
            if not b:
                break
            fo.write(b)
            left -= len(b)


def load_json(path):
    """a JSON file's content, {} when it is missing or not JSON (a per-dump
    record of the batch runner that was never written)"""
    try:
        with open(path or "") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def link_dumps(top, ds):
    """symlinks top/<tag>/<mode>.<fmt> -> each Dump's vmcore (file names
    repeat across kernels, as in a fleet) -> {link: Dump}"""
    real = {}
    for d in ds:
        p = os.path.join(top, d.tag, "%s.%s" % (d.mode, d.fmt))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.symlink(d.vmcore, p)
        real[p] = d
    return real


def cut_readable(src, dst, direct, sizes_mib=(448, 384, 320, 256, 192)):
    """src cut short into dst where the direct command (build/mmaudit) can
    still read the symbol tables but misses pages the audit reads: the first
    of sizes_mib (largest first) whose `check -j` gives status ok with read
    errors.  Where the kernel image lies in the file depends on the boot
    (physical KASLR), hence the search.  -> (MiB, its JSON) or (None, None)"""
    for mib in sizes_mib:
        cut_copy(src, dst, mib << 20)
        r = subprocess.run([direct, "check", "-j", dst], capture_output=True, text=True, timeout=300)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            continue
        if j.get("status") == "ok" and j.get("summary", {}).get("read_errors", 0) > 0:
            return mib, j
    return None, None
