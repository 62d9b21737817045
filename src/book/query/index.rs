//! The list's prepared rows: every account's row, its search text and its
//! place in each sort order, built once per state of the book and shared by
//! every page and search until the next change (kept by `book::cache`).
//!
//! Why: at 100k accounts, building 100k rows (scores computed on demand,
//! strings cloned) and sorting them cost ~80 ms per call, paid again on
//! every keystroke of a search. Reusing them makes a keystroke a filter
//! pass over prepared rows. Any write, re-score, model change or review
//! mark builds a fresh one on the next read — it is never patched, so it
//! cannot drift from what `row` gives.
//!
//! What comes from the account records alone (`RowTexts`: each row's text,
//! the search haystacks, the name and owner orders) is kept apart, for as
//! long as no account record changes: most writes are orders and notes,
//! which move scores and leave every name where it was.

use super::fuzzy;
use super::rows::{AccountRow, RowText, SortKey};
use super::{Book, Result, scored_row};
use crate::domain::{Account, AccountId};
use nucleo_matcher::Utf32String;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The records' part of every row, in one fixed order of the accounts.
pub struct RowTexts {
    ids: Vec<AccountId>,
    text: Vec<Arc<RowText>>,
    /// What fuzzy search matches, per row, in the matcher's form.
    hay: Vec<Utf32String>,
    /// The same, `fuzzy::fold`ed for the prefilter: row `i`'s bytes are
    /// `folded[folded_at[i]..folded_at[i + 1]]` (one buffer, not 100k).
    folded: Vec<u8>,
    folded_at: Vec<usize>,
    /// Each row's place in key order: the last word of every sort order,
    /// compared as a number rather than as text.
    key_rank: Vec<u32>,
    /// Row indices by name (folded) and by owner, each then by key.
    by_name: OnceLock<Vec<u32>>,
    by_owner: OnceLock<Vec<u32>>,
}

impl RowTexts {
    pub(in crate::book) fn build(book: &Book) -> RowTexts {
        RowTexts::of(&book.accounts_map().values().collect::<Vec<_>>())
    }

    /// The text of `accounts`' rows (each account once).
    pub(in crate::book) fn of(accounts: &[&Account]) -> RowTexts {
        let text = crate::par::map(accounts, |a| Arc::new(RowText::of(a)));
        let both = crate::par::map(&text, |t| {
            let h = fuzzy::haystack(t);
            (fuzzy::prepare(&h), fuzzy::fold(&h))
        });
        let mut folded = Vec::with_capacity(both.iter().map(|b| b.1.len()).sum());
        let mut folded_at = Vec::with_capacity(both.len() + 1);
        folded_at.push(0);
        let mut hay = Vec::with_capacity(both.len());
        for (h, f) in both {
            hay.push(h);
            folded.extend_from_slice(&f);
            folded_at.push(folded.len());
        }
        let mut by_key: Vec<u32> = (0..text.len() as u32).collect();
        by_key.sort_unstable_by(|&a, &b| text[a as usize].key.cmp(&text[b as usize].key));
        let mut key_rank = vec![0; text.len()];
        for (rank, &i) in by_key.iter().enumerate() {
            key_rank[i as usize] = rank as u32;
        }
        RowTexts {
            ids: accounts.iter().map(|a| a.id).collect(),
            text,
            hay,
            folded,
            folded_at,
            key_rank,
            by_name: OnceLock::new(),
            by_owner: OnceLock::new(),
        }
    }

    /// Row `i`'s haystack in both forms.
    fn hay(&self, i: usize) -> fuzzy::Hay<'_> {
        fuzzy::Hay {
            text: self.hay[i].slice(..),
            folded: &self.folded[self.folded_at[i]..self.folded_at[i + 1]],
        }
    }

    /// Every account with its row's text.
    pub fn iter(&self) -> impl Iterator<Item = (AccountId, &RowText)> {
        self.ids.iter().copied().zip(self.text.iter().map(|t| &**t))
    }

    fn by_name(&self) -> &[u32] {
        self.by_name.get_or_init(|| {
            // Lower-casing inside the comparison would allocate twice per
            // comparison; fold each name once instead.
            let folded: Vec<String> = self.text.iter().map(|t| t.name.to_lowercase()).collect();
            self.sorted(|a, b| folded[a].cmp(&folded[b]))
        })
    }

    fn by_owner(&self) -> &[u32] {
        self.by_owner
            .get_or_init(|| self.sorted(|a, b| self.text[a].owner.cmp(&self.text[b].owner)))
    }

    /// Row indices by `cmp`, then by key (as `SortKey::compare` ends).
    fn sorted(&self, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) -> Vec<u32> {
        let mut ix: Vec<u32> = (0..self.text.len() as u32).collect();
        ix.sort_unstable_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            cmp(a, b).then(self.key_rank[a].cmp(&self.key_rank[b]))
        });
        ix
    }
}

/// Rows of one state of the book.
pub(in crate::book) struct RowIndex {
    texts: Arc<RowTexts>,
    /// Aligned with `texts`.
    pub(super) rows: Vec<AccountRow>,
    /// The last search and the rows it matched (ascending): the next
    /// keystroke of the same search looks only there.
    last_search: Mutex<Option<(String, Arc<Vec<u32>>)>>,
    /// The inverse of the default order (see `default_positions`).
    positions: OnceLock<Vec<u32>>,
    /// Per `SortKey::ALL` position: row indices in that order, made when a
    /// list first asks for it.
    orders: [OnceLock<Vec<u32>>; SortKey::ALL.len()],
}

