//! Child records packed into blocks: one sled entry holds every contact (or
//! follow-up) of an account, and every interaction of an account within a
//! span of 2^25 s (about 388 days).
//!
//! sled's cost per key is fixed whatever the value's size (node copies and
//! splits on insert, page table entries, log garbage): at 1M interactions a
//! key per record took more time and disk than the records' own bytes. A
//! block is found from a record's key alone (`Layout::block_of`), so a
//! transaction reaches it with a point read, never a range read, and the id
//! index keeps pointing to record keys.
//!
//! Value: `[FORMAT][entries u32]` then the block's entries in key order, each
//! `[n u8][the record key after its account, n bytes][len u32][envelope]`.
//! Every block key starts with the account, so the record key is the block
//! key's first 8 bytes and the entry's own. A block with no entry left is
//! removed. Each record keeps its own envelope (and checksum).

use super::child::{Tx, abort};
use super::error::{Result, StoreError};
use sled::IVec;
use sled::transaction::TransactionalTree;
use std::collections::{BTreeMap, HashMap};

/// First byte of every block value.
const FORMAT: u8 = 0xB1;
/// Bytes of the account at the start of every record and block key.
const ACCOUNT: usize = 8;
/// An interaction block spans 2^SPAN_BITS seconds.
const SPAN_BITS: u32 = 25;

/// A block's records: the part of each record key after the account
/// (`suffix`) → the record's envelope, in key order.
pub type Entries = BTreeMap<Vec<u8>, Vec<u8>>;

/// How one record type's keys fall into blocks.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// The record tree's name, for messages.
    pub tree: &'static str,
    /// The block key of a record key. A record key too short for its
    /// layout gets a key no block has (the look-up then finds nothing).
    pub block_of: fn(&[u8]) -> Vec<u8>,
}

/// Contacts and follow-ups, keyed `(account, id)`: one block per account.
pub fn by_account(key: &[u8]) -> Vec<u8> {
    key.get(..ACCOUNT).unwrap_or(key).to_vec()
}

/// Interactions, keyed `(account, at, id)`: one block per account and span.
/// The time bytes are monotone in time (`keys::time_bytes`), so blocks in key
/// order hold the timeline in order.
pub fn by_account_and_span(key: &[u8]) -> Vec<u8> {
    match key.get(..ACCOUNT + 8) {
        Some(head) => {
            let (account, at) = head.split_at(ACCOUNT);
            let at = u64::from_be_bytes(at.try_into().unwrap_or_default());
            let mut out = account.to_vec();
            out.extend_from_slice(&(at >> SPAN_BITS).to_be_bytes());
            out
        }
        None => key.to_vec(),
    }
}

impl Layout {
    fn damaged(&self, detail: String) -> StoreError {
        StoreError::Codec {
            tree: self.tree,
            detail,
        }
    }

