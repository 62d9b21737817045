//! The interface the TUI talks to. The embedded `Book` implements it now; the
//! team server's client will implement it too, so the UI never knows whether
//! sled is in this process or behind a socket.

use crate::audit::AuditEntry;
use crate::book::{Book, BookError, WriteOp, WriteOutcome, snooze_key};
use crate::domain::{Account, AccountId, Contact, FollowUp, FollowUpId, Interaction};
use crate::segment::{AccountScore, AgendaItem, Explanation, Matrix, Model, TierChange};
use chrono::NaiveDate;
use std::collections::HashMap;

pub type BackendResult<T> = Result<T, BookError>;

/// The tiers remembered at the last review: its date and each account's tier.
pub type Review = (String, HashMap<AccountId, String>);

pub trait Backend {
    /// The OS user running this session.
    fn user(&self) -> &str;
    /// "Today" for every date-dependent view (the one clock).
    fn today(&self) -> NaiveDate;
    fn model(&self) -> &Model;

    /// All accounts, in key order.
    fn accounts(&self) -> Vec<Account>;
    fn account(&self, id: AccountId) -> Option<Account>;
    fn scores(&self) -> Vec<AccountScore>;
    fn score(&self, id: AccountId) -> Option<AccountScore>;
    fn explain(&self, id: AccountId) -> Option<Explanation>;
    fn matrix(&self) -> Matrix;
    /// Due and overdue items; `owner` None = everyone's.
    fn agenda(&self, owner: Option<&str>) -> BackendResult<Vec<AgendaItem>>;
    fn contacts_of(&self, id: AccountId) -> BackendResult<Vec<Contact>>;
    /// Oldest first.
    fn interactions_of(&self, id: AccountId) -> BackendResult<Vec<Interaction>>;
    fn followups_of(&self, id: AccountId) -> BackendResult<Vec<FollowUp>>;
    fn last_review(&self) -> BackendResult<Option<Review>>;

    /// One account's change history, oldest first.
    fn history(&self, id: AccountId) -> BackendResult<Vec<AuditEntry>>;
    /// Every change after `seq`, oldest first (catching up after a reconnect).
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>>;
    /// The seq of the last committed change.
    fn last_seq(&self) -> BackendResult<u64>;

    /// Every write goes through here (the team client sends it to the
    /// server, with a request id so that a retry is applied once).
    fn execute(&mut self, op: WriteOp) -> BackendResult<WriteOutcome>;

    /// New (id 0) or edited account without a base: a stale version is
    /// reported as a conflict, never overwritten. Returns the tier changes.
    fn save_account(&mut self, a: Account) -> BackendResult<Vec<TierChange>> {
        let op = WriteOp::SaveAccount {
            base: None,
            account: a,
        };
        Ok(self.execute(op)?.tier_changes)
    }
    fn add_interaction(&mut self, i: Interaction) -> BackendResult<Vec<TierChange>> {
        Ok(self
            .execute(WriteOp::AddInteraction { interaction: i })?
            .tier_changes)
    }
    fn save_contact(&mut self, c: Contact) -> BackendResult<Vec<TierChange>> {
        let op = WriteOp::SaveContact {
            base: None,
            contact: c,
        };
        Ok(self.execute(op)?.tier_changes)
    }
    fn save_followup(&mut self, f: FollowUp) -> BackendResult<()> {
        let op = WriteOp::SaveFollowUp {
            base: None,
            followup: f,
        };
        self.execute(op).map(|_| ())
    }
    fn complete_followup(&mut self, id: FollowUpId) -> BackendResult<()> {
        self.execute(WriteOp::CompleteFollowUp { id }).map(|_| ())
    }
    /// Hides an agenda item until `until` (a day, a week…).
    fn snooze(&mut self, item: &AgendaItem, until: NaiveDate) -> BackendResult<()> {
        let op = WriteOp::Snooze {
            key: snooze_key(item),
            until,
        };
        self.execute(op).map(|_| ())
    }
    /// Remembers every tier now; returns how many accounts.
    fn mark_review(&mut self) -> BackendResult<usize> {
        Ok(self.execute(WriteOp::MarkReview)?.count)
    }
    /// Undoes this user's own last change.
    fn undo(&mut self) -> BackendResult<WriteOutcome> {
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
    /// Tells the others which account this session has open in a form.
    fn set_editing(&mut self, _account: Option<AccountId>) {}
    /// Everyone connected to the shared book, this session included.
    fn peers(&self) -> Vec<Peer> {
        Vec::new()
    }
}

/// Something that happened to a shared book (team mode).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Someone else committed a change.
    Changed {
        seq: u64,
        user: String,
        summary: String,
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
    fn accounts(&self) -> Vec<Account> {
        Book::accounts(self).into_iter().cloned().collect()
    }
    fn account(&self, id: AccountId) -> Option<Account> {
        Book::account(self, id).cloned()
    }
    fn scores(&self) -> Vec<AccountScore> {
        self.engine().scores()
    }
    fn score(&self, id: AccountId) -> Option<AccountScore> {
        self.engine().score(id)
    }
    fn explain(&self, id: AccountId) -> Option<Explanation> {
        self.engine().explain(id)
    }
    fn matrix(&self) -> Matrix {
        self.engine().matrix()
    }
    fn agenda(&self, owner: Option<&str>) -> BackendResult<Vec<AgendaItem>> {
        Book::agenda(self, owner)
    }
    fn contacts_of(&self, id: AccountId) -> BackendResult<Vec<Contact>> {
        Book::contacts_of(self, id)
    }
    fn interactions_of(&self, id: AccountId) -> BackendResult<Vec<Interaction>> {
        Book::interactions_of(self, id)
    }
    fn followups_of(&self, id: AccountId) -> BackendResult<Vec<FollowUp>> {
        Ok(self.store().followups_of(id)?)
    }
    fn last_review(&self) -> BackendResult<Option<Review>> {
        Book::last_review(self)
    }
    fn history(&self, id: AccountId) -> BackendResult<Vec<AuditEntry>> {
        Book::history(self, id)
    }
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>> {
        Book::changes_since(self, seq)
    }
    fn last_seq(&self) -> BackendResult<u64> {
        Book::last_seq(self)
    }
    fn execute(&mut self, op: WriteOp) -> BackendResult<WriteOutcome> {
        Book::execute(self, op, None)
    }
}
