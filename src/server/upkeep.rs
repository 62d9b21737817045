//! The server's housekeeping around writes, off their path where it can
//! be: the daily restore point before the first write of a day, and the
//! agenda calendars rewritten after writes.

use super::restore_points;
use super::server::{Shared, lock};
use crate::book::{AgendaGathering, Book, Gathered};
use crate::commands as exec;
use crate::store::Store;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Accounts whose agenda items are gathered per hold of the book when the
/// calendars are rewritten (about 20 ms at 100k accounts on two cores).
const CALENDAR_PART: usize = 4096;

/// The shortest time between two rewrites of the agenda calendars after
/// writes (longer on a book whose agenda takes long to gather).
pub(super) const CALENDARS_EVERY: Duration = Duration::from_secs(2);

/// How long the clients must be quiet (no request, read or write) before
/// due calendars are gathered: after a write the open screens ask for its
/// delta at once, a user types on, and a part of the gathering holds the
/// book for 5–40 ms at 100k accounts. Calendar programs poll every few
/// minutes; they do not miss half a second.
pub(super) const CALENDARS_SETTLE: Duration = Duration::from_millis(400);

/// The longest the calendars wait for quiet clients once due.
pub(super) const CALENDARS_LONGEST: Duration = Duration::from_secs(10);

/// Whether the agenda calendars are due: since when, and when the last
/// request came since.
#[derive(Default)]
pub(super) struct CalendarsDue(Mutex<Option<(Instant, Instant)>>);

impl CalendarsDue {
    fn state(&self) -> MutexGuard<'_, Option<(Instant, Instant)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A write changed the book.
    pub(super) fn mark(&self) {
        self.mark_at(Instant::now());
    }

    fn mark_at(&self, now: Instant) {
        let mut s = self.state();
        *s = Some((s.map_or(now, |(since, _)| since), now));
    }

    /// A request came: if the calendars are due, they wait for quiet again.
    pub(super) fn busy(&self) {
        if let Some((_, last)) = self.state().as_mut() {
            *last = Instant::now();
        }
    }

    /// Due (or not) as of now, however the writes came.
    pub(super) fn set(&self, due: bool) {
        let now = Instant::now();
        *self.state() = due.then_some((now, now));
    }

    pub(super) fn is_due(&self) -> bool {
        self.state().is_some()
    }

    /// Whether to gather them at `now` (and then no longer due): the
    /// clients quiet for `CALENDARS_SETTLE`, or due for `CALENDARS_LONGEST`.
    pub(super) fn take_if_ready(&self, now: Instant) -> bool {
        let mut s = self.state();
        let ready = s.is_some_and(|(since, last)| {
            now.saturating_duration_since(last) >= CALENDARS_SETTLE
                || now.saturating_duration_since(since) >= CALENDARS_LONGEST
        });
        if ready {
            *s = None;
        }
        ready
    }
}

/// A restore point if one is due (see `restore_points`); a failure is
/// logged, never the client's failure.
pub(super) fn take_restore_point(store: &Store, keep: usize, group_shared: bool) {
    match restore_points::take_if_due(store, keep, group_shared, chrono::Utc::now()) {
        Ok(Some(path)) => eprintln!("kam server: restore point {}", path.display()),
        Ok(None) => {}
        Err(e) => eprintln!("kam server: restore point failed: {e}"),
    }
}

/// The day's restore point, if one is due, written on its own thread
/// from a second handle on the store. The write gate is closed
/// meanwhile: the copy is of one state, and clients read the book.
pub(super) fn start_restore_point(shared: &Arc<Shared>) -> Option<std::thread::JoinHandle<()>> {
    let shared = shared.clone();
    let store = {
        let book = lock(&shared.book);
        let store = book.store();
        match restore_points::wanted(store, shared.restore_points, chrono::Utc::now()) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => {
                eprintln!("kam server: restore point failed: {e}");
                return None;
            }
        }
        shared.gate.close(&book);
        store.clone()
    };
    Some(std::thread::spawn(move || {
        // Opens the gate however the copy ends (a panic too).
        struct Reopen(Arc<Shared>);
        impl Drop for Reopen {
            fn drop(&mut self) {
                self.0.gate.open(&self.0.book);
            }
        }
        let reopen = Reopen(shared);
        let s = &reopen.0;
        take_restore_point(&store, s.restore_points, s.group_shared);
    }))
}

