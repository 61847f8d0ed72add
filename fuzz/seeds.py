#!/usr/bin/env python3
"""Builds the seed corpora under fuzz/corpus/TARGET from inputs already in the repository
(captured netlink messages in unit tests, sock_diag dumps, /proc fixtures, snapshot fixtures,
netstat argument lists of the integration tests, saved scripts) and, for the rtnetlink
decoders, this machine's own link/address/route/rule/neighbour dumps and /proc and /etc files.

Each seed is named after its content's SHA-1, as libFuzzer names corpus files. Run from the
repository root: python3 fuzz/seeds.py (then `cargo fuzz cmin` keeps the corpus small)."""

import glob
import hashlib
import os
import re
import socket
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED = 200_000


def save(target, data):
    if len(data) > MAX_SEED:
        data = data[:MAX_SEED]
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


# --- netlink: selector byte + input (see src/source/linux/fuzz.rs) ---
RTM_SELECTOR = {16: 0, 20: 1, 24: 2, 32: 3, 28: 4}


def captured_messages():
    """The RTM_NEW* messages captured in unit tests (netlink header included)."""
    for path in glob.glob(os.path.join(ROOT, "src/source/linux/*.rs")):
        text = open(path).read()
        for m in re.finditer(r"const CAPTURED\w*: \[u8; \d+\] = \[(.*?)\];", text, re.S):
            body = re.sub(r"//[^\n]*", "", m.group(1))
            nums = [int(x, 0) for x in re.findall(r"0x[0-9a-fA-F]+|\d+", body)]
            yield bytes(nums)


