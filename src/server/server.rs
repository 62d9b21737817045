//! The server: owns the one `Book`, serves every client on the socket, pushes
//! change notifications, and leaves when idle, stopped, or when its socket or
//! database directory disappears.
//!
//! Threads: the main thread accepts and watches; each client has a reader
//! thread (its requests, run under the book's mutex) and a writer thread
//! draining a bounded queue to the socket, so a slow client only ever slows
//! itself: notifications to a full queue are dropped and the client is told
//! to resync instead.

use super::frame::{self, FrameError};
use super::protocol::Call;
use super::protocol::{
    self, Change, Hello, PROTOCOL_VERSION, PeerInfo, Reply, Request, ServerInfo, ServerStatus,
    Welcome,
};
use super::upkeep::{
    CALENDARS_EVERY, CalendarsDue, WriteGate, refresh_calendars, start_restore_point,
    take_restore_point,
};
use super::{calls, lock_path, peer, restore_points, socket_path, spawn};
use crate::book::{Book, Prepare, RequestId};
use crate::clock::Clock;
use crate::commands::{self as exec, CmdEnv};
use crate::commands::{CommandError, ErrorKind};
use crate::store::{OpenOptions, Store};
use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Messages queued per client before it counts as lagging.
pub const QUEUE: usize = 256;
/// Output is sent in pieces of this size.
const OUTPUT_CHUNK: usize = 1024 * 1024;
/// A client must complete its handshake within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the main thread looks at its files and the idle clock.
const WATCH_EVERY: Duration = Duration::from_millis(200);

pub struct ServeOptions {
    pub db: PathBuf,
    pub clock: Clock,
    /// The date was given (`--as-of`); otherwise the server follows the
    /// local date when a client arrives on a later day.
    pub pinned: bool,
    /// See `OpenOptions::on_upgrade`.
    pub on_upgrade: Option<fn(&str)>,
}

/// A bound, ready server.
pub struct Server {
    listener: UnixListener,
    shared: Arc<Shared>,
    socket: PathBuf,
    socket_id: (u64, u64),
    /// How long opening the book took (what the next start would cost).
    opened: Duration,
}

struct Client {
    client_id: u64,
    user: String,
    editing: Option<crate::domain::AccountId>,
    subscribe: bool,
    tx: SyncSender<Reply>,
    lagging: bool,
    stream: UnixStream,
}

