#!/usr/bin/python3
"""drgn_truth.py VMLINUX VMCORE - an independent reading of a dump with drgn.

Prints JSON: every task (including each possible CPU's idle task) with pid,
tgid, comm, flags, task address, mm, active_mm; every mm reachable from them
or from a CPU's cpu_tlbstate.loaded_mm, with mm_users and mm_count; per CPU:
current task, idle task, loaded_mm and is_lazy (where they exist).
Used by the tests as ground truth independent of crash and of mmaudit.
Needs bookworm's python3-drgn; ELF dumps only (DRGN_USE_LIBKDUMPFILE_FOR_ELF=1
is set for drgn 0.0.22).
"""
import json
import os
import sys

os.environ.setdefault("DRGN_USE_LIBKDUMPFILE_FOR_ELF", "1")
import drgn  # noqa: E402
from drgn.helpers.linux.cpumask import for_each_online_cpu, for_each_possible_cpu  # noqa: E402
from drgn.helpers.linux.percpu import per_cpu  # noqa: E402
from drgn.helpers.linux.pid import for_each_task  # noqa: E402


def has_member(obj, name):
    try:
        obj.member_(name)
        return True
    except LookupError:
        return False


def main():
    prog = drgn.Program()
    prog.set_core_dump(sys.argv[2])
    prog.load_debug_info([sys.argv[1]])
    tasks, mms = {}, {}

    def add_mm(p):
        a = p.value_()
        if a and a not in mms:
            m = drgn.Object(prog, "struct mm_struct *", value=a)
            try:
                mms[a] = {"mm_users": m.mm_users.counter.value_(), "mm_count": m.mm_count.counter.value_()}
            except drgn.FaultError:
                mms[a] = {"error": "unreadable"}

    def add_task(t, idle_cpu=None):
        a = t.value_()
        if a in tasks:
            if idle_cpu is not None:
                tasks[a]["idle_cpu"] = idle_cpu
            return
        tasks[a] = {
            "addr": a, "pid": t.pid.value_(), "tgid": t.tgid.value_(),
            "comm": t.comm.string_().decode("utf-8", "replace"),
            "flags": t.flags.value_(), "mm": t.mm.value_(), "active_mm": t.active_mm.value_(),
            "exit_state": t.exit_state.value_(),
        }
        if idle_cpu is not None:
            tasks[a]["idle_cpu"] = idle_cpu
        add_mm(t.mm)
        add_mm(t.active_mm)

    for t in for_each_task(prog):
        add_task(t)
    cpus = {}
    online = set(for_each_online_cpu(prog))
    shared = None
    try:
        prog["cpu_tlbstate_shared"]
        shared = "cpu_tlbstate_shared"
    except KeyError:
        pass
    for cpu in for_each_possible_cpu(prog):
        rq = per_cpu(prog["runqueues"], cpu)
        c = {"online": cpu in online, "curr": rq.curr.value_(), "idle": rq.idle.value_()}
        if rq.idle.value_():
            add_task(rq.idle, idle_cpu=cpu)
        if rq.curr.value_():
            add_task(rq.curr)
        try:
            ts = per_cpu(prog["cpu_tlbstate"], cpu)
            c["loaded_mm"] = ts.loaded_mm.value_()
            add_mm(ts.loaded_mm)
            if has_member(ts, "is_lazy"):
                c["is_lazy"] = bool(ts.is_lazy.value_())
            elif shared:
                c["is_lazy"] = bool(per_cpu(prog[shared], cpu).is_lazy.value_())
        except KeyError:
            pass
        cpus[cpu] = c
    out = {
        "nr_cpu_ids": prog["nr_cpu_ids"].value_(),
        "init_mm": prog["init_mm"].address_,
        "tasks": sorted(tasks.values(), key=lambda x: (x["pid"], x["addr"])),
        "mms": {"%#x" % k: v for k, v in sorted(mms.items())},
        "cpus": {str(k): v for k, v in sorted(cpus.items())},
    }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
