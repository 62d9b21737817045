//! Keymap fixtures: a user file over the defaults, and every kind of error
//! reported with file:line: reason while the valid entries still apply.

use kam::tui::keymap::{Action, Context, KeySeq, Keymap, Lookup, check};
use std::path::PathBuf;

fn fixture(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let p = dir.path().join("keymap.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn keys(s: &str) -> Vec<kam::tui::keymap::KeyChord> {
    KeySeq::parse(s).unwrap().0
}

#[test]
fn valid_override_replaces_only_listed_actions() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(
        &dir,
        "[global]\nquit = [\"ctrl-q\", \"Q\"]\n\n[list]\nsort_next = \"o\"\n",
    );
    assert!(check(&p).is_empty());
    let (map, errs) = Keymap::load(Some(&p));
    assert!(errs.is_empty(), "{errs:?}");
    // The listed action lost its default key and got the new ones.
    assert_eq!(map.lookup(Context::List, &keys("q")), Lookup::None);
    assert_eq!(
        map.lookup(Context::List, &keys("ctrl-q")),
        Lookup::Action(Action::Quit)
    );
    assert_eq!(
        map.lookup(Context::List, &keys("o")),
        Lookup::Action(Action::SortNext)
    );
    assert_eq!(map.lookup(Context::List, &keys("s")), Lookup::None);
    // Actions not listed keep their defaults.
    assert_eq!(
        map.lookup(Context::List, &keys("j")),
        Lookup::Action(Action::Down)
    );
    assert_eq!(map.hint(Context::List, Action::Help).as_deref(), Some("?"));
}

#[test]
fn user_binding_takes_a_key_from_a_default_action() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[list]\nedit = \"j\"\n");
    let (map, errs) = Keymap::load(Some(&p));
    // Taking a global key is allowed but worth knowing about.
    let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        vec![format!(
            "{}:2: 'j' in [list] hides the global 'down'; it applies, so 'down' still has 'down' there",
            p.display()
        )]
    );
    assert_eq!(
        map.lookup(Context::List, &keys("j")),
        Lookup::Action(Action::Edit)
    );
    // `down` keeps its other key.
    assert_eq!(
        map.lookup(Context::List, &keys("down")),
        Lookup::Action(Action::Down)
    );
}

#[test]
fn unknown_action_is_reported_with_line_and_rest_applies() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[list]\nedit = \"E\"\nfrobnicate = \"x\"\n");
    let errs = check(&p);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let msg = errs[0].to_string();
    assert!(
        msg.starts_with(&format!("{}:3: unknown action 'frobnicate'", p.display())),
        "{msg}"
    );
    let (map, _) = Keymap::load(Some(&p));
    assert_eq!(
        map.lookup(Context::List, &keys("E")),
        Lookup::Action(Action::Edit)
    );
}

#[test]
fn bad_key_is_reported_with_line_and_rest_applies() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(
        &dir,
        "[agenda]\nmark_done = [\"x\", \"ctrl-\"]\nsnooze_day = \"hyperkey\"\nopen = \"o\"\n",
    );
    let errs = check(&p);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].line, 2);
    assert!(errs[0].reason.contains("ctrl-"), "{}", errs[0]);
    assert_eq!(errs[1].line, 3);
    assert!(errs[1].reason.contains("not a key name"), "{}", errs[1]);
    let (map, _) = Keymap::load(Some(&p));
    // The valid key of the half-valid entry and the other entries apply.
    assert_eq!(
        map.lookup(Context::Agenda, &keys("x")),
        Lookup::Action(Action::MarkDone)
    );
    assert_eq!(
        map.lookup(Context::Agenda, &keys("o")),
        Lookup::Action(Action::Open)
    );
}

