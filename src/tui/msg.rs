//! The loop's return path: what the backend answered (`Msg`) becomes state
//! here, and only here or in `app::update`. A write's answer carries what it
//! changed, applied to the rows on screen; nothing reloads the book. A lost
//! server keeps the last data on screen and says so.

use super::app::conflict_hint;
use super::effect::{Effect, Keep, Msg, Op, Update};
use super::state::{Overlay, State};
use crate::audit::RecordImage;
use crate::backend::{BackendError, Notice};
use crate::book::BookError;
use crate::book::query::{ListPage, ListQuery, Touched};
use crate::domain::AccountId;
use crate::segment::TierChange;
use crate::store::StoreError;

/// Applies one answer; may ask for more (a page after a change that touched
/// every row, the detail of a touched account).
pub fn apply(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Loaded {
            page,
            matrix,
            agenda,
            agenda_version,
            tiers,
            keep,
        } => {
            state.tiers = tiers;
            state.matrix.view = matrix;
            state.agenda.rows = agenda;
            state.agenda.version = agenda_version;
            clamp_agenda(state);
            set_page(state, page, keep.map(Keep::Account));
            return reload_detail(state);
        }
        Msg::Listed { page, keep } => {
            // An account to show that the window around it lacks is
            // filtered out: showing it beats keeping the filter.
            if let Some(Keep::Show(id)) = keep
                && !page.rows.iter().any(|r| r.id == id)
                && !state.list.filter.is_empty()
            {
                state.list.filter = Default::default();
                return vec![show_account(state, id)];
            }
            set_page(state, page, keep);
        }
        Msg::Detail { id, detail } => {
            let same = state.profile.detail.as_ref().map(|d| d.account.id) == Some(id);
            if !same {
                state.timeline.selected = 0;
                state.profile.scroll = 0;
            }
            // An answer for an account no longer selected is dropped.
            if state.selected_id() == Some(id) {
                state.profile.detail = detail.map(|d| *d);
            }
        }
        Msg::Hits { text, rows } => {
            if let Some(Overlay::Search(s)) = &mut state.overlay
                && s.input.text() == text
            {
                s.results = rows;
                s.selected = s.selected.min(s.results.len().saturating_sub(1));
            }
        }
        Msg::Changed(update) => return apply_update(state, update),
        Msg::Saved {
            update,
            tier_changes,
            new_key,
            completed,
        } => {
            state.overlay = None;
            let mut fx = apply_update(state, update);
            if let Some(key) = new_key
                && let Some(id) = state
                    .list
                    .rows
                    .iter()
                    .find(|r| *r.text.key == *key)
                    .map(|r| r.id)
                && state.select_account(id)
            {
                fx.push(show_account(state, id));
            }
            let mut msg = describe(state, &tier_changes);
            match completed.map(|c| *c) {
                None => state.ok(msg),
                Some(Ok(update)) => {
                    fx.extend(apply_update(state, update));
                    msg.push_str(" · follow-up done");
                    state.ok(msg);
                }
                Some(Err(e)) => state.error(format!("{msg}, but the follow-up is still open: {e}")),
            }
            fx.extend(reload_detail(state));
            return dedup(fx);
        }
        Msg::Completed { row, update } => {
            let fx = apply_update(state, update);
            state.ok(format!("Done: {} {}", row.key, row.item.text));
            return fx;
        }
        Msg::Snoozed { row, until, update } => {
            let fx = apply_update(state, update);
            state.ok(format!("Snoozed {} until {until}", row.key));
            return fx;
        }
        Msg::Reviewed { count, update } => {
            let fx = apply_update(state, update);
            state.ok(format!("Review marked: {count} accounts"));
            return fx;
        }
        Msg::ViewSaved { name } => state.ok(format!("Saved the view {name}")),
        Msg::Views(items) => {
            if state.overlay.is_none() {
                state.overlay = Some(Overlay::Views(super::overlays::views::ViewList {
                    items,
                    selected: 0,
                }));
            }
        }
        Msg::Bulked { count, update } => {
            let fx = apply_update(state, update);
            if matches!(state.overlay, Some(Overlay::Bulk(_))) {
                state.overlay = None;
            }
            state.list.marks.clear();
            state.ok(format!(
                "Bulk change: {} changed (undo takes it back as one)",
                crate::domain::text::plural(count, "account")
            ));
            return fx;
        }
        Msg::KeyDateDeleted { what, update } => {
            let fx = apply_update(state, update);
            state.ok(format!("Deleted the key date {what}"));
            return fx;
        }
        Msg::Undone { what, update } => {
            let fx = apply_update(state, update);
            state.ok(format!("Undone {what}"));
            return fx;
        }
        Msg::History {
            account,
            label,
            entries,
        } => {
            state.overlay = Some(Overlay::History {
                title: label,
                lines: super::overlays::history::lines(&entries, account),
                scroll: 0,
            })
        }
        Msg::Draft { form, saved } => match form {
            Some(form) if state.overlay.is_none() => {
                state.overlay = Some(Overlay::Form {
                    form,
                    confirm_discard: false,
                });
                state.info(format!(
                    "Restored the unsaved form kept on {saved}, when the terminal went away"
                ));
            }
            Some(_) => state.error(format!(
                "An unsaved form kept on {saved} was not reopened: another window is open"
            )),
            None => state.error(format!(
                "An unsaved form kept on {saved} was about an account that no longer exists"
            )),
        },
        Msg::Report(r) => super::panes::report::loaded(state, *r),
        Msg::Failed { op, error } => failed(state, op, error),
        Msg::Notices(notices) => return notices_in(state, notices),
        Msg::Peers(peers) => {
            let focus = state.editing().or(state.selected_id());
            state.presence = super::status::presence(&peers, focus);
        }
        Msg::ReviewLoaded(items) => {
            state.paused_review = None;
            state.overlay = Some(Overlay::Review(Box::new(
                super::overlays::review::ReviewRun::new(items),
            )));
        }
        Msg::ReviewWritten { what, update } => {
            let fx = apply_update(state, update);
            state.ok(what);
            return fx;
        }
        Msg::MergePlanned(plan) => {
            state.overlay = Some(Overlay::Merge(Box::new(
                super::overlays::merge::MergeView::new(*plan),
            )));
        }
        Msg::Merged { what, keep, update } => {
            let mut fx = apply_update(state, update);
            state.ok(what);
            if state.selected_id() == Some(keep) {
                fx.push(show_account(state, keep));
            }
            return fx;
        }
    }
    Vec::new()
}

