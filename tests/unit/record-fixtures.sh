#!/usr/bin/env bash
# record-fixtures.sh [TAG...] - record the unit-test fixtures from the REAL
# crash: for each test kernel (default: every tag of `testdumps/dumps.sh
# list`), run crash on its live ELF dump, load build/mmaudit.so and run the
# hidden `mmaudit -R`, which writes every type/symbol question the core asks
# (layout + model build + fixed probes) with crash's answer.  Before a
# fixture replaces tests/unit/fixtures/<tag>.txt it is cross-checked
# against crash's own commands on the same dump:
#   struct -o mm_struct / tlb_state(_shared)   offsets of the members used
#   whatis cpumask_var_t / atomic_t             the typedef resolution
# Prints "ok - ..." / "not ok - ..." lines; exit 1 if any check failed (then
# no fixture of that tag is replaced).  Needs `make` (build/mmaudit.so),
# the cached crash and the test dumps (`make dumps`).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
FIX=$ROOT/tests/unit/fixtures
mkdir -p "$FIX"
[ -x "$CRASH" ] || { echo "no crash at $CRASH (make crash)"; exit 2; }
[ -f "$SO" ] || { echo "no $SO (make)"; exit 2; }
tags=("$@")
if [ ${#tags[@]} -eq 0 ]; then
    mapfile -t tags < <("$ROOT/testdumps/dumps.sh" list | awk '$2 == "live" && $3 == "elf" { print $1 }')
fi
[ ${#tags[@]} -gt 0 ] || { echo "no test dumps (make dumps)"; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# value of "KEY a b VALUE" in a fixture: fx FILE KEY A B
fx() { awk -v k="$2" -v a="$3" -v b="$4" '$1 == k && $2 == a && $3 == b { print $4; exit }' "$1"; }
# offset of member M in crash's `struct -o` output ("   [84] atomic_t mm_users;")
so() { sed -n "s/^ *\[\([0-9]*\)\] .*[ *]$2\(\[[0-9]*\]\)\{0,1\};\$/\1/p" "$1" | head -1; }

for tag in "${tags[@]}"; do
    read -r _ _ _ vmlinux vmcore _ < <("$ROOT/testdumps/dumps.sh" list | awk -v t="$tag" '$1 == t && $2 == "live" && $3 == "elf"')
    if [ -z "${vmcore:-}" ]; then not_ok "$tag: no live ELF dump"; continue; fi
    d=$work/$tag
    mkdir -p "$d"
    run_crash "$vmlinux" "$vmcore" "$d/crash.log" <<EOF
extend $SO
mmaudit -R $d/fixture.txt
struct -o mm_struct > $d/mm_struct.txt
struct -o tlb_state > $d/tlb_state.txt
struct -o tlb_state_shared > $d/tlb_state_shared.txt
whatis cpumask_var_t > $d/whatis-cpumask_var_t.txt
whatis atomic_t > $d/whatis-atomic_t.txt
EOF
    f=$d/fixture.txt
    before=$T_FAIL
    if [ ! -s "$f" ]; then
        not_ok "$tag: mmaudit -R wrote nothing" "$(tail -3 "$d/crash.log")"
        continue
    fi
    ok "$tag: recorded $(grep -vc '^#' "$f") answers"
    # the offsets the core uses equal crash's own struct -o
    for m in mm_users mm_count cpu_bitmap flexible_array cpu_vm_mask_var; do
        got=$(fx "$f" member_offset mm_struct $m)
        [ -n "$got" ] || continue
        want=$(so "$d/mm_struct.txt" $m)
        [ "$got" = -1 ] && [ -z "$want" ] && continue
        check "$tag: mm_struct.$m at $got as in struct -o ($want)" [ "$got" = "$want" ]
    done
    for s in tlb_state tlb_state_shared; do
        for m in loaded_mm is_lazy; do
            got=$(fx "$f" member_offset $s $m)
            [ -n "$got" ] && [ "$got" != -1 ] || continue
            want=$(so "$d/$s.txt" $m)
            check "$tag: $s.$m at $got as in struct -o ($want)" [ "$got" = "$want" ]
        done
    done
    # typedef resolution vs whatis (one level unrolled by gdb)
    td=$(awk '$1 == "typedef" && $2 == "cpumask_var_t" { print $3 }' "$f")
    # "} * cpumask_var_t;" (OFFSTACK) or "} cpumask_var_t[1];"
    if grep -q '\* *cpumask_var_t;' "$d/whatis-cpumask_var_t.txt"; then want=PTR
    elif grep -q 'cpumask_var_t\[1\];' "$d/whatis-cpumask_var_t.txt"; then want=ARRAY
    else want="?"; fi
    check "$tag: typedef cpumask_var_t $td, whatis says $want" [ "$td" = "$want" ]
    td=$(awk '$1 == "typedef" && $2 == "atomic_t" { print $3 }' "$f")
    grep -q '^} atomic_t;' "$d/whatis-atomic_t.txt" && want=STRUCT || want="?"
    check "$tag: typedef atomic_t $td, whatis says $want" [ "$td" = "$want" ]
    mt=$(awk '$1 == "member_type" && $2 == "mm_struct" && $3 == "mm_users" { print $4, $5 }' "$f")
    check "$tag: raw member_type mm_users is TYPEDEF atomic_t ($mt)" [ "$mt" = "TYPEDEF atomic_t" ]
    if [ "$T_FAIL" -eq "$before" ]; then
        cp "$f" "$FIX/$tag.txt"
        ok "$tag: tests/unit/fixtures/$tag.txt written"
    else
        not_ok "$tag: fixture not replaced" "crash log: $d/crash.log"
        cp -r "$d" "$ROOT/build/record-$tag" 2>/dev/null || true
    fi
done
finish record-fixtures
