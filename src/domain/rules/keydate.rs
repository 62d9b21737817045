//! Key dates: a note without control characters, a lead of at most a year,
//! and a new or moved one-off date not in the past.

use super::FieldError;
use crate::domain::keydate::KeyDate;
use crate::domain::text::clean_text_in;
use chrono::NaiveDate;

/// A lead longer than this would keep a date on the agenda all year.
pub const MAX_LEAD_DAYS: u32 = 366;

pub fn sanitize_keydate(k: &mut KeyDate) -> Result<(), FieldError> {
    clean_text_in(&mut k.note);
    if k.lead_days > MAX_LEAD_DAYS {
        return Err(FieldError::new(
            "lead",
            format!("{} days is more than a year ({MAX_LEAD_DAYS})", k.lead_days),
        ));
    }
    Ok(())
}

/// Entry rule: a one-off date that is new or moved must not be before
/// `today` (a yearly date such as a birthday is in the past by nature).
pub fn check_keydate_entry(
    k: &KeyDate,
    before: Option<&KeyDate>,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let moved = before.is_none_or(|b| b.on != k.on);
    if moved && !k.kind.yearly() && k.on < today {
        return Err(FieldError::new(
            "on",
            format!("{} is in the past (today is {today})", k.on),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountId;
    use crate::domain::keydate::KeyDateKind;

    #[test]
    fn leads_up_to_a_year_and_one_off_dates_ahead() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let mut k = KeyDate {
            id: 0,
            account: AccountId(1),
            kind: KeyDateKind::Renewal,
            on: day(1),
            lead_days: 400,
            note: "a\u{7}b".into(),
        };
        assert_eq!(sanitize_keydate(&mut k).unwrap_err().field, "lead");
        assert_eq!(k.note, "ab");
        let e = check_keydate_entry(&k, None, day(2)).unwrap_err();
        assert_eq!(e.reason, "2026-03-01 is in the past (today is 2026-03-02)");
        // unchanged on an edit: not judged
        assert!(check_keydate_entry(&k, Some(&k), day(2)).is_ok());
        k.kind = KeyDateKind::ContactDate;
        assert!(check_keydate_entry(&k, None, day(2)).is_ok());
    }
}
