//! The table API: one function per registered table, the table methods (`where`, `select`,
//! `sort`, `group_by`, `join`, `map`, ...), row access (`row.col`, `row["col"]`), iteration and
//! indexing. Every operation is the plain-Rust one from [`crate::query`]; only closures run in
//! Rhai, and `where` closures compile to native predicates when they can.

use std::rc::Rc;
use std::sync::Arc;

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, INT, ImmutableString, Map, NativeCallContext,
    Position,
};

use super::context::Ctx;
use super::ip::RhaiResultOf;
use super::predicate;
use super::types::{Grouping, Row, TableRef, from_dynamic, to_dynamic};
use crate::error::Error;
use crate::model::Table;
use crate::query::{self, Aggregate, JoinKind};
use crate::render::{self, Format, RenderOpts};
use crate::tables::TABLES;

/// A Rhai runtime error with `msg`.
pub fn rt_err<T>(msg: impl Into<String>) -> RhaiResultOf<T> {
    Err(Box::new(EvalAltResult::ErrorRuntime(
        msg.into().into(),
        Position::NONE,
    )))
}

thread_local! {
    /// The catalog of the evaluation running on this thread (set by [`register`]), so that an
    /// unknown column can be explained as one the snapshot being read lacks.
    static CATALOG: std::cell::RefCell<std::rc::Weak<crate::catalog::Catalog>> =
        const { std::cell::RefCell::new(std::rc::Weak::new()) };
}

/// Turns a library result into a Rhai result. A column the snapshot being read lacks (but
/// this netpry's table has) is said to be missing from the snapshot, naming the file.
pub fn rt<T>(r: crate::error::Result<T>) -> RhaiResultOf<T> {
    r.or_else(|e| {
        let missing = match &e {
            Error::UnknownColumn { table, column, .. } => CATALOG
                .with(|c| c.borrow().upgrade())
                .and_then(|cat| cat.missing_column(table, column)),
            _ => None,
        };
        rt_err(missing.unwrap_or_else(|| e.to_string()))
    })
}

fn wrap(r: crate::error::Result<Table>) -> RhaiResultOf<TableRef> {
    rt(r).map(TableRef::new)
}

/// [`wrap`] for a table whose columns the script chose (`select`): shown with those columns,
/// never replaced by a default view.
pub fn chosen(r: crate::error::Result<Table>) -> RhaiResultOf<TableRef> {
    rt(r).map(|t| {
        render::fit::mark_chosen(&t);
        TableRef::new(t)
    })
}

/// Column names from a script value: one string or an array of strings.
fn names(what: &str, cols: &Array) -> RhaiResultOf<Vec<String>> {
    cols.iter()
        .map(|c| {
            c.clone()
                .into_string()
                .or_else(|t| rt_err(format!("{what}: column names must be strings, not {t}")))
        })
        .collect()
}

