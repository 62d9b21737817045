//! Fuzzy search over accounts (key, name, tags, owner) with nucleo-matcher.

use super::AccountRow;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Indices into `rows`, best match first; ties keep list order. An empty
/// query matches everything in list order.
pub fn rank(query: &str, rows: &[AccountRow]) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..rows.len()).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut hay = String::new();
    let mut scored: Vec<(u32, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        hay.clear();
        hay.push_str(&r.key);
        hay.push(' ');
        hay.push_str(&r.name);
        hay.push(' ');
        hay.push_str(&r.owner);
        for t in &r.tags {
            hay.push(' ');
            hay.push_str(t);
        }
        if let Some(s) = pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher) {
            scored.push((s, i));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, name: &str, owner: &str, tags: &[&str]) -> AccountRow {
        AccountRow {
            key: key.into(),
            name: name.into(),
            owner: owner.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn ranks_over_key_name_owner_and_tags() {
        let rows = vec![
            row("ACME-1", "Acme Ltd", "li", &[]),
            row("GLOBX", "Globex", "zhang", &["steel"]),
            row("HW", "华为技术", "wang", &[]),
        ];
        assert_eq!(rank("globex", &rows), vec![1]);
        assert_eq!(rank("steel", &rows), vec![1]);
        assert_eq!(rank("zhang", &rows), vec![1]);
        assert_eq!(rank("华为", &rows), vec![2]);
        assert_eq!(rank("acm", &rows)[0], 0);
        assert_eq!(rank("", &rows), vec![0, 1, 2]);
        assert!(rank("qqqq", &rows).is_empty());
    }
}
