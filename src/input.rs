//! Reading what netpry is given — snapshot files, script files, standard input — with a size
//! bound, so that a huge, sparse or endless input fails at once with a clear message instead of
//! growing the process to gigabytes.
//!
//! Limits: [`SNAPSHOT_LIMIT`] (1 GiB) for snapshots, [`SCRIPT_LIMIT`] (64 MiB) for scripts
//! (files, saved scripts, standard input); the environment variable [`LIMIT_ENV`]
//! (`NETPRY_MAX_INPUT`, bytes with an optional `K`, `M`, `G` or `T` suffix for powers of 1024)
//! replaces both. Only regular files are read by path: a device, FIFO, socket or directory is
//! refused before anything is read (opening a FIFO never waits for a writer), unless it is
//! standard input itself (`--snapshot /dev/stdin < file`), which is read with the same bound.
//! Snapshots may be gzip-compressed ([`read_snapshot`]); the bound is on the decompressed size.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// The default bound for a snapshot file.
pub const SNAPSHOT_LIMIT: u64 = 1 << 30;
/// The default bound for a script (file, saved script or standard input).
pub const SCRIPT_LIMIT: u64 = 64 << 20;
/// The environment variable that replaces the bounds.
pub const LIMIT_ENV: &str = "NETPRY_MAX_INPUT";

/// What is being read: gives the default bound and the wording of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A snapshot document.
    Snapshot,
    /// A Rhai script.
    Script,
}

impl Kind {
    fn default_limit(self) -> u64 {
        match self {
            Kind::Snapshot => SNAPSHOT_LIMIT,
            Kind::Script => SCRIPT_LIMIT,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Snapshot => "snapshots",
            Kind::Script => "scripts",
        }
    }
}

/// The bound for `kind`: [`LIMIT_ENV`] when set, else the default. An unparsable value is an
/// error naming the variable.
pub fn limit(kind: Kind) -> Result<u64, String> {
    match std::env::var(LIMIT_ENV) {
        Ok(v) if !v.trim().is_empty() => parse_size(&v).ok_or_else(|| {
            format!(
                "{LIMIT_ENV}={:?} is not a size: give bytes, optionally with K, M, G or T (e.g. 4G)",
                crate::model::escape_bounded(v.as_bytes(), 40)
            )
        }),
        _ => Ok(kind.default_limit()),
    }
}

/// Parses `123`, `64K`, `512M`, `4G`, `1T` (powers of 1024; a trailing `B` or `iB` allowed).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let s = s
        .strip_suffix("iB")
        .or_else(|| s.strip_suffix('B'))
        .unwrap_or(s);
    let (digits, shift) = match s.char_indices().last()? {
        (i, 'K' | 'k') => (&s[..i], 10),
        (i, 'M' | 'm') => (&s[..i], 20),
        (i, 'G' | 'g') => (&s[..i], 30),
        (i, 'T' | 't') => (&s[..i], 40),
        _ => (s, 0),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// `n` bytes for people: `1 GiB`, `64 MiB`, `1500 bytes`.
pub fn human(n: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift {
            let v = n as f64 / (1u64 << shift) as f64;
            return if n % (1 << shift) == 0 {
                format!("{} {unit}", n >> shift)
            } else {
                format!("{v:.1} {unit}")
            };
        }
    }
    format!("{n} bytes")
}

fn too_big(kind: Kind, limit: u64) -> String {
    format!(
        "larger than the {} limit for {} (set {LIMIT_ENV}, e.g. {LIMIT_ENV}=4G, to read larger ones)",
        human(limit),
        kind.noun()
    )
}

/// Reads the whole file at `path`, refusing anything but a regular file (or standard input
/// itself) and anything over the bound. The error is a one-line problem, without the path.
pub fn read_path(path: &Path, kind: Kind) -> Result<Vec<u8>, String> {
    let limit = limit(kind)?;
    // O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOCTTY: a terminal given as a
    // path never becomes ours. Neither changes how a regular file is read.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        if is_stdin(&meta) {
            return read_stdin(kind);
        }
        return Err(format!(
            "is {}, not a regular file: netpry reads only regular files by name (use standard input to pipe data in)",
            what_file(&meta.file_type())
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "is {}: {}",
            human(meta.len()),
            too_big(kind, limit)
        ));
    }
    read_bounded(file, limit, kind)
}

/// Reads standard input to its end, refusing more than the bound for `kind`.
pub fn read_stdin(kind: Kind) -> Result<Vec<u8>, String> {
    let limit = limit(kind)?;
    read_bounded(std::io::stdin().lock(), limit, kind)
}

