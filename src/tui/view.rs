//! What the panes show, already shaped for display. Built from the backend
//! in one place (`data.rs`) so render code never reaches into the store or
//! the scoring engine, and tests can build views directly.

use crate::domain::{Account, Contact, FollowUp, Interaction, Money};
use chrono::NaiveDate;

// The list rows, their order and the agenda lines are answered by the book
// (the server derives them for a page at a time), so they live below.
pub use crate::book::query::{AccountRow, AgendaRow, RowText, SortKey};

/// One cell of the tier matrix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatrixCell {
    pub tier: String,
    pub count: usize,
    /// Accounts of this cell pushed to another tier by the cap.
    pub overflow: usize,
    pub revenue: Money,
    /// Share of total trailing-12-month revenue, 0..=1.
    pub share: f64,
    /// Accounts in this cell whose tier moved since the last review.
    pub moved: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatrixView {
    pub model: String,
    /// Axis names, e.g. "value" (rows) and "potential" (columns).
    pub row_axis: String,
    pub col_axis: String,
    /// Band labels, rows top to bottom, columns left to right.
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub cells: Vec<Vec<MatrixCell>>,
    /// When the last review was marked, if ever.
    pub last_review: Option<String>,
    /// Where the cap sends the accounts over it, and how many it sent.
    pub overflow_to: Option<String>,
    pub overflow_total: usize,
    /// What the charts beside the grid draw (boxed: views travel in messages).
    pub charts: Box<MatrixCharts>,
}

/// The matrix pane's charts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatrixCharts {
    /// Accounts per tier, most important first (the bar chart).
    pub tiers: Vec<(String, usize)>,
    /// Cumulative revenue share against account share (the Pareto chart).
    pub pareto: crate::segment::ParetoCurve,
}

/// One criterion of a score explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainRow {
    pub axis: String,
    pub criterion: String,
    pub raw: String,
    pub score: f64,
    pub weight: f64,
    pub contribution: f64,
}

/// Everything the profile and timeline show about the selected account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    pub account: Account,
    pub contacts: Vec<Contact>,
    /// Newest first.
    pub interactions: Vec<Interaction>,
    pub tier: String,
    pub computed_tier: String,
    pub value: f64,
    pub potential: f64,
    pub explanation: Vec<ExplainRow>,
    pub lifecycle: String,
    pub cadence: String,
    pub next_due: Option<NaiveDate>,
    /// Risk flags in words.
    pub flags: Vec<String>,
    pub metrics: Vec<(String, String)>,
    /// Open manual follow-ups.
    pub followups: Vec<FollowUp>,
    /// Renewals, expiries, reviews, a contact's day; by date.
    pub key_dates: Vec<crate::domain::KeyDate>,
    /// Why the tier is what it is (cuts, cap, pin), in words.
    pub reasons: Vec<String>,
    /// Monthly revenue and the year at a glance (the chart on top).
    pub series: Option<crate::segment::RevenueSeries>,
}
