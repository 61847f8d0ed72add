//! Harder lab states for the net-tools front end, each built in throwaway namespaces and
//! compared with the real `/usr/bin/netstat` on the same state:
//!
//! * sockets: TIME_WAIT, SYN_SENT (to an address whose neighbour never answers), FIN_WAIT2
//!   (half-closed and orphaned), a full accept queue, zero-window probing and keepalive
//!   probing that go unanswered (the peer's link goes down), and UNIX connections not yet
//!   accepted (`/proc/net/unix` lists them as CONNECTING with inode 0; unix_diag does not);
//! * IPv6 routes with the kernel's own flags: learned from router advertisements (default
//!   router, prefix and route-information routes: `UGDAe`, `UAe`, `UGAe`), and routes added
//!   with `expires`, next to a 15-character interface with a jumbo MTU;
//! * interfaces of many link types (tun devices given each ARPHRD type with TUNSETLINK: PPP,
//!   SLIP, CSLIP with its compressed counters, IPIP, SIT, FDDI, HIPPI, IrDA, ARCnet, HDLC,
//!   LAPB, DLCI, ...).
//!
//! Rows the kernel hands netpry in another order than /proc are accepted as in the socket
//! suite (`netstat_linux`); timer countdowns are masked, retransmit and probe counts are not.
//! A probe fired between the two runs can change a count, so a differing case is compared
//! again (three times at most) before it fails.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::netstat_linux::{Link, compare_all, have_netstat};
use crate::support::{Netns, root_or_skip};

/// Compares `cases`, running the differing ones again up to twice (a timer may have fired
/// between the two programs' runs).
fn compare_settled(ns: &Netns, link: &Link, cases: &[&str]) -> (Vec<String>, usize) {
    let (mut failures, mut reordered) = compare_all(ns, link, cases);
    for _ in 0..2 {
        if failures.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        let again: Vec<&str> = cases
            .iter()
            .copied()
            .filter(|c| {
                failures
                    .iter()
                    .any(|f| f.starts_with(&format!("netstat {c}\n")))
            })
            .collect();
        let (f, r) = compare_all(ns, link, &again);
        failures = f;
        reordered += r;
    }
    (failures, reordered)
}

fn assert_none_differ(what: &str, failures: &[String], total: usize, reordered: usize) {
    eprintln!("{what}: {total} argument lists compared, {reordered} identical once sorted");
    assert!(
        failures.is_empty(),
        "{what}: {} of {total} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The receiving side in the peer namespace: a listener with a tiny receive buffer whose
/// connections are accepted and never read.
pub(crate) const SINK_PY: &str = r#"
import socket, time
L = socket.socket(); L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
L.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
L.bind(('10.78.0.2', 9000)); L.listen(8)
print('ready', flush=True)
keep = []
while True:
    a, _ = L.accept(); keep.append(a)
"#;

/// The sockets of the namespace under test; argv: socket directory, peer namespace name.
pub(crate) const STATES_PY: &str = r#"
import os, socket, sys, time
d, peer = sys.argv[1], sys.argv[2]
keep = []
def listen(port, backlog=8):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port)); s.listen(backlog); keep.append(s); return s
L = listen(7001)
# TIME_WAIT: the client closes first.
c = socket.create_connection(('127.0.0.1', 7001)); a, _ = L.accept(); c.close(); time.sleep(0.1); a.close()
# FIN_WAIT2 half-closed (CLOSE_WAIT on the other side), and orphaned.
c2 = socket.create_connection(('127.0.0.1', 7001)); a2, _ = L.accept(); c2.shutdown(socket.SHUT_WR)
c3 = socket.create_connection(('127.0.0.1', 7001)); a3, _ = L.accept(); c3.close()
keep += [c2, a2, a3]
# SYN_SENT: nothing answers for 10.77.0.99 on d0.
s = socket.socket(); s.setblocking(False); s.connect_ex(('10.77.0.99', 80)); keep.append(s)
# A full accept queue: backlog 1, nothing accepted, more clients than it holds.
Q = listen(7002, 1)
for i in range(4):
    q = socket.socket(); q.setblocking(False); q.connect_ex(('127.0.0.1', 7002)); keep.append(q)
# UNIX connections never accepted (one client already gone), stream and seqpacket.
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); u.bind(d + '/acc.sock'); u.listen(4)
for i in range(2):
    x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); x.connect(d + '/acc.sock'); keep.append(x)
