//! The pictures: the profile's monthly revenue (a sparkline with the year at
//! a glance) and the matrix's tier distribution (a bar chart) and Pareto
//! curve (a line chart, the 20 % line marked). Each says how much room it
//! needs; a pane too small for one leaves it out rather than squeeze it.
//! Bars and braille read without colour (`NO_COLOR`).

use super::super::text::fit;
use super::super::theme::Theme;
use super::super::view::MatrixView;
use super::tier_badge;
use crate::commands::table::money;
use crate::segment::RevenueSeries;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, Block, Chart, Dataset, GraphType, Paragraph, Sparkline,
};

/// Rows the profile's chart takes: a title, three rows of bars, the month
/// labels and the glance line.
pub const PROFILE_ROWS: u16 = 6;

/// Whether the profile's chart fits: the text below keeps at least ten rows
/// and the 24 bars their width.
pub fn profile_fits(area: Rect) -> bool {
    area.width >= 40 && area.height >= PROFILE_ROWS + 10
}

fn growth(g: Option<f64>) -> String {
    g.map_or("no prior year".into(), |g| format!("{:+.1}%", g * 100.0))
}

/// The profile's revenue chart in `area` (`PROFILE_ROWS` high).
pub fn profile(f: &mut Frame, area: Rect, s: &RevenueSeries, theme: &Theme) {
    let w = area.width as usize;
    let [title, bars, labels, glance] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Revenue by month", theme.header()),
            Span::raw(fit(
                &format!(
                    " · last 12: {} ({})",
                    money(s.revenue_12m),
                    growth(s.growth)
                ),
                w.saturating_sub(16),
            )),
        ])),
        title,
    );
    // Each month as wide as the pane allows (1–4 cells), left-aligned.
    let n = s.months.len().max(1);
    let bar_w = (w / n).clamp(1, 4);
    let data: Vec<u64> = s
        .months
        .iter()
        .flat_map(|(_, m)| std::iter::repeat_n(m.cents().max(0) as u64, bar_w))
        .collect();
    let spark_w = (data.len() as u16).min(area.width);
    let spark_area = Rect {
        width: spark_w,
        ..bars
    };
    f.render_widget(
        Sparkline::default().data(&data).style(theme.ok()),
        spark_area,
    );
    if let (Some(first), Some(last)) = (s.months.first(), s.months.last()) {
        let (a, b) = (
            first.0.format("%Y-%m").to_string(),
            last.0.format("%Y-%m").to_string(),
        );
        let gap = (spark_w as usize).saturating_sub(a.len() + b.len());
        let text = if gap >= 1 {
            format!("{a}{}{b}", " ".repeat(gap))
        } else {
            b
        };
        f.render_widget(Paragraph::new(Line::styled(text, theme.dim())), labels);
    }
    let mut spans = vec![Span::raw(format!(
        "{} orders · {} payments ({}) · ",
        s.orders_12m,
        s.payments_12m,
        s.paid_12m.compact()
    ))];
    if s.overdue.is_zero() {
        spans.push(Span::raw("nothing overdue"));
    } else {
        spans.push(Span::styled(
            format!(
                "overdue {}, {} days",
                s.overdue.compact(),
                s.overdue_days.unwrap_or(0)
            ),
            theme.error(),
        ));
    }
    let line: String = spans.iter().map(|s| s.content.as_ref()).collect();
    if super::super::text::width(&line) > w {
        // Too narrow for the styled line: the same words, cut with "…".
        f.render_widget(Paragraph::new(fit(&line, w)), glance);
    } else {
        f.render_widget(Paragraph::new(Line::from(spans)), glance);
    }
}

/// Where the matrix's charts go: beside the grid on a wide pane, below it on
/// a tall one, nowhere on a small one. Returns (grid, charts).
pub fn matrix_split(inner: Rect) -> (Rect, Option<Rect>) {
    if inner.width >= 100 && inner.height >= 8 {
        let [grid, charts] =
            Layout::horizontal([Constraint::Min(50), Constraint::Length(56)]).areas(inner);
        (grid, Some(charts))
    } else if inner.height >= 18 && inner.width >= 40 {
        let [grid, charts] =
            Layout::vertical([Constraint::Min(10), Constraint::Length(8)]).areas(inner);
        (grid, Some(charts))
    } else {
        (inner, None)
    }
}

/// The tier bar chart and the Pareto curve, side by side in `area`.
pub fn matrix(f: &mut Frame, area: Rect, m: &MatrixView, theme: &Theme) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let bars: Vec<Bar> = m
        .charts
        .tiers
        .iter()
        .map(|(tier, n)| {
            Bar::with_label(tier_badge(tier), *n as u64)
                .text_value(n.to_string())
                .style(theme.tier(tier))
        })
        .collect();
    f.render_widget(
        BarChart::horizontal(bars)
            .block(
                Block::bordered()
                    .border_style(theme.border(false))
                    .title(Span::styled("Accounts per tier", theme.header())),
            )
            .bar_width(1)
            .bar_gap(0)
            .value_style(theme.selected()),
        left,
    );
    let p = &m.charts.pareto;
    let title = if p.active_accounts > 0 {
        format!("Pareto · top 20% = {:.0}%", p.top20_share * 100.0)
    } else {
        "Pareto · no revenue".into()
    };
    let marker = [(20.0, 0.0), (20.0, 100.0)];
    let datasets = vec![
        Dataset::default()
            .data(&marker)
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(theme.dim()),
        Dataset::default()
            .data(&p.points)
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.ok()),
    ];
    f.render_widget(
        Chart::new(datasets)
            .block(
                Block::bordered()
                    .border_style(theme.border(false))
                    .title(Span::styled(title, theme.header())),
            )
            .x_axis(
                Axis::default()
                    .bounds([0.0, 100.0])
                    .labels(["0%", "50%", "100%"])
                    .style(theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds([0.0, 100.0])
                    .labels(["0%", "100%"])
                    .style(theme.dim()),
            ),
        right,
    );
}
