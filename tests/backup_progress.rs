//! Progress of `kam backup` (relayed from the server) and `kam restore`
//! (drawn by the client itself): steps rise to the total, and a piped
//! stderr stays silent.

mod server_common;

use kam::commands::Progress;
use kam::server::client::{ClientEvents, run_command_with};
use server_common::*;

struct Collect(Vec<Progress>);

impl ClientEvents for Collect {
    fn progress(&mut self, step: &Progress) {
        self.0.push(step.clone());
    }
    fn warning(&mut self, _: &str) {}
}

fn rising_to_the_end(steps: &[Progress], what: &str) {
    let mine: Vec<&Progress> = steps.iter().filter(|s| s.what == what).collect();
    assert!(mine.len() >= 10, "{what}: {} steps", mine.len());
    assert!(mine.windows(2).all(|w| w[0].done <= w[1].done), "{what}");
    let last = mine.last().unwrap();
    assert_eq!(last.done, last.total, "{what}");
    assert!(last.total > 1000, "{what}: {}", last.total);
}

#[test]
fn backup_and_restore_report_progress_and_stay_silent_when_piped() {
    let t = TestDb::new();
    ok(&t.db, &["demo", "--accounts", "200", "--seed", "3"]);
    // Through the server, as every command: the steps come to the client.
    let (ep, hello) = (endpoint(&t.db), hello(false));
    let mut events = Collect(Vec::new());
    let mut bytes = Vec::new();
    run_command_with(
        &ep,
        &hello,
        &kam::commands::Command::Backup,
        Default::default(),
        &mut bytes,
        &mut events,
    )
    .unwrap();
    rising_to_the_end(&events.0, "backup");
    let file = t.dir.path().join("book.kambackup");
    std::fs::write(&file, &bytes).unwrap();

    // Restore, in this process: both phases over the header's counts.
    let target = t.dir.path().join("restored");
    let mut steps = Vec::new();
    let mut out = Vec::new();
    kam::commands::backup::restore(&file, &target, false, &mut out, &mut |p| steps.push(p))
        .unwrap();
    rising_to_the_end(&steps, "verify backup");
    rising_to_the_end(&steps, "restore");
    let total = steps.last().unwrap().total;
    assert!(
        steps.iter().all(|s| s.total == total),
        "one total for both phases"
    );

    // The binary with stderr piped: the result on stdout, no bar.
    let file2 = t.dir.path().join("again.kambackup");
    let out = run(&t.db, &["backup", file2.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = t.dir.path().join("again");
    let out = run(&again, &["restore", file2.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("restored "));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

mod requires;
mod tmux_common;

/// On a terminal the bar is drawn on stderr (and cleared at the end):
/// everything the pane received is logged by tmux and read back.
#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs tmux")]
fn restore_draws_a_bar_on_a_terminal() {
    requires::tmux();
    let t = TestDb::new();
    ok(&t.db, &["demo", "--accounts", "200", "--seed", "3"]);
    let file = t.dir.path().join("book.kambackup");
    ok(&t.db, &["backup", file.to_str().unwrap()]);
    let tmux = tmux_common::Tmux::new("restore-bar");
    let log = t.dir.path().join("pane.log");
    let done = t.dir.path().join("done");
    // Held at a prompt until the pane's output is being logged.
    let cmd = format!(
        "read go; '{EXE}' --db '{}' restore '{}'; echo $? > '{}'",
        t.dir.path().join("restored").display(),
        file.display(),
        done.display()
    );
    tmux.start("r", &cmd);
    let out = tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "r",
        &format!("cat >> '{}'", log.display()),
    ]);
    assert!(out.status.success(), "{out:?}");
    tmux.keys("r", &["Enter"]);
    assert_eq!(tmux_common::wait_exit(&done), "0");
    // The pane's log is written by tmux's own `cat`, which may lag the
    // command's exit on a busy machine.
    let seen = logged_until(&log, "restored ");
    assert!(seen.contains("restored "), "{seen}");
    assert!(
        seen.contains("verify backup") || seen.contains("restore ["),
        "no bar drawn: {seen:?}"
    );
}

/// The pane's log once it shows `text` (or after 10 s, as it is then).
fn logged_until(log: &std::path::Path, text: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let seen = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).to_string();
        if seen.contains(text) || start.elapsed() > std::time::Duration::from_secs(10) {
            return seen;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
