//! The app around the state: performs effects through the backend, keeps
//! the views in step with it, and runs the terminal event loop.

use super::app::{self, Effect, Overlay, State};
use super::data;
use super::forms::FormKind;
use super::forms::Record;
use super::keymap::{Keymap, KeymapError};
use super::render;
use super::theme::Theme;
use crate::backend::Backend;
use crate::backend::Notice;
use crate::domain::AccountId;
use crate::segment::TierChange;
use ratatui::Frame;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEvent, KeyEventKind,
};
use ratatui::crossterm::execute;
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
        app.refresh();
        if opts.agenda {
            app::update(&mut app.state, super::keymap::Action::ShowAgenda);
        }
        let problems: Vec<String> = app.keymap_errors.iter().map(|e| e.to_string()).collect();
        app::show_keymap_problems(&mut app.state, &problems);
        app
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// Reloads list, matrix, agenda and the selected account's detail.
    pub fn refresh(&mut self) {
        match data::snapshot(&*self.backend) {
            Ok(s) => {
                self.state.tiers = self
                    .backend
                    .model()
                    .tiers
                    .iter()
                    .map(|t| t.name.clone())
                    .collect();
                self.state.set_rows(s.rows);
                self.state.matrix = s.matrix;
                self.state.agenda = s.agenda;
                let n = self.state.agenda.len();
                self.state.agenda_selected = self.state.agenda_selected.min(n.saturating_sub(1));
            }
            Err(e) => self.state.error(format!("Could not load: {e}")),
        }
        self.state.detail = None;
        self.sync_detail();
    }

    /// Loads the detail when the selection moved to another account.
    fn sync_detail(&mut self) {
        let want = self.state.selected_id();
        let have = self.state.detail.as_ref().map(|d| d.account.id);
        if want == have {
            return;
        }
        let same_account = self.state.detail.is_none() && want.is_some();
        self.state.detail = None;
        if !same_account {
            self.state.timeline_selected = 0;
            self.state.profile_scroll = 0;
        }
        if let Some(id) = want {
            match data::detail(&*self.backend, id) {
                Ok(d) => self.state.detail = d,
                Err(e) => self.state.error(format!("Could not load the account: {e}")),
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent) {
        let effects = app::handle_key(&mut self.state, key);
        self.perform(effects);
        self.sync_detail();
        self.sync_presence();
    }

    /// Team mode: takes in what happened on the shared book — others'
    /// changes reload the views, with who did what in the message line.
    /// True when the screen must be redrawn (false: nothing happened, so
    /// nothing is drawn or sent to the terminal).
    pub fn poll_team(&mut self) -> bool {
        if !self.backend.is_live() {
            return false;
        }
        let notices = self.backend.poll_changes();
        if notices.is_empty() {
            return false;
        }
        let (reload, note) = read_notices(notices);
        if reload {
            self.refresh();
        }
        match note {
            Some((false, text)) => self.state.info(text),
            Some((true, text)) => self.state.error(text),
            None => {}
        }
        self.sync_presence();
        true
    }

    /// The account this session has open in a form, if any.
    fn editing(&self) -> Option<AccountId> {
        match &self.state.overlay {
            Some(Overlay::Form { form, .. }) => match &form.kind {
                FormKind::Account(a) => a.as_ref().map(|a| a.id),
                FormKind::Interaction(id) | FormKind::Contact(id) | FormKind::FollowUp(id) => {
                    Some(*id)
                }
            },
            _ => None,
        }
    }

    /// Tells the others what this session edits, and shows who is here.
    fn sync_presence(&mut self) {
        if !self.backend.is_live() {
            return;
        }
        let editing = self.editing();
        self.backend.set_editing(editing);
        let focus = editing.or(self.state.selected_id());
        let here = super::status::presence(&self.backend.peers(), focus);
        self.state.presence = here;
    }

    pub fn paste(&mut self, text: &str) {
        app::handle_paste(&mut self.state, text);
    }

    pub fn resize(&mut self, _width: u16, height: u16) {
        // A page is the list's height less borders, header and status bar.
        self.state.page = (height as usize).saturating_sub(6).max(1);
    }

    pub fn draw(&self, f: &mut Frame) {
        render::draw(f, &self.state);
    }

    fn perform(&mut self, effects: Vec<Effect>) {
        for e in effects {
            self.perform_one(e);
        }
    }

    fn perform_one(&mut self, effect: Effect) {
        let today = self.state.today;
        match effect {
            Effect::Save(record) => {
                let new_key = match &record {
                    Record::Account(a) => Some(a.key.clone()),
                    _ => None,
                };
                // A touch logged from a follow-up on the agenda answers it.
                let completes = match (&self.state.overlay, &record) {
                    (Some(Overlay::Form { form, .. }), Record::Interaction(_)) => form.completes,
                    _ => None,
                };
                // Account edits carry the form's base: merged or a conflict.
                let result = super::team::save(&self.state, &mut *self.backend, record)
                    .map(|o| o.tier_changes);
                match result {
                    Ok(changes) => {
                        self.state.overlay = None;
                        let completed = completes.map(|id| self.backend.complete_followup(id));
                        self.refresh();
                        if let Some(key) = new_key
                            && let Some(id) =
                                self.state.rows.iter().find(|r| r.key == key).map(|r| r.id)
                        {
                            self.state.select_account(id);
                            self.sync_detail();
                        }
                        let mut msg = self.describe(&changes);
                        match completed {
                            None => self.state.ok(msg),
                            Some(Ok(())) => {
                                msg.push_str(" · follow-up done");
                                self.state.ok(msg);
                            }
                            Some(Err(e)) => self
                                .state
                                .error(format!("{msg}, but the follow-up is still open: {e}")),
                        }
                    }
                    // The form stays open with what was typed.
                    Err(e) => super::team::save_failed(&mut self.state, e),
                }
            }
            Effect::CompleteFollowUp(row) => {
                let Some(id) = row.item.follow_up else {
                    return;
                };
                match self.backend.complete_followup(id) {
                    Ok(()) => {
                        self.refresh();
                        self.state
                            .ok(format!("Done: {} {}", row.key, row.item.text));
                    }
                    Err(e) => self.state.error(format!("Not marked done: {e}")),
                }
            }
            Effect::Snooze(row, days) => {
                let until = today + chrono::Days::new(days as u64);
                match self.backend.snooze(&row.item, until) {
                    Ok(()) => {
                        self.refresh();
                        self.state.ok(format!("Snoozed {} until {until}", row.key));
                    }
                    Err(e) => self.state.error(format!("Not snoozed: {e}")),
                }
            }
            Effect::Undo | Effect::History { .. } => {
                if super::team::perform(&mut self.state, &mut *self.backend, effect) {
                    self.refresh();
                }
            }
            Effect::MarkReview => match self.backend.mark_review() {
                Ok(n) => {
                    self.refresh();
                    self.state.ok(format!("Review marked: {n} accounts"));
                }
                Err(e) => self.state.error(format!("Review not marked: {e}")),
            },
        }
    }

    fn describe(&self, changes: &[TierChange]) -> String {
        let mut parts = vec!["Saved".to_string()];
        for c in changes.iter().take(3) {
            let key = self
                .state
                .rows
                .iter()
                .find(|r| r.id == c.account)
                .map(|r| r.key.as_str())
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
}

/// What a batch of notices means: reload or not, and the message to show
/// (`true` = an error). A reconnect after a loss says so, so the loss is
/// not left on the message line once the server answers again.
fn read_notices(notices: Vec<Notice>) -> (bool, Option<(bool, String)>) {
    let mut reload = false;
    let mut reconnected = false;
    let mut note: Option<(bool, String)> = None;
    for n in notices {
        match n {
            Notice::Changed { user, summary, .. } => {
                reload = true;
                note = Some((false, format!("{user}: {summary}")));
            }
            Notice::Resync => reload = true,
            Notice::Reconnected => {
                reload = true;
                reconnected = true;
                if matches!(note, Some((true, _))) {
                    note = None;
                }
            }
            Notice::Presence => {}
            Notice::Lost(why) => {
                reconnected = false;
                note = Some((true, why));
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
    (reload, note)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lost() -> Notice {
        Notice::Lost("the kam server closed the connection".into())
    }

    #[test]
    fn a_loss_is_an_error_and_the_reconnect_replaces_it() {
        assert_eq!(
            read_notices(vec![lost()]),
            (
                false,
                Some((true, "the kam server closed the connection".into()))
            )
        );
        let info = Some((false, "reconnected to the kam server".to_string()));
        assert_eq!(
            read_notices(vec![Notice::Reconnected]),
            (true, info.clone())
        );
        // Lost and made again within one poll: the reconnect is the news.
        assert_eq!(
            read_notices(vec![lost(), Notice::Reconnected]),
            (true, info)
        );
        // Still down after a reconnect: the error stays.
        assert!(matches!(
            read_notices(vec![Notice::Reconnected, lost()]),
            (true, Some((true, _)))
        ));
    }

    #[test]
    fn changes_caught_up_after_a_reconnect_are_named_too() {
        let changed = Notice::Changed {
            seq: 3,
            user: "ann".into(),
            summary: "save account (A)".into(),
        };
        assert_eq!(
            read_notices(vec![lost(), Notice::Reconnected, changed.clone()]),
            (
                true,
                Some((
                    false,
                    "reconnected to the kam server · ann: save account (A)".into()
                ))
            )
        );
        assert_eq!(
            read_notices(vec![changed, Notice::Presence]),
            (true, Some((false, "ann: save account (A)".into())))
        );
        assert_eq!(read_notices(vec![Notice::Presence]), (false, None));
    }
}
