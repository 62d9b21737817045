//! The account records a book keeps by id. They are read at open (the
//! engine is loaded from them) and kept for lookups, screens and reports.
//! A one-shot bulk import lets them go: at 100k accounts they are about
//! 70 MB beside the import's peak, and it does not look at them. They are
//! read again from the store when next asked.

use crate::domain::{Account, AccountId};
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Default)]
pub(super) struct Records {
    map: OnceLock<HashMap<AccountId, Account>>,
}

impl Records {
    pub(super) fn kept(accounts: Vec<Account>) -> Self {
        let map = OnceLock::new();
        let _ = map.set(accounts.into_iter().map(|a| (a.id, a)).collect());
        Records { map }
    }

    /// The records, read from `store` if they were let go. A failed read is
    /// not remembered: the next ask reads again.
    pub(super) fn get(&self, store: &Store) -> Result<&HashMap<AccountId, Account>, StoreError> {
        if let Some(map) = self.map.get() {
            return Ok(map);
        }
        let map = store
            .accounts_by_id()?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(self.map.get_or_init(|| map))
    }

    /// The kept records, to follow a write; None when they were let go
    /// (the store has the write, and they are read from it when asked).
    pub(super) fn kept_mut(&mut self) -> Option<&mut HashMap<AccountId, Account>> {
        self.map.get_mut()
    }

    pub(super) fn is_kept(&self) -> bool {
        self.map.get().is_some()
    }

    /// Lets the records go until they are next asked for: freed on a
    /// thread of their own (100k accounts are a million allocations).
    pub(super) fn release(&mut self) {
        crate::par::drop_aside(std::mem::take(&mut self.map));
    }

    /// The kept records, taken (for a process about to exit).
    pub(super) fn take(&mut self) -> HashMap<AccountId, Account> {
        self.map.take().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_let_go_are_read_again_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store
            .insert_account(Account {
                key: "K-1".into(),
                name: "One".into(),
                ..Account::default()
            })
            .unwrap();
        let mut records = Records::kept(vec![a.clone()]);
        assert!(records.kept_mut().is_some());
        records.release();
        assert!(records.kept_mut().is_none(), "let go");
        assert_eq!(records.get(&store).unwrap().get(&a.id), Some(&a));
        assert!(records.kept_mut().is_some(), "kept again once read");
    }
}
