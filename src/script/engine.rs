//! The sandboxed engine: Rhai's standard library plus the netpry API, and nothing that
//! reaches outside: no module loading (a dummy resolver), no `eval`, bounded operations,
//! call depth, string, array and map sizes, and Ctrl-C polled between operations.

use std::io::Write;
use std::rc::Rc;

use rhai::module_resolvers::DummyModuleResolver;
use rhai::{Dynamic, Engine};

use super::context::Ctx;

/// The sandbox limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Operations per evaluation (a 100k-row `where` through Rhai takes a few million).
    pub operations: u64,
    /// Nested function calls.
    pub call_levels: usize,
    /// Expression nesting depth (global, inside functions).
    pub expr_depths: (usize, usize),
    /// Bytes in one string.
    pub string_size: usize,
    /// Elements in one array.
    pub array_size: usize,
    /// Entries in one object map.
    pub map_size: usize,
}

impl Limits {
    /// The limits every script runs with.
    pub const DEFAULT: Limits = Limits {
        operations: 50_000_000,
        call_levels: 64,
        expr_depths: (128, 64),
        string_size: 64 << 20,
        array_size: 10_000_000,
        map_size: 100_000,
    };
}

/// Builds the engine for one evaluation sharing `ctx`.
pub fn build(ctx: &Rc<Ctx>) -> Engine {
    let mut engine = Engine::new();
    let l = Limits::DEFAULT;
    engine
        .set_module_resolver(DummyModuleResolver::new())
        .disable_symbol("eval")
        .set_max_operations(l.operations)
        .set_max_call_levels(l.call_levels)
        .set_max_expr_depths(l.expr_depths.0, l.expr_depths.1)
        .set_max_string_size(l.string_size)
        .set_max_array_size(l.array_size)
        .set_max_map_size(l.map_size);
    engine
        .on_progress(|_| super::interrupt::requested().then(|| Dynamic::from(super::INTERRUPTED)));
    // A closed stdout is not an error for print (the reader has gone).
    engine.on_print(|s| {
        let _ = writeln!(std::io::stdout().lock(), "{s}");
    });
    engine.on_debug(|s, _, pos| {
        let _ = writeln!(std::io::stderr().lock(), "debug {pos}: {s}");
    });
    super::ip::register(&mut engine);
    super::api::register(&mut engine, ctx);
    super::helpers::register(&mut engine, ctx);
    engine
}
