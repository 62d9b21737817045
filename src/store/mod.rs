//! The store: the only module that knows sled.
//!
//! Trees (keys big-endian, values in the versioned envelope of `codec`):
//!   meta                 "header" → DbHeader (magic + schema version)
//!   named_blobs          name → model TOML text, Snoozes, ReviewMark (`meta`)
//!   accounts             id → Account
//!   account_keys         key → id            (unique key index, key order)
//!   account_keys_folded  lowercased key → ids (raw big-endian u64s; keys
//!                        are unique ignoring case: one id, except twins
//!                        stored before schema 2)
//!   contact_blocks       account → its Contacts            + contact_ids
//!   interaction_blocks   (account, span) → its Interactions + interaction_ids
//!   followup_blocks      account → its FollowUps           + followup_ids
//!                        (`block`; schema 4, one key per record in the
//!                        trees `contacts`, `interactions`, `followups`
//!                        before; record keys (account, id) and
//!                        (account, at, id) order a block's records)
//!   *_ids                id >> 6 → the record keys of 64 ids (`id_index`;
//!                        schema 3, one key per id before)
//!   tiers                account id → last recorded tier name
//!   audit                seq → AuditEntry (the change log; see `log`)
//!   audit_parts          (seq, part) → AuditPart: the changes a staged
//!                        write stored ahead of its entry, which go before
//!                        the entry's own (schema 5; see `staging`)
//!   audit_accounts       (account, seq) → ()   (an account's history)
//!   requests             (client, request) → RequestEntry (exactly-once;
//!                        its outcome is itself an envelope, Tag::Outcome)
//!   meta "audit_seq"     last seq, raw u64 big-endian
//!   derived              the engine's inputs per account, tagged with the
//!                        seq they reflect (disposable; see `derived`)
//!
//! Every write runs in one sled transaction over the record and its index
//! entries, then flushes: an `Ok` from a write method means durable. A
//! `Batch` with audit info also writes its audit entry (and client request
//! id) in that same transaction.

mod batch;
mod block;
mod bulk;
mod staging;
pub use staging::{StagedWrite, StagingLimits};
mod child;
mod codec;
mod counts;
mod derived;
mod dump;
mod error;
mod guard;
mod id_index;
mod integrity;
mod keys;
mod log;
mod meta;
mod migrate;
mod open;

pub use batch::{Batch, BatchResult};
pub use bulk::BulkRecords;
pub use codec::{DB_MAGIC, DbHeader, ENVELOPE_V1, RequestEntry};
pub use derived::{DerivedHead, DerivedMiss};
pub use dump::{
    BACKUP_FORMAT, BACKUP_MAGIC, BACKUP_SUFFIX, BackupError, BackupHeader, RESTORE_POINTS_DIR,
    TreeCount, newest_restore_point, restore_hint, restore_points,
};
pub use error::{Result, StoreError};
pub use integrity::{Problem, Verified};
/// How account keys compare ignoring case (the folded index's form).
pub use keys::fold as fold_key;
pub use meta::{
    META_KEYDATES, META_REVIEW, META_SNOOZE, MetaValue, keydates_account, keydates_name,
};
pub use open::{GUARD_FILES, SERVER_FILES, check_dir, flock_within, is_kam_file};

use crate::domain::{
    Account, AccountId, Contact, ContactId, FollowUp, FollowUpId, Interaction, InteractionId,
    sanitize_account,
};
use block::TxBlocks;
use child::{ChildTrees, Mode, Tx, abort};
use counts::{inserted, removed};
use sled::Transactional;
use sled::transaction::TransactionalTree;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Version of the set of trees and key layouts. Bump with a migration in
/// `open` when a layout changes.
/// 2: `account_keys_folded` (built from `account_keys` when a version 1
/// database is opened, see `migrate`).
/// 3: the `*_ids` trees hold 64 ids to an entry (`id_index`; rebuilt from
/// the record trees when an older database is opened).
/// 4: child records packed into blocks (`block`), in new trees written from
/// the old ones when an older database is opened.
/// 5: a staged write's audit changes in `audit_parts` (nothing to convert:
/// the bump keeps an older kam, which would read such an entry without its
/// parts, from opening the database).
pub const SCHEMA_VERSION: u32 = 5;

