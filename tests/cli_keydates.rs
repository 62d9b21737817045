//! Key dates (issue 12 part 8): `kam keydate add|list|rm`, in the agenda
//! from `date - lead` until the date, undone as one change, imported and
//! exported, carried by a backup. Real binary, real database, through the
//! team server and with `--no-server`.

mod server_common;

use serde_json::Value;
use server_common::*;

impl Db {
    fn key_date_kinds(&self) -> Vec<String> {
        let v = self.json(&["keydate", "list", "--json"]);
        v.as_array()
            .unwrap()
            .iter()
            .map(|k| format!("{} {} {}", k["account"], k["kind"], k["next"]).replace('"', ""))
            .collect()
    }
}

/// The accounts every case starts with.
const ACCOUNTS: &str =
    "key,name,owner\nACME,Acme Corp,ann\nGLOBEX,Globex,bob\nINITECH,Initech,ann\n";

fn both(test: impl Fn(&Db)) {
    for local in [true, false] {
        test(&Db::with_accounts_csv(local, ACCOUNTS));
    }
}

// TODAY is 2026-11-24.
#[test]
fn key_dates_show_in_the_agenda_within_their_lead_and_undo_as_one_change() {
    both(|db| {
        let out = db.ok(&[
            "keydate",
            "add",
            "ACME",
            "--kind",
            "renewal",
            "--on",
            "2027-01-31",
            "-m",
            "Frame contract",
        ]);
        assert!(
            out.contains("ACME: key date") && out.contains("90 days"),
            "{out}"
        );
        // Outside its lead (30 days ahead of 2027-02-28 is 2027-01-29).
        db.ok(&[
            "keydate",
            "add",
            "GLOBEX",
            "--kind",
            "expiry",
            "--on",
            "2027-02-28",
            "--lead",
            "30",
        ]);
        // A birthday from long ago comes back this year, a week ahead.
        db.ok(&[
            "keydate",
            "add",
            "INITECH",
            "--kind",
            "contact_date",
            "--on",
            "1970-11-30",
            "-m",
            "CEO's birthday",
        ]);
        assert_eq!(
            db.key_date_kinds(),
            [
                "ACME renewal 2027-01-31",
                "GLOBEX expiry 2027-02-28",
                "INITECH contact_date 2026-11-30"
            ]
        );
        let agenda = db.json(&["agenda", "--owner", "all", "--json"]);
        let text = agenda.to_string();
        let lines: Vec<&Value> = agenda["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{agenda:#}"))
            .iter()
            .filter(|i| i["kind"] == "key_date")
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(text.contains("contract renewal 2027-01-31 (in 68 days): Frame contract"));
        assert!(text.contains("contact's date 2026-11-30 (in 6 days): CEO's birthday"));
        assert!(!text.contains("2027-02-28"), "expiry shown before its lead");
        let show = db.json(&["show", "INITECH", "--json"]);
        assert_eq!(show["key_dates"][0]["kind"], "contact_date");
        assert_eq!(show["key_dates"][0]["next"], "2026-11-30");
        let text = db.ok(&["show", "ACME"]);
        assert!(
            text.contains("key dates:") && text.contains("2027-01-31  renewal"),
            "{text}"
        );
        // Two key dates of one account are two calendar events.
        db.ok(&[
            "keydate",
            "add",
            "ACME",
            "--kind",
            "framework_review",
            "--on",
            "2026-12-01",
        ]);
        let ics = db.ok(&["agenda", "--owner", "all", "--ics"]);
        let uids: Vec<&str> = ics
            .lines()
            .filter(|l| l.starts_with("UID:kam-key_date"))
            .collect();
        assert_eq!(uids.len(), 3, "{ics}");
        assert!(
            uids.contains(&"UID:kam-key_date-a1-d20261201@kam")
                || uids.iter().any(|u| u.ends_with("-d20261201@kam")),
            "{uids:?}"
        );
        assert_ne!(uids[0], uids[1]);
        db.ok(&["undo"]);
        let plain = db.ok(&["agenda", "--owner", "all"]);
        assert!(plain.contains("key_date"), "{plain}");
        // Only the owner's accounts in their agenda (INITECH is ann's).
        let bob = db.ok(&["agenda", "--owner", "bob"]);
        assert!(!bob.contains("birthday"), "{bob}");

        // rm, then undo brings it back; undo again removes the birthday.
        let id = db.json(&["keydate", "list", "ACME", "--json"])[0]["id"]
            .as_u64()
            .unwrap()
            .to_string();
        let out = db.ok(&["keydate", "rm", &id]);
        assert!(out.contains("removed"), "{out}");
        // In ACME's own history, not in GLOBEX's.
        let log = db.ok(&["log", "ACME"]);
        assert!(
            log.contains("delete_key_date") && log.contains("save_key_date"),
            "{log}"
        );
        assert!(!db.ok(&["log", "GLOBEX"]).contains("delete_key_date"));
        assert_eq!(db.key_date_kinds().len(), 2);
        db.ok(&["undo"]);
        assert_eq!(db.key_date_kinds().len(), 3);
        db.ok(&["undo"]);
        assert_eq!(
            db.key_date_kinds(),
            ["ACME renewal 2027-01-31", "GLOBEX expiry 2027-02-28"]
        );
    });
}

