//! JSON output: an array of objects, one per row, keys in column order, typed values.

use std::io::{self, Write};

use crate::model::Table;

/// Writes `table` as a JSON array of objects (one row per line) and a final newline.
pub fn write_json(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let names: Vec<String> = table
        .columns()
        .iter()
        .map(|c| serde_json::to_string(&c.name).unwrap_or_default())
        .collect();
    out.write_all(b"[")?;
    for (i, row) in table.rows().enumerate() {
        out.write_all(if i == 0 { b"\n{" } else { b",\n{" })?;
        for (j, (name, v)) in names.iter().zip(row).enumerate() {
            if j > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{name}:")?;
            serde_json::to_writer(&mut *out, &v.to_json()).map_err(io::Error::from)?;
        }
        out.write_all(b"}")?;
    }
    out.write_all(if table.is_empty() { b"]\n" } else { b"\n]\n" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    #[test]
    fn json_keeps_types_and_parses() {
        let mut t = Table::new(
            "t",
            vec![
                Column::new("ip", Type::Ip, ""),
                Column::new("n", Type::Int, ""),
                Column::new("s", Type::Str, ""),
            ],
        );
        t.push([
            Value::Ip("10.0.0.1".parse().unwrap()),
            Value::Int(3),
            Value::Null,
        ]);
        let mut buf = Vec::new();
        write_json(&t, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"ip": "10.0.0.1", "n": 3, "s": null}])
        );
        let mut empty = Vec::new();
        write_json(&Table::new("e", vec![]), &mut empty).unwrap();
        assert_eq!(empty, b"[]\n");
    }

    #[test]
    fn floats_come_back_to_the_bit() {
        // Found by the `render` fuzz target: serde_json's default float parsing read a
        // subnormal back with other last digits (fixed with its float_roundtrip feature).
        for x in [
            8.5621710100888e-310,
            2.2250738585072014e-308 / 3.0,
            0.1 + 0.2,
            -0.0,
            f64::MAX,
        ] {
            let mut t = Table::new("t", vec![Column::new("f", Type::Float, "")]);
            t.push([Value::Float(x)]);
            let mut buf = Vec::new();
            write_json(&t, &mut buf).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
            match Value::from_json(&v[0]["f"], Type::Float) {
                Some(Value::Float(back)) => assert_eq!(back.to_bits(), x.to_bits(), "{x:e}"),
                other => panic!("{x:e} came back as {other:?}"),
            }
        }
    }
}
