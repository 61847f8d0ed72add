//! Dot-commands: the shell's own commands (`.help`, `.tables`, `.schema`, `.explain`, `.format`,
//! `.timer`, `.pager`, `.refresh`, `.run`, `.load`, `.netstat`, `.quit`). Every command reports
//! its errors as one line and returns to the prompt.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::ReplSession;
use super::explain;
use crate::render::Format;
use crate::tables::{self, TABLES};

/// A dot-command: its name, its arguments and what it does.
#[derive(Debug)]
pub struct Command {
    /// Name with the leading dot.
    pub name: &'static str,
    /// Argument synopsis.
    pub args: &'static str,
    /// One-line description.
    pub help: &'static str,
}

/// Every dot-command, in the order `.help` lists them.
pub static COMMANDS: &[Command] = &[
    Command {
        name: ".help",
        args: "[TOPIC]",
        help: "this list, or help on a command, a table, `explain`, `keys`, `functions`",
    },
    Command {
        name: ".tables",
        args: "",
        help: "list the tables with their descriptions",
    },
    Command {
        name: ".schema",
        args: "TABLE",
        help: "columns of a table: name, type, description",
    },
    Command {
        name: ".explain",
        args: "TERM",
        help: "what a TCP state, netstat column, route flag, table or column means",
    },
    Command {
        name: ".format",
        args: "table|json|csv",
        help: "how results are printed; without argument, the current format",
    },
    Command {
        name: ".timer",
        args: "on|off",
        help: "print how long each evaluation took",
    },
    Command {
        name: ".pager",
        args: "on|off",
        help: "send output longer than the screen through $PAGER (default less -FRX)",
    },
    Command {
        name: ".refresh",
        args: "",
        help: "collect fresh data (otherwise reused for up to 5 seconds)",
    },
    Command {
        name: ".run",
        args: "SCRIPT [ARGS...]",
        help: "run a saved script (by name or path) with arguments",
    },
    Command {
        name: ".load",
        args: "FILE",
        help: "evaluate a file in this shell: its functions and variables stay",
    },
    Command {
        name: ".netstat",
        args: "[ARGS...]",
        help: "run netstat with net-tools arguments (e.g. .netstat -tanp, .netstat --bsd -rn)",
    },
    Command {
        name: ".netns",
        args: "[NAME|PATH|pid:PID|INODE|all|-]",
        help: "read another network namespace, every one (all), or the starting one (-)",
    },
    Command {
        name: ".watch",
        args: "[-n SECS] EXPRESSION",
        help: "redraw an expression's table every interval with changes marked (q quits)",
    },
    Command {
        name: ".quit",
        args: "",
        help: "leave the shell (also .exit, Ctrl-D)",
    },
];

/// What the loop does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Read the next input.
    Continue,
    /// Leave the shell.
    Quit,
}

/// Topics `.help` knows besides the commands and tables.
pub fn help_topics() -> Vec<String> {
    let mut out: Vec<String> = COMMANDS.iter().map(|c| c.name[1..].to_string()).collect();
    out.extend(["keys", "functions", "methods", "language"].map(String::from));
    out.extend(TABLES.iter().map(|t| t.name.to_string()));
    out.extend(
        crate::script::help::entries()
            .into_iter()
            .flat_map(|e| e.names),
    );
    out.sort();
    out.dedup();
    out
}

/// `.watch [-n SECS] EXPRESSION`: `netpry watch -e EXPRESSION` on the live system.
fn watch(session: &mut ReplSession, line: &str) {
    const USAGE: &str = "usage: .watch [-n SECS] EXPRESSION (e.g. .watch -n 1 interfaces())";
    if !session.snapshot.is_empty() {
        return session.error(".watch watches the live system; a snapshot never changes");
    }
    let mut rest = line.strip_prefix(".watch").unwrap_or("").trim_start();
    let mut interval = 2.0;
    if let Some(after) = rest.strip_prefix("-n") {
        let after = after.trim_start();
        let (secs, tail) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        match secs.parse::<f64>() {
            Ok(s) => interval = s,
            Err(_) => return session.error(USAGE),
        }
        rest = tail.trim_start();
    }
    if rest.is_empty() {
        return session.error(USAGE);
    }
    let opts = crate::watch::Options {
        interval,
        count: None,
        target: crate::watch::Target::Script {
            name: "<watch>".into(),
            source: rest.to_string(),
            args: Vec::new(),
        },
        json: false,
    };
    if let Err(e) = crate::watch::run(&opts) {
        session.error(&format!(".watch: {e}"));
    }
}

