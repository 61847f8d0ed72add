//! Route selection over stored tables, for when there is no kernel to ask: the policy rules
//! walked in priority order as the kernel walks them (`fib_rules_lookup`), and in each table
//! a rule names, the longest matching prefix with the lowest metric.
//!
//! The flow is the one `ip route get ADDR` asks about: locally generated traffic to `ADDR`
//! with no source address, mark, TOS, protocol or ports, no bound device, from the user
//! running the query. So a rule with `iif lo` matches (output lookups come from the loopback
//! device), rules selecting a source prefix, mark, output device, port, protocol, TOS,
//! tunnel id or VRF do not, and a `uidrange` rule matches when it holds that user. `not`
//! inverts a rule's whole match; `nop` and unresolved `goto` rules are passed; a `goto`
//! continues at the first rule with the target priority. A lookup that finds nothing or a
//! `throw` route goes on to the next rule, as does a route ignored by `suppress_prefixlength`
//! or `suppress_ifgroup`; blackhole, unreachable and prohibit routes and rules end the walk.
//!
//! Rows missing a column (a snapshot from an older netpry) read it as unset.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::model::{Table, Value};

/// What is being routed: locally generated traffic to `dst`, sent by user `uid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// Destination address.
    pub dst: IpAddr,
    /// User id of the sender (rules with `uidrange` compare it).
    pub uid: u32,
}

/// Where the walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Row `row` of the routes table, found through the rule of priority `rule`. Its type may
    /// be a refusal (blackhole, unreachable, prohibit).
    Route {
        /// Index of the route in the routes table.
        row: usize,
        /// Priority of the rule whose lookup found it.
        rule: u32,
    },
    /// The rule of priority `rule` refuses the traffic itself: `action` is blackhole,
    /// unreachable, prohibit (or an action number the kernel treats as an error).
    Refused {
        /// Priority of the refusing rule.
        rule: u32,
        /// The rule's action.
        action: String,
    },
}

/// The priorities and tables of the kernel's built-in rules for `dst`'s family (what a
/// namespace starts with): local, main and, for IPv4, default.
const DEFAULT_RULES_V4: [(u32, u32); 3] = [(0, 255), (32766, 254), (32767, 253)];
/// The IPv6 built-in rules.
const DEFAULT_RULES_V6: [(u32, u32); 2] = [(0, 255), (32766, 254)];

/// One rule, read from a row of the `rules` table.
#[derive(Debug, Clone, Default)]
struct Rule {
    priority: u32,
    invert: bool,
    src: Option<IpNet>,
    dst: Option<IpNet>,
    tos: i64,
    iif: Option<String>,
    iif_detached: bool,
    oif: bool,
    fwmark: i64,
    fwmask: i64,
    uid: Option<(i64, i64)>,
    ipproto: i64,
    ports: bool,
    tun_id: i64,
    l3mdev: bool,
    action: String,
    table: Option<i64>,
    goto: Option<i64>,
    unresolved: bool,
    suppress_prefixlen: Option<i64>,
    suppress_ifgroup: Option<i64>,
}

/// Cells of a row by column name; a missing column reads as null.
struct Cells<'a> {
    table: &'a Table,
    row: &'a [Value],
}

impl Cells<'_> {
    fn get(&self, name: &str) -> &Value {
        self.table
            .column_index(name)
            .and_then(|i| self.row.get(i))
            .unwrap_or(&Value::Null)
    }
    fn int(&self, name: &str) -> Option<i64> {
        self.get(name).as_int()
    }
    fn flag(&self, name: &str) -> bool {
        self.get(name).as_bool().unwrap_or(false)
    }
    fn text(&self, name: &str) -> Option<&str> {
        self.get(name).as_str()
    }
    /// The prefix in columns `addr`/`len`; `None` for a null address (no selector).
    fn prefix(&self, addr: &str, len: &str) -> Option<IpNet> {
        let a = self.get(addr).as_ip()?;
        let l = u8::try_from(self.int(len).unwrap_or(0)).ok()?;
        IpNet::new(a, l).ok()
    }
}

