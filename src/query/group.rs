//! Grouping: `distinct` values of a column, and `group_by` one or more key columns with one
//! aggregate (count, sum, min, max). Groups come out sorted by key.

use std::collections::HashMap;
use std::sync::Arc;

use super::column_index;
use crate::error::{Error, Result};
use crate::model::store::CellKey;
use crate::model::{Column, ColumnData, Store, Table, Type, Value, row_id};

/// One aggregate over the rows of each group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate<'a> {
    /// Number of rows: column `count`.
    Count,
    /// Sum of a numeric column, nulls skipped (null for a group of nulls only): column
    /// `sum_COL`.
    Sum(&'a str),
    /// Smallest non-null value: column `min_COL`.
    Min(&'a str),
    /// Largest non-null value: column `max_COL`.
    Max(&'a str),
}

/// The distinct values of `column`, sorted, as a one-column table.
pub fn distinct(table: &Table, column: &str) -> Result<Table> {
    // A group per value, in order, without an aggregate column.
    let t = group_by(table, &[column], Aggregate::Count)?;
    Ok(t.project(&[0]))
}

/// One row per distinct combination of the `keys` columns (sorted, the first key deciding
/// first), with the keys and the aggregate.
pub fn group_by<S: AsRef<str>>(table: &Table, keys: &[S], agg: Aggregate<'_>) -> Result<Table> {
    let keys: Vec<usize> = keys
        .iter()
        .map(|k| column_index(table, k.as_ref()))
        .collect::<Result<_>>()?;
    let (target, name, ty) = match agg {
        Aggregate::Count => (None, "count".to_string(), Type::Int),
        Aggregate::Sum(c) => {
            let i = column_index(table, c)?;
            let ty = table.columns()[i].ty;
            if !matches!(ty, Type::Int | Type::Float | Type::Any) {
                return Err(Error::Usage(format!(
                    "sum: column '{c}' of {} holds {} values, not numbers",
                    table.name(),
                    ty.name()
                )));
            }
            (Some(i), format!("sum_{c}"), ty)
        }
        Aggregate::Min(c) | Aggregate::Max(c) => {
            let i = column_index(table, c)?;
            let prefix = if matches!(agg, Aggregate::Min(_)) {
                "min"
            } else {
                "max"
            };
            (Some(i), format!("{prefix}_{c}"), table.columns()[i].ty)
        }
    };
    // Each group: its first row (which holds its key) and its accumulator. A single key
    // column with a compact store hashes its cells' keys without building values.
    let stores: Vec<&Store> = keys.iter().map(|&k| table.store(k)).collect();
    let mut groups: Vec<(u32, Value)> = Vec::new();
    let mut by_key: HashMap<CellKey, usize> = HashMap::new();
    let mut by_values: HashMap<Vec<Value>, usize> = HashMap::new();
    let single = match stores.as_slice() {
        [s] if s.keyed() => Some(*s),
        _ => None,
    };
    let tstore = target.map(|i| table.store(i));
    for r in 0..table.len() {
        let next = groups.len();
        let g = match single {
            Some(s) => *by_key.entry(s.key(r)).or_insert(next),
            None => *by_values
                .entry(stores.iter().map(|s| s.get(r)).collect())
                .or_insert(next),
        };
        if g == next {
            groups.push((
                row_id(r),
                match agg {
                    Aggregate::Count => Value::Int(0),
                    // A group whose values are all null sums to null, as min and max give.
                    Aggregate::Sum(_) | Aggregate::Min(_) | Aggregate::Max(_) => Value::Null,
                },
            ));
        }
        let acc = &mut groups[g].1;
        if let (Aggregate::Count, Value::Int(n)) = (agg, &*acc) {
            *acc = Value::Int(n + 1);
            continue;
        }
        let v = tstore.map_or(Value::Null, |s| s.get(r));
        *acc = match (agg, &*acc, &v) {
            (_, _, Value::Null) => continue,
            (Aggregate::Sum(c), acc, v) => {
                let zero = if ty == Type::Float {
                    Value::Float(0.0)
                } else {
                    Value::Int(0)
                };
                let acc = if *acc == Value::Null { &zero } else { acc };
                add(acc, v).ok_or_else(|| {
                    Error::Usage(format!("sum: column '{c}' has a non-number value: {v}"))
                })?
            }
            (Aggregate::Min(_), Value::Null, v) | (Aggregate::Max(_), Value::Null, v) => v.clone(),
            (Aggregate::Min(_), a, v) => a.clone().min(v.clone()),
            (Aggregate::Max(_), a, v) => a.clone().max(v.clone()),
            (Aggregate::Count, a, _) => a.clone(),
        };
    }
    // Groups come out sorted by key, the first key deciding first.
    groups.sort_by(|a, b| {
        stores
            .iter()
            .map(|s| s.cmp_rows(a.0 as usize, b.0 as usize))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let reps: Vec<u32> = groups.iter().map(|g| g.0).collect();
    let keyed = table.project(&keys).take(&reps);
    let mut acc = Store::default();
    for (_, a) in groups {
        acc.push(a);
    }
    let mut schema: Vec<Column> = keyed.columns().to_vec();
    schema.push(Column::computed(name, ty));
    let mut data: Vec<Arc<ColumnData>> = (0..keyed.width())
        .map(|c| Arc::clone(keyed.column_data(c)))
        .collect();
    data.push(Arc::new(ColumnData::ready(acc)));
    Ok(Table::from_columns(
        table.name().to_string(),
        schema,
        data,
        reps.len(),
    ))
}

/// One aggregate over the whole table: `count`, or the sum, smallest or largest non-null value
/// of a column (null when every value is null or the table is empty).
pub fn aggregate(table: &Table, agg: Aggregate<'_>) -> Result<Value> {
    let none: [&str; 0] = [];
    let t = group_by(table, &none, agg)?;
    Ok(match (t.is_empty(), agg) {
        (false, _) => t.cell(0, 0),
        (true, Aggregate::Count) => Value::Int(0),
        (true, _) => Value::Null,
    })
}

/// The mean of the non-null values of a numeric column, as a float (null when there are
/// none).
pub fn average(table: &Table, column: &str) -> Result<Value> {
    let sum = aggregate(table, Aggregate::Sum(column))?;
    let c = column_index(table, column)?;
    let s = table.store(c);
    let n = (0..table.len()).filter(|&r| !s.is_null(r)).count();
    Ok(match sum {
        Value::Int(s) if n > 0 => Value::Float(s as f64 / n as f64),
        Value::Float(s) if n > 0 => Value::Float(s / n as f64),
        _ => Value::Null,
    })
}

/// `a + b` for numbers (integers saturate; a float on either side makes a float).
fn add(a: &Value, b: &Value) -> Option<Value> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x.saturating_add(*y)),
        (Value::Int(x), Value::Float(y)) => Value::Float(*x as f64 + y),
        (Value::Float(x), Value::Int(y)) => Value::Float(x + *y as f64),
        (Value::Float(x), Value::Float(y)) => Value::Float(x + y),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testdata::socks;

    #[test]
    fn whole_table_aggregates() {
        let t = socks();
        assert_eq!(
            aggregate(&t, Aggregate::Count).unwrap(),
            Value::Int(t.len() as i64)
        );
        let pids: Vec<i64> = t.rows().filter_map(|r| r[4].as_int()).collect();
        assert_eq!(
            aggregate(&t, Aggregate::Sum("pid")).unwrap(),
            Value::Int(pids.iter().sum())
        );
        assert_eq!(
            aggregate(&t, Aggregate::Max("pid")).unwrap(),
            Value::Int(*pids.iter().max().unwrap())
        );
        assert_eq!(
            average(&t, "pid").unwrap(),
            Value::Float(pids.iter().sum::<i64>() as f64 / pids.len() as f64)
        );
        let empty = Table::new("sockets", t.schema());
        assert_eq!(
            aggregate(&empty, Aggregate::Sum("pid")).unwrap(),
            Value::Null
        );
        assert_eq!(aggregate(&empty, Aggregate::Count).unwrap(), Value::Int(0));
        assert_eq!(average(&empty, "pid").unwrap(), Value::Null);
    }

    fn pairs(t: &Table) -> Vec<(String, String)> {
        t.rows()
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect()
    }

    #[test]
    fn counts_per_key_sorted() {
        let t = group_by(&socks(), &["state"], Aggregate::Count).unwrap();
        assert_eq!(t.columns()[1].name, "count");
        assert_eq!(
            pairs(&t),
            [
                ("ESTAB".into(), "2".into()),
                ("LISTEN".into(), "1".into()),
                ("UNCONN".into(), "1".into())
            ]
        );
    }

    #[test]
    fn sum_min_max_skip_nulls() {
        let s = group_by(&socks(), &["proto"], Aggregate::Sum("pid")).unwrap();
        assert_eq!(s.columns()[1].name, "sum_pid");
        assert_eq!(
            pairs(&s),
            [("tcp".into(), "40".into()), ("udp".into(), "".into())]
        );
        let mn = group_by(&socks(), &["proto"], Aggregate::Min("remote_addr")).unwrap();
        assert_eq!(
            pairs(&mn),
            [("tcp".into(), "10.0.0.9".into()), ("udp".into(), "".into())]
        );
        let mx = group_by(&socks(), &["proto"], Aggregate::Max("local_port")).unwrap();
        assert_eq!(
            pairs(&mx),
            [("tcp".into(), "443".into()), ("udp".into(), "53".into())]
        );
    }

    #[test]
    fn several_keys_group_by_their_combination() {
        let t = group_by(&socks(), &["proto", "local_port"], Aggregate::Count).unwrap();
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["proto", "local_port", "count"]);
        let rows: Vec<String> = t
            .rows()
            .map(|r| {
                r.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(rows, ["tcp 22 2", "tcp 443 1", "udp 53 1"]);
        let t = group_by(&socks(), &["proto", "pid"], Aggregate::Max("local_port")).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.columns()[2].name, "max_local_port");
    }

    #[test]
    fn sum_of_text_is_an_error() {
        let e = group_by(&socks(), &["proto"], Aggregate::Sum("state"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "sum: column 'state' of sockets holds str values, not numbers"
        );
        let e = aggregate(&socks(), Aggregate::Sum("state"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "sum: column 'state' of sockets holds str values, not numbers"
        );
        let e = group_by(&socks(), &["prot"], Aggregate::Count)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "no column 'prot' in sockets; did you mean 'proto'?");
    }

    #[test]
    fn distinct_values_sorted() {
        let t = distinct(&socks(), "local_port").unwrap();
        let v: Vec<String> = t.rows().map(|r| r[0].to_string()).collect();
        assert_eq!(v, ["22", "53", "443"]);
    }
}
