//! `kam explain` and `kam log` fit the terminal like the tables: lines cut
//! with "…" at `$COLUMNS`, whole when piped without it; amounts in agenda
//! sentences grouped in text, never in JSON. Snapshots at 80 and 200.

mod server_common;

use server_common::*;
use std::path::Path;

fn width(s: &str) -> usize {
    kam::domain::text::width(s)
}

/// A command's text at `columns`, through the server or in-process.
fn at(db: &Path, columns: Option<&str>, no_server: bool, args: &[&str]) -> String {
    let mut c = kam(db);
    match columns {
        Some(n) => c.env("COLUMNS", n),
        None => c.env_remove("COLUMNS"),
    };
    if no_server {
        c.arg("--no-server");
    }
    let out = c.env("NO_COLOR", "1").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The log holds the wall-clock time and the OS user: masked.
fn masked(log: &str) -> String {
    let mut user = String::new();
    log.lines()
        .map(|l| {
            let parts: Vec<&str> = l.splitn(5, ' ').collect();
            if l.starts_with('#') && parts.len() >= 5 {
                user = parts[3].to_string();
                format!("{} YYYY-MM-DD HH:MM:SSZ <user> {}", parts[0], parts[4])
            } else if !user.is_empty() && l.ends_with(&format!("→ {user}")) {
                l.replace(&format!("→ {user}"), "→ <user>")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn explain_and_log_fit_80_and_200_columns() {
    let t = TestDb::new();
    ok(&t.db, &["demo", "--accounts", "14", "--seed", "7"]);
    let long = "Called the purchasing director about the framework agreement renewal; \
                they want the new price list, the delivery schedule for the second half \
                and a visit from the plant manager before signing";
    ok(&t.db, &["note", "HJH-0009", "-m", long]);
    ok(&t.db, &["touch", "ORC-0004", "--kind", "visit", "-m", long]);
    // A change line with both values (a CJK name before) is wider than 80.
    ok(
        &t.db,
        &[
            "account",
            "set",
            "HJH-0009",
            "name=North China Jiahe Chemical Technology Company Limited (Hebei)",
        ],
    );
    for no_server in [false, true] {
        if no_server {
            // sled allows one process: the server goes first.
            ok(&t.db, &["server", "stop"]);
        }
        let x80 = at(&t.db, Some("80"), no_server, &["explain", "HJH-0009"]);
        let x200 = at(&t.db, Some("200"), no_server, &["explain", "HJH-0009"]);
        let l80 = masked(&at(&t.db, Some("80"), no_server, &["log", "--limit", "3"]));
        let l200 = masked(&at(&t.db, Some("200"), no_server, &["log", "--limit", "3"]));
        for (name, text) in [("explain", &x80), ("log", &l80)] {
            for line in text.lines() {
                assert!(width(line) <= 80, "{name} at 80: {line}");
            }
        }
        assert!(l80.contains('…'), "the long note is cut at 80:\n{l80}");
        assert!(x80.contains("21,028,916.70"), "raw amounts grouped:\n{x80}");
        if no_server {
            // The same text in-process and through the server.
            continue;
        }
        insta::assert_snapshot!("explain_80", x80);
        insta::assert_snapshot!("explain_200", x200);
        insta::assert_snapshot!("log_80", l80);
        insta::assert_snapshot!("log_200", l200);
    }
    // Piped without COLUMNS: whole lines for scripts.
    let whole = at(&t.db, None, true, &["log", "--limit", "3"]);
    assert!(whole.lines().any(|l| width(l) > 80), "{whole}");
    // Agenda: grouped in text, plain in JSON.
    let text = at(&t.db, None, true, &["agenda", "--owner", "all"]);
    assert!(text.contains("overdue receivables 2,302,484.02"), "{text}");
    let json = at(&t.db, None, true, &["agenda", "--owner", "all", "--json"]);
    assert!(json.contains("overdue receivables 2302484.02"), "{json}");
}
