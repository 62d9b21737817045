//! The app around the state: performs the effects `update` asks for through
//! the backend and feeds each answer back as a `Msg`; runs the terminal event
//! loop. It never changes the state itself.

use super::app;
use super::data;
use super::draft::Draft;
use super::effect::{Effect, Msg, Op, Update};
use super::events::{Events, Wake};
use super::forms::Record;
use super::keymap::{Keymap, KeymapError};
use super::msg;
use super::render;
use super::settings::Settings;
use super::shell::{self, TermRequest};
use super::state::{Overlay, State};
use super::theme::Theme;
use crate::backend::{Backend, BackendResult};
use crate::book::WriteOp;
use crate::book::query::{self, Delta, ListQuery, Touched};
use crate::domain::AccountId;
use ratatui::Frame;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    KeyEvent, KeyEventKind, MouseEvent,
};
use ratatui::crossterm::execute;
use ratatui::layout::Rect;
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
    /// Where unsaved form text is kept when the terminal goes away, and
    /// offered again at the next start (`paths::draft_file`).
    pub draft_path: Option<PathBuf>,
    /// The user's settings file (`paths::user_config`: `mouse = false`).
    pub config_path: Option<PathBuf>,
    /// The personal saved views file.
    pub views_path: Option<PathBuf>,
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
        app.state.views_path = opts.views_path.clone();
        app.run(vec![msg::reload(&app.state)]);
        if opts.agenda {
            let fx = app::update(&mut app.state, super::keymap::Action::ShowAgenda);
            app.run(fx);
        }
        let problems: Vec<String> = app.keymap_errors.iter().map(|e| e.to_string()).collect();
        app::show_keymap_problems(&mut app.state, &problems);
        // A draft waits for a start with nothing else on screen.
        if app.state.overlay.is_none()
            && let Some(d) = opts.draft_path.as_deref().and_then(Draft::take)
        {
            app.run(vec![Effect::RestoreDraft(d)]);
        }
        app
    }

    /// The open form's unsaved text, to keep when the terminal goes away.
    pub fn draft(&self) -> Option<Draft> {
        let saved = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        match &self.state.overlay {
            Some(Overlay::Form { form, .. }) => Draft::of(form, saved),
            _ => None,
        }
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

    /// A mouse event over a terminal of size `area` (see `tui::mouse`).
    pub fn mouse(&mut self, ev: MouseEvent, area: Rect) {
        let fx = super::mouse::handle(&mut self.state, ev, area);
        self.run(fx);
        self.settle();
    }

    /// What the last input asked of the terminal (suspend, copy, editor),
    /// for the runner to carry out.
    pub fn take_request(&mut self) -> Option<TermRequest> {
        self.state.shell.request.take()
    }

    /// The editor's answer for the form field handed to it.
    pub fn edited(&mut self, edited: Result<String, String>) {
        shell::apply_edit(&mut self.state, edited);
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
        Effect::RestoreDraft(d) => {
            let account = match d.account() {
                Some(id) => match b.account(id) {
                    Ok(a) => a,
                    Err(e) => return fail(Op::Load)(e),
                },
                None => None,
            };
            Msg::Draft {
                form: d
                    .reopen(account.as_ref(), b.user(), b.today())
                    .map(Box::new),
                saved: d.saved,
            }
        }
        Effect::Search { text } => match b.search(&text, SEARCH_HITS) {
            Ok(rows) => Msg::Hits { text, rows },
            Err(e) => fail(Op::Search)(e),
        },
        Effect::Refresh { touched, agenda } => match b.delta(touched, agenda) {
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
                    let completed = completes.map(|id| {
                        Box::new(b.complete_followup(id).map(|w| view_update(b, w.delta)))
                    });
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
        Effect::DeleteKeyDate { id, what } => {
            match b.execute(crate::book::WriteOp::DeleteKeyDate { id }) {
                Ok(w) => Msg::KeyDateDeleted {
                    what,
                    update: view_update(b, w.delta),
                },
                Err(e) => fail(Op::DeleteKeyDate)(e),
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
        Effect::SaveView { view, path: None } => {
            let name = view.name.clone();
            let op = crate::book::WriteOp::SaveView {
                name: name.clone(),
                view: Some(view),
            };
            match b.execute(op) {
                Ok(_) => Msg::ViewSaved { name },
                Err(e) => fail(Op::Views)(e),
            }
        }
        Effect::SaveView {
            view,
            path: Some(path),
        } => {
            let name = view.name.clone();
            let saved = crate::book::views::ViewSet::read_file(&path).and_then(|mut set| {
                set.upsert(view);
                set.write_file(&path)
            });
            match saved {
                Ok(()) => Msg::ViewSaved { name },
                Err(e) => fail(Op::Views)(crate::backend::BackendError::Refused(e)),
            }
        }
        Effect::LoadViews { path } => {
            use super::overlays::views::ViewItem;
            let personal = match path {
                Some(p) => crate::book::views::ViewSet::read_file(&p),
                None => Ok(Default::default()),
            };
            let personal = match personal {
                Ok(set) => set,
                Err(e) => return fail(Op::Views)(crate::backend::BackendError::Refused(e)),
            };
            match b.views() {
                Ok(team) => {
                    let item = |scope| move |view| ViewItem { scope, view };
                    Msg::Views(
                        personal
                            .views
                            .into_iter()
                            .map(item("personal"))
                            .chain(team.views.into_iter().map(item("team")))
                            .collect(),
                    )
                }
                Err(e) => fail(Op::Views)(e),
            }
        }
        Effect::Bulk { target, changes } => {
            match b.execute(crate::book::WriteOp::Bulk { target, changes }) {
                Ok(w) => Msg::Bulked {
                    count: w.outcome.count,
                    update: view_update(b, w.delta),
                },
                Err(e) => fail(Op::Bulk)(e),
            }
        }
        Effect::History { account, label } => match b.history(account) {
            Ok(entries) => Msg::History {
                account,
                label,
                entries,
            },
            Err(e) => fail(Op::History)(e),
        },
        Effect::LoadReport(period) => match b.report(period, None) {
            Ok(r) => Msg::Report(Box::new(r)),
            Err(e) => fail(Op::Report)(e),
        },
        Effect::LoadReview => match b.review_due() {
            Ok(items) => Msg::ReviewLoaded(items),
            Err(e) => fail(Op::Review)(e),
        },
        Effect::ReviewPin { key, tier, reason } => {
            let what = format!("{key} pinned at {tier}");
            review_write(b, WriteOp::Pin { key, tier, reason }, what)
        }
        Effect::ReviewUnpin { key } => {
            let what = format!("{key} unpinned");
            review_write(b, WriteOp::Unpin { key }, what)
        }
        Effect::FinishReview { confirmed, tally } => {
            let what = format!(
                "Review recorded: {} confirmed, {} pinned, {} unpinned, {} skipped",
                tally.confirmed, tally.pinned, tally.unpinned, tally.skipped
            );
            review_write(b, WriteOp::FinishReview { confirmed, tally }, what)
        }
        Effect::PlanMerge { keep, drop } => {
            let key = |id| -> BackendResult<String> {
                Ok(b.account(id)?.map(|a| a.key).unwrap_or_default())
            };
            match key(keep)
                .and_then(|k| Ok((k, key(drop)?)))
                .and_then(|(k, d)| b.plan_merge(&k, &d, &[]))
            {
                Ok(plan) => Msg::MergePlanned(Box::new(plan)),
                Err(e) => fail(Op::Merge)(e),
            }
        }
        Effect::Merge {
            keep_id,
            keep,
            drop,
            take,
        } => {
            let op = WriteOp::MergeAccounts {
                keep: keep.clone(),
                drop: drop.clone(),
                take,
            };
            match b.execute(op) {
                Ok(w) => Msg::Merged {
                    what: format!("Merged {drop} into {keep}"),
                    keep: keep_id,
                    update: view_update(b, w.delta),
                },
                Err(e) => fail(Op::Merge)(e),
            }
        }
    }
}

/// A review decision or the finish, written; `what` is the message.
fn review_write(b: &mut dyn Backend, op: WriteOp, what: String) -> Msg {
    match b.execute(op) {
        Ok(w) => Msg::ReviewWritten {
            what,
            update: view_update(b, w.delta),
        },
        Err(error) => Msg::Failed {
            op: Op::Review,
            error,
        },
    }
}

fn loaded(b: &dyn Backend, query: &ListQuery, keep: Option<AccountId>) -> BackendResult<Msg> {
    let page = b.list(query)?;
    // The matrix and the agenda as a delta gives them: the agenda with its
    // version, so that the first change after a start sends the rows that
    // moved, not the whole agenda again (28k rows at 100k accounts).
    let d = b.delta(Touched::Accounts(Vec::new()), None)?;
    let mut agenda = Vec::new();
    d.agenda.apply(&mut agenda);
    Ok(Msg::Loaded {
        page,
        matrix: data::matrix(&d.matrix, b.model()),
        agenda,
        agenda_version: Some(d.agenda_version),
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
        agenda_version: d.agenda_version,
        accounts: d.accounts,
    }
}

/// Runs the TUI until the user quits. The terminal is restored on return,
/// on error and on panic (ratatui's init installs a restoring panic hook).
/// When the terminal goes away (end of input, hang-up, SIGHUP, SIGTERM, an
/// I/O error) it stops within a second and keeps an open form's unsaved text
/// as a draft, offered at the next start.
pub fn run(backend: &mut dyn Backend, opts: RunOptions) -> color_eyre::Result<()> {
    let mut app = App::new(backend, &opts);
    let (settings, problems) = Settings::load(opts.config_path.as_deref());
    for p in problems {
        app.state.error(p);
    }
    // Runs after ratatui's own hook has restored the screen (it chains to
    // the hook installed before it).
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(
            std::io::stdout(),
            DisableBracketedPaste,
            DisableMouseCapture
        );
        previous(info);
    }));
    stop::install();
    stop::watch_terminal();
    let mut terminal = ratatui::try_init()?;
    // Pasted text arrives as one event, so a newline in it is not Enter.
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    if settings.mouse {
        let _ = execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = event_loop(&mut terminal, &mut app, &settings);
    // The draft first: nothing after this may lose it.
    let lost = match result {
        Ok(None) => None,
        Ok(Some(why)) => Some(color_eyre::eyre::eyre!("{why}")),
        Err(e) => Some(e),
    };
    let kept = lost.as_ref().and_then(|_| keep_draft(&app, &opts));
    // A closed terminal has nothing to restore (and writing to it fails).
    if !stop::terminal_closed() {
        let _ = execute!(
            std::io::stdout(),
            DisableBracketedPaste,
            DisableMouseCapture
        );
        ratatui::restore();
    }
    match (lost, kept) {
        (None, _) => Ok(()),
        (Some(e), Some(note)) => Err(e.wrap_err(note)),
        (Some(e), None) => Err(e),
    }
}

/// Keeps the open form's unsaved text; says where, or why it could not.
fn keep_draft(app: &App, opts: &RunOptions) -> Option<String> {
    let (draft, path) = (app.draft()?, opts.draft_path.as_deref()?);
    Some(match draft.save(path) {
        Ok(()) => format!(
            "the open form's unsaved text is kept in {} and offered at the next start",
            path.display()
        ),
        Err(e) => format!(
            "the open form's unsaved text could not be kept ({}: {e})",
            path.display()
        ),
    })
}

/// How often the loop looks, with nothing happening, whether it must stop
/// (a signal, a closed terminal) and whether a lost server can be reached
/// again. Input and the team's news wake it at once (`events`).
const IDLE_LOOK: Duration = Duration::from_millis(250);

/// `Ok(None)`: the user quit; `Ok(Some(why))`: the terminal went away.
fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    settings: &Settings,
) -> color_eyre::Result<Option<&'static str>> {
    let events = Events::start();
    app.backend.on_change(events.waker());
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    app.poll_team();
    terminal.draw(|f| app.draw(f))?;
    loop {
        if let Some(why) = stop::reason() {
            return Ok(Some(why));
        }
        // Nothing is drawn or sent while nothing happens (SSH).
        let mut redraw = false;
        let mut next = events.next(IDLE_LOOK);
        // Everything already queued is handled before one draw.
        while let Some(wake) = next {
            match wake {
                Wake::Term(ev) => redraw |= on_term(terminal, app, ev, settings)?,
                Wake::Team => {}
                // A terminal that went away fails its reads: say that.
                Wake::Failed(e) => {
                    return match stop::reason() {
                        Some(why) => Ok(Some(why)),
                        None => Err(e.into()),
                    };
                }
            }
            if app.state().quit {
                return Ok(None);
            }
            if let Some(req) = app.take_request() {
                carry_out(terminal, app, req, settings, &events)?;
                redraw = true;
            }
            next = events.ready();
        }
        redraw |= app.poll_team();
        if redraw {
            terminal.draw(|f| app.draw(f))?;
        }
    }
}

