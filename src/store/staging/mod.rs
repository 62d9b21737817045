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
//! one transaction that also removes the markers. The seq the entry is to
//! take is written and flushed before the first chunk, and each chunk lists
//! its records' ids in a marker written in its own transaction (`mark`): if
//! the process stops before the last transaction, the next open deletes
//! them (`roll_back_staged`), and so does a failed chunk or a failed last
//! transaction. Beside the files, `kam.staging` tells the open guard how
//! long the log was once the seq was flushed, so that a crash's cut tail
//! (only staged, unacknowledged records) is not taken for damage. A reader
//! never sees staged records without their audit entry: the writer holds
//! the book while it runs, and an open rolls back before anything reads.
//!
//! A batch is staged whole (`stage_if_large`, from `Store::apply`); an
//! import is fed to a `StagedWrite` a run at a time while its file is read
//! and ended by `Store::apply_staged`.

mod chunks;
mod mark;
pub(super) use mark::mark_key;
mod rollback;
#[cfg(test)]
mod tests;

use super::Store;
use super::batch::{Batch, BatchResult};
use super::block::TxBlocks;
use super::child::{self, Child, ChildTrees, Mode};
use super::codec::{self, RequestEntry};
use super::error::{Result, StoreError};
use crate::audit::{RecordChange, RecordImage, RecordRef, RefKind};
use crate::chunks::owned_chunks;
use crate::domain::{Account, AccountId};
use chunks::take_fresh;
use mark::encode_mark;
use sled::Transactional;
use std::collections::HashMap;

/// Meta keys present while staged records await their last transaction:
/// this prefix and each chunk's number (`mark::mark_key`).
pub(super) const STAGED_MARK: &[u8] = b"staged_records";
/// Meta key beside the markers: the seq the audit entry will take, under
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
    /// The markers written, one per chunk (see `mark`): the last
    /// transaction removes them.
    pub marks: u32,
    /// The accounts already indexed under `seq` in `audit_accounts`
    /// (sorted): the last transaction writes the entry, not their keys.
    pub indexed: Vec<AccountId>,
    /// The seq the audit entry is to take (0: nothing was staged).
    pub seq: u64,
}

