//! `route_get(addr)`: the route the kernel would choose for a destination. Live, the kernel
//! is asked (RTM_GETROUTE); from a snapshot, the snapshot's rules and routes are walked as the
//! kernel walks them ([`crate::query::RouteIndex`]) and the source address is chosen as the
//! kernel chooses it ([`crate::query::SourceSelector`]). A lookup the kernel refuses is
//! explained by the same walk over the live tables. Answers are cached per query (destination
//! and packet fields), and the index is built once per evaluation.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::{Arc, LazyLock};

use rhai::{Engine, Map};

use super::api::{rt, rt_err};
use super::context::Ctx;
use super::ip::RhaiResultOf;
use super::types::{Ip, Row};
use crate::model::{Cols, Column, Table, Type, Value};
use crate::query::{Decision, RouteIndex, SourceSelector, first_hop_dev};
use crate::tables::records::RouteQuery;

static SOURCE: Column = Column::new(
    "source",
    Type::Str,
    "kernel: asked with RTM_GETROUTE; snapshot: the snapshot's policy rules walked as the kernel walks them, then the longest prefix in the table a rule names",
);

static RULE: Column = Column::new(
    "rule",
    Type::Int,
    "Priority of the policy rule that decided, when netpry walked the rules (snapshot answers and kernel refusals); null when the kernel chose the route",
);

/// The columns of every answer: the registry's `routes` columns, then `source` and `rule`.
static ANSWER: LazyLock<Arc<[Column]>> = LazyLock::new(|| {
    registry_columns()
        .iter()
        .cloned()
        .chain([SOURCE.clone(), RULE.clone()])
        .collect()
});

/// What `route_get` keeps for one evaluation: its answers by query, and the index over the
/// catalog's tables (built on the first walk).
#[derive(Default)]
pub struct RouteGetState {
    answers: RefCell<HashMap<RouteQuery, Row>>,
    env: RefCell<Option<Rc<RouteEnv>>>,
}

/// What route lookups over the catalog's tables need, read once per evaluation.
pub struct RouteEnv {
    routes: Arc<Table>,
    index: RouteIndex,
    interfaces: Option<Arc<Table>>,
    /// The real uid of this process: the user the lookups are made for.
    uid: u32,
    /// Built on the first lookup that needs a source address.
    sources: OnceCell<Option<SourceSelector>>,
}

/// The evaluation's [`RouteEnv`], built on first use. A snapshot without a rules table is
/// walked with the kernel's built-in rules, and a note says why it has none.
fn env(ctx: &Ctx) -> RhaiResultOf<Rc<RouteEnv>> {
    if let Some(e) = ctx.route_get.env.borrow().as_ref() {
        return Ok(Rc::clone(e));
    }
    let routes = rt(ctx.table("routes"))?;
    let rules = if ctx.catalog.holds("rules") {
        Some(rt(ctx.table("rules"))?)
    } else {
        let why = ctx
            .catalog
            .missing_reason("rules")
            .unwrap_or_else(|| "the snapshot has no rules table (saved by an older netpry)".into());
        ctx.catalog.notes().add(format!(
            "route_get: {why}; assuming the kernel's built-in rules (local, main, default)"
        ));
        None
    };
    let interfaces = if ctx.catalog.holds("interfaces") {
        ctx.table("interfaces").ok()
    } else {
        None
    };
    let index = RouteIndex::new(&routes, rules.as_deref(), interfaces.as_deref());
    for p in index.problems() {
        ctx.catalog.notes().add(format!(
            "route_get: {p}; the route or rule reads it as unset"
        ));
    }
    let e = Rc::new(RouteEnv {
        routes,
        index,
        interfaces,
        uid: crate::catalog::this_process::uid(),
        sources: OnceCell::new(),
    });
    *ctx.route_get.env.borrow_mut() = Some(Rc::clone(&e));
    Ok(e)
}

impl RouteEnv {
    /// The source selector over the catalog's addresses; `None` without an addresses table.
    /// A device prefers temporary IPv6 addresses when its `use_tempaddr` sysctl is 2 or more.
    fn sources(&self, ctx: &Ctx) -> Option<&SourceSelector> {
        self.sources
            .get_or_init(|| {
                let addresses = ctx
                    .catalog
                    .holds("addresses")
                    .then(|| ctx.table("addresses").ok())
                    .flatten()?;
                let temp = self.tempaddr_devices(ctx);
                Some(SourceSelector::new(&addresses, &|ix| temp.contains(&ix)))
            })
            .as_ref()
    }

