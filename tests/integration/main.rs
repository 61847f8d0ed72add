//! The integration test binary: drives the real `netpry` binary (see `support`).

mod support;

mod cli;
mod repl;
mod snapshot;
