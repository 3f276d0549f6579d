#!/usr/bin/env python3
"""filtered: missing memory is not corruption.

Each kernel's live ELF dump is filtered the way kdump does it, with
Debian's makedumpfile at dump level 31 (zero, cache, cache-private, user
and free pages dropped), into $MMAUDIT_CACHE/dumps/<tag>/live.d31.kdump
(cached; rebuilt when the ELF dump or makedumpfile changes).  The same
boot's ELF dump holds every page, so it is the truth:

- which objects mmaudit reads are gone from the filtered dump: every task
  of crash's task table on the ELF dump and every mm_struct crash's
  `kmem -S mm_struct` lists, probed on the filtered dump with crash's own
  `rd` ("page excluded") and with the glue's mmg_addr_state() (test-only
  extension tests/glue/mmgtest.c): both must agree;
- crash + mmaudit on the filtered dump never reports a `bug` finding that
  the ELF dump of the same boot does not report;
- the observed `mmcheck` summary and status lines are printed ("# ...").

makedumpfile 1.7.2 reads program headers right after the ELF header;
QEMU 7.2's dump-guest-memory writes two section headers there (program
headers at offset 192): the input is a copy with the headers swapped
(same segments, same data), deleted afterwards.

Compressed copies as they arrive from the field: -d 31 copies made with
sid's makedumpfile 1.7.8 (scripts/setup-makedumpfile.sh: zlib -c, LZO -l,
zstd -z; bookworm's 1.7.2 has no zstd and loses slab pages on 6.12,
trixie's 1.7.6 filters almost nothing on 6.12; docs/batch.md),
non-flattened and flattened (-F), and a snappy copy (no Debian makedumpfile
has snappy: tests/kdump_recompress.py rewrites the zlib copy's pages the way
makedumpfile -p does).  Every compression and both layouts on 6.1, LZO,
flattened zstd and snappy on 5.10 and 6.12; cached as
live.d31.<name>.kdump, keyed on the input, the makedumpfile and the options.
For each: vmcore-id names the format and the compression; crash (built with
LZO, snappy and zstd) opens it, never "no ... compression support"; its
`mmcheck -j` equals the ELF dump's (timings aside) -- the same pages are
kept whatever the compression -- or, where objects were lost, says
incomplete with no bug the ELF dump lacks.

Environment: CRASH, MMAUDIT_SO, MMAUDIT_CACHE (as the other suites).
"""
import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CRASH, ROOT, SO, Suite, crash_outputs, dumps  # noqa: E402
import kdump_recompress  # noqa: E402
import slab  # noqa: E402  (builds mmgtest.so)

LEVEL = 31


def makedumpfile_version():
    r = subprocess.run(["makedumpfile", "-v"], capture_output=True, text=True)
    m = re.search(r"version (\S+)", r.stdout + r.stderr)
    return m.group(1) if m else "?"


