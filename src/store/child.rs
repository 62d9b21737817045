//! Records that belong to an account (contacts, interactions, follow-ups).
//!
//! Layout, the same for all three: records are keyed so that the key order
//! is the account's order (contacts, follow-ups: `(account, id)`;
//! interactions: `(account, at, id)`), and packed into blocks by account
//! (interactions: by account and span, see `block`), so "everything of
//! account A, in order" is one prefix scan and a full streaming pass needs
//! no lookups; a small `*_ids` tree maps id → record key.
//!   contact_blocks, followup_blocks:  account        → block of records
//!   interaction_blocks:               (account, span) → block of records
//!   *_ids:                            id >> 6 → record keys, 64 ids to an
//!                                     entry (see `id_index`)

use super::block::{self, Layout, TxBlocks};
use super::codec::{self, Record};
use super::error::{Result, StoreError};
use super::id_index;
use super::keys;
use crate::domain::{
    AccountId, Contact, FieldError, FollowUp, Interaction, sanitize_contact, sanitize_followup,
    sanitize_interaction,
};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

pub type Tx<T> = std::result::Result<T, ConflictableTransactionError<StoreError>>;

pub fn abort<T>(e: StoreError) -> Tx<T> {
    Err(ConflictableTransactionError::Abort(e))
}

pub trait Child: Record + Clone {
    /// Singular noun for messages.
    const LABEL: &'static str;
    /// The id index's tree.
    const IDS: &'static str;
    /// How the records fall into blocks (`Layout::tree` is `Record::TREE`).
    const BLOCKS: Layout;
    fn id(&self) -> u64;
    fn set_id(&mut self, id: u64);
    fn version(&self) -> u64;
    fn set_version(&mut self, v: u64);
    fn account(&self) -> AccountId;
    fn set_account(&mut self, a: AccountId);
    fn sanitize(&mut self) -> std::result::Result<(), FieldError>;
    /// Key in the clustered record tree.
    fn record_key(&self) -> Vec<u8>;
}

macro_rules! child_common {
    () => {
        fn id(&self) -> u64 {
            self.id.0
        }
        fn set_id(&mut self, id: u64) {
            self.id.0 = id;
        }
        fn version(&self) -> u64 {
            self.version
        }
        fn set_version(&mut self, v: u64) {
            self.version = v;
        }
        fn account(&self) -> AccountId {
            self.account
        }
        fn set_account(&mut self, a: AccountId) {
            self.account = a;
        }
    };
}

impl Child for Contact {
    const LABEL: &'static str = "contact";
    const IDS: &'static str = "contact_ids";
    const BLOCKS: Layout = Layout {
        tree: Self::TREE,
        block_of: block::by_account,
    };
    child_common!();
    fn sanitize(&mut self) -> std::result::Result<(), FieldError> {
        sanitize_contact(self)
    }
    fn record_key(&self) -> Vec<u8> {
        keys::pair(self.account.0, self.id.0).to_vec()
    }
}

impl Child for FollowUp {
    const LABEL: &'static str = "follow-up";
    const IDS: &'static str = "followup_ids";
    const BLOCKS: Layout = Layout {
        tree: Self::TREE,
        block_of: block::by_account,
    };
    child_common!();
    fn sanitize(&mut self) -> std::result::Result<(), FieldError> {
        sanitize_followup(self)
    }
    fn record_key(&self) -> Vec<u8> {
        keys::pair(self.account.0, self.id.0).to_vec()
    }
}

impl Child for Interaction {
    const LABEL: &'static str = "interaction";
    const IDS: &'static str = "interaction_ids";
    const BLOCKS: Layout = Layout {
        tree: Self::TREE,
        block_of: block::by_account_and_span,
    };
    child_common!();
    fn sanitize(&mut self) -> std::result::Result<(), FieldError> {
        sanitize_interaction(self)
    }
    fn record_key(&self) -> Vec<u8> {
        keys::timeline(self.account.0, &self.at, self.id.0).to_vec()
    }
}

/// How `put` treats an existing record with the same id.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Must not exist yet.
    Insert,
    /// Must exist with the same version (optimistic concurrency).
    Update,
    /// Replace if present, insert otherwise (imports).
    Upsert,
    /// The id was just reserved by this store, so it cannot exist: skips a
    /// lookup per record in large imports.
    Fresh,
}

fn label<T: Child>(id: u64) -> String {
    format!("{} {id}", T::LABEL)
}

fn decode_tx<T: Record>(bytes: &[u8]) -> Tx<T> {
    codec::decode(bytes).or_else(abort)
}

