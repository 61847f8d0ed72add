//! The catalog: where a command gets its tables, live from the kernel or from a snapshot.
//!
//! Within one catalog each full table is collected at most once (cached until
//! [`Catalog::refresh`]), so one evaluation sees one consistent view and never pays for a table
//! it does not use. Projected or filtered requests ([`Catalog::collect`]) bypass the cache and
//! collect only what they ask for.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::model::{Column, Table, Type, Value};
use crate::namespaces::{self, Target};
use crate::snapshot::{Snapshot, SnapshotInfo};
use crate::tables::{self, Notes, Request, TABLES};

/// Where tables come from.
#[derive(Debug)]
enum Origin {
    Live,
    Snapshot(Snapshot),
    /// Many snapshots: every table the union of theirs ([`crate::fleet`]).
    Fleet(crate::fleet::Fleet),
}

/// Tables for one command, one REPL evaluation, or one script run.
#[derive(Debug)]
pub struct Catalog {
    origin: Origin,
    /// The snapshot file, when read from one (for messages).
    source: Option<std::path::PathBuf>,
    cache: Mutex<HashMap<&'static str, Arc<Table>>>,
    notes: Notes,
    /// Live: read every one of these namespaces (`--all-netns`); `None` reads the current one.
    every: Option<Vec<Target>>,
    /// Snapshot: keep only the rows of this namespace (`--netns` on a snapshot).
    only: Option<u64>,
}

/// Tables that are the same from every namespace, collected once under `--all-netns`.
const HOST_WIDE: &[&str] = &["processes", "netns", "slabs", "name_files"];

impl Catalog {
    /// A catalog reading the running kernel.
    pub fn live() -> Catalog {
        Catalog {
            origin: Origin::Live,
            source: None,
            cache: Mutex::default(),
            notes: Notes::default(),
            every: None,
            only: None,
        }
    }

    /// A catalog reading the snapshot file at `path`.
    pub fn open_snapshot(path: &Path) -> Result<Catalog> {
        let mut cat = Catalog::from_snapshot(Snapshot::load(path)?);
        cat.source = Some(path.to_path_buf());
        Ok(cat)
    }

    /// A catalog over an already loaded snapshot.
    pub fn from_snapshot(snap: Snapshot) -> Catalog {
        Catalog {
            origin: Origin::Snapshot(snap),
            source: None,
            cache: Mutex::default(),
            notes: Notes::default(),
            every: None,
            only: None,
        }
    }

    /// A catalog over many snapshots: each table the union of theirs, with `host` and
    /// `snapshot_time` columns ([`crate::fleet`]).
    pub fn open_fleet(specs: &[std::path::PathBuf]) -> Result<Catalog> {
        Ok(Catalog {
            origin: Origin::Fleet(crate::fleet::Fleet::open(specs)?),
            ..Catalog::live()
        })
    }

    /// The fleet being read, when reading many snapshots.
    pub fn fleet(&self) -> Option<&crate::fleet::Fleet> {
        match &self.origin {
            Origin::Fleet(f) => Some(f),
            _ => None,
        }
    }

    /// A live catalog reading every namespace in `targets`, each table's rows tagged with their
    /// namespace's inode in a `netns` column (added where the table has none).
    pub fn live_every(targets: Vec<Target>) -> Catalog {
        Catalog {
            every: Some(targets),
            ..Catalog::live()
        }
    }

    /// Keeps only the rows of namespace `inode` (for a snapshot taken with `--all-netns`).
    pub fn only_netns(mut self, inode: u64) -> Catalog {
        self.only = Some(inode);
        self
    }

    /// Provenance of the snapshot, when reading one.
    pub fn snapshot_info(&self) -> Option<&SnapshotInfo> {
        match &self.origin {
            Origin::Live => None,
            Origin::Snapshot(s) => Some(&s.info),
            Origin::Fleet(f) => Some(f.summary()),
        }
    }

    /// Whether table `name` can be read with rows: always when live; from a snapshot, when the
    /// snapshot holds it (a snapshot from an older netpry may lack newer tables).
    pub fn holds(&self, name: &str) -> bool {
        match &self.origin {
            Origin::Live | Origin::Fleet(_) => true,
            Origin::Snapshot(s) => s.tables.contains_key(name),
        }
    }

