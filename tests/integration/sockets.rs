//! The `sockets` and `processes` tables against `ss -tuawxnpe` in a namespace built by the
//! test: TCP listeners (v4, v6 dual-stack, v6-only), established pairs, CLOSE_WAIT, an
//! unaccepted connection, UDP bound and connected, raw v4 and v6, UNIX stream (path, abstract,
//! socketpair) and datagram, plus one listener owned by an unprivileged child process.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::support::{Netns, netpry_bin, root_or_skip};

/// Opens the sockets, forks a child that keeps one end of the socketpair, drops to uid 65534
/// and listens on 7010 (its pid goes to `DIR/child.pid`), then prints "ready".
const HELPER: &str = r#"
import ctypes, os, socket, sys, time
d = sys.argv[1]
keep = []
def listen(fam, addr, port, backlog, v6only=None):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, port)); s.listen(backlog); keep.append(s); return s
l4 = listen(socket.AF_INET, "127.0.0.1", 7001, 11)
l6 = listen(socket.AF_INET6, "::", 7002, 12, v6only=0)
l6o = listen(socket.AF_INET6, "::1", 7003, 13, v6only=1)
c = socket.create_connection(("127.0.0.1", 7001)); a, _ = l4.accept(); keep += [c, a]
c.sendall(b"y" * 33)
c6 = socket.create_connection(("::1", 7003)); a6, _ = l6o.accept(); keep += [c6, a6]
cw = socket.create_connection(("127.0.0.1", 7001)); acw, _ = l4.accept(); keep.append(cw)
acw.close()                      # the peer closed, we did not: CLOSE_WAIT
pend = socket.create_connection(("127.0.0.1", 7001)); keep.append(pend)   # never accepted
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7004)); keep.append(u)
uc = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); uc.bind(("::1", 7005))
uc.connect(("::1", 7006)); keep.append(uc)
ub = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ub.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo"); ub.bind(("127.0.0.1", 7007)); keep.append(ub)
keep.append(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
keep.append(socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6))
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); us.bind(d + "/s.sock"); us.listen(4); keep.append(us)
ua = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ua.bind("\0netpry-test-" + str(os.getpid())); ua.listen(5); keep.append(ua)
p1, p2 = socket.socketpair(); keep += [p1, p2]
p1.sendall(b"z" * 9)
ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ud.bind(d + "/d.sock"); keep.append(ud)
r, w = os.pipe()
child = os.fork()
if child == 0:
    for k in keep:                  # keep only p1: one socket held by two processes
        if k is not p1:
            k.close()
    libc = ctypes.CDLL(None)
    libc.prctl(1, 9)                # PR_SET_PDEATHSIG, SIGKILL: die with the parent
    os.setgid(65534); os.setuid(65534)
    libc.prctl(4, 1)                # PR_SET_DUMPABLE: setuid cleared it, hiding /proc/PID/fd
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(("127.0.0.1", 7010)); s.listen(3)
    os.write(w, b"x")
    while os.getppid() != 1:
        time.sleep(0.5)
    os._exit(0)
os.read(r, 1)
with open(d + "/child.pid", "w") as f:
    f.write(str(child))
time.sleep(0.2)
print("ready", flush=True)
time.sleep(3600)
"#;

/// One socket, reduced to what both tools show.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Sock {
    proto: String,
    kind: String,
    state: String,
    recv_q: i64,
    send_q: i64,
    local: String,
    dev: String,
    local_port: i64,
    remote: String,
    remote_port: i64,
    uid: i64,
    inode: i64,
    peer: i64,
    pid: Option<i64>,
}

/// `*`, `0.0.0.0` and `::` all mean "any address"; brackets go.
fn norm_addr(a: &str) -> String {
    let a = a.trim_start_matches('[').trim_end_matches(']');
    match a {
        "*" | "0.0.0.0" | "::" => "*".to_string(),
        _ => a.to_string(),
    }
}

/// ss's state spelling to the kernel names netpry uses (ss calls CLOSE "UNCONN").
fn norm_state(s: &str) -> String {
    match s {
        "ESTAB" => "ESTABLISHED".into(),
        "UNCONN" => "CLOSE".into(),
        "FIN-WAIT-1" => "FIN_WAIT1".into(),
        "FIN-WAIT-2" => "FIN_WAIT2".into(),
        other => other.replace('-', "_"),
    }
}

