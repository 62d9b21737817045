//! `kam demo`: a realistic, deterministic key-account book.
//!
//! The demo is the product's first impression and also feeds the segment
//! engine and the benchmarks, so it has the skew of a real book: revenue is
//! Pareto-distributed, some accounts grow, some decline or lapse, payments
//! run late, complaints stay open, contacts leave. Every date is relative
//! to the as-of date, so the book always looks current: two years of
//! history ending "today".
//!
//! Determinism: each account draws from its own splitmix64 stream derived
//! from `(seed, index)`, so the same parameters give the same records, and
//! records are streamed one account at a time (100k accounts never sit in
//! memory at once). The order of the draws is part of the output: moving a
//! draw changes every later value of that account, which the pinned book
//! in `tests/demo.rs` catches.
//!
//! One account is made in this order, each step in its own module: `plan`
//! (size and trajectory), `company` (name, key, domain), `account` (owners,
//! payment discipline, ratings, profile, tags), `people` (contacts), the
//! `timeline` (orders, payments, complaints, touches; sentences from `text`
//! over the lists in `names`), then follow-ups (`people`). `rng` is the
//! stream and `calendar` the day arithmetic; this file holds the
//! parameters, the stream of accounts and the writer into the store.

mod account;
mod calendar;
mod company;
mod names;
mod people;
mod plan;
mod rng;
mod text;
mod timeline;

use crate::domain::text::clean_line;
use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction};
use crate::store::{BulkRecords, Store, StoreError};
use account::build_account;
use chrono::NaiveDate;
use plan::plan;

/// What to generate. `today` is the as-of date (the one clock); `user` is
/// the OS user running the demo, made one of the account managers so that
/// "my agenda" is populated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoParams {
    pub accounts: usize,
    /// Total interactions over all accounts (distributed by account size).
    pub interactions: usize,
    pub seed: u64,
    pub today: NaiveDate,
    pub user: String,
}

/// The defaults of `kam demo` (and of `kam --demo` on an empty database):
/// the one place they are written down; the CLI arguments and the commands
/// take them from here.
impl DemoParams {
    pub const DEFAULT_ACCOUNTS: usize = 300;
    /// Spread by account size, so big accounts get many more than this.
    pub const DEFAULT_INTERACTIONS_PER_ACCOUNT: usize = 14;
    pub const DEFAULT_SEED: u64 = 42;

    /// The total interactions for `accounts` when none are asked for.
    pub fn default_interactions(accounts: usize) -> usize {
        accounts.saturating_mul(Self::DEFAULT_INTERACTIONS_PER_ACCOUNT)
    }

    /// The default book: 300 accounts, ~14 interactions each, seed 42.
    pub fn new(today: NaiveDate, user: &str) -> Self {
        DemoParams {
            accounts: Self::DEFAULT_ACCOUNTS,
            interactions: Self::default_interactions(Self::DEFAULT_ACCOUNTS),
            seed: Self::DEFAULT_SEED,
            today,
            user: user.to_string(),
        }
    }
}

/// One account with everything that hangs off it. Ids are 0 (unassigned)
/// and links are by position: every child belongs to `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub account: Account,
    pub contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub followups: Vec<FollowUp>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub accounts: usize,
    pub contacts: usize,
    pub interactions: usize,
    pub followups: usize,
}

/// The demo book as a stream of accounts (pure: no I/O, ids 0).
pub fn generate(p: &DemoParams) -> impl Iterator<Item = DemoAccount> + use<> {
    DemoIter::new(p)
}

