//! Help: generated from the keymap (the bindings in force for the current
//! pane, then the global ones), never written by hand.

use super::super::app::State;
use super::super::keymap::{Context, KeySeq};
use super::super::panes::block;
use super::super::text::{width as text_width, wrap};
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

/// Keys column: two spaces, 18 cells of keys.
const KEYS_W: usize = 20;

/// The help lines for the pane in focus (the context under the overlay),
/// descriptions wrapped to `width`.
pub fn lines(state: &State, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let ctx = state.focus_context();
    let mut out = Vec::new();
    for c in [ctx, Context::Global] {
        out.push(Line::styled(format!("[{}]", c.name()), theme.header()));
        for (action, keys) in state.keymap.bindings(c) {
            if keys.is_empty() {
                continue;
            }
            let keys = keys_text(keys);
            let mut desc = wrap(action.description(), width.saturating_sub(KEYS_W).max(10));
            // Long key lists get a line of their own.
            if text_width(&keys) > KEYS_W - 3 {
                out.push(Line::styled(format!("  {keys}"), theme.key()));
            } else if let Some(first) = desc.first_mut() {
                let first = std::mem::take(first);
                out.push(Line::from(vec![
                    Span::styled(format!("  {keys:<w$}", w = KEYS_W - 2), theme.key()),
                    Span::raw(first),
                ]));
                desc.remove(0);
            }
            for more in desc {
                out.push(Line::raw(format!("{:KEYS_W$}{more}", "")));
            }
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
    let all = lines(state, inner.width as usize);
    let max = all.len().saturating_sub(inner.height as usize) as u16;
    f.render_widget(Paragraph::new(all).scroll((scroll.min(max), 0)), inner);
}
