//! `netstat -r`: the kernel routing tables in net-tools 2.10's layouts, from netpry's `routes`
//! table.
//!
//! net-tools reads `/proc/net/route` (IPv4: the main table only, without broadcast and
//! multicast routes, flags and metrics recomputed by the kernel) and `/proc/net/ipv6_route`
//! (IPv6: every table, each closed by its tree root, the "null entry", when the table has no
//! default route). This module derives the same row set, order and texts from the netlink
//! routes: [`ipv4_rows`] and [`ipv6_rows`] do the kernel's part, [`write_ipv4`] and
//! [`write_ipv6`] net-tools' part. Host names come from the files of the name service
//! (`/etc/hosts`, `/etc/networks`) through [`Names`].
//!
//! Files: this one reads the `routes` table and runs the passes; [`ipv4`] and [`ipv6`] own the
//! two tables' rows and layouts, [`resolve`] the name lookups, [`legacy`] the families netpry
//! has no tables for.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::catalog::Catalog;
use crate::model::Table;
use crate::tables::Request;
use crate::tables::ipv6_route::Ipv6RouteEntry;
use crate::tables::names::NetworkEntry;

mod ipv4;
mod ipv6;
mod legacy;
mod resolve;

pub use ipv4::*;
pub use ipv6::*;
use legacy::legacy_family;
pub use resolve::*;

/// What `netstat -r` was asked for; a getopt loop fills it field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteParams {
    /// Address families in the order given (`-A list`, `-4`, `-6`, `--inet`, ...), canonical
    /// net-tools names (`inet`, `inet6`, `unix`, `ipx`, `ax25`, `netrom`, `rose`, `x25`, `ddp`,
    /// `ec`, `ash`, `bluetooth`), duplicates kept; empty means the default `inet`.
    pub families: Vec<String>,
    /// `-n` or `--numeric-hosts`: print addresses, never names.
    pub numeric_hosts: bool,
    /// `-N` / `--symbolic`: in net-tools 2.10 this makes the route host columns numeric too.
    pub symbolic: bool,
    /// How many times `-e` was given (selects the IPv4 layout; see [`ipv4_layout`]).
    pub extend: u32,
    /// `-W`: accepted, no effect on routing tables.
    pub wide: bool,
    /// `-F` / `--fib`: print the forwarding table (the default when neither `-F` nor `-C`).
    pub fib: bool,
    /// `-C` / `--cache`: print the routing cache (after the FIB when `-F` is also given).
    pub cache: bool,
    /// `-v`: accepted, no effect on routing tables.
    pub verbose: bool,
    /// `-c`: repeat every second until killed (or until a pass fails).
    pub continuous: bool,
}

/// The IPv4 layout for an `-e` count: 2 (default: MSS, Window, irtt), 1 (`-e`: Metric, Ref,
/// Use), 3 (`-ee`: both), 0 (`-eee`: title only), then 1, 2, 3, 0, 1, ... (as net-tools 2.10
/// does: `-eeee` is `-e`, `-eeeee` the default).
pub fn ipv4_layout(extend: u32) -> u8 {
    match extend {
        0 => 2,
        1 => 1,
        2 => 3,
        k => ((k - 3) % 4) as u8,
    }
}

