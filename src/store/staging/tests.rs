//! The staging protocol against a real store: chunks, parts, roll back.

use super::*;
use crate::domain::{Interaction, InteractionKind};

/// Staged above 10 new records, 4 to a chunk.
fn small_chunks() -> super::super::OpenOptions {
    super::super::OpenOptions {
        staging: StagingLimits {
            above: 10,
            chunk: 4,
        },
        ..Default::default()
    }
}

/// A stored account, and staged for it: a new account and `calls`
/// calls on the stored one.
fn acme_and_a_new_account(store: &Store, calls: usize) -> (Account, Staged) {
    let a = store
        .insert_account(Account {
            key: "ACME".into(),
            name: "Acme".into(),
            ..Account::default()
        })
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let mut staged = Staged::default();
    staged.accounts.push(Account {
        id: AccountId(store.reserve_id().unwrap()),
        key: "NEW".into(),
        name: "New".into(),
        ..Account::default()
    });
    for _ in 0..calls {
        let mut i = Interaction::new(a.id, InteractionKind::Call, day);
        i.id = crate::domain::InteractionId(store.reserve_id().unwrap());
        staged.interactions.push(i);
    }
    (a, staged)
}

/// Nothing of a staged write is left: no parts, markers or seq, and a
/// check finds nothing.
fn assert_nothing_staged(store: &Store) {
    assert_eq!(store.audit_parts.len(), 0, "the entry's parts");
    assert_eq!(
        store.meta.scan_prefix(STAGED_MARK).count(),
        0,
        "the markers"
    );
    assert!(store.meta.get(STAGED_SEQ).unwrap().is_none(), "the seq");
    let verified = store.verify().unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

/// The process stops after the chunks, before the last transaction: the
/// next open deletes the staged records and the marker.
#[test]
fn an_open_rolls_back_what_a_stopped_write_staged() {
    let dir = tempfile::tempdir().unwrap();
    let opts = small_chunks();
    let acc = {
        let store = Store::open_with(dir.path(), &opts).unwrap();
        let (a, mut staged) = acme_and_a_new_account(&store, 30);
        store.stage(&mut staged).unwrap();
        assert_eq!(store.interactions_of(a.id).unwrap().len(), 30);
        assert_eq!(store.accounts().unwrap().len(), 2);
        // A part per chunk: the account, then 30 calls in chunks of 4.
        assert_eq!(staged.parts, 9);
        assert_eq!(store.audit_parts.len(), 9);
        // Both accounts indexed under the entry to come.
        assert_eq!(staged.indexed.len(), 2);
        assert_eq!(store.audit_accounts.len(), 2);
        assert_eq!(staged.marks, 9, "a marker per chunk");
        assert_eq!(store.meta.scan_prefix(STAGED_MARK).count(), 9);
        a.id
        // Dropped here without the last transaction.
    };
    let store = Store::open_with(dir.path(), &opts).unwrap();
    assert_eq!(store.audit_accounts.len(), 0, "the index keys went too");
    assert!(store.interactions_of(acc).unwrap().is_empty());
    assert!(store.accounts_ignoring_case("new").unwrap().is_empty());
    assert_eq!(store.accounts().unwrap().len(), 1);
    assert_nothing_staged(&store);
}

fn import_info() -> crate::audit::AuditInfo {
    crate::audit::AuditInfo {
        user: "ann".into(),
        at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        action: "import".into(),
        undo_of: None,
    }
}

/// `n` new calls on `account`, as an import hands them over (no ids).
fn calls(account: AccountId, n: usize) -> Vec<Interaction> {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    (0..n)
        .map(|_| Interaction::new(account, InteractionKind::Call, day))
        .collect()
}

/// A write fed a chunk at a time (as an import reads its file) ends with
/// its last transaction: one entry lists every record, the markers and the
/// seq are gone, the stored forms came back with their ids.
#[test]
fn a_streamed_write_ends_as_one_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), &small_chunks()).unwrap();
    let (a, _) = acme_and_a_new_account(&store, 0);
    let mut w = store.begin_staged().unwrap();
    let mut ids = Vec::new();
    for n in [7, 5] {
        let stored = store.stage_interactions(&mut w, calls(a.id, n)).unwrap();
        assert_eq!(stored.len(), n);
        assert!(stored.iter().all(|i| i.id.0 != 0 && i.version == 1));
        ids.extend(stored.iter().map(|i| i.id));
    }
    // 7 in chunks of 4, then 5: four chunks, each with its marker.
    assert_eq!(store.meta.scan_prefix(STAGED_MARK).count(), 4);
    let done = store
        .apply_staged(
            super::super::Batch {
                interactions: calls(a.id, 1),
                audit: Some(import_info()),
                ..Default::default()
            },
            w,
        )
        .unwrap();
    let seq = done.audit.unwrap().seq;
    let entry = store.audit_entry(seq).unwrap().unwrap();
    assert_eq!(entry.changes.len(), 13);
    let listed: Vec<u64> = entry.changes[..12].iter().map(|c| c.record.id).collect();
    assert_eq!(listed, ids.iter().map(|i| i.0).collect::<Vec<_>>());
    assert_eq!(store.interactions_of(a.id).unwrap().len(), 13);
    assert_eq!(store.meta.scan_prefix(STAGED_MARK).count(), 0);
    assert!(store.meta.get(STAGED_SEQ).unwrap().is_none());
    let history: Vec<u64> = store
        .audit_of_account(a.id)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(history, [seq], "its account's history lists it");
    assert!(store.verify().unwrap().problems.is_empty());
}

