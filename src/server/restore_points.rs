//! Automatic restore points: the server keeps rotating backups in
//! `<db>/restore-points/`, so a damaged database always has a recent one.
//!
//! One a day: when the server starts, and before the first write of a day,
//! it takes one if the newest is from an earlier day (UTC), keeping the
//! last `KAM_RESTORE_POINTS` (default 7; 0 takes none). It is a copy of one
//! state: the one at start is written from a second handle on the store
//! while clients read and writes wait (`upkeep::WriteGate`; about ten
//! seconds at 100k accounts, once a day); the one before a write, with the
//! book locked. An empty database has nothing to keep. Files are written atomically (temp
//! file, fsync, rename) with the database's permissions (0600, or 0660 in a
//! team directory).

use crate::store::{BACKUP_SUFFIX, RESTORE_POINTS_DIR, Store, restore_points};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// Restore points kept when `KAM_RESTORE_POINTS` is not set.
pub const DEFAULT_KEEP: usize = 7;
const NAME_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// How many restore points to keep: `KAM_RESTORE_POINTS` (0: none), else
/// `DEFAULT_KEEP`. A value that is not a number is the default.
pub fn keep() -> usize {
    std::env::var("KAM_RESTORE_POINTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_KEEP)
}

/// The file name of a restore point taken at `at`.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("kam-{}{BACKUP_SUFFIX}", at.format(NAME_FORMAT))
}

/// When a restore point was taken, from its name.
fn taken_at(path: &Path) -> Option<DateTime<Utc>> {
    let name = path.file_name()?.to_str()?;
    let stamp = name.strip_prefix("kam-")?.strip_suffix(BACKUP_SUFFIX)?;
    NaiveDateTime::parse_from_str(stamp, NAME_FORMAT)
        .ok()
        .map(|t| t.and_utc())
}

/// True when the newest restore point of `db` is from a day before `now`
/// (or there is none).
pub fn due(db: &Path, now: DateTime<Utc>) -> bool {
    let newest = restore_points(db).iter().filter_map(|p| taken_at(p)).max();
    newest.is_none_or(|t| t.date_naive() < now.date_naive())
}

/// True when `store` should get a restore point now: one is due, some
/// are kept, and the database has anything in it.
pub fn wanted(store: &Store, keep: usize, now: DateTime<Utc>) -> Result<bool, String> {
    if keep == 0 || !due(store.path(), now) {
        return Ok(false);
    }
    let empty = store.is_empty().map_err(|e| e.to_string())?
        && store.last_seq().map_err(|e| e.to_string())? == 0;
    Ok(!empty)
}

/// Takes a restore point of `store` now if one is `wanted`; then keeps only
/// the newest `keep`. The store must not change meanwhile (the caller holds
/// the book, or has closed the write gate). Returns the file written.
pub fn take_if_due(
    store: &Store,
    keep: usize,
    group_shared: bool,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>, String> {
    if !wanted(store, keep, now)? {
        return Ok(None);
    }
    let db = store.path();
    let dir = db.join(RESTORE_POINTS_DIR);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(if group_shared { 0o770 } else { 0o700 })
        .create(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(file_name(now));
    let mode = if group_shared { 0o660 } else { 0o600 };
    crate::commands::backup::write_backup_file(store, &path, mode).map_err(|e| e.message)?;
    prune(db, keep);
    Ok(Some(path))
}

/// Removes all but the newest `keep` restore points.
pub fn prune(db: &Path, keep: usize) {
    let points = restore_points(db);
    let extra = points.len().saturating_sub(keep);
    for old in &points[..extra] {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn one_a_day_and_only_the_newest_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path();
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
        assert!(due(db, at(1, 9)), "none yet");
        std::fs::create_dir(db.join(RESTORE_POINTS_DIR)).unwrap();
        for d in 1..=5 {
            std::fs::write(db.join(RESTORE_POINTS_DIR).join(file_name(at(d, 8))), b"x").unwrap();
        }
        // foreign files in the directory are neither counted nor removed
        std::fs::write(db.join(RESTORE_POINTS_DIR).join("notes.txt"), b"x").unwrap();
        assert!(!due(db, at(5, 23)), "one from today");
        assert!(due(db, at(6, 0)), "the newest is from yesterday");
        assert_eq!(taken_at(&restore_points(db)[0]), Some(at(1, 8)));
        prune(db, 2);
        let left: Vec<_> = restore_points(db)
            .iter()
            .filter_map(|p| taken_at(p))
            .collect();
        assert_eq!(left, vec![at(4, 8), at(5, 8)]);
        assert!(db.join(RESTORE_POINTS_DIR).join("notes.txt").exists());
        assert_eq!(
            crate::store::newest_restore_point(db).unwrap(),
            db.join(RESTORE_POINTS_DIR).join(file_name(at(5, 8)))
        );
    }
}
