//! The cap: at most `limit` members of the capped cells keep the capped
//! tier, highest value score first (ties: lower id first); the rest fall to
//! the overflow tier. Kept incrementally: members within and over the cap
//! sit in two sets ordered by their drift-widened value bounds, and only
//! those whose bounds can straddle the boundary are re-evaluated.

use super::Engine;
use super::state::{F, slack};
use super::step::Step;
use crate::domain::AccountId;

impl Engine {
    /// Decides which capped-cell members are within the cap: the `limit`
    /// highest value scores (ties: lower id first). Members whose
    /// drift-widened bounds cannot straddle the boundary keep their status
    /// without being re-evaluated.
    pub(super) fn resolve_cap(&mut self, step: &mut Step) {
        let mut pool = std::mem::take(&mut step.pool);
        let Some((cap_t, over_t)) = self.cap_tiers else {
            return;
        };
        let limit = self
            .model
            .cap
            .as_ref()
            .map_or(usize::MAX, |c| c.limit(self.active));
        pool.sort();
        pool.dedup();
        pool.retain(|a| {
            self.accounts
                .get(a)
                .is_some_and(|s| s.known && s.cap.is_none() && self.cap_cell[s.cell])
        });
        // The cap ranks by value only, so only the value drift matters here.
        let g = self.drift.value;
        loop {
            let total = self.cap_in.len() + self.cap_out.len() + pool.len();
            if total <= limit {
                let outs: Vec<AccountId> = self.cap_out.iter().map(|x| x.1).collect();
                self.cap_out.clear();
                for a in outs {
                    self.touch(a, step, false);
                    if let Some(s) = self.accounts.get_mut(&a) {
                        s.cap = None;
                    }
                    pool.push(a);
                }
                let n = pool.len();
                self.assign(&pool, n, cap_t, over_t);
                return;
            }
            if self.cap_in.len() > limit {
                self.pop_cap(true, step, &mut pool);
                continue;
            }
            let need = limit - self.cap_in.len();
            if need > pool.len() {
                self.pop_cap(false, step, &mut pool);
                continue;
            }
            pool.sort_by(|a, b| {
                let va = self.accounts[a].snap.value;
                let vb = self.accounts[b].snap.value;
                vb.total_cmp(&va).then(a.cmp(b))
            });
            // Widened by the rounding slack: a member whose bound merely
            // rounds past a competitor (e.g. 75.00000000000001 against an
            // exact 75 with no drift at all) may in truth be tied with it,
            // and ties go by id, so it must be re-evaluated, not trusted.
            let tol = slack(g);
            let in_low = self.cap_in.first().map(|x| x.0.0 - g - tol);
            let out_high = self.cap_out.last().map(|x| x.0.0 + g + tol);
            if let (Some(l), Some(u)) = (in_low, out_high)
                && l <= u
            {
                self.pop_cap(true, step, &mut pool);
                self.pop_cap(false, step, &mut pool);
                continue;
            }
            if let Some(l) = in_low
                && need < pool.len()
                && l <= self.accounts[&pool[need]].snap.value
            {
                self.pop_cap(true, step, &mut pool);
                continue;
            }
            if let Some(u) = out_high
                && need > 0
                && u >= self.accounts[&pool[need - 1]].snap.value
            {
                self.pop_cap(false, step, &mut pool);
                continue;
            }
            self.assign(&pool, need, cap_t, over_t);
            return;
        }
    }

    /// Re-evaluates the weakest member within the cap (`inside`) or the
    /// strongest outside it, moving it to the pool.
    fn pop_cap(&mut self, inside: bool, step: &mut Step, pool: &mut Vec<AccountId>) {
        let item = if inside {
            self.cap_in.pop_first()
        } else {
            self.cap_out.pop_last()
        };
        let Some((_, a)) = item else {
            return;
        };
        self.touch(a, step, false);
        if let Some(s) = self.accounts.get_mut(&a) {
            s.cap = None;
        }
        self.reevaluate(a, step);
        pool.append(&mut step.pool);
    }

    /// The first `n_in` of `pool` are within the cap, the rest overflow.
    fn assign(&mut self, pool: &[AccountId], n_in: usize, cap_t: usize, over_t: usize) {
        for (i, &a) in pool.iter().enumerate() {
            let inside = i < n_in;
            let Some(s) = self.accounts.get_mut(&a) else {
                continue;
            };
            // Keyed so that the current drift `g` turns a key into a bound
            // on the value now: inside, `key − g` is the lowest it can have
            // fallen to since evaluation (what could lose it its place);
            // outside, `key + g` the highest it can have risen to.
            let key = if inside {
                F(s.snap.value + s.drift_at.value)
            } else {
                F(s.snap.value - s.drift_at.value)
            };
            s.cap = Some((inside, key));
            s.tier = if inside { cap_t } else { over_t };
            if inside {
                self.cap_in.insert((key, a));
            } else {
                self.cap_out.insert((key, a));
            }
        }
    }
}
