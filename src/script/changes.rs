//! Change over time from scripts: `changes(old, new)` compares two tables with the engine of
//! `netpry watch` and `netpry diff` ([`crate::query::change`]) and returns a table of changes;
//! `fresh(name)` collects a table again within one evaluation (where `sockets()` and the
//! others are collected once), so a script can sleep and compare.

use std::rc::Rc;

use rhai::{Engine, FLOAT, INT};

use super::api::{rt, rt_err};
use super::context::Ctx;
use super::ip::RhaiResultOf;
use super::types::TableRef;
use crate::query::change::{ChangeSpec, changes, to_table};
use crate::tables::Request;

/// Registers `changes` and `fresh`.
pub fn register(engine: &mut Engine, ctx: &Rc<Ctx>) {
    engine.register_fn("changes", |old: TableRef, new: TableRef| {
        diff(&old, &new, None)
    });
    engine.register_fn("changes", |old: TableRef, new: TableRef, secs: FLOAT| {
        diff(&old, &new, Some(secs))
    });
    engine.register_fn("changes", |old: TableRef, new: TableRef, secs: INT| {
        diff(&old, &new, Some(secs as FLOAT))
    });
    let c = Rc::clone(ctx);
    engine.register_fn("fresh", move |name: &str| -> RhaiResultOf<TableRef> {
        // From a snapshot there is nothing newer: the snapshot's table.
        if c.catalog.snapshot_info().is_some() {
            return rt(c.catalog.table(name)).map(TableRef);
        }
        rt(c.catalog.collect(name, &Request::default())).map(TableRef::new)
    });
}

fn diff(old: &TableRef, new: &TableRef, secs: Option<FLOAT>) -> RhaiResultOf<TableRef> {
    if let Some(s) = secs {
        if !(s > 0.0 && s.is_finite()) {
            return rt_err(format!("changes: seconds must be more than 0, got {s}"));
        }
    }
    let spec = ChangeSpec::for_table(&new.0);
    let ch = changes(&old.0, &new.0, &spec, secs);
    Ok(TableRef::new(to_table(&old.0, &new.0, &ch, secs)))
}
