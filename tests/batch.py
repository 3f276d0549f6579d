#!/usr/bin/env python3
"""batch: scripts/mmaudit-batch on the real test dumps, as a fleet.

One run of the runner over a directory holding the 12 test dumps (links,
grouped by kernel so that their file names repeat), a makedumpfile -d 31
copy (tests/filtered.py makes and caches it), a dump cut short, an empty
file, a random file named like a dump and two files that are not dumps.
Expected values come from the dumps' manifests and from crash's own answers
on the same dumps (tests/collect.sh: the session the extension suite uses,
with the plain vmlinux), never from the runner itself:

- every test dump audited at the first rung (normal crash), release as in
  its manifest, vmlinux the test kernel's, verified by build-id, crash given
  the indexed copy, the same findings, counts and `sys` output as the direct
  session; and with --no-index (plain vmlinux) on one dump per kernel, the
  same `sys` and findings as the session with the indexed copy;
- the names in the table are unique path suffixes;
- the filtered copy audited (no bug the ELF dump of the same boot lacks),
  the cut dump and the bad files reported as not auditable with a reason,
  the other files counted as skipped;
- JUnit XML (parsed), HTML report (the run's numbers, the chart, the links),
  CSV = JSONL;
- the indexed vmlinux cache: build-id of the copy, the user's file untouched,
  one build under concurrent requests, --index-vmlinux / mmaudit-index;
- finding the vmlinux through a real debuginfod server on loopback serving
  the test vmlinuxes from a directory, and the negative cases (no server,
  build-id it does not have, a server giving the wrong file, no answer in
  the time limit), and a dump without BUILD-ID (not asked; verified by
  release).

Environment: CRASH, MMAUDIT_SO, MMAUDIT_CACHE as the other suites;
BATCH_JOBS (runner -j, default 2); BATCH_KEEP=1 keeps the work directory.
"""
import csv
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CACHE, CRASH, ROOT, SO, Suite, cut_copy, dumps, link_dumps  # noqa: E402
from common import load_json as load  # noqa: E402
import batch_engine  # noqa: E402

BATCH = os.path.join(ROOT, "scripts", "mmaudit-batch")
INDEX = os.path.join(ROOT, "scripts", "mmaudit-index")
VMCORE_ID = os.path.join(ROOT, "build", "vmcore-id")
JOBS = os.environ.get("BATCH_JOBS", "2")
S = Suite("batch")


def env_without_debuginfod(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("DEBUGINFOD_")}
    e.update(extra)
    return e


def batch(args, env=None, timeout=1200):
    t0 = time.time()
    if "--engine" not in args and "-e" not in args:
        args = ["--engine", "crash"] + args     # the crash ladder (check_engines: the direct engine)
    r = subprocess.run([sys.executable, BATCH, "--no-progress"] + args, capture_output=True, text=True,
                       timeout=timeout, env=env or env_without_debuginfod())
    return r.returncode, r.stdout, r.stderr, time.time() - t0


def read_jsonl(outdir):
    try:
        with open(os.path.join(outdir, "summary.jsonl")) as f:
            return [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError):
        return []


def build_id(path):
    r = subprocess.run(["readelf", "-n", path], capture_output=True, text=True)
    m = re.search(r"Build ID: ([0-9a-f]+)", r.stdout)
    return m.group(1) if m else None


def sections(path):
    r = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True)
    return set(re.findall(r"\]\s+(\S+)", r.stdout))


def dump_build_id(path):
    r = subprocess.run([VMCORE_ID, "--allow-truncated", "--get", "BUILD-ID", path], capture_output=True, text=True)
    return r.stdout.strip() or None


def finding_keys(check):
    return sorted({(f.get("rule"), f.get("severity"), f.get("mm"), f.get("pid"), f.get("cpu"))
                   for f in (check or {}).get("findings", [])}, key=str)


def norm_sys(text):
    """crash's `sys` without the lines naming the files given to crash"""
    return [l for l in (text or "").splitlines() if not re.match(r"\s*(KERNEL|DUMPFILE):", l)]


# --------------------------------------------------------------------------
# the fleet
# --------------------------------------------------------------------------

def make_fleet(wd, ds):
    """-> fleet dir, {path in fleet: Dump}, extras {kind: path}, skipped files"""
    fleet = os.path.join(wd, "fleet")
    real = link_dumps(fleet, ds)
    extra = {}
    odd = os.path.join(fleet, "incoming")
    os.makedirs(odd)
    extra["empty"] = os.path.join(odd, "vmcore-empty")
    open(extra["empty"], "w").close()
    extra["random"] = os.path.join(odd, "dump-0001.bin")
    with open(extra["random"], "wb") as f:
        f.write(os.urandom(65536))
    skipped = [os.path.join(odd, "README.txt"), os.path.join(odd, "notes.log")]
    for p in skipped:
        with open(p, "w") as f:
            f.write("not a dump\n")
    return fleet, real, extra, skipped


