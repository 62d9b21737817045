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

    /// Replaces the whole snapshot with `inputs`, reflecting change `seq`.
    pub fn save_derived_all(&self, seq: u64, inputs: &[AccountInputs]) -> Result<()> {
        let buckets = u32::try_from(inputs.len().div_ceil(PER_BUCKET).max(1)).unwrap_or(u32::MAX);
        let mut parts: Vec<Vec<&AccountInputs>> = vec![Vec::new(); buckets as usize];
        for a in inputs {
            parts[bucket_of(a.account, buckets) as usize].push(a);
        }
        let mut batch = sled::Batch::default();
        // Values of an earlier, larger layout go.
        for kv in self.derived.iter().keys() {
            batch.remove(kv?);
        }
        for (b, part) in parts.into_iter().enumerate() {
            let part: Vec<AccountInputs> = part.into_iter().cloned().collect();
            batch.insert(&bucket_key(b as u32), codec::encode(&part)?);
        }
        let head = DerivedHead {
            seq,
            buckets,
            accounts: inputs.len() as u64,
        };
        batch.insert(HEAD, codec::encode(&head)?);
        self.derived.apply_batch(batch)?;
        self.flush()
    }

    /// Updates a snapshot saved for change `base` to reflect change `seq`:
    /// `changed` holds the new inputs of every account that changed since
    /// (None: the account is gone). Returns false, writing nothing, when the
    /// saved snapshot is not the one for `base` (the caller saves it all).
    pub fn save_derived_changes(
        &self,
        base: u64,
        seq: u64,
        changed: Vec<(AccountId, Option<AccountInputs>)>,
    ) -> Result<bool> {
        let Some(mut head) = self.derived_head()? else {
            return Ok(false);
        };
        if head.seq != base {
            return Ok(false);
        }
        let mut by_bucket: BTreeMap<u32, Vec<(AccountId, Option<AccountInputs>)>> = BTreeMap::new();
        for (id, inp) in changed {
            by_bucket
                .entry(bucket_of(id, head.buckets))
                .or_default()
                .push((id, inp));
        }
        let mut batch = sled::Batch::default();
        let mut count = head.accounts as i64;
        for (b, edits) in by_bucket {
            let Some(bytes) = self.derived.get(bucket_key(b))? else {
                return Ok(false);
            };
            let Ok(mut part) = codec::decode::<Vec<AccountInputs>>(&bytes) else {
                return Ok(false);
            };
            // One pass over the bucket, however many of its accounts changed.
            let edited: std::collections::HashSet<AccountId> =
                edits.iter().map(|(id, _)| *id).collect();
            let before = part.len();
            part.retain(|a| !edited.contains(&a.account));
            count -= (before - part.len()) as i64;
            for inp in edits.into_iter().filter_map(|(_, inp)| inp) {
                part.push(inp);
                count += 1;
            }
            batch.insert(&bucket_key(b), codec::encode(&part)?);
        }
        head.seq = seq;
        head.accounts = count.max(0) as u64;
        batch.insert(HEAD, codec::encode(&head)?);
        self.derived.apply_batch(batch)?;
        self.flush()?;
        Ok(true)
    }
}
