//! `kam log [KEY] [--json]`: the audit trail, newest first — who changed
//! what, when, each field before → after.

use crate::audit::{AuditEntry, RecordChange, RefKind};
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

/// The lines describing one record change (record, then its fields).
pub fn change_lines(c: &RecordChange) -> Vec<String> {
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

/// Newest first.
pub fn log_text(entries: &[AuditEntry]) -> String {
    let mut out = String::new();
    for e in entries.iter().rev() {
        out.push_str(&entry_title(e));
        out.push('\n');
        for c in e.changes.iter().take(MAX_RECORDS) {
            for l in change_lines(c) {
                out.push_str("    ");
                out.push_str(&l);
                out.push('\n');
            }
        }
        if e.changes.len() > MAX_RECORDS {
            out.push_str(&format!(
                "    … and {} more records (see --json)\n",
                e.changes.len() - MAX_RECORDS
            ));
        }
    }
    if entries.is_empty() {
        out.push_str("no changes recorded\n");
    }
    out
}

/// Newest first, every record and field.
pub fn log_json(entries: &[AuditEntry]) -> Value {
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
                    "changes": e.changes.iter().map(|c| json!({
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
    fn long_and_multiline_values_stay_on_one_line() {
        assert_eq!(short("a\nb"), "a ⏎ b");
        let long = "x".repeat(100);
        assert_eq!(short(&long).chars().count(), MAX_VALUE);
        assert!(short(&long).ends_with('…'));
    }
}
