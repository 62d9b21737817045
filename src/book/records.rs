//! The account records a book keeps by id. They are read at open (the
//! engine and the rows' text are made from them). A one-shot book keeps
//! them for lookups and reports, and lets them go for a streamed import:
//! at 100k accounts they are about 100 MB, and an import does not look at
//! them. A book that serves screens (a server, a TUI) does not keep them:
//! its rows' text holds what a list shows, and a record a screen opens is
//! read from the store when asked.

use crate::domain::{Account, AccountId};
use crate::store::{Store, StoreError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

pub(super) type ById = HashMap<AccountId, Account>;

#[derive(Default)]
pub(super) struct Records {
    map: OnceLock<ById>,
    /// Records read again are kept (a one-shot book), or read for each ask
    /// and let go after it (a book that serves screens).
    keep: bool,
}

impl Records {
    pub(super) fn kept(accounts: Vec<Account>) -> Self {
        let map = OnceLock::new();
        let _ = map.set(accounts.into_iter().map(|a| (a.id, a)).collect());
        Records { map, keep: true }
    }

    /// Records read from the store for each ask, never kept.
    pub(super) fn read_when_asked() -> Self {
        Records {
            map: OnceLock::new(),
            keep: false,
        }
    }

    /// The records, read from `store` if they are not kept. A failed read
    /// is not remembered: the next ask reads again.
    pub(super) fn get(&self, store: &Store) -> Result<Cow<'_, ById>, StoreError> {
        if let Some(map) = self.map.get() {
            return Ok(Cow::Borrowed(map));
        }
        let map: ById = store
            .accounts_by_id()?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(if self.keep {
            Cow::Borrowed(self.map.get_or_init(|| map))
        } else {
            Cow::Owned(map)
        })
    }

    /// One record: the kept one; else a book that keeps its records reads
    /// them all again to keep them, and one that does not reads this one.
    pub(super) fn one(
        &self,
        store: &Store,
        id: AccountId,
    ) -> Result<Option<Cow<'_, Account>>, StoreError> {
        if !self.keep && self.map.get().is_none() {
            return Ok(store.account(id)?.map(Cow::Owned));
        }
        // Kept, or read again here to be kept.
        Ok(match self.get(store)? {
            Cow::Borrowed(map) => map.get(&id).map(Cow::Borrowed),
            Cow::Owned(mut map) => map.remove(&id).map(Cow::Owned),
        })
    }

    /// The kept records, to follow a write; None when they are not kept
    /// (the store has the write, and they are read from it when asked).
    pub(super) fn kept_mut(&mut self) -> Option<&mut ById> {
        self.map.get_mut()
    }

    pub(super) fn is_kept(&self) -> bool {
        self.map.get().is_some()
    }

    pub(super) fn kept_map(&self) -> Option<&ById> {
        self.map.get()
    }

    /// Lets the records go until they are next asked for: freed on a
    /// thread of their own (100k accounts are a million allocations).
    pub(super) fn release(&mut self) {
        crate::par::drop_aside(std::mem::take(&mut self.map));
    }

    /// The kept records, taken (for a process about to exit).
    pub(super) fn take(&mut self) -> ById {
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

        let lean = Records::read_when_asked();
        assert_eq!(lean.one(&store, a.id).unwrap().as_deref(), Some(&a));
        assert_eq!(lean.get(&store).unwrap().get(&a.id), Some(&a));
        assert!(!lean.is_kept(), "each ask reads the store, none is kept");
    }
}
