//! The agenda as an iCalendar file (RFC 5545): `kam agenda --ics`, and the
//! `agenda-<user>.ics` files the server keeps current in the database
//! directory for a calendar program to subscribe to.
//!
//! Every item is an all-day VEVENT (calendar programs that subscribe to a
//! file show events; many ignore VTODO). Overdue items sit on the agenda's
//! date, the day they should be done, with the original due date in the
//! description. UIDs are built from what the item is about, so the same
//! follow-up keeps its UID when the file is rewritten.

use super::report::AccountLookup;
use crate::book::Book;
use crate::book::query::RowTexts;
use crate::segment::AgendaItem;
use crate::transfer::contentline::{escape, fold};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A stable identifier for an agenda item.
pub fn uid(item: &AgendaItem) -> String {
    let mut uid = format!("kam-{}", item.kind.as_str());
    if let Some(f) = item.flag {
        uid.push('-');
        uid.push_str(f.as_str());
    }
    uid.push_str(&format!("-a{}", item.account.0));
    if let Some(f) = item.follow_up {
        uid.push_str(&format!("-f{}", f.0));
    }
    if let Some(i) = item.interaction {
        uid.push_str(&format!("-i{}", i.0));
    }
    // An account's key dates differ by the day they fall on.
    if item.kind == crate::segment::AgendaKind::KeyDate {
        uid.push_str(&format!("-d{}", item.due.format("%Y%m%d")));
    }
    uid.push_str("@kam");
    uid
}

