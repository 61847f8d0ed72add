//! net-tools netstat 2.10, byte for byte, over netpry's tables.
//!
//! [`main`] parses the command line exactly as netstat does ([`args`]), applies netstat's
//! derived rules (mode conflicts, the "no protocol given" rule, implied address families, the
//! selector count) into a [`Plan`], and dispatches: masquerade, statistics, routes, interfaces
//! or the socket listing, which this module runs (Internet sections, multicast groups, UNIX
//! sockets, the "no support" messages of families netpry cannot list, and the `-c` loop). Rows
//! come from the `sockets`, `processes` and `multicast` tables of a [`Catalog`], live or from a
//! snapshot. stdout is fully buffered (flushed after each `-c` pass), stderr is not.

pub mod args;
pub mod groups;
pub mod hardware;
pub mod interfaces;
pub mod names;
pub mod routes;
pub mod sockets;
pub mod stats;
pub mod unix;

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use args::{Family, Opts, Parsed};
use sockets::{InetText, Layout, Names, Proto};

use crate::catalog::Catalog;
use crate::model::Table;
use crate::model::rawtext::RawWriter;
use crate::netstat::rows::socket::{Socket, SocketCols};
use crate::tables::Request;

/// Runs net-tools-style netstat with `args` (without the program name); `program` is the name
/// used in getopt's messages (argv[0] as invoked); `snapshot` reads tables from a snapshot file.
/// Returns netstat's exit status.
pub fn main(program: &str, args: Vec<String>, snapshot: Option<&Path>) -> u8 {
    // Invoked through a `netstat` link, getopt's messages name argv[0] exactly as typed
    // (`/usr/bin/netstat: invalid option ...`); the dispatcher hands over only its base name.
    let argv0 = std::env::args().next().unwrap_or_default();
    let program = if argv0 != program && Path::new(&argv0).file_name().is_some_and(|b| b == program)
    {
        argv0.as_str()
    } else {
        program
    };
    let stdout = std::io::stdout();
    // Names print as the raw bytes they are, as net-tools prints them.
    let mut out = BufWriter::with_capacity(1 << 16, RawWriter::new(stdout.lock()));
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let result = run(program, &args, snapshot, &mut out, &mut err);
    // What was written before a failure still goes out; a failed write is reported once, even
    // when flushing the rest fails the same way (`>/dev/full`).
    let flushed = out.flush();
    if flushed.is_err() {
        // Drop what could not be written rather than try again on drop.
        let _ = out.into_parts();
    }
    let result = match (result, flushed) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(e),
        (Ok(_), Err(e)) => Err(std::io::Error::new(e.kind(), format!("write error: {e}"))),
        (Ok(code), Ok(())) => Ok(code),
    };
    crate::front::finish(program, result, &mut err)
}

/// Runs net-tools netstat like [`main`], its standard output and error captured (for
/// `--all-netns`, where namespaces are read in parallel and printed in order).
pub fn captured(program: &str, args: &[String]) -> (u8, Vec<u8>, Vec<u8>) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = {
        let mut raw = BufWriter::new(RawWriter::new(&mut out));
        let code = match run(program, args, None, &mut raw, &mut err) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(err, "{program}: {e}");
                1
            }
        };
        let _ = raw.flush();
        code
    };
    (code, out, err)
}

/// The command line after netstat's derived rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The options as given, with the protocol and family flags the rules turned on.
    pub opts: Opts,
    /// No protocol was given with `-4`/`-6`/`-s`, so all were turned on ("no support" for
    /// them is then silent).
    pub noprot: bool,
    /// Number of selectors given (netstat's `flag_arg`); 0 lists every family.
    pub flag_arg: u32,
}

