//! The `derived` tree: the segmentation engine's inputs (per account, its
//! compact events and contacts: `segment::AccountInputs`) saved so that a
//! cold open reads a few thousand values instead of decoding every
//! interaction record. Derived means disposable: it can always be rebuilt
//! from the records, so it is only used when it provably reflects them.
//!
//! ```text
//!   "head"            → DerivedHead { seq, buckets, accounts }
//!   "b" + u32 (BE)    → Vec<AccountInputs>, the accounts of one bucket
//! ```
//!
//! Accounts are spread over `buckets` values (about 64 accounts each) so
//! that a save after a few edits rewrites a few small values, and a load
//! reads few large ones. Head and buckets are written in one atomic sled
//! batch; every value is an envelope, so a flipped byte fails its CRC.
//!
//! Trust: the head names the change-log seq the snapshot reflects. A load
//! for another seq, a missing bucket, a bucket that fails to decode or an
//! account count that differs is "no snapshot" (the book rebuilds and
//! saves again). A write that bypasses the change log (a batch without
//! audit info, the single-record methods) removes the head first, so a
//! snapshot can never outlive a change the seq does not show.

use super::Store;
use super::codec::{self, Record, Tag};
use super::error::Result;
use crate::domain::AccountId;
use crate::segment::AccountInputs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// Name of the tree.
pub(crate) const DERIVED_TREE: &str = "derived";
const HEAD: &[u8] = b"head";
/// Accounts per bucket aimed at.
const PER_BUCKET: usize = 64;

/// Bytes of new values per sled batch of a save, about (see `SaveBatches`).
const SAVE_BATCH: usize = 4 << 20;

/// A save's new values, written in batches of about `SAVE_BATCH` bytes. A
/// save that fits in one is one atomic batch with its head; a larger one
/// removes the head with its first batch and writes it with its last, so
/// that a save cut short leaves no snapshot (the next open rebuilds) rather
/// than buckets and a head that disagree. One batch of every bucket of a
/// 100k-account book held 34 MB, and sled copied it.
struct SaveBatches<'a> {
    tree: &'a sled::Tree,
    batch: sled::Batch,
    bytes: usize,
    /// `SAVE_BATCH` (smaller in tests).
    limit: usize,
    head_removed: bool,
}

impl<'a> SaveBatches<'a> {
    fn new(tree: &'a sled::Tree) -> Self {
        SaveBatches {
            tree,
            batch: sled::Batch::default(),
            bytes: 0,
            limit: SAVE_BATCH,
            head_removed: false,
        }
    }

    fn remove(&mut self, key: sled::IVec) {
        self.batch.remove(key);
    }

    fn insert(&mut self, key: &[u8], value: Vec<u8>) -> Result<()> {
        self.bytes += value.len();
        self.batch.insert(key, value);
        if self.bytes >= self.limit {
            let mut batch = std::mem::take(&mut self.batch);
            if !self.head_removed {
                batch.remove(HEAD);
                self.head_removed = true;
            }
            self.tree.apply_batch(batch)?;
            self.bytes = 0;
        }
        Ok(())
    }

    fn finish(mut self, head: &DerivedHead) -> Result<()> {
        self.batch.insert(HEAD, codec::encode(head)?);
        self.tree.apply_batch(self.batch)?;
        Ok(())
    }
}

/// What a snapshot reflects and how it is laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedHead {
    /// The change-log seq (`Store::last_seq`) the snapshot reflects.
    pub seq: u64,
    pub buckets: u32,
    /// Accounts over all buckets (a cross-check of the load).
    pub accounts: u64,
}

impl Record for DerivedHead {
    const TAG: Tag = Tag::DerivedHead;
    const TREE: &'static str = DERIVED_TREE;
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => codec::payload(p),
            v => Err(format!("unknown record format version {v}")),
        }
    }
}

/// One bucket of account inputs.
impl Record for Vec<AccountInputs> {
    const TAG: Tag = Tag::DerivedBucket;
    const TREE: &'static str = DERIVED_TREE;
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => codec::payload(p),
            v => Err(format!("unknown record format version {v}")),
        }
    }
}

fn bucket_key(b: u32) -> [u8; 5] {
    let mut k = [b'b', 0, 0, 0, 0];
    k[1..].copy_from_slice(&b.to_be_bytes());
    k
}

/// The bucket of an account: ids are spread by a multiplicative hash, so
/// sequential ids fill buckets evenly.
fn bucket_of(id: AccountId, buckets: u32) -> u32 {
    let h = id.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    (h % u64::from(buckets.max(1))) as u32
}

