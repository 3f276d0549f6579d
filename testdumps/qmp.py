#!/usr/bin/env python3
"""qmp.py - run one QEMU guest of the mmaudit test dumps and dump it via QMP.

usage: qmp.py --mode live|panic --qmp SOCK --serial LOG --elf OUT --kdump OUT
              --manifest OUT [--host-json JSON] [--timeout S] [--total-timeout S]
              -- qemu-system-x86_64 ARGS...

Starts QEMU (whose ARGS must contain -qmp unix:SOCK,server=on,wait=off and
-serial file:LOG), waits for the guest's manifest between the
MMAUDIT-MANIFEST-BEGIN/END lines in the serial log, then
  live:  stops the guest with QMP `stop`;
  panic: waits until query-status says guest-panicked (-action panic=pause);
dumps guest memory as ELF (paging false) and as kdump-zlib, waits for each
dump to complete (detach + query-dump), writes the manifest (guest JSON plus
a "host" object) and quits QEMU.  On any failure or timeout QEMU is killed
and the tail of the serial log is printed.  Python stdlib only.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

BEGIN = "MMAUDIT-MANIFEST-BEGIN"
END = "MMAUDIT-MANIFEST-END"


class Fail(Exception):
    pass


def log(msg):
    print(f"qmp.py: {msg}", file=sys.stderr, flush=True)


class QMP:
    def __init__(self, path, deadline):
        self.deadline = deadline
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise Fail(f"unexpected QMP greeting {greeting}")
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            if time.monotonic() > self.deadline:
                raise Fail("timeout waiting for QMP")
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise Fail("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise Fail(f"QMP {name}: {msg['error']}")
            return msg.get("return")


def read_serial(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")
    except FileNotFoundError:
        return ""


def extract_manifest(text):
    b = text.find("\n" + BEGIN + "\n")
    if b < 0:
        return None
    e = text.find("\n" + END + "\n", b)
    if e < 0:
        return None
    body = text[b + len(BEGIN) + 2:e + 1]
    try:
        return json.loads(body)
    except ValueError as exc:
        raise Fail(f"manifest in serial log does not parse: {exc}")


def tail(path, n=40):
    lines = read_serial(path).splitlines()
    return "\n".join(lines[-n:])


def dump(q, path, fmt, deadline):
    tmp = path + ".part"
    if os.path.exists(tmp):
        os.unlink(tmp)
    args = {"paging": False, "protocol": "file:" + tmp, "detach": True}
    if fmt != "elf":
        args["format"] = fmt
    t = time.monotonic()
    q.cmd("dump-guest-memory", **args)
    while True:
        st = q.cmd("query-dump")
        if st["status"] == "completed":
            break
        if st["status"] == "failed":
            raise Fail(f"dump {fmt} failed")
        if time.monotonic() > deadline:
            raise Fail(f"timeout in dump {fmt}: {st}")
        time.sleep(0.2)
    os.chmod(tmp, 0o644)     # QEMU creates dump files 0400
    os.rename(tmp, path)
    log(f"dumped {fmt}: {path} ({os.path.getsize(path) >> 20} MiB, {time.monotonic() - t:.1f} s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["live", "panic"], required=True)
    ap.add_argument("--qmp", required=True)
    ap.add_argument("--serial", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--kdump", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--host-json", default="{}")
    ap.add_argument("--timeout", type=float, default=180, help="boot + workload setup")
    ap.add_argument("--total-timeout", type=float, default=420)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    qemu = a.qemu[1:] if a.qemu[:1] == ["--"] else a.qemu
    if not qemu:
        ap.error("no QEMU command line")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: sys.exit(128 + s))
    t0 = time.monotonic()
    total_deadline = t0 + a.total_timeout
    for p in (a.qmp, a.serial):
        if os.path.exists(p):
            os.unlink(p)
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, start_new_session=True)
    log(f"started QEMU pid {proc.pid}")
    ok = False
    try:
        # connect to QMP
        while True:
            if proc.poll() is not None:
                raise Fail(f"QEMU exited early with status {proc.returncode}")
            if time.monotonic() - t0 > 30:
                raise Fail("QMP socket did not appear")
            try:
                q = QMP(a.qmp, total_deadline)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.1)

        # wait for the manifest
        deadline = t0 + a.timeout
        manifest = None
        while manifest is None:
            if proc.poll() is not None:
                raise Fail(f"QEMU exited with status {proc.returncode} before the manifest")
            if time.monotonic() > deadline:
                raise Fail(f"no manifest after {a.timeout:.0f} s")
            serial = read_serial(a.serial)
            manifest = extract_manifest(serial)
            if manifest is None and "Kernel panic - not syncing" in serial:
                # a guest that dies before pvpanic is loaded stays "running"
                raise Fail("guest kernel panicked before writing the manifest")
            if manifest is None:
                st = q.cmd("query-status")
                if st["status"] not in ("running", "prelaunch"):
                    time.sleep(1)   # let QEMU flush the serial file
                    manifest = extract_manifest(read_serial(a.serial))
                    if manifest is None:
                        raise Fail(f"guest is {st['status']} and wrote no complete manifest")
                else:
                    time.sleep(0.5)
        t_manifest = time.monotonic() - t0
        log(f"manifest seen after {t_manifest:.1f} s")
        if manifest.get("mode") != a.mode:
            raise Fail(f"guest mode {manifest.get('mode')} != {a.mode}")

        if a.mode == "live":
            q.cmd("stop")
            st = q.cmd("query-status")
            if st["status"] != "paused":
                raise Fail(f"guest status after stop: {st}")
        else:
            panic_deadline = time.monotonic() + 60
            while True:
                st = q.cmd("query-status")
                if st["status"] == "guest-panicked":
                    break
                if time.monotonic() > panic_deadline:
                    raise Fail(f"guest did not panic: {st}")
                time.sleep(0.2)
        log(f"guest {st['status']} after {time.monotonic() - t0:.1f} s")

        dump(q, a.elf, "elf", total_deadline)
        dump(q, a.kdump, "kdump-zlib", total_deadline)

        host = json.loads(a.host_json)
        host["seconds_to_manifest"] = round(t_manifest, 1)
        host["guest_status_at_dump"] = st["status"]
        manifest["host"] = host
        tmp = a.manifest + ".part"
        with open(tmp, "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        os.rename(tmp, a.manifest)

        try:
            q.cmd("quit")
        except Fail:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            raise Fail("QEMU did not quit")
        ok = True
        log(f"done in {time.monotonic() - t0:.1f} s")
    except (Fail, OSError, ValueError, KeyError) as exc:
        log(f"FAILED: {exc}")
        log(f"last lines of {a.serial}:\n{tail(a.serial)}")
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        if os.path.exists(a.qmp):
            os.unlink(a.qmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
