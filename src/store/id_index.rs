//! The id index of a child record type (`contact_ids`, `interaction_ids`,
//! `followup_ids`): id → the record's key in its clustered tree, 64 ids to a
//! sled entry.
//!
//! One sled key per id cost as much as the record itself: at 1M
//! interactions the index was a million small keys, whose node copies and
//! splits took more of a demo load than the records did, and a fifth of the
//! disk. Ids are reserved from one counter, so the records written together
//! (a demo, an import, one account's timeline) have neighbouring ids and
//! share entries.
//!
//! Layout: key = `id >> 6` big-endian; value = the entries of that group in
//! id order, each `[id & 63][length of the record key][record key]`.
//! An entry with no ids left is removed.

use super::child::{Tx, abort};
use super::error::{Result, StoreError};
use sled::transaction::TransactionalTree;

const SHIFT: u32 = 6;
const LOW: u64 = (1 << SHIFT) - 1;

/// The sled key of the group holding `id`.
fn group_key(id: u64) -> [u8; 8] {
    (id >> SHIFT).to_be_bytes()
}

fn low(id: u64) -> u8 {
    (id & LOW) as u8
}

fn damaged(detail: String) -> StoreError {
    StoreError::Codec {
        tree: "id index",
        detail,
    }
}

/// The (low id, record key) entries of a group's value, in order.
fn entries(value: &[u8]) -> Result<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let [lo, len, tail @ ..] = rest {
        let len = usize::from(*len);
        if u64::from(*lo) > LOW || tail.len() < len {
            return Err(damaged("an entry runs past its group".into()));
        }
        if out.last().is_some_and(|&(prev, _)| prev >= *lo) {
            return Err(damaged("a group's ids are out of order".into()));
        }
        out.push((*lo, &tail[..len]));
        rest = &tail[len..];
    }
    if !rest.is_empty() {
        return Err(damaged("a group ends inside an entry".into()));
    }
    Ok(out)
}

fn encode(entries: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.iter().map(|(_, k)| k.len() + 2).sum());
    for (lo, key) in entries {
        out.push(*lo);
        // Record keys are 16 or 24 bytes (`keys::pair`, `keys::timeline`).
        out.push(key.len() as u8);
        out.extend_from_slice(key);
    }
    out
}

/// The record key of `id` in a group's value.
fn find(value: &[u8], id: u64) -> Result<Option<Vec<u8>>> {
    Ok(entries(value)?
        .into_iter()
        .find(|&(lo, _)| lo == low(id))
        .map(|(_, k)| k.to_vec()))
}

/// A group's value with `id` pointing to `key` (added or replaced).
fn with(value: Option<&[u8]>, id: u64, key: &[u8]) -> Result<Vec<u8>> {
    if key.len() > usize::from(u8::MAX) {
        return Err(damaged(format!("a record key of {} bytes", key.len())));
    }
    let mut all = match value {
        Some(v) => entries(v)?,
        None => Vec::new(),
    };
    match all.binary_search_by_key(&low(id), |&(lo, _)| lo) {
        Ok(i) => all[i].1 = key,
        Err(i) => all.insert(i, (low(id), key)),
    }
    Ok(encode(&all))
}

/// A group with one id taken out.
struct Taken {
    /// The group's new value; `None` when no id is left (it is removed).
    value: Option<Vec<u8>>,
    /// The record key the id had, if it was there.
    key: Option<Vec<u8>>,
}

/// A group's value without `id`.
fn without(value: &[u8], id: u64) -> Result<Taken> {
    let mut all = entries(value)?;
    let Ok(i) = all.binary_search_by_key(&low(id), |&(lo, _)| lo) else {
        return Ok(Taken {
            value: Some(value.to_vec()),
            key: None,
        });
    };
    let (_, gone) = all.remove(i);
    let key = Some(gone.to_vec());
    Ok(Taken {
        value: (!all.is_empty()).then(|| encode(&all)),
        key,
    })
}

/// Every (id, record key) of a group, given its sled key.
pub fn ids_of(group: &[u8], value: &[u8]) -> Result<Vec<(u64, Vec<u8>)>> {
    let Ok(high) = <[u8; 8]>::try_from(group) else {
        return Err(damaged(format!("a group key of {} bytes", group.len())));
    };
    let base = u64::from_be_bytes(high) << SHIFT;
    Ok(entries(value)?
        .into_iter()
        .map(|(lo, k)| (base | u64::from(lo), k.to_vec()))
        .collect())
}

// ------------------------------------------------------------ in a transaction

/// The record key of `id`.
pub fn tx_get(ids: &TransactionalTree, id: u64) -> Tx<Option<Vec<u8>>> {
    match ids.get(group_key(id))? {
        Some(v) => find(&v, id).or_else(abort),
        None => Ok(None),
    }
}

/// Points `id` to `key`; returns the sled entries added (0 or 1).
pub fn tx_put(ids: &TransactionalTree, id: u64, key: &[u8]) -> Tx<i64> {
    let group = group_key(id);
    let old = ids.get(group)?;
    let value = with(old.as_deref(), id, key).or_else(abort)?;
    ids.insert(&group, value)?;
    Ok(i64::from(old.is_none()))
}