/// Rewrites the `agenda-<user>.ics` files in the database directory after
/// a write, for calendar programs subscribed to them. A failure is logged:
/// the write itself stands. Returns how long the book was held in all.
///
/// The whole book's agenda is gathered `CALENDAR_PART` accounts at a time,
/// letting go of the book between parts: at 100k accounts it takes about
/// 0.6 s, which every request arriving meanwhile waited for. A write
/// between parts makes the gathering stale; that write has marked the
/// calendars due again, so they are gathered anew later.
pub(super) fn refresh_calendars(book: &Mutex<Book>, db: &Path) -> Duration {
    let mut held = Duration::ZERO;
    let mut gathering = None;
    let calendars = loop {
        let start = Instant::now();
        let book = lock(book);
        if gathering.is_none() && book.account_count().is_ok_and(|n| n == 0) {
            return start.elapsed();
        }
        let next = gather_part(&book, &mut gathering);
        drop(book);
        held += start.elapsed();
        super::server::log_if_slow("agenda calendars (a part)", start);
        match next {
            Ok(Gathered::Done(calendars)) => break Ok(calendars),
            Ok(Gathered::Stale) => return held,
            // A mutex is not fair: re-locking at once would starve the
            // requests waiting for the book; a pause lets them in first.
            Ok(Gathered::More) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => break Err(e),
        }
    };
    // Rendered and written with the book released, at a low priority: at
    // 100k accounts that is a core's work for over a second, which the
    // requests of the writes that made it due should not wait behind.
    let written = at_low_priority(|| calendars.and_then(|c| c.write(db)));
    if let Err(e) = written {
        eprintln!("kam server: cannot update the agenda calendars: {e}");
    }
    held
}

/// `f` on a thread of its own at a low scheduling priority (nice 10),
/// waited for. Only for work that holds no lock: a lock held at a low
/// priority would make everyone waiting for it wait longer.
fn at_low_priority<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            // SAFETY: changes the nice value of this thread only (on Linux
            // it is a per-thread attribute); a failure leaves it as it was.
            #[cfg(target_os = "linux")]
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
            }
            f()
        });
        crate::par::join(worker)
    })
}

/// One part of the calendars' gathering (started if `gathering` is none).
fn gather_part(
    book: &Book,
    gathering: &mut Option<AgendaGathering>,
) -> std::io::Result<Gathered<exec::ics::Calendars>> {
    let io = |e: crate::book::BookError| std::io::Error::other(e.to_string());
    let Some(g) = gathering else {
        // A hold of its own for the start: the accounts' list text, which
        // the calendars name (kept for lists too, but built afresh after an
        // account changed: 0.2-0.3 s at 100k accounts).
        *gathering = Some(book.gather_agenda().map_err(io)?);
        book.row_texts().map_err(io)?;
        return Ok(Gathered::More);
    };
    Ok(
        match book.gather_agenda_part(g, CALENDAR_PART).map_err(io)? {
            Gathered::More => Gathered::More,
            Gathered::Stale => Gathered::Stale,
            Gathered::Done(items) => Gathered::Done(exec::ics::calendars_from(book, items)?),
        },
    )
}

/// Where writes wait while the day's first restore point is copied from a
/// second handle on the store: the copy is of one state, and reads go on
/// meanwhile. (It takes about ten seconds at 100k accounts; under the book's
/// lock, every client's first screen of the day waited for it.)
#[derive(Default)]
pub(super) struct WriteGate {
    closed: AtomicBool,
    opened: Condvar,
}