impl RowIndex {
    fn build(book: &Book, texts: Arc<RowTexts>) -> Result<RowIndex> {
        let review = book.last_review()?;
        book.engine().freeze_ranks();
        let at: Vec<usize> = (0..texts.ids.len()).collect();
        let rows = crate::par::map(&at, |&i| {
            scored_row(
                book,
                review.as_ref(),
                texts.ids[i],
                Arc::clone(&texts.text[i]),
            )
        });
        Ok(RowIndex {
            texts,
            rows,
            last_search: Mutex::new(None),
            positions: OnceLock::new(),
            orders: Default::default(),
        })
    }

    /// Row indices in `sort` order (ties cannot occur: every order ends on
    /// the unique key).
    pub(super) fn order(&self, sort: SortKey) -> &[u32] {
        match sort {
            SortKey::Name => return self.texts.by_name(),
            SortKey::Owner => return self.texts.by_owner(),
            _ => {}
        }
        let slot = SortKey::ALL.iter().position(|k| *k == sort).unwrap_or(0);
        self.orders[slot].get_or_init(|| {
            self.texts
                .sorted(|a, b| sort.primary(&self.rows[a], &self.rows[b]))
        })
    }
}

impl RowIndex {
    /// The best `limit` fuzzy hits of `text` as positions in the default
    /// order, best first (ties in that order). When `text` extends the last
    /// search (see `fuzzy::narrows`) only the last search's hits are
    /// scored: each keystroke of a search looks at fewer rows.
    ///
    /// Rows are scored in the records' order, not the list's: the
    /// haystacks then lie in memory as they are read (at 100k accounts,
    /// reading them in list order was mostly waiting for memory), and only
    /// the hits are placed in the list's order.
    pub(super) fn search(&self, text: &str, limit: usize) -> Vec<u32> {
        let last = self
            .last_search
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        // Row indices, ascending.
        let candidates: Arc<Vec<u32>> = match last {
            Some((q, hits)) if fuzzy::narrows(&q, text) => hits,
            _ => Arc::new((0..self.rows.len() as u32).collect()),
        };
        let search = fuzzy::Search::parse(text);
        // Found early, the rows that may match are not sorted out: the
        // candidates are kept for the next keystroke as they were (every
        // hit is among them), which scores them as it goes.
        let (best, hits) = match self.leading(&search, &candidates, limit) {
            Some(best) => (best, candidates),
            None => {
                let (best, hits) = self.ranked(&search, &candidates, limit);
                (best, Arc::new(hits))
            }
        };
        *self
            .last_search
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((text.to_string(), hits));
        best
    }

    /// Every candidate scored: the best `limit` positions, and the rows
    /// that matched.
    fn ranked(
        &self,
        search: &fuzzy::Search,
        candidates: &[u32],
        limit: usize,
    ) -> (Vec<u32>, Vec<u32>) {
        let hays: Vec<_> = candidates
            .iter()
            .map(|&r| self.texts.hay(r as usize))
            .collect();
        let mut scored = search.score_all(&hays);
        let hits: Vec<u32> = scored.iter().map(|&(_, i)| candidates[i]).collect();
        let position = self.default_positions();
        for s in &mut scored {
            s.1 = position[candidates[s.1] as usize] as usize;
        }
        let best = fuzzy::best(scored, limit)
            .into_iter()
            .map(|(_, p)| p as u32)
            .collect();
        (best, hits)
    }

    /// The best `limit` positions, found by walking the default order until
    /// that many candidates reach the query's highest possible score
    /// (`Search::leading`); `None` when the walk does not end soon.
    fn leading(
        &self,
        search: &fuzzy::Search,
        candidates: &[u32],
        limit: usize,
    ) -> Option<Vec<u32>> {
        // Asked for most of the candidates: ranking them all is as quick.
        if limit.saturating_mul(4) >= candidates.len() {
            return None;
        }
        search.ceiling()?;
        let member = (candidates.len() < self.rows.len()).then(|| {
            let mut m = vec![false; self.rows.len()];
            for &r in candidates {
                m[r as usize] = true;
            }
            m
        });
        let in_order = self
            .order(SortKey::default())
            .iter()
            .enumerate()
            .filter(|(_, r)| member.as_ref().is_none_or(|m| m[**r as usize]))
            .map(|(p, &r)| (p, self.texts.hay(r as usize)));
        let budget = limit.saturating_mul(64).max(4096);
        let best = search.leading(in_order, limit, budget)?;
        Some(best.into_iter().map(|p| p as u32).collect())
    }

    /// Each row's position in the default order.
    fn default_positions(&self) -> &[u32] {
        self.positions.get_or_init(|| {
            let mut at = vec![0; self.rows.len()];
            for (p, &r) in self.order(SortKey::default()).iter().enumerate() {
                at[r as usize] = p as u32;
            }
            at
        })
    }
}

impl Book {
    /// The prepared rows of the book as it is now.
    pub(super) fn row_index(&self) -> Result<Arc<RowIndex>> {
        let texts = self.row_texts();
        self.cached(|c| &mut c.rows, || RowIndex::build(self, texts))
    }
}
