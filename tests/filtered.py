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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CRASH, ROOT, SO, Suite, crash_outputs, dumps  # noqa: E402
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
    objs = tasks + mms
    cmds = ["rd %x" % a for a in objs]
    cmds += ["mmgtest state " + " ".join("%x" % a for a in c) for c in slab.chunks(objs)]
    ns = len(slab_cmds)
    cmds += slab_cmds + ["mmcheck -j", "mmcheck", "sys"]
    out, raw = session(d.vmlinux, flt, cmds)
    n = len(objs)
    rd_excl = {a for a, o in zip(objs, out[:n]) if "page excluded" in o}
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