/// The list from its top for a new filter or sort, keeping `keep`
/// selected (and its window) if the new list has it.
pub fn load_list(state: &State, keep: Option<AccountId>) -> Effect {
    Effect::LoadList {
        query: ListQuery {
            offset: 0,
            ..state.list_query(keep)
        },
        keep: keep.map(Keep::Account),
    }
}

/// The window holding `id`, selected (the filter goes if it hides it).
pub fn show_account(state: &State, id: AccountId) -> Effect {
    Effect::LoadList {
        query: ListQuery {
            offset: 0,
            ..state.list_query(Some(id))
        },
        keep: Some(Keep::Show(id)),
    }
}

/// The window around position `at` of the whole list, `at` selected.
pub fn load_window(state: &State, at: usize) -> Effect {
    Effect::LoadList {
        query: ListQuery {
            offset: at.saturating_sub(state.list.window / 2),
            ..state.list_query(None)
        },
        keep: Some(Keep::At(at)),
    }
}

/// Everything again (start, resync, reconnect), the selection kept.
pub fn reload(state: &State) -> Effect {
    let keep = state.selected_id();
    Effect::Reload {
        query: state.list_query(keep),
        keep,
    }
}

/// The detail to load when the selection moved to another account (or it
/// was dropped).
pub fn follow_selection(state: &State) -> Vec<Effect> {
    let want = state.selected_id();
    let have = state.profile.detail.as_ref().map(|d| d.account.id);
    match want {
        Some(id) if want != have => vec![Effect::LoadDetail(id)],
        _ => Vec::new(),
    }
}

fn reload_detail(state: &State) -> Vec<Effect> {
    state
        .selected_id()
        .map(Effect::LoadDetail)
        .into_iter()
        .collect()
}

