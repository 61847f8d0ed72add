//! Helper functions for scripts: `route_get`, `service`, `sysctl`, `hostname`, `now`,
//! `sleep`, `fail`, `usage`, `exit_with`, and the argument readers `int_arg` and `float_arg`.

use std::net::IpAddr;
use std::rc::Rc;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use rhai::{Array, Dynamic, Engine, EvalAltResult, FLOAT, INT, Position};

use super::api::{rt, rt_err};
use super::context::Ctx;
use super::ip::RhaiResultOf;
use super::types::{Ip, Row};
use crate::model::{Column, Table, Type, Value};
use crate::source::linux::services::{Duplicates, Services};
use crate::tables::Request;

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
    engine.register_fn("hostname", move || -> String {
        match c.catalog.snapshot_info() {
            Some(info) => info.host.clone(),
            None => crate::source::linux::host_info().host,
        }
    });
    engine.register_fn("service", |port: INT, proto: &str| -> Dynamic {
        u16::try_from(port)
            .ok()
            .and_then(|p| services().name(p, proto))
            .map_or(Dynamic::UNIT, |n| Dynamic::from(n.to_string()))
    });
    // A socket without a port (UNIX) has `()` there: no service, not an error.
    engine.register_fn("service", |_: (), _: &str| Dynamic::UNIT);
    let c = Rc::clone(ctx);
    engine.register_fn("sysctl", move |name: &str| sysctl(&c, name));
    let c = Rc::clone(ctx);
    engine.register_fn("route_get", move |addr: Ip| route_get(&c, addr.0));
    let c = Rc::clone(ctx);
    engine.register_fn("route_get", move |addr: &str| -> RhaiResultOf<Row> {
        match addr.trim().parse::<IpAddr>() {
            Ok(ip) => route_get(&c, ip),
            Err(_) => rt_err(format!("route_get: '{addr}' is not an IP address")),
        }
    });
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
    let value = if ctx.catalog.snapshot_info().is_some() {
        let name = &dotted(name);
        let t = rt(ctx.table("sysctls"))?;
        let (n, v) = (
            rt(crate::query::column_index(&t, "name"))?,
            rt(crate::query::column_index(&t, "value"))?,
        );
        t.rows()
            .find(|r| r[n].as_str() == Some(name))
            .map(|r| r[v].to_string())
    } else {
        rt(crate::source::linux::read_sysctl(name))?
    };
    Ok(match value {
        None => Dynamic::UNIT,
        Some(v) => v
            .trim()
            .parse::<INT>()
            .map_or_else(|_| Dynamic::from(v), Dynamic::from_int),
    })
}

/// The `sysctls` table's spelling of a sysctl name given in either form: dotted, with `/`
/// standing for a dot inside a component (`net/ipv4/conf/vx.1/forwarding` becomes
/// `net.ipv4.conf.vx/1.forwarding`).
fn dotted(name: &str) -> String {
    match crate::source::linux::sysctl::sysctl_path(name) {
        Some(path) => path
            .iter()
            .map(|c| c.to_string_lossy().replace('.', "/"))
            .collect::<Vec<_>>()
            .join("."),
        None => name.to_string(),
    }
}

static SOURCE: Column = Column::new(
    "source",
    Type::Str,
    "kernel: asked with RTM_GETROUTE; snapshot: the snapshot's policy rules walked as the kernel walks them, then the longest prefix in the table a rule names",
);

static RULE: Column = Column::new(
    "rule",
    Type::Int,
    "Priority of the policy rule that decided, when netpry walked the rules (snapshot answers and kernel refusals); null when the kernel chose the route",
);

