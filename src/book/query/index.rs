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
use std::sync::{Arc, OnceLock};

/// Rows of one state of the book.
pub(in crate::book) struct RowIndex {
    /// In key order.
    pub(super) rows: Vec<AccountRow>,
    /// What fuzzy search matches, per row.
    pub(super) hay: Vec<String>,
    /// Per `SortKey::ALL` position: row indices in that order, made when a
    /// list first asks for it.
    orders: [OnceLock<Vec<u32>>; SortKey::ALL.len()],
}

impl RowIndex {
    fn build(book: &Book) -> Result<RowIndex> {
        let review = book.last_review()?;
        let rows: Vec<AccountRow> = book
            .accounts()
            .into_iter()
            .map(|a| row(book, review.as_ref(), a))
            .collect();
        let hay = rows.iter().map(fuzzy::haystack).collect();
        Ok(RowIndex {
            rows,
            hay,
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

impl Book {
    /// The prepared rows of the book as it is now.
    pub(super) fn row_index(&self) -> Result<Arc<RowIndex>> {
        self.cached(|c| &mut c.rows, || RowIndex::build(self))
    }
}
