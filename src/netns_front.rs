//! The front end of `--netns X` and `--all-netns`: taking them off the command line (they
//! apply to every command, netstat's included), entering the namespace, naming a namespace of
//! a snapshot, and netstat over every namespace with `ip -all netns exec` style headers.

use std::ffi::OsString;
use std::io::Write;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::model::Value;
use crate::namespaces::{self, Choice};

/// `--all-netns netstat ARGS`: each namespace's netstat in turn, the host's first, after the
/// header `ip -all netns exec` prints (`netns: NAME`, the inode where there is no name). Each
/// runs whole on a thread that entered its namespace, so every read it makes sees that one.
/// The exit status is the highest of them.
pub fn netstat_every(program: &str, args: &[String]) -> u8 {
    if let Some(code) = netstat_every_parallel(program, args) {
        return code;
    }
    namespaces::sharing_owners(|| {
        let mut code = 0;
        for t in namespaces::all() {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if writeln!(out, "\nnetns: {}", t.label)
                .and_then(|()| out.flush())
                .is_err()
            {
                return code;
            }
            drop(out);
            let notes = crate::model::Notes::default();
            let one = namespaces::in_each(std::slice::from_ref(&t), &notes, |_| {
                crate::netstat::main(program, args.to_vec(), None)
            });
            let mut err = std::io::stderr().lock();
            for n in notes.take() {
                let _ = writeln!(err, "netpry: note: {n}");
            }
            code = code.max(one.into_iter().flatten().next().unwrap_or(0));
        }
        code
    })
}

/// `--snapshot FILE --all-netns netstat ARGS`: netstat over each namespace of a snapshot taken
/// with `--all-netns` (the rows of its `netns` table, the host's first), after the same
/// `netns: NAME` headers as live.
pub fn netstat_every_stored(path: &std::path::Path, args: &[String]) -> u8 {
    let mut err = std::io::stderr().lock();
    let cat = match Catalog::open_snapshot(path) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "netpry: {e}");
            return e.exit_code();
        }
    };
    if let Err(e) = require_every_netns(&cat, path) {
        let _ = writeln!(err, "netpry: {e}");
        return e.exit_code();
    }
    let mut spaces: Vec<(bool, i64, String)> = Vec::new();
    if let Ok(t) = cat.table("netns") {
        let col = |n: &str| t.column_index(n);
        if let (Some(i), Some(n), Some(h)) = (col("inode"), col("name"), col("is_host")) {
            for r in t.rows() {
                let Some(inode) = r[i].as_int() else { continue };
                let label = r[n]
                    .as_str()
                    .map_or_else(|| inode.to_string(), str::to_string);
                spaces.push((r[h] != Value::Bool(true), inode, label));
            }
        }
    }
    drop(err);
    spaces.sort();
    let mut code = 0;
    for (_, inode, label) in spaces {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if writeln!(out, "\nnetns: {label}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return code;
        }
        drop(out);
        namespaces::set_choice(Choice::One {
            spec: inode.to_string(),
            inode: u64::try_from(inode).ok(),
        });
        code = code.max(crate::netstat::main("netstat", args.to_vec(), Some(path)));
    }
    namespaces::set_choice(Choice::All);
    code
}

/// `--all-netns netstat` with the namespaces read in parallel, each one's output captured and
/// printed in order; `None` (nothing done) when netstat's output cannot be captured (BSD style,
/// continuous mode), which then runs one namespace after the other.
fn netstat_every_parallel(program: &str, args: &[String]) -> Option<u8> {
    if !crate::netstat::capturable(program, args) {
        return None;
    }
    let targets = namespaces::all();
    let notes = crate::model::Notes::default();
    let runs = namespaces::in_each(&targets, &notes, |_| {
        crate::netstat::captured(program, args.to_vec())
    });
    let mut code = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr().lock();
    for (t, run) in targets.iter().zip(runs) {
        let Some(run) = run else { continue };
        let (c, o, e) = run?;
        let written = writeln!(out, "\nnetns: {}", t.label)
            .and_then(|()| out.write_all(&o))
            .and_then(|()| out.flush());
        let _ = err.write_all(&e);
        if written.is_err() {
            return Some(code);
        }
        code = code.max(c);
    }
    for n in notes.take() {
        let _ = writeln!(err, "netpry: note: {n}");
    }
    Some(code)
}

