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