pub(super) struct Shared {
    pub(super) book: Mutex<Book>,
    clients: Mutex<HashMap<u64, Client>>,
    next_conn: AtomicU64,
    started: Instant,
    db: PathBuf,
    pinned: AtomicBool,
    pub(super) group_shared: bool,
    /// Why the server should stop, once set.
    stop: Mutex<Option<String>>,
    stopping: AtomicBool,
    /// The database file as opened: (device, inode); replaced or truncated
    /// under the server means someone else is at the files.
    db_file: Mutex<Option<(u64, u64, u64)>>,
    /// Restore points to keep (`KAM_RESTORE_POINTS`).
    pub(super) restore_points: usize,
    /// A write changed the book since the agenda calendars were written.
    /// They are rewritten by the main thread (`CALENDARS_EVERY`, once the
    /// clients are quiet), not on the write's path: on a large book the
    /// whole agenda takes a while.
    calendars_due: CalendarsDue,
    /// Runs the team's hooks after writes (see `hooks`).
    hooks: super::hooks::HookRunner,
    /// Writes wait here while the day's restore point is copied.
    pub(super) gate: WriteGate,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn request_stop(&self, why: String) {
        let mut s = lock(&self.stop);
        if s.is_none() {
            *s = Some(why);
        }
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// False when the database files were replaced, truncated or removed
    /// under the server: it must not go on serving (or writing) them.
    fn files_ok(&self) -> bool {
        let Ok(m) = std::fs::metadata(self.db.join("db")) else {
            return false;
        };
        let mut known = lock(&self.db_file);
        match *known {
            Some((dev, ino, len)) if dev != m.dev() || ino != m.ino() || m.len() < len => false,
            _ => {
                *known = Some((m.dev(), m.ino(), m.len()));
                true
            }
        }
    }

    fn peers(&self) -> Vec<PeerInfo> {
        self.sessions(None)
    }

    /// Connected clients, but for `except`; with `except` set (a status
    /// request) only the sessions that stay connected (subscribed: TUIs),
    /// not the asking connection nor one-off commands running meanwhile.
    fn sessions(&self, except: Option<u64>) -> Vec<PeerInfo> {
        let mut v: Vec<PeerInfo> = lock(&self.clients)
            .iter()
            .filter(|(conn, c)| except.is_none_or(|e| **conn != e && c.subscribe))
            .map(|(_, c)| PeerInfo {
                client_id: c.client_id,
                user: c.user.clone(),
                editing: c.editing,
            })
            .collect();
        v.sort_by(|a, b| a.user.cmp(&b.user).then(a.client_id.cmp(&b.client_id)));
        v
    }

    /// Pushes `msg` to every subscribed client without ever blocking: a
    /// full queue marks the client lagging; it gets `Resync` when it has room.
    fn broadcast(&self, msg: &Reply) {
        self.broadcast_except(msg, None);
    }

    /// `broadcast`, skipping the connection `except` (the one that made the
    /// change and already knows).
    fn broadcast_except(&self, msg: &Reply, except: Option<u64>) {
        for (conn, c) in lock(&self.clients).iter_mut() {
            if !c.subscribe || Some(*conn) == except {
                continue;
            }
            if c.lagging {
                match c.tx.try_send(Reply::Resync) {
                    Ok(()) => c.lagging = false,
                    Err(_) => continue,
                }
            }
            if let Err(TrySendError::Full(_)) = c.tx.try_send(msg.clone()) {
                c.lagging = true;
            }
        }
    }

    /// The server's state as `conn` asks for it (`conn` is not listed).
    fn status(&self, conn: u64) -> ServerStatus {
        let book = lock(&self.book);
        ServerStatus {
            pid: std::process::id(),
            uptime_secs: self.started.elapsed().as_secs(),
            db: self.db.display().to_string(),
            as_of: book.today(),
            group_shared: self.group_shared,
            seq: book.last_seq().unwrap_or(0),
            clients: self.sessions(Some(conn)),
            hook_failures: self.hooks.failures(),
        }
    }

    /// Serves a client asking for another "today", or says why not.
    fn check_date(&self, hello: &Hello, user: &str) -> Result<(), String> {
        if hello.as_of == lock(&self.book).today() {
            return Ok(());
        }
        // Reopening the book may log tier moves: a write.
        let mut book = self.gate.lock(&self.book);
        let today = book.today();
        if hello.as_of == today {
            return Ok(());
        }
        // Nobody else is connected: move the server to this client's date,
        // as a fresh process at that date would have opened the book.
        // A server following the local date also moves on to a new day (a
        // client arriving after midnight) even with others connected.
        // A client that has exited may not have been read to its end yet:
        // it is not someone else at work.
        let alone = lock(&self.clients)
            .values()
            .all(|c| super::peer::hung_up(&c.stream));
        let pinned = self.pinned.load(Ordering::SeqCst);
        let next_day = !pinned && !hello.pinned && hello.as_of > today;
        if alone || next_day {
            let store = book.store().clone();
            return match Book::open_with(store, Clock::fixed(hello.as_of), user, Prepare::Rows) {
                Ok(b) => {
                    *book = b;
                    drop(book);
                    self.pinned.store(hello.pinned, Ordering::SeqCst);
                    self.broadcast(&Reply::Resync);
                    Ok(())
                }
                Err(e) => Err(format!("cannot score as of {}: {e}", hello.as_of)),
            };
        }
        Err(format!(
            "the kam server for {} runs as of {today} for other connected users, this command \
             asks for {}: use --as-of {today} (or KAM_TODAY), or wait until the others have \
             left (`kam server status`)",
            self.db.display(),
            hello.as_of
        ))
    }
}

impl Server {
    /// Opens the database and binds the socket. Errors carry the exit code a
    /// client shows (a damaged database is `ErrorKind::Database`).
    pub fn bind(opts: ServeOptions) -> Result<Server, CommandError> {
        let db = opts.db;
        crate::store::check_dir(&db)?;
        let group_shared = super::is_team_dir(&db);
        let started = Instant::now();
        let store = Store::open_with(
            &db,
            &OpenOptions {
                group_shared,
                on_upgrade: opts.on_upgrade,
                ..OpenOptions::default()
            },
        )?;
        let user = crate::identity::current_user();
        let book = Book::open_with(store, opts.clock, &user, Prepare::Rows)?;
        let opened = started.elapsed();
        let hooks = super::hooks::HookRunner::start(&book);
        let keep = restore_points::keep();
        let socket = socket_path(&db);
        if socket.exists() {
            if super::SocketAddr::connect(&db).is_ok() {
                return Err(CommandError::new(
                    ErrorKind::Failed,
                    format!("a kam server is already running on {}", socket.display()),
                ));
            }
            let _ = std::fs::remove_file(&socket);
        }
        // The umask set by the store (077, or 007 in a team directory)
        // already applies; the explicit mode documents the intent.
        let listener = super::SocketAddr::bind(&db).map_err(|e| {
            CommandError::new(ErrorKind::Failed, format!("{}: {e}", socket.display()))
        })?;
        let mode = if group_shared { 0o660 } else { 0o600 };
        let _ = std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(mode));
        let socket_id = std::fs::metadata(&socket)
            .map(|m| (m.dev(), m.ino()))
            .map_err(|e| {
                CommandError::new(ErrorKind::Failed, format!("{}: {e}", socket.display()))
            })?;
        let shared = Arc::new(Shared {
            book: Mutex::new(book),
            clients: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            started: Instant::now(),
            db,
            pinned: AtomicBool::new(opts.pinned),
            group_shared,
            stop: Mutex::new(None),
            stopping: AtomicBool::new(false),
            db_file: Mutex::new(None),
            restore_points: keep,
            calendars_due: CalendarsDue::default(),
            hooks,
            gate: WriteGate::default(),
        });
        shared.files_ok();
        Ok(Server {
            listener,
            shared,
            socket,
            socket_id,
            opened,
        })
    }

