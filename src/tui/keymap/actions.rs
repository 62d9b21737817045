//! The action table: every action's name, description, the places where it
//! does something, and whether it earns a slot in the hint bar. The keymap
//! loader, `kam keymap check`, the help overlay and the hint bar all read
//! this one table, so none of them can promise a key that does nothing.
//!
//! `works_in` must stay true to `tui::app` (which place handles which
//! action); `tests/tui_keymap.rs` drives the app with every action in every
//! place and fails on any drift, in either direction.

use std::fmt;

/// A section of the keymap file: where keys are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Profile,
    Timeline,
    Matrix,
    Agenda,
    Form,
    Search,
    Confirm,
    Review,
    Merge,
    Report,
    /// The account's key dates, to pick one to edit or delete.
    KeyDates,
}

impl Context {
    pub const ALL: [Context; 13] = [
        Context::Global,
        Context::List,
        Context::Profile,
        Context::Timeline,
        Context::Matrix,
        Context::Agenda,
        Context::Form,
        Context::Search,
        Context::Confirm,
        Context::Review,
        Context::Merge,
        Context::Report,
        Context::KeyDates,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Profile => "profile",
            Context::Timeline => "timeline",
            Context::Matrix => "matrix",
            Context::Agenda => "agenda",
            Context::Form => "form",
            Context::Search => "search",
            Context::Confirm => "confirm",
            Context::Review => "review",
            Context::Merge => "merge",
            Context::Report => "report",
            Context::KeyDates => "keydates",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Modal contexts take all keys: typed text must not trigger `[global]`.
    pub fn is_modal(self) -> bool {
        matches!(
            self,
            Context::Form
                | Context::Search
                | Context::Confirm
                | Context::Review
                | Context::Merge
                | Context::KeyDates
        )
    }

    /// The places whose keys this section holds. `[global]` keys also reach
    /// every pane (unless the pane's own section takes the key).
    pub fn places(self) -> impl Iterator<Item = Place> {
        Place::ALL
            .into_iter()
            .filter(move |p| p.section() == self || (self == Context::Global && p.is_pane()))
    }
}

/// Where a key press lands: a pane, or an overlay over the panes. Finer than
/// the keymap sections, because one section serves several places that
/// handle different actions (`[global]` keys scroll the history window but
/// not the help; `[search]` keys serve the search and the filter prompt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    List,
    Profile,
    Timeline,
    Matrix,
    Agenda,
    /// The help overlay.
    Help,
    /// An account's change history.
    History,
    /// A text to read: the recent messages, the keymap problems at start.
    Notice,
    Form,
    Search,
    /// The filter prompt.
    Filter,
    /// A yes/no question (discard unsaved changes?).
    Confirm,
    /// The periodic review, one account at a time.
    Review,
    /// Merging a duplicate: the conflicting fields.
    Merge,
    /// The KPI report.
    Report,
    /// The account's key dates (edit, delete, add).
    KeyDates,
}

impl Place {
    pub const ALL: [Place; 16] = [
        Place::List,
        Place::Profile,
        Place::Timeline,
        Place::Matrix,
        Place::Agenda,
        Place::Help,
        Place::History,
        Place::Notice,
        Place::Form,
        Place::Search,
        Place::Filter,
        Place::Confirm,
        Place::Review,
        Place::Merge,
        Place::Report,
        Place::KeyDates,
    ];

    /// The keymap section whose keys apply here.
    pub fn section(self) -> Context {
        match self {
            Place::List => Context::List,
            Place::Profile => Context::Profile,
            Place::Timeline => Context::Timeline,
            Place::Matrix => Context::Matrix,
            Place::Agenda => Context::Agenda,
            Place::Help | Place::History | Place::Notice => Context::Global,
            Place::Form => Context::Form,
            Place::Search | Place::Filter => Context::Search,
            Place::Confirm => Context::Confirm,
            Place::Review => Context::Review,
            Place::Merge => Context::Merge,
            Place::Report => Context::Report,
            Place::KeyDates => Context::KeyDates,
        }
    }

    /// The pane of a pane section (`[list]` → the account list).
    pub fn pane(section: Context) -> Option<Place> {
        Place::ALL
            .into_iter()
            .find(|p| p.is_pane() && p.section() == section)
    }

