//! Key dates in the TUI (issue 12 part 8): a short section in the Profile
//! pane, and lines in the Agenda pane within their lead. Snapshots at 80×24
//! and 200×50 on the shared dataset plus two key dates of ACME.

mod tui_common;

use kam::book::WriteOp;
use kam::domain::{KeyDate, KeyDateKind};
use kam::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn with_key_dates(dir: &std::path::Path) -> kam::book::Book {
    let mut book = book(dir);
    let acme = book.find_account("ACME").unwrap().id;
    for (kind, on, note) in [
        (KeyDateKind::Renewal, d(2025, 4, 15), "Frame contract 2025"),
        (
            KeyDateKind::ContactDate,
            d(1971, 3, 5),
            "Wang Fang's birthday",
        ),
    ] {
        let k = KeyDate {
            id: 0,
            account: acme,
            kind,
            on,
            lead_days: kind.default_lead(),
            note: note.into(),
        };
        book.execute(WriteOp::SaveKeyDate { key_date: k }, None)
            .unwrap();
    }
    book
}

#[test]
fn key_dates_show_in_the_profile_and_the_agenda() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = with_key_dates(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('2'));
    for (w, h) in [(80, 24), (200, 50)] {
        let text = screen(&mut app, w, h);
        insta::assert_snapshot!(format!("profile_key_dates_{w}x{h}"), text);
    }
    let big = screen(&mut app, 200, 50);
    assert!(big.contains("Key dates"), "{big}");
    assert!(big.contains("2025-04-15 contract renewal (90 days ahead) — Frame contract 2025"));
    key(&mut app, KeyCode::Char('5'));
    let agenda = screen(&mut app, 200, 50);
    assert!(agenda.contains("contract renewal 2025-04-15"), "{agenda}");
    assert!(agenda.contains("contact's date 2025-03-05"), "{agenda}");
}

#[test]
fn a_key_date_change_touches_only_its_account() {
    use kam::book::query::{Touched, touched_since};
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let acme = book.find_account("ACME").unwrap().id;
    let before = book.last_seq().unwrap();
    let k = KeyDate {
        id: 0,
        account: acme,
        kind: KeyDateKind::Expiry,
        on: d(2025, 3, 20),
        lead_days: 30,
        note: String::new(),
    };
    book.execute(WriteOp::SaveKeyDate { key_date: k }, None)
        .unwrap();
    assert_eq!(
        touched_since(&book, before).unwrap(),
        Touched::Accounts(vec![acme])
    );
    // The delta a TUI applies carries the new agenda line.
    let delta = kam::book::query::delta(&book, Touched::Accounts(vec![acme]), "li", None).unwrap();
    let kam::book::query::AgendaUpdate::Full(agenda) = delta.agenda else {
        panic!("a client without a version gets the whole agenda")
    };
    assert!(
        agenda
            .iter()
            .any(|r| r.item.text.starts_with("contract expiry 2025-03-20"))
    );
}

#[test]
fn snoozing_one_key_date_keeps_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = with_key_dates(dir.path());
    let lines = |book: &kam::book::Book| {
        book.agenda(None)
            .unwrap()
            .into_iter()
            .filter(|i| i.kind == kam::segment::AgendaKind::KeyDate)
            .collect::<Vec<_>>()
    };
    let all = lines(&book);
    assert_eq!(all.len(), 2);
    let birthday = all.iter().find(|i| i.text.contains("birthday")).unwrap();
    book.snooze(birthday, d(2025, 3, 4)).unwrap();
    let left = lines(&book);
    assert_eq!(left.len(), 1);
    assert!(left[0].text.starts_with("contract renewal"), "{left:?}");
}
