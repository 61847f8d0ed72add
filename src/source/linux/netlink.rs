//! Synchronous netlink request/dump plumbing shared by the rtnetlink and sock_diag collectors.
//!
//! One blocking `netlink-sys` socket per request, a 32 KiB receive buffer (the kernel sizes dump
//! batches by the largest buffer it has seen), sequence numbers checked, `NLMSG_ERROR` turned
//! into an `io::Error`, a message that does not decode skipped and counted instead of failing
//! the dump, and `NLM_F_DUMP_INTR` (the table changed mid-dump) reported so the caller retries.

use std::io;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NetlinkDeserializable, NetlinkHeader,
    NetlinkMessage, NetlinkPayload, NetlinkSerializable,
};
use netlink_sys::{Socket, SocketAddr};

/// Receive buffer size; at least 32 KiB so the kernel never truncates a dump batch.
const RECV_BUF: usize = 64 * 1024;

/// How many times a dump interrupted by a concurrent change is retried before giving up.
const DUMP_RETRIES: usize = 5;

/// What happened during one dump, besides the messages delivered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DumpStatus {
    /// Messages that failed to decode and were skipped.
    pub skipped: usize,
    /// The kernel flagged the dump as interrupted (NLM_F_DUMP_INTR).
    pub interrupted: bool,
}

/// The fixed header (`struct nlmsghdr`) of one netlink message in a received datagram: the
/// one place the framing is read, for every family netpry speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Length of the message, header included.
    pub len: usize,
    /// Message type (`NLMSG_DONE`, `RTM_NEWLINK`, ...).
    pub kind: u16,
    /// `NLM_F_*` flags.
    pub flags: u16,
    /// Sequence number of the request it answers.
    pub seq: u32,
}

impl Header {
    /// The header of the message at the start of `m`; `None` when `m` is shorter than a header
    /// or than the length the header claims (a truncated message).
    pub fn parse(m: &[u8]) -> Option<Header> {
        let b: &[u8; 16] = m.get(..16)?.try_into().ok()?;
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if len < 16 || len > m.len() {
            return None;
        }
        Some(Header {
            len,
            kind: u16::from_ne_bytes([b[4], b[5]]),
            flags: u16::from_ne_bytes([b[6], b[7]]),
            seq: u32::from_ne_bytes([b[8], b[9], b[10], b[11]]),
        })
    }

    /// Where the next message starts: the length rounded up to 4 bytes (NLMSG_ALIGN).
    pub fn next(&self) -> usize {
        (self.len + 3) & !3
    }
}

/// An open netlink socket of one protocol, bound and connected to the kernel.
pub struct Netlink {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl Netlink {
    /// Opens a socket of `protocol` (`NETLINK_ROUTE`, `NETLINK_SOCK_DIAG`).
    pub fn open(protocol: isize) -> io::Result<Netlink> {
        let mut socket = Socket::new(protocol)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        // Ask the kernel to honour filters in dump requests where it can (ignored if unsupported).
        let _ = socket.set_netlink_get_strict_chk(true);
        Ok(Netlink {
            socket,
            seq: 0,
            buf: vec![0; RECV_BUF],
        })
    }

