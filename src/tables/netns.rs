//! `netns`: every network namespace on the host (found like `lsns`: process and thread links
//! plus nsfs bind mounts), with its names, the kernel's id for it, its members, and the
//! container it belongs to where a member's cgroup names one.

use std::sync::LazyLock;

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::netns as src;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "netns",
    doc: "Network namespaces: inode, names, kernel id, members, container identity",
    source: "/proc/*/ns/net, /proc/*/task/*/ns/net, nsfs mounts in /proc/self/mountinfo, \
             RTM_GETNSID, /proc/PID/cgroup, /var/lib/docker/containers/ID/config.v2.json",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

/// One namespace with what the table shows about it.
#[derive(Debug, Clone, Default)]
pub struct NetnsRow {
    /// The namespace as enumerated.
    pub ns: src::NetnsRecord,
    /// The kernel's id for it, seen from the reading namespace.
    pub nsid: Option<i64>,
    /// Container identity from a member's cgroup.
    pub container: src::Container,
    /// The container's name, where the runtime's files are readable.
    pub container_name: Option<String>,
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, Value::str)
}

static FIELDS: LazyLock<Vec<Field<NetnsRow>>> = LazyLock::new(|| {
    use Type::*;
    let f =
        |name, ty, doc, get: fn(&NetnsRow) -> Value| Field::new(Column::new(name, ty, doc), get);
    vec![
        f(
            "inode",
            Int,
            "Namespace inode: the `netns` column of sockets, processes and (with --all-netns) every table",
            |r: &NetnsRow| Value::int(r.ns.inode),
        ),
        f(
            "name",
            Str,
            "Its `ip netns` name (a mount under /run/netns), else its first nsfs mount path; null when unnamed",
            |r| opt_str(&r.ns.name()),
        ),
        f(
            "paths",
            Str,
            "Every nsfs bind mount of it in /proc/self/mountinfo, space separated (Docker: /run/docker/netns/ID)",
            |r| Value::str(r.ns.mounts.join(" ")),
        ),
        f(
            "nsid",
            Int,
            "The id the host's namespace gives it (RTM_GETNSID; what `ip link` shows as link-netnsid); null when none is assigned",
            |r| r.nsid.map_or(Value::Null, Value::int),
        ),
        f(
            "pids",
            Int,
            "Number of processes in it (0: held only by a mount or by one thread)",
            |r| Value::int(r.ns.pids.len()),
        ),
        f(
            "pid",
            Int,
            "One member process (the lowest pid); null when none",
            |r| {
                r.ns.pids
                    .first()
                    .copied()
                    .or(r.ns.tid.map(|(p, _)| p))
                    .map_or(Value::Null, Value::int)
            },
        ),
        f(
            "is_host",
            Bool,
            "Whether it is pid 1's (the host's) namespace",
            |r| Value::Bool(r.ns.is_host),
        ),
        f(
            "runtime",
            Str,
            "Container runtime named by a member's cgroup: docker, containerd, cri-o, podman or kubepods",
            |r| opt_str(&r.container.runtime),
        ),
        f(
            "container_id",
            Str,
            "Container id (64 hex digits) from a member's cgroup",
            |r| opt_str(&r.container.id),
        ),
        f(
            "pod_uid",
            Str,
            "Kubernetes pod uid from a member's cgroup",
            |r| opt_str(&r.container.pod_uid),
        ),
        f(
            "container_name",
            Str,
            "Container name from the runtime's files (Docker's config.v2.json), where readable",
            |r| opt_str(&r.container_name),
        ),
    ]
});

columns_fn!(FIELDS);

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    let mut nl = if req.wants("nsid") {
        crate::door::source::linux::netlink::Netlink::open(netlink_sys::protocols::NETLINK_ROUTE)
            .ok()
    } else {
        None
    };
    let rows: Vec<NetnsRow> = src::enumerate()
        .into_iter()
        .map(|ns| {
            let nsid = match (&mut nl, ns.path()) {
                (Some(nl), Some(p)) => std::fs::File::open(p).ok().and_then(|f| src::nsid(nl, &f)),
                _ => None,
            };
            let member = ns.pids.first().copied().or(ns.tid.map(|(p, _)| p));
            let container = member
                .and_then(|p| std::fs::read_to_string(format!("/proc/{p}/cgroup")).ok())
                .map(|c| src::container(&c))
                .unwrap_or_default();
            let container_name = match (&container.runtime, &container.id) {
                (Some(r), Some(id)) if r == "docker" && req.wants("container_name") => {
                    src::docker_name(id)
                }
                _ => None,
            };
            NetnsRow {
                ns,
                nsid,
                container,
                container_name,
            }
        })
        .collect();
    Ok(field::build(DEF.name, &FIELDS, req, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_table_has_this_namespace() {
        let t = collect(&Request::default(), &Notes::default()).unwrap();
        let me = crate::door::source::linux::processes::current_netns().unwrap();
        let i = t.column_index("inode").unwrap();
        assert!(t.rows().any(|r| r[i] == Value::int(me)));
    }
}
