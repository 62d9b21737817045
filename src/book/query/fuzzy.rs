//! Fuzzy search over accounts (key, name, tags, owner) with nucleo-matcher.

use super::AccountRow;
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String, chars};

/// Indices into `rows`, best match first; ties keep list order. An empty
/// query matches everything in list order.
pub fn rank(query: &str, rows: &[AccountRow]) -> Vec<usize> {
    let texts: Vec<String> = rows.iter().map(|r| haystack(&r.text)).collect();
    let prepared: Vec<Prepared> = texts.iter().map(|t| Prepared::of(t)).collect();
    let hays: Vec<Hay> = prepared.iter().map(Prepared::hay).collect();
    rank_prepared(query, &hays)
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
fn prepare(hay: &str) -> Utf32String {
    Utf32String::from(hay)
}

/// A haystack as the prefilter reads it: each character folded as the
/// matcher folds it for a plain (ASCII) query — normalized, then lower-cased
/// — and kept if that gives an ASCII byte; any other becomes a byte no ASCII
/// query holds.
fn fold(hay: &str) -> Box<[u8]> {
    hay.chars()
        .map(|c| {
            let f = chars::to_lower_case(chars::normalize(c));
            if f.is_ascii() { f as u8 } else { NOT_ASCII }
        })
        .collect()
}

/// Stands for a character `fold` cannot give as ASCII.
const NOT_ASCII: u8 = 0xFF;

/// The non-ASCII characters a haystack holds, as bits of a set: each one in
/// every form the matcher may compare it in (nucleo-matcher 0.3 compares a
/// character as it is, lower-cased, or normalized and lower-cased). A
/// needle's non-ASCII character matches only where its bit is set.
fn marks(hay: &str) -> u128 {
    hay.chars()
        .filter(|c| !c.is_ascii())
        .map(|c| {
            if CASELESS.contains(&c) {
                return mark(c);
            }
            let lower = chars::to_lower_case(c);
            let normal = chars::normalize(c);
            let both = if normal == c {
                lower
            } else {
                chars::to_lower_case(normal)
            };
            mark(c) | mark(lower) | mark(both)
        })
        .fold(0, |m, b| m | b)
}

/// CJK punctuation, kana and ideographs: no case and no normal form (the
/// matcher's tables leave them as they are, tested), so a haystack of
/// Chinese names is marked without a table look-up per character.
const CASELESS: std::ops::RangeInclusive<char> = '\u{3000}'..='\u{9FFF}';

/// A non-ASCII character's two bits in `marks` (none for ASCII): a row of
/// Chinese company names holds about seven such characters, and with two
/// bits of 128 a character it lacks passes in about one row of a hundred.
fn mark(c: char) -> u128 {
    if c.is_ascii() {
        return 0;
    }
    let c = c as u32;
    (1 << (c.wrapping_mul(0x9E37_79B9) >> 25)) | (1 << (c.wrapping_mul(0x85EB_CA6B) >> 25))
}

/// One haystack, in the matcher's form, `fold`ed, and its `marks`.
#[derive(Clone, Copy)]
pub struct Hay<'a> {
    pub text: Utf32Str<'a>,
    pub folded: &'a [u8],
    pub marks: u128,
}

/// A haystack in the forms a search reads, owned.
pub struct Prepared {
    pub text: Utf32String,
    pub folded: Box<[u8]>,
    pub marks: u128,
}

impl Prepared {
    pub fn of(hay: &str) -> Prepared {
        Prepared {
            text: prepare(hay),
            folded: fold(hay),
            marks: marks(hay),
        }
    }

    pub fn hay(&self) -> Hay<'_> {
        Hay {
            text: self.text.slice(..),
            folded: &self.folded,
            marks: self.marks,
        }
    }
}

/// What every haystack the pattern matches holds: for each of its positive
/// atoms with an ASCII needle, that needle's bytes in order. Every atom kind
/// (fuzzy, substring, prefix, postfix, exact) matches only where its
/// needle's characters occur in order, each equal after the matcher's
/// folding; for an ASCII needle (lower-cased, normalized: a plain query)
/// that folding is `fold`. For a needle the matcher holds as Unicode ("mü",
/// "华为"), the `marks` of its non-ASCII characters (an ASCII haystack has
/// none, and nucleo never matches such a needle in one). Other atoms are
/// left to the matcher.
struct Prefilter {
    needles: Vec<Vec<u8>>,
    marks: u128,
}

