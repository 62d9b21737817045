//! A private tmux server for end-to-end tests: the real `kam` binary in a
//! pseudo-terminal, typed at like a user, its screen read back.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of our own (`-L`), killed on drop; one session per `kam`.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("kam-{tag}-{}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Starts `cmd` in a new 120×40 session that stays after it exits.
    pub fn start(&self, session: &str, cmd: &str) {
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

    pub fn capture(&self, session: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", session]).stdout).into()
    }

    pub fn keys(&self, session: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", session];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Polls the screen until `pred` holds (the app draws after each event).
    pub fn wait_for(
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

/// A plain `kam` on `db`, through the team server it starts (which leaves a
/// second after the last TUI). The shell records the exit status in `exit`:
/// tmux itself is sometimes slow to notice that a pane's process ended.
pub fn kam_cmd(config_home: &Path, db: &Path, exit: &Path) -> String {
    format!(
        "env -u KAM_NO_SERVER KAM_SERVER_IDLE=1 KAM_TODAY=2025-03-01 NO_COLOR=1 \
         XDG_CONFIG_HOME='{}' TERM=xterm-256color '{}' --db '{}'; echo $? > '{}'",
        config_home.display(),
        env!("CARGO_BIN_EXE_kam"),
        db.display(),
        exit.display()
    )
}

/// Waits for the exit status written by `kam_cmd`'s shell.
pub fn wait_exit(file: &Path) -> String {
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
