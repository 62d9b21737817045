//! `write_demo` against a real sled database in a temp dir.

use chrono::NaiveDate;
use kam::demo::{DemoAccount, DemoError, DemoParams, generate, write_demo};
use kam::store::Store;

fn params(accounts: usize, interactions: usize) -> DemoParams {
    DemoParams {
        accounts,
        interactions,
        ..DemoParams::new(NaiveDate::from_ymd_opt(2025, 6, 16).unwrap(), "alice")
    }
}

/// Clears what the store assigns (ids, versions, links) for comparison.
fn unstamped(mut d: DemoAccount) -> DemoAccount {
    d.account.id.0 = 0;
    d.account.version = 0;
    for c in &mut d.contacts {
        (c.id.0, c.version, c.account.0) = (0, 0, 0);
    }
    for i in &mut d.interactions {
        (i.id.0, i.version, i.account.0) = (0, 0, 0);
    }
    for f in &mut d.followups {
        (f.id.0, f.version, f.account.0) = (0, 0, 0);
    }
    d
}

#[test]
fn written_book_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let p = params(600, 6_000);
    let book: Vec<DemoAccount> = generate(&p).collect();
    let mut seen = Vec::new();
    let sum = {
        let store = Store::open(&db).unwrap();
        let sum = write_demo(&store, &p, &mut |n| seen.push(n)).unwrap();
        assert_eq!(
            store.counts().unwrap(),
            (sum.accounts, sum.contacts, sum.interactions, sum.followups)
        );
        sum
    };
    assert_eq!(sum.accounts, 600);
    assert_eq!(sum.interactions, 6_000);
    assert_eq!(
        sum.contacts,
        book.iter().map(|d| d.contacts.len()).sum::<usize>()
    );
    assert_eq!(
        sum.followups,
        book.iter().map(|d| d.followups.len()).sum::<usize>()
    );
    // ~8 000 records: more than one batch, progress rises to the total.
    assert!(seen.len() >= 2, "progress {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(seen.last(), Some(&600));

    // Reopened (so it was flushed): every account with its records, linked.
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.counts().unwrap(),
        (sum.accounts, sum.contacts, sum.interactions, sum.followups)
    );
    for want in book.iter().step_by(7) {
        let a = store.account_by_key(&want.account.key).unwrap().unwrap();
        assert_ne!(a.id.0, 0);
        let mut contacts = store.contacts_of(a.id).unwrap();
        contacts.sort_by_key(|c| c.id);
        let mut followups = store.followups_of(a.id).unwrap();
        followups.sort_by_key(|f| f.id);
        let got = DemoAccount {
            interactions: store.interactions_of(a.id).unwrap(),
            account: a,
            contacts,
            followups,
        };
        assert_eq!(&unstamped(got), want);
    }
}

#[test]
fn second_demo_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let p = params(30, 200);
    write_demo(&store, &p, &mut |_| {}).unwrap();
    let before = store.counts().unwrap();
    let err = write_demo(&store, &DemoParams { seed: 9, ..p }, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, DemoError::NotEmpty { accounts: 30, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("already holds 30 accounts"));
    assert_eq!(store.counts().unwrap(), before);
}

/// `cargo test --test demo -- --ignored --nocapture` prints the time to
/// write the 100k-account / 1M-interaction book.
#[test]
#[ignore]
fn time_large_demo() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let p = params(100_000, 1_000_000);
    let t = std::time::Instant::now();
    let sum = write_demo(&store, &p, &mut |_| {}).unwrap();
    println!("wrote {sum:?} in {:?}", t.elapsed());
    assert_eq!(store.counts().unwrap().2, 1_000_000);
}
