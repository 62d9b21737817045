//! Saving an edit made on a version that is no longer the stored one.
//!
//! The client sends the record as it read it (`base`) and as edited
//! (`mine`). Same stored version → written as is. Otherwise a three-way
//! field merge: fields changed only by me or only by them are both kept;
//! a field both changed to different values is a conflict and nothing is
//! written. Without a base nothing can be merged: any difference between
//! the stored record and mine is reported.

use super::ops::Entry;
use super::{Book, BookError, RequestId, Result};
use crate::audit::{self, FieldConflict, RecordImage, RecordRef, RefKind};
use crate::domain::{
    Account, AccountId, Contact, FieldError, FollowUp, Interaction, check_account_entry,
    check_followup_entry, check_interaction_entry,
};
use crate::store::{Batch, StoreError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::fmt;

/// A refused save: the fields both sides changed, and the stored record
/// (what the client should now edit against).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictInfo {
    pub record: RecordRef,
    pub fields: Vec<FieldConflict>,
    pub current: RecordImage,
    /// Who made the stored version (the last change to the record).
    pub by: Option<String>,
}

impl fmt::Display for ConflictInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|c| format!("{} (theirs '{}', yours '{}')", c.field, c.theirs, c.mine))
            .collect();
        write!(
            f,
            "{} was changed by someone else meanwhile, in the same fields as your edit: {}. \
             Nothing was saved; choose a value for each, then save again.",
            self.record.label(),
            fields.join(", ")
        )
    }
}

/// The records an edit can be merged on.
pub(super) trait Mergeable: Serialize + DeserializeOwned + Clone {
    const KIND: RefKind;
    fn id(&self) -> u64;
    fn account(&self) -> AccountId;
    fn version(&self) -> u64;
    fn image(self) -> RecordImage;
    fn into_batch(self, batch: &mut Batch);
    /// The domain's entry rules for what this write changes against the
    /// stored record (`before`; None for a new one), as of `today`.
    fn check_entry(
        &self,
        before: Option<&Self>,
        today: NaiveDate,
    ) -> std::result::Result<(), FieldError>;
}

macro_rules! mergeable {
    ($t:ty, $kind:ident, $field:ident, |$s:ident| $account:expr, $check:expr) => {
        impl Mergeable for $t {
            const KIND: RefKind = RefKind::$kind;
            fn id(&self) -> u64 {
                self.id.0
            }
            fn account(&self) -> AccountId {
                let $s = self;
                $account
            }
            fn version(&self) -> u64 {
                self.version
            }
            fn image(self) -> RecordImage {
                RecordImage::$kind(self.into())
            }
            fn into_batch(self, batch: &mut Batch) {
                batch.$field.push(self);
            }
            fn check_entry(
                &self,
                before: Option<&Self>,
                today: NaiveDate,
            ) -> std::result::Result<(), FieldError> {
                $check(self, before, today)
            }
        }
    };
}

/// Contacts have no rule that depends on the day.
fn no_entry_rule<T>(_: &T, _: Option<&T>, _: NaiveDate) -> std::result::Result<(), FieldError> {
    Ok(())
}

