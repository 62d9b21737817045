//! Merging a duplicate account into the one kept: its contacts, timeline
//! and follow-ups move to KEEP, its fields fill KEEP's empty ones (or, when
//! both differ, replace them where the user says `take`), and DROP is
//! deleted — all as one audited change. DROP is deleted rather than marked
//! merged so that its key is free and no list shows it; the audit entry
//! holds its last image and every moved record's before-image, which is
//! exactly what undo puts back. (Not `merge.rs`: that is the three-way field
//! merge of concurrent edits.)

use super::ops::Done;
use super::{Book, RequestId, Result};
use crate::audit::{RecordRef, RefKind};
use crate::domain::Account;
use crate::domain::FieldError;
use crate::store::{Batch, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The account fields a merge decides, in the order they are shown. `tags`
/// are joined, never in conflict.
pub const MERGE_FIELDS: [&str; 12] = [
    "name",
    "owner",
    "backup_owner",
    "industry",
    "region",
    "status",
    "since",
    "orientation",
    "ratings",
    "profile",
    "tags",
    "pin",
];

/// A field both accounts set differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeConflict {
    pub field: String,
    pub keep: String,
    pub drop: String,
    /// DROP's value is taken.
    pub take: bool,
}

/// What a merge will do (the dry run shows it; the write does it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergePlan {
    pub keep: Account,
    pub drop: Account,
    /// KEEP as it will be.
    pub merged: Account,
    pub conflicts: Vec<MergeConflict>,
    /// Fields KEEP left empty that DROP fills.
    pub filled: Vec<String>,
    pub contacts: usize,
    pub interactions: usize,
    pub followups: usize,
}

fn invalid(field: &'static str, msg: String) -> StoreError {
    StoreError::Invalid(FieldError::new(field, msg))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A field's value in one line, for the conflict list: records (ratings,
/// profile) as their set parts, `part: value`.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .iter()
            .filter(|(_, x)| !is_empty(x))
            .map(|(k, x)| format!("{k}: {}", show(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(a) => a.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

impl Book {
    /// Plans merging `drop` into `keep`, taking DROP's value for the fields
    /// in `take`. Nothing is written.
    pub fn plan_merge(&self, keep: &str, drop: &str, take: &[String]) -> Result<MergePlan> {
        let k = self.find_account(keep)?.into_owned();
        let d = self.find_account(drop)?.into_owned();
        if k.id == d.id {
            return Err(invalid("drop", format!("{} cannot be merged into itself", k.key)).into());
        }
        for f in take {
            if !MERGE_FIELDS.contains(&f.as_str()) || f == "tags" {
                return Err(invalid(
                    "take",
                    format!(
                        "'{f}' is not a field a merge can take (fields: {})",
                        MERGE_FIELDS
                            .iter()
                            .filter(|x| **x != "tags")
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .into());
            }
        }
        let kv = serde_json::to_value(&k).unwrap_or_default();
        let dv = serde_json::to_value(&d).unwrap_or_default();
        let mut out = kv.clone();
        let mut conflicts = Vec::new();
        let mut filled = Vec::new();
        for f in MERGE_FIELDS {
            let (a, b) = (&kv[f], &dv[f]);
            if a == b || is_empty(b) {
                continue;
            }
            if f == "tags" {
                let mut tags = k.tags.clone();
                tags.extend(d.tags.iter().filter(|t| !k.tags.contains(t)).cloned());
                out[f] = serde_json::to_value(tags).unwrap_or_default();
                filled.push(f.to_string());
            } else if is_empty(a) {
                out[f] = b.clone();
                filled.push(f.to_string());
            } else {
                let take = take.iter().any(|t| t == f);
                if take {
                    out[f] = b.clone();
                }
                conflicts.push(MergeConflict {
                    field: f.to_string(),
                    keep: show(a),
                    drop: show(b),
                    take,
                });
            }
        }
        let merged: Account = serde_json::from_value(out)
            .map_err(|e| invalid("take", format!("cannot combine the fields: {e}")))?;
        Ok(MergePlan {
            contacts: self.store.contacts_of(d.id)?.len(),
            interactions: self.store.interactions_of(d.id)?.len(),
            followups: self.store.followups_of(d.id)?.len(),
            keep: k,
            drop: d,
            merged,
            conflicts,
            filled,
        })
    }

    /// Merges as planned, as one change (see the module comment).
    pub(super) fn merge_accounts(
        &mut self,
        keep: &str,
        drop: &str,
        take: &[String],
        request: Option<RequestId>,
    ) -> Result<Done> {
        let plan = self.plan_merge(keep, drop, take)?;
        let (k, d) = (plan.keep.id, plan.drop.id);
        let mut batch = Batch {
            exact_ids: true,
            ..Batch::default()
        };
        // KEEP keeps its own primary and backup contact; DROP's become plain
        // contacts so the account does not end up with two of each.
        let own = self.store.contacts_of(k)?;
        let has_primary = own.iter().any(|c| c.primary);
        let has_backup = own.iter().any(|c| c.backup);
        for mut c in self.store.contacts_of(d)? {
            c.account = k;
            c.primary &= !has_primary;
            c.backup &= !has_backup;
            batch.contacts.push(c);
        }
        for mut i in self.store.interactions_of(d)? {
            i.account = k;
            batch.interactions.push(i);
        }
        for mut f in self.store.followups_of(d)? {
            f.account = k;
            batch.followups.push(f);
        }
        if plan.merged != plan.keep {
            batch.accounts.push(plan.merged);
        }
        batch.deletes.push(RecordRef {
            kind: RefKind::Account,
            id: d.0,
            account: d,
            key: plan.drop.key.clone(),
        });
        let applied = self.commit(batch, "merge_accounts", request, None)?;
        let mut done = Done::of(applied, "merge_accounts");
        done.count = plan.contacts + plan.interactions + plan.followups;
        Ok(done)
    }
}
