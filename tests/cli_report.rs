//! `kam report` (issue 12): the KPIs of a period from a small hand-made book
//! whose answers are known, through the team server and with `--no-server`;
//! JSON field names and values, text at 80 and 200 columns.

mod server_common;

use serde_json::Value;
use server_common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

const ACCOUNTS: &str = "key,name,owner,status,since
ACME,Acme Corp,ann,active,2020-01-01
GLOBEX,Globex,bob,active,2020-01-01
INITECH,Initech,ann,active,2020-01-01
";

/// Last week (2026-11-16 – 22, as of TODAY 2026-11-24) and the one before.
const INTERACTIONS: &str = "account,kind,at,amount,due,satisfaction,summary
ACME,order,2026-10-01T09:00:00Z,200.00,2026-10-31,,unpaid
ACME,order,2026-11-10T09:00:00Z,1000.00,,,previous week
ACME,order,2026-11-17T09:00:00Z,500.00,,,this week
ACME,call,2026-11-01T09:00:00Z,,,,call
ACME,complaint,2026-11-18T10:00:00Z,,,,late delivery
ACME,resolution,2026-11-19T09:00:00Z,,,,replaced
ACME,survey,2026-11-20T09:00:00Z,,,4,survey
GLOBEX,order,2026-11-12T09:00:00Z,300.00,,,previous week
GLOBEX,order,2026-11-22T09:00:00Z,600.00,,,this week
GLOBEX,visit,2026-07-01T09:00:00Z,,,,visit
GLOBEX,complaint,2026-11-16T08:00:00Z,,,,broken part
GLOBEX,survey,2026-11-21T09:00:00Z,,,2,survey
INITECH,order,2025-11-20T09:00:00Z,70.00,,,a year ago
";

