//! Tables: a schema (named, typed, documented columns) and its values stored by column.
//!
//! Each column is a compact [`Store`] (narrow integers, interned texts, packed addresses, null
//! bitmaps; see [`super::store`]) behind an `Arc`, so `select` shares columns instead of
//! copying them, and `where`, `sort` and `limit` gather only the rows they keep. A column may
//! be lazy: computed once, for the whole table, the first time any of its values is read (the
//! owner scan of `sockets` runs only for scripts that read `pid` or `process`). Rows are read
//! through [`Table::cell`] (an owned [`Value`]: cheap, texts are shared) or [`Table::row`].

use std::borrow::Cow;
use std::sync::Arc;

use super::store::{ColumnData, NO_ROW, Store};
use super::value::{Type, Value};

/// One column of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Stable snake_case name; saved scripts depend on it.
    pub name: Cow<'static, str>,
    /// The type of every non-null value in the column.
    pub ty: Type,
    /// One-line description (empty for computed columns).
    pub doc: Cow<'static, str>,
}

impl Column {
    /// A documented column of a built-in table.
    pub const fn new(name: &'static str, ty: Type, doc: &'static str) -> Column {
        Column {
            name: Cow::Borrowed(name),
            ty,
            doc: Cow::Borrowed(doc),
        }
    }

    /// A computed column with a run-time name and no description.
    pub fn computed(name: impl Into<String>, ty: Type) -> Column {
        Column {
            name: Cow::Owned(name.into()),
            ty,
            doc: Cow::Borrowed(""),
        }
    }
}

/// A table of typed rows, stored by column.
#[derive(Clone)]
pub struct Table {
    name: Cow<'static, str>,
    columns: Arc<[Column]>,
    data: Vec<Arc<ColumnData>>,
    len: usize,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("columns", &self.columns)
            .field("rows", &self.len)
            .finish()
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.columns == other.columns
            && self.len == other.len
            && (0..self.width()).all(|c| {
                let (a, b) = (self.store(c), other.store(c));
                (0..self.len).all(|r| a.get(r) == b.get(r))
            })
    }
}

impl Table {
    /// An empty table named `name` with `columns`.
    pub fn new(name: impl Into<Cow<'static, str>>, columns: impl Into<Arc<[Column]>>) -> Table {
        let columns = columns.into();
        let data = (0..columns.len())
            .map(|_| Arc::new(ColumnData::ready(Store::default())))
            .collect();
        Table {
            name: name.into(),
            columns,
            data,
            len: 0,
        }
    }

    /// An empty table with room for `rows` rows (stores grow as needed; kept for callers).
    pub fn with_capacity(
        name: impl Into<Cow<'static, str>>,
        columns: impl Into<Arc<[Column]>>,
        _rows: usize,
    ) -> Table {
        Table::new(name, columns)
    }

    /// A table made of existing column data, each holding `len` values (lazy columns must give
    /// `len` values when computed).
    ///
    /// # Panics
    /// When the number of columns and of data differ (a programming error).
    pub fn from_columns(
        name: impl Into<Cow<'static, str>>,
        columns: impl Into<Arc<[Column]>>,
        data: Vec<Arc<ColumnData>>,
        len: usize,
    ) -> Table {
        let columns = columns.into();
        assert_eq!(columns.len(), data.len(), "column count mismatch");
        Table {
            name: name.into(),
            columns,
            data,
            len,
        }
    }

    /// The table's name (a built-in table's name, or the name of the table it derives from).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renames the table.
    pub fn set_name(&mut self, name: impl Into<Cow<'static, str>>) {
        self.name = name.into();
    }

