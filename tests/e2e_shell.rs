//! End to end, the terminal manners: Ctrl-Z suspends the real `kam` to an
//! interactive shell (job control) and `fg` brings it back, redrawn whole,
//! still talking to its team server.

mod requires;
mod tmux_common;
mod tui_common;

use std::time::Duration;
use tmux_common::*;
use tui_common::*;

const LIMIT: Duration = Duration::from_secs(15);

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn ctrl_z_suspends_to_the_shell_and_fg_redraws() {
    requires::tmux();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db));
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    // The exit status comes from `fg`'s job, so the shell's own record of
    // it (`; echo $? > file`, which a stop answers at once with 148) goes.
    let cmd = kam_cmd(&config, &db, &dir.path().join("exit"));
    let cmd = cmd.rsplit_once("; echo").unwrap().0.to_string();

    let tmux = Tmux::new("e2e-shell");
    // An interactive shell, for job control (`fg`).
    tmux.start("sh", "env PS1='shell$ ' bash --norc --noprofile -i");
    tmux.wait_for("sh", "the prompt", LIMIT, |s| s.contains("shell$"));
    tmux.keys("sh", &["-l", &cmd]);
    tmux.keys("sh", &["Enter"]);
    tmux.wait_for("sh", "the account list", LIMIT, |s| {
        s.contains("Accounts 5/5")
    });

    tmux.keys("sh", &["C-z"]);
    tmux.wait_for("sh", "the shell back", LIMIT, |s| {
        s.contains("Stopped") && !s.contains("Accounts 5/5")
    });
    // The shell takes commands while kam is stopped.
    tmux.keys("sh", &["-l", "echo still-$((40+2))"]);
    tmux.keys("sh", &["Enter"]);
    tmux.wait_for("sh", "the shell's answer", LIMIT, |s| {
        s.contains("still-42")
    });
    tmux.keys("sh", &["-l", "clear; fg"]);
    tmux.keys("sh", &["Enter"]);
    // Redrawn whole: the list, the side pane and the status bar, none of
    // the shell's text left over.
    let s = tmux.wait_for("sh", "kam redrawn", LIMIT, |s| {
        s.contains("Accounts 5/5") && s.contains("as of 2025-03-01")
    });
    assert!(!s.contains("still-42"), "{s}");
    // The server connection still answers: a search over the book.
    tmux.keys("sh", &["/"]);
    tmux.wait_for("sh", "the search popup", LIMIT, |s| s.contains("Search ·"));
    tmux.keys("sh", &["-l", "globex"]);
    tmux.keys("sh", &["Enter"]);
    tmux.wait_for("sh", "Globex selected", LIMIT, |s| {
        s.contains("Profile · GLOBEX")
    });
    tmux.keys("sh", &["q"]);
    tmux.wait_for("sh", "the prompt after quitting", LIMIT, |s| {
        s.lines().any(|l| l.trim_end() == "shell$")
    });
    tmux.keys("sh", &["-l", "echo rc=$?"]);
    tmux.keys("sh", &["Enter"]);
    tmux.wait_for("sh", "kam's exit status", LIMIT, |s| s.contains("rc=0"));
}

