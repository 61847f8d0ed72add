//! Fleets: many snapshots read as one (`--snapshot` given several times, a directory, or a
//! pattern such as `'snaps/*.json.gz'`), and their export as partitioned newline-delimited
//! JSON for DuckDB, ClickHouse, Spark or Trino ([`export`]).
//!
//! Every table of a fleet is the union of the snapshots' tables, each row prefixed with the
//! `host` and `snapshot_time` of its snapshot (from the file's header). Two files claiming the
//! same host and time are refused. Snapshots saved by an older netpry, whose tables lack some
//! columns, join the union with those columns null and one note per table. The union is built
//! here, through [`Table`]'s public API only, one table at a time when a query first asks for
//! it: the files are read again for each table (in parallel), so memory holds the tables a
//! query uses, not every table of every host.
//!
//! A single `--snapshot FILE` is not a fleet: its tables keep their own columns, as before.
//! A directory or a pattern is a fleet even when it holds one file, so that a script written
//! for a fleet (`group_by("host")`) runs on any number of hosts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::model::{Column, Notes, Table, Type, Value};
use crate::snapshot::{Snapshot, SnapshotInfo};

pub mod export;
mod header;
pub mod progress;

pub use progress::Progress;

/// The name of the column holding each row's host name (the snapshot header's `host`).
pub const HOST: &str = "host";
/// The name of the column holding each row's snapshot time (the header's `time`, RFC 3339).
pub const TIME: &str = "snapshot_time";

const HOST_DOC: &str = "Host name from the snapshot's header (fleets of snapshots)";
const TIME_DOC: &str = "Time the snapshot was taken, RFC 3339 UTC (fleets of snapshots)";

/// Where one snapshot of a fleet comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file (plain or gzip-compressed JSON).
    File(PathBuf),
    /// Standard input (`-`), read once and kept (decompressed).
    Stdin(Arc<Vec<u8>>),
}

impl Source {
    /// The file name for messages (`-` for standard input), escaped.
    pub fn label(&self) -> String {
        match self {
            Source::File(p) => crate::model::escape_bounded(p.as_os_str().as_encoded_bytes(), 200),
            Source::Stdin(_) => "-".to_string(),
        }
    }

    /// The document's bytes, decompressed.
    pub fn bytes(&self) -> Result<Arc<Vec<u8>>> {
        match self {
            Source::File(p) => crate::input::read_snapshot(p)
                .map(Arc::new)
                .map_err(|problem| Error::Snapshot {
                    path: p.clone(),
                    problem,
                }),
            Source::Stdin(b) => Ok(Arc::clone(b)),
        }
    }

    fn path(&self) -> PathBuf {
        match self {
            Source::File(p) => p.clone(),
            Source::Stdin(_) => PathBuf::from("-"),
        }
    }

    /// The snapshot's header. netpry writes the header before the tables, so the first bytes
    /// of a file (decompressed as far as they go) usually hold it; otherwise, and for
    /// anything unusual, the whole document is read and checked.
    pub fn info(&self) -> Result<SnapshotInfo> {
        if let Source::File(p) = self {
            if let Some(info) = header::from_prefix(p) {
                return Ok(info);
            }
        }
        let bytes = self.bytes()?;
        Snapshot::parse_info(&bytes).map_err(|problem| Error::Snapshot {
            path: self.path(),
            problem,
        })
    }

    /// The whole snapshot.
    pub fn load(&self) -> Result<Snapshot> {
        let bytes = self.bytes()?;
        Snapshot::parse(&bytes).map_err(|problem| Error::Snapshot {
            path: self.path(),
            problem,
        })
    }

    /// The snapshot with only table `name` built ([`Snapshot::parse_table`]).
    pub fn load_table(&self, name: &str) -> Result<Snapshot> {
        let bytes = self.bytes()?;
        Snapshot::parse_table(&bytes, name).map_err(|problem| Error::Snapshot {
            path: self.path(),
            problem,
        })
    }
}

/// One snapshot of a fleet: where it is and whose it is.
#[derive(Debug, Clone)]
pub struct Member {
    /// Where the document is.
    pub source: Source,
    /// Its header.
    pub info: SnapshotInfo,
}

/// Many snapshots read as one (see the module documentation).
#[derive(Debug)]
pub struct Fleet {
    members: Vec<Member>,
    summary: SnapshotInfo,
}

/// Whether the `--snapshot` arguments `specs` make a fleet: more than one, or a directory, or
/// a pattern (`*`, `?` or `[` in a name that is not itself a file).
pub fn is_fleet(specs: &[PathBuf]) -> bool {
    specs.len() > 1
        || specs
            .iter()
            .any(|s| s.as_os_str() != "-" && (s.is_dir() || is_pattern(s)))
}

