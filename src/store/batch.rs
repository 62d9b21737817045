//! Atomic multi-record writes: all or nothing, one flush. Every change the
//! book makes is a batch; with `audit` set, its audit entry (and the client's
//! request id) are written in the same transaction as the records.

use super::block::TxBlocks;
use super::child::{self, Child, Mode, abort};
use super::codec::{self, RequestEntry};
use super::counts::{inserted, removed};
use super::error::{Result, StoreError};
use super::log::SEQ_KEY;
use super::meta::MetaValue;
use super::staging::{STAGED_MARK, STAGED_SEQ, Staged, StagedWrite, Staging, mark_key};
use super::{Store, keys, put_account, unfold_key};
use crate::audit::{
    AuditEntry, AuditInfo, RecordChange, RecordImage, RecordRef, RefKind, RequestId,
};
use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction, sanitize_account, text};
use sled::Transactional;
use sled::transaction::TransactionalTree;
use std::collections::HashMap;

/// Records to write together.
///
/// Accounts are upserted by key unless `exact_ids`: an existing key keeps its
/// stored id (and records of the batch that referenced the batch's id for it
/// are redirected); a new key gets a fresh id if its id is 0, else keeps the
/// given one. With `exact_ids` an account is written under its own id and a
/// key held by another account is an error (edits, undo).
/// Contacts, interactions, follow-ups: id 0 → inserted with a fresh id;
/// a nonzero id is replaced if stored, else inserted with that id (ids
/// preassigned with `Store::reserve_id`). Replacing bumps the version.
/// Referenced accounts must exist in the store or in the batch.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub followups: Vec<FollowUp>,
    /// Last recorded tier per account (bookkeeping, not audited).
    pub tiers: Vec<(AccountId, String)>,
    /// Named values to set (`Some`) or remove (`None`).
    pub blobs: Vec<(String, Option<MetaValue>)>,
    /// Records to delete (undo of a creation). Children are deleted before
    /// accounts; an account is deleted after every other write.
    pub deletes: Vec<RecordRef>,
    pub exact_ids: bool,
    /// Writes an audit entry describing every record this batch changed.
    pub audit: Option<AuditInfo>,
    /// With `audit`: a client request id recorded with the entry's seq. If
    /// it is already recorded, nothing is written (see `BatchResult::replayed`).
    pub request: Option<RequestId>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.contacts.is_empty()
            && self.interactions.is_empty()
            && self.followups.is_empty()
            && self.tiers.is_empty()
            && self.blobs.is_empty()
            && self.deletes.is_empty()
    }
}

/// The stored forms, in batch order.
#[derive(Debug, Default, Clone)]
pub struct BatchResult {
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub followups: Vec<FollowUp>,
    pub created_accounts: usize,
    pub updated_accounts: usize,
    /// What was deleted, with the deleted records.
    pub deleted: Vec<RecordChange>,
    /// Children stored under another account than before (a merge, its
    /// undo): (kind, the account it left, id). Whoever keeps children per
    /// account removes them there.
    pub moved: Vec<(RefKind, AccountId, u64)>,
    /// The audit entry written (with its seq), if any record changed. Of a
    /// staged write (see `staging`) it holds the last transaction's changes
    /// only: the stored entry's parts list the staged records, and a
    /// million images are not read back to hand over.
    pub audit: Option<AuditEntry>,
    /// The request id was already recorded with this seq: nothing written.
    pub replayed: Option<u64>,
}

impl BatchResult {
    pub fn seq(&self) -> Option<u64> {
        self.audit.as_ref().map(|e| e.seq).or(self.replayed)
    }
}

// Positions of the trees in the transaction.
const ACC: usize = 0;
const KEYS: usize = 1;
const CR: usize = 2;
const CI: usize = 3;
const IR: usize = 4;
const II: usize = 5;
const FR: usize = 6;
const FI: usize = 7;
const TIERS: usize = 8;
const BLOBS: usize = 9;
const AUDIT: usize = 10;
const AUDIT_ACC: usize = 11;
const REQ: usize = 12;
const META: usize = 13;
const FOLDED: usize = 14;

