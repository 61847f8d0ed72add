//! Methods on null: a column that is null for some rows (the process of an unowned socket, the
//! remote address of a listener) must not stop a whole query when a string or address method is
//! called on it. Tests (`contains`, `starts_with`, `is_loopback`, ...) on null are false;
//! transformations (`to_upper`, `trim`, ...) give null; `len` is 0. So
//! `sockets().where(|s| s.process.contains("pyth"))` skips unowned sockets instead of failing.

use rhai::{Dynamic, Engine};

/// Text and address tests that are false on null.
const TESTS_WITH_ARG: [&str; 3] = ["contains", "starts_with", "ends_with"];
/// Address tests without an argument, false on null.
const TESTS: [&str; 5] = [
    "is_loopback",
    "is_private",
    "is_unspecified",
    "is_ipv4",
    "is_ipv6",
];
/// Transformations that give null on null.
const TRANSFORMS: [&str; 4] = ["to_upper", "to_lower", "trim", "canonical"];

/// Registers the null forms of the string and address methods.
pub fn register(engine: &mut Engine) {
    for name in TESTS_WITH_ARG {
        engine.register_fn(name, |_: (), _: &str| false);
        engine.register_fn(name, |_: (), _: char| false);
    }
    for name in TESTS {
        engine.register_fn(name, |_: ()| false);
    }
    for name in TRANSFORMS {
        engine.register_fn(name, |_: ()| Dynamic::UNIT);
    }
    engine.register_fn("len", |_: ()| 0 as rhai::INT);
    engine.register_fn("index_of", |_: (), _: &str| -1 as rhai::INT);
}
