//! Compact column stores: one column of a [`super::Table`], held in the narrowest form its
//! values allow, and columns computed on first use.
//!
//! A [`Store`] starts as "all null so far" and adapts as values are appended: integers are
//! kept in the narrowest of 8, 16, 32 or 64 bits that holds every value seen (widening once
//! when a larger one arrives), texts are interned in a per-column dictionary and stored as
//! small integer codes, IPv4 addresses as 32-bit numbers, and nulls in a bitmap that exists
//! only once a null appears. A column whose values do not share one type falls back to plain
//! [`Value`]s. [`ColumnData`] wraps a store that may be computed lazily, once, the first time
//! any of its values is read (the owner scan of `sockets`).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};

use super::value::Value;

/// Row index meaning "no row" in [`Store::take`]: the taken cell is null (left joins).
pub const NO_ROW: u32 = u32::MAX;

/// Integers in the narrowest width that holds every value pushed so far.
#[derive(Debug, Clone)]
pub enum Ints {
    /// Every value fits 8 bits.
    I8(Vec<i8>),
    /// Every value fits 16 bits.
    I16(Vec<i16>),
    /// Every value fits 32 bits.
    I32(Vec<i32>),
    /// Anything else.
    I64(Vec<i64>),
}

impl Default for Ints {
    fn default() -> Self {
        Ints::I8(Vec::new())
    }
}

impl Ints {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Ints::I8(v) => v.len(),
            Ints::I16(v) => v.len(),
            Ints::I32(v) => v.len(),
            Ints::I64(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `i`.
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        match self {
            Ints::I8(v) => i64::from(v[i]),
            Ints::I16(v) => i64::from(v[i]),
            Ints::I32(v) => i64::from(v[i]),
            Ints::I64(v) => v[i],
        }
    }

    /// Appends `n`, widening the store when it does not fit.
    #[inline]
    pub fn push(&mut self, n: i64) {
        match self {
            Ints::I8(v) if let Ok(x) = i8::try_from(n) => v.push(x),
            Ints::I16(v) if let Ok(x) = i16::try_from(n) => v.push(x),
            Ints::I32(v) if let Ok(x) = i32::try_from(n) => v.push(x),
            Ints::I64(v) => v.push(n),
            _ => self.push_widening(n),
        }
    }

    /// [`Ints::push`] of a value that does not fit the present width.
    #[cold]
    #[inline(never)]
    fn push_widening(&mut self, n: i64) {
        loop {
            match self {
                Ints::I8(v) => match i8::try_from(n) {
                    Ok(x) => return v.push(x),
                    Err(_) => *self = Ints::I16(widen(v)),
                },
                Ints::I16(v) => match i16::try_from(n) {
                    Ok(x) => return v.push(x),
                    Err(_) => *self = Ints::I32(widen(v)),
                },
                Ints::I32(v) => match i32::try_from(n) {
                    Ok(x) => return v.push(x),
                    Err(_) => *self = Ints::I64(widen(v)),
                },
                Ints::I64(v) => return v.push(n),
            }
        }
    }

    /// Makes room for `n` more values.
    pub fn reserve(&mut self, n: usize) {
        match self {
            Ints::I8(v) => v.reserve(n),
            Ints::I16(v) => v.reserve(n),
            Ints::I32(v) => v.reserve(n),
            Ints::I64(v) => v.reserve(n),
        }
    }

    /// Whether the `len` values from `a` equal this store's `len` values from `b` of
    /// `other`, decided by comparing the two runs whole; `false` also when the stores have
    /// different widths (then compare value by value) or a run passes either end.
    pub fn same_run(&self, a: usize, other: &Ints, b: usize, len: usize) -> bool {
        fn run<T: PartialEq>(x: &[T], a: usize, y: &[T], b: usize, len: usize) -> bool {
            match (x.get(a..a + len), y.get(b..b + len)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            }
        }
        match (self, other) {
            (Ints::I8(x), Ints::I8(y)) => run(x, a, y, b, len),
            (Ints::I16(x), Ints::I16(y)) => run(x, a, y, b, len),
            (Ints::I32(x), Ints::I32(y)) => run(x, a, y, b, len),
            (Ints::I64(x), Ints::I64(y)) => run(x, a, y, b, len),
            _ => false,
        }
    }

    /// The values at `rows`, in the same width (`NO_ROW` gives 0).
    fn take(&self, rows: &[u32]) -> Ints {
        fn pick<T: Copy + Default>(v: &[T], rows: &[u32]) -> Vec<T> {
            rows.iter()
                .map(|&r| v.get(r as usize).copied().unwrap_or_default())
                .collect()
        }
        match self {
            Ints::I8(v) => Ints::I8(pick(v, rows)),
            Ints::I16(v) => Ints::I16(pick(v, rows)),
            Ints::I32(v) => Ints::I32(pick(v, rows)),
            Ints::I64(v) => Ints::I64(pick(v, rows)),
        }
    }

    /// Bytes per value.
    fn width(&self) -> usize {
        match self {
            Ints::I8(_) => 1,
            Ints::I16(_) => 2,
            Ints::I32(_) => 4,
            Ints::I64(_) => 8,
        }
    }

    fn shrink(&mut self) {
        match self {
            Ints::I8(v) => v.shrink_to_fit(),
            Ints::I16(v) => v.shrink_to_fit(),
            Ints::I32(v) => v.shrink_to_fit(),
            Ints::I64(v) => v.shrink_to_fit(),
        }
    }
}

/// Counts the null cells of `cells` into an all-null store's `n`; returns the first cell
/// that is not null (`None`: all counted).
fn fill_nulls<T>(
    n: &mut usize,
    cells: &mut impl Iterator<Item = T>,
    is_null: impl Fn(&T) -> bool,
) -> Option<T> {
    for cell in cells {
        if !is_null(&cell) {
            return Some(cell);
        }
        *n += 1;
    }
    None
}

