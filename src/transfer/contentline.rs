//! Content lines shared by vCard (RFC 6350) and iCalendar (RFC 5545):
//! TEXT escaping and folding at 75 octets.

/// TEXT value escaping: backslash, `;`, `,` and newlines.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The reverse of `escape`.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// One content line, folded at 75 octets (continuations start with a
/// space) without splitting a UTF-8 character, ended by CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// Unfolds `text` into logical lines, each with the line number it starts
/// on (1-based); CRLF or LF line ends.
pub fn unfold(text: &str) -> Vec<(u64, String)> {
    let mut lines: Vec<(u64, String)> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.1.push_str(rest),
            _ => {
                if !raw.is_empty() {
                    lines.push((n as u64 + 1, raw.to_string()));
                }
            }
        }
    }
    lines
}

/// Splits at the first unescaped `;` (compound values such as ORG).
pub fn first_component(value: &str) -> &str {
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ';' if !escaped => return &value[..i],
            _ => escaped = false,
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_round_trip() {
        let s = "a,b;c\\d\ne";
        assert_eq!(escape(s), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(unescape(&escape(s)), s);
    }

    #[test]
    fn long_lines_fold_at_75_octets_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "华".repeat(40));
        let folded = fold(&line);
        let parts: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(parts.len() > 1);
        for (i, p) in parts.iter().enumerate() {
            assert!(p.len() <= 75, "{} octets", p.len());
            assert_eq!(i > 0, p.starts_with(' '));
        }
        let back = unfold(&folded);
        assert_eq!(back, vec![(1, line)]);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }

    #[test]
    fn compound_values_split_on_unescaped_semicolons() {
        assert_eq!(first_component("Acme\\; Co;Sales"), "Acme\\; Co");
        assert_eq!(first_component("Acme"), "Acme");
    }
}