def check_fleet(wd, ds):
    fleet, real, extra, skipped = make_fleet(wd, ds)
    d61 = [d for d in ds if d.tag == "bookworm-6.1" and d.mode == "live" and d.fmt == "elf"][0]
    # the makedumpfile -d 31 copy of tests/filtered.py (cached there)
    flt = None
    try:
        import filtered
        flt, _ = filtered.filtered_dump(d61.vmcore)
        extra["filtered"] = os.path.join(fleet, "incoming", "vmcore-6.1.d31.kdump")
        os.symlink(flt, extra["filtered"])
    except Exception as e:  # reported, the rest goes on
        S.not_ok("makedumpfile -d 31 copy of the 6.1 live dump (tests/filtered.py)", e)
    # dumps cut short: the 6.1 live ELF dump cut at 300 MiB of 512 (crash
    # refuses it in every mode), and the -d 31 copy (kdump-compressed) cut at
    # 92%: normal crash cannot start, crash --minimal can
    extra["cut"] = os.path.join(fleet, "incoming", "vmcore-6.1-cut.elf")
    cut_copy(d61.vmcore, extra["cut"], 300 << 20)
    if flt:
        extra["cut-kdump"] = os.path.join(fleet, "incoming", "vmcore-6.1-d31-cut.kdump")
        cut_copy(flt, extra["cut-kdump"], os.path.getsize(flt) * 92 // 100)

    out = os.path.join(wd, "out")
    rc, so, se, secs = batch(["-j", JOBS, "-o", out, fleet])
    print("# fleet run: exit %d, %.0f s wall; stderr tail: %s" % (rc, secs, se.strip().splitlines()[-1:]), flush=True)
    recs = {r["dump"]: r for r in read_jsonl(out)}
    S.eq(rc, 2, "fleet: exit status 2 (some dumps not auditable)")
    want = set(real) | set(extra.values())
    S.eq(sorted(recs), sorted(want), "fleet: one record per dump and per file named like a dump (%d)" % len(want))
    try:
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
    except (OSError, ValueError) as e:
        run = {}
        S.not_ok("fleet: run.json", e)
    S.eq(sorted(run.get("skipped_files", [])), sorted(skipped), "fleet: the two other files are counted as skipped")
    S.check(re.search(r"\b2 other files skipped", se), "fleet: the closing line says 2 other files skipped",
            se.strip().splitlines()[-1:])

    # the 12 test dumps against the direct crash session (plain vmlinux)
    ids = {}
    for p, d in sorted(real.items()):
        r = recs.get(p, {})
        per = load(r.get("json"))
        direct = d.json("mmcheck.json") or {}
        dsum = direct.get("summary", {})
        want_status = "bug" if dsum.get("bug") else "clean"
        S.eq((r.get("status"), r.get("step")), (want_status, "normal"),
             "%s: status as crash's direct mmcheck says (%s), first rung" % (d.id, want_status))
        S.eq(r.get("release"), d.manifest["kernel_release"], "%s: release as in the manifest" % d.id)
        S.check(r.get("vmlinux") and os.path.realpath(r["vmlinux"]) == os.path.realpath(d.plain_vmlinux),
                "%s: the test kernel's vmlinux, verified by %s" % (d.id, per.get("vmlinux_verified")), r.get("vmlinux"))
        S.eq(per.get("vmlinux_verified"), "build-id", "%s: vmlinux verified by build-id" % d.id)
        bid = dump_build_id(d.vmcore)
        vc = r.get("vmlinux_crash") or ""
        S.check(vc.startswith(os.path.join(CACHE, "vmlinux-index", bid or "?")) and build_id(vc) == bid,
                "%s: crash got the indexed copy, same build-id as the dump" % d.id, "%s (dump %s)" % (vc, bid))
        ids[d.tag] = vc
        got = {k: r.get(k) for k in ("bug", "suspicious", "info", "tasks", "mms")}
        S.eq(got, {k: dsum.get(k) for k in got}, "%s: counts equal crash's direct mmcheck -j" % d.id)
        S.eq(finding_keys(per.get("check")), finding_keys(direct),
             "%s: findings equal the direct session's" % d.id)
        S.eq(dsum.get("nr_cpu_ids"), d.manifest["cpus"]["nr_cpu_ids"], "%s: nr_cpu_ids as in the manifest" % d.id)
        try:
            with open(r["json"][:-len(".json")] + ".sys.txt") as f:
                sysi = f.read()
        except (OSError, KeyError, TypeError):
            sysi = None
        S.check(sysi and norm_sys(sysi) == norm_sys(d.text("sys.txt")),
                "%s: crash's sys output equals the direct session's" % d.id,
                [l for l in norm_sys(sysi) if l not in norm_sys(d.text("sys.txt"))][:3])
        S.eq(r.get("name"), "%s/%s.%s" % (d.tag, d.mode, d.fmt), "%s: table name is the unique path suffix" % d.id)
    names = [r.get("name") for r in recs.values()]
    S.check(len(set(names)) == len(names), "fleet: every table name is unique", names)
    for line in so.splitlines()[1:]:
        if not line.split()[0] in names:
            S.not_ok("fleet: table row names a dump", line)
            break
    else:
        S.ok("fleet: every table row starts with the dump's unique name")

    # bad files: not auditable, with the reason
    for kind, pat in (("empty", r"empty"), ("random", r"not an ELF|not a (vm)?core|not a usable dump"),
                      ("cut", r"truncat")):
        r = recs.get(extra[kind], {})
        print("# %s: %s" % (kind, r.get("reason")), flush=True)
        S.check(r.get("status") == "error" and re.search(pat, r.get("reason") or "", re.I),
                "%s file named like a dump: not auditable, reason /%s/" % (kind, pat), r.get("reason"))
    # the sizes behind "truncated": what the headers say the file needs (the
    # uncut file's data end) and what the cut file has, in the summary
    need_elf = max(int(m.group(1), 16) + int(m.group(2), 16) for m in re.finditer(
        r"^\s*LOAD\s+(0x[0-9a-f]+)\s+\S+\s+\S+\s+(0x[0-9a-f]+)", subprocess.run(
            ["readelf", "-lW", d61.vmcore], capture_output=True, text=True).stdout, re.M))
    cuts = [("cut", need_elf, "the last PT_LOAD's offset+filesz")]
    if flt:
        cuts.append(("cut-kdump", os.path.getsize(flt), "the uncut file's size (its last page data)"))
    for kind, need, what in cuts:
        r = recs.get(extra[kind], {})
        got = (r.get("truncated_expected_size"), r.get("truncated_actual_size"))
        S.eq(got, (need, os.path.getsize(extra[kind])),
             "%s: truncated, expected size = %s, actual = the cut file's (summary.jsonl)" % (kind, what))
    r = recs.get(extra["cut"], {})
    per = load(r.get("json"))
    steps = [x.get("step") for x in per.get("ladder", [])]
    print("# cut ELF dump: ladder %s, step %s" % ([(x.get("step"), x.get("why")) for x in per.get("ladder", [])],
                                               per.get("step")), flush=True)
    S.check(steps == ["normal", "zero_excluded", "minimal"] and r.get("release") == d61.manifest["kernel_release"],
            "cut ELF dump: identified (6.1) and sent down the whole crash ladder", steps)
    # where the cut falls decides how far crash gets: on one boot no rung
    # opened it (crash checks the ELF segments against the file size), on
    # another --minimal did; either way the dump stays not auditable
    S.check(all(x.get("why") or x.get("ok") for x in per.get("ladder", [])) and r.get("status") == "error"
            and (per.get("step") is None) == (not any(x.get("ok") for x in per.get("ladder", []))),
            "cut ELF dump: each rung's reason or success recorded, the dump still not auditable",
            per.get("ladder"))
    if flt:
        r = recs.get(extra["cut-kdump"], {})
        per = load(r.get("json"))
        steps = [x.get("step") for x in per.get("ladder", [])]
        res = (per.get("minimal") or {}).get("results", {})
        online = ((res.get("online") or {}).get("masks") or [{}])[0]
        init = ((res.get("init_mm") or {}).get("masks") or [{}])[0]
        print("# cut -d 31 copy: ladder %s; minimal: online %s, init_mm users %s count %s; reason %s" % (
            [(x.get("step"), x.get("why")) for x in per.get("ladder", [])], online.get("cpus"),
            init.get("mm_users"), init.get("mm_count"), r.get("reason")), flush=True)
        S.eq(steps, ["normal", "zero_excluded", "minimal"], "cut -d 31 copy: normal crash and --zero_excluded fail, "
             "--minimal is tried")
        S.check(per.get("step") == "minimal" and r.get("status") == "error" and r.get("verdict") == "partial"
                and re.search(r"minimal.*task walk impossible", r.get("reason") or ""),
                "cut -d 31 copy: audited partially by crash --minimal (status error, verdict partial, "
                "the task walk said impossible)", (per.get("step"), r.get("status"), r.get("reason")))
        S.eq(online.get("cpus"), d61.manifest["cpus"]["online"],
             "cut -d 31 copy: crash --minimal: the online CPU mask as in the manifest")
        S.check(isinstance(init.get("mm_users"), int) and init["mm_users"] >= 1
                and isinstance(init.get("mm_count"), int) and init["mm_count"] >= 1,
                "cut -d 31 copy: crash --minimal: init_mm's mm_users and mm_count read", init)
        r = recs.get(extra["filtered"], {})
        per = load(r.get("json"))
        ref = d61.json("mmcheck.json") or {}
        bugs = lambda c: {(f.get("rule"), f.get("mm"), f.get("task"), f.get("cpu"))  # noqa: E731
                          for f in (c or {}).get("findings", []) if f.get("severity") == "bug"}
        print("# filtered copy: status %s, verdict %s, step %s" % (r.get("status"), r.get("verdict"), r.get("step")))
        S.check(r.get("status") in ("clean", "bug") and r.get("step") in ("normal", "zero_excluded"),
                "filtered (-d 31) copy: audited, step recorded", (r.get("status"), r.get("step"), r.get("reason")))
        S.check(not (bugs(per.get("check")) - bugs(ref)), "filtered (-d 31) copy: no bug the ELF dump lacks",
                sorted(bugs(per.get("check")) - bugs(ref))[:3])
        S.eq(r.get("release"), d61.manifest["kernel_release"], "filtered (-d 31) copy: release identified")

    check_outputs(out, recs, run)
    return ids


def check_outputs(out, recs, run):
    n = len(recs)
    n_bug = sum(1 for r in recs.values() if r["status"] == "bug")
    n_err = sum(1 for r in recs.values() if r["status"] == "error")
    n_clean = n - n_bug - n_err
    # JUnit XML
    try:
        root = ET.parse(os.path.join(out, "junit.xml")).getroot()
    except (OSError, ET.ParseError) as e:
        S.not_ok("junit.xml parses", e)
        root = None
    if root is not None:
        S.ok("junit.xml parses")
        cases = root.findall(".//testcase")
        S.eq(len(cases), n, "junit: one testcase per dump")
        S.eq((root.get("tests"), root.get("failures"), root.get("errors")), (str(n), str(n_bug), str(n_err)),
             "junit: tests/failures/errors = dumps/bug/not auditable")
        by = {c.get("file"): c for c in cases}
        bad = [p for p, r in recs.items() if p not in by
               or (r["status"] == "error") != (by[p].find("error") is not None)
               or (r["status"] == "bug") != (by[p].find("failure") is not None)
               or by[p].get("name") != r.get("name")]
        S.check(not bad, "junit: error for each dump not auditable, failure for each with bugs, names as the table",
                bad[:3])
    # HTML
    try:
        with open(os.path.join(out, "report.html")) as f:
            h = f.read()
    except OSError as e:
        h = ""
        S.not_ok("report.html written", e)
    m = re.search(r'<p id="totals">(.*?)</p>', h, re.S)
    tot = re.sub(r"<[^>]+>", "", m.group(1)) if m else ""
    S.check(re.search(r"\b%d dumps: %d clean, %d with bug findings, %d could not be audited;\s+%d other files skipped"
                      % (n, n_clean, n_bug, n_err, run.get("skipped", -1)), tot),
            "html: the run's numbers (%d dumps, %d clean, %d bug, %d error, %d skipped)"
            % (n, n_clean, n_bug, n_err, run.get("skipped", -1)), tot)
    S.check("<svg" in h and not re.search(r'(src|href)="(https?:)?//', h),
            "html: the chart is inline SVG, no external assets")
    rules = run.get("rules", {})
    S.check(all(re.search(r">%s</text>" % re.escape(k), h) for k in rules) and
            all(">%d in %d dump" % (v["findings"], v["dumps"]) in h for v in rules.values()),
            "html: the chart has a bar per rule with its fleet counts (%d rules)" % len(rules))
    links = re.findall(r'<a href="([^"]+)">JSON</a>', h)
    S.check(len(links) == n and all(os.path.isfile(os.path.join(out, l)) for l in links),
            "html: a link to each dump's JSON (%d)" % len(links))
    # CSV = JSONL
    with open(os.path.join(out, "summary.csv")) as f:
        rows = list(csv.DictReader(f))
    S.eq(sorted((r["dump"], r["status"], int(r["bug"] or 0)) for r in rows),
         sorted((r["dump"], r["status"], r["bug"]) for r in recs.values()), "csv: the rows of summary.jsonl")


# --------------------------------------------------------------------------
# the indexed vmlinux cache
# --------------------------------------------------------------------------

def check_index(wd, ids, ds):
    for tag, path in sorted(ids.items()):
        d = [x for x in ds if x.tag == tag][0]
        meta = load(os.path.join(os.path.dirname(path), "index.json"))
        secs = sections(d.plain_vmlinux)
        S.check(".gdb_index" not in secs and build_id(d.plain_vmlinux) == meta.get("build_id"),
                "%s: the test kernel's vmlinux is untouched (no .gdb_index), the copy is keyed by its build-id" % tag)
        S.check(isinstance(meta.get("index_cpu_seconds"), (int, float)) and ".gdb_index" in sections(path),
                "%s: cached copy has .gdb_index, index build recorded (%s s CPU, %s MB)"
                % (tag, meta.get("index_cpu_seconds"), (meta.get("size") or 0) >> 20))
        r = subprocess.run([INDEX, d.plain_vmlinux], capture_output=True, text=True, env=env_without_debuginfod())
        S.eq(r.stdout.strip(), path, "%s: scripts/mmaudit-index prints the cached copy" % tag)
    # a fresh cache: two concurrent requests, one build, atomic, verified
    cache = os.path.join(wd, "icache")
    src = os.path.join(wd, "hello")
    with open(src + ".c", "w") as f:
        f.write("#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n")
    subprocess.run(["gcc", "-g", "-Wl,--build-id", "-o", src, src + ".c"], check=True)
    with open(src, "rb") as f:
        before = f.read()
    env = env_without_debuginfod(MMAUDIT_CACHE=cache)
    ps = [subprocess.Popen([sys.executable, BATCH, "--index-vmlinux", src], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)]
    res = [p.communicate(timeout=300) + (p.returncode,) for p in ps]
    paths = {o.strip() for o, _, _ in res}
    built = sum(1 for _, e, _ in res if "indexing " in e)
    S.check(len(paths) == 1 and all(rc == 0 for _, _, rc in res) and built == 1,
            "index cache: 3 concurrent requests, one build, one path", res)
    p = paths.pop()
    with open(src, "rb") as f:
        S.check(f.read() == before, "index cache: the given file is unchanged")
    S.check(build_id(p) == build_id(src) and ".gdb_index" in sections(p),
            "index cache: the copy has the file's build-id and a .gdb_index")
    left = [x for x in os.listdir(os.path.join(cache, "vmlinux-index")) if ".tmp." in x]
    S.check(not left, "index cache: no temporary directory left", left)
    # a damaged copy is found out and rebuilt; what a killed build left is removed
    with open(p, "r+b") as f:
        f.truncate(4096)
    os.makedirs(os.path.join(cache, "vmlinux-index", build_id(src) + ".tmp.killed"))
    r = subprocess.run([sys.executable, BATCH, "--index-vmlinux", src], capture_output=True, text=True, env=env)
    S.check(r.returncode == 0 and r.stdout.strip() == p and "indexing " in r.stderr and build_id(p) == build_id(src),
            "index cache: a damaged copy is rebuilt", r.stderr[-300:])
    left = [x for x in os.listdir(os.path.join(cache, "vmlinux-index")) if ".tmp." in x]
    S.check(not left, "index cache: a killed build's temporary directory is removed", left)


# --------------------------------------------------------------------------
# debuginfod
# --------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Stub(http.server.BaseHTTPRequestHandler):
    """a server that answers every build-id with the same (wrong) file, or never"""
    body = b""
    hang = False

    def do_GET(self):
        if self.hang:
            time.sleep(60)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a):
        pass


