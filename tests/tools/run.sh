#!/usr/bin/env bash
# tests/tools/run.sh - tests of tools/vmcore-id.c and tools/vmcore-inject.c
# (and their shared module tools/dumpid.c).
#
#  1. synthetic inputs made by tests/tools/mkcore.c: tiny x86_64 ELF cores
#     with real 4- and 5-level page tables, kdump-compressed files and their
#     flattened form, fake vmlinux files, debuginfo directory layouts
#  2. a little fuzzing: truncations and random mutations (sanitizer builds)
#  3. the real dumps of testdumps/dumps.sh list, when there are any: release
#     against the manifest, --match, makedumpfile -R, VMCOREINFO against
#     libkdumpfile (tests/tools/kdfread.c) as an independent reader, and on ELF dumps
#     vmcore-inject --va-to-pa against crash's vtop and a patched mm_count
#     read back by crash
#
# Prints one "ok - name" / "not ok - name: why" line per check and a closing
# "tools: N passed, N failed" line; exits non-zero on any failure.
#
# env: TOOLS_REAL=0   skip the real dumps      TOOLS_CRASH=0  skip crash checks
#      TOOLS_FUZZ=N   fuzz runs per input (default 120; 0 = none)
#      TOOLS_ASAN=0   fuzz the -O2 build instead of an ASan/UBSan build
#      TOOLS_KEEP=1   keep the temporary directory
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mmaudit-tools.XXXXXX")
cleanup() { [ "${TOOLS_KEEP:-0}" = 1 ] && echo "# kept $TMP" || rm -rf "$TMP"; }
trap cleanup EXIT

# ------------------------------------------------------------------ build
ID=$ROOT/build/vmcore-id
INJ=$ROOT/build/vmcore-inject
if ! make -C "$ROOT" -s build/vmcore-id build/vmcore-inject >"$TMP/make.log" 2>&1; then
    not_ok "build tools" "$(tail -n 5 "$TMP/make.log" | tr '\n' ' ')"
    finish tools; exit 1
fi
ok "build tools"
TOOLS=$ROOT/tools
if gcc -O2 -g -Wall -Wextra -Werror -I"$TOOLS" -o "$TMP/w-id" "$TOOLS/vmcore-id.c" "$TOOLS/dumpid.c" -lelf -lz 2>"$TMP/w.log" &&
   gcc -O2 -g -Wall -Wextra -Werror -I"$TOOLS" -o "$TMP/w-inj" "$TOOLS/vmcore-inject.c" "$TOOLS/dumpid.c" -lelf -lz 2>>"$TMP/w.log"; then
    ok "tools build without warnings"
else
    not_ok "tools build without warnings" "$(head -n 3 "$TMP/w.log" | tr '\n' ' ')"
fi
MK=$TMP/mkcore
gcc -O2 -g -Wall -Wextra -o "$MK" "$HERE/mkcore.c" -lz || { not_ok "build mkcore"; finish tools; exit 1; }
# libkdumpfile (Debian libkdumpfile-dev): the independent reader of VMCOREINFO
KDF=""
if gcc -O2 -g -Wall -Wextra -Werror -o "$TMP/kdfread" "$HERE/kdfread.c" -lkdumpfile 2>"$TMP/kdf.log"; then
    KDF=$TMP/kdfread
    ok "build kdfread (libkdumpfile $(dpkg-query -W -f='${Version}' libkdumpfile-dev 2>/dev/null))"
else
    echo "# libkdumpfile checks skipped: kdfread does not build ($(head -n 1 "$TMP/kdf.log"); scripts/install-deps.sh installs libkdumpfile-dev)"
fi
# same_vmci NAME FILE: vmcore-id --raw and libkdumpfile give the same VMCOREINFO text
same_vmci() {
    [ -n "$KDF" ] || return 0
    if ! "$KDF" --raw "$2" >"$TMP/kdf.raw" 2>"$TMP/kdf.err"; then
        not_ok "$1" "libkdumpfile: $(head -c 200 "$TMP/kdf.err")"
    elif ! "$ID" --raw "$2" >"$TMP/id.raw" 2>/dev/null; then
        not_ok "$1" "vmcore-id --raw failed"
    elif cmp -s "$TMP/kdf.raw" "$TMP/id.raw"; then
        ok "$1"
    else
        not_ok "$1" "texts differ: $(cmp "$TMP/kdf.raw" "$TMP/id.raw" 2>&1 | head -c 200)"
    fi
}

# ---------------------------------------------------------------- helpers
OUT=$TMP/out ERR=$TMP/err
# run CMD...: stdout in $OUT, stderr in $ERR, exit code in $RC
run() { "$@" >"$OUT" 2>"$ERR"; RC=$?; }
kv() { sed -n "s/^$(printf '%s' "$2" | sed 's/[][*.^$/]/\\&/g')=//p" "$1" | head -n 1; }
# expect NAME RC PATTERN-IN-STDERR (regex, may be empty)
expect() {
    local name=$1 rc=$2 pat=${3:-}
    if [ "$RC" != "$rc" ]; then
        not_ok "$name" "exit $RC, expected $rc: $(head -c 300 "$ERR" | tr '\n' ' ')"
    elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$ERR"; then
        not_ok "$name" "stderr lacks /$pat/: $(head -c 300 "$ERR" | tr '\n' ' ')"
    else
        ok "$name"
    fi
}
# has NAME KEY VALUE: stdout of the last run has KEY=VALUE
has() {
    local got; got=$(kv "$OUT" "$2")
    if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1" "$2='$got', expected '$3'"; fi
}
grep_out() { # NAME REGEX
    if grep -Eq -- "$2" "$OUT"; then ok "$1"; else not_ok "$1" "stdout lacks /$2/: $(head -c 300 "$OUT" | tr '\n' ' ')"; fi
}
hex() { printf '%x' "$1"; }
# bytes of FILE at OFFSET, LEN, as plain hex
bytes_at() { od -An -tx1 -v -j "$(($2))" -N "$3" "$1" | tr -d ' \n'; }

