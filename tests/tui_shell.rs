//! Terminal manners through the real app on a real store: Ctrl-Z asks to
//! suspend (the tmux test in e2e_shell.rs does the rest), `U` undoes, a
//! keymap may give Ctrl-Z back to undo, `y` copies with OSC 52, the mouse
//! selects and scrolls, and Ctrl-E hands a multi-line field to an editor.

mod tui_common;

use kam::domain::Contact;
use kam::tui::App;
use kam::tui::app::{Overlay, Pane};
use kam::tui::shell::{TermRequest, write_osc52};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use tui_common::*;

fn message(app: &App) -> String {
    app.state()
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn ctrl_z_asks_to_suspend_anywhere_and_u_undoes() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    ctrl(&mut app, 'z');
    assert_eq!(app.take_request(), Some(TermRequest::Suspend));
    assert_eq!(app.take_request(), None, "asked once");
    // In a half-filled form: suspended with the text kept.
    key(&mut app, KeyCode::Char('n'));
    typ(&mut app, "NEW-9");
    ctrl(&mut app, 'z');
    assert_eq!(app.take_request(), Some(TermRequest::Suspend));
    match &app.state().overlay {
        Some(Overlay::Form { form, .. }) => assert_eq!(form.fields[0].value(), "NEW-9"),
        other => panic!("{other:?}"),
    }
    // Saved, then undone with U.
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "New Co");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "{}", message(&app));
    key(&mut app, KeyCode::Char('U'));
    let m = message(&app);
    assert!(m.starts_with("Undone #"), "{m}");
    drop(app);
    assert!(book.account_by_key("NEW-9").is_none());
}

#[test]
fn a_keymap_that_binds_undo_to_ctrl_z_keeps_it_undo() {
    let dir = tempfile::tempdir().unwrap();
    let km = dir.path().join("keymap.toml");
    std::fs::write(&km, "[global]\nundo = \"ctrl-z\"\n").unwrap();
    let mut o = opts();
    o.keymap_path = Some(km);
    let mut book = book(&dir.path().join("db"));
    let mut app = App::new(&mut book, &o);
    assert!(app.keymap_errors.is_empty(), "{:?}", app.keymap_errors);
    key(&mut app, KeyCode::Char('n'));
    typ(&mut app, "NEW-9");
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "New Co");
    ctrl(&mut app, 's');
    ctrl(&mut app, 'z');
    assert_eq!(app.take_request(), None, "ctrl-z is undo here");
    assert!(message(&app).starts_with("Undone #"), "{}", message(&app));
    // In a form Ctrl-Z still suspends (undo does nothing there).
    key(&mut app, KeyCode::Char('n'));
    ctrl(&mut app, 'z');
    assert_eq!(app.take_request(), Some(TermRequest::Suspend));
}

#[test]
fn y_copies_the_key_and_in_the_profile_the_contacts_e_mail_with_osc_52() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let acme = book.account_by_key("ACME").unwrap().id;
    for (name, email, primary) in [
        ("Li Na", "li.na@acme.cn", false),
        ("Ann Lee", "ann@acme.cn", true),
    ] {
        book.save_contact(Contact {
            account: acme,
            name: name.into(),
            email: email.into(),
            phone: "+86 21 5555 0101".into(),
            primary,
            ..Default::default()
        })
        .unwrap();
    }
    let mut app = App::new(&mut book, &opts());
    // The list: the selected account's key.
    let selected = app.state().selected_row().unwrap().text.key.to_string();
    key(&mut app, KeyCode::Char('y'));
    let Some(TermRequest::Copy(text)) = app.take_request() else {
        panic!("no copy: {}", message(&app))
    };
    assert_eq!(text, selected);
    assert_eq!(message(&app), format!("Copied the key {selected}"));
    // What the runner writes to the terminal.
    let mut out = Vec::new();
    write_osc52(&mut out, &text, false).unwrap();
    let b64 = kam::tui::shell::base64(selected.as_bytes());
    assert_eq!(out, format!("\x1b]52;c;{b64}\x07").into_bytes());

    // The profile of ACME: `y e` the primary contact's e-mail, then the next.
    while &*app.state().selected_row().unwrap().text.key != "ACME" {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('2'));
    typ(&mut app, "ye");
    assert_eq!(
        app.take_request(),
        Some(TermRequest::Copy("ann@acme.cn".into()))
    );
    assert!(
        message(&app).starts_with("Copied Ann Lee's e-mail ann@acme.cn (1 of 2"),
        "{}",
        message(&app)
    );
    typ(&mut app, "ye");
    assert_eq!(
        app.take_request(),
        Some(TermRequest::Copy("li.na@acme.cn".into()))
    );
    typ(&mut app, "yp");
    assert_eq!(
        app.take_request(),
        Some(TermRequest::Copy("+86 21 5555 0101".into()))
    );
    typ(&mut app, "yk");
    assert_eq!(app.take_request(), Some(TermRequest::Copy("ACME".into())));
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    let ev = MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.mouse(ev, Rect::new(0, 0, 120, 40));
}

