//! The forms (new/edit account, interaction, contact, follow-up, key date): the state
//! of one open form — its fields, focus, errors next to the fields, and a
//! merge onto someone else's newer version. What fields a form has is
//! `schema`; turning text into a checked record is `convert`, which asks the
//! domain's rule book (the rules themselves live in `crate::domain::rules`).

mod convert;
mod schema;

pub use convert::Record;
pub use schema::{Choices, Conflict, Field, FieldKind, LABEL_MAX};

use crate::domain::{Account, AccountId, FollowUpId, InteractionKind, KeyDate, KeyDateKind};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    Account(Option<Box<Account>>),
    Interaction(AccountId),
    Contact(AccountId),
    FollowUp(AccountId),
    /// A key date as it was read (id 0: a new one for its account).
    KeyDate(Box<KeyDate>),
}

/// Some fields are bad; each carries its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub title: String,
    /// Why the form was opened (an agenda item), shown under the title.
    pub subtitle: Option<String>,
    /// The follow-up this entry answers (a touch logged from a follow-up on
    /// the agenda): saving the entry completes it too.
    pub completes: Option<FollowUpId>,
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    initial: Vec<String>,
}

impl Form {
    fn build(title: String, kind: FormKind, fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(|f| f.value().to_string()).collect();
        Form {
            title,
            subtitle: None,
            completes: None,
            kind,
            fields,
            focus: 0,
            initial,
        }
    }

    /// New account (owner defaults to me) or edit of an existing one.
    pub fn account(existing: Option<&Account>, user: &str) -> Form {
        let blank = Account {
            owner: user.to_string(),
            ..Default::default()
        };
        let fields = schema::account_fields(existing.unwrap_or(&blank));
        let title = match existing {
            Some(a) => format!("Edit account {}", a.key),
            None => "New account".to_string(),
        };
        Form::build(
            title,
            FormKind::Account(existing.cloned().map(Box::new)),
            fields,
        )
    }

    /// A timeline entry, prefilled with `kind` and today's date.
    pub fn interaction(
        account: AccountId,
        label: &str,
        kind: InteractionKind,
        today: NaiveDate,
    ) -> Form {
        Form::build(
            format!("Add interaction — {label}"),
            FormKind::Interaction(account),
            schema::interaction_fields(kind, today),
        )
    }

    pub fn contact(account: AccountId, label: &str) -> Form {
        Form::build(
            format!("Add contact — {label}"),
            FormKind::Contact(account),
            schema::contact_fields(),
        )
    }

    pub fn followup(account: AccountId, label: &str, user: &str, due: NaiveDate) -> Form {
        Form::build(
            format!("Add follow-up — {label}"),
            FormKind::FollowUp(account),
            schema::followup_fields(user, due),
        )
    }

    /// A new key date of `account` (None) or an edit of a stored one.
    pub fn key_date(account: AccountId, label: &str, existing: Option<&KeyDate>) -> Form {
        let new = KeyDate {
            id: 0,
            account,
            kind: KeyDateKind::Renewal,
            on: NaiveDate::MIN,
            lead_days: 0,
            note: String::new(),
        };
        let k = existing.unwrap_or(&new);
        let title = match existing {
            Some(_) => format!("Edit key date — {label}"),
            None => format!("Add key date — {label}"),
        };
        Form::build(
            title,
            FormKind::KeyDate(Box::new(k.clone())),
            schema::keydate_fields(k, existing.is_none()),
        )
    }

    /// The account a form is about (None: a new account).
    pub fn account_id(&self) -> Option<AccountId> {
        match &self.kind {
            FormKind::Account(a) => a.as_ref().map(|a| a.id),
            FormKind::Interaction(id) | FormKind::Contact(id) | FormKind::FollowUp(id) => Some(*id),
            FormKind::KeyDate(k) => Some(k.account),
        }
    }

    /// Changed since it was opened (Esc then asks before discarding).
    pub fn is_dirty(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|(f, i)| f.value() != i)
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn focused_mut(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn next_field(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev_field(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value())
            .unwrap_or("")
    }

    pub fn set(&mut self, name: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.edit.set(value);
        }
    }

    /// Puts a reason from outside (the store refused the record) next to
    /// the field it is about and focuses it. False if there is no such field.
    pub fn set_error(&mut self, name: &str, reason: &str) -> bool {
        match self.fields.iter().position(|f| f.name == name) {
            Some(i) => {
                self.fields[i].error = Some(reason.to_string());
                self.focus = i;
                true
            }
            None => false,
        }
    }

