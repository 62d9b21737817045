//! Fuzzy search over accounts (key, name, tags, owner) with nucleo-matcher.

use super::AccountRow;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Indices into `rows`, best match first; ties keep list order. An empty
/// query matches everything in list order.
pub fn rank(query: &str, rows: &[AccountRow]) -> Vec<usize> {
    let hay: Vec<String> = rows.iter().map(haystack).collect();
    rank_texts(query, hay.iter().map(String::as_str))
}

/// What search matches in a row: key, name, owner and tags.
pub fn haystack(r: &AccountRow) -> String {
    let mut hay = String::with_capacity(r.key.len() + r.name.len() + r.owner.len() + 2);
    hay.push_str(&r.key);
    hay.push(' ');
    hay.push_str(&r.name);
    hay.push(' ');
    hay.push_str(&r.owner);
    for t in &r.tags {
        hay.push(' ');
        hay.push_str(t);
    }
    hay
}

/// `rank` over prepared haystacks (positions in the sequence given).
pub fn rank_texts<'a>(query: &str, hays: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    let hays = hays.into_iter();
    if query.trim().is_empty() {
        return (0..hays.count()).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = Vec::new();
    for (i, hay) in hays.enumerate() {
        if let Some(s) = pattern.score(Utf32Str::new(hay, &mut buf), &mut matcher) {
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