    /// The (record key suffix, envelope) entries of a block, checked.
    pub fn entries<'a>(&self, value: &'a [u8]) -> Result<Vec<(&'a [u8], &'a [u8])>> {
        let Some((&FORMAT, rest)) = value.split_first() else {
            return Err(self.damaged("a block of an unknown format".into()));
        };
        let Some((count, mut rest)) = rest.split_first_chunk::<4>() else {
            return Err(self.damaged("a block ends in its header".into()));
        };
        let count = u32::from_be_bytes(*count) as usize;
        let mut out: Vec<(&[u8], &[u8])> = Vec::new();
        while let Some((&n, tail)) = rest.split_first() {
            let n = usize::from(n);
            let (Some(suffix), Some(len)) = (tail.get(..n), tail.get(n..n + 4)) else {
                return Err(self.damaged("an entry runs past its block".into()));
            };
            let len = u32::from_be_bytes(len.try_into().unwrap_or_default()) as usize;
            let Some(v) = tail.get(n + 4..).and_then(|t| t.get(..len)) else {
                return Err(self.damaged("an entry runs past its block".into()));
            };
            if out.last().is_some_and(|&(prev, _)| prev >= suffix) {
                return Err(self.damaged("a block's records are out of order".into()));
            }
            out.push((suffix, v));
            rest = &tail[n + 4 + len..];
        }
        if out.len() != count {
            return Err(self.damaged(format!("a block of {count} records holds {}", out.len())));
        }
        if out.is_empty() {
            return Err(self.damaged("an empty block".into()));
        }
        Ok(out)
    }

    /// Calls `f(record key, envelope)` for each entry of a block, in order.
    pub fn each(
        &self,
        block_key: &[u8],
        value: &[u8],
        mut f: impl FnMut(&[u8], &[u8]) -> Result<()>,
    ) -> Result<()> {
        let account = block_key.get(..ACCOUNT).unwrap_or(block_key);
        let mut key = account.to_vec();
        for (suffix, v) in self.entries(value)? {
            key.truncate(account.len());
            key.extend_from_slice(suffix);
            f(&key, v)?;
        }
        Ok(())
    }

    /// The envelope of the entry `suffix` in a block.
    fn find_suffix<'a>(&self, value: &'a [u8], suffix: &[u8]) -> Result<Option<&'a [u8]>> {
        let all = self.entries(value)?;
        Ok(all
            .binary_search_by(|(s, _)| (*s).cmp(suffix))
            .ok()
            .map(|i| all[i].1))
    }

    fn parse(&self, value: &[u8]) -> Result<Entries> {
        Ok(self
            .entries(value)?
            .into_iter()
            .map(|(s, v)| (s.to_vec(), v.to_vec()))
            .collect())
    }

    /// The record stored under `key`.
    pub fn get(&self, tree: &sled::Tree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match tree.get((self.block_of)(key))? {
            Some(block) => Ok(self.find_suffix(&block, suffix(key))?.map(<[u8]>::to_vec)),
            None => Ok(None),
        }
    }

    /// Removes the record under `key` outside a transaction (compare and
    /// swap, so a concurrent write to the block is not lost). Returns
    /// whether it was there and the sled entries that added (0 or -1).
    pub fn remove(&self, tree: &sled::Tree, key: &[u8]) -> Result<(bool, i64)> {
        let block_key = (self.block_of)(key);
        loop {
            let Some(old) = tree.get(&block_key)? else {
                return Ok((false, 0));
            };
            let mut all = self.parse(&old)?;
            if all.remove(suffix(key)).is_none() {
                return Ok((false, 0));
            }
            let new = (!all.is_empty()).then(|| encode(slices(&all)));
            if tree
                .compare_and_swap(&block_key, Some(&old), new.as_deref())?
                .is_ok()
            {
                return Ok((true, if all.is_empty() { -1 } else { 0 }));
            }
        }
    }

    /// Adds new records (key, envelope) to `batch`, merged into the blocks
    /// stored in `tree`; returns the sled entries that adds. A record under
    /// a key already stored replaces it.
    pub fn put_all(
        &self,
        tree: &sled::Tree,
        records: Vec<(Vec<u8>, Vec<u8>)>,
        batch: &mut sled::Batch,
    ) -> Result<i64> {
        let mut blocks: BTreeMap<Vec<u8>, Entries> = BTreeMap::new();
        for (k, v) in records {
            let block = blocks.entry((self.block_of)(&k)).or_default();
            block.insert(suffix(&k).to_vec(), v);
        }
        let mut added = 0;
        for (block_key, new) in blocks {
            let mut all = match tree.get(&block_key)? {
                Some(old) => self.parse(&old)?,
                None => {
                    added += 1;
                    Entries::new()
                }
            };
            all.extend(new);
            batch.insert(block_key, encode(slices(&all)));
        }
        Ok(added)
    }

    /// Records stored (every block read).
    pub fn count(&self, tree: &sled::Tree) -> Result<usize> {
        let mut n = 0;
        for kv in tree.iter() {
            n += self.entries(&kv?.1)?.len();
        }
        Ok(n)
    }
}

/// The records a block says it holds (its header; 0 for a value that is
/// not a block), for counts that do not read every entry.
pub fn records_in(value: &[u8]) -> u64 {
    match value {
        [FORMAT, a, b, c, d, ..] => u64::from(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => 0,
    }
}

/// The part of a record key an entry holds.
pub fn suffix(key: &[u8]) -> &[u8] {
    key.get(ACCOUNT..).unwrap_or_default()
}

/// A block's value from its entries (suffix, envelope), in key order.
/// Record keys are 16 or 24 bytes and envelopes far below 4 GiB.
pub fn encode<'a>(entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let mut out = vec![FORMAT, 0, 0, 0, 0];
    let mut count = 0u32;
    for (s, v) in entries {
        out.push(s.len() as u8);
        out.extend_from_slice(s);
        out.extend_from_slice(&(v.len() as u32).to_be_bytes());
        out.extend_from_slice(v);
        count += 1;
    }
    out[1..5].copy_from_slice(&count.to_be_bytes());
    out
}

