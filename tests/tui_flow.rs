//! Flows driven by key events through the real app on a real sled store:
//! what the screen shows and what was stored.

mod tui_common;

use kam::domain::{AccountId, InteractionKind, Money};
use kam::tui::App;
use kam::tui::app::{Pane, State};
use kam::tui::keymap::Keymap;
use kam::tui::theme::Theme;
use kam::tui::view::{AccountRow, RowText};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;
use tui_common::*;

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

fn id(app: &App, key: &str) -> AccountId {
    app.state()
        .list
        .rows
        .iter()
        .find(|r| &*r.text.key == key)
        .unwrap()
        .id
}

#[test]
fn search_open_add_order_and_the_tier_changes_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    let before = screen(&mut app, 120, 40);
    assert!(
        line_with(&before, "Globex Corp").contains("DEV"),
        "{before}"
    );
    assert!(line_with(&before, "Acme Industrial").contains("KEY"));

    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "globex");
    key(&mut app, KeyCode::Enter);
    assert_eq!(&*app.state().selected_row().unwrap().text.key, "GLOBEX");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.state().focus, Pane::Profile);

    key(&mut app, KeyCode::Char('i'));
    let form = screen(&mut app, 120, 40);
    assert!(
        form.contains("Add interaction — GLOBEX Globex Corp"),
        "{form}"
    );
    // kind → date → summary → amount
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "9000000");
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "3000000");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none(), "form closed after save");

    let after = screen(&mut app, 120, 40);
    assert!(line_with(&after, "Globex Corp").contains("KEY"), "{after}");
    assert!(
        line_with(&after, "Acme Industrial").contains("DEV"),
        "{after}"
    );
    assert!(after.contains("Saved"), "{after}");
    // Profile shows the new tier at once; the timeline (tab to it) the change.
    assert!(after.contains("Tier              Key · value"), "{after}");
    assert!(after.contains("GLOBEX: Development → Key"), "{after}");
    key(&mut app, KeyCode::Char('3'));
    let timeline = screen(&mut app, 120, 40);
    assert!(timeline.contains("# system"), "{timeline}");
    assert!(timeline.contains("→ Key"), "{timeline}");

    // Stored: the order with its exact amount.
    let globex = id(&app, "GLOBEX");
    let stored = app.backend().interactions_of(globex).unwrap();
    let order = stored
        .iter()
        .find(|i| i.kind == InteractionKind::Order && i.day() == today())
        .unwrap();
    assert_eq!(order.amount, Some(Money::from_units(9_000_000)));
    assert_eq!(order.author, USER);
    assert_eq!(app.backend().score(globex).unwrap().unwrap().tier, "Key");
}

#[test]
fn bad_input_is_explained_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('i'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "12,50");
    let s = screen(&mut app, 100, 30);
    assert!(
        line_with(&s, "Amount").contains("✗ not a decimal amount"),
        "{s}"
    );
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_some(), "form stays open");
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, ".50");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none());
    let acme = id(&app, "ACME");
    let orders: Vec<_> = app
        .backend()
        .interactions_of(acme)
        .unwrap()
        .into_iter()
        .filter(|i| i.amount == Some(Money::from_cents(1250)))
        .collect();
    assert_eq!(orders.len(), 1);
}

#[test]
fn edit_account_and_escape_asks_before_discarding() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    // Unchanged form: Esc closes at once.
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Esc);
    assert!(app.state().overlay.is_none());
    // Changed form: Esc asks; n returns to the form; Esc y discards.
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Tab);
    typ(&mut app, " Group");
    key(&mut app, KeyCode::Esc);
    assert!(screen(&mut app, 80, 24).contains("Discard unsaved changes?"));
    key(&mut app, KeyCode::Char('n'));
    ctrl(&mut app, 's');
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Acme Industrial Group"), "{s}");
    let acme = id(&app, "ACME");
    assert_eq!(
        app.backend().account(acme).unwrap().unwrap().name,
        "Acme Industrial Group"
    );
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "!!");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.state().overlay.is_none());
    assert_eq!(
        app.backend().account(acme).unwrap().unwrap().name,
        "Acme Industrial Group"
    );
}

