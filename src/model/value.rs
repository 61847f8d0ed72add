//! Typed cell values: the one currency every table, query, script and renderer shares.
//!
//! A [`Value`] is null, a boolean, an integer, a float, a string or an IP address. Strings are
//! reference counted (`Arc<str>`) so repeated texts (states, user names, process names) are
//! shared, not copied per row; IP addresses stay addresses so they compare and sort numerically.
//!
//! Names from the system (interfaces, socket paths, process names, host names) are bytes, not
//! UTF-8: a name that is valid UTF-8 is a [`Value::Str`], one that is not is a [`Value::Bytes`]
//! in the same `str` column, kept losslessly. Both compare, sort, hash and join by their bytes.
//! People see a `Bytes` value escaped ([`super::escape_bytes`]); JSON writes it as
//! `{"bytes": "<hex>"}`, which snapshots read back.

use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// The type of a column; every non-null value in the column has this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    /// `true` or `false`.
    Bool,
    /// A signed 64-bit integer (counters, ports, pids, sizes).
    Int,
    /// A 64-bit float (milliseconds, ratios).
    Float,
    /// Text.
    Str,
    /// An IPv4 or IPv6 address.
    Ip,
    /// Any type (computed columns of derived tables).
    Any,
}

impl Type {
    /// The lowercase name used in schemas, snapshots and the book.
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Float => "float",
            Type::Str => "str",
            Type::Ip => "ip",
            Type::Any => "any",
        }
    }
}

/// One typed cell.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// No value: unknown, not applicable, or not visible without privileges.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Shared text.
    Str(Arc<str>),
    /// Text that is not valid UTF-8 (a name from the system), in a `str` column.
    Bytes(Arc<[u8]>),
    /// An IP address.
    Ip(IpAddr),
}

impl Value {
    /// Text value from anything string-like.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Str(Arc::from(s.as_ref()))
    }

    /// A name from the system: text when `bytes` is valid UTF-8, [`Value::Bytes`] otherwise.
    pub fn name(bytes: &[u8]) -> Value {
        match std::str::from_utf8(bytes) {
            Ok(s) => Value::str(s),
            Err(_) => Value::Bytes(Arc::from(bytes)),
        }
    }

    /// A shared name from the system as a cell: the same `Arc` when the name is UTF-8, its
    /// bytes otherwise (see `model::rawtext`).
    pub fn shared_name(s: &Arc<str>) -> Value {
        if super::rawtext::is_encoded(s) {
            Value::raw(s)
        } else {
            Value::Str(Arc::clone(s))
        }
    }

    /// A name carried as raw text ([`super::rawtext`]): the bytes it carries, as
    /// [`Value::name`].
    pub fn raw(s: &str) -> Value {
        if super::rawtext::is_encoded(s) {
            Value::name(&super::rawtext::decode(s))
        } else {
            Value::str(s)
        }
    }

    /// [`Value::raw`], or null when `s` is `None`.
    pub fn opt_raw(s: Option<impl AsRef<str>>) -> Value {
        s.map_or(Value::Null, |s| Value::raw(s.as_ref()))
    }

    /// Text value, or null when `s` is `None`.
    pub fn opt_str(s: Option<impl AsRef<str>>) -> Value {
        s.map_or(Value::Null, Value::str)
    }

    /// Integer value from any integer type that fits an `i64` (larger values saturate).
    pub fn int(n: impl TryInto<i64>) -> Value {
        Value::Int(n.try_into().unwrap_or(i64::MAX))
    }

    /// Integer value, or null when `n` is `None`.
    pub fn opt_int(n: Option<impl TryInto<i64>>) -> Value {
        n.map_or(Value::Null, Value::int)
    }

    /// IP value, or null when `ip` is `None`.
    pub fn opt_ip(ip: Option<IpAddr>) -> Value {
        ip.map_or(Value::Null, Value::Ip)
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The type of this value (`None` for null).
    pub fn type_of(&self) -> Option<Type> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Str(_) | Value::Bytes(_) => Type::Str,
            Value::Ip(_) => Type::Ip,
        })
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a text value (valid UTF-8 or not), as the system gave them.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s.as_bytes()),
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a text value for people: as it is when valid UTF-8, escaped otherwise.
    pub fn text_lossless(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            Value::Bytes(b) => Some(super::escape_bytes(b)),
            _ => None,
        }
    }

    /// The bytes of a text value as raw text with one character per byte at or above 0x80
    /// ([`super::rawtext::encode_bytewise`]): what netstat pads, cuts and prints raw.
    pub fn bytewise_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.as_bytes().map(super::rawtext::encode_bytewise)
    }

    /// The number as a float, if this is an integer or a float.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// The address, if this is an IP.
    pub fn as_ip(&self) -> Option<IpAddr> {
        match self {
            Value::Ip(ip) => Some(*ip),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Converts to JSON, keeping types (IPs become strings).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(n) => (*n).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::Bytes(b) => serde_json::json!({ "bytes": hex(b) }),
            Value::Ip(ip) => serde_json::Value::String(ip.to_string()),
        }
    }

    /// Reads a JSON value as a value of column type `ty`; `None` when it does not fit.
    pub fn from_json(v: &serde_json::Value, ty: Type) -> Option<Value> {
        use serde_json::Value as J;
        Some(match (v, ty) {
            (J::Null, _) => Value::Null,
            (J::Bool(b), Type::Bool | Type::Any) => Value::Bool(*b),
            (J::Number(n), Type::Int) => Value::Int(n.as_i64()?),
            (J::Number(n), Type::Float) => Value::Float(n.as_f64()?),
            (J::Number(n), Type::Any) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64()?),
            },
            (J::String(s), Type::Ip) => Value::Ip(s.parse().ok()?),
            (J::String(s), Type::Str | Type::Any) => Value::str(s),
            (J::Object(o), Type::Str | Type::Any) if o.len() == 1 => {
                Value::name(&unhex(o.get("bytes")?.as_str()?)?)
            }
            _ => return None,
        })
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Float(_) => 2,
            Value::Ip(_) => 3,
            Value::Str(_) | Value::Bytes(_) => 4,
        }
    }
}

