//! Store errors, worded so that a user knows what happened and what to do.

use crate::domain::FieldError;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `path` is empty when the failing database is not known (a process
    /// with several databases open).
    #[error("{}", damaged_text(path, detail))]
    Damaged { path: PathBuf, detail: String },

    /// A write the disk had no room for (full, quota, or file size limit).
    #[error(
        "the kam database at {} could not be written: {detail}. The change was not saved; \
         the database keeps its previous state. Free some space, then try again.",
        path.display()
    )]
    Full { path: PathBuf, detail: String },

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

fn damaged_text(path: &Path, detail: &str) -> String {
    let at = if path.as_os_str().is_empty() {
        String::new()
    } else {
        format!(" at {}", path.display())
    };
    let hint = if path.as_os_str().is_empty() {
        String::new()
    } else {
        super::restore_hint(path)
    };
    format!(
        "the kam database{at} is damaged ({detail}). Restore that directory from a backup, \
         or move it aside and re-import your last export, then start kam again.{hint}"
    )
}

/// The databases open in this process, so that a storage failure deep in a
/// read can name its database (sled's errors do not say which).
static OPEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub(super) fn register_open(path: &Path) {
    OPEN.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(path.to_path_buf());
}

pub(super) fn unregister_open(path: &Path) {
    let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(i) = open.iter().position(|p| p == path) {
        open.remove(i);
    }
}

/// The one database open in this process (empty when none or several).
fn the_open_db() -> PathBuf {
    pick(&OPEN.lock().unwrap_or_else(|p| p.into_inner()))
}

fn pick(open: &[PathBuf]) -> PathBuf {
    match open {
        [one] => one.clone(),
        [first, rest @ ..] if rest.iter().all(|p| p == first) => first.clone(),
        _ => PathBuf::new(),
    }
}

/// A full disk, a quota, or the file size limit (`RLIMIT_FSIZE`).
pub(super) fn is_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.raw_os_error(),
        Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG)
    ) || matches!(
        e.kind(),
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge
    )
}

/// sled's error as a short phrase for the damage message: its own text
/// names internals ("file offset None backtrace ()").
pub(super) fn sled_detail(e: &sled::Error) -> String {
    match e {
        sled::Error::Corruption { at: Some(at), .. } => {
            format!("corrupted data at offset {}", at.lid())
        }
        sled::Error::Corruption { at: None, .. } => "corrupted data".into(),
        sled::Error::Io(io) => format!("read error: {}", short_detail(&io.to_string())),
        sled::Error::CollectionNotFound(_) => "a part of the database is missing".into(),
        sled::Error::Unsupported(m) | sled::Error::ReportableBug(m) => short_detail(m),
    }
}

/// The first line of a storage engine message, cut to a readable length.
pub(super) fn short_detail(m: &str) -> String {
    const MAX: usize = 80;
    let line = m.lines().next().unwrap_or_default().trim();
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX - 1).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

/// Every storage failure is one of three things for the user: no
/// permission, no room, or damage (exit 4) — never the engine's internals.
impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        from_sled(e, the_open_db())
    }
}

fn from_sled(e: sled::Error, path: PathBuf) -> StoreError {
    {
        match &e {
            sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                StoreError::Io(format!("{}: {io}", path.display()))
            }
            sled::Error::Io(io) if is_full(io) => StoreError::Full {
                path,
                detail: io.to_string(),
            },
            _ => StoreError::Damaged {
                path,
                detail: sled_detail(&e),
            },
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_failures_are_damage_full_disk_or_permissions_never_internals() {
        let path = PathBuf::from("/data/kam-error-test");
        let corrupt = from_sled(sled::Error::Corruption { at: None, bt: () }, path.clone());
        let io = |n| sled::Error::Io(std::io::Error::from_raw_os_error(n));
        let full = from_sled(io(libc::EFBIG), path.clone());
        let eio = from_sled(io(libc::EIO), path.clone());
        // Several databases open: the message goes without a path.
        let many = [path.clone(), PathBuf::from("/other")];
        assert_eq!(pick(&many), PathBuf::new());
        assert_eq!(pick(&many[..1]), path);
        for e in [&corrupt, &eio] {
            let msg = e.to_string();
            assert!(matches!(e, StoreError::Damaged { .. }), "{e:?}");
            assert!(
                msg.contains("the kam database at /data/kam-error-test is damaged"),
                "{msg}"
            );
            assert!(
                !msg.contains("backtrace") && !msg.contains("I/O error:"),
                "{msg}"
            );
        }
        assert!(matches!(full, StoreError::Full { .. }), "{full:?}");
        assert!(full.to_string().contains("not saved"), "{full}");
    }
}
