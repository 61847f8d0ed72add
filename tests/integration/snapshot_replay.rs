//! The differential test of the one door: everything `netstat` prints comes through the
//! catalog, so `netpry --snapshot FILE netstat ARGS` replays `netpry netstat ARGS` byte for byte.
//!
//! The namespace is the routing lab of `netstat_modes` (routes of every type in two tables, v4
//! and v6, multipath, metrics, addresses with labels and a point-to-point peer, traffic
//! counters, `/etc/netns` name files) plus the sockets of `netstat_linux` (TCP, UDP, UDP-Lite,
//! raw, UNIX, multicast groups v4 and v6, a second owner) and a few more TCP states (TIME_WAIT,
//! FIN_WAIT2 and CLOSE_WAIT, a connection waiting to be accepted, UNIX connections never
//! accepted). After the counters settle, for every argument
//! list of the differential suites that does not depend on time, `netpry snapshot`, the live run
//! and the snapshot run follow each other inside the namespace, and the two runs must agree on
//! standard output, standard error and exit status. (A snapshot per list, so that a TIME_WAIT
//! socket expiring during the minutes the test runs is not counted as a difference.) Counter
//! modes run first, before any name lookup sends a datagram to the namespace's (silent) name
//! server.
//!
//! Left out, because the answer is a clock reading rather than host state (the book's
//! snapshots page lists them): timers (`-o`, `--timers`, BSD `-T`/`-x`), continuous modes
//! (`-c`, BSD `-w`). A full accept queue is left out too: the kernel retransmits the dropped
//! SYNs for a minute, so its counters never stand still.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netstat_linux::{Proc, SOCKET_CASES, SOCKETS_PY, add_listing_addresses};
use crate::netstat_modes::{INTERFACE_CASES, ROUTE_CASES, STATISTICS_CASES, lab, settle};
use crate::support::{Netns, root_or_skip};

/// More TCP states on loopback (argv: socket directory).
const MORE_STATES_PY: &str = r#"
import socket, sys, time
d = sys.argv[1]
keep = []
def listen(port, backlog=8):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port)); s.listen(backlog); keep.append(s); return s
L = listen(7001)
c2 = socket.create_connection(('127.0.0.1', 7001)); a2, _ = L.accept(); c2.shutdown(socket.SHUT_WR)
keep += [c2, a2]
Q = listen(7002, 1)
q = socket.socket(); q.setblocking(False); q.connect_ex(('127.0.0.1', 7002)); keep.append(q)
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); u.bind(d + '/acc.sock'); u.listen(4)
for i in range(2):
    x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); x.connect(d + '/acc.sock'); keep.append(x)
keep.append(u)
time.sleep(0.5)
print('ready', flush=True)
time.sleep(600)
"#;

/// BSD flag combinations of the BSD suite (`netstat_bsd`), with its interface names replaced
/// by this namespace's. `-w` (a clock) is left out.
const BSD_CASES: &[&[&str]] = &[
    &[],
    &["-n"],
    &["-a"],
    &["-an"],
    &["-Aan"],
    &["-An"],
    &["-AnW"],
    &["-L"],
    &["-La"],
    &["-Lan"],
    &["-an", "-f", "inet"],
    &["-an", "-f", "inet6"],
    &["-an", "-p", "udp"],
    &["-n", "-p", "tcp"],
    &["-f", "unix"],
    &["-g"],
    &["-gn"],
    &["-gs"],
    &["-g", "-f", "inet"],
    &["-i"],
    &["-in"],
    &["-ian"],
    &["-i", "-r", "-n"],
    &["-ian", "-I", "veth0"],
    &["-inbd", "-I", "lo"],
    &["-inbdt", "-I", "veth0"],
    &["-m"],
    &["-r"],
    &["-rn"],
    &["-rs"],
    &["-r", "-f", "inet"],
    &["-r", "-f", "inet6"],
    &["-rn", "-f", "inet"],
    &["-rnl", "-f", "inet"],
    &["-rnl", "-f", "inet6"],
    &["-s"],
    &["-s", "-p", "tcp"],
    &["-s", "-p", "udp"],
    &["-s", "-f", "inet6"],
    &["-ss", "-p", "tcp"],
    &["-ss", "-p", "icmp6"],
    &["-s", "-I", "veth0", "-p", "ip6"],
    &["-s", "-i"],
    &["-p", "ipsec"],
    &["-s", "-p", "divert"],
];

