//! The `stats` and `sysctls` tables against the kernel's own tools, in throwaway namespaces:
//! `sysctls` must equal `sysctl -a` (names, values and order), `stats` must hold every counter
//! `nstat` knows with the same values, in the files' order.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Netns, root_or_skip, run};

/// `sysctl -a -r '^net\.'` inside the namespace, as (name, value) pairs in its order.
fn sysctl_a(ns: &Netns) -> Vec<(String, String)> {
    let out = ns
        .command("sysctl", &["-a", "-r", r"^net\."])
        .env("LC_ALL", "C")
        .output()
        .expect("run sysctl");
    assert!(
        out.status.success(),
        "sysctl -a: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("sysctl output is UTF-8")
        .lines()
        .map(|l| {
            let (k, v) = l
                .split_once(" = ")
                .unwrap_or_else(|| panic!("unexpected sysctl line {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// A JSON table (`--format json`) as rows.
fn json_rows(out: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let rows: Vec<serde_json::Value> = serde_json::from_str(out).expect("netpry JSON output");
    rows.into_iter()
        .map(|r| r.as_object().expect("row object").clone())
        .collect()
}

fn text<'a>(row: &'a serde_json::Map<String, serde_json::Value>, col: &str) -> &'a str {
    row[col]
        .as_str()
        .unwrap_or_else(|| panic!("{col} is not a string in {row:?}"))
}

#[test]
fn sysctls_equal_sysctl_a_in_a_namespace() {
    if !root_or_skip("sysctls_equal_sysctl_a_in_a_namespace") {
        return;
    }
    let ns = Netns::new("sysctl");
    // An interface whose name has a dot: sysctl shows its entries as `vx/1`. With `vx` and
    // `vx-a` beside it, sorting whole names (`vx-a.` < `vx.`) and sorting one level at a time
    // (`vx` < `vx-a`, as sysctl does) give different orders.
    ns.ip(&[
        "link", "add", "vx.1", "type", "veth", "peer", "name", "vx-a",
    ]);
    ns.ip(&["link", "add", "vx", "type", "veth", "peer", "name", "vy"]);
    let (code, _, err) = ns.exec("sysctl", &["-q", "-w", "net.ipv4.conf.vx/1.forwarding=1"]);
    assert_eq!(code, 0, "{err}");

    let before = sysctl_a(&ns);
    let (code, out, err) = ns.netpry(&["table", "sysctls", "--format", "json"]);
    let after = sysctl_a(&ns);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "no notes expected: {err}");
    let ours: Vec<(String, String)> = json_rows(&out)
        .iter()
        .map(|r| (text(r, "name").to_string(), text(r, "value").to_string()))
        .collect();

    // Same keys, in the same order (sysctl sorts each directory level by name).
    let names = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&before),
        names(&after),
        "the namespace's keys changed under the test"
    );
    assert_eq!(
        names(&ours),
        names(&after),
        "keys or their order differ from sysctl -a"
    );
    assert!(ours.len() > 100, "suspiciously few sysctls: {}", ours.len());

    // Same values. A value that changed between the two sysctl reads around ours is live state,
    // not configuration, and cannot be compared; in a fresh namespace there is normally none.
    // Everything else, tabs included, must match byte for byte.
    let mut compared = 0;
    for (((k, ours), (_, v1)), (_, v2)) in ours.iter().zip(&before).zip(&after) {
        if v1 == v2 {
            assert_eq!(ours, v2, "value of {k}");
            compared += 1;
        }
    }
    assert!(
        compared + 5 >= ours.len(),
        "too many moving values: {compared} of {}",
        ours.len()
    );
    let get = |k: &str| ours.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("net.ipv4.conf.vx/1.forwarding"), Some("1"));
    assert!(get("net.ipv4.ip_local_port_range").is_some_and(|v| v.contains('\t')));
    // Write-only and unreadable entries are left out, as sysctl -a does.
    assert_eq!(get("net.ipv4.route.flush"), None);
    assert_eq!(get("net.ipv6.conf.vx/1.stable_secret"), None);
}

/// Opens and closes three TCP connections on loopback inside the namespace.
const THREE_CONNECTIONS: &str = r#"
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
for _ in range(3):
    c = socket.create_connection(s.getsockname())
    a, _ = s.accept()
    c.close()
    a.close()
"#;

/// Counters `nstat` never shows (gauges and constants; its `useless_numbers` list).
const NSTAT_HIDDEN: [&str; 7] = [
    "IpForwarding",
    "IpDefaultTTL",
    "TcpRtoAlgorithm",
    "TcpRtoMin",
    "TcpRtoMax",
    "TcpMaxConn",
    "TcpCurrEstab",
];

/// `nstat -asz` in the namespace (absolute values, zeros included, history file untouched and
/// private to the test): name → value.
fn nstat(ns: &Netns, history: &std::path::Path) -> BTreeMap<String, i64> {
    let out = ns
        .command("nstat", &["-a", "-s", "-z"])
        .env("NSTAT_HISTORY", history)
        .output()
        .expect("run nstat");
    assert!(
        out.status.success(),
        "nstat: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split_whitespace();
            let name = f.next().expect("nstat name").to_string();
            let value = f.next().and_then(|v| v.parse().ok()).expect("nstat value");
            (name, value)
        })
        .collect()
}