cd "$TMP" || exit 1
REL=6.1.0-99-test-amd64
BID=0123456789abcdef0123456789abcdef01234567
"$MK" elf e4.core >e4.params || { not_ok "mkcore elf"; finish tools; exit 1; }
"$MK" elf e5.core --l5 >e5.params
"$MK" elf wrap.core --qemu-wrap >/dev/null
"$MK" elf be.core --be >/dev/null
"$MK" elf novmci.core --no-vmcoreinfo >/dev/null
"$MK" elf nobid.core --build-id none --crashtime none >/dev/null
"$MK" elf nopgt.core --no-pgt --vaddr >/dev/null
"$MK" kdump k.kdump --flat k.flat >/dev/null
"$MK" kdump kbe.kdump --be >/dev/null
"$MK" kdump kv2.kdump --version 2 >/dev/null
"$MK" kdump knovi.kdump --no-vmcoreinfo >/dev/null
"$MK" kdump kinc.kdump --incomplete >/dev/null
"$MK" vmlinux vmlinux.good >/dev/null
"$MK" vmlinux vmlinux.otherid --build-id 89abcdef0123456789abcdef0123456789abcdef >/dev/null
"$MK" vmlinux vmlinux.noid --build-id none >/dev/null
"$MK" vmlinux vmlinux.otherrel --build-id none --banner 6.1.0-98-test-amd64 >/dev/null
POB4=$(kv e4.params pob) VMA4=$(kv e4.params vmalloc)
POB5=$(kv e5.params pob) VMA5=$(kv e5.params vmalloc)

# ============================================================== vmcore-id
run "$ID" e4.core
expect "id: elf exits 0" 0
has "id: elf format" format elf
has "id: elf release" OSRELEASE "$REL"
has "id: elf build-id" BUILD-ID "$BID"
has "id: elf machine" machine x86_64
has "id: elf phys_base" "NUMBER(phys_base)" -16777216
has "id: elf init_top_pgt" "SYMBOL(init_top_pgt)" ffffffff82010000
has "id: elf crashtime_utc" crashtime_utc 2023-11-14T22:13:20Z
has "id: elf vmcoreinfo from a note" vmcoreinfo_source note
if ! grep -q '^truncated=' "$OUT"; then ok "id: complete elf not flagged truncated"; else not_ok "id: complete elf not flagged truncated"; fi
run "$ID" --json e4.core
if command -v python3 >/dev/null; then
    if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["OSRELEASE"]=="'"$REL"'" and d["format"]=="elf"' <"$OUT" 2>/dev/null
    then ok "id: --json parses"; else not_ok "id: --json parses" "$(head -c 200 "$OUT")"; fi
else
    grep_out "id: --json output" '^\{"format": "elf".*"OSRELEASE": "'"$REL"'"'
fi
run "$ID" --get OSRELEASE e4.core
if [ "$RC" = 0 ] && [ "$(cat "$OUT")" = "$REL" ]; then ok "id: --get OSRELEASE"; else not_ok "id: --get OSRELEASE" "rc $RC: $(cat "$OUT")"; fi
run "$ID" --get NO_SUCH_KEY e4.core
expect "id: --get absent key exits 1" 1 "no NO_SUCH_KEY"
run "$ID" --raw e4.core
grep_out "id: --raw prints the whole VMCOREINFO" '^SIZE\(mm_struct\)=1344$'
run "$ID" wrap.core
expect "id: VMCOREINFO wrapped in another note exits 0" 0
has "id: wrapped note found by the scan" vmcoreinfo_source nested
has "id: wrapped note release" OSRELEASE "$REL"
run "$ID" e5.core
has "id: 5-level flag" "NUMBER(pgtable_l5_enabled)" 1
run "$ID" be.core
has "id: big-endian ELF release" OSRELEASE "$REL"
run "$ID" nobid.core
if [ "$RC" = 0 ] && ! grep -q '^BUILD-ID=' "$OUT" && ! grep -q '^CRASHTIME=' "$OUT"; then
    ok "id: absent keys are omitted"; else not_ok "id: absent keys are omitted"; fi
run "$ID" novmci.core
expect "id: ELF core without VMCOREINFO exits 2" 2 "no VMCOREINFO"
head -c 100000 /dev/urandom >random.bin
run "$ID" random.bin
expect "id: random bytes exit 2" 2 "not an ELF core or kdump file"
run "$ID" vmlinux.good
expect "id: a vmlinux is not a dump" 2 "not an ELF core or kdump file"
: >empty.bin
run "$ID" empty.bin
expect "id: empty file exits 2" 2 "truncated|not an ELF"
run "$ID" "$TMP"
expect "id: a directory exits 2" 2 "not an ELF core"
run "$ID" /nonexistent/vmcore
expect "id: missing file exits 2" 2 "cannot open"
run "$ID"
expect "id: no argument is a usage error" 1
SZ=$(stat -c %s e4.core)
head -c $((SZ - 4096)) e4.core >trunc.core
run "$ID" trunc.core
expect "id: truncated ELF exits 2" 2 "truncated"
grep_out "id: truncated ELF still identified" "^OSRELEASE=$REL$"
grep_out "id: truncated= key printed" '^truncated=file has'
run "$ID" --allow-truncated trunc.core
expect "id: --allow-truncated exits 0" 0
for n in 10 63 64 200 300 600 1000; do
    head -c $n e4.core >t.core
    run "$ID" t.core
    expect "id: ELF cut at $n bytes exits 2 (truncated)" 2 "truncated"
