//! The figures behind the charts: one account's monthly revenue for the
//! profile's sparkline (with orders, payments and overdue at a glance), and
//! the Pareto curve for the matrix. Pure reads of the engine's events.

use super::engine::Engine;
use super::metrics::upto;
use crate::domain::{AccountId, InteractionKind, Money};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Months the profile's sparkline covers.
pub const SERIES_MONTHS: u32 = 24;

/// One account's revenue month by month and its year at a glance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevenueSeries {
    /// Oldest first: (last day of the month window, revenue in it). The
    /// windows are trailing months ending on the as-of day, so the last 12
    /// add up to `revenue_12m` exactly.
    pub months: Vec<(NaiveDate, Money)>,
    pub revenue_12m: Money,
    /// On the 12 months before; `None` when those had no revenue.
    pub growth: Option<f64>,
    pub orders_12m: u32,
    pub payments_12m: u32,
    pub paid_12m: Money,
    pub overdue: Money,
    /// Days since the oldest unpaid due date.
    pub overdue_days: Option<i64>,
}

/// Cumulative revenue share against account share, highest revenue first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParetoCurve {
    /// (share of active accounts, share of revenue), both in percent,
    /// from (0, 0) to (100, 100); at most the asked number of points.
    pub points: Vec<(f64, f64)>,
    pub active_accounts: usize,
    /// Revenue share of the top 20 % (as `Engine::pareto`), 0–1.
    pub top20_share: f64,
}

fn months_before(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(m))
        .unwrap_or(NaiveDate::MIN)
}

impl Engine {
    /// The profile's series for one account, as of the engine's day.
    pub fn revenue_series(&self, id: AccountId) -> Option<RevenueSeries> {
        let st = self.accounts.get(&id).filter(|s| s.known)?;
        let as_of = self.as_of;
        let ends: Vec<NaiveDate> = (0..SERIES_MONTHS)
            .map(|i| months_before(as_of, SERIES_MONTHS - 1 - i))
            .collect();
        let start = months_before(as_of, SERIES_MONTHS);
        let year = months_before(as_of, 12);
        let mut months: Vec<(NaiveDate, Money)> = ends.iter().map(|e| (*e, Money::ZERO)).collect();
        let (mut payments, mut paid) = (0u32, Money::ZERO);
        for e in upto(&st.events.to_vec(), as_of) {
            let day = e.day();
            match e.kind {
                InteractionKind::Order if day > start => {
                    let i = ends.partition_point(|end| *end < day);
                    if let Some(m) = months.get_mut(i) {
                        m.1 += e.amount().unwrap_or(Money::ZERO);
                    }
                }
                InteractionKind::Payment if day > year => {
                    payments += 1;
                    paid += e.amount().unwrap_or(Money::ZERO);
                }
                _ => {}
            }
        }
        let m = &st.metrics;
        Some(RevenueSeries {
            months,
            revenue_12m: m.revenue_12m,
            growth: m.growth,
            orders_12m: m.orders_12m,
            payments_12m: payments,
            paid_12m: paid,
            overdue: m.overdue_amount,
            overdue_days: m.overdue_days,
        })
    }

    /// The Pareto curve of trailing-12-month revenue in at most `points`
    /// points (one sort of the active accounts' revenue).
    pub fn pareto_curve(&self, points: usize) -> ParetoCurve {
        let revs = self.active_revenues_desc();
        let total = self.pareto_of(&revs).total_revenue_12m;
        curve_of(&revs, total, points)
    }
}

