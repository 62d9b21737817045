//! The fuzzy search popup and the filter prompt.

use super::super::app::{Search, State};
use super::super::filter::FIELDS;
use super::super::input::LineEdit;
use super::super::panes::{block, tier_badge};
use super::super::text::{fit, safe, width, wrap};
use super::centered;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The input line with the cursor placed on it (cleaned like stored text).
fn input_line(f: &mut Frame, r: Rect, prompt: &str, input: &LineEdit) {
    let text = safe(input.text());
    let before: String = text.chars().take(input.cursor()).collect();
    let shown = fit(&format!("{prompt}{text}"), r.width as usize);
    f.render_widget(Paragraph::new(Line::raw(shown)), r);
    let x = (width(prompt) + width(&before)).min(r.width.saturating_sub(1) as usize) as u16;
    f.set_cursor_position(Position::new(r.x + x, r.y));
}

pub fn render_search(f: &mut Frame, area: Rect, state: &State, s: &Search) {
    let theme = &state.theme;
    let r = centered(area, 70, area.height.saturating_sub(4).min(20));
    f.render_widget(Clear, r);
    let b = block(format!("Search · {} matches", s.results.len()), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height == 0 {
        return;
    }
    let list_h = inner.height.saturating_sub(1) as usize;
    let offset = s.selected.saturating_sub(list_h.saturating_sub(1));
    let mut lines = Vec::new();
    for (k, row) in s.results.iter().enumerate().skip(offset).take(list_h) {
        let text = fit(
            &format!(
                "{:<4}{:<12} {}  · {}",
                tier_badge(&row.tier),
                safe(&row.text.key),
                safe(&row.text.name),
                safe(&row.text.owner)
            ),
            inner.width as usize,
        );
        let style = if k == s.selected {
            theme.selected()
        } else {
            theme.base()
        };
        lines.push(Line::styled(text, style));
    }
    let list_area = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
    f.render_widget(Paragraph::new(lines), list_area);
    input_line(
        f,
        Rect::new(inner.x, inner.y, inner.width, 1),
        "/",
        &s.input,
    );
}

pub fn render_filter(
    f: &mut Frame,
    area: Rect,
    state: &State,
    input: &LineEdit,
    error: Option<&str>,
) {
    let theme = &state.theme;
    let r = centered(area, 76, 6);
    f.render_widget(Clear, r);
    let b = block("Filter".into(), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height < 2 {
        return;
    }
    // Wrapped, so the known values an error names can all be read.
    let w = inner.width as usize;
    let help: Vec<Line> = match error {
        Some(e) => wrap(e, w)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.error())))
            .collect(),
        None => wrap(
            &format!("fields: {}  e.g. tier:key owner:li", FIELDS.join(" ")),
            w,
        )
        .into_iter()
        .map(|l| Line::styled(l, theme.dim()))
        .collect(),
    };
    let rest = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
    f.render_widget(Paragraph::new(help), rest);
    input_line(
        f,
        Rect::new(inner.x, inner.y, inner.width, 1),
        "filter: ",
        input,
    );
}
