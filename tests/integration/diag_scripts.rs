//! The saved diagnostic scripts (`scripts/*.rhai`) run with `netpry run NAME` inside network
//! namespaces built here, with sockets held by python3 processes started by each test: rows,
//! values, exit statuses and the one-line reasons of checks, both outcomes. Also the clean-ups
//! that scripts rely on: a missing raw_diag is read silently, `service()` and BSD netstat share
//! one /etc/services reading, and `route_get` names the table `ip -d route get` names.

use std::time::{Duration, Instant};

use crate::support::{Netns, netpry_bin, root_or_skip, run};

/// `netpry --format csv run NAME ARGS...` inside `ns`: (status, stdout, stderr).
fn run_csv(ns: &Netns, name: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--format", "csv", "run", name];
    all.extend_from_slice(args);
    ns.netpry(&all)
}

/// The sockets of the main scenario, held by one python3 process: listeners on loopback and
/// exposed addresses, TCP and UDP, established connections from two source addresses, three
/// CLOSE_WAIT sockets on port 7010, two TIME_WAIT sockets on 7020, a raw ICMP socket, and one
/// half of two IPv4/IPv6 port pairs (7300, 7301).
const MAIN: &str = r#"
import socket, time
A4, A6 = socket.AF_INET, socket.AF_INET6
def lst(fam, addr, port, udp=False, v6only=False):
    s = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    if not udp:
        s.listen(16)
    return s
def conn(src, dst, port):
    c = socket.socket()
    c.bind((src, 0))
    c.connect((dst, port))
    return c
keep = []
l7001 = lst(A4, '0.0.0.0', 7001)
keep += [l7001, lst(A4, '127.0.0.1', 7002), lst(A4, '10.50.0.1', 7003),
         lst(A4, '0.0.0.0', 7004, udp=True), lst(A4, '127.0.0.1', 7005, udp=True),
         lst(A4, '0.0.0.0', 7300), lst(A4, '0.0.0.0', 7301), lst(A6, '::', 7301, v6only=True),
         socket.socket(A4, socket.SOCK_RAW, socket.IPPROTO_ICMP)]
for src, dst, n in (('127.0.0.3', '127.0.0.9', 3), ('127.0.0.4', '127.0.0.8', 1)):
    for _ in range(n):
        keep.append(conn(src, dst, 7001))
        keep.append(l7001.accept()[0])
l = lst(A4, '127.0.0.1', 7010)
keep.append(l)
for _ in range(3):
    c = conn('127.0.0.1', '127.0.0.1', 7010)
    keep.append(l.accept()[0])
    c.close()
l = lst(A4, '127.0.0.1', 7020)
keep.append(l)
for _ in range(2):
    c = conn('127.0.0.1', '127.0.0.1', 7020)
    a = l.accept()[0]
    a.close()
    time.sleep(0.05)
    c.close()
time.sleep(0.2)
print('ready', flush=True)
time.sleep(600)
"#;

/// A second process: the IPv6 half of port 7300, so that port is split between processes.
const V6_HALF: &str = r#"
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(('::', 7300))
s.listen(4)
print('ready', flush=True)
time.sleep(600)
"#;

struct Main {
    ns: Netns,
    pid: u32,
    v6_pid: u32,
}

fn main_scenario(tag: &str) -> Main {
    let mut ns = Netns::new(tag);
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["addr", "add", "10.50.0.1/24", "dev", "d0"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["link", "set", "d1", "up"]);
    let pid = ns.spawn_python(MAIN, &[]);
    let v6_pid = ns.spawn_python(V6_HALF, &[]);
    Main { ns, pid, v6_pid }
}

#[test]
fn every_saved_script_has_a_comment_block_and_a_description() {
    let (code, list, err) = run(&["run", "--list", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().replace(".rhai", "");
        let src = std::fs::read_to_string(entry.path()).unwrap();
        for part in ["// Usage:", "// Columns:", "// Exit:"] {
            assert!(
                src.contains(part),
                "{name}: no '{part}' in its comment block"
            );
        }
        let first = src.lines().next().unwrap().trim_start_matches("// ");
        assert!(
            list.lines()
                .any(|l| l.starts_with(&format!("{name},built-in,")) && l.contains(first)),
            "{name} is not listed with its description:\n{list}"
        );
        names.push(name);
    }
    for wanted in [
        "exposed-listeners",
        "remote-hosts",
        "close-wait",
        "accept-queue",
        "time-wait",
        "retransmits",
        "interface-errors",
        "default-route",
        "egress",
        "unknown-owners",
        "dual-stack-split",
        "forwarding-audit",
    ] {
        assert!(
            names.iter().any(|n| n == wanted),
            "no scripts/{wanted}.rhai"
        );
    }
    // Every saved script has its section in the book.
    let book = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/scripts.md"),
    )
    .unwrap();
    for n in &names {
        assert!(
            book.contains(&format!("## `{n}`")),
            "book/src/scripts.md lacks {n}"
        );
    }
}

