//! Columns bound to source records, and the builder that turns records into a projected table.
//!
//! A table module declares one [`Field`] per column: the column (name, type, description) and a
//! function reading the cell from the module's record type. [`TableBuilder`] evaluates only the
//! requested fields, so a query that uses three columns never builds the other thirty.

use std::sync::Arc;

use super::Request;
use crate::model::{Column, ColumnData, Store, Table, Value};

/// A shared name from the source layer as a cell (see `model::rawtext`): the same `Arc` when
/// the name is UTF-8, its bytes otherwise.
pub fn shared_name(s: &Arc<str>) -> Value {
    if crate::model::rawtext::is_encoded(s) {
        Value::raw(s)
    } else {
        Value::Str(s.clone())
    }
}

/// A column and how to read it from a record of type `R`.
pub struct Field<R> {
    /// The column.
    pub column: Column,
    /// Reads the cell.
    pub get: fn(&R) -> Value,
}

impl<R> Field<R> {
    /// A field of a built-in table.
    pub const fn new(column: Column, get: fn(&R) -> Value) -> Field<R> {
        Field { column, get }
    }
}

/// The columns of `fields`, for a table's schema.
pub fn columns_of<R>(fields: &[Field<R>]) -> Vec<Column> {
    fields.iter().map(|f| f.column.clone()).collect()
}

/// Builds a table from records, evaluating only the requested fields.
pub struct TableBuilder<R: 'static> {
    selected: Vec<&'static Field<R>>,
    name: &'static str,
    columns: Arc<[Column]>,
    /// One store per selected field, appended to directly (no row of values per record).
    stores: Vec<Store>,
    len: usize,
}

impl<R: 'static> TableBuilder<R> {
    /// A builder for table `name` over `fields`, projected by `req.columns` (names must have
    /// been checked with [`super::check_columns`]; unknown names are ignored here).
    pub fn new(name: &'static str, fields: &'static [Field<R>], req: &Request) -> Self {
        let selected: Vec<&'static Field<R>> = match &req.columns {
            None => fields.iter().collect(),
            Some(cols) => cols
                .iter()
                .filter_map(|c| fields.iter().find(|f| f.column.name == c.as_str()))
                .collect(),
        };
        let columns: Arc<[Column]> = selected.iter().map(|f| f.column.clone()).collect();
        TableBuilder {
            stores: selected.iter().map(|_| Store::default()).collect(),
            selected,
            name,
            columns,
            len: 0,
        }
    }

    /// Appends the row for `record`.
    pub fn push(&mut self, record: &R) {
        for (s, f) in self.stores.iter_mut().zip(&self.selected) {
            s.push((f.get)(record));
        }
        self.len += 1;
    }

    /// Appends a row per record.
    pub fn extend<'a>(&mut self, records: impl IntoIterator<Item = &'a R>) {
        for r in records {
            self.push(r);
        }
    }

    /// The finished table.
    pub fn finish(self) -> Table {
        let data = self
            .stores
            .into_iter()
            .map(|s| Arc::new(ColumnData::ready(s)))
            .collect();
        Table::from_columns(self.name, self.columns, data, self.len)
    }
}

/// Builds table `name` from `records` over `fields`, evaluating only the fields `req` asks for
/// (the whole of most tables' `build`).
pub fn build<'a, R: 'static>(
    name: &'static str,
    fields: &'static [Field<R>],
    req: &Request,
    records: impl IntoIterator<Item = &'a R>,
) -> Table {
    let mut b = TableBuilder::new(name, fields, req);
    b.extend(records);
    b.finish()
}

/// Defines a table module's `columns()`: its schema, built once from its fields.
macro_rules! columns_fn {
    ($fields:expr) => {
        fn columns() -> &'static [$crate::model::Column] {
            static COLUMNS: std::sync::LazyLock<Vec<$crate::model::Column>> =
                std::sync::LazyLock::new(|| $crate::tables::field::columns_of(&$fields));
            &COLUMNS
        }
    };
}
pub(crate) use columns_fn;