/// Backups: write, verify and restore (see `dump` for the file layout).
pub mod backup {
    pub use super::dump::{read_header, restore, restore_with, verify};
}

/// Every tree kam creates (used to tell a kam database from another program's).
pub(crate) const TREE_NAMES: [&str; 18] = [
    "meta",
    "named_blobs",
    "accounts",
    "account_keys",
    "account_keys_folded",
    "contact_blocks",
    "contact_ids",
    "interaction_blocks",
    "interaction_ids",
    "followup_blocks",
    "followup_ids",
    "tiers",
    "audit",
    "audit_accounts",
    log::PARTS_TREE,
    "requests",
    derived::DERIVED_TREE,
    "__sled__default",
];

/// The trees of blocks of records (`block`), with the kind of their records:
/// the name of the tree that held them, a record per key, before schema 4.
pub(crate) const BLOCK_TREES: [(&str, &str); 3] = [
    ("contact_blocks", "contacts"),
    ("interaction_blocks", "interactions"),
    ("followup_blocks", "followups"),
];

/// A tree of an older schema that an upgrade replaces (and then drops).
pub(crate) fn is_replaced_tree(name: &[u8]) -> bool {
    BLOCK_TREES.iter().any(|(_, old)| old.as_bytes() == name)
}

/// A tree kam creates, or one an older kam did: a database or backup
/// holding it is kam's.
pub(crate) fn is_kam_tree(name: &[u8]) -> bool {
    TREE_NAMES.iter().any(|t| t.as_bytes() == name) || is_replaced_tree(name)
}

/// Encoding/decoding of stored values, public for golden-bytes tests and tools
/// that inspect a database.
pub mod envelope {
    pub use super::codec::{ENVELOPE_V1, Record, Tag, decode, encode, payload, tag_of};
}

#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// sled page cache in bytes (resident memory can reach a few times
    /// this); None sizes it to the database (`open::cache_for`).
    pub cache_capacity: Option<u64>,
    /// Team mode: files readable and writable by the group (0660/0770).
    pub group_shared: bool,
    /// When and how a large write is staged (see `staging`).
    pub staging: StagingLimits,
    /// Told, before a one-time upgrade of a database an older kam wrote
    /// begins, what is about to happen, when the upgrade rewrites records
    /// (`migrate::rewrites`): at 100k accounts it takes about 15 s in which
    /// nothing else shows.
    pub on_upgrade: Option<fn(&str)>,
}

/// A handle to an open database. Cloning is cheap and shares the database.
#[derive(Clone)]
pub struct Store {
    path: Arc<PathBuf>,
    db: sled::Db,
    blobs: sled::Tree,
    accounts: sled::Tree,
    account_keys: sled::Tree,
    folded_keys: sled::Tree,
    contacts: ChildTrees,
    interactions: ChildTrees,
    followups: ChildTrees,
    tiers: sled::Tree,
    meta: sled::Tree,
    audit: sled::Tree,
    audit_accounts: sled::Tree,
    audit_parts: sled::Tree,
    requests: sled::Tree,
    derived: sled::Tree,
    /// Entries per tree, for the clean-close marker (see `counts`).
    tree_counts: counts::TreeCounts,
    /// Writes of this handle (and its clones) that bypassed the change log.
    unlogged: Arc<std::sync::atomic::AtomicU64>,
    staging: StagingLimits,
    /// Marks the orderly close when the last handle goes (see `guard`).
    /// Declared last, so dropped after every tree of the handle: the close
    /// then holds sled's last handle.
    closer: Arc<guard::Closer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn account_label(id: AccountId) -> String {
    format!("account {id}")
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with(dir, &OpenOptions::default())
    }

