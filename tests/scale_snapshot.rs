//! The engine's snapshot in a real store: a cold open uses it only when it
//! reflects the last change and verifies, and whichever way the book is
//! opened, its scores equal a full rebuild from the records.

use chrono::NaiveDate;
use kam::book::{Book, WriteOp};
use kam::clock::Clock;
use kam::demo::{DemoParams, write_demo};
use kam::domain::{AccountId, Interaction, InteractionKind, Money};
use kam::segment::Engine;
use kam::store::{Batch, DerivedMiss, Store};
use kam::transfer::columns::RecordKind;
use kam::transfer::import::import_into;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn open(dir: &Path) -> Book {
    Book::open(Store::open(dir).unwrap(), Clock::fixed(today()), "ann").unwrap()
}

/// A small demo book, closed once (which saves the snapshot).
fn demo_book(dir: &Path, accounts: usize) {
    let store = Store::open(dir).unwrap();
    let mut p = DemoParams::new(today(), "ann");
    p.accounts = accounts;
    p.interactions = accounts * 12;
    p.seed = 3;
    write_demo(&store, &p, &mut |_| {}).unwrap();
    drop(open_with(store));
}

fn open_with(store: Store) -> Book {
    Book::open(store, Clock::fixed(today()), "ann").unwrap()
}

/// Scores, matrix and agenda of `book` equal those of an engine rebuilt
/// from every record in its store.
fn assert_equals_rebuild(book: &Book) {
    let s = book.store();
    let mut full = Engine::new(book.engine().model().clone(), today());
    full.rebuild(
        &s.accounts().unwrap(),
        &s.contacts().unwrap(),
        s.interactions().unwrap().iter(),
    );
    assert_eq!(book.engine().scores(), full.scores());
    assert_eq!(book.engine().matrix(), full.matrix());
    let followups = s.followups().unwrap();
    assert_eq!(
        book.engine().agenda(None, &followups),
        full.agenda(None, &followups)
    );
}

/// An order for the account with key `key`, through the front door.
fn order(book: &mut Book, key: &str, units: i64) {
    let id = book.find_account(key).unwrap().id;
    let mut i = Interaction::new(id, InteractionKind::Order, today());
    i.amount = Some(Money::from_units(units));
    book.execute(WriteOp::AddInteraction { interaction: i }, None)
        .unwrap();
}

fn keys(book: &Book, n: usize) -> Vec<String> {
    book.accounts()
        .unwrap()
        .iter()
        .take(n)
        .map(|a| a.key.clone())
        .collect()
}

/// The clean-close marker the store writes (`store::guard`).
const CLOSED_MARKER: &str = "kam.closed";

/// A command about to exit closes its book without freeing it: the edits
/// are saved in the snapshot and the store is closed cleanly, as a drop
/// would do.
#[test]
fn a_book_closed_for_exit_is_saved_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    demo_book(dir.path(), 150);
    let mut book = open(dir.path());
    assert!(!dir.path().join(CLOSED_MARKER).exists());
    for (n, key) in keys(&book, 3).iter().enumerate() {
        order(&mut book, key, 700_000 * (n as i64 + 1));
    }
    book.close_for_exit();
    assert!(
        dir.path().join(CLOSED_MARKER).exists(),
        "the store was closed"
    );
    let book = open(dir.path());
    assert!(book.snapshot_loaded(), "the close saved the edits");
    assert_equals_rebuild(&book);
}

#[test]
fn snapshot_edits_reopen_equal_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    demo_book(dir.path(), 150);
    let mut book = open(dir.path());
    assert!(book.snapshot_loaded(), "the close saved a current snapshot");
    assert_equals_rebuild(&book);
    // Edits, few enough that no save happens before the close.
    for (n, key) in keys(&book, 5).iter().enumerate() {
        order(&mut book, key, 1_000_000 * (n as i64 + 1));
    }
    assert_equals_rebuild(&book);
    drop(book);
    let mut book = open(dir.path());
    assert!(book.snapshot_loaded(), "the close saved the edits");
    assert_equals_rebuild(&book);
    // Many edits: a save during the writes (changed buckets only); the
    // writes after it leave the saved snapshot stale, which a crash now
    // would leave to a rebuild.
    let seq0 = book.last_seq().unwrap();
    for key in keys(&book, 90) {
        order(&mut book, &key, 5_000);
    }
    let head = book.store().derived_head().unwrap().unwrap();
    let last = book.last_seq().unwrap();
    assert!(
        head.seq > seq0 && head.seq < last,
        "{seq0} < {} < {last}",
        head.seq
    );
    assert_eq!(
        book.store().load_derived(last).unwrap().err(),
        Some(DerivedMiss::Stale {
            saved: head.seq,
            current: last
        })
    );
    drop(book);
    let book = open(dir.path());
    assert!(book.snapshot_loaded());
    assert_equals_rebuild(&book);
}

fn tiers(book: &Book) -> BTreeMap<AccountId, String> {
    book.engine()
        .scores()
        .into_iter()
        .map(|s| (s.account, s.tier))
        .collect()
}