#[test]
fn duplicate_binding_is_dropped_for_both_and_they_keep_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[agenda]\nsnooze_day = \"s\"\nmark_done = \"s\"\n");
    let errs = check(&p);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let msg = errs[0].to_string();
    assert!(
        msg.starts_with(&format!(
            "{}:3: key 's' is bound to both 'snooze_day' (line 2) and 'mark_done' in [agenda]",
            p.display()
        )),
        "{msg}"
    );
    let (map, _) = Keymap::load(Some(&p));
    // Neither clashing entry applies: both actions keep their default keys.
    assert_eq!(
        map.lookup(Context::Agenda, &keys("d")),
        Lookup::Action(Action::MarkDone)
    );
    assert_eq!(
        map.lookup(Context::Agenda, &keys("z")),
        Lookup::Action(Action::SnoozeDay)
    );
    assert_eq!(map.lookup(Context::Agenda, &keys("s")), Lookup::None);
    assert_eq!(
        map.hint(Context::Agenda, Action::MarkDone).as_deref(),
        Some("d")
    );
}

#[test]
fn a_clash_drops_only_the_clashing_key_of_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(
        &dir,
        "[matrix]\nmark_review = \"m\"\n\nfilter_cell = [\"enter\", \"m\"]\n",
    );
    let errs = check(&p);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].line, 4);
    assert!(
        errs[0]
            .reason
            .contains("bound to both 'mark_review' (line 2) and 'filter_cell'"),
        "{}",
        errs[0]
    );
    let (map, _) = Keymap::load(Some(&p));
    assert_eq!(map.lookup(Context::Matrix, &keys("m")), Lookup::None);
    // mark_review lost its only key, so it keeps the default.
    assert_eq!(
        map.lookup(Context::Matrix, &keys("r")),
        Lookup::Action(Action::MarkReview)
    );
    assert_eq!(
        map.lookup(Context::Matrix, &keys("enter")),
        Lookup::Action(Action::FilterCell)
    );
}

#[test]
fn an_empty_list_unbinds_but_a_wrong_value_keeps_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[agenda]\nmark_done = []\nsnooze_day = 5\n");
    let (map, errs) = Keymap::load(Some(&p));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(map.lookup(Context::Agenda, &keys("d")), Lookup::None);
    assert_eq!(
        map.lookup(Context::Agenda, &keys("z")),
        Lookup::Action(Action::SnoozeDay)
    );
}

#[test]
fn sequence_prefix_clash_and_bad_sections_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(
        &dir,
        "[list]\nedit = \"x\"\nopen = \"x y\"\n[lists]\nquit = \"q\"\n[form]\nsave = 5\n",
    );
    let errs = check(&p);
    let lines: Vec<_> = errs.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 7], "{errs:?}");
    assert!(errs[1].reason.contains("unknown section [lists]"));
    assert!(errs[2].reason.contains("key string"));
}

#[test]
fn broken_toml_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[list]\nedit = \"e\"\nopen = \n");
    let errs = check(&p);
    assert!(!errs.is_empty());
    assert_eq!(errs[0].line, 3, "{errs:?}");
    assert!(errs[0].reason.contains("not valid TOML"));
}

#[test]
fn broken_toml_reports_only_the_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[x\nquit = \"Q\"\n");
    let errs = check(&p);
    assert!(!errs.is_empty());
    for e in &errs {
        assert!(e.reason.starts_with("not valid TOML"), "{errs:?}");
    }
    assert!(!errs.iter().any(|e| e.reason.contains("unknown section")));
}

#[test]
fn missing_file_is_an_error_for_check_but_not_for_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nope.toml");
    assert_eq!(check(&p).len(), 1);
    let (_, errs) = Keymap::load(Some(&p));
    assert!(errs.is_empty());
}

#[test]
fn check_reports_a_pane_key_that_hides_quit() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, "[list]\nedit = \"q\"\n");
    let msgs: Vec<String> = check(&p).iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        vec![format!(
            "{}:2: 'q' in [list] hides the global 'quit'; it applies, so 'quit' has no key there",
            p.display()
        )]
    );
    let (map, _) = Keymap::load(Some(&p));
    assert_eq!(
        map.lookup(Context::List, &keys("q")),
        Lookup::Action(Action::Edit)
    );
}

// ---------------------------------------------------------------------------
// The action table against the app: where an action works.

