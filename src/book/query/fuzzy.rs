//! Fuzzy search over accounts (key, name, tags, owner) with nucleo-matcher.

use super::AccountRow;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

/// Indices into `rows`, best match first; ties keep list order. An empty
/// query matches everything in list order.
pub fn rank(query: &str, rows: &[AccountRow]) -> Vec<usize> {
    let hay: Vec<Utf32String> = rows.iter().map(|r| prepare(&haystack(&r.text))).collect();
    let hay: Vec<Utf32Str> = hay.iter().map(|h| h.slice(..)).collect();
    rank_prepared(query, &hay)
        .into_iter()
        .map(|(_, i)| i)
        .collect()
}

/// What search matches in a row: key, name, owner and tags.
pub fn haystack(r: &super::RowText) -> String {
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

/// A haystack in the matcher's own form. Kept by the book's row index:
/// most names are not ASCII (umlauts, CJK), and converting them on every
/// keystroke cost four times the matching itself.
pub fn prepare(hay: &str) -> Utf32String {
    Utf32String::from(hay)
}

/// (score, position) of every haystack that matches, best first; ties in
/// the order given. An empty query matches everything, in order.
pub fn rank_prepared(query: &str, hays: &[Utf32Str]) -> Vec<(u32, usize)> {
    let mut scored = score_prepared(query, hays);
    scored.sort_by(by_rank);
    scored
}

/// (score, position) of every haystack that matches, in the order given
/// (an empty query matches everything with score 0). The haystacks are
/// scored on every core: the first key of a search at 100k accounts looks
/// at all of them.
pub fn score_prepared(query: &str, hays: &[Utf32Str]) -> Vec<(u32, usize)> {
    if query.trim().is_empty() {
        return (0..hays.len()).map(|i| (0, i)).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    crate::par::chunks(hays, |start, part| {
        let mut matcher = Matcher::new(Config::DEFAULT);
        part.iter()
            .enumerate()
            .filter_map(|(i, hay)| Some((pattern.score(*hay, &mut matcher)?, start + i)))
            .collect()
    })
}

/// The first `limit` of `rank_prepared`'s order among `scored`, without
/// sorting the rest: a one-letter search matches nearly every account,
/// and the list shows a page of them.
pub fn best(mut scored: Vec<(u32, usize)>, limit: usize) -> Vec<(u32, usize)> {
    if limit < scored.len() {
        if limit == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(limit - 1, by_rank);
        scored.truncate(limit);
    }
    scored.sort_by(by_rank);
    scored
}

/// Best score first, then position: total, as positions are unique.
fn by_rank(a: &(u32, usize), b: &(u32, usize)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Whether everything `longer` matches is matched by `shorter` too, so a
/// search may look only among `shorter`'s hits as the user types on.
/// True when `longer` extends `shorter` and `shorter` has nothing that an
/// extension can widen: a negation (`!x` → `!xy`), an end anchor (`a$` →
/// `a$b` is a plain atom again) or an escape.
pub fn narrows(shorter: &str, longer: &str) -> bool {
    !shorter.trim().is_empty() && longer.starts_with(shorter) && !shorter.contains(['!', '$', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, name: &str, owner: &str, tags: &[&str]) -> AccountRow {
        AccountRow {
            text: std::sync::Arc::new(super::super::RowText {
                key: key.into(),
                name: name.into(),
                owner: owner.into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                ..Default::default()
            }),
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

    /// Above the size where scoring is split across threads, the ranking
    /// is the one a single pass gives (positions, scores and tie order).
    #[test]
    fn split_scoring_ranks_as_one_pass() {
        let names = [
            "Acme Ltd",
            "Globex",
            "华为技术",
            "Nordwind Müller",
            "Acme Nord",
        ];
        let hay: Vec<Utf32String> = (0..9000)
            .map(|i| prepare(&format!("K{i} {} o{}", names[i % 5], i % 7)))
            .collect();
        let hay: Vec<Utf32Str> = hay.iter().map(|h| h.slice(..)).collect();
        for q in ["acm", "nord o3", "华为", "K88", "zz"] {
            let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut want: Vec<(u32, usize)> = hay
                .iter()
                .enumerate()
                .filter_map(|(i, h)| Some((pattern.score(*h, &mut matcher)?, i)))
                .collect();
            want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            assert_eq!(rank_prepared(q, &hay), want, "{q}");
        }
    }

    /// The best few, picked without sorting every hit, are the head of
    /// the full ranking, at every cut and with many equal scores.
    #[test]
    fn best_is_the_head_of_the_ranking() {
        let hay: Vec<Utf32String> = (0..6000)
            .map(|i| prepare(&format!("K{i} Nord{} o{}", i % 13, i % 7)))
            .collect();
        let hay: Vec<Utf32Str> = hay.iter().map(|h| h.slice(..)).collect();
        for q in ["n", "nord1", "o3", "", "zz"] {
            let all = rank_prepared(q, &hay);
            for limit in [0, 1, 7, 200, all.len(), all.len() + 5] {
                let head = &all[..limit.min(all.len())];
                assert_eq!(best(score_prepared(q, &hay), limit), head, "{q} {limit}");
            }
        }
    }

    /// Where `narrows` holds, the longer query's hits are among the
    /// shorter's; where it does not, they may not be.
    #[test]
    fn narrowing_keeps_every_hit() {
        let rows = vec![
            row("ACME-1", "Acme Ltd", "li", &["north"]),
            row("NOR", "Nordwind Müller", "zhang", &[]),
            row("X", "xno$xy", "wang", &[]),
            row("B", "Beta", "li", &["south"]),
        ];
        let hits = |q: &str| {
            let mut v = rank(q, &rows);
            v.sort();
            v
        };
        for (a, b) in [
            ("n", "no"),
            ("no", "nor"),
            ("ac", "acme l"),
            ("'no", "'nor"),
            ("^a", "^ac"),
        ] {
            assert!(narrows(a, b), "{a} → {b}");
            assert!(hits(b).iter().all(|i| hits(a).contains(i)), "{a} → {b}");
        }
        // Extending a negation or an end anchor can widen the hits.
        assert!(!narrows("li !s", "li !so") && !narrows("no$", "no$x"));
        assert!(hits("no$x").iter().any(|i| !hits("no$").contains(i)));
        assert!(!narrows("", "a") && !narrows("ab", "ac"));
    }
}
