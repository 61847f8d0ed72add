//! UNIX domain socket rows of net-tools netstat: what `/proc/net/unix` shows of the shared
//! socket row ([`Socket`]; unix_diag states translated back to the `SS_*` socket states), the
//! listening rule, and the exact row text (`-e`, `-o`, `-n` and `-W` have no effect here).

use super::sockets::{Layout, NETSTAT_STATES, pad_left};
use crate::netstat::rows::socket::{FLAG_ACC, FLAG_NOSPACE, FLAG_WAITDATA, Socket, state};
use crate::tables::records::Family;

/// Whether a socket row is a UNIX socket (by its family).
pub fn is_unix(s: &Socket) -> bool {
    s.family == Some(Family::Unix)
}

/// The flag bits `/proc/net/unix` shows: the table's, and `ACC` for a listener.
fn proc_flags(s: &Socket) -> u8 {
    let listen = s.state == Some(state::LISTEN);
    s.flags | if listen { FLAG_ACC } else { 0 }
}

/// The `SS_*` state `/proc/net/unix` shows: 1 unconnected, 2 connecting, 3 connected.
fn proc_state(s: &Socket) -> u8 {
    // unix_diag reports TCP-style states; names netstat does not know read as 0.
    match s.state.filter(|n| NETSTAT_STATES.contains(n)) {
        Some(state::ESTABLISHED) => 3, // SS_CONNECTED
        Some(state::SYN_SENT) => 2,    // SS_CONNECTING
        _ => 1,                        // LISTEN (with ACC), CLOSE and the rest: SS_UNCONNECTED
    }
}

/// netstat's listening rule: unconnected with the accept flag.
pub fn is_listening(s: &Socket) -> bool {
    proc_state(s) == 1 && proc_flags(s) & FLAG_ACC != 0
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
pub fn format_row(buf: &mut String, row: &Socket, layout: &Layout, prog: &str) {
    let flag_bits = proc_flags(row);
    pad_left(buf, "unix", 5);
    buf.push(' ');
    pad_left(buf, &row.refcnt.unwrap_or(0).to_string(), 6);
    buf.push(' ');
    let mut flags = String::from("[ ");
    if flag_bits & FLAG_ACC != 0 {
        flags.push_str("ACC ");
    }
    if flag_bits & FLAG_WAITDATA != 0 {
        flags.push_str("W ");
    }
    if flag_bits & FLAG_NOSPACE != 0 {
        flags.push_str("N ");
    }
    flags.push(']');
    pad_left(buf, &flags, 11);
    buf.push(' ');
    let ty = match row.sock_type {
        1 => "STREAM",
        2 => "DGRAM",
        3 => "RAW",
        4 => "RDM",
        5 => "SEQPACKET",
        _ => "UNKNOWN",
    };
    pad_left(buf, ty, 10);
    buf.push(' ');
    let st = match proc_state(row) {
        1 if flag_bits & FLAG_ACC != 0 => "LISTENING",
        1 => "",
        2 => "CONNECTING",
        _ => "CONNECTED",
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
    let path = row.path.as_deref().unwrap_or("");
    buf.push_str(path.split_whitespace().next().unwrap_or(""));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(refcnt: u64, flags: u8, ty: u8, st: Option<u8>, inode: u64, path: &str) -> Socket {
        Socket {
            proto: Some(crate::model::Proto::Unix),
            family: Some(Family::Unix),
            state: st,
            refcnt: Some(refcnt),
            flags,
            sock_type: ty,
            inode,
            path: Some(path.into()).filter(|p: &std::sync::Arc<str>| !p.is_empty()),
            ..Socket::default()
        }
    }

    fn text(r: &Socket, layout: &Layout, prog: &str) -> String {
        let mut s = String::new();
        format_row(&mut s, r, layout, prog);
        s
    }

    const EST: Option<u8> = Some(state::ESTABLISHED);
    const LISTEN: Option<u8> = Some(state::LISTEN);
    const CLOSE: Option<u8> = Some(state::CLOSE);

    #[test]
    fn spec_samples() {
        let l = Layout::default();
        assert_eq!(
            text(&row(3, 0, 1, EST, 561, ""), &l, ""),
            "unix  3      [ ]         STREAM     CONNECTED     561      \n"
        );
        assert_eq!(
            text(
                &row(2, 0, 1, LISTEN, 616481, "/tmp/demo/stream.sock"),
                &l,
                ""
            ),
            "unix  2      [ ACC ]     STREAM     LISTENING     616481   /tmp/demo/stream.sock\n"
        );
        assert_eq!(
            text(&row(2, 0, 2, CLOSE, 616484, "/tmp/demo/dgram.sock"), &l, ""),
            "unix  2      [ ]         DGRAM                    616484   /tmp/demo/dgram.sock\n"
        );
        assert_eq!(
            text(
                &row(2, FLAG_NOSPACE, 5, Some(state::SYN_SENT), 7004, "@abstract"),
                &l,
                ""
            ),
            "unix  2      [ N ]       SEQPACKET  CONNECTING    7004     @abstract\n"
        );
        assert_eq!(
            text(
                &row(2, FLAG_WAITDATA | FLAG_NOSPACE, 4, EST, 7005, ""),
                &l,
                ""
            ),
            "unix  2      [ W N ]     RDM        CONNECTED     7005     \n"
        );
        assert_eq!(
            text(&row(2, 0, 3, Some(state::NEW_SYN_RECV), 7006, ""), &l, ""),
            "unix  2      [ ]         RAW                      7006     \n"
        );
        assert_eq!(
            text(&row(2, 0, 9, None, 7007, ""), &l, ""),
            "unix  2      [ ]         UNKNOWN                  7007     \n"
        );
        assert_eq!(
            text(&row(3, 0, 1, EST, 7002, "/tmp/with space"), &l, ""),
            "unix  3      [ ]         STREAM     CONNECTED     7002     /tmp/with\n"
        );
        let p = Layout {
            programs: true,
            ..l
        };
        assert_eq!(
            text(&row(3, 0, 1, EST, 9, ""), &p, "12/python3"),
            "unix  3      [ ]         STREAM     CONNECTED     9        12/python3           \n"
        );
        assert_eq!(
            header(&l),
            "Proto RefCnt Flags       Type       State         I-Node   Path\n"
        );
    }

    #[test]
    fn listening_needs_unconnected_and_acc() {
        assert!(is_listening(&row(2, 0, 1, LISTEN, 1, "")));
        assert!(is_listening(&row(2, FLAG_ACC, 1, CLOSE, 1, "")));
        assert!(!is_listening(&row(2, 0, 2, CLOSE, 1, "")));
        assert!(!is_listening(&row(2, FLAG_ACC, 1, EST, 1, "")));
    }
}
