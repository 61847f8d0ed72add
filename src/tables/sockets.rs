//! `sockets`: every TCP, UDP, UDP-Lite, raw and UNIX socket of the network namespace, from
//! sock_diag (falling back to /proc/net), with owners, TCP internals and timers on request.
//!
//! [`SocketSelect`] chooses protocols, families and states; the live collector passes it to
//! the kernel, and [`TableDef::restrict`] applies it to a table read from a snapshot. [`Want`]
//! says which costly extras a projection needs, so `-c proto,state` never scans /proc or
//! asks the kernel for tcp_info.

use std::sync::LazyLock;

use super::field::{Field, TableBuilder, columns_of};
use super::{Notes, Request, TableDef};
use crate::door::source::records::{Family, Proto, SocketRecord, TcpInfo};
pub use crate::door::source::select::{ALL_STATES, STATE_NAMES, SocketSelect, Want, state_number};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "sockets",
    doc: "Sockets (TCP, UDP, UDP-Lite, raw, UNIX): addresses, state, queues, owner, TCP internals",
    source: "NETLINK_SOCK_DIAG inet_diag and unix_diag dumps (like `ss`), falling back to \
             /proc/net/{tcp,udp,udplite,raw,unix}[6]; owners from /proc/*/fd",
    columns,
    collect,
    restrict,
};

/// The name of kernel state `state` (its number as text when unknown).
pub fn state_name(state: u8) -> std::borrow::Cow<'static, str> {
    match STATE_NAMES.get(usize::from(state)) {
        Some(n) if state != 0 => (*n).into(),
        _ => state.to_string().into(),
    }
}

impl Want {
    /// The extras the columns of `req` need.
    pub fn for_request(req: &Request) -> Want {
        // `probes` and `retransmits` are exact only with tcp_info: the dump's own counter is
        // the one or the other depending on the timer. `congestion` is its own extension.
        Want {
            tcp_info: INFO_COLUMNS
                .iter()
                .any(|c| *c != "congestion" && req.wants(c)),
            congestion: req.wants("congestion"),
            owners: req.wants("pid") || req.wants("process"),
            user: req.wants("user"),
            dev: req.wants("dev"),
            refcnt: req.wants("refcnt"),
            netns: req.wants("netns"),
        }
    }
}

fn is_unix(r: &SocketRecord) -> bool {
    r.proto == Proto::Unix
}

fn inet<T>(r: &SocketRecord, v: impl FnOnce() -> T) -> Value
where
    T: Into<Value>,
{
    if is_unix(r) { Value::Null } else { v().into() }
}

fn unix<T: Into<Value>>(r: &SocketRecord, v: impl FnOnce() -> T) -> Value {
    if is_unix(r) { v().into() } else { Value::Null }
}

/// A number of a TCP socket's tcp_info; `None` for other sockets.
fn tcp_num<T>(r: &SocketRecord, f: impl FnOnce(&TcpInfo) -> Option<T>) -> Option<T> {
    match (&r.tcp, r.proto) {
        (Some(t), Proto::Tcp) => f(t),
        _ => None,
    }
}

/// A number of an internet socket; `None` for unix sockets.
fn inet_int(r: &SocketRecord, n: impl Into<i64>) -> Option<i64> {
    (!is_unix(r)).then(|| n.into())
}

