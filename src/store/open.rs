//! Opening a database directory safely: create a new one, open an existing
//! one, and refuse (never touch, never re-create) anything else.

use super::codec::{self, DB_MAGIC, DbHeader};
use super::counts::TreeCounts;
use super::error::{Result, StoreError, short_detail, sled_detail};
use super::{OpenOptions, SCHEMA_VERSION, is_kam_tree};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Key of the database header in the `meta` tree.
pub const HEADER_KEY: &[u8] = b"header";

/// What the directory held before sled saw it.
enum Found {
    /// Nothing there (or an empty directory): create a new database.
    Nothing,
    /// sled files; `had_data` when they held anything at all.
    Sled { had_data: bool },
}

/// Files sled keeps in its directory.
fn is_sled_file(name: &str) -> bool {
    name == "db" || name == "conf" || name == "blobs" || name.starts_with("snap.")
}

/// Files the team server keeps next to the database (socket, start lock,
/// log, the daily restore points): they neither make a directory foreign
/// nor count as a database.
pub const SERVER_FILES: [&str; 5] = [
    "kam.sock",
    "kam.lock",
    "kam-server.log",
    // the last day the server's on_overdue hook checked (server::hooks)
    "kam-hooks.day",
    super::dump::RESTORE_POINTS_DIR,
];

/// The open guard's files (see `guard`): the clean-close marker and the copy
/// of the files taken before an open that may repair them.
pub const GUARD_FILES: [&str; 3] = [
    super::guard::CLOSED_FILE,
    super::guard::CLOSED_TMP,
    super::guard::COPY_DIR,
];

/// Files kam keeps beside the database: the server's, the guard's, and the
/// agenda calendars the server keeps current (`agenda-<owner>.ics`).
fn is_beside_file(name: &str) -> bool {
    SERVER_FILES.contains(&name)
        || GUARD_FILES.contains(&name)
        || (name.starts_with("agenda-") && name.ends_with(".ics"))
}

/// The files and directories kam itself keeps in a database directory.
pub fn is_kam_file(name: &str) -> bool {
    is_sled_file(name) || is_beside_file(name)
}

/// Refuses a directory that exists and holds someone else's files, without
/// creating or changing anything (the server checks before it starts).
pub fn check_dir(dir: &Path) -> Result<()> {
    inspect(dir).map(|_| ())
}

fn inspect(dir: &Path) -> Result<Found> {
    let meta = match fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(StoreError::Io(format!("{}: {e}", dir.display()))),
    };
    if !meta.is_dir() {
        return Err(StoreError::Foreign {
            path: dir.to_path_buf(),
            detail: "it is a file, not a directory".into(),
        });
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))? {
        let entry = entry.map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_beside_file(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Ok(Found::Nothing);
    }
    if !names.iter().any(|n| is_sled_file(n)) {
        names.sort();
        return Err(StoreError::Foreign {
            path: dir.to_path_buf(),
            detail: format!("it already holds other files, e.g. '{}'", names[0]),
        });
    }
    let size = |n: &str| fs::metadata(dir.join(n)).map(|m| m.len()).unwrap_or(0);
    let had_data =
        size("db") > 0 || size("conf") > 0 || names.iter().any(|n| n.starts_with("snap."));
    Ok(Found::Sled { had_data })
}

/// Sets the process umask so that every file sled creates, now or later
/// (snapshots, blobs), is private to the user (or the group in team mode).
/// The umask is process-wide and stays set on purpose: kam's own exports of
/// the same data should not be more readable than the database.
fn set_umask(group_shared: bool) {
    let mask = if group_shared { 0o007 } else { 0o077 };
    // SAFETY: umask only swaps an integer in the process; it cannot fail.
    unsafe {
        libc::umask(mask);
    }
}

/// Runs `f` with panics caught and the panic message kept off the terminal:
/// sled 0.34 may panic on corrupt files instead of returning an error.
/// Callers are serialised so that concurrent opens restore hooks in order.
pub(super) fn quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: Mutex<()> = Mutex::new(());
    let _guard = HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(prev);
    r.map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into())
    })
}