/// Parses `ss -tuawxnpe` text. Fields: Netid, State, Recv-Q, Send-Q, then for inet sockets
/// `ADDR[%DEV]:PORT ADDR:PORT` (port `*` = 0, DEV the SO_BINDTODEVICE interface), for UNIX sockets `PATH|* INODE * PEER-INODE`; then
/// optional `users:(("comm",pid=N,fd=M),...)`, and with -e `uid:N` (printed only when not
/// 0) and `ino:N` (the socket inode for inet; for UNIX it is the inode of the path's file, so
/// the socket inode is the UNIX "port" column instead).
fn parse_ss(text: &str) -> Vec<Sock> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 6 {
            continue;
        }
        let (proto, kind) = match t[0] {
            "tcp" => ("tcp", "stream"),
            "udp" => ("udp", "dgram"),
            "raw" => ("raw", "raw"),
            "u_str" => ("unix", "stream"),
            "u_dgr" => ("unix", "dgram"),
            "u_seq" => ("unix", "seqpacket"),
            other => panic!("unexpected netid {other} in: {line}"),
        };
        let num = |s: &str| {
            s.parse::<i64>()
                .unwrap_or_else(|_| panic!("number {s} in: {line}"))
        };
        let port = |s: &str| if s == "*" { 0 } else { num(s) };
        let rest_from;
        let mut sock = Sock {
            proto: proto.into(),
            kind: kind.into(),
            state: norm_state(t[1]),
            recv_q: num(t[2]),
            send_q: num(t[3]),
            local: String::new(),
            dev: String::new(),
            local_port: 0,
            remote: String::new(),
            remote_port: 0,
            uid: 0,
            inode: 0,
            peer: 0,
            pid: None,
        };
        if proto == "unix" {
            sock.local = if t[4] == "*" {
                String::new()
            } else {
                t[4].to_string()
            };
            sock.inode = num(t[5]);
            sock.peer = num(t[7]);
            rest_from = 8;
        } else {
            let (la, lp) = t[4].rsplit_once(':').unwrap();
            let (ra, rp) = t[5].rsplit_once(':').unwrap();
            // A socket bound to a device shows as ADDR%DEV:PORT.
            let (la, dev) = la.split_once('%').unwrap_or((la, ""));
            sock.dev = dev.to_string();
            (sock.local, sock.local_port) = (norm_addr(la), port(lp));
            (sock.remote, sock.remote_port) = (norm_addr(ra), port(rp));
            rest_from = 6;
        }
        for tok in &t[rest_from..] {
            if tok.starts_with("users:((") {
                // Every holder is listed (the forked child inherited the parent's sockets);
                // netpry reports the lowest pid.
                sock.pid = tok
                    .split("pid=")
                    .skip(1)
                    .map(|p| num(p.split([',', ')']).next().unwrap()))
                    .min();
            } else if let Some(u) = tok.strip_prefix("uid:") {
                sock.uid = num(u);
            } else if let Some(i) = tok.strip_prefix("ino:") {
                if proto != "unix" {
                    sock.inode = num(i);
                }
            }
        }
        out.push(sock);
    }
    out
}

/// netpry's JSON rows reduced to the same shape.
fn from_netpry(rows: &[Json]) -> Vec<Sock> {
    let s = |r: &Json, k: &str| r[k].as_str().unwrap_or("").to_string();
    let n = |r: &Json, k: &str| r[k].as_i64().unwrap_or(0);
    rows.iter()
        .map(|r| Sock {
            proto: s(r, "proto"),
            kind: s(r, "type"),
            state: s(r, "state"),
            recv_q: n(r, "recv_q"),
            send_q: n(r, "send_q"),
            local: if s(r, "proto") == "unix" {
                s(r, "path")
            } else {
                norm_addr(&s(r, "local_addr"))
            },
            dev: s(r, "dev"),
            local_port: n(r, "local_port"),
            remote: if s(r, "proto") == "unix" {
                String::new()
            } else {
                norm_addr(&s(r, "remote_addr"))
            },
            remote_port: n(r, "remote_port"),
            uid: n(r, "uid"),
            inode: n(r, "inode"),
            peer: n(r, "peer_inode"),
            pid: r["pid"].as_i64(),
        })
        .collect()
}

struct Fixture {
    ns: Netns,
    dir: tempfile::TempDir,
    pid: i64,
    child: i64,
}

fn fixture(tag: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut ns = Netns::new(tag);
    let pid = i64::from(ns.spawn_python(HELPER, &[dir.path().to_str().unwrap()]));
    let child = std::fs::read_to_string(dir.path().join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    Fixture {
        ns,
        dir,
        pid,
        child,
    }
}

fn netpry_json(ns: &Netns, args: &[&str]) -> (Vec<Json>, String) {
    let (code, out, err) = ns.netpry(args);
    assert_eq!(code, 0, "netpry {args:?}: {err}");
    (
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("JSON ({e}): {out}")),
        err,
    )
}

