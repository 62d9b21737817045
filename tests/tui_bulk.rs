//! Bulk changes in the TUI, driven by key events: space marks rows, `*`
//! marks every account the filter matches, `x` unmarks; marks show in the
//! list and the status line; `b` opens the bulk form, the confirmation names
//! how many accounts change, and the change is one write undone as one.
//! On a real store, and through a real team server.

mod server_common;
mod tui_common;

use kam::tui::App;
use kam::tui::app::Overlay;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn message(app: &App) -> String {
    app.state()
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

fn filter(app: &mut App, expr: &str) {
    key(app, KeyCode::Char('f'));
    typ(app, expr);
    key(app, KeyCode::Enter);
}

/// Opens the bulk form, fills the field at `index` (tab order) and applies.
fn bulk_set(app: &mut App, index: usize, value: &str) {
    key(app, KeyCode::Char('b'));
    assert!(
        matches!(app.state().overlay, Some(Overlay::Bulk(_))),
        "{}",
        message(app)
    );
    for _ in 0..index {
        key(app, KeyCode::Tab);
    }
    typ(app, value);
    ctrl(app, 's');
}

#[test]
fn marked_rows_show_in_the_list_and_the_status_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    let plain = screen(&mut app, 80, 24);
    assert!(!plain.contains("marked"), "{plain}");
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    let s = screen(&mut app, 80, 24);
    insta::assert_snapshot!("bulk_marked_80x24", s);
    let s = screen(&mut app, 200, 50);
    insta::assert_snapshot!("bulk_marked_200x50", s);
    assert!(s.lines().next().unwrap_or("").contains("2 marked") || s.contains("· 2 marked"));
    let rows = app.state().list.rows.clone();
    let marked: Vec<&str> = rows
        .iter()
        .filter(|r| app.state().list.marks.is_marked(r))
        .map(|r| &*r.text.key)
        .collect();
    assert_eq!(marked.len(), 2);
    for k in &marked {
        assert!(line_with(&s, k).contains('✓'), "{s}");
    }
    key(&mut app, KeyCode::Char('x'));
    assert!(app.state().list.marks.is_empty());
    assert!(!screen(&mut app, 80, 24).contains('✓'));
}

#[test]
fn mark_all_matching_then_reassign_the_owner_as_one_change_and_undo_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let seq0 = book.last_seq().unwrap();
    {
        let mut app = App::new(&mut book, &opts());
        filter(&mut app, "region:east");
        key(&mut app, KeyCode::Char('*'));
        assert_eq!(app.state().list.marks.count(), 2, "{}", message(&app));
        // Nothing typed: the form says so and stays.
        key(&mut app, KeyCode::Char('b'));
        ctrl(&mut app, 's');
        assert!(message(&app).contains("Fill at least one field"));
        key(&mut app, KeyCode::Esc);
        assert!(app.state().overlay.is_none());

        bulk_set(&mut app, 0, "ana");
        let s = screen(&mut app, 80, 24);
        assert!(s.contains("Change 2 accounts?"), "{s}");
        key(&mut app, KeyCode::Char('y'));
        assert!(app.state().overlay.is_none(), "{}", message(&app));
        assert!(
            message(&app).contains("2 accounts changed"),
            "{}",
            message(&app)
        );
        assert!(app.state().list.marks.is_empty());
        // The rows on screen follow the write, without a reload.
        assert_eq!(&*row_shown(&app, "ACME").unwrap().text.owner, "ana");
    }
    assert_eq!(book.account_by_key("ACME").unwrap().owner, "ana");
    assert_eq!(book.account_by_key("UMBRELLA").unwrap().owner, "ana");
    assert_eq!(book.account_by_key("GLOBEX").unwrap().owner, "zhang");
    let logged: Vec<_> = book
        .changes_since(seq0)
        .unwrap()
        .into_iter()
        .filter(|e| e.action != "tier_change")
        .collect();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].action, "bulk: owner=ana on 2 accounts");
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('U')); // undo
    assert!(message(&app).contains("Undone"), "{}", message(&app));
    drop(app);
    assert_eq!(book.account_by_key("ACME").unwrap().owner, USER);
    assert_eq!(book.account_by_key("UMBRELLA").unwrap().owner, "wang");
}

#[test]
fn a_refused_bulk_change_keeps_the_form_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char(' '));
    // Follow-up due (tab 5) in the past: refused for the marked account.
    bulk_set(&mut app, 5, "2025-01-01");
    key(&mut app, KeyCode::Char('y'));
    match &app.state().overlay {
        Some(Overlay::Bulk(b)) => {
            let e = b.error.clone().unwrap_or_default();
            assert!(
                e.contains("in the past") && e.contains("nothing was changed"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A bad status is caught before asking.
    key(&mut app, KeyCode::Esc);
    bulk_set(&mut app, 4, "gone");
    assert!(
        message(&app).contains("unknown status"),
        "{}",
        message(&app)
    );
}

#[test]
fn a_bulk_change_through_a_real_server() {
    let t = server_common::TestDb::with_accounts();
    let mut remote = server_common::connect(&t.db);
    let mut app = App::new(&mut remote, &opts());
    filter(&mut app, "owner:ann");
    key(&mut app, KeyCode::Char('*'));
    assert_eq!(app.state().list.marks.count(), 2);
    bulk_set(&mut app, 2, "priority");
    key(&mut app, KeyCode::Char('y'));
    assert!(
        message(&app).contains("2 accounts changed"),
        "{}",
        message(&app)
    );
    drop(app);
    drop(remote);
    let out = server_common::ok(&t.db, &["export", "accounts", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for a in v.as_array().unwrap() {
        let tagged = a["tags"].to_string().contains("priority");
        assert_eq!(tagged, a["owner"] == "ann", "{a}");
    }
}

#[test]
fn the_bulk_form_and_its_confirmation_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('*'));
    key(&mut app, KeyCode::Char('b'));
    typ(&mut app, "ana");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "vip");
    insta::assert_snapshot!("bulk_form_80x24", screen(&mut app, 80, 24));
    ctrl(&mut app, 's');
    insta::assert_snapshot!("bulk_confirm_80x24", screen(&mut app, 80, 24));
    // No: back to the form, nothing written.
    key(&mut app, KeyCode::Char('n'));
    assert!(matches!(
        &app.state().overlay,
        Some(Overlay::Bulk(b)) if b.confirm.is_none()
    ));
}
