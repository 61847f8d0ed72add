//! Runs a parsed command line: picks the catalog (live or snapshot), dispatches the command,
//! renders, and prints notes. Returns the process exit status.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Parser;

use crate::catalog::Catalog;
use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::front::{self, catalog};
use crate::model::{Column, Table, Type, Value};
use crate::namespaces::{self, Choice};
use crate::render::{self, Format, RenderOpts};
use crate::snapshot;
use crate::tables::{self, Request};

/// Runs netpry with `args` (including the program name) and returns the exit status.
pub fn main(args: Vec<OsString>) -> u8 {
    let args = match crate::netns_front::choose_netns(args) {
        Ok(args) => args,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "netpry: {e}");
            return e.exit_code();
        }
    };
    if let Some(code) = netstat_dispatch(&args) {
        return code;
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let code = front::finish("netpry", run(cli), &mut std::io::stderr().lock());
    // A hidden switch for tests and benchmarks: which costly /proc passes the run made.
    if std::env::var_os("NETPRY_DEBUG_STATS").is_some_and(|v| v == "1") {
        crate::errln!("netpry-stats: {}", crate::catalog::collection_stats());
    }
    code
}

/// Hands the command line to the netstat front end when the program is called `netstat` or
/// `bsd-netstat`, or the first command word is `netstat` (after an optional `--snapshot FILE`).
/// net-tools' command line has its own parsing rules, so clap never sees it.
fn netstat_dispatch(args: &[OsString]) -> Option<u8> {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let program = args.first().map_or("netpry", String::as_str);
    let base = std::path::Path::new(program)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if base == "netstat" || base == "bsd-netstat" {
        return Some(crate::netstat::main(base, args[1..].to_vec(), None));
    }
    // Leading `--snapshot FILE` / `--snapshot=FILE` options, as many as given.
    let mut snapshots: Vec<PathBuf> = Vec::new();
    let mut i = 1;
    loop {
        match args.get(i).map(String::as_str) {
            Some("--snapshot") => {
                snapshots.extend(args.get(i + 1).map(PathBuf::from));
                i += 2;
            }
            Some(a) if a.starts_with("--snapshot=") => {
                snapshots.push(PathBuf::from(&a["--snapshot=".len()..]));
                i += 1;
            }
            _ => break,
        }
    }
    let rest = args.get(i..).unwrap_or(&[]);
    if rest.first().map(String::as_str) != Some("netstat") {
        return None;
    }
    Some(netstat_over(&snapshots, &rest[1..]))
}

/// `netpry netstat ARGS` over the live host, one snapshot, or each snapshot of a fleet (after a
/// `host: NAME` line each); `--all-netns` adds a `netns: NAME` line per namespace.
pub fn netstat_over(snapshots: &[PathBuf], args: &[String]) -> u8 {
    if crate::fleet::is_fleet(snapshots) {
        return crate::fleet::netstat_each(snapshots, args);
    }
    let snapshot = snapshots.first().map(PathBuf::as_path);
    if namespaces::choice() == Choice::All {
        return match snapshot {
            None => crate::netns_front::netstat_every("netstat", args),
            Some(p) => crate::netns_front::netstat_every_stored(p, args),
        };
    }
    crate::netstat::main("netstat", args.to_vec(), snapshot)
}

/// The `--width` option, set once at start-up (`Some(0)`: no limit).
static WIDTH: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// The `--all` option, set once at start-up.
static ALL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Render options for standard output: the table form fitted to `--width`, else to the
/// terminal when standard output is one.
pub fn stdout_render_opts(format: Option<Format>) -> RenderOpts {
    let out = std::io::stdout();
    let width = if let Some(&w) = WIDTH.get() {
        (w > 0).then_some(w)
    } else if out.is_terminal() {
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
    } else {
        None
    };
    RenderOpts {
        format: format.unwrap_or_default(),
        width,
        all: ALL.load(std::sync::atomic::Ordering::Relaxed),
    }
}

