//! Reading the engine: an account's score and its explanation, the matrix
//! with tier totals, and the Pareto summary.

use super::super::policy;
use super::super::series::{ParetoCurve, curve_of};
use super::super::types::{
    AccountScore, CriterionExplanation, Explanation, Matrix, MatrixCell, Pareto, TierSummary,
};
use super::Engine;
use crate::domain::text::plural;
use crate::domain::{AccountId, Money};

impl Engine {
    pub fn score(&self, id: AccountId) -> Option<AccountScore> {
        let st = self.accounts.get(&id).filter(|s| s.known)?;
        let e = self.eval(st);
        let computed = self.tier_name(st.tier).to_string();
        let tier = self.effective_tier(st);
        let policy = self
            .model
            .tier(&tier)
            .or_else(|| self.model.tiers.get(st.tier));
        let lifecycle = policy::lifecycle(st.since, self.as_of);
        let cadence_days =
            policy::cadence(policy.map_or(90, |p| p.cadence_days), st.since, self.as_of);
        let next_due = policy::next_due(
            st.status,
            st.metrics.last_touch,
            st.since,
            cadence_days,
            self.as_of,
        );
        let flags = policy::flags(
            &self.model,
            &policy::FlagInput {
                metrics: &st.metrics,
                ratings: &st.ratings,
                value_score: e.score.value,
                next_due,
                policy,
                as_of: self.as_of,
            },
        );
        Some(AccountScore {
            account: id,
            metrics: st.metrics.clone(),
            value_score: e.score.value,
            potential_score: e.score.potential,
            computed_tier: computed,
            tier,
            pinned: st.pin.is_some(),
            flags,
            lifecycle,
            cadence_days,
            next_due,
        })
    }

    /// All known accounts, by id.
    /// Every known account's tier in force and its matrix cell (row,
    /// column), read without scoring anyone: what counting moves against a
    /// review needs, at a pointer chase per account instead of an
    /// evaluation (20 ms at 100k accounts, after every write).
    pub fn placements(&self) -> impl Iterator<Item = (AccountId, &str, (usize, usize))> {
        let cols = self.model.grid.cols().max(1);
        self.accounts
            .iter()
            .filter(|(_, s)| s.known)
            .map(move |(id, s)| (*id, self.tier_in_force(s), (s.cell / cols, s.cell % cols)))
    }

    pub fn scores(&self) -> Vec<AccountScore> {
        self.freeze_ranks();
        crate::par::map(&self.account_ids(), |id| self.score(*id))
            .into_iter()
            .flatten()
            .collect()
    }

    pub fn explain(&self, id: AccountId) -> Option<Explanation> {
        let st = self.accounts.get(&id).filter(|s| s.known)?;
        let e = self.eval(st);
        let criteria = self
            .crits
            .iter()
            .enumerate()
            .map(|(i, c)| CriterionExplanation {
                axis: c.axis.as_str(),
                measure: c.measure.as_str().to_string(),
                norm: c.norm.describe(),
                raw: st.raw.get(i).copied().flatten(),
                normalised: e.normalised[i],
                weight: c.weight,
                contribution: e.contrib[i],
            })
            .collect();
        let g = &self.model.grid;
        let cell_tier = self
            .tier_name(self.cell_tier.get(st.cell).copied().unwrap_or(0))
            .to_string();
        let computed = self.tier_name(st.tier).to_string();
        let mut reasons = Vec::new();
        let (row, col) = (st.cell / g.cols(), st.cell % g.cols());
        reasons.push(format!(
            "value {:.1} is in band {} of {} (cuts {:?}); potential {:.1} is in band {} of {} (cuts {:?}) → cell {}",
            e.score.value,
            col + 1,
            g.cols(),
            g.value_cuts,
            e.score.potential,
            g.rows() - row,
            g.rows(),
            g.potential_cuts,
            cell_tier
        ));
        if let (Some((inside, _)), Some(cap)) = (st.cap, self.model.cap.as_ref()) {
            let limit = cap.limit(self.active);
            if inside {
                reasons.push(format!(
                    "within the cap: {} holds at most {} ({}% of {} active)",
                    cap.tier,
                    plural(limit, "account"),
                    cap.max_share * 100.0,
                    self.active
                ));
            } else {
                reasons.push(format!(
                    "over the cap: {} holds at most {} ({}% of {} active), higher value scores first → {}",
                    cap.tier,
                    plural(limit, "account"),
                    cap.max_share * 100.0,
                    self.active,
                    cap.overflow
                ));
            }
        }
        if let Some(p) = &st.pin {
            reasons.push(format!("pinned by hand to {p} (computed {computed})"));
        }
        Some(Explanation {
            account: id,
            value_score: e.score.value,
            potential_score: e.score.potential,
            criteria,
            cell_tier,
            computed_tier: computed,
            tier: self.effective_tier(st),
            pinned: st.pin.is_some(),
            reasons,
        })
    }

    pub fn matrix(&self) -> Matrix {
        self.matrix_pass(None)
    }

