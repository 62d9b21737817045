//! `kam digest [--for USER] [--format text|markdown] [--json]`: one message a
//! day for cron and mail, or JSON for scripts (the content is assembled by
//! `book::digest`).

use super::report::{agenda_text, plural};
use super::table::{Column, Table, money};
use super::{CmdEnv, CmdResult, Output};
use crate::book::Book;
use crate::book::digest::{Digest, digest};
use crate::domain::text::clean_line;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DigestFormat {
    Text,
    Markdown,
    /// Fixed field names, money as strings with two decimals.
    Json,
}

/// `user`: None = the current user, `all` = everyone.
pub fn execute(
    book: &Book,
    user: Option<String>,
    format: DigestFormat,
    env: &mut dyn CmdEnv,
) -> CmdResult {
    let user = match user.as_deref() {
        Some("all") => None,
        Some(u) => Some(u.to_string()),
        None => Some(book.user().to_string()),
    };
    let d = digest(book, user.as_deref())?;
    let text = match format {
        DigestFormat::Text => text(book, &d, &env.output())?,
        DigestFormat::Markdown => markdown(&d),
        DigestFormat::Json => format!("{:#}\n", json(&d)),
    };
    env.out().write_all(text.as_bytes())?;
    Ok(())
}

fn title(d: &Digest) -> String {
    format!(
        "kam digest {}{}",
        d.day,
        d.user
            .as_ref()
            .map_or(String::new(), |u| format!(" for {u}"))
    )
}

fn yesterday(d: &Digest) -> String {
    d.day.pred_opt().map_or_else(String::new, |y| y.to_string())
}

fn tier_move(from: &Option<String>, to: &str) -> String {
    match from {
        Some(f) => format!("{f} → {to}"),
        None => format!("new → {to}"),
    }
}

fn text(book: &Book, d: &Digest, output: &Output) -> Result<String, super::CommandError> {
    let mut out = format!("{}\n\n", title(d));
    let items: Vec<_> = d.agenda.iter().map(|r| r.item.clone()).collect();
    out.push_str(&agenda_text(
        book.engine(),
        &super::report::Labels::of(book)?,
        d.user.as_deref(),
        &items,
        output,
    ));
    let _ = writeln!(
        out,
        "\nTier moves on {} — {}",
        yesterday(d),
        plural(d.tier_moves.len(), "account")
    );
    if !d.tier_moves.is_empty() {
        let mut t = Table::new(vec![
            Column::left("KEY"),
            Column::left("NAME").shrinks(1, 10),
            Column::left("MOVE"),
        ]);
        for m in &d.tier_moves {
            t.push(vec![
                m.key.clone().into(),
                clean_line(&m.name).into(),
                tier_move(&m.from, &m.to).into(),
            ]);
        }
        out.push_str(&t.render(output));
    }
    let _ = writeln!(
        out,
        "\nOverdue money — {} in {}",
        money(d.overdue_total),
        plural(d.overdue.len(), "account")
    );
    if !d.overdue.is_empty() {
        let mut t = Table::new(vec![
            Column::left("KEY"),
            Column::left("NAME").shrinks(1, 10),
            Column::left("TIER"),
            Column::right("OVERDUE"),
            Column::right("DAYS"),
        ]);
        for o in &d.overdue {
            t.push(vec![
                o.key.clone().into(),
                clean_line(&o.name).into(),
                o.tier.clone().into(),
                money(o.amount).into(),
                o.days.to_string().into(),
            ]);
        }
        out.push_str(&t.render(output));
    }
    let open: u32 = d.complaints.iter().map(|c| c.open).sum();
    let _ = writeln!(
        out,
        "\nOpen complaints — {} in {}",
        open,
        plural(d.complaints.len(), "account")
    );
    if !d.complaints.is_empty() {
        let mut t = Table::new(vec![
            Column::left("KEY"),
            Column::left("NAME").shrinks(1, 10),
            Column::right("OPEN"),
            Column::right("OLDEST"),
        ]);
        for c in &d.complaints {
            t.push(vec![
                c.key.clone().into(),
                clean_line(&c.name).into(),
                c.open.to_string().into(),
                format!("{} h", c.oldest_hours).into(),
            ]);
        }
        out.push_str(&t.render(output));
    }
    Ok(out)
}

