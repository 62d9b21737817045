//! Text output that fits the client's terminal, colour, `--json` on the
//! views, warnings and progress relayed from the server, the agenda as
//! iCalendar. The real binary, real databases, a pinned clock.

mod server_common;

use kam::commands::Progress;
use kam::server::client::{ClientEvents, ClientHello, new_client_id, run_command_with};
use kam::server::spawn::Endpoint;
use server_common::*;
use std::path::Path;

/// A small demo book with a fixed seed (as of `TODAY`).
fn demo_book() -> TestDb {
    let t = TestDb::new();
    ok(&t.db, &["demo", "--accounts", "14", "--seed", "7"]);
    t
}

/// A view in this process, piped, `COLUMNS` set.
fn view(db: &Path, columns: &str, args: &[&str]) -> String {
    let out = kam(db)
        .env("COLUMNS", columns)
        .env_remove("NO_COLOR")
        .arg("--no-server")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn width(s: &str) -> usize {
    kam::domain::text::width(s)
}

#[test]
fn text_views_fit_80_and_200_columns() {
    let t = demo_book();
    ok(&t.db, &["server", "stop"]);
    for (name, args) in [
        ("segments", &["segments"][..]),
        ("agenda", &["agenda", "--owner", "all"][..]),
        ("matrix", &["matrix"][..]),
    ] {
        let narrow = view(&t.db, "80", args);
        let wide = view(&t.db, "200", args);
        for line in narrow.lines() {
            assert!(width(line) <= 80, "{name} at 80: {line}");
        }
        assert!(
            !narrow.contains('\x1b') && !wide.contains('\x1b'),
            "piped: no colour"
        );
        insta::assert_snapshot!(format!("{name}_80"), narrow);
        insta::assert_snapshot!(format!("{name}_200"), wide);
    }
    // Piped without COLUMNS: whole lines for scripts (nothing cut).
    let out = kam(&t.db)
        .env_remove("COLUMNS")
        .args(["--no-server", "segments"])
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains('…'));
}

