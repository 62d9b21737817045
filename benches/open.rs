//! The book in a real store (sled in a temp dir, filled by `kam demo`'s
//! writer): a cold open from the snapshot and from the records, the
//! snapshot load alone, one order through `Book::execute`, the delta an
//! owner's screen asks for after it, one owner's agenda, and the list page
//! and search a screen asks for.
//!
//! Run: `cargo bench --bench open`. The book is 20 000 accounts / 200 000
//! interactions unless `KAM_BENCH_ACCOUNTS` and `KAM_BENCH_INTERACTIONS`
//! say otherwise (BENCHMARKS.md gives the 100k / 1M figures:
//! `KAM_BENCH_ACCOUNTS=100000 KAM_BENCH_INTERACTIONS=1000000`).

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group};
use kam::book::query::{self, ListQuery, SortKey};
use kam::book::{Book, WriteOp};
use kam::clock::Clock;
use kam::demo::{DemoParams, write_demo};
use kam::domain::{Interaction, InteractionKind, Money};
use kam::segment::Engine;
use kam::store::Store;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const USER: &str = "bench";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn open(dir: &Path) -> Book {
    Book::open(Store::open(dir).unwrap(), Clock::fixed(today()), USER).unwrap()
}

/// A demo book written and opened once (which saves its snapshot).
fn fill(dir: &Path) {
    let store = Store::open(dir).unwrap();
    let mut p = DemoParams::new(today(), USER);
    p.accounts = env_or("KAM_BENCH_ACCOUNTS", 20_000);
    p.interactions = env_or("KAM_BENCH_INTERACTIONS", 200_000);
    p.seed = 7;
    let t = Instant::now();
    write_demo(&store, &p, &mut |_| {}).unwrap();
    eprintln!(
        "demo book {} accounts / {} interactions written in {:.2?}",
        p.accounts,
        p.interactions,
        t.elapsed()
    );
    let t = Instant::now();
    drop(Book::open(store, Clock::fixed(today()), USER).unwrap());
    eprintln!(
        "first open (rebuild + snapshot save) in {:.2?}",
        t.elapsed()
    );
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path());
    let mut g = c.benchmark_group("book");
    g.sample_size(10).measurement_time(Duration::from_secs(20));

    g.bench_function("open_cold_with_snapshot", |b| {
        b.iter(|| {
            let book = open(dir.path());
            assert!(book.snapshot_loaded());
            black_box(&book);
        })
    });

    g.bench_function("snapshot_load_and_restore", |b| {
        let store = Store::open(dir.path()).unwrap();
        let accounts = store.accounts().unwrap();
        let seq = store.last_seq().unwrap();
        let model = kam::segment::Model::default();
        b.iter(|| {
            let inputs = store.load_derived(seq).unwrap().unwrap();
            black_box(Engine::restore(model.clone(), today(), &accounts, inputs).unwrap())
        })
    });

    g.bench_function("open_cold_rebuild_from_records", |b| {
        b.iter(|| {
            Store::open(dir.path())
                .unwrap()
                .invalidate_derived()
                .unwrap();
            let book = open(dir.path());
            assert!(!book.snapshot_loaded());
            black_box(&book);
        })
    });

    let mut book = open(dir.path());
    let keys: Vec<String> = book
        .accounts()
        .unwrap()
        .iter()
        .map(|a| a.key.clone())
        .collect();
    let mut n = 0usize;
    g.bench_function("write_one_order", |b| {
        b.iter(|| {
            n += 1;
            let id = book.find_account(&keys[n * 7919 % keys.len()]).unwrap().id;
            let mut i = Interaction::new(id, InteractionKind::Order, today());
            i.amount = Some(Money::from_units(1_000 + n as i64));
            black_box(
                book.execute(WriteOp::AddInteraction { interaction: i }, None)
                    .unwrap(),
            )
        })
    });

    // What an open TUI of the user asks for after someone's order on one of
    // the user's accounts: the touched row, the matrix, and the agenda as an
    // update of the version the TUI holds (nothing, or a patch).
    let mine: Vec<String> = book
        .accounts()
        .unwrap()
        .iter()
        .filter(|a| a.owner == USER)
        .map(|a| a.key.clone())
        .collect();
    let mut have = None;
    g.bench_function("delta_of_an_owner_after_an_order", |b| {
        b.iter(|| {
            n += 1;
            let id = book.find_account(&mine[n * 7919 % mine.len()]).unwrap().id;
            let seq = book.last_seq().unwrap();
            let mut i = Interaction::new(id, InteractionKind::Order, today());
            i.amount = Some(Money::from_units(1_000 + n as i64));
            book.execute(WriteOp::AddInteraction { interaction: i }, None)
                .unwrap();
            let touched = query::touched_since(&book, seq).unwrap();
            let d = query::delta(&book, touched, USER, have).unwrap();
            have = Some(d.agenda_version);
            black_box(d)
        })
    });

    g.bench_function("agenda_of_one_owner", |b| {
        b.iter(|| black_box(book.agenda(Some(USER)).unwrap()))
    });

    // The list and search a screen asks for: a page of 50 rows. Warm = the
    // prepared rows of this state exist (a scroll, the next keystroke);
    // after a write = they are rebuilt first (the first read after a change).
    let page = ListQuery {
        limit: Some(50),
        ..Default::default()
    };
    g.bench_function("list_page_warm", |b| {
        b.iter(|| black_box(query::list(&book, &page).unwrap()))
    });
    let by_name = ListQuery {
        sort: SortKey::Name,
        filter: "owner:a".into(),
        ..page.clone()
    };
    g.bench_function("list_page_filtered_by_name_warm", |b| {
        b.iter(|| black_box(query::list(&book, &by_name).unwrap()))
    });
    g.bench_function("search_keystroke_warm", |b| {
        b.iter(|| black_box(query::search(&book, "north tec", 50).unwrap()))
    });
    let id = book.find_account(&keys[0]).unwrap().id;
    g.bench_function("list_page_after_a_write", |b| {
        b.iter(|| {
            let mut i = Interaction::new(id, InteractionKind::Note, today());
            i.summary = "bench".into();
            book.execute(WriteOp::AddInteraction { interaction: i }, None)
                .unwrap();
            black_box(query::list(&book, &page).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