/// Takes `--netns X` / `--netns=X` / `--all-netns` out of the options before the command word
/// (they apply to every command, netstat's included, whose own parser never sees them), and
/// acts on them: `--netns X` on a live host moves this (main) thread into X now, before
/// anything is read; with `--snapshot` they filter the snapshot instead.
pub fn choose_netns(args: Vec<OsString>) -> Result<Vec<OsString>> {
    let mut out = Vec::with_capacity(args.len());
    let mut spec: Option<String> = None;
    let mut every = false;
    let mut snapshot = false;
    let mut it = args.into_iter();
    out.extend(it.next());
    // Options of ours that take a value: their value is never one of ours.
    const VALUED: &[&str] = &[
        "--snapshot",
        "--format",
        "--width",
        "-e",
        "--eval",
        "-c",
        "--columns",
        "-o",
        "--output",
    ];
    let mut passing = false;
    while let Some(a) = it.next() {
        let s = a.to_string_lossy().into_owned();
        if passing || s == "--" || s == "netstat" {
            passing = true;
            out.push(a);
            continue;
        }
        if s == "--all-netns" {
            every = true;
        } else if s == "--netns" {
            let v = it
                .next()
                .ok_or_else(|| Error::Usage("--netns needs a namespace".into()))?;
            spec = Some(v.to_string_lossy().into_owned());
        } else if let Some(v) = s.strip_prefix("--netns=") {
            spec = Some(v.to_string());
        } else {
            snapshot |= s == "--snapshot" || s.starts_with("--snapshot=");
            let valued = VALUED.contains(&s.as_str());
            out.push(a);
            if valued {
                out.extend(it.next());
            }
        }
    }
    let choice = match (spec, every) {
        (Some(_), true) => {
            return Err(Error::Usage(
                "--netns and --all-netns exclude each other".into(),
            ));
        }
        (None, false) => return Ok(out),
        (None, true) => Choice::All,
        (Some(spec), false) => Choice::One { spec, inode: None },
    };
    if !snapshot {
        let option = if every { "--all-netns" } else { "--netns" };
        namespaces::require_cap(option)?;
        if let Choice::One { spec, .. } = &choice {
            let t = namespaces::resolve(spec)?;
            namespaces::enter(&t)?;
            namespaces::set_choice(Choice::One {
                spec: t.label,
                inode: Some(t.inode),
            });
            return Ok(out);
        }
    }
    namespaces::set_choice(choice);
    Ok(out)
}

/// The inode of the namespace `spec` names in a snapshot: an inode, a name or mount path of its
/// `netns` table, or `pid:PID` of its `processes` table.
pub fn snapshot_netns(cat: &Catalog, spec: &str) -> Result<u64> {
    if let Ok(n) = spec.parse::<u64>() {
        return Ok(n);
    }
    let lookup = |table: &str, key: &str, want: &dyn Fn(&Value) -> bool, out: &str| {
        let t = cat.table(table).ok()?;
        let (k, o) = (t.column_index(key)?, t.column_index(out)?);
        t.rows()
            .find(|r| want(&r[k]))
            .and_then(|r| r[o].as_int())
            .and_then(|n| u64::try_from(n).ok())
    };
    let hit = if let Some(pid) = spec.strip_prefix("pid:") {
        let pid: i64 = pid.parse().unwrap_or(-1);
        lookup("processes", "pid", &|v| v.as_int() == Some(pid), "netns")
    } else {
        lookup("netns", "name", &|v| v.as_str() == Some(spec), "inode").or_else(|| {
            // A mount path, or its last component (Docker's sandbox id).
            let has = |v: &Value| {
                v.as_str().is_some_and(|p| {
                    p.split(' ')
                        .any(|p| p == spec || p.rsplit('/').next() == Some(spec))
                })
            };
            lookup("netns", "paths", &has, "inode").or_else(|| {
                let named = |v: &Value| v.as_str() == Some(spec);
                lookup("netns", "container_name", &named, "inode")
            })
        })
    };
    cat.notes().take();
    hit.ok_or_else(|| {
        Error::Usage(format!(
            "--netns {spec}: the snapshot has no such namespace; looked at the inode, name, \
             paths and container_name columns of its netns table and the netns of its processes (pid:PID)"
        ))
    })
}