/// Prints the catalog's notes on stderr, one `netpry: note:` line each ([`front::print_notes`]).
pub fn print_notes(cat: &Catalog) {
    // A closed standard error loses the notes: there is nowhere left to report that to.
    let _ = front::print_notes("netpry", cat, &mut std::io::stderr().lock());
}

fn run(cli: Cli) -> Result<u8> {
    if cli.version {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        crate::version::print(&mut out, cli.verbose).map_err(Error::Output)?;
        return Ok(0);
    }
    if let Some(w) = cli.width {
        let _ = WIDTH.set(w);
    }
    ALL.store(cli.all, std::sync::atomic::Ordering::Relaxed);
    if let Some(source) = cli.eval.as_deref() {
        let args = match &cli.command {
            None => &[][..],
            Some(Command::File(args)) => args.as_slice(),
            Some(_) => {
                return Err(Error::Usage(
                    "-e runs the script it is given: put the script's arguments after `--`".into(),
                ));
            }
        };
        return run_script("<expr>", source, args, &cli.snapshot, cli.format, false);
    }
    // No command, or `repl`: the interactive shell (stdin as a script when it is no terminal).
    let command = match cli.command {
        None | Some(Command::Repl) => {
            return crate::repl::run(crate::repl::Options {
                snapshot: cli.snapshot,
                format: cli.format,
            });
        }
        Some(c) => c,
    };
    // Commands that read no table still refuse a snapshot they cannot read: the same status
    // as every other command given it.
    if !cli.snapshot.is_empty()
        && matches!(
            &command,
            Command::Tables | Command::Schema { .. } | Command::Man { .. }
        )
    {
        catalog(&cli.snapshot)?;
    }
    let opts = stdout_render_opts(cli.format);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match command {
        Command::Repl => {} // handled above
        Command::Tables => render::render(&tables::listing(), &opts, &mut out)?,
        Command::Completions { shell } => crate::manual::completions(shell, &mut out)?,
        Command::Man { page: None } => crate::manual::man_page(&mut out)?,
        Command::Man { page: Some(_) } => crate::manual::netstat_man_page(&mut out)?,
        Command::Schema { name } => {
            let def = tables::lookup(&name)?;
            render::render(&def.schema_table(), &opts, &mut out)?;
        }
        Command::Table { name, columns } => {
            let cat = catalog(&cli.snapshot)?;
            let req = Request {
                columns,
                ..Request::default()
            };
            let result = cat.collect(&name, &req);
            let missing = match (&result, req.columns.as_deref()) {
                (Ok(_), Some(cols)) => cat.missing_columns_note(&name, cols),
                _ => None,
            };
            if let Some(note) = missing {
                cat.notes().add(note);
            }
            // The table is shown whole: compute its lazy columns first, so the notes they
            // may add come out with the others.
            if let Ok(t) = &result {
                t.compute_all();
            }
            print_notes(&cat);
            // Columns named with -c are shown, not replaced by the table's default view.
            let opts = RenderOpts {
                all: opts.all || req.columns.is_some(),
                ..opts
            };
            render::render(&result?, &opts, &mut out)?;
        }
        Command::Snapshot { output } => {
            // Refuse a device, FIFO or link before the (long) collection, not after.
            if let Some(p) = output.as_deref().filter(|p| p.as_os_str() != "-") {
                crate::outfile::check_target(p)?;
            }
            let cat = catalog(&cli.snapshot)?;
            if cat.fleet().is_some() {
                return Err(Error::Usage(
                    "snapshot saves one host: over several snapshots, use `netpry export DIR` (or query them with -e)"
                        .into(),
                ));
            }
            let snap = cat.snapshot();
            print_notes(&cat);
            for (t, why) in &snap.errors {
                // Both may come from another host's snapshot file.
                crate::errln!(
                    "netpry: {}: not collected: {}",
                    crate::model::escape_bounded(t.as_bytes(), 80),
                    crate::model::escape_bounded(why.as_bytes(), 400)
                );
            }
            match output {
                Some(p) if p.as_os_str() == "-" => snap.write(&mut out)?,
                _ => {
                    let path = output.unwrap_or_else(|| snapshot::default_path(&snap.info));
                    snap.write_file(&path)?;
                    crate::errln!("netpry: snapshot written to {}", path.display());
                }
            }
        }
        Command::Run { list: true, .. } => {
            render::render(&saved_scripts_table()?, &opts, &mut out)?;
        }
        Command::Run { name, args, .. } => {
            let name = name.as_deref().unwrap_or_default();
            // A path (with a `/` or ending in .rhai) is a script file, as for the REPL's .run.
            let source = if name.contains('/') || name.ends_with(".rhai") {
                crate::input::read_script(std::path::Path::new(name))
                    .map_err(|p| Error::Usage(format!("cannot read script {name}: {p}")))?
            } else {
                crate::script::saved::find(name)?.source
            };
            drop(out);
            return run_script(name, &source, &args, &cli.snapshot, cli.format, true);
        }
        Command::File(argv) => {
            let (path, args) = argv
                .split_first()
                .ok_or_else(|| Error::Usage("no script file given".into()))?;
            let missing = std::fs::symlink_metadata(path).is_err();
            let source = match crate::input::read_script(std::path::Path::new(path)) {
                Ok(s) => s,
                Err(_) if missing && !path.contains(['/', '.']) => {
                    use clap::CommandFactory;
                    let cmd = Cli::command();
                    let names = cmd.get_subcommands().map(|c| c.get_name());
                    let hint = crate::error::suggest(path, names);
                    let hint = if hint.starts_with("; did you mean") {
                        hint
                    } else {
                        String::new()
                    };
                    return Err(Error::Usage(format!(
                        "unknown command '{path}'{hint} (see `netpry --help`; a script file needs a path or a .rhai name)"
                    )));
                }
                Err(p) => return Err(Error::Usage(format!("cannot read script {path}: {p}"))),
            };
            drop(out);
            return run_script(path, &source, args, &cli.snapshot, cli.format, true);
        }
        Command::Watch {
            interval,
            count,
            eval,
            target,
        } => {
            drop(out);
            if !cli.snapshot.is_empty() {
                return Err(Error::Usage(
                    "watch reads the running kernel; to compare snapshots use `netpry diff OLD NEW`"
                        .into(),
                ));
            }
            let target = crate::watch::Target::parse(eval, &target)?;
            return crate::watch::run(&crate::watch::Options {
                interval,
                count,
                target,
                json: cli.format == Some(Format::Json),
            });
        }
        Command::Diff {
            old,
            new,
            tables,
            any_host,
        } => {
            let opts = crate::watch::diff::DiffOptions {
                tables,
                any_host,
                json: cli.format == Some(Format::Json),
            };
            let code = crate::watch::diff::run(&old, &new, &opts, &mut out)?;
            out.flush().map_err(Error::Output)?;
            return Ok(code);
        }
        Command::Netstat { args } => {
            // Normally dispatched before clap; reached only with options clap consumed first.
            return Ok(netstat_over(&cli.snapshot, &args));
        }
        Command::Export { dir } => {
            drop(out);
            let stats = export(&dir, &cli.snapshot)?;
            crate::errln!(
                "netpry: exported {} rows from {} snapshot{} to {} ({} files)",
                stats.rows,
                stats.snapshots,
                if stats.snapshots == 1 { "" } else { "s" },
                dir.display(),
                stats.files
            );
            return Ok(0);
        }
    }
    out.flush().map_err(Error::Output)?;
    Ok(0)
}

