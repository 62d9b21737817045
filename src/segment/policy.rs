//! Lifecycle, cadence, next touch and risk flags: what the tier and the
//! relationship's age mean for the account manager's calendar.

use super::metrics::Metrics;
use super::model::{Model, TierPolicy};
use super::types::{Flag, Lifecycle};
use crate::domain::{AccountStatus, Ratings};
use chrono::{Days, Months, NaiveDate};

fn plus_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m))
        .unwrap_or(NaiveDate::MAX)
}

/// Stage from `since` (seed 002): onboarding < 3 months, stable < 1 year,
/// deepening < 3 years, then partnership. A future `since` is onboarding.
pub(crate) fn lifecycle(since: Option<NaiveDate>, as_of: NaiveDate) -> Lifecycle {
    let Some(since) = since else {
        return Lifecycle::Unknown;
    };
    if as_of < plus_months(since, 3) {
        Lifecycle::Onboarding
    } else if as_of < plus_months(since, 12) {
        Lifecycle::Stable
    } else if as_of < plus_months(since, 36) {
        Lifecycle::Deepening
    } else {
        Lifecycle::Partnership
    }
}

/// Days between touches: the tier's cadence, except while onboarding —
/// weekly in month one, every two weeks in months two and three.
pub(crate) fn cadence(tier_days: u32, since: Option<NaiveDate>, as_of: NaiveDate) -> u32 {
    match since {
        Some(s) if lifecycle(since, as_of) == Lifecycle::Onboarding => {
            if as_of < plus_months(s, 1) { 7 } else { 14 }
        }
        _ => tier_days,
    }
}

/// Last touch + cadence. Never touched: `since` + cadence, or due today when
/// `since` is unknown. Churned and archived accounts get no cadence.
pub(crate) fn next_due(
    status: AccountStatus,
    last_touch: Option<NaiveDate>,
    since: Option<NaiveDate>,
    cadence_days: u32,
    as_of: NaiveDate,
) -> Option<NaiveDate> {
    if matches!(status, AccountStatus::Churned | AccountStatus::Archived) {
        return None;
    }
    let add = |d: NaiveDate| {
        d.checked_add_days(Days::new(u64::from(cadence_days)))
            .unwrap_or(NaiveDate::MAX)
    };
    Some(match (last_touch, since) {
        (Some(t), _) => add(t),
        (None, Some(s)) => add(s),
        (None, None) => as_of,
    })
}

/// `declining`, first reason: revenue down by 20 % or more on the year before.
pub(crate) fn revenue_falling(m: &Metrics) -> bool {
    m.growth.is_some_and(|g| g <= -0.2)
}

/// `declining`, second reason: fewer than half as many orders in the last 90
/// days as in the 90 before.
pub(crate) fn orders_falling(m: &Metrics) -> bool {
    m.orders_prev_90d > 0 && m.orders_90d * 2 < m.orders_prev_90d
}

impl Flag {
    /// What raised this flag for an account, in words: only the reasons that
    /// hold (a `declining` account whose revenue grew is declining on orders
    /// alone). Used by the agenda and the profile.
    pub fn reason(self, m: &Metrics) -> String {
        match self {
            Flag::OverdueTouch => "no touch within the tier's cadence".into(),
            Flag::OverduePayment => format!(
                "overdue receivables {} (oldest {} days)",
                m.overdue_amount,
                m.overdue_days.unwrap_or(0)
            ),
            Flag::Declining => {
                let mut why = Vec::new();
                if let Some(g) = m.growth.filter(|_| revenue_falling(m)) {
                    why.push(format!("revenue {:+.0}% vs previous year", g * 100.0));
                }
                if orders_falling(m) {
                    why.push(format!(
                        "orders {} in 90 days vs {} before",
                        m.orders_90d, m.orders_prev_90d
                    ));
                }
                why.join("; ")
            }
            Flag::ComplaintSla => match m.oldest_complaint_hours {
                Some(h) => format!("complaint open for {h} h, past its deadline"),
                None => "complaint past its deadline".into(),
            },
            Flag::SingleThreaded => {
                let mut why = Vec::new();
                match m.active_contacts {
                    0 => why.push("no active contact"),
                    1 => why.push("only one active contact"),
                    _ => {}
                }
                if !m.has_backup && m.active_contacts > 0 {
                    why.push("no backup contact");
                }
                why.join(", ")
            }
            Flag::ContactLeft => match m.primary_left {
                Some(d) => format!("primary contact left on {d}"),
                None => "primary contact left".into(),
            },
            Flag::LargeDisloyal => "high value but low loyalty: watch terms and payments".into(),
        }
    }
}