    /// The reason shown next to field `name`, if any.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.error.as_deref())
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    /// The account as it was read, for an edit (the base of a merge).
    pub fn base_account(&self) -> Option<&Account> {
        match &self.kind {
            FormKind::Account(a) => a.as_deref(),
            _ => None,
        }
    }

    pub fn conflicts(&self) -> usize {
        self.fields.iter().filter(|f| f.conflict.is_some()).count()
    }

    /// Moves an account edit onto `current`, the stored version someone
    /// else saved meanwhile: fields I did not touch take their value; fields
    /// both changed to different values are marked with both values for the
    /// user to choose. Returns how many conflict.
    pub fn rebase(&mut self, current: &Account) -> usize {
        let fresh = Form::account(Some(current), "");
        if fresh.fields.len() != self.fields.len() || self.base_account().is_none() {
            return 0;
        }
        let mut first = None;
        for (i, (field, theirs)) in self.fields.iter_mut().zip(&fresh.fields).enumerate() {
            let base = &self.initial[i];
            let (mine, theirs) = (field.value().to_string(), theirs.value().to_string());
            if mine == *base {
                field.edit.set(&theirs);
            } else if theirs != *base && theirs != mine {
                field.conflict = Some(Conflict { theirs, mine });
                first.get_or_insert(i);
            }
        }
        self.initial = fresh.initial;
        self.kind = fresh.kind;
        if let Some(i) = first {
            self.focus = i;
        }
        self.check_fields();
        self.conflicts()
    }

