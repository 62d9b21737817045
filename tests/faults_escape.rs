//! Fault campaign, hostile text: terminal escapes, bidi overrides and other
//! control characters put into every text field reach no output raw — CLI
//! text and JSON of segments, explain, agenda and log, the CSV and JSON
//! exports, and the TUI's screen.

mod tui_common;

use assert_cmd::Command;
use kam::domain::Account;
use std::path::Path;

/// Escapes, an OSC title, BEL, backspace, bidi overrides and isolates.
const HOSTILE: &str =
    "\u{1b}[31mRed\u{1b}]0;pwned\u{7} \u{202e}gnp.exe\u{2066}x\u{2069}\u{200f}\u{8}\u{61c}";

/// Characters that must never reach a terminal or a file raw.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn assert_clean(what: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
        let from = text[..i].char_indices().rev().nth(20).map_or(0, |(j, _)| j);
        panic!("{what}: raw {c:?} at {i}, after {:?}", &text[from..i]);
    }
}

fn kam(db: &Path) -> Command {
    let mut c = Command::cargo_bin("kam").unwrap();
    c.env("KAM_DB", db)
        .env("KAM_TODAY", "2026-11-24")
        .env("KAM_NO_SERVER", "1")
        .env("USER", "ann");
    c
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn stdout(db: &Path, args: &[&str]) -> String {
    let out = kam(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "kam {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn escapes_and_bidi_reach_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let h = csv_field(HOSTILE);
    let text_cols = [
        "industry",
        "region",
        "tags",
        "background",
        "finance",
        "organisation",
        "competitors",
        "suppliers",
        "downstream",
        "plans",
        "needs",
    ];
    let accounts = format!(
        "key,name,owner,backup_owner,{}\nEVIL,{h},ann,{h},{}\n",
        text_cols.join(","),
        vec![h.as_str(); text_cols.len()].join(",")
    );
    let contacts = format!("account,name,title,role,email,phone\nEVIL,{h},{h},other,{h},{h}\n");
    let interactions =
        format!("account,kind,at,summary,author\nEVIL,note,2026-11-20T10:00:00Z,{h},{h}\n");
    for (kind, body) in [
        ("accounts", accounts),
        ("contacts", contacts),
        ("interactions", interactions),
    ] {
        let f = tmp.path().join(format!("{kind}.csv"));
        std::fs::write(&f, body).unwrap();
        let out = stdout(&db, &["import", kind, f.to_str().unwrap()]);
        assert_clean(&format!("import {kind}"), &out);
    }
    stdout(&db, &["pin", "EVIL", "Key", "--reason", HOSTILE]);
    let mut outputs = 0;
    for args in [
        &["segments"][..],
        &["segments", "--json"],
        &["explain", "EVIL"],
        &["explain", "EVIL", "--json"],
        &["agenda", "--owner", "all"],
        &["agenda", "--owner", "all", "--json"],
        &["log"],
        &["log", "--json"],
        &["log", "EVIL"],
        &["matrix"],
        &["export", "accounts"],
        &["export", "contacts"],
        &["export", "interactions"],
        &["export", "accounts", "--format", "json"],
        &["export", "contacts", "--format", "json"],
        &["export", "interactions", "--format", "json"],
    ] {
        let out = stdout(&db, args);
        assert_clean(&format!("kam {args:?}"), &out);
        outputs += 1;
    }
    // The text did get in (cleaned), so the outputs above showed it.
    let exported = stdout(&db, &["export", "accounts"]);
    assert!(exported.contains("gnp.exe"), "{exported}");
    assert_eq!(outputs, 16);
}

#[test]
fn escapes_and_bidi_reach_no_tui_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tui_common::book(tmp.path()).store().clone();
    let mut a = Account {
        key: "EVIL".into(),
        name: HOSTILE.into(),
        owner: tui_common::USER.into(),
        ..Default::default()
    };
    a.tags = vec![HOSTILE.into()];
    store.insert_account(a).unwrap();
    let clock = kam::clock::Clock::fixed(tui_common::today());
    let mut book = kam::book::Book::open(store, clock, tui_common::USER).unwrap();
    let mut app = kam::tui::App::new(&mut book, &tui_common::opts());
    let screen = tui_common::screen(&mut app, 160, 40);
    assert!(screen.contains("gnp.exe"), "{screen}");
    assert_clean("TUI", &screen);
}
