//! The integration test binary: drives the real `netpry` binary (see `support`).

mod support;

mod book;
mod cli;
mod diag_scripts;
mod netstat_bsd;
mod procstats;
mod repl;
mod rtnl;
mod script;
mod snapshot;
mod sockets;
