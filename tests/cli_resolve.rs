//! `kam resolve KEY`: closes the oldest open complaint, says which and how
//! many stay open, refuses when none is open; through the team server and
//! with `--no-server`, read back with `timeline --json` and the agenda.

mod server_common;

use server_common::*;
use std::process::Stdio;

fn run_in(t: &TestDb, local: bool, args: &[&str]) -> std::process::Output {
    let mut c = kam(&t.db);
    if local {
        c.env("KAM_NO_SERVER", "1");
    }
    c.args(args).stdin(Stdio::null()).output().unwrap()
}

fn ok_in(t: &TestDb, local: bool, args: &[&str]) -> String {
    let out = run_in(t, local, args);
    assert!(
        out.status.success(),
        "kam {args:?} (local: {local}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn resolve_closes_the_oldest_complaint_through_the_server_and_locally() {
    for local in [false, true] {
        let t = TestDb::with_accounts();
        if local {
            ok(&t.db, &["server", "stop"]);
        }
        ok_in(
            &t,
            local,
            &["complaint", "ACME", "-m", "Late delivery of batch 7"],
        );
        ok_in(
            &t,
            local,
            &["complaint", "ACME", "-m", "Wrong invoice address"],
        );
        let agenda = ok_in(&t, local, &["agenda", "--owner", "all"]);
        assert!(agenda.contains("complaint_resolve"), "{agenda}");

        let out = ok_in(
            &t,
            local,
            &[
                "resolve",
                "ACME",
                "-m",
                "Batch 7 replaced, credit note sent",
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("ACME: resolution #")
                && lines[0].ends_with(": Batch 7 replaced, credit note sent"),
            "{out}"
        );
        assert!(
            lines[1].starts_with("closes complaint #")
                && lines[1].contains(": Late delivery of batch 7")
                && lines[1].ends_with("· 1 complaint still open"),
            "{out}"
        );
        let out = ok_in(&t, local, &["resolve", "acme", "-m", "Address fixed"]);
        assert!(
            out.contains(": Wrong invoice address · no complaint open"),
            "{out}"
        );
        // Nothing left to resolve: refused, nothing written.
        let out = run_in(&t, local, &["resolve", "ACME", "-m", "again"]);
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("ACME has no open complaint to resolve"),
            "{err}"
        );
        let timeline = ok_in(&t, local, &["timeline", "ACME", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&timeline).unwrap();
        let kinds: Vec<&str> = v["entries"]
            .as_array()
            .or_else(|| v.as_array())
            .unwrap()
            .iter()
            .filter_map(|e| e["kind"].as_str())
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "resolution").count(),
            2,
            "{timeline}"
        );
        // The engine agrees: the complaints are off the agenda.
        let agenda = ok_in(&t, local, &["agenda", "--owner", "all", "--json"]);
        assert!(!agenda.contains("complaint"), "{agenda}");
        // A missing -m without a terminal is a usage error.
        let out = run_in(&t, local, &["resolve", "GLOBEX"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
    }
}
