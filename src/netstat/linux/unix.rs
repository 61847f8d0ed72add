//! UNIX domain socket rows of net-tools netstat: the row model read from netpry's `sockets`
//! table (unix_diag states translated back to the `SS_*` socket states `/proc/net/unix` shows),
//! the listening rule, and the exact row text (`-e`, `-o`, `-n` and `-W` have no effect here).

use super::sockets::{Layout, NETSTAT_STATES, pad_left, state_number};
use crate::model::Table;
use crate::tables::records::{Family, SocketRecord};

/// Flag bit for a listening socket (`__SO_ACCEPTCON`).
pub const ACC: u32 = 1 << 16;
/// Flag bit `W` (waiting for data).
pub const WAITDATA: u32 = 1 << 17;
/// Flag bit `N` (no space).
pub const NOSPACE: u32 = 1 << 18;

/// One UNIX socket as netstat sees it in `/proc/net/unix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixRow {
    /// `Protocol` field (always 0 for real sockets; anything else prints `??`).
    pub protocol: u32,
    /// Reference count.
    pub refcnt: u64,
    /// Flag bits ([`ACC`], [`WAITDATA`], [`NOSPACE`]).
    pub flags: u32,
    /// Socket type: 1 stream, 2 dgram, 3 raw, 4 rdm, 5 seqpacket.
    pub ty: u32,
    /// `SS_*` state: 0 free, 1 unconnected, 2 connecting, 3 connected, 4 disconnecting.
    pub st: u32,
    /// Inode.
    pub inode: u64,
    /// Bound path (`@name` for abstract names), or empty.
    pub path: String,
    /// Owning process, if known.
    pub pid: Option<u32>,
}

impl UnixRow {
    /// netstat's listening rule: unconnected with the accept flag.
    pub fn is_listening(&self) -> bool {
        self.st == 1 && self.flags & ACC != 0
    }
}

impl UnixRow {
    /// The row for a UNIX record streamed from the live collector (`None` for other sockets):
    /// exactly what [`Cols::read`] makes of the record's row in the `sockets` table.
    pub fn from_record(r: &SocketRecord) -> Option<UnixRow> {
        if r.family != Family::Unix {
            return None;
        }
        // The table spells states by name; names netstat does not know read back as 0.
        let state = if NETSTAT_STATES.contains(&r.state) {
            r.state
        } else {
            0
        };
        let (flags, st) = match state {
            10 => (ACC, 1),
            1 => (0, 3),
            2 => (0, 2),
            _ => (0, 1),
        };
        Some(UnixRow {
            protocol: 0,
            refcnt: r.refcnt.map_or(0, u64::from),
            flags,
            ty: match r.sock_type {
                t @ (1 | 2 | 3 | 5) => u32::from(t),
                _ => 0,
            },
            st,
            inode: r.inode,
            path: r.path.as_deref().unwrap_or("").to_string(),
            pid: r.pid,
        })
    }
}

/// The UNIX column header line (with its newline).
pub fn header(layout: &Layout) -> String {
    let mut s = String::from("Proto RefCnt Flags       Type       State         I-Node  ");
    if layout.programs {
        s.push_str(" PID/Program name    ");
    }
    s.push_str(" Path\n");
    s
}

/// Formats one row (with its newline) into `buf`; `prog` is the `-p` text when wanted.
pub fn format_row(buf: &mut String, row: &UnixRow, layout: &Layout, prog: &str) {
    pad_left(buf, if row.protocol == 0 { "unix" } else { "??" }, 5);
    buf.push(' ');
    pad_left(buf, &row.refcnt.to_string(), 6);
    buf.push(' ');
    let mut flags = String::from("[ ");
    if row.flags & ACC != 0 {
        flags.push_str("ACC ");
    }
    if row.flags & WAITDATA != 0 {
        flags.push_str("W ");
    }
    if row.flags & NOSPACE != 0 {
        flags.push_str("N ");
    }
    flags.push(']');
    pad_left(buf, &flags, 11);
    buf.push(' ');
    let ty = match row.ty {
        1 => "STREAM",
        2 => "DGRAM",
        3 => "RAW",
        4 => "RDM",
        5 => "SEQPACKET",
        _ => "UNKNOWN",
    };
    pad_left(buf, ty, 10);
    buf.push(' ');
    let st = match row.st {
        0 => "FREE",
        1 if row.flags & ACC != 0 => "LISTENING",
        1 => "",
        2 => "CONNECTING",
        3 => "CONNECTED",
        4 => "DISCONNECTING",
        _ => "UNKNOWN",
    };
    pad_left(buf, st, 13);
    buf.push(' ');
    pad_left(buf, &row.inode.to_string(), 8);
    if layout.programs {
        buf.push(' ');
        pad_left(buf, prog, 20);
    }
    buf.push(' ');
    // netstat reads the path as one whitespace-delimited word.
    buf.push_str(row.path.split_whitespace().next().unwrap_or(""));
    buf.push('\n');
}

/// The `sockets` columns a UNIX listing needs.
pub fn wanted_columns(layout: &Layout) -> Vec<&'static str> {
    let mut c = vec![
        "proto", "family", "state", "type", "inode", "path", "flags", "refcnt",
    ];
    if layout.programs {
        c.push("pid");
    }
    c
}

/// The `sockets` columns the UNIX listing reads, in the order of the `C_*` indexes.
const COLUMNS: [&str; 7] = [
    "family", "state", "type", "inode", "path", "flags", "refcnt",
];
const C_FAMILY: usize = 0;
const C_STATE: usize = 1;
const C_TYPE: usize = 2;
const C_INODE: usize = 3;
const C_PATH: usize = 4;
const C_FLAGS: usize = 5;
const C_REFCNT: usize = 6;
const C_PID: usize = 7;