/// Lowercase hex digits of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The bytes of an even-length hex string; `None` for anything else.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Total order used by sorting: null first, then booleans, numbers, addresses (IPv4 before
/// IPv6, numerically), then strings.
impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::Int(a), Value::Float(b)) => (*a as f64).total_cmp(b),
            (Value::Float(a), Value::Int(b)) => a.total_cmp(&(*b as f64)),
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            (Value::Str(_) | Value::Bytes(_), Value::Str(_) | Value::Bytes(_)) => {
                self.as_bytes().cmp(&other.as_bytes())
            }
            (Value::Ip(a), Value::Ip(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => b.hash(state),
            // Integral floats hash like the integer they equal.
            Value::Int(n) => n.hash(state),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => (*f as i64).hash(state),
            Value::Float(f) => f.to_bits().hash(state),
            // Text hashes its bytes, so a name hashes alike whether or not it is UTF-8.
            Value::Str(s) => s.as_bytes().hash(state),
            Value::Bytes(b) => b.hash(state),
            Value::Ip(ip) => ip.hash(state),
        }
    }
}

/// Plain text form: empty for null, otherwise the natural rendering (text that is not UTF-8
/// escaped; valid text as it is: renderers for people escape it, see [`super::escape_str`]).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{}", format_float(*x)),
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&super::escape_bytes(b)),
            Value::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Floats print with at most three decimals and no trailing zeros.
fn format_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Int(n.into())
    }
}
impl From<u8> for Value {
    fn from(n: u8) -> Self {
        Value::Int(n.into())
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::int(n)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(Arc::from(s))
    }
}
impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Self {
        Value::Str(s)
    }
}
impl From<IpAddr> for Value {
    fn from(ip: IpAddr) -> Self {
        Value::Ip(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_sort_numerically_not_as_text() {
        let a = Value::Ip("10.0.0.9".parse().unwrap());
        let b = Value::Ip("10.0.0.10".parse().unwrap());
        assert!(a < b);
    }

    #[test]
    fn ints_and_floats_compare_by_value() {
        assert_eq!(Value::Int(3), Value::Float(3.0));
        assert!(Value::Int(2) < Value::Float(2.5));
    }

    #[test]
    fn json_round_trip_keeps_types() {
        for (v, ty) in [
            (Value::Int(-5), Type::Int),
            (Value::Float(1.5), Type::Float),
            (Value::str("LISTEN"), Type::Str),
            (Value::Ip("::1".parse().unwrap()), Type::Ip),
            (Value::Bool(true), Type::Bool),
            (Value::Null, Type::Int),
        ] {
            assert_eq!(Value::from_json(&v.to_json(), ty), Some(v));
        }
        assert_eq!(Value::from_json(&serde_json::json!("x"), Type::Int), None);
    }

    #[test]
    fn names_that_are_not_utf8_stay_bytes_and_round_trip() {
        let v = Value::name(b"b\xff\xfe");
        assert!(matches!(v, Value::Bytes(_)));
        assert_eq!(v.type_of(), Some(Type::Str));
        assert_eq!(v.as_bytes(), Some(&b"b\xff\xfe"[..]));
        assert_eq!(v.to_string(), "b\\xff\\xfe");
        assert_eq!(v.to_json(), serde_json::json!({"bytes": "62fffe"}));
        assert_eq!(Value::from_json(&v.to_json(), Type::Str), Some(v.clone()));
        assert!(matches!(Value::name(b"eth0"), Value::Str(_)));
        // Ordered and equal by bytes across the two forms.
        assert!(Value::str("b") < v && v < Value::str("c"));
        assert_eq!(Value::name(b"x"), Value::str("x"));
        let h = |v: &Value| {
            use std::hash::{Hash, Hasher};
            let mut s = std::collections::hash_map::DefaultHasher::new();
            v.hash(&mut s);
            s.finish()
        };
        assert_eq!(h(&Value::str("x")), h(&Value::Bytes(Arc::from(&b"x"[..]))));
        assert_eq!(
            Value::from_json(&serde_json::json!({"bytes": "6"}), Type::Str),
            None
        );
    }

    #[test]
    fn floats_print_short() {
        assert_eq!(Value::Float(0.25).to_string(), "0.25");
        assert_eq!(Value::Float(12.0).to_string(), "12");
        assert_eq!(Value::Float(0.1234).to_string(), "0.123");
    }
}
