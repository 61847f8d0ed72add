//! Sockets next to their connection tracking entries: each socket's 4-tuple (protocol, local
//! and remote address and port) is looked up in both directions of every conntrack entry, so
//! the server behind a DNAT rule and the client behind a masquerade both find their entry and
//! see how their connection is translated.

use std::collections::HashMap;
use std::net::IpAddr;

use super::column_index;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// The conntrack columns added to each socket row, in order.
const ADDED: [(&str, Type); 15] = [
    ("ct_side", Type::Str),
    ("ct_state", Type::Str),
    ("ct_src", Type::Ip),
    ("ct_sport", Type::Int),
    ("ct_dst", Type::Ip),
    ("ct_dport", Type::Int),
    ("ct_reply_src", Type::Ip),
    ("ct_reply_sport", Type::Int),
    ("ct_reply_dst", Type::Ip),
    ("ct_reply_dport", Type::Int),
    ("ct_snat", Type::Bool),
    ("ct_dnat", Type::Bool),
    ("ct_mark", Type::Int),
    ("ct_id", Type::Int),
    ("nat", Type::Str),
];

/// The conntrack columns read, in the order of [`ADDED`] after `ct_side` (then `nat` is
/// computed).
const CT_COLS: [&str; 13] = [
    "state",
    "src",
    "sport",
    "dst",
    "dport",
    "reply_src",
    "reply_sport",
    "reply_dst",
    "reply_dport",
    "snat",
    "dnat",
    "mark",
    "id",
];

type Key = (Value, IpAddr, i64, IpAddr, i64);