/// Fails when the snapshot behind `cat` was taken from one namespace (its `sockets` table has
/// no `netns` column), so `--all-netns` over it has no namespaces to tell apart.
fn require_every_netns(cat: &Catalog, path: &std::path::Path) -> Result<()> {
    match cat.table("sockets") {
        Ok(t) if t.column_index("netns").is_none() => Err(Error::Usage(format!(
            "--all-netns: the snapshot {} was taken from one namespace (its tables have no \
             netns column); take it with `netpry --all-netns snapshot`, or leave out --all-netns",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// One namespace a script runs in under `--all-netns`: its inode, its label and the name of
/// the container it belongs to, where known.
struct Section {
    inode: u64,
    label: String,
    container: Option<String>,
}

/// The namespaces of the `netns` table of `cat`, the host's first, then by inode.
fn sections_of(cat: &Catalog) -> Vec<Section> {
    let mut out: Vec<(bool, Section)> = Vec::new();
    if let Ok(t) = cat.table("netns") {
        let col = |n: &str| t.column_index(n);
        if let (Some(i), Some(n), Some(h), c) = (
            col("inode"),
            col("name"),
            col("is_host"),
            col("container_name"),
        ) {
            for r in t.rows() {
                let Some(inode) = r[i].as_int().and_then(|n| u64::try_from(n).ok()) else {
                    continue;
                };
                let label = r[n]
                    .as_str()
                    .map_or_else(|| inode.to_string(), str::to_string);
                let container = c.and_then(|c| r[c].as_str()).map(str::to_string);
                let section = Section {
                    inode,
                    label,
                    container,
                };
                out.push((r[h] != Value::Bool(true), section));
            }
        }
    }
    out.sort_by_key(|(guest, s)| (*guest, s.inode));
    out.into_iter().map(|(_, s)| s).collect()
}

/// `--all-netns run NAME` (a saved script or a script file): the script runs once in each
/// namespace, the host's first, each run after a header naming the namespace and its
/// container (`netns: NAME  container: web`; with `--format json` a JSON object with
/// `netns`, `name` and `container` on its own line). Live namespaces are read from workers
/// that entered them, sharing one owner scan; a snapshot's are its rows of each namespace.
/// The exit status is the highest of the runs.
pub fn run_every(
    script: &crate::script::Script<'_>,
    snapshot: Option<&std::path::Path>,
    format: Option<crate::render::Format>,
) -> Result<u8> {
    let base = match snapshot {
        Some(p) => {
            let cat = Catalog::open_snapshot(p)?;
            require_every_netns(&cat, p)?;
            Some(cat)
        }
        None => None,
    };
    namespaces::sharing_owners(|| {
        let sections = match &base {
            Some(cat) => sections_of(cat),
            None => {
                let names = sections_of(&Catalog::live());
                namespaces::all()
                    .into_iter()
                    .map(|t| Section {
                        container: names
                            .iter()
                            .find(|s| s.inode == t.inode)
                            .and_then(|s| s.container.clone()),
                        inode: t.inode,
                        label: t.label,
                    })
                    .collect()
            }
        };
        let json = format == Some(crate::render::Format::Json);
        let mut code = 0;
        for s in sections {
            let cat = match &base {
                Some(cat) => Catalog::from_snapshot(cat.snapshot()).only_netns(s.inode),
                None => match namespaces::all().into_iter().find(|t| t.inode == s.inode) {
                    Some(t) => Catalog::live_every(vec![t]),
                    None => continue,
                },
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let header = if json {
                let head = serde_json::json!({
                    "netns": s.inode,
                    "name": s.label,
                    "container": s.container,
                });
                format!("{head}")
            } else {
                match &s.container {
                    Some(c) => format!("\nnetns: {}  container: {c}", s.label),
                    None => format!("\nnetns: {}", s.label),
                }
            };
            if writeln!(out, "{header}")
                .and_then(|()| out.flush())
                .is_err()
            {
                return Ok(code);
            }
            match crate::app::run_script_on(cat, script, format, &mut out) {
                Ok(c) => code = code.max(c),
                Err(Error::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    return Ok(code);
                }
                Err(e) => {
                    drop(out);
                    crate::errln!("netpry: netns {}: {e}", s.label);
                    code = code.max(e.exit_code());
                    continue;
                }
            }
            if out.flush().is_err() {
                return Ok(code);
            }
        }
        Ok(code)
    })
}
