//! `kam log [KEY] [--json]`: the audit trail, newest first — who changed
//! what, when, each field before → after.

use crate::audit::{AuditEntry, RecordChange, RefKind};
use crate::domain::AccountId;
use serde_json::{Value, json};

/// Record lines shown per change in text (an import can touch thousands).
const MAX_RECORDS: usize = 20;
/// Characters of a value shown in text; JSON has them all.
const MAX_VALUE: usize = 60;

/// One value on one line: line breaks shown as ⏎, long text cut.
pub fn short(v: &str) -> String {
    let one: String = v.replace("\r\n", "\n").replace('\n', " ⏎ ");
    if one.chars().count() > MAX_VALUE {
        let cut: String = one.chars().take(MAX_VALUE - 1).collect();
        format!("{cut}…")
    } else {
        one
    }
}

/// `#12 2025-03-01 09:30:00Z bob save_account` (and `undo of #11`).
pub fn entry_title(e: &AuditEntry) -> String {
    let mut s = format!(
        "#{} {} {} {}",
        e.seq,
        e.at.format("%Y-%m-%d %H:%M:%SZ"),
        e.user,
        e.action
    );
    if let Some(n) = e.undo_of {
        s.push_str(&format!(" of #{n}"));
    }
    s
}

/// What an undo reverted, for its message: `#4 pin on BETA (by you)`. The
/// records are named by account key (the first 3, then how many more), a
/// model or review change by what it is.
pub fn undone_summary(e: &AuditEntry, me: &str) -> String {
    // In first-seen order; the set keeps an import's 100k changes linear.
    let mut names: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in &e.changes {
        let name = match c.record.kind {
            RefKind::Meta => meta_name(&c.record.key),
            _ => c.record.key.as_str(),
        };
        if seen.insert(name) {
            names.push(name.to_string());
        }
    }
    let mut s = format!("#{} {}", e.seq, e.action);
    if !names.is_empty() {
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        s.push_str(&format!(" on {}", shown.join(", ")));
        if names.len() > 3 {
            s.push_str(&format!(" and {} more", names.len() - 3));
        }
    }
    if e.user == me {
        s.push_str(" (by you)");
    } else {
        s.push_str(&format!(" (by {})", e.user));
    }
    s
}

/// The lines describing one record change (record, then its fields).
/// A shared setting in words.
fn meta_name(key: &str) -> &str {
    match key {
        "model" => "the scoring model",
        "review" => "the tier review",
        "snoozed" => "the snoozed agenda items",
        "review_summary" => "the review summary (who, when, how many)",
        other if other.starts_with("keydates/") => "an account's key dates",
        "hooks" => "the team's hooks",
        other => other,
    }
}

pub fn change_lines(c: &RecordChange) -> Vec<String> {
    if c.record.kind == RefKind::Meta && c.record.key != "model" {
        // Review marks and snoozes are internal tables (ids, tabs, one line
        // per account): what changed is said in words, not dumped.
        return vec![format!("{} {}", meta_name(&c.record.key), c.verb())];
    }
    let mut out = vec![format!("{} {}", c.record.label(), c.verb())];
    for f in c.shown_fields() {
        out.push(format!(
            "  {}: {} → {}",
            f.field,
            short(&f.before),
            short(&f.after)
        ));
    }
    out
}

/// The changes of `e` to show: all, or those of one account (an import
/// touches many).
pub fn changes_of(e: &AuditEntry, only: Option<AccountId>) -> Vec<&RecordChange> {
    e.changes
        .iter()
        .filter(|c| only.is_none_or(|a| c.record.account == a))
        .collect()
}

