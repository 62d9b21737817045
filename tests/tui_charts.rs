//! The charts (issue 12): the profile's monthly revenue and the matrix's
//! tier bars and Pareto curve. The 80×24 and 200×50 snapshots of the panes
//! (drawn without colour, as with `NO_COLOR`) are in `tui_snapshots`; here:
//! the figures they draw, and that they give way on a small terminal
//! instead of squeezing.

mod tui_common;

use kam::tui::App;
use ratatui::crossterm::event::KeyCode;
use tui_common::*;

fn app_screen(keys: &[char], w: u16, h: u16) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    for k in keys {
        key(&mut app, KeyCode::Char(*k));
    }
    screen(&mut app, w, h)
}

#[test]
fn the_profile_chart_shows_the_year_and_the_glance() {
    let s = app_screen(&['2'], 80, 24);
    // ACME: six orders of 400,000 in the last 12 months, none before.
    assert!(
        s.contains("Revenue by month · last 12: 2,400,000.00 (no prior year)"),
        "{s}"
    );
    assert!(
        s.contains("6 orders · 0 payments (0) · nothing overdue"),
        "{s}"
    );
    assert!(s.contains("2023-04") && s.contains("2025-03"), "{s}");
    assert!(s.contains('█'), "bars drawn:\n{s}");
    // GLOBEX has an unpaid order: the glance says so.
    let dir = tempfile::tempdir().unwrap();
    let mut book = book(dir.path());
    let mut app = App::new(&mut book, &opts());
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "globex");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('2'));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("overdue 20.0k, 25 days"), "{s}");
}

#[test]
fn the_matrix_charts_show_tiers_and_the_pareto_share() {
    let s = app_screen(&['4'], 80, 24);
    assert!(
        s.contains("Accounts per tier") && s.contains("DEV 4"),
        "{s}"
    );
    assert!(s.contains("Pareto · top 20% = 74%"), "{s}");
    assert!(s.contains('•'), "the 20% line is marked:\n{s}");
}

#[test]
fn charts_give_way_on_a_small_terminal() {
    let profile = app_screen(&['2'], 60, 15);
    assert!(!profile.contains("Revenue by month"), "{profile}");
    assert!(profile.contains("ACME  Acme Industrial"), "{profile}");
    let matrix = app_screen(&['4'], 60, 15);
    assert!(
        !matrix.contains("Pareto") && !matrix.contains("Accounts per tier"),
        "{matrix}"
    );
    assert!(matrix.contains("DEV Development"), "{matrix}");
    // Every line stays inside the screen.
    for l in profile.lines().chain(matrix.lines()) {
        assert!(kam::domain::text::width(l) <= 60, "{l}");
    }
}