/// An unsigned 64-bit count as a cell (the largest cell for the few above `i64::MAX`, as
/// `Value::int` does).
fn sat(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn ms(us: u32) -> f64 {
    f64::from(us) / 1000.0
}

/// A null cell, for [`Field::pick`] getters.
static NULL: Value = Value::Null;
static STATE_VALUES: LazyLock<Vec<Value>> =
    LazyLock::new(|| STATE_NAMES.iter().map(Value::str).collect());
static PROTO_VALUES: LazyLock<[Value; 5]> = LazyLock::new(|| {
    [
        Proto::Tcp,
        Proto::Udp,
        Proto::UdpLite,
        Proto::Raw,
        Proto::Unix,
    ]
    .map(|p| Value::str(p.name()))
});
static FAMILY_VALUES: LazyLock<[Value; 3]> =
    LazyLock::new(|| [Family::Inet, Family::Inet6, Family::Unix].map(|f| Value::str(f.name())));
static TIMER_VALUES: LazyLock<[Value; 5]> =
    LazyLock::new(|| ["off", "on", "keepalive", "timewait", "probe"].map(Value::str));
static TYPE_VALUES: LazyLock<[Value; 4]> =
    LazyLock::new(|| ["stream", "dgram", "raw", "seqpacket"].map(Value::str));
static FLAG_VALUES: LazyLock<[Value; 2]> = LazyLock::new(|| ["ACC", ""].map(Value::str));

fn proto_value(p: Proto) -> Value {
    PROTO_VALUES[p as usize].clone()
}

fn family_value(f: Family) -> Value {
    match f {
        Family::Inet => FAMILY_VALUES[0].clone(),
        Family::Inet6 => FAMILY_VALUES[1].clone(),
        Family::Unix => FAMILY_VALUES[2].clone(),
        Family::Link => Value::str(f.name()),
    }
}

fn state_value(state: u8) -> Value {
    match STATE_VALUES.get(usize::from(state)) {
        Some(v) if state != 0 => v.clone(),
        _ => Value::str(state.to_string()),
    }
}

fn timer_value(t: u8) -> Value {
    TIMER_VALUES
        .get(usize::from(t))
        .cloned()
        .unwrap_or_else(|| Value::str(t.to_string()))
}

fn type_value(t: u8) -> Value {
    match t {
        1 => TYPE_VALUES[0].clone(),
        2 => TYPE_VALUES[1].clone(),
        3 => TYPE_VALUES[2].clone(),
        5 => TYPE_VALUES[3].clone(),
        0 => Value::Null,
        n => Value::str(n.to_string()),
    }
}

static FIELDS: LazyLock<Vec<Field<SocketRecord>>> = LazyLock::new(|| {
    use Type::*;
    let f = |name, ty, doc, get: fn(&SocketRecord) -> Value| {
        Field::new(Column::new(name, ty, doc), get)
    };
    let fi = |name, doc, get: fn(&SocketRecord) -> Option<i64>| {
        Field::int(Column::new(name, Int, doc), get)
    };
    let ff = |name, doc, get: fn(&SocketRecord) -> Option<f64>| {
        Field::float(Column::new(name, Float, doc), get)
    };
    let fip = |name, doc, get: fn(&SocketRecord) -> Option<std::net::IpAddr>| {
        Field::ip(Column::new(name, Ip, doc), get)
    };
    let fp = |name, doc, pick: fn(&SocketRecord) -> Option<&'static Value>, other| {
        Field::pick(Column::new(name, Str, doc), pick, other)
    };
    let fname = |name, doc, get: fn(&SocketRecord) -> Option<&std::sync::Arc<str>>| {
        Field::name(Column::new(name, Str, doc), get)
    };
    vec![
        fp(
            "proto",
            "Protocol: tcp, udp, udplite, raw or unix",
            |r| PROTO_VALUES.get(r.proto as usize),
            |r| proto_value(r.proto),
        ),
        fp(
            "family",
            "Address family: inet, inet6 or unix",
            |r| match r.family {
                Family::Inet => Some(&FAMILY_VALUES[0]),
                Family::Inet6 => Some(&FAMILY_VALUES[1]),
                Family::Unix => Some(&FAMILY_VALUES[2]),
                Family::Link => None,
            },
            |r| family_value(r.family),
        ),
        fp(
            "state",
            "Kernel state name (ESTABLISHED, LISTEN, TIME_WAIT, CLOSE, ...), for every protocol",
            |r| {
                STATE_VALUES
                    .get(usize::from(r.state))
                    .filter(|_| r.state != 0)
            },
            |r| state_value(r.state),
        ),
        fi(
            "recv_q",
            "Receive queue, bytes; for LISTEN, the current accept queue",
            |r| Some(r.recv_q.into()),
        ),
        fi(
            "send_q",
            "Send queue, bytes; for LISTEN, the accept backlog",
            |r| Some(r.send_q.into()),
        ),
        fip("local_addr", "Local address; null for unix", |r| {
            r.local_addr
        }),
        fi(
            "local_port",
            "Local port (raw sockets: the IP protocol number); null for unix",
            |r| inet_int(r, r.local_port),
        ),
        fip(
            "remote_addr",
            "Remote address (0.0.0.0 or :: when unconnected); null for unix",
            |r| r.remote_addr,
        ),
        fi(
            "remote_port",
            "Remote port (0 when unconnected); null for unix",
            |r| inet_int(r, r.remote_port),
        ),
        fi("uid", "Owning user id", |r| r.uid.map(i64::from)),
        fname(
            "user",
            "Owning user name (null when uid has no passwd entry)",
            |r| r.user.as_ref(),
        ),
        fi(
            "inode",
            "Socket inode (0 for TIME_WAIT, SYN_RECV and the server side of a UNIX connection \
             not yet accepted)",
            |r| Some(sat(r.inode)),
        ),
        fi(
            "cookie",
            "Kernel socket cookie (null when read from /proc)",
            |r| (r.cookie != 0).then(|| sat(r.cookie)),
        ),
        f(
            "dev",
            Str,
            "Interface the socket is bound to (SO_BINDTODEVICE); null if none",
            |r| {
                if r.bound_ifindex == 0 {
                    Value::Null
                } else {
                    r.bound_dev.as_ref().map_or_else(
                        || Value::str(format!("if{}", r.bound_ifindex)),
                        Value::shared_name,
                    )
                }
            },
        ),
        fi(
            "pid",
            "Owning process id (lowest if several); null when unknown or not visible",
            |r| r.pid.map(i64::from),
        ),
        fname("process", "Owning process name (comm)", |r| {
            r.process.as_ref()
        }),
        fp(
            "timer",
            "Running timer: off, on (retransmit), keepalive, timewait or probe (zero window)",
            |r| {
                if is_unix(r) {
                    Some(&NULL)
                } else {
                    TIMER_VALUES.get(usize::from(r.timer))
                }
            },
            |r| inet(r, || timer_value(r.timer)),
        ),
        fi(
            "timer_expires_ms",
            "Milliseconds until the timer fires",
            |r| inet_int(r, r.timer_expires_ms),
        ),
        fi(
            "retransmits",
            "Retransmissions of the current data (TCP; the retrnsmt field of /proc/net/tcp)",
            |r| inet_int(r, r.retransmits),
        ),
        fi(
            "probes",
            "Unanswered probes of the running timer: zero-window probes (timer probe) or \
             keepalive probes (timer keepalive); 0 otherwise (TCP; /proc/net/tcp's timeout field)",
            |r| inet_int(r, r.probes),
        ),
        ff("rtt_ms", "Smoothed round-trip time, ms (TCP)", |r| {
            tcp_num(r, |t| Some(ms(t.rtt_us)))
        }),
        ff("rttvar_ms", "Round-trip time variation, ms (TCP)", |r| {
            tcp_num(r, |t| Some(ms(t.rttvar_us)))
        }),
        ff("rto_ms", "Retransmission timeout, ms (TCP)", |r| {
            tcp_num(r, |t| Some(ms(t.rto_us)))
        }),
        fi("cwnd", "Congestion window, segments (TCP)", |r| {
            tcp_num(r, |t| Some(t.cwnd.into()))
        }),
        fi(
            "ssthresh",
            "Slow-start threshold, segments (TCP; null while unbounded)",
            |r| tcp_num(r, |t| (t.ssthresh < 0x7fff_ffff).then(|| t.ssthresh.into())),
        ),
        fi("mss", "Sender maximum segment size, bytes (TCP)", |r| {
            tcp_num(r, |t| Some(t.snd_mss.into()))
        }),
        fi(
            "retrans",
            "Segments retransmitted over the connection's life (TCP)",
            |r| tcp_num(r, |t| Some(t.total_retrans.into())),
        ),
        fi(
            "bytes_acked",
            "Bytes sent and acknowledged by the peer (TCP)",
            |r| tcp_num(r, |t| Some(sat(t.bytes_acked))),
        ),
        fi(
            "bytes_received",
            "Bytes received from the peer (TCP)",
            |r| tcp_num(r, |t| Some(sat(t.bytes_received))),
        ),
        fi("segs_out", "Segments sent (TCP)", |r| {
            tcp_num(r, |t| Some(t.segs_out.into()))
        }),
        fi("segs_in", "Segments received (TCP)", |r| {
            tcp_num(r, |t| Some(t.segs_in.into()))
        }),
        fname(
            "congestion",
            "Congestion control algorithm (TCP)",
            |r| match (&r.tcp, r.proto) {
                (Some(t), Proto::Tcp) => t.congestion.as_ref(),
                _ => None,
            },
        ),
        fp(
            "type",
            "Socket type: stream, dgram, seqpacket or raw",
            |r| match r.sock_type {
                1 => Some(&TYPE_VALUES[0]),
                2 => Some(&TYPE_VALUES[1]),
                3 => Some(&TYPE_VALUES[2]),
                5 => Some(&TYPE_VALUES[3]),
                0 => Some(&NULL),
                _ => None,
            },
            |r| type_value(r.sock_type),
        ),
        fname(
            "path",
            "UNIX socket path (abstract names start with @); null when unnamed",
            |r| r.path.as_ref(),
        ),
        fi(
            "peer_inode",
            "Inode of the connected UNIX peer; null if unconnected",
            |r| (is_unix(r) && r.peer_inode != 0).then(|| sat(r.peer_inode)),
        ),
        fp(
            "flags",
            "UNIX socket flags as netstat shows them: ACC for listeners, else empty",
            |r| {
                Some(if is_unix(r) {
                    &FLAG_VALUES[usize::from(r.state != 10)]
                } else {
                    &NULL
                })
            },
            |r| unix(r, || FLAG_VALUES[usize::from(r.state != 10)].clone()),
        ),
        fi(
            "refcnt",
            "UNIX socket reference count (from /proc/net/unix)",
            |r| r.refcnt.filter(|_| is_unix(r)).map(i64::from),
        ),
        fi(
            "netns",
            "Inode of the network namespace the socket was read in",
            |r| r.netns.map(sat),
        ),
    ]
});