#[test]
fn new_account_contact_and_followup() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('n'));
    typ(&mut app, "STARK");
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "Stark 工业");
    ctrl(&mut app, 's');
    assert_eq!(&*app.state().selected_row().unwrap().text.key, "STARK");
    let stark = id(&app, "STARK");
    assert_eq!(app.backend().account(stark).unwrap().unwrap().owner, USER);

    key(&mut app, KeyCode::Char('c'));
    typ(&mut app, "Chen Jie");
    ctrl(&mut app, 's');
    key(&mut app, KeyCode::Char('u'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "Intro call");
    ctrl(&mut app, 's');
    let s = screen(&mut app, 120, 80);
    assert!(s.contains("Chen Jie"), "{s}");
    assert!(s.contains("Intro call"), "{s}");
    assert_eq!(app.backend().contacts_of(stark).unwrap().len(), 1);
    assert_eq!(app.backend().followups_of(stark).unwrap().len(), 1);
}

#[test]
fn agenda_mark_done_snooze_and_log_touch() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut o = opts();
    o.agenda = true;
    let mut app = App::new(&mut book, &o);
    assert_eq!(app.state().focus, Pane::Agenda);
    let s = screen(&mut app, 80, 24);
    let first = s.lines().nth(2).unwrap();
    assert!(first.contains("Send the price"), "{s}");

    key(&mut app, KeyCode::Char('d'));
    let s = screen(&mut app, 80, 24);
    assert!(
        line_with(&s, "Done: ACME").contains("Send the price"),
        "{s}"
    );
    assert_eq!(
        s.matches("Send the price").count(),
        1,
        "only in the message: {s}"
    );
    let acme = id(&app, "ACME");
    let fu = &app.backend().followups_of(acme).unwrap()[0];
    assert_eq!(fu.done_at, Some(today()));

    let n = app.state().agenda.rows.len();
    let snoozed = app.state().agenda.rows[0].item.text.clone();
    key(&mut app, KeyCode::Char('z'));
    assert_eq!(app.state().agenda.rows.len(), n - 1);
    assert!(
        app.state()
            .agenda
            .rows
            .iter()
            .all(|r| r.item.text != snoozed)
    );

    // Log a touch on the first cadence item: the form is prefilled.
    let pos = app
        .state()
        .agenda
        .rows
        .iter()
        .position(|r| r.item.kind == kam::segment::AgendaKind::Cadence)
        .unwrap();
    for _ in 0..pos {
        key(&mut app, KeyCode::Char('j'));
    }
    let account = app.state().agenda.rows[pos].item.account;
    key(&mut app, KeyCode::Char('t'));
    let s = screen(&mut app, 100, 30);
    assert!(line_with(&s, "Kind").contains("call"), "{s}");
    ctrl(&mut app, 's');
    assert!(
        app.state()
            .agenda
            .rows
            .iter()
            .all(|r| !(r.item.account == account
                && r.item.kind == kam::segment::AgendaKind::Cadence)),
        "the touch reset the cadence"
    );
    let calls = app
        .backend()
        .interactions_of(account)
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == InteractionKind::Call)
        .count();
    assert_eq!(calls, 1);

    // Open jumps to the account's profile.
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('g'));
    let target = app.state().agenda.rows[0].item.account;
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.state().focus, Pane::Profile);
    assert_eq!(app.state().selected_id(), Some(target));
}

#[test]
fn matrix_cell_filters_the_list_and_review_marks_moves() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('r'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Review marked: 5 accounts"), "{s}");
    assert!(s.contains("reviewed"), "{s}");
    // Top right cell (high potential, high value): Acme and Huawei.
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.state().focus, Pane::Accounts);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("filter cell:0,1"), "{s}");
    assert_eq!(app.state().list.visible.len(), 2, "{s}");
    key(&mut app, KeyCode::Char('F'));
    assert_eq!(app.state().list.visible.len(), 5);

    // A big order moves Initech; the move shows against the review.
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "initech");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('i'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "9000000");
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "3000000");
    ctrl(&mut app, 's');
    let s = screen(&mut app, 80, 24);
    assert!(line_with(&s, "Initech").contains("KEY↕"), "{s}");
    let rows: Vec<&AccountRow> = app.state().list.rows.iter().filter(|r| r.moved).collect();
    assert!(rows.iter().any(|r| &*r.text.key == "INITECH"));
}