/// `v` in a wider integer type, with the room `v` had.
fn widen<T: Copy, U: From<T>>(v: &mut Vec<T>) -> Vec<U> {
    let mut w = Vec::with_capacity(v.capacity());
    w.extend(v.iter().map(|&x| U::from(x)));
    w
}

/// A null bitmap: bit `i` set means row `i` is null; rows past its end are not null.
#[derive(Debug, Clone, Default)]
pub struct Nulls(Vec<u64>);

impl Nulls {
    /// Whether row `i` is null.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Marks row `i` null.
    pub fn set(&mut self, i: usize) {
        let w = i / 64;
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (i % 64);
    }

    /// Whether no row in `rows` is null (a whole bitmap word at a time).
    fn none_in(&self, rows: std::ops::Range<usize>) -> bool {
        if rows.is_empty() {
            return true;
        }
        let (first, last) = (rows.start / 64, (rows.end - 1) / 64);
        (first..=last).all(|w| {
            let word = self.0.get(w).copied().unwrap_or(0);
            let lo = if w == first { rows.start % 64 } else { 0 };
            let hi = if w == last { (rows.end - 1) % 64 } else { 63 };
            let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
            word & mask == 0
        })
    }

    /// Whether the `len` rows from `a` have the same null marks as `other`'s `len` rows from
    /// `b`; `false` (unknown) when both have nulls there at different offsets.
    fn same_run(&self, a: usize, other: &Nulls, b: usize, len: usize) -> bool {
        let (x, y) = (self.none_in(a..a + len), other.none_in(b..b + len));
        if x || y {
            return x && y;
        }
        a == b && (a..a + len).all(|i| self.get(i) == other.get(i))
    }

    fn take(&self, rows: &[u32]) -> Nulls {
        let mut out = Nulls::default();
        for (i, &r) in rows.iter().enumerate() {
            if r == NO_ROW || self.get(r as usize) {
                out.set(i);
            }
        }
        out
    }
}

/// Interned texts of one column: code `c` (from 1) is `values[c - 1]`; code 0 is null.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    values: Vec<Value>,
    index: HashMap<Value, u32>,
    /// Codes by the address of a text the dictionary holds: a cell that shares that very
    /// text (collectors hand out shared state and protocol names) is found without hashing
    /// its bytes. Direct-mapped; an address here stays valid because `values` keeps the text.
    recent: [(usize, u32); 16],
}

/// The address of a text value's shared allocation.
fn text_addr(v: &Value) -> Option<usize> {
    match v {
        Value::Str(s) => Some(Arc::as_ptr(s).cast::<u8>() as usize),
        Value::Bytes(b) => Some(Arc::as_ptr(b).cast::<u8>() as usize),
        _ => None,
    }
}

