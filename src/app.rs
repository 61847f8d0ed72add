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
    RenderOpts { format: format.unwrap_or_default(), width }
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
                t.push([Value::str(def.name), Value::int((def.columns)().len()), Value::str(def.doc)]);
            }
            render::render(&t, &opts, &mut out)?;
        }
        Command::Schema { name } => {
            let def = tables::lookup(&name)?;
            render::render(&schema_table(def), &opts, &mut out)?;
        }
        Command::Table { name, columns } => {
            let cat = catalog(cli.snapshot.as_deref())?;
            let req = Request { columns, ..Request::default() };
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
                    w.flush().map_err(|e| Error::Io { what: format!("writing {}", path.display()), source: e })?;
                    eprintln!("netpry: snapshot written to {}", path.display());
                }
            }
        }
        Command::Netstat { args } => {
            return Err(Error::Usage(format!("netstat: not available yet ({} arguments)", args.len())));
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
        t.push([Value::str(&c.name), Value::str(c.ty.name()), Value::str(&c.doc)]);
    }
    t
}