/// Column names given as strings, each of which may list several separated by commas
/// (`"local_port, process"`): a column name never holds a comma.
fn split_names<'a>(given: &[&'a str]) -> Vec<&'a str> {
    given
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Renders `t` to text with `opts`.
pub fn render_text(t: &Table, opts: &RenderOpts) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = render::render(t, opts, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Reads cell `col` of `row` as a Rhai value; an unknown column names the valid ones, a column
/// the snapshot being read lacks says so.
fn cell(ctx: &Ctx, row: &Row, col: &str) -> RhaiResultOf<Dynamic> {
    if let Some(i) = row.table.column_index(col) {
        return Ok(to_dynamic(&row.table.cell(row.index, i)));
    }
    if let Some(why) = ctx.catalog.missing_column(row.table.name(), col) {
        return rt_err(why);
    }
    if registry_column(row.table.name(), col) {
        return rt_err(format!(
            "column '{col}' is not in this {} table: it was left out by a select, or not \
             collected because the script names it only at run time (netpry collects the \
             columns it sees named); name it directly, e.g. row.{col}",
            row.table.name()
        ));
    }
    rt(Err(query::unknown_column(&row.table, col)))
}

/// Whether `col` is a column of the registry table `table` (so missing only because the
/// collection left it out).
fn registry_column(table: &str, col: &str) -> bool {
    crate::tables::lookup(table).is_ok_and(|d| (d.columns)().iter().any(|c| c.name == col))
}

/// Registers the table functions and every method.
pub fn register(engine: &mut Engine, ctx: &Rc<Ctx>) {
    CATALOG.with(|c| *c.borrow_mut() = Rc::downgrade(&ctx.catalog));
    engine.register_type_with_name::<TableRef>("Table");
    engine.register_type_with_name::<Row>("Row");
    engine.register_type_with_name::<Grouping>("Grouping");
    engine.register_iterator::<TableRef>();
    register_tables(engine, ctx);
    register_rows(engine, ctx);
    register_methods(engine, ctx);
    register_grouping(engine);
    register_aggregates(engine);
    register_output(engine, ctx);
}

fn register_tables(engine: &mut Engine, ctx: &Rc<Ctx>) {
    for def in TABLES {
        let c = Rc::clone(ctx);
        engine.register_fn(def.name, move || -> RhaiResultOf<TableRef> {
            rt(c.table(def.name)).map(TableRef)
        });
    }
    let c = Rc::clone(ctx);
    engine.register_fn("table", move |name: &str| -> RhaiResultOf<TableRef> {
        rt(c.table(name)).map(TableRef)
    });
}

fn register_rows(engine: &mut Engine, ctx: &Rc<Ctx>) {
    // A getter per registered column name: `row.state` looks the name up in the row's table.
    let mut seen = std::collections::HashSet::new();
    for def in TABLES {
        for col in (def.columns)() {
            if seen.insert(col.name.as_ref()) {
                let name: &'static str = match &col.name {
                    std::borrow::Cow::Borrowed(s) => s,
                    std::borrow::Cow::Owned(_) => continue,
                };
                let c = Rc::clone(ctx);
                engine.register_get(name, move |r: &mut Row| cell(&c, r, name));
            }
        }
    }
    // Any other column (computed ones too), and `row["col"]`; Rhai also falls back to this
    // indexer for `row.col` when no getter has that name.
    let c = Rc::clone(ctx);
    engine.register_indexer_get(move |r: &mut Row, col: &str| cell(&c, r, col));
    engine.register_fn("to_map", |r: &mut Row| -> Map {
        r.table
            .columns()
            .iter()
            .zip(r.cells())
            .map(|(c, v)| (c.name.as_ref().into(), to_dynamic(&v)))
            .collect()
    });
    engine.register_fn("columns", |r: &mut Row| -> Array {
        r.table
            .columns()
            .iter()
            .map(|c| Dynamic::from(ImmutableString::from(c.name.as_ref())))
            .collect()
    });
    let row_text = |r: &mut Row| -> String {
        let parts: Vec<String> = r
            .table
            .columns()
            .iter()
            .zip(r.cells())
            .map(|(c, v)| format!("{}: {v}", c.name))
            .collect();
        format!("#{{{}}}", parts.join(", "))
    };
    engine.register_fn("to_string", row_text);
    engine.register_fn("to_debug", row_text);
}

