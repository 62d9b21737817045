//! A command that fails changes nothing — not even by leaving a new, empty
//! database behind: a later read must still say "there is no kam database
//! here" (exit 4), not show an empty book.
//!
//! `Fresh::note` records which directories of the database path do not
//! exist before the command; when the command fails, `discard` stops the
//! server it started (if nobody else uses it), checks under the start lock
//! that the new database is still empty, and removes it with the
//! directories the command created.

use crate::server::protocol::{Reply, Request};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The database directories a command would create.
pub struct Fresh {
    db: PathBuf,
    created: Vec<PathBuf>,
}

impl Fresh {
    /// None when the database directory exists already (nothing to undo).
    pub fn note(db: &Path) -> Option<Fresh> {
        let created = crate::paths::missing_dirs(db).ok()?;
        (!created.is_empty()).then(|| Fresh {
            db: db.to_path_buf(),
            created,
        })
    }

    /// After a failed command in this process: the store is closed already,
    /// and nobody else could have written while this process held it.
    pub fn discard_local(self) {
        self.remove_if_empty();
    }

    /// After a failed command through the server this command started.
    pub fn discard_served(self, hello: &crate::server::client::ClientHello) {
        use crate::server::client::Connection;
        if let Ok(Some(mut conn)) = Connection::open_running(&self.db, hello) {
            // Someone else is working in it already: it is theirs now.
            if conn.send(&Request::Status).is_err() {
                return;
            }
            let busy = loop {
                match conn.recv() {
                    Ok(Reply::Status(s)) => break !s.clients.is_empty() || s.seq > 0,
                    Ok(_) => continue,
                    Err(_) => return,
                }
            };
            if busy || conn.send(&Request::Stop).is_err() {
                return;
            }
            while !matches!(conn.recv(), Ok(Reply::Done(_)) | Err(_)) {}
            drop(conn);
            let sock = crate::server::socket_path(&self.db);
            let deadline = Instant::now() + Duration::from_secs(5);
            while sock.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.remove_if_empty();
    }

    /// Removes the database and the directories this command created, if the
    /// database holds nothing. Under the start lock: no server starts on it
    /// meanwhile, and a stopping server holds the lock until it has exited.
    fn remove_if_empty(self) {
        let lock = crate::server::lock_path(&self.db);
        let Ok(_guard) = crate::server::spawn::lock_for(&lock, Duration::from_secs(5)) else {
            return;
        };
        let empty = match Store::open(&self.db) {
            Ok(store) => {
                store.is_empty().unwrap_or(false) && store.last_seq().is_ok_and(|s| s == 0)
            }
            Err(_) => false,
        };
        if !empty {
            return;
        }
        // Only kam's own files: anything else makes the directory stay.
        if let Ok(entries) = std::fs::read_dir(&self.db) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if crate::store::is_kam_file(&name) {
                    let p = e.path();
                    let _ = if p.is_dir() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                }
            }
        }
        for d in self.created.iter().rev() {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
}
