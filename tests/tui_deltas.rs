//! A write's answer carries what it changed, and the TUI applies it: after
//! a save that moves two accounts' tiers, the list shows both moves with no
//! second list page fetched (the book is never reloaded for a write).

mod tui_common;

use kam::audit::AuditEntry;
use kam::backend::{Backend, BackendResult, Written};
use kam::book::query::{
    AccountDetail, AccountRow, AgendaRow, Delta, ListPage, ListQuery, MatrixSummary, Page, Touched,
};
use kam::book::{Book, WriteOp};
use kam::domain::{Account, AccountId, Contact, FollowUp, Interaction};
use kam::segment::{AccountScore, Model};
use kam::tui::App;
use ratatui::crossterm::event::KeyCode;
use std::cell::Cell;
use tui_common::*;

/// The embedded book, counting the list pages asked for.
struct Counting {
    book: Book,
    lists: Cell<usize>,
}

impl Backend for Counting {
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
    fn delta(&self, touched: Touched) -> BackendResult<Delta> {
        self.book.delta(touched)
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
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>> {
        Backend::changes_since(&self.book, seq)
    }
    fn last_seq(&self) -> BackendResult<u64> {
        Backend::last_seq(&self.book)
    }
    fn execute(&mut self, op: WriteOp) -> BackendResult<Written> {
        Backend::execute(&mut self.book, op)
    }
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or("")
}

#[test]
fn a_save_that_moves_tiers_is_applied_from_its_answer_without_a_new_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Counting {
        book: book(dir.path()),
        lists: Cell::new(0),
    };
    let mut app = App::new(&mut b, &opts());
    let before = screen(&mut app, 120, 40);
    assert!(
        line_with(&before, "Globex Corp").contains("DEV"),
        "{before}"
    );
    assert!(line_with(&before, "Acme Industrial").contains("KEY"));
    let lists = app.backend().list(&ListQuery::default()).unwrap().total;
    assert_eq!(lists, 5);

    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "globex");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('i'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "9000000");
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "3000000");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "form closed after save");

    let after = screen(&mut app, 120, 40);
    // Globex rose to Key; the cap pushed Acme (not edited) down: both rows
    // came with the write's answer.
    assert!(line_with(&after, "Globex Corp").contains("KEY"), "{after}");
    assert!(
        line_with(&after, "Acme Industrial").contains("DEV"),
        "{after}"
    );
    assert!(after.contains("GLOBEX: Development → Key"), "{after}");
    // One page at start and the one this test asked for: none for the write.
    drop(app);
    assert_eq!(b.lists.get(), 2);
}

#[test]
fn search_finds_accounts_outside_the_filtered_page_and_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Counting {
        book: book(dir.path()),
        lists: Cell::new(0),
    };
    let mut app = App::new(&mut b, &opts());
    key(&mut app, KeyCode::Char('f'));
    typ(&mut app, "owner:zhang");
    key(&mut app, KeyCode::Enter);
    // The page the backend answered holds Globex only.
    assert_eq!(app.state().list.rows.len(), 1);
    assert_eq!(app.state().list.rows[0].key, "GLOBEX");

    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "umbrella");
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("Search · 1 matches"), "{shown}");
    assert!(shown.contains("Umbrella Trading"), "{shown}");
    key(&mut app, KeyCode::Enter);
    // Showing it beats keeping the filter: a new page, Umbrella selected.
    assert_eq!(app.state().selected_row().unwrap().key, "UMBRELLA");
    assert!(app.state().list.filter.is_empty());
    assert_eq!(app.state().list.visible.len(), 5);
    drop(app);
    assert_eq!(b.lists.get(), 3, "start, filter, then the unfiltered page");
}