/// The curve of `revs` (the active accounts' revenue, largest first)
/// against `total` (every known account's).
pub(in crate::segment) fn curve_of(revs: &[Money], total: Money, points: usize) -> ParetoCurve {
    let p = super::engine::pareto_with(revs, total);
    let n = revs.len();
    let mut out = vec![(0.0, 0.0)];
    if n > 0 && !total.is_zero() {
        let step = n.div_ceil(points.max(2) - 1).max(1);
        let mut cum = Money::ZERO;
        for (k, r) in revs.iter().enumerate() {
            cum += *r;
            let i = k + 1;
            if i % step == 0 || i == n {
                let y = cum.ratio(total).unwrap_or(0.0) * 100.0;
                out.push((i as f64 * 100.0 / n as f64, y));
            }
        }
    }
    ParetoCurve {
        points: out,
        active_accounts: n,
        top20_share: p.top20_revenue_share,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, Interaction, InteractionId};
    use crate::segment::Model;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn engine(orders: &[(u64, &str, i64)], payments: &[(u64, &str, i64)]) -> Engine {
        let mut e = Engine::new(Model::default(), d("2025-03-15"));
        for id in 1..=5 {
            e.upsert_account(&Account {
                id: AccountId(id),
                key: format!("A{id}"),
                ..Account::default()
            });
        }
        let mut n = 0;
        for (kind, list) in [
            (InteractionKind::Order, orders),
            (InteractionKind::Payment, payments),
        ] {
            for (acc, day, units) in list {
                n += 1;
                let mut i = Interaction::new(AccountId(*acc), kind, d(day));
                i.id = InteractionId(n);
                i.amount = Some(Money::from_units(*units));
                e.upsert_interaction(&i);
            }
        }
        e
    }

    #[test]
    fn months_are_trailing_windows_that_add_up_to_the_year() {
        let e = engine(
            &[
                (1, "2025-03-15", 100), // last window (2025-02-15, 2025-03-15]
                (1, "2025-02-15", 40),  // the window before
                (1, "2024-03-16", 7),   // first day of the 12 months
                (1, "2024-03-15", 50),  // the year before
                (1, "2023-03-16", 3),   // first window of 24
                (1, "2023-03-15", 999), // outside the chart
            ],
            &[(1, "2025-01-10", 30), (1, "2024-01-10", 99)],
        );
        let s = e.revenue_series(AccountId(1)).unwrap();
        assert_eq!(s.months.len(), 24);
        assert_eq!(s.months[23], (d("2025-03-15"), Money::from_units(100)));
        assert_eq!(s.months[22], (d("2025-02-15"), Money::from_units(40)));
        assert_eq!(s.months[12].1, Money::from_units(7));
        assert_eq!(s.months[11].1, Money::from_units(50));
        assert_eq!(s.months[0], (d("2023-04-15"), Money::from_units(3)));
        let last12: Money = s.months[12..].iter().map(|m| m.1).sum();
        assert_eq!(last12, s.revenue_12m);
        assert_eq!(s.revenue_12m, Money::from_units(147));
        assert_eq!((s.orders_12m, s.payments_12m), (3, 1));
        assert_eq!(s.paid_12m, Money::from_units(30));
        assert!(e.revenue_series(AccountId(99)).is_none());
    }

    #[test]
    fn the_pareto_curve_climbs_from_zero_to_everything() {
        // 80, 10, 5, 3, 2: the top account (20 %) holds 80 %.
        let e = engine(
            &[
                (1, "2025-01-01", 80),
                (2, "2025-01-01", 10),
                (3, "2025-01-01", 5),
                (4, "2025-01-01", 3),
                (5, "2025-01-01", 2),
            ],
            &[],
        );
        let c = e.pareto_curve(50);
        assert_eq!(c.active_accounts, 5);
        assert_eq!(c.points.first(), Some(&(0.0, 0.0)));
        assert_eq!(c.points[1], (20.0, 80.0));
        assert_eq!(c.points.last(), Some(&(100.0, 100.0)));
        assert!((c.top20_share - 0.8).abs() < 1e-12);
        assert!(
            c.points
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1)
        );
        // Thinned to the points asked for, the end kept.
        let few = e.pareto_curve(3);
        assert!(few.points.len() <= 4, "{:?}", few.points);
        assert_eq!(few.points.last(), Some(&(100.0, 100.0)));
        let empty = Engine::new(Model::default(), d("2025-03-15")).pareto_curve(50);
        assert_eq!(empty.points, vec![(0.0, 0.0)]);
    }
}
