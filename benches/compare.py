#!/usr/bin/env python3
"""compare.py - time netpry against ss and net-tools netstat on the same sockets.

For each size N it builds a fresh network namespace (../shared/bench/ns-setup.sh), fills it
with N established TCP pairs plus UDP, UNIX sockets and idle processes
(../shared/bench/mksockets.py, loopback only), then times every command of a group side by
side in one run: commands alternate, one warm-up each, then --runs timed runs; it reports the
median wall time, median user+sys CPU time and the median peak RSS, and each command's ratio to
the group's reference. Run it as root, by hand (not in CI):

    cargo build --release
    python3 benches/compare.py --sizes 1000,10000,50000,100000 --runs 7

--smoke runs N=1000 once and checks that netpry, ss and netstat count the same TCP sockets
(used by the test suite; times are printed but not judged).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("NETPRY_BENCH_SHARED", os.path.join(ROOT, "..", "shared", "bench"))
NS = os.environ.get("NETPRY_BENCH_NS", "netpry-bench")

ESTAB = "sockets().where(|s| s.state == \"ESTABLISHED\").count()"
GROUP = "sockets().group_by(\"remote_addr\").count()"


def groups(netpry):
    """(group name, reference label, [(label, argv)]) for every comparison the issue names."""
    return [
        ("tan", "ss -tan", [
            ("netpry netstat -tan", [netpry, "netstat", "-tan"]),
            ("ss -tan", ["ss", "-tan"]),
            ("netstat -tan", ["netstat", "-tan"]),
        ]),
        ("tanp", "ss -tanp", [
            ("netpry netstat -tanp", [netpry, "netstat", "-tanp"]),
            ("ss -tanp", ["ss", "-tanp"]),
            ("netstat -tanp", ["netstat", "-tanp"]),
        ]),
        ("script", "ss -tan", [
            ("netpry -e where/count", [netpry, "-e", ESTAB]),
            ("netpry -e group_by", [netpry, "-e", GROUP]),
            ("ss -tan", ["ss", "-tan"]),
        ]),
        ("small", "netstat -rn", [
            ("netpry netstat -rn", [netpry, "netstat", "-rn"]),
            ("netpry -e '1'", [netpry, "-e", "1"]),
            ("netstat -rn", ["netstat", "-rn"]),
        ]),
    ]


def run_once(argv):
    """Runs argv with output discarded; returns (wall s, user+sys s, peak RSS KiB, status)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def measure(netpry, runs):
    """Times every group inside the current namespace; returns a list of result dicts."""
    out = []
    for name, ref, cmds in groups(netpry):
        samples = {label: [] for label, _ in cmds}
        for i in range(runs + 1):
            for label, argv in cmds:
                wall, cpu, rss, code = run_once(argv)
                if code != 0:
                    raise SystemExit(f"{label} exited {code}")
                if i > 0:  # the first round is the warm-up
                    samples[label].append((wall, cpu, rss))
        ref_wall = statistics.median(s[0] for s in samples[ref])
        for label, _ in cmds:
            s = samples[label]
            wall = statistics.median(x[0] for x in s)
            out.append({
                "group": name,
                "command": label,
                "wall": wall,
                "cpu": statistics.median(x[1] for x in s),
                "rss_mib": statistics.median(x[2] for x in s) / 1024,
                "ratio": wall / ref_wall if ref_wall else float("nan"),
                "reference": ref,
            })
    return out


def count_tcp(netpry):
    """TCP socket counts (all states) as ss, netstat and netpry see them."""
    def lines(argv, skip):
        text = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        return len(text.splitlines()) - skip
    script = 'sockets().where(|s| s.proto == "tcp").count()'
    return {
        "ss": lines(["ss", "-tanH"], 0),
        "netstat": lines(["netstat", "-tan"], 2),
        "netpry netstat": lines([netpry, "netstat", "-tan"], 2),
        "netpry -e": int(subprocess.run([netpry, "-e", script], capture_output=True, text=True,
                                         check=True).stdout.strip()),
    }


def setup(n, workdir):
    """Builds the namespace and starts the populator; returns its Popen."""
    subprocess.run(["sh", os.path.join(SHARED, "ns-setup.sh")], check=True,
                   env=dict(os.environ, NS=NS))
    log = open(os.path.join(workdir, f"mks-{n}.out"), "w+")
    p = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable,
                          os.path.join(SHARED, "mksockets.py"), "-n", str(n), "-m", "1000",
                          "-k", "1000", "-p", "8", "-q", "200", "-f", "50"],
                         stdout=log, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline:
        log.seek(0)
        if "ready" in log.read():
            return p
        if p.poll() is not None:
            raise SystemExit(f"mksockets.py exited {p.returncode} before it was ready")
        time.sleep(0.2)
    p.kill()
    raise SystemExit("mksockets.py was not ready within 300 s")


def teardown(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    subprocess.run(["ip", "netns", "del", NS], check=False)


def inside(args):
    """Runs a step inside the namespace (this script re-executed under `ip netns exec`)."""
    if args.inside == "measure":
        print(json.dumps(measure(args.netpry, args.runs)))
    else:
        print(json.dumps(count_tcp(args.netpry)))


def in_ns(args, step):
    cmd = ["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
           "--inside", step, "--netpry", args.netpry, "--runs", str(args.runs)]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB, Linux {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,50000,100000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--netpry", default=os.path.join(ROOT, "target", "release", "netpry"))
    ap.add_argument("--smoke", action="store_true", help="N=1000, one run, check socket counts agree")
    ap.add_argument("--inside", choices=["measure", "count"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.netpry = os.path.abspath(args.netpry)
    if args.inside:
        return inside(args)
    if os.geteuid() != 0:
        raise SystemExit("compare.py needs root (it builds a network namespace)")
    for tool in ("ss", "netstat", "ip"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: install iproute2 and net-tools")
    if not os.access(args.netpry, os.X_OK):
        raise SystemExit(f"{args.netpry} not found: run `cargo build --release` or pass --netpry")
    sizes = [1000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    if args.smoke:
        args.runs = 1
    workdir = os.environ.get("TMPDIR", "/tmp")
    print(f"machine: {machine()}")
    print(f"netpry: {args.netpry}\n")
    print("| N | command | median wall s | median cpu s | peak RSS MiB | ratio to reference |")
    print("|---:|---|---:|---:|---:|---|")
    ok = True
    for n in sizes:
        p = setup(n, workdir)
        try:
            if args.smoke:
                counts = in_ns(args, "count")
                expected = 2 * n + 1
                print(f"counts at N={n}: {counts} (expected {expected})", file=sys.stderr)
                if any(v != expected for v in counts.values()):
                    ok = False
            for r in in_ns(args, "measure"):
                print(f"| {n} | `{r['command']}` | {r['wall']:.3f} | {r['cpu']:.3f} | "
                      f"{r['rss_mib']:.1f} | {r['ratio']:.2f} x `{r['reference']}` |")
            sys.stdout.flush()
        finally:
            teardown(p)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
