//! Filters that can never match, caught before they run: a `where` closure comparing a column
//! with a constant of the wrong type (`s.local_port == "8080"`), an address column with a
//! network or a word (`r.dst == "0.0.0.0/0"`), or an enum-like column with a value it never
//! holds (`s.state == "TIME-WAIT"`, `"ESTAB"`, `"listen"`) would silently give no rows; in a
//! monitoring script that is a check that passes when it should fail. The closure is checked
//! against the table it filters, with captured values (script arguments) as the constants they
//! are at that call, so the message comes before the first row is looked at.

use super::closure::{Closure, Node};
use crate::model::{Table, Type, Value};

/// The values an enum-like column can hold, by table and column; `None` for free-form columns.
pub fn known_values(table: &str, column: &str) -> Option<&'static [&'static str]> {
    use crate::tables::sockets::STATE_NAMES;
    Some(match (table, column) {
        ("sockets", "state") => &STATE_NAMES[1..],
        ("sockets", "proto") => &["tcp", "udp", "udplite", "raw", "unix"],
        ("sockets" | "routes" | "rules" | "addresses" | "neighbours" | "conntrack", "family") => {
            &["inet", "inet6", "unix", "link"]
        }
        ("multicast", "family") => &["inet", "inet6", "link"],
        ("sockets", "type") => &["stream", "dgram", "raw", "seqpacket"],
        ("sockets", "timer") => &["off", "on", "keepalive", "timewait", "probe"],
        ("interfaces", "state") => &[
            "UP",
            "DOWN",
            "UNKNOWN",
            "DORMANT",
            "LOWERLAYERDOWN",
            "NOTPRESENT",
            "TESTING",
        ],
        ("routes", "type") => &[
            "unicast",
            "local",
            "broadcast",
            "anycast",
            "multicast",
            "blackhole",
            "unreachable",
            "prohibit",
            "throw",
            "nat",
            "xresolve",
        ],
        ("routes" | "addresses", "scope") => &["global", "site", "link", "host", "nowhere"],
        ("conntrack", "state") => &crate::tables::conntrack::TCP_STATES,
        ("conntrack", "protocol") => &[
            "tcp", "udp", "udplite", "icmp", "icmpv6", "sctp", "dccp", "gre", "igmp", "unknown",
        ],
        _ => return None,
    })
}

/// Checks the `where` closure `closure` (called with the captured values `curry`) against
/// `table`; the error says what is wrong and how to write it.
pub fn check_filter(
    closure: &Closure,
    curry: &[rhai::Dynamic],
    table: &Table,
) -> Result<(), String> {
    let Some(body) = &closure.body else {
        return Ok(());
    };
    let Some((row, captured)) = closure.params.split_last() else {
        return Ok(());
    };
    // Scalar captures only: an array or a row is not a constant to compare with.
    let consts: Vec<(&str, Value)> = captured
        .iter()
        .zip(curry)
        .map(|(n, d)| (n.as_str(), d.flatten_clone()))
        .filter(|(_, d)| d.is_unit() || d.is_bool() || d.is_int() || d.is_float() || d.is_string())
        .map(|(n, d)| (n, super::types::from_dynamic(&d)))
        .collect();
    let cx = Cx {
        table,
        row,
        consts: &consts,
    };
    cx.walk(body)
}

struct Cx<'a> {
    table: &'a Table,
    row: &'a str,
    consts: &'a [(&'a str, Value)],
}