    /// How long opening the book took.
    pub fn opened(&self) -> Duration {
        self.opened
    }

    /// Serves until idle for `idle`, stopped, or its files disappear.
    /// Returns why it stopped.
    pub fn run(self, idle: Duration) -> String {
        eprintln!(
            "kam server {}: serving {} ({}; opened in {:.2} s, leaves after {} s idle)",
            std::process::id(),
            self.shared.db.display(),
            if self.shared.group_shared {
                "team directory"
            } else {
                "private"
            },
            self.opened.as_secs_f64(),
            idle.as_secs()
        );
        // A new server may run on a new day: overdue items move to today.
        // Rewritten by the loop below, not before the first client is
        // served (at 100k accounts it takes seconds), and only if they do
        // not show this very state already (a restart on the same day).
        let current = exec::ics::calendars_current(&lock(&self.shared.book), &self.shared.db);
        self.shared.calendars_due.set(!current);
        // Receivables that fell overdue while no server ran.
        self.shared.hooks.after(&lock(&self.shared.book));
        // After `ready`, and off the book: clients read meanwhile.
        let restore_point = start_restore_point(&self.shared);
        let mut idle_since = Some(Instant::now());
        let mut last_watch = Instant::now();
        let mut last_calendars = Instant::now();
        // Grows with the time the rewrite holds the book (see below).
        let mut calendars_every = CALENDARS_EVERY;
        // The rewrite runs beside this loop: rendering and writing every
        // owner's file takes about 1.5 s at 100k accounts, and a client
        // connecting meanwhile (every CLI command) waited to be accepted.
        let mut calendars: Option<std::thread::JoinHandle<Duration>> = None;
        let why = loop {
            if wait_readable(&self.listener, WATCH_EVERY) {
                match self.listener.accept() {
                    Ok((stream, _)) => {
                        let shared = self.shared.clone();
                        std::thread::spawn(move || serve_client(shared, stream));
                    }
                    Err(e) => eprintln!("kam server: accept: {e}"),
                }
            }
            if let Some(why) = lock(&self.shared.stop).clone() {
                break why;
            }
            if let Some(t) = calendars.take_if(|t| t.is_finished()) {
                // Writes wait while the agenda is gathered (a second at
                // 100k accounts): rewriting at most every ten times that
                // keeps them waiting at most a tenth of the time.
                let held = t.join().unwrap_or_default();
                calendars_every = CALENDARS_EVERY.max(held * 10);
            }
            if calendars.is_none()
                && last_calendars.elapsed() >= calendars_every
                && self.shared.calendars_due.take_if_ready(Instant::now())
            {
                last_calendars = Instant::now();
                let shared = self.shared.clone();
                calendars = Some(std::thread::spawn(move || {
                    refresh_calendars(&shared.book, &shared.db)
                }));
            }
            if last_watch.elapsed() >= WATCH_EVERY {
                last_watch = Instant::now();
                if let Some(why) = self.gone() {
                    break why;
                }
                let connected = !lock(&self.shared.clients).is_empty();
                match (connected, idle_since) {
                    (true, _) => idle_since = None,
                    (false, None) => idle_since = Some(Instant::now()),
                    (false, Some(t)) if t.elapsed() >= idle && !self.shared.hooks.busy() => {
                        break format!("idle for {}s", idle.as_secs_f64());
                    }
                    _ => {}
                }
            }
        };
        // A rewrite under way is finished, then the last writes' calendars,
        // unless the database went away.
        if let Some(t) = calendars {
            let _ = t.join();
        }
        if self.shared.calendars_due.is_due() && self.gone().is_none() {
            refresh_calendars(&self.shared.book, &self.shared.db);
        }
        // A restore point still being written is finished, not left half.
        if let Some(t) = restore_point {
            let _ = t.join();
        }
        self.shutdown(&why);
        why
    }

