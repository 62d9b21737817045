//! Shared by the TUI tests: a real sled store in a temp dir with a small
//! deterministic dataset, a fixed as-of date and a fixed user name.
#![allow(dead_code)]

pub mod counting;

use chrono::NaiveDate;
use kam::book::Book;
use kam::clock::Clock;
use kam::domain::{
    Account, AccountId, Contact, ContactRole, FollowUp, FollowUpId, Interaction, InteractionKind,
    Money, Ratings,
};
use kam::store::Store;
use kam::tui::{App, RunOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const USER: &str = "li";

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn account(key: &str, name: &str, owner: &str, region: &str) -> Account {
    Account {
        key: key.into(),
        name: name.into(),
        owner: owner.into(),
        region: region.into(),
        industry: "manufacturing".into(),
        since: Some(d(2022, 1, 10)),
        ratings: Ratings {
            potential: Some(3),
            loyalty: Some(3),
            strategic_fit: Some(3),
            tech_cooperation: Some(3),
        },
        ..Default::default()
    }
}

fn order(a: AccountId, day: NaiveDate, units: i64, paid: bool) -> Interaction {
    let mut i = Interaction::new(a, InteractionKind::Order, day);
    i.amount = Some(Money::from_units(units));
    i.margin = Some(Money::from_units(units / 5));
    i.due = day.checked_add_days(chrono::Days::new(30));
    i.paid_at = if paid { i.due } else { None };
    i.summary = format!("Order of {units}");
    i.author = USER.into();
    i
}

fn id_of(book: &Book, key: &str) -> AccountId {
    book.account_by_key(key).unwrap().id
}

/// Five accounts with orders, contacts, a complaint and a follow-up.
pub fn book(dir: &std::path::Path) -> Book {
    let store = Store::open(dir).unwrap();
    let mut book = Book::open(store, Clock::fixed(today()), USER).unwrap();
    let mut acme = account("ACME", "Acme Industrial", USER, "East");
    acme.tags = vec!["vip".into()];
    acme.ratings.potential = Some(4);
    acme.profile.background = "Maker of industrial pumps.\nThree plants.".into();
    let accounts = [
        acme,
        account("HUAWEI", "华为技术有限公司", USER, "South"),
        account("GLOBEX", "Globex Corp", "zhang", "West"),
        account("INITECH", "Initech", USER, "North"),
        account("UMBRELLA", "Umbrella Trading", "wang", "East"),
    ];
    for a in accounts {
        book.save_account(a).unwrap();
    }
    let acme = id_of(&book, "ACME");
    let huawei = id_of(&book, "HUAWEI");
    let globex = id_of(&book, "GLOBEX");
    let umbrella = id_of(&book, "UMBRELLA");
    for (a, units, n) in [
        (acme, 400_000, 6),
        (huawei, 150_000, 4),
        (globex, 20_000, 2),
        (umbrella, 60_000, 3),
    ] {
        for k in 0..n {
            let day = d(2024, 4, 1) + chrono::Days::new(45 * k);
            book.add_interaction(order(a, day, units, true)).unwrap();
        }
    }
    // Globex has not paid its last order.
    book.add_interaction(order(globex, d(2025, 1, 5), 20_000, false))
        .unwrap();
    let mut visit = Interaction::new(acme, InteractionKind::Visit, d(2025, 2, 10));
    visit.summary = "Quarterly review with the plant manager".into();
    visit.author = USER.into();
    book.add_interaction(visit).unwrap();
    let mut complaint = Interaction::new(umbrella, InteractionKind::Complaint, d(2025, 2, 26));
    complaint.summary = "Late delivery of batch 7".into();
    complaint.author = "wang".into();
    book.add_interaction(complaint).unwrap();
    for (name, role, primary, backup) in [
        ("Wang Fang", ContactRole::Executive, true, false),
        ("Zhao Lei", ContactRole::Procurement, false, true),
    ] {
        book.save_contact(Contact {
            account: acme,
            name: name.into(),
            title: "Director".into(),
            role,
            primary,
            backup,
            ..Default::default()
        })
        .unwrap();
    }
    book.save_followup(FollowUp {
        id: FollowUpId(0),
        version: 0,
        account: acme,
        due: d(2025, 2, 25),
        assignee: USER.into(),
        note: "Send the price list".into(),
        done_at: None,
    })
    .unwrap();
    book
}

pub fn opts() -> RunOptions {
    RunOptions {
        db_label: "test.db".into(),
        agenda: false,
        keymap_path: None,
        color: Some(false),
        draft_path: None,
        config_path: None,
        views_path: None,
    }
}

pub fn key(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub fn ctrl(app: &mut App, c: char) {
    app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn typ(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The list row on screen with `key`, if the page holds it.
pub fn row_shown<'a>(app: &'a App, key: &str) -> Option<&'a kam::book::query::AccountRow> {
    app.state().list.rows.iter().find(|r| &*r.text.key == key)
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.resize(w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        // A wide (CJK) symbol covers the next cell: skip it, as a terminal does.
        let mut skip = 0usize;
        for x in 0..w {
            let sym = buf[(x, y)].symbol();
            if skip == 0 {
                line.push_str(sym);
            }
            skip = skip
                .max(unicode_width::UnicodeWidthStr::width(sym))
                .saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