impl Dict {
    /// The interned texts in code order: code `c` (from 1) is `values()[c - 1]`.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    fn code(&mut self, v: Value) -> i64 {
        self.code_ref(&v)
    }

    /// The code of the text held at address `addr`, when it is one the dictionary holds and
    /// has seen lately (no hashing).
    #[inline]
    fn code_at(&self, addr: usize) -> Option<i64> {
        let (held, c) = self.recent[(addr >> 4) & 15];
        (held == addr && c != 0).then_some(i64::from(c))
    }

    /// The code of text `v`, interning a copy when it is new.
    fn code_ref(&mut self, v: &Value) -> i64 {
        let addr = text_addr(v);
        if let Some(c) = addr.and_then(|a| self.code_at(a)) {
            return c;
        }
        let c = match self.index.get(v) {
            Some(&c) => c,
            None => {
                self.values.push(v.clone());
                let c = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
                self.index.insert(v.clone(), c);
                c
            }
        };
        // Remember the address only when it is the one the dictionary holds.
        if let Some(a) = addr
            && self
                .values
                .get(c as usize - 1)
                .and_then(text_addr)
                .is_some_and(|held| held == a)
        {
            self.recent[(a >> 4) & 15] = (a, c);
        }
        i64::from(c)
    }

    /// The text of code `c` (null for 0).
    #[inline]
    fn value(&self, c: i64) -> Value {
        match usize::try_from(c) {
            Ok(c) if c > 0 => self.values.get(c - 1).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    #[inline]
    /// The code of text `v` in this dictionary, if it holds it (a text equal to it by
    /// [`Value`]'s `==`).
    pub fn code_of(&self, v: &Value) -> Option<u32> {
        self.index.get(v).copied()
    }

    fn text(&self, c: i64) -> Option<&Value> {
        usize::try_from(c)
            .ok()
            .and_then(|c| c.checked_sub(1))
            .and_then(|c| self.values.get(c))
    }
}

/// One column's values in a compact form (see the module documentation).
#[derive(Debug, Clone)]
pub enum Store {
    /// `n` values, all null.
    Null(usize),
    /// Integers (`Type::Int`).
    Int(Ints, Nulls),
    /// Floats.
    Float(Vec<f64>, Nulls),
    /// Booleans.
    Bool(Vec<bool>, Nulls),
    /// IPv4 addresses only, as numbers.
    Ip4(Vec<u32>, Nulls),
    /// Any addresses.
    Ip(Vec<IpAddr>, Nulls),
    /// Texts (UTF-8 or bytes) as codes into a shared dictionary.
    Text(Arc<Dict>, Ints),
    /// Values of mixed types.
    Mixed(Vec<Value>),
}

impl Default for Store {
    fn default() -> Self {
        Store::Null(0)
    }
}

/// A key identifying a cell's value within one store, for hashing and grouping without
/// building a [`Value`]. Two cells of one store have equal keys exactly when their values are
/// equal, except in a [`Store::Mixed`] or float store, which key by row (callers fall back to
/// values there: see [`Store::keyed`]).
pub type CellKey = (u8, u128);

impl Store {
    /// A store for `value` after `nulls` nulls.
    fn start(value: &Value, nulls: usize) -> Store {
        let mut n = Nulls::default();
        for i in 0..nulls {
            n.set(i);
        }
        let mut s = match value {
            Value::Null => return Store::Null(nulls),
            Value::Int(_) => Store::Int(Ints::default(), n),
            Value::Float(_) => Store::Float(Vec::new(), n),
            Value::Bool(_) => Store::Bool(Vec::new(), n),
            Value::Ip(IpAddr::V4(_)) => Store::Ip4(Vec::new(), n),
            Value::Ip(IpAddr::V6(_)) => Store::Ip(Vec::new(), n),
            Value::Str(_) | Value::Bytes(_) => {
                let mut codes = Ints::default();
                (0..nulls).for_each(|_| codes.push(0));
                return Store::Text(Arc::default(), codes);
            }
        };
        for _ in 0..nulls {
            match &mut s {
                Store::Int(v, _) => v.push(0),
                Store::Float(v, _) => v.push(0.0),
                Store::Bool(v, _) => v.push(false),
                Store::Ip4(v, _) => v.push(0),
                Store::Ip(v, _) => v.push(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                _ => {}
            }
        }
        s
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Store::Null(n) => *n,
            Store::Int(v, _) => v.len(),
            Store::Float(v, _) => v.len(),
            Store::Bool(v, _) => v.len(),
            Store::Ip4(v, _) => v.len(),
            Store::Ip(v, _) => v.len(),
            Store::Text(_, c) => c.len(),
            Store::Mixed(v) => v.len(),
        }
    }

    /// Whether the store holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `value`, adapting the store's form when it does not fit.
    pub fn push(&mut self, value: Value) {
        let i = self.len();
        match (&mut *self, value) {
            (Store::Null(n), Value::Null) => *n += 1,
            (Store::Null(n), v) => {
                *self = Store::start(&v, *n);
                self.push(v);
            }
            (Store::Int(v, _), Value::Int(x)) => v.push(x),
            (Store::Int(v, nulls), Value::Null) => {
                nulls.set(i);
                v.push(0);
            }
            (Store::Float(v, _), Value::Float(x)) => v.push(x),
            (Store::Float(v, nulls), Value::Null) => {
                nulls.set(i);
                v.push(0.0);
            }
            (Store::Bool(v, _), Value::Bool(x)) => v.push(x),
            (Store::Bool(v, nulls), Value::Null) => {
                nulls.set(i);
                v.push(false);
            }
            (Store::Ip4(v, _), Value::Ip(IpAddr::V4(a))) => v.push(u32::from(a)),
            (Store::Ip4(v, nulls), Value::Null) => {
                nulls.set(i);
                v.push(0);
            }
            (Store::Ip4(v, nulls), Value::Ip(a)) => {
                let all = v.iter().map(|&x| IpAddr::V4(Ipv4Addr::from(x))).collect();
                *self = Store::Ip(all, std::mem::take(nulls));
                self.push(Value::Ip(a));
            }
            (Store::Ip(v, _), Value::Ip(a)) => v.push(a),
            (Store::Ip(v, nulls), Value::Null) => {
                nulls.set(i);
                v.push(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            }
            (Store::Text(d, codes), v @ (Value::Str(_) | Value::Bytes(_))) => {
                codes.push(Arc::make_mut(d).code(v));
            }
            (Store::Text(_, codes), Value::Null) => codes.push(0),
            (Store::Mixed(vs), v) => vs.push(v),
            (s, v) => {
                let all: Vec<Value> = (0..s.len()).map(|r| s.get(r)).collect();
                *self = Store::Mixed(all);
                self.push(v);
            }
        }
    }

    /// Makes room for `n` more values (a table about as long as the last one collected).
    pub fn reserve(&mut self, n: usize) {
        match self {
            Store::Null(_) => {}
            Store::Int(v, _) | Store::Text(_, v) => v.reserve(n),
            Store::Float(v, _) => v.reserve(n),
            Store::Bool(v, _) => v.reserve(n),
            Store::Ip4(v, _) => v.reserve(n),
            Store::Ip(v, _) => v.reserve(n),
            Store::Mixed(v) => v.reserve(n),
        }
    }

    /// Appends a null: [`Store::push`] of `Value::Null`, without the general path for the
    /// usual forms (many columns of a big table are null for most rows).
    #[inline]
    pub fn push_null(&mut self) {
        match self {
            Store::Null(n) => *n += 1,
            Store::Int(v, nulls) => {
                nulls.set(v.len());
                v.push(0);
            }
            Store::Text(_, codes) => codes.push(0),
            _ => self.push(Value::Null),
        }
    }

    /// Appends every integer (or null, for `None`) of `cells`: [`Store::push_opt_int`] of
    /// each, with the store's form matched once per run of cells that fit it rather than
    /// once per cell.
    pub fn extend_opt_int(&mut self, mut cells: impl Iterator<Item = Option<i64>>) {
        while let Some(misfit) = self.fill_ints(&mut cells) {
            self.push_opt_int(misfit);
        }
    }

    /// Pushes cells of `cells` while they fit the store's present form; returns the first
    /// that does not, for the general path (`None`: all pushed).
    fn fill_ints(&mut self, cells: &mut impl Iterator<Item = Option<i64>>) -> Option<Option<i64>> {
        fn narrow<T: TryFrom<i64> + Default>(
            v: &mut Vec<T>,
            nulls: &mut Nulls,
            cells: &mut impl Iterator<Item = Option<i64>>,
        ) -> Option<Option<i64>> {
            for cell in cells {
                match cell {
                    Some(n) => match T::try_from(n) {
                        Ok(x) => v.push(x),
                        Err(_) => return Some(cell),
                    },
                    None => {
                        nulls.set(v.len());
                        v.push(T::default());
                    }
                }
            }
            None
        }
        match self {
            Store::Int(Ints::I8(v), nulls) => narrow(v, nulls, cells),
            Store::Int(Ints::I16(v), nulls) => narrow(v, nulls, cells),
            Store::Int(Ints::I32(v), nulls) => narrow(v, nulls, cells),
            Store::Int(Ints::I64(v), nulls) => narrow(v, nulls, cells),
            Store::Null(n) => fill_nulls(n, cells, Option::is_none),
            _ => cells.next(),
        }
    }

    /// Appends every float (or null) of `cells` ([`Store::extend_opt_int`] for floats).
    pub fn extend_opt_float(&mut self, mut cells: impl Iterator<Item = Option<f64>>) {
        loop {
            let misfit = match self {
                Store::Float(v, nulls) => cells.find(|cell| {
                    match cell {
                        Some(f) => v.push(*f),
                        None => {
                            nulls.set(v.len());
                            v.push(0.0);
                        }
                    }
                    false
                }),
                Store::Null(n) => fill_nulls(n, &mut cells, Option::is_none),
                _ => cells.next(),
            };
            match misfit {
                Some(cell) => self.push_opt_float(cell),
                None => return,
            }
        }
    }

    /// Appends every address (or null) of `cells` ([`Store::extend_opt_int`] for addresses).
    pub fn extend_opt_ip(&mut self, mut cells: impl Iterator<Item = Option<IpAddr>>) {
        loop {
            let misfit = match self {
                Store::Ip4(v, nulls) => cells.find(|cell| match cell {
                    Some(IpAddr::V4(a)) => {
                        v.push(u32::from(*a));
                        false
                    }
                    None => {
                        nulls.set(v.len());
                        v.push(0);
                        false
                    }
                    Some(IpAddr::V6(_)) => true,
                }),
                Store::Ip(v, nulls) => cells.find(|cell| {
                    match cell {
                        Some(a) => v.push(*a),
                        None => {
                            nulls.set(v.len());
                            v.push(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
                        }
                    }
                    false
                }),
                Store::Null(n) => fill_nulls(n, &mut cells, Option::is_none),
                _ => cells.next(),
            };
            match misfit {
                Some(cell) => self.push_opt_ip(cell),
                None => return,
            }
        }
    }

    /// Appends every name (or null) of `cells` ([`Store::push_name`] of each, the store's
    /// form matched once per run).
    pub fn extend_names<'a>(&mut self, mut cells: impl Iterator<Item = Option<&'a Arc<str>>>) {
        loop {
            let misfit = match self {
                Store::Text(d, codes) => {
                    for cell in cells.by_ref() {
                        codes.push(match cell {
                            Some(n) => {
                                let addr = Arc::as_ptr(n).cast::<u8>() as usize;
                                match d.code_at(addr) {
                                    Some(c) => c,
                                    None => Arc::make_mut(d).code(Value::shared_name(n)),
                                }
                            }
                            None => 0,
                        });
                    }
                    None
                }
                Store::Null(n) => fill_nulls(n, &mut cells, Option::is_none),
                _ => cells.next(),
            };
            match misfit {
                Some(cell) => self.push_name(cell),
                None => return,
            }
        }
    }

    /// Appends a copy of every value of `cells` ([`Store::push_ref`] of each, the store's
    /// form matched once per run of texts and nulls).
    pub fn extend_refs<'a>(&mut self, mut cells: impl Iterator<Item = &'a Value>) {
        loop {
            let misfit = match self {
                Store::Text(d, codes) => cells.find(|v| match v {
                    Value::Str(_) | Value::Bytes(_) => {
                        let code = match text_addr(v).and_then(|a| d.code_at(a)) {
                            Some(c) => c,
                            None => Arc::make_mut(d).code_ref(v),
                        };
                        codes.push(code);
                        false
                    }
                    Value::Null => {
                        codes.push(0);
                        false
                    }
                    _ => true,
                }),
                Store::Null(n) => fill_nulls(n, &mut cells, |v| matches!(v, Value::Null)),
                _ => cells.next(),
            };
            match misfit {
                Some(v) => self.push_ref(v),
                None => return,
            }
        }
    }

    /// Appends integer `n`: [`Store::push`] of `Value::Int(n)`, without building the value
    /// when the store already holds integers (readers that know a column's type).
    #[inline]
    pub fn push_int(&mut self, n: i64) {
        match self {
            Store::Int(v, _) => v.push(n),
            _ => self.push(Value::Int(n)),
        }
    }

    /// Appends a copy of `v`: for a text column, without touching the text's reference
    /// count unless the text is new to the column.
    #[inline]
    pub fn push_ref(&mut self, v: &Value) {
        match (&mut *self, v) {
            (Store::Text(d, codes), Value::Str(_) | Value::Bytes(_)) => {
                // A text seen lately is found through the shared dictionary, without making
                // it unique (an atomic operation per cell).
                let code = match text_addr(v).and_then(|a| d.code_at(a)) {
                    Some(c) => c,
                    None => Arc::make_mut(d).code_ref(v),
                };
                codes.push(code);
            }
            (_, Value::Null) => self.push_null(),
            _ => self.push(v.clone()),
        }
    }

    /// Appends a name from the system (its cell as [`Value::shared_name`] makes it), or a
    /// null; a name the column has seen lately in the same allocation costs no hashing.
    #[inline]
    pub fn push_name(&mut self, name: Option<&Arc<str>>) {
        match (&mut *self, name) {
            (Store::Text(d, codes), Some(n)) => {
                let addr = Arc::as_ptr(n).cast::<u8>() as usize;
                let code = match d.code_at(addr) {
                    Some(c) => c,
                    None => Arc::make_mut(d).code(Value::shared_name(n)),
                };
                codes.push(code);
            }
            (s, None) => s.push_null(),
            (s, Some(n)) => s.push(Value::shared_name(n)),
        }
    }

    /// Appends integer `n`, or a null for `None`, without building a [`Value`] when the
    /// store already holds integers.
    #[inline]
    pub fn push_opt_int(&mut self, n: Option<i64>) {
        match (&mut *self, n) {
            (Store::Int(v, _), Some(n)) => v.push(n),
            (s, None) => s.push_null(),
            (s, Some(n)) => s.push(Value::Int(n)),
        }
    }

    /// Appends float `f`, or a null ([`Store::push_opt_int`] for floats).
    #[inline]
    pub fn push_opt_float(&mut self, f: Option<f64>) {
        match (&mut *self, f) {
            (Store::Float(v, _), Some(f)) => v.push(f),
            (Store::Float(v, nulls), None) => {
                nulls.set(v.len());
                v.push(0.0);
            }
            (s, None) => s.push_null(),
            (s, Some(f)) => s.push(Value::Float(f)),
        }
    }

    /// Appends address `a`, or a null ([`Store::push_opt_int`] for addresses).
    #[inline]
    pub fn push_opt_ip(&mut self, a: Option<IpAddr>) {
        match (&mut *self, a) {
            (Store::Ip4(v, _), Some(IpAddr::V4(a))) => v.push(u32::from(a)),
            (Store::Ip(v, _), Some(a)) => v.push(a),
            (s, None) => s.push_null(),
            (s, Some(a)) => s.push(Value::Ip(a)),
        }
    }

    /// Appends float `f` ([`Store::push_int`] for floats).
    #[inline]
    pub fn push_float(&mut self, f: f64) {
        match self {
            Store::Float(v, _) => v.push(f),
            _ => self.push(Value::Float(f)),
        }
    }

    /// Appends an IPv4 address given as a number ([`Store::push_int`] for addresses).
    #[inline]
    pub fn push_ip4(&mut self, a: u32) {
        match self {
            Store::Ip4(v, _) => v.push(a),
            _ => self.push(Value::Ip(IpAddr::V4(Ipv4Addr::from(a)))),
        }
    }

    /// A text column made of `texts`, which must be distinct `Str` or `Bytes` values, and
    /// `codes` into them (code `c` from 1 is `texts[c - 1]`, 0 is null): the store
    /// [`Store::push`] builds from the same cells.
    ///
    /// # Panics
    /// When a code is past the end of `texts` (a programming error).
    pub fn from_texts(texts: Vec<Value>, codes: Ints) -> Store {
        if texts.is_empty() {
            assert!(
                (0..codes.len()).all(|i| codes.get(i) == 0),
                "text code out of range"
            );
            return Store::Null(codes.len());
        }
        assert!(
            (0..codes.len()).all(|i| (0..=texts.len() as i64).contains(&codes.get(i))),
            "text code out of range"
        );
        let index = texts
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), u32::try_from(i + 1).unwrap_or(u32::MAX)))
            .collect();
        let dict = Dict {
            values: texts,
            index,
            recent: [(0, 0); 16],
        };
        Store::Text(Arc::new(dict), codes)
    }

    /// The value at row `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Value {
        match self {
            Store::Null(_) => Value::Null,
            Store::Int(v, n) => {
                if n.get(i) {
                    Value::Null
                } else {
                    Value::Int(v.get(i))
                }
            }
            Store::Float(v, n) => {
                if n.get(i) {
                    Value::Null
                } else {
                    Value::Float(v[i])
                }
            }
            Store::Bool(v, n) => {
                if n.get(i) {
                    Value::Null
                } else {
                    Value::Bool(v[i])
                }
            }
            Store::Ip4(v, n) => {
                if n.get(i) {
                    Value::Null
                } else {
                    Value::Ip(IpAddr::V4(Ipv4Addr::from(v[i])))
                }
            }
            Store::Ip(v, n) => {
                if n.get(i) {
                    Value::Null
                } else {
                    Value::Ip(v[i])
                }
            }
            Store::Text(d, c) => d.value(c.get(i)),
            Store::Mixed(v) => v[i].clone(),
        }
    }

    /// Whether row `i` is null.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Store::Null(_) => true,
            Store::Int(_, n)
            | Store::Float(_, n)
            | Store::Bool(_, n)
            | Store::Ip4(_, n)
            | Store::Ip(_, n) => n.get(i),
            Store::Text(_, c) => c.get(i) == 0,
            Store::Mixed(v) => v[i].is_null(),
        }
    }

    /// The integer at row `i`, when it is one (without building a value).
    #[inline]
    pub fn int(&self, i: usize) -> Option<i64> {
        match self {
            Store::Int(v, n) if !n.get(i) => Some(v.get(i)),
            Store::Mixed(v) => v[i].as_int(),
            _ => None,
        }
    }

    /// The text at row `i` (a borrowed `Str` or `Bytes` value), when it is one.
    #[inline]
    pub fn text(&self, i: usize) -> Option<&Value> {
        match self {
            Store::Text(d, c) => d.text(c.get(i)),
            Store::Mixed(v) => matches!(v[i], Value::Str(_) | Value::Bytes(_)).then(|| &v[i]),
            _ => None,
        }
    }

    /// Compares rows `a` and `b` of this store by [`Value`]'s order.
    #[inline]
    pub fn cmp_rows(&self, a: usize, b: usize) -> Ordering {
        match self {
            Store::Null(_) => Ordering::Equal,
            Store::Int(v, n) => match (n.get(a), n.get(b)) {
                (false, false) => v.get(a).cmp(&v.get(b)),
                (x, y) => y.cmp(&x),
            },
            Store::Ip4(v, n) => match (n.get(a), n.get(b)) {
                (false, false) => v[a].cmp(&v[b]),
                (x, y) => y.cmp(&x),
            },
            Store::Text(d, c) => {
                let (x, y) = (c.get(a), c.get(b));
                if x == y {
                    return Ordering::Equal;
                }
                match (d.text(x), d.text(y)) {
                    (Some(p), Some(q)) => p.cmp(q),
                    (p, q) => p.is_some().cmp(&q.is_some()),
                }
            }
            _ => self.get(a).cmp(&self.get(b)),
        }
    }

    /// Whether [`Store::key`] identifies values (so equal keys mean equal values).
    pub fn keyed(&self) -> bool {
        !matches!(self, Store::Mixed(_) | Store::Float(..))
    }

    /// A number equal for two rows of this store exactly when their values are equal (only
    /// when [`Store::keyed`]).
    #[inline]
    pub fn key(&self, i: usize) -> CellKey {
        const NULL: CellKey = (0, 0);
        match self {
            Store::Null(_) => NULL,
            Store::Int(v, n) => {
                if n.get(i) {
                    NULL
                } else {
                    (1, v.get(i) as u64 as u128)
                }
            }
            Store::Bool(v, n) => {
                if n.get(i) {
                    NULL
                } else {
                    (1, u128::from(v[i]))
                }
            }
            Store::Ip4(v, n) => {
                if n.get(i) {
                    NULL
                } else {
                    (1, u128::from(v[i]))
                }
            }
            Store::Ip(v, n) => {
                if n.get(i) {
                    NULL
                } else {
                    match v[i] {
                        IpAddr::V4(a) => (1, u128::from(u32::from(a))),
                        IpAddr::V6(a) => (2, u128::from(a)),
                    }
                }
            }
            Store::Text(_, c) => match c.get(i) {
                0 => NULL,
                x => (1, x as u128),
            },
            Store::Float(..) | Store::Mixed(_) => (3, i as u128),
        }
    }

    /// Whether none of the cells in `rows` is null (`false` when `rows` passes the end).
    pub fn no_nulls(&self, rows: std::ops::Range<usize>) -> bool {
        if rows.end > self.len() {
            return false;
        }
        match self {
            Store::Null(_) => rows.is_empty(),
            Store::Int(_, n)
            | Store::Float(_, n)
            | Store::Bool(_, n)
            | Store::Ip4(_, n)
            | Store::Ip(_, n) => n.none_in(rows),
            Store::Text(_, c) => rows.into_iter().all(|i| c.get(i) != 0),
            Store::Mixed(v) => v[rows].iter().all(|x| !matches!(x, Value::Null)),
        }
    }

    /// Whether this store's `len` cells from row `a` equal (as [`Value`]'s `==`) the `len`
    /// cells of `other` from row `b`, decided by comparing the two runs whole, without reading
    /// a cell. `false` means they differ or cannot be compared that way (different forms,
    /// texts of different dictionaries, runs past an end): compare cell by cell then.
    pub fn same_run(&self, a: usize, other: &Store, b: usize, len: usize) -> bool {
        fn run<T>(
            x: &[T],
            a: usize,
            y: &[T],
            b: usize,
            len: usize,
            eq: fn(&T, &T) -> bool,
        ) -> bool {
            match (x.get(a..a + len), y.get(b..b + len)) {
                (Some(x), Some(y)) => x.iter().zip(y).all(|(p, q)| eq(p, q)),
                _ => false,
            }
        }
        if a + len > self.len() || b + len > other.len() {
            return false;
        }
        match (self, other) {
            (Store::Null(_), Store::Null(_)) => true,
            (Store::Int(x, xn), Store::Int(y, yn)) => {
                xn.same_run(a, yn, b, len) && x.same_run(a, y, b, len)
            }
            // Bit for bit: floats are ordered by `total_cmp`, equal exactly when the bits are.
            (Store::Float(x, xn), Store::Float(y, yn)) => {
                xn.same_run(a, yn, b, len)
                    && run(x, a, y, b, len, |p, q| p.to_bits() == q.to_bits())
            }
            (Store::Bool(x, xn), Store::Bool(y, yn)) => {
                xn.same_run(a, yn, b, len) && run(x, a, y, b, len, PartialEq::eq)
            }
            (Store::Ip4(x, xn), Store::Ip4(y, yn)) => {
                xn.same_run(a, yn, b, len) && x.get(a..a + len) == y.get(b..b + len)
            }
            (Store::Ip(x, xn), Store::Ip(y, yn)) => {
                xn.same_run(a, yn, b, len) && run(x, a, y, b, len, PartialEq::eq)
            }
            (Store::Text(xd, x), Store::Text(yd, y)) => {
                Arc::ptr_eq(xd, yd) && x.same_run(a, y, b, len)
            }
            _ => false,
        }
    }

    /// The values at `rows`, in order (`NO_ROW` gives null).
    pub fn take(&self, rows: &[u32]) -> Store {
        fn pick<T: Copy + Default>(v: &[T], rows: &[u32]) -> Vec<T> {
            rows.iter()
                .map(|&r| v.get(r as usize).copied().unwrap_or_default())
                .collect()
        }
        match self {
            Store::Null(_) => Store::Null(rows.len()),
            Store::Int(v, n) => Store::Int(v.take(rows), n.take(rows)),
            Store::Float(v, n) => Store::Float(pick(v, rows), n.take(rows)),
            Store::Bool(v, n) => Store::Bool(pick(v, rows), n.take(rows)),
            Store::Ip4(v, n) => Store::Ip4(pick(v, rows), n.take(rows)),
            Store::Ip(v, n) => Store::Ip(
                rows.iter()
                    .map(|&r| {
                        v.get(r as usize)
                            .copied()
                            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
                    })
                    .collect(),
                n.take(rows),
            ),
            Store::Text(d, c) => Store::Text(Arc::clone(d), c.take(rows)),
            Store::Mixed(v) => Store::Mixed(
                rows.iter()
                    .map(|&r| v.get(r as usize).cloned().unwrap_or_default())
                    .collect(),
            ),
        }
    }

    /// Bytes a value of this store takes (for memory estimates).
    pub fn cell_bytes(&self) -> usize {
        match self {
            Store::Null(_) => 0,
            Store::Int(v, _) | Store::Text(_, v) => v.width(),
            Store::Float(..) => 8,
            Store::Bool(..) => 1,
            Store::Ip4(..) => 4,
            Store::Ip(..) => std::mem::size_of::<IpAddr>(),
            Store::Mixed(_) => std::mem::size_of::<Value>(),
        }
    }

    /// Gives back spare capacity.
    pub fn shrink(&mut self) {
        match self {
            Store::Null(_) => {}
            Store::Int(v, _) | Store::Text(_, v) => v.shrink(),
            Store::Float(v, _) => v.shrink_to_fit(),
            Store::Bool(v, _) => v.shrink_to_fit(),
            Store::Ip4(v, _) => v.shrink_to_fit(),
            Store::Ip(v, _) => v.shrink_to_fit(),
            Store::Mixed(v) => v.shrink_to_fit(),
        }
    }
}

