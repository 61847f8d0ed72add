//! What `netpry watch` collects each interval: a table, a script's result (inline or saved),
//! or the output of `netpry netstat` as one row per line.

use std::rc::Rc;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::model::{Column, Table, Type, Value};
use crate::tables::Request;

/// The thing watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A registry table: its name and, with `-c`, the columns to collect (the table's
    /// identity columns are added to them).
    Table(String, Option<Vec<String>>),
    /// A Rhai script whose result is a table (`-e SCRIPT`, `run NAME`, the REPL's `.watch`).
    Script {
        /// Name for messages.
        name: String,
        /// Source text.
        source: String,
        /// The script's `args`.
        args: Vec<String>,
    },
    /// `netpry netstat ARGS`, one row per output line.
    Netstat(Vec<String>),
}

impl Target {
    /// The target a `watch` command line names: `-e SCRIPT`, or `table NAME`,
    /// `run NAME [ARGS]`, `netstat [ARGS]` as `words`.
    pub fn parse(eval: Option<String>, words: &[String]) -> Result<Target> {
        const USAGE: &str = "watch needs what to watch: `table NAME`, `-e SCRIPT`, `run NAME [ARGS]` or `netstat [ARGS]`";
        if let Some(source) = eval {
            return Ok(Target::Script {
                name: "<expr>".into(),
                source,
                args: words.to_vec(),
            });
        }
        let (first, rest) = words
            .split_first()
            .ok_or_else(|| Error::Usage(USAGE.into()))?;
        match first.as_str() {
            "table" => {
                let (name, cols) = match rest {
                    [name] => (name, None),
                    [name, c, cols] if c == "-c" || c == "--columns" => (name, Some(cols.as_str())),
                    [name, c] if c.starts_with("--columns=") => {
                        (name, Some(&c["--columns=".len()..]))
                    }
                    _ => {
                        let mut msg = "watch table takes one table name and optionally -c COLS \
                                       (see `netpry tables`)"
                            .to_string();
                        // Everything after the target is the target's: netpry's own options
                        // (`--format json`, `--netns NS`) go before it.
                        let is_columns =
                            |w: &str| w == "-c" || w == "--columns" || w.starts_with("--columns=");
                        if let Some(opt) = rest
                            .iter()
                            .skip(1)
                            .find(|w| w.starts_with('-') && !is_columns(w))
                        {
                            msg.push_str(&format!(
                                "; `{opt}` is not one of its options: put netpry's own \
                                 options before the target (`netpry watch {opt} ... table \
                                 NAME`)"
                            ));
                        }
                        return Err(Error::Usage(msg));
                    }
                };
                let def = crate::tables::lookup(name)?;
                let columns = cols.map(|c| with_identity(def, c));
                if let Some(cols) = &columns {
                    crate::tables::check_columns(def, &Request::columns(cols))?;
                }
                Ok(Target::Table(def.name.to_string(), columns))
            }
            "run" => {
                let (name, args) = rest.split_first().ok_or_else(|| {
                    Error::Usage(
                        "watch run needs a saved script's name (see `netpry run --list`)".into(),
                    )
                })?;
                let saved = crate::script::saved::find(name)?;
                Ok(Target::Script {
                    name: name.clone(),
                    source: saved.source,
                    args: args.to_vec(),
                })
            }
            "netstat" => Ok(Target::Netstat(rest.to_vec())),
            other => Err(Error::Usage(format!(
                "watch: unknown target '{other}'; {USAGE}"
            ))),
        }
    }

    /// A short description for the header (`table sockets`, `run churn`, `netstat -s`).
    pub fn describe(&self) -> String {
        match self {
            Target::Table(t, _) => format!("table {t}"),
            Target::Script { name, .. } => format!("script {name}"),
            Target::Netstat(a) => format!("netstat {}", a.join(" ")).trim_end().to_string(),
        }
    }