def fixed_elf_copy(src, dst):
    """Copy src with its program headers moved right after the ELF header
    (swapped with the section headers, which QEMU puts first)."""
    with open(src, "rb") as f:
        head = f.read(4096)
    phoff, shoff = struct.unpack_from("<QQ", head, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", head, 0x36)
    if phoff == 64:
        return src
    ph = head[phoff:phoff + phentsize * phnum]
    sh = head[shoff:shoff + shentsize * shnum] if shnum else b""
    first = min(struct.unpack_from("<Q", ph, i * phentsize + 8)[0] for i in range(phnum))
    if 64 + len(ph) + len(sh) > first:
        raise RuntimeError("no room to move the program headers")
    shutil.copyfile(src, dst)
    e = bytearray(head[:64])
    struct.pack_into("<QQ", e, 0x20, 64, 64 + len(ph) if sh else 0)
    struct.pack_into("<H", e, 0x34, 64)
    with open(dst, "r+b") as f:
        f.write(bytes(e) + ph + sh)
    return dst


def filtered_dump(elf):
    """$MMAUDIT_CACHE/dumps/<tag>/live.d31.kdump made from elf (cached).
    -> (path, makedumpfile log)"""
    d = os.path.dirname(elf)
    out = os.path.join(d, "live.d%d.kdump" % LEVEL)
    st = os.stat(elf)
    key = json.dumps({"src": os.path.basename(elf), "size": st.st_size, "mtime": int(st.st_mtime),
                      "level": LEVEL, "makedumpfile": makedumpfile_version()}, sort_keys=True)
    with open(out + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        try:
            with open(out + ".key") as f:
                if f.read() == key and os.path.exists(out):
                    with open(out + ".log", errors="replace") as g:
                        return out, g.read()
        except OSError:
            pass
        tmp_src = os.path.join(d, "live.d%d.src.elf" % LEVEL)
        for p in (out, out + ".tmp", out + ".key", tmp_src):
            if os.path.exists(p):
                os.unlink(p)
        try:
            src = fixed_elf_copy(elf, tmp_src)
            r = subprocess.run(["makedumpfile", "-c", "-d", str(LEVEL), src, out + ".tmp"],
                               capture_output=True, text=True, timeout=900)
        finally:
            if os.path.exists(tmp_src):
                os.unlink(tmp_src)
        log = re.sub(r"[^\n]*\r", "", r.stdout + r.stderr)
        with open(out + ".log", "w") as f:
            f.write(log)
        if r.returncode != 0:
            raise RuntimeError("makedumpfile failed: " + log[-400:])
        os.rename(out + ".tmp", out)
        with open(out + ".key", "w") as f:
            f.write(key)
        return out, log


# --- compressed copies ----------------------------------------------------
# name -> (makedumpfile compression option, flattened); "snappy" is made from
# the "zlib" copy by tests/kdump_recompress.py
COMPRESSIONS = {"zlib": "-c", "lzo": "-l", "zstd": "-z"}
FULL_TAG = "bookworm-6.1"
VMCORE_ID = os.path.join(ROOT, "build", "vmcore-id")


def copy_names(tag):
    """the compressed copies tested per kernel: all of them on 6.1, three
    (each compression once, one flattened) on the others"""
    if tag == FULL_TAG:
        return ["zlib", "zlib-F", "lzo", "lzo-F", "zstd", "zstd-F", "snappy"]
    return ["lzo", "zstd-F", "snappy"]


def new_makedumpfile():
    r = subprocess.run([os.path.join(ROOT, "scripts", "setup-makedumpfile.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("setup-makedumpfile.sh: " + r.stderr.strip()[-300:])
    return r.stdout.strip().splitlines()[-1]


def compressed_dumps(elf, names):
    """{name: (path, makedumpfile log, seconds to make it)} of the -d 31
    copies of elf (cached next to it as live.d31.<name>.kdump)"""
    d = os.path.dirname(elf)
    mdf = new_makedumpfile()
    r = subprocess.run([mdf, "-v"], capture_output=True, text=True)
    m = re.search(r"version (\S+)", r.stdout + r.stderr)
    ver = m.group(1) if m else "?"
    st = os.stat(elf)
    need = list(names)
    if "snappy" in need and "zlib" not in need:
        need.insert(0, "zlib")
    need.sort(key=lambda n: n == "snappy")      # zlib first
    res = {}
    with open(os.path.join(d, "live.d%d.compressed.lock" % LEVEL), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        tmp_src = os.path.join(d, "live.d%d.csrc.elf" % LEVEL)
        src = None
        try:
            for name in need:
                out = os.path.join(d, "live.d%d.%s.kdump" % (LEVEL, name))
                base = name[:-2] if name.endswith("-F") else name
                key = {"src": os.path.basename(elf), "size": st.st_size, "mtime": int(st.st_mtime),
                       "level": LEVEL, "makedumpfile": ver, "name": name}
                if base == "snappy":
                    key["recompress"] = kdump_recompress.VERSION
                key = json.dumps(key, sort_keys=True)
                try:
                    with open(out + ".key") as f, open(out + ".log", errors="replace") as g:
                        if f.read() == key and os.path.exists(out):
                            log = g.read()
                            res[name] = (out, log, float((re.findall(r"made in ([0-9.]+) s", log) or [0])[0]))
                            continue
                except OSError:
                    pass
                for p in (out, out + ".tmp", out + ".key"):
                    if os.path.exists(p):
                        os.unlink(p)
                t0 = time.time()
                if base == "snappy":
                    stats = kdump_recompress.recompress(res["zlib"][0], out + ".tmp")
                    log = "kdump_recompress.py %s: %s\n" % (os.path.basename(res["zlib"][0]), stats)
                else:
                    if src is None:
                        src = fixed_elf_copy(elf, tmp_src)
                    cmd = [mdf, COMPRESSIONS[base], "-d", str(LEVEL), src]
                    if name.endswith("-F"):
                        with open(out + ".tmp", "wb") as fo:
                            r = subprocess.run([mdf, "-F"] + cmd[1:], stdout=fo, stderr=subprocess.PIPE,
                                               text=True, timeout=900)
                        log = r.stderr
                    else:
                        r = subprocess.run(cmd + [out + ".tmp"], capture_output=True, text=True, timeout=900)
                        log = r.stdout + r.stderr
                    log = re.sub(r"[^\n]*\r", "", log)
                    if r.returncode != 0:
                        raise RuntimeError("makedumpfile %s %s failed: %s" % (ver, " ".join(cmd[1:3]), log[-400:]))
                secs = time.time() - t0
                log = "# makedumpfile %s, made in %.2f s\n%s" % (ver, secs, log)
                with open(out + ".log", "w") as f:
                    f.write(log)
                os.rename(out + ".tmp", out)
                with open(out + ".key", "w") as f:
                    f.write(key)
                res[name] = (out, log, secs)
        finally:
            if os.path.exists(tmp_src):
                os.unlink(tmp_src)
    return {n: res[n] for n in names}


def normalized(j):
    """mmcheck -j without its timings"""
    j = json.loads(json.dumps(j))
    for k in ("ms", "timing_ms"):
        j.get("summary", {}).pop(k, None)
    return j


def check_compressed(s, d, elf_j):
    """the compressed copies of d's -d 31 filtering: identified, opened by
    crash, audited as the ELF dump"""
    names = copy_names(d.tag)
    try:
        copies = compressed_dumps(d.vmcore, names)
    except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
        s.not_ok("%s: compressed -d %d copies (%s)" % (d.tag, LEVEL, ", ".join(names)), e)
        return
    print("# %s: compressed copies: %s" % (d.tag, ", ".join(
        "%s %.1f MB %.1f s" % (n, os.path.getsize(p) / 1e6, t) for n, (p, _, t) in copies.items())), flush=True)
    seen = {}
    for name, (path, log, _) in copies.items():
        base = name[:-2] if name.endswith("-F") else name
        r = subprocess.run([VMCORE_ID, path], capture_output=True, text=True)
        kv = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
        s.check(r.returncode == 0 and kv.get("format") == ("kdump-flat" if name.endswith("-F") else "kdump")
                and kv.get("kdump_compression") == base and "truncated" not in kv,
                "%s %s: vmcore-id: format %s, compression %s, complete" % (d.tag, name, kv.get("format"),
                                                                          kv.get("kdump_compression")),
                r.stderr.strip()[-200:])
        warn = [l for l in log.splitlines() if "not supported" in l or "may be incomplete" in l]
        out, raw = session(d.vmlinux, path, ["mmcheck -j", "sys"])
        said = re.findall(r"[^\n]*compression support[^\n]*", raw + "".join(out))
        s.check(not said, "%s %s: crash reads it (no \"no ... compression support\")" % (d.tag, name), said[:2])
        j = findings(out[0])
        if not s.check(j is not None, "%s %s: mmcheck -j gives JSON" % (d.tag, name), (out[0] or raw)[-300:]):
            continue
        seen[name] = normalized(j)
        if seen[name] == normalized(elf_j):
            s.ok("%s %s: mmcheck -j equals the ELF dump's (%s tasks, %s mms, %d findings, verdict %s)%s"
                 % (d.tag, name, j["summary"].get("tasks"), j["summary"].get("mms"), len(j.get("findings", [])),
                    j.get("verdict"), " (makedumpfile warned: %s)" % warn[0] if warn else ""))
        else:
            new = sorted(bug_keys(j) - bug_keys(elf_j))
            s.check(j.get("verdict") == "incomplete" and not new,
                    "%s %s: mmcheck -j differs from the ELF dump's only by lost objects (verdict incomplete, "
                    "no bug the ELF dump lacks)" % (d.tag, name),
                    "verdict %s, summary %s, new bugs %s" % (j.get("verdict"), j.get("summary"), new[:3]))
    if len(seen) > 1:
        first = next(iter(seen.values()))
        s.check(all(v == first for v in seen.values()),
                "%s: every compression of the same filtering audits the same (%s)" % (d.tag, ", ".join(seen)),
                [n for n, v in seen.items() if v != first])


def _crash_major():
    r = subprocess.run([CRASH, "--version"], capture_output=True, text=True)
    m = re.search(r"^crash (\d+)\.", r.stdout, re.M)
    return int(m.group(1)) if m else 0


# crash 9 says nothing when rd meets an excluded page (see rd_excl)
QUIET_EXCLUDED = _crash_major() >= 9


def session(vmlinux, vmcore, cmds, timeout=900):
    """crash with mmaudit.so and mmgtest.so loaded: each command's output"""
    return crash_outputs(vmlinux, vmcore, [SO, slab.MMGTEST], cmds, timeout)


def findings(text):
    try:
        j = json.loads(text)
    except ValueError:
        return None
    return j


def bug_keys(j):
    return {(f["rule"], f["mm"], f["task"], f["cpu"]) for f in j.get("findings", []) if f["severity"] == "bug"}


def status_lines(text):
    return [l for l in text.splitlines() if l.startswith("mmcheck:") or l.startswith("mmaudit-status")]


def check_tag(s, d):
    try:
        flt, log = filtered_dump(d.vmcore)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        s.not_ok("%s: makedumpfile -d %d of the live ELF dump" % (d.tag, LEVEL), e)
        return
    s.ok("%s: makedumpfile -d %d of the live ELF dump (%d MB -> %d MB)"
         % (d.tag, LEVEL, os.path.getsize(d.vmcore) >> 20, os.path.getsize(flt) >> 20))
    warn = [l for l in log.splitlines() if "not supported" in l or "may be incomplete" in l]
    if warn:
        print("# %s: makedumpfile says: %s" % (d.tag, " / ".join(warn)))

    # the truth: tasks and mm_structs from the complete dump
    elf_out, _ = session(d.vmlinux, d.vmcore, ["ps", "kmem -S mm_struct", "mmcheck -j", "mmcheck"])
    tasks = sorted({int(m, 16) for m in re.findall(r"^[> ]\s*\d+\s+\d+\s+\d+\s+([0-9a-f]{16})\s", elf_out[0], re.M)})
    mms, free_mms = slab.kmem_objects(elf_out[1])
    mms = sorted(mms)
    # slab verdicts on the complete dump, to compare with the filtered one
    classify = sorted(set(mms) | set(free_mms) | set(tasks))
    slab_cmds = ["mmgtest slab " + " ".join("%x" % a for a in c) for c in slab.chunks(classify)]
    elf_v = slab.verdicts("".join(session(d.vmlinux, d.vmcore, slab_cmds)[0]))
    elf_j = findings(elf_out[2])
    s.check(tasks and mms and elf_j, "%s: ELF dump: %d tasks, %d mm_structs, mmcheck JSON"
            % (d.tag, len(tasks), len(mms)))
    if not (tasks and mms and elf_j):
        return
    if os.environ.get("FILTERED_COMPRESSED", "1") != "0":
        check_compressed(s, d, elf_j)
    objs = tasks + mms
    cmds = ["rd %x" % a for a in objs]
    cmds += ["mmgtest state " + " ".join("%x" % a for a in c) for c in slab.chunks(objs)]
    ns = len(slab_cmds)
    cmds += slab_cmds + ["mmcheck -j", "mmcheck", "sys"]
    out, raw = session(d.vmlinux, flt, cmds)
    n = len(objs)
    # crash 9 reports a read of an excluded page only at debug level 8
    # (memory.c, PAGE_EXCLUDED: CRASHDEBUG(8)): its rd then prints nothing
    rd_excl = {a for a, o in zip(objs, out[:n]) if "page excluded" in o or (QUIET_EXCLUDED and not o.strip())}
    rd_ok = {a for a, o in zip(objs, out[:n]) if re.match(r"^[0-9a-f]{16}:\s", o)}
    st = slab.states("".join(out[n:-3 - ns]))
    flt_v = slab.verdicts("".join(out[-3 - ns:-3]))
    diff = {hex(a): (elf_v.get(a), flt_v.get(a)) for a in classify
            if flt_v.get(a) != elf_v.get(a) and (flt_v.get(a) or ("?",))[0] != "unknown"}
    s.check(len(elf_v) == len(classify) and not diff,
            "%s: slab verdicts on the filtered dump equal the ELF dump's or are unknown (%d objects, %d unknown)"
            % (d.tag, len(classify), sum(1 for v in flt_v.values() if v[0] == "unknown")), diff)
    excl = {a for a, v in st.items() if v == "excluded"}
    s.check(rd_excl | rd_ok == set(objs), "%s: crash's `rd` reads or says \"page excluded\" for every object"
            % d.tag, "%d neither" % len(set(objs) - rd_excl - rd_ok))
    s.eq(sorted(excl), sorted(rd_excl), "%s: addr_state says excluded exactly where crash's rd says page excluded"
         % d.tag)
    s.check(all(st.get(a) == "present" for a in rd_ok), "%s: addr_state present wherever crash's rd reads" % d.tag)
    lost_t = len([a for a in tasks if a in rd_excl])
    lost_m = len([a for a in mms if a in rd_excl])
    print("# %s: filtered dump lost %d/%d task_structs and %d/%d mm_structs" % (d.tag, lost_t, len(tasks),
                                                                                  lost_m, len(mms)))
    s.check("PARTIAL DUMP" in out[-1] or "[PARTIAL" in out[-1] or lost_t + lost_m == 0,
            "%s: crash knows the filtered dump is partial" % d.tag, out[-1][:200])

    flt_j = findings(out[-3])
    s.check(flt_j is not None, "%s: mmcheck -j on the filtered dump gives JSON" % d.tag, out[-3][-300:])
    if flt_j is None:
        return
    new = sorted(bug_keys(flt_j) - bug_keys(elf_j))
    s.check(not new, "%s: no bug on the filtered dump that the ELF dump of the same boot lacks" % d.tag,
            ["%s mm %s task %s cpu %s" % k for k in new[:5]] +
            [f["detail"] for f in flt_j.get("findings", []) if f["severity"] == "bug"][:3])
    for l in status_lines(elf_out[3]):
        print("# %s ELF:      %s" % (d.tag, l))
    for l in status_lines(out[-2]):
        print("# %s filtered: %s" % (d.tag, l))
    sm = flt_j.get("summary", {})
    print("# %s filtered: verdict %s, bug %s suspicious %s info %s, read_errors %s, list_state %s"
          % (d.tag, flt_j.get("verdict"), sm.get("bug"), sm.get("suspicious"), sm.get("info"),
             sm.get("read_errors"), sm.get("list_state")))
    # the "incomplete" rendering (docs/rules.md): once the core says it,
    # it must say it exactly when objects were lost, with their count
    if "incomplete" in out[-2] or flt_j.get("verdict") == "incomplete":
        m = re.search(r"incomplete dump: (\d+) object", out[-2])
        if lost_t + lost_m:
            s.check(flt_j.get("verdict") in ("incomplete", "bugs") and m and int(m.group(1)) > 0,
                    "%s: filtered dump: verdict incomplete, with the count of unreadable objects" % d.tag,
                    status_lines(out[-2]))
        else:
            s.not_ok("%s: incomplete said although no object was lost" % d.tag, status_lines(out[-2]))
    elif lost_t + lost_m:
        print("# %s: no \"incomplete\" rendering yet" % d.tag)


def main():
    s = Suite("filtered")
    if not shutil.which("makedumpfile"):
        s.not_ok("makedumpfile installed (Debian package makedumpfile)")
        return s.finish()
    _, so_ok = slab.build(s, with_unit=False)
    s.check(os.path.exists(SO), "extension built", SO)
    if so_ok and os.path.exists(SO):
        seen = set()
        for d in dumps():
            if d.mode != "live" or d.fmt != "elf" or d.tag in seen:
                continue
            seen.add(d.tag)
            try:
                check_tag(s, d)
            except subprocess.TimeoutExpired as e:
                s.not_ok("%s: crash session" % d.tag, e)
        s.check(len(seen) == 3, "a live ELF dump of each of the 3 kernels", sorted(seen))
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
