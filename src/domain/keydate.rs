//! Key dates of an account: contract renewal and expiry, framework
//! agreement reviews, a contact's important day. Each has a lead time: it
//! shows in the agenda from `date - lead` until the date. A contact's day
//! comes back every year; the others happen once.

use super::compact;
use super::enums::named_enum;
use super::ids::AccountId;
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

named_enum!(
    /// What a key date is about.
    KeyDateKind {
        Renewal => "renewal",
        Expiry => "expiry",
        FrameworkReview => "framework_review",
        ContactDate => "contact_date",
    }
);

impl KeyDateKind {
    /// Days ahead a date of this kind shows when no lead is given: a
    /// renewal needs a quarter to negotiate, a birthday a week.
    pub fn default_lead(self) -> u32 {
        match self {
            KeyDateKind::Renewal => 90,
            KeyDateKind::Expiry => 60,
            KeyDateKind::FrameworkReview => 30,
            KeyDateKind::ContactDate => 7,
        }
    }

    /// Comes back every year (birthdays, anniversaries).
    pub fn yearly(self) -> bool {
        self == KeyDateKind::ContactDate
    }

    /// Words for agenda lines.
    pub fn label(self) -> &'static str {
        match self {
            KeyDateKind::Renewal => "contract renewal",
            KeyDateKind::Expiry => "contract expiry",
            KeyDateKind::FrameworkReview => "framework agreement review",
            KeyDateKind::ContactDate => "contact's date",
        }
    }
}

/// One key date of one account. `id` is unique in the book (0: not stored yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDate {
    pub id: u64,
    pub account: AccountId,
    pub kind: KeyDateKind,
    #[serde(with = "compact::date")]
    pub on: NaiveDate,
    pub lead_days: u32,
    pub note: String,
}

impl KeyDate {
    /// The occurrence that matters on `today`: the date itself for one-off
    /// kinds; for yearly kinds the first anniversary on or after `today`
    /// (29 February falls on the 28th in other years).
    pub fn next_on(&self, today: NaiveDate) -> NaiveDate {
        if !self.kind.yearly() || self.on >= today {
            return self.on;
        }
        let in_year = |y: i32| {
            NaiveDate::from_ymd_opt(y, self.on.month(), self.on.day())
                .or_else(|| NaiveDate::from_ymd_opt(y, 2, 28))
                .unwrap_or(self.on)
        };
        let this = in_year(today.year());
        if this >= today {
            this
        } else {
            in_year(today.year() + 1)
        }
    }

    /// The date it is due on, if `today` is within its lead window.
    pub fn due_within_lead(&self, today: NaiveDate) -> Option<NaiveDate> {
        let next = self.next_on(today);
        let from = next
            .checked_sub_days(Days::new(u64::from(self.lead_days)))
            .unwrap_or(NaiveDate::MIN);
        (from <= today && today <= next).then_some(next)
    }
}

/// Every key date of one account, ordered by date then id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDates {
    pub items: Vec<KeyDate>,
}

impl KeyDates {
    pub fn sort(&mut self) {
        self.items
            .sort_by(|a, b| a.on.cmp(&b.on).then(a.id.cmp(&b.id)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn kd(kind: KeyDateKind, on: NaiveDate, lead: u32) -> KeyDate {
        KeyDate {
            id: 1,
            account: AccountId(1),
            kind,
            on,
            lead_days: lead,
            note: String::new(),
        }
    }

    #[test]
    fn one_off_dates_show_from_the_lead_until_the_date() {
        let k = kd(KeyDateKind::Renewal, day(2026, 3, 31), 30);
        assert_eq!(k.due_within_lead(day(2026, 2, 28)), None);
        assert_eq!(k.due_within_lead(day(2026, 3, 1)), Some(day(2026, 3, 31)));
        assert_eq!(k.due_within_lead(day(2026, 3, 31)), Some(day(2026, 3, 31)));
        assert_eq!(k.due_within_lead(day(2026, 4, 1)), None);
    }

    #[test]
    fn contact_dates_come_back_every_year() {
        let k = kd(KeyDateKind::ContactDate, day(1980, 12, 2), 7);
        assert_eq!(k.due_within_lead(day(2026, 11, 25)), Some(day(2026, 12, 2)));
        assert_eq!(k.due_within_lead(day(2026, 12, 3)), None);
        // across the new year
        let k = kd(KeyDateKind::ContactDate, day(1975, 1, 3), 7);
        assert_eq!(k.due_within_lead(day(2026, 12, 30)), Some(day(2027, 1, 3)));
        // a leap-day birthday in a common year
        let k = kd(KeyDateKind::ContactDate, day(1984, 2, 29), 0);
        assert_eq!(k.next_on(day(2027, 2, 1)), day(2027, 2, 28));
    }
}
