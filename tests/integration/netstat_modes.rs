//! `netpry netstat -r`, `-i` and `-s` against the real `/usr/bin/netstat` (net-tools 2.10).
//!
//! Each live test builds a namespace (with a peer namespace behind a veth pair): veths
//! including one named with a dot and one with a 15-byte name (net-tools prints its counters
//! as 0), an alias label, a point-to-point address, IPv4/IPv6
//! addresses, a default route, blackhole/unreachable/prohibit/throw routes, multipath routes,
//! routes in a second table, a route with mtu/window/rtt/advmss metrics, `/etc/netns/NS/hosts`
//! and `networks` naming some addresses, and a `resolv.conf` whose name server (127.0.0.53 in
//! the namespace) does not answer. TCP, UDP and ICMP traffic to the peer gives non-zero
//! counters; IPv6 autoconfiguration (router solicitations, DAD, link-local addresses) is off
//! so the namespace falls quiet, and the test waits until every counter file is still before
//! comparing. stdout, stderr and the exit status must be identical.
//!
//! The IPv6 routing table's `Ref` column (the kernel's reference count of each route, from the
//! `routes` table's `refcnt` column) is compared exactly like everything else, and so are
//! `ifconfig`'s `inet6` lines, which follow the kernel's address hash (`/proc/net/if_inet6`).
//!
//! Snapshot fixtures (`tests/fixtures/netstat-modes/`) reproduce the spec's captured samples
//! without root.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Netns, decode, netpry, root_or_skip};

const NETSTAT: &str = "/usr/bin/netstat";

type Run = (i32, String, String);

/// The namespace under test and its peer (both removed on drop).
pub(crate) struct Lab {
    pub(crate) ns: Netns,
    pub(crate) _peer: Netns,
}

fn sysctl_quiet(ns: &Netns) {
    for k in [
        "net.ipv6.conf.default.accept_ra=0",
        "net.ipv6.conf.all.accept_ra=0",
        "net.ipv6.conf.default.router_solicitations=0",
        "net.ipv6.conf.all.router_solicitations=0",
        "net.ipv6.conf.default.accept_dad=0",
        "net.ipv6.conf.default.addr_gen_mode=1",
    ] {
        let (code, _, err) = ns.exec("sysctl", &["-qw", k]);
        assert_eq!(code, 0, "sysctl {k}: {err}");
    }
}