/// Every row of `sockets` with the conntrack entry its 4-tuple matches (`ct_side` says in
/// which direction: `original` when the socket's local end is the entry's original source or
/// destination, `reply` when it is a reply end, as a server behind DNAT is), and a `nat` text
/// such as `DNAT 10.0.0.1:80 -> 10.1.0.9:8080`. Sockets with no entry keep null conntrack
/// columns (a left join); IPv4-mapped IPv6 socket addresses match IPv4 entries.
pub fn join_conntrack(sockets: &Table, conntrack: &Table) -> Result<Table> {
    let [sp, sla, slp, sra, srp] = [
        "proto",
        "local_addr",
        "local_port",
        "remote_addr",
        "remote_port",
    ]
    .map(|c| column_index(sockets, c));
    let (sp, sla, slp, sra, srp) = (sp?, sla?, slp?, sra?, srp?);
    let ci = |c: &str| column_index(conntrack, c);
    let cp = ci("protocol")?;
    let cols: Vec<usize> = CT_COLS.iter().map(|c| ci(c)).collect::<Result<_>>()?;
    let (src, sport, dst, dport) = (cols[1], cols[2], cols[3], cols[4]);
    let (rsrc, rsport, rdst, rdport) = (cols[5], cols[6], cols[7], cols[8]);

    let mut index: HashMap<Key, (usize, &'static str)> = HashMap::new();
    for (i, row) in conntrack.rows().enumerate() {
        let ends =
            |a: usize, ap: usize, b: usize, bp: usize| -> Option<(IpAddr, i64, IpAddr, i64)> {
                Some((
                    row[a].as_ip()?.to_canonical(),
                    row[ap].as_int()?,
                    row[b].as_ip()?.to_canonical(),
                    row[bp].as_int()?,
                ))
            };
        let proto = row[cp].clone();
        for (side, a, ap, b, bp) in [
            ("original", src, sport, dst, dport),
            ("original", dst, dport, src, sport),
            ("reply", rsrc, rsport, rdst, rdport),
            ("reply", rdst, rdport, rsrc, rsport),
        ] {
            if let Some((l, lp, r, rp)) = ends(a, ap, b, bp) {
                index
                    .entry((proto.clone(), l, lp, r, rp))
                    .or_insert((i, side));
            }
        }
    }

    let mut schema: Vec<Column> = sockets.columns().to_vec();
    schema.extend(ADDED.iter().map(|(n, t)| Column::computed(*n, *t)));
    let mut out = Table::new("sockets", schema);
    for row in sockets.rows() {
        let key = (|| -> Option<Key> {
            Some((
                row[sp].clone(),
                row[sla].as_ip()?.to_canonical(),
                row[slp].as_int()?,
                row[sra].as_ip()?.to_canonical(),
                row[srp].as_int()?,
            ))
        })();
        let hit = key.and_then(|k| index.get(&k).copied());
        let mut cells: Vec<Value> = row.to_vec();
        match hit {
            Some((i, side)) => {
                let ct = conntrack.row(i);
                cells.push(Value::str(side));
                cells.extend(cols.iter().map(|&c| ct[c].clone()));
                cells.push(nat_text(&ct, &cols));
            }
            None => cells.extend(std::iter::repeat_n(Value::Null, ADDED.len())),
        }
        out.push(cells);
    }
    Ok(out)
}

/// `SNAT a:p -> b:q` and/or `DNAT a:p -> b:q` for an entry with NAT; null without.
fn nat_text(ct: &[Value], cols: &[usize]) -> Value {
    let end = |a: usize, p: usize| match (&ct[cols[a]], &ct[cols[p]]) {
        (Value::Ip(IpAddr::V6(ip)), Value::Int(port)) => format!("[{ip}]:{port}"),
        (a, Value::Int(port)) => format!("{a}:{port}"),
        (a, _) => a.to_string(),
    };
    let mut parts = Vec::new();
    if ct[cols[9]].as_bool() == Some(true) {
        // The original source is rewritten; the reply comes back to the rewritten address.
        parts.push(format!("SNAT {} -> {}", end(1, 2), end(7, 8)));
    }
    if ct[cols[10]].as_bool() == Some(true) {
        // The original destination is rewritten to where replies come from.
        parts.push(format!("DNAT {} -> {}", end(3, 4), end(5, 6)));
    }
    if parts.is_empty() {
        Value::Null
    } else {
        Value::str(parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Request;
    use crate::tables::records::{ConntrackRecord, CtTuple, Family};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn socks(rows: &[(&str, &str, i64, &str, i64)]) -> Table {
        let mut t = Table::new(
            "sockets",
            vec![
                Column::new("proto", Type::Str, ""),
                Column::new("local_addr", Type::Ip, ""),
                Column::new("local_port", Type::Int, ""),
                Column::new("remote_addr", Type::Ip, ""),
                Column::new("remote_port", Type::Int, ""),
            ],
        );
        for (p, la, lp, ra, rp) in rows {
            t.push([
                Value::str(*p),
                Value::Ip(ip(la)),
                Value::Int(*lp),
                Value::Ip(ip(ra)),
                Value::Int(*rp),
            ]);
        }
        t
    }

    #[test]
    fn client_and_server_of_a_dnat_connection_both_find_the_entry() {
        let tuple = |s: &str, sp, d: &str, dp| CtTuple {
            src: Some(ip(s)),
            dst: Some(ip(d)),
            sport: Some(sp),
            dport: Some(dp),
            ..CtTuple::default()
        };
        let rec = ConntrackRecord {
            family: Some(Family::Inet),
            proto: 6,
            tcp_state: Some(3),
            orig: tuple("10.0.0.1", 40000, "10.0.0.2", 80),
            reply: tuple("10.1.0.9", 8080, "10.0.0.1", 40000),
            status: (1 << 5) | (1 << 3),
            ..ConntrackRecord::default()
        };
        let ct = crate::tables::conntrack::build(&[rec], &Request::default());
        let s = socks(&[
            ("tcp", "::ffff:10.0.0.1", 40000, "::ffff:10.0.0.2", 80),
            ("tcp", "10.1.0.9", 8080, "10.0.0.1", 40000),
            ("udp", "10.0.0.1", 40000, "10.0.0.2", 80),
        ]);
        let t = join_conntrack(&s, &ct).unwrap();
        let col = |r: usize, n: &str| t.cell(r, t.column_index(n).unwrap()).clone();
        assert_eq!(col(0, "ct_side"), Value::str("original"));
        assert_eq!(col(1, "ct_side"), Value::str("reply"));
        assert_eq!(
            col(0, "nat"),
            Value::str("DNAT 10.0.0.2:80 -> 10.1.0.9:8080")
        );
        assert_eq!(col(1, "ct_state"), Value::str("ESTABLISHED"));
        assert_eq!(col(2, "ct_side"), Value::Null);
        assert_eq!(t.len(), 3);
    }
}