/// Runs the dot-command line `line` (leading dot included).
pub fn run(session: &mut ReplSession, line: &str) -> Next {
    let mut words = split_args(line.trim());
    if words.is_empty() {
        return Next::Continue;
    }
    let name = words.remove(0);
    let arg = words.first().map(String::as_str);
    match name.as_str() {
        ".help" | ".h" | ".?" => session.show(&help(session, arg)),
        ".tables" => session.show_table(&crate::tables::listing()),
        ".schema" => match arg {
            None => session.error("usage: .schema TABLE (tables: see .tables)"),
            Some(t) => match tables::lookup(t) {
                Ok(def) => session.show_table(&def.schema_table()),
                Err(e) => session.error(&e.to_string()),
            },
        },
        ".explain" => {
            let term = line.trim()[name.len()..].trim();
            if term.is_empty() {
                session.show(&explain::overview());
            } else {
                match explain::explain(term) {
                    Some(text) => session.show(&text),
                    None => session.error(&format!(
                        "nothing known about '{term}'; try .help explain for what .explain covers"
                    )),
                }
            }
        }
        ".format" => match arg {
            None => session.show(&format!("format: {}", format_name(session.format))),
            Some("table") => session.format = Format::Table,
            Some("json") => session.format = Format::Json,
            Some("csv") => session.format = Format::Csv,
            Some("plain") => session.format = Format::Plain,
            Some(other) => {
                session.error(&format!("unknown format '{other}'; use table, json or csv"))
            }
        },
        ".timer" => match on_off(arg) {
            Ok(Some(v)) => session.timer = v,
            Ok(None) => session.show(&format!(
                "timer: {}",
                if session.timer { "on" } else { "off" }
            )),
            Err(e) => session.error(&format!(".timer: {e}")),
        },
        ".pager" => match on_off(arg) {
            Ok(Some(v)) => session.pager.enabled = v,
            Ok(None) => session.show(&format!(
                "pager: {} ({})",
                if session.pager.enabled { "on" } else { "off" },
                super::pager::command_line()
            )),
            Err(e) => session.error(&format!(".pager: {e}")),
        },
        ".refresh" => session.refresh(),
        ".run" => match arg {
            None => {
                session.error("usage: .run SCRIPT [ARGS...] (a saved script name or a .rhai file)")
            }
            Some(script) => {
                let script = script.to_string();
                session.run_script(&script, &words[1..]);
            }
        },
        ".load" => match arg {
            None => session.error("usage: .load FILE"),
            Some(path) => match crate::input::read_script(std::path::Path::new(path)) {
                Ok(src) => session.eval_and_show(&src),
                Err(p) => session.error(&format!("cannot read {path}: {p}")),
            },
        },
        ".netns" => {
            if let Err(e) = session.set_netns(arg) {
                session.error(&e.to_string());
            }
        }
        ".netstat" => {
            let every = session.snapshot.is_empty()
                && crate::namespaces::choice() == crate::namespaces::Choice::All;
            let code = if every {
                crate::netns_front::netstat_every("netstat", &words)
            } else if crate::fleet::is_fleet(&session.snapshot) {
                crate::fleet::netstat_each(&session.snapshot, &words)
            } else {
                crate::netstat::main(
                    "netstat",
                    words,
                    session.snapshot.first().map(PathBuf::as_path),
                )
            };
            if code != 0 {
                session.error(&format!("netstat exited with status {code}"));
            }
        }
        ".watch" => watch(session, line.trim()),
        ".quit" | ".exit" | ".q" => return Next::Quit,
        other => {
            let known: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
            let hint = crate::error::suggest(other, known.iter().copied());
            let hint = if hint.starts_with("; did you mean") {
                hint
            } else {
                String::new()
            };
            session.error(&format!(
                "unknown command '{other}'{hint}; .help lists the commands"
            ));
        }
    }
    Next::Continue
}

