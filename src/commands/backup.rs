//! `kam backup` and `kam restore`, and the backup files the server keeps as
//! restore points. The file format is the store's (`store::backup`); here
//! are the files: a private spool for a backup on its way to stdout or a
//! client, and atomic writes (temp file, fsync, rename) for files.

use super::output::{Progress, Ticker};
use super::{CmdEnv, CmdResult, CommandError, ErrorKind};
use crate::book::Book;
use crate::store::{BackupError, BackupHeader, OpenOptions, Store};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// `kam backup`: the whole database, consistent (the command runs with the
/// book to itself: under its lock in the server, or in the only process
/// that has the database open), sent to standard output. The CLI puts it
/// in a file when one is named.
pub fn backup(book: &Book, env: &mut dyn CmdEnv) -> CmdResult {
    let store = book.store();
    let mut spool = spool_file(store.path())?;
    let mut ticker: Option<Ticker> = None;
    store.write_backup_with(&mut spool, &mut |done, total| {
        let t = ticker.get_or_insert_with(|| Ticker::new("backup", total));
        if let Some(step) = t.step(done) {
            env.progress(step);
        }
    })?;
    env.send_file(spool)?;
    Ok(())
}

/// A private, already unlinked file in the database directory (same disk,
/// same permissions as the database): the backup is written there first
/// because its header, written last, comes first.
fn spool_file(dir: &Path) -> Result<File, CommandError> {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!(".kam-backup-{}-{n}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| CommandError::failed(format!("{}: {e}", path.display())))?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// Writes a backup of `store` to `path` all or nothing: a temp file next
/// to it, fsynced, renamed into place, the directory fsynced. `mode` is the
/// file's permission bits.
pub fn write_backup_file(
    store: &Store,
    path: &Path,
    mode: u32,
) -> Result<BackupHeader, CommandError> {
    let name = path
        .file_name()
        .ok_or_else(|| CommandError::failed(format!("{} is not a file name", path.display())))?;
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let at = |p: &Path, e: std::io::Error| CommandError::failed(format!("{}: {e}", p.display()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| at(&tmp, e))?;
        let header = store.write_backup(&mut file)?;
        file.sync_all().map_err(|e| at(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| at(path, e))?;
        sync_dir(path);
        Ok(header)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Makes a rename in the file's directory durable (best effort).
pub fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}

/// `kam restore FILE --db DIR`: verifies the whole file, then restores it
/// into `dir` (empty or new), with the permissions of a private or team
/// database. Nothing is left behind when it fails. `progress` gets the
/// steps of both phases ("verify backup", then "restore").
pub fn restore(
    file: &Path,
    dir: &Path,
    group_shared: bool,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(Progress),
) -> CmdResult {
    let opts = OpenOptions {
        group_shared,
        ..OpenOptions::default()
    };
    let mut ticker: Option<Ticker> = None;
    let header = crate::store::backup::restore_with(file, dir, &opts, &mut |phase, done, total| {
        let what = if phase == "verify" {
            "verify backup"
        } else {
            "restore"
        };
        if ticker.as_ref().is_none_or(|t| t.what() != what) {
            ticker = Some(Ticker::new(what, total));
        }
        if let Some(step) = ticker.as_mut().and_then(|t| t.step(done)) {
            progress(step);
        }
    })
    .map_err(backup_failure)?;
    writeln!(
        out,
        "restored {} into {}: {}",
        file.display(),
        dir.display(),
        describe(&header)
    )?;
    Ok(())
}

/// What a backup holds, in one line.
pub fn describe(h: &BackupHeader) -> String {
    format!(
        "{} accounts, {} contacts, {} interactions, {} follow-ups, {} changes \
         (taken {} by kam {})",
        h.records("accounts"),
        h.records("contacts"),
        h.records("interactions"),
        h.records("followups"),
        h.entries("audit"),
        h.created,
        h.kam_version
    )
}

/// A backup that cannot be used fails like a database that cannot be
/// opened (exit 4); a target that is not empty is a rejected argument.
pub fn backup_failure(e: BackupError) -> CommandError {
    match e {
        BackupError::Foreign { .. } | BackupError::Damaged { .. } | BackupError::Newer { .. } => {
            CommandError::new(ErrorKind::Database, e)
        }
        BackupError::TargetNotEmpty { .. } => CommandError::new(ErrorKind::Invalid, e),
        BackupError::Io(m) => CommandError::failed(m),
        BackupError::Store(s) => s.into(),
    }
}
