//! Measures snapshot answers at Internet scale: a synthetic snapshot with a full routing table
//! (900,000 IPv4 prefixes by default, plus policy rules), written and read back, indexed for
//! `route_get`, then asked for 100,000 destinations directly and through a script.
//!
//! Run: `cargo run --release --example route_bench [ROUTES] [LOOKUPS]`

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use netpry::catalog::Catalog;
use netpry::model::{Column, Table, Type, Value};
use netpry::query::RouteIndex;
use netpry::render::RenderOpts;
use netpry::script::{Output, Script, Settings, run};
use netpry::snapshot::{Snapshot, SnapshotInfo};
use netpry::tables::records::RouteQuery;

/// A deterministic pseudo-random sequence (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn routes(n: usize) -> Table {
    let cols = vec![
        Column::new("table", Type::Int, ""),
        Column::new("table_name", Type::Str, ""),
        Column::new("family", Type::Str, ""),
        Column::new("type", Type::Str, ""),
        Column::new("dst", Type::Ip, ""),
        Column::new("dst_len", Type::Int, ""),
        Column::new("gateway", Type::Ip, ""),
        Column::new("dev", Type::Str, ""),
        Column::new("oif", Type::Int, ""),
        Column::new("prefsrc", Type::Ip, ""),
        Column::new("metric", Type::Int, ""),
        Column::new("protocol", Type::Str, ""),
        Column::new("scope", Type::Str, ""),
    ];
    let mut t = Table::with_capacity("routes", cols, n + 2);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (main, inet, unicast, bgp, global, dev) = (
        Value::str("main"),
        Value::str("inet"),
        Value::str("unicast"),
        Value::str("bgp"),
        Value::str("global"),
        Value::str("eth0"),
    );
    let gw = Value::Ip(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
    let row = |dst: u32, len: u8| {
        [
            Value::Int(254),
            main.clone(),
            inet.clone(),
            unicast.clone(),
            Value::Ip(IpAddr::V4(Ipv4Addr::from(dst))),
            Value::Int(len.into()),
            gw.clone(),
            dev.clone(),
            Value::Int(2),
            Value::Null,
            Value::Int(20),
            bgp.clone(),
            global.clone(),
        ]
    };
    t.push(row(0, 0));
    for _ in 0..n {
        let len = [16u8, 20, 22, 23, 24, 24, 24][(rng.next() % 7) as usize];
        let dst = (rng.next() as u32) & (u32::MAX << (32 - len));
        t.push(row(dst, len));
    }
    t
}

fn addresses() -> Table {
    let mut t = Table::new(
        "addresses",
        vec![
            Column::new("ifindex", Type::Int, ""),
            Column::new("addr", Type::Ip, ""),
            Column::new("prefix_len", Type::Int, ""),
            Column::new("scope", Type::Str, ""),
            Column::new("flags", Type::Str, ""),
        ],
    );
    t.push([
        Value::Int(2),
        Value::Ip("192.0.2.10".parse().unwrap()),
        Value::Int(24),
        Value::str("global"),
        Value::str("permanent"),
    ]);
    t
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(900_000);
    let lookups: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);

    let mut tables = BTreeMap::new();
    tables.insert("routes".to_string(), Arc::new(routes(n)));
    tables.insert("addresses".to_string(), Arc::new(addresses()));
    let snap = Snapshot {
        info: SnapshotInfo {
            host: "bench".into(),
            kernel: "6.1".into(),
            time: "2026-11-28T00:00:00Z".into(),
        },
        tables,
        errors: BTreeMap::new(),
    };
    let t = Instant::now();
    let mut doc = Vec::new();
    snap.write(&mut doc).unwrap();
    println!(
        "write {} routes: {:.0} ms, {:.1} MB",
        n + 1,
        t.elapsed().as_secs_f64() * 1e3,
        doc.len() as f64 / 1e6
    );
    let t = Instant::now();
    let back = Snapshot::parse(&doc).unwrap();
    println!("parse: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    drop(doc);

    let t = Instant::now();
    let hops = back.tables.get("route_nexthops").map(|t| &**t);
    let index = RouteIndex::new(&back.tables["routes"], hops, None, None);
    println!("index: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut rng = Rng(42);
    let dsts: Vec<IpAddr> = (0..lookups)
        .map(|_| IpAddr::V4(Ipv4Addr::from(rng.next() as u32)))
        .collect();
    let t = Instant::now();
    let found = dsts
        .iter()
        .filter(|&&dst| index.lookup(&RouteQuery::to(dst)).is_some())
        .count();
    let el = t.elapsed().as_secs_f64();
    println!(
        "{lookups} lookups: {:.0} ms ({:.2} µs each, {found} found)",
        el * 1e3,
        el * 1e6 / lookups as f64
    );

    let catalog = Rc::new(Catalog::from_snapshot(back));
    let source = format!(
        "let n = 0; for i in 0..{lookups} {{ let r = route_get(`${{(i*7)%223+1}}.${{i%256}}.${{(i*13)%256}}.1`); if r.dev != () {{ n += 1 }} }} n"
    );
    let t = Instant::now();
    let out = run(
        &Script {
            name: "bench",
            source: &source,
            args: &[],
        },
        catalog,
        Settings::new(RenderOpts::default()),
    );
    let el = t.elapsed().as_secs_f64();
    let n_found = match out {
        Ok(Output::Value { text, .. }) => text,
        other => format!("{other:?}"),
    };
    println!(
        "script with {lookups} route_get calls (index included): {:.0} ms, answered {}",
        el * 1e3,
        n_found.trim()
    );
}
