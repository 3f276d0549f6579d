#!/usr/bin/env bash
# tests/direct/run.sh - suite dsym: the direct front end's symbols/types
# layer (extensions/direct/dsym*.c) against the REAL crash's answers.
# For each test kernel with a fixture (tests/unit/fixtures/<tag>.txt,
# recorded from crash 8.0.6 by tests/unit/record-fixtures.sh) and a cached
# live ELF dump, build/direct/test_dsym checks:
#   - dsym_from_vmlinux (the fixture's KASLR offset) reproduces every type
#     and symbol answer of crash;
#   - dsym_from_dump (kallsyms + in-memory BTF, read with libkdumpfile)
#     does too - moved to the dump's own KASLR offset when the dump is of
#     another boot than the fixture - or refuses in one line when the
#     dump's VMCOREINFO has no kallsyms (5.10);
#   - every kallsyms symbol equals the vmlinux's .symtab symbol + offset;
#   - symbol_name and enumerators agree between the two sources, and
#     symbol_name names text addresses as crash's `sym` did
#     (tests/direct/fixtures/<tag>.symname, record-symnames.sh);
#   - every member offset, struct size and enumerator crash printed for
#     the structs the core and the slab walk read (<tag>.types,
#     record-types.sh);
#   - hostile dumps: each read of dsym_from_dump corrupted: no crash;
# and prints the construction times.  Needs the cached dumps (make dumps).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
BIN=$ROOT/build/direct/test_dsym
make -s -C "$ROOT" build/direct/test_dsym >&2 || { not_ok "build/direct/test_dsym does not build"; echo "dsym: $T_PASS passed, $T_FAIL failed"; exit 1; }

n=0
while read -r tag _ _ vmlinux vmcore _; do
    fix=$ROOT/tests/unit/fixtures/$tag.txt
    [ -f "$fix" ] || continue
    n=$((n + 1))
    sn=$ROOT/tests/direct/fixtures/$tag.symname
    [ -f "$sn" ] || sn=
    ty=$ROOT/tests/direct/fixtures/$tag.types
    [ -f "$ty" ] || ty=
    out=$("$BIN" "$fix" "$vmlinux" "$vmcore" "$sn" "$ty" 2>&1)
    rc=$?
    # the program's own ok/not ok lines, prefixed with the kernel
    while IFS= read -r line; do
        case $line in
            "ok - "*) ok "$tag: ${line#ok - }" ;;
            "not ok - "*) not_ok "$tag: ${line#not ok - }" ;;
            "# "*) echo "# $tag: ${line#\# }" ;;
            *) echo "# $tag: $line" ;;
        esac
    done <<<"$out"
    [ "$rc" -le 1 ] || not_ok "$tag: test_dsym exited $rc"
done < <("$ROOT/testdumps/dumps.sh" list | awk '$2 == "live" && $3 == "elf"')
[ "$n" -gt 0 ] || not_ok "no test kernel with a fixture and a live ELF dump (make dumps)"
echo "dsym: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" -eq 0 ]
