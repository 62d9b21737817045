//! Where data and configuration live (XDG base directories).

use etcetera::BaseStrategy;
use std::path::{Path, PathBuf};

fn base() -> Option<etcetera::base_strategy::Xdg> {
    etcetera::base_strategy::Xdg::new().ok()
}

/// `$XDG_DATA_HOME/kam` (default `~/.local/share/kam`).
pub fn default_db() -> Option<PathBuf> {
    base().map(|b| b.data_dir().join("kam"))
}

/// `$XDG_DATA_HOME/kam-demo`: the demo book never mixes with a real one.
pub fn demo_db() -> Option<PathBuf> {
    base().map(|b| b.data_dir().join("kam-demo"))
}

/// `$XDG_CONFIG_HOME/kam/keymap.toml`.
pub fn user_keymap() -> Option<PathBuf> {
    base().map(|b| b.config_dir().join("kam").join("keymap.toml"))
}

/// `$XDG_CONFIG_HOME/kam/config.toml`: the user's settings (`mouse = false`).
pub fn user_config() -> Option<PathBuf> {
    base().map(|b| b.config_dir().join("kam").join("config.toml"))
}

/// `$XDG_CONFIG_HOME/kam/views.toml`: the user's personal saved views.
pub fn user_views() -> Option<PathBuf> {
    base().map(|b| b.config_dir().join("kam").join("views.toml"))
}

/// `$XDG_STATE_HOME/kam/drafts/draft-<crc of the db path>.json`: unsaved form
/// text the TUI kept when its terminal went away, per database.
pub fn draft_file(db: &std::path::Path) -> Option<PathBuf> {
    let dir = base().map(|b| b.state_dir().unwrap_or_else(|| b.data_dir()))?;
    let db = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
    let id = crc32fast::hash(db.as_os_str().as_encoded_bytes());
    Some(
        dir.join("kam")
            .join("drafts")
            .join(format!("draft-{id:08x}.json")),
    )
}

/// A team directory: set-group-id and fully accessible to its group
/// (`chmod 2770`). A database in one shares its files with the group.
pub fn is_team_dir(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && m.mode() & 0o2070 == 0o2070)
}

/// The directories of `dir` that do not exist yet, topmost first (empty when
/// `dir` exists).
pub fn missing_dirs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut cur = dir;
    loop {
        let probe = if cur.as_os_str().is_empty() {
            Path::new(".")
        } else {
            cur
        };
        match std::fs::metadata(probe) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                missing.push(cur.to_path_buf());
                match cur.parent() {
                    Some(p) => cur = p,
                    None => break,
                }
            }
            Err(e) => return Err(e),
        }
    }
    missing.reverse();
    Ok(missing)
}

/// Creates a database directory and its missing parents. Inside a team
/// directory every new directory is a team directory too (`2770`, the
/// parent's group): a database started there is the team's, not private.
/// Elsewhere new directories are private (`0700`). Returns the directories
/// it created, topmost first. `group`: group-shared (`0770`) even outside a
/// team directory.
pub fn create_db_dir(dir: &Path, group: bool) -> std::io::Result<Vec<PathBuf>> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let missing = missing_dirs(dir)?;
    let Some(first) = missing.first() else {
        return Ok(Vec::new());
    };
    let parent = match first.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let team = is_team_dir(parent);
    let mode = match (team, group) {
        (true, _) => 0o2770,
        (false, true) => 0o770,
        (false, false) => 0o700,
    };
    let mut created = Vec::new();
    for d in &missing {
        match std::fs::DirBuilder::new().mode(mode & 0o777).create(d) {
            Ok(()) => created.push(d.clone()),
            // Someone else made it meanwhile: theirs, not ours to undo.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
        if mode != 0o700 {
            // The umask may have taken the group bits; setgid keeps the
            // group for everything created below.
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode))?;
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn new_directories_are_private_or_team_like_their_parent() {
        let tmp = tempfile::tempdir().unwrap();
        let private = tmp.path().join("p/q");
        assert_eq!(missing_dirs(&private).unwrap().len(), 2);
        assert_eq!(create_db_dir(&private, false).unwrap().len(), 2);
        assert_eq!(std::fs::metadata(&private).unwrap().mode() & 0o7777, 0o700);
        assert!(create_db_dir(&private, false).unwrap().is_empty());
        let team = tmp.path().join("team");
        std::fs::create_dir(&team).unwrap();
        std::fs::set_permissions(&team, std::fs::Permissions::from_mode(0o2770)).unwrap();
        let db = team.join("sales/east");
        assert_eq!(
            create_db_dir(&db, false).unwrap(),
            vec![team.join("sales"), db.clone()]
        );
        for d in [team.join("sales"), db.clone()] {
            assert_eq!(std::fs::metadata(&d).unwrap().mode() & 0o7777, 0o2770);
            assert!(is_team_dir(&d));
        }
    }
}
