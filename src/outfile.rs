//! Writing an output file (`netpry snapshot -o PATH`) safely, even as root in a directory that
//! other users can write to.
//!
//! The data goes to a temporary file created exclusively (`O_EXCL`, a random name, never
//! through a symbolic link) in the target's directory, is synced, and is renamed over the
//! target: a failed write leaves any old file untouched, and a rename replaces a directory
//! entry, never what a link points to. The target itself must be a regular file or not exist:
//! a device node, FIFO, socket, directory or symbolic link is refused (writing through it could
//! destroy `/dev/null` or a file elsewhere); `-o -` is the way to write to standard output.
//! File names made from data (a snapshot's host name) go through [`file_name_part`].

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Refuses `path` unless it is missing or a regular file (symbolic links are not followed, so a
/// link is refused too). The error names the path and the way to standard output.
pub fn check_target(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) => Err(Error::Usage(format!(
            "{} is {}: netpry writes only to a new or a regular file (use `-o -` to write to standard output)",
            path.display(),
            crate::input::what_file(&m.file_type())
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io {
            what: format!("checking {}", path.display()),
            source: e,
        }),
    }
}

/// Writes a file through `write` into an exclusively created temporary file beside `path`, then
/// renames it into place (see the module documentation). Errors name `path`.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    write_renamed(path, true, write)
}

/// [`write_atomically`] without syncing the file before the rename: for writing thousands of
/// files that can be made again (`netpry export`). A reader still never sees a partial file;
/// a power cut soon after may lose the newest ones (run `sync` when they must survive it).
pub fn write_atomically_unsynced(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    write_renamed(path, false, write)
}

fn write_renamed(
    path: &Path,
    sync: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let io_err = |what: &str, e: std::io::Error| Error::Io {
        what: format!("{what} {}", path.display()),
        source: e,
    };
    check_target(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return Err(Error::Usage(format!(
            "{} names no file (use `-o -` to write to standard output)",
            path.display()
        )));
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    // Random name, O_EXCL, O_CLOEXEC; mode 0666 less the umask, as a plain create would give.
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(|e| io_err("creating", e))?;
    let mut w = std::io::BufWriter::new(tmp);
    let written = write(&mut w).map_err(|e| match e {
        Error::Output(source) => io_err("writing", source),
        e => e,
    });
    written?;
    let tmp = w
        .into_inner()
        .map_err(|e| io_err("writing", e.into_error()))?;
    if sync {
        tmp.as_file().sync_all().map_err(|e| io_err("writing", e))?;
    }
    // The target may have changed since the first check: check again just before the rename.
    check_target(path)?;
    tmp.persist(path).map_err(|e| io_err("writing", e.error))?;
    // The temporary file is removed on drop whenever a step above failed.
    Ok(())
}

/// `text` made safe as part of a file name: letters, digits, `.`, `-` and `_` are kept, every
/// other character (a `/`, a control character, a space) becomes `_`, and the result is cut to
/// 64 characters; an empty or all-dots result becomes `unknown`. `x/../../TRAV` gives
/// `x_.._.._TRAV`.
pub fn file_name_part(text: &str) -> String {
    let safe: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if safe.chars().all(|c| c == '.') {
        "unknown".to_string()
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_parts_cannot_leave_the_directory() {
        assert_eq!(file_name_part("x/../../TRAV"), "x_.._.._TRAV");
        assert_eq!(file_name_part("web-01.example.org"), "web-01.example.org");
        assert_eq!(file_name_part(".."), "unknown");
        assert_eq!(file_name_part(""), "unknown");
        assert_eq!(file_name_part("a\x1b[31m b"), "a__31m_b");
        assert_eq!(file_name_part(&"h".repeat(300)).len(), 64);
    }

    #[test]
    fn writes_replace_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        write_atomically(&target, |w| w.write_all(b"one").map_err(Error::Output)).unwrap();
        write_atomically(&target, |w| w.write_all(b"two").map_err(Error::Output)).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        // A failed write leaves the old file and no temporary file behind.
        let e = write_atomically(&target, |_| Err(Error::Usage("no".into())));
        assert!(e.is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write_atomically(&link, |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("symbolic link") && e.contains("-o -"), "{e}");
        let e = write_atomically(dir.path(), |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("directory"), "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }
}