    /// Why the server must go now: its socket or directory was removed.
    fn gone(&self) -> Option<String> {
        if !self.shared.db.is_dir() {
            return Some("the database directory disappeared".into());
        }
        match std::fs::metadata(&self.socket) {
            Ok(m) if (m.dev(), m.ino()) == self.socket_id => {}
            _ => return Some("the socket file was removed or replaced".into()),
        }
        if !self.shared.files_ok() {
            return Some("the database files changed under the server".into());
        }
        None
    }

    fn shutdown(self, why: &str) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        eprintln!("kam server {}: stopping: {why}", std::process::id());
        // Starts wait on this lock: a new server only opens the database once
        // this one has let go of it (the lock ends with the process).
        let _start_lock = if self.shared.db.is_dir() {
            spawn::lock_for(&lock_path(&self.shared.db), Duration::from_secs(2)).ok()
        } else {
            None
        };
        if let Ok(m) = std::fs::metadata(&self.socket)
            && (m.dev(), m.ino()) == self.socket_id
        {
            let _ = std::fs::remove_file(&self.socket);
        }
        drop(self.listener);
        for c in lock(&self.shared.clients).values() {
            let _ = c.stream.shutdown(std::net::Shutdown::Both);
        }
        // Waits for a running command; every write is flushed already.
        let mut book = lock(&self.shared.book);
        // The engine's snapshot, so the next start need not rebuild.
        if let Err(e) = book.save_derived() {
            eprintln!("kam server: snapshot: {e}");
        }
        // Files replaced under the server are not its to mark closed.
        let closed = if self.shared.files_ok() {
            book.store().close_now()
        } else {
            book.store().flush()
        };
        if let Err(e) = closed {
            eprintln!("kam server: flush: {e}");
        }
        // Exit with the book locked: no client thread can start a write now.
        std::process::exit(0);
    }
}

/// Waits until the listener has a connection or `timeout` passes.
fn wait_readable(listener: &UnixListener, timeout: Duration) -> bool {
    let mut fds = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut fds, 1, timeout.as_millis() as libc::c_int) };
    n > 0 && fds.revents & libc::POLLIN != 0
}

