//! The interface the front ends talk to: the embedded `Book` implements it,
//! and so does the team server's client (`server::remote::RemoteBackend`), so
//! the UI never knows whether sled is in this process or behind a socket.
//!
//! Every method can fail: a server may be gone, and the caller must be able
//! to tell that (`BackendError::Lost`: keep what is on screen, say
//! "reconnecting…") from a refusal by the book (a conflict keeps both sides
//! for the form). Reads are the questions the screens ask — a page of list
//! rows, one account, a page of its timeline, the matrix, an agenda, search
//! hits — so a big book is never shipped whole. A write answers with what it
//! changed (`Delta`), which the caller applies instead of reloading.

use crate::audit::AuditEntry;
use crate::book::merge_accounts::MergePlan;
use crate::book::query::{
    self, AccountDetail, AccountRow, AgendaRow, Delta, ListPage, ListQuery, MatrixSummary, Page,
    Touched,
};
use crate::book::review::ReviewItem;
use crate::book::{Book, BookError, WriteOp, WriteOutcome, snooze_key};
use crate::domain::{Account, AccountId, Contact, FollowUp, FollowUpId, Interaction};
use crate::segment::kpi::{KpiReport, Period};
use crate::segment::{AccountScore, AgendaItem, Model, TierChange};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why a backend call did not answer.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The server cannot be reached now (it is being restarted, or cannot
    /// be). Nothing was written; what the caller shows is still the last
    /// known state.
    #[error("the kam server is not reachable ({why})")]
    Lost { why: String },
    /// The book refused or failed; kinds a front end acts on keep their data
    /// (`BookError::Conflict` carries both sides).
    #[error(transparent)]
    Book(#[from] BookError),
    /// The question cannot be answered as asked (a filter naming a tier the
    /// model does not have), with the reason to show.
    #[error("{0}")]
    Refused(String),
}

impl BackendError {
    pub fn is_lost(&self) -> bool {
        matches!(self, BackendError::Lost { .. })
    }
}

impl From<crate::store::StoreError> for BackendError {
    fn from(e: crate::store::StoreError) -> Self {
        BackendError::Book(e.into())
    }
}

impl From<query::ListError> for BackendError {
    fn from(e: query::ListError) -> Self {
        match e {
            query::ListError::Filter(m) => BackendError::Refused(m),
            query::ListError::Book(b) => BackendError::Book(b),
        }
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

pub use crate::book::query::Review;

/// A write's outcome (exactly once, as the book recorded it) and what it
/// changed, for the writer's own screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Written {
    pub outcome: WriteOutcome,
    pub delta: Delta,
}

pub trait Backend {
    /// The OS user running this session.
    fn user(&self) -> &str;
    /// "Today" for every date-dependent view (the one clock).
    fn today(&self) -> NaiveDate;
    /// The scoring model (kept by the backend, refreshed after changes).
    fn model(&self) -> &Model;

    // ---- the questions the screens ask

    /// One window of the account list for (filter, sort, offset, limit),
    /// with the total; a filter the model does not know is `Refused`.
    fn list(&self, q: &ListQuery) -> BackendResult<ListPage>;
    /// The current rows of these accounts (a change's rows).
    fn rows(&self, ids: &[AccountId]) -> BackendResult<Vec<AccountRow>>;
    /// Fuzzy hits over key, name, owner and tags, best first.
    fn search(&self, text: &str, limit: usize) -> BackendResult<Vec<AccountRow>>;
    /// One account as the profile shows it; `None` if there is none.
    fn detail(&self, id: AccountId) -> BackendResult<Option<AccountDetail>>;
    /// A page of an account's interactions, newest first.
    fn timeline(
        &self,
        id: AccountId,
        offset: usize,
        limit: usize,
    ) -> BackendResult<Page<Interaction>>;
    /// The tier matrix with the moves since the last review.
    fn matrix(&self) -> BackendResult<MatrixSummary>;
    /// Due and overdue items with their account's names, most important
    /// first; `owner` None = everyone's.
    fn agenda(&self, owner: Option<&str>) -> BackendResult<Vec<AgendaRow>>;
    /// What a change touched, as this session shows it: the rows, the
    /// matrix, this user's agenda (after someone else's change).
    /// `have`: the version of the user's agenda the caller holds (from an
    /// earlier delta); the delta then carries the agenda only if it moved.
    fn delta(&self, touched: Touched, have: Option<u64>) -> BackendResult<Delta>;
    /// The key-account KPIs of a period (the Report pane, `kam report`),
    /// for everyone or for `owner`'s accounts.
    fn report(&self, period: Period, owner: Option<&str>) -> BackendResult<KpiReport>;

    // ---- single records (forms, checks)

    fn account(&self, id: AccountId) -> BackendResult<Option<Account>>;
    fn score(&self, id: AccountId) -> BackendResult<Option<AccountScore>>;
    fn contacts_of(&self, id: AccountId) -> BackendResult<Vec<Contact>>;
    /// Oldest first.
    fn interactions_of(&self, id: AccountId) -> BackendResult<Vec<Interaction>>;
    fn followups_of(&self, id: AccountId) -> BackendResult<Vec<FollowUp>>;

    /// One account's change history, oldest first.
    fn history(&self, id: AccountId) -> BackendResult<Vec<AuditEntry>>;
    /// Every change after `seq`, oldest first (catching up after a reconnect).
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>>;
    /// The seq of the last committed change.
    fn last_seq(&self) -> BackendResult<u64>;
    /// The team's saved views.
    fn views(&self) -> BackendResult<crate::book::views::ViewSet>;

    /// The accounts due for the periodic review (`book::review`).
    fn review_due(&self) -> BackendResult<Vec<ReviewItem>>;
    /// What merging `drop` into `keep` would do (nothing is written).
    fn plan_merge(&self, keep: &str, drop: &str, take: &[String]) -> BackendResult<MergePlan>;

    /// Every write goes through here (the team client sends it to the
    /// server, with a request id so that a retry is applied once).
    fn execute(&mut self, op: WriteOp) -> BackendResult<Written>;

    /// New (id 0) or edited account without a base: a stale version is
    /// reported as a conflict, never overwritten. Returns the tier changes.
    fn save_account(&mut self, a: Account) -> BackendResult<Vec<TierChange>> {
        let op = WriteOp::SaveAccount {
            base: None,
            account: a,
        };
        Ok(self.execute(op)?.outcome.tier_changes)
    }
    fn add_interaction(&mut self, i: Interaction) -> BackendResult<Vec<TierChange>> {
        Ok(self
            .execute(WriteOp::AddInteraction { interaction: i })?
            .outcome
            .tier_changes)
    }
    fn save_contact(&mut self, c: Contact) -> BackendResult<Vec<TierChange>> {
        let op = WriteOp::SaveContact {
            base: None,
            contact: c,
        };
        Ok(self.execute(op)?.outcome.tier_changes)
    }
    fn save_followup(&mut self, f: FollowUp) -> BackendResult<()> {
        let op = WriteOp::SaveFollowUp {
            base: None,
            followup: f,
        };
        self.execute(op).map(|_| ())
    }
    fn complete_followup(&mut self, id: FollowUpId) -> BackendResult<Written> {
        self.execute(WriteOp::CompleteFollowUp { id })
    }
    /// Hides an agenda item until `until` (a day, a week…).
    fn snooze(&mut self, item: &AgendaItem, until: NaiveDate) -> BackendResult<Written> {
        let op = WriteOp::Snooze {
            key: snooze_key(item),
            until,
        };
        self.execute(op)
    }
    /// Remembers every tier now.
    fn mark_review(&mut self) -> BackendResult<Written> {
        self.execute(WriteOp::MarkReview)
    }
    /// Undoes this user's own last change.
    fn undo(&mut self) -> BackendResult<Written> {
        self.execute(WriteOp::Undo)
    }

    // ---- team mode (a shared book behind the server); inert by default.

    /// True when other sessions may change the book: the TUI then watches
    /// `poll_changes` and shows `peers`.
    fn is_live(&self) -> bool {
        false
    }
    /// What happened since the last call, oldest first. Never blocks.
    fn poll_changes(&mut self) -> Vec<Notice> {
        Vec::new()
    }
    /// Called, from another thread, after something arrived that
    /// `poll_changes` will report: the event loop sleeps until then instead
    /// of looking on a timer.
    fn on_change(&mut self, _wake: Waker) {}
    /// Tells the others which account this session has open in a form.
    fn set_editing(&mut self, _account: Option<AccountId>) {}
    /// Everyone connected to the shared book, this session included.
    fn peers(&self) -> Vec<Peer> {
        Vec::new()
    }
}

/// Wakes whoever waits for `Backend::poll_changes` (see `on_change`).
pub type Waker = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Something that happened to a shared book (team mode).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Someone else committed a change.
    Changed {
        seq: u64,
        user: String,
        summary: String,
        /// The list rows it touched: refetch those (and the matrix and the
        /// agenda), not the book.
        touched: Touched,
    },
    /// Notices were lost (this session was slow): reload everything.
    Resync,
    /// Who is connected, or what they have open, changed.
    Presence,
    /// The connection was lost and made again (changes made meanwhile
    /// follow as `Changed`): reload everything.
    Reconnected,
    /// The server cannot be reached now.
    Lost(String),
}

/// A session connected to the shared book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub user: String,
    /// The account it has open in a form.
    pub editing: Option<AccountId>,
    /// This session.
    pub me: bool,
}