done

run "$ID" k.kdump
expect "id: kdump exits 0" 0
has "id: kdump format" format kdump
has "id: kdump release" OSRELEASE 5.10.0-99-test-amd64
has "id: kdump header version" kdump_header_version 6
has "id: kdump sub-header phys_base" kdump_phys_base 0xffffffffff000000
has "id: kdump dumped pages" kdump_dumped_pages 8
run "$ID" kbe.kdump
has "id: big-endian kdump release" OSRELEASE 5.10.0-99-test-amd64
run "$ID" kv2.kdump
expect "id: kdump header v2 has no VMCOREINFO" 2 "no VMCOREINFO: kdump header version 2"
run "$ID" knovi.kdump
expect "id: kdump without VMCOREINFO exits 2" 2 "no VMCOREINFO"
run "$ID" kinc.kdump
expect "id: kdump marked incomplete exits 2" 2 "truncated.*incomplete"
KSZ=$(stat -c %s k.kdump)
head -c $((KSZ - 100)) k.kdump >kt.kdump
run "$ID" kt.kdump
expect "id: kdump missing its last page exits 2" 2 "truncated.*last page"
for n in 8 100 463 4200 5000 9000 17000; do
    head -c $n k.kdump >kt.kdump
    run "$ID" kt.kdump
    expect "id: kdump cut at $n bytes exits 2 (truncated)" 2 "truncated"
done

# offset_vmcoreinfo zeroed (block 1 + 32): VMCOREINFO from the ELF notes at
# offset_note, read through libelf's note iteration like an ELF core's
for f in k.kdump kbe.kdump; do
    cp $f kn.kdump
    printf '\0\0\0\0\0\0\0\0' | dd of=kn.kdump bs=1 seek=$((4096 + 32)) conv=notrunc status=none
    run "$ID" kn.kdump
    has "id: $f without offset_vmcoreinfo: found in its notes" vmcoreinfo_source kdump-notes
    has "id: $f without offset_vmcoreinfo: release" OSRELEASE 5.10.0-99-test-amd64
done
run "$ID" k.flat
expect "id: flattened exits 0" 0
has "id: flattened format" format kdump-flat
has "id: flattened release (records out of order, one overridden)" OSRELEASE 5.10.0-99-test-amd64
if command -v makedumpfile >/dev/null; then
    if makedumpfile -R rebuilt.kdump <k.flat >/dev/null 2>&1 && cmp -s rebuilt.kdump k.kdump; then
        ok "makedumpfile -R of our flattened file gives our kdump file"
    else
        not_ok "makedumpfile -R of our flattened file gives our kdump file"
    fi
    rm -f rebuilt.kdump
fi
FSZ=$(stat -c %s k.flat)
head -c $((FSZ - 16)) k.flat >ft.flat
run "$ID" ft.flat
expect "id: flattened without end record exits 2" 2 "truncated.*no end record"
for n in 12 40 4096 4200 6000; do
    head -c $n k.flat >ft.flat
    run "$ID" ft.flat
    expect "id: flattened cut at $n bytes exits 2 (truncated)" 2 "truncated"
done

# ----------------------------------------------- against libkdumpfile
for f in e4.core e5.core be.core nobid.core k.kdump kbe.kdump; do
    same_vmci "libkdumpfile: VMCOREINFO of $f equals vmcore-id --raw" $f
done
if [ -n "$KDF" ]; then
    # what libkdumpfile cannot read, and why dumpid.c keeps its own readers
    for f in k.flat wrap.core; do
        if "$KDF" $f >/dev/null 2>"$TMP/kdf.err"; then echo "# libkdumpfile reads $f"
        else echo "# libkdumpfile on $f: $(sed 's/^kdfread: //' "$TMP/kdf.err" | head -n 1)"; fi
    done
fi

