//! Atomic multi-record writes (import, demo data): all or nothing, one flush.

use super::child::{self, Child, Mode, abort};
use super::codec;
use super::error::{Result, StoreError};
use super::{Store, put_account};
use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction, sanitize_account, text};
use sled::Transactional;
use std::collections::HashMap;

/// Records to write together.
///
/// Accounts are upserted by key: an existing key keeps its stored id (and
/// records of the batch that referenced the batch's id for it are redirected);
/// a new key gets a fresh id if its id is 0, else keeps the given one.
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
    /// Last recorded tier per account.
    pub tiers: Vec<(AccountId, String)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.contacts.is_empty()
            && self.interactions.is_empty()
            && self.followups.is_empty()
            && self.tiers.is_empty()
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
}

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
    pub fn apply(&self, mut batch: Batch) -> Result<BatchResult> {
        // Validation and id assignment happen before the transaction: its
        // closure may run more than once and must not consume ids.
        for a in &mut batch.accounts {
            sanitize_account(a)?;
            if a.id.0 == 0 {
                a.id = AccountId(self.reserve_id()?);
            }
        }
        let fresh_contacts = self.prepare(&mut batch.contacts)?;
        let fresh_interactions = self.prepare(&mut batch.interactions)?;
        let fresh_followups = self.prepare(&mut batch.followups)?;
        for (_, tier) in &mut batch.tiers {
            *tier = text::clean_line(tier);
        }

        let trees = (
            &self.accounts,
            &self.account_keys,
            &self.contacts.records,
            &self.contacts.ids,
            &self.interactions.records,
            &self.interactions.ids,
            &self.followups.records,
            &self.followups.ids,
            &self.tiers,
        );
        let result = trees.transaction(|(acc, keys, cr, ci, ir, ii, fr, fi, ti)| {
            let mut out = BatchResult::default();
            // batch id → stored id, for accounts whose key already existed
            let mut remap: HashMap<AccountId, AccountId> = HashMap::new();
            for a in &batch.accounts {
                let mut a = a.clone();
                let created = match keys.get(a.key.as_bytes())? {
                    Some(owner) => {
                        let Some(stored_id) = AccountId::from_be_slice(&owner) else {
                            return abort(StoreError::Codec {
                                tree: "account_keys",
                                detail: format!("bad id for key '{}'", a.key),
                            });
                        };
                        if stored_id != a.id && acc.get(a.id.to_be_bytes())?.is_none() {
                            remap.insert(a.id, stored_id);
                        }
                        a.id = stored_id;
                        false
                    }
                    None => acc.get(a.id.to_be_bytes())?.is_none(),
                };
                if created {
                    out.created_accounts += 1;
                } else {
                    out.updated_accounts += 1;
                }
                out.accounts.push(put_account(acc, keys, a, Mode::Upsert)?);
            }
            let fix = |a: AccountId| remap.get(&a).copied().unwrap_or(a);
            fn put_all<T: Child>(
                recs: &[T],
                fresh: &[bool],
                fix: &dyn Fn(AccountId) -> AccountId,
                acc: &sled::transaction::TransactionalTree,
                records: &sled::transaction::TransactionalTree,
                ids: &sled::transaction::TransactionalTree,
            ) -> child::Tx<Vec<T>> {
                let mut out = Vec::with_capacity(recs.len());
                for (r, &fresh) in recs.iter().zip(fresh) {
                    let mut r = r.clone();
                    r.set_account(fix(r.account()));
                    let mode = if fresh { Mode::Fresh } else { Mode::Upsert };
                    out.push(child::put(acc, records, ids, r, mode)?);
                }
                Ok(out)
            }
            out.contacts = put_all(&batch.contacts, &fresh_contacts, &fix, acc, cr, ci)?;
            out.interactions =
                put_all(&batch.interactions, &fresh_interactions, &fix, acc, ir, ii)?;
            out.followups = put_all(&batch.followups, &fresh_followups, &fix, acc, fr, fi)?;
            for (a, tier) in &batch.tiers {
                let a = fix(*a);
                if acc.get(a.to_be_bytes())?.is_none() {
                    return abort(StoreError::NotFound(format!("account {a}")));
                }
                ti.insert(&a.to_be_bytes(), codec::encode(tier).or_else(abort)?)?;
            }
            Ok(out)
        })?;
        self.flush()?;
        Ok(result)
    }
}
