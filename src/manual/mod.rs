//! Shell completion scripts and the manual pages, generated from the command-line definition
//! ([`crate::cli::Cli`]), the table registry and the built-in saved scripts, so they can never
//! disagree with the binary they come from.
//!
//! Completions offer the table names after `table` and `schema`, and the built-in script names
//! after `run`, on top of every subcommand and option. The generation itself lives in
//! [`pages`], which `build.rs` also compiles to write the same files at build time for the
//! Debian package (`target/release/assets/share/`); a unit test checks that those files are exactly
//! what the binary prints.

pub mod pages;

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::tables::TABLES;

pub use pages::Catalogue;

/// The catalogue of this binary: the registry's tables and the built-in saved scripts.
pub fn catalogue() -> Catalogue {
    Catalogue {
        tables: TABLES.iter().map(|t| (t.name, t.doc)).collect(),
        scripts: {
            let saved = crate::script::saved::builtin();
            crate::script::saved::builtin_names()
                .into_iter()
                .map(|n| (n, saved.get(n).map(|s| s.description()).unwrap_or_default()))
                .collect()
        },
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// Writes the completion script for `shell` to `w`.
pub fn completions(shell: Shell, w: &mut dyn Write) -> Result<()> {
    let buf = pages::completions(shell, Cli::command(), &catalogue());
    w.write_all(&buf).map_err(Error::Output)
}

/// Writes the manual page netpry(1), in roff, to `w`.
pub fn man_page(w: &mut dyn Write) -> Result<()> {
    let buf = pages::man_page(Cli::command(), &catalogue()).map_err(Error::Output)?;
    w.write_all(&buf).map_err(Error::Output)
}

/// Writes the manual page netpry-netstat(1), in roff, to `w`.
pub fn netstat_man_page(w: &mut dyn Write) -> Result<()> {
    let buf = pages::netstat_man_page(
        crate::netstat::linux::args::USAGE,
        crate::netstat::bsd::args::USAGE,
        env!("CARGO_PKG_VERSION"),
    );
    w.write_all(&buf).map_err(Error::Output)
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
        assert!(
            String::from_utf8(zsh)
                .unwrap()
                .contains("routes route_nexthops ipv6_route rules")
        );
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
        for s in crate::script::saved::builtin().keys() {
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

    #[test]
    fn the_netstat_page_lists_the_net_tools_options() {
        let mut out = Vec::new();
        netstat_man_page(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(".TH netpry-netstat 1"), "{text}");
        for opt in [
            "\\-\\-route",
            "\\-\\-numeric\\-hosts",
            "\\-\\-context",
            "netstat \\-m",
        ] {
            assert!(text.contains(opt), "netstat page lacks {opt}:\n{text}");
        }
    }

    /// The files `build.rs` generated for the package (with `pages` and `src/cli.rs`, and the
    /// table list, table descriptions and netstat usage texts read from their source) are
    /// exactly what this binary prints: the copy of `render::Format` in `build.rs` is up to
    /// date and the source still reads as `build.rs` expects.
    #[test]
    fn the_build_time_files_are_what_the_binary_prints() {
        let dir = std::path::Path::new(env!("OUT_DIR")).join("assets/share");
        let read =
            |rel: &str| std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let mut man = Vec::new();
        man_page(&mut man).unwrap();
        let [netpry, netstat_page] = pages::MAN_FILES;
        assert!(read(netpry) == man, "{netpry} differs from `netpry man`");
        let mut netstat = Vec::new();
        netstat_man_page(&mut netstat).unwrap();
        assert!(
            read(netstat_page) == netstat,
            "{netstat_page} differs from `netpry man netstat`"
        );
        for (shell, file) in pages::COMPLETION_FILES {
            let mut out = Vec::new();
            completions(*shell, &mut out).unwrap();
            assert!(
                read(file) == out,
                "{file} differs from `netpry completions {shell}` \
                 (is the copy of render::Format in build.rs up to date?)"
            );
        }
    }
}