    /// Why table `name` is missing from the snapshot being read, as the snapshot recorded it
    /// when it could not collect the table; `None` when live, present, or not recorded.
    pub fn missing_reason(&self, name: &str) -> Option<String> {
        match &self.origin {
            Origin::Snapshot(s) if !s.tables.contains_key(name) => s
                .errors
                .get(name)
                .map(|why| format!("the snapshot has no {name} table ({why})")),
            _ => None,
        }
    }

    /// "the snapshot FILE" (or "the snapshot" when it was not read from a file), for messages.
    fn snapshot_name(&self) -> String {
        match &self.source {
            Some(p) => format!(
                "the snapshot {}",
                crate::model::escape_bounded(p.as_os_str().as_encoded_bytes(), 200)
            ),
            None => "the snapshot".to_string(),
        }
    }

    /// When reading a snapshot whose table `table` holds rows but lacks `col`, a column the
    /// registry has (the snapshot was saved by an older netpry, or edited): a sentence saying
    /// so, for error messages. `None` when live, or when the column is there or unknown.
    pub fn missing_column(&self, table: &str, col: &str) -> Option<String> {
        let Origin::Snapshot(s) = &self.origin else {
            return None;
        };
        let def = tables::lookup(table).ok()?;
        let stored = s.tables.get(def.name)?;
        let known = (def.columns)().iter().any(|c| c.name == col);
        (known && stored.column_index(col).is_none()).then(|| {
            format!(
                "column '{col}' is missing from {}: its {} table was saved without it (by an older netpry, or edited)",
                self.snapshot_name(),
                def.name
            )
        })
    }

