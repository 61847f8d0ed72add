//! Live rtnetlink tables (`interfaces`, `addresses`, `routes`, `neighbours`) and `route_get`,
//! compared field by field with `ip -j` on a namespace built for the purpose.
//!
//! `ip -j` leaves out fields at their defaults (no `metric` for 0, no `state` for NUD_NONE, a
//! `dynamic` flag instead of `permanent`, ...); every such case is mapped explicitly below so a
//! wrong value on our side cannot hide behind a missing field on theirs. The kernel changes
//! under us (IPv6 multicast reports move counters, lifetimes tick), so each comparison is
//! retried a few times and only a difference that persists fails the test.

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::support::{Netns, root_or_skip};

type Row = Map<String, Value>;

/// Builds the lab namespace: three veth pairs (one end named with a dot; `vd` left down so
/// `vc` has no carrier and its addresses stay tentative), a bridge, IPv4/IPv6 addresses,
/// routes of every kind in several tables, policy routing, and neighbour entries.
fn lab(tag: &str) -> Netns {
    let ns = Netns::new(tag);
    let ip = |args: &str| ns.ip(&args.split_whitespace().collect::<Vec<_>>());
    ip("link add vx.1 type veth peer name vx.2");
    ip("link add va type veth peer name vb");
    ip("link add vc type veth peer name vd");
    ip("link add br0 type bridge");
    ip("link set vb master br0");
    ip("link set vx.1 mtu 1400");
    ip("link set va txqlen 500");
    ip("link set vc group 7");
    for dev in ["vx.1", "vx.2", "va", "vb", "vc", "br0"] {
        ip(&format!("link set {dev} up"));
    }
    ip("addr add 10.1.0.1/24 dev vx.1");
    ip("addr add 10.1.0.5/24 dev vx.1");
    ip("addr add 10.1.0.2/24 brd + dev vx.2");
    ip("addr add fd00:1::1/64 dev vx.1 nodad");
    ip("addr add fd00:2::1/64 dev vx.1 nodad valid_lft 3600 preferred_lft 1800");
    ip("addr add fd00:1::2/64 dev vx.2 nodad noprefixroute");
    ip("addr add fd00:4::1/64 dev vx.1 nodad home mngtmpaddr");
    ip("addr add 10.9.0.1 peer 10.9.0.2/32 dev va label va:ab");
    ip("addr add 10.3.0.1/24 dev vc valid_lft 900 preferred_lft 600");
    ip("addr add fd00:3::1/64 dev vc"); // DAD cannot run without carrier: stays tentative
    ip("route add default via 10.1.0.9 dev vx.1");
    ip("route add blackhole 10.50.0.0/16");
    ip("route add unreachable 10.51.0.0/16");
    ip("route add prohibit 10.52.0.0/16 metric 7");
    ip("route add 10.60.0.0/16 via 10.1.0.9 dev vx.1 table 100");
    ip("route add throw 10.81.0.0/16 table 100");
    ip(
        "route add 10.61.0.0/16 via 10.1.0.9 dev vx.1 table 1000 proto 42 mtu 1300 advmss 1200 window 65535 rtt 100ms",
    );
    ip("route add 10.62.0.0/16 dev vx.1 table 253 proto static scope link");
    ip(
        "route add 10.70.0.0/16 nexthop via 10.1.0.9 dev vx.1 weight 2 nexthop via 10.9.0.2 dev va weight 1",
    );
    ip("route add 10.80.0.0/16 via 10.1.0.9 dev vx.1 onlink");
    ip("route add 10.82.0.0/16 tos 0x10 via 10.1.0.9 dev vx.1");
    ip("route add 10.99.0.0/16 via inet6 fd00:1::9 dev vx.1"); // RTA_VIA
    // Policy routing: the main table has the more specific route, a rule sends it to table 100.
    ip("route add 10.90.5.0/24 via 10.1.0.9 dev vx.1");
    ip("route add 10.90.0.0/16 via 10.9.0.2 dev va table 100");
    ip("rule add to 10.90.5.0/24 lookup 100 pref 100");
    ip("-6 route add default via fd00:1::9 dev vx.1 proto static metric 100");
    ip("-6 route add fd00:9::/64 via fd00:1::9 dev vx.1 pref high");
    ip("-6 route add fd00:a::/64 from fd00:1::/64 via fd00:1::9 dev vx.1");
    ip(
        "-6 route add fd00:b::/64 nexthop via fd00:1::9 dev vx.1 weight 3 nexthop via fd00:1::8 dev vx.1",
    );
    ip("-6 route add blackhole fd00:c::/64");
    ip("-6 route add fd00:d::/64 via fd00:1::9 dev vx.1 table 100 pref low");
    ip("neigh add 10.1.0.7 lladdr 02:00:00:00:00:07 dev vx.1 nud permanent");
    ip("neigh add 10.1.0.8 lladdr 02:00:00:00:00:09 dev vx.1 nud reachable");
    ip("neigh add fd00:1::7 lladdr 02:00:00:00:00:08 dev vx.1 nud stale router");
    ip("neigh add 10.1.0.11 lladdr 02:00:00:00:00:0b dev vx.2 nud noarp");
    ip("neigh add proxy 10.1.0.99 dev vx.1");
    // Some traffic out of vx.1 into vx.2 so the counters are not all zero.
    let (code, _, err) = ns.exec(
        "python3",
        &["-c", "import socket\ns=socket.socket(2,2)\nfor _ in range(5): s.sendto(b'x'*100, ('10.1.0.7', 9))"],
    );
    assert_eq!(code, 0, "{err}");
    ns
}

