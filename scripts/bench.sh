#!/bin/bash
# scripts/bench.sh - reproduce the mmaudit benchmark and write docs/benchmarks.md
#
#   scripts/bench.sh               full run (3 repetitions, medians; ~1 h on 2 cores,
#                                  25 min of it the bounded full `foreach task -R` run)
#   scripts/bench.sh --quick       1 repetition, no full foreach run (a few minutes)
#   scripts/bench.sh --out -       print the markdown instead of writing the doc
#   scripts/bench.sh --help        all options (phases, repetitions, subset, timeouts)
#   scripts/bench.sh --render $MMAUDIT_CACHE/bench/<run>/results.json   re-render only
#
# It builds what it needs first (the extension with `make`, build/vmcore-id with
# `make tools`, the dumps with testdumps/dumps.sh make / make-bench: all cached), then
# runs scripts/bench/bench.py with the system python (bookworm's python3-drgn).
# A benchmark, not a test: it exits 0 whatever the numbers are; non-zero only when
# it could not run. Set MMAUDIT_BENCH_NO_MAKE=1 (or pass --no-make) to measure the
# build/mmaudit.so as it is without rebuilding it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

no_make=${MMAUDIT_BENCH_NO_MAKE:-0}
args=()
render=0
for a in "$@"; do
	case $a in
	--no-make) no_make=1 ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; echo
		exec /usr/bin/python3 scripts/bench/bench.py --help ;;
	--render|--render=*) render=1; args+=("$a") ;;
	*) args+=("$a") ;;
	esac
done

if [ "$render" = 0 ]; then
	command -v /usr/bin/python3 >/dev/null || { echo "bench: /usr/bin/python3 needed" >&2; exit 2; }
	/usr/bin/python3 -c 'import drgn' 2>/dev/null ||
		echo "bench: python3-drgn not importable: the drgn phase will fail (apt-get install python3-drgn)" >&2
	if [ "$no_make" = 0 ]; then
		echo "bench: make (extension) and make tools (vmcore-id)" >&2
		make -s >&2
		[ -x build/vmcore-id ] || make -s tools >&2
	fi
	[ -f build/mmaudit.so ] || { echo "bench: build/mmaudit.so missing (run make)" >&2; exit 2; }
	echo "bench: dumps (cached)" >&2
	testdumps/dumps.sh make >&2
	testdumps/dumps.sh make-bench >&2
fi
exec /usr/bin/python3 scripts/bench/bench.py "${args[@]}"
