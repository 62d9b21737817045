//! Shapes what the backend answers into what the panes show. Pure: the
//! runner asks the backend (a page, one account, the matrix), this turns the
//! answers into views, so render code never sees the store or the engine.

use super::panes::flag_words;
use super::view::{Detail, ExplainRow, MatrixCell, MatrixCharts, MatrixView};
use crate::book::query::{AccountDetail, MatrixSummary, Page};
use crate::domain::Interaction;
use crate::segment::{Metrics, Model};

/// Band labels along cuts, low to high: `<40`, `40–70`, `≥70`.
fn bands(cuts: &[f64]) -> Vec<String> {
    if cuts.is_empty() {
        return vec!["all".into()];
    }
    let mut out = vec![format!("<{}", cuts[0])];
    for w in cuts.windows(2) {
        out.push(format!("{}–{}", w[0], w[1]));
    }
    out.push(format!("≥{}", cuts[cuts.len() - 1]));
    out
}

pub fn matrix(summary: &MatrixSummary, model: &Model) -> MatrixView {
    let m = &summary.matrix;
    let moved = |r: usize, c: usize| {
        summary
            .moved
            .iter()
            .find(|(cell, _)| *cell == (r, c))
            .map_or(0, |(_, n)| *n)
    };
    let mut potential = bands(&model.grid.potential_cuts);
    potential.reverse();
    let cells = (0..m.rows)
        .map(|r| {
            (0..m.cols)
                .map(|c| match m.cell(r, c) {
                    Some(cell) => MatrixCell {
                        tier: cell.tier.clone(),
                        count: cell.count,
                        overflow: cell.overflow,
                        revenue: cell.revenue_12m,
                        share: cell.share,
                        moved: moved(r, c),
                    },
                    None => MatrixCell::default(),
                })
                .collect()
        })
        .collect();
    MatrixView {
        model: model.name.clone(),
        row_axis: m.potential_label.clone(),
        col_axis: m.value_label.clone(),
        rows: potential,
        cols: bands(&model.grid.value_cuts),
        last_review: summary.last_review.clone(),
        overflow_to: model.cap.as_ref().map(|c| c.overflow.clone()),
        overflow_total: m.cells.iter().map(|c| c.overflow).sum(),
        cells,
        charts: Box::new(MatrixCharts {
            tiers: m
                .tiers
                .iter()
                .map(|t| (t.tier.clone(), t.accounts))
                .collect(),
            pareto: summary.pareto.clone(),
        }),
    }
}

fn metrics_lines(m: &Metrics) -> Vec<(String, String)> {
    let date =
        |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
    let mut v = vec![
        ("Revenue 12m".into(), m.revenue_12m.to_string()),
        ("Margin 12m".into(), m.margin_12m.to_string()),
        ("Orders 12m".into(), m.orders_12m.to_string()),
        (
            "Growth".into(),
            m.growth
                .map(|g| format!("{:+.1}%", g * 100.0))
                .unwrap_or_else(|| "—".into()),
        ),
        ("Last order".into(), date(m.last_order)),
        ("Last touch".into(), date(m.last_touch)),
    ];
    if !m.overdue_amount.is_zero() {
        v.push((
            "Overdue".into(),
            format!(
                "{} ({} days)",
                m.overdue_amount,
                m.overdue_days.unwrap_or(0)
            ),
        ));
    }
    if m.open_complaints > 0 {
        v.push(("Open complaints".into(), m.open_complaints.to_string()));
    }
    if let Some(s) = m.satisfaction {
        v.push(("Satisfaction".into(), format!("{s:.1}/5")));
    }
    v.push(("Active contacts".into(), m.active_contacts.to_string()));
    v
}

/// The profile and timeline of one account: its detail and the first page
/// of its timeline (newest first).
pub fn detail(d: AccountDetail, timeline: Page<Interaction>) -> Detail {
    let AccountDetail {
        account,
        score,
        explanation,
        contacts,
        followups,
        series,
        key_dates,
    } = d;
    let mut d = Detail {
        account,
        contacts,
        interactions: timeline.items,
        followups,
        series,
        key_dates,
        ..Default::default()
    };
    if let Some(s) = score {
        d.tier = s.tier.clone();
        d.computed_tier = s.computed_tier.clone();
        d.value = s.value_score;
        d.potential = s.potential_score;
        d.lifecycle = s.lifecycle.to_string();
        d.cadence = format!("every {} days", s.cadence_days);
        d.next_due = s.next_due;
        d.flags = s.flags.iter().map(|f| flag_words(*f, &s.metrics)).collect();
        d.metrics = metrics_lines(&s.metrics);
    }
    if let Some(e) = explanation {
        d.explanation = e
            .criteria
            .iter()
            .map(|c| ExplainRow {
                axis: c.axis.to_string(),
                criterion: c.measure.clone(),
                raw: c
                    .raw
                    .map(|r| {
                        if r.fract() == 0.0 {
                            format!("{r:.0}")
                        } else {
                            format!("{r:.2}")
                        }
                    })
                    .unwrap_or_else(|| "missing".into()),
                score: c.normalised,
                weight: c.weight,
                contribution: c.contribution,
            })
            .collect();
        d.reasons = e.reasons.clone();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_labels() {
        assert_eq!(bands(&[]), vec!["all"]);
        assert_eq!(bands(&[40.0, 70.0]), vec!["<40", "40–70", "≥70"]);
    }
}
