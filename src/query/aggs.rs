//! Several aggregates at once: one row per group (or one row for the whole table) with a
//! column per named aggregate, in the order given: `group_by("state").agg(#{n: count(),
//! q: sum("recv_q")})` in scripts. Groups come out sorted by key, as [`super::group_by`] gives.

use std::collections::BTreeMap;

use super::column_index;
use crate::error::{Error, Result};
use crate::model::{Column, Table, Type, Value};

/// One aggregate of a multi-aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agg {
    /// Number of rows.
    Count,
    /// Sum of a numeric column, nulls skipped (null when every value is null).
    Sum(String),
    /// Smallest non-null value.
    Min(String),
    /// Largest non-null value.
    Max(String),
    /// Mean of the non-null numbers, a float (null when there are none).
    Avg(String),
}

impl Agg {
    /// How scripts write it: `count()`, `sum("recv_q")`, ...
    pub fn describe(&self) -> String {
        match self {
            Agg::Count => "count()".into(),
            Agg::Sum(c) => format!("sum(\"{c}\")"),
            Agg::Min(c) => format!("min(\"{c}\")"),
            Agg::Max(c) => format!("max(\"{c}\")"),
            Agg::Avg(c) => format!("avg(\"{c}\")"),
        }
    }

    fn column(&self) -> Option<&str> {
        match self {
            Agg::Count => None,
            Agg::Sum(c) | Agg::Min(c) | Agg::Max(c) | Agg::Avg(c) => Some(c),
        }
    }
}

/// A running aggregate.
#[derive(Debug, Clone)]
enum Acc {
    Count(i64),
    Value(Value),
    Mean(f64, u64),
}

/// One row per distinct combination of `keys` (sorted), with the keys and then one column per
/// `(name, aggregate)` in the order given. With no keys, one row for the whole table (even an
/// empty one: count 0, the others null).
pub fn group_aggregates<S: AsRef<str>>(
    table: &Table,
    keys: &[S],
    aggs: &[(String, Agg)],
) -> Result<Table> {
    let key_idx: Vec<usize> = keys
        .iter()
        .map(|k| column_index(table, k.as_ref()))
        .collect::<Result<_>>()?;
    let mut targets: Vec<Option<usize>> = Vec::with_capacity(aggs.len());
    let mut schema: Vec<Column> = key_idx
        .iter()
        .map(|&k| table.columns()[k].clone())
        .collect();
    for (name, agg) in aggs {
        if schema.iter().any(|c| c.name == name.as_str()) {
            return Err(Error::Usage(format!(
                "agg: the column '{name}' is named twice (a key column has that name): \
                 call the aggregate something else"
            )));
        }
        let target = match agg.column() {
            Some(c) => Some(column_index(table, c)?),
            None => None,
        };
        let ty = match (agg, target) {
            (Agg::Count, _) => Type::Int,
            (Agg::Avg(_), _) => Type::Float,
            (_, Some(i)) => table.columns()[i].ty,
            (_, None) => Type::Any,
        };
        if let (Agg::Sum(c) | Agg::Avg(c), Some(i)) = (agg, target) {
            let cty = table.columns()[i].ty;
            if !matches!(cty, Type::Int | Type::Float | Type::Any) {
                return Err(Error::Usage(format!(
                    "{}: column '{c}' of {} holds {} values, not numbers",
                    if matches!(agg, Agg::Sum(_)) {
                        "sum"
                    } else {
                        "avg"
                    },
                    table.name(),
                    cty.name()
                )));
            }
        }
        targets.push(target);
        schema.push(Column::computed(name.clone(), ty));
    }
    let fresh = || -> Vec<Acc> {
        aggs.iter()
            .map(|(_, a)| match a {
                Agg::Count => Acc::Count(0),
                Agg::Avg(_) => Acc::Mean(0.0, 0),
                _ => Acc::Value(Value::Null),
            })
            .collect()
    };
    let mut index: BTreeMap<Vec<Value>, usize> = BTreeMap::new();
    let mut accs: Vec<Vec<Acc>> = Vec::new();
    if key_idx.is_empty() {
        index.insert(Vec::new(), 0);
        accs.push(fresh());
    }
    for r in 0..table.len() {
        let g = if key_idx.is_empty() {
            0
        } else {
            let key: Vec<Value> = key_idx.iter().map(|&k| table.cell(r, k)).collect();
            let next = accs.len();
            let g = *index.entry(key).or_insert(next);
            if g == next {
                accs.push(fresh());
            }
            g
        };
        for ((acc, (_, agg)), target) in accs[g].iter_mut().zip(aggs).zip(&targets) {
            let v = target.map(|i| table.cell(r, i));
            let v = v.as_ref();
            step(acc, agg, v)?;
        }
    }
    let mut out = Table::with_capacity(table.name().to_string(), schema, index.len());
    for (key, g) in index {
        let row = std::mem::take(&mut accs[g]);
        out.push(key.into_iter().chain(row.into_iter().map(|a| match a {
            Acc::Count(n) => Value::Int(n),
            Acc::Value(v) => v,
            Acc::Mean(_, 0) => Value::Null,
            Acc::Mean(s, n) => Value::Float(s / n as f64),
        })));
    }
    Ok(out)
}

