//! Bringing a database written by an older kam up to `SCHEMA_VERSION`, one
//! step at a time, when it is opened. Each step is idempotent: a step
//! interrupted by a crash runs again on the next open (the header is
//! rewritten only after it finished).
//!
//! A step that moves records into new trees leaves the old ones until the
//! header names the new schema, then drops them (`drop_replaced`, run again
//! by every open until none is left).

use super::block::{self, Entries};
use super::child::Child;
use super::codec::{self, DB_MAGIC, DbHeader};
use super::error::Result;
use super::id_index;
use super::keys::{self, FOLDED_TREE};
use super::open::HEADER_KEY;
use super::{SCHEMA_VERSION, is_replaced_tree};
use crate::domain::{Contact, FollowUp, Interaction};
use std::collections::BTreeMap;

/// Brings a database of schema `found` up to `SCHEMA_VERSION`, and drops
/// the trees an upgrade cut short left; true if it changed what the trees
/// hold (beyond the header's version).
pub fn upgrade(db: &sled::Db, found: u32) -> Result<bool> {
    if found < SCHEMA_VERSION {
        let dropped = run(db, found, SCHEMA_VERSION)?;
        return Ok(rewrites(found) || dropped);
    }
    drop_replaced(db)
}

/// True when bringing schema `found` up rewrites trees: seconds to a minute
/// on a large book. 4 → 5 only adds a tree, created empty by the open.
pub fn rewrites(found: u32) -> bool {
    found < 4
}

/// Runs every step from `found` up to `target` and records the new version;
/// true if replaced trees were dropped.
fn run(db: &sled::Db, found: u32, target: u32) -> Result<bool> {
    // One step per version; versions below 1 were never written.
    for from in found..target {
        match from {
            1 => fold_keys(db)?,
            2 => group_ids(db)?,
            3 => {
                pack::<Contact>(db, "contacts")?;
                pack::<Interaction>(db, "interactions")?;
                pack::<FollowUp>(db, "followups")?;
            }
            _ => {}
        }
    }
    let h = DbHeader {
        magic: DB_MAGIC.into(),
        schema: target,
    };
    db.open_tree("meta")?
        .insert(HEADER_KEY, codec::encode(&h)?)?;
    db.flush()?;
    drop_replaced(db)
}

/// Drops the trees an upgrade replaced, once the header names the schema
/// that replaced them. True if there were any.
pub fn drop_replaced(db: &sled::Db) -> Result<bool> {
    let mut dropped = false;
    for name in db.tree_names() {
        if is_replaced_tree(&name) {
            dropped |= db.drop_tree(&name)?;
        }
    }
    if dropped {
        db.flush()?;
    }
    Ok(dropped)
}

/// Blocks written per sled batch while packing.
const PACK_BATCH: usize = 1_000;

/// 3 → 4: the records of `old` (one key each) packed into blocks in the
/// new tree. Written from scratch each run: the old tree stays whole until
/// the header is rewritten. Record keys come in key order and a block holds
/// a run of neighbouring keys, so one block is gathered at a time.
fn pack<T: Child>(db: &sled::Db, old: &str) -> Result<()> {
    if !db.tree_names().iter().any(|n| n.as_ref() == old.as_bytes()) {
        return Ok(());
    }
    let old = db.open_tree(old)?;
    let new = db.open_tree(T::TREE)?;
    new.clear()?;
    let layout = T::BLOCKS;
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    let mut current: Option<(Vec<u8>, Entries)> = None;
    for kv in old.iter() {
        let (k, v) = kv?;
        let block_key = (layout.block_of)(&k);
        if current.as_ref().is_some_and(|(b, _)| *b != block_key)
            && let Some((b, entries)) = current.take()
        {
            batch.insert(b, block::encode(block::slices(&entries)));
            pending += 1;
            if pending >= PACK_BATCH {
                new.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        current
            .get_or_insert_with(|| (block_key, Entries::new()))
            .1
            .insert(block::suffix(&k).to_vec(), v.to_vec());
    }
    if let Some((b, entries)) = current {
        batch.insert(b, block::encode(block::slices(&entries)));
    }
    new.apply_batch(batch)?;
    db.flush()?;
    Ok(())
}

/// 1 → 2: the case-folded key index, built from the exact one. Keys that
/// are twins ignoring case (possible before version 2) share one entry.
fn fold_keys(db: &sled::Db) -> Result<()> {
    let exact = db.open_tree("account_keys")?;
    let folded = db.open_tree(FOLDED_TREE)?;
    let mut map: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for kv in exact.iter() {
        let (k, id) = kv?;
        let entry = map
            .entry(keys::fold(&String::from_utf8_lossy(&k)))
            .or_default();
        entry.extend_from_slice(&id);
    }
    // The open counts every tree after an upgrade (`open::open_db`).
    folded.clear()?;
    for (k, ids) in map {
        folded.insert(k.as_bytes(), ids)?;
    }
    Ok(())
}

/// 2 → 3: the id indexes, 64 ids to an entry. Rebuilt from the record
/// trees, whose keys end with the record's id, so a step cut short by a
/// crash starts again from what is certainly there.
fn group_ids(db: &sled::Db) -> Result<()> {
    for (records, ids) in [
        ("contacts", "contact_ids"),
        ("interactions", "interaction_ids"),
        ("followups", "followup_ids"),
    ] {
        let records = db.open_tree(records)?;
        let ids = db.open_tree(ids)?;
        let mut pairs = Vec::new();
        for kv in records.iter() {
            let (k, _) = kv?;
            if let Some(id) = k.last_chunk::<8>() {
                pairs.push((u64::from_be_bytes(*id), k.to_vec()));
            }
        }
        ids.clear()?;
        let mut batch = sled::Batch::default();
        id_index::put_all(&ids, pairs, &mut batch)?;
        ids.apply_batch(batch)?;
    }
    Ok(())
}