#[test]
fn a_click_selects_a_row_and_the_wheel_scrolls() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    app.resize(120, 40);
    let s = screen(&mut app, 120, 40);
    // The fourth row of the list: border, header, then rows from line 2.
    let row_line = s.lines().nth(5).unwrap().to_string();
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 10, 5);
    let picked = app.state().selected_row().unwrap();
    assert_eq!(app.state().list.selected, 3);
    assert!(
        row_line.contains(&*picked.text.name),
        "{row_line} / {}",
        picked.text.name
    );
    // The detail follows the selection, as with keys.
    assert_eq!(
        app.state().profile.detail.as_ref().map(|d| d.account.id),
        Some(picked.id)
    );
    mouse(&mut app, MouseEventKind::ScrollUp, 10, 8);
    assert_eq!(app.state().list.selected, 0);
    mouse(&mut app, MouseEventKind::ScrollDown, 10, 8);
    assert_eq!(app.state().list.selected, 3);
    // A click in the side pane (at 120 columns: the right half) focuses it.
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 100, 10);
    assert_ne!(app.state().focus, Pane::Accounts);
    // Below the last row: the selection stays.
    key(&mut app, KeyCode::Char('1'));
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 10, 30);
    assert_eq!(app.state().list.selected, 3);
}

#[test]
fn ctrl_e_hands_a_multi_line_field_to_the_editor_and_takes_the_text_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('i'));
    // kind, date, summary.
    key(&mut app, KeyCode::Tab);
    // A one-line field: Ctrl-E keeps its meaning (end of line), no editor.
    key(&mut app, KeyCode::Home);
    ctrl(&mut app, 'e');
    assert_eq!(app.take_request(), None);
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "first draft");
    ctrl(&mut app, 'e');
    let Some(TermRequest::Edit(text)) = app.take_request() else {
        panic!("no editor request: {}", message(&app))
    };
    assert_eq!(text, "first draft");
    // A real editor stand-in rewrites the file; the runner hands back what
    // `commands::editor` read.
    let script = dir.path().join("ed.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf 'Called about the price list.\\nThey want it by Friday.\\n' > \"$1\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let edited =
        kam::commands::editor::edit_text_with(&script.display().to_string(), "field", &text)
            .map_err(|e| e.message);
    app.edited(edited);
    match &app.state().overlay {
        Some(Overlay::Form { form, .. }) => {
            let f = form.fields.iter().find(|f| f.name == "summary").unwrap();
            assert_eq!(
                f.value(),
                "Called about the price list.\nThey want it by Friday."
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(message(&app), "Text taken from the editor");
    // A failing editor leaves the field as it was and says why.
    app.edited(Err("the editor 'false' failed".into()));
    assert!(message(&app).contains("unchanged"), "{}", message(&app));
}

#[test]
fn a_key_event_with_ctrl_e_in_the_form_is_not_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('i'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    app.key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL));
    assert_eq!(app.take_request(), Some(TermRequest::Edit(String::new())));
}

#[test]
fn the_profile_groups_the_amounts_in_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    while &*app.state().selected_row().unwrap().text.key != "GLOBEX" {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('2'));
    let s = screen(&mut app, 200, 50);
    let line = s
        .lines()
        .find(|l| l.contains("overdue receivables"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(line.contains("overdue receivables 20,000.00"), "{line}");
}
