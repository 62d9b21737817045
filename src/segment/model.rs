//! The scoring model: criteria per axis, normalisation, the tier grid, the
//! cap and per-tier policy. Stored as TOML by the lead; parsed here with
//! line-numbered errors.

use super::metrics::Metrics;
use super::per_axis::AxisKind;
use crate::domain::Ratings;
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// Normalised value of an unrated rating (2.5 of 5): unrated neither helps
/// nor hurts. Other missing values (no survey yet, growth without a previous
/// year) are neutral too; a missing recency (never ordered) counts as worst.
pub const RATING_NEUTRAL: f64 = 50.0;

macro_rules! measures {
    ($($var:ident => $s:literal, $rating:literal, $desc:literal;)+) => {
        /// What a criterion reads: a derived metric or a manual rating.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Measure { $($var),+ }

        impl Measure {
            pub const ALL: &'static [Measure] = &[$(Measure::$var),+];
            pub fn as_str(self) -> &'static str {
                match self { $(Measure::$var => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Measure> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($s) { return Some(Measure::$var); })+
                None
            }
            /// A manual 0–5 rating rather than a derived metric.
            pub fn is_rating(self) -> bool {
                match self { $(Measure::$var => $rating),+ }
            }
            pub fn describe(self) -> &'static str {
                match self { $(Measure::$var => $desc),+ }
            }
            pub fn names() -> String {
                [$($s),+].join(", ")
            }
        }
    };
}

measures! {
    Revenue12m => "revenue_12m", false, "revenue of the trailing 12 months";
    Margin12m => "margin_12m", false, "gross margin of the trailing 12 months";
    Orders12m => "orders_12m", false, "orders in the trailing 12 months";
    RevenuePrev12m => "revenue_prev_12m", false, "revenue of the 12 months before";
    Growth => "growth", false, "revenue growth vs the previous 12 months (ratio)";
    RecencyDays => "recency_days", false, "days since the last order";
    OverdueAmount => "overdue_amount", false, "overdue receivables";
    OverdueDays => "overdue_days", false, "days the oldest receivable is overdue";
    OpenComplaints => "open_complaints", false, "unresolved complaints";
    ComplaintAgeHours => "complaint_age_hours", false, "age of the oldest open complaint";
    Satisfaction => "satisfaction", false, "mean of the last 3 surveys (1–5)";
    ActiveContacts => "active_contacts", false, "contacts still with the customer";
    Potential => "potential", true, "potential rating (0–5)";
    Loyalty => "loyalty", true, "loyalty rating (0–5)";
    StrategicFit => "strategic_fit", true, "strategic fit rating (0–5)";
    TechCooperation => "tech_cooperation", true, "technical cooperation rating (0–5)";
}

fn money_units(m: crate::domain::Money) -> f64 {
    m.cents() as f64 / 100.0
}

impl Measure {
    /// The raw value (money in whole currency units), `None` when missing.
    pub fn raw(self, m: &Metrics, r: &Ratings) -> Option<f64> {
        use Measure::*;
        let rating = |v: Option<u8>| v.map(f64::from);
        match self {
            Revenue12m => Some(money_units(m.revenue_12m)),
            Margin12m => Some(money_units(m.margin_12m)),
            Orders12m => Some(f64::from(m.orders_12m)),
            RevenuePrev12m => Some(money_units(m.revenue_prev_12m)),
            Growth => m.growth,
            RecencyDays => m.recency_days.map(|d| d as f64),
            OverdueAmount => Some(money_units(m.overdue_amount)),
            OverdueDays => Some(m.overdue_days.unwrap_or(0) as f64),
            OpenComplaints => Some(f64::from(m.open_complaints)),
            ComplaintAgeHours => Some(m.oldest_complaint_hours.unwrap_or(0) as f64),
            Satisfaction => m.satisfaction,
            ActiveContacts => Some(f64::from(m.active_contacts)),
            Potential => rating(r.potential),
            Loyalty => rating(r.loyalty),
            StrategicFit => rating(r.strategic_fit),
            TechCooperation => rating(r.tech_cooperation),
        }
    }

