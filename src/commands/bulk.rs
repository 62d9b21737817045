//! `kam bulk --filter EXPR set FIELD=VALUE… [--dry-run]`: the TUI's bulk
//! change from the shell. The accounts are those the list's filter language
//! matches (`book::query::filter`); the values are parsed as `kam account set`
//! parses them (`account::apply`), plus `tags+=X` / `tags-=X`, a follow-up and
//! a pin. The change is one `WriteOp::Bulk`: one audit entry, undone as one.

use super::run::print_changes;
use super::table::{Column, Table};
use super::{CmdEnv, CmdResult, CommandError, ErrorKind};
use crate::book::bulk::{BulkChange, BulkPlan, BulkTarget};
use crate::book::{Book, WriteOp};
use crate::domain::Account;
use crate::domain::text::{clean_line, clean_text, plural};
use crate::transfer::columns::parse_date;

/// The fields `kam bulk set` takes (README and the error for any other).
pub const FIELDS: &str = "owner, backup_owner, status, tags+=TAG, tags-=TAG, \
follow_up=DATE (with follow_up_note=TEXT), pin=TIER (with pin_reason=TEXT)";

pub fn bulk(
    book: &mut Book,
    filter: &str,
    fields: &[(String, String)],
    dry_run: bool,
    env: &mut dyn CmdEnv,
) -> CmdResult {
    let changes = parse_changes(fields)?;
    let target = BulkTarget::Filter {
        filter: filter.to_string(),
        except: Vec::new(),
    };
    let plan = book.plan_bulk(&target, &changes)?;
    if plan.matched == 0 {
        env.warn(&format!(
            "no account matches the filter '{}': nothing to change",
            clean_line(filter)
        ));
        return Ok(());
    }
    if dry_run {
        print_plan(&plan, env)?;
        writeln!(
            env.out(),
            "{} of {} matching would change (dry run: nothing written)",
            plural(plan.changes.len(), "account"),
            plan.matched
        )?;
        return Ok(());
    }
    if plan.changes.is_empty() && !book.seen_request(env.request())? {
        writeln!(
            env.out(),
            "{} match; none needs a change",
            plural(plan.matched, "account")
        )?;
        return Ok(());
    }
    let outcome = book.execute(WriteOp::Bulk { target, changes }, env.request())?;
    let labels: Vec<String> = fields.iter().map(|(f, v)| format!("{f}={v}")).collect();
    writeln!(
        env.out(),
        "{}: {} (change #{})",
        plural(outcome.count, "account"),
        labels.join(" "),
        outcome.seq.unwrap_or_default()
    )?;
    print_changes(book, &outcome.tier_changes, env.out())
}

/// Who would change and how: key, name, `field: old → new`.
fn print_plan(plan: &BulkPlan, env: &mut dyn CmdEnv) -> CmdResult {
    let mut table = Table::new(vec![
        Column::left("KEY"),
        Column::left("NAME").shrinks(1, 8),
        Column::left("CHANGE").shrinks(2, 20),
    ]);
    for p in &plan.changes {
        let change: Vec<String> = p
            .fields
            .iter()
            .map(|f| {
                let show = |s: &str| {
                    if s.is_empty() {
                        "-".to_string()
                    } else {
                        s.to_string()
                    }
                };
                format!("{}: {} → {}", f.field, show(&f.before), show(&f.after))
            })
            .collect();
        table.push(vec![
            p.key.clone().into(),
            p.name.clone().into(),
            change.join("; ").into(),
        ]);
    }
    let output = env.output();
    write!(env.out(), "{}", table.render(&output))?;
    Ok(())
}

/// FIELD=VALUE pairs as bulk changes. Values are parsed as `kam account set`
/// parses them; a follow-up or a pin takes its text from a companion field.
pub fn parse_changes(fields: &[(String, String)]) -> Result<Vec<BulkChange>, CommandError> {
    if fields.is_empty() {
        return Err(CommandError::new(
            ErrorKind::Usage,
            "give at least one FIELD=VALUE",
        ));
    }
    let companion = |name: &str| {
        fields
            .iter()
            .find(|(f, _)| f.trim() == name)
            .map(|(_, v)| v.clone())
    };
    let mut changes = Vec::new();
    for (field, value) in fields {
        let field = field.trim();
        let change = match field {
            "owner" | "backup_owner" | "status" => {
                let mut scratch = Account::default();
                super::account::apply(&mut scratch, field, value)?;
                match field {
                    "owner" => BulkChange::Owner(scratch.owner),
                    "backup_owner" => BulkChange::BackupOwner(scratch.backup_owner),
                    _ => BulkChange::Status(scratch.status),
                }
            }
            "tags+" | "tags-" => {
                let tag = clean_line(value);
                if tag.is_empty() {
                    return Err(CommandError::invalid(format!("{field}=: give a tag")));
                }
                if field == "tags+" {
                    BulkChange::AddTag(tag)
                } else {
                    BulkChange::RemoveTag(tag)
                }
            }
            "follow_up" => BulkChange::FollowUp {
                due: parse_date(value.trim())
                    .map_err(|e| CommandError::invalid(format!("follow_up: {e}")))?,
                note: clean_text(&companion("follow_up_note").unwrap_or_default()),
            },
            "pin" => BulkChange::Pin {
                tier: clean_line(value),
                reason: companion("pin_reason").unwrap_or_default(),
            },
            "follow_up_note" | "pin_reason" => {
                let main = field.trim_end_matches("_note").trim_end_matches("_reason");
                if companion(main).is_none() {
                    return Err(CommandError::invalid(format!("{field} goes with {main}=…")));
                }
                continue;
            }
            _ => {
                return Err(CommandError::invalid(format!(
                    "'{field}' cannot be set in bulk (fields: {FIELDS})"
                )));
            }
        };
        changes.push(change);
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountStatus;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn fields_parse_as_account_set_does_plus_tags_follow_ups_and_pins() {
        let c = parse_changes(&f(&[
            ("owner", " ana "),
            ("status", "Dormant"),
            ("tags+", "vip"),
            ("tags-", "old"),
            ("follow_up", "2026-12-01"),
            ("follow_up_note", "call"),
            ("pin", "Key"),
            ("pin_reason", "board"),
        ]))
        .unwrap();
        assert_eq!(c[0], BulkChange::Owner("ana".into()));
        assert_eq!(c[1], BulkChange::Status(AccountStatus::Dormant));
        assert_eq!(c[2], BulkChange::AddTag("vip".into()));
        assert_eq!(c[3], BulkChange::RemoveTag("old".into()));
        assert!(matches!(&c[4], BulkChange::FollowUp { note, .. } if note == "call"));
        assert!(matches!(&c[5], BulkChange::Pin { reason, .. } if reason == "board"));
        assert_eq!(c.len(), 6);
        let e = parse_changes(&f(&[("status", "gone")])).unwrap_err();
        assert!(e.message.contains("unknown status 'gone'"), "{e}");
        let e = parse_changes(&f(&[("name", "x")])).unwrap_err();
        assert!(e.message.contains("cannot be set in bulk"), "{e}");
        let e = parse_changes(&f(&[("pin_reason", "x")])).unwrap_err();
        assert!(e.message.contains("goes with pin"), "{e}");
    }
}
