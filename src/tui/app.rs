//! `update`: a key becomes an `Action` (through the keymap), which changes
//! the state and may ask for effects (reads and writes, each carrying its
//! data), which the runner performs through the backend; their answers come
//! back through `msg::apply`. Update never touches the backend, so it is
//! tested with plain values.

use super::effect::Effect;
use super::filter::Filter;
use super::forms::Form;
use super::fuzzy;
use super::input::LineEdit;
use super::keymap::{Action, Context, KeyChord, Lookup};
use super::msg::{load_list, show_account};
use super::overlays::keys::{Ctx, Then};
use super::panes::keys::{focus, open_form, update_pane};
use super::shell;
use super::view::AccountRow;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

pub use super::overlays::keys::conflict_hint;
pub use super::panes::keys::describe_cell;
pub use super::state::{MESSAGE_LOG, Message, Overlay, Pane, Search, State, Tone};

/// Turns a key press into actions (through the keymap) or text input.
pub fn handle_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let chord = KeyChord::from_event(&key);
    let ctx = state.context();
    let text_entry = matches!(ctx, Context::Form | Context::Search);
    if text_entry {
        state.pending.clear();
        if let Lookup::Action(a) = state.keymap.lookup(ctx, &[chord]) {
            return update(state, a);
        }
        return edit_text(state, key);
    }
    state.pending.push(chord);
    let typed = state.pending.clone();
    if matches!(state.overlay, Some(Overlay::Notice { .. }))
        && state.keymap.lookup(ctx, &typed) == Lookup::None
        && matches!(
            state.keymap.lookup(Context::Confirm, &typed),
            Lookup::Action(Action::Yes | Action::No)
        )
    {
        // A notice is acknowledged like a question (enter), not only closed.
        state.pending.clear();
        state.overlay = None;
        return Vec::new();
    }
    match state.keymap.lookup(ctx, &typed) {
        Lookup::Action(a) => {
            state.pending.clear();
            update(state, a)
        }
        Lookup::Prefix => Vec::new(),
        Lookup::None => {
            state.pending.clear();
            // A dead sequence: the last key may still mean something alone.
            if typed.len() > 1
                && let Lookup::Action(a) = state.keymap.lookup(ctx, &[chord])
            {
                return update(state, a);
            }
            Vec::new()
        }
    }
}

/// A new terminal size: a page is the list's height less borders, header
/// and status bar.
pub fn handle_resize(state: &mut State, _width: u16, height: u16) {
    state.page = (height as usize).saturating_sub(6).max(1);
}

