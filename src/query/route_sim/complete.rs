//! Output route completion: the route a lookup found (or the kernel's special cases before
//! any rule: a broadcast or link-local group through a named device, 0.0.0.0) turned into
//! the answer `ip route get` prints, a one-row `routes` table naming the destination itself,
//! completed as the kernel completes a route for locally generated traffic; or the refusal,
//! as a [`RouteError`].

use std::net::{IpAddr, Ipv4Addr};

use super::{Decision, RouteError, RouteSim};
use crate::model::{Cols, Column, NextHop, Table, Value};
use crate::tables::records::RouteQuery;

/// The answer to one route query: a one-row table of the registry's `routes` columns
/// ([`route_columns`]) naming the destination itself, and the priority of the rule that
/// decided (none for an answer no rule gave).
#[derive(Debug, Clone)]
pub struct RouteAnswer {
    /// The route, one row.
    pub route: Table,
    /// Priority of the rule whose lookup gave the route.
    pub rule: Option<u32>,
}

impl RouteAnswer {
    /// The route's type when it is a refusal (blackhole, unreachable, prohibit).
    pub fn refusal(&self) -> Option<&'static str> {
        let c = Cols::new(&self.route, &["type"]);
        if c.is_empty() {
            return None;
        }
        let v = c.str(0, 0)?;
        ["blackhole", "unreachable", "prohibit"]
            .into_iter()
            .find(|k| *k == &*v)
    }

    /// The answer's cell in column `name` (null for a column the routes table lacks).
    pub fn get(&self, name: &str) -> Value {
        match (self.route.column_index(name), self.route.rows().next()) {
            (Some(i), Some(row)) => row.get(i).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }
}

impl RouteSim {
    /// The answer when the kernel refused a lookup with `err`: it does so (EINVAL,
    /// EHOSTUNREACH, EACCES, ENETUNREACH) when a blackhole, unreachable or prohibit route or
    /// policy rule covers the destination. The answer is that route, or for a rule a row of
    /// its action (type `prohibit`, no table), found by walking the rules and routes as
    /// [`RouteSim::route`] does; when the walk finds no refusal (ENETUNREACH also means "no
    /// route at all"), an error naming the destination and what the kernel said.
    pub fn explain_refusal(
        &self,
        q: &RouteQuery,
        err: &std::io::Error,
    ) -> Result<RouteAnswer, RouteError> {
        let dst = q.dst;
        match self.route(q) {
            Ok(a) if a.refusal().is_some() => Ok(a),
            // The walk's own explanation of a source or device the kernel will not use.
            Err(e) if q.src.is_some() || q.oif.is_some() => Err(e),
            _ if err.raw_os_error() == Some(libc::ENETUNREACH) => Err(RouteError::KernelNoRoute {
                dst,
                said: err.to_string(),
            }),
            _ => Err(RouteError::KernelRefused {
                dst,
                errno: err.raw_os_error().unwrap_or(libc::EINVAL),
                said: err.to_string(),
            }),
        }
    }

