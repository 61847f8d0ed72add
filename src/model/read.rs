//! Typed, checked reading of a [`Table`]'s cells by column name: the one reader front ends use
//! instead of matching on [`Value`]s themselves.
//!
//! `Cols::new(&table, &["dst", "dst_len"])` looks the columns up once; `cols.u8(row, DST_LEN)`
//! then reads row `row`'s cell as a `u8`. A missing column, a null and a cell of another type
//! all read as `None`. A number that does not fit the asked type (a port above 65535, a
//! negative ifindex, a prefix length above 255 in an edited snapshot) is never wrapped: it
//! reads as `None` too, and the reader remembers it, so that the caller can say so once
//! ([`Cols::take_problems`]). Every cell is read through one private function ([`Cols::cell`]),
//! so a change of the table's storage changes one line here.

use std::cell::RefCell;
use std::net::IpAddr;

use super::{Table, Value};

/// Named columns of one table, looked up once, read row by row with checked conversions.
#[derive(Debug)]
pub struct Cols<'t> {
    table: &'t Table,
    index: Vec<Option<usize>>,
    names: Vec<&'static str>,
    problems: RefCell<Vec<String>>,
}

/// How many out-of-range cells are described, per reader, before the rest are only counted.
const DESCRIBED: usize = 8;

