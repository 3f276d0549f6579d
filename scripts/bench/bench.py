#!/usr/bin/python3
"""bench.py - the driver behind scripts/bench.sh (run that instead).

Times, on the benchmark vmcore (testdumps/dumps.sh make-bench) in one run:
  startup   crash start-up alone (sys; q), also on a small dump with the same vmlinux
  ext       crash + extend; crash + extend + mmcheck (external difference),
            and inside crash: mmcheck (first and repeated), mmcheck/mmtask/mmlist/mmcpu -j
  foreach   crash's `foreach <pids> task -R mm,active_mm` on an evenly spread subset
  drgn      an equivalent drgn walk (scripts/bench/drgn_walk.py)
  batch     scripts/mmaudit-batch on the 12 normal dumps, -j1 and -j2
  full      `foreach task -R mm,active_mm` on every task, under a timeout
and writes docs/benchmarks.md (or prints it). Every number is a median of
--reps runs (phases interleaved per repetition, so load drift hits all alike),
with wall time and CPU time (user+sys of the measured process: less
sensitive to other load on the machine). Each phase also records how many
cores other processes kept busy meanwhile (/proc/stat minus our own CPU).
Raw results go to WORKDIR/results.json; --render re-renders a results.json
(also a partial one: results.json is saved after every phase). Hand-written
notes below the KEEP_MARKER line of the existing output file are kept.
This is a benchmark, not a test: it never fails on a number.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "scripts", "bench")
CACHE = os.environ.get("MMAUDIT_CACHE", os.path.expanduser("~/.cache/mmaudit"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
STAMP = os.path.join(HERE, "stamp.sh")
PHASES = ("startup", "ext", "foreach", "drgn", "batch", "full")
KEEP_MARKER = "<!-- scripts/bench.sh keeps everything below this line when it regenerates the file -->"


# ---------------------------------------------------------------- helpers --

def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs), "all": xs}


def cpu_busy():
    """Seconds of busy CPU time on the whole machine so far (incl. steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def own_cpu():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def calib():
    """CPU seconds of a fixed workload (sha256 of 4 x 32 MiB, in C): the machine's
    speed at the moment, to compare runs taken under different load."""
    buf = b"\x5a" * (32 << 20)
    t0 = time.process_time()
    for _ in range(4):
        hashlib.sha256(buf).hexdigest()
    return time.process_time() - t0


class Phase:
    """Wall time of a phase and the cores other processes kept busy meanwhile."""

    def __init__(self, res, name):
        self.res, self.name = res, name

    def __enter__(self):
        log("phase %s (load average %s)" % (self.name, loadavg()))
        self.c0 = calib()
        self.t0, self.b0, self.o0, self.l0 = time.monotonic(), cpu_busy(), own_cpu(), loadavg()
        return self

    def __exit__(self, et, ev, tb):
        wall = time.monotonic() - self.t0
        foreign = max(0.0, (cpu_busy() - self.b0) - (own_cpu() - self.o0)) / wall if wall > 0 else None
        # a phase entered several times (interleaved repetitions) accumulates
        ph = self.res.setdefault("phases", {}).setdefault(self.name, {"wall": 0.0, "foreign_core_s": 0.0})
        ph["wall"] = round(ph["wall"] + wall, 1)
        ph["foreign_core_s"] = round(ph["foreign_core_s"] + (foreign or 0.0) * wall, 1)
        ph["foreign_cores"] = round(ph["foreign_core_s"] / ph["wall"], 2) if ph["wall"] > 0 else None
        ph.setdefault("calib", []).extend([round(self.c0, 4), round(calib(), 4)])
        ph.setdefault("loadavg_start", self.l0)
        ph["loadavg_end"] = loadavg()
        if et is not None and et is not KeyboardInterrupt:
            ph["error"] = "%s: %s" % (et.__name__, ev)
            log("phase %s failed: %s" % (self.name, ph["error"]))
            return True  # a failed phase is reported, the others still run
        return False


def run_proc(argv, stdin_text=None, timeout=None, cwd=None, fmt_stdin=None):
    """Runs argv in its own process group; returns wall, CPU (user+sys of the
    process and its reaped descendants, from wait4), max RSS, output, and
    whether it was killed at the timeout. fmt_stdin(pid) builds the input
    once the pid is known (for the in-crash stamps)."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         cwd=cwd, start_new_session=True)
    t0 = time.monotonic()
    killed = {}

    def kill():
        killed["at"] = time.time()
        killed["after"] = time.monotonic() - t0
        try:
            os.killpg(p.pid, signal.SIGTERM)
            time.sleep(3)
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    text = fmt_stdin(p.pid) if fmt_stdin else (stdin_text or "")
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()), daemon=True)
    reader.start()
    try:
        p.stdin.write(text.encode())
        p.stdin.close()
    except BrokenPipeError:
        pass
    reader.join()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if timer:
        timer.cancel()
    out = b"".join(chunks).decode("utf-8", "replace")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_mb": ru.ru_maxrss / 1024.0,
            "rc": p.returncode, "out": out, "killed": killed or None}


def parse_stamps(out):
    st = []
    for line in out.splitlines():
        m = re.match(r"@@STAMP (\S+) (\d+\.\d+) (\d+)", line)
        if m:
            st.append((m.group(1), float(m.group(2)), int(m.group(3)) / 1e9))
    return st


class Crash:
    def __init__(self, args):
        self.args = args

    def run(self, vmlinux, vmcore, cmds, timeout=None, cwd=None):
        """cmds may use {STAMP} for `!stamp.sh` and {PID} for crash's pid."""
        def fmt(pid):
            return "".join(c.replace("{STAMP}", "!" + STAMP).replace("{PID}", str(pid)) + "\n"
                           for c in cmds) + "q\n"
        r = run_proc([self.args.crash, "-s", "--no_crashrc", vmlinux, vmcore], fmt_stdin=fmt,
                     timeout=timeout, cwd=cwd)
        r["stamps"] = parse_stamps(r["out"])
        return r


def stamp_cmd(label):
    return "{STAMP} %s {PID}" % label


def intervals(stamps):
    """{label: (wall, cpu)} for the interval ending at each stamp, minus the
    cost of a stamp itself (two stamps in a row: labels _o1.._oN)."""
    d = {}
    over_w, over_c = [], []
    for (l0, w0, c0), (l1, w1, c1) in zip(stamps, stamps[1:]):
        if l1.startswith("_o"):
            over_w.append(w1 - w0)
            over_c.append(c1 - c0)
        d[l1] = (w1 - w0, c1 - c0)
    ow, oc = med(over_w) or 0.0, med(over_c) or 0.0
    res = {k: (max(0.0, w - ow), max(0.0, c - oc)) for k, (w, c) in d.items() if not k.startswith("_o")}
    return res, ow, oc


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def cpath(path):
    """a path as a reader can reuse it: under the cache -> $MMAUDIT_CACHE/..."""
    path = str(path or "")
    for base in (CACHE, os.path.expanduser("~/.cache/mmaudit")):
        if base and path.startswith(base.rstrip("/") + "/"):
            return "$MMAUDIT_CACHE/" + path[len(base.rstrip("/")) + 1:]
    return path


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # machine info is best effort
        return "? (%s)" % e


def warm(paths):
    """Reads files once so every measured run sees a warm page cache."""
    t0, n = time.monotonic(), 0
    for p in paths:
        with open(p, "rb") as f:
            while True:
                b = f.read(16 << 20)
                if not b:
                    break
                n += len(b)
    return n, time.monotonic() - t0


# ---------------------------------------------------------------- phases --

def machine(args):
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    crashv = sh("%s --version 2>&1 | grep -m1 ." % shlex.quote(args.crash))
    gdbv = ""
    gv = os.path.join(os.path.dirname(args.crash), "gdb-version")
    if os.path.exists(gv):
        gdbv = open(gv).read().strip()
    drgnv = sh("/usr/bin/python3 -c 'import drgn; print(drgn.__version__)' 2>&1")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "mem": mem,
        "kernel": platform.release(), "os": sh(". /etc/os-release; echo $PRETTY_NAME"),
        "virt": ", ".join(x for x in (sh("systemd-detect-virt --vm 2>/dev/null || true"),
                                      sh("systemd-detect-virt --container 2>/dev/null || true")) if x and x != "none") or "none",
        "caches": sh("lscpu | awk -F: '/^L2 cache|^L3 cache|^Thread\\(s\\) per core/ "
                     "{gsub(/^ +/, \"\", $2); printf \"%s%s: %s\", n++ ? \", \" : \"\", $1, $2}'"),
        "crash": crashv + (" (%s)" % gdbv if gdbv else ""), "drgn": drgnv,
        "python": sh("/usr/bin/python3 --version"), "gcc": sh("gcc --version | head -1"),
    }