impl Rule {
    fn read(c: &Cells) -> Rule {
        Rule {
            priority: c
                .int("priority")
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(0),
            invert: c.flag("invert"),
            src: c.prefix("src", "src_len").filter(|n| n.prefix_len() > 0),
            dst: c.prefix("dst", "dst_len").filter(|n| n.prefix_len() > 0),
            tos: c.int("tos").unwrap_or(0),
            iif: c.text("iif").map(str::to_string),
            iif_detached: c.flag("iif_detached"),
            oif: c.text("oif").is_some() || c.flag("oif_detached"),
            fwmark: c.int("fwmark").unwrap_or(0),
            fwmask: c.int("fwmask").unwrap_or(0),
            uid: c.int("uid_start").zip(c.int("uid_end")),
            ipproto: c.int("ipproto").unwrap_or(0),
            ports: ["sport_start", "sport_end", "dport_start", "dport_end"]
                .iter()
                .any(|p| c.int(p).is_some_and(|v| v != 0)),
            tun_id: c.int("tun_id").unwrap_or(0),
            l3mdev: c.flag("l3mdev"),
            action: c.text("action").unwrap_or("lookup").to_string(),
            table: c.int("table"),
            goto: c.int("goto"),
            unresolved: c.flag("unresolved"),
            suppress_prefixlen: c.int("suppress_prefixlen"),
            suppress_ifgroup: c.int("suppress_ifgroup"),
        }
    }

