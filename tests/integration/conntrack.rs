//! The `conntrack` and `conntrack_stats` tables, `join_conntrack` and the saved scripts
//! `conntrack-pressure` and `nat`, in two namespaces joined by a veth: the client namespace
//! source-NATs its connections to a second address, the server namespace destination-NATs
//! port 80 to its server on 8080 and counts packets (`nf_conntrack_acct=1`). Compared with
//! `conntrack -L -o extended,id` and `conntrack -S` field by field.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::support::{Netns, netpry_bin, root_or_skip};

/// Client and server namespaces with NAT and one idle TCP connection through it.
struct Lab {
    client: Netns,
    server: Netns,
    /// The client's source port.
    port: u16,
}

const SERVER: &str = r#"
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 8080))
s.listen(5)
print("ready", flush=True)
conns = []
while True:
    c, _ = s.accept()
    c.sendall(c.recv(100).upper())
    conns.append(c)
"#;

const CLIENT: &str = r#"
import socket, time
c = socket.socket()
c.bind(("10.77.0.1", 0))
c.connect(("10.77.0.2", 80))
c.sendall(b"hello")
assert c.recv(100) == b"HELLO"
# A "service address" the client's own output DNAT sends to the server (kube-proxy's pattern).
v = socket.socket()
v.bind(("10.77.0.1", 0))
v.connect(("10.99.0.1", 80))
v.sendall(b"svc")
assert v.recv(100) == b"SVC"
print(c.getsockname()[1], flush=True)
time.sleep(600)
"#;

fn nft(ns: &Netns, rules: &str) {
    let out = ns
        .command("nft", &["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(rules.as_bytes())?;
            child.wait_with_output()
        })
        .expect("run nft");
    assert!(
        out.status.success(),
        "nft: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn lab() -> Lab {
    let client = Netns::new("ctc");
    let mut server = Netns::new("cts");
    client.ip(&[
        "link",
        "add",
        "a0",
        "type",
        "veth",
        "peer",
        "name",
        "b0",
        "netns",
        &server.name,
    ]);
    client.ip(&["addr", "add", "10.77.0.1/24", "dev", "a0"]);
    client.ip(&["addr", "add", "10.77.0.3/24", "dev", "a0"]);
    client.ip(&["link", "set", "a0", "up"]);
    client.ip(&["route", "add", "10.99.0.0/24", "dev", "a0"]);
    server.ip(&["addr", "add", "10.77.0.2/24", "dev", "b0"]);
    server.ip(&["link", "set", "b0", "up"]);
    let (code, _, err) = server.exec("sysctl", &["-qw", "net.netfilter.nf_conntrack_acct=1"]);
    assert_eq!(code, 0, "{err}");
    nft(
        &client,
        "table ip nat { chain post { type nat hook postrouting priority 100; \
         oif a0 ip saddr 10.77.0.1 snat to 10.77.0.3; }; \
         chain out { type nat hook output priority -100; \
         ip daddr 10.99.0.1 tcp dport 80 dnat to 10.77.0.2:8080; }; }",
    );
    nft(
        &server,
        "table ip nat { chain pre { type nat hook prerouting priority -100; \
         tcp dport 80 dnat to 10.77.0.2:8080; }; }",
    );
    server.spawn_python(SERVER, &[]);
    let mut client = client;
    // The client prints its source port once the exchange is done.
    let port = spawn_and_read(&mut client, CLIENT);
    Lab {
        client,
        server,
        port,
    }
}

/// Starts the client (which prints once its exchange is done) and returns its source port, as
/// conntrack shows it (the one entry towards port 80).
fn spawn_and_read(ns: &mut Netns, code: &str) -> u16 {
    ns.spawn_python(code, &[]);
    let (_, out, _) = ns.exec(
        "conntrack",
        &["-L", "-p", "tcp", "--dport", "80", "-d", "10.77.0.2"],
    );
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("sport="))
        .and_then(|p| p.parse().ok())
        .expect("the client's entry in conntrack -L")
}

