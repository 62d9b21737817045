//! Manual follow-ups: someone to do them, on a day still ahead.

use super::FieldError;
use crate::domain::records::FollowUp;
use crate::domain::text::{clean_line_in, clean_text_in};
use chrono::NaiveDate;

pub fn sanitize_followup(f: &mut FollowUp) -> Result<(), FieldError> {
    clean_line_in(&mut f.assignee);
    clean_text_in(&mut f.note);
    if f.assignee.is_empty() {
        return Err(FieldError::new("assignee", "must not be empty"));
    }
    Ok(())
}

/// Entry rule: a due day that is new or moved must not be before `today`
/// (an overdue follow-up may be completed or left as it is).
pub fn check_followup_entry(
    f: &FollowUp,
    before: Option<&FollowUp>,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let moved = before.is_none_or(|b| b.due != f.due);
    if moved && f.due < today {
        return Err(FieldError::new(
            "due",
            format!("{} is in the past (today is {today})", f.due),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountId, FollowUpId};

    #[test]
    fn due_days_ahead_and_an_assignee() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
        let mut f = FollowUp {
            id: FollowUpId(0),
            version: 0,
            account: AccountId(1),
            due: day(1),
            assignee: " \u{7}".into(),
            note: String::new(),
            done_at: None,
        };
        assert_eq!(sanitize_followup(&mut f).unwrap_err().field, "assignee");
        let e = check_followup_entry(&f, None, day(2)).unwrap_err();
        assert_eq!(e.reason, "2025-03-01 is in the past (today is 2025-03-02)");
        // Completing an overdue one leaves its day alone: not judged.
        let mut done = f.clone();
        done.done_at = Some(day(2));
        assert!(check_followup_entry(&done, Some(&f), day(2)).is_ok());
    }
}