/// How long an open waits for another process to let go of the database.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Waits at most `timeout` until no other process holds sled's lock on the
/// database (an exclusive `flock` on `db`, as sled takes it); false if one
/// still does. Without the wait, an open racing a closing server found no
/// marker yet, copied every file aside and checked every entry (seconds at
/// 100k accounts), or did all that only to be refused as locked.
pub(super) fn wait_unlocked(dir: &Path, timeout: Duration) -> bool {
    let Ok(file) = std::fs::File::open(dir.join("db")) else {
        return true;
    };
    // The lock taken to test is let go when `file` closes.
    !matches!(flock_within(&file, timeout), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// An exclusive `flock` on `file`, waiting at most `timeout` for another
/// process to let go (`WouldBlock` if it has not). Held until `file`
/// closes.
pub fn flock_within(file: &std::fs::File, timeout: Duration) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        // SAFETY: a valid fd owned by `file`.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::WouldBlock || std::time::Instant::now() >= deadline {
            return Err(e);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// sled releases its file lock only when its last background task ends, a
/// moment after the previous handle was dropped (by this process or one that
/// is exiting): retry briefly before calling the database locked.
fn open_retrying(config: &sled::Config) -> std::result::Result<sled::Result<sled::Db>, String> {
    let mut attempts = 0;
    loop {
        let r = quietly(|| config.open());
        match &r {
            Ok(Err(e)) if is_lock_error(e) && attempts < 10 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => return r,
        }
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// Opens (or creates) the sled database in `dir` and checks its header;
/// also gives the entries per tree as far as the open knows them (None: a
/// new database).
pub fn open_db(dir: &Path, opts: &OpenOptions) -> Result<(sled::Db, Option<TreeCounts>)> {
    let found = inspect(dir)?;
    let had_data = matches!(found, Found::Sled { had_data: true });
    // The guard judges the files by the clean-close marker: a process still
    // closing them (a server that has just answered `stop`) writes it last.
    if had_data && !wait_unlocked(dir, LOCK_WAIT) {
        return Err(StoreError::Locked {
            path: dir.to_path_buf(),
        });
    }
    let plan = super::guard::before_open(dir, had_data)?;
    let (db, schema) =
        open_sled(dir, opts, had_data).map_err(|e| super::guard::name_copy(&plan, e))?;
    let counts = super::guard::after_open(dir, &db, &plan)?;
    // Upgraded only once the files are known whole: the marker's counts
    // describe the trees as the older kam left them.
    if let (Some(found), Some(note)) = (schema, opts.on_upgrade)
        && super::migrate::rewrites(found)
    {
        note(&format!(
            "upgrading {} to this kam's storage layout (once; a large book takes a minute) …",
            dir.display()
        ));
    }
    let migrated = match schema {
        Some(found) => super::migrate::upgrade(&db, found)?,
        None => false,
    };
    // An upgrade that rewrote trees did so after the marker's counts were
    // taken.
    let counts = if migrated {
        TreeCounts::default()
    } else {
        counts
    };
    Ok((db, had_data.then_some(counts)))
}

/// sled's page cache for a log of `log_len` bytes: a 128th of it, between
/// 4 and 64 MiB. The book keeps what it scores and lists in memory, so
/// sled's cache serves only the records a screen opens and the inner nodes
/// of the trees a write walks, not the whole book; what it holds after an
/// open is mostly the snapshot just read, which is not read again. At 100k
/// accounts (a 730 MB log) a 16 MiB cache kept the server 45 MB smaller
/// than a 64 MiB one, and 4 MiB (a 525 MB log) another 24 MB; no read,
/// write or import measured slower (BENCHMARKS.md, tenth and twenty-first
/// passes).
pub(crate) fn cache_for(log_len: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    (log_len / 128).clamp(4 * MIB, 64 * MIB)
}

/// Opens sled and checks (or writes) the kam header; the schema of a
/// database that had one (`open_db` upgrades it).
fn open_sled(dir: &Path, opts: &OpenOptions, had_data: bool) -> Result<(sled::Db, Option<u32>)> {
    crate::paths::create_db_dir(dir, opts.group_shared)
        .map_err(|e| StoreError::Io(format!("cannot create {}: {e}", dir.display())))?;
    // A database in a team directory is the team's, however it is opened.
    set_umask(opts.group_shared || crate::paths::is_team_dir(dir));
    let damaged = |detail: String| StoreError::Damaged {
        path: dir.to_path_buf(),
        detail,
    };

    // No timed background flush: every write kam acknowledges flushes
    // itself, and sled's timer kept writing after the clean-close marker had
    // described the files, so the next open found them changed and copied
    // and checked every one (seconds at 100k accounts).
    let cache = opts
        .cache_capacity
        .unwrap_or_else(|| cache_for(super::guard::current_log_len(dir).unwrap_or(0)));
    let config = sled::Config::new()
        .path(dir)
        .cache_capacity(cache)
        .flush_every_ms(None);
    let db = match open_retrying(&config) {
        Err(panic) => {
            return Err(damaged(format!(
                "the storage engine failed reading it: {}",
                short_detail(&panic)
            )));
        }
        Ok(Err(e)) if is_lock_error(&e) => {
            return Err(StoreError::Locked {
                path: dir.to_path_buf(),
            });
        }
        Ok(Err(sled::Error::Io(e))) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(StoreError::Io(format!("{}: {e}", dir.display())));
        }
        Ok(Err(sled::Error::Io(e))) if super::error::is_full(&e) => {
            return Err(StoreError::Full {
                path: dir.to_path_buf(),
                detail: e.to_string(),
            });
        }
        Ok(Err(e)) if had_data => return Err(damaged(sled_detail(&e))),
        Ok(Err(e)) => return Err(StoreError::Io(format!("{}: {e}", dir.display()))),
        Ok(Ok(db)) => db,
    };

    // Look before opening the tree: open_tree would create it, and a
    // damaged or foreign database must be left as it was found.
    let header = quietly(|| -> std::result::Result<Option<sled::IVec>, sled::Error> {
        if !db.tree_names().iter().any(|n| n.as_ref() == b"meta") {
            return Ok(None);
        }
        db.open_tree("meta")?.get(HEADER_KEY)
    })
    .map_err(|p| {
        damaged(format!(
            "the storage engine failed reading it: {}",
            short_detail(&p)
        ))
    })?
    .map_err(|e| damaged(sled_detail(&e)))?;

    let mut found_schema = None;
    match header {
        Some(bytes) => {
            let h: DbHeader = codec::decode(&bytes)
                .map_err(|e| damaged(format!("unreadable database header: {e}")))?;
            if h.magic != DB_MAGIC {
                return Err(damaged(format!("unexpected database marker '{}'", h.magic)));
            }
            if h.schema > SCHEMA_VERSION {
                return Err(StoreError::Newer {
                    path: dir.to_path_buf(),
                    found: h.schema,
                    supported: SCHEMA_VERSION,
                });
            }
            found_schema = Some(h.schema);
        }
        None if had_data => {
            if is_other_program(&db) {
                return Err(StoreError::Foreign {
                    path: dir.to_path_buf(),
                    detail: "it is a database of another program".into(),
                });
            }
            return Err(damaged("the database header is missing".into()));
        }
        None => {
            let h = DbHeader {
                magic: DB_MAGIC.into(),
                schema: SCHEMA_VERSION,
            };
            db.open_tree("meta")?
                .insert(HEADER_KEY, codec::encode(&h)?)?;
            db.flush()?;
        }
    }
    Ok((db, found_schema))
}

/// A readable sled database with data in trees kam does not use.
fn is_other_program(db: &sled::Db) -> bool {
    let default_has_data = !db.is_empty();
    let foreign_tree = db.tree_names().iter().any(|n| {
        let n = n.as_ref();
        n != b"__sled__default" && !is_kam_tree(n)
    });
    default_has_data || foreign_tree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_told_in_words_not_sled_internals() {
        let corrupt = sled::Error::Corruption { at: None, bt: () };
        assert!(corrupt.to_string().contains("backtrace"), "sled's own text");
        let e = StoreError::Damaged {
            path: "/data/kam".into(),
            detail: sled_detail(&corrupt),
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with("the kam database at /data/kam is damaged (corrupted data). Restore"),
            "{msg}"
        );
        assert!(!msg.contains("backtrace") && !msg.contains("None"), "{msg}");
        let long = format!("first line {}\nsecond line", "x".repeat(200));
        let short = short_detail(&long);
        assert!(
            short.chars().count() <= 80 && !short.contains("second"),
            "{short}"
        );
    }

    #[test]
    fn the_page_cache_grows_with_the_log_between_4_and_64_mib() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(cache_for(0), 4 * MIB);
        assert_eq!(cache_for(5 * MIB), 4 * MIB);
        assert_eq!(cache_for(730 * MIB), 730 * MIB / 128);
        assert_eq!(cache_for(9 * 1024 * MIB), 64 * MIB);
    }
}
