//! Text and JSON renderings of segmentation results for the CLI twins
//! (`kam segments`, `kam explain`, `kam agenda`, `kam matrix`). Pure: they
//! read an `Engine` and look accounts up by id for keys and names.

use crate::book::Book;
use crate::book::query::index::RowTexts;
use crate::domain::{Account, AccountId};
use crate::segment::{AccountScore, AgendaItem, Engine, Matrix};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

/// Finds an account's key and name by id (they are not in the engine).
pub trait AccountLookup {
    fn label(&self, id: AccountId) -> Option<(&str, &str)>;
}

impl AccountLookup for HashMap<AccountId, Account> {
    fn label(&self, id: AccountId) -> Option<(&str, &str)> {
        self.get(&id).map(|a| (a.key.as_str(), a.name.as_str()))
    }
}

impl AccountLookup for BTreeMap<AccountId, Account> {
    fn label(&self, id: AccountId) -> Option<(&str, &str)> {
        self.get(&id).map(|a| (a.key.as_str(), a.name.as_str()))
    }
}

impl AccountLookup for RowTexts {
    fn label(&self, id: AccountId) -> Option<(&str, &str)> {
        self.text_of(id).map(|t| (&*t.key, &*t.name))
    }
}

/// A book's labels: its kept records, else its rows' text (a book that
/// serves screens keeps no records, and reading 100k of them for their
/// keys and names cost a report about 0.4 s).
pub enum Labels<'a> {
    Records(Cow<'a, HashMap<AccountId, Account>>),
    Rows(Arc<RowTexts>),
}

impl Labels<'_> {
    pub fn of(book: &Book) -> crate::book::Result<Labels<'_>> {
        Ok(if book.records_kept() {
            Labels::Records(book.accounts_map()?)
        } else {
            Labels::Rows(book.row_texts()?)
        })
    }
}

impl AccountLookup for Labels<'_> {
    fn label(&self, id: AccountId) -> Option<(&str, &str)> {
        match self {
            Labels::Records(map) => map.label(id),
            Labels::Rows(texts) => texts.label(id),
        }
    }
}

pub(super) fn key_name(lookup: &impl AccountLookup, id: AccountId) -> (String, String) {
    match lookup.label(id) {
        Some((key, name)) => (key.to_string(), name.to_string()),
        None => (format!("#{id}"), String::new()),
    }
}

/// Two decimals: stable output for scores and shares.
pub(super) fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Ratios (growth, shares) to four decimals, as the nearest double of that
/// decimal so JSON shows `0.4433`, never `0.44329999999999997`.
pub(super) fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Accounts and 12-month revenue per tier, as `segments --json` and
/// `matrix --json` both report them.
pub(super) fn tier_totals_json(m: &Matrix) -> Vec<Value> {
    m.tiers
        .iter()
        .map(|t| {
            json!({
                "tier": t.tier,
                "accounts": t.accounts,
                "revenue_12m": t.revenue_12m.to_string(),
                "revenue_share": r4(t.revenue_share),
            })
        })
        .collect()
}

/// Accounts in display order: tier priority, then value score, then key;
/// or only `only`, in its order (a saved view's filter and sort).
fn ordered_in(
    engine: &Engine,
    lookup: &impl AccountLookup,
    only: Option<&[AccountId]>,
) -> Vec<(AccountScore, String, String)> {
    match only {
        None => ordered(engine, lookup),
        Some(ids) => ids
            .iter()
            .filter_map(|id| engine.score(*id))
            .map(|s| {
                let (k, n) = key_name(lookup, s.account);
                (s, k, n)
            })
            .collect(),
    }
}

/// Accounts in display order: tier priority, then value score, then key.
fn ordered(engine: &Engine, lookup: &impl AccountLookup) -> Vec<(AccountScore, String, String)> {
    display_order(engine, lookup)
        .into_iter()
        .filter_map(|id| engine.score(id))
        .map(|s| {
            let (k, n) = key_name(lookup, s.account);
            (s, k, n)
        })
        .collect()
}

