//! The typed row views both netstat front ends read: one struct per row of a table they
//! print from (an interface, an interface address, a route with its next hops, a socket, a
//! protocol counter), each with its reader over the table (and, for sockets, a constructor
//! from a record the live collector streams). The net-tools (`super::linux`) and the BSD
//! (`super::bsd`) front ends turn the same rows into their own layouts, so a column name, a
//! conversion or a range check is written once, here.
//!
//! Rows are read from tables already made byte-wise ([`super::bytewise`]): names are kept as
//! raw text ([`crate::model::rawtext`]), which net-tools prints as the bytes they were and
//! the BSD front end prints as `Value`'s display would. A column a table (or an older
//! snapshot) lacks reads as null, and each field documents the value it then takes. A number
//! out of its field's range reads as that value too, and is described in the reader's
//! problems (`Cols::take_problems`), which each front end reports its own way.

pub mod counters;
pub mod interface;
pub mod route;
pub mod socket;

pub use counters::StatRow;
pub use interface::{Addr, Iface};
pub use route::Route;
pub use socket::Socket;

use crate::model::Value;

/// `inet` or `inet6` from a family cell (`inet`, `ipv4`, `4`, `2`, ...).
pub fn family_is_v6(v: &Value) -> Option<bool> {
    match v {
        Value::Int(2 | 4) => Some(false),
        Value::Int(10 | 6) => Some(true),
        Value::Str(s) => match s.to_ascii_lowercase().as_str() {
            "inet" | "ipv4" | "ip" | "4" | "2" | "af_inet" => Some(false),
            "inet6" | "ipv6" | "ip6" | "6" | "10" | "af_inet6" => Some(true),
            _ => None,
        },
        _ => None,
    }
}