/// An import big enough to be scored as one recompute (`edit_many`): the
/// book equals a rebuild, reports exactly the tiers that moved, and the
/// snapshot it saves (many accounts of each bucket changed at once) reopens
/// to the same scores.
#[test]
fn a_large_import_is_scored_once_and_equals_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    demo_book(dir.path(), 150);
    let mut book = open(dir.path());
    let before = tiers(&book);
    let mut csv = String::from("account,kind,at,amount\n");
    let mut rows = 0;
    for (n, key) in keys(&book, 150).iter().enumerate() {
        // Large orders for every third account, small ones for the rest:
        // tiers move both ways.
        let amount = if n % 3 == 0 { 90_000 } else { 10 };
        for day in 1..=4 {
            csv.push_str(&format!(
                "{key},order,2026-10-{day:02}T10:00:00Z,{amount}\n"
            ));
            rows += 1;
        }
    }
    assert!(book.engine().prefers_recompute(rows), "{rows} rows");
    let out = import_into(
        &mut book,
        RecordKind::Interactions,
        csv.as_bytes(),
        "orders.csv",
        false,
        None,
    )
    .unwrap();
    assert_eq!(out.import.unwrap().created, rows);
    assert_equals_rebuild(&book);
    let after = tiers(&book);
    let moved: BTreeSet<(AccountId, String)> = after
        .iter()
        .filter(|(id, t)| before.get(id) != Some(t))
        .map(|(id, t)| (*id, t.clone()))
        .collect();
    assert!(!moved.is_empty(), "the import moves some tiers");
    let reported: BTreeSet<(AccountId, String)> = out
        .tier_changes
        .iter()
        .map(|c| (c.account, c.to.clone()))
        .collect();
    assert_eq!(reported, moved);
    drop(book);
    let mut book = open(dir.path());
    assert!(book.snapshot_loaded(), "the import's snapshot was saved");
    assert_equals_rebuild(&book);

    // Its undo removes as many records at once: scored the same way, and
    // the tiers are back where they were.
    let undone = book.execute(WriteOp::Undo, None).unwrap();
    assert!(undone.undone.is_some());
    assert_equals_rebuild(&book);
    assert_eq!(tiers(&book), before);
    let back: BTreeSet<(AccountId, String)> = undone
        .tier_changes
        .iter()
        .map(|c| (c.account, c.to.clone()))
        .collect();
    let expected: BTreeSet<(AccountId, String)> = moved
        .iter()
        .map(|(id, _)| (*id, before[id].clone()))
        .collect();
    assert_eq!(back, expected, "the undo reports the tiers moving back");
}

/// Many new accounts at once, and their undo (accounts removed in bulk):
/// each time the book equals a rebuild from its records.
#[test]
fn a_large_import_of_accounts_and_its_undo_equal_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    demo_book(dir.path(), 150);
    let mut book = open(dir.path());
    let mut csv = String::from("key,name,owner,potential\n");
    for n in 0..200 {
        csv.push_str(&format!("NEW-{n},New customer {n},ann,{}\n", n % 6));
    }
    assert!(book.engine().prefers_recompute(200));
    import_into(
        &mut book,
        RecordKind::Accounts,
        csv.as_bytes(),
        "accounts.csv",
        false,
        None,
    )
    .unwrap();
    assert_eq!(book.accounts().unwrap().len(), 350);
    assert_equals_rebuild(&book);
    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.accounts().unwrap().len(), 150);
    assert_equals_rebuild(&book);
    // The owner index forgot them too.
    let anns = book
        .accounts()
        .unwrap()
        .iter()
        .filter(|a| a.owner == "ann")
        .count();
    assert_eq!(book.engine().accounts_of_owner("ann").len(), anns);
}

#[test]
fn a_write_the_log_does_not_show_makes_the_snapshot_unusable() {
    let dir = tempfile::tempdir().unwrap();
    demo_book(dir.path(), 40);
    let store = Store::open(dir.path()).unwrap();
    assert!(store.derived_head().unwrap().is_some());
    let id = store.accounts().unwrap()[0].id;
    let mut i = Interaction::new(id, InteractionKind::Order, today());
    i.amount = Some(Money::from_units(9_999_999));
    store
        .apply(Batch {
            interactions: vec![i],
            ..Batch::default()
        })
        .unwrap();
    assert!(store.derived_head().unwrap().is_none());
    let book = open_with(store);
    assert!(!book.snapshot_loaded());
    assert_equals_rebuild(&book);
}

#[test]
fn a_book_bypassed_by_a_write_does_not_save_what_it_knew() {
    let dir = tempfile::tempdir().unwrap();
    demo_book(dir.path(), 30);
    let mut stale = open(dir.path());
    let first = keys(&stale, 1).remove(0);
    order(&mut stale, &first, 70_000);
    let id = stale.accounts().unwrap()[1].id;
    let mut i = Interaction::new(id, InteractionKind::Order, today());
    i.amount = Some(Money::from_units(12_345_678));
    stale
        .store()
        .apply(Batch {
            interactions: vec![i],
            ..Batch::default()
        })
        .unwrap();
    drop(stale);
    let book = open(dir.path());
    assert!(!book.snapshot_loaded());
    assert_equals_rebuild(&book);
}

/// Flips one byte of one value of the `derived` tree.
fn garble(dir: &Path, which: usize, at: usize, bit: u8) {
    let db = sled::open(dir).unwrap();
    let t = db.open_tree("derived").unwrap();
    let n = t.len();
    assert!(n >= 2, "head and a bucket");
    let (k, v) = t.iter().nth(which % n).unwrap().unwrap();
    let mut v = v.to_vec();
    let at = at % v.len();
    v[at] ^= 1 << (bit % 8);
    t.insert(k, v).unwrap();
    db.flush().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Any flipped byte anywhere in the snapshot: the open does not use it,
    /// the result equals a rebuild, and the rebuild saves a good one again.
    #[test]
    fn a_garbled_snapshot_is_rebuilt(which in 0usize..64, at in 0usize..100_000, bit in 0u8..8) {
        let dir = tempfile::tempdir().unwrap();
        demo_book(dir.path(), 70);
        garble(dir.path(), which, at, bit);
        let book = open(dir.path());
        prop_assert!(!book.snapshot_loaded());
        assert_equals_rebuild(&book);
        drop(book);
        let book = open(dir.path());
        prop_assert!(book.snapshot_loaded());
        assert_equals_rebuild(&book);
    }
}
