//! The list's marks for a bulk change: mark a row, every row the filter
//! matches (kept as the filter: the server resolves it), unmark all, and
//! open the bulk form for what is marked.

use super::super::effect::Effect;
use super::super::keymap::{Action, Context};
use super::super::overlays::bulk::BulkForm;
use super::super::state::{Overlay, State};

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    let key = |state: &State, a: Action| {
        state
            .keymap
            .hint(Context::List, a)
            .unwrap_or_else(|| a.name().to_string())
    };
    match action {
        Action::ToggleMark => {
            let Some(row) = state.selected_row().cloned() else {
                state.info("No account selected");
                return Vec::new();
            };
            if !state.list.marks.toggle(&row) {
                let k = key(state, Action::UnmarkAll);
                state.info(format!(
                    "All accounts matching another filter are marked; unmark all ({k}) first"
                ));
                return Vec::new();
            }
            // On to the next row, so a run of rows is marked key by key.
            if state.list.selected + 1 < state.list.visible.len() {
                state.list.selected += 1;
            }
            let now = if state.list.marks.is_marked(&row) {
                "marked"
            } else {
                "unmarked"
            };
            state.info(format!("{} {now}", row.text.key));
        }
        Action::MarkAll => {
            let n = state.list.matching();
            if n == 0 {
                state.info("No account to mark");
                return Vec::new();
            }
            let filter = state.list.filter.text().to_string();
            state.list.marks.mark_all(&filter, n);
            state.info(if filter.is_empty() {
                format!("Marked all {n} accounts")
            } else {
                format!("Marked all {n} accounts matching {filter}")
            });
        }
        Action::UnmarkAll => {
            if state.list.marks.is_empty() {
                state.info("No rows are marked");
            } else {
                state.list.marks.clear();
                state.info("Marks cleared");
            }
        }
        Action::BulkEdit => {
            let marks = &state.list.marks;
            if marks.is_empty() {
                let (m, a) = (key(state, Action::ToggleMark), key(state, Action::MarkAll));
                state.info(format!(
                    "Mark rows first ({m} marks a row, {a} all matching the filter)"
                ));
                return Vec::new();
            }
            let form = BulkForm::new(marks.target(), marks.count());
            state.overlay = Some(Overlay::Bulk(Box::new(form)));
        }
        _ => {}
    }
    Vec::new()
}