/// Computes a lazy column's store.
pub type Compute = Box<dyn Fn() -> Store + Send + Sync>;

/// One column's data: a store, or the way to compute it the first time it is read.
pub struct ColumnData {
    store: OnceLock<Store>,
    compute: Option<Compute>,
    /// For a gather not done yet: the column and the rows it picks (see [`ColumnData::take`]).
    gather: Option<(Arc<ColumnData>, Arc<[u32]>)>,
}

impl ColumnData {
    /// A column holding `store`.
    pub fn ready(store: Store) -> ColumnData {
        ColumnData {
            store: OnceLock::from(store),
            compute: None,
            gather: None,
        }
    }

    /// A column computed by `compute` the first time any value is read; it must give exactly
    /// as many values as the table has rows.
    pub fn lazy(compute: Compute) -> ColumnData {
        ColumnData {
            store: OnceLock::new(),
            compute: Some(compute),
            gather: None,
        }
    }

    /// The values of `column` at `rows` ([`NO_ROW`] gives null), gathered the first time one
    /// is read: a `where`, `sort` or `limit` copies only the columns that are read later.
    /// Gathering from a gather not done yet picks from its source directly (the row lists
    /// compose), so a chain of them copies each column once at most.
    pub fn take(column: &Arc<ColumnData>, rows: Arc<[u32]>) -> ColumnData {
        let (src, rows) = match &column.gather {
            Some((src, first)) if !column.is_computed() => {
                let composed: Arc<[u32]> = rows
                    .iter()
                    .map(|&r| first.get(r as usize).copied().unwrap_or(NO_ROW))
                    .collect();
                (Arc::clone(src), composed)
            }
            _ => (Arc::clone(column), rows),
        };
        ColumnData {
            store: OnceLock::new(),
            compute: None,
            gather: Some((src, rows)),
        }
    }