fn is_pattern(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    b.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) && std::fs::symlink_metadata(p).is_err()
}

/// Whether a directory entry named `name` is a snapshot file: `*.json` or `*.json.gz`.
fn is_snapshot_name(name: &[u8]) -> bool {
    name.ends_with(b".json") || name.ends_with(b".json.gz")
}

/// The files that `specs` name, in order: a file as itself, `-` as standard input (once), a
/// directory as its `*.json` and `*.json.gz` files (sorted, not recursive), a pattern as the
/// files it matches (sorted). A directory or pattern naming no file is an error.
pub fn expand(specs: &[PathBuf]) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    let mut stdin_seen = false;
    for spec in specs {
        let shown = || crate::model::escape_bounded(spec.as_os_str().as_encoded_bytes(), 200);
        if spec.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::Usage(
                    "--snapshot - (standard input) can be given only once".into(),
                ));
            }
            stdin_seen = true;
            let bytes = crate::input::read_snapshot(spec).map_err(|problem| Error::Snapshot {
                path: spec.clone(),
                problem,
            })?;
            out.push(Source::Stdin(Arc::new(bytes)));
        } else if spec.is_dir() {
            let entries = std::fs::read_dir(spec).map_err(|e| Error::Io {
                what: format!("reading directory {}", shown()),
                source: e,
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter(|e| is_snapshot_name(e.file_name().as_encoded_bytes()))
                .map(|e| e.path())
                .collect();
            if files.is_empty() {
                return Err(Error::Usage(format!(
                    "directory {} holds no snapshot (*.json or *.json.gz files)",
                    shown()
                )));
            }
            files.sort();
            out.extend(files.into_iter().map(Source::File));
        } else if is_pattern(spec) {
            let pattern = spec.to_str().ok_or_else(|| {
                Error::Usage(format!("the pattern {} is not UTF-8 text", shown()))
            })?;
            let paths = glob::glob(pattern)
                .map_err(|e| Error::Usage(format!("bad pattern {}: {e}", shown())))?;
            let mut files: Vec<PathBuf> = paths
                .filter_map(|p| p.ok())
                .filter(|p| p.is_file())
                .collect();
            if files.is_empty() {
                return Err(Error::Usage(format!(
                    "no snapshot file matches {} (quote the pattern for netpry, or check the directory)",
                    shown()
                )));
            }
            files.sort();
            out.extend(files.into_iter().map(Source::File));
        } else {
            out.push(Source::File(spec.clone()));
        }
    }
    Ok(out)
}

/// Runs `f(i)` for every `i` below `n` on up to one worker per core, ticking `progress` after
/// each; the results come back in order.
pub fn par_map<T: Send>(n: usize, progress: &Progress, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(n)
        .max(1);
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let done: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        mine.push((i, f(i)));
                        progress.inc();
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    for (i, v) in done.into_iter().flatten() {
        slots[i] = Some(v);
    }
    slots.into_iter().flatten().collect()
}

impl Fleet {
    /// Opens the snapshots `specs` name ([`expand`]): reads every header (in parallel), refuses
    /// two files claiming the same host and time, and orders the members by host, then time.
    pub fn open(specs: &[PathBuf]) -> Result<Fleet> {
        let sources = expand(specs)?;
        let progress = Progress::new("reading snapshot headers", sources.len());
        let infos = par_map(sources.len(), &progress, |i| sources[i].info());
        progress.finish();
        let mut members = Vec::with_capacity(sources.len());
        for (source, info) in sources.into_iter().zip(infos) {
            members.push(Member {
                source,
                info: info?,
            });
        }
        Fleet::from_members(members)
    }

    /// A fleet of members whose headers are known; refuses duplicate host and time.
    pub fn from_members(mut members: Vec<Member>) -> Result<Fleet> {
        let mut seen: HashMap<(&str, &str), &Member> = HashMap::new();
        for m in &members {
            if let Some(other) = seen.insert((&m.info.host, &m.info.time), m) {
                return Err(Error::Usage(format!(
                    "snapshots {} and {} both claim host '{}' at {}: give each snapshot once (a fleet holds one snapshot per host and time)",
                    other.source.label(),
                    m.source.label(),
                    crate::model::escape_bounded(m.info.host.as_bytes(), 100),
                    crate::model::escape_bounded(m.info.time.as_bytes(), 40),
                )));
            }
        }
        members.sort_by(|a, b| (&a.info.host, &a.info.time).cmp(&(&b.info.host, &b.info.time)));
        let hosts: std::collections::BTreeSet<&str> =
            members.iter().map(|m| m.info.host.as_str()).collect();
        let summary = SnapshotInfo {
            host: format!("{} hosts", hosts.len()),
            kernel: String::new(),
            time: members
                .iter()
                .map(|m| m.info.time.clone())
                .max()
                .unwrap_or_default(),
        };
        Ok(Fleet { members, summary })
    }