fn register_methods(engine: &mut Engine, ctx: &Rc<Ctx>) {
    let c = Rc::clone(ctx);
    engine.register_fn(
        "where",
        move |nc: NativeCallContext, t: &mut TableRef, f: FnPtr| where_(&nc, &c, t, &f),
    );
    engine.register_fn(
        "select",
        |t: &mut TableRef, cols: Array| -> RhaiResultOf<TableRef> {
            chosen(query::select(&t.0, &names("select", &cols)?))
        },
    );
    // `select("a")`, `select("a, b")` and `select("a", "b", ...)` as well as the array form.
    engine.register_fn("select", |t: &mut TableRef, a: &str| {
        chosen(query::select(&t.0, &split_names(&[a])))
    });
    engine.register_fn("select", |t: &mut TableRef, a: &str, b: &str| {
        chosen(query::select(&t.0, &split_names(&[a, b])))
    });
    engine.register_fn("select", |t: &mut TableRef, a: &str, b: &str, c: &str| {
        chosen(query::select(&t.0, &split_names(&[a, b, c])))
    });
    engine.register_fn(
        "select",
        |t: &mut TableRef, a: &str, b: &str, c: &str, d: &str| {
            chosen(query::select(&t.0, &split_names(&[a, b, c, d])))
        },
    );
    engine.register_fn(
        "select",
        |t: &mut TableRef, a: &str, b: &str, c: &str, d: &str, e: &str| {
            chosen(query::select(&t.0, &split_names(&[a, b, c, d, e])))
        },
    );
    for (name, desc) in [("sort", false), ("sort_desc", true)] {
        engine.register_fn(name, move |t: &mut TableRef, col: &str| {
            wrap(query::sort(&t.0, &[col], desc))
        });
        engine.register_fn(
            name,
            move |t: &mut TableRef, cols: Array| -> RhaiResultOf<TableRef> {
                wrap(query::sort(&t.0, &names(name, &cols)?, desc))
            },
        );
    }
    engine.register_fn(
        "limit",
        |t: &mut TableRef, n: INT| -> RhaiResultOf<TableRef> {
            match usize::try_from(n) {
                Ok(n) => Ok(TableRef::new(query::limit(&t.0, n))),
                Err(_) => rt_err(format!(
                    "limit: the row count must not be negative, got {n}"
                )),
            }
        },
    );
    engine.register_fn("count", |t: &mut TableRef| t.0.len() as INT);
    engine.register_fn("len", |t: &mut TableRef| t.0.len() as INT);
    engine.register_fn("is_empty", |t: &mut TableRef| t.0.is_empty());
    engine.register_fn("first", |t: &mut TableRef| -> Dynamic {
        if t.0.is_empty() {
            Dynamic::UNIT
        } else {
            Dynamic::from(Row {
                table: Arc::clone(&t.0),
                index: 0,
            })
        }
    });
    engine.register_indexer_get(|t: &mut TableRef, i: INT| -> RhaiResultOf<Row> {
        let len = t.0.len();
        // Negative indexes count from the end, as with Rhai arrays.
        let idx = if i < 0 {
            len.checked_sub(i.unsigned_abs() as usize)
        } else {
            Some(i as usize)
        };
        match idx.filter(|&i| i < len) {
            Some(index) => Ok(Row {
                table: Arc::clone(&t.0),
                index,
            }),
            None => rt_err(format!(
                "row index {i} out of range: {} has {len} rows",
                t.0.name()
            )),
        }
    });
    engine.register_fn(
        "column",
        |t: &mut TableRef, col: &str| -> RhaiResultOf<Array> {
            let i = rt(query::column_index(&t.0, col))?;
            Ok(t.0.rows().map(|r| to_dynamic(&r[i])).collect())
        },
    );
    engine.register_fn("columns", |t: &mut TableRef| -> Array {
        t.0.columns()
            .iter()
            .map(|c| Dynamic::from(ImmutableString::from(c.name.as_ref())))
            .collect()
    });
    engine.register_fn("distinct", |t: &mut TableRef, col: &str| {
        wrap(query::distinct(&t.0, col))
    });
    engine.register_fn(
        "group_by",
        |t: &mut TableRef, col: &str| -> RhaiResultOf<Grouping> {
            grouping(t, vec![col.to_string()])
        },
    );
    engine.register_fn(
        "group_by",
        |t: &mut TableRef, cols: Array| -> RhaiResultOf<Grouping> {
            let keys = names("group_by", &cols)?;
            if keys.is_empty() {
                return rt_err("group_by: name at least one column");
            }
            grouping(t, keys)
        },
    );
    for (name, kind) in [("join", JoinKind::Inner), ("left_join", JoinKind::Left)] {
        engine.register_fn(name, move |t: &mut TableRef, other: TableRef, col: &str| {
            join(name, t, &other, col, col, kind)
        });
        engine.register_fn(
            name,
            move |t: &mut TableRef, other: TableRef, left: &str, right: &str| {
                join(name, t, &other, left, right, kind)
            },
        );
    }
    engine.register_fn("join_conntrack", |t: &mut TableRef, ct: TableRef| {
        wrap(query::join_conntrack(&t.0, &ct.0))
    });
    let c = Rc::clone(ctx);
    engine.register_fn(
        "map",
        move |nc: NativeCallContext, t: &mut TableRef, f: FnPtr| map(&nc, &c, t, &f),
    );
}

/// A grouping of `t` by `keys`, the names checked now so that a typo is reported where it is.
fn grouping(t: &TableRef, keys: Vec<String>) -> RhaiResultOf<Grouping> {
    for k in &keys {
        rt(query::column_index(&t.0, k))?;
    }
    Ok(Grouping {
        table: Arc::clone(&t.0),
        keys,
    })
}

