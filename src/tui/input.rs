//! A small text editor for one form field or prompt: a string and a cursor
//! (in chars). Multi-line fields accept Enter as a newline.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    cursor: usize,
    pub multiline: bool,
}

impl LineEdit {
    pub fn new(text: &str) -> Self {
        LineEdit {
            text: text.to_string(),
            cursor: text.chars().count(),
            multiline: false,
        }
    }

    pub fn multiline(text: &str) -> Self {
        LineEdit {
            multiline: true,
            ..LineEdit::new(text)
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = text.chars().count();
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    /// Applies an editing key; returns whether it was one (and so consumed).
    pub fn handle(&mut self, code: KeyCode, mods: KeyModifiers) -> bool {
        let len = self.text.chars().count();
        match code {
            KeyCode::Char('u') if mods.contains(KeyModifiers::CONTROL) => {
                let b = self.byte_at(self.cursor);
                self.text.replace_range(..b, "");
                self.cursor = 0;
            }
            KeyCode::Char('a') if mods.contains(KeyModifiers::CONTROL) => self.cursor = 0,
            KeyCode::Char('e') if mods.contains(KeyModifiers::CONTROL) => self.cursor = len,
            KeyCode::Char(_) if mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                return false;
            }
            KeyCode::Char(c) => {
                // Control characters never enter a field.
                if c.is_control() {
                    return true;
                }
                let b = self.byte_at(self.cursor);
                self.text.insert(b, c);
                self.cursor += 1;
            }
            KeyCode::Enter if self.multiline => {
                let b = self.byte_at(self.cursor);
                self.text.insert(b, '\n');
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let b = self.byte_at(self.cursor - 1);
                self.text.remove(b);
                self.cursor -= 1;
            }
            KeyCode::Backspace => {}
            KeyCode::Delete if self.cursor < len => {
                let b = self.byte_at(self.cursor);
                self.text.remove(b);
            }
            KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => return false,
        }
        true
    }

    /// Pastes text (bracketed paste): single-line fields turn newlines into
    /// spaces; control characters are dropped.
    pub fn paste(&mut self, s: &str) {
        for c in s.chars() {
            let c = if (c == '\n' || c == '\r' || c == '\t') && !self.multiline {
                ' '
            } else {
                c
            };
            if c == '\r' {
                continue;
            }
            if c.is_control() && c != '\n' {
                continue;
            }
            let b = self.byte_at(self.cursor);
            self.text.insert(b, c);
            self.cursor += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typ(e: &mut LineEdit, s: &str) {
        for c in s.chars() {
            e.handle(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    #[test]
    fn edits_in_chars_not_bytes() {
        let mut e = LineEdit::new("");
        typ(&mut e, "华为x");
        e.handle(KeyCode::Left, KeyModifiers::NONE);
        e.handle(KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(e.text(), "华x");
        e.handle(KeyCode::Home, KeyModifiers::NONE);
        typ(&mut e, "a");
        assert_eq!(e.text(), "a华x");
        e.handle(KeyCode::Delete, KeyModifiers::NONE);
        assert_eq!(e.text(), "ax");
        assert!(!e.handle(KeyCode::Enter, KeyModifiers::NONE));
    }

    #[test]
    fn multiline_keeps_newlines_single_line_does_not() {
        let mut m = LineEdit::multiline("a");
        assert!(m.handle(KeyCode::Enter, KeyModifiers::NONE));
        m.paste("b\r\nc\u{1b}");
        assert_eq!(m.text(), "a\nb\nc");
        let mut s = LineEdit::new("");
        s.paste("x\ny\u{7}");
        assert_eq!(s.text(), "x y");
    }
}
