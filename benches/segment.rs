//! Segmentation engine: one edit's recalculation vs a full recompute, on
//! 100k accounts and 1M interactions (the deterministic demo generator).
//!
//! Run: `cargo bench --bench segment`. Besides criterion's estimates, a
//! direct summary (median / p99 of single edits) is printed first.

use chrono::{Duration, NaiveDate};
use criterion::{BatchSize, Criterion, criterion_group};
use kam::demo::{DemoParams, generate as generate_demo};
use kam::domain::{
    Account, AccountId, Contact, ContactId, Interaction, InteractionId, InteractionKind, Money,
};
use kam::segment::{Engine, Model};
use std::hint::black_box;
use std::time::Instant;

const ACCOUNTS: u64 = 100_000;
const INTERACTIONS: usize = 1_000_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

struct Data {
    accounts: Vec<Account>,
    contacts: Vec<Contact>,
    inters: Vec<Interaction>,
}

/// The realistic book of `kam demo` (Pareto-skewed revenue, growing and
/// declining accounts, open complaints …), with ids assigned as the store would.
fn generate() -> Data {
    let params = DemoParams {
        accounts: ACCOUNTS as usize,
        interactions: INTERACTIONS,
        seed: 42,
        today: as_of(),
        user: "bench".into(),
    };
    let (mut accounts, mut contacts, mut inters) = (Vec::new(), Vec::new(), Vec::new());
    for (n, mut d) in generate_demo(&params).enumerate() {
        let id = AccountId(n as u64 + 1);
        d.account.id = id;
        accounts.push(d.account);
        for mut c in d.contacts {
            c.id = ContactId(contacts.len() as u64 + 1);
            c.account = id;
            contacts.push(c);
        }
        for mut i in d.interactions {
            i.id = InteractionId(inters.len() as u64 + 1);
            i.account = id;
            inters.push(i);
        }
    }
    Data {
        accounts,
        contacts,
        inters,
    }
}

fn built(d: &Data) -> Engine {
    let mut e = Engine::new(Model::default(), as_of());
    e.rebuild(&d.accounts, &d.contacts, d.inters.iter());
    e
}

fn new_order(r: &mut Rng, next_id: &mut u64) -> Interaction {
    let acc = AccountId(1 + r.below(ACCOUNTS));
    let mut i = Interaction::new(
        acc,
        InteractionKind::Order,
        as_of() - Duration::days(r.below(300) as i64),
    );
    *next_id += 1;
    i.id = InteractionId(*next_id);
    i.amount = Some(Money::from_cents(100_000 + r.below(50_000_000) as i64));
    i
}

fn rating_change(d: &Data, r: &mut Rng) -> Account {
    let mut a = d.accounts[r.below(ACCOUNTS) as usize].clone();
    a.ratings.loyalty = Some(r.below(6) as u8);
    a.ratings.potential = Some(r.below(6) as u8);
    a
}

fn percentile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Direct timings: medians are what the targets are about.
fn summary(d: &Data) {
    let mut rebuilds = Vec::new();
    let mut e = built(d);
    for _ in 0..3 {
        let t = Instant::now();
        e.rebuild(&d.accounts, &d.contacts, d.inters.iter());
        rebuilds.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut r = Rng(7);
    let mut next_id = d.inters.len() as u64 + 1_000_000;
    let (mut orders, mut ratings) = (Vec::new(), Vec::new());
    let mut changes = 0usize;
    for _ in 0..2000 {
        let i = new_order(&mut r, &mut next_id);
        let t = Instant::now();
        changes += black_box(e.upsert_interaction(&i)).len();
        orders.push(t.elapsed().as_secs_f64() * 1e6);
        let a = rating_change(d, &mut r);
        let t = Instant::now();
        changes += black_box(e.upsert_account(&a)).len();
        ratings.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let rb = percentile(&mut rebuilds, 0.5);
    let om = percentile(&mut orders, 0.5);
    let rm = percentile(&mut ratings, 0.5);
    println!(
        "segment summary ({ACCOUNTS} accounts, {} interactions):",
        d.inters.len()
    );
    println!("  full recompute (rebuild): median {rb:.0} ms over 3 runs");
    println!(
        "  edit, order added:  median {om:.1} µs, p99 {:.1} µs  ({:.0}× faster than rebuild)",
        percentile(&mut orders, 0.99),
        rb * 1e3 / om
    );
    println!(
        "  edit, rating change: median {rm:.1} µs, p99 {:.1} µs  ({:.0}× faster than rebuild)",
        percentile(&mut ratings, 0.99),
        rb * 1e3 / rm
    );
    println!("  tier changes reported over 4000 edits: {changes}");
}

fn bench(c: &mut Criterion) {
    let d = generate();
    summary(&d);
    let mut e = built(&d);
    let mut r = Rng(11);
    let mut next_id = d.inters.len() as u64 + 10_000_000;
    c.bench_function("edit_order_added", |b| {
        b.iter_batched(
            || new_order(&mut r, &mut next_id),
            |i| e.upsert_interaction(&i),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("edit_rating_change", |b| {
        b.iter_batched(
            || rating_change(&d, &mut r),
            |a| e.upsert_account(&a),
            BatchSize::SmallInput,
        )
    });
    let mut g = c.benchmark_group("full");
    g.sample_size(10);
    g.bench_function("rebuild_100k_accounts_1m_interactions", |b| {
        b.iter(|| e.rebuild(&d.accounts, &d.contacts, d.inters.iter()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
