//! The Report pane (issue 12): last week's KPIs reached with `6`, the team
//! first and each owner below, scrollable; snapshots at 80×24 and 200×50 on
//! the TUI tests' real store. And `Backend::report` through the server
//! equals the embedded book's.

mod server_common;
mod tui_common;

use kam::backend::Backend;
use kam::book::Book;
use kam::clock::Clock;
use kam::segment::kpi::Period;
use kam::server::client::{ClientHello, new_client_id};
use kam::server::remote::RemoteBackend;
use kam::server::spawn::Endpoint;
use kam::store::Store;
use kam::tui::App;
use kam::tui::app::Pane;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

#[test]
fn report_pane_at_80x24_and_200x50() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('6'));
    assert_eq!(app.state().focus, Pane::Report);
    let r = app.state().report.report.clone().expect("loaded on show");
    // Saturday 2025-03-01: last week is Monday 17 to Sunday 23 February.
    assert_eq!(r.period.to_string(), "2025-02-17 – 2025-02-23");
    // Globex's order due 2025-02-04 is unpaid: 19 days late on the 23rd.
    assert_eq!(r.team.overdue_orders, 1);
    assert_eq!(r.team.avg_days_late, Some(19.0));
    let top80 = screen(&mut app, 80, 24);
    assert!(top80.contains("Report · last week") && top80.contains("Touch compliance"));
    insta::assert_snapshot!("report_80x24", top80);
    insta::assert_snapshot!("report_200x50", screen(&mut app, 200, 50));
    // The owners are below the team: scrolled to the end at 80×24.
    app.resize(80, 24);
    key(&mut app, KeyCode::Char('G'));
    assert!(app.state().report.scroll > 0);
    let end = screen(&mut app, 80, 24);
    assert!(end.contains("Per owner: care") && end.contains("zhang"));
    insta::assert_snapshot!("report_end_80x24", end);
    key(&mut app, KeyCode::Home);
    assert_eq!(app.state().report.scroll, 0);
    // Tab cycles into it too, after the agenda.
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.state().focus, Pane::Report);
}

#[test]
fn the_server_answers_the_report_as_the_book_does() {
    let t = server_common::TestDb::new();
    server_common::ok(&t.db, &["demo", "--accounts", "30", "--seed", "3"]);
    let today = kam::clock::parse_date(server_common::TODAY).unwrap();
    let ep = Endpoint {
        db: t.db.clone(),
        as_of_arg: Some(server_common::TODAY.into()),
        exe: server_common::EXE.into(),
    };
    let hello = ClientHello {
        as_of: today,
        pinned: true,
        client_id: new_client_id(),
        subscribe: false,
    };
    let remote = RemoteBackend::connect(ep, hello).unwrap();
    let month = Period {
        from: kam::clock::parse_date("2026-10-01").unwrap(),
        to: kam::clock::parse_date("2026-10-31").unwrap(),
    };
    let theirs = (
        remote.report(month, None).unwrap(),
        remote
            .report(Period::last_week(today), Some("lchen"))
            .unwrap(),
    );
    assert!(
        !theirs.0.team.revenue.is_zero(),
        "the demo ordered in October"
    );
    drop(remote);
    server_common::ok(&t.db, &["server", "stop"]);
    let book = Book::open(Store::open(&t.db).unwrap(), Clock::fixed(today), "me").unwrap();
    let ours = (
        Backend::report(&book, month, None).unwrap(),
        Backend::report(&book, Period::last_week(today), Some("lchen")).unwrap(),
    );
    assert_eq!(theirs, ours);
}