/// The UNIX rows of a `sockets` table, read through the one typed reader
/// ([`crate::model::Cols`]): missing columns read as null, out-of-range numbers read as 0 and
/// are reported by [`UnixCols::take_problems`].
#[derive(Debug)]
pub struct UnixCols<'t> {
    c: crate::model::Cols<'t>,
}

impl<'t> UnixCols<'t> {
    /// Finds the columns in `t`.
    pub fn of(t: &'t Table) -> UnixCols<'t> {
        let mut names = COLUMNS.to_vec();
        names.push("pid");
        UnixCols {
            c: crate::model::Cols::new(t, &names),
        }
    }

    /// Reads UNIX row `r`; `None` when the row is not one.
    pub fn read(&self, r: usize) -> Option<UnixRow> {
        let c = &self.c;
        if &*c.str(r, C_FAMILY)? != "unix" {
            return None;
        }
        let mut flags = 0;
        for word in c
            .str(r, C_FLAGS)
            .as_deref()
            .unwrap_or("")
            .split([' ', ',', '|'])
        {
            flags |= match word {
                "ACC" => ACC,
                "W" => WAITDATA,
                "N" => NOSPACE,
                _ => 0,
            };
        }
        let state = c.str(r, C_STATE).map_or(0, |s| state_number(&s));
        if state == 10 {
            flags |= ACC;
        }
        // unix_diag reports TCP-style states; /proc/net/unix shows the socket's SS_* state.
        let st = match state {
            1 => 3,  // ESTABLISHED: SS_CONNECTED
            2 => 2,  // SYN_SENT: SS_CONNECTING
            10 => 1, // LISTEN: SS_UNCONNECTED with ACC
            _ => 1,  // CLOSE and anything else: SS_UNCONNECTED
        };
        let ty = match c.str(r, C_TYPE).as_deref().unwrap_or("") {
            "stream" => 1,
            "dgram" => 2,
            "raw" => 3,
            "rdm" => 4,
            "seqpacket" => 5,
            _ => 0,
        };
        Some(UnixRow {
            protocol: 0,
            refcnt: c.u64(r, C_REFCNT).unwrap_or(0),
            flags,
            ty,
            st,
            inode: c.u64(r, C_INODE).unwrap_or(0),
            path: c.str(r, C_PATH).as_deref().unwrap_or("").to_string(),
            pid: c.u32(r, C_PID),
        })
    }

    /// The out-of-range cells met so far, as sentences for a note (see
    /// [`crate::model::Cols::take_problems`]).
    pub fn take_problems(&self) -> Vec<String> {
        self.c.take_problems()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(refcnt: u64, flags: u32, ty: u32, st: u32, inode: u64, path: &str) -> UnixRow {
        UnixRow {
            protocol: 0,
            refcnt,
            flags,
            ty,
            st,
            inode,
            path: path.into(),
            pid: None,
        }
    }

    fn text(r: &UnixRow, layout: &Layout, prog: &str) -> String {
        let mut s = String::new();
        format_row(&mut s, r, layout, prog);
        s
    }

    #[test]
    fn spec_samples() {
        let l = Layout::default();
        assert_eq!(
            text(&row(3, 0, 1, 3, 561, ""), &l, ""),
            "unix  3      [ ]         STREAM     CONNECTED     561      \n"
        );
        assert_eq!(
            text(&row(2, ACC, 1, 1, 616481, "/tmp/demo/stream.sock"), &l, ""),
            "unix  2      [ ACC ]     STREAM     LISTENING     616481   /tmp/demo/stream.sock\n"
        );
        assert_eq!(
            text(&row(2, 0, 2, 1, 616484, "/tmp/demo/dgram.sock"), &l, ""),
            "unix  2      [ ]         DGRAM                    616484   /tmp/demo/dgram.sock\n"
        );
        assert_eq!(
            text(&row(2, NOSPACE, 5, 2, 7004, "@abstract"), &l, ""),
            "unix  2      [ N ]       SEQPACKET  CONNECTING    7004     @abstract\n"
        );
        let mut odd = row(2, WAITDATA | NOSPACE, 4, 4, 7005, "");
        odd.protocol = 1;
        assert_eq!(
            text(&odd, &l, ""),
            "??    2      [ W N ]     RDM        DISCONNECTING 7005     \n"
        );
        assert_eq!(
            text(&row(2, 0, 3, 0, 7006, ""), &l, ""),
            "unix  2      [ ]         RAW        FREE          7006     \n"
        );
        assert_eq!(
            text(&row(2, 0, 9, 9, 7007, ""), &l, ""),
            "unix  2      [ ]         UNKNOWN    UNKNOWN       7007     \n"
        );
        assert_eq!(
            text(&row(3, 0, 1, 3, 7002, "/tmp/with space"), &l, ""),
            "unix  3      [ ]         STREAM     CONNECTED     7002     /tmp/with\n"
        );
        let p = Layout {
            programs: true,
            ..l
        };
        assert_eq!(
            text(&row(3, 0, 1, 3, 9, ""), &p, "12/python3"),
            "unix  3      [ ]         STREAM     CONNECTED     9        12/python3           \n"
        );
        assert_eq!(
            header(&l),
            "Proto RefCnt Flags       Type       State         I-Node   Path\n"
        );
    }

    #[test]
    fn listening_needs_unconnected_and_acc() {
        assert!(row(2, ACC, 1, 1, 1, "").is_listening());
        assert!(!row(2, 0, 2, 1, 1, "").is_listening());
        assert!(!row(2, ACC, 1, 3, 1, "").is_listening());
    }
}
