//! The review mode and the merge overlay, driven by keys through the real
//! app on a real sled store: what the screen shows (snapshots at 80×24 and
//! 200×50) and what was stored.

mod tui_common;

use kam::book::Book;
use kam::domain::{Interaction, InteractionKind, Money, TierPin};
use kam::tui::App;
use kam::tui::app::Overlay;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn snap(app: &mut App, name: &str) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(app, w, h));
    }
}

/// The fixture after a review, then a big order for Initech (its tier
/// moves) and an old pin on Umbrella.
fn review_book(dir: &std::path::Path) -> Book {
    let mut b = book(dir);
    b.mark_review().unwrap();
    let initech = b.account_by_key("INITECH").unwrap().id;
    let mut i = Interaction::new(initech, InteractionKind::Order, d(2025, 2, 20));
    i.amount = Some(Money::from_units(9_000_000));
    i.margin = Some(Money::from_units(3_000_000));
    i.summary = "framework order".into();
    b.add_interaction(i).unwrap();
    let mut u = b.account_by_key("UMBRELLA").unwrap().into_owned();
    u.pin = Some(Box::new(TierPin {
        tier: b.engine().tier(u.id).unwrap(),
        reason: "strategic importer".into(),
        by: "wang".into(),
        at: d(2024, 6, 1),
    }));
    b.save_account(u).unwrap();
    b
}

/// The key of the account the review shows, None at the summary.
fn current(app: &App) -> Option<String> {
    match &app.state().overlay {
        Some(Overlay::Review(run)) => run.current().map(|i| i.key.clone()),
        other => panic!("no review open: {other:?}"),
    }
}

#[test]
fn review_steps_through_moves_and_old_pins_and_records_the_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = review_book(dir.path());
    let due: Vec<String> = book
        .review_due()
        .unwrap()
        .into_iter()
        .map(|i| i.key)
        .collect();
    assert!(
        due.contains(&"INITECH".into()) && due.contains(&"UMBRELLA".into()),
        "{due:?} {:?}",
        book.last_review().unwrap()
    );
    let initech = book
        .review_due()
        .unwrap()
        .into_iter()
        .find(|i| i.key == "INITECH")
        .unwrap();
    let was = initech.from.clone().expect("Initech moved");
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('R'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains(&format!("Review · 1 of {}", due.len())), "{s}");
    assert!(s.contains("c confirm"), "the keys are hinted: {s}");

    // Open the account: the review waits, and R resumes it where it was.
    let first = current(&app).unwrap();
    key(&mut app, KeyCode::Char('o'));
    assert!(app.state().overlay.is_none());
    assert_eq!(*app.state().selected_row().unwrap().text.key, *first);
    key(&mut app, KeyCode::Char('R'));
    assert_eq!(current(&app).as_deref(), Some(first.as_str()));

    let mut confirmed = 0;
    while let Some(k) = current(&app) {
        match k.as_str() {
            "INITECH" => {
                snap(&mut app, "review_move");
                key(&mut app, KeyCode::Char('p'));
                typ(&mut app, "one-off framework order");
                let s = screen(&mut app, 80, 24);
                assert!(
                    s.contains(&format!("pin at {was} because: one-off framework order")),
                    "{s}"
                );
                key(&mut app, KeyCode::Enter);
            }
            "UMBRELLA" => {
                let s = screen(&mut app, 200, 50);
                assert!(
                    s.contains("pinned to")
                        && s.contains("since 2024-06-01 by wang: strategic importer"),
                    "{s}"
                );
                key(&mut app, KeyCode::Char('u'));
            }
            _ => {
                confirmed += 1;
                key(&mut app, KeyCode::Char('c'));
            }
        }
    }
    snap(&mut app, "review_summary");
    key(&mut app, KeyCode::Enter);
    assert!(app.state().overlay.is_none());
    let msg = app.state().message.as_ref().unwrap().text.clone();
    assert_eq!(
        msg,
        format!("Review recorded: {confirmed} confirmed, 1 pinned, 1 unpinned, 0 skipped")
    );
    drop(app);

    let s = book.last_review_summary().unwrap().unwrap();
    assert_eq!(
        (s.tally.confirmed, s.tally.pinned, s.tally.unpinned, s.items),
        (confirmed, 1, 1, due.len())
    );
    let pin = book.account_by_key("INITECH").unwrap().pin.clone().unwrap();
    assert_eq!(
        (pin.tier, pin.reason.as_str()),
        (was, "one-off framework order")
    );
    assert!(book.account_by_key("UMBRELLA").unwrap().pin.is_none());
    assert!(book.review_due().unwrap().is_empty(), "all reviewed");
}

#[test]
fn leaving_the_review_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = review_book(dir.path());
    let before = book.last_seq().unwrap();
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('R'));
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Esc);
    assert!(app.state().overlay.is_none());
    drop(app);
    assert_eq!(book.last_seq().unwrap(), before);
    assert!(book.last_review_summary().unwrap().is_none());
}

#[test]
fn merge_picks_the_duplicate_chooses_fields_and_undo_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    // kam's own tier entries aside (a merge may move a tier).
    let entries = |b: &Book, key: &str| {
        b.interactions_of(b.account_by_key(key).unwrap().id)
            .unwrap()
            .into_iter()
            .filter(|i| i.kind != InteractionKind::System)
            .count()
    };
    let (globex_entries, acme_entries) = (entries(&book, "GLOBEX"), entries(&book, "ACME"));
    let mut app = App::new(&mut book, &opts());
    assert_eq!(&*app.state().selected_row().unwrap().text.key, "ACME");
    key(&mut app, KeyCode::Char('m'));
    typ(&mut app, "acme");
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.state().overlay, Some(Overlay::Search(_))),
        "an account is not its own duplicate"
    );
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "globex");
    key(&mut app, KeyCode::Enter);
    snap(&mut app, "merge");
    // Take Globex's owner (the second conflict), keep the rest.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('l'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("owner"), "{s}");
    key(&mut app, KeyCode::Char('y'));
    assert!(app.state().overlay.is_none());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Merged GLOBEX into ACME"), "{s}");
    assert!(
        !app.state()
            .list
            .rows
            .iter()
            .any(|r| &*r.text.key == "GLOBEX")
    );
    let acme = row_shown(&app, "ACME").unwrap();
    assert_eq!(&*acme.text.owner, "zhang", "taken from Globex");
    key(&mut app, KeyCode::Char('U')); // undo
    assert!(
        app.state()
            .list
            .rows
            .iter()
            .any(|r| &*r.text.key == "GLOBEX")
    );
    drop(app);
    assert_eq!(book.account_by_key("GLOBEX").unwrap().owner, "zhang");
    assert_eq!(book.account_by_key("ACME").unwrap().owner, USER);
    assert_eq!(entries(&book, "GLOBEX"), globex_entries);
    assert_eq!(entries(&book, "ACME"), acme_entries);
}