/// The route to `dst`: asked of the kernel, or, from a snapshot, found by walking the
/// snapshot's policy rules and routes ([`crate::query::route_lookup`]). One row of the
/// `routes` columns plus `source` and `rule`; cached per destination.
fn route_get(ctx: &Ctx, dst: IpAddr) -> RhaiResultOf<Row> {
    if let Some(r) = ctx.routes.borrow().get(&dst) {
        return Ok(r.clone());
    }
    let (table, rule, source) = if ctx.catalog.snapshot_info().is_some() {
        let (t, rule) = walked_route(ctx, dst)?;
        (t, Value::from(rule), "snapshot")
    } else {
        match crate::source::linux::route_get(dst) {
            Ok(rec) => (
                crate::tables::routes::build(&[rec], &Request::default()),
                Value::Null,
                "kernel",
            ),
            Err(crate::error::Error::Kernel { source, .. })
                if matches!(source.raw_os_error(), Some(13 | 22 | 101 | 113)) =>
            {
                let (t, rule) = refused_route(ctx, dst, &source)?;
                (t, Value::from(rule), "kernel")
            }
            Err(e) => return rt(Err(e)),
        }
    };
    let mut schema = table.columns().to_vec();
    schema.extend([SOURCE.clone(), RULE.clone()]);
    let mut out = Table::new("route_get", schema);
    if let Some(row) = table.rows().next() {
        out.push(
            row.iter()
                .cloned()
                .chain([Value::str(source), rule.clone()]),
        );
    }
    let row = Row {
        table: Arc::new(out),
        index: 0,
    };
    ctx.routes.borrow_mut().insert(dst, row.clone());
    Ok(row)
}

/// The answer when the kernel refuses a lookup: it does so (EINVAL, EHOSTUNREACH, EACCES,
/// ENETUNREACH) when a blackhole, unreachable or prohibit route or policy rule covers the
/// destination. The row is that route, or for a rule a row of its action (type `prohibit`,
/// no table), found by walking the live rules and routes as a snapshot answer is; when the
/// walk finds no refusal (ENETUNREACH also means "no route at all"), an error naming the
/// destination and what the kernel said.
fn refused_route(ctx: &Ctx, dst: IpAddr, err: &std::io::Error) -> RhaiResultOf<(Table, u32)> {
    let meaning = match err.raw_os_error() {
        Some(113) => "no route to host: an unreachable route covers it",
        Some(13) => "permission denied: a prohibit route or rule covers it",
        Some(101) => "network is unreachable: no route covers it, or an unreachable rule does",
        _ => "invalid argument: a blackhole route or rule covers it",
    };
    match walked_route(ctx, dst) {
        Ok((t, rule)) if refusal_type(&t).is_some() => Ok((t, rule)),
        _ if err.raw_os_error() == Some(101) => rt_err(format!(
            "route_get: no route to {dst} (the kernel says: {err})"
        )),
        _ => rt_err(format!(
            "route_get: the kernel refused the lookup for {dst} ({meaning}): {err}"
        )),
    }
}

/// The type of the one-row route table `t` when it is a refusal (blackhole, unreachable,
/// prohibit).
fn refusal_type(t: &Table) -> Option<&'static str> {
    let ty = t.column_index("type")?;
    let v = t.rows().next()?[ty].as_str()?;
    ["blackhole", "unreachable", "prohibit"]
        .into_iter()
        .find(|k| *k == v)
}

