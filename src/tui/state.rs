//! The TUI's state: one value, changed only by `app::update` (keys) and
//! `msg::apply` (what the backend answered). Render only reads it.

use super::filter::{Filter, Vocab};
use super::forms::Form;
use super::input::LineEdit;
use super::keymap::{Context, KeyChord, Keymap};
use super::theme::Theme;
use super::view::{AccountRow, AgendaRow, Detail, MatrixView, SortKey};
use crate::book::query::ListQuery;
use crate::domain::{AccountId, InteractionKind};
use chrono::NaiveDate;
use std::collections::VecDeque;

/// How many status messages `messages` can show again.
pub const MESSAGE_LOG: usize = 20;

/// The six panes. Agenda and Report are views of their own; the others
/// share the main view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Accounts,
    Profile,
    Timeline,
    Matrix,
    Agenda,
    Report,
}

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Accounts => "Accounts",
            Pane::Profile => "Profile",
            Pane::Timeline => "Timeline",
            Pane::Matrix => "Matrix",
            Pane::Agenda => "Agenda",
            Pane::Report => "Report",
        }
    }

    fn context(self) -> Context {
        match self {
            Pane::Accounts => Context::List,
            Pane::Profile => Context::Profile,
            Pane::Timeline => Context::Timeline,
            Pane::Matrix => Context::Matrix,
            Pane::Agenda => Context::Agenda,
            Pane::Report => Context::Report,
        }
    }

    pub(super) const CYCLE: [Pane; 6] = [
        Pane::Accounts,
        Pane::Profile,
        Pane::Timeline,
        Pane::Matrix,
        Pane::Agenda,
        Pane::Report,
    ];
}

/// Fuzzy search in progress: the query and the ranked matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub input: LineEdit,
    /// The hits, best first: the backend's over the whole book, or the
    /// loaded rows' when it could not answer (`app::loaded_hits`).
    pub results: Vec<AccountRow>,
    pub selected: usize,
    /// Picking the duplicate to merge into this account (not a jump).
    pub merge_into: Option<AccountId>,
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
    /// The periodic review (`overlays::review`).
    Review(Box<super::overlays::review::ReviewRun>),
    /// Merging a duplicate (`overlays::merge`).
    Merge(Box<super::overlays::merge::MergeView>),
    /// One change for every marked account.
    Bulk(Box<super::overlays::bulk::BulkForm>),
    /// Naming the list's filter and sort as a saved view.
    ViewName(Box<super::overlays::views::NamePrompt>),
    /// The saved views to recall one from.
    Views(super::overlays::views::ViewList),
    /// The account's key dates, to edit or delete one.
    KeyDates(Box<super::overlays::keydates::KeyDateList>),
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

/// The account list: the page the backend answered for (filter, sort),
/// kept up to date by the deltas of writes and notices.
#[derive(Debug, Clone)]
pub struct ListPane {
    /// A window of the filtered, sorted list: `rows[0]` is its `offset`th
    /// row of `total`.
    pub rows: Vec<AccountRow>,
    pub offset: usize,
    /// Rows matching the filter, all windows.
    pub total: usize,
    /// Rows fetched at a time.
    pub window: usize,
    /// Accounts in the book (the list's "shown/all").
    pub accounts_total: usize,
    /// Indices into `rows` after filter and sort.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    pub sort: SortKey,
    pub sort_reverse: bool,
    pub filter: Filter,
    /// Rows marked for a bulk change.
    pub marks: super::marks::Marks,
}

/// Rows the list asks for at a time: many screens' worth, so moving about
/// rarely waits, and far below a big book.
pub const LIST_WINDOW: usize = 1000;

impl Default for ListPane {
    fn default() -> Self {
        ListPane {
            rows: Vec::new(),
            offset: 0,
            total: 0,
            window: LIST_WINDOW,
            accounts_total: 0,
            visible: Vec::new(),
            selected: 0,
            sort: SortKey::default(),
            sort_reverse: false,
            filter: Filter::default(),
            marks: super::marks::Marks::default(),
        }
    }
}

impl ListPane {
    /// The whole filtered list is loaded (no other window to fetch).
    pub fn complete(&self) -> bool {
        self.offset == 0 && self.rows.len() >= self.total
    }

    /// How many rows match the filter (the window's own count when it holds
    /// them all: it follows changes applied since it was fetched).
    pub fn matching(&self) -> usize {
        if self.complete() {
            self.visible.len()
        } else {
            self.total
        }
    }

    /// Position of the selected row in the whole filtered list.
    pub fn position(&self) -> usize {
        self.offset + self.selected
    }
}

/// The selected account's detail, shown by the profile and the timeline.
#[derive(Debug, Clone, Default)]
pub struct ProfilePane {
    pub detail: Option<Detail>,
    pub scroll: u16,
}

#[derive(Debug, Clone, Default)]
pub struct TimelinePane {
    /// Only this kind, or all.
    pub kind: Option<InteractionKind>,
    pub selected: usize,
}

#[derive(Debug, Clone, Default)]
pub struct MatrixPane {
    pub view: MatrixView,
    /// (row, col) of the selected cell.
    pub selected: (usize, usize),
}

/// The KPI report of last week, loaded each time the pane is shown.
#[derive(Debug, Clone, Default)]
pub struct ReportPane {
    pub report: Option<crate::segment::kpi::KpiReport>,
    /// First line shown.
    pub scroll: usize,
}

