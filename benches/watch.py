#!/usr/bin/env python3
"""Watch and diff benchmark over many TCP sockets, in a namespace of its own.

  * `netpry watch -n 1 table sockets` (JSON to /dev/null), whole table and with `-c` (no
    owners, so no /proc scan): CPU seconds per interval in steady state, measured from
    outside as (CPU of a run of 1 + 2S collections - CPU of a run of 1 + S) / S, so the
    start-up and the first full set of events cancel out, and from inside as the median and
    maximum of netpry's own per-interval figures. Target: <= 0.25 s per interval at 100k
    TCP sockets.
  * `netpry diff A.json B.json`: wall time and peak RSS between two snapshots of the same
    sockets taken a few seconds apart (sockets table only, then every table). Target at 100k
    sockets: <= 2 s and <= 300 MiB.

Usage: sudo benches/watch.py [--sockets N] [--steady S] [--netpry PATH]

The sockets are made by ../shared/bench/mksockets.py (N/2 connections over loopback: N
ESTABLISHED sockets and a listener); everything stays in the namespace and goes with it.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The shared harness sits beside the checkout (../shared) or beside its worktree directory.
MKSOCKETS = next((p for p in (os.path.join(ROOT, "..", "shared", "bench", "mksockets.py"),
                              os.path.join(ROOT, "..", "..", "shared", "bench", "mksockets.py"))
                  if os.path.exists(p)), "mksockets.py")
NS = f"np-watchbench-{os.getpid()}"


def sh(*argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def measured(argv, stdout=subprocess.DEVNULL):
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one run."""
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{argv}: status {code}: {p.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def interval_cpu(argv):
    """Seconds of CPU of each interval after the first, from netpry's stats lines
    (`netpry-stats: interval N: CPU collect A ms, compare B ms, events C ms`)."""
    env = dict(os.environ, NETPRY_DEBUG_STATS="1")
    p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       check=True)
    out = []
    for line in p.stderr.decode().splitlines():
        m = re.match(r"netpry-stats: interval (\d+): CPU collect ([\d.]+) ms, "
                     r"compare ([\d.]+) ms, events ([\d.]+) ms", line)
        if m and int(m.group(1)) > 1:
            out.append(sum(float(m.group(i)) for i in (2, 3, 4)) / 1000)
    if not out:
        sys.exit(f"{argv}: no per-interval stats on stderr")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sockets", type=int, default=100_000)
    ap.add_argument("--steady", type=int, default=10,
                    help="intervals measured after the first")
    ap.add_argument("--mksockets", default=os.path.normpath(MKSOCKETS))
    ap.add_argument("--netpry", default=os.path.join(ROOT, "target", "release", "netpry"))
    a = ap.parse_args()
    sh("ip", "netns", "add", NS)
    helper = None
    try:
        ex = ["ip", "netns", "exec", NS]
        sh(*ex, "ip", "link", "set", "lo", "up")
        helper = subprocess.Popen(
            ex + ["python3", a.mksockets, "-n", str(a.sockets // 2), "-p", "16"],
            stdout=subprocess.PIPE)
        line = helper.stdout.readline().decode().strip()
        if line != "ready":
            sys.exit(f"mksockets did not get ready: {line!r}")
        np = ex + [a.netpry]
        count = subprocess.run(np + ["-e", "sockets().count()"], check=True,
                               capture_output=True).stdout.decode().strip()
        print(f"sockets in the namespace: {count}")

        cols = "proto,state,local_addr,local_port,remote_addr,remote_port,bytes_acked,bytes_received"
        for target in (["table", "sockets"], ["table", "sockets", "-c", cols]):
            # From outside: (CPU of a run of 1 + 2S intervals - CPU of a run of 1 + S) / S. Both
            # runs pay the first interval (100k "added" events, whose CPU varies by tenths of
            # a second from run to run), so it cancels out instead of being subtracted.
            _, cpu1, _ = measured(np + ["watch", "-n", "1", "--count", str(1 + a.steady)]
                                  + target)
            _, cpun, rssn = measured(np + ["watch", "-n", "1", "--count",
                                           str(1 + 2 * a.steady)] + target)
            per = (cpun - cpu1) / a.steady
            # From inside: netpry's own per-interval CPU split (NETPRY_DEBUG_STATS=1) of every
            # interval after the first.
            steady = interval_cpu(np + ["watch", "-n", "1", "--count", str(1 + a.steady)]
                                  + target)
            print(f"watch -n 1 {' '.join(target)}: steady state {per:.3f} s CPU per interval "
                  f"over {a.steady} intervals (target <= 0.25); per-interval CPU of intervals "
                  f"2-{1 + a.steady}: median {median(steady):.3f} s, max {max(steady):.3f} s; "
                  f"peak RSS {rssn:.0f} MiB")

        with tempfile.TemporaryDirectory() as d:
            old, new = os.path.join(d, "a.json"), os.path.join(d, "b.json")
            sh(*np, "snapshot", "-o", old, stderr=subprocess.DEVNULL)
            time.sleep(2)
            sh(*np, "snapshot", "-o", new, stderr=subprocess.DEVNULL)
            size = os.path.getsize(new) / 2**20
            for extra in (["--table", "sockets"], []):
                wall, cpu, rss = measured([a.netpry, "diff", old, new] + extra)
                what = "sockets only" if extra else "every table"
                print(f"diff of two {size:.0f} MiB snapshots ({what}): {wall:.2f} s wall, "
                      f"{cpu:.2f} s CPU, peak RSS {rss:.0f} MiB (target <= 2 s, <= 300 MiB)")
    finally:
        if helper:
            helper.terminate()
            helper.wait()
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    main()
