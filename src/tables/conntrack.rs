//! `conntrack`: the kernel's connection tracking entries (ctnetlink, what `conntrack -L`
//! lists): both directions' tuples, TCP state, NAT, status flags, timeout, mark, zone and, when
//! accounting and timestamps are on, counters and start time. Without CAP_NET_ADMIN the table is
//! empty with a note.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::{ConntrackRecord, CtCounters, CtTuple};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "conntrack",
    doc: "Connection tracking entries: original and reply tuples, TCP state, NAT, timeout, counters",
    source: "ctnetlink dump (NETLINK_NETFILTER IPCTNL_MSG_CT_GET, like `conntrack -L`); needs CAP_NET_ADMIN",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

/// `IPS_*` status bits and the words `conntrack -L` and netpry use for them.
pub const STATUS_BITS: [(u32, &str); 16] = [
    (0, "EXPECTED"),
    (1, "SEEN_REPLY"),
    (2, "ASSURED"),
    (3, "CONFIRMED"),
    (4, "SRC_NAT"),
    (5, "DST_NAT"),
    (6, "SEQ_ADJUST"),
    (7, "SRC_NAT_DONE"),
    (8, "DST_NAT_DONE"),
    (9, "DYING"),
    (10, "FIXED_TIMEOUT"),
    (11, "TEMPLATE"),
    (12, "UNTRACKED"),
    (13, "HELPER"),
    (14, "OFFLOAD"),
    (15, "HW_OFFLOAD"),
];

/// TCP conntrack state names (`TCP_CONNTRACK_*`), as `conntrack -L` prints them.
pub const TCP_STATES: [&str; 10] = [
    "NONE",
    "SYN_SENT",
    "SYN_RECV",
    "ESTABLISHED",
    "FIN_WAIT",
    "CLOSE_WAIT",
    "LAST_ACK",
    "TIME_WAIT",
    "CLOSE",
    "SYN_SENT2",
];

/// The name of IP protocol `n` as conntrack prints it (`unknown` for others).
pub fn proto_name(n: u8) -> &'static str {
    match n {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        33 => "dccp",
        47 => "gre",
        58 => "icmpv6",
        132 => "sctp",
        136 => "udplite",
        _ => "unknown",
    }
}

/// `|`-joined names of the status bits set in `status`.
pub fn status_text(status: u32) -> String {
    STATUS_BITS
        .iter()
        .filter(|(bit, _)| status & (1 << bit) != 0)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join("|")
}

fn bit(r: &ConntrackRecord, n: u32) -> Value {
    Value::Bool(r.status & (1 << n) != 0)
}

fn counter(c: Option<CtCounters>, f: fn(CtCounters) -> u64) -> Value {
    c.map_or(Value::Null, |c| Value::int(f(c)))
}

fn port(t: &CtTuple, f: fn(&CtTuple) -> Option<u16>) -> Value {
    Value::opt_int(f(t))
}

type F = Field<ConntrackRecord>;
use Type::{Bool, Int, Ip, Str};

const fn f(
    name: &'static str,
    ty: Type,
    doc: &'static str,
    get: fn(&ConntrackRecord) -> Value,
) -> F {
    Field::new(Column::new(name, ty, doc), get)
}