def ph_startup(args, res, crash, rep):
    small = res["inputs"]["small_vmcore"]
    log("  startup rep %d/%d" % (rep + 1, args.reps))
    r = crash.run(args.vmlinux, args.vmcore, ["sys"])
    res["raw"].setdefault("startup_bench", []).append({k: r[k] for k in ("wall", "cpu", "maxrss_mb", "rc")})
    if small:
        r = crash.run(args.vmlinux, small, ["sys"])
        res["raw"].setdefault("startup_small", []).append({k: r[k] for k in ("wall", "cpu", "maxrss_mb", "rc")})


def parse_reported_ms(text):
    m = re.search(r"\((\w+), ([\d.]+) ms\)", text)
    return float(m.group(2)) if m else None


def ph_ext(args, res, crash, rep_dir, rep):
    so = args.extension_copy
    log("  extension rep %d/%d" % (rep + 1, args.reps))
    # external: crash + extend only, crash + extend + mmcheck
    r = crash.run(args.vmlinux, args.vmcore, ["extend " + so])
    res["raw"].setdefault("extend_only", []).append({k: r[k] for k in ("wall", "cpu", "maxrss_mb", "rc")})
    r = crash.run(args.vmlinux, args.vmcore, ["extend " + so, "mmcheck"])
    res["raw"].setdefault("extend_mmcheck", []).append(
        {"wall": r["wall"], "cpu": r["cpu"], "maxrss_mb": r["maxrss_mb"], "rc": r["rc"],
         "reported_ms": parse_reported_ms(r["out"]),
         "summary": ([l for l in r["out"].splitlines() if l.startswith("mmcheck:")] or [None])[-1]})
    # inside crash: stamps around each command
    d = os.path.join(rep_dir, "ext-%d" % rep)
    os.makedirs(d, exist_ok=True)
    views = [("mmcheck1", "mmcheck > %s/mmcheck-1.txt" % d),
             ("mmcheck2", "mmcheck > %s/mmcheck-2.txt" % d),
             ("mmcheck_j", "mmcheck -j > %s/mmcheck.json" % d),
             ("mmtask_j", "mmtask -j > %s/mmtask.json" % d),
             ("mmlist_j", "mmlist -j > %s/mmlist.json" % d),
             ("mmcpu_j", "mmcpu -j > %s/mmcpu.json" % d),
             ("mmflush_j", "mmflush -j > %s/mmflush.json" % d)]
    cmds = ["extend " + so, stamp_cmd("_s"), stamp_cmd("_o1"), stamp_cmd("_o2"), stamp_cmd("_o3")]
    for label, c in views:
        cmds += [c, stamp_cmd(label)]
    cmds += ["mmaudit -v > %s/mmaudit-v.txt" % d]
    r = crash.run(args.vmlinux, args.vmcore, cmds)
    iv, ow, oc = intervals(r["stamps"])
    rec = {"stamp_overhead_wall": ow, "stamp_overhead_cpu": oc, "wall_total": r["wall"]}
    for label, _ in views:
        w, c = iv.get(label, (None, None))
        rec[label] = {"wall": w, "cpu": c}
    for label, fn in (("mmcheck1", "mmcheck-1.txt"), ("mmcheck2", "mmcheck-2.txt")):
        try:
            rec[label]["reported_ms"] = parse_reported_ms(open(os.path.join(d, fn)).read())
        except OSError:
            pass
    for label, fn in (("mmcheck_j", "mmcheck.json"), ("mmtask_j", "mmtask.json"),
                      ("mmlist_j", "mmlist.json"), ("mmcpu_j", "mmcpu.json"), ("mmflush_j", "mmflush.json")):
        p = os.path.join(d, fn)
        try:
            rec[label]["bytes"] = os.path.getsize(p)
            j = json.load(open(p))
            s = j.get("summary", {}) if isinstance(j, dict) else {}
            rec[label]["reported_ms"] = s.get("ms")
            rec[label]["count"] = j.get("count")
            if label == "mmcheck_j":
                rec["summary"] = {k: s.get(k) for k in ("tasks", "mms", "cpus", "bug", "suspicious", "info")}
                rec["timing_ms"] = s.get("timing_ms")
        except (OSError, ValueError) as e:
            rec[label]["error"] = str(e)
    try:
        rec["mmaudit_v"] = [l.strip() for l in open(os.path.join(d, "mmaudit-v.txt"))
                            if l.strip().startswith(("model:", "timing:"))]
    except OSError:
        pass
    res["raw"].setdefault("incrash", []).append(rec)
    # the same first / second call on the small dump: is the first-call cost per session or per task?
    small = res["inputs"]["small_vmcore"]
    if small:
        cmds = ["extend " + so, stamp_cmd("_s"), stamp_cmd("_o1"), stamp_cmd("_o2"), stamp_cmd("_o3"),
                "mmcheck > /dev/null", stamp_cmd("mmcheck1"), "mmcheck > /dev/null", stamp_cmd("mmcheck2")]
        r = crash.run(args.vmlinux, small, cmds)
        iv, ow, oc = intervals(r["stamps"])
        res["raw"].setdefault("small_incrash", []).append(
            {k: {"wall": iv.get(k, (None, None))[0], "cpu": iv.get(k, (None, None))[1]} for k in ("mmcheck1", "mmcheck2")})


def task_pids(args, workdir, crash):
    """PIDs of all tasks (from crash's ps, untimed warm-up run)."""
    p = os.path.join(workdir, "ps.txt")
    if not os.path.exists(p):
        crash.run(args.vmlinux, args.vmcore, ["ps > " + p])
    pids = []
    for line in open(p):
        f = line.replace(">", " ").split()
        if f and f[0].isdigit() and int(f[0]) > 0:
            pids.append(int(f[0]))
    return pids


