//! Row selection: `filter` with a native predicate, `take_rows` by index, and `limit`.

use crate::model::{Table, Value, row_id};

/// The rows of `table` for which `keep` returns true, in order.
pub fn filter(table: &Table, mut keep: impl FnMut(&[Value]) -> bool) -> Table {
    // One row buffer, refilled per row: the predicate sees a plain slice.
    let mut row: Vec<Value> = Vec::with_capacity(table.width());
    let mut kept = Vec::new();
    for r in 0..table.len() {
        row.clear();
        row.extend((0..table.width()).map(|c| table.cell(r, c)));
        if keep(&row) {
            kept.push(row_id(r));
        }
    }
    table.take(&kept)
}

/// [`filter`] for a predicate that reads only the columns `cols`: the other cells of the row
/// it sees are null, and are never read (a lazy column stays uncomputed).
pub fn filter_columns(
    table: &Table,
    cols: &[usize],
    mut keep: impl FnMut(&[Value]) -> bool,
) -> Table {
    let mut row: Vec<Value> = vec![Value::Null; table.width()];
    let stores: Vec<(usize, &crate::model::Store)> =
        cols.iter().map(|&c| (c, table.store(c))).collect();
    let mut kept = Vec::new();
    for r in 0..table.len() {
        for &(c, s) in &stores {
            row[c] = s.get(r);
        }
        if keep(&row) {
            kept.push(row_id(r));
        }
    }
    table.take(&kept)
}

/// The rows at `indices` (in the order given; indices out of range are skipped).
pub fn take_rows(table: &Table, indices: &[usize]) -> Table {
    let rows: Vec<u32> = indices
        .iter()
        .filter(|&&i| i < table.len())
        .map(|&i| row_id(i))
        .collect();
    table.take(&rows)
}

/// The first `n` rows.
pub fn limit(table: &Table, n: usize) -> Table {
    if n >= table.len() {
        return table.clone();
    }
    let keep: Vec<u32> = (0..row_id(n)).collect();
    table.take(&keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testdata::socks;

    #[test]
    fn filter_keeps_matching_rows_in_order() {
        let t = filter(&socks(), |r| r[1] == Value::str("ESTAB"));
        assert_eq!(t.len(), 2);
        assert_eq!(t.cell(1, 2), Value::Int(443));
        assert_eq!(t.name(), "sockets");
    }

    #[test]
    fn limit_and_take_rows() {
        assert_eq!(limit(&socks(), 2).len(), 2);
        assert_eq!(limit(&socks(), 99).len(), 4);
        let t = take_rows(&socks(), &[3, 0, 42]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.cell(0, 0), Value::str("udp"));
    }
}
