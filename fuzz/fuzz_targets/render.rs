//! Fuzz target `render`: The renderers (table, plain, csv, json) and the escape on a table built from the input: no control character from a cell, JSON round trip of every value.
//! See `netpry::fuzzing::render` for the input layout and the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpry::fuzzing::render(data));
