//! The one rule book: every check a record must pass before it is stored,
//! whichever front end it came from (form, import, team client, CLI), with
//! the same words everywhere. Forms show a rule's reason next to the field it
//! names; import reports it as `FILE:LINE: column: reason`; the book and the
//! store refuse the write with it.
//!
//! Two kinds of rules:
//! * invariants (`sanitize_*`): hold for every stored record. The store
//!   applies them on every write, so no path can skip them.
//! * entry rules (`check_*_entry`): judge what a user enters against today
//!   (a date in the future, a follow-up due in the past). They judge only
//!   what a write changes — a new record, or a date an edit moves — so that
//!   completing an old follow-up, undoing a change or re-saving an account
//!   is never refused because time moved on. Today is passed in: the domain
//!   has no clock (the one clock is `crate::clock`).

mod account;
mod contact;
mod followup;
mod interaction;
pub mod keydate;

pub use account::{check_account_entry, sanitize_account, validate_key};
pub use contact::sanitize_contact;
pub use followup::{check_followup_entry, sanitize_followup};
pub use interaction::{check_interaction_entry, sanitize_interaction};

/// A field-level problem: which field and why, in words for a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        FieldError {
            field,
            reason: reason.into(),
        }
    }
}

/// A small whole-number scale (ratings, satisfaction): one wording for a bad
/// value whether it was typed in a form, read from a CSV cell or sent by a
/// client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub what: &'static str,
    pub min: u8,
    pub max: u8,
}

/// Manual account ratings: 0–5, blank = not rated.
pub const RATING: Scale = Scale {
    what: "rating",
    min: 0,
    max: 5,
};

/// Survey satisfaction: 1–5.
pub const SATISFACTION: Scale = Scale {
    what: "satisfaction",
    min: 1,
    max: 5,
};

impl Scale {
    /// `'9' is not a rating 0–5`.
    pub fn refusal(&self, shown: &str) -> String {
        format!("'{shown}' is not a {} {}–{}", self.what, self.min, self.max)
    }

    /// Text as typed: blank is absent, anything else must be on the scale.
    pub fn parse(&self, text: &str) -> Result<Option<u8>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<u8>() {
            Ok(n) if (self.min..=self.max).contains(&n) => Ok(Some(n)),
            _ => Err(self.refusal(t)),
        }
    }

    /// A stored value must be on the scale.
    pub fn check(&self, field: &'static str, v: Option<u8>) -> Result<(), FieldError> {
        match v {
            Some(n) if !(self.min..=self.max).contains(&n) => {
                Err(FieldError::new(field, self.refusal(&n.to_string())))
            }
            _ => Ok(()),
        }
    }

    /// What a form shows under the field: `0–5 or blank`.
    pub fn hint(&self) -> String {
        format!("{}–{} or blank", self.min, self.max)
    }
}

/// `2025-03-02 is in the future (today is 2025-03-01)`.
pub(crate) fn in_the_future(day: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    format!("{day} is in the future (today is {today})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_says_the_same_for_text_and_stored_values() {
        assert_eq!(RATING.parse(" "), Ok(None));
        assert_eq!(RATING.parse("0"), Ok(Some(0)));
        assert_eq!(RATING.parse("9"), Err("'9' is not a rating 0–5".into()));
        assert_eq!(RATING.parse("x"), Err("'x' is not a rating 0–5".into()));
        assert_eq!(
            SATISFACTION.check("satisfaction", Some(0)).unwrap_err(),
            FieldError::new("satisfaction", "'0' is not a satisfaction 1–5")
        );
        assert_eq!(SATISFACTION.parse("0"), Err(SATISFACTION.refusal("0")));
        assert_eq!(SATISFACTION.hint(), "1–5 or blank");
    }
}
