//! `kam keydate add|list|rm`: an account's key dates (renewals, expiries,
//! framework reviews, a contact's day) from the shell.

use super::daily::day;
use super::table::{Column, Table};
use super::{CmdEnv, CmdResult, CommandError};
use crate::book::keydates::{lead_or_default, unknown_kind};
use crate::book::{Book, WriteOp};
use crate::domain::{KeyDate, KeyDateKind};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KeyDateCommand {
    Add {
        key: String,
        kind: String,
        on: String,
        lead: Option<u32>,
        note: String,
    },
    /// One account's (`key`) or every key date.
    List {
        key: Option<String>,
        json: bool,
    },
    Rm {
        id: u64,
    },
}

pub fn execute(action: KeyDateCommand, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    match action {
        KeyDateCommand::Add {
            key,
            kind,
            on,
            lead,
            note,
        } => {
            let account = book.find_account(&key)?;
            let (account, key) = (account.id, account.key.clone());
            let kind = KeyDateKind::parse(&kind)
                .ok_or_else(|| CommandError::invalid(unknown_kind(&kind).to_string()))?;
            let k = KeyDate {
                id: 0,
                account,
                kind,
                on: day("--on", &on)?,
                lead_days: lead_or_default(kind, lead),
                note,
            };
            let outcome = book.execute(
                WriteOp::SaveKeyDate {
                    key_date: k.clone(),
                },
                env.request(),
            )?;
            // The stored id: the newest of this account's dates with these fields.
            let id = book
                .key_dates_of(account)?
                .into_iter()
                .filter(|s| s.kind == k.kind && s.on == k.on && s.note == k.note)
                .map(|s| s.id)
                .max()
                .unwrap_or_default();
            writeln!(
                env.out(),
                "{key}: key date {id}: {} on {} (shown {} days ahead){}",
                k.kind,
                k.on,
                k.lead_days,
                if outcome.seq.is_none() {
                    " (unchanged)"
                } else {
                    ""
                }
            )?;
            Ok(())
        }
        KeyDateCommand::Rm { id } => {
            let k = book.find_key_date(id).map_err(|_| {
                CommandError::invalid(format!(
                    "there is no key date {id} (`kam keydate list` shows them)"
                ))
            })?;
            book.execute(WriteOp::DeleteKeyDate { id }, env.request())?;
            let key = book
                .account(k.account)
                .map_or_else(|| format!("#{}", k.account), |a| a.key.clone());
            writeln!(
                env.out(),
                "{key}: key date {id} ({} on {}) removed",
                k.kind,
                k.on
            )?;
            Ok(())
        }
        KeyDateCommand::List { key, json } => list(book, key.as_deref(), json, env),
    }
}

fn list(book: &Book, key: Option<&str>, json: bool, env: &mut dyn CmdEnv) -> CmdResult {
    let dates = match key {
        Some(k) => book.key_dates_of(book.find_account(k)?.id)?,
        None => book.key_dates()?,
    };
    let today = book.today();
    let key_of = |k: &KeyDate| {
        book.account(k.account)
            .map_or_else(|| format!("#{}", k.account), |a| a.key.clone())
    };
    if json {
        let rows: Vec<serde_json::Value> = dates
            .iter()
            .map(|k| {
                json!({
                    "id": k.id,
                    "account": key_of(k),
                    "kind": k.kind.as_str(),
                    "on": k.on.to_string(),
                    "next": k.next_on(today).to_string(),
                    "lead_days": k.lead_days,
                    "in_agenda": k.due_within_lead(today).is_some(),
                    "note": k.note,
                })
            })
            .collect();
        writeln!(env.out(), "{:#}", serde_json::Value::Array(rows))?;
        return Ok(());
    }
    if dates.is_empty() {
        writeln!(env.out(), "no key dates")?;
        return Ok(());
    }
    let output = env.output();
    let mut t = Table::new(vec![
        Column::right("ID"),
        Column::left("ACCOUNT"),
        Column::left("KIND"),
        Column::left("NEXT"),
        Column::right("LEAD"),
        Column::left("NOTE").shrinks(0, 0),
    ]);
    for k in &dates {
        t.push(vec![
            k.id.to_string().into(),
            key_of(k).into(),
            k.kind.as_str().into(),
            k.next_on(today).to_string().into(),
            k.lead_days.to_string().into(),
            crate::domain::text::clean_line(&k.note).into(),
        ]);
    }
    let t = t.render(&output);
    write!(env.out(), "{t}")?;
    Ok(())
}
