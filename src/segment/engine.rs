//! The engine: per-account state, percentile structures and the tier
//! assignment, kept current edit by edit.
//!
//! How an edit stays cheap yet exact:
//! * Percentiles are read from order-statistic sets (`RankSet`), so any
//!   account's exact score can be computed on demand in O(criteria · log n).
//! * When one account's ranked values change, every other account's
//!   percentile moves by at most 100 / (n − 1) per changed criterion. These
//!   bounds accumulate per axis in a global drift counter (`g_v`, `g_p`).
//! * Each account keeps the exact scores of its last evaluation and the
//!   counter at that time; it can only have left its band once the drift
//!   since then reaches its distance to the nearest cut. A queue ordered by
//!   `distance + counter at evaluation` yields exactly those accounts, which
//!   are re-evaluated; nobody else can have changed cell.
//! * The cap (e.g. Key ≤ 20% of active, highest value first) is kept the same
//!   way: members in and out of the cap sit in two sets ordered by their
//!   drift-widened bounds; only members whose bounds overlap the boundary are
//!   re-evaluated (see `resolve_cap`).

use super::metrics::{ContactLite, Ev, Metrics};
use super::model::{Grid, Measure, Model, Norm};
use super::policy;
use super::rank::RankSet;
use super::types::{
    AccountScore, CriterionExplanation, Explanation, Matrix, MatrixCell, Pareto, TierChange,
    TierSummary,
};
use crate::domain::text::plural;
use crate::domain::{
    Account, AccountId, AccountStatus, Contact, ContactId, Interaction, InteractionId, Money,
    Ratings,
};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes internal u64 ids (not user input) with one multiply: the engine
/// holds a million of them and SipHash dominated a full recompute.
#[derive(Default, Clone, Copy)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Relative slack for float rounding in the drift bounds (see `slack`).
const EPS: f64 = 1e-9;

/// Rounding allowance at drift counter `g`. Bounds are stored as sums like
/// `score ± counter`; reading one back (`key ∓ counter`) can be off by a few
/// ulps of `100 + g`, which this exceeds by far. It is added to every
/// non-zero drift step (so a bound is never smaller than the true change,
/// however large the counter grows) and to every cap comparison (so a
/// rounded bound can never hide an exact tie, which the cap breaks by id).
fn slack(g: f64) -> f64 {
    EPS * (1.0 + g.abs())
}

/// An `f64` ordered by `total_cmp`, for keys of ordered sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct F(pub f64);
impl Eq for F {}
impl PartialOrd for F {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for F {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

#[derive(Debug, Clone)]
pub(super) struct CritInfo {
    pub value_axis: bool,
    pub measure: Measure,
    pub norm: Norm,
    pub weight: f64,
    /// weight / axis total weight.
    pub share: f64,
}

#[derive(Debug, Clone, Default)]
pub(super) struct AccState {
    /// An account record has been given (interactions may arrive first).
    pub known: bool,
    pub owner: String,
    pub status: AccountStatus,
    pub since: Option<NaiveDate>,
    pub ratings: Ratings,
    pub pin: Option<String>,
    /// Sorted by `(at, id)`.
    pub events: Vec<Ev>,
    pub contacts: Vec<ContactLite>,
    pub metrics: Metrics,
    /// Raw value per criterion, as stored in the rank sets when `ranked`.
    pub raw: Vec<Option<f64>>,
    /// Known and active: its values take part in percentiles.
    pub ranked: bool,
    // Last exact evaluation.
    pub snap_v: f64,
    pub snap_p: f64,
    pub contrib: Vec<f64>,
    pub g_v: f64,
    pub g_p: f64,
    pub key_v: Option<F>,
    pub key_p: Option<F>,
    /// Row-major cell index in the grid.
    pub cell: usize,
    /// Member of a capped cell: (within the cap, key in its set).
    pub cap: Option<(bool, F)>,
    /// Computed tier, index into `model.tiers`.
    pub tier: usize,
}

/// One evaluation of an account's scores.
pub(super) struct Eval {
    pub v: f64,
    pub p: f64,
    pub normalised: Vec<f64>,
    pub contrib: Vec<f64>,
}

/// State before an edit, for tier change reports.
struct Before {
    tier: Option<String>,
    v: f64,
    p: f64,
    contrib: Vec<f64>,
}

#[derive(Default)]
struct Step {
    before: HashMap<AccountId, Before>,
    order: Vec<AccountId>,
    /// Capped-cell members with exact scores, awaiting cap assignment.
    pool: Vec<AccountId>,
}

/// Incremental segmentation state for all accounts.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) model: Model,
    pub(super) as_of: NaiveDate,
    pub(super) crits: Vec<CritInfo>,
    ranks: Vec<Option<RankSet>>,
    pub(super) accounts: IdMap<AccountId, AccState>,
    inter_acc: IdMap<InteractionId, AccountId>,
    contact_acc: IdMap<ContactId, AccountId>,
    /// Known accounts with an order in the window.
    pub(super) active: usize,
    g_v: f64,
    g_p: f64,
    queue_v: BTreeSet<(F, AccountId)>,
    queue_p: BTreeSet<(F, AccountId)>,
    cap_in: BTreeSet<(F, AccountId)>,
    cap_out: BTreeSet<(F, AccountId)>,
    cell_tier: Vec<usize>,
    cap_cell: Vec<bool>,
    /// (capped tier, overflow tier) indices.
    cap_tiers: Option<(usize, usize)>,
}

fn band_margin(cuts: &[f64], s: f64) -> f64 {
    let b = Grid::band(cuts, s);
    let lo = if b > 0 {
        cuts[b - 1]
    } else {
        f64::NEG_INFINITY
    };
    let hi = cuts.get(b).copied().unwrap_or(f64::INFINITY);
    (s - lo).min(hi - s)
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x + 0.0).total_cmp(&(y + 0.0)).is_eq(),
        _ => false,
    }
}

