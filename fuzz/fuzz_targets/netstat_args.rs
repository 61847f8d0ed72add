//! Fuzz target `netstat_args`: Both netstat command-line parsers (net-tools Linux style and BSD style) on NUL-separated arguments.
//! See `netpry::fuzzing::netstat_args` for the input layout and the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpry::fuzzing::netstat_args(data));