/// Inputs of the risk flags for one account.
pub(crate) struct FlagInput<'a> {
    pub metrics: &'a Metrics,
    pub ratings: &'a Ratings,
    pub value_score: f64,
    pub next_due: Option<NaiveDate>,
    pub policy: Option<&'a TierPolicy>,
    pub as_of: NaiveDate,
}

/// Risk signals, in `Flag::ALL` order.
pub(crate) fn flags(model: &Model, f: &FlagInput<'_>) -> Vec<Flag> {
    let m = f.metrics;
    let mut out = Vec::new();
    if f.next_due.is_some_and(|d| d < f.as_of) {
        out.push(Flag::OverdueTouch);
    }
    if m.overdue_amount.cents() > 0 {
        out.push(Flag::OverduePayment);
    }
    if revenue_falling(m) || orders_falling(m) {
        out.push(Flag::Declining);
    }
    let resolve = f.policy.map_or(48, |p| p.resolve_hours);
    if m.oldest_complaint_hours
        .is_some_and(|h| h > i64::from(resolve))
    {
        out.push(Flag::ComplaintSla);
    }
    if m.active_contacts < 2 || !m.has_backup {
        out.push(Flag::SingleThreaded);
    }
    let ninety = f
        .as_of
        .checked_sub_days(Days::new(90))
        .unwrap_or(NaiveDate::MIN);
    if m.primary_left.is_some_and(|d| d > ninety && d <= f.as_of) {
        out.push(Flag::ContactLeft);
    }
    let high_value = model
        .grid
        .value_cuts
        .last()
        .is_some_and(|&cut| f.value_score >= cut);
    if high_value && f.ratings.loyalty.is_some_and(|l| l <= 2) {
        out.push(Flag::LargeDisloyal);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::clock::parse_date(s).unwrap()
    }

    #[test]
    fn lifecycle_boundaries() {
        let since = Some(d("2024-01-15"));
        assert_eq!(lifecycle(since, d("2024-04-14")), Lifecycle::Onboarding);
        assert_eq!(lifecycle(since, d("2024-04-15")), Lifecycle::Stable);
        assert_eq!(lifecycle(since, d("2025-01-14")), Lifecycle::Stable);
        assert_eq!(lifecycle(since, d("2025-01-15")), Lifecycle::Deepening);
        assert_eq!(lifecycle(since, d("2027-01-14")), Lifecycle::Deepening);
        assert_eq!(lifecycle(since, d("2027-01-15")), Lifecycle::Partnership);
        assert_eq!(lifecycle(None, d("2027-01-15")), Lifecycle::Unknown);
        assert_eq!(lifecycle(since, d("2023-12-01")), Lifecycle::Onboarding);
    }

    #[test]
    fn onboarding_cadence_overrides_tier() {
        let since = Some(d("2024-01-15"));
        assert_eq!(cadence(30, since, d("2024-02-14")), 7);
        assert_eq!(cadence(30, since, d("2024-02-15")), 14);
        assert_eq!(cadence(30, since, d("2024-04-14")), 14);
        assert_eq!(cadence(30, since, d("2024-04-15")), 30);
        assert_eq!(cadence(180, None, d("2024-04-15")), 180);
    }

    #[test]
    fn next_due_rules() {
        let as_of = d("2024-06-01");
        let active = AccountStatus::Active;
        assert_eq!(
            next_due(active, Some(d("2024-05-01")), None, 30, as_of),
            Some(d("2024-05-31"))
        );
        assert_eq!(
            next_due(active, None, Some(d("2024-05-20")), 7, as_of),
            Some(d("2024-05-27"))
        );
        assert_eq!(next_due(active, None, None, 30, as_of), Some(as_of));
        assert_eq!(
            next_due(
                AccountStatus::Churned,
                Some(d("2024-05-01")),
                None,
                30,
                as_of
            ),
            None
        );
    }
}
