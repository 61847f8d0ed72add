//! The one door to the host: the only modules that read the machine (netlink, `/proc`, `/etc`).
//!
//! `source` is private to this module, so the compiler refuses a read of the host from anywhere
//! else: front ends (`netstat`, `script`, `repl`, `query`, `watch`, `app`) get host state only
//! as tables, through the [`catalog`], and a snapshot therefore replays everything they print.
//! The modules live beside it in `src/` (their paths are unchanged) and are re-exported at the
//! crate root.

#[path = "../catalog.rs"]
pub mod catalog;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "../fuzzing.rs"]
pub mod fuzzing;
#[path = "../namespaces.rs"]
pub mod namespaces;
#[path = "../source/mod.rs"]
mod source;
#[path = "../tables/mod.rs"]
pub mod tables;
#[path = "../version.rs"]
pub mod version;
