//! The list's prepared rows: every account's row, its search text and its
//! place in each sort order, built once per state of the book and shared by
//! every page and search until the next change (kept by `book::cache`).
//!
//! Why: at 100k accounts, building 100k rows (scores computed on demand,
//! strings cloned) and sorting them cost ~80 ms per call, paid again on
//! every keystroke of a search. Reusing them makes a keystroke a filter
//! pass over prepared rows.
//!
//! After a write, the rows of the last state are patched: only the
//! accounts the engine's journal names (`Engine::changed_since`: those a
//! step touched, and those whose percentiles a replaced value moved) are
//! scored again, and each order is the old one with those rows put back in
//! their places (`RowTexts::sorted_from`). Every
//! other row is what scoring it afresh gives, bit for bit (see
//! `segment::engine::journal`). Other account records, another engine
//! lineage (date, model, reopen), another review mark, or changes the
//! journal cannot tell one by one build a fresh index.
//!
//! What comes from the account records alone (`RowTexts`: each row's text,
//! the search haystacks, the name and owner orders) is kept apart, for as
//! long as no account record changes: most writes are orders and notes,
//! which move scores and leave every name where it was.

use super::fuzzy;
use super::rows::RowNames;
use super::rows::{AccountRow, RowText, SortKey};
use super::{Book, Result, scored_row};
use crate::domain::{Account, AccountId};
use nucleo_matcher::Utf32String;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The records' part of every row, in id order.
pub struct RowTexts {
    ids: Vec<AccountId>,
    text: Vec<Arc<RowText>>,
    /// What fuzzy search matches, made when a search first asks (or
    /// `prepare_search`): at 100k accounts it is the dearest part of the
    /// rows (0.6 s of CPU), and the first screen shows none of it.
    search: OnceLock<Haystacks>,
    /// Each row's place in key order: the last word of every sort order,
    /// compared as a number rather than as text.
    key_rank: Vec<u32>,
    /// Row indices by name (folded) and by owner, each then by key.
    by_name: OnceLock<Vec<u32>>,
    by_owner: OnceLock<Vec<u32>>,
}

/// Every row's search haystack, in the rows' order.
struct Haystacks {
    /// In the matcher's form.
    hay: Vec<Utf32String>,
    /// The same, `fuzzy::fold`ed for the prefilter: row `i`'s bytes are
    /// `folded[folded_at[i]..folded_at[i + 1]]` (one buffer, not 100k).
    folded: Vec<u8>,
    folded_at: Vec<usize>,
    /// Each row's `fuzzy::marks`.
    marks: Vec<u128>,
}

impl Haystacks {
    fn of(text: &[Arc<RowText>]) -> Haystacks {
        let all = crate::par::map(text, |t| fuzzy::Prepared::of(&fuzzy::haystack(t)));
        let mut folded = Vec::with_capacity(all.iter().map(|p| p.folded.len()).sum());
        let mut folded_at = Vec::with_capacity(all.len() + 1);
        folded_at.push(0);
        let mut hay = Vec::with_capacity(all.len());
        let mut marks = Vec::with_capacity(all.len());
        for p in all {
            hay.push(p.text);
            folded.extend_from_slice(&p.folded);
            folded_at.push(folded.len());
            marks.push(p.marks);
        }
        Haystacks {
            hay,
            folded,
            folded_at,
            marks,
        }
    }

    /// Row `i`'s haystack in both forms.
    fn get(&self, i: usize) -> fuzzy::Hay<'_> {
        fuzzy::Hay {
            text: self.hay[i].slice(..),
            folded: &self.folded[self.folded_at[i]..self.folded_at[i + 1]],
            marks: self.marks[i],
        }
    }
}

impl RowTexts {
    pub(in crate::book) fn build(book: &Book) -> Result<RowTexts> {
        Ok(RowTexts::of(
            &book.accounts_map()?.values().collect::<Vec<_>>(),
        ))
    }

    /// The text of `accounts`' rows (each account once), made of their
    /// text rather than a copy of it.
    pub(in crate::book) fn of_records(mut accounts: Vec<Account>) -> RowTexts {
        accounts.sort_unstable_by_key(|a| a.id);
        let ids = accounts.iter().map(|a| a.id).collect();
        // Not `collect`: it would keep the records' buffer (32 MB at 100k
        // accounts) for these pointers.
        let mut text = Vec::with_capacity(accounts.len());
        let mut same = crate::domain::Interner::default();
        text.extend(
            accounts
                .into_iter()
                .map(|a| Arc::new(RowText::shared_from(a, &mut same))),
        );
        RowTexts::of_sorted(ids, text)
    }

