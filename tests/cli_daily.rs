//! The daily writes from the shell (issue 11): `kam touch`, `note`, `order`,
//! `payment`, `complaint`, `followup`, `account set`, and their view twins
//! `show` and `timeline`. Real binary, real database in a temp dir, each
//! command through the team server and with `--no-server`; what a write
//! stored is read back with `timeline --json` / `show --json`.

mod server_common;

use kam::server::client::{ClientHello, Connection, new_client_id};
use kam::server::protocol::{Reply, Request};
use serde_json::Value;
use server_common::*;
use std::process::{Command, Stdio};

impl Db {
    /// The timeline entry with `kind`, newest first.
    fn entry(&self, key: &str, kind: &str) -> Value {
        let v = self.json(&["timeline", key, "--kind", kind, "--limit", "1", "--json"]);
        v[0].clone()
    }
}

/// The accounts every case starts with.
const ACCOUNTS: &str =
    "key,name,owner\nACME,Acme Corp,ann\nGLOBEX,Globex,bob\nINITECH,Initech,ann\n";

fn both(test: impl Fn(&Db)) {
    for local in [false, true] {
        test(&Db::with_accounts_csv(local, ACCOUNTS));
    }
}

#[test]
fn timeline_writes_are_stored_and_print_what_they_stored() {
    both(|db| {
        let out = db.ok(&[
            "touch",
            "acme",
            "--kind",
            "visit",
            "-m",
            "Walked the plant",
            "--follow-up",
            "2026-12-01",
        ]);
        assert!(out.starts_with("ACME: visit #"), "{out}");
        assert!(
            out.contains("follow-up 2026-12-01: Walked the plant"),
            "{out}"
        );
        let t = db.entry("ACME", "visit");
        assert_eq!(t["summary"], "Walked the plant");
        assert_eq!(t["at"], TODAY);
        assert_eq!(t["follow_up"], "2026-12-01");
        let author = t["author"].as_str().unwrap();
        assert!(!author.is_empty(), "attributed to the user");

        db.ok(&["touch", "ACME", "-m", "Called", "--at", "2026-11-20"]);
        let t = db.entry("ACME", "call");
        assert_eq!(
            (t["summary"].as_str(), t["at"].as_str()),
            (Some("Called"), Some("2026-11-20"))
        );

        db.ok(&["note", "ACME", "-m", "New CFO from January"]);
        assert_eq!(db.entry("ACME", "note")["summary"], "New CFO from January");

        // An order: exact money, and the tier move it causes is printed.
        let out = db.ok(&[
            "order",
            "ACME",
            "1250.50",
            "--margin",
            "300",
            "--due",
            "2027-01-15",
            "-m",
            "Q1",
        ]);
        assert!(
            out.contains("amount 1250.50 · margin 300.00 · due 2027-01-15"),
            "{out}"
        );
        assert!(out.contains("ACME: Tier "), "the tier move is shown: {out}");
        let o = db.entry("ACME", "order");
        assert_eq!(
            (
                o["amount"].as_str(),
                o["margin"].as_str(),
                o["due"].as_str()
            ),
            (Some("1250.50"), Some("300.00"), Some("2027-01-15"))
        );
        let show = db.json(&["show", "ACME", "--json"]);
        assert_eq!(show["score"]["revenue_12m"], "1250.50");

        db.ok(&["payment", "ACME", "0.10"]);
        assert_eq!(db.entry("ACME", "payment")["amount"], "0.10");

        db.ok(&["complaint", "GLOBEX", "-m", "Late delivery"]);
        assert_eq!(db.entry("GLOBEX", "complaint")["summary"], "Late delivery");
        // The complaint's deadline is on the agenda.
        let agenda = db.json(&["agenda", "--owner", "all", "--json"]).to_string();
        assert!(agenda.contains("complaint"), "{agenda}");
    });
}