/// `netpry table NAME --format json` inside the namespace.
fn ours(ns: &Netns, table: &str) -> Vec<Row> {
    let (code, out, err) = ns.netpry(&["table", table, "--format", "json"]);
    assert_eq!(code, 0, "netpry table {table}: {err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("netpry json");
    rows.into_iter()
        .map(|r| r.as_object().cloned().expect("rows are objects"))
        .collect()
}

/// `ip -j ARGS` inside the namespace, as a list of objects.
fn ip_rows(ns: &Netns, args: &str) -> Vec<Row> {
    let v = ns.ip_json(&args.split_whitespace().collect::<Vec<_>>());
    v.as_array()
        .expect("ip -j gives an array")
        .iter()
        .map(|r| r.as_object().cloned().unwrap())
        .collect()
}

/// Runs `compare` until it succeeds (the kernel may change between the two reads), failing
/// with its last complaint after a few seconds.
fn retry(what: &str, mut compare: impl FnMut() -> Result<(), String>) {
    let mut last = String::new();
    for _ in 0..15 {
        match compare() {
            Ok(()) => return,
            Err(e) => last = e,
        }
        std::thread::sleep(std::time::Duration::from_millis(400));
    }
    panic!("{what}: netpry differs from ip:\n{last}");
}

/// Collects mismatches: `check(&mut errs, ctx, field, ours, expected)`.
fn check(errs: &mut Vec<String>, ctx: &str, field: &str, ours: &Value, expected: &Value) {
    if ours != expected {
        errs.push(format!("{ctx}: {field}: netpry {ours} != ip {expected}"));
    }
}

fn done(errs: Vec<String>) -> Result<(), String> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

fn get<'a>(r: &'a Row, k: &str) -> &'a Value {
    r.get(k).unwrap_or(&Value::Null)
}

