//! A form's text to a record and back to the words of a refusal: each
//! field's text is read on its own (format, required), then the record is
//! built and checked by the domain's rule book — the same rules, with the
//! same words, that import and every other write path apply.

use super::schema::{Field, FieldKind};
use super::{Form, FormKind};
use crate::book::WriteOp;
use crate::clock::parse_date;
use crate::domain::rules::{RATING, SATISFACTION, Scale};
use crate::domain::{
    Account, AccountStatus, Contact, ContactRole, FieldError, FollowUp, FollowUpId, Interaction,
    InteractionKind, KeyDate, KeyDateKind, Money, Orientation, Profile, check_account_entry,
    check_followup_entry, check_interaction_entry, check_keydate_entry, sanitize_account,
    sanitize_contact, sanitize_followup, sanitize_interaction, sanitize_keydate, validate_key,
};
use chrono::NaiveDate;

/// A checked record ready to be written through the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Account(Box<Account>),
    Interaction(Box<Interaction>),
    Contact(Box<Contact>),
    FollowUp(Box<FollowUp>),
    /// New (id 0) or edited key date.
    KeyDate(Box<KeyDate>),
}

impl Record {
    /// The write for this record; an account edit carries the account as
    /// the form read it, so a change made meanwhile is merged, not lost.
    pub fn into_op(self, base: Option<Account>) -> WriteOp {
        match self {
            Record::Account(a) => WriteOp::SaveAccount { base, account: *a },
            Record::Interaction(i) => WriteOp::AddInteraction { interaction: *i },
            Record::Contact(c) => WriteOp::SaveContact {
                base: None,
                contact: *c,
            },
            Record::FollowUp(f) => WriteOp::SaveFollowUp {
                base: None,
                followup: *f,
            },
            Record::KeyDate(k) => WriteOp::SaveKeyDate { key_date: *k },
        }
    }
}

/// The form field a rule's field name is shown on (the record calls an
/// entry's date `at`, as the import column does; the form says "date").
pub(super) fn form_field(rule_field: &str) -> &str {
    match rule_field {
        "at" => "date",
        other => other,
    }
}

fn scale_of(f: &Field) -> Scale {
    if f.name == "satisfaction" {
        SATISFACTION
    } else {
        RATING
    }
}

/// The field on its own: format and required-ness. Rules about the record
/// are the domain's, applied in `to_record`.
pub(super) fn check_field(f: &Field) -> Result<(), String> {
    let v = f.value().trim();
    if v.is_empty() {
        return if f.is_required() {
            Err("required".into())
        } else {
            Ok(())
        };
    }
    match f.kind {
        FieldKind::Text | FieldKind::Notes => {
            if f.name == "key" {
                validate_key(v).map_err(|e| e.reason)?;
            }
            Ok(())
        }
        FieldKind::Choice(c) => {
            let names = c.names();
            if names.split(", ").any(|n| n.eq_ignore_ascii_case(v)) {
                Ok(())
            } else {
                Err(format!("'{v}' is not one of: {names}"))
            }
        }
        FieldKind::Date => parse_date(v)
            .map(|_| ())
            .ok_or_else(|| format!("'{v}' is not a date YYYY-MM-DD")),
        FieldKind::Money => Money::parse(v).map(|_| ()).map_err(|e| e.to_string()),
        FieldKind::Rating => scale_of(f).parse(v).map(|_| ()),
        FieldKind::YesNo => {
            if matches!(
                v.to_ascii_lowercase().as_str(),
                "y" | "yes" | "n" | "no" | "true" | "false" | "1" | "0"
            ) {
                Ok(())
            } else {
                Err("answer yes or no".into())
            }
        }
        FieldKind::Days => v
            .parse::<u32>()
            .map(|_| ())
            .map_err(|_| format!("'{v}' is not a number of days")),
    }
}

fn rating(s: &str) -> Option<u8> {
    s.trim().parse().ok()
}

fn money(s: &str) -> Option<Money> {
    if s.trim().is_empty() {
        None
    } else {
        Money::parse(s).ok()
    }
}