/// A streamed write given up (a bad row further on in the file) leaves
/// nothing: records, parts, markers, seq.
#[test]
fn an_abandoned_streamed_write_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), &small_chunks()).unwrap();
    let (a, _) = acme_and_a_new_account(&store, 0);
    let seq = store.last_seq().unwrap();
    let mut w = store.begin_staged().unwrap();
    store.stage_interactions(&mut w, calls(a.id, 9)).unwrap();
    assert_eq!(store.interactions_of(a.id).unwrap().len(), 9);
    store.abandon_staged(w).unwrap();
    assert!(store.interactions_of(a.id).unwrap().is_empty());
    assert_eq!(store.last_seq().unwrap(), seq);
    assert_nothing_staged(&store);
}

/// A marker as kam wrote it before markers went per chunk (one, under the
/// bare key) is still found and rolled back.
#[test]
fn a_single_marker_of_an_older_kam_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), &small_chunks()).unwrap();
    let (a, _) = acme_and_a_new_account(&store, 0);
    let mut w = store.begin_staged().unwrap();
    let stored = store.stage_interactions(&mut w, calls(a.id, 9)).unwrap();
    drop(w);
    for mark in store.meta.scan_prefix(STAGED_MARK) {
        store.meta.remove(mark.unwrap().0).unwrap();
    }
    let ids = stored.iter().map(|i| i.id.0).collect();
    let one = super::mark::encode_mark(&[(RefKind::Interaction, ids)]);
    store.meta.insert(STAGED_MARK, one).unwrap();
    assert!(store.roll_back_staged().unwrap());
    assert!(store.interactions_of(a.id).unwrap().is_empty());
    assert_nothing_staged(&store);
}

