//! The matrix's sums, kept as accounts change: per cell, per tier in force,
//! the total, and the active accounts' revenue in order for the Pareto
//! figures. Every write's delta sends the matrix; a pass over 100k accounts
//! to sum it took 7–12 ms, most of it reading each account's state from
//! memory. An edit now moves the sums of the accounts its step touched.
//!
//! Sums are kept as `i128` cents and clamped to `Money` when read, so they
//! do not depend on the order accounts were added in (a saturating running
//! sum would), and equal a pass over every account (`Engine::matrix_scan`).

use super::Engine;
use super::state::{AccState, IdMap};
use crate::domain::{AccountId, Money};

/// What one known account adds to the sums.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Part {
    rev: Money,
    cell: u32,
    /// Index into the model's tiers, or (from `tiers.len()` on) into
    /// `Tally::others`: a pinned tier the model does not have.
    tier: u32,
    overflow: bool,
    active: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Sum {
    pub count: usize,
    pub overflow: usize,
    pub cents: i128,
}

impl Sum {
    fn add(&mut self, p: &Part, sign: i8) {
        let cents = i128::from(p.rev.cents());
        if sign > 0 {
            self.count += 1;
            self.overflow += usize::from(p.overflow);
            self.cents += cents;
        } else {
            self.count -= 1;
            self.overflow -= usize::from(p.overflow);
            self.cents -= cents;
        }
    }

    pub fn money(&self) -> Money {
        clamp(self.cents)
    }
}

