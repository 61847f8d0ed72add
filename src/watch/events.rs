//! The JSON event stream: one object per line per changed row, in the spirit of osquery's
//! differential log, for pipelines (`netpry watch` off a terminal or with `--format json`,
//! and `netpry diff --format json`). Pure: writes to the writer it is given.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use crate::model::Table;
use crate::query::change::{Changes, Delta, key_text};

/// Where and when the changes were seen, shared by every event of one interval.
#[derive(Debug, Clone)]
pub struct EventContext<'a> {
    /// UTC time of the new collection, RFC 3339.
    pub time: &'a str,
    /// Host name.
    pub host: &'a str,
    /// Network namespace inode, when known.
    pub netns: Option<u64>,
    /// Table name.
    pub table: &'a str,
    /// Whether these are the rows of the first collection (all `added`).
    pub initial: bool,
}

/// A JSON object written as it is built, keys in insertion order (`serde_json`'s map sorts
/// them; an event reads best in a fixed order with the row's columns in table order).
#[derive(Debug, Default)]
struct Obj(String);

impl Obj {
    fn key(&mut self, k: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push_str(&Json::String(k.to_string()).to_string());
        self.0.push(':');
    }
    fn put(&mut self, k: &str, v: &Json) {
        self.key(k);
        self.0.push_str(&v.to_string());
    }
    fn put_obj(&mut self, k: &str, v: Obj) {
        self.key(k);
        self.0.push_str(&v.finish());
    }
    fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// One event, as a line of JSON (without the newline), for change `i` of `ch`.
pub fn event(ctx: &EventContext, old: &Table, new: &Table, ch: &Changes, i: usize) -> String {
    let r = &ch.rows[i];
    let (t, row, key_cols) = match r.new {
        Some(n) => (new, n, &ch.key),
        None => (old, r.old.unwrap_or(0), &ch.old_key),
    };
    let mut key = Obj::default();
    for &c in key_cols {
        key.put(&t.columns()[c].name, &t.cell(row, c).to_json());
    }
    let mut cells = Obj::default();
    for (c, v) in t.columns().iter().zip(t.row(row)) {
        cells.put(&c.name, &v.to_json());
    }
    let mut changed = Obj::default();
    if let (Some(o), Some(n)) = (r.old, r.new) {
        for &c in &r.changed {
            let Some(oc) = ch.old_column[c] else { continue };
            let mut pair = Obj::default();
            pair.put("old", &old.cell(o, oc).to_json());
            pair.put("new", &new.cell(n, c).to_json());
            changed.put_obj(&new.columns()[c].name, pair);
        }
    }
    let (mut deltas, mut rates, mut resets) = (Obj::default(), Obj::default(), Vec::new());
    for cc in &r.counters {
        let name = &new.columns()[cc.column].name;
        match cc.delta {
            Delta::Up(0) => {}
            Delta::Up(d) => {
                deltas.put(name, &json!(d));
                if let Some(rate) = cc.rate {
                    rates.put(name, &json!(round3(rate)));
                }
            }
            Delta::Reset => resets.push(Json::String(name.to_string())),
        }
    }
    let mut obj = Obj::default();
    obj.put("time", &json!(ctx.time));
    obj.put("host", &json!(ctx.host));
    // A row read in a namespace of its own (`--all-netns`) names it in its `netns` cell.
    let netns = t
        .column_index("netns")
        .and_then(|c| t.cell(row, c).as_int())
        .and_then(|n| u64::try_from(n).ok())
        .or(ctx.netns);
    obj.put("netns", &json!(netns));
    obj.put("table", &json!(ctx.table));
    obj.put("action", &json!(r.action.name()));
    obj.put("initial", &json!(ctx.initial));
    obj.put_obj("key", key);
    obj.put("key_text", &json!(key_text(old, new, ch, r)));
    obj.put_obj("row", cells);
    obj.put_obj("changed", changed);
    obj.put_obj("deltas", deltas);
    obj.put_obj("rates", rates);
    obj.put("resets", &Json::Array(resets));
    obj.finish()
}

/// A rate rounded to thousandths, so streams stay short and stable.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Writes every change of `ch` as one JSON object per line.
pub fn write_events(
    ctx: &EventContext,
    old: &Table,
    new: &Table,
    ch: &Changes,
    out: &mut dyn Write,
) -> io::Result<()> {
    for i in 0..ch.rows.len() {
        let line = event(ctx, old, new, ch, i);
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};
    use crate::query::change::{ChangeSpec, changes};

    #[test]
    fn one_object_per_change_with_key_row_and_changed_columns() {
        let cols = vec![
            Column::new("index", Type::Int, ""),
            Column::new("mtu", Type::Int, ""),
            Column::new("rx_bytes", Type::Int, ""),
        ];
        let mut old = Table::new("interfaces", cols.clone());
        old.push([Value::Int(1), Value::Int(1500), Value::Int(100)]);
        let mut new = Table::new("interfaces", cols);
        new.push([Value::Int(1), Value::Int(9000), Value::Int(300)]);
        let ch = changes(&old, &new, &ChangeSpec::for_table(&new), Some(2.0));
        let ctx = EventContext {
            time: "T",
            host: "h",
            netns: Some(7),
            table: "interfaces",
            initial: false,
        };
        let mut buf = Vec::new();
        write_events(&ctx, &old, &new, &ch, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with(
                r#"{"time":"T","host":"h","netns":7,"table":"interfaces","action":"changed""#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#""row":{"index":1,"mtu":9000,"rx_bytes":300}"#),
            "{text}"
        );
        let v: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            json!({"time":"T","host":"h","netns":7,"table":"interfaces","action":"changed",
                "initial":false,"key":{"index":1},"key_text":"index=1",
                "row":{"index":1,"mtu":9000,"rx_bytes":300},
                "changed":{"mtu":{"old":1500,"new":9000},"rx_bytes":{"old":100,"new":300}},
                "deltas":{"rx_bytes":200},"rates":{"rx_bytes":100.0},"resets":[]})
        );
    }
}