#[test]
fn sort_and_filter_in_the_title() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('s'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("sort name"), "{s}");
    let names: Vec<&str> = app
        .state()
        .list
        .visible
        .iter()
        .map(|i| &*app.state().list.rows[*i].text.name)
        .collect();
    assert_eq!(names[0], "Acme Industrial");
    key(&mut app, KeyCode::Char('f'));
    typ(&mut app, "flag:overdue_payment");
    key(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("filter flag:overdue_payment"), "{s}");
    assert_eq!(&*app.state().selected_row().unwrap().text.key, "GLOBEX");
}

#[test]
fn user_keymap_applies_and_its_errors_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let km = dir.path().join("keymap.toml");
    std::fs::write(&km, "[global]\nquit = \"ctrl-q\"\nfrobnicate = \"x\"\n").unwrap();
    let mut book = book(&dir.path().join("db"));
    let mut o = opts();
    o.keymap_path = Some(km);
    let mut app = App::new(&mut book, &o);
    let s = screen(&mut app, 120, 30);
    assert!(
        s.contains("keymap.toml:3: unknown action 'frobnicate'"),
        "{s}"
    );
    // The overlay is acknowledged with enter; the status bar keeps the count.
    key(&mut app, KeyCode::Enter);
    assert!(app.state().overlay.is_none());
    let s = screen(&mut app, 120, 30);
    assert!(s.contains("1 keymap problem"), "{s}");
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.state().quit);
    ctrl(&mut app, 'q');
    assert!(app.state().quit);
    // The help overlay lists the user's key, generated from the keymap.
    let mut app = App::new(&mut book, &o);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    // Tall enough for the whole [list] and [global] sections.
    let s = screen(&mut app, 100, 60);
    assert!(line_with(&s, "Quit kam").contains("ctrl-q"), "{s}");
}

fn draw_state(state: &State, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kam::tui::render::draw(f, state)).unwrap();
    t.backend().buffer().clone()
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let mut s = State::new(
        "li\u{1b}[2J",
        "db\u{7}",
        today(),
        Keymap::defaults(),
        Theme::new(true),
    );
    s.set_rows(vec![AccountRow {
        text: std::sync::Arc::new(RowText {
            key: "EVIL\u{1b}]0;pwned\u{7}".into(),
            name: "Evil\u{202e}Co\u{1b}[31m".into(),
            owner: "x\u{0}".into(),
            tags: Box::new(["t\u{8}".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }]);
    for (w, h) in [(80, 24), (200, 50)] {
        let buf = draw_state(&s, w, h);
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}'),
                "control char reached the buffer: {:?}",
                cell.symbol()
            );
        }
    }
}

#[test]
fn no_color_theme_draws_without_colours() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut o = opts();
    o.color = Some(false);
    let app = App::new(&mut book, &o);
    let mut t = Terminal::new(TestBackend::new(200, 50)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    o.color = Some(true);
    let app = App::new(&mut book, &o);
    t.draw(|f| app.draw(f)).unwrap();
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

#[test]
fn resize_to_tiny_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    assert!(screen(&mut app, 30, 8).contains("Too small"));
    // Every word still reads at 20×5.
    let tiny = screen(&mut app, 20, 5);
    for needle in ["Too small", "20×5, need 60×15.", "Enlarge, or q quits."] {
        assert!(tiny.contains(needle), "{tiny}");
    }
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Accounts"));
    key(&mut app, KeyCode::Char('q'));
    assert!(app.state().quit);
}