    pub fn open_with(dir: &Path, opts: &OpenOptions) -> Result<Store> {
        let (db, counts) = open::open_db(dir, opts)?;
        // Trees are created here the first time: a new database's counts
        // are taken once they all exist.
        let counts = match counts {
            Some(c) => c,
            None => {
                for name in TREE_NAMES {
                    db.open_tree(name)?;
                }
                counts::TreeCounts::of_new_database(&db)?
            }
        };
        let closer = Arc::new(guard::Closer::new(dir, db.clone(), counts.clone()));
        let tree = |name: &str| db.open_tree(name);
        let store = Store {
            path: Arc::new(dir.to_path_buf()),
            closer,
            blobs: tree("named_blobs")?,
            accounts: tree("accounts")?,
            account_keys: tree("account_keys")?,
            folded_keys: tree(keys::FOLDED_TREE)?,
            contacts: ChildTrees::open::<Contact>(&db)?,
            interactions: ChildTrees::open::<Interaction>(&db)?,
            followups: ChildTrees::open::<FollowUp>(&db)?,
            tiers: tree("tiers")?,
            meta: tree("meta")?,
            audit: tree("audit")?,
            audit_accounts: tree("audit_accounts")?,
            audit_parts: tree(log::PARTS_TREE)?,
            requests: tree("requests")?,
            derived: tree(derived::DERIVED_TREE)?,
            tree_counts: counts,
            unlogged: Arc::default(),
            staging: opts.staging,
            db,
        };
        // A large write the process did not finish: undone before any read.
        store.roll_back_staged()?;
        if store.bulk_interrupted()? {
            return Err(StoreError::Damaged {
                path: dir.to_path_buf(),
                detail: "a demo load was interrupted and left it incomplete; delete the \
                         directory and run the demo again"
                    .into(),
            });
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A fresh unique id, never 0 (0 means "not assigned yet").
    /// When a write is staged, and its chunks (an import streams its file
    /// in runs of `above` new records).
    pub fn staging_limits(&self) -> StagingLimits {
        self.staging
    }

    pub fn reserve_id(&self) -> Result<u64> {
        loop {
            let id = self.db.generate_id()?;
            if id != 0 {
                return Ok(id);
            }
        }
    }

    /// Flushes and marks the database closed orderly, for a process that
    /// exits without dropping its handles (the server). The next open then
    /// trusts the files as they are.
    pub fn close_now(&self) -> Result<()> {
        Ok(self.closer.close_now()?)
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    // ---------------------------------------------------------------- accounts

    pub fn account(&self, id: AccountId) -> Result<Option<Account>> {
        match self.accounts.get(id.to_be_bytes())? {
            Some(b) => codec::decode(&b).map(Some),
            None => Ok(None),
        }
    }

    /// The id of the account with key `key` (exactly), from the key index
    /// alone: an import linking rows to accounts need not decode them.
    pub fn account_id_by_key(&self, key: &str) -> Result<Option<AccountId>> {
        let Some(id) = self.account_keys.get(key.as_bytes())? else {
            return Ok(None);
        };
        AccountId::from_be_slice(&id)
            .map(Some)
            .ok_or_else(|| StoreError::Codec {
                tree: "account_keys",
                detail: format!("bad id for key '{key}'"),
            })
    }

    pub fn account_by_key(&self, key: &str) -> Result<Option<Account>> {
        let Some(id) = self.account_id_by_key(key)? else {
            return Ok(None);
        };
        match self.account(id)? {
            Some(a) => Ok(Some(a)),
            None => Err(StoreError::Codec {
                tree: "account_keys",
                detail: format!("key '{key}' points to missing {}", account_label(id)),
            }),
        }
    }

    /// The accounts whose key equals `key` ignoring case (one lookup in the
    /// folded index; more than one only for twins stored before keys had to
    /// be unique ignoring case).
    pub fn accounts_ignoring_case(&self, key: &str) -> Result<Vec<Account>> {
        let Some(ids) = self.folded_keys.get(keys::fold(key).as_bytes())? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for id in keys::id_list(&ids) {
            match self.account(AccountId(id))? {
                Some(a) => out.push(a),
                None => {
                    return Err(StoreError::Codec {
                        tree: keys::FOLDED_TREE,
                        detail: format!(
                            "key '{key}' points to missing {}",
                            account_label(AccountId(id))
                        ),
                    });
                }
            }
        }
        Ok(out)
    }

    /// All accounts, ordered by key.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        for kv in self.account_keys.iter() {
            let (k, id) = kv?;
            let a = self.accounts.get(&id)?.ok_or_else(|| StoreError::Codec {
                tree: "account_keys",
                detail: format!(
                    "key '{}' points to a missing account",
                    String::from_utf8_lossy(&k)
                ),
            })?;
            out.push(codec::decode(&a)?);
        }
        Ok(out)
    }

    /// All accounts, ordered by id: one sequential scan, for loading the
    /// whole book (no key index lookups).
    pub fn accounts_by_id(&self) -> Result<Vec<Account>> {
        self.accounts
            .iter()
            .values()
            .map(|v| codec::decode(&v?))
            .collect()
    }

    /// Every account by id with its profile text left empty (see
    /// `codec::account_without_text`): for an open that keeps no records.
    pub fn accounts_without_text(&self) -> Result<Vec<Account>> {
        self.accounts
            .iter()
            .values()
            .map(|v| codec::account_without_text(&v?))
            .collect()
    }

    /// Inserts a new account: id 0 gets a fresh id, version becomes 1.
    pub fn insert_account(&self, mut a: Account) -> Result<Account> {
        sanitize_account(&mut a)?;
        if a.id.0 == 0 {
            a.id = AccountId(self.reserve_id()?);
        }
        self.put_single_account(a, Mode::Insert)
    }

    /// Replaces an account if `a.version` is the stored version; a changed
    /// key moves the key index.
    pub fn update_account(&self, mut a: Account) -> Result<Account> {
        sanitize_account(&mut a)?;
        self.put_single_account(a, Mode::Update)
    }

    /// Writes one sanitized account outside a batch, and flushes.
    fn put_single_account(&self, a: Account, mode: Mode) -> Result<Account> {
        self.invalidate_derived()?;
        let ((_, stored), added) = (&self.accounts, &self.account_keys, &self.folded_keys)
            .transaction(|(acc, keys, folded)| {
                let mut added = [0; 3];
                let r = put_account(acc, keys, folded, a.clone(), mode, &mut added)?;
                Ok((r, added))
            })?;
        self.count_added(
            [&self.accounts, &self.account_keys, &self.folded_keys],
            added,
        );
        self.flush()?;
        Ok(stored)
    }

    /// Moves the trees' entry counts by what a committed transaction added.
    fn count_added<const N: usize>(&self, trees: [&sled::Tree; N], added: [i64; N]) {
        for (t, n) in trees.iter().zip(added) {
            self.tree_counts.add(&t.name(), n);
        }
    }

    // ---------------------------------------------------------------- children

    fn insert_child<T: child::Child>(&self, trees: &ChildTrees, mut rec: T) -> Result<T> {
        rec.sanitize()?;
        let mode = if rec.id() == 0 {
            rec.set_id(self.reserve_id()?);
            Mode::Fresh
        } else {
            Mode::Insert
        };
        self.put_child(trees, rec, mode)
    }

    fn update_child<T: child::Child>(&self, trees: &ChildTrees, mut rec: T) -> Result<T> {
        rec.sanitize()?;
        self.put_child(trees, rec, Mode::Update)
    }

    /// Writes an already sanitized record and flushes.
    fn put_child<T: child::Child>(&self, trees: &ChildTrees, rec: T, mode: Mode) -> Result<T> {
        self.invalidate_derived()?;
        let ((_, stored), added) =
            (&self.accounts, &trees.records, &trees.ids).transaction(|(acc, recs, ids)| {
                let mut blocks = TxBlocks::new(recs, trees.layout);
                let mut added = [0; 2];
                let r = child::put(acc, &mut blocks, ids, rec.clone(), mode, &mut added[1])?;
                added[0] = blocks.finish()?;
                Ok((r, added))
            })?;
        self.count_added([&trees.records, &trees.ids], added);
        self.flush()?;
        Ok(stored)
    }

    pub fn contact(&self, id: ContactId) -> Result<Option<Contact>> {
        self.contacts.get(id.0)
    }

    /// All contacts, ordered by (account, id).
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        self.contacts.all()
    }

