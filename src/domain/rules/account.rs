//! Accounts: a visible key, a name, ratings on their scale, a customer-since
//! date that has happened.

use super::{FieldError, RATING, in_the_future};
use crate::domain::records::Account;
use crate::domain::text::{clean_line_in, clean_text_in};
use chrono::NaiveDate;

/// Account keys are short, visible identifiers: no spaces, no controls.
pub fn validate_key(key: &str) -> Result<(), FieldError> {
    if key.is_empty() {
        return Err(FieldError::new("key", "must not be empty"));
    }
    if key.chars().count() > 64 {
        return Err(FieldError::new("key", "at most 64 characters"));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new("key", "must not contain spaces"));
    }
    Ok(())
}

/// Strips control and bidi characters from every text field and checks the
/// invariants a stored account must hold.
pub fn sanitize_account(a: &mut Account) -> Result<(), FieldError> {
    clean_line_in(&mut a.key);
    clean_line_in(&mut a.name);
    clean_line_in(&mut a.owner);
    clean_line_in(&mut a.backup_owner);
    clean_line_in(&mut a.industry);
    clean_line_in(&mut a.region);
    if let Some(text) = a.profile.text_mut() {
        for s in text.sections_mut() {
            clean_text_in(s);
        }
    }
    a.profile.compact();
    for t in &mut a.tags {
        clean_line_in(t);
    }
    a.tags.retain(|t| !t.is_empty());
    if let Some(p) = a.pin.as_mut() {
        clean_line_in(&mut p.tier);
        clean_text_in(&mut p.reason);
        clean_line_in(&mut p.by);
    }
    validate_key(&a.key)?;
    if a.name.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    RATING.check("potential", a.ratings.potential)?;
    RATING.check("loyalty", a.ratings.loyalty)?;
    RATING.check("strategic_fit", a.ratings.strategic_fit)?;
    RATING.check("tech_cooperation", a.ratings.tech_cooperation)
}

/// Entry rule: a customer-since date that is new or moved must not be after
/// `today`. `before` is the account as stored (None for a new one).
pub fn check_account_entry(
    a: &Account,
    before: Option<&Account>,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let moved = before.is_none_or(|b| b.since != a.since);
    if let Some(since) = a.since.filter(|d| moved && *d > today) {
        return Err(FieldError::new("since", in_the_future(since, today)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn account_text_is_cleaned_and_checked() {
        let mut a = Account {
            key: "AC-1".into(),
            name: "Acme\u{202E} 公司\u{1b}".into(),
            tags: vec!["vip".into(), "\u{7}".into()],
            ..Default::default()
        };
        sanitize_account(&mut a).unwrap();
        assert_eq!(a.name, "Acme 公司");
        assert_eq!(a.tags, vec!["vip".to_string()]);
        a.ratings.loyalty = Some(6);
        let e = sanitize_account(&mut a).unwrap_err();
        assert_eq!(
            (e.field, e.reason.as_str()),
            ("loyalty", "'6' is not a rating 0–5")
        );
    }

    #[test]
    fn keys_must_be_visible_words() {
        assert!(validate_key("ACME-001").is_ok());
        assert!(validate_key("a b").is_err());
        assert!(validate_key("").is_err());
    }

    #[test]
    fn customer_since_must_have_happened_when_entered() {
        let mut a = Account {
            since: Some(day(2)),
            ..Default::default()
        };
        let e = check_account_entry(&a, None, day(1)).unwrap_err();
        assert_eq!(e.field, "since");
        assert_eq!(
            e.reason,
            "2025-03-02 is in the future (today is 2025-03-01)"
        );
        assert!(
            check_account_entry(&a, None, day(2)).is_ok(),
            "today is fine"
        );
        // An edit that leaves the date alone is not judged again.
        let stored = a.clone();
        a.name = "renamed".into();
        assert!(check_account_entry(&a, Some(&stored), day(1)).is_ok());
    }
}
