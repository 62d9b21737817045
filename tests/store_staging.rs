//! A large write (an import of many interactions) is staged: its new
//! records go a chunk per transaction, the rest and its audit entry last.
//! All of it is stored or none of it, whichever step fails, and the entry
//! counts of the clean-close marker stay true.

use chrono::{DateTime, NaiveDate, Utc};
use kam::audit::AuditInfo;
use kam::domain::{Account, AccountId, Interaction, InteractionKind, Money};
use kam::store::{Batch, OpenOptions, StagingLimits, Store, StoreError};
use std::path::Path;

/// Small limits, so that a test's batch spans many chunks.
fn open(dir: &Path) -> Store {
    let opts = OpenOptions {
        staging: StagingLimits {
            above: 50,
            chunk: 16,
        },
        ..OpenOptions::default()
    };
    Store::open_with(dir, &opts).unwrap()
}

fn import_info() -> Option<AuditInfo> {
    Some(AuditInfo {
        user: "ann".into(),
        at: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap(),
        action: "import".into(),
        undo_of: None,
    })
}

/// A stored account and `n` orders for it, not yet written.
fn account_and_orders(store: &Store, n: usize) -> (AccountId, Vec<Interaction>) {
    let a = store
        .insert_account(Account {
            key: "ACME".into(),
            name: "Acme".into(),
            ..Account::default()
        })
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let orders = (0..n)
        .map(|k| {
            let mut i = Interaction::new(a.id, InteractionKind::Order, day);
            i.amount = Some(Money::from_units(k as i64 + 1));
            i.summary = format!("order {k}");
            i
        })
        .collect();
    (a.id, orders)
}

#[test]
fn a_staged_write_stores_every_record_under_one_audit_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (acc, orders) = account_and_orders(&store, 200);
    let seq = store.last_seq().unwrap();
    let result = store
        .apply(Batch {
            interactions: orders,
            audit: import_info(),
            ..Batch::default()
        })
        .unwrap();
    assert_eq!(result.interactions.len(), 200);
    let entry = result.audit.expect("one audit entry");
    assert_eq!(entry.seq, seq + 1);
    // The stored entry lists every record; the one handed back only the
    // last transaction's changes (none here).
    assert!(entry.changes.is_empty());
    let stored = store.audit_entry(seq + 1).unwrap().unwrap();
    assert_eq!(stored.changes.len(), 200, "the entry lists every record");
    assert!(
        stored
            .changes
            .iter()
            .all(|c| c.before.is_none() && c.after.is_some())
    );
    assert_eq!(store.last_seq().unwrap(), seq + 1);
    assert_eq!(store.interactions_of(acc).unwrap().len(), 200);
    // Indexed under its account before the last transaction wrote it.
    let history: Vec<u64> = store
        .audit_of_account(acc)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(history.last(), Some(&(seq + 1)));
    assert!(!store.roll_back_staged().unwrap(), "no marker is left");
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.interactions_of(acc).unwrap().len(), 200);
    let verified = store.verify().unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