/// Why the demo could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database at {} already holds {accounts} accounts; the demo only fills an empty \
         database, so nothing was written. Choose a new database directory to try the demo.",
        path.display()
    )]
    NotEmpty {
        path: std::path::PathBuf,
        accounts: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records per bulk write: big enough to amortise the flush, small enough
/// to keep memory flat for any book size.
const CHUNK_RECORDS: usize = 5_000;

/// Writes the demo book into an empty store, streamed in chunks of about
/// 5 000 records through the store's bulk load (no transaction per chunk,
/// one flush; an interrupted load is detected on the next open). Account
/// ids are reserved up front so that the children of an account link to it
/// within the same chunk. `progress` is called with the number of accounts
/// written so far after every chunk.
pub fn write_demo(
    store: &Store,
    p: &DemoParams,
    progress: &mut dyn FnMut(usize),
) -> Result<DemoSummary, DemoError> {
    let (accounts, ..) = store.counts()?;
    if accounts > 0 {
        return Err(DemoError::NotEmpty {
            path: store.path().to_path_buf(),
            accounts,
        });
    }
    let mut sum = DemoSummary::default();
    let mut batch = BulkRecords::default();
    store.begin_bulk()?;
    let mut pending = 0usize;
    for mut d in generate(p) {
        let id = AccountId(store.reserve_id()?);
        d.account.id = id;
        for c in &mut d.contacts {
            c.account = id;
        }
        for i in &mut d.interactions {
            i.account = id;
        }
        for f in &mut d.followups {
            f.account = id;
        }
        sum.accounts += 1;
        sum.contacts += d.contacts.len();
        sum.interactions += d.interactions.len();
        sum.followups += d.followups.len();
        pending += 1 + d.contacts.len() + d.interactions.len() + d.followups.len();
        batch.accounts.push(d.account);
        batch.contacts.append(&mut d.contacts);
        batch.interactions.append(&mut d.interactions);
        batch.followups.append(&mut d.followups);
        if pending >= CHUNK_RECORDS {
            store.bulk_insert(std::mem::take(&mut batch))?;
            pending = 0;
            progress(sum.accounts);
        }
    }
    if !batch.is_empty() {
        store.bulk_insert(batch)?;
        progress(sum.accounts);
    }
    store.end_bulk()?;
    Ok(sum)
}

// ---------------------------------------------------------------------------
// The stream

struct DemoIter {
    p: DemoParams,
    managers: Vec<String>,
    next: usize,
    total_weight: f64,
    cum_weight: f64,
    assigned: usize,
}

impl DemoIter {
    fn new(p: &DemoParams) -> Self {
        // A cheap first pass over the plans (no records) so that the total
        // interaction target can be spread exactly by weight while streaming.
        let total_weight = (0..p.accounts).map(|i| plan(p, i).0.weight).sum();
        DemoIter {
            p: p.clone(),
            managers: managers(&p.user),
            next: 0,
            total_weight,
            cum_weight: 0.0,
            assigned: 0,
        }
    }
}

impl Iterator for DemoIter {
    type Item = DemoAccount;

    fn next(&mut self) -> Option<DemoAccount> {
        if self.next >= self.p.accounts {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let (plan, rng) = plan(&self.p, index);
        // Cumulative rounding: the per-account budgets add up to exactly
        // the requested total.
        self.cum_weight += plan.weight;
        let target = if self.total_weight > 0.0 {
            (self.p.interactions as f64 * self.cum_weight / self.total_weight).round() as usize
        } else {
            0
        };
        let target = if self.next == self.p.accounts {
            self.p.interactions
        } else {
            target.min(self.p.interactions)
        };
        let budget = target.saturating_sub(self.assigned);
        self.assigned += budget;
        Some(build_account(
            &self.p,
            &self.managers,
            index,
            &plan,
            rng,
            budget,
        ))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.p.accounts - self.next;
        (left, Some(left))
    }
}

/// Five or six account managers, always including the user running the demo.
fn managers(user: &str) -> Vec<String> {
    let user = clean_line(user);
    let user = if user.is_empty() {
        "demo".to_string()
    } else {
        user
    };
    let mut out = vec![user.clone()];
    out.extend(
        names::MANAGERS
            .iter()
            .filter(|m| **m != user)
            .take(5)
            .map(|m| m.to_string()),
    );
    out
}

#[cfg(test)]
mod tests;
