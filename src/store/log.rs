//! Reading the change log and audit trail, and the exactly-once request
//! table. Entries are written by `Store::apply` (see `batch`).

use super::Store;
use super::codec::{self, AuditPart, Record, RequestEntry};
use super::error::{Result, StoreError};
use crate::audit::{AuditEntry, RequestId};
use crate::domain::AccountId;

/// Key of the last used seq in the `meta` tree.
pub(super) const SEQ_KEY: &[u8] = b"audit_seq";

/// The tree of the parts of audit entries (see `codec::AuditPart`).
pub(super) const PARTS_TREE: &str = "audit_parts";

/// A part's key: the seq of its entry, then its number (both big-endian),
/// so that an entry's parts are a prefix scan, in order.
pub(super) fn part_key(seq: u64, part: u32) -> [u8; 12] {
    let mut k = [0; 12];
    k[..8].copy_from_slice(&seq.to_be_bytes());
    k[8..].copy_from_slice(&part.to_be_bytes());
    k
}

pub(super) fn seq_of(bytes: &[u8], tree: &'static str) -> Result<u64> {
    let b: [u8; 8] = bytes.try_into().map_err(|_| StoreError::Codec {
        tree,
        detail: "bad sequence number".into(),
    })?;
    Ok(u64::from_be_bytes(b))
}

impl Store {
    /// The seq of the last committed change (0 before the first).
    pub fn last_seq(&self) -> Result<u64> {
        match self.meta.get(SEQ_KEY)? {
            Some(b) => seq_of(&b, "meta"),
            None => Ok(0),
        }
    }

    pub fn audit_entry(&self, seq: u64) -> Result<Option<AuditEntry>> {
        match self.audit.get(seq.to_be_bytes())? {
            Some(b) => self.entry_of(&b).map(Some),
            None => Ok(None),
        }
    }

    /// A stored entry, whole: the changes of its parts (a staged write's),
    /// then its own.
    fn entry_of(&self, bytes: &[u8]) -> Result<AuditEntry> {
        let mut entry: AuditEntry = codec::decode(bytes)?;
        let mut parts = self
            .audit_parts
            .scan_prefix(entry.seq.to_be_bytes())
            .peekable();
        if parts.peek().is_none() {
            return Ok(entry);
        }
        let mut changes = Vec::new();
        for kv in parts {
            changes.extend(codec::decode::<AuditPart>(&kv?.1)?.changes);
        }
        changes.append(&mut entry.changes);
        entry.changes = changes;
        Ok(entry)
    }

    /// Stores `changes` as part `part` of the entry `seq` is to take (see
    /// `staging`).
    pub(super) fn put_audit_part(
        &self,
        seq: u64,
        part: u32,
        changes: Vec<crate::audit::RecordChange>,
    ) -> Result<()> {
        let bytes = codec::encode(&AuditPart { changes })?;
        let was = self.audit_parts.insert(part_key(seq, part), bytes)?;
        self.tree_counts
            .add(&self.audit_parts.name(), super::counts::inserted(was));
        Ok(())
    }

    /// Removes the parts stored under `seq` (a staged write rolled back).
    pub(super) fn remove_audit_parts(&self, seq: u64) -> Result<()> {
        for kv in self.audit_parts.scan_prefix(seq.to_be_bytes()) {
            let (k, _) = kv?;
            let gone = super::counts::removed(self.audit_parts.remove(k)?);
            self.tree_counts.add(&self.audit_parts.name(), gone);
        }
        Ok(())
    }

    /// Every change after `seq`, oldest first (a reconnecting client's catch-up).
    pub fn audit_since(&self, seq: u64) -> Result<Vec<AuditEntry>> {
        let Some(from) = seq.checked_add(1) else {
            return Ok(Vec::new());
        };
        self.audit
            .range(from.to_be_bytes()..)
            .map(|kv| self.entry_of(&kv?.1))
            .collect()
    }

    /// `audit_since`, or None when a change after `seq` was a staged write:
    /// its changes are stored in parts, tens of thousands to a million of
    /// them, too many to read only to learn what it touched (a server read
    /// 450 MB of a 1M-row import's entry to tell its clients).
    pub fn audit_since_unstaged(&self, seq: u64) -> Result<Option<Vec<AuditEntry>>> {
        let Some(from) = seq.checked_add(1) else {
            return Ok(Some(Vec::new()));
        };
        let mut out = Vec::new();
        for kv in self.audit.range(from.to_be_bytes()..) {
            let (k, v) = kv?;
            if self.audit_parts.scan_prefix(&k).next().is_some() {
                return Ok(None);
            }
            out.push(codec::decode(&v)?);
        }
        Ok(Some(out))
    }

    /// Walks the log newest first while `f` returns true.
    pub fn audit_rev(&self, mut f: impl FnMut(AuditEntry) -> bool) -> Result<()> {
        for kv in self.audit.iter().rev() {
            if !f(self.entry_of(&kv?.1)?) {
                break;
            }
        }
        Ok(())
    }

    /// The changes that touched one account, oldest first.
    pub fn audit_of_account(&self, id: AccountId) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        for kv in self.audit_accounts.scan_prefix(id.to_be_bytes()) {
            let (k, _) = kv?;
            let seq = seq_of(&k[8..], "audit_accounts")?;
            match self.audit_entry(seq)? {
                Some(e) => out.push(e),
                None => {
                    return Err(StoreError::Codec {
                        tree: "audit_accounts",
                        detail: format!("index points to missing change {seq}"),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The last change made by `user`.
    pub fn last_audit_by(&self, user: &str) -> Result<Option<AuditEntry>> {
        let mut found = None;
        self.audit_rev(|e| {
            if e.user == user {
                found = Some(e);
                false
            } else {
                true
            }
        })?;
        Ok(found)
    }

    /// What a client request id led to, if it was seen.
    pub fn request(&self, req: RequestId) -> Result<Option<RequestEntry>> {
        match self.requests.get(req.key())? {
            Some(b) => codec::decode(&b).map(Some),
            None => Ok(None),
        }
    }

    /// Stores the writer's outcome for a recorded request id, so that a
    /// retry gets exactly the first answer. The outcome is a typed record in
    /// its own envelope (`Tag::Outcome` for the book's), inside the entry.
    pub fn set_request_outcome<T: Record>(&self, req: RequestId, outcome: &T) -> Result<()> {
        let outcome = codec::encode(outcome)?;
        let Some(mut entry) = self.request(req)? else {
            return Err(StoreError::NotFound(format!(
                "request {}/{}",
                req.client_id, req.request_id
            )));
        };
        entry.outcome = outcome;
        let was = self.requests.insert(req.key(), codec::encode(&entry)?)?;
        self.tree_counts
            .add(&self.requests.name(), super::counts::inserted(was));
        self.flush()
    }
}
