//! The two halves of the loop's far side: what `update` asks the runner to
//! do through the backend (an `Effect`, carrying everything it needs — the
//! record to save and the base it was edited from, not "the open form"), and
//! what comes back (`Msg`), which `msg::apply` turns into state.

use super::draft::Draft;
use super::forms::{Form, Record};
use super::view::{AccountRow, AgendaRow, Detail, MatrixView};
use crate::audit::AuditEntry;
use crate::backend::{BackendError, Notice, Peer};
use crate::book::merge_accounts::MergePlan;
use crate::book::query::{AgendaUpdate, ListPage, ListQuery, Touched};
use crate::book::review::{ReviewItem, ReviewTally};
use crate::domain::{Account, AccountId, FollowUpId};
use crate::segment::TierChange;
use chrono::NaiveDate;

// A few per key press, performed at once: boxing the record would only add
// noise at every sender.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The list page, the matrix and my agenda (start, resync, reconnect, a
    /// change that touched every row).
    Reload {
        query: ListQuery,
        keep: Option<AccountId>,
    },
    /// A window of the list: for a new filter or sort, around an account
    /// to show, or at a position the selection moved to.
    LoadList {
        query: ListQuery,
        keep: Option<Keep>,
    },
    /// The selected account's detail and its timeline's first page.
    LoadDetail(AccountId),
    /// Fuzzy hits over the whole book.
    Search {
        text: String,
    },
    /// What someone else's change touched, as it is now; `agenda`: the
    /// version of the agenda on screen (it is not sent again if unchanged).
    Refresh {
        touched: Touched,
        agenda: Option<u64>,
    },
    /// A form's record; an account edit carries the account as the form
    /// read it (merged, or refused as a conflict); a touch logged from an
    /// agenda follow-up completes it.
    Save {
        record: Record,
        base: Option<Account>,
        completes: Option<FollowUpId>,
    },
    CompleteFollowUp {
        id: FollowUpId,
        row: AgendaRow,
    },
    Snooze {
        row: AgendaRow,
        until: NaiveDate,
    },
    MarkReview,
    /// Undo the user's own last change.
    Undo,
    /// Load and show an account's change history.
    History {
        account: AccountId,
        label: String,
    },
    /// Reopen the form whose unsaved text was kept when the terminal went
    /// away (it needs the account as it is now).
    RestoreDraft(Draft),
    /// The accounts due for review, to step through.
    LoadReview,
    /// A pin decided in the review.
    ReviewPin {
        key: String,
        tier: String,
        reason: String,
    },
    ReviewUnpin {
        key: String,
    },
    /// Records the finished review.
    FinishReview {
        confirmed: Vec<String>,
        tally: ReviewTally,
    },
    /// Plans merging `drop` into `keep`, to show the conflicts.
    PlanMerge {
        keep: AccountId,
        drop: AccountId,
    },
    Merge {
        keep_id: AccountId,
        keep: String,
        drop: String,
        take: Vec<String>,
    },
    /// The KPI report of a period, for everyone.
    LoadReport(crate::segment::kpi::Period),
    /// Save a personal view in the views file, or (no path) a team view
    /// in the book.
    SaveView {
        view: crate::book::views::SavedView,
        path: Option<std::path::PathBuf>,
    },
    /// The team's views and the personal ones (from the file, if any).
    LoadViews {
        path: Option<std::path::PathBuf>,
    },
    /// Delete a key date (`what` names it in the message).
    DeleteKeyDate {
        id: u64,
        what: String,
    },
    /// One change for many accounts (the marked rows).
    Bulk {
        target: crate::book::bulk::BulkTarget,
        changes: Vec<crate::book::bulk::BulkChange>,
    },
}

/// Which row to select in a list window that arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// This account, if the list still has it.
    Account(AccountId),
    /// This account, clearing the filter if it hides it.
    Show(AccountId),
    /// This position of the whole filtered list.
    At(usize),
}

/// What a change did to the views, ready to apply: the rows it touched as
/// they are now, the matrix and my agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub touched: Touched,
    pub rows: Vec<AccountRow>,
    pub matrix: MatrixView,
    /// From the version on screen to the current one.
    pub agenda: AgendaUpdate,
    pub agenda_version: u64,
    /// Accounts in the book now.
    pub accounts: usize,
}

/// Which request failed (the message and what stays open depend on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Load,
    LoadDetail,
    Search,
    Save,
    Complete,
    Snooze,
    Review,
    Undo,
    History,
    Merge,
    Report,
    Bulk,
    Views,
    DeleteKeyDate,
}

/// The backend's answer to an effect, or news from the shared book.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        page: ListPage,
        matrix: MatrixView,
        agenda: Vec<AgendaRow>,
        /// The version of `agenda` (see `AgendaPane::version`).
        agenda_version: Option<u64>,
        tiers: Vec<String>,
        keep: Option<AccountId>,
    },
    Listed {
        page: ListPage,
        keep: Option<Keep>,
    },
    Detail {
        id: AccountId,
        detail: Option<Box<Detail>>,
    },
    Hits {
        text: String,
        rows: Vec<AccountRow>,
    },
    /// Someone else's change, as it is now.
    Changed(Update),
    Saved {
        update: Update,
        tier_changes: Vec<TierChange>,
        /// A new account: select it.
        new_key: Option<String>,
        /// The follow-up the saved touch answered, and how that went.
        completed: Option<Box<Result<Update, BackendError>>>,
    },
    Completed {
        row: AgendaRow,
        update: Update,
    },
    Snoozed {
        row: AgendaRow,
        until: NaiveDate,
        update: Update,
    },
    Reviewed {
        count: usize,
        update: Update,
    },
    Undone {
        what: String,
        update: Update,
    },
    KeyDateDeleted {
        what: String,
        update: Update,
    },
    ViewSaved {
        name: String,
    },
    Views(Vec<super::overlays::views::ViewItem>),
    /// A bulk change went through: how many accounts it changed.
    Bulked {
        count: usize,
        update: Update,
    },
    History {
        account: AccountId,
        label: String,
        entries: Vec<AuditEntry>,
    },
    /// A kept draft, reopened (None: the account it was about is gone).
    Draft {
        form: Option<Box<Form>>,
        saved: String,
    },
    Report(Box<crate::segment::kpi::KpiReport>),
    Failed {
        op: Op,
        error: BackendError,
    },
    /// Team mode: what happened on the shared book since the last poll.
    Notices(Vec<Notice>),
    /// Team mode: who is here.
    Peers(Vec<Peer>),
    /// The accounts due for review.
    ReviewLoaded(Vec<ReviewItem>),
    /// A review decision (pin, unpin) or the finish was written.
    ReviewWritten {
        what: String,
        update: Update,
    },
    MergePlanned(Box<MergePlan>),
    Merged {
        what: String,
        keep: AccountId,
        update: Update,
    },
}
