//! Help: generated from the action table and the keymap in force (the
//! bindings of the current pane, then the global ones that reach it, each
//! only where its action works), never written by hand.

use super::super::app::State;
use super::super::keymap::{Action, Context, KeySeq, Place};
use super::super::panes::block;
use super::super::text::{width as text_width, wrap};
use super::tall;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

fn keys_text(keys: &[&KeySeq]) -> String {
    keys.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keys column: two spaces, 18 cells of keys.
const KEYS_W: usize = 20;

/// The help lines for the pane in focus (under the overlay): the keys of its
/// own section, then the `[global]` keys that reach it, each only for an
/// action that works there (the action table says where), descriptions
/// wrapped to `width`.
pub fn lines(state: &State, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let ctx = state.focus_context();
    let place = Place::pane(ctx).unwrap_or(Place::List);
    let keymap = &state.keymap;
    let mut out = Vec::new();
    for c in [ctx, Context::Global] {
        out.push(Line::styled(format!("[{}]", c.name()), theme.header()));
        for action in Action::ALL.iter().filter(|a| a.works(place)) {
            let keys = if c == Context::Global {
                keymap.global_keys(ctx, *action)
            } else {
                keymap.own_keys(ctx, *action)
            };
            if keys.is_empty() {
                continue;
            }
            let keys = keys_text(&keys);
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