/// One client connection, from handshake to close.
fn serve_client(shared: Arc<Shared>, stream: UnixStream) {
    let conn = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    let user = match peer::peer_user(&stream) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("kam server: peer credentials: {e}");
            return;
        }
    };
    let (Ok(read_half), Ok(write_half)) = (stream.try_clone(), stream.try_clone()) else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = BufWriter::new(write_half);
    let Some(hello) = handshake(&shared, &stream, &mut reader, &mut writer, &user) else {
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    };
    let (tx, rx) = sync_channel::<Reply>(QUEUE);
    if let Ok(s) = stream.try_clone() {
        lock(&shared.clients).insert(
            conn,
            Client {
                client_id: hello.client_id,
                user: user.clone(),
                editing: None,
                subscribe: hello.subscribe,
                tx: tx.clone(),
                lagging: false,
                stream: s,
            },
        );
    }
    let writer_thread = std::thread::spawn(move || write_loop(writer, rx));
    if hello.subscribe {
        shared.broadcast(&Reply::Presence(shared.peers()));
    }
    loop {
        match frame::recv::<Request>(&mut reader, protocol::CLIENT_MESSAGE_LIMIT) {
            Ok(req) => {
                // Someone is at work: the calendars wait (see `CalendarsDue`).
                shared.calendars_due.busy();
                if !handle(&shared, conn, hello.client_id, &user, req, &tx) {
                    break;
                }
            }
            Err(FrameError::Closed) => break,
            Err(e) => {
                // Malformed or oversized: drop this client, nothing applied.
                eprintln!("kam server: client {conn} ({user}): {e}; closing");
                break;
            }
        }
    }
    let was_subscribed = lock(&shared.clients)
        .remove(&conn)
        .is_some_and(|c| c.subscribe);
    drop(tx);
    let _ = writer_thread.join();
    let _ = stream.shutdown(std::net::Shutdown::Both);
    if was_subscribed {
        shared.broadcast(&Reply::Presence(shared.peers()));
    }
}