    /// Normalised value when the raw value is missing.
    pub fn missing(self) -> f64 {
        match self {
            Measure::RecencyDays => 0.0,
            _ => RATING_NEUTRAL,
        }
    }
}

/// How a raw value becomes 0–100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Norm {
    /// Mid-rank among active accounts; `invert` for "lower is better".
    Percentile { invert: bool },
    /// Fixed 0–5 scale (ratings, survey means).
    Rating,
    /// `min` → 0, `max` → 100, clamped; `min > max` inverts.
    Linear { min: f64, max: f64 },
}

impl Norm {
    pub fn describe(&self) -> String {
        match self {
            Norm::Percentile { invert: false } => "percentile".into(),
            Norm::Percentile { invert: true } => "percentile (inverted)".into(),
            Norm::Rating => "rating 0–5".into(),
            Norm::Linear { min, max } => format!("linear {min}..{max}"),
        }
    }

    /// Normalises a raw value that does not need ranks.
    pub fn fixed(&self, raw: f64) -> f64 {
        match *self {
            Norm::Rating => (raw / 5.0 * 100.0).clamp(0.0, 100.0),
            Norm::Linear { min, max } => ((raw - min) / (max - min) * 100.0).clamp(0.0, 100.0),
            Norm::Percentile { .. } => RATING_NEUTRAL,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub measure: Measure,
    pub weight: f64,
    pub norm: Norm,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub criteria: Vec<Criterion>,
}

impl Axis {
    pub fn total_weight(&self) -> f64 {
        self.criteria.iter().map(|c| c.weight).sum()
    }
}

/// Cuts split each axis into bands; `cells[row][col]` names the tier, row 0
/// being the HIGHEST potential band and col 0 the LOWEST value band (the
/// matrix as drawn). A score equal to a cut belongs to the band above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub value_cuts: Vec<f64>,
    pub potential_cuts: Vec<f64>,
    pub cells: Vec<Vec<String>>,
}

impl Grid {
    pub fn rows(&self) -> usize {
        self.potential_cuts.len() + 1
    }
    pub fn cols(&self) -> usize {
        self.value_cuts.len() + 1
    }
    /// Band index of a score along cuts (0 = lowest).
    pub fn band(cuts: &[f64], score: f64) -> usize {
        cuts.partition_point(|&c| c <= score)
    }
    /// The cuts along one axis.
    pub fn cuts(&self, axis: AxisKind) -> &[f64] {
        match axis {
            AxisKind::Value => &self.value_cuts,
            AxisKind::Potential => &self.potential_cuts,
        }
    }
    /// Row and column of a pair of scores.
    pub fn locate(&self, value: f64, potential: f64) -> (usize, usize) {
        let col = Grid::band(&self.value_cuts, value);
        let row = self.potential_cuts.len() - Grid::band(&self.potential_cuts, potential);
        (row, col)
    }
}

/// At most `max_share` of ACTIVE accounts (rounded up) may hold `tier`,
/// highest value score first; the rest fall to `overflow`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cap {
    pub tier: String,
    pub max_share: f64,
    pub overflow: String,
}

impl Cap {
    pub fn limit(&self, active: usize) -> usize {
        (self.max_share * active as f64 - 1e-9).ceil().max(0.0) as usize
    }
}

/// What a tier means in practice.
#[derive(Debug, Clone, PartialEq)]
pub struct TierPolicy {
    pub name: String,
    pub description: String,
    /// 1 = most important (agenda and list order).
    pub priority: u32,
    /// Days between touches.
    pub cadence_days: u32,
    /// Complaint SLAs.
    pub reply_hours: u32,
    pub resolve_hours: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub value: Axis,
    pub potential: Axis,
    pub grid: Grid,
    pub cap: Option<Cap>,
    pub tiers: Vec<TierPolicy>,
    /// Days after which a pin comes up again in the periodic review
    /// (`review_days`, default `DEFAULT_REVIEW_DAYS`).
    pub review_days: u32,
}

/// A pin is looked at again in the review once a quarter unless the model
/// says otherwise.
pub const DEFAULT_REVIEW_DAYS: u32 = 90;