gone = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); gone.connect(d + '/acc.sock'); gone.close()
sq = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); sq.bind('\0netpry-lab-seq'); sq.listen(4)
y = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); y.connect('\0netpry-lab-seq')
keep += [u, sq, y]
# Zero window: fill the peer's never-read socket; a keepalive connection beside it.
z = socket.socket(); z.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
z.connect(('10.78.0.2', 9000)); z.setblocking(False); time.sleep(0.3)
try:
    while True: z.send(b'x' * 4096)
except BlockingIOError:
    pass
k = socket.create_connection(('10.78.0.2', 9000))
k.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
k.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
k.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
k.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 50)
keep += [z, k]
time.sleep(1)
# The peer goes away: probes and keepalives are no longer answered, their counts climb.
os.system('ip -n ' + peer + ' link set e1 down')
time.sleep(4.5)
# Keep the keepalive count still from here on (the probe timer backs off on its own).
k.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 600)
time.sleep(1.2)
print('ready', flush=True)
time.sleep(600)
"#;

pub(crate) const STATE_CASES: &[&str] = &[
    "-tan", "-tano", "-tanoe", "-tnoe", "-tno", "-ta", "-tao", "-taoe", "-xa", "-x", "-xl", "-xap",
    "-a", "-an", "-ao", "-N", "-Nxa", "-ee", "-aee", "-tanp", "-tanop", "-l",
];

#[test]
fn hard_socket_states_match_net_tools() {
    if !root_or_skip("hard_socket_states_match_net_tools") || !have_netstat() {
        return;
    }
    let mut peer = Netns::new("labp");
    let mut ns = Netns::new("labs");
    let dir = std::env::temp_dir().join(format!("netpry-lab-states-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("socket dir");
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["addr", "add", "10.77.0.1/24", "dev", "d0"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["link", "set", "d1", "up"]);
    ns.ip(&[
        "link", "add", "e0", "type", "veth", "peer", "name", "e1", "netns", &peer.name,
    ]);
    ns.ip(&["addr", "add", "10.78.0.1/24", "dev", "e0"]);
    ns.ip(&["link", "set", "e0", "up"]);
    peer.ip(&["addr", "add", "10.78.0.2/24", "dev", "e1"]);
    peer.ip(&["link", "set", "e1", "up"]);
    ns.etc_file("hosts", "127.0.0.1 localhost\n10.78.0.2 sink\n");
    ns.etc_file(
        "resolv.conf",
        "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n",
    );
    // The veth needs a moment before it carries traffic.
    std::thread::sleep(Duration::from_millis(500));
    peer.spawn_python(SINK_PY, &[]);
    let peer_name = peer.name.clone();
    ns.spawn_python(STATES_PY, &[dir.to_str().expect("utf-8"), &peer_name]);
    let link = Link::new("labstates");
    let (failures, reordered) = compare_settled(&ns, &link, STATE_CASES);
    let _ = std::fs::remove_dir_all(&dir);
    // The states are really there.
    let (_, out, _) = ns.exec("/usr/bin/netstat", &["-tanox"]);
    for want in [
        "TIME_WAIT",
        "SYN_SENT",
        "FIN_WAIT2",
        "CLOSE_WAIT",
        "probe (",
        "keepalive (",
        "CONNECTING    0",
    ] {
        assert!(out.contains(want), "no {want} in the lab:\n{out}");
    }
    assert_none_differ("socket states", &failures, STATE_CASES.len(), reordered);
}

/// Router advertisements from the router namespace's `r0`: a default router, an on-link
/// autonomous prefix (fd00:42::/64) and a route-information option (fd00:77::/48, high
/// preference).
const RA_PY: &str = r#"
import socket, struct, time
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
idx = socket.if_nametoindex('r0')
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0)
pio = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 86400, 14400, 0) + socket.inet_pton(socket.AF_INET6, 'fd00:42::')
rio = struct.pack('!BBBBI', 24, 2, 48, 0x08, 3600) + socket.inet_pton(socket.AF_INET6, 'fd00:77::')[:8]
for i in range(3):
    s.sendto(ra + pio + rio, ('ff02::1', 0, 0, idx)); time.sleep(0.2)
"#;

fn sysctl(ns: &Netns, settings: &[&str]) {
    for k in settings {
        let (code, _, err) = ns.exec("sysctl", &["-qw", k]);
        assert_eq!(code, 0, "sysctl {k}: {err}");
    }
}