impl Store {
    /// Sanitizes and gives ids to new records; returns which ids are fresh.
    fn prepare<T: Child>(&self, recs: &mut [T]) -> Result<Vec<bool>> {
        recs.iter_mut()
            .map(|r| {
                r.sanitize()?;
                let fresh = r.id() == 0;
                if fresh {
                    r.set_id(self.reserve_id()?);
                }
                Ok(fresh)
            })
            .collect()
    }

    /// Writes the whole batch in one transaction, then flushes once. On any
    /// error (invalid record, unknown account) nothing is written.
    pub fn apply(&self, batch: Batch) -> Result<BatchResult> {
        self.apply_with(batch, None)
    }

    /// Ends the staged write `w` with `batch` (audited) as its last
    /// transaction: the entry lists what `w` wrote and what `batch` holds.
    /// On an error, or a request committed before, `w` is rolled back.
    pub fn apply_staged(&self, batch: Batch, w: StagedWrite) -> Result<BatchResult> {
        if batch.audit.is_none() {
            let _ = self.abandon_staged(w);
            return Err(StoreError::Io(
                "a staged write must end with an audited batch".into(),
            ));
        }
        self.apply_with(batch, Some(w))
    }

    fn apply_with(&self, mut batch: Batch, w: Option<StagedWrite>) -> Result<BatchResult> {
        // Validation and id assignment happen before the transaction: its
        // closure may run more than once and must not consume ids.
        for a in &mut batch.accounts {
            sanitize_account(a)?;
            if a.id.0 == 0 {
                a.id = AccountId(self.reserve_id()?);
            }
        }
        let mut fresh_contacts = self.prepare(&mut batch.contacts)?;
        let mut fresh_interactions = self.prepare(&mut batch.interactions)?;
        let mut fresh_followups = self.prepare(&mut batch.followups)?;
        for (_, tier) in &mut batch.tiers {
            *tier = text::clean_line(tier);
        }
        for (name, _) in &mut batch.blobs {
            *name = text::clean_line(name);
        }

        // A record write the change log will not show: the engine's
        // snapshot could not tell it missed it, so it goes first.
        let records = !(batch.accounts.is_empty()
            && batch.contacts.is_empty()
            && batch.interactions.is_empty()
            && batch.followups.is_empty()
            && batch.deletes.is_empty());
        if batch.audit.is_none() && records {
            self.invalidate_derived()?;
        }
        // Many new records: the new ones a chunk at a time (see `staging`).
        let fresh = [
            &mut fresh_contacts,
            &mut fresh_interactions,
            &mut fresh_followups,
        ];
        let staging = match w {
            Some(w) => match self.end_staging(w) {
                Ok(staged) => Staging::Staged(staged),
                Err(e) => {
                    let _ = self.roll_back_staged();
                    return Err(e);
                }
            },
            None => self.stage_if_large(&mut batch, fresh)?,
        };
        let mut staged = match staging {
            Staging::Replayed(seq) => {
                return Ok(BatchResult {
                    replayed: Some(seq),
                    ..BatchResult::default()
                });
            }
            Staging::Staged(staged) => staged,
            Staging::No => Staged::default(),
        };
        let is_staged = staged.is_staged();
        // The entry's seq and the accounts staging indexed under it.
        let index = Indexed {
            seq: is_staged.then_some(staged.seq),
            accounts: std::mem::take(&mut staged.indexed),
        };
        let trees: [&sled::Tree; 15] = [
            &self.accounts,
            &self.account_keys,
            &self.contacts.records,
            &self.contacts.ids,
            &self.interactions.records,
            &self.interactions.ids,
            &self.followups.records,
            &self.followups.ids,
            &self.tiers,
            &self.blobs,
            &self.audit,
            &self.audit_accounts,
            &self.requests,
            &self.meta,
            &self.folded_keys,
        ];
        let fresh = Fresh {
            contacts: &fresh_contacts,
            interactions: &fresh_interactions,
            followups: &fresh_followups,
        };
        let written = trees[..].transaction(|t| {
            // Per run of the closure: sled may run it more than once.
            let mut added = [0; 15];
            let r = write_batch(t, &batch, &fresh, &index, &mut added)?;
            if is_staged && r.replayed.is_none() {
                // The markers, and a marker of a kam that wrote one only.
                for n in 0..staged.marks {
                    added[META] += removed(t[META].remove(mark_key(n))?);
                }
                added[META] += removed(t[META].remove(STAGED_MARK)?);
                added[META] += removed(t[META].remove(STAGED_SEQ)?);
            }
            Ok((r, added))
        });
        let (result, added) = match written {
            Ok(w) => w,
            Err(e) => {
                if is_staged {
                    let _ = self.roll_back_staged();
                }
                return Err(e.into());
            }
        };
        self.count_added(trees, added);
        if result.replayed.is_some() && is_staged {
            // Committed before: what was staged again goes.
            self.roll_back_staged()?;
            return Ok(result);
        }
        if result.replayed.is_none() {
            self.flush()?;
        }
        if is_staged {
            self.clear_staging_floor();
        }
        Ok(if is_staged {
            Store::with_staged(staged, result)
        } else {
            result
        })
    }
}