    /// The schema.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The shared schema, for building tables with the same columns.
    pub fn schema(&self) -> Arc<[Column]> {
        Arc::clone(&self.columns)
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Position of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The shared data of column `col` (computed or not).
    pub fn column_data(&self, col: usize) -> &Arc<ColumnData> {
        &self.data[col]
    }

    /// The values of column `col`, computing a lazy column first.
    #[inline]
    pub fn store(&self, col: usize) -> &Store {
        self.data[col].get()
    }

    /// Computes every lazy column now (before printing the notes their computing may add,
    /// for a table about to be shown whole).
    pub fn compute_all(&self) {
        for d in &self.data {
            d.get();
        }
    }

    /// Replaces column `col` with `data` (which must hold [`Table::len`] values).
    pub fn set_column(&mut self, col: usize, data: Arc<ColumnData>) {
        self.data[col] = data;
    }

    /// Appends a row; it must have exactly one value per column.
    ///
    /// # Panics
    /// When the row's length differs from the table's width (a programming error).
    pub fn push(&mut self, row: impl IntoIterator<Item = Value>) {
        let mut n = 0;
        for v in row {
            assert!(n < self.width(), "row width mismatch in {}", self.name);
            Arc::make_mut(&mut self.data[n]).get_mut().push(v);
            n += 1;
        }
        assert_eq!(n, self.width(), "row width mismatch in {}", self.name);
        self.len += 1;
    }

    /// Gives back the spare capacity of every column (after the last push).
    pub fn shrink(&mut self) {
        for d in &mut self.data {
            if let Some(d) = Arc::get_mut(d) {
                d.get_mut().shrink();
            }
        }
    }

    /// The row at `index`, as values.
    pub fn row(&self, index: usize) -> Vec<Value> {
        (0..self.width()).map(|c| self.cell(index, c)).collect()
    }

    /// The cell at (`row`, `col`).
    #[inline]
    pub fn cell(&self, row: usize, col: usize) -> Value {
        debug_assert!(row < self.len);
        self.store(col).get(row)
    }

    /// Every row in order, as values (a row is built per step: hot paths read stores).
    pub fn rows(&self) -> impl Iterator<Item = Vec<Value>> + '_ {
        (0..self.len).map(|i| self.row(i))
    }

    /// The rows at `rows`, in that order ([`NO_ROW`] gives a row of nulls); columns are
    /// gathered, not copied whole.
    pub fn take(&self, rows: &[u32]) -> Table {
        // Every column gathers when first read (a lazy one is computed then); columns that
        // are never read are never copied.
        let rows: Arc<[u32]> = rows.into();
        let data = self
            .data
            .iter()
            .map(|d| Arc::new(ColumnData::take(d, Arc::clone(&rows))))
            .collect();
        Table {
            name: self.name.clone(),
            columns: Arc::clone(&self.columns),
            data,
            len: rows.len(),
        }
    }

    /// The columns at `cols`, in that order, sharing their data.
    pub fn project(&self, cols: &[usize]) -> Table {
        Table {
            name: self.name.clone(),
            columns: cols.iter().map(|&c| self.columns[c].clone()).collect(),
            data: cols.iter().map(|&c| Arc::clone(&self.data[c])).collect(),
            len: self.len,
        }
    }

    /// Changes every cell in place.
    pub fn map_cells(&mut self, mut f: impl FnMut(&mut Value)) {
        for d in &mut self.data {
            let old = d.get();
            let mut s = Store::default();
            for r in 0..self.len {
                let mut v = old.get(r);
                f(&mut v);
                s.push(v);
            }
            *d = Arc::new(ColumnData::ready(s));
        }
    }

    /// Keeps the rows for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&[Value]) -> bool) {
        let rows: Vec<u32> = (0..self.len)
            .filter(|&r| keep(&self.row(r)))
            .map(|r| r as u32)
            .collect();
        if rows.len() != self.len {
            *self = self.take(&rows);
        }
    }

    /// Every cell, row after row.
    pub fn into_cells(self) -> Vec<Value> {
        self.rows().flatten().collect()
    }
}

/// Row index as stored in selections (tables hold at most `u32::MAX - 1` rows).
pub fn row_id(i: usize) -> u32 {
    debug_assert!(i < NO_ROW as usize);
    i as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(
            "t",
            vec![
                Column::new("a", Type::Int, "a"),
                Column::new("b", Type::Str, "b"),
            ],
        );
        t.push([Value::Int(1), Value::str("x")]);
        t.push([Value::Int(2), Value::str("y")]);
        t
    }

    #[test]
    fn rows_are_sliced_by_width() {
        let t = sample();
        assert_eq!(t.len(), 2);
        assert_eq!(t.row(1)[1], Value::str("y"));
        assert_eq!(t.rows().count(), 2);
        assert_eq!(t.column_index("b"), Some(1));
    }

    #[test]
    fn retain_keeps_matching_rows() {
        let mut t = sample();
        t.retain(|r| r[0] == Value::Int(2));
        assert_eq!(t.len(), 1);
        assert_eq!(t.cell(0, 1), Value::str("y"));
    }
}
