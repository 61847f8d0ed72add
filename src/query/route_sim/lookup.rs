//! Route selection over stored tables, for when there is no kernel to ask: the policy rules
//! walked in priority order as the kernel walks them (`fib_rules_lookup`), and in each table
//! a rule names, the longest matching prefix, as `ip route get ADDR ...` would find it.
//!
//! The flow is a [`RouteQuery`]: locally generated traffic (so a rule with `iif lo` matches)
//! to a destination, with the source, output device, mark, uid, protocol, ports and TOS it
//! gives, and otherwise none (for IPv4 the kernel fills in protocol UDP, for IPv6 none). Each
//! rule selector is compared with the flow as the kernel compares it; an IPv4 source
//! selector without a source compares with 0.0.0.0, an IPv6 one does not match; tunnel id
//! and VRF rules never match. `not` inverts a rule's whole match; `nop` and unresolved `goto`
//! rules are passed; a `goto` continues at the first rule with the target priority. A lookup
//! that finds nothing or a `throw` route goes on to the next rule, as does a route ignored by
//! `suppress_prefixlength` or `suppress_ifgroup` (the device of its first next hop);
//! blackhole, unreachable and prohibit routes and rules end the walk. An IPv4 flow through a
//! named device that finds no usable route is on that device's link ([`Decision::OnLink`]).
//!
//! While IPv4 has only its built-in rules, the kernel looks the local and main tables up as
//! one (`fib_lookup` without custom rules): the longest prefix of either wins, local first
//! among equal prefixes, and the answer says table main. A snapshot whose IPv4 rules are the
//! built-in ones is looked up that way.
//!
//! Within a table, among routes of the longest prefix that can carry the flow (a TOS route
//! only its TOS, a source-specific IPv6 route only sources it holds, with an output device
//! only routes through it, dead routes never): the most specific source selector, then a
//! route through the flow's device (IPv6 with a source, where the device is a preference),
//! then the lowest metric and, for IPv6, the highest router preference; then table order.
//!
//! [`RouteIndex`] reads the tables once (a hash map per prefix length and table), so each
//! lookup costs a few hash probes per rule, not a scan of every route. Rows missing a column
//! (a snapshot from an older netpry) read it as unset.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ipnet::IpNet;

use crate::model::{Cols, NextHop, Table};
use crate::tables::records::RouteQuery;
use crate::tables::route_nexthops::RouteHops;

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
        /// The table the kernel would name when it differs from the row's: `254` (main) for
        /// a local-table route found by the merged local/main lookup.
        table: Option<i64>,
    },
    /// No route, but the query names an output device: the kernel then assumes an IPv4
    /// destination is on that device's link (no gateway, link scope, no table).
    OnLink,
    /// The rule of priority `rule` refuses the traffic itself: `action` is blackhole,
    /// unreachable, prohibit (or an action number the kernel treats as an error).
    Refused {
        /// Priority of the refusing rule.
        rule: u32,
        /// The rule's action.
        action: String,
    },
}

/// The kernel's built-in rules, as (priority, table): what a namespace starts with.
const DEFAULT_RULES_V4: [(u32, i64); 3] = [(0, 255), (32766, 254), (32767, 253)];
/// The IPv6 built-in rules.
const DEFAULT_RULES_V6: [(u32, i64); 2] = [(0, 255), (32766, 254)];

/// The key of the merged local/main IPv4 table in [`RouteIndex`].
const MERGED: i64 = -1;

/// One row of a table, its cells read by column name through the one typed reader
/// ([`Cols`]); a missing column reads as null, an out-of-range number as null too (and
/// [`Cols::take_problems`] says so).
struct Cells<'c, 't> {
    cols: &'c Cols<'t>,
    row: usize,
}

impl Cells<'_, '_> {
    fn int(&self, name: &str) -> Option<i64> {
        self.cols.int(self.row, self.cols.at(name))
    }
    fn flag(&self, name: &str) -> bool {
        self.cols
            .bool(self.row, self.cols.at(name))
            .unwrap_or(false)
    }
    fn text(&self, name: &str) -> Option<Arc<str>> {
        self.cols.str(self.row, self.cols.at(name))
    }
    /// The prefix in columns `addr`/`len`; `None` for a null address (no selector) or a
    /// length too long for the address's family.
    fn prefix(&self, addr: &str, len: &str) -> Option<IpNet> {
        let a = self.cols.ip(self.row, self.cols.at(addr))?;
        let l = self.cols.prefix_len(self.row, self.cols.at(len), a)?;
        IpNet::new(a, l).ok()
    }
}

/// The `rules` columns [`Rule::read`] reads.
const RULE_COLUMNS: [&str; 33] = [
    "family",
    "priority",
    "invert",
    "src",
    "src_len",
    "dst",
    "dst_len",
    "tos",
    "dscp",
    "dscp_mask",
    "flowlabel",
    "flowlabel_mask",
    "iif",
    "iif_detached",
    "oif",
    "oif_detached",
    "fwmark",
    "fwmask",
    "uid_start",
    "uid_end",
    "ipproto",
    "sport_start",
    "sport_end",
    "dport_start",
    "dport_end",
    "tun_id",
    "l3mdev",
    "action",
    "table",
    "goto_priority",
    "unresolved",
    "suppress_prefixlen",
    "suppress_ifgroup",
];