    /// When reading a snapshot whose table `table` holds rows but lacks some of `cols`, columns
    /// of the registry (they show as null in a projection): a note naming the table and those
    /// columns.
    pub fn missing_columns_note(&self, table: &str, cols: &[String]) -> Option<String> {
        let Origin::Snapshot(s) = &self.origin else {
            return None;
        };
        let def = tables::lookup(table).ok()?;
        let stored = s.tables.get(def.name)?;
        let schema = (def.columns)();
        let missing: Vec<&str> = cols
            .iter()
            .map(String::as_str)
            .filter(|c| stored.column_index(c).is_none() && schema.iter().any(|k| k.name == *c))
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "{}: its {} table was saved without {} (by an older netpry, or edited): shown as null",
                self.snapshot_name(),
                def.name,
                missing.join(", ")
            )
        })
    }

    /// Notes gathered while collecting (print them with [`Notes::take`]).
    pub fn notes(&self) -> &Notes {
        &self.notes
    }

    /// The whole table `name`, collected once and shared.
    pub fn table(&self, name: &str) -> Result<Arc<Table>> {
        let def = tables::lookup(name)?;
        if let Some(t) = self.lock().get(def.name) {
            return Ok(Arc::clone(t));
        }
        if self.one_route_dump() && ["routes", "route_nexthops"].contains(&def.name) {
            // Both come from one dump: collecting either caches the other.
            let (routes, hops) = self.routes_and_hops(&Request::default())?;
            return Ok(if def.name == "routes" { routes } else { hops });
        }
        // A snapshot's table is shared as it is: a whole-table request neither restricts nor
        // projects it, and copying a large table would double its memory.
        let t = match &self.origin {
            Origin::Snapshot(s) if s.tables.contains_key(def.name) && self.only.is_none() => {
                Arc::clone(&s.tables[def.name])
            }
            Origin::Fleet(f) => Arc::new(f.union(def.name, &self.notes)?),
            _ => Arc::new(self.collect(name, &Request::default())?),
        };
        self.lock().insert(def.name, Arc::clone(&t));
        Ok(t)
    }

    /// Whether `routes` and `route_nexthops` are read from the kernel here in one dump (live,
    /// in one namespace; under `--all-netns` each is collected in every namespace on its own).
    fn one_route_dump(&self) -> bool {
        matches!(self.origin, Origin::Live) && self.every.is_none()
    }

    /// `routes` as `req` asks for it, and the whole `route_nexthops` table that reads its
    /// multipath routes' next hops ([`tables::route_nexthops::RouteHops`]). Live, both come
    /// from one route dump (no second kernel pass), and a whole `routes` and the hops are
    /// cached like [`Catalog::table`]'s; otherwise each is read as [`Catalog::collect`] and
    /// [`Catalog::table`] read it.
    pub fn routes_and_hops(&self, req: &Request) -> Result<(Arc<Table>, Arc<Table>)> {
        if !self.one_route_dump() {
            let routes = match req.columns {
                None => self.table("routes")?,
                Some(_) => Arc::new(self.collect("routes", req)?),
            };
            return Ok((routes, self.table("route_nexthops")?));
        }
        let whole = req.columns.is_none();
        {
            let cache = self.lock();
            if let (Some(r), Some(h), true) =
                (cache.get("routes"), cache.get("route_nexthops"), whole)
            {
                return Ok((Arc::clone(r), Arc::clone(h)));
            }
        }
        tables::check_columns(tables::lookup("routes")?, req)?;
        let (routes, hops) = tables::routes::collect_with_hops(req)?;
        let (routes, hops) = (Arc::new(routes), Arc::new(hops));
        let mut cache = self.lock();
        if whole {
            cache.insert("routes", Arc::clone(&routes));
        }
        cache.insert("route_nexthops", Arc::clone(&hops));
        Ok((routes, hops))
    }

    /// Table `name` with every column collected now, naming them all, for a reader that will
    /// read every cell (a snapshot, a watch): a lazy column (tcp_info) then comes with the one
    /// collection instead of a second pass when first read. Not cached.
    pub fn collect_every_column(&self, name: &str) -> Result<Table> {
        let def = tables::lookup(name)?;
        let mut all: Vec<&str> = (def.columns)().iter().map(|c| c.name.as_ref()).collect();
        if self.reads_every_netns() && !all.contains(&"netns") {
            all.push("netns");
        }
        self.collect(name, &Request::columns(&all))
    }

    /// Whether this catalog reads several live namespaces (`--all-netns`), whose tables all
    /// have a `netns` column (added where a table has none of its own).
    pub fn reads_every_netns(&self) -> bool {
        matches!(self.origin, Origin::Live) && self.every.is_some()
    }

    /// Table `name` restricted to what `req` asks for (columns, socket selection); not cached.
    pub fn collect(&self, name: &str, req: &Request) -> Result<Table> {
        let def = tables::lookup(name)?;
        let has_netns = (def.columns)().iter().any(|c| c.name == "netns");
        let mut inner = req.clone();
        if !has_netns {
            // `netns` is a column of every table under --all-netns and in its snapshots.
            if let Some(cols) = &mut inner.columns {
                cols.retain(|c| c != "netns");
            }
        }
        if let (Origin::Fleet(_), Some(cols)) = (&self.origin, &mut inner.columns) {
            // Every table of a fleet has these two.
            cols.retain(|c| c != crate::fleet::HOST && c != crate::fleet::TIME);
        }
        tables::check_columns(def, &inner)?;
        match &self.origin {
            Origin::Fleet(f) => {
                // Only what is asked for is read into the union.
                let t = f.union_of(def.name, req, &self.notes)?;
                Ok(match &req.columns {
                    Some(cols) => project_stored(&t, def, cols),
                    None => t,
                })
            }
            Origin::Live => match &self.every {
                Some(targets) if !HOST_WIDE.contains(&def.name) => {
                    self.collect_every(def, req, &inner, targets)
                }
                _ => (def.collect)(req, &self.notes),
            },
            Origin::Snapshot(s) => {
                let Some(stored) = s.tables.get(def.name) else {
                    let why = s
                        .errors
                        .get(def.name)
                        .map_or("not in the snapshot", String::as_str);
                    self.notes
                        .add(format!("{}: {why}; showing no rows", def.name));
                    return Ok(Table::new(def.name, (def.columns)().to_vec()));
                };
                let mut t = (**stored).clone();
                (def.restrict)(req, &mut t);
                if let Some(inode) = self.only {
                    let key = if def.name == "netns" {
                        "inode"
                    } else {
                        "netns"
                    };
                    if let Some(i) = t.column_index(key) {
                        let want = Value::int(inode);
                        t.retain(|r| r[i] == want);
                    }
                }
                Ok(match &req.columns {
                    Some(cols) => project_stored(&t, def, cols),
                    None => t,
                })
            }
        }
    }

    /// Collects `def` inside every namespace of `targets` (in parallel, on workers that entered
    /// them) and stacks the rows, each tagged with its namespace. A namespace that vanished or
    /// failed is skipped with a note; the first error is returned only when none succeeded.
    fn collect_every(
        &self,
        def: &tables::TableDef,
        req: &Request,
        inner: &Request,
        targets: &[Target],
    ) -> Result<Table> {
        // Lazy columns (the owner scan) are computed in the workers, while the namespaces share
        // one scan: the rows are copied into one table below, which reads every cell.
        let parts = namespaces::in_each(targets, &self.notes, |_| {
            (def.collect)(inner, &self.notes).inspect(Table::compute_all)
        });
        let add = inner.columns.is_none() || inner.columns.as_ref() != req.columns.as_ref();
        let mut out: Option<Table> = None;
        let mut first_err = None;
        for (t, part) in targets.iter().zip(parts) {
            let part = match part {
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    self.notes
                        .add(format!("netns {}: {}: {e}", t.label, def.name));
                    first_err.get_or_insert(e);
                    continue;
                }
                None => continue,
            };
            let out = out.get_or_insert_with(|| {
                let mut cols = part.columns().to_vec();
                if add && part.column_index("netns").is_none() {
                    cols.push(Column::new("netns", Type::Int, NETNS_DOC));
                }
                Table::new(def.name, cols)
            });
            let ns = Value::int(t.inode);
            let fill = part.column_index("netns");
            let extra = add && fill.is_none();
            for row in part.rows() {
                let row = row.iter().enumerate().map(|(i, v)| {
                    if Some(i) == fill && v.is_null() {
                        ns.clone()
                    } else {
                        v.clone()
                    }
                });
                out.push(row.chain(extra.then(|| ns.clone())));
            }
        }
        match (out, first_err) {
            (Some(t), _) => Ok(reorder(t, req)),
            (None, Some(e)) => Err(e),
            (None, None) => {
                let mut cols = (def.columns)().to_vec();
                if !has(&cols) {
                    cols.push(Column::new("netns", Type::Int, NETNS_DOC));
                }
                Ok(Table::new(def.name, cols))
            }
        }
    }

    /// Forgets cached tables, so the next use collects afresh.
    pub fn refresh(&self) {
        self.lock().clear();
    }

    /// Collects every table into a snapshot; a table that fails is recorded in `errors`.
    /// Live, the socket dump (the biggest part by far on a busy host) runs on a thread of its
    /// own beside every other table, and the owner scan on a third.
    pub fn snapshot(&self) -> Snapshot {
        let live = matches!(self.origin, Origin::Live);
        let _owners = live.then(crate::door::source::linux::prefetch_owners);
        let mut tables = BTreeMap::new();
        let mut errors = BTreeMap::new();
        std::thread::scope(|s| {
            let sockets = live
                .then(|| {
                    std::thread::Builder::new()
                        .name("socket-dump".into())
                        .spawn_scoped(s, || self.snapshot_table("sockets"))
                        .ok()
                })
                .flatten();
            for def in TABLES {
                if sockets.is_some() && def.name == "sockets" {
                    continue;
                }
                record(
                    def.name,
                    self.snapshot_table(def.name),
                    &mut tables,
                    &mut errors,
                );
            }
            if let Some(h) = sockets {
                let got = h
                    .join()
                    .unwrap_or_else(|_| Err("the socket collector failed".to_string()));
                record("sockets", got, &mut tables, &mut errors);
            }
        });
        Snapshot {
            info: self.host_info(),
            tables,
            errors,
        }
    }

    /// Table `name` for a snapshot, every column computed (so the notes computing adds are
    /// printed with the others), or why it is missing.
    fn snapshot_table(&self, name: &'static str) -> std::result::Result<Arc<Table>, String> {
        // A table a snapshot never had stays missing, with its original reason.
        if let Origin::Snapshot(s) = &self.origin
            && !s.tables.contains_key(name)
        {
            return Err(s
                .errors
                .get(name)
                .cloned()
                .unwrap_or_else(|| "not in the snapshot".into()));
        }
        // Live sockets are collected naming every column, so tcp_info comes with the one
        // dump (a whole table would fetch it in a second dump when first read).
        let got = match &self.origin {
            Origin::Live if name == "sockets" => self.collect_every_column(name).map(Arc::new),
            _ => self.table(name),
        };
        let t = got.map_err(|e| e.to_string())?;
        t.compute_all();
        Ok(t)
    }

    /// Who and when: the snapshot's header, or this host now.
    pub fn host_info(&self) -> SnapshotInfo {
        match &self.origin {
            Origin::Snapshot(s) => s.info.clone(),
            Origin::Fleet(f) => f.summary().clone(),
            Origin::Live => {
                let h = crate::door::source::linux::host_info();
                SnapshotInfo {
                    host: h.host,
                    kernel: h.kernel,
                    time: crate::snapshot::rfc3339(h.secs),
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, Arc<Table>>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Catalog {
    /// Streams the sockets `select` asks for straight from the kernel, one record at a time,
    /// without building a table (`netstat`'s live listing, whose speed this keeps); from a
    /// snapshot there is no kernel to stream from, and the caller reads the `sockets` table.
    pub fn stream_sockets(
        &self,
        select: &tables::SocketSelect,
        want: &tables::sockets::Want,
        each: impl FnMut(tables::records::SocketRecord),
    ) -> Result<()> {
        match &self.origin {
            Origin::Live => crate::door::source::linux::sockets(select, want, &self.notes, each),
            Origin::Snapshot(_) | Origin::Fleet(_) => Err(crate::Error::Usage(
                "sockets can be streamed only from the running kernel; read the sockets table"
                    .into(),
            )),
        }
    }

    /// The host's name files (services, protocols, networks, hosts) from the `name_files`
    /// table, live or saved in the snapshot. A snapshot made before the table existed has none:
    /// this machine's files stand in, as they did then.
    pub fn name_files(&self) -> tables::names::NameFiles {
        if !self.holds("name_files") {
            return tables::names::NameFiles::this_machine();
        }
        match self.table("name_files") {
            Ok(t) => tables::names::NameFiles::from_table(&t),
            Err(_) => tables::names::NameFiles::default(),
        }
    }

    /// The value of sysctl `name` (dotted, or with `/` as in `/proc/sys`): read now when live,
    /// else from the snapshot's `sysctls` table; `None` when there is no such key.
    pub fn sysctl(&self, name: &str) -> Result<Option<String>> {
        match &self.origin {
            Origin::Live => crate::door::source::linux::read_sysctl(name),
            Origin::Snapshot(_) | Origin::Fleet(_) => {
                let name = tables::sysctls::dotted(name);
                let t = self.table("sysctls")?;
                let (Some(n), Some(v)) = (t.column_index("name"), t.column_index("value")) else {
                    return Ok(None);
                };
                Ok(t.rows()
                    .find(|r| r[n].as_str() == Some(name.as_str()))
                    .map(|r| r[v].to_string()))
            }
        }
    }

    /// The kernel's answer to a route lookup (RTM_GETROUTE) as a one-row `routes` table; live
    /// only (from a snapshot, `query::route_sim` emulates the kernel over the tables).
    pub fn route_get(&self, q: &tables::records::RouteQuery) -> Result<Table> {
        match &self.origin {
            Origin::Live => {
                let rec = crate::door::source::linux::route_get(q)?;
                Ok(tables::routes::build(&[rec], &Request::default()))
            }
            Origin::Snapshot(_) | Origin::Fleet(_) => Err(crate::Error::Usage(
                "a route lookup needs the running kernel; from a snapshot it is emulated".into(),
            )),
        }
    }
}

/// Facts about this netpry process rather than the host it reads: who runs it, which
/// namespace it is in, which sockets it holds itself. They are answered here because only the
/// door reads `/proc`.
pub mod this_process {
    pub use crate::door::source::linux::FdAccess;

    /// The real user id (route lookups match `uidrange` rules with it).
    pub fn uid() -> u32 {
        crate::door::source::linux::uid()
    }

    /// The effective user id.
    pub fn euid() -> u32 {
        crate::door::source::linux::euid()
    }

    /// Whether other users' processes could be inspected (netstat `-p`'s warning).
    pub fn fd_access() -> FdAccess {
        crate::door::source::linux::fd_access()
    }

    /// Inodes of the sockets this process holds (netstat leaves its own out).
    pub fn own_socket_inodes() -> std::collections::HashSet<u64> {
        crate::door::source::linux::own_sockets::own_socket_inodes()
    }

    /// CPU seconds (user + system) this process has used so far (benchmark figures).
    pub fn cpu_seconds() -> f64 {
        crate::door::source::linux::cpu_seconds()
    }

    /// The inode of the network namespace this thread is in.
    pub fn current_netns() -> Option<u64> {
        crate::door::source::linux::processes::current_netns()
    }
}

/// The description of the `netns` column added to tables read with `--all-netns`.
const NETNS_DOC: &str = "Network namespace inode (see the netns table)";

fn has(cols: &[Column]) -> bool {
    cols.iter().any(|c| c.name == "netns")
}

/// Puts the columns of `t` in the order `req` asked for (the added `netns` column is last
/// after collection).
fn reorder(t: Table, req: &Request) -> Table {
    let Some(cols) = &req.columns else {
        return t;
    };
    let idx: Option<Vec<usize>> = cols.iter().map(|c| t.column_index(c)).collect();
    match idx {
        Some(idx) if idx.iter().enumerate().any(|(n, &i)| n != i) || idx.len() != t.width() => {
            let columns: Vec<Column> = idx.iter().map(|&i| t.columns()[i].clone()).collect();
            let mut out = Table::with_capacity(t.name().to_string(), columns, t.len());
            for row in t.rows() {
                out.push(idx.iter().map(|&i| row[i].clone()));
            }
            out
        }
        _ => t,
    }
}

/// Projects a table read from a snapshot onto `cols` (already checked against the registry). A
/// column the snapshot lacks — written by an older netpry, or built by hand — is null in every
/// row rather than an error, so that newer queries still run on older snapshots.
fn project_stored(t: &Table, def: &tables::TableDef, cols: &[String]) -> Table {
    let schema = (def.columns)();
    let picks: Vec<(Column, Option<usize>)> = cols
        .iter()
        .map(|c| match t.column_index(c) {
            Some(i) => (t.columns()[i].clone(), Some(i)),
            None => {
                let col = schema.iter().find(|k| k.name == c.as_str()).cloned();
                (
                    col.unwrap_or_else(|| Column::computed(c.clone(), Type::Any)),
                    None,
                )
            }
        })
        .collect();
    let columns: Vec<Column> = picks.iter().map(|(c, _)| c.clone()).collect();
    let mut out = Table::with_capacity(t.name().to_string(), columns, t.len());
    for row in t.rows() {
        out.push(
            picks
                .iter()
                .map(|(_, i)| i.map_or(Value::Null, |i| row[i].clone())),
        );
    }
    out
}

/// Runs `f` with the socket-owner map kept from one collection to the next (`netpry watch`):
/// the scan of /proc/*/fd runs again only when a socket or an owning process is new or has
/// changed, or after a bounded number of collections (see the owner cache in the source).
pub fn keeping_owners<T>(f: impl FnOnce() -> T) -> T {
    struct Stop;
    impl Drop for Stop {
        fn drop(&mut self) {
            crate::door::source::linux::keep_owners(false);
        }
    }
    crate::door::source::linux::keep_owners(true);
    let _stop = Stop;
    f()
}

/// What the costly /proc and kernel passes of this run were
/// (`owner_scans=N proc_fd_dirs=M tcp_info_dumps=K socket_collections=S`), for tests
/// and benchmarks (`NETPRY_DEBUG_STATS=1`).
pub fn collection_stats() -> String {
    crate::door::source::linux::collection_stats()
}

/// Files a snapshot table, or why it is missing, under `name`.
fn record(
    name: &str,
    got: std::result::Result<Arc<Table>, String>,
    tables: &mut BTreeMap<String, Arc<Table>>,
    errors: &mut BTreeMap<String, String>,
) {
    match got {
        Ok(t) => {
            tables.insert(name.to_string(), t);
        }
        Err(e) => {
            errors.insert(name.to_string(), e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_projection_fills_missing_registry_columns_with_null() {
        let mut t = Table::new("routes", vec![Column::new("dev", Type::Str, "")]);
        t.push([Value::str("eth0")]);
        let def = tables::lookup("routes").unwrap();
        let p = project_stored(&t, def, &["metric".to_string(), "dev".to_string()]);
        assert_eq!(p.columns()[0].name, "metric");
        assert_eq!(p.columns()[0].ty, Type::Int);
        assert_eq!(p.row(0), &[Value::Null, Value::str("eth0")]);
    }

    // Reads tests/fixtures, which the packaged crate leaves out.
    #[cfg(netpry_captures)]
    #[test]
    fn a_snapshot_table_is_shared_not_copied() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/script.json");
        let snap = Snapshot::load(&path).unwrap();
        let stored = Arc::clone(&snap.tables["routes"]);
        let cat = Catalog::from_snapshot(snap);
        assert!(Arc::ptr_eq(&cat.table("routes").unwrap(), &stored));
        assert!(cat.holds("routes") && !cat.holds("neighbours"));
        // A table the snapshot lacks is empty, with a note.
        assert!(cat.table("neighbours").unwrap().is_empty());
        assert!(!cat.notes().take().is_empty());
    }
}