/// A rejected model: the first problem, plus any others found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// 1-based line of the TOML text.
    pub line: usize,
    pub reason: String,
    /// Further problems, `(line, reason)`.
    pub more: Vec<(usize, String)>,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)?;
        for (l, r) in &self.more {
            write!(f, "\nline {l}: {r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelError {}

const VALUE_POTENTIAL: &str = include_str!("presets/value-potential.toml");
const VOLUME_LOYALTY: &str = include_str!("presets/volume-loyalty.toml");
const REVENUE_BANDS: &str = include_str!("presets/revenue-bands.toml");

impl Default for Model {
    fn default() -> Self {
        // The embedded presets are checked by tests; a parse failure here is a build defect.
        Model::preset("value-potential").unwrap_or_else(Model::fallback)
    }
}

impl Model {
    pub const PRESET_NAMES: &'static [&'static str] =
        &["value-potential", "volume-loyalty", "revenue-bands"];

    pub fn preset(name: &str) -> Option<Model> {
        let text = match name.trim() {
            "value-potential" => VALUE_POTENTIAL,
            "volume-loyalty" => VOLUME_LOYALTY,
            "revenue-bands" => REVENUE_BANDS,
            _ => return None,
        };
        Model::from_toml(text).ok()
    }

    /// Minimal valid model, only used if an embedded preset were broken.
    fn fallback() -> Model {
        let tier = |n: &str| TierPolicy {
            name: n.into(),
            description: String::new(),
            priority: 1,
            cadence_days: 90,
            reply_hours: 24,
            resolve_hours: 48,
        };
        let axis = |m| Axis {
            label: String::new(),
            criteria: vec![Criterion {
                measure: m,
                weight: 1.0,
                norm: Norm::Percentile { invert: false },
            }],
        };
        Model {
            name: "fallback".into(),
            description: String::new(),
            value: axis(Measure::Revenue12m),
            potential: axis(Measure::Orders12m),
            grid: Grid {
                value_cuts: vec![],
                potential_cuts: vec![],
                cells: vec![vec!["All".into()]],
            },
            cap: None,
            tiers: vec![tier("All")],
            review_days: DEFAULT_REVIEW_DAYS,
        }
    }

    pub fn tier(&self, name: &str) -> Option<&TierPolicy> {
        self.tiers.iter().find(|t| t.name == name)
    }

    pub fn tier_index(&self, name: &str) -> Option<usize> {
        self.tiers.iter().position(|t| t.name == name)
    }

    /// Value criteria first, then potential criteria, with their axis.
    pub(crate) fn all_criteria(&self) -> impl Iterator<Item = (AxisKind, &Criterion)> {
        AxisKind::BOTH
            .into_iter()
            .flat_map(|a| self.axis(a).criteria.iter().map(move |c| (a, c)))
    }

    /// The criteria and label of one axis.
    pub fn axis(&self, axis: AxisKind) -> &Axis {
        match axis {
            AxisKind::Value => &self.value,
            AxisKind::Potential => &self.potential,
        }
    }

    pub fn from_toml(text: &str) -> Result<Model, ModelError> {
        let raw: RawModel = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            ModelError {
                line,
                reason: e.message().trim().to_string(),
                more: vec![],
            }
        })?;
        let mut v = Validator {
            text,
            errors: vec![],
        };
        let model = v.model(raw);
        match v.errors.split_first() {
            None => Ok(model),
            Some(((line, reason), rest)) => Err(ModelError {
                line: *line,
                reason: reason.clone(),
                more: rest.to_vec(),
            }),
        }
    }

    pub fn to_toml(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let f = |x: f64| format!("{x:?}");
        let list = |v: &[f64]| v.iter().map(|&x| f(x)).collect::<Vec<_>>().join(", ");
        let mut out = String::new();
        out.push_str(&format!("name = {}\n", q(&self.name)));
        out.push_str(&format!("description = {}\n", q(&self.description)));
        // Only a changed period is written, so older models read back as they were.
        if self.review_days != DEFAULT_REVIEW_DAYS {
            out.push_str(&format!("review_days = {}\n", self.review_days));
        }
        for (key, axis) in [("value", &self.value), ("potential", &self.potential)] {
            out.push_str(&format!("\n[{key}]\nlabel = {}\n", q(&axis.label)));
            for c in &axis.criteria {
                out.push_str(&format!(
                    "\n[[{key}.criteria]]\nmetric = {}\nweight = {}\n",
                    q(c.measure.as_str()),
                    f(c.weight)
                ));
                match c.norm {
                    Norm::Percentile { invert } => {
                        out.push_str("norm = \"percentile\"\n");
                        if invert {
                            out.push_str("invert = true\n");
                        }
                    }
                    Norm::Rating => out.push_str("norm = \"rating\"\n"),
                    Norm::Linear { min, max } => out.push_str(&format!(
                        "norm = \"linear\"\nmin = {}\nmax = {}\n",
                        f(min),
                        f(max)
                    )),
                }
            }
        }
        out.push_str("\n[grid]\n");
        out.push_str(&format!("value_cuts = [{}]\n", list(&self.grid.value_cuts)));
        out.push_str(&format!(
            "potential_cuts = [{}]\n",
            list(&self.grid.potential_cuts)
        ));
        out.push_str("# rows: highest potential band first; columns: lowest value band first\n");
        out.push_str("cells = [\n");
        for row in &self.grid.cells {
            let r: Vec<String> = row.iter().map(|s| q(s)).collect();
            out.push_str(&format!("  [{}],\n", r.join(", ")));
        }
        out.push_str("]\n");
        if let Some(cap) = &self.cap {
            out.push_str(&format!(
                "\n[cap]\ntier = {}\nmax_share = {}\noverflow = {}\n",
                q(&cap.tier),
                f(cap.max_share),
                q(&cap.overflow)
            ));
        }
        for t in &self.tiers {
            out.push_str(&format!(
                "\n[[tier]]\nname = {}\ndescription = {}\npriority = {}\ncadence_days = {}\nreply_hours = {}\nresolve_hours = {}\n",
                q(&t.name),
                q(&t.description),
                t.priority,
                t.cadence_days,
                t.reply_hours,
                t.resolve_hours
            ));
        }
        out
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

// ---- raw TOML shape, with spans for error lines ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    value: Spanned<RawAxis>,
    potential: Spanned<RawAxis>,
    grid: Spanned<RawGrid>,
    cap: Option<Spanned<RawCap>>,
    #[serde(default)]
    tier: Vec<Spanned<RawTier>>,
    review_days: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    criteria: Vec<Spanned<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    metric: Spanned<String>,
    weight: Spanned<f64>,
    norm: Spanned<String>,
    invert: Option<Spanned<bool>>,
    min: Option<Spanned<f64>>,
    max: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    value_cuts: Option<Spanned<Vec<Spanned<f64>>>>,
    potential_cuts: Option<Spanned<Vec<Spanned<f64>>>>,
    cells: Spanned<Vec<Spanned<Vec<Spanned<String>>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCap {
    tier: Spanned<String>,
    max_share: Spanned<f64>,
    overflow: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    priority: Spanned<u32>,
    cadence_days: Spanned<u32>,
    #[serde(default = "default_reply")]
    reply_hours: u32,
    #[serde(default = "default_resolve")]
    resolve_hours: u32,
}

fn default_reply() -> u32 {
    24
}
fn default_resolve() -> u32 {
    48
}

struct Validator<'t> {
    text: &'t str,
    errors: Vec<(usize, String)>,
}