/// `ip`'s address with optional `/len` as (address, prefix length).
fn prefix(s: &str, default_v4: bool) -> (IpAddr, u8) {
    if s == "default" {
        return if default_v4 {
            ("0.0.0.0".parse().unwrap(), 0)
        } else {
            ("::".parse().unwrap(), 0)
        };
    }
    match s.split_once('/') {
        Some((a, l)) => (a.parse().unwrap(), l.parse().unwrap()),
        None => {
            let a: IpAddr = s.parse().unwrap();
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    }
}

fn flags_joined(r: &Row, sep: &str) -> Value {
    let f = get(r, "flags").as_array().cloned().unwrap_or_default();
    Value::from(
        f.iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(sep),
    )
}

#[test]
fn interfaces_match_ip_link() {
    if !root_or_skip("interfaces_match_ip_link") {
        return;
    }
    let ns = lab("ifs");
    // ip -s -s names the counters by direction; netpry's columns are the kernel's names.
    let rx = [
        ("bytes", "rx_bytes"),
        ("packets", "rx_packets"),
        ("errors", "rx_errors"),
        ("dropped", "rx_dropped"),
        ("over_errors", "rx_over_errors"),
        ("multicast", "multicast"),
        ("length_errors", "rx_length_errors"),
        ("crc_errors", "rx_crc_errors"),
        ("frame_errors", "rx_frame_errors"),
        ("fifo_errors", "rx_fifo_errors"),
        ("missed_errors", "rx_missed_errors"),
        ("compressed", "rx_compressed"),
        ("nohandler", "rx_nohandler"),
        ("otherhost", "rx_otherhost_dropped"),
    ];
    let tx = [
        ("bytes", "tx_bytes"),
        ("packets", "tx_packets"),
        ("errors", "tx_errors"),
        ("dropped", "tx_dropped"),
        ("carrier_errors", "tx_carrier_errors"),
        ("collisions", "collisions"),
        ("aborted_errors", "tx_aborted_errors"),
        ("fifo_errors", "tx_fifo_errors"),
        ("window_errors", "tx_window_errors"),
        ("heartbeat_errors", "tx_heartbeat_errors"),
        ("compressed", "tx_compressed"),
    ];
    retry("interfaces", || {
        let theirs = ip_rows(&ns, "-s -s -d link show");
        let mine = ours(&ns, "interfaces");
        let mut errs = Vec::new();
        if theirs.len() != mine.len() {
            return Err(format!(
                "{} links from ip, {} from netpry",
                theirs.len(),
                mine.len()
            ));
        }
        let index_of: HashMap<String, Value> = theirs
            .iter()
            .map(|l| {
                (
                    get(l, "ifname").as_str().unwrap().to_string(),
                    get(l, "ifindex").clone(),
                )
            })
            .collect();
        for (t, m) in theirs.iter().zip(&mine) {
            let ctx = get(t, "ifname").as_str().unwrap().to_string();
            check(&mut errs, &ctx, "index", get(m, "index"), get(t, "ifindex"));
            check(&mut errs, &ctx, "name", get(m, "name"), get(t, "ifname"));
            check(&mut errs, &ctx, "mtu", get(m, "mtu"), get(t, "mtu"));
            check(
                &mut errs,
                &ctx,
                "state",
                get(m, "state"),
                get(t, "operstate"),
            );
            // `M-DOWN` is ip's note that the peer (IFLA_LINK) is down, not a kernel flag.
            let flags = flags_joined(t, ",")
                .as_str()
                .unwrap()
                .replace(",M-DOWN", "");
            check(
                &mut errs,
                &ctx,
                "flags",
                get(m, "flags"),
                &Value::from(flags),
            );
            check(&mut errs, &ctx, "mac", get(m, "mac"), get(t, "address"));
            check(
                &mut errs,
                &ctx,
                "broadcast",
                get(m, "broadcast"),
                get(t, "broadcast"),
            );
            check(
                &mut errs,
                &ctx,
                "master",
                get(m, "master"),
                get(t, "master"),
            );
            check(
                &mut errs,
                &ctx,
                "txqlen",
                get(m, "txqlen"),
                get(t, "txqlen"),
            );
            check(&mut errs, &ctx, "qdisc", get(m, "qdisc"), get(t, "qdisc"));
            check(
                &mut errs,
                &ctx,
                "link_type",
                get(m, "link_type"),
                get(t, "link_type"),
            );
            // ip names group 0 `default`; others have no name unless /etc/iproute2/group says.
            let group = match get(t, "group").as_str() {
                Some("default") => Value::from(0),
                Some(n) => Value::from(n.parse::<i64>().expect("numeric group")),
                None => Value::Null,
            };
            check(&mut errs, &ctx, "group", get(m, "group"), &group);
            let kind = t
                .get("linkinfo")
                .map_or(&Value::Null, |li| &li["info_kind"]);
            check(&mut errs, &ctx, "kind", get(m, "kind"), kind);
            // ip names the peer; netpry gives its index.
            let link = get(t, "link")
                .as_str()
                .map_or(Value::Null, |n| index_of[n].clone());
            check(&mut errs, &ctx, "link", get(m, "link"), &link);
            let stats = &t["stats64"];
            for (dir, names) in [("rx", &rx[..]), ("tx", &tx[..])] {
                let obj = stats[dir]
                    .as_object()
                    .ok_or(format!("{ctx}: no stats64.{dir}"))?;
                for key in ["bytes", "packets", "errors", "dropped"] {
                    if !obj.contains_key(key) {
                        return Err(format!("{ctx}: ip printed no {dir}.{key}"));
                    }
                }
                for (theirs_key, col) in names {
                    if let Some(v) = obj.get(*theirs_key) {
                        check(&mut errs, &ctx, col, get(m, col), v);
                    }
                }
            }
        }
        // The lab's shape, so the comparison above really covered these cases.
        let by_name = |n: &str| mine.iter().find(|r| r["name"] == n).cloned().unwrap();
        let vb = by_name("vb");
        check(
            &mut errs,
            "vb",
            "master (lab)",
            &vb["master"],
            &Value::from("br0"),
        );
        let vc = by_name("vc");
        let vc_flags = vc["flags"].as_str().unwrap_or("");
        if !vc_flags.starts_with("NO-CARRIER,") {
            errs.push(format!("vc: flags (lab) {vc_flags}: expected NO-CARRIER"));
        }
        check(
            &mut errs,
            "vx.1",
            "mtu (lab)",
            &by_name("vx.1")["mtu"],
            &Value::from(1400),
        );
        if by_name("vx.2")["rx_packets"].as_i64().unwrap_or(0) < 5 {
            errs.push("vx.2: rx_packets (lab): fewer than the 5 packets sent".into());
        }
        done(errs)
    });
}

/// The flags `ip -j addr` reports as booleans, in netpry's order, with `dynamic` standing for
/// the absence of `permanent`.
fn ip_addr_flags(a: &Row) -> String {
    let mut out = Vec::new();
    for name in [
        "secondary",
        "temporary",
        "nodad",
        "optimistic",
        "dadfailed",
        "home",
        "deprecated",
        "tentative",
        "permanent",
        "mngtmpaddr",
        "noprefixroute",
        "autojoin",
        "stable-privacy",
    ] {
        let set = if name == "permanent" {
            a.get("dynamic").is_none()
        } else {
            a.get(name).and_then(Value::as_bool) == Some(true)
        };
        if set {
            out.push(name);
        }
    }
    out.join(",")
}

/// A lifetime: `ip` says 4294967295 for forever, netpry says null; otherwise within 2 s.
fn lifetime_matches(ours: &Value, ip: &Value) -> bool {
    match (ours.as_i64(), ip.as_i64()) {
        (None, Some(4294967295)) => true,
        (Some(a), Some(b)) if b != 4294967295 => (a - b).abs() <= 2,
        _ => false,
    }
}

#[test]
fn addresses_match_ip_addr() {
    if !root_or_skip("addresses_match_ip_addr") {
        return;
    }
    let ns = lab("addrs");
    retry("addresses", || {
        let links = ip_rows(&ns, "addr show");
        let mine = ours(&ns, "addresses");
        let mut theirs: Vec<(Row, Row)> = Vec::new();
        for l in &links {
            for a in get(l, "addr_info").as_array().cloned().unwrap_or_default() {
                theirs.push((l.clone(), a.as_object().cloned().unwrap()));
            }
        }
        if theirs.len() != mine.len() {
            return Err(format!(
                "{} addresses from ip, {} from netpry",
                theirs.len(),
                mine.len()
            ));
        }
        let mut errs = Vec::new();
        for ((l, a), m) in theirs.iter().zip(&mine) {
            let ctx = format!("{} {}", get(l, "ifname"), get(a, "local"));
            check(
                &mut errs,
                &ctx,
                "ifindex",
                get(m, "ifindex"),
                get(l, "ifindex"),
            );
            check(
                &mut errs,
                &ctx,
                "ifname",
                get(m, "ifname"),
                get(l, "ifname"),
            );
            check(
                &mut errs,
                &ctx,
                "family",
                get(m, "family"),
                get(a, "family"),
            );
            check(&mut errs, &ctx, "addr", get(m, "addr"), get(a, "local"));
            check(
                &mut errs,
                &ctx,
                "prefix_len",
                get(m, "prefix_len"),
                get(a, "prefixlen"),
            );
            check(&mut errs, &ctx, "peer", get(m, "peer"), get(a, "address"));
            check(
                &mut errs,
                &ctx,
                "broadcast",
                get(m, "broadcast"),
                get(a, "broadcast"),
            );
            check(&mut errs, &ctx, "scope", get(m, "scope"), get(a, "scope"));
            check(&mut errs, &ctx, "label", get(m, "label"), get(a, "label"));
            check(
                &mut errs,
                &ctx,
                "flags",
                get(m, "flags"),
                &Value::from(ip_addr_flags(a)),
            );
            for (col, key) in [
                ("valid_lft", "valid_life_time"),
                ("preferred_lft", "preferred_life_time"),
            ] {
                if !lifetime_matches(get(m, col), get(a, key)) {
                    errs.push(format!(
                        "{ctx}: {col}: netpry {} vs ip {}",
                        get(m, col),
                        get(a, key)
                    ));
                }
            }
        }
        // The lab's special cases are all there.
        let row = |addr: &str| {
            mine.iter()
                .find(|r| r["addr"] == addr)
                .cloned()
                .unwrap_or_default()
        };
        for (addr, col, want) in [
            ("10.1.0.5", "flags", Value::from("secondary,permanent")),
            ("10.9.0.1", "peer", Value::from("10.9.0.2")),
            ("10.9.0.1", "label", Value::from("va:ab")),
            ("10.1.0.2", "broadcast", Value::from("10.1.0.255")),
            ("fd00:3::1", "flags", Value::from("tentative,permanent")),
            (
                "fd00:1::2",
                "flags",
                Value::from("nodad,permanent,noprefixroute"),
            ),
            ("fd00:2::1", "flags", Value::from("nodad")),
            (
                "fd00:4::1",
                "flags",
                Value::from("nodad,home,permanent,mngtmpaddr"),
            ),
            ("10.3.0.1", "flags", Value::from("")),
            ("fd00:1::1", "valid_lft", Value::Null),
        ] {
            check(
                &mut errs,
                addr,
                &format!("{col} (lab)"),
                get(&row(addr), col),
                &want,
            );
        }
        done(errs)
    });
}

/// The table id for `ip`'s table text.
fn table_id(name: &str) -> i64 {
    match name {
        "main" => 254,
        "local" => 255,
        "default" => 253,
        n => n.parse().unwrap(),
    }
}

/// `ip`'s next hops in netpry's `via GW dev DEV weight W` form.
fn ip_nexthops(r: &Row) -> Value {
    let Some(hops) = r.get("nexthops").and_then(Value::as_array) else {
        return Value::Null;
    };
    let text: Vec<String> = hops
        .iter()
        .map(|h| {
            let mut parts = Vec::new();
            if let Some(g) = h.get("gateway").and_then(Value::as_str) {
                parts.push(format!("via {g}"));
            }
            if let Some(d) = h.get("dev").and_then(Value::as_str) {
                parts.push(format!("dev {d}"));
            }
            parts.push(format!("weight {}", h["weight"]));
            for f in h
                .get("flags")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                parts.push(f.as_str().unwrap().to_string());
            }
            parts.join(" ")
        })
        .collect();
    Value::from(text.join("; "))
}