/// Every known account in display order: tier priority, then value score
/// (highest first), then key. Sorted on those alone: 100k whole scores
/// held at once to be sorted were the peak memory of `kam segments --json`.
pub(super) fn display_order(engine: &Engine, lookup: &impl AccountLookup) -> Vec<AccountId> {
    let prio = |t: &str| engine.model().tier(t).map_or(u32::MAX, |p| p.priority);
    let mut keyed: Vec<(u32, f64, Cow<str>, AccountId)> = engine
        .tiers_and_values()
        .into_iter()
        .map(|(id, tier, value)| {
            let key = match lookup.label(id) {
                Some((key, _)) => Cow::Borrowed(key),
                None => Cow::Owned(format!("#{id}")),
            };
            (prio(tier), value, key, id)
        })
        .collect();
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then_with(|| a.2.cmp(&b.2))
    });
    keyed.into_iter().map(|(.., id)| id).collect()
}

pub use crate::domain::text::plural;

use super::Output;
use super::table::{Cell, Column, Table, money};
use crate::domain::text::pad as fit;

/// The ANSI style of a tier name: the model's most important tiers stand
/// out, the rest are dimmed.
fn tier_style(engine: &Engine, tier: &str) -> Option<&'static str> {
    let mut prios: Vec<u32> = engine.model().tiers.iter().map(|t| t.priority).collect();
    prios.sort_unstable();
    prios.dedup();
    let p = engine.model().tier(tier.trim_end_matches('*'))?.priority;
    let rank = prios.iter().position(|x| *x == p)?;
    Some(["1;32", "36", "33"].get(rank).copied().unwrap_or("2"))
}

fn right(s: &str, width: usize) -> String {
    let w = s.width();
    if w >= width {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(width - w))
    }
}

/// `kam segments`: one line per account, fitted to `output.width`.
pub fn segments_text(engine: &Engine, lookup: &impl AccountLookup, output: &Output) -> String {
    segments_text_of(engine, lookup, None, output)
}

/// `kam segments`, of `only` accounts in its order when given.
pub fn segments_text_of(
    engine: &Engine,
    lookup: &impl AccountLookup,
    only: Option<&[AccountId]>,
    output: &Output,
) -> String {
    let mut table = Table::new(vec![
        Column::left("KEY"),
        Column::left("NAME").shrinks(1, 8),
        Column::left("TIER"),
        Column::right("VALUE"),
        Column::right("POT"),
        Column::right("REVENUE_12M"),
        Column::right("ORD"),
        Column::left("LAST_ORDER"),
        // Flags go before the name is cut below 8 cells; `explain` has them.
        Column::left("FLAGS").shrinks(2, 0),
    ]);
    for (s, key, name) in ordered_in(engine, lookup, only) {
        let tier = if s.pinned {
            format!("{}*", s.tier)
        } else {
            s.tier.clone()
        };
        let flags: Vec<&str> = s.flags.iter().map(|f| f.as_str()).collect();
        table.push(vec![
            key.into(),
            name.into(),
            Cell::styled(tier, tier_style(engine, &s.tier)),
            format!("{:.1}", s.value_score).into(),
            format!("{:.1}", s.potential_score).into(),
            money(s.metrics.revenue_12m).into(),
            s.metrics.orders_12m.to_string().into(),
            s.metrics
                .last_order
                .map_or("-".into(), |d| d.to_string())
                .into(),
            flags.join(",").into(),
        ]);
    }
    let mut out = table.render(output);
    let p = engine.pareto();
    out.push_str(&format!(
        "{}; top {} {} {:.1}% of 12-month revenue ({})\n",
        plural(p.active_accounts, "active account"),
        p.top20_accounts,
        if p.top20_accounts == 1 {
            "holds"
        } else {
            "hold"
        },
        p.top20_revenue_share * 100.0,
        money(p.total_revenue_12m)
    ));
    out
}

/// `kam explain KEY --json`.
pub fn explain_json(engine: &Engine, lookup: &impl AccountLookup, id: AccountId) -> Option<Value> {
    let x = engine.explain(id)?;
    let (key, name) = key_name(lookup, id);
    let criteria: Vec<Value> = x
        .criteria
        .iter()
        .map(|c| {
            json!({
                "axis": c.axis,
                "metric": c.measure,
                "norm": c.norm,
                "raw": c.raw,
                "normalised": r2(c.normalised),
                "weight": c.weight,
                "contribution": r2(c.contribution),
            })
        })
        .collect();
    Some(json!({
        "key": key,
        "name": name,
        "as_of": engine.as_of().to_string(),
        "model": engine.model().name,
        "value_score": r2(x.value_score),
        "potential_score": r2(x.potential_score),
        "cell_tier": x.cell_tier,
        "computed_tier": x.computed_tier,
        "tier": x.tier,
        "pinned": x.pinned,
        "criteria": criteria,
        "reasons": x.reasons,
    }))
}