/// Splits a command line into words; double or single quotes keep spaces inside a word.
pub fn split_args(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn on_off(arg: Option<&str>) -> Result<Option<bool>, String> {
    match arg {
        None => Ok(None),
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        Some(other) => Err(format!("expected on or off, not '{other}'")),
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Table => "table",
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Plain => "plain",
    }
}

/// The text of `.help` and `.help TOPIC`.
fn help(session: &ReplSession, topic: Option<&str>) -> String {
    let mut out = String::new();
    let Some(topic) = topic.map(|t| t.trim_start_matches('.')) else {
        let _ = writeln!(
            out,
            "Type a Rhai expression over the tables and press Enter, e.g.\n\
             \x20 sockets().where(|s| s.state == \"LISTEN\").select([\"local_port\", \"pid\"])\n\
             An unfinished expression continues on the next line. Tab completes; Ctrl-C cancels;\n\
             Ctrl-D leaves.\nTables: {}\n\nCommands:",
            TABLES
                .iter()
                .map(|t| format!("{}()", t.name))
                .collect::<Vec<_>>()
                .join(" ")
        );
        for c in COMMANDS {
            let _ = writeln!(out, "  {:<26} {}", format!("{} {}", c.name, c.args), c.help);
        }
        let _ = write!(
            out,
            "\nMore: .help keys, .help functions, .help language, .help TABLE, .help METHOD \
             (e.g. .help where)"
        );
        return out;
    };
    if let Some(c) = COMMANDS.iter().find(|c| &c.name[1..] == topic) {
        let _ = write!(out, "{} {}\n  {}", c.name, c.args, c.help);
        if topic == "explain" {
            let _ = write!(out, "\n\n{}", explain::overview());
        }
        return out;
    }
    match topic {
        "keys" => out.push_str(
            "Tab          complete a table, method, column, helper, command or script name\n\
             Right arrow  accept the grey hint taken from history\n\
             Up / Down    previous / next input; Ctrl-R searches history\n\
             Enter        evaluate (or continue an unfinished input on the next line)\n\
             Ctrl-C       cancel the running evaluation, or discard the current input\n\
             Ctrl-D       leave the shell (on an empty line)",
        ),
        "functions" | "methods" => {
            let v = session.vocabulary();
            let _ = writeln!(
                out,
                "Tables: {}",
                TABLES.iter().map(|t| format!("{}()", t.name)).collect::<Vec<_>>().join(" ")
            );
            let _ = writeln!(out, "Table methods: {}", v.methods.join(" "));
            let _ = write!(out, "Functions: {}", v.functions.join(" "));
        }
        "language" => out.push_str(
            "Each input is a Rhai script; its last value is shown (tables as tables).\n\
             Variables and functions persist: `let l = sockets().where(|s| s.state == \"LISTEN\");`\n\
             then `l.count()`. Closures take a row: `|s| s.local_port < 1024`.\n\
             Strings \"..\", arrays [..], maps #{..}; `if`, `for x in t { }`, `fn name(a) { }`.\n\
             Data is collected once and reused for 5 seconds (.refresh collects again).",
        ),
        t => match tables::lookup(t) {
            Ok(def) => {
                let _ = write!(
                    out,
                    "{}(): {}\nSource: {}\nColumns: {}\n(.schema {} shows types and descriptions)",
                    def.name,
                    def.doc,
                    def.source,
                    (def.columns)().iter().map(|c| c.name.as_ref()).collect::<Vec<_>>().join(", "),
                    def.name
                );
            }
            Err(_) => match crate::script::help::help(t) {
                Some(text) => out.push_str(&text),
                None => {
                    let topics = help_topics();
                    let hint = crate::error::suggest(t, topics.iter().map(String::as_str));
                    let _ = write!(
                        out,
                        "no help on '{t}'{hint}; .help lists the commands and topics, .help \
                         methods the methods and helpers"
                    );
                }
            },
        },
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_arguments() {
        assert_eq!(
            split_args(".run x 'a b' \"c\" d"),
            vec![".run", "x", "a b", "c", "d"]
        );
        assert_eq!(split_args("  .netstat   -tan  "), vec![".netstat", "-tan"]);
        assert_eq!(split_args(".x ''"), vec![".x", ""]);
    }

    #[test]
    fn every_command_is_listed_once_with_help() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            assert!(c.name.starts_with('.') && seen.insert(c.name) && !c.help.is_empty());
        }
        for needed in [
            ".help", ".tables", ".schema", ".explain", ".format", ".timer", ".refresh", ".run",
            ".load", ".netstat", ".netns", ".quit", ".pager",
        ] {
            assert!(seen.contains(needed), "{needed}");
        }
    }
}