    /// The store, computing it first if needed.
    #[inline]
    pub fn get(&self) -> &Store {
        self.store.get_or_init(|| {
            if let Some((src, rows)) = &self.gather {
                return src.get().take(rows);
            }
            match &self.compute {
                Some(f) => f(),
                None => Store::default(),
            }
        })
    }

    /// Bytes a value takes ([`Store::cell_bytes`]), without computing a lazy column: one not
    /// computed yet counts 8 (an integer or a float; a text code or an address is smaller).
    pub fn cell_bytes(&self) -> usize {
        self.store.get().map_or(8, Store::cell_bytes)
    }

    /// Whether the values exist yet (a lazy column not read is not).
    pub fn is_computed(&self) -> bool {
        self.store.get().is_some()
    }

    /// The store for appending (computing a lazy column first).
    pub fn get_mut(&mut self) -> &mut Store {
        self.get();
        self.compute = None;
        self.gather = None;
        // `get` just filled it.
        self.store.get_mut().expect("column store computed")
    }
}

impl Clone for ColumnData {
    fn clone(&self) -> Self {
        ColumnData::ready(self.get().clone())
    }
}

impl std::fmt::Debug for ColumnData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.store.get() {
            Some(s) => s.fmt(f),
            None => f.write_str("<not computed>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(vals: &[Value]) -> Store {
        let mut s = Store::default();
        for v in vals {
            s.push(v.clone());
        }
        s
    }

