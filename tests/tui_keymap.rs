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
