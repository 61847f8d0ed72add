//! `route_get(addr)`: the Rhai binding of the route simulation ([`crate::query::route_sim`]).
//! It parses the script's arguments into a [`RouteQuery`], asks the kernel (RTM_GETROUTE)
//! live, or from a snapshot the simulation over the snapshot's tables, and turns the answer
//! into a row; a lookup the kernel refuses is explained by the simulation over the live
//! tables. Answers are cached per query (destination and packet fields), and the simulation
//! is built once per evaluation.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::{Rc, Weak};
use std::sync::{Arc, LazyLock};

use rhai::{Engine, Map};

use super::api::{rt, rt_err};
use super::context::Ctx;
use super::ip::RhaiResultOf;
use super::types::{Ip, Row};
use crate::model::{Column, Table, Type, Value};
use crate::query::route_sim::{RouteAnswer, RouteError, RouteSim, RouteTables, route_columns};
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
    route_columns()
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
    env: RefCell<Option<Rc<RouteSim>>>,
}

/// The evaluation's [`RouteSim`] over the catalog's tables, built on first use. A snapshot
/// without a rules table is walked with the kernel's built-in rules, and a note says why it
/// has none.
fn env(ctx: &Rc<Ctx>) -> RhaiResultOf<Rc<RouteSim>> {
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
    fn optional(ctx: &Ctx, name: &str) -> Option<Arc<Table>> {
        ctx.catalog
            .holds(name)
            .then(|| ctx.table(name).ok())
            .flatten()
    }
    // Addresses and sysctls are read only by a lookup that needs them (a source address).
    let weak: Weak<Ctx> = Rc::downgrade(ctx);
    let tables = RouteTables {
        routes,
        nexthops: optional(ctx, "route_nexthops"),
        rules,
        interfaces: optional(ctx, "interfaces"),
        addresses: None,
        sysctls: None,
        from_snapshot: ctx.catalog.snapshot_info().is_some(),
        load: Some(Box::new(move |name| {
            let ctx = weak.upgrade()?;
            optional(&ctx, name)
        })),
    };
    let sim = RouteSim::new(tables, crate::catalog::this_process::uid());
    for p in sim.problems() {
        ctx.catalog.notes().add(format!(
            "route_get: {p}; the route or rule reads it as unset"
        ));
    }
    let e = Rc::new(sim);
    *ctx.route_get.env.borrow_mut() = Some(Rc::clone(&e));
    Ok(e)
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
fn route_get(ctx: &Rc<Ctx>, q: RouteQuery) -> RhaiResultOf<Row> {
    if let Some(r) = ctx.route_get.answers.borrow().get(&q) {
        return Ok(r.clone());
    }
    let (table, rule, source) = if ctx.catalog.snapshot_info().is_some() {
        let a = walked(env(ctx)?.route(&q))?;
        (a.route, Value::opt_int(a.rule), "snapshot")
    } else {
        match ctx.catalog.route_get(&q) {
            Ok(table) => (table, Value::Null, "kernel"),
            Err(crate::error::Error::Kernel { source, .. })
                if matches!(
                    source.raw_os_error(),
                    Some(libc::EACCES | libc::EINVAL | libc::ENETUNREACH | libc::EHOSTUNREACH)
                ) =>
            {
                let a = walked(env(ctx)?.explain_refusal(&q, &source))?;
                (a.route, Value::opt_int(a.rule), "kernel")
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

/// The simulation's answer, or its refusal as a script error naming `route_get`.
fn walked(answer: Result<RouteAnswer, RouteError>) -> RhaiResultOf<RouteAnswer> {
    answer.or_else(|e| rt_err(format!("route_get: {e}")))
}
