//! The demo's bulk load: checked like every write, and never used
//! half-written.

use kam::domain::{Account, AccountId, Interaction, InteractionKind};
use kam::store::{BulkRecords, Store, StoreError};

fn account(store: &Store, key: &str) -> Account {
    Account {
        id: AccountId(store.reserve_id().unwrap()),
        key: key.into(),
        name: key.into(),
        ..Account::default()
    }
}

#[test]
fn an_interrupted_bulk_load_is_reported_not_used() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.begin_bulk().unwrap();
        let a = account(&store, "A-1");
        let i = Interaction::new(a.id, InteractionKind::Visit, chrono::NaiveDate::MIN);
        store
            .bulk_insert(BulkRecords {
                accounts: vec![a],
                interactions: vec![i],
                ..BulkRecords::default()
            })
            .unwrap();
        // No end_bulk: the process stopped mid-load.
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("interrupted"), "{err}");
}

#[test]
fn a_bulk_load_checks_keys_and_links_and_writes_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.begin_bulk().unwrap();
    let (a, b) = (account(&store, "Key-1"), account(&store, "KEY-1"));
    let err = store
        .bulk_insert(BulkRecords {
            accounts: vec![a.clone(), b],
            ..BulkRecords::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateKey(_)), "{err}");
    let orphan = Interaction::new(
        AccountId(999_999),
        InteractionKind::Visit,
        chrono::NaiveDate::MIN,
    );
    let err = store
        .bulk_insert(BulkRecords {
            accounts: vec![a.clone()],
            interactions: vec![orphan],
            ..BulkRecords::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(store.counts().unwrap(), (0, 0, 0, 0));
    let i = Interaction::new(a.id, InteractionKind::Visit, chrono::NaiveDate::MIN);
    store
        .bulk_insert(BulkRecords {
            accounts: vec![a.clone()],
            interactions: vec![i],
            ..BulkRecords::default()
        })
        .unwrap();
    store.end_bulk().unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.counts().unwrap(), (1, 0, 1, 0));
    let got = store.account_by_key("Key-1").unwrap().unwrap();
    assert_eq!((got.id, got.version), (a.id, 1));
    assert_eq!(store.interactions_of(a.id).unwrap().len(), 1);
    assert_eq!(store.accounts_ignoring_case("kEy-1").unwrap().len(), 1);
}
