//! App state and `update`: an `Action` changes the state and may ask for
//! effects (writes), which the runner performs through the backend. Update
//! never touches the backend, so it is tested with plain values.

use super::filter::{Filter, Vocab};
use super::forms::{Form, Record};
use super::fuzzy;
use super::input::LineEdit;
use super::keymap::{Action, Context, KeyChord, Keymap, Lookup};
use super::theme::Theme;
use super::view::{AccountRow, AgendaRow, Detail, MatrixView, SortKey};
use crate::domain::{AccountId, InteractionKind};
use crate::segment::AgendaKind;
use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::VecDeque;

/// How many status messages `messages` can show again.
pub const MESSAGE_LOG: usize = 20;

/// The five panes. Agenda is a view of its own; the others share the main view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Accounts,
    Profile,
    Timeline,
    Matrix,
    Agenda,
}

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Accounts => "Accounts",
            Pane::Profile => "Profile",
            Pane::Timeline => "Timeline",
            Pane::Matrix => "Matrix",
            Pane::Agenda => "Agenda",
        }
    }

    fn context(self) -> Context {
        match self {
            Pane::Accounts => Context::List,
            Pane::Profile => Context::Profile,
            Pane::Timeline => Context::Timeline,
            Pane::Matrix => Context::Matrix,
            Pane::Agenda => Context::Agenda,
        }
    }

    const CYCLE: [Pane; 5] = [
        Pane::Accounts,
        Pane::Profile,
        Pane::Timeline,
        Pane::Matrix,
        Pane::Agenda,
    ];
}

/// Fuzzy search in progress: the query and the ranked matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub input: LineEdit,
    /// Indices into `State::rows`, best first.
    pub results: Vec<usize>,
    pub selected: usize,
}

/// One modal thing over the panes at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Search(Search),
    Filter {
        input: LineEdit,
        error: Option<String>,
    },
    /// `confirm_discard`: Esc was pressed with unsaved changes.
    Form {
        form: Box<Form>,
        confirm_discard: bool,
    },
    /// An account's change history (lines built from the audit trail).
    History {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    /// Text to read in full, wrapped: keymap problems at start, the recent
    /// status messages.
    Notice {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub tone: Tone,
}

/// A write for the runner to perform through the backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Save(Record),
    CompleteFollowUp(AgendaRow),
    Snooze(AgendaRow, u32),
    MarkReview,
    /// Undo the user's own last change.
    Undo,
    /// Load and show an account's change history.
    History {
        account: AccountId,
        label: String,
    },
}

#[derive(Debug, Clone)]
pub struct State {
    pub user: String,
    pub db_label: String,
    /// Who else is on a shared book (`also here: ann · bob is editing this account`).
    pub presence: String,
    pub today: NaiveDate,
    pub keymap: Keymap,
    pub theme: Theme,
    pub focus: Pane,
    /// The right-hand pane at medium widths (last of profile/timeline/matrix).
    pub side: Pane,
    pub rows: Vec<AccountRow>,
    /// Indices into `rows` after filter and sort.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    pub sort: SortKey,
    pub sort_reverse: bool,
    pub filter: Filter,
    pub detail: Option<Detail>,
    pub timeline_kind: Option<InteractionKind>,
    pub timeline_selected: usize,
    pub profile_scroll: u16,
    pub matrix: MatrixView,
    /// (row, col) of the selected matrix cell.
    pub matrix_selected: (usize, usize),
    pub agenda: Vec<AgendaRow>,
    pub agenda_selected: usize,
    pub overlay: Option<Overlay>,
    pub message: Option<Message>,
    /// The last `MESSAGE_LOG` messages, oldest first, for `messages`.
    pub log: VecDeque<Message>,
    /// Tier names of the model, most important first (filter checks).
    pub tiers: Vec<String>,
    pub pending: Vec<KeyChord>,
    /// Rows a page moves (set from the terminal height on resize).
    pub page: usize,
    pub quit: bool,
}