    pub fn is_pane(self) -> bool {
        matches!(
            self,
            Place::List
                | Place::Profile
                | Place::Timeline
                | Place::Matrix
                | Place::Agenda
                | Place::Report
        )
    }
}

/// Whether an action earns a slot in the hint bar of a place where it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Never (moving around is obvious; conflict keys are shown while a
    /// conflict is, by the status bar).
    Never,
    /// When bound in the place's own section (`[list] open`, not a
    /// `[global]` key that also reaches the list).
    Own,
    /// Wherever it works and has a key.
    Always,
}

use Place as P;

/// The six panes.
const PANES: &[Place] = &[
    P::List,
    P::Profile,
    P::Timeline,
    P::Matrix,
    P::Agenda,
    P::Report,
];
/// The panes and the three reading windows (help, history, notice).
const PANES_AND_WINDOWS: &[Place] = &[
    P::List,
    P::Profile,
    P::Timeline,
    P::Matrix,
    P::Agenda,
    P::Help,
    P::History,
    P::Notice,
    P::Report,
];
/// Where a list moves or a text scrolls by rows and pages.
const SCROLLS: &[Place] = &[
    P::List,
    P::Profile,
    P::Timeline,
    P::Agenda,
    P::History,
    P::Notice,
    P::Report,
];
/// The panes that act on the selected account (edit, add, log a touch).
const ACCOUNT_PANES: &[Place] = &[P::List, P::Profile, P::Timeline];

/// Declares the `Action` enum and its table. The order is the order of the
/// help overlay and the hint bar.
macro_rules! actions {
    ($($var:ident => $name:literal, $desc:literal, $works:expr, $hint:ident;)+) => {
        /// Everything a key can ask the app to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($var),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$var),+];

            /// The stable name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$var => $name),+ }
            }

            /// One line for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(Action::$var => $desc),+ }
            }

            /// The places where pressing its key does something.
            pub fn works_in(self) -> &'static [Place] {
                match self { $(Action::$var => $works),+ }
            }

            pub fn hint(self) -> Hint {
                match self { $(Action::$var => Hint::$hint),+ }
            }

            pub fn parse(s: &str) -> Option<Action> {
                match s { $($name => Some(Action::$var),)+ _ => None }
            }
        }
    };
}