    /// The text of `accounts`' rows (each account once), in id order.
    pub(in crate::book) fn of(accounts: &[&Account]) -> RowTexts {
        let mut accounts = accounts.to_vec();
        if !accounts.is_sorted_by_key(|a| a.id) {
            accounts.sort_unstable_by_key(|a| a.id);
        }
        let text = crate::par::map(&accounts, |a| Arc::new(RowText::of(a)));
        RowTexts::of_sorted(accounts.iter().map(|a| a.id).collect(), text)
    }

    /// Rows of `ids` (ascending) with their `text`.
    fn of_sorted(ids: Vec<AccountId>, text: Vec<Arc<RowText>>) -> RowTexts {
        debug_assert!(ids.is_sorted() && ids.len() == text.len());
        let mut by_key: Vec<u32> = (0..text.len() as u32).collect();
        by_key.sort_unstable_by(|&a, &b| text[a as usize].key.cmp(&text[b as usize].key));
        let mut key_rank = vec![0; text.len()];
        for (rank, &i) in by_key.iter().enumerate() {
            key_rank[i as usize] = rank as u32;
        }
        RowTexts {
            ids,
            text,
            search: OnceLock::new(),
            key_rank,
            by_name: OnceLock::new(),
            by_owner: OnceLock::new(),
        }
    }

    /// These rows with `changed` accounts' text made again (or added) and
    /// `removed` ones left out: an account write at 100k accounts made
    /// every row's text again from the records, and a book that serves
    /// screens keeps no records to make it from.
    pub(in crate::book) fn patched(
        &self,
        changed: Vec<(AccountId, Arc<RowText>)>,
        removed: &std::collections::HashSet<AccountId>,
    ) -> RowTexts {
        let mut new = changed;
        new.retain(|(id, _)| !removed.contains(id));
        new.sort_unstable_by_key(|(id, _)| *id);
        new.dedup_by_key(|(id, _)| *id);
        let mut ids = Vec::with_capacity(self.ids.len() + new.len());
        let mut text = Vec::with_capacity(self.ids.len() + new.len());
        let mut fresh = new.into_iter().peekable();
        for (&id, t) in self.ids.iter().zip(&self.text) {
            while let Some((f, ft)) = fresh.next_if(|(f, _)| *f < id) {
                ids.push(f);
                text.push(ft);
            }
            let replaced = fresh.next_if(|(f, _)| *f == id).map(|(_, t)| t);
            if removed.contains(&id) {
                continue;
            }
            ids.push(id);
            text.push(replaced.unwrap_or_else(|| Arc::clone(t)));
        }
        for (id, t) in fresh {
            ids.push(id);
            text.push(t);
        }
        RowTexts::of_sorted(ids, text)
    }

    /// Makes the search haystacks now, if no search has.
    pub fn prepare_search(&self) {
        self.haystacks();
    }

    /// `prepare_search` on a thread of its own at the lowest priority:
    /// new rows' text (an open, an account record changed) is searched in
    /// soon, and the screen that asked for the rows does not wait for it.
    pub(in crate::book) fn prepare_search_aside(texts: &Arc<RowTexts>) {
        let texts = Arc::clone(texts);
        crate::par::in_background("kam-search-text", move || texts.prepare_search());
    }

    /// Whether the search haystacks are made (for tests).
    pub fn search_prepared(&self) -> bool {
        self.search.get().is_some()
    }

    /// The haystacks, made here if they are not yet. A search does not wait
    /// for a making under way: that may be `prepare_search_aside`'s, at the
    /// lowest priority, which a busy machine runs last. Both make the same;
    /// the first one done is kept.
    fn haystacks(&self) -> &Haystacks {
        if let Some(made) = self.search.get() {
            return made;
        }
        let _ = self.search.set(Haystacks::of(&self.text));
        self.search.get().expect("set here or by another")
    }

    /// The row text of account `id`.
    pub fn text_of(&self, id: AccountId) -> Option<&RowText> {
        let i = self.ids.binary_search(&id).ok()?;
        Some(&self.text[i])
    }

    /// The row text of account `id`, shared.
    pub(in crate::book) fn shared(&self, id: AccountId) -> Option<Arc<RowText>> {
        let i = self.ids.binary_search(&id).ok()?;
        Some(Arc::clone(&self.text[i]))
    }