impl State {
    pub fn new(user: &str, db_label: &str, today: NaiveDate, keymap: Keymap, theme: Theme) -> Self {
        State {
            user: user.to_string(),
            db_label: db_label.to_string(),
            presence: String::new(),
            today,
            keymap,
            theme,
            focus: Pane::Accounts,
            side: Pane::Profile,
            rows: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            sort: SortKey::default(),
            sort_reverse: false,
            filter: Filter::default(),
            detail: None,
            timeline_kind: None,
            timeline_selected: 0,
            profile_scroll: 0,
            matrix: MatrixView::default(),
            matrix_selected: (0, 0),
            agenda: Vec::new(),
            agenda_selected: 0,
            overlay: None,
            message: None,
            log: VecDeque::new(),
            tiers: Vec::new(),
            pending: Vec::new(),
            page: 10,
            quit: false,
        }
    }

    fn say(&mut self, text: String, tone: Tone) {
        let m = Message { text, tone };
        if self.log.len() == MESSAGE_LOG {
            self.log.pop_front();
        }
        self.log.push_back(m.clone());
        self.message = Some(m);
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.say(text.into(), Tone::Info);
    }

    pub fn ok(&mut self, text: impl Into<String>) {
        self.say(text.into(), Tone::Ok);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.say(text.into(), Tone::Error);
    }

    /// What filter values are known (tiers of the current model).
    pub fn vocab(&self) -> Vocab<'_> {
        Vocab { tiers: &self.tiers }
    }

    /// The keymap section that applies now.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Form {
                confirm_discard: true,
                ..
            }) => Context::Confirm,
            Some(Overlay::Form { .. }) => Context::Form,
            Some(Overlay::Search(_)) | Some(Overlay::Filter { .. }) => Context::Search,
            Some(Overlay::Help { .. })
            | Some(Overlay::History { .. })
            | Some(Overlay::Notice { .. }) => Context::Global,
            None => self.focus.context(),
        }
    }

    /// The keymap section of the pane in focus (under any overlay).
    pub fn focus_context(&self) -> Context {
        self.focus.context()
    }

    pub fn selected_row(&self) -> Option<&AccountRow> {
        self.visible
            .get(self.selected)
            .and_then(|i| self.rows.get(*i))
    }

    pub fn selected_id(&self) -> Option<AccountId> {
        self.selected_row().map(|r| r.id)
    }

    /// Replaces the account rows (after a load or a write), keeping the
    /// selection on the same account when it is still visible.
    pub fn set_rows(&mut self, rows: Vec<AccountRow>) {
        let keep = self.selected_id();
        self.rows = rows;
        self.refilter(keep);
    }

    /// Re-applies filter and sort; selects `keep` if visible.
    pub fn refilter(&mut self, keep: Option<AccountId>) {
        let mut visible: Vec<usize> = (0..self.rows.len())
            .filter(|i| self.filter.matches(&self.rows[*i]))
            .collect();
        let (rows, sort) = (&self.rows, self.sort);
        visible.sort_by(|a, b| sort.compare(&rows[*a], &rows[*b]));
        if self.sort_reverse {
            visible.reverse();
        }
        self.visible = visible;
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|i| self.rows[*i].id == id))
            .unwrap_or(self.selected)
            .min(self.visible.len().saturating_sub(1));
    }

    pub fn select_account(&mut self, id: AccountId) {
        if !self.visible.iter().any(|i| self.rows[*i].id == id) {
            // The account is filtered out: showing it beats keeping the filter.
            self.filter = Filter::default();
        }
        self.refilter(Some(id));
    }

    /// Timeline entries shown (newest first, kind filter applied).
    pub fn timeline_entries(&self) -> Vec<&crate::domain::Interaction> {
        match &self.detail {
            Some(d) => d
                .interactions
                .iter()
                .filter(|i| self.timeline_kind.is_none_or(|k| i.kind == k))
                .collect(),
            None => Vec::new(),
        }
    }

    fn account_label(&self) -> Option<(AccountId, String)> {
        self.selected_row()
            .map(|r| (r.id, format!("{} {}", r.key, r.name)))
    }
}

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
        edit_text(state, key);
        return Vec::new();
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

/// Pasted text goes into the field or prompt being edited.
pub fn handle_paste(state: &mut State, text: &str) {
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
            rerank(s, &state.rows);
        }
        Some(Overlay::Filter { input, .. }) => input.paste(text),
        _ => {}
    }
}

fn rerank(s: &mut Search, rows: &[AccountRow]) {
    s.results = fuzzy::rank(s.input.text(), rows);
    s.selected = 0;
}

fn edit_text(state: &mut State, key: KeyEvent) {
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
                rerank(s, &state.rows);
            }
        }
        Some(Overlay::Filter { input, error }) => {
            let changed = input.handle(key.code, key.modifiers);
            if changed {
                *error = None;
            }
        }
        _ => {}
    }
}