/// The route the catalog's rules and routes give for `dst` (see
/// [`crate::query::route_lookup`]), as a one-row `routes` table naming `dst` itself (like the
/// kernel's answer), and the priority of the rule that decided. A snapshot without a rules
/// table is walked with the kernel's built-in rules, and a note says so.
fn walked_route(ctx: &Ctx, dst: IpAddr) -> RhaiResultOf<(Table, u32)> {
    let routes = rt(ctx.table("routes"))?;
    let rules = if ctx.catalog.holds("rules") {
        Some(rt(ctx.table("rules"))?)
    } else {
        ctx.catalog.notes().add(
            "route_get: the snapshot has no rules table (saved by an older netpry); \
             assuming the kernel's built-in rules (local, main, default)",
        );
        None
    };
    let interfaces = if ctx.catalog.holds("interfaces") {
        rt(ctx.table("interfaces")).ok()
    } else {
        None
    };
    let flow = crate::query::Flow {
        dst,
        uid: crate::source::linux::euid(),
    };
    let decision =
        crate::query::route_lookup(&routes, rules.as_deref(), interfaces.as_deref(), &flow);
    let host_len = Value::Int(if dst.is_ipv4() { 32 } else { 128 });
    let mut one = Table::new("routes", routes.schema());
    let set = |cells: &mut Vec<Value>, name: &str, v: Value| {
        if let Ok(i) = crate::query::column_index(&routes, name) {
            cells[i] = v;
        }
    };
    let rule = match decision {
        Some(crate::query::Decision::Route { row, rule }) => {
            let mut cells = routes.row(row).to_vec();
            set(&mut cells, "dst", Value::Ip(dst));
            set(&mut cells, "dst_len", host_len);
            complete_output_route(ctx, &routes, &mut cells, dst);
            one.push(cells);
            rule
        }
        Some(crate::query::Decision::Refused { rule, action }) => {
            let mut cells = vec![Value::Null; routes.columns().len()];
            let family = if dst.is_ipv4() { "inet" } else { "inet6" };
            set(&mut cells, "family", Value::str(family));
            set(&mut cells, "type", Value::str(action));
            set(&mut cells, "dst", Value::Ip(dst));
            set(&mut cells, "dst_len", host_len);
            one.push(cells);
            rule
        }
        None => {
            let whose = if ctx.catalog.snapshot_info().is_some() {
                "the snapshot's"
            } else {
                "the"
            };
            return rt_err(format!(
                "route_get: no route to {dst} in {whose} rules and routes (network is unreachable)"
            ));
        }
    };
    Ok((one, rule))
}

/// Fills in what the kernel adds to a route it chose for locally generated traffic: a
/// `local` destination is reached through the loopback device, and a route without a
/// preferred source gets the address source selection would pick from the addresses table
/// ([`crate::query::select_source`]).
fn complete_output_route(ctx: &Ctx, routes: &Table, cells: &mut [Value], dst: IpAddr) {
    let col = |name: &str| routes.column_index(name);
    let cell = |cells: &[Value], name: &str| col(name).map_or(Value::Null, |i| cells[i].clone());
    if cell(cells, "type").as_str() == Some("local") {
        let interfaces = ctx
            .catalog
            .holds("interfaces")
            .then(|| ctx.table("interfaces"));
        let lo = interfaces
            .and_then(Result::ok)
            .and_then(|t| {
                let (ix, name) = (t.column_index("index")?, t.column_index("name")?);
                t.rows()
                    .find(|r| r[ix].as_int() == Some(1))
                    .map(|r| r[name].clone())
            })
            .unwrap_or_else(|| Value::str("lo"));
        if let Some(oif) = col("oif") {
            cells[oif] = Value::Int(1);
        }
        if let Some(dev) = col("dev") {
            cells[dev] = lo;
        }
    }
    let refused = ["blackhole", "unreachable", "prohibit", "throw"];
    let Some(prefsrc) = col("prefsrc") else {
        return;
    };
    if cell(cells, "type")
        .as_str()
        .is_some_and(|t| refused.contains(&t))
    {
        return;
    }
    let oif = cell(cells, "oif").as_int();
    if !cells[prefsrc].is_null() || oif.is_none() || !ctx.catalog.holds("addresses") {
        return;
    }
    let Ok(addresses) = ctx.table("addresses") else {
        return;
    };
    let scope = cell(cells, "scope");
    let chosen = crate::query::select_source(
        &addresses,
        dst,
        oif,
        cell(cells, "gateway").as_ip(),
        scope.as_str().unwrap_or("global"),
    );
    cells[prefsrc] = Value::opt_ip(chosen);
}

/// /etc/services, read once; the first line for a port wins, as `getservbyport(3)` answers.
fn services() -> &'static Services {
    static SERVICES: LazyLock<Services> = LazyLock::new(|| Services::load(Duplicates::First));
    &SERVICES
}

#[cfg(test)]
mod tests {
    use super::dotted;

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
