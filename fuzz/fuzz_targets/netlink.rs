//! Fuzz target `netlink`: rtnetlink link/address/route/rule/neighbour decoders and sock_diag decoders (datagrams, inet and UNIX messages, tcp_info); the first byte picks the decoder.
//! See `netpry::fuzzing::netlink` for the input layout and the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpry::fuzzing::netlink(data));