/// Runs `netstat -r`: prints each requested family's table; returns netstat's exit status
/// (0, 1 for a family without routes in this kernel, 3 for a family without routing).
pub fn routes(
    p: &RouteParams,
    cat: &Catalog,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let names = SystemNames::new(cat.name_files().networks());
    loop {
        let status = one_pass(p, cat, &names, out, err)?;
        out.flush()?;
        if status != 0 || !p.continuous {
            return Ok(status);
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        cat.refresh();
    }
}

fn one_pass(
    p: &RouteParams,
    cat: &Catalog,
    names: &dyn Names,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let default = ["inet".to_string()];
    let families: &[String] = if p.families.is_empty() {
        &default
    } else {
        &p.families
    };
    let fib = p.fib || !p.cache;
    let numeric = p.numeric_hosts || p.symbolic;
    let mut table: Option<Vec<Route>> = None;
    for fam in families {
        match fam.as_str() {
            "inet" | "inet6" => {
                if table.is_none() {
                    let mut problems = Vec::new();
                    match load(cat, families.iter().any(|f| f == "inet6"), &mut problems) {
                        Ok(t) => {
                            for p in problems {
                                writeln!(err, "netstat: {p} (read as 0)")?;
                            }
                            table = Some(t);
                        }
                        Err(e) => {
                            writeln!(err, "netstat: cannot read the routes table: {e}")?;
                            let what = if fam == "inet" {
                                "INET (IPv4)"
                            } else {
                                "INET6 (IPv6)"
                            };
                            writeln!(out, "{what} not configured in this system.")?;
                            return Ok(1);
                        }
                    }
                }
                let all = table.as_deref().unwrap_or(&[]);
                if fam == "inet" {
                    let ext = ipv4_layout(p.extend);
                    if fib {
                        write_ipv4(&ipv4_rows(all), ext, numeric, names, out)?;
                    }
                    if p.cache {
                        write_ipv4_cache(ext, out)?;
                    }
                } else {
                    if fib {
                        // The kernel's own entries give the counts `routes` cannot carry (each
                        // next hop's, the null entry's); a snapshot older than the table has
                        // none, and the counts are estimated.
                        let kernel = kernel_entries(cat);
                        let rows = ipv6_rows(all, kernel.as_deref());
                        write_ipv6(&rows, false, numeric, names, out)?;
                    }
                    if p.cache {
                        write_ipv6(&[], true, numeric, names, out)?;
                    }
                }
            }
            other => return legacy_family(other, out, err),
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Reading the routes table.

/// The `ipv6_route` table's entries, live or from a snapshot; `None` when a snapshot lacks the
/// table (made before it existed) or it cannot be read.
fn kernel_entries(cat: &Catalog) -> Option<Vec<Ipv6RouteEntry>> {
    if !cat.holds("ipv6_route") {
        return None;
    }
    let t = crate::netstat::bytewise_shared(cat.table("ipv6_route").ok()?);
    Some(crate::tables::ipv6_route::entries(&t))
}

/// Route types (rtnetlink `RTN_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteType {
    /// A gateway or direct route.
    Unicast,
    /// A local address.
    Local,
    /// A broadcast address.
    Broadcast,
    /// An anycast address.
    Anycast,
    /// A multicast route.
    Multicast,
    /// Silently drop.
    Blackhole,
    /// Answer "host unreachable".
    Unreachable,
    /// Answer "administratively prohibited".
    Prohibit,
    /// Continue the lookup in the next table.
    Throw,
    /// Anything else (nat, xresolve).
    Other,
}

impl RouteType {
    /// The type a `type` cell's text names (a name, or the kernel's number; empty is
    /// unicast).
    fn from_text(s: &str) -> RouteType {
        let code = match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => match s.to_ascii_lowercase().as_str() {
                "unicast" | "" => 1,
                "local" => 2,
                "broadcast" => 3,
                "anycast" => 4,
                "multicast" => 5,
                "blackhole" => 6,
                "unreachable" => 7,
                "prohibit" => 8,
                "throw" => 9,
                _ => 10,
            },
        };
        match code {
            1 => RouteType::Unicast,
            2 => RouteType::Local,
            3 => RouteType::Broadcast,
            4 => RouteType::Anycast,
            5 => RouteType::Multicast,
            6 => RouteType::Blackhole,
            7 => RouteType::Unreachable,
            8 => RouteType::Prohibit,
            9 => RouteType::Throw,
            _ => RouteType::Other,
        }
    }
}

/// One next hop of a route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hop {
    /// Gateway, if any.
    pub gateway: Option<IpAddr>,
    /// Output device name, if any.
    pub dev: Option<String>,
}

impl From<&crate::model::NextHop> for Hop {
    fn from(h: &crate::model::NextHop) -> Hop {
        Hop {
            gateway: h.gateway,
            dev: h.dev.clone(),
        }
    }
}

/// One route of the `routes` table, reduced to what netstat prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Whether this is an IPv6 route.
    pub v6: bool,
    /// Routing table id (254 main, 255 local).
    pub table: u32,
    /// Route type.
    pub kind: RouteType,
    /// Destination prefix address.
    pub dst: IpAddr,
    /// Destination prefix length.
    pub dst_len: u8,
    /// Next hops: one for a plain route, several for a multipath route.
    pub hops: Vec<Hop>,
    /// Priority (metric).
    pub metric: u32,
    /// Routing protocol (`kernel` for routes the kernel made itself).
    pub protocol: String,
    /// RTAX_ADVMSS metric (0 when unset).
    pub advmss: u32,
    /// RTAX_WINDOW metric (0 when unset).
    pub window: u32,
    /// RTAX_RTT metric in milliseconds, whole part (0 when unset).
    pub rtt_ms: u32,
    /// The kernel's reference count of an IPv6 route, when the table has one.
    pub refcnt: Option<u32>,
    /// The kernel's RTF_* flags of an IPv6 route, when the table has them (`rtf_flags`).
    pub rtf_flags: Option<u32>,
}

