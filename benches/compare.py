#!/usr/bin/env python3
"""compare.py - time netpry against ss and net-tools netstat on the same sockets.

For each size N it builds a fresh network namespace (lo up, a veth pair with both ends inside,
20 static routes), fills it with N established TCP pairs (2N+1 TCP sockets), 1000 UDP and 1000
UNIX sockets, 8+ socket-holding processes and 200 idle processes with 50 open files each
(benches/mksockets.py, loopback only), checks that netpry, ss and netstat count the same TCP
and UDP sockets, then times every command of a group side by side: the commands of a group
alternate, one warm-up round, then --runs timed rounds. It reports, per command, the median
wall time, the median user+sys CPU time (both whole-process figures, start-up included), the
median peak RSS of three more runs under GNU time (one for the slow -p group), and the median
of the per-round ratios to the group's reference command.

Run it as root, by hand (not in CI), on a quiet machine:

    cargo build --release
    python3 benches/compare.py                      # N = 1k, 10k, 50k, 100k
    python3 benches/compare.py --sizes 100000 --groups tan,script --runs 11
    python3 benches/compare.py --sizes 100000,250000,500000 --groups tan,lazy,snap --runs 3
                                                    # the size sweep of issue 16 (~7 GB RAM)

--smoke runs N=1000 with one timed round and only checks that the socket counts agree (the
test suite runs it with the debug binary; times are printed, never judged). The namespace
(NETPRY_BENCH_NS, default netpry-bench) and the populator are removed at the end, also after
a failure, Ctrl-C or SIGTERM; the populator also dies with this script (PR_SET_PDEATHSIG).
"""

import argparse
import ctypes
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
POPULATOR = os.path.join(HERE, "mksockets.py")
NS = os.environ.get("NETPRY_BENCH_NS", "netpry-bench")

ESTAB = 'sockets().where(|s| s.state == "ESTABLISHED").count()'
GROUP = 'sockets().group_by("remote_addr").count()'

# The query shapes of issue 16 (lazy, compact tables), by label.
LAZY = [
    ("count", 'sockets().count()'),
    ("let t; count", 'let t = sockets(); t.count()'),
    ("group top 10", 'sockets().group_by("remote_addr").count().sort_desc("count").limit(10)'),
    ("where/group/count",
     'sockets().where(|s| s.state == "ESTABLISHED").group_by("remote_addr").count().count()'),
    ("sort/limit/select",
     'sockets().sort_desc("recv_q").limit(10).select(["local_port", "recv_q"])'),
]
JOIN = 'sockets().join(processes(), "pid", "pid").count()'
SNAPSHOT_FILE = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"netpry-bench-snapshot-{NS}.json")

# (group, reference label, default timed rounds or None for --runs, commands)
GROUP_NAMES = ("tan", "tanp", "script", "small", "lazy", "lazyp", "snap")


def groups(netpry):
    """(group name, reference label, [(label, argv)]) for every comparison of issue 7."""
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
        ("lazy", "ss -tan", [
            *((f"netpry -e {label}", [netpry, "-e", src]) for label, src in LAZY),
            ("ss -tan", ["ss", "-tan"]),
        ]),
        ("lazyp", "ss -tanp", [
            ("netpry -e join/count", [netpry, "-e", JOIN]),
            ("ss -tanp", ["ss", "-tanp"]),
        ]),
        ("snap", "ss -tan", [
            ("netpry snapshot -o FILE", [netpry, "snapshot", "-o", SNAPSHOT_FILE]),
            ("netpry --snapshot FILE -e count",
             [netpry, "--snapshot", SNAPSHOT_FILE, "-e", "sockets().count()"]),
            ("ss -tan", ["ss", "-tan"]),
        ]),
        ("small", "netstat -rn", [
            ("netpry netstat -rn", [netpry, "netstat", "-rn"]),
            ("netpry -e '1'", [netpry, "-e", "1"]),
            ("netstat -rn", ["netstat", "-rn"]),
        ]),
    ]


# --------------------------------------------------------------------------- inside the netns

