//! An import of interactions is written while its file is read: a run of
//! rows at a time into one staged write, ended by the import's last
//! transaction. The book gets one audit entry and the scores of a full
//! recompute; a bad row further on leaves nothing of the runs before it.

use chrono::NaiveDate;
use kam::book::{Book, Prepare};
use kam::clock::Clock;
use kam::domain::{Account, AccountId};
use kam::segment::Engine;
use kam::store::{OpenOptions, StagingLimits, Store};
use kam::transfer::columns::RecordKind;
use kam::transfer::decode::ReadOptions;
use kam::transfer::import::{ImportFailure, Source, import_source};

/// Runs of 50 rows, written 16 to a transaction.
fn open(dir: &std::path::Path) -> Store {
    let opts = OpenOptions {
        staging: StagingLimits {
            above: 50,
            chunk: 16,
        },
        ..OpenOptions::default()
    };
    Store::open_with(dir, &opts).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

/// A book of 12 accounts, and their ids.
fn book(dir: &std::path::Path) -> (Book, Vec<AccountId>) {
    let store = open(dir);
    let ids = (0..12)
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
    let book = Book::open_with(store, Clock::fixed(today()), "ann", Prepare::Scores).unwrap();
    (book, ids)
}

/// `n` orders over the first ten accounts, as CSV; row `bad` (if any) names
/// no known account.
fn orders_csv(n: u32, bad: Option<u32>) -> String {
    let mut csv = String::from("account,kind,at,amount\n");
    for k in 0..n {
        let key = if Some(k) == bad {
            "NOPE".to_string()
        } else {
            format!("K-{}", (k * 7) % 10)
        };
        let day = NaiveDate::from_ymd_opt(2026, 1 + k % 10, 1 + k % 27).unwrap();
        csv.push_str(&format!("{key},order,{day},{}\n", (k % 13 + 1) * 1000));
    }
    csv
}

/// Imports `csv`, counting the interactions stored when the last row was
/// read (before the import's last transaction).
fn import(book: &mut Book, csv: String) -> (Result<kam::book::WriteOutcome, ImportFailure>, usize) {
    let store = book.store().clone();
    let total = csv.len() as u64;
    let mut stored_at_end = 0;
    let mut progress = |done: u64, _: u64| {
        if done == total && stored_at_end == 0 {
            let mut n = 0;
            store.for_each_interaction(|_| n += 1).unwrap();
            stored_at_end = n;
        }
    };
    let options = ReadOptions::default();
    let source = Source::bytes(csv.into_bytes(), "orders.csv", &options);
    let out = import_source(
        book,
        RecordKind::Interactions,
        source,
        false,
        None,
        &mut progress,
    );
    (out, stored_at_end)
}

#[test]
fn a_streamed_import_is_one_entry_and_scores_as_a_recompute_does() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, _) = book(dir.path());
    let before = book.store().last_seq().unwrap();
    let (out, stored_while_reading) = import(&mut book, orders_csv(300, None));
    let out = out.unwrap();
    assert_eq!(out.import.as_ref().unwrap().created, 300);
    // Clients are told to fetch their page again: the entry's parts are
    // not read to learn which ten accounts it touched.
    assert_eq!(
        kam::book::query::touched_since(&book, before).unwrap(),
        kam::book::query::Touched::All
    );
    // Runs of 50 went while the file was read; the rest went last.
    assert!(
        stored_while_reading >= 250,
        "{stored_while_reading} stored while reading"
    );
    let store = book.store().clone();
    let entry = store.audit_entry(out.seq.unwrap()).unwrap().unwrap();
    assert_eq!(entry.changes.len(), 300, "one entry lists every row");
    let mut all = Vec::new();
    store.for_each_interaction(|i| all.push(i)).unwrap();
    assert_eq!(
        all.iter()
            .filter(|i| i.kind == kam::domain::InteractionKind::Order)
            .count(),
        300
    );
    let mut fresh = Engine::new(book.engine().model().clone(), today());
    fresh.rebuild(&store.accounts().unwrap(), &store.contacts().unwrap(), &all);
    let scores = book.engine().scores();
    assert_eq!(scores, fresh.scores());
    let tiers: std::collections::HashSet<&str> = scores.iter().map(|s| s.tier.as_str()).collect();
    assert!(tiers.len() > 1, "the orders set accounts apart: {tiers:?}");
    assert!(store.verify().unwrap().problems.is_empty());
    assert!(
        !store.roll_back_staged().unwrap(),
        "no staged write is left"
    );
}

/// Imports accounts from `csv`, which must succeed.
fn import_accounts(book: &mut Book, csv: String) {
    let options = ReadOptions::default();
    let source = Source::bytes(csv.into_bytes(), "accounts.csv", &options);
    import_source(
        book,
        RecordKind::Accounts,
        source,
        false,
        None,
        &mut |_, _| {},
    )
    .unwrap();
}

/// The file as a reader that notes, at each read, how far it was read and
/// how many interactions the store held.
struct Watched {
    inner: std::io::Cursor<Vec<u8>>,
    store: Store,
    seen: std::rc::Rc<std::cell::RefCell<Vec<(u64, usize)>>>,
}

impl std::io::Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut stored = 0;
        self.store.for_each_interaction(|_| stored += 1).unwrap();
        self.seen.borrow_mut().push((self.inner.position(), stored));
        self.inner.read(buf)
    }
}

