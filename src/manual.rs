//! Shell completion scripts and the manual page, generated from the command-line definition
//! ([`crate::cli::Cli`]), the table registry and the built-in saved scripts, so they can never
//! disagree with the binary they come from.
//!
//! Completions offer the table names after `table` and `schema`, and the built-in script names
//! after `run`, on top of every subcommand and option. (The values are added to a copy of the
//! command used for generation only: the running command keeps its own errors for unknown
//! names, with suggestions.)

use std::io::Write;

use clap::CommandFactory;
use clap::builder::PossibleValuesParser;
use clap_complete::Shell;
use roff::{Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::tables::TABLES;

/// The command line as completion scripts see it: table and script names as possible values.
fn command_for_completion() -> clap::Command {
    let tables: Vec<&'static str> = TABLES.iter().map(|t| t.name).collect();
    let scripts = crate::script::catalogue::builtin_names();
    Cli::command()
        .mut_subcommand("table", |c| {
            c.mut_arg("name", |a| {
                a.value_parser(PossibleValuesParser::new(tables.clone()))
            })
        })
        .mut_subcommand("schema", |c| {
            c.mut_arg("name", |a| {
                a.value_parser(PossibleValuesParser::new(tables.clone()))
            })
        })
        .mut_subcommand("run", |c| {
            // Keep the name the first positional (the script's arguments follow it).
            c.mut_arg("name", |a| {
                a.value_parser(PossibleValuesParser::new(scripts)).index(1)
            })
            .mut_arg("args", |a| a.index(2))
        })
}

/// Writes the completion script for `shell` to `w`.
pub fn completions(shell: Shell, w: &mut dyn Write) -> Result<()> {
    let mut cmd = command_for_completion();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "netpry", &mut buf);
    w.write_all(&buf).map_err(Error::Output)
}

/// Writes the manual page netpry(1), in roff, to `w`: clap's sections (name, synopsis,
/// description, options), every command's usage, then the tables, the saved scripts, exit status,
/// environment, files, examples and related commands.
pub fn man_page(w: &mut dyn Write) -> Result<()> {
    let cmd = Cli::command().long_about(
        "netpry reads sockets, processes, interfaces, addresses, routes, policy rules, \
         neighbours, multicast memberships, protocol counters and sysctls from the running \
         kernel (netlink first, /proc where netlink has nothing) and shows each as a typed \
         table. Each command line, saved script or line of the interactive shell is a Rhai \
         script over those tables. `netpry netstat` is a faithful net-tools netstat (and, with \
         --bsd, the BSD one); `netpry snapshot` saves every table to one JSON file that any \
         command reads back with --snapshot.",
    );
    let man = clap_mangen::Man::new(cmd)
        .section("1")
        .manual("netpry manual")
        .source(format!("netpry {}", env!("CARGO_PKG_VERSION")));
    let mut buf = Vec::new();
    let io = |e: std::io::Error| Error::Output(e);
    man.render_title(&mut buf).map_err(io)?;
    man.render_name_section(&mut buf).map_err(io)?;
    man.render_synopsis_section(&mut buf).map_err(io)?;
    man.render_description_section(&mut buf).map_err(io)?;
    man.render_options_section(&mut buf).map_err(io)?;
    commands_section().to_writer(&mut buf).map_err(io)?;
    extra_sections().to_writer(&mut buf).map_err(io)?;
    man.render_version_section(&mut buf).map_err(io)?;
    w.write_all(&buf).map_err(Error::Output)
}

/// A section heading.
fn heading(r: &mut Roff, title: &str) {
    r.control("SH", [title]);
}

/// A tagged paragraph: `tag` in bold, then `text`.
fn item(r: &mut Roff, tag: &str, text: &str) {
    r.control("TP", []).text([bold(tag)]).text([roman(text)]);
}

/// COMMANDS: each subcommand's usage line and summary (all on this one page).
fn commands_section() -> Roff {
    let mut r = Roff::new();
    heading(&mut r, "COMMANDS");
    let mut cmd = Cli::command();
    cmd.build();
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() == "help" {
            continue;
        }
        let usage = sub.render_usage().to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim();
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        item(&mut r, usage, &about);
    }
    item(
        &mut r,
        "netpry FILE.rhai [ARGS]...",
        "Run a script file (a #!/usr/bin/env netpry first line works); ARGS are its args.",
    );
    r
}

