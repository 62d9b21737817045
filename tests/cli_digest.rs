//! `kam digest` (issue 12 part 7): today's agenda with key dates, yesterday's
//! tier moves, overdue money and open complaints, as text and Markdown.
//! Real binary and database, a fixed KAM_TODAY, through the team server and
//! with `--no-server` (the same bytes), snapshots of both formats.

mod server_common;

use server_common::*;
use std::process::Stdio;

fn run_on(t: &TestDb, local: bool, day: &str, args: &[&str]) -> String {
    let mut c = kam(&t.db);
    if local {
        c.env("KAM_NO_SERVER", "1");
    }
    let out = c
        .env("KAM_TODAY", day)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kam {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// ACME's tier moves on 2026-11-23 (a large order, already overdue),
/// INITECH has a complaint, ACME a renewal coming; the digest is of 11-24.
fn digests(local: bool) -> (String, String, String) {
    let t = setup(local);
    let on = |day: &str, args: &[&str]| run_on(&t, local, day, args);
    let text = on("2026-11-24", &["digest", "--for", "ann"]);
    let md = on(
        "2026-11-24",
        &["digest", "--for", "ann", "--format", "markdown"],
    );
    let all = on("2026-11-24", &["digest", "--for", "all"]);
    (text, md, all)
}

fn setup(local: bool) -> TestDb {
    let t = TestDb::new();
    let csv = t.dir.path().join("accounts.csv");
    std::fs::write(
        &csv,
        "key,name,owner\nACME,Acme Corp,ann\nGLOBEX,Globex,bob\nINITECH,Initech | *Labs*,ann\n",
    )
    .unwrap();
    let on = |day: &str, args: &[&str]| run_on(&t, local, day, args);
    on("2026-11-22", &["import", "accounts", csv.to_str().unwrap()]);
    for key in ["ACME", "GLOBEX", "INITECH"] {
        on("2026-11-22", &["note", key, "-m", "kick-off"]);
    }
    on(
        "2026-11-23",
        &["order", "ACME", "50000", "--due", "2026-11-10", "-m", "big"],
    );
    on(
        "2026-11-23",
        &["complaint", "INITECH", "-m", "late `delivery` | again"],
    );
    on(
        "2026-11-24",
        &[
            "keydate",
            "add",
            "ACME",
            "--kind",
            "renewal",
            "--on",
            "2026-12-31",
            "-m",
            "frame contract",
        ],
    );
    t
}

#[test]
fn the_digest_shows_agenda_key_dates_moves_overdue_money_and_complaints() {
    let (text, md, all) = digests(true);
    assert!(text.contains("Development → Key"), "{text}");
    assert!(text.contains("contract renewal 2026-12-31"), "{text}");
    assert!(
        text.contains("Overdue money — 50,000.00 in 1 account"),
        "{text}"
    );
    assert!(text.contains("Open complaints — 1 in 1 account"), "{text}");
    // bob's GLOBEX only in everyone's digest
    assert!(!text.contains("GLOBEX") && all.contains("GLOBEX"), "{all}");
    // user text cannot break the Markdown table
    assert!(md.contains("Initech \\| \\*Labs\\*"), "{md}");
    insta::assert_snapshot!("digest_text", text);
    insta::assert_snapshot!("digest_markdown", md);
    // Through the team server: the same bytes.
    assert_eq!(digests(false), (text, md, all));
}

/// `kam digest --json`: fixed field names, money as strings with two
/// decimals, dates YYYY-MM-DD; the same document through the server.
#[test]
fn the_digest_as_json_has_fixed_fields_and_exact_money() {
    let json = |local: bool| {
        let t = setup(local);
        let out = run_on(
            &t,
            local,
            "2026-11-24",
            &["digest", "--for", "ann", "--json"],
        );
        let same = run_on(
            &t,
            local,
            "2026-11-24",
            &["digest", "--for", "ann", "--format", "json"],
        );
        assert_eq!(out, same, "--json is --format json");
        out
    };
    let local = json(true);
    let v: serde_json::Value = serde_json::from_str(&local).unwrap();
    assert_eq!(v["day"], "2026-11-24");
    assert_eq!(v["user"], "ann");
    let agenda = v["agenda"].as_array().unwrap();
    let renewal = agenda
        .iter()
        .find(|i| i["kind"] == "key_date")
        .unwrap_or_else(|| panic!("{local}"));
    assert_eq!(renewal["key"], "ACME");
    assert_eq!(renewal["due"], "2026-12-31");
    assert!(
        renewal["text"]
            .as_str()
            .unwrap()
            .starts_with("contract renewal 2026-12-31"),
        "{renewal}"
    );
    for field in ["name", "flag", "days_late", "tier", "follow_up"] {
        assert!(renewal.get(field).is_some(), "agenda item lacks {field}");
    }
    assert_eq!(v["tier_moves"]["on"], "2026-11-23");
    let moves = v["tier_moves"]["accounts"].as_array().unwrap();
    assert_eq!(moves.len(), 2, "{local}");
    let acme = moves.iter().find(|m| m["key"] == "ACME").unwrap();
    assert_eq!(acme["name"], "Acme Corp");
    assert_eq!(acme["from"], "Development");
    assert_eq!(acme["to"], "Key");
    assert_eq!(v["overdue"]["total"], "50000.00");
    let overdue = &v["overdue"]["accounts"][0];
    assert_eq!(overdue["key"], "ACME");
    assert_eq!(overdue["amount"], "50000.00");
    assert_eq!(overdue["days"], 14);
    assert!(overdue["tier"].is_string());
    assert_eq!(v["complaints"]["open"], 1);
    let c = &v["complaints"]["accounts"][0];
    assert_eq!(c["key"], "INITECH");
    assert_eq!(c["name"], "Initech | *Labs*");
    assert_eq!(c["open"], 1);
    assert!(c["oldest_hours"].is_i64());
    assert!(
        !local.contains("GLOBEX"),
        "bob's account is not in ann's digest"
    );
    // Through the team server: the same document.
    assert_eq!(json(false), local);
}
