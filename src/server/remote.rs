//! `RemoteBackend`: the TUI's `Backend` on the team server. Every method is
//! one request (`Request::Call`) answered by the server's `Book`; a reader
//! thread receives answers and pushed notices (changes, presence, resync).
//!
//! A lost connection is made again — starting a new server if the old one
//! is gone — and the request in flight is resent with the SAME number: a
//! write is named by (client id, request number), so the server applies it
//! once and answers a resend with the first outcome. After a reconnect the
//! changes committed meanwhile are fetched (`changes_since`) and reported.

use super::client::{ClientHello, Connection};
use super::frame::{self, FrameError};
use super::protocol::{self, Call, PeerInfo, Reply, Request, ServerInfo, WireError};
use super::spawn::Endpoint;
use crate::audit::AuditEntry;
use crate::backend::{Backend, BackendError, BackendResult, Notice, Peer, Waker, Written};
use crate::book::WriteOp;
use crate::book::merge_accounts::MergePlan;
use crate::book::query::{
    AccountDetail, AccountRow, AgendaRow, Delta, ListPage, ListQuery, MatrixSummary, Page, Touched,
};
use crate::book::review::ReviewItem;
use crate::commands::{CommandError, ErrorKind};
use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction};
use crate::segment::{AccountScore, Model};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{BufReader, BufWriter};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one answer may take (a long import by someone else holds the
/// book meanwhile).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(300);
/// Sends of one request before giving up (each after a reconnect).
const ATTEMPTS: u32 = 3;
/// After a failed reconnect, wait this long before the next try.
const RETRY_EVERY: Duration = Duration::from_secs(2);

/// What the reader thread hands over.
enum Inbound {
    Reply(Reply),
    Closed(String),
}

/// One live connection: its writing half and what its reader receives.
struct Link {
    writer: BufWriter<UnixStream>,
    stream: UnixStream,
    rx: Receiver<Inbound>,
}

impl Drop for Link {
    fn drop(&mut self) {
        // Ends the reader thread too.
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The waker `Backend::on_change` was given, shared with the reader
/// threads of every connection (a reconnect starts a new one).
type SharedWaker = Arc<Mutex<Option<Waker>>>;

fn open_link(
    ep: &Endpoint,
    hello: &ClientHello,
    waker: &SharedWaker,
) -> Result<(Link, ServerInfo), CommandError> {
    let conn = Connection::open(ep, hello)?;
    let stream = conn.stream()?;
    let (mut reader, writer, info) = conn.split();
    let (tx, rx) = channel();
    let waker = Arc::clone(waker);
    std::thread::spawn(move || read_loop(&mut reader, tx, &waker));
    Ok((Link { writer, stream, rx }, info))
}

fn read_loop(
    reader: &mut BufReader<UnixStream>,
    tx: std::sync::mpsc::Sender<Inbound>,
    waker: &SharedWaker,
) {
    // After the message is queued, so that the woken loop finds it.
    let wake = || {
        if let Some(w) = waker.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            w();
        }
    };
    loop {
        match frame::recv::<Reply>(reader, protocol::SERVER_MESSAGE_LIMIT) {
            Ok(r) => {
                // An answer is awaited by the call that asked; the rest is
                // news for `poll_changes`.
                let news = !matches!(r, Reply::Answer { .. });
                if tx.send(Inbound::Reply(r)).is_err() {
                    return;
                }
                if news {
                    wake();
                }
            }
            Err(e) => {
                let why = match e {
                    FrameError::Closed => "the kam server closed the connection".to_string(),
                    other => format!("kam server: {other}"),
                };
                let _ = tx.send(Inbound::Closed(why));
                wake();
                return;
            }
        }
    }
}

fn lost(why: &str) -> BackendError {
    BackendError::Lost {
        why: why.to_string(),
    }
}

pub struct RemoteBackend {
    ep: Endpoint,
    hello: ClientHello,
    info: ServerInfo,
    /// The team's model, fetched at connect and after changes.
    model: Model,
    model_stale: Cell<bool>,
    link: RefCell<Option<Link>>,
    next_request: Cell<u64>,
    /// The last change this session knows of (catch-up after a reconnect).
    last_seq: Cell<u64>,
    notices: RefCell<VecDeque<Notice>>,
    peers: RefCell<Vec<PeerInfo>>,
    editing: Option<AccountId>,
    retry_at: Cell<Option<Instant>>,
    /// Test hook: the next answer is dropped together with the connection.
    drop_next_answer: Cell<bool>,
    waker: SharedWaker,
}

impl RemoteBackend {
    /// Connects (starting the server if none runs) and subscribes to
    /// change notices.
    pub fn connect(ep: Endpoint, mut hello: ClientHello) -> Result<RemoteBackend, CommandError> {
        hello.subscribe = true;
        let waker = SharedWaker::default();
        let (link, info) = open_link(&ep, &hello, &waker)?;
        let mut rb = RemoteBackend {
            ep,
            hello,
            last_seq: Cell::new(info.seq),
            info,
            model: Model::default(),
            model_stale: Cell::new(true),
            link: RefCell::new(Some(link)),
            next_request: Cell::new(1),
            notices: RefCell::new(VecDeque::new()),
            peers: RefCell::new(Vec::new()),
            editing: None,
            retry_at: Cell::new(None),
            drop_next_answer: Cell::new(false),
            waker,
        };
        rb.sync_model()
            .map_err(|e| CommandError::new(ErrorKind::Failed, e))?;
        Ok(rb)
    }

    /// This client's id: with a request number it names a write.
    pub fn client_id(&self) -> u64 {
        self.hello.client_id
    }

    /// The server as it greeted this client (pid, user, date, seq).
    pub fn server(&self) -> &ServerInfo {
        &self.info
    }

    /// Test hook: the answer to the next request is thrown away and the
    /// connection dropped, as if the server's reply was lost after it
    /// committed; the request is then resent on a new connection.
    #[doc(hidden)]
    pub fn drop_next_answer(&self) {
        self.drop_next_answer.set(true);
    }

    fn sync_model(&mut self) -> BackendResult<()> {
        let toml: String = self.call(Call::Model)?;
        self.model = Model::from_toml(&toml).map_err(crate::book::BookError::from)?;
        self.model_stale.set(false);
        Ok(())
    }

    /// One method on the server, resent after a reconnect if the
    /// connection breaks before the answer.
    fn call<T: DeserializeOwned>(&self, call: Call) -> BackendResult<T> {
        let request = self.next_request.get();
        self.next_request.set(request + 1);
        let mut why = String::new();
        for _ in 0..ATTEMPTS {
            if self.link.borrow().is_none()
                && let Err(f) = self.reconnect()
            {
                return Err(lost(&f.message));
            }
            match self.exchange(request, &call) {
                Ok(Ok(bytes)) => {
                    return frame::decode::<T>(&bytes).map_err(|e| lost(&e.to_string()));
                }
                Ok(Err(e)) => return Err(e.into()),
                Err(w) => {
                    why = w;
                    self.link.replace(None);
                }
            }
        }
        Err(lost(&why))
    }

    /// Sends one request and waits for its answer; pushes that arrive
    /// meanwhile are kept. `Err` when the connection broke.
    fn exchange(&self, request: u64, call: &Call) -> Result<Result<Vec<u8>, WireError>, String> {
        let mut guard = self.link.borrow_mut();
        let Some(link) = guard.as_mut() else {
            return Err("not connected".into());
        };
        let req = Request::Call {
            request,
            call: call.clone(),
        };
        frame::send(&mut link.writer, &req).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match link.rx.recv_timeout(wait) {
                Ok(Inbound::Reply(Reply::Answer { request: r, result })) if r == request => {
                    if self.drop_next_answer.replace(false) {
                        return Err("answer dropped (test)".into());
                    }
                    return Ok(result);
                }
                Ok(Inbound::Reply(other)) => self.keep(other),
                Ok(Inbound::Closed(why)) => return Err(why),
                Err(RecvTimeoutError::Timeout) => {
                    return Err("the kam server did not answer in time".into());
                }
                Err(RecvTimeoutError::Disconnected) => return Err("connection closed".into()),
            }
        }
    }

    /// Files a pushed message as a notice.
    fn keep(&self, reply: Reply) {
        let notice = match reply {
            Reply::Changed(c) => {
                self.last_seq.set(self.last_seq.get().max(c.seq));
                self.model_stale.set(true);
                Notice::Changed {
                    seq: c.seq,
                    user: c.user,
                    summary: c.summary,
                    touched: c.touched,
                }
            }
            Reply::Resync => {
                self.model_stale.set(true);
                Notice::Resync
            }
            Reply::Presence(p) => {
                *self.peers.borrow_mut() = p;
                Notice::Presence
            }
            _ => return, // stray command output: not for a backend
        };
        self.notices.borrow_mut().push_back(notice);
    }

    /// Makes the connection again (starting a server if needed), tells it
    /// what this session has open, and reports what changed meanwhile.
    fn reconnect(&self) -> Result<(), CommandError> {
        if !self.retry_due() {
            return Err(CommandError::new(
                ErrorKind::Failed,
                "the kam server is not reachable; retrying shortly",
            ));
        }
        let (link, _info) = match open_link(&self.ep, &self.hello, &self.waker) {
            Ok(l) => l,
            Err(f) => {
                self.retry_at.set(Some(Instant::now() + RETRY_EVERY));
                return Err(f);
            }
        };
        self.retry_at.set(None);
        self.link.replace(Some(link));
        self.model_stale.set(true);
        self.notices.borrow_mut().push_back(Notice::Reconnected);
        if self.editing.is_some() {
            self.send_presence(self.editing);
        }
        let since = self.last_seq.get();
        let request = self.next_request.get();
        self.next_request.set(request + 1);
        if let Ok(Ok(bytes)) = self.exchange(request, &Call::ChangesSince(since))
            && let Ok(entries) = frame::decode::<Vec<AuditEntry>>(&bytes)
        {
            for e in entries {
                self.last_seq.set(self.last_seq.get().max(e.seq));
                // Tier bookkeeping follows the change that caused it.
                if e.action == "tier_change" {
                    continue;
                }
                let what = e
                    .changes
                    .first()
                    .map(|c| format!(" ({})", c.record.label()))
                    .unwrap_or_default();
                self.notices.borrow_mut().push_back(Notice::Changed {
                    seq: e.seq,
                    user: e.user.clone(),
                    summary: format!("{}{what}", e.action.replace('_', " ")),
                    touched: Touched::Accounts(e.accounts()),
                });
            }
        }
        Ok(())
    }

    /// False shortly after a failed reconnect (no retry storm).
    fn retry_due(&self) -> bool {
        self.retry_at.get().is_none_or(|t| Instant::now() >= t)
    }

    fn send_presence(&self, editing: Option<AccountId>) {
        let mut guard = self.link.borrow_mut();
        if let Some(link) = guard.as_mut()
            && frame::send(&mut link.writer, &Request::Presence { editing }).is_err()
        {
            *guard = None;
        }
    }
}

impl Backend for RemoteBackend {
    fn user(&self) -> &str {
        &self.info.user
    }
    fn today(&self) -> NaiveDate {
        self.info.as_of
    }
    fn model(&self) -> &Model {
        &self.model
    }
    fn list(&self, q: &ListQuery) -> BackendResult<ListPage> {
        self.call(Call::List(q.clone()))
    }
    fn rows(&self, ids: &[AccountId]) -> BackendResult<Vec<AccountRow>> {
        self.call(Call::Rows(ids.to_vec()))
    }
    fn search(&self, text: &str, limit: usize) -> BackendResult<Vec<AccountRow>> {
        self.call(Call::Search {
            text: text.to_string(),
            limit,
        })
    }
    fn detail(&self, id: AccountId) -> BackendResult<Option<AccountDetail>> {
        self.call(Call::Detail(id))
    }
    fn timeline(
        &self,
        account: AccountId,
        offset: usize,
        limit: usize,
    ) -> BackendResult<Page<Interaction>> {
        self.call(Call::Timeline {
            account,
            offset,
            limit,
        })
    }
    fn matrix(&self) -> BackendResult<MatrixSummary> {
        self.call(Call::Matrix)
    }
    fn report(
        &self,
        period: crate::segment::kpi::Period,
        owner: Option<&str>,
    ) -> BackendResult<crate::segment::kpi::KpiReport> {
        self.call(Call::Report {
            period,
            owner: owner.map(str::to_string),
        })
    }
    fn agenda(&self, owner: Option<&str>) -> BackendResult<Vec<AgendaRow>> {
        self.call(Call::Agenda(owner.map(str::to_string)))
    }
    fn delta(&self, touched: Touched, have: Option<u64>) -> BackendResult<Delta> {
        self.call(Call::Delta(touched, have))
    }
    fn account(&self, id: AccountId) -> BackendResult<Option<Account>> {
        self.call(Call::Account(id))
    }
    fn score(&self, id: AccountId) -> BackendResult<Option<AccountScore>> {
        self.call(Call::Score(id))
    }
    fn contacts_of(&self, id: AccountId) -> BackendResult<Vec<Contact>> {
        self.call(Call::ContactsOf(id))
    }
    fn interactions_of(&self, id: AccountId) -> BackendResult<Vec<Interaction>> {
        self.call(Call::InteractionsOf(id))
    }
    fn followups_of(&self, id: AccountId) -> BackendResult<Vec<FollowUp>> {
        self.call(Call::FollowupsOf(id))
    }
    fn history(&self, id: AccountId) -> BackendResult<Vec<AuditEntry>> {
        self.call(Call::History(id))
    }
    fn changes_since(&self, seq: u64) -> BackendResult<Vec<AuditEntry>> {
        self.call(Call::ChangesSince(seq))
    }
    fn last_seq(&self) -> BackendResult<u64> {
        self.call(Call::LastSeq)
    }
    fn review_due(&self) -> BackendResult<Vec<ReviewItem>> {
        self.call(Call::ReviewDue)
    }
    fn plan_merge(&self, keep: &str, drop: &str, take: &[String]) -> BackendResult<MergePlan> {
        self.call(Call::PlanMerge {
            keep: keep.to_string(),
            drop: drop.to_string(),
            take: take.to_vec(),
        })
    }
    fn views(&self) -> BackendResult<crate::book::views::ViewSet> {
        self.call(Call::Views)
    }

    fn execute(&mut self, op: WriteOp) -> BackendResult<Written> {
        // A model change (set, or restored by an undo) re-shapes the views.
        let model_may_change = matches!(op, WriteOp::SetModel { .. } | WriteOp::Undo);
        let written: Written = self.call(Call::Execute(op))?;
        if let Some(seq) = written.outcome.seq {
            self.last_seq.set(self.last_seq.get().max(seq));
        }
        if model_may_change || self.model_stale.get() {
            self.sync_model()?;
        }
        Ok(written)
    }

    fn is_live(&self) -> bool {
        true
    }

    fn poll_changes(&mut self) -> Vec<Notice> {
        // Pushes that arrived while idle.
        let closed = {
            let guard = self.link.borrow();
            let mut closed = None;
            if let Some(link) = guard.as_ref() {
                let mut pending = Vec::new();
                loop {
                    match link.rx.try_recv() {
                        Ok(Inbound::Reply(r)) => pending.push(r),
                        Ok(Inbound::Closed(why)) => {
                            closed = Some(why);
                            break;
                        }
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            closed = Some("connection closed".into());
                            break;
                        }
                    }
                }
                drop(guard);
                for r in pending {
                    self.keep(r);
                }
            }
            closed
        };
        if let Some(why) = closed {
            self.link.replace(None);
            self.notices.borrow_mut().push_back(Notice::Lost(why));
        }
        if self.link.borrow().is_none()
            && self.retry_due()
            && let Err(f) = self.reconnect()
        {
            self.notices.borrow_mut().push_back(Notice::Lost(f.message));
        }
        let notices: Vec<Notice> = self.notices.borrow_mut().drain(..).collect();
        if self.model_stale.get() && self.link.borrow().is_some() {
            let _ = self.sync_model();
        }
        notices
    }

    fn on_change(&mut self, wake: Waker) {
        *self.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(wake);
    }

    fn set_editing(&mut self, account: Option<AccountId>) {
        if self.editing == account {
            return;
        }
        self.editing = account;
        self.send_presence(account);
    }

    fn peers(&self) -> Vec<Peer> {
        self.peers
            .borrow()
            .iter()
            .map(|p| Peer {
                user: p.user.clone(),
                editing: p.editing,
                me: p.client_id == self.hello.client_id,
            })
            .collect()
    }
}
