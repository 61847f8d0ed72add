//! Fuzz target `procfs`: /proc and /etc text parsers (proc_net inet/unix, ipv6_route, if_inet6, igmp, dev_snmp6, snmp stats, sockstat, slabinfo, hosts/networks/protocols/passwd/services, rt names, process stat/status/cmdline, sysctl names); the first byte picks the parser.
//! See `netpry::fuzzing::procfs` for the input layout and the checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpry::fuzzing::procfs(data));