    /// Indexes of the devices whose `net.ipv6.conf.DEV.use_tempaddr` is 2 or more.
    fn tempaddr_devices(&self, ctx: &Ctx) -> Vec<i64> {
        let (Some(ifs), true) = (&self.interfaces, ctx.catalog.holds("sysctls")) else {
            return Vec::new();
        };
        let Ok(sysctls) = ctx.table("sysctls") else {
            return Vec::new();
        };
        let sc = Cols::new(&sysctls, &["name", "value"]);
        let prefers: HashMap<String, bool> = (0..sc.len())
            .filter_map(|r| {
                let dev = sc
                    .str(r, 0)?
                    .strip_prefix("net.ipv6.conf.")?
                    .strip_suffix(".use_tempaddr")?
                    .to_string();
                let v: i64 = sc.str(r, 1)?.trim().parse().ok()?;
                Some((dev, v >= 2))
            })
            .collect();
        let ic = Cols::new(ifs, &["index", "name"]);
        (0..ic.len())
            .filter_map(|r| {
                let dev = ic.str(r, 1)?.replace('.', "/");
                prefers
                    .get(dev.as_str())
                    .copied()
                    .unwrap_or(false)
                    .then_some(i64::from(ic.u32(r, 0)?))
            })
            .collect()
    }

    /// Whether `addr` is one of this host's addresses (true when the catalog has no addresses
    /// table to tell).
    fn owns(&self, ctx: &Ctx, addr: IpAddr) -> bool {
        if !ctx.catalog.holds("addresses") {
            return true;
        }
        let Ok(t) = ctx.table("addresses") else {
            return true;
        };
        let c = Cols::new(&t, &["addr"]);
        if !c.has(0) {
            return true;
        }
        (0..c.len()).any(|r| c.ip(r, 0) == Some(addr))
    }

    /// The row of the device named `name` in the interfaces table, read through `c`
    /// (columns `index`, `name`, `flags_raw`).
    fn device_row(&self, name: &str) -> Option<(Cols<'_>, usize)> {
        let t = self.interfaces.as_ref()?;
        let c = Cols::new(t, &["index", "name", "flags_raw"]);
        let row = (0..c.len()).find(|&r| c.str(r, 1).as_deref() == Some(name))?;
        Some((c, row))
    }

    /// Whether the device named `name` is up (IFF_UP); `None` when unknown.
    fn is_up(&self, name: &str) -> Option<bool> {
        let (c, row) = self.device_row(name)?;
        Some(c.u32(row, 2)? & 1 == 1)
    }

    /// The index of the device named `name`.
    fn index_of(&self, name: &str) -> Option<i64> {
        let (c, row) = self.device_row(name)?;
        c.u32(row, 0).map(i64::from)
    }

    /// The loopback device's name (index 1), `lo` without an interfaces table.
    fn loopback(&self) -> Value {
        Value::str(self.index.loopback())
    }
}

/// Registers `route_get(addr)` and `route_get(addr, #{from: .., oif: .., mark: .., uid: ..,
/// ipproto: .., sport: .., dport: .., tos: ..})`, the address an `Ip` or text.
pub fn register(engine: &mut Engine, ctx: &Rc<Ctx>) {
    let c = Rc::clone(ctx);
    engine.register_fn("route_get", move |addr: Ip| {
        route_get(&c, RouteQuery::to(addr.0))
    });
    let c = Rc::clone(ctx);
    engine.register_fn("route_get", move |addr: &str| {
        route_get(&c, RouteQuery::to(parse_ip(addr)?))
    });
    let c = Rc::clone(ctx);
    engine.register_fn("route_get", move |addr: Ip, opts: Map| {
        route_get(&c, query(addr.0, &opts)?)
    });
    let c = Rc::clone(ctx);
    engine.register_fn("route_get", move |addr: &str, opts: Map| {
        route_get(&c, query(parse_ip(addr)?, &opts)?)
    });
}

fn parse_ip(text: &str) -> RhaiResultOf<IpAddr> {
    match text.trim().parse::<IpAddr>() {
        Ok(ip) => Ok(ip),
        Err(_) => rt_err(format!("route_get: '{text}' is not an IP address")),
    }
}

/// The option keys of `route_get(addr, #{...})`.
const OPTIONS: [&str; 8] = [
    "from", "oif", "mark", "uid", "ipproto", "sport", "dport", "tos",
];

