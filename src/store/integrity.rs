//! `Store::verify`: reads every entry of every tree and checks it against
//! the others, listing every problem instead of stopping at the first (the
//! reads of normal use stop at the first, with an error).
//!
//! Checked: each value's envelope and checksum and that it decodes as its
//! tree's record type; the record keys against the records; the key index
//! and the folded key index against the accounts, both ways; each child
//! record's `*_ids` entry, both ways, and its account; tiers; the audit
//! trail (seqs 1, 2, … with no gap, each entry under its own seq, the last
//! one equal to the counter) and its per-account index, both ways; request
//! entries; and that there are no trees kam does not know.

use super::child::{Child, ChildTrees};
use super::codec::{self, AuditPart, DB_MAGIC, DbHeader, RequestEntry};
use super::error::Result;
use super::id_index;
use super::log::SEQ_KEY;
use super::meta::MetaValue;
use super::open::HEADER_KEY;
use super::{SCHEMA_VERSION, Store, TREE_NAMES, keys};
use crate::audit::AuditEntry;
use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One thing found wrong: the tree and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub tree: String,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.tree, self.detail)
    }
}

/// What `verify` read, for its report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// Entries read per tree, in `TREE_NAMES` order.
    pub entries: Vec<(String, u64)>,
    /// Records read per kind ("contacts", "interactions", "followups"):
    /// their trees' entries are blocks of them.
    pub records: Vec<(String, u64)>,
    pub problems: Vec<Problem>,
}

struct Report(Vec<Problem>);

impl Report {
    fn add(&mut self, tree: &str, detail: impl Into<String>) {
        self.0.push(Problem {
            tree: tree.to_string(),
            detail: detail.into(),
        });
    }
}

fn u64_key(k: &[u8]) -> Option<u64> {
    k.try_into().ok().map(u64::from_be_bytes)
}