    /// The route the rules and routes give for `q`, as a one-row `routes` table naming the
    /// destination itself (like the kernel's answer), completed as the kernel completes an
    /// output route, and the priority of the rule that decided; or why there is none.
    pub fn route(&self, q: &RouteQuery) -> Result<RouteAnswer, RouteError> {
        let env = self;
        let routes = &self.tables.routes;
        let dst = q.dst;
        let mut flow = q.clone();
        flow.uid.get_or_insert(env.uid);
        let mut one = Table::new("routes", route_columns().to_vec());
        let blank = Draft::blank;
        if let Some(dev) = &q.oif {
            if env.tables.interfaces.is_some() && env.index_of(dev).is_none() {
                return Err(RouteError::NoDevice { dev: dev.clone() });
            }
            if env.is_up(dev) == Some(false) {
                return Err(RouteError::DeviceDown {
                    dst,
                    dev: dev.clone(),
                });
            }
        }
        if let Some(IpAddr::V4(src)) = q.src {
            // IPv4 only sends from a unicast address of its own.
            if src.is_multicast() || src.is_broadcast() || src.octets()[0] == 0 {
                return Err(RouteError::BadSource { src });
            }
            if !env.owns(src.into()) {
                return Err(RouteError::NotLocal { dst, src });
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
                complete_output_route(env, &mut cells, &[], q, 32);
                one.push(cells.values);
                return Ok(RouteAnswer {
                    route: one,
                    rule: None,
                });
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
                env.sources()?.select(dst, Some(ix), None, "host")
            });
            let src = on_dev.unwrap_or(Ipv4Addr::LOCALHOST.into());
            cells.set("prefsrc", Value::Ip(src));
            if let Some(from) = q.src {
                cells.set("src", Value::Ip(from));
                cells.set("src_len", Value::Int(32));
                cells.set("prefsrc", Value::Null);
            }
            one.push(cells.values);
            return Ok(RouteAnswer {
                route: one,
                rule: None,
            });
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
                let hops = env.index.hops(row);
                complete_output_route(env, &mut cells, hops, q, matched_len);
                if let Some(IpAddr::V4(src)) = q.src {
                    let dev = cells.get("dev");
                    if src.is_loopback()
                        && dev
                            .as_str()
                            .is_some_and(|d| Value::str(d) != env.loopback())
                    {
                        return Err(RouteError::LoopbackSource {
                            src,
                            dev: dev.to_string(),
                        });
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
                complete_output_route(env, &mut cells, &[], q, 32);
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
                return Err(RouteError::NoRoute {
                    dst,
                    from_snapshot: self.tables.from_snapshot,
                });
            }
        };
        Ok(RouteAnswer { route: one, rule })
    }
}

/// An answer being built: a row of the registry's `routes` columns, addressed by name.
struct Draft {
    values: Vec<Value>,
}

/// The `routes` table's columns in the registry (every answer has all of them).
pub fn route_columns() -> &'static [Column] {
    (crate::tables::routes::DEF.columns)()
}

