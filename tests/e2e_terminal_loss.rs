//! End to end: a TUI whose terminal goes away stops within a second, never
//! spins, and keeps the open form's unsaved text as a draft that the next
//! start offers again (issue: a TUI started through `su` got no SIGHUP and
//! looped on `read(0) = 0` for ever).

mod requires;
mod tmux_common;
mod tui_common;

use kam::backend::Backend;
use kam::book::Book;
use kam::clock::Clock;
use kam::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tmux_common::*;
use tui_common::*;

const LIMIT: Duration = Duration::from_secs(15);

struct Setup {
    _dir: tempfile::TempDir,
    db: PathBuf,
    state: PathBuf,
    config: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db));
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    Setup {
        state: dir.path().join("state"),
        db,
        config,
        _dir: dir,
    }
}

/// `kam` on the setup's database in this process, exec'd by the pane's
/// shell (so the pane's pid is kam's); `prefix` runs first in that shell.
fn kam_in_pane(s: &Setup, prefix: &str) -> String {
    format!(
        "{prefix} exec env KAM_NO_SERVER=1 KAM_TODAY=2025-03-01 NO_COLOR=1 TERM=xterm-256color \
         XDG_CONFIG_HOME='{}' XDG_STATE_HOME='{}' '{}' --db '{}'",
        s.config.display(),
        s.state.display(),
        env!("CARGO_BIN_EXE_kam"),
        s.db.display()
    )
}

fn pane_pid(tmux: &Tmux, session: &str) -> i32 {
    let out = tmux.run(&["display-message", "-p", "-t", session, "#{pane_pid}"]);
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Gone, or a zombie nobody has reaped yet: it no longer runs.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_gone(pid: i32, what: &str) -> Duration {
    let start = Instant::now();
    while running(pid) {
        if start.elapsed() >= Duration::from_secs(5) {
            // Not left spinning after the test: that is the bug itself.
            // SAFETY: a signal to the kam process this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!(
                "kam (pid {pid}) still ran {:?} after {what}",
                start.elapsed()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

/// Opens the interaction form on the first account and types a summary.
fn type_into_a_form(tmux: &Tmux, session: &str, text: &str) {
    tmux.wait_for(session, "the account list", LIMIT, |s| {
        s.contains("Accounts 5/5")
    });
    tmux.keys(session, &["i"]);
    tmux.wait_for(session, "the interaction form", LIMIT, |s| {
        s.contains("Add interaction")
    });
    // Kind (an order), date, then the summary and the amount.
    tmux.keys(session, &["Tab", "Tab"]);
    tmux.keys(session, &["-l", text]);
    tmux.keys(session, &["Tab"]);
    tmux.keys(session, &["-l", "1250"]);
    tmux.wait_for(session, "the typed text", LIMIT, |s| {
        s.contains(text) && s.contains("1250")
    });
}

fn drafts(state: &Path) -> Vec<String> {
    match std::fs::read_dir(state.join("kam").join("drafts")) {
        Ok(d) => d
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn a_closed_terminal_without_sighup_ends_kam_and_the_draft_comes_back() {
    requires::tmux();
    let s = setup();
    let tmux = Tmux::new("loss");
    // Keeps tmux's server alive to reap kam when the other session goes.
    tmux.start("keep", "sleep 600");
    // SIGHUP ignored, as under `su`/`runuser`: only the closed terminal
    // itself tells kam to stop.
    tmux.start("kam", &kam_in_pane(&s, "trap '' HUP;"));
    type_into_a_form(&tmux, "kam", "asked for a quote");
    let pid = pane_pid(&tmux, "kam");
    tmux.run(&["kill-session", "-t", "kam"]);
    let took = wait_gone(pid, "its terminal closed");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let kept = drafts(&s.state);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains("asked for a quote"), "{kept:?}");

    // The next start offers the form again, with the text; saving stores it.
    tmux.start("again", &kam_in_pane(&s, ""));
    let screen = tmux.wait_for("again", "the restored form", LIMIT, |s| {
        s.contains("Add interaction") && s.contains("asked for a quote")
    });
    assert!(screen.contains("Restored the unsaved form"), "{screen}");
    assert!(drafts(&s.state).is_empty(), "offered once");
    tmux.keys("again", &["C-s"]);
    tmux.wait_for("again", "the form saved", LIMIT, |s| {
        !s.contains("Add interaction")
    });
    tmux.keys("again", &["q"]);
    wait_gone(pane_pid(&tmux, "again"), "q");
    let book = Book::open(Store::open(&s.db).unwrap(), Clock::fixed(today()), USER).unwrap();
    let saved = book
        .accounts()
        .unwrap()
        .iter()
        .flat_map(|a| Backend::interactions_of(&book, a.id).unwrap())
        .filter(|i| i.summary == "asked for a quote")
        .count();
    assert_eq!(saved, 1);
}

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn sigterm_and_sighup_end_kam_at_once_and_keep_the_draft() {
    requires::tmux();
    for (signal, text) in [(libc::SIGTERM, "term draft"), (libc::SIGHUP, "hup draft")] {
        let s = setup();
        let tmux = Tmux::new("signal");
        tmux.start("kam", &kam_in_pane(&s, ""));
        type_into_a_form(&tmux, "kam", text);
        let pid = pane_pid(&tmux, "kam");
        // SAFETY: a signal to the kam process this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let took = wait_gone(pid, "the signal");
        assert!(took < Duration::from_secs(2), "took {took:?}");
        let kept = drafts(&s.state);
        assert!(
            kept.len() == 1 && kept[0].contains(text),
            "signal {signal}: {kept:?}"
        );
    }
}