impl Engine {
    pub fn new(model: Model, as_of: NaiveDate) -> Engine {
        let mut e = Engine {
            model,
            as_of,
            crits: Vec::new(),
            ranks: Vec::new(),
            accounts: IdMap::default(),
            inter_acc: IdMap::default(),
            contact_acc: IdMap::default(),
            active: 0,
            g_v: 0.0,
            g_p: 0.0,
            queue_v: BTreeSet::new(),
            queue_p: BTreeSet::new(),
            cap_in: BTreeSet::new(),
            cap_out: BTreeSet::new(),
            cell_tier: Vec::new(),
            cap_cell: Vec::new(),
            cap_tiers: None,
        };
        e.setup_model();
        e.recompute_all();
        e
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Number of accounts with an order in the trailing 12 months.
    pub fn active_accounts(&self) -> usize {
        self.active
    }

    /// Account ids known to the engine, ascending.
    pub fn account_ids(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self
            .accounts
            .iter()
            .filter(|(_, s)| s.known)
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    }

    /// The owner the engine was told about (for agenda filtering).
    pub fn owner(&self, id: AccountId) -> Option<&str> {
        self.accounts
            .get(&id)
            .filter(|s| s.known)
            .map(|s| s.owner.as_str())
    }

    fn setup_model(&mut self) {
        let wv = self.model.value.total_weight();
        let wp = self.model.potential.total_weight();
        self.crits = self
            .model
            .all_criteria()
            .map(|(value_axis, c)| {
                let total = if value_axis { wv } else { wp };
                CritInfo {
                    value_axis,
                    measure: c.measure,
                    norm: c.norm,
                    weight: c.weight,
                    share: if total > 0.0 { c.weight / total } else { 0.0 },
                }
            })
            .collect();
        let g = &self.model.grid;
        let idx = |name: &str| self.model.tier_index(name).unwrap_or(0);
        self.cell_tier = (0..g.rows())
            .flat_map(|r| (0..g.cols()).map(move |c| (r, c)))
            .map(|(r, c)| {
                g.cells
                    .get(r)
                    .and_then(|row| row.get(c))
                    .map_or(0, |n| idx(n))
            })
            .collect();
        self.cap_tiers = self.model.cap.as_ref().and_then(|cap| {
            Some((
                self.model.tier_index(&cap.tier)?,
                self.model.tier_index(&cap.overflow)?,
            ))
        });
        self.cap_cell = self
            .cell_tier
            .iter()
            .map(|&t| self.cap_tiers.is_some_and(|(c, _)| c == t))
            .collect();
    }

    pub(super) fn tier_name(&self, idx: usize) -> &str {
        self.model.tiers.get(idx).map_or("", |t| t.name.as_str())
    }

    pub(super) fn effective_tier(&self, st: &AccState) -> String {
        st.pin
            .clone()
            .unwrap_or_else(|| self.tier_name(st.tier).to_string())
    }

    // ---------- evaluation ----------

    pub(super) fn eval(&self, st: &AccState) -> Eval {
        let n = self.crits.len();
        let mut e = Eval {
            v: 0.0,
            p: 0.0,
            normalised: Vec::with_capacity(n),
            contrib: Vec::with_capacity(n),
        };
        for (i, c) in self.crits.iter().enumerate() {
            let norm = match st.raw.get(i).copied().flatten() {
                None => c.measure.missing(),
                Some(x) => match c.norm {
                    Norm::Percentile { invert } => {
                        let p = self.ranks[i]
                            .as_ref()
                            .map_or(50.0, |r| r.percentile(x, st.ranked));
                        if invert { 100.0 - p } else { p }
                    }
                    other => other.fixed(x),
                },
            };
            let contrib = c.share * norm;
            if c.value_axis {
                e.v += contrib;
            } else {
                e.p += contrib;
            }
            e.normalised.push(norm);
            e.contrib.push(contrib);
        }
        e
    }

    /// Stores an exact evaluation: snapshot, cell, cut-queue keys. Returns
    /// whether the account sits in a capped cell (then it awaits the cap).
    fn place(&mut self, id: AccountId, e: Eval) -> bool {
        let (row, col) = self.model.grid.locate(e.v, e.p);
        let cell = row * self.model.grid.cols() + col;
        let m_v = band_margin(&self.model.grid.value_cuts, e.v);
        let m_p = band_margin(&self.model.grid.potential_cuts, e.p);
        self.unplace(id);
        let (g_v, g_p) = (self.g_v, self.g_p);
        let tier = self.cell_tier.get(cell).copied().unwrap_or(0);
        let member = self.cap_cell.get(cell).copied().unwrap_or(false);
        let Some(st) = self.accounts.get_mut(&id) else {
            return false;
        };
        st.snap_v = e.v;
        st.snap_p = e.p;
        st.contrib = e.contrib;
        st.g_v = g_v;
        st.g_p = g_p;
        st.cell = cell;
        st.tier = tier;
        if m_v.is_finite() {
            let k = F(m_v + g_v);
            st.key_v = Some(k);
            self.queue_v.insert((k, id));
        }
        if m_p.is_finite() {
            let k = F(m_p + g_p);
            st.key_p = Some(k);
            self.queue_p.insert((k, id));
        }
        member
    }

    /// Takes an account out of the cut queues and the cap sets.
    fn unplace(&mut self, id: AccountId) {
        let Some(st) = self.accounts.get_mut(&id) else {
            return;
        };
        if let Some(k) = st.key_v.take() {
            self.queue_v.remove(&(k, id));
        }
        if let Some(k) = st.key_p.take() {
            self.queue_p.remove(&(k, id));
        }
        if let Some((inside, k)) = st.cap.take() {
            if inside {
                self.cap_in.remove(&(k, id));
            } else {
                self.cap_out.remove(&(k, id));
            }
        }
    }

    /// Remembers an account's state before this step changes it. `exact`
    /// evaluates against the current (pre-edit) ranks; otherwise the last
    /// snapshot — the scores at which its tier was last decided — is used.
    fn touch(&self, id: AccountId, step: &mut Step, exact: bool) {
        if step.before.contains_key(&id) {
            return;
        }
        let before = match self.accounts.get(&id).filter(|s| s.known) {
            None => Before {
                tier: None,
                v: 0.0,
                p: 0.0,
                contrib: Vec::new(),
            },
            Some(st) if exact => {
                let e = self.eval(st);
                Before {
                    tier: Some(self.effective_tier(st)),
                    v: e.v,
                    p: e.p,
                    contrib: e.contrib,
                }
            }
            Some(st) => Before {
                tier: Some(self.effective_tier(st)),
                v: st.snap_v,
                p: st.snap_p,
                contrib: st.contrib.clone(),
            },
        };
        step.before.insert(id, before);
        step.order.push(id);
    }

    /// Recomputes one account's metrics after its records changed, updates
    /// the rank sets, then re-evaluates it and whoever may have crossed a
    /// boundary because of it.
    fn refresh_data(&mut self, id: AccountId, step: &mut Step) {
        self.touch(id, step, true);
        let as_of = self.as_of;
        let Some(st) = self.accounts.get(&id) else {
            return;
        };
        let metrics = Metrics::compute(&st.events, &st.contacts, as_of);
        let raw: Vec<Option<f64>> = self
            .crits
            .iter()
            .map(|c| c.measure.raw(&metrics, &st.ratings))
            .collect();
        let ranked = st.known && metrics.active;
        let (old_ranked, old_raw) = (st.ranked, st.raw.clone());
        let (mut dv, mut dp) = (0.0, 0.0);
        for (i, c) in self.crits.iter().enumerate() {
            let Some(rs) = self.ranks[i].as_mut() else {
                continue;
            };
            let old = if old_ranked {
                old_raw.get(i).copied().flatten()
            } else {
                None
            };
            let new = if ranked { raw[i] } else { None };
            if same(old, new) {
                continue;
            }
            let nb = rs.len();
            if let Some(o) = old {
                rs.remove(o);
            }
            if let Some(n) = new {
                rs.insert(n);
            }
            let na = rs.len();
            let delta = 100.0 / nb.min(na).saturating_sub(1).max(1) as f64;
            if c.value_axis {
                dv += c.share * delta;
            } else {
                dp += c.share * delta;
            }
        }
        if dv > 0.0 {
            self.g_v += dv + slack(self.g_v);
        }
        if dp > 0.0 {
            self.g_p += dp + slack(self.g_p);
        }
        if old_ranked {
            self.active -= 1;
        }
        if ranked {
            self.active += 1;
        }
        let known = st.known;
        if let Some(st) = self.accounts.get_mut(&id) {
            st.metrics = metrics;
            st.raw = raw;
            st.ranked = ranked;
        }
        if known {
            self.reevaluate(id, step);
        } else {
            self.unplace(id);
        }
        let mut popped = Vec::new();
        if dv > 0.0 {
            while let Some(&(k, a)) = self.queue_v.first() {
                if k.0 > self.g_v {
                    break;
                }
                self.queue_v.pop_first();
                if let Some(s) = self.accounts.get_mut(&a) {
                    s.key_v = None;
                }
                popped.push(a);
            }
        }
        if dp > 0.0 {
            while let Some(&(k, a)) = self.queue_p.first() {
                if k.0 > self.g_p {
                    break;
                }
                self.queue_p.pop_first();
                if let Some(s) = self.accounts.get_mut(&a) {
                    s.key_p = None;
                }
                popped.push(a);
            }
        }
        popped.sort();
        popped.dedup();
        // The edited account may be popped too (its key is gone): re-place it.
        for a in popped {
            self.touch(a, step, false);
            self.reevaluate(a, step);
        }
        self.resolve_cap(step);
    }

    fn reevaluate(&mut self, id: AccountId, step: &mut Step) {
        let Some(st) = self.accounts.get(&id) else {
            return;
        };
        let e = self.eval(st);
        if self.place(id, e) {
            step.pool.push(id);
        }
    }

    /// Decides which capped-cell members are within the cap: the `limit`
    /// highest value scores (ties: lower id first). Members whose
    /// drift-widened bounds cannot straddle the boundary keep their status
    /// without being re-evaluated.
    fn resolve_cap(&mut self, step: &mut Step) {
        let mut pool = std::mem::take(&mut step.pool);
        let Some((cap_t, over_t)) = self.cap_tiers else {
            return;
        };
        let limit = self
            .model
            .cap
            .as_ref()
            .map_or(usize::MAX, |c| c.limit(self.active));
        pool.sort();
        pool.dedup();
        pool.retain(|a| {
            self.accounts
                .get(a)
                .is_some_and(|s| s.known && s.cap.is_none() && self.cap_cell[s.cell])
        });
        loop {
            let total = self.cap_in.len() + self.cap_out.len() + pool.len();
            if total <= limit {
                let outs: Vec<AccountId> = self.cap_out.iter().map(|x| x.1).collect();
                self.cap_out.clear();
                for a in outs {
                    self.touch(a, step, false);
                    if let Some(s) = self.accounts.get_mut(&a) {
                        s.cap = None;
                    }
                    pool.push(a);
                }
                let n = pool.len();
                self.assign(&pool, n, cap_t, over_t);
                return;
            }
            if self.cap_in.len() > limit {
                self.pop_cap(true, step, &mut pool);
                continue;
            }
            let need = limit - self.cap_in.len();
            if need > pool.len() {
                self.pop_cap(false, step, &mut pool);
                continue;
            }
            pool.sort_by(|a, b| {
                let va = self.accounts[a].snap_v;
                let vb = self.accounts[b].snap_v;
                vb.total_cmp(&va).then(a.cmp(b))
            });
            // Widened by the rounding slack: a member whose bound merely
            // rounds past a competitor (e.g. 75.00000000000001 against an
            // exact 75 with no drift at all) may in truth be tied with it,
            // and ties go by id, so it must be re-evaluated, not trusted.
            let tol = slack(self.g_v);
            let in_low = self.cap_in.first().map(|x| x.0.0 - self.g_v - tol);
            let out_high = self.cap_out.last().map(|x| x.0.0 + self.g_v + tol);
            if let (Some(l), Some(u)) = (in_low, out_high)
                && l <= u
            {
                self.pop_cap(true, step, &mut pool);
                self.pop_cap(false, step, &mut pool);
                continue;
            }
            if let Some(l) = in_low
                && need < pool.len()
                && l <= self.accounts[&pool[need]].snap_v
            {
                self.pop_cap(true, step, &mut pool);
                continue;
            }
            if let Some(u) = out_high
                && need > 0
                && u >= self.accounts[&pool[need - 1]].snap_v
            {
                self.pop_cap(false, step, &mut pool);
                continue;
            }
            self.assign(&pool, need, cap_t, over_t);
            return;
        }
    }

    /// Re-evaluates the weakest member within the cap (`inside`) or the
    /// strongest outside it, moving it to the pool.
    fn pop_cap(&mut self, inside: bool, step: &mut Step, pool: &mut Vec<AccountId>) {
        let item = if inside {
            self.cap_in.pop_first()
        } else {
            self.cap_out.pop_last()
        };
        let Some((_, a)) = item else {
            return;
        };
        self.touch(a, step, false);
        if let Some(s) = self.accounts.get_mut(&a) {
            s.cap = None;
        }
        self.reevaluate(a, step);
        pool.append(&mut step.pool);
    }

    /// The first `n_in` of `pool` are within the cap, the rest overflow.
    fn assign(&mut self, pool: &[AccountId], n_in: usize, cap_t: usize, over_t: usize) {
        for (i, &a) in pool.iter().enumerate() {
            let inside = i < n_in;
            let Some(s) = self.accounts.get_mut(&a) else {
                continue;
            };
            let key = if inside {
                F(s.snap_v + s.g_v)
            } else {
                F(s.snap_v - s.g_v)
            };
            s.cap = Some((inside, key));
            s.tier = if inside { cap_t } else { over_t };
            if inside {
                self.cap_in.insert((key, a));
            } else {
                self.cap_out.insert((key, a));
            }
        }
    }

    /// Tier changes of this step, from what was remembered before it.
    fn finish(&self, step: Step) -> Vec<TierChange> {
        let mut out = Vec::new();
        for id in step.order {
            let Some(before) = step.before.get(&id) else {
                continue;
            };
            let Some(st) = self.accounts.get(&id).filter(|s| s.known) else {
                continue;
            };
            let to = self.effective_tier(st);
            if before.tier.as_deref() == Some(to.as_str()) {
                continue;
            }
            let e = self.eval(st);
            out.push(self.change(id, before, to, &e));
        }
        out.sort_by_key(|c| c.account);
        out
    }

    fn change(&self, id: AccountId, before: &Before, to: String, e: &Eval) -> TierChange {
        let mut movers: Vec<(String, f64)> = self
            .crits
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let b = before.contrib.get(i).copied().unwrap_or(0.0);
                (c.measure.as_str().to_string(), e.contrib[i] - b)
            })
            .filter(|(_, d)| d.abs() >= 0.05)
            .collect();
        movers.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        movers.truncate(3);
        TierChange {
            account: id,
            from: before.tier.clone(),
            to,
            value_before: before.v,
            value_after: e.v,
            potential_before: before.p,
            potential_after: e.p,
            movers,
        }
    }

    // ---------- full computation ----------

    /// Recomputes everything from the stored records (no diff).
    fn recompute_all(&mut self) {
        let mut values: Vec<Option<Vec<f64>>> = self
            .crits
            .iter()
            .map(|c| matches!(c.norm, Norm::Percentile { .. }).then(Vec::new))
            .collect();
        self.queue_v.clear();
        self.queue_p.clear();
        self.cap_in.clear();
        self.cap_out.clear();
        self.g_v = 0.0;
        self.g_p = 0.0;
        self.active = 0;
        let as_of = self.as_of;
        let crits = &self.crits;
        for st in self.accounts.values_mut() {
            st.metrics = Metrics::compute(&st.events, &st.contacts, as_of);
            st.raw = crits
                .iter()
                .map(|c| c.measure.raw(&st.metrics, &st.ratings))
                .collect();
            st.ranked = st.known && st.metrics.active;
            st.key_v = None;
            st.key_p = None;
            st.cap = None;
            if st.ranked {
                self.active += 1;
                for (i, vals) in values.iter_mut().enumerate() {
                    if let (Some(vals), Some(x)) = (vals.as_mut(), st.raw[i]) {
                        vals.push(x);
                    }
                }
            }
        }
        self.ranks = values
            .into_iter()
            .map(|v| v.map(RankSet::from_values))
            .collect();
        let mut step = Step::default();
        let ids: Vec<AccountId> = self
            .accounts
            .iter()
            .filter(|(_, s)| s.known)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.reevaluate(id, &mut step);
        }
        self.resolve_cap(&mut step);
    }

    /// Runs `change` (as_of or model) as a full recompute and reports the
    /// tier differences.
    fn full_diff(&mut self, change: impl FnOnce(&mut Engine)) -> Vec<TierChange> {
        let mut step = Step::default();
        let mut ids = self.account_ids();
        ids.sort();
        for &id in &ids {
            self.touch(id, &mut step, true);
        }
        change(self);
        self.recompute_all();
        self.finish(step)
    }

    pub fn rebuild<'a>(
        &mut self,
        accounts: &[Account],
        contacts: &[Contact],
        interactions: impl IntoIterator<Item = &'a Interaction>,
    ) {
        self.accounts.clear();
        self.inter_acc.clear();
        self.contact_acc.clear();
        for a in accounts {
            let st = self.accounts.entry(a.id).or_default();
            Self::set_account_fields(st, a);
        }
        for c in contacts {
            self.contact_acc.insert(c.id, c.account);
            let st = self.accounts.entry(c.account).or_default();
            st.contacts.retain(|x| x.id != c.id);
            st.contacts.push(ContactLite::from_contact(c));
        }
        for i in interactions {
            if let Some(prev) = self.inter_acc.insert(i.id, i.account)
                && let Some(st) = self.accounts.get_mut(&prev)
            {
                st.events.retain(|e| e.id != i.id);
            }
            let st = self.accounts.entry(i.account).or_default();
            st.events.push(Ev::from_interaction(i));
        }
        for st in self.accounts.values_mut() {
            st.events.sort_by_key(|e| (e.at, e.id));
        }
        self.recompute_all();
    }

    fn set_account_fields(st: &mut AccState, a: &Account) {
        st.known = true;
        st.owner = a.owner.clone();
        st.status = a.status;
        st.since = a.since;
        st.ratings = a.ratings.clone();
        st.pin = a.pin.as_ref().map(|p| p.tier.clone());
    }

    // ---------- edits ----------

    pub fn upsert_account(&mut self, a: &Account) -> Vec<TierChange> {
        let mut step = Step::default();
        self.touch(a.id, &mut step, true);
        let st = self.accounts.entry(a.id).or_default();
        Self::set_account_fields(st, a);
        self.refresh_data(a.id, &mut step);
        self.finish(step)
    }

    /// Forgets an account and what hangs on it; others may change tier.
    pub fn remove_account(&mut self, id: AccountId) -> Vec<TierChange> {
        let mut step = Step::default();
        if let Some(st) = self.accounts.get_mut(&id) {
            st.known = false;
            st.events.clear();
            st.contacts.clear();
            self.refresh_data(id, &mut step);
            self.accounts.remove(&id);
            self.inter_acc.retain(|_, a| *a != id);
            self.contact_acc.retain(|_, a| *a != id);
        }
        self.finish(step)
    }

    pub fn upsert_contact(&mut self, c: &Contact) -> Vec<TierChange> {
        let mut step = Step::default();
        if let Some(prev) = self.contact_acc.insert(c.id, c.account)
            && prev != c.account
            && let Some(st) = self.accounts.get_mut(&prev)
        {
            st.contacts.retain(|x| x.id != c.id);
            self.refresh_data(prev, &mut step);
        }
        let st = self.accounts.entry(c.account).or_default();
        let lite = ContactLite::from_contact(c);
        match st.contacts.iter_mut().find(|x| x.id == c.id) {
            Some(x) => *x = lite,
            None => st.contacts.push(lite),
        }
        self.refresh_data(c.account, &mut step);
        self.finish(step)
    }

    pub fn remove_contact(&mut self, id: ContactId) -> Vec<TierChange> {
        let mut step = Step::default();
        if let Some(acc) = self.contact_acc.remove(&id)
            && let Some(st) = self.accounts.get_mut(&acc)
        {
            st.contacts.retain(|x| x.id != id);
            self.refresh_data(acc, &mut step);
        }
        self.finish(step)
    }

    pub fn upsert_interaction(&mut self, i: &Interaction) -> Vec<TierChange> {
        let mut step = Step::default();
        if let Some(prev) = self.inter_acc.insert(i.id, i.account)
            && prev != i.account
            && let Some(st) = self.accounts.get_mut(&prev)
        {
            st.events.retain(|e| e.id != i.id);
            self.refresh_data(prev, &mut step);
        }
        let st = self.accounts.entry(i.account).or_default();
        st.events.retain(|e| e.id != i.id);
        let ev = Ev::from_interaction(i);
        let pos = st.events.partition_point(|e| (e.at, e.id) < (ev.at, ev.id));
        st.events.insert(pos, ev);
        self.refresh_data(i.account, &mut step);
        self.finish(step)
    }

    pub fn remove_interaction(&mut self, id: InteractionId) -> Vec<TierChange> {
        let mut step = Step::default();
        if let Some(acc) = self.inter_acc.remove(&id)
            && let Some(st) = self.accounts.get_mut(&acc)
        {
            st.events.retain(|e| e.id != id);
            self.refresh_data(acc, &mut step);
        }
        self.finish(step)
    }

    pub fn set_as_of(&mut self, d: NaiveDate) -> Vec<TierChange> {
        self.full_diff(|e| e.as_of = d)
    }

    pub fn set_model(&mut self, m: Model) -> Vec<TierChange> {
        self.full_diff(|e| {
            e.model = m;
            e.setup_model();
        })
    }

    /// Accounts that would change tier under `m`, from → to.
    pub fn dry_run(&self, m: &Model) -> Vec<TierChange> {
        let mut e = self.clone();
        e.set_model(m.clone())
    }

    // ---------- reading ----------

    pub fn score(&self, id: AccountId) -> Option<AccountScore> {
        let st = self.accounts.get(&id).filter(|s| s.known)?;
        let e = self.eval(st);
        let computed = self.tier_name(st.tier).to_string();
        let tier = self.effective_tier(st);
        let policy = self
            .model
            .tier(&tier)
            .or_else(|| self.model.tiers.get(st.tier));
        let lifecycle = policy::lifecycle(st.since, self.as_of);
        let cadence_days =
            policy::cadence(policy.map_or(90, |p| p.cadence_days), st.since, self.as_of);
        let next_due = policy::next_due(
            st.status,
            st.metrics.last_touch,
            st.since,
            cadence_days,
            self.as_of,
        );
        let flags = policy::flags(
            &self.model,
            &policy::FlagInput {
                metrics: &st.metrics,
                ratings: &st.ratings,
                value_score: e.v,
                next_due,
                policy,
                as_of: self.as_of,
            },
        );
        Some(AccountScore {
            account: id,
            metrics: st.metrics.clone(),
            value_score: e.v,
            potential_score: e.p,
            computed_tier: computed,
            tier,
            pinned: st.pin.is_some(),
            flags,
            lifecycle,
            cadence_days,
            next_due,
        })
    }

    /// All known accounts, by id.
    pub fn scores(&self) -> Vec<AccountScore> {
        self.account_ids()
            .into_iter()
            .filter_map(|id| self.score(id))
            .collect()
    }

    pub fn explain(&self, id: AccountId) -> Option<Explanation> {
        let st = self.accounts.get(&id).filter(|s| s.known)?;
        let e = self.eval(st);
        let criteria = self
            .crits
            .iter()
            .enumerate()
            .map(|(i, c)| CriterionExplanation {
                axis: if c.value_axis { "value" } else { "potential" },
                measure: c.measure.as_str().to_string(),
                norm: c.norm.describe(),
                raw: st.raw.get(i).copied().flatten(),
                normalised: e.normalised[i],
                weight: c.weight,
                contribution: e.contrib[i],
            })
            .collect();
        let g = &self.model.grid;
        let cell_tier = self
            .tier_name(self.cell_tier.get(st.cell).copied().unwrap_or(0))
            .to_string();
        let computed = self.tier_name(st.tier).to_string();
        let mut reasons = Vec::new();
        let (row, col) = (st.cell / g.cols(), st.cell % g.cols());
        reasons.push(format!(
            "value {:.1} is in band {} of {} (cuts {:?}); potential {:.1} is in band {} of {} (cuts {:?}) → cell {}",
            e.v,
            col + 1,
            g.cols(),
            g.value_cuts,
            e.p,
            g.rows() - row,
            g.rows(),
            g.potential_cuts,
            cell_tier
        ));
        if let (Some((inside, _)), Some(cap)) = (st.cap, self.model.cap.as_ref()) {
            let limit = cap.limit(self.active);
            if inside {
                reasons.push(format!(
                    "within the cap: {} holds at most {} ({}% of {} active)",
                    cap.tier,
                    plural(limit, "account"),
                    cap.max_share * 100.0,
                    self.active
                ));
            } else {
                reasons.push(format!(
                    "over the cap: {} holds at most {} ({}% of {} active), higher value scores first → {}",
                    cap.tier,
                    plural(limit, "account"),
                    cap.max_share * 100.0,
                    self.active,
                    cap.overflow
                ));
            }
        }
        if let Some(p) = &st.pin {
            reasons.push(format!("pinned by hand to {p} (computed {computed})"));
        }
        Some(Explanation {
            account: id,
            value_score: e.v,
            potential_score: e.p,
            criteria,
            cell_tier,
            computed_tier: computed,
            tier: self.effective_tier(st),
            pinned: st.pin.is_some(),
            reasons,
        })
    }

    pub fn matrix(&self) -> Matrix {
        let g = &self.model.grid;
        let (rows, cols) = (g.rows(), g.cols());
        let mut cells: Vec<MatrixCell> = (0..rows * cols)
            .map(|i| MatrixCell {
                row: i / cols,
                col: i % cols,
                tier: self
                    .tier_name(self.cell_tier.get(i).copied().unwrap_or(0))
                    .to_string(),
                count: 0,
                overflow: 0,
                revenue_12m: Money::ZERO,
                share: 0.0,
            })
            .collect();
        let mut by_tier: HashMap<String, (usize, Money)> = HashMap::new();
        let mut total = Money::ZERO;
        for st in self.accounts.values().filter(|s| s.known) {
            let rev = st.metrics.revenue_12m;
            total += rev;
            if let Some(c) = cells.get_mut(st.cell) {
                c.count += 1;
                c.revenue_12m += rev;
                if matches!(st.cap, Some((false, _))) {
                    c.overflow += 1;
                }
            }
            let t = by_tier.entry(self.effective_tier(st)).or_default();
            t.0 += 1;
            t.1 += rev;
        }
        for c in &mut cells {
            c.share = c.revenue_12m.ratio(total).unwrap_or(0.0);
        }
        let mut tiers: Vec<TierSummary> = self
            .model
            .tiers
            .iter()
            .map(|t| (t.name.clone(), t.priority))
            .chain(
                by_tier
                    .keys()
                    .filter(|k| self.model.tier(k).is_none())
                    .map(|k| (k.clone(), u32::MAX)),
            )
            .map(|(name, priority)| {
                let (n, rev) = by_tier.get(&name).copied().unwrap_or_default();
                TierSummary {
                    tier: name,
                    priority,
                    accounts: n,
                    revenue_12m: rev,
                    revenue_share: rev.ratio(total).unwrap_or(0.0),
                }
            })
            .collect();
        tiers.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.tier.cmp(&b.tier)));
        Matrix {
            value_label: self.model.value.label.clone(),
            potential_label: self.model.potential.label.clone(),
            value_cuts: g.value_cuts.clone(),
            potential_cuts: g.potential_cuts.clone(),
            rows,
            cols,
            cells,
            tiers,
            total_revenue_12m: total,
        }
    }

    pub fn pareto(&self) -> Pareto {
        let mut revs: Vec<Money> = self
            .accounts
            .values()
            .filter(|s| s.known && s.metrics.active)
            .map(|s| s.metrics.revenue_12m)
            .collect();
        let total: Money = self
            .accounts
            .values()
            .filter(|s| s.known)
            .map(|s| s.metrics.revenue_12m)
            .sum();
        revs.sort_unstable_by(|a, b| b.cmp(a));
        let active = revs.len();
        let top = (active * 2).div_ceil(10);
        let top_rev: Money = revs.iter().take(top).copied().sum();
        Pareto {
            active_accounts: active,
            top20_accounts: top,
            top20_revenue_share: top_rev.ratio(total).unwrap_or(0.0),
            total_revenue_12m: total,
        }
    }

    pub(super) fn events(&self, id: AccountId) -> &[Ev] {
        self.accounts.get(&id).map_or(&[], |s| s.events.as_slice())
    }
}