/// One terminal event; true when the screen may have changed.
fn on_term(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    ev: Event,
    settings: &Settings,
) -> color_eyre::Result<bool> {
    Ok(match ev {
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
        // Moves and releases arrive too (any-event tracking): nothing is
        // done or drawn for them.
        Event::Mouse(m) if settings.mouse && super::mouse::acts_on(&m) => {
            let size = terminal.size()?;
            app.mouse(m, Rect::new(0, 0, size.width, size.height));
            true
        }
        _ => false,
    })
}

/// Does what a key asked of the terminal. Suspending and the editor give
/// the terminal back as the shell had it and take it again after, with a
/// full redraw (the screen may hold anything by then).
fn carry_out(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    req: TermRequest,
    settings: &Settings,
    events: &Events,
) -> color_eyre::Result<()> {
    match req {
        TermRequest::Copy(text) => {
            let tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
            // A terminal that does not know OSC 52 ignores it.
            let _ = shell::write_osc52(&mut std::io::stdout(), &text, tmux);
        }
        TermRequest::Suspend => {
            events.pause();
            leave_terminal(settings);
            // SAFETY: raising a signal at ourselves. SIGTSTP's default
            // action stops the process here until `fg` sends SIGCONT; the
            // server connection just waits (the server's queue for us
            // turns into a resync if it fills).
            unsafe {
                libc::raise(libc::SIGTSTP);
            }
            enter_terminal(terminal, settings)?;
            events.resume();
            // The window may have changed size while we were stopped.
            let size = terminal.size()?;
            app.resize(size.width, size.height);
        }
        TermRequest::Edit(text) => {
            events.pause();
            leave_terminal(settings);
            let edited = crate::commands::editor::edit_text("field", &text).map_err(|e| e.message);
            enter_terminal(terminal, settings)?;
            events.resume();
            app.edited(edited);
        }
    }
    Ok(())
}