def stub_server(body=b"", hang=False):
    h = type("H", (Stub,), {"body": body, "hang": hang})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def find(dump, env, *opts):
    r = subprocess.run([sys.executable, BATCH, "--find-vmlinux", dump] + list(opts), capture_output=True, text=True,
                       env=env, timeout=300)
    return r.returncode, r.stdout.strip(), r.stderr


def check_debuginfod(wd, ds):
    if not shutil.which("debuginfod") or not shutil.which("debuginfod-find"):
        S.not_ok("debuginfod and debuginfod-find installed (Debian package debuginfod)")
        return
    d612 = [d for d in ds if d.tag == "trixie-6.12" and d.mode == "live" and d.fmt == "kdump"][0]
    d61 = [d for d in ds if d.tag == "bookworm-6.1" and d.mode == "live" and d.fmt == "elf"][0]
    srv = os.path.join(wd, "debuginfod", "srv")
    os.makedirs(srv)
    os.symlink(d612.plain_vmlinux, os.path.join(srv, "vmlinux-6.12"))
    empty = os.path.join(wd, "debuginfod", "no-debuginfo")
    os.makedirs(empty)
    port = free_port()
    log = open(os.path.join(wd, "debuginfod", "server.log"), "w")
    # debuginfod 0.188 has no listen-address option: the clients use 127.0.0.1
    server = subprocess.Popen(["debuginfod", "-F", "-L", "-p", str(port), "-d", os.path.join(wd, "debuginfod", "db"),
                               "--disable-source-scan", "-c", "1", "-t", "0", "-g", "0", srv],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        url = "http://127.0.0.1:%d" % port
        ready = False
        for _ in range(120):
            try:
                import urllib.request
                m = urllib.request.urlopen(url + "/metrics", timeout=2).read().decode()
                if re.search(r'^scanned_files_total\{source="file"\} 1$', m, re.M):
                    ready = True
                    break
            except OSError:
                pass
            time.sleep(0.5)
        if not S.check(ready, "debuginfod server on 127.0.0.1:%d scanned the directory with the 6.12 vmlinux" % port):
            return
        env = env_without_debuginfod(DEBUGINFOD_URLS=url, DEBUGINFOD_CACHE_PATH=os.path.join(wd, "dcache"))
        # the zero-configuration run: nothing next to the dump, nothing in -d
        out = os.path.join(wd, "out-debuginfod")
        t0 = time.time()
        rc, so, se, _ = batch(["-o", out, "-d", empty, d612.vmcore], env=env)
        r = (read_jsonl(out) or [{}])[0]
        per = load(r.get("json"))
        direct = d612.json("mmcheck.json") or {}
        print("# debuginfod run: exit %d, %.0f s; lookup %s" % (rc, time.time() - t0, per.get("vmlinux_lookup")))
        S.check(r.get("vmlinux_source") == "debuginfod" and per.get("vmlinux_verified") == "build-id"
                and build_id(r.get("vmlinux") or "/") == dump_build_id(d612.vmcore),
                "debuginfod: the 6.12 dump's vmlinux comes from the server, verified by build-id", r.get("vmlinux"))
        S.eq((r.get("status"), finding_keys(per.get("check"))),
             ("bug" if direct.get("summary", {}).get("bug") else "clean", finding_keys(direct)),
             "debuginfod: the audit equals crash's direct mmcheck on the dump")
        # negative cases, without crash
        rc, so, se = find(d61.vmcore, env, "-d", empty)
        S.check(rc == 2 and not so and re.search(r"debuginfod: build-id %s: not found" % dump_build_id(d61.vmcore), se),
                "debuginfod: a build-id the server does not have: not found, exit 2", se.strip().splitlines()[-1:])
        e2 = dict(env, DEBUGINFOD_URLS="http://127.0.0.1:%d" % free_port(),
                  DEBUGINFOD_CACHE_PATH=os.path.join(wd, "dcache-none"))
        rc, so, se = find(d612.vmcore, e2, "-d", empty)
        S.check(rc == 2 and not so and re.search(r"debuginfod: .*(refused|connect)", se, re.I),
                "debuginfod: no server: connection refused, exit 2", se.strip().splitlines()[-1:])
        stub = stub_server(body=open(VMCORE_ID, "rb").read())
        e3 = dict(env, DEBUGINFOD_URLS="http://127.0.0.1:%d" % stub.server_address[1],
                  DEBUGINFOD_CACHE_PATH=os.path.join(wd, "dcache-stub"))
        rc, so, se = find(d612.vmcore, e3, "-d", empty)
        S.check(rc == 2 and not so and re.search(r"does not match the dump", se),
                "debuginfod: a server giving another file (wrong build-id): rejected, exit 2",
                se.strip().splitlines()[-1:])
        stub.shutdown()
        hang = stub_server(hang=True)
        e4 = dict(env, DEBUGINFOD_URLS="http://127.0.0.1:%d" % hang.server_address[1],
                  DEBUGINFOD_CACHE_PATH=os.path.join(wd, "dcache-hang"))
        t0 = time.time()
        rc, so, se = find(d612.vmcore, e4, "-d", empty, "--debuginfod-timeout", "3")
        took = time.time() - t0
        S.check(rc == 2 and not so and took < 30 and re.search(r"debuginfod: .*(time limit|within 3 s)", se),
                "debuginfod: a server that never answers: given up within the time limit (%.0f s)" % took,
                se.strip().splitlines()[-1:])
        hang.shutdown()
        # a dump whose VMCOREINFO has no BUILD-ID (older kernels): a copy of
        # the 5.10 kdump file with the key renamed in place
        d510 = [d for d in ds if d.tag == "bullseye-5.10" and d.mode == "live" and d.fmt == "kdump"][0]
        nobid = os.path.join(wd, "debuginfod", "vmcore-5.10-nobid.kdump")
        with open(d510.vmcore, "rb") as f:
            data = f.read()
        with open(nobid, "wb") as f:
            f.write(data.replace(b"BUILD-ID=", b"BUILD-XX=", 1))
        del data
        rc, so, se = find(nobid, env, "-d", empty)
        S.check(rc == 2 and "not asked: the dump's VMCOREINFO has no BUILD-ID" in se and dump_build_id(nobid) is None,
                "debuginfod: a dump without BUILD-ID: not asked, and the reason says why", se.strip().splitlines()[-1:])
        kd = os.path.dirname(d510.plain_vmlinux)
        rc, so, se = find(nobid, env, "-d", kd)
        S.check(rc == 0 and os.path.realpath(so) == os.path.realpath(d510.plain_vmlinux)
                and "verified by release" in se, "a dump without BUILD-ID: vmlinux found in -d, verified by release",
                se.strip().splitlines()[-2:])
        os.unlink(nobid)
        rc, so, se = find(d612.vmcore, env, "-d", empty, "--no-debuginfod")
        S.check(rc == 2 and "not asked (--no-debuginfod)" in se, "debuginfod: --no-debuginfod is not asked")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def check_no_index(wd, ds):
    """--no-index on one dump per kernel: crash gets the plain vmlinux; its
    `sys` and findings equal the indexed session's (collect.sh with the
    indexed copy, tests/common.py) -- the index changes nothing crash says"""
    sel = [d for d in ds if d.mode == "panic" and d.fmt == "kdump"]
    out = os.path.join(wd, "out-noindex")
    rc, so, se, secs = batch(["--no-index", "-j", JOBS, "-o", out] + [d.vmcore for d in sel])
    recs = {r["dump"]: r for r in read_jsonl(out)}
    for d in sel:
        r = recs.get(d.vmcore, {})
        direct = d.json("mmcheck.json") or {}
        S.check(r.get("vmlinux_crash") == r.get("vmlinux") and os.path.realpath(r.get("vmlinux") or "/")
                == os.path.realpath(d.plain_vmlinux), "%s --no-index: crash gets the vmlinux itself" % d.id,
                r.get("vmlinux_crash"))
        what = "the indexed copy's" if d.vmlinux != d.plain_vmlinux else "the direct session's"
        S.eq(finding_keys(load(r.get("json")).get("check")), finding_keys(direct),
             "%s --no-index: the findings equal %s" % (d.id, what))
        try:
            with open(r["json"][:-len(".json")] + ".sys.txt") as f:
                sysp = f.read()
        except (OSError, KeyError, TypeError):
            sysp = None
        S.check(sysp and norm_sys(sysp) == norm_sys(d.text("sys.txt")),
                "%s --no-index: crash's sys output equals %s" % (d.id, what),
                [l for l in norm_sys(sysp) if l not in norm_sys(d.text("sys.txt"))][:3])


def check_compressed(wd, ds):
    """the compressed -d 31 copies of the 6.1 live dump (zlib, LZO, zstd,
    each also flattened, and snappy: tests/filtered.py makes and caches
    them) through the runner: each audited at a recorded rung with the
    findings of crash's direct session on the ELF dump of the same boot,
    its compression named in the summary"""
    import filtered
    d61 = [d for d in ds if d.tag == filtered.FULL_TAG and d.mode == "live" and d.fmt == "elf"][0]
    try:
        copies = filtered.compressed_dumps(d61.vmcore, filtered.copy_names(d61.tag))
    except Exception as e:  # reported, the rest goes on
        S.not_ok("compressed -d 31 copies of the 6.1 live dump (tests/filtered.py)", e)
        return
    cdir = os.path.join(wd, "compressed")
    os.makedirs(cdir)
    links = {}
    for name, (path, _, _) in copies.items():
        link = os.path.join(cdir, "vmcore-6.1.d31.%s.kdump" % name)
        os.symlink(path, link)
        links[link] = name
    out = os.path.join(wd, "out-compressed")
    rc, so, se, secs = batch(["-j", JOBS, "-o", out, cdir])
    print("# compressed copies: exit %d, %.0f s wall" % (rc, secs), flush=True)
    recs = {r["dump"]: r for r in read_jsonl(out)}
    S.eq(sorted(recs), sorted(links), "compressed copies: one record each (%d)" % len(links))
    direct = d61.json("mmcheck.json") or {}
    want = "bug" if direct.get("summary", {}).get("bug") else "clean"
    S.eq(rc, 1 if want == "bug" else 0, "compressed copies: exit status as the ELF dump's audit (%s)" % want)
    for link, name in sorted(links.items()):
        r = recs.get(link, {})
        per = load(r.get("json"))
        base = name[:-2] if name.endswith("-F") else name
        print("# %s: status %s, verdict %s, step %s, ladder %s, compression %s, format %s" % (
            name, r.get("status"), r.get("verdict"), r.get("step"),
            [x.get("step") for x in per.get("ladder", [])], r.get("compression"), r.get("format")), flush=True)
        S.check(r.get("status") == want and r.get("step") == "normal" and r.get("release") ==
                d61.manifest["kernel_release"], "compressed %s: audited at the first rung, status %s as the ELF "
                "dump's" % (name, want), (r.get("status"), r.get("step"), r.get("reason")))
        S.eq((r.get("compression"), r.get("format")), (base, "kdump-flat" if name.endswith("-F") else "kdump"),
             "compressed %s: compression and format in the summary" % name)
        S.eq(finding_keys(per.get("check")), finding_keys(direct),
             "compressed %s: findings equal crash's direct session on the ELF dump" % name)
        S.eq({k: r.get(k) for k in ("tasks", "mms")}, {k: direct.get("summary", {}).get(k) for k in ("tasks", "mms")},
             "compressed %s: tasks and mms counted as on the ELF dump" % name)
        said = re.findall(r"[^\n\"]*compression support[^\n\"]*", json.dumps(per))
        S.check(not said, "compressed %s: no \"no ... compression support\" on any rung" % name, said[:2])
    # the same copies with the runner's default engine: the direct command
    # (libkdumpfile) reads every compression too, no crash session
    out = os.path.join(wd, "out-compressed-auto")
    rc, so, se, secs = batch(["--engine", "auto", "-j", JOBS, "-o", out, cdir])
    print("# compressed copies, engine auto: exit %d, %.0f s wall" % (rc, secs), flush=True)
    recs = {r["dump"]: r for r in read_jsonl(out)}
    for link, name in sorted(links.items()):
        r = recs.get(link, {})
        per = load(r.get("json"))
        S.check((r.get("engine"), r.get("status")) == ("direct", want) and finding_keys(per.get("check")) ==
                finding_keys(direct) and (r.get("tasks"), r.get("mms")) ==
                (direct.get("summary", {}).get("tasks"), direct.get("summary", {}).get("mms")),
                "compressed %s, engine auto: audited by the direct command, findings and counts as crash's on "
                "the ELF dump" % name, (r.get("engine"), r.get("status"), r.get("direct_why"), r.get("reason")))


def main():
    t0 = time.time()
    for what, p in (("crash", CRASH), ("extension", SO), ("vmcore-id", VMCORE_ID)):
        if not S.check(os.path.exists(p), "%s exists: %s" % (what, p)):
            return S.finish()
    ds = dumps()
    if not S.check(len(ds) >= 12, "the 12 test dumps exist (%d)" % len(ds)):
        return S.finish()
    ds = ds[:12] if len(ds) > 12 else ds
    for d in ds:   # crash's own answers (cached; the extension suite made them)
        d.collect()
    print("# direct crash sessions ready after %.0f s" % (time.time() - t0), flush=True)
    wd = tempfile.mkdtemp(prefix="mmaudit-batch-")
    try:
        t1 = time.time()
        ids = check_fleet(wd, ds)
        print("# fleet: %.0f s" % (time.time() - t1), flush=True)
        t1 = time.time()
        check_index(wd, ids, ds)
        print("# index: %.0f s" % (time.time() - t1), flush=True)
        t1 = time.time()
        check_debuginfod(wd, ds)
        print("# debuginfod: %.0f s" % (time.time() - t1), flush=True)
        t1 = time.time()
        check_no_index(wd, ds)
        print("# --no-index: %.0f s" % (time.time() - t1), flush=True)
        t1 = time.time()
        check_compressed(wd, ds)
        print("# compressed copies: %.0f s" % (time.time() - t1), flush=True)
        t1 = time.time()
        batch_engine.check_engines(S, wd, ds, batch, read_jsonl, finding_keys, JOBS)
        print("# engines: %.0f s" % (time.time() - t1), flush=True)
    finally:
        if os.environ.get("BATCH_KEEP") != "1":
            shutil.rmtree(wd, ignore_errors=True)
        else:
            print("# work directory kept: %s" % wd)
    print("# batch suite took %.0f s" % (time.time() - t0), flush=True)
    return S.finish()


if __name__ == "__main__":
    sys.exit(main())
