#!/usr/bin/env python3
"""The extension on every real dump, against three independent readings:
  - the guest's own manifest (what the workload created),
  - drgn (tests/drgn_truth.py) on the ELF dump of the same boot,
  - crash's built-in commands (`struct mm_struct`, `task -R`).
Healthy dumps must give zero bug findings."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import EXPECTED_TAGS, SO, Suite, cpulist, drgn_truth, dumps, h, parse_ps, run_crash  # noqa: E402


def check_dump(s, d):
    man = d.manifest
    j = {}
    for v in ("mmtask", "mmlist", "mmcpu", "mmcheck"):
        try:
            j[v] = d.json(v + ".json")
        except ValueError as e:
            j[v] = None
            s.not_ok("%s: %s -j is valid JSON" % (d.id, v), e)
            continue
        if not s.check(j[v] is not None and j[v].get("status") == "ok", "%s: %s -j status ok" % (d.id, v),
                       (d.text("crash.log") or "")[-300:]):
            j[v] = None
    if None in j.values():
        return
    tasks, mms, cpus, chk = j["mmtask"]["tasks"], j["mmlist"]["mms"], j["mmcpu"]["cpus"], j["mmcheck"]
    by_addr = {h(t["task"]): t for t in tasks}
    mm_by_addr = {h(m["mm"]): m for m in mms}

    # --- healthy: no bug findings, the summary line is there --------------
    bugs = [f for f in chk["findings"] if f["severity"] == "bug"]
    s.check(not bugs, "%s: healthy dump gives zero bug findings" % d.id, bugs[:3])
    s.check(re.search(r"^mmcheck: \d+ tasks, \d+ mms, \d+ cpus: \d+ bug, \d+ suspicious, \d+ info",
                      d.text("mmcheck.txt") or "", re.M) is not None, "%s: mmcheck prints its summary line" % d.id)

    # --- drgn ---------------------------------------------------------------
    try:
        tr = drgn_truth(d)
    except Exception as e:  # noqa: BLE001
        s.not_ok("%s: drgn reads the dump" % d.id, e)
        tr = None
    if tr:
        want = {t["addr"]: t for t in tr["tasks"]}
        s.eq(sorted(set(by_addr) - set(want)), [], "%s: no task that drgn does not know" % d.id)
        s.eq(sorted(set(want) - set(by_addr)), [], "%s: every task drgn finds, idle tasks included" % d.id)
        bad = [(hex(a), t["pid"]) for a, t in want.items() if a in by_addr and
               (h(by_addr[a]["mm"]), h(by_addr[a]["active_mm"]), by_addr[a]["pid"], by_addr[a]["tgid"]) !=
               (t["mm"], t["active_mm"], t["pid"], t["tgid"])]
        s.eq(bad, [], "%s: pid, tgid, mm, active_mm of every task equal drgn's" % d.id)
        dm = {int(k, 16): v for k, v in tr["mms"].items() if "mm_users" in v}
        s.eq(sorted(set(dm) - set(mm_by_addr)), [], "%s: every mm drgn reaches is listed" % d.id)
        bad = [hex(a) for a, v in dm.items() if a in mm_by_addr and
               (mm_by_addr[a]["mm_users"], mm_by_addr[a]["mm_count"]) != (v["mm_users"], v["mm_count"])]
        s.eq(bad, [], "%s: mm_users and mm_count of every mm equal drgn's" % d.id)
        s.eq(j["mmcpu"]["summary"]["nr_cpu_ids"], tr["nr_cpu_ids"], "%s: nr_cpu_ids equals drgn's" % d.id)
        bad = []
        for c in cpus:
            t = tr["cpus"].get(str(c["cpu"]))
            if t is None:
                continue
            if h(c.get("loaded_mm") or "0") != t.get("loaded_mm", 0) or \
                    ("is_lazy" in t and bool(c.get("is_lazy")) != t["is_lazy"]):
                bad.append(c["cpu"])
        s.eq(bad, [], "%s: loaded_mm and is_lazy of every CPU equal drgn's" % d.id)

    # --- manifest ------------------------------------------------------------
    procs = man["processes"]
    groups = {}
    for p in procs:
        mine = [t for t in tasks if t["tgid"] == p["pid"] and t["pid"] != 0]
        s.eq(len(mine), p["threads"], "%s: %s (pid %d) has %d threads" % (d.id, p["role"], p["pid"], p["threads"]))
        if p["role"] == "zombie":
            s.check(all(h(t["mm"]) == 0 for t in mine), "%s: the zombie has no mm" % d.id)
            continue
        ms = {h(t["mm"]) for t in mine}
        s.check(len(ms) == 1 and 0 not in ms, "%s: all threads of %s share one mm" % (d.id, p["role"]), ms)
        groups.setdefault(p["mm_group"], []).append((p, ms.pop() if ms else 0))
    seen = {}
    for g, members in groups.items():
        addrs = {a for _, a in members}
        s.check(len(addrs) == 1, "%s: mm_group %d is one mm" % (d.id, g), addrs)
        a = seen[g] = addrs.pop()
        m = mm_by_addr.get(a)
        if not s.check(m is not None, "%s: mm of group %d listed" % (d.id, g)):
            continue
        nthreads = sum(p["threads"] for p, _ in members)
        s.eq((m["mm_users"], m["tasks"]), (nthreads, nthreads),
             "%s: group %d (%s) mm_users and tasks found = %d" % (d.id, g, "+".join(p["role"] for p, _ in members), nthreads))
        s.eq(sorted(m["tgids"]), sorted(p["pid"] for p, _ in members), "%s: group %d tgids" % (d.id, g))
    s.eq(len(set(seen.values())), len(seen), "%s: different mm_groups are different mms" % d.id)
    mh = man["mem_holder"]
    m = mm_by_addr.get(seen.get(mh["mm_group"]))
    if s.check(m is not None, "%s: /proc/self/mem holder's mm listed" % d.id):
        s.eq(m["slack"], mh["extra_mm_count"], "%s: /proc/self/mem holder's mm shows mm_count slack 1" % d.id)
        s.check(any(f["rule"] == "count-slack" and h(f["mm"]) == h(m["mm"]) and f["severity"] in ("info", "suspicious")
                    for f in chk["findings"]), "%s: count-slack finding names the holder's mm" % d.id)
    vm = [p for p in procs if p["role"] in ("vmA", "vmB", "vfork")]
    if vm:
        m = mm_by_addr.get(seen.get(vm[0]["mm_group"]))
        s.check(m is not None and m["mm_users"] == 3, "%s: CLONE_VM pair + vfork child: one mm, mm_users 3" % d.id)
    online = cpulist(man["cpus"]["online"])
    if d.mode == "live":
        got = {c["cpu"] for c in cpus if c["online"]}
        s.eq(got, online, "%s: online CPUs equal the guest's" % d.id)
    for p in procs:
        if p["role"] == "spinner" and p.get("kind") == "pure" and p.get("cpu") is not None and d.mode == "live":
            a = seen.get(p["mm_group"])
            m = mm_by_addr.get(a)
            s.check(m is not None and p["cpu"] in cpulist(m["cpus"]),
                    "%s: pinned spinner's mm mask contains CPU %d" % (d.id, p["cpu"]), m and m["cpus"])
            c = [c for c in cpus if c["cpu"] == p["cpu"]]
            s.check(c and h(c[0]["loaded_mm"] or "0") == a and c[0]["bit"] is True,
                    "%s: CPU %d runs on its spinner's mm with its bit set" % (d.id, p["cpu"]))

    # --- crash built-ins -----------------------------------------------------
    if d.fmt == "kdump":
        cmds = ["struct mm_struct.mm_users,mm_count %s" % m["mm"] for m in mms if m.get("static") is None]
        pids = [p["pid"] for p in procs if p["role"] != "zombie"]
        cmds += ["task -R mm,active_mm %d" % p for p in pids]
        cmds += ["kmem -S mm_struct"]
        out = run_crash(d, cmds)
        # crash's own slab knowledge: allocated objects print as "[addr]"
        alloc = {int(a, 16) for a in re.findall(r"^\s*\[([0-9a-f]{16})\]\s*$", out, re.M)}
        listed = [m for m in mms if m.get("static") is None]
        bad = [m["mm"] for m in listed if (m.get("slab") == "alloc") != (h(m["mm"]) in alloc)]
        s.check(alloc and not bad, "%s: every listed mm is an allocated mm_struct object per crash's `kmem -S` (%d objects)"
                % (d.id, len(alloc)), bad)
        vals = re.findall(r"mm_users = \{\s*counter = (-?\d+)\s*\},?\s*mm_count = \{\s*counter = (-?\d+)", out)
        want = [(m["mm_users"], m["mm_count"]) for m in mms if m.get("static") is None]
        s.eq([(int(a), int(b)) for a, b in vals], want, "%s: mm_users/mm_count of every mm equal crash's `struct`" % d.id)
        blocks = re.findall(r"PID: (\d+)\s.*?mm = (0x[0-9a-f]+|0x0),\s*active_mm = (0x[0-9a-f]+|0x0)", out, re.S)
        byp = {t["pid"]: t for t in tasks}
        bad = [p for p, mm, am in blocks if int(p) in byp and (h(byp[int(p)]["mm"]), h(byp[int(p)]["active_mm"])) != (h(mm), h(am))]
        s.check(len(blocks) == len(pids) and not bad, "%s: mm/active_mm of workload tasks equal crash's `task -R`" % d.id,
                "%d blocks for %d pids, mismatches %s" % (len(blocks), len(pids), bad))

    # --- crash integration ---------------------------------------------------
    pipe = (d.text("mmtask-pipe.txt") or "").splitlines()
    s.check(pipe and all("mmw-" in l for l in pipe), "%s: `mmtask | grep mmw-` pipes inside crash" % d.id)
    ps = parse_ps(d.text("ps.txt"))
    s.eq(len(tasks), len({r["task"] for r in ps} | {h(t["task"]) for t in tasks if t["pid"] == 0}),
         "%s: mmtask lists crash's task table plus idle tasks" % d.id)


def check_arguments(s, d):
    """Arguments a user gets wrong: one clear line each, never a bare header."""
    zombie = [p for p in d.manifest["processes"] if p["role"] == "zombie"][0]
    ncpu = len(d.json("mmcpu.json")["cpus"])
    out = run_crash(d, ["extend %s" % SO, "mmlist 0", "mmcpu %d" % (ncpu + 200), "mmtask -p 99999",
                        "mmlist -p %d" % zombie["pid"], "mmtask -j -p 99999"])
    s.check("mmlist: 0 is not an mm_struct address (NULL)" in out, "%s: `mmlist 0` is rejected" % d.id, out[-300:])
    s.check("mmcpu: CPU %d does not exist: this dump has CPUs 0-%d" % (ncpu + 200, ncpu - 1) in out,
            "%s: `mmcpu <beyond>` says the CPU does not exist" % d.id)
    s.check("mmtask: no task with pid 99999" in out, "%s: `mmtask -p 99999` says there is no such pid" % d.id)
    s.check(re.search(r"mmlist: pid %d \(mmw-zombie, ZO\) uses no mm" % zombie["pid"], out) is not None,
            "%s: `mmlist -p <zombie>` says why it shows nothing" % d.id)
    s.check('"status":"error"' in out and "no task with pid 99999" in out,
            "%s: the same error as JSON with -j" % d.id)


def main():
    s = Suite("extension")
    ds = dumps()
    s.check(len(ds) == 4 * len(EXPECTED_TAGS), "%d real dumps available" % (4 * len(EXPECTED_TAGS)), len(ds))
    for d in ds:
        try:
            d.collect()
        except RuntimeError as e:
            s.not_ok("%s: crash session" % d.id, e)
            continue
        check_dump(s, d)
        if d.mode == "live" and d.fmt == "elf":
            check_arguments(s, d)
    if ds:
        helps = [ds[0].text("help-%s.txt" % v) or "" for v in ("mmtask", "mmlist", "mmcpu", "mmcheck", "mmmask")]
        s.check(all(all(k in t for k in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLE")) for t in helps),
                "crash-style help (NAME, SYNOPSIS, DESCRIPTION, EXAMPLE) for every command")
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