def run_once(argv):
    """Runs argv with stdin, stdout and stderr on /dev/null; returns
    (wall s, user+sys s, peak RSS KiB, exit status)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_RDWR)
            for i in (0, 1, 2):
                os.dup2(fd, i)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def peak_rss(argv, runs=3):
    """Median peak RSS in KiB over `runs` runs through GNU time, whose small process forks
    the command (a child forked by this Python process would report Python's RSS as its
    peak, about 13 MiB, because the peak survives exec). Falls back to wait4's ru_maxrss."""
    gnu_time = "/usr/bin/time"
    if not os.access(gnu_time, os.X_OK):
        return statistics.median(run_once(argv)[2] for _ in range(runs))
    peaks = []
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"netpry-bench-rss-{os.getpid()}")
    try:
        for _ in range(runs):
            code = subprocess.run([gnu_time, "-f", "%M", "-o", out, *argv],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode
            if code != 0:
                raise SystemExit(f"{' '.join(argv)} exited {code} (under {gnu_time})")
            with open(out) as f:
                peaks.append(int(f.read().split()[-1]))
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return statistics.median(peaks)


def measure(netpry, runs, runs_p, only):
    """Times the chosen groups inside the current namespace; returns a list of result dicts."""
    out = []
    for name, ref, cmds in groups(netpry):
        if name not in only:
            continue
        if name == "snap":
            # The read-back command needs a file before its first round.
            code = run_once([netpry, "snapshot", "-o", SNAPSHOT_FILE])[3]
            if code != 0:
                raise SystemExit(f"netpry snapshot exited {code}")
        # The small commands take about a millisecond: more rounds to beat scheduling noise.
        n_runs = {"tanp": runs_p, "lazyp": runs_p, "small": max(20, 5 * runs)}.get(name, runs)
        samples = {label: [] for label, _ in cmds}
        for i in range(n_runs + 1):
            # Alternate, and rotate the order each round so no command always runs first.
            order = cmds[i % len(cmds):] + cmds[:i % len(cmds)]
            for label, argv in order:
                wall, cpu, rss, code = run_once(argv)
                if code != 0:
                    raise SystemExit(f"{label} exited {code}")
                if i > 0:  # the first round is the warm-up
                    samples[label].append((wall, cpu, rss))
        rss_runs = 1 if name in ("tanp", "lazyp") or runs <= 1 else 3
        peaks = {label: peak_rss(argv, rss_runs) for label, argv in cmds}
        ref_s = samples[ref]
        for label, _ in cmds:
            s = samples[label]
            out.append({
                "group": name,
                "command": label,
                "reference": ref,
                "runs": len(s),
                "wall": statistics.median(x[0] for x in s),
                "wall_min": min(x[0] for x in s),
                "wall_max": max(x[0] for x in s),
                "cpu": statistics.median(x[1] for x in s),
                "rss_mib": peaks[label] / 1024,
                # Median of the per-round ratios (the rounds alternate, so a burst of load
                # hits both sides of a pair).
                "ratio": statistics.median(a[0] / b[0] for a, b in zip(s, ref_s)),
            })
    return out


def count_sockets(netpry):
    """TCP and UDP socket counts (every state) as ss, netstat and netpry see them."""
    def lines(argv, skip):
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.strip()}")
        return len(r.stdout.splitlines()) - skip

    def script(src):
        r = subprocess.run([netpry, "-e", src], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"netpry -e {src!r} exited {r.returncode}: {r.stderr.strip()}")
        return int(r.stdout.strip())

    counts = {}
    for proto, flag in (("tcp", "t"), ("udp", "u")):
        counts[proto] = {
            "ss": lines(["ss", f"-{flag}anH"], 0),
            "netstat": lines(["netstat", f"-{flag}an"], 2),
            "netpry netstat": lines([netpry, "netstat", f"-{flag}an"], 2),
            "netpry -e": script(f'sockets().where(|s| s.proto == "{proto}").count()'),
        }
    return counts


def inside(args):
    """A step run inside the namespace (this script re-executed under `ip netns exec`)."""
    if args.inside == "measure":
        result = measure(args.netpry, args.runs, args.runs_p, args.groups.split(","))
    else:
        result = count_sockets(args.netpry)
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------- the namespace

