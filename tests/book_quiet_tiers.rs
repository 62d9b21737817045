//! An import that gives thousands of accounts their first history records
//! each one's tier quietly (no timeline entry), in several writes; a reopen
//! finds nothing to log.

use chrono::NaiveDate;
use kam::book::{Book, ImportCounts};
use kam::clock::Clock;
use kam::domain::{Account, Interaction, InteractionKind, Money};
use kam::store::{Batch, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn open(dir: &std::path::Path) -> Book {
    let store = Store::open(&dir.join("db")).unwrap();
    Book::open(store, Clock::fixed(today()), "alice").unwrap()
}

fn system_entries(book: &Book) -> usize {
    book.store()
        .interactions()
        .unwrap()
        .iter()
        .filter(|i| i.kind == InteractionKind::System)
        .count()
}

#[test]
fn thousands_of_first_tiers_are_recorded_quietly() {
    // Above the size where quiet tiers go a chunk per write.
    const N: usize = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path());
    let accounts = (0..N)
        .map(|k| Account {
            key: format!("K-{k:04}"),
            name: format!("Customer {k}"),
            owner: "alice".into(),
            ..Account::default()
        })
        .collect();
    let batch = Batch {
        accounts,
        ..Batch::default()
    };
    book.import(batch, ImportCounts::default(), None).unwrap();
    let ids: Vec<_> = book.accounts().unwrap().iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), N);
    let orders = ids
        .iter()
        .enumerate()
        .map(|(k, &id)| {
            let mut i = Interaction::new(id, InteractionKind::Order, today());
            i.amount = Some(Money::from_units(k as i64 + 1));
            i
        })
        .collect();
    let batch = Batch {
        interactions: orders,
        ..Batch::default()
    };
    book.import(batch, ImportCounts::default(), None).unwrap();
    let recorded = book.store().recorded_tiers().unwrap();
    assert_eq!(recorded.len(), N, "every account's first tier");
    for id in &ids {
        assert_eq!(
            recorded.get(id).map(|t| &**t),
            book.engine().tier(*id).as_deref(),
            "{id}"
        );
    }
    assert_eq!(system_entries(&book), 0, "first tiers are set quietly");
    drop(book);
    let book = open(dir.path());
    assert_eq!(system_entries(&book), 0, "the reopen found no drift");
    assert_eq!(book.store().recorded_tiers().unwrap().len(), N);
}
