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
//! memory at once).

mod names;

use crate::domain::text::clean_line;
use crate::domain::{
    Account, AccountId, AccountStatus, Contact, ContactId, ContactRole, FollowUp, FollowUpId,
    Interaction, InteractionKind, Money, Orientation, Profile, Ratings,
};
use crate::store::{Batch, Store, StoreError};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta};
use names::Industry;

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

impl DemoParams {
    pub const DEFAULT_ACCOUNTS: usize = 300;
    pub const DEFAULT_INTERACTIONS_PER_ACCOUNT: usize = 12;
    pub const DEFAULT_SEED: u64 = 42;

    /// The defaults of `kam demo`: 300 accounts, ~12 interactions each, seed 42.
    pub fn new(today: NaiveDate, user: &str) -> Self {
        DemoParams {
            accounts: Self::DEFAULT_ACCOUNTS,
            interactions: Self::DEFAULT_ACCOUNTS * Self::DEFAULT_INTERACTIONS_PER_ACCOUNT,
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

/// Records per `Batch`: big enough to amortise the flush, small enough to
/// keep memory flat for any book size.
const CHUNK_RECORDS: usize = 5_000;

/// Writes the demo book into an empty store, streamed in batches of about
/// 5 000 records. Account ids are reserved up front so that the children
/// of an account link to it within the same batch. `progress` is called
/// with the number of accounts written so far after every batch.
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
    let mut batch = Batch::default();
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
            store.apply(std::mem::take(&mut batch))?;
            pending = 0;
            progress(sum.accounts);
        }
    }
    if !batch.is_empty() {
        store.apply(batch)?;
        progress(sum.accounts);
    }
    Ok(sum)
}

// ---------------------------------------------------------------------------
// Randomness

/// splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", 2014): add the golden-ratio constant to a 64-bit state and
/// scramble it with two xor-shift-multiply rounds. Hand-rolled because the
/// output must never change with a dependency upgrade.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    /// The stream of account `index` (and `lane`) under `seed`.
    fn for_account(seed: u64, index: u64, lane: u64) -> Self {
        let a = Rng(seed).next_u64();
        let b = Rng(a ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64();
        Rng(b ^ lane.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in [lo, hi] (inclusive); `lo` when the range is empty.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `x` rounded up or down at random so that the expectation is `x`:
    /// small accounts still get their fair share of rare kinds.
    fn round(&mut self, x: f64) -> usize {
        let x = x.max(0.0);
        let f = x.floor();
        f as usize + usize::from(self.chance(x - f))
    }
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

// ---------------------------------------------------------------------------
// The account plan: size, status and trajectory, drawn first so that the
// interaction budget can be spread by size before anything is generated.

/// History shown by the demo, ending at the as-of date.
const HISTORY_DAYS: i64 = 730;
/// Smallest annual revenue of a customer, in whole currency units.
const MIN_REVENUE: f64 = 50_000.0;
/// Pareto shape: 1.1 puts roughly 80 % of revenue in the top 20 %.
const PARETO_ALPHA: f64 = 1.1;
const MAX_REVENUE: f64 = 30_000_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trend {
    /// Never ordered yet.
    Prospect,
    /// Customer for less than three months.
    Onboarding,
    Stable,
    Growing,
    /// Order frequency falls in the last six months.
    Declining,
    /// No order in the last twelve months, still in touch.
    Dormant,
    /// Gone: no order for a year, little contact since.
    Churned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discipline {
    Good,
    Slow,
    Bad,
}

#[derive(Debug, Clone)]
struct Plan {
    /// Size quantile in [0, 1): 0.99 is the top 1 %.
    q: f64,
    /// Annual revenue when ordering normally, whole units.
    revenue: f64,
    trend: Trend,
    since: NaiveDate,
    /// Big but disloyal (seed 004: "most dangerous").
    disloyal: bool,
    /// Share of the interaction budget.
    weight: f64,
}

/// Draws the plan of account `index`; returns the stream positioned after
/// it so that generation continues from the same draws.
fn plan(p: &DemoParams, index: usize) -> (Plan, Rng) {
    let mut r = Rng::for_account(p.seed, index as u64, 0);
    // Size quantiles follow a Weyl sequence (golden-ratio steps) rather than
    // independent draws: any number of accounts covers the distribution
    // evenly, so even 50 accounts have the Pareto head and tail.
    let offset = Rng(p.seed ^ 0x5EED).unit();
    let q = (offset + index as f64 * 0.618_033_988_749_894_9).fract();
    let jitter = 0.85 + 0.3 * r.unit();
    let revenue = (MIN_REVENUE * (1.0 - q).powf(-1.0 / PARETO_ALPHA) * jitter).min(MAX_REVENUE);
    let big = q > 0.95;
    let u = r.unit();
    let trend = if big {
        match u {
            u if u < 0.70 => Trend::Stable,
            u if u < 0.85 => Trend::Growing,
            _ => Trend::Declining,
        }
    } else {
        match u {
            u if u < 0.06 => Trend::Prospect,
            u if u < 0.11 => Trend::Onboarding,
            u if u < 0.63 => Trend::Stable,
            u if u < 0.76 => Trend::Growing,
            u if u < 0.87 => Trend::Declining,
            u if u < 0.95 => Trend::Dormant,
            _ => Trend::Churned,
        }
    };
    let age_days = match trend {
        Trend::Prospect => r.range(10, 270),
        Trend::Onboarding => r.range(5, 85),
        // Lapsed accounts ordered for a while before they stopped.
        Trend::Dormant | Trend::Churned => r.range(800, 2920),
        // Bigger accounts tend to be older relationships.
        _ => {
            let min = if big { 700 } else { 100 };
            r.range(min, 2920)
        }
    };
    let since = add_days(p.today, -age_days);
    let disloyal = q > 0.8 && matches!(trend, Trend::Stable | Trend::Declining) && r.chance(0.2);
    let status_factor = match trend {
        Trend::Prospect => 0.35,
        Trend::Onboarding => 0.6,
        Trend::Dormant => 0.5,
        Trend::Churned => 0.4,
        Trend::Growing => 1.1,
        Trend::Stable | Trend::Declining => 1.0,
    };
    let weight = (revenue / MIN_REVENUE).powf(0.55) * status_factor;
    (
        Plan {
            q,
            revenue,
            trend,
            since,
            disloyal,
            weight,
        },
        r,
    )
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

// ---------------------------------------------------------------------------
// One account

/// Language and naming material of one company.
struct Company {
    zh: bool,
    name: String,
    key_prefix: String,
    domain: String,
    phone_code: &'static str,
    place: &'static str,
    region: &'static str,
    industry: &'static Industry,
}

fn company(r: &mut Rng) -> Company {
    let industry = r.pick(names::INDUSTRIES);
    if r.chance(0.5) {
        let (place, place_py, region) = *r.pick(names::CN_PLACES);
        let (stem, stem_py) = *r.pick(names::CN_STEMS);
        let suffix = *r.pick(names::CN_SUFFIXES);
        let (word, word_py) = industry.cn_word;
        // Some names carry no brand word, like 华东精密机械有限公司.
        let with_stem = r.chance(0.7);
        let name = if with_stem {
            format!("{place}{stem}{word}{suffix}")
        } else {
            format!("{place}{word}{suffix}")
        };
        let initials: String = [place_py, if with_stem { stem_py } else { word_py }, word_py]
            .iter()
            .filter_map(|s| s.chars().next())
            .collect();
        Company {
            zh: true,
            name,
            key_prefix: initials.to_ascii_uppercase(),
            domain: format!("{stem_py}{place_py}.com.cn"),
            phone_code: "+86",
            place,
            region,
            industry,
        }
    } else {
        let stem = *r.pick(names::EN_STEMS);
        let (suffix, code) = *r.pick(names::EN_SUFFIXES);
        let word = industry.en_word;
        let region = if r.chance(0.85) {
            "overseas"
        } else {
            *r.pick(&["east", "south", "north"])
        };
        let first_word = word.split(' ').next().unwrap_or(word);
        let prefix: String = stem
            .chars()
            .take(2)
            .chain(first_word.chars().take(1))
            .collect();
        Company {
            zh: false,
            name: format!("{stem} {word} {suffix}"),
            key_prefix: prefix.to_ascii_uppercase(),
            domain: format!("{}-{}.com", ascii_fold(stem), ascii_fold(first_word)),
            phone_code: code,
            place: stem,
            region,
            industry,
        }
    }
}

/// Lowercase ASCII for e-mail addresses and domains.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            'ñ' => Some('n'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Values for the `{x}` placeholders of the sentence lists.
#[derive(Default)]
struct Slots<'a> {
    product: &'a str,
    competitor: &'a str,
    place: &'a str,
    number: u64,
    quarter: u32,
    year: i32,
    staff: u32,
}

/// What an account's sentences are made of: its language, products,
/// main competitor and place.
struct Voice {
    zh: bool,
    products: &'static [(&'static str, &'static str)],
    competitor: &'static str,
    place: &'static str,
    since_year: i32,
    q: f64,
}

impl Voice {
    fn slots(&self, r: &mut Rng, number: u64) -> Slots<'static> {
        let (pe, pc) = *r.pick(self.products);
        Slots {
            product: if self.zh { pc } else { pe },
            competitor: self.competitor,
            place: self.place,
            number,
            quarter: 1 + r.below(4) as u32,
            year: self.since_year - r.range(3, 25) as i32,
            staff: (50 + (self.q * self.q * 4000.0) as u32) / 10 * 10,
        }
    }

    fn say(&self, r: &mut Rng, list: &[(&str, &str)]) -> String {
        let number = 1000 + r.below(9000);
        let s = self.slots(r, number);
        say(r, self.zh, list, &s)
    }
}

/// Fills `{p} {c} {t} {n} {q} {y} {s}` in one pass.
fn fill(tpl: &str, s: &Slots) -> String {
    let mut out = String::with_capacity(tpl.len() + 16);
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let (value, used) = match tail.get(..3) {
            Some("{p}") => (s.product.to_string(), 3),
            Some("{c}") => (s.competitor.to_string(), 3),
            Some("{t}") => (s.place.to_string(), 3),
            Some("{n}") => (s.number.to_string(), 3),
            Some("{q}") => (s.quarter.to_string(), 3),
            Some("{y}") => (s.year.to_string(), 3),
            Some("{s}") => (s.staff.to_string(), 3),
            _ => ("{".to_string(), 1),
        };
        out.push_str(&value);
        rest = &tail[used..];
    }
    out.push_str(rest);
    out
}

/// Picks an (English, Chinese) sentence in the account's language.
fn say(r: &mut Rng, zh: bool, list: &[(&str, &str)], s: &Slots) -> String {
    let (en, cn) = *r.pick(list);
    fill(if zh { cn } else { en }, s)
}

fn say_section(r: &mut Rng, zh: bool, list: (&[&str], &[&str]), s: &Slots) -> String {
    let tpl = *r.pick(if zh { list.1 } else { list.0 });
    fill(tpl, s)
}

fn clamp_rating(x: i64) -> u8 {
    x.clamp(0, 5) as u8
}

fn build_account(
    p: &DemoParams,
    managers: &[String],
    index: usize,
    plan: &Plan,
    mut r: Rng,
    budget: usize,
) -> DemoAccount {
    let today = p.today;
    let co = company(&mut r);
    // Text is written in the customer's language, mostly.
    let zh = if co.zh { r.chance(0.85) } else { false };
    let owner_ix = r.below(managers.len() as u64) as usize;
    let owner = managers[owner_ix].clone();
    let backup_owner = if r.chance(0.8) && managers.len() > 1 {
        let off = 1 + r.below(managers.len() as u64 - 1) as usize;
        managers[(owner_ix + off) % managers.len()].clone()
    } else {
        String::new()
    };

    let discipline = if plan.disloyal {
        if r.chance(0.5) {
            Discipline::Slow
        } else {
            Discipline::Bad
        }
    } else {
        match r.unit() {
            u if u < 0.75 => Discipline::Good,
            u if u < 0.93 => Discipline::Slow,
            _ => Discipline::Bad,
        }
    };
    let orientation = if plan.disloyal {
        Some(Orientation::Price)
    } else if plan.trend == Trend::Prospect && r.chance(0.5) {
        None
    } else {
        Some(match r.unit() {
            u if u < 0.25 => Orientation::Strategic,
            u if u < 0.65 => Orientation::Price,
            _ => Orientation::Solution,
        })
    };
    let status = match plan.trend {
        Trend::Prospect => AccountStatus::Prospect,
        Trend::Dormant => AccountStatus::Dormant,
        Trend::Churned => AccountStatus::Churned,
        _ => AccountStatus::Active,
    };

    let ratings = ratings(&mut r, plan, discipline, orientation, today);
    let competitor = *r.pick(names::COMPETITORS);
    let voice = Voice {
        zh,
        products: co.industry.products,
        competitor,
        place: co.place,
        since_year: plan.since.year(),
        q: plan.q,
    };
    let profile = {
        let s = voice.slots(&mut r, 0);
        profile(&mut r, zh, plan.q, &s)
    };
    let tags = tags(&mut r, plan, orientation);

    let account = Account {
        id: AccountId(0),
        version: 0,
        key: format!("{}-{:04}", co.key_prefix, index + 1),
        name: co.name.clone(),
        owner: owner.clone(),
        backup_owner: backup_owner.clone(),
        industry: co.industry.label.to_string(),
        region: co.region.to_string(),
        status,
        since: Some(plan.since),
        orientation,
        ratings,
        profile,
        tags,
        pin: None,
    };
    let contacts = contacts(&mut r, &co, plan, today);
    let mut tl = TimelineGen {
        r: &mut r,
        today,
        voice: &voice,
        owner: &owner,
        plan,
        discipline,
        orientation,
    };
    let interactions = tl.timeline(budget);
    let followups = followups(&mut r, zh, plan, &owner, &backup_owner, today);
    DemoAccount {
        account,
        contacts,
        interactions,
        followups,
    }
}

/// Manual 0–5 ratings, correlated with what the account manager sees:
/// growth drives potential, tenure and payment discipline drive loyalty,
/// size and orientation drive strategic fit and technical cooperation.
fn ratings(
    r: &mut Rng,
    plan: &Plan,
    discipline: Discipline,
    orientation: Option<Orientation>,
    today: NaiveDate,
) -> Ratings {
    // Many small accounts have never been rated.
    if plan.q < 0.5 && r.chance(0.4) {
        return Ratings::default();
    }
    let noise = |r: &mut Rng| r.range(-1, 1);
    let potential = match plan.trend {
        Trend::Growing => 4,
        Trend::Prospect | Trend::Onboarding => 3,
        Trend::Stable => 2 + i64::from(plan.q > 0.7),
        Trend::Declining => 2,
        Trend::Dormant => 1,
        Trend::Churned => 0,
    } + noise(r);
    let years = days_between(plan.since, today) / 365;
    let loyalty = if plan.disloyal {
        1
    } else {
        let base = match plan.trend {
            Trend::Churned => 0,
            Trend::Dormant => 1,
            Trend::Prospect | Trend::Onboarding => 2,
            _ => 2 + years.min(6) / 3,
        };
        base + match discipline {
            Discipline::Good => 1,
            Discipline::Slow => 0,
            Discipline::Bad => -1,
        } + noise(r)
    };
    let strategic_fit = 1
        + (plan.q * 3.0) as i64
        + i64::from(orientation == Some(Orientation::Strategic))
        + noise(r);
    let tech = 1 + 2 * i64::from(orientation == Some(Orientation::Solution)) + noise(r);
    Ratings {
        potential: Some(clamp_rating(potential)),
        loyalty: Some(clamp_rating(loyalty)),
        strategic_fit: Some(clamp_rating(strategic_fit)),
        tech_cooperation: Some(clamp_rating(tech)),
    }
}

/// Profile sections: full for the larger accounts, a line or two for the
/// middle, mostly empty for the tail (as in real books).
fn profile(r: &mut Rng, zh: bool, q: f64, s: &Slots) -> Profile {
    let mut pr = Profile::default();
    if q >= 0.7 {
        pr.background = say_section(r, zh, names::BACKGROUND, s);
        pr.organisation = say_section(r, zh, names::ORGANISATION, s);
        pr.competitors = say_section(r, zh, names::COMPETITOR_NOTES, s);
        pr.plans = say_section(r, zh, names::PLANS, s);
        pr.needs = say_section(r, zh, names::NEEDS, s);
        if r.chance(0.5) {
            pr.finance = say_section(r, zh, names::FINANCE, s);
        }
        if r.chance(0.4) {
            pr.suppliers = say_section(r, zh, names::SUPPLIERS, s);
        }
        if r.chance(0.5) {
            pr.downstream = say_section(r, zh, names::DOWNSTREAM, s);
        }
    } else if q >= 0.4 {
        pr.background = say_section(r, zh, names::BACKGROUND, s);
        if r.chance(0.5) {
            pr.needs = say_section(r, zh, names::NEEDS, s);
        }
    } else if r.chance(0.2) {
        pr.background = say_section(r, zh, names::BACKGROUND, s);
    }
    pr
}

fn tags(r: &mut Rng, plan: &Plan, orientation: Option<Orientation>) -> Vec<String> {
    let n = r.below(if plan.q > 0.7 { 4 } else { 3 });
    let mut out: Vec<String> = Vec::new();
    if orientation == Some(Orientation::Price) && r.chance(0.3) {
        out.push("price-sensitive".to_string());
    }
    for _ in 0..n {
        let t = *r.pick(names::TAGS);
        if !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// 1–5 contacts along the decision chain: a primary (usually purchasing or
/// the business side), often a backup, more levels for bigger accounts, and
/// some who have left — a few recently, some of them the primary.
fn contacts(r: &mut Rng, co: &Company, plan: &Plan, today: NaiveDate) -> Vec<Contact> {
    let n = if plan.trend == Trend::Prospect {
        1 + r.below(2) as usize
    } else {
        (1 + (plan.q * 3.2) as usize + r.below(2) as usize).min(5)
    };
    let first = match r.unit() {
        u if u < 0.5 => ContactRole::Procurement,
        u if u < 0.8 => ContactRole::Business,
        _ => ContactRole::Executive,
    };
    let mut roles = vec![first];
    for role in [
        ContactRole::Executive,
        ContactRole::Technical,
        ContactRole::Finance,
        ContactRole::Business,
        ContactRole::Procurement,
        ContactRole::User,
    ] {
        if roles.len() >= n {
            break;
        }
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    let history_start = add_days(today, -HISTORY_DAYS).max(plan.since);
    let recent_leave = |r: &mut Rng| add_days(today, -r.range(3, 88));
    let mut out: Vec<Contact> = Vec::with_capacity(n);
    for (i, role) in roles.into_iter().enumerate() {
        let role_ix = ContactRole::ALL
            .iter()
            .position(|x| *x == role)
            .unwrap_or(0);
        let (title_en, title_cn) = *r.pick(names::TITLES[role_ix.min(names::TITLES.len() - 1)]);
        let (name, email_local, title) = if co.zh {
            let (fam, fam_py) = *r.pick(names::CN_FAMILY);
            let (giv, giv_py) = *r.pick(names::CN_GIVEN);
            (
                format!("{fam}{giv}"),
                format!("{giv_py}.{fam_py}"),
                title_cn,
            )
        } else {
            let first = *r.pick(names::EN_FIRST);
            let last = *r.pick(names::EN_LAST);
            (
                format!("{first} {last}"),
                format!("{}.{}", ascii_fold(first), ascii_fold(last)),
                title_en,
            )
        };
        let phone = if co.zh {
            format!(
                "+86 1{}{} {:04} {:04}",
                r.range(3, 9),
                r.below(10),
                r.below(10_000),
                r.below(10_000)
            )
        } else {
            format!(
                "{} {:03} {:07}",
                co.phone_code,
                r.range(100, 999),
                r.below(10_000_000)
            )
        };
        let primary = i == 0;
        let backup = i == 1 && r.chance(0.7);
        let left_at = if primary {
            // The single point of failure: the primary just left.
            r.chance(0.04).then(|| recent_leave(r))
        } else if i == n - 1 && n >= 3 && r.chance(0.35) {
            Some(if r.chance(0.35) {
                recent_leave(r)
            } else {
                let span = days_between(history_start, today).max(100);
                add_days(today, -r.range(90, span))
            })
        } else {
            None
        };
        out.push(Contact {
            id: ContactId(0),
            version: 0,
            account: AccountId(0),
            name,
            title: title.to_string(),
            role,
            email: format!("{email_local}@{}", co.domain),
            phone,
            primary,
            backup,
            left_at,
        });
    }
    out
}

fn followups(
    r: &mut Rng,
    zh: bool,
    plan: &Plan,
    owner: &str,
    backup_owner: &str,
    today: NaiveDate,
) -> Vec<FollowUp> {
    if plan.trend == Trend::Churned || !r.chance(0.1 + 0.2 * plan.q) {
        return Vec::new();
    }
    let n = 1 + usize::from(r.chance(0.25));
    (0..n)
        .map(|_| {
            let due = add_days(today, r.range(-10, 14));
            let assignee = if backup_owner.is_empty() || r.chance(0.8) {
                owner
            } else {
                backup_owner
            };
            let done_at =
                (due < today && r.chance(0.35)).then(|| add_days(due, r.range(0, 2)).min(today));
            let (en, cn) = *r.pick(names::FOLLOWUPS);
            FollowUp {
                id: FollowUpId(0),
                version: 0,
                account: AccountId(0),
                due,
                assignee: assignee.to_string(),
                note: (if zh { cn } else { en }).to_string(),
                done_at,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The timeline

/// Share of the interaction budget spent on orders.
const ORDER_SHARE: f64 = 0.36;

struct TimelineGen<'a> {
    r: &'a mut Rng,
    today: NaiveDate,
    voice: &'a Voice,
    owner: &'a str,
    plan: &'a Plan,
    discipline: Discipline,
    orientation: Option<Orientation>,
}

impl TimelineGen<'_> {
    fn entry(&mut self, kind: InteractionKind, day: NaiveDate) -> Interaction {
        let mut it = Interaction::new(AccountId(0), kind, day);
        let minutes = self.r.range(8 * 60, 18 * 60);
        it.at = day
            .and_time(
                NaiveTime::from_hms_opt((minutes / 60) as u32, (minutes % 60) as u32, 0)
                    .unwrap_or(NaiveTime::MIN),
            )
            .and_utc();
        it.author = self.owner.to_string();
        it
    }

    /// A day in [from, to], uniform.
    fn day_in(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        add_days(from, self.r.range(0, days_between(from, to).max(0)))
    }

    /// Exactly `budget` interactions, oldest first.
    fn timeline(&mut self, budget: usize) -> Vec<Interaction> {
        let today = self.today;
        let start = add_days(today, -HISTORY_DAYS).max(self.plan.since);
        // Lapsed accounts stopped ordering more than a year ago.
        let order_end = match self.plan.trend {
            Trend::Dormant | Trend::Churned => {
                add_days(today, -365 - self.r.range(10, 200)).max(start)
            }
            _ => today,
        };
        let touch_end = match self.plan.trend {
            Trend::Churned => add_days(order_end, self.r.range(20, 90)).min(today),
            _ => today,
        };
        let mut rem = budget;
        let mut out: Vec<Interaction> = Vec::with_capacity(budget);

        let n_orders = if self.plan.trend == Trend::Prospect {
            0
        } else {
            self.r.round(budget as f64 * ORDER_SHARE).min(rem)
        };
        rem -= n_orders;
        let paid = self.orders(n_orders, start, order_end, &mut out);

        let complaint_rate = if self.plan.disloyal || self.discipline == Discipline::Bad {
            0.07
        } else {
            0.03
        };
        let mut n_complaints = self.r.round(rem as f64 * complaint_rate);
        // A few accounts have a fresh complaint, so SLAs show on the agenda.
        let fresh = self.plan.trend != Trend::Prospect && self.r.chance(0.04);
        n_complaints += usize::from(fresh);
        let n_complaints = n_complaints.min(rem / 2);
        let used = self.complaints(n_complaints, fresh, start, touch_end, &mut out);
        rem -= used;

        for (day, amount, po) in paid {
            if rem == 0 {
                break;
            }
            if self.r.chance(0.35) {
                let mut it = self.entry(InteractionKind::Payment, day);
                it.amount = Some(amount);
                it.summary = if self.voice.zh {
                    format!("收到PO-{po}货款")
                } else {
                    format!("Payment received for PO-{po}")
                };
                out.push(it);
                rem -= 1;
            }
        }

        for _ in 0..rem {
            let it = self.touch(start, touch_end);
            out.push(it);
        }
        out.sort_by_key(|i| i.at);
        out
    }

    /// Orders with amounts following the account's revenue and trajectory,
    /// due 30–60 days after, paid per the account's payment discipline.
    /// Returns the paid ones (paid day, amount, PO number) for payments.
    fn orders(
        &mut self,
        n: usize,
        start: NaiveDate,
        end: NaiveDate,
        out: &mut Vec<Interaction>,
    ) -> Vec<(NaiveDate, Money, u64)> {
        let mut paid = Vec::new();
        if n == 0 {
            return paid;
        }
        let today = self.today;
        let span = days_between(start, end).max(1);
        // Revenue over the order span, spread over the orders.
        let per_order = self.plan.revenue * span as f64 / 365.0 / n as f64;
        let margin_bp: (i64, i64) = match self.orientation {
            Some(Orientation::Price) => (500, 1500),
            Some(Orientation::Solution) => (2000, 4000),
            _ => (1200, 3000),
        };
        let mut days: Vec<NaiveDate> = (0..n)
            .map(|_| {
                let offset = match self.plan.trend {
                    // Density rising towards today: about 1.7× the orders
                    // of the year before.
                    Trend::Growing => (span as f64 * self.r.unit().powf(0.7)) as i64,
                    Trend::Declining => {
                        let mut d = self.r.range(0, span);
                        if d > span - 180 && self.r.chance(0.75) {
                            d = self.r.range(0, (span - 180).max(0));
                        }
                        d
                    }
                    _ => self.r.range(0, span),
                };
                add_days(start, offset.min(span))
            })
            .collect();
        // Active accounts ordered within the last year (lapsing is what
        // Dormant and Churned are for); declining ones not in the last 6 months.
        let year_ago = add_days(today, -364);
        let last_ok = |d: &NaiveDate| *d >= year_ago;
        if matches!(
            self.plan.trend,
            Trend::Stable | Trend::Growing | Trend::Declining
        ) && !days.iter().any(last_ok)
            && let Some(d) = days.last_mut()
        {
            let recent_end = if self.plan.trend == Trend::Declining {
                180
            } else {
                0
            };
            *d = add_days(today, -self.r.range(recent_end, 364)).max(start);
        }
        // PO numbers rise with the date, as in a real ERP.
        days.sort_unstable();
        let mut po = 4_500_000 + self.r.below(400_000);
        for day in days {
            let factor = 0.55 + 0.9 * self.r.unit();
            let cents = (per_order * factor * 100.0).round().max(100.0) as i64;
            let amount = Money::from_cents(cents);
            let bp = self.r.range(margin_bp.0, margin_bp.1).clamp(500, 4000);
            let margin = Money::from_cents(cents * bp / 10_000);
            let terms = *self.r.pick(&[30i64, 45, 60]);
            let due = add_days(day, terms);
            let recent = days_between(day, today) < 365;
            let (on_time, late) = match self.discipline {
                Discipline::Good => (0.92, 0.06),
                Discipline::Slow => (0.55, 0.40),
                Discipline::Bad => (0.35, 0.40),
            };
            let u = self.r.unit();
            let paid_on = if u < on_time {
                Some(add_days(day, self.r.range(10, terms)))
            } else if u < on_time + late || !recent {
                // Old invoices end up paid, if late.
                let max_late = if self.discipline == Discipline::Bad {
                    120
                } else {
                    60
                };
                Some(add_days(due, self.r.range(1, max_late)))
            } else {
                None
            };
            // Nothing paid in the future: a later date means still open.
            let paid_at = paid_on.filter(|d| *d <= today);
            po += 1 + self.r.below(40);
            let s = self.voice.slots(self.r, po);
            let qty = 1 + self.r.below(if self.plan.q > 0.8 { 200 } else { 40 });
            let mut it = self.entry(InteractionKind::Order, day);
            it.amount = Some(amount);
            it.margin = Some(margin);
            it.due = Some(due);
            it.paid_at = paid_at;
            it.summary = if self.voice.zh {
                format!("订单PO-{po}：{}，{qty}件", s.product)
            } else {
                format!("PO-{po}: {qty} × {}", s.product)
            };
            if let Some(d) = paid_at {
                paid.push((d, amount, po));
            }
            out.push(it);
        }
        paid
    }

    /// Complaints, each resolved by a later `resolution` entry unless it is
    /// recent. Once one is left open every later one is too, so matching
    /// resolutions to complaints oldest-first is always right. Returns the
    /// number of entries written (at most `2 * n`).
    fn complaints(
        &mut self,
        n: usize,
        fresh: bool,
        start: NaiveDate,
        end: NaiveDate,
        out: &mut Vec<Interaction>,
    ) -> usize {
        if n == 0 {
            return 0;
        }
        let today = self.today;
        let mut days: Vec<NaiveDate> = (0..n).map(|_| self.day_in(start, end)).collect();
        if fresh && end == today {
            days[n - 1] = add_days(today, -self.r.range(0, 6)).max(start);
        }
        days.sort();
        let mut used = 0;
        let mut open = false;
        let mut last_resolution = start;
        for day in days {
            let mut c = self.entry(InteractionKind::Complaint, day);
            c.summary = self.voice.say(self.r, names::COMPLAINTS);
            let complaint_at = c.at;
            let subject = c.summary.clone();
            out.push(c);
            used += 1;
            if !open && days_between(day, today) <= 21 && self.r.chance(0.6) {
                open = true;
            }
            if open {
                continue;
            }
            // Most within the 48 h SLA, some well after.
            let delay = if self.r.chance(0.7) {
                self.r.range(0, 2)
            } else {
                self.r.range(3, 10)
            };
            let res_day = add_days(day, delay).max(last_resolution);
            if res_day > today {
                open = true;
                continue;
            }
            last_resolution = res_day;
            let mut res = self.entry(InteractionKind::Resolution, res_day);
            if res.at <= complaint_at {
                res.at = complaint_at + TimeDelta::hours(self.r.range(1, 5));
            }
            let what = self.voice.say(self.r, names::RESOLUTIONS);
            res.summary = if self.voice.zh {
                format!("{what}（{subject}）")
            } else {
                format!("{what} (re: {subject})")
            };
            out.push(res);
            used += 1;
        }
        used
    }

    /// A direct touch, survey or note, somewhere in [start, end].
    fn touch(&mut self, start: NaiveDate, end: NaiveDate) -> Interaction {
        use InteractionKind::*;
        let weights: &[(InteractionKind, u32)] = match self.plan.trend {
            Trend::Prospect => &[
                (Visit, 15),
                (Call, 35),
                (Email, 35),
                (Meeting, 5),
                (Note, 10),
            ],
            // Onboarding: weekly contact, more visits and meetings.
            Trend::Onboarding => &[
                (Visit, 25),
                (Call, 25),
                (Email, 25),
                (Meeting, 15),
                (Survey, 2),
                (Note, 8),
            ],
            _ => &[
                (Visit, 16),
                (Call, 30),
                (Email, 28),
                (Meeting, 10),
                (Survey, 6),
                (Note, 10),
            ],
        };
        let total: u32 = weights.iter().map(|w| w.1).sum();
        let mut roll = self.r.below(u64::from(total)) as u32;
        let mut kind = Note;
        for (k, w) in weights {
            if roll < *w {
                kind = *k;
                break;
            }
            roll -= w;
        }
        let day = self.day_in(start, end);
        let mut it = self.entry(kind, day);
        let list = match kind {
            Visit => names::VISITS,
            Call => names::CALLS,
            Email => names::EMAILS,
            Meeting => names::MEETINGS,
            Survey => names::SURVEYS,
            _ => names::NOTES,
        };
        it.summary = self.voice.say(self.r, list);
        if kind == Survey {
            let base = if self.plan.disloyal {
                2.0
            } else {
                match self.discipline {
                    Discipline::Good => 4.0,
                    Discipline::Slow => 3.3,
                    Discipline::Bad => 2.5,
                }
            };
            let s = (base + self.r.unit() * 2.0 - 1.0).round() as i64;
            it.satisfaction = Some(s.clamp(1, 5) as u8);
        }
        if kind.is_touch() && days_between(day, self.today) <= 21 && self.r.chance(0.35) {
            it.follow_up = Some(add_days(day, self.r.range(3, 21)));
        }
        it
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{sanitize_account, sanitize_contact, sanitize_interaction};
    use std::collections::HashSet;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 16).unwrap()
    }

    fn params() -> DemoParams {
        DemoParams::new(today(), "alice")
    }

    fn book(p: &DemoParams) -> Vec<DemoAccount> {
        generate(p).collect()
    }

    fn is_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
    }

    /// Order revenue with `at` in (to - 365 days, to], in cents.
    fn revenue_12m(d: &DemoAccount, to: NaiveDate) -> i64 {
        let from = add_days(to, -365);
        d.interactions
            .iter()
            .filter(|i| i.kind == InteractionKind::Order && i.day() > from && i.day() <= to)
            .filter_map(|i| i.amount)
            .map(Money::cents)
            .sum()
    }

    #[test]
    fn same_params_same_book_other_seed_other_book() {
        let p = params();
        let a = book(&p);
        assert_eq!(a, book(&p));
        let b = book(&DemoParams {
            seed: 7,
            ..p.clone()
        });
        assert_eq!(a.len(), b.len());
        let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        assert!(differing > a.len() / 2, "only {differing} accounts differ");
    }

    #[test]
    fn prng_is_splitmix64() {
        // Reference outputs of splitmix64 seeded with 0 (as in the published
        // algorithm), so the stream never changes silently.
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn counts_hit_targets() {
        for (accounts, interactions) in [(300, 3600), (1_000, 8_000), (57, 2_000), (40, 0)] {
            let p = DemoParams {
                accounts,
                interactions,
                ..params()
            };
            let b = book(&p);
            assert_eq!(b.len(), accounts);
            let n: usize = b.iter().map(|d| d.interactions.len()).sum();
            let tolerance = interactions / 20;
            assert!(
                n.abs_diff(interactions) <= tolerance,
                "{n} interactions for a target of {interactions}"
            );
            assert!(b.iter().all(|d| (1..=5).contains(&d.contacts.len())));
        }
    }

    #[test]
    fn revenue_is_pareto_skewed() {
        for p in [
            params(),
            DemoParams {
                accounts: 2_000,
                interactions: 20_000,
                seed: 3,
                ..params()
            },
        ] {
            let b = book(&p);
            let mut rev: Vec<i64> = b.iter().map(|d| revenue_12m(d, today())).collect();
            rev.sort_unstable_by(|x, y| y.cmp(x));
            let total: i64 = rev.iter().sum();
            let top: i64 = rev[..rev.len() / 5].iter().sum();
            let share = top as f64 / total as f64;
            assert!(share >= 0.6, "top 20% hold only {share:.2}");
            // A few strategic accounts (≥ 5M a year, seed 002) head the book.
            let strategic = rev.iter().filter(|r| **r >= 500_000_000).count();
            assert!(strategic >= 1, "no account above 5M");
            assert!(strategic <= rev.len() / 20, "{strategic} accounts above 5M");
        }
    }

    #[test]
    fn trajectories_grow_decline_and_lapse() {
        let b = book(&params());
        let t = today();
        let last = |d: &DemoAccount| revenue_12m(d, t);
        let prev = |d: &DemoAccount| revenue_12m(d, add_days(t, -365));
        let orders_in = |d: &DemoAccount, from: i64, to: i64| {
            d.interactions
                .iter()
                .filter(|i| i.kind == InteractionKind::Order)
                .filter(|i| (from..to).contains(&days_between(i.day(), t)))
                .count()
        };
        let growing = b
            .iter()
            .filter(|d| prev(d) > 0 && last(d) as f64 > 1.3 * prev(d) as f64)
            .count();
        let inactive = b.iter().filter(|d| prev(d) > 0 && last(d) == 0).count();
        // Frequency falling: fewer orders in the last 6 months than in the 6 before.
        let declining = b
            .iter()
            .filter(|d| {
                orders_in(d, 180, 360) >= 3 && orders_in(d, 0, 180) * 2 <= orders_in(d, 180, 360)
            })
            .count();
        assert!(growing >= 10, "{growing} growing");
        assert!(inactive >= 10, "{inactive} inactive");
        assert!(declining >= 5, "{declining} declining");
        let status = |s| b.iter().filter(|d| d.account.status == s).count();
        assert!(status(AccountStatus::Active) > b.len() * 7 / 10);
        for s in [
            AccountStatus::Prospect,
            AccountStatus::Dormant,
            AccountStatus::Churned,
        ] {
            assert!(status(s) > 0, "no {s} accounts");
        }
        // Prospects never ordered; some accounts are still onboarding.
        assert!(
            b.iter()
                .filter(|d| d.account.status == AccountStatus::Prospect)
                .all(|d| d
                    .interactions
                    .iter()
                    .all(|i| i.kind != InteractionKind::Order))
        );
        let onboarding = b
            .iter()
            .filter(|d| d.account.status == AccountStatus::Active)
            .filter(|d| d.account.since.is_some_and(|s| days_between(s, t) < 90))
            .count();
        assert!(onboarding > 0);
        let oldest = b.iter().filter_map(|d| d.account.since).min().unwrap();
        assert!(days_between(oldest, t) > 6 * 365);
    }

    #[test]
    fn receivables_and_complaints_need_attention() {
        let b = book(&params());
        let t = today();
        let all = || b.iter().flat_map(|d| d.interactions.iter());
        let overdue = all()
            .filter(|i| i.kind == InteractionKind::Order)
            .filter(|i| i.paid_at.is_none() && i.due.is_some_and(|d| d < t))
            .count();
        let late = all()
            .filter(|i| matches!((i.due, i.paid_at), (Some(d), Some(p)) if p > d))
            .count();
        let orders = all().filter(|i| i.kind == InteractionKind::Order).count();
        assert!(overdue > 0 && late > 0, "{overdue} overdue, {late} late");
        assert!(late < orders / 3, "most orders are paid on time");
        for i in all().filter(|i| i.kind == InteractionKind::Order) {
            let (amount, margin) = (i.amount.unwrap().cents(), i.margin.unwrap().cents());
            assert!(amount > 0 && margin * 100 >= amount * 5 - 100 && margin * 100 <= amount * 40);
            let terms = days_between(i.day(), i.due.unwrap());
            assert!((30..=60).contains(&terms));
        }
        // Open complaints: more complaints than resolutions on the account.
        let mut open = 0;
        let mut open_past_sla = 0;
        for d in &b {
            let mut queue = std::collections::VecDeque::new();
            for i in &d.interactions {
                match i.kind {
                    InteractionKind::Complaint => queue.push_back(i.day()),
                    InteractionKind::Resolution => {
                        assert!(queue.pop_front().is_some(), "resolution without complaint");
                    }
                    _ => {}
                }
            }
            open += queue.len();
            open_past_sla += queue.iter().filter(|d| days_between(**d, t) > 2).count();
        }
        let resolved = all()
            .filter(|i| i.kind == InteractionKind::Resolution)
            .count();
        assert!(
            open > 0 && open_past_sla > 0,
            "{open} open, {open_past_sla} past SLA"
        );
        assert!(resolved > open, "{resolved} resolved vs {open} open");
        let surveys: Vec<u8> = all().filter_map(|i| i.satisfaction).collect();
        assert!(surveys.len() > 10);
        assert!(surveys.iter().all(|s| (1..=5).contains(s)));
        assert!(surveys.iter().any(|s| *s <= 2) && surveys.contains(&5));
    }

    #[test]
    fn people_names_and_owners_look_real() {
        let p = params();
        let b = book(&p);
        let t = today();
        let keys: HashSet<&str> = b.iter().map(|d| d.account.key.as_str()).collect();
        assert_eq!(keys.len(), b.len(), "keys are unique");
        assert!(b.iter().any(|d| is_cjk(&d.account.name)));
        assert!(b.iter().any(|d| !is_cjk(&d.account.name)));
        assert!(b.iter().any(|d| d.account.name.ends_with("有限公司")));
        let owners: HashSet<&str> = b.iter().map(|d| d.account.owner.as_str()).collect();
        assert!((5..=6).contains(&owners.len()), "{owners:?}");
        let mine = b.iter().filter(|d| d.account.owner == "alice").count();
        assert!(mine >= b.len() / 10, "alice owns {mine}");
        assert!(
            b.iter()
                .flat_map(|d| &d.followups)
                .any(|f| f.assignee == "alice" && f.done_at.is_none())
        );
        assert!(b.iter().any(|d| d.account.backup_owner.is_empty()));
        assert!(b.iter().all(|d| d.account.backup_owner != d.account.owner));
        // Decision chains: one primary each, backups, leavers (some recent).
        let contacts = || b.iter().flat_map(|d| d.contacts.iter());
        assert!(
            b.iter()
                .all(|d| d.contacts.iter().filter(|c| c.primary).count() == 1)
        );
        assert!(contacts().any(|c| c.backup));
        let left: Vec<NaiveDate> = contacts().filter_map(|c| c.left_at).collect();
        assert!(left.iter().any(|d| days_between(*d, t) <= 90));
        assert!(left.iter().any(|d| days_between(*d, t) > 90));
        let roles: HashSet<ContactRole> = contacts().map(|c| c.role).collect();
        assert!(roles.len() >= 5);
        assert!(contacts().all(|c| c.email.is_ascii() && c.email.contains('@')));
        // Larger accounts carry a profile, some in Chinese.
        let profiled = b
            .iter()
            .filter(|d| !d.account.profile.organisation.is_empty());
        assert!(profiled.clone().count() > b.len() / 5);
        assert!(profiled.clone().any(|d| is_cjk(&d.account.profile.needs)));
        assert!(b.iter().any(|d| !d.account.tags.is_empty()));
        let rated = b
            .iter()
            .filter(|d| d.account.ratings.loyalty.is_some())
            .count();
        assert!(rated > b.len() / 2 && rated < b.len());
    }

    #[test]
    fn nothing_in_the_future_but_follow_ups() {
        let b = book(&params());
        let t = today();
        let mut ahead = 0;
        for d in &b {
            assert!(d.account.since.unwrap() <= t);
            for c in &d.contacts {
                assert!(c.left_at.is_none_or(|l| l <= t));
            }
            for i in &d.interactions {
                assert!(i.day() <= t, "{i:?}");
                assert!(i.paid_at.is_none_or(|p| p <= t && p >= i.day()));
                assert_eq!(i.author, d.account.owner);
                if i.follow_up.is_some_and(|f| f >= t) {
                    ahead += 1;
                }
            }
            assert!(d.interactions.windows(2).all(|w| w[0].at <= w[1].at));
            for f in &d.followups {
                assert!(f.done_at.is_none_or(|x| x <= t));
            }
        }
        assert!(ahead > 0, "no follow-ups due around today");
    }

    #[test]
    fn records_are_already_clean() {
        let b = book(&DemoParams {
            user: "bob\u{202E}\u{7}".into(),
            ..params()
        });
        for d in &b {
            let mut a = d.account.clone();
            sanitize_account(&mut a).unwrap();
            assert_eq!(a, d.account);
            assert_eq!(a.owner == "bob", d.account.owner == "bob");
            for c in &d.contacts {
                let mut x = c.clone();
                sanitize_contact(&mut x).unwrap();
                assert_eq!(&x, c);
            }
            for i in &d.interactions {
                let mut x = i.clone();
                sanitize_interaction(&mut x).unwrap();
                assert_eq!(&x, i);
            }
        }
        assert!(b.iter().any(|d| d.account.owner == "bob"));
    }

    #[test]
    fn template_slots_are_filled() {
        let s = Slots {
            product: "gears",
            competitor: "Apex",
            number: 7,
            ..Slots::default()
        };
        assert_eq!(fill("{p} vs {c} #{n} {x}", &s), "gears vs Apex #7 {x}");
        let b = book(&params());
        for d in &b {
            for i in &d.interactions {
                assert!(
                    !i.summary.is_empty() && !i.summary.contains("{"),
                    "{}",
                    i.summary
                );
            }
        }
    }
}
