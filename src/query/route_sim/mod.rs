//! Route simulation over stored tables: the route the kernel would choose for locally
//! generated traffic, found without asking a kernel. Plain Rust over `model::Table`s, usable
//! from scripts (`route_get`), the CLI or netstat alike:
//! - [`RouteIndex`] (`lookup`): the policy rules walked in priority order and, in each table
//!   a rule names, the longest matching prefix;
//! - [`SourceSelector`] (`source`): the source address the kernel picks for a route that
//!   names none;
//! - [`RouteSim::route`] (`complete`): the answer completed as the kernel completes an output
//!   route (a host prefix naming the destination, the loopback device for a local
//!   destination, broadcast and multicast types, the next hop on a named device), or a
//!   [`RouteError`] saying why the kernel would refuse the lookup, with its errno.
//!
//! [`RouteSim`] takes the tables it needs in a [`RouteTables`] and reads them once; each
//! answer then costs a few hash probes per rule.

mod complete;
mod lookup;
mod source;

use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

pub use complete::{RouteAnswer, route_columns};
pub use lookup::{Decision, RouteIndex};
pub use source::SourceSelector;

use crate::model::{Cols, Table, Value};

/// Reads a table by name when a lookup first needs it (`addresses`, `sysctls`); `None` when
/// there is none.
pub type LoadTable = Box<dyn Fn(&str) -> Option<Arc<Table>>>;

/// The tables a route simulation reads. Only `routes` is required: without rules the
/// kernel's built-in rules (local, main, default) are walked, without interfaces the loopback
/// device is `lo` and no device is known by name, without addresses no source address is
/// chosen and any source is taken as this host's, without sysctls no device prefers
/// temporary IPv6 addresses.
pub struct RouteTables {
    /// The `routes` table.
    pub routes: Arc<Table>,
    /// The `route_nexthops` table: the next hops of multipath routes (without it, a
    /// multipath route has no device to match or complete an answer with).
    pub nexthops: Option<Arc<Table>>,
    /// The `rules` table.
    pub rules: Option<Arc<Table>>,
    /// The `interfaces` table (`index`, `name`, `flags_raw`, `group`).
    pub interfaces: Option<Arc<Table>>,
    /// The `addresses` table.
    pub addresses: Option<Arc<Table>>,
    /// The `sysctls` table (`name`, `value`): `net.ipv6.conf.DEV.use_tempaddr`.
    pub sysctls: Option<Arc<Table>>,
    /// The tables are a snapshot's (an error about "no route" says so).
    pub from_snapshot: bool,
    /// Reads `addresses` or `sysctls`, when that field is `None`, on the first lookup that
    /// needs it (a live catalog then collects them only for a lookup that needs them).
    pub load: Option<LoadTable>,
}

/// Why a lookup has no route: the kernel's refusal, with the errno it would return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// The query names an output device the interfaces table does not hold (`ENODEV`).
    #[error("no device named '{dev}'")]
    NoDevice {
        /// The device asked for.
        dev: String,
    },
    /// The query's output device is down (`ENETUNREACH`).
    #[error("no route to {dst} through {dev}: the device is down (network is unreachable)")]
    DeviceDown {
        /// The destination.
        dst: IpAddr,
        /// The device asked for.
        dev: String,
    },
    /// An IPv4 source that cannot send: multicast, broadcast or in 0.0.0.0/8 (`EINVAL`).
    #[error("{src} cannot be a source address (invalid argument)")]
    BadSource {
        /// The source asked for.
        src: Ipv4Addr,
    },
    /// An IPv4 source that is not one of this host's addresses (`ENETUNREACH`).
    #[error(
        "no route to {dst} from {src}: {src} is not an address of this host (network is unreachable)"
    )]
    NotLocal {
        /// The destination.
        dst: IpAddr,
        /// The source asked for.
        src: Ipv4Addr,
    },
    /// A loopback source on a route leaving through another device (`EINVAL`).
    #[error("a loopback source ({src}) cannot leave through {dev} (invalid argument)")]
    LoopbackSource {
        /// The source asked for.
        src: Ipv4Addr,
        /// The route's device.
        dev: String,
    },
    /// No rule's table has a route (`ENETUNREACH`).
    #[error(
        "no route to {dst} in {} rules and routes (network is unreachable)",
        if *from_snapshot { "the snapshot's" } else { "the" }
    )]
    NoRoute {
        /// The destination.
        dst: IpAddr,
        /// The tables were a snapshot's.
        from_snapshot: bool,
    },
    /// The kernel said there is no route, and the walk found none either (`ENETUNREACH`).
    #[error("no route to {dst} (the kernel says: {said})")]
    KernelNoRoute {
        /// The destination.
        dst: IpAddr,
        /// The kernel's error, as text.
        said: String,
    },
    /// The kernel refused the lookup and the walk found no refusing route or rule to show.
    #[error("the kernel refused the lookup for {dst} ({}): {said}", refusal_meaning(*errno))]
    KernelRefused {
        /// The destination.
        dst: IpAddr,
        /// The kernel's errno (`EINVAL`, `EHOSTUNREACH`, `EACCES`).
        errno: i32,
        /// The kernel's error, as text.
        said: String,
    },
}