#[test]
fn listener_reports_and_owners() {
    if !root_or_skip("listener_reports_and_owners") {
        return;
    }
    let m = main_scenario("lst");
    let (p, q) = (m.pid, m.v6_pid);
    let (code, out, err) = run_csv(&m.ns, "exposed-listeners", &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!(
            "proto,local_addr,local_port,pid,process,user\n\
             tcp,0.0.0.0,7001,{p},python3,root\n\
             tcp,10.50.0.1,7003,{p},python3,root\n\
             tcp,0.0.0.0,7300,{p},python3,root\n\
             tcp,::,7300,{q},python3,root\n\
             tcp,0.0.0.0,7301,{p},python3,root\n\
             tcp,::,7301,{p},python3,root\n\
             udp,0.0.0.0,7004,{p},python3,root\n"
        )
    );
    let (code, out, _) = run_csv(&m.ns, "listening", &["7005"]);
    assert_eq!(
        (code, out),
        (
            0,
            format!(
                "proto,local_addr,local_port,pid,process,user\nudp,127.0.0.1,7005,{p},python3,root\n"
            )
        )
    );
    // The listener and the four connections it accepted.
    let (code, out, _) = run_csv(&m.ns, "port-owner", &["7001"]);
    assert_eq!(code, 0);
    // (The command line is python's `-c` code, several lines inside one quoted CSV field.)
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("tcp,")).collect();
    assert_eq!(rows.len(), 5, "{out}");
    assert!(
        rows.iter()
            .all(|r| r.contains(&format!(",{p},python3,root,"))),
        "{out}"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.starts_with("tcp,LISTEN,0.0.0.0,7001,"))
            .count(),
        1
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.starts_with("tcp,ESTABLISHED,"))
            .count(),
        4
    );
    let (code, _, err) = run_csv(&m.ns, "port-owner", &["http"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "netpry: argument 1: 'http' is not an integer\n")
    );

    // Owners: all known as root; as nobody, root's processes are not readable.
    let (code, out, err) = run_csv(&m.ns, "unknown-owners", &[]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "OK: all 11 listeners have a known owning process\n", "")
    );
    let bin = netpry_bin();
    let out =
        m.ns.command(
            "setpriv",
            &[
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                bin.to_str().unwrap(),
                "--format",
                "csv",
                "run",
                "unknown-owners",
            ],
        )
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .output()
        .unwrap();
    let (code, out, err) = crate::support::decode(out);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out.lines().next(),
        Some("proto,local_addr,local_port,uid,user")
    );
    assert_eq!(out.lines().count(), 12, "{out}");
    assert!(out.contains("\ntcp,10.50.0.1,7003,0,root\n"), "{out}");
    assert_eq!(
        err.lines().last(),
        Some("netpry: 11 of 11 listeners have no known owning process")
    );

    // 7300 is split between two processes; 7301 is one process on both families.
    let (code, out, err) = run_csv(&m.ns, "dual-stack-split", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!(
            "proto,local_port,v4_addr,v4_pid,v4_process,v6_addr,v6_pid,v6_process\n\
             tcp,7300,0.0.0.0,{p},python3,::,{q},python3\n"
        )
    );
    assert_eq!(
        err,
        "netpry: 1 port(s) bound by different processes on IPv4 and IPv6: tcp 7300 (python3 / python3)\n"
    );
}