/// `conntrack -L -o extended,id` parsed: id -> (family, proto, timeout, state, orig, reply,
/// flags, mark, use), where orig and reply map keys (src, dst, sport, dport, packets, bytes)
/// to values.
type CtLine = (
    String,
    String,
    i64,
    Option<String>,
    HashMap<String, String>,
    HashMap<String, String>,
    Vec<String>,
    i64,
    i64,
);

fn conntrack_l(ns: &Netns) -> HashMap<i64, CtLine> {
    let (code, out, err) = ns.exec("conntrack", &["-L", "-o", "extended,id"]);
    assert_eq!(code, 0, "{err}");
    let mut all = HashMap::new();
    for line in out.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let (family, proto, timeout) = (w[0].to_string(), w[2].to_string(), w[4].parse().unwrap());
        let mut rest = &w[5..];
        let state = (!rest[0].contains('=')).then(|| rest[0].to_string());
        if state.is_some() {
            rest = &rest[1..];
        }
        let (mut orig, mut reply) = (HashMap::new(), HashMap::new());
        let (mut flags, mut mark, mut usage, mut id) = (Vec::new(), 0, 0, 0);
        for item in rest {
            if let Some(flag) = item.strip_prefix('[') {
                flags.push(flag.trim_end_matches(']').to_string());
            } else if let Some((k, v)) = item.split_once('=') {
                match k {
                    "mark" => mark = v.parse().unwrap(),
                    "use" => usage = v.parse().unwrap(),
                    "id" => id = v.parse().unwrap(),
                    "zone" => {}
                    _ if orig.contains_key(k) || (k == "src" && !orig.is_empty()) => {
                        reply.insert(k.to_string(), v.to_string());
                    }
                    _ if !reply.is_empty() => {
                        reply.insert(k.to_string(), v.to_string());
                    }
                    _ => {
                        orig.insert(k.to_string(), v.to_string());
                    }
                }
            }
        }
        all.insert(
            id,
            (
                family, proto, timeout, state, orig, reply, flags, mark, usage,
            ),
        );
    }
    all
}

