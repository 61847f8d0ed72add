//! Tables: a schema (named, typed, documented columns) and rows stored flat, row after row.
//!
//! Storing every cell of a table in one `Vec<Value>` (row-major, `width` cells a row) costs one
//! allocation per table instead of one per row, keeps rows contiguous for scans, and lets a
//! row be borrowed as a plain slice. Derived tables (select, join, group_by) are new tables.

use std::borrow::Cow;
use std::sync::Arc;

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

/// A table of typed rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    name: Cow<'static, str>,
    columns: Arc<[Column]>,
    cells: Vec<Value>,
}

impl Table {
    /// An empty table named `name` with `columns`.
    pub fn new(name: impl Into<Cow<'static, str>>, columns: impl Into<Arc<[Column]>>) -> Table {
        Table {
            name: name.into(),
            columns: columns.into(),
            cells: Vec::new(),
        }
    }

    /// An empty table with room for `rows` rows.
    pub fn with_capacity(
        name: impl Into<Cow<'static, str>>,
        columns: impl Into<Arc<[Column]>>,
        rows: usize,
    ) -> Table {
        let columns = columns.into();
        let cells = Vec::with_capacity(rows * columns.len());
        Table {
            name: name.into(),
            columns,
            cells,
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
        self.cells.len().checked_div(self.width()).unwrap_or(0)
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Position of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Appends a row; it must have exactly one value per column.
    ///
    /// # Panics
    /// When the row's length differs from the table's width (a programming error).
    pub fn push(&mut self, row: impl IntoIterator<Item = Value>) {
        let before = self.cells.len();
        self.cells.extend(row);
        assert_eq!(
            self.cells.len() - before,
            self.width(),
            "row width mismatch in {}",
            self.name
        );
    }

    /// The row at `index`.
    pub fn row(&self, index: usize) -> &[Value] {
        let w = self.width();
        &self.cells[index * w..(index + 1) * w]
    }

    /// The cell at (`row`, `col`).
    pub fn cell(&self, row: usize, col: usize) -> &Value {
        &self.cells[row * self.width() + col]
    }

    /// Every row in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, Value> {
        // A zero-width table has no cells, so any chunk size yields nothing.
        self.cells.chunks_exact(self.width().max(1))
    }

    /// Changes every cell in place.
    pub fn map_cells(&mut self, mut f: impl FnMut(&mut Value)) {
        self.cells.iter_mut().for_each(&mut f);
    }

    /// Keeps the rows for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&[Value]) -> bool) {
        let w = self.width();
        if w == 0 {
            return;
        }
        let mut out = Vec::with_capacity(self.cells.len());
        for row in self.cells.chunks_exact(w) {
            if keep(row) {
                out.extend_from_slice(row);
            }
        }
        self.cells = out;
    }

    /// Gives up the flat cell storage.
    pub fn into_cells(self) -> Vec<Value> {
        self.cells
    }
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
        assert_eq!(t.cell(0, 1), &Value::str("y"));
    }
}
