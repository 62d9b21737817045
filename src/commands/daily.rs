//! The daily writes from the shell: `kam touch`, `note`, `order`, `payment`
//! and `complaint`. Each is one timeline entry written through
//! `Book::execute` (attributed, audited, the domain's rules applied, once per
//! request), and each prints what it stored and the tier move it caused.

use super::run::print_changes;
use super::{CmdEnv, CmdResult, Command, CommandError};
use crate::audit::RecordImage;
use crate::book::{Book, RequestId, WriteOp, WriteOutcome};
use crate::domain::{FollowUpId, Interaction, InteractionKind, Money};
use crate::transfer::columns::{format_at, parse_at, parse_date};
use chrono::NaiveDate;

/// Runs one of the timeline writes (the other commands are not sent here).
pub fn execute(cmd: Command, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    let (key, mut entry, answers) = match cmd {
        Command::Touch {
            key,
            kind,
            message,
            at,
            follow_up,
            answers,
        } => {
            let kind = touch_kind(kind.as_deref())?;
            let mut i = entry_for(book, &key, kind, at.as_deref())?;
            i.summary = message;
            i.follow_up = follow_up
                .as_deref()
                .map(|d| day("--follow-up", d))
                .transpose()?;
            (key, i, answers)
        }
        Command::Note { key, message } => {
            let mut i = entry_for(book, &key, InteractionKind::Note, None)?;
            i.summary = message;
            (key, i, None)
        }
        Command::Order {
            key,
            amount,
            margin,
            due,
            message,
        } => {
            let mut i = entry_for(book, &key, InteractionKind::Order, None)?;
            i.amount = Some(money("AMOUNT", &amount)?);
            i.margin = margin
                .as_deref()
                .map(|m| money("--margin", m))
                .transpose()?;
            i.due = due.as_deref().map(|d| day("--due", d)).transpose()?;
            i.summary = message;
            (key, i, None)
        }
        Command::Payment {
            key,
            amount,
            message,
        } => {
            let mut i = entry_for(book, &key, InteractionKind::Payment, None)?;
            i.amount = Some(money("AMOUNT", &amount)?);
            i.summary = message;
            (key, i, None)
        }
        Command::Complaint { key, message } => {
            let mut i = entry_for(book, &key, InteractionKind::Complaint, None)?;
            i.summary = message;
            (key, i, None)
        }
        other => {
            return Err(CommandError::failed(format!(
                "not a timeline write: {other:?}"
            )));
        }
    };
    let key = book.find_account(&key)?.key.clone();
    // The follow-up must be open and on this account before anything is
    // written: a touch that cannot answer it is refused whole.
    let answers = match answers {
        Some(id) => Some(open_followup_of(book, entry.account, id, env.request())?),
        None => None,
    };
    entry.author = String::new(); // the book writes the user's name
    let outcome = book.execute(
        WriteOp::AddInteraction { interaction: entry },
        env.request(),
    )?;
    let stored = stored_interaction(&outcome);
    let out = env.out();
    match &stored {
        Some(i) => writeln!(out, "{key}: {}", describe(i))?,
        None => writeln!(out, "{key}: logged")?,
    }
    // As in the TUI: a touch logged from a follow-up completes it (a second
    // write, with its own request id so a resend applies each once).
    if let Some(id) = answers {
        let op = WriteOp::CompleteFollowUp { id };
        book.execute(op, second(env.request()))?;
        writeln!(env.out(), "follow-up {id}: done")?;
    }
    print_changes(book, &outcome.tier_changes, env.out())
}

/// The request id of a command's second write: the first's with the top
/// bit set (clients number their requests from 1, far below it).
pub(super) fn second(request: Option<RequestId>) -> Option<RequestId> {
    request.map(|r| RequestId {
        client_id: r.client_id,
        request_id: r.request_id | 1 << 63,
    })
}

/// A new entry of `kind` on the account `key` names, dated `at` (default
/// today; YYYY-MM-DD or RFC 3339).
pub(super) fn entry_for(
    book: &Book,
    key: &str,
    kind: InteractionKind,
    at: Option<&str>,
) -> Result<Interaction, CommandError> {
    let account = book.find_account(key)?.id;
    let mut i = Interaction::new(account, kind, book.today());
    if let Some(at) = at {
        i.at = parse_at(at).map_err(|e| CommandError::invalid(format!("--at: {e}")))?;
    }
    Ok(i)
}

/// `call|visit|meeting|email` (default call): the kinds that are a touch.
fn touch_kind(kind: Option<&str>) -> Result<InteractionKind, CommandError> {
    let Some(k) = kind else {
        return Ok(InteractionKind::Call);
    };
    InteractionKind::parse(k)
        .filter(|k| k.is_touch())
        .ok_or_else(|| {
            CommandError::invalid(format!(
                "--kind: '{k}' is not a kind of touch (call, visit, meeting, email)"
            ))
        })
}

pub(super) fn day(what: &str, s: &str) -> Result<NaiveDate, CommandError> {
    parse_date(s).map_err(|e| CommandError::invalid(format!("{what}: {e}")))
}

fn money(what: &str, s: &str) -> Result<Money, CommandError> {
    Money::parse(s)
        .map_err(|e| CommandError::invalid(format!("{what}: '{}' is not an amount: {e}", s.trim())))
}

/// The open follow-up `id` of `account`. A resend finds it done by the
/// first attempt: that is the same command, not a mistake.
fn open_followup_of(
    book: &Book,
    account: crate::domain::AccountId,
    id: u64,
    request: Option<RequestId>,
) -> Result<FollowUpId, CommandError> {
    let f = super::followup::find(book, id)?;
    if f.account != account {
        return Err(CommandError::invalid(format!(
            "follow-up {id} is on another account"
        )));
    }
    if f.done_at.is_some() && !book.seen_request(request)? {
        return Err(CommandError::invalid(format!(
            "follow-up {id} is done already"
        )));
    }
    Ok(f.id)
}

pub(super) fn stored_interaction(outcome: &WriteOutcome) -> Option<Interaction> {
    outcome.records.iter().find_map(|r| match r {
        RecordImage::Interaction(i) => Some(i.clone()),
        _ => None,
    })
}

/// `call on 2026-11-24 by ann: "Asked for the Q1 price list" · follow-up 2026-12-01`.
pub(super) fn describe(i: &Interaction) -> String {
    let mut s = format!(
        "{} #{} on {} by {}",
        i.kind,
        i.id,
        format_at(i.at),
        i.author
    );
    if let Some(a) = i.amount {
        s.push_str(&format!(" · amount {a}"));
    }
    if let Some(m) = i.margin {
        s.push_str(&format!(" · margin {m}"));
    }
    if let Some(d) = i.due {
        s.push_str(&format!(" · due {d}"));
    }
    if let Some(d) = i.follow_up {
        s.push_str(&format!(" · follow-up {d}"));
    }
    if !i.summary.is_empty() {
        let first = i.summary.lines().next().unwrap_or_default();
        s.push_str(&format!(": {first}"));
    }
    s
}
