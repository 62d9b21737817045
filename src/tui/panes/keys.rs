//! Each pane's keys: what an action means where the focus is (the overlays
//! handle theirs in `overlays::keys`). Part of `update`: plain state in,
//! effects out.

use super::super::effect::Effect;
use super::super::filter::Filter;
use super::super::forms::Form;
use super::super::keymap::{Action, Context};
use super::super::msg::{load_list, load_window, show_account};
use super::super::overlays::keydates::KeyDateList;
use super::super::state::{Pane, State};
use super::super::view::MatrixView;
use crate::domain::InteractionKind;
use crate::segment::AgendaKind;

/// The cell's tier and bands in words (`Key: potential ≥50, value <50`).
pub fn describe_cell(m: &MatrixView, (r, c): (usize, usize)) -> Option<String> {
    let cell = m.cells.get(r)?.get(c)?;
    Some(format!(
        "{}: {} {}, {} {}",
        cell.tier,
        m.row_axis,
        m.rows.get(r)?,
        m.col_axis,
        m.cols.get(c)?
    ))
}

pub fn focus(state: &mut State, pane: Pane) {
    if matches!(pane, Pane::Profile | Pane::Timeline | Pane::Matrix) {
        state.side = pane;
    }
    state.focus = pane;
}

pub fn open_form(state: &mut State, form: Form) {
    state.overlay = Some(super::super::state::Overlay::Form {
        form: Box::new(form),
        confirm_discard: false,
    });
}

fn move_index(i: usize, len: usize, action: Action, page: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match action {
        Action::Up => i.saturating_sub(1),
        Action::Down => (i + 1).min(last),
        Action::PageUp => i.saturating_sub(page.max(1)),
        Action::PageDown => (i + page.max(1)).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => i.min(last),
    }
}

fn is_move(a: Action) -> bool {
    matches!(
        a,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    )
}

/// Actions that concern the selected account, from any pane.
fn account_action(state: &mut State, action: Action) -> bool {
    let Some((id, label)) = state.account_label() else {
        if matches!(
            action,
            Action::Edit | Action::AddInteraction | Action::AddContact | Action::AddFollowup
        ) {
            state.info("No account selected");
            return true;
        }
        return false;
    };
    let (today, user) = (state.today, state.user.clone());
    match action {
        Action::Edit => match &state.profile.detail {
            Some(d) if d.account.id == id => {
                let form = Form::account(Some(&d.account), &user);
                open_form(state, form);
            }
            _ => state.error("The account is still loading; try again"),
        },
        Action::AddInteraction => open_form(
            state,
            Form::interaction(id, &label, InteractionKind::Order, today),
        ),
        Action::LogTouch => open_form(
            state,
            Form::interaction(id, &label, InteractionKind::Call, today),
        ),
        Action::AddContact => open_form(state, Form::contact(id, &label)),
        Action::AddFollowup => {
            let due = today + chrono::Days::new(7);
            open_form(state, Form::followup(id, &label, &user, due));
        }
        _ => return false,
    }
    true
}

pub fn update_pane(state: &mut State, action: Action) -> Vec<Effect> {
    match state.focus {
        Pane::Accounts => accounts(state, action),
        Pane::Profile => profile(state, action),
        Pane::Timeline => timeline(state, action),
        Pane::Matrix => matrix(state, action),
        Pane::Agenda => agenda(state, action),
        Pane::Report => super::report::keys(state, action),
    }
}

fn accounts(state: &mut State, action: Action) -> Vec<Effect> {
    if is_move(action) {
        // Moves are over the whole filtered list; past the loaded window,
        // the window there is fetched.
        let list = &state.list;
        let len = if list.complete() {
            list.visible.len()
        } else {
            list.total
        };
        let to = move_index(list.position(), len, action, state.page);
        match to.checked_sub(list.offset) {
            Some(i) if i < list.visible.len() => state.list.selected = i,
            _ => return vec![load_window(state, to)],
        }
    } else if action == Action::Open {
        focus(state, Pane::Profile);
    } else if action == Action::SortNext {
        state.list.sort = state.list.sort.next();
        state.list.sort_reverse = false;
        let keep = state.selected_id();
        state.refilter(keep);
        state.info(format!("Sorted by {}", state.list.sort.label()));
        return vec![load_list(state, keep)];
    } else if matches!(
        action,
        Action::ToggleMark | Action::MarkAll | Action::UnmarkAll | Action::BulkEdit
    ) {
        return super::marking::act(state, action);
    } else if matches!(
        action,
        Action::SaveView | Action::SaveTeamView | Action::Views | Action::MyAccounts
    ) {
        return super::views::act(state, action);
    } else if action == Action::SortReverse {
        state.list.sort_reverse = !state.list.sort_reverse;
        let keep = state.selected_id();
        state.refilter(keep);
        return vec![load_list(state, keep)];
    } else {
        account_action(state, action);
    }
    Vec::new()
}

fn profile(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Up => state.profile.scroll = state.profile.scroll.saturating_sub(1),
        Action::Down => state.profile.scroll = state.profile.scroll.saturating_add(1),
        Action::PageUp => {
            state.profile.scroll = state.profile.scroll.saturating_sub(state.page as u16)
        }
        Action::PageDown => {
            state.profile.scroll = state.profile.scroll.saturating_add(state.page as u16)
        }
        Action::Top => state.profile.scroll = 0,
        Action::AddKeyDate | Action::KeyDates => key_dates(state, action),
        _ => {
            account_action(state, action);
        }
    }
    Vec::new()
}