/// A staged write whose last transaction found the book changed under it.
fn met_another_write() -> StoreError {
    StoreError::Io("a large write met another write and was not saved; run it again".into())
}

/// What staging indexed before the last transaction: the seq it expected
/// the entry to take, and the accounts (sorted) under it.
struct Indexed {
    seq: Option<u64>,
    accounts: Vec<AccountId>,
}

struct Fresh<'a> {
    contacts: &'a [bool],
    interactions: &'a [bool],
    followups: &'a [bool],
}

type Tx<T> = child::Tx<T>;

/// The account keys of the batch's records, read once per account.
struct KeyCache(HashMap<AccountId, String>);

impl KeyCache {
    fn key(&mut self, acc: &TransactionalTree, id: AccountId) -> Tx<String> {
        if let Some(k) = self.0.get(&id) {
            return Ok(k.clone());
        }
        let key = match acc.get(id.to_be_bytes())? {
            Some(b) => codec::decode::<Account>(&b).or_else(abort)?.key,
            None => String::new(),
        };
        self.0.insert(id, key.clone());
        Ok(key)
    }
}

fn child_ref<T: Child>(
    kind: RefKind,
    r: &T,
    cache: &mut KeyCache,
    acc: &TransactionalTree,
) -> Tx<RecordRef> {
    Ok(RecordRef {
        kind,
        id: r.id(),
        account: r.account(),
        key: cache.key(acc, r.account())?,
    })
}

