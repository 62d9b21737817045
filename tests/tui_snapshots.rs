//! Text snapshots (no colour) of every pane and overlay at 80×24 and 200×50,
//! on a real sled store with a fixed date and user.

mod tui_common;

use kam::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Opens the dataset, applies `keys`, snapshots both sizes.
fn snap(name: &str, prepare: impl Fn(&mut App)) {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    prepare(&mut app);
    for (w, h) in SIZES {
        let text = screen(&mut app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn accounts_pane() {
    snap("accounts", |_| {});
}

#[test]
fn profile_pane() {
    snap("profile", |app| key(app, KeyCode::Char('2')));
}

#[test]
fn timeline_pane() {
    snap("timeline", |app| key(app, KeyCode::Char('3')));
}

#[test]
fn matrix_pane() {
    snap("matrix", |app| key(app, KeyCode::Char('4')));
}

#[test]
fn agenda_pane() {
    snap("agenda", |app| key(app, KeyCode::Char('5')));
}

#[test]
fn help_overlay() {
    snap("help", |app| key(app, KeyCode::Char('?')));
}

#[test]
fn search_overlay() {
    snap("search", |app| {
        key(app, KeyCode::Char('/'));
        typ(app, "hua");
    });
}

#[test]
fn filter_overlay_with_error() {
    snap("filter", |app| {
        key(app, KeyCode::Char('f'));
        typ(app, "colour:red");
        key(app, KeyCode::Enter);
    });
}

#[test]
fn filtered_list() {
    snap("filtered", |app| {
        key(app, KeyCode::Char('f'));
        typ(app, "owner:li region:east");
        key(app, KeyCode::Enter);
    });
}

#[test]
fn account_form_with_inline_errors() {
    snap("form", |app| {
        key(app, KeyCode::Char('n'));
        typ(app, "BAD KEY");
        ctrl(app, 's');
    });
}

#[test]
fn confirm_overlay() {
    snap("confirm", |app| {
        key(app, KeyCode::Char('c'));
        typ(app, "Someone");
        key(app, KeyCode::Esc);
    });
}

#[test]
fn terminal_too_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    insta::assert_snapshot!("too_small_40x10", screen(&mut app, 40, 10));
}