static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| columns_of(&FIELDS));

fn columns() -> &'static [Column] {
    &COLUMNS
}

/// Rows of the last collection, while collections repeat (see [`collect`]).
static LAST_ROWS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Collects the live table. The owner columns (`pid`, `process`) are not read with the dump:
/// they are lazy, filled by one scan of /proc/*/fd the first time any of their values is read,
/// so a script that never reads them never scans (see [`lazy_owners`]).
fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let owners = req.wants("pid") || req.wants("process");
    // The owner columns are computed from the inode column: collect it even when not asked.
    let mut inner = req.clone();
    if owners
        && let Some(cols) = &mut inner.columns
        && !cols.iter().any(|c| c == "inode")
    {
        cols.push("inode".to_string());
    }
    // The whole table (a script keeps `sockets()` in a variable, a snapshot): the tcp_info
    // columns are lazy too, filled by a dump of their own the first time one is read. A
    // projection that names one asks for tcp_info in its one dump.
    let info_later = req.columns.is_none();
    let want = Want::for_request(req);
    let want = Want {
        owners: false,
        tcp_info: want.tcp_info && !info_later,
        congestion: want.congestion && !info_later,
        ..want
    };
    let mut b = TableBuilder::new(DEF.name, &FIELDS, &inner);
    // Collections that repeat (`netpry watch`) expect about as many rows as last time.
    let repeating = crate::door::source::linux::owners_kept();
    if repeating {
        let last = LAST_ROWS.load(std::sync::atomic::Ordering::Relaxed);
        b.expect(last + last / 16);
    }
    crate::door::source::linux::sockets(&req.sockets, &want, notes, |r| b.push_owned(r))?;
    let mut t = b.finish();
    if repeating {
        LAST_ROWS.store(t.len(), std::sync::atomic::Ordering::Relaxed);
    }
    t.shrink();
    if owners {
        lazy_owners(&mut t);
    }
    if info_later {
        lazy_tcp_info(&mut t, req.sockets);
    }
    if inner.columns.as_ref().map(Vec::len) != req.columns.as_ref().map(Vec::len) {
        let keep: Vec<usize> = (0..t.width() - 1).collect();
        t = t.project(&keep);
    }
    Ok(t)
}