/// One rule, read from a row of the `rules` table.
#[derive(Debug, Clone, Default, PartialEq)]
struct Rule {
    priority: u32,
    invert: bool,
    src: Option<IpNet>,
    dst: Option<IpNet>,
    tos: i64,
    dscp: Option<i64>,
    dscp_mask: Option<i64>,
    flowlabel: Option<i64>,
    flowlabel_mask: Option<i64>,
    iif: Option<String>,
    iif_detached: bool,
    oif: Option<String>,
    oif_detached: bool,
    fwmark: i64,
    fwmask: i64,
    uid: Option<(i64, i64)>,
    ipproto: i64,
    sport: Option<(i64, i64)>,
    dport: Option<(i64, i64)>,
    tun_id: i64,
    l3mdev: bool,
    action: String,
    table: Option<i64>,
    goto: Option<i64>,
    unresolved: bool,
    suppress_prefixlen: Option<i64>,
    suppress_ifgroup: Option<i64>,
}

impl Rule {
    fn read(c: &Cells) -> Rule {
        Rule {
            priority: c.cols.u32(c.row, c.cols.at("priority")).unwrap_or(0),
            invert: c.flag("invert"),
            src: c.prefix("src", "src_len").filter(|n| n.prefix_len() > 0),
            dst: c.prefix("dst", "dst_len").filter(|n| n.prefix_len() > 0),
            tos: c.int("tos").unwrap_or(0),
            dscp: c.int("dscp"),
            dscp_mask: c.int("dscp_mask"),
            flowlabel: c.int("flowlabel"),
            flowlabel_mask: c.int("flowlabel_mask"),
            iif: c.text("iif").map(|s| s.to_string()),
            iif_detached: c.flag("iif_detached"),
            oif: c.text("oif").map(|s| s.to_string()),
            oif_detached: c.flag("oif_detached"),
            fwmark: c.int("fwmark").unwrap_or(0),
            fwmask: c.int("fwmask").unwrap_or(0),
            uid: c.int("uid_start").zip(c.int("uid_end")),
            ipproto: c.int("ipproto").unwrap_or(0),
            sport: c.int("sport_start").zip(c.int("sport_end")),
            dport: c.int("dport_start").zip(c.int("dport_end")),
            tun_id: c.int("tun_id").unwrap_or(0),
            l3mdev: c.flag("l3mdev"),
            action: c.text("action").as_deref().unwrap_or("lookup").to_string(),
            table: c.cols.u32(c.row, c.cols.at("table")).map(i64::from),
            goto: c.int("goto_priority"),
            unresolved: c.flag("unresolved"),
            suppress_prefixlen: c.int("suppress_prefixlen"),
            suppress_ifgroup: c.int("suppress_ifgroup"),
        }
    }

    /// A built-in rule: lookup `table` at `priority`.
    fn builtin((priority, table): (u32, i64)) -> Rule {
        Rule {
            priority,
            action: "lookup".into(),
            table: Some(table),
            ..Rule::default()
        }
    }

    /// Whether the rule selects `flow` (before `not`), as `fib_rule_match` and the family's
    /// match function decide for an output lookup; `lo` is the loopback device's name.
    fn selects(&self, flow: &RouteQuery, lo: &str) -> bool {
        if self.iif_detached || self.iif.as_deref().is_some_and(|i| i != lo) {
            return false;
        }
        if self.oif_detached
            || self
                .oif
                .as_deref()
                .is_some_and(|o| flow.oif.as_deref() != Some(o))
        {
            return false;
        }
        let v4 = flow.dst.is_ipv4();
        // Without a protocol, IPv4 `ip route get` asks for UDP and IPv6 for none.
        let proto = i64::from(flow.ipproto.unwrap_or(if v4 { 17 } else { 0 }));
        // No uid is the kernel's INVALID_UID, in no range.
        let uid = flow.uid.map_or(i64::from(u32::MAX), i64::from);
        let port_in = |range: Option<(i64, i64)>, port: u16| {
            range.is_none_or(|(a, b)| (a..=b).contains(&i64::from(port)))
        };
        let dscp = i64::from(flow.tos >> 2);
        if (self.fwmark ^ i64::from(flow.mark)) & self.fwmask != 0
            || self.tun_id != 0
            || self.l3mdev
            || self.uid.is_some_and(|(a, b)| uid < a || uid > b)
            || (self.tos != 0 && self.tos & 0xfc != i64::from(flow.tos & 0xfc))
            || self
                .dscp
                .is_some_and(|d| (d ^ dscp) & self.dscp_mask.unwrap_or(0x3f) != 0)
            || self
                .flowlabel
                .is_some_and(|l| l & self.flowlabel_mask.unwrap_or(0xfffff) != 0)
            || (self.ipproto != 0 && self.ipproto != proto)
            || !port_in(self.sport, flow.sport)
            || !port_in(self.dport, flow.dport)
        {
            return false;
        }
        if self.dst.is_some_and(|n| !n.contains(&flow.dst)) {
            return false;
        }
        // An IPv4 source selector without a source compares with 0.0.0.0; an IPv6 one never
        // matches without a source address.
        match (self.src, flow.src) {
            (None, _) => true,
            (Some(n), Some(src)) => n.contains(&src),
            (Some(n), None) if v4 => n.contains(&IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            (Some(_), None) => false,
        }
    }

    fn matches(&self, flow: &RouteQuery, lo: &str) -> bool {
        self.selects(flow, lo) != self.invert
    }
}

/// How a route ends a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A usable route (unicast, local, broadcast, ...): may be suppressed.
    Usable,
    /// blackhole, unreachable, prohibit, nat, xresolve: ends the walk with an error.
    Refusal,
    /// `throw`: the lookup fails over to the next rule.
    Throw,
}

