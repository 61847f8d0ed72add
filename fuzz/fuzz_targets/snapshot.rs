//! Fuzz target `snapshot`: The snapshot reader: parse, write back, read again, same bytes; render every table.
//! See `netpry::fuzzing::snapshot` for the input layout and the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpry::fuzzing::snapshot(data));
