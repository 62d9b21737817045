//! The daily digest's content, assembled from the book without printing:
//! today's agenda (key dates included), yesterday's tier moves (from the
//! change log), overdue money and open complaints. `commands::digest`
//! writes it as text or Markdown for cron and mail.

use super::query::{self, AgendaRow};
use super::{Book, Result};
use crate::audit::RecordImage;
use crate::domain::{AccountId, InteractionKind, Money};
use chrono::{Days, NaiveDate};

#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub day: NaiveDate,
    /// Whose accounts (None: everyone's).
    pub user: Option<String>,
    pub agenda: Vec<AgendaRow>,
    pub tier_moves: Vec<TierMove>,
    /// Largest first.
    pub overdue: Vec<Overdue>,
    pub overdue_total: Money,
    /// Oldest first.
    pub complaints: Vec<Complaints>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TierMove {
    pub key: String,
    pub name: String,
    /// None: the account was new to the engine.
    pub from: Option<String>,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overdue {
    pub key: String,
    pub name: String,
    pub tier: String,
    pub amount: Money,
    /// Days past due of the oldest unpaid invoice.
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Complaints {
    pub key: String,
    pub name: String,
    pub open: u32,
    /// Hours since the oldest open complaint.
    pub oldest_hours: i64,
}

/// `user`'s digest (everyone's for `None`) as of the book's today.
pub fn digest(book: &Book, user: Option<&str>) -> Result<Digest> {
    let day = book.today();
    let mine = |id: AccountId| {
        book.account(id)
            .is_some_and(|a| user.is_none_or(|u| a.owner == u))
    };
    let names = |id: AccountId| {
        book.account(id)
            .map(|a| (a.key.clone(), a.name.clone()))
            .unwrap_or_else(|| ("?".into(), "?".into()))
    };
    let mut overdue = Vec::new();
    let mut complaints = Vec::new();
    for s in book.engine().scores() {
        if !mine(s.account) {
            continue;
        }
        let (key, name) = names(s.account);
        let m = &s.metrics;
        if m.overdue_amount > Money::default() {
            overdue.push(Overdue {
                key: key.clone(),
                name: name.clone(),
                tier: s.tier.clone(),
                amount: m.overdue_amount,
                days: m.overdue_days.unwrap_or(0),
            });
        }
        if m.open_complaints > 0 {
            complaints.push(Complaints {
                key,
                name,
                open: m.open_complaints,
                oldest_hours: m.oldest_complaint_hours.unwrap_or(0),
            });
        }
    }
    overdue.sort_by(|a, b| b.amount.cmp(&a.amount).then(a.key.cmp(&b.key)));
    complaints.sort_by(|a, b| b.oldest_hours.cmp(&a.oldest_hours).then(a.key.cmp(&b.key)));
    let overdue_total = overdue.iter().map(|o| o.amount).sum();
    Ok(Digest {
        day,
        user: user.map(str::to_string),
        agenda: query::agenda(book, user)?,
        tier_moves: tier_moves(book, day, &mine)?,
        overdue,
        overdue_total,
        complaints,
    })
}

/// The tier moves recorded for the day before `day`: the `system` timeline
/// entries they wrote, read from the change log newest first. The walk
/// stops at changes made two days before both that day and the wall
/// clock's, so it reads about two days of the log, not all of it.
fn tier_moves(
    book: &Book,
    day: NaiveDate,
    mine: &dyn Fn(AccountId) -> bool,
) -> Result<Vec<TierMove>> {
    let Some(yesterday) = day.checked_sub_days(Days::new(1)) else {
        return Ok(Vec::new());
    };
    let wall = (book.wall)().date_naive();
    let stop = yesterday.min(wall).checked_sub_days(Days::new(2));
    let mut moves = Vec::new();
    book.store().audit_rev(|e| {
        if stop.is_some_and(|s| e.at.date_naive() < s) {
            return false;
        }
        for c in &e.changes {
            let Some(RecordImage::Interaction(i)) = &c.after else {
                continue;
            };
            if c.before.is_some()
                || i.kind != InteractionKind::System
                || i.day() != yesterday
                || !mine(i.account)
            {
                continue;
            }
            if let Some((from, to)) = parse_move(&i.summary) {
                let (key, name) = book
                    .account(i.account)
                    .map(|a| (a.key.clone(), a.name.clone()))
                    .unwrap_or_else(|| (c.record.key.clone(), String::new()));
                moves.push(TierMove {
                    key,
                    name,
                    from,
                    to,
                });
            }
        }
        true
    })?;
    moves.reverse();
    Ok(moves)
}

/// `Tier A → B · …` (see `TierChange::summary`) → (Some(A), B); also read
/// by the server's tier-change hook.
pub fn parse_move(summary: &str) -> Option<(Option<String>, String)> {
    let head = summary.split(" · ").next()?.strip_prefix("Tier ")?;
    let (from, to) = head.split_once('→')?;
    let from = from.trim();
    Some((
        (!from.is_empty()).then(|| from.to_string()),
        to.trim().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_move;

    #[test]
    fn tier_lines_read_back() {
        assert_eq!(
            parse_move("Tier Key → Development · value 80.0→40.0 · potential 1.0→2.0"),
            Some((Some("Key".into()), "Development".into()))
        );
        assert_eq!(parse_move("Tier → Key"), Some((None, "Key".into())));
        assert_eq!(parse_move("called"), None);
    }
}
