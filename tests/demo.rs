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

/// `kam demo` with no options writes the default book of `DemoParams::new`
/// (the CLI takes its defaults from there), for the user running it.
#[test]
fn kam_demo_without_options_writes_the_default_book() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let today = NaiveDate::from_ymd_opt(2025, 6, 16).unwrap();
    let out = assert_cmd::Command::cargo_bin("kam")
        .unwrap()
        .env("KAM_DB", &db)
        .env("KAM_TODAY", today.to_string())
        .env_remove("XDG_DATA_HOME")
        .args(["--no-server", "demo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want: Vec<DemoAccount> =
        generate(&DemoParams::new(today, &kam::identity::current_user())).collect();
    let store = Store::open(&db).unwrap();
    let count = |f: fn(&DemoAccount) -> usize| want.iter().map(f).sum::<usize>();
    assert_eq!(
        store.counts().unwrap(),
        (
            DemoParams::DEFAULT_ACCOUNTS,
            count(|d| d.contacts.len()),
            DemoParams::default_interactions(DemoParams::DEFAULT_ACCOUNTS),
            count(|d| d.followups.len()),
        )
    );
    for want in want.iter().step_by(13) {
        let a = store.account_by_key(&want.account.key).unwrap().unwrap();
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

/// FNV-1a over a canonical text of every field the generator sets. Fields
/// are written by name (not `Debug` of the whole record) so that a field
/// added to a domain type later does not move the pin; only a change in
/// what the generator produces does.
struct Fingerprint(u64);

impl Fingerprint {
    fn new() -> Self {
        Fingerprint(0xCBF2_9CE4_8422_2325)
    }

    fn put(&mut self, field: impl std::fmt::Display) {
        for b in field.to_string().bytes().chain([0x1F]) {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    fn opt<T: std::fmt::Display>(&mut self, field: Option<T>) {
        match field {
            Some(v) => self.put(v),
            None => self.put("-"),
        }
    }
}

fn fingerprint(p: &DemoParams) -> (u64, [usize; 4]) {
    let mut h = Fingerprint::new();
    let mut counts = [0; 4];
    for d in generate(p) {
        let a = &d.account;
        for s in [&a.key, &a.name, &a.owner, &a.backup_owner, &a.industry] {
            h.put(s);
        }
        h.put(&a.region);
        h.put(format!("{:?}", a.status));
        h.opt(a.since);
        h.opt(a.orientation.map(|o| format!("{o:?}")));
        let r = &a.ratings;
        for x in [r.potential, r.loyalty, r.strategic_fit, r.tech_cooperation] {
            h.opt(x);
        }
        for s in kam::domain::Profile::SECTIONS {
            h.put(a.profile.get(s).unwrap());
        }
        h.put(a.tags.join(","));
        h.put(a.pin.is_some());
        for c in &d.contacts {
            for s in [&c.name, &c.title, &c.email, &c.phone] {
                h.put(s);
            }
            h.put(format!("{:?}", c.role));
            h.put(c.primary);
            h.put(c.backup);
            h.opt(c.left_at);
        }
        for i in &d.interactions {
            h.put(format!("{:?}", i.kind));
            h.put(i.at.timestamp());
            h.opt(i.amount.map(|m| m.cents()));
            h.opt(i.margin.map(|m| m.cents()));
            h.opt(i.due);
            h.opt(i.paid_at);
            h.opt(i.satisfaction);
            h.put(&i.summary);
            h.put(&i.author);
            h.opt(i.follow_up);
        }
        for f in &d.followups {
            h.put(f.due);
            h.put(&f.assignee);
            h.put(&f.note);
            h.opt(f.done_at);
        }
        h.put("\u{1E}");
        counts[0] += 1;
        counts[1] += d.contacts.len();
        counts[2] += d.interactions.len();
        counts[3] += d.followups.len();
    }
    (h.0, counts)
}

/// The generated book is pinned: the same parameters give byte-for-byte the
/// same records, across refactors of the generator. The values were taken
/// before the generator was split into modules. If a change to the demo is
/// *meant* to change the book, update them (and say so in the commit).
#[test]
fn generated_book_is_pinned() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 16).unwrap();
    let cases = [
        // The book `kam demo` writes with its defaults.
        DemoParams {
            accounts: 300,
            interactions: 4_200,
            seed: 42,
            today,
            user: "alice".into(),
        },
        DemoParams {
            accounts: 57,
            interactions: 2_000,
            seed: 7,
            today: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
            user: "王伟".into(),
        },
    ];
    // The default book is the one pinned first (so the defaults are pinned too).
    assert_eq!(DemoParams::new(today, "alice"), cases[0]);
    let got: Vec<(u64, [usize; 4])> = cases.iter().map(fingerprint).collect();
    let want = [
        (0xA152_2EA9_DE4A_C252, [300, 774, 4_200, 62]),
        (0x0F16_957F_D1D3_A23D, [57, 146, 2_000, 15]),
    ];
    assert_eq!(got, want);
}