/// The routes of `table` (the `routes` table's rows in dump order, read through the shared
/// rows, [`crate::netstat::rows::route`]), a multipath route with its next hops from `hops`
/// (the `route_nexthops` table). A number out of its range (a prefix length above 32 or 128,
/// a table id above 2^32 in an edited snapshot) reads as 0 and is described in `problems`.
pub fn routes_of(table: &Table, hops: Option<&Table>, problems: &mut Vec<String>) -> Vec<Route> {
    crate::netstat::rows::route::routes(table, hops, problems)
        .into_iter()
        .map(|r| {
            let mut hops: Vec<Hop> = r.hops.iter().map(Hop::from).collect();
            if hops.is_empty() {
                hops.push(Hop {
                    gateway: r.gateway,
                    dev: r.dev,
                });
            }
            Route {
                v6: r.v6.unwrap_or(false),
                table: r.table,
                kind: RouteType::from_text(&r.kind),
                dst: r.dst,
                dst_len: r.dst_len,
                hops,
                metric: r.metric,
                protocol: if r.protocol == "2" {
                    "kernel".to_string()
                } else {
                    r.protocol
                },
                advmss: r.advmss,
                window: r.window,
                rtt_ms: r.rtt_ms,
                refcnt: r.refcnt,
                rtf_flags: r.rtf_flags,
            }
        })
        .collect()
}

