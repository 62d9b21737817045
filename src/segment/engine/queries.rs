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

    /// Every known account's tier in force and value score, by id: what a
    /// display order compares, without the rest of a score (metrics copied,
    /// flags, due date) that `scores` makes for each account. Equal to
    /// `scores`' `tier` and `value_score`.
    pub fn tiers_and_values(&self) -> Vec<(AccountId, &str, f64)> {
        self.freeze_ranks();
        crate::par::map(&self.account_ids(), |id| {
            let st = &self.accounts[id];
            (*id, self.tier_in_force(st), self.eval(st).score.value)
        })
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

    /// The tier matrix, from the sums each edit keeps (`tally`).
    pub fn matrix(&self) -> Matrix {
        let t = &self.tally;
        let total = t.total.money();
        let cells = t
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| self.cell_of(i, c.count, c.overflow, c.money(), total))
            .collect();
        let of_model = |name: &str| {
            self.model
                .tier_index(name)
                .and_then(|i| t.tiers.get(i))
                .map_or((0, Money::ZERO), |s| (s.count, s.money()))
        };
        let model = self.model.tiers.iter().map(|x| {
            let (n, rev) = of_model(&x.name);
            (x.name.clone(), x.priority, n, rev)
        });
        let others = t
            .others
            .iter()
            .filter(|(_, s)| s.count > 0)
            .map(|(name, s)| (name.to_string(), u32::MAX, s.count, s.money()));
        self.matrix_of(cells, model.chain(others).collect(), total)
    }

    /// `matrix()` and `pareto_curve(points)`: every write's delta sends both.
    pub fn matrix_and_pareto(&self, points: usize) -> (Matrix, ParetoCurve) {
        let m = self.matrix();
        let curve = curve_of(&self.tally.active_desc, m.total_revenue_12m, points);
        (m, curve)
    }

    fn cell_of(
        &self,
        i: usize,
        count: usize,
        overflow: usize,
        rev: Money,
        total: Money,
    ) -> MatrixCell {
        let cols = self.model.grid.cols().max(1);
        MatrixCell {
            row: i / cols,
            col: i % cols,
            tier: self
                .tier_name(self.cell_tier.get(i).copied().unwrap_or(0))
                .to_string(),
            count,
            overflow,
            revenue_12m: rev,
            share: rev.ratio(total).unwrap_or(0.0),
        }
    }

    /// A matrix of `cells` and tiers as (name, priority, accounts, revenue).
    fn matrix_of(
        &self,
        cells: Vec<MatrixCell>,
        tiers: Vec<(String, u32, usize, Money)>,
        total: Money,
    ) -> Matrix {
        let g = &self.model.grid;
        let mut tiers: Vec<TierSummary> = tiers
            .into_iter()
            .map(|(tier, priority, accounts, rev)| TierSummary {
                tier,
                priority,
                accounts,
                revenue_12m: rev,
                revenue_share: rev.ratio(total).unwrap_or(0.0),
            })
            .collect();
        tiers.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.tier.cmp(&b.tier)));
        Matrix {
            value_label: self.model.value.label.clone(),
            potential_label: self.model.potential.label.clone(),
            value_cuts: g.value_cuts.clone(),
            potential_cuts: g.potential_cuts.clone(),
            rows: g.rows(),
            cols: g.cols(),
            cells,
            tiers,
            total_revenue_12m: total,
        }
    }

    /// The matrix summed afresh from every account: what the kept sums must
    /// equal (tests).
    #[cfg(test)]
    pub(super) fn matrix_scan(&self) -> Matrix {
        let g = &self.model.grid;
        let n = g.rows() * g.cols();
        let mut cells = vec![(0usize, 0usize, 0i128); n];
        let mut by_tier: Vec<(&str, usize, i128)> = Vec::new();
        let mut total = 0i128;
        for st in self.accounts.values().filter(|s| s.known) {
            let rev = i128::from(st.metrics.revenue_12m.cents());
            total += rev;
            if let Some(c) = cells.get_mut(st.cell) {
                c.0 += 1;
                c.1 += usize::from(matches!(st.cap, Some((false, _))));
                c.2 += rev;
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
        let total = super::tally::clamp(total);
        let cells = cells
            .into_iter()
            .enumerate()
            .map(|(i, (n, o, r))| self.cell_of(i, n, o, super::tally::clamp(r), total))
            .collect();
        let of_tier = |name: &str| {
            by_tier
                .iter()
                .find(|t| t.0 == name)
                .map_or((0, Money::ZERO), |t| (t.1, super::tally::clamp(t.2)))
        };
        let tiers = self
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
                (name, priority, n, rev)
            })
            .collect();
        self.matrix_of(cells, tiers, total)
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
        let total = self
            .accounts
            .values()
            .filter(|s| s.known)
            .map(|s| i128::from(s.metrics.revenue_12m.cents()))
            .sum();
        pareto_with(revs, super::tally::clamp(total))
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
