#!/usr/bin/env python3
"""slab: the slab classifier (the crash-free core's SLUB walk,
extensions/core/slab.c, behind the crash glue extensions/mmslab.c) and the
glue's helpers (extensions/mmglue.c).

1. Unit level, for kernels that cannot be booted here (CONFIG_SLAB, SLOB,
   SLUB before v4.4, v6.10 page types, KFENCE pools): tests/glue/
   test_mmslab.c, compiled against the cached crash's defs.h with a fake
   crash underneath; every one of its checks is reported here.
2. Real crash on a real dump of each kernel, through the test-only
   extension tests/glue/mmgtest.c: every object crash's own `kmem -S
   mm_struct` lists is classified as crash says (allocated "[addr]" ->
   alloc, free -> free), object + 8 -> inside, static data (init_mm) and a
   task's vmalloc'ed stack -> not-slab, an object of another cache
   (`kmem -S task_struct`) -> that cache; a KFENCE pool, when the kernel
   has one, -> unknown; per-CPU addresses equal crash's `kmem -o` offsets
   plus the symbol; addr_state of allocated objects -> present, of user or
   beyond-memory addresses -> unmapped.

Environment: CRASH, MMAUDIT_CACHE (as the other suites).
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, CRASH, ROOT, Suite, crash_outputs, dumps  # noqa: E402

CRASH_SRC = os.environ.get("CRASH_SRC", os.path.join(CACHE, "crash-8.0.6"))
BUILD = os.path.join(ROOT, "build")
MMGTEST = os.path.join(BUILD, "mmgtest.so")
UNIT = os.path.join(BUILD, "test_mmslab")


def crash_flags():
    """-D<TARGET> and GDB flags of the crash we build against (as Makefile)."""
    target, gdb = "X86_64", "-DGDB_10_2"
    mk = os.path.join(CRASH_SRC, "Makefile")
    if os.path.exists(mk):
        with open(mk, errors="replace") as f:
            for line in f:
                if line.startswith("TARGET="):
                    target = line.split("=", 1)[1].strip() or target
                elif line.startswith("GDB_FLAGS="):
                    gdb = line.split("=", 1)[1].strip() or gdb
    return ["-D" + target] + gdb.split()


def build(s, with_unit=True):
    """Build the unit test (with_unit) and mmgtest.so: (unit ok, so ok)"""
    os.makedirs(BUILD, exist_ok=True)
    inc = ["-I" + os.path.join(ROOT, "tests", "glue", "shim"), "-I" + CRASH_SRC,
           "-I" + os.path.join(ROOT, "extensions"), "-I" + os.path.join(ROOT, "extensions", "core")]
    ext = [os.path.join(ROOT, "extensions", f) for f in ("mmglue.c", "mmslab.c")]
    # the walk itself is the crash-free core's (extensions/core/slab.c)
    core = sorted(glob.glob(os.path.join(ROOT, "extensions", "core", "*.c")))
    r1 = None
    if with_unit:
        r1 = subprocess.run(["gcc", "-O1", "-g", "-Wall", "-Wextra"] + crash_flags() + inc +
                            ["-o", UNIT, os.path.join(ROOT, "tests", "glue", "test_mmslab.c")] + core,
                            capture_output=True, text=True)
        s.check(r1.returncode == 0, "test_mmslab builds against crash's defs.h", r1.stderr[-800:])
    r2 = subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-shared", "-fPIC", "-rdynamic"] + crash_flags() +
                        inc[1:] + ["-o", MMGTEST, os.path.join(ROOT, "tests", "glue", "mmgtest.c")] + ext + core,
                        capture_output=True, text=True)
    s.check(r2.returncode == 0, "mmgtest.so builds", r2.stderr[-800:])
    return r1 is not None and r1.returncode == 0, r2.returncode == 0


def unit(s):
    r = subprocess.run([UNIT], capture_output=True, text=True, timeout=60)
    n = 0
    for line in r.stdout.splitlines():
        m = re.match(r"^(ok|not ok) - (.*)$", line)
        if m:
            n += 1
            s.check(m.group(1) == "ok", "unit: " + m.group(2))
    s.check(n > 0 and r.returncode in (0, 1), "unit: test_mmslab ran (%d checks)" % n, r.stderr[-300:])


def crash(d, cmds, timeout=600):
    """One crash session with mmgtest loaded: the output of each command
    (redirected inside crash to its own file), in order."""
    return crash_outputs(d.vmlinux, d.vmcore, [MMGTEST], cmds, timeout)[0]


def chunks(xs, n=80):
    """crash splits a command line into at most MAXARGS (100) words"""
    return [xs[i:i + n] for i in range(0, len(xs), n)]


def kmem_objects(out):
    """crash `kmem -S` for SLUB, under "FREE / [ALLOCATED]": "  [addr]"
    allocated, "   addr" free (the kmem_cache_cpu lines have 2 spaces)"""
    alloc = {int(a, 16) for a in re.findall(r"^  \[([0-9a-f]{16})\]", out, re.M)}
    free = {int(a, 16) for a in re.findall(r"^   ([0-9a-f]{16})(?:\s+\(cpu \d+ cache\))?\s*$", out, re.M)}
    return alloc, free - alloc


def verdicts(out):
    return {int(a, 16): (v, c) for a, v, c in re.findall(r"^slab ([0-9a-f]+) (\S+) (\S+)$", out, re.M)}


def states(out):
    return {int(a, 16): v for a, v in re.findall(r"^state ([0-9a-f]+) (\S+)$", out, re.M)}


def check_dump(s, d):
    # --- truth from crash itself ------------------------------------------
    status, kmem_mm, sym_init, sym_pool, px_pool, kmem_o, sym_rq, kmem_task, stacks = crash(
        d, ["mmgtest status", "kmem -S mm_struct", "sym init_mm", "sym __kfence_pool", "p/x __kfence_pool",
            "kmem -o", "sym runqueues", "kmem -S task_struct", "task -R stack 1"])
    m = re.search(r"^status (.*)$", status, re.M)
    s.check(m and m.group(1) == "ok", "%s: slab classifier on (SLUB kernel)" % d.id, m and m.group(1))
    alloc, free = kmem_objects(kmem_mm)
    s.check(len(alloc) >= 5, "%s: crash's `kmem -S mm_struct` lists allocated objects (%d alloc, %d free)"
            % (d.id, len(alloc), len(free)))
    talloc, _ = kmem_objects(kmem_task)
    init_mm = re.search(r"^([0-9a-f]{16}) \(\S\) init_mm$", sym_init, re.M)
    offsets = {int(c): int(o, 16) for c, o in re.findall(r"^\s*CPU (\d+): ([0-9a-f]+)", kmem_o, re.M)}
    rq = re.search(r"^([0-9a-f]{16}) \(\S\) runqueues$", sym_rq, re.M)
    pool_sym = re.search(r"^([0-9a-f]{16}) \(\S\) __kfence_pool$", sym_pool, re.M)
    pool = re.search(r"= 0x([0-9a-f]+)", px_pool) if pool_sym else None
    stk = sorted({int(a, 16) for a in re.findall(r"stack = (0x[0-9a-f]+)", stacks)})[:3]

    # --- classify with mmgtest ----------------------------------------------
    objs = sorted(alloc) + sorted(free)
    cmds = ["mmgtest slab " + " ".join("%x" % a for a in c) for c in chunks(objs)]
    cmds += ["mmgtest slab " + " ".join("%x" % (a + 8) for a in c) for c in chunks(sorted(alloc)[:40])]
    extra = ([int(init_mm.group(1), 16)] if init_mm else []) + sorted(talloc)[:5] + stk
    if extra:
        cmds.append("mmgtest slab " + " ".join("%x" % a for a in extra))
    cmds.append("mmgtest state " + " ".join("%x" % a for a in sorted(alloc)[:40]) +
                " 1000 7fff00000000 ffff88ff00000000")
    cmds += ["mmgtest percpu runqueues %d" % c for c in sorted(offsets)]
    p0 = int(pool.group(1), 16) if pool else 0
    if p0:
        cmds.append("mmgtest slab %x %x %x" % (p0, p0 + 0x2000 + 0x40, p0 + 0x3000))
    out = "".join(crash(d, cmds))
    got = verdicts(out)

    bad = [hex(a) for a in alloc if got.get(a, ("?",))[0] != "alloc" or got[a][1] != "mm_struct"]
    s.check(not bad and alloc, "%s: every object crash lists allocated is alloc mm_struct (%d)" % (d.id, len(alloc)),
            bad[:5])
    bad = [hex(a) for a in free if got.get(a, ("?",))[0] != "free"]
    s.check(not bad, "%s: every object crash lists free is free (%d)" % (d.id, len(free)), bad[:5])
    bad = [hex(a + 8) for a in sorted(alloc)[:40] if got.get(a + 8, ("?",))[0] != "inside"]
    s.check(not bad, "%s: object + 8 is inside (%d)" % (d.id, min(40, len(alloc))), bad[:5])
    if init_mm:
        a = int(init_mm.group(1), 16)
        s.eq(got.get(a, ("?",))[0], "not-slab", "%s: init_mm (kernel image data) is not-slab" % d.id)
    if talloc:
        bad = [hex(a) for a in sorted(talloc)[:5] if got.get(a) != ("alloc", "task_struct")]
        s.check(not bad, "%s: task_struct objects (crash's `kmem -S task_struct`) are alloc of cache task_struct"
                % d.id, bad)
    if stk:
        s.check(all(got.get(a, ("?",))[0] == "not-slab" for a in stk),
                "%s: task stacks (vmalloc'ed) are not-slab" % d.id, {hex(a): got.get(a) for a in stk})
    st = states(out)
    bad = [hex(a) for a in sorted(alloc)[:40] if st.get(a) != "present"]
    s.check(not bad, "%s: addr_state of allocated mm_structs is present" % d.id, bad[:5])
    s.eq([st.get(0x1000), st.get(0x7fff00000000)], ["unmapped", "unmapped"],
         "%s: addr_state of user addresses is unmapped" % d.id)
    s.eq(st.get(0xffff88ff00000000), "unmapped",
         "%s: addr_state of a direct-map address beyond memory is unmapped" % d.id)
    if rq and offsets:
        base = int(rq.group(1), 16)
        got_pc = {int(c): int(a, 16) for c, a in re.findall(r"^percpu runqueues (\d+) ([0-9a-f]+)$", out, re.M)}
        want = {c: (base + o) & (2 ** 64 - 1) for c, o in offsets.items()}
        s.eq(got_pc, want, "%s: per-CPU address of runqueues = symbol + crash's `kmem -o` offset" % d.id)
    if pool_sym:
        print("# %s: KFENCE: __kfence_pool = %#x" % (d.id, p0))
        if p0:
            bad = {hex(a): v for a, v in got.items() if p0 <= a < p0 + 0x4000 and v[0] != "unknown"}
            s.check(not bad, "%s: addresses inside the KFENCE pool are unknown" % d.id, bad)
    else:
        print("# %s: no __kfence_pool symbol: kernel built without CONFIG_KFENCE" % d.id)


def check_kfence(s):
    """A live dump of trixie-6.12 booted with kfence.sample_interval=1
    (testdumps/dumps.sh make-kfence): a populated KFENCE pool.  Truth from
    crash: __kfence_pool, and kfence_metadata read with `rd` (state 1 =
    KFENCE_OBJECT_ALLOCATED, addr = the object)."""
    r = subprocess.run([os.path.join(ROOT, "testdumps", "dumps.sh"), "make-kfence"], capture_output=True,
                       text=True, timeout=1800)
    lines = [l.split() for l in r.stdout.splitlines() if len(l.split()) == 6 and l.split()[2] == "elf"]
    if not s.check(r.returncode == 0 and lines, "KFENCE dump (dumps.sh make-kfence)", r.stderr[-300:]):
        return
    tag, _, _, vmlinux, vmcore, man = lines[0]
    d = type("D", (), {"vmlinux": vmlinux, "vmcore": vmcore, "id": "kfence-" + tag})
    pool_o, meta_o, size_o, offs_o, mmc_o, status = crash(
        d, ["p/x __kfence_pool", "p/x kfence_metadata", "p sizeof(struct kfence_metadata)",
            "struct kfence_metadata -o", "p/x mm_cachep", "mmgtest status"])
    num = lambda t: int(re.search(r"= (0x[0-9a-f]+|\d+)", t).group(1), 0)
    pool, meta, esz = num(pool_o), num(meta_o), num(size_o)
    off = {m: int(o) for o, m in re.findall(r"\[(\d+)\] \S.*?\**(\w+);", offs_o)}
    s.check(pool and meta and {"state", "addr", "cache"} <= set(off),
            "%s: KFENCE pool %#x and metadata %#x" % (d.id, pool, meta))
    if not (pool and meta):
        return
    (words_o,) = crash(d, ["rd -64 %x %d" % (meta, 300 * esz // 8)])
    words = {}
    for a, w1, w2 in re.findall(r"^([0-9a-f]{16}):\s+([0-9a-f]{16})\s+([0-9a-f]{16})", words_o, re.M):
        words[int(a, 16)], words[int(a, 16) + 8] = int(w1, 16), int(w2, 16)
    objs, n = [], 0
    for i in range(300):
        e = meta + i * esz
        addr = words.get(e + off["addr"])
        if addr is None or addr & ~0xfff != pool + (2 * i + 2) * 4096:
            break
        n += 1
        state = words.get((e + off["state"]) & ~7, 0) >> (8 * ((e + off["state"]) & 7)) & 0xffffffff
        if state == 1:
            objs.append(addr)
    print("# %s: KFENCE pool %#x, %d objects (%d allocated)" % (d.id, pool, n, len(objs)))
    s.check(len(objs) > 10, "%s: KFENCE objects allocated in the dump (%d of %d)" % (d.id, len(objs), n))
    end = pool + (n + 1) * 2 * 4096
    cmds = ["mmgtest slab " + " ".join("%x" % a for a in c) for c in chunks(objs)]
    cmds.append("mmgtest slab %x %x %x" % (pool, pool + 2 * 4096 + 8, end - 8))
    got = verdicts("".join(crash(d, cmds)))
    bad = {hex(a): got.get(a) for a in objs if got.get(a, ("?",))[0] != "unknown"}
    s.check(objs and not bad, "%s: every allocated KFENCE object is unknown (%d)" % (d.id, len(objs)), bad)
    bad = {hex(a): got.get(a) for a in (pool, pool + 2 * 4096 + 8, end - 8) if got.get(a, ("?",))[0] != "unknown"}
    s.check(not bad, "%s: pool start, an object page, the pool's last bytes are unknown" % d.id, bad)


def main():
    s = Suite("slab")
    unit_ok, so_ok = build(s)
    if unit_ok:
        unit(s)
    if so_ok and os.path.exists(CRASH):
        seen = set()
        for d in dumps():
            if d.tag in seen or d.mode != "live" or d.fmt != "elf":
                continue
            seen.add(d.tag)
            try:
                check_dump(s, d)
            except (subprocess.TimeoutExpired, OSError) as e:
                s.not_ok("%s: crash session" % d.id, e)
        s.check(len(seen) == 3, "a live ELF dump of each of the 3 kernels", sorted(seen))
        check_kfence(s)
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
