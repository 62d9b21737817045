//! The messages between `kam` clients and the server.
//!
//! A connection starts with a handshake whose first 8 bytes are fixed across
//! versions (`MAGIC` + protocol version, big-endian), so that a client and a
//! server of different kam versions can still tell each other so clearly.
//! After it, every message is a serde value sent with `frame::send`.

use crate::book::query::{ListQuery, Touched};
use crate::book::{BookError, ConflictInfo, WriteOp};
use crate::commands::{Command, CommandError, Output};
use crate::domain::AccountId;
use crate::store::StoreError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAGIC: [u8; 4] = *b"KAMP";
/// Bump on any change to the messages below.
pub const PROTOCOL_VERSION: u32 = 6;

/// Largest message a client may send (input files of an import included).
pub const CLIENT_MESSAGE_LIMIT: usize = 256 * 1024 * 1024;
/// Largest message a server may send (a whole export at once).
pub const SERVER_MESSAGE_LIMIT: usize = 1024 * 1024 * 1024;

/// What a client says first (after MAGIC and its version).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    /// The client's "today" (`--as-of` / `KAM_TODAY`, or its local date).
    pub as_of: NaiveDate,
    /// True when the date was given explicitly, not the local date.
    pub pinned: bool,
    /// Random per client process; with `Command::request` it names a write.
    pub client_id: u64,
    /// Receive change notifications (the TUI does, one-shot commands don't).
    pub subscribe: bool,
}

/// The server's answer to `Hello`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Welcome {
    Ok(ServerInfo),
    /// The client cannot be served, and why.
    Refused(CommandError),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerInfo {
    pub pid: u32,
    /// The OS user the server attributes this client's changes to.
    pub user: String,
    pub as_of: NaiveDate,
    pub db: String,
    /// Group-shared team directory (0770/0660) or private (0700/0600).
    pub group_shared: bool,
    /// Sequence number of the last committed change.
    pub seq: u64,
}

/// An input file: its path as given, and its content or why the client
/// could not read it.
pub type InputFile = (Vec<u8>, Result<super::content::Content, String>);

/// Requests after the handshake.
// One per message, built and sent at once: boxing the call would only add
// noise for every sender.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// A book command with the content of the input files it names, which
    /// the client read itself: the server may run as another user. Paths
    /// are raw bytes: file names need not be UTF-8.
    Command {
        command: Command,
        files: Vec<InputFile>,
        /// Identifies a write for exactly-once retries.
        request: u64,
        /// The client's terminal width and colour, for text output.
        output: Output,
    },
    /// Who is connected, since when.
    Status,
    /// Stop the server (after answering).
    Stop,
    /// The account this client has open in a form, if any.
    Presence { editing: Option<AccountId> },
    /// One `Backend` method (the TUI's `RemoteBackend`), answered by
    /// `Reply::Answer` with the same `request`. A write (`Call::Execute`)
    /// is applied once per (client id, request): a resend after a lost
    /// connection returns the first outcome.
    Call { request: u64, call: Call },
}

/// The `Backend` methods, as requests.
// One per request, built and sent at once: boxing the write would only add
// noise for every sender.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Call {
    /// The scoring model, as TOML.
    Model,
    List(ListQuery),
    Rows(Vec<AccountId>),
    Search {
        text: String,
        limit: usize,
    },
    Detail(AccountId),
    Timeline {
        account: AccountId,
        offset: usize,
        limit: usize,
    },
    Matrix,
    Agenda(Option<String>),
    /// What changed, and the version of the agenda the client holds.
    Delta(Touched, Option<u64>),
    /// The KPIs of a period (`Backend::report`).
    Report {
        period: crate::segment::kpi::Period,
        owner: Option<String>,
    },
    Account(AccountId),
    Score(AccountId),
    ContactsOf(AccountId),
    InteractionsOf(AccountId),
    FollowupsOf(AccountId),
    History(AccountId),
    ChangesSince(u64),
    LastSeq,
    /// The team's saved views.
    Views,
    /// A write; answered with its outcome and what it changed.
    Execute(WriteOp),
    ReviewDue,
    PlanMerge {
        keep: String,
        drop: String,
        take: Vec<String>,
    },
}

impl Call {
    /// The call's name for the server log (without its arguments, which
    /// can be a hundred thousand ids).
    pub fn name(&self) -> &'static str {
        match self {
            Call::Model => "model",
            Call::List(_) => "list",
            Call::Rows(_) => "rows",
            Call::Search { .. } => "search",
            Call::Detail(_) => "detail",
            Call::Timeline { .. } => "timeline",
            Call::Matrix => "matrix",
            Call::Agenda(_) => "agenda",
            Call::Delta(..) => "delta",
            Call::Report { .. } => "report",
            Call::Account(_) => "account",
            Call::Score(_) => "score",
            Call::ContactsOf(_) => "contacts",
            Call::InteractionsOf(_) => "interactions",
            Call::FollowupsOf(_) => "follow-ups",
            Call::History(_) => "history",
            Call::ChangesSince(_) => "changes",
            Call::LastSeq => "last seq",
            Call::Views => "views",
            Call::Execute(_) => "write",
            Call::ReviewDue => "review",
            Call::PlanMerge { .. } => "merge plan",
        }
    }
}

