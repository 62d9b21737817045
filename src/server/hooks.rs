//! The team's hooks (`kam hooks set`), run by the server after a write is
//! acknowledged, never on the write's path:
//!
//! * the reader thread that answered a request looks at the change log
//!   since the last look (and at the day) and queues one event per tier
//!   move, new complaint and receivable fallen overdue;
//! * one hook thread runs the queued commands in order: the argument
//!   vector as stored (no shell), the event as JSON on stdin, stdout
//!   discarded, stderr to the server log; after `KAM_HOOK_TIMEOUT` seconds
//!   (10 by default) the command's process group is killed;
//! * a failure (exit status, timeout, cannot start) goes to the server log
//!   and the last few to `kam server status`.
//!
//! `on_overdue` fires once per receivable: when an order is entered with a
//! due date already past, and when the day the server checks moves on (at
//! start and with the first request of a new day) for the orders that fell
//! due since the last check. The last day checked is kept in
//! `kam-hooks.day` beside the database, so a restart does not repeat them.
//! With `--no-server` no hook runs.

use crate::audit::{AuditEntry, RecordImage};
use crate::book::Book;
use crate::book::digest::parse_move;
use crate::domain::hooks::{HookName, Hooks, show_argv};
use crate::domain::{AccountId, Interaction, InteractionKind, Money};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The file beside the database holding the last day `on_overdue` checked.
pub const DAY_FILE: &str = "kam-hooks.day";
/// Failures `kam server status` lists.
const KEEP_FAILURES: usize = 10;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

struct Job {
    hook: HookName,
    argv: Vec<String>,
    event: String,
}

struct Seen {
    /// Change log entries up to here were looked at.
    seq: u64,
    /// Receivables due before this day were announced.
    day: NaiveDate,
}

pub struct HookRunner {
    jobs: Mutex<Sender<Job>>,
    /// Hooks queued or running: the server does not leave idle before
    /// they end (a stop or a lost directory does not wait).
    pending: Arc<AtomicUsize>,
    failures: Arc<Mutex<VecDeque<String>>>,
    seen: Mutex<Seen>,
    day_file: PathBuf,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `KAM_HOOK_TIMEOUT` in seconds (fractions allowed), else 10 s.
fn timeout() -> Duration {
    std::env::var("KAM_HOOK_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64)
}

impl HookRunner {
    /// Starts the hook thread. Changes already in the log are not events;
    /// a first start announces nothing overdue from before today.
    pub fn start(book: &Book) -> HookRunner {
        let day_file = book.store().path().join(DAY_FILE);
        let day = std::fs::read_to_string(&day_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                // The first start: from today on.
                let _ = std::fs::write(&day_file, format!("{}\n", book.today()));
                book.today()
            });
        let (tx, rx) = channel::<Job>();
        let failures: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let record = failures.clone();
        let limit = timeout();
        let pending: Arc<AtomicUsize> = Arc::default();
        let done = pending.clone();
        std::thread::spawn(move || {
            for job in rx {
                let _done = Finished(&done);
                if let Err(why) = run(&job, limit) {
                    let line = format!(
                        "{} {} ({}): {why}",
                        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
                        job.hook,
                        show_argv(&job.argv)
                    );
                    eprintln!("kam server: hook failed: {line}");
                    let mut f = lock(&record);
                    if f.len() == KEEP_FAILURES {
                        f.pop_front();
                    }
                    f.push_back(line);
                }
            }
        });
        HookRunner {
            jobs: Mutex::new(tx),
            pending,
            failures,
            seen: Mutex::new(Seen {
                seq: book.last_seq().unwrap_or(0),
                day,
            }),
            day_file,
        }
    }

    /// Remembers `today` as checked for receivables fallen overdue, here
    /// and in the day file (a restart does not announce them again).
    fn mark_day(&self, seen: &mut Seen, today: NaiveDate) {
        if today <= seen.day {
            return;
        }
        seen.day = today;
        if let Err(e) = std::fs::write(&self.day_file, format!("{today}\n")) {
            eprintln!("kam server: hooks: {}: {e}", self.day_file.display());
        }
    }

    /// Hooks are queued or running.
    pub fn busy(&self) -> bool {
        self.pending.load(Ordering::SeqCst) > 0
    }

    /// The last failures, oldest first.
    pub fn failures(&self) -> Vec<String> {
        lock(&self.failures).iter().cloned().collect()
    }

    /// Queues the events of the changes since the last look and of a new
    /// day. Cheap when nothing changed: two comparisons.
    pub fn after(&self, book: &Book) {
        let mut seen = lock(&self.seen);
        let seq = book.last_seq().unwrap_or(seen.seq);
        let today = book.today();
        if seq == seen.seq && today <= seen.day {
            return;
        }
        let hooks = match book.hooks() {
            Ok(h) => h,
            Err(e) => {
                eprintln!("kam server: hooks: {e}");
                Hooks::default()
            }
        };
        if hooks.0.is_empty() {
            // Nothing would run: no events to build (an import's entry can
            // hold a million records).
            seen.seq = seq;
            self.mark_day(&mut seen, today);
            return;
        }
        let mut events = Vec::new();
        if seq > seen.seq {
            match book.store().audit_since(seen.seq) {
                Ok(entries) => {
                    for e in &entries {
                        events.extend(change_events(book, e, today));
                    }
                }
                Err(e) => eprintln!("kam server: hooks: change log: {e}"),
            }
            seen.seq = seq;
        }
        if today > seen.day {
            if hooks.get(HookName::OnOverdue).is_some() {
                events.extend(fallen_overdue(book, seen.day, today));
            }
            self.mark_day(&mut seen, today);
        }
        let tx = lock(&self.jobs);
        for (hook, event) in events {
            if let Some(argv) = hooks.get(hook) {
                let job = Job {
                    hook,
                    argv: argv.to_vec(),
                    event: event.to_string(),
                };
                self.pending.fetch_add(1, Ordering::SeqCst);
                // The hook thread lives as long as the server.
                let _ = tx.send(job);
            }
        }
    }
}

/// Counts a job done however its run ends.
struct Finished<'a>(&'a AtomicUsize);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn account_json(book: &Book, id: AccountId) -> Value {
    match book.account(id) {
        Some(a) => json!({ "key": a.key, "name": a.name, "owner": a.owner }),
        None => json!({ "id": id.0 }),
    }
}

