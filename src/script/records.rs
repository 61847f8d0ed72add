//! Rows and arrays as one-row and many-row tables: `select`, `sort`, `sort_desc`, `where`,
//! `limit` on a row (`route_get("1.1.1.1").select(["dst", "dev"])`) and on an
//! array of rows or object maps (`[#{a: 1}, #{a: 2}].sort_desc("a")`). Each turns its receiver
//! into a table (a row keeps its table's columns; maps give their keys in the order the script
//! wrote them) and runs the table method, so the result is a table with everything a table has.

use std::rc::Rc;

use rhai::{Array, Dynamic, Engine, FnPtr, INT, NativeCallContext};

use super::api::{rt, rt_err};
use super::context::Ctx;
use super::ip::RhaiResultOf;
use super::types::{Row, TableRef};
use crate::query;

/// A row as a one-row table.
fn row_table(r: &Row) -> TableRef {
    TableRef::new(query::take_rows(&r.table, &[r.index]))
}

/// An array of rows or maps as a table; an array of anything else is an error for `what`.
fn array_table(what: &str, a: &Array) -> RhaiResultOf<TableRef> {
    match super::records_table(a) {
        Some(t) => Ok(TableRef::new(t)),
        None => {
            let odd = a
                .iter()
                .find(|d| !d.is_map() && !d.is::<Row>())
                .map_or("()", |d| d.type_name());
            rt_err(format!(
                "{what}: this array holds {} values, not rows or object maps; {what} works on \
                 tables, rows and arrays of them (for plain values use filter, sort or a loop)",
                super::diag::user_type(odd)
            ))
        }
    }
}

/// Registers the table methods on rows and arrays.
pub fn register(engine: &mut Engine, ctx: &Rc<Ctx>) {
    // The receivers: a row, or an array of rows / maps.
    macro_rules! both {
        ($name:expr, |$t:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
            engine.register_fn($name, |r: &mut Row $(, $arg: $ty)*| -> RhaiResultOf<TableRef> {
                let $t = row_table(r);
                $body
            });
            engine.register_fn($name, |a: &mut Array $(, $arg: $ty)*| -> RhaiResultOf<TableRef> {
                let $t = array_table($name, a)?;
                $body
            });
        }};
    }
    both!("select", |t, cols: Array| {
        let names = names("select", &cols)?;
        super::api::chosen(query::select(&t.0, &names))
    });
    both!("select", |t, col: &str| {
        let names: Vec<&str> = col
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        super::api::chosen(query::select(&t.0, &names))
    });
    // A map shown as a table takes `select` too (the footer under it says to use it).
    engine.register_fn(
        "select",
        |m: &mut rhai::Map, cols: Array| -> RhaiResultOf<TableRef> {
            let t = array_table("select", &vec![Dynamic::from_map(m.clone())])?;
            super::api::chosen(query::select(&t.0, &names("select", &cols)?))
        },
    );
    for (name, desc) in [("sort", false), ("sort_desc", true)] {
        engine.register_fn(name, move |r: &mut Row, col: &str| {
            rt(query::sort(&row_table(r).0, &[col], desc)).map(TableRef::new)
        });
        engine.register_fn(
            name,
            move |a: &mut Array, col: &str| -> RhaiResultOf<TableRef> {
                rt(query::sort(&array_table(name, a)?.0, &[col], desc)).map(TableRef::new)
            },
        );
        engine.register_fn(
            name,
            move |r: &mut Row, cols: Array| -> RhaiResultOf<TableRef> {
                let cols = names(name, &cols)?;
                rt(query::sort(&row_table(r).0, &cols, desc)).map(TableRef::new)
            },
        );
        engine.register_fn(
            name,
            move |a: &mut Array, cols: Array| -> RhaiResultOf<TableRef> {
                let cols = names(name, &cols)?;
                rt(query::sort(&array_table(name, a)?.0, &cols, desc)).map(TableRef::new)
            },
        );
    }
    both!("limit", |t, n: INT| {
        match usize::try_from(n) {
            Ok(n) => Ok(TableRef::new(query::limit(&t.0, n))),
            Err(_) => rt_err(format!(
                "limit: the row count must not be negative, got {n}"
            )),
        }
    });
    let c = Rc::clone(ctx);
    engine.register_fn(
        "where",
        move |nc: NativeCallContext, r: &mut Row, f: FnPtr| {
            super::api::where_(&nc, &c, &row_table(r), &f)
        },
    );
    let c = Rc::clone(ctx);
    engine.register_fn(
        "where",
        move |nc: NativeCallContext, a: &mut Array, f: FnPtr| -> RhaiResultOf<TableRef> {
            super::api::where_(&nc, &c, &array_table("where", a)?, &f)
        },
    );
}

/// Column names from an array of strings.
fn names(what: &str, cols: &Array) -> RhaiResultOf<Vec<String>> {
    cols.iter()
        .map(|c: &Dynamic| {
            c.clone().into_string().or_else(|t| {
                rt_err(format!(
                    "{what}: column names must be strings, not {}",
                    super::diag::user_type(t)
                ))
            })
        })
        .collect()
}
