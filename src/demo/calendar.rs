//! Day arithmetic and the span of history the demo covers.

use chrono::{NaiveDate, TimeDelta};

/// History shown by the demo, ending at the as-of date.
pub(super) const HISTORY_DAYS: i64 = 730;

pub(super) fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

pub(super) fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}