#[test]
fn followups_are_added_listed_snoozed_and_done() {
    both(|db| {
        let out = db.ok(&[
            "followup",
            "add",
            "ACME",
            "--due",
            TODAY,
            "-m",
            "Send the quote",
        ]);
        assert!(out.contains("ACME: follow-up"), "{out}");
        let list = db.json(&["followup", "list", "--json"]);
        let f = &list[0];
        assert_eq!(
            (f["account"].as_str(), f["note"].as_str()),
            (Some("ACME"), Some("Send the quote"))
        );
        let id = f["id"].as_u64().unwrap().to_string();
        let on_agenda = || {
            db.json(&["agenda", "--owner", "all", "--json"])
                .to_string()
                .contains("Send the quote")
        };
        assert!(on_agenda());
        // Snoozed: off the agenda, still open.
        let out = db.ok(&["followup", "snooze", &id, "--days", "2"]);
        assert!(out.contains("snoozed until 2026-11-26"), "{out}");
        assert!(!on_agenda());
        assert_eq!(
            db.json(&["followup", "list", "--owner", "all", "--json"])
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let shown = db.json(&["show", "ACME", "--json"]);
        assert_eq!(shown["followups"][0]["note"], "Send the quote");
        // Done: no longer open anywhere.
        let out = db.ok(&["followup", "done", &id]);
        assert!(out.contains(&format!("follow-up {id} done")), "{out}");
        assert_eq!(
            db.json(&["followup", "list", "--json"]),
            serde_json::json!([])
        );
        assert_eq!(
            db.json(&["show", "ACME", "--json"])["followups"],
            serde_json::json!([])
        );
        let again = db.ok(&["followup", "done", &id]);
        assert!(again.contains("done already"), "{again}");
        assert_eq!(db.fails(&["followup", "done", "999"]).0, 3);
        assert_eq!(
            db.fails(&["followup", "add", "ACME", "--due", "2026-01-01", "-m", "x"])
                .0,
            3
        );
    });
}

#[test]
fn a_touch_that_answers_a_followup_completes_it() {
    both(|db| {
        db.ok(&[
            "followup",
            "add",
            "ACME",
            "--due",
            "2026-11-30",
            "-m",
            "Call back",
        ]);
        db.ok(&[
            "followup",
            "add",
            "GLOBEX",
            "--due",
            "2026-11-30",
            "-m",
            "Other",
        ]);
        let list = db.json(&["followup", "list", "--owner", "all", "--json"]);
        let id_of = |key: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|f| f["account"] == key)
                .unwrap()["id"]
                .as_u64()
                .unwrap()
                .to_string()
        };
        let (acme, globex) = (id_of("ACME"), id_of("GLOBEX"));
        // A follow-up of another account is refused, and nothing is logged.
        let (code, err) = db.fails(&["touch", "ACME", "--answers", &globex, "-m", "x"]);
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("another account"), "{err}");
        assert_eq!(
            db.json(&["timeline", "ACME", "--kind", "call", "--json"]),
            serde_json::json!([])
        );
        let out = db.ok(&["touch", "ACME", "--answers", &acme, "-m", "Called back"]);
        assert!(out.contains(&format!("follow-up {acme}: done")), "{out}");
        let open = db.json(&["followup", "list", "--owner", "all", "--json"]);
        assert_eq!(open.as_array().unwrap().len(), 1);
        assert_eq!(open[0]["account"], "GLOBEX");
        assert_eq!(db.entry("ACME", "call")["summary"], "Called back");
    });
}

#[test]
fn account_set_applies_the_forms_rules_with_the_csv_field_names() {
    both(|db| {
        let out = db.ok(&[
            "account",
            "set",
            "acme",
            "potential=4",
            "owner=carol",
            "tags=vip; export",
            "status=dormant",
            "background=Family firm, founded 1987",
        ]);
        assert!(out.contains("ACME: potential = 4"), "{out}");
        let a = db.json(&["show", "ACME", "--json"]);
        assert_eq!(a["potential"], 4);
        assert_eq!(a["owner"], "carol");
        assert_eq!(a["tags"], serde_json::json!(["vip", "export"]));
        assert_eq!(a["status"], "dormant");
        assert_eq!(a["background"], "Family firm, founded 1987");
        // The change is in the audit trail, attributed.
        let log = db.ok(&["log", "ACME"]);
        assert!(log.contains("potential"), "{log}");
        // Clearing a rating: an empty value.
        db.ok(&["account", "set", "ACME", "potential="]);
        assert_eq!(
            db.json(&["show", "ACME", "--json"])["potential"],
            Value::Null
        );
        for (arg, says) in [
            ("potential=9", "'9' is not a rating 0–5"),
            ("status=sleeping", "unknown status 'sleeping'"),
            ("since=yesterday", "'yesterday' is not a date"),
            ("colour=red", "unknown field 'colour'"),
            ("key=NEW", "cannot be set"),
        ] {
            let (code, err) = db.fails(&["account", "set", "ACME", arg]);
            assert_eq!(code, 3, "{arg}: {err}");
            assert!(err.contains(says), "{arg}: {err}");
        }
        assert_eq!(db.fails(&["account", "set", "ACME", "potential"]).0, 2);
        assert_eq!(db.fails(&["account", "set", "ACME"]).0, 2);
        assert_eq!(db.json(&["show", "ACME", "--json"])["owner"], "carol");
    });
}

