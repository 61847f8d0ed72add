//! The library's error type: every failure names the thing that failed and, where there is
//! one, the remedy. `main` maps [`Error::exit_code`] to the process exit status.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in netpry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line was wrong (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// A table name that is not in the registry.
    #[error("no table '{name}'; tables are: {known}")]
    UnknownTable {
        /// The name asked for.
        name: String,
        /// The valid names, comma separated.
        known: String,
    },
    /// A column name that the table does not have.
    #[error("no column '{column}' in {table}{hint}")]
    UnknownColumn {
        /// The table asked.
        table: String,
        /// The column asked for.
        column: String,
        /// "; did you mean 'x'?" or the list of columns.
        hint: String,
    },
    /// A kernel interface failed (netlink socket, dump, or a /proc file).
    #[error("{what}: {source}")]
    Kernel {
        /// What was being read, e.g. "netlink route dump (links)".
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A snapshot file could not be read or is not a valid snapshot (exit status 2).
    #[error("snapshot {}: {problem}", path.display())]
    Snapshot {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Writing output failed.
    #[error("writing output: {0}")]
    Output(#[source] std::io::Error),
    /// Any other I/O failure, with what was being done.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, e.g. "writing snapshot.json".
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A script failed: syntax, runtime error, or an explicit `fail()` (exit status 1 unless
    /// the script chose another).
    #[error("{message}")]
    Script {
        /// The full, already formatted message (location, excerpt, caret).
        message: String,
        /// The exit status the script asked for.
        code: u8,
    },
}

impl Error {
    /// The process exit status for this error: 2 for usage errors (bad options, unknown tables
    /// or columns on the command line) and unreadable snapshots, otherwise 1
    /// (or what a script asked for).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Snapshot { .. }
            | Error::UnknownTable { .. }
            | Error::UnknownColumn { .. } => 2,
            Error::Script { code, .. } => *code,
            _ => 1,
        }
    }

    /// Whether this error is a closed output pipe (not a failure: the reader has gone).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// A kernel error with context.
    pub fn kernel(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Kernel {
            what: what.into(),
            source,
        }
    }
}

/// "; did you mean 'x'?" for the closest name within a small edit distance, or the full list.
pub fn suggest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let best = names
        .iter()
        .map(|n| (edit_distance(wanted, n), *n))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, n)) if d <= 2.max(wanted.len() / 3) => format!("; did you mean '{n}'?"),
        _ => format!("; columns are: {}", names.join(", ")),
    }
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_column() {
        assert_eq!(
            suggest("stat", ["state", "proto", "uid"]),
            "; did you mean 'state'?"
        );
        assert_eq!(suggest("zzzzzz", ["uid", "pid"]), "; columns are: uid, pid");
    }

    #[test]
    fn usage_and_snapshot_errors_exit_2() {
        assert_eq!(Error::Usage("x".into()).exit_code(), 2);
        let e = Error::Snapshot {
            path: "f".into(),
            problem: "bad".into(),
        };
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.to_string(), "snapshot f: bad");
    }
}
