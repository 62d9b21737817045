//! End to end, team mode: two real `kam` TUIs in two tmux panes on one
//! database (through the server the first one starts). An order added in
//! one appears in the other's screen with no key pressed there, with who
//! did it; each shows the other as connected, and who is editing what.

mod requires;
mod tmux_common;
mod tui_common;

use std::time::{Duration, Instant};
use tmux_common::*;
use tui_common::*;

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn an_order_added_in_one_tui_appears_in_the_other() {
    requires::tmux();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db)); // fill the store, then release sled's lock
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    let (exit_a, exit_b) = (dir.path().join("exit-a"), dir.path().join("exit-b"));
    let me = kam::identity::current_user();
    let tmux = Tmux::new("e2e-team");
    let long = Duration::from_secs(15);

    tmux.start("a", &kam_cmd(&dir.path().join("config"), &db, &exit_a));
    tmux.wait_for("a", "the account list", long, |s| {
        s.contains("Accounts 5/5")
    });
    tmux.start("b", &kam_cmd(&dir.path().join("config"), &db, &exit_b));
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
