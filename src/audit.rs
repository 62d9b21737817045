//! The audit trail's plain types and the generic field logic shared by the
//! store (which writes one `AuditEntry` per committed change, in the same
//! transaction), the book (three-way merge, undo) and the log views.
//!
//! Field names are paths into the serde form of a record: nested structs are
//! flattened (`ratings.loyalty`, `profile.plans`, `pin.reason`); an optional
//! struct that is absent on one side is one field (`pin`). `version` is never
//! a field: it changes on every write and says nothing about content.

use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction, Money, compact};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A client's request id: a retried write with the same id is applied once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId {
    pub client_id: u64,
    pub request_id: u64,
}

impl RequestId {
    /// Store key: client then request, big-endian.
    pub fn key(&self) -> [u8; 16] {
        let mut k = [0; 16];
        k[..8].copy_from_slice(&self.client_id.to_be_bytes());
        k[8..].copy_from_slice(&self.request_id.to_be_bytes());
        k
    }
}

/// What kind of record a change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefKind {
    Account,
    Contact,
    Interaction,
    FollowUp,
    /// A named team blob: scoring model, review marks, snoozes.
    Meta,
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Account => "account",
            RefKind::Contact => "contact",
            RefKind::Interaction => "interaction",
            RefKind::FollowUp => "follow-up",
            RefKind::Meta => "meta",
        }
    }
}

/// Which record: kind, id, and the account it belongs to with that
/// account's key at the time of the change (meta: id 0, `key` = blob name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: RefKind,
    pub id: u64,
    pub account: AccountId,
    pub key: String,
}

impl RecordRef {
    pub fn meta(name: &str) -> RecordRef {
        RecordRef {
            kind: RefKind::Meta,
            id: 0,
            account: AccountId(0),
            key: name.to_string(),
        }
    }

    /// `account ACME-001`, `interaction 42 of ACME-001`, `meta model`.
    pub fn label(&self) -> String {
        match self.kind {
            RefKind::Account => format!("account {}", self.key),
            RefKind::Meta => format!("meta {}", self.key),
            k => format!("{} {} of {}", k.as_str(), self.id, self.key),
        }
    }
}

/// A whole record as it was (or became), so that undo can restore it.
// The account is boxed: an import's entry holds a million images of the
// small records, and each was as large as an account. (A box encodes as
// its content: the stored bytes are the same.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordImage {
    Account(Box<Account>),
    Contact(Contact),
    Interaction(Interaction),
    FollowUp(FollowUp),
    /// A meta blob's text.
    Meta(String),
}

impl RecordImage {
    pub fn version(&self) -> u64 {
        match self {
            RecordImage::Account(a) => a.version,
            RecordImage::Contact(c) => c.version,
            RecordImage::Interaction(i) => i.version,
            RecordImage::FollowUp(f) => f.version,
            RecordImage::Meta(_) => 0,
        }
    }

    /// The account the record belongs to (an account's own id); None for
    /// a meta blob.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            RecordImage::Account(a) => Some(a.id),
            RecordImage::Contact(c) => Some(c.account),
            RecordImage::Interaction(i) => Some(i.account),
            RecordImage::FollowUp(f) => Some(f.account),
            RecordImage::Meta(_) => None,
        }
    }

    /// The serde form used for field paths (meta: `{ "text": … }`).
    pub fn to_json(&self) -> Value {
        let v = match self {
            RecordImage::Account(a) => serde_json::to_value(a),
            RecordImage::Contact(c) => serde_json::to_value(c),
            RecordImage::Interaction(i) => serde_json::to_value(i),
            RecordImage::FollowUp(f) => serde_json::to_value(f),
            RecordImage::Meta(t) => Ok(serde_json::json!({ "text": t })),
        };
        // Records are plain data: serialising them to JSON cannot fail.
        v.unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One record changed by a write. `before` None = created; `after` None =
/// deleted. `fields` lists the changed fields of an update (for a creation or
/// deletion the image says it all; see `shown_fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChange {
    pub record: RecordRef,
    pub before: Option<RecordImage>,
    pub after: Option<RecordImage>,
    pub fields: Vec<FieldDiff>,
}

impl RecordChange {
    pub fn new(record: RecordRef, before: Option<RecordImage>, after: Option<RecordImage>) -> Self {
        let fields = match (&before, &after) {
            (Some(b), Some(a)) => field_diffs(&b.to_json(), &a.to_json()),
            _ => Vec::new(),
        };
        RecordChange {
            record,
            before,
            after,
            fields,
        }
    }

    /// The fields to show: the diff of an update, or every non-empty field
    /// of a created or deleted record.
    pub fn shown_fields(&self) -> Vec<FieldDiff> {
        match (&self.before, &self.after) {
            (Some(_), Some(_)) => self.fields.clone(),
            (None, Some(a)) => field_diffs(&Value::Null, &a.to_json()),
            (Some(b), None) => field_diffs(&b.to_json(), &Value::Null),
            (None, None) => Vec::new(),
        }
    }