    pub fn contacts_of(&self, a: AccountId) -> Result<Vec<Contact>> {
        self.contacts.of(a)
    }

    pub fn insert_contact(&self, c: Contact) -> Result<Contact> {
        self.insert_child(&self.contacts, c)
    }

    pub fn update_contact(&self, c: Contact) -> Result<Contact> {
        self.update_child(&self.contacts, c)
    }

    pub fn interaction(&self, id: InteractionId) -> Result<Option<Interaction>> {
        self.interactions.get(id.0)
    }

    /// All interactions, ordered by (account, at, id).
    pub fn interactions(&self) -> Result<Vec<Interaction>> {
        self.interactions.all()
    }

    /// Streams every interaction in (account, at, id) order without holding
    /// them all in memory.
    pub fn for_each_interaction(&self, f: impl FnMut(Interaction)) -> Result<()> {
        self.interactions.for_each(f)
    }

    /// One account's timeline, oldest first (at, id).
    pub fn interactions_of(&self, a: AccountId) -> Result<Vec<Interaction>> {
        self.interactions.of(a)
    }

    pub fn insert_interaction(&self, i: Interaction) -> Result<Interaction> {
        self.insert_child(&self.interactions, i)
    }

    pub fn update_interaction(&self, i: Interaction) -> Result<Interaction> {
        self.update_child(&self.interactions, i)
    }