def live_dump(msg_type, body):
    """Every message of one rtnetlink dump of this machine (netlink header included)."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    hdr = struct.pack("=IHHII", 16 + len(body), msg_type, 0x301, 1, 0)
    s.send(hdr + body)
    out = []
    done = False
    while not done:
        buf = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(buf):
            ln, ty = struct.unpack_from("=IH", buf, off)
            if ln < 16:
                break
            if ty in (2, 3):
                done = True
                break
            out.append(buf[off : off + ln])
            off += (ln + 3) & ~3
    s.close()
    return out


def netlink_seeds():
    msgs = list(captured_messages())
    requests = [(18, bytes(16)), (22, bytes(8)), (26, bytes(12)), (34, bytes(12)), (30, bytes(12))]
    for ty, body in requests:
        try:
            msgs += live_dump(ty, body)
        except OSError as e:
            print(f"live dump {ty}: {e}", file=sys.stderr)
    seen_kinds = {}
    for m in msgs:
        ty = struct.unpack_from("=H", m, 4)[0]
        if ty in RTM_SELECTOR:
            # At most 6 messages of each kind: enough shapes, small corpus.
            if seen_kinds.get(ty, 0) < 6:
                seen_kinds[ty] = seen_kinds.get(ty, 0) + 1
                save("netlink", bytes([RTM_SELECTOR[ty]]) + m[16:])
    fixtures = os.path.join(ROOT, "tests/fixtures/sock_diag")
    dumps = [("tcp4", 5), ("tcp4_info", 5), ("tcp6", 5), ("udp4", 6), ("udp6", 6),
             ("udplite4", 7), ("raw4", 8), ("unix", 9)]
    for name, sel in dumps:
        data = read(os.path.join(fixtures, name + ".bin"))
        if data is None:
            continue
        save("netlink", bytes([sel]) + data)
        off = 0
        while off + 16 <= len(data):
            ln, ty = struct.unpack_from("=IH", data, off)
            if ln < 16:
                break
            payload = data[off + 16 : off + ln]
            if ty == 20:  # SOCK_DIAG_BY_FAMILY
                save("netlink", bytes([12 if sel == 9 else 11]) + payload)
                if sel == 5:
                    a = 72
                    while a + 4 <= len(payload):
                        alen, aty = struct.unpack_from("=HH", payload, a)
                        if alen < 4:
                            break
                        if aty & 0x3FFF == 2:  # INET_DIAG_INFO
                            save("netlink", bytes([10]) + payload[a + 4 : a + alen])
                        a += (alen + 3) & ~3
            off += (ln + 3) & ~3


# --- procfs: selector byte + file text (order of TEXT in src/source/linux/fuzz.rs) ---
def procfs_seeds():
    fx = lambda n: os.path.join(ROOT, "tests/fixtures/sock_diag", n)
    data = lambda n: os.path.join(ROOT, "tests/data/proc", n)
    files = {
        0: [fx("proc_tcp.txt"), "/proc/net/tcp"],
        1: [fx("proc_tcp6.txt"), "/proc/net/tcp6"],
        2: [fx("proc_udp.txt")],
        3: [fx("proc_udp6.txt")],
        4: [fx("proc_udplite.txt")],
        5: [fx("proc_raw.txt")],
        6: [fx("proc_raw6.txt")],
        7: [fx("proc_unix.txt"), "/proc/net/unix"],
        8: [fx("proc_unix.txt")],
        9: ["/proc/net/ipv6_route"],
        10: ["/proc/net/if_inet6"],
        11: ["/proc/net/igmp"],
        12: ["/proc/net/igmp6"],
        13: ["/proc/net/dev_mcast"],
        14: ["/proc/net/dev_snmp6/lo"],
        15: [data("net-sockstat"), "/proc/net/sockstat"],
        16: ["/proc/slabinfo"],
        17: [data("net-snmp")],
        18: [data("net-netstat")],
        19: [data("net-snmp6")],
        20: [data("net-sockstat")],
        21: [data("net-sockstat6")],
        22: ["/etc/hosts"],
        23: ["/etc/networks"],
        24: ["/etc/protocols"],
        25: ["/etc/passwd"],
        26: ["/etc/services"],
        27: ["/etc/iproute2/rt_tables", "/etc/iproute2/rt_protos", "/usr/share/iproute2/rt_tables"],
        28: ["/proc/self/status"],
        29: ["/proc/self/stat", "/proc/1/stat"],
        30: ["/proc/self/cmdline", "/proc/1/cmdline"],
    }
    for sel, paths in files.items():
        for p in paths:
            d = read(p)
            if d:
                # Long files (services, slabinfo): the first 8 KiB have every line shape.
                save("procfs", bytes([sel]) + d[:8192])
    save("procfs", bytes([28]) + b"net:[4026531840]")
    save("procfs", bytes([28]) + b"net.ipv4.conf.vx/1.forwarding")
    save("procfs", bytes([28]) + b"net/ipv4/conf/vx.1/forwarding")
    # The ipv6_route lines captured in the unit test.
    text = open(os.path.join(ROOT, "src/source/linux/ipv6_route.rs")).read()
    m = re.search(r'const CAPTURED: &str = "\\\n(.*?)";', text, re.S)
    if m:
        save("procfs", bytes([9]) + m.group(1).encode())


# --- snapshot: the snapshot fixtures ---
def snapshot_seeds():
    for p in glob.glob(os.path.join(ROOT, "tests/fixtures/**/*.json"), recursive=True):
        save("snapshot", read(p))


# --- render: structured tables (see netpry::fuzzing::render); a few hand-made ones ---
def render_seeds():
    def s(b):
        return bytes([len(b) & 0xFF]) + b

    # width 80, 3 columns (str "name", int "n", ip "addr"), 2 rows.
    seed = bytes([80, 2, 3, 4]) + b"name" + bytes([1, 1]) + b"n" + bytes([4, 4]) + b"addr"
    seed += bytes([2])
    seed += bytes([1]) + s(b"lo") + bytes([1]) + struct.pack("<q", 65536) + bytes([1]) + bytes([127, 0, 0, 1])
    seed += bytes([17]) + s(b"b\xff\xfe\x1b[31m\\") + bytes([1]) + struct.pack("<q", -1) + bytes([17]) + bytes(15) + b"\x01"
    save("render", seed + bytes([20]))
    # No width, one any column, mixed values.
    seed = bytes([0, 0, 5, 3]) + b"a,b" + bytes([4])
    seed += bytes([1 | (0 << 6) | 16, 1 | (1 << 6)]) + struct.pack("<q", 7)
    seed += bytes([1 | (2 << 6)]) + struct.pack("<d", 1.5) + bytes([1 | (3 << 6)]) + s(b'x"y\n\t')
    save("render", seed + bytes([5]))


# --- netstat_args: argument lists of the integration tests, NUL-separated ---
def netstat_seeds():
    lists = set()
    for p in glob.glob(os.path.join(ROOT, "tests/integration/netstat*.rs")):
        for lit in re.findall(r'"((?:-|--)[^"\\]*)"', open(p).read()):
            lists.add(tuple(lit.split()))
    for args in sorted(lists):
        joined = b"\0".join(a.encode() for a in args)
        save("netstat_args", joined)
    save("netstat_args", b"P/usr/bin/bsd-netstat\0-rn")
    save("netstat_args", b"B-f\0inet\0-p\0tcp\0-an")
    save("netstat_args", b"L--protocol=inet,unix\0-tuwxe")


# --- script: the saved scripts and a few one-liners ---
def script_seeds():
    for p in glob.glob(os.path.join(ROOT, "scripts/*.rhai")):
        save("script", read(p))
    for line in [
        'sockets().filter(|s| s.state == "LISTEN").select(["local_port", "pid"])',
        'let t = interfaces(); t.join(addresses(), "ifindex").group_by("name", #{n: count()})',
        'route_get("10.0.0.1", #{from: "10.0.0.2", oif: "eth0"})',
        'for r in routes() { if r.dst == () { print(r) } } exit(2)',
    ]:
        save("script", line.encode())


if __name__ == "__main__":
    netlink_seeds()
    procfs_seeds()
    snapshot_seeds()
    render_seeds()
    netstat_seeds()
    script_seeds()
    for t in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, t))
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        print(f"{t}: {len(files)} seeds, {size} bytes")
