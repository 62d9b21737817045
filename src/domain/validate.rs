//! Cleaning and checking records before they are stored, whatever their
//! source (form, import, team client).

use super::enums::InteractionKind;
use super::records::{Account, Contact, Interaction, Ratings};
use super::text::{clean_line, clean_text};

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

fn check_rating(field: &'static str, v: Option<u8>) -> Result<(), FieldError> {
    match v {
        Some(n) if n > 5 => Err(FieldError::new(field, format!("{n} is not a rating 0–5"))),
        _ => Ok(()),
    }
}

fn check_ratings(r: &Ratings) -> Result<(), FieldError> {
    check_rating("potential", r.potential)?;
    check_rating("loyalty", r.loyalty)?;
    check_rating("strategic_fit", r.strategic_fit)?;
    check_rating("tech_cooperation", r.tech_cooperation)
}

/// Strips control and bidi characters from every text field and checks the
/// invariants a stored account must hold.
pub fn sanitize_account(a: &mut Account) -> Result<(), FieldError> {
    a.key = clean_line(&a.key);
    a.name = clean_line(&a.name);
    a.owner = clean_line(&a.owner);
    a.backup_owner = clean_line(&a.backup_owner);
    a.industry = clean_line(&a.industry);
    a.region = clean_line(&a.region);
    for s in [
        &mut a.profile.background,
        &mut a.profile.finance,
        &mut a.profile.organisation,
        &mut a.profile.competitors,
        &mut a.profile.suppliers,
        &mut a.profile.downstream,
        &mut a.profile.plans,
        &mut a.profile.needs,
    ] {
        *s = clean_text(s);
    }
    a.tags = a
        .tags
        .iter()
        .map(|t| clean_line(t))
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(p) = a.pin.as_mut() {
        p.tier = clean_line(&p.tier);
        p.reason = clean_text(&p.reason);
        p.by = clean_line(&p.by);
    }
    validate_key(&a.key)?;
    if a.name.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    check_ratings(&a.ratings)
}

pub fn sanitize_contact(c: &mut Contact) -> Result<(), FieldError> {
    c.name = clean_line(&c.name);
    c.title = clean_line(&c.title);
    c.email = clean_line(&c.email);
    c.phone = clean_line(&c.phone);
    if c.name.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    Ok(())
}

pub fn sanitize_interaction(i: &mut Interaction) -> Result<(), FieldError> {
    i.summary = clean_text(&i.summary);
    i.author = clean_line(&i.author);
    // Money moves only with an amount: revenue and receivables are read
    // from it, so an order or payment without one would silently count 0.
    let what = match i.kind {
        InteractionKind::Order => Some("an order"),
        InteractionKind::Payment => Some("a payment"),
        _ => None,
    };
    if let Some(what) = what {
        match i.amount {
            None => return Err(FieldError::new("amount", format!("{what} needs an amount"))),
            Some(a) if a.is_negative() => {
                return Err(FieldError::new(
                    "amount",
                    format!("{what} amount must not be negative"),
                ));
            }
            _ => {}
        }
    }
    if let Some(s) = i.satisfaction
        && !(1..=5).contains(&s)
    {
        return Err(FieldError::new(
            "satisfaction",
            format!("{s} is not a satisfaction 1–5"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(sanitize_account(&mut a).unwrap_err().field, "loyalty");
    }

    #[test]
    fn orders_and_payments_carry_a_non_negative_amount() {
        use crate::domain::{AccountId, Money};
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let mut o = Interaction::new(AccountId(1), InteractionKind::Order, day);
        assert_eq!(sanitize_interaction(&mut o).unwrap_err().field, "amount");
        o.amount = Some(Money::from_units(-5));
        assert!(
            sanitize_interaction(&mut o)
                .unwrap_err()
                .reason
                .contains("negative")
        );
        o.amount = Some(Money::from_units(5));
        assert!(sanitize_interaction(&mut o).is_ok());
        let mut note = Interaction::new(AccountId(1), InteractionKind::Note, day);
        assert!(
            sanitize_interaction(&mut note).is_ok(),
            "other kinds need none"
        );
    }

    #[test]
    fn keys_must_be_visible_words() {
        assert!(validate_key("ACME-001").is_ok());
        assert!(validate_key("a b").is_err());
        assert!(validate_key("").is_err());
    }
}
