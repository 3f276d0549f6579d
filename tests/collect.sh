#!/usr/bin/env bash
# collect.sh TAG MODE FMT VMLINUX VMCORE - run the real crash ONCE on a dump
# with every command the dump-based suites need, each redirected inside crash
# to its own file, and print the directory holding them.  Results are cached
# in build/test-out/<tag>-<mode>-<fmt>/ and reused while the dump, the crash
# binary and the extension are unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
tag=$1 mode=$2 fmt=$3 vmlinux=$4 vmcore=$5
out=$ROOT/build/test-out/$tag-$mode-$fmt
# another crash or extension (make check-crash9, the asan .so): its own
# directory, so that runs with different ones do not evict each other
[ "$CRASH" = "$CACHE/crash-8.0.6/crash" ] && [ "$SO" = "$ROOT/build/mmaudit.so" ] ||
    out=$out-$(echo "$CRASH $SO" | md5sum | cut -c1-8)
key=$( { stat -c '%n %s %Y' "$vmcore" "$CRASH"; [ -f "$SO" ] && md5sum "$SO"; md5sum "$0"; } 2>/dev/null | md5sum | cut -c1-16)
if [ -f "$out/.key" ] && [ "$(cat "$out/.key")" = "$key" ]; then echo "$out"; exit 0; fi
rm -rf "$out"; mkdir -p "$out"
cmds=$out/commands
{
    echo "sys > $out/sys.txt"
    echo "ps > $out/ps.txt"
    if [ -f "$SO" ]; then
        echo "extend $SO > $out/extend.txt"
        for v in mmtask mmlist mmcpu mmcheck; do
            echo "$v > $out/$v.txt"
            echo "$v -j > $out/$v.json"
        done
        echo "mmtask -b > $out/mmtask-b.txt"
        echo "mmtask | grep mmw- > $out/mmtask-pipe.txt"
        for v in mmtask mmlist mmcpu mmcheck mmmask; do echo "help $v > $out/help-$v.txt"; done
    fi
} > "$cmds"
t0=$(date +%s.%N)
run_crash "$vmlinux" "$vmcore" "$out/crash.log" < "$cmds" || echo "crash exit $?" >> "$out/crash.log"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f\n", b - a}' > "$out/seconds"
echo "$key" > "$out/.key"
echo "$out"
