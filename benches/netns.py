#!/usr/bin/env python3
"""netns.py - time `netpry --all-netns netstat -tan` over many namespaces.

Builds --namespaces named network namespaces (`ip netns add npb-PID-I`, lo up) and, from one
holder process that enters each in turn (setns), --pairs established TCP pairs on loopback in
each (plus one listener). Also builds one namespace holding the same number of sockets
(namespaces x pairs pairs) on its own. Then times, alternating, after one warm-up round:

  * netpry --all-netns netstat -tan          (every namespace, one process)
  * netpry --all-netns netstat -tanp         (with the owner scan)
  * the shell loop `for ns in $(ip netns list); do ip netns exec $ns ss -tan; done`
  * ss -tan inside the single big namespace  (the same number of sockets in one namespace)

Phase 1 holds the pairs spread over the namespaces, phase 2 the same number in the big one
(never both at once: every namespace's socket dump walks the one host-wide TCP hash). It reports
the median wall time and the peak RSS (GNU time's %M, else wait4's ru_maxrss) of
each, and the ratios the issue asks about. Everything it made (namespaces, the holder) is
removed on exit, also on failure or Ctrl-C. Needs root.

With --child-ehash N the namespaces are made while net.ipv4.tcp_child_ehash_entries is N
(restored on exit), so each gets a TCP hash table of its own (Linux 5.19+) instead of sharing
the host's: a namespace's dump then walks only its own sockets.

Usage: benches/netns.py [--netpry target/release/netpry] [--namespaces 200] [--pairs 250]
                        [--runs 3] [--child-ehash N]
"""

import argparse
import ctypes
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)

HOLDER = r'''
import ctypes, os, resource, socket, sys, time
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
spec = sys.argv[1:]
need = sum(int(s.split("=")[1]) for s in spec) * 2 + len(spec) + 100
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
keep = []
for s in spec:
    name, n, port = s.split("="); n = int(n); port = int(port)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit(f"setns {name}: errno {ctypes.get_errno()}")
    os.close(fd)
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", port)); l.listen(4096); keep.append(l)
    for i in range(n):
        c = socket.socket()
        c.setsockopt(socket.IPPROTO_IP, 24, 1)  # IP_BIND_ADDRESS_NO_PORT
        c.bind((f"127.0.{1 + i // 20000}.{2 + (i // 250) % 250}", 0))
        c.connect(("127.0.0.1", port))
        a, _ = l.accept()
        keep += [c, a]
print("ready", flush=True)
time.sleep(100000)
'''


