//! `ipv6_route`: the IPv6 forwarding entries of `/proc/net/ipv6_route`, as the kernel lists
//! them: one row per next hop of a multipath route, and each table's null entry. It is the only
//! place that shows each entry's reference count (rtnetlink has no attribute for it); `netstat
//! -r -6` prints its `Ref` column from it, live or from a snapshot.

use std::net::{IpAddr, Ipv6Addr};

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::ipv6_route;
use crate::error::Result;
use crate::model::{Cols, Column, Table, Type, Value};

pub use crate::door::source::linux::ipv6_route::Ipv6RouteEntry;

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "ipv6_route",
    doc: "IPv6 forwarding entries as the kernel lists them, with reference counts",
    source: "/proc/net/ipv6_route",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<Ipv6RouteEntry>; 10] = [
    Field::new(Column::new("dst", Type::Ip, "Destination prefix"), |e| {
        IpAddr::V6(e.dst).into()
    }),
    Field::new(
        Column::new("dst_len", Type::Int, "Destination prefix length"),
        |e| e.dst_len.into(),
    ),
    Field::new(
        Column::new("src", Type::Ip, "Source prefix (:: for none)"),
        |e| IpAddr::V6(e.src).into(),
    ),
    Field::new(
        Column::new("src_len", Type::Int, "Source prefix length (0 for none)"),
        |e| e.src_len.into(),
    ),
    Field::new(
        Column::new("next_hop", Type::Ip, "Next hop (:: for none)"),
        |e| IpAddr::V6(e.next_hop).into(),
    ),
    Field::new(
        Column::new(
            "metric",
            Type::Int,
            "Metric (4294967295 for a table's null entry)",
        ),
        |e| e.metric.into(),
    ),
    Field::new(
        Column::new(
            "refcnt",
            Type::Int,
            "The kernel's reference count of the entry",
        ),
        |e| e.refcnt.into(),
    ),
    Field::new(
        Column::new(
            "use_count",
            Type::Int,
            "Use count (always 0 since Linux 4.x)",
        ),
        |e| e.use_count.into(),
    ),
    Field::new(
        Column::new("rtf_flags", Type::Int, "The entry's RTF_* flag bits"),
        |e| e.flags.into(),
    ),
    Field::new(
        Column::new("dev", Type::Str, "Output device (empty for none)"),
        |e| Value::raw(&e.dev),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&ipv6_route::read()?, req))
}

/// Builds the table from the file's entries, keeping their order.
pub fn build(records: &[Ipv6RouteEntry], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

/// Parses the text of `/proc/net/ipv6_route` (for fixtures and tests).
pub fn parse_file(text: &str) -> Vec<Ipv6RouteEntry> {
    ipv6_route::parse(text)
}

/// The entries of an `ipv6_route` table (live, or read from a snapshot), in row order. A row
/// whose cells are missing or out of range (a prefix length above 128, a count above 2^32-1:
/// an edited snapshot) is left out rather than wrapped; the device is the cell's text as it
/// stands (after `netstat::bytewise`, the bytes netstat prints).
pub fn entries(t: &Table) -> Vec<Ipv6RouteEntry> {
    let c = Cols::new(
        t,
        &[
            "dst",
            "dst_len",
            "src",
            "src_len",
            "next_hop",
            "metric",
            "refcnt",
            "use_count",
            "rtf_flags",
            "dev",
        ],
    );
    let v6 = |row, col| match c.ip(row, col)? {
        IpAddr::V6(a) => Some(a),
        IpAddr::V4(_) => None,
    };
    let any = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
    (0..c.len())
        .filter_map(|row| {
            Some(Ipv6RouteEntry {
                dst: v6(row, 0)?,
                dst_len: c.prefix_len(row, 1, any)?,
                src: v6(row, 2).unwrap_or(Ipv6Addr::UNSPECIFIED),
                src_len: c.prefix_len(row, 3, any).unwrap_or(0),
                next_hop: v6(row, 4).unwrap_or(Ipv6Addr::UNSPECIFIED),
                metric: c.u32(row, 5)?,
                refcnt: c.u32(row, 6)?,
                use_count: c.u32(row, 7).unwrap_or(0),
                flags: c.u32(row, 8)?,
                dev: c.str(row, 9).map(|s| s.to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
fd000059000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000002 00000000 00000003     veth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

    #[test]
    fn entries_round_trip_through_the_table() {
        let recs = ipv6_route::parse(FILE);
        let t = build(&recs, &Request::default());
        assert_eq!(entries(&t), recs);
    }

    #[test]
    fn out_of_range_cells_leave_the_row_out() {
        let recs = ipv6_route::parse(FILE);
        let t = build(&recs, &Request::default());
        let refcnt = t.column_index("refcnt").unwrap();
        let len = t.column_index("dst_len").unwrap();
        let mut rows: Vec<Vec<Value>> = t.rows().collect();
        rows[0][refcnt] = Value::Int(1 << 40);
        rows[1][len] = Value::Int(129);
        let mut bad = Table::new("ipv6_route", t.columns().to_vec());
        for r in rows {
            bad.push(r);
        }
        assert!(entries(&bad).is_empty());
    }
}
