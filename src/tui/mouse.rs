//! The mouse (on unless the user's config says `mouse = false`): a click
//! focuses the pane under it and selects the row clicked in the account
//! list and the agenda; the wheel moves like the up and down keys. Part of
//! `update`: it turns a mouse event into the same state changes and
//! effects as keys, using the layout render uses.

use super::effect::Effect;
use super::keymap::Action;
use super::layout;
use super::panes::keys::focus;
use super::state::{Overlay, Pane, State};
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// Rows one notch of the wheel moves.
pub const WHEEL_ROWS: usize = 3;

/// A click or a wheel notch: the events `handle` does something with.
pub fn acts_on(ev: &MouseEvent) -> bool {
    matches!(
        ev.kind,
        MouseEventKind::ScrollUp
            | MouseEventKind::ScrollDown
            | MouseEventKind::Down(MouseButton::Left)
    )
}

/// A mouse event over a terminal of size `area`.
pub fn handle(state: &mut State, ev: MouseEvent, area: Rect) -> Vec<Effect> {
    let wheel = match ev.kind {
        MouseEventKind::ScrollUp => Some(Action::Up),
        MouseEventKind::ScrollDown => Some(Action::Down),
        MouseEventKind::Down(MouseButton::Left) => None,
        _ => return Vec::new(),
    };
    if let Some(o) = &state.overlay {
        // Only the reading windows and the search hits scroll; a click
        // answers nothing (a question is answered with keys).
        let scrolls = matches!(
            o,
            Overlay::Help { .. }
                | Overlay::History { .. }
                | Overlay::Notice { .. }
                | Overlay::Search(_)
        );
        return match wheel {
            Some(a) if scrolls => repeat(state, a),
            _ => Vec::new(),
        };
    }
    if layout::too_small(area) {
        return Vec::new();
    }
    let at = Position::new(ev.column, ev.row);
    let areas = layout::compute(area, state.focus, state.side);
    let Some((pane, rect)) = areas.panes.into_iter().find(|(_, r)| r.contains(at)) else {
        return Vec::new();
    };
    if pane != state.focus {
        focus(state, pane);
    }
    if let Some(a) = wheel {
        return repeat(state, a);
    }
    match pane {
        Pane::Accounts => {
            let len = state.list.visible.len();
            if let Some(i) = row_at(rect, at, state.list.selected, len) {
                state.list.selected = i;
            }
        }
        Pane::Agenda => {
            let len = state.agenda.rows.len();
            let sel = state.agenda.selected.min(len.saturating_sub(1));
            if let Some(i) = row_at(rect, at, sel, len) {
                state.agenda.selected = i;
            }
        }
        _ => {}
    }
    Vec::new()
}

fn repeat(state: &mut State, a: Action) -> Vec<Effect> {
    (0..WHEEL_ROWS)
        .flat_map(|_| super::app::update(state, a))
        .collect()
}

/// The row index under `at` in a bordered table with a header line, drawn
/// as the panes draw it: scrolled so that `selected` is on the last line
/// when it would fall below.
fn row_at(pane: Rect, at: Position, selected: usize, len: usize) -> Option<usize> {
    let inner = Rect::new(
        pane.x + 1,
        pane.y + 1,
        pane.width.saturating_sub(2),
        pane.height.saturating_sub(2),
    );
    let first = inner.y + 1;
    if !inner.contains(at) || at.y < first {
        return None;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let offset = selected.saturating_sub(height.saturating_sub(1));
    let i = offset + (at.y - first) as usize;
    (i < len).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clicks_and_the_wheel_are_acted_on() {
        let ev = |kind| MouseEvent {
            kind,
            column: 0,
            row: 0,
            modifiers: ratatui::crossterm::event::KeyModifiers::NONE,
        };
        assert!(acts_on(&ev(MouseEventKind::ScrollDown)));
        assert!(acts_on(&ev(MouseEventKind::Down(MouseButton::Left))));
        assert!(!acts_on(&ev(MouseEventKind::Moved)));
        assert!(!acts_on(&ev(MouseEventKind::Up(MouseButton::Left))));
        assert!(!acts_on(&ev(MouseEventKind::Down(MouseButton::Right))));
    }

    #[test]
    fn rows_under_the_pointer_follow_the_scroll() {
        let pane = Rect::new(0, 0, 40, 12);
        // Border at y=0, header at y=1, first row at y=2; 9 rows fit.
        assert_eq!(row_at(pane, Position::new(5, 1), 0, 50), None);
        assert_eq!(row_at(pane, Position::new(5, 2), 0, 50), Some(0));
        assert_eq!(row_at(pane, Position::new(5, 4), 0, 50), Some(2));
        // Selected row 20 is drawn on the last line: rows 12..=20 shown.
        assert_eq!(row_at(pane, Position::new(5, 2), 20, 50), Some(12));
        // Below the last row of a short list, or on the border: nothing.
        assert_eq!(row_at(pane, Position::new(5, 6), 0, 3), None);
        assert_eq!(row_at(pane, Position::new(0, 4), 0, 50), None);
    }
}
