//! Timeline entries: what each kind must carry, and dates that hang together.

use super::{FieldError, SATISFACTION, in_the_future};
use crate::domain::enums::InteractionKind;
use crate::domain::records::Interaction;
use crate::domain::text::{clean_line_in, clean_text_in};
use chrono::NaiveDate;

/// Cleans the text and checks the invariants every stored entry holds.
pub fn sanitize_interaction(i: &mut Interaction) -> Result<(), FieldError> {
    clean_text_in(&mut i.summary);
    clean_line_in(&mut i.author);
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
    // A survey is its score: without one it would say nothing to the
    // satisfaction measure.
    if i.kind == InteractionKind::Survey && i.satisfaction.is_none() {
        return Err(FieldError::new(
            "satisfaction",
            "a survey needs a satisfaction 1–5",
        ));
    }
    SATISFACTION.check("satisfaction", i.satisfaction)?;
    let day = i.day();
    if let Some(f) = i.follow_up.filter(|f| *f < day) {
        return Err(FieldError::new(
            "follow_up",
            format!("{f} is before the interaction's date {day}"),
        ));
    }
    Ok(())
}

/// Entry rule: an entry's day that is new or moved must not be after
/// `today` (a plan for later is a follow-up, not a timeline entry). Field
/// `at`, the record's (and import column's) name for the date.
pub fn check_interaction_entry(
    i: &Interaction,
    before: Option<&Interaction>,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let moved = before.is_none_or(|b| b.day() != i.day());
    if moved && i.day() > today {
        return Err(FieldError::new("at", in_the_future(i.day(), today)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountId, Money};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn orders_and_payments_carry_a_non_negative_amount() {
        let mut o = Interaction::new(AccountId(1), InteractionKind::Order, day(1));
        assert_eq!(
            sanitize_interaction(&mut o).unwrap_err(),
            FieldError::new("amount", "an order needs an amount")
        );
        let mut p = Interaction::new(AccountId(1), InteractionKind::Payment, day(1));
        assert_eq!(
            sanitize_interaction(&mut p).unwrap_err().reason,
            "a payment needs an amount"
        );
        o.amount = Some(Money::from_units(-5));
        assert!(
            sanitize_interaction(&mut o)
                .unwrap_err()
                .reason
                .contains("negative")
        );
        o.amount = Some(Money::from_units(5));
        assert!(sanitize_interaction(&mut o).is_ok());
        let mut note = Interaction::new(AccountId(1), InteractionKind::Note, day(1));
        assert!(
            sanitize_interaction(&mut note).is_ok(),
            "other kinds need none"
        );
    }

    #[test]
    fn surveys_carry_a_score_on_the_scale() {
        let mut s = Interaction::new(AccountId(1), InteractionKind::Survey, day(1));
        assert_eq!(
            sanitize_interaction(&mut s).unwrap_err().reason,
            "a survey needs a satisfaction 1–5"
        );
        s.satisfaction = Some(6);
        assert_eq!(
            sanitize_interaction(&mut s).unwrap_err().reason,
            "'6' is not a satisfaction 1–5"
        );
        s.satisfaction = Some(5);
        assert!(sanitize_interaction(&mut s).is_ok());
    }

    #[test]
    fn dates_hang_together_and_have_happened() {
        let mut i = Interaction::new(AccountId(1), InteractionKind::Call, day(20));
        i.follow_up = Some(day(19));
        assert_eq!(
            sanitize_interaction(&mut i).unwrap_err().reason,
            "2025-03-19 is before the interaction's date 2025-03-20"
        );
        i.follow_up = Some(day(20));
        assert!(sanitize_interaction(&mut i).is_ok(), "the same day is fine");
        let e = check_interaction_entry(&i, None, day(19)).unwrap_err();
        assert_eq!(e.field, "at");
        assert_eq!(
            e.reason,
            "2025-03-20 is in the future (today is 2025-03-19)"
        );
        assert!(check_interaction_entry(&i, None, day(20)).is_ok());
        assert!(
            check_interaction_entry(&i, Some(&i.clone()), day(19)).is_ok(),
            "an edit that keeps the day is not judged again"
        );
    }
}
