//! One entry path for the front ends: `netpry`'s commands (`app`), the REPL, Linux netstat
//! and BSD netstat open the catalog ([`catalog`], [`open`]), print its notes
//! ([`print_notes`]) and end a run ([`finish`]) through these functions, so a snapshot, a
//! namespace choice, a note and a closed output pipe are handled the same way everywhere: a
//! note is one `NAME: note: TEXT` line on standard error, control characters shown as
//! escapes; output cut short because the reader went away (`| head`) is not a failure
//! (status 0); any other failure is one `NAME: ERROR` line and its status.

use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::namespaces::{self, Choice};

/// Opens the catalog the options ask for: live with no snapshot, one snapshot, or a fleet of
/// them ([`crate::fleet::is_fleet`]). Follows `--netns`/`--all-netns` (see
/// [`namespaces::choice`]).
pub fn catalog(snapshots: &[PathBuf]) -> Result<Catalog> {
    if crate::fleet::is_fleet(snapshots) {
        if let Choice::One { .. } = namespaces::choice() {
            return Err(Error::Usage(
                "--netns names a namespace of one host; over several snapshots, filter on the host and netns columns instead"
                    .into(),
            ));
        }
        return Catalog::open_fleet(snapshots);
    }
    match (snapshots.first(), namespaces::choice()) {
        (Some(p), Choice::One { spec, .. }) => {
            let cat = Catalog::open_snapshot(p)?;
            let inode = crate::netns_front::snapshot_netns(&cat, &spec)?;
            Ok(cat.only_netns(inode))
        }
        (Some(p), _) => Catalog::open_snapshot(p),
        (None, Choice::All) => Ok(Catalog::live_every(namespaces::all())),
        (None, _) => Ok(Catalog::live()),
    }
}

/// [`catalog`] over at most one snapshot file, for a front end named `name` (netstat's
/// runs): a catalog that cannot be opened is one `NAME: ERROR` line on `err` and status 1.
pub fn open(
    name: &str,
    snapshot: Option<&Path>,
    err: &mut dyn Write,
) -> std::result::Result<Catalog, u8> {
    let one: Vec<PathBuf> = snapshot.map(Path::to_path_buf).into_iter().collect();
    catalog(&one).map_err(|e| {
        let _ = writeln!(err, "{name}: {}", crate::console::visible(&e.to_string()));
        1
    })
}

/// Writes the notes `cat` gathered so far to `err`, one `NAME: note: TEXT` line each, and
/// forgets them.
pub fn print_notes(name: &str, cat: &Catalog, err: &mut dyn Write) -> std::io::Result<()> {
    for n in cat.notes().take() {
        writeln!(err, "{name}: note: {}", crate::console::visible(&n))?;
    }
    Ok(())
}

/// A front end's failure: whether it is a closed output pipe, and the exit status it ends
/// the run with.
pub trait Failure: Display {
    /// The output pipe was closed by its reader.
    fn broken_pipe(&self) -> bool;
    /// The exit status of a run that failed this way.
    fn status(&self) -> u8;
}

impl Failure for Error {
    fn broken_pipe(&self) -> bool {
        self.is_broken_pipe()
    }
    fn status(&self) -> u8 {
        self.exit_code()
    }
}

impl Failure for std::io::Error {
    fn broken_pipe(&self) -> bool {
        self.kind() == std::io::ErrorKind::BrokenPipe
    }
    fn status(&self) -> u8 {
        1
    }
}

/// A failure of a front end whose every failure is status 1 (BSD netstat's `errx(1, ...)`,
/// a usage error included).
pub struct Status1<E>(pub E);

impl<E: Display> Display for Status1<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: Failure> Failure for Status1<E> {
    fn broken_pipe(&self) -> bool {
        self.0.broken_pipe()
    }
    fn status(&self) -> u8 {
        1
    }
}

/// The exit status of a run of the front end named `name` that ended with `result`: its
/// status; 0 for a closed output pipe; otherwise the failure's status, after one
/// `NAME: ERROR` line on `err`.
pub fn finish<E: Failure>(
    name: &str,
    result: std::result::Result<u8, E>,
    err: &mut dyn Write,
) -> u8 {
    match result {
        Ok(code) => code,
        Err(e) if e.broken_pipe() => 0,
        Err(e) => {
            let _ = writeln!(err, "{name}: {}", crate::console::visible(&e.to_string()));
            e.status()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipe() -> std::io::Error {
        std::io::ErrorKind::BrokenPipe.into()
    }

    #[test]
    fn a_closed_pipe_ends_with_status_0_and_says_nothing() {
        let mut err = Vec::new();
        assert_eq!(finish("netstat", Err(pipe()), &mut err), 0);
        assert_eq!(finish("netpry", Err(Error::Output(pipe())), &mut err), 0);
        assert_eq!(
            finish("netstat", Err(Status1(Error::Output(pipe()))), &mut err),
            0
        );
        assert!(err.is_empty());
        assert_eq!(finish::<Error>("netpry", Ok(3), &mut err), 3);
    }

    #[test]
    fn a_failure_is_one_line_and_its_status() {
        let mut err = Vec::new();
        let usage = || Error::Usage("bad \x1b flag".into());
        assert_eq!(finish("netpry", Err(usage()), &mut err), 2);
        assert_eq!(finish("bsd-netstat", Err(Status1(usage())), &mut err), 1);
        let other = std::io::Error::other("disk on fire");
        assert_eq!(finish("netstat", Err(other), &mut err), 1);
        let text = String::from_utf8(err).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("netpry: ") && lines[0].contains("\\x1b"));
        assert!(lines[1].starts_with("bsd-netstat: "));
        assert_eq!(lines[2], "netstat: disk on fire");
    }

    #[test]
    fn notes_are_printed_once_with_the_front_ends_name() {
        let cat = Catalog::live();
        cat.notes().add("one\x07");
        cat.notes().add("two");
        let mut err = Vec::new();
        print_notes("netstat", &cat, &mut err).unwrap();
        print_notes("netstat", &cat, &mut err).unwrap();
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "netstat: note: one\\x07\nnetstat: note: two\n"
        );
    }
}