/// `y` reaches the terminal's clipboard: tmux with `set-clipboard on` is
/// such a terminal, and takes the OSC 52 sequence into its paste buffer.
#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn y_puts_the_key_on_the_terminals_clipboard() {
    requires::tmux();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db));
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let exit_file = dir.path().join("exit");
    let tmux = Tmux::new("e2e-copy");
    tmux.start("kam", &kam_cmd(&config, &db, &exit_file));
    let out = tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
    assert!(out.status.success(), "{out:?}");
    tmux.wait_for("kam", "the account list", LIMIT, |s| {
        s.contains("Accounts 5/5")
    });
    tmux.keys("kam", &["y"]);
    let s = tmux.wait_for("kam", "the copy message", LIMIT, |s| {
        s.contains("Copied the key ")
    });
    let key = s
        .split("Copied the key ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    let start = std::time::Instant::now();
    loop {
        let buf = tmux.run(&["show-buffer"]);
        if String::from_utf8_lossy(&buf.stdout) == key {
            break;
        }
        assert!(
            start.elapsed() < LIMIT,
            "tmux buffer: {:?}, wanted {key}",
            String::from_utf8_lossy(&buf.stdout)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys("kam", &["q"]);
    assert_eq!(wait_exit(&exit_file), "0");
}

/// The title of the side pane: the selected account's key.
fn profile_key(screen: &str) -> Option<String> {
    let rest = screen.split("Profile · ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_string())
}

/// A click on the fourth row, as the terminal reports it (SGR mouse
/// mode: 1-based column and row), selects that account — unless the
/// user's config.toml says `mouse = false`.
#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn a_click_selects_unless_the_config_turns_the_mouse_off() {
    requires::tmux();
    for mouse in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        drop(book(&db));
        let config = dir.path().join("config");
        std::fs::create_dir_all(config.join("kam")).unwrap();
        if !mouse {
            std::fs::write(config.join("kam").join("config.toml"), "mouse = false\n").unwrap();
        }
        let exit_file = dir.path().join("exit");
        let tmux = Tmux::new(if mouse {
            "e2e-mouse-on"
        } else {
            "e2e-mouse-off"
        });
        tmux.start("kam", &kam_cmd(&config, &db, &exit_file));
        let s = tmux.wait_for("kam", "the profile beside the list", LIMIT, |s| {
            s.contains("Accounts 5/5") && profile_key(s).is_some()
        });
        let first = profile_key(&s).unwrap();
        // Row 6 on screen (1-based): border, header, then the fourth row.
        tmux.keys("kam", &["-l", "\x1b[<0;11;6M\x1b[<0;11;6m"]);
        if mouse {
            let s = tmux.wait_for("kam", "another account selected", LIMIT, |s| {
                profile_key(s).is_some_and(|k| k != first)
            });
            let picked = profile_key(&s).unwrap();
            // The same row by keys: three down from the top.
            tmux.keys("kam", &["g", "g", "j", "j", "j"]);
            std::thread::sleep(Duration::from_millis(500));
            assert_eq!(profile_key(&tmux.capture("kam")).unwrap(), picked);
        } else {
            std::thread::sleep(Duration::from_millis(800));
            let s = tmux.capture("kam");
            assert_eq!(profile_key(&s).unwrap(), first, "{s}");
        }
        tmux.keys("kam", &["q"]);
        assert_eq!(wait_exit(&exit_file), "0");
    }
}

/// Ctrl-E in the summary: the editor runs on a terminal given back to it
/// (cooked mode, as `stty` reports it), and its text comes back into the
/// field, which saves as typed.
#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn ctrl_e_edits_the_summary_in_the_editor_on_a_restored_terminal() {
    requires::tmux();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(book(&db));
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let exit_file = dir.path().join("exit");
    let stty = dir.path().join("stty.txt");
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nstty -a > '{}'\nprintf 'Asked for the Q1 quote.\\nVisit next week.\\n' > \"$1\"\n",
            stty.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmux = Tmux::new("e2e-editor");
    let cmd = format!(
        "VISUAL='{}' {}",
        editor.display(),
        kam_cmd(&config, &db, &exit_file)
    );
    tmux.start("kam", &cmd);
    tmux.wait_for("kam", "the account list", LIMIT, |s| {
        s.contains("Accounts 5/5")
    });
    tmux.keys("kam", &["i"]);
    tmux.wait_for("kam", "the interaction form", LIMIT, |s| {
        s.contains("Add interaction")
    });
    tmux.keys("kam", &["Tab", "Tab"]);
    tmux.keys("kam", &["-l", "draft"]);
    tmux.keys("kam", &["C-e"]);
    let s = tmux.wait_for("kam", "the text back in the form", LIMIT, |s| {
        s.contains("Text taken from the editor")
    });
    assert!(s.contains("Asked for the Q1 quote."), "{s}");
    assert!(s.contains("Add interaction"), "the form is still open: {s}");
    let modes = std::fs::read_to_string(&stty).unwrap();
    assert!(
        modes.split_whitespace().any(|w| w == "icanon"),
        "the editor got a raw terminal: {modes}"
    );
    tmux.keys("kam", &["q"]);
    // q is typed text in a form: Esc, discard, then quit.
    tmux.keys("kam", &["Escape"]);
    tmux.keys("kam", &["y"]);
    tmux.keys("kam", &["q"]);
    assert_eq!(wait_exit(&exit_file), "0");
}