#[test]
fn connection_reports_and_close_wait() {
    if !root_or_skip("connection_reports_and_close_wait") {
        return;
    }
    let m = main_scenario("con");
    let p = m.pid;
    let (code, out, err) = run_csv(&m.ns, "remote-hosts", &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "remote_addr,count\n127.0.0.3,3\n127.0.0.9,3\n127.0.0.4,1\n127.0.0.8,1\n"
    );
    let (_, out, _) = run_csv(&m.ns, "remote-hosts", &["2"]);
    assert_eq!(out, "remote_addr,count\n127.0.0.3,3\n127.0.0.9,3\n");
    let (code, _, err) = run_csv(&m.ns, "remote-hosts", &["x"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "netpry: argument 1: 'x' is not an integer\n")
    );

    let (code, out, _) = run_csv(&m.ns, "time-wait", &[]);
    assert_eq!((code, out.as_str()), (0, "local_port,count\n7020,2\n"));

    let (code, out, err) = run_csv(&m.ns, "close-wait", &[]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            0,
            "OK: 3 sockets in CLOSE_WAIT, none over 10 per process\n",
            ""
        )
    );
    let (code, out, err) = run_csv(&m.ns, "close-wait", &["2"]);
    assert_eq!(code, 1);
    assert_eq!(out, format!("pid,process,count\n{p},python3,3\n"));
    assert_eq!(
        err,
        format!(
            "netpry: 1 process(es) over 2 CLOSE_WAIT sockets; most: python3 (pid {p}) with 3\n"
        )
    );

    // No accept queue pressure here.
    let (code, out, _) = run_csv(&m.ns, "accept-queue", &[]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "OK: 9 listeners, no accept queue full, none over 100 in SYN_RECV\n"
        )
    );

    // Raw sockets without raw_diag: read from /proc, silently.
    let (code, out, err) = m.ns.netpry(&[
        "-e",
        r#"sockets().where(|s| s.proto == "raw").column("local_port")"#,
    ]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "1\n", ""));
}

/// A listener with backlog 1 that never accepts (four clients: two queued, two left in
/// SYN_SENT) and one with TCP_DEFER_ACCEPT whose two clients send nothing (both stay in
/// SYN_RECV on the server side).
const QUEUES: &str = r#"
import socket, time
full = socket.socket()
full.bind(('127.0.0.1', 7400))
full.listen(1)
defer = socket.socket()
defer.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
defer.bind(('127.0.0.1', 7401))
defer.listen(16)
keep = []
for port, n in ((7400, 4), (7401, 2)):
    for _ in range(n):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(('127.0.0.1', port))
        except BlockingIOError:
            pass
        keep.append(c)
time.sleep(0.3)
print('ready', flush=True)
time.sleep(600)
"#;

#[test]
fn accept_queue_pressure_and_syn_recv() {
    if !root_or_skip("accept_queue_pressure_and_syn_recv") {
        return;
    }
    let mut ns = Netns::new("aq");
    let p = ns.spawn_python(QUEUES, &[]);
    let header = "local_addr,local_port,pid,process,recv_q,send_q,syn_recv,full\n";
    let (code, out, err) = run_csv(&ns, "accept-queue", &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        out,
        format!("{header}127.0.0.1,7400,{p},python3,2,1,0,true\n")
    );
    assert_eq!(
        err,
        "netpry: 1 listener(s) with a full accept queue, 0 more with over 100 connections in SYN_RECV\n"
    );
    let (code, out, err) = run_csv(&ns, "accept-queue", &["1"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!(
            "{header}127.0.0.1,7400,{p},python3,2,1,0,true\n127.0.0.1,7401,{p},python3,0,16,2,false\n"
        )
    );
    assert_eq!(
        err,
        "netpry: 1 listener(s) with a full accept queue, 1 more with over 1 connections in SYN_RECV\n"
    );
    // Nothing here is exposed, and no interface has errors.
    let (code, out, _) = run_csv(&ns, "exposed-listeners", &[]);
    assert_eq!(
        (code, out.as_str()),
        (0, "proto,local_addr,local_port,pid,process,user\n")
    );
    let (code, out, _) = run_csv(&ns, "interface-errors", &[]);
    assert_eq!(
        (code, out.as_str()),
        (0, "OK: no interface errors or drops\n")
    );
    let (code, out, _) = run_csv(&ns, "dual-stack-split", &[]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "OK: no port is bound by different processes on IPv4 and IPv6\n"
        )
    );
    // No default route at all.
    let (code, out, err) = run_csv(&ns, "default-route", &[]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (1, "", "netpry: no default route\n")
    );
}

/// A server on port 7500 of every address.
const SERVER: &str = r#"
import socket, time
l = socket.socket()
l.bind(('0.0.0.0', 7500))
l.listen(16)
print('ready', flush=True)
keep = []
while True:
    keep.append(l.accept()[0])