/// Should another write take the seq staging indexed under, a roll
/// back leaves that write's index keys and removes only the others.
#[test]
fn a_roll_back_keeps_the_index_of_a_write_that_took_the_seq() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (a, mut staged) = acme_and_a_new_account(&store, 1);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    store.stage(&mut staged).unwrap();
    let other = store
        .apply(super::super::Batch {
            interactions: vec![Interaction::new(a.id, InteractionKind::Visit, day)],
            audit: Some(crate::audit::AuditInfo {
                user: "ann".into(),
                at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                action: "log".into(),
                undo_of: None,
            }),
            ..Default::default()
        })
        .unwrap()
        .audit
        .unwrap();
    assert_eq!(other.seq, staged.seq, "the other write took it");
    assert!(store.roll_back_staged().unwrap());
    let history: Vec<u64> = store
        .audit_of_account(a.id)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(history, [other.seq]);
    assert_eq!(store.audit_accounts.len(), 1, "the new account's key went");
    let entry = store.audit_entry(other.seq).unwrap().unwrap();
    assert_eq!(entry.changes.len(), 1, "the staged parts went");
    assert_nothing_staged(&store);
}

/// A staged write's entry reads whole, its parts first; a damaged
/// part, or one whose entry is missing, is reported by a check.
#[test]
fn an_entry_reads_with_its_parts_and_a_check_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let opts = small_chunks();
    let store = Store::open_with(dir.path(), &opts).unwrap();
    let (a, mut staged) = acme_and_a_new_account(&store, 30);
    // New records, as an import hands them over: ids not yet given.
    for i in &mut staged.interactions {
        i.id = crate::domain::InteractionId(0);
    }
    let info = crate::audit::AuditInfo {
        user: "ann".into(),
        at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        action: "import".into(),
        undo_of: None,
    };
    let done = store
        .apply(super::super::Batch {
            accounts: staged.accounts,
            interactions: staged.interactions,
            tiers: vec![(a.id, "Key".to_string())],
            audit: Some(info),
            ..Default::default()
        })
        .unwrap();
    let seq = done.audit.unwrap().seq;
    let entry = store.audit_entry(seq).unwrap().unwrap();
    let kinds: Vec<RefKind> = entry.changes.iter().map(|c| c.record.kind).collect();
    assert_eq!(kinds.len(), 31);
    assert_eq!(kinds[0], RefKind::Account, "the parts in order");
    assert!(kinds[1..].iter().all(|k| *k == RefKind::Interaction));
    assert_eq!(store.audit_parts.len(), 9);
    assert!(store.verify().unwrap().problems.is_empty());

    let (k, v) = store.audit_parts.iter().nth(3).unwrap().unwrap();
    let mut bad = v.to_vec();
    *bad.last_mut().unwrap() ^= 1;
    store.audit_parts.insert(&k, bad).unwrap();
    store
        .audit_parts
        .insert(super::super::log::part_key(seq + 5, 0), v)
        .unwrap();
    let problems: Vec<String> = store
        .verify()
        .unwrap()
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("part 3 of change") && p.contains("checksum")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("part 0 of change {}, which is missing", seq + 5))),
        "{problems:?}"
    );
    assert!(
        store.audit_entry(seq).is_err(),
        "a damaged part is an error"
    );
}

#[test]
fn a_staged_entry_is_not_read_to_learn_what_it_touched() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), &small_chunks()).unwrap();
    let (a, _) = acme_and_a_new_account(&store, 0);
    let batch = |n| super::super::Batch {
        interactions: calls(a.id, n),
        audit: Some(import_info()),
        ..Default::default()
    };
    let before = store.last_seq().unwrap();
    store.apply(batch(2)).unwrap();
    let small = store.audit_since_unstaged(before).unwrap().unwrap();
    assert_eq!(small.len(), 1, "an entry without parts is read");
    assert_eq!(small[0].changes.len(), 2);
    let staged = store.last_seq().unwrap();
    store.apply(batch(30)).unwrap();
    assert!(!store.audit_parts.is_empty(), "staged");
    assert!(store.audit_since_unstaged(before).unwrap().is_none());
    assert!(store.audit_since_unstaged(staged).unwrap().is_none());
    let after = store.last_seq().unwrap();
    assert_eq!(store.audit_since_unstaged(after).unwrap().unwrap(), vec![]);
    assert_eq!(store.audit_since(staged).unwrap()[0].changes.len(), 30);
}