impl WriteGate {
    /// Locks `book` for a write, once the gate is open. Waiting lets go of
    /// the book, so reads are served meanwhile.
    pub(super) fn lock<'a>(&self, book: &'a Mutex<Book>) -> MutexGuard<'a, Book> {
        self.opened
            .wait_while(lock(book), |_| self.closed.load(Ordering::SeqCst))
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the gate. The caller holds the book, so no write is running.
    pub(super) fn close(&self, _book: &MutexGuard<'_, Book>) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Opens the gate and wakes the waiting writes (under the book's lock,
    /// so that none misses the wake-up between its check and its wait).
    pub(super) fn open(&self, book: &Mutex<Book>) {
        let _book = lock(book);
        self.closed.store(false, Ordering::SeqCst);
        self.opened.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use std::sync::atomic::AtomicUsize;

    /// The calendars wait for the writes to settle, but not for ever, and
    /// are gathered once per time they became due.
    #[test]
    fn the_calendars_wait_for_quiet_clients_but_not_for_ever() {
        let due = CalendarsDue::default();
        assert!(!due.take_if_ready(Instant::now() + CALENDARS_LONGEST));
        due.mark();
        let first = Instant::now();
        assert!(due.is_due());
        // Just after a write: the open screens come first.
        assert!(!due.take_if_ready(first));
        // Writes keep coming: each one pushes the gathering back...
        due.mark();
        let last = Instant::now();
        assert!(!due.take_if_ready(last + CALENDARS_SETTLE / 2));
        // ...until the book is quiet,
        assert!(due.take_if_ready(last + CALENDARS_SETTLE));
        // A read while they are not due changes nothing; while due, it
        // pushes them back as a write does.
        due.busy();
        assert!(!due.is_due());
        let t0 = Instant::now();
        due.mark_at(t0);
        std::thread::sleep(Duration::from_millis(2));
        due.busy();
        assert!(!due.take_if_ready(t0 + CALENDARS_SETTLE));
        assert!(due.take_if_ready(Instant::now() + CALENDARS_SETTLE));
        assert!(!due.is_due());
        assert!(!due.take_if_ready(last + CALENDARS_LONGEST * 2));
        // or until they have waited the longest.
        let since = Instant::now();
        due.mark_at(since);
        let ms = Duration::from_millis(1);
        due.mark_at(since + CALENDARS_LONGEST - ms);
        assert!(!due.take_if_ready(since + CALENDARS_LONGEST - ms));
        assert!(due.take_if_ready(since + CALENDARS_LONGEST));
        due.set(true);
        assert!(due.is_due());
        due.set(false);
        assert!(!due.is_due());
    }

    /// While the gate is closed a read locks the book, a write waits; once
    /// it opens, the write goes through.
    #[test]
    fn a_closed_gate_holds_writes_not_reads() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let book = Arc::new(Mutex::new(
            Book::open(store, Clock::system(), "ann").unwrap(),
        ));
        let gate = Arc::new(WriteGate::default());
        gate.close(&lock(&book));
        let written = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (book, gate, written) = (book.clone(), gate.clone(), written.clone());
            std::thread::spawn(move || {
                let _book = gate.lock(&book);
                written.fetch_add(1, Ordering::SeqCst);
            })
        };
        // Reads are not held: the book can be locked while the writer waits.
        for _ in 0..5 {
            drop(lock(&book));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(written.load(Ordering::SeqCst), 0, "the write waited");
        gate.open(&book);
        writer.join().unwrap();
        assert_eq!(written.load(Ordering::SeqCst), 1);
    }

    /// The calendars are rendered at a low priority; the thread that asked
    /// keeps its own.
    #[cfg(target_os = "linux")]
    #[test]
    fn low_priority_work_runs_niced_and_leaves_the_caller_as_it_was() {
        let nice = || {
            // SAFETY: reads this thread's nice value.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        };
        let mine = nice();
        let theirs = at_low_priority(nice);
        assert!(theirs >= 10 && theirs >= mine, "{theirs} (caller {mine})");
        assert_eq!(nice(), mine);
    }
}
