#!/usr/bin/env bash
# tests/fuzz/run.sh - the core's fuzz harness (tests/fuzz/fuzz_core.c) under
# libFuzzer with ASan and UBSan; docs/robustness.md "Fuzzed core".
#
#   run.sh smoke   bounded and reproducible (make fuzz-smoke, suite "fuzz" of
#                  tests/run.sh): every seed, then FUZZ_RUNS (20000)
#                  executions from -seed=1 on a fresh corpus; ends with
#                  "fuzz: N passed, N failed"
#   run.sh long    FUZZ_SECONDS (1800) with FUZZ_JOBS (2) workers on the
#                  kept corpus ($MMAUDIT_CACHE/fuzz/corpus), then coverage
#   run.sh cov     line/branch coverage of extensions/core/*.c by the seeds
#                  and the kept corpus (llvm-profdata, llvm-cov)
#
# The binaries come from make (fuzz-smoke, fuzz and fuzz-cov build them):
# build/fuzz/fuzz_core, build/fuzz/fuzz_core_cov, build/fuzz/mkseeds.
# A crash, leak, timeout (10 s), out-of-memory (1024 MB) or malformed JSON
# leaves its input in build/fuzz/artifacts/.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
B=${BUILD:-build}/fuzz
CACHE=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}
CORPUS=${FUZZ_CORPUS:-$CACHE/fuzz/corpus}
mode=${1:-smoke}
export MMAUDIT_FIXTURES=$ROOT/tests/unit/fixtures
# a small quarantine: the same bugs, a tenth of the memory, 30% faster
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=8:malloc_context_size=5}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
LIMITS=(-rss_limit_mb=1024 -timeout=10 -max_len=4096 -artifact_prefix="$ROOT/$B/artifacts/")
mkdir -p "$B/artifacts"
pass=0 fail=0

ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }

seeds() {
    rm -rf "$B/seeds" && mkdir -p "$B/seeds" && "$B/mkseeds" "$B/seeds" >/dev/null
}

# the numbers of a libFuzzer log: executions, exec/s, cov, ft, corpus
stats() {
    local log=$1
    local execs rate cov ft corp
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | awk '{s += $1} END {print s + 0}')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n1 | cut -d' ' -f2)
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n1 | cut -d' ' -f2)
    echo "executions $execs, exec/s $rate, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
}

report() {
    # a sanitizer report, a libFuzzer death or a malformed JSON document
    grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:|malformed JSON' "$1" | head -n 5
}

smoke() {
    local log=$B/smoke.log runs=${FUZZ_RUNS:-20000}
    for b in fuzz_core mkseeds; do
        [ -x "$B/$b" ] || { notok "$B/$b not built (make fuzz-smoke; clang: scripts/install-deps.sh)"; return; }
    done
    seeds || { notok "seed corpus not written"; return; }
    ok "seed corpus: $(ls "$B/seeds" | wc -l) inputs from tests/fuzz/mkseeds.c"
    if "$B/fuzz_core" "${LIMITS[@]}" -runs=0 "$B/seeds" >"$B/seeds.log" 2>&1 &&
       [ -z "$(report "$B/seeds.log")" ]; then
        ok "every seed runs clean (10 eras: 3 recorded, 7 synthetic)"
    else
        notok "a seed fails: $(report "$B/seeds.log" | head -n1)"
    fi
    rm -rf "$B/smoke-corpus" && mkdir -p "$B/smoke-corpus"
    if "$B/fuzz_core" "${LIMITS[@]}" -seed=1 -runs="$runs" -print_final_stats=1 \
        "$B/smoke-corpus" "$B/seeds" >"$log" 2>&1 && [ -z "$(report "$log")" ]; then
        ok "$runs executions from -seed=1: no crash, leak, timeout or sanitizer report ($(stats "$log"))"
    else
        notok "fuzzing found something (log $log, input in $B/artifacts/):"
        report "$log" | sed 's/^/#   /'
    fi
}

long() {
    local secs=${FUZZ_SECONDS:-1800} jobs=${FUZZ_JOBS:-2} log
    [ -x "$B/fuzz_core" ] && [ -x "$B/mkseeds" ] || { notok "make fuzz builds the harness first"; return; }
    seeds
    mkdir -p "$CORPUS"
    rm -f "$B"/fuzz-*.log
    echo "# $jobs worker(s) for $secs s on $CORPUS"
    (cd "$B" && ./fuzz_core "${LIMITS[@]}" -max_total_time="$secs" -print_final_stats=1 \
        -jobs="$jobs" -workers="$jobs" "$CORPUS" seeds >/dev/null 2>&1)
    log=$B/long.log
    cat "$B"/fuzz-*.log >"$log" 2>/dev/null
    if [ -s "$log" ] && [ -z "$(report "$log")" ]; then
        ok "$secs s x $jobs: no crash, leak, timeout or sanitizer report ($(stats "$log"), kept corpus $(ls "$CORPUS" | wc -l) inputs)"
    else
        notok "fuzzing found something (logs $B/fuzz-*.log, inputs in $B/artifacts/):"
        report "$log" | sed 's/^/#   /'
    fi
}

cov() {
    local prof=$B/cov profdata=$B/cov.profdata
    local pd llc
    pd=$(command -v llvm-profdata-14 || command -v llvm-profdata)
    llc=$(command -v llvm-cov-14 || command -v llvm-cov)
    [ -x "$B/fuzz_core_cov" ] && [ -n "$pd" ] && [ -n "$llc" ] || { notok "fuzz_core_cov, llvm-profdata, llvm-cov (make fuzz-cov; llvm-14)"; return; }
    [ -d "$B/seeds" ] || seeds
    rm -rf "$prof" && mkdir -p "$prof"
    dirs=("$B/seeds")
    [ -d "$CORPUS" ] && dirs+=("$CORPUS")
    [ -d "$B/smoke-corpus" ] && dirs+=("$B/smoke-corpus")
    LLVM_PROFILE_FILE="$prof/%p.profraw" "$B/fuzz_core_cov" -runs=0 "${LIMITS[@]}" "${dirs[@]}" >"$B/cov.log" 2>&1
    "$pd" merge -sparse "$prof"/*.profraw -o "$profdata" || { notok "llvm-profdata merge"; return; }
    "$llc" report "$B/fuzz_core_cov" -instr-profile="$profdata" extensions/core/*.c | tee "$B/coverage.txt"
    ok "coverage of extensions/core/*.c by $(find "${dirs[@]}" -type f | wc -l) inputs: $(awk '/^TOTAL/ {print "lines " $10 ", branches " $13}' "$B/coverage.txt") (table: $B/coverage.txt)"
}

case $mode in
    smoke) smoke ;;
    long) long; cov ;;
    cov) cov ;;
    *) echo "usage: $0 smoke|long|cov" >&2; exit 2 ;;
esac
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
