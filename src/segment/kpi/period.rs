//! The period a report covers, and the one before it of the same length.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days `from..=to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("--from {from} is after --to {to}")]
    Reversed { from: NaiveDate, to: NaiveDate },
}

/// `n` days before `d`, or the first date there is (no panic at the edge).
fn back(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

impl Period {
    /// The last full week, Monday to Sunday, before the week of `today`:
    /// what a Monday reader reviews.
    pub fn last_week(today: NaiveDate) -> Period {
        let monday = back(today, u64::from(today.weekday().num_days_from_monday()));
        Period {
            from: back(monday, 7),
            to: back(monday, 1),
        }
    }

    /// The period for `--from` / `--to`: both given, as given; only `from`,
    /// up to today; only `to`, the week (7 days) ending then; neither, the
    /// last full week.
    pub fn resolve(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, PeriodError> {
        let p = match (from, to) {
            (None, None) => return Ok(Period::last_week(today)),
            (Some(from), None) => Period { from, to: today },
            (None, Some(to)) => Period {
                from: back(to, 6),
                to,
            },
            (Some(from), Some(to)) => Period { from, to },
        };
        if p.from > p.to {
            return Err(PeriodError::Reversed {
                from: p.from,
                to: p.to,
            });
        }
        Ok(p)
    }

    pub fn days(&self) -> u64 {
        (self.to - self.from).num_days().unsigned_abs() + 1
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Period {
        let to = self.from.pred_opt().unwrap_or(self.from);
        Period {
            from: back(to, self.days() - 1),
            to,
        }
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} – {}", self.from, self.to)
    }
}