fn write_loop(mut w: BufWriter<UnixStream>, rx: Receiver<Reply>) {
    for msg in rx {
        if frame::send(&mut w, &msg).is_err() {
            // The client is gone; its reader notices and cleans up.
            let _ = w.get_ref().shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// Reads `Hello`, answers `Welcome`. `None` closes the connection.
fn handshake(
    shared: &Shared,
    stream: &UnixStream,
    reader: &mut BufReader<UnixStream>,
    writer: &mut BufWriter<UnixStream>,
    user: &str,
) -> Option<Hello> {
    let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let payload = frame::read_frame(reader).ok()?;
    let (version, rest) = protocol::split_header(&payload)?;
    let pid = std::process::id();
    if version != PROTOCOL_VERSION {
        let msg = format!(
            "this kam server (pid {pid}) speaks protocol v{PROTOCOL_VERSION}, the client v{version}: \
             use the same kam version, or stop the server (`kill {pid}`) to let the next \
             command start one"
        );
        let _ = frame::write_frame(writer, &protocol::mismatch_payload(pid, &msg));
        let _ = writer.flush();
        return None;
    }
    let hello: Hello = frame::decode(rest).ok()?;
    if shared.stopping.load(Ordering::SeqCst) {
        return None;
    }
    if !shared.files_ok() {
        // Someone replaced the files: leave; the client starts a new server,
        // which reports what it finds.
        shared.request_stop("the database files changed under the server".into());
        return None;
    }
    let welcome = match shared.check_date(&hello, user) {
        Ok(()) => {
            let book = lock(&shared.book);
            Welcome::Ok(ServerInfo {
                pid,
                user: user.to_string(),
                as_of: book.today(),
                db: shared.db.display().to_string(),
                group_shared: shared.group_shared,
                seq: book.last_seq().unwrap_or(0),
            })
        }
        Err(message) => Welcome::Refused(CommandError::new(ErrorKind::Usage, message)),
    };
    let mut payload = protocol::header().to_vec();
    payload.extend(frame::encode(&welcome).ok()?);
    frame::write_frame(writer, &payload).ok()?;
    writer.flush().ok()?;
    let _ = stream.set_read_timeout(None);
    match welcome {
        Welcome::Ok(_) => Some(hello),
        Welcome::Refused { .. } => None,
    }
}

/// Handles one request; false closes the connection.
fn handle(
    shared: &Shared,
    conn: u64,
    client_id: u64,
    user: &str,
    req: Request,
    tx: &SyncSender<Reply>,
) -> bool {
    match req {
        Request::Command {
            command,
            files,
            request,
            output,
        } => {
            let request = RequestId {
                client_id,
                request_id: request,
            };
            let env = RemoteEnv {
                out: Vec::new(),
                files: files.into_iter().collect(),
                written: Vec::new(),
                large: None,
                // Request 0 is a client that does not resend (nothing to dedupe).
                request: (request.request_id != 0).then_some(request),
                output,
                tx: tx.clone(),
            };
            run_command(shared, user, command, env, tx)
        }
        Request::Call { request, call } => {
            let id = RequestId {
                client_id,
                request_id: request,
            };
            let (result, change) = {
                let mut book = match call {
                    Call::Execute(_) => shared.gate.lock(&shared.book),
                    _ => lock(&shared.book),
                };
                book.set_user(user);
                let before = book.last_seq().unwrap_or(0);
                let summary = match &call {
                    Call::Execute(op) => Some(calls::summary(&book, op)),
                    _ => None,
                };
                if summary.is_some() {
                    take_restore_point(book.store(), shared.restore_points, shared.group_shared);
                }
                let (name, started) = (call.name(), Instant::now());
                let result = calls::answer(&mut book, call, id);
                log_if_slow(name, started);
                let after = book.last_seq().unwrap_or(0);
                // A resent write that was applied before changes nothing now.
                let change = summary.filter(|_| after > before).map(|summary| Change {
                    seq: after,
                    user: user.to_string(),
                    summary,
                    touched: calls::touched_since(&book, before),
                });
                if change.is_some() {
                    shared.calendars_due.mark();
                }
                (result, change)
            };
            let sent = tx.send(Reply::Answer { request, result }).is_ok();
            // Acknowledged first: the others' requests for what changed and
            // the hooks never delay a write.
            if let Some(c) = change {
                shared.broadcast_except(&Reply::Changed(c), Some(conn));
            }
            shared.hooks.after(&lock(&shared.book));
            sent
        }
        Request::Status => tx.send(Reply::Status(shared.status(conn))).is_ok(),
        Request::Stop => {
            let ok = tx.send(Reply::Done(Ok(()))).is_ok();
            shared.request_stop(format!("stopped by {user}"));
            ok
        }
        Request::Presence { editing } => {
            if let Some(c) = lock(&shared.clients).get_mut(&conn) {
                c.editing = editing;
            }
            shared.broadcast(&Reply::Presence(shared.peers()));
            true
        }
    }
}

/// The command's view of the world inside the server: output is collected
/// and sent back, input files are the bytes the client sent along, output
/// files go back to the client to write.
struct RemoteEnv {
    out: Vec<u8>,
    files: HashMap<Vec<u8>, Result<super::content::Content, String>>,
    written: Vec<(Vec<u8>, Vec<u8>)>,
    /// A large output (a backup) sent after the book is released.
    large: Option<std::fs::File>,
    request: Option<RequestId>,
    output: exec::Output,
    /// Progress and warnings go to the client as they happen.
    tx: SyncSender<Reply>,
}

impl CmdEnv for RemoteEnv {
    fn request(&self) -> Option<RequestId> {
        self.request
    }

    fn output(&self) -> exec::Output {
        self.output
    }

    fn progress(&mut self, step: exec::Progress) {
        // A client that went away only misses its progress bar.
        let _ = self.tx.send(Reply::Progress {
            done: step.done,
            total: step.total,
            what: step.what,
        });
    }

    fn warn(&mut self, message: &str) {
        let _ = self.tx.send(Reply::Warning(message.to_string()));
    }

    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    fn read_file(&mut self, path: &Path) -> std::io::Result<Vec<u8>> {
        let key = path.as_os_str().as_encoded_bytes();
        match self.files.get(key) {
            Some(Ok(content)) => content.to_vec(),
            Some(Err(msg)) => Err(std::io::Error::other(msg.clone())),
            None => Err(std::io::Error::other("the client did not send this file")),
        }
    }

    /// The file the client sent, handed over rather than copied: an
    /// import reads it once.
    fn open_file(&mut self, path: &Path) -> std::io::Result<(Box<dyn std::io::Read>, u64)> {
        let key = path.as_os_str().as_encoded_bytes();
        match self.files.remove(key) {
            Some(Ok(content)) => content.into_reader(),
            Some(Err(msg)) => Err(std::io::Error::other(msg)),
            None => Err(std::io::Error::other("the client did not send this file")),
        }
    }

    fn write_file(
        &mut self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        fill(&mut bytes)?;
        self.written
            .push((path.as_os_str().as_encoded_bytes().to_vec(), bytes));
        Ok(())
    }

    fn send_file(&mut self, file: std::fs::File) -> std::io::Result<()> {
        self.large = Some(file);
        Ok(())
    }
}

/// Streams a large output to the client in small pieces: the bounded
/// queue then holds at most `QUEUE` of them.
fn stream_file(mut file: std::fs::File, tx: &SyncSender<Reply>) -> Result<(), CommandError> {
    use std::io::{Read, Seek, SeekFrom};
    const PIECE: usize = 64 * 1024;
    file.seek(SeekFrom::Start(0))?;
    loop {
        let mut buf = vec![0u8; PIECE];
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        buf.truncate(n);
        if tx.send(Reply::Output(buf)).is_err() {
            return Err(CommandError::quiet());
        }
    }
}

/// A request that held the book this long is worth a line in the server
/// log: it is what every other client waited for. `KAM_SERVER_SLOW_MS`
/// sets another threshold (0: every request).
const SLOW: Duration = Duration::from_millis(100);

pub(super) fn log_if_slow(name: &str, started: Instant) {
    let took = started.elapsed();
    let slow = std::env::var("KAM_SERVER_SLOW_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(SLOW, Duration::from_millis);
    if took >= slow {
        let _ = writeln!(
            std::io::stderr(),
            "kam server: slow request: {name} took {} ms",
            took.as_millis()
        );
    }
}

fn run_command(
    shared: &Shared,
    user: &str,
    cmd: exec::Command,
    mut env: RemoteEnv,
    tx: &SyncSender<Reply>,
) -> bool {
    let writes = exec::is_write(&cmd);
    // The demo writes unaudited batches: no seq to compare.
    let demo = matches!(cmd, exec::Command::Demo { .. });
    let (result, change) = {
        let mut book = if writes {
            shared.gate.lock(&shared.book)
        } else {
            lock(&shared.book)
        };
        book.set_user(user);
        let summary = exec::summary(&cmd);
        if writes {
            take_restore_point(book.store(), shared.restore_points, shared.group_shared);
        }
        let before = book.last_seq().unwrap_or(0);
        let started = Instant::now();
        let result = exec::execute(cmd, &mut book, &mut env);
        log_if_slow(&format!("command ({summary})"), started);
        let seq = book.last_seq().unwrap_or(0);
        // A resent write that was applied before changes nothing now.
        let change = (writes && result.is_ok() && (seq > before || demo)).then(|| Change {
            seq,
            user: user.to_string(),
            summary,
            touched: calls::touched_since(&book, before),
        });
        if change.is_some() {
            shared.calendars_due.mark();
        }
        (result, change)
    };
    let sent = answer(result, env, tx);
    // The others hear of the change once the writer has its answer: each
    // of them asks for what changed at once, and an acknowledgement waits
    // for none of that (nor for the hooks).
    if let Some(c) = change {
        shared.broadcast(&Reply::Changed(c));
    }
    shared.hooks.after(&lock(&shared.book));
    sent
}

/// A command's output, the files it wrote and its outcome, to the client
/// that sent it; false when that client is gone.
fn answer(result: Result<(), CommandError>, env: RemoteEnv, tx: &SyncSender<Reply>) -> bool {
    for chunk in env.out.chunks(OUTPUT_CHUNK) {
        if tx.send(Reply::Output(chunk.to_vec())).is_err() {
            return false;
        }
    }
    let result = match (result, env.large) {
        (Ok(()), Some(file)) => match stream_file(file, tx) {
            Err(e) if e.kind == ErrorKind::Quiet => return false,
            r => r,
        },
        (r, _) => r,
    };
    for (path, bytes) in env.written {
        if tx.send(Reply::WriteFile { path, bytes }).is_err() {
            return false;
        }
    }
    tx.send(Reply::Done(result)).is_ok()
}