fn show_key(k: &[u8]) -> String {
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(char::is_control) => format!("'{s}'"),
        _ => k.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

impl Store {
    /// Checks every entry of the database; an `Err` only when the storage
    /// itself cannot be read.
    pub fn verify(&self) -> Result<Verified> {
        let mut r = Report(Vec::new());
        let mut entries = Vec::new();
        for name in TREE_NAMES {
            let n = self.db.open_tree(name)?.len() as u64;
            entries.push((name.to_string(), n));
        }
        for name in self.db.tree_names() {
            if !TREE_NAMES.iter().any(|t| t.as_bytes() == name.as_ref()) {
                r.add(
                    &String::from_utf8_lossy(&name),
                    "a tree kam does not use (another program wrote here)",
                );
            }
        }
        self.verify_meta(&mut r)?;
        let accounts = self.verify_accounts(&mut r)?;
        let records = vec![
            (
                "contacts".to_string(),
                self.verify_children::<Contact>(&self.contacts, &accounts, &mut r)?,
            ),
            (
                "interactions".to_string(),
                self.verify_children::<Interaction>(&self.interactions, &accounts, &mut r)?,
            ),
            (
                "followups".to_string(),
                self.verify_children::<FollowUp>(&self.followups, &accounts, &mut r)?,
            ),
        ];
        for kv in self.tiers.iter() {
            let (k, v) = kv?;
            match u64_key(&k) {
                Some(id) if accounts.contains_key(&id) => {}
                Some(id) => r.add("tiers", format!("tier of missing account {id}")),
                None => r.add("tiers", format!("bad key {}", show_key(&k))),
            }
            if let Err(e) = codec::decode::<String>(&v) {
                r.add("tiers", format!("account {}: {}", show_key(&k), detail(e)));
            }
        }
        for kv in self.blobs.iter() {
            let (k, v) = kv?;
            match MetaValue::decode(&v) {
                Err(e) => r.add("named_blobs", format!("{}: {}", show_key(&k), detail(e))),
                Ok(MetaValue::KeyDates(list)) => {
                    verify_key_dates(&String::from_utf8_lossy(&k), &list, &accounts, &mut r)
                }
                Ok(_) => {}
            }
        }
        let seqs = self.verify_audit(&mut r)?;
        for kv in self.requests.iter() {
            let (k, v) = kv?;
            match codec::decode::<RequestEntry>(&v) {
                Ok(e) => {
                    if !seqs.contains(&e.seq) {
                        r.add(
                            "requests",
                            format!("request {} names missing change {}", show_key(&k), e.seq),
                        );
                    }
                    if !e.outcome.is_empty()
                        && let Err(d) = codec::check_envelope(&e.outcome)
                    {
                        r.add("requests", format!("outcome of change {}: {d}", e.seq));
                    }
                }
                Err(e) => r.add("requests", format!("{}: {}", show_key(&k), detail(e))),
            }
        }
        Ok(Verified {
            entries,
            records,
            problems: r.0,
        })
    }

    fn verify_meta(&self, r: &mut Report) -> Result<()> {
        match self.meta.get(HEADER_KEY)? {
            None => r.add("meta", "the database header is missing"),
            Some(b) => match codec::decode::<DbHeader>(&b) {
                Ok(h) if h.magic != DB_MAGIC => r.add("meta", format!("marker '{}'", h.magic)),
                Ok(h) if h.schema != SCHEMA_VERSION => r.add(
                    "meta",
                    format!("schema {} where {SCHEMA_VERSION} was expected", h.schema),
                ),
                Ok(_) => {}
                Err(e) => r.add("meta", format!("header: {}", detail(e))),
            },
        }
        if let Some(b) = self.meta.get(SEQ_KEY)?
            && b.len() != 8
        {
            r.add("meta", "the audit counter is not a number");
        }
        Ok(())
    }

    /// Accounts and both key indexes; returns id → key of the readable
    /// accounts.
    fn verify_accounts(&self, r: &mut Report) -> Result<HashMap<u64, String>> {
        let mut accounts = HashMap::new();
        for kv in self.accounts.iter() {
            let (k, v) = kv?;
            let Some(id) = u64_key(&k) else {
                r.add("accounts", format!("bad key {}", show_key(&k)));
                continue;
            };
            match codec::decode::<Account>(&v) {
                Ok(a) if a.id.0 != id => r.add(
                    "accounts",
                    format!("account {id} holds the record of account {}", a.id),
                ),
                Ok(a) => {
                    accounts.insert(id, a.key);
                }
                Err(e) => r.add("accounts", format!("account {id}: {}", detail(e))),
            }
        }
        let mut indexed: HashMap<u64, String> = HashMap::new();
        for kv in self.account_keys.iter() {
            let (k, v) = kv?;
            let key = String::from_utf8_lossy(&k).into_owned();
            match u64_key(&v) {
                Some(id) => match accounts.get(&id) {
                    Some(stored) if *stored == key => {
                        indexed.insert(id, key);
                    }
                    Some(stored) => r.add(
                        "account_keys",
                        format!("key '{key}' points to account {id}, whose key is '{stored}'"),
                    ),
                    None => r.add(
                        "account_keys",
                        format!("key '{key}' points to missing account {id}"),
                    ),
                },
                None => r.add("account_keys", format!("key '{key}': bad account id")),
            }
        }
        let mut folded: HashMap<u64, String> = HashMap::new();
        for kv in self.folded_keys.iter() {
            let (k, v) = kv?;
            let fold = String::from_utf8_lossy(&k).into_owned();
            if v.is_empty() || v.len() % 8 != 0 {
                r.add(keys::FOLDED_TREE, format!("'{fold}': bad id list"));
                continue;
            }
            for id in keys::id_list(&v) {
                match accounts.get(&id) {
                    Some(key) if keys::fold(key) == fold => {
                        folded.insert(id, fold.clone());
                    }
                    Some(key) => r.add(
                        keys::FOLDED_TREE,
                        format!("'{fold}' lists account {id}, whose key is '{key}'"),
                    ),
                    None => r.add(
                        keys::FOLDED_TREE,
                        format!("'{fold}' lists missing account {id}"),
                    ),
                }
            }
        }
        let mut ids: Vec<_> = accounts.iter().collect();
        ids.sort();
        for (id, key) in ids {
            if !indexed.contains_key(id) {
                r.add(
                    "account_keys",
                    format!("account {id} ('{key}') is missing from the key index"),
                );
            }
            if !folded.contains_key(id) {
                r.add(
                    keys::FOLDED_TREE,
                    format!("account {id} ('{key}') is missing from the folded key index"),
                );
            }
        }
        Ok(accounts)
    }

    /// Checks one child type's blocks and id index; returns the records
    /// read (an undecodable one included).
    fn verify_children<T: Child>(
        &self,
        trees: &ChildTrees,
        accounts: &HashMap<u64, String>,
        r: &mut Report,
    ) -> Result<u64> {
        let tree = T::TREE;
        let ids_tree = T::IDS;
        // id → record key, as the records say
        let mut found: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        // Blocks that could not be read: their records are reported there.
        let mut unreadable: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut read = 0u64;
        for kv in trees.records.iter() {
            let (block, v) = kv?;
            let each = trees.layout.each(&block, &v, |k, v| {
                read += 1;
                let rec = match codec::decode::<T>(v) {
                    Ok(rec) => rec,
                    Err(e) => {
                        r.add(tree, format!("entry {}: {}", show_key(k), detail(e)));
                        unreadable.insert(k.to_vec());
                        return Ok(());
                    }
                };
                if rec.record_key() != k {
                    r.add(
                        tree,
                        format!("{} {} is stored under another key", T::LABEL, rec.id()),
                    );
                } else if (trees.layout.block_of)(k) != block.as_ref() {
                    r.add(
                        tree,
                        format!("{} {} is stored in another block", T::LABEL, rec.id()),
                    );
                }
                if !accounts.contains_key(&rec.account().0) {
                    r.add(
                        tree,
                        format!(
                            "{} {} belongs to missing account {}",
                            T::LABEL,
                            rec.id(),
                            rec.account()
                        ),
                    );
                }
                found.insert(rec.id(), k.to_vec());
                Ok(())
            });
            if let Err(e) = each {
                r.add(tree, format!("block {}: {}", show_key(&block), detail(e)));
                unreadable.insert(block.to_vec());
            }
        }
        let mut indexed = BTreeSet::new();
        for kv in trees.ids.iter() {
            let (k, v) = kv?;
            let group = match id_index::ids_of(&k, &v) {
                Ok(group) => group,
                Err(e) => {
                    r.add(ids_tree, format!("entry {}: {}", show_key(&k), detail(e)));
                    continue;
                }
            };
            for (id, key) in group {
                match found.get(&id) {
                    Some(stored) if *stored == key => {
                        indexed.insert(id);
                    }
                    Some(_) => r.add(
                        ids_tree,
                        format!("{} {id} points to the wrong record key", T::LABEL),
                    ),
                    None if unreadable.contains(&key)
                        || unreadable.contains(&(trees.layout.block_of)(&key)) =>
                    {
                        // The record is there but unreadable: reported above.
                        indexed.insert(id);
                    }
                    None => r.add(ids_tree, format!("{} {id} points to no record", T::LABEL)),
                }
            }
        }
        for id in found.keys() {
            if !indexed.contains(id) {
                r.add(
                    ids_tree,
                    format!("{} {id} is missing from the id index", T::LABEL),
                );
            }
        }
        Ok(read)
    }

    /// The audit trail and its account index; returns the seqs present.
    /// (Audit entries outlive deleted accounts: no account check here.)
    fn verify_audit(&self, r: &mut Report) -> Result<BTreeSet<u64>> {
        let mut seqs = BTreeSet::new();
        let mut touched: BTreeSet<(u64, u64)> = BTreeSet::new();
        let mut expected = 1u64;
        for kv in self.audit.iter() {
            let (k, v) = kv?;
            let Some(seq) = u64_key(&k) else {
                r.add("audit", format!("bad key {}", show_key(&k)));
                continue;
            };
            if seq != expected {
                r.add(
                    "audit",
                    format!("change {seq} follows change {} (a gap)", expected - 1),
                );
            }
            expected = seq + 1;
            seqs.insert(seq);
            match codec::decode::<AuditEntry>(&v) {
                Ok(e) if e.seq != seq => {
                    r.add("audit", format!("change {seq} holds change {}", e.seq))
                }
                Ok(e) => {
                    for a in e.accounts() {
                        touched.insert((a.0, seq));
                    }
                }
                Err(e) => r.add("audit", format!("change {seq}: {}", detail(e))),
            }
        }
        let last = self.last_seq().unwrap_or(0);
        let newest = seqs.last().copied().unwrap_or(0);
        if newest != last {
            r.add(
                "audit",
                format!("the last change is {newest}, the counter says {last}"),
            );
        }
        // A staged write's changes, stored ahead of its entry.
        for kv in self.audit_parts.iter() {
            let (k, v) = kv?;
            let (Some(seq), Some(part)) = (
                k.get(..8).and_then(u64_key),
                k.get(8..).and_then(|p| <[u8; 4]>::try_from(p).ok()),
            ) else {
                r.add("audit_parts", format!("bad key {}", show_key(&k)));
                continue;
            };
            let part = u32::from_be_bytes(part);
            if !seqs.contains(&seq) {
                r.add(
                    "audit_parts",
                    format!("part {part} of change {seq}, which is missing"),
                );
            }
            match codec::decode::<AuditPart>(&v) {
                Ok(p) => {
                    for a in crate::audit::accounts_of(p.changes.iter().map(|c| c.record.account)) {
                        touched.insert((a.0, seq));
                    }
                }
                Err(e) => r.add(
                    "audit_parts",
                    format!("part {part} of change {seq}: {}", detail(e)),
                ),
            }
        }
        let mut indexed = BTreeSet::new();
        for kv in self.audit_accounts.iter() {
            let (k, _) = kv?;
            if k.len() != 16 {
                r.add("audit_accounts", format!("bad key {}", show_key(&k)));
                continue;
            }
            let (a, seq) = (u64_key(&k[..8]).unwrap_or(0), u64_key(&k[8..]).unwrap_or(0));
            if !touched.contains(&(a, seq)) && seqs.contains(&seq) {
                r.add(
                    "audit_accounts",
                    format!("account {a} is indexed under change {seq}, which does not touch it"),
                );
            } else if !seqs.contains(&seq) {
                r.add(
                    "audit_accounts",
                    format!("account {a} is indexed under missing change {seq}"),
                );
            }
            indexed.insert((a, seq));
        }
        for (a, seq) in touched.difference(&indexed) {
            r.add(
                "audit_accounts",
                format!(
                    "change {seq} touches account {} but is missing from its history",
                    AccountId(*a)
                ),
            );
        }
        Ok(seqs)
    }
}

/// A codec error's detail without the generic wording around it.
fn detail(e: super::StoreError) -> String {
    match e {
        super::StoreError::Codec { detail, .. } => detail,
        other => other.to_string(),
    }
}

/// Key dates under `name` (`keydates/<account id>`) must belong to that
/// account, which must exist.
fn verify_key_dates(
    name: &str,
    list: &crate::domain::KeyDates,
    accounts: &HashMap<u64, String>,
    r: &mut Report,
) {
    let owner = super::keydates_account(name).map(|a| a.0);
    let Some(owner) = owner else {
        r.add("named_blobs", format!("{name}: key dates under a bad name"));
        return;
    };
    if !accounts.contains_key(&owner) {
        r.add(
            "named_blobs",
            format!("{name}: key dates of missing account {owner}"),
        );
    }
    for k in &list.items {
        if k.account.0 != owner {
            r.add(
                "named_blobs",
                format!("{name}: key date {} names account {}", k.id, k.account),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Batch, MetaValue, Store, keydates_name};
    use crate::domain::{AccountId, KeyDate, KeyDateKind, KeyDates};

    #[test]
    fn key_dates_of_a_missing_account_are_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let k = KeyDate {
            id: 5,
            account: AccountId(7),
            kind: KeyDateKind::Renewal,
            on: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            lead_days: 30,
            note: String::new(),
        };
        let list = KeyDates { items: vec![k] };
        store
            .apply(Batch {
                blobs: vec![
                    (
                        keydates_name(AccountId(7)),
                        Some(MetaValue::KeyDates(list.clone())),
                    ),
                    (keydates_name(AccountId(8)), Some(MetaValue::KeyDates(list))),
                ],
                ..Batch::default()
            })
            .unwrap();
        let found: Vec<String> = store
            .verify()
            .unwrap()
            .problems
            .iter()
            .map(|p| p.detail.clone())
            .collect();
        assert!(
            found.contains(&"keydates/7: key dates of missing account 7".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"keydates/8: key date 5 names account 7".to_string()),
            "{found:?}"
        );
    }
}