/// Reads the routes table and its next hops (one dump, live); the IPv6 reference counts and
/// flags (a /proc read) only when IPv6 is shown.
fn load(cat: &Catalog, with_refcnt: bool, problems: &mut Vec<String>) -> crate::Result<Vec<Route>> {
    let req = if with_refcnt {
        Request::default()
    } else {
        let def = crate::tables::lookup("routes")?;
        let cols: Vec<&str> = (def.columns)()
            .iter()
            .map(|c| c.name.as_ref())
            .filter(|n| *n != "refcnt" && *n != "rtf_flags")
            .collect();
        Request::columns(&cols)
    };
    let (routes, hops) = cat.routes_and_hops(&req)?;
    let t = crate::netstat::bytewise_shared(routes);
    let hops = crate::netstat::bytewise_shared(hops);
    Ok(routes_of(&t, Some(&hops), problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    /// Names from a fixed list, like a namespace's `/etc/hosts` and `/etc/networks`.
    struct FakeNames;

    impl Names for FakeNames {
        fn host_v4(&self, a: Ipv4Addr) -> Option<String> {
            crate::tables::names::parse_hosts(
                "127.0.0.1 localhost\n192.0.2.1 gw.example gw\n10.80.1.1 far\n",
            )
            .into_iter()
            .find(|e| e.addr == IpAddr::V4(a))
            .map(|e| e.name)
        }
        fn net_v4(&self, net: u32) -> Option<String> {
            let entries = crate::tables::names::parse_networks(
                "default 0.0.0.0\nloopback 127.0.0.0\nlink-local 169.254.0.0\nshort 127\n",
            );
            network_name(&entries, net)
        }
        fn host_v6(&self, a: Ipv6Addr) -> Option<String> {
            (a == "fd00:1::2".parse::<Ipv6Addr>().unwrap()).then(|| "peer6".to_string())
        }
    }

    fn route(
        v6: bool,
        table: u32,
        kind: RouteType,
        dst: &str,
        gw: Option<&str>,
        dev: Option<&str>,
    ) -> Route {
        let (addr, len) = dst
            .split_once('/')
            .unwrap_or((dst, if v6 { "128" } else { "32" }));
        Route {
            v6,
            table,
            kind,
            dst: addr.parse().unwrap(),
            dst_len: len.parse().unwrap(),
            hops: vec![Hop {
                gateway: gw.map(|g| g.parse().unwrap()),
                dev: dev.map(String::from),
            }],
            metric: if v6 { 1024 } else { 0 },
            protocol: "boot".into(),
            advmss: 0,
            window: 0,
            rtt_ms: 0,
            refcnt: None,
            rtf_flags: None,
        }
    }

    /// The routes of the exploration namespace (see the module tests' expected texts).
    fn sample_v4() -> Vec<Route> {
        use RouteType::*;
        let mut v = vec![
            route(
                false,
                100,
                Unicast,
                "10.60.0.0/16",
                Some("10.1.0.2"),
                Some("veth0"),
            ),
            route(
                false,
                254,
                Unicast,
                "0.0.0.0/0",
                Some("10.1.0.2"),
                Some("veth0"),
            ),
            route(false, 254, Unicast, "10.1.0.0/24", None, Some("veth0")),
            route(false, 254, Unicast, "10.2.0.0/24", None, Some("ve.th1")),
            route(false, 254, Blackhole, "10.50.0.0/16", None, None),
            route(false, 254, Unreachable, "10.51.0.0/16", None, None),
            route(false, 254, Prohibit, "10.52.0.0/16", None, None),
            route(
                false,
                254,
                Unicast,
                "10.70.0.0/16",
                Some("10.1.0.2"),
                Some("veth0"),
            ),
            route(
                false,
                254,
                Unicast,
                "10.80.1.1/32",
                Some("10.1.0.2"),
                Some("veth0"),
            ),
            route(false, 254, Multicast, "224.1.0.0/16", None, Some("veth0")),
            route(false, 255, Local, "10.1.0.1/32", None, Some("veth0")),
            route(false, 255, Broadcast, "10.1.0.255/32", None, Some("veth0")),
        ];
        v[7].advmss = 1300;
        v[7].window = 65535;
        v[7].rtt_ms = 30;
        v[8].metric = 5;
        v
    }

    fn text(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn ipv4_default_layout_matches_netstat_rn() {
        let rows = ipv4_rows(&sample_v4());
        let got = text(|o| write_ipv4(&rows, ipv4_layout(0), true, &FakeNames, o));
        assert_eq!(
            got,
            "Kernel IP routing table
Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface
0.0.0.0         10.1.0.2        0.0.0.0         UG        0 0          0 veth0
10.1.0.0        0.0.0.0         255.255.255.0   U         0 0          0 veth0
10.2.0.0        0.0.0.0         255.255.255.0   U         0 0          0 ve.th1
10.50.0.0       0.0.0.0         255.255.0.0     U         0 0          0 *
10.51.0.0       -               255.255.0.0     !         - -          - -
10.52.0.0       -               255.255.0.0     !         - -          - -
10.70.0.0       10.1.0.2        255.255.0.0     UG     1340 65535     30 veth0
10.80.1.1       10.1.0.2        255.255.255.255 UGH       0 0          0 veth0
"
        );
    }

    #[test]
    fn ipv4_extend_levels_match_netstat_rne_rnee_rneee() {
        let rows = ipv4_rows(&sample_v4());
        let e1 = text(|o| write_ipv4(&rows, ipv4_layout(1), true, &FakeNames, o));
        assert_eq!(
            e1,
            "Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         10.1.0.2        0.0.0.0         UG    0      0        0 veth0
10.1.0.0        0.0.0.0         255.255.255.0   U     0      0        0 veth0
10.2.0.0        0.0.0.0         255.255.255.0   U     0      0        0 ve.th1
10.50.0.0       0.0.0.0         255.255.0.0     U     0      0        0 *
10.51.0.0       -               255.255.0.0     !     0      -        0 -
10.52.0.0       -               255.255.0.0     !     0      -        0 -
10.70.0.0       10.1.0.2        255.255.0.0     UG    0      0        0 veth0
10.80.1.1       10.1.0.2        255.255.255.255 UGH   5      0        0 veth0
"
        );
        let e2 = text(|o| write_ipv4(&rows, ipv4_layout(2), true, &FakeNames, o));
        assert_eq!(
            e2,
            "Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt
0.0.0.0         10.1.0.2        0.0.0.0         UG    0      0        0 veth0    0     0      0
10.1.0.0        0.0.0.0         255.255.255.0   U     0      0        0 veth0    0     0      0
10.2.0.0        0.0.0.0         255.255.255.0   U     0      0        0 ve.th1   0     0      0
10.50.0.0       0.0.0.0         255.255.0.0     U     0      0        0 *        0     0      0
10.51.0.0       -               255.255.0.0     !     0      -        0 -        -     -      -
10.52.0.0       -               255.255.0.0     !     0      -        0 -        -     -      -
10.70.0.0       10.1.0.2        255.255.0.0     UG    0      0        0 veth0    1340  65535  30
10.80.1.1       10.1.0.2        255.255.255.255 UGH   5      0        0 veth0    0     0      0
"
        );
        let e3 = text(|o| write_ipv4(&rows, ipv4_layout(3), true, &FakeNames, o));
        assert_eq!(e3, "Kernel IP routing table\n");
        let seq: Vec<u8> = (0..10).map(ipv4_layout).collect();
        assert_eq!(
            seq,
            [2, 1, 3, 0, 1, 2, 3, 0, 1, 2],
            "as observed with netstat -rn -e...e"
        );
    }

    #[test]
    fn ipv4_symbolic_names_follow_the_spec_sample() {
        use RouteType::*;
        let mut routes = vec![
            route(
                false,
                254,
                Unicast,
                "0.0.0.0/0",
                Some("192.0.2.1"),
                Some("eth0"),
            ),
            route(false, 254, Unicast, "127.0.0.0/8", None, Some("lo")),
            route(false, 254, Unicast, "169.254.0.0/16", None, Some("eth0")),
            route(
                false,
                254,
                Unicast,
                "10.1.2.3/32",
                Some("192.0.2.1"),
                Some("eth0"),
            ),
            route(false, 254, Unreachable, "10.0.0.0/8", None, None),
            route(
                false,
                254,
                Unicast,
                "0.0.0.0/8",
                Some("127.0.0.1"),
                Some("a-very-long-name"),
            ),
            route(false, 254, Unicast, "10.80.1.1/32", None, Some("eth0")),
        ];
        routes[2].advmss = 1460;
        routes[2].window = 64;
        routes[2].rtt_ms = 300;
        let rows = ipv4_rows(&routes);
        let got = text(|o| write_ipv4(&rows, 2, false, &FakeNames, o));
        assert_eq!(
            got,
            "Kernel IP routing table
Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface
default         gw.example      0.0.0.0         UG        0 0          0 eth0
loopback        0.0.0.0         255.0.0.0       U         0 0          0 lo
link-local      0.0.0.0         255.255.0.0     U      1500 64       300 eth0
10.1.2.3        gw.example      255.255.255.255 UGH       0 0          0 eth0
10.0.0.0        -               255.0.0.0       !         - -          - -
0.0.0.0         localhost       255.0.0.0       UG        0 0          0 a-very-long-name
far             0.0.0.0         255.255.255.255 UH        0 0          0 eth0
"
        );
        let ee = text(|o| write_ipv4(&rows[5..6], 3, false, &FakeNames, o));
        assert!(ee.ends_with("0.0.0.0         localhost       255.0.0.0       UG    0      0        0 a-very   0     0      0\n"), "{ee}");
    }

    #[test]
    fn ipv4_cache_headers() {
        assert_eq!(
            text(|o| write_ipv4_cache(2, o)),
            "Kernel IP routing cache\nSource          Destination     Gateway         Flags   MSS Window  irtt Iface\n"
        );
        assert_eq!(
            text(|o| write_ipv4_cache(1, o)),
            "Kernel IP routing cache\nSource          Destination     Gateway         Flags Metric Ref    Use Iface\n"
        );
        assert!(
            text(|o| write_ipv4_cache(3, o)).ends_with("irtt  TOS HHRef HHUptod     SpecDst\n")
        );
        assert_eq!(
            text(|o| write_ipv4_cache(0, o)),
            "Kernel IP routing cache\n"
        );
    }

    fn sample_v6() -> Vec<Route> {
        use RouteType::*;
        let mut v = vec![
            route(
                true,
                100,
                Unicast,
                "fd00:60::/64",
                Some("fd00:1::2"),
                Some("veth0"),
            ),
            route(true, 254, Unicast, "fd00:1::/64", None, Some("veth0")),
            route(true, 254, Unreachable, "fd00:99::/64", None, Some("lo")),
            route(true, 254, Unicast, "fe80::/64", None, Some("veth0")),
            route(true, 254, Unicast, "::/0", Some("fd00:1::2"), Some("veth0")),
            route(true, 255, Local, "::1/128", None, Some("lo")),
            route(true, 255, Local, "fd00:1::1/128", None, Some("veth0")),
            route(true, 255, Multicast, "ff00::/8", None, Some("veth0")),
        ];
        for r in &mut v[1..] {
            if r.table != 100 && r.kind != Unreachable && r.hops[0].gateway.is_none() {
                r.protocol = "kernel".into();
            }
        }
        v[1].metric = 256;
        v[3].metric = 256;
        v[5].metric = 0;
        v[6].metric = 0;
        v[7].metric = 256;
        v[1].refcnt = Some(3);
        v[6].refcnt = Some(3);
        v[7].refcnt = Some(4);
        v
    }

    #[test]
    fn ipv6_rows_add_null_entries_and_kernel_flags() {
        let rows = ipv6_rows(&sample_v6(), None);
        let got = text(|o| write_ipv6(&rows, false, true, &FakeNames, o));
        assert_eq!(
            got,
            "Kernel IPv6 routing table
Destination                    Next Hop                   Flag Met Ref  Use If
fd00:60::/64                   fd00:1::2                  UG   1024 1      0 veth0
::/0                           ::                         !n   -1  1      0 lo
fd00:1::/64                    ::                         U    256 3      0 veth0
fd00:99::/64                   ::                         !n   1024 1      0 lo
fe80::/64                      ::                         U    256 1      0 veth0
::/0                           fd00:1::2                  UG   1024 1      0 veth0
::1/128                        ::                         Un   0   2      0 lo
fd00:1::1/128                  ::                         Un   0   3      0 veth0
ff00::/8                       ::                         U    256 4      0 veth0
::/0                           ::                         !n   -1  1      0 lo
"
        );
        let sym = text(|o| write_ipv6(&rows, false, false, &FakeNames, o));
        assert!(sym.contains(
            "\nfd00:60::/64                   peer6                      UG   1024 1      0 veth0\n"
        ));
        assert!(sym.contains(
            "\n[::]/0                         [::]                       !n   -1  1      0 lo\n"
        ));
        let cache = text(|o| write_ipv6(&rows, true, true, &FakeNames, o));
        assert_eq!(
            cache,
            "Kernel IPv6 routing cache\nDestination                    Next Hop                   Flag Met Ref  Use If\n"
        );
    }

    #[test]
    fn ipv6_empty_namespace_has_two_null_entries() {
        let rows = ipv6_rows(&[], None);
        assert_eq!(rows.len(), 2);
        let only_local = vec![route(
            true,
            255,
            RouteType::Local,
            "::1/128",
            None,
            Some("lo"),
        )];
        let rows = ipv6_rows(&only_local, None);
        assert_eq!(
            rows.iter().map(|r| r.iface.as_str()).collect::<Vec<_>>(),
            ["lo", "lo", "lo"]
        );
        assert_eq!(rows[0].metric, u32::MAX, "main's root first");
        assert_eq!(rows[1].dst, "::1".parse::<Ipv6Addr>().unwrap());
    }

    /// Hops through `gateways`, all on veth0.
    fn hops_of(gateways: &[&str]) -> Vec<Hop> {
        gateways
            .iter()
            .map(|g| Hop {
                gateway: Some(g.parse().unwrap()),
                dev: Some("veth0".into()),
            })
            .collect()
    }

    #[test]
    fn ipv6_multipath_and_lo_routes() {
        use RouteType::*;
        let mut mp = route(true, 254, Unicast, "fd00:59::/64", None, None);
        mp.hops = hops_of(&["fd00:1::2", "fd00:1::3"]);
        let lo = route(true, 254, Unicast, "fd00:58::/64", None, Some("lo"));
        let user_local = route(true, 255, Local, "fd00:5d::1/128", None, Some("veth0"));
        let rows = ipv6_rows(&[lo, mp, user_local], None);
        let flags: Vec<String> = rows.iter().map(|r| ipv6_flags(r.flags)).collect();
        assert_eq!(flags, ["!n", "UG", "UG", "!n", "U", "!n"]);
        assert_eq!(rows[2].next_hop, "fd00:1::3".parse::<Ipv6Addr>().unwrap());
    }

    #[test]
    fn ipv6_counts_come_from_the_column_then_the_kernel_then_an_estimate() {
        use RouteType::*;
        let mut mp = route(true, 254, Unicast, "fd00:59::/64", None, None);
        mp.hops = hops_of(&["fd00:1::2", "fd00:1::3"]);
        mp.refcnt = Some(3);
        let mut single = route(
            true,
            254,
            Unicast,
            "fd00:60::/64",
            Some("fd00:1::2"),
            Some("veth0"),
        );
        single.refcnt = Some(7);
        let mut local = route(true, 255, Local, "::1/128", None, Some("lo"));
        local.protocol = "kernel".into();
        local.metric = 0;
        let routes = [mp, single, local];
        // The kernel's own lines (a different count for `single`: the column wins).
        let kernel = crate::tables::ipv6_route::parse_file(
            "fd000059000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000002 00000000 00000003    veth0
fd000059000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000003 00000400 00000001 00000000 00000003    veth0
fd000060000000000000000000000000 40 00000000000000000000000000000000 00 fd000001000000000000000000000002 00000400 00000009 00000000 00000003    veth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000003 00000000 00200200       lo
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000006 00000000 80200001       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000003 00000000 00200200       lo
",
        );
        let refs = |k: Option<&[Ipv6RouteEntry]>| -> Vec<u32> {
            ipv6_rows(&routes, k).iter().map(|r| r.refcnt).collect()
        };
        // mp hop 1, mp hop 2, single, main's null entry, local ::1, local's null entry.
        assert_eq!(refs(Some(&kernel)), [2, 1, 7, 3, 6, 3]);
        assert_eq!(refs(None), [1, 1, 7, 1, 2, 1]);
    }

    #[test]
    fn flag_letters() {
        assert_eq!(ipv4_flags(0x1 | 0x2 | 0x4), "UGH");
        assert_eq!(ipv4_flags(0x1 | 0x2 | 0x200), "!");
        assert_eq!(ipv4_flags(0x1 | 0x200 | 0x4 | 0x400), "!Hn");
        assert_eq!(ipv6_flags(0x1 | 0x200000), "Un");
        assert_eq!(
            ipv6_flags(0x1 | 0x2 | 0x10000 | 0x40000 | 0x400000),
            "UGDAe"
        );
    }

    #[test]
    fn glibc_ntop_and_getnetbyaddr() {
        assert_eq!(ntop6("::1.2.3.4".parse().unwrap()), "::1.2.3.4");
        assert_eq!(ntop6("::1".parse().unwrap()), "::1");
        assert_eq!(ntop6("::ffff:1.2.3.4".parse().unwrap()), "::ffff:1.2.3.4");
        assert_eq!(ntop6("fd00::1".parse().unwrap()), "fd00::1");
        let nets = crate::tables::names::parse_networks("short 127\nloopback 127.0.0.0\n");
        assert_eq!(network_name(&nets, 0x7f).as_deref(), Some("short"));
        assert_eq!(
            network_name(&nets, 0x7f00_0000).as_deref(),
            Some("loopback")
        );
        assert_eq!(network_name(&nets, 0x0a00_0000), None);
    }

    #[test]
    fn routes_of_reads_cells_by_name_and_checks_numbers() {
        use crate::model::{Column, Type};
        let cols = vec![
            Column::new("table", Type::Int, "t"),
            Column::new("family", Type::Str, "f"),
            Column::new("type", Type::Str, "t"),
            Column::new("dst", Type::Ip, "d"),
            Column::new("dst_len", Type::Int, "l"),
            Column::new("gateway", Type::Ip, "g"),
            Column::new("dev", Type::Str, "d"),
            Column::new("rtt_ms", Type::Int, "r"),
        ];
        let mut t = Table::new("routes", cols);
        t.push([
            Value::Int(254),
            Value::str("inet"),
            Value::str("unicast"),
            Value::Ip("10.0.0.0".parse().unwrap()),
            Value::Int(8),
            Value::Ip("10.0.0.1".parse().unwrap()),
            Value::str("eth0"),
            Value::Int(30),
        ]);
        t.push([
            Value::Int(255),
            Value::str("inet6"),
            Value::str("local"),
            Value::Null,
            Value::Int(0),
            Value::Null,
            Value::Null,
            Value::Null,
        ]);
        t.push([
            Value::Int(1 << 33),
            Value::str("inet"),
            Value::str("unicast"),
            Value::Ip("10.9.0.0".parse().unwrap()),
            Value::Int(33),
            Value::Null,
            Value::Null,
            Value::Float(30.0),
        ]);
        let mut problems = Vec::new();
        let r = routes_of(&t, None, &mut problems);
        assert_eq!(r[0].rtt_ms, 30);
        assert_eq!((r[2].table, r[2].dst_len, r[2].rtt_ms), (254, 0, 0));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("table 8589934592"), "{problems:?}");
        assert!(problems[1].contains("dst_len 33 is out of range for 0-32"));
        assert_eq!(r[0].hops[0].dev.as_deref(), Some("eth0"));
        assert!(r[1].v6 && r[1].dst == IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert_eq!(r[1].kind, RouteType::Local);
    }

    #[test]
    fn legacy_families_print_what_net_tools_prints() {
        let run = |f: &str| {
            let (mut o, mut e) = (Vec::new(), Vec::new());
            let rc = legacy_family(f, &mut o, &mut e).unwrap();
            (
                rc,
                String::from_utf8(o).unwrap(),
                String::from_utf8(e).unwrap(),
            )
        };
        assert_eq!(
            run("unix"),
            (
                3,
                String::new(),
                "No routing for address family `unix'.\n".into()
            )
        );
        assert_eq!(
            run("bluetooth"),
            (
                3,
                String::new(),
                "Address family `bluetooth' not supported.\n".into()
            )
        );
        assert_eq!(
            run("x25"),
            (
                1,
                "X.25 not configured in this system.\n".into(),
                String::new()
            )
        );
        assert_eq!(run("rose").1, "");
    }
}
