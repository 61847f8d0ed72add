//! Entry points for the coverage-guided fuzz targets under `fuzz/` (cargo-fuzz), built only
//! with the `fuzzing` feature, so the normal build is unchanged. One function per target; each
//! takes the fuzzer's bytes and panics only when netpry breaks a promise: a parser that
//! panics, a snapshot netpry writes that it cannot read back, a renderer that lets a control
//! character of a value through or writes JSON that does not give the values back.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{Column, Table, Type, Value, escape_bounded, escape_bytes, unescape};
use crate::render::{write_csv, write_json, write_plain, write_table};
use crate::snapshot::Snapshot;

pub use crate::door::source::linux::fuzz::{netlink, procfs};
pub use crate::script::fuzz::script;

/// The snapshot reader: any bytes parse or fail with one line; a parsed snapshot written
/// again reads back, and writing that gives the same bytes; its tables render (see [`render`]).
pub fn snapshot(data: &[u8]) {
    let snap = match Snapshot::parse(data) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.contains('\n'), "multi-line error: {e:?}");
            return;
        }
    };
    let mut first = Vec::new();
    snap.write(&mut first).expect("writes to memory");
    let again = Snapshot::parse(&first)
        .unwrap_or_else(|e| panic!("a snapshot netpry wrote does not read back: {e}"));
    let mut second = Vec::new();
    again.write(&mut second).expect("writes to memory");
    assert!(
        first == second,
        "writing a snapshot read back changed it:\n{}\n{}",
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );
    for table in snap.tables.values() {
        check_renderers(table, Some(80));
    }
}

/// Both netstat command-line parsers on the same arguments: the input split at NUL bytes (as
/// lossy UTF-8); the first byte, when it is `B`, `L` or `P`, is a switch, not an argument: `B`
/// only the BSD parser, `L` only the Linux one, `P` also [`crate::netstat::choose_style`] with
/// the first argument as program name.
pub fn netstat_args(data: &[u8]) {
    let (mode, rest) = match data.split_first() {
        Some((&m @ (b'B' | b'L' | b'P'), rest)) => (m, rest),
        _ => (0, data),
    };
    let mut args: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split(|&b| b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    };
    if mode == b'P' && !args.is_empty() {
        let program = args.remove(0);
        let _ = crate::netstat::choose_style(&program, &mut args);
    }
    if mode != b'B' {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let _ = crate::netstat::linux::args::parse("netstat", &args, &mut out, &mut err);
    }
    if mode != b'L' {
        let alias = |name: &str| {
            crate::netstat::bsd::args::PROTOCOLS
                .iter()
                .find(|p| p.eq_ignore_ascii_case(name))
                .copied()
        };
        let _ = crate::netstat::bsd::args::parse_with(&args, &alias);
    }
}

/// The renderers on a table built from the input (see [`table_from`]), and the escape on each
/// of its names and texts. Every format: valid UTF-8 without control characters but its own
/// separators (a row is one line). `plain`: one line per row, one tab between fields. CSV: a
/// header line and one line per row. JSON: parses, and gives every value back through
/// [`Value::from_json`]. The escape: [`unescape`] reverses [`escape_bytes`], which writes no
/// control character; [`escape_bounded`] keeps to its bound and cuts between whole escapes.
pub fn render(data: &[u8]) {
    let mut input = Input(data);
    let width = match input.byte() {
        0 => None,
        w => Some(usize::from(w)),
    };
    let table = table_from(&mut input);
    let bound = usize::from(input.byte());
    for c in table.columns() {
        check_escape(c.name.as_bytes(), bound);
    }
    for row in table.rows() {
        for v in row {
            if let Some(b) = v.as_bytes() {
                check_escape(b, bound);
            }
        }
    }
    check_renderers(&table, width);
}

/// Fuzzer bytes read front to back; zeros once they run out.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let got = self.take(N);
        out[..got.len()].copy_from_slice(got);
        out
    }
}

const TYPES: [Type; 6] = [
    Type::Bool,
    Type::Int,
    Type::Float,
    Type::Str,
    Type::Ip,
    Type::Any,
];

/// A table of up to 6 columns (any type, names of any bytes, lossy UTF-8, unique) and up to
/// 15 rows of values of the column's type or null; text is sometimes a [`Value::Bytes`].
fn table_from(input: &mut Input) -> Table {
    let ncols = 1 + usize::from(input.byte() % 6);
    let mut columns: Vec<Column> = Vec::with_capacity(ncols);
    for i in 0..ncols {
        let ty = TYPES[usize::from(input.byte()) % TYPES.len()];
        let len = usize::from(input.byte() % 12);
        let mut name = String::from_utf8_lossy(input.take(len)).into_owned();
        if columns.iter().any(|c| c.name == name) {
            name.push_str(&format!("_{i}"));
        }
        columns.push(Column::computed(name, ty));
    }
    let types: Vec<Type> = columns.iter().map(|c| c.ty).collect();
    let mut table = Table::new("fuzz", columns);
    let nrows = usize::from(input.byte() % 16);
    for _ in 0..nrows {
        let row: Vec<Value> = types.iter().map(|&ty| value_from(input, ty)).collect();
        table.push(row);
    }
    table
}