    /// Resolves the focused field's conflict with my value or theirs.
    pub fn resolve_focused(&mut self, take_theirs: bool) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return false;
        };
        let Some(c) = f.conflict.take() else {
            return false;
        };
        f.edit.set(if take_theirs { &c.theirs } else { &c.mine });
        self.check_fields();
        true
    }

    /// The next field with an unresolved conflict, after the focused one.
    pub fn next_conflict(&mut self) {
        let n = self.fields.len();
        if let Some(i) = (1..=n)
            .map(|k| (self.focus + k) % n)
            .find(|i| self.fields[*i].conflict.is_some())
        {
            self.focus = i;
        }
    }

    /// Re-checks every field on its own (shown inline while typing).
    pub fn check_fields(&mut self) {
        for f in &mut self.fields {
            f.error = convert::check_field(f).err();
        }
    }

    /// Checks everything and builds the record; on failure the reasons are
    /// set on the fields and the first bad field is focused.
    pub fn submit(&mut self, today: NaiveDate, user: &str) -> Result<Record, Invalid> {
        if let Some(i) = self.fields.iter().position(|f| f.conflict.is_some()) {
            // Nothing is saved over a conflict the user has not looked at.
            self.focus = i;
            return Err(Invalid);
        }
        self.check_fields();
        if !self.has_errors() {
            match convert::to_record(self, today, user) {
                Ok(r) => return Ok(r),
                Err(e) => {
                    // A rule about a field the form does not show lands on
                    // the first field, with the field named.
                    let name = convert::form_field(e.field);
                    match self.fields.iter().position(|f| f.name == name) {
                        Some(i) => self.fields[i].error = Some(e.reason),
                        None => {
                            if let Some(f) = self.fields.first_mut() {
                                f.error = Some(e.to_string());
                            }
                        }
                    }
                }
            }
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
        Err(Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactRole, Money};

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
    }

    #[test]
    fn account_form_builds_a_clean_account() {
        let mut f = Form::account(None, "li");
        assert!(!f.is_dirty());
        f.set("key", "NEW-1");
        f.set("name", "New\u{1b} Co");
        f.set("tags", "vip, , steel");
        f.set("background", "line one\nline two");
        assert!(f.is_dirty());
        let Record::Account(a) = f.submit(day(), "li").unwrap() else {
            panic!("not an account")
        };
        assert_eq!(a.name, "New Co");
        assert_eq!(a.owner, "li");
        assert_eq!(a.tags, vec!["vip", "steel"]);
        assert_eq!(a.profile.background, "line one\nline two");
    }

    #[test]
    fn bad_fields_get_reasons_and_focus() {
        let mut f = Form::account(None, "li");
        f.set("name", "X");
        f.set("key", "has space");
        f.set("since", "01/02/2025");
        f.set("loyalty", "9");
        assert!(f.submit(day(), "li").is_err());
        let err = |n: &str| f.fields.iter().find(|x| x.name == n).unwrap().error.clone();
        assert_eq!(err("key").as_deref(), Some("must not contain spaces"));
        assert!(err("since").unwrap().contains("not a date"));
        assert!(err("loyalty").unwrap().contains("0–5"));
        assert_eq!(f.focus, 0);
    }

    #[test]
    fn customer_since_in_the_future_is_refused_with_a_reason() {
        let mut f = Form::account(None, "li");
        f.set("key", "NEW-1");
        f.set("name", "New Co");
        f.set("since", "2025-03-02");
        assert!(f.submit(day(), "li").is_err());
        let e = f.fields[f.focus].error.clone().unwrap();
        assert_eq!(f.fields[f.focus].name, "since");
        assert!(e.contains("in the future"), "{e}");
        f.set("since", "2025-03-01");
        assert!(f.submit(day(), "li").is_ok(), "today is fine");
    }

    #[test]
    fn every_label_fits_the_label_column() {
        let forms = [
            Form::account(None, "li"),
            Form::interaction(AccountId(1), "A", InteractionKind::Call, day()),
            Form::contact(AccountId(1), "A"),
            Form::followup(AccountId(1), "A", "li", day()),
            Form::key_date(AccountId(1), "A", None),
        ];
        for f in forms.iter().flat_map(|f| &f.fields) {
            assert!(
                crate::tui::text::width(f.label) <= LABEL_MAX,
                "label {:?} is cut",
                f.label
            );
        }
    }

    #[test]
    fn order_needs_an_amount_and_keeps_money_exact() {
        let mut f = Form::interaction(AccountId(7), "A", InteractionKind::Order, day());
        assert!(f.submit(day(), "li").is_err());
        assert!(
            f.fields
                .iter()
                .any(|x| x.name == "amount" && x.error.is_some())
        );
        f.set("amount", "1234.5");
        let Record::Interaction(i) = f.submit(day(), "li").unwrap() else {
            panic!()
        };
        assert_eq!(i.amount, Some(Money::from_cents(123_450)));
        assert_eq!(i.account, AccountId(7));
        assert_eq!(i.author, "li");
    }

    #[test]
    fn rebase_takes_their_untouched_fields_and_marks_both_changed_ones() {
        let base = Account {
            id: AccountId(1),
            version: 1,
            key: "A".into(),
            name: "Acme".into(),
            region: "east".into(),
            industry: "steel".into(),
            ..Default::default()
        };
        let mut f = Form::account(Some(&base), "li");
        f.set("name", "Acme Group");
        f.set("region", "north");
        let mut current = base.clone();
        current.version = 2;
        current.region = "west".into();
        current.industry = "chemicals".into();
        assert_eq!(f.rebase(&current), 1);
        assert_eq!(f.get("industry"), "chemicals");
        assert_eq!(f.get("name"), "Acme Group");
        assert_eq!(f.fields[f.focus].name, "region", "focus on the conflict");
        assert!(f.submit(day(), "li").is_err(), "unresolved conflict");
        assert!(f.resolve_focused(true));
        assert_eq!(f.conflicts(), 0);
        let Record::Account(a) = f.submit(day(), "li").unwrap() else {
            panic!()
        };
        assert_eq!(a.version, 2, "saved against the current version");
        assert_eq!(
            (a.region.as_str(), a.name.as_str(), a.industry.as_str()),
            ("west", "Acme Group", "chemicals")
        );
        assert_eq!(f.base_account().unwrap().version, 2);
    }

    #[test]
    fn follow_up_dates_before_their_start_are_refused_with_a_reason() {
        let mut f = Form::interaction(AccountId(1), "A", InteractionKind::Call, day());
        f.set("date", "2025-02-20");
        f.set("follow_up", "2025-02-19");
        assert!(f.submit(day(), "li").is_err());
        assert_eq!(f.fields[f.focus].name, "follow_up");
        let e = f.fields[f.focus].error.clone().unwrap();
        assert!(
            e.contains("before the interaction's date 2025-02-20"),
            "{e}"
        );
        f.set("follow_up", "2025-02-20");
        assert!(f.submit(day(), "li").is_ok(), "the same day is fine");

        let mut u = Form::followup(AccountId(1), "A", "li", day());
        u.set("due", "2025-02-28");
        assert!(u.submit(day(), "li").is_err());
        assert_eq!(u.fields[u.focus].name, "due");
        let e = u.fields[u.focus].error.clone().unwrap();
        assert!(e.contains("in the past (today is 2025-03-01)"), "{e}");
        u.set("due", "2025-03-01");
        assert!(u.submit(day(), "li").is_ok(), "today is fine");
    }

    #[test]
    fn contact_and_followup_forms() {
        let mut c = Form::contact(AccountId(1), "A");
        c.set("name", "Wang");
        c.set("role", "executive");
        c.set("primary", "yes");
        let Record::Contact(c) = c.submit(day(), "li").unwrap() else {
            panic!()
        };
        assert!(c.primary && c.role == ContactRole::Executive);
        let mut f = Form::followup(AccountId(1), "A", "li", day());
        f.set("note", "call back");
        let Record::FollowUp(f) = f.submit(day(), "li").unwrap() else {
            panic!()
        };
        assert_eq!(f.due, day());
        assert_eq!(f.assignee, "li");
    }

    #[test]
    fn the_domain_rules_show_on_their_fields() {
        // "a payment", not "an payment": the words are the domain's.
        let mut p = Form::interaction(AccountId(1), "A", InteractionKind::Payment, day());
        assert!(p.submit(day(), "li").is_err());
        assert_eq!(p.error("amount"), Some("a payment needs an amount"));
        // A survey needs its score, on the scale.
        let mut s = Form::interaction(AccountId(1), "A", InteractionKind::Survey, day());
        assert!(s.submit(day(), "li").is_err());
        assert_eq!(
            s.error("satisfaction"),
            Some("a survey needs a satisfaction 1–5")
        );
        s.set("satisfaction", "9");
        assert!(s.submit(day(), "li").is_err());
        assert_eq!(
            s.error("satisfaction"),
            Some("'9' is not a satisfaction 1–5")
        );
        s.set("satisfaction", "4");
        assert!(s.submit(day(), "li").is_ok());
        // An entry dated after today is refused on its date field.
        let mut c = Form::interaction(AccountId(1), "A", InteractionKind::Call, day());
        c.set("date", "2025-03-02");
        assert!(c.submit(day(), "li").is_err());
        assert_eq!(c.fields[c.focus].name, "date");
        assert_eq!(
            c.error("date"),
            Some("2025-03-02 is in the future (today is 2025-03-01)")
        );
    }

    #[test]
    fn key_date_form_defaults_the_lead_by_kind_and_applies_the_rules() {
        use crate::domain::KeyDateKind;
        let mut f = Form::key_date(AccountId(3), "A", None);
        assert!(f.submit(day(), "li").is_err(), "the date is required");
        assert_eq!(f.error("on"), Some("required"));
        f.set("kind", "expiry");
        f.set("on", "2025-06-30");
        f.set("note", "frame\u{1b} contract");
        let Record::KeyDate(k) = f.submit(day(), "li").unwrap() else {
            panic!("not a key date")
        };
        assert_eq!((k.id, k.account), (0, AccountId(3)));
        assert_eq!(k.kind, KeyDateKind::Expiry);
        assert_eq!(k.lead_days, 60, "blank lead: the kind's default");
        assert_eq!(k.note, "frame contract");
        // The domain's rules, on their fields.
        f.set("lead", "400");
        assert!(f.submit(day(), "li").is_err());
        assert_eq!(f.error("lead"), Some("400 days is more than a year (366)"));
        f.set("lead", "two");
        assert!(f.submit(day(), "li").is_err());
        assert_eq!(f.error("lead"), Some("'two' is not a number of days"));
        f.set("lead", "14");
        f.set("on", "2025-02-01");
        assert!(f.submit(day(), "li").is_err());
        assert_eq!(
            f.error("on"),
            Some("2025-02-01 is in the past (today is 2025-03-01)")
        );
        // A yearly date is in the past by nature.
        f.set("kind", "contact_date");
        assert!(f.submit(day(), "li").is_ok());

        // An edit keeps its id; an old one-off date not moved is fine.
        let stored = crate::domain::KeyDate {
            id: 42,
            account: AccountId(3),
            kind: KeyDateKind::Renewal,
            on: NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
            lead_days: 90,
            note: "old".into(),
        };
        let mut e = Form::key_date(AccountId(3), "A", Some(&stored));
        assert_eq!(e.get("on"), "2025-01-31");
        assert_eq!(e.get("lead"), "90");
        e.set("note", "renegotiated");
        let Record::KeyDate(k) = e.submit(day(), "li").unwrap() else {
            panic!()
        };
        assert_eq!((k.id, k.note.as_str()), (42, "renegotiated"));
    }
}
