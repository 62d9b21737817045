//! The server's housekeeping around writes, off their path where it can
//! be: the daily restore point before the first write of a day, and the
//! agenda calendars rewritten after writes.

use super::restore_points;
use super::server::lock;
use crate::book::Book;
use crate::commands as exec;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The shortest time between two rewrites of the agenda calendars after
/// writes (longer on a book whose agenda takes long to gather).
pub(super) const CALENDARS_EVERY: Duration = Duration::from_secs(2);

/// A restore point if one is due (see `restore_points`); a failure is
/// logged, never the client's failure.
pub(super) fn take_restore_point(book: &Book, keep: usize, group_shared: bool) {
    match restore_points::take_if_due(book, keep, group_shared, chrono::Utc::now()) {
        Ok(Some(path)) => eprintln!("kam server: restore point {}", path.display()),
        Ok(None) => {}
        Err(e) => eprintln!("kam server: restore point failed: {e}"),
    }
}

/// Rewrites the `agenda-<user>.ics` files in the database directory after
/// a write, for calendar programs subscribed to them. A failure is logged:
/// the write itself stands. Returns how long the book was held.
pub(super) fn refresh_calendars(book: &Mutex<Book>, db: &Path) -> Duration {
    let start = Instant::now();
    let gathered = {
        let book = lock(book);
        if book.accounts_map().is_empty() {
            return start.elapsed();
        }
        exec::ics::calendars_of(&book)
    };
    let held = start.elapsed();
    super::server::log_if_slow("agenda calendars", start);
    // Rendered and written with the book released: writes go on meanwhile.
    if let Err(e) = gathered.and_then(|c| c.write(db)) {
        eprintln!("kam server: cannot update the agenda calendars: {e}");
    }
    held
}
