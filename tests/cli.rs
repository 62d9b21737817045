//! The command line as scripts use it: real binary, real database in a temp
//! dir, a pinned clock. Exit codes and output shapes are part of the contract.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

const TODAY: &str = "2026-11-24";

fn kam(db: &Path) -> Command {
    let mut c = Command::cargo_bin("kam").unwrap();
    c.env("KAM_DB", db)
        .env("KAM_TODAY", TODAY)
        .env_remove("XDG_DATA_HOME");
    c
}

fn json(db: &Path, args: &[&str]) -> Value {
    let out = kam(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn demo(db: &Path) {
    kam(db)
        .args(["demo", "--accounts", "120"])
        .assert()
        .success()
        .stdout(predicate::str::contains("120 accounts"));
}

#[test]
fn demo_then_export_shows_the_demo_book() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let accounts = json(&db, &["export", "accounts", "--format", "json"]);
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), 120);
    assert!(
        accounts
            .iter()
            .any(|a| a["name"].as_str().unwrap().chars().any(|c| c > '\u{3000}'))
    );
    // A second demo into the same database is refused and changes nothing.
    kam(&db)
        .args(["demo"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("already holds 120 accounts"));
}

#[test]
fn segments_json_holds_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let v = json(&db, &["segments", "--json"]);
    assert_eq!(v["as_of"], TODAY);
    assert_eq!(v["model"], "value-potential");
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 120);
    for a in accounts {
        for field in [
            "key",
            "name",
            "tier",
            "value_score",
            "potential_score",
            "revenue_12m",
            "orders_12m",
            "last_order",
            "flags",
            "pinned",
        ] {
            assert!(a.get(field).is_some(), "missing {field} in {a}");
        }
        let rev = a["revenue_12m"].as_str().unwrap();
        assert_eq!(
            rev.split('.').nth(1).map(str::len),
            Some(2),
            "money has two decimals: {rev}"
        );
    }
    let p = &v["pareto"];
    let active = p["active_accounts"].as_u64().unwrap();
    assert_eq!(
        p["top20_accounts"].as_u64().unwrap(),
        (active * 2).div_ceil(10)
    );
    let key = v["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == "Key")
        .unwrap();
    assert!(key["accounts"].as_u64().unwrap() <= p["top20_accounts"].as_u64().unwrap());
}

#[test]
fn the_clock_is_pinned_by_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let a = json(&db, &["segments", "--json"]);
    let b = json(&db, &["segments", "--json"]);
    assert_eq!(a, b, "same as-of date, same result");
    let later = kam(&db)
        .args(["--as-of", "2027-06-01", "segments", "--json"])
        .output()
        .unwrap();
    let later: Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(later["as_of"], "2027-06-01");
    assert_ne!(later["pareto"], a["pareto"]);
    kam(&db)
        .args(["--as-of", "24/11/2026", "matrix"])
        .assert()
        .code(2);
}

/// Importing an order moves an account up, the move is logged on its
/// timeline with the reason, and `explain` shows why.
#[test]
fn an_imported_order_moves_the_account_and_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let v = json(&db, &["segments", "--json"]);
    let small = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["tier"] == "Opportunity" && a["orders_12m"].as_u64().unwrap() > 0)
        .expect("an opportunity account with orders")
        .clone();
    let key = small["key"].as_str().unwrap();
    let csv = dir.path().join("order.csv");
    std::fs::write(
        &csv,
        format!("account,kind,at,amount,margin\n{key},order,2026-11-20,9000000.00,3000000.00\n"),
    )
    .unwrap();
    kam(&db)
        .args(["import", "interactions"])
        .arg(&csv)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{key}: Tier Opportunity →"
        )));
    let after = json(&db, &["segments", "--json"]);
    let moved = after["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap();
    assert_ne!(moved["tier"], "Opportunity");
    let timeline = json(&db, &["export", "interactions", "--format", "json"]);
    let logged = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["account"] == key && i["kind"] == "system")
        .map(|i| i["summary"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        logged
            .iter()
            .any(|s| s.starts_with("Tier Opportunity →") && s.contains("revenue_12m")),
        "{logged:?}"
    );
    kam(&db)
        .args(["explain", key])
        .assert()
        .success()
        .stdout(predicate::str::contains("revenue_12m"));
}

#[test]
fn pin_keeps_the_computed_tier_visible() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let v = json(&db, &["segments", "--json"]);
    let a = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["tier"] == "Opportunity")
        .unwrap();
    let key = a["key"].as_str().unwrap();
    kam(&db)
        .args(["pin", key, "Key", "--reason", "board decision"])
        .assert()
        .success();
    let v = json(&db, &["segments", "--json"]);
    let a = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap();
    assert_eq!(a["tier"], "Key");
    assert_eq!(a["pinned"], true);
    kam(&db)
        .args(["pin", key, "Platinum", "--reason", "x"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a tier"));
    kam(&db).args(["unpin", key]).assert().success();
    let v = json(&db, &["segments", "--json"]);
    let a = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap();
    assert_eq!(a["tier"], "Opportunity");
}

#[test]
fn model_presets_and_invalid_models() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    kam(&db)
        .args(["model", "preset", "volume-loyalty", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would change"));
    assert_eq!(
        json(&db, &["segments", "--json"])["model"],
        "value-potential"
    );
    kam(&db)
        .args(["model", "preset", "revenue-bands"])
        .assert()
        .success();
    assert_eq!(json(&db, &["segments", "--json"])["model"], "revenue-bands");
    let shown = kam(&db).args(["model", "show"]).output().unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("name = \"revenue-bands\""));

    let bad = dir.path().join("bad.toml");
    let mut text = String::from_utf8(shown.stdout).unwrap();
    text = text.replacen("metric = \"revenue_12m\"", "metric = \"revenue_13m\"", 1);
    std::fs::write(&bad, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("revenue_13m"))
        .unwrap()
        + 1;
    kam(&db)
        .args(["model", "apply"])
        .arg(&bad)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("line {line}:")));
    assert_eq!(json(&db, &["segments", "--json"])["model"], "revenue-bands");
}

