//! Connect to the database's server, starting one when none is running.
//!
//! Starts are serialised by `flock` on `<db>/kam.lock`: of several clients
//! arriving at once, one starts the server while holding the lock and the
//! others find it running when they get the lock. A socket file whose server
//! is gone (connect → ECONNREFUSED) is stale and replaced.

use super::{LOG_FILE, lock_path, socket_path};
use crate::commands::{CommandError, ErrorKind};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long a client waits for a server to start (opening a large book
/// re-scores everything).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The server log is cut when it grows past this.
const LOG_LIMIT: u64 = 1024 * 1024;

/// Where a client finds (or starts) its server.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub db: PathBuf,
    /// `--as-of` as given, passed on to a server this client starts.
    pub as_of_arg: Option<String>,
    /// The `kam` binary that runs `kam serve`.
    pub exe: PathBuf,
}

/// An exclusive `flock` on `path` (created if missing), waiting at most
/// `timeout`. The lock is released when the file is dropped.
pub fn lock_for(path: &Path, timeout: Duration) -> std::io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o660)
        .open(path)
        .or_else(|_| File::open(path))?;
    // Private, or shared with the team's group (the client's umask may be 022).
    let team = path.parent().is_some_and(super::is_team_dir);
    let _ = file.set_permissions(std::fs::Permissions::from_mode(if team {
        0o660
    } else {
        0o600
    }));
    crate::store::flock_within(&file, timeout)?;
    Ok(file)
}

/// Connects to a running server; `Ok(None)` when none is running.
pub fn connect_running(db: &Path) -> Result<Option<UnixStream>, CommandError> {
    let sock = socket_path(db);
    match super::SocketAddr::connect(db) {
        Ok(s) => Ok(Some(s)),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(None)
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(denied(db)),
        Err(e) => Err(CommandError::new(
            ErrorKind::Failed,
            format!(
                "cannot connect to the kam server at {}: {e}",
                sock.display()
            ),
        )),
    }
}

/// The database is someone else's (or a team's you are not in): exit 4 with
/// what to do, rather than a bare "Permission denied".
fn denied(db: &Path) -> CommandError {
    CommandError::new(
        ErrorKind::Database,
        format!(
            "{}: permission denied. If this is a team database, ask to be added to the \
             directory's group, then log in again",
            db.display()
        ),
    )
}

/// An I/O error on the database directory, with `denied` for EACCES.
fn dir_failure(path: &Path, e: std::io::Error) -> CommandError {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        denied(path)
    } else {
        CommandError::new(ErrorKind::Failed, format!("{}: {e}", path.display()))
    }
}

/// Connects to the server, starting it first when none is running.
pub fn connect_or_start(ep: &Endpoint) -> Result<UnixStream, CommandError> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(s) = connect_running(&ep.db)? {
            return Ok(s);
        }
        if Instant::now() >= deadline {
            return Err(CommandError::new(
                ErrorKind::Failed,
                format!(
                    "the kam server for {} did not start; see {}",
                    ep.db.display(),
                    ep.db.join(LOG_FILE).display()
                ),
            ));
        }
        start(ep)?;
    }
}

/// Starts a server unless one is running, under the start lock.
fn start(ep: &Endpoint) -> Result<(), CommandError> {
    // Refuse someone else's directory before creating anything in it.
    crate::store::check_dir(&ep.db)?;
    // Private, or a team directory inside a team directory.
    crate::paths::create_db_dir(&ep.db, false).map_err(|e| dir_failure(&ep.db, e))?;
    let lock = lock_path(&ep.db);
    let _guard = lock_for(&lock, START_TIMEOUT).map_err(|e| dir_failure(&ep.db, e))?;
    if connect_running(&ep.db)?.is_some() {
        return Ok(()); // another client started it while we waited
    }
    let sock = socket_path(&ep.db);
    if sock.exists() {
        // Nobody answers on it: the server died without cleaning up.
        let _ = std::fs::remove_file(&sock);
    }
    spawn_server(ep)
}

fn open_log(db: &Path) -> Option<File> {
    let path = db.join(LOG_FILE);
    let too_big = std::fs::metadata(&path).is_ok_and(|m| m.len() > LOG_LIMIT);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(!too_big)
        .write(true)
        .truncate(too_big)
        .mode(if super::is_team_dir(db) { 0o660 } else { 0o600 })
        .open(&path)
        .ok()?;
    if super::is_team_dir(db) {
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o660));
    }
    Some(file)
}

/// What a starting server says on its stdout.
enum Started {
    /// `note TEXT`: something the user should know while it starts.
    Note(String),
    /// The first other line, and after `error KIND` the message.
    Outcome(String, String),
}

/// How long a server that noted an upgrade of the files may take to start:
/// a book of a million accounts takes minutes.
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Runs `kam serve` detached (own session, no terminal) and waits for its
/// first line: `ready …`, or `error CODE` followed by the message; `note`
/// lines before it are shown on stderr.
fn spawn_server(ep: &Endpoint) -> Result<(), CommandError> {
    let mut cmd = std::process::Command::new(&ep.exe);
    cmd.arg("--db").arg(&ep.db);
    if let Some(d) = &ep.as_of_arg {
        cmd.arg("--as-of").arg(d);
    }
    cmd.arg("serve")
        .env_remove("KAM_NO_SERVER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(match open_log(&ep.db) {
            Some(f) => Stdio::from(f),
            None => Stdio::null(),
        });
    // SAFETY: setsid is async-signal-safe; it detaches the server from the
    // client's terminal and process group (Ctrl-C in one client must not
    // stop everyone's server).
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| {
        CommandError::new(
            ErrorKind::Failed,
            format!("cannot start `{} serve`: {e}", ep.exe.display()),
        )
    })?;
    let Some(stdout) = child.stdout.take() else {
        return Err(CommandError::new(
            ErrorKind::Failed,
            "no pipe to the kam server",
        ));
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut first = String::new();
        loop {
            first.clear();
            let _ = r.read_line(&mut first);
            match first.strip_prefix("note ") {
                Some(note) => {
                    let _ = tx.send(Started::Note(note.trim_end().to_string()));
                }
                None => break,
            }
        }
        let mut rest = String::new();
        if first.starts_with("error") {
            let _ = r.read_to_string(&mut rest);
        }
        let _ = tx.send(Started::Outcome(first, rest));
    });
    // Reap the server whenever it ends, so it never lingers as a zombie of a
    // long-running client.
    std::thread::spawn(move || child.wait());
    let no_answer = || {
        CommandError::new(
            ErrorKind::Failed,
            format!("the kam server for {} did not answer", ep.db.display()),
        )
    };
    let mut wait = START_TIMEOUT;
    let (first, rest) = loop {
        match rx.recv_timeout(wait).map_err(|_| no_answer())? {
            // Shown before the screen is taken; a server that says it is
            // upgrading the files is given as long as that may take.
            Started::Note(note) => {
                eprintln!("kam: {note}");
                wait = UPGRADE_TIMEOUT;
            }
            Started::Outcome(first, rest) => break (first, rest),
        }
    };
    if first.starts_with("ready") {
        return Ok(());
    }
    if let Some(kind) = first.strip_prefix("error ") {
        let kind = kind.trim().parse().unwrap_or(ErrorKind::Failed);
        return Err(CommandError::new(kind, rest.trim_end()));
    }
    Err(CommandError::new(
        ErrorKind::Failed,
        format!(
            "the kam server for {} did not start; see {}",
            ep.db.display(),
            ep.db.join(LOG_FILE).display()
        ),
    ))
}