    #[test]
    fn integers_widen_and_keep_nulls() {
        let s = build(&[Value::Null, Value::Int(3), Value::Int(70_000), Value::Null]);
        assert!(matches!(s, Store::Int(Ints::I32(_), _)));
        let got: Vec<Value> = (0..4).map(|i| s.get(i)).collect();
        assert_eq!(
            got,
            [Value::Null, Value::Int(3), Value::Int(70_000), Value::Null]
        );
        assert_eq!(s.cmp_rows(0, 1), Ordering::Less);
        assert_eq!(s.cell_bytes(), 4);
    }

    #[test]
    fn texts_are_interned_and_addresses_packed() {
        let s = build(&[
            Value::str("a"),
            Value::Null,
            Value::str("a"),
            Value::Bytes(Arc::from(&b"\xff"[..])),
        ]);
        let Store::Text(d, _) = &s else {
            panic!("{s:?}")
        };
        assert_eq!(d.values.len(), 2);
        assert_eq!(s.key(0), s.key(2));
        assert_ne!(s.key(0), s.key(1));
        assert_eq!(s.get(3), Value::Bytes(Arc::from(&b"\xff"[..])));
        let ip = |t: &str| Value::Ip(t.parse().unwrap());
        let mut s = build(&[ip("10.0.0.1"), Value::Null]);
        assert!(matches!(s, Store::Ip4(..)));
        s.push(ip("::1"));
        assert!(matches!(s, Store::Ip(..)));
        assert_eq!(
            (0..3).map(|i| s.get(i)).collect::<Vec<_>>(),
            [ip("10.0.0.1"), Value::Null, ip("::1")]
        );
    }