def ph_foreach(args, res, crash, workdir):
    pids = task_pids(args, workdir, crash)
    n = min(args.foreach_subset, len(pids))
    step = len(pids) / float(n)
    subset = [pids[int(i * step)] for i in range(n)]
    chunks = [subset[i:i + args.foreach_chunk] for i in range(0, n, args.foreach_chunk)]
    res["foreach_subset"] = {"n": n, "chunks": len(chunks), "chunk": args.foreach_chunk,
                             "pids_total": len(pids), "first": subset[:5], "last": subset[-3:]}
    for rep in range(args.reps):
        log("  foreach subset rep %d/%d (%d tasks)" % (rep + 1, args.reps, n))
        out = os.path.join(workdir, "foreach-subset-%d.txt" % rep)
        cmds = [stamp_cmd("_s"), stamp_cmd("_o1"), stamp_cmd("_o2")]
        for k, ch in enumerate(chunks):
            cmds += ["foreach %s task -R mm,active_mm >> %s" % (" ".join(map(str, ch)), out), stamp_cmd("c%d" % k)]
        if os.path.exists(out):
            os.unlink(out)
        r = crash.run(args.vmlinux, args.vmcore, cmds)
        iv, ow, oc = intervals(r["stamps"])
        w = sum(iv.get("c%d" % k, (0, 0))[0] for k in range(len(chunks)))
        c = sum(iv.get("c%d" % k, (0, 0))[1] for k in range(len(chunks)))
        got = sum(1 for l in open(out) if l.startswith("PID:")) if os.path.exists(out) else 0
        res["raw"].setdefault("foreach_subset", []).append(
            {"wall": w, "cpu": c, "tasks": got, "per_task_wall": w / got if got else None,
             "per_task_cpu": c / got if got else None,
             "chunk_walls": [round(iv.get("c%d" % k, (0, 0))[0], 3) for k in range(len(chunks))]})


def ph_full(args, res, crash, workdir):
    out = os.path.join(workdir, "foreach-full.txt")
    if os.path.exists(out):
        os.unlink(out)
    log("  foreach task -R mm,active_mm on all tasks, timeout %d s" % args.foreach_timeout)
    cmds = [stamp_cmd("_s"), stamp_cmd("_o1"), "foreach task -R mm,active_mm > " + out, stamp_cmd("full")]
    r = crash.run(args.vmlinux, args.vmcore, cmds, timeout=args.foreach_timeout)
    st = {l: (w, c) for l, w, c in r["stamps"]}
    got = sum(1 for l in open(out, errors="replace") if l.startswith("PID:")) if os.path.exists(out) else 0
    rec = {"timeout": args.foreach_timeout, "tasks_done": got, "process_wall": r["wall"], "process_cpu": r["cpu"],
           "finished": "full" in st}
    if "_o1" in st:
        t_start = st["_o1"][0]
        if "full" in st:
            rec["wall"] = st["full"][0] - t_start
            rec["cpu"] = st["full"][1] - st["_o1"][1]
        elif r["killed"]:
            rec["wall"] = r["killed"]["at"] - t_start
            # CPU: the process total minus start-up (median CPU of `sys; q`)
            su = med([x["cpu"] for x in res["raw"].get("startup_bench", [])])
            rec["cpu"] = r["cpu"] - su if su else None
        if got and rec.get("wall"):
            rec["per_task_wall"] = rec["wall"] / got
            if rec.get("cpu"):
                rec["per_task_cpu"] = rec["cpu"] / got
    res["raw"]["foreach_full"] = rec


def ph_drgn(args, res):
    for rep in range(args.reps):
        log("  drgn rep %d/%d" % (rep + 1, args.reps))
        r = run_proc(["/usr/bin/python3", os.path.join(HERE, "drgn_walk.py"), args.vmlinux, args.vmcore])
        rec = {"wall": r["wall"], "cpu": r["cpu"], "maxrss_mb": r["maxrss_mb"], "rc": r["rc"]}
        for line in r["out"].splitlines():
            if line.startswith("{"):
                rec.update(json.loads(line))
        if "walk" not in rec:
            rec["error"] = r["out"][-500:]
        res["raw"].setdefault("drgn", []).append(rec)


def ph_batch(args, res, workdir):
    dumps = res["inputs"]["normal_dumps"]
    for rep in range(args.batch_reps):
        for j in (1, 2):
            log("  batch -j%d rep %d/%d (%d dumps)" % (j, rep + 1, args.batch_reps, len(dumps)))
            od = os.path.join(workdir, "batch-j%d-%d" % (j, rep))
            r = run_proc(["/usr/bin/python3", args.batch_copy, "-j", str(j), "--no-progress", "-q", "-o", od,
                          "--crash", args.crash, "--extension", args.extension_copy,
                          "--vmcore-id", args.vmcore_id] + dumps)
            rec = {"jobs": j, "wall": r["wall"], "cpu": r["cpu"], "rc": r["rc"], "dumps": len(dumps),
                   "calib": round(calib(), 4)}
            try:
                rows = [json.loads(l) for l in open(os.path.join(od, "summary.jsonl"))]
                rec["status"] = {s: sum(1 for x in rows if x["status"] == s) for s in sorted({x["status"] for x in rows})}
                rec["per_dump"] = {os.path.relpath(x["dump"], os.path.join(CACHE, "dumps")): x["seconds"] for x in rows}
            except (OSError, ValueError) as e:
                rec["error"] = str(e) + ": " + r["out"][-300:]
            res["raw"].setdefault("batch", []).append(rec)


# -------------------------------------------------------------- summary --

