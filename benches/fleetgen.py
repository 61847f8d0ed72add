#!/usr/bin/env python3
"""fleetgen.py - write N synthetic but realistic netpry snapshots from a real one.

Takes one snapshot (a `netpry snapshot` file, plain or .gz; a live one makes the most realistic
fleet) and writes --count snapshots of made-up hosts `node-0000.fleet.example`, ... into --out,
each with its own header (host, time), its own sockets and its own routes; every other table is
the base snapshot's, as taken.

Sockets: about --sockets per host (+-10%, seeded), built from the base's own socket rows as
templates so every column of the base's schema is there: a few listeners (22, 80, 443, 9100;
every 7th host also 23, telnet), then TCP connections whose states follow a realistic mix
(mostly ESTABLISHED, some TIME_WAIT, every 5th host piles up CLOSE_WAIT), some UDP and unix
sockets. Addresses and ports vary per host and per socket.
Routes: the base's routes without any 10.0.0.0/8 route, plus a per-host /24; every host but
every 4th one also gets the 10.0.0.0/8 route ("which nodes lack the route to 10.0.0.0/8").
--older-every K: every K-th host is saved "by an older netpry": its sockets table lacks the
columns --older-columns names.

--manifest FILE writes what was generated, computed here and independently of netpry: per host
its socket count, per-state counts, whether it listens on 23 and has the 10/8 route; and the
per-state totals. Tests compare netpry's and DuckDB's answers with it.

Usage: benches/fleetgen.py --base SNAP [--count 10] [--sockets 1000] [--out DIR] [--gzip]
                           [--seed 1] [--older-every 0] [--manifest FILE]
"""

import argparse
import copy
import datetime
import gzip
import json
import os
import random
import sys

LISTEN_PORTS = [22, 80, 443, 9100]


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)


def columns(table):
    return [c["name"] for c in table["columns"]]


def template(rows, cols, proto, fallback):
    """A row of the base with this proto (as a dict), or the fallback row, or all nulls."""
    for r in rows:
        d = dict(zip(cols, r))
        if d.get("proto") == proto:
            return d
    if fallback is not None:
        return dict(fallback)
    return {c: None for c in cols}


def make_sockets(base_tab, host_i, rng, count, telnet, close_wait):
    cols = columns(base_tab)
    rows = base_tab["rows"]
    tcp = template(rows, cols, "tcp", None)
    udp = template(rows, cols, "udp", tcp)
    unix = template(rows, cols, "unix", tcp)
    me = f"10.{(host_i >> 8) & 255}.{host_i & 255}.{rng.randrange(2, 250)}"
    out = []
    inode = 100000 + rng.randrange(1000)

    def put(t, **kw):
        nonlocal inode
        d = dict(t)
        inode += 1
        d.update(kw)
        if "inode" in d:
            d["inode"] = inode
        if "cookie" in d and d["cookie"] is not None:
            d["cookie"] = inode * 7
        out.append([d.get(c) for c in cols])

    ports = LISTEN_PORTS + ([23] if telnet else [])
    for p in ports:
        put(tcp, proto="tcp", family="inet", state="LISTEN", local_addr="0.0.0.0",
            local_port=p, remote_addr="0.0.0.0", remote_port=0, recv_q=0, send_q=128)
    n_udp = count // 20
    n_unix = count // 10
    n_tcp = max(0, count - len(ports) - n_udp - n_unix)
    mix = [("ESTABLISHED", 70), ("TIME_WAIT", 20), ("SYN_SENT", 2), ("FIN_WAIT2", 3),
           ("CLOSE_WAIT", 5)]
    if close_wait:
        mix = [("ESTABLISHED", 50), ("TIME_WAIT", 15), ("CLOSE_WAIT", 35)]
    states = [s for s, _ in mix]
    weights = [w for _, w in mix]
    for _ in range(n_tcp):
        st = rng.choices(states, weights)[0]
        server = rng.random() < 0.5
        peer = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        lport = rng.choice([22, 443, 80]) if server else rng.randrange(32768, 61000)
        rport = rng.randrange(32768, 61000) if server else rng.choice([443, 5432, 6379, 53])
        put(tcp, proto="tcp", family="inet", state=st, local_addr=me, local_port=lport,
            remote_addr=peer, remote_port=rport, recv_q=rng.choice([0, 0, 0, 12]),
            send_q=rng.choice([0, 0, 36]))
    for _ in range(n_udp):
        put(udp, proto="udp", family="inet", state="UNCONN", local_addr=me,
            local_port=rng.randrange(1024, 65000), remote_addr="0.0.0.0", remote_port=0)
    for _ in range(n_unix):
        put(unix, proto="unix", family="unix", state=rng.choice(["ESTABLISHED", "LISTEN"]))
    return out


