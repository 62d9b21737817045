//! Fault campaign, full disk: a write that the file system refuses
//! (`RLIMIT_FSIZE`, as a full disk or quota would) ends in an error, and the
//! database keeps its previous state.

mod server_common;

use server_common::*;
use std::os::unix::process::CommandExt;

/// Sets the file size limit of the command (and of a server it starts) to
/// `limit` bytes; SIGXFSZ is ignored so that the write fails with EFBIG
/// instead of killing the process.
fn limited(cmd: &mut std::process::Command, limit: u64) {
    // SAFETY: setrlimit and signal are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let r = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &r);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
}

fn big_csv(dir: &std::path::Path, rows: usize) -> std::path::PathBuf {
    let mut text = String::from("key,name,owner,background\n");
    for n in 0..rows {
        text.push_str(&format!(
            "BIG{n:05},Big account {n},ann,{}\n",
            "x".repeat(200)
        ));
    }
    let p = dir.join("big.csv");
    std::fs::write(&p, text).unwrap();
    p
}

/// Stops the server and waits until it has exited (and closed the files).
fn stop(db: &std::path::Path) {
    if let Some(pid) = server_pid(db) {
        ok(db, &["server", "stop"]);
        assert!(wait_until(std::time::Duration::from_secs(5), || !alive(
            pid
        )));
    }
}

#[test]
fn a_full_disk_fails_the_write_and_keeps_the_previous_state() {
    // At the current size (the open itself cannot write) and with some room
    // (the open works, the import's write does not fit).
    for (no_server, room) in [(true, 0), (false, 0), (true, 300_000), (false, 300_000)] {
        let t = TestDb::with_accounts();
        let before = ok(&t.db, &["export", "accounts"]);
        stop(&t.db);
        let db_len = std::fs::metadata(t.db.join("db")).unwrap().len();
        let csv = big_csv(t.dir.path(), 3000);
        let mut cmd = kam(&t.db);
        if no_server {
            cmd.env("KAM_NO_SERVER", "1");
        }
        cmd.args(["import", "accounts", csv.to_str().unwrap()]);
        limited(&mut cmd, db_len + room);
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "no_server={no_server}: the import passed"
        );
        assert!(!err.contains("panicked"), "no_server={no_server}: {err}");
        assert!(
            err.contains("could not be written"),
            "no_server={no_server}: {err}"
        );
        assert!(!err.contains("backtrace"), "no_server={no_server}: {err}");
        // Whatever server ran under the limit is gone before we look.
        stop(&t.db);
        let after = ok(&t.db, &["export", "accounts"]);
        assert_eq!(after, before, "no_server={no_server}: {err}");
        println!(
            "FAULT-CAMPAIGN disk: no_server={no_server} room={room}: {}",
            err.trim()
        );
    }
}