actions! {
    Help => "help", "Show or hide this help", PANES_AND_WINDOWS, Always;
    Search => "search", "Fuzzy search accounts", PANES, Always;
    Filter => "filter", "Filter accounts (tier:key owner:li flag:overdue_payment region:east)",
        PANES, Always;
    ClearFilter => "clear_filter", "Clear the filter", PANES, Own;
    NewAccount => "new_account", "New account", PANES, Own;
    NextPane => "next_pane", "Focus the next pane", PANES, Always;
    PrevPane => "prev_pane", "Focus the previous pane", PANES, Own;
    // Showing a pane does nothing in that pane itself.
    ShowAccounts => "show_accounts", "Show the account list",
        &[P::Profile, P::Timeline, P::Matrix, P::Agenda, P::Report], Own;
    ShowProfile => "show_profile", "Show the profile",
        &[P::List, P::Timeline, P::Matrix, P::Agenda, P::Report], Own;
    ShowTimeline => "show_timeline", "Show the timeline",
        &[P::List, P::Profile, P::Matrix, P::Agenda, P::Report], Own;
    ShowMatrix => "show_matrix", "Show the tier matrix",
        &[P::List, P::Profile, P::Timeline, P::Agenda, P::Report], Own;
    ShowAgenda => "show_agenda", "Show the agenda",
        &[P::List, P::Profile, P::Timeline, P::Matrix, P::Report], Own;
    ShowReport => "show_report", "Show the KPI report of last week",
        &[P::List, P::Profile, P::Timeline, P::Matrix, P::Agenda], Own;
    // The filter prompt has one line: nothing to move through.
    Up => "up", "Move up",
        &[P::List, P::Profile, P::Timeline, P::Matrix, P::Agenda, P::Help, P::History,
          P::Notice, P::Search, P::Merge, P::Report, P::KeyDates], Never;
    Down => "down", "Move down",
        &[P::List, P::Profile, P::Timeline, P::Matrix, P::Agenda, P::Help, P::History,
          P::Notice, P::Search, P::Merge, P::Report, P::KeyDates], Never;
    // In a merge: keep KEEP's value (left column) or take DROP's (right).
    Left => "left", "Move left / merge: keep this account's value", &[P::Matrix, P::Merge], Own;
    Right => "right", "Move right / merge: take the duplicate's value",
        &[P::Matrix, P::Merge], Own;
    Top => "top", "Go to the first row", SCROLLS, Own;
    // The profile scrolls down without an end to jump to.
    Bottom => "bottom", "Go to the last row",
        &[P::List, P::Timeline, P::Agenda, P::History, P::Notice, P::Report], Own;
    PageUp => "page_up", "Page up", SCROLLS, Never;
    PageDown => "page_down", "Page down", SCROLLS, Never;
    Back => "back", "Back to the account list",
        &[P::Profile, P::Timeline, P::Matrix, P::Agenda, P::Help, P::History, P::Notice,
          P::Report], Own;
    Quit => "quit", "Quit kam", PANES_AND_WINDOWS, Always;
    Open => "open", "Open the selection", &[P::List, P::Matrix, P::Agenda, P::Review], Own;
    SortNext => "sort_next", "Sort by the next column", &[P::List], Own;
    // Help-only (as are merge and the copies): the list's hint bar is full at
    // 200 columns, and search, filter and quit must stay on it.
    SortReverse => "sort_reverse", "Reverse the sort order", &[P::List], Never;
    Edit => "edit", "Edit the account", ACCOUNT_PANES, Own;
    AddInteraction => "add_interaction", "Add an interaction (order, call, ...)",
        ACCOUNT_PANES, Own;
    AddContact => "add_contact", "Add a contact", ACCOUNT_PANES, Own;
    AddFollowup => "add_followup", "Add a follow-up", ACCOUNT_PANES, Own;
    LogTouch => "log_touch", "Log a touch (call, visit, ...)",
        &[P::List, P::Profile, P::Timeline, P::Agenda], Own;
    FilterKind => "filter_kind", "Show the next kind of entry only", &[P::Timeline], Own;
    MarkReview => "mark_review", "Mark the tier review done", &[P::Matrix], Own;
    MarkDone => "mark_done", "Mark the follow-up done", &[P::Agenda], Own;
    SnoozeDay => "snooze_day", "Snooze for a day", &[P::Agenda], Own;
    SnoozeWeek => "snooze_week", "Snooze for a week", &[P::Agenda], Own;
    Save => "save", "Save the form", &[P::Form], Own;
    Cancel => "cancel", "Cancel",
        &[P::History, P::Notice, P::Form, P::Search, P::Filter, P::Review, P::Merge,
          P::KeyDates], Own;
    NextField => "next_field", "Next field", &[P::Form], Own;
    PrevField => "prev_field", "Previous field", &[P::Form], Own;
    Accept => "accept", "Accept", &[P::Search, P::Filter], Own;
    // A notice is acknowledged like a question.
    Yes => "yes", "Yes", &[P::Confirm, P::Notice, P::Review, P::Merge], Own;
    No => "no", "No", &[P::Confirm, P::Notice], Own;
    Undo => "undo", "Undo your own last change", PANES, Own;
    History => "history", "Show the account's change history",
        &[P::List, P::Profile, P::Timeline, P::Matrix, P::Agenda, P::History, P::Report], Own;
    KeepMine => "keep_mine", "Conflict: keep my value for this field", &[P::Form], Never;
    TakeTheirs => "take_theirs", "Conflict: take their value for this field", &[P::Form], Never;
    FilterCell => "filter_cell", "List the accounts of this cell", &[P::Matrix], Own;
    Messages => "messages", "Show the recent status messages",
        &[P::List, P::Profile, P::Timeline, P::Matrix, P::Agenda, P::Notice, P::Report], Own;
    StartReview => "start_review",
        "Periodic review: step through tier moves and old pins (again: resume)", PANES, Own;
    ReviewConfirm => "confirm", "Review: confirm this account's tier", &[P::Review], Own;
    ReviewPin => "pin", "Review: pin the account with a reason", &[P::Review], Own;
    ReviewUnpin => "unpin", "Review: remove the account's pin", &[P::Review], Own;
    ReviewSkip => "skip", "Review: skip this account", &[P::Review], Own;
    Merge => "merge", "Merge a duplicate into this account", &[P::List, P::Profile], Never;
    // Works over any overlay too: a form keeps its text while kam is stopped.
    Suspend => "suspend", "Suspend kam to the shell (fg resumes)", &Place::ALL, Never;
    CopyKey => "copy_key", "Copy the account's key to the clipboard (OSC 52)",
        &[P::List, P::Profile, P::Timeline, P::Agenda], Never;
    CopyEmail => "copy_email", "Copy a contact's e-mail (again: the next contact's)",
        &[P::Profile], Never;
    CopyPhone => "copy_phone", "Copy a contact's phone (again: the next contact's)",
        &[P::Profile], Never;
    ExternalEditor => "external_editor",
        "Edit a multi-line field in $VISUAL/$EDITOR (one-line field: end of line)",
        &[P::Form], Own;
    // Only marking earns a hint: the list's hint bar is full, and the help
    // lists the rest.
    ToggleMark => "toggle_mark", "Mark or unmark the row for a bulk change", &[P::List], Own;
    MarkAll => "mark_all", "Mark every account matching the filter", &[P::List], Never;
    UnmarkAll => "unmark_all", "Unmark all rows", &[P::List], Never;
    SaveView => "save_view", "Save the filter and sort as a personal view", &[P::List], Never;
    SaveTeamView => "save_team_view", "Save the filter and sort as a view for the team",
        &[P::List], Never;
    Views => "views", "Recall a saved view (personal and team)", &[P::List], Never;
    MyAccounts => "my_accounts", "My accounts: owner or backup owner is me (again: all)",
        &[P::List], Never;
    BulkEdit => "bulk_edit", "Change the marked accounts (owner, tag, follow-up, ...)",
        &[P::List], Never;
    // Help-only in the profile (its hint bar is full); the key dates window
    // names its keys in its title.
    AddKeyDate => "add_key_date", "Add a key date (renewal, expiry, review, contact's date)",
        &[P::Profile, P::KeyDates], Never;
    KeyDates => "key_dates", "The account's key dates: pick one to edit or delete",
        &[P::Profile], Never;
    EditKeyDate => "edit_key_date", "Key dates: edit the selected one", &[P::KeyDates], Never;
    DeleteKeyDate => "delete_key_date", "Key dates: delete the selected one (asks first)",
        &[P::KeyDates], Never;
}

