#!/usr/bin/env bash
# run-unit.sh BIN... - run unit-test programs; each prints "ok - x" /
# "not ok - x" lines.  Prints a closing "N passed, N failed" line.
set -u
pass=0 fail=0
for b in "$@"; do
    out=$("$b" 2>&1); rc=$?
    printf '%s\n' "$out" | sed "s|^|[$(basename "$b")] |"
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $(basename "$b") exited $rc"; f=1
    fi
    pass=$((pass + p)) fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
