//! Help: generated from the keymap (the bindings in force for the current
//! pane, then the global ones), never written by hand.

use super::super::app::State;
use super::super::keymap::{Context, KeySeq};
use super::super::panes::block;
use super::tall;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

fn keys_text(keys: &[KeySeq]) -> String {
    keys.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The help lines for the pane in focus (the context under the overlay).
pub fn lines(state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let ctx = state.focus_context();
    let mut out = Vec::new();
    for c in [ctx, Context::Global] {
        out.push(Line::styled(format!("[{}]", c.name()), theme.header()));
        for (action, keys) in state.keymap.bindings(c) {
            if keys.is_empty() {
                continue;
            }
            out.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys_text(keys)), theme.key()),
                Span::raw(action.description().to_string()),
            ]));
        }
        if c == Context::Global {
            break;
        }
        out.push(Line::raw(""));
    }
    out
}

pub fn render(f: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let r = tall(area, 80);
    f.render_widget(Clear, r);
    let b = block("Help · keys from your keymap".into(), true, &state.theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let all = lines(state);
    let max = all.len().saturating_sub(inner.height as usize) as u16;
    f.render_widget(Paragraph::new(all).scroll((scroll.min(max), 0)), inner);
}