#[test]
fn a_staged_write_whose_last_step_fails_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (acc, orders) = account_and_orders(&store, 200);
    let seq = store.last_seq().unwrap();
    // The tier of an account that does not exist fails the last transaction,
    // after every chunk was written.
    let err = store
        .apply(Batch {
            interactions: orders,
            tiers: vec![(AccountId(999_999), "Key".into())],
            audit: import_info(),
            ..Batch::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert!(store.interactions_of(acc).unwrap().is_empty());
    assert_eq!(store.interactions().unwrap().len(), 0);
    assert_eq!(store.last_seq().unwrap(), seq);
    assert!(!store.roll_back_staged().unwrap(), "the marker went too");
    // The account's index has no key for the entry that was not written
    // (one would point to a missing change).
    let history = store.audit_of_account(acc).unwrap();
    assert!(history.iter().all(|e| e.seq <= seq), "{history:?}");
    let verified = store.verify().unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

#[test]
fn a_staged_write_whose_chunk_fails_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (acc, mut orders) = account_and_orders(&store, 200);
    // The last record names an account that does not exist: its chunk
    // fails after a dozen chunks were written.
    let mut stray = orders[0].clone();
    stray.account = AccountId(999_999);
    orders.push(stray);
    let err = store
        .apply(Batch {
            interactions: orders,
            audit: import_info(),
            ..Batch::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert!(store.interactions_of(acc).unwrap().is_empty());
    assert!(!store.roll_back_staged().unwrap());
}

/// New accounts (an import of a customer base), each with a contact.
fn new_accounts(store: &Store, n: usize) -> (Vec<Account>, Vec<kam::domain::Contact>) {
    let accounts: Vec<Account> = (0..n)
        .map(|k| Account {
            id: AccountId(store.reserve_id().unwrap()),
            key: format!("K-{k}"),
            name: format!("Customer {k}"),
            ..Account::default()
        })
        .collect();
    let contacts = accounts
        .iter()
        .map(|a| kam::domain::Contact {
            account: a.id,
            name: format!("Buyer at {}", a.key),
            ..Default::default()
        })
        .collect();
    (accounts, contacts)
}

#[test]
fn staged_new_accounts_are_stored_with_their_keys_and_children() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (accounts, contacts) = new_accounts(&store, 80);
    let result = store
        .apply(Batch {
            accounts,
            contacts,
            audit: import_info(),
            ..Batch::default()
        })
        .unwrap();
    assert_eq!(result.created_accounts, 80);
    // The stored entry lists every record, the staged ones too.
    let seq = result.audit.unwrap().seq;
    let entry = store.audit_entry(seq).unwrap().unwrap();
    assert_eq!(entry.changes.len(), 160);
    assert_eq!(entry.accounts().len(), 80);
    assert_eq!(store.accounts().unwrap().len(), 80);
    // Found by key, and by key ignoring case (the folded index).
    let a = store.account_by_key("K-7").unwrap().unwrap();
    assert_eq!(
        store.accounts_ignoring_case("k-7").unwrap(),
        vec![a.clone()]
    );
    assert_eq!(store.contacts_of(a.id).unwrap().len(), 1);
    let history = store.audit_of_account(a.id).unwrap();
    assert_eq!(history.len(), 1, "the import, indexed under each account");
    let verified = store.verify().unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

#[test]
fn staged_new_accounts_whose_write_fails_leave_their_keys_free() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (accounts, contacts) = new_accounts(&store, 80);
    let err = store
        .apply(Batch {
            accounts,
            contacts,
            tiers: vec![(AccountId(999_999), "Key".into())],
            audit: import_info(),
            ..Batch::default()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert!(store.accounts().unwrap().is_empty());
    assert!(store.contacts().unwrap().is_empty());
    assert!(store.accounts_ignoring_case("k-7").unwrap().is_empty());
    // The keys can be used again.
    store
        .insert_account(Account {
            key: "k-7".into(),
            name: "Again".into(),
            ..Account::default()
        })
        .unwrap();
    let verified = store.verify().unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

/// Through the book: a staged import's entry (its changes written ahead,
/// as parts) is what an undo reads, and the undo removes every record.
#[test]
fn a_staged_import_is_undone_whole() {
    use kam::book::{Book, Prepare, WriteOp};
    use kam::clock::Clock;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (acc, orders) = account_and_orders(&store, 120);
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let mut book = Book::open_with(store, Clock::fixed(today), "ann", Prepare::Scores).unwrap();
    let applied = book
        .apply(Batch {
            interactions: orders,
            ..Batch::default()
        })
        .unwrap();
    // Its answer is its counts: the records went to the engine, not back.
    assert!(applied.stored.interactions.is_empty());
    let seq = applied.seq().unwrap();
    let entry = book.store().audit_entry(seq).unwrap().unwrap();
    assert_eq!(entry.changes.len(), 120);
    assert_eq!(book.interactions_of(acc).unwrap().len(), 120);
    book.execute(WriteOp::Undo, None).unwrap();
    let left = book.interactions_of(acc).unwrap();
    assert!(
        left.iter().all(|i| i.kind == InteractionKind::System),
        "only tier notes are left: {left:?}"
    );
}

/// A staged import through the book scores every account as a full
/// recompute from the stored records does: its interactions go to the
/// engine by value, a path only an import large enough for one recompute
/// takes. Two of the 12 accounts get no orders.
#[test]
fn a_staged_import_scores_as_a_recompute_does() {
    use kam::book::{Book, Prepare};
    use kam::clock::Clock;
    use kam::segment::Engine;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let ids: Vec<AccountId> = (0..12)
        .map(|n| {
            store
                .insert_account(Account {
                    key: format!("K-{n}"),
                    name: format!("Account {n}"),
                    ..Account::default()
                })
                .unwrap()
                .id
        })
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let mut book = Book::open_with(store, Clock::fixed(today), "ann", Prepare::Scores).unwrap();
    let orders: Vec<Interaction> = (0..300)
        .map(|k| {
            let day = NaiveDate::from_ymd_opt(2026, 1 + k % 10, 1 + k % 27).unwrap();
            let account = ids[(k as usize * 7) % 10];
            let mut i = Interaction::new(account, InteractionKind::Order, day);
            i.amount = Some(Money::from_units(i64::from(k % 13 + 1) * 1000));
            i
        })
        .collect();
    book.apply(Batch {
        interactions: orders,
        ..Batch::default()
    })
    .unwrap();
    let store = book.store();
    let mut fresh = Engine::new(book.engine().model().clone(), today);
    let mut all = Vec::new();
    store.for_each_interaction(|i| all.push(i)).unwrap();
    fresh.rebuild(&store.accounts().unwrap(), &store.contacts().unwrap(), &all);
    let scores = book.engine().scores();
    assert_eq!(scores, fresh.scores());
    assert_eq!(scores.len(), 12);
    let tiers: std::collections::HashSet<&str> = scores.iter().map(|s| s.tier.as_str()).collect();
    assert!(tiers.len() > 1, "the orders set accounts apart: {tiers:?}");
}
