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
    if is_clean_line(s) {
        return s.to_string();
    }
    changed_line(s)
}

/// `clean_line` of a field that needs it.
fn changed_line(s: &str) -> String {
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
    if is_clean_text(s) {
        return s.to_string();
    }
    changed_text(s)
}

/// `clean_line` in place: a field that is clean (most are) is left as it
/// is, with no new string made (an import cleans a million rows' fields).
pub fn clean_line_in(s: &mut String) {
    if !is_clean_line(s) {
        *s = changed_line(s);
    }
}

/// `clean_text` in place (see `clean_line_in`).
pub fn clean_text_in(s: &mut String) {
    if !is_clean_text(s) {
        *s = changed_text(s);
    }
}

/// True when `clean_text(s)` is `s`: nothing to map or remove but newlines,
/// no trailing whitespace.
pub fn is_clean_text(s: &str) -> bool {
    s.trim_end() == s
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\n') || is_bidi_or_format(c))
}

/// `clean_text` of a field that needs it.
fn changed_text(s: &str) -> String {
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

/// True when `s` is already clean for a single-line field (`clean_line(s)`
/// is `s`): no control or bidi character, no surrounding whitespace.
pub fn is_clean_line(s: &str) -> bool {
    s.trim() == s && !s.chars().any(|c| c.is_control() || is_bidi_or_format(c))
}

/// Display width in terminal cells (CJK = 2).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` cells, ending with `…` when cut. Never splits a
/// wide character across the limit.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `fit` then pad with spaces to exactly `w` cells.
pub fn pad(s: &str, w: usize) -> String {
    let mut out = fit(s, w);
    let used = width(&out);
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(used)));
    out
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
    fn cjk_is_measured_in_cells() {
        assert_eq!(width("华为"), 4);
        assert_eq!(fit("华为技术", 5), "华为…");
        assert_eq!(pad("华为", 6), "华为  ");
        assert_eq!(width(&pad("华为技术有限公司", 7)), 7);
        assert_eq!(fit("abc", 3), "abc");
    }

    proptest::proptest! {
        /// The shortcut for a clean field gives what the full cleaning
        /// gives, for any text (controls, bidi marks and spaces likely).
        #[test]
        fn a_clean_field_is_found_clean_exactly(
            s in "[a-z \\t\\r\\n\\u{0}\\u{1b}\\u{85}\\u{a0}\\u{202e}\\u{2067}\\u{200b}\\u{feff}华]{0,12}"
        ) {
            proptest::prop_assert_eq!(clean_line(&s), changed_line(&s));
            proptest::prop_assert_eq!(clean_text(&s), changed_text(&s));
            proptest::prop_assert_eq!(is_clean_line(&s), changed_line(&s) == s);
            proptest::prop_assert_eq!(is_clean_text(&s), changed_text(&s) == s);
            let (mut line, mut text) = (s.clone(), s.clone());
            clean_line_in(&mut line);
            clean_text_in(&mut text);
            proptest::prop_assert_eq!(line, changed_line(&s));
            proptest::prop_assert_eq!(text, changed_text(&s));
        }
    }

    #[test]
    fn keeps_cjk() {
        assert_eq!(clean_line("华为技术有限公司"), "华为技术有限公司");
    }
}
