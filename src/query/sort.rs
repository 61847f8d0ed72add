//! `sort`: a stable sort by one or more columns, ascending or descending.

use super::column_index;
use crate::error::Result;
use crate::model::{Store, Table, row_id};

/// `table` sorted by `columns` (the first column first; ties keep their order). Values compare
/// with [`crate::model::Value`]'s total order: null first, numbers by value, addresses
/// numerically, text by bytes. `desc` reverses the order (null last).
pub fn sort<S: AsRef<str>>(table: &Table, columns: &[S], desc: bool) -> Result<Table> {
    let idx = columns
        .iter()
        .map(|c| column_index(table, c.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let stores: Vec<&Store> = idx.iter().map(|&c| table.store(c)).collect();
    let mut order: Vec<u32> = (0..table.len()).map(row_id).collect();
    order.sort_by(|&a, &b| {
        let ord = stores
            .iter()
            .map(|s| s.cmp_rows(a as usize, b as usize))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal);
        if desc { ord.reverse() } else { ord }
    });
    Ok(table.take(&order))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use crate::query::testdata::socks;

    #[test]
    fn sorts_by_value_and_keeps_ties_stable() {
        let t = sort(&socks(), &["local_port"], false).unwrap();
        let ports: Vec<_> = t.rows().map(|r| r[2].clone()).collect();
        assert_eq!(
            ports,
            [
                Value::Int(22),
                Value::Int(22),
                Value::Int(53),
                Value::Int(443)
            ]
        );
        assert_eq!(t.cell(0, 1), Value::str("LISTEN"));
        let d = sort(&socks(), &["remote_addr"], true).unwrap();
        // 10.0.0.10 sorts after 10.0.0.9 as an address.
        assert_eq!(d.cell(0, 3), Value::Ip("10.0.0.10".parse().unwrap()));
        assert!(d.cell(3, 3).is_null());
        let two = sort(&socks(), &["proto", "local_port"], true).unwrap();
        assert_eq!(two.cell(0, 0), Value::str("udp"));
        assert_eq!(two.cell(1, 2), Value::Int(443));
    }

    #[test]
    fn unknown_sort_column_suggests() {
        let e = sort(&socks(), &["stat"], false).unwrap_err().to_string();
        assert_eq!(e, "no column 'stat' in sockets; did you mean 'state'?");
    }
}
