//! Scripts whose `sockets()` use is planned (only the columns they read, state, protocol and
//! family tests pushed into the kernel's dump selection) give exactly what the same query over
//! the whole table gives, on live sockets of every protocol and state, and agree with `ss`.

use crate::support::{Netns, root_or_skip};

/// TCP (IPv4 and IPv6 listeners, three accepted connections), UDP (bound and connected), UNIX
/// (a listener and a connected pair).
const SOCKETS: &str = r#"
import socket, time
keep = []
l4 = socket.socket(); l4.bind(("127.0.0.1", 7301)); l4.listen(8); keep.append(l4)
l6 = socket.socket(socket.AF_INET6); l6.bind(("::1", 7302)); l6.listen(8); keep.append(l6)
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", 7301)); keep.append(c)
    keep.append(l4.accept()[0])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7303)); keep.append(u)
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc.connect(("127.0.0.1", 7303)); keep.append(uc)
ul = socket.socket(socket.AF_UNIX); ul.bind("\0netpry-plan"); ul.listen(2); keep.append(ul)
keep.extend(socket.socketpair())
print("ready", flush=True)
time.sleep(600)
"#;

#[test]
fn planned_socket_queries_equal_whole_table_queries() {
    if !root_or_skip("planned_socket_queries_equal_whole_table_queries") {
        return;
    }
    let mut ns = Netns::new("plan");
    ns.spawn_python(SOCKETS, &[]);
    let eval = |script: &str| {
        let (code, out, err) = ns.netpry(&["-e", script]);
        assert_eq!(code, 0, "{script}: {err}");
        out
    };
    // Each query, then the same query over a table kept in a variable first (which the
    // planner leaves whole: every socket, every column).
    let queries = [
        r#".where(|s| s.state == "ESTABLISHED").count()"#,
        r#".where(|s| s.state == "LISTEN").count()"#,
        r#".where(|s| s.proto == "udp" && s.state == "CLOSE").count()"#,
        r#".where(|s| s.proto == "udp" && s.state == "ESTABLISHED").count()"#,
        r#".where(|s| s.family == "inet6").count()"#,
        r#".where(|s| s.family == "unix" && s.state == "ESTABLISHED").count()"#,
        r#".where(|s| s.state in ["LISTEN", "CLOSE"] && s.local_port != 7303).count()"#,
        r#".where(|s| s.proto == "tcp").where(|s| s.remote_port == 7301).count()"#,
        r#".group_by("state").count()"#,
        r#".where(|s| s.proto == "tcp").sort("local_port").select(["local_port", "state"])"#,
        r#".column("proto").len()"#,
    ];
    let mut seen = Vec::new();
    for q in queries {
        let planned = eval(&format!("sockets(){q}"));
        let whole = eval(&format!("let t = sockets(); t{q}"));
        assert_eq!(planned, whole, "sockets(){q}");
        seen.push(planned);
    }
    // Known answers: 6 ESTABLISHED TCP sockets (3 pairs) + 1 connected UDP + 2 UNIX.
    assert_eq!(seen[0].trim(), "9", "ESTABLISHED: {seen:?}");
    assert_eq!(seen[1].trim(), "3", "LISTEN: {seen:?}");
    assert_eq!(seen[4].trim(), "1", "inet6: {seen:?}");
    assert_eq!(seen[5].trim(), "2", "unix pair: {seen:?}");
    // And `ss` agrees on the TCP connections.
    let (code, ss, err) = ns.exec("ss", &["-tanH", "state", "established"]);
    assert_eq!(code, 0, "{err}");
    let tcp_estab =
        eval(r#"sockets().where(|s| s.state == "ESTABLISHED" && s.proto == "tcp").count()"#);
    assert_eq!(tcp_estab.trim(), ss.lines().count().to_string());
}

#[test]
fn unplanned_socket_uses_collect_every_column() {
    if !root_or_skip("unplanned_socket_uses_collect_every_column") {
        return;
    }
    let mut ns = Netns::new("plan2");
    ns.spawn_python(SOCKETS, &[]);
    // A whole table printed after a `select` elsewhere in the script: the planner cannot
    // prove the owner columns unused, so they are collected (the word check used to drop them).
    let (code, out, err) = ns.netpry(&[
        "-e",
        r#"interfaces().select(["name"]); sockets().where(|s| s.state == "LISTEN" && s.proto == "tcp")"#,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    let (pid, process) = (
        at("pid").expect("pid column"),
        at("process").expect("process"),
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    for r in &rows {
        assert!(r[pid].parse::<u32>().is_ok(), "{out}");
        assert!(r[process].starts_with("python"), "{out}");
    }
    // A column name built at run time is found, not "no column".
    let (code, out, err) = ns.netpry(&[
        "-e",
        r#"let c = "pro" + "cess"; sockets().where(|s| s.proto == "tcp" && s[c] != "").count()"#,
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out.trim(),
        "8",
        "2 listeners + 3 accepted + 3 connecting sockets"
    );
}
