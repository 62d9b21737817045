//! Store errors, worded so that a user knows what happened and what to do.

use crate::domain::FieldError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the kam database at {} is damaged ({detail}). Restore that directory from a backup, \
         or move it aside and re-import your last export, then start kam again.{}",
        path.display(), super::restore_hint(path)
    )]
    Damaged { path: PathBuf, detail: String },

    #[error(
        "{} is not a kam database ({detail}). kam left it untouched; \
         choose an empty or new directory for the database.",
        path.display()
    )]
    Foreign { path: PathBuf, detail: String },

    #[error(
        "the kam database at {} is in use by another process. \
         Close the other kam session, or connect to it in team mode.",
        path.display()
    )]
    Locked { path: PathBuf },

    #[error(
        "the kam database at {} has schema version {found}, but this kam supports up to \
         version {supported}. Upgrade kam to open it.",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error(
        "{record} was changed by someone else meanwhile (you edited version {expected}, \
         the stored one is version {found}). Reload it and apply your change again."
    )]
    Conflict {
        record: String,
        expected: u64,
        found: u64,
    },

    #[error("account key '{0}' is already used by another account; choose another key")]
    DuplicateKey(String),

    #[error("{0} not found")]
    NotFound(String),

    #[error("invalid record: {0}")]
    Invalid(#[from] FieldError),

    #[error(
        "a stored {tree} record could not be read ({detail}); the database may be damaged \
         or written by another kam version"
    )]
    Codec { tree: &'static str, detail: String },

    #[error("database I/O error: {0}")]
    Io(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Io(e.to_string())
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e.to_string())
    }
}

/// sled transaction errors: an abort carries our own error through.
impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => e.into(),
        }
    }
}
