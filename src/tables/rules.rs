//! `rules`: IPv4 and IPv6 policy routing rules (rtnetlink RTM_GETRULE), like `ip rule show`
//! plus `ip -6 rule show`: which table the kernel consults for which traffic, in priority
//! order. `route_get` walks these rules when it answers from a snapshot.

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::rtnames::table_name;
use crate::door::source::records::RuleRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "rules",
    doc: "IPv4 and IPv6 policy routing rules, in priority order",
    source: "rtnetlink RTM_GETRULE dumps (like `ip rule show` and `ip -6 rule show`)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<RuleRecord>; 36] = [
    Field::new(
        Column::new("family", Type::Str, "Address family: inet or inet6"),
        |r| r.family.map_or(Value::Null, |f| Value::str(f.name())),
    ),
    Field::new(
        Column::new(
            "priority",
            Type::Int,
            "Priority: rules are tried from the lowest number up",
        ),
        |r| r.priority.into(),
    ),
    Field::new(
        Column::new(
            "invert",
            Type::Bool,
            "The selector is negated (`not`): the rule applies to traffic it does not match",
        ),
        |r| r.invert.into(),
    ),
    Field::new(
        Column::new(
            "src",
            Type::Ip,
            "Source prefix selector (`from`); null for all",
        ),
        |r| Value::opt_ip(r.src),
    ),
    Field::new(
        Column::new("src_len", Type::Int, "Source prefix length (0 for all)"),
        |r| r.src_len.into(),
    ),
    Field::new(
        Column::new(
            "dst",
            Type::Ip,
            "Destination prefix selector (`to`); null for all",
        ),
        |r| Value::opt_ip(r.dst),
    ),
    Field::new(
        Column::new(
            "dst_len",
            Type::Int,
            "Destination prefix length (0 for all)",
        ),
        |r| r.dst_len.into(),
    ),
    Field::new(
        Column::new("tos", Type::Int, "TOS / DSCP selector (0 for any)"),
        |r| r.tos.into(),
    ),
    Field::new(
        Column::new(
            "dscp",
            Type::Int,
            "DSCP selector (`dscp`, Linux 6.13+); null for any",
        ),
        |r| Value::opt_int(r.dscp),
    ),
    Field::new(
        Column::new(
            "dscp_mask",
            Type::Int,
            "DSCP bits compared; null when not given (all six bits)",
        ),
        |r| Value::opt_int(r.dscp_mask),
    ),
    Field::new(
        Column::new(
            "flowlabel",
            Type::Int,
            "IPv6 flow label selector (`flowlabel`, Linux 6.15+); null for any",
        ),
        |r| Value::opt_int(r.flowlabel),
    ),
    Field::new(
        Column::new(
            "flowlabel_mask",
            Type::Int,
            "Flow label bits compared; null when not given (all 20 bits)",
        ),
        |r| Value::opt_int(r.flowlabel_mask),
    ),
    Field::new(
        Column::new(
            "iif",
            Type::Str,
            "Input interface selector (`lo` matches locally generated traffic); null for any",
        ),
        |r| Value::opt_raw(r.iif.as_deref()),
    ),
    Field::new(
        Column::new(
            "iif_detached",
            Type::Bool,
            "The input interface does not exist, so the rule matches nothing (`[detached]`)",
        ),
        |r| r.iif_detached.into(),
    ),
    Field::new(
        Column::new(
            "oif",
            Type::Str,
            "Output interface selector (sockets bound to a device); null for any",
        ),
        |r| Value::opt_raw(r.oif.as_deref()),
    ),
    Field::new(
        Column::new(
            "oif_detached",
            Type::Bool,
            "The output interface does not exist, so the rule matches nothing",
        ),
        |r| r.oif_detached.into(),
    ),
    Field::new(
        Column::new("fwmark", Type::Int, "Firewall mark selector; null for any"),
        |r| Value::opt_int(r.fwmark),
    ),
    Field::new(
        Column::new(
            "fwmask",
            Type::Int,
            "Bits of the mark compared (0xffffffff when a mark is given without a mask); null for any",
        ),
        |r| Value::opt_int(r.fwmask),
    ),
    Field::new(
        Column::new(
            "uid_start",
            Type::Int,
            "First user id of the `uidrange` selector; null for any",
        ),
        |r| Value::opt_int(r.uid_range.map(|u| u.0)),
    ),
    Field::new(
        Column::new(
            "uid_end",
            Type::Int,
            "Last user id of the `uidrange` selector; null for any",
        ),
        |r| Value::opt_int(r.uid_range.map(|u| u.1)),
    ),
    Field::new(
        Column::new(
            "ipproto",
            Type::Int,
            "IP protocol number selector (6 tcp, 17 udp, ...); null for any",
        ),
        |r| Value::opt_int(r.ipproto),
    ),
    Field::new(
        Column::new(
            "sport_start",
            Type::Int,
            "First source port of the `sport` selector; null for any",
        ),
        |r| Value::opt_int(r.sport.map(|p| p.0)),
    ),
    Field::new(
        Column::new(
            "sport_end",
            Type::Int,
            "Last source port of the `sport` selector; null for any",
        ),
        |r| Value::opt_int(r.sport.map(|p| p.1)),
    ),
    Field::new(
        Column::new(
            "dport_start",
            Type::Int,
            "First destination port of the `dport` selector; null for any",
        ),
        |r| Value::opt_int(r.dport.map(|p| p.0)),
    ),
    Field::new(
        Column::new(
            "dport_end",
            Type::Int,
            "Last destination port of the `dport` selector; null for any",
        ),
        |r| Value::opt_int(r.dport.map(|p| p.1)),
    ),
    Field::new(
        Column::new(
            "tun_id",
            Type::Int,
            "Tunnel id selector (`tun_id`); null for any",
        ),
        |r| {
            r.tun_id
                .and_then(|t| i64::try_from(t).ok())
                .map_or(Value::Null, Value::from)
        },
    ),
    Field::new(
        Column::new(
            "l3mdev",
            Type::Bool,
            "The table is the VRF's of the flow's device (`lookup [l3mdev-table]`)",
        ),
        |r| r.l3mdev.into(),
    ),
    Field::new(
        Column::new(
            "action",
            Type::Str,
            "What a match does: lookup, goto, nop, blackhole, unreachable, prohibit",
        ),
        |r| Value::str(&r.action),
    ),
    Field::new(
        Column::new(
            "table",
            Type::Int,
            "Routing table a `lookup` rule consults (254 main, 255 local); null for other actions",
        ),
        |r| Value::opt_int(r.table),
    ),
    Field::new(
        Column::new(
            "table_name",
            Type::Str,
            "That table's name: main, local, default, a name from rt_tables, or the id",
        ),
        |r| r.table.map_or(Value::Null, |t| Value::str(table_name(t))),
    ),
    Field::new(
        Column::new(
            "goto_priority",
            Type::Int,
            "Priority a `goto` rule jumps to; null for other actions",
        ),
        |r| Value::opt_int(r.goto),
    ),
    Field::new(
        Column::new(
            "unresolved",
            Type::Bool,
            "A `goto` whose target priority has no rule, so it is skipped (`[unresolved]`)",
        ),
        |r| r.unresolved.into(),
    ),
    Field::new(
        Column::new(
            "suppress_prefixlen",
            Type::Int,
            "A route found with a prefix this long or shorter is ignored (`suppress_prefixlength`); null if unset",
        ),
        |r| Value::opt_int(r.suppress_prefixlen),
    ),
    Field::new(
        Column::new(
            "suppress_ifgroup",
            Type::Int,
            "A route found through a device of this group is ignored; null if unset",
        ),
        |r| Value::opt_int(r.suppress_ifgroup),
    ),
    Field::new(
        Column::new(
            "realms",
            Type::Str,
            "Routing realms as `ip` prints them (`TO` or `FROM/TO`); null if none",
        ),
        |r| Value::opt_str(r.realms.as_deref()),
    ),
    Field::new(
        Column::new(
            "protocol",
            Type::Str,
            "Who installed the rule: kernel, boot, static, ... (unspec when not said)",
        ),
        |r| Value::str(&r.protocol),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&crate::door::source::linux::rules()?, req))
}

