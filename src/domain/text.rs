//! Text from users is untrusted: one user's stored text is rendered in another
//! user's terminal, so control and bidi-override characters are stripped on the
//! way in (and again before rendering, for defence in depth).

/// Characters that reorder or hide text (Trojan-Source style) or are invisible
/// formatting controls.
fn is_bidi_or_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{200B}' | '\u{FEFF}')
}

/// A single-line field: tabs and newlines become spaces, every other control
/// or bidi character is removed, surrounding whitespace trimmed.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\t' || c == '\n' || c == '\r' {
            out.push(' ');
        } else if c.is_control() || is_bidi_or_format(c) {
            continue;
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// A multi-line field: newlines kept (CRLF normalised), tabs become spaces,
/// every other control or bidi character removed, trailing whitespace trimmed.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.replace("\r\n", "\n").chars() {
        if c == '\n' {
            out.push('\n');
        } else if c == '\t' || c == '\r' {
            out.push(' ');
        } else if c.is_control() || is_bidi_or_format(c) {
            continue;
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// `1 account`, `2 accounts`: a count with its noun (plural by `s`).
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// True when `s` is already clean for a single-line field.
pub fn is_clean_line(s: &str) -> bool {
    clean_line(s) == s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_controls_and_bidi() {
        assert_eq!(clean_line("Ac\u{1b}[31mme\u{202E}Co\u{7}"), "Ac[31mmeCo");
        assert_eq!(clean_line(" a\tb\nc "), "a b c");
        assert_eq!(
            clean_text("line1\r\nline2\u{0}\n\u{2067}x"),
            "line1\nline2\nx"
        );
    }

    #[test]
    fn counts_take_the_right_number() {
        assert_eq!(plural(1, "account"), "1 account");
        assert_eq!(plural(0, "account"), "0 accounts");
        assert_eq!(plural(2, "active account"), "2 active accounts");
    }

    #[test]
    fn keeps_cjk() {
        assert_eq!(clean_line("华为技术有限公司"), "华为技术有限公司");
    }
}