/// `added`: the entries written to each tree of `t` (negative: removed).
/// `indexed`: what `staging` wrote ahead (the records, the entry's parts
/// and its account index), if it did.
fn write_batch(
    t: &[TransactionalTree],
    batch: &Batch,
    fresh: &Fresh,
    indexed: &Indexed,
    added: &mut [i64; 15],
) -> Tx<BatchResult> {
    let mut out = BatchResult::default();
    if batch.audit.is_some()
        && let Some(req) = &batch.request
        && let Some(bytes) = t[REQ].get(req.key())?
    {
        let seen: RequestEntry = codec::decode(&bytes).or_else(abort)?;
        out.replayed = Some(seen.seq);
        return Ok(out);
    }
    let audited = batch.audit.is_some();
    let mut changes: Vec<RecordChange> = Vec::new();
    let mut cache = KeyCache(HashMap::new());
    // Each block read and written once (see `block`), whatever the batch.
    let mut contacts = TxBlocks::new(&t[CR], Contact::BLOCKS);
    let mut interactions = TxBlocks::new(&t[IR], Interaction::BLOCKS);
    let mut followups = TxBlocks::new(&t[FR], FollowUp::BLOCKS);

    // Child deletions first, so that an account can go after them.
    for r in batch.deletes.iter().filter(|r| r.kind != RefKind::Account) {
        let before = match r.kind {
            RefKind::Contact => {
                RecordImage::Contact(child::delete(&mut contacts, &t[CI], r.id, &mut added[CI])?)
            }
            RefKind::Interaction => RecordImage::Interaction(child::delete(
                &mut interactions,
                &t[II],
                r.id,
                &mut added[II],
            )?),
            RefKind::FollowUp => {
                RecordImage::FollowUp(child::delete(&mut followups, &t[FI], r.id, &mut added[FI])?)
            }
            RefKind::Account | RefKind::Meta => {
                return abort(StoreError::NotFound(format!(
                    "{} (not deletable)",
                    r.label()
                )));
            }
        };
        out.deleted
            .push(RecordChange::new(r.clone(), Some(before), None));
    }

    // batch id → stored id, for accounts whose key already existed
    let mut remap: HashMap<AccountId, AccountId> = HashMap::new();
    for a in &batch.accounts {
        let mut a = a.clone();
        let created = match t[KEYS].get(a.key.as_bytes())? {
            Some(owner) if !batch.exact_ids => {
                let Some(stored_id) = AccountId::from_be_slice(&owner) else {
                    return abort(StoreError::Codec {
                        tree: "account_keys",
                        detail: format!("bad id for key '{}'", a.key),
                    });
                };
                if stored_id != a.id && t[ACC].get(a.id.to_be_bytes())?.is_none() {
                    remap.insert(a.id, stored_id);
                }
                a.id = stored_id;
                false
            }
            _ => t[ACC].get(a.id.to_be_bytes())?.is_none(),
        };
        if created {
            out.created_accounts += 1;
        } else {
            out.updated_accounts += 1;
        }
        let mut n = [0; 3];
        let (before, stored) = put_account(&t[ACC], &t[KEYS], &t[FOLDED], a, Mode::Upsert, &mut n)?;
        added[ACC] += n[0];
        added[KEYS] += n[1];
        added[FOLDED] += n[2];
        cache.0.insert(stored.id, stored.key.clone());
        if audited {
            let r = RecordRef {
                kind: RefKind::Account,
                id: stored.id.0,
                account: stored.id,
                key: stored.key.clone(),
            };
            changes.push(RecordChange::new(
                r,
                before.map(|b| RecordImage::Account(Box::new(b))),
                Some(RecordImage::Account(Box::new(stored.clone()))),
            ));
        }
        out.accounts.push(stored);
    }
    let fix = |a: AccountId| remap.get(&a).copied().unwrap_or(a);

    macro_rules! put_all {
        ($recs:expr, $fresh:expr, $blocks:expr, $ids:expr, $kind:expr, $image:path, $out:expr) => {
            for (r, &is_fresh) in $recs.iter().zip($fresh) {
                let mut r = r.clone();
                r.set_account(fix(r.account()));
                let mode = if is_fresh { Mode::Fresh } else { Mode::Upsert };
                let (before, stored) =
                    child::put(&t[ACC], &mut $blocks, &t[$ids], r, mode, &mut added[$ids])?;
                if let Some(b) = before.as_ref().filter(|b| b.account() != stored.account()) {
                    out.moved.push(($kind, b.account(), b.id()));
                }
                if audited {
                    let rf = child_ref($kind, &stored, &mut cache, &t[ACC])?;
                    changes.push(RecordChange::new(
                        rf,
                        before.map($image),
                        Some($image(stored.clone())),
                    ));
                }
                $out.push(stored);
            }
        };
    }
    put_all!(
        batch.contacts,
        fresh.contacts,
        contacts,
        CI,
        RefKind::Contact,
        RecordImage::Contact,
        out.contacts
    );
    put_all!(
        batch.interactions,
        fresh.interactions,
        interactions,
        II,
        RefKind::Interaction,
        RecordImage::Interaction,
        out.interactions
    );
    put_all!(
        batch.followups,
        fresh.followups,
        followups,
        FI,
        RefKind::FollowUp,
        RecordImage::FollowUp,
        out.followups
    );
    added[CR] += contacts.finish()?;
    added[IR] += interactions.finish()?;
    added[FR] += followups.finish()?;

    for (a, tier) in &batch.tiers {
        let a = fix(*a);
        if t[ACC].get(a.to_be_bytes())?.is_none() {
            return abort(StoreError::NotFound(format!("account {a}")));
        }
        added[TIERS] +=
            inserted(t[TIERS].insert(&a.to_be_bytes(), codec::encode(tier).or_else(abort)?)?);
    }

    for (name, value) in &batch.blobs {
        let before = match t[BLOBS].get(name.as_bytes())? {
            Some(b) => Some(MetaValue::decode(&b).or_else(abort)?),
            None => None,
        };
        match value {
            Some(v) => {
                added[BLOBS] +=
                    inserted(t[BLOBS].insert(name.as_bytes(), v.encode().or_else(abort)?)?);
            }
            None => {
                added[BLOBS] += removed(t[BLOBS].remove(name.as_bytes())?);
            }
        }
        let image = |v: &MetaValue| RecordImage::Meta(v.image());
        let (before, after) = (before.as_ref().map(image), value.as_ref().map(image));
        if audited && before != after {
            let mut r = RecordRef::meta(name);
            // An account's key dates are in that account's history.
            r.account = super::meta::keydates_account(name).unwrap_or_default();
            changes.push(RecordChange::new(r, before, after));
        }
    }

    for r in batch.deletes.iter().filter(|r| r.kind == RefKind::Account) {
        let id = AccountId(r.id).to_be_bytes();
        let Some(bytes) = t[ACC].get(id)? else {
            return abort(StoreError::NotFound(r.label()));
        };
        let stored: Account = codec::decode(&bytes).or_else(abort)?;
        added[ACC] += removed(t[ACC].remove(&id)?);
        if t[KEYS].get(stored.key.as_bytes())?.as_deref() == Some(&id[..]) {
            added[KEYS] += removed(t[KEYS].remove(stored.key.as_bytes())?);
        }
        unfold_key(
            &t[FOLDED],
            &keys::fold(&stored.key),
            stored.id,
            &mut added[FOLDED],
        )?;
        added[TIERS] += removed(t[TIERS].remove(&id)?);
        out.deleted.push(RecordChange::new(
            r.clone(),
            Some(RecordImage::Account(Box::new(stored))),
            None,
        ));
    }
    changes.extend(out.deleted.iter().cloned());

    // A staged write's entry is written whatever is left to it: its
    // records' changes are in its parts.
    if let Some(info) = &batch.audit
        && !(changes.is_empty() && indexed.seq.is_none())
    {
        let last = match t[META].get(SEQ_KEY)? {
            Some(b) => u64::from_be_bytes(b.as_ref().try_into().map_err(|_| {
                sled::transaction::ConflictableTransactionError::Abort(StoreError::Codec {
                    tree: "meta",
                    detail: "bad audit sequence counter".into(),
                })
            })?),
            None => 0,
        };
        let seq = last + 1;
        if indexed.seq.is_some_and(|want| want != seq) {
            return abort(met_another_write());
        }
        let entry = AuditEntry {
            seq,
            user: text::clean_line(&info.user),
            at: info.at,
            action: text::clean_line(&info.action),
            undo_of: info.undo_of,
            changes,
        };
        added[META] += inserted(t[META].insert(SEQ_KEY, &seq.to_be_bytes())?);
        added[AUDIT] +=
            inserted(t[AUDIT].insert(&seq.to_be_bytes(), codec::encode(&entry).or_else(abort)?)?);
        for a in entry.accounts() {
            if indexed.accounts.binary_search(&a).is_ok() {
                continue;
            }
            added[AUDIT_ACC] += inserted(t[AUDIT_ACC].insert(&keys::pair(a.0, seq), &[])?);
        }
        if let Some(req) = &batch.request {
            let rec = RequestEntry {
                seq,
                outcome: Vec::new(),
            };
            added[REQ] += inserted(t[REQ].insert(&req.key(), codec::encode(&rec).or_else(abort)?)?);
        }
        out.audit = Some(entry);
    }
    Ok(out)
}
