//! A snapshot's header from the first bytes of its file: opening a fleet reads every header
//! (to refuse duplicates and order the hosts) without decompressing and scanning every whole
//! document. netpry writes `format`, `version`, `netpry`, `host`, `kernel` and `time` before
//! `tables`; a file that does not (hand-made), or anything unexpected, gives `None` and the
//! caller reads the whole document instead, with its full checks and messages.

use std::cell::RefCell;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::snapshot::{FORMAT, SnapshotInfo, VERSION};

/// How much of a (decompressed) file is read for its header.
const PREFIX: u64 = 64 << 10;

/// The header of the snapshot file at `path` from its first [`PREFIX`] bytes, when they hold
/// a complete, supported one.
pub fn from_prefix(path: &Path) -> Option<SnapshotInfo> {
    // Only regular files: anything else is left to the full read, which refuses it.
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut head = [0u8; 2];
    let mut peek = std::io::BufReader::new(file);
    let buf = {
        use std::io::BufRead;
        let b = peek.fill_buf().ok()?;
        head.copy_from_slice(b.get(..2)?);
        let mut out = Vec::new();
        if head == [0x1f, 0x8b] {
            flate2::bufread::MultiGzDecoder::new(peek)
                .take(PREFIX)
                .read_to_end(&mut out)
                .ok()?;
        } else {
            peek.take(PREFIX).read_to_end(&mut out).ok()?;
        }
        out
    };
    parse_prefix(&buf)
}

#[derive(Default)]
struct Found {
    format: Option<String>,
    version: Option<u64>,
    host: Option<String>,
    kernel: Option<String>,
    time: Option<String>,
}

/// The header keys found before `tables` (or the end of the prefix).
fn parse_prefix(text: &[u8]) -> Option<SnapshotInfo> {
    let found = RefCell::new(Found::default());
    let mut de = serde_json::Deserializer::from_slice(text);
    // Stops with an error at `tables` or where the prefix is cut: what was found is kept.
    let _ = (Seed(&found)).deserialize(&mut de);
    let f = found.into_inner();
    if f.format.as_deref() != Some(FORMAT) || f.version != Some(VERSION) {
        return None;
    }
    Some(SnapshotInfo {
        host: f.host?,
        kernel: f.kernel.unwrap_or_default(),
        time: f.time?,
    })
}

struct Seed<'a>(&'a RefCell<Found>);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let mut f = self.0.borrow_mut();
        while let Some(key) = m.next_key::<String>()? {
            match key.as_str() {
                "format" => f.format = Some(m.next_value()?),
                "version" => f.version = Some(m.next_value()?),
                "host" => f.host = Some(m.next_value()?),
                "kernel" => f.kernel = Some(m.next_value()?),
                "time" => f.time = Some(m.next_value()?),
                "tables" | "errors" => return Err(de::Error::custom("header read")),
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_comes_from_the_prefix_or_not_at_all() {
        let doc = br#"{"format":"netpry-snapshot","version":1,"netpry":"0.1.0","host":"h","kernel":"6.1","time":"T","tables":{"t":{"#;
        let info = parse_prefix(doc).unwrap();
        assert_eq!((info.host.as_str(), info.time.as_str()), ("h", "T"));
        // Cut inside the header, tables first, another version, not JSON: the full read decides.
        assert!(parse_prefix(&doc[..60]).is_none());
        assert!(
            parse_prefix(
                br#"{"tables":{},"format":"netpry-snapshot","version":1,"host":"h","time":"T"}"#
            )
            .is_none()
        );
        assert!(
            parse_prefix(
                br#"{"format":"netpry-snapshot","version":2,"host":"h","time":"T","tables":{}}"#
            )
            .is_none()
        );
        assert!(parse_prefix(b"\x00garbage").is_none());
        assert!(
            parse_prefix(br#"{"format":"netpry-snapshot","version":1,"host":5,"time":"T"}"#)
                .is_none()
        );
    }

    #[test]
    fn compressed_files_give_their_header() {
        let dir = tempfile::tempdir().unwrap();
        let doc = br#"{"format":"netpry-snapshot","version":1,"host":"gz","time":"T","tables":{}}"#;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, doc).unwrap();
        let p = dir.path().join("a.json.gz");
        std::fs::write(&p, e.finish().unwrap()).unwrap();
        assert_eq!(from_prefix(&p).unwrap().host, "gz");
        let plain = dir.path().join("b.json");
        std::fs::write(&plain, doc).unwrap();
        assert_eq!(from_prefix(&plain).unwrap().host, "gz");
        assert!(from_prefix(dir.path()).is_none());
    }
}
