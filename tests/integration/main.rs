//! The integration test binary: drives the real `netpry` binary (see `support`).

mod support;

mod book;
mod cli;
mod netstat_linux;
mod netstat_modes;
mod procstats;
mod rtnl;
mod snapshot;