mod tui_common;

use kam::tui::App;
use kam::tui::app::State;
use kam::tui::keymap::Place;
use kam::tui::status::place;
use ratatui::crossterm::event::KeyEvent;

/// Presses the keys named in `seq` (`"5 j"`, `"n X esc"`).
fn press(app: &mut App, seq: &str) {
    if seq.is_empty() {
        return;
    }
    for chord in KeySeq::parse(seq).unwrap().0 {
        app.key(KeyEvent::new(chord.code, chord.mods));
    }
}

/// Ways to reach each place from a fresh app with the default keys: at the
/// top and away from it, so every move has room somewhere.
fn setups(place: Place) -> &'static [&'static str] {
    match place {
        Place::List => &["", "j j"],
        Place::Profile => &["2", "2 j j j"],
        Place::Timeline => &["3", "3 j j"],
        Place::Matrix => &["4", "4 j l"],
        Place::Agenda => &["5", "5 j"],
        Place::Help => &["?", "? j"],
        Place::History => &["H", "H j"],
        Place::Notice => &["s s s M", "s s s M j"],
        // The last: on the interaction's summary, a multi-line field.
        Place::Form => &["n", "n tab", "i tab tab"],
        Place::Search => &["/ e", "/ e ctrl-n"],
        Place::Filter => &["f"],
        Place::Confirm => &["n X esc"],
        Place::Report => &["6", "6 j"],
        // Two old pins are due (see `prepare`); the third setup is the summary.
        Place::Review => &["R", "R c", "R s s"],
        Place::Merge => &["m g l o b e x enter", "m g l o b e x enter j l"],
        // Two key dates of every account (see `prepare`): at the top and below.
        Place::KeyDates => &["2 K", "2 K j"],
    }
}

/// What a place needs in the book beyond the common fixture: the review
/// needs accounts due for it (pins older than the review period), the key
/// dates window dates to move through.
fn prepare(place: Place, book: &mut kam::book::Book) {
    if place == Place::KeyDates {
        let ids: Vec<_> = book.accounts_map().unwrap().keys().copied().collect();
        for account in ids {
            for (kind, on) in [
                (
                    kam::domain::KeyDateKind::Renewal,
                    tui_common::d(2025, 6, 30),
                ),
                (kam::domain::KeyDateKind::Expiry, tui_common::d(2025, 9, 30)),
            ] {
                let key_date = kam::domain::KeyDate {
                    id: 0,
                    account,
                    kind,
                    on,
                    lead_days: 30,
                    note: String::new(),
                };
                book.execute(kam::book::WriteOp::SaveKeyDate { key_date }, None)
                    .unwrap();
            }
        }
        return;
    }
    if place != Place::Review {
        return;
    }
    for key in ["ACME", "GLOBEX"] {
        let mut a = book.account_by_key(key).unwrap().into_owned();
        let tier = book.engine().tier(a.id).unwrap();
        a.pin = Some(Box::new(kam::domain::TierPin {
            tier,
            reason: "set long ago".into(),
            by: "li".into(),
            at: tui_common::d(2024, 1, 1),
        }));
        book.save_account(a).unwrap();
    }
}

/// The state as text, without the keymap (the probe binds a key in it).
fn shot(state: &State) -> String {
    let mut s = state.clone();
    s.keymap = Keymap::default();
    format!("{s:?}")
}

/// The state after pressing a key bound to `action` in the section that
/// serves `base`'s place.
fn after(app: &mut App, base: &State, section: Context, action: Action) -> String {
    *app.state_mut() = base.clone();
    let probe = KeySeq::parse("f12").unwrap();
    app.state_mut()
        .keymap
        .bind_unchecked(section, action, probe.clone());
    app.key(KeyEvent::new(probe.0[0].code, probe.0[0].mods));
    shot(app.state())
}