    /// `created`, `deleted` or `updated`.
    pub fn verb(&self) -> &'static str {
        match (&self.before, &self.after) {
            (None, _) => "created",
            (_, None) => "deleted",
            _ => "updated",
        }
    }
}

/// One committed change, with its place in the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Strictly increasing across the life of the database.
    pub seq: u64,
    pub user: String,
    /// Wall clock of the write.
    #[serde(with = "compact::timestamp")]
    pub at: DateTime<Utc>,
    /// `save_account`, `add_interaction`, `import`, `pin`, `tier_change`, `undo`, …
    pub action: String,
    /// For an undo: the change it reverted.
    pub undo_of: Option<u64>,
    pub changes: Vec<RecordChange>,
}

impl AuditEntry {
    /// The accounts this change touched (for the per-account index).
    pub fn accounts(&self) -> Vec<AccountId> {
        accounts_of(self.changes.iter().map(|c| c.record.account))
    }
}

/// The accounts of changes (`of`: each change's account), sorted, each
/// once: what an entry made of them is indexed under.
pub fn accounts_of(of: impl IntoIterator<Item = AccountId>) -> Vec<AccountId> {
    let mut v: Vec<AccountId> = of.into_iter().filter(|a| a.0 != 0).collect();
    v.sort();
    v.dedup();
    v
}

/// What the writer says about a change; the store adds seq and changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditInfo {
    pub user: String,
    pub at: DateTime<Utc>,
    pub action: String,
    pub undo_of: Option<u64>,
}

// ------------------------------------------------------------------ fields

fn is_object(v: &Value) -> bool {
    v.is_object()
}

fn child<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get(k).unwrap_or(&Value::Null)
}

fn keys_of<'a>(vs: &[&'a Value]) -> Vec<&'a String> {
    let mut keys: Vec<&String> = Vec::new();
    for v in vs {
        if let Some(m) = v.as_object() {
            for k in m.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
    }
    keys
}

fn join(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

/// Changed fields between two serde forms (Null = no record).
pub fn field_diffs(before: &Value, after: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    diff_into("", before, after, &mut out);
    out
}

fn diff_into(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldDiff>) {
    let a_obj = is_object(a) || (path.is_empty() && a.is_null());
    let b_obj = is_object(b) || (path.is_empty() && b.is_null());
    if a_obj && b_obj {
        for k in keys_of(&[a, b]) {
            if path.is_empty() && SKIPPED.contains(&k.as_str()) {
                continue;
            }
            diff_into(&join(path, k), child(a, k), child(b, k), out);
        }
    } else if a != b && !(is_blank(a) && is_blank(b)) {
        out.push(FieldDiff {
            field: path.to_string(),
            before: display_value(path, a),
            after: display_value(path, b),
        });
    }
}

/// Top-level fields that are bookkeeping, not content.
const SKIPPED: [&str; 3] = ["version", "id", "account"];

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(is_blank),
        _ => false,
    }
}

const DATE_FIELDS: [&str; 7] = [
    "since",
    "left_at",
    "due",
    "paid_at",
    "follow_up",
    "done_at",
    "pin.at",
];
const MONEY_FIELDS: [&str; 2] = ["amount", "margin"];

