//! A write's answer carries what it changed, and the TUI applies it: after
//! a save that moves two accounts' tiers, the list shows both moves with no
//! second list page fetched (the book is never reloaded for a write).

mod tui_common;

use kam::backend::{Backend, Notice};
use kam::book::query::{ListQuery, Touched};
use kam::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::counting::Counting;
use tui_common::*;

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or("")
}

#[test]
fn a_save_that_moves_tiers_is_applied_from_its_answer_without_a_new_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Counting::new(book(dir.path()));
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

/// A screen's first agenda comes with its version: the first change after
/// the start sends what moved, not the whole agenda again.
#[test]
fn the_first_change_after_a_start_does_not_resend_the_agenda() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Counting::new(book(dir.path()));
    let notices = b.notices.clone();
    let mut app = App::new(&mut b, &opts());
    let version = app.state().agenda.version;
    assert!(version.is_some(), "the start holds a versioned agenda");
    let rows = app.state().agenda.rows.clone();
    assert!(!rows.is_empty());
    let acme = row_shown(&app, "ACME").unwrap().id;
    // Someone else's change to an account whose agenda did not move.
    notices.borrow_mut().push(Notice::Changed {
        seq: 99,
        user: "bob".into(),
        summary: "logged note on ACME".into(),
        touched: Touched::Accounts(vec![acme]),
    });
    assert!(app.poll_team());
    assert_eq!(app.state().agenda.version, version);
    assert_eq!(app.state().agenda.rows, rows);
    drop(app);
    // The one whole agenda is the start's.
    assert_eq!(b.full_agendas.get(), 1);
}

#[test]
fn search_finds_accounts_outside_the_filtered_page_and_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Counting::new(book(dir.path()));
    let mut app = App::new(&mut b, &opts());
    key(&mut app, KeyCode::Char('f'));
    typ(&mut app, "owner:zhang");
    key(&mut app, KeyCode::Enter);
    // The page the backend answered holds Globex only.
    assert_eq!(app.state().list.rows.len(), 1);
    assert_eq!(&*app.state().list.rows[0].text.key, "GLOBEX");

    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "umbrella");
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("Search · 1 matches"), "{shown}");
    assert!(shown.contains("Umbrella Trading"), "{shown}");
    key(&mut app, KeyCode::Enter);
    // Showing it beats keeping the filter: a new page, Umbrella selected.
    assert_eq!(&*app.state().selected_row().unwrap().text.key, "UMBRELLA");
    assert!(app.state().list.filter.is_empty());
    assert_eq!(app.state().list.visible.len(), 5);
    drop(app);
    assert_eq!(b.lists.get(), 3, "start, filter, then the unfiltered page");
}

#[test]
fn the_list_is_fetched_a_window_at_a_time_and_moves_cross_windows() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Counting::new(book(dir.path()));
    let order: Vec<String> = b
        .book
        .list(&ListQuery::default())
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.text.key.to_string())
        .collect();
    assert_eq!(order.len(), 5);
    let mut app = App::new(&mut b, &opts());
    app.state_mut().list.window = 2;
    app.refresh();
    assert_eq!(app.state().list.rows.len(), 2, "one window, not the book");
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("Accounts 5/5"), "{shown}");
    let selected = |app: &App| app.state().selected_row().unwrap().text.key.to_string();
    assert_eq!(selected(&app), order[0]);
    for want in &order[1..] {
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(&selected(&app), want);
        assert!(app.state().list.rows.len() <= 2);
    }
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(selected(&app), order[4], "the last row stays selected");
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(selected(&app), order[0]);
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(selected(&app), order[4]);
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("Accounts 5/5"), "{shown}");
    // An account in another window is shown by search: its window comes.
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, &order[0].to_lowercase());
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected(&app), order[0]);
    assert!(app.state().list.rows.len() <= 2);
}
