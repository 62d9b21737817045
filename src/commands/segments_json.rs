//! `kam segments --json`, written as it is produced: one account at a time
//! into the output, never a JSON tree of the whole book in memory (at 100k
//! accounts that tree was larger than the book and slower to build than to
//! print). The bytes are what pretty-printing the whole document gives:
//! keys in alphabetical order, two-space indent.

use super::report::AccountLookup;
use crate::domain::AccountId;
use crate::segment::{AccountScore, Engine};
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Write;

/// One account; fields in alphabetical order (the document's key order).
#[derive(Serialize)]
struct AccountJson<'a> {
    computed_tier: &'a str,
    flags: Vec<&'static str>,
    growth: Option<f64>,
    key: &'a str,
    last_order: Option<NaiveDate>,
    last_touch: Option<NaiveDate>,
    lifecycle: &'static str,
    margin_12m: String,
    name: &'a str,
    next_due: Option<NaiveDate>,
    open_complaints: u32,
    orders_12m: u32,
    overdue_amount: String,
    pinned: bool,
    potential_score: f64,
    revenue_12m: String,
    tier: &'a str,
    value_score: f64,
}

#[derive(Serialize)]
struct ParetoJson {
    active_accounts: usize,
    top20_accounts: usize,
    top20_revenue_share: f64,
    total_revenue_12m: String,
}

#[derive(Serialize)]
#[serde(bound(serialize = "Streamed<I>: Serialize"))]
struct Doc<'a, I: Iterator<Item = AccountJson<'a>>> {
    accounts: Streamed<I>,
    as_of: String,
    model: &'a str,
    pareto: ParetoJson,
    tiers: serde_json::Value,
}

/// A sequence serialized straight from an iterator.
pub(super) struct Streamed<I>(pub(super) RefCell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Streamed<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        s.collect_seq(items.into_iter().flatten())
    }
}

/// Writes the document (and a newline) to `out`: every account in display
/// order, or only `only`, in its order (a saved view's filter and sort).
pub fn write(
    engine: &Engine,
    lookup: &impl AccountLookup,
    only: Option<&[AccountId]>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let scores = match only {
        None => engine.scores(),
        Some(ids) => ids.iter().filter_map(|id| engine.score(*id)).collect(),
    };
    // An account the lookup lacks is named by its id, as elsewhere.
    let names: Vec<(Cow<str>, &str)> = scores
        .iter()
        .map(|s| match lookup.account(s.account) {
            Some(a) => (Cow::Borrowed(a.key.as_str()), a.name.as_str()),
            None => (Cow::Owned(format!("#{}", s.account)), ""),
        })
        .collect();
    let prio = |t: &str| engine.model().tier(t).map_or(u32::MAX, |p| p.priority);
    // Display order: tier priority, then value score, then key (a view's
    // accounts keep the view's order).
    let mut order: Vec<usize> = (0..scores.len()).collect();
    if only.is_none() {
        order.sort_by(|&i, &j| {
            let (a, b) = (&scores[i], &scores[j]);
            prio(&a.tier)
                .cmp(&prio(&b.tier))
                .then(b.value_score.total_cmp(&a.value_score))
                .then_with(|| names[i].0.cmp(&names[j].0))
        });
    }
    let accounts = order.iter().map(|&i| {
        let s: &AccountScore = &scores[i];
        let (key, name) = (names[i].0.as_ref(), names[i].1);
        let m = &s.metrics;
        AccountJson {
            computed_tier: &s.computed_tier,
            flags: s.flags.iter().map(|f| f.as_str()).collect(),
            growth: m.growth.map(super::report::r4),
            key,
            last_order: m.last_order,
            last_touch: m.last_touch,
            lifecycle: s.lifecycle.as_str(),
            margin_12m: m.margin_12m.to_string(),
            name,
            next_due: s.next_due,
            open_complaints: m.open_complaints,
            orders_12m: m.orders_12m,
            overdue_amount: m.overdue_amount.to_string(),
            pinned: s.pinned,
            potential_score: super::report::r2(s.potential_score),
            revenue_12m: m.revenue_12m.to_string(),
            tier: &s.tier,
            value_score: super::report::r2(s.value_score),
        }
    });
    let p = engine.pareto();
    let doc = Doc {
        accounts: Streamed(RefCell::new(Some(accounts))),
        as_of: engine.as_of().to_string(),
        model: &engine.model().name,
        pareto: ParetoJson {
            active_accounts: p.active_accounts,
            top20_accounts: p.top20_accounts,
            top20_revenue_share: super::report::r4(p.top20_revenue_share),
            total_revenue_12m: p.total_revenue_12m.to_string(),
        },
        tiers: serde_json::Value::Array(super::report::tier_totals_json(&engine.matrix())),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)?;
    out.flush()
}