/// The query for `dst` with the packet fields in `opts` (see [`OPTIONS`]); an unknown key or
/// a value of the wrong kind is an error naming it.
fn query(dst: IpAddr, opts: &Map) -> RhaiResultOf<RouteQuery> {
    let mut q = RouteQuery::to(dst);
    for (key, v) in opts {
        let key = key.as_str();
        let bad = |what: &str| -> RhaiResultOf<RouteQuery> {
            let shown = if v.is_unit() {
                "()".to_string()
            } else {
                v.to_string()
            };
            rt_err(format!(
                "route_get: option {key} must be {what}, not {shown}"
            ))
        };
        let int = |max: u64| -> Option<u64> {
            v.as_int()
                .ok()
                .and_then(|n| u64::try_from(n).ok())
                .filter(|n| *n <= max)
        };
        match key {
            "from" => {
                let ip = match v.clone().try_cast::<Ip>() {
                    Some(ip) => Some(ip.0),
                    None => v
                        .clone()
                        .into_string()
                        .ok()
                        .and_then(|s| s.trim().parse().ok()),
                };
                match ip {
                    // The unspecified address asks for no source, as in the kernel.
                    Some(ip) if ip.is_unspecified() && ip.is_ipv4() == dst.is_ipv4() => {}
                    Some(ip) if ip.is_ipv4() == dst.is_ipv4() => q.src = Some(ip),
                    Some(_) => return bad("an address of the destination's family"),
                    None => return bad("an IP address"),
                }
            }
            "oif" => match v.clone().into_string() {
                Ok(dev) => q.oif = Some(dev),
                Err(_) => return bad("a device name"),
            },
            "mark" => match int(u64::from(u32::MAX)) {
                Some(n) => q.mark = n as u32,
                None => return bad("an integer from 0 to 4294967295"),
            },
            "uid" => match int(u64::from(u32::MAX)) {
                Some(n) => q.uid = Some(n as u32),
                None => return bad("an integer from 0 to 4294967295"),
            },
            "ipproto" => {
                // The kernel's route lookups take these protocols only.
                let (allowed, words): (&[u8], _) = if dst.is_ipv4() {
                    (
                        &[6, 17, 1],
                        "tcp, udp or icmp (6, 17, 1) for an IPv4 destination",
                    )
                } else {
                    (
                        &[6, 17, 58],
                        "tcp, udp or icmpv6 (6, 17, 58) for an IPv6 destination",
                    )
                };
                let named = v.clone().into_string().ok();
                let number = named.as_deref().and_then(protocol_number);
                match number.or_else(|| int(255).map(|n| n as u8)) {
                    Some(p) if allowed.contains(&p) => q.ipproto = Some(p),
                    _ => return bad(words),
                }
            }
            "sport" | "dport" => match int(65535) {
                Some(n) if key == "sport" => q.sport = n as u16,
                Some(n) => q.dport = n as u16,
                None => return bad("a port from 0 to 65535"),
            },
            "tos" => match int(255) {
                Some(n) => q.tos = n as u8,
                None => return bad("an integer from 0 to 255"),
            },
            _ => {
                return rt_err(format!(
                    "route_get: no option '{key}'; options are: {}",
                    OPTIONS.join(", ")
                ));
            }
        }
    }
    Ok(q)
}

/// The IANA number of a protocol name `ip` accepts after `ipproto`.
fn protocol_number(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "icmp" => 1,
        "tcp" => 6,
        "udp" => 17,
        "icmpv6" | "ipv6-icmp" => 58,
        _ => return None,
    })
}

/// The route for `q`: asked of the kernel, or, from a snapshot, found by walking the
/// snapshot's policy rules and routes. One row of the `routes` columns plus `source` and
/// `rule`; cached per query.
fn route_get(ctx: &Ctx, q: RouteQuery) -> RhaiResultOf<Row> {
    if let Some(r) = ctx.route_get.answers.borrow().get(&q) {
        return Ok(r.clone());
    }
    let (table, rule, source) = if ctx.catalog.snapshot_info().is_some() {
        let (t, rule) = walked_route(ctx, &q)?;
        (t, Value::opt_int(rule), "snapshot")
    } else {
        match ctx.catalog.route_get(&q) {
            Ok(table) => (table, Value::Null, "kernel"),
            Err(crate::error::Error::Kernel { source, .. })
                if matches!(
                    source.raw_os_error(),
                    Some(libc::EACCES | libc::EINVAL | libc::ENETUNREACH | libc::EHOSTUNREACH)
                ) =>
            {
                let (t, rule) = refused_route(ctx, &q, &source)?;
                (t, Value::opt_int(rule), "kernel")
            }
            Err(e) => return rt(Err(e)),
        }
    };
    // Both paths give a row of the registry's route columns (a snapshot's missing ones null).
    let mut out = Table::new("route_get", Arc::clone(&ANSWER));
    if let Some(row) = table.rows().next() {
        out.push(row.iter().cloned().chain([Value::str(source), rule]));
    }
    let row = Row {
        table: Arc::new(out),
        index: 0,
    };
    ctx.route_get.answers.borrow_mut().insert(q, row.clone());
    Ok(row)
}

