#!/usr/bin/env python3
"""mksockets.py - populate the CURRENT network namespace with many sockets.

(The project's benchmark populator, used by benches/compare.py; kept identical to the copy
the performance baseline was measured with.)

Creates, on loopback only:
  * 1 TCP listener (default 127.0.0.1:5000) and N client connections to it,
    all accepted  ->  2N ESTABLISHED sockets + 1 LISTEN socket;
    clients are bound to source addresses 127.0.0.2, 127.0.0.3, ... with at
    most --per-ip clients per source address (avoids ephemeral-port exhaustion;
    the ephemeral range is ~28k ports per (src, dst, dport));
  * optionally M UDP sockets bound to 127.0.0.x:0 (nothing is ever sent);
  * optionally K UNIX-domain stream sockets (K//2 socketpairs);
all spread over P helper processes ("mks-sock<i>"), so that -p style
process mapping has many processes / fds to scan.

Optionally spawns Q idle processes ("mks-idle") each holding F open regular
files (read-only opens of a few files under /etc and this script), to make
/proc/*/fd scanning realistic.

No data is ever sent on any socket; the TCP handshakes happen on loopback.
Run it inside a namespace you own, e.g.
    ip netns add bench; ip netns exec bench ip link set lo up
    ip netns exec bench python3 mksockets.py -n 10000 &

When everything is set up the parent prints "ready" (stdout, flushed) and
sleeps until SIGTERM/SIGINT/SIGHUP; it then terminates its children (by PID)
and exits.  Children also die with the parent (PR_SET_PDEATHSIG), so killing
the parent PID with SIGKILL cleans up too.

stdlib only.  RLIMIT_NOFILE is raised as needed; raising the HARD limit needs
CAP_SYS_RESOURCE (and fs.nr_open >= the need) - where that is impossible the
sockets are spread over more helper processes instead (logged on stderr).
A helper needs about 2N/P + M/P + K/P + 600 fds.
"""

import argparse
import ctypes
import ctypes.util
import errno
import os
import resource
import signal
import socket
import sys
import time

PR_SET_NAME = 15
PR_SET_PDEATHSIG = 1
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def prctl_name(name):
    try:
        _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)
    except Exception:
        pass


def die_with_parent():
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
    try:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def log(*a):
    print("mksockets:", *a, file=sys.stderr, flush=True)


