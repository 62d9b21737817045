//! `kam log` and `kam undo` in the real binary, on a database written by
//! several users (one in-process `Book` switching users, as the server does).

use assert_cmd::Command;
use chrono::{DateTime, NaiveDate};
use kam::book::Book;
use kam::clock::Clock;
use kam::domain::Account;
use kam::store::Store;
use std::path::Path;
use std::sync::Arc;

fn fill(db: &Path, me: &str) {
    let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let mut book = Book::open(Store::open(db).unwrap(), Clock::fixed(today), "ann").unwrap();
    book.set_wall_clock(Arc::new(|| {
        DateTime::from_timestamp(1_740_819_600, 0).unwrap()
    }));
    for key in ["ACME", "GLOBEX"] {
        book.save_account(Account {
            key: key.into(),
            name: format!("{key} Ltd"),
            owner: "ann".into(),
            region: "east".into(),
            ..Default::default()
        })
        .unwrap();
    }
    book.set_user("bob");
    let mut a = book.account_by_key("ACME").unwrap().into_owned();
    a.region = "west".into();
    a.profile.plans = "expand\nin Asia".into();
    book.save_account(a).unwrap();
    // The OS user running the binary edits GLOBEX last.
    book.set_user(me);
    let mut g = book.account_by_key("GLOBEX").unwrap().into_owned();
    g.name = "Globex Corp".into();
    book.save_account(g).unwrap();
}

fn kam(db: &Path) -> Command {
    let mut c = Command::cargo_bin("kam").unwrap();
    c.env("KAM_NO_SERVER", "true")
        .env("KAM_TODAY", "2025-03-01")
        .env_remove("KAM_DB")
        .arg("--db")
        .arg(db);
    c
}

#[test]
fn log_lists_changes_newest_first_with_fields() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let me = kam::identity::current_user();
    fill(&db, &me);
    let out = kam(&db)
        .arg("log")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let titles: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(titles.len(), 4, "{text}");
    assert_eq!(
        titles[1], "#3 2025-03-01 09:00:00Z bob save_account",
        "{text}"
    );
    assert!(titles[0].ends_with(&format!("{me} save_account")), "{text}");
    assert!(text.contains("    account ACME updated\n"), "{text}");
    assert!(text.contains("      region: east → west\n"), "{text}");
    assert!(
        text.contains("      profile.plans:  → expand ⏎ in Asia\n"),
        "{text}"
    );
    assert!(text.contains("    account GLOBEX created\n"), "{text}");

    // One account, as JSON
    let out = kam(&db)
        .args(["log", "ACME", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{v:#}");
    assert_eq!(entries[0]["user"], "bob");
    assert_eq!(entries[0]["at"], "2025-03-01T09:00:00Z");
    let fields = &entries[0]["changes"][0]["fields"];
    assert!(
        fields
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "region" && f["before"] == "east" && f["after"] == "west"),
        "{v:#}"
    );
    assert_eq!(entries[1]["user"], "ann");
    assert_eq!(entries[1]["changes"][0]["change"], "created");

    kam(&db)
        .args(["log", "NOPE"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no account with key 'NOPE'"));
    let out = kam(&db).args(["log", "--limit", "1"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with('#')).count(), 1);
}

#[test]
fn undo_reverts_my_last_change_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let me = kam::identity::current_user();
    fill(&db, &me);
    kam(&db)
        .arg("undo")
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Undone #4 save_account on GLOBEX (by you)",
        ));
    let text = String::from_utf8(
        kam(&db)
            .arg("log")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(
        text.lines().next().unwrap().contains(" undo of #4"),
        "{text}"
    );
    assert!(
        text.contains("      name: Globex Corp → GLOBEX Ltd"),
        "{text}"
    );
    // My only change is undone; bob's and ann's are not mine to undo.
    kam(&db)
        .arg("undo")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("nothing to undo"));
}