#[test]
fn keymap_problems_show_in_full_at_80_columns_and_dismiss_with_esc() {
    let dir = tempfile::tempdir().unwrap();
    let km = dir
        .path()
        .join("a-rather-long-config-directory-name")
        .join("kam");
    std::fs::create_dir_all(&km).unwrap();
    let km = km.join("keymap.toml");
    std::fs::write(
        &km,
        "[agenda]\nsnooze_day = \"s\"\nmark_done = \"s\"\n[list]\nfrobnicate = \"x\"\n",
    )
    .unwrap();
    let mut book = book(&dir.path().join("db"));
    let mut o = opts();
    o.keymap_path = Some(km.clone());
    let mut app = App::new(&mut book, &o);
    let s = screen(&mut app, 80, 24);
    // Both problems, each in full (wrapped), not one cut line.
    let flat: String = s
        .lines()
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("unknown action 'frobnicate'"), "{s}");
    assert!(
        flat.contains("key 's' is bound to both 'snooze_day' (line 2) and 'mark_done' in [agenda]"),
        "{s}"
    );
    assert!(s.contains("2 keymap problems"), "{s}");
    key(&mut app, KeyCode::Esc);
    assert!(app.state().overlay.is_none());
    // The clash left both actions on their defaults: d marks done.
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('?'));
    let help = screen(&mut app, 100, 40);
    assert!(
        line_with(&help, "Mark the follow-up done").contains(" d "),
        "{help}"
    );
}

fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn log_touch_from_the_agenda_leaves_the_summary_empty_and_shows_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('5'));
    let row = app
        .state()
        .agenda
        .rows
        .iter()
        .position(|r| r.key == "HUAWEI" && r.item.kind.as_str() == "cadence")
        .unwrap();
    for _ in 0..row {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('t'));
    let Some(kam::tui::app::Overlay::Form { form, .. }) = &app.state().overlay else {
        panic!("no form")
    };
    assert_eq!(form.get("summary"), "", "the agenda text is not a summary");
    assert_eq!(form.get("kind"), "call");
    assert_eq!(form.get("date"), today().to_string());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Due: cadence: touch due"), "{s}");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none());
    let huawei = id(&app, "HUAWEI");
    let calls: Vec<_> = app
        .backend()
        .interactions_of(huawei)
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == InteractionKind::Call)
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].summary, "");
}

#[test]
fn a_duplicate_key_is_shown_next_to_the_key_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('n'));
    typ(&mut app, "ACME");
    key(&mut app, KeyCode::Tab);
    typ(&mut app, "Another Acme");
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_some(), "the form stays open");
    let s = screen(&mut app, 80, 24);
    let line = line_with(&s, "›Key");
    assert!(line.contains("ACME"), "{s}");
    assert!(line.contains("✗ 'ACME' is already used"), "{s}");
}

#[test]
fn matrix_names_its_axes_and_enter_filters_the_cell_by_tier() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('4'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("potential ≥50 ┌"), "{s}");
    assert!(s.contains("value <50"), "{s}");
    assert!(s.contains("value ≥50"), "{s}");
    let hints = s.lines().nth(23).unwrap();
    assert!(hints.contains("enter filter cell"), "{hints}");
    assert!(!hints.contains("enter open"), "{hints}");
    // Top right: the Key cell.
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 120, 30);
    assert!(s.contains("filter cell:0,1 (Key)"), "{s}");
    // Mark the review, then move an account: the cell says so in words.
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Char('r'));
    app.state_mut().list.rows[0].moved = true;
    app.state_mut().matrix.view.cells[0][1].moved = 1;
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("1 moved since review"), "{s}");
}

#[test]
fn slack_goes_to_flags_and_what_and_messages_can_be_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    let s = screen(&mut app, 200, 50);
    assert!(
        line_with(&s, "Umbrella Trading").contains("touch,cmpl,1ctc"),
        "{s}"
    );
    key(&mut app, KeyCode::Char('5'));
    let s = screen(&mut app, 120, 30);
    assert!(
        line_with(&s, "follow up").contains("follow up: Send the price list"),
        "{s}"
    );
    // A long message is cut in the status bar, says how to read it, and
    // `M` shows it in full.
    let long = format!("Saved · {}", "GLOBEX: Development → Key · ".repeat(4));
    app.state_mut().error(long.trim_end().to_string());
    let s = screen(&mut app, 80, 24);
    assert!(s.lines().nth(22).unwrap().ends_with("… M messages"), "{s}");
    app.state_mut().info("Sorted by name");
    key(&mut app, KeyCode::Char('M'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Messages, newest first"), "{s}");
    let text = flat(&s);
    assert!(text.find("Sorted by name").unwrap() < text.find("✗ Saved").unwrap());
    assert!(text.contains(long.trim_end()), "{s}");
    key(&mut app, KeyCode::Esc);
    assert!(app.state().overlay.is_none());
}

#[test]
fn timeline_title_names_the_account_and_the_score_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('3'));
    let s = screen(&mut app, 80, 24);
    assert!(s.starts_with("┌ Timeline · ACME "), "{s}");
    key(&mut app, KeyCode::Char('2'));
    let s = screen(&mut app, 160, 120);
    // Every criterion line: score × share% = contribution, and it holds.
    let mut seen = 0;
    for l in s.lines().filter(|l| l.contains(" × ")) {
        let nums: Vec<f64> = l
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter_map(|t| t.parse().ok())
            .collect();
        let n = nums.len();
        let (score, pct, contrib) = (nums[n - 3], nums[n - 2], nums[n - 1]);
        assert!(l.contains('%'), "{l}");
        assert!((score * pct / 100.0 - contrib).abs() < 0.06, "{l}");
        seen += 1;
    }
    assert!(seen >= 3, "{s}");
}

