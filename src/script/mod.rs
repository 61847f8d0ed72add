//! Rhai scripting over the tables: `netpry -e`, script files and saved scripts.
//!
//! One evaluation builds a sandboxed engine ([`engine`]) around a [`context::Ctx`] that
//! collects each table at most once, on first use. Tables are [`types::TableRef`]s and rows
//! are [`types::Row`]s (a shared table and an index), so a 100,000-row filter never builds
//! object maps; `where` closures of the common forms are compiled to native predicates
//! ([`predicate`]). Errors come back as [`Error::Script`] with the location and a caret
//! excerpt ([`diag`]).

mod agg;
mod api;
mod changes;
mod check;
mod closure;
mod context;
mod diag;
mod engine;
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
pub mod help;
mod helpers;
pub mod saved;
use crate::interrupt;

/// Whether Ctrl-C was pressed since the last script run started (for loops that run scripts
/// repeatedly, such as `netpry watch`).
pub use interrupt::requested as interrupt_requested;
mod ip;
mod memory;
mod nulls;
mod order;
mod plan;
mod predicate;
mod records;
mod regexp;
mod route_get;
mod session;
// Over tests/fixtures/script.json, which the packaged crate leaves out.
#[cfg(all(test, netpry_captures))]
mod tests;
mod types;

use std::rc::Rc;
use std::sync::Arc;

use rhai::{Array, Dynamic, EvalAltResult, Map, Scope};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::model::{Table, Value};
use crate::query;
use crate::render::RenderOpts;

pub use engine::Limits;
pub use session::{ScriptSession, VarShape};

/// The token a script stops with on Ctrl-C (also its message).
pub const INTERRUPTED: &str = "interrupted";
/// The token a script stops with when standard output has been closed.
const BROKEN_PIPE: &str = "broken pipe";

/// A script to run.
#[derive(Debug, Clone, Copy)]
pub struct Script<'a> {
    /// How errors name it: `<expr>`, a file path, or a saved script's name.
    pub name: &'a str,
    /// The Rhai source (a `#!` first line is ignored).
    pub source: &'a str,
    /// The script's arguments (`args` in the script).
    pub args: &'a [String],
}

/// What a script produced.
#[derive(Debug, Clone)]
pub enum Output {
    /// Nothing to print (the script ended with `()`, e.g. after `show()`).
    Nothing,
    /// A table (also a row, a list of rows or maps, a map, or a grouping's count).
    Table(Arc<Table>),
    /// A scalar or a list of scalars.
    Value {
        /// Plain text (one line per element for a list).
        text: String,
        /// The typed JSON form.
        json: serde_json::Value,
    },
    /// The script called `exit_with(code, message)`.
    Exit {
        /// Exit status.
        code: u8,
        /// Message for standard output.
        message: String,
    },
}

/// Evaluation settings that tests may change.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How `show()` renders.
    pub render: RenderOpts,
    /// Compile `where` closures to native predicates when possible.
    pub native_predicates: bool,
}

impl Settings {
    /// The defaults with `render` for `show()`.
    pub fn new(render: RenderOpts) -> Settings {
        Settings {
            render,
            native_predicates: true,
        }
    }
}

/// Runs `script` over `catalog`.
pub fn run(script: &Script<'_>, catalog: Rc<Catalog>, settings: Settings) -> Result<Output> {
    interrupt::arm();
    let source = strip_shebang(script.source);
    let mut ctx = context::Ctx::new(catalog, &source, settings.render);
    ctx.native_predicates = settings.native_predicates;
    let ctx = Rc::new(ctx);
    let engine = engine::build(&ctx);
    let fail = |e: &EvalAltResult| Error::Script {
        message: diag::report(script.name, &source, e),
        code: 1,
    };
    let ast = engine
        .compile(&source)
        .map_err(|e| fail(&EvalAltResult::from(e)))?;
    order::learn(&source, true);
    *ctx.closures.borrow_mut() = closure::closures(&ast);
    *ctx.socket_plan.borrow_mut() = plan::sockets_plan(&ast, &ctx.closures.borrow());
    let mut scope = Scope::new();
    let args: Array = script
        .args
        .iter()
        .map(|a| Dynamic::from(a.clone()))
        .collect();
    scope.push_constant("args", args);
    match engine.eval_ast_with_scope::<Dynamic>(&mut scope, &ast) {
        Ok(d) => Ok(output(d)),
        Err(e) => match terminated(&e) {
            Some(token) => stopped(script.name, token),
            None => Err(fail(&e)),
        },
    }
}

