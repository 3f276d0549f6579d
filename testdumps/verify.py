#!/usr/bin/python3
"""verify.py - cross-check one ELF test dump against its manifest with drgn.

usage: DRGN_USE_LIBKDUMPFILE_FOR_ELF=1 /usr/bin/python3 -m drgn -q \
           -c <mode>.elf -s vmlinux testdumps/verify.py <manifest.json>
   or: testdumps/dumps.sh verify   (all ELF dumps)

Checks, from kernel memory: the number of tasks on the task list equals the
manifest's tasks_total; every workload process exists with its comm, tgid
and thread count; tasks of one mm_group share one mm and different groups
have different mms; mm_users of each group equals its task count; the
zombie has no mm; the /proc/self/mem holder's mm has mm_count >= 2.
Prints per-CPU current tasks and the CPUs in each workload mm's cpumask.
Needs bookworm's python3-drgn (0.0.22) or newer.
"""
import json
import sys

from drgn import Object, cast
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu

prog = globals()["prog"]
man = json.load(open(sys.argv[1]))
errors = []


def err(msg):
    errors.append(msg)
    print("  MISMATCH:", msg)


tasks = {}
for t in for_each_task(prog):
    tasks[t.pid.value_()] = t
print(f"{man['kernel_release']} {man['mode']}: {len(tasks)} tasks on the task list, "
      f"manifest tasks_total {man['tasks_total']}")
if len(tasks) != man["tasks_total"]:
    err(f"task count {len(tasks)} != tasks_total {man['tasks_total']}")


def mm_cpus(mm):
    nr = prog["nr_cpu_ids"].value_()
    words = (nr + 63) // 64
    addr = mm.cpu_bitmap.address_
    data = prog.read(addr, words * 8)
    cpus = []
    for w in range(words):
        v = int.from_bytes(data[w * 8:w * 8 + 8], "little")
        cpus += [w * 64 + b for b in range(64) if v >> b & 1]
    return cpus


groups = {}
for p in man["processes"]:
    t = tasks.get(p["pid"])
    if t is None:
        err(f"pid {p['pid']} ({p['comm']}) not in dump")
        continue
    comm = t.comm.string_().decode()
    if comm != p["comm"]:
        err(f"pid {p['pid']}: comm {comm} != {p['comm']}")
    if t.tgid.value_() != p["tgid"]:
        err(f"pid {p['pid']}: tgid {t.tgid.value_()} != {p['tgid']}")
    nthreads = t.signal.nr_threads.value_()
    if p["role"] != "zombie" and nthreads != p["threads"]:
        err(f"pid {p['pid']}: nr_threads {nthreads} != {p['threads']}")
    for tid in p["tids"]:
        tt = tasks.get(tid)
        if tt is None:
            err(f"tid {tid} of {p['comm']} not in dump")
            continue
        mm = tt.mm.value_()
        if p["mm_group"] is None:
            if mm:
                err(f"{p['comm']} ({tid}) should have no mm")
            continue
        groups.setdefault(p["mm_group"], {}).setdefault(mm, []).append(tid)

mms = {}
for g, d in sorted(groups.items()):
    if len(d) != 1:
        err(f"mm_group {g} spans {len(d)} mms")
        continue
    (mm, tids), = d.items()
    if mm in mms:
        err(f"mm_groups {mms[mm]} and {g} share mm {mm:#x}")
    mms[mm] = g
    m = Object(prog, "struct mm_struct *", mm)
    users = m.mm_users.counter.value_()
    count = m.mm_count.counter.value_()
    names = sorted({tasks[t].comm.string_().decode() for t in tids})
    print(f"  group {g:2} mm {mm:#x} users {users:2} count {count} tasks {len(tids):2} "
          f"cpus {mm_cpus(m)} {','.join(names)[:60]}")
    if users != len(tids):
        err(f"mm_group {g}: mm_users {users} != {len(tids)} tasks")

mh = man["mem_holder"]
t = tasks.get(mh["pid"])
if t is not None and t.mm:
    if t.mm.mm_count.counter.value_() < 1 + mh["extra_mm_count"]:
        err(f"mem holder's mm_count {t.mm.mm_count.counter.value_()} < 2")

for cpu in for_each_online_cpu(prog):
    rq = per_cpu(prog["runqueues"], cpu)
    cur = rq.curr
    print(f"  cpu {cpu:2}: current pid {cur.pid.value_():4} {cur.comm.string_().decode():16} "
          f"mm {cur.mm.value_():#x} active_mm {cur.active_mm.value_():#x}")

print("  OK" if not errors else f"  {len(errors)} mismatches")
sys.exit(1 if errors else 0)