fn extra_sections() -> Roff {
    let mut r = Roff::new();
    heading(&mut r, "TABLES");
    r.text([roman(
        "Every table, with its columns, is described by netpry schema NAME and in the book. \
         In scripts, each is a function of the same name, as in ",
    )])
    .text([italic("routes().where(|r| r.dst_len == 0)")]);
    for t in TABLES {
        item(&mut r, t.name, t.doc);
    }
    heading(&mut r, "SAVED SCRIPTS");
    r.text([roman(
        "Run with netpry run NAME [ARGS...]; netpry run --list also shows the user's own. \
         Checks exit 1 with a one-line reason when they fail.",
    )]);
    for s in crate::script::catalogue::builtin().values() {
        item(&mut r, &s.name, &s.description());
    }
    heading(&mut r, "EXIT STATUS");
    item(&mut r, "0", "Success.");
    item(
        &mut r,
        "1",
        "A failure: a script error, a check that failed (fail()), a table that could not be read.",
    );
    item(
        &mut r,
        "2",
        "A usage error: an unknown option, table or column, an unreadable snapshot.",
    );
    heading(&mut r, "ENVIRONMENT");
    item(
        &mut r,
        "XDG_CONFIG_HOME",
        "Saved scripts are also read from $XDG_CONFIG_HOME/netpry/scripts (default ~/.config/netpry/scripts); \
         a file there overrides a built-in script of the same name.",
    );
    item(
        &mut r,
        "XDG_STATE_HOME",
        "The shell's history is kept in $XDG_STATE_HOME/netpry/history (default ~/.local/state/netpry/history).",
    );
    item(
        &mut r,
        "PAGER",
        "The pager for long output in the interactive shell.",
    );
    item(
        &mut r,
        "NETPRY_MAX_INPUT",
        "The most netpry reads of one input, in bytes (suffixes K, M, G, T: powers of 1024); \
         default 1G for a snapshot and 64M for a script (a file, a saved script, standard input).",
    );
    item(
        &mut r,
        "NETPRY_NETSTAT_STYLE",
        "linux or bsd: the default style of netpry netstat (--bsd chooses BSD too).",
    );
    heading(&mut r, "EXAMPLES");
    for (cmd, what) in [
        (
            "netpry table sockets -c proto,state,local_addr,local_port,pid",
            "Some columns of one table.",
        ),
        (
            "netpry -e 'sockets().where(|s| s.state == \"ESTABLISHED\").group_by(\"remote_addr\").count()'",
            "Connections per remote host.",
        ),
        (
            "netpry -e 'route_get(\"192.0.2.1\")'",
            "The route the kernel would choose.",
        ),
        ("netpry run close-wait 50", "A saved check, for monitoring."),
        ("netpry snapshot -o web1.json", "Save every table."),
        (
            "netpry --snapshot web1.json netstat -rn",
            "Read them back, anywhere.",
        ),
        ("netpry netstat -tanp", "net-tools netstat, byte for byte."),
    ] {
        r.control("TP", []).text([bold(cmd)]).text([roman(what)]);
    }
    heading(&mut r, "SEE ALSO");
    r.text([roman(
        "ss(8), netstat(8), ip(8), ip-route(8), ip-rule(8), lsof(8), sysctl(8)",
    )]);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_offer_tables_and_scripts() {
        let mut out = Vec::new();
        completions(Shell::Bash, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("netpry"), "{text}");
        for word in [
            "sockets",
            "rules",
            "sysctls",
            "policy-rules",
            "close-wait",
            "snapshot",
        ] {
            assert!(text.contains(word), "bash completion lacks {word}");
        }
        let mut zsh = Vec::new();
        completions(Shell::Zsh, &mut zsh).unwrap();
        assert!(String::from_utf8(zsh).unwrap().contains("routes rules"));
        // The other shells get commands and options (clap completes no positional values
        // for them).
        for shell in [Shell::Fish, Shell::Elvish, Shell::PowerShell] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            assert!(
                String::from_utf8(out).unwrap().contains("snapshot"),
                "{shell}"
            );
        }
    }

    #[test]
    fn the_man_page_names_every_table_and_script() {
        let mut out = Vec::new();
        man_page(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(".TH netpry 1 "), "{text}");
        assert!(text.contains("netpry table [OPTIONS] <NAME>"), "{text}");
        for t in TABLES {
            assert!(
                text.contains(&format!("\\fB{}\\fR", t.name)),
                "man page lacks {}",
                t.name
            );
        }
        for s in crate::script::catalogue::builtin().keys() {
            // roff writes a hyphen as `\-`.
            let escaped = s.replace('-', "\\-");
            assert!(text.contains(&escaped), "man page lacks script {s}");
        }
        for section in [
            "SYNOPSIS",
            "OPTIONS",
            "COMMANDS",
            "TABLES",
            "SAVED SCRIPTS",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(
                text.contains(&format!(".SH \"{section}\""))
                    || text.contains(&format!(".SH {section}")),
                "no {section}"
            );
        }
    }
}
