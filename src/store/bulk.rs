//! Loading new records in bulk (the demo book): no sled transaction, one
//! atomic sled batch per tree and one flush per call.
//!
//! A transaction over fifteen trees costs far more per record than the
//! record's own bytes, and a bulk load needs none of what it buys: every
//! record is new (ids freshly reserved, keys checked here), nothing is
//! read back, nothing is audited. What a transaction would also give —
//! all trees or none on a crash — is replaced by a marker: `bulk_load`
//! is set (and flushed) before the first write and removed when the
//! caller ends the load, and a store opened with the marker present is
//! reported damaged (an interrupted load), never used half-written.

use super::Store;
use super::child::Child;
use super::codec;
use super::error::{Result, StoreError};
use super::id_index;
use super::keys;
use crate::domain::{Account, AccountId, sanitize_account};
use std::collections::HashSet;

/// Meta key present while a bulk load is under way.
pub(super) const BULK_MARK: &[u8] = b"bulk_load";

/// New records for `Store::bulk_insert`: every id 0 (fresh) except
/// accounts, whose ids are reserved by the caller so that children can
/// point to them.
#[derive(Debug, Default)]
pub struct BulkRecords {
    pub accounts: Vec<Account>,
    pub contacts: Vec<crate::domain::Contact>,
    pub interactions: Vec<crate::domain::Interaction>,
    pub followups: Vec<crate::domain::FollowUp>,
}

impl BulkRecords {
    pub fn len(&self) -> usize {
        self.accounts.len() + self.contacts.len() + self.interactions.len() + self.followups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks and keys new children; returns their blocks batch and their id
/// index batch, with the sled entries each adds.
fn children<T: Child>(
    store: &Store,
    trees: &super::ChildTrees,
    recs: Vec<T>,
    accounts: &HashSet<AccountId>,
) -> Result<([sled::Batch; 2], [i64; 2])> {
    let mut records = Vec::with_capacity(recs.len());
    let mut pairs = Vec::with_capacity(recs.len());
    for mut r in recs {
        r.sanitize()?;
        if r.id() != 0 {
            return Err(StoreError::Invalid(crate::domain::FieldError::new(
                "id",
                "a bulk load only inserts new records",
            )));
        }
        if !accounts.contains(&r.account())
            && store.accounts.get(r.account().to_be_bytes())?.is_none()
        {
            return Err(StoreError::NotFound(format!("account {}", r.account())));
        }
        r.set_id(store.reserve_id()?);
        r.set_version(1);
        let key = r.record_key();
        records.push((key.clone(), codec::encode(&r)?));
        pairs.push((r.id(), key));
    }
    let mut blocks = sled::Batch::default();
    let new_blocks = trees.layout.put_all(&trees.records, records, &mut blocks)?;
    let mut ids = sled::Batch::default();
    let new_ids = id_index::put_all(&trees.ids, pairs, &mut ids)?;
    Ok(([blocks, ids], [new_blocks, new_ids]))
}

impl Store {
    /// Starts a bulk load: marks the store as being loaded (durably) so that
    /// an interrupted load is detected on the next open.
    pub fn begin_bulk(&self) -> Result<()> {
        self.invalidate_derived()?;
        let was = self.meta.insert(BULK_MARK, &[1u8])?;
        self.tree_counts
            .add(&self.meta.name(), super::counts::inserted(was));
        self.flush()
    }

    /// Ends a bulk load: everything written is flushed, then the mark goes.
    pub fn end_bulk(&self) -> Result<()> {
        self.flush()?;
        let was = self.meta.remove(BULK_MARK)?;
        self.tree_counts
            .add(&self.meta.name(), super::counts::removed(was));
        self.flush()
    }

    /// Whether a bulk load was begun and not ended.
    pub fn bulk_interrupted(&self) -> Result<bool> {
        Ok(self.meta.get(BULK_MARK)?.is_some())
    }

    /// Inserts new records between `begin_bulk` and `end_bulk`. Records are
    /// checked as every write checks them (sanitized, account keys unique
    /// ignoring case, children's accounts present); on an error nothing of
    /// this call is written. One flush per call.
    pub fn bulk_insert(&self, recs: BulkRecords) -> Result<()> {
        if !self.bulk_interrupted()? {
            return Err(StoreError::Io(
                "bulk_insert outside begin_bulk/end_bulk".into(),
            ));
        }
        let mut acc = sled::Batch::default();
        let mut keys_b = sled::Batch::default();
        let mut folded = sled::Batch::default();
        let mut ids = HashSet::new();
        let mut folds = HashSet::new();
        for mut a in recs.accounts {
            sanitize_account(&mut a)?;
            if a.id.0 == 0 {
                a.id = AccountId(self.reserve_id()?);
            }
            let fold = keys::fold(&a.key);
            if !folds.insert(fold.clone())
                || self.folded_keys.get(fold.as_bytes())?.is_some()
                || self.account_keys.get(a.key.as_bytes())?.is_some()
            {
                return Err(StoreError::DuplicateKey(a.key));
            }
            if !ids.insert(a.id) || self.accounts.get(a.id.to_be_bytes())?.is_some() {
                return Err(StoreError::Conflict {
                    record: format!("account {}", a.id),
                    expected: 0,
                    found: 1,
                });
            }
            a.version = 1;
            let id = a.id.to_be_bytes();
            acc.insert(&id, codec::encode(&a)?);
            keys_b.insert(a.key.as_bytes(), &id);
            folded.insert(fold.as_bytes(), keys::id_list_with(&[], a.id.0));
        }
        let (c, c_added) = children(self, &self.contacts, recs.contacts, &ids)?;
        let (i, i_added) = children(self, &self.interactions, recs.interactions, &ids)?;
        let (f, f_added) = children(self, &self.followups, recs.followups, &ids)?;
        self.accounts.apply_batch(acc)?;
        self.account_keys.apply_batch(keys_b)?;
        self.folded_keys.apply_batch(folded)?;
        for (trees, [blocks, index]) in [
            (&self.contacts, c),
            (&self.interactions, i),
            (&self.followups, f),
        ] {
            trees.records.apply_batch(blocks)?;
            trees.ids.apply_batch(index)?;
        }
        // Every account written was checked absent above; the blocks and
        // the id index say what they added.
        let n = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        for (t, added) in [
            (&self.accounts, n),
            (&self.account_keys, n),
            (&self.folded_keys, n),
            (&self.contacts.records, c_added[0]),
            (&self.contacts.ids, c_added[1]),
            (&self.interactions.records, i_added[0]),
            (&self.interactions.ids, i_added[1]),
            (&self.followups.records, f_added[0]),
            (&self.followups.ids, f_added[1]),
        ] {
            self.tree_counts.add(&t.name(), added);
        }
        self.flush()
    }
}
