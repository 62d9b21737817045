//! Builds the views from the backend: the only place the TUI reads it.

use super::panes::flag_words;
use super::view::{AccountRow, AgendaRow, Detail, ExplainRow, MatrixCell, MatrixView};
use crate::backend::{Backend, BackendResult, Review};
use crate::domain::AccountId;
use crate::segment::{AccountScore, Metrics};
use std::collections::HashMap;

/// Everything the main view shows except the selected account's detail.
pub struct Snapshot {
    pub rows: Vec<AccountRow>,
    pub matrix: MatrixView,
    pub agenda: Vec<AgendaRow>,
}

pub fn snapshot(b: &dyn Backend) -> BackendResult<Snapshot> {
    let review = b.last_review()?;
    let rows = rows(b, review.as_ref());
    let matrix = matrix(b, &rows, review.as_ref());
    let agenda = agenda(b, &rows)?;
    Ok(Snapshot {
        rows,
        matrix,
        agenda,
    })
}

pub fn rows(b: &dyn Backend, review: Option<&Review>) -> Vec<AccountRow> {
    let model = b.model();
    let scores: HashMap<AccountId, AccountScore> =
        b.scores().into_iter().map(|s| (s.account, s)).collect();
    b.accounts()
        .into_iter()
        .map(|a| {
            let s = scores.get(&a.id);
            let tier = s.map(|s| s.tier.clone()).unwrap_or_default();
            let tier_rank = model
                .tier(&tier)
                .map(|t| t.priority as usize)
                .unwrap_or(usize::MAX);
            let moved = match (review, s) {
                (Some((_, tiers)), Some(s)) => tiers.get(&a.id) != Some(&s.tier),
                _ => false,
            };
            let cell = s.map(|s| {
                let (r, c) = model.grid.locate(s.value_score, s.potential_score);
                format!("{r},{c}")
            });
            AccountRow {
                id: a.id,
                key: a.key,
                name: a.name,
                owner: a.owner,
                backup_owner: a.backup_owner,
                region: a.region,
                industry: a.industry,
                status: a.status.to_string(),
                tags: a.tags,
                tier,
                tier_rank,
                pinned: s.is_some_and(|s| s.pinned),
                value: s.map(|s| s.value_score).unwrap_or(0.0),
                potential: s.map(|s| s.potential_score).unwrap_or(0.0),
                revenue_12m: s.map(|s| s.metrics.revenue_12m).unwrap_or_default(),
                next_due: s.and_then(|s| s.next_due),
                flags: s
                    .map(|s| s.flags.iter().map(|f| f.as_str().to_string()).collect())
                    .unwrap_or_default(),
                moved,
                cell,
            }
        })
        .collect()
}

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

pub fn matrix(b: &dyn Backend, rows: &[AccountRow], review: Option<&Review>) -> MatrixView {
    let m = b.matrix();
    let model = b.model();
    let mut moved: HashMap<String, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.moved) {
        if let Some(c) = &r.cell {
            *moved.entry(c.clone()).or_default() += 1;
        }
    }
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
                        moved: moved.get(&format!("{r},{c}")).copied().unwrap_or(0),
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
        last_review: review.map(|(d, _)| d.clone()),
        overflow_to: model.cap.as_ref().map(|c| c.overflow.clone()),
        overflow_total: m.cells.iter().map(|c| c.overflow).sum(),
        cells,
    }
}

/// My agenda, most important tier first, then most overdue.
pub fn agenda(b: &dyn Backend, rows: &[AccountRow]) -> BackendResult<Vec<AgendaRow>> {
    let names: HashMap<AccountId, (&str, &str)> = rows
        .iter()
        .map(|r| (r.id, (r.key.as_str(), r.name.as_str())))
        .collect();
    let mut items = b.agenda(Some(b.user()))?;
    items.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(b.days_late.cmp(&a.days_late))
            .then(a.due.cmp(&b.due))
    });
    Ok(items
        .into_iter()
        .map(|item| {
            let (key, name) = names.get(&item.account).copied().unwrap_or(("?", "?"));
            AgendaRow {
                key: key.to_string(),
                name: name.to_string(),
                item,
            }
        })
        .collect())
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

pub fn detail(b: &dyn Backend, id: AccountId) -> BackendResult<Option<Detail>> {
    let Some(account) = b.account(id) else {
        return Ok(None);
    };
    let contacts = b.contacts_of(id)?;
    let mut interactions = b.interactions_of(id)?;
    interactions.reverse();
    let followups = b
        .followups_of(id)?
        .into_iter()
        .filter(|f| f.done_at.is_none())
        .collect();
    let score = b.score(id);
    let explanation = b.explain(id);
    let mut d = Detail {
        account,
        contacts,
        interactions,
        followups,
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
    Ok(Some(d))
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
