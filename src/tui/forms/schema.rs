//! Which fields each form has: names, labels, kinds, starting values and
//! the hint shown under a focused field. No checking here (see `convert`
//! and the domain's rule book).

use super::super::input::LineEdit;
use crate::domain::rules::{RATING, SATISFACTION};
use crate::domain::{
    Account, AccountStatus, ContactRole, InteractionKind, KeyDate, KeyDateKind, Orientation,
    Profile,
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
    /// 0–5, blank = not rated (satisfaction: 1–5).
    Rating,
    YesNo,
    /// A number of days ahead (a key date's lead); blank = the kind's default.
    Days,
}

/// The closed vocabularies a choice field can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices {
    Status,
    Orientation,
    Role,
    Kind,
    KeyDate,
}

impl Choices {
    pub fn names(self) -> String {
        match self {
            Choices::Status => AccountStatus::names(),
            Choices::Orientation => Orientation::names(),
            Choices::Role => ContactRole::names(),
            Choices::Kind => touchable_kinds(),
            Choices::KeyDate => KeyDateKind::names(),
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
    pub(super) fn new(
        name: &'static str,
        label: &'static str,
        kind: FieldKind,
        value: &str,
    ) -> Field {
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
            FieldKind::Rating if self.name == "satisfaction" => SATISFACTION.hint(),
            FieldKind::Rating => RATING.hint(),
            FieldKind::YesNo => "yes / no".into(),
            FieldKind::Days => format!(
                "blank: {} (days ahead)",
                KeyDateKind::ALL
                    .iter()
                    .map(|k| format!("{k} {}", k.default_lead()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Must not be left blank (the payment due date of an order may).
    pub fn is_required(&self) -> bool {
        matches!(
            self.name,
            "key" | "name" | "kind" | "date" | "due" | "assignee" | "on"
        ) && !(self.name == "due" && self.label.starts_with("Payment"))
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

fn date_str(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn opt_num(v: Option<u8>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// An account's fields, filled from `a`.
pub(super) fn account_fields(a: &Account) -> Vec<Field> {
    use FieldKind::*;
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
    for (section, label) in Profile::SECTIONS.iter().zip(PROFILE_LABELS) {
        let v = a.profile.get(section).cloned().unwrap_or_default();
        fields.push(Field::new(section, label, Notes, &v));
    }
    fields
}

/// A timeline entry's fields: `kind` on `day`, the rest blank.
pub(super) fn interaction_fields(kind: InteractionKind, day: NaiveDate) -> Vec<Field> {
    use FieldKind::*;
    vec![
        Field::new("kind", "Kind", Choice(Choices::Kind), kind.as_str()),
        Field::new("date", "Date", Date, &day.to_string()),
        Field::new("summary", "Summary", Notes, ""),
        Field::new("amount", "Amount (order/payment)", Money, ""),
        Field::new("margin", "Margin (orders)", Money, ""),
        Field::new("due", "Payment due (orders)", Date, ""),
        Field::new("paid_at", "Paid on (orders)", Date, ""),
        Field::new("satisfaction", "Satisfaction (survey)", Rating, ""),
        Field::new("follow_up", "Follow up on", Date, ""),
    ]
}

pub(super) fn contact_fields() -> Vec<Field> {
    use FieldKind::*;
    vec![
        Field::new("name", "Name", Text, ""),
        Field::new("title", "Title", Text, ""),
        Field::new("role", "Role", Choice(Choices::Role), "other"),
        Field::new("email", "Email", Text, ""),
        Field::new("phone", "Phone", Text, ""),
        Field::new("primary", "Primary contact", YesNo, "no"),
        Field::new("backup", "Backup contact", YesNo, "no"),
        Field::new("left_at", "Left the company on", Date, ""),
    ]
}

pub(super) fn followup_fields(user: &str, due: NaiveDate) -> Vec<Field> {
    use FieldKind::*;
    vec![
        Field::new("due", "Due", Date, &due.to_string()),
        Field::new("assignee", "Assignee", Text, user),
        Field::new("note", "Note", Notes, ""),
    ]
}

/// A key date's fields, filled from `k` (a new one: its kind, the date and
/// lead left blank, the lead then being the kind's default).
pub(super) fn keydate_fields(k: &KeyDate, new: bool) -> Vec<Field> {
    use FieldKind::*;
    let (on, lead) = if new {
        (String::new(), String::new())
    } else {
        (k.on.to_string(), k.lead_days.to_string())
    };
    vec![
        Field::new("kind", "Kind", Choice(Choices::KeyDate), k.kind.as_str()),
        Field::new("on", "Date", Date, &on),
        Field::new("lead", "Lead (days ahead)", Days, &lead),
        Field::new("note", "Note", Notes, &k.note),
    ]
}