/// Why a snapshot was not loaded (for benchmarks and tests; the book just
/// rebuilds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DerivedMiss {
    Missing,
    /// Saved for another change-log seq.
    Stale {
        saved: u64,
        current: u64,
    },
    Damaged(String),
}

impl Store {
    /// How many writes so far bypassed the change log (see `invalidate_derived`):
    /// a book compares it before saving, so that a book opened before such a
    /// write never saves what it knew as current.
    pub fn unlogged_writes(&self) -> u64 {
        self.unlogged.load(Ordering::SeqCst)
    }

    /// Forgets the snapshot: called before any write the change log does not
    /// record, so that the snapshot cannot outlive it (public for tools and
    /// benchmarks that want the next open to rebuild).
    pub fn invalidate_derived(&self) -> Result<()> {
        self.unlogged.fetch_add(1, Ordering::SeqCst);
        self.derived.remove(HEAD)?;
        Ok(())
    }

    /// The head of the saved snapshot, if any and readable.
    pub fn derived_head(&self) -> Result<Option<DerivedHead>> {
        match self.derived.get(HEAD)? {
            Some(b) => Ok(codec::decode(&b).ok()),
            None => Ok(None),
        }
    }

    /// The saved engine inputs if they reflect change `seq` and every part
    /// verifies.
    pub fn load_derived(
        &self,
        seq: u64,
    ) -> Result<std::result::Result<Vec<AccountInputs>, DerivedMiss>> {
        let mut out = Vec::new();
        let loaded = self.load_derived_parts(seq, |_, mut part| {
            out.append(&mut part);
            Ok(())
        })?;
        Ok(loaded.map(|_| out))
    }

    /// The saved engine inputs if they reflect change `seq`, handed to
    /// `take` a bucket at a time (never all decoded at once), with the
    /// number of accounts the snapshot holds; an error from `take` (inputs
    /// it refuses) is a miss like a damaged part.
    /// Returns the number of accounts, or why the snapshot cannot be used —
    /// in which case `take` may have been given parts of it.
    pub fn load_derived_parts(
        &self,
        seq: u64,
        mut take: impl FnMut(usize, Vec<AccountInputs>) -> std::result::Result<(), String>,
    ) -> Result<std::result::Result<u64, DerivedMiss>> {
        let Some(bytes) = self.derived.get(HEAD)? else {
            return Ok(Err(DerivedMiss::Missing));
        };
        let head: DerivedHead = match codec::decode(&bytes) {
            Ok(h) => h,
            Err(e) => return Ok(Err(DerivedMiss::Damaged(e.to_string()))),
        };
        if head.seq != seq {
            return Ok(Err(DerivedMiss::Stale {
                saved: head.seq,
                current: seq,
            }));
        }
        let size = usize::try_from(head.accounts).unwrap_or(0);
        let mut accounts = 0u64;
        for b in 0..head.buckets {
            let Some(bytes) = self.derived.get(bucket_key(b))? else {
                return Ok(Err(DerivedMiss::Damaged(format!("bucket {b} is missing"))));
            };
            let part = match codec::decode::<Vec<AccountInputs>>(&bytes) {
                Ok(part) => part,
                Err(e) => return Ok(Err(DerivedMiss::Damaged(e.to_string()))),
            };
            if part.iter().any(|a| bucket_of(a.account, head.buckets) != b) {
                return Ok(Err(DerivedMiss::Damaged(format!(
                    "bucket {b} holds another bucket's account"
                ))));
            }
            accounts += part.len() as u64;
            if let Err(e) = take(size, part) {
                return Ok(Err(DerivedMiss::Damaged(e)));
            }
        }
        if accounts != head.accounts {
            return Ok(Err(DerivedMiss::Damaged(format!(
                "{accounts} accounts where the head says {}",
                head.accounts
            ))));
        }
        Ok(Ok(accounts))
    }