/// Replaces the `pid` and `process` columns of a freshly collected table (which must hold
/// `inode`) with lazy ones: the first read of either scans /proc/*/fd once and fills both.
fn lazy_owners(t: &mut Table) {
    use std::sync::{Arc, OnceLock};

    use crate::model::{ColumnData, Store};
    let Some(ic) = t.column_index("inode") else {
        return;
    };
    let len = t.len();
    // One scan and one pass fill both columns, whichever is read first; each takes its own.
    let filled: Arc<OnceLock<(Store, Store)>> = Arc::new(OnceLock::new());
    let ino = Arc::clone(t.column_data(ic));
    let fill = move || -> (Store, Store) {
        let ino = ino.get();
        // Each row's inode (0 for none): what the owners are asked for, and the memo's key.
        let inodes: Vec<u64> = (0..len)
            .map(|r| ino.int(r).map_or(0, |i| i as u64))
            .collect();
        let map = crate::door::source::linux::owners_of(&inodes);
        if let Some(same) = FillMemo::recall(&map, &inodes) {
            return same;
        }
        if map.denied > 0 && inodes.iter().any(|&i| i != 0 && map.get(i).is_none()) {
            Notes::add_late(
                "other users' processes are not readable without root, so their sockets have \
                 no pid or process; run as root to see all",
            );
        }
        let (mut pids, mut names) = (Store::default(), Store::default());
        for &i in &inodes {
            let owner = if i == 0 { None } else { map.get(i) };
            pids.push_opt_int(owner.map(|o| i64::from(o.pid)));
            names.push_name(owner.map(|o| &o.comm));
        }
        pids.shrink();
        names.shrink();
        FillMemo::keep(&map, inodes, &pids, &names);
        (pids, names)
    };
    let fill = Arc::new(fill);
    let column = |pick: fn(&(Store, Store)) -> &Store| {
        let (filled, fill) = (Arc::clone(&filled), Arc::clone(&fill));
        Arc::new(ColumnData::lazy(Box::new(move || {
            pick(filled.get_or_init(|| fill())).clone()
        })))
    };
    if let Some(c) = t.column_index("pid") {
        t.set_column(c, column(|s| &s.0));
    }
    if let Some(c) = t.column_index("process") {
        t.set_column(c, column(|s| &s.1));
    }
}

