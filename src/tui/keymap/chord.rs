//! Key chords and sequences: parsing the names written in keymap files
//! (`j`, `G`, `ctrl-s`, `shift-tab`, `g g`), printing them back, and
//! normalising what the terminal reports so the two compare equal.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// One key press with its modifiers, normalised so that a shifted letter is
/// just the capital letter and ctrl-letters are lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const MODS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT);

impl KeyChord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & MODS;
        let mut code = code;
        match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        KeyChord { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Self {
        KeyChord::new(ev.code, ev.modifiers)
    }

    /// Parses `j`, `G`, `ctrl-s`, `shift-tab`, `pagedown`, `f5`, `-`.
    pub fn parse(s: &str) -> Result<KeyChord, String> {
        if s.is_empty() {
            return Err("empty key".into());
        }
        let mut rest = s;
        let mut mods = KeyModifiers::NONE;
        loop {
            // A single remaining character is the key itself, even `-`.
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        if rest.is_empty() {
            return Err(format!("'{s}' has a modifier but no key"));
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_control() => {
                return Err(format!("'{s}' is a control character"));
            }
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => named_key(&rest.to_ascii_lowercase())
                .ok_or_else(|| format!("'{s}' is not a key name"))?,
        };
        if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
            return Ok(KeyChord::new(KeyCode::BackTab, mods));
        }
        Ok(KeyChord::new(code, mods))
    }
}

fn named_key(s: &str) -> Option<KeyCode> {
    Some(match s {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "space" => KeyCode::Char(' '),
        _ => {
            let n: u8 = s.strip_prefix('f')?.parse().ok()?;
            if (1..=12).contains(&n) {
                KeyCode::F(n)
            } else {
                return None;
            }
        }
    })
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A key or a sequence of keys (`g g`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeySeq(pub Vec<KeyChord>);

impl KeySeq {
    pub fn parse(s: &str) -> Result<KeySeq, String> {
        // A lone " " would otherwise split into nothing.
        if s == " " {
            return Ok(KeySeq(vec![KeyChord::new(
                KeyCode::Char(' '),
                KeyModifiers::NONE,
            )]));
        }
        let chords = s
            .split_whitespace()
            .map(KeyChord::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if chords.is_empty() {
            return Err("empty key".into());
        }
        Ok(KeySeq(chords))
    }

    pub(super) fn starts_with(&self, prefix: &[KeyChord]) -> bool {
        self.0.len() >= prefix.len() && self.0[..prefix.len()] == *prefix
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_round_trip() {
        for s in [
            "j", "G", "ctrl-s", "backtab", "pagedown", "f5", "-", "space", "alt-x",
        ] {
            assert_eq!(KeyChord::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(KeyChord::parse("shift-tab").unwrap().code, KeyCode::BackTab);
        assert_eq!(KeyChord::parse("shift-g").unwrap().code, KeyCode::Char('G'));
        assert_eq!(KeyChord::parse("ctrl--").unwrap().code, KeyCode::Char('-'));
        assert!(KeyChord::parse("ctrl-").is_err());
        assert!(KeyChord::parse("hyper").is_err());
        assert!(KeyChord::parse("f13").is_err());
    }

    #[test]
    fn shifted_letters_match_capitals() {
        let typed = KeyChord::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(typed, KeyChord::parse("G").unwrap());
        let ctrl = KeyChord::new(KeyCode::Char('S'), KeyModifiers::CONTROL);
        assert_eq!(ctrl, KeyChord::parse("ctrl-s").unwrap());
    }
}
