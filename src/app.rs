//! Runs a parsed command line: picks the catalog (live or snapshot), dispatches the command,
//! renders, and prints notes. Returns the process exit status.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use clap::Parser;

use crate::catalog::Catalog;
use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::model::{Column, Table, Type, Value};
use crate::render::{self, Format, RenderOpts};
use crate::snapshot;
use crate::tables::{self, Request, TABLES};

/// Runs netpry with `args` (including the program name) and returns the exit status.
pub fn main(args: Vec<OsString>) -> u8 {
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
    match run(cli) {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            eprintln!("netpry: {e}");
            e.exit_code()
        }
    }
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
    let (snapshot, rest): (Option<&str>, &[String]) = match args.get(1).map(String::as_str) {
        Some("--snapshot") => (
            args.get(2).map(String::as_str),
            args.get(3..).unwrap_or(&[]),
        ),
        Some(a) if a.starts_with("--snapshot=") => (Some(&a["--snapshot=".len()..]), &args[2..]),
        _ => (None, args.get(1..).unwrap_or(&[])),
    };
    if rest.first().map(String::as_str) != Some("netstat") {
        return None;
    }
    let snapshot = snapshot.map(std::path::Path::new);
    Some(crate::netstat::main(
        "netstat",
        rest[1..].to_vec(),
        snapshot,
    ))
}

/// Opens the catalog the options ask for.
pub fn catalog(snapshot: Option<&std::path::Path>) -> Result<Catalog> {
    match snapshot {
        Some(p) => Catalog::open_snapshot(p),
        None => Ok(Catalog::live()),
    }
}

/// Render options for standard output: the table form fitted to the terminal when it is one.
pub fn stdout_render_opts(format: Option<Format>) -> RenderOpts {
    let out = std::io::stdout();
    let width = if out.is_terminal() {
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
    } else {
        None
    };
    RenderOpts {
        format: format.unwrap_or_default(),
        width,
    }
}

/// Prints the catalog's notes on stderr, one line each.
pub fn print_notes(cat: &Catalog) {
    for n in cat.notes().take() {
        eprintln!("netpry: note: {n}");
    }
}

fn run(cli: Cli) -> Result<u8> {
    let opts = stdout_render_opts(cli.format);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let command = cli.command.ok_or_else(|| {
        Error::Usage("no command given; try `netpry tables` or `netpry --help`".into())
    })?;
    match command {
        Command::Tables => {
            let mut t = Table::new(
                "tables",
                vec![
                    Column::new("name", Type::Str, "Table name"),
                    Column::new("columns", Type::Int, "Number of columns"),
                    Column::new("description", Type::Str, "What the table holds"),
                ],
            );
            for def in TABLES {
                t.push([
                    Value::str(def.name),
                    Value::int((def.columns)().len()),
                    Value::str(def.doc),
                ]);
            }
            render::render(&t, &opts, &mut out)?;
        }
        Command::Schema { name } => {
            let def = tables::lookup(&name)?;
            render::render(&schema_table(def), &opts, &mut out)?;
        }
        Command::Table { name, columns } => {
            let cat = catalog(cli.snapshot.as_deref())?;
            let req = Request {
                columns,
                ..Request::default()
            };
            let result = cat.collect(&name, &req);
            print_notes(&cat);
            render::render(&result?, &opts, &mut out)?;
        }
        Command::Snapshot { output } => {
            let cat = catalog(cli.snapshot.as_deref())?;
            let snap = cat.snapshot();
            print_notes(&cat);
            for (t, why) in &snap.errors {
                eprintln!("netpry: {t}: not collected: {why}");
            }
            match output {
                Some(p) if p.as_os_str() == "-" => snap.write(&mut out)?,
                _ => {
                    let path = output.unwrap_or_else(|| snapshot::default_path(&snap.info));
                    let file = std::fs::File::create(&path).map_err(|e| Error::Io {
                        what: format!("creating {}", path.display()),
                        source: e,
                    })?;
                    let mut w = std::io::BufWriter::new(file);
                    snap.write(&mut w)?;
                    w.flush().map_err(|e| Error::Io {
                        what: format!("writing {}", path.display()),
                        source: e,
                    })?;
                    eprintln!("netpry: snapshot written to {}", path.display());
                }
            }
        }
        Command::Netstat { args } => {
            // Normally dispatched before clap; reached only with options clap consumed first.
            return Ok(crate::netstat::main(
                "netstat",
                args,
                cli.snapshot.as_deref(),
            ));
        }
    }
    out.flush().map_err(Error::Output)?;
    Ok(0)
}

/// The schema of a table as a table (name, type, description).
pub fn schema_table(def: &tables::TableDef) -> Table {
    let mut t = Table::new(
        def.name,
        vec![
            Column::new("column", Type::Str, "Column name"),
            Column::new("type", Type::Str, "Value type"),
            Column::new("description", Type::Str, "What the column holds"),
        ],
    );
    for c in (def.columns)() {
        t.push([
            Value::str(&c.name),
            Value::str(c.ty.name()),
            Value::str(&c.doc),
        ]);
    }
    t
}
