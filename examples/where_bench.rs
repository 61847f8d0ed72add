//! Measures a script `where` over a synthetic 100,000-row sockets table (the speed target:
//! under 100 ms in a release build): the native predicate path, the Rhai closure path, and a
//! closure that cannot compile natively.
//!
//! Run: `cargo run --release --example where_bench [ROWS]`

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use netpry::catalog::Catalog;
use netpry::model::{Column, Table, Type, Value};
use netpry::render::RenderOpts;
use netpry::script::{Output, Script, Settings, run};
use netpry::snapshot::{Snapshot, SnapshotInfo};

fn synthetic(rows: usize) -> Table {
    let cols = vec![
        Column::new("proto", Type::Str, "p"),
        Column::new("state", Type::Str, "s"),
        Column::new("local_addr", Type::Ip, "la"),
        Column::new("local_port", Type::Int, "lp"),
        Column::new("remote_addr", Type::Ip, "ra"),
        Column::new("remote_port", Type::Int, "rp"),
        Column::new("uid", Type::Int, "u"),
        Column::new("inode", Type::Int, "i"),
        Column::new("recv_q", Type::Int, "r"),
        Column::new("send_q", Type::Int, "s"),
        Column::new("rtt_ms", Type::Float, "t"),
    ];
    let states = [
        Value::str("ESTAB"),
        Value::str("TIME-WAIT"),
        Value::str("LISTEN"),
        Value::str("CLOSE-WAIT"),
    ];
    let tcp = Value::str("tcp");
    let mut t = Table::with_capacity("sockets", cols, rows);
    for i in 0..rows {
        let n = i as u32;
        t.push([
            tcp.clone(),
            states[i % 4].clone(),
            Value::Ip(std::net::Ipv4Addr::from(0x0a00_0000 | (n & 0xffff)).into()),
            Value::Int((i % 60_000) as i64 + 1),
            Value::Ip(std::net::Ipv4Addr::from(0xc0a8_0000 | (n.wrapping_mul(7) & 0xffff)).into()),
            Value::Int(if i % 3 == 0 { 443 } else { 8080 }),
            Value::Int(1000),
            Value::Int(i as i64),
            Value::Int(0),
            Value::Int((i % 100) as i64),
            Value::Float(i as f64 / 1000.0),
        ]);
    }
    t
}

fn time(label: &str, cat: &Rc<Catalog>, src: &str, native: bool) {
    let settings = Settings {
        render: RenderOpts::default(),
        native_predicates: native,
    };
    // Warm up once (table lookup, allocator), then take the best of five.
    let mut best = f64::MAX;
    let mut result = String::new();
    for _ in 0..6 {
        let start = Instant::now();
        let out = run(
            &Script {
                name: "<bench>",
                source: src,
                args: &[],
            },
            Rc::clone(cat),
            settings,
        );
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        best = best.min(ms);
        result = match out {
            Ok(Output::Value { text, .. }) => text.trim().to_string(),
            other => format!("{other:?}"),
        };
    }
    println!("{label:<34} {best:8.1} ms  (rows kept: {result})");
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut tables = BTreeMap::new();
    tables.insert("sockets".to_string(), Arc::new(synthetic(rows)));
    let info = SnapshotInfo {
        host: "bench".into(),
        kernel: "".into(),
        time: "".into(),
    };
    let cat = Rc::new(Catalog::from_snapshot(Snapshot {
        info,
        tables,
        errors: BTreeMap::new(),
    }));
    println!("where over {rows} rows (whole script: engine, compile, filter, count)");
    let simple = r#"sockets().where(|s| (s.state == "ESTAB" && s.remote_port == 443) || s.local_port < 1024).count()"#;
    time("native predicate", &cat, simple, true);
    time("same closure run by Rhai", &cat, simple, false);
    let cidr =
        r#"sockets().where(|s| s.remote_addr in "192.168.0.0/20" && s.rtt_ms > 10.0).count()"#;
    time("native, CIDR and float", &cat, cidr, true);
    let complex = r#"sockets().where(|s| s.local_port % 1000 == 1 || s.state.len() == 6).count()"#;
    time("closure not compilable (Rhai)", &cat, complex, true);
    time(
        "Rhai closure returning true",
        &cat,
        "sockets().where(|s| true).count()",
        false,
    );
    time(
        "empty script (engine overhead)",
        &cat,
        "sockets().count()",
        true,
    );
}
