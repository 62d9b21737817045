//! Results the engine hands out: scores, tier changes, flags, matrix, agenda.

use super::metrics::Metrics;
use crate::domain::{AccountId, FollowUpId, InteractionId, Money};
use chrono::NaiveDate;
use std::sync::Arc;

use crate::domain::enums::named_enum;

named_enum!(
    /// Risk signals (seeds 002–004).
    Flag {
        OverdueTouch => "overdue_touch",
        OverduePayment => "overdue_payment",
        Declining => "declining",
        ComplaintSla => "complaint_sla",
        SingleThreaded => "single_threaded",
        ContactLeft => "contact_left",
        LargeDisloyal => "large_disloyal",
    }
);

named_enum!(
    /// Relationship stage from the account's `since` date (seed 002).
    Lifecycle {
        Onboarding => "onboarding",
        Stable => "stable",
        Deepening => "deepening",
        Partnership => "partnership",
        Unknown => "unknown",
    }
);

named_enum!(
    /// What an agenda line asks for.
    AgendaKind {
        Cadence => "cadence",
        FollowUp => "follow_up",
        RequestedFollowUp => "requested_follow_up",
        ComplaintReply => "complaint_reply",
        ComplaintResolve => "complaint_resolve",
        Risk => "risk",
        KeyDate => "key_date",
    }
);

/// Everything the engine knows about one account as of its date.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccountScore {
    pub account: AccountId,
    pub metrics: Metrics,
    pub value_score: f64,
    pub potential_score: f64,
    /// The tier the model gives (after the cap).
    pub computed_tier: String,
    /// The tier in force: a pin wins over the computed tier.
    pub tier: String,
    pub pinned: bool,
    pub flags: Vec<Flag>,
    pub lifecycle: Lifecycle,
    pub cadence_days: u32,
    /// Next touch due; `None` for churned and archived accounts.
    pub next_due: Option<NaiveDate>,
}

/// A tier that changed for one account, with what moved it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TierChange {
    pub account: AccountId,
    /// `None` when the account is new to the engine.
    pub from: Option<String>,
    pub to: String,
    pub value_before: f64,
    pub value_after: f64,
    pub potential_before: f64,
    pub potential_after: f64,
    /// Criteria whose contribution moved most, signed, largest first.
    /// Named without a copy: an import moves 100k accounts at once.
    pub movers: Vec<(std::borrow::Cow<'static, str>, f64)>,
}

impl TierChange {
    /// One line for the account's timeline.
    pub fn summary(&self) -> String {
        let mut s = match &self.from {
            Some(f) => format!("Tier {f} → {}", self.to),
            None => format!("Tier → {}", self.to),
        };
        s.push_str(&format!(
            " · value {:.1}→{:.1} · potential {:.1}→{:.1}",
            self.value_before, self.value_after, self.potential_before, self.potential_after
        ));
        if !self.movers.is_empty() {
            let m: Vec<String> = self
                .movers
                .iter()
                .map(|(name, d)| format!("{name} {d:+.1}"))
                .collect();
            s.push_str(" · ");
            s.push_str(&m.join(", "));
        }
        s
    }

    /// The (from, to) tiers of a `summary()` line, as the timeline keeps it:
    /// the report counts moves from these entries.
    pub fn parse_summary(s: &str) -> Option<(Option<String>, String)> {
        let head = s.strip_prefix("Tier ")?.split(" · ").next()?;
        match head.strip_prefix("→ ") {
            Some(to) => Some((None, to.to_string())),
            None => {
                let (from, to) = head.split_once(" → ")?;
                Some((Some(from.to_string()), to.to_string()))
            }
        }
    }
}

/// One criterion's part in a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CriterionExplanation {
    /// `value` or `potential`.
    pub axis: &'static str,
    pub measure: String,
    /// How the raw value was normalised (`percentile`, `rating`, `linear 0..100`).
    pub norm: String,
    /// Raw value (money in whole currency units); `None` when missing.
    pub raw: Option<f64>,
    /// 0–100.
    pub normalised: f64,
    pub weight: f64,
    /// Points this criterion adds to its axis score (weight share × normalised).
    pub contribution: f64,
}

