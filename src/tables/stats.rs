//! `stats`: every protocol counter of /proc/net/snmp, netstat, snmp6 and sockstat(6), one row
//! per counter, in file order (the order `netstat -s` prints in).

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::StatRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "stats",
    doc: "Protocol counters (IP, ICMP, TCP, UDP, extensions, IPv6, socket counts), one per row",
    source: "/proc/net/snmp, /proc/net/netstat, /proc/net/snmp6, /proc/net/sockstat, /proc/net/sockstat6",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<StatRecord>; 4] = [
    Field::new(
        Column::new(
            "source",
            Type::Str,
            "File the counter comes from: snmp, netstat, snmp6, sockstat or sockstat6",
        ),
        |r| Value::str(r.source),
    ),
    Field::new(
        Column::new(
            "proto",
            Type::Str,
            "Protocol or group as the file names it (Ip, Tcp, TcpExt, Ip6, Icmp6, TCP, sockets, ...)",
        ),
        |r| Value::Str(r.proto.clone()),
    ),
    Field::new(
        Column::new(
            "name",
            Type::Str,
            "Counter name as the file spells it, without the group (InReceives, ActiveOpens, inuse)",
        ),
        |r| Value::str(&r.name),
    ),
    Field::new(
        Column::new(
            "value",
            Type::Int,
            "Counter value (may be negative: Tcp MaxConn is -1)",
        ),
        |r| Value::Int(r.value),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let stats = crate::door::source::linux::protocol_stats()?;
    for n in stats.notes {
        notes.add(format!("stats: {n}"));
    }
    Ok(build(&stats.records, req))
}

/// Builds the table from counter records, keeping their order.
pub fn build(records: &[StatRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn rows_keep_record_order_and_negative_values() {
        let rec = |proto: &str, name: &str, value| StatRecord {
            source: "snmp",
            proto: Arc::from(proto),
            name: name.into(),
            value,
        };
        let recs = [
            rec("Tcp", "MaxConn", -1),
            rec("Tcp", "ActiveOpens", 3),
            rec("Ip", "Forwarding", 1),
        ];
        let t = build(&recs, &Request::default());
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["source", "proto", "name", "value"]);
        assert_eq!(
            t.row(0),
            &[
                Value::str("snmp"),
                Value::str("Tcp"),
                Value::str("MaxConn"),
                Value::Int(-1)
            ]
        );
        assert_eq!(t.cell(2, 1), Value::str("Ip"));
        let t = build(&recs, &Request::columns(&["value", "name"]));
        assert_eq!(t.row(1), &[Value::Int(3), Value::str("ActiveOpens")]);
    }
}
