//! `kam review start`: the accounts due for the periodic review (tier moved
//! since the last review, pin older than the model's `review_days`), and
//! `--confirm-all` to finish the review confirming every one of them. The
//! item-by-item review (pin, unpin, open) is the TUI's review mode; on the
//! command line `kam pin` / `kam unpin` come first, then the confirmation.

use super::table::{Cell, Column, Table};
use super::{CmdEnv, CmdResult, CommandError};
use crate::book::review::{ReviewItem, ReviewTally};
use crate::book::{Book, WriteOp};
use crate::domain::text::plural;
use serde_json::{Value, json};

fn item_json(i: &ReviewItem) -> Value {
    json!({
        "key": i.key,
        "name": i.name,
        "owner": i.owner,
        "from": i.from,
        "to": i.to,
        "pin": i.old_pin.as_ref().map(|p| json!({
            "tier": p.tier, "reason": p.reason, "by": p.by, "at": p.at.to_string(),
        })),
        "why": i.why,
    })
}

pub fn start(book: &mut Book, json: bool, confirm_all: bool, env: &mut dyn CmdEnv) -> CmdResult {
    let items = book.review_due()?;
    let since = book.last_review()?.map(|(day, _)| day);
    let last = book.last_review_summary()?;
    let days = book.review_days();
    let finished = if confirm_all {
        let op = WriteOp::FinishReview {
            confirmed: items.iter().map(|i| i.key.clone()).collect(),
            tally: ReviewTally {
                confirmed: items.len(),
                ..ReviewTally::default()
            },
        };
        Some(book.execute(op, env.request())?)
    } else {
        None
    };
    if json {
        let v = json!({
            "since": since,
            "last": last.as_ref().map(|s| json!({
                "by": s.by,
                "day": s.day.to_string(),
                "items": s.items,
                "confirmed": s.tally.confirmed,
                "pinned": s.tally.pinned,
                "unpinned": s.tally.unpinned,
                "skipped": s.tally.skipped,
            })),
            "review_days": days,
            "items": items.iter().map(item_json).collect::<Vec<_>>(),
            "finished": finished.is_some(),
            "confirmed": if finished.is_some() { items.len() } else { 0 },
        });
        writeln!(env.out(), "{v:#}")?;
        return Ok(());
    }
    let since_text = match (&since, &last) {
        (Some(d), Some(s)) if s.day.to_string() == *d => {
            format!("since {}'s review of {d}", s.by)
        }
        (Some(d), _) => format!("since the review of {d}"),
        (None, _) => "no review yet".to_string(),
    };
    writeln!(
        env.out(),
        "{} to review ({since_text}; pins older than {days} days)",
        plural(items.len(), "account")
    )?;
    if !items.is_empty() {
        let mut table = Table::new(vec![
            Column::left("KEY"),
            Column::left("NAME").shrinks(2, 8),
            Column::left("OWNER").shrinks(3, 0),
            Column::left("CHANGE").shrinks(1, 12),
            Column::left("WHY").shrinks(0, 0),
        ]);
        for i in &items {
            let row: Vec<Cell> = vec![
                i.key.clone().into(),
                i.name.clone().into(),
                i.owner.clone().into(),
                i.what().into(),
                i.why.first().cloned().unwrap_or_default().into(),
            ];
            table.push(row);
        }
        let output = env.output();
        write!(env.out(), "{}", table.render(&output))?;
    }
    match finished {
        Some(_) => writeln!(
            env.out(),
            "review finished as of {}: {} confirmed",
            book.today(),
            items.len()
        )?,
        None if !items.is_empty() => writeln!(
            env.out(),
            "confirm them all with `kam review start --confirm-all`, or step through them in the TUI"
        )?,
        None => {}
    }
    Ok::<(), CommandError>(())
}