#[test]
fn a_touch_logged_from_a_follow_up_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut o = opts();
    o.agenda = true;
    let mut app = App::new(&mut book, &o);
    let row = app
        .state()
        .agenda
        .rows
        .iter()
        .position(|r| r.item.follow_up.is_some())
        .unwrap();
    for _ in 0..row {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char('t'));
    ctrl(&mut app, 's');
    assert!(app.state().overlay.is_none());
    let acme = id(&app, "ACME");
    let fu = &app.backend().followups_of(acme).unwrap()[0];
    assert_eq!(fu.done_at, Some(today()), "the follow-up is done");
    assert!(
        app.state()
            .agenda
            .rows
            .iter()
            .all(|r| r.item.follow_up.is_none())
    );
    let s = screen(&mut app, 100, 30);
    assert!(line_with(&s, "Saved").contains("follow-up done"), "{s}");
}

#[test]
fn follow_up_dates_in_the_past_are_marked_on_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    let acme = id(&app, "ACME");
    let before = app.backend().followups_of(acme).unwrap().len();
    // u: due → clear it and type yesterday.
    key(&mut app, KeyCode::Char('u'));
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2025-02-28");
    ctrl(&mut app, 's');
    let s = screen(&mut app, 100, 30);
    assert!(
        line_with(&s, "Due").contains("2025-02-28 is in the past"),
        "{s}"
    );
    assert_eq!(app.backend().followups_of(acme).unwrap().len(), before);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.state().overlay.is_none());

    // t: a call today with a follow-up the day before.
    key(&mut app, KeyCode::Char('t'));
    for _ in 0..8 {
        key(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "2025-02-28");
    ctrl(&mut app, 's');
    let s = screen(&mut app, 100, 30);
    assert!(
        line_with(&s, "Follow up on").contains("before the interaction's date"),
        "{s}"
    );
    assert!(app.state().overlay.is_some(), "nothing is lost");
}

#[test]
fn survey_scores_and_future_dates_are_refused_on_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    let acme = id(&app, "ACME");
    let before = app.backend().interactions_of(acme).unwrap().len();
    // t: a timeline entry; the kind becomes a survey scored 9.
    key(&mut app, KeyCode::Char('t'));
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "survey");
    for _ in 0..7 {
        key(&mut app, KeyCode::Tab);
    }
    typ(&mut app, "9");
    ctrl(&mut app, 's');
    let s = screen(&mut app, 100, 30);
    assert!(
        line_with(&s, "Satisfaction").contains("'9' is not a satisfaction 1–5"),
        "{s}"
    );
    // A score on the scale, but the entry dated tomorrow.
    key(&mut app, KeyCode::Backspace);
    typ(&mut app, "4");
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2025-03-02");
    ctrl(&mut app, 's');
    let s = screen(&mut app, 100, 30);
    assert!(
        s.contains("✗ 2025-03-02 is in the future (today is 2025-03-01)"),
        "{s}"
    );
    assert_eq!(app.backend().interactions_of(acme).unwrap().len(), before);
    assert!(app.state().overlay.is_some(), "nothing is lost");
}
