//! `kam merge KEEP DROP [--take FIELD…] [--dry-run]` and `kam duplicates`:
//! merging a duplicate account into the one kept (one audited change,
//! undone as one; see `book::merge_accounts`), and the pairs that look like
//! duplicates. Duplicates are their own command: `kam check` is about the
//! database's integrity, not about what users typed twice.

use super::table::{Column, Table};
use super::{CmdEnv, CmdResult};
use crate::book::duplicates::Likeness;
use crate::book::merge_accounts::MergePlan;
use crate::book::{Book, WriteOp};
use crate::domain::text::plural;
use serde_json::json;

pub fn merge(
    book: &mut Book,
    keep: &str,
    drop: &str,
    take: &[String],
    dry_run: bool,
    json: bool,
    env: &mut dyn CmdEnv,
) -> CmdResult {
    let plan = book.plan_merge(keep, drop, take)?;
    let seq = if dry_run {
        None
    } else {
        let op = WriteOp::MergeAccounts {
            keep: plan.keep.key.clone(),
            drop: plan.drop.key.clone(),
            take: take.to_vec(),
        };
        book.execute(op, env.request())?.seq
    };
    if json {
        let v = json!({
            "keep": plan.keep.key,
            "drop": plan.drop.key,
            "dry_run": dry_run,
            "seq": seq,
            "contacts": plan.contacts,
            "interactions": plan.interactions,
            "followups": plan.followups,
            "filled": plan.filled,
            "conflicts": plan.conflicts.iter().map(|c| json!({
                "field": c.field,
                "keep": c.keep,
                "drop": c.drop,
                "chosen": if c.take { "drop" } else { "keep" },
            })).collect::<Vec<_>>(),
        });
        writeln!(env.out(), "{v:#}")?;
        return Ok(());
    }
    plan_text(&plan, env)?;
    if dry_run {
        writeln!(env.out(), "dry run: nothing written")?;
    } else {
        writeln!(
            env.out(),
            "merged {} into {} ({} removed; `kam undo` restores both)",
            plan.drop.key,
            plan.keep.key,
            plan.drop.key
        )?;
    }
    Ok(())
}

fn plan_text(plan: &MergePlan, env: &mut dyn CmdEnv) -> CmdResult {
    let out = env.out();
    writeln!(
        out,
        "merge {} ({}) into {} ({})",
        plan.drop.key, plan.drop.name, plan.keep.key, plan.keep.name
    )?;
    writeln!(
        out,
        "  moves: {}, {}, {}",
        plural(plan.contacts, "contact"),
        plural(plan.interactions, "interaction"),
        plural(plan.followups, "follow-up")
    )?;
    if !plan.filled.is_empty() {
        writeln!(
            out,
            "  fills from {}: {}",
            plan.drop.key,
            plan.filled.join(", ")
        )?;
    }
    if plan.conflicts.is_empty() {
        writeln!(out, "  no conflicting fields")?;
        return Ok(());
    }
    let mut table = Table::new(vec![
        Column::left("FIELD"),
        Column::left("KEEP").shrinks(1, 8),
        Column::left("DROP").shrinks(1, 8),
        Column::left("CHOSEN"),
    ]);
    for c in &plan.conflicts {
        let chosen = if c.take { "drop (--take)" } else { "keep" };
        table.push(vec![
            c.field.clone().into(),
            c.keep.clone().into(),
            c.drop.clone().into(),
            chosen.into(),
        ]);
    }
    let output = env.output();
    write!(env.out(), "{}", table.render(&output))?;
    Ok(())
}

pub fn duplicates(book: &Book, json: bool, env: &mut dyn CmdEnv) -> CmdResult {
    let pairs = book.likely_duplicates()?;
    if json {
        let v: Vec<_> = pairs
            .iter()
            .map(|p| {
                let (by, value) = match &p.likeness {
                    Likeness::Name(n) => ("name", n),
                    Likeness::Domain(d) => ("domain", d),
                };
                json!({
                    "first": p.first, "first_name": p.first_name,
                    "second": p.second, "second_name": p.second_name,
                    "by": by, "value": value,
                })
            })
            .collect();
        writeln!(env.out(), "{:#}", serde_json::Value::Array(v))?;
        return Ok(());
    }
    if pairs.is_empty() {
        writeln!(env.out(), "no likely duplicates")?;
        return Ok(());
    }
    let mut table = Table::new(vec![
        Column::left("KEY"),
        Column::left("NAME").shrinks(1, 8),
        Column::left("LIKELY SAME AS"),
        Column::left("NAME ").shrinks(1, 8),
        Column::left("BECAUSE").shrinks(2, 10),
    ]);
    for p in &pairs {
        let because = match &p.likeness {
            Likeness::Name(n) => format!("name \"{n}\""),
            Likeness::Domain(d) => format!("e-mail @{d}"),
        };
        table.push(vec![
            p.first.clone().into(),
            p.first_name.clone().into(),
            p.second.clone().into(),
            p.second_name.clone().into(),
            because.into(),
        ]);
    }
    let output = env.output();
    write!(env.out(), "{}", table.render(&output))?;
    writeln!(
        env.out(),
        "{} (merge with `kam merge KEEP DROP --dry-run` first)",
        plural(pairs.len(), "likely duplicate pair")
    )?;
    Ok(())
}
