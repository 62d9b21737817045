//! The TUI on a team server that dies under it (SIGKILL): the list keeps the
//! last accounts and says "reconnecting…", a save meanwhile is refused with a
//! message and the form kept; once a server can be started again the same
//! save goes through and the loss is cleared. Real server, real socket, the
//! app driven by key events through `RemoteBackend`.

mod server_common;
mod tui_common;

use kam::server::client::{ClientHello, new_client_id};
use kam::server::remote::RemoteBackend;
use kam::server::spawn::Endpoint;
use kam::tui::App;
use kam::tui::app::Overlay;
use ratatui::crossterm::event::KeyCode;
use server_common::*;
use std::time::Duration;

fn message(app: &App) -> String {
    app.state()
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_killed_server_keeps_the_list_on_screen_says_reconnecting_and_refuses_writes() {
    let t = TestDb::with_accounts();
    // The client starts servers through this link; removing it makes the
    // restart fail, so the loss lasts as long as the test needs.
    let exe = t.dir.path().join("kam-exe");
    std::os::unix::fs::symlink(EXE, &exe).unwrap();
    let ep = Endpoint {
        db: t.db.clone(),
        as_of_arg: Some(TODAY.into()),
        exe: exe.clone(),
    };
    let hello = ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id: new_client_id(),
        subscribe: true,
    };
    let mut remote = RemoteBackend::connect(ep, hello).unwrap();
    let pid = remote.server().pid as i32;
    let mut app = App::new(&mut remote, &tui_common::opts());
    let before = tui_common::screen(&mut app, 100, 24);
    for key in ["Acme Corp", "Globex", "Initech"] {
        assert!(before.contains(key), "{before}");
    }
    assert!(!before.contains("reconnecting"), "{before}");

    // The server dies without a word, and none can be started for now.
    std::fs::remove_file(&exe).unwrap();
    // SAFETY: the test's own server, by pid.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    assert!(wait_until(Duration::from_secs(5), || !alive(pid)));
    assert!(
        wait_until(Duration::from_secs(5), || {
            app.poll_team();
            app.state().lost.is_some()
        }),
        "the loss was never noticed"
    );
    // Asking for everything again cannot empty the list either.
    app.refresh();
    let lost = tui_common::screen(&mut app, 100, 24);
    for key in ["Acme Corp", "Globex", "Initech"] {
        assert!(lost.contains(key), "the last data stays on screen:\n{lost}");
    }
    assert!(lost.contains("Accounts 3/3 · reconnecting…"), "{lost}");
    assert!(message(&app).contains("not reachable"), "{}", message(&app));
    assert_eq!(app.state().list.rows.len(), 3);

    // A write meanwhile is refused with a message; the form keeps the edit.
    tui_common::key(&mut app, KeyCode::Char('e'));
    assert!(
        matches!(app.state().overlay, Some(Overlay::Form { .. })),
        "{}",
        message(&app)
    );
    tui_common::key(&mut app, KeyCode::Tab); // → name
    tui_common::ctrl(&mut app, 'u');
    tui_common::typ(&mut app, "Saved After The Loss");
    tui_common::ctrl(&mut app, 's');
    let refused = message(&app);
    assert!(
        refused.starts_with("Not saved:") && refused.contains("reconnecting"),
        "{refused}"
    );
    assert!(matches!(app.state().overlay, Some(Overlay::Form { .. })));
    let shown = tui_common::screen(&mut app, 100, 24);
    assert!(shown.contains("Saved After The Loss"), "{shown}");

    // A server can be started again: the same save goes through (the
    // client starts it), and the loss is cleared.
    std::os::unix::fs::symlink(EXE, &exe).unwrap();
    let saved = wait_until(Duration::from_secs(10), || {
        tui_common::ctrl(&mut app, 's');
        app.state().overlay.is_none()
    });
    assert!(saved, "{}", message(&app));
    assert!(message(&app).starts_with("Saved"), "{}", message(&app));
    app.poll_team();
    assert!(app.state().lost.is_none());
    let back = tui_common::screen(&mut app, 100, 24);
    assert!(!back.contains("reconnecting"), "{back}");
    assert!(back.contains("Saved After The Loss"), "{back}");
    assert!(alive(server_pid(&t.db).unwrap()));
}

fn remote(t: &TestDb) -> RemoteBackend {
    let ep = Endpoint {
        db: t.db.clone(),
        as_of_arg: Some(TODAY.into()),
        exe: EXE.into(),
    };
    let hello = ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id: new_client_id(),
        subscribe: true,
    };
    RemoteBackend::connect(ep, hello).unwrap()
}

#[test]
fn another_users_save_reaches_the_open_tui_as_rows_not_a_new_page() {
    use kam::backend::Backend;
    use kam::book::query::ListQuery;
    let t = TestDb::with_accounts();
    let mut them = remote(&t);
    let mut me = tui_common::counting::Counting::new(remote(&t));
    let mut app = App::new(&mut me, &tui_common::opts());
    let before = tui_common::screen(&mut app, 100, 24);
    assert!(before.contains("Acme Corp"), "{before}");

    let page = them.list(&ListQuery::default()).unwrap();
    let id = page
        .rows
        .iter()
        .find(|r| &*r.text.key == "ACME")
        .unwrap()
        .id;
    let mut acme = them.account(id).unwrap().unwrap();
    acme.name = "Acme Renamed".into();
    them.save_account(acme).unwrap();

    let mut shown = String::new();
    let arrived = wait_until(Duration::from_secs(5), || {
        app.poll_team();
        shown = tui_common::screen(&mut app, 100, 24);
        shown.contains("Acme Renamed")
    });
    assert!(arrived, "{shown}");
    assert!(
        message(&app).ends_with("edited account ACME"),
        "{}",
        message(&app)
    );
    drop(app);
    // The notice named ACME: its row came alone, no second page.
    assert_eq!(me.lists.get(), 1);
}