mergeable!(Account, Account, accounts, |a| a.id, check_account_entry);
mergeable!(Contact, Contact, contacts, |c| c.account, no_entry_rule);
mergeable!(
    Interaction,
    Interaction,
    interactions,
    |i| i.account,
    check_interaction_entry
);
mergeable!(
    FollowUp,
    FollowUp,
    followups,
    |f| f.account,
    check_followup_entry
);

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    // Plain data records: serialising to JSON cannot fail.
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// The record to write for `mine` given the stored `current`, and the
/// fields someone else changed that were kept.
pub(super) fn rebase<T: Mergeable>(
    base: Option<&T>,
    current: &T,
    mine: T,
    record: RecordRef,
) -> Result<(T, Vec<String>)> {
    if current.version() == mine.version() {
        return Ok((mine, Vec::new()));
    }
    let cur = json(current);
    let mine_v = json(&mine);
    let conflict = |fields: Vec<FieldConflict>| {
        BookError::Conflict(Box::new(ConflictInfo {
            record: record.clone(),
            fields,
            current: current.clone().image(),
            by: None,
        }))
    };
    let (merged, theirs) = match base {
        Some(b) => {
            let base_v = json(b);
            let theirs = audit::field_diffs(&base_v, &cur)
                .into_iter()
                .map(|d| d.field)
                .collect();
            (
                audit::merge(&base_v, &cur, &mine_v).map_err(conflict)?,
                theirs,
            )
        }
        None => {
            let diffs = audit::field_diffs(&cur, &mine_v);
            if !diffs.is_empty() {
                return Err(conflict(
                    diffs
                        .into_iter()
                        .map(|d| FieldConflict {
                            field: d.field,
                            base: "?".into(),
                            theirs: d.before,
                            mine: d.after,
                        })
                        .collect(),
                ));
            }
            (cur, Vec::new())
        }
    };
    let t: T = serde_json::from_value(merged).map_err(|e| StoreError::Codec {
        tree: "merge",
        detail: e.to_string(),
    })?;
    Ok((t, theirs))
}

impl Book {
    fn record_ref<T: Mergeable>(&self, r: &T) -> RecordRef {
        RecordRef {
            kind: T::KIND,
            id: r.id(),
            account: r.account(),
            key: self
                .account(r.account())
                .map(|a| a.key.clone())
                .unwrap_or_default(),
        }
    }

    /// Saves `mine` (new when its id is 0), merging it onto the stored
    /// record when that moved on since `base` was read.
    pub(super) fn save_merged<T: Mergeable>(
        &mut self,
        base: Option<T>,
        mine: T,
        current: Option<T>,
        action: &str,
        request: Option<RequestId>,
        entry: Entry,
    ) -> Result<(super::Applied, Vec<String>)> {
        let mut batch = Batch {
            exact_ids: true,
            ..Batch::default()
        };
        let mut merged = Vec::new();
        let today = self.clock.today();
        let checked = entry == Entry::Checked;
        if mine.id() == 0 {
            if checked {
                mine.check_entry(None, today).map_err(StoreError::from)?;
            }
            mine.into_batch(&mut batch);
        } else {
            let r = self.record_ref(&mine);
            let Some(current) = current else {
                return Err(StoreError::NotFound(format!(
                    "{} (it no longer exists; was its creation undone?)",
                    r.label()
                ))
                .into());
            };
            let (rec, theirs) = match rebase(base.as_ref(), &current, mine, r.clone()) {
                Err(BookError::Conflict(mut info)) => {
                    info.by = self.last_editor(&r)?;
                    return Err(BookError::Conflict(info));
                }
                other => other?,
            };
            merged = theirs;
            // Saving what is already stored changes nothing: no version
            // bump, no audit entry (an undo would otherwise undo nothing).
            if audit::field_diffs(&json(&current), &json(&rec)).is_empty() {
                return Ok((super::Applied::default(), merged));
            }
            // The rules judge what is written: the merged record.
            if checked {
                rec.check_entry(Some(&current), today)
                    .map_err(StoreError::from)?;
            }
            rec.into_batch(&mut batch);
        }
        let applied = self.commit(batch, action, request, None)?;
        Ok((applied, merged))
    }

    /// The user of the last change that touched `r`.
    fn last_editor(&self, r: &RecordRef) -> Result<Option<String>> {
        Ok(self
            .store
            .audit_of_account(r.account)?
            .into_iter()
            .rev()
            .find(|e| {
                e.changes
                    .iter()
                    .any(|c| c.record.kind == r.kind && c.record.id == r.id)
            })
            .map(|e| e.user))
    }

    pub(super) fn save_account_op(
        &mut self,
        base: Option<Account>,
        mine: Account,
        request: Option<RequestId>,
        entry: Entry,
    ) -> Result<(super::Applied, Vec<String>)> {
        // A key equal to another account's ignoring case is refused by the
        // store's folded key index, in the write's own transaction.
        let current = self.account(mine.id).map(std::borrow::Cow::into_owned);
        self.save_merged(base, mine, current, "save_account", request, entry)
    }
}
