//! The engine's account table: every account's state in one dense array,
//! found by id through a small index.
//!
//! A hash map of the states themselves (400 bytes each) kept a quarter of
//! its slots empty at 100k accounts: 54 MB for 40 MB of states. Here the
//! empty slots are in the index (16 bytes a slot), and the array is sized
//! to the accounts once they are loaded (`fit`).

use super::state::{AccState, IdMap};
use crate::domain::AccountId;

#[derive(Debug, Clone, Default)]
pub(in crate::segment) struct Table {
    index: IdMap<AccountId, u32>,
    /// Aligned with `states`.
    ids: Vec<AccountId>,
    states: Vec<AccState>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn get(&self, id: &AccountId) -> Option<&AccState> {
        self.index.get(id).map(|&i| &self.states[i as usize])
    }

    pub fn get_mut(&mut self, id: &AccountId) -> Option<&mut AccState> {
        self.index.get(id).map(|&i| &mut self.states[i as usize])
    }

    /// `id`'s state, a default one added if it has none.
    pub fn or_default(&mut self, id: AccountId) -> &mut AccState {
        let i = match self.index.get(&id) {
            Some(&i) => i as usize,
            None => self.push(id),
        };
        &mut self.states[i]
    }

    /// A default state added for `id`; None when it has one already.
    pub fn insert_new(&mut self, id: AccountId) -> Option<&mut AccState> {
        if self.index.contains_key(&id) {
            return None;
        }
        let i = self.push(id);
        Some(&mut self.states[i])
    }

    fn push(&mut self, id: AccountId) -> usize {
        let i = self.states.len();
        self.index.insert(id, i as u32);
        self.ids.push(id);
        self.states.push(AccState::default());
        i
    }

    /// The last state moves into the removed one's place.
    pub fn remove(&mut self, id: &AccountId) -> Option<AccState> {
        let i = self.index.remove(id)? as usize;
        self.ids.swap_remove(i);
        let gone = self.states.swap_remove(i);
        if let Some(moved) = self.ids.get(i) {
            self.index.insert(*moved, i as u32);
        }
        Some(gone)
    }

    pub fn clear(&mut self) {
        self.index.clear();
        self.ids.clear();
        self.states.clear();
    }

    /// Room for `n` more accounts, and no more.
    pub fn reserve(&mut self, n: usize) {
        self.index.reserve(n);
        self.ids.reserve_exact(n);
        self.states.reserve_exact(n);
    }

    /// Gives back the array's spare room (it doubles as accounts arrive one
    /// at a time).
    pub fn fit(&mut self) {
        self.ids.shrink_to_fit();
        self.states.shrink_to_fit();
    }

    pub fn iter(&self) -> impl Iterator<Item = (&AccountId, &AccState)> {
        self.ids.iter().zip(&self.states)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&AccountId, &mut AccState)> {
        self.ids.iter().zip(&mut self.states)
    }

    pub fn keys(&self) -> std::slice::Iter<'_, AccountId> {
        self.ids.iter()
    }

    pub fn values(&self) -> std::slice::Iter<'_, AccState> {
        self.states.iter()
    }

    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, AccState> {
        self.states.iter_mut()
    }
}

impl std::ops::Index<&AccountId> for Table {
    type Output = AccState;

    fn index(&self, id: &AccountId) -> &AccState {
        match self.get(id) {
            Some(st) => st,
            None => panic!("account {id:?} is not in the engine's table"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// Adds and removes in any order find what a map finds.
        #[test]
        fn the_table_holds_what_a_map_holds(ops in prop::collection::vec((any::<bool>(), 0u64..24), 0..200)) {
            let mut t = Table::default();
            let mut m: BTreeMap<AccountId, usize> = BTreeMap::new();
            for (n, (add, id)) in ops.into_iter().enumerate() {
                let id = AccountId(id);
                if add {
                    t.or_default(id).tier = n;
                    m.insert(id, n);
                } else {
                    prop_assert_eq!(t.remove(&id).map(|s| s.tier), m.remove(&id));
                }
                prop_assert_eq!(t.len(), m.len());
                for id in (0..24).map(AccountId) {
                    prop_assert_eq!(t.get(&id).map(|s| s.tier), m.get(&id).copied());
                }
                let mut listed: Vec<(AccountId, usize)> = t.iter().map(|(id, s)| (*id, s.tier)).collect();
                listed.sort();
                prop_assert_eq!(listed, m.iter().map(|(id, n)| (*id, *n)).collect::<Vec<_>>());
            }
            t.fit();
            prop_assert!(t.insert_new(AccountId(99)).is_some());
            prop_assert!(t.insert_new(AccountId(99)).is_none());
        }
    }
}
