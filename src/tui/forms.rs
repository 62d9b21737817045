//! The forms (new/edit account, interaction, contact, follow-up): which
//! fields, their starting values, and turning them into a checked record
//! with the reason for each bad field kept next to that field.

use super::input::LineEdit;
use crate::book::WriteOp;
use crate::clock::parse_date;
use crate::domain::{
    Account, AccountId, AccountStatus, Contact, ContactRole, FieldError, FollowUp, FollowUpId,
    Interaction, InteractionKind, Money, Orientation, sanitize_account, sanitize_contact,
    sanitize_interaction,
};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Multi-line notes: Enter adds a line.
    Notes,
    /// One of a closed list of names.
    Choice(Choices),
    Date,
    Money,
    /// 0–5, blank = not rated.
    Rating,
    YesNo,
}

/// The closed vocabularies a choice field can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices {
    Status,
    Orientation,
    Role,
    Kind,
}

impl Choices {
    pub fn names(self) -> String {
        match self {
            Choices::Status => AccountStatus::names(),
            Choices::Orientation => Orientation::names(),
            Choices::Role => ContactRole::names(),
            Choices::Kind => touchable_kinds(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub edit: LineEdit,
    pub error: Option<String>,
    /// Someone else changed this field too since the form was opened: both
    /// values, until the user keeps one (or edits the field).
    pub conflict: Option<Conflict>,
}

/// The two values of a field changed on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub theirs: String,
    pub mine: String,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: FieldKind, value: &str) -> Field {
        let edit = if kind == FieldKind::Notes {
            LineEdit::multiline(value)
        } else {
            LineEdit::new(value)
        };
        Field {
            name,
            label,
            kind,
            edit,
            error: None,
            conflict: None,
        }
    }

    pub fn value(&self) -> &str {
        self.edit.text()
    }

    /// What the field accepts, shown when it is focused.
    pub fn hint(&self) -> String {
        match self.kind {
            FieldKind::Text => String::new(),
            FieldKind::Notes => "Enter: new line".into(),
            FieldKind::Choice(c) => c.names(),
            FieldKind::Date => "YYYY-MM-DD".into(),
            FieldKind::Money => "e.g. 1234.50".into(),
            FieldKind::Rating if self.name == "satisfaction" => "1–5 or blank".into(),
            FieldKind::Rating => "0–5 or blank".into(),
            FieldKind::YesNo => "yes / no".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    Account(Option<Box<Account>>),
    Interaction(AccountId),
    Contact(AccountId),
    FollowUp(AccountId),
}

/// Some fields are bad; each carries its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

/// A checked record ready to be written through the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Account(Box<Account>),
    Interaction(Box<Interaction>),
    Contact(Box<Contact>),
    FollowUp(Box<FollowUp>),
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
        }
    }
}

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