    /// `matrix()` and `pareto_curve(points)` from one pass over the
    /// accounts: every write's delta sends both, and at 100k accounts each
    /// pass is milliseconds of reading memory.
    pub fn matrix_and_pareto(&self, points: usize) -> (Matrix, ParetoCurve) {
        let mut revs = Vec::new();
        let m = self.matrix_pass(Some(&mut revs));
        revs.sort_unstable_by(|a, b| b.cmp(a));
        let curve = curve_of(&revs, m.total_revenue_12m, points);
        (m, curve)
    }

    /// The matrix; with `active_revs`, the active accounts' trailing
    /// revenue gathered on the way (unsorted).
    fn matrix_pass(&self, mut active_revs: Option<&mut Vec<Money>>) -> Matrix {
        let g = &self.model.grid;
        let (rows, cols) = (g.rows(), g.cols());
        let mut cells: Vec<MatrixCell> = (0..rows * cols)
            .map(|i| MatrixCell {
                row: i / cols,
                col: i % cols,
                tier: self
                    .tier_name(self.cell_tier.get(i).copied().unwrap_or(0))
                    .to_string(),
                count: 0,
                overflow: 0,
                revenue_12m: Money::ZERO,
                share: 0.0,
            })
            .collect();
        // A handful of tiers: a list beats hashing a name per account.
        let mut by_tier: Vec<(&str, usize, Money)> = Vec::new();
        let mut total = Money::ZERO;
        for st in self.accounts.values().filter(|s| s.known) {
            let rev = st.metrics.revenue_12m;
            total += rev;
            if st.metrics.active
                && let Some(r) = active_revs.as_deref_mut()
            {
                r.push(rev);
            }
            if let Some(c) = cells.get_mut(st.cell) {
                c.count += 1;
                c.revenue_12m += rev;
                if matches!(st.cap, Some((false, _))) {
                    c.overflow += 1;
                }
            }
            let tier = self.tier_in_force(st);
            match by_tier.iter_mut().find(|t| t.0 == tier) {
                Some(t) => {
                    t.1 += 1;
                    t.2 += rev;
                }
                None => by_tier.push((tier, 1, rev)),
            }
        }
        let of_tier = |name: &str| {
            by_tier
                .iter()
                .find(|t| t.0 == name)
                .map_or((0, Money::ZERO), |t| (t.1, t.2))
        };
        for c in &mut cells {
            c.share = c.revenue_12m.ratio(total).unwrap_or(0.0);
        }
        let mut tiers: Vec<TierSummary> = self
            .model
            .tiers
            .iter()
            .map(|t| (t.name.clone(), t.priority))
            .chain(
                by_tier
                    .iter()
                    .filter(|t| self.model.tier(t.0).is_none())
                    .map(|t| (t.0.to_string(), u32::MAX)),
            )
            .map(|(name, priority)| {
                let (n, rev) = of_tier(&name);
                TierSummary {
                    tier: name,
                    priority,
                    accounts: n,
                    revenue_12m: rev,
                    revenue_share: rev.ratio(total).unwrap_or(0.0),
                }
            })
            .collect();
        tiers.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.tier.cmp(&b.tier)));
        Matrix {
            value_label: self.model.value.label.clone(),
            potential_label: self.model.potential.label.clone(),
            value_cuts: g.value_cuts.clone(),
            potential_cuts: g.potential_cuts.clone(),
            rows,
            cols,
            cells,
            tiers,
            total_revenue_12m: total,
        }
    }

    /// Trailing-12-month revenue of the active accounts, largest first
    /// (the Pareto figures and curve read it).
    pub(in crate::segment) fn active_revenues_desc(&self) -> Vec<Money> {
        let mut revs: Vec<Money> = self
            .accounts
            .values()
            .filter(|s| s.known && s.metrics.active)
            .map(|s| s.metrics.revenue_12m)
            .collect();
        revs.sort_unstable_by(|a, b| b.cmp(a));
        revs
    }

    pub fn pareto(&self) -> Pareto {
        self.pareto_of(&self.active_revenues_desc())
    }

    /// The Pareto figures from `active_revenues_desc` (the curve has it
    /// already: sorting 100k revenues once is enough).
    pub(in crate::segment) fn pareto_of(&self, revs: &[Money]) -> Pareto {
        let total: Money = self
            .accounts
            .values()
            .filter(|s| s.known)
            .map(|s| s.metrics.revenue_12m)
            .sum();
        pareto_with(revs, total)
    }
}

/// The Pareto figures of the active accounts' revenue `revs` (largest
/// first) against every known account's `total`.
pub(in crate::segment) fn pareto_with(revs: &[Money], total: Money) -> Pareto {
    let active = revs.len();
    let top = (active * 2).div_ceil(10);
    let top_rev: Money = revs.iter().take(top).copied().sum();
    Pareto {
        active_accounts: active,
        top20_accounts: top,
        top20_revenue_share: top_rev.ratio(total).unwrap_or(0.0),
        total_revenue_12m: total,
    }
}
