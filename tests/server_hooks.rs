//! Hooks (issue 12 part 7) with real scripts: the team server runs them
//! after the write is acknowledged, argv without a shell, the event as JSON
//! on stdin; a hanging hook is killed at the timeout, failures show in
//! `kam server status`; `on_overdue` fires once per receivable.

mod server_common;

use serde_json::Value;
use server_common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// The events a hook appended, one JSON document per line.
fn events(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn on(db: &Path, day: &str, args: &[&str]) -> String {
    let out = kam(db).env("KAM_TODAY", day).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "kam {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The server's recorded hook failures. A status that meets a server
/// just leaving idle is asked again.
fn failures(db: &Path) -> Vec<String> {
    for _ in 0..5 {
        let out = run(db, &["server", "status", "--json"]);
        if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
            return v["hook_failures"]
                .as_array()
                .map(|a| a.iter().map(|f| f.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no server status");
}

#[test]
fn events_arrive_as_json_on_stdin_and_user_text_is_never_run() {
    let t = TestDb::with_accounts();
    let dir = t.dir.path();
    let log = dir.join("events");
    let hook = script(dir, "hook.sh", r#"cat >> "$1""#);
    for name in ["on_complaint", "on_tier_change", "on_overdue"] {
        // One string, split like a shell's quoting (a space in an argument).
        let line = format!("{} '{}'", hook.display(), log.display());
        ok(&t.db, &["hooks", "set", name, &line]);
    }
    let listed = ok(&t.db, &["hooks", "list"]);
    assert!(listed.contains("on_complaint: "), "{listed}");

    let evil = format!(
        "broken $(touch {0}/pwned); touch {0}/pwned2 `touch {0}/pwned3`",
        dir.display()
    );
    on(&t.db, TODAY, &["complaint", "ACME", "-m", &evil]);
    assert!(wait_until(Duration::from_secs(5), || events(&log).len() == 1));
    let e = &events(&log)[0];
    assert_eq!(e["event"], "complaint");
    assert_eq!(e["account"]["key"], "ACME");
    assert_eq!(e["account"]["owner"], "ann");
    assert_eq!(e["complaint"]["summary"], evil.as_str());
    assert_eq!(e["complaint"]["day"], TODAY);

    // An order already overdue moves ACME's tier: two events, in order.
    on(
        &t.db,
        TODAY,
        &["order", "ACME", "50000", "--due", "2026-11-01", "-m", "big"],
    );
    assert!(wait_until(Duration::from_secs(5), || events(&log).len() == 3));
    let got = events(&log);
    let tier = got.iter().find(|e| e["event"] == "tier_change").unwrap();
    assert_eq!(tier["account"]["key"], "ACME");
    assert_eq!(tier["to"], "Key");
    assert!(tier["from"].is_string(), "{tier}");
    let overdue = got.iter().find(|e| e["event"] == "overdue").unwrap();
    assert_eq!(overdue["receivable"]["amount"], "50000.00");
    assert_eq!(overdue["receivable"]["due"], "2026-11-01");
    assert_eq!(overdue["days_late"], 23);

    // Another write: nothing fires twice.
    on(&t.db, TODAY, &["note", "ACME", "-m", "all fine"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(events(&log).len(), 3);
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!dir.join(f).exists(), "{f} was created: user text ran");
    }
    assert!(failures(&t.db).is_empty());

    // Removed: no more events.
    ok(&t.db, &["hooks", "rm", "on_complaint"]);
    on(&t.db, TODAY, &["complaint", "GLOBEX", "-m", "again"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(events(&log).len(), 3);
}

#[test]
fn a_hanging_hook_is_killed_at_the_timeout_and_failures_are_recorded() {
    let t = TestDb::new();
    let dir = t.dir.path();
    let csv = dir.join("a.csv");
    std::fs::write(&csv, "key,name,owner\nACME,Acme Corp,ann\n").unwrap();
    // The server inherits the timeout from the client that starts it.
    let start = |args: &[&str]| {
        let out = kam(&t.db)
            .env("KAM_HOOK_TIMEOUT", "3")
            // One server for the whole test, its failures kept.
            .env("KAM_SERVER_IDLE", "30")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    start(&["import", "accounts", csv.to_str().unwrap()]);
    let pid_file = dir.join("pid");
    let hang = script(dir, "hang.sh", r#"echo $$ > "$1"; sleep 60"#);
    let hang_cmd = [hang.to_str().unwrap(), pid_file.to_str().unwrap()];
    start(&[&["hooks", "set", "on_complaint", "--"][..], &hang_cmd[..]].concat());
    start(&[
        "hooks",
        "set",
        "on_overdue",
        "--",
        "/bin/sh",
        "-c",
        "exit 3",
    ]);
    start(&["hooks", "set", "on_tier_change", "/nonexistent/hook"]);

    start(&["complaint", "ACME", "-m", "late"]);
    let read_pid = || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
    };
    assert!(wait_until(Duration::from_secs(5), || read_pid().is_some()));
    let pid = read_pid().unwrap();
    // The write was answered while its hook still ran.
    assert!(alive(pid), "the hook ended before the write was answered");
    assert!(
        wait_until(Duration::from_secs(10), || !failures(&t.db).is_empty()),
        "no failure recorded"
    );
    let f = failures(&t.db);
    assert!(
        f[0].contains("on_complaint") && f[0].contains("timed out after 3.0 s, killed"),
        "{f:?}"
    );
    assert!(
        wait_until(Duration::from_secs(2), || !alive(pid)),
        "the hook still runs"
    );

    // Exit status and a program that does not exist.
    start(&["order", "ACME", "100", "--due", "2026-11-01", "-m", "x"]);
    assert!(wait_until(Duration::from_secs(5), || failures(&t.db).len() == 3));
    let f = failures(&t.db).join("\n");
    assert!(
        f.contains("on_overdue (/bin/sh -c 'exit 3'): exit status: 3"),
        "{f}"
    );
    assert!(
        f.contains("on_tier_change (/nonexistent/hook): cannot start"),
        "{f}"
    );
    let text = String::from_utf8(run(&t.db, &["server", "status"]).stdout).unwrap();
    assert!(text.contains("hooks that failed (last 3):"), "{text}");
    let log = std::fs::read_to_string(t.db.join("kam-server.log")).unwrap();
    assert!(log.contains("hook failed:"), "{log}");
}

#[test]
fn on_overdue_fires_once_when_a_receivable_falls_due_between_days() {
    let t = TestDb::with_accounts();
    let dir = t.dir.path();
    let log = dir.join("events");
    let hook = script(dir, "hook.sh", r#"cat >> "$1""#);
    ok(
        &t.db,
        &[
            "hooks",
            "set",
            "on_overdue",
            "--",
            hook.to_str().unwrap(),
            log.to_str().unwrap(),
        ],
    );
    // Due today: not overdue yet.
    on(
        &t.db,
        TODAY,
        &["order", "GLOBEX", "700.50", "--due", TODAY, "-m", "x"],
    );
    server_common::stop_server(&t.db);
    assert!(events(&log).is_empty());
    // The next day, the new server's first look finds it.
    on(&t.db, "2026-11-25", &["agenda"]);
    assert!(wait_until(Duration::from_secs(5), || events(&log).len() == 1));
    let e = &events(&log)[0];
    assert_eq!(e["event"], "overdue");
    assert_eq!(e["account"]["key"], "GLOBEX");
    assert_eq!(e["receivable"]["amount"], "700.50");
    assert_eq!(e["days_late"], 1);
    // A restart on the same day does not announce it again.
    server_common::stop_server(&t.db);
    on(&t.db, "2026-11-25", &["agenda"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(events(&log).len(), 1);
}
