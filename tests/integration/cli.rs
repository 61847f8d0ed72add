//! Command-line behaviour: listing tables and schemas, formats, usage errors and exit codes.

use crate::support::{netpry, run};

#[test]
fn tables_lists_every_registered_table() {
    let (code, out, _) = run(&["tables", "--format", "csv"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sockets",
            "processes",
            "interfaces",
            "addresses",
            "if_inet6",
            "routes",
            "route_nexthops",
            "ipv6_route",
            "rules",
            "neighbours",
            "multicast",
            "stats",
            "dev_snmp6",
            "slabs",
            "sysctls",
            "conntrack",
            "conntrack_stats",
            "name_files",
            "netns"
        ]
    );
}

#[test]
fn schema_shows_types_and_descriptions() {
    let (code, out, _) = run(&["schema", "interfaces", "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(out.contains("mtu,int,"), "{out}");
    assert!(out.contains("rx_bytes,int,Bytes received"), "{out}");
}

#[test]
fn unknown_table_and_column_are_usage_errors() {
    let (code, _, err) = run(&["table", "sockts"]);
    assert_eq!(code, 2);
    assert!(err.contains("no table 'sockts'"), "{err}");
    assert!(
        err.trim_end().ends_with("; did you mean 'sockets'?"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // Nothing close: the list of tables, no guess.
    let (code, _, err) = run(&["table", "zzzzzzzz"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("tables are: sockets, processes") && !err.contains("did you mean"),
        "{err}"
    );
    let (code, _, err) = run(&["table", "interfaces", "-c", "nme"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no column 'nme' in interfaces; did you mean 'name'?"),
        "{err}"
    );
    let (code, _, _) = run(&["--bogus"]);
    assert_eq!(code, 2);
}

#[test]
fn json_output_parses_and_keeps_types() {
    let (code, out, err) = run(&["table", "interfaces", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let lo = rows
        .iter()
        .find(|r| r["name"] == "lo")
        .expect("lo is always there");
    assert!(lo["mtu"].is_i64());
    assert!(lo["index"].is_i64());
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    use std::process::Stdio;
    let mut child = netpry()
        .args(["table", "interfaces", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Display width of a line (box drawing and `…` are one column each; the rest is ASCII here).
fn line_width(l: &str) -> usize {
    l.chars().count()
}

#[test]
fn wide_tables_are_fitted_to_the_width_without_losing_their_content() {
    for args in [&["table", "sockets"][..], &["-e", "sockets()"][..]] {
        for w in [40usize, 80, 200] {
            let ws = w.to_string();
            let mut argv = vec!["--width", ws.as_str()];
            argv.extend_from_slice(args);
            let (code, out, err) = run(&argv);
            assert_eq!(code, 0, "{err}");
            assert!(
                out.lines().all(|l| line_width(l) <= w),
                "{args:?} at {w}:\n{out}"
            );
            let header = out.lines().nth(1).unwrap();
            // The default view, in ss order; columns keep at least their names.
            assert!(
                header.starts_with("│ proto │ state "),
                "{args:?} at {w}:\n{out}"
            );
            let last = out.lines().last().unwrap();
            assert!(
                last.starts_with("… ") && last.contains(" more columns"),
                "{args:?} at {w}:\n{out}"
            );
        }
    }
    // --all: every column on a terminal too, fitted by leaving out whole columns.
    let (_, out, _) = run(&["--width", "200", "--all", "table", "sockets"]);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("│ proto │ family │ state "),
        "{out}"
    );
    // No limit: every column, no note.
    let (_, out, _) = run(&["--width", "0", "table", "sockets"]);
    assert!(out.lines().nth(1).unwrap().ends_with(" netns │"), "{out}");
    assert!(!out.contains("more column"), "{out}");
}

#[test]
fn a_process_name_cannot_send_escape_sequences_to_the_terminal() {
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new("sleep")
        .arg0("x\u{1b}]0;pwned\u{7}\tz")
        .arg("30")
        .spawn()
        .expect("sleep");
    let pid = child.id().to_string();
    let script = format!("processes().where(|r| r.pid == {pid}).select([\"pid\", \"argv0\"])");
    let table = run(&["--width", "80", "-e", &script]);
    let plain = run(&["--format", "plain", "-e", &script]);
    let json = run(&["--format", "json", "-e", &script]);
    let _ = child.kill();
    let _ = child.wait();
    for (code, out, err) in [&table, &plain] {
        assert_eq!(*code, 0, "{err}");
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("x\\x1b]0;pwned\\x07\\x09z"), "{out}");
    }
    assert_eq!(plain.1, format!("{pid}\tx\\x1b]0;pwned\\x07\\x09z\n"));
    // JSON keeps the value exact (escaped the JSON way).
    assert!(
        json.1.contains(r#""x\u001b]0;pwned\u0007\tz""#),
        "{}",
        json.1
    );
}

#[test]
fn a_bogus_netstat_style_is_named_and_linux_is_used() {
    let out = netpry()
        .args(["netstat", "-r", "-n"])
        .env("NETPRY_NETSTAT_STYLE", "bogus")
        .output()
        .expect("run netpry");
    let (code, stdout, stderr) = crate::support::decode(out);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "netpry: NETPRY_NETSTAT_STYLE=\"bogus\" is not a netstat style (valid: linux, bsd); using linux\n"
    );
    assert!(stdout.starts_with("Kernel IP routing table\n"), "{stdout}");
    // The valid values are silent.
    for style in ["linux", "BSD"] {
        let out = netpry()
            .args(["netstat", "-r", "-n"])
            .env("NETPRY_NETSTAT_STYLE", style)
            .output()
            .expect("run netpry");
        let (code, _, stderr) = crate::support::decode(out);
        assert_eq!((code, stderr.as_str()), (0, ""), "{style}");
    }
}

#[test]
fn bash_completion_offers_commands_tables_and_scripts() {
    let (code, script, err) = run(&["completions", "bash"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("netpry.bash");
    std::fs::write(&file, script).unwrap();
    // Complete `netpry <TAB>`, `netpry table <TAB>` and `netpry run pol<TAB>` as bash would.
    let probe = format!(
        r#"source {}
complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=(); _netpry netpry "${{COMP_WORDS[-1]}}" "${{COMP_WORDS[-2]}}"; echo "${{COMPREPLY[*]}}"; }}
complete_words netpry ""
complete_words netpry table ""
complete_words netpry run pol
"#,
        file.display()
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for word in ["table", "snapshot", "netstat", "run", "man", "completions"] {
        assert!(
            lines[0].split(' ').any(|w| w == word),
            "commands: {}",
            lines[0]
        );
    }
    let tables: Vec<&str> = lines[1].split(' ').collect();
    for t in ["sockets", "routes", "rules", "sysctls"] {
        assert!(tables.contains(&t), "tables: {}", lines[1]);
    }
    assert_eq!(lines[2], "policy-rules");
}

#[test]
fn the_man_page_renders_with_nroff() {
    let (code, page, err) = run(&["man"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let mut child = std::process::Command::new("nroff")
        .args(["-man", "-Tutf8", "-ww"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nroff (groff-base) is installed");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // Drop the overstrikes that make bold and underlined text on a terminal.
    let raw = String::from_utf8_lossy(&out.stdout);
    let mut text = String::new();
    for c in raw.chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "nroff warnings");
    for part in [
        "NAME",
        "SYNOPSIS",
        "COMMANDS",
        "TABLES",
        "SAVED SCRIPTS",
        "EXIT STATUS",
        "policy-rules",
        "rules",
    ] {
        assert!(text.contains(part), "rendered page lacks {part}");
    }
}

/// The cells of a drawn table: the header names and each row's cells, trimmed.
fn drawn_cells(out: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let split = |l: &str| -> Vec<String> {
        l.split('│')
            .skip(1)
            .map(|c| c.trim().to_string())
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, cells)| cells.to_vec())
            .unwrap_or_default()
    };
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('│')).collect();
    let Some((header, rows)) = lines.split_first() else {
        return (Vec::new(), Vec::new());
    };
    (split(header), rows.iter().map(|l| split(l)).collect())
}

/// Every table, live and from the fixture, on an 80- and a 130-column terminal: no line is
/// wider, and no address, number or name is cut: every shown cell of an address, number or
/// boolean column is the value JSON gives for that row (an `addr/len` cell of a default view
/// starts with the address), and only long text (over 40 characters) ever ends in `…`.
#[test]
fn every_table_at_80_and_130_columns_cuts_no_address_name_or_number() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/script.json");
    // This host's tables, saved once so that the text and JSON runs see the same rows.
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.json");
    let live = live.to_str().unwrap();
    let (code, _, err) = run(&["snapshot", "-o", live]);
    assert_eq!(code, 0, "{err}");
    let mut checked = 0;
    for source in [live, fixture] {
        for def in netpry::tables::TABLES {
            let base: Vec<&str> = vec!["--snapshot", source];
            let mut json_args = base.clone();
            json_args.extend(["table", def.name, "--format", "json"]);
            let (code, json, _) = run(&json_args);
            if code != 0 {
                continue; // not in the snapshot, or not on this kernel
            }
            let rows: Vec<serde_json::Map<String, serde_json::Value>> =
                serde_json::from_str(&json).expect("JSON output parses");
            for w in [80usize, 130] {
                let ws = w.to_string();
                let mut args = base.clone();
                args.extend(["--width", ws.as_str(), "table", def.name]);
                let (code, out, err) = run(&args);
                assert_eq!(code, 0, "{err}");
                let ctx = format!("{} at {w} ({source:?}):\n{out}", def.name);
                assert!(out.lines().all(|l| line_width(l) <= w), "{ctx}");
                let (header, cells) = drawn_cells(&out);
                assert_eq!(cells.len(), rows.len(), "{ctx}");
                for (r, row) in cells.iter().enumerate() {
                    for (name, cell) in header.iter().zip(row) {
                        let Some(v) = rows[r].get(name) else {
                            panic!("{ctx}: column {name} is not in the JSON output");
                        };
                        let exact = match v {
                            serde_json::Value::String(s) => {
                                if cell.ends_with('…') {
                                    assert!(s.chars().count() > 40, "{ctx}: {name} cut: {cell}");
                                }
                                None
                            }
                            // A name that is not UTF-8 ({"bytes": hex}): shown escaped.
                            serde_json::Value::Object(_) => {
                                assert!(!cell.ends_with('…'), "{ctx}: {name} cut: {cell}");
                                None
                            }
                            serde_json::Value::Null => Some(String::new()),
                            other => Some(other.to_string()),
                        };
                        if let Some(want) = exact {
                            let want_ip = want.trim_matches('"');
                            assert!(
                                cell == want_ip
                                    || (!want_ip.is_empty()
                                        && cell.starts_with(&format!("{want_ip}/"))),
                                "{ctx}: row {r} column {name}: shown {cell:?}, value {want}"
                            );
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked}");
}

/// A whole table on a terminal shows its default view; columns named with `-c` or `select`
/// are shown as named, however many; `--all` shows every column.
#[test]
fn default_views_give_way_to_named_columns_and_all() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/script.json");
    let header = |args: &[&str]| -> String {
        let mut argv = vec!["--snapshot", fixture, "--width", "400"];
        argv.extend_from_slice(args);
        let (code, out, err) = run(&argv);
        assert_eq!(code, 0, "{err}");
        out.lines().nth(1).unwrap_or("").to_string()
    };
    let many = "proto,family,state,recv_q,send_q,local_addr,local_port,remote_addr,remote_port,uid,user,inode,pid,process,rtt_ms";
    let want = format!("│ {} │", many.replace(',', " │ "));
    let squash = |h: String| h.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(squash(header(&["table", "sockets", "-c", many])), want);
    let quoted: Vec<String> = many.split(',').map(|c| format!("\"{c}\"")).collect();
    let script = format!("sockets().select([{}])", quoted.join(", "));
    assert_eq!(squash(header(&["-e", &script])), want);
    // The whole table: its view (ss order, no family column) ...
    let view = squash(header(&["table", "sockets"]));
    assert!(
        view.starts_with("│ proto │ state │ local_addr │ local_port │"),
        "{view}"
    );
    // ... and routes with dst/len in one cell.
    let (_, out, _) = run(&["--snapshot", fixture, "--width", "400", "table", "routes"]);
    assert!(out.contains("│ 10.0.0.0/8 "), "{out}");
    assert!(
        squash(header(&["table", "routes"]))
            .starts_with("│ dst │ gateway │ dev │ protocol │ metric │ table_name │")
    );
    // --all: every column.
    let all = squash(header(&["--all", "table", "sockets"]));
    assert!(all.starts_with("│ proto │ family │ state │"), "{all}");
    // JSON keeps every column whatever the width.
    let (_, out, _) = run(&[
        "--snapshot",
        fixture,
        "--width",
        "80",
        "table",
        "routes",
        "--format",
        "json",
    ]);
    assert!(
        out.contains("\"dst_len\":8") && out.contains("\"table\":254"),
        "{out}"
    );
}
