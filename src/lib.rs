//! netpry: a scriptable query shell for Linux network state.
//!
//! Data flows one way, and only the `door` module reads the host (its `source` is private, so
//! the compiler enforces it):
//!
//! ```text
//! door: source::linux (netlink, /proc, /etc) ─▶ source::records ─▶ tables (schema + collect)
//!        snapshot (JSON) ──────────────────────────────▶ catalog (live or snapshot, cached)
//!                                                          │
//!                          query (select, where, join, group_by: plain Rust on Table)
//!                                                          │
//!                    render (table, json, csv, plain) ◀────┘      netstat (net-tools output)
//! ```
//!
//! Every table is a [`model::Table`] of typed [`model::Value`]s with a documented schema; the
//! registry [`tables::TABLES`] lists them all.

pub mod app;
pub mod cli;
pub mod console;
pub mod error;
pub mod fleet;
pub mod front;
pub mod input;
pub mod interrupt;
pub mod manual;
pub mod model;
#[cfg(test)]
pub(crate) mod mutate;
pub mod netns_front;
pub mod netstat;
pub mod outfile;
pub mod query;
pub mod render;
pub mod repl;
pub mod script;
pub mod snapshot;
pub mod watch;

mod door;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub use door::fuzzing;
pub use door::{catalog, namespaces, tables, version};
pub use error::{Error, Result};