/// The answer when the kernel refuses a lookup: it does so (EINVAL, EHOSTUNREACH, EACCES,
/// ENETUNREACH) when a blackhole, unreachable or prohibit route or policy rule covers the
/// destination. The row is that route, or for a rule a row of its action (type `prohibit`,
/// no table), found by walking the live rules and routes as a snapshot answer is; when the
/// walk finds no refusal (ENETUNREACH also means "no route at all"), an error naming the
/// destination and what the kernel said.
fn refused_route(
    ctx: &Ctx,
    q: &RouteQuery,
    err: &std::io::Error,
) -> RhaiResultOf<(Table, Option<u32>)> {
    let dst = q.dst;
    let meaning = match err.raw_os_error() {
        Some(libc::EHOSTUNREACH) => "no route to host: an unreachable route covers it",
        Some(libc::EACCES) => "permission denied: a prohibit route or rule covers it",
        _ => "invalid argument: a blackhole route or rule covers it",
    };
    match walked_route(ctx, q) {
        Ok((t, rule)) if refusal_type(&t).is_some() => Ok((t, rule)),
        // The walk's own explanation of a source or device the kernel will not use.
        Err(e) if q.src.is_some() || q.oif.is_some() => Err(e),
        _ if err.raw_os_error() == Some(libc::ENETUNREACH) => rt_err(format!(
            "route_get: no route to {dst} (the kernel says: {err})"
        )),
        _ => rt_err(format!(
            "route_get: the kernel refused the lookup for {dst} ({meaning}): {err}"
        )),
    }
}

/// The type of the one-row route table `t` when it is a refusal (blackhole, unreachable,
/// prohibit).
fn refusal_type(t: &Table) -> Option<&'static str> {
    let c = Cols::new(t, &["type"]);
    if c.is_empty() {
        return None;
    }
    let v = c.str(0, 0)?;
    ["blackhole", "unreachable", "prohibit"]
        .into_iter()
        .find(|k| *k == &*v)
}

