//! Saved scripts: the project's `scripts/*.rhai`, built into the binary, plus the user's
//! `$XDG_CONFIG_HOME/netpry/scripts/*.rhai` (default `~/.config/netpry/scripts`), which add
//! scripts or override built-in ones of the same name. A script's description is its first
//! comment line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};

include!(concat!(env!("OUT_DIR"), "/saved_scripts.rs"));

/// Where a saved script comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into netpry.
    Builtin,
    /// A file in the user's scripts directory.
    User(PathBuf),
}

/// One saved script.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Name (the file name without `.rhai`).
    pub name: String,
    /// Source text.
    pub source: String,
    /// Where it comes from.
    pub origin: Origin,
}

impl Saved {
    /// The first comment line (`// text`), after an optional `#!` line; empty when none.
    pub fn description(&self) -> String {
        crate::manual::pages::script_description(&self.source)
    }
}

/// The user's scripts directory: `$XDG_CONFIG_HOME/netpry/scripts`, else
/// `$HOME/.config/netpry/scripts`.
pub fn user_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("netpry").join("scripts"))
}

/// The names of the scripts built into netpry, in name order.
pub fn builtin_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = BUILTIN.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    names
}

/// The scripts built into netpry, by name.
pub fn builtin() -> BTreeMap<String, Saved> {
    BUILTIN
        .iter()
        .map(|(name, source)| {
            let s = Saved {
                name: name.to_string(),
                source: source.to_string(),
                origin: Origin::Builtin,
            };
            (name.to_string(), s)
        })
        .collect()
}

/// The saved scripts, and what could not be read of the user's.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Every script by name: built-in ones, overridden or added to by the user's.
    pub scripts: BTreeMap<String, Saved>,
    /// One line per user directory or script that could not be read (left out).
    pub problems: Vec<String>,
}

/// Every saved script by name: built-in ones, overridden or added to by the user's. The user's
/// directory only adds scripts: when it (or `$HOME`) cannot be read, or one of its scripts
/// cannot, that is a problem line and the built-in scripts are still all there.
pub fn all() -> Listing {
    let mut out = Listing {
        scripts: builtin(),
        problems: Vec::new(),
    };
    let Some(dir) = user_dir() else {
        return out;
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.problems.push(format!(
                "cannot read your scripts directory {}: {e}; only built-in scripts are available",
                dir.display()
            ));
            return out;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".rhai"))
        else {
            continue;
        };
        let source = match crate::input::read_script(&path) {
            Ok(s) => s,
            Err(p) => {
                out.problems.push(format!(
                    "cannot read script {}: {p}; left out",
                    path.display()
                ));
                continue;
            }
        };
        out.scripts.insert(
            name.to_string(),
            Saved {
                name: name.to_string(),
                source,
                origin: Origin::User(path),
            },
        );
    }
    out
}

/// The saved script `name`, or a usage error listing the names.
pub fn find(name: &str) -> Result<Saved> {
    let Listing {
        scripts: mut all,
        problems,
    } = all();
    all.remove(name).ok_or_else(|| {
        let names: Vec<&str> = all.keys().map(String::as_str).collect();
        let hint = crate::error::suggest(name, names.iter().copied());
        let hint = if hint.starts_with("; did you mean") {
            hint
        } else {
            format!("; saved scripts are: {}", names.join(", "))
        };
        let problems: String = problems.iter().map(|p| format!(" ({p})")).collect();
        Error::Usage(format!(
            "no saved script '{name}'{hint} (see `netpry run --list`){problems}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_is_the_first_comment_line() {
        let s = |src: &str| Saved {
            name: "x".into(),
            source: src.into(),
            origin: Origin::Builtin,
        };
        assert_eq!(
            s("#!/usr/bin/env netpry\n// Listening sockets\nsockets()").description(),
            "Listening sockets"
        );
        assert_eq!(s("\n/// Doc style\n").description(), "Doc style");
        assert_eq!(s("sockets()").description(), "");
    }

    #[test]
    fn builtin_scripts_are_embedded_and_described() {
        assert!(!BUILTIN.is_empty());
        for (name, src) in BUILTIN {
            let s = Saved {
                name: name.to_string(),
                source: src.to_string(),
                origin: Origin::Builtin,
            };
            assert!(
                !s.description().is_empty(),
                "{name} has no description line"
            );
        }
    }
}