    /// Sends `req` with `flags` (plus `NLM_F_REQUEST`) and returns its sequence number.
    fn send<T: NetlinkSerializable>(&mut self, req: T, flags: u16) -> io::Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let mut hdr = NetlinkHeader::default();
        hdr.flags = NLM_F_REQUEST | flags;
        hdr.sequence_number = self.seq;
        let mut msg = NetlinkMessage::new(hdr, NetlinkPayload::InnerMessage(req));
        msg.finalize();
        let mut out = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut out);
        self.socket.send(&out, 0)?;
        Ok(self.seq)
    }

    /// Dumps with `req`, calling `each` for every decoded message, once. The caller decides
    /// what to do with an interrupted dump; see [`Netlink::dump_all`].
    pub fn dump_once<T, F>(&mut self, req: T, mut each: F) -> io::Result<DumpStatus>
    where
        T: NetlinkSerializable + NetlinkDeserializable,
        F: FnMut(T),
    {
        self.dump_once_with(req, |_| (), |m, ()| each(m))
    }

    /// [`Netlink::dump_once`], letting `prepare` see (and mend) each message's payload bytes
    /// before they are decoded; what it returns is given to `each` with the message.
    pub fn dump_once_with<T, X, P, F>(
        &mut self,
        req: T,
        mut prepare: P,
        mut each: F,
    ) -> io::Result<DumpStatus>
    where
        T: NetlinkSerializable + NetlinkDeserializable,
        P: FnMut(&mut [u8]) -> X,
        F: FnMut(T, X),
    {
        let seq = self.send(req, NLM_F_DUMP)?;
        let mut status = DumpStatus::default();
        loop {
            let n = self.socket.recv(&mut &mut self.buf[..], 0)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "netlink socket closed",
                ));
            }
            let mut off = 0;
            while off + 16 <= n {
                let chunk = &mut self.buf[off..n];
                let Some(h) = Header::parse(chunk) else {
                    status.skipped += 1;
                    break;
                };
                let len = h.len;
                off += h.next();
                if h.seq != seq {
                    continue; // a stale reply to an earlier request
                }
                if h.flags & NLM_F_DUMP_INTR != 0 {
                    status.interrupted = true;
                }
                let extra = prepare(&mut chunk[16..len]);
                match NetlinkMessage::<T>::deserialize(&chunk[..len]) {
                    Ok(m) => match m.payload {
                        NetlinkPayload::Done(_) => return Ok(status),
                        NetlinkPayload::Error(e) => {
                            if e.code.is_none() {
                                continue; // an ACK
                            }
                            return Err(e.to_io());
                        }
                        NetlinkPayload::InnerMessage(inner) => each(inner, extra),
                        _ => {}
                    },
                    Err(_) => status.skipped += 1,
                }
            }
        }
    }

    /// Dumps with a fresh copy of the request from `make_req` into a vector, retrying while the
    /// kernel reports the dump as interrupted (up to a few times, as `ip` does).
    pub fn dump_all<T>(&mut self, make_req: impl Fn() -> T) -> io::Result<(Vec<T>, DumpStatus)>
    where
        T: NetlinkSerializable + NetlinkDeserializable,
    {
        let mut last = (Vec::new(), DumpStatus::default());
        for _ in 0..DUMP_RETRIES {
            let mut out = Vec::new();
            let status = self.dump_once(make_req(), |m| out.push(m))?;
            last = (out, status);
            if !status.interrupted {
                break;
            }
        }
        Ok(last)
    }

    /// [`Netlink::dump_all`] with a `prepare` step per message, as [`Netlink::dump_once_with`].
    pub fn dump_all_with<T, X>(
        &mut self,
        make_req: impl Fn() -> T,
        mut prepare: impl FnMut(&mut [u8]) -> X,
    ) -> io::Result<(Vec<(T, X)>, DumpStatus)>
    where
        T: NetlinkSerializable + NetlinkDeserializable,
    {
        let mut last = (Vec::new(), DumpStatus::default());
        for _ in 0..DUMP_RETRIES {
            let mut out = Vec::new();
            let status = self.dump_once_with(make_req(), &mut prepare, |m, x| out.push((m, x)))?;
            last = (out, status);
            if !status.interrupted {
                break;
            }
        }
        Ok(last)
    }

    /// Sends one request (no dump) and returns the single reply message.
    pub fn request<T>(&mut self, req: T) -> io::Result<T>
    where
        T: NetlinkSerializable + NetlinkDeserializable,
    {
        let seq = self.send(req, 0)?;
        loop {
            let n = self.socket.recv(&mut &mut self.buf[..], 0)?;
            let mut off = 0;
            while off + 16 <= n {
                let chunk = &self.buf[off..n];
                let h = Header::parse(chunk).ok_or_else(truncated)?;
                off += h.next();
                if h.seq != seq {
                    continue;
                }
                let m = NetlinkMessage::<T>::deserialize(&chunk[..h.len])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                match m.payload {
                    NetlinkPayload::InnerMessage(inner) => return Ok(inner),
                    NetlinkPayload::Error(e) if e.code.is_some() => return Err(e.to_io()),
                    _ => {}
                }
            }
        }
    }
}