/// The terminal as the shell wants it: no raw mode, the main screen, the
/// cursor shown, no mouse reports or paste brackets.
fn leave_terminal(settings: &Settings) {
    let mut out = std::io::stdout();
    if settings.mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, DisableBracketedPaste, ratatui::crossterm::cursor::Show);
    ratatui::restore();
}

/// The terminal as the TUI wants it again, cleared so that the next frame
/// is drawn whole.
fn enter_terminal(
    terminal: &mut ratatui::DefaultTerminal,
    settings: &Settings,
) -> color_eyre::Result<()> {
    ratatui::crossterm::terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    execute!(
        out,
        ratatui::crossterm::terminal::EnterAlternateScreen,
        EnableBracketedPaste
    )?;
    if settings.mouse {
        execute!(out, EnableMouseCapture)?;
    }
    terminal.hide_cursor()?;
    terminal.clear()?;
    Ok(())
}

/// Why the TUI must stop without the user: a signal, or a terminal that
/// is gone (a closed pseudo-terminal reads as end of input for ever).
mod stop {
    use std::sync::atomic::{AtomicI32, Ordering};

    static SIGNAL: AtomicI32 = AtomicI32::new(0);
    /// Set by the watcher when the terminal has gone.
    const GONE: libc::c_int = -1;

