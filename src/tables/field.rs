//! Columns bound to source records, and the builder that turns records into a projected table.
//!
//! A table module declares one [`Field`] per column: the column (name, type, description) and a
//! function reading the cell from the module's record type. [`TableBuilder`] evaluates only the
//! requested fields, so a query that uses three columns never builds the other thirty.

use std::sync::Arc;

use super::Request;
use crate::model::{Column, ColumnData, Store, Table, Value};

/// How a [`Field`] reads its cell from a record of type `R`: any value, or, for the columns
/// of big tables, a number or address pushed into the column store as it is, without a
/// [`Value`] built and matched per cell.
pub enum Get<R> {
    /// Any cell.
    Value(fn(&R) -> Value),
    /// An integer, or null.
    Int(fn(&R) -> Option<i64>),
    /// A float, or null.
    Float(fn(&R) -> Option<f64>),
    /// An IP address, or null.
    Ip(fn(&R) -> Option<std::net::IpAddr>),
    /// A text of a few fixed values (a state, a protocol): the shared value when the first
    /// function knows it, else the value the second makes.
    Pick(fn(&R) -> Option<&'static Value>, fn(&R) -> Value),
    /// A name from the system (see [`Value::shared_name`]), or null.
    Name(fn(&R) -> Option<&Arc<str>>),
}

impl<R> Clone for Get<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Get<R> {}

/// A column and how to read it from a record of type `R`.
pub struct Field<R> {
    /// The column.
    pub column: Column,
    /// Reads the cell.
    pub get: Get<R>,
}

impl<R> Field<R> {
    /// A field of a built-in table.
    pub const fn new(column: Column, get: fn(&R) -> Value) -> Field<R> {
        Field {
            column,
            get: Get::Value(get),
        }
    }

    /// An integer field (null for `None`).
    pub const fn int(column: Column, get: fn(&R) -> Option<i64>) -> Field<R> {
        Field {
            column,
            get: Get::Int(get),
        }
    }

    /// A float field (null for `None`).
    pub const fn float(column: Column, get: fn(&R) -> Option<f64>) -> Field<R> {
        Field {
            column,
            get: Get::Float(get),
        }
    }

    /// An IP address field (null for `None`).
    pub const fn ip(column: Column, get: fn(&R) -> Option<std::net::IpAddr>) -> Field<R> {
        Field {
            column,
            get: Get::Ip(get),
        }
    }

    /// A text field of a few fixed values (see [`Get::Pick`]).
    pub const fn pick(
        column: Column,
        pick: fn(&R) -> Option<&'static Value>,
        other: fn(&R) -> Value,
    ) -> Field<R> {
        Field {
            column,
            get: Get::Pick(pick, other),
        }
    }

    /// A name field (null for `None`).
    pub const fn name(column: Column, get: fn(&R) -> Option<&Arc<str>>) -> Field<R> {
        Field {
            column,
            get: Get::Name(get),
        }
    }

    /// The cell of `record`.
    pub fn value(&self, record: &R) -> Value {
        match self.get {
            Get::Pick(pick, other) => pick(record).cloned().unwrap_or_else(|| other(record)),
            Get::Name(g) => g(record).map_or(Value::Null, Value::shared_name),
            Get::Value(g) => g(record),
            Get::Int(g) => g(record).map_or(Value::Null, Value::Int),
            Get::Float(g) => g(record).map_or(Value::Null, Value::Float),
            Get::Ip(g) => g(record).map_or(Value::Null, Value::Ip),
        }
    }