# ------------------------------------------------------------ --match
mkdir -p deb/usr/lib/debug/boot plain/$REL sub bid/.build-id/01 wrong noid other empty
cp vmlinux.good deb/usr/lib/debug/boot/vmlinux-$REL
cp vmlinux.good plain/vmlinux-$REL
cp vmlinux.good sub/vmlinux
cp vmlinux.good plain/$REL/vmlinux
cp vmlinux.good bid/.build-id/01/23456789abcdef0123456789abcdef01234567.debug
cp vmlinux.otherid wrong/vmlinux-$REL
cp vmlinux.noid noid/vmlinux-$REL
cp vmlinux.otherrel other/vmlinux-$REL
run "$ID" e4.core --match deb
has "match: Debian usr/lib/debug/boot layout" vmlinux "deb/usr/lib/debug/boot/vmlinux-$REL"
has "match: verified by build-id" vmlinux_verified build-id
run "$ID" e4.core --match plain
has "match: plain vmlinux-<release>" vmlinux "plain/vmlinux-$REL"
rm plain/vmlinux-$REL
run "$ID" e4.core --match plain
has "match: <release>/vmlinux" vmlinux "plain/$REL/vmlinux"
run "$ID" e4.core --match sub
has "match: DIR/vmlinux" vmlinux "sub/vmlinux"
run "$ID" e4.core --match bid
has "match: .build-id tree" vmlinux "bid/.build-id/01/23456789abcdef0123456789abcdef01234567.debug"
run "$ID" e4.core --match wrong
expect "match: wrong build-id exits 3" 3 "build-id 89abcdef.* differs"
run "$ID" e4.core --match wrong deb
has "match: several directories, first one wrong" vmlinux "deb/usr/lib/debug/boot/vmlinux-$REL"
run "$ID" e4.core --match=wrong --match=sub
has "match: repeated --match=DIR" vmlinux "sub/vmlinux"
run "$ID" e4.core --match noid
has "match: no build-id note, accepted on linux_banner" vmlinux_verified release
run "$ID" nobid.core --match sub
has "match: dump without BUILD-ID verified by banner" vmlinux_verified release
run "$ID" nobid.core --match other
expect "match: banner of another release exits 3" 3 "linux_banner says release 6.1.0-98-test-amd64"
run "$ID" e4.core --match empty
expect "match: no candidate exits 3" 3 "no matching vmlinux.*no candidate"
run "$ID" e4.core --match "$TMP/vmlinux.good"
has "match: a file given directly" vmlinux "$TMP/vmlinux.good"
"$MK" elf evil.core --release ../../sub --build-id zz >/dev/null
mkdir -p evilroot/x/y; cp vmlinux.good evilroot/sub 2>/dev/null
run "$ID" evil.core --match evilroot/x/y
expect "match: release with path characters is not used in paths" 3 "no matching vmlinux"
run "$ID" --json e4.core --match empty
if grep -q '"vmlinux"' "$OUT"; then not_ok "match: --json without match has no vmlinux"; else ok "match: --json without match has no vmlinux"; fi

# =========================================================== vmcore-inject
sha_before=$(sha1sum e4.core | cut -d' ' -f1)
run "$INJ" e4.core --va-to-pa "$(hex $((POB4 + 0x4008)))" --va-to-pa ffffffff82000010 \
    --va-to-pa "$(hex $((VMA4 + 0x10)))" --va-to-pa "$(hex $((VMA4 + 0x1010)))"
expect "inject: --va-to-pa exits 0" 0
grep_out "inject: page_offset_base derived from the page tables" "^page_offset_base=$POB4 \(page-tables\)"
grep_out "inject: direct map (4-level)" "^va=0x$(hex $((POB4 + 0x4008))) pa=0x4008 method=direct walk_pa=0x4008 walk=agrees file_offset=0x5008$"
grep_out "inject: kernel text with negative phys_base" "^va=0xffffffff82000010 pa=0x1000010 method=text walk_pa=0x1000010 walk=agrees"
grep_out "inject: vmalloc 4K page walk" "^va=0x$(hex $((VMA4 + 0x10))) pa=0x5010 method=walk page=4K file_offset=0x6010$"
grep_out "inject: vmalloc pages out of PA order" "^va=0x$(hex $((VMA4 + 0x1010))) pa=0x3010 method=walk"
run "$INJ" e5.core --va-to-pa "$(hex $((POB5 + 0x4008)))" --va-to-pa "$(hex $((VMA5 + 0x1010)))" --va-to-pa ffffffff82000010
expect "inject: 5-level --va-to-pa exits 0" 0
grep_out "inject: 5-level page_offset_base" "^page_offset_base=$POB5 "
grep_out "inject: 5-level direct map" "pa=0x4008 method=direct walk_pa=0x4008 walk=agrees"
grep_out "inject: 5-level vmalloc walk" "^va=0x$(hex $((VMA5 + 0x1010))) pa=0x3010 method=walk page=4K"
grep_out "inject: 5-level text" "pa=0x1000010 method=text walk_pa=0x1000010 walk=agrees"
run "$INJ" e4.core --method walk --va-to-pa "$(hex $((POB4 + 0x4008)))" --va-to-pa ffffffff82000010
grep_out "inject: forced walk through a 1G page" "pa=0x4008 method=walk page=1G"
grep_out "inject: forced walk through a 2M page" "pa=0x1000010 method=walk page=2M"
run "$INJ" e4.core --va-to-pa "$(hex $((VMA4 + 0x2010)))"
expect "inject: unmapped address exits 3" 3 "not mapped: PTE entry 2"
run "$INJ" e4.core --va-to-pa "$(hex $((VMA4 + 0x3010)))"
expect "inject: PA in a hole exits 3" 3 "not in the dump"
run "$INJ" e4.core --va-to-pa "$(hex $((VMA4 + 0x4900)))"
expect "inject: PA beyond p_filesz exits 3" 3 "beyond its file data"
run "$INJ" e4.core --va-to-pa 0000123400000000
expect "inject: user address exits 3" 3 "not mapped"
run "$INJ" e4.core --va-to-pa 8000000000000000
expect "inject: non-canonical address exits 3" 3 "not a canonical"

run "$INJ" e4.core -o p.core --write-u64 "$(hex $((VMA4 + 0xffc)))=0x1122334455667788" \
    --write-u32 "$(hex $((POB4 + 0x4008)))=0xdeadbeef" --clear-bit "$(hex $((POB4 + 0x4010))):4" \
    --set-bit "$(hex $((POB4 + 0x4010))):66" --write-bytes pa:0x4100=cafef00d \
    --write-u8 ffffffff82000020=-1 --write-u16 ffffffff82000030=0x1234
expect "inject: writes exit 0" 0
grep_out "inject: prints old -> new" "u64 0x30005a5a0000 -> 0x1122334455667788"
grep_out "inject: bit ops print the bit" "bit 4 1 -> 0"
if [ "$(bytes_at p.core 0x6ffc 4)$(bytes_at p.core 0x4000 4)" = 8877665544332211 ]; then
    ok "inject: u64 split across two non-contiguous pages"; else not_ok "inject: u64 split across two non-contiguous pages" "$(bytes_at p.core 0x6ffc 4) $(bytes_at p.core 0x4000 4)"; fi