    extern "C" fn on_signal(sig: libc::c_int) {
        // Only an atomic store: async-signal-safe.
        SIGNAL.store(sig, Ordering::Relaxed);
    }

    /// Catches SIGHUP and SIGTERM, unless they are ignored already (`nohup`:
    /// the terminal's end is then seen as a hang-up on input instead).
    pub fn install() {
        for sig in [libc::SIGHUP, libc::SIGTERM] {
            // SAFETY: sigaction with zeroed, then filled, plain C structs;
            // the handler only stores to an atomic.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction == libc::SIG_IGN
                {
                    continue;
                }
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as *const () as usize;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    }

    /// The terminal itself is gone (not just a signal).
    pub fn terminal_closed() -> bool {
        SIGNAL.load(Ordering::Relaxed) == GONE
    }

    pub fn reason() -> Option<&'static str> {
        match SIGNAL.load(Ordering::Relaxed) {
            libc::SIGHUP => Some("the terminal hung up (SIGHUP)"),
            libc::SIGTERM => Some("stopped by SIGTERM"),
            GONE => Some("the terminal was closed"),
            _ => None,
        }
    }

    /// A closed terminal makes crossterm's reader spin on `read() = 0`
    /// inside its own loop, where the event loop never gets control back.
    /// So a thread looks for the hang-up, records it, and puts an empty
    /// non-blocking pipe on descriptor 0: the reader then sees "nothing to
    /// read", returns, and the event loop stops at its next tick.
    pub fn watch_terminal() {
        // SAFETY: isatty on our own descriptor.
        if unsafe { libc::isatty(0) } != 1 {
            return;
        }
        std::thread::spawn(|| {
            while !terminal_gone() {
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            SIGNAL.store(GONE, Ordering::Relaxed);
            let mut fds = [0; 2];
            // SAFETY: a new pipe, its read end duplicated onto descriptor 0
            // (which only this process's dead terminal used).
            unsafe {
                if libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) == 0 {
                    libc::dup2(fds[0], 0);
                }
            }
        });
    }

    /// Standard input (a terminal when the watch began) has hung up or
    /// gone. Not `isatty`: a hung-up terminal answers that with EIO.
    fn terminal_gone() -> bool {
        let mut p = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: a zero-timeout poll on our own descriptor 0.
        unsafe {
            libc::poll(&mut p, 1, 0) >= 0
                && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
        }
    }
}