fn register_aggregates(engine: &mut Engine) {
    let value = |v: crate::error::Result<crate::model::Value>| rt(v).map(|v| to_dynamic(&v));
    engine.register_fn("sum", move |t: &mut TableRef, col: &str| {
        value(query::aggregate(&t.0, Aggregate::Sum(col)))
    });
    engine.register_fn("min", move |t: &mut TableRef, col: &str| {
        value(query::aggregate(&t.0, Aggregate::Min(col)))
    });
    engine.register_fn("max", move |t: &mut TableRef, col: &str| {
        value(query::aggregate(&t.0, Aggregate::Max(col)))
    });
    engine.register_fn("avg", move |t: &mut TableRef, col: &str| {
        value(query::average(&t.0, col))
    });
    // The same over an array (`t.column("recv_q").sum()`): nulls skipped, null when empty.
    let cells = |a: &Array| -> Vec<crate::model::Value> {
        a.iter()
            .map(from_dynamic)
            .filter(|v| !v.is_null())
            .collect()
    };
    engine.register_fn("sum", move |a: &mut Array| -> RhaiResultOf<Dynamic> {
        let mut acc: Option<crate::model::Value> = None;
        for v in cells(a) {
            acc = Some(match (acc, &v) {
                (None, crate::model::Value::Int(_) | crate::model::Value::Float(_)) => v,
                (Some(crate::model::Value::Int(x)), crate::model::Value::Int(y)) => {
                    crate::model::Value::Int(x.saturating_add(*y))
                }
                (Some(x), y) => match (x.as_float(), y.as_float()) {
                    (Some(x), Some(y)) => crate::model::Value::Float(x + y),
                    _ => return rt_err(format!("sum: {y} is not a number")),
                },
                (None, y) => return rt_err(format!("sum: {y} is not a number")),
            });
        }
        Ok(acc.map_or(Dynamic::UNIT, |v| to_dynamic(&v)))
    });
    engine.register_fn("min", move |a: &mut Array| {
        cells(a)
            .into_iter()
            .min()
            .map_or(Dynamic::UNIT, |v| to_dynamic(&v))
    });
    engine.register_fn("max", move |a: &mut Array| {
        cells(a)
            .into_iter()
            .max()
            .map_or(Dynamic::UNIT, |v| to_dynamic(&v))
    });
}

fn register_grouping(engine: &mut Engine) {
    let agg = |g: &Grouping, a: Aggregate<'_>| wrap(query::group_by(&g.table, &g.keys, a));
    engine.register_fn("count", move |g: &mut Grouping| agg(g, Aggregate::Count));
    engine.register_fn("sum", move |g: &mut Grouping, col: &str| {
        agg(g, Aggregate::Sum(col))
    });
    engine.register_fn("min", move |g: &mut Grouping, col: &str| {
        agg(g, Aggregate::Min(col))
    });
    engine.register_fn("max", move |g: &mut Grouping, col: &str| {
        agg(g, Aggregate::Max(col))
    });
}

fn register_output(engine: &mut Engine, ctx: &Rc<Ctx>) {
    let text = |t: &Table, format: Format| {
        render_text(
            t,
            &RenderOpts {
                format,
                width: None,
                all: true,
            },
        )
    };
    engine.register_fn("to_json", move |t: &mut TableRef| text(&t.0, Format::Json));
    engine.register_fn("to_csv", move |t: &mut TableRef| text(&t.0, Format::Csv));
    engine.register_fn("to_string", move |t: &mut TableRef| {
        text(&t.0, Format::Table)
    });
    engine.register_fn("to_debug", move |t: &mut TableRef| {
        text(&t.0, Format::Table)
    });
    let c = Rc::clone(ctx);
    engine.register_fn("show", move |t: &mut TableRef| -> RhaiResultOf<()> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let done = render::render(&t.0, &c.render, &mut out)
            .and_then(|()| out.flush().map_err(Error::Output));
        match done {
            Ok(()) => Ok(()),
            Err(e) if e.is_broken_pipe() => Err(Box::new(EvalAltResult::ErrorTerminated(
                super::BROKEN_PIPE.into(),
                Position::NONE,
            ))),
            Err(e) => rt_err(e.to_string()),
        }
    });
}

/// `join`/`left_join`: the result's size is known before any row is made, and a join that would
/// not fit in the memory limit (a self-join on a column with few values: rows × rows) stops
/// the script at once instead of asking for gigabytes.
fn join(
    name: &str,
    t: &TableRef,
    other: &TableRef,
    left: &str,
    right: &str,
    kind: JoinKind,
) -> RhaiResultOf<TableRef> {
    let plan = rt(query::JoinPlan::new(&t.0, &other.0, left, right, kind))?;
    super::engine::ensure_fits(
        &format!("this {name} ({} rows)", plan.rows()),
        plan.estimated_bytes(),
    )?;
    Ok(TableRef::new(plan.build()))
}

