#!/usr/bin/env bash
# tests/run.sh - the whole test suite (what `make check` runs).
#   unit        crash-free core, synthetic layouts (no dump)
#   dsym        the direct front end's symbols/types (kallsyms + BTF from the
#               dump, or a vmlinux) vs crash's recorded answers on each kernel
#   tools       vmcore-id / vmcore-inject on synthetic and real dumps
#   foundation  the built crash opens all 12 real dumps; task counts match
#               the guest's own; the extension builds and loads
#   extension   every view on every real dump vs manifest and crash built-ins
#   direct      the direct command (build/mmaudit, no crash) vs the extension
#               inside crash: identical JSON of every view on every test and
#               scenario dump; bad input (not a dump, cut, no symbols, wrong
#               vmlinux) gives one line and exit 2
#   faults      fault-injected dumps and wrong inputs
#   flush       mmflush + TLB shootdown rules vs crash built-ins, stuck_flush/busy_flush scenarios
#   slab        the glue's slab classifier: unit tests on a fake crash, then
#               vs crash's kmem -S on each kernel and a real KFENCE pool
#   filtered    makedumpfile -d 31 copies of the live ELF dumps (zlib, LZO,
#               zstd, snappy; flattened too): missing pages are not
#               corruption (no bug the ELF dump lacks), crash reads every
#               compression, the audit equals the ELF dump's
#   batch       scripts/mmaudit-batch on the 12 dumps + filtered/compressed/
#               cut/bad files: vmlinux lookup (debuginfod), indexed vmlinux,
#               crash's ladder, JUnit/HTML; the default engine (the direct
#               command, crash as fallback) vs the extension inside crash
#   mutate      seeded mutation campaign (CI subset: ~300 mutations on the live
#               ELF dumps, extension built with ASan+UBSan; docs/robustness.md)
#   fuzz        libFuzzer on the crash-free core, bounded (tests/fuzz/run.sh
#               smoke: 20000 executions from -seed=1; docs/robustness.md)
#   package     the Debian package built, checked, installed (root), loaded by
#               crash -x and ~/.crashrc, purged; make install + CRASH_EXTENSIONS;
#               drop-in into ./extensions (README "Install")
#   crash9      crash 9.0.x (gdb 16) next to 8.0.6: the extension built for one
#               refuses the other in one line (both ways); foundation,
#               extension, flush under crash 9 on the 6.1 dumps (MMAUDIT_DUMP_TAGS;
#               make check-crash9: all kernels and more suites)
# Each suite prints "ok"/"not ok" lines and "<suite>: N passed, N failed".
# Set MMAUDIT_SUITES="unit foundation" to run a subset.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
suites=${MMAUDIT_SUITES:-unit dsym fuzz tools foundation extension direct faults slab filtered flush scenarios mutate batch package crash9}
total_p=0 total_f=0
log=$(mktemp -d)/suites
mkdir -p "$log"

need_dumps() {
    [ -n "${dumps_ready:-}" ] && return 0
    echo "== test dumps (cached; first run builds them, ~15-30 min)"
    if testdumps/dumps.sh make >&2; then dumps_ready=1; return 0; fi
    echo "not ok - test dumps could not be produced"; total_f=$((total_f + 1)); dumps_ready=failed
    return 1
}

run_suite() {
    local name=$1; shift
    echo "== $name"
    local t0=$SECONDS
    "$@" 2>&1 | tee "$log/$name.out"
    local line p f
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log/$name.out" | tail -n1)
    if [ -z "$line" ]; then
        echo "not ok - suite $name ended without a result line"; p=0 f=1
    else
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    fi
    echo "== $name took $((SECONDS - t0)) s"
    total_p=$((total_p + p)) total_f=$((total_f + f))
}

for s in $suites; do
    case $s in
        unit)       run_suite unit tests/run-unit.sh build/unit/test_* ;;
        dsym)       need_dumps && run_suite dsym tests/direct/run.sh ;;
        tools)      [ -x tests/tools/run.sh ] && { need_dumps; run_suite tools tests/tools/run.sh; } ;;
        foundation) need_dumps && run_suite foundation tests/foundation.py ;;
        extension)  need_dumps && run_suite extension tests/extension.py ;;
        direct)     need_dumps && run_suite direct tests/direct.py ;;
        faults)     [ -x tests/faults.py ] && need_dumps && run_suite faults tests/faults.py ;;
        slab)       need_dumps && run_suite slab tests/slab.py ;;
        filtered)   need_dumps && run_suite filtered tests/filtered.py ;;
        flush)      need_dumps && run_suite flush tests/flush.py ;;
        scenarios)  run_suite scenarios tests/scenarios.py ;;
        fuzz)       run_suite fuzz tests/fuzz/run.sh smoke ;;
        batch)      need_dumps && run_suite batch tests/batch.py ;;
        mutate)     need_dumps && run_suite mutate tests/mutate.py --ci --asan ;;
        package)    need_dumps && run_suite package tests/package.py ;;
        crash9)     need_dumps && run_suite crash9 tests/crash9.py ;;
        
        *) echo "unknown suite $s"; total_f=$((total_f + 1)) ;;
    esac
done
echo
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
