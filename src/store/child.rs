//! Records that belong to an account (contacts, interactions, follow-ups).
//!
//! Layout, the same for all three: the record tree is clustered by account,
//! so "everything of account A, in order" is one prefix scan and a full
//! streaming pass needs no lookups; a small `*_ids` tree maps id → record key.
//!   contacts, followups:  (account, id)      → envelope(record)
//!   interactions:         (account, at, id)  → envelope(record)
//!   *_ids:                id                 → record key, 64 ids to an
//!                                              entry (see `id_index`)

use super::codec::{self, Record};
use super::counts::{inserted, removed};
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
/// any) and the stored form; `added` counts the entries it added to
/// (records, ids).
pub fn put<T: Child>(
    accounts: &TransactionalTree,
    records: &TransactionalTree,
    ids: &TransactionalTree,
    mut rec: T,
    mode: Mode,
    added: &mut [i64; 2],
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
                return abort(StoreError::Codec {
                    tree: T::TREE,
                    detail: format!("index entry of {} has no record", label::<T>(rec.id())),
                });
            };
            let stored: T = decode_tx(&bytes)?;
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
            added[0] += removed(records.remove(old_key)?);
            before = Some(stored);
        }
        None if mode == Mode::Update => {
            return abort(StoreError::NotFound(label::<T>(rec.id())));
        }
        None => rec.set_version(1),
    }
    let key = rec.record_key();
    let value = codec::encode(&rec).or_else(abort)?;
    added[0] += inserted(records.insert(key.as_slice(), value)?);
    added[1] += id_index::tx_put(ids, rec.id(), &key)?;
    Ok((before, rec))
}

/// Deletes a child record and its index entry; returns what was stored.
/// `added` as for `put`.
pub fn delete<T: Child>(
    records: &TransactionalTree,
    ids: &TransactionalTree,
    id: u64,
    added: &mut [i64; 2],
) -> Tx<T> {
    let Some(key) = id_index::tx_get(ids, id)? else {
        return abort(StoreError::NotFound(label::<T>(id)));
    };
    let Some(bytes) = records.get(&key)? else {
        return abort(StoreError::Codec {
            tree: T::TREE,
            detail: format!("index entry of {} has no record", label::<T>(id)),
        });
    };
    let stored: T = decode_tx(&bytes)?;
    added[0] += removed(records.remove(key)?);
    added[1] += id_index::tx_remove(ids, id)?;
    Ok(stored)
}

/// The two trees of one child record type.
#[derive(Clone)]
pub struct ChildTrees {
    pub records: sled::Tree,
    pub ids: sled::Tree,
}

impl ChildTrees {
    pub fn get<T: Child>(&self, id: u64) -> Result<Option<T>> {
        let Some(key) = id_index::get(&self.ids, id)? else {
            return Ok(None);
        };
        match self.records.get(key)? {
            Some(bytes) => codec::decode(&bytes).map(Some),
            None => Err(StoreError::Codec {
                tree: T::TREE,
                detail: format!("index entry of {} has no record", label::<T>(id)),
            }),
        }
    }

    /// Every record in key order, streamed.
    pub fn for_each<T: Child>(&self, mut f: impl FnMut(T)) -> Result<()> {
        for kv in self.records.iter() {
            let (_, v) = kv?;
            f(codec::decode(&v)?);
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
        self.records
            .scan_prefix(a.to_be_bytes())
            .map(|kv| codec::decode(&kv?.1))
            .collect()
    }

    /// Records stored (a walk over the keys).
    pub fn count(&self) -> Result<usize> {
        Ok(self.records.len())
    }
}
