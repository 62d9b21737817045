//! Helpers for the team-server tests: the real `kam` binary, real sockets,
//! short idle grace, bounded waits, no server left behind.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const TODAY: &str = "2026-11-24";
pub const EXE: &str = env!("CARGO_BIN_EXE_kam");

pub fn kam(db: &Path) -> Command {
    let mut c = Command::new(EXE);
    c.env("KAM_DB", db)
        .env("KAM_TODAY", TODAY)
        .env("KAM_SERVER_IDLE", "1")
        .env_remove("KAM_NO_SERVER")
        .env_remove("XDG_DATA_HOME");
    c
}

pub fn run(db: &Path, args: &[&str]) -> Output {
    kam(db).args(args).output().expect("run kam")
}

pub fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "kam {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Polls `pred` until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if pred() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    pred()
}

pub fn server_pid(db: &Path) -> Option<i32> {
    let out = run(db, &["server", "status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["pid"].as_i64().map(|p| p as i32)
}

/// Stops the server of `db` and waits until its process is gone (so its
/// lock on the database is released), not a fixed time: a loaded machine
/// takes seconds.
pub fn stop_server(db: &Path) {
    let pid = server_pid(db);
    let _ = run(db, &["server", "stop"]);
    if let Some(pid) = pid {
        assert!(
            wait_until(Duration::from_secs(60), || !alive(pid)),
            "the server {pid} did not stop"
        );
    }
}

pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// A database directory in a temp dir whose server is stopped (and, if it
/// will not stop, killed) when the test ends, pass or fail.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        TestDb { dir, db }
    }

    /// A database with a few accounts, one of them ACME.
    pub fn with_accounts() -> TestDb {
        let t = TestDb::new();
        let csv = t.dir.path().join("accounts.csv");
        std::fs::write(
            &csv,
            "key,name,owner\nACME,Acme Corp,ann\nGLOBEX,Globex,bob\nINITECH,Initech,ann\n",
        )
        .unwrap();
        ok(&t.db, &["import", "accounts", csv.to_str().unwrap()]);
        t
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(pid) = server_pid(&self.db) {
            let _ = run(&self.db, &["server", "stop"]);
            if !wait_until(Duration::from_secs(3), || !alive(pid)) {
                // SAFETY: our own child server, by pid.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }
}

/// Writes a one-row interactions CSV (a note on ACME with `summary`).
pub fn note_csv(dir: &Path, summary: &str) -> PathBuf {
    let p = dir.join(format!("{summary}.csv"));
    std::fs::write(
        &p,
        format!("account,kind,at,summary\nACME,note,2026-11-20T10:00:00Z,{summary}\n"),
    )
    .unwrap();
    p
}

/// Summaries of every interaction, from a JSON export.
pub fn summaries(db: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(db, &["export", "interactions", "--format", "json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["summary"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A database used the same way by every command of a test: through the
/// team server, or in-process (`local`: `KAM_NO_SERVER=1`). The CLI tests
/// run each case both ways.
pub struct Db {
    pub t: TestDb,
    pub local: bool,
}

impl Db {
    /// A new database with the accounts of `csv` imported (from stdin).
    pub fn with_accounts_csv(local: bool, csv: &str) -> Db {
        let db = Db {
            t: TestDb::new(),
            local,
        };
        db.stdin_ok(&["import", "accounts", "-"], csv);
        db
    }

    /// The user's configuration directory (`XDG_CONFIG_HOME`) for this test.
    pub fn config(&self) -> PathBuf {
        self.t.dir.path().join("config")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = kam(&self.t.db);
        if self.local {
            c.env("KAM_NO_SERVER", "1");
        }
        c.env("XDG_CONFIG_HOME", self.config());
        c.args(args).stdin(std::process::Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run kam")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kam {args:?} (local: {}): {}",
            self.local,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// Exit code and stderr of a command that must fail.
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn stdin_ok(&self, args: &[&str], input: &str) -> String {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "kam {args:?} (local: {}): {}",
            self.local,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// How a client reaches (and starts) the server of `db`, at `TODAY`.
pub fn endpoint(db: &Path) -> kam::server::spawn::Endpoint {
    kam::server::spawn::Endpoint {
        db: db.to_path_buf(),
        as_of_arg: Some(TODAY.into()),
        exe: EXE.into(),
    }
}

/// A new client's hello at `TODAY`; `subscribe`: it wants change notices.
pub fn hello(subscribe: bool) -> kam::server::client::ClientHello {
    kam::server::client::ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id: kam::server::client::new_client_id(),
        subscribe,
    }
}

/// A TUI backend connected to the server of `db` (started if need be).
pub fn connect(db: &Path) -> kam::server::remote::RemoteBackend {
    kam::server::remote::RemoteBackend::connect(endpoint(db), hello(true)).unwrap()
}