/// String attributes the decoders take as UTF-8 but the kernel fills with bytes (interface
/// names and aliases, rule device names), kept losslessly: each attribute of a kind in `kinds`
/// that follows a fixed header of `header_len` bytes and is not UTF-8 is returned with its raw
/// bytes (without the trailing NUL), and its bytes at or above 0x80 are replaced by `?` in
/// `payload` so the message still decodes. Nested attributes are not visited.
pub fn take_raw_strings(payload: &mut [u8], header_len: usize, kinds: &[u16]) -> RawStrings {
    let mut out = Vec::new();
    let mut off = header_len;
    while off + 4 <= payload.len() {
        let len = usize::from(u16::from_ne_bytes([payload[off], payload[off + 1]]));
        let kind = u16::from_ne_bytes([payload[off + 2], payload[off + 3]]) & 0x3fff;
        if len < 4 || off + len > payload.len() {
            break;
        }
        if kinds.contains(&kind) {
            let value = &mut payload[off + 4..off + len];
            let text = value.strip_suffix(&[0]).unwrap_or(value);
            if std::str::from_utf8(text).is_err() {
                out.push((kind, text.to_vec()));
                for b in value.iter_mut().filter(|b| **b >= 0x80) {
                    *b = b'?';
                }
            }
        }
        off += (len + 3) & !3;
    }
    RawStrings(out)
}

/// The raw string attributes [`take_raw_strings`] took from one message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawStrings(Vec<(u16, Vec<u8>)>);

impl RawStrings {
    /// The raw text (see `model::rawtext`) of attribute `kind`, if it was not UTF-8.
    pub fn get(&self, kind: u16) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| crate::model::rawtext::encode(v).into_owned())
    }
}

impl Netlink {
    /// Sends a dump request of `message_type` with a raw `payload` (the message after the
    /// netlink header) and calls `each` with every reply's type and payload until the dump ends.
    /// For families whose messages netlink-packet-* does not model (ctnetlink). An
    /// `NLMSG_ERROR` or a negative `NLMSG_DONE` status is returned as the error it carries.
    pub fn dump_raw(
        &mut self,
        message_type: u16,
        payload: &[u8],
        mut each: impl FnMut(u16, &[u8]),
    ) -> io::Result<()> {
        const NLMSG_ERROR: u16 = 2;
        const NLMSG_DONE: u16 = 3;
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let msg = dump_request(message_type, seq, payload);
        self.socket.send(&msg, 0)?;
        loop {
            let n = self.socket.recv(&mut &mut self.buf[..], 0)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "netlink socket closed",
                ));
            }
            let mut off = 0;
            while off + 16 <= n {
                let m = &self.buf[off..n];
                let h = Header::parse(m).ok_or_else(truncated)?;
                off += h.next();
                if h.seq != seq {
                    continue;
                }
                let (kind, body) = (h.kind, &m[16..h.len]);
                let status = || {
                    body.get(..4)
                        .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                };
                match kind {
                    NLMSG_DONE => {
                        return match status() {
                            s if s < 0 => Err(io::Error::from_raw_os_error(s.saturating_neg())),
                            _ => Ok(()),
                        };
                    }
                    NLMSG_ERROR => {
                        let s = status();
                        if s < 0 {
                            return Err(io::Error::from_raw_os_error(s.saturating_neg()));
                        }
                    }
                    _ => each(kind, body),
                }
            }
        }
    }
}

/// A dump request: a netlink header (`NLM_F_REQUEST | NLM_F_DUMP`, sequence `seq`) and
/// `payload`, ready to send.
pub fn dump_request(message_type: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(16 + payload.len()).unwrap_or(u32::MAX);
    let mut msg = Vec::with_capacity(16 + payload.len());
    msg.extend_from_slice(&len.to_ne_bytes());
    msg.extend_from_slice(&message_type.to_ne_bytes());
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(payload);
    msg
}

/// The error for a message shorter than its header says.
pub fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "truncated netlink message")
}

/// The attributes (`struct nlattr`: length, type, value) in `b`, the type without its
/// nested/byte-order flag bits; stops at the first malformed one.
pub fn attrs(mut b: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if b.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([b[0], b[1]]));
        let kind = u16::from_ne_bytes([b[2], b[3]]) & 0x3fff;
        if len < 4 || len > b.len() {
            return None;
        }
        let value = &b[4..len];
        b = &b[((len + 3) & !3).min(b.len())..];
        Some((kind, value))
    })
}
