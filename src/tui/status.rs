//! The status bar: who, which database, as of when, the last message, and
//! key hints generated from the keymap for the current context.

use super::app::{State, Tone};
use super::keymap::{Action, Context};
use super::text::{fit, safe, width};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Global actions worth a hint everywhere outside modal contexts.
const GLOBAL_HINTS: [Action; 4] = [
    Action::Search,
    Action::Filter,
    Action::NextPane,
    Action::Quit,
];

/// (key, label) pairs for the hint bar, in keymap order.
pub fn hints(state: &State) -> Vec<(String, String)> {
    let ctx = state.context();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |action: Action| {
        if let Some(k) = state.keymap.hint(ctx, action) {
            let label = action.name().replace('_', " ");
            if !out.iter().any(|(_, l)| *l == label) {
                out.push((k, label));
            }
        }
    };
    // Help first, so the way to every other key is always on screen.
    push(Action::Help);
    for (action, keys) in state.keymap.bindings(ctx) {
        let moving = matches!(
            action,
            Action::Up | Action::Down | Action::PageUp | Action::PageDown
        );
        if !keys.is_empty() && !moving {
            push(*action);
        }
    }
    if !ctx.is_modal() && ctx != Context::Global {
        for a in GLOBAL_HINTS {
            push(a);
        }
    }
    out
}

pub fn render(f: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let w = area.width as usize;
    let mut head = vec![
        Span::styled(safe(&state.user), theme.title()),
        Span::raw(" · "),
        Span::raw(safe(&state.db_label)),
        Span::raw(" · as of "),
        Span::raw(state.today.to_string()),
    ];
    if let Some(m) = &state.message {
        let style = match m.tone {
            Tone::Info => theme.base(),
            Tone::Ok => theme.ok(),
            Tone::Error => theme.error(),
        };
        let used: usize = head.iter().map(|s| width(&s.content)).sum();
        head.push(Span::raw(" │ "));
        head.push(Span::styled(
            fit(&safe(&m.text), w.saturating_sub(used + 3)),
            style,
        ));
    }
    let mut hint_spans = Vec::new();
    let mut used = 0;
    for (k, label) in hints(state) {
        let cost = width(&k) + width(&label) + 3;
        if used + cost > w {
            break;
        }
        used += cost;
        hint_spans.push(Span::styled(k, theme.key()));
        hint_spans.push(Span::raw(format!(" {label}  ")));
    }
    let text = vec![Line::from(head), Line::from(hint_spans)];
    f.render_widget(Paragraph::new(text), area);
}
