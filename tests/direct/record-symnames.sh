#!/usr/bin/env bash
# record-symnames.sh [TAG...] - record what the REAL crash names kernel
# text addresses (its value_search(), through `sym ADDR`), for the dsym
# suite's symbol_name check: tests/direct/fixtures/<tag>.symname.
#
# Addresses: every address of the vmlinux's text where two or more symbols
# start (aliases: which name crash picks is the question), plus every 97th
# other text symbol; each exactly and 5 bytes on.  Lines:
#   symname <link-time address> <crash's name|-> <offset>
# The address is the vmlinux's (unrelocated): the test adds its source's
# KASLR offset, so the fixture survives new boots of the test dumps.
# Needs the cached crash, build/vmcore-id (make tools) and the test dumps.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
OUT=$ROOT/tests/direct/fixtures
mkdir -p "$OUT"
[ -x "$CRASH" ] || { echo "no crash at $CRASH (make crash)"; exit 2; }
[ -x "$ROOT/build/vmcore-id" ] || { echo "no build/vmcore-id (make tools)"; exit 2; }
tags=("$@")
if [ ${#tags[@]} -eq 0 ]; then
    mapfile -t tags < <("$ROOT/testdumps/dumps.sh" list | awk '$2 == "live" && $3 == "elf" { print $1 }')
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tag in "${tags[@]}"; do
    read -r _ _ _ vmlinux vmcore _ < <("$ROOT/testdumps/dumps.sh" list | awk -v t="$tag" '$1 == t && $2 == "live" && $3 == "elf"')
    [ -n "${vmcore:-}" ] || { not_ok "$tag: no live ELF dump"; continue; }
    kaslr=$("$ROOT/build/vmcore-id" --get KERNELOFFSET "$vmcore")
    [ -n "$kaslr" ] || kaslr=0
    # link-time addresses to ask about
    nm -n "$vmlinux" | python3 -c '
import sys
text = [l.split() for l in sys.stdin]
text = [(int(a, 16), t, n) for a, t, n in (x for x in text if len(x) == 3)
        if t in "TtWw" and int(a, 16) >= 0xffffffff80000000]
by = {}
for a, t, n in text:
    by.setdefault(a, []).append(n)
addrs = sorted(by)
pick = [a for a in addrs if len(by[a]) > 1] + addrs[::97]
for a in sorted(set(pick)):
    print("%x" % a)
' > "$work/$tag.addrs"
    python3 -c '
import sys
k = int(sys.argv[1], 16)
for l in open(sys.argv[2]):
    a = int(l, 16)
    for d in (0, 5):
        print("sym %x" % ((a + k + d) & (2**64 - 1)))
' "$kaslr" "$work/$tag.addrs" > "$work/$tag.cmds"
    run_crash "$vmlinux" "$vmcore" "$work/$tag.out" < "$work/$tag.cmds"
    python3 -c '
import re, sys
k = int(sys.argv[1], 16)
cmds = [l.split()[1] for l in open(sys.argv[2])]
out = open(sys.argv[3], errors="replace").read().splitlines()
# one answer line per command, in order: "ADDR (t) NAME[+OFF] [FILE: LINE]"
# or "sym: ADDR: no such symbol" / "invalid address"
ans = {}
for l in out:
    m = re.match(r"^([0-9a-f]{16}) \((\S)\) (\S+)", l)
    if m:
        name, off = m.group(3), 0
        mm = re.match(r"^(.*)\+(\d+)$", name)
        if mm:
            name, off = mm.group(1), int(mm.group(2))
        ans.setdefault(int(m.group(1), 16), (name, off))
print("# what crash 8.0.6 `sym ADDR` answered (tests/direct/record-symnames.sh)")
print("# symname <link-time address> <name|-> <offset>")
for c in cmds:
    a = int(c, 16)
    n, o = ans.get(a, ("-", 0))
    print("symname %x %s %d" % ((a - k) & (2**64 - 1), n, o))
' "$kaslr" "$work/$tag.cmds" "$work/$tag.out" > "$work/$tag.symname"
    n=$(grep -c '^symname' "$work/$tag.symname")
    named=$(grep '^symname' "$work/$tag.symname" | awk '$4 != "-"' | wc -l)
    if [ "$named" -gt 0 ]; then
        cp "$work/$tag.symname" "$OUT/$tag.symname"
        ok "$tag: $n addresses asked, crash named $named"
    else
        not_ok "$tag: crash named none of $n addresses" "$(tail -3 "$work/$tag.out")"
    fi
done
finish record-symnames
