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
    computed_tier: String,
    flags: Vec<&'static str>,
    growth: Option<f64>,
    key: Cow<'a, str>,
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
    tier: String,
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

/// Accounts scored at a time: each is scored once more to be written (the
/// order was found from its tier and value alone), a part at a time on the
/// cores, so no more than this many whole scores are held.
const PART: usize = 4096;

/// Writes the document (and a newline) to `out`: every account in display
/// order, or only `only`, in its order (a saved view's filter and sort).
pub fn write(
    engine: &Engine,
    lookup: &impl AccountLookup,
    only: Option<&[AccountId]>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let order = match only {
        None => super::report::display_order(engine, lookup),
        Some(ids) => ids.to_vec(),
    };
    if order.len() > PART {
        engine.freeze_ranks();
    }
    let accounts = order
        .chunks(PART)
        .flat_map(|part| crate::par::map(part, |id| engine.score(*id)))
        .flatten()
        .map(|s: AccountScore| {
            // An account the lookup lacks is named by its id, as elsewhere.
            let (key, name) = match lookup.label(s.account) {
                Some((key, name)) => (Cow::Borrowed(key), name),
                None => (Cow::Owned(format!("#{}", s.account)), ""),
            };
            let m = &s.metrics;
            AccountJson {
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
                value_score: super::report::r2(s.value_score),
                computed_tier: s.computed_tier,
                tier: s.tier,
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