/// `kam explain KEY`: criterion by criterion, fitted to `output.width`
/// (criterion and normalisation cut with "…" first; numbers never).
pub fn explain_text(
    engine: &Engine,
    lookup: &impl AccountLookup,
    id: AccountId,
    output: &Output,
) -> Option<String> {
    let x = engine.explain(id)?;
    let (key, name) = key_name(lookup, id);
    let mut out = fit_lines(
        &format!(
            "{key} {name} — {} (model {}, as of {})\nvalue {:.1} · potential {:.1}\n\n",
            x.tier,
            engine.model().name,
            engine.as_of(),
            x.value_score,
            x.potential_score
        ),
        output,
    );
    // CONTRIB: the points the criterion adds to its axis score.
    let mut table = Table::new(vec![
        Column::left("AXIS"),
        Column::left("CRITERION").shrinks(2, 10),
        Column::right("RAW"),
        Column::left("NORM").shrinks(1, 0),
        Column::right("SCORE"),
        Column::right("WEIGHT"),
        Column::right("CONTRIB"),
    ]);
    for c in &x.criteria {
        let raw = c.raw.map_or("-".to_string(), raw_number);
        table.push(vec![
            c.axis.into(),
            c.measure.clone().into(),
            raw.into(),
            c.norm.clone().into(),
            format!("{:.1}", c.normalised).into(),
            format!("{}", c.weight).into(),
            format!("{:+.1}", c.contribution).into(),
        ]);
    }
    out.push_str(&table.render(output));
    out.push('\n');
    let reasons: String = x.reasons.iter().map(|r| format!("· {r}\n")).collect();
    out.push_str(&fit_lines(&reasons, output));
    Some(out)
}

/// A criterion's raw value for people: whole numbers without decimals,
/// others with two, thousands grouped either way (`32,502,707.43`).
fn raw_number(r: f64) -> String {
    let plain = if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.2}")
    };
    super::table::group_thousands(&plain)
}

/// Every line of `text` cut to `output.width` with "…" (display cells, so
/// CJK counts double); whole lines without a width (a pipe).
pub fn fit_lines(text: &str, output: &Output) -> String {
    let Some(w) = output.width else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        out.push_str(&crate::domain::text::fit(body, w as usize));
        out.push_str(nl);
    }
    out
}

/// One agenda item as `kam digest --json` gives it (`kam agenda --json`
/// writes the same fields without a tree, see `agenda_json`).
pub(super) fn agenda_item_json(key: &str, name: &str, i: &AgendaItem) -> Value {
    serde_json::to_value(super::agenda_json::ItemJson::new(key, name, i)).unwrap_or_default()
}

/// `kam agenda`, fitted to `output.width`.
pub fn agenda_text(
    engine: &Engine,
    lookup: &impl AccountLookup,
    owner: Option<&str>,
    items: &[AgendaItem],
    output: &Output,
) -> String {
    let mut out = format!(
        "Agenda {}{} — {} item(s)\n",
        engine.as_of(),
        owner.map_or(String::new(), |o| format!(" for {o}")),
        items.len()
    );
    if items.is_empty() {
        return out;
    }
    let mut table = Table::new(vec![
        Column::left("DUE"),
        Column::right("LATE"),
        Column::left("TIER"),
        Column::left("KEY"),
        Column::left("NAME").shrinks(1, 10),
        Column::left("KIND").shrinks(3, 8),
        Column::left("TEXT").shrinks(2, 12),
    ]);
    for i in items {
        let (key, name) = key_name(lookup, i.account);
        let late = if i.days_late > 0 {
            format!("+{}d", i.days_late)
        } else {
            String::new()
        };
        let kind = match i.flag {
            Some(f) => f.as_str().to_string(),
            None => i.kind.as_str().to_string(),
        };
        table.push(vec![
            i.due.to_string().into(),
            late.into(),
            Cell::styled(i.tier.to_string(), tier_style(engine, &i.tier)),
            key.into(),
            name.into(),
            kind.into(),
            super::table::group_amounts(&crate::domain::text::clean_line(&i.text)).into(),
        ]);
    }
    out.push_str(&table.render(output));
    out
}

