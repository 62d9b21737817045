//! Large batches of new records — an import of a million interactions —
//! written in bounded chunks, all or nothing.
//!
//! A sled transaction keeps every version of every node it touched until
//! it ends: a million new interactions in one transaction took 12.9 GB.
//! Here the new records of such a batch go first (accounts with their key
//! indexes, then contacts, interactions, follow-ups), a chunk per
//! transaction, each chunk's audit changes after it as parts of the entry
//! to come (`audit_parts`: the entry lists every record, as for any write,
//! and reads whole); the rest of the batch and the audit entry go last, in
//! one transaction that also removes a marker. The marker, written and
//! flushed before the first chunk, lists the ids of the staged records:
//! if the process stops before the last transaction, the next open deletes
//! them (`roll_back_staged`), and so does a failed chunk or a failed last
//! transaction. Beside the files, `kam.staging` tells the open guard how
//! long the log was then, so that a crash's cut tail (only staged,
//! unacknowledged records) is not taken for damage. A reader never sees
//! staged records without their audit entry: the writer holds the book
//! while it runs, and an open rolls back before anything reads.

use super::Store;
use super::batch::{Batch, BatchResult};
use super::block::TxBlocks;
use super::child::{self, Child, ChildTrees, Mode};
use super::codec::{self, RequestEntry};
use super::counts::removed;
use super::error::{Result, StoreError};
use super::id_index;
use crate::audit::{RecordChange, RecordImage, RecordRef, RefKind};
use crate::domain::{Account, AccountId};
use sled::Transactional;
use std::collections::HashMap;

/// Meta key present while staged records await their last transaction.
pub(super) const STAGED_MARK: &[u8] = b"staged_records";
/// Meta key beside the marker: the seq the audit entry will take, under
/// which the staged records' accounts are indexed before it is written.
pub(super) const STAGED_SEQ: &[u8] = b"staged_audit_seq";
/// When a write is staged, and how many records go in each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagingLimits {
    /// An audited batch with more new records than this is staged.
    pub above: usize,
    /// New records per staged transaction.
    pub chunk: usize,
}

impl Default for StagingLimits {
    fn default() -> Self {
        // A sled transaction keeps a copy of every node version it made
        // until it commits: 10k interactions a chunk held about 95 MB and
        // took longer per row than 2.5k (100k rows: 3.4–4.3 s, 290 MB
        // against 2.6–3.3 s, 225 MB); 1k and 500 measured as 2.5k.
        StagingLimits {
            above: 20_000,
            chunk: 2_500,
        }
    }
}

/// The staged records' kinds, in the marker.
const KINDS: [RefKind; 4] = [
    RefKind::Contact,
    RefKind::Interaction,
    RefKind::FollowUp,
    RefKind::Account,
];

/// The new records of a batch, taken out of it, and what writing them
/// gave: their stored forms and audit changes.
#[derive(Default)]
pub(super) struct Staged {
    /// New accounts (keys not stored, fresh ids): written before the
    /// children, which may name them.
    pub accounts: Vec<Account>,
    pub contacts: Vec<crate::domain::Contact>,
    pub interactions: Vec<crate::domain::Interaction>,
    pub followups: Vec<crate::domain::FollowUp>,
    /// The parts of the audit entry stored ahead (the written records'
    /// changes, see `Changes`): none when nothing was staged.
    pub parts: u32,
    /// The accounts already indexed under `seq` in `audit_accounts`
    /// (sorted): the last transaction writes the entry, not their keys.
    pub indexed: Vec<AccountId>,
    pub seq: u64,
}

/// The audit changes of staged records as they are written, stored as
/// parts under the seq their entry is to take, at most `PART_CHANGES` to a
/// part and a part at the end of each chunk (a million of them held until
/// the entry was written took 370 MB, and sled held two more copies of the
/// 97 MB entry they made), and the accounts they touch (indexed before the
/// entry is written).
struct Changes {
    seq: u64,
    parts: u32,
    pending: Vec<RecordChange>,
    accounts: Vec<AccountId>,
}