def sh(*argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {r.stderr.strip()}")


def ns_setup():
    """A fresh namespace: lo up, veth v0/v1 inside it (IPv6 off), 20 static routes."""
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    sh("ip", "netns", "add", NS)
    x = ["ip", "-n", NS]
    sh(*x, "link", "set", "lo", "up")
    sh("ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
    sh(*x, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    sh(*x, "addr", "add", "10.200.0.1/24", "dev", "v0")
    sh(*x, "addr", "add", "10.200.1.1/24", "dev", "v1")
    sh(*x, "link", "set", "v0", "up")
    sh(*x, "link", "set", "v1", "up")
    for i in range(1, 21):
        sh(*x, "route", "add", f"10.201.{i}.0/24", "via", "10.200.0.2", "dev", "v0")


def die_with_parent():
    """preexec_fn: the populator gets SIGTERM when this script dies (it then ends its own
    children); survives the exec of `ip netns exec` and of python."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Fixture:
    """The namespace with N pairs and its populator; `close` removes both (idempotent)."""

    def __init__(self, n, logdir):
        self.proc = None
        self.log_path = os.path.join(logdir, f"netpry-bench-{NS}-{n}.log")
        ns_setup()
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", NS, sys.executable, POPULATOR, "-n", str(n), "-m", "1000",
             "-k", "1000", "-p", "8", "-q", "200", "-f", "50"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        deadline = time.time() + 600
        while time.time() < deadline:
            self.log.seek(0)
            text = self.log.read()
            if "ready" in text.split():
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"mksockets.py exited {self.proc.returncode} before it was "
                                 f"ready:\n{text}")
            time.sleep(0.2)
        raise SystemExit("mksockets.py was not ready within 600 s")

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            # `ip netns exec` execs python, so this pid is the populator itself; on SIGTERM it
            # ends its children by pid and exits.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        if not self.log.closed:
            self.log.close()


def in_ns(args, step):
    cmd = ["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
           "--inside", step, "--netpry", args.netpry, "--runs", str(args.runs),
           "--runs-p", str(args.runs_p), "--groups", args.groups]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{step} inside {NS} failed: {r.stderr.strip() or r.stdout.strip()}")
    return json.loads(r.stdout)


# --------------------------------------------------------------------------- reporting

def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Linux {platform.release()}"


def version(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def busy_fraction(seconds=1.0):
    """Share of CPU time not idle over `seconds`, from /proc/stat."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(1, t1 - t0)


def wait_quiet(limit, max_wait):
    """Waits (at most max_wait s) until the machine is at most `limit` busy; returns the busy
    share seen last."""
    deadline = time.time() + max_wait
    while True:
        b = busy_fraction()
        if b <= limit or time.time() >= deadline:
            return b
        time.sleep(2)


def secs(x):
    """Seconds with three significant digits below 0.1 s (the small commands take 2 ms)."""
    return f"{x:.4f}" if x < 0.01 else f"{x:.3f}"


# (group, command, reference, max ratio, sizes it applies to) from issue 7.
TARGETS = [
    ("tan", "netpry netstat -tan", "ratio", 0.7, (50000, 100000)),
    ("tanp", "netpry netstat -tanp", "ratio", 0.25, (50000,)),
    ("tanp", "netpry netstat -tanp", "ratio", 0.1, (100000,)),
    ("script", "netpry -e where/count", "ratio", 1.0, (100000,)),
    ("script", "netpry -e group_by", "ratio", 1.5, (100000,)),
    ("tan", "netpry netstat -tan", "rss_mib", 64.0, (100000,)),
    ("small", "netpry netstat -rn", "ratio", 1.5, None),
    ("small", "netpry -e '1'", "ratio", 1.5, None),
    # Issue 16: lazy, compact tables.
    *(("lazy", f"netpry -e {label}", field, limit, (100000,))
      for label, _ in LAZY for field, limit in (("ratio", 1.0), ("rss_mib", 48.0))),
    *(("lazy", f"netpry -e {label}", field, limit, (250000, 500000))
      for label, _ in LAZY for field, limit in (("ratio", 1.0), ("rss_mib", 160.0))),
    ("lazyp", "netpry -e join/count", "ratio", 0.25, (100000,)),
    ("lazyp", "netpry -e join/count", "rss_mib", 96.0, (100000,)),
    ("snap", "netpry snapshot -o FILE", "wall", 0.8, (100000,)),
    ("snap", "netpry snapshot -o FILE", "rss_mib", 96.0, (100000,)),
    ("snap", "netpry --snapshot FILE -e count", "wall", 0.3, (100000,)),
    ("snap", "netpry --snapshot FILE -e count", "rss_mib", 96.0, (100000,)),
    ("snap", "netpry snapshot -o FILE", "wall", 4.0, (500000,)),
    ("snap", "netpry snapshot -o FILE", "rss_mib", 256.0, (500000,)),
    ("snap", "netpry --snapshot FILE -e count", "wall", 2.0, (500000,)),
    ("snap", "netpry --snapshot FILE -e count", "rss_mib", 256.0, (500000,)),
]


def check_targets(results):
    """Lines judging the issue's targets on the sizes measured."""
    lines = []
    for group, cmd, field, limit, sizes in TARGETS:
        for n, rows in sorted(results.items()):
            if sizes is not None and n not in sizes:
                continue
            r = next((r for r in rows if r["group"] == group and r["command"] == cmd), None)
            if r is None:
                continue
            v = r[field]
            what = {"ratio": f"x `{r['reference']}`", "wall": "s"}.get(field, "MiB peak RSS")
            verdict = "met" if v <= limit else "NOT met"
            lines.append(f"- N={n}: `{cmd}` {v:.2f} {what} (target <= {limit}): {verdict}")
    # -p must be linear in N: the marginal wall time per added socket between consecutive
    # sizes stays about the same (a quadratic cost doubles it each time N doubles).
    lazy = [f"netpry -e {label}" for label, _ in LAZY]
    for cmd in ("netpry netstat -tanp", "ss -tanp", "netstat -tanp", "ss -tan", *lazy,
                "netpry -e join/count", "netpry snapshot -o FILE",
                "netpry --snapshot FILE -e count"):
        points = []
        for n, rows in sorted(results.items()):
            r = next((r for r in rows if r["command"] == cmd), None)
            if r is not None:
                points.append((n, r["wall"], r["cpu"], r["rss_mib"]))
        marginal = [((n1, n2), (w2 - w1) / (2 * (n2 - n1)) * 1e6)
                    for (n1, w1, _, _), (n2, w2, _, _) in zip(points, points[1:]) if n1 >= 10000]
        if not marginal:
            continue
        parts = ", ".join(f"{a // 1000}k-{b // 1000}k: {us:.2f} us" for (a, b), us in marginal)
        # The size sweep (issue 16): CPU time and peak RSS per added socket too.
        sweep = "; ".join(
            f"{n1 // 1000}k-{n2 // 1000}k: cpu {(c2 - c1) / (2 * (n2 - n1)) * 1e6:.2f} us, "
            f"rss {(m2 - m1) * 2**20 / (2 * (n2 - n1)):.0f} B"
            for (n1, _, c1, m1), (n2, _, c2, m2) in zip(points, points[1:]) if n1 >= 10000)
        lines.append(f"- `{cmd}` per added socket: {sweep}")
        if len(marginal) >= 2 and min(us for _, us in marginal) > 0:
            spread = max(us for _, us in marginal) / min(us for _, us in marginal)
            verdict = f"(max/min {spread:.2f}: {'linear' if spread <= 1.5 else 'NOT linear'})"
        else:
            verdict = ""
        target = " (target: linear)" if cmd.startswith("netpry netstat") else ""
        lines.append(f"- `{cmd}` wall per added socket{target}: {parts} {verdict}".rstrip())
    return lines


# --------------------------------------------------------------------------- main

class Stop(Exception):
    """Raised from SIGTERM/SIGHUP so that cleanup runs."""


def on_signal(signum, _frame):
    raise Stop(f"stopped by signal {signum}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,50000,100000",
                    help="comma-separated numbers of TCP pairs (default 1000,10000,50000,100000)")
    ap.add_argument("--runs", type=int, default=7, help="timed rounds per group (default 7)")
    ap.add_argument("--runs-p", type=int, default=3,
                    help="timed rounds for the -p group, which is slow at 100k (default 3)")
    ap.add_argument("--groups", default=",".join(GROUP_NAMES),
                    help="comma-separated groups: tan, tanp, script, small, lazy, lazyp, snap "
                         "(default: all)")
    ap.add_argument("--netpry", default=os.path.join(ROOT, "target", "release", "netpry"))
    ap.add_argument("--smoke", action="store_true",
                    help="N=1000, one timed round, check that the socket counts agree")
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    ap.add_argument("--quiet", type=float, default=0.25, metavar="SHARE",
                    help="before each size, wait until the machine is at most this busy "
                         "(default 0.25) ...")
    ap.add_argument("--quiet-wait", type=float, default=60, metavar="S",
                    help="... but at most S seconds (default 60; 0 to not wait)")
    ap.add_argument("--inside", choices=["measure", "count"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.netpry = os.path.abspath(args.netpry)
    unknown = set(args.groups.split(",")) - set(GROUP_NAMES)
    if unknown:
        raise SystemExit(f"unknown group(s) {', '.join(sorted(unknown))}: "
                         f"choose from {', '.join(GROUP_NAMES)}")
    if args.inside:
        return inside(args)
    if os.geteuid() != 0:
        raise SystemExit("compare.py needs root (it builds a network namespace)")
    for tool in ("ss", "netstat", "ip"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: install iproute2 and net-tools")
    if not os.access(args.netpry, os.X_OK):
        raise SystemExit(f"{args.netpry} not found: run `cargo build --release` or pass --netpry")
    if args.smoke:
        sizes, args.runs, args.runs_p, args.quiet_wait = [1000], 1, 1, 0
    else:
        sizes = [int(s) for s in args.sizes.split(",")]

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    logdir = os.environ.get("TMPDIR", "/tmp")
    print(f"machine: {machine()}")
    print(f"netpry: {args.netpry} ({version([args.netpry, '--version'])})")
    print(f"ss: {version(['ss', '-V'])}; netstat: {version(['netstat', '-V'])}")
    print(f"rounds: {args.runs} (-p group: {args.runs_p}) after one warm-up; "
          f"load average at start: {loadavg()}\n")
    sys.stdout.flush()
    header = ("| N | command | wall s (min-max) | cpu s | peak RSS MiB | ratio | busy |\n"
              "|---:|---|---:|---:|---:|---|---:|")
    results = {}
    ok = True
    fixture = None
    try:
        for n in sizes:
            busy = wait_quiet(args.quiet, args.quiet_wait) if args.quiet_wait > 0 else None
            fixture = Fixture(n, logdir)
            counts = in_ns(args, "count")
            want = {"tcp": 2 * n + 1, "udp": 1000}
            bad = {p: c for p, c in counts.items() if any(v != want[p] for v in c.values())}
            print(f"counts N={n}: {json.dumps(counts, sort_keys=True)} "
                  f"(expected tcp {want['tcp']}, udp {want['udp']})", file=sys.stderr)
            if bad:
                ok = False
                print(f"COUNT MISMATCH at N={n}: {json.dumps(bad, sort_keys=True)}",
                      file=sys.stderr)
            rows = in_ns(args, "measure")
            results[n] = rows
            if len(results) == 1:
                print(header)
            busy_text = "?" if busy is None else f"{busy * 100:.0f}%"
            for r in rows:
                ratio = ("" if r["command"] == r["reference"]
                         else f"{r['ratio']:.2f} x `{r['reference']}`")
                print(f"| {n} | `{r['command']}` | {secs(r['wall'])} ({secs(r['wall_min'])}-"
                      f"{secs(r['wall_max'])}) | {secs(r['cpu'])} | {r['rss_mib']:.1f} | "
                      f"{ratio} | {busy_text} |")
            sys.stdout.flush()
            fixture.close()
            fixture = None
    except (KeyboardInterrupt, Stop) as e:
        print(f"compare.py: {e or 'interrupted'}; cleaning up", file=sys.stderr)
        return 130
    finally:
        if fixture is not None:
            fixture.close()
        if os.path.exists(SNAPSHOT_FILE):
            os.unlink(SNAPSHOT_FILE)
    print(f"\nload average at end: {loadavg()}")
    if not args.smoke:
        print("\nTargets (issues 7 and 16):")
        for line in check_targets(results):
            print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "results": results}, f, indent=1)
    if not ok:
        print("compare.py: netpry, ss and netstat disagree on the socket counts", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