/// `kam matrix --json`: every cell with its tier, count, revenue (a string
/// with two decimals, exact) and share of revenue.
pub fn matrix_json(engine: &Engine) -> Value {
    let m = engine.matrix();
    let cells: Vec<Value> = m
        .cells
        .iter()
        .map(|c| {
            json!({
                "row": c.row,
                "col": c.col,
                "tier": c.tier,
                "count": c.count,
                "overflow": c.overflow,
                "revenue_12m": c.revenue_12m.to_string(),
                "share": r4(c.share),
            })
        })
        .collect();
    let tiers = tier_totals_json(&m);
    json!({
        "as_of": engine.as_of().to_string(),
        "model": engine.model().name,
        "value_label": m.value_label,
        "potential_label": m.potential_label,
        "value_cuts": m.value_cuts,
        "potential_cuts": m.potential_cuts,
        "rows": m.rows,
        "cols": m.cols,
        "cells": cells,
        "tiers": tiers,
        "total_revenue_12m": m.total_revenue_12m.to_string(),
    })
}

/// `kam matrix`: the grid with count, revenue and share per cell; cells
/// narrow (22 cells down to 12) to fit `output.width`.
pub fn matrix_text(engine: &Engine, output: &Output) -> String {
    let m = engine.matrix();
    let w = match output.width {
        Some(limit) => (usize::from(limit).saturating_sub(18) / m.cols.max(1)).clamp(12, 22),
        None => 22,
    };
    let paint = |tier: &str| match (output.color, tier_style(engine, tier)) {
        (true, Some(sgr)) => {
            let shown = fit(tier, w);
            let text = shown.trim_end();
            format!("\x1b[{sgr}m{text}\x1b[0m{}", &shown[text.len()..])
        }
        _ => fit(tier, w),
    };
    let band = |cuts: &[f64], i: usize| -> String {
        match (i.checked_sub(1).and_then(|j| cuts.get(j)), cuts.get(i)) {
            (None, None) => "all".into(),
            (None, Some(hi)) => format!("< {hi}"),
            (Some(lo), None) => format!("≥ {lo}"),
            (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
        }
    };
    let mut out = format!(
        "{} × {} (model {}, as of {})\n",
        m.value_label,
        m.potential_label,
        engine.model().name,
        engine.as_of()
    );
    out.push_str(&fit("", 18));
    for c in 0..m.cols {
        out.push_str(&fit(
            &format!("{} {}", m.value_label, band(&m.value_cuts, c)),
            w,
        ));
    }
    let end = out.trim_end().len();
    out.truncate(end);
    out.push('\n');
    for r in 0..m.rows {
        let pb = band(&m.potential_cuts, m.rows - 1 - r);
        let mut lines = [
            fit(&format!("{} {pb}", m.potential_label), 18),
            fit("", 18),
            fit("", 18),
        ];
        for c in 0..m.cols {
            let Some(cell) = m.cell(r, c) else { continue };
            let accts = if cell.count == 1 { "acct" } else { "accts" };
            let count = if cell.overflow > 0 {
                format!("{} {accts} ({} over cap)", cell.count, cell.overflow)
            } else {
                format!("{} {accts}", cell.count)
            };
            lines[0].push_str(&paint(&cell.tier));
            lines[1].push_str(&fit(&count, w));
            lines[2].push_str(&fit(
                &format!(
                    "{} · {:.1}%",
                    cell.revenue_12m.compact(),
                    cell.share * 100.0
                ),
                w,
            ));
        }
        for l in lines {
            out.push_str(l.trim_end());
            out.push('\n');
        }
    }
    out.push('\n');
    for t in &m.tiers {
        let noun = if t.accounts == 1 {
            "account"
        } else {
            "accounts"
        };
        out.push_str(&format!(
            "{} {} {noun}, {} ({:.1}%)\n",
            fit(&t.tier, 14),
            right(&t.accounts.to_string(), 6),
            money(t.revenue_12m),
            t.revenue_share * 100.0
        ));
    }
    let p = engine.pareto();
    out.push_str(&format!(
        "Pareto: top {} of {} {} {:.1}% of revenue\n",
        p.top20_accounts,
        plural(p.active_accounts, "active account"),
        if p.top20_accounts == 1 {
            "holds"
        } else {
            "hold"
        },
        p.top20_revenue_share * 100.0
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, InteractionId, InteractionKind, Money};
    use crate::segment::Model;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        crate::clock::parse_date(s).unwrap()
    }

    fn world() -> (Engine, HashMap<AccountId, Account>) {
        let mut accounts = HashMap::new();
        let mut inters = Vec::new();
        for id in 1..=6u64 {
            let a = Account {
                id: AccountId(id),
                key: format!("K{id}"),
                name: if id == 1 {
                    "华为技术".into()
                } else {
                    format!("Acme {id}")
                },
                owner: "ann".into(),
                since: Some(d("2020-01-01")),
                ..Account::default()
            };
            accounts.insert(a.id, a);
            if id <= 5 {
                let mut o =
                    Interaction::new(AccountId(id), InteractionKind::Order, d("2025-03-01"));
                o.id = InteractionId(id);
                o.amount = Some(Money::from_cents(100_050 * id as i64));
                inters.push(o);
            }
        }
        let list: Vec<Account> = accounts.values().cloned().collect();
        let mut e = Engine::new(Model::default(), d("2025-06-30"));
        e.rebuild(&list, &[], inters.iter());
        (e, accounts)
    }

    #[test]
    fn segments_json_shape() {
        let (e, accounts) = world();
        let mut out = Vec::new();
        super::super::segments_json::write(&e, &accounts, None, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        // Streamed, yet byte for byte the pretty print of the document.
        assert_eq!(text, format!("{v:#}\n"));
        assert_eq!(v["as_of"], "2025-06-30");
        assert_eq!(v["model"], "value-potential");
        let list = v["accounts"].as_array().unwrap();
        assert_eq!(list.len(), 6);
        for a in list {
            for field in [
                "key",
                "name",
                "tier",
                "value_score",
                "potential_score",
                "revenue_12m",
                "orders_12m",
                "last_order",
                "flags",
                "pinned",
            ] {
                assert!(a.get(field).is_some(), "missing {field}");
            }
            assert!(a["flags"].is_array() && a["pinned"].is_boolean());
        }
        let k5 = list.iter().find(|a| a["key"] == "K5").unwrap();
        assert_eq!(k5["revenue_12m"], "5002.50");
        assert_eq!(k5["last_order"], "2025-03-01");
        let k6 = list.iter().find(|a| a["key"] == "K6").unwrap();
        assert!(k6["last_order"].is_null());
        assert_eq!(k6["revenue_12m"], "0.00");
        let p = &v["pareto"];
        assert_eq!(
            (p["active_accounts"].as_u64(), p["top20_accounts"].as_u64()),
            (Some(5), Some(1))
        );
        // 5002.50 of 15007.50
        assert_eq!(p["top20_revenue_share"].as_f64(), Some(0.3333));
        let tiers = v["tiers"].as_array().unwrap();
        let n: u64 = tiers.iter().map(|t| t["accounts"].as_u64().unwrap()).sum();
        assert_eq!(n, 6);
        assert!(
            tiers
                .iter()
                .all(|t| t["revenue_12m"].as_str().unwrap().contains('.'))
        );
    }

    /// More accounts than the JSON scores at a time, many tied on value (no
    /// orders), one missing from the lookup: the document lists every
    /// account once, in the order of the whole scores sorted by tier
    /// priority, value and key, each with its own score.
    #[test]
    fn segments_json_in_parts_keeps_the_display_order() {
        let mut accounts = HashMap::new();
        let mut inters = Vec::new();
        for id in 1..=9_000u64 {
            let a = Account {
                id: AccountId(id),
                // Keys out of id order, so the tie-break is seen.
                key: format!("K{:05}", (id * 7_919) % 9_001),
                name: format!("Acme {id}"),
                owner: "ann".into(),
                since: Some(d("2020-01-01")),
                ..Account::default()
            };
            accounts.insert(a.id, a);
            if id % 3 == 0 {
                let mut o =
                    Interaction::new(AccountId(id), InteractionKind::Order, d("2025-03-01"));
                o.id = InteractionId(id);
                o.amount = Some(Money::from_cents(1_000 * (id as i64 % 97 + 1)));
                inters.push(o);
            }
        }
        let list: Vec<Account> = accounts.values().cloned().collect();
        let mut e = Engine::new(Model::default(), d("2025-06-30"));
        e.rebuild(&list, &[], inters.iter());
        accounts.remove(&AccountId(4_500));

        let prio = |t: &str| e.model().tier(t).map_or(u32::MAX, |p| p.priority);
        let key = |id: AccountId| key_name(&accounts, id).0;
        let mut want = e.scores();
        want.sort_by(|a, b| {
            prio(&a.tier)
                .cmp(&prio(&b.tier))
                .then(b.value_score.total_cmp(&a.value_score))
                .then_with(|| key(a.account).cmp(&key(b.account)))
        });

        let mut out = Vec::new();
        super::super::segments_json::write(&e, &accounts, None, &mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let got = v["accounts"].as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g["key"], key(w.account));
            assert_eq!(g["tier"], w.tier.as_str());
            assert_eq!(g["value_score"].as_f64(), Some(r2(w.value_score)));
            assert_eq!(g["revenue_12m"], w.metrics.revenue_12m.to_string());
        }
        assert!(got.iter().any(|a| a["key"] == "#4500"));
    }

    #[test]
    fn text_renderings_align_and_mention_everything() {
        let (e, accounts) = world();
        let t = segments_text(&e, &accounts, &Output::default());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 1 + 6 + 1);
        // CJK name padded by display width: the TIER column starts at the
        // same column on every line.
        let tier_col = |l: &str| {
            let i = ["Key", "Development", "Opportunity", "Maintenance"]
                .iter()
                .filter_map(|t| l.find(t))
                .min()
                .unwrap();
            UnicodeWidthStr::width(&l[..i])
        };
        let cjk = lines.iter().find(|l| l.contains("华为")).unwrap();
        let other = lines.iter().find(|l| l.contains("Acme 2")).unwrap();
        assert_eq!(tier_col(cjk), tier_col(other));
        assert_eq!(
            tier_col(cjk),
            tier_col(lines[0].replace("TIER", "Key").as_str())
        );
        let m = matrix_text(&e, &Output::default());
        assert!(m.contains("Key") && m.contains("Opportunity") && m.contains("accts"));
        assert!(m.contains("Pareto: top 1 of 5"));
        let x = explain_text(&e, &accounts, AccountId(5), &Output::default()).unwrap();
        assert!(x.contains("revenue_12m") && x.contains("K5"));
        let narrow = Output {
            width: Some(60),
            color: false,
        };
        let x = explain_text(&e, &accounts, AccountId(5), &narrow).unwrap();
        assert!(x.lines().all(|l| UnicodeWidthStr::width(l) <= 60), "{x}");
        assert!(x.contains("revenue_12m"), "{x}");
        assert!(explain_json(&e, &accounts, AccountId(99)).is_none());
        let xj = explain_json(&e, &accounts, AccountId(5)).unwrap();
        assert_eq!(xj["criteria"].as_array().unwrap().len(), 8);
        let none = e.agenda(Some("nobody"), &[]);
        assert!(
            agenda_text(&e, &accounts, Some("nobody"), &none, &Output::default())
                .contains("0 item(s)")
        );
        let mj = matrix_json(&e);
        let cells = mj["cells"].as_array().unwrap();
        assert_eq!(
            cells.len(),
            mj["rows"].as_u64().unwrap() as usize * mj["cols"].as_u64().unwrap() as usize
        );
        let counted: u64 = cells.iter().map(|c| c["count"].as_u64().unwrap()).sum();
        assert_eq!(counted, 6);
        // Revenue exact, as a string with two decimals.
        let revenue: i64 = cells
            .iter()
            .map(|c| {
                let s = c["revenue_12m"].as_str().unwrap();
                assert_eq!(s.split_once('.').unwrap().1.len(), 2, "{s}");
                s.replace('.', "").parse::<i64>().unwrap()
            })
            .sum();
        assert_eq!(revenue, 1_500_750);
        assert!(
            cells
                .iter()
                .all(|c| c["tier"].is_string() && c["share"].is_number())
        );
    }

    #[test]
    fn raw_numbers_and_cut_lines_read_as_people_write() {
        assert_eq!(raw_number(32502707.43), "32,502,707.43");
        assert_eq!(raw_number(-1234.0), "-1,234");
        assert_eq!(raw_number(0.5), "0.50");
        assert_eq!(super::super::table::group_thousands("inf"), "inf");
        let o = Output {
            width: Some(8),
            color: false,
        };
        assert_eq!(
            fit_lines("short\nmuch longer line\n", &o),
            "short\nmuch lo…\n"
        );
        assert_eq!(
            fit_lines("x\n", &Output::default()),
            "x\n",
            "no width: whole lines"
        );
    }

    #[test]
    fn ratios_print_without_float_noise() {
        for (x, shown) in [
            (0.44329999999999997, "0.4433"),
            (-0.10210000000000001, "-0.1021"),
        ] {
            assert_eq!(serde_json::json!(r4(x)).to_string(), shown);
        }
        // The old form (two decimals of a percent, divided back) did not.
        assert_ne!(
            serde_json::json!(r2(0.4433 * 100.0) / 100.0).to_string(),
            "0.4433"
        );
    }
}