fn day(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The calendar of `items` as of `as_of`.
pub fn calendar(
    lookup: &impl AccountLookup,
    as_of: NaiveDate,
    owner: Option<&str>,
    items: &[AgendaItem],
) -> String {
    let mut out = String::new();
    let mut line = |l: String| out.push_str(&fold(&l));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//kam//agenda//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!(
        "X-WR-CALNAME:{}",
        escape(&match owner {
            Some(o) => format!("kam agenda ({o})"),
            None => "kam agenda".to_string(),
        })
    ));
    for i in items {
        let (key, name) = lookup.label(i.account).unwrap_or(("?", ""));
        let what = match i.flag {
            Some(f) => f.as_str(),
            None => i.kind.as_str(),
        };
        let mut summary = format!("{key} {name}: {what}");
        if !i.text.is_empty() {
            summary.push_str(" — ");
            summary.push_str(&i.text);
        }
        let mut description = format!("{what} · tier {} · due {}", i.tier, i.due);
        if i.days_late > 0 {
            description.push_str(&format!(" ({} days late)", i.days_late));
        }
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", uid(i)));
        line(format!("DTSTAMP:{}T000000Z", day(as_of)));
        line(format!("DTSTART;VALUE=DATE:{}", day(i.due.max(as_of))));
        line(format!("SUMMARY:{}", escape(&summary)));
        line(format!("DESCRIPTION:{}", escape(&description)));
        line(format!("CATEGORIES:{}", escape(what)));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// A name safe for a file: letters, digits, `.`, `_` and `-`.
fn file_safe(user: &str) -> String {
    user.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The calendar file of `user` in the database directory `dir`.
pub fn agenda_file(dir: &Path, user: &str) -> PathBuf {
    dir.join(format!("agenda-{}.ics", file_safe(user)))
}

/// Rewrites `agenda-<owner>.ics` for every account owner, each atomically
/// (a calendar program never reads half a file). One agenda for everyone,
/// split by owner: a write by one user can move another's agenda.
pub fn write_agenda_files(book: &Book, dir: &Path) -> std::io::Result<()> {
    calendars_of(book)?.write(dir)
}

/// Written beside the calendars once all of them are: the day and the
/// change log's seq they show. A server starting on a book whose calendars
/// are current leaves them (gathering them holds the book for half a second
/// or more at 100k accounts, just when a session starts).
const STAMP_FILE: &str = "agenda-calendars.stamp";

/// What the calendars of `book` as it is now would be stamped with.
fn stamp_of(book: &Book) -> std::io::Result<String> {
    let seq = book
        .last_seq()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(format!("{} {seq}", book.today()))
}

/// True when the calendar files in `dir` show `book` as it is now (the
/// same day and no change since they were written).
pub fn calendars_current(book: &Book, dir: &Path) -> bool {
    let written = std::fs::read_to_string(dir.join(STAMP_FILE));
    matches!((written, stamp_of(book)), (Ok(w), Ok(now)) if w.trim() == now)
}

/// What the agenda calendars need from the book, taken out of it: the
/// server gathers this while it holds the book and groups, renders and
/// writes after letting go (at 100k accounts that is seconds of work no
/// write should wait behind).
pub struct Calendars {
    stamp: String,
    today: NaiveDate,
    items: Vec<AgendaItem>,
    /// Every account's key, name and owner, as the book's list rows keep
    /// them (shared, not copied).
    texts: Arc<RowTexts>,
}

/// Gathers every owner's agenda (owners without items get an empty
/// calendar, so a cleared agenda empties the file too).
pub fn calendars_of(book: &Book) -> std::io::Result<Calendars> {
    let items = book
        .agenda_shared(None)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    calendars_from(book, items.as_ref().clone())
}

/// The calendars of `items`, the whole book's agenda as `book` stands
/// (gathered by `Book::agenda(None)` or by parts, `Book::gather_agenda`).
pub fn calendars_from(book: &Book, items: Vec<AgendaItem>) -> std::io::Result<Calendars> {
    Ok(Calendars {
        stamp: stamp_of(book)?,
        today: book.today(),
        items,
        texts: book.row_texts().map_err(std::io::Error::other)?,
    })
}

impl Calendars {
    /// Renders and writes `agenda-<owner>.ics` for every owner, then the
    /// stamp that says which state of the book they show.
    pub fn write(self, dir: &Path) -> std::io::Result<()> {
        let write = |path: &Path, text: &str| {
            crate::transfer::export::write_atomically(path, &mut |w| {
                std::io::Write::write_all(w, text.as_bytes())
            })
        };
        let Calendars {
            stamp,
            today,
            items,
            texts,
        } = self;
        for (owner, items) in &by_owner(&texts, items) {
            // Keys and names from the rows' text: a copy of every named
            // account was 70 MB at 100k accounts, at the server's peak.
            let text = calendar(&*texts, today, Some(owner), items);
            let path = agenda_file(dir, owner);
            // Most writes leave most owners' calendars as they were. Each is
            // ~10 MB at 100k accounts, written with a sync; rewriting all of
            // them after every burst of writes made the store's own syncs
            // wait behind them (orders acknowledged in 1.6-2 s instead of
            // 15 ms, every few seconds).
            if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
                continue;
            }
            write(&path, &text)?;
        }
        write(&dir.join(STAMP_FILE), &stamp)
    }
}

/// `items` per owner: every owner of an account, with items or not.
fn by_owner(texts: &RowTexts, items: Vec<AgendaItem>) -> BTreeMap<String, Vec<AgendaItem>> {
    let mut by_owner: BTreeMap<String, Vec<AgendaItem>> = BTreeMap::new();
    for (_, t) in texts.iter() {
        if !t.owner.is_empty() && !by_owner.contains_key(&*t.owner) {
            by_owner.insert(t.owner.to_string(), Vec::new());
        }
    }
    for item in items {
        if let Some(t) = texts.text_of(item.account)
            && let Some(list) = by_owner.get_mut(&*t.owner)
        {
            list.push(item);
        }
    }
    by_owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Account;

    /// Calendars written for a state of the book are current for it, not
    /// after a change nor on another day.
    #[test]
    fn calendars_are_current_until_the_book_or_the_day_changes() {
        use crate::book::WriteOp;
        use crate::clock::Clock;
        use crate::domain::{Interaction, InteractionKind};
        let dir = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let acme = store
            .insert_account(Account {
                key: "ACME".into(),
                name: "Acme".into(),
                owner: "ann".into(),
                ..Account::default()
            })
            .unwrap();
        let mut book = Book::open(store, Clock::fixed(day), "ann").unwrap();
        assert!(!calendars_current(&book, dir.path()), "none written yet");
        calendars_of(&book).unwrap().write(dir.path()).unwrap();
        assert!(agenda_file(dir.path(), "ann").exists());
        assert!(calendars_current(&book, dir.path()));
        let call = Interaction::new(acme.id, InteractionKind::Call, day);
        book.execute(WriteOp::AddInteraction { interaction: call }, None)
            .unwrap();
        assert!(!calendars_current(&book, dir.path()), "a change since");
        calendars_of(&book).unwrap().write(dir.path()).unwrap();
        assert!(calendars_current(&book, dir.path()));
        let store = book.store().clone();
        drop(book);
        let next_day = Book::open(store, Clock::fixed(day.succ_opt().unwrap()), "ann").unwrap();
        assert!(!calendars_current(&next_day, dir.path()), "another day");
    }

    /// A calendar whose text did not change is left as it is (not written
    /// again); one that changed is replaced.
    #[test]
    fn only_changed_calendars_are_written_again() {
        use crate::book::WriteOp;
        use crate::clock::Clock;
        use crate::domain::{Interaction, InteractionKind};
        let dir = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let mut ids = Vec::new();
        for (key, owner) in [("ACME", "ann"), ("INITECH", "bob")] {
            let a = store
                .insert_account(Account {
                    key: key.into(),
                    name: key.into(),
                    owner: owner.into(),
                    ..Account::default()
                })
                .unwrap();
            ids.push(a.id);
        }
        let mut book = Book::open(store, Clock::fixed(day), "ann").unwrap();
        calendars_of(&book).unwrap().write(dir.path()).unwrap();
        let inode = |owner: &str| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(agenda_file(dir.path(), owner))
                .unwrap()
                .ino()
        };
        let (ann, bob) = (inode("ann"), inode("bob"));
        let before = std::fs::read_to_string(agenda_file(dir.path(), "ann")).unwrap();
        // A touch on ann's account: her cadence line goes, bob's stays.
        let call = Interaction::new(ids[0], InteractionKind::Call, day);
        book.execute(WriteOp::AddInteraction { interaction: call }, None)
            .unwrap();
        calendars_of(&book).unwrap().write(dir.path()).unwrap();
        let after = std::fs::read_to_string(agenda_file(dir.path(), "ann")).unwrap();
        assert_ne!(after, before);
        assert_ne!(inode("ann"), ann, "a changed calendar is replaced");
        assert_eq!(inode("bob"), bob, "an unchanged one is left");
        assert!(calendars_current(&book, dir.path()));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            agenda_file(Path::new("/db"), "ann/../x y"),
            Path::new("/db/agenda-ann_.._x_y.ics")
        );
    }
}
