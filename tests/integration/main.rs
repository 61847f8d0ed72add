//! The integration test binary: drives the real `netpry` binary (see `support`).

mod support;

mod bench_smoke;
mod book;
mod cli;
mod conntrack;
mod diag_scripts;
mod fleet;
mod hardening_files;
mod hardening_scripts;
mod hostile_names;
mod lazy;
mod netns;
mod netstat_bsd;
mod netstat_lab;
mod netstat_linux;
mod netstat_modes;
mod owners;
mod procstats;
mod repl;
mod rtnl;
mod rules;
mod script;
mod script_plan;
mod snapshot;
mod snapshot_replay;
mod sockets;
mod version;
mod watch;
