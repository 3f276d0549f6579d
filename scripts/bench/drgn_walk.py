#!/usr/bin/python3
"""drgn_walk.py VMLINUX VMCORE - the drgn equivalent of the mmaudit benchmark.

Reads every task's mm and active_mm (drgn's for_each_task: the task list,
plus each possible CPU's idle task, which the list does not hold; mmaudit
counts them too) and every distinct mm's mm_users and mm_count, and prints one JSON line:
counts plus timings in seconds:
  import   python start -> drgn imported (measured from interpreter start)
  setup    Program(), set_core_dump(), load_debug_info()
  walk     the walk itself (tasks + mms): "excluding drgn start-up"
  total    interpreter start -> end of the walk
Part of scripts/bench.sh; ELF dumps only with bookworm's drgn 0.0.22
(DRGN_USE_LIBKDUMPFILE_FOR_ELF=1 is set here, as in tests/drgn_truth.py).
"""
import json
import os
import sys
import time

T_START = time.monotonic()
os.environ.setdefault("DRGN_USE_LIBKDUMPFILE_FOR_ELF", "1")
import drgn  # noqa: E402
from drgn.helpers.linux.cpumask import for_each_possible_cpu  # noqa: E402
from drgn.helpers.linux.percpu import per_cpu  # noqa: E402
from drgn.helpers.linux.pid import for_each_task  # noqa: E402


def main():
    # Python's own start-up (before this file runs) is not visible here; the
    # driver measures the process wall time and reports both.
    t_import = time.monotonic()
    prog = drgn.Program()
    prog.set_core_dump(sys.argv[2])
    prog.load_debug_info([sys.argv[1]])
    t_setup = time.monotonic()

    ntasks = 0
    mms = set()
    pairs = []

    def tasks():
        yield from for_each_task(prog)
        rq = prog["runqueues"]
        for cpu in for_each_possible_cpu(prog):
            yield per_cpu(rq, cpu).idle

    for t in tasks():
        mm = t.mm.value_()
        amm = t.active_mm.value_()
        pairs.append((t.pid.value_(), mm, amm))
        ntasks += 1
        if mm:
            mms.add(mm)
        if amm:
            mms.add(amm)
    t_tasks = time.monotonic()

    counts = {}
    bad = 0
    mm_type = prog.type("struct mm_struct *")
    for a in sorted(mms):
        m = drgn.Object(prog, mm_type, value=a)
        try:
            counts[a] = (m.mm_users.counter.value_(), m.mm_count.counter.value_())
        except drgn.FaultError:
            bad += 1
    t_end = time.monotonic()

    print(json.dumps({
        "tasks": ntasks, "mms": len(mms), "unreadable_mms": bad,
        "borrowed": sum(1 for _, mm, amm in pairs if not mm and amm),
        "drgn": drgn.__version__,
        "import": round(t_import - T_START, 4),
        "setup": round(t_setup - t_import, 4),
        "walk_tasks": round(t_tasks - t_setup, 4),
        "walk_mms": round(t_end - t_tasks, 4),
        "walk": round(t_end - t_setup, 4),
        "total": round(t_end - T_START, 4),
    }))


if __name__ == "__main__":
    main()
