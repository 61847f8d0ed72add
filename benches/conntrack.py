#!/usr/bin/env python3
"""Connection tracking benchmark: N tracked UDP flows in a namespace of its own, then
`netpry -e 'conntrack().count()'` against `conntrack -L > /dev/null` in the same run
(median wall time of interleaved rounds, and the ratio), plus peak RSS.

Usage: sudo benches/conntrack.py [--entries N] [--runs R] [--netpry PATH]

Traffic stays inside the namespace (UDP to 127.0.0.1, nothing listening); the namespace and
its nft table go away with it. Needs root, nftables and conntrack-tools.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = f"np-ctbench-{os.getpid()}"

FLOOD = r"""
import socket, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
for i in range(n):
    # One flow per destination: (127.0.0.1:P -> 127.0.0.X:port), never answered.
    dst = "127.0.%d.%d" % (1 + i // 60000 // 250, 1 + (i // 60000) % 250)
    s.sendto(b"x", (dst, 1024 + i % 60000))
"""


def sh(*argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def timed(argv):
    """Wall seconds and peak RSS (KiB) of one run, output discarded."""
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv}: failed")
    return wall, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--netpry", default=os.path.join(ROOT, "target", "release", "netpry"))
    a = ap.parse_args()
    sh("ip", "netns", "add", NS)
    try:
        ex = ["ip", "netns", "exec", NS]
        sh(*ex, "ip", "link", "set", "lo", "up")
        sh(*ex, "sysctl", "-qw", "net.netfilter.nf_conntrack_udp_timeout=600")
        sh(*ex, "nft", "add table inet b; add chain inet b o { type filter hook output priority 0; }; "
                       "add rule inet b o ct state new accept")
        sh(*ex, sys.executable, "-c", FLOOD, str(a.entries))
        count = int(subprocess.run(ex + ["sysctl", "-n", "net.netfilter.nf_conntrack_count"],
                                   check=True, capture_output=True, text=True).stdout)
        ours = subprocess.run(ex + [a.netpry, "-e", "conntrack().count()"], check=True,
                              capture_output=True, text=True).stdout.strip()
        print(f"entries: {count} tracked, netpry counts {ours}")
        cmds = {
            "netpry -e 'conntrack().count()'": ex + [a.netpry, "-e", "conntrack().count()"],
            "netpry table conntrack --format csv": ex + [a.netpry, "table", "conntrack", "--format", "csv"],
            "conntrack -L": ex + ["conntrack", "-L"],
        }
        times = {k: [] for k in cmds}
        rss = {k: 0 for k in cmds}
        for _ in range(a.runs):
            for k, argv in cmds.items():
                w, r = timed(argv)
                times[k].append(w)
                rss[k] = max(rss[k], r)
        base = statistics.median(times["conntrack -L"])
        for k in cmds:
            m = statistics.median(times[k])
            print(f"{k:40} {m * 1000:8.1f} ms  {m / base:5.2f} x conntrack -L  "
                  f"peak RSS {rss[k] / 1024:6.1f} MiB")
    finally:
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    main()
