//! Lazy owner columns: a script that never reads `pid` or `process` of `sockets` never scans
//! /proc/*/fd, however it is written (planned chains, tables kept in variables, closures the
//! planner cannot see through, joins, loops); one that does read them scans exactly once.
//! The same holds for the tcp_info columns (`rtt_ms`, `cwnd`, ...): a whole table is dumped
//! without tcp_info, and only a script that reads one of them asks the kernel for it. The
//! counts come from `NETPRY_DEBUG_STATS=1`, which makes netpry print its collection counters
//! on stderr at exit.

use crate::support::{Netns, netpry_bin, root_or_skip};

/// A TCP listener with two accepted connections and a UDP socket, all owned by this process.
const SOCKETS: &str = r#"
import socket, time
keep = []
l = socket.socket(); l.bind(("127.0.0.1", 7401)); l.listen(8); keep.append(l)
for _ in range(2):
    c = socket.create_connection(("127.0.0.1", 7401)); keep.append(c)
    keep.append(l.accept()[0])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7402)); keep.append(u)
print("ready", flush=True)
time.sleep(600)
"#;

/// Runs `script` in `ns` with the counters on: (stdout, owner scans, descriptor tables read).
fn stats(ns: &Netns, script: &str) -> (String, u64, u64) {
    let (out, scans, dirs, _) = stats_of(ns, &["-e", script]);
    (out, scans, dirs)
}

/// Runs netpry with `args` in `ns` with the counters on: (stdout, owner scans, descriptor
/// tables read (/proc/PID/fd directories, or runs of the kernel's descriptor iterator), TCP
/// dumps that asked for tcp_info).
fn stats_of(ns: &Netns, args: &[&str]) -> (String, u64, u64, u64) {
    let script = args.join(" ");
    let bin = netpry_bin();
    let out = ns
        .command(bin.to_str().expect("utf-8 path"), args)
        .env("NETPRY_DEBUG_STATS", "1")
        .env("XDG_CONFIG_HOME", "/nonexistent-netpry-test")
        .env("LC_ALL", "C")
        .output()
        .expect("run netpry");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{script}: {err}");
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("netpry-stats: "))
        .unwrap_or_else(|| panic!("{script}: no stats line in {err:?}"));
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line:?}"))
    };
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        field("owner_scans"),
        field("proc_fd_dirs") + field("fd_iterators"),
        field("tcp_info_dumps"),
    )
}

