//! Table operations in plain Rust, shared by scripts, the REPL and the netstat front end.
//! Each operation takes tables and returns a new table; none of them prints or collects.

mod select;

pub use select::select;