#[test]
fn sockets_match_ss_column_by_column() {
    if !root_or_skip("sockets_match_ss_column_by_column") {
        return;
    }
    let f = fixture("sk");
    let (rows, _) = netpry_json(&f.ns, &["table", "sockets", "--format", "json"]);
    let (code, ss, err) = f.ns.exec("ss", &["-tuawxnpe"]);
    assert_eq!(code, 0, "{err}");
    let mut theirs = parse_ss(&ss);
    let mut ours = from_netpry(&rows);
    // ss prints no extended fields (ino) for raw sockets when it reads them from /proc/net/raw
    // (this kernel has no raw_diag); their owner, which comes from the inode, is compared.
    for s in ours.iter_mut().filter(|s| s.proto == "raw") {
        if theirs.iter().all(|t| t.proto != "raw" || t.inode == 0) {
            s.inode = 0;
        }
    }
    theirs.sort();
    ours.sort();
    // Compare socket by socket so a failure names the socket and the column.
    assert_eq!(
        ours.len(),
        theirs.len(),
        "row count\nnetpry: {ours:#?}\nss: {theirs:#?}"
    );
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o, t, "\nnetpry: {o:?}\nss:     {t:?}\nss text:\n{ss}");
    }

    // What the fixture built is there, with the right owners.
    let find = |pred: &dyn Fn(&Sock) -> bool| ours.iter().filter(|s| pred(s)).count();
    assert_eq!(
        find(&|s| s.state == "LISTEN" && s.proto == "tcp" && s.pid == Some(f.pid)),
        3
    );
    assert_eq!(
        find(&|s| s.state == "CLOSE_WAIT" && s.pid == Some(f.pid)),
        1
    );
    assert_eq!(
        find(&|s| s.local_port == 7010 && s.pid == Some(f.child) && s.uid == 65534),
        1
    );
    assert_eq!(find(&|s| s.proto == "raw" && s.pid == Some(f.pid)), 2);
    assert_eq!(
        find(&|s| s.proto == "udp" && s.local_port == 7007 && s.dev == "lo"),
        1
    );
    assert_eq!(find(&|s| s.proto == "unix" && s.kind == "dgram"), 1);
    assert_eq!(
        find(&|s| s.proto == "unix" && s.local.starts_with("@netpry-test-")),
        1
    );
    // The unaccepted connection has no file yet: inode 0, no owner.
    assert!(ours.iter().any(|s| s.state == "ESTABLISHED"
        && s.local_port == 7001
        && s.inode == 0
        && s.pid.is_none()));
    // p1 of the socketpair is held by the helper and its child: the lower pid is reported.
    let shared: Vec<&str> = ss
        .lines()
        .filter(|l| l.matches("pid=").count() == 2)
        .collect();
    assert_eq!(shared.len(), 1, "one socket with two holders:\n{ss}");
    assert!(
        shared[0].contains(&format!("pid={}", f.child))
            && shared[0].contains(&format!("pid={}", f.pid))
    );
    assert!(f.pid < f.child);
    // The socketpair's ends point at each other.
    let pair: Vec<&Sock> = ours
        .iter()
        .filter(|s| s.proto == "unix" && s.peer != 0)
        .collect();
    assert_eq!(pair.len(), 2);
    assert_eq!((pair[0].peer, pair[1].peer), (pair[1].inode, pair[0].inode));
    // Columns ss does not compare: every row has the namespace, TCP rows the internals.
    let netns = rows[0]["netns"].as_i64().expect("netns");
    for r in &rows {
        assert_eq!(r["netns"].as_i64(), Some(netns));
        if r["proto"] == "tcp" && r["state"] == "ESTABLISHED" && r["inode"] != 0 {
            assert!(
                r["rtt_ms"].as_f64().is_some() && r["congestion"].is_string(),
                "{r}"
            );
            assert_eq!(r["timer"], "off", "{r}");
        }
        if r["proto"] == "unix" {
            assert!(
                r["local_addr"].is_null() && r["rtt_ms"].is_null() && r["refcnt"].is_i64(),
                "{r}"
            );
            let acc = if r["state"] == "LISTEN" { "ACC" } else { "" };
            assert_eq!(r["flags"], acc);
        }
    }
    drop(f.dir);
}