def raise_nofile(need):
    """Try to make RLIMIT_NOFILE >= need (soft and, if necessary, hard).

    Returns the soft limit now in force, which may be < need when the hard
    limit cannot be raised (no CAP_SYS_RESOURCE, or above fs.nr_open)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return soft
    new_hard = hard
    if hard != resource.RLIM_INFINITY and hard < need:
        try:
            with open("/proc/sys/fs/nr_open") as f:
                nr_open = int(f.read())
        except OSError:
            nr_open = 1048576
        if need > nr_open:
            log("need %d fds per process but fs.nr_open is %d "
                "(sysctl -w fs.nr_open=%d would allow it)" % (need, nr_open, need))
        new_hard = min(need, nr_open)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, new_hard), new_hard))
    except (ValueError, OSError):
        # cannot raise the hard limit: at least take the soft limit up to it
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fd_need(args, procs, batch):
    """fds one socket helper needs: clients + accepted (+ batch slack) + udp + unix + margin."""
    c = lambda total: -(-total // procs)
    return 2 * c(args.tcp) + batch + c(args.udp) + c(args.unix) + 256


def split(total, parts):
    """Split total into `parts` near-equal contiguous ranges -> [(start, count)]."""
    base, extra = divmod(total, parts)
    out, start = [], 0
    for i in range(parts):
        c = base + (1 if i < extra else 0)
        out.append((start, c))
        start += c
    return out


def src_ip(index, per_ip, first_host):
    """Global client index -> source address in 127.0.0.0/8 (skip .0/.255)."""
    h = first_host + index // per_ip          # host number 2, 3, ... -> 127.0.0.2, ...
    b2, b3 = divmod(h - 1, 254)               # last octet 1..254
    b1, b2 = divmod(b2, 256)
    if b1 > 255:
        raise SystemExit("too many source addresses")
    return "127.%d.%d.%d" % (b1, b2, b3 + 1)


def sleep_forever():
    while True:
        signal.pause()


def child_sock(idx, lsock, args, tcp_rng, udp_rng, unix_cnt, wfd):
    """Helper process: owns its client sockets + an equal number of accepted sockets."""
    prctl_name("mks-sock%d" % idx)
    die_with_parent()
    keep = []
    t0 = time.monotonic()
    start, count = tcp_rng
    laddr = lsock.getsockname()
    batch = args.batch
    done = 0
    while done < count:
        n = min(batch, count - done)
        for j in range(start + done, start + done + n):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            c.bind((src_ip(j, args.per_ip, 2), 0))
            while True:
                try:
                    c.connect(laddr)
                    break
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EADDRNOTAVAIL, errno.EINTR):
                        time.sleep(0.01)
                        continue
                    raise
            keep.append(c)
        # Accept as many as we connected (from the shared listener; which
        # helper gets which peer does not matter, totals always balance).
        for _ in range(n):
            s, _addr = lsock.accept()
            keep.append(s)
        done += n
    # UDP sockets: bound only, never used.
    ustart, ucount = udp_rng
    for j in range(ustart, ustart + ucount):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((src_ip(j, args.per_ip, 2), 0))
        keep.append(u)
    # UNIX stream socketpairs.
    for _ in range(unix_cnt // 2):
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        keep.extend((a, b))
    # the inherited listener stays open here too (like prefork server workers)
    os.write(wfd, ("%d %d %.2f\n" % (idx, len(keep), time.monotonic() - t0)).encode())
    os.close(wfd)
    sleep_forever()


def child_idle(idx, nfiles, wfd):
    prctl_name("mks-idle")
    die_with_parent()
    candidates = [p for p in ("/etc/passwd", "/etc/group", "/etc/hostname",
                              "/etc/os-release", "/etc/hosts",
                              os.path.abspath(__file__))
                  if os.path.isfile(p)]
    fds = []
    for i in range(nfiles):
        fds.append(os.open(candidates[i % len(candidates)], os.O_RDONLY | os.O_CLOEXEC))
    os.write(wfd, ("idle %d %d\n" % (idx, len(fds))).encode())
    os.close(wfd)
    sleep_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--tcp", type=int, default=1000,
                    help="N established TCP connection pairs (2N ESTAB sockets)")
    ap.add_argument("-m", "--udp", type=int, default=0, help="M bound UDP sockets")
    ap.add_argument("-k", "--unix", type=int, default=0,
                    help="K UNIX stream sockets (K//2 socketpairs)")
    ap.add_argument("-p", "--procs", type=int, default=8,
                    help="P helper processes to spread sockets over (default 8)")
    ap.add_argument("-q", "--idle-procs", type=int, default=0,
                    help="Q extra idle processes holding open regular files")
    ap.add_argument("-f", "--idle-fds", type=int, default=50,
                    help="F open regular files per idle process (default 50)")
    ap.add_argument("--addr", default="127.0.0.1", help="listener address (loopback!)")
    ap.add_argument("--port", type=int, default=5000, help="listener port")
    ap.add_argument("--per-ip", type=int, default=10000,
                    help="max client connections per source IP (default 10000)")
    ap.add_argument("--batch", type=int, default=128,
                    help="connects per helper before it accepts (<= backlog/P)")
    args = ap.parse_args()

    if not args.addr.startswith("127."):
        raise SystemExit("refusing: listener address must be in 127.0.0.0/8")
    if args.procs < 1:
        raise SystemExit("-p must be >= 1")
    def fix_batch():
        if args.batch * args.procs > 4096:       # listen backlog is capped at 4096
            args.batch = max(1, 4096 // args.procs)
    fix_batch()

    need = max(fd_need(args, args.procs, args.batch), args.idle_fds + 64, 1024)
    lim = raise_nofile(need)
    if lim < args.idle_fds + 64:
        raise SystemExit("RLIMIT_NOFILE %d too small for -f %d" % (lim, args.idle_fds))
    if lim < need:
        # The hard limit could not be raised: spread over more helpers instead.
        p0 = args.procs
        while fd_need(args, args.procs, args.batch) > lim:
            args.procs += 1
            fix_batch()
        log("RLIMIT_NOFILE hard limit is %d and cannot be raised here "
            "(needs CAP_SYS_RESOURCE); using %d socket helpers instead of %d"
            % (lim, args.procs, p0))

    children = []

    def terminate(signum=None, frame=None):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        os._exit(0)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, terminate)

    rfd, wfd = os.pipe()
    t0 = time.monotonic()

    # 1) idle processes first, so they inherit no sockets.
    for i in range(args.idle_procs):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                child_idle(i, args.idle_fds, wfd)
            finally:
                os._exit(1)
        children.append(pid)

    # 2) the shared listener, then the socket helpers (each inherits only it).
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.addr, args.port))
    lsock.listen(4096)

    tcp_r = split(args.tcp, args.procs)
    udp_r = split(args.udp, args.procs)
    unix_r = split(args.unix, args.procs)
    for i in range(args.procs):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                child_sock(i, lsock, args, tcp_r[i], udp_r[i], unix_r[i][1], wfd)
            except BaseException as e:  # report and die
                os.write(wfd, ("ERROR %d %r\n" % (i, e)).encode())
            finally:
                os._exit(1)
        children.append(pid)
    os.close(wfd)

    # 3) wait for every child to report.
    expected = args.idle_procs + args.procs
    buf = b""
    with os.fdopen(rfd, "rb") as r:
        lines = []
        while len(lines) < expected:
            chunk = r.read1(65536) if hasattr(r, "read1") else os.read(rfd, 65536)
            if not chunk:
                break
            buf += chunk
            *done, buf = buf.split(b"\n")
            lines.extend(done)
    errs = [l for l in lines if l.startswith(b"ERROR")]
    if errs or len(lines) < expected:
        log("setup failed:", [l.decode() for l in errs] or "a child exited early")
        terminate()
    prctl_name("mks-main")
    log("tcp pairs=%d udp=%d unix=%d helpers=%d idle=%dx%d fds nofile=%d setup=%.1fs"
        % (args.tcp, args.udp, args.unix, args.procs, args.idle_procs,
           args.idle_fds, lim, time.monotonic() - t0))
    print("ready", flush=True)
    sleep_forever()


if __name__ == "__main__":
    main()
