//! Script API tests over the fixture snapshot `tests/fixtures/script.json`: every method and
//! helper with asserted results, native and Rhai `where` giving the same rows, and the error
//! and sandbox messages.

use std::rc::Rc;

use super::{Output, Script, Settings, run};
use crate::catalog::Catalog;
use crate::error::Error;
use crate::model::{Table, Value};
use crate::render::RenderOpts;

fn fixture() -> Rc<Catalog> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/script.json");
    Rc::new(Catalog::open_snapshot(&path).expect("fixture snapshot loads"))
}

fn eval_with(src: &str, args: &[&str], native: bool) -> crate::error::Result<Output> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let settings = Settings {
        render: RenderOpts::default(),
        native_predicates: native,
    };
    run(
        &Script {
            name: "<test>",
            source: src,
            args: &args,
        },
        fixture(),
        settings,
    )
}

fn table(src: &str) -> std::sync::Arc<Table> {
    match eval_with(src, &[], true) {
        Ok(Output::Table(t)) => t,
        other => panic!("{src}: expected a table, got {other:?}"),
    }
}

fn text(src: &str) -> String {
    match eval_with(src, &[], true) {
        Ok(Output::Value { text, .. }) => text.trim_end().to_string(),
        other => panic!("{src}: expected a value, got {other:?}"),
    }
}

fn error(src: &str) -> String {
    match eval_with(src, &[], true) {
        Err(Error::Script { message, code: 1 }) => message,
        other => panic!("{src}: expected a script error, got {other:?}"),
    }
}