/// Whether a Linux argument list reads a clock: timers, or continuous output.
fn reads_a_clock(args: &[&str]) -> bool {
    args.iter().any(|a| {
        *a == "--timers"
            || *a == "--continuous"
            || (a.starts_with('-') && !a.starts_with("--") && (a.contains('o') || a.contains('c')))
    })
}

/// `netpry [--snapshot FILE] netstat ARGS` inside the namespace.
fn run(ns: &Netns, snapshot: Option<&Path>, args: &[&str]) -> (i32, String, String) {
    let file;
    let mut all: Vec<&str> = Vec::new();
    if let Some(p) = snapshot {
        file = p.to_str().expect("utf-8 path").to_string();
        all.extend(["--snapshot", file.as_str()]);
    }
    all.push("netstat");
    all.extend_from_slice(args);
    ns.netpry(&all)
}

/// Takes a snapshot, runs `args` live then from the snapshot; a description of the
/// difference, or None.
fn differ(ns: &Netns, snap: &Path, args: &[&str]) -> Option<String> {
    let (code, _, err) = ns.netpry(&["snapshot", "-o", snap.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "snapshot: {err}");
    let live = run(ns, None, args);
    let replay = run(ns, Some(snap), args);
    (live != replay).then(|| {
        format!(
            "netstat {}:\n--- live (exit {}) ---\n{}{}--- snapshot (exit {}) ---\n{}{}",
            args.join(" "),
            live.0,
            live.1,
            live.2,
            replay.0,
            replay.1,
            replay.2
        )
    })
}

#[test]
fn snapshot_replays_every_netstat_mode_exactly() {
    if !root_or_skip("snapshot_replays_every_netstat_mode_exactly") {
        return;
    }
    let lab = lab("rpl");
    let ns = &lab.ns;
    // The sockets of the listing suite need its addresses.
    add_listing_addresses(ns);
    let dir = std::env::temp_dir().join(format!("netpry-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("socket dir");
    let d = dir.to_str().expect("utf-8");
    let procs = vec![
        Proc::start(ns, None, SOCKETS_PY, &[d]),
        Proc::start(ns, None, MORE_STATES_PY, &[d]),
    ];
    std::thread::sleep(Duration::from_millis(300));
    settle(ns);

    let snap: PathBuf = dir.join("replay.json");

    let mut cases: Vec<Vec<&str>> = Vec::new();
    // Counters first: name lookups below send datagrams that would move them.
    for c in STATISTICS_CASES.iter().chain(INTERFACE_CASES) {
        cases.push(c.to_vec());
    }
    for c in BSD_CASES.iter().filter(|c| {
        c.iter()
            .any(|a| a.starts_with('-') && (a.contains('s') || a.contains('i') || *a == "-m"))
    }) {
        cases.push([&["--bsd"][..], c].concat());
    }
    for c in ROUTE_CASES {
        cases.push(c.to_vec());
    }
    for c in SOCKET_CASES
        .iter()
        .chain(crate::netstat_lab::STATE_CASES)
        .map(|c| c.split_whitespace().collect::<Vec<_>>())
    {
        if !reads_a_clock(&c) {
            cases.push(c);
        }
    }
    for c in BSD_CASES.iter().filter(|c| {
        !c.iter()
            .any(|a| a.starts_with('-') && (a.contains('s') || a.contains('i') || *a == "-m"))
    }) {
        cases.push([&["--bsd"][..], c].concat());
    }

    // A difference is tried twice more with a new snapshot: a row a timer removes (TIME_WAIT,
    // an orphaned FIN_WAIT2 after 60 s) can go between the snapshot and the live run.
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let mut last = None;
            for _ in 0..3 {
                last = differ(ns, &snap, c);
                if last.is_none() {
                    break;
                }
            }
            last
        })
        .collect();
    drop(procs);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} argument lists differ between live and snapshot:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
