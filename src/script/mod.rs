//! Rhai scripting over the tables (being written).

mod closure;
mod ip;
mod types;