/// A route as a lookup sees it.
#[derive(Debug, Clone)]
struct Cand {
    row: usize,
    /// Order among routes of one prefix (lower first).
    rank: (u8, i64, u8),
    kind: Kind,
    prefix_len: u8,
    /// Interface group of the route's (first next hop's) device.
    group: Option<i64>,
    /// The table the row belongs to.
    table: i64,
    /// The route's TOS selector (0 for any).
    tos: u8,
    /// The route's device (None for multipath and device-less routes).
    dev: Option<Arc<str>>,
    /// Length of the route's source selector (IPv6 source-specific routes; 0 for none).
    src_len: u8,
}

/// The routes of one prefix, in the order a lookup tries them.
#[derive(Debug, Clone)]
enum Bucket {
    One(Cand),
    Many(Vec<Cand>),
}

impl Bucket {
    fn iter(&self) -> std::slice::Iter<'_, Cand> {
        match self {
            Bucket::One(c) => std::slice::from_ref(c).iter(),
            Bucket::Many(v) => v.iter(),
        }
    }
}

/// The routes of one table (and family), by prefix.
#[derive(Debug, Default)]
struct PrefixMap {
    /// Prefix lengths present, longest first.
    lens: Vec<u8>,
    buckets: HashMap<(u8, IpAddr), Bucket>,
}

impl PrefixMap {
    fn insert(&mut self, net: IpNet, cand: Cand) {
        use std::collections::hash_map::Entry;
        match self.buckets.entry((net.prefix_len(), net.network())) {
            Entry::Vacant(e) => {
                e.insert(Bucket::One(cand));
            }
            Entry::Occupied(mut e) => {
                let b = e.get_mut();
                match b {
                    Bucket::One(first) => *b = Bucket::Many(vec![first.clone(), cand]),
                    Bucket::Many(v) => v.push(cand),
                }
            }
        }
    }

    fn finish(&mut self) {
        let mut lens: Vec<u8> = self.buckets.keys().map(|(l, _)| *l).collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
        self.lens = lens;
        for b in self.buckets.values_mut() {
            if let Bucket::Many(v) = b {
                v.sort_by_key(|c| (c.rank, c.row));
            }
        }
    }

    /// The first route `usable` accepts among those holding `dst`: the longest prefix, then
    /// the lowest rank (a prefix whose routes are all refused gives way to a shorter one, as
    /// the kernel's trie lookup backtracks).
    /// Among routes of one prefix, one `preferred` accepts comes first.
    fn lookup(
        &self,
        dst: IpAddr,
        usable: impl Fn(&Cand) -> bool,
        preferred: impl Fn(&Cand) -> bool,
    ) -> Option<&Cand> {
        self.lens.iter().find_map(|&len| {
            let net = IpNet::new(dst, len).ok()?.trunc();
            let bucket = self.buckets.get(&(len, net.addr()))?;
            // The most specific source selector wins first (the kernel's source subtree), then
            // a preferred route, then the bucket's order.
            let most = bucket
                .iter()
                .filter(|c| usable(c))
                .map(|c| c.src_len)
                .max()?;
            let mut ok = bucket.iter().filter(|c| c.src_len == most && usable(c));
            bucket
                .iter()
                .filter(|c| c.src_len == most && usable(c))
                .find(|c| preferred(c))
                .or_else(|| ok.next())
        })
    }
}

/// The routes, rules and interface groups of a namespace, indexed for route lookups.
#[derive(Debug, Default)]
pub struct RouteIndex {
    /// By (IPv4?, table id); [`MERGED`] is IPv4 local and main together.
    tables: HashMap<(bool, i64), PrefixMap>,
    rules_v4: Vec<Rule>,
    rules_v6: Vec<Rule>,
    /// IPv4 has only the built-in rules: local and main are looked up as one.
    merged_v4: bool,
    /// The loopback device's name.
    lo: String,
    /// Source selectors of the (IPv6 source-specific) routes that have one, by row.
    src_selectors: HashMap<usize, IpNet>,
    /// The next hops of multipath routes, by row.
    hops: RouteHops,
    /// Rows of refusing routes (blackhole, unreachable, prohibit, ...).
    refusal_rows: std::collections::HashSet<usize>,
    /// Out-of-range cells met while indexing ([`RouteIndex::problems`]).
    problems: Vec<String>,
}

/// The interface group of each device, by index and by name, and the loopback device's name.
fn groups(
    interfaces: Option<&Table>,
    problems: &mut Vec<String>,
) -> (HashMap<i64, i64>, HashMap<String, i64>, String) {
    let (mut by_index, mut by_name, mut lo) = (HashMap::new(), HashMap::new(), None);
    if let Some(t) = interfaces {
        let cols = Cols::new(t, &["index", "name", "group"]);
        for row in 0..cols.len() {
            let c = Cells { cols: &cols, row };
            let ix = cols.u32(row, 0).map(i64::from);
            let (Some(ix), Some(name)) = (ix, c.text("name")) else {
                continue;
            };
            if ix == 1 {
                lo = Some(name.to_string());
            }
            if let Some(g) = c.int("group") {
                by_index.insert(ix, g);
                by_name.insert(name.to_string(), g);
            }
        }
        problems.extend(cols.take_problems());
    }
    (by_index, by_name, lo.unwrap_or_else(|| "lo".to_string()))
}