/// Compares the `routes` table with `ip -d -j route show table all` (IPv4 then IPv6).
fn compare_routes(ns: &Netns) -> Result<Vec<Row>, String> {
    let mut theirs = ip_rows(ns, "-d -4 route show table all");
    let v4 = theirs.len();
    theirs.extend(ip_rows(ns, "-d -6 route show table all"));
    let mine = ours(ns, "routes");
    if theirs.len() != mine.len() {
        return Err(format!(
            "{} routes from ip, {} from netpry",
            theirs.len(),
            mine.len()
        ));
    }
    let index_of: HashMap<String, i64> = ip_rows(ns, "link show")
        .iter()
        .map(|l| {
            (
                l["ifname"].as_str().unwrap().to_string(),
                l["ifindex"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut errs = Vec::new();
    for (i, (t, m)) in theirs.iter().zip(&mine).enumerate() {
        let v4_row = i < v4;
        let (dst, dst_len) = prefix(get(t, "dst").as_str().unwrap(), v4_row);
        let ctx = format!("{} table {}", get(t, "dst"), get(t, "table"));
        let table = get(t, "table").as_str().unwrap();
        check(
            &mut errs,
            &ctx,
            "table",
            get(m, "table"),
            &Value::from(table_id(table)),
        );
        check(
            &mut errs,
            &ctx,
            "table_name",
            get(m, "table_name"),
            &Value::from(table),
        );
        let family = if v4_row { "inet" } else { "inet6" };
        check(
            &mut errs,
            &ctx,
            "family",
            get(m, "family"),
            &Value::from(family),
        );
        check(&mut errs, &ctx, "type", get(m, "type"), get(t, "type"));
        check(
            &mut errs,
            &ctx,
            "dst",
            get(m, "dst"),
            &Value::from(dst.to_string()),
        );
        check(
            &mut errs,
            &ctx,
            "dst_len",
            get(m, "dst_len"),
            &Value::from(dst_len),
        );
        let (src, src_len) = match get(t, "from").as_str() {
            Some(f) => {
                let (a, l) = prefix(f, v4_row);
                (Value::from(a.to_string()), Value::from(l))
            }
            None => (Value::Null, Value::from(0)),
        };
        check(&mut errs, &ctx, "src", get(m, "src"), &src);
        check(&mut errs, &ctx, "src_len", get(m, "src_len"), &src_len);
        let tos = get(t, "tos").as_str().map_or(0, |h| {
            i64::from_str_radix(h.trim_start_matches("0x"), 16).expect("hex tos")
        });
        check(&mut errs, &ctx, "tos", get(m, "tos"), &Value::from(tos));
        let gateway = match t.get("via") {
            Some(via) => via["host"].clone(),
            None => get(t, "gateway").clone(),
        };
        check(&mut errs, &ctx, "gateway", get(m, "gateway"), &gateway);
        check(&mut errs, &ctx, "dev", get(m, "dev"), get(t, "dev"));
        let oif = get(t, "dev")
            .as_str()
            .map_or(Value::Null, |d| Value::from(index_of[d]));
        check(&mut errs, &ctx, "oif", get(m, "oif"), &oif);
        check(
            &mut errs,
            &ctx,
            "prefsrc",
            get(m, "prefsrc"),
            get(t, "prefsrc"),
        );
        let metric = t.get("metric").cloned().unwrap_or(Value::from(0));
        check(&mut errs, &ctx, "metric", get(m, "metric"), &metric);
        check(
            &mut errs,
            &ctx,
            "protocol",
            get(m, "protocol"),
            get(t, "protocol"),
        );
        check(&mut errs, &ctx, "scope", get(m, "scope"), get(t, "scope"));
        check(
            &mut errs,
            &ctx,
            "flags",
            get(m, "flags"),
            &flags_joined(t, ","),
        );
        let metrics: Row = get(t, "metrics")
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (col, key) in [
            ("mtu", "mtu"),
            ("advmss", "advmss"),
            ("window", "window"),
            ("rtt_ms", "rtt"),
        ] {
            let want = metrics.get(key).cloned().unwrap_or(Value::from(0));
            check(&mut errs, &ctx, col, get(m, col), &want);
        }
        check(&mut errs, &ctx, "pref", get(m, "pref"), get(t, "pref"));
        check(
            &mut errs,
            &ctx,
            "nexthops",
            get(m, "nexthops"),
            &ip_nexthops(t),
        );
        // `refcnt` has no `ip` counterpart (rtnetlink does not report reference counts; only
        // /proc/net/ipv6_route does), so it is not compared here: netstat_modes.rs compares
        // it exactly through `netstat -r -6`'s Ref column. Here: null for IPv4, a count for
        // every IPv6 route.
        let refcnt = get(m, "refcnt");
        if v4_row != refcnt.is_null() || !(v4_row || refcnt.as_u64().is_some_and(|n| n > 0)) {
            errs.push(format!("{ctx}: refcnt: {refcnt}"));
        }
    }
    if errs.is_empty() {
        Ok(mine)
    } else {
        Err(errs.join("\n"))
    }
}

#[test]
fn routes_match_ip_route_in_every_table() {
    if !root_or_skip("routes_match_ip_route_in_every_table") {
        return;
    }
    let ns = lab("routes");
    retry("routes", || {
        let mine = compare_routes(&ns)?;
        // The lab's special cases, so the comparison above really covered them.
        let mut errs = Vec::new();
        let find = |dst: &str, table: i64| {
            mine.iter()
                .find(|r| r["dst"] == dst && r["table"] == table)
                .cloned()
                .unwrap_or_default()
        };
        let expect = |errs: &mut Vec<String>, dst: &str, table: i64, col: &str, want: Value| {
            check(
                errs,
                &format!("{dst} table {table}"),
                &format!("{col} (lab)"),
                get(&find(dst, table), col),
                &want,
            );
        };
        expect(
            &mut errs,
            "0.0.0.0",
            254,
            "gateway",
            Value::from("10.1.0.9"),
        );
        expect(
            &mut errs,
            "10.50.0.0",
            254,
            "type",
            Value::from("blackhole"),
        );
        expect(
            &mut errs,
            "10.51.0.0",
            254,
            "type",
            Value::from("unreachable"),
        );
        expect(&mut errs, "10.52.0.0", 254, "metric", Value::from(7));
        expect(&mut errs, "10.81.0.0", 100, "type", Value::from("throw"));
        expect(&mut errs, "10.61.0.0", 1000, "rtt_ms", Value::from(100));
        expect(
            &mut errs,
            "10.61.0.0",
            1000,
            "protocol",
            Value::from("babel"),
        );
        expect(
            &mut errs,
            "10.62.0.0",
            253,
            "table_name",
            Value::from("default"),
        );
        expect(&mut errs, "10.80.0.0", 254, "flags", Value::from("onlink"));
        expect(&mut errs, "10.82.0.0", 254, "tos", Value::from(16));
        expect(
            &mut errs,
            "10.99.0.0",
            254,
            "gateway",
            Value::from("fd00:1::9"),
        );
        expect(&mut errs, "10.3.0.0", 254, "flags", Value::from("linkdown"));
        expect(
            &mut errs,
            "10.70.0.0",
            254,
            "nexthops",
            Value::from("via 10.1.0.9 dev vx.1 weight 2; via 10.9.0.2 dev va weight 1"),
        );
        expect(&mut errs, "fd00:a::", 254, "src", Value::from("fd00:1::"));
        expect(&mut errs, "fd00:9::", 254, "pref", Value::from("high"));
        expect(&mut errs, "fd00:d::", 100, "pref", Value::from("low"));
        expect(&mut errs, "::", 254, "protocol", Value::from("static"));
        expect(&mut errs, "fd00:c::", 254, "type", Value::from("blackhole"));
        done(errs)
    });
}

#[test]
fn route_names_match_ip_for_every_protocol_and_scope() {
    if !root_or_skip("route_names_match_ip_for_every_protocol_and_scope") {
        return;
    }
    let ns = Netns::new("rtnames");
    ns.ip(&[
        "link", "add", "vx.1", "type", "veth", "peer", "name", "vx.2",
    ]);
    ns.ip(&["link", "set", "vx.1", "up"]);
    let mut batch = String::new();
    for p in 0..=255 {
        batch.push_str(&format!("route add 10.200.{p}.0/24 dev vx.1 proto {p}\n"));
    }
    for s in [0, 1, 100, 200, 253, 254] {
        batch.push_str(&format!(
            "route add 10.201.{s}.0/24 dev vx.1 scope {s} table 7\n"
        ));
    }
    let path = std::env::temp_dir().join(format!("{}.batch", ns.name));
    std::fs::write(&path, batch).unwrap();
    let path_str = path.to_str().unwrap().to_string();
    ns.ip(&["-batch", &path_str]);
    let _ = std::fs::remove_file(&path);
    retry("route names", || compare_routes(&ns).map(|_| ()));
}

#[test]
fn neighbours_match_ip_neigh() {
    if !root_or_skip("neighbours_match_ip_neigh") {
        return;
    }
    let ns = lab("neigh");
    retry("neighbours", || {
        let mut theirs = ip_rows(&ns, "-s neigh show nud all");
        theirs.extend(ip_rows(&ns, "-s neigh show proxy"));
        let mine = ours(&ns, "neighbours");
        if theirs.len() != mine.len() {
            return Err(format!(
                "{} neighbours from ip, {} from netpry",
                theirs.len(),
                mine.len()
            ));
        }
        let mut errs = Vec::new();
        for (t, m) in theirs.iter().zip(&mine) {
            let ctx = format!("{} dev {}", get(t, "dst"), get(t, "dev"));
            let dst: IpAddr = get(t, "dst").as_str().unwrap().parse().unwrap();
            let family = if dst.is_ipv4() { "inet" } else { "inet6" };
            check(&mut errs, &ctx, "addr", get(m, "addr"), get(t, "dst"));
            check(
                &mut errs,
                &ctx,
                "family",
                get(m, "family"),
                &Value::from(family),
            );
            check(&mut errs, &ctx, "ifname", get(m, "ifname"), get(t, "dev"));
            check(&mut errs, &ctx, "mac", get(m, "mac"), get(t, "lladdr"));
            let state = match t.get("state") {
                Some(s) => Value::from(
                    s.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                None => Value::from("NONE"),
            };
            check(&mut errs, &ctx, "state", get(m, "state"), &state);
            check(
                &mut errs,
                &ctx,
                "router",
                get(m, "router"),
                &Value::from(t.contains_key("router")),
            );
            check(
                &mut errs,
                &ctx,
                "proxy",
                get(m, "proxy"),
                &Value::from(t.contains_key("proxy")),
            );
            // Cache ages: `ip -s` prints whole seconds, we keep milliseconds; the two reads
            // are moments apart, so allow one second of drift.
            for (ip_key, col) in [
                ("used", "used_ms"),
                ("confirmed", "confirmed_ms"),
                ("updated", "updated_ms"),
            ] {
                match (t.get(ip_key).and_then(Value::as_i64), get(m, col).as_i64()) {
                    (None, None) => {}
                    (Some(secs), Some(ms)) if (ms / 1000 - secs).abs() <= 1 => {}
                    (want, have) => errs.push(format!(
                        "{ctx}: {col} {have:?} ms, ip says {ip_key} {want:?} s"
                    )),
                }
            }
            // `ip` leaves refcnt out when it is 0.
            if t.contains_key("used") {
                let want = t.get("refcnt").and_then(Value::as_i64).unwrap_or(0);
                check(
                    &mut errs,
                    &ctx,
                    "refcnt",
                    get(m, "refcnt"),
                    &Value::from(want),
                );
            } else {
                check(&mut errs, &ctx, "refcnt", get(m, "refcnt"), &Value::Null);
            }
        }
        let row = |a: &str| {
            mine.iter()
                .find(|r| r["addr"] == a)
                .cloned()
                .unwrap_or_default()
        };
        for (addr, col, want) in [
            ("10.1.0.7", "state", Value::from("PERMANENT")),
            ("10.1.0.7", "mac", Value::from("02:00:00:00:00:07")),
            ("fd00:1::7", "router", Value::from(true)),
            ("10.1.0.11", "state", Value::from("NOARP")),
            ("10.1.0.11", "ifname", Value::from("vx.2")),
            ("10.1.0.99", "proxy", Value::from(true)),
            ("10.1.0.99", "confirmed_ms", Value::Null),
            // A new namespace's devices start from the kernel default of 30 s.
            ("10.1.0.7", "reachable_ms", Value::from(30000)),
        ] {
            check(
                &mut errs,
                addr,
                &format!("{col} (lab)"),
                get(&row(addr), col),
                &want,
            );
        }
        done(errs)
    });
}

/// The kernel's answer to a route lookup for `addr` in namespace `ns`, through the catalog
/// (the one door), as a one-row `routes` table.
fn route_get(ns: &str, addr: IpAddr) -> netpry::Result<RouteAnswer> {
    in_netns(ns, move || {
        let q = netpry::tables::records::RouteQuery::to(addr);
        let t = netpry::catalog::Catalog::live().route_get(&q)?;
        let cell = |n: &str| t.cell(0, t.column_index(n).expect("routes column")).clone();
        Ok(RouteAnswer {
            dst: cell("dst").as_ip(),
            dev: cell("dev").as_str().map(String::from),
            gateway: cell("gateway").as_ip(),
            prefsrc: cell("prefsrc").as_ip(),
            table: cell("table").as_int().unwrap_or(-1),
        })
    })
}

/// The cells of a route lookup's answer these tests compare.
struct RouteAnswer {
    dst: Option<IpAddr>,
    dev: Option<String>,
    gateway: Option<IpAddr>,
    prefsrc: Option<IpAddr>,
    table: i64,
}

/// Runs `f` on a thread that has entered network namespace `ns` (only that thread moves).
#[allow(unsafe_code)]
fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    use std::os::fd::AsRawFd;
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("open the namespace file");
        // SAFETY: setns(2) with a valid namespace file descriptor that outlives the call; it
        // changes the network namespace of this thread only.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        f()
    })
    .join()
    .expect("netns thread")
}

#[test]
fn route_get_follows_policy_rules_like_ip_route_get() {
    if !root_or_skip("route_get_follows_policy_rules_like_ip_route_get") {
        return;
    }
    let ns = lab("rget");
    for dst in [
        "10.90.5.1",
        "10.90.6.1",
        "10.1.0.7",
        "fd00:9::1",
        "10.61.0.1",
        "10.9.0.2",
    ] {
        let addr: IpAddr = dst.parse().unwrap();
        let rec = route_get(&ns.name, addr).unwrap_or_else(|e| panic!("route_get({dst}): {e}"));
        let theirs = ip_rows(&ns, &format!("route get {dst}"));
        let t = &theirs[0];
        let ctx = format!("route get {dst}");
        assert_eq!(rec.dst, Some(addr), "{ctx}");
        assert_eq!(rec.dev.as_deref(), get(t, "dev").as_str(), "{ctx}: dev");
        assert_eq!(
            rec.gateway.map(|g| g.to_string()).as_deref(),
            get(t, "gateway").as_str(),
            "{ctx}: gateway"
        );
        assert_eq!(
            rec.prefsrc.map(|g| g.to_string()).as_deref(),
            get(t, "prefsrc").as_str(),
            "{ctx}: prefsrc"
        );
        let table = t.get("table").and_then(Value::as_str).map_or(254, table_id);
        assert_eq!(rec.table, table, "{ctx}: table");
    }
    // The policy rule wins over the more specific route of the main table.
    let addr: IpAddr = "10.90.5.1".parse().unwrap();
    let rec = route_get(&ns.name, addr).unwrap();
    assert_eq!((rec.table, rec.dev.as_deref()), (100, Some("va")));
    assert_eq!(rec.gateway, Some("10.9.0.2".parse().unwrap()));
    // Unreachable destinations are a clear error naming the address.
    let addr: IpAddr = "10.51.0.1".parse().unwrap();
    let err = route_get(&ns.name, addr).err().expect("an error");
    assert!(
        err.to_string().starts_with("route lookup for 10.51.0.1: "),
        "{err}"
    );
}

#[test]
fn projections_collect_only_the_asked_columns() {
    if !root_or_skip("projections_collect_only_the_asked_columns") {
        return;
    }
    let ns = lab("proj");
    let (code, out, err) = ns.netpry(&[
        "table",
        "routes",
        "-c",
        "dst,dst_len,type",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("dst,dst_len,type\n"), "{out}");
    assert!(out.contains("\n10.50.0.0,16,blackhole\n"), "{out}");
    let (code, out, err) = ns.netpry(&[
        "table",
        "addresses",
        "-c",
        "addr,prefix_len",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\n10.9.0.1,32\n"), "{out}");
    let (code, _, err) = ns.netpry(&["table", "neighbours", "-c", "stat"]);
    assert_ne!(code, 0);
    assert!(err.contains("did you mean 'state'"), "{err}");
}

/// `route_nexthops` against the `nexthops` of `ip -d -j route show table all` (IPv4 then
/// IPv6): one row per hop, in the dump's order, with the route's identity; and the hops read
/// back by the route simulation over a snapshot (`route_get` with a device).
#[test]
fn route_nexthops_match_ip_route_nexthops() {
    if !root_or_skip("route_nexthops_match_ip_route_nexthops") {
        return;
    }
    let ns = lab("nexthops");
    let ip = |args: &str| ns.ip(&args.split_whitespace().collect::<Vec<_>>());
    // Weights 1 and 3 on two devices, an onlink hop, and two multipath routes under one
    // IPv4 identity (`append`), in a table of their own.
    ip(
        "route add 10.95.0.0/24 nexthop via 10.1.0.9 dev vx.1 weight 1 nexthop via 10.9.0.2 dev va weight 3",
    );
    ip(
        "route add 10.96.0.0/24 table 7 nexthop via 10.1.0.9 dev vx.1 nexthop via 10.77.0.1 dev va onlink",
    );
    ip(
        "route append 10.96.0.0/24 table 7 nexthop via 10.1.0.8 dev vx.1 nexthop via 10.1.0.7 dev vx.1 weight 2",
    );
    ip(
        "-6 route add fd00:95::/64 nexthop via fd00:1::9 dev vx.1 weight 1 nexthop via fd00:1::8 dev vx.1 weight 3",
    );
    retry("route_nexthops", || {
        let index_of: HashMap<String, i64> = ip_rows(&ns, "link show")
            .iter()
            .map(|l| {
                (
                    l["ifname"].as_str().unwrap().to_string(),
                    l["ifindex"].as_i64().unwrap(),
                )
            })
            .collect();
        let mut want: Vec<Row> = Vec::new();
        for (family, v4) in [("inet", true), ("inet6", false)] {
            let arg = if v4 { "-d -4" } else { "-d -6" };
            for t in ip_rows(&ns, &format!("{arg} route show table all")) {
                let Some(hops) = t.get("nexthops").and_then(Value::as_array) else {
                    continue;
                };
                let (dst, dst_len) = prefix(get(&t, "dst").as_str().unwrap(), v4);
                for (i, h) in hops.iter().enumerate() {
                    let mut r = Row::new();
                    r.insert("family".into(), family.into());
                    let table = table_id(get(&t, "table").as_str().unwrap());
                    r.insert("table".into(), table.into());
                    r.insert("dst".into(), dst.to_string().into());
                    r.insert("dst_len".into(), dst_len.into());
                    r.insert(
                        "metric".into(),
                        t.get("metric").cloned().unwrap_or(0.into()),
                    );
                    r.insert("hop".into(), i.into());
                    let h = h.as_object().expect("a hop is an object");
                    r.insert("gateway".into(), get(h, "gateway").clone());
                    r.insert("dev".into(), get(h, "dev").clone());
                    let dev = get(h, "dev").as_str().unwrap();
                    r.insert("ifindex".into(), index_of[dev].into());
                    r.insert("weight".into(), get(h, "weight").clone());
                    r.insert("flags".into(), flags_joined(h, ","));
                    want.push(r);
                }
            }
        }
        let mine = ours(&ns, "route_nexthops");
        let mut errs = Vec::new();
        if mine.len() != want.len() {
            errs.push(format!(
                "{} hops from ip, {} from netpry",
                want.len(),
                mine.len()
            ));
        }
        for (m, w) in mine.iter().zip(&want) {
            let ctx = format!("{} hop {}", get(w, "dst"), get(w, "hop"));
            for (col, v) in w {
                check(&mut errs, &ctx, col, get(m, col), v);
            }
            check(&mut errs, &ctx, "src", get(m, "src"), &Value::Null);
            check(&mut errs, &ctx, "tos", get(m, "tos"), &Value::from(0));
        }
        // The lab's cases are there: weight 3, onlink, two runs under one identity, IPv6.
        let has = |dst: &str, col: &str, v: Value| {
            mine.iter().any(|r| r["dst"] == dst && get(r, col) == &v)
        };
        for (dst, col, v) in [
            ("10.95.0.0", "weight", Value::from(3)),
            ("10.96.0.0", "flags", Value::from("onlink")),
            ("10.96.0.0", "gateway", Value::from("10.1.0.7")),
            ("fd00:95::", "weight", Value::from(3)),
        ] {
            if !has(dst, col, v.clone()) {
                errs.push(format!("no hop of {dst} with {col} {v}"));
            }
        }
        done(errs)
    });
    // A reader of the table: the route simulation over a snapshot, asked for a multipath
    // route through a named device, answers with that device's hop, as the kernel does.
    let snap = std::env::temp_dir().join(format!("np-nexthops-{}.json", std::process::id()));
    let (code, _, err) = ns.netpry(&["snapshot", "-o", snap.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = ns.netpry(&[
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "csv",
        "-e",
        r#"route_get("10.95.0.1", #{oif: "va"}).select(["gateway", "dev"])"#,
    ]);
    let _ = std::fs::remove_file(&snap);
    assert_eq!(code, 0, "{err}");
    let kernel = ns.ip_json(&["route", "get", "10.95.0.1", "oif", "va"]);
    assert_eq!(kernel[0]["gateway"], "10.9.0.2", "{kernel}");
    assert_eq!(out, "gateway,dev\n10.9.0.2,va\n", "{err}");
}