static FIELDS: [F; 31] = [
    f("family", Str, "inet or inet6", |r| {
        r.family.map_or(Value::Null, |f| Value::str(f.name()))
    }),
    f(
        "protocol",
        Str,
        "Layer-4 protocol name (tcp, udp, icmp, icmpv6, sctp, ...; unknown for others)",
        |r| Value::str(proto_name(r.proto)),
    ),
    f("proto_num", Int, "Layer-4 protocol number", |r| {
        r.proto.into()
    }),
    f(
        "state",
        Str,
        "TCP conntrack state (ESTABLISHED, TIME_WAIT, SYN_SENT, ...); null for other protocols",
        |r| {
            r.tcp_state.map_or(Value::Null, |s| {
                Value::str(TCP_STATES.get(usize::from(s)).copied().unwrap_or("UNKNOWN"))
            })
        },
    ),
    f("timeout", Int, "Seconds until the entry expires", |r| {
        Value::opt_int(r.timeout)
    }),
    f(
        "src",
        Ip,
        "Original direction: source address (the connection's initiator)",
        |r| Value::opt_ip(r.orig.src),
    ),
    f("dst", Ip, "Original direction: destination address", |r| {
        Value::opt_ip(r.orig.dst)
    }),
    f(
        "sport",
        Int,
        "Original direction: source port; null for protocols without ports",
        |r| port(&r.orig, |t| t.sport),
    ),
    f("dport", Int, "Original direction: destination port", |r| {
        port(&r.orig, |t| t.dport)
    }),
    f(
        "reply_src",
        Ip,
        "Reply direction: source address (differs from dst under DNAT)",
        |r| Value::opt_ip(r.reply.src),
    ),
    f(
        "reply_dst",
        Ip,
        "Reply direction: destination address (differs from src under SNAT)",
        |r| Value::opt_ip(r.reply.dst),
    ),
    f("reply_sport", Int, "Reply direction: source port", |r| {
        port(&r.reply, |t| t.sport)
    }),
    f(
        "reply_dport",
        Int,
        "Reply direction: destination port",
        |r| port(&r.reply, |t| t.dport),
    ),
    f(
        "icmp_type",
        Int,
        "ICMP/ICMPv6 type (original direction); null for other protocols",
        |r| Value::opt_int(r.orig.icmp_type),
    ),
    f("icmp_code", Int, "ICMP/ICMPv6 code", |r| {
        Value::opt_int(r.orig.icmp_code)
    }),
    f("icmp_id", Int, "ICMP/ICMPv6 identifier", |r| {
        Value::opt_int(r.orig.icmp_id)
    }),
    f("snat", Bool, "Source NAT applies (IPS_SRC_NAT)", |r| {
        bit(r, 4)
    }),
    f("dnat", Bool, "Destination NAT applies (IPS_DST_NAT)", |r| {
        bit(r, 5)
    }),
    f(
        "assured",
        Bool,
        "Assured: traffic seen both ways, not dropped early when the table is full",
        |r| bit(r, 2),
    ),
    f(
        "seen_reply",
        Bool,
        "A reply has been seen (false: conntrack's [UNREPLIED])",
        |r| bit(r, 1),
    ),
    f(
        "status",
        Str,
        "Every status bit set, |-joined (SEEN_REPLY|ASSURED|CONFIRMED|SRC_NAT|DYING|...)",
        |r| Value::str(status_text(r.status)),
    ),
    f("mark", Int, "Connection mark", |r| Value::opt_int(r.mark)),
    f(
        "zone",
        Int,
        "Conntrack zone; null for the default zone",
        |r| Value::opt_int(r.zone),
    ),
    f(
        "use_count",
        Int,
        "Reference count (conntrack -L: use=)",
        |r| Value::opt_int(r.use_count),
    ),
    f(
        "id",
        Int,
        "The kernel's id of the entry (conntrack -o id)",
        |r| Value::opt_int(r.id),
    ),
    f(
        "orig_packets",
        Int,
        "Packets in the original direction; null when accounting is off (nf_conntrack_acct)",
        |r| counter(r.orig_counters, |c| c.packets),
    ),
    f(
        "orig_bytes",
        Int,
        "Bytes in the original direction; null when accounting is off",
        |r| counter(r.orig_counters, |c| c.bytes),
    ),
    f(
        "reply_packets",
        Int,
        "Packets in the reply direction; null when accounting is off",
        |r| counter(r.reply_counters, |c| c.packets),
    ),
    f(
        "reply_bytes",
        Int,
        "Bytes in the reply direction; null when accounting is off",
        |r| counter(r.reply_counters, |c| c.bytes),
    ),
    f(
        "started",
        Int,
        "Start time, seconds since the epoch; null unless nf_conntrack_timestamp is on",
        |r| Value::opt_int(r.start_ns.map(|ns| ns / 1_000_000_000)),
    ),
    f(
        "helper",
        Str,
        "Connection tracking helper (ftp, sip, ...); null for none",
        |r| Value::opt_raw(r.helper.as_deref()),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let recs = match crate::door::source::linux::conntrack() {
        Ok(r) => r,
        Err(e) => {
            notes.add(unavailable_note(&e));
            Vec::new()
        }
    };
    let counted = ["orig_packets", "orig_bytes", "reply_packets", "reply_bytes"];
    if !recs.is_empty()
        && counted.iter().any(|c| req.wants(c))
        && recs.iter().all(|r| r.orig_counters.is_none())
    {
        notes.add(
            "conntrack: packet and byte counters are off (sysctl net.netfilter.nf_conntrack_acct=0; \
             set it to 1 to count new connections); their columns are null",
        );
    }
    Ok(build(&recs, req))
}

/// The note for a conntrack dump that failed: no privilege, or no conntrack in the kernel.
pub fn unavailable_note(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::EPERM | libc::EACCES) => {
            "conntrack: reading connection tracking needs CAP_NET_ADMIN (run as root); the table is empty"
                .to_string()
        }
        Some(libc::EPROTONOSUPPORT | libc::ENOENT | libc::EOPNOTSUPP) => {
            "conntrack: this kernel has no connection tracking (nf_conntrack / nf_conntrack_netlink \
             not loaded); the table is empty"
                .to_string()
        }
        _ => format!("conntrack: the ctnetlink dump failed ({e}); the table is empty"),
    }
}

/// Builds the table from conntrack records.
pub fn build(recs: &[ConntrackRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, recs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::source::records::Family;

    #[test]
    fn nat_flags_states_and_counters() {
        let rec = ConntrackRecord {
            family: Some(Family::Inet),
            proto: 6,
            tcp_state: Some(7),
            status: (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5),
            orig_counters: Some(CtCounters {
                packets: 3,
                bytes: 180,
            }),
            ..ConntrackRecord::default()
        };
        let t = build(std::slice::from_ref(&rec), &Request::default());
        let col = |n: &str| t.cell(0, t.column_index(n).unwrap()).clone();
        assert_eq!(col("protocol"), Value::str("tcp"));
        assert_eq!(col("state"), Value::str("TIME_WAIT"));
        assert_eq!(col("dnat"), Value::Bool(true));
        assert_eq!(col("snat"), Value::Bool(false));
        assert_eq!(
            col("status"),
            Value::str("SEEN_REPLY|ASSURED|CONFIRMED|DST_NAT")
        );
        assert_eq!(col("orig_bytes"), Value::Int(180));
        assert_eq!(col("reply_bytes"), Value::Null);
        assert_eq!(col("sport"), Value::Null);
    }
}