    #[test]
    fn nulls_push_alike_on_every_path() {
        let ip = |t: &str| Value::Ip(t.parse().unwrap());
        for first in [
            Value::Int(7),
            Value::Float(1.5),
            Value::Bool(true),
            ip("10.0.0.1"),
            ip("::1"),
            Value::str("x"),
            Value::Null,
        ] {
            let mut fast = build(std::slice::from_ref(&first));
            let mut slow = fast.clone();
            for _ in 0..70 {
                fast.push_null();
                slow.push(Value::Null);
            }
            fast.push_ref(&Value::Null);
            slow.push(Value::Null);
            fast.push_opt_int(None);
            fast.push_opt_float(None);
            fast.push_opt_ip(None);
            fast.push_name(None);
            for _ in 0..4 {
                slow.push(Value::Null);
            }
            let all = |s: &Store| (0..s.len()).map(|i| s.get(i)).collect::<Vec<_>>();
            assert_eq!(all(&fast), all(&slow), "{first:?}");
            assert_eq!(fast.no_nulls(0..1), first != Value::Null, "{first:?}");
            assert!(!fast.no_nulls(0..2));
            assert!(!fast.no_nulls(0..1000), "past the end");
        }
    }

    #[test]
    fn runs_compare_whole_only_when_their_forms_allow() {
        let ints =
            |v: &[Option<i64>]| build(&v.iter().map(|&n| Value::opt_int(n)).collect::<Vec<_>>());
        let a = ints(&[Some(1), None, Some(3), Some(4)]);
        let b = ints(&[Some(0), Some(1), None, Some(3), Some(4)]);
        // Nulls at other offsets are not compared whole (cell by cell then).
        assert!(!a.same_run(0, &b, 1, 4));
        assert!(a.same_run(2, &b, 3, 2));
        assert!(!a.same_run(2, &b, 2, 2));
        assert!(!a.same_run(2, &b, 3, 3), "past the end");
        // A null against a 0: the values agree, the null marks do not.
        let z = ints(&[Some(1), Some(0), Some(3), Some(4)]);
        assert!(!a.same_run(0, &z, 0, 4));
        assert!(a.same_run(2, &z, 2, 2));
        // Other widths, other dictionaries: not decided whole.
        let wide = ints(&[Some(1), None, Some(3), Some(1 << 40)]);
        assert!(!a.same_run(0, &wide, 0, 3));
        let t1 = build(&[Value::str("a"), Value::str("b")]);
        let t2 = build(&[Value::str("a"), Value::str("b")]);
        assert!(!t1.same_run(0, &t2, 0, 2));
        assert!(t1.same_run(0, &t1.clone(), 0, 2));
        let f = |x: f64| build(&[Value::Float(x)]);
        assert!(f(0.5).same_run(0, &f(0.5), 0, 1));
        assert!(!f(0.0).same_run(0, &f(-0.0), 0, 1));
        // Nulls past the 64th row, at other offsets.
        let long = |from: usize| {
            let mut s = Store::default();
            for i in 0..200 {
                s.push(if i >= from && i % 70 == 3 {
                    Value::Null
                } else {
                    Value::Int(1)
                });
            }
            s
        };
        assert!(long(0).same_run(0, &long(0), 0, 200));
        assert!(long(0).same_run(4, &long(0), 5, 60));
        assert!(!long(0).same_run(60, &long(0), 61, 80));
        assert!(long(100).same_run(4, &long(0), 4, 69));
        assert!(!long(100).same_run(4, &long(0), 4, 70));
        assert!(long(100).same_run(143, &long(0), 143, 57));
    }

