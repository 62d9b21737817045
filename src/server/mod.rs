//! Team mode: one process (the server) owns the database — sled allows one
//! process per database — and every `kam` invocation talks to it over a Unix
//! socket in the database directory. The first invocation starts the server
//! (`spawn`), later ones connect; the server leaves after its last client
//! (plus a grace period). Clients are identified by the kernel (`peer`).
//!
//! Files in the database directory: `kam.sock` (the socket), `kam.lock`
//! (serialises server starts), `kam-server.log` (the server's stderr).
//!
//! The socket stays in the database directory whatever the directory's path
//! length: a socket address holds at most 107 bytes, so a longer path is
//! reached through `/proc/self/fd/N/kam.sock`, N an `O_PATH` descriptor of
//! the directory (`SocketAddr`). Every client of every user finds the same
//! file, under the directory's own permissions.

pub mod calls;
pub mod client;
pub mod content;
pub mod frame;
pub mod hooks;
pub mod peer;
pub mod protocol;
pub mod remote;
pub mod restore_points;
/// The server proper (named as in the team-mode design).
#[allow(clippy::module_inception)]
pub mod server;
pub mod spawn;
mod upkeep;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub const SOCKET_FILE: &str = "kam.sock";
pub const LOCK_FILE: &str = "kam.lock";
pub const LOG_FILE: &str = "kam-server.log";

pub fn socket_path(db: &Path) -> PathBuf {
    db.join(SOCKET_FILE)
}

/// The longest path a Unix socket address holds (`sun_path` less its NUL).
const SUN_PATH_MAX: usize = 107;

/// A path under which `bind`/`connect` reach `<db>/kam.sock`, valid while
/// the value lives (it may hold a descriptor of the directory).
pub struct SocketAddr {
    path: PathBuf,
    _dir: Option<std::os::fd::OwnedFd>,
}

impl SocketAddr {
    /// The socket of `db`: its own path when short enough, else the path
    /// through an `O_PATH` descriptor of the directory (errors as opening
    /// the directory: NotFound when it does not exist).
    pub fn of(db: &Path) -> std::io::Result<SocketAddr> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        use std::os::unix::ffi::OsStrExt;
        let direct = socket_path(db);
        if direct.as_os_str().len() <= SUN_PATH_MAX {
            return Ok(SocketAddr {
                path: direct,
                _dir: None,
            });
        }
        let c = std::ffi::CString::new(db.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: a valid NUL-terminated path; the returned fd is owned below.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd was just opened and is owned by nobody else.
        let dir = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(SocketAddr {
            path: PathBuf::from(format!("/proc/self/fd/{}/{SOCKET_FILE}", dir.as_raw_fd())),
            _dir: Some(dir),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn connect(db: &Path) -> std::io::Result<std::os::unix::net::UnixStream> {
        std::os::unix::net::UnixStream::connect(SocketAddr::of(db)?.path())
    }

    pub fn bind(db: &Path) -> std::io::Result<std::os::unix::net::UnixListener> {
        std::os::unix::net::UnixListener::bind(SocketAddr::of(db)?.path())
    }
}

pub fn lock_path(db: &Path) -> PathBuf {
    db.join(LOCK_FILE)
}

pub fn log_path(db: &Path) -> PathBuf {
    db.join(LOG_FILE)
}

/// Default idle grace: how long a server waits for a new client after the
/// last one left.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(60);
/// Idle time worth waiting per unit of time a start costs: a book that took
/// 2 s to open (100k accounts) keeps its server ten minutes, so a shell
/// session of commands a few minutes apart does not pay a start each time.
const IDLE_PER_OPEN: u32 = 300;
/// The longest a slow start makes a server wait: an idle server still holds
/// the book in memory on a shared machine.
pub const MAX_IDLE: Duration = Duration::from_secs(15 * 60);

/// `KAM_SERVER_IDLE` seconds (fractions allowed) when set; else the
/// default, or longer for a book that took `opened` to open (see
/// `IDLE_PER_OPEN`), at most `MAX_IDLE`.
pub fn idle_grace(opened: Duration) -> Duration {
    std::env::var("KAM_SERVER_IDLE")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or_else(|| grace_for(opened))
}

fn grace_for(opened: Duration) -> Duration {
    opened
        .saturating_mul(IDLE_PER_OPEN)
        .clamp(DEFAULT_IDLE, MAX_IDLE)
}

/// A team directory: set-group-id and fully accessible to its group
/// (`chmod 2770`). The server then shares its files with the group.
pub fn is_team_dir(dir: &Path) -> bool {
    crate::paths::is_team_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn sockets_bind_and_connect_in_directories_of_any_path_length() {
        let tmp = tempfile::tempdir().unwrap();
        for len in [20usize, 150, 400] {
            let mut db = tmp.path().join(format!("len{len}"));
            while db.as_os_str().len() < len {
                db = db.join("a-rather-long-directory-name");
            }
            std::fs::create_dir_all(&db).unwrap();
            let listener = SocketAddr::bind(&db).unwrap();
            assert!(socket_path(&db).exists(), "the socket is in the directory");
            let _client = SocketAddr::connect(&db).unwrap();
            let (_server_side, _) = listener.accept().unwrap();
        }
        let missing = tmp.path().join("x".repeat(200));
        assert_eq!(
            SocketAddr::connect(&missing).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
    }

    /// A book quick to open keeps the default grace; a slow one keeps its
    /// server longer, up to the cap.
    #[test]
    fn the_idle_grace_grows_with_the_cost_of_a_start() {
        let ms = Duration::from_millis;
        assert_eq!(grace_for(ms(0)), DEFAULT_IDLE);
        assert_eq!(grace_for(ms(40)), DEFAULT_IDLE, "300 accounts");
        assert_eq!(
            grace_for(ms(2000)),
            Duration::from_secs(600),
            "100k accounts"
        );
        assert_eq!(grace_for(ms(10_000)), MAX_IDLE);
        assert_eq!(grace_for(Duration::MAX), MAX_IDLE);
    }

    #[test]
    fn team_dirs_are_setgid_and_group_rwx() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(!is_team_dir(d));
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o2770)).unwrap();
        assert!(is_team_dir(d));
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o2750)).unwrap();
        assert!(!is_team_dir(d));
        for name in [SOCKET_FILE, LOCK_FILE, LOG_FILE] {
            assert!(crate::store::SERVER_FILES.contains(&name));
        }
    }
}