    /// How many rows: one per account.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
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
        self.sorted_from(None, cmp)
    }

    /// `sorted`, from `seed` if given (and it holds every row): its rows
    /// that did not move are in order already, so only the moved ones are
    /// sorted and each put in its place among the others. The order is
    /// total, so this is the order a full sort gives. At 100k rows a
    /// stable sort of the old order took about 10 ms after each write (the
    /// moved rows break its runs); this takes about one.
    fn sorted_from(
        &self,
        seed: Option<Seed>,
        cmp: impl Fn(usize, usize) -> std::cmp::Ordering,
    ) -> Vec<u32> {
        let by = |a: &u32, b: &u32| {
            let (a, b) = (*a as usize, *b as usize);
            cmp(a, b).then(self.key_rank[a].cmp(&self.key_rank[b]))
        };
        let Some(seed) = seed.filter(|s| s.order.len() == self.text.len()) else {
            let mut ix: Vec<u32> = (0..self.text.len() as u32).collect();
            ix.sort_unstable_by(by);
            return ix;
        };
        let mut is_moved = vec![false; self.text.len()];
        for &r in &seed.moved {
            is_moved[r as usize] = true;
        }
        let kept: Vec<u32> = seed
            .order
            .into_iter()
            .filter(|&r| !is_moved[r as usize])
            .collect();
        let mut moved = seed.moved;
        moved.sort_unstable_by(by);
        let mut out = Vec::with_capacity(self.text.len());
        let mut from = 0;
        for m in moved {
            let at = from + kept[from..].partition_point(|k| by(k, &m).is_lt());
            out.extend_from_slice(&kept[from..at]);
            out.push(m);
            from = at;
        }
        out.extend_from_slice(&kept[from..]);
        out
    }
}

/// An order of the rows before one or more patches, and the rows those
/// patches scored again (ascending, each once): every other row is as it
/// was, so among themselves they are still in order.
struct Seed {
    order: Vec<u32>,
    moved: Vec<u32>,
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
    /// After a patch, the orders of the rows before it and the rows scored
    /// again since: the new orders are made from them (`sorted_from`).
    seeds: [Mutex<Option<Seed>>; SortKey::ALL.len()],
    /// What the rows were scored against.
    at: Scored,
}

/// The state of the book a `RowIndex`'s scores, tiers and moves reflect.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored {
    lineage: u64,
    journal: u64,
    /// A digest of the stored review mark (moves are counted against it).
    review: u64,
}

impl Scored {
    fn of(book: &Book) -> Result<Scored> {
        Ok(Scored {
            lineage: book.engine().lineage(),
            journal: book.engine().journal_end(),
            review: book.store().meta_digest(crate::store::META_REVIEW)?,
        })
    }
}

