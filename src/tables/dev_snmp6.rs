//! `dev_snmp6`: every interface's IPv6 and ICMPv6 counters from `/proc/net/dev_snmp6/IFNAME`,
//! one counter per row (what BSD `netstat -s -i` prints per interface).

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::dev_snmp6::{self, DevSnmp6Record};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "dev_snmp6",
    doc: "Per-interface IPv6 and ICMPv6 counters, one per row",
    source: "/proc/net/dev_snmp6/*",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<DevSnmp6Record>; 3] = [
    Field::new(Column::new("ifname", Type::Str, "Interface name"), |r| {
        Value::raw(&r.ifname)
    }),
    Field::new(
        Column::new(
            "name",
            Type::Str,
            "Counter name as the file spells it (Ip6InReceives, Icmp6OutMsgs, ifIndex)",
        ),
        |r| Value::str(&r.name),
    ),
    Field::new(Column::new("value", Type::Int, "Counter value"), |r| {
        Value::int(r.value)
    }),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&dev_snmp6::all()?, req))
}

/// Builds the table from counter records, keeping their order.
pub fn build(records: &[DevSnmp6Record], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_counter() {
        let recs: Vec<DevSnmp6Record> = dev_snmp6::parse("ifIndex 4\nIp6InReceives 12\n")
            .into_iter()
            .map(|(name, value)| DevSnmp6Record {
                ifname: "eth0".into(),
                name,
                value,
            })
            .collect();
        let t = build(&recs, &Request::columns(&["name", "value"]));
        assert_eq!(t.len(), 2);
        assert_eq!(t.row(1), &[Value::str("Ip6InReceives"), Value::Int(12)]);
    }
}