impl<'t> Cols<'t> {
    /// The columns `names` of `table`; `Cols::u64(row, i)` reads `names[i]`. A name the table
    /// lacks reads as null on every row ([`Cols::has`] tells).
    pub fn new(table: &'t Table, names: &[&'static str]) -> Cols<'t> {
        Cols {
            table,
            index: names.iter().map(|n| table.column_index(n)).collect(),
            names: names.to_vec(),
            problems: RefCell::default(),
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The position of `name` among the names this reader was made with, to read a column by
    /// name where a list of constants would be longer than the code (a name that was not
    /// given reads as null on every row, like a column the table lacks).
    pub fn at(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| *n == name)
            .unwrap_or(usize::MAX)
    }

    /// Whether the table has column `names[col]`.
    pub fn has(&self, col: usize) -> bool {
        self.index.get(col).is_some_and(Option::is_some)
    }

    /// The cell of row `row` in column `names[col]`; `None` when the table lacks the column.
    /// The only place that touches the table's storage.
    fn cell(&self, row: usize, col: usize) -> Option<Value> {
        let c = (*self.index.get(col)?)?;
        Some(self.table.cell(row, c))
    }

    /// The cell as it is (`Value::Null` when the column is missing).
    pub fn value(&self, row: usize, col: usize) -> Value {
        self.cell(row, col).unwrap_or(Value::Null)
    }

    /// An integer cell (`Int` only: a float, text or boolean is not an integer).
    pub fn int(&self, row: usize, col: usize) -> Option<i64> {
        match self.cell(row, col)? {
            Value::Int(n) => Some(n),
            _ => None,
        }
    }

    /// An integer cell converted to `T`; a value out of `T`'s range reads as `None` and is
    /// remembered as a problem.
    fn checked<T: TryFrom<i64>>(&self, row: usize, col: usize, what: &str) -> Option<T> {
        let n = self.int(row, col)?;
        T::try_from(n)
            .ok()
            .or_else(|| self.problem(row, col, n, what))
    }

    /// Remembers that cell (`row`, `col`) holds `n`, out of range for `what`; always `None`.
    fn problem<T>(&self, row: usize, col: usize, n: i64, what: &str) -> Option<T> {
        let mut p = self.problems.borrow_mut();
        if p.len() < DESCRIBED {
            p.push(format!(
                "{} row {}: {} {n} is out of range for {what}",
                self.table.name(),
                row + 1,
                self.names.get(col).copied().unwrap_or("?"),
            ));
        } else {
            p.push(String::new());
        }
        None
    }

    /// A cell as a `u8` (a prefix length, a protocol number, a scope).
    pub fn u8(&self, row: usize, col: usize) -> Option<u8> {
        self.checked(row, col, "0-255")
    }

    /// A cell as a `u16` (a port).
    pub fn u16(&self, row: usize, col: usize) -> Option<u16> {
        self.checked(row, col, "0-65535")
    }

    /// A cell as a `u32` (an ifindex, a routing table id, a metric, a uid).
    pub fn u32(&self, row: usize, col: usize) -> Option<u32> {
        self.checked(row, col, "0-4294967295")
    }

    /// A cell as a `u64` (a counter, an inode); negative values are out of range.
    pub fn u64(&self, row: usize, col: usize) -> Option<u64> {
        self.checked(row, col, "a count (0 or more)")
    }

    /// An integer cell's 64 bits read as unsigned, for counters the table keeps as signed
    /// integers and that net-tools prints with C's `%llu` (the kernel's `-1`, e.g. `Tcp
    /// MaxConn`, prints as 18446744073709551615). A two's-complement reading, not a range
    /// conversion: use it only where the program imitated prints the bits that way.
    pub fn u64_bits(&self, row: usize, col: usize) -> Option<u64> {
        self.int(row, col)
            .map(|n| u64::from_ne_bytes(n.to_ne_bytes()))
    }

    /// A prefix length for `ip`'s family (0-32 for IPv4, 0-128 for IPv6).
    pub fn prefix_len(&self, row: usize, col: usize, ip: IpAddr) -> Option<u8> {
        let (limit, what) = if ip.is_ipv4() {
            (32, "0-32")
        } else {
            (128, "0-128")
        };
        let n = self.int(row, col)?;
        match u8::try_from(n) {
            Ok(v) if v <= limit => Some(v),
            _ => self.problem(row, col, n, what),
        }
    }

    /// A boolean cell.
    pub fn bool(&self, row: usize, col: usize) -> Option<bool> {
        self.cell(row, col)?.as_bool()
    }

    /// An IP address cell.
    pub fn ip(&self, row: usize, col: usize) -> Option<IpAddr> {
        self.cell(row, col)?.as_ip()
    }

    /// A text cell as UTF-8 text (`None` for bytes that are not UTF-8; see [`Cols::text_raw`]).
    pub fn str(&self, row: usize, col: usize) -> Option<std::sync::Arc<str>> {
        match self.cell(row, col)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A text cell as raw text (see [`super::rawtext`]): UTF-8 text as it is, other bytes
    /// encoded losslessly.
    pub fn text_raw(&self, row: usize, col: usize) -> Option<String> {
        match self.cell(row, col)? {
            Value::Str(s) => Some(s.to_string()),
            Value::Bytes(b) => Some(super::rawtext::encode(&b).into_owned()),
            _ => None,
        }
    }

    /// The cell as people read it: text as it is (bytes that are not UTF-8 escaped), numbers,
    /// booleans and addresses formatted, the empty string for a null or a missing column.
    pub fn display(&self, row: usize, col: usize) -> String {
        self.cell(row, col)
            .map_or_else(String::new, |v| v.to_string())
    }

    /// The problems met so far (out-of-range cells), as sentences for a note, emptied. Past
    /// the first few, the rest are counted in one sentence.
    pub fn take_problems(&self) -> Vec<String> {
        let all = std::mem::take(&mut *self.problems.borrow_mut());
        let more = all.iter().filter(|p| p.is_empty()).count();
        let mut out: Vec<String> = all.into_iter().filter(|p| !p.is_empty()).collect();
        if more > 0 {
            out.push(format!(
                "{}: {more} more out-of-range cells",
                self.table.name()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type};

    fn table() -> Table {
        let mut t = Table::new(
            "routes",
            vec![
                Column::new("dst", Type::Ip, "d"),
                Column::new("dst_len", Type::Int, "l"),
                Column::new("port", Type::Int, "p"),
                Column::new("dev", Type::Str, "n"),
            ],
        );
        t.push([
            Value::Ip("10.0.0.0".parse().unwrap()),
            Value::Int(8),
            Value::Int(80),
            Value::str("eth0"),
        ]);
        t.push([
            Value::Ip("fd00::".parse().unwrap()),
            Value::Int(129),
            Value::Int(70000),
            Value::name(b"v\xff"),
        ]);
        t.push([Value::Null, Value::Int(-1), Value::Float(3.0), Value::Null]);
        t
    }

    const DST: usize = 0;
    const LEN: usize = 1;
    const PORT: usize = 2;
    const DEV: usize = 3;
    const NOPE: usize = 4;

    #[test]
    fn typed_reads_are_checked_never_wrapped() {
        let t = table();
        let c = Cols::new(&t, &["dst", "dst_len", "port", "dev", "nope"]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.u16(0, PORT), Some(80));
        assert_eq!(c.u16(1, PORT), None, "70000 is no port");
        assert_eq!(c.u32(1, PORT), Some(70000));
        assert_eq!(c.u8(2, LEN), None, "-1 is no prefix length");
        assert_eq!(c.u64(2, LEN), None);
        assert_eq!(c.int(2, PORT), None, "a float is not an integer");
        let dst = c.ip(0, DST).unwrap();
        assert_eq!(c.prefix_len(0, LEN, dst), Some(8));
        let v6 = c.ip(1, DST).unwrap();
        assert_eq!(c.prefix_len(1, LEN, v6), None, "129 is too long for IPv6");
        assert_eq!(c.str(0, DEV), Some("eth0".into()));
        assert_eq!(c.str(1, DEV), None);
        assert_eq!(c.text_raw(1, DEV).map(|s| s.len() > 1), Some(true));
        assert!(!c.has(NOPE));
        assert_eq!(c.display(0, DST), "10.0.0.0");
        assert_eq!(c.display(0, PORT), "80");
        assert_eq!(c.display(2, DST), "");
        assert_eq!(c.display(0, NOPE), "");
        assert_eq!(c.value(0, NOPE), Value::Null);
        let problems = c.take_problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems[0].contains("routes row 2: port 70000 is out of range for 0-65535"),
            "{problems:?}"
        );
        assert!(c.take_problems().is_empty());
    }

    /// One column per edge a conversion meets: a negative number, a number too large for every
    /// type but `u64`, a float, numeric text, a boolean and a null.
    fn edges() -> Table {
        let mut t = Table::new("edges", vec![Column::new("v", Type::Int, "v")]);
        for v in [
            Value::Int(-1),
            Value::Int(i64::MAX),
            Value::Float(8.0),
            Value::str("8"),
            Value::Bool(true),
            Value::Null,
            Value::Int(256),
            Value::Int(65536),
            Value::Int(1 << 32),
        ] {
            t.push([v]);
        }
        t
    }

    const NEGATIVE: usize = 0;
    const HUGE: usize = 1;
    const FLOAT: usize = 2;
    const TEXT: usize = 3;
    const BOOL: usize = 4;
    const NULL: usize = 5;

    #[test]
    fn every_conversion_refuses_negative_too_large_float_and_text() {
        let t = edges();
        let c = Cols::new(&t, &["v"]);
        for row in [NEGATIVE, HUGE, FLOAT, TEXT, BOOL, NULL] {
            assert_eq!(c.u8(row, 0), None, "u8 of row {row}");
            assert_eq!(c.u16(row, 0), None, "u16 of row {row}");
            assert_eq!(c.u32(row, 0), None, "u32 of row {row}");
            let ip = "10.0.0.0".parse().unwrap();
            assert_eq!(c.prefix_len(row, 0, ip), None, "prefix of row {row}");
        }
        assert_eq!(c.u64(NEGATIVE, 0), None);
        assert_eq!(c.u64(HUGE, 0), Some(i64::MAX as u64));
        for row in [FLOAT, TEXT, BOOL, NULL] {
            assert_eq!(c.u64(row, 0), None, "u64 of row {row}");
            assert_eq!(c.int(row, 0), None, "int of row {row}");
        }
        // The first value past each type's range.
        assert_eq!(c.u8(6, 0), None);
        assert_eq!(c.u16(6, 0), Some(256));
        assert_eq!(c.u16(7, 0), None);
        assert_eq!(c.u32(7, 0), Some(65536));
        assert_eq!(c.u32(8, 0), None);
        assert_eq!(c.u64(8, 0), Some(1 << 32));
        // Out-of-range integers are problems; cells of another type are not (they are no
        // number at all, as a null is not).
        let p = c.take_problems();
        assert_eq!(p.len(), DESCRIBED + 1, "{p:?}");
        assert!(
            p[0].contains("edges row 1: v -1 is out of range for 0-255"),
            "{p:?}"
        );
    }

    #[test]
    fn prefix_lengths_are_checked_against_the_family() {
        let t = edges();
        let c = Cols::new(&t, &["v"]);
        let v4 = "10.0.0.0".parse().unwrap();
        let v6 = "fd00::".parse().unwrap();
        let mut t2 = Table::new("p", vec![Column::new("len", Type::Int, "l")]);
        for n in [32, 33, 128, 129] {
            t2.push([Value::Int(n)]);
        }
        let p = Cols::new(&t2, &["len"]);
        assert_eq!(p.prefix_len(0, 0, v4), Some(32));
        assert_eq!(p.prefix_len(1, 0, v4), None);
        assert_eq!(p.prefix_len(1, 0, v6), Some(33));
        assert_eq!(p.prefix_len(2, 0, v6), Some(128));
        assert_eq!(p.prefix_len(3, 0, v6), None);
        assert_eq!(p.take_problems().len(), 2);
        assert_eq!(c.prefix_len(NEGATIVE, 0, v6), None);
    }

    #[test]
    fn u64_bits_reads_a_signed_counter_as_percent_llu_does() {
        let t = edges();
        let c = Cols::new(&t, &["v"]);
        assert_eq!(c.u64_bits(NEGATIVE, 0), Some(u64::MAX));
        assert_eq!(c.u64_bits(HUGE, 0), Some(i64::MAX as u64));
        assert_eq!(c.u64_bits(FLOAT, 0), None);
        assert_eq!(c.u64_bits(TEXT, 0), None);
        assert!(c.take_problems().is_empty());
    }

    #[test]
    fn columns_by_name() {
        let t = table();
        let c = Cols::new(&t, &["dst", "dst_len", "nope"]);
        assert_eq!(c.at("dst_len"), 1);
        assert_eq!(c.u8(0, c.at("dst_len")), Some(8));
        assert_eq!(c.value(0, c.at("port")), Value::Null, "not asked for");
        assert_eq!(c.value(0, c.at("nope")), Value::Null, "not in the table");
    }

    #[test]
    fn many_problems_are_counted_not_listed() {
        let mut t = Table::new("sockets", vec![Column::new("port", Type::Int, "p")]);
        for _ in 0..20 {
            t.push([Value::Int(-5)]);
        }
        let c = Cols::new(&t, &["port"]);
        for r in 0..20 {
            assert_eq!(c.u16(r, 0), None);
        }
        let p = c.take_problems();
        assert_eq!(p.len(), DESCRIBED + 1);
        assert_eq!(p[DESCRIBED], "sockets: 12 more out-of-range cells");
    }
}