impl RouteIndex {
    /// Indexes `routes` (their multipath routes' next hops read from `nexthops`, the
    /// `route_nexthops` table) and `rules` (the built-in rules when `None`); `interfaces`
    /// gives the loopback device's name and the devices' groups.
    pub fn new(
        routes: &Table,
        nexthops: Option<&Table>,
        rules: Option<&Table>,
        interfaces: Option<&Table>,
    ) -> RouteIndex {
        let mut problems = Vec::new();
        let (group_of, group_by_name, lo) = groups(interfaces, &mut problems);
        let rule_cols = rules.map(|t| Cols::new(t, &RULE_COLUMNS));
        let read_rules = |family: &str, defaults: &[(u32, i64)]| -> Vec<Rule> {
            let Some(cols) = &rule_cols else {
                return defaults.iter().copied().map(Rule::builtin).collect();
            };
            let mut out: Vec<Rule> = (0..cols.len())
                .filter_map(|row| {
                    let c = Cells { cols, row };
                    (c.text("family").as_deref() == Some(family)).then(|| Rule::read(&c))
                })
                .collect();
            out.sort_by_key(|r| r.priority);
            out
        };
        let rules_v4 = read_rules("inet", &DEFAULT_RULES_V4);
        let rules_v6 = read_rules("inet6", &DEFAULT_RULES_V6);
        if let Some(c) = &rule_cols {
            problems.extend(c.take_problems());
        }
        let builtin: Vec<Rule> = DEFAULT_RULES_V4
            .iter()
            .copied()
            .map(Rule::builtin)
            .collect();
        let merged_v4 = rules_v4 == builtin;
        let mut tables: HashMap<(bool, i64), PrefixMap> = HashMap::new();
        let mut src_selectors = HashMap::new();
        let hops_of = RouteHops::new(routes, nexthops);
        let mut refusal_rows = std::collections::HashSet::new();
        let c = Cols::new(
            routes,
            &[
                "table", "dst", "dst_len", "src", "src_len", "flags", "tos", "type", "oif",
                "metric", "pref", "dev",
            ],
        );
        let (c_table, c_dst, c_dst_len, c_src, c_src_len) = (0, 1, 2, 3, 4);
        let (c_flags, c_tos, c_type, c_oif, c_metric, c_pref, c_dev) = (5, 6, 7, 8, 9, 10, 11);
        for row in 0..c.len() {
            let prefix = |a: usize, l: usize| {
                let addr = c.ip(row, a)?;
                IpNet::new(addr, c.prefix_len(row, l, addr)?).ok()
            };
            let Some(table) = c.u32(row, c_table).map(i64::from) else {
                continue;
            };
            let Some(net) = prefix(c_dst, c_dst_len) else {
                continue;
            };
            let v4 = net.addr().is_ipv4();
            let dead = c
                .str(row, c_flags)
                .is_some_and(|f| f.split(',').any(|w| w == "dead"));
            if dead {
                continue;
            }
            if let Some(n) = prefix(c_src, c_src_len).filter(|n| n.prefix_len() > 0) {
                src_selectors.insert(row, n);
            }
            let hops = hops_of.of(row);
            let tos = c.u8(row, c_tos).unwrap_or(0);
            let ty = c.str(row, c_type);
            let ty = ty.as_deref().unwrap_or("unicast");
            let kind = match ty {
                "throw" => Kind::Throw,
                "blackhole" | "unreachable" | "prohibit" | "nat" | "xresolve" => Kind::Refusal,
                _ => Kind::Usable,
            };
            if kind == Kind::Refusal {
                refusal_rows.insert(row);
            }
            // The device whose group `suppress_ifgroup` compares: IPv6 local and anycast
            // routes are attached to the loopback device.
            let group = if !v4 && matches!(ty, "local" | "anycast") {
                group_of.get(&1).copied()
            } else {
                match c.u32(row, c_oif) {
                    Some(oif) => group_of.get(&i64::from(oif)).copied(),
                    None => hops
                        .first()
                        .and_then(|h| h.dev.as_deref())
                        .and_then(|d| group_by_name.get(d).copied()),
                }
            };
            let metric = c.u32(row, c_metric).map_or(0, i64::from);
            let pref = match c.str(row, c_pref).as_deref() {
                Some("high") => 0,
                Some("low") => 2,
                _ => 1,
            };
            let key = if v4 && merged_v4 && (table == 255 || table == 254) {
                MERGED
            } else {
                table
            };
            let local_first = u8::from(key == MERGED && table != 255);
            let cand = Cand {
                row,
                rank: (local_first, metric, pref),
                kind,
                prefix_len: net.prefix_len(),
                group,
                table,
                tos,
                src_len: src_selectors.get(&row).map_or(0, IpNet::prefix_len),
                dev: c.str(row, c_dev),
            };
            tables
                .entry((v4, key))
                .or_default()
                .insert(net.trunc(), cand);
        }
        for m in tables.values_mut() {
            m.finish();
        }
        problems.extend(c.take_problems());
        RouteIndex {
            tables,
            rules_v4,
            rules_v6,
            merged_v4,
            lo,
            src_selectors,
            hops: hops_of,
            refusal_rows,
            problems,
        }
    }

