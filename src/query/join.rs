//! Hash joins: every row of the left table with the matching rows of the right table.
//!
//! The right table is hashed once on its key column, so a join costs O(left + right), never
//! left × right. Null keys match nothing (as in SQL).

use std::collections::HashMap;

use super::column_index;
use crate::error::Result;
use std::sync::Arc;

use crate::model::{Column, ColumnData, NO_ROW, Store, Table, Value, row_id};

/// Inner or left outer join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// Only left rows with at least one match.
    Inner,
    /// Every left row; right columns are null where nothing matched.
    Left,
}

/// Joins `left` and `right` where `left.left_key == right.right_key`. The result has the left
/// columns, then the right columns except its key; a right column whose name the left table
/// already uses is renamed `RIGHTTABLE_NAME` (e.g. `processes_uid`). Rows come in left order,
/// matches in right order.
pub fn join(
    left: &Table,
    right: &Table,
    left_key: &str,
    right_key: &str,
    kind: JoinKind,
) -> Result<Table> {
    Ok(JoinPlan::new(left, right, left_key, right_key, kind)?.build())
}

/// A join with its right table hashed, before any result row is made: [`JoinPlan::rows`] and
/// [`JoinPlan::estimated_bytes`] tell what [`JoinPlan::build`] would allocate, so that a caller
/// with a memory budget (the script sandbox) can refuse a join of millions of rows up front.
pub struct JoinPlan<'a> {
    left: &'a Table,
    right: &'a Table,
    lk: usize,
    right_cols: Vec<usize>,
    schema: Vec<Column>,
    index: HashMap<Value, Vec<u32>>,
    kind: JoinKind,
}

impl<'a> JoinPlan<'a> {
    /// Checks the key columns, builds the result schema and hashes `right` on its key.
    pub fn new(
        left: &'a Table,
        right: &'a Table,
        left_key: &str,
        right_key: &str,
        kind: JoinKind,
    ) -> Result<JoinPlan<'a>> {
        let lk = column_index(left, left_key)?;
        let rk = column_index(right, right_key)?;
        let right_cols: Vec<usize> = (0..right.width()).filter(|&i| i != rk).collect();
        let mut schema: Vec<Column> = left.columns().to_vec();
        for &i in &right_cols {
            let mut c = right.columns()[i].clone();
            let mut name = c.name.to_string();
            while schema.iter().any(|s| s.name == name.as_str()) {
                name = format!("{}_{name}", right.name());
            }
            c.name = name.into();
            schema.push(c);
        }
        let mut index: HashMap<Value, Vec<u32>> = HashMap::with_capacity(right.len());
        let keys = right.store(rk);
        for i in 0..right.len() {
            if !keys.is_null(i) {
                index.entry(keys.get(i)).or_default().push(row_id(i));
            }
        }
        Ok(JoinPlan {
            left,
            right,
            lk,
            right_cols,
            schema,
            index,
            kind,
        })
    }

    /// The right rows matching left row `r` (none for a null key).
    fn matches(&self, keys: &Store, r: usize) -> Option<&Vec<u32>> {
        if keys.is_null(r) {
            None
        } else {
            self.index.get(&keys.get(r))
        }
    }

    /// How many rows the result will have: the sum over left rows of their matches (one for an
    /// unmatched row of a left join). Saturates rather than overflows.
    pub fn rows(&self) -> usize {
        let keys = self.left.store(self.lk);
        (0..self.left.len())
            .map(|r| match self.matches(keys, r) {
                Some(ms) => ms.len(),
                None if self.kind == JoinKind::Left => 1,
                None => 0,
            })
            .fold(0usize, usize::saturating_add)
    }

    /// The heap bytes the result will take: per row, each column's cell in its compact form
    /// (texts are shared with the inputs, not copied) and two row numbers while it is built.
    pub fn estimated_bytes(&self) -> usize {
        let left: usize = (0..self.left.width())
            .map(|c| self.left.column_data(c).cell_bytes())
            .sum();
        let right: usize = self
            .right_cols
            .iter()
            .map(|&c| self.right.column_data(c).cell_bytes())
            .sum();
        self.rows()
            .saturating_mul(left + right + 2 * std::mem::size_of::<u32>())
    }

    /// Makes the result.
    pub fn build(self) -> Table {
        let keys = self.left.store(self.lk);
        let (mut lrows, mut rrows) = (Vec::new(), Vec::new());
        for r in 0..self.left.len() {
            match self.matches(keys, r) {
                Some(ms) => {
                    for &m in ms {
                        lrows.push(row_id(r));
                        rrows.push(m);
                    }
                }
                None if self.kind == JoinKind::Left => {
                    lrows.push(row_id(r));
                    rrows.push(NO_ROW);
                }
                None => {}
            }
        }
        let l = self.left.take(&lrows);
        let r = self.right.project(&self.right_cols).take(&rrows);
        let data: Vec<Arc<ColumnData>> = (0..l.width())
            .map(|c| Arc::clone(l.column_data(c)))
            .chain((0..r.width()).map(|c| Arc::clone(r.column_data(c))))
            .collect();
        Table::from_columns(self.left.name().to_string(), self.schema, data, lrows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testdata::{procs, socks};

    #[test]
    fn inner_join_matches_on_the_key() {
        let t = join(&socks(), &procs(), "pid", "pid", JoinKind::Inner).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.columns().last().unwrap().name, "name");
        assert!(t.rows().all(|r| r[5] == Value::str("sshd")));
    }

    #[test]
    fn left_join_keeps_unmatched_rows_with_nulls() {
        let t = join(&socks(), &procs(), "pid", "pid", JoinKind::Left).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.cell(2, 5), Value::Null); // pid 20: no such process
        assert_eq!(t.cell(3, 5), Value::Null); // null pid matches nothing
    }

    #[test]
    fn clashing_names_are_prefixed_with_the_right_table() {
        let t = join(
            &socks(),
            &socks(),
            "local_port",
            "local_port",
            JoinKind::Inner,
        )
        .unwrap();
        assert!(t.column_index("sockets_state").is_some());
        assert!(t.column_index("sockets_local_port").is_none());
        let e = join(&socks(), &procs(), "pid", "pidd", JoinKind::Inner)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "no column 'pidd' in processes; did you mean 'pid'?");
    }

    #[test]
    fn the_plan_counts_rows_before_building_them() {
        let (s, p) = (socks(), procs());
        let plan = JoinPlan::new(&s, &p, "pid", "pid", JoinKind::Left).unwrap();
        assert_eq!(plan.rows(), 4);
        // Five left columns (text codes, ints and an address) and one right text column.
        assert_eq!(plan.estimated_bytes(), 4 * (1 + 1 + 2 + 4 + 1 + 1 + 8));
        assert_eq!(plan.build().len(), 4);
        // A self-join on a column with repeated values: the sum of count squared.
        let plan = JoinPlan::new(&s, &s, "pid", "pid", JoinKind::Inner).unwrap();
        let rows = plan.rows();
        assert_eq!(plan.build().len(), rows);
    }
}
