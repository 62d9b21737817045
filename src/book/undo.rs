//! Undo: the current user's own last change (not someone else's, not one
//! already undone, not the tier bookkeeping that follows writes) is reverted
//! by restoring every record's `before` image and deleting what it created.
//! The undo is itself an audited change (`undo`, with `undo_of`). If a record
//! changed since, the undo is refused rather than clobbering that change.

use super::ops::Done;
use super::{Book, BookError, RequestId, Result};
use crate::audit::{self, AuditEntry, RecordChange, RecordImage, RecordRef, RefKind};
use crate::domain::{
    AccountId, ContactId, FollowUpId, Interaction, InteractionId, InteractionKind,
};
use crate::store::{Batch, MetaValue};
use std::collections::HashSet;

/// Bookkeeping written as a consequence of other writes: not undoable alone.
const NOT_UNDOABLE: [&str; 1] = ["tier_change"];

impl Book {
    /// The change `undo` would revert now.
    pub fn undo_target(&self) -> Result<Option<AuditEntry>> {
        let mut undone: HashSet<u64> = HashSet::new();
        let mut target = None;
        self.store.audit_rev(|e| {
            if let Some(s) = e.undo_of {
                undone.insert(s);
                return true;
            }
            if e.user == self.user
                && !NOT_UNDOABLE.contains(&e.action.as_str())
                && !undone.contains(&e.seq)
            {
                target = Some(e);
                return false;
            }
            true
        })?;
        Ok(target)
    }

    pub(super) fn undo(&mut self, request: Option<RequestId>) -> Result<Done> {
        let Some(entry) = self.undo_target()? else {
            return Err(BookError::Undo(format!(
                "nothing to undo: {} has no change of their own left to undo",
                self.user
            )));
        };
        let mut batch = Batch {
            exact_ids: true,
            ..Batch::default()
        };
        for c in &entry.changes {
            let system = self.check_unchanged(&entry, c)?;
            batch.deletes.extend(system);
        }
        for c in &entry.changes {
            match (&c.before, c.record.kind) {
                (Some(RecordImage::Account(a)), _) => batch.accounts.push((**a).clone()),
                (Some(RecordImage::Contact(x)), _) => batch.contacts.push(x.clone()),
                (Some(RecordImage::Interaction(x)), _) => batch.interactions.push(x.clone()),
                (Some(RecordImage::FollowUp(x)), _) => batch.followups.push(x.clone()),
                (Some(RecordImage::Meta(text)), _) => batch.blobs.push((
                    c.record.key.clone(),
                    Some(MetaValue::from_image(&c.record.key, text)),
                )),
                (None, RefKind::Meta) => batch.blobs.push((c.record.key.clone(), None)),
                (None, _) => batch.deletes.push(c.record.clone()),
            }
        }
        let applied = self.commit(batch, "undo", request, Some(entry.seq))?;
        Ok(Done {
            applied,
            action: "undo",
            merged: Vec::new(),
            import: None,
            count: 0,
            undone: Some(entry.seq),
        })
    }

    /// Refuses when the record is no longer as the change left it. For an
    /// account's creation, returns kam's own system entries on it, which go
    /// with the account.
    fn check_unchanged(&self, entry: &AuditEntry, c: &RecordChange) -> Result<Vec<RecordRef>> {
        let r = &c.record;
        let now: Option<RecordImage> = match r.kind {
            RefKind::Account => self
                .account(AccountId(r.id))
                .map(|a| RecordImage::Account(Box::new(a.into_owned()))),
            RefKind::Contact => self
                .store
                .contact(ContactId(r.id))?
                .map(RecordImage::Contact),
            RefKind::Interaction => self
                .store
                .interaction(InteractionId(r.id))?
                .map(RecordImage::Interaction),
            RefKind::FollowUp => self
                .store
                .followup(FollowUpId(r.id))?
                .map(RecordImage::FollowUp),
            RefKind::Meta => self
                .store
                .meta_value(&r.key)?
                .map(|v| RecordImage::Meta(v.image())),
        };
        // Content, not version: changes since that were themselves undone
        // leave the record as this change left it.
        let same = match (&now, &c.after) {
            (Some(a), Some(b)) => audit::field_diffs(&a.to_json(), &b.to_json()).is_empty(),
            (None, None) => true,
            _ => false,
        };
        if !same {
            let by = self.later_change(entry.seq, c)?;
            return Err(BookError::Undo(format!(
                "cannot undo change {} ({}): {} was changed since{} — undoing would overwrite \
                 that change. Edit it by hand instead.",
                entry.seq,
                entry.action,
                r.label(),
                by.map(|(seq, user)| format!(" by {user} (change {seq})"))
                    .unwrap_or_default()
            )));
        }
        // Undoing an account's creation must not orphan records added to it
        // later.
        if r.kind == RefKind::Account && c.before.is_none() {
            let created: HashSet<(RefKind, u64)> = entry
                .changes
                .iter()
                .filter(|x| x.before.is_none())
                .map(|x| (x.record.kind, x.record.id))
                .collect();
            let id = AccountId(r.id);
            let contacts = self.store.contacts_of(id)?;
            let (system, interactions): (Vec<Interaction>, Vec<Interaction>) = self
                .store
                .interactions_of(id)?
                .into_iter()
                .partition(|i| i.kind == InteractionKind::System);
            let followups = self.store.followups_of(id)?;
            let mut later = contacts
                .iter()
                .map(|x| (RefKind::Contact, x.id.0))
                .chain(interactions.iter().map(|x| (RefKind::Interaction, x.id.0)))
                .chain(followups.iter().map(|x| (RefKind::FollowUp, x.id.0)))
                .filter(|k| !created.contains(k));
            if later.next().is_some() {
                return Err(BookError::Undo(format!(
                    "cannot undo change {} ({}): records were added to {} since — undoing \
                     would orphan them",
                    entry.seq,
                    entry.action,
                    r.label()
                )));
            }
            return Ok(system
                .iter()
                .map(|i| RecordRef {
                    kind: RefKind::Interaction,
                    id: i.id.0,
                    account: id,
                    key: r.key.clone(),
                })
                .collect());
        }
        Ok(Vec::new())
    }

    /// The last later change that touched the same record, preferring
    /// someone else's: (seq, user).
    fn later_change(&self, seq: u64, c: &RecordChange) -> Result<Option<(u64, String)>> {
        let later: Vec<AuditEntry> = self
            .store
            .audit_since(seq)?
            .into_iter()
            .filter(|e| e.changes.iter().any(|x| same_record(x, c)))
            .collect();
        Ok(later
            .iter()
            .rev()
            .find(|e| e.user != self.user)
            .or(later.last())
            .map(|e| (e.seq, e.user.clone())))
    }
}

/// Meta blobs are named; records have ids.
fn same_record(a: &RecordChange, b: &RecordChange) -> bool {
    a.record.kind == b.record.kind
        && match a.record.kind {
            RefKind::Meta => a.record.key == b.record.key,
            _ => a.record.id == b.record.id,
        }
}
