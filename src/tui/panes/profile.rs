//! The profile: every field grouped, contacts with roles and primary/backup
//! marks, the score explained criterion by criterion, lifecycle, cadence,
//! next due and flags in words.

use super::super::app::State;
use super::super::text::{safe, wrap};
use super::super::theme::Theme;
use super::super::view::{Detail, ExplainRow};
use super::{block, tier_badge};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn heading<'a>(t: &str, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(t.to_string(), theme.header()))
}

fn field<'a>(label: &str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<18}"), theme.dim()),
        Span::raw(value),
    ])
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        safe(s)
    }
}

fn rating(v: Option<u8>) -> String {
    v.map(|n| format!("{n}/5")).unwrap_or_else(|| "—".into())
}

/// A criterion's share of its axis: the score counts with weight / (sum of
/// the axis' weights), so the line's arithmetic adds up.
fn weight_share(all: &[ExplainRow], e: &ExplainRow) -> f64 {
    let total: f64 = all
        .iter()
        .filter(|x| x.axis == e.axis)
        .map(|x| x.weight)
        .sum();
    if total > 0.0 { e.weight / total } else { 0.0 }
}

/// `50%`, `37.5%`: a decimal only where it changes the product.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// All lines of the profile for a given text width.
pub fn lines<'a>(d: &Detail, state: &State, width: usize) -> Vec<Line<'a>> {
    let theme = &state.theme;
    let a = &d.account;
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{} ", tier_badge(&d.tier)), theme.tier(&d.tier)),
        Span::styled(safe(&a.key), theme.title()),
        Span::raw("  "),
        Span::raw(safe(&a.name)),
    ])];
    let mut tier = format!(
        "{} · value {:.1} · potential {:.1}",
        safe(&d.tier),
        d.value,
        d.potential
    );
    if d.tier != d.computed_tier {
        tier.push_str(&format!(" (computed {})", safe(&d.computed_tier)));
    }
    out.push(field("Tier", tier, theme));
    if let Some(p) = &a.pin {
        out.push(field(
            "Pinned",
            format!("by {} on {}: {}", safe(&p.by), p.at, safe(&p.reason)),
            theme,
        ));
    }
    out.push(field("Owner", or_dash(&a.owner), theme));
    out.push(field("Backup owner", or_dash(&a.backup_owner), theme));
    out.push(field("Industry", or_dash(&a.industry), theme));
    out.push(field("Region", or_dash(&a.region), theme));
    out.push(field("Status", a.status.to_string(), theme));
    out.push(field(
        "Since",
        a.since.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
        theme,
    ));
    out.push(field(
        "Orientation",
        a.orientation
            .map(|o| o.to_string())
            .unwrap_or_else(|| "—".into()),
        theme,
    ));
    out.push(field("Lifecycle", d.lifecycle.clone(), theme));
    out.push(field("Cadence", d.cadence.clone(), theme));
    let due = match d.next_due {
        Some(n) if n < state.today => Span::styled(
            format!("{n} ({} days late)", (state.today - n).num_days()),
            theme.error(),
        ),
        Some(n) => Span::raw(n.to_string()),
        None => Span::raw("—"),
    };
    out.push(Line::from(vec![
        Span::styled(format!("{:<18}", "Next due"), theme.dim()),
        due,
    ]));
    out.push(field(
        "Tags",
        if a.tags.is_empty() {
            "—".into()
        } else {
            a.tags
                .iter()
                .map(|t| safe(t))
                .collect::<Vec<_>>()
                .join(", ")
        },
        theme,
    ));

    // Near the top: a renewal or a birthday is what a call should not miss.
    if !d.key_dates.is_empty() {
        out.push(heading("Key dates", theme));
        for k in &d.key_dates {
            let yearly = if k.kind.yearly() { ", yearly" } else { "" };
            let note = safe(&k.note);
            let note = if note.is_empty() {
                String::new()
            } else {
                format!(" — {note}")
            };
            out.push(Line::raw(format!(
                "  {} {} ({} days ahead{yearly}){note}",
                k.on,
                k.kind.label(),
                k.lead_days
            )));
        }
    }

    out.push(heading("Flags", theme));
    if d.flags.is_empty() {
        out.push(Line::styled("  none", theme.dim()));
    }
    for f in &d.flags {
        out.push(Line::styled(format!("  ! {}", safe(f)), theme.warn()));
    }

    out.push(heading("Ratings", theme));
    out.push(Line::raw(format!(
        "  potential {} · loyalty {} · strategic fit {} · tech cooperation {}",
        rating(a.ratings.potential),
        rating(a.ratings.loyalty),
        rating(a.ratings.strategic_fit),
        rating(a.ratings.tech_cooperation)
    )));

    if !d.metrics.is_empty() {
        out.push(heading("Metrics", theme));
        for (k, v) in &d.metrics {
            out.push(field(&format!("  {k}"), v.clone(), theme));
        }
    }

    out.push(heading("Score explained", theme));
    for e in &d.explanation {
        out.push(Line::raw(format!(
            "  {:<9} {:<20} {:>12}  {:>5.1} × {:>5} = {:>5.1}",
            e.axis,
            safe(&e.criterion),
            e.raw,
            e.score,
            percent(weight_share(&d.explanation, e)),
            e.contribution
        )));
    }
    for r in &d.reasons {
        for l in wrap(&format!("· {r}"), width.saturating_sub(2)) {
            out.push(Line::styled(format!("  {l}"), theme.dim()));
        }
    }

    out.push(heading("Contacts", theme));
    if d.contacts.is_empty() {
        out.push(Line::styled("  none recorded", theme.dim()));
    }
    for c in &d.contacts {
        let mut marks = String::new();
        if c.primary {
            marks.push_str(" [primary]");
        }
        if c.backup {
            marks.push_str(" [backup]");
        }
        if let Some(left) = c.left_at {
            marks.push_str(&format!(" [left {left}]"));
        }
        let style = if c.is_active(state.today) {
            theme.base()
        } else {
            theme.dim()
        };
        out.push(Line::styled(
            format!(
                "  {} — {} ({}){}",
                safe(&c.name),
                or_dash(&c.title),
                c.role,
                marks
            ),
            style,
        ));
        let reach: Vec<String> = [&c.email, &c.phone]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| safe(s))
            .collect();
        if !reach.is_empty() {
            out.push(Line::styled(
                format!("    {}", reach.join(" · ")),
                theme.dim(),
            ));
        }
    }

    if !d.followups.is_empty() {
        out.push(heading("Follow-ups", theme));
        for fu in &d.followups {
            out.push(Line::raw(format!(
                "  {} {} — {}",
                fu.due,
                safe(&fu.assignee),
                safe(&fu.note)
            )));
        }
    }

    for (section, label) in crate::domain::Profile::SECTIONS.iter().zip(SECTION_TITLES) {
        let text = a.profile.get(section).map(String::as_str).unwrap_or("");
        if text.trim().is_empty() {
            continue;
        }
        out.push(heading(label, theme));
        for l in wrap(text, width.saturating_sub(2)) {
            out.push(Line::raw(format!("  {l}")));
        }
    }
    out
}