    /// The members, ordered by host, then time.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// What stands for the fleet where one snapshot's header is expected: host `N hosts`, no
    /// kernel, the latest time.
    pub fn summary(&self) -> &SnapshotInfo {
        &self.summary
    }

    /// Table `name` of every member, stacked (see the module documentation). Notes say which
    /// snapshots lack the table or some of its columns.
    pub fn union(&self, name: &str, notes: &Notes) -> Result<Table> {
        self.union_of(name, &crate::tables::Request::default(), notes)
    }

    /// [`Fleet::union`] of only what `req` asks for: each member's table is restricted (socket
    /// selection) and cut to the requested columns as soon as it is read, so the union holds
    /// only those (a fleet's `sockets().group_by("host").count()` keeps two columns of a
    /// million rows, not forty). `host` and `snapshot_time` are always there.
    pub fn union_of(
        &self,
        name: &str,
        req: &crate::tables::Request,
        notes: &Notes,
    ) -> Result<Table> {
        let def = crate::tables::lookup(name).ok();
        let progress = Progress::new(&format!("loading {name}"), self.members.len());
        let parts = par_map(self.members.len(), &progress, |i| {
            let mut snap = self.members[i].source.load_table(name)?;
            let Some(t) = snap.tables.remove(name) else {
                return Ok(Err(snap.errors.remove(name)));
            };
            drop(snap);
            if req.columns.is_none() && req.sockets.is_all() {
                return Ok(Ok(t));
            }
            let mut t = Arc::try_unwrap(t).unwrap_or_else(|t| (*t).clone());
            if let Some(def) = def {
                (def.restrict)(req, &mut t);
            }
            Ok::<_, Error>(Ok(Arc::new(match &req.columns {
                Some(cols) => project(&t, cols),
                None => t,
            })))
        });
        progress.finish();
        let mut tables: Vec<std::result::Result<Arc<Table>, Option<String>>> =
            Vec::with_capacity(parts.len());
        for p in parts {
            tables.push(p?);
        }
        Ok(stack(
            name,
            &self.members,
            tables,
            req.columns.as_deref(),
            notes,
        ))
    }
}

/// The columns of `t` among `cols`, in the order of `cols` (absent ones left out: the union
/// fills them with null). When none is there, the first column stays, so that the rows are
/// still counted (a table without columns holds no rows).
fn project(t: &Table, cols: &[String]) -> Table {
    let mut picks: Vec<usize> = cols.iter().filter_map(|c| t.column_index(c)).collect();
    if picks.is_empty() && t.width() > 0 {
        picks.push(0);
    }
    let columns: Vec<Column> = picks.iter().map(|&i| t.columns()[i].clone()).collect();
    let mut out = Table::with_capacity(t.name().to_string(), columns, t.len());
    for row in t.rows() {
        out.push(picks.iter().map(|&i| row[i].clone()));
    }
    out
}

