//! Exact evaluation of one account and its place in the per-axis cut
//! queues: the scores, the grid cell, and how far each score may drift
//! before the cell can change.

use super::super::model::Norm;
use super::super::per_axis::PerAxis;
use super::Engine;
use super::state::{AccState, Eval, F, band_margin};
use super::step::Step;
use crate::domain::AccountId;

impl Engine {
    /// Scores an account against the current rank sets.
    pub(super) fn eval(&self, st: &AccState) -> Eval {
        let n = self.crits.len();
        let mut e = Eval {
            score: PerAxis::new(0.0, 0.0),
            normalised: Vec::with_capacity(n),
            contrib: Vec::with_capacity(n),
        };
        for (i, c) in self.crits.iter().enumerate() {
            let norm = match st.raw.get(i).copied().flatten() {
                None => c.measure.missing(),
                Some(x) => match c.norm {
                    Norm::Percentile { invert } => {
                        let p = self.ranks[i]
                            .as_ref()
                            .map_or(50.0, |r| r.percentile(x, st.ranked));
                        if invert { 100.0 - p } else { p }
                    }
                    other => other.fixed(x),
                },
            };
            let contrib = c.share * norm;
            *e.score.get_mut(c.axis) += contrib;
            e.normalised.push(norm);
            e.contrib.push(contrib);
        }
        e
    }

    /// Stores an exact evaluation: snapshot, cell, cut-queue keys. Returns
    /// whether the account sits in a capped cell (then it awaits the cap).
    pub(super) fn place(&mut self, id: AccountId, e: Eval) -> bool {
        self.unplace(id);
        let (member, keys) = self.place_state(id, e);
        for (axis, k) in keys.iter() {
            if let Some(k) = *k {
                self.queue.get_mut(axis).insert((k, id));
            }
        }
        member
    }

    /// `place` for an account in no cut queue, leaving the queues to the
    /// caller: the account's keys in them (a full recompute builds each
    /// queue at once from every account's key, sorted).
    pub(super) fn place_state(&mut self, id: AccountId, e: Eval) -> (bool, PerAxis<Option<F>>) {
        let grid = &self.model.grid;
        let (row, col) = grid.locate(e.score.value, e.score.potential);
        let cell = row * grid.cols() + col;
        let margin = PerAxis::from_fn(|a| band_margin(grid.cuts(a), *e.score.get(a)));
        let drift = self.drift;
        let tier = self.cell_tier.get(cell).copied().unwrap_or(0);
        let member = self.cap_cell.get(cell).copied().unwrap_or(false);
        let Some(st) = self.accounts.get_mut(&id) else {
            return (false, PerAxis::new(None, None));
        };
        st.snap = e.score;
        st.contrib = e.contrib.into_boxed_slice();
        st.drift_at = drift;
        st.cell = cell;
        st.tier = tier;
        for (axis, &m) in margin.iter() {
            *st.key.get_mut(axis) = m.is_finite().then(|| F(m + *drift.get(axis)));
        }
        (member, st.key)
    }

    /// Takes an account out of the cut queues and the cap sets.
    pub(super) fn unplace(&mut self, id: AccountId) {
        let Some(st) = self.accounts.get_mut(&id) else {
            return;
        };
        for (axis, key) in st.key.iter_mut() {
            if let Some(k) = key.take() {
                self.queue.get_mut(axis).remove(&(k, id));
            }
        }
        if let Some((inside, k)) = st.cap.take() {
            if inside {
                self.cap_in.remove(&(k, id));
            } else {
                self.cap_out.remove(&(k, id));
            }
        }
    }

    /// Evaluates an account exactly and places it; a capped-cell member
    /// joins the step's pool to await the cap.
    pub(super) fn reevaluate(&mut self, id: AccountId, step: &mut Step) {
        let Some(st) = self.accounts.get(&id) else {
            return;
        };
        let e = self.eval(st);
        if self.place(id, e) {
            step.pool.push(id);
        }
    }
}
