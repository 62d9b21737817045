//! The engine's snapshot from the book's side: load it on open (or rebuild
//! from the records when it is missing, stale or damaged), and save it.
//!
//! When it is saved, and why:
//! * right after a rebuild on open (the slow path pays the full save once);
//! * on a clean close (the book is dropped; the server saves before it
//!   exits), so the next cold open finds it current;
//! * after a write once 64 accounts changed or 30 s passed since the first
//!   unsaved change, so a crash costs at most that much staleness — and a
//!   stale snapshot is never used, only rebuilt. Not after every write: a
//!   save rewrites whole buckets (~64 accounts each) and flushes, which a
//!   write that must answer within 20 ms should not pay each time.
//! * A save after edits rewrites only the buckets of the changed accounts;
//!   a save after a rebuild (or when the saved one is not the base the
//!   book knows) rewrites everything.

use super::{Book, Result};
use crate::domain::Account;
use crate::segment::{Engine, Model, Restoring};
use crate::store::Store;
use chrono::NaiveDate;
use std::time::{Duration, Instant};

/// Changed accounts that make a write save the snapshot.
const SAVE_AFTER_ACCOUNTS: usize = 64;
/// Age of the oldest unsaved change that makes a write save the snapshot.
const SAVE_AFTER: Duration = Duration::from_secs(30);

/// What the book knows of the saved snapshot.
#[derive(Debug, Default)]
pub(super) struct SnapshotState {
    /// The change-log seq of the saved snapshot the engine started from or
    /// last saved; None when none is known good (the next save is full).
    base: Option<u64>,
    /// `Store::unlogged_writes` when the engine was loaded: if it moved, a
    /// write bypassed this book and its engine may not reflect the store.
    unlogged: u64,
    /// When the first unsaved change was made.
    pending_since: Option<Instant>,
    /// The engine was restored from the snapshot (not rebuilt).
    restored: bool,
    /// The engine was handed to the process's exit (`close_for_exit`):
    /// what is left of it must not be saved.
    left: bool,
}

impl SnapshotState {
    /// Whether the last open used the snapshot (for tests and benchmarks).
    pub fn loaded(&self) -> bool {
        self.restored
    }
}

/// The saved snapshot as the store stands, read and loaded into an engine
/// before the account records are there (`Book::open` does it while it
/// decodes the accounts).
pub(super) struct Saved {
    seq: u64,
    unlogged: u64,
    restoring: Option<Restoring>,
}

/// Reads the saved snapshot if it reflects the store's last change and
/// verifies, and loads its inputs into an engine scoring `model` as of
/// `as_of`.
pub(super) fn read_saved(store: &Store, model: &Model, as_of: NaiveDate) -> Result<Saved> {
    let unlogged = store.unlogged_writes();
    let seq = store.last_seq()?;
    // Each bucket goes into the engine as it is decoded.
    let mut restoring: Option<Restoring> = None;
    let loaded = store.load_derived_parts(seq, |accounts, part| {
        let r = restoring.get_or_insert_with(|| {
            // About ten interactions an account: a hint, not a limit.
            Restoring::new(model.clone(), as_of, accounts, accounts * 10)
        });
        r.add(part).map_err(|e| e.to_string())
    })?;
    let restoring = match loaded {
        Ok(_) => restoring.or_else(|| Some(Restoring::new(model.clone(), as_of, 0, 0))),
        Err(_) => None,
    };
    Ok(Saved {
        seq,
        unlogged,
        restoring,
    })
}

/// The engine for `accounts` as of `as_of`: from the saved snapshot when it
/// restores, else rebuilt from the records (interactions streamed, never
/// all held as records).
pub(super) fn load_engine(
    store: &Store,
    model: Model,
    as_of: NaiveDate,
    accounts: &[Account],
    saved: Saved,
) -> Result<(Engine, SnapshotState)> {
    let Saved {
        seq,
        unlogged,
        restoring,
    } = saved;
    if let Some(restoring) = restoring
        && let Ok(engine) = restoring.finish(accounts)
    {
        let state = SnapshotState {
            base: Some(seq),
            unlogged,
            pending_since: None,
            restored: true,
            left: false,
        };
        return Ok((engine, state));
    }
    let contacts = store.contacts()?;
    let mut engine = Engine::new(model, as_of);
    engine.rebuild_streamed(accounts, &contacts, |push| {
        store.for_each_interaction(|i| push(&i))
    })?;
    let state = SnapshotState {
        base: None,
        unlogged,
        pending_since: None,
        restored: false,
        left: false,
    };
    Ok((engine, state))
}