[ "$(bytes_at p.core 0x5008 4)" = efbeadde ] && ok "inject: u32 in the direct map" || not_ok "inject: u32 in the direct map"
[ "$(bytes_at p.core 0x5010 1)" = 00 ] && ok "inject: --clear-bit" || not_ok "inject: --clear-bit" "$(bytes_at p.core 0x5010 1)"
[ "$(bytes_at p.core 0x5018 1)" = 1c ] && ok "inject: --set-bit in the second word" || not_ok "inject: --set-bit in the second word" "$(bytes_at p.core 0x5018 1)"
[ "$(bytes_at p.core 0x5100 4)" = cafef00d ] && ok "inject: --write-bytes at pa:" || not_ok "inject: --write-bytes at pa:"
[ "$(bytes_at p.core 0x101020 1)$(bytes_at p.core 0x101030 2)" = ff3412 ] && ok "inject: u8/u16 in kernel text" || not_ok "inject: u8/u16 in kernel text"
ndiff=$(cmp -l e4.core p.core | wc -l)
[ "$ndiff" = 21 ] && ok "inject: nothing else changed" || not_ok "inject: nothing else changed" "$ndiff bytes differ, expected 21"
[ "$(sha1sum e4.core | cut -d' ' -f1)" = "$sha_before" ] && ok "inject: input untouched" || not_ok "inject: input untouched"
run "$INJ" p.core --read-u64 "$(hex $((VMA4 + 0xffc)))" --read-u32 pa:0x4008 --read-bytes ffffffff82000020:2
grep_out "inject: --read-u64 reads back across pages" ": u64 0x1122334455667788$"
grep_out "inject: --read-u32 pa:" ": u32 0xdeadbeef$"
grep_out "inject: --read-bytes" ": bytes\[2\] ff00$"
run "$INJ" e4.core -o q.core --write-u32 "$(hex $((POB4 + 0x4008)))=1" --write-u32 "$(hex $((VMA4 + 0x2000)))=1"
expect "inject: one untranslatable op exits 3" 3 "not mapped"
[ ! -e q.core ] && ok "inject: nothing written when an op fails" || not_ok "inject: nothing written when an op fails"
cp e4.core ip.core
run "$INJ" ip.core --in-place --write-u32 pa:0x4008=7
[ "$RC" = 0 ] && [ "$(bytes_at ip.core 0x5008 4)" = 07000000 ] && ok "inject: --in-place" || not_ok "inject: --in-place" "rc $RC"
run "$INJ" e4.core -o e4.core --write-u32 pa:0x4008=7
expect "inject: output == input refused" 1 "input itself"
run "$INJ" e4.core --write-u32 pa:0x4008=7
expect "inject: writing needs -o or --in-place" 1 "needs --output"
run "$INJ" e4.core -o x.core --write-u32 pa:0x4008=0x100000000
expect "inject: value too wide for u32" 1 "does not fit"
run "$INJ" e4.core -o x.core --write-bytes pa:0x4008=abc
expect "inject: odd hex string" 1 "even number"
run "$INJ" e4.core -o t.core --truncate -4096
[ "$RC" = 0 ] && [ "$(stat -c %s t.core)" = $((SZ - 4096)) ] && ok "inject: --truncate -4096" || not_ok "inject: --truncate -4096" "rc $RC"
run "$ID" t.core
expect "inject+id: truncated copy detected" 2 "truncated"
run "$INJ" e4.core -o t2.core --truncate 1M --write-u32 ffffffff82000010=1
expect "inject: write into the truncated part exits 3" 3 "cut by --truncate"
run "$INJ" e4.core -o t3.core --truncate 2G
expect "inject: --truncate larger than the dump" 1 "larger than the dump"
run "$INJ" --vmlinux vmlinux.good e4.core --va-to-pa test_var --read-u64 page_offset_base --va-to-pa "sym:test_var+0x8"
expect "inject: --vmlinux symbols exit 0" 0
grep_out "inject: page_offset_base read through the vmlinux" "^page_offset_base=$POB4 \(page_offset_base \(vmlinux\)\)"
grep_out "inject: symbol + KERNELOFFSET" "^va=0xffffffff82100100 pa=0x1100100 method=text"
grep_out "inject: symbol+offset" "^va=0xffffffff82100108 pa=0x1100108"
grep_out "inject: --read-u64 of a symbol" ": u64 $POB4$"
run "$INJ" e4.core --va-to-pa no_such_symbol
expect "inject: symbol without --vmlinux" 3 "need --vmlinux"
run "$INJ" --vmlinux vmlinux.good e4.core --va-to-pa no_such_symbol
expect "inject: unknown symbol" 3 "not found"
run "$INJ" nopgt.core --va-to-pa "$(hex $((POB4 + 0x4008)))" --va-to-pa "$(hex $((VMA4 + 0x10)))"
expect "inject: no page tables: vmalloc fails" 3 "no page-table walk"
grep_out "inject: page_offset_base from PT_LOAD p_vaddr" "^page_offset_base=$POB4 \(PT_LOAD p_vaddr\)"
grep_out "inject: direct map without page tables" "pa=0x4008 method=direct"
run "$INJ" e4.core --page-offset ffff9b4a3ff00000 --va-to-pa ffff9b4a40004008
grep_out "inject: --page-offset overrides" "pa=0x104008 method=direct walk_pa=0x4008 walk=DIFFERS file_offset=none"
run "$INJ" k.kdump --va-to-pa ffffffff82000010
expect "inject: kdump input refused" 2 "cannot be patched"
run "$INJ" novmci.core --va-to-pa ffffffff82000010
expect "inject: no VMCOREINFO exits 2" 2 "no VMCOREINFO"
run "$INJ" random.bin --va-to-pa ffffffff82000010
expect "inject: not an ELF core exits 2" 2 "not an ELF core"
run "$INJ" e4.core
expect "inject: nothing to do is a usage error" 1 "nothing to do"

