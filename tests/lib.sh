# tests/lib.sh - shared helpers for the shell test suites (sourced).
# Every check prints one line "ok - name" or "not ok - name: why".
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}
CRASH=${CRASH:-$CACHE/crash-8.0.6/crash}
SO=${MMAUDIT_SO:-$ROOT/build/mmaudit.so}
T_PASS=0 T_FAIL=0

ok()     { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $1${2:+: $2}"; }
check()  { # check NAME CMD... : ok when CMD succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
finish() { echo "$1: $T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }

# run_crash VMLINUX VMCORE OUTFILE < commands
# Runs the real crash non-interactively; stdout+stderr to OUTFILE; bounded.
run_crash() {
    local vmlinux=$1 vmcore=$2 out=$3
    { cat; echo q; } | timeout "${CRASH_TIMEOUT:-600}" "$CRASH" -s --no_crashrc "$vmlinux" "$vmcore" >"$out" 2>&1
}