/// The owner columns last filled while owners are kept between collections (`netpry
/// watch`): when the next collection holds the same inodes in the same order and the kept
/// owner map is the very same, its columns are the same too, and are reused instead of being
/// looked up again (two hash probes per socket per interval).
struct FillMemo {
    map: std::sync::Arc<crate::door::source::linux::OwnerMap>,
    inodes: Vec<u64>,
    pids: crate::model::Store,
    names: crate::model::Store,
}

static FILL_MEMO: std::sync::Mutex<Option<FillMemo>> = std::sync::Mutex::new(None);

impl FillMemo {
    /// The columns filled last time, when `map` and `inodes` are what they were filled from.
    fn recall(
        map: &std::sync::Arc<crate::door::source::linux::OwnerMap>,
        inodes: &[u64],
    ) -> Option<(crate::model::Store, crate::model::Store)> {
        let memo = FILL_MEMO.lock().unwrap_or_else(|e| e.into_inner());
        let m = memo.as_ref()?;
        (crate::door::source::linux::owners_kept()
            && std::sync::Arc::ptr_eq(&m.map, map)
            && m.inodes == inodes)
            .then(|| (m.pids.clone(), m.names.clone()))
    }

    /// Remembers the columns filled from `map` and `inodes`, while owners are kept (and
    /// forgets them otherwise).
    fn keep(
        map: &std::sync::Arc<crate::door::source::linux::OwnerMap>,
        inodes: Vec<u64>,
        pids: &crate::model::Store,
        names: &crate::model::Store,
    ) {
        let mut memo = FILL_MEMO.lock().unwrap_or_else(|e| e.into_inner());
        *memo = crate::door::source::linux::owners_kept().then(|| FillMemo {
            map: std::sync::Arc::clone(map),
            inodes,
            pids: pids.clone(),
            names: names.clone(),
        });
    }
}

/// The columns that come from tcp_info (INET_DIAG_INFO and INET_DIAG_CONG): `retransmits`
/// and `probes` are in the dump itself, but exact only with tcp_info.
const INFO_COLUMNS: [&str; 14] = [
    "retransmits",
    "probes",
    "rtt_ms",
    "rttvar_ms",
    "rto_ms",
    "cwnd",
    "ssthresh",
    "mss",
    "retrans",
    "bytes_acked",
    "bytes_received",
    "segs_out",
    "segs_in",
    "congestion",
];