/// A sum of cents as `Money`, clamped to its range.
pub(super) fn clamp(cents: i128) -> Money {
    Money::from_cents(cents.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

#[derive(Debug, Clone, Default)]
pub(super) struct Tally {
    parts: IdMap<AccountId, Part>,
    /// Row-major, as the grid's cells.
    pub cells: Vec<Sum>,
    /// By the model's tier index (`overflow` unused).
    pub tiers: Vec<Sum>,
    /// Pinned tiers the model does not have, in the order first seen; an
    /// entry stays when its count falls to 0 (its index is in use).
    pub others: Vec<(Box<str>, Sum)>,
    pub total: Sum,
    /// Revenue of the known, active accounts, largest first.
    pub active_desc: Vec<Money>,
}

impl Tally {
    /// Adds (`sign` 1) or takes away (-1) `p`'s share of every sum but the
    /// active revenues (see `move_revenue`).
    fn apply(&mut self, p: &Part, sign: i8) {
        if let Some(c) = self.cells.get_mut(p.cell as usize) {
            c.add(p, sign);
        }
        let t = p.tier as usize;
        match self.tiers.get_mut(t) {
            Some(s) => s.add(p, sign),
            None => {
                if let Some((_, s)) = self.others.get_mut(t - self.tiers.len()) {
                    s.add(p, sign);
                }
            }
        }
        self.total.add(p, sign);
    }

    /// An active account's revenue `was` is now `now` (`None`: not active,
    /// or not known). Moving one value shifts only the values between its
    /// two places: an order moves a revenue a little, and a remove and an
    /// insert would each shift half of 82k values at 100k accounts.
    fn move_revenue(&mut self, was: Option<Money>, now: Option<Money>) {
        let v = &mut self.active_desc;
        let place = |v: &[Money], r: Money| v.partition_point(|x| *x > r);
        match (was, now) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => {
                let i = place(v, a);
                if v.get(i) != Some(&a) {
                    return;
                }
                if b > a {
                    // Moves up, to the first place of the values above it.
                    let j = place(&v[..i], b);
                    v[j..=i].rotate_right(1);
                    v[j] = b;
                } else {
                    // Moves down, past every value at least as large.
                    let j = i + v[i + 1..].partition_point(|x| *x >= b);
                    v[i..=j].rotate_left(1);
                    v[j] = b;
                }
            }
            (Some(a), None) => {
                let i = place(v, a);
                if v.get(i) == Some(&a) {
                    v.remove(i);
                }
            }
            (None, Some(b)) => {
                let j = place(v, b);
                v.insert(j, b);
            }
            (None, None) => {}
        }
    }
}

impl Engine {
    /// What `id` adds to the sums (none for an account not known).
    fn part(&mut self, id: AccountId) -> Option<Part> {
        let n = self.model.tiers.len();
        let (tier, part) = {
            let st: &AccState = self.accounts.get(&id).filter(|s| s.known)?;
            let name = self.tier_in_force(st);
            let tier = match self.model.tier_index(name) {
                Some(i) => Ok(i),
                None => match self.tally.others.iter().position(|(o, _)| **o == *name) {
                    Some(i) => Ok(n + i),
                    None => Err(Box::<str>::from(name)),
                },
            };
            let part = Part {
                rev: st.metrics.revenue_12m,
                cell: st.cell as u32,
                tier: 0,
                overflow: matches!(st.cap, Some((false, _))),
                active: st.metrics.active,
            };
            (tier, part)
        };
        let tier = tier.unwrap_or_else(|name| {
            self.tally.others.push((name, Sum::default()));
            n + self.tally.others.len() - 1
        });
        Some(Part {
            tier: tier as u32,
            ..part
        })
    }

    /// Moves `id`'s share of the sums to what it is now.
    pub(super) fn retally(&mut self, id: AccountId) {
        let now = self.part(id);
        let was = self.tally.parts.get(&id).copied();
        if was == now {
            return;
        }
        if let Some(p) = was {
            self.tally.apply(&p, -1);
            self.tally.parts.remove(&id);
        }
        if let Some(p) = now {
            self.tally.apply(&p, 1);
            self.tally.parts.insert(id, p);
        }
        let active = |p: Option<Part>| p.filter(|p| p.active).map(|p| p.rev);
        self.tally.move_revenue(active(was), active(now));
    }

    /// The sums made again from every account (after a full recompute).
    pub(super) fn tally_all(&mut self) {
        let cells = self.model.grid.rows() * self.model.grid.cols();
        self.tally = Tally {
            cells: vec![Sum::default(); cells],
            tiers: vec![Sum::default(); self.model.tiers.len()],
            ..Tally::default()
        };
        let ids: Vec<AccountId> = self.accounts.keys().copied().collect();
        let mut parts = IdMap::default();
        parts.reserve(ids.len());
        for id in ids {
            let Some(p) = self.part(id) else { continue };
            self.tally.apply(&p, 1);
            // Sorted once below, not placed one at a time.
            if p.active {
                self.tally.active_desc.push(p.rev);
            }
            parts.insert(id, p);
        }
        self.tally.active_desc.sort_unstable_by(|a, b| b.cmp(a));
        self.tally.parts = parts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, Interaction, InteractionId, InteractionKind, TierPin};
    use crate::segment::Model;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn d(days: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + chrono::Duration::days(days)
    }

    fn account(id: u64, pin: Option<&str>) -> Account {
        Account {
            id: AccountId(id),
            key: format!("A{id}"),
            pin: pin.map(|t| {
                Box::new(TierPin {
                    tier: t.into(),
                    reason: "test".into(),
                    by: "me".into(),
                    at: d(0),
                })
            }),
            ..Account::default()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Order { acc: u64, cents: i64, days_ago: i64 },
        Pin { acc: u64, tier: u8 },
        Unpin { acc: u64 },
        Remove { acc: u64 },
        Add { acc: u64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1u64..30, -3_000_000i64..5_000_000, 0i64..500)
                .prop_map(|(acc, cents, days_ago)| Op::Order { acc, cents, days_ago }),
            1 => (1u64..30, 0u8..6).prop_map(|(acc, tier)| Op::Pin { acc, tier }),
            1 => (1u64..30).prop_map(|acc| Op::Unpin { acc }),
            1 => (1u64..30).prop_map(|acc| Op::Remove { acc }),
            1 => (1u64..30).prop_map(|acc| Op::Add { acc }),
        ]
    }

    /// The kept sums equal a pass over every account, and the active
    /// revenues are those of the active accounts, largest first.
    fn agrees(e: &Engine) -> Result<(), TestCaseError> {
        prop_assert_eq!(e.matrix(), e.matrix_scan());
        prop_assert_eq!(&e.tally.active_desc, &e.active_revenues_desc());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// After any edits (pins to tiers in and out of the model, removals,
        /// refunds), the sums each step moved are the sums of a full pass.
        #[test]
        fn the_kept_sums_equal_a_pass_over_every_account(
            n0 in 0u64..20,
            ops in proptest::collection::vec(op(), 1..40),
        ) {
            let model = Model::default();
            let tiers: Vec<String> = model.tiers.iter().map(|t| t.name.clone()).collect();
            let mut e = Engine::new(model, d(500));
            for id in 1..=n0 {
                e.upsert_account(&account(id, None));
            }
            agrees(&e)?;
            let mut next = 1u64;
            for op in ops {
                match op {
                    Op::Order { acc, cents, days_ago } => {
                        let mut i = Interaction::new(AccountId(acc), InteractionKind::Order, d(500 - days_ago));
                        i.id = InteractionId(next);
                        next += 1;
                        i.amount = Some(Money::from_cents(cents));
                        e.upsert_interaction(&i);
                    }
                    Op::Pin { acc, tier } => {
                        // Past the model's tiers: a name the model lacks.
                        let name = tiers.get(tier as usize).map_or("Strategic", String::as_str);
                        e.upsert_account(&account(acc, Some(name)));
                    }
                    Op::Unpin { acc } | Op::Add { acc } => {
                        e.upsert_account(&account(acc, None));
                    }
                    Op::Remove { acc } => {
                        e.remove_account(AccountId(acc));
                    }
                }
                agrees(&e)?;
            }
        }
    }

    /// Sums that would pass the range of `Money` on the way give what one
    /// sum of all of them gives, whatever the order.
    #[test]
    fn a_sum_past_the_range_of_money_is_clamped_once() {
        let mut e = Engine::new(Model::default(), d(500));
        for (n, cents) in [i64::MAX, i64::MAX, -i64::MAX].into_iter().enumerate() {
            let id = n as u64 + 1;
            e.upsert_account(&account(id, None));
            let mut i = Interaction::new(AccountId(id), InteractionKind::Order, d(490));
            i.id = InteractionId(id);
            i.amount = Some(Money::from_cents(cents));
            e.upsert_interaction(&i);
        }
        assert_eq!(e.matrix().total_revenue_12m, Money::from_cents(i64::MAX));
        e.remove_account(AccountId(2));
        assert_eq!(e.matrix().total_revenue_12m, Money::ZERO);
        assert_eq!(e.matrix(), e.matrix_scan());
    }
}