/// The state change for one action.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
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
        }
        Action::ShowAccounts => focus(state, Pane::Accounts),
        Action::ShowProfile => focus(state, Pane::Profile),
        Action::ShowTimeline => focus(state, Pane::Timeline),
        Action::ShowMatrix => focus(state, Pane::Matrix),
        Action::ShowAgenda => focus(state, Pane::Agenda),
        Action::Back => focus(state, Pane::Accounts),
        Action::Search => {
            let mut s = Search {
                input: LineEdit::new(""),
                results: Vec::new(),
                selected: 0,
            };
            rerank(&mut s, &state.rows);
            state.overlay = Some(Overlay::Search(s));
        }
        Action::Filter => {
            state.overlay = Some(Overlay::Filter {
                input: LineEdit::new(state.filter.text()),
                error: None,
            })
        }
        Action::ClearFilter => {
            state.filter = Filter::default();
            let keep = state.selected_id();
            state.refilter(keep);
            state.info("Filter cleared");
        }
        Action::NewAccount => open_form(state, Form::account(None, &state.user.clone())),
        Action::Undo => return vec![Effect::Undo],
        Action::Messages => show_messages(state),
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

fn focus(state: &mut State, pane: Pane) {
    if matches!(pane, Pane::Profile | Pane::Timeline | Pane::Matrix) {
        state.side = pane;
    }
    state.focus = pane;
}

