//! Colours and emphasis. With `NO_COLOR` set every colour is dropped and only
//! modifiers (bold, reverse, dim) remain, so the UI still reads.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    /// Colour unless `NO_COLOR` is set to a non-empty value (no-color.org).
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::new(!no_color)
    }

    pub fn has_color(&self) -> bool {
        self.color
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn base(&self) -> Style {
        Style::new()
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn header(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Tier badges: the name decides, so custom models still get a style.
    pub fn tier(&self, tier: &str) -> Style {
        let t = tier.to_ascii_lowercase();
        let c = if t.starts_with("key") || t.contains("treasure") || t.contains("core") {
            Color::Magenta
        } else if t.starts_with("dev") || t.contains("star") || t.contains("potential") {
            Color::Green
        } else if t.starts_with("main") {
            Color::Blue
        } else if t.contains("danger") || t.contains("prune") {
            Color::Red
        } else {
            Color::Gray
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    /// Timeline kinds are told apart by symbol first, colour second.
    pub fn kind(&self, kind: crate::domain::InteractionKind) -> Style {
        use crate::domain::InteractionKind as K;
        let c = match kind {
            K::Order => Color::Green,
            K::Payment => Color::LightGreen,
            K::Visit | K::Meeting => Color::Cyan,
            K::Call | K::Email => Color::Blue,
            K::Complaint => Color::Red,
            K::Resolution => Color::LightMagenta,
            K::Survey => Color::Yellow,
            K::Note => Color::Gray,
            K::System => Color::Magenta,
        };
        self.fg(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_keeps_only_modifiers() {
        let t = Theme::new(false);
        assert_eq!(t.tier("key").fg, None);
        assert!(t.tier("key").add_modifier.contains(Modifier::BOLD));
        assert_eq!(t.error().fg, None);
        let c = Theme::new(true);
        assert_eq!(c.tier("key").fg, Some(Color::Magenta));
    }
}
