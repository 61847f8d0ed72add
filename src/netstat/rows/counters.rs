//! Protocol counter rows (the `stats` table: the kernel's SNMP and extended counters, and
//! the socket and memory figures netstat prints), as both netstat front ends read them.

use crate::model::{Cols, Table};

/// One counter (a row of `stats`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatRow {
    /// The file or figure it comes from (`snmp`, `netstat`, `snmp6`, `sockstat`, ...), if any.
    pub source: Option<String>,
    /// The protocol group (`Ip`, `Tcp`, `TcpExt`, `Ip6`, ...), if any.
    pub proto: Option<String>,
    /// The counter's name as in the file, if any.
    pub name: Option<String>,
    /// The value, when the cell holds an integer (the kernel's `-1` stays -1).
    pub value: Option<i64>,
    /// The value's 64 bits read as unsigned, as net-tools prints them with `%llu` (the
    /// kernel's `-1` is 18446744073709551615; see [`Cols::u64_bits`]).
    pub bits: Option<u64>,
}

/// The counters of a `stats` table, in its order.
pub fn stats(t: &Table) -> Vec<StatRow> {
    let c = Cols::new(t, &["source", "proto", "name", "value"]);
    (0..c.len())
        .map(|r| StatRow {
            source: c.text_raw(r, 0),
            proto: c.text_raw(r, 1),
            name: c.text_raw(r, 2),
            value: c.int(r, 3),
            bits: c.u64_bits(r, 3),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type, Value};

    #[test]
    fn counters_keep_their_bits() {
        let mut t = Table::new(
            "stats",
            vec![
                Column::new("proto", Type::Str, ""),
                Column::new("name", Type::Str, ""),
                Column::new("value", Type::Int, ""),
            ],
        );
        t.push([Value::str("Tcp"), Value::str("MaxConn"), Value::Int(-1)]);
        t.push([Value::str("Tcp"), Value::Null, Value::Float(1.5)]);
        let s = stats(&t);
        assert_eq!(s[0].source, None);
        assert_eq!((s[0].value, s[0].bits), (Some(-1), Some(u64::MAX)));
        assert_eq!(
            (s[1].name.as_deref(), s[1].value, s[1].bits),
            (None, None, None)
        );
    }
}