fn open_form(state: &mut State, form: Form) {
    state.overlay = Some(Overlay::Form {
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
        Action::Edit => match &state.detail {
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

fn update_pane(state: &mut State, action: Action) -> Vec<Effect> {
    match state.focus {
        Pane::Accounts => {
            if is_move(action) {
                state.selected =
                    move_index(state.selected, state.visible.len(), action, state.page);
            } else if action == Action::Open {
                focus(state, Pane::Profile);
            } else if action == Action::SortNext {
                state.sort = state.sort.next();
                state.sort_reverse = false;
                let keep = state.selected_id();
                state.refilter(keep);
                state.info(format!("Sorted by {}", state.sort.label()));
            } else if action == Action::SortReverse {
                state.sort_reverse = !state.sort_reverse;
                let keep = state.selected_id();
                state.refilter(keep);
            } else {
                account_action(state, action);
            }
        }
        Pane::Profile => match action {
            Action::Up => state.profile_scroll = state.profile_scroll.saturating_sub(1),
            Action::Down => state.profile_scroll = state.profile_scroll.saturating_add(1),
            Action::PageUp => {
                state.profile_scroll = state.profile_scroll.saturating_sub(state.page as u16)
            }
            Action::PageDown => {
                state.profile_scroll = state.profile_scroll.saturating_add(state.page as u16)
            }
            Action::Top => state.profile_scroll = 0,
            _ => {
                account_action(state, action);
            }
        },
        Pane::Timeline => {
            if is_move(action) {
                let n = state.timeline_entries().len();
                state.timeline_selected =
                    move_index(state.timeline_selected, n, action, state.page);
            } else if action == Action::FilterKind {
                state.timeline_kind = next_kind(state.timeline_kind);
                state.timeline_selected = 0;
                state.info(match state.timeline_kind {
                    Some(k) => format!("Timeline: {k} only"),
                    None => "Timeline: all kinds".to_string(),
                });
            } else {
                account_action(state, action);
            }
        }
        Pane::Matrix => {
            let rows = state.matrix.rows.len();
            let cols = state.matrix.cols.len();
            let (r, c) = state.matrix_selected;
            match action {
                Action::Up => state.matrix_selected.0 = r.saturating_sub(1),
                Action::Down => state.matrix_selected.0 = (r + 1).min(rows.saturating_sub(1)),
                Action::Left => state.matrix_selected.1 = c.saturating_sub(1),
                Action::Right => state.matrix_selected.1 = (c + 1).min(cols.saturating_sub(1)),
                // `open` too, for keymaps written before `filter_cell`.
                Action::FilterCell | Action::Open if rows > 0 && cols > 0 => {
                    if let Ok(f) = Filter::parse(&format!("cell:{r},{c}"), state.vocab()) {
                        state.filter = f;
                        state.selected = 0;
                        state.refilter(None);
                        focus(state, Pane::Accounts);
                        if let Some(what) = describe_cell(&state.matrix, (r, c)) {
                            state.info(format!("Showing the accounts of the cell {what}"));
                        }
                    }
                }
                Action::MarkReview => return vec![Effect::MarkReview],
                _ => {}
            }
        }
        Pane::Agenda => {
            if is_move(action) {
                state.agenda_selected = move_index(
                    state.agenda_selected,
                    state.agenda.len(),
                    action,
                    state.page,
                );
                return Vec::new();
            }
            let Some(row) = state.agenda.get(state.agenda_selected).cloned() else {
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
                    state.select_account(row.item.account);
                    focus(state, Pane::Profile);
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
                    if row.item.follow_up.is_some() {
                        return vec![Effect::CompleteFollowUp(row)];
                    }
                    // Cadence and complaint items are closed by what is logged.
                    let key = state.keymap.hint(Context::Agenda, Action::LogTouch);
                    state.info(format!(
                        "Only follow-ups can be marked done; log a touch ({}) for this one",
                        key.unwrap_or_else(|| "log_touch".into())
                    ));
                }
                Action::SnoozeDay => return vec![Effect::Snooze(row, 1)],
                Action::SnoozeWeek => return vec![Effect::Snooze(row, 7)],
                _ => {}
            }
        }
    }
    Vec::new()
}

/// How to settle conflicting fields, with the keys in force.
pub fn conflict_hint(state: &State, n: usize) -> String {
    let key = |a| {
        state
            .keymap
            .hint(Context::Form, a)
            .unwrap_or_else(|| a.name().to_string())
    };
    format!(
        "{n} field{} changed by someone else too: {} keep mine · {} take theirs (or edit), then save",
        if n == 1 { " was" } else { "s were" },
        key(Action::KeepMine),
        key(Action::TakeTheirs)
    )
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

fn update_overlay(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(overlay) = state.overlay.take() else {
        return Vec::new();
    };
    match overlay {
        Overlay::Help { scroll } => match action {
            Action::Help | Action::Back | Action::Quit => {}
            Action::Up => {
                state.overlay = Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                })
            }
            Action::Down => state.overlay = Some(Overlay::Help { scroll: scroll + 1 }),
            _ => state.overlay = Some(Overlay::Help { scroll }),
        },
        Overlay::History {
            title,
            lines,
            scroll,
        } => {
            let page = state.page as u16;
            let last = lines.len().saturating_sub(1) as u16;
            let scroll = match action {
                Action::History | Action::Back | Action::Cancel | Action::Quit | Action::Help => {
                    return Vec::new();
                }
                Action::Up => scroll.saturating_sub(1),
                Action::Down => scroll.saturating_add(1).min(last),
                Action::PageUp => scroll.saturating_sub(page),
                Action::PageDown => scroll.saturating_add(page).min(last),
                Action::Top => 0,
                Action::Bottom => last,
                _ => scroll,
            };
            state.overlay = Some(Overlay::History {
                title,
                lines,
                scroll,
            });
        }
        Overlay::Notice {
            title,
            lines,
            scroll,
        } => {
            let page = state.page as u16;
            let last = lines.len().saturating_sub(1) as u16;
            let scroll = match action {
                Action::Messages
                | Action::Back
                | Action::Cancel
                | Action::Quit
                | Action::Help
                | Action::Yes
                | Action::No => return Vec::new(),
                Action::Up => scroll.saturating_sub(1),
                Action::Down => scroll.saturating_add(1).min(last),
                Action::PageUp => scroll.saturating_sub(page),
                Action::PageDown => scroll.saturating_add(page).min(last),
                Action::Top => 0,
                Action::Bottom => last,
                _ => scroll,
            };
            state.overlay = Some(Overlay::Notice {
                title,
                lines,
                scroll,
            });
        }
        Overlay::Search(mut s) => match action {
            Action::Cancel => {}
            Action::Accept => match s.results.get(s.selected).and_then(|i| state.rows.get(*i)) {
                Some(row) => {
                    let id = row.id;
                    state.select_account(id);
                    focus(state, Pane::Accounts);
                }
                None => state.info("No match"),
            },
            Action::Up => {
                s.selected = s.selected.saturating_sub(1);
                state.overlay = Some(Overlay::Search(s));
            }
            Action::Down => {
                s.selected = (s.selected + 1).min(s.results.len().saturating_sub(1));
                state.overlay = Some(Overlay::Search(s));
            }
            _ => state.overlay = Some(Overlay::Search(s)),
        },
        Overlay::Filter { input, error } => match action {
            Action::Cancel => {}
            Action::Accept => match Filter::parse(input.text(), state.vocab()) {
                Ok(f) => {
                    state.filter = f;
                    let keep = state.selected_id();
                    state.refilter(keep);
                }
                Err(e) => {
                    state.overlay = Some(Overlay::Filter {
                        input,
                        error: Some(e),
                    })
                }
            },
            _ => state.overlay = Some(Overlay::Filter { input, error }),
        },
        Overlay::Form {
            mut form,
            confirm_discard,
        } => {
            if confirm_discard {
                match action {
                    Action::Yes => state.info("Changes discarded"),
                    _ => {
                        state.overlay = Some(Overlay::Form {
                            form,
                            confirm_discard: false,
                        })
                    }
                }
                return Vec::new();
            }
            match action {
                Action::Cancel => {
                    if form.is_dirty() {
                        state.overlay = Some(Overlay::Form {
                            form,
                            confirm_discard: true,
                        });
                    }
                }
                Action::Save => match form.submit(state.today, &state.user) {
                    Ok(record) => {
                        // The form stays open until the write succeeds, so a
                        // failed save loses nothing.
                        state.overlay = Some(Overlay::Form {
                            form,
                            confirm_discard: false,
                        });
                        return vec![Effect::Save(record)];
                    }
                    Err(_) => {
                        let n = form.conflicts();
                        if n > 0 {
                            state.error(conflict_hint(state, n));
                        } else {
                            state.error("Fix the marked fields, then save again");
                        }
                        state.overlay = Some(Overlay::Form {
                            form,
                            confirm_discard: false,
                        });
                    }
                },
                Action::KeepMine | Action::TakeTheirs => {
                    let theirs = action == Action::TakeTheirs;
                    if form.resolve_focused(theirs) {
                        let left = form.conflicts();
                        form.next_conflict();
                        let which = if theirs { "their" } else { "your" };
                        if left == 0 {
                            let save = state.keymap.hint(Context::Form, Action::Save);
                            state.ok(format!(
                                "Kept {which} value; no conflicts left — save with {}",
                                save.unwrap_or_else(|| "save".into())
                            ));
                        } else {
                            state.info(format!("Kept {which} value; {left} conflicts left"));
                        }
                    } else {
                        state.info("No conflict on this field");
                    }
                    state.overlay = Some(Overlay::Form {
                        form,
                        confirm_discard: false,
                    });
                }
                Action::NextField | Action::PrevField => {
                    if action == Action::NextField {
                        form.next_field();
                    } else {
                        form.prev_field();
                    }
                    state.overlay = Some(Overlay::Form {
                        form,
                        confirm_discard: false,
                    });
                }
                _ => {
                    state.overlay = Some(Overlay::Form {
                        form,
                        confirm_discard: false,
                    })
                }
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
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
                key: format!("K{i}"),
                name: format!("Name {i}"),
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
        assert_eq!(s.selected_row().unwrap().key, "K4");
        press(&mut s, KeyCode::Char('j'));
        press(&mut s, KeyCode::Char('j'));
        assert_eq!(s.selected, 2);
        press(&mut s, KeyCode::Char('G'));
        assert_eq!(s.selected, 4);
        press(&mut s, KeyCode::Char('g'));
        assert_eq!(s.selected, 4, "g alone waits for the second key");
        press(&mut s, KeyCode::Char('g'));
        assert_eq!(s.selected, 0);
    }

    #[test]
    fn search_keeps_the_match_selected() {
        let mut s = state();
        press(&mut s, KeyCode::Char('/'));
        typ(&mut s, "k2");
        assert!(matches!(s.overlay, Some(Overlay::Search(_))));
        press(&mut s, KeyCode::Enter);
        assert!(s.overlay.is_none());
        assert_eq!(s.selected_row().unwrap().key, "K2");
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
        assert_eq!(s.visible.len(), 1);
        assert_eq!(s.filter.text(), "tier:key");
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
            [Effect::Save(Record::Account(a))] => {
                assert_eq!(a.key, "NEW-1");
                assert_eq!(a.name, "New Co");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn undo_and_history_keys_ask_for_effects_and_history_scrolls() {
        let mut s = state();
        let fx = handle_key(
            &mut s,
            KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL),
        );
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