#[test]
fn bad_input_is_exit_3_and_usage_mistakes_exit_2() {
    both(|db| {
        for (args, says) in [
            (
                &["touch", "ACME", "--kind", "fax", "-m", "x"][..],
                "not a kind of touch",
            ),
            (&["touch", "ACME", "--at", "last week", "-m", "x"], "--at"),
            (
                &["touch", "ACME", "--at", "2027-01-01", "-m", "x"],
                "in the future",
            ),
            (
                &["touch", "ACME", "--follow-up", "soon", "-m", "x"],
                "--follow-up",
            ),
            (&["order", "ACME", "12,50"], "is not an amount"),
            (&["order", "ACME", "1.234"], "at most 2 decimals"),
            (&["order", "ACME", "-5"], "negative"),
            (&["order", "ACME", "5", "--due", "2027-13-01"], "--due"),
            (&["payment", "ACME", "lots"], "is not an amount"),
            (&["note", "ACMEE", "-m", "x"], "ACMEE"),
            (
                &["timeline", "ACME", "--kind", "fax"],
                "not a kind of entry",
            ),
        ] {
            let (code, err) = db.fails(args);
            assert_eq!(code, 3, "{args:?}: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
        }
        // Without a terminal there is no editor to ask for a message.
        for args in [
            &["note", "ACME"][..],
            &["complaint", "ACME"],
            &["followup", "add", "ACME", "--due", "2026-12-01"],
        ] {
            let (code, err) = db.fails(args);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(err.contains("-m TEXT is required"), "{err}");
        }
        assert_eq!(db.fails(&["touch"]).0, 2);
        assert_eq!(db.fails(&["order", "ACME"]).0, 2);
        // Nothing was written by any of them.
        assert_eq!(
            db.json(&["timeline", "ACME", "--json"]),
            serde_json::json!([])
        );
        // An optional summary may be left out without a terminal.
        db.ok(&["touch", "ACME"]);
        db.ok(&["payment", "ACME", "10"]);
    });
}

#[test]
fn show_and_timeline_print_the_profile_and_the_entries() {
    both(|db| {
        db.ok(&["account", "set", "ACME", "needs=Faster delivery\nLower MOQ"]);
        db.ok(&["order", "ACME", "99.90", "-m", "Samples"]);
        db.ok(&["note", "ACME", "-m", "Prefers e-mail"]);
        db.ok(&[
            "followup",
            "add",
            "ACME",
            "--due",
            "2026-12-02",
            "-m",
            "Quote",
        ]);
        let show = db.ok(&["show", "ACME"]);
        for want in [
            "ACME  Acme Corp",
            "owner         ann",
            "tier ",
            "needs:\n  Faster delivery\n  Lower MOQ",
            "open follow-ups:",
            "2026-12-02",
            "Quote",
        ] {
            assert!(show.contains(want), "{want:?} in\n{show}");
        }
        let t = db.ok(&["timeline", "ACME", "--kind", "order"]);
        assert_eq!(t.lines().count(), 1, "{t}");
        assert!(t.contains("99.90") && t.contains("Samples"), "{t}");
        let all = db.json(&["timeline", "ACME", "--json"]);
        let kinds: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"note") && kinds.contains(&"order"),
            "{kinds:?}"
        );
        assert_eq!(
            db.json(&["timeline", "ACME", "--limit", "1", "--json"])
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(all[0]["id"].as_u64().is_some());
    });
}

/// Sends one `kam touch` as a client would, with a chosen request number.
fn send_touch(db: &std::path::Path, client_id: u64, request: u64, answers: Option<u64>) -> String {
    let ep = kam::server::spawn::Endpoint {
        db: db.to_path_buf(),
        as_of_arg: Some(TODAY.into()),
        exe: EXE.into(),
    };
    let hello = ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id,
        subscribe: false,
    };
    let mut c = Connection::open(&ep, &hello).unwrap();
    let command = kam::commands::Command::Touch {
        key: "ACME".into(),
        kind: Some("call".into()),
        message: "Resent call".into(),
        at: None,
        follow_up: None,
        answers,
    };
    c.send(&Request::Command {
        command,
        files: Vec::new(),
        request,
        output: kam::commands::Output::default(),
    })
    .unwrap();
    let mut out = Vec::new();
    loop {
        match c.recv().unwrap() {
            Reply::Output(b) => out.extend(b),
            Reply::Done(result) => {
                assert_eq!(result, Ok(()));
                return String::from_utf8(out).unwrap();
            }
            _ => {}
        }
    }
}

