//! `if_inet6`: the IPv6 addresses of `/proc/net/if_inet6`, in the kernel's own order (its
//! address hash), which is the order `ifconfig` and `netstat -ie` print them in; the
//! `addresses` table keeps rtnetlink's order, which differs.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::if_inet6::{self, IfInet6};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "if_inet6",
    doc: "IPv6 addresses in the kernel's own order (what ifconfig prints)",
    source: "/proc/net/if_inet6",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<IfInet6>; 4] = [
    Field::new(Column::new("ifname", Type::Str, "Interface name"), |r| {
        Value::raw(&r.dev)
    }),
    Field::new(Column::new("ifindex", Type::Int, "Interface index"), |r| {
        r.ifindex.into()
    }),
    Field::new(Column::new("addr", Type::Ip, "IPv6 address"), |r| {
        std::net::IpAddr::V6(r.addr).into()
    }),
    Field::new(Column::new("prefix_len", Type::Int, "Prefix length"), |r| {
        r.prefix_len.into()
    }),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&if_inet6::if_inet6(), req))
}

/// Builds the table from the file's entries, keeping their order.
pub fn build(records: &[IfInet6], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_file_order() {
        let recs = if_inet6::parse(
            "fd000000000000000000000000000002 0a 40 00 82 veth0\n\
             fe800000000000000000000000000001 0a 40 20 80 veth0\n",
        );
        let t = build(&recs, &Request::default());
        assert_eq!(t.len(), 2);
        assert_eq!(t.cell(0, 0), Value::str("veth0"));
        assert_eq!(t.cell(0, 1), Value::Int(10));
        assert_eq!(
            t.cell(1, 2),
            Value::from("fe80::1".parse::<std::net::IpAddr>().unwrap())
        );
        assert_eq!(t.cell(1, 3), Value::Int(64));
    }
}
