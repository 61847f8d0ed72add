//! `slabs`: the kernel's slab caches from `/proc/slabinfo` (root only), with the page size,
//! for BSD `netstat -m` (packet headers in use are the active `skbuff_head_cache` objects).

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::slab::{self, SlabRecord};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "slabs",
    doc: "Kernel slab caches (objects in use, allocated, their size) and the page size",
    source: "/proc/slabinfo (root only), /proc/self/smaps (page size)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<SlabRecord>; 5] = [
    Field::new(
        Column::new(
            "cache",
            Type::Str,
            "Cache name (skbuff_head_cache, TCP, ...)",
        ),
        |r| Value::str(&r.cache),
    ),
    Field::new(
        Column::new("active_objs", Type::Int, "Objects in use"),
        |r| Value::int(r.active_objs),
    ),
    Field::new(
        Column::new("num_objs", Type::Int, "Objects allocated, in use or free"),
        |r| Value::int(r.num_objs),
    ),
    Field::new(
        Column::new("objsize", Type::Int, "Size of one object in bytes"),
        |r| Value::int(r.objsize),
    ),
    Field::new(
        Column::new(
            "page_size",
            Type::Int,
            "The kernel page size in bytes (the same on every row)",
        ),
        |r| Value::int(r.page_size),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&slab::slabs()?, req))
}

/// Builds the table from slab records, keeping their order.
pub fn build(records: &[SlabRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_cache() {
        let recs = slab::parse_slabs("skbuff_head_cache 400 480 256 32 2\n", 16384);
        let t = build(&recs, &Request::default());
        assert_eq!(
            t.row(0),
            &[
                Value::str("skbuff_head_cache"),
                Value::Int(400),
                Value::Int(480),
                Value::Int(256),
                Value::Int(16384)
            ]
        );
    }
}