#[test]
fn a_one_off_date_in_the_past_or_an_unknown_kind_is_refused() {
    both(|db| {
        let out = db.run(&[
            "keydate",
            "add",
            "ACME",
            "--kind",
            "renewal",
            "--on",
            "2026-01-01",
        ]);
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("2026-01-01 is in the past"), "{err}");
        let out = db.run(&[
            "keydate",
            "add",
            "ACME",
            "--kind",
            "party",
            "--on",
            "2027-01-01",
        ]);
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("renewal, expiry, framework_review, contact_date"),
            "{err}"
        );
        let out = db.run(&["keydate", "rm", "12345"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(db.key_date_kinds().is_empty());
    });
}

#[test]
fn key_dates_export_import_and_survive_a_backup() {
    both(|db| {
        let dir = db.t.dir.path();
        db.ok(&[
            "keydate",
            "add",
            "ACME",
            "--kind",
            "framework_review",
            "--on",
            "2027-03-01",
        ]);
        let csv = db.ok(&["export", "keydates"]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "id,account,kind,on,lead_days,note");
        assert!(
            lines[1].ends_with(",ACME,framework_review,2027-03-01,30,"),
            "{csv}"
        );
        let file = dir.join("kd.csv");
        std::fs::write(&file, &csv).unwrap();
        let out = db.ok(&["import", "keydates", file.to_str().unwrap()]);
        assert!(out.contains("0 created, 0 updated, 1 skipped"), "{out}");

        std::fs::write(
            &file,
            "account,kind,on,lead_days,note\n\
             globex,renewal,2027-06-30,,\"x; $(touch pwned)\"\n\
             ACME,framework_review,2027-03-01,10,moved lead\n",
        )
        .unwrap();
        let out = db.ok(&["import", "keydates", file.to_str().unwrap()]);
        assert!(out.contains("1 created, 1 updated, 0 skipped"), "{out}");
        let json = db.json(&["export", "keydates", "--format", "json"]);
        assert_eq!(json[0]["lead_days"], "10");
        assert_eq!(json[1]["account"], "GLOBEX");
        assert_eq!(json[1]["lead_days"], "90");
        assert_eq!(json[1]["note"], "x; $(touch pwned)");
        // One import, one change: undo takes both rows back.
        db.ok(&["undo"]);
        assert_eq!(db.key_date_kinds(), ["ACME framework_review 2027-03-01"]);

        std::fs::write(
            &file,
            "account,kind,on\nNOPE,renewal,2027-01-01\nACME,x,2027-01-01\n",
        )
        .unwrap();
        let out = db.run(&["import", "keydates", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(":2: account: unknown account key 'NOPE'"),
            "{err}"
        );
        assert!(
            err.contains(":3: kind: 'x' is not a kind of key date"),
            "{err}"
        );

        let backup = dir.join("b.kambackup");
        db.ok(&["backup", backup.to_str().unwrap()]);
        let restored = dir.join("restored");
        ok(
            &restored,
            &[
                "restore",
                backup.to_str().unwrap(),
                "--db",
                restored.to_str().unwrap(),
            ],
        );
        let out = ok(&restored, &["--no-server", "keydate", "list"]);
        assert!(out.contains("framework_review"), "{out}");
        let out = ok(&restored, &["--no-server", "check"]);
        assert!(out.contains("no problems found"), "{out}");
        assert!(!dir.join("pwned").exists());
    });
}
