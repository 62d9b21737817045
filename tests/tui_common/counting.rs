//! A backend wrapper for the TUI tests that counts list pages.
#![allow(dead_code)]

use kam::audit::AuditEntry;
use kam::backend::{Backend, BackendResult, Notice, Peer, Written};
use kam::book::WriteOp;
use kam::book::query::AgendaUpdate;
use kam::book::query::{
    AccountDetail, AccountRow, AgendaRow, Delta, ListPage, ListQuery, MatrixSummary, Page, Touched,
};
use kam::domain::{Account, AccountId, Contact, FollowUp, Interaction};
use kam::segment::{AccountScore, Model};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A backend that counts the list pages asked for (a write or a change
/// notice must not cost one) and the whole agendas its deltas sent. Notices
/// put in `notices` are reported as another user's changes would be.
pub struct Counting<B> {
    pub book: B,
    pub lists: Cell<usize>,
    pub full_agendas: Cell<usize>,
    pub notices: Rc<RefCell<Vec<Notice>>>,
}

impl<B: Backend> Counting<B> {
    pub fn new(book: B) -> Self {
        Counting {
            book,
            lists: Cell::new(0),
            full_agendas: Cell::new(0),
            notices: Rc::default(),
        }
    }
}

impl<B: Backend> Backend for Counting<B> {
    fn views(&self) -> BackendResult<kam::book::views::ViewSet> {
        self.book.views()
    }
    fn user(&self) -> &str {
        Backend::user(&self.book)
    }
    fn today(&self) -> chrono::NaiveDate {
        Backend::today(&self.book)
    }
    fn model(&self) -> &Model {
        Backend::model(&self.book)
    }
    fn list(&self, q: &ListQuery) -> BackendResult<ListPage> {
        self.lists.set(self.lists.get() + 1);
        self.book.list(q)
    }
    fn rows(&self, ids: &[AccountId]) -> BackendResult<Vec<AccountRow>> {
        self.book.rows(ids)
    }
    fn search(&self, text: &str, limit: usize) -> BackendResult<Vec<AccountRow>> {
        self.book.search(text, limit)
    }
    fn detail(&self, id: AccountId) -> BackendResult<Option<AccountDetail>> {
        self.book.detail(id)
    }
    fn timeline(&self, id: AccountId, o: usize, l: usize) -> BackendResult<Page<Interaction>> {
        self.book.timeline(id, o, l)
    }
    fn matrix(&self) -> BackendResult<MatrixSummary> {
        Backend::matrix(&self.book)
    }
    fn agenda(&self, owner: Option<&str>) -> BackendResult<Vec<AgendaRow>> {
        Backend::agenda(&self.book, owner)
    }
    fn delta(&self, touched: Touched, have: Option<u64>) -> BackendResult<Delta> {
        let d = self.book.delta(touched, have)?;
        if matches!(d.agenda, AgendaUpdate::Full(_)) {
            self.full_agendas.set(self.full_agendas.get() + 1);
        }
        Ok(d)
    }
    fn report(
        &self,
        period: kam::segment::kpi::Period,
        owner: Option<&str>,
    ) -> BackendResult<kam::segment::kpi::KpiReport> {
        Backend::report(&self.book, period, owner)
    }
    fn account(&self, id: AccountId) -> BackendResult<Option<Account>> {
        Backend::account(&self.book, id)
    }
    fn score(&self, id: AccountId) -> BackendResult<Option<AccountScore>> {
        self.book.score(id)
    }
    fn contacts_of(&self, id: AccountId) -> BackendResult<Vec<Contact>> {
        Backend::contacts_of(&self.book, id)
    }
    fn interactions_of(&self, id: AccountId) -> BackendResult<Vec<Interaction>> {
        Backend::interactions_of(&self.book, id)
    }
    fn followups_of(&self, id: AccountId) -> BackendResult<Vec<FollowUp>> {
        Backend::followups_of(&self.book, id)
    }
    fn history(&self, id: AccountId) -> BackendResult<Vec<AuditEntry>> {
        Backend::history(&self.book, id)
    }
    fn review_due(&self) -> BackendResult<Vec<kam::book::review::ReviewItem>> {
        Backend::review_due(&self.book)
    }
    fn plan_merge(
        &self,
        keep: &str,
        drop: &str,
        take: &[String],
    ) -> BackendResult<kam::book::merge_accounts::MergePlan> {
        Backend::plan_merge(&self.book, keep, drop, take)
    }
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>> {
        Backend::changes_since(&self.book, seq)
    }
    fn last_seq(&self) -> BackendResult<u64> {
        Backend::last_seq(&self.book)
    }
    fn execute(&mut self, op: WriteOp) -> BackendResult<Written> {
        Backend::execute(&mut self.book, op)
    }
    fn is_live(&self) -> bool {
        self.book.is_live() || !self.notices.borrow().is_empty()
    }
    fn poll_changes(&mut self) -> Vec<Notice> {
        let mut n = self.book.poll_changes();
        n.append(&mut self.notices.borrow_mut());
        n
    }
    fn set_editing(&mut self, account: Option<AccountId>) {
        self.book.set_editing(account)
    }
    fn peers(&self) -> Vec<Peer> {
        self.book.peers()
    }
}
