//! Display-width helpers. Widths are terminal cells (CJK = 2), and every
//! piece of stored text is cleaned again before it reaches the terminal.

use crate::domain::text::clean_line;

/// Stored text made safe for one line of the terminal.
pub fn safe(s: &str) -> String {
    clean_line(s)
}

// The pure width helpers live in the domain so that the CLI reports use
// them too.
pub use crate::domain::text::{fit, pad, width};

/// Word-wraps `s` into lines of at most `max` cells (long words are cut).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let para = safe(para);
        let mut line = String::new();
        for word in para.split(' ') {
            let sep = if line.is_empty() { 0 } else { 1 };
            if width(&line) + sep + width(word) <= max {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
            } else {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line = fit(word, max);
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_is_measured_in_cells() {
        assert_eq!(width("华为"), 4);
        assert_eq!(fit("华为技术", 5), "华为…");
        assert_eq!(pad("华为", 6), "华为  ");
        assert_eq!(width(&pad("华为技术有限公司", 7)), 7);
        assert_eq!(fit("abc", 3), "abc");
    }

    #[test]
    fn controls_never_survive() {
        assert_eq!(safe("a\u{1b}[2Jb\u{202e}"), "a[2Jb");
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
    }
}