#[test]
fn money_is_grouped_in_text_only_and_colour_follows_the_flag() {
    let t = demo_book();
    let text = ok(&t.db, &["segments"]);
    assert!(
        text.lines().skip(1).any(|l| l
            .split_whitespace()
            .any(|w| w.contains(',') && w.ends_with(|c: char| c.is_ascii_digit()))),
        "grouped amounts in text:\n{text}"
    );
    let json = ok(&t.db, &["segments", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for a in v["accounts"].as_array().unwrap() {
        assert!(!a["revenue_12m"].as_str().unwrap().contains(','));
    }
    let csv = ok(&t.db, &["export", "interactions"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let amount = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "amount")
        .unwrap();
    let mut amounts = 0;
    for row in r.records() {
        let a = row.unwrap()[amount].to_string();
        assert!(!a.contains(','), "CSV amount {a}");
        amounts += usize::from(!a.is_empty());
    }
    assert!(amounts > 0);
    let coloured = ok(&t.db, &["--color", "always", "segments"]);
    assert!(coloured.contains("\x1b["), "--color always colours tiers");
    let never = kam(&t.db)
        .args(["--color", "never", "segments"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\x1b'));
}

#[test]
fn matrix_has_json() {
    let t = demo_book();
    let v: serde_json::Value = serde_json::from_str(&ok(&t.db, &["matrix", "--json"])).unwrap();
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(
        cells.len() as u64,
        v["rows"].as_u64().unwrap() * v["cols"].as_u64().unwrap()
    );
    let count: u64 = cells.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(count, 14);
    for c in cells {
        let r = c["revenue_12m"].as_str().unwrap();
        assert_eq!(r.split_once('.').unwrap().1.len(), 2, "{r}");
        assert!(c["tier"].is_string() && c["share"].is_number());
    }
}

#[test]
fn an_owner_with_no_accounts_is_said_on_stderr_through_the_server() {
    let t = TestDb::with_accounts();
    let out = run(&t.db, &["agenda", "--owner", "nobody"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "kam: no accounts owned by 'nobody'\n"
    );
    let out = run(&t.db, &["agenda", "--owner", "ann"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_tui_flag_with_a_command_is_a_usage_error() {
    let t = TestDb::with_accounts();
    let out = run(&t.db, &["--agenda", "matrix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--agenda"));
}

struct Collect(Vec<Progress>, Vec<String>);

impl ClientEvents for Collect {
    fn progress(&mut self, step: &Progress) {
        self.0.push(step.clone());
    }
    fn warning(&mut self, message: &str) {
        self.1.push(message.to_string());
    }
}

#[test]
fn progress_is_relayed_from_the_server_and_piped_stderr_stays_clean() {
    let t = TestDb::new();
    let csv = t.dir.path().join("big.csv");
    let mut text = String::from("key,name,owner\n");
    for i in 0..3000 {
        text.push_str(&format!("K{i:05},Account {i},ann\n"));
    }
    std::fs::write(&csv, text).unwrap();
    // The server is started the way every command starts it.
    ok(&t.db, &["review"]);
    let ep = Endpoint {
        db: t.db.clone(),
        as_of_arg: Some(TODAY.into()),
        exe: EXE.into(),
    };
    let hello = ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id: new_client_id(),
        subscribe: false,
    };
    let cmd = kam::commands::Command::Import {
        kind: kam::transfer::columns::RecordKind::Accounts,
        file: csv.clone(),
        dry_run: false,
        options: Default::default(),
    };
    let mut events = Collect(Vec::new(), Vec::new());
    let mut out = Vec::new();
    run_command_with(&ep, &hello, &cmd, Default::default(), &mut out, &mut events).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("3000 created"));
    let steps = &events.0;
    assert!(steps.len() >= 10, "{} steps", steps.len());
    assert!(steps.iter().all(|s| s.what == "import accounts"));
    assert!(steps.windows(2).all(|w| w[0].done <= w[1].done));
    let last = steps.last().unwrap();
    assert_eq!(last.done, last.total);

    // A model switch reports its re-scoring too.
    let cmd = kam::commands::Command::Model(kam::commands::ModelCommand::Preset {
        name: "volume-loyalty".into(),
        dry_run: false,
    });
    let mut events = Collect(Vec::new(), Vec::new());
    run_command_with(
        &ep,
        &hello,
        &cmd,
        Default::default(),
        &mut Vec::new(),
        &mut events,
    )
    .unwrap();
    let what: Vec<(u64, u64, &str)> = events
        .0
        .iter()
        .map(|s| (s.done, s.total, s.what.as_str()))
        .collect();
    assert_eq!(
        what,
        [
            (0, 1, "model volume-loyalty"),
            (1, 1, "model volume-loyalty")
        ]
    );

    // The same through the binary, stderr piped: no bar, no noise.
    let out = run(&t.db, &["import", "accounts", csv.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kam(&t.db)
        .args(["--no-server", "demo", "--accounts", "5"])
        .env("KAM_DB", t.dir.path().join("demo"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Lines of an iCalendar text, unfolded, after checking the folding.
fn ics_lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"));
    for raw in text.split("\r\n") {
        assert!(raw.len() <= 75, "{} octets: {raw}", raw.len());
        assert!(!raw.contains('\n'));
    }
    kam::transfer::contentline::unfold(text)
        .into_iter()
        .map(|(_, l)| l)
        .collect()
}

#[test]
fn agenda_as_icalendar_and_the_file_the_server_keeps() {
    let t = demo_book();
    let text = ok(&t.db, &["agenda", "--owner", "all", "--ics"]);
    let lines = ics_lines(&text);
    assert_eq!(lines.first().unwrap(), "BEGIN:VCALENDAR");
    assert_eq!(lines.last().unwrap(), "END:VCALENDAR");
    let uids: Vec<&String> = lines.iter().filter(|l| l.starts_with("UID:")).collect();
    let events = lines.iter().filter(|l| *l == "BEGIN:VEVENT").count();
    assert!(events > 0);
    assert_eq!(uids.len(), events);
    let unique: std::collections::HashSet<_> = uids.iter().collect();
    assert_eq!(unique.len(), uids.len(), "UIDs are unique");
    // Stable: the same book gives the same calendar.
    assert_eq!(ok(&t.db, &["agenda", "--owner", "all", "--ics"]), text);

    // A write through the server refreshes every owner's calendar file.
    let v: serde_json::Value = serde_json::from_str(&ok(&t.db, &["segments", "--json"])).unwrap();
    let key = v["accounts"][0]["key"].as_str().unwrap().to_string();
    let tier = v["accounts"][0]["tier"].as_str().unwrap().to_string();
    ok(&t.db, &["pin", &key, &tier, "--reason", "test"]);
    let all = ics_lines(&ok(&t.db, &["agenda", "--owner", "all", "--ics"]));
    let want = all.iter().filter(|l| *l == "BEGIN:VEVENT").count();
    // The server rewrites the files shortly after a write (not on the
    // write's own path): wait for them.
    let start = std::time::Instant::now();
    loop {
        let files: Vec<_> = std::fs::read_dir(&t.db)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("agenda-") && n.ends_with(".ics"))
            .collect();
        let mut from_files = 0;
        for f in &files {
            let text = std::fs::read_to_string(t.db.join(f)).unwrap();
            from_files += ics_lines(&text)
                .iter()
                .filter(|l| *l == "BEGIN:VEVENT")
                .count();
        }
        if !files.is_empty() && from_files == want {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the per-owner files ({files:?}, {from_files} events) should hold the whole \
             agenda ({want} events)"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
