//! The app around the state: performs the effects `update` asks for through
//! the backend and feeds each answer back as a `Msg`; runs the terminal event
//! loop. It never changes the state itself.

use super::app;
use super::data;
use super::effect::{Effect, Msg, Op, Update};
use super::forms::Record;
use super::keymap::{Keymap, KeymapError};
use super::msg;
use super::render;
use super::state::State;
use super::theme::Theme;
use crate::backend::{Backend, BackendResult};
use crate::book::query::{self, Delta, ListQuery};
use crate::domain::AccountId;
use ratatui::Frame;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEvent, KeyEventKind,
};
use ratatui::crossterm::execute;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

/// How the lead's CLI starts the TUI.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Shown in the status bar (database path or server).
    pub db_label: String,
    /// Start on the agenda (`kam --agenda`).
    pub agenda: bool,
    /// The user's keymap file (`$XDG_CONFIG_HOME/kam/keymap.toml`).
    pub keymap_path: Option<PathBuf>,
    /// Force colour on or off; `None` = honour `NO_COLOR`.
    pub color: Option<bool>,
}

pub struct App<'a> {
    backend: &'a mut dyn Backend,
    state: State,
    /// Problems in the user's keymap file, reported once at start.
    pub keymap_errors: Vec<KeymapError>,
}

/// How many follow-up effects one input may cause (a guard: answers ask
/// for a page or a detail, never for an endless chain).
const MAX_EFFECTS: usize = 64;
/// Hits a search asks for.
const SEARCH_HITS: usize = 200;
/// Interactions of the timeline loaded with an account.
const TIMELINE_PAGE: usize = 500;