def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def run_once(argv, shell=False):
    """(wall seconds, exit status) of one run, output discarded."""
    start = time.perf_counter()
    p = subprocess.run(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, p.returncode


def peak_rss_kib(argv, shell=False):
    """Peak RSS in KiB under GNU time (for a shell loop: the largest single process)."""
    out = f"/tmp/netpry-netns-bench-rss-{os.getpid()}"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", out]
    cmd += ["bash", "-c", argv] if shell else argv
    if not os.access("/usr/bin/time", os.X_OK):
        return None
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with open(out) as f:
            return int(f.read().split()[-1])
    finally:
        os.unlink(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netpry", default="target/release/netpry")
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--pairs", type=int, default=250)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child-ehash", type=int, default=None,
                    help="net.ipv4.tcp_child_ehash_entries while the namespaces are made")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    tag = f"npb-{os.getpid()}"
    names = [f"{tag}-{i}" for i in range(a.namespaces)]
    big = f"{tag}-big"
    made = []
    holders = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    def hold(spec):
        """Starts holders of at most `per` pairs each (the fd limit may not be raisable
        without CAP_SYS_RESOURCE)."""
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        per = max(a.pairs, min(20000, (hard - 200) // 2))
        chunks, cur, size = [], [], 0
        for s_ in spec:
            k = int(s_.split("=")[1])
            if cur and size + k > per:
                chunks.append(cur)
                cur, size = [], 0
            cur.append(s_)
            size += k
        chunks.append(cur)
        for c in chunks:
            h = subprocess.Popen([sys.executable, "-c", HOLDER, *c], stdout=subprocess.PIPE,
                                 text=True)
            holders.append(h)
            if h.stdout.readline().strip() != "ready":
                sys.exit("holder failed")
        return per

    def release():
        while holders:
            h = holders.pop()
            h.kill()
            h.wait()

    def measure(cmds):
        wall = {label: [] for label, _, _ in cmds}
        for r in range(a.runs + 1):
            for label, argv, shell in cmds:
                w, code = run_once(argv, shell)
                if code != 0:
                    print(f"warning: {label} exited {code}", file=sys.stderr)
                if r > 0:
                    wall[label].append(w)
        rss = {label: peak_rss_kib(argv, shell) for label, argv, shell in cmds}
        med = {k: statistics.median(v) for k, v in wall.items()}
        for label, _, _ in cmds:
            r = rss[label]
            rs = f"{r / 1024:.1f}" if r else "?"
            print(f"{label:44} {med[label]:14.3f} {rs:>13}", flush=True)
        return med

    knob = "/proc/sys/net/ipv4/tcp_child_ehash_entries"
    saved_knob = None
    try:
        t0 = time.perf_counter()
        if a.child_ehash is not None:
            with open(knob) as f:
                saved_knob = f.read().strip()
            with open(knob, "w") as f:
                f.write(str(a.child_ehash))
        for n in names + [big]:
            sh("ip", "netns", "add", n)
            made.append(n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        if saved_knob is not None:
            with open(knob, "w") as f:
                f.write(saved_knob)
            saved_knob = None
        total = a.pairs * a.namespaces * 2
        others = len(subprocess.run(["ip", "netns", "list"], capture_output=True,
                                    text=True).stdout.splitlines()) - len(made)
        # Phase 1: the sockets spread over the namespaces (the big one empty).
        hold([f"{n}={a.pairs}=5000" for n in names])
        print(f"phase 1: {a.namespaces} namespaces x {a.pairs} established pairs ({total} "
              f"sockets; {others} other named namespaces on the host), set up in "
              f"{time.perf_counter() - t0:.1f} s; {a.runs} timed rounds", flush=True)
        print(f"{'command':44} {'median wall s':>14} {'peak RSS MiB':>13}")
        loop = "for ns in $(ip netns list | cut -d' ' -f1); do ip netns exec $ns ss -tan; done"
        m1 = measure([
            ("netpry --all-netns netstat -tan", [a.netpry, "--all-netns", "netstat", "-tan"], False),
            ("netpry --all-netns netstat -tanp", [a.netpry, "--all-netns", "netstat", "-tanp"], False),
            ("shell loop: ip netns exec NS ss -tan", loop, True),
        ])
        release()
        # Phase 2: the same number of sockets in one namespace.
        spec, left, port = [], a.pairs * a.namespaces, 5000
        per = max(a.pairs, min(20000, (resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 200) // 2))
        while left > 0:
            k = min(per, left)
            spec.append(f"{big}={k}={port}")
            left -= k
            port += 1
        hold(spec)
        print(f"phase 2: one namespace with {total} sockets", flush=True)
        m2 = measure([
            ("ss -tan, one namespace, same sockets", ["nsenter", f"--net=/run/netns/{big}", "ss", "-tan"], False),
            ("netpry --netns BIG netstat -tan", [a.netpry, "--netns", big, "netstat", "-tan"], False),
        ])
        ours = m1["netpry --all-netns netstat -tan"]
        print(f"ratio vs shell loop: {ours / m1['shell loop: ip netns exec NS ss -tan']:.3f} (goal <= 0.2)")
        print(f"ratio vs one ss -tan: {ours / m2['ss -tan, one namespace, same sockets']:.2f} (goal <= 3)")
    finally:
        if saved_knob is not None:
            with open(knob, "w") as f:
                f.write(saved_knob)
        release()
        for n in made:
            subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