def summarize(res):
    raw, s = res["raw"], {}

    def col(key, field):
        return stats([x.get(field) for x in raw.get(key, [])])

    for k in ("startup_bench", "startup_small", "extend_only", "extend_mmcheck", "drgn"):
        if raw.get(k):
            s[k] = {"wall": col(k, "wall"), "cpu": col(k, "cpu"), "maxrss_mb": col(k, "maxrss_mb")}
    if raw.get("extend_mmcheck"):
        s["extend_mmcheck"]["reported_ms"] = col("extend_mmcheck", "reported_ms")
    if raw.get("extend_only") and raw.get("extend_mmcheck"):
        a, b = raw["extend_only"], raw["extend_mmcheck"]
        s["ext_diff"] = {
            "wall_of_medians": s["extend_mmcheck"]["wall"]["median"] - s["extend_only"]["wall"]["median"],
            "cpu_of_medians": s["extend_mmcheck"]["cpu"]["median"] - s["extend_only"]["cpu"]["median"],
            "wall_paired": stats([y["wall"] - x["wall"] for x, y in zip(a, b)]),
            "cpu_paired": stats([y["cpu"] - x["cpu"] for x, y in zip(a, b)]),
        }
    if raw.get("incrash"):
        ic = {}
        for label in ("mmcheck1", "mmcheck2", "mmcheck_j", "mmtask_j", "mmlist_j", "mmcpu_j", "mmflush_j"):
            xs = [x.get(label, {}) for x in raw["incrash"]]
            ic[label] = {f: stats([x.get(f) for x in xs]) for f in ("wall", "cpu", "reported_ms", "bytes")}
            ic[label]["count"] = next((x.get("count") for x in xs if x.get("count") is not None), None)
        ic["stamp_overhead_wall"] = stats([x["stamp_overhead_wall"] for x in raw["incrash"]])
        ic["stamp_overhead_cpu"] = stats([x["stamp_overhead_cpu"] for x in raw["incrash"]])
        tm = [x.get("timing_ms") for x in raw["incrash"] if x.get("timing_ms")]
        if tm:
            ic["timing_ms"] = {k: med([t.get(k) for t in tm]) for k in tm[0]}
        ic["summary"] = next((x.get("summary") for x in raw["incrash"] if x.get("summary")), None)
        s["incrash"] = ic
    if raw.get("small_incrash"):
        s["small_incrash"] = {k: {f: stats([x.get(k, {}).get(f) for x in raw["small_incrash"]]) for f in ("wall", "cpu")}
                              for k in ("mmcheck1", "mmcheck2")}
    if raw.get("foreach_subset"):
        s["foreach_subset"] = {f: col("foreach_subset", f) for f in ("wall", "cpu", "tasks", "per_task_wall", "per_task_cpu")}
    if raw.get("batch"):
        for j in (1, 2):
            xs = [x for x in raw["batch"] if x["jobs"] == j]
            if xs:
                s["batch_j%d" % j] = {"wall": stats([x["wall"] for x in xs]), "cpu": stats([x["cpu"] for x in xs]),
                                      "dumps": xs[0]["dumps"], "status": xs[-1].get("status")}
        if xs and raw["batch"][0].get("per_dump"):
            pd = {}
            for x in raw["batch"]:
                for k, v in (x.get("per_dump") or {}).items():
                    pd.setdefault(k, {}).setdefault(x["jobs"], []).append(v)
            s["batch_per_dump"] = {k: {j: med(v) for j, v in d.items()} for k, d in sorted(pd.items())}
    res["summary"] = s
    return s


def fs(x, unit="s"):
    """Formats seconds: ms below 1 s."""
    if x is None:
        return "n/a"
    if unit == "ms" or abs(x) < 1.0:
        ms = x * 1000.0
        return "%.0f ms" % ms if abs(ms) >= 10 else "%.1f ms" % ms
    if abs(x) >= 600:
        return "%.0f s (%.1f min)" % (x, x / 60.0)
    return "%.2f s" % x


def rng(st, f=fs):
    if not st:
        return "n/a"
    if st["n"] == 1:
        return f(st["median"])
    return "%s (%s – %s)" % (f(st["median"]), f(st["min"]), f(st["max"]))


def mib(n):
    if n is None:
        return "n/a"
    return "%.1f MiB" % (n / 2.0 ** 20) if n >= 2 ** 19 else "%.1f KiB" % (n / 1024.0)


def m_(st):
    return st["median"] if st else None


