//! Bringing a database written by an older kam up to `SCHEMA_VERSION`, one
//! step at a time, when it is opened. Each step is idempotent: a step
//! interrupted by a crash runs again on the next open (the header is
//! rewritten only after it finished).

use super::codec::{self, DB_MAGIC, DbHeader};
use super::error::Result;
use super::id_index;
use super::keys::{self, FOLDED_TREE};
use super::open::HEADER_KEY;
use std::collections::BTreeMap;

/// Runs every step from `found` up to `target` and records the new version.
pub fn run(db: &sled::Db, found: u32, target: u32) -> Result<()> {
    // One step per version; versions below 1 were never written.
    for from in found..target {
        match from {
            1 => fold_keys(db)?,
            2 => group_ids(db)?,
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