impl Plan {
    /// Applies netstat's rules to parsed options. `None` means a mode conflict (usage, exit 3).
    pub fn new(mut o: Opts) -> Option<Plan> {
        if o.route + o.interfaces + o.masquerade + o.statistics > 1 {
            return None;
        }
        let any_proto = o.tcp || o.sctp || o.udp || o.udplite || o.raw;
        let mut noprot = false;
        if (o.has(Family::Inet) || o.has(Family::Inet6) || o.statistics > 0) && !any_proto {
            o.tcp = true;
            o.sctp = true;
            o.udp = true;
            o.udplite = true;
            o.raw = true;
            noprot = true;
        }
        if (o.tcp || o.sctp || o.udp || o.udplite || o.raw || o.groups)
            && !o.has(Family::Inet)
            && !o.has(Family::Inet6)
        {
            o.families.push(Family::Inet);
            o.families.push(Family::Inet6);
        }
        if o.has(Family::Bluetooth) {
            o.l2cap = true;
            o.rfcomm = true;
        }
        let flag_arg = [
            o.tcp,
            o.sctp,
            o.udp,
            o.udplite,
            o.raw,
            o.has(Family::Unix),
            o.has(Family::Ipx),
            o.has(Family::Ax25),
            o.has(Family::Netrom),
            o.groups,
            o.has(Family::X25),
            o.has(Family::Rose),
            o.l2cap,
            o.rfcomm,
        ]
        .iter()
        .filter(|b| **b)
        .count() as u32;
        Some(Plan {
            opts: o,
            noprot,
            flag_arg,
        })
    }

    /// The display options of the socket listing.
    pub fn layout(&self) -> Layout {
        let o = &self.opts;
        Layout {
            extend: o.extend > 0,
            programs: o.programs,
            timers: o.timers,
            wide: o.wide,
            numeric_hosts: o.numeric_hosts,
            numeric_ports: o.numeric_ports,
            numeric_users: o.numeric_users,
        }
    }

    /// Whether the IPv4 (`v6` false) or IPv6 sockets are listed: both unless exactly one
    /// Internet family was chosen.
    fn family_on(&self, v6: bool) -> bool {
        let (v4f, v6f) = (self.opts.has(Family::Inet), self.opts.has(Family::Inet6));
        if !v4f && !v6f {
            return true;
        }
        if v6 { v6f } else { v4f }
    }

    fn proto_on(&self, p: Proto) -> bool {
        let o = &self.opts;
        self.flag_arg == 0
            || match p {
                Proto::Tcp => o.tcp,
                Proto::Udp => o.udp,
                Proto::UdpLite => o.udplite,
                Proto::Raw => o.raw,
                Proto::Unix => self.unix_on(),
            }
    }

    fn unix_on(&self) -> bool {
        self.flag_arg == 0 || self.opts.has(Family::Unix)
    }

    fn title_word(&self) -> &'static str {
        if self.opts.all {
            "(servers and established)"
        } else if self.opts.listening {
            "(only servers)"
        } else {
            "(w/o servers)"
        }
    }

    fn shows(&self, listening: bool) -> bool {
        if self.opts.all {
            true
        } else if self.opts.listening {
            listening
        } else {
            !listening
        }
    }
}

