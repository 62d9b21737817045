//! A form: one line per field (notes may take several), the reason for a bad
//! value right next to the field, the focused field's hint at the bottom.

use super::super::app::State;
use super::super::forms::{FieldKind, Form, LABEL_MAX};
use super::super::keymap::{Action, Context};
use super::super::panes::block;
use super::super::text::{fit, safe, width};
use super::tall;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Marker, label, one space.
const LABEL_W: usize = LABEL_MAX + 2;
/// Lines a focused notes field may take.
const NOTES_LINES: usize = 5;

pub fn render(f: &mut Frame, area: Rect, state: &State, form: &Form) {
    let theme = &state.theme;
    let r = tall(area, 96);
    f.render_widget(Clear, r);
    let key = |a| state.keymap.hint(Context::Form, a).unwrap_or_default();
    let title = format!(
        "{} · {} save · {} cancel",
        safe(&form.title),
        key(Action::Save),
        key(Action::Cancel)
    );
    let b = block(fit(&title, r.width.saturating_sub(4) as usize), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height < 2 || (inner.width as usize) < LABEL_W + 4 {
        return;
    }
    // Why the form was opened stays on top, above the scrolling fields.
    let inner = match &form.subtitle {
        Some(sub) => {
            f.render_widget(
                Paragraph::new(Line::styled(
                    fit(&safe(sub), inner.width as usize),
                    theme.dim(),
                )),
                Rect::new(inner.x, inner.y, inner.width, 1),
            );
            Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1)
        }
        None => inner,
    };
    if inner.height < 2 {
        return;
    }
    let value_w = inner.width as usize - LABEL_W;
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = 0;
    let mut cursor: Option<(usize, usize)> = None;
    for (idx, field) in form.fields.iter().enumerate() {
        let focused = idx == form.focus;
        let label_style = if focused { theme.key() } else { theme.dim() };
        let marker = if focused { "›" } else { " " };
        let label = format!(
            "{marker}{:<w$}",
            fit(field.label, LABEL_W - 2),
            w = LABEL_W - 1
        );
        if focused {
            focus_line = lines.len();
        }
        // Text is cleaned line by line before display, like stored text.
        let raw_lines: Vec<&str> = field.value().split('\n').collect();
        let shown: Vec<String> = if field.kind == FieldKind::Notes && focused {
            raw_lines
                .iter()
                .take(NOTES_LINES.max(1))
                .map(|l| safe(l))
                .collect()
        } else if raw_lines.len() > 1 {
            vec![format!(
                "{} … (+{} lines)",
                safe(raw_lines[0]),
                raw_lines.len() - 1
            )]
        } else {
            vec![safe(raw_lines[0])]
        };
        if focused {
            // Cursor: line and column of the char index within the text.
            let before: String = field.value().chars().take(field.edit.cursor()).collect();
            let row = before
                .matches('\n')
                .count()
                .min(shown.len().saturating_sub(1));
            let col = width(&safe(before.rsplit('\n').next().unwrap_or("")));
            cursor = Some((
                lines.len() + row,
                LABEL_W + col.min(value_w.saturating_sub(1)),
            ));
        }
        for (k, text) in shown.iter().enumerate() {
            let mut spans = vec![if k == 0 {
                Span::styled(label.clone(), label_style)
            } else {
                Span::raw(" ".repeat(LABEL_W))
            }];
            let value = fit(text, value_w);
            let used = width(&value);
            spans.push(Span::raw(value));
            if k == 0
                && let Some(e) = &field.error
            {
                let room = value_w.saturating_sub(used + 3);
                if room >= 12 {
                    spans.push(Span::styled(format!("  ✗ {}", fit(e, room)), theme.error()));
                } else {
                    lines.push(Line::from(spans));
                    spans = vec![
                        Span::raw(" ".repeat(LABEL_W)),
                        Span::styled(format!("✗ {}", fit(e, value_w - 2)), theme.error()),
                    ];
                }
            }
            lines.push(Line::from(spans));
        }
        if let Some(c) = &field.conflict {
            // Both values, one line each, under the field: nothing is hidden.
            let one = |v: &str| safe(&v.replace('\n', " ⏎ "));
            for (who, v) in [("theirs", &c.theirs), ("mine", &c.mine)] {
                let text = format!("⚠ {who}: {}", one(v));
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_W)),
                    Span::styled(fit(&text, value_w), theme.error()),
                ]));
            }
        }
    }
    let body_h = inner.height as usize - 1;
    let scroll = focus_line.saturating_sub(body_h.saturating_sub(NOTES_LINES + 1).max(1));
    let scroll = scroll.min(lines.len().saturating_sub(body_h));
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(body_h).collect();
    f.render_widget(
        Paragraph::new(visible),
        Rect::new(inner.x, inner.y, inner.width, body_h as u16),
    );
    let hint = match form.focused() {
        Some(fl) if fl.conflict.is_some() => format!(
            "changed by both: {} keep mine · {} take theirs",
            key(Action::KeepMine),
            key(Action::TakeTheirs)
        ),
        Some(fl) => fl.hint(),
        None => String::new(),
    };
    let nav = format!(
        "{} next · {} previous",
        key(Action::NextField),
        key(Action::PrevField)
    );
    let bottom = if hint.is_empty() {
        nav
    } else {
        format!("{hint} · {nav}")
    };
    f.render_widget(
        Paragraph::new(Line::styled(
            fit(&bottom, inner.width as usize),
            theme.dim(),
        )),
        Rect::new(inner.x, inner.y + body_h as u16, inner.width, 1),
    );
    if let Some((row, col)) = cursor
        && row >= scroll
        && row - scroll < body_h
    {
        f.set_cursor_position(Position::new(
            inner.x + col as u16,
            inner.y + (row - scroll) as u16,
        ));
    }
}