/// `CriterionExplanation` as it arrives from a team server: the axis is
/// read as text and mapped back onto the engine's two static names.
#[derive(serde::Deserialize)]
struct CriterionWire {
    axis: String,
    measure: String,
    norm: String,
    raw: Option<f64>,
    normalised: f64,
    weight: f64,
    contribution: f64,
}

impl<'de> serde::Deserialize<'de> for CriterionExplanation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = CriterionWire::deserialize(d)?;
        let axis = match w.axis.as_str() {
            "value" => "value",
            "potential" => "potential",
            other => {
                return Err(serde::de::Error::custom(format!("unknown axis '{other}'")));
            }
        };
        Ok(CriterionExplanation {
            axis,
            measure: w.measure,
            norm: w.norm,
            raw: w.raw,
            normalised: w.normalised,
            weight: w.weight,
            contribution: w.contribution,
        })
    }
}

/// A score broken down criterion by criterion.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    pub account: AccountId,
    pub value_score: f64,
    pub potential_score: f64,
    pub criteria: Vec<CriterionExplanation>,
    /// The matrix cell's tier, before the cap.
    pub cell_tier: String,
    pub computed_tier: String,
    pub tier: String,
    pub pinned: bool,
    /// Why the tier is what it is, in words (cuts, cap, pin).
    pub reasons: Vec<String>,
}

/// One cell of the tier matrix. `row` 0 is the highest potential band,
/// `col` 0 the lowest value band.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MatrixCell {
    pub row: usize,
    pub col: usize,
    pub tier: String,
    pub count: usize,
    /// Accounts of this cell pushed to the overflow tier by the cap.
    pub overflow: usize,
    pub revenue_12m: Money,
    /// Share of all accounts' trailing-12-month revenue, 0–1.
    pub share: f64,
}

/// Accounts and revenue per tier in force (pins included).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TierSummary {
    pub tier: String,
    pub priority: u32,
    pub accounts: usize,
    pub revenue_12m: Money,
    pub revenue_share: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Matrix {
    pub value_label: String,
    pub potential_label: String,
    pub value_cuts: Vec<f64>,
    pub potential_cuts: Vec<f64>,
    pub rows: usize,
    pub cols: usize,
    /// Row-major, `rows × cols`.
    pub cells: Vec<MatrixCell>,
    pub tiers: Vec<TierSummary>,
    pub total_revenue_12m: Money,
}

impl Matrix {
    pub fn cell(&self, row: usize, col: usize) -> Option<&MatrixCell> {
        if col >= self.cols {
            return None;
        }
        self.cells.get(row * self.cols + col)
    }
}

/// The 80/20 view (seed 003).
#[derive(Debug, Clone, PartialEq)]
pub struct Pareto {
    pub active_accounts: usize,
    /// ceil(0.2 × active).
    pub top20_accounts: usize,
    /// Share of the window's revenue held by the `top20_accounts` highest-revenue accounts, 0–1.
    pub top20_revenue_share: f64,
    pub total_revenue_12m: Money,
}

/// One line of the daily agenda.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgendaItem {
    pub account: AccountId,
    pub kind: AgendaKind,
    /// Set for `Risk` items.
    pub flag: Option<Flag>,
    pub due: NaiveDate,
    /// Days past due as of the engine's date (0 when due today or later).
    pub days_late: i64,
    /// Shared, like `text`: an owner's agenda is 28k items at 100k
    /// accounts, copied for each answer, and copying their strings was
    /// most of that.
    pub tier: Arc<str>,
    pub priority: u32,
    pub text: Arc<str>,
    pub follow_up: Option<FollowUpId>,
    pub interaction: Option<InteractionId>,
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn explanations_cross_the_wire_with_their_axis() {
        let c = CriterionExplanation {
            axis: "potential",
            measure: "growth".into(),
            norm: "percentile".into(),
            raw: None,
            normalised: 50.0,
            weight: 2.0,
            contribution: 12.5,
        };
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&c, cfg).unwrap();
        let (back, _): (CriterionExplanation, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, c);
        let bad = CriterionExplanation {
            axis: "loyalty",
            ..c
        };
        let bytes = bincode::serde::encode_to_vec(&bad, cfg).unwrap();
        let err = bincode::serde::decode_from_slice::<CriterionExplanation, _>(&bytes, cfg);
        assert!(err.is_err());
    }
}