/// Waits until the packet counters of `devs` in `ns` have not moved for 1.5 s (15 s at most).
fn wait_quiet(ns: &Netns, devs: &[&str]) {
    let counters = || -> String {
        let files: Vec<String> = devs
            .iter()
            .flat_map(|d| {
                ["rx_packets", "tx_packets"].map(|c| format!("/sys/class/net/{d}/statistics/{c}"))
            })
            .collect();
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        ns.exec("cat", &args).1
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let (mut last, mut since) = (counters(), Instant::now());
    while Instant::now() < deadline && since.elapsed() < Duration::from_millis(1500) {
        std::thread::sleep(Duration::from_millis(250));
        let now = counters();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
}

/// Waits until `/proc/net/ipv6_route` of `ns` holds `needle` (hex), with a deadline.
fn wait_route(ns: &Netns, needle: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        let (_, text, _) = ns.exec("cat", &["/proc/net/ipv6_route"]);
        if text.contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("no route {needle} learned from the router advertisements");
}

#[test]
fn ra_and_expiring_routes_match_net_tools() {
    if !root_or_skip("ra_and_expiring_routes_match_net_tools") || !have_netstat() {
        return;
    }
    let router = Netns::new("labr");
    let host = Netns::new("labh");
    sysctl(&router, &["net.ipv6.conf.default.accept_dad=0"]);
    sysctl(
        &host,
        &[
            "net.ipv6.conf.default.accept_dad=0",
            "net.ipv6.conf.default.accept_ra_rt_info_max_plen=64",
            "net.ipv6.conf.default.router_solicitations=0",
        ],
    );
    host.ip(&[
        "link",
        "add",
        "eth0",
        "type",
        "veth",
        "peer",
        "name",
        "r0",
        "netns",
        &router.name,
    ]);
    // A 15-character name with a jumbo MTU, carrying its own routes.
    host.ip(&[
        "link",
        "add",
        "jumbo-ifname-15",
        "mtu",
        "9000",
        "type",
        "veth",
        "peer",
        "name",
        "jp",
    ]);
    for d in ["eth0", "jumbo-ifname-15", "jp"] {
        host.ip(&["link", "set", d, "up"]);
    }
    router.ip(&["link", "set", "r0", "up"]);
    host.ip(&["addr", "add", "fd00:1::1/64", "dev", "eth0", "nodad"]);
    host.ip(&[
        "addr",
        "add",
        "fd00:9::1/64",
        "dev",
        "jumbo-ifname-15",
        "nodad",
    ]);
    host.ip(&["addr", "add", "10.9.0.1/24", "dev", "jumbo-ifname-15"]);
    for r in [
        "fd00:50::/64 via fd00:1::2 expires 300",
        "fd00:52::/64 dev eth0 proto ra expires 100 pref high",
        "fd00:53::/64 via fd00:9::2 dev jumbo-ifname-15 mtu 8000 expires 600",
        "fd00:54::/64 via fd00:1::2 proto ra",
    ] {
        let words: Vec<&str> = ["-6", "route", "add"]
            .into_iter()
            .chain(r.split(' '))
            .collect();
        host.ip(&words);
    }
    host.ip(&["route", "add", "10.90.0.0/16", "via", "10.9.0.2"]);
    host.etc_file("hosts", "127.0.0.1 localhost\nfd00:1::2 peer6\n");
    host.etc_file(
        "resolv.conf",
        "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n",
    );
    // The router's link-local address needs the link up (and, under load, longer than a
    // moment): until it is usable the advertisement is refused as unreachable, so try again.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (code, err) = loop {
        let (code, _, err) = router.exec("python3", &["-c", RA_PY]);
        if code == 0 || !err.contains("Network is unreachable") || Instant::now() > deadline {
            break (code, err);
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(code, 0, "router advertisements: {err}");
    wait_route(&host, "fd000042000000000000000000000000 40");
    wait_route(&host, "fd000077000000000000000000000000 30");
    let (_, proc_routes, _) = host.exec("cat", &["/proc/net/ipv6_route"]);
    let link = Link::new("labroutes");
    let cases = [
        "-rn6",
        "-r -A inet6",
        "-6r",
        "-rn6ee",
        "-ree -6",
        "-rn -A inet,inet6",
        "-rnC6",
        "-rnF6",
        "-rnCF -6",
        "-rn",
        "-rnee",
    ];
    let (failures, reordered) = compare_settled(&host, &link, &cases);
    // The kernel's flags are there: the default router from RA is `UGDAe`.
    let (_, out, _) = host.exec("/usr/bin/netstat", &["-rn6"]);
    assert!(out.contains(" UGDAe "), "{out}\n{proc_routes}");
    assert!(out.contains(" UAe "), "{out}");
    assert_none_differ("routes", &failures, cases.len(), reordered);
}

/// Creates persistent tun devices `hwN` of each ARPHRD type N given (TUNSETIFF, TUNSETLINK,
/// TUNSETPERSIST); they go away with the namespace.
const TUN_PY: &str = r#"
import fcntl, os, struct, sys
TUNSETIFF, TUNSETPERSIST, TUNSETLINK = 0x400454ca, 0x400454cb, 0x400454cd
for t in sys.argv[1:]:
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', ('hw' + t).encode(), 0x0001 | 0x1000))
    fcntl.ioctl(fd, TUNSETLINK, int(t))
    fcntl.ioctl(fd, TUNSETPERSIST, 1)
    os.close(fd)
"#;

/// ARPHRD types to build: every type net-tools names, and some it does not. Left out: types
/// net-tools prints with bytes that are not the device's (ieee802 6, ltalk 773, gre 778,
/// ash 781).
const LINK_TYPES: &[&str] = &[
    "0", "1", "2", "3", "4", "7", "8", "15", "19", "23", "24", "27", "32", "256", "257", "258",
    "259", "260", "264", "270", "271", "272", "280", "512", "513", "516", "517", "518", "519",
    "768", "769", "770", "771", "772", "774", "775", "776", "777", "779", "780", "782", "783",
    "784", "800", "801", "804", "820", "823", "824", "825", "65534", "65535",
];

#[test]
fn link_types_match_net_tools() {
    if !root_or_skip("link_types_match_net_tools") || !have_netstat() {
        return;
    }
    if !Path::new("/dev/net/tun").exists() {
        assert!(
            std::env::var("NETPRY_REQUIRE_ROOT_TESTS").as_deref() != Ok("1"),
            "/dev/net/tun is missing"
        );
        eprintln!("SKIP link_types_match_net_tools: no /dev/net/tun");
        return;
    }
    let ns = Netns::new("labl");
    let mut args = vec!["-c", TUN_PY];
    args.extend_from_slice(LINK_TYPES);
    let (code, _, err) = ns.exec("python3", &args);
    assert_eq!(code, 0, "tun devices: {err}");
    // Some up (CSLIP prints its compressed counters), one with a jumbo MTU and an address.
    for d in ["hw257", "hw259", "hw512", "hw768", "hw776", "hw774"] {
        ns.ip(&["link", "set", d, "up"]);
    }
    ns.ip(&["link", "set", "hw512", "mtu", "9000"]);
    ns.ip(&[
        "addr",
        "add",
        "10.5.0.1",
        "peer",
        "10.5.0.2/32",
        "dev",
        "hw512",
    ]);
    // A veth pair that comes up sends IPv6 router solicitations for seconds (and MLD reports
    // for about two): its counters would move between netstat's run and netpry's. No
    // solicitations, and the comparison waits until the counters stand still.
    sysctl(&ns, &["net.ipv6.conf.default.router_solicitations=0"]);
    ns.ip(&[
        "link",
        "add",
        "fifteen-chars-x",
        "mtu",
        "9000",
        "type",
        "veth",
        "peer",
        "name",
        "fcp",
    ]);
    ns.ip(&["link", "set", "fifteen-chars-x", "up"]);
    ns.ip(&["link", "set", "fcp", "up"]);
    wait_quiet(&ns, &["fcp", "fifteen-chars-x"]);
    let link = Link::new("lablinks");
    let cases = ["-i", "-ia", "-ie", "-iea", "-ieee", "--interfaces --all -e"];
    let (failures, reordered) = compare_settled(&ns, &link, &cases);
    let (_, out, _) = ns.exec("/usr/bin/netstat", &["-iea"]);
    for want in [
        "(Point-to-Point Protocol)",
        "RX compressed:0",
        "(IPIP Tunnel)",
    ] {
        assert!(out.contains(want), "no {want}:\n{out}");
    }
    assert_none_differ("link types", &failures, cases.len(), reordered);
}