/// The union of `parts` (each member's table, or why it has none), with `host` and
/// `snapshot_time` first, then every column of the parts (only those of `wanted`, when given);
/// notes for members lacking the table or some columns.
fn stack(
    name: &str,
    members: &[Member],
    parts: Vec<std::result::Result<Arc<Table>, Option<String>>>,
    wanted: Option<&[String]>,
    notes: &Notes,
) -> Table {
    let mut columns = vec![
        Column::new(HOST, Type::Str, HOST_DOC),
        Column::new(TIME, Type::Str, TIME_DOC),
    ];
    let mut rows = 0;
    for t in parts.iter().flatten() {
        rows += t.len();
        for c in t.columns() {
            if wanted.is_some_and(|w| !w.iter().any(|n| *n == c.name)) {
                continue;
            }
            match columns.iter_mut().find(|k| k.name == c.name) {
                Some(k) if k.ty != c.ty => k.ty = Type::Any,
                Some(_) => {}
                None => columns.push(c.clone()),
            }
        }
    }
    let absent: Vec<&str> = members
        .iter()
        .zip(&parts)
        .filter(|(_, p)| p.is_err())
        .map(|(m, _)| m.info.host.as_str())
        .collect();
    if parts.iter().all(Result::is_err) {
        // No member has it: the registry's columns, so that queries naming them still run.
        if let Ok(def) = crate::tables::lookup(name) {
            columns.extend((def.columns)().iter().cloned());
        }
    }
    if !absent.is_empty() {
        let why = parts
            .iter()
            .find_map(|p| p.as_ref().err().cloned().flatten())
            .unwrap_or_else(|| "not in the snapshot".into());
        notes.add(format!(
            "{name}: missing from {} of {} snapshots ({}; hosts {}): no rows from them",
            absent.len(),
            members.len(),
            why,
            list(&absent)
        ));
    }
    let mut lacking: Vec<&str> = Vec::new();
    let mut lacked: Vec<&str> = Vec::new();
    for (m, p) in members.iter().zip(&parts) {
        let Ok(t) = p else { continue };
        let missing: Vec<&str> = columns[2..]
            .iter()
            .map(|c| c.name.as_ref())
            .filter(|c| t.column_index(c).is_none())
            .collect();
        if !missing.is_empty() {
            lacking.push(m.info.host.as_str());
            for c in missing {
                if !lacked.contains(&c) {
                    lacked.push(c);
                }
            }
        }
    }
    if !lacking.is_empty() {
        notes.add(format!(
            "{name}: {} of {} snapshots were saved without {} (by an older netpry; hosts {}): null in their rows",
            lacking.len(),
            members.len(),
            lacked.join(", "),
            list(&lacking)
        ));
    }
    let mut out = Table::with_capacity(name.to_string(), columns, rows);
    for (m, p) in members.iter().zip(parts) {
        let Ok(t) = p else { continue };
        let host = Value::raw(&m.info.host);
        let time = Value::str(&m.info.time);
        let picks: Vec<Option<usize>> = out.columns()[2..]
            .iter()
            .map(|c| t.column_index(&c.name))
            .collect();
        for row in t.rows() {
            out.push(
                [host.clone(), time.clone()].into_iter().chain(
                    picks
                        .iter()
                        .map(|i| i.map_or(Value::Null, |i| row[i].clone())),
                ),
            );
        }
        // The member's table is dropped here, before the next is copied.
        drop(t);
    }
    out
}

/// Up to five names, then how many more.
fn list(names: &[&str]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| crate::model::escape_bounded(n.as_bytes(), 60))
        .collect();
    let mut s = shown.join(", ");
    if names.len() > 5 {
        s.push_str(&format!(" and {} more", names.len() - 5));
    }
    s
}