def render(res):
    s = summarize(res)
    inp, mach, a = res["inputs"], res["machine"], res["args"]
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w("Generated by `scripts/bench.sh` (%s, %s). Reproduce with one command:" % (res["started"], res.get("duration", "in progress")))
    w("")
    w("    scripts/bench.sh            # full run, writes this file (~%s on this machine)" % res.get("duration", "?"))
    w("    scripts/bench.sh --quick    # 1 repetition, no full foreach: a few minutes")
    w("    scripts/bench.sh --help     # options (repetitions, subset size, timeouts, phases, --out -)")
    w("")
    w("Every number is the **median of %d runs** (min – max in parentheses) unless marked otherwise; "
      "repetitions are interleaved (all measurements of repetition 1, then of 2, ...) so that load "
      "drift affects all of them alike. *Wall* is elapsed time; *CPU* is user+system time of the "
      "measured process (crash, python): other load inflates it less than wall time, but on this "
      "virtual machine still noticeably (shared caches and, likely, host cores shared with other "
      "guests). *others*: cores kept busy by other processes during the phase (/proc/stat minus this "
      "benchmark's own CPU time). *calib*: CPU time of a fixed workload (sha256 of 4 x 32 MiB) sampled at "
      "the phase's start and end — the machine's speed at that moment; compare it between runs. "
      "Page cache warm (every input file is read once before the first run). Raw results: "
      "`%s`." % (a["reps"], cpath(res["results_path"])))
    w("")
    fc = [p.get("foreign_cores") for p in res.get("phases", {}).values() if p.get("foreign_cores") is not None]
    fmax = max(fc) if fc else 0
    if fmax >= 0.25:
        w("**Measured under load.** Other processes (other engineers' builds and test runs sharing "
          "this machine) kept on average %.2f – %.2f of the %s cores busy during the phases (column "
          "*others*). Wall times are therefore pessimistic — up to 2x and more when both cores are "
          "taken — and CPU times are inflated too (in development runs on this machine the same crash "
          "command's CPU time varied up to ~2x between quieter and busier moments). Read the numbers as "
          "upper bounds; the same command on a quiet machine reproduces them, and *calib* tells how fast "
          "the machine was." % (
              min(fc), fmax, mach["cores"]))
    else:
        w("The machine was quiet during the run (other processes used at most %.2f cores, column "
          "*others* below)." % fmax)
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k, lab in (("cpu", "CPU"), ("cores", "cores (online)"), ("caches", "topology"), ("mem", "memory"),
                   ("virt", "virtualization"),
                   ("kernel", "host kernel"), ("os", "OS"), ("crash", "crash"), ("drgn", "drgn"),
                   ("python", "python"), ("gcc", "gcc")):
        w("| %s | %s |" % (lab, mach.get(k)))
    w("| extension | `%s`, sha256 %s… (copied at start; git %s%s) |" % (
        inp["extension"], inp["extension_sha256"][:12], inp["git_head"], ", tree has local changes" if inp["git_dirty"] else ""))
    w("")
    w("## Benchmark dump")
    w("")
    summ = (s.get("incrash") or {}).get("summary") or {}
    dr = (res["raw"].get("drgn") or [{}])[0]
    w("`testdumps/dumps.sh make-bench`: `%s` (%.2f GiB ELF, %s), vmlinux `%s` (%.0f MiB)." % (
        cpath(inp["vmcore"]), inp["vmcore_bytes"] / 2 ** 30, inp.get("release") or "?", cpath(inp["vmlinux"]), inp["vmlinux_bytes"] / 2 ** 20))
    w("Manifest: %s tasks in the task list, %s thread groups, %s mms. mmaudit sees %s tasks (+ the "
      "idle tasks), %s mms, %s CPUs; drgn's walk %s tasks, %s mms." % (
          inp.get("manifest_tasks"), inp.get("manifest_groups"), inp.get("manifest_mms"),
          summ.get("tasks"), summ.get("mms"), summ.get("cpus"), dr.get("tasks"), dr.get("mms")))
    w("")
    w("## Results")
    w("")
    P = res.get("phases", {})

    def cal(name):
        c = P.get(name, {}).get("calib")
        return fs(med(c)) if c else "n/a"

    def foreign(name):
        p = P.get(name, {})
        return "%.2f" % p["foreign_cores"] if p.get("foreign_cores") is not None else "n/a"

    def oth(name):
        p = P.get(name, {})
        return ("%.2f" % p["foreign_cores"] if p.get("foreign_cores") is not None else "n/a") + " | " + cal(name)

    w("| # | what | wall | CPU | others | calib |")
    w("|---|---|---|---|---|---|")
    if "startup_bench" in s:
        w("| 1 | crash start-up alone: `crash -s VMLINUX VMCORE` with `sys; q` | %s | %s | %s |" % (
            rng(s["startup_bench"]["wall"]), rng(s["startup_bench"]["cpu"]), oth("startup")))
    if "startup_small" in s:
        w("| 1b | same, small dump (`bookworm-6.1/live.elf`, ~100 tasks, same vmlinux) | %s | %s | %s |" % (
            rng(s["startup_small"]["wall"]), rng(s["startup_small"]["cpu"]), oth("startup")))
    if "extend_only" in s:
        w("| 2a | crash + `extend mmaudit.so; q` | %s | %s | %s |" % (
            rng(s["extend_only"]["wall"]), rng(s["extend_only"]["cpu"]), oth("ext")))
        w("| 2b | crash + `extend; mmcheck; q` | %s | %s | %s |" % (
            rng(s["extend_mmcheck"]["wall"]), rng(s["extend_mmcheck"]["cpu"]), oth("ext")))
        d = s["ext_diff"]
        w("| 2c | **mmcheck, external difference** 2b − 2a (medians; paired per repetition) | %s; paired %s | %s; paired %s | %s |" % (
            fs(d["wall_of_medians"]), rng(d["wall_paired"]), fs(d["cpu_of_medians"]), rng(d["cpu_paired"]), oth("ext")))
    ic = s.get("incrash")
    if ic:
        what = {"mmcheck_j": "findings", "mmtask_j": "tasks", "mmlist_j": "mms", "mmcpu_j": "CPUs", "mmflush_j": "CPUs"}

        def row(no, label, key, extra=""):
            x = ic[key]
            rep = x.get("reported_ms")
            reps = (", extension reports %s" % rng(rep, lambda v: fs(v / 1000.0))) if rep else ""
            size = (" (%s: %s; %s of JSON)" % (what.get(key, "items"), x["count"], mib(m_(x["bytes"]))))\
                if x.get("bytes") and x.get("count") is not None else ""
            w("| %s | %s%s%s%s | %s | %s | %s |" % (no, label, extra, reps, size, rng(x["wall"]), rng(x["cpu"]), oth("ext")))
        row("2d", "**mmcheck inside crash**, first call after `extend` (time stamps)", "mmcheck1")
        row("2e", "mmcheck inside crash, second call", "mmcheck2")
        sm = s.get("small_incrash")
        if sm:
            w("| 2e' | for comparison, mmcheck first / second call on the ~100-task dump | %s / %s | %s / %s | %s |" % (
                fs(m_(sm["mmcheck1"]["wall"])), fs(m_(sm["mmcheck2"]["wall"])),
                fs(m_(sm["mmcheck1"]["cpu"])), fs(m_(sm["mmcheck2"]["cpu"])), oth("ext")))
        row("2f", "`mmcheck -j` inside crash", "mmcheck_j")
        row("2g", "`mmtask -j` inside crash", "mmtask_j")
        row("2h", "`mmlist -j` inside crash", "mmlist_j")
        row("2i", "`mmcpu -j` inside crash", "mmcpu_j")
        if ic.get("mmflush_j", {}).get("wall"):
            row("2i'", "`mmflush -j` inside crash (TLB shootdown view)", "mmflush_j")
        fo = [x["mmcheck1"][f] - x["mmcheck2"][f] for x in res["raw"]["incrash"] for f in ("wall", "cpu")
              if x.get("mmcheck1", {}).get(f) is not None and x.get("mmcheck2", {}).get(f) is not None]
        if len(fo) >= 2:
            w("| 2j | first-call overhead of the extension in a crash session: 2d − 2e | %s | %s | %s |" % (
                fs(med(fo[0::2])), fs(med(fo[1::2])), oth("ext")))
        oc = [(x["mmtask_j"]["wall"] - x["mmtask_j"]["reported_ms"] / 1000.0)
              for x in res["raw"]["incrash"] if x.get("mmtask_j", {}).get("reported_ms") is not None
              and x["mmtask_j"].get("wall") is not None]
        if oc:
            w("| 2k | output cost of `mmtask -j` (20k rows): 2g wall − the model build time it reports | %s | | %s |" % (
                fs(med(oc)), oth("ext")))
    fsub = s.get("foreach_subset")
    ntot = summ.get("tasks") or inp.get("crash_tasks")
    if fsub:
        fi = res["foreach_subset"]
        w("| 3a | crash built-in `foreach <%d pids> task -R mm,active_mm`, %d tasks spread evenly over the pid list, in %d commands of %d pids | %s | %s | %s |" % (
            fi["n"], fi["n"], fi["chunks"], fi["chunk"], rng(fsub["wall"]), rng(fsub["cpu"]), oth("foreach")))
        w("| 3b | same, per task | %s | %s | %s |" % (rng(fsub["per_task_wall"]), rng(fsub["per_task_cpu"]), oth("foreach")))
        if ntot:
            w("| 3c | same, **extrapolated** to all %s tasks (per task x %s; not measured) | ~%s | ~%s | | |" % (
                ntot, ntot, fs(m_(fsub["per_task_wall"]) * ntot), fs(m_(fsub["per_task_cpu"]) * ntot)))
    ff = res["raw"].get("foreach_full")
    if ff:
        if ff.get("finished"):
            w("| 3d | `foreach task -R mm,active_mm` on **all** tasks (1 run) | %s | %s | %s |" % (
                fs(ff.get("wall")), fs(ff.get("cpu")), oth("full")))
        else:
            w("| 3d | `foreach task -R mm,active_mm` on all tasks (1 run): **did not finish** within the %d s timeout; "
              "%d tasks printed after %s (%s per task) | > %s | %s | %s |" % (
                  ff["timeout"], ff["tasks_done"], fs(ff.get("wall")), fs(ff.get("per_task_wall")),
                  fs(ff.get("wall")), fs(ff.get("cpu")), oth("full")))
            if ff.get("per_task_wall") and ntot:
                w("| 3e | same, extrapolated from that partial run to all %s tasks (not measured) | ~%s | ~%s | | |" % (
                    ntot, fs(ff["per_task_wall"] * ntot), fs((ff.get("per_task_cpu") or 0) * ntot) if ff.get("per_task_cpu") else "n/a"))
    if "drgn" in s:
        dd = res["raw"]["drgn"]
        w("| 4a | drgn script (`scripts/bench/drgn_walk.py`), whole process | %s | %s | %s |" % (
            rng(s["drgn"]["wall"]), rng(s["drgn"]["cpu"]), oth("drgn")))
        w("| 4b | drgn start-up: import + `Program()`, `set_core_dump`, `load_debug_info` | %s | | %s |" % (
            rng(stats([x.get("import", 0) + x.get("setup", 0) for x in dd if "setup" in x])), oth("drgn")))
        w("| 4c | **drgn walk, excluding start-up**: %s tasks (mm, active_mm) + %s mms (mm_users, mm_count) | %s | | %s |" % (
            dd[0].get("tasks"), dd[0].get("mms"), rng(stats([x.get("walk") for x in dd])), oth("drgn")))
    for j in (1, 2):
        b = s.get("batch_j%d" % j)
        if b:
            thr = 60.0 * b["dumps"] / m_(b["wall"])
            w("| 5%s | `mmaudit-batch -j%d` on the %d normal dumps (%s) | %s = %.1f dumps/min | %s | %s |" % (
                "ab"[j - 1], j, b["dumps"], ", ".join("%s %d" % kv for kv in (b["status"] or {}).items()),
                rng(b["wall"]), thr, rng(b["cpu"]), oth("batch")))
    if s.get("batch_j1") and s.get("batch_j2"):
        sp = m_(s["batch_j1"]["wall"]) / m_(s["batch_j2"]["wall"])
        w("| 5c | speed-up -j2 over -j1 (ideal on %s cores: 2.0) | %.2fx | | %s |" % (mach["cores"], sp, oth("batch")))
    w("")

    # ---- discussion (numbers filled in) ----
    w("## Reading the numbers")
    w("")
    if ic:
        m1, m2 = ic["mmcheck1"], ic["mmcheck2"]
        w1, c1, w2, c2 = m_(m1["wall"]), m_(m1["cpu"]), m_(m2["wall"]), m_(m2["cpu"])
        if w1 is None:
            verdict = "n/a"
        elif w1 < 1.0:
            verdict = "met, including the first call of a session"
        elif c1 is not None and c1 < 1.0:
            verdict = ("met in CPU time; the first call's wall time is over 1 s under this run's load "
                       "(a fixed per-session cost, 2j), later calls are far below")
        else:
            verdict = "not met by the first call of a session (a fixed per-session cost, 2j); met by later calls"
        w("- **Target: full check on ~20,000 tasks in under 1 s of command time inside crash — %s.** "
          "First `mmcheck` after `extend`: %s wall / %s CPU; second call: %s wall / %s CPU (time stamps inside "
          "crash, a stamp's own cost of %s subtracted)%s." % (
              verdict, fs(w1), fs(c1), fs(w2), fs(c2), fs(m_(ic["stamp_overhead_wall"])),
              ("; the extension's own clock, which covers the model build but not layout resolution or output, "
               "says %s" % fs(m_(m1.get("reported_ms")) / 1000.0)) if m_(m1.get("reported_ms")) else ""))
        if s.get("ext_diff") and s.get("extend_only"):
            d = s["ext_diff"]
            w("- The external difference (2b − 2a) is %s CPU / %s wall. It subtracts two crash runs of ~%s whose "
              "wall time varied between %s and %s here, so it only means something on a quiet machine; the "
              "in-crash stamps are the precise measurement." % (
                  fs(d["cpu_of_medians"]), fs(d["wall_of_medians"]), fs(m_(s["extend_only"]["wall"])),
                  fs(s["extend_only"]["wall"]["min"]), fs(s["extend_only"]["wall"]["max"])))
        smc = s.get("small_incrash")
        if smc and c1 is not None and c2 is not None and c1 - c2 > 0.2:
            w("- The first-call overhead (2j) does not grow with the dump: on the ~100-task dump the first "
              "`mmcheck` costs %s CPU and the second %s (2e'). Profiling (perf; extension as of 2026-11-23) put it in "
              "the layout resolution: each probed member that does not exist in this kernel (`task_struct.cpu`, "
              "`mm_struct.cpu_vm_mask_var`, `tlb_state.is_lazy`, `.active_mm`, `.state`) falls back to "
              "`ANON_MEMBER_OFFSET()`, i.e. two gdb expression evaluations with a full symbol lookup, ~0.1 s "
              "each." % (fs(m_(smc["mmcheck1"]["cpu"])), fs(m_(smc["mmcheck2"]["cpu"]))))
        oc = [(x["mmtask_j"]["wall"] - x["mmtask_j"]["reported_ms"] / 1000.0)
              for x in res["raw"]["incrash"] if x.get("mmtask_j", {}).get("reported_ms") is not None
              and x["mmtask_j"].get("wall") is not None]
        if oc and med(oc) > 0.3:
            w("- `mmtask -j` spends %s beyond its model build writing %s: crash's output stream is "
              "unbuffered, so every `fprintf`/`fputc` of the renderer is one write(2) (strace, extension as of "
              "2026-11-23: 465,750 writes for one `mmtask -j > file` on this dump, ~23 per task row). "
              "Formatting each row, or the whole output, into a buffer first would remove most of it." % (
                  fs(med(oc)), mib(m_(ic["mmtask_j"]["bytes"]))))
        if ic.get("timing_ms"):
            t = ic["timing_ms"]
            w("- Where the model build goes (`mmcheck -j` summary `timing_ms`, median): " + ", ".join(
                "%s %.1f ms" % (k, v) for k, v in t.items() if v is not None) +
              ": reading each task_struct (crash's readmem, one read per task span) and the mms with the slab check.")
    if "startup_bench" in s:
        su, ss = m_(s["startup_bench"]["cpu"]), m_((s.get("startup_small") or {}).get("cpu"))
        if ss and su - ss > 0.1 * su:
            tt = " vs %s CPU for a ~100-task dump with the same vmlinux (so ~%s is the 20k-task table)" % (fs(ss), fs(su - ss))
        elif ss:
            tt = (" — about the same as for a ~100-task dump with the same vmlinux (%s CPU): gathering the 20k-task "
                  "table costs little next to the debug info" % fs(ss))
        else:
            tt = ""
        w("- **crash's own start-up dominates every crash-based number**: %s wall / %s CPU for the bench dump%s. "
          "Most of it is gdb reading the %.0f MiB vmlinux's debug info. The first `mmcheck` adds %s%% to that "
          "in CPU time." % (
              fs(m_(s["startup_bench"]["wall"])), fs(su), tt, inp["vmlinux_bytes"] / 2 ** 20,
              "%.0f" % (100.0 * (m_(ic["mmcheck1"]["cpu"]) or 0) / su) if ic and su else "?"))
    if fsub:
        pt = m_(fsub["per_task_cpu"])
        if ff and not ff.get("finished") and ff.get("per_task_cpu"):
            pt = ff["per_task_cpu"]  # the larger sample, without per-command costs
        c1 = m_(ic["mmcheck1"]["cpu"]) if ic else None
        w("- **crash's `foreach task -R mm,active_mm` costs ~%s CPU per task**: `task -R` has gdb format the "
          "whole task_struct (~9.5 KiB, hundreds of members) and picks the two members out of the text, for "
          "every task. For all %s tasks that is ~%s of CPU, about %s times the extension's first full check "
          "(which also reads every mm, every CPU's state and checks the slab)." % (
              fs(pt), ntot, fs(pt * ntot) if pt and ntot else "n/a",
              "{:,.0f}".format(pt * ntot / c1) if pt and ntot and c1 else "?"))
    if ff and not ff.get("finished") and ff.get("per_task_cpu"):
        rat = ff["per_task_cpu"] / m_(fsub["per_task_cpu"]) if fsub and m_(fsub["per_task_cpu"]) else None
        w("- The full `foreach` run was stopped at its %d s timeout after %d tasks: %s CPU (%s wall) per task, "
          "against %s CPU (%s wall) per task for the subset%s." % (
              ff["timeout"], ff["tasks_done"], fs(ff["per_task_cpu"]), fs(ff.get("per_task_wall")),
              fs(m_(fsub["per_task_cpu"])) if fsub else "n/a", fs(m_(fsub["per_task_wall"])) if fsub else "n/a",
              "" if rat is None else ": the same rate, so the extrapolation holds" if 0.75 < rat < 1.33 else
              " — the rate depends on the load at the moment and somewhat on the tasks (the full run starts "
              "with the kernel threads, the subset is mostly user threads); 3c and 3e bracket the full run"))
    if "drgn" in s:
        dd = res["raw"]["drgn"]
        dsu = med([x.get("import", 0) + x.get("setup", 0) for x in dd if "setup" in x])
        csu = m_(s["startup_bench"]["wall"]) if s.get("startup_bench") else None
        w("- **drgn** needs %s for the whole job, %s of it start-up%s, and %s for the walk itself, which reads "
          "2 pointers per task and 2 counters per mm in Python.%s" % (
              fs(m_(s["drgn"]["wall"])), fs(dsu),
              (" (%.0fx less than crash's start-up, row 1: for the same vmlinux, drgn's DWARF index is built much "
               "faster than gdb reads its symbols)" % (csu / dsu))
              if csu and dsu else "",
              fs(med([x.get("walk") for x in dd])),
              (" The extension's check, which does more (each CPU's runqueue and cpu_tlbstate, mm_cpumask, slab "
               "membership of every mm pointer, the rules), takes %s once warm (2e)." % fs(m_(ic["mmcheck2"]["wall"])))
              if ic else ""))
    if s.get("batch_j1") and s.get("batch_j2"):
        b1, b2 = s["batch_j1"], s["batch_j2"]
        sp = m_(b1["wall"]) / m_(b2["wall"])
        prs = [x / y for x, y in zip(b1["wall"]["all"], b2["wall"]["all"]) if y]
        if len(prs) > 1 and max(prs) / min(prs) > 1.5:
            scal = ("but the ratio within one repetition ranged %.2fx – %.2fx: the machine's speed and the "
                    "other load changed during the phase (others: %s cores on average), so the scaling is not "
                    "pinned down by this run; the runs are independent and CPU-bound, so two free cores should "
                    "give close to 2x" % (min(prs), max(prs), foreign("batch")))
        elif sp >= 1.8:
            scal = ("near-linear: the runs are independent and CPU-bound" +
                    ("; above 2x only because the machine's speed varied between repetitions (CPU time of the "
                     "same -j1 run: %s – %s)" % (fs(b1["cpu"]["min"]), fs(b1["cpu"]["max"])) if sp > 2.05 else ""))
        else:
            scal = ("with other processes using %s of the %s cores during this phase, -j2 could not get two "
                    "free cores; the runs are independent and CPU-bound, so a quiet machine should come close "
                    "to 2x (not measured here)" % (foreign("batch"), mach["cores"]))
        w("- **Batch**: -j1 audits %d dumps in %s (%.1f s per dump, CPU %s), -j2 in %s: %.2fx, %s. Each dump "
          "costs one crash start-up (gdb loading a 350–630 MiB vmlinux) plus the extension's first-call cost "
          "(2j); the model build itself is about a millisecond on these ~100-task dumps. Per repetition "
          "(-j1 / -j2 wall): %s." % (
              b1["dumps"], fs(m_(b1["wall"])), m_(b1["wall"]) / b1["dumps"], fs(m_(b1["cpu"])), fs(m_(b2["wall"])),
              sp, scal, "; ".join("%s / %s" % (fs(x), fs(y)) for x, y in zip(b1["wall"]["all"], b2["wall"]["all"]))))
    pd = s.get("batch_per_dump")
    if pd:
        w("")
        w("Per-dump seconds inside the batch runner (identification + crash + extension, median):")
        w("")
        w("| dump | -j1 | -j2 |")
        w("|---|---|---|")
        for k, d in pd.items():
            w("| %s | %s | %s |" % (k, "%.1f" % d[1] if d.get(1) is not None else "n/a",
                                     "%.1f" % d[2] if d.get(2) is not None else "n/a"))
    w("")
    w("## Method")
    w("")
    w("- crash runs as `crash -s --no_crashrc VMLINUX VMCORE` with its commands on stdin; crash has no "
      "command timer, so in-crash times are taken with `!scripts/bench/stamp.sh LABEL PID` between "
      "commands: wall clock (`date +%s.%N`) and crash's own CPU time (its threads' `/proc/PID/task/*/schedstat`). "
      "Three stamps in a row measure a stamp's own cost, which is subtracted. Command output goes to files "
      "(`mmtask -j > file`), so its formatting and writing are included.")
    w("- External times are from `wait4()` of the crash / python process (wall, user+sys CPU).")
    w("- 3a: `foreach` takes at most ~100 arguments, so the subset is run as several `foreach` commands of "
      "%d pids, appended to one file; the per-task cost is their total divided by the tasks printed." % a["foreach_chunk"])
    w("- 3d: the full run gets a timeout (`--foreach-timeout`, default 1500 s); when it is hit, crash is "
      "killed and the tasks already printed to the output file are counted (stdio buffering loses at most a "
      "few dozen). It runs last so that it cannot disturb the other measurements.")
    w("- 4: `drgn_walk.py` walks `for_each_task` plus each possible CPU's idle task (like mmaudit) and reads "
      "mm_users/mm_count of each distinct mm, with bookworm's python3-drgn %s (`DRGN_USE_LIBKDUMPFILE_FOR_ELF=1`)." % mach.get("drgn"))
    w("- 5: `scripts/mmaudit-batch` (copied at start) with `-j1` and `-j2` on the %d vmcores of "
      "`testdumps/dumps.sh list` (ELF and flattened kdump of three kernels), repetitions: %d." % (
          len(inp["normal_dumps"]), a["batch_reps"]))
    w("- Phase wall times: " + ", ".join("%s %s" % (k, fs(v.get("wall"))) for k, v in P.items()) + "; "
      "load average at start / end of the run: %s / %s." % (res.get("loadavg_start"), res.get("loadavg_end")))
    errs = ["%s: %s" % (k, v["error"]) for k, v in P.items() if v.get("error")]
    if errs:
        w("- **Phases that failed**: " + "; ".join(errs))
    w("")
    return "\n".join(L)