#[derive(Debug, Clone, Default)]
pub struct AgendaPane {
    pub rows: Vec<AgendaRow>,
    pub selected: usize,
    /// The version of `rows` a delta gave (`None`: loaded otherwise): a
    /// refresh sends it, and an unchanged agenda is not sent back.
    pub version: Option<u64>,
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
    /// The server cannot be reached: why. The last data stays on screen.
    pub lost: Option<String>,
    pub list: ListPane,
    pub profile: ProfilePane,
    pub timeline: TimelinePane,
    pub matrix: MatrixPane,
    pub agenda: AgendaPane,
    pub report: ReportPane,
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
    /// A review left open while an account from it is looked at;
    /// `start_review` resumes it.
    pub paused_review: Option<Box<super::overlays::review::ReviewRun>>,
    /// Suspend, copy, editor: asked of the terminal, done by the runner.
    pub shell: super::shell::Shell,
    /// The personal saved views file (none: personal views cannot be saved).
    pub views_path: Option<std::path::PathBuf>,
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
            lost: None,
            list: ListPane::default(),
            profile: ProfilePane::default(),
            timeline: TimelinePane::default(),
            matrix: MatrixPane::default(),
            agenda: AgendaPane::default(),
            report: ReportPane::default(),
            overlay: None,
            message: None,
            log: VecDeque::new(),
            tiers: Vec::new(),
            pending: Vec::new(),
            page: 10,
            quit: false,
            paused_review: None,
            shell: Default::default(),
            views_path: None,
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
            Some(Overlay::Bulk(b)) => b.context(),
            Some(Overlay::ViewName(_)) | Some(Overlay::Views(_)) => Context::Search,
            Some(Overlay::Search(_)) | Some(Overlay::Filter { .. }) => Context::Search,
            // Typing a pin's reason: only enter and esc are keys.
            Some(Overlay::Review(r)) if r.reason.is_some() => Context::Search,
            Some(Overlay::Review(_)) => Context::Review,
            Some(Overlay::Merge(_)) => Context::Merge,
            Some(Overlay::KeyDates(l)) => l.context(),
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
        self.list
            .visible
            .get(self.list.selected)
            .and_then(|i| self.list.rows.get(*i))
    }

    pub fn selected_id(&self) -> Option<AccountId> {
        self.selected_row().map(|r| r.id)
    }

    /// Replaces the account rows (after a load or a write), keeping the
    /// selection on the same account when it is still visible.
    pub fn set_rows(&mut self, rows: Vec<AccountRow>) {
        let keep = self.selected_id();
        self.list.rows = rows;
        self.refilter(keep);
    }

    /// Re-applies filter and sort; selects `keep` if visible.
    pub fn refilter(&mut self, keep: Option<AccountId>) {
        let mut visible: Vec<usize> = (0..self.list.rows.len())
            .filter(|i| self.list.filter.matches(&self.list.rows[*i]))
            .collect();
        let (rows, sort) = (&self.list.rows, self.list.sort);
        visible.sort_by(|a, b| sort.compare(&rows[*a], &rows[*b]));
        if self.list.sort_reverse {
            visible.reverse();
        }
        self.list.visible = visible;
        self.list.selected = keep
            .and_then(|id| {
                self.list
                    .visible
                    .iter()
                    .position(|i| self.list.rows[*i].id == id)
            })
            .unwrap_or(self.list.selected)
            .min(self.list.visible.len().saturating_sub(1));
    }

    /// Selects `id`; true when the list must be fetched again to show it
    /// (it is in another window, or the filter had to be cleared).
    #[must_use]
    pub fn select_account(&mut self, id: AccountId) -> bool {
        if self
            .list
            .visible
            .iter()
            .any(|i| self.list.rows[*i].id == id)
        {
            self.refilter(Some(id));
            return false;
        }
        if self.list.complete() {
            // The account is filtered out: showing it beats keeping the
            // filter. (In a partial window it may just be elsewhere: the
            // fetch around it says, see `msg::apply`.)
            self.list.filter = Filter::default();
            self.refilter(Some(id));
        }
        true
    }

    /// The account this session has open in a form, if any (presence).
    pub fn editing(&self) -> Option<AccountId> {
        match &self.overlay {
            Some(Overlay::Form { form, .. }) => form.account_id(),
            _ => None,
        }
    }

    /// The list window this state shows, placed around `around` if given.
    pub fn list_query(&self, around: Option<AccountId>) -> ListQuery {
        ListQuery {
            filter: self.list.filter.text().to_string(),
            sort: self.list.sort,
            reverse: self.list.sort_reverse,
            offset: self.list.offset,
            limit: Some(self.list.window),
            around,
        }
    }

    /// Timeline entries shown (newest first, kind filter applied).
    pub fn timeline_entries(&self) -> Vec<&crate::domain::Interaction> {
        match &self.profile.detail {
            Some(d) => d
                .interactions
                .iter()
                .filter(|i| self.timeline.kind.is_none_or(|k| i.kind == k))
                .collect(),
            None => Vec::new(),
        }
    }

    pub(super) fn account_label(&self) -> Option<(AccountId, String)> {
        self.selected_row()
            .map(|r| (r.id, format!("{} {}", r.text.key, r.text.name)))
    }
}