    /// Appends the cells of `records` to `store`, in order: [`Field::push_to`] of each, with
    /// the kind of cell and the store's form matched once for the batch.
    fn push_batch(&self, store: &mut Store, records: &[R]) {
        match self.get {
            Get::Value(g) => records.iter().for_each(|r| store.push(g(r))),
            Get::Int(g) => store.extend_opt_int(records.iter().map(g)),
            Get::Float(g) => store.extend_opt_float(records.iter().map(g)),
            Get::Ip(g) => store.extend_opt_ip(records.iter().map(g)),
            Get::Pick(pick, _) => {
                // Runs of the fixed values go in together; a record whose value is none of
                // them goes in on its own, and the run after it goes on.
                let mut rest = records.iter();
                loop {
                    let mut odd = None;
                    store.extend_refs(rest.by_ref().map_while(|r| {
                        let v = pick(r);
                        if v.is_none() {
                            odd = Some(r);
                        }
                        v
                    }));
                    match odd {
                        Some(r) => self.push_to(store, r),
                        None => break,
                    }
                }
            }
            Get::Name(g) => store.extend_names(records.iter().map(g)),
        }
    }

    /// Appends the cell of `record` to `store`.
    #[inline]
    fn push_to(&self, store: &mut Store, record: &R) {
        match self.get {
            Get::Value(g) => store.push(g(record)),
            Get::Int(g) => store.push_opt_int(g(record)),
            Get::Float(g) => store.push_opt_float(g(record)),
            Get::Ip(g) => store.push_opt_ip(g(record)),
            Get::Pick(pick, other) => match pick(record) {
                Some(v) => store.push_ref(v),
                None => store.push(other(record)),
            },
            Get::Name(g) => store.push_name(g(record)),
        }
    }
}

/// The columns of `fields`, for a table's schema.
pub fn columns_of<R>(fields: &[Field<R>]) -> Vec<Column> {
    fields.iter().map(|f| f.column.clone()).collect()
}

/// Builds a table from records, evaluating only the requested fields.
pub struct TableBuilder<R: 'static> {
    name: &'static str,
    selected: Vec<&'static Field<R>>,
    columns: Arc<[Column]>,
    /// One store per selected field, filled a cell at a time (not a row through the table,
    /// which would check each column's sharing for every cell).
    stores: Vec<Store>,
    len: usize,
    /// Rows expected ([`TableBuilder::expect`]): room for them is made once the first rows
    /// have given each column its form.
    expect: usize,
    /// Records taken by [`TableBuilder::push_owned`], not yet in the stores.
    pending: Vec<R>,
}

/// Records [`TableBuilder::push_owned`] gathers before filling the stores a column at a time:
/// few enough that they stay in the processor's cache while every column reads them.
const BATCH: usize = 256;

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
            name,
            stores: selected.iter().map(|_| Store::default()).collect(),
            selected,
            columns,
            len: 0,
            expect: 0,
            pending: Vec::new(),
        }
    }

    /// Expects about `rows` rows (a collection that repeats, as the last one was long), so
    /// the columns grow once instead of doubling their way there.
    pub fn expect(&mut self, rows: usize) {
        self.expect = rows;
    }

    /// Appends the row for `record`.
    pub fn push(&mut self, record: &R) {
        self.flush();
        for (f, s) in self.selected.iter().zip(&mut self.stores) {
            f.push_to(s, record);
        }
        self.added(1);
    }

    /// Appends the row for `record`, taking it: records are gathered and go into the stores
    /// a batch and a column at a time, which is faster for long tables than
    /// [`TableBuilder::push`] (each column's kind of cell and form is matched once a batch).
    pub fn push_owned(&mut self, record: R) {
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(BATCH);
        }
        self.pending.push(record);
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    /// Moves the gathered records into the stores.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        for (f, s) in self.selected.iter().zip(&mut self.stores) {
            f.push_batch(s, &self.pending);
        }
        let n = self.pending.len();
        self.pending.clear();
        self.added(n);
    }

    /// Counts `n` rows just stored; after the first ones, makes room for the rest expected.
    fn added(&mut self, n: usize) {
        let first = self.len == 0;
        self.len += n;
        if first && self.expect > self.len {
            for s in &mut self.stores {
                s.reserve(self.expect - self.len);
            }
        }
    }

    /// Appends a row per record.
    pub fn extend<'a>(&mut self, records: impl IntoIterator<Item = &'a R>) {
        for r in records {
            self.push(r);
        }
    }

    /// The finished table.
    pub fn finish(mut self) -> Table {
        self.flush();
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