/// Reads `r` through `take(limit + 1)`: one byte over the bound is enough to know.
fn read_bounded(r: impl Read, limit: u64, kind: Kind) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!("is {}", too_big(kind, limit)));
    }
    Ok(buf)
}

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads a snapshot document: the file at `path`, or standard input when `path` is `-`, with
/// the snapshot bound ([`read_path`]). A gzip stream (a `.json.gz` file, or `gzip` output piped
/// in) is recognised by its first bytes and decompressed, and the bound applies to the
/// decompressed size too, so a small file that inflates to gigabytes fails like a large one.
pub fn read_snapshot(path: &Path) -> Result<Vec<u8>, String> {
    let raw = if path.as_os_str() == "-" {
        read_stdin(Kind::Snapshot)?
    } else {
        read_path(path, Kind::Snapshot)?
    };
    gunzip_bounded(raw, limit(Kind::Snapshot)?)
}

/// `raw` decompressed when it is gzip (every member of a multi-member stream, as `zcat`
/// does), unchanged otherwise; more than `limit` decompressed bytes is refused.
pub fn gunzip_bounded(raw: Vec<u8>, limit: u64) -> Result<Vec<u8>, String> {
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut buf = Vec::with_capacity(raw.len().saturating_mul(6));
    flate2::read::MultiGzDecoder::new(&raw[..])
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| format!("is not a valid gzip stream ({e})"))?;
    if buf.len() as u64 > limit {
        return Err(format!(
            "decompresses to {}",
            too_big(Kind::Snapshot, limit)
        ));
    }
    Ok(buf)
}

/// Whether `meta` describes the file standard input is open on.
fn is_stdin(meta: &std::fs::Metadata) -> bool {
    use std::os::fd::AsFd;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
}

/// "a directory", "a character device", ... for messages.
pub fn what_file(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// The script file at `path` as text: [`read_path`] with the script bound, then UTF-8. The
/// problem reads after "cannot read script PATH: ".
pub fn read_script(path: &Path) -> Result<String, String> {
    let bytes = read_path(path, Kind::Script).map_err(|p| {
        p.strip_prefix("cannot read: ")
            .map_or(p.clone(), str::to_string)
    })?;
    script_text(bytes)
}

/// A script's bytes as text, or a one-line problem.
pub fn script_text(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("4G"), Some(4 << 30));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size(" 1 t"), Some(1 << 40));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size("99999999999T"), None);
        assert_eq!(parse_size(""), None);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(1 << 30), "1 GiB");
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(10), "10 bytes");
    }

    #[test]
    fn devices_and_directories_are_refused_and_files_are_bounded() {
        let e = read_path(Path::new("/dev/zero"), Kind::Snapshot).unwrap_err();
        assert!(e.contains("character device"), "{e}");
        let e = read_path(Path::new("/"), Kind::Script).unwrap_err();
        assert!(e.contains("directory"), "{e}");
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, b"hello").unwrap();
        assert_eq!(read_path(f.path(), Kind::Script).unwrap(), b"hello");
        let e = read_bounded(&b"hello"[..], 4, Kind::Script).unwrap_err();
        assert!(e.contains("4 bytes limit for scripts"), "{e}");
        assert_eq!(
            read_bounded(&b"hell"[..], 4, Kind::Script).unwrap(),
            b"hell"
        );
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_is_decompressed_within_the_bound() {
        assert_eq!(gunzip_bounded(b"{}".to_vec(), 10).unwrap(), b"{}");
        assert_eq!(
            gunzip_bounded(gzip(b"{\"a\":1}"), 100).unwrap(),
            b"{\"a\":1}"
        );
        // Two members, as `cat a.gz b.gz` makes.
        let mut two = gzip(b"ab");
        two.extend(gzip(b"cd"));
        assert_eq!(gunzip_bounded(two, 100).unwrap(), b"abcd");
        // A bomb: 8 MiB of zeros in well under 1 MiB, against a 1 MiB bound.
        let bomb = gzip(&vec![0u8; 8 << 20]);
        assert!(bomb.len() < 1 << 20);
        let e = gunzip_bounded(bomb, 1 << 20).unwrap_err();
        assert!(
            e.starts_with("decompresses to larger than the 1 MiB limit"),
            "{e}"
        );
        let mut broken = gzip(b"hello world");
        broken.truncate(12);
        let e = gunzip_bounded(broken, 100).unwrap_err();
        assert!(e.contains("not a valid gzip stream"), "{e}");
    }
}