/// Changes per part, at most: about 50 KB, under sled's 128 KiB threshold
/// for a value written to a file of its own.
const PART_CHANGES: usize = 500;

impl Changes {
    fn push(&mut self, change: RecordChange, store: &Store) -> Result<()> {
        self.accounts.push(change.record.account);
        self.pending.push(change);
        if self.pending.len() >= PART_CHANGES {
            self.store_part(store)?;
        }
        Ok(())
    }

    /// Stores the changes pushed since the last part as the next part.
    fn store_part(&mut self, store: &Store) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        store.put_audit_part(self.seq, self.parts, std::mem::take(&mut self.pending))?;
        self.parts += 1;
        Ok(())
    }
}

impl Staged {
    /// True when records were written ahead of the last transaction.
    pub fn is_staged(&self) -> bool {
        self.parts > 0
    }
}

/// Whether an audited `batch` whose ids are prepared is written staged:
/// many new records (`fresh`: children with fresh ids and new accounts),
/// nothing that must go before them (deletions), and accounts upserted by
/// key (not an undo's exact ids).
fn worth_staging(batch: &Batch, fresh: usize, limits: StagingLimits) -> bool {
    batch.audit.is_some() && batch.deletes.is_empty() && !batch.exact_ids && fresh > limits.above
}

/// What `stage_if_large` did.
pub(super) enum Staging {
    /// The batch's request was committed before: write nothing.
    Replayed(u64),
    /// These records are written (and out of the batch).
    Staged(Staged),
    /// The batch goes in one transaction as it is.
    No,
}

/// Moves the records flagged fresh out of `recs` (and their flags).
fn take_fresh<T>(recs: &mut Vec<T>, fresh: &mut Vec<bool>) -> Vec<T> {
    let all = std::mem::take(recs);
    let mut taken = Vec::new();
    for (r, f) in all.into_iter().zip(std::mem::take(fresh)) {
        if f {
            taken.push(r);
        } else {
            recs.push(r);
            fresh.push(false);
        }
    }
    taken
}

/// `recs` in owned chunks of `n` (at least one): a chunk's records are
/// freed once it is written, not with the whole input after the last one.
fn owned_chunks<T>(recs: Vec<T>, n: usize) -> impl Iterator<Item = Vec<T>> {
    let mut rest = recs.into_iter();
    std::iter::from_fn(move || {
        let chunk: Vec<T> = rest.by_ref().take(n.max(1)).collect();
        (!chunk.is_empty()).then_some(chunk)
    })
}