pub(crate) fn lab(tag: &str) -> Lab {
    let mut peer = Netns::new(&format!("{tag}p"));
    let ns = Netns::new(tag);
    sysctl_quiet(&ns);
    sysctl_quiet(&peer);
    let peer_name = peer.name.clone();
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "peer0", "netns", &peer_name,
    ]);
    ns.ip(&[
        "link", "add", "ve.th1", "type", "veth", "peer", "name", "ve1b",
    ]);
    ns.ip(&[
        "link", "add", "vx10", "type", "veth", "peer", "name", "vx10p",
    ]);
    ns.ip(&["link", "add", "vx2", "type", "veth", "peer", "name", "vx2p"]);
    // A name of 15 bytes, the most the kernel allows: net-tools shows its counters as 0.
    ns.ip(&[
        "link",
        "add",
        "vlongername0123",
        "type",
        "veth",
        "peer",
        "name",
        "peer1",
        "netns",
        &peer_name,
    ]);
    ns.ip(&["addr", "add", "10.9.0.1/24", "dev", "vlongername0123"]);
    ns.ip(&["addr", "add", "10.1.0.1/24", "dev", "veth0"]);
    ns.ip(&[
        "addr",
        "add",
        "10.1.0.5/24",
        "dev",
        "veth0",
        "label",
        "veth0:1",
    ]);
    ns.ip(&["addr", "add", "fd00:1::1/64", "dev", "veth0", "nodad"]);
    // A link-local address, then one more global one: `ifconfig` prints them in the kernel's
    // hash order (/proc/net/if_inet6), not in the order rtnetlink dumps them.
    ns.ip(&["addr", "add", "fe80::1:1/64", "dev", "veth0", "nodad"]);
    ns.ip(&["addr", "add", "fd00:9::1/64", "dev", "veth0", "nodad"]);
    ns.ip(&["addr", "add", "10.2.0.1/24", "brd", "+", "dev", "ve.th1"]);
    ns.ip(&["addr", "add", "fd00:2::1/64", "dev", "ve.th1", "nodad"]);
    ns.ip(&["addr", "add", "fd00:2::2/64", "dev", "ve.th1", "nodad"]);
    ns.ip(&[
        "addr",
        "add",
        "10.3.0.1",
        "peer",
        "10.3.0.2/32",
        "dev",
        "vx10",
    ]);
    for d in ["veth0", "ve.th1", "vx10", "vlongername0123"] {
        ns.ip(&["link", "set", d, "up"]);
    }
    peer.ip(&["addr", "add", "10.1.0.2/24", "dev", "peer0"]);
    peer.ip(&["addr", "add", "fd00:1::2/64", "dev", "peer0", "nodad"]);
    peer.ip(&["link", "set", "peer0", "up"]);
    peer.ip(&["addr", "add", "10.9.0.2/24", "dev", "peer1"]);
    peer.ip(&["link", "set", "peer1", "up"]);
    for r in [
        "default via 10.1.0.2",
        "blackhole 10.50.0.0/16",
        "unreachable 10.51.0.0/16",
        "prohibit 10.52.0.0/16",
        "throw 10.53.0.0/16",
        "10.54.0.0/16 nexthop via 10.1.0.2 dev veth0 nexthop via 10.1.0.3 dev veth0",
        "10.60.0.0/16 via 10.1.0.2 table 100",
        "10.70.0.0/16 via 10.1.0.2 mtu 1400 window 65535 rtt 30ms advmss 1300",
        "10.80.1.1 via 10.1.0.2 metric 5",
        "169.254.0.0/16 dev veth0 metric 1000",
        "multicast 224.1.0.0/16 dev veth0 table main",
    ] {
        let words: Vec<&str> = std::iter::once("route")
            .chain(["add"])
            .chain(r.split(' '))
            .collect();
        ns.ip(&words);
    }
    for r in [
        "default via fd00:1::2",
        "unreachable fd00:99::/64",
        "prohibit fd00:5c::/64",
        "fd00:59::/64 nexthop via fd00:1::2 dev veth0 nexthop via fd00:1::3 dev veth0",
        "fd00:60::/64 via fd00:1::2 table 100",
    ] {
        let words: Vec<&str> = ["-6", "route", "add"]
            .into_iter()
            .chain(r.split(' '))
            .collect();
        ns.ip(&words);
    }
    ns.etc_file(
        "hosts",
        "127.0.0.1 localhost\n10.1.0.2 peer-gw gw\n10.80.1.1 far-host\nfd00:1::2 peer6\n",
    );
    ns.etc_file(
        "networks",
        "default 0.0.0.0\nloopback 127.0.0.0\nlink-local 169.254.0.0\nlabnet 10.2.0.0\n",
    );
    ns.etc_file(
        "resolv.conf",
        "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n",
    );
    // Traffic to the peer: a TCP exchange, a datagram to a closed port (ICMP back), UDP-Lite
    // and an IPv6 datagram.
    peer.spawn_python(
        "import socket\n\
         s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('10.1.0.2', 7000)); s.listen(); print('ready', flush=True)\n\
         while True:\n    a,_=s.accept(); a.recv(65536); a.sendall(b'y'*3000); a.close()\n",
        &[],
    );
    let (code, _, err) = ns.exec(
        "python3",
        &[
            "-c",
            "import socket,time\n\
             c=socket.create_connection(('10.1.0.2',7000)); c.sendall(b'x'*5000); c.shutdown(1)\n\
             while c.recv(65536): pass\n\
             c.close()\n\
             u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.sendto(b'hi',('10.1.0.2',9))\n\
             u.sendto(b'hi',('10.9.0.2',9))\n\
             time.sleep(0.3)\n\
             v=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM); v.sendto(b'hi',('fd00:1::2',9))\n\
             time.sleep(0.3)\n",
        ],
    );
    assert_eq!(code, 0, "traffic: {err}");
    let lab = Lab { ns, _peer: peer };
    settle(&lab.ns);
    lab
}

/// Waits until the namespace's counter files stay unchanged for two seconds.
pub(crate) fn settle(ns: &Netns) {
    let read = || {
        ns.exec(
            "cat",
            &[
                "/proc/net/snmp",
                "/proc/net/netstat",
                "/proc/net/snmp6",
                "/proc/net/dev",
            ],
        )
        .1
    };
    let start = Instant::now();
    let mut last = read();
    let mut still = 0;
    while still < 4 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(500));
        let now = read();
        still = if now == last { still + 1 } else { 0 };
        last = now;
    }
    assert!(still >= 4, "the namespace's counters never settled");
}

fn reference(ns: &Netns, args: &[&str]) -> Run {
    ns.exec(NETSTAT, args)
}

fn ours(ns: &Netns, args: &[&str]) -> Run {
    let mut all = vec!["netstat"];
    all.extend_from_slice(args);
    ns.netpry(&all)
}

/// Compares one argument list exactly; returns a failure description, or None.
fn compare(ns: &Netns, args: &[&str]) -> Option<String> {
    let want = reference(ns, args);
    let got = ours(ns, args);
    if want == got {
        return None;
    }
    Some(format!(
        "netstat {}:\n--- /usr/bin/netstat (exit {}) ---\n{}{}--- netpry (exit {}) ---\n{}{}",
        args.join(" "),
        want.0,
        want.1,
        want.2,
        got.0,
        got.1,
        got.2
    ))
}