    /// Collects the target now; notes from the collection are appended to `notes`.
    pub fn collect(&self, notes: &mut Vec<String>) -> Result<Table> {
        match self {
            Target::Table(name, columns) => {
                let cat = watched()?;
                // A whole table is compared cell by cell each interval, so every column is
                // read: all are collected at once, not a lazy one in a second pass.
                let t = match columns {
                    Some(columns) => {
                        // Rows of every namespace are told apart by their namespace too.
                        let mut columns = columns.clone();
                        if cat.reads_every_netns() && !columns.iter().any(|c| c == "netns") {
                            columns.insert(0, "netns".to_string());
                        }
                        cat.collect(
                            name,
                            &Request {
                                columns: Some(columns),
                                ..Request::default()
                            },
                        )
                    }
                    None => cat.collect_every_column(name),
                };
                notes.extend(cat.notes().take());
                t
            }
            Target::Script { name, source, args } => {
                use crate::script::{self, Output, Script, Settings};
                let cat = Rc::new(watched()?);
                let out = script::run(
                    &Script { name, source, args },
                    Rc::clone(&cat),
                    Settings::new(crate::render::RenderOpts::default()),
                );
                notes.extend(cat.notes().take());
                Ok(match out? {
                    Output::Table(t) => std::sync::Arc::unwrap_or_clone(t),
                    Output::Nothing => one_column("result", "value", None),
                    Output::Value { text, .. } => {
                        one_column("result", "value", Some(text.trim_end()))
                    }
                    Output::Exit { code, message } => {
                        let mut t = Table::new(
                            "exit",
                            vec![
                                Column::new("code", Type::Int, "The script's exit status"),
                                Column::new("message", Type::Str, "Its message"),
                            ],
                        );
                        t.push([Value::Int(i64::from(code)), Value::str(message)]);
                        t
                    }
                })
            }
            Target::Netstat(args) => netstat_lines(args),
        }
    }
}

/// The columns `cols` (comma separated) with the identity columns of `def` that the table has
/// put first, so that rows are still recognised from one collection to the next.
fn with_identity(def: &crate::tables::TableDef, cols: &str) -> Vec<String> {
    let schema: Vec<&str> = (def.columns)().iter().map(|c| c.name.as_ref()).collect();
    let wanted: Vec<String> = cols
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect();
    let mut out: Vec<String> = Vec::new();
    if let Some(id) = crate::tables::identity::identity(def.name) {
        for k in id.key.iter().chain(id.fallback) {
            if schema.contains(k) && !out.iter().any(|o| o == k) && !wanted.iter().any(|w| w == k) {
                out.push(k.to_string());
            }
        }
    }
    out.extend(wanted);
    out
}

/// A table with one text column `col` and one row (none for `None`).
fn one_column(name: &'static str, col: &'static str, text: Option<&str>) -> Table {
    let mut t = Table::new(name, vec![Column::new(col, Type::Str, "Output")]);
    if let Some(text) = text {
        t.push([Value::str(text)]);
    }
    t
}

/// Runs `netpry netstat ARGS` (this same program) and returns its output lines as a table
/// `netstat` with one column `line`.
/// The catalog a collection reads: the live host, in the namespace `--netns` entered, or every
/// namespace with `--all-netns` (listed again at each collection, so namespaces that come and
/// go are seen).
fn watched() -> Result<Catalog> {
    crate::front::catalog(&[])
}

fn netstat_lines(args: &[String]) -> Result<Table> {
    let exe = std::env::current_exe().map_err(|e| Error::Io {
        what: "finding the netpry program to run netstat".into(),
        source: e,
    })?;
    // `--netns` was entered by this process, which the child inherits; `--all-netns` is
    // passed on.
    let every = crate::namespaces::choice() == crate::namespaces::Choice::All;
    let out = std::process::Command::new(exe)
        .args(every.then_some("--all-netns"))
        .arg("netstat")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::Io {
            what: "running netpry netstat".into(),
            source: e,
        })?;
    if !out.status.success() && out.stdout.is_empty() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Usage(format!(
            "watch netstat: {}",
            err.trim().trim_start_matches("netstat: ")
        )));
    }
    let mut t = Table::new(
        "netstat",
        vec![Column::new(
            "line",
            Type::Str,
            "One line of netstat's output",
        )],
    );
    for line in out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        t.push([Value::name(line)]);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn targets_from_the_command_line() {
        assert_eq!(
            Target::parse(None, &words(&["table", "sockets"])).unwrap(),
            Target::Table("sockets".into(), None)
        );
        let Target::Table(_, Some(cols)) = Target::parse(
            None,
            &words(&["table", "interfaces", "-c", "name,rx_bytes"]),
        )
        .unwrap() else {
            panic!("no columns")
        };
        assert_eq!(cols, ["index", "name", "rx_bytes"]);
        assert_eq!(
            Target::parse(None, &words(&["netstat", "-tan"])).unwrap(),
            Target::Netstat(words(&["-tan"]))
        );
        assert!(matches!(
            Target::parse(Some("interfaces()".into()), &[]).unwrap(),
            Target::Script { .. }
        ));
        for bad in [
            &[][..],
            &["table"],
            &["bogus"],
            &["table", "sockts"],
            &["table", "sockets", "-c", "stat"],
            &["table", "sockets", "-x"],
        ] {
            let e = Target::parse(None, &words(bad)).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
        }
        // netpry's own options after the target: the message says where they go.
        let e = Target::parse(
            None,
            &words(&["table", "sockets", "-c", "state", "--format", "json"]),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("`--format` is not one of its options"),
            "{e}"
        );
    }
}