/// The marker: for each kind, its tag, the number of ids, the ids (u64 BE).
fn encode_mark(ids: &[(RefKind, Vec<u64>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, list) in ids {
        let tag = KINDS.iter().position(|k| k == kind).unwrap_or(0) as u8;
        out.push(tag);
        out.extend_from_slice(&(list.len() as u64).to_be_bytes());
        for id in list {
            out.extend_from_slice(&id.to_be_bytes());
        }
    }
    out
}

fn decode_mark(mut bytes: &[u8]) -> Option<Vec<(RefKind, Vec<u64>)>> {
    let mut out = Vec::new();
    let u64_at = |b: &mut &[u8]| -> Option<u64> {
        let (head, rest) = b.split_first_chunk::<8>()?;
        *b = rest;
        Some(u64::from_be_bytes(*head))
    };
    while let Some((&tag, rest)) = bytes.split_first() {
        bytes = rest;
        let kind = *KINDS.get(tag as usize)?;
        let n = u64_at(&mut bytes)?;
        if n > (bytes.len() / 8) as u64 {
            return None;
        }
        let list = (0..n)
            .map(|_| u64_at(&mut bytes))
            .collect::<Option<Vec<_>>>()?;
        out.push((kind, list));
    }
    Some(out)
}

impl Store {
    /// Stages the new records of `batch` if it is large (see the module):
    /// takes them out of it, with their `fresh` flags (contacts,
    /// interactions, follow-ups), and writes them. On an error nothing of
    /// them is left.
    pub(super) fn stage_if_large(
        &self,
        batch: &mut Batch,
        fresh: [&mut Vec<bool>; 3],
    ) -> Result<Staging> {
        let count = |f: &Vec<bool>| f.iter().filter(|&&f| f).count();
        let children: usize = fresh.iter().map(|f| count(f)).sum();
        // Which accounts are new is read only when the batch could qualify.
        if !worth_staging(batch, children + batch.accounts.len(), self.staging) {
            return Ok(Staging::No);
        }
        let Some(mut new_accounts) = self.new_accounts(&batch.accounts)? else {
            return Ok(Staging::No);
        };
        if !worth_staging(batch, children + count(&new_accounts), self.staging) {
            return Ok(Staging::No);
        }
        if let Some(seq) = self.replayed(batch)? {
            return Ok(Staging::Replayed(seq));
        }
        let [contacts, interactions, followups] = fresh;
        let mut staged = Staged {
            accounts: take_fresh(&mut batch.accounts, &mut new_accounts),
            contacts: take_fresh(&mut batch.contacts, contacts),
            interactions: take_fresh(&mut batch.interactions, interactions),
            followups: take_fresh(&mut batch.followups, followups),
            ..Staged::default()
        };
        if let Err(e) = self.stage(&mut staged) {
            // A roll back that fails too is finished by the next open.
            let _ = self.roll_back_staged();
            return Err(e);
        }
        Ok(Staging::Staged(staged))
    }

    /// The child trees of a staged kind.
    fn staged_trees(&self, kind: RefKind) -> &ChildTrees {
        match kind {
            RefKind::Contact => &self.contacts,
            RefKind::FollowUp => &self.followups,
            _ => &self.interactions,
        }
    }

    /// The request's recorded seq, if this request was committed before.
    fn replayed(&self, batch: &Batch) -> Result<Option<u64>> {
        let Some(req) = &batch.request else {
            return Ok(None);
        };
        match self.requests.get(req.key())? {
            Some(bytes) => Ok(Some(codec::decode::<RequestEntry>(&bytes)?.seq)),
            None => Ok(None),
        }
    }

    /// Writes the marker, then `staged`'s records a chunk per transaction,
    /// filling in their stored forms and audit changes. On an error the
    /// caller rolls back.
    fn stage(&self, staged: &mut Staged) -> Result<()> {
        let ids = |kind, v: Vec<u64>| (kind, v);
        let mark = encode_mark(&[
            ids(
                RefKind::Account,
                staged.accounts.iter().map(|a| a.id.0).collect(),
            ),
            ids(
                RefKind::Contact,
                staged.contacts.iter().map(|r| r.id()).collect(),
            ),
            ids(
                RefKind::Interaction,
                staged.interactions.iter().map(|r| r.id()).collect(),
            ),
            ids(
                RefKind::FollowUp,
                staged.followups.iter().map(|r| r.id()).collect(),
            ),
        ]);
        let seq = self.last_seq()? + 1;
        for (key, value) in [
            (STAGED_SEQ, seq.to_be_bytes().to_vec()),
            (STAGED_MARK, mark),
        ] {
            self.tree_counts.add(
                &self.meta.name(),
                super::counts::inserted(self.meta.insert(key, value)?),
            );
        }
        self.flush()?;
        self.set_staging_floor()?;
        let mut keys = HashMap::new();
        let mut changes = Changes {
            seq,
            parts: 0,
            pending: Vec::new(),
            accounts: Vec::new(),
        };
        staged.accounts =
            self.stage_accounts(std::mem::take(&mut staged.accounts), &mut changes)?;
        staged.contacts = self.stage_kind(
            std::mem::take(&mut staged.contacts),
            RefKind::Contact,
            RecordImage::Contact,
            &mut keys,
            &mut changes,
        )?;
        staged.interactions = self.stage_kind(
            std::mem::take(&mut staged.interactions),
            RefKind::Interaction,
            RecordImage::Interaction,
            &mut keys,
            &mut changes,
        )?;
        staged.followups = self.stage_kind(
            std::mem::take(&mut staged.followups),
            RefKind::FollowUp,
            RecordImage::FollowUp,
            &mut keys,
            &mut changes,
        )?;
        staged.indexed = self.stage_index(changes.accounts, seq)?;
        staged.seq = seq;
        staged.parts = changes.parts;
        Ok(())
    }

    /// Indexes the audit entry to come (`seq`) under the accounts of the
    /// staged `changes`, a chunk per transaction. In the last transaction,
    /// 100k such keys held about 450 MB of node versions until it
    /// committed. Until then no reader sees them (the writer holds the
    /// book); a roll back removes them with the records.
    fn stage_index(&self, accounts: Vec<AccountId>, seq: u64) -> Result<Vec<AccountId>> {
        let accounts = crate::audit::accounts_of(accounts);
        for chunk in accounts.chunks(self.staging.chunk.max(1)) {
            let added = self.audit_accounts.transaction(|t| {
                let mut added = 0;
                for a in chunk {
                    added += super::counts::inserted(t.insert(&super::keys::pair(a.0, seq), &[])?);
                }
                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(added)
            })?;
            self.count_added([&self.audit_accounts], [added]);
        }
        Ok(accounts)
    }

    /// Writes `recs` (new, with fresh ids) a chunk per transaction. (Plain
    /// sled batches, tried instead, were no faster and held more memory.)
    fn stage_kind<T: Child>(
        &self,
        recs: Vec<T>,
        kind: RefKind,
        image: fn(T) -> RecordImage,
        keys: &mut HashMap<AccountId, String>,
        changes: &mut Changes,
    ) -> Result<Vec<T>> {
        let trees = self.staged_trees(kind);
        let mut stored = Vec::with_capacity(recs.len());
        for chunk in owned_chunks(recs, self.staging.chunk) {
            let (out, added) =
                [&self.accounts, &trees.records, &trees.ids][..].transaction(|t| {
                    let mut blocks = TxBlocks::new(&t[1], trees.layout);
                    let mut added = [0i64; 2];
                    let mut out = Vec::with_capacity(chunk.len());
                    for r in &chunk {
                        let (_, s) = child::put(
                            &t[0],
                            &mut blocks,
                            &t[2],
                            r.clone(),
                            Mode::Fresh,
                            &mut added[1],
                        )?;
                        out.push(s);
                    }
                    added[0] = blocks.finish()?;
                    Ok((out, added))
                })?;
            self.count_added([&trees.records, &trees.ids], added);
            for s in out {
                let account = s.account();
                let key = match keys.get(&account) {
                    Some(k) => k.clone(),
                    None => {
                        let k = self.account_key_of(account)?.unwrap_or_default();
                        keys.insert(account, k.clone());
                        k
                    }
                };
                let r = RecordRef {
                    kind,
                    id: s.id(),
                    account,
                    key,
                };
                changes.push(RecordChange::new(r, None, Some(image(s.clone()))), self)?;
                stored.push(s);
            }
            changes.store_part(self)?;
        }
        Ok(stored)
    }

    /// The accounts of a batch that are new: neither their key nor their id
    /// is stored. None when the batch is not to be staged: two of its
    /// accounts share a key ignoring case (the second would update the
    /// first), or one's key is stored under another id (the batch's records
    /// naming it would be redirected to that id as they are written).
    fn new_accounts(&self, accounts: &[Account]) -> Result<Option<Vec<bool>>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(accounts.len());
        for a in accounts {
            if !seen.insert(super::keys::fold(&a.key)) {
                return Ok(None);
            }
            let id = a.id.to_be_bytes();
            match self.account_keys.get(a.key.as_bytes())? {
                None => out.push(self.accounts.get(id)?.is_none()),
                Some(owner) if owner.as_ref() == id => out.push(false),
                Some(_) => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Writes new accounts a chunk per transaction, with their key indexes;
    /// a key taken meanwhile (or a twin differing only in case) fails.
    fn stage_accounts(
        &self,
        accounts: Vec<Account>,
        changes: &mut Changes,
    ) -> Result<Vec<Account>> {
        let trees = [&self.accounts, &self.account_keys, &self.folded_keys];
        let mut stored = Vec::with_capacity(accounts.len());
        for chunk in owned_chunks(accounts, self.staging.chunk) {
            let (out, added) = trees[..].transaction(|t| {
                let mut added = [0i64; 3];
                let mut out = Vec::with_capacity(chunk.len());
                for a in &chunk {
                    let (_, s) = super::put_account(
                        &t[0],
                        &t[1],
                        &t[2],
                        a.clone(),
                        Mode::Insert,
                        &mut added,
                    )?;
                    out.push(s);
                }
                Ok((out, added))
            })?;
            self.count_added(trees, added);
            for a in out {
                let r = RecordRef {
                    kind: RefKind::Account,
                    id: a.id.0,
                    account: a.id,
                    key: a.key.clone(),
                };
                let image = RecordImage::Account(Box::new(a.clone()));
                changes.push(RecordChange::new(r, None, Some(image)), self)?;
                stored.push(a);
            }
            changes.store_part(self)?;
        }
        Ok(stored)
    }

    /// Deletes a staged account and its key indexes (if they are its).
    fn roll_back_account(&self, id: AccountId) -> Result<()> {
        let id_key = id.to_be_bytes();
        let Some(bytes) = self.accounts.remove(id_key)? else {
            return Ok(());
        };
        self.tree_counts.add(&self.accounts.name(), -1);
        let key = codec::decode::<Account>(&bytes)?.key;
        if self.account_keys.get(key.as_bytes())?.as_deref() == Some(&id_key[..]) {
            let gone = removed(self.account_keys.remove(key.as_bytes())?);
            self.tree_counts.add(&self.account_keys.name(), gone);
        }
        let fold = super::keys::fold(&key);
        if let Some(ids) = self.folded_keys.get(fold.as_bytes())? {
            let rest: Vec<u8> = super::keys::id_list(&ids)
                .into_iter()
                .filter(|x| *x != id.0)
                .flat_map(u64::to_be_bytes)
                .collect();
            if rest.is_empty() {
                let gone = removed(self.folded_keys.remove(fold.as_bytes())?);
                self.tree_counts.add(&self.folded_keys.name(), gone);
            } else {
                self.folded_keys.insert(fold.as_bytes(), rest)?;
            }
        }
        Ok(())
    }

    /// The key of a stored account, if there is one.
    fn account_key_of(&self, id: AccountId) -> Result<Option<String>> {
        Ok(match self.accounts.get(id.to_be_bytes())? {
            Some(b) => Some(codec::decode::<Account>(&b)?.key),
            None => None,
        })
    }

    /// Records, beside the files, how long the log was once the marker
    /// was flushed: the open guard then knows that a recovery cutting the
    /// log no shorter lost only unacknowledged, staged records.
    fn set_staging_floor(&self) -> Result<()> {
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", self.path.display()));
        let len = super::guard::current_log_len(&self.path).map_err(io)?;
        let file = self.path.join(super::guard::STAGING_FILE);
        std::fs::write(&file, len.to_string()).map_err(io)?;
        std::fs::File::open(&file)
            .and_then(|f| f.sync_all())
            .map_err(io)
    }

    /// The staged write is over (committed, or rolled back and flushed).
    pub(super) fn clear_staging_floor(&self) {
        let _ = std::fs::remove_file(self.path.join(super::guard::STAGING_FILE));
    }

    /// Deletes the records a staged write left, if its marker is there (a
    /// failed write, or a process stopped in the middle of one), then the
    /// marker. True if there was one. Run again, it finishes the job.
    pub fn roll_back_staged(&self) -> Result<bool> {
        let Some(bytes) = self.meta.get(STAGED_MARK)? else {
            // A seq written without its marker: nothing was indexed.
            self.remove_meta(STAGED_SEQ)?;
            self.clear_staging_floor();
            return Ok(false);
        };
        let Some(kinds) = decode_mark(&bytes) else {
            return Err(StoreError::Codec {
                tree: "meta",
                detail: "unreadable list of staged records".into(),
            });
        };
        // The index keys before the records: a roll back cut short finds
        // their accounts again in the records it left. Should another write
        // have taken the seq, its own accounts keep their keys.
        if let Some(seq) = self.meta.get(STAGED_SEQ)? {
            let seq = super::log::seq_of(&seq, "meta")?;
            // Its own changes: not the parts this write stored under the seq.
            let taken = match self.audit.get(seq.to_be_bytes())? {
                Some(b) => codec::decode::<crate::audit::AuditEntry>(&b)?.accounts(),
                None => Vec::new(),
            };
            for a in self.staged_accounts(&kinds)? {
                if taken.binary_search(&a).is_ok() {
                    continue;
                }
                let gone = removed(self.audit_accounts.remove(super::keys::pair(a.0, seq))?);
                self.tree_counts.add(&self.audit_accounts.name(), gone);
            }
            // Only a staged write stores parts, and one at a time: every
            // part under the seq is this write's.
            self.remove_audit_parts(seq)?;
        }
        for (kind, ids) in kinds {
            if kind == RefKind::Account {
                for id in ids {
                    self.roll_back_account(AccountId(id))?;
                }
                continue;
            }
            let trees = self.staged_trees(kind);
            for id in ids {
                let Some(rec_key) = id_index::get(&trees.ids, id)? else {
                    continue;
                };
                let (_, gone) = trees.layout.remove(&trees.records, &rec_key)?;
                self.tree_counts.add(&trees.records.name(), gone);
                let (_, gone) = id_index::remove(&trees.ids, id)?;
                self.tree_counts.add(&trees.ids.name(), gone);
            }
        }
        self.remove_meta(STAGED_MARK)?;
        self.remove_meta(STAGED_SEQ)?;
        self.flush()?;
        self.clear_staging_floor();
        Ok(true)
    }

    fn remove_meta(&self, key: &[u8]) -> Result<()> {
        let gone = removed(self.meta.remove(key)?);
        self.tree_counts.add(&self.meta.name(), gone);
        Ok(())
    }

    /// The accounts of the staged records still stored: the new accounts,
    /// and those a staged child's record key names.
    fn staged_accounts(&self, kinds: &[(RefKind, Vec<u64>)]) -> Result<Vec<AccountId>> {
        let mut accounts = Vec::new();
        for (kind, ids) in kinds {
            if *kind == RefKind::Account {
                accounts.extend(ids.iter().map(|&id| AccountId(id)));
                continue;
            }
            let trees = self.staged_trees(*kind);
            for id in ids {
                if let Some(key) = id_index::get(&trees.ids, *id)?
                    && let Some(head) = key.first_chunk::<8>()
                {
                    accounts.push(AccountId(u64::from_be_bytes(*head)));
                }
            }
        }
        accounts.sort();
        accounts.dedup();
        Ok(accounts)
    }

    /// Prepends the staged records to what the last transaction stored.
    pub(super) fn with_staged(staged: Staged, mut out: BatchResult) -> BatchResult {
        fn prepend<T>(mut first: Vec<T>, rest: Vec<T>) -> Vec<T> {
            first.extend(rest);
            first
        }
        out.created_accounts += staged.accounts.len();
        out.accounts = prepend(staged.accounts, out.accounts);
        out.contacts = prepend(staged.contacts, out.contacts);
        out.interactions = prepend(staged.interactions, out.interactions);
        out.followups = prepend(staged.followups, out.followups);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, InteractionKind};

    /// Staged above 10 new records, 4 to a chunk.
    fn small_chunks() -> super::super::OpenOptions {
        super::super::OpenOptions {
            staging: StagingLimits {
                above: 10,
                chunk: 4,
            },
            ..Default::default()
        }
    }

    /// A stored account, and staged for it: a new account and `calls`
    /// calls on the stored one.
    fn acme_and_a_new_account(store: &Store, calls: usize) -> (Account, Staged) {
        let a = store
            .insert_account(Account {
                key: "ACME".into(),
                name: "Acme".into(),
                ..Account::default()
            })
            .unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let mut staged = Staged::default();
        staged.accounts.push(Account {
            id: AccountId(store.reserve_id().unwrap()),
            key: "NEW".into(),
            name: "New".into(),
            ..Account::default()
        });
        for _ in 0..calls {
            let mut i = Interaction::new(a.id, InteractionKind::Call, day);
            i.id = crate::domain::InteractionId(store.reserve_id().unwrap());
            staged.interactions.push(i);
        }
        (a, staged)
    }

    /// Every record once, in order, in chunks of `n` (a zero chunk size
    /// writes one record at a time).
    #[test]
    fn owned_chunks_hand_over_every_record_in_order() {
        let sizes = |v: Vec<u32>, n| -> Vec<Vec<u32>> { owned_chunks(v, n).collect() };
        assert_eq!(
            sizes((1..=7).collect(), 3),
            [vec![1, 2, 3], vec![4, 5, 6], vec![7]]
        );
        assert_eq!(sizes((1..=2).collect(), 0), [vec![1], vec![2]]);
        assert!(sizes(Vec::new(), 4).is_empty());
    }

    /// The process stops after the chunks, before the last transaction: the
    /// next open deletes the staged records and the marker.
    #[test]
    fn an_open_rolls_back_what_a_stopped_write_staged() {
        let dir = tempfile::tempdir().unwrap();
        let opts = small_chunks();
        let acc = {
            let store = Store::open_with(dir.path(), &opts).unwrap();
            let (a, mut staged) = acme_and_a_new_account(&store, 30);
            store.stage(&mut staged).unwrap();
            assert_eq!(store.interactions_of(a.id).unwrap().len(), 30);
            assert_eq!(store.accounts().unwrap().len(), 2);
            // A part per chunk: the account, then 30 calls in chunks of 4.
            assert_eq!(staged.parts, 9);
            assert_eq!(store.audit_parts.len(), 9);
            // Both accounts indexed under the entry to come.
            assert_eq!(staged.indexed.len(), 2);
            assert_eq!(store.audit_accounts.len(), 2);
            a.id
            // Dropped here without the last transaction.
        };
        let store = Store::open_with(dir.path(), &opts).unwrap();
        assert_eq!(store.audit_accounts.len(), 0, "the index keys went too");
        assert_eq!(store.audit_parts.len(), 0, "and the entry's parts");
        assert!(store.meta.get(STAGED_SEQ).unwrap().is_none());
        assert!(store.interactions_of(acc).unwrap().is_empty());
        assert!(store.accounts_ignoring_case("new").unwrap().is_empty());
        assert_eq!(store.accounts().unwrap().len(), 1);
        assert!(store.meta.get(STAGED_MARK).unwrap().is_none());
        let verified = store.verify().unwrap();
        assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    }

    /// Should another write take the seq staging indexed under, a roll
    /// back leaves that write's index keys and removes only the others.
    #[test]
    fn a_roll_back_keeps_the_index_of_a_write_that_took_the_seq() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, mut staged) = acme_and_a_new_account(&store, 1);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        store.stage(&mut staged).unwrap();
        let other = store
            .apply(super::super::Batch {
                interactions: vec![Interaction::new(a.id, InteractionKind::Visit, day)],
                audit: Some(crate::audit::AuditInfo {
                    user: "ann".into(),
                    at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                    action: "log".into(),
                    undo_of: None,
                }),
                ..Default::default()
            })
            .unwrap()
            .audit
            .unwrap();
        assert_eq!(other.seq, staged.seq, "the other write took it");
        assert!(store.roll_back_staged().unwrap());
        let history: Vec<u64> = store
            .audit_of_account(a.id)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(history, [other.seq]);
        assert_eq!(store.audit_accounts.len(), 1, "the new account's key went");
        let entry = store.audit_entry(other.seq).unwrap().unwrap();
        assert_eq!(entry.changes.len(), 1, "the staged parts went");
        assert_eq!(store.audit_parts.len(), 0);
        let verified = store.verify().unwrap();
        assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    }

    /// A staged write's entry reads whole, its parts first; a damaged
    /// part, or one whose entry is missing, is reported by a check.
    #[test]
    fn an_entry_reads_with_its_parts_and_a_check_sees_them() {
        let dir = tempfile::tempdir().unwrap();
        let opts = small_chunks();
        let store = Store::open_with(dir.path(), &opts).unwrap();
        let (a, mut staged) = acme_and_a_new_account(&store, 30);
        // New records, as an import hands them over: ids not yet given.
        for i in &mut staged.interactions {
            i.id = crate::domain::InteractionId(0);
        }
        let info = crate::audit::AuditInfo {
            user: "ann".into(),
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            action: "import".into(),
            undo_of: None,
        };
        let done = store
            .apply(super::super::Batch {
                accounts: staged.accounts,
                interactions: staged.interactions,
                tiers: vec![(a.id, "Key".to_string())],
                audit: Some(info),
                ..Default::default()
            })
            .unwrap();
        let seq = done.audit.unwrap().seq;
        let entry = store.audit_entry(seq).unwrap().unwrap();
        let kinds: Vec<RefKind> = entry.changes.iter().map(|c| c.record.kind).collect();
        assert_eq!(kinds.len(), 31);
        assert_eq!(kinds[0], RefKind::Account, "the parts in order");
        assert!(kinds[1..].iter().all(|k| *k == RefKind::Interaction));
        assert_eq!(store.audit_parts.len(), 9);
        assert!(store.verify().unwrap().problems.is_empty());

        let (k, v) = store.audit_parts.iter().nth(3).unwrap().unwrap();
        let mut bad = v.to_vec();
        *bad.last_mut().unwrap() ^= 1;
        store.audit_parts.insert(&k, bad).unwrap();
        store
            .audit_parts
            .insert(super::super::log::part_key(seq + 5, 0), v)
            .unwrap();
        let problems: Vec<String> = store
            .verify()
            .unwrap()
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("part 3 of change") && p.contains("checksum")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains(&format!("part 0 of change {}, which is missing", seq + 5))),
            "{problems:?}"
        );
        assert!(
            store.audit_entry(seq).is_err(),
            "a damaged part is an error"
        );
    }

    #[test]
    fn the_marker_reads_back_and_damage_is_refused() {
        let ids = vec![
            (RefKind::Contact, vec![]),
            (RefKind::Interaction, vec![7, 9, u64::MAX]),
            (RefKind::FollowUp, vec![1]),
        ];
        let bytes = encode_mark(&ids);
        assert_eq!(decode_mark(&bytes), Some(ids));
        assert_eq!(decode_mark(&bytes[..bytes.len() - 3]), None);
        assert_eq!(decode_mark(&[9]), None);
    }
}
