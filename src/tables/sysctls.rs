//! `sysctls`: every readable `net.*` sysctl with its value, named, ordered and filtered exactly
//! like `sysctl -a` (an interface `vx.1` appears as `net.ipv4.conf.vx/1.forwarding`).

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::records::SysctlRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "sysctls",
    doc: "Network sysctls (net.*) with their current values, as `sysctl -a` shows them",
    source: "/proc/sys/net (read directly, named by the sysctl.d(5) rule)",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: [Field<SysctlRecord>; 2] = [
    Field::new(
        Column::new(
            "name",
            Type::Str,
            "Dotted name as sysctl(8) prints it; a dot inside a component shows as `/` (vx/1)",
        ),
        |r| Value::raw(&r.name),
    ),
    Field::new(
        Column::new(
            "value",
            Type::Str,
            "Value as the kernel prints it, final newline removed (several numbers are tab separated)",
        ),
        |r| Value::raw(&r.value),
    ),
];

columns_fn!(FIELDS);

fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let (records, denied) = crate::door::source::linux::sysctl::net_sysctls_and_denied()?;
    if let Some(note) = denied_note(&denied) {
        notes.add(note);
    }
    Ok(build(&records, req))
}

/// The note for sysctls left out because only root may read them (as `sysctl -a` leaves them
/// out with a warning each), naming the first few.
fn denied_note(denied: &[String]) -> Option<String> {
    let first = denied.first()?;
    let mut names = denied
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if denied.len() > 3 {
        names.push_str(", ...");
    }
    let n = denied.len();
    Some(if n == 1 {
        format!("sysctls: {first} is readable only by root and is left out; run as root to see it")
    } else {
        format!(
            "sysctls: {n} keys are readable only by root and are left out ({names}); run as root to see them"
        )
    })
}

/// The `name` column's spelling of a sysctl name given in either form: dotted, or with `/`
/// standing for a dot inside a component (`net/ipv4/conf/vx.1/forwarding` becomes
/// `net.ipv4.conf.vx/1.forwarding`).
pub fn dotted(name: &str) -> String {
    match crate::door::source::linux::sysctl::sysctl_path(name) {
        Some(path) => path
            .iter()
            .map(|c| c.to_string_lossy().replace('.', "/"))
            .collect::<Vec<_>>()
            .join("."),
        None => name.to_string(),
    }
}

/// Builds the table from sysctl records, keeping their order.
pub fn build(records: &[SysctlRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_only_keys_are_counted_in_a_note() {
        assert_eq!(denied_note(&[]), None);
        let one = denied_note(&["net.core.bpf_jit_harden".into()]).unwrap();
        assert!(
            one.contains("net.core.bpf_jit_harden is readable only by root"),
            "{one}"
        );
        let names: Vec<String> = (0..5).map(|i| format!("net.k{i}")).collect();
        let many = denied_note(&names).unwrap();
        assert!(
            many.starts_with("sysctls: 5 keys are readable only by root"),
            "{many}"
        );
        assert!(many.contains("net.k0, net.k1, net.k2, ..."), "{many}");
    }

    #[test]
    fn rows_are_name_and_value() {
        let recs = [SysctlRecord {
            name: "net.ipv4.conf.vx/1.forwarding".into(),
            value: "1".into(),
        }];
        let t = build(&recs, &Request::default());
        assert_eq!(
            t.row(0),
            &[Value::str("net.ipv4.conf.vx/1.forwarding"), Value::str("1")]
        );
        assert_eq!(
            build(&recs, &Request::columns(&["value"])).row(0),
            &[Value::str("1")]
        );
    }
}