impl Validator<'_> {
    fn err<T>(&mut self, at: &Spanned<T>, reason: impl Into<String>) {
        let line = line_of(self.text, at.span().start);
        self.errors.push((line, reason.into()));
    }

    fn model(&mut self, raw: RawModel) -> Model {
        use crate::domain::text::clean_line;
        let name = clean_line(raw.name.get_ref());
        if name.is_empty() {
            self.err(&raw.name, "model name must not be empty");
        }
        let mut tiers: Vec<TierPolicy> = Vec::new();
        for t in &raw.tier {
            let tname = clean_line(t.get_ref().name.get_ref());
            if tname.is_empty() {
                self.err(&t.get_ref().name, "tier name must not be empty");
            } else if tiers.iter().any(|x| x.name == tname) {
                self.err(
                    &t.get_ref().name,
                    format!("tier `{tname}` is defined twice"),
                );
            }
            let r = t.get_ref();
            if *r.priority.get_ref() == 0 {
                self.err(&r.priority, "priority must be ≥ 1 (1 = most important)");
            }
            if *r.cadence_days.get_ref() == 0 {
                self.err(&r.cadence_days, "cadence_days must be ≥ 1");
            }
            tiers.push(TierPolicy {
                name: tname,
                description: clean_line(&r.description),
                priority: *r.priority.get_ref(),
                cadence_days: *r.cadence_days.get_ref(),
                reply_hours: r.reply_hours,
                resolve_hours: r.resolve_hours,
            });
        }
        if tiers.is_empty() {
            self.err(&raw.grid, "no tiers defined (add [[tier]] tables)");
        }
        let value = self.axis("value", &raw.value);
        let potential = self.axis("potential", &raw.potential);
        let grid = self.grid(&raw.grid, &tiers);
        let cap = raw.cap.as_ref().map(|c| self.cap(c, &tiers, &grid));
        let review_days = match &raw.review_days {
            Some(d) if *d.get_ref() == 0 => {
                self.err(d, "review_days must be ≥ 1");
                DEFAULT_REVIEW_DAYS
            }
            Some(d) => *d.get_ref(),
            None => DEFAULT_REVIEW_DAYS,
        };
        Model {
            name,
            description: clean_line(&raw.description),
            value,
            potential,
            grid,
            cap,
            tiers,
            review_days,
        }
    }

    fn axis(&mut self, key: &str, raw: &Spanned<RawAxis>) -> Axis {
        let r = raw.get_ref();
        if r.criteria.is_empty() {
            self.err(raw, format!("axis `{key}` has no criteria"));
        }
        let mut criteria = Vec::new();
        for c in &r.criteria {
            if let Some(c) = self.criterion(c.get_ref()) {
                criteria.push(c);
            }
        }
        if !r.criteria.is_empty()
            && criteria.len() == r.criteria.len()
            && criteria.iter().map(|c| c.weight).sum::<f64>() <= 0.0
        {
            self.err(raw, format!("axis `{key}`: weights sum to 0"));
        }
        Axis {
            label: r
                .label
                .as_deref()
                .map(crate::domain::text::clean_line)
                .unwrap_or_else(|| key.to_string()),
            criteria,
        }
    }

    fn criterion(&mut self, c: &RawCriterion) -> Option<Criterion> {
        let measure = Measure::parse(c.metric.get_ref());
        if measure.is_none() {
            self.err(
                &c.metric,
                format!(
                    "unknown metric `{}` (known: {})",
                    c.metric.get_ref(),
                    Measure::names()
                ),
            );
        }
        let weight = *c.weight.get_ref();
        let weight_ok = weight.is_finite() && weight >= 0.0;
        if !weight_ok {
            self.err(&c.weight, format!("weight must be ≥ 0, got {weight}"));
        }
        let norm = match c.norm.get_ref().trim() {
            "percentile" => Some(Norm::Percentile {
                invert: c.invert.as_ref().is_some_and(|i| *i.get_ref()),
            }),
            "rating" => {
                if let Some(m) = measure
                    && !m.is_rating()
                    && m != Measure::Satisfaction
                {
                    self.err(
                        &c.norm,
                        format!(
                            "norm `rating` needs a 0–5 rating or satisfaction, not `{}`",
                            m.as_str()
                        ),
                    );
                }
                Some(Norm::Rating)
            }
            "linear" => match (&c.min, &c.max) {
                (Some(min), Some(max)) => {
                    let (a, b) = (*min.get_ref(), *max.get_ref());
                    if !a.is_finite() || !b.is_finite() || a == b {
                        self.err(min, "linear needs finite `min` ≠ `max`");
                        None
                    } else {
                        Some(Norm::Linear { min: a, max: b })
                    }
                }
                _ => {
                    self.err(&c.norm, "norm `linear` needs `min` and `max`");
                    None
                }
            },
            other => {
                self.err(
                    &c.norm,
                    format!("unknown norm `{other}` (known: percentile, rating, linear)"),
                );
                None
            }
        };
        if let Some(inv) = &c.invert
            && !matches!(norm, Some(Norm::Percentile { .. }))
        {
            self.err(
                inv,
                "`invert` applies to percentile only (linear: swap min and max)",
            );
        }
        if !matches!(norm, Some(Norm::Linear { .. }))
            && let Some(m) = c.min.as_ref().or(c.max.as_ref())
        {
            self.err(m, "`min`/`max` apply to norm `linear` only");
        }
        match (measure, norm, weight_ok) {
            (Some(measure), Some(norm), true) => Some(Criterion {
                measure,
                weight,
                norm,
            }),
            _ => None,
        }
    }

    fn cuts(&mut self, key: &str, raw: Option<&Spanned<Vec<Spanned<f64>>>>) -> Vec<f64> {
        let mut out: Vec<f64> = Vec::new();
        for c in raw.map_or(&[][..], |r| r.get_ref().as_slice()) {
            let x = *c.get_ref();
            if !(0.0..=100.0).contains(&x) {
                self.err(c, format!("{key}: cut {x} is outside 0–100"));
            } else if out.last().is_some_and(|&p| x <= p) {
                self.err(
                    c,
                    format!(
                        "{key}: cuts must be strictly increasing ({x} after {})",
                        out[out.len() - 1]
                    ),
                );
            }
            out.push(x);
        }
        out
    }

    fn grid(&mut self, raw: &Spanned<RawGrid>, tiers: &[TierPolicy]) -> Grid {
        let r = raw.get_ref();
        let value_cuts = self.cuts("value_cuts", r.value_cuts.as_ref());
        let potential_cuts = self.cuts("potential_cuts", r.potential_cuts.as_ref());
        let rows = potential_cuts.len() + 1;
        let cols = value_cuts.len() + 1;
        if r.cells.get_ref().len() != rows {
            self.err(
                &r.cells,
                format!(
                    "cells: expected {rows} rows (potential_cuts + 1), found {}",
                    r.cells.get_ref().len()
                ),
            );
        }
        let mut cells = Vec::new();
        for row in r.cells.get_ref() {
            if row.get_ref().len() != cols {
                self.err(
                    row,
                    format!(
                        "cells: expected {cols} columns (value_cuts + 1), found {}",
                        row.get_ref().len()
                    ),
                );
            }
            let mut out = Vec::new();
            for cell in row.get_ref() {
                let name = crate::domain::text::clean_line(cell.get_ref());
                if !tiers.iter().any(|t| t.name == name) {
                    self.err(cell, format!("cell names unknown tier `{name}`"));
                }
                out.push(name);
            }
            cells.push(out);
        }
        Grid {
            value_cuts,
            potential_cuts,
            cells,
        }
    }

    fn cap(&mut self, raw: &Spanned<RawCap>, tiers: &[TierPolicy], grid: &Grid) -> Cap {
        let r = raw.get_ref();
        let tier = crate::domain::text::clean_line(r.tier.get_ref());
        let overflow = crate::domain::text::clean_line(r.overflow.get_ref());
        if !tiers.iter().any(|t| t.name == tier) {
            self.err(&r.tier, format!("cap names unknown tier `{tier}`"));
        } else if !grid.cells.iter().flatten().any(|c| *c == tier) {
            self.err(
                &r.tier,
                format!("cap tier `{tier}` is in no cell of the grid"),
            );
        }
        if !tiers.iter().any(|t| t.name == overflow) {
            self.err(
                &r.overflow,
                format!("cap overflow names unknown tier `{overflow}`"),
            );
        } else if overflow == tier {
            self.err(&r.overflow, "cap overflow must differ from the capped tier");
        }
        let share = *r.max_share.get_ref();
        if !(share > 0.0 && share <= 1.0) {
            self.err(
                &r.max_share,
                format!("max_share must be in (0, 1], got {share}"),
            );
        }
        Cap {
            tier,
            max_share: share,
            overflow,
        }
    }
}