impl Prefilter {
    fn of(pattern: &Pattern) -> Prefilter {
        let mut marks = 0;
        let mut needles = Vec::new();
        for atom in pattern.atoms.iter().filter(|a| !a.negative) {
            match atom.needle_text() {
                Utf32Str::Ascii(bytes) => needles.push(bytes.to_vec()),
                Utf32Str::Unicode(chars) => marks |= chars.iter().fold(0, |m, &c| m | mark(c)),
            }
        }
        Prefilter { needles, marks }
    }

    /// False only where the matcher would find no match.
    fn may_match(&self, hay: &Hay) -> bool {
        hay.marks & self.marks == self.marks
            && self.needles.iter().all(|n| holds_in_order(hay.folded, n))
    }
}

/// Whether `needle`'s bytes occur in `hay` in order (gaps allowed).
fn holds_in_order(hay: &[u8], needle: &[u8]) -> bool {
    let mut rest = hay;
    for b in needle {
        match rest.iter().position(|h| h == b) {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
    true
}

/// (score, position) of every haystack that matches, best first; ties in
/// the order given. An empty query matches everything, in order.
pub fn rank_prepared(query: &str, hays: &[Hay]) -> Vec<(u32, usize)> {
    let mut scored = score_prepared(query, hays);
    scored.sort_by(by_rank);
    scored
}

/// (score, position) of every haystack that matches, in the order given
/// (an empty query matches everything with score 0). The haystacks are
/// scored on every core: the first key of a search at 100k accounts looks
/// at all of them.
pub fn score_prepared(query: &str, hays: &[Hay]) -> Vec<(u32, usize)> {
    Search::parse(query).score_all(hays)
}

/// A parsed query with its prefilter.
pub struct Search {
    pattern: Pattern,
    pre: Prefilter,
    empty: bool,
}

impl Search {
    pub fn parse(query: &str) -> Search {
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        // The matcher folds every character of a non-ASCII haystack through
        // Unicode tables (most names here are not ASCII); the prefilter's
        // bytes turn away the rows it would find no match in at a fraction
        // of that.
        let pre = Prefilter::of(&pattern);
        Search {
            pattern,
            pre,
            empty: query.trim().is_empty(),
        }
    }

    /// The haystack's score, `None` when it does not match.
    pub fn score(&self, hay: &Hay, matcher: &mut Matcher) -> Option<u32> {
        if self.empty {
            return Some(0);
        }
        if !self.pre.may_match(hay) {
            return None;
        }
        self.pattern.score(hay.text, matcher)
    }

    /// `score_prepared`'s answer.
    pub fn score_all(&self, hays: &[Hay]) -> Vec<(u32, usize)> {
        if self.empty {
            return (0..hays.len()).map(|i| (0, i)).collect();
        }
        crate::par::chunks(hays, |start, part| {
            let mut matcher = Matcher::new(Config::DEFAULT);
            part.iter()
                .enumerate()
                .filter_map(|(i, hay)| Some((self.score(hay, &mut matcher)?, start + i)))
                .collect()
        })
    }

    /// The highest score any haystack can get, where it is known: for one
    /// fuzzy atom with an ASCII needle (what a search is while its first
    /// word is typed). Each matched character scores `SCORE` plus a bonus
    /// of at most `BONUS` (a word start after white space; a run of
    /// consecutive matches carries its first bonus on, never above it), the
    /// first one's bonus counted twice, and gaps only subtract. The needle
    /// found at the start of a word reaches it (tested against nucleo).
    pub fn ceiling(&self) -> Option<u32> {
        // nucleo-matcher 0.3: SCORE_MATCH, and the largest bonus of
        // `Config::DEFAULT` (bonus_boundary_white).
        const SCORE: u32 = 16;
        const BONUS: u32 = 10;
        let chars = self.ceiling_needle()?.len() as u32;
        Some(SCORE + 2 * BONUS + (chars - 1) * (SCORE + BONUS))
    }

    /// The needle of a query that has a `ceiling`, as the matcher holds it.
    fn ceiling_needle(&self) -> Option<&[u8]> {
        let [atom] = self.pattern.atoms.as_slice() else {
            return None;
        };
        match atom.needle_text() {
            Utf32Str::Ascii(bytes)
                if !bytes.is_empty() && atom.kind == AtomKind::Fuzzy && !atom.negative =>
            {
                Some(bytes)
            }
            _ => None,
        }
    }

    /// The positions of the first `limit` hits of the ranking, when they
    /// can be known without scoring every haystack: `hays` come with their
    /// positions, ascending (the ranking's tie order), and once `limit` of
    /// them reach the `ceiling` no later one can rank before them. `None`
    /// when that is not found within `budget` haystacks (each one looked
    /// at counts, matched or not), when the pace of the first `PACE_AFTER`
    /// and on says it will not be, or when all were looked at: the caller
    /// then scores them all. A one-letter search at 100k accounts then
    /// scores about 4,400 rows; "ber" walked 12,800 before giving up (20
    /// ms of a 28 ms keystroke), now 512.
    pub fn leading<'a>(
        &self,
        hays: impl Iterator<Item = (usize, Hay<'a>)>,
        limit: usize,
        budget: usize,
    ) -> Option<Vec<usize>> {
        let top = self.ceiling()?;
        let needle = self.ceiling_needle()?;
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut found = Vec::with_capacity(limit.min(budget));
        for (walked, (pos, hay)) in hays.enumerate() {
            if found.len() >= limit {
                return Some(found);
            }
            // At the pace so far, `limit` hits take more than the budget.
            let slow = walked >= PACE_AFTER
                && limit.saturating_mul(walked) > found.len().saturating_mul(budget);
            if walked >= budget || slow {
                return None;
            }
            if !may_reach_ceiling(hay.folded, needle) {
                continue;
            }
            if self.pattern.score(hay.text, &mut matcher) == Some(top) {
                found.push(pos);
            }
        }
        (found.len() >= limit).then_some(found)
    }
}

/// Whether a haystack, `fold`ed, may score a query's `ceiling`: only the
/// needle whole, at the start or after a character that is not a letter or
/// a digit (white space gives the full bonus; a character `fold` cannot
/// give as ASCII may be white space). Anywhere else a character misses the
/// full bonus or a gap costs. Most rows a walk looks at match lower: they
/// are turned away here, not scored by the matcher.
fn may_reach_ceiling(folded: &[u8], needle: &[u8]) -> bool {
    folded
        .windows(needle.len())
        .enumerate()
        .any(|(i, w)| w == needle && (i == 0 || !folded[i - 1].is_ascii_alphanumeric()))
}

/// Haystacks a walk for the leading hits looks at before its pace decides
/// whether it goes on.
const PACE_AFTER: usize = 512;

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
                tags: tags.iter().map(|&t| t.into()).collect(),
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

    /// Haystacks in both forms, for `hays`.
    fn prepared(texts: &[String]) -> Vec<Prepared> {
        texts.iter().map(|t| Prepared::of(t)).collect()
    }

    fn hays(p: &[Prepared]) -> Vec<Hay<'_>> {
        p.iter().map(Prepared::hay).collect()
    }

    /// What the matcher alone ranks: every haystack scored, none turned
    /// away before.
    fn matcher_alone(q: &str, p: &[Prepared]) -> Vec<(u32, usize)> {
        let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut want: Vec<(u32, usize)> = p
            .iter()
            .enumerate()
            .filter_map(|(i, h)| Some((pattern.score(h.text.slice(..), &mut matcher)?, i)))
            .collect();
        want.sort_by(by_rank);
        want
    }

    /// Above the size where scoring is split across threads, and with the
    /// prefilter turning rows away, the ranking is the one the matcher
    /// alone gives in one pass (positions, scores and tie order) — for
    /// accented, upper-case and CJK names and every kind of query atom.
    #[test]
    fn prefiltered_split_scoring_ranks_as_the_matcher_alone() {
        let names = [
            "Acme Ltd",
            "Globex",
            "华为技术",
            "Nordwind Müller",
            "ÄRGER Straße AG",
            "Café Éclair",
            "Acme Nord",
            "Ørsted Ålesund",
            "ＮＯＲＤ Ｗｉｄｅ",
        ];
        let texts: Vec<String> = (0..9000)
            .map(|i| format!("K{i} {} o{} t{}", names[i % names.len()], i % 7, i % 3))
            .collect();
        let p = prepared(&texts);
        for q in [
            "acm",
            "nord o3",
            "华为",
            "K88",
            "zz",
            "n",
            "no",
            "muller",
            "müller",
            "MULLER",
            "strasse",
            "straße",
            "arger",
            "ärger",
            "cafe",
            "éclair",
            "orsted",
            "alesund",
            "nord wide",
            "'nord",
            "^k1",
            "o3$",
            "^k12 t2$",
            "!acme nord",
            "!^k1 o2",
            "e\\ n",
            "k 1",
            "'lt",
            "ltd$",
            "mü nord",
            "华为 k1",
            "!华为 acme",
            "ü",
            "ÄRGER",
            "ørsted",
            "^ｎｏｒｄ",
            "'straße",
            "é$",
        ] {
            assert_eq!(rank_prepared(q, &hays(&p)), matcher_alone(q, &p), "{q}");
        }
    }

    /// A query with a Unicode needle sends the matcher only the rows that
    /// hold its non-ASCII characters in a form the matcher compares; a
    /// negative atom turns nothing away.
    #[test]
    fn a_unicode_needle_turns_away_rows_without_its_characters() {
        let p = prepared(&[
            "K1 Mueller GmbH".to_string(),
            "K2 MÜLLER GmbH 华为".to_string(),
            "K3 Nordwind 华东".to_string(),
        ]);
        let h = hays(&p);
        let may = |q: &str| -> Vec<bool> {
            let s = Search::parse(q);
            h.iter().map(|hay| s.pre.may_match(hay)).collect()
        };
        assert_eq!(may("mü"), [false, true, false]);
        assert_eq!(may("'Ü gmbh"), [false, true, false]);
        assert_eq!(may("华"), [false, true, true]);
        assert_eq!(may("华为"), [false, true, false]);
        assert_eq!(may("!华为 k"), [true, true, true]);
        assert_eq!(may("mue"), [true, true, false]);
    }

    /// `CASELESS` holds only characters the matcher compares as they are.
    #[test]
    fn the_caseless_characters_have_no_other_form() {
        for c in CASELESS {
            assert_eq!(chars::to_lower_case(c), c, "{c:?}");
            assert_eq!(chars::normalize(c), c, "{c:?}");
        }
    }

    proptest::proptest! {
        /// Wherever nucleo matches a needle made of a haystack's own
        /// characters (in another case, accented or not, CJK, full width),
        /// the prefilter lets the haystack through.
        #[test]
        fn the_prefilter_lets_every_match_through(
            hay in "[a-zA-Z ÄäÖöÜüßẞÉéÈèÑñØøÅåİıǅǄǆΣσςК华为东ｎＮ\\u{212A}\\u{1E9E}\\u{0301}]{0,16}",
            picks in proptest::collection::vec((0usize..64, 0u8..4), 1..4),
        ) {
            let chars: Vec<char> = hay.chars().collect();
            proptest::prop_assume!(!chars.is_empty());
            let needle: String = picks
                .iter()
                .map(|&(i, how)| {
                    let c = chars[i % chars.len()];
                    match how {
                        0 => c,
                        1 => chars::to_lower_case(c),
                        2 => chars::normalize(c),
                        _ => c.to_uppercase().next().unwrap_or(c),
                    }
                })
                .collect();
            let p = Prepared::of(&hay);
            let search = Search::parse(&needle);
            let mut matcher = Matcher::new(Config::DEFAULT);
            // nucleo-matcher 0.3.1 trips a `debug_assert` of its own on some
            // sigma forms ("ΣÖ" in "aςẞ为Σς为华Öö…", saved in
            // proptest-regressions): compiled out of release builds, and no
            // answer to test the prefilter against.
            let scored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                search.pattern.score(p.hay().text, &mut matcher)
            }));
            proptest::prop_assume!(scored.is_ok());
            if scored.is_ok_and(|s| s.is_some()) {
                proptest::prop_assert!(search.pre.may_match(&p.hay()), "{needle:?} in {hay:?}");
            }
        }
    }

    /// The best few, picked without sorting every hit, are the head of
    /// the full ranking, at every cut and with many equal scores.
    #[test]
    fn best_is_the_head_of_the_ranking() {
        let texts: Vec<String> = (0..6000)
            .map(|i| format!("K{i} Nord{} o{}", i % 13, i % 7))
            .collect();
        let p = prepared(&texts);
        for q in ["n", "nord1", "o3", "", "zz"] {
            let all = rank_prepared(q, &hays(&p));
            for limit in [0, 1, 7, 200, all.len(), all.len() + 5] {
                let head = &all[..limit.min(all.len())];
                assert_eq!(
                    best(score_prepared(q, &hays(&p)), limit),
                    head,
                    "{q} {limit}"
                );
            }
        }
    }

    /// Haystacks built to reach high scores: words at the start, after
    /// white space, delimiters and non-word characters, camelCase, digits,
    /// repeated letters, accents and CJK.
    fn tricky_haystacks() -> Vec<String> {
        let parts = [
            "n",
            "N",
            "no",
            "nO",
            "north",
            "Nord",
            "ñor",
            "NORT",
            "-nor",
            "_n",
            "/no",
            ".nort",
            "xNor",
            "x9n",
            "9no",
            "nnoorr",
            "n o r",
            "华n",
            "ｎｏｒ",
            "(north)",
            "a",
            "",
            " ",
        ];
        let mut out = Vec::new();
        for (i, a) in parts.iter().enumerate() {
            for (j, b) in parts.iter().enumerate() {
                let c = parts[(i * 7 + j * 3) % parts.len()];
                out.push(format!("{a}{b}{c}"));
                out.push(format!("{a} {b}-{c}"));
            }
        }
        out
    }

    /// No haystack scores above `Search::ceiling`, and the needle found at
    /// a word start reaches it: the early end of a search rests on both.
    #[test]
    fn the_ceiling_is_the_highest_score_and_is_reached() {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let hays = tricky_haystacks();
        for q in ["n", "no", "nor", "nort", "north", "N", "x9", "a-b", "k12"] {
            let search = Search::parse(q);
            let top = search
                .ceiling()
                .unwrap_or_else(|| panic!("{q}: no ceiling"));
            for h in &hays {
                let p = Prepared::of(h);
                let hay = p.hay();
                if let Some(s) = search.score(&hay, &mut matcher) {
                    assert!(s <= top, "{q} in {h:?}: {s} > {top}");
                }
            }
            for h in [
                q.to_string(),
                format!("x {q}y"),
                format!("{} z", q.to_uppercase()),
            ] {
                let p = Prepared::of(&h);
                let hay = p.hay();
                assert_eq!(search.score(&hay, &mut matcher), Some(top), "{q} in {h:?}");
            }
        }
        // Only one positive fuzzy atom with an ASCII needle has one.
        for q in ["", "no rt", "'no", "^no", "no$", "!no", "华为", "ño"] {
            assert_eq!(Search::parse(q).ceiling(), None, "{q}");
        }
    }

    proptest::proptest! {
        /// A haystack the walk turns away never reaches the ceiling: over
        /// text with the needle (in either case) after all kinds of
        /// characters, white space that is not ASCII among them.
        #[test]
        fn what_may_not_reach_the_ceiling_does_not(
            pre in "[a-zA-Z0-9 _./-]{0,12}|[a-zA-Zäöü华 ]{0,8}|\\PC{0,8}",
            sep in "[ \u{a0}\u{3000}\t/._ßé华xX1-]?",
            upper in proptest::bool::ANY,
            post in "[a-zA-Z0-9 ]{0,8}|\\PC{0,6}",
            q in "[a-z0-9]{1,4}",
        ) {
            let search = Search::parse(&q);
            let top = search.ceiling().unwrap();
            let needle = if upper { q.to_uppercase() } else { q.clone() };
            let h = format!("{pre}{sep}{needle}{post}");
            let p = Prepared::of(&h);
            let hay = p.hay();
            let s = search.score(&hay, &mut Matcher::new(Config::DEFAULT));
            if s == Some(top) {
                proptest::prop_assert!(may_reach_ceiling(&p.folded, q.as_bytes()), "{q} in {h:?}");
            }
        }

        /// The same over arbitrary text.
        #[test]
        fn no_score_passes_the_ceiling(h in "[a-zA-Z0-9 _./-]{0,40}|\\PC{0,24}", q in "[a-z0-9]{1,6}") {
            let search = Search::parse(&q);
            let top = search.ceiling().unwrap();
            let p = Prepared::of(&h);
            let hay = p.hay();
            let s = search.score(&hay, &mut Matcher::new(Config::DEFAULT));
            proptest::prop_assert!(s.is_none_or(|s| s <= top), "{} > {}", s.unwrap_or(0), top);
        }
    }

    /// Where the walk ends early, it found the head of the full ranking;
    /// where it cannot (a budget spent, too few at the top), it says so.
    #[test]
    fn the_leading_hits_are_the_head_of_the_ranking() {
        let mut texts = tricky_haystacks();
        texts.extend((0..3000).map(|i| format!("K{i} Nord{} o{}", i % 13, i % 7)));
        let p = prepared(&texts);
        let mut ended_early = 0;
        for q in ["n", "no", "nor", "nord1", "o3", "k1", "x9", "zz"] {
            let all = rank_prepared(q, &hays(&p));
            for limit in [0, 1, 7, 50, 400] {
                for budget in [10, 100_000] {
                    let walk = hays(&p).into_iter().enumerate();
                    let Some(found) = Search::parse(q).leading(walk, limit, budget) else {
                        continue;
                    };
                    ended_early += 1;
                    let head: Vec<usize> = all.iter().take(limit).map(|&(_, i)| i).collect();
                    assert_eq!(found, head, "{q} {limit} {budget}");
                }
            }
        }
        assert!(ended_early >= 10, "only {ended_early} walks ended early");
        // Too few rows reach the top: the walk gives up, whatever the budget.
        let walk = hays(&p).into_iter().enumerate();
        assert_eq!(Search::parse("zz").leading(walk, 1, 100_000), None);
    }

    /// The walk's cheap look: the needle whole at a word start may reach
    /// the ceiling; inside a word, or in pieces, it cannot.
    #[test]
    fn only_a_whole_needle_at_a_word_start_may_reach_the_ceiling() {
        let may = |h: &str, q: &str| may_reach_ceiling(&fold(h), q.as_bytes());
        assert!(may("Berlin", "ber") && may("K1 Berlin", "ber") && may("x-ber", "ber"));
        assert!(may("K1\u{3000}Berlin", "ber") && may("Müller", "mul"));
        assert!(!may("Amber", "ber") && !may("B e r", "ber") && !may("", "b"));
    }

    /// A walk whose hits come too slowly for its budget stops once its
    /// pace shows it, instead of looking on until the budget is spent.
    #[test]
    fn a_walk_too_slow_for_its_budget_gives_up_early() {
        // One row in a thousand has a word starting with "ber": 50 of them
        // are 50,000 rows away, past the budget. The others match lower.
        let texts: Vec<String> = (0..20_000)
            .map(|i| match i % 1000 {
                0 => format!("K{i} Berlin"),
                _ => format!("K{i} Amber"),
            })
            .collect();
        let p = prepared(&texts);
        let looked = std::cell::Cell::new(0);
        let walk = hays(&p)
            .into_iter()
            .enumerate()
            .inspect(|_| looked.set(looked.get() + 1));
        assert_eq!(Search::parse("ber").leading(walk, 50, 10_000), None);
        assert!(looked.get() <= PACE_AFTER + 1, "looked at {}", looked.get());
        // Where the pace is enough, the same walk finds them.
        let walk = hays(&p).into_iter().enumerate();
        let found = Search::parse("ber").leading(walk, 5, 20_000);
        assert_eq!(found, Some(vec![0, 1000, 2000, 3000, 4000]));
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