/// A `BookError` on the wire: the kinds a client acts on keep their data
/// (a conflict carries both sides for the form), the rest their message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireError {
    Conflict(Box<ConflictInfo>),
    Undo(String),
    UnknownAccount(String),
    UnknownTier {
        tier: String,
        model: String,
        known: String,
    },
    Model(String),
    DuplicateKey(String),
    NotFound(String),
    /// A question that cannot be answered as asked (`BackendError::Refused`).
    Refused(String),
    /// Any other failure, as its message.
    Other(String),
}

impl From<&BookError> for WireError {
    fn from(e: &BookError) -> Self {
        match e {
            BookError::Conflict(c) => WireError::Conflict(c.clone()),
            BookError::Undo(m) => WireError::Undo(m.clone()),
            BookError::UnknownAccount { key, close } if close.is_empty() => {
                WireError::UnknownAccount(key.clone())
            }
            BookError::UnknownTier { tier, model, known } => WireError::UnknownTier {
                tier: tier.clone(),
                model: model.clone(),
                known: known.clone(),
            },
            BookError::Model(m) => WireError::Model(m.clone()),
            BookError::Store(StoreError::DuplicateKey(k)) => WireError::DuplicateKey(k.clone()),
            BookError::Store(StoreError::NotFound(w)) => WireError::NotFound(w.clone()),
            other => WireError::Other(other.to_string()),
        }
    }
}

impl From<WireError> for BookError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Conflict(c) => BookError::Conflict(c),
            WireError::Undo(m) => BookError::Undo(m),
            WireError::UnknownAccount(key) => BookError::UnknownAccount {
                key,
                close: Vec::new(),
            },
            WireError::UnknownTier { tier, model, known } => {
                BookError::UnknownTier { tier, model, known }
            }
            WireError::Model(m) => BookError::Model(m),
            WireError::DuplicateKey(k) => BookError::Store(StoreError::DuplicateKey(k)),
            WireError::NotFound(w) => BookError::Store(StoreError::NotFound(w)),
            WireError::Refused(m) | WireError::Other(m) => BookError::Remote(m),
        }
    }
}

impl From<&crate::backend::BackendError> for WireError {
    fn from(e: &crate::backend::BackendError) -> Self {
        use crate::backend::BackendError;
        match e {
            BackendError::Book(b) => WireError::from(b),
            BackendError::Refused(m) => WireError::Refused(m.clone()),
            // The server itself never loses the server.
            BackendError::Lost { why } => WireError::Other(why.clone()),
        }
    }
}

impl From<WireError> for crate::backend::BackendError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Refused(m) => crate::backend::BackendError::Refused(m),
            other => crate::backend::BackendError::Book(other.into()),
        }
    }
}

/// Replies and notifications from the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// Standard output of a command, in order.
    Output(Vec<u8>),
    /// A file the command wrote: the client writes it (atomically).
    WriteFile {
        path: Vec<u8>,
        bytes: Vec<u8>,
    },
    /// The command finished (the client turns an error into its exit code).
    Done(Result<(), CommandError>),
    /// A step of a long command, for the client's progress bar.
    Progress {
        done: u64,
        total: u64,
        what: String,
    },
    /// A remark for the client's stderr (a filter that matched nothing).
    Warning(String),
    Status(ServerStatus),
    /// A change committed by someone (pushed to subscribers).
    Changed(Change),
    /// Notifications were dropped for this (slow) client: reload everything.
    Resync,
    /// Who else is connected and what they have open (pushed on change).
    Presence(Vec<PeerInfo>),
    /// The answer to `Request::Call`: the method's value encoded with
    /// `frame::encode` (its type is known from the call), or its error.
    Answer {
        request: u64,
        result: Result<Vec<u8>, WireError>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub user: String,
    pub summary: String,
    /// The list rows it touched (clients refetch those, not the book).
    pub touched: Touched,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub client_id: u64,
    pub user: String,
    pub editing: Option<AccountId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerStatus {
    pub pid: u32,
    pub uptime_secs: u64,
    pub db: String,
    pub as_of: NaiveDate,
    pub group_shared: bool,
    pub seq: u64,
    pub clients: Vec<PeerInfo>,
    /// The last hooks that failed, oldest first, one line each.
    pub hook_failures: Vec<String>,
}

/// The fixed 8-byte prefix of both handshake messages.
pub fn header() -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..4].copy_from_slice(&MAGIC);
    h[4..].copy_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    h
}

/// Splits a handshake payload into the peer's version and the rest; `None`
/// when it is not a kam handshake at all.
pub fn split_header(payload: &[u8]) -> Option<(u32, &[u8])> {
    if payload.len() < 8 || payload[..4] != MAGIC {
        return None;
    }
    let v = u32::from_be_bytes([payload[4], payload[5], payload[6], payload[7]]);
    Some((v, &payload[8..]))
}

/// A version-mismatch answer: header, then the server's pid (u32 BE) and a
/// plain UTF-8 message, readable by any kam version.
pub fn mismatch_payload(pid: u32, message: &str) -> Vec<u8> {
    let mut p = header().to_vec();
    p.extend_from_slice(&pid.to_be_bytes());
    p.extend_from_slice(message.as_bytes());
    p
}
