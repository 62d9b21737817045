//! Where data and configuration live (XDG base directories).

use etcetera::BaseStrategy;
use std::path::PathBuf;

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