#[test]
fn damaged_and_foreign_databases_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    std::fs::write(db.join("db"), b"this is not a sled log").unwrap();
    kam(&db)
        .args(["matrix"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(db.display().to_string()));
    let foreign = dir.path().join("photos");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("cat.jpg"), b"jpeg").unwrap();
    kam(&foreign).args(["matrix"]).assert().code(4);
    assert_eq!(
        std::fs::read_dir(&foreign).unwrap().count(),
        1,
        "foreign dir untouched"
    );
}

#[test]
fn agenda_is_for_the_current_user_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let me = kam::identity::current_user();
    let mine = json(&db, &["agenda", "--json"]);
    let all = json(&db, &["agenda", "--owner", "all", "--json"]);
    let n_mine = mine["items"].as_array().unwrap().len();
    let n_all = all["items"].as_array().unwrap().len();
    assert!(n_mine > 0, "the demo gives {me} accounts with due items");
    assert!(n_all > n_mine);
}

/// The demo's account keys, in segments order.
fn keys(db: &Path) -> Vec<String> {
    json(db, &["segments", "--json"])["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_string())
        .collect()
}

fn log_len(db: &Path) -> usize {
    json(db, &["log", "--json"]).as_array().unwrap().len()
}

#[test]
fn unpin_of_an_unpinned_account_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let key = keys(&db)[0].clone();
    let before = log_len(&db);
    kam(&db)
        .args(["unpin", &key])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(format!("{key} is not pinned")));
    assert_eq!(log_len(&db), before, "no audit entry for a no-op");
    // Keys are matched ignoring case; the messages use the stored key.
    kam(&db)
        .args(["pin", &key.to_lowercase(), "key", "--reason", "board"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("{key}: pinned to Key")));
    let seq = json(&db, &["log", "--json"])[0]["seq"].clone();
    kam(&db)
        .arg("undo")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Undone #{seq} pin on {key} (by you)"
        )));
}

#[test]
fn account_keys_are_found_ignoring_case_with_suggestions_on_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let key = keys(&db)[3].clone();
    let out = kam(&db)
        .args(["explain", &key.to_lowercase()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(&format!("{key} ")), "{text}");
    // Every column is labelled, the contribution too.
    let header = text.lines().find(|l| l.starts_with("AXIS")).unwrap();
    assert!(header.trim_end().ends_with("CONTRIB"), "{header}");
    kam(&db)
        .args(["log", &key.to_lowercase()])
        .assert()
        .success();
    // A miss lists close keys: here those containing the typed text.
    let part = &key[..key.len() - 1];
    let err = kam(&db)
        .args(["explain", &format!("{}?", part.to_lowercase())])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("no account with key"), "{err}");
    let typo = kam(&db)
        .args(["explain", &part.to_lowercase()])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let typo = String::from_utf8(typo).unwrap();
    let (_, close) = typo.split_once("did you mean ").expect(&typo);
    let close: Vec<&str> = close
        .trim_end()
        .trim_end_matches("?)")
        .split(", ")
        .collect();
    assert!(close.contains(&key.as_str()) && close.len() <= 5, "{typo}");
}

#[test]
fn usage_errors_do_not_show_environment_options_as_required() {
    let dir = tempfile::tempdir().unwrap();
    let out = kam(&dir.path().join("db"))
        .args(["pin", "ACME"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    let usage = err.lines().find(|l| l.starts_with("Usage:")).expect(&err);
    assert!(
        !usage.contains("--as-of") && !usage.contains("--db"),
        "{err}"
    );
    // The environment still pins the date and the database (an empty
    // directory is a new book).
    std::fs::create_dir(dir.path().join("db")).unwrap();
    let v = json(&dir.path().join("db"), &["agenda", "--json"]);
    assert_eq!(v["as_of"], TODAY);
}

#[test]
fn agenda_due_dates_add_up_with_days_late() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    demo(&db);
    let v = json(&db, &["agenda", "--owner", "all", "--json"]);
    let today = kam::clock::parse_date(TODAY).unwrap();
    let items = v["items"].as_array().unwrap();
    let mut payments = 0;
    for i in items {
        let due = kam::clock::parse_date(i["due"].as_str().unwrap()).unwrap();
        let late = i["days_late"].as_i64().unwrap();
        if late > 0 {
            assert_eq!(due + chrono::Duration::days(late), today, "{i}");
        }
        if i["flag"] == "overdue_payment" {
            payments += 1;
            assert!(late > 0 && due < today, "{i}");
        }
    }
    assert!(payments > 0, "the demo book has overdue payments");
}

#[test]
fn a_mistyped_db_is_an_error_not_a_new_empty_book() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("tema");
    for args in [
        &["segments"][..],
        &["matrix"],
        &["agenda"],
        &["export", "accounts"],
    ] {
        kam(&missing)
            .args(args)
            .assert()
            .code(4)
            .stderr(predicate::str::contains("there is no kam database at"));
    }
    assert!(!missing.exists(), "nothing was created");
    // Writing commands still start a new book there.
    demo(&missing);
}