fn yes(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "true" | "1"
    )
}

/// Builds the record from fields that passed `check_field` and applies the
/// domain's rules to it (invariants, then the entry rules as of `today`).
pub(super) fn to_record(form: &Form, today: NaiveDate, user: &str) -> Result<Record, FieldError> {
    let get = |name: &str| form.get(name);
    match &form.kind {
        FormKind::Account(existing) => {
            let mut a = existing.as_deref().cloned().unwrap_or_default();
            a.key = get("key").to_string();
            a.name = get("name").to_string();
            a.owner = get("owner").to_string();
            a.backup_owner = get("backup_owner").to_string();
            a.industry = get("industry").to_string();
            a.region = get("region").to_string();
            a.status = AccountStatus::parse(get("status")).unwrap_or_default();
            a.since = parse_date(get("since"));
            a.orientation = Orientation::parse(get("orientation"));
            a.ratings.potential = rating(get("potential"));
            a.ratings.loyalty = rating(get("loyalty"));
            a.ratings.strategic_fit = rating(get("strategic_fit"));
            a.ratings.tech_cooperation = rating(get("tech_cooperation"));
            a.tags = get("tags")
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            for section in Profile::SECTIONS {
                if let Some(s) = a.profile.get_mut(section) {
                    *s = get(section).to_string();
                }
            }
            sanitize_account(&mut a)?;
            check_account_entry(&a, existing.as_deref(), today)?;
            Ok(Record::Account(Box::new(a)))
        }
        FormKind::Interaction(account) => {
            let kind = InteractionKind::parse(get("kind")).unwrap_or(InteractionKind::Note);
            let day = parse_date(get("date")).unwrap_or(today);
            let mut i = Interaction::new(*account, kind, day);
            i.summary = get("summary").to_string();
            i.author = user.to_string();
            i.amount = money(get("amount"));
            i.margin = money(get("margin"));
            i.due = parse_date(get("due"));
            i.paid_at = parse_date(get("paid_at"));
            i.satisfaction = rating(get("satisfaction"));
            i.follow_up = parse_date(get("follow_up"));
            sanitize_interaction(&mut i)?;
            check_interaction_entry(&i, None, today)?;
            Ok(Record::Interaction(Box::new(i)))
        }
        FormKind::Contact(account) => {
            let mut c = Contact {
                account: *account,
                name: get("name").to_string(),
                title: get("title").to_string(),
                role: ContactRole::parse(get("role")).unwrap_or_default(),
                email: get("email").to_string(),
                phone: get("phone").to_string(),
                primary: yes(get("primary")),
                backup: yes(get("backup")),
                left_at: parse_date(get("left_at")),
                ..Default::default()
            };
            sanitize_contact(&mut c)?;
            Ok(Record::Contact(Box::new(c)))
        }
        FormKind::FollowUp(account) => {
            let mut f = FollowUp {
                id: FollowUpId(0),
                version: 0,
                account: *account,
                due: parse_date(get("due")).unwrap_or(today),
                assignee: get("assignee").to_string(),
                note: get("note").to_string(),
                done_at: None,
            };
            check_followup_entry(&f, None, today)?;
            sanitize_followup(&mut f)?;
            Ok(Record::FollowUp(Box::new(f)))
        }
        FormKind::KeyDate(before) => {
            let kind = KeyDateKind::parse(get("kind")).unwrap_or(KeyDateKind::Renewal);
            let lead = get("lead").trim().parse().ok();
            let mut k = KeyDate {
                kind,
                on: parse_date(get("on")).unwrap_or(today),
                lead_days: crate::book::keydates::lead_or_default(kind, lead),
                note: get("note").to_string(),
                ..(**before).clone()
            };
            sanitize_keydate(&mut k)?;
            // The same rules the book applies: a moved date is checked
            // against the one stored (id 0: new, nothing stored).
            let stored = (before.id != 0).then_some(&**before);
            check_keydate_entry(&k, stored, today)?;
            Ok(Record::KeyDate(Box::new(k)))
        }
    }
}