/// Replaces the tcp_info columns of a whole table collected without tcp_info (which must hold
/// `proto` and `cookie`) with lazy ones: the first read of any of them dumps the TCP sockets
/// again with tcp_info, once, and fills them all, matching rows by socket cookie. A socket
/// closed between the two dumps has null tcp_info values (and keeps the `retransmits` and
/// `probes` of the first dump).
fn lazy_tcp_info(t: &mut Table, select: SocketSelect) {
    use std::sync::{Arc, Mutex, OnceLock};

    use crate::model::{ColumnData, Store};
    let (Some(pc), Some(kc)) = (t.column_index("proto"), t.column_index("cookie")) else {
        return;
    };
    let cols: Vec<(usize, &'static Field<SocketRecord>)> = INFO_COLUMNS
        .iter()
        .filter_map(|name| {
            let c = t.column_index(name)?;
            Some((c, FIELDS.iter().find(|f| f.column.name == *name)?))
        })
        .collect();
    let len = t.len();
    let proto = Arc::clone(t.column_data(pc));
    let cookie = Arc::clone(t.column_data(kc));
    let old: Vec<Arc<ColumnData>> = cols
        .iter()
        .map(|&(c, _)| Arc::clone(t.column_data(c)))
        .collect();
    let fields: Vec<&'static Field<SocketRecord>> = cols.iter().map(|&(_, f)| f).collect();
    // One dump and one pass over the rows for every column, whichever is read first; each
    // column then takes its store.
    type Built = Mutex<Vec<Option<Store>>>;
    let built: Arc<OnceLock<Built>> = Arc::new(OnceLock::new());
    let build = Arc::new(move || -> Built {
        // Notes of this dump (a /proc fallback) come out with the others, as late notes.
        let own = Notes::default();
        let infos = crate::door::source::linux::tcp_infos(&select, &own).unwrap_or_else(|e| {
            own.add(format!("tcp_info could not be read: {e}"));
            Default::default()
        });
        for n in own.take() {
            Notes::add_late(n);
        }
        let (proto, cookie) = (proto.get(), cookie.get());
        let old: Vec<&Store> = old.iter().map(|d| d.get()).collect();
        let mut stores: Vec<Store> = fields.iter().map(|_| Store::default()).collect();
        for r in 0..len {
            let info = if proto.text(r).and_then(Value::as_str) == Some("tcp") {
                cookie.int(r).and_then(|k| infos.get(&(k as u64)))
            } else {
                None
            };
            for (k, f) in fields.iter().enumerate() {
                let v = match info {
                    Some(i) => f.value(&SocketRecord {
                        proto: Proto::Tcp,
                        retransmits: i.retransmits,
                        probes: i.probes,
                        tcp: Some(i.clone()),
                        ..SocketRecord::default()
                    }),
                    // Not TCP, or gone: what the first dump had (null for tcp_info values).
                    None => old[k].get(r),
                };
                stores[k].push(v);
            }
        }
        for s in &mut stores {
            s.shrink();
        }
        Mutex::new(stores.into_iter().map(Some).collect())
    });
    for (k, &(c, _)) in cols.iter().enumerate() {
        let (built, build) = (Arc::clone(&built), Arc::clone(&build));
        t.set_column(
            c,
            Arc::new(ColumnData::lazy(Box::new(move || {
                let all = built.get_or_init(|| build());
                let mut all = all.lock().unwrap_or_else(|e| e.into_inner());
                all.get_mut(k).and_then(Option::take).unwrap_or_default()
            }))),
        );
    }
}

/// Builds the table from records (tests, and callers that already hold records).
pub fn build(records: &[SocketRecord], req: &Request) -> Table {
    let mut b = TableBuilder::new(DEF.name, &FIELDS, req);
    b.extend(records);
    b.finish()
}

/// Keeps the rows of a stored table that `req.sockets` selects.
fn restrict(req: &Request, table: &mut Table) {
    let sel = req.sockets;
    if sel.is_all() {
        return;
    }
    let (Some(pc), Some(fc), Some(sc)) = (
        table.column_index("proto"),
        table.column_index("family"),
        table.column_index("state"),
    ) else {
        return;
    };
    let proto_of = |v: &Value| match v.as_str()? {
        "tcp" => Some(Proto::Tcp),
        "udp" => Some(Proto::Udp),
        "udplite" => Some(Proto::UdpLite),
        "raw" => Some(Proto::Raw),
        "unix" => Some(Proto::Unix),
        _ => None,
    };
    let family_of = |v: &Value| match v.as_str()? {
        "inet" => Some(Family::Inet),
        "inet6" => Some(Family::Inet6),
        "unix" => Some(Family::Unix),
        _ => None,
    };
    table.retain(|row| {
        let (Some(p), Some(f)) = (proto_of(&row[pc]), family_of(&row[fc])) else {
            return false;
        };
        let state = row[sc]
            .as_str()
            .and_then(|s| state_number(s).or_else(|| s.parse().ok()));
        state.is_some_and(|s| sel.matches(p, f, s))
    });
}

#[cfg(test)]
mod tests {

    #[test]
    fn typed_pushes_store_what_the_fields_read() {
        use std::sync::Arc;

        use crate::door::source::records::TcpInfo;
        let odd: Arc<str> = Arc::from(crate::model::rawtext::encode(b"p\xffname").as_ref());
        let records = [
            SocketRecord {
                proto: Proto::Tcp,
                family: Family::Inet,
                state: 1,
                local_addr: Some("127.0.0.1".parse().unwrap()),
                remote_addr: Some("::1".parse().unwrap()),
                local_port: 80,
                uid: Some(0),
                user: Some(Arc::from("root")),
                inode: u64::MAX,
                cookie: 7,
                tcp: Some(TcpInfo {
                    rtt_us: 1500,
                    ssthresh: 0x7fff_ffff,
                    bytes_acked: u64::MAX,
                    congestion: Some(Arc::from("cubic")),
                    ..TcpInfo::default()
                }),
                sock_type: 1,
                ..SocketRecord::default()
            },
            SocketRecord {
                proto: Proto::Unix,
                family: Family::Unix,
                state: 10,
                path: Some(Arc::clone(&odd)),
                process: Some(odd),
                peer_inode: 9,
                refcnt: Some(2),
                sock_type: 5,
                ..SocketRecord::default()
            },
            SocketRecord {
                proto: Proto::Udp,
                family: Family::Link,
                state: 99,
                sock_type: 9,
                timer: 200,
                netns: Some(4026531840),
                ..SocketRecord::default()
            },
            SocketRecord {
                state: 0,
                sock_type: 0,
                ..SocketRecord::default()
            },
        ];
        // Every cell of `t` is what its field reads from its record.
        let holds = |t: &Table, records: &[SocketRecord]| {
            assert_eq!(t.len(), records.len());
            for (r, rec) in records.iter().enumerate() {
                for (c, f) in FIELDS.iter().enumerate() {
                    assert_eq!(
                        t.store(c).get(r),
                        f.value(rec),
                        "row {r} column {}",
                        f.column.name
                    );
                }
            }
        };
        let mut b = TableBuilder::new(DEF.name, &FIELDS, &Request::default());
        b.extend(records.iter());
        holds(&b.finish(), &records);
        // Taken records go in by batches, a column at a time: the same cells, with the odd
        // records coming after long runs of plain ones (a column changing its form, a
        // value outside the fixed ones, in the middle of a batch and across batches).
        let plain = |i: u64| SocketRecord {
            proto: Proto::Tcp,
            family: Family::Inet,
            state: 1,
            local_addr: Some("127.0.0.1".parse().unwrap()),
            remote_addr: Some("127.0.0.2".parse().unwrap()),
            local_port: (i % 50_000) as u16,
            inode: 1000 + i,
            cookie: i + 1,
            ..SocketRecord::default()
        };
        let many: Vec<SocketRecord> = (0..700u64)
            .map(|i| match i {
                100 | 300 | 301 | 650 => records[(i % 4) as usize].clone(),
                _ => plain(i),
            })
            .collect();
        for expect in [0, 2000] {
            let mut b = TableBuilder::new(DEF.name, &FIELDS, &Request::default());
            b.expect(expect);
            b.push_owned(many[0].clone());
            b.push(&many[1]);
            many[2..].iter().for_each(|r| b.push_owned(r.clone()));
            holds(&b.finish(), &many);
        }
    }
    use super::*;

    fn sample() -> Vec<SocketRecord> {
        vec![
            SocketRecord {
                proto: Proto::Tcp,
                state: 10,
                local_addr: Some("127.0.0.1".parse().unwrap()),
                remote_addr: Some("0.0.0.0".parse().unwrap()),
                local_port: 80,
                send_q: 128,
                uid: Some(0),
                inode: 5,
                tcp: Some(TcpInfo {
                    rtt_us: 1500,
                    ssthresh: 0x7fff_ffff,
                    cwnd: 10,
                    ..TcpInfo::default()
                }),
                sock_type: 1,
                ..SocketRecord::default()
            },
            SocketRecord {
                proto: Proto::Udp,
                family: Family::Inet6,
                state: 7,
                local_addr: Some("::1".parse().unwrap()),
                remote_addr: Some("::".parse().unwrap()),
                local_port: 53,
                sock_type: 2,
                ..SocketRecord::default()
            },
            SocketRecord {
                proto: Proto::Unix,
                family: Family::Unix,
                state: 10,
                path: Some("@abs".into()),
                sock_type: 5,
                ..SocketRecord::default()
            },
        ]
    }

    #[test]
    fn every_column_reads_its_record() {
        let t = build(&sample(), &Request::default());
        assert_eq!(t.width(), FIELDS.len());
        let col = |row: usize, name: &str| t.cell(row, t.column_index(name).unwrap()).clone();
        assert_eq!(col(0, "state"), Value::str("LISTEN"));
        assert_eq!(col(0, "rtt_ms"), Value::Float(1.5));
        assert_eq!(col(0, "ssthresh"), Value::Null);
        assert_eq!(col(0, "cwnd"), Value::Int(10));
        assert_eq!(col(0, "timer"), Value::str("off"));
        assert_eq!(col(0, "type"), Value::str("stream"));
        assert_eq!(col(0, "flags"), Value::Null);
        assert_eq!(col(1, "rtt_ms"), Value::Null);
        assert_eq!(col(1, "family"), Value::str("inet6"));
        assert_eq!(col(1, "state"), Value::str("CLOSE"));
        assert_eq!(col(2, "local_port"), Value::Null);
        assert_eq!(col(2, "local_addr"), Value::Null);
        assert_eq!(col(2, "flags"), Value::str("ACC"));
        assert_eq!(col(2, "type"), Value::str("seqpacket"));
        assert_eq!(col(2, "path"), Value::str("@abs"));
        assert_eq!(col(2, "timer"), Value::Null);
    }

    #[test]
    fn projection_decides_the_costly_extras() {
        let w = Want::for_request(&Request::columns(&["proto", "state"]));
        assert_eq!(w, Want::default());
        let w = Want::for_request(&Request::columns(&["pid", "cwnd"]));
        assert!(w.owners && w.tcp_info && !w.congestion && !w.user);
        assert_eq!(Want::for_request(&Request::default()), Want::ALL);
    }

    #[test]
    fn select_and_restrict_agree() {
        let sel = SocketSelect::only(&[Proto::Tcp, Proto::Unix])
            .with_states(&["listen"])
            .unwrap();
        assert!(sel.matches(Proto::Tcp, Family::Inet, 10));
        assert!(!sel.matches(Proto::Tcp, Family::Inet, 1));
        assert!(!sel.matches(Proto::Udp, Family::Inet6, 10));
        assert!(sel.matches(Proto::Unix, Family::Unix, 10));
        let req = Request {
            sockets: sel,
            ..Request::default()
        };
        let mut t = build(&sample(), &Request::default());
        restrict(&req, &mut t);
        assert_eq!(t.len(), 2);
        let v4 = SocketSelect {
            inet6: false,
            unix: false,
            ..SocketSelect::default()
        };
        let mut t = build(&sample(), &Request::default());
        restrict(
            &Request {
                sockets: v4,
                ..Request::default()
            },
            &mut t,
        );
        assert_eq!(t.len(), 1);
        let e = SocketSelect::default()
            .with_states(&["LISTENING"])
            .unwrap_err();
        assert!(e.contains("unknown socket state 'LISTENING'"), "{e}");
    }

    #[test]
    fn state_names_round_trip() {
        for s in 1..=12u8 {
            assert_eq!(state_number(&state_name(s)), Some(s));
        }
        assert_eq!(state_name(42), "42");
        assert_eq!(state_name(12), "NEW_SYN_RECV");
    }
}
