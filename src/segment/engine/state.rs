//! What the engine remembers: per-criterion facts, per-account state and
//! the small numeric helpers its bookkeeping relies on.

use super::super::metrics::{ContactLite, Metrics};
use super::super::model::{Grid, Measure, Norm};
use super::super::packed::PackedEvents;
use super::super::per_axis::{AxisKind, PerAxis};
use crate::domain::{AccountStatus, Ratings};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes internal u64 ids (not user input) with one multiply: the engine
/// holds a million of them and SipHash dominated a full recompute.
#[derive(Default, Clone, Copy)]
pub(in crate::segment) struct IdHasher(u64);

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

pub(in crate::segment) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Relative slack for float rounding in the drift bounds (see `slack`).
const EPS: f64 = 1e-9;

/// Rounding allowance at drift counter `g`. Bounds are stored as sums like
/// `score ± counter`; reading one back (`key ∓ counter`) can be off by a few
/// ulps of `100 + g`, which this exceeds by far. It is added to every
/// non-zero drift step (so a bound is never smaller than the true change,
/// however large the counter grows) and to every cap comparison (so a
/// rounded bound can never hide an exact tie, which the cap breaks by id).
pub(super) fn slack(g: f64) -> f64 {
    EPS * (1.0 + g.abs())
}

/// An `f64` ordered by `total_cmp`, for keys of ordered sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::segment) struct F(pub f64);
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
    pub axis: AxisKind,
    pub measure: Measure,
    pub norm: Norm,
    pub weight: f64,
    /// weight / axis total weight.
    pub share: f64,
}

#[derive(Debug, Clone, Default)]
pub(in crate::segment) struct AccState {
    /// An account record has been given (interactions may arrive first).
    pub known: bool,
    /// Shared with the owner index's key (`Engine::reindex_owner`).
    pub owner: std::sync::Arc<str>,
    pub status: AccountStatus,
    pub since: Option<NaiveDate>,
    pub ratings: Ratings,
    /// The model's shared tier name where it names one.
    pub pin: Option<std::sync::Arc<str>>,
    /// Sorted by `(at, id)`, packed: the engine's largest part.
    pub events: PackedEvents,
    pub contacts: Vec<ContactLite>,
    pub metrics: Metrics,
    /// Raw value per criterion, as stored in the rank sets when `ranked`.
    pub raw: Box<[Option<f64>]>,
    /// Known and active: its values take part in percentiles.
    pub ranked: bool,
    /// Axis scores at the last exact evaluation.
    pub snap: PerAxis<f64>,
    pub contrib: Box<[f64]>,
    /// The engine's drift counters at the last exact evaluation.
    pub drift_at: PerAxis<f64>,
    /// Key in the engine's cut queue per axis (none: no finite cut margin).
    pub key: PerAxis<Option<F>>,
    /// Row-major cell index in the grid.
    pub cell: usize,
    /// Member of a capped cell: (within the cap, key in its set).
    pub cap: Option<(bool, F)>,
    /// Computed tier, index into `model.tiers`.
    pub tier: usize,
}

/// One evaluation of an account's scores.
pub(super) struct Eval {
    pub score: PerAxis<f64>,
    pub normalised: Vec<f64>,
    pub contrib: Vec<f64>,
}

/// Distance from `s` to the nearest cut of its band (infinite when the band
/// is unbounded on both sides, i.e. there are no cuts).
pub(super) fn band_margin(cuts: &[f64], s: f64) -> f64 {
    let b = Grid::band(cuts, s);
    let lo = if b > 0 {
        cuts[b - 1]
    } else {
        f64::NEG_INFINITY
    };
    let hi = cuts.get(b).copied().unwrap_or(f64::INFINITY);
    (s - lo).min(hi - s)
}

/// Equal as rank-set entries (−0 and +0 are one value).
pub(super) fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x + 0.0).total_cmp(&(y + 0.0)).is_eq(),
        _ => false,
    }
}