/// Pasted text goes into the field or prompt being edited.
pub fn handle_paste(state: &mut State, text: &str) -> Vec<Effect> {
    match &mut state.overlay {
        Some(Overlay::Form {
            form,
            confirm_discard: false,
        }) => {
            if let Some(f) = form.focused_mut() {
                f.edit.paste(text);
                f.conflict = None;
            }
            form.check_fields();
        }
        Some(Overlay::Search(s)) => {
            s.input.paste(text);
            return rerank(s, &state.list.rows);
        }
        Some(Overlay::Filter { input, .. }) => input.paste(text),
        Some(Overlay::Review(run)) => {
            if let Some(reason) = &mut run.reason {
                reason.paste(text);
            }
        }
        Some(Overlay::ViewName(p)) => p.input.paste(text),
        Some(Overlay::Bulk(b)) => {
            if let Some(e) = b.focused_mut() {
                e.paste(text);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Asks the backend for hits over the whole book; an empty search shows
/// the loaded rows as they are. Ranking the loaded rows here as well cost
/// more than the rest of a keystroke (each row's text prepared again, 1000
/// of them) for hits the backend's answer replaced before any frame: they
/// are the fallback when it cannot answer (`loaded_hits`).
fn rerank(s: &mut Search, rows: &[AccountRow]) -> Vec<Effect> {
    s.selected = 0;
    if s.input.text().trim().is_empty() {
        s.results = rows.to_vec();
        return Vec::new();
    }
    // No hit of another text stays to be picked meanwhile.
    s.results.clear();
    vec![Effect::Search {
        text: s.input.text().to_string(),
    }]
}

/// The search's hits among the loaded rows only.
pub(super) fn loaded_hits(s: &mut Search, rows: &[AccountRow]) {
    s.results = fuzzy::rank(s.input.text(), rows)
        .into_iter()
        .map(|i| rows[i].clone())
        .collect();
    s.selected = 0;
}

fn edit_text(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match &mut state.overlay {
        Some(Overlay::Form { form, .. }) => {
            if let Some(f) = form.focused_mut()
                && f.edit.handle(key.code, key.modifiers)
            {
                // Typing a value of one's own settles a conflict too.
                f.conflict = None;
                form.check_fields();
            } else if key.code == KeyCode::Enter {
                // Enter on a one-line field moves on, as in most forms.
                form.next_field();
            }
        }
        Some(Overlay::Search(s)) => {
            let changed = s.input.handle(key.code, key.modifiers);
            if changed {
                return rerank(s, &state.list.rows);
            }
        }
        Some(Overlay::Filter { input, error }) => {
            let changed = input.handle(key.code, key.modifiers);
            if changed {
                *error = None;
            }
        }
        Some(Overlay::Review(run)) => {
            if let Some(reason) = &mut run.reason {
                reason.handle(key.code, key.modifiers);
            }
        }
        Some(Overlay::ViewName(p)) => {
            let changed = p.input.handle(key.code, key.modifiers);
            if changed {
                p.error = None;
            }
        }
        Some(Overlay::Bulk(b)) => {
            let handled = b
                .focused_mut()
                .is_some_and(|e| e.handle(key.code, key.modifiers));
            if handled {
                b.error = None;
            } else if key.code == KeyCode::Enter {
                b.handle(super::keymap::Action::NextField);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The state change for one action.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    // Asked of the terminal, over any overlay (a form keeps its text).
    if action == Action::Suspend {
        shell::suspend(state);
        return Vec::new();
    }
    if action == Action::ExternalEditor
        && matches!(
            state.overlay,
            Some(Overlay::Form {
                confirm_discard: false,
                ..
            })
        )
    {
        shell::edit_request(state);
        return Vec::new();
    }
    if state.overlay.is_some() {
        return update_overlay(state, action);
    }
    match action {
        Action::Quit => state.quit = true,
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::NextPane | Action::PrevPane => {
            let i = Pane::CYCLE
                .iter()
                .position(|p| *p == state.focus)
                .unwrap_or(0);
            let n = Pane::CYCLE.len();
            let j = if action == Action::NextPane {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            focus(state, Pane::CYCLE[j]);
            if state.focus == Pane::Report {
                return vec![super::panes::report::load(state)];
            }
        }
        Action::ShowAccounts => focus(state, Pane::Accounts),
        Action::ShowProfile => focus(state, Pane::Profile),
        Action::ShowTimeline => focus(state, Pane::Timeline),
        Action::ShowMatrix => focus(state, Pane::Matrix),
        Action::ShowAgenda => focus(state, Pane::Agenda),
        Action::ShowReport => {
            focus(state, Pane::Report);
            return vec![super::panes::report::load(state)];
        }
        Action::Back => focus(state, Pane::Accounts),
        // Merging starts from the account in the list or the profile.
        Action::Search | Action::Merge
            if action == Action::Search
                || matches!(state.focus, Pane::Accounts | Pane::Profile) =>
        {
            let merge_into = match action {
                Action::Merge => match state.selected_id() {
                    Some(id) => Some(id),
                    None => {
                        state.info("No account selected");
                        return Vec::new();
                    }
                },
                _ => None,
            };
            let mut s = Search {
                input: LineEdit::new(""),
                results: Vec::new(),
                selected: 0,
                merge_into,
            };
            if merge_into.is_some() {
                state.info("Merge: search for the duplicate to merge into this account");
            }
            let fx = rerank(&mut s, &state.list.rows);
            state.overlay = Some(Overlay::Search(s));
            return fx;
        }
        Action::Filter => {
            state.overlay = Some(Overlay::Filter {
                input: LineEdit::new(state.list.filter.text()),
                error: None,
            })
        }
        Action::ClearFilter => {
            state.list.filter = Filter::default();
            let keep = state.selected_id();
            state.refilter(keep);
            state.info("Filter cleared");
            return vec![load_list(state, keep)];
        }
        Action::NewAccount => open_form(state, Form::account(None, &state.user.clone())),
        Action::Undo => return vec![Effect::Undo],
        Action::CopyKey if !matches!(state.focus, Pane::Matrix | Pane::Report) => {
            shell::copy(state, action)
        }
        Action::CopyEmail | Action::CopyPhone if state.focus == Pane::Profile => {
            shell::copy(state, action)
        }
        Action::Messages => show_messages(state),
        Action::StartReview => match state.paused_review.take() {
            Some(run) => state.overlay = Some(Overlay::Review(run)),
            None => return vec![Effect::LoadReview],
        },
        Action::History => match state.account_label() {
            Some((account, label)) => return vec![Effect::History { account, label }],
            None => state.info("No account selected"),
        },
        _ => return update_pane(state, action),
    }
    Vec::new()
}

/// The recent status messages, newest first, to read in full.
fn show_messages(state: &mut State) {
    let lines: Vec<String> = if state.log.is_empty() {
        vec!["No messages yet.".into()]
    } else {
        state
            .log
            .iter()
            .rev()
            .map(|m| match m.tone {
                Tone::Error => format!("✗ {}", m.text),
                Tone::Ok => format!("✓ {}", m.text),
                Tone::Info => format!("· {}", m.text),
            })
            .collect()
    };
    state.overlay = Some(Overlay::Notice {
        title: "Messages, newest first".into(),
        lines,
        scroll: 0,
    });
}

/// Problems in the user's keymap file, each in full, to read at start.
pub fn show_keymap_problems(state: &mut State, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    let n = problems.len();
    let plural = if n == 1 { "" } else { "s" };
    // Short, so it reads next to a long database path at 80 columns.
    state.error(format!("{n} keymap problem{plural}"));
    let mut lines = vec![format!(
        "{n} problem{plural} in your keymap. Everything valid applies; each line says what happens instead."
    )];
    lines.push(String::new());
    lines.extend(problems.iter().map(|p| format!("• {p}")));
    state.overlay = Some(Overlay::Notice {
        title: format!("Keymap problem{plural}"),
        lines,
        scroll: 0,
    });
}

/// The open overlay handles the action itself; its reply is applied here.
fn update_overlay(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(overlay) = state.overlay.as_mut() else {
        return Vec::new();
    };
    let ctx = Ctx {
        keymap: &state.keymap,
        tiers: &state.tiers,
        page: state.page,
        today: state.today,
        user: &state.user,
    };
    let reply = overlay.handle(action, &ctx);
    if reply.close {
        // A review whose account is opened waits to be resumed.
        if let (Some(Overlay::Review(run)), Some(Then::Select(_))) =
            (state.overlay.take(), &reply.then)
        {
            state.paused_review = Some(run);
        }
    }
    if let Some((tone, text)) = reply.say {
        match tone {
            Tone::Info => state.info(text),
            Tone::Ok => state.ok(text),
            Tone::Error => state.error(text),
        }
    }
    match reply.then {
        None => Vec::new(),
        Some(Then::Effect(e)) => vec![e],
        Some(Then::Select(id)) => {
            let refetch = state.select_account(id);
            focus(state, Pane::Accounts);
            if refetch {
                vec![show_account(state, id)]
            } else {
                Vec::new()
            }
        }
        Some(Then::Filter(f)) => {
            state.list.filter = f;
            let keep = state.selected_id();
            state.refilter(keep);
            vec![load_list(state, keep)]
        }
        Some(Then::View(v)) => super::panes::views::apply_view(state, &v),
        Some(Then::Form(form)) => {
            open_form(state, *form);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::forms::Record;
    use super::super::keymap::Keymap;
    use super::super::theme::Theme;
    use super::*;
    use crate::domain::AccountId;
    use chrono::NaiveDate;
    use ratatui::crossterm::event::KeyModifiers;

    fn state() -> State {
        let mut s = State::new(
            "li",
            "test",
            NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            Keymap::defaults(),
            Theme::new(false),
        );
        let rows = (0..5)
            .map(|i| AccountRow {
                id: AccountId(i + 1),
                text: std::sync::Arc::new(crate::tui::view::RowText {
                    key: format!("K{i}").into(),
                    name: format!("Name {i}").into(),
                    ..Default::default()
                }),
                tier_rank: (4 - i) as usize,
                tier: if i == 4 {
                    "key".into()
                } else {
                    "opportunity".into()
                },
                ..Default::default()
            })
            .collect();
        s.set_rows(rows);
        s
    }

    fn press(s: &mut State, c: KeyCode) -> Vec<Effect> {
        handle_key(s, KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn typ(s: &mut State, text: &str) {
        for c in text.chars() {
            press(s, KeyCode::Char(c));
        }
    }

    #[test]
    fn list_moves_and_sequences() {
        let mut s = state();
        // Sorted by tier rank: K4 first.
        assert_eq!(&*s.selected_row().unwrap().text.key, "K4");
        press(&mut s, KeyCode::Char('j'));
        press(&mut s, KeyCode::Char('j'));
        assert_eq!(s.list.selected, 2);
        press(&mut s, KeyCode::Char('G'));
        assert_eq!(s.list.selected, 4);
        press(&mut s, KeyCode::Char('g'));
        assert_eq!(s.list.selected, 4, "g alone waits for the second key");
        press(&mut s, KeyCode::Char('g'));
        assert_eq!(s.list.selected, 0);
    }

    #[test]
    fn search_keeps_the_match_selected() {
        let mut s = state();
        press(&mut s, KeyCode::Char('/'));
        typ(&mut s, "k2");
        assert!(matches!(s.overlay, Some(Overlay::Search(_))));
        // No hit of the empty search is left to pick before the answer.
        let Some(Overlay::Search(search)) = &s.overlay else {
            panic!("no search");
        };
        assert!(search.results.is_empty());
        let k2 = s.list.rows.iter().find(|r| &*r.text.key == "K2").cloned();
        let _ = super::super::msg::apply(
            &mut s,
            super::super::effect::Msg::Hits {
                text: "k2".into(),
                rows: k2.into_iter().collect(),
            },
        );
        press(&mut s, KeyCode::Enter);
        assert!(s.overlay.is_none());
        assert_eq!(&*s.selected_row().unwrap().text.key, "K2");
    }

    #[test]
    fn filter_prompt_reports_bad_fields_and_applies_good_ones() {
        let mut s = state();
        press(&mut s, KeyCode::Char('f'));
        typ(&mut s, "colour:red");
        press(&mut s, KeyCode::Enter);
        assert!(matches!(
            &s.overlay,
            Some(Overlay::Filter { error: Some(_), .. })
        ));
        for _ in 0..10 {
            press(&mut s, KeyCode::Backspace);
        }
        typ(&mut s, "tier:key");
        press(&mut s, KeyCode::Enter);
        assert!(s.overlay.is_none());
        assert_eq!(s.list.visible.len(), 1);
        assert_eq!(s.list.filter.text(), "tier:key");
    }

    #[test]
    fn form_asks_before_discarding_and_saves_with_ctrl_s() {
        let mut s = state();
        press(&mut s, KeyCode::Char('n'));
        typ(&mut s, "NEW-1");
        press(&mut s, KeyCode::Esc);
        assert_eq!(s.context(), Context::Confirm);
        press(&mut s, KeyCode::Char('n'));
        assert_eq!(s.context(), Context::Form);
        press(&mut s, KeyCode::Tab);
        typ(&mut s, "New Co");
        let fx = handle_key(
            &mut s,
            KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
        );
        match fx.as_slice() {
            [
                Effect::Save {
                    record: Record::Account(a),
                    ..
                },
            ] => {
                assert_eq!(a.key, "NEW-1");
                assert_eq!(a.name, "New Co");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn undo_and_history_keys_ask_for_effects_and_history_scrolls() {
        let mut s = state();
        let fx = press(&mut s, KeyCode::Char('U'));
        assert_eq!(fx, vec![Effect::Undo]);
        let fx = press(&mut s, KeyCode::Char('H'));
        assert!(
            matches!(fx.as_slice(), [Effect::History { label, .. }] if label == "K4 Name 4"),
            "{fx:?}"
        );
        s.overlay = Some(Overlay::History {
            title: "K4".into(),
            lines: vec!["a".into(), "b".into(), "c".into()],
            scroll: 0,
        });
        assert_eq!(s.context(), Context::Global);
        press(&mut s, KeyCode::Char('j'));
        press(&mut s, KeyCode::Char('G'));
        assert!(matches!(
            s.overlay,
            Some(Overlay::History { scroll: 2, .. })
        ));
        press(&mut s, KeyCode::Char('q'));
        assert!(s.overlay.is_none());
        assert!(!s.quit, "q closes the overlay first");
    }

    #[test]
    fn unknown_tier_in_the_filter_prompt_names_the_tiers() {
        let mut s = state();
        s.tiers = vec!["Key".into(), "Opportunity".into()];
        press(&mut s, KeyCode::Char('f'));
        typ(&mut s, "tier:gold");
        press(&mut s, KeyCode::Enter);
        match &s.overlay {
            Some(Overlay::Filter { error: Some(e), .. }) => {
                assert!(e.contains("known: key, opportunity"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keymap_problems_open_a_notice_that_enter_closes_and_messages_are_kept() {
        let mut s = state();
        show_keymap_problems(&mut s, &["a:1: one".into(), "a:2: two".into()]);
        assert_eq!(s.message.as_ref().unwrap().text, "2 keymap problems");
        match &s.overlay {
            Some(Overlay::Notice { lines, .. }) => {
                assert!(lines.contains(&"• a:2: two".to_string()), "{lines:?}")
            }
            other => panic!("{other:?}"),
        }
        press(&mut s, KeyCode::Enter);
        assert!(s.overlay.is_none());
        for i in 0..30 {
            s.info(format!("m{i}"));
        }
        assert_eq!(s.log.len(), MESSAGE_LOG);
        assert_eq!(s.log.back().unwrap().text, "m29");
        press(&mut s, KeyCode::Char('M'));
        match &s.overlay {
            Some(Overlay::Notice { lines, .. }) => assert_eq!(lines[0], "· m29"),
            other => panic!("{other:?}"),
        }
        press(&mut s, KeyCode::Esc);
        assert!(s.overlay.is_none());
    }

    #[test]
    fn quit_and_pane_switching() {
        let mut s = state();
        press(&mut s, KeyCode::Char('4'));
        assert_eq!(s.focus, Pane::Matrix);
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.focus, Pane::Agenda);
        press(&mut s, KeyCode::Esc);
        assert_eq!(s.focus, Pane::Accounts);
        press(&mut s, KeyCode::Char('q'));
        assert!(s.quit);
    }
}