/// The route the catalog's rules and routes give for `q`, as a one-row `routes` table naming
/// the destination itself (like the kernel's answer), completed as the kernel completes an
/// output route, and the priority of the rule that decided (none for an answer no rule gave).
fn walked_route(ctx: &Ctx, q: &RouteQuery) -> RhaiResultOf<(Table, Option<u32>)> {
    let env = env(ctx)?;
    let routes = &env.routes;
    let dst = q.dst;
    let mut flow = q.clone();
    flow.uid.get_or_insert(env.uid);
    let mut one = Table::new("routes", registry_columns().to_vec());
    let blank = Draft::blank;
    if let Some(dev) = &q.oif {
        if env.interfaces.is_some() && env.index_of(dev).is_none() {
            return rt_err(format!("route_get: no device named '{dev}'"));
        }
        if env.is_up(dev) == Some(false) {
            return rt_err(format!(
                "route_get: no route to {dst} through {dev}: the device is down \
                 (network is unreachable)"
            ));
        }
    }
    if let Some(IpAddr::V4(src)) = q.src {
        // IPv4 only sends from a unicast address of its own.
        if src.is_multicast() || src.is_broadcast() || src.octets()[0] == 0 {
            return rt_err(format!(
                "route_get: {src} cannot be a source address (invalid argument)"
            ));
        }
        if !env.owns(ctx, src.into()) {
            return rt_err(format!(
                "route_get: no route to {dst} from {src}: {src} is not an address of this host \
                 (network is unreachable)"
            ));
        }
    }
    if let IpAddr::V4(d) = dst {
        let link_local_group = d.is_multicast() && d.octets()[..3] == [224, 0, 0];
        if let (Some(dev), true) = (&q.oif, d.is_broadcast() || link_local_group) {
            // Sent straight out of the named device, before any rule or table.
            let mut cells = blank();
            cells.set("family", Value::str("inet"));
            let ty = if d.is_broadcast() {
                "broadcast"
            } else {
                "multicast"
            };
            cells.set("type", Value::str(ty));
            cells.no_table();
            cells.host(dst);
            cells.set("scope", Value::str("link"));
            cells.set("oif", Value::opt_int(env.index_of(dev)));
            cells.set("dev", Value::str(dev));
            complete_output_route(ctx, &env, &mut cells, q, 32);
            one.push(cells.values);
            return Ok((one, None));
        }
    }
    if dst == IpAddr::V4(Ipv4Addr::UNSPECIFIED) {
        // The kernel routes 0.0.0.0 to this host itself, before any rule or table, from the
        // source asked for, else an address of the named device, else 127.0.0.1.
        let mut cells = blank();
        cells.set("family", Value::str("inet"));
        cells.set("type", Value::str("local"));
        cells.no_table();
        cells.host(dst);
        cells.set("oif", Value::Int(1));
        cells.set("dev", env.loopback());
        let on_dev = q.oif.as_deref().and_then(|dev| {
            let ix = env.index_of(dev)?;
            env.sources(ctx)?.select(dst, Some(ix), None, "host")
        });
        let src = on_dev.unwrap_or(Ipv4Addr::LOCALHOST.into());
        cells.set("prefsrc", Value::Ip(src));
        if let Some(from) = q.src {
            cells.set("src", Value::Ip(from));
            cells.set("src_len", Value::Int(32));
            cells.set("prefsrc", Value::Null);
        }
        one.push(cells.values);
        return Ok((one, None));
    }
    let rule = match env.index.lookup(&flow) {
        Some(Decision::Route { row, rule, table }) => {
            let mut cells = Draft::of(routes, row);
            let matched_len = cells.int("dst_len").unwrap_or(0);
            if let Some(t) = table {
                cells.set("table", Value::Int(t));
                let name = crate::tables::names::table_name(254);
                cells.set("table_name", Value::str(name));
            }
            cells.host(dst);
            complete_output_route(ctx, &env, &mut cells, q, matched_len);
            if let Some(IpAddr::V4(src)) = q.src {
                let dev = cells.get("dev");
                if src.is_loopback()
                    && dev
                        .as_str()
                        .is_some_and(|d| Value::str(d) != env.loopback())
                {
                    return rt_err(format!(
                        "route_get: a loopback source ({src}) cannot leave through {dev} \
                         (invalid argument)"
                    ));
                }
            }
            one.push(cells.values);
            Some(rule)
        }
        Some(Decision::OnLink) => {
            // No usable route through the named device: the kernel assumes the destination
            // is on its link.
            let dev = q.oif.clone().unwrap_or_default();
            let mut cells = blank();
            cells.set("family", Value::str("inet"));
            cells.set("type", Value::str("unicast"));
            cells.no_table();
            cells.host(dst);
            cells.set("scope", Value::str("link"));
            cells.set("oif", Value::opt_int(env.index_of(&dev)));
            cells.set("dev", Value::str(dev));
            complete_output_route(ctx, &env, &mut cells, q, 32);
            one.push(cells.values);
            None
        }
        Some(Decision::Refused { rule, action }) => {
            let mut cells = blank();
            let family = if dst.is_ipv4() { "inet" } else { "inet6" };
            cells.set("family", Value::str(family));
            cells.set("type", Value::str(action));
            cells.host(dst);
            one.push(cells.values);
            Some(rule)
        }
        None => {
            let whose = if ctx.catalog.snapshot_info().is_some() {
                "the snapshot's"
            } else {
                "the"
            };
            return rt_err(format!(
                "route_get: no route to {dst} in {whose} rules and routes (network is unreachable)"
            ));
        }
    };
    Ok((one, rule))
}

/// An answer being built: a row of the registry's `routes` columns, addressed by name.
struct Draft {
    values: Vec<Value>,
}

/// The `routes` table's columns in the registry (every answer has all of them).
fn registry_columns() -> &'static [Column] {
    (crate::tables::routes::DEF.columns)()
}