/// `netpry netstat` over the snapshots `specs` name: each snapshot's output in turn (by host,
/// then time) after a `host: NAME` line, as `--all-netns netstat` prints `netns: NAME` before
/// each namespace. The exit status is the highest of them.
pub fn netstat_each(specs: &[PathBuf], args: &[String]) -> u8 {
    use std::io::Write;
    let fleet = match Fleet::open(specs) {
        Ok(f) => f,
        Err(e) => {
            crate::errln!("netpry: {}", crate::console::visible(&e.to_string()));
            return e.exit_code();
        }
    };
    let every = crate::namespaces::choice() == crate::namespaces::Choice::All;
    let mut code = 0;
    for m in fleet.members() {
        // Standard input was read once: netstat reads it again from a private copy.
        let (path, _keep) = match &m.source {
            Source::File(p) => (p.clone(), None),
            Source::Stdin(bytes) => {
                let copy = tempfile::NamedTempFile::new().and_then(|mut f| {
                    f.write_all(bytes)?;
                    Ok(f)
                });
                match copy {
                    Ok(f) => (f.path().to_path_buf(), Some(f)),
                    Err(e) => {
                        crate::errln!("netpry: copying standard input: {e}");
                        return 1;
                    }
                }
            }
        };
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let host = crate::model::escape_bounded(m.info.host.as_bytes(), 200);
        if writeln!(out, "\nhost: {host}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return code;
        }
        drop(out);
        let c = if every {
            crate::netns_front::netstat_every_stored(&path, args)
        } else {
            crate::netstat::main("netstat", args.to_vec(), Some(&path))
        };
        code = code.max(c);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(host: &str, time: &str) -> Member {
        Member {
            source: Source::File(PathBuf::from(format!("{host}-{time}.json"))),
            info: SnapshotInfo {
                host: host.into(),
                kernel: "6.1".into(),
                time: time.into(),
            },
        }
    }

    fn table(cols: &[&str], rows: &[&[i64]]) -> Arc<Table> {
        let mut t = Table::new(
            "sockets",
            cols.iter()
                .map(|c| Column::computed(c.to_string(), Type::Int))
                .collect::<Vec<_>>(),
        );
        for r in rows {
            t.push(r.iter().map(|&n| Value::Int(n)));
        }
        Arc::new(t)
    }

    #[test]
    fn stacking_adds_host_and_time_and_fills_missing_columns() {
        let members = vec![member("a", "T1"), member("b", "T2"), member("c", "T3")];
        let parts = vec![
            Ok(table(&["x", "y"], &[&[1, 2], &[3, 4]])),
            Ok(table(&["x"], &[&[5]])),
            Err(Some("no permission".to_string())),
        ];
        let notes = Notes::default();
        let t = stack("sockets", &members, parts, None, &notes);
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["host", "snapshot_time", "x", "y"]);
        assert_eq!(t.len(), 3);
        assert_eq!(
            t.row(2),
            &[
                Value::str("b"),
                Value::str("T2"),
                Value::Int(5),
                Value::Null
            ]
        );
        let notes = notes.take();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("missing from 1 of 3 snapshots (no permission; hosts c)"),
            "{notes:?}"
        );
        assert!(
            notes[1].contains("1 of 3 snapshots were saved without y"),
            "{notes:?}"
        );
    }

    #[test]
    fn projection_keeps_rows_when_no_asked_column_is_there() {
        let t = table(&["x", "y"], &[&[1, 2], &[3, 4]]);
        let p = project(&t, &["y".to_string(), "x".to_string()]);
        assert_eq!(p.row(1), &[Value::Int(4), Value::Int(3)]);
        let p = project(&t, &["nope".to_string()]);
        assert_eq!((p.len(), p.width()), (2, 1));
    }

    #[test]
    fn conflicting_types_become_any() {
        let members = vec![member("a", "T"), member("b", "T")];
        let mut s = Table::new("t", vec![Column::new("x", Type::Str, "")]);
        s.push([Value::str("v")]);
        let parts = vec![Ok(table(&["x"], &[&[1]])), Ok(Arc::new(s))];
        let t = stack("t", &members, parts, None, &Notes::default());
        assert_eq!(t.columns()[2].ty, Type::Any);
        assert_eq!(t.cell(1, 2), Value::str("v"));
    }

    #[test]
    fn the_same_host_and_time_twice_is_refused() {
        let e = Fleet::from_members(vec![member("a", "T"), member("a", "T")]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("both claim host 'a' at T"), "{msg}");
        assert_eq!(e.exit_code(), 2);
        let f = Fleet::from_members(vec![member("b", "T"), member("a", "T2"), member("a", "T")])
            .unwrap();
        let order: Vec<(&str, &str)> = f
            .members()
            .iter()
            .map(|m| (m.info.host.as_str(), m.info.time.as_str()))
            .collect();
        assert_eq!(order, [("a", "T"), ("a", "T2"), ("b", "T")]);
        assert_eq!(f.summary().host, "2 hosts");
    }

    #[test]
    fn directories_and_patterns_expand_to_sorted_files() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["b.json", "a.json.gz", "notes.txt"] {
            std::fs::write(dir.path().join(n), b"{}").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.json")).unwrap();
        let d = dir.path().to_path_buf();
        assert!(is_fleet(std::slice::from_ref(&d)));
        let names = |v: Vec<Source>| -> Vec<String> {
            v.iter()
                .map(|s| match s {
                    Source::File(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
                    Source::Stdin(_) => "-".into(),
                })
                .collect()
        };
        assert_eq!(
            names(expand(std::slice::from_ref(&d)).unwrap()),
            ["a.json.gz", "b.json"]
        );
        let pat = d.join("*.json*");
        assert!(is_fleet(std::slice::from_ref(&pat)));
        assert_eq!(names(expand(&[pat]).unwrap()), ["a.json.gz", "b.json"]);
        let none = d.join("*.nothing");
        let e = expand(&[none]).unwrap_err().to_string();
        assert!(e.starts_with("no snapshot file matches"), "{e}");
        let file = d.join("b.json");
        assert!(!is_fleet(std::slice::from_ref(&file)));
        assert!(is_fleet(&[file.clone(), file]));
        let empty = tempfile::tempdir().unwrap();
        let e = expand(&[empty.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds no snapshot"), "{e}");
    }

    #[test]
    fn par_map_keeps_order() {
        let v = par_map(100, &Progress::hidden(), |i| i * 2);
        assert_eq!(v, (0..100).map(|i| i * 2).collect::<Vec<_>>());
        assert!(par_map(0, &Progress::hidden(), |i| i).is_empty());
    }
}
