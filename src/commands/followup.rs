//! `kam followup add|done|snooze|list`: the manual follow-ups of the agenda
//! from the shell, with the TUI's meaning (done = completed today; snooze =
//! hidden from the agenda until a day, the follow-up itself unchanged).

use super::daily::day;
use super::report::AccountLookup;
use super::report::plural;
use super::run::print_changes;
use super::{CmdEnv, CmdResult, CommandError, FollowUpCommand};
use crate::audit::RecordImage;
use crate::book::{Book, WriteOp, snooze_key};
use crate::domain::{FollowUp, FollowUpId};
use crate::segment::{AgendaItem, AgendaKind};
use serde_json::json;
use std::io::Write;

pub fn execute(action: FollowUpCommand, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    match action {
        FollowUpCommand::Add { key, due, message } => {
            let account = book.find_account(&key)?;
            let (id, key) = (account.id, account.key.clone());
            let f = FollowUp {
                id: FollowUpId(0),
                version: 0,
                account: id,
                due: day("--due", &due)?,
                // As the TUI's form: assigned to whoever adds it.
                assignee: book.user().to_string(),
                note: message,
                done_at: None,
            };
            let op = WriteOp::SaveFollowUp {
                base: None,
                followup: f,
            };
            let outcome = book.execute(op, env.request())?;
            let stored = outcome.records.iter().find_map(|r| match r {
                RecordImage::FollowUp(f) => Some(f.clone()),
                _ => None,
            });
            match stored {
                Some(f) => writeln!(
                    env.out(),
                    "{key}: follow-up {} due {} for {}: {}",
                    f.id,
                    f.due,
                    f.assignee,
                    first_line(&f.note)
                )?,
                None => writeln!(env.out(), "{key}: follow-up added")?,
            }
            print_changes(book, &outcome.tier_changes, env.out())
        }
        FollowUpCommand::Done { id } => {
            let f = find(book, id)?;
            let key = key_of(book, &f);
            if let Some(done) = f.done_at
                && !book.seen_request(env.request())?
            {
                writeln!(
                    env.out(),
                    "{key}: follow-up {id} was done already on {done}"
                )?;
                return Ok(());
            }
            let outcome = book.execute(WriteOp::CompleteFollowUp { id: f.id }, env.request())?;
            writeln!(
                env.out(),
                "{key}: follow-up {id} done: {}",
                first_line(&f.note)
            )?;
            print_changes(book, &outcome.tier_changes, env.out())
        }
        FollowUpCommand::Snooze { id, days } => {
            if days == 0 {
                return Err(CommandError::invalid("--days: snooze for 1 day or more"));
            }
            let f = find(book, id)?;
            if f.done_at.is_some() {
                return Err(CommandError::invalid(format!(
                    "follow-up {id} is done; nothing to snooze"
                )));
            }
            let key = key_of(book, &f);
            let until = book.today() + chrono::Days::new(u64::from(days));
            // The key the agenda's own snooze writes for this follow-up.
            let op = WriteOp::Snooze {
                key: snooze_key(&agenda_item(&f)),
                until,
            };
            book.execute(op, env.request())?;
            writeln!(
                env.out(),
                "{key}: follow-up {id} snoozed until {until} ({})",
                plural(days as usize, "day")
            )?;
            Ok(())
        }
        FollowUpCommand::List { json, owner } => list(book, json, owner.as_deref(), env.out()),
    }
}

/// A follow-up by its number, or an invalid-input error.
pub(super) fn find(book: &Book, id: u64) -> Result<FollowUp, CommandError> {
    book.followups()?
        .into_iter()
        .find(|f| f.id.0 == id)
        .ok_or_else(|| {
            CommandError::invalid(format!(
                "there is no follow-up {id} (`kam followup list --owner all` shows them)"
            ))
        })
}

fn key_of(book: &Book, f: &FollowUp) -> String {
    book.account(f.account)
        .map_or_else(|| format!("#{}", f.account), |a| a.key.clone())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// The agenda item a follow-up is shown as (what a snooze names).
fn agenda_item(f: &FollowUp) -> AgendaItem {
    AgendaItem {
        account: f.account,
        kind: AgendaKind::FollowUp,
        flag: None,
        due: f.due,
        days_late: 0,
        tier: "".into(),
        priority: 0,
        text: "".into(),
        follow_up: Some(f.id),
        interaction: None,
    }
}

/// Open follow-ups, earliest due first: the user's own (those assigned to
/// them, and unassigned ones on accounts they own), one user's, or `all`.
fn list(book: &Book, json: bool, owner: Option<&str>, out: &mut dyn Write) -> CmdResult {
    let who = match owner {
        Some("all") => None,
        Some(o) => Some(o.to_string()),
        None => Some(book.user().to_string()),
    };
    let owns = |f: &FollowUp, o: &str| {
        f.assignee == o || (f.assignee.is_empty() && book.engine().owner(f.account) == Some(o))
    };
    let mut open: Vec<FollowUp> = book
        .followups()?
        .into_iter()
        .filter(|f| f.done_at.is_none())
        .filter(|f| who.as_deref().is_none_or(|o| owns(f, o)))
        .collect();
    open.sort_by_key(|f| (f.due, f.id));
    let today = book.today();
    let labels = super::report::Labels::of(book)?;
    if json {
        let rows: Vec<serde_json::Value> = open
            .iter()
            .map(|f| {
                let a = labels.label(f.account);
                json!({
                    "id": f.id.0,
                    "account": a.map(|a| a.0),
                    "name": a.map(|a| a.1),
                    "due": f.due.to_string(),
                    "days_late": (today - f.due).num_days().max(0),
                    "assignee": f.assignee,
                    "note": f.note,
                })
            })
            .collect();
        writeln!(out, "{:#}", serde_json::Value::Array(rows))?;
        return Ok(());
    }
    if open.is_empty() {
        let whose = who.map_or("anyone".to_string(), |o| o);
        writeln!(out, "no open follow-ups for {whose}")?;
        return Ok(());
    }
    // `!` marks an overdue follow-up.
    writeln!(
        out,
        "{:>6}  {:<11}  {:<14}  {:<10}  NOTE",
        "ID", "DUE", "ACCOUNT", "ASSIGNEE"
    )?;
    for f in &open {
        let late = if f.due < today { "!" } else { " " };
        writeln!(
            out,
            "{:>6}  {}{}  {:<14}  {:<10}  {}",
            f.id.0,
            f.due,
            late,
            labels
                .label(f.account)
                .map_or_else(|| format!("#{}", f.account), |(key, _)| key.to_string()),
            f.assignee,
            first_line(&f.note)
        )?;
    }
    Ok(())
}
