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

/// Stops the script unless `bytes` more heap keeps it under the memory limit: called before one
/// large allocation (`what` names it, e.g. "this join (4000000 rows)"). The error is the
/// memory limit's, and like it cannot be caught by `try`.
pub fn ensure_fits(what: &str, bytes: usize) -> Result<(), Box<rhai::EvalAltResult>> {
    if super::memory::fits(bytes) {
        return Ok(());
    }
    Err(Box::new(rhai::EvalAltResult::ErrorTerminated(
        Dynamic::from(format!(
            "stopped: {what} would take about {} of memory, over the {} MiB memory limit",
            crate::input::human(bytes as u64),
            Limits::DEFAULT.memory >> 20
        )),
        rhai::Position::NONE,
    )))
}

thread_local! {
    /// The first failed write of `print` or `debug` in this thread's evaluation: the script is
    /// stopped at its next operation.
    static WRITE_FAILED: std::cell::RefCell<Option<std::io::Error>> =
        const { std::cell::RefCell::new(None) };
    /// Whether [`WRITE_FAILED`] holds an error (the cheap test made at every operation).
    static WRITE_FAILED_FLAG: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Records a failed write of `print` or `debug` (the first one is kept).
fn write_failed(result: std::io::Result<()>) {
    if let Err(e) = result {
        WRITE_FAILED.with(|w| {
            w.borrow_mut().get_or_insert(e);
        });
        WRITE_FAILED_FLAG.with(|f| f.set(true));
    }
}

/// The token that stops a script whose `print` or `debug` could not write: a closed pipe stops
/// it quietly (like `head` closing the pipe of any netpry command), another failure is an error.
fn write_failure_token() -> Option<Dynamic> {
    if !WRITE_FAILED_FLAG.with(std::cell::Cell::get) {
        return None;
    }
    WRITE_FAILED_FLAG.with(|f| f.set(false));
    let e = WRITE_FAILED.with(|w| w.borrow_mut().take())?;
    Some(if e.kind() == std::io::ErrorKind::BrokenPipe {
        Dynamic::from(super::BROKEN_PIPE)
    } else {
        Dynamic::from(format!("writing output: {e}"))
    })
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
    super::memory::set_ceiling(ceiling);
    WRITE_FAILED.with(|w| w.borrow_mut().take());
    WRITE_FAILED_FLAG.with(|f| f.set(false));
    engine.on_progress(move |_| {
        if super::interrupt::requested() {
            Some(Dynamic::from(super::INTERRUPTED))
        } else if super::memory::live() > ceiling {
            Some(Dynamic::from(memory_message()))
        } else {
            write_failure_token()
        }
    });
    // A write that fails stops the script at its next operation (quietly for a closed pipe).
    engine.on_print(|s| {
        let mut out = std::io::stdout().lock();
        write_failed(writeln!(out, "{s}").and_then(|()| out.flush()));
    });
    engine.on_debug(|s, _, pos| {
        write_failed(writeln!(std::io::stderr().lock(), "debug {pos}: {s}"));
    });
    register_bounded_fills(&mut engine);
    super::ip::register(&mut engine);
    super::nulls::register(&mut engine);
    super::regexp::register(&mut engine);
    super::api::register(&mut engine, ctx);
    super::agg::register(&mut engine);
    super::help::register(&mut engine);
    super::records::register(&mut engine, ctx);
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

/// The heap a deep copy of `d` takes beyond its own slot: arrays, maps and BLOBs are copied
/// when a value is cloned, strings are shared. Nesting beyond 32 levels is not measured.
fn deep_size(d: &Dynamic, depth: usize) -> usize {
    if depth > 32 {
        return 0;
    }
    let slot = std::mem::size_of::<Dynamic>();
    if let Ok(a) = d.as_array_ref() {
        a.iter()
            .map(|x| slot.saturating_add(deep_size(x, depth + 1)))
            .fold(0, usize::saturating_add)
    } else if let Ok(b) = d.as_blob_ref() {
        b.len()
    } else if let Some(m) = d.read_lock::<rhai::Map>() {
        m.iter()
            .map(|(k, v)| (k.len() + 2 * slot).saturating_add(deep_size(v, depth + 1)))
            .fold(0, usize::saturating_add)
    } else {
        0
    }
}

/// `extra` copies of what `unit` bytes stand for, checked against the memory limit.
fn ensure_fill(what: &str, extra: usize, unit: usize) -> Result<(), Box<rhai::EvalAltResult>> {
    ensure_fits(what, extra.saturating_mul(unit))
}

/// Replaces Rhai's `pad`, `blob` and string `replace` with versions that refuse a length over
/// [`MAX_FILL`] and check the size of their result against the memory limit before making it
/// (a `pad` with an array item copies the item, a `replace` multiplies its replacement).
pub fn register_bounded_fills(engine: &mut Engine) {
    use rhai::{Array, Blob, INT, ImmutableString};
    engine.register_fn(
        "pad",
        |s: &mut ImmutableString, len: INT, c: char| -> Result<(), Box<rhai::EvalAltResult>> {
            let len = check_fill("pad", len)?;
            let have = s.chars().count();
            if have < len {
                ensure_fill("pad", len - have, c.len_utf8())?;
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
                let widest = p.chars().map(char::len_utf8).max().unwrap_or(1);
                ensure_fill("pad", len - have, widest)?;
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
                let unit = std::mem::size_of::<Dynamic>().saturating_add(deep_size(&item, 0));
                ensure_fill("pad", len - a.len(), unit)?;
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
                ensure_fill("pad", len - b.len(), 1)?;
                b.resize(len, (v & 0xff) as u8);
            }
            Ok(())
        },
    );
    engine.register_fn(
        "blob",
        |len: INT| -> Result<Blob, Box<rhai::EvalAltResult>> {
            let len = check_fill("blob", len)?;
            ensure_fill("blob", len, 1)?;
            Ok(vec![0; len])
        },
    );
    engine.register_fn(
        "blob",
        |len: INT, v: INT| -> Result<Blob, Box<rhai::EvalAltResult>> {
            let len = check_fill("blob", len)?;
            ensure_fill("blob", len, 1)?;
            Ok(vec![(v & 0xff) as u8; len])
        },
    );
    engine.register_fn(
        "replace",
        |s: &mut ImmutableString, find: &str, with: &str| replace(s, find, with),
    );
    engine.register_fn(
        "replace",
        |s: &mut ImmutableString, find: &str, with: char| {
            replace(s, find, with.encode_utf8(&mut [0; 4]))
        },
    );
    engine.register_fn(
        "replace",
        |s: &mut ImmutableString, find: char, with: &str| {
            replace(s, find.encode_utf8(&mut [0; 4]), with)
        },
    );
    engine.register_fn(
        "replace",
        |s: &mut ImmutableString, find: char, with: char| {
            replace(
                s,
                find.encode_utf8(&mut [0; 4]),
                with.encode_utf8(&mut [0; 4]),
            )
        },
    );
}

/// `s.replace(find, with)` in place, as Rhai's own, after checking the result's size.
fn replace(
    s: &mut rhai::ImmutableString,
    find: &str,
    with: &str,
) -> Result<(), Box<rhai::EvalAltResult>> {
    let count = s.matches(find).count();
    if count == 0 {
        return Ok(());
    }
    let size = s
        .len()
        .saturating_sub(count.saturating_mul(find.len()))
        .saturating_add(count.saturating_mul(with.len()));
    ensure_fits("replace", size)?;
    *s = s.replace(find, with).into();
    Ok(())
}