impl RowIndex {
    fn build(book: &Book, texts: Arc<RowTexts>) -> Result<RowIndex> {
        let scored = Scored::of(book)?;
        let review = book.last_review()?;
        book.engine().freeze_ranks();
        let names = RowNames::of(book.engine().model());
        let at: Vec<usize> = (0..texts.ids.len()).collect();
        let rows = crate::par::map(&at, |&i| {
            scored_row(
                book,
                review.as_ref(),
                &names,
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
            seeds: Default::default(),
            at: scored,
        })
    }

    /// These rows brought to the book's state now (see the module's
    /// comment), or themselves back when they cannot be.
    fn patched(mut self, book: &Book, texts: &Arc<RowTexts>) -> Result<Patched> {
        let at = Scored::of(book)?;
        if !Arc::ptr_eq(&self.texts, texts)
            || (at.lineage, at.review) != (self.at.lineage, self.at.review)
        {
            return Ok(Patched::Not(self));
        }
        let Some(changed) = book.engine().changed_since(self.at.journal) else {
            return Ok(Patched::Not(self));
        };
        // Past half of the rows, scoring them all is about as quick.
        if changed.len() > self.rows.len() / 2 {
            return Ok(Patched::Not(self));
        }
        let review = book.last_review()?;
        let at_rows: Vec<usize> = (0..self.texts.ids.len())
            .filter(|&i| changed.binary_search(&self.texts.ids[i]).is_ok())
            .collect();
        if at_rows.len() > 256 {
            book.engine().freeze_ranks();
        }
        let names = RowNames::of(book.engine().model());
        let fresh = crate::par::map(&at_rows, |&i| {
            scored_row(
                book,
                review.as_ref(),
                &names,
                self.texts.ids[i],
                Arc::clone(&self.texts.text[i]),
            )
        });
        let moved: Vec<u32> = at_rows.iter().map(|&i| i as u32).collect();
        for (i, row) in at_rows.into_iter().zip(fresh) {
            self.rows[i] = row;
        }
        // The search's kept candidates depend on the text alone: kept.
        for (order, seed) in self.orders.iter_mut().zip(&mut self.seeds) {
            let seed = seed.get_mut().unwrap_or_else(PoisonError::into_inner);
            match (order.take(), seed.as_mut()) {
                (Some(order), _) => {
                    *seed = Some(Seed {
                        order,
                        moved: moved.clone(),
                    })
                }
                // Not asked for since an earlier patch: its rows moved too.
                (None, Some(s)) => {
                    s.moved.extend_from_slice(&moved);
                    s.moved.sort_unstable();
                    s.moved.dedup();
                }
                (None, None) => {}
            }
        }
        self.positions = OnceLock::new();
        self.at = at;
        Ok(Patched::Done(self))
    }

    /// Whether `order(sort)` is made (for tests).
    pub(in crate::book) fn has_order(&self, sort: SortKey) -> bool {
        match sort {
            SortKey::Name => self.texts.by_name.get().is_some(),
            SortKey::Owner => self.texts.by_owner.get().is_some(),
            _ => {
                let slot = SortKey::ALL.iter().position(|k| *k == sort).unwrap_or(0);
                self.orders[slot].get().is_some()
            }
        }
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
            let seed = self.seeds[slot]
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            self.texts
                .sorted_from(seed, |a, b| sort.primary(&self.rows[a], &self.rows[b]))
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
        let all = self.texts.haystacks();
        let hays: Vec<_> = candidates.iter().map(|&r| all.get(r as usize)).collect();
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
        let all = self.texts.haystacks();
        let in_order = self
            .order(SortKey::default())
            .iter()
            .enumerate()
            .filter(|(_, r)| member.as_ref().is_none_or(|m| m[**r as usize]))
            .map(|(p, &r)| (p, all.get(r as usize)));
        // A walk in list order reads rows scattered in memory: past half of
        // the candidates, scoring them all in memory order is quicker.
        let budget = candidates.len() / 2;
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

/// What `RowIndex::patched` gives.
enum Patched {
    Done(RowIndex),
    Not(RowIndex),
}

impl Book {
    /// The prepared rows of the book as it is now: those of the last state
    /// patched, if they can be, else built afresh.
    pub(super) fn row_index(&self) -> Result<Arc<RowIndex>> {
        let texts = self.row_texts()?;
        self.cached(
            |c| &mut c.rows,
            || {
                // Unshared once the state it was made for has gone (no
                // reader holds it between requests).
                if let Some(last) = self.take_last_rows().and_then(|l| Arc::try_unwrap(l).ok()) {
                    match last.patched(self, &texts)? {
                        Patched::Done(ix) => {
                            self.cache
                                .rows_patched
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            return Ok(ix);
                        }
                        Patched::Not(old) => crate::par::drop_aside(old),
                    }
                }
                RowIndex::build(self, texts)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashSet};

    fn account(id: u64, letter: u8) -> Account {
        Account {
            id: AccountId(id),
            // Unique keys (the id ends each), in an order the letter moves.
            key: format!("{}-{id}", char::from(b'A' + letter % 26)),
            name: format!("Name {letter}"),
            ..Account::default()
        }
    }

    fn parts(t: &RowTexts) -> (Vec<AccountId>, Vec<RowText>, Vec<u32>) {
        let text = t.text.iter().map(|t| (**t).clone()).collect();
        (t.ids.clone(), text, t.key_rank.clone())
    }

    proptest! {
        /// Rows patched after writes are the rows made afresh from the
        /// records as they are after them.
        #[test]
        fn patched_rows_are_the_rows_made_afresh(
            start in proptest::collection::btree_map(1u64..60, 0u8..26, 0..40),
            changed in proptest::collection::vec((1u64..70, 0u8..26), 0..12),
            removed in proptest::collection::vec(1u64..70, 0..8),
        ) {
            let mut now: BTreeMap<u64, Account> =
                start.iter().map(|(&id, &l)| (id, account(id, l))).collect();
            let before: Vec<&Account> = now.values().rev().collect();
            let texts = RowTexts::of(&before);
            let changed: Vec<Account> = changed.iter().map(|&(id, l)| account(id, l)).collect();
            let removed: HashSet<AccountId> = removed.into_iter().map(AccountId).collect();
            // The write's last image of an account wins, as in a batch.
            for a in &changed {
                now.insert(a.id.0, a.clone());
            }
            now.retain(|id, _| !removed.contains(&AccountId(*id)));
            let mut last: Vec<Account> = changed.into_iter().rev().collect();
            last.sort_by_key(|a| a.id);
            last.dedup_by_key(|a| a.id);
            let last = last.iter().map(|a| (a.id, Arc::new(RowText::of(a)))).collect();
            let patched = texts.patched(last, &removed);
            let afresh = RowTexts::of(&now.values().collect::<Vec<_>>());
            prop_assert_eq!(parts(&patched), parts(&afresh));
            for a in now.values() {
                prop_assert_eq!(patched.text_of(a.id).map(|t| &*t.key), Some(a.key.as_str()));
            }
        }
    }
}