    /// All follow-ups, ordered by (account, id).
    pub fn followups(&self) -> Result<Vec<FollowUp>> {
        self.followups.all()
    }

    pub fn followup(&self, id: FollowUpId) -> Result<Option<FollowUp>> {
        self.followups.get(id.0)
    }

    pub fn followups_of(&self, a: AccountId) -> Result<Vec<FollowUp>> {
        self.followups.of(a)
    }

    pub fn insert_followup(&self, f: FollowUp) -> Result<FollowUp> {
        self.insert_child(&self.followups, f)
    }

    pub fn update_followup(&self, f: FollowUp) -> Result<FollowUp> {
        self.update_child(&self.followups, f)
    }

    // ------------------------------------------------------------- meta, tiers

    /// The last tier recorded per account, each tier's name shared by its
    /// accounts rather than copied for each.
    pub fn recorded_tiers(&self) -> Result<HashMap<AccountId, std::sync::Arc<str>>> {
        let mut names = crate::domain::Interner::default();
        let mut out = HashMap::new();
        for kv in self.tiers.iter() {
            let (k, v) = kv?;
            let id = AccountId::from_be_slice(&k).ok_or_else(|| StoreError::Codec {
                tree: "tiers",
                detail: "bad account id key".into(),
            })?;
            let tier: String = codec::decode(&v)?;
            out.insert(id, names.get(&tier));
        }
        Ok(out)
    }

    /// Records the current tier of some accounts (same as a batch of tiers only).
    pub fn record_tiers(&self, tiers: Vec<(AccountId, String)>) -> Result<()> {
        self.apply(Batch {
            tiers,
            ..Batch::default()
        })
        .map(|_| ())
    }

    /// No accounts yet.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.accounts.is_empty())
    }

    /// (accounts, contacts, interactions, follow-ups).
    pub fn counts(&self) -> Result<(usize, usize, usize, usize)> {
        Ok((
            self.accounts.len(),
            self.contacts.count()?,
            self.interactions.count()?,
            self.followups.count()?,
        ))
    }
}

