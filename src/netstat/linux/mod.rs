//! The linux netstat front end (placeholder until its issue lands).

pub mod interfaces;
pub mod routes;
pub mod stats;

use std::path::Path;

/// Runs linux-style netstat; returns the exit status.
pub fn main(program: &str, args: Vec<String>, _snapshot: Option<&Path>) -> u8 {
    eprintln!(
        "{program}: linux netstat is not available yet ({} arguments)",
        args.len()
    );
    1
}