    /// Whether the rule selects `flow` (before `not`), as `fib_rule_match` and the family's
    /// match function decide for an output lookup; `lo` is the loopback device's name.
    fn selects(&self, flow: &Flow, lo: &str) -> bool {
        if self.iif_detached || self.iif.as_deref().is_some_and(|i| i != lo) {
            return false;
        }
        let uid = i64::from(flow.uid);
        if self.oif
            || self.fwmark & self.fwmask != 0
            || self.tun_id != 0
            || self.l3mdev
            || self.uid.is_some_and(|(a, b)| uid < a || uid > b)
            || self.tos != 0
            || self.ipproto != 0
            || self.ports
        {
            return false;
        }
        if self.dst.is_some_and(|n| !n.contains(&flow.dst)) {
            return false;
        }
        // The flow has no source: an IPv4 source selector is compared with 0.0.0.0, an IPv6
        // one never matches without a source address.
        match self.src {
            None => true,
            Some(n) if flow.dst.is_ipv4() => n.contains(&IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            Some(_) => false,
        }
    }

    fn matches(&self, flow: &Flow, lo: &str) -> bool {
        self.selects(flow, lo) != self.invert
    }
}

/// The rules of `flow`'s family from `rules` in priority order (the table's order among equal
/// priorities), or the built-in rules when there is no rules table.
fn family_rules(rules: Option<&Table>, flow: &Flow) -> Vec<Rule> {
    let family = if flow.dst.is_ipv4() { "inet" } else { "inet6" };
    let Some(t) = rules else {
        let defaults: &[(u32, u32)] = if flow.dst.is_ipv4() {
            &DEFAULT_RULES_V4
        } else {
            &DEFAULT_RULES_V6
        };
        return defaults
            .iter()
            .map(|&(priority, table)| Rule {
                priority,
                action: "lookup".into(),
                table: Some(table.into()),
                ..Rule::default()
            })
            .collect();
    };
    let mut out: Vec<Rule> = t
        .rows()
        .map(|row| Cells { table: t, row })
        .filter(|c| c.text("family") == Some(family))
        .map(|c| Rule::read(&c))
        .collect();
    out.sort_by_key(|r| r.priority);
    out
}

/// The route `table` holds for `flow`: the longest prefix containing the destination, then
/// the lowest metric, then the first in table order. Routes with a source selector that does
/// not contain the unspecified address, and dead routes, are skipped.
fn lookup_table(routes: &Table, table: i64, flow: &Flow) -> Option<usize> {
    let unspecified = if flow.dst.is_ipv4() {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    };
    routes
        .rows()
        .enumerate()
        .filter_map(|(i, row)| {
            let c = Cells { table: routes, row };
            if c.int("table") != Some(table) {
                return None;
            }
            let dst = c.prefix("dst", "dst_len")?;
            if dst.addr().is_ipv4() != flow.dst.is_ipv4() || !dst.contains(&flow.dst) {
                return None;
            }
            if c.prefix("src", "src_len")
                .is_some_and(|n| n.prefix_len() > 0 && !n.contains(&unspecified))
            {
                return None;
            }
            if c.text("flags")
                .is_some_and(|f| f.split(',').any(|w| w == "dead"))
            {
                return None;
            }
            let metric = c.int("metric").unwrap_or(0);
            Some((std::cmp::Reverse(dst.prefix_len()), metric, i))
        })
        .min()
        .map(|(.., i)| i)
}

/// The interface group of route `row` (through its `oif` and the interfaces table).
fn route_group(routes: &Table, row: usize, interfaces: Option<&Table>) -> Option<i64> {
    let oif = Cells {
        table: routes,
        row: routes.row(row),
    }
    .int("oif")?;
    let t = interfaces?;
    t.rows()
        .map(|row| Cells { table: t, row })
        .find(|c| c.int("index") == Some(oif))?
        .int("group")
}

/// The name of the loopback device (index 1) in `interfaces`, `lo` without one.
fn loopback_name(interfaces: Option<&Table>) -> String {
    interfaces
        .and_then(|t| {
            t.rows()
                .map(|row| Cells { table: t, row })
                .find(|c| c.int("index") == Some(1))
                .and_then(|c| c.text("name").map(str::to_string))
        })
        .unwrap_or_else(|| "lo".to_string())
}

/// Walks `rules` (the built-in rules when `None`) for `flow` over `routes`, as the kernel
/// would; `interfaces` supplies the loopback name and device groups when present. `None`
/// when no rule finds a route: the kernel's "network is unreachable".
pub fn route_lookup(
    routes: &Table,
    rules: Option<&Table>,
    interfaces: Option<&Table>,
    flow: &Flow,
) -> Option<Decision> {
    let rules = family_rules(rules, flow);
    let lo = loopback_name(interfaces);
    let mut i = 0;
    while let Some(rule) = rules.get(i) {
        i += 1;
        if !rule.matches(flow, &lo) {
            continue;
        }
        match rule.action.as_str() {
            "goto" => {
                // The kernel only accepts forward jumps, so the walk always ends.
                let target = rule.goto.and_then(|g| {
                    rules
                        .iter()
                        .position(|r| i64::from(r.priority) == g && r.priority > rule.priority)
                });
                if let (false, Some(t)) = (rule.unresolved, target) {
                    i = t;
                }
            }
            "nop" => {}
            "lookup" => {
                let Some(row) = rule.table.and_then(|t| lookup_table(routes, t, flow)) else {
                    continue;
                };
                let ty = Cells {
                    table: routes,
                    row: routes.row(row),
                }
                .text("type")
                .unwrap_or("unicast")
                .to_string();
                if ty == "throw" {
                    continue;
                }
                let refusal = ["blackhole", "unreachable", "prohibit", "nat", "xresolve"]
                    .contains(&ty.as_str());
                if !refusal && suppressed(rule, routes, row, interfaces) {
                    continue;
                }
                return Some(Decision::Route {
                    row,
                    rule: rule.priority,
                });
            }
            action => {
                return Some(Decision::Refused {
                    rule: rule.priority,
                    action: action.to_string(),
                });
            }
        }
    }
    None
}

/// Whether `rule`'s `suppress_prefixlength` or `suppress_ifgroup` discards route `row`.
fn suppressed(rule: &Rule, routes: &Table, row: usize, interfaces: Option<&Table>) -> bool {
    let len = Cells {
        table: routes,
        row: routes.row(row),
    }
    .int("dst_len")
    .unwrap_or(0);
    rule.suppress_prefixlen.is_some_and(|s| len <= s)
        || rule
            .suppress_ifgroup
            .is_some_and(|g| route_group(routes, row, interfaces) == Some(g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Type};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Rows of (table, type, dst, dst_len, metric, oif).
    fn routes(rows: &[(i64, &str, &str, i64, i64, i64)]) -> Table {
        let mut t = Table::new(
            "routes",
            vec![
                Column::new("table", Type::Int, ""),
                Column::new("type", Type::Str, ""),
                Column::new("dst", Type::Ip, ""),
                Column::new("dst_len", Type::Int, ""),
                Column::new("metric", Type::Int, ""),
                Column::new("oif", Type::Int, ""),
            ],
        );
        for &(table, ty, dst, len, metric, oif) in rows {
            t.push([
                Value::Int(table),
                Value::str(ty),
                Value::Ip(ip(dst)),
                Value::Int(len),
                Value::Int(metric),
                Value::Int(oif),
            ]);
        }
        t
    }

    /// Rules from `(priority, column=value ...)` lines; every rule is inet unless it says.
    fn rules(specs: &[&str]) -> Table {
        let cols: Vec<(&str, Type)> = vec![
            ("family", Type::Str),
            ("priority", Type::Int),
            ("invert", Type::Bool),
            ("src", Type::Ip),
            ("src_len", Type::Int),
            ("dst", Type::Ip),
            ("dst_len", Type::Int),
            ("iif", Type::Str),
            ("oif", Type::Str),
            ("fwmark", Type::Int),
            ("fwmask", Type::Int),
            ("uid_start", Type::Int),
            ("uid_end", Type::Int),
            ("action", Type::Str),
            ("table", Type::Int),
            ("goto", Type::Int),
            ("suppress_prefixlen", Type::Int),
            ("suppress_ifgroup", Type::Int),
        ];
        let mut t = Table::new(
            "rules",
            cols.iter()
                .map(|(n, ty)| Column::new(n, *ty, ""))
                .collect::<Vec<_>>(),
        );
        for spec in specs {
            let mut row = vec![Value::Null; cols.len()];
            row[0] = Value::str("inet");
            row[2] = Value::Bool(false);
            row[13] = Value::str("lookup");
            for kv in spec.split_whitespace() {
                let (k, v) = kv.split_once('=').unwrap();
                let i = cols.iter().position(|(n, _)| *n == k).unwrap();
                row[i] = match cols[i].1 {
                    Type::Int => Value::Int(v.parse().unwrap()),
                    Type::Bool => Value::Bool(v == "true"),
                    Type::Ip => Value::Ip(ip(v)),
                    _ => Value::str(v),
                };
            }
            t.push(row);
        }
        t
    }

    const DEFAULTS: [&str; 3] = [
        "priority=0 table=255",
        "priority=32766 table=254",
        "priority=32767 table=253",
    ];

    fn with_defaults(extra: &[&str]) -> Table {
        let mut all: Vec<&str> = DEFAULTS.to_vec();
        all.extend_from_slice(extra);
        rules(&all)
    }

    fn flow(dst: &str) -> Flow {
        Flow {
            dst: ip(dst),
            uid: 1000,
        }
    }

    fn base() -> Table {
        routes(&[
            (255, "local", "127.0.0.1", 32, 0, 1),
            (254, "unicast", "0.0.0.0", 0, 0, 2),
            (254, "unicast", "10.70.0.0", 16, 0, 2),
            (100, "unicast", "10.70.0.0", 16, 0, 3),
            (100, "unicast", "10.70.5.0", 24, 20, 3),
            (100, "unicast", "10.70.5.0", 24, 10, 4),
            (101, "throw", "10.70.0.0", 16, 0, 0),
            (102, "prohibit", "10.70.9.0", 24, 0, 0),
        ])
    }

    fn route(d: Option<Decision>) -> (usize, u32) {
        match d {
            Some(Decision::Route { row, rule }) => (row, rule),
            other => panic!("not a route: {other:?}"),
        }
    }

    #[test]
    fn default_rules_find_local_before_main() {
        let r = base();
        for rules in [None, Some(&with_defaults(&[]))] {
            assert_eq!(
                route(route_lookup(&r, rules, None, &flow("127.0.0.1"))),
                (0, 0)
            );
            assert_eq!(
                route(route_lookup(&r, rules, None, &flow("10.70.1.1"))),
                (2, 32766)
            );
            assert_eq!(
                route(route_lookup(&r, rules, None, &flow("192.0.2.1"))),
                (1, 32766)
            );
        }
        // No IPv6 route at all: network unreachable.
        assert_eq!(route_lookup(&r, None, None, &flow("2001:db8::1")), None);
    }

    #[test]
    fn a_rule_sends_a_prefix_to_another_table() {
        let r = base();
        let rules = with_defaults(&["priority=100 dst=10.70.0.0 dst_len=16 table=100"]);
        // Longest prefix in table 100, then the lower metric.
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.70.5.9"))),
            (5, 100)
        );
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.70.1.1"))),
            (3, 100)
        );
        // Outside the selector the rule does not apply.
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.71.0.1"))),
            (1, 32766)
        );
    }

    #[test]
    fn empty_tables_throw_and_suppression_go_on_to_the_next_rule() {
        let r = base();
        for extra in [
            "priority=100 table=55",
            "priority=100 table=101",
            "priority=100 table=100 suppress_prefixlen=16",
        ] {
            let rules = with_defaults(&[extra]);
            assert_eq!(
                route(route_lookup(&r, Some(&rules), None, &flow("10.70.1.1"))),
                (2, 32766),
                "{extra}"
            );
        }
        // suppress_prefixlength 0 (the WireGuard idiom) drops only default routes.
        let rules = with_defaults(&["priority=100 table=254 suppress_prefixlen=0"]);
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.70.1.1"))),
            (2, 100)
        );
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("192.0.2.1"))),
            (1, 32766)
        );
    }

    #[test]
    fn suppress_ifgroup_uses_the_route_device_group() {
        let r = base();
        let mut ifs = Table::new(
            "interfaces",
            vec![
                Column::new("index", Type::Int, ""),
                Column::new("name", Type::Str, ""),
                Column::new("group", Type::Int, ""),
            ],
        );
        ifs.push([Value::Int(1), Value::str("lo"), Value::Int(0)]);
        ifs.push([Value::Int(3), Value::str("vx.1"), Value::Int(7)]);
        let rules = with_defaults(&["priority=100 table=100 suppress_ifgroup=7"]);
        assert_eq!(
            route(route_lookup(
                &r,
                Some(&rules),
                Some(&ifs),
                &flow("10.70.1.1")
            )),
            (2, 32766)
        );
        // Device 4 is in no listed group: kept.
        assert_eq!(
            route(route_lookup(
                &r,
                Some(&rules),
                Some(&ifs),
                &flow("10.70.5.1")
            )),
            (5, 100)
        );
    }

    #[test]
    fn refusing_rules_and_routes_end_the_walk() {
        let r = base();
        let rules = with_defaults(&["priority=50 dst=10.70.9.0 dst_len=24 action=prohibit"]);
        assert_eq!(
            route_lookup(&r, Some(&rules), None, &flow("10.70.9.1")),
            Some(Decision::Refused {
                rule: 50,
                action: "prohibit".into()
            })
        );
        // A prohibit route is returned even with suppression.
        let rules = with_defaults(&["priority=100 table=102 suppress_prefixlen=32"]);
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.70.9.1"))),
            (7, 100)
        );
    }

    #[test]
    fn selectors_of_an_output_lookup() {
        let r = base();
        let to100 = |sel: &str| with_defaults(&[&format!("priority=100 table=100 {sel}")]);
        let hits = |t: &Table| route(route_lookup(&r, Some(t), None, &flow("10.70.1.1"))).1 == 100;
        // Matching: locally generated (iif lo), the running user's uid, a mark mask of 0, an
        // IPv4 source prefix holding 0.0.0.0.
        for sel in [
            "iif=lo",
            "uid_start=1000 uid_end=1000",
            "fwmark=0 fwmask=0",
            "src=0.0.0.0 src_len=1",
            "invert=true dst=10.99.0.0 dst_len=16",
        ] {
            assert!(hits(&to100(sel)), "{sel} should match");
        }
        for sel in [
            "iif=eth0",
            "oif=lo",
            "uid_start=0 uid_end=999",
            "fwmark=1 fwmask=255",
            "src=10.1.0.0 src_len=16",
            "invert=true",
        ] {
            assert!(!hits(&to100(sel)), "{sel} should not match");
        }
    }

    #[test]
    fn goto_jumps_forward_and_nop_passes() {
        let r = base();
        let rules = with_defaults(&[
            "priority=10 action=goto goto=200",
            "priority=100 table=100",
            "priority=150 action=nop",
            "priority=200 table=254",
        ]);
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.70.1.1"))),
            (2, 200)
        );
        // A goto whose target does not exist is passed over.
        let rules = with_defaults(&["priority=10 action=goto goto=11", "priority=100 table=100"]);
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("10.70.1.1"))),
            (3, 100)
        );
    }

    #[test]
    fn other_families_rules_are_ignored() {
        let r = routes(&[(254, "unicast", "::", 0, 1024, 2)]);
        let rules = rules(&[
            "priority=0 table=255 family=inet6",
            "priority=5 action=prohibit",
            "priority=32766 table=254 family=inet6",
        ]);
        assert_eq!(
            route(route_lookup(&r, Some(&rules), None, &flow("2001:db8::1"))),
            (0, 32766)
        );
    }
}