/// The token of a `Terminated` error, however deep in function calls.
fn terminated(mut e: &EvalAltResult) -> Option<&Dynamic> {
    loop {
        match e {
            EvalAltResult::ErrorTerminated(t, _) => return Some(t),
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
            | EvalAltResult::ErrorInModule(_, inner, _) => {
                e = inner;
            }
            _ => return None,
        }
    }
}

fn stopped(name: &str, token: &Dynamic) -> Result<Output> {
    if let Some(x) = token.clone().try_cast::<helpers::ExitRequest>() {
        return if x.to_stdout {
            Ok(Output::Exit {
                code: x.code,
                message: x.message,
            })
        } else {
            Err(Error::Script {
                message: x.message,
                code: x.code,
            })
        };
    }
    let token = token.to_string();
    if token == BROKEN_PIPE {
        return Err(Error::Output(std::io::ErrorKind::BrokenPipe.into()));
    }
    Err(Error::Script {
        message: format!("{name}: {token}"),
        code: 1,
    })
}

/// The source with a `#!` first line turned into a comment (line numbers stay right).
fn strip_shebang(source: &str) -> std::borrow::Cow<'_, str> {
    match source.strip_prefix("#!") {
        Some(rest) => format!("//{rest}").into(),
        None => source.into(),
    }
}

/// Turns the script's value into something to print.
fn output(d: Dynamic) -> Output {
    if d.is_unit() {
        return Output::Nothing;
    }
    if let Some(t) = d.clone().try_cast::<types::TableRef>() {
        return Output::Table(t.0);
    }
    if let Some(r) = d.clone().try_cast::<types::Row>() {
        return Output::Table(Arc::new(query::take_rows(&r.table, &[r.index])));
    }
    if let Some(g) = d.clone().try_cast::<types::Grouping>() {
        if let Ok(t) = query::group_by(&g.table, &g.keys, query::Aggregate::Count) {
            return Output::Table(Arc::new(t));
        }
    }
    if d.is_map() {
        if let Some(t) = records_table(std::slice::from_ref(&d)) {
            return Output::Table(Arc::new(t));
        }
    }
    if let Ok(items) = d.as_array_ref() {
        if !items.is_empty() {
            if let Some(t) = records_table(&items) {
                return Output::Table(Arc::new(t));
            }
        }
        let values: Vec<Value> = items.iter().map(types::from_dynamic).collect();
        let text = values.iter().map(|v| format!("{v}\n")).collect::<String>();
        let json = serde_json::Value::Array(values.iter().map(Value::to_json).collect());
        return Output::Value { text, json };
    }
    let v = types::from_dynamic(&d);
    Output::Value {
        text: format!("{v}\n"),
        json: v.to_json(),
    }
}

/// A table from rows and object maps (columns in first-seen order), or `None` when some item
/// is neither.
pub(crate) fn records_table(items: &[Dynamic]) -> Option<Table> {
    let mut columns: Vec<String> = Vec::new();
    let mut records: Vec<Vec<(String, Value)>> = Vec::with_capacity(items.len());
    let mut name = "result".to_string();
    for item in items {
        let rec: Vec<(String, Value)> = if let Some(r) = item.clone().try_cast::<types::Row>() {
            name = r.table.name().to_string();
            r.table
                .columns()
                .iter()
                .zip(r.cells())
                .map(|(c, v)| (c.name.to_string(), v.clone()))
                .collect()
        } else if let Some(m) = item.clone().try_cast::<Map>() {
            order::ordered_keys(&m)
                .into_iter()
                .map(|k| {
                    let v = types::from_dynamic(&m[k.as_str()]);
                    (k, v)
                })
                .collect()
        } else {
            return None;
        };
        for (k, _) in &rec {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        records.push(rec);
    }
    let rows = records
        .into_iter()
        .map(|rec| {
            columns
                .iter()
                .map(|c| {
                    rec.iter()
                        .find(|(k, _)| k == c)
                        .map_or(Value::Null, |(_, v)| v.clone())
                })
                .collect()
        })
        .collect();
    Some(query::from_rows(&name, &columns, rows))
}