impl Cx<'_> {
    fn column<'n>(&self, n: &'n Node) -> Option<(&'n str, Type)> {
        match n {
            Node::Prop(v, p) if v == self.row => {
                let c = self.table.column_index(p)?;
                Some((p.as_str(), self.table.columns()[c].ty))
            }
            _ => None,
        }
    }

    fn constant(&self, n: &Node) -> Option<Value> {
        match n {
            Node::Lit(v) => Some(v.clone()),
            Node::Var(v) => self
                .consts
                .iter()
                .find(|(k, _)| k == v)
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    fn walk(&self, n: &Node) -> Result<(), String> {
        match n {
            Node::And(xs) | Node::Or(xs) | Node::Array(xs) => {
                xs.iter().try_for_each(|x| self.walk(x))
            }
            Node::Call(f, args) if args.len() == 2 && is_comparison(f) => {
                let pair = match (self.column(&args[0]), self.column(&args[1])) {
                    (Some(c), None) => Some((c, &args[1])),
                    (None, Some(c)) => Some((c, &args[0])),
                    _ => None,
                };
                match pair.and_then(|(c, other)| Some((c, self.constant(other)?))) {
                    Some(((col, ty), v)) => self.compare(col, ty, &v, f == "==" || f == "!="),
                    None => args.iter().try_for_each(|a| self.walk(a)),
                }
            }
            // `row.col in ["A", "B"]` is `contains([..], row.col)`.
            Node::Call(f, args) if f == "contains" && args.len() == 2 => {
                match (&args[0], self.column(&args[1])) {
                    (Node::Array(items), Some((col, ty))) => items
                        .iter()
                        .filter_map(|i| self.constant(i))
                        .try_for_each(|v| self.compare(col, ty, &v, true)),
                    _ => Ok(()),
                }
            }
            Node::Call(_, args) => args.iter().try_for_each(|a| self.walk(a)),
            _ => Ok(()),
        }
    }

    /// Whether `col` (of type `ty`) can ever compare as the script means with `v`.
    fn compare(&self, col: &str, ty: Type, v: &Value, equality: bool) -> Result<(), String> {
        let row = self.row;
        match (ty, v) {
            (_, Value::Null) => Ok(()),
            (Type::Int | Type::Float, Value::Str(s)) => Err(match s.trim().parse::<f64>() {
                Ok(_) => format!(
                    "{row}.{col} is a number and \"{s}\" is text, so they never compare equal: \
                     write {s} without quotes, or convert text with parse_int(x)"
                ),
                Err(_) => format!("{row}.{col} is a number; \"{s}\" is text and never matches"),
            }),
            (Type::Bool, Value::Str(s)) => Err(format!(
                "{row}.{col} is true or false; compare with true/false, not \"{s}\""
            )),
            (Type::Ip, Value::Str(s)) if s.parse::<std::net::IpAddr>().is_err() => {
                let hint = if s.contains('/') || s.eq_ignore_ascii_case("default") {
                    let net = if s.eq_ignore_ascii_case("default") {
                        "0.0.0.0/0"
                    } else {
                        s.as_ref()
                    };
                    format!(
                        "; to test a network write {row}.{col}.within(\"{net}\") (or \
                         {row}.{col} in \"{net}\")"
                    )
                } else {
                    String::new()
                };
                let default = if s.eq_ignore_ascii_case("default") || s.ends_with("/0") {
                    "; a default route is one with dst_len == 0"
                } else {
                    ""
                };
                Err(format!(
                    "{row}.{col} is an address and \"{s}\" is not one, so it never compares \
                     equal{hint}{default}"
                ))
            }
            (Type::Str, Value::Str(s)) if equality => self.enum_value(col, s),
            (Type::Str, Value::Int(n)) => Err(format!(
                "{row}.{col} is text and {n} a number: write \"{n}\" in quotes"
            )),
            _ => Ok(()),
        }
    }

    fn enum_value(&self, col: &str, s: &str) -> Result<(), String> {
        let Some(known) = known_values(self.table.name(), col) else {
            return Ok(());
        };
        // Values the table has no word for are shown as their number.
        if known.contains(&s) || s.parse::<i64>().is_ok() {
            return Ok(());
        }
        let hint = closest_value(s, known).map_or_else(
            || format!("; {col} is one of: {}", known.join(", ")),
            |k| format!("; did you mean \"{k}\"?"),
        );
        Err(format!(
            "\"{s}\" is not a value {}.{col} ever holds{hint}",
            self.row
        ))
    }
}

fn is_comparison(op: &str) -> bool {
    matches!(op, "==" | "!=" | "<" | "<=" | ">" | ">=")
}

/// The known value `s` most likely means: the same letters in another case or with `-` for
/// `_` (ss writes `TIME-WAIT`, BSD `FIN_WAIT_2`), an abbreviation of exactly one (`ESTAB`,
/// ss's `UNCONN` for `CLOSE`), or the closest by edit distance.
fn closest_value(s: &str, known: &[&'static str]) -> Option<&'static str> {
    let norm = |x: &str| -> String {
        x.chars()
            .filter(|c| *c != '_' && *c != '-' && *c != ' ')
            .flat_map(char::to_uppercase)
            .collect()
    };
    let want = norm(s);
    if let Some(k) = known.iter().find(|k| norm(k) == want) {
        return Some(k);
    }
    if want == "UNCONN" && known.contains(&"CLOSE") {
        return Some("CLOSE");
    }
    let prefixed: Vec<&&str> = known
        .iter()
        .filter(|k| want.len() >= 3 && norm(k).starts_with(&want))
        .collect();
    if let [only] = prefixed.as_slice() {
        return Some(only);
    }
    known
        .iter()
        .map(|k| (crate::error::edit_distance(&want, &norm(k)), *k))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= 2)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check of `body` (a closure body over row `r`) against the registry's `table`.
    fn check(table: &str, body: &str) -> Result<(), String> {
        let ast = rhai::Engine::new()
            .compile(format!("|r| {body}"))
            .expect("compiles");
        let closures = super::super::closure::closures(&ast);
        let c = closures.values().next().expect("one closure");
        let def = crate::tables::lookup(table).expect("a table");
        check_filter(c, &[], &Table::new(def.name, (def.columns)().to_vec()))
    }

    #[test]
    fn every_enum_like_column_rejects_a_misspelling_with_a_suggestion() {
        let cases = [
            ("sockets", "state"),
            ("sockets", "proto"),
            ("sockets", "family"),
            ("sockets", "type"),
            ("sockets", "timer"),
            ("interfaces", "state"),
            ("routes", "type"),
            ("routes", "scope"),
            ("routes", "family"),
            ("rules", "family"),
            ("addresses", "scope"),
            ("addresses", "family"),
            ("neighbours", "family"),
            ("multicast", "family"),
            ("conntrack", "state"),
            ("conntrack", "protocol"),
            ("conntrack", "family"),
        ];
        for (table, col) in cases {
            let known = known_values(table, col).unwrap();
            for v in known {
                assert_eq!(
                    check(table, &format!(r#"r.{col} == "{v}""#)),
                    Ok(()),
                    "{table}.{col}"
                );
                // The other case, as people type words from other tools.
                let typed = if v.chars().any(|c| c.is_ascii_lowercase()) {
                    v.to_ascii_uppercase()
                } else {
                    v.to_ascii_lowercase()
                };
                let e = check(table, &format!(r#"r.{col} == "{typed}""#)).unwrap_err();
                assert!(
                    e.contains(&format!(r#"did you mean "{v}"?"#)),
                    "{table}.{col}: {e}"
                );
            }
        }
    }

    #[test]
    fn types_that_never_compare_equal() {
        assert!(
            check("sockets", r#"r.local_port == "80""#)
                .unwrap_err()
                .contains("write 80 without quotes")
        );
        assert!(check("sockets", r#"r.local_port == 80"#).is_ok());
        assert!(
            check("interfaces", r#"r.up == "yes""#)
                .unwrap_err()
                .contains("true/false")
        );
        assert!(
            check("sockets", r#"r.path == 5"#)
                .unwrap_err()
                .contains("write \"5\" in quotes")
        );
        assert!(
            check("sockets", r#"r.remote_addr == "10.0.0.0/8""#)
                .unwrap_err()
                .contains("within(\"10.0.0.0/8\")")
        );
        assert!(check("sockets", r#"r.remote_addr == "::1""#).is_ok());
        assert!(check("sockets", r#"r.state == "LISTEN" || r.proto == "udp""#).is_ok());
    }

    #[test]
    fn spellings_of_other_tools_find_the_value() {
        let states = known_values("sockets", "state").unwrap();
        for (given, want) in [
            ("TIME-WAIT", "TIME_WAIT"),
            ("ESTAB", "ESTABLISHED"),
            ("listen", "LISTEN"),
            ("FIN-WAIT-2", "FIN_WAIT2"),
            ("FIN_WAIT_1", "FIN_WAIT1"),
            ("UNCONN", "CLOSE"),
            ("SYN-RECV", "SYN_RECV"),
            ("CLOSE-WAIT", "CLOSE_WAIT"),
            ("ESTABLSHED", "ESTABLISHED"),
        ] {
            assert_eq!(closest_value(given, states), Some(want), "{given}");
        }
        assert_eq!(closest_value("zzzzzz", states), None);
        assert_eq!(
            closest_value("TCP", known_values("sockets", "proto").unwrap()),
            Some("tcp")
        );
    }
}