# ----------------------------------------------------------------- main --

def main():
    ap = argparse.ArgumentParser(prog="scripts/bench.sh", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3, help="repetitions per measurement (default 3; median reported)")
    ap.add_argument("--batch-reps", type=int, help="repetitions of each batch run (default: --reps)")
    ap.add_argument("--foreach-subset", type=int, default=200, help="tasks in the foreach subset (default 200)")
    ap.add_argument("--foreach-chunk", type=int, default=50, help="pids per foreach command (default 50)")
    ap.add_argument("--foreach-timeout", type=int, default=1500,
                    help="seconds for the full foreach run; 0 skips it (default 1500)")
    ap.add_argument("--batch-limit", type=int, default=0, help="only the first N of the 12 normal dumps (0: all)")
    ap.add_argument("--quick", action="store_true", help="--reps 1, --foreach-timeout 0, --foreach-subset 100")
    ap.add_argument("--phases", default=",".join(PHASES), help="comma list of: %s" % ",".join(PHASES))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"), help="markdown file, or - for stdout")
    ap.add_argument("--workdir", help="raw outputs (default $MMAUDIT_CACHE/bench/<date-time>)")
    ap.add_argument("--render", metavar="RESULTS_JSON", help="only re-render an earlier results.json")
    ap.add_argument("--crash", default=os.environ.get("CRASH", os.path.join(CACHE, "crash-8.0.6", "crash")))
    ap.add_argument("--extension", default=os.path.join(ROOT, "build", "mmaudit.so"))
    ap.add_argument("--vmcore-id", default=os.path.join(ROOT, "build", "vmcore-id"))
    ap.add_argument("--vmlinux", default=os.path.join(CACHE, "kernels", "bookworm-6.1", "vmlinux"))
    ap.add_argument("--vmcore", default=os.path.join(CACHE, "dumps", "bench-bookworm-6.1", "live.elf"))
    args = ap.parse_args()

    def emit(md):
        if args.out == "-":
            sys.stdout.write(md + "\n")
        else:
            # hand-written notes after the marker line survive regeneration
            try:
                old = open(args.out).read()
            except OSError:
                old = ""
            k = old.find(KEEP_MARKER)
            if k >= 0:
                md = md.rstrip("\n") + "\n\n" + old[k:].rstrip("\n")
                log("kept the notes below the marker in %s" % args.out)
            with open(args.out + ".tmp", "w") as f:
                f.write(md + "\n")
            os.replace(args.out + ".tmp", args.out)
            log("wrote %s" % args.out)
        # the table on stdout in any case
        if args.out != "-":
            inres = False
            for line in md.splitlines():
                if line.startswith("## Results"):
                    inres = True
                elif line.startswith("## ") and inres:
                    break
                if inres:
                    print(line)

    if args.render:
        res = json.load(open(args.render))
        emit(render(res))
        return
    if args.quick:
        args.reps, args.foreach_timeout, args.foreach_subset = 1, 0, min(args.foreach_subset, 100)
    if args.batch_reps is None:
        args.batch_reps = args.reps
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    bad = [p for p in phases if p not in PHASES]
    if bad:
        sys.exit("bench: unknown phase(s) %s; known: %s" % (",".join(bad), ",".join(PHASES)))
    if args.foreach_timeout <= 0 and "full" in phases:
        phases.remove("full")
    for what, p in (("crash", args.crash), ("extension", args.extension), ("vmlinux", args.vmlinux),
                    ("bench vmcore", args.vmcore)):
        if not os.path.isfile(p):
            sys.exit("bench: %s not found: %s" % (what, p))

    started = datetime.datetime.now()
    workdir = os.path.abspath(args.workdir or os.path.join(CACHE, "bench", started.strftime("%Y%m%d-%H%M%S")))
    os.makedirs(workdir, exist_ok=True)
    log("workdir %s" % workdir)
    # freeze what we measure: others may rebuild build/mmaudit.so meanwhile
    args.extension_copy = os.path.join(workdir, "mmaudit.so")
    with open(args.extension, "rb") as f, open(args.extension_copy, "wb") as g:
        g.write(f.read())
    args.batch_copy = os.path.join(workdir, "mmaudit-batch")
    with open(os.path.join(ROOT, "scripts", "mmaudit-batch"), "rb") as f, open(args.batch_copy, "wb") as g:
        g.write(f.read())

    # inputs
    lst = subprocess.run([os.path.join(ROOT, "testdumps", "dumps.sh"), "list"], capture_output=True, text=True).stdout
    normal = [l.split()[4] for l in lst.splitlines() if len(l.split()) >= 6]
    if args.batch_limit > 0:
        normal = normal[:args.batch_limit]
    normal_vmlinux = sorted({l.split()[3] for l in lst.splitlines() if len(l.split()) >= 6})
    small = next((d for d in normal if d.endswith("bookworm-6.1/live.elf")), None)
    man = {}
    mp = os.path.join(os.path.dirname(args.vmcore), "live.manifest.json")
    if os.path.exists(mp):
        try:
            man = json.load(open(mp))
        except ValueError:
            pass
    git = lambda c: subprocess.run("git -C %s %s" % (shlex.quote(ROOT), c), shell=True, capture_output=True, text=True).stdout.strip()
    res = {
        "started": started.strftime("%Y-%m-%d %H:%M"), "args": vars(args), "workdir": workdir,
        "results_path": os.path.join(workdir, "results.json"), "loadavg_start": loadavg(),
        "machine": machine(args),
        "inputs": {"vmlinux": args.vmlinux, "vmcore": args.vmcore, "vmcore_bytes": os.path.getsize(args.vmcore),
                   "vmlinux_bytes": os.path.getsize(args.vmlinux), "release": man.get("kernel_release"),
                   "manifest_tasks": man.get("tasks_total"), "manifest_groups": man.get("thread_groups_total"),
                   "manifest_mms": man.get("mm_groups_total"), "small_vmcore": small, "normal_dumps": normal,
                   "extension": os.path.relpath(args.extension, ROOT), "extension_sha256": sha256(args.extension_copy),
                   "git_head": git("rev-parse --short HEAD"),
                   "git_dirty": bool(git("status --porcelain -- extensions Makefile"))},
        "raw": {},
    }
    crash = Crash(args)

    def save():
        with open(res["results_path"], "w") as f:
            json.dump(res, f, indent=1, default=str)

    with Phase(res, "warm-up"):
        files = [args.vmlinux, args.vmcore]
        if "batch" in phases:
            files += normal + normal_vmlinux
        elif small:
            files.append(small)
        n, t = warm(files)
        log("  page cache: read %.1f GiB in %.0f s" % (n / 2 ** 30, t))
        # one untimed crash run: also lists the pids for the foreach subset
        crash.run(args.vmlinux, args.vmcore, ["ps > " + os.path.join(workdir, "ps.txt")])

    # startup and ext are interleaved per repetition (load drift hits both alike)
    for rep in range(args.reps):
        if "startup" in phases:
            with Phase(res, "startup"):
                ph_startup(args, res, crash, rep)
        if "ext" in phases:
            with Phase(res, "ext"):
                ph_ext(args, res, crash, workdir, rep)
        save()
    if "foreach" in phases:
        with Phase(res, "foreach"):
            ph_foreach(args, res, crash, workdir)
        save()
    if "drgn" in phases:
        with Phase(res, "drgn"):
            ph_drgn(args, res)
        save()
    if "batch" in phases:
        with Phase(res, "batch"):
            ph_batch(args, res, workdir)
        save()
    if "full" in phases:
        with Phase(res, "full"):
            ph_full(args, res, crash, workdir)
        save()
    res["loadavg_end"] = loadavg()
    el = (datetime.datetime.now() - started).total_seconds()
    res["duration"] = "%.0f min" % (el / 60.0) if el >= 120 else "%.0f s" % el
    md = render(res)
    save()
    emit(md)


if __name__ == "__main__":
    main()
