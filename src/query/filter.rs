//! Row selection: `filter` with a native predicate, `take_rows` by index, and `limit`.

use crate::model::{Table, Value};

/// The rows of `table` for which `keep` returns true, in order.
pub fn filter(table: &Table, mut keep: impl FnMut(&[Value]) -> bool) -> Table {
    let mut out = Table::new(table.name().to_string(), table.schema());
    for row in table.rows() {
        if keep(row) {
            out.push(row.iter().cloned());
        }
    }
    out
}

/// The rows at `indices` (in the order given; indices out of range are skipped).
pub fn take_rows(table: &Table, indices: &[usize]) -> Table {
    let mut out = Table::with_capacity(table.name().to_string(), table.schema(), indices.len());
    for &i in indices.iter().filter(|&&i| i < table.len()) {
        out.push(table.row(i).iter().cloned());
    }
    out
}

/// The first `n` rows.
pub fn limit(table: &Table, n: usize) -> Table {
    let keep: Vec<usize> = (0..table.len().min(n)).collect();
    take_rows(table, &keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testdata::socks;

    #[test]
    fn filter_keeps_matching_rows_in_order() {
        let t = filter(&socks(), |r| r[1] == Value::str("ESTAB"));
        assert_eq!(t.len(), 2);
        assert_eq!(t.cell(1, 2), &Value::Int(443));
        assert_eq!(t.name(), "sockets");
    }

    #[test]
    fn limit_and_take_rows() {
        assert_eq!(limit(&socks(), 2).len(), 2);
        assert_eq!(limit(&socks(), 99).len(), 4);
        let t = take_rows(&socks(), &[3, 0, 42]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.cell(0, 0), &Value::str("udp"));
    }
}
