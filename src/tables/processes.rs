//! `processes`: every process in /proc (pid, parent, name, command line, owner, state,
//! threads, network namespace), reading only the /proc files the requested columns need.

use std::sync::LazyLock;

use super::field::{self, Field, columns_fn};
use super::{Notes, Request, TableDef};
use crate::door::source::linux::ProcWant;
use crate::door::source::records::ProcessRecord;
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "processes",
    doc: "Processes: pid, parent, name, command line, user, state, threads, network namespace",
    source: "/proc/PID/{stat,status,cmdline} and the /proc/PID/ns/net link",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

static FIELDS: LazyLock<Vec<Field<ProcessRecord>>> = LazyLock::new(|| {
    use Type::*;
    let f = |name, ty, doc, get: fn(&ProcessRecord) -> Value| {
        Field::new(Column::new(name, ty, doc), get)
    };
    vec![
        f("pid", Int, "Process id", |p: &ProcessRecord| p.pid.into()),
        f(
            "ppid",
            Int,
            "Parent process id (0 for init and kthreadd)",
            |p| p.ppid.into(),
        ),
        f(
            "name",
            Str,
            "Process name (comm, at most 15 characters)",
            |p| Value::shared_name(&p.name),
        ),
        f(
            "cmdline",
            Str,
            "Command line, arguments joined by spaces (empty for kernel threads)",
            |p| Value::raw(&p.cmdline),
        ),
        f(
            "argv0",
            Str,
            "First NUL-terminated string of /proc/PID/cmdline, as read (empty for kernel threads)",
            |p| Value::raw(&p.argv0),
        ),
        f("uid", Int, "Real user id", |p| p.uid.into()),
        f(
            "user",
            Str,
            "User name of uid (null when it has no passwd entry)",
            |p| {
                p.user
                    .as_ref()
                    .map_or(Value::Null, |u| Value::Str(u.clone()))
            },
        ),
        f(
            "state",
            Str,
            "State letter: R running, S sleeping, D disk wait, Z zombie, T stopped, I idle, ...",
            |p| Value::str(p.state.to_string()),
        ),
        f("threads", Int, "Number of threads", |p| p.threads.into()),
        f(
            "start_time",
            Int,
            "Start time in clock ticks after boot (/proc/PID/stat field 22): with pid, names a process across pid reuse",
            |p| Value::int(p.start_time),
        ),
        f(
            "netns",
            Int,
            "Network namespace inode (null when not readable without root)",
            |p| Value::opt_int(p.netns),
        ),
    ]
});

columns_fn!(FIELDS);

/// The /proc reads the columns of `req` need.
pub fn want_for(req: &Request) -> ProcWant {
    ProcWant {
        uid: req.wants("uid"),
        user: req.wants("user"),
        cmdline: req.wants("cmdline") || req.wants("argv0"),
        netns: req.wants("netns"),
    }
}

fn collect(req: &Request, notes: &Notes) -> Result<Table> {
    let want = want_for(req);
    let procs = crate::door::source::linux::processes(want);
    // Root is refused only for special processes (an init outside any namespace we may open);
    // that is not something a user can fix, so only unprivileged users get the note.
    if procs.netns_denied > 0 && crate::door::source::linux::euid() != 0 {
        notes.add(
            "other users' network namespaces are not readable without root; their netns is null",
        );
    }
    Ok(build(&procs.list, req))
}

/// Builds the table from process records.
pub fn build(procs: &[ProcessRecord], req: &Request) -> Table {
    field::build(DEF.name, &FIELDS, req, procs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_skips_unneeded_reads() {
        let w = want_for(&Request::columns(&["pid", "name"]));
        assert_eq!(
            w,
            ProcWant {
                uid: false,
                user: false,
                cmdline: false,
                netns: false
            }
        );
        assert!(want_for(&Request::columns(&["argv0"])).cmdline);
        assert_eq!(want_for(&Request::default()), ProcWant::ALL);
    }

    #[test]
    fn live_table_has_this_process() {
        let t = collect(&Request::default(), &Notes::default()).unwrap();
        let pid = t.column_index("pid").unwrap();
        let row = t
            .rows()
            .find(|r| r[pid] == Value::int(std::process::id()))
            .expect("this process");
        let name = t.column_index("argv0").unwrap();
        assert!(!row[name].as_str().unwrap_or_default().is_empty());
        assert_eq!(
            row[t.column_index("threads").unwrap()]
                .as_int()
                .map(|n| n >= 1),
            Some(true)
        );
    }
}
