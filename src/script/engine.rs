//! The sandboxed engine: Rhai's standard library plus the netpry API, and nothing that
//! reaches outside: no module loading (a dummy resolver), no `eval`, bounded operations,
//! call depth and memory (the heap, counted by [`super::memory`]), and Ctrl-C polled between
//! operations. Rhai's own string, array and map size limits are not used: they re-measure a
//! whole array after every `push` (quadratic), so a runaway `loop { a.push(1) }` ran for
//! minutes instead of reaching any limit.

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
    /// Heap bytes a script may add to what the process held when the evaluation began.
    pub memory: usize,
}

impl Limits {
    /// The limits every script runs with.
    pub const DEFAULT: Limits = Limits {
        operations: 50_000_000,
        call_levels: 64,
        expr_depths: (128, 64),
        memory: 512 << 20,
    };
}

/// The message a script stopped for using too much memory gets.
pub fn memory_message() -> String {
    format!(
        "stopped after using more than {} MiB of memory (the limit): is a loop growing an array, map or string without end?",
        Limits::DEFAULT.memory >> 20
    )
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
        .set_max_expr_depths(l.expr_depths.0, l.expr_depths.1);
    let ceiling = super::memory::live().saturating_add(l.memory);
    engine.on_progress(move |_| {
        if super::interrupt::requested() {
            Some(Dynamic::from(super::INTERRUPTED))
        } else if super::memory::live() > ceiling {
            Some(Dynamic::from(memory_message()))
        } else {
            None
        }
    });
    // A closed stdout is not an error for print (the reader has gone).
    engine.on_print(|s| {
        let _ = writeln!(std::io::stdout().lock(), "{s}");
    });
    engine.on_debug(|s, _, pos| {
        let _ = writeln!(std::io::stderr().lock(), "debug {pos}: {s}");
    });
    register_bounded_fills(&mut engine);
    super::ip::register(&mut engine);
    super::api::register(&mut engine, ctx);
    super::helpers::register(&mut engine, ctx);
    super::changes::register(&mut engine, ctx);
    super::diag::learn_functions(&engine);
    engine
}

/// The longest a single `pad` or `blob` call may make a string, array or BLOB: one call must not
/// ask the allocator for more than the memory limit (the heap is checked only between
/// operations, so a single huge request would abort the process instead of stopping the script).
const MAX_FILL: rhai::INT = 16 << 20;

fn check_fill(what: &str, len: rhai::INT) -> Result<usize, Box<rhai::EvalAltResult>> {
    if len > MAX_FILL {
        return Err(format!(
            "{what}: length {len} is over the sandbox limit of {MAX_FILL} (one call may not fill more)"
        )
        .into());
    }
    Ok(usize::try_from(len).unwrap_or(0))
}

/// Replaces Rhai's `pad` and `blob` with versions that refuse a length over [`MAX_FILL`].
pub fn register_bounded_fills(engine: &mut Engine) {
    use rhai::{Array, Blob, INT, ImmutableString};
    engine.register_fn(
        "pad",
        |s: &mut ImmutableString, len: INT, c: char| -> Result<(), Box<rhai::EvalAltResult>> {
            let len = check_fill("pad", len)?;
            let have = s.chars().count();
            if have < len {
                let mut t = s.to_string();
                t.extend(std::iter::repeat_n(c, len - have));
                *s = t.into();
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |s: &mut ImmutableString, len: INT, p: &str| -> Result<(), Box<rhai::EvalAltResult>> {
            let len = check_fill("pad", len)?;
            let have = s.chars().count();
            if have < len && !p.is_empty() {
                let mut t = s.to_string();
                t.extend(p.chars().cycle().take(len - have));
                *s = t.into();
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |a: &mut Array, len: INT, item: Dynamic| -> Result<(), Box<rhai::EvalAltResult>> {
            let len = check_fill("pad", len)?;
            if a.len() < len {
                a.resize(len, item);
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |b: &mut Blob, len: INT, v: INT| -> Result<(), Box<rhai::EvalAltResult>> {
            let len = check_fill("pad", len)?;
            if b.len() < len {
                b.resize(len, (v & 0xff) as u8);
            }
            Ok(())
        },
    );
    engine.register_fn(
        "blob",
        |len: INT| -> Result<Blob, Box<rhai::EvalAltResult>> {
            Ok(vec![0; check_fill("blob", len)?])
        },
    );
    engine.register_fn(
        "blob",
        |len: INT, v: INT| -> Result<Blob, Box<rhai::EvalAltResult>> {
            Ok(vec![(v & 0xff) as u8; check_fill("blob", len)?])
        },
    );
}
