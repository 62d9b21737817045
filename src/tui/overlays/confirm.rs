//! A yes/no question (discard unsaved changes?).

use super::super::app::State;
use super::super::keymap::{Action, Context};
use super::super::panes::block;
use super::centered;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn render(f: &mut Frame, area: Rect, state: &State, question: &str) {
    let theme = &state.theme;
    let r = centered(area, 44, 5);
    f.render_widget(Clear, r);
    let b = block("Confirm".into(), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let key = |a| state.keymap.hint(Context::Confirm, a).unwrap_or_default();
    let lines = vec![
        Line::raw(question.to_string()),
        Line::from(vec![
            Span::styled(key(Action::Yes), theme.key()),
            Span::raw(" yes   "),
            Span::styled(key(Action::No), theme.key()),
            Span::raw(" no"),
        ]),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}
