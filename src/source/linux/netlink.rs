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
                let chunk = &self.buf[off..n];
                let len = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as usize;
                if len < 16 || len > chunk.len() {
                    status.skipped += 1;
                    break;
                }
                let flags = u16::from_ne_bytes([chunk[6], chunk[7]]);
                let msg_seq = u32::from_ne_bytes([chunk[8], chunk[9], chunk[10], chunk[11]]);
                off += (len + 3) & !3;
                if msg_seq != seq {
                    continue; // a stale reply to an earlier request
                }
                if flags & NLM_F_DUMP_INTR != 0 {
                    status.interrupted = true;
                }
                match NetlinkMessage::<T>::deserialize(&chunk[..len]) {
                    Ok(m) => match m.payload {
                        NetlinkPayload::Done(_) => return Ok(status),
                        NetlinkPayload::Error(e) => {
                            if e.code.is_none() {
                                continue; // an ACK
                            }
                            return Err(e.to_io());
                        }
                        NetlinkPayload::InnerMessage(inner) => each(inner),
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
                let len = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) as usize;
                if len < 16 || len > chunk.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "truncated netlink reply",
                    ));
                }
                let msg_seq = u32::from_ne_bytes([chunk[8], chunk[9], chunk[10], chunk[11]]);
                off += (len + 3) & !3;
                if msg_seq != seq {
                    continue;
                }
                let m = NetlinkMessage::<T>::deserialize(&chunk[..len])
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
