//! Measures what `netpry -e '1'` costs inside the process, per evaluation: building the
//! sandboxed Rhai engine, compiling and running a one-token script, and (for comparison) a
//! bare `rhai::Engine::new()`. Process start-up (exec, dynamic linking) comes on top; the
//! benchmark harness (`benches/compare.py`, group `small`) measures the whole command.
//!
//! Run: `cargo run --release --example startup_bench [ITERATIONS]`

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Instant;

use netpry::catalog::Catalog;
use netpry::render::RenderOpts;
use netpry::script::{Script, Settings, run};
use netpry::snapshot::{Snapshot, SnapshotInfo};

fn per_call(label: &str, n: u32, mut f: impl FnMut()) {
    f(); // warm-up
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{label:<40} {us:9.1} us");
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let cat = Rc::new(Catalog::from_snapshot(Snapshot {
        info: SnapshotInfo {
            host: "bench".into(),
            kernel: String::new(),
            time: String::new(),
        },
        tables: BTreeMap::new(),
        errors: BTreeMap::new(),
    }));
    println!("per evaluation, mean of {n}");
    per_call("rhai::Engine::new()", n, || {
        std::hint::black_box(rhai::Engine::new());
    });
    per_call("rhai::Engine::new_raw()", n, || {
        std::hint::black_box(rhai::Engine::new_raw());
    });
    let settings = Settings::new(RenderOpts::default());
    for src in ["1", "let x = 2; x * 21", "hostname()"] {
        per_call(&format!("script::run({src:?})"), n, || {
            let s = Script {
                name: "<bench>",
                source: src,
                args: &[],
            };
            std::hint::black_box(run(&s, Rc::clone(&cat), settings).ok());
        });
    }
}