impl Backend for Book {
    fn user(&self) -> &str {
        Book::user(self)
    }
    fn today(&self) -> NaiveDate {
        Book::today(self)
    }
    fn model(&self) -> &Model {
        self.engine().model()
    }
    fn list(&self, q: &ListQuery) -> BackendResult<ListPage> {
        Ok(query::list(self, q)?)
    }
    fn rows(&self, ids: &[AccountId]) -> BackendResult<Vec<AccountRow>> {
        Ok(query::rows(self, ids)?)
    }
    fn search(&self, text: &str, limit: usize) -> BackendResult<Vec<AccountRow>> {
        Ok(query::search(self, text, limit)?)
    }
    fn detail(&self, id: AccountId) -> BackendResult<Option<AccountDetail>> {
        Ok(query::detail(self, id)?)
    }
    fn timeline(
        &self,
        id: AccountId,
        offset: usize,
        limit: usize,
    ) -> BackendResult<Page<Interaction>> {
        Ok(query::timeline(self, id, offset, limit)?)
    }
    fn matrix(&self) -> BackendResult<MatrixSummary> {
        Ok(query::matrix(self)?)
    }
    fn agenda(&self, owner: Option<&str>) -> BackendResult<Vec<AgendaRow>> {
        Ok(query::agenda(self, owner)?)
    }
    fn delta(&self, touched: Touched, have: Option<u64>) -> BackendResult<Delta> {
        Ok(query::delta(self, touched, Book::user(self), have)?)
    }
    fn report(&self, period: Period, owner: Option<&str>) -> BackendResult<KpiReport> {
        Ok(self.kpi_report(period, owner)?)
    }
    fn account(&self, id: AccountId) -> BackendResult<Option<Account>> {
        Ok(Book::account(self, id).map(std::borrow::Cow::into_owned))
    }
    fn score(&self, id: AccountId) -> BackendResult<Option<AccountScore>> {
        Ok(self.engine().score(id))
    }
    fn contacts_of(&self, id: AccountId) -> BackendResult<Vec<Contact>> {
        Ok(Book::contacts_of(self, id)?)
    }
    fn interactions_of(&self, id: AccountId) -> BackendResult<Vec<Interaction>> {
        Ok(Book::interactions_of(self, id)?)
    }
    fn followups_of(&self, id: AccountId) -> BackendResult<Vec<FollowUp>> {
        Ok(self.store().followups_of(id)?)
    }
    fn history(&self, id: AccountId) -> BackendResult<Vec<AuditEntry>> {
        Ok(Book::history(self, id)?)
    }
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>> {
        Ok(Book::changes_since(self, seq)?)
    }
    fn last_seq(&self) -> BackendResult<u64> {
        Ok(Book::last_seq(self)?)
    }
    fn review_due(&self) -> BackendResult<Vec<ReviewItem>> {
        Ok(Book::review_due(self)?)
    }
    fn plan_merge(&self, keep: &str, drop: &str, take: &[String]) -> BackendResult<MergePlan> {
        Ok(Book::plan_merge(self, keep, drop, take)?)
    }
    fn views(&self) -> BackendResult<crate::book::views::ViewSet> {
        Ok(Book::team_views(self)?)
    }
    fn execute(&mut self, op: WriteOp) -> BackendResult<Written> {
        Ok(written(self, op, None)?)
    }
}