impl<'a> App<'a> {
    pub fn new(backend: &'a mut dyn Backend, opts: &RunOptions) -> App<'a> {
        let (keymap, keymap_errors) = Keymap::load(opts.keymap_path.as_deref());
        let theme = match opts.color {
            Some(c) => Theme::new(c),
            None => Theme::from_env(),
        };
        let state = State::new(
            backend.user(),
            &opts.db_label,
            backend.today(),
            keymap,
            theme,
        );
        let mut app = App {
            backend,
            state,
            keymap_errors,
        };
        app.run(vec![msg::reload(&app.state)]);
        if opts.agenda {
            let fx = app::update(&mut app.state, super::keymap::Action::ShowAgenda);
            app.run(fx);
        }
        let problems: Vec<String> = app.keymap_errors.iter().map(|e| e.to_string()).collect();
        app::show_keymap_problems(&mut app.state, &problems);
        app
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Test hook: sets up a state no key sequence reaches quickly.
    #[doc(hidden)]
    pub fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// Loads the list page, matrix, agenda and the selected account again
    /// (what a reconnect does). Kept data stays when the backend is lost.
    pub fn refresh(&mut self) {
        self.run(vec![msg::reload(&self.state)]);
    }

    pub fn key(&mut self, key: KeyEvent) {
        let fx = app::handle_key(&mut self.state, key);
        self.run(fx);
        self.settle();
    }

    /// Team mode: takes in what happened on the shared book (others'
    /// changes, a lost or regained server). True when the screen must be
    /// redrawn (false: nothing happened, so nothing is drawn or sent to the
    /// terminal).
    pub fn poll_team(&mut self) -> bool {
        if !self.backend.is_live() {
            return false;
        }
        let notices = self.backend.poll_changes();
        if notices.is_empty() {
            return false;
        }
        self.run_msg(Msg::Notices(notices));
        self.settle();
        true
    }

    pub fn paste(&mut self, text: &str) {
        let fx = app::handle_paste(&mut self.state, text);
        self.run(fx);
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        app::handle_resize(&mut self.state, width, height);
    }

    pub fn draw(&self, f: &mut Frame) {
        render::draw(f, &self.state);
    }

    /// After input: the selected account's detail follows the selection,
    /// and the others see what this session edits.
    fn settle(&mut self) {
        self.run(msg::follow_selection(&self.state));
        if self.backend.is_live() {
            self.backend.set_editing(self.state.editing());
            let peers = self.backend.peers();
            self.run_msg(Msg::Peers(peers));
        }
    }

    fn run_msg(&mut self, m: Msg) {
        let fx = msg::apply(&mut self.state, m);
        self.run(fx);
    }

    /// Performs effects and feeds each answer back through `msg::apply`,
    /// which may ask for more.
    fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        let mut n = 0;
        while let Some(e) = queue.pop_front() {
            n += 1;
            if n > MAX_EFFECTS {
                break;
            }
            let m = perform(&mut *self.backend, e);
            queue.extend(msg::apply(&mut self.state, m));
        }
    }
}

/// One effect through the backend; the answer (or the failure) as a message.
/// Reads nothing of the state: the effect carries what it needs.
pub fn perform(b: &mut dyn Backend, effect: Effect) -> Msg {
    let fail = |op| move |error| Msg::Failed { op, error };
    match effect {
        Effect::Reload { query, keep } => loaded(b, &query, keep).unwrap_or_else(fail(Op::Load)),
        Effect::LoadList { query, keep } => match b.list(&query) {
            Ok(page) => Msg::Listed { page, keep },
            Err(e) => fail(Op::Load)(e),
        },
        Effect::LoadDetail(id) => {
            let got = b.detail(id).and_then(|d| match d {
                Some(d) => Ok(Some(Box::new(data::detail(
                    d,
                    b.timeline(id, 0, TIMELINE_PAGE)?,
                )))),
                None => Ok(None),
            });
            match got {
                Ok(detail) => Msg::Detail { id, detail },
                Err(e) => fail(Op::LoadDetail)(e),
            }
        }
        Effect::Search { text } => match b.search(&text, SEARCH_HITS) {
            Ok(rows) => Msg::Hits { text, rows },
            Err(e) => fail(Op::Search)(e),
        },
        Effect::Refresh(touched) => match b.delta(touched) {
            Ok(d) => Msg::Changed(view_update(b, d)),
            Err(e) => fail(Op::Load)(e),
        },
        Effect::Save {
            record,
            base,
            completes,
        } => {
            let new_key = match &record {
                Record::Account(a) if a.id.0 == 0 => Some(a.key.clone()),
                _ => None,
            };
            match b.execute(record.into_op(base)) {
                Ok(w) => {
                    let tier_changes = w.outcome.tier_changes.clone();
                    let update = view_update(b, w.delta);
                    // A touch logged from a follow-up on the agenda answers it.
                    let completed = completes
                        .map(|id| b.complete_followup(id).map(|w| view_update(b, w.delta)));
                    Msg::Saved {
                        update,
                        tier_changes,
                        new_key,
                        completed,
                    }
                }
                Err(e) => fail(Op::Save)(e),
            }
        }
        Effect::CompleteFollowUp { id, row } => match b.complete_followup(id) {
            Ok(w) => Msg::Completed {
                row,
                update: view_update(b, w.delta),
            },
            Err(e) => fail(Op::Complete)(e),
        },
        Effect::Snooze { row, until } => match b.snooze(&row.item, until) {
            Ok(w) => Msg::Snoozed {
                row,
                until,
                update: view_update(b, w.delta),
            },
            Err(e) => fail(Op::Snooze)(e),
        },
        Effect::MarkReview => match b.mark_review() {
            Ok(w) => Msg::Reviewed {
                count: w.outcome.count,
                update: view_update(b, w.delta),
            },
            Err(e) => fail(Op::Review)(e),
        },
        Effect::Undo => match b.undo() {
            Ok(w) => {
                let n = w.outcome.undone.unwrap_or_default();
                // Name what was undone, as `kam undo` does.
                let entry = b
                    .changes_since(n.saturating_sub(1))
                    .ok()
                    .and_then(|v| v.into_iter().find(|e| e.seq == n));
                let what = match entry {
                    Some(e) => crate::describe::undone_summary(&e, b.user()),
                    None => format!("#{n}"),
                };
                Msg::Undone {
                    what,
                    update: view_update(b, w.delta),
                }
            }
            Err(e) => fail(Op::Undo)(e),
        },
        Effect::History { account, label } => match b.history(account) {
            Ok(entries) => Msg::History {
                account,
                label,
                entries,
            },
            Err(e) => fail(Op::History)(e),
        },
    }
}

fn loaded(b: &dyn Backend, query: &ListQuery, keep: Option<AccountId>) -> BackendResult<Msg> {
    let page = b.list(query)?;
    let matrix = data::matrix(&b.matrix()?, b.model());
    let agenda = b.agenda(Some(b.user()))?;
    Ok(Msg::Loaded {
        page,
        matrix,
        agenda,
        tiers: query::tiers_of(b.model()),
        keep,
    })
}

/// A change's delta with the matrix shaped for the pane.
fn view_update(b: &dyn Backend, d: Delta) -> Update {
    Update {
        touched: d.touched,
        rows: d.rows,
        matrix: data::matrix(&d.matrix, b.model()),
        agenda: d.agenda,
        accounts: d.accounts,
    }
}

/// Runs the TUI until the user quits. The terminal is restored on return,
/// on error and on panic (ratatui's init installs a restoring panic hook).
pub fn run(backend: &mut dyn Backend, opts: RunOptions) -> color_eyre::Result<()> {
    let mut app = App::new(backend, &opts);
    // Runs after ratatui's own hook has restored the screen (it chains to
    // the hook installed before it).
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableBracketedPaste);
        previous(info);
    }));
    let mut terminal = ratatui::try_init()?;
    // Pasted text arrives as one event, so a newline in it is not Enter.
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app);
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// How often a live (team) session looks for the others' changes.
const TEAM_TICK: Duration = Duration::from_millis(200);

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> color_eyre::Result<()> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    app.poll_team();
    terminal.draw(|f| app.draw(f))?;
    let live = app.backend().is_live();
    loop {
        // Alone, this blocks; in team mode it waits at most a tick. Either
        // way nothing is drawn or sent while nothing happens (SSH).
        let input = !live || event::poll(TEAM_TICK)?;
        let mut redraw = false;
        if input {
            redraw = match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    app.key(k);
                    true
                }
                Event::Paste(s) => {
                    app.paste(&s);
                    true
                }
                Event::Resize(w, h) => {
                    app.resize(w, h);
                    true
                }
                _ => false,
            };
            if app.state().quit {
                return Ok(());
            }
        }
        redraw |= app.poll_team();
        if redraw {
            terminal.draw(|f| app.draw(f))?;
        }
    }
}