fn compare_all(ns: &Netns, cases: &[&[&str]]) {
    let failures: Vec<String> = cases.iter().filter_map(|args| compare(ns, args)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn have_netstat() -> bool {
    if Path::new(NETSTAT).exists() {
        return true;
    }
    assert!(
        std::env::var("NETPRY_REQUIRE_ROOT_TESTS").as_deref() != Ok("1"),
        "{NETSTAT} is missing (install net-tools)"
    );
    eprintln!("SKIP: {NETSTAT} is missing");
    false
}

/// `netstat -r` argument lists compared with net-tools.
pub(crate) const ROUTE_CASES: &[&[&str]] = &[
    &["-r"],
    &["-rn"],
    &["-rne"],
    &["-rnee"],
    &["-rneee"],
    &["-rneeee"],
    &["-ree"],
    &["-rN"],
    &["-rNe"],
    &["-r", "-6"],
    &["-rn6"],
    &["-rnA", "inet6"],
    &["-rn", "-A", "inet,inet6"],
    &["-r", "-A", "inet6,inet"],
    &["-rn", "-66"],
    &["-rC"],
    &["-rF"],
    &["-rnCF"],
    &["-rnC6"],
    &["-rneeC"],
    &["-rW", "-v"],
    &["--route", "--numeric"],
    &["-r", "-A", "unix"],
    &["-r", "-A", "inet,bluetooth"],
    &["-r", "-A", "x25"],
    &["-r", "-A", "ipx,inet"],
    &["-r", "-A", "netrom"],
];

#[test]
fn routing_tables_match_net_tools() {
    if !root_or_skip("routing_tables_match_net_tools") || !have_netstat() {
        return;
    }
    let lab = lab("nmr");
    compare_all(&lab.ns, ROUTE_CASES);
}

/// A snapshot saved before the `route_nexthops` table existed (the table removed from a new
/// one) prints every routing table exactly as the new one does, both styles, and its derived
/// `route_nexthops` table is the collected one but for `ifindex`, which the text lacks.
#[test]
fn older_snapshots_without_route_nexthops_print_the_same_routes() {
    if !root_or_skip("older_snapshots_without_route_nexthops_print_the_same_routes") {
        return;
    }
    let lab = lab("nmo");
    let ns = &lab.ns;
    let dir = std::env::temp_dir();
    let new = dir.join(format!("np-nmo-new-{}.json", std::process::id()));
    let old = dir.join(format!("np-nmo-old-{}.json", std::process::id()));
    let (code, _, err) = ns.netpry(&["snapshot", "-o", new.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&new).unwrap()).unwrap();
    let hops = doc["tables"]
        .as_object_mut()
        .unwrap()
        .remove("route_nexthops")
        .expect("a new snapshot has route_nexthops");
    assert_eq!(
        hops["rows"].as_array().unwrap().len(),
        4,
        "two multipath routes of two hops"
    );
    std::fs::write(&old, serde_json::to_vec(&doc).unwrap()).unwrap();
    let run = |snap: &Path, args: &[&str]| {
        let mut all = vec!["--snapshot", snap.to_str().unwrap()];
        all.extend_from_slice(args);
        ns.netpry(&all)
    };
    let mut failures = Vec::new();
    let bsd: &[&[&str]] = &[&["--bsd", "-r"], &["--bsd", "-rn"], &["--bsd", "-rnl"]];
    for args in ROUTE_CASES.iter().chain(bsd) {
        let mut full = vec!["netstat"];
        full.extend_from_slice(args);
        let (a, b) = (run(&new, &full), run(&old, &full));
        if a != b {
            failures.push(format!(
                "netstat {}:\n{}\n---\n{}",
                args.join(" "),
                a.1,
                b.1
            ));
        }
    }
    let (_, v6, _) = run(&old, &["netstat", "-rn6"]);
    assert_eq!(
        v6.matches("fd00:59::/64").count(),
        2,
        "a line per hop:\n{v6}"
    );
    let table = |snap: &Path| {
        let (code, out, err) = run(snap, &["table", "route_nexthops", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Vec<serde_json::Map<String, serde_json::Value>>>(&out).unwrap()
    };
    let (mut collected, derived) = (table(&new), table(&old));
    for row in &mut collected {
        assert!(row["ifindex"].as_i64().is_some_and(|i| i > 0), "{row:?}");
        row.insert("ifindex".into(), serde_json::Value::Null);
    }
    let _ = (std::fs::remove_file(&new), std::fs::remove_file(&old));
    assert_eq!(collected, derived);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `netstat -i` argument lists compared with net-tools.
pub(crate) const INTERFACE_CASES: &[&[&str]] = &[
    &["-i"],
    &["-ia"],
    &["-ie"],
    &["-iea"],
    &["-in"],
    &["-ieee"],
    &["-iaN", "-v"],
    &["--interfaces", "--all"],
];

#[test]
fn interface_tables_match_net_tools() {
    if !root_or_skip("interface_tables_match_net_tools") || !have_netstat() {
        return;
    }
    let lab = lab("nmi");
    compare_all(&lab.ns, INTERFACE_CASES);
}

/// `netstat -s` argument lists compared with net-tools.
pub(crate) const STATISTICS_CASES: &[&[&str]] = &[
    &["-s"],
    &["-st"],
    &["-su"],
    &["-sw"],
    &["-s", "-6"],
    &["-s", "-4"],
    &["-stu"],
    &["-s", "--udplite"],
    &["-sn"],
    &["-sS"],
    &["-s6t"],
    &["-s6u"],
    &["-s6w"],
    &["-sc"],
    &["--statistics", "--tcp", "--raw"],
    &["-s", "-4", "-6"],
    &["-s", "-x"],
    &["-s", "-A", "inet6,inet6"],
];

#[test]
fn statistics_match_net_tools() {
    if !root_or_skip("statistics_match_net_tools") || !have_netstat() {
        return;
    }
    let lab = lab("nms");
    compare_all(&lab.ns, STATISTICS_CASES);
    // The counters did move (traffic reached the namespace), so the comparison had teeth.
    let (_, out, _) = ours(&lab.ns, &["-st"]);
    assert!(out.contains("    1 active connection openings"), "{out}");
}

/// Output of `timeout 2.5 PROGRAM ARGS`: several passes (stdout only).
fn continuous(ns: &Netns, program: &str, args: &[&str]) -> String {
    let mut all = vec!["-s", "INT", "2.5", program];
    all.extend_from_slice(args);
    let out = ns.command("timeout", &all).output().expect("run timeout");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many whole copies of `pass` make up `s` (after an optional `prefix`), or None.
fn passes(s: &str, prefix: &str, pass: &str) -> Option<usize> {
    let rest = s.strip_prefix(prefix)?;
    if pass.is_empty() || rest.len() % pass.len() != 0 || !rest.replace(pass, "").is_empty() {
        return None;
    }
    Some(rest.len() / pass.len())
}

#[test]
fn continuous_mode_repeats_routes_and_interfaces() {
    if !root_or_skip("continuous_mode_repeats_routes_and_interfaces") || !have_netstat() {
        return;
    }
    let lab = lab("nmc");
    let netpry = crate::support::netpry_bin();
    let netpry = netpry.to_str().expect("utf-8 path");
    for (args, single, title) in [
        (&["-rnc"][..], &["-rn"][..], ""),
        (&["-ic"][..], &["-i"][..], "Kernel Interface table\n"),
    ] {
        let one = reference(&lab.ns, single);
        let pass = one.1.strip_prefix(title).expect("title").to_string();
        let theirs = continuous(&lab.ns, NETSTAT, args);
        let mut mine_args = vec!["netstat"];
        mine_args.extend_from_slice(args);
        let mine = continuous(&lab.ns, netpry, &mine_args);
        let n_theirs = passes(&theirs, title, &pass);
        let n_mine = passes(&mine, title, &pass);
        assert!(
            n_theirs.is_some_and(|n| n >= 2),
            "netstat {args:?}:\n{theirs}"
        );
        assert!(
            n_mine.is_some_and(|n| n >= 2),
            "netpry netstat {args:?}:\n{mine}"
        );
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/netstat-modes")
        .join(name)
}

/// Runs netpry on the snapshot fixture and compares with an expected text file.
fn check_fixture(args: &[&str], expected: &str) {
    let snap = fixture("sample.json");
    let mut all = vec!["--snapshot", snap.to_str().expect("utf-8"), "netstat"];
    all.extend_from_slice(args);
    let (code, out, err) = decode(netpry().args(&all).output().expect("run netpry"));
    let want = std::fs::read_to_string(fixture(expected)).expect("expected output file");
    assert_eq!((code, err.as_str()), (0, ""), "netstat {args:?}");
    assert_eq!(out, want, "netstat {args:?} differs from {expected}");
}

#[test]
fn spec_samples_from_snapshot() {
    check_fixture(&["-rn"], "rn.txt");
    check_fixture(&["-i"], "i.txt");
    check_fixture(&["-s"], "s.txt");
    check_fixture(&["-rn6"], "rn6.txt");
    check_fixture(&["-rne"], "rne.txt");
    check_fixture(&["-ie"], "ie.txt");
}