    /// The out-of-range cells met while indexing (a prefix length, table id, metric or
    /// ifindex a snapshot holds that no kernel would), as sentences for a note: each such
    /// route or rule selector was read as unset.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The next hops of `routes` row `row`; none for a single-path route.
    pub fn hops(&self, row: usize) -> &[NextHop] {
        self.hops.of(row)
    }

    /// The loopback device's name (index 1 of the interfaces given, else `lo`).
    pub fn loopback(&self) -> &str {
        &self.lo
    }

    /// Walks the rules for `flow`, as the kernel would. `None` when no rule finds a route:
    /// the kernel's "network is unreachable". An IPv4 flow naming an output device that
    /// finds no usable route (none, or a refusal) is [`Decision::OnLink`], as in the kernel.
    pub fn lookup(&self, flow: &RouteQuery) -> Option<Decision> {
        let found = self.walk(flow);
        if flow.oif.is_some() && flow.dst.is_ipv4() {
            let refused = match &found {
                None | Some(Decision::Refused { .. } | Decision::OnLink) => true,
                Some(Decision::Route { row, .. }) => self.refusal_rows.contains(row),
            };
            if refused {
                return Some(Decision::OnLink);
            }
        }
        found
    }

    fn walk(&self, flow: &RouteQuery) -> Option<Decision> {
        let v4 = flow.dst.is_ipv4();
        if v4 && self.merged_v4 {
            // fib_lookup without custom rules: local+main, then the default table.
            for (key, rule) in [(MERGED, 32766), (253, 32767)] {
                let Some(c) = self.table_lookup(v4, key, flow) else {
                    continue;
                };
                let table = (c.table != 254 && key == MERGED).then_some(254);
                return Some(Decision::Route {
                    row: c.row,
                    rule,
                    table,
                });
            }
            return None;
        }
        let rules = if v4 { &self.rules_v4 } else { &self.rules_v6 };
        let mut i = 0;
        while let Some(rule) = rules.get(i) {
            i += 1;
            if !rule.matches(flow, &self.lo) {
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
                    let Some(c) = rule.table.and_then(|t| self.table_lookup(v4, t, flow)) else {
                        continue;
                    };
                    if c.kind == Kind::Usable && suppressed(rule, c) {
                        continue;
                    }
                    return Some(Decision::Route {
                        row: c.row,
                        rule: rule.priority,
                        table: None,
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

    /// The route table `key` gives for `dst`; `None` when it has none or a `throw` route
    /// answers (both mean "try the next rule").
    fn table_lookup(&self, v4: bool, key: i64, flow: &RouteQuery) -> Option<&Cand> {
        let c = self.tables.get(&(v4, key))?.lookup(
            flow.dst,
            |c| self.usable(c, flow),
            |c| flow.oif.as_deref().is_some_and(|o| self.through(c, o)),
        )?;
        (c.kind != Kind::Throw).then_some(c)
    }

    /// Whether route `c` goes through device `oif` (for multipath, one of its next hops).
    fn through(&self, c: &Cand, oif: &str) -> bool {
        c.dev.as_deref() == Some(oif)
            || self
                .hops
                .of(c.row)
                .iter()
                .any(|h| h.dev.as_deref() == Some(oif))
    }

    /// Whether the output device binds the lookup. For IPv6 with a source address and a
    /// global unicast destination it is only a preference (the kernel's strict lookup needs
    /// no source, or a link-local or multicast destination).
    fn strict_oif(flow: &RouteQuery) -> bool {
        match flow.dst {
            IpAddr::V4(_) => true,
            IpAddr::V6(d) => {
                let any_src = flow.src.is_none_or(|s| s.is_unspecified());
                any_src || d.is_multicast() || d.segments()[0] & 0xffc0 == 0xfe80
            }
        }
    }

    /// Whether route `c` can carry `flow`: its TOS selector (IPv4) equals the flow's, its
    /// source selector holds the flow's source (the unspecified address without one), and,
    /// when the flow names an output device, a usable route goes through it (refusing and
    /// throw routes answer whatever the device).
    fn usable(&self, c: &Cand, flow: &RouteQuery) -> bool {
        if c.tos != 0 && c.tos & 0xfc != flow.tos & 0xfc {
            return false;
        }
        if let Some(sel) = self.src_selectors.get(&c.row) {
            let src = flow.src.unwrap_or(if flow.dst.is_ipv4() {
                IpAddr::V4(Ipv4Addr::UNSPECIFIED)
            } else {
                IpAddr::V6(Ipv6Addr::UNSPECIFIED)
            });
            if !sel.contains(&src) {
                return false;
            }
        }
        match (&flow.oif, c.kind) {
            (Some(oif), Kind::Usable) if RouteIndex::strict_oif(flow) => self.through(c, oif),
            _ => true,
        }
    }
}

/// Whether `rule`'s `suppress_prefixlength` or `suppress_ifgroup` discards route `c`.
fn suppressed(rule: &Rule, c: &Cand) -> bool {
    rule.suppress_prefixlen
        .is_some_and(|s| i64::from(c.prefix_len) <= s)
        || rule.suppress_ifgroup.is_some_and(|g| c.group == Some(g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    /// Walks `rules` (the built-in rules when `None`) for `flow` over `routes`, as the kernel
    /// would; see [`RouteIndex`], which answers many lookups from one reading of the tables.
    fn route_lookup(
        routes: &Table,
        rules: Option<&Table>,
        interfaces: Option<&Table>,
        flow: &RouteQuery,
    ) -> Option<Decision> {
        // Multipath fixtures spell their hops as a snapshot of an older netpry did.
        let hops = crate::tables::route_nexthops::derive(routes);
        RouteIndex::new(routes, Some(&hops), rules, interfaces).lookup(flow)
    }
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
            ("ipproto", Type::Int),
            ("dscp", Type::Int),
            ("dscp_mask", Type::Int),
            ("action", Type::Str),
            ("table", Type::Int),
            ("goto_priority", Type::Int),
            ("suppress_prefixlen", Type::Int),
            ("suppress_ifgroup", Type::Int),
            ("oif", Type::Str),
            ("sport_start", Type::Int),
            ("sport_end", Type::Int),
            ("dport_start", Type::Int),
            ("dport_end", Type::Int),
            ("tos", Type::Int),
        ];
        let mut t = Table::new(
            "rules",
            cols.iter()
                .map(|(n, ty)| Column::new(n, *ty, ""))
                .collect::<Vec<_>>(),
        );
        for spec in specs {
            let mut row = vec![Value::Null; cols.len()];
            let at = |name: &str| cols.iter().position(|(n, _)| *n == name).unwrap();
            row[at("family")] = Value::str("inet");
            row[at("invert")] = Value::Bool(false);
            row[at("action")] = Value::str("lookup");
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

    fn flow(dst: &str) -> RouteQuery {
        RouteQuery {
            uid: Some(1000),
            ..RouteQuery::to(ip(dst))
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

    /// The route row and deciding rule for `dst`, without interfaces.
    fn walk(r: &Table, rules: Option<&Table>, dst: &str) -> (usize, u32) {
        route(route_lookup(r, rules, None, &flow(dst)))
    }

    /// An interfaces table of (index, name, group).
    fn interfaces(rows: &[(i64, &str, i64)]) -> Table {
        let mut t = Table::new(
            "interfaces",
            vec![
                Column::new("index", Type::Int, ""),
                Column::new("name", Type::Str, ""),
                Column::new("group", Type::Int, ""),
            ],
        );
        for &(ix, name, group) in rows {
            t.push([Value::Int(ix), Value::str(name), Value::Int(group)]);
        }
        t
    }

    fn route(d: Option<Decision>) -> (usize, u32) {
        match d {
            Some(Decision::Route { row, rule, .. }) => (row, rule),
            other => panic!("not a route: {other:?}"),
        }
    }

    #[test]
    fn default_rules_find_local_before_main() {
        let r = base();
        // Only the built-in rules: local and main are one lookup, reported as main.
        for rules in [None, Some(&with_defaults(&[]))] {
            assert_eq!(
                route_lookup(&r, rules, None, &flow("127.0.0.1")),
                Some(Decision::Route {
                    row: 0,
                    rule: 32766,
                    table: Some(254)
                })
            );
            assert_eq!(walk(&r, rules, "10.70.1.1"), (2, 32766));
            assert_eq!(walk(&r, rules, "192.0.2.1"), (1, 32766));
        }
        // No IPv6 route at all: network unreachable.
        assert_eq!(route_lookup(&r, None, None, &flow("2001:db8::1")), None);
    }

    #[test]
    fn merged_local_and_main_take_the_longest_prefix_of_either() {
        let r = routes(&[
            (255, "local", "192.0.2.0", 24, 0, 1),
            (254, "unicast", "192.0.2.128", 25, 0, 2),
            (254, "unicast", "192.0.2.0", 24, 0, 2),
            (253, "unicast", "198.51.100.0", 24, 0, 2),
        ]);
        assert_eq!(walk(&r, None, "192.0.2.130"), (1, 32766));
        // Equal prefixes: the local table's route first.
        assert_eq!(walk(&r, None, "192.0.2.1"), (0, 32766));
        // Then the default table.
        assert_eq!(walk(&r, None, "198.51.100.1"), (3, 32767));
        // Any other rule splits them: local is looked up first, whatever the prefix.
        let rules = with_defaults(&["priority=100 table=77"]);
        assert_eq!(
            route_lookup(&r, Some(&rules), None, &flow("192.0.2.130")),
            Some(Decision::Route {
                row: 0,
                rule: 0,
                table: None
            })
        );
    }

    #[test]
    fn routes_with_a_tos_or_dead_never_match_and_ipv6_prefers_high_preference() {
        let mut r = Table::new(
            "routes",
            vec![
                Column::new("table", Type::Int, ""),
                Column::new("dst", Type::Ip, ""),
                Column::new("dst_len", Type::Int, ""),
                Column::new("metric", Type::Int, ""),
                Column::new("tos", Type::Int, ""),
                Column::new("flags", Type::Str, ""),
                Column::new("pref", Type::Str, ""),
            ],
        );
        for (dst, len, metric, tos, flags, pref) in [
            ("10.7.0.0", 16, 0, 16, "", ""),
            ("10.7.0.0", 16, 0, 0, "dead", ""),
            ("10.0.0.0", 8, 0, 0, "", ""),
            ("2001:db8::", 32, 1024, 0, "", "low"),
            ("2001:db8::", 32, 1024, 0, "", "high"),
            ("2001:db8::", 32, 1000, 0, "", "low"),
        ] {
            r.push([
                Value::Int(254),
                Value::Ip(ip(dst)),
                Value::Int(len),
                Value::Int(metric),
                Value::Int(tos),
                Value::str(flags),
                Value::str(pref),
            ]);
        }
        assert_eq!(walk(&r, None, "10.7.0.1").0, 2);
        // The lowest metric first, then the highest preference.
        assert_eq!(walk(&r, None, "2001:db8::1").0, 5);
        r.retain(|row| row[3] != Value::Int(1000));
        assert_eq!(walk(&r, None, "2001:db8::1").0, 4);
    }

    #[test]
    fn a_rule_sends_a_prefix_to_another_table() {
        let r = base();
        let rules = with_defaults(&["priority=100 dst=10.70.0.0 dst_len=16 table=100"]);
        // Longest prefix in table 100, then the lower metric.
        assert_eq!(walk(&r, Some(&rules), "10.70.5.9"), (5, 100));
        assert_eq!(walk(&r, Some(&rules), "10.70.1.1"), (3, 100));
        // Outside the selector the rule does not apply.
        assert_eq!(walk(&r, Some(&rules), "10.71.0.1"), (1, 32766));
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
            assert_eq!(walk(&r, Some(&rules), "10.70.1.1"), (2, 32766), "{extra}");
        }
        // suppress_prefixlength 0 (the WireGuard idiom) drops only default routes.
        let rules = with_defaults(&["priority=100 table=254 suppress_prefixlen=0"]);
        assert_eq!(walk(&r, Some(&rules), "10.70.1.1"), (2, 100));
        assert_eq!(walk(&r, Some(&rules), "192.0.2.1"), (1, 32766));
    }

    #[test]
    fn suppress_ifgroup_uses_the_route_device_group() {
        let r = base();
        let ifs = interfaces(&[(1, "lo", 0), (3, "vx.1", 7)]);
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
        assert_eq!(walk(&r, Some(&rules), "10.70.9.1"), (7, 100));
    }

    #[test]
    fn the_packet_fields_of_a_query_meet_the_selectors() {
        let r = base();
        let rules_with = |sel: &str| with_defaults(&[&format!("priority=100 table=100 {sel}")]);
        let hits = |sel: &str, q: &RouteQuery| {
            route(route_lookup(&r, Some(&rules_with(sel)), None, q)).1 == 100
        };
        let q = |f: &dyn Fn(&mut RouteQuery)| {
            let mut q = flow("10.70.1.1");
            f(&mut q);
            q
        };
        let cases: [(&str, RouteQuery, RouteQuery); 6] = [
            (
                "src=10.1.0.0 src_len=16",
                q(&|q| q.src = Some(ip("10.1.2.3"))),
                q(&|q| q.src = Some(ip("10.2.0.1"))),
            ),
            (
                "fwmark=5 fwmask=255",
                q(&|q| q.mark = 0x105),
                q(&|q| q.mark = 6),
            ),
            (
                "uid_start=0 uid_end=0",
                q(&|q| q.uid = Some(0)),
                flow("10.70.1.1"),
            ),
            (
                "ipproto=6 dport_start=80 dport_end=90",
                q(&|q| {
                    q.ipproto = Some(6);
                    q.dport = 85;
                }),
                q(&|q| {
                    q.ipproto = Some(6);
                    q.dport = 443;
                }),
            ),
            (
                "sport_start=1000 sport_end=1000",
                q(&|q| q.sport = 1000),
                flow("10.70.1.1"),
            ),
            ("tos=16", q(&|q| q.tos = 16), q(&|q| q.tos = 8)),
        ];
        for (sel, yes, no) in &cases {
            assert!(hits(sel, yes), "{sel} should select {yes:?}");
            assert!(!hits(sel, no), "{sel} should not select {no:?}");
        }
    }

    #[test]
    fn routes_follow_the_query_tos_source_and_device() {
        let mut r = Table::new(
            "routes",
            vec![
                Column::new("table", Type::Int, ""),
                Column::new("dst", Type::Ip, ""),
                Column::new("dst_len", Type::Int, ""),
                Column::new("src", Type::Ip, ""),
                Column::new("src_len", Type::Int, ""),
                Column::new("tos", Type::Int, ""),
                Column::new("dev", Type::Str, ""),
                Column::new("type", Type::Str, ""),
            ],
        );
        for (dst, len, src, src_len, tos, dev, ty) in [
            ("10.7.0.0", 16, None, 0, 16, "va", "unicast"),
            ("10.7.0.0", 16, None, 0, 0, "vb", "unicast"),
            ("0.0.0.0", 0, None, 0, 0, "va", "unicast"),
            ("10.9.0.0", 16, None, 0, 0, "", "blackhole"),
            (
                "2001:db8::",
                32,
                Some("2001:db8:1::"),
                48,
                0,
                "va",
                "unicast",
            ),
            ("2001:db8::", 32, None, 0, 0, "vb", "unicast"),
        ] {
            r.push([
                Value::Int(254),
                Value::Ip(ip(dst)),
                Value::Int(len),
                src.map_or(Value::Null, |s| Value::Ip(ip(s))),
                Value::Int(src_len),
                Value::Int(tos),
                if dev.is_empty() {
                    Value::Null
                } else {
                    Value::str(dev)
                },
                Value::str(ty),
            ]);
        }
        let at = |q: RouteQuery| route_lookup(&r, None, None, &q);
        let row = |q: RouteQuery| route(at(q)).0;
        let mut q = flow("10.7.1.1");
        assert_eq!(row(q.clone()), 1);
        q.tos = 16;
        assert_eq!(row(q.clone()), 0);
        // An output device restricts the routes to those through it.
        let mut q = flow("10.7.1.1");
        q.oif = Some("va".into());
        assert_eq!(row(q.clone()), 2);
        // No usable route through it (or a refusal): IPv4 assumes the link.
        q.oif = Some("vc".into());
        assert_eq!(at(q), Some(Decision::OnLink));
        let mut q = flow("10.9.1.1");
        assert_eq!(row(q.clone()), 3);
        q.oif = Some("va".into());
        assert_eq!(at(q), Some(Decision::OnLink));
        // IPv6 source-specific routes need a source inside their selector.
        let mut q = flow("2001:db8:5::1");
        assert_eq!(row(q.clone()), 5);
        q.src = Some(ip("2001:db8:1::7"));
        assert_eq!(row(q.clone()), 4);
        // With a source, an IPv6 output device is only a preference, after the most specific
        // source selector.
        q.oif = Some("vb".into());
        assert_eq!(row(q.clone()), 4);
        q.src = Some(ip("2001:db8:9::7"));
        assert_eq!(row(q.clone()), 5);
        q.oif = Some("vc".into());
        assert_eq!(row(q.clone()), 5);
        q.src = Some(ip("2001:db8:1::7"));
        // Without one it binds; and there is no OnLink for IPv6.
        q.src = None;
        assert_eq!(at(q), None);
    }

    #[test]
    fn selectors_of_an_output_lookup() {
        let r = base();
        let to100 = |sel: &str| with_defaults(&[&format!("priority=100 table=100 {sel}")]);
        let hits = |t: &Table| walk(&r, Some(t), "10.70.1.1").1 == 100;
        // Matching: locally generated (iif lo), the running user's uid, a mark mask of 0, an
        // IPv4 source prefix holding 0.0.0.0.
        for sel in [
            "iif=lo",
            "uid_start=1000 uid_end=1000",
            "fwmark=0 fwmask=0",
            "src=0.0.0.0 src_len=1",
            "invert=true dst=10.99.0.0 dst_len=16",
            "ipproto=17",
            "dscp=0",
            "dscp=8 dscp_mask=7",
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
            "ipproto=6",
            "dscp=10",
        ] {
            assert!(!hits(&to100(sel)), "{sel} should not match");
        }
    }

    #[test]
    fn goto_jumps_forward_and_nop_passes() {
        let r = base();
        let rules = with_defaults(&[
            "priority=10 action=goto goto_priority=200",
            "priority=100 table=100",
            "priority=150 action=nop",
            "priority=200 table=254",
        ]);
        assert_eq!(walk(&r, Some(&rules), "10.70.1.1"), (2, 200));
        // A goto whose target does not exist is passed over.
        let rules = with_defaults(&[
            "priority=10 action=goto goto_priority=11",
            "priority=100 table=100",
        ]);
        assert_eq!(walk(&r, Some(&rules), "10.70.1.1"), (3, 100));
    }

    #[test]
    fn other_families_rules_are_ignored() {
        let r = routes(&[(254, "unicast", "::", 0, 1024, 2)]);
        let mixed = rules(&[
            "priority=0 table=255 family=inet6",
            "priority=5 action=prohibit",
            "priority=32766 table=254 family=inet6",
        ]);
        assert_eq!(walk(&r, Some(&mixed), "2001:db8::1"), (0, 32766));
        // IPv6 lookups carry no protocol: an `ipproto udp` rule does not match them.
        let udp = rules(&[
            "priority=5 action=prohibit ipproto=17 family=inet6",
            "priority=32766 table=254 family=inet6",
        ]);
        assert_eq!(walk(&r, Some(&udp), "2001:db8::1"), (0, 32766));
    }

    #[test]
    fn multipath_routes_are_suppressed_by_their_first_hop_device_group() {
        let mut r = Table::new(
            "routes",
            vec![
                Column::new("table", Type::Int, ""),
                Column::new("dst", Type::Ip, ""),
                Column::new("dst_len", Type::Int, ""),
                Column::new("oif", Type::Int, ""),
                Column::new("nexthops", Type::Str, ""),
            ],
        );
        r.push([
            Value::Int(100),
            Value::Ip(ip("10.70.0.0")),
            Value::Int(16),
            Value::Null,
            Value::str("via 10.1.0.9 dev vx.1 weight 2; via 10.9.0.2 dev va weight 1"),
        ]);
        r.push([
            Value::Int(254),
            Value::Ip(ip("10.0.0.0")),
            Value::Int(8),
            Value::Int(3),
            Value::Null,
        ]);
        let ifs = interfaces(&[(3, "vx.1", 7), (4, "va", 0)]);
        let rules = with_defaults(&["priority=100 table=100 suppress_ifgroup=7"]);
        assert_eq!(
            route(route_lookup(
                &r,
                Some(&rules),
                Some(&ifs),
                &flow("10.70.1.1")
            )),
            (1, 32766)
        );
        let rules = with_defaults(&["priority=100 table=100 suppress_ifgroup=0"]);
        assert_eq!(
            route(route_lookup(
                &r,
                Some(&rules),
                Some(&ifs),
                &flow("10.70.1.1")
            )),
            (0, 100)
        );
    }
}