# =================================================================== fuzz
FUZZ=${TOOLS_FUZZ:-120}
if [ "$FUZZ" -gt 0 ]; then
    FID=$ID FINJ=$INJ san=""
    if [ "${TOOLS_ASAN:-1}" = 1 ] &&
       gcc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -I"$TOOLS" -o "$TMP/id-asan" \
           "$TOOLS/vmcore-id.c" "$TOOLS/dumpid.c" -lelf -lz 2>/dev/null &&
       gcc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -I"$TOOLS" -o "$TMP/inj-asan" \
           "$TOOLS/vmcore-inject.c" "$TOOLS/dumpid.c" -lelf -lz 2>/dev/null; then
        FID=$TMP/id-asan FINJ=$TMP/inj-asan san=" (ASan/UBSan)"
        export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99 UBSAN_OPTIONS=exitcode=98
    fi
    # fuzz_id NAME FILE LIMIT: mutate copies below LIMIT, exit must be 0 or 2
    fuzz_id() {
        local name=$1 src=$2 limit=$3 bad="" i rc
        for ((i = 1; i <= FUZZ; i++)); do
            cp "$src" fz.bin
            "$MK" mutate fz.bin "$i" $((1 + i % 12)) "$limit"
            timeout 20 "$FID" fz.bin --match sub >fz.out 2>fz.err; rc=$?
            case $rc in 0|2|3) ;; *) bad="seed $i: exit $rc $(head -c 200 fz.err | tr '\n' ' ')"; break ;; esac
        done
        if [ -z "$bad" ]; then ok "fuzz$san: vmcore-id on $FUZZ mutated $name"; else not_ok "fuzz$san: vmcore-id on mutated $name" "$bad"; fi
    }
    fuzz_id "ELF cores" e4.core 12288
    fuzz_id "kdump files" k.kdump 20480
    fuzz_id "flattened files" k.flat 12288
    bad=""
    for f in e4.core k.kdump k.flat; do
        sz=$(stat -c %s $f)
        for ((n = 0; n < 24576 && n < sz; n += 61)); do
            head -c $n $f >fz.bin
            timeout 20 "$FID" fz.bin >fz.out 2>fz.err; rc=$?
            if [ $rc != 2 ]; then bad="$f cut at $n: exit $rc $(head -c 200 fz.err | tr '\n' ' ')"; break 2; fi
        done
    done
    if [ -z "$bad" ]; then ok "fuzz$san: vmcore-id on truncations (every 61 bytes) exits 2"; else not_ok "fuzz$san: vmcore-id on truncations" "$bad"; fi
    bad=""
    for ((i = 1; i <= FUZZ / 2; i++)); do
        head -c $((i * 997)) /dev/urandom >fz.bin
        case $((i % 3)) in
        0) printf '\177ELF\002\001\001' | dd of=fz.bin conv=notrunc status=none ;;
        1) printf 'KDUMP   \006\000\000\000' | dd of=fz.bin conv=notrunc status=none ;;
        2) printf 'makedumpfile\0\0\0\0\0\0\0\0\0\0\0\001' | dd of=fz.bin conv=notrunc status=none ;;
        esac
        timeout 20 "$FID" fz.bin >fz.out 2>fz.err; rc=$?
        case $rc in 0|2) ;; *) bad="random $i: exit $rc $(head -c 200 fz.err | tr '\n' ' ')"; break ;; esac
    done
    if [ -z "$bad" ]; then ok "fuzz$san: vmcore-id on random bytes behind valid magics"; else not_ok "fuzz$san: vmcore-id on random bytes" "$bad"; fi
    # vmcore-inject: headers, notes and page tables (file 0x11000-0x21000,
    # top table at 0x111000) mutated; translate and read several addresses
    bad=""
    for ((i = 1; i <= FUZZ; i++)); do
        if ((i % 3)); then cp e4.core fz.bin; pob=$POB4 vma=$VMA4; else cp e5.core fz.bin; pob=$POB5 vma=$VMA5; fi
        if ((i % 2)); then "$MK" mutate fz.bin "$i" $((1 + i % 16)) 0x22000
        else "$MK" mutate fz.bin "$i" $((1 + i % 16)) 0x112000 0x111000; fi
        timeout 30 "$FINJ" fz.bin --va-to-pa "$(hex $((pob + 0x4008)))" --va-to-pa "$(hex $((vma + 0x1010)))" \
            --read-u64 ffffffff82000010 --va-to-pa "$(hex $((vma + 0x123000)))" >fz.out 2>fz.err; rc=$?
        case $rc in 0|2|3) ;; *) bad="seed $i: exit $rc $(head -c 200 fz.err | tr '\n' ' ')"; break ;; esac
    done
    if [ -z "$bad" ]; then ok "fuzz$san: vmcore-inject on $FUZZ mutated 4- and 5-level ELF cores"; else not_ok "fuzz$san: vmcore-inject on mutated ELF cores" "$bad"; fi
    rm -f fz.bin fz.out fz.err
fi