fn json(ns: &Netns, args: &[&str]) -> Vec<Json> {
    // Global options first: what follows `run NAME` are the script's arguments.
    let mut full = vec!["--format", "json"];
    full.extend_from_slice(args);
    let (code, out, err) = ns.netpry(&full);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn conntrack_rows_equal_conntrack_tools_with_nat_and_counters() {
    if !root_or_skip("conntrack_rows_equal_conntrack_tools_with_nat_and_counters") {
        return;
    }
    let lab = lab();
    for ns in [&lab.server, &lab.client] {
        let theirs = conntrack_l(ns);
        let ours = json(ns, &["table", "conntrack"]);
        assert_eq!(ours.len(), theirs.len(), "{}: {ours:?}", ns.name);
        assert!(!ours.is_empty());
        for row in &ours {
            let id = row["id"].as_i64().expect("id");
            let (family, proto, timeout, state, orig, reply, flags, mark, usage) = theirs
                .get(&id)
                .unwrap_or_else(|| panic!("id {id} in conntrack -L"));
            let fam = if family == "ipv4" { "inet" } else { "inet6" };
            assert_eq!(row["family"], fam.to_string());
            assert_eq!(&text(&row["protocol"]), proto);
            assert!((row["timeout"].as_i64().unwrap() - timeout).abs() <= 2);
            assert_eq!(row["state"].as_str().map(str::to_string), *state);
            for (dir, map) in [("", orig), ("reply_", reply)] {
                for k in ["src", "dst", "sport", "dport"] {
                    assert_eq!(text(&row[format!("{dir}{k}")]), map[k], "{dir}{k} of {id}");
                }
                let counted = if dir.is_empty() { "orig_" } else { "reply_" };
                for k in ["packets", "bytes"] {
                    let ours = &row[format!("{counted}{k}")];
                    match map.get(k) {
                        Some(v) => assert_eq!(&text(ours), v, "{counted}{k} of {id}"),
                        None => assert!(ours.is_null(), "{counted}{k} of {id}"),
                    }
                }
            }
            assert_eq!(
                row["assured"].as_bool(),
                Some(flags.iter().any(|f| f == "ASSURED"))
            );
            assert_eq!(
                row["seen_reply"].as_bool(),
                Some(!flags.iter().any(|f| f == "UNREPLIED"))
            );
            assert_eq!(row["mark"].as_i64(), Some(*mark));
            assert_eq!(row["use_count"].as_i64(), Some(*usage));
        }
    }

    // The server namespace: DNAT 10.77.0.2:80 -> 10.77.0.2:8080, from the SNAT'ed 10.77.0.3;
    // counters on. The client namespace: SNAT 10.77.0.1 -> 10.77.0.3, counters off.
    let s = json(&lab.server, &["table", "conntrack"]);
    let e = s
        .iter()
        .find(|r| r["dport"] == 80)
        .expect("the DNAT'ed entry");
    assert_eq!(
        (e["dnat"].as_bool(), e["snat"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        (e["src"].as_str(), e["dst"].as_str()),
        (Some("10.77.0.3"), Some("10.77.0.2"))
    );
    assert_eq!(
        (e["reply_src"].as_str(), e["reply_sport"].as_i64()),
        (Some("10.77.0.2"), Some(8080))
    );
    assert_eq!(e["state"], "ESTABLISHED");
    assert!(e["orig_packets"].as_i64().unwrap() >= 3, "{e}");
    let c = json(&lab.client, &["table", "conntrack"]);
    let e = c
        .iter()
        .find(|r| r["dport"] == 80 && r["dst"] == "10.77.0.2")
        .expect("the SNAT'ed entry");
    assert_eq!(
        (e["snat"].as_bool(), e["dnat"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(e["sport"].as_i64(), Some(i64::from(lab.port)));
    assert_eq!(e["reply_dst"].as_str(), Some("10.77.0.3"));
    assert!(e["orig_bytes"].is_null());
    let (_, _, err) = lab.client.netpry(&["table", "conntrack"]);
    assert!(err.contains("nf_conntrack_acct"), "{err}");

    // Sockets next to their entries: the server socket is the reply end of the DNAT.
    let joined = json(
        &lab.server,
        &[
            "-e",
            "sockets().where(|s| s.local_port == 8080 && s.state == \"ESTABLISHED\").join_conntrack(conntrack()).where(|s| s.ct_dnat)",
        ],
    );
    assert_eq!(joined.len(), 1, "{joined:?}");
    assert_eq!(joined[0]["ct_side"], "reply");
    assert_eq!(joined[0]["nat"], "DNAT 10.77.0.2:80 -> 10.77.0.2:8080");
    let joined = json(
        &lab.client,
        &[
            "-e",
            "sockets().where(|s| s.remote_addr == ip(\"10.77.0.2\") && s.remote_port == 80).join_conntrack(conntrack())",
        ],
    );
    assert_eq!(joined[0]["ct_side"], "original");
    let want = format!("SNAT 10.77.0.1:{p} -> 10.77.0.3:{p}", p = lab.port);
    assert_eq!(joined[0]["nat"], want.as_str());
    // The client's connection to the service address: its own output DNAT sends it to the
    // server, and its postrouting SNAT rewrites the source.
    let svc = json(
        &lab.client,
        &[
            "-e",
            "sockets().where(|s| s.remote_addr == ip(\"10.99.0.1\")).join_conntrack(conntrack())",
        ],
    );
    assert_eq!(svc.len(), 1, "{svc:?}");
    assert_eq!(svc[0]["ct_side"], "original");
    assert_eq!(svc[0]["ct_dnat"], true);
    assert_eq!(svc[0]["ct_snat"], true);
    assert_eq!(svc[0]["ct_reply_src"], "10.77.0.2");
    assert_eq!(svc[0]["ct_reply_sport"], 8080);
    let sp = svc[0]["local_port"].as_i64().unwrap();
    assert_eq!(
        svc[0]["nat"],
        format!("SNAT 10.77.0.1:{sp} -> 10.77.0.3:{sp}; DNAT 10.99.0.1:80 -> 10.77.0.2:8080")
            .as_str()
    );
    let nat = json(&lab.server, &["run", "nat", "8080"]);
    assert!(
        nat.iter()
            .any(|r| r["nat"] == "DNAT 10.77.0.2:80 -> 10.77.0.2:8080"),
        "{nat:?}"
    );

    // Snapshots carry both tables.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ct.json");
    let f = f.to_str().unwrap();
    let (code, _, err) = lab.server.netpry(&["snapshot", "-o", f]);
    assert_eq!(code, 0, "{err}");
    let cols = "id,src,dst,sport,dport,reply_src,reply_sport,snat,dnat,orig_packets";
    let live = json(&lab.server, &["table", "conntrack", "-c", cols]);
    let snap = json(
        &lab.server,
        &["--snapshot", f, "table", "conntrack", "-c", cols],
    );
    assert_eq!(live, snap);
    let snap = json(
        &lab.server,
        &["--snapshot", f, "table", "conntrack_stats", "-c", "cpu,max"],
    );
    assert!(snap[0]["max"].as_i64().unwrap() > 0);
}

#[test]
fn conntrack_stats_equal_conntrack_s_and_the_sysctls() {
    if !root_or_skip("conntrack_stats_equal_conntrack_s_and_the_sysctls") {
        return;
    }
    let lab = lab();
    let ns = &lab.server;
    let rows = json(ns, &["table", "conntrack_stats"]);
    let sysctl = |n: &str| -> i64 {
        let (_, out, _) = ns.exec(
            "sysctl",
            &["-n", &format!("net.netfilter.nf_conntrack_{n}")],
        );
        out.trim().parse().unwrap()
    };
    assert!(rows[0]["cpu"].is_null());
    for n in ["count", "max", "buckets"] {
        assert_eq!(rows[0][n].as_i64(), Some(sysctl(n)), "{n}");
    }
    let (code, out, err) = ns.exec("conntrack", &["-S"]);
    assert_eq!(code, 0, "{err}");
    let cpus: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), cpus.len() + 1);
    let mut totals: HashMap<String, i64> = HashMap::new();
    for (line, row) in cpus.iter().zip(&rows[1..]) {
        for pair in line.split_whitespace() {
            let (k, v) = pair.split_once('=').unwrap();
            let v: i64 = v.parse().unwrap();
            assert_eq!(row[k].as_i64(), Some(v), "{k} in {line}");
            if k != "cpu" {
                *totals.entry(k.to_string()).or_default() += v;
            }
        }
    }
    for (k, v) in totals {
        assert_eq!(rows[0][&k].as_i64(), Some(v), "total {k}");
    }
}

#[test]
fn conntrack_without_root_and_the_pressure_check() {
    if !root_or_skip("conntrack_without_root_and_the_pressure_check") {
        return;
    }
    let lab = lab();
    let bin = netpry_bin();
    let (code, out, err) = lab.server.exec(
        "setpriv",
        &[
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin.to_str().unwrap(),
            "table",
            "conntrack",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "[]");
    assert!(err.contains("needs CAP_NET_ADMIN"), "{err}");

    // Usage is far under 80 % of nf_conntrack_max: OK; a threshold of 0 % fails.
    let (code, out, err) = lab.server.netpry(&["run", "conntrack-pressure"]);
    assert_eq!(code, 0, "{err}");
    // Two entries: the client's direct connection (DNAT'ed here) and its service connection.
    assert!(out.contains("OK: 2 of "), "{out}");
    assert!(out.contains("ESTABLISHED"), "{out}");
    assert!(out.contains("10.77.0.3"), "{out}");
    let (code, _, err) = lab.server.netpry(&["run", "conntrack-pressure", "0"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("conntrack table") && err.contains("over 0%"),
        "{err}"
    );
    let (code, _, err) = lab.server.netpry(&["run", "conntrack-pressure", "lots"]);
    assert_eq!(code, 2, "{err}");
}
