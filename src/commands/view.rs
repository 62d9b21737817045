//! The view twins of the TUI's profile and timeline: `kam show KEY` and
//! `kam timeline KEY`. JSON uses the export's column names and cells, so a
//! script reads the same shape from `show --json` as from `export`.

use super::{CmdResult, CommandError};
use crate::book::Book;
use crate::domain::{Account, InteractionKind, Profile};
use crate::transfer::columns::{
    ACCOUNT_COLUMNS, CONTACT_COLUMNS, INTERACTION_COLUMNS, JsonRow, format_at,
};
use crate::transfer::export::{account_cells, contact_cells, interaction_cells};
use serde_json::{Value, json};
use std::io::Write;

/// Two decimals: stable output for scores.
fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `kam show KEY [--json]`: fields, contacts, scores, flags, open follow-ups.
pub fn show(book: &Book, key: &str, json: bool, out: &mut dyn Write) -> CmdResult {
    let a = book.find_account(key)?.clone();
    let contacts = book.contacts_of(a.id)?;
    let mut followups: Vec<_> = book
        .followups()?
        .into_iter()
        .filter(|f| f.account == a.id && f.done_at.is_none())
        .collect();
    followups.sort_by_key(|f| (f.due, f.id));
    let score = book.engine().score(a.id);
    let key_dates = book.key_dates_of(a.id)?;
    let today = book.today();
    if json {
        let mut v = serde_json::to_value(JsonRow {
            columns: ACCOUNT_COLUMNS,
            cells: &account_cells(&a),
        })
        .map_err(CommandError::failed)?;
        v["pin"] = match &a.pin {
            Some(p) => {
                json!({"tier": p.tier, "reason": p.reason, "by": p.by, "at": p.at.to_string()})
            }
            None => Value::Null,
        };
        v["contacts"] = contacts
            .iter()
            .map(|c| {
                serde_json::to_value(JsonRow {
                    columns: CONTACT_COLUMNS,
                    cells: &contact_cells(c, &a.key),
                })
                .unwrap_or(Value::Null)
            })
            .collect();
        v["score"] = match &score {
            Some(s) => json!({
                "tier": s.tier,
                "computed_tier": s.computed_tier,
                "pinned": s.pinned,
                "value_score": r2(s.value_score),
                "potential_score": r2(s.potential_score),
                "revenue_12m": s.metrics.revenue_12m.to_string(),
                "last_touch": s.metrics.last_touch.map(|d| d.to_string()),
                "next_due": s.next_due.map(|d| d.to_string()),
                "lifecycle": s.lifecycle.as_str(),
                "flags": s.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            }),
            None => Value::Null,
        };
        v["followups"] = followups
            .iter()
            .map(|f| json!({"id": f.id.0, "due": f.due.to_string(), "assignee": f.assignee, "note": f.note}))
            .collect();
        v["key_dates"] = key_dates
            .iter()
            .map(|k| {
                json!({"id": k.id, "kind": k.kind.as_str(), "on": k.on.to_string(),
                       "next": k.next_on(today).to_string(), "lead_days": k.lead_days, "note": k.note})
            })
            .collect();
        writeln!(out, "{v:#}")?;
        return Ok(());
    }
    writeln!(out, "{}  {}", a.key, a.name)?;
    let line = |label: &str, v: String| format!("  {label:<14}{v}\n");
    let mut s = String::new();
    s += &line("owner", dash(&a.owner));
    s += &line("backup owner", dash(&a.backup_owner));
    s += &line("status", a.status.to_string());
    s += &line("industry", dash(&a.industry));
    s += &line("region", dash(&a.region));
    s += &line("since", a.since.map_or("-".into(), |d| d.to_string()));
    s += &line(
        "orientation",
        a.orientation.map_or("-".into(), |o| o.to_string()),
    );
    s += &line("ratings", ratings(&a));
    s += &line("tags", dash(&a.tags.join("; ")));
    if let Some(sc) = &score {
        let pin = if sc.pinned {
            format!(" (pinned; computed {})", sc.computed_tier)
        } else {
            String::new()
        };
        s += &line("tier", format!("{}{pin}", sc.tier));
        s += &line(
            "scores",
            format!(
                "value {:.1} · potential {:.1} · revenue 12m {}",
                sc.value_score, sc.potential_score, sc.metrics.revenue_12m
            ),
        );
        let flags: Vec<&str> = sc.flags.iter().map(|f| f.as_str()).collect();
        s += &line("flags", dash(&flags.join(", ")));
        s += &line(
            "next touch",
            sc.next_due.map_or("-".into(), |d| d.to_string()),
        );
    }
    write!(out, "{s}")?;
    for section in Profile::SECTIONS {
        let text = a.profile.get(section).map_or("", |t| t.as_str());
        if !text.is_empty() {
            writeln!(out, "\n{section}:")?;
            for l in text.lines() {
                writeln!(out, "  {l}")?;
            }
        }
    }
    writeln!(out, "\ncontacts:")?;
    if contacts.is_empty() {
        writeln!(out, "  none")?;
    }
    for c in &contacts {
        let mut marks = Vec::new();
        if c.primary {
            marks.push("primary");
        }
        if c.backup {
            marks.push("backup");
        }
        if !c.is_active(book.today()) {
            marks.push("left");
        }
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!(" [{}]", marks.join(", "))
        };
        writeln!(
            out,
            "  {} · {} · {} · {} {}{marks}",
            c.name,
            dash(&c.title),
            c.role,
            dash(&c.email),
            c.phone
        )?;
    }
    writeln!(out, "\nopen follow-ups:")?;
    if followups.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &followups {
        writeln!(
            out,
            "  {:>5}  {}  {}  {}",
            f.id.0,
            f.due,
            f.assignee,
            f.note.lines().next().unwrap_or_default()
        )?;
    }
    if !key_dates.is_empty() {
        writeln!(out, "\nkey dates:")?;
    }
    for k in &key_dates {
        writeln!(
            out,
            "  {:>5}  {}  {}  (lead {} days)  {}",
            k.id,
            k.next_on(today),
            k.kind,
            k.lead_days,
            crate::domain::text::clean_line(&k.note)
        )?;
    }
    Ok(())
}