/// Every action in every place, through the real app on a real store: an
/// action the table lists for a place changes something there (in at least
/// one setup), and an action it does not list changes nothing — so a
/// keymap entry the loader accepts does something, and one it rejects
/// would not have. In a question, any other action answers like `no` (the
/// safe answer); the table lists only `yes` and `no` there.
#[test]
fn the_action_table_is_true_to_the_app() {
    let mut drift = Vec::new();
    for p in Place::ALL {
        let section = p.section();
        let mut changes: Vec<Action> = Vec::new();
        for setup in setups(p) {
            let dir = tempfile::tempdir().unwrap();
            let mut book = tui_common::book(dir.path());
            prepare(p, &mut book);
            let mut app = App::new(&mut book, &tui_common::opts());
            app.resize(120, 40);
            press(&mut app, setup);
            assert_eq!(place(app.state()), p, "setup {setup:?}");
            let base = app.state().clone();
            let unchanged = if p == Place::Confirm {
                after(&mut app, &base, section, Action::No)
            } else {
                shot(&base)
            };
            for a in Action::ALL {
                let changed = after(&mut app, &base, section, *a) != unchanged;
                if changed {
                    changes.push(*a);
                }
                if changed && !a.works(p) {
                    drift.push(format!(
                        "{a} changes {p:?} (setup {setup:?}) but the table says it does not work there"
                    ));
                }
            }
        }
        for a in Action::ALL.iter().filter(|a| a.works(p)) {
            // In a question `no` is the answer every other action gives.
            let is_the_default_answer = p == Place::Confirm && *a == Action::No;
            if !changes.contains(a) && !is_the_default_answer {
                drift.push(format!(
                    "the table says {a} works in {p:?}, but it changed nothing there"
                ));
            }
        }
    }
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}

/// The line `kam keymap check` and the start-up report give for a binding in
/// a section where the action does nothing.
fn matrix_mark_done_report(p: &std::path::Path) -> String {
    format!(
        "{}:3: [matrix] mark_done: this action does not work in matrix (it works in: agenda)",
        p.display()
    )
}

const MATRIX_MARK_DONE: &str = "[matrix]\nmark_review = \"m\"\nmark_done = \"x\"\n";

#[test]
fn keymap_check_rejects_a_binding_where_the_action_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = fixture(&dir, MATRIX_MARK_DONE);
    let out = assert_cmd::Command::cargo_bin("kam")
        .unwrap()
        .env("KAM_DB", dir.path().join("db"))
        .args(["keymap", "check"])
        .arg(&p)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&matrix_mark_done_report(&p)), "{stderr}");
    assert!(
        !stderr.contains("mark_review"),
        "the valid binding is not reported: {stderr}"
    );
    // The default keymap itself passes the same check.
    let default = fixture(&dir, kam::tui::keymap::DEFAULT_KEYMAP);
    assert_cmd::Command::cargo_bin("kam")
        .unwrap()
        .env("KAM_DB", dir.path().join("db"))
        .args(["keymap", "check"])
        .arg(&default)
        .assert()
        .success();
}

#[test]
fn the_start_up_report_shows_it_and_the_valid_bindings_apply() {
    let dir = tempfile::tempdir().unwrap();
    let km = fixture(&dir, MATRIX_MARK_DONE);
    let mut book = tui_common::book(&dir.path().join("db"));
    let mut o = tui_common::opts();
    o.keymap_path = Some(km.clone());
    let mut app = App::new(&mut book, &o);
    let errs: Vec<String> = app.keymap_errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs, vec![matrix_mark_done_report(&km)]);
    let s = tui_common::screen(&mut app, 80, 24);
    assert!(s.contains("1 keymap problem"), "{s}");
    // The window wraps the line at 80 columns: read it as one text.
    let flat: String = s
        .lines()
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("keymap.toml:3: [matrix] mark_done: this action does not work in matrix (it works in: agenda)"),
        "{s}"
    );
    // Acknowledged, the app runs on the valid bindings: `m` marks the review
    // in the matrix, `x` is nothing there, and help does not offer it.
    press(&mut app, "enter 4");
    assert!(app.state().overlay.is_none());
    let before = shot(app.state());
    press(&mut app, "x");
    assert_eq!(
        shot(app.state()),
        before,
        "x is bound to nothing in the matrix"
    );
    press(&mut app, "m");
    assert!(
        app.state()
            .message
            .as_ref()
            .unwrap()
            .text
            .starts_with("Review marked"),
        "{:?}",
        app.state().message
    );
    press(&mut app, "?");
    let help = tui_common::screen(&mut app, 120, 40);
    assert!(!help.contains("Mark the follow-up done"), "{help}");
    assert!(help.contains("Mark the tier review done"), "{help}");
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

