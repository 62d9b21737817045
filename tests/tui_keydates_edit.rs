//! Adding, editing and deleting key dates in the TUI, driven by key events:
//! `D` in the profile opens the key date form (lead by kind when blank),
//! `K` the account's key dates window (`e` edit, `d` delete after a yes);
//! the domain's rules refuse with the reason on the field and the form
//! stays open; `U` takes a save back. On a real store, and through a real
//! team server.

mod server_common;
mod tui_common;

use kam::book::WriteOp;
use kam::domain::{KeyDate, KeyDateKind};
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

fn form_error(app: &App, field: &str) -> Option<String> {
    match &app.state().overlay {
        Some(Overlay::Form { form, .. }) => form.error(field).map(str::to_string),
        other => panic!("no form open: {other:?}"),
    }
}

/// Fills the open key date form: kind, date, lead (blank: by kind), note.
fn fill(app: &mut App, kind: &str, on: &str, lead: &str, note: &str) {
    for (i, value) in [kind, on, lead, note].into_iter().enumerate() {
        if i > 0 {
            key(app, KeyCode::Tab);
        }
        ctrl(app, 'u');
        typ(app, value);
    }
}

/// The panes' lines, without the status line (which names what was deleted).
fn panes(screen: &str) -> String {
    screen
        .lines()
        .filter(|l| l.starts_with('│') || l.starts_with('┌') || l.starts_with('└'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn acme_dates(book: &kam::book::Book) -> Vec<KeyDate> {
    let acme = book.find_account("ACME").unwrap().id;
    book.key_dates_of(acme).unwrap()
}

#[test]
fn d_adds_a_key_date_with_the_kinds_lead_and_undo_takes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    {
        let mut app = App::new(&mut book, &opts());
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Char('D'));
        assert!(
            matches!(app.state().overlay, Some(Overlay::Form { .. })),
            "{}",
            message(&app)
        );
        fill(&mut app, "expiry", "2025-06-30", "", "Frame contract 2025");
        // On the lead field, the hint names each kind's default.
        key(&mut app, KeyCode::BackTab);
        for (w, h) in [(80, 24), (200, 50)] {
            let text = screen(&mut app, w, h);
            insta::assert_snapshot!(format!("keydate_form_{w}x{h}"), text);
        }
        let big = screen(&mut app, 200, 50);
        assert!(big.contains("Add key date — ACME"), "{big}");
        assert!(
            big.contains("blank: renewal 90, expiry 60, framework_review 30, contact_date 7"),
            "{big}"
        );
        ctrl(&mut app, 's');
        assert!(app.state().overlay.is_none(), "{}", message(&app));
        assert!(message(&app).starts_with("Saved"), "{}", message(&app));
        let profile = screen(&mut app, 200, 50);
        assert!(
            profile.contains("2025-06-30 contract expiry (60 days ahead) — Frame contract 2025"),
            "{profile}"
        );
    }
    let stored = acme_dates(&book);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].kind, stored[0].on, stored[0].lead_days),
        (KeyDateKind::Expiry, d(2025, 6, 30), 60)
    );
    assert_eq!(stored[0].note, "Frame contract 2025");
    {
        let mut app = App::new(&mut book, &opts());
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Char('U'));
        assert!(message(&app).starts_with("Undone"), "{}", message(&app));
        let profile = panes(&screen(&mut app, 200, 50));
        assert!(!profile.contains("contract expiry"), "{profile}");
    }
    assert!(acme_dates(&book).is_empty(), "undo took the save back");
}

#[test]
fn a_refused_key_date_keeps_the_form_open_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    {
        let mut app = App::new(&mut book, &opts());
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Char('D'));
        fill(&mut app, "renewal", "2025-02-01", "", "too late");
        ctrl(&mut app, 's');
        assert_eq!(
            form_error(&app, "on").as_deref(),
            Some("2025-02-01 is in the past (today is 2025-03-01)")
        );
        let text = screen(&mut app, 200, 50);
        assert!(
            text.contains("is in the past (today is 2025-03-01)"),
            "{text}"
        );
        // The focus is on the refused date. A lead longer than a year is
        // refused on its field; then a valid one saves.
        ctrl(&mut app, 'u');
        typ(&mut app, "2025-12-31");
        key(&mut app, KeyCode::Tab);
        typ(&mut app, "400");
        ctrl(&mut app, 's');
        assert_eq!(
            form_error(&app, "lead").as_deref(),
            Some("400 days is more than a year (366)")
        );
        ctrl(&mut app, 'u');
        typ(&mut app, "120");
        ctrl(&mut app, 's');
        assert!(app.state().overlay.is_none(), "{}", message(&app));
    }
    let stored = acme_dates(&book);
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].on, stored[0].lead_days), (d(2025, 12, 31), 120));
}

fn with_two_dates(dir: &std::path::Path) -> kam::book::Book {
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
        let key_date = KeyDate {
            id: 0,
            account: acme,
            kind,
            on,
            lead_days: kind.default_lead(),
            note: note.into(),
        };
        book.execute(WriteOp::SaveKeyDate { key_date }, None)
            .unwrap();
    }
    book
}

