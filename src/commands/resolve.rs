//! `kam resolve KEY`: a complaint resolved from the shell. A resolution is a
//! timeline entry that closes the account's oldest open complaint (the
//! engine counts them first in, first out, and so does the SLA); the
//! command says which one it closed, how many stay open, and the tier move.

use super::daily::{describe, entry_for, stored_interaction};
use super::run::print_changes;
use super::{CmdEnv, CmdResult, Command, CommandError};
use crate::book::{Book, WriteOp};
use crate::domain::{AccountId, Interaction, InteractionKind};
use crate::transfer::columns::format_at;
use chrono::{DateTime, Utc};

pub fn execute(cmd: Command, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    let Command::Resolve { key, message, at } = cmd else {
        return Err(CommandError::failed(format!("not a resolution: {cmd:?}")));
    };
    let account = book.find_account(&key)?;
    let (key, id) = (account.key.clone(), account.id);
    let mut entry = entry_for(book, &key, InteractionKind::Resolution, at.as_deref())?;
    entry.summary = message;
    let open = open_complaints(book, id, entry.at)?;
    // A resend of a resolution already written finds its complaint closed:
    // that is the same command, answered with its stored outcome.
    if open.is_empty() && !book.seen_request(env.request())? {
        return Err(CommandError::invalid(format!(
            "{key} has no open complaint to resolve{}",
            at.map_or(String::new(), |a| format!(" as of {a}"))
        )));
    }
    entry.author = String::new(); // the book writes the user's name
    let outcome = book.execute(
        WriteOp::AddInteraction { interaction: entry },
        env.request(),
    )?;
    let out = env.out();
    match stored_interaction(&outcome) {
        Some(i) => writeln!(out, "{key}: {}", describe(&i))?,
        None => writeln!(out, "{key}: resolved")?,
    }
    if let Some(c) = open.first() {
        let what = crate::domain::text::clean_line(c.summary.lines().next().unwrap_or_default());
        let still = open.len() - 1;
        writeln!(
            out,
            "closes complaint #{} of {}{} · {}",
            c.id,
            format_at(c.at),
            if what.is_empty() {
                String::new()
            } else {
                format!(": {what}")
            },
            match still {
                0 => "no complaint open".to_string(),
                n => format!("{} still open", super::report::plural(n, "complaint")),
            }
        )?;
    }
    print_changes(book, &outcome.tier_changes, env.out())
}

/// The complaints of `account` still open at `at`, oldest first: each
/// resolution up to then closed the oldest open one.
fn open_complaints(
    book: &Book,
    account: AccountId,
    at: DateTime<Utc>,
) -> Result<Vec<Interaction>, CommandError> {
    let mut all = book.interactions_of(account)?;
    all.sort_by_key(|i| (i.at, i.id.0));
    let mut open = std::collections::VecDeque::new();
    for i in all.into_iter().filter(|i| i.at <= at) {
        match i.kind {
            InteractionKind::Complaint => open.push_back(i),
            InteractionKind::Resolution => {
                open.pop_front();
            }
            _ => {}
        }
    }
    Ok(open.into())
}
