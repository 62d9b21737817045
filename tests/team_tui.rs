//! Team mode in the TUI, on one real `Book`: an account form saved after
//! someone else changed the account shows the conflict with both values,
//! lets the user choose, then saves against the new version; the history
//! overlay and undo work from the keyboard.

mod tui_common;

use kam::tui::App;
use kam::tui::app::Overlay;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn select(app: &mut App, query: &str) {
    key(app, KeyCode::Char('/'));
    typ(app, query);
    key(app, KeyCode::Enter);
}

fn message(app: &App) -> String {
    app.state()
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_stale_account_form_shows_the_conflict_and_saves_after_a_choice() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let acme = book.account_by_key("ACME").unwrap().into_owned();

    // Me: open the edit form, change the name and the region.
    let mut app = App::new(&mut book, &opts());
    select(&mut app, "acme");
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Tab); // → name
    ctrl(&mut app, 'u');
    typ(&mut app, "Acme Group");
    for _ in 0..4 {
        key(&mut app, KeyCode::Tab); // owner, backup owner, industry, region
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "North");
    let stale_form = app.state().overlay.clone();
    assert!(matches!(stale_form, Some(Overlay::Form { .. })));
    drop(app);

    // Them: zhang changes the region and the industry meanwhile.
    book.set_user("zhang");
    let mut theirs = acme.clone();
    theirs.region = "West".into();
    theirs.industry = "chemicals".into();
    book.save_account(theirs).unwrap();
    book.set_user(USER);
    let seq_after_them = book.last_seq().unwrap();

    // Me again, saving the stale form.
    let mut app = App::new(&mut book, &opts());
    select(&mut app, "acme");
    app.state_mut().overlay = stale_form;
    ctrl(&mut app, 's');
    let msg = message(&app);
    assert!(
        msg.contains("zhang changed account ACME meanwhile"),
        "{msg}"
    );
    assert!(
        msg.contains("1 field was changed by someone else too"),
        "{msg}"
    );
    assert!(msg.contains("ctrl-k keep mine"), "{msg}");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("⚠ theirs: West"), "{s}");
    assert!(s.contains("⚠ mine: North"), "{s}");
    // While a conflict shows, the hint bar offers both ways out, even at 80.
    let hints = screen(&mut app, 80, 24);
    let bar = hints.lines().nth(23).unwrap();
    assert!(bar.contains("ctrl-k keep mine"), "{hints}");
    assert!(bar.contains("ctrl-t take theirs"), "{hints}");
    let Some(Overlay::Form { form, .. }) = &app.state().overlay else {
        panic!("the form must stay open")
    };
    assert_eq!(form.conflicts(), 1);
    assert_eq!(
        form.get("industry"),
        "chemicals",
        "their other change is taken in"
    );
    assert_eq!(form.get("name"), "Acme Group", "my other change is kept");
    // Nothing was written.
    assert_eq!(app.backend().last_seq().unwrap(), seq_after_them);
    let stored = app.backend().account(acme.id).unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.region.as_str()),
        ("Acme Industrial", "West")
    );

    // Saving again without choosing is refused, still nothing written.
    ctrl(&mut app, 's');
    assert!(message(&app).contains("keep mine"), "{}", message(&app));
    assert_eq!(app.backend().last_seq().unwrap(), seq_after_them);

    // Keep mine, then save against the new version.
    ctrl(&mut app, 'k');
    assert!(
        message(&app).contains("no conflicts left"),
        "{}",
        message(&app)
    );
    let hints = screen(&mut app, 120, 40);
    let bar = hints.lines().nth(39).unwrap();
    assert!(!bar.contains("keep mine"), "no conflict, no hint: {hints}");
    assert!(!bar.contains("take theirs"), "{hints}");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "{}", message(&app));
    let stored = app.backend().account(acme.id).unwrap().unwrap();
    assert_eq!(
        (
            stored.name.as_str(),
            stored.region.as_str(),
            stored.industry.as_str()
        ),
        ("Acme Group", "North", "chemicals")
    );

    // The history overlay shows both users' changes, newest first.
    key(&mut app, KeyCode::Char('H'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("History · ACME Acme Group"), "{s}");
    let mine = s.find(&format!("{USER} save_account")).expect(&s);
    let theirs = s.find("zhang save_account").expect(&s);
    assert!(mine < theirs, "newest first: {s}");
    assert!(s.contains("region: West → North"), "{s}");
    assert!(s.contains("industry: manufacturing → chemicals"), "{s}");
    key(&mut app, KeyCode::Esc);
    assert!(app.state().overlay.is_none());

    // Undo my save from the keyboard: zhang's version is back.
    key(&mut app, KeyCode::Char('U'));
    let m = message(&app);
    assert!(
        m.starts_with("Undone #") && m.contains("save_account on ACME (by you)"),
        "{m}"
    );
    let stored = app.backend().account(acme.id).unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.region.as_str()),
        ("Acme Industrial", "West")
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("West"), "{s}");
}

#[test]
fn take_theirs_keeps_their_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let acme = book.account_by_key("ACME").unwrap().into_owned();
    let mut app = App::new(&mut book, &opts());
    select(&mut app, "acme");
    key(&mut app, KeyCode::Char('e'));
    for _ in 0..5 {
        key(&mut app, KeyCode::Tab);
    }
    ctrl(&mut app, 'u');
    typ(&mut app, "North");
    let stale_form = app.state().overlay.clone();
    drop(app);
    book.set_user("zhang");
    let mut theirs = acme.clone();
    theirs.region = "West".into();
    book.save_account(theirs).unwrap();
    book.set_user(USER);

    let mut app = App::new(&mut book, &opts());
    select(&mut app, "acme");
    app.state_mut().overlay = stale_form;
    ctrl(&mut app, 's');
    assert!(matches!(app.state().overlay, Some(Overlay::Form { .. })));
    ctrl(&mut app, 't');
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "{}", message(&app));
    assert_eq!(
        app.backend().account(acme.id).unwrap().unwrap().region,
        "West"
    );
}
