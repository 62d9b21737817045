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
    let text = on("2026-11-24", &["digest", "--for", "ann"]);
    let md = on(
        "2026-11-24",
        &["digest", "--for", "ann", "--format", "markdown"],
    );
    let all = on("2026-11-24", &["digest", "--for", "all"]);
    (text, md, all)
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
