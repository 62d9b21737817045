//! The account plan: size, status and trajectory, drawn first so that the
//! interaction budget can be spread by size before anything is generated.

use super::DemoParams;
use super::calendar::add_days;
use super::rng::Rng;
use chrono::NaiveDate;

/// Smallest annual revenue of a customer, in whole currency units.
const MIN_REVENUE: f64 = 50_000.0;
/// Pareto shape: 1.1 puts roughly 80 % of revenue in the top 20 %.
const PARETO_ALPHA: f64 = 1.1;
const MAX_REVENUE: f64 = 30_000_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trend {
    /// Never ordered yet.
    Prospect,
    /// Customer for less than three months.
    Onboarding,
    Stable,
    Growing,
    /// Order frequency falls in the last six months.
    Declining,
    /// No order in the last twelve months, still in touch.
    Dormant,
    /// Gone: no order for a year, little contact since.
    Churned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Discipline {
    Good,
    Slow,
    Bad,
}

#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// Size quantile in [0, 1): 0.99 is the top 1 %.
    pub(super) q: f64,
    /// Annual revenue when ordering normally, whole units.
    pub(super) revenue: f64,
    pub(super) trend: Trend,
    pub(super) since: NaiveDate,
    /// Big but disloyal (seed 004: "most dangerous").
    pub(super) disloyal: bool,
    /// Share of the interaction budget.
    pub(super) weight: f64,
}

/// Draws the plan of account `index`; returns the stream positioned after
/// it so that generation continues from the same draws.
pub(super) fn plan(p: &DemoParams, index: usize) -> (Plan, Rng) {
    let mut r = Rng::for_account(p.seed, index as u64, 0);
    // Size quantiles follow a Weyl sequence (golden-ratio steps) rather than
    // independent draws: any number of accounts covers the distribution
    // evenly, so even 50 accounts have the Pareto head and tail.
    let offset = Rng(p.seed ^ 0x5EED).unit();
    let q = (offset + index as f64 * 0.618_033_988_749_894_9).fract();
    let jitter = 0.85 + 0.3 * r.unit();
    let revenue = (MIN_REVENUE * (1.0 - q).powf(-1.0 / PARETO_ALPHA) * jitter).min(MAX_REVENUE);
    let big = q > 0.95;
    let u = r.unit();
    let trend = if big {
        match u {
            u if u < 0.70 => Trend::Stable,
            u if u < 0.85 => Trend::Growing,
            _ => Trend::Declining,
        }
    } else {
        match u {
            u if u < 0.06 => Trend::Prospect,
            u if u < 0.11 => Trend::Onboarding,
            u if u < 0.63 => Trend::Stable,
            u if u < 0.76 => Trend::Growing,
            u if u < 0.87 => Trend::Declining,
            u if u < 0.95 => Trend::Dormant,
            _ => Trend::Churned,
        }
    };
    let age_days = match trend {
        Trend::Prospect => r.range(10, 270),
        Trend::Onboarding => r.range(5, 85),
        // Lapsed accounts ordered for a while before they stopped.
        Trend::Dormant | Trend::Churned => r.range(800, 2920),
        // Bigger accounts tend to be older relationships.
        _ => {
            let min = if big { 700 } else { 100 };
            r.range(min, 2920)
        }
    };
    let since = add_days(p.today, -age_days);
    let disloyal = q > 0.8 && matches!(trend, Trend::Stable | Trend::Declining) && r.chance(0.2);
    let status_factor = match trend {
        Trend::Prospect => 0.35,
        Trend::Onboarding => 0.6,
        Trend::Dormant => 0.5,
        Trend::Churned => 0.4,
        Trend::Growing => 1.1,
        Trend::Stable | Trend::Declining => 1.0,
    };
    let weight = (revenue / MIN_REVENUE).powf(0.55) * status_factor;
    (
        Plan {
            q,
            revenue,
            trend,
            since,
            disloyal,
            weight,
        },
        r,
    )
}