    /// Replaces the whole snapshot with the inputs of the accounts `ids`
    /// (`inputs` gives each, asked a bucket at a time: the whole book's at
    /// once were 72 MB at 100k accounts and 1M interactions), reflecting
    /// change `seq`.
    pub fn save_derived_all(
        &self,
        seq: u64,
        ids: &[AccountId],
        inputs: &dyn Fn(AccountId) -> Option<AccountInputs>,
    ) -> Result<()> {
        let buckets = u32::try_from(ids.len().div_ceil(PER_BUCKET).max(1)).unwrap_or(u32::MAX);
        let mut parts: Vec<Vec<AccountId>> = vec![Vec::new(); buckets as usize];
        for &id in ids {
            parts[bucket_of(id, buckets) as usize].push(id);
        }
        let mut batches = SaveBatches::new(&self.derived);
        // Values of an earlier, larger layout go.
        for kv in self.derived.iter().keys() {
            batches.remove(kv?);
        }
        let mut accounts = 0;
        for (b, part) in parts.into_iter().enumerate() {
            let part: Vec<AccountInputs> = part.into_iter().filter_map(inputs).collect();
            accounts += part.len() as u64;
            batches.insert(&bucket_key(b as u32), codec::encode(&part)?)?;
        }
        batches.finish(&DerivedHead {
            seq,
            buckets,
            accounts,
        })?;
        self.flush()
    }

    /// Updates a snapshot saved for change `base` to reflect change `seq`:
    /// `changed` lists every account that changed since, and `inputs` gives
    /// its new inputs (None: the account is gone), asked a bucket at a time
    /// (after an import the whole book's inputs at once were 72 MB). Returns
    /// false when the saved snapshot is not the one for `base`, was laid
    /// out for a much smaller book, or has a bucket that cannot be read: the
    /// caller then saves it all (a save of many batches cut short by that
    /// has already removed the head, see `SaveBatches`).
    pub fn save_derived_changes(
        &self,
        base: u64,
        seq: u64,
        changed: Vec<AccountId>,
        inputs: &dyn Fn(AccountId) -> Option<AccountInputs>,
    ) -> Result<bool> {
        let Some(mut head) = self.derived_head()? else {
            return Ok(false);
        };
        if head.seq != base {
            return Ok(false);
        }
        // A book that grew since its layout was made (a new book's first
        // save has one bucket; an import then brings 100k accounts) is laid
        // out again by a full save: each save of changes would rewrite
        // buckets far larger than `PER_BUCKET`.
        let grown = (head.accounts as usize).saturating_add(changed.len());
        if grown > (head.buckets as usize).saturating_mul(PER_BUCKET * 4) {
            return Ok(false);
        }
        let mut by_bucket: BTreeMap<u32, Vec<AccountId>> = BTreeMap::new();
        for id in changed {
            by_bucket
                .entry(bucket_of(id, head.buckets))
                .or_default()
                .push(id);
        }
        let mut batches = SaveBatches::new(&self.derived);
        let mut count = head.accounts as i64;
        for (b, edits) in by_bucket {
            let Some(bytes) = self.derived.get(bucket_key(b))? else {
                return Ok(false);
            };
            let Ok(mut part) = codec::decode::<Vec<AccountInputs>>(&bytes) else {
                return Ok(false);
            };
            // One pass over the bucket, however many of its accounts changed.
            let edited: std::collections::HashSet<AccountId> = edits.iter().copied().collect();
            let before = part.len();
            part.retain(|a| !edited.contains(&a.account));
            count -= (before - part.len()) as i64;
            for inp in edits.into_iter().filter_map(inputs) {
                part.push(inp);
                count += 1;
            }
            batches.insert(&bucket_key(b), codec::encode(&part)?)?;
        }
        head.seq = seq;
        head.accounts = count.max(0) as u64;
        batches.finish(&head)?;
        self.flush()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A save larger than a batch has no head from its first batch to its
    /// last: cut short, it leaves no snapshot rather than a wrong one. A
    /// save that fits in one batch keeps the old head until it is applied.
    #[test]
    fn a_save_in_many_batches_has_no_head_until_its_last() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(dir.path()).unwrap();
        store.save_derived_all(1, &[], &|_| None).unwrap();
        let head = |store: &super::super::Store| store.derived_head().unwrap().map(|h| h.seq);
        assert_eq!(head(&store), Some(1));

        let mut small = SaveBatches::new(&store.derived);
        small.insert(&bucket_key(0), vec![0; 20]).unwrap();
        assert_eq!(head(&store), Some(1), "nothing applied yet");
        drop(small);
        assert_eq!(head(&store), Some(1), "a dropped save wrote nothing");

        let mut large = SaveBatches::new(&store.derived);
        large.limit = 10;
        large.insert(&bucket_key(0), vec![0; 20]).unwrap();
        assert_eq!(head(&store), None, "cut short here: no snapshot");
        large.insert(&bucket_key(1), vec![0; 5]).unwrap();
        large
            .finish(&DerivedHead {
                seq: 2,
                buckets: 2,
                accounts: 0,
            })
            .unwrap();
        assert_eq!(head(&store), Some(2));
    }
}
