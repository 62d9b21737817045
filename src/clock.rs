//! The one clock. Every date-dependent result reads "today" from here, so it
//! can be pinned with `--as-of` or `KAM_TODAY` and results are reproducible.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    today: NaiveDate,
}

impl Clock {
    /// A clock fixed at `today`.
    pub fn fixed(today: NaiveDate) -> Self {
        Clock { today }
    }

    /// The local calendar date, unless overridden.
    pub fn system() -> Self {
        Clock {
            today: chrono::Local::now().date_naive(),
        }
    }

    /// `--as-of` (already merged with `KAM_TODAY` by the CLI) or the system date.
    pub fn from_override(as_of: Option<&str>) -> Result<Self, String> {
        match as_of {
            Some(s) if !s.trim().is_empty() => parse_date(s)
                .map(Clock::fixed)
                .ok_or_else(|| format!("--as-of / KAM_TODAY: '{s}' is not a date YYYY-MM-DD")),
            _ => Ok(Clock::system()),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.today
    }
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins() {
        let c = Clock::from_override(Some("2025-03-01")).unwrap();
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        assert!(Clock::from_override(Some("03/01/2025")).is_err());
    }
}
