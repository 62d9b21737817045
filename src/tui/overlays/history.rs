//! An account's change history: who changed what, when, newest first, each
//! field before → after (the same lines as `kam log KEY`).

use super::super::app::State;
use super::super::keymap::{Action, Context};
use super::super::text::{fit, safe};
use super::reading_popup;
use crate::audit::AuditEntry;
use crate::domain::AccountId;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// The overlay's lines, newest change first, with the records of `account`.
pub fn lines(entries: &[AuditEntry], account: AccountId) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries.iter().rev() {
        out.push(crate::describe::entry_title(e));
        for c in crate::describe::changes_of(e, Some(account)) {
            for l in crate::describe::change_lines(c) {
                out.push(format!("  {l}"));
            }
        }
    }
    if out.is_empty() {
        out.push("No changes recorded for this account yet.".into());
    }
    out
}

pub fn render(
    f: &mut Frame,
    area: Rect,
    state: &State,
    title: &str,
    lines: &[String],
    scroll: u16,
) {
    let theme = &state.theme;
    let close = state
        .keymap
        .hint(Context::Global, Action::Back)
        .unwrap_or_default();
    let head = format!("History · {} · {close} close", safe(title));
    let inner = reading_popup(f, area, state, &head);
    let w = inner.width as usize;
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll as usize)
        .take(inner.height as usize)
        .map(|l| {
            // Stored text comes from other users: cleaned before display.
            let text = fit(&safe(l), w);
            if l.starts_with('#') {
                Line::styled(text, theme.header())
            } else {
                Line::raw(text)
            }
        })
        .collect();
    f.render_widget(Paragraph::new(shown), inner);
}
