//! iproute2's names for routing numbers: tables, protocols, scopes and route types.
//!
//! `ip` prints a routing table, protocol or scope by name when it has one: built-in names for
//! the reserved values, extended or overridden by `/etc/iproute2/rt_tables`, `rt_protos` and
//! `rt_scopes` (and the `*.conf` files of their `.d` directories), and the number otherwise.
//! These helpers do the same so the `routes` and `addresses` tables read like `ip` output.
//! The files are read once per process; a missing or unreadable file just leaves the built-in
//! names.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// Directories searched for the name files, first match wins (iproute2 6.x reads `/etc`, newer
/// releases fall back to the vendor copy under `/usr`).
const CONF_DIRS: [&str; 3] = ["/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2"];

/// Built-in table names (`ip` knows these without any file).
const TABLES: [(u32, &str); 3] = [(253, "default"), (254, "main"), (255, "local")];

/// Built-in protocol names, as `ip` spells them.
const PROTOCOLS: [(u32, &str); 21] = [
    (0, "unspec"),
    (1, "redirect"),
    (2, "kernel"),
    (3, "boot"),
    (4, "static"),
    (8, "gated"),
    (9, "ra"),
    (10, "mrt"),
    (11, "zebra"),
    (12, "bird"),
    (13, "dnrouted"),
    (14, "xorp"),
    (15, "ntk"),
    (16, "dhcp"),
    (18, "keepalived"),
    (42, "babel"),
    (186, "bgp"),
    (187, "isis"),
    (188, "ospf"),
    (189, "rip"),
    (192, "eigrp"),
];

/// Built-in scope names.
const SCOPES: [(u32, &str); 5] = [
    (0, "global"),
    (200, "site"),
    (253, "link"),
    (254, "host"),
    (255, "nowhere"),
];

/// A number-to-name map read from an iproute2 name file and its `.d` directory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Names {
    names: HashMap<u32, String>,
}

impl Names {
    /// The built-in names only.
    pub fn builtin(builtin: &[(u32, &str)]) -> Names {
        Names {
            names: builtin
                .iter()
                .map(|(n, s)| (*n, (*s).to_string()))
                .collect(),
        }
    }

    /// The built-in names, then `file` and `file.d/*.conf` from the first configuration
    /// directory that has `file` (later lines override earlier ones, as in `ip`).
    fn load(builtin: &[(u32, &str)], file: &str) -> Names {
        let mut names = Names::builtin(builtin);
        for dir in CONF_DIRS {
            let path = Path::new(dir).join(file);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            names.parse(&text);
            let mut confs: Vec<_> = std::fs::read_dir(Path::new(dir).join(format!("{file}.d")))
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                .collect();
            confs.sort();
            for conf in confs {
                if let Ok(text) = std::fs::read_to_string(conf) {
                    names.parse(&text);
                }
            }
            break;
        }
        names
    }

    /// Adds the `NUMBER NAME` lines of `text` (decimal or `0x` hex numbers; `#` starts a
    /// comment; malformed lines are ignored, as `ip` does).
    pub fn parse(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let (Some(num), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            let parsed = match num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => num.parse(),
            };
            if let Ok(n) = parsed {
                self.names.insert(n, name.to_string());
            }
        }
    }

    /// The number named `name` (or written in decimal); `None` for an unknown name.
    pub fn number(&self, name: &str) -> Option<u32> {
        name.parse().ok().or_else(|| {
            self.names
                .iter()
                .find(|(_, n)| n.as_str() == name)
                .map(|(k, _)| *k)
        })
    }

    /// The name of `n`, or `n` in decimal.
    pub fn name(&self, n: u32) -> String {
        self.names.get(&n).cloned().unwrap_or_else(|| n.to_string())
    }
}

fn cached(cell: &'static OnceLock<Names>, builtin: &[(u32, &str)], file: &str) -> &'static Names {
    cell.get_or_init(|| Names::load(builtin, file))
}

/// The name of routing table `id` (`main`, `local`, `default`, a name from `rt_tables`, or the
/// number).
pub fn table_name(id: u32) -> String {
    static CELL: OnceLock<Names> = OnceLock::new();
    cached(&CELL, &TABLES, "rt_tables").name(id)
}

/// The name of route protocol `p` (`kernel`, `boot`, `static`, `dhcp`, ..., or the number).
pub fn protocol_name(p: u8) -> String {
    static CELL: OnceLock<Names> = OnceLock::new();
    cached(&CELL, &PROTOCOLS, "rt_protos").name(p.into())
}

/// The name of route or address scope `s` (`global`, `site`, `link`, `host`, `nowhere`, or
/// the number).
pub fn scope_name(s: u8) -> String {
    scopes().name(s.into())
}

/// The scope named `name` as `scope_name` spells it (or a decimal number); `None` when unknown.
pub fn scope_number(name: &str) -> Option<u8> {
    scopes().number(name).and_then(|n| u8::try_from(n).ok())
}

/// The scope names, read once.
fn scopes() -> &'static Names {
    static CELL: OnceLock<Names> = OnceLock::new();
    cached(&CELL, &SCOPES, "rt_scopes")
}

/// The built-in protocol names (for tests and documentation).
pub fn builtin_protocols() -> Names {
    Names::builtin(&PROTOCOLS)
}

/// The built-in scope names (for tests and documentation).
pub fn builtin_scopes() -> Names {
    Names::builtin(&SCOPES)
}

/// `ip`'s name for route type `t` (RTN_*); unknown types print as the number.
pub fn route_type_name(t: u8) -> String {
    let name = match t {
        0 => "none",
        1 => "unicast",
        2 => "local",
        3 => "broadcast",
        4 => "anycast",
        5 => "multicast",
        6 => "blackhole",
        7 => "unreachable",
        8 => "prohibit",
        9 => "throw",
        10 => "nat",
        11 => "xresolve",
        n => return n.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_match_ip() {
        let p = builtin_protocols();
        assert_eq!(p.name(2), "kernel");
        assert_eq!(p.name(3), "boot");
        assert_eq!(p.name(16), "dhcp");
        assert_eq!(p.name(42), "babel");
        assert_eq!(p.name(17), "17");
        let s = builtin_scopes();
        assert_eq!(s.name(0), "global");
        assert_eq!(s.name(253), "link");
        assert_eq!(s.name(254), "host");
        assert_eq!(s.name(255), "nowhere");
        assert_eq!(s.name(200), "site");
        assert_eq!(s.name(100), "100");
        assert_eq!(
            (s.number("link"), s.number("17"), s.number("nope")),
            (Some(253), Some(17), None)
        );
    }

    #[test]
    fn files_add_and_override_names() {
        let mut t = Names::builtin(&TABLES);
        t.parse("# comment\n255\tlocal\n100 vpn # trailing\n0x65 hexed\nbogus line\n7\n");
        assert_eq!(t.name(100), "vpn");
        assert_eq!(t.name(101), "hexed");
        assert_eq!(t.name(254), "main");
        assert_eq!(t.name(7), "7");
        t.parse("254 primary\n");
        assert_eq!(t.name(254), "primary");
    }

    #[test]
    fn route_types_use_ip_spelling() {
        assert_eq!(route_type_name(1), "unicast");
        assert_eq!(route_type_name(6), "blackhole");
        assert_eq!(route_type_name(7), "unreachable");
        assert_eq!(route_type_name(8), "prohibit");
        assert_eq!(route_type_name(11), "xresolve");
        assert_eq!(route_type_name(42), "42");
    }
}