    #[test]
    fn mixed_values_fall_back_and_take_keeps_order() {
        let s = build(&[Value::Int(1), Value::str("x"), Value::Null]);
        assert!(matches!(s, Store::Mixed(_)));
        let t = s.take(&[2, 0, NO_ROW]);
        assert_eq!(
            (0..3).map(|i| t.get(i)).collect::<Vec<_>>(),
            [Value::Null, Value::Int(1), Value::Null]
        );
        let s = build(&[Value::Int(5), Value::Null]);
        let t = s.take(&[1, 0, NO_ROW]);
        assert_eq!(
            (0..3).map(|i| t.get(i)).collect::<Vec<_>>(),
            [Value::Null, Value::Int(5), Value::Null]
        );
    }

    #[test]
    fn gathers_compose_and_wait_for_a_read() {
        let base = Arc::new(ColumnData::ready(build(&[
            Value::Int(10),
            Value::Int(11),
            Value::Int(12),
        ])));
        let a = Arc::new(ColumnData::take(&base, Arc::from(&[2u32, 0, 1][..])));
        let b = ColumnData::take(&a, Arc::from(&[1u32, NO_ROW][..]));
        assert!(!a.is_computed() && !b.is_computed());
        // `b` picks from `base` directly: `a` is never gathered.
        assert_eq!(b.get().get(0), Value::Int(10));
        assert_eq!(b.get().get(1), Value::Null);
        assert!(!a.is_computed());
        assert_eq!(a.get().get(0), Value::Int(12));
    }

    #[test]
    fn lazy_columns_compute_once() {
        use std::sync::atomic::{AtomicUsize, Ordering as O};
        let calls = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&calls);
        let d = ColumnData::lazy(Box::new(move || {
            c.fetch_add(1, O::SeqCst);
            build(&[Value::Int(7)])
        }));
        assert!(!d.is_computed());
        assert_eq!(d.get().get(0), Value::Int(7));
        assert_eq!(d.get().get(0), Value::Int(7));
        assert_eq!(calls.load(O::SeqCst), 1);
    }
}
