//! The state one script evaluation shares between its API functions: the catalog, the tables
//! already collected (each at most once), the script's closures, and output settings.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::error::Result;
use crate::model::Table;
use crate::render::RenderOpts;
use crate::tables::{self, Request};

use super::closure::Closure;
use super::plan::SocketPlan;
use super::route_get::RouteGetState;

/// Shared by every function registered for one evaluation.
pub struct Ctx {
    /// Where tables come from.
    pub catalog: Rc<Catalog>,
    /// Tables collected so far in this evaluation.
    tables: RefCell<HashMap<&'static str, Arc<Table>>>,
    /// The script's closures, by internal name (filled in after compiling).
    pub closures: RefCell<HashMap<String, Closure>>,
    /// Whether `where` may compile closures to native predicates (tests turn it off to
    /// compare both paths).
    pub native_predicates: bool,
    /// How `show()` renders.
    pub render: RenderOpts,
    /// `route_get`'s answers and indexes.
    pub route_get: RouteGetState,
    /// What the script needs of the live `sockets` table (filled in after compiling).
    pub socket_plan: RefCell<SocketPlan>,
}

impl Ctx {
    /// A context over `catalog` for a script whose source is `source`.
    pub fn new(catalog: Rc<Catalog>, _source: &str, render: RenderOpts) -> Ctx {
        Ctx {
            catalog,
            tables: RefCell::default(),
            closures: RefCell::default(),
            native_predicates: true,
            render,
            route_get: RouteGetState::default(),
            socket_plan: RefCell::new(SocketPlan::unknown()),
        }
    }

    /// Table `name`, collected on first use and then shared for the rest of the evaluation.
    pub fn table(&self, name: &str) -> Result<Arc<Table>> {
        let def = tables::lookup(name)?;
        if let Some(t) = self.tables.borrow().get(def.name) {
            return Ok(Arc::clone(t));
        }
        // A snapshot already holds every column; only a live collection saves the scan, and a
        // fleet's union then holds only the columns the script reads (and host, time).
        let fleet = self.catalog.fleet().is_some();
        let live = self.catalog.snapshot_info().is_none() || fleet;
        let plan = self.socket_plan.borrow().clone();
        // Conservative: only a plan proven from the syntax tree narrows the collection; when
        // any use of `sockets()` escapes the analysis, every column (pid, process, tcp_info)
        // is collected.
        // Outside a fleet, a script naming `host` fails on the whole table, as unplanned.
        let names_fleet_columns = plan.columns.as_ref().is_some_and(|used| {
            used.contains(crate::fleet::HOST) || used.contains(crate::fleet::TIME)
        });
        let planned = plan != SocketPlan::unknown() && (fleet || !names_fleet_columns);
        let t = if def.name == "sockets" && live && planned {
            // Only the columns the script can read (at least one, so rows are counted).
            let fleet_cols = [crate::fleet::HOST, crate::fleet::TIME];
            let extra = if fleet { &fleet_cols[..] } else { &[][..] };
            let cols: Vec<&str> = extra
                .iter()
                .copied()
                .chain((def.columns)().iter().map(|c| c.name.as_ref()))
                .filter(|c| match &plan.columns {
                    Some(used) => used.contains(*c) || *c == "proto" || extra.contains(c),
                    None => true,
                })
                .collect();
            let req = Request {
                columns: Some(cols.iter().map(|c| c.to_string()).collect()),
                sockets: plan.select,
            };
            Arc::new(self.catalog.collect(def.name, &req)?)
        } else {
            self.catalog.table(def.name)?
        };
        self.tables.borrow_mut().insert(def.name, Arc::clone(&t));
        Ok(t)
    }
}
