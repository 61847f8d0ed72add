//! The `rules` table against `ip -d -j rule show` in a namespace built here, and `route_get`
//! from a snapshot (which walks the snapshot's rules) against `ip -d -j route get` on the
//! live namespace the snapshot was taken of.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::{Netns, root_or_skip, run};

/// One rule in a comparable form: column name to value text ("null" for none).
type Canon = BTreeMap<String, String>;

fn hex(v: &Value) -> Option<u64> {
    let s = v.as_str()?;
    u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_else(|| "null".to_string())
}

/// `ip -d -j rule` object of `family` in netpry's columns.
fn from_ip(r: &Value, family: &str) -> Canon {
    let host = if family == "inet" { 32 } else { 128 };
    let has = |k: &str| r.get(k).is_some();
    let num = |k: &str| r.get(k).and_then(Value::as_u64).map(|n| n.to_string());
    let prefix = |a: &str, l: &str| match r.get(a).and_then(Value::as_str) {
        None | Some("all") => ("null".to_string(), "0".to_string()),
        Some(addr) => (
            addr.to_string(),
            r.get(l).and_then(Value::as_u64).unwrap_or(host).to_string(),
        ),
    };
    let range = |k: &str| -> (String, String) {
        if let Some(p) = num(k) {
            return (p.clone(), p);
        }
        (
            text(num(&format!("{k}_start"))),
            text(num(&format!("{k}_end"))),
        )
    };
    let action = if has("goto") {
        "goto".to_string()
    } else if has("nop") {
        "nop".to_string()
    } else if let Some(a) = r.get("action").and_then(Value::as_str) {
        a.to_string()
    } else {
        "lookup".to_string()
    };
    let table_name = if action == "lookup" && !has("l3mdev") {
        r.get("table").and_then(Value::as_str).map(str::to_string)
    } else {
        None
    };
    let fwmark = r.get("fwmark").and_then(hex);
    let fwmask = r
        .get("fwmask")
        .and_then(hex)
        .or(fwmark.map(|_| u64::from(u32::MAX)));
    let ipproto = r.get("ipproto").and_then(Value::as_str).map(|p| {
        match p {
            "tcp" => "6",
            "udp" => "17",
            "icmp" => "1",
            other => other,
        }
        .to_string()
    });
    let realms = r.get("flow_to").and_then(Value::as_str).map(|to| {
        match r.get("flow_from").and_then(Value::as_str) {
            Some(from) => format!("{from}/{to}"),
            None => to.to_string(),
        }
    });
    let (src, src_len) = prefix("src", "srclen");
    let (dst, dst_len) = prefix("dst", "dstlen");
    let (sport_start, sport_end) = range("sport");
    let (dport_start, dport_end) = range("dport");
    let pairs: Vec<(&str, String)> = vec![
        ("family", family.to_string()),
        ("priority", text(num("priority"))),
        ("invert", has("not").to_string()),
        ("src", src),
        ("src_len", src_len),
        ("dst", dst),
        ("dst_len", dst_len),
        ("tos", r.get("tos").and_then(hex).unwrap_or(0).to_string()),
        (
            "iif",
            text(r.get("iif").and_then(Value::as_str).map(str::to_string)),
        ),
        ("iif_detached", has("iif_detached").to_string()),
        (
            "oif",
            text(r.get("oif").and_then(Value::as_str).map(str::to_string)),
        ),
        ("oif_detached", has("oif_detached").to_string()),
        ("fwmark", text(fwmark.map(|m| m.to_string()))),
        ("fwmask", text(fwmask.map(|m| m.to_string()))),
        ("uid_start", text(num("uid_start"))),
        ("uid_end", text(num("uid_end"))),
        ("ipproto", text(ipproto)),
        ("sport_start", sport_start),
        ("sport_end", sport_end),
        ("dport_start", dport_start),
        ("dport_end", dport_end),
        ("tun_id", text(num("tun_id"))),
        ("l3mdev", has("l3mdev").to_string()),
        ("action", action),
        ("table_name", text(table_name)),
        ("goto_priority", text(num("goto"))),
        ("unresolved", has("unresolved").to_string()),
        ("suppress_prefixlen", text(num("suppress_prefixlen"))),
        (
            "suppress_ifgroup",
            text(
                r.get("suppress_ifgroup")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
        ),
        ("realms", text(realms)),
        (
            "protocol",
            text(
                r.get("protocol")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
        ),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A netpry JSON row restricted to the columns `ip` shows.
fn from_netpry(row: &Value, keys: &Canon) -> Canon {
    keys.keys()
        .map(|k| {
            let v = match &row[k.as_str()] {
                Value::Null => "null".to_string(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn rule_lab(tag: &str) -> Netns {
    let ns = Netns::new(tag);
    ns.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb"]);
    ns.ip(&["link", "set", "va", "up"]);
    ns.ip(&["link", "set", "vb", "up"]);
    ns.ip(&["link", "set", "vb", "group", "5"]);
    ns.ip(&["addr", "add", "10.60.0.1/24", "dev", "va"]);
    ns.ip(&["addr", "add", "10.61.0.1/24", "dev", "vb"]);
    ns.ip(&["addr", "add", "10.61.0.2/24", "dev", "vb"]);
    ns.ip(&["addr", "add", "2001:db8:60::1/64", "dev", "va", "nodad"]);
    ns.ip(&["addr", "add", "2001:db8:61::1/64", "dev", "vb", "nodad"]);
    ns
}

#[test]
fn rules_table_matches_ip_rule() {
    if !root_or_skip("rules_table_matches_ip_rule") {
        return;
    }
    let ns = rule_lab("rules");
    let rules: &[&str] = &[
        "to 10.70.0.0/16 table 100 pref 100",
        "from 10.1.0.0/16 fwmark 0x5/0xff iif lo oif lo goto 32766 pref 200",
        "not to 10.80.0.0/16 uidrange 100-200 ipproto tcp dport 80-90 sport 1000 table main \
         suppress_prefixlength 0 suppress_ifgroup 5 pref 300",
        "prohibit to 10.90.0.0/16 tos 0x10 pref 400",
        "nop pref 500 proto static",
        "iif ghost0 table 200 pref 650",
        "oif ghost1 table 201 pref 660",
        "fwmark 7 realms 3/7 table 101 pref 700",
        "goto 900 pref 800",
        "blackhole to 10.91.0.0/16 pref 850",
        "unreachable to 10.92.0.0/16 pref 860",
        "l3mdev pref 1000",
        "tun_id 42 table 102 pref 1100",
        "from 10.1.2.3 to 10.4.5.6 table 103 pref 1200",
        "-6 from 2001:db8::/32 table 100 pref 100",
        "-6 to fd00::/8 prohibit pref 200",
        "-6 to fd00::/8 table 100 pref 200",
    ];
    for r in rules {
        let words: Vec<&str> = r.split_whitespace().collect();
        let (six, words) = match words.split_first() {
            Some((&"-6", rest)) => (true, rest.to_vec()),
            _ => (false, words),
        };
        let mut args = if six { vec!["-6"] } else { vec![] };
        args.extend(["rule", "add"]);
        args.extend(words);
        ns.ip(&args);
    }
    let mut want: Vec<Canon> = Vec::new();
    for (fam, flag) in [("inet", "-4"), ("inet6", "-6")] {
        let j = ns.ip_json(&[flag, "-d", "rule", "show"]);
        want.extend(j.as_array().unwrap().iter().map(|r| from_ip(r, fam)));
    }
    let (code, out, err) = ns.netpry(&["table", "rules", "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let got: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(got.len(), want.len(), "{out}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(&from_netpry(g, w), w);
    }
    // Typed values: priorities and marks are integers, selectors left open are null.
    let (code, out, _) = ns.netpry(&[
        "--format",
        "json",
        "-e",
        r#"rules().where(|r| r.priority == 200 && r.family == "inet").first()"#,
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let v = if v.is_array() { v[0].clone() } else { v };
    assert_eq!(v["fwmark"], 5);
    assert_eq!(v["fwmask"], 255);
    assert_eq!(v["goto_priority"], 32766);
    assert_eq!(v["dst"], Value::Null);
    assert_eq!(v["src"], "10.1.0.0");
}

/// The refusal `ip route get` reports for a kernel error message.
fn refusal_of(stderr: &str) -> &'static str {
    if stderr.contains("Invalid argument") {
        "blackhole"
    } else if stderr.contains("No route to host") || stderr.contains("Network is unreachable") {
        "unreachable"
    } else if stderr.contains("Permission denied") {
        "prohibit"
    } else {
        panic!("unexpected route get error: {stderr}")
    }
}

#[test]
fn route_get_from_a_snapshot_walks_its_rules_like_the_kernel() {
    if !root_or_skip("route_get_from_a_snapshot_walks_its_rules_like_the_kernel") {
        return;
    }
    let ns = rule_lab("rwalk");
    let ip = |line: &str| {
        let args: Vec<&str> = line.split_whitespace().collect();
        ns.ip(&args);
    };
    for line in [
        "route add default via 10.60.0.254 dev va",
        "route add 10.95.0.0/16 via 10.61.0.9 dev vb",
        "route add 10.70.0.0/16 via 10.60.0.2 table 100",
        "route add 10.70.5.0/24 via 10.61.0.3 table 100",
        "route add 10.70.5.0/24 via 10.60.0.3 table 100 metric 5",
        "route add blackhole 10.70.6.0/24 table 100",
        "route add throw 10.70.7.0/24 table 100",
        "route add unreachable 10.70.8.0/24 table 100",
        "route add prohibit 10.70.9.0/24 table 100",
        "route add default via 10.61.0.4 table 101",
        "route add 10.96.0.0/16 via 10.61.0.5 dev vb table 102",
        "-6 route add default via 2001:db8:60::fe dev va",
        "-6 route add 2001:db8:70::/48 via 2001:db8:61::3 dev vb table 100",
        "-6 route add unreachable 2001:db8:72::/48",
        "route add 10.93.0.0/16 via 10.61.0.5 dev vb table 102",
        "route add local 198.51.100.7 dev va table local",
        "addr add fe80::d1/64 dev va nodad",
        "link add vc type veth peer name vd",
        "link set vc up",
        "link set vd up",
        "route add 10.88.0.0/16 dev vc",
        "addr add 10.9.0.1 peer 10.9.0.2/32 dev vb",
        "route add 10.87.0.0/16 via 10.9.0.2 dev vb",
        "route add 10.86.0.0/16 tos 0x10 via 10.61.0.6 dev vb",
        "rule add to 10.93.0.0/16 ipproto udp table 102 pref 205",
        "rule add to 10.92.0.0/16 ipproto tcp table 102 pref 206",
        "rule add to 10.70.0.0/16 table 100 pref 100",
        "rule add to 10.97.0.0/16 prohibit pref 150",
        "rule add to 10.98.0.0/16 goto 170 pref 160",
        "rule add to 10.98.0.0/16 prohibit pref 165",
        "rule add nop pref 170",
        "rule add fwmark 0x5 table 102 pref 200",
        "rule add iif lo to 10.96.0.0/16 table 102 pref 210",
        "rule add uidrange 0-0 to 10.99.0.0/16 table 101 pref 220",
        "rule add to 10.95.0.0/16 table main suppress_ifgroup 5 pref 225",
        "rule add table main suppress_prefixlength 0 pref 230",
        "rule add not to 10.0.0.0/8 table 101 pref 250",
        "rule add from 10.1.0.0/16 table 101 pref 260",
        "rule add to 10.94.0.0/16 unreachable pref 270",
        "-6 rule add to 2001:db8:70::/48 table 100 pref 100",
        "-6 rule add to 2001:db8:71::/48 unreachable pref 150",
        "-6 rule add to 2001:db8:75::/48 blackhole pref 151",
        "-6 rule add from 2001:db8:60::/48 prohibit pref 152",
    ] {
        ip(line);
    }
    let dsts = [
        "10.70.1.1",
        "10.70.5.5",
        "10.70.6.1",
        "10.70.7.1",
        "10.70.8.1",
        "10.70.9.1",
        "10.97.1.1",
        "10.98.1.1",
        "10.96.1.1",
        "10.99.1.1",
        "10.95.1.1",
        "10.94.1.1",
        "10.60.0.7",
        "10.60.0.1",
        "10.61.0.255",
        "127.0.0.1",
        "192.0.2.1",
        "2001:db8:70::1",
        "2001:db8:71::1",
        "2001:db8:72::1",
        "2001:db8:75::1",
        "2001:db8:99::1",
        "2001:db8:60::1",
        "::1",
        "10.93.1.1",
        "10.92.1.1",
        "198.51.100.7",
        "fe80::d1",
        "224.1.1.1",
        "255.255.255.255",
        "ff0e::1",
        "10.88.1.1",
        "10.87.1.1",
        "10.86.1.1",
        "0.0.0.0",
    ];
    let snap = compare_with_kernel(&ns, &dsts);
    // Which rule decided, for a few destinations.
    let rule_of = |dst: &str| snap[dsts.iter().position(|d| *d == dst).unwrap()]["rule"].clone();
    assert_eq!(rule_of("10.70.1.1"), 100);
    assert_eq!(rule_of("10.97.1.1"), 150);
    assert_eq!(rule_of("10.98.1.1"), 32766);
    assert_eq!(rule_of("10.96.1.1"), 210);
    assert_eq!(rule_of("10.99.1.1"), 220);
    assert_eq!(rule_of("10.95.1.1"), 230);
    assert_eq!(rule_of("192.0.2.1"), 250);
    assert_eq!(rule_of("2001:db8:71::1"), 150);
    assert_eq!(rule_of("10.93.1.1"), 205);
}

#[test]
fn a_snapshot_without_rules_is_walked_with_the_built_in_rules() {
    if !root_or_skip("a_snapshot_without_rules_is_walked_with_the_built_in_rules") {
        return;
    }
    let ns = rule_lab("rold");
    ns.ip(&["route", "add", "default", "via", "10.60.0.254", "dev", "va"]);
    let file = std::env::temp_dir().join(format!("netpry-rold-{}.json", std::process::id()));
    let path = file.to_str().expect("utf-8 path").to_string();
    let (code, _, err) = ns.netpry(&["snapshot", "-o", &path]);
    assert_eq!(code, 0, "{err}");
    // An older netpry saved no rules table.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    doc["tables"].as_object_mut().unwrap().remove("rules");
    std::fs::write(&file, doc.to_string()).unwrap();
    let script =
        r#"let r = route_get("192.0.2.1"); `${r.dev} ${r.gateway} ${r.prefsrc} ${r.rule}`"#;
    let (code, out, err) = run(&["--snapshot", &path, "-e", script]);
    // No IPv6 default route: the kernel's "network is unreachable", as an error.
    let (code6, _, err6) = run(&["--snapshot", &path, "-e", r#"route_get("2001:db8:99::1")"#]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code6, 1, "{err6}");
    assert!(
        err6.contains(
            "route_get: no route to 2001:db8:99::1 in the snapshot's rules and routes \
             (network is unreachable)"
        ),
        "{err6}"
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "va 10.60.0.254 10.60.0.1 32766");
    assert!(
        err.contains("the snapshot has no rules table") && err.contains("built-in rules"),
        "{err}"
    );
}

/// Takes a snapshot of `ns`, asks `route_get` for every destination from it and live, and
/// compares both with `ip -d -j route get` (a refusal by its error); returns the snapshot's
/// answers (type, dev, gateway, prefsrc, table name, source, rule).
fn compare_with_kernel(ns: &Netns, dsts: &[&str]) -> Vec<Value> {
    let file = std::env::temp_dir().join(format!("netpry-{}.json", ns.name));
    let path = file.to_str().expect("utf-8 path").to_string();
    let (code, _, err) = ns.netpry(&["snapshot", "-o", &path]);
    assert_eq!(code, 0, "{err}");
    let list = dsts
        .iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let script = format!(
        "[{list}].map(|a| {{ let r = route_get(a); \
         #{{type: r.type, dev: r.dev, gateway: r.gateway, prefsrc: r.prefsrc, \
         table: r.table_name, source: r.source, rule: r.rule}} }})"
    );
    let (code, out, err) = run(&["--snapshot", &path, "--format", "json", "-e", &script]);
    let (lcode, lout, lerr) = ns.netpry(&["--format", "json", "-e", &script]);
    let _ = std::fs::remove_file(&file);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!((lcode, lerr.as_str()), (0, ""), "{lout}");
    let snap: Vec<Value> = serde_json::from_str(&out).unwrap();
    let live: Vec<Value> = serde_json::from_str(&lout).unwrap();
    for (i, dst) in dsts.iter().enumerate() {
        let s = &snap[i];
        assert_eq!(s["source"], "snapshot", "{dst}");
        assert!(s["rule"].is_u64() || *dst == "0.0.0.0", "{dst}: {s}");
        let o = ns
            .command("ip", &["-d", "-j", "route", "get", dst])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        if !o.status.success() {
            let want = refusal_of(&stderr);
            assert_eq!(s["type"], want, "{dst}: kernel said {stderr}");
            assert_eq!(live[i]["type"], want, "{dst} live");
            assert_eq!(live[i]["source"], "kernel");
            continue;
        }
        let k: Value = serde_json::from_slice(&o.stdout).unwrap();
        let k = &k[0];
        let ctx = format!("route get {dst}: kernel {k}, snapshot {s}");
        let kernel_type = k.get("type").and_then(Value::as_str).unwrap_or("unicast");
        assert_eq!(s["type"], kernel_type, "{ctx}");
        for key in ["dev", "gateway", "prefsrc"] {
            let want = k.get(key).cloned().unwrap_or(Value::Null);
            assert_eq!(s[key], want, "{ctx}: {key}");
            assert_eq!(live[i][key], want, "{dst} live: {key}");
        }
        // The kernel names no table for 0.0.0.0 (it answers before any table).
        let none = if *dst == "0.0.0.0" {
            netpry::tables::names::table_name(0)
        } else {
            "main".to_string()
        };
        let table = k.get("table").cloned().unwrap_or(Value::from(none));
        assert_eq!(s["table"], table, "{ctx}: table");
        assert_eq!(live[i]["rule"], Value::Null, "{dst}: the kernel chose");
    }
    snap
}

#[test]
fn with_only_the_built_in_rules_local_and_main_are_one_lookup() {
    if !root_or_skip("with_only_the_built_in_rules_local_and_main_are_one_lookup") {
        return;
    }
    let ns = rule_lab("rmerge");
    for line in [
        "route add default via 10.60.0.254 dev va",
        "route add local 192.0.2.0/24 dev va table local",
        "route add 192.0.2.128/25 via 10.61.0.7 dev vb",
        "-6 route add default via 2001:db8:60::fe dev va",
    ] {
        ns.ip(&line.split_whitespace().collect::<Vec<_>>());
    }
    let dsts = [
        "192.0.2.130",
        "192.0.2.1",
        "127.0.0.1",
        "10.60.0.1",
        "10.60.0.9",
        "192.0.2.255",
        "198.51.100.1",
        "2001:db8:99::1",
        "::1",
    ];
    let snap = compare_with_kernel(&ns, &dsts);
    // The main route's longer prefix beats the local table's, and local hits say main.
    assert_eq!(snap[0]["dev"], "vb");
    assert_eq!(
        (snap[1]["type"].clone(), snap[1]["table"].clone()),
        ("local".into(), "main".into())
    );
}

/// `route_get(dst, #{..})` live and from a snapshot against `ip -d -j route get DST ARGS`:
/// (rhai options, ip arguments) per destination.
const QUERIES: [(&str, &str, &str); 29] = [
    ("192.0.2.1", r#"#{from: "10.61.0.1"}"#, "from 10.61.0.1"),
    ("192.0.2.1", r#"#{from: "10.60.0.1"}"#, "from 10.60.0.1"),
    ("192.0.2.1", "#{mark: 7}", "mark 7"),
    ("192.0.2.1", "#{mark: 6}", "mark 6"),
    ("192.0.2.1", "#{uid: 1000}", "uid 1000"),
    (
        "192.0.2.1",
        r#"#{ipproto: "tcp", dport: 443}"#,
        "ipproto tcp dport 443",
    ),
    (
        "192.0.2.1",
        r#"#{ipproto: "udp", dport: 443}"#,
        "ipproto udp dport 443",
    ),
    ("192.0.2.1", "#{tos: 16}", "tos 0x10"),
    ("192.0.2.1", r#"#{oif: "vb"}"#, "oif vb"),
    ("192.0.2.1", r#"#{oif: "va"}"#, "oif va"),
    ("192.0.2.1", "#{sport: 5000}", "sport 5000"),
    ("10.66.1.1", "#{tos: 16}", "tos 0x10"),
    ("10.66.1.1", "#{}", ""),
    ("10.60.0.1", r#"#{oif: "va"}"#, "oif va"),
    (
        "2001:db8:9::1",
        r#"#{from: "2001:db8:61::1"}"#,
        "from 2001:db8:61::1",
    ),
    (
        "2001:db8:9::1",
        r#"#{from: "2001:db8:62::7"}"#,
        "from 2001:db8:62::7",
    ),
    ("2001:db8:9::1", r#"#{oif: "va"}"#, "oif va"),
    ("192.0.2.1", "#{tos: 18}", "tos 0x12"),
    ("192.0.2.1", r#"#{oif: "vd"}"#, "oif vd"),
    ("255.255.255.255", r#"#{oif: "vb"}"#, "oif vb"),
    ("224.0.0.5", r#"#{oif: "vb"}"#, "oif vb"),
    ("0.0.0.0", r#"#{oif: "vb"}"#, "oif vb"),
    ("0.0.0.0", r#"#{from: "10.60.0.1"}"#, "from 10.60.0.1"),
    ("10.90.1.1", r#"#{oif: "vb"}"#, "oif vb"),
    ("10.90.1.1", r#"#{oif: "va"}"#, "oif va"),
    (
        "2001:db8:9::1",
        r#"#{from: "2001:db8:61::1", oif: "va"}"#,
        "from 2001:db8:61::1 oif va",
    ),
    ("192.0.2.1", r#"#{from: "0.0.0.0"}"#, "from 0.0.0.0"),
    ("192.0.2.1", r#"#{from: "127.0.0.1"}"#, "from 127.0.0.1"),
    ("192.0.2.1", r#"#{ipproto: "icmp"}"#, "ipproto icmp"),
];

#[test]
fn route_get_with_packet_fields_matches_ip_route_get() {
    if !root_or_skip("route_get_with_packet_fields_matches_ip_route_get") {
        return;
    }
    let ns = rule_lab("rsel");
    for line in [
        "route add default via 10.60.0.254 dev va",
        "-6 route add default via 2001:db8:60::fe dev va",
        "route add default via 10.61.0.4 dev vb table 101",
        "route add default via 10.61.0.5 dev vb table 102",
        "route add default via 10.60.0.3 dev va table 103",
        "route add default via 10.60.0.4 dev va table 104",
        "route add default via 10.60.0.5 dev va table 105",
        "route add default via 10.61.0.6 dev vb table 106",
        "route add default via 10.60.0.7 dev va table 107",
        "route add 10.66.0.0/16 tos 0x10 via 10.61.0.9 dev vb",
        "-6 route add default via 2001:db8:61::fe dev vb table 101",
        "rule add from 10.61.0.0/24 lookup 101 pref 100",
        "rule add fwmark 0x7 lookup 102 pref 110",
        "rule add uidrange 1000-1000 lookup 103 pref 120",
        "rule add ipproto tcp dport 443 lookup 104 pref 130",
        "rule add to 192.0.2.0/24 tos 0x10 lookup 105 pref 140",
        "rule add oif vb lookup 106 pref 150",
        "rule add sport 5000 lookup 107 pref 160",
        "-6 rule add from 2001:db8:61::/64 lookup 101 pref 100",
        "link add vd type veth peer name ve",
        "addr add 10.62.0.1/24 dev vd",
        "route add 10.90.0.0/16 nexthop via 10.60.0.90 dev va nexthop via 10.61.0.90 dev vb",
    ] {
        ns.ip(&line.split_whitespace().collect::<Vec<_>>());
    }
    let file = std::env::temp_dir().join(format!("netpry-{}.json", ns.name));
    let path = file.to_str().expect("utf-8 path").to_string();
    let (code, _, err) = ns.netpry(&["snapshot", "-o", &path]);
    assert_eq!(code, 0, "{err}");
    let mut checked = 0;
    for (dst, opts, args) in QUERIES {
        let script = format!(
            "let r = route_get(\"{dst}\", {opts}); #{{type: r.type, dev: r.dev, gateway: r.gateway, \
             prefsrc: r.prefsrc, table: r.table_name, src: r.src}}"
        );
        let (scode, sout, serr) = run(&["--snapshot", &path, "--format", "json", "-e", &script]);
        let (lcode, lout, lerr) = ns.netpry(&["--format", "json", "-e", &script]);
        let mut ip_args = vec!["-d", "-j", "route", "get", dst];
        ip_args.extend(args.split_whitespace());
        let o = ns.command("ip", &ip_args).output().unwrap();
        let ctx = format!("route get {dst} {args}");
        if !o.status.success() {
            let kernel = String::from_utf8_lossy(&o.stderr).to_string();
            assert_eq!(
                (scode, lcode),
                (1, 1),
                "{ctx}: kernel said {kernel}\n{sout}{lout}"
            );
            assert!(
                serr.contains("route_get") && lerr.contains("route_get"),
                "{ctx}"
            );
            checked += 1;
            continue;
        }
        assert_eq!((scode, serr.as_str()), (0, ""), "{ctx}: {sout}");
        assert_eq!((lcode, lerr.as_str()), (0, ""), "{ctx}: {lout}");
        let k: Value = serde_json::from_slice(&o.stdout).unwrap();
        let k = &k[0];
        // A map renders as a one-row table.
        let one = |text: &str| -> Value {
            let v: Value = serde_json::from_str(text).unwrap();
            if v.is_array() { v[0].clone() } else { v }
        };
        let (snap, live) = (one(&sout), one(&lout));
        let no_table = netpry::tables::names::table_name(0);
        for (name, got) in [("snapshot", &snap), ("live", &live)] {
            let ctx = format!("{ctx} ({name}): kernel {k}, netpry {got}");
            let kernel_type = k.get("type").and_then(Value::as_str).unwrap_or("unicast");
            assert_eq!(got["type"], kernel_type, "{ctx}");
            for key in ["dev", "gateway", "prefsrc"] {
                assert_eq!(
                    got[key],
                    k.get(key).cloned().unwrap_or(Value::Null),
                    "{ctx}: {key}"
                );
            }
            // `from` comes back as the answer's source selector.
            let from = k.get("from").cloned().filter(|f| f != "::");
            assert_eq!(got["src"], from.unwrap_or(Value::Null), "{ctx}: src");
            // No table: the kernel assumed the link (or answered before any table).
            let table = k
                .get("table")
                .cloned()
                .unwrap_or(Value::from(no_table.clone()));
            if name == "snapshot" || k.get("table").is_some() {
                assert_eq!(got["table"], table, "{ctx}: table");
            }
        }
        checked += 1;
    }
    // A source this host does not own, and a device it does not have.
    for (opts, want) in [
        (
            r#"#{from: "10.9.9.9"}"#,
            "10.9.9.9 is not an address of this host",
        ),
        (r#"#{oif: "nope0"}"#, "no device named 'nope0'"),
        (
            "#{port: 1}",
            "no option 'port'; options are: from, oif, mark",
        ),
        (
            r#"#{from: "2001:db8::1"}"#,
            "option from must be an address of the destination's family",
        ),
    ] {
        let script = format!("route_get(\"192.0.2.1\", {opts})");
        let (scode, _, serr) = run(&["--snapshot", &path, "-e", &script]);
        let (lcode, _, lerr) = ns.netpry(&["-e", &script]);
        assert_eq!((scode, lcode), (1, 1), "{opts}");
        assert!(
            serr.contains(want) && lerr.contains(want),
            "{opts}:\n{serr}\n{lerr}"
        );
    }
    let _ = std::fs::remove_file(&file);
    assert_eq!(checked, QUERIES.len());
}
