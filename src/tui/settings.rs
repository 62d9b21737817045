//! The TUI's settings in the user's config file
//! (`$XDG_CONFIG_HOME/kam/config.toml`, `paths::user_config`): today only
//! `mouse = false`, which leaves the mouse to the terminal (its own text
//! selection). Keys this module does not know belong to other parts of kam
//! and are left alone; a known key with a wrong value is reported.

use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Clicks select, the wheel scrolls (default on).
    pub mouse: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { mouse: true }
    }
}

impl Settings {
    /// The settings in `path` over the defaults, and the problems found
    /// (each with the file; the default applies instead). A missing file is
    /// no problem.
    pub fn load(path: Option<&Path>) -> (Settings, Vec<String>) {
        let mut s = Settings::default();
        let Some(path) = path else {
            return (s, Vec::new());
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (s, Vec::new()),
            Err(e) => return (s, vec![format!("{}: cannot read: {e}", path.display())]),
        };
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                let msg = e.message().to_string();
                return (
                    s,
                    vec![format!("{}: not valid TOML: {msg}", path.display())],
                );
            }
        };
        let mut problems = Vec::new();
        match table.get("mouse") {
            None => {}
            Some(toml::Value::Boolean(b)) => s.mouse = *b,
            Some(other) => problems.push(format!(
                "{}: mouse = {other}: use true or false (the mouse stays on)",
                path.display()
            )),
        }
        (s, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mouse_is_on_unless_the_config_turns_it_off() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(Settings::load(Some(&p)), (Settings { mouse: true }, vec![]));
        std::fs::write(&p, "# mine\nmouse = false\nviews = 3\n").unwrap();
        assert_eq!(
            Settings::load(Some(&p)),
            (Settings { mouse: false }, vec![])
        );
        std::fs::write(&p, "mouse = \"no\"\n").unwrap();
        let (s, problems) = Settings::load(Some(&p));
        assert!(s.mouse);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("use true or false"), "{problems:?}");
        std::fs::write(&p, "mouse = \n").unwrap();
        assert!(Settings::load(Some(&p)).1[0].contains("not valid TOML"));
    }
}
