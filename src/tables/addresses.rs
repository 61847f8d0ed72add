//! `addresses`: IPv4 and IPv6 interface addresses (rtnetlink RTM_GETADDR), like `ip address`.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::{AddressRecord, Family};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "addresses",
    doc: "IPv4 and IPv6 interface addresses: prefix, scope, flags and lifetimes",
    source: "rtnetlink RTM_GETADDR dump (like `ip address show`)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<AddressRecord>; 12] = [
    Field::new(Column::new("ifindex", Type::Int, "Interface index"), |a| {
        a.ifindex.into()
    }),
    Field::new(
        Column::new(
            "ifname",
            Type::Str,
            "Interface name; null if the interface vanished",
        ),
        |a| Value::opt_raw(a.ifname.as_deref()),
    ),
    Field::new(
        Column::new("family", Type::Str, "Address family: inet or inet6"),
        |a| {
            a.addr
                .map_or(Value::Null, |ip| Value::str(Family::of(&ip).name()))
        },
    ),
    Field::new(
        Column::new(
            "addr",
            Type::Ip,
            "The address (IFA_LOCAL, else IFA_ADDRESS)",
        ),
        |a| Value::opt_ip(a.addr),
    ),
    Field::new(Column::new("prefix_len", Type::Int, "Prefix length"), |a| {
        a.prefix_len.into()
    }),
    Field::new(
        Column::new(
            "peer",
            Type::Ip,
            "Peer address of a point-to-point link; null otherwise",
        ),
        |a| Value::opt_ip(a.peer),
    ),
    Field::new(
        Column::new(
            "broadcast",
            Type::Ip,
            "IPv4 broadcast address; null if none",
        ),
        |a| Value::opt_ip(a.broadcast),
    ),
    Field::new(
        Column::new(
            "scope",
            Type::Str,
            "Scope: global, site, link, host, or the number",
        ),
        |a| Value::str(&a.scope),
    ),
    Field::new(
        Column::new("label", Type::Str, "IPv4 address label; null for IPv6"),
        |a| Value::opt_raw(a.label.as_deref()),
    ),
    Field::new(
        Column::new(
            "flags",
            Type::Str,
            "IFA_F_* flags in `ip` spelling, comma separated (permanent, secondary, tentative, ...)",
        ),
        |a| Value::str(&a.flags),
    ),
    Field::new(
        Column::new(
            "valid_lft",
            Type::Int,
            "Valid lifetime left, seconds; null for forever",
        ),
        |a| Value::opt_int(a.valid_lft),
    ),
    Field::new(
        Column::new(
            "preferred_lft",
            Type::Int,
            "Preferred lifetime left, seconds; null for forever",
        ),
        |a| Value::opt_int(a.preferred_lft),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    let recs = crate::door::source::linux::addresses(req.wants("ifname"))?;
    Ok(build(&recs, req))
}

/// Builds the table from address records (also used by tests with made-up records).
pub fn build(recs: &[AddressRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, recs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_types_and_nulls() {
        let rec = AddressRecord {
            ifindex: 3,
            ifname: None,
            addr: Some("fd00::1".parse().unwrap()),
            prefix_len: 64,
            scope: "global".into(),
            flags: "nodad,permanent".into(),
            valid_lft: Some(30),
            ..AddressRecord::default()
        };
        let t = build(&[rec], &Request::default());
        let col = |n: &str| t.cell(0, t.column_index(n).unwrap()).clone();
        assert_eq!(col("family"), Value::str("inet6"));
        assert_eq!(col("addr"), Value::Ip("fd00::1".parse().unwrap()));
        assert_eq!(col("ifname"), Value::Null);
        assert_eq!(col("valid_lft"), Value::Int(30));
        assert_eq!(col("preferred_lft"), Value::Null);
        assert_eq!(col("label"), Value::Null);
    }
}