impl Book {
    /// Whether this book's engine came from the saved snapshot.
    pub fn snapshot_loaded(&self) -> bool {
        self.derived.loaded()
    }

    /// Saves the engine's snapshot if anything changed since the last save
    /// (only the changed accounts' buckets when the saved one is the base
    /// this book knows). Nothing is saved by a book that a write bypassed.
    pub fn save_derived(&mut self) -> Result<()> {
        if self.derived.left || self.store.unlogged_writes() != self.derived.unlogged {
            return Ok(());
        }
        let seq = self.store.last_seq()?;
        let changed = self.engine.take_changed();
        if self.derived.base == Some(seq) && changed.is_empty() {
            return Ok(());
        }
        let saved = match self.derived.base {
            Some(base) => {
                let engine = &self.engine;
                self.store
                    .save_derived_changes(base, seq, changed, &|id| engine.inputs(id))
            }
            None => Ok(false),
        };
        let saved = match saved {
            Ok(true) => Ok(()),
            Ok(false) => {
                let engine = &self.engine;
                self.store
                    .save_derived_all(seq, &engine.input_ids(), &|id| engine.inputs(id))
            }
            Err(e) => Err(e),
        };
        match saved {
            Ok(()) => {
                self.derived.base = Some(seq);
                self.derived.pending_since = None;
                Ok(())
            }
            Err(e) => {
                // The changed set is spent: only a full save is safe now.
                self.derived.base = None;
                Err(e.into())
            }
        }
    }

    /// After a committed write: save the snapshot when enough changed or
    /// the oldest unsaved change is old enough. A failed save does not fail
    /// the write (it is committed); the next open rebuilds.
    /// Only a save of changes happens here: a full save (no good base,
    /// after a failed save) waits for the close, as it costs a pass over
    /// every account.
    pub(super) fn after_write(&mut self) {
        if self.derived.base.is_none() {
            return;
        }
        let since = *self.derived.pending_since.get_or_insert_with(Instant::now);
        if self.engine.changed_len() >= SAVE_AFTER_ACCOUNTS || since.elapsed() >= SAVE_AFTER {
            let _ = self.save_derived();
        }
    }

    /// After a rebuild on open: save it all at once, so the next open is
    /// fast even if this process never closes cleanly (the rebuild has
    /// just paid far more than the save costs).
    pub(super) fn save_after_rebuild(&mut self) {
        if self.derived.base.is_none() {
            let _ = self.save_derived();
        }
    }
}

impl Drop for Book {
    /// A clean close saves the snapshot, so the next open is fast.
    fn drop(&mut self) {
        let _ = self.save_derived();
    }
}

impl Book {
    /// Closes the book as dropping it does (the snapshot saved, then the
    /// store closed with its clean-close marker), for a process about to
    /// exit: the in-memory model is left to the exit. Freeing 100k accounts
    /// and the engine piece by piece took a third of a second of every
    /// one-shot command at 100k accounts.
    pub fn close_for_exit(mut self) {
        let _ = self.save_derived();
        self.derived.left = true;
        let today = self.clock.today();
        // The stand-in takes the model as it is: building the default one
        // parses its TOML, and that first large allocation after a big
        // write cost a 1M-row import most of a second.
        let model = self.engine.model().clone();
        let engine = std::mem::replace(&mut self.engine, Engine::new(model, today));
        std::mem::forget((
            engine,
            self.accounts.take(),
            std::mem::take(&mut self.recorded),
            std::mem::take(&mut self.with_history),
        ));
    }
}