"#;

/// Connects to each address given on port 7500, then, on each line of input, sends data on
/// every connection.
const CLIENT: &str = r#"
import socket, sys
cs = [socket.create_connection((a, 7500)) for a in sys.argv[1:]]
for c in cs:
    c.sendall(b'hello')
print('ready', flush=True)
for line in sys.stdin:
    for c in cs:
        try:
            c.send(b'x' * 1000)
        except OSError:
            pass
"#;

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The CSV fields of the row whose remote_addr (third field) is `remote`.
fn row_to<'a>(csv: &'a str, remote: &str) -> Option<Vec<&'a str>> {
    csv.lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.len() > 5 && f[2] == remote)
}

fn sh(ns: &Netns, script: &str) {
    let (code, _, err) = ns.exec("sh", &["-c", script]);
    assert_eq!(code, 0, "{script}: {err}");
}

#[test]
fn routing_egress_retransmits_errors_and_default_route() {
    if !root_or_skip("routing_egress_retransmits_errors_and_default_route") {
        return;
    }
    let a = Netns::new("ra");
    let mut b = Netns::new("rb");
    for ns in [&a, &b] {
        sh(
            ns,
            "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6",
        );
    }
    for (i, (mine, theirs)) in [("v1", "w1"), ("v2", "w2")].iter().enumerate() {
        let n = i + 1;
        a.ip(&[
            "link", "add", mine, "type", "veth", "peer", "name", theirs, "netns", &b.name,
        ]);
        a.ip(&["addr", "add", &format!("10.{n}.0.1/24"), "dev", mine]);
        b.ip(&["addr", "add", &format!("10.{n}.0.2/24"), "dev", theirs]);
        a.ip(&["link", "set", mine, "up"]);
        b.ip(&["link", "set", theirs, "up"]);
    }
    b.ip(&["addr", "add", "10.3.0.2/32", "dev", "lo"]);
    a.ip(&["route", "add", "10.3.0.0/24", "via", "10.2.0.2"]);
    a.ip(&["route", "add", "default", "via", "10.1.0.2"]);
    b.ip(&["route", "add", "default", "via", "10.2.0.1"]);
    b.spawn_python(SERVER, &[]);
    let client = a
        .command(
            "python3",
            &["-u", "-c", CLIENT, "10.1.0.2", "10.2.0.2", "10.3.0.2"],
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut client = KillOnDrop(client);
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(client.0.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "ready\n");

    // Each destination has its own device and source; 10.3.0.2 goes via a gateway.
    let (code, out, err) = run_csv(&a, "egress", &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    let rows: Vec<String> = out
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            // Drop the ephemeral local port.
            [f[0], f[1], f[3], f[4], f[5], f[6], f[7], f[8], f[9]].join(",")
        })
        .collect();
    assert_eq!(
        rows,
        [
            "proto,local_addr,remote_addr,remote_port,dev,gateway,src,table,process",
            "tcp,10.1.0.1,10.1.0.2,7500,v1,,10.1.0.1,main,python3",
            "tcp,10.2.0.1,10.2.0.2,7500,v2,,10.2.0.1,main,python3",
            "tcp,10.2.0.1,10.3.0.2,7500,v2,10.2.0.2,10.2.0.1,main,python3",
        ]
    );

    // Sane default route: the gateway answered, so it is in the neighbour table.
    let (code, out, err) = run_csv(&a, "default-route", &[]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "family,gateway,dev,metric,dev_state,neighbour,problem"
    );
    assert!(lines[1].starts_with("inet,10.1.0.2,v1,0,UP,"), "{out}");
    assert!(lines[1].ends_with(','), "no problem: {out}");
    assert_eq!(
        lines[2],
        "OK: 1 default route(s), gateways resolved, devices up"
    );
    let (code, out, _) = run_csv(&a, "retransmits", &[]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "no retransmissions yet: {out}");
    let (code, out, _) = run_csv(&a, "interface-errors", &[]);
    assert_eq!(
        (code, out.as_str()),
        (0, "OK: no interface errors or drops\n")
    );

    // 10.3.0.2 disappears: data to it is retransmitted. The peer of v1 goes down: v1 drops
    // what it sends, and the default route's device is no longer up.
    b.ip(&["addr", "del", "10.3.0.2/32", "dev", "lo"]);
    b.ip(&["link", "set", "w1", "down"]);
    let stdin = client.0.stdin.as_mut().unwrap();
    let mut out = String::new();
    wait_for("retransmissions to 10.3.0.2", || {
        use std::io::Write;
        let _ = stdin.write_all(b"go\n");
        let _ = stdin.flush();
        out = run_csv(&a, "retransmits", &[]).1;
        row_to(&out, "10.3.0.2").is_some_and(|r| r[5].parse::<i64>().unwrap_or(0) >= 1)
    });
    let header = "local_addr,local_port,remote_addr,remote_port,state,retrans,retransmits,segs_out,bytes_acked,retrans_pct,process";
    assert_eq!(out.lines().next(), Some(header));
    // The most retransmitted first.
    assert!(out.lines().nth(1).unwrap().contains(",10.3.0.2,"), "{out}");
    let row = row_to(&out, "10.3.0.2").unwrap();
    assert_eq!(row[0], "10.2.0.1");
    assert_eq!(row[4], "ESTABLISHED");
    assert!(row[5].parse::<i64>().unwrap() >= 1, "retrans: {out}");
    assert!(row[9].parse::<f64>().unwrap() > 0.0, "retrans_pct: {out}");
    assert_eq!(row[10], "python3");
    assert!(
        !out.contains(",10.2.0.2,"),
        "a healthy connection listed: {out}"
    );

    let mut errs = (0, String::new(), String::new());
    wait_for("drops on v1", || {
        errs = run_csv(&a, "interface-errors", &[]);
        errs.0 == 1
    });
    let (_, out, err) = errs;
    assert_eq!(
        out.lines().next(),
        Some("name,state,rx_errors,tx_errors,rx_dropped,tx_dropped")
    );
    // The carrier change reaches v1's state asynchronously (link watch): UP or DOWN here.
    let row = out.lines().nth(1).unwrap();
    assert!(
        row.starts_with("v1,UP,0,0,0,") || row.starts_with("v1,DOWN,0,0,0,"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "only v1: {out}");
    assert_eq!(
        err,
        "netpry: 1 interface(s) with errors or drops: [\"v1\"]\n"
    );

    // The carrier change reaches v1's state asynchronously (link watch).
    let mut dr = (0, String::new(), String::new());
    wait_for("v1 down", || {
        dr = run_csv(&a, "default-route", &[]);
        dr.2.contains("device v1 is DOWN")
    });
    let (code, out, err) = dr;
    assert_eq!(code, 1);
    let row = out.lines().nth(1).unwrap();
    assert!(row.starts_with("inet,10.1.0.2,v1,0,DOWN,"), "{out}");
    assert!(row.ends_with(",device v1 is DOWN"), "{out}");
    assert_eq!(
        err,
        "netpry: 1 of 1 default route(s) broken: device v1 is DOWN\n"
    );
}

/// Kills and reaps a child when dropped (the client is not a `Netns` child).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn default_route_with_a_failed_gateway() {
    if !root_or_skip("default_route_with_a_failed_gateway") {
        return;
    }
    let ns = Netns::new("gw");
    ns.ip(&["link", "add", "g0", "type", "veth", "peer", "name", "g1"]);
    ns.ip(&["addr", "add", "10.9.0.2/24", "dev", "g0"]);
    ns.ip(&["link", "set", "g0", "up"]);
    ns.ip(&["link", "set", "g1", "up"]);
    ns.ip(&["route", "add", "default", "via", "10.9.0.1"]);
    let (code, out, err) = run_csv(&ns, "default-route", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "family,gateway,dev,metric,dev_state,neighbour,problem\ninet,10.9.0.1,g0,0,UP,,gateway 10.9.0.1 has no neighbour entry\n"
    );
    assert_eq!(
        err,
        "netpry: 1 of 1 default route(s) broken: gateway 10.9.0.1 has no neighbour entry\n"
    );
    ns.ip(&["neigh", "replace", "10.9.0.1", "dev", "g0", "nud", "failed"]);
    let (code, out, err) = run_csv(&ns, "default-route", &[]);
    assert_eq!(code, 1);
    assert!(
        out.ends_with(",UP,FAILED,gateway 10.9.0.1 is FAILED\n"),
        "{out}"
    );
    assert_eq!(
        err,
        "netpry: 1 of 1 default route(s) broken: gateway 10.9.0.1 is FAILED\n"
    );
}