#[test]
fn the_file_is_read_as_its_runs_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, _) = book(dir.path());
    // 12,000 rows, about 310 KB: several times the head (64 KiB) read
    // first to find the delimiter and the encoding.
    let csv = orders_csv(12_000, None).into_bytes();
    let len = csv.len() as u64;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let options = ReadOptions::default();
    let source = Source {
        input: Box::new(Watched {
            inner: std::io::Cursor::new(csv),
            store: book.store().clone(),
            seen: seen.clone(),
        }),
        len,
        name: "orders.csv",
        options: &options,
    };
    let out = import_source(
        &mut book,
        RecordKind::Interactions,
        source,
        false,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(out.import.unwrap().created, 12_000);
    let seen = seen.borrow();
    let (at, stored) = *seen
        .iter()
        .find(|(_, stored)| *stored > 0)
        .expect("runs were written while the file was read");
    assert!(
        at < len / 2,
        "first run stored after {at} of {len} bytes ({stored} rows)"
    );
}

#[test]
fn a_bad_row_after_streamed_runs_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ids) = book(dir.path());
    let seq = book.store().last_seq().unwrap();
    let scores = book.engine().scores();
    let (out, stored_while_reading) = import(&mut book, orders_csv(300, Some(280)));
    let Err(ImportFailure::Rows(errors)) = out else {
        panic!("expected the bad row: {out:?}");
    };
    assert_eq!(errors.errors.len(), 1, "{errors}");
    assert!(
        errors.errors[0].starts_with("orders.csv:282: account:"),
        "{errors}"
    );
    assert!(stored_while_reading >= 250, "runs went before the bad row");
    let store = book.store().clone();
    for id in &ids {
        assert!(store.interactions_of(*id).unwrap().is_empty());
    }
    assert_eq!(store.last_seq().unwrap(), seq);
    assert_eq!(book.engine().scores(), scores);
    assert!(store.verify().unwrap().problems.is_empty());
    drop(book);
    drop(store);
    let store = open(dir.path());
    let mut n = 0;
    store.for_each_interaction(|_| n += 1).unwrap();
    assert_eq!(n, 0, "nothing comes back at the next open");
}

#[test]
fn a_one_shot_book_lets_its_records_go_for_an_import_and_reads_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, ids) = book(dir.path());
    assert!(book.records_kept());
    let (out, _) = import(&mut book, orders_csv(300, None));
    out.unwrap();
    assert!(!book.records_kept(), "a one-shot book let them go");
    // A write while they are away goes to the store; the next ask reads
    // them again, with it.
    import_accounts(&mut book, "key,name\nK-1,Renamed\n".into());
    assert!(!book.records_kept());
    assert_eq!(book.account(ids[1]).unwrap().name, "Renamed");
    assert!(book.records_kept());
    assert_eq!(book.find_account("k-3").unwrap().id, ids[3]);
    assert_eq!(book.accounts().unwrap().len(), 12);

    // A book that serves screens keeps none: each ask reads the store.
    drop(book);
    let store = open(dir.path());
    let mut book = Book::open_with(store, Clock::fixed(today()), "ann", Prepare::Rows).unwrap();
    assert!(!book.records_kept());
    let (out, _) = import(&mut book, orders_csv(100, None));
    out.unwrap();
    import_accounts(&mut book, "key,name\nK-2,Again\n".into());
    assert_eq!(book.account(ids[2]).unwrap().name, "Again");
    assert_eq!(book.find_account("k-3").unwrap().id, ids[3]);
    assert_eq!(book.account_count().unwrap(), 12);
    // A miss lists the close keys from the rows' text, as a book that
    // keeps its records lists them from the records.
    let miss = book.find_account("K-").map(|_| ()).unwrap_err().to_string();
    assert!(!book.records_kept());
    drop(book);
    let kept = Book::open(open(dir.path()), Clock::fixed(today()), "ann").unwrap();
    assert!(kept.records_kept());
    let want = kept.find_account("K-").map(|_| ()).unwrap_err().to_string();
    assert_eq!(miss, want);
    assert!(miss.contains("K-10"), "{miss}");
}

/// A new book's snapshot is laid out for its few accounts; once an import
/// brings many more, the next save lays it out again (a bucket of every
/// account was rewritten whole by each save after).
#[test]
fn a_snapshot_outgrown_by_an_import_is_laid_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut book, _) = book(dir.path());
    book.save_derived().unwrap();
    let head = book.store().derived_head().unwrap().unwrap();
    assert_eq!((head.accounts, head.buckets), (12, 1));
    let mut csv = String::from("key,name\n");
    for n in 0..1000 {
        csv.push_str(&format!("N-{n},New {n}\n"));
    }
    import_accounts(&mut book, csv);
    book.save_derived().unwrap();
    let head = book.store().derived_head().unwrap().unwrap();
    assert_eq!(head.accounts, 1012);
    assert!(head.buckets >= 1012 / 64, "{} buckets", head.buckets);
    // The saved snapshot is what the engine holds.
    let seq = book.store().last_seq().unwrap();
    let engine = book.engine().clone();
    drop(book);
    let store = open(dir.path());
    assert_eq!(store.derived_head().unwrap().unwrap().seq, seq);
    let book = Book::open_with(store, Clock::fixed(today()), "ann", Prepare::Scores).unwrap();
    assert_eq!(book.engine().scores(), engine.scores());
}
