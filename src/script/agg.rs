//! Several aggregates per group: `group_by("state").agg(#{n: count(), q: sum("recv_q")})`.
//!
//! Inside the map, `count()`, `sum("col")`, `min("col")`, `max("col")` and `avg("col")` do not
//! run: each gives an aggregate descriptor (the `Aggregate` type), and `agg` computes them all
//! in one pass with [`crate::query::group_aggregates`]. Columns come in the order the map
//! literal wrote them ([`super::order`]). `table.agg(#{...})` gives one row for the whole table.

use rhai::{Dynamic, Engine, Map};

use super::api::{rt, rt_err};
use super::ip::RhaiResultOf;
use super::types::{Grouping, TableRef};
use crate::query::{self, Agg};

/// Registers the aggregate descriptors and `agg`.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Agg>("Aggregate");
    engine.register_fn("count", || Agg::Count);
    engine.register_fn("sum", |c: &str| Agg::Sum(c.to_string()));
    engine.register_fn("min", |c: &str| Agg::Min(c.to_string()));
    engine.register_fn("max", |c: &str| Agg::Max(c.to_string()));
    engine.register_fn("avg", |c: &str| Agg::Avg(c.to_string()));
    engine.register_fn("to_string", |a: &mut Agg| a.describe());
    engine.register_fn("to_debug", |a: &mut Agg| a.describe());
    engine.register_fn(
        "agg",
        |g: &mut Grouping, m: Map| -> RhaiResultOf<TableRef> {
            let aggs = descriptors(&m)?;
            rt(query::group_aggregates(&g.table, &g.keys, &aggs)).map(TableRef::new)
        },
    );
    engine.register_fn(
        "agg",
        |t: &mut TableRef, m: Map| -> RhaiResultOf<TableRef> {
            let aggs = descriptors(&m)?;
            let none: [&str; 0] = [];
            rt(query::group_aggregates(&t.0, &none, &aggs)).map(TableRef::new)
        },
    );
}

/// The `(column name, aggregate)` pairs of `m`, in the order the script wrote them.
fn descriptors(m: &Map) -> RhaiResultOf<Vec<(String, Agg)>> {
    if m.is_empty() {
        return rt_err("agg: name at least one aggregate, e.g. agg(#{n: count()})");
    }
    super::order::ordered_keys(m)
        .into_iter()
        .map(|k| {
            let v: &Dynamic = &m[k.as_str()];
            match v.clone().try_cast::<Agg>() {
                Some(a) => Ok((k, a)),
                None => rt_err(format!(
                    "agg: '{k}' must be an aggregate: count(), sum(\"col\"), min(\"col\"), \
                     max(\"col\") or avg(\"col\"), not {}",
                    super::diag::user_type(v.type_name())
                )),
            }
        })
        .collect()
}