/// Newest first; `only` keeps one account's records.
pub fn log_text(entries: &[AuditEntry], only: Option<AccountId>) -> String {
    let mut out = String::new();
    for e in entries.iter().rev() {
        out.push_str(&entry_title(e));
        out.push('\n');
        let changes = changes_of(e, only);
        for c in changes.iter().take(MAX_RECORDS) {
            for l in change_lines(c) {
                out.push_str("    ");
                out.push_str(&l);
                out.push('\n');
            }
        }
        if changes.len() > MAX_RECORDS {
            out.push_str(&format!(
                "    … and {} more records (see --json)\n",
                changes.len() - MAX_RECORDS
            ));
        }
    }
    if entries.is_empty() {
        out.push_str("no changes recorded\n");
    }
    out
}

/// Newest first, every record and field (of one account with `only`).
pub fn log_json(entries: &[AuditEntry], only: Option<AccountId>) -> Value {
    Value::Array(
        entries
            .iter()
            .rev()
            .map(|e| {
                json!({
                    "seq": e.seq,
                    "at": e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "user": e.user,
                    "action": e.action,
                    "undo_of": e.undo_of,
                    "changes": changes_of(e, only).iter().map(|c| json!({
                        "kind": c.record.kind.as_str(),
                        "id": c.record.id,
                        "record": c.record.label(),
                        "account": (c.record.kind != RefKind::Meta).then_some(&c.record.key),
                        "change": c.verb(),
                        "fields": c.shown_fields().iter().map(|f| json!({
                            "field": f.field,
                            "before": f.before,
                            "after": f.after,
                        })).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_tables_are_described_not_dumped() {
        use crate::audit::{RecordImage, RecordRef};
        let snooze = RecordChange::new(
            RecordRef::meta("snoozed"),
            Some(RecordImage::Meta("203\tcadence\t\t2026-11-25".into())),
            Some(RecordImage::Meta(
                "203\tcadence\t\t2026-11-25\n204\trisk\t\t2026-12-01".into(),
            )),
        );
        assert_eq!(
            change_lines(&snooze),
            vec!["the snoozed agenda items updated"]
        );
        let model = RecordChange::new(
            RecordRef::meta("model"),
            Some(RecordImage::Meta("name = \"a\"".into())),
            Some(RecordImage::Meta("name = \"b\"".into())),
        );
        assert!(
            change_lines(&model).len() > 1,
            "the model's text diff is shown"
        );
    }

    #[test]
    fn one_accounts_log_shows_only_its_records() {
        use crate::audit::{RecordImage, RecordRef};
        use crate::domain::Account;
        let change = |id: u64, key: &str| {
            let a = Account {
                id: AccountId(id),
                key: key.into(),
                name: format!("{key} Ltd"),
                ..Default::default()
            };
            RecordChange::new(
                RecordRef {
                    kind: RefKind::Account,
                    id,
                    account: AccountId(id),
                    key: key.into(),
                },
                None,
                Some(RecordImage::Account(Box::new(a))),
            )
        };
        let e = AuditEntry {
            seq: 5,
            user: "ann".into(),
            at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            action: "import".into(),
            undo_of: None,
            changes: vec![change(1, "ACME"), change(2, "GLOBEX")],
        };
        let all = log_text(std::slice::from_ref(&e), None);
        assert!(all.contains("account GLOBEX created") && all.contains("account ACME created"));
        let one = log_text(std::slice::from_ref(&e), Some(AccountId(1)));
        assert!(
            one.contains("account ACME created\n      key:  → ACME\n      name:  → ACME Ltd"),
            "{one}"
        );
        assert!(!one.contains("GLOBEX"), "{one}");
        let json = log_json(&[e], Some(AccountId(2)));
        assert_eq!(json[0]["changes"].as_array().unwrap().len(), 1);
        assert_eq!(json[0]["changes"][0]["account"], "GLOBEX");
    }

    #[test]
    fn long_and_multiline_values_stay_on_one_line() {
        assert_eq!(short("a\nb"), "a ⏎ b");
        let long = "x".repeat(100);
        assert_eq!(short(&long).chars().count(), MAX_VALUE);
        assert!(short(&long).ends_with('…'));
    }
}