/// A staged write under way: begun (its seq recorded and flushed), fed new
/// records a chunk at a time, then ended by the write's last transaction
/// (`Store::apply_staged`) or rolled back (`Store::abandon_staged`, or the
/// next open). An import streams its file through one, so that neither the
/// file's records nor their stored copies are held whole.
pub struct StagedWrite {
    staged: Staged,
    changes: Changes,
    /// Account keys by id, for the audit changes' record refs.
    keys: HashMap<AccountId, String>,
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
        // A run of one account's records is listed once (an export is
        // sorted by account): the list is sorted and deduplicated later.
        if self.accounts.last() != Some(&change.record.account) {
            self.accounts.push(change.record.account);
        }
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
    /// True when a staged write was begun: its last transaction ends it.
    pub fn is_staged(&self) -> bool {
        self.seq > 0
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

    /// Writes `staged`'s records a chunk per transaction, filling in their
    /// stored forms, audit parts and index. On an error the caller rolls
    /// back.
    fn stage(&self, staged: &mut Staged) -> Result<()> {
        let mut w = self.begin_staged()?;
        let accounts = self.stage_accounts(std::mem::take(&mut staged.accounts), &mut w)?;
        let contacts = self.stage_kind(
            std::mem::take(&mut staged.contacts),
            RefKind::Contact,
            RecordImage::Contact,
            &mut w,
        )?;
        let interactions = self.stage_kind(
            std::mem::take(&mut staged.interactions),
            RefKind::Interaction,
            RecordImage::Interaction,
            &mut w,
        )?;
        let followups = self.stage_kind(
            std::mem::take(&mut staged.followups),
            RefKind::FollowUp,
            RecordImage::FollowUp,
            &mut w,
        )?;
        *staged = Staged {
            accounts,
            contacts,
            interactions,
            followups,
            ..self.end_staging(w)?
        };
        Ok(())
    }

    /// Begins a staged write: records the seq its entry is to take and
    /// flushes it, then tells the open guard how long the log is (see the
    /// module). Only one staged write runs at a time: the writer holds the
    /// book.
    pub fn begin_staged(&self) -> Result<StagedWrite> {
        let seq = self.last_seq()? + 1;
        self.tree_counts.add(
            &self.meta.name(),
            super::counts::inserted(self.meta.insert(STAGED_SEQ, &seq.to_be_bytes())?),
        );
        self.flush()?;
        self.set_staging_floor()?;
        Ok(StagedWrite {
            staged: Staged {
                seq,
                ..Staged::default()
            },
            changes: Changes {
                seq,
                parts: 0,
                pending: Vec::new(),
                accounts: Vec::new(),
            },
            keys: HashMap::new(),
        })
    }

    /// Writes `chunk`, new interactions (their ids are given here), as part
    /// of the staged write `w`, and hands back their stored forms. On an
    /// error, roll the write back (`abandon_staged`).
    pub fn stage_interactions(
        &self,
        w: &mut StagedWrite,
        mut chunk: Vec<crate::domain::Interaction>,
    ) -> Result<Vec<crate::domain::Interaction>> {
        for i in &mut chunk {
            i.sanitize()?;
            i.set_id(self.reserve_id()?);
        }
        self.stage_kind(chunk, RefKind::Interaction, RecordImage::Interaction, w)
    }

    /// Rolls back a staged write that will not be ended: its records,
    /// parts, index keys and markers are removed.
    pub fn abandon_staged(&self, w: StagedWrite) -> Result<()> {
        drop(w);
        self.roll_back_staged().map(drop)
    }

    /// What the staged write `w` wrote, once its accounts are indexed under
    /// the seq: for its last transaction.
    pub(super) fn end_staging(&self, mut w: StagedWrite) -> Result<Staged> {
        w.changes.store_part(self)?;
        w.staged.indexed = self.stage_index(w.changes.accounts, w.staged.seq)?;
        w.staged.parts = w.changes.parts;
        Ok(w.staged)
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
        w: &mut StagedWrite,
    ) -> Result<Vec<T>> {
        let trees = self.staged_trees(kind);
        let mut stored = Vec::with_capacity(recs.len());
        for chunk in owned_chunks(recs, self.staging.chunk) {
            // The chunk's marker goes in its transaction: a roll back finds
            // every record that was written.
            let (mark_key, mark) = (
                mark::mark_key(w.staged.marks),
                encode_mark(&[(kind, chunk.iter().map(|r| r.id()).collect())]),
            );
            let (out, added) = [&self.accounts, &trees.records, &trees.ids, &self.meta][..]
                .transaction(|t| {
                    let mut blocks = TxBlocks::new(&t[1], trees.layout);
                    let mut added = [0i64; 3];
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
                    added[2] =
                        super::counts::inserted(t[3].insert(mark_key.as_slice(), &mark[..])?);
                    Ok((out, added))
                })?;
            w.staged.marks += 1;
            self.count_added([&trees.records, &trees.ids, &self.meta], added);
            for s in out {
                let account = s.account();
                let key = match w.keys.get(&account) {
                    Some(k) => k.clone(),
                    None => {
                        let k = self.account_key_of(account)?.unwrap_or_default();
                        w.keys.insert(account, k.clone());
                        k
                    }
                };
                let r = RecordRef {
                    kind,
                    id: s.id(),
                    account,
                    key,
                };
                let change = RecordChange::new(r, None, Some(image(s.clone())));
                w.changes.push(change, self)?;
                stored.push(s);
            }
            w.changes.store_part(self)?;
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
    fn stage_accounts(&self, accounts: Vec<Account>, w: &mut StagedWrite) -> Result<Vec<Account>> {
        let trees = [
            &self.accounts,
            &self.account_keys,
            &self.folded_keys,
            &self.meta,
        ];
        let mut stored = Vec::with_capacity(accounts.len());
        for chunk in owned_chunks(accounts, self.staging.chunk) {
            let (mark_key, mark) = (
                mark::mark_key(w.staged.marks),
                encode_mark(&[(RefKind::Account, chunk.iter().map(|a| a.id.0).collect())]),
            );
            let (out, added) = trees[..].transaction(|t| {
                let mut put = [0i64; 3];
                let mut out = Vec::with_capacity(chunk.len());
                for a in &chunk {
                    let (_, s) =
                        super::put_account(&t[0], &t[1], &t[2], a.clone(), Mode::Insert, &mut put)?;
                    out.push(s);
                }
                let marked = super::counts::inserted(t[3].insert(mark_key.as_slice(), &mark[..])?);
                Ok((out, [put[0], put[1], put[2], marked]))
            })?;
            w.staged.marks += 1;
            self.count_added(trees, added);
            for a in out {
                let r = RecordRef {
                    kind: RefKind::Account,
                    id: a.id.0,
                    account: a.id,
                    key: a.key.clone(),
                };
                let image = RecordImage::Account(Box::new(a.clone()));
                w.changes
                    .push(RecordChange::new(r, None, Some(image)), self)?;
                stored.push(a);
            }
            w.changes.store_part(self)?;
        }
        Ok(stored)
    }

    /// The key of a stored account, if there is one.
    fn account_key_of(&self, id: AccountId) -> Result<Option<String>> {
        Ok(match self.accounts.get(id.to_be_bytes())? {
            Some(b) => Some(codec::account_key(&b)?),
            None => None,
        })
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
