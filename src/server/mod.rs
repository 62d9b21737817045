//! Team mode: one process (the server) owns the database — sled allows one
//! process per database — and every `kam` invocation talks to it over a Unix
//! socket in the database directory. The first invocation starts the server
//! (`spawn`), later ones connect; the server leaves after its last client
//! (plus a grace period). Clients are identified by the kernel (`peer`).
//!
//! Files in the database directory: `kam.sock` (the socket), `kam.lock`
//! (serialises server starts), `kam-server.log` (the server's stderr).

pub mod calls;
pub mod client;
pub mod frame;
pub mod peer;
pub mod protocol;
pub mod remote;
pub mod restore_points;
/// The server proper (named as in the team-mode design).
#[allow(clippy::module_inception)]
pub mod server;
pub mod spawn;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const SOCKET_FILE: &str = "kam.sock";
pub const LOCK_FILE: &str = "kam.lock";
pub const LOG_FILE: &str = "kam-server.log";

pub fn socket_path(db: &Path) -> PathBuf {
    db.join(SOCKET_FILE)
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

/// `KAM_SERVER_IDLE` seconds (fractions allowed), else `DEFAULT_IDLE`.
pub fn idle_grace() -> Duration {
    std::env::var("KAM_SERVER_IDLE")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_IDLE)
}

/// A team directory: set-group-id and fully accessible to its group
/// (`chmod 2770`). The server then shares its files with the group.
pub fn is_team_dir(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && m.mode() & 0o2070 == 0o2070)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
