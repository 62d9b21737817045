//! What changed in the engine, in order, for readers that keep something
//! made from every account's score (the list's prepared rows) and would
//! rather patch it than make it again: 100k accounts scored anew took
//! 130–260 ms, paid by the first list or search after every write.
//!
//! Exact by construction: an account's scores are read from the rank sets
//! through the counts of values below and equal to its own, per criterion,
//! and the number of others. A value replaced by another in a set of the
//! same size changes those counts only for values between the two (both
//! included); any other change of a set (one more or one fewer ranked
//! value) moves everyone. Tier, cell, cap and flags change only for the
//! accounts a step touched.

use super::super::rank::canon;
use super::Engine;
use crate::domain::AccountId;
use std::collections::VecDeque;

/// How many changes are kept: a reader further behind makes all again.
const KEEP: usize = 4096;

#[derive(Debug, Clone, Copy)]
pub(super) enum Entry {
    /// An account's state may differ (a step touched it).
    Touched(AccountId),
    /// A ranked value of criterion `crit` was replaced: accounts whose value
    /// lies in `lo..=hi` have other percentiles.
    Replaced { crit: usize, lo: f64, hi: f64 },
    /// Every account may differ.
    All,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Journal {
    /// The position of `entries[0]`.
    first: u64,
    entries: VecDeque<Entry>,
}

impl Journal {
    pub(super) fn end(&self) -> u64 {
        self.first + self.entries.len() as u64
    }

    pub(super) fn push(&mut self, e: Entry) {
        if self.entries.len() == KEEP {
            self.entries.pop_front();
            self.first += 1;
        }
        self.entries.push_back(e);
    }

    /// A ranked value `old` of `crit` became `new` in a set of the same size.
    pub(super) fn replaced(&mut self, crit: usize, old: f64, new: f64) {
        let (a, b) = (canon(old), canon(new));
        let (lo, hi) = if a.total_cmp(&b).is_le() {
            (a, b)
        } else {
            (b, a)
        };
        self.push(Entry::Replaced { crit, lo, hi });
    }
}

impl Engine {
    /// The journal's position now: what `changed_since` takes.
    pub fn journal_end(&self) -> u64 {
        self.journal.end()
    }

    /// The known accounts whose scores, tier, cell, cap or flags may differ
    /// from what they were at journal position `pos`, ascending; `None`
    /// when every account may (a recompute, a change in how many values a
    /// criterion ranks, or a position the journal no longer reaches).
    pub fn changed_since(&self, pos: u64) -> Option<Vec<AccountId>> {
        let j = &self.journal;
        if pos < j.first || pos > j.end() {
            return None;
        }
        let mut ids = Vec::new();
        let mut ranges: Vec<(usize, f64, f64)> = Vec::new();
        for e in j.entries.iter().skip((pos - j.first) as usize) {
            match *e {
                Entry::Touched(id) => ids.push(id),
                Entry::Replaced { crit, lo, hi } => ranges.push((crit, lo, hi)),
                Entry::All => return None,
            }
        }
        if !ranges.is_empty() {
            self.in_ranges(&ranges, &mut ids);
        }
        ids.sort();
        ids.dedup();
        ids.retain(|id| self.accounts.get(id).is_some_and(|s| s.known));
        Some(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, Interaction, InteractionId, InteractionKind, Money, TierPin};
    use crate::segment::{AccountScore, Model};
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn d(days: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + chrono::Duration::days(days)
    }

    type Seen = BTreeMap<AccountId, (AccountScore, (usize, usize))>;

    fn seen(e: &Engine) -> Seen {
        let cells: BTreeMap<AccountId, (usize, usize)> =
            e.placements().map(|(id, _, cell)| (id, cell)).collect();
        e.account_ids()
            .into_iter()
            .filter_map(|id| Some((id, (e.score(id)?, cells[&id]))))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Every account `changed_since` leaves out scores, places and flags
        /// exactly as it did at that position.
        #[test]
        fn the_accounts_left_out_are_as_they_were(
            // Enough accounts that an edit moves the others' percentiles less
            // than most of them are from a cut: then few are touched, and
            // the replaced values' ranges are what tells the rest.
            n0 in 150u64..300,
            ops in proptest::collection::vec((0u8..6, 0u64..1000, 0i64..3_000_000, 0i64..400), 1..30),
        ) {
            let mut e = Engine::new(Model::default(), d(500));
            let mut next = 1u64;
            let mut order = |e: &mut Engine, acc: u64, cents: i64, days_ago: i64| {
                let mut i = Interaction::new(AccountId(acc), InteractionKind::Order, d(500 - days_ago));
                i.id = InteractionId(next);
                next += 1;
                i.amount = Some(Money::from_cents(cents));
                e.upsert_interaction(&i);
            };
            for id in 1..=n0 {
                e.upsert_account(&Account { id: AccountId(id), key: format!("A{id}"), ..Account::default() });
                order(&mut e, id, 100_000 * id as i64, 30);
            }
            let (mut pos, mut before) = (e.journal_end(), seen(&e));
            let mut patched = 0;
            for (kind, acc, cents, days_ago) in ops {
                let acc = acc % n0 + 1;
                match kind {
                    // Most edits are orders: they replace ranked values.
                    0..=3 => order(&mut e, acc, cents, days_ago),
                    4 => {
                        let pin = (cents % 2 == 0).then(|| Box::new(TierPin {
                            tier: "Key".into(), reason: "t".into(), by: "me".into(), at: d(0),
                        }));
                        e.upsert_account(&Account { id: AccountId(acc), key: format!("A{acc}"), pin, ..Account::default() });
                    }
                    _ => order(&mut e, acc, cents, 450),
                }
                let now = seen(&e);
                if let Some(changed) = e.changed_since(pos) {
                    patched += 1;
                    for (id, was) in &before {
                        if changed.binary_search(id).is_err() {
                            prop_assert_eq!(now.get(id), Some(was), "{:?} left out but changed", id);
                        }
                    }
                }
                // A new point to compare with, now and then: the changes
                // since a point pile up, and a span of a few edits keeps
                // the accounts left out many.
                if e.changed_since(pos).is_none() || cents % 3 == 0 {
                    pos = e.journal_end();
                    before = now;
                }
            }
            // A run with no patch at all checks nothing: not counted.
            prop_assume!(patched > 0);
        }
    }

    /// A reader too far behind, or one from before a recompute, makes all
    /// again.
    #[test]
    fn a_position_the_journal_no_longer_reaches_is_everything() {
        let mut e = Engine::new(Model::default(), d(500));
        e.upsert_account(&Account {
            id: AccountId(1),
            key: "A1".into(),
            ..Account::default()
        });
        let pos = e.journal_end();
        assert_eq!(e.changed_since(pos), Some(Vec::new()));
        assert_eq!(e.changed_since(pos + 1), None);
        let mut j = Journal::default();
        for n in 0..KEEP as u64 + 5 {
            j.push(Entry::Touched(AccountId(n)));
        }
        e.journal = j;
        // Positions 0 to 4 fell out of the journal.
        assert_eq!(e.changed_since(4), None);
        // Touched accounts not known (all but 1 here) are left out.
        assert_eq!(e.changed_since(5), Some(Vec::new()));
        // One more: position 5 falls out in turn.
        e.journal.push(Entry::Touched(AccountId(1)));
        assert_eq!(e.changed_since(5), None);
        assert_eq!(e.changed_since(6), Some(vec![AccountId(1)]));
        let before = e.journal_end();
        e.set_as_of(d(501));
        assert_eq!(e.changed_since(before), None);
    }
}
