//! End to end: the real `kam` binary in a pseudo-terminal (tmux), typed at
//! like a user; asserts what the screen shows and what was stored.

mod requires;
mod tmux_common;
mod tui_common;

use kam::backend::Backend;
use kam::book::Book;
use kam::clock::Clock;
use kam::store::Store;
use std::time::{Duration, Instant};
use tmux_common::*;
use tui_common::*;

/// How long the screen may take to show what a key asked for.
const LIMIT: Duration = Duration::from_secs(15);

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn a_user_adds_an_order_in_the_real_binary() {
    requires::tmux();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db)); // fill the store, then release sled's lock
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();

    let tmux = Tmux::new("e2e");
    let exit_file = dir.path().join("exit");
    tmux.start("kam", &kam_cmd(&config, &db, &exit_file));

    let s = tmux.wait_for("kam", "the account list", LIMIT, |s| {
        s.contains("Accounts 5/5")
    });
    assert!(s.contains("as of 2025-03-01"), "{s}");
    assert!(s.contains("华为技术有限公司"), "{s}");

    tmux.keys("kam", &["/"]);
    tmux.wait_for("kam", "the search popup", LIMIT, |s| s.contains("Search ·"));
    tmux.keys("kam", &["-l", "globex"]);
    tmux.wait_for("kam", "one match", LIMIT, |s| {
        s.contains("Search · 1 matches")
    });
    tmux.keys("kam", &["Enter"]);
    tmux.wait_for("kam", "Globex selected", LIMIT, |s| {
        s.contains("Profile · GLOBEX")
    });
    tmux.keys("kam", &["i"]);
    tmux.wait_for("kam", "the interaction form", LIMIT, |s| {
        s.contains("Add interaction")
    });
    tmux.keys("kam", &["Tab", "Tab", "Tab"]);
    tmux.keys("kam", &["-l", "9000000"]);
    tmux.keys("kam", &["Tab"]);
    tmux.keys("kam", &["-l", "3000000"]);
    tmux.keys("kam", &["C-s"]);
    let s = tmux.wait_for("kam", "the tier change", LIMIT, |s| {
        s.contains("GLOBEX: Development → Key")
    });
    let globex_row = s
        .lines()
        .find(|l| l.contains("Globex Corp") && l.contains("9.0M"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(globex_row.contains("KEY"), "{s}");

    tmux.keys("kam", &["q"]);
    let status = wait_exit(&exit_file);
    assert_eq!(status, "0", "exit status");
    // The terminal was restored: the alternate screen is gone.
    let after = tmux.capture("kam");
    assert!(!after.contains("Accounts 5/5"), "{after}");

    // What was stored survives the process (and its server, once gone).
    let start = Instant::now();
    let store = loop {
        match Store::open(&db) {
            Ok(s) => break s,
            Err(_) if start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("the database stayed locked: {e}"),
        }
    };
    let book = Book::open(store, Clock::fixed(today()), USER).unwrap();
    let globex = book.account_by_key("GLOBEX").unwrap().id;
    assert_eq!(book.score(globex).unwrap().unwrap().tier, "Key");
    let orders = Backend::interactions_of(&book, globex).unwrap();
    assert!(
        orders
            .iter()
            .any(|i| i.amount == Some(kam::domain::Money::from_units(9_000_000)))
    );
}

/// The rule of tests/requires: without tmux the end-to-end test above must
/// FAIL, saying what is missing — never return early and count as passed.
/// Re-runs it in a child whose PATH holds no tmux (`--include-ignored`, so
/// this holds with the `system-tests` feature off as well).
#[test]
fn without_tmux_the_end_to_end_test_fails_instead_of_passing() {
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_user_adds_an_order_in_the_real_binary",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "passed without tmux:\n{text}");
    assert!(text.contains("1 failed"), "{text}");
    assert!(
        text.contains("needs tmux on PATH (apt-get install tmux)"),
        "{text}"
    );
}