/// Adds one row's value to a running aggregate.
fn step(acc: &mut Acc, agg: &Agg, v: Option<&Value>) -> Result<()> {
    let not_number = |c: &str, v: &Value| {
        Error::Usage(format!(
            "{}: column '{c}' has a non-number value: {v}",
            agg.describe().split('(').next().unwrap_or("sum")
        ))
    };
    match (acc, agg) {
        (Acc::Count(n), _) => *n += 1,
        (_, _) if v.is_none_or(Value::is_null) => {}
        (Acc::Value(a), Agg::Sum(c)) => {
            let v = v.unwrap_or(&Value::Null);
            *a = match (&*a, v) {
                (Value::Null, Value::Int(_) | Value::Float(_)) => v.clone(),
                (Value::Int(x), Value::Int(y)) => Value::Int(x.saturating_add(*y)),
                (x, Value::Int(_) | Value::Float(_)) => match (x.as_float(), v.as_float()) {
                    (Some(x), Some(y)) => Value::Float(x + y),
                    _ => return Err(not_number(c, v)),
                },
                _ => return Err(not_number(c, v)),
            };
        }
        (Acc::Value(a), Agg::Min(_)) => {
            let v = v.unwrap_or(&Value::Null);
            if a.is_null() || v < a {
                *a = v.clone();
            }
        }
        (Acc::Value(a), Agg::Max(_)) => {
            let v = v.unwrap_or(&Value::Null);
            if a.is_null() || v > a {
                *a = v.clone();
            }
        }
        (Acc::Mean(s, n), Agg::Avg(c)) => {
            let v = v.unwrap_or(&Value::Null);
            match v {
                Value::Int(_) | Value::Float(_) => {
                    *s += v.as_float().unwrap_or(0.0);
                    *n += 1;
                }
                _ => return Err(not_number(c, v)),
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testdata::socks;
    use crate::query::{Aggregate, group_by};

    fn text(t: &Table) -> Vec<String> {
        (0..t.len())
            .map(|r| {
                (0..t.width())
                    .map(|c| t.cell(r, c).to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn several_aggregates_per_group_in_the_order_given() {
        let aggs = vec![
            ("n".to_string(), Agg::Count),
            ("top".to_string(), Agg::Max("local_port".into())),
            ("pids".to_string(), Agg::Sum("pid".into())),
            ("mean".to_string(), Agg::Avg("local_port".into())),
        ];
        let t = group_aggregates(&socks(), &["proto"], &aggs).unwrap();
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["proto", "n", "top", "pids", "mean"]);
        assert_eq!(t.columns()[4].ty, Type::Float);
        assert_eq!(text(&t), ["tcp 3 443 40 162.333", "udp 1 53  53"]);
        // The same figures as the one-aggregate group_by.
        let one = group_by(&socks(), &["proto"], Aggregate::Sum("pid")).unwrap();
        let col: Vec<String> = (0..one.len()).map(|r| one.cell(r, 1).to_string()).collect();
        let mine: Vec<String> = (0..t.len()).map(|r| t.cell(r, 3).to_string()).collect();
        assert_eq!(col, mine);
    }

    #[test]
    fn no_keys_gives_one_row_even_for_an_empty_table() {
        let aggs = vec![
            ("n".to_string(), Agg::Count),
            ("low".to_string(), Agg::Min("remote_addr".into())),
            ("mean".to_string(), Agg::Avg("pid".into())),
        ];
        let none: [&str; 0] = [];
        let t = group_aggregates(&socks(), &none, &aggs).unwrap();
        assert_eq!(text(&t), ["4 10.0.0.9 13.333"]);
        let empty = Table::new("sockets", socks().schema());
        let t = group_aggregates(&empty, &none, &aggs).unwrap();
        assert_eq!(text(&t), ["0  "]);
    }

    #[test]
    fn wrong_columns_and_clashing_names_are_errors() {
        let e = group_aggregates(
            &socks(),
            &["proto"],
            &[("s".into(), Agg::Sum("state".into()))],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "sum: column 'state' of sockets holds str values, not numbers"
        );
        let e = group_aggregates(
            &socks(),
            &["proto"],
            &[("s".into(), Agg::Avg("stat".into()))],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "no column 'stat' in sockets; did you mean 'state'?");
        let e = group_aggregates(&socks(), &["proto"], &[("proto".into(), Agg::Count)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("'proto' is named twice"), "{e}");
    }
}