/// Writes a sanitized child record with its final id, inside a transaction:
/// record and id index move together. Returns the record it replaced (if
/// any) and the stored form; `added_ids` counts the id index entries it
/// added (the blocks count theirs at `TxBlocks::finish`).
pub fn put<T: Child>(
    accounts: &TransactionalTree,
    records: &mut TxBlocks<'_>,
    ids: &TransactionalTree,
    mut rec: T,
    mode: Mode,
    added_ids: &mut i64,
) -> Tx<(Option<T>, T)> {
    if accounts.get(rec.account().to_be_bytes())?.is_none() {
        return abort(StoreError::NotFound(format!("account {}", rec.account())));
    }
    let old_key = match mode {
        Mode::Fresh => None,
        _ => id_index::tx_get(ids, rec.id())?,
    };
    let mut before = None;
    match old_key {
        Some(old_key) => {
            let Some(bytes) = records.get(&old_key)? else {
                return abort(no_record::<T>(rec.id()));
            };
            let stored: T = decode_tx(bytes)?;
            match mode {
                Mode::Insert | Mode::Fresh => {
                    return abort(StoreError::Conflict {
                        record: label::<T>(rec.id()),
                        expected: 0,
                        found: stored.version(),
                    });
                }
                Mode::Update if stored.version() != rec.version() => {
                    return abort(StoreError::Conflict {
                        record: label::<T>(rec.id()),
                        expected: rec.version(),
                        found: stored.version(),
                    });
                }
                Mode::Update | Mode::Upsert => rec.set_version(stored.version() + 1),
            }
            records.remove(&old_key)?;
            before = Some(stored);
        }
        None if mode == Mode::Update => {
            return abort(StoreError::NotFound(label::<T>(rec.id())));
        }
        None => rec.set_version(1),
    }
    let key = rec.record_key();
    let value = codec::encode(&rec).or_else(abort)?;
    records.insert(&key, value)?;
    *added_ids += id_index::tx_put(ids, rec.id(), &key)?;
    Ok((before, rec))
}

/// Deletes a child record and its index entry; returns what was stored.
/// `added_ids` as for `put`.
pub fn delete<T: Child>(
    records: &mut TxBlocks<'_>,
    ids: &TransactionalTree,
    id: u64,
    added_ids: &mut i64,
) -> Tx<T> {
    let Some(key) = id_index::tx_get(ids, id)? else {
        return abort(StoreError::NotFound(label::<T>(id)));
    };
    let Some(bytes) = records.remove(&key)? else {
        return abort(no_record::<T>(id));
    };
    let stored: T = decode_tx(&bytes)?;
    *added_ids += id_index::tx_remove(ids, id)?;
    Ok(stored)
}

fn no_record<T: Child>(id: u64) -> StoreError {
    StoreError::Codec {
        tree: T::TREE,
        detail: format!("index entry of {} has no record", label::<T>(id)),
    }
}

/// The two trees of one child record type.
#[derive(Clone)]
pub struct ChildTrees {
    /// The blocks of records.
    pub records: sled::Tree,
    pub ids: sled::Tree,
    pub layout: Layout,
}

impl ChildTrees {
    pub fn open<T: Child>(db: &sled::Db) -> sled::Result<ChildTrees> {
        Ok(ChildTrees {
            records: db.open_tree(T::TREE)?,
            ids: db.open_tree(T::IDS)?,
            layout: T::BLOCKS,
        })
    }

    pub fn get<T: Child>(&self, id: u64) -> Result<Option<T>> {
        let Some(key) = id_index::get(&self.ids, id)? else {
            return Ok(None);
        };
        match self.layout.get(&self.records, &key)? {
            Some(bytes) => codec::decode(&bytes).map(Some),
            None => Err(no_record::<T>(id)),
        }
    }

    /// Every record in key order, streamed a block at a time.
    pub fn for_each<T: Child>(&self, mut f: impl FnMut(T)) -> Result<()> {
        for kv in self.records.iter() {
            let (k, v) = kv?;
            self.layout.each(&k, &v, |_, v| {
                f(codec::decode(v)?);
                Ok(())
            })?;
        }
        Ok(())
    }

    pub fn all<T: Child>(&self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.for_each(|r| out.push(r))?;
        Ok(out)
    }

    /// The records of one account, in key order.
    pub fn of<T: Child>(&self, a: AccountId) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for kv in self.records.scan_prefix(a.to_be_bytes()) {
            let (k, v) = kv?;
            self.layout.each(&k, &v, |_, v| {
                out.push(codec::decode(v)?);
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// Records stored (every block read).
    pub fn count(&self) -> Result<usize> {
        self.layout.count(&self.records)
    }
}