/// The entries of an owned block, for `encode`.
pub fn slices(entries: &Entries) -> impl Iterator<Item = (&[u8], &[u8])> {
    entries.iter().map(|(s, v)| (s.as_slice(), v.as_slice()))
}

/// One block as a transaction sees it: the stored value (checked when
/// read) and the transaction's changes over it, merged once at `finish`.
/// Parsing the whole block into owned entries per write took a tenth of an
/// order's write in the book.
struct Open {
    stored: Option<IVec>,
    /// suffix → the new envelope, or None: removed.
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Open {
    /// The envelope of `suffix`, changed or stored.
    fn get(&self, layout: &Layout, suffix: &[u8]) -> Result<Option<&[u8]>> {
        if let Some(change) = self.changes.get(suffix) {
            return Ok(change.as_deref());
        }
        match &self.stored {
            Some(v) => layout.find_suffix(v, suffix),
            None => Ok(None),
        }
    }

    /// The block's entries after the changes, in key order.
    fn merged<'a>(&'a self, layout: &Layout) -> Result<Vec<(&'a [u8], &'a [u8])>> {
        let stored = match &self.stored {
            Some(v) => layout.entries(v)?,
            None => Vec::new(),
        };
        let mut out = Vec::with_capacity(stored.len() + self.changes.len());
        let mut changes = self.changes.iter().peekable();
        for (s, v) in stored {
            while let Some((c, new)) = changes.next_if(|(c, _)| c.as_slice() < s) {
                out.extend(new.as_deref().map(|n| (c.as_slice(), n)));
            }
            match changes.next_if(|(c, _)| c.as_slice() == s) {
                Some((c, new)) => out.extend(new.as_deref().map(|n| (c.as_slice(), n))),
                None => out.push((s, v)),
            }
        }
        for (c, new) in changes {
            out.extend(new.as_deref().map(|n| (c.as_slice(), n)));
        }
        Ok(out)
    }
}

/// The blocks of one record tree inside a sled transaction: each block is
/// read once and written once at `finish`, however many of its records the
/// transaction changes (an import of one account's year of orders would
/// otherwise rewrite the block per order).
pub struct TxBlocks<'t> {
    tree: &'t TransactionalTree,
    layout: Layout,
    open: HashMap<Vec<u8>, Open>,
}

