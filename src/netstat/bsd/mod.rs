//! The bsd netstat front end (placeholder until its issue lands).

use std::path::Path;

/// Runs bsd-style netstat; returns the exit status.
pub fn main(program: &str, args: Vec<String>, _snapshot: Option<&Path>) -> u8 {
    eprintln!(
        "{program}: bsd netstat is not available yet ({} arguments)",
        args.len()
    );
    1
}