fn col(t: &Table, name: &str) -> Vec<String> {
    let i = t
        .column_index(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    t.rows().map(|r| r[i].to_string()).collect()
}

#[test]
fn every_column_reads_as_a_property() {
    // A column named after a Rhai keyword (`goto`, `match`, `default`, ...) could not be
    // written `row.name`: scripts must be able to read every column that way.
    for def in crate::tables::TABLES {
        let names: Vec<String> = (def.columns)().iter().map(|c| c.name.to_string()).collect();
        let src = names
            .iter()
            .map(|n| format!("|r| r.{n};"))
            .collect::<String>()
            + "1";
        assert_eq!(text(&src), "1", "{}", def.name);
    }
}

#[test]
fn every_table_function_exists() {
    for def in crate::tables::TABLES {
        let n = text(&format!("{}().count()", def.name));
        assert!(n.parse::<usize>().is_ok(), "{}: {n}", def.name);
    }
    assert_eq!(text("sockets().count()"), "10");
    assert_eq!(text(r#"table("processes").len()"#), "5");
}

#[test]
fn where_select_sort_limit() {
    let t = table(
        r#"sockets().where(|s| s.state == "LISTEN" && s.proto == "tcp").select(["local_port", "process"]).sort_desc("local_port").limit(2)"#,
    );
    assert_eq!(t.width(), 2);
    assert_eq!(col(&t, "local_port"), ["8080", "22"]);
    let t = table(
        r#"sockets().where(|s| s.proto != "unix").sort(["proto", "local_port"]).select("local_port")"#,
    );
    assert_eq!(
        col(&t, "local_port"),
        [
            "22", "22", "22", "22", "8080", "40000", "40001", "53", "323"
        ]
    );
}

#[test]
fn rows_are_typed() {
    assert_eq!(text(r#"type_of(sockets().first().local_port)"#), "i64");
    assert_eq!(text(r#"type_of(sockets()[3].rtt_ms)"#), "f64");
    assert_eq!(text(r#"type_of(sockets().first().state)"#), "string");
    assert_eq!(text(r#"type_of(sockets().first().rtt_ms)"#), "()");
    assert_eq!(text(r#"type_of(sockets().first().local_addr)"#), "Ip");
    assert_eq!(
        text(r#"sockets()[-1]["path"]"#),
        "/run/systemd/resolve/io.systemd.Resolve"
    );
    assert_eq!(text(r#"sockets()[2].to_map().process"#), "python3");
    assert_eq!(text(r#"processes().first().columns().len()"#), "6");
}

#[test]
fn ip_values_compare_sort_and_test() {
    assert_eq!(text(r#"sockets()[2].local_addr == "127.0.0.1""#), "true");
    assert_eq!(text(r#""127.0.0.1" == sockets()[2].local_addr"#), "true");
    assert_eq!(
        text(r#"sockets()[3].remote_addr < sockets()[4].remote_addr"#),
        "true"
    ); // .9 < .10
    assert_eq!(text(r#"sockets()[3].remote_addr > "10.0.0.8""#), "true");
    assert_eq!(text(r#"sockets()[3].remote_addr in "10.0.0.0/8""#), "true");
    assert_eq!(
        text(r#"sockets()[3].remote_addr.within("192.168.0.0/16")"#),
        "false"
    );
    assert_eq!(text(r#"sockets()[2].local_addr.is_loopback()"#), "true");
    assert_eq!(text(r#"sockets()[3].local_addr.is_private()"#), "true");
    assert_eq!(text(r#"sockets()[0].local_addr.is_unspecified()"#), "true");
    assert_eq!(
        text(r#"sockets()[3].remote_addr.to_string() + "!""#),
        "10.0.0.9!"
    );
    assert_eq!(text(r#"`${sockets()[3].remote_addr}`"#), "10.0.0.9");
    assert_eq!(text(r#"ip("::1").is_loopback()"#), "true");
    let t = table(
        r#"sockets().where(|s| s.proto == "tcp" && s.state == "ESTABLISHED").sort("remote_addr").select("remote_addr")"#,
    );
    assert_eq!(
        col(&t, "remote_addr"),
        ["10.0.0.9", "10.0.0.10", "93.184.216.34"]
    );
    assert!(
        error(r#"sockets()[3].remote_addr in "not-a-net""#).contains("is not an address or a CIDR")
    );
}

#[test]
fn nulls_compare_as_false() {
    // rtt_ms is null on most rows: ordering against () is false, not an error.
    assert_eq!(text(r#"sockets().where(|s| s.rtt_ms > 10).count()"#), "2");
    assert_eq!(text(r#"sockets().where(|s| s.pid == ()).count()"#), "2");
    assert_eq!(
        text(r#"sockets().where(|s| s.remote_addr in "0.0.0.0/0").count()"#),
        "7"
    );
}

/// Each predicate gives the same rows compiled natively and run as a Rhai closure.
#[test]
fn native_and_rhai_predicates_agree() {
    let preds = [
        r#"s.state == "LISTEN""#,
        r#"s.state != "LISTEN""#,
        r#"s.local_port < 1024"#,
        r#"1024 <= s.local_port"#,
        r#"s.rtt_ms >= 1.5"#,
        r#"s.rtt_ms == 20.25"#,
        r#"s.recv_q == 0.0"#,
        r#"s.uid == ()"#,
        r#"s.uid != ()"#,
        r#"s.uid < ()"#,
        r#"s.state == "LISTEN" && s.local_port < 1024 || s.proto == "udp""#,
        r#"!(s.proto == "tcp")"#,
        r#"s.remote_addr in "10.0.0.0/8""#,
        r#"s.local_addr == "127.0.0.1""#,
        r#"s.local_addr != "127.0.0.1""#,
        r#"s.remote_addr > "10.0.0.9""#,
        r#"s.state in "LISTEN ESTABLISHED""#,
        r#"s.state in ["LISTEN", "CLOSE"]"#,
        r#"s.local_port in [22, 53]"#,
        r#"s.local_addr in ["127.0.0.1", "::1"]"#,
        r#"s.local_addr.is_loopback()"#,
        r#"s.remote_addr.is_private()"#,
        r#"s.local_addr.is_unspecified()"#,
        r#"s.local_addr.within("192.168.1.0/24")"#,
        r#"s["proto"] == "udp""#,
        r#"s.local_port == port"#,
        r#"s.local_addr == lo"#,
        r#"s.state == states"#,
        r#"true"#,
    ];
    for p in preds {
        let src = format!(
            "let port = 22; let lo = ip(\"127.0.0.1\"); let states = [\"LISTEN\"]; sockets().where(|s| {p}).column(\"inode\")"
        );
        let native = eval_with(&src, &[], true);
        let rhai = eval_with(&src, &[], false);
        match (native, rhai) {
            (Ok(Output::Value { json: a, .. }), Ok(Output::Value { json: b, .. })) => {
                assert_eq!(a, b, "{p}")
            }
            other => panic!("{p}: {other:?}"),
        }
    }
}

#[test]
fn predicates_compile_for_the_common_forms() {
    let t = fixture().table("sockets").unwrap();
    let engine = rhai::Engine::new();
    for (p, native) in [
        (r#"s.state == "LISTEN" && s.local_port < 1024"#, true),
        (r#"s.remote_addr in "10.0.0.0/8""#, true),
        (
            r#"s.local_addr.is_loopback() || s.state in ["A", "B"]"#,
            true,
        ),
        (r#"s.local_port + 1 == 23"#, false),
        (r#"s.state.len() == 6"#, false),
    ] {
        let ast = engine.compile(format!("|s| {p}")).unwrap();
        let closures = super::closure::closures(&ast);
        let c = closures.values().next().unwrap();
        assert_eq!(
            super::predicate::compile(c, &[], &t).is_some(),
            native,
            "{p}"
        );
    }
}

#[test]
fn count_first_column_distinct_len() {
    assert_eq!(
        text(r#"sockets().where(|s| s.proto == "udp").count()"#),
        "2"
    );
    assert_eq!(
        text(r#"sockets().where(|s| s.proto == "raw").is_empty()"#),
        "true"
    );
    assert_eq!(
        text(r#"type_of(sockets().where(|s| s.proto == "raw").first())"#),
        "()"
    );
    assert_eq!(text(r#"sockets().first().process"#), "sshd");
    assert_eq!(
        text(r#"sockets().where(|s| s.proto == "udp").column("local_port")"#),
        "53\n323"
    );
    let t = table(r#"sockets().distinct("proto")"#);
    assert_eq!(col(&t, "proto"), ["tcp", "udp", "unix"]);
}

#[test]
fn group_by_aggregates() {
    let t = table(r#"sockets().group_by("proto").count()"#);
    assert_eq!(col(&t, "count"), ["7", "2", "1"]);
    let t = table(r#"sockets().group_by("user").sum("send_q")"#);
    assert_eq!(col(&t, "user"), ["", "alice", "root", "systemd-resolve"]);
    assert_eq!(col(&t, "sum_send_q"), ["0", "511", "292", "0"]);
    let t =
        table(r#"sockets().where(|s| s.state == "ESTABLISHED").group_by("proto").min("rtt_ms")"#);
    assert_eq!(col(&t, "min_rtt_ms"), ["1.5"]);
    let t = table(r#"sockets().group_by("proto").max("local_port")"#);
    assert_eq!(col(&t, "max_local_port"), ["40001", "323", ""]);
    let t = table(r#"sockets().group_by(["proto", "family"]).count()"#);
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["proto", "family", "count"]);
    assert_eq!(
        col(&t, "family"),
        ["inet", "inet6", "inet", "inet6", "unix"]
    );
    assert_eq!(col(&t, "count"), ["6", "1", "1", "1", "1"]);
    let t = table(r#"sockets().group_by(["pid", "process"]).max("local_port")"#);
    assert_eq!(
        col(&t, "process"),
        ["", "sshd", "python3", "curl", "systemd-resolve"]
    );
    assert_eq!(
        col(&t, "max_local_port"),
        ["40001", "22", "8080", "40000", "53"]
    );
    assert!(error(r#"sockets().group_by([])"#).contains("group_by: name at least one column"));
    assert!(
        error(r#"sockets().group_by(["proto", "stat"])"#)
            .contains("no column 'stat' in sockets; did you mean 'state'?")
    );
    // A grouping printed as it is shows the counts.
    let t = table(r#"sockets().group_by("family")"#);
    assert_eq!(col(&t, "count"), ["7", "2", "1"]);
    assert!(
        error(r#"sockets().group_by("stat")"#)
            .contains("no column 'stat' in sockets; did you mean 'state'?")
    );
}

#[test]
fn joins_are_hash_joins() {
    let t =
        table(r#"sockets().join(processes(), "pid").select(["inode", "name", "processes_uid"])"#);
    assert_eq!(t.len(), 8);
    assert_eq!(col(&t, "name")[0], "sshd");
    let t = table(r#"sockets().left_join(processes(), "pid").select(["inode", "cmdline"])"#);
    assert_eq!(t.len(), 10);
    assert_eq!(t.rows().filter(|r| r[1].is_null()).count(), 2);
    let t =
        table(r#"processes().join(processes(), "ppid", "pid").select(["name", "processes_name"])"#);
    assert_eq!(
        col(&t, "processes_name"),
        ["systemd", "systemd", "python3", "systemd"]
    );
}

#[test]
fn map_builds_a_table_in_literal_order() {
    let t = table(r#"processes().map(|p| #{ who: p.user, pid: p.pid, big: p.pid > 100 })"#);
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["who", "pid", "big"]);
    assert_eq!(t.cell(4, 1), Value::Int(400));
    assert_eq!(t.cell(4, 2), Value::Bool(true));
    // A single value per row gives one line per row (see map_giving_a_single_value...).
    assert_eq!(text("processes().map(|p| p.pid)"), "1\n100\n200\n300\n400");
    // Statements may come before the map literal; its key order still holds.
    let t = table(
        r#"processes().map(|p| { let kind = if p.uid == 0 { "system" } else { "user" }; #{ zeta: kind, alpha: p.pid } })"#,
    );
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["zeta", "alpha"]);
    assert_eq!(col(&t, "zeta")[..3], ["system", "system", "user"]);
}

#[test]
fn loops_output_and_conversions() {
    assert_eq!(
        text("let n = 0; for p in processes() { n += p.pid } n"),
        "1001"
    );
    let json = text(r#"processes().where(|p| p.pid == 1).select(["pid", "name"]).to_json()"#);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v, serde_json::json!([{"pid": 1, "name": "systemd"}]));
    assert_eq!(
        text(r#"processes().select(["pid", "name"]).limit(1).to_csv()"#),
        "pid,name\n1,systemd"
    );
    assert!(text("processes().limit(1).to_string()").contains("systemd"));
    assert!(matches!(
        eval_with("processes().limit(1).show()", &[], true),
        Ok(Output::Nothing)
    ));
}

#[test]
fn results_of_every_kind() {
    match eval_with(r#"[1, "a", ip("::1"), ()]"#, &[], true).unwrap() {
        Output::Value { json, text } => {
            assert_eq!(json, serde_json::json!([1, "a", "::1", null]));
            assert_eq!(text, "1\na\n::1\n\n");
        }
        o => panic!("{o:?}"),
    }
    let t = table(r#"[#{a: 1}, #{b: "x"}]"#);
    assert_eq!(t.width(), 2);
    let t = table(r#"sockets().first()"#);
    assert_eq!(t.len(), 1);
    let t = table(r#"#{x: 1, y: 2.5}"#);
    assert_eq!(t.row(0), &[Value::Int(1), Value::Float(2.5)]);
    assert!(matches!(
        eval_with("let x = 1;", &[], true),
        Ok(Output::Nothing)
    ));
}

#[test]
fn helpers() {
    assert_eq!(text("hostname()"), "fixture-host");
    assert!(text("now()").parse::<i64>().unwrap() > 1_700_000_000);
    assert_eq!(text(r#"sysctl("net.core.somaxconn") * 2"#), "8192");
    assert_eq!(
        text(r#"sysctl("net.ipv4.tcp_rmem")"#),
        "4096\t131072\t6291456"
    );
    assert_eq!(text(r#"type_of(sysctl("net.no.such"))"#), "()");
    // The path form finds the same key in a snapshot as on a live system.
    assert_eq!(text(r#"sysctl("net/ipv4/ip_forward")"#), "1");
    assert_eq!(text("sleep(0); sleep(0.01); 1"), "1");
    match eval_with("args", &["a", "-b"], true).unwrap() {
        Output::Value { json, .. } => assert_eq!(json, serde_json::json!(["a", "-b"])),
        o => panic!("{o:?}"),
    }
    let svc = text(r#"service(22, "tcp")"#);
    let etc = std::fs::read_to_string("/etc/services").unwrap_or_default();
    assert_eq!(svc, if etc.contains("22/tcp") { "ssh" } else { "" });
    assert_eq!(text(r#"type_of(service(65000, "tcp"))"#), "()");
    assert_eq!(text(r#"type_of(service((), "unix"))"#), "()");
}

#[test]
fn route_get_from_a_snapshot_says_so() {
    let r = |dst: &str, what: &str| text(&format!(r#"route_get("{dst}").{what}"#));
    assert_eq!(r("10.1.2.3", "gateway"), "192.168.1.2"); // 10/8 beats the default route
    assert_eq!(r("10.1.2.3", "dst"), "10.1.2.3");
    assert_eq!(r("8.8.8.8", "gateway"), "192.168.1.1"); // lowest metric default
    assert_eq!(r("192.168.1.77", "dev"), "eth0");
    assert_eq!(r("192.168.1.10", "type"), "local"); // local table first
    assert_eq!(r("127.0.0.1", "table_name"), "local");
    assert_eq!(r("2001:db8::1", "gateway"), "fe80::1");
    assert_eq!(r("8.8.8.8", "source"), "snapshot");
    // The fixture's rule 100 sends 10.9.0.0/16 to table 100, past main's 10.0.0.0/8.
    assert_eq!(r("10.9.1.1", "gateway"), "192.168.1.3");
    assert_eq!(r("10.9.1.1", "table"), "100");
    assert_eq!(r("10.9.1.1", "rule"), "100");
    assert_eq!(r("10.1.2.3", "rule"), "32766");
    // A local address is reached through the loopback device, as the kernel reports it.
    assert_eq!(r("192.168.1.10", "dev"), "lo");

    assert_eq!(text(r#"route_get(ip("8.8.8.8")).dev"#), "eth0");
    assert!(error(r#"route_get("nope")"#).contains("'nope' is not an IP address"));
}

#[test]
fn route_get_options_are_checked() {
    assert_eq!(
        text(r#"route_get("10.9.1.1", #{mark: 7, ipproto: "tcp", dport: 443, tos: 16}).gateway"#),
        "192.168.1.3"
    );
    assert_eq!(
        text(r#"route_get("10.9.1.1", #{from: "192.168.1.10"}).src"#),
        "192.168.1.10"
    );
    for (opts, want) in [
        (
            "#{port: 1}",
            "no option 'port'; options are: from, oif, mark, uid, ipproto, sport, dport, tos",
        ),
        (
            "#{mark: -1}",
            "option mark must be an integer from 0 to 4294967295, not -1",
        ),
        (
            "#{dport: 70000}",
            "option dport must be a port from 0 to 65535",
        ),
        (
            r#"#{ipproto: "tcpx"}"#,
            "option ipproto must be tcp, udp or icmp (6, 17, 1) for an IPv4 destination",
        ),
        (
            r#"#{ipproto: "sctp"}"#,
            "option ipproto must be tcp, udp or icmp",
        ),
        ("#{ipproto: 58}", "option ipproto must be tcp, udp or icmp"),
        ("#{from: ()}", "option from must be an IP address, not ()"),
        (
            r#"#{from: "2001:db8::1"}"#,
            "option from must be an address of the destination's family",
        ),
        (r#"#{from: "nope"}"#, "option from must be an IP address"),
        ("#{oif: 3}", "option oif must be a device name"),
    ] {
        let e = error(&format!(r#"route_get("10.9.1.1", {opts})"#));
        assert!(e.contains(want), "{opts}: {e}");
    }
}

#[test]
fn numeric_arguments_with_defaults_and_usage_errors() {
    let value = |src: &str, args: &[&str]| match eval_with(src, args, true) {
        Ok(Output::Value { json, .. }) => json,
        o => panic!("{src} {args:?}: {o:?}"),
    };
    assert_eq!(value("args.int_arg(0, 10)", &[]), serde_json::json!(10));
    assert_eq!(value("args.int_arg(0, 10)", &["3"]), serde_json::json!(3));
    assert_eq!(
        value("args.int_arg(1)", &["a", " 7 "]),
        serde_json::json!(7)
    );
    assert_eq!(value("args.float_arg(0, 1.5)", &[]), serde_json::json!(1.5));
    assert_eq!(value("args.float_arg(0)", &["20"]), serde_json::json!(20.0));
    let usage = |src: &str, args: &[&str]| match eval_with(src, args, true) {
        Err(Error::Script { message, code: 2 }) => message,
        o => panic!("{src} {args:?}: {o:?}"),
    };
    assert_eq!(
        usage("args.int_arg(0, 10)", &["ten"]),
        "argument 1: 'ten' is not an integer"
    );
    assert_eq!(
        usage("args.float_arg(1)", &["1"]),
        "argument 2 is missing: a number is expected"
    );
    assert_eq!(
        usage("try { args.int_arg(0) } catch { 0 }", &[]),
        "argument 1 is missing: an integer is expected"
    );
}

#[test]
fn fail_and_exit_with() {
    match eval_with(r#"fail("3 sockets in CLOSE-WAIT")"#, &[], true) {
        Err(Error::Script { message, code }) => {
            assert_eq!((message.as_str(), code), ("3 sockets in CLOSE-WAIT", 1))
        }
        o => panic!("{o:?}"),
    }
    match eval_with(r#"try { exit_with(2, "CRITICAL") } catch { 0 }"#, &[], true) {
        Ok(Output::Exit { code, message }) => assert_eq!((code, message.as_str()), (2, "CRITICAL")),
        o => panic!("{o:?}"),
    }
    assert!(
        error("exit_with(300, \"x\")").contains("exit_with: the status must be 0 to 255, got 300")
    );
    assert!(error("exit(1)").contains("exit() does not set the exit status: use exit_with"));
}

#[test]
fn errors_point_at_the_line_and_column() {
    let e = error("let t = sockets();\nt.where(|s| s.stat == \"LISTEN\")");
    assert_eq!(
        e,
        "<test>:2:14: no column 'stat' in sockets; did you mean 'state'?\n  |\n2 | t.where(|s| s.stat == \"LISTEN\")\n  |              ^"
    );
    let e = error("sockets().where(|s| s.state ==)");
    assert!(e.starts_with("<test>:1:31: "), "{e}");
    assert!(
        e.ends_with("\n1 | sockets().where(|s| s.state ==)\n  |                               ^"),
        "{e}"
    );
    assert!(error("sockts()").contains("no table or function 'sockts'; did you mean 'sockets'?"));
    assert!(
        error(r#"sockets().select(["proto", "stat"])"#)
            .contains("no column 'stat' in sockets; did you mean 'state'?")
    );
    assert!(
        error(r#"sockets().where(|s| s.local_port)"#)
            .contains("where: the condition must give true or false, not int")
    );
    assert!(error("sockets().limit(-1)").contains("limit: the row count must not be negative"));
    assert!(error("sockets()[99]").contains("row index 99 out of range: sockets has 10 rows"));
    assert!(
        error(r#"sockets().group_by("proto").sum("state")"#)
            .contains("holds str values, not numbers")
    );
}

#[test]
fn sandbox_refuses_files_eval_import_and_runaways() {
    assert!(
        error(r#"open("/etc/passwd")"#)
            .contains("no function 'open': scripts cannot read files or run programs")
    );
    assert!(error(r#"eval("1")"#).contains("eval is disabled"));
    assert!(error(r#"import "/tmp/x" as x;"#).contains("import is not allowed"));
    assert!(error("loop { }").contains("stopped after 50000000 operations (the limit)"));
    let memory = "stopped after using more than 512 MiB of memory (the limit)";
    for runaway in [
        r#"let s = "xxxxxxxx"; loop { s += s; }"#,
        "let a = [1]; loop { a += a; }",
        r#"let s = "y"; for i in 0..12 { s += s; } let a = []; loop { a.push(s + "x"); }"#,
    ] {
        assert!(error(runaway).contains(memory), "{runaway}");
    }
    // A big map stays allowed (the old limit was 100,000 entries).
    assert!(
        error("let m = #{}; for i in 0..200000 { m[`k${i}`] = i; } m.len() + nosuch")
            .contains("unknown variable 'nosuch'")
    );
    assert!(
        error("fn f(n) { f(n + 1) } f(0)").contains("call depth limit reached (64 nested calls)")
    );
}

#[test]
fn unknown_functions_and_methods_suggest_the_closest_name() {
    let e = error(r#"sockets().wher(|s| s.state == "LISTEN")"#);
    assert!(
        e.contains("no function wher (Table, closure); did you mean 'where'?"),
        "{e}"
    );
    let e = error("sockets().cuont()");
    assert!(e.contains("did you mean 'count'?"), "{e}");
    let e = error("let x = 1; x.zzzzzzzz()");
    assert!(!e.contains("did you mean"), "{e}");
    let e = error(r#"sockets().select(["proto", "proto"])"#);
    assert!(e.contains("select: column 'proto' is named twice"), "{e}");
}

#[test]
fn shebang_lines_are_ignored() {
    assert_eq!(text("#!/usr/bin/env netpry\n1 + 1"), "2");
    let e = error("#!/usr/bin/env netpry\nnope");
    assert!(e.starts_with("<test>:2:1: unknown variable 'nope'"), "{e}");
}

fn api_pages() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/api");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("book/src/api")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    pages.sort();
    pages
}

/// Every ```rhai example in the book's API pages runs on the fixture without an error (a
/// deliberate `fail` or `exit_with` counts as running).
#[test]
fn book_examples_run() {
    for (page, text) in api_pages() {
        for (i, block) in text.split("```rhai\n").skip(1).enumerate() {
            let src = block.split("```").next().unwrap_or("");
            match eval_with(src, &[], true) {
                Ok(_) => {}
                Err(Error::Script { message, .. }) if !message.contains("<test>") => {}
                Err(e) => panic!("{page} example {}: {src}\n{e}", i + 1),
            }
        }
    }
}

/// Every function the API registers has a heading or mention in backticks in the book's API
/// pages, with an example on the same page.
#[test]
fn book_documents_every_function() {
    let names = registered_names();
    let book: String = api_pages().into_iter().map(|(_, t)| t).collect();
    let internal = ["to_debug"];
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !internal.contains(&n.as_str()))
        .filter(|n| !book.contains(&format!("`{n}(")) && !book.contains(&format!("`{n}`")))
        .collect();
    assert!(names.len() > 40, "{names:?}");
    assert!(missing.is_empty(), "not in book/src/api: {missing:?}");
}

/// `.help NAME` (read from the same pages) has an entry with a summary and an example for
/// every registered function and table.
#[test]
fn help_covers_every_function() {
    // `exit` only says to use exit_with.
    let internal = ["to_debug", "exit"];
    let entries = super::help::entries();
    let missing: Vec<String> = registered_names()
        .into_iter()
        .filter(|n| !internal.contains(&n.as_str()))
        .filter(|n| {
            !entries
                .iter()
                .any(|e| e.names.contains(n) && !e.summary.is_empty() && !e.example.is_empty())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no .help entry (a ### heading with an example in book/src/api): {missing:?}"
    );
}

/// The names the API registers (from the registering sources) and the table functions.
fn registered_names() -> std::collections::BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/script");
    let mut names = std::collections::BTreeSet::new();
    for file in [
        "api.rs",
        "agg.rs",
        "help.rs",
        "helpers.rs",
        "ip.rs",
        "regexp.rs",
        "nulls.rs",
    ] {
        let src = std::fs::read_to_string(dir.join(file)).unwrap();
        for line in src.lines() {
            let t = line.trim_start();
            if !(t.contains("register_fn(\"") || (t.starts_with("for ") && t.contains(" in ["))) {
                continue;
            }
            for part in t.split('"').skip(1).step_by(2) {
                if part.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !part.is_empty() {
                    names.insert(part.to_string());
                }
            }
        }
    }
    for def in crate::tables::TABLES {
        names.insert(def.name.to_string());
    }
    names
}

#[test]
fn damaged_scripts_compile_or_fail_with_a_clean_report() {
    // The saved scripts, damaged: compiling, finding closures, planning the socket
    // collection and rendering the error excerpt must never panic.
    let ctx = Rc::new(super::context::Ctx::new(
        fixture(),
        "",
        RenderOpts::default(),
    ));
    let engine = super::engine::build(&ctx);
    let sources: Vec<String> = crate::script::saved::builtin()
        .into_values()
        .map(|s| s.source)
        .collect();
    let inputs: Vec<&[u8]> = sources.iter().map(|s| s.as_bytes()).collect();
    let mut failures = 0;
    crate::mutate::each_variant(&inputs, 150, 900, |bytes| {
        let src = String::from_utf8_lossy(bytes);
        match engine.compile(&*src) {
            Ok(ast) => {
                let closures = super::closure::closures(&ast);
                let _ = super::plan::sockets_plan(&ast, &closures);
            }
            Err(e) => {
                failures += 1;
                let report = super::diag::report("<fuzz>", &src, &rhai::EvalAltResult::from(e));
                assert!(report.starts_with("<fuzz>:"), "{report}");
            }
        }
    });
    assert!(
        failures > 100,
        "the damage should break some scripts: {failures}"
    );
}

#[test]
fn names_people_try_first_get_the_netpry_word() {
    for (src, want) in [
        (
            "sockets().head(3)",
            "no function head (Table, int): to keep the first rows, use limit(n)",
        ),
        ("sockets().take(3)", "use limit(n)"),
        (
            "sockets().filter(|s| s.pid == 1)",
            "no function filter (Table, closure): to keep the rows a closure accepts, use where(|r| ...)",
        ),
        (
            "sockets().order_by(\"pid\")",
            "no function order_by (Table, string): to order rows use sort(\"col\")",
        ),
        (
            "sockets().groupby(\"pid\")",
            "use group_by(\"col\").count()",
        ),
        (
            "let x = (); x.foo(1.5, true)",
            "no function foo (null, float, bool)",
        ),
    ] {
        let e = error(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn select_takes_several_names_and_comma_separated_lists() {
    for src in [
        r#"sockets().select(["proto", "local_port"])"#,
        r#"sockets().select("proto", "local_port")"#,
        r#"sockets().select("proto, local_port")"#,
        r#"sockets().select("proto,local_port,")"#,
    ] {
        let t = table(src);
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["proto", "local_port"], "{src}");
    }
    let t = table(r#"sockets().select("proto", "state", "local_port", "pid", "process")"#);
    assert_eq!(t.width(), 5);
}

#[test]
fn string_and_address_methods_on_null_are_false_or_null_not_errors() {
    // Block bodies run through Rhai, not the compiled predicates: both paths must agree.
    let owned = text(r#"sockets().where(|s| s.process != ()).count()"#);
    for src in [
        r#"sockets().where(|s| { let p = s.process; p.contains("") }).count()"#,
        r#"sockets().where(|s| { let p = s.process; p.starts_with("") }).count()"#,
        r#"sockets().where(|s| { let p = s.process; p.to_upper() != () }).count()"#,
        r#"sockets().where(|s| s.process.len() > 0).count()"#,
    ] {
        assert_eq!(text(src), owned, "{src}");
    }
    let with_remote = text(r#"sockets().where(|s| s.remote_addr != ()).count()"#);
    let src =
        r#"sockets().where(|s| { let a = s.remote_addr; !a.is_loopback() && a != () }).count()"#;
    assert!(text(src).parse::<i64>().unwrap() <= with_remote.parse::<i64>().unwrap());
    assert!(matches!(
        eval_with("let x = (); x.trim()", &[], true),
        Ok(Output::Nothing)
    ));
}

#[test]
fn whole_table_and_array_aggregates() {
    assert_eq!(
        text(r#"sockets().sum("local_port")"#),
        text(r#"sockets().column("local_port").sum()"#)
    );
    assert_eq!(
        text(r#"sockets().max("local_port")"#),
        text(r#"sockets().column("local_port").max()"#)
    );
    assert_eq!(
        text(r#"sockets().min("pid")"#),
        text(r#"sockets().column("pid").min()"#)
    );
    let n: f64 = text(r#"sockets().where(|s| s.pid != ()).count()"#)
        .parse()
        .unwrap();
    let sum: f64 = text(r#"sockets().sum("pid")"#).parse().unwrap();
    let avg: f64 = text(r#"sockets().avg("pid")"#).parse().unwrap();
    assert!((avg - sum / n).abs() < 0.001, "{avg} vs {sum}/{n}");
    assert_eq!(text("[1, 2.5, ()].sum()"), "3.5");
    assert!(matches!(
        eval_with(r#"sockets().where(|s| false).sum("pid")"#, &[], true),
        Ok(Output::Nothing)
    ));
    assert!(error(r#"sockets().sum("state")"#).contains("holds str values, not numbers"));
    assert!(error(r#"["x"].sum()"#).contains("sum: x is not a number"));
}

#[test]
fn filters_that_can_never_match_are_errors_with_the_fix() {
    for (src, want) in [
        (
            r#"sockets().where(|s| s.state == "TIME-WAIT")"#,
            r#""TIME-WAIT" is not a value s.state ever holds; did you mean "TIME_WAIT"?"#,
        ),
        (
            r#"sockets().where(|s| s.state == "ESTAB")"#,
            r#"did you mean "ESTABLISHED"?"#,
        ),
        (
            r#"sockets().where(|s| s.state == "listen")"#,
            r#"did you mean "LISTEN"?"#,
        ),
        (
            r#"sockets().where(|s| s.state != "CLOSE-WAIT")"#,
            r#"did you mean "CLOSE_WAIT"?"#,
        ),
        (
            r#"sockets().where(|s| s.state in ["LISTEN", "UNCONN"])"#,
            r#"did you mean "CLOSE"?"#,
        ),
        (
            r#"sockets().where(|s| s.local_port == "8080")"#,
            "s.local_port is a number and \"8080\" is text, so they never compare equal: write 8080 without quotes, or convert text with parse_int(x)",
        ),
        (
            r#"routes().where(|r| r.dst == "default")"#,
            r#"to test a network write r.dst.within("0.0.0.0/0")"#,
        ),
        (
            r#"routes().where(|r| r.dst == "0.0.0.0/0")"#,
            "a default route is one with dst_len == 0",
        ),
        (
            r#"interfaces().where(|i| i.state == "up")"#,
            r#"did you mean "UP"?"#,
        ),
        (
            r#"sockets().where(|s| s.proto == "TCP" && s.local_port > 0)"#,
            r#"did you mean "tcp"?"#,
        ),
    ] {
        let e = error(src);
        assert!(
            e.contains(&format!("where: {want}")) || e.contains(want),
            "{src}: {e}"
        );
    }
    // A script argument is text: compared with a number column, it is caught at the call.
    match eval_with(
        "let p = args[0]; sockets().where(|s| s.local_port == p).count()",
        &["22"],
        true,
    ) {
        Err(Error::Script { message, .. }) => {
            assert!(message.contains("write 22 without quotes"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // Correct filters, numbers shown for unnamed values, and ordering tests pass untouched.
    for src in [
        r#"sockets().where(|s| s.state == "LISTEN" && s.local_port == 22).count()"#,
        r#"sockets().where(|s| s.remote_addr == "10.0.0.9").count()"#,
        r#"routes().where(|r| r.scope == "253").count()"#,
        r#"sockets().where(|s| s.state > "A").count()"#,
    ] {
        assert!(eval_with(src, &[], true).is_ok(), "{src}");
    }
}

#[test]
fn several_aggregates_per_group_in_literal_order() {
    let t = table(
        r#"sockets().group_by("state").agg(#{n: count(), queued: sum("recv_q"), slowest: max("rtt_ms"), mean: avg("send_q")})"#,
    );
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["state", "n", "queued", "slowest", "mean"]);
    // The same figures as one aggregate at a time.
    let n = table(r#"sockets().group_by("state").count()"#);
    assert_eq!(col(&t, "n"), col(&n, "count"));
    let mx = table(r#"sockets().group_by("state").max("rtt_ms")"#);
    assert_eq!(col(&t, "slowest"), col(&mx, "max_rtt_ms"));
    assert_eq!(col(&t, "state"), col(&n, "state"));
    // Whole table: one row.
    let w = table(r#"sockets().agg(#{z: count(), a: sum("recv_q")})"#);
    assert_eq!(w.len(), 1);
    assert_eq!(col(&w, "z"), [text("sockets().count()")]);
    assert_eq!(col(&w, "a"), [text(r#"sockets().sum("recv_q")"#)]);
    // Errors name the entry and the remedy, in script types.
    let e = error(r#"sockets().group_by("state").agg(#{n: 1})"#);
    assert!(
        e.contains("agg: 'n' must be an aggregate: count(), sum(\"col\")")
            && e.ends_with("not int")
            || e.contains("not int\n"),
        "{e}"
    );
    let e = error(r#"sockets().group_by("state").agg(#{n: sum("state")})"#);
    assert!(
        e.contains("sum: column 'state' of sockets holds str values, not numbers"),
        "{e}"
    );
    let e = error(r#"sockets().group_by("state").agg(#{n: avg("rtt")})"#);
    assert!(
        e.contains("no column 'rtt' in sockets; columns are:"),
        "{e}"
    );
}

#[test]
fn maps_and_arrays_of_maps_keep_the_written_key_order() {
    let t = table("[#{zeta: 1, alpha: 2}, #{zeta: 3, alpha: 4}]");
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["zeta", "alpha"]);
    let t = table("#{port: 22, addr: 1, b: 2}");
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["port", "addr", "b"]);
    // A map closure whose literal holds only constants.
    let t = table("sockets().limit(2).map(|s| #{zz: 1, aa: \"x\"})");
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["zz", "aa"]);
}

#[test]
fn run_time_errors_name_the_row_the_null_columns_and_script_types() {
    let e = error("sockets().where(|s| s.rtt_ms * 2 > 10)");
    assert!(
        e.starts_with(
            "<test>:1:30: row 1 of sockets: rtt_ms is null; no operator * (null, int): it does not \
             apply to these types; give a default with s.rtt_ms ?? 0 (or \"\"), or test \
             s.rtt_ms != () first"
        ),
        "{e}"
    );
    let e = error("sockets().map(|r| r.local_port + r.remote_port)");
    assert!(
        e.contains(
            "row 10 of sockets: local_port, remote_port are null; no operator + (null, null)"
        ),
        "{e}"
    );
    // Not about nulls: the row is still named.
    let e = error(r#"sockets().where(|s| s.state - 1 > 2)"#);
    assert!(
        e.contains("row 1 of sockets: no operator - (string, int)"),
        "{e}"
    );
    let e = error("sockets().where(|s| s.local_port)");
    assert!(
        e.contains("where: the condition must give true or false, not int (row 1 of sockets)"),
        "{e}"
    );
    // The issue's failure: a string method on a null owner is false, not an error.
    let t = table(r#"sockets().where(|s| s.process.contains("pyth"))"#);
    assert_eq!(col(&t, "process"), ["python3"]);
}

#[test]
fn map_giving_a_single_value_gives_one_line_per_row() {
    assert_eq!(
        text("sockets().limit(3).map(|s| `${s.proto} ${s.local_port}`)"),
        "tcp 22\ntcp 22\ntcp 8080"
    );
    assert_eq!(text("sockets().limit(2).map(|s| s.local_port)"), "22\n22");
    let e = error("sockets().map(|s| if s.local_port == 22 { #{a: 1} } else { 2 })");
    assert!(
        e.contains("map: the function gave an object map for some rows and a single value"),
        "{e}"
    );
}

#[test]
fn rows_and_arrays_take_table_methods() {
    // The issue's failure: select on route_get's row, as the truncation footer advises.
    let t = table(r#"route_get("1.1.1.1").select(["dst", "dev"])"#);
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["dst", "dev"]);
    assert_eq!(col(&t, "dst"), ["1.1.1.1"]);
    let t = table(r#"processes().sort("pid").first().where(|p| p.pid > 0).select("pid, name")"#);
    assert_eq!(t.len(), 1);
    let t = table(r#"processes().sort("pid").first().where(|p| p.pid < 0)"#);
    assert_eq!(t.len(), 0);
    let t = table(r#"[#{name: "web", port: 443}, #{name: "ssh", port: 22}].sort("port")"#);
    assert_eq!(col(&t, "name"), ["ssh", "web"]);
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["name", "port"]);
    let t = table(r#"[#{a: 1}, #{a: 2}, #{a: 3}].sort_desc(["a"]).limit(2).where(|r| r.a > 2)"#);
    assert_eq!(col(&t, "a"), ["3"]);
    let t = table(
        r#"let a = []; for s in sockets() { a.push(s) }; a.limit(2).select(["proto", "state"])"#,
    );
    assert_eq!(t.len(), 2);
    assert_eq!(t.name(), "sockets");
    let t = table(r#"#{b: 1, a: 2, c: 3}.select(["c", "b"])"#);
    assert_eq!(col(&t, "c"), ["3"]);
    let e = error("[1, 2].where(|x| x > 1)");
    assert!(
        e.contains("where: this array holds int values, not rows or object maps"),
        "{e}"
    );
    let e = error(r#"route_get("1.1.1.1").select(["dts"])"#);
    assert!(e.contains("no column 'dts'"), "{e}");
}
