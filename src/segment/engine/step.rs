//! The incremental edit path: one account's records changed, so its metrics
//! and rank-set entries are redone, the drift counters grow by the bound of
//! what that can do to everyone else, and exactly the accounts whose drift
//! reached a cut are re-evaluated. A `Step` remembers who was touched and
//! how they stood before, for the tier-change report.

use super::super::metrics::Metrics;
use super::super::per_axis::{AxisKind, PerAxis};
use super::super::types::TierChange;
use super::Engine;
use super::journal;
use super::state::{Eval, same, slack};
use crate::domain::AccountId;
use std::collections::HashMap;

/// State before an edit, for tier change reports.
struct Before {
    tier: Option<String>,
    score: PerAxis<f64>,
    contrib: Vec<f64>,
}

/// What one edit (or one full recompute) has touched so far.
#[derive(Default)]
pub(super) struct Step {
    before: HashMap<AccountId, Before>,
    order: Vec<AccountId>,
    /// Capped-cell members with exact scores, awaiting cap assignment.
    pub(super) pool: Vec<AccountId>,
}

impl Engine {
    /// Remembers an account's state before this step changes it. `exact`
    /// evaluates against the current (pre-edit) ranks; otherwise the last
    /// snapshot — the scores at which its tier was last decided — is used.
    pub(super) fn touch(&self, id: AccountId, step: &mut Step, exact: bool) {
        if step.before.contains_key(&id) {
            return;
        }
        let before = match self.accounts.get(&id).filter(|s| s.known) {
            None => Before {
                tier: None,
                score: PerAxis::new(0.0, 0.0),
                contrib: Vec::new(),
            },
            Some(st) if exact => {
                let e = self.eval(st);
                Before {
                    tier: Some(self.effective_tier(st)),
                    score: e.score,
                    contrib: e.contrib,
                }
            }
            Some(st) => Before {
                tier: Some(self.effective_tier(st)),
                score: st.snap,
                contrib: st.contrib.to_vec(),
            },
        };
        step.before.insert(id, before);
        step.order.push(id);
    }

    /// Recomputes one account's metrics after its records changed, updates
    /// the rank sets, then re-evaluates it and whoever may have crossed a
    /// boundary because of it.
    pub(super) fn refresh_data(&mut self, id: AccountId, step: &mut Step) {
        self.touch(id, step, true);
        let as_of = self.as_of;
        let Some(st) = self.accounts.get(&id) else {
            return;
        };
        let metrics = st
            .events
            .with_unpacked(|evs| Metrics::compute(evs, &st.contacts, as_of));
        let raw: Box<[Option<f64>]> = self
            .crits
            .iter()
            .map(|c| c.measure.raw(&metrics, &st.ratings))
            .collect();
        let ranked = st.known && metrics.active;
        let (old_ranked, old_raw) = (st.ranked, st.raw.clone());
        // Bound on how far anyone else's score can move, per axis.
        let mut moved = PerAxis::new(0.0, 0.0);
        for (i, c) in self.crits.iter().enumerate() {
            let Some(rs) = self.ranks[i].as_mut() else {
                continue;
            };
            let old = if old_ranked {
                old_raw.get(i).copied().flatten()
            } else {
                None
            };
            let new = if ranked { raw[i] } else { None };
            if same(old, new) {
                continue;
            }
            let nb = rs.len();
            if let Some(o) = old {
                rs.remove(o);
            }
            if let Some(n) = new {
                rs.insert(n);
            }
            let na = rs.len();
            match (old, new) {
                (Some(o), Some(n)) if na == nb => self.journal.replaced(i, o, n),
                _ => self.journal.push(journal::Entry::All),
            }
            let delta = 100.0 / nb.min(na).saturating_sub(1).max(1) as f64;
            *moved.get_mut(c.axis) += c.share * delta;
        }
        for (axis, g) in self.drift.iter_mut() {
            let d = *moved.get(axis);
            if d > 0.0 {
                *g += d + slack(*g);
            }
        }
        if old_ranked {
            self.active -= 1;
        }
        if ranked {
            self.active += 1;
        }
        let known = st.known;
        if let Some(st) = self.accounts.get_mut(&id) {
            st.metrics = metrics;
            st.raw = raw;
            st.ranked = ranked;
        }
        if known {
            self.reevaluate(id, step);
        } else {
            self.unplace(id);
        }
        let mut popped = Vec::new();
        for (axis, &d) in moved.iter() {
            if d > 0.0 {
                self.pop_drifted(axis, &mut popped);
            }
        }
        popped.sort();
        popped.dedup();
        // The edited account may be popped too (its key is gone): re-place it.
        for a in popped {
            self.touch(a, step, false);
            self.reevaluate(a, step);
        }
        self.resolve_cap(step);
    }

    /// Takes out of `axis`'s cut queue every account whose drift since its
    /// evaluation may have carried it across a cut.
    fn pop_drifted(&mut self, axis: AxisKind, out: &mut Vec<AccountId>) {
        let g = *self.drift.get(axis);
        let queue = self.queue.get_mut(axis);
        while let Some(&(k, a)) = queue.first() {
            if k.0 > g {
                break;
            }
            queue.pop_first();
            if let Some(s) = self.accounts.get_mut(&a) {
                *s.key.get_mut(axis) = None;
            }
            out.push(a);
        }
    }

    /// Tier changes of this step, from what was remembered before it. The
    /// matrix's sums and the journal follow every account the step touched:
    /// none else can have changed cell, tier, cap or revenue.
    pub(super) fn finish(&mut self, step: Step) -> Vec<TierChange> {
        for &id in &step.order {
            self.retally(id);
            self.recolumn(id);
            self.journal.push(journal::Entry::Touched(id));
        }
        // Sized once: at 100k changes (an import's) a growing vector was
        // held twice while it moved.
        let mut out = Vec::with_capacity(step.order.len());
        for id in step.order {
            let Some(before) = step.before.get(&id) else {
                continue;
            };
            let Some(st) = self.accounts.get(&id).filter(|s| s.known) else {
                continue;
            };
            let to = self.effective_tier(st);
            if before.tier.as_deref() == Some(to.as_str()) {
                continue;
            }
            let e = self.eval(st);
            out.push(self.change(id, before, to, &e));
        }
        out.sort_by_key(|c| c.account);
        out.shrink_to_fit();
        out
    }

    fn change(&self, id: AccountId, before: &Before, to: String, e: &Eval) -> TierChange {
        let mut movers: Vec<(std::borrow::Cow<'static, str>, f64)> = self
            .crits
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let b = before.contrib.get(i).copied().unwrap_or(0.0);
                (c.measure.as_str().into(), e.contrib[i] - b)
            })
            .filter(|(_, d)| d.abs() >= 0.05)
            .collect();
        movers.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        movers.truncate(3);
        TierChange {
            account: id,
            from: before.tier.clone(),
            to,
            value_before: before.score.value,
            value_after: e.score.value,
            potential_before: before.score.potential,
            potential_after: e.score.potential,
            movers,
        }
    }
}