/// Runs a write on the book and says what it changed (the server answers
/// `Call::Execute` with this too). A resent write (same request) is not
/// applied again; its delta is read from the book as it is now.
pub fn written(
    book: &mut Book,
    op: WriteOp,
    request: Option<crate::book::RequestId>,
) -> Result<Written, BookError> {
    let before = Book::last_seq(book)?;
    let outcome = Book::execute(book, op, request)?;
    // A write applied earlier (a resend) changed nothing now: its own
    // records and tier moves are what it touched.
    let touched = match outcome.seq {
        Some(seq) if seq > before => query::touched_since(book, before)?,
        _ => Touched::Accounts(outcome_accounts(&outcome)),
    };
    let delta = query::delta(book, touched, Book::user(book), None)?;
    Ok(Written { outcome, delta })
}

fn outcome_accounts(o: &WriteOutcome) -> Vec<AccountId> {
    use crate::audit::RecordImage;
    let mut ids: Vec<AccountId> = o
        .records
        .iter()
        .filter_map(|r| match r {
            RecordImage::Account(a) => Some(a.id),
            RecordImage::Contact(c) => Some(c.account),
            RecordImage::Interaction(i) => Some(i.account),
            RecordImage::FollowUp(f) => Some(f.account),
            RecordImage::Meta(_) => None,
        })
        .chain(o.tier_changes.iter().map(|t| t.account))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