# ============================================================= real dumps
real_list=""
if [ "${TOOLS_REAL:-1}" = 1 ] && [ -x "$ROOT/testdumps/dumps.sh" ]; then
    real_list=$("$ROOT/testdumps/dumps.sh" list 2>/dev/null || true)
fi
[ -n "$real_list" ] || echo "# no real dumps (testdumps/dumps.sh list is empty or TOOLS_REAL=0)"
have_crash=0
if [ "${TOOLS_CRASH:-1}" = 1 ] && [ -x "$CRASH" ]; then have_crash=1
elif [ -n "$real_list" ]; then echo "# crash checks skipped (no $CRASH or TOOLS_CRASH=0)"; fi

# crash_out FILE CMD...: the value in crash's `vtop ADDR` output for ADDR
vtop_pa() { awk -v a="$2" 'prev ~ /^VIRTUAL +PHYSICAL/ && $1 == a {print $2; exit} {prev = $0}' "$1"; }

while read -r tag mode fmt vmlinux vmcore manifest; do
    [ -n "$tag" ] || continue
    t="$tag/$mode/$fmt"
    rel=$(sed -n 's/^ *"kernel_release": *"\([^"]*\)".*/\1/p' "$manifest" | head -n 1)
    run "$ID" "$vmcore"
    if [ "$RC" = 0 ] && [ -n "$rel" ] && [ "$(kv "$OUT" OSRELEASE)" = "$rel" ]; then
        ok "real $t: vmcore-id release $rel matches the manifest"
    else
        not_ok "real $t: vmcore-id release matches the manifest" "rc $RC, OSRELEASE '$(kv "$OUT" OSRELEASE)', manifest '$rel'"
    fi
    f=$(kv "$OUT" format)
    case $fmt:$f in elf:elf|kdump:kdump-flat|kdump:kdump) ok "real $t: format=$f" ;; *) not_ok "real $t: format" "format=$f" ;; esac
    bid=$(kv "$OUT" BUILD-ID)
    run "$ID" "$vmcore" --match "$(dirname "$vmlinux")"
    got=$(kv "$OUT" vmlinux)
    if [ "$RC" = 0 ] && [ "$(realpath "$got" 2>/dev/null)" = "$(realpath "$vmlinux")" ]; then
        ok "real $t: --match finds $vmlinux ($(kv "$OUT" vmlinux_verified))"
    else
        not_ok "real $t: --match finds the vmlinux" "rc $RC, vmlinux='$got': $(head -c 300 "$ERR")"
    fi
    if [ "$fmt" = kdump ] && [ "$f" = kdump-flat ] && command -v makedumpfile >/dev/null; then
        if makedumpfile -R "$TMP/rebuilt" <"$vmcore" >/dev/null 2>&1; then
            run "$ID" "$TMP/rebuilt"
            if [ "$RC" = 0 ] && [ "$(kv "$OUT" format)" = kdump ] && [ "$(kv "$OUT" OSRELEASE)" = "$rel" ] &&
               [ "$(kv "$OUT" BUILD-ID)" = "$bid" ]; then
                ok "real $t: makedumpfile -R copy identified the same (format=kdump)"
            else
                not_ok "real $t: makedumpfile -R copy identified the same" "rc $RC $(head -c 200 "$ERR")"
            fi
            same_vmci "real $t: makedumpfile -R copy: VMCOREINFO equals libkdumpfile's" "$TMP/rebuilt"
        else
            not_ok "real $t: makedumpfile -R" "failed"
        fi
        rm -f "$TMP/rebuilt"
    fi
    if [ "$fmt" = kdump ] && [ -z "${did_trunc_kdump:-}" ]; then
        did_trunc_kdump=1
        head -c $(($(stat -c %s "$vmcore") / 2)) "$vmcore" >"$TMP/trunc.kdump"
        run "$ID" "$TMP/trunc.kdump"
        expect "real $t: half of the file is reported truncated (exit 2)" 2 "truncated"
        rm -f "$TMP/trunc.kdump"
    fi
    [ "$fmt" = elf ] || continue
    same_vmci "real $t: VMCOREINFO equals libkdumpfile's" "$vmcore"
    if [ -z "${did_trunc_elf:-}" ]; then
        did_trunc_elf=1
        run "$INJ" -q "$vmcore" -o "$TMP/trunc.core" --truncate -1M
        run "$ID" "$TMP/trunc.core"
        expect "real $t: copy cut by 1 MiB (vmcore-inject --truncate) is reported truncated (exit 2)" 2 "truncated"
        has "real $t: the truncated copy is still identified" OSRELEASE "$rel"
        # the sizes behind it: what the last PT_LOAD needs (offset+filesz,
        # readelf's view of the uncut file) and what the cut file has
        need=$(readelf -lW "$vmcore" | awk '$1 == "LOAD" { e = strtonum($2) + strtonum($5); if (e > m) m = e } END { printf "%d", m }')
        has "real $t: truncated_expected_size = the last PT_LOAD's offset+filesz (readelf)" truncated_expected_size "$need"
        has "real $t: truncated_actual_size = the cut file's size" truncated_actual_size "$(stat -c %s "$TMP/trunc.core")"
        rm -f "$TMP/trunc.core"
    fi
    run "$INJ" "$vmcore" --va-to-pa ffffffff81000000
    pob_pt=$(sed -n 's/^page_offset_base=\(0x[0-9a-f]*\) (page-tables)$/\1/p' "$OUT")
    run "$INJ" --vmlinux "$vmlinux" "$vmcore" --va-to-pa init_mm
    pob_var=$(sed -n 's/^page_offset_base=\(0x[0-9a-f]*\) (page_offset_base (vmlinux))$/\1/p' "$OUT")
    initmm_ours=$(sed -n 's/^va=0x\([0-9a-f]*\) pa=.*/\1/p' "$OUT")
    if [ -n "$pob_pt" ] && [ "$pob_pt" = "$pob_var" ]; then
        ok "real $t: page_offset_base from the page tables ($pob_pt) = the kernel's variable"
    else
        not_ok "real $t: page_offset_base from the page tables = the kernel's variable" "page tables '$pob_pt', variable '$pob_var'"
    fi
    [ $have_crash = 1 ] || continue

    # crash round 1 (original): pid 1's mm and stack, init_mm, mm_count offset
    printf 'task -R mm,stack 1\nsym init_mm\nstruct mm_struct.mm_count -o\n' |
        run_crash "$vmlinux" "$vmcore" "$TMP/crash1.out"
    mm=$(sed -n 's/^ *mm = 0x\([0-9a-f]*\),.*/\1/p' "$TMP/crash1.out" | head -n 1)
    stack=$(sed -n 's/^ *stack = 0x\([0-9a-f]*\),.*/\1/p' "$TMP/crash1.out" | head -n 1)
    initmm=$(awk '$3 == "init_mm" {print $1; exit}' "$TMP/crash1.out")
    mmoff=$(sed -n 's/^ *\[\(0x[0-9a-f]*\|[0-9]*\)\] *atomic_t mm_count;.*/\1/p' "$TMP/crash1.out" | head -n 1)
    if [ -z "$mm" ] || [ -z "$initmm" ] || [ -z "$mmoff" ] || [ -z "$stack" ]; then
        not_ok "real $t: crash gives pid 1's mm, stack, init_mm, mm_count offset" \
            "mm='$mm' stack='$stack' init_mm='$initmm' off='$mmoff': $(head -c 300 "$TMP/crash1.out" | tr '\n' ' ')"
        continue
    fi
    if [ "$initmm" = "$initmm_ours" ]; then ok "real $t: --vmlinux init_mm + KERNELOFFSET = crash's sym ($initmm)"
    else not_ok "real $t: --vmlinux init_mm + KERNELOFFSET = crash's sym" "ours '$initmm_ours', crash '$initmm'"; fi
    run "$INJ" "$vmcore" --va-to-pa "$mm" --va-to-pa "$initmm" --va-to-pa "$stack" --read-u32 "$(hex $((0x$mm + mmoff)))"
    if [ "$RC" != 0 ]; then not_ok "real $t: vmcore-inject --va-to-pa" "rc $RC: $(head -c 300 "$ERR")"; continue; fi
    ours_mm=$(sed -n "s/^va=0x$mm pa=0x\([0-9a-f]*\) method=direct .*walk=agrees.*/\1/p" "$OUT")
    ours_init=$(sed -n "s/^va=0x$initmm pa=0x\([0-9a-f]*\) method=text .*walk=agrees.*/\1/p" "$OUT")
    ours_stack=$(sed -n "s/^va=0x$stack pa=0x\([0-9a-f]*\) method=walk .*/\1/p" "$OUT")
    old=$(sed -n 's/^read .*: u32 0x\([0-9a-f]*\)$/\1/p' "$OUT")
    new=$(( (0x${old:-0} + 1000) & 0x7fffffff ))
    P=$TMP/patched.core
    run "$INJ" "$vmcore" -o "$P" --write-u32 "$(hex $((0x$mm + mmoff)))=$new"
    [ "$RC" = 0 ] || { not_ok "real $t: vmcore-inject patches mm_count" "rc $RC: $(head -c 300 "$ERR")"; rm -f "$P"; continue; }
    # crash round 2 (patched copy): vtop of the three addresses, mm_count
    printf 'vtop %s\nvtop %s\nvtop %s\nstruct mm_struct.mm_count %s\n' "$mm" "$initmm" "$stack" "$mm" |
        run_crash "$vmlinux" "$P" "$TMP/crash2.out"
    rm -f "$P"
    c_mm=$(vtop_pa "$TMP/crash2.out" "$mm")
    c_init=$(vtop_pa "$TMP/crash2.out" "$initmm")
    c_stack=$(vtop_pa "$TMP/crash2.out" "$stack")
    c_cnt=$(sed -n 's/^ *counter = \(-\{0,1\}[0-9]*\).*/\1/p' "$TMP/crash2.out" | head -n 1)
    if [ -n "$ours_mm" ] && [ "$ours_mm" = "$c_mm" ]; then ok "real $t: direct-map mm_struct $mm -> pa $c_mm agrees with crash vtop"
    else not_ok "real $t: direct-map mm_struct agrees with crash vtop" "ours '$ours_mm', crash '$c_mm'"; fi
    if [ -n "$ours_init" ] && [ "$ours_init" = "$c_init" ]; then ok "real $t: kernel data init_mm $initmm -> pa $c_init agrees with crash vtop"
    else not_ok "real $t: init_mm agrees with crash vtop" "ours '$ours_init', crash '$c_init'"; fi
    if [ -n "$ours_stack" ] && [ "$ours_stack" = "$c_stack" ]; then ok "real $t: vmalloc stack $stack -> pa $c_stack (page walk) agrees with crash vtop"
    else not_ok "real $t: vmalloc stack agrees with crash vtop" "ours '$ours_stack', crash '$c_stack'"; fi
    if [ "$c_cnt" = "$new" ]; then ok "real $t: crash reads the injected mm_count $new (was $((0x${old:-0})))"
    else not_ok "real $t: crash reads the injected mm_count" "crash '$c_cnt', injected $new"; fi
done <<<"$real_list"

finish tools
