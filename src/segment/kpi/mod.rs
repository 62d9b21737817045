//! The key-account KPIs of a period (`kam report`, the Report pane): revenue
//! and its share per tier, retention, new and lost accounts, tier moves,
//! touch compliance, complaint SLA, satisfaction and overdue money — for the
//! team and per owner.
//!
//! Pure: the engine already holds every account's events, so the report is
//! one pass over them (`compute`); the tier moves, which only the timeline's
//! system entries record, are handed in by the book.

mod compute;
mod period;
#[cfg(test)]
mod tests;

pub use period::{Period, PeriodError};

use crate::domain::{AccountId, Money};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A tier move as the timeline recorded it (a `system` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierMove {
    pub account: AccountId,
    pub day: NaiveDate,
    pub from: String,
    pub to: String,
}

/// Why the reply half of the complaint SLA is not measured.
pub const REPLY_NOT_MEASURED: &str =
    "reply time not measured: kam records complaints and resolutions, no replies";

/// Revenue of one tier in the period (tier = the account's tier now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierRevenue {
    pub tier: String,
    pub accounts: usize,
    pub revenue: Money,
    /// Of the period's revenue; 0 when there was none.
    pub share: f64,
}

/// Complaints raised in the period against the tier's resolve SLA.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplaintSla {
    pub raised: usize,
    /// Resolved within the tier's `resolve_hours`.
    pub resolved_in_time: usize,
    /// Resolved after the deadline.
    pub resolved_late: usize,
    /// Not resolved, deadline passed by the end of the period.
    pub open_overdue: usize,
    /// Not resolved, deadline still ahead at the end of the period (not
    /// counted in the share).
    pub open_in_time: usize,
}

impl ComplaintSla {
    /// Share of decided complaints resolved in time; `None` when none is decided.
    pub fn kept(&self) -> Option<f64> {
        let decided = self.resolved_in_time + self.resolved_late + self.open_overdue;
        (decided > 0).then(|| self.resolved_in_time as f64 / decided as f64)
    }
}

/// The KPIs of one group of accounts (the team, or one owner's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub accounts: usize,
    pub revenue: Money,
    /// Every tier of the model in priority order, then tiers only pins name.
    pub tiers: Vec<TierRevenue>,
    /// Ordered in the previous period of the same length.
    pub active_prev: usize,
    /// …and ordered again in this one.
    pub retained: usize,
    /// First order ever in the period.
    pub new_accounts: usize,
    /// Active (an order in the trailing 12 months) the day before the period,
    /// no longer at its end.
    pub lost_accounts: usize,
    pub moves_up: usize,
    pub moves_down: usize,
    /// Accounts with a cadence (not churned or archived).
    pub cadence_accounts: usize,
    /// …touched within it at the end of the period.
    pub touched_in_cadence: usize,
    pub complaints: ComplaintSla,
    pub surveys: usize,
    /// Mean survey score (1–5) of the period.
    pub satisfaction: Option<f64>,
    /// Unpaid orders past due at the end of the period.
    pub overdue: Money,
    pub overdue_orders: usize,
    /// Mean days past due of those orders.
    pub avg_days_late: Option<f64>,
}

impl Kpis {
    pub fn retention(&self) -> Option<f64> {
        ratio(self.retained, self.active_prev)
    }

    pub fn touch_compliance(&self) -> Option<f64> {
        ratio(self.touched_in_cadence, self.cadence_accounts)
    }

    /// Revenue share of the most important tier (priority 1: the key accounts).
    pub fn key_share(&self, key_tier: Option<&str>) -> Option<f64> {
        let key = key_tier?;
        if self.revenue.is_zero() {
            return None;
        }
        Some(
            self.tiers
                .iter()
                .find(|t| t.tier == key)
                .map_or(0.0, |t| t.share),
        )
    }
}

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// One owner's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerKpis {
    pub owner: String,
    pub kpis: Kpis,
}

/// The report: the period, the team totals, then each owner's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    pub period: Period,
    pub previous: Period,
    pub model: String,
    /// The tier whose revenue share is the key-account share.
    pub key_tier: Option<String>,
    /// `--owner`: only this owner's accounts are counted.
    pub owner: Option<String>,
    pub team: Kpis,
    /// By owner name.
    pub owners: Vec<OwnerKpis>,
}

impl KpiReport {
    pub fn key_share(&self, k: &Kpis) -> Option<f64> {
        k.key_share(self.key_tier.as_deref())
    }
}