#[test]
fn projection_selects_and_orders_columns() {
    if !root_or_skip("projection_selects_and_orders_columns") {
        return;
    }
    let f = fixture("skp");
    let (code, out, err) =
        f.ns.netpry(&["table", "sockets", "-c", "state,proto", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Json> = serde_json::from_str(&out).unwrap();
    assert!(!rows.is_empty());
    for (line, r) in out.lines().filter(|l| l.starts_with('{')).zip(&rows) {
        // Keys come in the order asked for, and only those.
        assert!(
            line.starts_with("{\"state\":") && line.contains(",\"proto\":"),
            "{line}"
        );
        assert_eq!(r.as_object().unwrap().len(), 2, "{r}");
    }
    let (rows_all, _) = netpry_json(&f.ns, &["table", "sockets", "--format", "json"]);
    assert_eq!(rows.len(), rows_all.len());
    let (code, _, err) = f.ns.netpry(&["table", "sockets", "-c", "proto,pidd"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no column 'pidd' in sockets; did you mean 'pid'?"),
        "{err}"
    );
}

#[test]
fn processes_table_knows_the_helper() {
    if !root_or_skip("processes_table_knows_the_helper") {
        return;
    }
    let f = fixture("skq");
    let (rows, _) = netpry_json(&f.ns, &["table", "processes", "--format", "json"]);
    let by_pid: BTreeMap<i64, &Json> = rows
        .iter()
        .map(|r| (r["pid"].as_i64().unwrap(), r))
        .collect();
    let me = by_pid.get(&f.pid).expect("helper in processes");
    // `ip netns exec` execs python3 in place, so its parent is this test process.
    assert_eq!(me["ppid"].as_i64(), Some(i64::from(std::process::id())));
    assert_eq!(me["name"], "python3");
    // argv0 as read: `python3`, or the interpreter's full path when python3 is a shim (pyenv).
    let argv0 = me["argv0"].as_str().unwrap();
    assert!(
        argv0.ends_with("python3") && !argv0.contains(' '),
        "{argv0}"
    );
    assert!(
        me["cmdline"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{argv0} -u -c ")),
        "{me}"
    );
    assert_eq!(
        (me["uid"].as_i64(), me["user"].as_str()),
        (Some(0), Some("root"))
    );
    let child = by_pid.get(&f.child).expect("child in processes");
    assert_eq!(child["ppid"].as_i64(), Some(f.pid));
    assert_eq!(child["uid"].as_i64(), Some(65534));
    // Both read the namespace the test built, which differs from ours.
    let ns_inode = |pid: i64| {
        let l = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
        l.to_string_lossy()
            .trim_start_matches("net:[")
            .trim_end_matches(']')
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(me["netns"].as_i64(), Some(ns_inode(f.pid)));
    assert_ne!(
        me["netns"].as_i64(),
        Some(ns_inode(i64::from(std::process::id())))
    );
    // A projection reads only what it needs and still finds the helper.
    let (few, _) = netpry_json(
        &f.ns,
        &["table", "processes", "-c", "pid,name", "--format", "json"],
    );
    assert!(
        few.iter()
            .any(|r| r["pid"].as_i64() == Some(f.pid) && r["name"] == "python3")
    );
    assert_eq!(few[0].as_object().unwrap().len(), 2);
}

#[test]
fn without_root_owners_of_other_users_are_null_with_one_note() {
    if !root_or_skip("without_root_owners_of_other_users_are_null_with_one_note") {
        return;
    }
    let f = fixture("sku");
    let bin = netpry_bin();
    let (code, out, err) = f.ns.exec(
        "setpriv",
        &[
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin.to_str().unwrap(),
            "table",
            "sockets",
            "-c",
            "proto,local_port,uid,pid,process",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Json> = serde_json::from_str(&out).unwrap();
    let port = |p: i64| {
        rows.iter()
            .find(|r| r["proto"] == "tcp" && r["local_port"].as_i64() == Some(p))
            .unwrap()
    };
    // Root's listener: visible, but its owner is not.
    assert_eq!(
        (port(7001)["uid"].as_i64(), port(7001)["pid"].is_null()),
        (Some(0), true)
    );
    let inet = rows.iter().filter(|r| r["proto"] != "unix");
    assert!(
        inet.clone()
            .all(|r| r["uid"].as_i64() != Some(0) || r["pid"].is_null())
    );
    assert!(inet.clone().any(|r| r["uid"].as_i64() == Some(0)));
    // Our own (uid 65534) listener keeps its owner.
    assert_eq!(port(7010)["pid"].as_i64(), Some(f.child));
    assert_eq!(port(7010)["process"], "python3");
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("without root")).collect();
    assert_eq!(notes.len(), 1, "exactly one note: {err}");
    assert!(notes[0].contains("run as root"), "{err}");
}