fn dash(s: &str) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.to_string()
    }
}

fn ratings(a: &Account) -> String {
    let r = &a.ratings;
    let n = |v: Option<u8>| v.map_or("-".into(), |v| v.to_string());
    format!(
        "potential {} · loyalty {} · strategic fit {} · tech cooperation {}",
        n(r.potential),
        n(r.loyalty),
        n(r.strategic_fit),
        n(r.tech_cooperation)
    )
}

/// `kam timeline KEY [--kind K] [--limit N] [--json]`, newest first.
pub fn timeline(
    book: &Book,
    key: &str,
    kind: Option<&str>,
    limit: Option<usize>,
    json: bool,
    out: &mut dyn Write,
) -> CmdResult {
    let a = book.find_account(key)?.clone();
    let kind = match kind {
        None => None,
        Some(k) => Some(InteractionKind::parse(k).ok_or_else(|| {
            CommandError::invalid(format!(
                "--kind: '{k}' is not a kind of entry ({})",
                InteractionKind::names()
            ))
        })?),
    };
    let mut entries: Vec<_> = book
        .interactions_of(a.id)?
        .into_iter()
        .filter(|i| kind.is_none_or(|k| i.kind == k))
        .collect();
    entries.sort_by(|x, y| y.at.cmp(&x.at).then(y.id.cmp(&x.id)));
    if let Some(n) = limit {
        entries.truncate(n);
    }
    if json {
        let rows: Vec<Value> = entries
            .iter()
            .map(|i| {
                let mut v = serde_json::to_value(JsonRow {
                    columns: INTERACTION_COLUMNS,
                    cells: &interaction_cells(i, &a.key),
                })
                .unwrap_or(Value::Null);
                v["id"] = json!(i.id.0);
                v
            })
            .collect();
        writeln!(out, "{:#}", Value::Array(rows))?;
        return Ok(());
    }
    if entries.is_empty() {
        writeln!(out, "{}: no entries", a.key)?;
        return Ok(());
    }
    for i in &entries {
        let mut summary = i.summary.lines().next().unwrap_or_default().to_string();
        if let Some(d) = i.follow_up {
            summary.push_str(&format!(" (follow-up {d})"));
        }
        writeln!(
            out,
            "{:<20}  {:<10}  {:<10}  {:>12}  {summary}",
            format_at(i.at),
            i.kind.as_str(),
            i.author,
            i.amount.map_or(String::new(), |m| m.to_string()),
        )?;
    }
    Ok(())
}
