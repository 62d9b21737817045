//! Exact money: integer minor units (cents). Never `f64`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("empty amount")]
    Empty,
    #[error("not a decimal amount (use digits and '.', e.g. 1234.50)")]
    NotDecimal,
    #[error("at most 2 decimals allowed")]
    TooManyDecimals,
    #[error("amount too large")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub const fn from_units(units: i64) -> Self {
        Money(units * 100)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn abs(self) -> Self {
        Money(self.0.abs())
    }

    /// Parses `1234`, `1234.5`, `-12.05`. A `.` is the only decimal separator;
    /// thousands separators are rejected rather than guessed at.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(MoneyError::NotDecimal);
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotDecimal);
        }
        if body.contains('.') && frac.is_empty() {
            return Err(MoneyError::NotDecimal);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let units: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| MoneyError::Overflow)?
        };
        let mut frac_cents: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| MoneyError::NotDecimal)?
        };
        if frac.len() == 1 {
            frac_cents *= 10;
        }
        let cents = units
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money(if neg { -cents } else { cents }))
    }

    /// Ratio of two amounts in basis points of a percent-free fraction, for
    /// shares and growth. Returns `None` when the denominator is zero.
    pub fn ratio(self, denom: Money) -> Option<f64> {
        if denom.0 == 0 {
            None
        } else {
            Some(self.0 as f64 / denom.0 as f64)
        }
    }

    /// Whole units, rounded toward zero, for compact display.
    pub fn units(self) -> i64 {
        self.0 / 100
    }

    /// Compact human form: `1.2M`, `85.0k`, `950`.
    pub fn compact(self) -> String {
        let u = self.0.abs() / 100;
        let sign = if self.0 < 0 { "-" } else { "" };
        if u >= 1_000_000 {
            format!("{sign}{}.{}M", u / 1_000_000, (u % 1_000_000) / 100_000)
        } else if u >= 1_000 {
            format!("{sign}{}.{}k", u / 1_000, (u % 1_000) / 100)
        } else {
            format!("{sign}{u}")
        }
    }
}

impl fmt::Display for Money {
    /// Exactly two decimals, `.` separator, no grouping: `1234.50`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl std::str::FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0.saturating_add(o.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 = self.0.saturating_add(o.0);
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0.saturating_sub(o.0))
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 = self.0.saturating_sub(o.0);
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(Money::parse("1234.5").unwrap().to_string(), "1234.50");
        assert_eq!(Money::parse("0.05").unwrap().cents(), 5);
        assert_eq!(Money::parse("-12.05").unwrap().to_string(), "-12.05");
        assert_eq!(Money::parse("7").unwrap().cents(), 700);
        assert_eq!(Money::parse(".5").unwrap().cents(), 50);
        assert_eq!(Money::from_cents(-5).to_string(), "-0.05");
    }

    #[test]
    fn rejects_bad_amounts() {
        assert_eq!(Money::parse("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("1,234"), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse("abc"), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse("1."), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(
            Money::parse("99999999999999999999"),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn compact_form() {
        assert_eq!(Money::from_units(1_250_000).compact(), "1.2M");
        assert_eq!(Money::from_units(85_000).compact(), "85.0k");
        assert_eq!(Money::from_units(950).compact(), "950");
    }
}
