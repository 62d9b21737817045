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

use super::fuzzy;
use super::rows::{AccountRow, SortKey};
use super::{Book, Result, row};
use nucleo_matcher::Utf32String;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Rows of one state of the book.
pub(in crate::book) struct RowIndex {
    /// In key order.
    pub(super) rows: Vec<AccountRow>,
    /// What fuzzy search matches, per row, in the matcher's form.
    pub(super) hay: Vec<Utf32String>,
    /// The last search and the positions (in the default order) it
    /// matched: the next keystroke of the same search looks only there.
    last_search: Mutex<Option<(String, Arc<Vec<u32>>)>>,
    /// Per `SortKey::ALL` position: row indices in that order, made when a
    /// list first asks for it.
    orders: [OnceLock<Vec<u32>>; SortKey::ALL.len()],
}

impl RowIndex {
    fn build(book: &Book) -> Result<RowIndex> {
        let review = book.last_review()?;
        let rows: Vec<AccountRow> =
            crate::par::map(&book.accounts(), |a| row(book, review.as_ref(), a));
        let hay = crate::par::map(&rows, |r| fuzzy::prepare(&fuzzy::haystack(r)));
        Ok(RowIndex {
            rows,
            hay,
            last_search: Mutex::new(None),
            orders: Default::default(),
        })
    }

    /// Row indices in `sort` order (ties cannot occur: every order ends on
    /// the unique key).
    pub(super) fn order(&self, sort: SortKey) -> &[u32] {
        let slot = SortKey::ALL.iter().position(|k| *k == sort).unwrap_or(0);
        self.orders[slot].get_or_init(|| {
            let mut ix: Vec<u32> = (0..self.rows.len() as u32).collect();
            match sort {
                // Lower-casing inside the comparison would allocate twice
                // per comparison; fold each name once instead.
                SortKey::Name => {
                    let folded: Vec<String> =
                        self.rows.iter().map(|r| r.name.to_lowercase()).collect();
                    ix.sort_by(|&a, &b| {
                        let (a, b) = (a as usize, b as usize);
                        folded[a]
                            .cmp(&folded[b])
                            .then_with(|| self.rows[a].key.cmp(&self.rows[b].key))
                    });
                }
                _ => ix
                    .sort_by(|&a, &b| sort.compare(&self.rows[a as usize], &self.rows[b as usize])),
            }
            ix
        })
    }
}

impl RowIndex {
    /// Fuzzy hits of `text` as positions in the default order, best first
    /// (ties in that order). When `text` extends the last search (see
    /// `fuzzy::narrows`) only the last search's hits are scored: each
    /// keystroke of a search looks at fewer rows.
    pub(super) fn search(&self, text: &str) -> Vec<u32> {
        let order = self.order(SortKey::default());
        let last = self
            .last_search
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let candidates: Arc<Vec<u32>> = match last {
            Some((q, hits)) if fuzzy::narrows(&q, text) => hits,
            _ => Arc::new((0..order.len() as u32).collect()),
        };
        let hays: Vec<_> = candidates
            .iter()
            .map(|&p| self.hay[order[p as usize] as usize].slice(..))
            .collect();
        let ranked: Vec<u32> = fuzzy::rank_prepared(text, &hays)
            .into_iter()
            .map(|(_, i)| candidates[i])
            .collect();
        let mut hits = ranked.clone();
        hits.sort_unstable();
        *self
            .last_search
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((text.to_string(), Arc::new(hits)));
        ranked
    }
}

impl Book {
    /// The prepared rows of the book as it is now.
    pub(super) fn row_index(&self) -> Result<Arc<RowIndex>> {
        self.cached(|c| &mut c.rows, || RowIndex::build(self))
    }
}