fn run(
    program: &str,
    args: &[String],
    snapshot: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let opts = match args::parse(program, args, out, err)? {
        Parsed::Exit(code) => return Ok(code),
        Parsed::Run(o) => o,
    };
    let Some(plan) = Plan::new(opts) else {
        args::usage(false, out, err)?;
        return Ok(3);
    };
    if plan.opts.masquerade > 0 {
        err.write_all(b"netstat: no support for `ip_masquerade' on this system.\n")?;
        return Ok(1);
    }
    let cat = match crate::front::open(program, snapshot, err) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if plan.opts.statistics > 0 || plan.opts.route > 0 || plan.opts.interfaces > 0 {
        return other_mode(&plan, &cat, out, err);
    }
    // Port names are read only when ports are shown by name.
    let mut names = Names {
        services: if plan.opts.numeric_ports {
            names::PortNames::default()
        } else {
            names::PortNames::load(&cat.name_files())
        },
        ..Names::default()
    };
    loop {
        let code = socket_pass(&plan, &cat, &mut names, out, err)?;
        if snapshot.is_some() {
            crate::front::print_notes("netpry", &cat, err)?;
        }
        if code != 0 || !plan.opts.continuous {
            return Ok(code);
        }
        out.flush()?;
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Statistics, routes and interfaces, each in its own module.
fn other_mode(
    plan: &Plan,
    cat: &Catalog,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let o = &plan.opts;
    let families: Vec<String> = o.afname.iter().map(|f| f.name().to_string()).collect();
    if o.route > 0 {
        let p = routes::RouteParams {
            families,
            numeric_hosts: o.numeric_hosts,
            symbolic: o.symbolic,
            extend: o.extend,
            wide: o.wide,
            fib: o.fib,
            cache: o.cache,
            verbose: o.verbose,
            continuous: o.continuous,
        };
        return routes::routes(&p, cat, out, err);
    }
    if o.statistics > 0 {
        let p = stats::StatParams {
            families,
            tcp: o.tcp,
            udp: o.udp,
            udplite: o.udplite,
            raw: o.raw,
            sctp: o.sctp,
            numeric: o.numeric_hosts || o.numeric_ports || o.numeric_users,
            continuous: o.continuous,
            verbose: o.verbose,
        };
        return stats::statistics(&p, cat, out, err);
    }
    let p = interfaces::IfaceParams {
        all: o.all,
        extend: o.extend,
        continuous: o.continuous,
        numeric_hosts: o.numeric_hosts,
        symbolic: o.symbolic,
        wide: o.wide,
        verbose: o.verbose,
    };
    interfaces::interfaces(&p, cat, out, err)
}

/// The sockets of one pass, grouped the way netstat prints them.
#[derive(Default)]
struct Collected {
    /// Internet rows by (protocol, IPv6).
    inet: HashMap<(Proto, bool), Vec<Socket>>,
    /// UNIX rows.
    unix: Vec<Socket>,
    /// Snapshot rows left out, by reason.
    skipped: HashMap<sockets::Skip, usize>,
    /// Columns the snapshot's `sockets` table lacks (when it has Internet rows).
    lacking: Vec<&'static str>,
    /// Out-of-range cells of the snapshot's rows (read as 0), as sentences.
    problems: Vec<String>,
}

/// The request of a socket listing: the columns it reads and the kernel-side selection.
fn socket_request(plan: &Plan) -> Request {
    let layout = plan.layout();
    let mut want: Vec<&str> = sockets::wanted_columns(&layout);
    if plan.unix_on() {
        for c in unix::wanted_columns(&layout) {
            if !want.contains(&c) {
                want.push(c);
            }
        }
    }
    let known: Vec<String> = crate::tables::lookup("sockets")
        .map(|d| (d.columns)().iter().map(|c| c.name.to_string()).collect())
        .unwrap_or_default();
    let columns: Vec<String> = want
        .iter()
        .filter(|c| known.iter().any(|k| k == *c))
        .map(|c| c.to_string())
        .collect();
    Request {
        columns: Some(columns),
        sockets: socket_select(plan),
    }
}

/// The sockets of a snapshot, through the catalog's `sockets` table. Every row is asked for
/// (the listing applies netstat's own filters), so that rows with an unknown state reach
/// [`read_table`] and are reported rather than silently dropped by the state selection.
/// From a snapshot, user names come from the `sockets` table's `user` column (the names of the
/// host it was taken on), not from this machine's user database; a snapshot without the column
/// leaves the lookups to this machine, as before.
fn seed_users(cat: &Catalog, users: &mut names::Users) {
    if !cat.holds("sockets") {
        return;
    }
    let Ok(t) = cat.collect("sockets", &Request::columns(&["uid", "user"])) else {
        return;
    };
    let c = crate::model::Cols::new(&t, &["uid", "user"]);
    if !c.has(1) {
        return;
    }
    for row in 0..c.len() {
        if let Some(uid) = c.u32(row, 0) {
            users.seed(uid, c.text_raw(row, 1));
        }
    }
}

fn collect_sockets(plan: &Plan, cat: &Catalog) -> Collected {
    let mut got = Collected::default();
    let mut req = socket_request(plan);
    req.sockets = crate::tables::SocketSelect::default();
    let Ok(table) = cat.collect("sockets", &req).map(super::bytewise) else {
        return got;
    };
    read_table(&table, &mut got);
    got
}

/// One stderr line per kind of snapshot row left out, and one for missing columns.
fn snapshot_notes(got: &Collected, err: &mut dyn Write) -> std::io::Result<()> {
    if !got.lacking.is_empty() {
        writeln!(
            err,
            "netstat: the snapshot's sockets table has no {} column{}; those values print as `*` or blank",
            got.lacking.join(", "),
            if got.lacking.len() == 1 { "" } else { "s" }
        )?;
    }
    for (kind, why) in [
        (sockets::Skip::Port, "a port outside 0-65535"),
        (sockets::Skip::State, "an unknown state"),
    ] {
        if let Some(n) = got.skipped.get(&kind) {
            let rows = if *n == 1 { "row" } else { "rows" };
            writeln!(
                err,
                "netstat: left out {n} snapshot socket {rows} with {why}"
            )?;
        }
    }
    for p in &got.problems {
        writeln!(err, "netstat: {p} (read as 0)")?;
    }
    Ok(())
}

/// The live listing: with numeric hosts, Internet rows are printed as the kernel dumps them (in
/// the order netstat prints its sections: TCP, UDP, UDP-Lite, raw, each IPv4 then IPv6), so
/// memory stays flat however many sockets there are. When host names are resolved, the rows are
/// kept in `got` and printed after the dump: a lookup opens a socket to the name server, and a
/// lookup made during the dump would list it. Sockets this process holds when the dump starts
/// (lookups of an earlier `-c` pass still waiting for an answer) are left out: net-tools never
/// shows its own. UNIX rows, printed after the multicast groups, are kept in `got`. Like the
/// snapshot path, a collection failure lists what was read.
fn stream_sockets(
    plan: &Plan,
    cat: &Catalog,
    names: &mut Names,
    progs: &mut Programs,
    out: &mut dyn Write,
    got: &mut Collected,
) -> std::io::Result<()> {
    let layout = plan.layout();
    let req = socket_request(plan);
    let want = crate::tables::sockets::Want::for_request(&req);
    let mut buf = String::with_capacity(256);
    let mut failed: Option<std::io::Error> = None;
    let defer = !layout.numeric_hosts;
    let own = crate::catalog::this_process::own_socket_inodes();
    let _ = cat.stream_sockets(&req.sockets, &want, |rec| {
        if failed.is_some() || (rec.inode != 0 && own.contains(&rec.inode)) {
            return;
        }
        let row = Socket::from_record(&rec);
        if let Some((proto, v6)) = row.ip_kind() {
            if !plan.proto_on(proto) || !plan.family_on(v6) || !plan.shows(row.is_listening()) {
                return;
            }
            if defer {
                got.inet.entry((proto, v6)).or_default().push(row);
                return;
            }
            buf.clear();
            sockets::format_row(&mut buf, &row, &layout, names, progs.text(row.pid));
            if let Err(e) = out.write_all(buf.as_bytes()) {
                failed = Some(e);
            }
        } else if unix::is_unix(&row) {
            got.unix.push(row);
        }
    });
    failed.map_or(Ok(()), Err)
}

/// The kernel-side selection for a listing: only the protocols and families it prints, and
/// only the states its listening filter can show (netstat's own rule is applied afterwards).
fn socket_select(plan: &Plan) -> crate::tables::SocketSelect {
    use crate::tables::sockets::ALL_STATES;
    const LISTEN: u32 = 1 << 10;
    const CLOSE: u32 = 1 << 7;
    let o = &plan.opts;
    // A section that stops the run (SCTP requested) leaves only TCP to print.
    let stop_after_tcp = (plan.flag_arg > 0 && o.sctp) && !plan.noprot;
    let states = if o.all {
        ALL_STATES
    } else if o.listening {
        // TCP and UNIX listeners; unconnected UDP and raw sockets are CLOSE.
        LISTEN | CLOSE
    } else {
        ALL_STATES & !LISTEN
    };
    crate::tables::SocketSelect {
        tcp: plan.proto_on(Proto::Tcp),
        udp: plan.proto_on(Proto::Udp) && !stop_after_tcp,
        udplite: plan.proto_on(Proto::UdpLite) && !stop_after_tcp,
        raw: plan.proto_on(Proto::Raw) && !stop_after_tcp,
        unix: plan.unix_on() && !stop_after_tcp,
        inet: plan.family_on(false),
        inet6: plan.family_on(true),
        states,
    }
}

/// Sorts a snapshot's rows (the shared view, [`SocketCols`]) into `got`: Internet rows by
/// protocol and family, UNIX rows, and the Internet rows net-tools could not show
/// ([`sockets::skip`]) counted by reason.
fn read_table(table: &Table, got: &mut Collected) {
    let c = SocketCols::of(table);
    let inet_rows = (0..c.len()).filter(|&r| c.ip_kind(r).is_some());
    got.lacking = c.all_null(inet_rows, &sockets::TELLING_COLUMNS);
    let check_state = !got.lacking.contains(&"state");
    for r in 0..c.len() {
        if c.ip_kind(r).is_some() {
            if let Some(why) = sockets::skip(&c, r, check_state) {
                *got.skipped.entry(why).or_default() += 1;
                continue;
            }
        }
        let row = c.read(r);
        if let Some(kind) = row.ip_kind() {
            got.inet.entry(kind).or_default().push(row);
        } else if unix::is_unix(&row) {
            got.unix.push(row);
        }
    }
    got.problems = c.take_problems();
}

/// pid → first command-line word, for `-p`.
fn program_names(cat: &Catalog) -> HashMap<u32, String> {
    let req = Request::columns(&["pid", "argv0"]);
    let mut map = HashMap::new();
    if let Ok(t) = cat.collect("processes", &req).map(super::bytewise) {
        let c = crate::model::Cols::new(&t, &["pid", "argv0"]);
        for r in 0..c.len() {
            if let Some(pid) = c.u32(r, 0) {
                map.insert(pid, c.str(r, 1).as_deref().unwrap_or("").to_string());
            }
        }
    }
    map
}

/// Prints netstat's "no support" message for a family netpry cannot list; returns true when
/// the run must stop there (exit 1). The "no protocol given" rule silences (and so never stops
/// at) the IP protocols.
fn missing(plan: &Plan, name: &str, ip_proto: bool, err: &mut dyn Write) -> std::io::Result<bool> {
    if ip_proto && plan.noprot {
        return Ok(false);
    }
    if plan.flag_arg > 0 || plan.opts.verbose {
        writeln!(err, "netstat: no support for `{name}' on this system.")?;
    }
    Ok(plan.flag_arg > 0)
}

/// SCTP has two files (endpoints, shown with `-a` or `-l`; associations, shown with `-a` or
/// without `-l`), each reported missing on its own.
fn sctp_missing(plan: &Plan, err: &mut dyn Write) -> std::io::Result<bool> {
    let o = &plan.opts;
    if plan.flag_arg != 0 && !o.sctp {
        return Ok(false);
    }
    if (o.all || o.listening) && missing(plan, "AF INET (sctp)", true, err)? {
        return Ok(true);
    }
    if (o.all || !o.listening) && missing(plan, "AF INET (sctp)", true, err)? {
        return Ok(true);
    }
    Ok(false)
}

fn socket_pass(
    plan: &Plan,
    cat: &Catalog,
    names: &mut Names,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let o = &plan.opts;
    let layout = plan.layout();
    let live = cat.snapshot_info().is_none();
    let mut progs = Programs {
        on: layout.programs,
        ..Programs::default()
    };
    if layout.programs {
        if live {
            program_warning(err)?;
        }
        progs.names = program_names(cat);
    }
    let any_inet = [Proto::Tcp, Proto::Udp, Proto::UdpLite, Proto::Raw]
        .iter()
        .any(|p| plan.proto_on(*p));
    let need_sockets = any_inet || plan.unix_on();

    if plan.flag_arg == 0 || o.tcp || o.sctp || o.udp || o.udplite || o.raw {
        writeln!(out, "Active Internet connections {}", plan.title_word())?;
        out.write_all(sockets::header(&layout).as_bytes())?;
    }
    let mut data = Collected::default();
    if need_sockets {
        if live {
            stream_sockets(plan, cat, names, &mut progs, out, &mut data)?;
        } else {
            data = collect_sockets(plan, cat);
            if plan.layout().extend && !plan.layout().numeric_users {
                seed_users(cat, &mut names.users);
            }
            snapshot_notes(&data, err)?;
        }
    }
    let mut buf = String::with_capacity(256);
    let mut inet = |proto: Proto, data: &mut Collected, names: &mut Names, out: &mut dyn Write| {
        if !plan.proto_on(proto) {
            return Ok::<(), std::io::Error>(());
        }
        for v6 in [false, true] {
            if !plan.family_on(v6) {
                continue;
            }
            for row in data.inet.remove(&(proto, v6)).unwrap_or_default() {
                if !plan.shows(row.is_listening()) {
                    continue;
                }
                buf.clear();
                sockets::format_row(&mut buf, &row, &layout, names, progs.text(row.pid));
                out.write_all(buf.as_bytes())?;
            }
        }
        Ok(())
    };
    inet(Proto::Tcp, &mut data, names, out)?;
    if sctp_missing(plan, err)? {
        return Ok(1);
    }
    inet(Proto::Udp, &mut data, names, out)?;
    inet(Proto::UdpLite, &mut data, names, out)?;
    inet(Proto::Raw, &mut data, names, out)?;
    if o.groups {
        groups::print(plan, cat, &mut names.hosts, out)?;
    }
    if plan.unix_on() {
        writeln!(out, "Active UNIX domain sockets {}", plan.title_word())?;
        out.write_all(unix::header(&layout).as_bytes())?;
        let mut buf = String::with_capacity(256);
        for row in &data.unix {
            if !plan.shows(unix::is_listening(row)) {
                continue;
            }
            buf.clear();
            unix::format_row(&mut buf, row, &layout, progs.text(row.pid));
            out.write_all(buf.as_bytes())?;
        }
    }
    for (fam, name) in [
        (Family::Ipx, "AF IPX"),
        (Family::Ax25, "AF AX25"),
        (Family::X25, "AF X25"),
        (Family::Netrom, "AF NETROM"),
        (Family::Rose, "AF ROSE"),
    ] {
        if (plan.flag_arg == 0 || o.has(fam)) && missing(plan, name, false, err)? {
            return Ok(1);
        }
    }
    if o.l2cap || o.rfcomm {
        err.write_all(
            b"netstat: feature `AF BLUETOOTH' not supported.\n\
              Please recompile `net-tools' with newer kernel source or full configuration.\n",
        )?;
        return Ok(1);
    }
    Ok(0)
}

/// The `-p` column texts, made once per process.
#[derive(Default)]
struct Programs {
    /// Whether the listing has the column (`-p`); the text is empty otherwise.
    on: bool,
    /// pid → first command-line word.
    names: HashMap<u32, String>,
    /// Texts made so far, by owner (`None`: no known owner).
    texts: HashMap<Option<u32>, String>,
}

impl Programs {
    fn text(&mut self, pid: Option<u32>) -> &str {
        if !self.on {
            return "";
        }
        let names = &self.names;
        self.texts.entry(pid).or_insert_with(|| {
            sockets::program_text(pid, pid.map(|p| names.get(&p).map_or("", String::as_str)))
        })
    }
}

/// netstat's `-p` warning when other users' processes cannot be inspected.
fn program_warning(err: &mut dyn Write) -> std::io::Result<()> {
    let access = crate::catalog::this_process::fd_access();
    if !access.denied {
        return Ok(());
    }
    if access.sockets_seen {
        err.write_all(
            b"(Not all processes could be identified, non-owned process info\n \
              will not be shown, you would have to be root to see it all.)\n",
        )
    } else {
        writeln!(
            err,
            "(No info could be read for \"-p\": geteuid()={} but you should be root.)",
            access.euid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(a: &[&str]) -> Plan {
        let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        let (mut o, mut e) = (Vec::new(), Vec::new());
        match args::parse("netstat", &args, &mut o, &mut e).unwrap() {
            Parsed::Run(opts) => Plan::new(opts).expect("no conflict"),
            p => panic!("{p:?}"),
        }
    }

    /// The live path (records straight to rows) prints every record exactly as the snapshot
    /// path (records → `sockets` table projected onto the listing's columns → rows) does.
    #[test]
    fn streamed_rows_print_as_table_rows() {
        let recs = crate::netstat::rows::socket::tests::records();
        let mut cols = sockets::wanted_columns(&Layout {
            extend: true,
            programs: true,
            timers: true,
            ..Layout::default()
        });
        cols.extend(unix::wanted_columns(&Layout::default()));
        let known: Vec<String> = (crate::tables::lookup("sockets").unwrap().columns)()
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        cols.retain(|c| known.iter().any(|k| k == c));
        let table = crate::tables::sockets::build(&recs, &Request::columns(&cols));
        let mut got = Collected::default();
        read_table(&table, &mut got);
        let mut inet = Vec::new();
        let mut unix_rows = Vec::new();
        for r in &recs {
            let row = Socket::from_record(r);
            if row.ip_kind().is_some() {
                inet.push(row);
            } else if unix::is_unix(&row) {
                unix_rows.push(row);
            }
        }
        let mut from_table: Vec<Socket> = Vec::new();
        for (p, v6) in [
            (Proto::Tcp, false),
            (Proto::Tcp, true),
            (Proto::Udp, false),
            (Proto::UdpLite, true),
            (Proto::Raw, false),
        ] {
            from_table.extend(got.inet.remove(&(p, v6)).unwrap_or_default());
        }
        assert!(got.inet.is_empty());
        assert_eq!(inet.len(), 5 * 15 * 4);
        assert_eq!(unix_rows.len(), 15 * 4);
        // The table holds only the listing's columns, so rows are compared as printed, with
        // every optional column.
        let layout = Layout {
            extend: true,
            programs: true,
            timers: true,
            numeric_hosts: true,
            numeric_ports: true,
            numeric_users: true,
            ..Layout::default()
        };
        let mut names = Names {
            hosts: names::Resolver::offline(Vec::new()),
            services: names::PortNames::parse("", ""),
            users: names::Users::default(),
            scratch: Default::default(),
        };
        let mut inet_text = |rows: &[Socket]| {
            let mut buf = String::new();
            for r in rows {
                let prog = format!("{:?}", r.pid);
                sockets::format_row(&mut buf, r, &layout, &mut names, &prog);
                buf.push_str(&format!("listening {}\n", r.is_listening()));
            }
            buf
        };
        assert_eq!(inet_text(&inet), inet_text(&from_table));
        let unix_text = |rows: &[Socket]| {
            let mut buf = String::new();
            for r in rows {
                let prog = format!("{:?}", r.pid);
                unix::format_row(&mut buf, r, &layout, &prog);
                buf.push_str(&format!("listening {}\n", unix::is_listening(r)));
            }
            buf
        };
        assert_eq!(unix_text(&unix_rows), unix_text(&got.unix));
    }

    #[test]
    fn derived_rules() {
        let p = plan(&[]);
        assert_eq!(p.flag_arg, 0);
        assert!(p.unix_on() && p.family_on(false) && p.family_on(true));
        let p = plan(&["-4"]);
        assert!(p.noprot && p.opts.tcp && p.opts.raw && !p.unix_on());
        assert!(p.family_on(false) && !p.family_on(true));
        let p = plan(&["-t"]);
        assert!(!p.noprot && p.family_on(false) && p.family_on(true) && !p.proto_on(Proto::Udp));
        let p = plan(&["-6", "-x"]);
        assert!(p.unix_on() && p.proto_on(Proto::Raw) && !p.family_on(false));
        let p = plan(&["-A", "ddp"]);
        assert_eq!(p.flag_arg, 0);
        let p = plan(&["-g"]);
        assert_eq!(p.flag_arg, 1);
        assert!(!p.unix_on() && !p.proto_on(Proto::Tcp));
        assert!(
            Plan::new(
                match args::parse("n", &["-rr".into()], &mut Vec::new(), &mut Vec::new()).unwrap() {
                    Parsed::Run(o) => o,
                    _ => unreachable!(),
                }
            )
            .is_none()
        );
    }
}