def make_routes(base_tab, host_i, has_10_8):
    cols = columns(base_tab)
    rows = [r for r in base_tab["rows"]
            if not (dict(zip(cols, r)).get("dst") == "10.0.0.0" and
                    dict(zip(cols, r)).get("dst_len") == 8)]
    t = None
    for r in rows:
        d = dict(zip(cols, r))
        if d.get("family") == "inet" and d.get("type") == "unicast":
            t = d
            break
    if t is None:
        t = {c: None for c in cols}
    extra = []
    mine = dict(t, dst=f"172.{16 + host_i % 16}.{host_i % 256}.0", dst_len=24, gateway=None,
                protocol="kernel", scope="link")
    extra.append(mine)
    if has_10_8:
        extra.append(dict(t, dst="10.0.0.0", dst_len=8, gateway="192.0.2.254",
                          protocol="static", scope="global"))
    return rows + [[d.get(c) for c in cols] for d in extra]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--out", default="fleet")
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--older-every", type=int, default=0)
    ap.add_argument("--older-columns", default="cookie,congestion,netns")
    ap.add_argument("--manifest")
    a = ap.parse_args()

    base = load(a.base)
    t0 = datetime.datetime(2026, 12, 1, 8, 0, 0, tzinfo=datetime.timezone.utc)
    os.makedirs(a.out, exist_ok=True)
    manifest = {"hosts": {}, "states": {}, "sockets": 0}
    for i in range(a.count):
        rng = random.Random(a.seed * 1_000_003 + i)
        host = f"node-{i:04d}.fleet.example"
        snap = copy.copy(base)
        snap["host"] = host
        snap["time"] = (t0 + datetime.timedelta(seconds=i * 7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        tables = dict(base["tables"])
        telnet = i % 7 == 0
        close_wait = i % 5 == 2
        has_10_8 = i % 4 != 3
        count = max(10, int(a.sockets * rng.uniform(0.9, 1.1)))
        socks = dict(tables["sockets"])
        socks["rows"] = make_sockets(tables["sockets"], i, rng, count, telnet, close_wait)
        if a.older_every and i % a.older_every == a.older_every - 1:
            drop = set(a.older_columns.split(","))
            keep = [k for k, c in enumerate(socks["columns"]) if c["name"] not in drop]
            socks["columns"] = [socks["columns"][k] for k in keep]
            socks["rows"] = [[r[k] for k in keep] for r in socks["rows"]]
        tables["sockets"] = socks
        if "routes" in tables:
            routes = dict(tables["routes"])
            routes["rows"] = make_routes(tables["routes"], i, has_10_8)
            tables["routes"] = routes
        snap["tables"] = tables
        text = json.dumps(snap, separators=(",", ":")).encode() + b"\n"
        name = os.path.join(a.out, host + ".json")
        if a.gzip:
            with open(name + ".gz", "wb") as f:
                f.write(gzip.compress(text, 6))
        else:
            with open(name, "wb") as f:
                f.write(text)
        scols = columns(socks)
        states = {}
        for r in socks["rows"]:
            st = r[scols.index("state")]
            states[st] = states.get(st, 0) + 1
            manifest["states"][st] = manifest["states"].get(st, 0) + 1
        manifest["sockets"] += len(socks["rows"])
        manifest["hosts"][host] = {
            "time": snap["time"],
            "sockets": len(socks["rows"]),
            "states": states,
            "listens_23": telnet,
            "has_10_8": has_10_8,
        }
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {a.count} snapshots ({manifest['sockets']} sockets) to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