fn order_overdue(i: &Interaction, today: NaiveDate) -> bool {
    i.kind == InteractionKind::Order
        && i.due.is_some_and(|d| d < today)
        && i.paid_at.is_none_or(|p| p > today)
}

fn overdue_event(book: &Book, i: &Interaction, today: NaiveDate) -> Value {
    let due = i.due.unwrap_or(today);
    json!({
        "event": "overdue",
        "day": today.to_string(),
        "account": account_json(book, i.account),
        "receivable": {
            "id": i.id.0,
            "day": i.day().to_string(),
            "due": due.to_string(),
            "amount": i.amount.unwrap_or(Money::ZERO).to_string(),
            "summary": i.summary,
        },
        "days_late": (today - due).num_days(),
    })
}

/// The events of one committed change: new tier lines, complaints, and
/// orders entered already overdue.
fn change_events(book: &Book, e: &AuditEntry, today: NaiveDate) -> Vec<(HookName, Value)> {
    let mut out = Vec::new();
    for c in &e.changes {
        let (None, Some(RecordImage::Interaction(i))) = (&c.before, &c.after) else {
            continue;
        };
        let base = |event: &str| {
            json!({
                "event": event,
                "seq": e.seq,
                "user": e.user,
                "at": e.at.to_rfc3339(),
                "account": account_json(book, i.account),
            })
        };
        match i.kind {
            InteractionKind::System => {
                if let Some((from, to)) = parse_move(&i.summary) {
                    let mut v = base("tier_change");
                    v["from"] = json!(from);
                    v["to"] = json!(to);
                    v["day"] = json!(i.day().to_string());
                    out.push((HookName::OnTierChange, v));
                }
            }
            InteractionKind::Complaint => {
                let mut v = base("complaint");
                v["complaint"] = json!({
                    "id": i.id.0,
                    "day": i.day().to_string(),
                    "summary": i.summary,
                });
                out.push((HookName::OnComplaint, v));
            }
            InteractionKind::Order if order_overdue(i, today) => {
                out.push((HookName::OnOverdue, overdue_event(book, i, today)));
            }
            _ => {}
        }
    }
    out
}

/// Receivables that fell due in `[from, today)`: overdue now, not at the
/// last check. Only accounts with overdue money are read.
fn fallen_overdue(book: &Book, from: NaiveDate, today: NaiveDate) -> Vec<(HookName, Value)> {
    let mut out = Vec::new();
    for s in book.engine().scores() {
        if s.metrics.overdue_amount <= Money::ZERO {
            continue;
        }
        let Ok(list) = book.store().interactions_of(s.account) else {
            continue;
        };
        for i in list {
            if order_overdue(&i, today) && i.due.is_some_and(|d| d >= from) {
                out.push((HookName::OnOverdue, overdue_event(book, &i, today)));
            }
        }
    }
    out
}

/// Runs one hook to its end or its timeout.
fn run(job: &Job, limit: Duration) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let (program, args) = job.argv.split_first().ok_or("no command")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        // Its own process group: a timeout kills what it started too.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let stdin = child.stdin.take();
    let event = job.event.clone();
    // A hook that does not read its stdin must not hold this thread.
    let writer = std::thread::spawn(move || {
        if let Some(mut s) = stdin {
            let _ = s.write_all(event.as_bytes());
            let _ = s.write_all(b"\n");
        }
    });
    let start = Instant::now();
    let result = loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break Ok(()),
            Ok(Some(status)) => break Err(status.to_string()),
            Ok(None) if start.elapsed() >= limit => {
                // SAFETY: signals the process group this hook leads.
                unsafe {
                    libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
                }
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "timed out after {:.1} s, killed",
                    limit.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = writer.join();
    result
}
