//! The clean-close marker's entries per tree are kept as the store writes
//! (not counted at each close). After every kind of write — batches with
//! creations, replacements, renames and deletions, audited with a request
//! id, single-record writes, named values, a bulk load, a restore, and
//! across reopens — they must equal what the trees really hold, or a later
//! checked open would call a sound database damaged (or miss a loss).

use chrono::{DateTime, NaiveDate, Utc};
use kam::audit::{AuditInfo, RecordRef, RefKind, RequestId};
use kam::demo::{DemoParams, write_demo};
use kam::domain::*;
use kam::store::{Batch, Store};
use std::collections::BTreeMap;
use std::path::Path;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn account(key: &str) -> Account {
    Account {
        key: key.into(),
        name: format!("{key} Ltd"),
        ..Default::default()
    }
}

fn audit(action: &str) -> Option<AuditInfo> {
    Some(AuditInfo {
        user: "ann".into(),
        at: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap(),
        action: action.into(),
        undo_of: None,
    })
}

/// The entries per tree the marker of the last close recorded.
fn marker_counts(db: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(db.join("kam.closed")).expect("a clean-close marker");
    text.lines()
        .filter_map(|l| l.strip_prefix("tree "))
        .map(|l| {
            let (n, name) = l.split_once(' ').unwrap();
            (name.to_string(), n.parse().unwrap())
        })
        .collect()
}

/// Entries per tree, counted by reading the closed database with sled.
fn real_counts(db: &Path) -> BTreeMap<String, u64> {
    let sled = sled::Config::new().path(db).open().unwrap();
    let out = sled
        .tree_names()
        .into_iter()
        .map(|name| {
            let n = sled.open_tree(&name).unwrap().iter().count() as u64;
            (String::from_utf8_lossy(&name).into_owned(), n)
        })
        .filter(|(name, _)| name != "derived")
        .collect();
    drop(sled);
    out
}

fn assert_marker_true(db: &Path, when: &str) {
    let marker = marker_counts(db);
    assert!(
        marker.contains_key("interaction_blocks"),
        "{when}: the marker names the trees: {marker:?}"
    );
    // Reading with raw sled rewrites the files, so compare once per close.
    let real = real_counts(db);
    assert_eq!(
        marker, real,
        "{when}: the marker's counts are not the trees'"
    );
}

#[test]
fn counts_kept_by_writes_equal_the_trees_across_reopens() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    // A bulk load into a new database, then batches of every shape.
    {
        let store = Store::open(&db).unwrap();
        let p = DemoParams {
            accounts: 40,
            interactions: 300,
            ..DemoParams::new(today(), "ann")
        };
        write_demo(&store, &p, &mut |_| {}).unwrap();
        let acme = store.insert_account(account("ACME")).unwrap();
        let mut renamed = acme.clone();
        renamed.key = "ACME-2".into();
        store.update_account(renamed).unwrap();
        let i = store
            .insert_interaction(Interaction::new(acme.id, InteractionKind::Call, today()))
            .unwrap();
        store.update_interaction(i.clone()).unwrap();
        store.meta_put("scoring", b"[model]").unwrap();
        store.meta_put("scoring", b"[model] again").unwrap();

        let out = store
            .apply(Batch {
                accounts: vec![account("NEW-1"), account("NEW-2")],
                interactions: vec![Interaction::new(acme.id, InteractionKind::Call, today())],
                tiers: vec![(acme.id, "Key".into())],
                audit: audit("two accounts and a call"),
                request: Some(RequestId {
                    client_id: 7,
                    request_id: 1,
                }),
                ..Default::default()
            })
            .unwrap();
        let new_1 = out.accounts[0].clone();
        store
            .set_request_outcome(
                RequestId {
                    client_id: 7,
                    request_id: 1,
                },
                &"done".to_string(),
            )
            .unwrap();
        // A replayed request writes nothing.
        let replay = store
            .apply(Batch {
                accounts: vec![account("NEW-3")],
                audit: audit("again"),
                request: Some(RequestId {
                    client_id: 7,
                    request_id: 1,
                }),
                ..Default::default()
            })
            .unwrap();
        assert!(replay.replayed.is_some());
        // Deletions: a child, then an account with its tier.
        store
            .apply(Batch {
                deletes: vec![
                    RecordRef {
                        kind: RefKind::Interaction,
                        id: i.id.0,
                        account: acme.id,
                        key: "ACME-2".into(),
                    },
                    RecordRef {
                        kind: RefKind::Account,
                        id: new_1.id.0,
                        account: new_1.id,
                        key: new_1.key.clone(),
                    },
                ],
                audit: audit("undo"),
                ..Default::default()
            })
            .unwrap();
        // An unaudited batch touching only tiers (replacing one).
        store
            .record_tiers(vec![(acme.id, "Development".into())])
            .unwrap();
    }
    assert_marker_true(&db, "first session");

    // Reopened: the counts start from the marker and move on.
    {
        let store = Store::open(&db).unwrap();
        let acme = store.account_by_key("ACME-2").unwrap().unwrap();
        store
            .apply(Batch {
                interactions: (0..5)
                    .map(|_| Interaction::new(acme.id, InteractionKind::Note, today()))
                    .collect(),
                audit: audit("notes"),
                ..Default::default()
            })
            .unwrap();
    }
    assert_marker_true(&db, "second session");

    // A session that writes nothing keeps them as they were.
    let before = marker_counts(&db);
    drop(Store::open(&db).unwrap());
    assert_eq!(marker_counts(&db), before, "a read-only session");
    assert_marker_true(&db, "read-only session");

    // A restore into a new directory.
    let backup = tmp.path().join("book.kambak");
    {
        let store = Store::open(&db).unwrap();
        let mut f = std::fs::File::create(&backup).unwrap();
        store.write_backup(&mut f).unwrap();
    }
    let restored = tmp.path().join("restored");
    kam::store::backup::restore(&backup, &restored, &Default::default()).unwrap();
    assert_marker_true(&restored, "restored");
}

/// A staged write (many new records, a chunk per transaction) and one rolled
/// back after its chunks were written move the counts by what they left.
#[test]
fn staged_writes_and_their_roll_back_keep_the_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    {
        let opts = kam::store::OpenOptions {
            staging: kam::store::StagingLimits {
                above: 20,
                chunk: 7,
            },
            ..Default::default()
        };
        let store = Store::open_with(&db, &opts).unwrap();
        let acme = store.insert_account(account("ACME")).unwrap();
        let calls = |n: usize| -> Vec<Interaction> {
            (0..n)
                .map(|_| Interaction::new(acme.id, InteractionKind::Call, today()))
                .collect()
        };
        store
            .apply(Batch {
                interactions: calls(50),
                audit: audit("import"),
                ..Batch::default()
            })
            .unwrap();
        let new_accounts = |prefix: &str| -> Vec<Account> {
            (0..30).map(|k| account(&format!("{prefix}-{k}"))).collect()
        };
        store
            .apply(Batch {
                accounts: new_accounts("NEW"),
                audit: audit("import of accounts"),
                ..Batch::default()
            })
            .unwrap();
        store
            .apply(Batch {
                accounts: new_accounts("GONE"),
                interactions: calls(50),
                tiers: vec![(AccountId(999_999), "Key".into())],
                audit: audit("import that fails at the end"),
                ..Batch::default()
            })
            .unwrap_err();
        assert_eq!(store.interactions_of(acme.id).unwrap().len(), 50);
        assert_eq!(store.accounts().unwrap().len(), 31);
    }
    assert_marker_true(&db, "after staged writes");
}