/// Takes `id` out; returns the sled entries added (0 or -1).
pub fn tx_remove(ids: &TransactionalTree, id: u64) -> Tx<i64> {
    let group = group_key(id);
    let Some(old) = ids.get(group)? else {
        return Ok(0);
    };
    match without(&old, id).or_else(abort)?.value {
        Some(v) => {
            ids.insert(&group, v)?;
            Ok(0)
        }
        None => {
            ids.remove(&group)?;
            Ok(-1)
        }
    }
}

// ------------------------------------------------------------ on the tree

/// The record key of `id`.
pub fn get(ids: &sled::Tree, id: u64) -> Result<Option<Vec<u8>>> {
    match ids.get(group_key(id))? {
        Some(v) => find(&v, id),
        None => Ok(None),
    }
}

/// Takes `id` out, atomically against other writers of its group; returns
/// the record key it had and the sled entries added (0 or -1).
pub fn remove(ids: &sled::Tree, id: u64) -> Result<(Option<Vec<u8>>, i64)> {
    let group = group_key(id);
    loop {
        let Some(old) = ids.get(group)? else {
            return Ok((None, 0));
        };
        let Taken { value, key } = without(&old, id)?;
        if key.is_none() {
            return Ok((None, 0));
        }
        let delta = if value.is_some() { 0 } else { -1 };
        if ids.compare_and_swap(group, Some(old), value)?.is_ok() {
            return Ok((key, delta));
        }
    }
}

/// Adds new (id, record key) pairs to `batch`, merged with the groups
/// already stored; returns the sled entries added. For a writer that is
/// alone (a bulk load): the groups are read outside any transaction.
pub fn put_all(
    ids: &sled::Tree,
    mut pairs: Vec<(u64, Vec<u8>)>,
    batch: &mut sled::Batch,
) -> Result<i64> {
    pairs.sort_unstable_by_key(|&(id, _)| id);
    let mut added = 0;
    for run in pairs.chunk_by(|a, b| a.0 >> SHIFT == b.0 >> SHIFT) {
        let group = group_key(run[0].0);
        let old = ids.get(group)?;
        added += i64::from(old.is_none());
        let mut value = old.map(|v| v.to_vec());
        for (id, key) in run {
            value = Some(with(value.as_deref(), *id, key)?);
        }
        if let Some(v) = value {
            batch.insert(&group, v);
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn key(id: u64, n: u8) -> Vec<u8> {
        let mut k = id.to_be_bytes().to_vec();
        k.extend(std::iter::repeat_n(n, usize::from(n % 3) * 8));
        k
    }

    proptest! {
        /// Any sequence of puts and removes leaves the index holding what a
        /// plain map of id → key holds, through every way of writing it.
        #[test]
        fn the_groups_hold_what_a_map_holds(
            ops in proptest::collection::vec((any::<bool>(), 0u64..300, any::<u8>(), 0u8..3), 1..120)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let db = sled::open(dir.path()).unwrap();
            let tree = db.open_tree("ids").unwrap();
            let mut model = BTreeMap::new();
            for (put, id, n, how) in ops {
                let id = id * 7 + 1_000;
                if put {
                    let k = key(id, n);
                    match how {
                        0 => {
                            tree.transaction(|t| tx_put(t, id, &k)).unwrap();
                        }
                        _ => {
                            let mut b = sled::Batch::default();
                            put_all(&tree, vec![(id, k.clone())], &mut b).unwrap();
                            tree.apply_batch(b).unwrap();
                        }
                    }
                    model.insert(id, k);
                } else {
                    let had = model.remove(&id);
                    match how {
                        0 => {
                            tree.transaction(|t| tx_remove(t, id)).unwrap();
                        }
                        _ => prop_assert_eq!(remove(&tree, id).unwrap().0, had),
                    }
                }
                prop_assert_eq!(get(&tree, id).unwrap(), model.get(&id).cloned());
                let seen = tree.transaction(|t| tx_get(t, id)).unwrap();
                prop_assert_eq!(seen, model.get(&id).cloned());
            }
            let mut all = Vec::new();
            for kv in tree.iter() {
                let (k, v) = kv.unwrap();
                all.extend(ids_of(&k, &v).unwrap());
            }
            prop_assert_eq!(all, model.clone().into_iter().collect::<Vec<_>>());
            // No group is left empty, and neighbours share one.
            let groups: std::collections::BTreeSet<u64> = model.keys().map(|id| id >> SHIFT).collect();
            prop_assert_eq!(tree.len(), groups.len());
        }
    }

    #[test]
    fn ids_reserved_together_share_a_group() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("ids").unwrap();
        let pairs: Vec<_> = (6_400..7_400).map(|id| (id, key(id, 1))).collect();
        let mut b = sled::Batch::default();
        assert_eq!(put_all(&tree, pairs, &mut b).unwrap(), 16);
        tree.apply_batch(b).unwrap();
        assert_eq!(tree.len(), 1_000 / 64 + 1);
    }

    #[test]
    fn a_damaged_group_is_an_error_not_a_panic() {
        for bad in [&[3u8, 9, 1][..], &[70, 0], &[5, 0, 5, 0], &[9]] {
            assert!(find(bad, 3).is_err(), "{bad:?}");
            assert!(with(Some(bad), 3, b"k").is_err(), "{bad:?}");
        }
        assert!(ids_of(&[1, 2], &[]).is_err());
        assert!(with(None, 3, &[0; 300]).is_err());
    }
}
