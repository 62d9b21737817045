//! The Report pane: last week's key-account KPIs, the team's first and each
//! owner's below, as `kam report` prints them (the same text, fitted to the
//! pane's width), scrolled by line.

use super::super::app::State;
use super::super::effect::Effect;
use super::super::keymap::Action;
use super::super::text::safe;
use super::block;
use crate::commands::Output;
use crate::commands::kpi::report_text;
use crate::segment::kpi::{KpiReport, Period};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// Asks for the report of the week before this one (the Monday reader's).
pub fn load(state: &State) -> Effect {
    Effect::LoadReport(Period::last_week(state.today))
}

/// The report's lines at `width` (None: unlimited). Tables shrink their
/// columns, never wrap, so the count does not depend on the width.
fn lines(r: &KpiReport, width: Option<u16>) -> Vec<String> {
    report_text(
        r,
        &Output {
            width,
            color: false,
        },
    )
    .lines()
    .map(safe)
    .collect()
}

/// The answer to `load`: shown, the scroll kept inside it.
pub fn loaded(state: &mut State, r: KpiReport) {
    let n = lines(&r, None).len();
    state.report.scroll = state.report.scroll.min(n.saturating_sub(1));
    state.report.report = Some(r);
}

/// Scrolling by line, page, top and bottom.
pub fn keys(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(r) = &state.report.report else {
        return Vec::new();
    };
    let last = lines(r, None).len().saturating_sub(1);
    let page = state.page.max(1);
    let s = state.report.scroll;
    state.report.scroll = match action {
        Action::Up => s.saturating_sub(1),
        Action::Down => (s + 1).min(last),
        Action::PageUp => s.saturating_sub(page),
        Action::PageDown => (s + page).min(last),
        Action::Top => 0,
        Action::Bottom => last.saturating_sub(page.saturating_sub(1)),
        _ => s,
    };
    Vec::new()
}

/// Table headers and section titles stand out from the figures.
fn is_heading(line: &str) -> bool {
    line.starts_with("Report ")
        || line.starts_with("Per owner")
        || ["TIER ", "KPI ", "OWNER "]
            .iter()
            .any(|h| line.starts_with(h))
}

pub fn render(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let Some(r) = &state.report.report else {
        let b = block("Report".into(), focused, theme);
        let inner = b.inner(area);
        f.render_widget(b, area);
        f.render_widget(
            Paragraph::new(Line::styled("Loading the report…", theme.dim())),
            inner,
        );
        return;
    };
    let title = format!("Report · last week {}", r.period);
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let text: Vec<Line> = lines(r, Some(inner.width))
        .into_iter()
        .skip(state.report.scroll)
        .take(inner.height as usize)
        .map(|l| {
            if is_heading(&l) {
                Line::styled(l, theme.header())
            } else {
                Line::raw(l)
            }
        })
        .collect();
    f.render_widget(Paragraph::new(text), inner);
}