/// The hint bar (the last line of the screen).
fn hint_bar(screen: &str) -> &str {
    screen.trim_end().lines().last().unwrap()
}

#[test]
fn rebinding_changes_the_press_text_the_hints_and_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let km = fixture(
        &dir,
        "[global]\nnew_account = \"N\"\n[list]\nsort_next = \"o\"\n",
    );
    let mut o = tui_common::opts();
    // With the defaults: "Press n".
    let store = kam::store::Store::open(&dir.path().join("empty")).unwrap();
    let mut empty = kam::book::Book::open(
        store,
        kam::clock::Clock::fixed(tui_common::today()),
        tui_common::USER,
    )
    .unwrap();
    let mut app = App::new(&mut empty, &o);
    let s = tui_common::screen(&mut app, 100, 30);
    assert!(s.contains("No accounts yet. Press n to add one"), "{s}");
    assert!(hint_bar(&s).contains("s sort next"), "{s}");
    // Rebound: "Press N", and `o` in the hint bar and the help.
    o.keymap_path = Some(km);
    let mut app = App::new(&mut empty, &o);
    assert!(app.keymap_errors.is_empty(), "{:?}", app.keymap_errors);
    let s = tui_common::screen(&mut app, 100, 30);
    assert!(s.contains("No accounts yet. Press N to add one"), "{s}");
    assert!(hint_bar(&s).contains("o sort next"), "{s}");
    assert!(!hint_bar(&s).contains("s sort next"), "{s}");
    press(&mut app, "?");
    let help = tui_common::screen(&mut app, 100, 40);
    assert!(line_with(&help, "New account").contains(" N "), "{help}");
    assert!(
        line_with(&help, "Sort by the next column").contains(" o "),
        "{help}"
    );
    // And N does what the text says.
    press(&mut app, "esc N");
    assert_eq!(place(app.state()), Place::Form);
    // Unbound, the text does not name a key that does nothing.
    std::fs::write(
        o.keymap_path.as_ref().unwrap(),
        "[global]\nnew_account = []\n",
    )
    .unwrap();
    let mut app = App::new(&mut empty, &o);
    let s = tui_common::screen(&mut app, 100, 30);
    assert!(!s.contains("Press"), "{s}");
    assert!(s.contains("bind new_account"), "{s}");
}

#[test]
fn hints_and_help_offer_only_what_works_in_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = tui_common::book(dir.path());
    let mut app = App::new(&mut book, &tui_common::opts());
    // `left`/`right` are [global] keys that only the matrix handles.
    press(&mut app, "?");
    let help = tui_common::screen(&mut app, 120, 50);
    assert!(!help.contains("Move left"), "{help}");
    // The help window's own hints: what works in it.
    assert_eq!(hint_bar(&help).trim(), "? help  esc back  q quit");
    press(&mut app, "esc 4 ?");
    let help = tui_common::screen(&mut app, 120, 50);
    assert!(line_with(&help, "Move left").contains("left, h"), "{help}");
    assert!(!help.contains("Sort by the next column"), "{help}");
    // In a form, the messages key is typed text: a cut message does not
    // point at it.
    press(&mut app, "esc 1 n");
    app.state_mut().error("x".repeat(300));
    let s = tui_common::screen(&mut app, 120, 40);
    assert!(!s.contains("M messages"), "{s}");
    press(&mut app, "esc");
    app.state_mut().error("x".repeat(300));
    let s = tui_common::screen(&mut app, 120, 40);
    assert!(s.contains("M messages"), "{s}");
}