impl<'t> TxBlocks<'t> {
    pub fn new(tree: &'t TransactionalTree, layout: Layout) -> TxBlocks<'t> {
        TxBlocks {
            tree,
            layout,
            open: HashMap::new(),
        }
    }

    fn block(&mut self, key: &[u8]) -> Tx<&mut Open> {
        let block_key = (self.layout.block_of)(key);
        if !self.open.contains_key(&block_key) {
            let stored = self.tree.get(&block_key)?;
            if let Some(v) = &stored {
                // Damage is found here, before anything is changed.
                self.layout.entries(v).or_else(abort)?;
            }
            let open = Open {
                stored,
                changes: BTreeMap::new(),
            };
            self.open.insert(block_key.clone(), open);
        }
        Ok(self.open.get_mut(&block_key).expect("inserted above"))
    }

    /// The envelope stored under `key`.
    pub fn get(&mut self, key: &[u8]) -> Tx<Option<&[u8]>> {
        let layout = self.layout;
        let open = self.block(key)?;
        open.get(&layout, suffix(key)).or_else(abort)
    }

    /// Stores `value` under `key` (replacing what is there).
    pub fn insert(&mut self, key: &[u8], value: Vec<u8>) -> Tx<()> {
        let open = self.block(key)?;
        open.changes.insert(suffix(key).to_vec(), Some(value));
        Ok(())
    }

    /// Removes the record under `key`; returns it.
    pub fn remove(&mut self, key: &[u8]) -> Tx<Option<Vec<u8>>> {
        let layout = self.layout;
        let open = self.block(key)?;
        let gone = open
            .get(&layout, suffix(key))
            .or_else(abort)?
            .map(<[u8]>::to_vec);
        if gone.is_some() {
            open.changes.insert(suffix(key).to_vec(), None);
        }
        Ok(gone)
    }

    /// Writes the changed blocks into the transaction; returns the sled
    /// entries that adds (negative: removed). Must run before the
    /// transaction's closure returns, or its changes to records are lost.
    pub fn finish(self) -> Tx<i64> {
        let mut added = 0;
        for (block_key, open) in &self.open {
            if open.changes.is_empty() {
                continue;
            }
            let entries = open.merged(&self.layout).or_else(abort)?;
            let existed = open.stored.is_some();
            if entries.is_empty() {
                if existed {
                    self.tree.remove(block_key.as_slice())?;
                    added -= 1;
                }
            } else {
                self.tree.insert(block_key.as_slice(), encode(entries))?;
                added += i64::from(!existed);
            }
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys;
    use chrono::DateTime;
    use proptest::prelude::*;

    const INTERACTIONS: Layout = Layout {
        tree: "interaction_blocks",
        block_of: by_account_and_span,
    };

    fn timeline(account: u64, secs: i64, id: u64) -> Vec<u8> {
        keys::timeline(account, &DateTime::from_timestamp(secs, 0).unwrap(), id).to_vec()
    }

    fn temp_tree() -> (tempfile::TempDir, sled::Tree) {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let t = db.open_tree("interaction_blocks").unwrap();
        (dir, t)
    }

    #[test]
    fn blocks_hold_an_account_and_a_span_in_timeline_order() {
        let year = 1 << SPAN_BITS;
        let a = by_account_and_span(&timeline(7, 1_000, 1));
        assert_eq!(a, by_account_and_span(&timeline(7, 2_000, 2)));
        assert_ne!(a, by_account_and_span(&timeline(7, 1_000 + year, 3)));
        assert_ne!(a, by_account_and_span(&timeline(8, 1_000, 1)));
        // before 1970 sorts before after, across blocks too
        let before = by_account_and_span(&timeline(7, -5 * year, 4));
        assert!(before < a);
        assert!(a < by_account_and_span(&timeline(7, 3 * year, 5)));
        assert_eq!(by_account(&keys::pair(9, 3)), 9u64.to_be_bytes());
    }

    #[test]
    fn a_damaged_block_is_an_error_not_a_panic() {
        let mut ok = BTreeMap::new();
        ok.insert(vec![1, 2], vec![9; 10]);
        ok.insert(vec![1, 3], vec![8; 3]);
        let good = encode(slices(&ok));
        assert_eq!(INTERACTIONS.entries(&good).unwrap().len(), 2);
        assert_eq!(records_in(&good), 2);
        for cut in 0..good.len() - 1 {
            assert!(INTERACTIONS.entries(&good[..cut]).is_err(), "cut at {cut}");
        }
        // header, then [n][2-byte suffix][u32 length][10 bytes]
        let first = 5 + 1 + 2 + 4 + 10;
        let mut swapped = good[..5].to_vec();
        swapped.extend_from_slice(&good[first..]);
        swapped.extend_from_slice(&good[5..first]);
        let err = INTERACTIONS.entries(&swapped).unwrap_err().to_string();
        assert!(err.contains("out of order"), "{err}");
        let mut garbled = good.clone();
        garbled[0] = 0;
        assert!(INTERACTIONS.entries(&garbled).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Put(u64, i64, u64),
        Remove(usize),
        Bulk(Vec<(u64, i64, u64)>),
        CasRemove(usize),
        /// Many puts and removes in one transaction.
        TxMany(Vec<(u64, i64, u64)>, Vec<usize>),
    }

    fn op() -> impl Strategy<Value = Op> {
        let rec = (
            0u64..4,
            -(3i64 << SPAN_BITS)..(3i64 << SPAN_BITS),
            1u64..500,
        );
        prop_oneof![
            rec.clone().prop_map(|(a, t, i)| Op::Put(a, t, i)),
            (0usize..64).prop_map(Op::Remove),
            proptest::collection::vec(rec.clone(), 0..12).prop_map(Op::Bulk),
            (0usize..64).prop_map(Op::CasRemove),
            (
                proptest::collection::vec(rec, 0..12),
                proptest::collection::vec(0usize..64, 0..6)
            )
                .prop_map(|(r, d)| Op::TxMany(r, d)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Whatever path wrote them, the blocks hold what a map of record
        /// key → value holds, in key order, and no block is left empty.
        #[test]
        fn the_blocks_hold_what_a_map_holds(ops in proptest::collection::vec(op(), 1..40)) {
            let (_dir, tree) = temp_tree();
            let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            let mut entries = 0i64;
            for (n, op) in ops.into_iter().enumerate() {
                let value = format!("v{n}").into_bytes();
                match op {
                    Op::Put(a, t, i) => {
                        let k = timeline(a, t, i);
                        let (old, added) = tree
                            .transaction(|tx| {
                                let mut b = TxBlocks::new(tx, INTERACTIONS);
                                let old = b.get(&k)?.map(<[u8]>::to_vec);
                                b.insert(&k, value.clone())?;
                                // a second change in the same transaction
                                assert_eq!(b.get(&k)?, Some(value.as_slice()));
                                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>((old, b.finish()?))
                            })
                            .unwrap();
                        prop_assert_eq!(old, model.insert(k, value));
                        entries += added;
                    }
                    Op::Remove(i) | Op::CasRemove(i) if model.is_empty() => { let _ = i; }
                    Op::Remove(i) => {
                        let k = model.keys().nth(i % model.len()).unwrap().clone();
                        let (gone, added) = tree
                            .transaction(|tx| {
                                let mut b = TxBlocks::new(tx, INTERACTIONS);
                                let gone = b.remove(&k)?;
                                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>((gone, b.finish()?))
                            })
                            .unwrap();
                        prop_assert_eq!(gone, model.remove(&k));
                        entries += added;
                    }
                    Op::CasRemove(i) => {
                        let k = model.keys().nth(i % model.len()).unwrap().clone();
                        let (was, added) = INTERACTIONS.remove(&tree, &k).unwrap();
                        prop_assert!(was);
                        model.remove(&k);
                        entries += added;
                    }
                    Op::TxMany(recs, removes) => {
                        let puts: Vec<_> = recs.iter().map(|&(a, t, i)| timeline(a, t, i)).collect();
                        let gone: Vec<Vec<u8>> = if model.is_empty() {
                            Vec::new()
                        } else {
                            removes.iter().map(|i| model.keys().nth(i % model.len()).unwrap().clone()).collect()
                        };
                        let added = tree
                            .transaction(|tx| {
                                let mut b = TxBlocks::new(tx, INTERACTIONS);
                                for k in &puts {
                                    b.insert(k, value.clone())?;
                                }
                                for k in &gone {
                                    b.remove(k)?;
                                }
                                b.finish()
                            })
                            .unwrap();
                        for k in puts {
                            model.insert(k, value.clone());
                        }
                        for k in &gone {
                            model.remove(k);
                        }
                        entries += added;
                    }
                    Op::Bulk(recs) => {
                        let recs: BTreeMap<_, _> = recs
                            .into_iter()
                            .map(|(a, t, i)| (timeline(a, t, i), value.clone()))
                            .collect();
                        let mut batch = sled::Batch::default();
                        entries += INTERACTIONS
                            .put_all(&tree, recs.clone().into_iter().collect(), &mut batch)
                            .unwrap();
                        tree.apply_batch(batch).unwrap();
                        model.extend(recs);
                    }
                }
                prop_assert_eq!(entries, tree.len() as i64);
            }
            let mut stored = Vec::new();
            for kv in tree.iter() {
                let (bk, v) = kv.unwrap();
                INTERACTIONS
                    .each(&bk, &v, |k, v| {
                        assert_eq!(by_account_and_span(k), bk.to_vec());
                        stored.push((k.to_vec(), v.to_vec()));
                        Ok(())
                    })
                    .unwrap();
            }
            prop_assert_eq!(stored, model.clone().into_iter().collect::<Vec<_>>());
            prop_assert_eq!(INTERACTIONS.count(&tree).unwrap(), model.len());
            for (k, v) in &model {
                prop_assert_eq!(INTERACTIONS.get(&tree, k).unwrap(), Some(v.clone()));
            }
        }
    }
}
