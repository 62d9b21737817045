//! The segmentation engine: metrics per account as of a date, the scoring
//! model, tiers (matrix with a cap), cadence, lifecycle, risk flags, the
//! agenda and explanations. Pure: no I/O, no clock — the as-of date is given.
//!
//! Recalculation is incremental (see `engine`): an edit re-scores the edited
//! account and only the accounts that can cross a tier boundary.

mod agenda;
pub use agenda::sort_agenda;
mod engine;
pub mod kpi;
mod metrics;
mod model;
mod packed;
mod per_axis;
mod policy;
mod rank;
mod series;
mod types;

pub use engine::{AccountInputs, AgendaBasis, Engine, Recorded, Removed, RestoreError, Restoring};
pub use metrics::Metrics;
pub use model::{
    Axis, Cap, Criterion, DEFAULT_REVIEW_DAYS, Grid, Measure, Model, ModelError, Norm,
    RATING_NEUTRAL, TierPolicy,
};
pub use per_axis::{AxisKind, PerAxis};
pub use series::{ParetoCurve, RevenueSeries, SERIES_MONTHS};
pub use types::{
    AccountScore, AgendaItem, AgendaKind, CriterionExplanation, Explanation, Flag, Lifecycle,
    Matrix, MatrixCell, Pareto, TierChange, TierSummary,
};
