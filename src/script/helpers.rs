//! Helper functions for scripts: `route_get` (see [`super::route_get`]), `service`, `sysctl`, `hostname`, `now`,
//! `sleep`, `fail`, `usage`, `exit_with`, and the argument readers `int_arg` and `float_arg`.

use std::rc::Rc;
use std::time::{Duration, Instant};

use rhai::{Array, Dynamic, Engine, EvalAltResult, FLOAT, INT, Position};

use super::api::{rt, rt_err};
use super::context::Ctx;
use super::ip::RhaiResultOf;
use crate::tables::names::{Duplicates, Services};

/// What `fail` and `exit_with` hand back to the runner (as Rhai's "terminated" token, which
/// `try`/`catch` cannot intercept).
#[derive(Debug, Clone)]
pub struct ExitRequest {
    /// Process exit status.
    pub code: u8,
    /// Message.
    pub message: String,
    /// Whether the message goes to stdout (`exit_with`) rather than stderr (`fail`).
    pub to_stdout: bool,
}

fn terminate<T>(token: Dynamic) -> RhaiResultOf<T> {
    Err(Box::new(EvalAltResult::ErrorTerminated(
        token,
        Position::NONE,
    )))
}

/// Registers the helpers.
pub fn register(engine: &mut Engine, ctx: &Rc<Ctx>) {
    engine.register_fn("fail", |msg: &str| -> RhaiResultOf<()> {
        terminate(Dynamic::from(ExitRequest {
            code: 1,
            message: msg.to_string(),
            to_stdout: false,
        }))
    });
    engine.register_fn("usage", |msg: &str| -> RhaiResultOf<()> {
        terminate(Dynamic::from(ExitRequest {
            code: 2,
            message: format!("usage: {msg}"),
            to_stdout: false,
        }))
    });
    engine.register_fn("exit_with", |code: INT, msg: &str| -> RhaiResultOf<()> {
        match u8::try_from(code) {
            Ok(code) => terminate(Dynamic::from(ExitRequest {
                code,
                message: msg.to_string(),
                to_stdout: true,
            })),
            Err(_) => rt_err(format!(
                "exit_with: the status must be 0 to 255, got {code}"
            )),
        }
    });
    // Rhai's own `exit(value)` ends a script with a value, not a status; point to exit_with.
    const EXIT: &str =
        "exit() does not set the exit status: use exit_with(status, message) or fail(message)";
    engine.register_fn("exit", || -> RhaiResultOf<()> { rt_err(EXIT) });
    engine.register_fn("exit", |_: Dynamic| -> RhaiResultOf<()> { rt_err(EXIT) });
    engine.register_fn("int_arg", |a: &mut Array, i: INT| {
        number_arg::<INT>(a, i, None, "an integer")
    });
    engine.register_fn("int_arg", |a: &mut Array, i: INT, default: INT| {
        number_arg(a, i, Some(default), "an integer")
    });
    engine.register_fn("float_arg", |a: &mut Array, i: INT| {
        number_arg::<FLOAT>(a, i, None, "a number")
    });
    engine.register_fn("float_arg", |a: &mut Array, i: INT, default: FLOAT| {
        number_arg(a, i, Some(default), "a number")
    });
    engine.register_fn("sleep", |secs: INT| sleep(secs as FLOAT));
    engine.register_fn("sleep", sleep);
    engine.register_fn("now", || -> INT {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as INT)
    });
    let c = Rc::clone(ctx);
    engine.register_fn("hostname", move || -> String { c.catalog.host_info().host });
    // The services of the host being read (its `name_files`), parsed once per engine.
    let c = Rc::clone(ctx);
    let services: Rc<std::cell::OnceCell<Services>> = Rc::default();
    engine.register_fn("service", move |port: INT, proto: &str| -> Dynamic {
        let services = services.get_or_init(|| c.catalog.name_files().services(Duplicates::First));
        u16::try_from(port)
            .ok()
            .and_then(|p| services.name(p, proto))
            .map_or(Dynamic::UNIT, |n| Dynamic::from(n.to_string()))
    });
    // A socket without a port (UNIX) has `()` there: no service, not an error.
    engine.register_fn("service", |_: (), _: &str| Dynamic::UNIT);
    let c = Rc::clone(ctx);
    engine.register_fn("sysctl", move |name: &str| sysctl(&c, name));
    super::route_get::register(engine, ctx);
}

/// Argument `i` (from 0) of `args` as a number: `default` when the script got fewer
/// arguments; a usage error (status 2) naming the argument when it is missing without a
/// default or is not `what`.
fn number_arg<T: std::str::FromStr + Into<Dynamic>>(
    args: &Array,
    i: INT,
    default: Option<T>,
    what: &str,
) -> RhaiResultOf<Dynamic> {
    let usage = |message: String| {
        terminate(Dynamic::from(ExitRequest {
            code: 2,
            message,
            to_stdout: false,
        }))
    };
    let arg = usize::try_from(i).ok().and_then(|i| args.get(i));
    match (arg, default) {
        (None, Some(d)) => Ok(d.into()),
        (None, None) => usage(format!("argument {} is missing: {what} is expected", i + 1)),
        (Some(a), _) => {
            let text = a.to_string();
            match text.trim().parse::<T>() {
                Ok(v) => Ok(v.into()),
                Err(_) => usage(format!("argument {}: '{text}' is not {what}", i + 1)),
            }
        }
    }
}

/// Sleeps `secs` seconds, waking every 50 ms to notice Ctrl-C.
fn sleep(secs: FLOAT) -> RhaiResultOf<()> {
    if !(0.0..=1e9).contains(&secs) {
        return rt_err(format!(
            "sleep: seconds must be between 0 and 1e9, got {secs}"
        ));
    }
    let end = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        if super::interrupt::requested() {
            return terminate(super::INTERRUPTED.into());
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// A sysctl value, an integer when the whole value is one; `()` when there is no such key.
fn sysctl(ctx: &Ctx, name: &str) -> RhaiResultOf<Dynamic> {
    let value = rt(ctx.catalog.sysctl(name))?;
    Ok(match value {
        None => Dynamic::UNIT,
        Some(v) => v
            .trim()
            .parse::<INT>()
            .map_or_else(|_| Dynamic::from(v), Dynamic::from_int),
    })
}

#[cfg(test)]
mod tests {
    use crate::tables::sysctls::dotted;

    #[test]
    fn sysctl_names_in_either_form_match_the_table() {
        assert_eq!(dotted("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(dotted("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(
            dotted("net/ipv4/conf/vx.1/forwarding"),
            "net.ipv4.conf.vx/1.forwarding"
        );
        assert_eq!(
            dotted("net.ipv4.conf.vx/1.forwarding"),
            "net.ipv4.conf.vx/1.forwarding"
        );
        assert_eq!(dotted("bad..name"), "bad..name");
    }
}
