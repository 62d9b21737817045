//! The one error type of every command. It says what *kind* of failure it
//! is; the CLI alone turns a kind into an exit code (`cli::exit`), so the
//! same command run by the server or in-process fails the same way.

use crate::book::BookError;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// What went wrong, as far as a caller acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// A runtime failure: I/O, a lost server, a write that could not finish.
    Failed,
    /// The command line itself was wrong.
    Usage,
    /// The input was rejected: bad CSV rows, an invalid model or keymap,
    /// an unknown key or tier.
    Invalid,
    /// The database cannot be opened: damaged, foreign, locked, newer, or
    /// not there.
    Database,
    /// Nothing to report: the reader went away (`kam export | head`).
    Quiet,
}

impl ErrorKind {
    const ALL: [ErrorKind; 5] = [
        ErrorKind::Failed,
        ErrorKind::Usage,
        ErrorKind::Invalid,
        ErrorKind::Database,
        ErrorKind::Quiet,
    ];

    /// A stable name (the starting server reports its failure by it).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Failed => "failed",
            ErrorKind::Usage => "usage",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Database => "database",
            ErrorKind::Quiet => "quiet",
        }
    }
}

impl std::str::FromStr for ErrorKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// A failed command: its kind and the message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

pub type CmdResult = Result<(), CommandError>;

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl std::fmt::Display) -> Self {
        CommandError {
            kind,
            message: message.to_string(),
        }
    }

    pub fn failed(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::Failed, message)
    }

    pub fn invalid(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn database(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorKind::Database, message)
    }

    /// The reader of the output went away: end without a message.
    pub fn quiet() -> Self {
        Self::new(ErrorKind::Quiet, "")
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        let kind = match e {
            StoreError::Damaged { .. }
            | StoreError::Foreign { .. }
            | StoreError::Locked { .. }
            | StoreError::Newer { .. } => ErrorKind::Database,
            StoreError::Invalid(_) | StoreError::DuplicateKey(_) | StoreError::NotFound(_) => {
                ErrorKind::Invalid
            }
            _ => ErrorKind::Failed,
        };
        CommandError::new(kind, e)
    }
}

impl From<BookError> for CommandError {
    fn from(e: BookError) -> Self {
        match e {
            BookError::Store(s) => s.into(),
            other => CommandError::invalid(other),
        }
    }
}

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CommandError::quiet();
        }
        CommandError::failed(e)
    }
}