impl RouteError {
    /// The errno the kernel returns for this refusal (a libc constant).
    pub fn errno(&self) -> i32 {
        match self {
            RouteError::NoDevice { .. } => libc::ENODEV,
            RouteError::BadSource { .. } | RouteError::LoopbackSource { .. } => libc::EINVAL,
            RouteError::DeviceDown { .. }
            | RouteError::NotLocal { .. }
            | RouteError::NoRoute { .. }
            | RouteError::KernelNoRoute { .. } => libc::ENETUNREACH,
            RouteError::KernelRefused { errno, .. } => *errno,
        }
    }
}

/// What a kernel refusal with `errno` means for a route lookup.
fn refusal_meaning(errno: i32) -> &'static str {
    match errno {
        libc::EHOSTUNREACH => "no route to host: an unreachable route covers it",
        libc::EACCES => "permission denied: a prohibit route or rule covers it",
        _ => "invalid argument: a blackhole route or rule covers it",
    }
}

/// A route simulation over one namespace's tables, read once ([`RouteSim::new`]) and asked
/// per query ([`RouteSim::route`]).
pub struct RouteSim {
    tables: RouteTables,
    /// The addresses table, once needed.
    addresses: OnceCell<Option<Arc<Table>>>,
    /// The sysctls table, once needed.
    sysctls: OnceCell<Option<Arc<Table>>>,
    index: RouteIndex,
    /// The user lookups are made for when the query names none.
    uid: u32,
    /// Built on the first lookup that needs a source address.
    sources: OnceCell<Option<SourceSelector>>,
}

impl RouteSim {
    /// Reads `tables` for lookups made by user `uid` (the uid a query without one sends as).
    pub fn new(tables: RouteTables, uid: u32) -> RouteSim {
        let index = RouteIndex::new(
            &tables.routes,
            tables.nexthops.as_deref(),
            tables.rules.as_deref(),
            tables.interfaces.as_deref(),
        );
        RouteSim {
            tables,
            addresses: OnceCell::new(),
            sysctls: OnceCell::new(),
            index,
            uid,
            sources: OnceCell::new(),
        }
    }

    /// Out-of-range cells met while reading the tables (each read as unset).
    pub fn problems(&self) -> &[String] {
        self.index.problems()
    }

    /// The table `given`, else `name` read by the loader, once.
    fn optional<'s>(
        &'s self,
        cell: &'s OnceCell<Option<Arc<Table>>>,
        given: &Option<Arc<Table>>,
        name: &str,
    ) -> Option<&'s Arc<Table>> {
        cell.get_or_init(|| {
            given
                .clone()
                .or_else(|| self.tables.load.as_ref().and_then(|load| load(name)))
        })
        .as_ref()
    }

    /// The addresses table, if any.
    fn addresses(&self) -> Option<&Arc<Table>> {
        self.optional(&self.addresses, &self.tables.addresses, "addresses")
    }

    /// The sysctls table, if any.
    fn sysctls(&self) -> Option<&Arc<Table>> {
        self.optional(&self.sysctls, &self.tables.sysctls, "sysctls")
    }

    /// The source selector over the addresses; `None` without an addresses table. A device
    /// prefers temporary IPv6 addresses when its `use_tempaddr` sysctl is 2 or more.
    fn sources(&self) -> Option<&SourceSelector> {
        self.sources
            .get_or_init(|| {
                let addresses = self.addresses()?;
                let temp = self.tempaddr_devices();
                Some(SourceSelector::new(addresses, &|ix| temp.contains(&ix)))
            })
            .as_ref()
    }

    /// Indexes of the devices whose `net.ipv6.conf.DEV.use_tempaddr` is 2 or more.
    fn tempaddr_devices(&self) -> Vec<i64> {
        let Some(ifs) = &self.tables.interfaces else {
            return Vec::new();
        };
        let Some(sysctls) = self.sysctls() else {
            return Vec::new();
        };
        let sc = Cols::new(sysctls, &["name", "value"]);
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

    /// Whether `addr` is one of this host's addresses (true without an addresses table to
    /// tell).
    fn owns(&self, addr: IpAddr) -> bool {
        let Some(t) = self.addresses() else {
            return true;
        };
        let c = Cols::new(t, &["addr"]);
        if !c.has(0) {
            return true;
        }
        (0..c.len()).any(|r| c.ip(r, 0) == Some(addr))
    }

    /// The row of the device named `name` in the interfaces table, read through `c`
    /// (columns `index`, `name`, `flags_raw`).
    fn device_row(&self, name: &str) -> Option<(Cols<'_>, usize)> {
        let t = self.tables.interfaces.as_ref()?;
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