fn dedup(mut fx: Vec<Effect>) -> Vec<Effect> {
    let mut out: Vec<Effect> = Vec::new();
    for e in fx.drain(..) {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

fn clamp_agenda(state: &mut State) {
    let n = state.agenda.rows.len();
    state.agenda.selected = state.agenda.selected.min(n.saturating_sub(1));
}

fn set_page(state: &mut State, page: ListPage, keep: Option<Keep>) {
    state.lost = None;
    state.list.accounts_total = page.accounts;
    state.list.offset = page.offset;
    state.list.total = page.total;
    state.list.rows = page.rows;
    match keep {
        Some(Keep::At(at)) => {
            state.refilter(None);
            let last = state.list.visible.len().saturating_sub(1);
            state.list.selected = at.saturating_sub(page.offset).min(last);
        }
        Some(Keep::Account(id) | Keep::Show(id)) => state.refilter(Some(id)),
        None => {
            let keep = state.selected_id();
            state.refilter(keep);
        }
    }
}

/// A change's rows replace those on screen (new ones join, missing ones
/// leave), re-placed by the list's own filter and sort; the matrix and the
/// agenda are the change's. A change that touched everything asks for all
/// of it again; the open account's detail is reloaded when it was touched.
fn apply_update(state: &mut State, u: Update) -> Vec<Effect> {
    let mut fx = apply_rows(state, u);
    // The report on screen is asked for again: the change may count in it.
    if state.focus == super::state::Pane::Report {
        fx.push(super::panes::report::load(state));
    }
    fx
}

fn apply_rows(state: &mut State, u: Update) -> Vec<Effect> {
    state.matrix.view = u.matrix;
    u.agenda.apply(&mut state.agenda.rows);
    state.agenda.version = Some(u.agenda_version);
    state.list.accounts_total = u.accounts;
    clamp_agenda(state);
    let keep = state.selected_id();
    let ids = match u.touched {
        // The model may have changed too (tier names, the grid): all of it
        // again, the detail with it.
        Touched::All => return vec![reload(state)],
        Touched::Accounts(ids) => ids,
    };
    state.list.rows.retain(|r| !ids.contains(&r.id));
    state.list.rows.extend(u.rows);
    state.refilter(keep);
    match keep {
        Some(id) if ids.contains(&id) => vec![Effect::LoadDetail(id)],
        _ => Vec::new(),
    }
}

fn describe(state: &State, changes: &[TierChange]) -> String {
    let mut parts = vec!["Saved".to_string()];
    for c in changes.iter().take(3) {
        let key = state
            .list
            .rows
            .iter()
            .find(|r| r.id == c.account)
            .map(|r| &*r.text.key)
            .unwrap_or("?");
        match &c.from {
            Some(from) => parts.push(format!("{key}: {from} → {}", c.to)),
            None => parts.push(format!("{key}: {}", c.to)),
        }
    }
    if changes.len() > 3 {
        parts.push(format!("+{} more tier changes", changes.len() - 3));
    }
    parts.join(" · ")
}

/// A lost server is a state of its own: the rows stay, the list says
/// "reconnecting…", and the message says what did not happen.
fn lose(state: &mut State, why: &str) {
    state.lost = Some(why.to_string());
}

fn failed(state: &mut State, op: Op, e: BackendError) {
    if let BackendError::Lost { why } = &e {
        lose(state, why);
    }
    let what = match op {
        Op::Load => "Could not load",
        Op::LoadDetail => "Could not load the account",
        Op::Search => {
            // What the loaded rows hold is still worth showing.
            if let Some(Overlay::Search(s)) = &mut state.overlay {
                super::app::loaded_hits(s, &state.list.rows);
            }
            "Search failed"
        }
        Op::Save => return save_failed(state, e),
        Op::Complete => "Not marked done",
        Op::Snooze => "Not snoozed",
        Op::Review => "Review not marked",
        Op::Undo => "Not undone",
        Op::History => "Could not load the history",
        Op::Merge => "Not merged",
        Op::Report => "Could not load the report",
        Op::Views => "Saved views",
        Op::DeleteKeyDate => "Key date not deleted",
        Op::Bulk => {
            // The form stays open with the reason, so nothing typed is lost.
            if let Some(Overlay::Bulk(b)) = &mut state.overlay {
                b.error = Some(e.to_string());
            }
            "Nothing changed"
        }
    };
    let tail = if e.is_lost() {
        " — reconnecting…"
    } else {
        ""
    };
    state.error(format!("{what}: {e}{tail}"));
}

/// A failed save: a conflict moves the open form onto the current record and
/// marks the fields both sides changed; anything else is reported. The form
/// stays open either way, so nothing typed is lost.
fn save_failed(state: &mut State, e: BackendError) {
    if let BackendError::Book(BookError::Conflict(info)) = &e
        && let RecordImage::Account(current) = &info.current
        && let Some(Overlay::Form { form, .. }) = &mut state.overlay
        && form.base_account().is_some()
    {
        let n = form.rebase(current);
        let who = info
            .by
            .as_deref()
            .map(|u| format!("{u} changed {} meanwhile. ", info.record.label()))
            .unwrap_or_default();
        if n == 0 {
            state.info(format!(
                "{who}Their changes were taken into the form; check and save again"
            ));
        } else {
            let hint = conflict_hint(&state.keymap, n);
            state.error(format!("{who}{hint}"));
        }
        return;
    }
    // A refusal about one field goes next to that field, where it is read.
    let field = match &e {
        BackendError::Book(BookError::Store(StoreError::DuplicateKey(k))) => {
            Some(("key", format!("'{k}' is already used by another account")))
        }
        BackendError::Book(BookError::Store(StoreError::Invalid(fe))) => {
            Some((fe.field, fe.reason.clone()))
        }
        _ => None,
    };
    if let Some((name, reason)) = field
        && let Some(Overlay::Form { form, .. }) = &mut state.overlay
        && form.set_error(name, &reason)
    {
        state.error("Not saved: fix the marked field, then save again");
        return;
    }
    if e.is_lost() {
        state.error(format!(
            "Not saved: {e} — reconnecting…; the form is kept, save again when it is back"
        ));
        return;
    }
    state.error(format!("Not saved: {e}"));
}

/// Notices from the shared book: others' changes refresh what they touched,
/// with who did what in the message line; a loss keeps the screen and says
/// so; a reconnect reloads (changes made meanwhile follow as `Changed`).
fn notices_in(state: &mut State, notices: Vec<Notice>) -> Vec<Effect> {
    let mut fx = Vec::new();
    let mut reconnected = false;
    let mut note: Option<(bool, String)> = None;
    for n in notices {
        match n {
            Notice::Changed {
                user,
                summary,
                touched,
                ..
            } => {
                fx.push(Effect::Refresh {
                    touched,
                    agenda: state.agenda.version,
                });
                note = Some((false, format!("{user}: {summary}")));
            }
            Notice::Resync => fx.push(reload(state)),
            Notice::Reconnected => {
                fx.push(reload(state));
                reconnected = true;
                state.lost = None;
                if matches!(note, Some((true, _))) {
                    note = None;
                }
            }
            Notice::Presence => {}
            Notice::Lost(why) => {
                reconnected = false;
                lose(state, &why);
                note = Some((true, format!("{why} — reconnecting…")));
            }
        }
    }
    let note = match note {
        Some((false, change)) if reconnected => {
            Some((false, format!("reconnected to the kam server · {change}")))
        }
        None if reconnected => Some((false, "reconnected to the kam server".to_string())),
        other => other,
    };
    match note {
        Some((false, text)) => state.info(text),
        Some((true, text)) => state.error(text),
        None => {}
    }
    dedup(fx)
}

#[cfg(test)]
mod tests {
    use super::super::keymap::Keymap;
    use super::super::theme::Theme;
    use super::super::view::{AccountRow, MatrixView};
    use super::*;
    use crate::book::query::AgendaUpdate;

    fn row(id: u64, key: &str, rank: usize) -> AccountRow {
        AccountRow {
            id: AccountId(id),
            text: std::sync::Arc::new(super::super::view::RowText {
                key: key.into(),
                name: key.to_lowercase().into(),
                ..Default::default()
            }),
            tier_rank: rank,
            ..Default::default()
        }
    }

    fn state() -> State {
        let mut s = State::new(
            "li",
            "test",
            chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            Keymap::defaults(),
            Theme::new(false),
        );
        s.list.accounts_total = 3;
        s.list.rows = vec![row(1, "A", 0), row(2, "B", 1), row(3, "C", 2)];
        s.refilter(None);
        s
    }

    fn update(touched: Touched, rows: Vec<AccountRow>) -> Update {
        Update {
            touched,
            rows,
            matrix: MatrixView::default(),
            agenda: AgendaUpdate::Full(Vec::new()),
            agenda_version: 1,
            accounts: 3,
        }
    }

    fn keys(s: &State) -> Vec<&str> {
        s.list
            .visible
            .iter()
            .map(|i| &*s.list.rows[*i].text.key)
            .collect()
    }

    #[test]
    fn a_change_replaces_adds_and_drops_its_rows_in_place_without_a_reload() {
        let mut s = state();
        // B moved to the top tier, D is new, C is gone; A is untouched.
        let ids = vec![AccountId(2), AccountId(3), AccountId(4)];
        let fx = apply(
            &mut s,
            Msg::Changed(update(
                Touched::Accounts(ids),
                vec![row(2, "B", 0), row(4, "D", 5)],
            )),
        );
        assert_eq!(keys(&s), vec!["A", "B", "D"]);
        assert_eq!(
            s.list
                .rows
                .iter()
                .find(|r| &*r.text.key == "B")
                .unwrap()
                .tier_rank,
            0
        );
        assert_eq!(s.list.accounts_total, 3);
        // Only the detail of the selected account (A, untouched) could
        // need a reload: nothing is asked for.
        assert!(fx.is_empty(), "{fx:?}");
        // A change to the selected account reloads its detail, not the list.
        let fx = apply(
            &mut s,
            Msg::Changed(update(
                Touched::Accounts(vec![AccountId(1)]),
                vec![row(1, "A", 0)],
            )),
        );
        assert_eq!(fx, vec![Effect::LoadDetail(AccountId(1))]);
    }

    #[test]
    fn a_change_while_the_report_is_shown_asks_for_it_again() {
        let mut s = state();
        s.focus = super::super::state::Pane::Report;
        let fx = apply(
            &mut s,
            Msg::Changed(update(
                Touched::Accounts(vec![AccountId(2)]),
                vec![row(2, "B", 0)],
            )),
        );
        assert_eq!(fx, vec![super::super::panes::report::load(&s)]);
    }

    #[test]
    fn a_change_to_every_row_asks_for_the_page_again() {
        let mut s = state();
        let fx = apply(&mut s, Msg::Changed(update(Touched::All, Vec::new())));
        assert!(matches!(fx.as_slice(), [Effect::Reload { .. }]), "{fx:?}");
        assert_eq!(
            s.list.rows.len(),
            3,
            "the rows stay until the page is there"
        );
    }

    fn lost() -> Notice {
        Notice::Lost("the kam server closed the connection".into())
    }

    fn text(s: &State) -> String {
        s.message.as_ref().unwrap().text.clone()
    }

    /// A search the backend could not answer shows the hits among the
    /// loaded rows, with the failure.
    #[test]
    fn a_failed_search_shows_the_loaded_rows_hits() {
        let mut s = state();
        s.overlay = Some(Overlay::Search(super::super::state::Search {
            input: super::super::input::LineEdit::new("b"),
            results: Vec::new(),
            selected: 0,
            merge_into: None,
        }));
        apply(
            &mut s,
            Msg::Failed {
                op: Op::Search,
                error: BackendError::Lost { why: "gone".into() },
            },
        );
        let Some(Overlay::Search(search)) = &s.overlay else {
            panic!("the search closed");
        };
        let keys: Vec<_> = search.results.iter().map(|r| &*r.text.key).collect();
        assert_eq!(keys, ["B"]);
        assert!(text(&s).starts_with("Search failed"), "{}", text(&s));
    }

    #[test]
    fn a_loss_keeps_the_rows_and_is_a_state_and_the_reconnect_clears_it() {
        let mut s = state();
        let fx = apply(&mut s, Msg::Notices(vec![lost()]));
        assert!(fx.is_empty());
        assert_eq!(s.list.rows.len(), 3);
        assert!(s.lost.is_some());
        assert!(text(&s).ends_with("reconnecting…"), "{}", text(&s));
        // A failed load while lost changes no row.
        apply(
            &mut s,
            Msg::Failed {
                op: Op::Load,
                error: BackendError::Lost { why: "gone".into() },
            },
        );
        assert_eq!(s.list.rows.len(), 3);
        let fx = apply(&mut s, Msg::Notices(vec![Notice::Reconnected]));
        assert!(matches!(fx.as_slice(), [Effect::Reload { .. }]), "{fx:?}");
        assert!(s.lost.is_none());
        assert_eq!(text(&s), "reconnected to the kam server");
        // Lost and made again within one poll: the reconnect is the news.
        apply(&mut s, Msg::Notices(vec![lost(), Notice::Reconnected]));
        assert_eq!(text(&s), "reconnected to the kam server");
        assert!(s.lost.is_none());
        // Still down after a reconnect: the error stays.
        apply(&mut s, Msg::Notices(vec![Notice::Reconnected, lost()]));
        assert!(s.lost.is_some());
    }

    #[test]
    fn others_changes_refresh_what_they_touched_and_are_named() {
        let mut s = state();
        let changed = Notice::Changed {
            seq: 3,
            user: "ann".into(),
            summary: "save account (A)".into(),
            touched: Touched::Accounts(vec![AccountId(1)]),
        };
        let fx = apply(
            &mut s,
            Msg::Notices(vec![lost(), Notice::Reconnected, changed.clone()]),
        );
        assert_eq!(
            text(&s),
            "reconnected to the kam server · ann: save account (A)"
        );
        let refresh = |agenda| Effect::Refresh {
            touched: Touched::Accounts(vec![AccountId(1)]),
            agenda,
        };
        assert!(fx.contains(&refresh(None)));
        let fx = apply(&mut s, Msg::Notices(vec![changed, Notice::Presence]));
        assert_eq!(text(&s), "ann: save account (A)");
        assert_eq!(fx, vec![refresh(None)]);
        assert!(apply(&mut s, Msg::Notices(vec![Notice::Presence])).is_empty());
    }

    /// A delta whose agenda is the version this screen holds keeps the rows
    /// on screen; the next refresh names the version held.
    #[test]
    fn an_unchanged_agenda_is_kept_and_its_version_asked_about() {
        let mut s = state();
        let agenda_row = |key: &str| crate::book::query::AgendaRow {
            key: key.into(),
            name: key.into(),
            item: crate::segment::AgendaItem {
                account: AccountId(1),
                kind: crate::segment::AgendaKind::Cadence,
                flag: None,
                due: chrono::NaiveDate::MIN,
                days_late: 0,
                tier: "".into(),
                priority: 0,
                text: key.into(),
                follow_up: None,
                interaction: None,
            },
        };
        let mut u = update(Touched::Accounts(vec![]), vec![]);
        u.agenda = AgendaUpdate::Full(vec![agenda_row("A"), agenda_row("B")]);
        u.agenda_version = 41;
        apply(&mut s, Msg::Changed(u));
        let mut u = update(Touched::Accounts(vec![]), vec![]);
        u.agenda = AgendaUpdate::Same;
        u.agenda_version = 41;
        apply(&mut s, Msg::Changed(u));
        let keys: Vec<&str> = s.agenda.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["A", "B"]);
        let changed = Notice::Changed {
            seq: 4,
            user: "ann".into(),
            summary: "note".into(),
            touched: Touched::Accounts(vec![AccountId(2)]),
        };
        let fx = apply(&mut s, Msg::Notices(vec![changed]));
        assert_eq!(
            fx,
            vec![Effect::Refresh {
                touched: Touched::Accounts(vec![AccountId(2)]),
                agenda: Some(41),
            }]
        );
    }
}
