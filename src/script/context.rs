//! The state one script evaluation shares between its API functions: the catalog, the tables
//! already collected (each at most once), the script's closures, and output settings.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::error::Result;
use crate::model::Table;
use crate::render::RenderOpts;
use crate::tables::{self, Request};

use super::closure::Closure;
use super::types::Row;

/// The socket columns that need a scan of every process's file descriptors.
pub const PROCESS_COLUMNS: [&str; 2] = ["pid", "process"];

/// Shared by every function registered for one evaluation.
pub struct Ctx {
    /// Where tables come from.
    pub catalog: Rc<Catalog>,
    /// Whether `sockets()` includes `pid` and `process` (see [`needs_processes`]).
    pub socket_processes: bool,
    /// Tables collected so far in this evaluation.
    tables: RefCell<HashMap<&'static str, Arc<Table>>>,
    /// The script's closures, by internal name (filled in after compiling).
    pub closures: RefCell<HashMap<String, Closure>>,
    /// Whether `where` may compile closures to native predicates (tests turn it off to
    /// compare both paths).
    pub native_predicates: bool,
    /// How `show()` renders.
    pub render: RenderOpts,
    /// `route_get` answers by destination.
    pub routes: RefCell<HashMap<IpAddr, Row>>,
}

impl Ctx {
    /// A context over `catalog` for a script whose source is `source`.
    pub fn new(catalog: Rc<Catalog>, source: &str, render: RenderOpts) -> Ctx {
        Ctx {
            catalog,
            socket_processes: needs_processes(source),
            tables: RefCell::default(),
            closures: RefCell::default(),
            native_predicates: true,
            render,
            routes: RefCell::default(),
        }
    }

    /// Table `name`, collected on first use and then shared for the rest of the evaluation.
    pub fn table(&self, name: &str) -> Result<Arc<Table>> {
        let def = tables::lookup(name)?;
        if let Some(t) = self.tables.borrow().get(def.name) {
            return Ok(Arc::clone(t));
        }
        // A snapshot already holds every column; only a live collection saves the scan.
        let live = self.catalog.snapshot_info().is_none();
        let t = if def.name == "sockets" && live && !self.socket_processes {
            let cols: Vec<&str> = (def.columns)()
                .iter()
                .map(|c| c.name.as_ref())
                .filter(|c| !PROCESS_COLUMNS.contains(c))
                .collect();
            Arc::new(self.catalog.collect(def.name, &Request::columns(&cols))?)
        } else {
            self.catalog.table(def.name)?
        };
        self.tables.borrow_mut().insert(def.name, Arc::clone(&t));
        Ok(t)
    }
}

/// Whether a script needs the sockets' `pid` and `process` columns, which cost a scan of every
/// process's open files: when it names `pid`, `process` or `processes` anywhere (as a name or
/// inside a string), or when it may print whole socket rows (it calls `sockets` and never
/// `select`s columns).
pub fn needs_processes(source: &str) -> bool {
    let words: Vec<&str> = source
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    has("pid") || has("process") || has("processes") || (has("sockets") && !has("select"))
}

#[cfg(test)]
mod tests {
    use super::needs_processes;

    #[test]
    fn process_columns_only_when_named_or_printed_whole() {
        assert!(needs_processes("sockets()"));
        assert!(needs_processes(r#"sockets().select(["pid"])"#));
        assert!(needs_processes(
            "sockets().where(|s| s.process == \"sshd\").count()"
        ));
        assert!(needs_processes("processes().count()"));
        assert!(!needs_processes(
            "sockets().where(|s| s.state == \"LISTEN\").select([\"local_port\"])"
        ));
        assert!(!needs_processes("interfaces()"));
        assert!(!needs_processes("sockets().select([\"pids\"])"));
    }
}