/// `table.where(|row| ...)`: native when the closure compiles, else one closure call per row.
pub(super) fn where_(
    nc: &NativeCallContext,
    ctx: &Ctx,
    t: &TableRef,
    f: &FnPtr,
) -> RhaiResultOf<TableRef> {
    // A condition that can never hold is an error, not an empty answer.
    if let Some(c) = ctx.closures.borrow().get(f.fn_name()) {
        if let Err(msg) = super::check::check_filter(c, f.curry(), &t.0) {
            return rt_err(format!("where: {msg}"));
        }
    }
    if ctx.native_predicates {
        let compiled = ctx
            .closures
            .borrow()
            .get(f.fn_name())
            .and_then(|c| predicate::compile(c, f.curry(), &t.0));
        if let Some(p) = compiled {
            let mut cols = Vec::new();
            p.columns(&mut cols);
            return Ok(TableRef::new(query::filter_columns(&t.0, &cols, |row| {
                p.eval(row)
            })));
        }
    }
    let mut keep = Vec::new();
    let (param, reads) = row_reads(ctx, f);
    for index in 0..t.0.len() {
        let row = Dynamic::from(Row {
            table: Arc::clone(&t.0),
            index,
        });
        let r = f
            .call_raw(nc, None, [row])
            .map_err(|e| super::diag::in_row(e, &t.0, index, &param, &reads))?;
        match r.as_bool() {
            Ok(true) => keep.push(index),
            Ok(false) => {}
            Err(_) if r.is_unit() => {}
            Err(ty) => {
                return rt_err(format!(
                    "where: the condition must give true or false, not {} (row {} of {})",
                    super::diag::user_type(ty),
                    index + 1,
                    t.0.name()
                ));
            }
        }
    }
    Ok(TableRef::new(query::take_rows(&t.0, &keep)))
}

/// The name of `f`'s row parameter and the columns it reads of it (for run-time errors).
fn row_reads(ctx: &Ctx, f: &FnPtr) -> (String, Vec<String>) {
    ctx.closures
        .borrow()
        .get(f.fn_name())
        .map(|c| {
            let param = c.params.last().cloned().unwrap_or_else(|| "row".into());
            (param, c.reads.clone())
        })
        .unwrap_or_else(|| ("row".into(), Vec::new()))
}

/// `table.map(|row| #{...})`: a new table with one row per row, columns in the order the map
/// literal the closure ends with names them (it may compute values in statements before it).
fn map(nc: &NativeCallContext, ctx: &Ctx, t: &TableRef, f: &FnPtr) -> RhaiResultOf<Dynamic> {
    let mut columns: Vec<String> = ctx
        .closures
        .borrow()
        .get(f.fn_name())
        .map(|c| c.result_keys.clone())
        .unwrap_or_default();
    let (param, reads) = row_reads(ctx, f);
    let mut maps = Vec::with_capacity(t.0.len());
    // A closure giving something other than a map (a string, a number...): one value a row.
    let mut scalars: Array = Vec::new();
    for index in 0..t.0.len() {
        let row = Dynamic::from(Row {
            table: Arc::clone(&t.0),
            index,
        });
        let r = f
            .call_raw(nc, None, [row])
            .map_err(|e| super::diag::in_row(e, &t.0, index, &param, &reads))?;
        let m = match r.try_cast_result::<Map>() {
            Ok(m) if scalars.is_empty() => m,
            Err(r) if maps.is_empty() => {
                scalars.push(r);
                continue;
            }
            Ok(_) | Err(_) => {
                return rt_err(format!(
                    "map: the function gave an object map for some rows and a single value for \
                     others (row {} of {}): give #{{...}} for every row, or a value for every row",
                    index + 1,
                    t.0.name()
                ));
            }
        };
        for k in super::order::ordered_keys(&m) {
            if !columns.contains(&k) {
                columns.push(k);
            }
        }
        maps.push(m);
    }
    if !scalars.is_empty() {
        return Ok(Dynamic::from_array(scalars));
    }
    let rows = maps
        .iter()
        .map(|m| {
            columns
                .iter()
                .map(|c| {
                    m.get(c.as_str())
                        .map_or(crate::model::Value::Null, from_dynamic)
                })
                .collect()
        })
        .collect();
    Ok(Dynamic::from(TableRef::new(query::from_rows(
        t.0.name(),
        &columns,
        rows,
    ))))
}
