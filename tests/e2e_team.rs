//! End to end, team mode: two real `kam` TUIs in two tmux panes on one
//! database (through the server the first one starts). An order added in
//! one appears in the other's screen with no key pressed there, with who
//! did it; each shows the other as connected, and who is editing what.

mod tui_common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tui_common::*;

/// A private tmux server (`-L`) with one session per `kam`.
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

    fn start(&self, session: &str, cmd: &str) {
        let out = self.run(&[
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "120",
            "-y",
            "40",
            cmd,
        ]);
        assert!(out.status.success(), "tmux: {out:?}");
        self.run(&["set-option", "-t", session, "remain-on-exit", "on"]);
    }

    fn capture(&self, session: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", session]).stdout).into()
    }

    fn keys(&self, session: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", session];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn wait_for(
        &self,
        session: &str,
        what: &str,
        limit: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let s = self.capture(session);
            if pred(&s) {
                return s;
            }
            if start.elapsed() > limit {
                panic!("{session}: timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
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

/// The `kam` command line for a pane; its exit status lands in `exit`.
fn kam_cmd(dir: &Path, db: &Path, exit: &Path) -> String {
    format!(
        "env -u KAM_NO_SERVER KAM_SERVER_IDLE=1 KAM_TODAY=2025-03-01 NO_COLOR=1 \
         XDG_CONFIG_HOME='{}' TERM=xterm-256color '{}' --db '{}'; echo $? > '{}'",
        dir.join("config").display(),
        env!("CARGO_BIN_EXE_kam"),
        db.display(),
        exit.display()
    )
}

fn wait_exit(file: &PathBuf) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(file)
            && s.ends_with('\n')
        {
            return s.trim().to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "kam did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_order_added_in_one_tui_appears_in_the_other() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed; the pty end-to-end test needs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db)); // fill the store, then release sled's lock
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    let (exit_a, exit_b) = (dir.path().join("exit-a"), dir.path().join("exit-b"));
    let me = kam::identity::current_user();
    let tmux = Tmux {
        socket: format!("kam-e2e-team-{}", std::process::id()),
    };
    let long = Duration::from_secs(15);

    tmux.start("a", &kam_cmd(dir.path(), &db, &exit_a));
    tmux.wait_for("a", "the account list", long, |s| {
        s.contains("Accounts 5/5")
    });
    tmux.start("b", &kam_cmd(dir.path(), &db, &exit_b));
    tmux.wait_for("b", "the account list", long, |s| {
        s.contains("Accounts 5/5")
    });
    // Each sees the other (the same OS user in two sessions).
    let here = format!("also here: {me}");
    tmux.wait_for("a", "b's presence", long, |s| s.contains(&here));
    tmux.wait_for("b", "a's presence", long, |s| s.contains(&here));

    // Both on Globex; A opens a form on it: B is told.
    for s in ["a", "b"] {
        tmux.keys(s, &["/"]);
        tmux.wait_for(s, "the search popup", long, |x| x.contains("Search ·"));
        tmux.keys(s, &["-l", "globex"]);
        tmux.wait_for(s, "one match", long, |x| x.contains("Search · 1 matches"));
        tmux.keys(s, &["Enter"]);
        tmux.wait_for(s, "Globex selected", long, |x| {
            x.contains("Profile · GLOBEX")
        });
    }
    tmux.keys("a", &["i"]);
    tmux.wait_for("a", "the interaction form", long, |s| {
        s.contains("Add interaction")
    });
    let editing = format!("{me} is editing this account");
    tmux.wait_for("b", "the editing hint", Duration::from_secs(3), |s| {
        s.contains(&editing)
    });
    let before_b = tmux.capture("b");
    assert!(!before_b.contains("9.0M"), "{before_b}");

    // A adds a 9M order; B shows it with no key pressed.
    tmux.keys("a", &["Tab", "Tab", "Tab"]);
    tmux.keys("a", &["-l", "9000000"]);
    tmux.keys("a", &["Tab"]);
    tmux.keys("a", &["-l", "3000000"]);
    tmux.keys("a", &["C-s"]);
    tmux.wait_for("a", "the save", long, |s| {
        s.contains("Saved · ") && s.contains("9.0M")
    });
    let saved = Instant::now();
    let logged = format!("{me}: logged order on GLOBEX");
    let s = tmux.wait_for("b", "the order from a", Duration::from_secs(2), |s| {
        s.contains(&logged) && s.contains("9.0M")
    });
    assert!(saved.elapsed() <= Duration::from_secs(2));
    let globex_row = s
        .lines()
        .find(|l| l.contains("Globex Corp") && l.contains("9.0M"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(globex_row.contains("KEY"), "{s}");
    // The form closed: nobody is editing any more.
    tmux.wait_for("b", "the editing hint gone", Duration::from_secs(3), |s| {
        !s.contains(&editing)
    });

    for (s, exit) in [("a", &exit_a), ("b", &exit_b)] {
        tmux.keys(s, &["q"]);
        assert_eq!(wait_exit(exit), "0", "{s}'s exit status");
    }
}