fn run_in(db: &Path, local: bool, args: &[&str], input: Option<&str>) -> Output {
    let mut c = kam(db);
    if local {
        c.env("KAM_NO_SERVER", "1");
    }
    c.args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.unwrap_or("").as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn ok_in(db: &Path, local: bool, args: &[&str], input: Option<&str>) -> String {
    let out = run_in(db, local, args, input);
    assert!(
        out.status.success(),
        "kam {args:?} (local {local}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn book(local: bool) -> TestDb {
    let t = TestDb::new();
    ok_in(&t.db, local, &["import", "accounts", "-"], Some(ACCOUNTS));
    for (key, tier) in [
        ("ACME", "Key"),
        ("GLOBEX", "Development"),
        ("INITECH", "Maintenance"),
    ] {
        ok_in(&t.db, local, &["pin", key, tier, "--reason", "test"], None);
    }
    ok_in(
        &t.db,
        local,
        &["import", "interactions", "-"],
        Some(INTERACTIONS),
    );
    t
}

fn json(db: &Path, local: bool, args: &[&str]) -> Value {
    serde_json::from_str(&ok_in(db, local, args, None)).unwrap()
}

#[test]
fn report_json_has_fixed_fields_and_the_known_answers() {
    for local in [false, true] {
        let t = book(local);
        let v = json(&t.db, local, &["report", "--json"]);
        assert_eq!(v["period"]["from"], "2026-11-16", "local {local}");
        assert_eq!(v["period"]["to"], "2026-11-22");
        assert_eq!(v["period"]["days"], 7);
        assert_eq!(v["previous"]["from"], "2026-11-09");
        assert_eq!(v["key_tier"], "Key");
        assert!(v["notes"][0].as_str().unwrap().contains("reply"));
        let team = &v["team"];
        assert_eq!(team["accounts"], 3);
        assert_eq!(team["revenue"], "1100.00");
        assert_eq!(team["tiers"][0]["tier"], "Key");
        assert_eq!(team["tiers"][0]["revenue"], "500.00");
        assert_eq!(team["tiers"][0]["share"], 0.4545);
        assert_eq!(team["tiers"][1]["revenue"], "600.00");
        assert_eq!(team["key_account_share"], 0.4545);
        assert_eq!(team["retention"]["active_previous"], 2);
        assert_eq!(team["retention"]["retained"], 2);
        assert_eq!(team["retention"]["rate"], 1.0);
        assert_eq!(team["new_accounts"], 0);
        assert_eq!(team["lost_accounts"], 1);
        assert_eq!(team["tier_moves"]["up"], 0);
        assert_eq!(team["tier_moves"]["down"], 0);
        assert_eq!(team["touch_compliance"]["accounts"], 3);
        assert_eq!(team["touch_compliance"]["in_cadence"], 1);
        assert_eq!(team["touch_compliance"]["rate"], 0.3333);
        let sla = &team["complaint_sla"];
        assert_eq!(sla["raised"], 2);
        assert_eq!(sla["resolved_in_time"], 1);
        assert_eq!(sla["open_overdue"], 1);
        assert_eq!(sla["resolve_kept"], 0.5);
        assert!(sla["reply_kept"].is_null());
        assert_eq!(team["satisfaction"]["surveys"], 2);
        assert_eq!(team["satisfaction"]["average"], 3.0);
        assert_eq!(team["overdue"]["amount"], "200.00");
        assert_eq!(team["overdue"]["orders"], 1);
        assert_eq!(team["overdue"]["avg_days_late"], 22.0);
        let owners = v["owners"].as_array().unwrap();
        assert_eq!(owners.len(), 2);
        assert_eq!(owners[0]["owner"], "ann");
        assert_eq!(owners[0]["revenue"], "500.00");
        assert_eq!(owners[0]["lost_accounts"], 1);
        assert_eq!(owners[1]["owner"], "bob");
        assert_eq!(owners[1]["complaint_sla"]["resolve_kept"], 0.0);

        // One owner; an explicit period.
        let ann = json(&t.db, local, &["report", "--owner", "ann", "--json"]);
        assert_eq!(ann["owner"], "ann");
        assert_eq!(ann["team"]["accounts"], 2);
        assert_eq!(ann["owners"].as_array().unwrap().len(), 1);
        let prev = json(
            &t.db,
            local,
            &[
                "report",
                "--from",
                "2026-11-09",
                "--to",
                "2026-11-15",
                "--json",
            ],
        );
        assert_eq!(prev["team"]["revenue"], "1300.00");
        assert_eq!(prev["previous"]["to"], "2026-11-08");
    }
}

#[test]
fn bad_periods_are_invalid_input_and_an_unknown_owner_is_warned() {
    for local in [false, true] {
        let t = book(local);
        for args in [
            &["report", "--from", "2026-13-01"][..],
            &["report", "--from", "2026-11-10", "--to", "2026-11-01"][..],
        ] {
            let out = run_in(&t.db, local, args, None);
            assert_eq!(out.status.code(), Some(3), "{args:?}");
            assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
        }
        let out = run_in(&t.db, local, &["report", "--owner", "nobody"], None);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no accounts owned by 'nobody'"));
    }
}

#[test]
fn report_text_fits_80_and_200_columns() {
    let t = book(true);
    let view = |cols: &str| {
        let out = kam(&t.db)
            .env("COLUMNS", cols)
            .env_remove("NO_COLOR")
            .args(["--no-server", "report"])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let narrow = view("80");
    for line in narrow.lines() {
        assert!(kam::domain::text::width(line) <= 80, "{line}");
    }
    assert!(narrow.contains("1,100.00") && narrow.contains("Retention"));
    insta::assert_snapshot!("report_80", narrow);
    insta::assert_snapshot!("report_200", view("200"));
}

#[test]
fn tier_moves_come_from_the_timeline() {
    for local in [false, true] {
        let t = TestDb::new();
        ok_in(
            &t.db,
            local,
            &["import", "accounts", "-"],
            Some("key,name,owner\nA,Alpha,ann\nB,Beta,bob\nC,Gamma,ann\nD,Delta,bob\nE,Eps,ann\n"),
        );
        ok_in(
            &t.db,
            local,
            &["import", "interactions", "-"],
            Some(
                "account,kind,at,amount\nA,order,2026-10-01T09:00:00Z,1000.00\n\
                 B,order,2026-10-01T09:00:00Z,100.00\nC,order,2026-10-01T09:00:00Z,50.00\n\
                 D,order,2026-10-01T09:00:00Z,20.00\nE,order,2026-10-01T09:00:00Z,10.00\n",
            ),
        );
        // A big order today: E rises to Key, the four others step down.
        let out = ok_in(&t.db, local, &["order", "E", "5000"], None);
        assert!(out.contains("E: Tier Development → Key"), "{out}");
        let v = json(&t.db, local, &["report", "--from", "2026-11-23", "--json"]);
        assert_eq!(v["team"]["tier_moves"]["up"], 1, "local {local}");
        assert_eq!(v["team"]["tier_moves"]["down"], 4);
        assert_eq!(v["owners"][0]["tier_moves"]["up"], 1);
        assert_eq!(v["owners"][1]["tier_moves"]["down"], 2);
        // Last week saw none of it.
        let last = json(&t.db, local, &["report", "--json"]);
        assert_eq!(last["team"]["tier_moves"]["down"], 0);
    }
}
