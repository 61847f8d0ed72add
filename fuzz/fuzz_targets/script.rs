//! Fuzz target `script`: Script compilation: compile, closures, socket plan, error report.
//! See `netpry::fuzzing::script` for the input layout and the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpry::fuzzing::script(data));
