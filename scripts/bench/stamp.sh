#!/bin/sh
# stamp.sh LABEL PID - a time stamp taken from inside crash with `!`:
# wall clock (date +%s.%N) and the CPU time the crash process PID has used so
# far (sum of its threads' /proc/PID/task/*/schedstat run time, ns).
# Part of scripts/bench.sh. The shell's own cost is not crash's CPU time; its
# wall cost is measured by two stamps in a row and subtracted by the driver.
w=$(date +%s.%N)
c=$(cat /proc/"$2"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}')
echo "@@STAMP $1 $w ${c:-0}"