#[test]
fn k_lists_the_key_dates_to_edit_one_and_delete_one_after_a_yes() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = with_two_dates(dir.path());
    let before = acme_dates(&book);
    let renewal_id = before
        .iter()
        .find(|k| k.kind == KeyDateKind::Renewal)
        .unwrap()
        .id;
    {
        let mut app = App::new(&mut book, &opts());
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Char('K'));
        assert!(
            matches!(app.state().overlay, Some(Overlay::KeyDates(_))),
            "{}",
            message(&app)
        );
        let window = screen(&mut app, 80, 24);
        insta::assert_snapshot!("keydate_window_80x24", window);
        // By date: the birthday (1971) first, the renewal below it.
        key(&mut app, KeyCode::Char('j'));
        key(&mut app, KeyCode::Char('e'));
        let text = screen(&mut app, 200, 50);
        assert!(text.contains("Edit key date — ACME"), "{text}");
        for _ in 0..3 {
            key(&mut app, KeyCode::Tab);
        }
        ctrl(&mut app, 'u');
        typ(&mut app, "Frame contract 2025, signed");
        ctrl(&mut app, 's');
        assert!(app.state().overlay.is_none(), "{}", message(&app));
        let profile = screen(&mut app, 200, 50);
        assert!(
            profile.contains(
                "2025-04-15 contract renewal (90 days ahead) — Frame contract 2025, signed"
            ),
            "{profile}"
        );

        // Delete the birthday: `n` keeps it, `y` deletes it.
        key(&mut app, KeyCode::Char('K'));
        key(&mut app, KeyCode::Char('d'));
        let ask = screen(&mut app, 80, 24);
        assert!(
            ask.contains("Delete 1971-03-05 contact's date? y yes"),
            "{ask}"
        );
        key(&mut app, KeyCode::Char('n'));
        assert!(
            matches!(&app.state().overlay, Some(Overlay::KeyDates(l)) if l.confirm.is_none()),
            "no keeps the window open"
        );
        key(&mut app, KeyCode::Char('d'));
        key(&mut app, KeyCode::Char('y'));
        assert!(app.state().overlay.is_none());
        assert!(
            message(&app).starts_with("Deleted the key date 1971-03-05 contact's date"),
            "{}",
            message(&app)
        );
        let profile = panes(&screen(&mut app, 200, 50));
        assert!(!profile.contains("birthday"), "{profile}");
        assert!(profile.contains("signed"), "{profile}");
    }
    let after = acme_dates(&book);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, renewal_id, "edited in place, not added");
    assert_eq!(after[0].note, "Frame contract 2025, signed");
    assert_eq!(after[0].on, d(2025, 4, 15));
}

#[test]
fn key_dates_through_a_real_server() {
    let t = server_common::TestDb::with_accounts();
    let mut remote = server_common::connect(&t.db);
    let mut app = App::new(&mut remote, &opts());
    // Jump to GLOBEX through the search, then its profile.
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "GLOBEX");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('D'));
    fill(&mut app, "renewal", "2026-12-31", "", "server renewal");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "{}", message(&app));
    key(&mut app, KeyCode::Char('D'));
    fill(&mut app, "framework_review", "2027-01-15", "45", "review");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "{}", message(&app));
    // A refusal from the rules comes back on the field, the form stays.
    key(&mut app, KeyCode::Char('D'));
    fill(&mut app, "expiry", "2026-01-01", "", "");
    ctrl(&mut app, 's');
    assert!(form_error(&app, "on").unwrap().contains("in the past"));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.state().overlay.is_none());
    // Delete the review through the window.
    key(&mut app, KeyCode::Char('K'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Char('y'));
    assert!(
        message(&app).starts_with("Deleted the key date 2027-01-15 framework agreement review"),
        "{}",
        message(&app)
    );
    let profile = panes(&screen(&mut app, 200, 50));
    assert!(
        profile.contains("2026-12-31 contract renewal (90 days ahead) — server renewal"),
        "{profile}"
    );
    assert!(!profile.contains("framework agreement review"), "{profile}");
    drop(app);
    drop(remote);
    let out = server_common::ok(&t.db, &["keydate", "list", "GLOBEX", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = v.as_array().cloned().unwrap_or_else(|| {
        v["items"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("{out}"))
    });
    assert_eq!(items.len(), 1, "{out}");
    assert_eq!(items[0]["kind"], "renewal", "{out}");
    assert_eq!(items[0]["note"], "server renewal", "{out}");
}

#[test]
fn the_profile_help_names_the_key_date_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('?'));
    let help = screen(&mut app, 200, 50);
    let line = |needle: &str| {
        help.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{help}"))
            .to_string()
    };
    assert!(line("Add a key date").contains('D'), "{help}");
    assert!(line("The account's key dates").contains('K'), "{help}");
}