fn value_from(input: &mut Input, ty: Type) -> Value {
    let tag = input.byte();
    if tag % 8 == 0 {
        return Value::Null;
    }
    let ty = match ty {
        Type::Any => [Type::Bool, Type::Int, Type::Float, Type::Str][usize::from(tag >> 6)],
        t => t,
    };
    match ty {
        Type::Bool => Value::Bool(tag & 16 != 0),
        Type::Int => Value::Int(i64::from_le_bytes(input.array())),
        Type::Float => Value::Float(f64::from_le_bytes(input.array())),
        Type::Ip if tag & 16 != 0 => Value::Ip(IpAddr::V6(Ipv6Addr::from(input.array::<16>()))),
        Type::Ip => Value::Ip(IpAddr::V4(Ipv4Addr::from(input.array::<4>()))),
        _ => {
            let len = usize::from(input.byte() % 32);
            let bytes = input.take(len);
            if tag & 16 != 0 {
                Value::name(bytes)
            } else {
                Value::str(String::from_utf8_lossy(bytes))
            }
        }
    }
}

fn check_escape(bytes: &[u8], bound: usize) {
    let escaped = escape_bytes(bytes);
    assert!(
        !escaped.chars().any(char::is_control),
        "escape_bytes({bytes:?}) = {escaped:?} holds a control character"
    );
    assert_eq!(
        unescape(&escaped).as_deref(),
        Some(bytes),
        "unescape(escape_bytes(x)) != x for {escaped:?}"
    );
    let cut = escape_bounded(bytes, bound);
    if bound >= 3 {
        assert!(
            cut.chars().count() <= bound,
            "escape_bounded({bytes:?}, {bound}) = {cut:?} is too long"
        );
    }
    let kept = if cut == escaped {
        &cut[..]
    } else {
        cut.strip_suffix("...")
            .unwrap_or_else(|| panic!("a cut {cut:?} does not end in ..."))
    };
    assert!(
        escaped.starts_with(kept) && unescape(kept).is_some(),
        "escape_bounded({bytes:?}, {bound}) = {cut:?} is not whole escapes of {escaped:?}"
    );
}

/// Output as text: it must be UTF-8.
fn text(format: &str, out: Vec<u8>) -> String {
    String::from_utf8(out).unwrap_or_else(|e| panic!("{format} output is not UTF-8: {e}"))
}

/// No control character in `s` but those of `allowed`.
fn assert_no_controls(format: &str, s: &str, allowed: &[char]) {
    if let Some(c) = s.chars().find(|c| c.is_control() && !allowed.contains(c)) {
        panic!("{format} output holds the control character {c:?}: {s:?}");
    }
}

fn check_renderers(table: &Table, width: Option<usize>) {
    let mut out = Vec::new();
    write_table(table, width, &mut out).expect("writes to memory");
    let s = text("table", out);
    assert_no_controls("table", &s, &['\n']);

    let mut out = Vec::new();
    write_plain(table, &mut out).expect("writes to memory");
    let s = text("plain", out);
    assert_no_controls("plain", &s, &['\n', '\t']);
    assert_eq!(s.lines().count(), table.len(), "plain rows: {s:?}");
    for line in s.lines() {
        assert_eq!(
            line.split('\t').count(),
            table.width(),
            "plain row: {line:?}"
        );
    }

    let mut out = Vec::new();
    write_csv(table, &mut out).expect("writes to memory");
    let s = text("csv", out);
    assert_no_controls("csv", &s, &['\n']);
    assert_eq!(s.lines().count(), table.len() + 1, "csv rows: {s:?}");

    let mut out = Vec::new();
    write_json(table, &mut out).expect("writes to memory");
    let s = text("json", out);
    let doc: serde_json::Value =
        serde_json::from_str(&s).unwrap_or_else(|e| panic!("json output does not parse: {e}: {s}"));
    let rows = doc.as_array().expect("json output is an array");
    assert_eq!(rows.len(), table.len());
    let unique = table
        .columns()
        .iter()
        .enumerate()
        .all(|(i, c)| table.columns()[..i].iter().all(|d| d.name != c.name));
    if !unique {
        return;
    }
    for (row, obj) in table.rows().zip(rows) {
        for (c, v) in table.columns().iter().zip(row) {
            let j = obj.get(&*c.name).expect("every column has its key");
            let back = Value::from_json(j, c.ty);
            assert!(
                same(&v, back.as_ref()),
                "column {:?} ({}): {v:?} came back as {back:?} from {j}",
                c.name,
                c.ty.name()
            );
        }
    }
}

/// Whether `back` is `v` after a JSON round trip: floats to the bit, floats that JSON cannot
/// hold (NaN, infinities) as null.
fn same(v: &Value, back: Option<&Value>) -> bool {
    match (v, back) {
        (Value::Float(f), Some(Value::Null)) => !f.is_finite(),
        (Value::Float(a), Some(Value::Float(b))) => a.to_bits() == b.to_bits(),
        (v, Some(b)) => v == b && v.type_of() == b.type_of(),
        (_, None) => false,
    }
}
