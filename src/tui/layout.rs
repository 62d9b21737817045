//! Where each pane goes for a terminal size: all four main panes at ≥ 160
//! columns, the list plus one side pane at ≥ 100, one pane at a time below.

use super::app::Pane;
use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the UI says so instead of drawing a broken screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
pub const WIDE: u16 = 160;
pub const MEDIUM: u16 = 100;
/// Status bar: message line and key hints.
pub const STATUS_HEIGHT: u16 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub panes: Vec<(Pane, Rect)>,
    pub status: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Panes for `focus` (and the last side pane shown) in `area`.
pub fn compute(area: Rect, focus: Pane, side: Pane) -> Areas {
    let [body, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(STATUS_HEIGHT)]).areas(area);
    let panes = if matches!(focus, Pane::Agenda | Pane::Report) {
        vec![(focus, body)]
    } else if area.width >= WIDE {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        let [list, matrix] =
            Layout::vertical([Constraint::Min(8), Constraint::Length(14)]).areas(left);
        let [profile, timeline] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
        vec![
            (Pane::Accounts, list),
            (Pane::Profile, profile),
            (Pane::Timeline, timeline),
            (Pane::Matrix, matrix),
        ]
    } else if area.width >= MEDIUM {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        let shown = if focus == Pane::Accounts { side } else { focus };
        vec![(Pane::Accounts, left), (shown, right)]
    } else {
        vec![(focus, body)]
    };
    Areas { panes, status }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panes(w: u16, h: u16, focus: Pane) -> Vec<Pane> {
        compute(Rect::new(0, 0, w, h), focus, Pane::Timeline)
            .panes
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    #[test]
    fn grows_with_the_terminal() {
        assert_eq!(panes(80, 24, Pane::Matrix), vec![Pane::Matrix]);
        assert_eq!(
            panes(120, 40, Pane::Accounts),
            vec![Pane::Accounts, Pane::Timeline]
        );
        assert_eq!(panes(200, 50, Pane::Accounts).len(), 4);
        assert_eq!(panes(200, 50, Pane::Agenda), vec![Pane::Agenda]);
        assert!(too_small(Rect::new(0, 0, 40, 10)));
        assert!(!too_small(Rect::new(0, 0, 80, 24)));
    }
}
