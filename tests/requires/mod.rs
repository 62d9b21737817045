//! Tests that need something from the machine — tmux on PATH, or root (to
//! create OS users) — must never pass without having run. The design:
//!
//! * Such a test carries
//!   `#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]`
//!   (or `"needs root"`) and its first line is `requires::tmux()` (or
//!   `requires::root()`).
//! * The `system-tests` feature is on by default, so `cargo test` — the
//!   README command, which CI runs as root after installing tmux — runs them.
//!   When the requirement is missing, the helper panics naming what is
//!   missing and how to get it: the test FAILS; it does not return early and
//!   count as passed.
//! * On a machine that cannot provide it, `cargo test --no-default-features`
//!   turns them off: cargo then prints each as `ignored, needs tmux` and
//!   counts it under "ignored" in the summary — skipped, and saying so.
//!
//! Why not a runtime skip (an environment variable, a check and `return`):
//! the stable test harness has no "skipped" outcome, so whatever a test
//! decides at run time is reported as passed or failed; only `#[ignore]` is
//! reported as not run. And a message printed by a passing test is captured
//! and never shown.

#![allow(dead_code)]

use std::process::Command;

/// How to turn these tests off honestly, for the failure messages.
const OPT_OUT: &str = "on a machine without it, run `cargo test --no-default-features` \
                       to have such tests reported as ignored instead";

/// Fails the calling test unless `tmux` runs.
#[track_caller]
pub fn tmux() {
    let runs = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        runs,
        "NOT RUN: this test needs tmux on PATH (apt-get install tmux); {OPT_OUT}"
    );
}

/// Fails the calling test unless it runs as root.
#[track_caller]
pub fn root() {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    assert!(
        uid == 0,
        "NOT RUN: this test needs root (uid 0, it creates OS users with useradd), \
         running as uid {uid}; CI runs as root; {OPT_OUT}"
    );
}