/// Runs a script (from `-e`, a file, or the saved scripts) and prints its result; the exit
/// status is 0, or what `exit_with` asked for. A saved script or script file (`saved`) under
/// `--all-netns` runs once per namespace, each run after a `netns: NAME` header.
fn run_script(
    name: &str,
    source: &str,
    args: &[String],
    snapshot: &[PathBuf],
    format: Option<Format>,
    saved: bool,
) -> Result<u8> {
    let script = crate::script::Script { name, source, args };
    if saved && namespaces::choice() == Choice::All && !crate::fleet::is_fleet(snapshot) {
        let one = snapshot.first().map(PathBuf::as_path);
        return crate::netns_front::run_every(&script, one, format);
    }
    let cat = catalog(snapshot)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = run_script_on(cat, &script, format, &mut out)?;
    out.flush().map_err(Error::Output)?;
    Ok(code)
}

/// Runs `script` over `cat`, prints its notes on stderr and its result on `out`; the exit
/// status is 0, or what `exit_with` or `fail` asked for.
pub fn run_script_on(
    cat: Catalog,
    script: &crate::script::Script<'_>,
    format: Option<Format>,
    out: &mut dyn Write,
) -> Result<u8> {
    use crate::script::{self, Output, Settings};
    let cat = std::rc::Rc::new(cat);
    let opts = stdout_render_opts(format);
    let result = script::run(script, std::rc::Rc::clone(&cat), Settings::new(opts));
    // The result is shown whole: compute its lazy columns first, so the notes they may add
    // come out with the others.
    if let Ok(Output::Table(t)) = &result {
        t.compute_all();
    }
    print_notes(&cat);
    let code = match result? {
        Output::Nothing => 0,
        Output::Table(t) => {
            render::render(&t, &opts, out)?;
            0
        }
        Output::Value { text, json } => {
            if opts.format == Format::Json {
                writeln!(out, "{json}").map_err(Error::Output)?;
            } else {
                out.write_all(text.as_bytes()).map_err(Error::Output)?;
            }
            0
        }
        Output::Exit { code, message } => {
            if !message.is_empty() {
                writeln!(out, "{message}").map_err(Error::Output)?;
            }
            code
        }
    };
    Ok(code)
}