/// A field value as a person reads it: dates and money in their usual form
/// (records store them compactly), text as is, absent as empty.
pub fn display_value(field: &str, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Number(n) => {
            let int = n.as_i64();
            if DATE_FIELDS.contains(&field) {
                if let Some(d) = int
                    .and_then(|d| i32::try_from(d).ok())
                    .and_then(NaiveDate::from_num_days_from_ce_opt)
                {
                    return d.to_string();
                }
            } else if field == "at" {
                if let Some(t) = int.and_then(|s| DateTime::from_timestamp(s, 0)) {
                    return t.format("%Y-%m-%d %H:%M").to_string();
                }
            } else if MONEY_FIELDS.contains(&field)
                && let Some(c) = int
            {
                return Money::from_cents(c).to_string();
            }
            n.to_string()
        }
        Value::Array(items) => items
            .iter()
            .map(|x| display_value(field, x))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(m) => m
            .iter()
            .filter(|(_, x)| !is_blank(x))
            .map(|(k, x)| format!("{k}={}", display_value(&join(field, k), x)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

// ------------------------------------------------------------------- merge

/// A field both sides changed to different values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    pub field: String,
    pub base: String,
    pub theirs: String,
    pub mine: String,
}

/// Three-way merge of serde forms: starts from `theirs` (the stored record)
/// and applies every field `mine` changed relative to `base`. A field both
/// changed, to different values, is a conflict; then nothing is merged.
pub fn merge(base: &Value, theirs: &Value, mine: &Value) -> Result<Value, Vec<FieldConflict>> {
    let mut out = theirs.clone();
    let mut conflicts = Vec::new();
    merge_into("", base, theirs, mine, &mut out, &mut conflicts);
    if conflicts.is_empty() {
        Ok(out)
    } else {
        Err(conflicts)
    }
}

fn merge_into(
    path: &str,
    base: &Value,
    theirs: &Value,
    mine: &Value,
    out: &mut Value,
    conflicts: &mut Vec<FieldConflict>,
) {
    if base.is_object() && theirs.is_object() && mine.is_object() {
        for k in keys_of(&[base, theirs, mine]) {
            if path.is_empty() && SKIPPED.contains(&k.as_str()) {
                continue;
            }
            let (b, t, m) = (child(base, k), child(theirs, k), child(mine, k));
            if let Some(slot) = out.as_object_mut() {
                let slot = slot.entry(k.clone()).or_insert(Value::Null);
                merge_into(&join(path, k), b, t, m, slot, conflicts);
            }
        }
        return;
    }
    let mine_changed = mine != base;
    let theirs_changed = theirs != base;
    if !mine_changed {
        return; // `out` already holds theirs
    }
    if theirs_changed && theirs != mine {
        conflicts.push(FieldConflict {
            field: path.to_string(),
            base: display_value(path, base),
            theirs: display_value(path, theirs),
            mine: display_value(path, mine),
        });
        return;
    }
    *out = mine.clone();
}

/// Replaces `target`'s value at a field path by `source`'s (conflict
/// resolution "take theirs" on serde forms).
pub fn copy_field(target: &mut Value, source: &Value, field: &str) {
    let mut t = target;
    let mut s = source;
    let parts: Vec<&str> = field.split('.').collect();
    for (n, p) in parts.iter().enumerate() {
        let last = n + 1 == parts.len();
        let Some(map) = t.as_object_mut() else {
            return;
        };
        if last {
            map.insert(p.to_string(), child(s, p).clone());
            return;
        }
        s = child(s, p);
        t = map
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Ratings;
    use serde_json::json;

    fn account() -> Account {
        Account {
            id: AccountId(1),
            version: 3,
            key: "A-1".into(),
            name: "Acme".into(),
            ..Default::default()
        }
    }

    #[test]
    fn diffs_are_flattened_and_readable() {
        let a = account();
        let mut b = a.clone();
        b.version = 4;
        b.name = "Acme Ltd".into();
        b.ratings = Ratings {
            loyalty: Some(4),
            ..Default::default()
        };
        b.profile.plans = "grow".into();
        b.since = NaiveDate::from_ymd_opt(2020, 1, 2);
        let d = field_diffs(
            &RecordImage::Account(Box::new(a)).to_json(),
            &RecordImage::Account(Box::new(b)).to_json(),
        );
        let got: Vec<(&str, &str, &str)> = d
            .iter()
            .map(|f| (f.field.as_str(), f.before.as_str(), f.after.as_str()))
            .collect();
        assert_eq!(
            got,
            // (field order is the serde form's: alphabetical)
            vec![
                ("name", "Acme", "Acme Ltd"),
                ("profile.plans", "", "grow"),
                ("ratings.loyalty", "", "4"),
                ("since", "", "2020-01-02"),
            ]
        );
    }

    #[test]
    fn money_and_times_display() {
        assert_eq!(display_value("amount", &json!(123456)), "1234.56");
        assert_eq!(display_value("at", &json!(0)), "1970-01-01 00:00");
        assert_eq!(display_value("tags", &json!(["a", "b"])), "a, b");
    }

    #[test]
    fn merge_applies_disjoint_changes_and_reports_overlaps() {
        let base = json!({"version": 1, "name": "A", "region": "east", "r": {"x": 1, "y": 2}});
        let theirs = json!({"version": 2, "name": "A", "region": "west", "r": {"x": 1, "y": 5}});
        let mine = json!({"version": 1, "name": "B", "region": "east", "r": {"x": 3, "y": 2}});
        let m = merge(&base, &theirs, &mine).unwrap();
        assert_eq!(
            m,
            json!({"version": 2, "name": "B", "region": "west", "r": {"x": 3, "y": 5}})
        );
        let mine2 = json!({"version": 1, "name": "A", "region": "north", "r": {"x": 1, "y": 5}});
        let c = merge(&base, &theirs, &mine2).unwrap_err();
        assert_eq!(c.len(), 1, "same new value on both sides is no conflict");
        assert_eq!(
            (
                c[0].field.as_str(),
                c[0].theirs.as_str(),
                c[0].mine.as_str()
            ),
            ("region", "west", "north")
        );
    }

    #[test]
    fn copy_field_takes_one_nested_value() {
        let mut t = json!({"r": {"x": 1, "y": 2}, "n": "a"});
        copy_field(&mut t, &json!({"r": {"x": 9}, "n": "b"}), "r.x");
        assert_eq!(t, json!({"r": {"x": 9, "y": 2}, "n": "a"}));
    }
}