/// `kam digest --json`: the same content as the text, with fixed field
/// names; money is a string with two decimals (exact), dates YYYY-MM-DD.
fn json(d: &Digest) -> Value {
    let agenda: Vec<Value> = d
        .agenda
        .iter()
        .map(|r| super::report::agenda_item_json(&r.key, &r.name, &r.item))
        .collect();
    let moves: Vec<Value> = d
        .tier_moves
        .iter()
        .map(|m| json!({"key": m.key, "name": m.name, "from": m.from, "to": m.to}))
        .collect();
    let overdue: Vec<Value> = d
        .overdue
        .iter()
        .map(|o| {
            json!({
                "key": o.key,
                "name": o.name,
                "tier": o.tier,
                "amount": o.amount.to_string(),
                "days": o.days,
            })
        })
        .collect();
    let complaints: Vec<Value> = d
        .complaints
        .iter()
        .map(|c| {
            json!({
                "key": c.key,
                "name": c.name,
                "open": c.open,
                "oldest_hours": c.oldest_hours,
            })
        })
        .collect();
    json!({
        "day": d.day.to_string(),
        "user": d.user,
        "agenda": agenda,
        "tier_moves": {"on": yesterday(d), "accounts": moves},
        "overdue": {"total": d.overdue_total.to_string(), "accounts": overdue},
        "complaints": {
            "open": d.complaints.iter().map(|c| c.open).sum::<u32>(),
            "accounts": complaints,
        },
    })
}

/// User text in a Markdown table cell: one line, with the characters that
/// would start markup or end the cell escaped.
fn md(s: &str) -> String {
    let mut out = String::new();
    for c in clean_line(s).chars() {
        if matches!(
            c,
            '\\' | '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn markdown(d: &Digest) -> String {
    let mut out = format!("# {}\n\n", title(d));
    let _ = writeln!(out, "## Today's agenda ({})\n", d.agenda.len());
    if d.agenda.is_empty() {
        out.push_str("Nothing due.\n");
    } else {
        out.push_str("| Due | Late | Tier | Key | Name | Kind | What |\n");
        out.push_str("|---|--:|---|---|---|---|---|\n");
        for r in &d.agenda {
            let i = &r.item;
            let late = if i.days_late > 0 {
                format!("+{}d", i.days_late)
            } else {
                String::new()
            };
            let kind = i.flag.map_or(i.kind.as_str(), |f| f.as_str());
            let _ = writeln!(
                out,
                "| {} | {late} | {} | {} | {} | {kind} | {} |",
                i.due,
                md(&i.tier),
                md(&r.key),
                md(&r.name),
                md(&i.text)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n## Tier moves on {} ({})\n",
        yesterday(d),
        d.tier_moves.len()
    );
    if d.tier_moves.is_empty() {
        out.push_str("None.\n");
    }
    for m in &d.tier_moves {
        let _ = writeln!(
            out,
            "- **{}** {}: {}",
            md(&m.key),
            md(&m.name),
            md(&tier_move(&m.from, &m.to))
        );
    }
    let _ = writeln!(
        out,
        "\n## Overdue money: {} in {}\n",
        money(d.overdue_total),
        plural(d.overdue.len(), "account")
    );
    if !d.overdue.is_empty() {
        out.push_str("| Key | Name | Tier | Overdue | Days |\n|---|---|---|--:|--:|\n");
        for o in &d.overdue {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&o.key),
                md(&o.name),
                md(&o.tier),
                money(o.amount),
                o.days
            );
        }
    }
    let open: u32 = d.complaints.iter().map(|c| c.open).sum();
    let _ = writeln!(
        out,
        "\n## Open complaints: {open} in {}\n",
        plural(d.complaints.len(), "account")
    );
    if !d.complaints.is_empty() {
        out.push_str("| Key | Name | Open | Oldest |\n|---|---|--:|--:|\n");
        for c in &d.complaints {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} h |",
                md(&c.key),
                md(&c.name),
                c.open,
                c.oldest_hours
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn markdown_cells_escape_markup_and_pipes() {
        assert_eq!(md("a|b *c* [x](y)\nz"), "a\\|b \\*c\\* \\[x\\](y) z");
    }
}
