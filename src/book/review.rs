//! The periodic review: the accounts a reviewer should look at (the tier
//! moved since the last review, or a pin older than the model's
//! `review_days`), and finishing the review as one audited change that
//! records the new baseline (`ReviewMark`), who reviewed, and how many
//! items were confirmed, pinned, unpinned or skipped.
//!
//! Pinning and unpinning during a review are ordinary `Pin`/`Unpin` writes
//! (each the reviewer's own decision, undone on its own); a confirmed old
//! pin is re-dated with the finish, so it comes up again one period later.

use super::ops::Done;
use super::{Book, RequestId, Result};
use crate::domain::{AccountId, ReviewMark, TierPin};
use crate::store::{Batch, META_REVIEW, MetaValue};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Name of the last finished review's summary (JSON text) in the named
/// values: kept there so that the audit entry shows it and undo restores it.
pub const META_REVIEW_SUMMARY: &str = "review_summary";

/// One account to look at in the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub account: AccountId,
    pub key: String,
    pub name: String,
    pub owner: String,
    /// The tier at the last review, when the tier moved since.
    pub from: Option<String>,
    /// The tier in force now.
    pub to: String,
    /// The pin, when it is older than the review period.
    pub old_pin: Option<TierPin>,
    /// The tier in force is pinned (by an old pin or a recent one).
    pub pinned: bool,
    /// Why the tier is what it is (the engine's explanation, in words).
    pub why: Vec<String>,
}

impl ReviewItem {
    /// "B → A", "pinned to A since 2026-01-03", or both.
    pub fn what(&self) -> String {
        let mut parts = Vec::new();
        if let Some(from) = &self.from {
            parts.push(format!("{from} → {}", self.to));
        }
        if let Some(p) = &self.old_pin {
            parts.push(format!(
                "pinned to {} since {} ({})",
                p.tier, p.at, p.reason
            ));
        }
        parts.join("; ")
    }
}

/// What a finished review decided; the reviewer and the day are kept too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTally {
    pub confirmed: usize,
    pub pinned: usize,
    pub unpinned: usize,
    pub skipped: usize,
}

impl ReviewTally {
    /// The accounts the review went through.
    pub fn items(&self) -> usize {
        self.confirmed + self.pinned + self.unpinned + self.skipped
    }
}

/// The summary of the last finished review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSummary {
    pub by: String,
    pub day: NaiveDate,
    /// Accounts reviewed (the decisions made before the finish changed
    /// which accounts are due, so the tally counts them).
    pub items: usize,
    #[serde(flatten)]
    pub tally: ReviewTally,
}

impl Book {
    /// The review period in days (the model's `review_days`).
    pub fn review_days(&self) -> u32 {
        self.engine.model().review_days
    }

    /// Every account due for review, by key: its tier differs from the one
    /// remembered at the last review (none before the first review: it sets
    /// the baseline), or its pin is at least `review_days` old.
    pub fn review_due(&self) -> Result<Vec<ReviewItem>> {
        let mark: HashMap<AccountId, String> = self
            .store
            .review()?
            .map(|r| r.tiers.into_iter().collect())
            .unwrap_or_default();
        let today = self.clock.today();
        let period = i64::from(self.review_days());
        let mut items = Vec::new();
        for a in self.records()?.values() {
            let Some(tier) = self.engine.tier(a.id) else {
                continue;
            };
            let from = mark.get(&a.id).filter(|t| **t != tier).cloned();
            let old_pin = a
                .pin
                .as_deref()
                .filter(|p| (today - p.at).num_days() >= period)
                .cloned();
            if from.is_none() && old_pin.is_none() {
                continue;
            }
            let why = self
                .engine
                .explain(a.id)
                .map(|e| e.reasons)
                .unwrap_or_default();
            items.push(ReviewItem {
                account: a.id,
                key: a.key.clone(),
                name: a.name.clone(),
                owner: a.owner.clone(),
                from,
                to: tier,
                old_pin,
                pinned: a.pin.is_some(),
                why,
            });
        }
        items.sort_by(|x, y| x.key.cmp(&y.key));
        Ok(items)
    }

    /// The last finished review, if any.
    pub fn last_review_summary(&self) -> Result<Option<ReviewSummary>> {
        Ok(match self.store.meta_value(META_REVIEW_SUMMARY)? {
            Some(MetaValue::Bytes(b)) => serde_json::from_slice(&b).ok(),
            _ => None,
        })
    }

    /// Records the review: the tiers now as the new baseline, the summary,
    /// and the confirmed accounts' old pins dated today — one change.
    pub(super) fn finish_review(
        &mut self,
        confirmed: &[String],
        tally: ReviewTally,
        request: Option<RequestId>,
    ) -> Result<Done> {
        let today = self.clock.today();
        let due = self.review_due()?;
        let mut ids = HashSet::new();
        for key in confirmed {
            ids.insert(self.key_to_id(key)?);
        }
        let mut batch = Batch {
            exact_ids: true,
            ..Batch::default()
        };
        for item in due.iter().filter(|i| ids.contains(&i.account)) {
            if item.old_pin.is_some() {
                let mut a = self.record(item.account)?;
                if let Some(p) = &mut a.pin {
                    p.at = today;
                    p.by = self.user.clone();
                }
                batch.accounts.push(a);
            }
        }
        let scores = self.engine.scores();
        let mark = ReviewMark {
            day: today,
            tiers: scores.iter().map(|s| (s.account, s.tier.clone())).collect(),
        };
        let items = tally.items();
        let summary = ReviewSummary {
            by: self.user.clone(),
            day: today,
            items,
            tally,
        };
        let json = serde_json::to_vec(&summary).unwrap_or_default();
        batch
            .blobs
            .push((META_REVIEW.to_string(), Some(MetaValue::Review(mark))));
        batch.blobs.push((
            META_REVIEW_SUMMARY.to_string(),
            Some(MetaValue::Bytes(json)),
        ));
        let applied = self.commit(batch, "finish_review", request, None)?;
        let mut d = Done::of(applied, "finish_review");
        d.count = items;
        Ok(d)
    }
}
