//! The conventions of a well-made terminal tool (issue 11): completions and
//! a man page from the clap definitions, help text on every argument, the
//! exit codes `kam --help` lists (each one provoked and checked), and
//! `kam model edit` with a real `$EDITOR` process.

mod server_common;

use clap::CommandFactory;
use server_common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn kam_at(db: &Path, local: bool) -> Command {
    let mut c = kam(db);
    if local {
        c.env("KAM_NO_SERVER", "1");
    }
    c
}

#[test]
fn completions_are_generated_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&db, &["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("touch"),
            "{shell} completes the daily commands"
        );
        assert!(script.contains("followup"), "{shell}");
    }
    let bash = ok(&db, &["completions", "bash"]);
    assert!(bash.contains("complete -F _kam"), "{bash}");
    assert!(!db.exists(), "no database is needed or created");
    assert_eq!(run(&db, &["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_from_the_clap_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let page = ok(&dir.path().join("db"), &["man"]);
    assert!(
        page.starts_with(".TH kam 1"),
        "{}",
        &page[..80.min(page.len())]
    );
    for want in [
        ".SH NAME",
        ".SH SYNOPSIS",
        "touch",
        "followup",
        "Exit codes",
    ] {
        assert!(page.contains(want), "{want}");
    }
}

/// Every argument and subcommand says what it is for (`kam --help` and the
/// completions show it).
#[test]
fn every_argument_and_command_has_help_text() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} <{id}>"));
            }
        }
        for sub in cmd.get_subcommands() {
            let p = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_name() != "help" {
                missing.push(p.clone());
            }
            walk(sub, &p, missing);
        }
    }
    let mut missing = Vec::new();
    walk(&kam::cli::args::Cli::command(), "kam", &mut missing);
    assert!(missing.is_empty(), "without help text: {missing:#?}");
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// The codes `kam --help` documents, each provoked by a command.
#[test]
fn each_documented_exit_code_is_what_kam_exits_with() {
    let t = TestDb::new();
    let db = &t.db;
    let help = ok(db, &["--help"]);
    let listed: Vec<i32> = help
        .split("Exit codes:")
        .nth(1)
        .expect("kam --help lists the exit codes")
        .lines()
        .skip(1)
        .map_while(|l| {
            l.trim_start()
                .split_once("  ")
                .and_then(|(n, _)| n.parse().ok())
        })
        .collect();
    assert_eq!(listed, [0, 1, 2, 3, 4], "{help}");
    let mut c = kam_at(db, true);
    c.args(["import", "accounts", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"key,name\nACME,Acme\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let local = |args: &[&str]| kam_at(db, true).args(args).output().unwrap();
    let cases: [(i32, Output); 5] = [
        (0, local(&["segments"])),
        (
            1,
            local(&["export", "accounts", "-o", "/nonexistent-dir/a.csv"]),
        ),
        (2, local(&["segments", "--no-such-option"])),
        (3, local(&["explain", "NOPE"])),
        (
            4,
            kam_at(&t.dir.path().join("missing"), true)
                .arg("segments")
                .output()
                .unwrap(),
        ),
    ];
    for (want, out) in &cases {
        assert_eq!(code(out), *want, "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn keymap_check_exits_as_its_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let help = ok(&db, &["keymap", "check", "--help"]);
    assert!(help.contains("exit 3"), "{help}");
    let bad = dir.path().join("keymap.toml");
    std::fs::write(&bad, "x = [").unwrap();
    let out = run(&db, &["keymap", "check", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 3);
}

/// An `$EDITOR` that is a real process: a shell script that edits the file
/// with sed, differently on each run (it counts its runs in a file), and
/// keeps a copy of what it was given.
fn editor_script(dir: &Path, runs: &[&str]) -> String {
    let mut script = String::from(
        "#!/bin/sh\nn=$(cat \"$0.count\" 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > \"$0.count\"\ncp \"$1\" \"$0.seen$n\"\ncase $n in\n",
    );
    for (i, sed) in runs.iter().enumerate() {
        script.push_str(&format!("  {}) sed -i '{sed}' \"$1\" ;;\n", i + 1));
    }
    script.push_str("esac\n");
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("editor{n}.sh"));
    std::fs::write(&path, script).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    path.to_str().unwrap().to_string()
}

fn model_edit(db: &Path, local: bool, editor: &str, answer: &str) -> Output {
    let mut child = kam_at(db, local)
        .args(["model", "edit"])
        .env("EDITOR", editor)
        .env_remove("VISUAL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn model_name(db: &Path, local: bool) -> String {
    let out = kam_at(db, local).args(["model", "show"]).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn model_edit_previews_asks_and_applies_and_reopens_on_a_mistake() {
    for local in [false, true] {
        let t = TestDb::with_accounts_mode(local);
        let dir = t.dir.path().join(if local { "local" } else { "served" });
        std::fs::create_dir_all(&dir).unwrap();
        let rename = r#"0,/^name = /s/^name = .*/name = "mine"/"#;
        // Run 1 breaks the TOML; run 2 sees the error at the top and fixes it.
        let editor = editor_script(
            &dir,
            &[r#"0,/^name = /s/^name = .*/name = "broken/"#, rename],
        );
        let out = model_edit(&t.db, local, &editor, "y\n");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}{stderr}");
        let reopened = std::fs::read_to_string(format!("{editor}.seen2")).unwrap();
        assert!(
            reopened.starts_with("# kam: this model was not applied:\n# kam: line 1"),
            "{reopened}"
        );
        assert!(
            stdout.contains("would change"),
            "the dry run first: {stdout}"
        );
        assert!(stderr.contains("Apply this model? [y/N]"), "{stderr}");
        assert!(stdout.contains("model mine: "), "{stdout}");
        assert_eq!(model_name(&t.db, local), "name = \"mine\"");

        // An empty answer (or end of input) applies nothing.
        let editor = editor_script(&dir, &[r#"0,/^name = /s/^name = .*/name = "other"/"#]);
        for answer in ["\n", ""] {
            let _ = std::fs::remove_file(format!("{editor}.count"));
            let out = model_edit(&t.db, local, &editor, answer);
            assert!(out.status.success());
            assert!(String::from_utf8_lossy(&out.stdout).contains("nothing applied"));
            assert_eq!(model_name(&t.db, local), "name = \"mine\"");
        }
        // An unchanged file changes nothing and asks nothing.
        let out = model_edit(&t.db, local, "true", "y\n");
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "model unchanged: nothing applied\n"
        );
        // A mistake left as it is gives up: exit 3, nothing applied.
        let editor = editor_script(&dir, &["s/^name = .*/name = [/"]);
        let out = model_edit(&t.db, local, &editor, "y\n");
        assert_eq!(code(&out), 3, "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(model_name(&t.db, local), "name = \"mine\"");
    }
}

trait WithAccounts {
    fn with_accounts_mode(local: bool) -> TestDb;
}

impl WithAccounts for TestDb {
    /// A database with ACME, imported through the server or in-process.
    fn with_accounts_mode(local: bool) -> TestDb {
        let t = TestDb::new();
        let mut child = kam_at(&t.db, local)
            .args(["import", "accounts", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"key,name,owner\nACME,Acme Corp,ann\nGLOBEX,Globex,bob\n")
            .unwrap();
        assert!(child.wait().unwrap().success());
        t
    }
}