impl Draft {
    /// A row of nulls.
    fn blank() -> Draft {
        Draft {
            values: vec![Value::Null; route_columns().len()],
        }
    }
    /// Row `row` of `routes` (a snapshot's table, which may lack columns: they are null).
    fn of(routes: &Table, row: usize) -> Draft {
        let names: Vec<&'static str> = route_columns().iter().map(|c| c.name.as_ref()).collect();
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
        route_columns().iter().position(|c| c.name == name)
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
/// - a multipath route (`hops`) used through a named device gets that device's next hop;
/// - a route without a preferred source gets the address source selection picks from the
///   addresses table (an IPv4 `local` destination is its own source), selection running on
///   the route's device, or its first next hop's for a multipath route;
/// - a `local` destination (and an IPv6 `anycast` one) is reached through the loopback device;
/// - IPv4 `255.255.255.255` is a `broadcast` and a multicast group a `multicast` route, with
///   no gateway (for a multicast group, only when a route of prefix shorter than 4 matched).
fn complete_output_route(
    env: &RouteSim,
    cells: &mut Draft,
    hops: &[NextHop],
    q: &RouteQuery,
    matched_len: i64,
) {
    let dst = q.dst;
    if let (Some(dev), None) = (&q.oif, cells.get("dev").as_str()) {
        // A multipath route used through a named device: the next hop on that device.
        if let Some(hop) = hops.iter().find(|h| h.dev.as_deref() == Some(dev.as_str())) {
            cells.set("gateway", Value::opt_ip(hop.gateway));
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
            let oif = cells
                .int("oif")
                .or_else(|| env.index_of(hops.first()?.dev.as_deref()?));
            env.sources().and_then(|s| {
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

#[cfg(test)]
mod tests {
    //! The simulation called directly, without Rhai: tables in, a typed answer or error out.

    use std::sync::Arc;

    use super::*;
    use crate::query::route_sim::RouteTables;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A routes table of the registry's columns, a row per `(column, value)` list.
    fn routes(rows: &[&[(&str, Value)]]) -> Table {
        let mut t = Table::new("routes", route_columns().to_vec());
        for cells in rows {
            let mut d = Draft::blank();
            for (name, v) in *cells {
                d.set(name, v.clone());
            }
            t.push(d.values);
        }
        t
    }

    /// lo (1, up) and eth0 (2, up, 10.0.0.5/24); a connected route, a default route through
    /// 10.0.0.1 and the local route of 10.0.0.5.
    fn host() -> RouteTables {
        let s = Value::str;
        let routes = routes(&[
            &[
                ("table", Value::Int(254)),
                ("type", s("unicast")),
                ("dst", Value::Ip(ip("0.0.0.0"))),
                ("dst_len", Value::Int(0)),
                ("gateway", Value::Ip(ip("10.0.0.1"))),
                ("dev", s("eth0")),
                ("oif", Value::Int(2)),
                ("scope", s("global")),
            ],
            &[
                ("table", Value::Int(254)),
                ("type", s("unicast")),
                ("dst", Value::Ip(ip("10.0.0.0"))),
                ("dst_len", Value::Int(24)),
                ("dev", s("eth0")),
                ("oif", Value::Int(2)),
                ("scope", s("link")),
            ],
            &[
                ("table", Value::Int(255)),
                ("type", s("local")),
                ("dst", Value::Ip(ip("10.0.0.5"))),
                ("dst_len", Value::Int(32)),
                ("dev", s("eth0")),
                ("oif", Value::Int(2)),
                ("scope", s("host")),
            ],
        ]);
        let mut ifs = Table::new(
            "interfaces",
            vec![
                Column::new("index", crate::model::Type::Int, ""),
                Column::new("name", crate::model::Type::Str, ""),
                Column::new("flags_raw", crate::model::Type::Int, ""),
            ],
        );
        ifs.push([Value::Int(1), s("lo"), Value::Int(1)]);
        ifs.push([Value::Int(2), s("eth0"), Value::Int(1)]);
        let mut addrs = Table::new(
            "addresses",
            vec![
                Column::new("ifindex", crate::model::Type::Int, ""),
                Column::new("addr", crate::model::Type::Ip, ""),
                Column::new("prefix_len", crate::model::Type::Int, ""),
                Column::new("scope", crate::model::Type::Str, ""),
            ],
        );
        addrs.push([
            Value::Int(2),
            Value::Ip(ip("10.0.0.5")),
            Value::Int(24),
            s("global"),
        ]);
        RouteTables {
            routes: Arc::new(routes),
            nexthops: None,
            rules: None,
            interfaces: Some(Arc::new(ifs)),
            addresses: Some(Arc::new(addrs)),
            sysctls: None,
            from_snapshot: true,
            load: None,
        }
    }

    #[test]
    fn a_remote_destination_takes_the_default_route_and_the_devices_address() {
        let sim = RouteSim::new(host(), 0);
        let a = sim.route(&RouteQuery::to(ip("192.0.2.7"))).unwrap();
        assert_eq!(a.rule, Some(32766));
        assert_eq!(a.get("dst"), Value::Ip(ip("192.0.2.7")));
        assert_eq!(a.get("dst_len"), Value::Int(32));
        assert_eq!(a.get("gateway"), Value::Ip(ip("10.0.0.1")));
        assert_eq!(a.get("dev"), Value::str("eth0"));
        assert_eq!(a.get("prefsrc"), Value::Ip(ip("10.0.0.5")));
        assert_eq!(a.refusal(), None);
    }

    #[test]
    fn a_local_destination_is_reached_through_loopback_from_itself() {
        let sim = RouteSim::new(host(), 0);
        let a = sim.route(&RouteQuery::to(ip("10.0.0.5"))).unwrap();
        assert_eq!(a.get("type"), Value::str("local"));
        assert_eq!(a.get("dev"), Value::str("lo"));
        assert_eq!(a.get("oif"), Value::Int(1));
        assert_eq!(a.get("prefsrc"), Value::Ip(ip("10.0.0.5")));
    }

    #[test]
    fn refusals_are_typed_errors_with_the_kernels_errno() {
        let sim = RouteSim::new(host(), 0);
        let mut q = RouteQuery::to(ip("192.0.2.7"));
        q.src = Some(ip("224.0.0.1"));
        let e = sim.route(&q).unwrap_err();
        assert_eq!(e.errno(), libc::EINVAL);
        assert_eq!(
            e.to_string(),
            "224.0.0.1 cannot be a source address (invalid argument)"
        );
        q.src = Some(ip("10.9.9.9"));
        assert_eq!(sim.route(&q).unwrap_err().errno(), libc::ENETUNREACH);
        let mut q = RouteQuery::to(ip("192.0.2.7"));
        q.oif = Some("eth9".into());
        assert_eq!(
            sim.route(&q).unwrap_err(),
            RouteError::NoDevice { dev: "eth9".into() }
        );

        let mut empty = host();
        empty.routes = Arc::new(routes(&[]));
        let sim = RouteSim::new(empty, 0);
        let e = sim.route(&RouteQuery::to(ip("192.0.2.7"))).unwrap_err();
        assert_eq!(e.errno(), libc::ENETUNREACH);
        assert_eq!(
            e.to_string(),
            "no route to 192.0.2.7 in the snapshot's rules and routes (network is unreachable)"
        );
    }

    #[test]
    fn a_kernel_refusal_is_explained_by_the_refusing_route() {
        let mut t = host();
        let s = Value::str;
        t.routes = Arc::new(routes(&[&[
            ("table", Value::Int(254)),
            ("type", s("prohibit")),
            ("dst", Value::Ip(ip("192.0.2.0"))),
            ("dst_len", Value::Int(24)),
        ]]));
        let sim = RouteSim::new(t, 0);
        let q = RouteQuery::to(ip("192.0.2.7"));
        let err = std::io::Error::from_raw_os_error(libc::EACCES);
        let a = sim.explain_refusal(&q, &err).unwrap();
        assert_eq!(a.refusal(), Some("prohibit"));
        let q = RouteQuery::to(ip("198.51.100.1"));
        let e = sim.explain_refusal(&q, &err).unwrap_err();
        assert_eq!(e.errno(), libc::EACCES);
        assert!(
            e.to_string()
                .starts_with("the kernel refused the lookup for 198.51.100.1 (permission denied")
        );
    }

    #[test]
    fn addresses_and_sysctls_are_loaded_once_and_only_when_needed() {
        use std::cell::RefCell;
        use std::rc::Rc;
        let mut t = host();
        let addresses = t.addresses.take();
        let asked = Rc::new(RefCell::new(Vec::<String>::new()));
        let log = Rc::clone(&asked);
        t.load = Some(Box::new(move |name| {
            log.borrow_mut().push(name.to_string());
            (name == "addresses").then(|| addresses.clone()).flatten()
        }));
        let s = Value::str;
        let mut routes = (*t.routes).clone();
        let mut d = Draft::blank();
        for (name, v) in [
            ("table", Value::Int(254)),
            ("type", s("prohibit")),
            ("dst", Value::Ip(ip("198.51.100.0"))),
            ("dst_len", Value::Int(24)),
        ] {
            d.set(name, v);
        }
        routes.push(d.values);
        t.routes = Arc::new(routes);
        let sim = RouteSim::new(t, 0);
        let refused = sim.route(&RouteQuery::to(ip("198.51.100.1"))).unwrap();
        assert_eq!(refused.refusal(), Some("prohibit"));
        assert!(
            asked.borrow().is_empty(),
            "a refusal needs no source address"
        );
        for _ in 0..2 {
            let a = sim.route(&RouteQuery::to(ip("192.0.2.7"))).unwrap();
            assert_eq!(a.get("prefsrc"), Value::Ip(ip("10.0.0.5")));
        }
        assert_eq!(*asked.borrow(), ["addresses", "sysctls"]);
    }
}