/// `netpry export DIR`: the snapshots given (each one whole, in parallel), or this host now.
fn export(dir: &std::path::Path, snapshots: &[PathBuf]) -> Result<crate::fleet::export::Stats> {
    use crate::fleet::export;
    if snapshots.is_empty() {
        let cat = catalog(snapshots)?;
        let snap = cat.snapshot();
        print_notes(&cat);
        for (t, why) in &snap.errors {
            crate::errln!("netpry: {t}: not collected: {why}");
        }
        return export::export(dir, 1, |_| Ok(snap.clone()));
    }
    if namespaces::choice() != Choice::Current {
        return Err(Error::Usage(
            "export writes every row of every snapshot, with its netns: --netns and --all-netns do not apply to snapshots here".into(),
        ));
    }
    let fleet = crate::fleet::Fleet::open(snapshots)?;
    let members = fleet.members();
    export::export(dir, members.len(), |i| members[i].source.load())
}

/// The saved scripts as a table: name, where it comes from, description.
fn saved_scripts_table() -> Result<Table> {
    use crate::script::saved::{self, Origin};
    let mut t = Table::new(
        "scripts",
        vec![
            Column::new("name", Type::Str, "Script name (`netpry run NAME`)"),
            Column::new("origin", Type::Str, "built-in, or the user's file"),
            Column::new("description", Type::Str, "First comment line"),
        ],
    );
    let listing = saved::all();
    for p in &listing.problems {
        crate::errln!("netpry: note: {p}");
    }
    for s in listing.scripts.values() {
        let origin = match &s.origin {
            Origin::Builtin => "built-in".to_string(),
            Origin::User(p) => p.display().to_string(),
        };
        t.push([
            Value::str(&s.name),
            Value::str(origin),
            Value::str(s.description()),
        ]);
    }
    Ok(t)
}