/// Builds the table from rule records.
pub fn build(recs: &[RuleRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, recs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::door::source::records::Family;

    #[test]
    fn selectors_left_open_are_null() {
        let rec = RuleRecord {
            family: Some(Family::Inet),
            priority: 32766,
            action: "lookup".into(),
            table: Some(254),
            protocol: "kernel".into(),
            ..RuleRecord::default()
        };
        let t = build(
            &[rec],
            &Request::columns(&[
                "priority",
                "src",
                "fwmark",
                "uid_start",
                "table_name",
                "goto_priority",
            ]),
        );
        assert_eq!(
            t.row(0),
            &[
                Value::Int(32766),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::str("main"),
                Value::Null
            ]
        );
    }

    #[test]
    fn ranges_split_into_typed_ends() {
        let rec = RuleRecord {
            uid_range: Some((100, 200)),
            sport: Some((1000, 1000)),
            dport: Some((80, 90)),
            ipproto: Some(6),
            action: "prohibit".into(),
            ..RuleRecord::default()
        };
        let t = build(
            &[rec],
            &Request::columns(&[
                "uid_start",
                "uid_end",
                "sport_start",
                "sport_end",
                "dport_start",
                "dport_end",
                "ipproto",
                "table",
            ]),
        );
        let ints: Vec<Value> = [100, 200, 1000, 1000, 80, 90, 6]
            .into_iter()
            .map(Value::Int)
            .chain([Value::Null])
            .collect();
        assert_eq!(t.row(0), ints.as_slice());
    }
}