#[test]
fn queries_that_never_read_owners_never_scan_proc() {
    if !root_or_skip("queries_that_never_read_owners_never_scan_proc") {
        return;
    }
    let mut ns = Netns::new("lazy");
    ns.spawn_python(SOCKETS, &[]);
    let never = [
        r#"sockets().count()"#,
        r#"let t = sockets(); t.count()"#,
        r#"sockets().group_by("remote_addr").count().sort_desc("count").limit(10)"#,
        r#"sockets().where(|s| s.state == "ESTABLISHED").group_by("remote_addr").count().count()"#,
        r#"sockets().sort_desc("recv_q").limit(10).select(["local_port", "recv_q"])"#,
        r#"let t = sockets(); t.where(|s| s.local_port == 7401).count()"#,
        r#"let t = sockets(); t.group_by("state").count().sort_desc("count").limit(3)"#,
        r#"let t = sockets(); t.select(["proto", "state", "local_port"])"#,
        r#"let f = |s| s.uid == 0; sockets().where(f).count()"#,
        r#"let t = sockets(); let n = 0; for s in t { n += s.local_port ?? 0 } n"#,
        r#"sockets().map(|s| #{port: s.local_port}).count()"#,
        r#"let t = sockets(); t.sort("local_port").limit(2).select(["local_port"])"#,
        r#"let t = sockets(); t.join(interfaces(), "dev", "name").count()"#,
        r#"let t = sockets().where(|s| s.proto == "tcp"); t.distinct("state")"#,
        // Selecting the column reads none of its values.
        r#"let t = sockets(); t.select(["pid", "process"]).count()"#,
    ];
    for script in never {
        let (out, scans, dirs) = stats(&ns, script);
        assert_eq!((scans, dirs), (0, 0), "{script} scanned /proc: {out}");
    }
    // The counter counts: reading an owner scans once, for the whole table.
    let reads = [
        (r#"sockets().where(|s| s.pid != ()).count()"#, None),
        (
            r#"let t = sockets(); t.where(|s| s.local_port == 7401 && s.process == "python3").count()"#,
            Some("3"),
        ),
        // A rendered table shows its cells.
        (
            r#"let t = sockets(); t.select(["local_port", "pid"])"#,
            None,
        ),
        (
            r#"sockets().where(|s| s.local_port == 7402).join(processes(), "pid", "pid").count()"#,
            Some("1"),
        ),
    ];
    for (script, want) in reads {
        let (out, scans, dirs) = stats(&ns, script);
        assert_eq!(scans, 1, "{script}: {out}");
        assert!(dirs > 0, "{script}: {out}");
        if let Some(want) = want {
            assert_eq!(out.trim(), want, "{script}");
        }
    }
    // Every namespace at once: the namespaces share one scan.
    let (out, scans, _, _) = stats_of(
        &ns,
        &[
            "--all-netns",
            "-e",
            r#"sockets().where(|s| s.pid != ()).count()"#,
        ],
    );
    assert_eq!(scans, 1, "{out}");
}

#[test]
fn queries_that_never_read_tcp_info_never_ask_for_it() {
    if !root_or_skip("queries_that_never_read_tcp_info_never_ask_for_it") {
        return;
    }
    let mut ns = Netns::new("lazyinfo");
    ns.spawn_python(SOCKETS, &[]);
    let info = |script: &str| {
        let (out, _, _, dumps) = stats_of(&ns, &["-e", script]);
        (out.trim().to_string(), dumps)
    };
    let never = [
        r#"sockets().count()"#,
        r#"let t = sockets(); t.count()"#,
        r#"let t = sockets(); t.group_by("state").count().sort_desc("count").limit(3)"#,
        r#"sockets().group_by("remote_addr").count().sort_desc("count").limit(10)"#,
        r#"let t = sockets(); t.where(|s| s.local_port == 7401).count()"#,
        r#"let t = sockets(); t.select(["proto", "state", "local_port"])"#,
        r#"let t = sockets(); let n = 0; for s in t { n += s.local_port ?? 0 } n"#,
        r#"let t = sockets(); t.sort("local_port").limit(2).select(["local_port"])"#,
        r#"let t = sockets(); t.distinct("state")"#,
        // Selecting the columns reads none of their values.
        r#"let t = sockets(); t.select(["rtt_ms", "cwnd", "congestion"]).count()"#,
    ];
    for script in never {
        let (out, dumps) = info(script);
        assert_eq!(dumps, 0, "{script} asked for tcp_info: {out}");
    }
    // Reading one asks once, for the whole table, and gives the values a projection gets.
    let kept = r#"let t = sockets(); t.where(|s| s.local_port == 7401 && s.cwnd != () && s.rtt_ms != ()).count()"#;
    assert_eq!(info(kept), ("3".to_string(), 1), "{kept}");
    let planned =
        r#"sockets().where(|s| s.local_port == 7401 && s.cwnd != () && s.rtt_ms != ()).count()"#;
    assert_eq!(info(planned), ("3".to_string(), 1), "{planned}");
    let both = r#"let t = sockets(); t.where(|s| s.mss != () && s.congestion != ()).group_by("proto").count().select(["proto", "count"])"#;
    let (out, dumps) = info(both);
    assert_eq!(dumps, 1, "{both}: {out}");
    assert!(out.contains("tcp"), "{both}: {out}");
    // UDP rows keep null tcp_info values, and the dump counts are exact for them too.
    let udp = r#"let t = sockets(); t.where(|s| s.proto == "udp" && s.rtt_ms == () && s.retransmits == 0).count()"#;
    assert_eq!(info(udp), ("1".to_string(), 1), "{udp}");
}