/// A new key date's form, or the window of the account's key dates (from
/// the detail on screen: the profile shows the same list).
fn key_dates(state: &mut State, action: Action) {
    let Some((id, label)) = state.account_label() else {
        state.info("No account selected");
        return;
    };
    if action == Action::AddKeyDate {
        open_form(state, Form::key_date(id, &label, None));
        return;
    }
    match &state.profile.detail {
        Some(d) if d.account.id == id => {
            let list = KeyDateList::new(id, label, d.key_dates.clone());
            state.overlay = Some(super::super::state::Overlay::KeyDates(Box::new(list)));
        }
        _ => state.error("The account is still loading; try again"),
    }
}

fn timeline(state: &mut State, action: Action) -> Vec<Effect> {
    if is_move(action) {
        let n = state.timeline_entries().len();
        state.timeline.selected = move_index(state.timeline.selected, n, action, state.page);
    } else if action == Action::FilterKind {
        state.timeline.kind = next_kind(state.timeline.kind);
        state.timeline.selected = 0;
        state.info(match state.timeline.kind {
            Some(k) => format!("Timeline: {k} only"),
            None => "Timeline: all kinds".to_string(),
        });
    } else {
        account_action(state, action);
    }
    Vec::new()
}

fn matrix(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = state.matrix.view.rows.len();
    let cols = state.matrix.view.cols.len();
    let (r, c) = state.matrix.selected;
    match action {
        Action::Up => state.matrix.selected.0 = r.saturating_sub(1),
        Action::Down => state.matrix.selected.0 = (r + 1).min(rows.saturating_sub(1)),
        Action::Left => state.matrix.selected.1 = c.saturating_sub(1),
        Action::Right => state.matrix.selected.1 = (c + 1).min(cols.saturating_sub(1)),
        // `open` too, for keymaps written before `filter_cell`.
        Action::FilterCell | Action::Open if rows > 0 && cols > 0 => {
            if let Ok(f) = Filter::parse(&format!("cell:{r},{c}"), state.vocab()) {
                state.list.filter = f;
                state.list.selected = 0;
                state.refilter(None);
                focus(state, Pane::Accounts);
                if let Some(what) = describe_cell(&state.matrix.view, (r, c)) {
                    state.info(format!("Showing the accounts of the cell {what}"));
                }
                return vec![load_list(state, None)];
            }
        }
        Action::MarkReview => return vec![Effect::MarkReview],
        _ => {}
    }
    Vec::new()
}

fn agenda(state: &mut State, action: Action) -> Vec<Effect> {
    if is_move(action) {
        state.agenda.selected = move_index(
            state.agenda.selected,
            state.agenda.rows.len(),
            action,
            state.page,
        );
        return Vec::new();
    }
    let Some(row) = state.agenda.rows.get(state.agenda.selected).cloned() else {
        if matches!(
            action,
            Action::Open
                | Action::LogTouch
                | Action::MarkDone
                | Action::SnoozeDay
                | Action::SnoozeWeek
        ) {
            state.info("Nothing due");
        }
        return Vec::new();
    };
    match action {
        Action::Open => {
            let refetch = state.select_account(row.item.account);
            focus(state, Pane::Profile);
            if refetch {
                return vec![show_account(state, row.item.account)];
            }
        }
        Action::LogTouch => {
            let label = format!("{} {}", row.key, row.name);
            let kind = match row.item.kind {
                AgendaKind::ComplaintResolve => InteractionKind::Resolution,
                _ => InteractionKind::Call,
            };
            // The agenda's reason is context, not what was said:
            // it is shown above the form, the summary starts empty.
            let mut form = Form::interaction(row.item.account, &label, kind, state.today);
            form.subtitle = Some(format!(
                "Due: {}: {}",
                row.item.kind.as_str().replace('_', " "),
                row.item.text
            ));
            form.completes = row.item.follow_up;
            open_form(state, form);
        }
        Action::MarkDone => {
            if let Some(id) = row.item.follow_up {
                return vec![Effect::CompleteFollowUp { id, row }];
            }
            // Cadence and complaint items are closed by what is logged.
            let key = state.keymap.hint(Context::Agenda, Action::LogTouch);
            state.info(format!(
                "Only follow-ups can be marked done; log a touch ({}) for this one",
                key.unwrap_or_else(|| "log_touch".into())
            ));
        }
        Action::SnoozeDay | Action::SnoozeWeek => {
            let days = if action == Action::SnoozeDay { 1 } else { 7 };
            let until = state.today + chrono::Days::new(days);
            return vec![Effect::Snooze { row, until }];
        }
        _ => {}
    }
    Vec::new()
}

/// Cycles None → order → payment → … → None (system entries included).
fn next_kind(k: Option<InteractionKind>) -> Option<InteractionKind> {
    let all = InteractionKind::ALL;
    match k {
        None => all.first().copied(),
        Some(k) => {
            let i = all.iter().position(|x| *x == k).unwrap_or(0);
            all.get(i + 1).copied()
        }
    }
}