#[test]
fn policy_rules_flags_empty_tables_missing_devices_and_dangling_gotos() {
    if !root_or_skip("policy_rules_flags_empty_tables_missing_devices_and_dangling_gotos") {
        return;
    }
    let ns = Netns::new("prl");
    let ip = |line: &str| ns.ip(&line.split_whitespace().collect::<Vec<_>>());
    ip("link add p0 type veth peer name p1");
    ip("link set p0 up");
    ip("addr add 10.9.0.2/24 dev p0");
    // Only the built-in rules: nothing to report.
    let (code, out, err) = run_csv(&ns, "policy-rules", &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "OK: no policy rules besides the built-in ones\n");
    ip("route add 10.70.0.0/16 via 10.9.0.1 table 100");
    ip("rule add to 10.70.0.0/16 lookup 100 pref 100");
    ip("rule add from 10.9.0.0/24 goto 300 pref 200");
    ip("rule add lookup main suppress_prefixlength 0 pref 300");
    let (code, out, err) = run_csv(&ns, "policy-rules", &[]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(
        out,
        "family,priority,from,to,action,target,problem\n\
         inet,100,all,10.70.0.0/16,lookup,100,\n\
         inet,200,10.9.0.0/24,all,goto,300,\n\
         inet,300,all,all,lookup,main,\n\
         OK: 3 policy rule(s), every table holds routes, every device exists\n"
    );
    // Now break it three ways.
    ip("-6 rule add to fd00::/8 lookup 100 pref 150");
    ip("rule add iif ghost0 lookup 100 pref 160");
    ip("rule add goto 999 pref 170");
    let (code, out, err) = run_csv(&ns, "policy-rules", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("inet,160,all,all,lookup,100,input device ghost0 does not exist\n")
            && out.contains("inet,170,all,all,goto,999,no rule has priority 999\n")
            && out.contains("inet6,150,all,fd00::/8,lookup,100,table 100 has no inet6 route\n"),
        "{out}"
    );
    assert_eq!(
        err,
        "netpry: 3 of 6 policy rule(s) broken: rule 160: input device ghost0 does not exist\n"
    );
}

#[test]
fn forwarding_audit_flags_forwarding_without_rp_filter() {
    if !root_or_skip("forwarding_audit_flags_forwarding_without_rp_filter") {
        return;
    }
    let ns = Netns::new("fw");
    ns.ip(&["link", "add", "d0.5", "type", "veth", "peer", "name", "p0"]);
    let set = |key: &str, v: &str| sh(&ns, &format!("echo {v} > /proc/sys/net/ipv4/{key}"));
    set("conf/all/rp_filter", "0");
    set("conf/lo/rp_filter", "0");
    set("conf/d0.5/rp_filter", "0");
    set("conf/p0/rp_filter", "1");
    let header =
        "interface,ipv4_forwarding,rp_filter,rp_filter_all,rp_effective,ipv6_forwarding,flagged\n";
    let (code, out, err) = run_csv(&ns, "forwarding-audit", &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!(
            "{header}d0.5,0,0,0,0,0,false\nlo,0,0,0,0,0,false\np0,0,1,0,1,0,false\nOK: no interface forwards IPv4 with rp_filter off\n"
        )
    );
    set("ip_forward", "1");
    set("conf/d0.5/rp_filter", "1");
    let (code, out, err) = run_csv(&ns, "forwarding-audit", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!("{header}d0.5,1,1,0,1,0,false\nlo,1,0,0,0,0,true\np0,1,1,0,1,0,false\n")
    );
    assert_eq!(
        err,
        "netpry: 1 interface(s) forward IPv4 with rp_filter off: lo\n"
    );
    // The kernel applies the larger of the interface's and all's: loose on all covers lo.
    set("conf/all/rp_filter", "2");
    let (code, out, _) = run_csv(&ns, "forwarding-audit", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\nlo,1,0,2,2,0,false\n"), "{out}");
}

#[test]
fn services_come_from_one_parser_for_scripts_and_bsd_netstat() {
    if !root_or_skip("services_come_from_one_parser_for_scripts_and_bsd_netstat") {
        return;
    }
    let mut ns = Netns::new("svc");
    ns.etc_file(
        "services",
        "# test\nalpha 7001/tcp a1\nbeta 7001/tcp\ngamma 7004/udp\n",
    );
    ns.spawn_python(
        "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 7001))\ns.listen()\nprint('ready', flush=True)\ntime.sleep(600)\n",
        &[],
    );
    // getservbyport(3) semantics: the first line for a port wins.
    let (code, out, _) = ns.netpry(&[
        "-e",
        r#"[service(7001, "tcp"), service(7004, "UDP"), service(7004, "tcp")]"#,
    ]);
    assert_eq!((code, out.as_str()), (0, "alpha\ngamma\n\n"));
    let (code, out, err) = ns.netpry(&["netstat", "--bsd", "-a", "-p", "tcp"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("localhost.alpha") || out.contains("127.0.0.1.alpha"),
        "{out}"
    );
    assert!(!out.contains("beta"), "{out}");
}

#[test]
fn route_get_names_the_table_ip_names() {
    if !root_or_skip("route_get_names_the_table_ip_names") {
        return;
    }
    let ns = Netns::new("rg");
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["addr", "add", "10.20.0.1/24", "dev", "d0"]);
    ns.ip(&["link", "set", "d0", "up"]);
    ns.ip(&["link", "set", "d1", "up"]);
    let check = |dst: &str, table: &str| {
        let ip = ns.ip_json(&["-d", "route", "get", dst]);
        let theirs = ip[0]["table"].as_str().unwrap_or("").to_string();
        let (code, ours, err) = ns.netpry(&[
            "-e",
            &format!(r#"let r = route_get("{dst}"); `${{r.table_name}} ${{r.dev}}`"#),
        ]);
        assert_eq!(code, 0, "{err}");
        let dev = ip[0]["dev"].as_str().unwrap_or("");
        assert_eq!(
            ours.trim(),
            format!("{theirs} {dev}"),
            "{dst}: ip says {ip}"
        );
        assert_eq!(theirs, table, "{dst}: ip says {ip}");
    };
    // Only the default rules: local is merged into main, and the kernel says main.
    check("127.0.0.1", "main");
    check("10.20.0.5", "main");
    ns.ip(&[
        "rule",
        "add",
        "to",
        "10.30.0.0/16",
        "lookup",
        "1000",
        "pref",
        "100",
    ]);
    ns.ip(&["route", "add", "10.30.0.0/16", "dev", "d0", "table", "1000"]);
    // With a rule the tables are split again.
    check("127.0.0.1", "local");
    check("10.20.0.5", "main");
    check("10.30.1.1", "1000");
}

/// IPv4 clients of a `::` listener show as `::ffff:a.b.c.d`; scripts treat them as a.b.c.d.
const MAPPED: &str = r#"
import socket, time
keep = []
l6 = socket.socket(socket.AF_INET6)
l6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
l6.bind(("::", 7401)); l6.listen(8); keep.append(l6)
l4 = socket.socket(); l4.bind(("127.0.0.1", 7402)); l4.listen(8); keep.append(l4)
for port, listener in [(7401, l6), (7401, l6), (7402, l4)]:
    c = socket.socket(); c.bind(("127.0.0.5", 0)); c.connect(("127.0.0.1", port)); keep.append(c)
    keep.append(listener.accept()[0])
print("ready", flush=True)
time.sleep(600)
"#;

#[test]
fn ipv4_mapped_clients_count_as_their_ipv4_address() {
    if !root_or_skip("ipv4_mapped_clients_count_as_their_ipv4_address") {
        return;
    }
    let mut ns = Netns::new("mapped");
    ns.spawn_python(MAPPED, &[]);
    let (code, out, err) = run_csv(&ns, "remote-hosts", &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "remote_addr,count\n127.0.0.1,3\n127.0.0.5,3\n");
    let (code, out, err) = ns.netpry(&[
        "-e",
        r#"let e = sockets().where(|s| s.proto == "tcp" && s.state == "ESTABLISHED");
[e.where(|s| s.remote_addr == "::ffff:127.0.0.5").count(),
 e.where(|s| s.remote_addr in "127.0.0.5/32").count(),
 e.where(|s| s.remote_addr.within("127.0.0.0/8") && s.remote_addr.is_loopback()).count(),
 e.where(|s| s.remote_addr.canonical() == "127.0.0.5").count()]"#,
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    // As written: 2 mapped; as IPv4: 3 from 127.0.0.5; all 6 are loopback.
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["2", "3", "6", "3"]
    );
}