const SECTION_TITLES: [&str; 8] = [
    "Background",
    "Finance",
    "Organisation and decision chain",
    "Competitors",
    "Suppliers",
    "Downstream demand",
    "Plans",
    "Needs",
];

pub fn render(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let title = match state.selected_row() {
        Some(r) => format!("Profile · {}", safe(&r.text.key)),
        None => "Profile".to_string(),
    };
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(d) = state
        .profile
        .detail
        .as_ref()
        .filter(|d| Some(d.account.id) == state.selected_id())
    else {
        f.render_widget(
            Paragraph::new(Line::styled("No account selected.", theme.dim())),
            inner,
        );
        return;
    };
    // The revenue chart on top while the text keeps room; else it gives way.
    let inner = match &d.series {
        Some(s) if super::charts::profile_fits(inner) => {
            let [chart, text] = ratatui::layout::Layout::vertical([
                ratatui::layout::Constraint::Length(super::charts::PROFILE_ROWS),
                ratatui::layout::Constraint::Min(1),
            ])
            .areas(inner);
            super::charts::profile(f, chart, s, theme);
            text
        }
        _ => inner,
    };
    let all = lines(d, state, inner.width as usize);
    let max_scroll = all.len().saturating_sub(inner.height as usize) as u16;
    let scroll = state.profile.scroll.min(max_scroll);
    let visible: Vec<Line> = all
        .into_iter()
        .skip(scroll as usize)
        .take(inner.height as usize)
        .collect();
    f.render_widget(Paragraph::new(visible), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(axis: &str, score: f64, weight: f64) -> ExplainRow {
        ExplainRow {
            axis: axis.into(),
            criterion: "c".into(),
            raw: "1".into(),
            score,
            weight,
            contribution: 0.0,
        }
    }

    #[test]
    fn weight_share_is_the_weight_over_its_axis_total() {
        let all = [
            row("value", 87.2, 4.0),
            row("value", 50.0, 4.0),
            row("potential", 10.0, 3.0),
        ];
        assert_eq!(weight_share(&all, &all[0]), 0.5);
        assert_eq!(weight_share(&all, &all[2]), 1.0);
        // The shown arithmetic holds: 87.2 × 50% = 43.6.
        assert!((87.2 * weight_share(&all, &all[0]) - 43.6).abs() < 1e-9);
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(0.375), "37.5%");
    }
}
