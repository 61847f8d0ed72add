//! Rhai scripting over the tables (placeholder until the scripting issue lands).