impl Action {
    pub fn works(self, place: Place) -> bool {
        self.works_in().contains(&place)
    }

    /// True when a key written in `section` can make this action do
    /// something: the section serves (or, for `[global]`, reaches) a place
    /// where it works.
    pub fn works_from(self, section: Context) -> bool {
        section.places().any(|p| self.works(p))
    }

    /// The sections where it works, for messages (`agenda`; `global` for
    /// the reading windows).
    pub fn sections(self) -> Vec<Context> {
        let mut out: Vec<Context> = self.works_in().iter().map(|p| p.section()).collect();
        out.sort();
        out.dedup();
        out
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_unique_name_and_works_somewhere() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(*a));
            assert!(!a.description().is_empty());
            assert!(!a.works_in().is_empty(), "{a} works nowhere");
        }
    }

    #[test]
    fn sections_reach_their_places() {
        assert!(Action::MarkDone.works_from(Context::Agenda));
        assert!(!Action::MarkDone.works_from(Context::Matrix));
        // A [global] key reaches the panes.
        assert!(Action::MarkDone.works_from(Context::Global));
        assert!(!Action::Save.works_from(Context::Global));
        assert_eq!(Action::MarkDone.sections(), vec![Context::Agenda]);
        assert_eq!(
            Action::Cancel.sections(),
            vec![
                Context::Global,
                Context::Form,
                Context::Search,
                Context::Review,
                Context::Merge,
                Context::KeyDates
            ]
        );
        assert_eq!(Place::pane(Context::Matrix), Some(Place::Matrix));
        assert_eq!(Place::pane(Context::Global), None);
        assert!(Context::Search.places().eq([Place::Search, Place::Filter]));
    }
}