fn date_str(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn opt_num(v: Option<u8>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
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
        use FieldKind::*;
        let blank = Account {
            owner: user.to_string(),
            ..Default::default()
        };
        let a = existing.unwrap_or(&blank);
        let mut fields = vec![
            Field::new("key", "Key", Text, &a.key),
            Field::new("name", "Name", Text, &a.name),
            Field::new("owner", "Owner", Text, &a.owner),
            Field::new("backup_owner", "Backup owner", Text, &a.backup_owner),
            Field::new("industry", "Industry", Text, &a.industry),
            Field::new("region", "Region", Text, &a.region),
            Field::new(
                "status",
                "Status",
                Choice(Choices::Status),
                a.status.as_str(),
            ),
            Field::new("since", "Customer since", Date, &date_str(a.since)),
            Field::new(
                "orientation",
                "Orientation",
                Choice(Choices::Orientation),
                a.orientation.map(|o| o.as_str()).unwrap_or(""),
            ),
            Field::new(
                "potential",
                "Potential",
                Rating,
                &opt_num(a.ratings.potential),
            ),
            Field::new("loyalty", "Loyalty", Rating, &opt_num(a.ratings.loyalty)),
            Field::new(
                "strategic_fit",
                "Strategic fit",
                Rating,
                &opt_num(a.ratings.strategic_fit),
            ),
            Field::new(
                "tech_cooperation",
                "Tech cooperation",
                Rating,
                &opt_num(a.ratings.tech_cooperation),
            ),
            Field::new("tags", "Tags (comma separated)", Text, &a.tags.join(", ")),
        ];
        for (section, label) in crate::domain::Profile::SECTIONS.iter().zip(PROFILE_LABELS) {
            let v = a.profile.get(section).cloned().unwrap_or_default();
            fields.push(Field::new(section, label, Notes, &v));
        }
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
        use FieldKind::*;
        let fields = vec![
            Field::new("kind", "Kind", Choice(Choices::Kind), kind.as_str()),
            Field::new("date", "Date", Date, &today.to_string()),
            Field::new("summary", "Summary", Notes, ""),
            Field::new("amount", "Amount (order/payment)", Money, ""),
            Field::new("margin", "Margin (orders)", Money, ""),
            Field::new("due", "Payment due (orders)", Date, ""),
            Field::new("paid_at", "Paid on (orders)", Date, ""),
            Field::new("satisfaction", "Satisfaction (survey)", Rating, ""),
            Field::new("follow_up", "Follow up on", Date, ""),
        ];
        Form::build(
            format!("Add interaction — {label}"),
            FormKind::Interaction(account),
            fields,
        )
    }

    pub fn contact(account: AccountId, label: &str) -> Form {
        use FieldKind::*;
        let fields = vec![
            Field::new("name", "Name", Text, ""),
            Field::new("title", "Title", Text, ""),
            Field::new("role", "Role", Choice(Choices::Role), "other"),
            Field::new("email", "Email", Text, ""),
            Field::new("phone", "Phone", Text, ""),
            Field::new("primary", "Primary contact", YesNo, "no"),
            Field::new("backup", "Backup contact", YesNo, "no"),
            Field::new("left_at", "Left the company on", Date, ""),
        ];
        Form::build(
            format!("Add contact — {label}"),
            FormKind::Contact(account),
            fields,
        )
    }

    pub fn followup(account: AccountId, label: &str, user: &str, due: NaiveDate) -> Form {
        use FieldKind::*;
        let fields = vec![
            Field::new("due", "Due", Date, &due.to_string()),
            Field::new("assignee", "Assignee", Text, user),
            Field::new("note", "Note", Notes, ""),
        ];
        Form::build(
            format!("Add follow-up — {label}"),
            FormKind::FollowUp(account),
            fields,
        )
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
            f.error = check_field(f).err();
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
            match self.to_record(today, user) {
                Ok(r) => return Ok(r),
                Err(e) => {
                    // A rule about a field the form does not show lands on
                    // the first field, with the field named.
                    match self.fields.iter().position(|f| f.name == e.field) {
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

    fn to_record(&self, today: NaiveDate, user: &str) -> Result<Record, FieldError> {
        match &self.kind {
            FormKind::Account(existing) => {
                let mut a = existing.as_deref().cloned().unwrap_or_default();
                a.key = self.get("key").to_string();
                a.name = self.get("name").to_string();
                a.owner = self.get("owner").to_string();
                a.backup_owner = self.get("backup_owner").to_string();
                a.industry = self.get("industry").to_string();
                a.region = self.get("region").to_string();
                a.status = AccountStatus::parse(self.get("status")).unwrap_or_default();
                a.since = parse_date(self.get("since"));
                if let Some(since) = a.since.filter(|d| *d > today) {
                    return Err(FieldError::new(
                        "since",
                        format!("{since} is in the future (today is {today})"),
                    ));
                }
                a.orientation = Orientation::parse(self.get("orientation"));
                a.ratings.potential = rating(self.get("potential"));
                a.ratings.loyalty = rating(self.get("loyalty"));
                a.ratings.strategic_fit = rating(self.get("strategic_fit"));
                a.ratings.tech_cooperation = rating(self.get("tech_cooperation"));
                a.tags = self
                    .get("tags")
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect();
                for section in crate::domain::Profile::SECTIONS {
                    if let Some(s) = a.profile.get_mut(section) {
                        *s = self.get(section).to_string();
                    }
                }
                sanitize_account(&mut a)?;
                Ok(Record::Account(Box::new(a)))
            }
            FormKind::Interaction(account) => {
                let kind =
                    InteractionKind::parse(self.get("kind")).unwrap_or(InteractionKind::Note);
                let day = parse_date(self.get("date")).unwrap_or(today);
                let mut i = Interaction::new(*account, kind, day);
                i.summary = self.get("summary").to_string();
                i.author = user.to_string();
                i.amount = money(self.get("amount"));
                i.margin = money(self.get("margin"));
                i.due = parse_date(self.get("due"));
                i.paid_at = parse_date(self.get("paid_at"));
                i.satisfaction = rating(self.get("satisfaction"));
                i.follow_up = parse_date(self.get("follow_up"));
                if let Some(f) = i.follow_up.filter(|f| *f < day) {
                    return Err(FieldError::new(
                        "follow_up",
                        format!("{f} is before the interaction's date {day}"),
                    ));
                }
                if matches!(kind, InteractionKind::Order | InteractionKind::Payment)
                    && i.amount.is_none()
                {
                    return Err(FieldError::new(
                        "amount",
                        format!("an {kind} needs an amount"),
                    ));
                }
                if kind == InteractionKind::Survey && i.satisfaction.is_none() {
                    return Err(FieldError::new(
                        "satisfaction",
                        "a survey needs a satisfaction 1–5",
                    ));
                }
                sanitize_interaction(&mut i)?;
                Ok(Record::Interaction(Box::new(i)))
            }
            FormKind::Contact(account) => {
                let mut c = Contact {
                    account: *account,
                    name: self.get("name").to_string(),
                    title: self.get("title").to_string(),
                    role: ContactRole::parse(self.get("role")).unwrap_or_default(),
                    email: self.get("email").to_string(),
                    phone: self.get("phone").to_string(),
                    primary: yes(self.get("primary")),
                    backup: yes(self.get("backup")),
                    left_at: parse_date(self.get("left_at")),
                    ..Default::default()
                };
                sanitize_contact(&mut c)?;
                Ok(Record::Contact(Box::new(c)))
            }
            FormKind::FollowUp(account) => {
                let f = FollowUp {
                    id: FollowUpId(0),
                    version: 0,
                    account: *account,
                    due: parse_date(self.get("due")).unwrap_or(today),
                    assignee: crate::domain::text::clean_line(self.get("assignee")),
                    note: crate::domain::text::clean_text(self.get("note")),
                    done_at: None,
                };
                if f.due < today {
                    return Err(FieldError::new(
                        "due",
                        format!("{} is in the past (today is {today})", f.due),
                    ));
                }
                if f.assignee.is_empty() {
                    return Err(FieldError::new("assignee", "must not be empty"));
                }
                Ok(Record::FollowUp(Box::new(f)))
            }
        }
    }
}

/// Labels longer than this are cut in the form's label column.
pub const LABEL_MAX: usize = 22;

const PROFILE_LABELS: [&str; 8] = [
    "Background",
    "Finance",
    "Decision chain",
    "Competitors",
    "Suppliers",
    "Downstream demand",
    "Plans (short/mid/long)",
    "Needs (stated/hidden)",
];

/// Kinds a user can log by hand (system entries are written by kam).
fn touchable_kinds() -> String {
    InteractionKind::ALL
        .iter()
        .filter(|k| **k != InteractionKind::System)
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
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

/// The field on its own: format and required-ness; cross-field rules are
/// checked in `to_record`.
fn check_field(f: &Field) -> Result<(), String> {
    let v = f.value().trim();
    let required = matches!(
        f.name,
        "key" | "name" | "kind" | "date" | "due" | "assignee"
    ) && !(f.name == "due" && f.label.starts_with("Payment"));
    if v.is_empty() {
        return if required {
            Err("required".into())
        } else {
            Ok(())
        };
    }
    match f.kind {
        FieldKind::Text | FieldKind::Notes => {
            if f.name == "key" {
                crate::domain::validate_key(v).map_err(|e| e.reason)?;
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
        FieldKind::Rating => {
            let (min, max) = if f.name == "satisfaction" {
                (1, 5)
            } else {
                (0, 5)
            };
            match v.parse::<u8>() {
                Ok(n) if (min..=max).contains(&n) => Ok(()),
                _ => Err(format!("'{v}' is not a number {min}–{max}")),
            }
        }
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