#[test]
fn a_resent_touch_is_applied_once_and_completes_its_followup_once() {
    let db = Db::with_accounts_csv(false, ACCOUNTS);
    db.ok(&[
        "followup",
        "add",
        "ACME",
        "--due",
        "2026-11-30",
        "-m",
        "Call back",
    ]);
    let fid = db.json(&["followup", "list", "--owner", "all", "--json"])[0]["id"]
        .as_u64()
        .unwrap();
    let calls = || {
        db.json(&["timeline", "ACME", "--kind", "call", "--json"])
            .as_array()
            .unwrap()
            .len()
    };
    let id = new_client_id();
    let first = send_touch(&db.t.db, id, 3, Some(fid));
    assert!(first.contains(&format!("follow-up {fid}: done")), "{first}");
    assert_eq!(calls(), 1);
    // The same request again (its answer lost): the same answer, nothing new.
    assert_eq!(send_touch(&db.t.db, id, 3, Some(fid)), first);
    assert_eq!(calls(), 1, "a resend is applied once");
    let completes = db
        .ok(&["log", "--json"])
        .matches("complete_followup")
        .count();
    assert_eq!(completes, 1, "the follow-up is completed once");
    // A new request is a new touch.
    send_touch(&db.t.db, id, 4, None);
    assert_eq!(calls(), 2);
}

#[test]
fn dash_is_standard_input_for_import_and_model_apply_and_stdout_for_export() {
    both(|db| {
        let out = db.stdin_ok(
            &["import", "interactions", "-"],
            "account,kind,at,summary\nACME,note,2026-11-20,from a pipe\n",
        );
        assert!(out.contains("1 created"), "{out}");
        assert_eq!(db.entry("ACME", "note")["summary"], "from a pipe");
        let model =
            db.ok(&["model", "show"])
                .replacen("name = \"value-potential\"", "name = \"piped\"", 1);
        let out = db.stdin_ok(&["model", "apply", "-"], &model);
        assert!(out.starts_with("model piped:"), "{out}");
        assert!(db.ok(&["model", "show"]).starts_with("name = \"piped\""));
        let to_stdout = db.ok(&["export", "accounts", "-o", "-"]);
        assert!(to_stdout.starts_with("key,name,"), "{to_stdout}");
        assert!(!db.t.dir.path().join("-").exists());
        assert!(!std::path::Path::new("-").exists(), "no file named '-'");
    });
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    both(|db| {
        // The reader is gone before kam writes a byte: every write fails.
        for args in [
            &["segments"][..],
            &["export", "accounts"],
            &["timeline", "ACME"],
            &["show", "ACME"],
            &["completions", "bash"],
            &["man"],
        ] {
            let mut child = db
                .cmd(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take());
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
        }
        // As a user types it.
        let mode = if db.local { "--no-server" } else { "" };
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "\"$KAM\" {mode} segments 2>\"$ERR\" | head -1; echo \"rc=${{PIPESTATUS[0]}}\""
            ))
            .env("KAM", EXE)
            .env("KAM_DB", &db.t.db)
            .env("KAM_TODAY", TODAY)
            .env("KAM_SERVER_IDLE", "1")
            .env("ERR", db.t.dir.path().join("err"))
            .env_remove("KAM_NO_SERVER")
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{stdout}");
        assert!(lines[0].starts_with("KEY"), "{stdout}");
        assert_eq!(lines[1], "rc=0");
        assert_eq!(
            std::fs::read_to_string(db.t.dir.path().join("err")).unwrap(),
            ""
        );
    });
}

/// Fails the calling test unless `script` (util-linux) runs: it gives kam
/// a terminal, which is when a missing message opens the editor.
fn requires_script() {
    let runs = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        runs,
        "NOT RUN: this test needs `script` (util-linux) on PATH; on a machine \
         without it, run `cargo test --no-default-features` to have it reported as ignored"
    );
}

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs script (util-linux)")]
fn a_missing_message_on_a_terminal_opens_the_editor() {
    requires_script();
    both(|db| {
        let dir = db.t.dir.path();
        let editor = dir.join("editor.sh");
        // A real editor process: writes the message above kam's comments.
        std::fs::write(
            &editor,
            "#!/bin/sh\nsed -i '1s/^$/Typed in the editor/' \"$1\"\n",
        )
        .unwrap();
        let mut perms = std::fs::metadata(&editor).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&editor, perms).unwrap();
        let mode = if db.local { "--no-server" } else { "" };
        let run = |editor: &str| {
            Command::new("script")
                .arg("-qec")
                .arg(format!("\"$KAM\" {mode} note ACME"))
                .arg("/dev/null")
                .env("KAM", EXE)
                .env("KAM_DB", &db.t.db)
                .env("KAM_TODAY", TODAY)
                .env("KAM_SERVER_IDLE", "1")
                .env("EDITOR", editor)
                .env_remove("VISUAL")
                .env_remove("KAM_NO_SERVER")
                .stdin(Stdio::null())
                .output()
                .unwrap()
        };
        let out = run(editor.to_str().unwrap());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert_eq!(db.entry("ACME", "note")["summary"], "Typed in the editor");
        // An editor that leaves the message empty aborts: exit 2, nothing logged.
        let out = run("true");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let notes = db.json(&["timeline", "ACME", "--kind", "note", "--json"]);
        assert_eq!(notes.as_array().unwrap().len(), 1);
    });
}
