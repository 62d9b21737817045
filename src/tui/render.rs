//! Draws one frame from the state. Reads only.

use super::app::{Overlay, Pane, State};
use super::keymap::{Action, Context};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::overlays;
use super::panes;
use super::status;
use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(f: &mut Frame, state: &State) {
    let area = f.area();
    if layout::too_small(area) {
        // Short lines, wrapped: this must read even in a tiny window.
        let msg = vec![
            Line::styled("Too small", state.theme.error()),
            Line::raw(format!(
                "{}×{}, need {MIN_WIDTH}×{MIN_HEIGHT}.",
                area.width, area.height
            )),
            Line::raw(format!(
                "Enlarge, or {} quits.",
                state
                    .keymap
                    .hint(Context::Global, Action::Quit)
                    .unwrap_or_else(|| "quit".into())
            )),
        ];
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let areas = layout::compute(area, state.focus, state.side);
    for (pane, rect) in &areas.panes {
        let focused = *pane == state.focus;
        match pane {
            Pane::Accounts => panes::accounts::render(f, *rect, state, focused),
            Pane::Profile => panes::profile::render(f, *rect, state, focused),
            Pane::Timeline => panes::timeline::render(f, *rect, state, focused),
            Pane::Matrix => panes::matrix::render(f, *rect, state, focused),
            Pane::Agenda => panes::agenda::render(f, *rect, state, focused),
            Pane::Report => panes::report::render(f, *rect, state, focused),
        }
    }
    status::render(f, areas.status, state);
    match &state.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => overlays::help::render(f, area, state, *scroll),
        Some(Overlay::History {
            title,
            lines,
            scroll,
        }) => overlays::history::render(f, area, state, title, lines, *scroll),
        Some(Overlay::Notice {
            title,
            lines,
            scroll,
        }) => overlays::notice::render(f, area, state, title, lines, *scroll),
        Some(Overlay::Search(s)) => overlays::search::render_search(f, area, state, s),
        Some(Overlay::Review(run)) => overlays::review::render(f, area, state, run),
        Some(Overlay::Merge(view)) => overlays::merge::render(f, area, state, view),
        Some(Overlay::Bulk(b)) => overlays::bulk::render(f, area, state, b),
        Some(Overlay::ViewName(p)) => overlays::views::render_prompt(f, area, state, p),
        Some(Overlay::Views(l)) => overlays::views::render_list(f, area, state, l),
        Some(Overlay::KeyDates(l)) => overlays::keydates::render(f, area, state, l),
        Some(Overlay::Filter { input, error }) => {
            overlays::search::render_filter(f, area, state, input, error.as_deref())
        }
        Some(Overlay::Form {
            form,
            confirm_discard,
        }) => {
            overlays::form::render(f, area, state, form);
            if *confirm_discard {
                overlays::confirm::render(f, area, state, "Discard unsaved changes?");
            }
        }
    }
}
