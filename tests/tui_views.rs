//! Saved views in the TUI, by keys: `w` names the list's filter and sort as
//! a personal view (written to the views file), `W` one for the team (in
//! the book), `V` lists personal and team
//! views and enter applies one, `o` shows my accounts (owner or backup owner
//! is me) and again all. Real store, temp config file.

mod tui_common;

use kam::book::WriteOp;
use kam::book::query::SortKey;
use kam::book::views::{SavedView, ViewSet};
use kam::tui::App;
use kam::tui::app::Overlay;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn visible_keys(app: &App) -> Vec<String> {
    let l = &app.state().list;
    l.visible
        .iter()
        .map(|i| l.rows[*i].text.key.to_string())
        .collect()
}

#[test]
fn save_a_view_recall_it_from_the_list_and_see_team_views() {
    let dir = tempfile::tempdir().unwrap();
    let views = dir.path().join("config/kam/views.toml");
    let mut book = book(&dir.path().join("db"));
    book.execute(
        WriteOp::SaveView {
            name: "west".into(),
            view: Some(SavedView {
                name: "west".into(),
                filter: "region:west".into(),
                ..SavedView::default()
            }),
        },
        None,
    )
    .unwrap();
    let mut opts = opts();
    opts.views_path = Some(views.clone());
    let mut app = App::new(&mut book, &opts);

    key(&mut app, KeyCode::Char('f'));
    typ(&mut app, "region:east");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('s')); // sort by name
    key(&mut app, KeyCode::Char('w'));
    assert!(matches!(app.state().overlay, Some(Overlay::ViewName(_))));
    let prompt = screen(&mut app, 80, 24);
    assert!(
        prompt.contains("filter region:east · sort name"),
        "{prompt}"
    );
    typ(&mut app, "east");
    key(&mut app, KeyCode::Enter);
    assert!(app.state().overlay.is_none());
    let set = ViewSet::read_file(&views).unwrap();
    let east = set.get("east").unwrap();
    assert_eq!(
        (east.filter.as_str(), east.sort),
        ("region:east", SortKey::Name)
    );

    key(&mut app, KeyCode::Char('F'));
    key(&mut app, KeyCode::Char('s')); // sort by owner
    assert_eq!(visible_keys(&app).len(), 5);
    key(&mut app, KeyCode::Char('V'));
    let list = screen(&mut app, 80, 24);
    insta::assert_snapshot!("views_list_80x24", list);
    assert!(list.contains("personal") && list.contains("team"), "{list}");
    key(&mut app, KeyCode::Enter); // the first: east (personal)
    assert_eq!(app.state().list.filter.text(), "region:east");
    assert_eq!(app.state().list.sort, SortKey::Name);
    assert_eq!(visible_keys(&app), ["ACME", "UMBRELLA"]);

    key(&mut app, KeyCode::Char('V'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter); // west (team)
    assert_eq!(visible_keys(&app), ["GLOBEX"]);

    // W saves for the team: in the book, not in the file.
    key(&mut app, KeyCode::Char('W'));
    typ(&mut app, "west-too");
    key(&mut app, KeyCode::Enter);
    drop(app);
    assert!(book.team_views().unwrap().get("west-too").is_some());
    assert!(
        ViewSet::read_file(&views)
            .unwrap()
            .get("west-too")
            .is_none()
    );
}

#[test]
fn my_accounts_is_one_key_away_and_the_same_key_shows_all_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let globex = book.account_by_key("GLOBEX").unwrap().into_owned();
    let mut backup = globex.clone();
    backup.backup_owner = USER.into();
    book.save_account(backup).unwrap();
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('o'));
    let mut keys = visible_keys(&app);
    keys.sort();
    // Owned by li, and GLOBEX where li is the backup; not UMBRELLA (wang).
    assert_eq!(keys, ["ACME", "GLOBEX", "HUAWEI", "INITECH"]);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("filter who:li"), "{s}");
    key(&mut app, KeyCode::Char('o'));
    assert_eq!(visible_keys(&app).len(), 5);
    // Without a views file, saving says why.
    key(&mut app, KeyCode::Char('w'));
    assert!(app.state().overlay.is_none());
    let msg = app.state().message.clone().unwrap().text;
    assert!(msg.contains("No config directory"), "{msg}");
}
