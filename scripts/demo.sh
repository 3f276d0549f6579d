#!/usr/bin/env bash
# demo.sh - set everything up and audit the reference dump.
#
# Installs missing Debian packages, builds crash 8.0.6 into the cache (once),
# builds the extension, produces the reference vmcore (Debian bookworm
# 6.1 cloud kernel booted under QEMU, live snapshot, ELF; generated on first
# use and cached), then runs the extension's views inside the real crash and
# prints the report.  Usage: scripts/demo.sh [VMLINUX VMCORE]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh
crashdir=$(scripts/setup-crash.sh)
make -s all
if [ $# -ge 2 ]; then
    vmlinux=$1 vmcore=$2
else
    testdumps/dumps.sh make bookworm-6.1 >&2
    read -r _ _ _ vmlinux vmcore _ < <(testdumps/dumps.sh list | awk '$1=="bookworm-6.1" && $2=="live" && $3=="elf"')
fi
echo "== auditing $vmcore" >&2
echo "== with $vmlinux" >&2
"$crashdir/crash" -s --no_crashrc "$vmlinux" "$vmcore" <<EOC
extend $ROOT/build/mmaudit.so
mmcpu
mmlist
mmtask -b
mmcheck
q
EOC