impl Draft {
    /// A row of nulls.
    fn blank() -> Draft {
        Draft {
            values: vec![Value::Null; registry_columns().len()],
        }
    }
    /// Row `row` of `routes` (a snapshot's table, which may lack columns: they are null).
    fn of(routes: &Table, row: usize) -> Draft {
        let names: Vec<&'static str> = registry_columns().iter().map(|c| c.name.as_ref()).collect();
        let c = Cols::new(routes, &names);
        Draft {
            values: (0..names.len()).map(|i| c.value(row, i)).collect(),
        }
    }
    /// An integer cell of the draft (`None` for a null or another type).
    fn int(&self, name: &str) -> Option<i64> {
        self.get(name).as_int()
    }
    fn index(name: &str) -> Option<usize> {
        registry_columns().iter().position(|c| c.name == name)
    }
    fn get(&self, name: &str) -> Value {
        Draft::index(name).map_or(Value::Null, |i| self.values[i].clone())
    }
    fn set(&mut self, name: &str, v: Value) {
        if let Some(i) = Draft::index(name) {
            self.values[i] = v;
        }
    }
    /// Names `dst` itself as the destination, a host prefix, as the kernel's answer does.
    fn host(&mut self, dst: IpAddr) {
        self.set("dst", Value::Ip(dst));
        self.set("dst_len", Value::Int(if dst.is_ipv4() { 32 } else { 128 }));
    }
    /// An answer no table gave (the kernel sends table 0).
    fn no_table(&mut self) {
        self.set("table", Value::Int(0));
        let name = crate::tables::names::table_name(0);
        self.set("table_name", Value::str(name));
    }
}

/// Fills in what the kernel adds to a route it chose for locally generated traffic:
/// - a route without a preferred source gets the address source selection picks from the
///   addresses table (an IPv4 `local` destination is its own source), selection running on
///   the route's device, or its first next hop's for a multipath route;
/// - a `local` destination (and an IPv6 `anycast` one) is reached through the loopback device;
/// - IPv4 `255.255.255.255` is a `broadcast` and a multicast group a `multicast` route, with
///   no gateway (for a multicast group, only when a route of prefix shorter than 4 matched).
fn complete_output_route(
    ctx: &Ctx,
    env: &RouteEnv,
    cells: &mut Draft,
    q: &RouteQuery,
    matched_len: i64,
) {
    let dst = q.dst;
    if let (Some(dev), None) = (&q.oif, cells.get("dev").as_str()) {
        // A multipath route used through a named device: the next hop on that device.
        let hops = cells.get("nexthops");
        let hop = hops.as_str().and_then(|h| {
            h.split(';')
                .find(|hop| first_hop_dev(hop) == Some(dev.as_str()))
                .map(str::to_string)
        });
        if let Some(hop) = hop {
            let mut words = hop.split_whitespace();
            let gateway = words
                .by_ref()
                .skip_while(|w| *w != "via")
                .nth(1)
                .and_then(|g| g.parse::<IpAddr>().ok());
            cells.set("gateway", Value::opt_ip(gateway));
            cells.set("dev", Value::str(dev));
            cells.set("oif", Value::opt_int(env.index_of(dev)));
        }
    }
    if let Some(src) = q.src {
        // The source asked for is the answer's `from`; IPv4 then names no other source.
        cells.set("src", Value::Ip(src));
        cells.set("src_len", Value::Int(if src.is_ipv4() { 32 } else { 128 }));
        if src.is_ipv4() {
            cells.set("prefsrc", Value::Null);
        }
    }
    let ty = cells.get("type").as_str().unwrap_or("unicast").to_string();
    let refused = ["blackhole", "unreachable", "prohibit", "throw"].contains(&ty.as_str());
    let ipv4_from = q.src.is_some() && dst.is_ipv4();
    if !refused && !ipv4_from && cells.get("prefsrc").is_null() {
        let chosen = if dst.is_ipv4() && ty == "local" {
            Some(dst)
        } else {
            let oif = cells.int("oif").or_else(|| {
                let hops = cells.get("nexthops");
                let dev = hops.as_str().and_then(first_hop_dev)?;
                env.index_of(dev)
            });
            env.sources(ctx).and_then(|s| {
                let scope = cells.get("scope");
                s.select(
                    dst,
                    oif,
                    cells.get("gateway").as_ip(),
                    scope.as_str().unwrap_or("global"),
                )
            })
        };
        cells.set("prefsrc", Value::opt_ip(chosen));
    }
    if ty == "local" || (dst.is_ipv6() && ty == "anycast") {
        cells.set("oif", Value::Int(1));
        cells.set("dev", env.loopback());
    }
    if let IpAddr::V4(d) = dst {
        if d == Ipv4Addr::BROADCAST {
            cells.set("type", Value::str("broadcast"));
            cells.set("gateway", Value::Null);
        } else if d.is_multicast() {
            cells.set("type", Value::str("multicast"));
            if matched_len < 4 {
                cells.set("gateway", Value::Null);
            }
        }
    }
}
