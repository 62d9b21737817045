//! End to end: the real `kam` binary in a pseudo-terminal (tmux), typed at
//! like a user; asserts what the screen shows and what was stored.

mod tui_common;

use kam::backend::Backend;
use kam::book::Book;
use kam::clock::Clock;
use kam::store::Store;
use std::process::Command;
use std::time::{Duration, Instant};
use tui_common::*;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "kam"]).stdout).into()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "kam"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `pred` holds (the app draws after each key).
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.capture();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Our own private server (-L), never anyone else's.
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_user_adds_an_order_in_the_real_binary() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed; the pty end-to-end test needs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db)); // fill the store, then release sled's lock
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();

    let tmux = Tmux {
        socket: format!("kam-e2e-{}", std::process::id()),
    };
    let exit_file = dir.path().join("exit");
    let cmd = format!(
        // A plain `kam`, through the team server it starts (which leaves a
        // second after the TUI has gone). The shell records its exit status:
        // tmux itself is sometimes slow to notice that a pane's process ended.
        "env -u KAM_NO_SERVER KAM_SERVER_IDLE=1 KAM_TODAY=2025-03-01 NO_COLOR=1 XDG_CONFIG_HOME='{}' \
         TERM=xterm-256color '{}' --db '{}'; echo $? > '{}'",
        config.display(),
        env!("CARGO_BIN_EXE_kam"),
        db.display(),
        exit_file.display()
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "kam",
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ]);
    assert!(out.status.success(), "tmux: {out:?}");
    tmux.run(&["set-option", "-t", "kam", "remain-on-exit", "on"]);

    let s = tmux.wait_for("the account list", |s| s.contains("Accounts 5/5"));
    assert!(s.contains("as of 2025-03-01"), "{s}");
    assert!(s.contains("华为技术有限公司"), "{s}");

    tmux.keys(&["/"]);
    tmux.wait_for("the search popup", |s| s.contains("Search ·"));
    tmux.keys(&["-l", "globex"]);
    tmux.wait_for("one match", |s| s.contains("Search · 1 matches"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Globex selected", |s| s.contains("Profile · GLOBEX"));
    tmux.keys(&["i"]);
    tmux.wait_for("the interaction form", |s| s.contains("Add interaction"));
    tmux.keys(&["Tab", "Tab", "Tab"]);
    tmux.keys(&["-l", "9000000"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["-l", "3000000"]);
    tmux.keys(&["C-s"]);
    let s = tmux.wait_for("the tier change", |s| {
        s.contains("GLOBEX: Development → Key")
    });
    let globex_row = s
        .lines()
        .find(|l| l.contains("Globex Corp") && l.contains("9.0M"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(globex_row.contains("KEY"), "{s}");

    tmux.keys(&["q"]);
    let start = Instant::now();
    let status = loop {
        if let Ok(st) = std::fs::read_to_string(&exit_file)
            && st.ends_with('\n')
        {
            break st.trim().to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "kam did not quit; screen:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, "0", "exit status");
    // The terminal was restored: the alternate screen is gone.
    let after = tmux.capture();
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
    assert_eq!(book.score(globex).unwrap().tier, "Key");
    let orders = Backend::interactions_of(&book, globex).unwrap();
    assert!(
        orders
            .iter()
            .any(|i| i.amount == Some(kam::domain::Money::from_units(9_000_000)))
    );
}
