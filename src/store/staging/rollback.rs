//! Undoing a staged write that did not reach its last transaction: a
//! failed chunk or last transaction, or (at the next open) a process that
//! stopped in the middle of one. Run again, a roll back finishes the job.

use super::mark::decode_mark;
use super::{STAGED_MARK, STAGED_SEQ};
use crate::audit::RefKind;
use crate::domain::{Account, AccountId};
use crate::store::Store;
use crate::store::codec;
use crate::store::counts::removed;
use crate::store::error::{Result, StoreError};
use crate::store::id_index;

impl Store {
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
        let fold = crate::store::keys::fold(&key);
        if let Some(ids) = self.folded_keys.get(fold.as_bytes())? {
            let rest: Vec<u8> = crate::store::keys::id_list(&ids)
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

    /// Records, beside the files, how long the log was once the seq was
    /// flushed: the open guard then knows that a recovery cutting the
    /// log no shorter lost only unacknowledged, staged records.
    pub(super) fn set_staging_floor(&self) -> Result<()> {
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", self.path.display()));
        let len = crate::store::guard::current_log_len(&self.path).map_err(io)?;
        let file = self.path.join(crate::store::guard::STAGING_FILE);
        std::fs::write(&file, len.to_string()).map_err(io)?;
        std::fs::File::open(&file)
            .and_then(|f| f.sync_all())
            .map_err(io)
    }

    /// The staged write is over (committed, or rolled back and flushed).
    pub(in crate::store) fn clear_staging_floor(&self) {
        let _ = std::fs::remove_file(self.path.join(crate::store::guard::STAGING_FILE));
    }

    /// Deletes the records a staged write left, if its markers are there (a
    /// failed write, or a process stopped in the middle of one), then the
    /// markers and the seq. True if there was a marker. Run again, it
    /// finishes the job.
    pub fn roll_back_staged(&self) -> Result<bool> {
        let mut marks = Vec::new();
        let mut kinds = Vec::new();
        for mark in self.meta.scan_prefix(STAGED_MARK) {
            let (key, bytes) = mark?;
            let Some(listed) = decode_mark(&bytes) else {
                return Err(StoreError::Codec {
                    tree: "meta",
                    detail: "unreadable list of staged records".into(),
                });
            };
            kinds.extend(listed);
            marks.push(key);
        }
        if marks.is_empty() {
            // A seq written without a marker: no chunk was written, nothing
            // was indexed.
            self.remove_meta(STAGED_SEQ)?;
            self.clear_staging_floor();
            return Ok(false);
        }
        // The index keys before the records: a roll back cut short finds
        // their accounts again in the records it left. Should another write
        // have taken the seq, its own accounts keep their keys.
        if let Some(seq) = self.meta.get(STAGED_SEQ)? {
            let seq = crate::store::log::seq_of(&seq, "meta")?;
            // Its own changes: not the parts this write stored under the seq.
            let taken = match self.audit.get(seq.to_be_bytes())? {
                Some(b) => codec::decode::<crate::audit::AuditEntry>(&b)?.accounts(),
                None => Vec::new(),
            };
            for a in self.staged_accounts(&kinds)? {
                if taken.binary_search(&a).is_ok() {
                    continue;
                }
                let gone = removed(
                    self.audit_accounts
                        .remove(crate::store::keys::pair(a.0, seq))?,
                );
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
        for key in marks {
            self.remove_meta(&key)?;
        }
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
}