/// The stats table of the namespace: rows of (source, proto, name, value).
fn stats(ns: &Netns) -> Vec<(String, String, String, i64)> {
    let (code, out, err) = ns.netpry(&["table", "stats", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "no notes expected: {err}");
    json_rows(&out)
        .iter()
        .map(|r| {
            let value = r["value"].as_i64().expect("value is an integer");
            (
                text(r, "source").into(),
                text(r, "proto").into(),
                text(r, "name").into(),
                value,
            )
        })
        .collect()
}

#[test]
fn stats_equal_nstat_and_count_connections() {
    if !root_or_skip("stats_equal_nstat_and_count_connections") {
        return;
    }
    let ns = Netns::new("stats");
    let (code, _, err) = ns.exec("python3", &["-c", THREE_CONNECTIONS]);
    assert_eq!(code, 0, "{err}");
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("nstat.history");

    let first = stats(&ns);
    let theirs = nstat(&ns, &history);
    let second = stats(&ns);

    let find = |proto: &str, name: &str| {
        second
            .iter()
            .find(|r| r.1 == proto && r.2 == name)
            .map(|r| r.3)
    };
    assert_eq!(find("Tcp", "ActiveOpens"), Some(3));
    assert_eq!(find("Tcp", "PassiveOpens"), Some(3));
    assert_eq!(find("Tcp", "MaxConn"), Some(-1), "negative values are kept");
    assert!(find("sockets", "used").is_some());
    assert!(find("TCP6", "inuse").is_some());

    // nstat names are group and name concatenated, over snmp, netstat and snmp6. It also reads
    // SCTP counters (/proc/net/sctp/snmp) when that module is loaded, which this table does not.
    let ours: BTreeMap<String, (i64, i64)> = first
        .iter()
        .zip(&second)
        .filter(|(a, _)| matches!(a.0.as_str(), "snmp" | "netstat" | "snmp6"))
        .map(|(a, b)| {
            assert_eq!(
                (&a.1, &a.2),
                (&b.1, &b.2),
                "row order changed between two reads"
            );
            (format!("{}{}", a.1, a.2), (a.3, b.3))
        })
        .collect();
    let our_names: BTreeSet<&str> = ours
        .keys()
        .map(String::as_str)
        .filter(|n| !NSTAT_HIDDEN.contains(n))
        .collect();
    let their_names: BTreeSet<&str> = theirs
        .keys()
        .map(String::as_str)
        .filter(|n| !n.starts_with("Sctp"))
        .collect();
    assert_eq!(our_names, their_names);
    // A counter that did not move between our two reads must have nstat's value (read between
    // them); counters only grow, so nothing that moved is compared.
    let mut compared = 0;
    for (name, (a, b)) in &ours {
        if a == b && !NSTAT_HIDDEN.contains(&name.as_str()) {
            assert_eq!(theirs[name], *a, "{name}");
            compared += 1;
        }
    }
    assert!(
        compared * 10 >= ours.len() * 9,
        "most counters are still in a quiet namespace"
    );
}

/// The (group, name) pairs of a header/value /proc file, read independently of netpry.
fn file_names(ns: &Netns, path: &str) -> Vec<(String, String)> {
    let (code, out, err) = ns.exec("cat", &[path]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let mut names = Vec::new();
    for pair in lines.chunks(2) {
        let (label, header) = pair[0].split_once(':').expect("Group: names");
        names.extend(
            header
                .split_whitespace()
                .map(|n| (label.to_string(), n.to_string())),
        );
    }
    names
}

#[test]
fn stats_rows_follow_file_then_line_then_column_order() {
    if !root_or_skip("stats_rows_follow_file_then_line_then_column_order") {
        return;
    }
    let ns = Netns::new("statorder");
    let rows = stats(&ns);
    let mut sources: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    sources.dedup();
    assert_eq!(
        sources,
        ["snmp", "netstat", "snmp6", "sockstat", "sockstat6"]
    );
    for (source, path) in [("snmp", "/proc/net/snmp"), ("netstat", "/proc/net/netstat")] {
        let ours: Vec<(String, String)> = rows
            .iter()
            .filter(|r| r.0 == source)
            .map(|r| (r.1.clone(), r.2.clone()))
            .collect();
        assert_eq!(ours, file_names(&ns, path), "{source}");
    }
    let (_, snmp6, _) = ns.exec("cat", &["/proc/net/snmp6"]);
    let ours: Vec<String> = rows
        .iter()
        .filter(|r| r.0 == "snmp6")
        .map(|r| format!("{}{}", r.1, r.2))
        .collect();
    let file: Vec<&str> = snmp6
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ours, file);
    let (_, sockstat, _) = ns.exec("cat", &["/proc/net/sockstat"]);
    let ours: Vec<String> = rows
        .iter()
        .filter(|r| r.0 == "sockstat")
        .map(|r| format!("{}:{}", r.1, r.2))
        .collect();
    let file: Vec<String> = sockstat
        .lines()
        .flat_map(|l| {
            let (label, rest) = l.split_once(':').unwrap();
            let f: Vec<&str> = rest.split_whitespace().collect();
            f.chunks(2)
                .map(|c| format!("{label}:{}", c[0]))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ours, file);
}

#[test]
fn stats_and_sysctls_project_columns() {
    let (code, out, err) = run(&[
        "table",
        "stats",
        "-c",
        "proto,name,value",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().next(), Some("proto,name,value"));
    assert!(out.lines().any(|l| l == "Tcp,MaxConn,-1"), "{out}");
    let (code, out, err) = run(&["table", "sysctls", "-c", "name", "--format", "plain"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(|l| l == "net.ipv4.conf.lo.forwarding"),
        "{out}"
    );
    let (code, _, err) = run(&["table", "sysctls", "-c", "nam"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean 'name'?"), "{err}");
}
