//! Each owner's account items (cadence, requested follow-ups, complaints,
//! risk flags), kept in agenda order and remade only for the accounts whose
//! `AgendaBasis` moved. An order or a note re-scores a handful of accounts,
//! but every agenda after it used to make the items of all an owner's
//! accounts again: 45–50 ms of the 120 ms a delta took at 100k accounts,
//! paid by every open TUI after every write.
//!
//! Exact by construction: an account's items are a function of its inputs,
//! tier and cell under one engine lineage (date and model), which is what
//! the basis and the lineage name; anything else makes them again. The
//! order is `sort_agenda`'s, a stable sort whose ties are items of one
//! account, which stay in the order they were made: patched or made anew,
//! the list is the same.

use super::Book;
use crate::domain::AccountId;
use crate::segment::{AgendaBasis, AgendaItem, sort_agenda};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::PoisonError;

/// One owner's account items as last made.
pub(super) struct KeptItems {
    lineage: u64,
    /// Each account's basis, by id (the order of `agenda_accounts`).
    bases: Vec<(AccountId, AgendaBasis)>,
    /// Their items, sorted by `sort_agenda`.
    items: Vec<AgendaItem>,
}

impl Book {
    /// The account items of `ids` (`agenda_accounts(owner)`, ascending),
    /// sorted by `sort_agenda`. One owner's are kept for the next call;
    /// everyone's (`None`: 170k items at 100k accounts) are not, they would
    /// double what the agenda holds.
    pub(super) fn account_items(&self, owner: Option<&str>, ids: &[AccountId]) -> Vec<AgendaItem> {
        let Some(owner) = owner else {
            let mut items = self.engine.account_agenda(ids);
            sort_agenda(&mut items);
            return items;
        };
        let lineage = self.engine.lineage();
        let kept = self
            .cache
            .items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(owner)
            .filter(|k| k.lineage == lineage);
        let bases: Vec<(AccountId, AgendaBasis)> = ids
            .iter()
            .filter_map(|&id| Some((id, self.engine.agenda_basis(id)?)))
            .collect();
        let items = match kept {
            Some(k) => self.patched(k, &bases),
            None => {
                let ids: Vec<AccountId> = bases.iter().map(|(id, _)| *id).collect();
                let mut items = self.engine.account_agenda(&ids);
                sort_agenda(&mut items);
                items
            }
        };
        let out = items.clone();
        self.cache
            .items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                owner.to_string(),
                KeptItems {
                    lineage,
                    bases,
                    items,
                },
            );
        out
    }

    /// `kept`'s items with those of every account whose basis moved, that
    /// came or that went made again or dropped.
    fn patched(&self, kept: KeptItems, bases: &[(AccountId, AgendaBasis)]) -> Vec<AgendaItem> {
        // Both lists are by id: walk them side by side.
        let (mut stale, mut remake) = (HashSet::new(), Vec::new());
        let (mut old, mut new) = (kept.bases.iter().peekable(), bases.iter().peekable());
        loop {
            match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some((o, _)), None) => {
                    stale.insert(*o);
                    old.next();
                }
                (None, Some((n, _))) => {
                    remake.push(*n);
                    new.next();
                }
                (Some((o, was)), Some((n, is))) => match o.cmp(n) {
                    Ordering::Less => {
                        stale.insert(*o);
                        old.next();
                    }
                    Ordering::Greater => {
                        remake.push(*n);
                        new.next();
                    }
                    Ordering::Equal => {
                        if was != is {
                            stale.insert(*o);
                            remake.push(*n);
                        }
                        old.next();
                        new.next();
                    }
                },
            }
        }
        let mut items = kept.items;
        if stale.is_empty() && remake.is_empty() {
            return items;
        }
        items.retain(|i| !stale.contains(&i.account));
        items.extend(self.engine.account_agenda(&remake));
        // Nearly sorted: a stable sort finds the runs.
        sort_agenda(&mut items);
        items
    }

    /// How many owners' account items are kept (for tests).
    pub fn kept_item_owners(&self) -> usize {
        self.cache
            .items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
