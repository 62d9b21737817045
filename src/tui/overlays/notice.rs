//! Text to read in full (keymap problems at start, recent messages): every
//! line wrapped to the popup, nothing cut; scrolls when long.

use super::super::app::State;
use super::super::keymap::{Action, Context};
use super::super::text::wrap;
use super::reading_popup;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn render(
    f: &mut Frame,
    area: Rect,
    state: &State,
    title: &str,
    lines: &[String],
    scroll: u16,
) {
    let back = state
        .keymap
        .hint(Context::Global, Action::Back)
        .unwrap_or_default();
    // Enter (confirm's `yes`) closes too; name it if it is still bound.
    let yes = state.keymap.keys_for(Context::Confirm, Action::Yes);
    let ok = yes
        .iter()
        .find(|k| k.to_string() == "enter")
        .or(yes.first())
        .map(|k| format!("/{k}"))
        .unwrap_or_default();
    let head = format!("{title} · {back}{ok} close");
    let inner = reading_popup(f, area, state, &head);
    let w = inner.width as usize;
    // Wrapped lines; `scroll` counts source lines so it survives a resize.
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll as usize)
        .flat_map(|l| wrap(l, w))
        .take(inner.height as usize)
        .map(Line::raw)
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
}