/// Writes a sanitized account with its final id inside a transaction,
/// keeping both key indexes in step. `Upsert` replaces whatever has the same
/// id. Returns the record it replaced (if any) and the stored form;
/// `added` counts the entries it added to (accounts, keys, folded keys).
///
/// A key that is new to this account and equals another account's key
/// ignoring case is a duplicate, named by the key already stored: keys are
/// one customer's whatever their case (lookups ignore case).
fn put_account(
    accounts: &TransactionalTree,
    keys: &TransactionalTree,
    folded: &TransactionalTree,
    mut a: Account,
    mode: Mode,
    added: &mut [i64; 3],
) -> Tx<(Option<Account>, Account)> {
    let id_key = a.id.to_be_bytes();
    if let Some(owner) = keys.get(a.key.as_bytes())?
        && owner.as_ref() != id_key
    {
        return abort(StoreError::DuplicateKey(a.key.clone()));
    }
    let fold = keys::fold(&a.key);
    let mut before = None;
    match accounts.get(id_key)? {
        Some(bytes) => {
            let stored: Account = codec::decode(&bytes).or_else(abort)?;
            match mode {
                Mode::Insert | Mode::Fresh => {
                    return abort(StoreError::Conflict {
                        record: account_label(a.id),
                        expected: 0,
                        found: stored.version,
                    });
                }
                Mode::Update if stored.version != a.version => {
                    return abort(StoreError::Conflict {
                        record: format!("account {}", stored.key),
                        expected: a.version,
                        found: stored.version,
                    });
                }
                Mode::Update | Mode::Upsert => a.version = stored.version + 1,
            }
            if stored.key != a.key {
                added[1] += removed(keys.remove(stored.key.as_bytes())?);
            }
            before = Some(stored);
        }
        None if mode == Mode::Update => return abort(StoreError::NotFound(account_label(a.id))),
        None => a.version = 1,
    }
    let old_fold = before.as_ref().map(|b| keys::fold(&b.key));
    if old_fold.as_deref() != Some(fold.as_str()) {
        let ids = folded.get(fold.as_bytes())?;
        let twin = ids
            .as_deref()
            .map(keys::id_list)
            .unwrap_or_default()
            .into_iter()
            .find(|id| *id != a.id.0);
        if let Some(twin) = twin {
            let key = match accounts.get(twin.to_be_bytes())? {
                Some(b) => codec::decode::<Account>(&b).or_else(abort)?.key,
                None => a.key.clone(),
            };
            return abort(StoreError::DuplicateKey(key));
        }
        if let Some(old) = old_fold {
            unfold_key(folded, &old, a.id, &mut added[2])?;
        }
        let list = keys::id_list_with(ids.as_deref().unwrap_or_default(), a.id.0);
        added[2] += inserted(folded.insert(fold.as_bytes(), list)?);
    }
    added[0] += inserted(accounts.insert(&id_key, codec::encode(&a).or_else(abort)?)?);
    added[1] += inserted(keys.insert(a.key.as_bytes(), &id_key)?);
    Ok((before, a))
}

/// Takes `id` out of the folded index entry of `fold` (the entry goes when
/// no id is left); `added` counts the entries it added to the folded index.
fn unfold_key(folded: &TransactionalTree, fold: &str, id: AccountId, added: &mut i64) -> Tx<()> {
    if let Some(ids) = folded.get(fold.as_bytes())? {
        let rest: Vec<u8> = keys::id_list(&ids)
            .into_iter()
            .filter(|x| *x != id.0)
            .flat_map(u64::to_be_bytes)
            .collect();
        if rest.is_empty() {
            *added += removed(folded.remove(fold.as_bytes())?);
        } else {
            *added += inserted(folded.insert(fold.as_bytes(), rest)?);
        }
    }
    Ok(())
}
