#!/usr/bin/env python3
"""fleet.py - time netpry over a fleet of snapshots (issue 14).

Writes --count gzip-compressed snapshots of about --sockets sockets each with fleetgen.py
(from --base, by default a snapshot of this host taken with the netpry under test), then times,
after one warm-up run, --runs runs of each of:

  * netpry --snapshot 'DIR/*.json.gz' -e 'sockets().group_by("host").count()'
  * netpry --snapshot 'DIR/*.json.gz' -e 'sockets().where(|s| s.state == "CLOSE_WAIT")
                                          .group_by("host").count()'
  * netpry --snapshot 'DIR/*.json.gz' export OUT        (OUT emptied before each run)

and reports the median wall time, CPU time (user+sys: above the wall time means the loading ran
on more than one core), and peak RSS (GNU time's %M, else wait4's ru_maxrss) of each, with the
issue's targets (query <= 10 s and <= 1 GiB, export <= 15 s). The generated fleet is kept in
--dir for another run (it is reused when it holds --count files).

Usage: benches/fleet.py [--netpry target/release/netpry] [--count 1000] [--sockets 1000]
                        [--runs 3] [--dir /tmp/netpry-fleet] [--base SNAPSHOT]
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_once(argv):
    """(wall s, user+sys s, peak RSS KiB) of argv, output discarded; fails loudly."""
    gnu_time = "/usr/bin/time"
    rss_file = f"/tmp/netpry-fleet-rss-{os.getpid()}"
    use_gnu = os.access(gnu_time, os.X_OK)
    cmd = [gnu_time, "-f", "%M", "-o", rss_file, *argv] if use_gnu else argv
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_RDWR)
            os.dup2(fd, 0)
            os.dup2(fd, 1)
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"fleet.py: {' '.join(argv)} failed")
    rss = ru.ru_maxrss
    if use_gnu:
        with open(rss_file) as f:
            rss = int(f.read().split()[-1])
        os.unlink(rss_file)
    return wall, ru.ru_utime + ru.ru_stime, rss


def measure(label, argv, runs, before=None):
    if before:
        before()
    run_once(argv)  # warm-up
    rows = []
    for _ in range(runs):
        if before:
            before()
        rows.append(run_once(argv))
    wall = statistics.median(r[0] for r in rows)
    cpu = statistics.median(r[1] for r in rows)
    rss = statistics.median(r[2] for r in rows)
    print(f"{label:<34} wall {wall:6.2f} s   cpu {cpu:6.2f} s   peak RSS {rss / 1024:7.1f} MiB")
    return wall, cpu, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--netpry", default="target/release/netpry")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/netpry-fleet")
    ap.add_argument("--base")
    a = ap.parse_args()
    netpry = os.path.abspath(a.netpry)
    snaps = os.path.join(a.dir, "snaps")
    have = glob.glob(os.path.join(snaps, "*.json.gz"))
    if len(have) != a.count:
        shutil.rmtree(snaps, ignore_errors=True)
        os.makedirs(a.dir, exist_ok=True)
        base = a.base
        if not base:
            base = os.path.join(a.dir, "base.json")
            subprocess.run([netpry, "snapshot", "-o", base], check=True,
                           stderr=subprocess.DEVNULL)
        t = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(HERE, "fleetgen.py"), "--base", base,
                        "--count", str(a.count), "--sockets", str(a.sockets), "--out", snaps,
                        "--gzip"], check=True)
        print(f"generated in {time.perf_counter() - t:.1f} s")
    files = glob.glob(os.path.join(snaps, "*.json.gz"))
    size = sum(os.path.getsize(f) for f in files)
    print(f"fleet: {len(files)} snapshots, {size / 2**20:.1f} MiB compressed; "
          f"{os.cpu_count()} cores; netpry {netpry}")
    pattern = os.path.join(snaps, "*.json.gz")
    out = os.path.join(a.dir, "export")

    def clean():
        shutil.rmtree(out, ignore_errors=True)

    q = measure("query group_by(host).count()",
                [netpry, "--snapshot", pattern, "-e", 'sockets().group_by("host").count()'],
                a.runs)
    measure("query CLOSE_WAIT by host",
            [netpry, "--snapshot", pattern, "-e",
             'sockets().where(|s| s.state == "CLOSE_WAIT").group_by("host").count()'],
            a.runs)
    e = measure("export", [netpry, "--snapshot", pattern, "export", out], a.runs, clean)
    ok = q[0] <= 10 and q[2] <= 1 << 20 and e[0] <= 15
    print(f"targets (query <= 10 s and <= 1 GiB, export <= 15 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
