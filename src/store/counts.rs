//! Entries per tree, kept as the store writes, for the clean-close marker
//! (`guard`). Counting every entry at each close read the whole book: 5 s of
//! a 9 s read-only command at 100k accounts.
//!
//! A count is known from the open (the marker the files matched, or what a
//! checked open counted) and moved by each transaction by exactly what its
//! inserts and removes returned (a bulk load's sled batches only add keys
//! checked absent). A restore, whose batches do not say what they replaced,
//! forgets them all, and the close counts every tree once. The engine
//! snapshot is not counted at all.

use sled::IVec;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Trees left out of the marker: the engine snapshot is disposable and
/// verified on its own (`derived`), and rewritten wholesale by sled batches.
const UNCOUNTED: &[&str] = &[super::derived::DERIVED_TREE];

pub fn counted(name: &str) -> bool {
    !UNCOUNTED.contains(&name)
}

/// The known counts, shared by every handle of one open database.
#[derive(Debug, Clone, Default)]
pub struct TreeCounts(Arc<Mutex<BTreeMap<String, u64>>>);

impl TreeCounts {
    pub fn new(known: BTreeMap<String, u64>) -> TreeCounts {
        let known = known.into_iter().filter(|(n, _)| counted(n)).collect();
        TreeCounts(Arc::new(Mutex::new(known)))
    }

    fn known(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        // A panic elsewhere while holding it leaves a map that is still
        // consistent (each change is one insert or remove).
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves `tree`'s count by what a committed transaction added
    /// (negative: removed). A count that would go below zero is not what the
    /// tree holds, so it is forgotten.
    pub fn add(&self, tree: &IVec, delta: i64) {
        if delta == 0 {
            return;
        }
        let name = String::from_utf8_lossy(tree);
        let mut known = self.known();
        if let Some(n) = known.get_mut(name.as_ref()) {
            match n.checked_add_signed(delta) {
                Some(v) => *n = v,
                None => {
                    known.remove(name.as_ref());
                }
            }
        }
    }

    /// A database just created: every tree it has is counted now, while
    /// each holds at most its header.
    pub fn of_new_database(db: &sled::Db) -> sled::Result<TreeCounts> {
        let mut known = BTreeMap::new();
        for name in db.tree_names() {
            let n = count(&db.open_tree(&name)?)?;
            known.insert(String::from_utf8_lossy(&name).into_owned(), n);
        }
        Ok(TreeCounts::new(known))
    }

    /// The kept count of `tree`, if known.
    pub fn get(&self, tree: &str) -> Option<u64> {
        self.known().get(tree).copied()
    }

    /// Writes whose effect on the counts is not known (a restore's sled
    /// batches): the close counts every tree.
    pub fn forget_all(&self) {
        self.known().clear();
    }

    /// Entries per counted tree of `db`: the known counts, and a full count
    /// of every other tree (reading every key and value, so a damaged page
    /// shows up here rather than in the middle of a later command).
    pub fn resolve(&self, db: &sled::Db) -> sled::Result<BTreeMap<String, u64>> {
        let known = self.known().clone();
        let mut out = BTreeMap::new();
        for name in db.tree_names() {
            let name_s = String::from_utf8_lossy(&name).into_owned();
            if !counted(&name_s) {
                continue;
            }
            let n = match known.get(&name_s) {
                Some(n) => *n,
                None => count(&db.open_tree(&name)?)?,
            };
            out.insert(name_s, n);
        }
        Ok(out)
    }
}

/// Entries of one tree, reading each.
pub fn count(tree: &sled::Tree) -> sled::Result<u64> {
    let mut n = 0u64;
    for kv in tree.iter() {
        kv?;
        n += 1;
    }
    Ok(n)
}

/// What a transactional insert did to its tree's count: +1 when it added a
/// key (it returns the value it replaced).
pub fn inserted(replaced: Option<IVec>) -> i64 {
    i64::from(replaced.is_none())
}

/// What a transactional remove did to its tree's count.
pub fn removed(was: Option<IVec>) -> i64 {
    -i64::from(was.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_counts_move_and_unknown_ones_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let a = db.open_tree("a").unwrap();
        let b = db.open_tree("b").unwrap();
        for i in 0u8..5 {
            a.insert([i], &[]).unwrap();
            b.insert([i], &[]).unwrap();
        }
        let counts = TreeCounts::new([("a".to_string(), 5)].into_iter().collect());
        a.insert([9], &[]).unwrap();
        counts.add(&a.name(), 1);
        let got = counts.resolve(&db).unwrap();
        assert_eq!(got.get("a"), Some(&6));
        // "b" was not known: counted.
        assert_eq!(got.get("b"), Some(&5));
        // A count going below zero is wrong, so it is counted instead.
        counts.add(&a.name(), -100);
        assert_eq!(counts.resolve(&db).unwrap().get("a"), Some(&6));
        // Forgotten: counted again (here it really holds 6, not 42).
        let counts = TreeCounts::new([("a".to_string(), 42)].into_iter().collect());
        counts.forget_all();
        assert_eq!(counts.resolve(&db).unwrap().get("a"), Some(&6));
    }

    #[test]
    fn the_engine_snapshot_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        db.open_tree(super::super::derived::DERIVED_TREE)
            .unwrap()
            .insert(b"x", &[])
            .unwrap();
        let got = TreeCounts::default().resolve(&db).unwrap();
        assert!(!got.contains_key(super::super::derived::DERIVED_TREE));
    }
}
