//! Answers computed from one state of the book, kept until that state
//! changes: the list's prepared rows, the matrix summary and each owner's
//! agenda. At 100k accounts each costs a pass over every score; several
//! open TUIs asking for the same delta after a write, or a user paging and
//! typing a search, then pay it once.
//!
//! The state is named by a `Stamp`: the engine's stamp (any re-score), the
//! change log's seq (any stored change, review marks and snoozes included),
//! the store's count of writes that bypassed the log, and today's date
//! (snoozes expire). A read under another stamp drops every kept answer
//! first; answers are never patched, so they cannot drift from a fresh
//! computation. (The open follow-ups are records, not answers: the book's
//! own writes patch them, see `KeptFollowUps`.)
//!
//! The rows' text (`RowTexts`) is named apart, by `Book::accounts_gen`,
//! which moves whenever an account record is stored or removed: it depends
//! on nothing else, and most changes leave every record as it was.

use super::query::index::{RowIndex, RowTexts};
use super::query::{MatrixSummary, RowText};
use super::{Book, Result};
use crate::audit::RefKind;
use crate::domain::{Account, AccountId, FollowUp, FollowUpId};
use crate::segment::AgendaItem;
use crate::store::BatchResult;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Stamp {
    engine: u64,
    seq: u64,
    /// Writes that bypassed the change log (and so this book).
    unlogged: u64,
    today: Option<NaiveDate>,
}

/// What is kept for one stamp.
#[derive(Default)]
pub(super) struct Slots {
    stamp: Stamp,
    pub(super) rows: Option<Arc<RowIndex>>,
    pub(super) matrix: Option<Arc<MatrixSummary>>,
    /// Per owner (`None`: everyone).
    agendas: HashMap<Option<String>, Option<Arc<Vec<AgendaItem>>>>,
}

#[derive(Default)]
pub(super) struct ReadCache {
    slots: Mutex<Slots>,
    /// The rows' text, and the account writes since it was made.
    texts: Mutex<Option<KeptTexts>>,
    followups: Mutex<Option<KeptFollowUps>>,
    /// Each owner's account items, by account (see `agenda_items`).
    pub(super) items: Mutex<HashMap<String, super::agenda_items::KeptItems>>,
    /// Each owner's agenda as last answered, and the version naming it.
    versions: Mutex<HashMap<String, OwnerVersions>>,
    /// The list's rows of the state before the current one, to patch
    /// rather than build again (`Book::row_index`).
    last_rows: Mutex<Option<Arc<RowIndex>>>,
    /// How many times they were patched (for tests).
    pub(super) rows_patched: std::sync::atomic::AtomicU64,
}

/// The rows' text of the records of one generation, and what account
/// writes changed since: applied (`RowTexts::patched`) when the rows are
/// next asked for, not by each write (at 100k accounts a patch is about
/// 30 ms, which an account write from the shell does not need to wait for).
struct KeptTexts {
    texts: Arc<RowTexts>,
    /// The records' generation `texts` shows once `changed` and `removed`
    /// are applied.
    upto: u64,
    changed: HashMap<AccountId, Arc<RowText>>,
    removed: HashSet<AccountId>,
}

impl KeptTexts {
    fn new(texts: Arc<RowTexts>, generation: u64) -> KeptTexts {
        KeptTexts {
            texts,
            upto: generation,
            changed: HashMap::new(),
            removed: Default::default(),
        }
    }

    /// The rows' text of generation `now`, if these can make it.
    fn current(&mut self, now: u64) -> Option<Arc<RowTexts>> {
        if self.upto != now {
            return None;
        }
        if !self.changed.is_empty() || !self.removed.is_empty() {
            let changed = std::mem::take(&mut self.changed).into_iter().collect();
            let removed = std::mem::take(&mut self.removed);
            self.texts = Arc::new(self.texts.patched(changed, &removed));
            RowTexts::prepare_search_aside(&self.texts);
        }
        Some(Arc::clone(&self.texts))
    }
}

/// An owner's agenda as last answered and the one before it.
#[derive(Default)]
struct OwnerVersions {
    now: Option<Versioned>,
    before: Option<Versioned>,
}

/// An agenda, the records' generation its rows' names come from, and the
/// version naming both.
struct Versioned {
    version: u64,
    accounts_gen: u64,
    items: Arc<Vec<AgendaItem>>,
}

/// What `Book::agenda_versions` answers.
pub struct AgendaVersions {
    pub version: u64,
    pub items: Arc<Vec<AgendaItem>>,
    /// The version before and its agenda, if the account records are as
    /// they were then (none: the first answer, or a record changed since).
    pub before: Option<(u64, Arc<Vec<AgendaItem>>)>,
}

/// Agenda versions: a process-wide count from a base taken at start, so a
/// version from an earlier server is not taken for one of this server.
fn next_agenda_version() -> u64 {
    static BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let base = *BASE.get_or_init(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (now.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
    });
    base.wrapping_add(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// The follow-ups not done, as the store held them at a change-log seq and
/// a count of unlogged writes: every agenda reads them, and decoding all
/// of them from the store (24k at 100k accounts) was a third of an owner's
/// agenda. The book's own writes patch them (`followups_written`); any
/// other change to the store makes the next read go to the store again.
struct KeptFollowUps {
    seq: u64,
    unlogged: u64,
    /// In the store's order: by account, then id.
    open: Arc<Vec<FollowUp>>,
}

impl Book {
    pub(super) fn stamp(&self) -> Result<Stamp> {
        Ok(Stamp {
            engine: self.engine.stamp(),
            seq: self.last_seq()?,
            unlogged: self.store.unlogged_writes(),
            today: Some(self.clock.today()),
        })
    }

    /// The kept answer in `slot`, or `make`'s, kept for the current state.
    /// The lock is not held while making: a maker may read other answers.
    pub(super) fn cached<T>(
        &self,
        slot: impl Fn(&mut Slots) -> &mut Option<Arc<T>>,
        make: impl FnOnce() -> Result<T>,
    ) -> Result<Arc<T>> {
        let stamp = self.stamp()?;
        {
            let mut slots = self
                .cache
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if slots.stamp != stamp {
                // Let go of the old answers before making new ones (two sets
                // at once would double the peak memory), freed aside.
                let mut old = std::mem::replace(
                    &mut *slots,
                    Slots {
                        stamp,
                        ..Slots::default()
                    },
                );
                if let Some(rows) = old.rows.take() {
                    let before = self
                        .cache
                        .last_rows
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .replace(rows);
                    crate::par::drop_aside(before);
                }
                crate::par::drop_aside(old);
            }
            if let Some(kept) = slot(&mut slots) {
                return Ok(Arc::clone(kept));
            }
        }
        let made = Arc::new(make()?);
        let mut slots = self
            .cache
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slots.stamp == stamp {
            *slot(&mut slots) = Some(Arc::clone(&made));
        }
        Ok(made)
    }

    /// How many times the list's rows were patched rather than built (for
    /// tests: that the patch is what they check).
    pub fn rows_patched(&self) -> u64 {
        self.cache
            .rows_patched
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The list's rows kept from the state before this one, taken.
    pub(super) fn take_last_rows(&self) -> Option<Arc<RowIndex>> {
        self.cache
            .last_rows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The rows' text for the account records as they are now (kept until
    /// an account record changes; new ones make their search text in the
    /// background).
    pub fn row_texts(&self) -> Result<Arc<RowTexts>> {
        let mut kept = self
            .cache
            .texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(texts) = kept.as_mut().and_then(|k| k.current(self.accounts_gen)) {
            return Ok(texts);
        }
        // Drop the old texts first: two sets at once would double the peak
        // memory.
        *kept = None;
        let texts = Arc::new(RowTexts::build(self)?);
        RowTexts::prepare_search_aside(&texts);
        *kept = Some(KeptTexts::new(Arc::clone(&texts), self.accounts_gen));
        Ok(texts)
    }

    /// Whether the rows' text of the records as they are now is kept (an
    /// open with `Prepare::Rows` made it; for tests and benchmarks).
    pub fn rows_prepared(&self) -> bool {
        self.kept_row_texts().is_some()
    }

    /// The rows' text of the records as they are now, if it is kept: the
    /// account writes noted since are applied here, but it is never made
    /// from the records here.
    pub(super) fn kept_row_texts(&self) -> Option<Arc<RowTexts>> {
        self.cache
            .texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()?
            .current(self.accounts_gen)
    }

    /// Notes an account write in the kept rows' text, before the records'
    /// generation moves on (`accounts` stored, `removed` deleted).
    pub(super) fn note_row_changes(&self, accounts: &[Account], removed: &HashSet<AccountId>) {
        let mut kept = self
            .cache
            .texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(k) = kept.as_mut().filter(|k| k.upto == self.accounts_gen) else {
            return;
        };
        for a in accounts {
            k.removed.remove(&a.id);
            k.changed.insert(a.id, Arc::new(RowText::of(a)));
        }
        for id in removed {
            k.changed.remove(id);
            k.removed.insert(*id);
        }
        k.upto += 1;
    }

    /// Whether the answers a first screen asks for (the list's rows in the
    /// default order, this book's user's agenda, the matrix) are kept for
    /// the book as it is now: an open with `Prepare::Rows` makes them (for
    /// tests).
    pub fn first_screen_prepared(&self) -> bool {
        let Ok(stamp) = self.stamp() else {
            return false;
        };
        let slots = self
            .cache
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slots.stamp == stamp
            && slots
                .rows
                .as_ref()
                .is_some_and(|r| r.has_order(super::query::SortKey::default()))
            && slots.matrix.is_some()
            && slots
                .agendas
                .get(&Some(self.user.clone()))
                .is_some_and(Option::is_some)
    }

    /// Keeps `texts` as the rows' text of the records as they are now (the
    /// open that made them starts their search text once its first screen
    /// is made).
    pub(super) fn keep_row_texts(&self, texts: RowTexts) {
        *self
            .cache
            .texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(KeptTexts::new(Arc::new(texts), self.accounts_gen));
    }

    /// The follow-ups not done, in the store's order (by account, then id).
    pub(super) fn open_followups(&self) -> Result<Arc<Vec<FollowUp>>> {
        let seq = self.last_seq()?;
        let unlogged = self.store.unlogged_writes();
        let mut kept = self
            .cache
            .followups
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = &*kept
            && (k.seq, k.unlogged) == (seq, unlogged)
        {
            return Ok(Arc::clone(&k.open));
        }
        let mut open: Vec<FollowUp> = self
            .store
            .followups()?
            .into_iter()
            .filter(|f| f.done_at.is_none())
            .collect();
        // The filter collects in place, into the buffer of every follow-up.
        open.shrink_to_fit();
        let open = Arc::new(open);
        *kept = Some(KeptFollowUps {
            seq,
            unlogged,
            open: Arc::clone(&open),
        });
        Ok(open)
    }

    /// After this book wrote `stored` (`before`: the log's seq before it):
    /// the kept follow-ups take its changes, or are dropped if they were not
    /// those of the store just before it.
    pub(super) fn followups_written(&self, before: u64, stored: &BatchResult) {
        let mut kept = self
            .cache
            .followups
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(k) = kept.as_mut() else {
            return;
        };
        let now = self.store.last_seq();
        let unlogged = self.store.unlogged_writes();
        let Ok(now) = now else {
            *kept = None;
            return;
        };
        if (k.seq, k.unlogged) != (before, unlogged) {
            *kept = None;
            return;
        }
        let changed: HashSet<FollowUpId> = stored
            .followups
            .iter()
            .map(|f| f.id)
            .chain(
                stored
                    .deleted
                    .iter()
                    .filter(|d| d.record.kind == RefKind::FollowUp)
                    .map(|d| FollowUpId(d.record.id)),
            )
            .collect();
        if !changed.is_empty() {
            let open = Arc::make_mut(&mut k.open);
            open.retain(|f| !changed.contains(&f.id));
            open.extend(
                stored
                    .followups
                    .iter()
                    .filter(|f| f.done_at.is_none())
                    .cloned(),
            );
            open.sort_by_key(|f| (f.account, f.id));
        }
        k.seq = now;
    }

    /// `owner`'s agenda, its version and the version before it: a new
    /// version only when the agenda's items or any account record (the
    /// rows' key and name) differ from the last answered for `owner`. Most
    /// writes leave most users' agendas as they were, and a client that
    /// says which version it holds is then sent nothing, or what changed
    /// since the version before (`query::delta`).
    pub fn agenda_versions(&self, owner: &str) -> Result<AgendaVersions> {
        let items = self.cached_agenda(Some(owner))?;
        let mut all = self
            .cache
            .versions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let kept = all.entry(owner.to_string()).or_default();
        match &mut kept.now {
            Some(now)
                if now.accounts_gen == self.accounts_gen
                    && (Arc::ptr_eq(&now.items, &items) || *now.items == *items) =>
            {
                now.items = Arc::clone(&items);
            }
            _ => {
                let next = Versioned {
                    version: next_agenda_version(),
                    accounts_gen: self.accounts_gen,
                    items: Arc::clone(&items),
                };
                kept.before = kept.now.replace(next);
            }
        }
        let now = kept.now.as_ref().map_or(0, |v| v.version);
        // A client's rows of the version before show the key and name the
        // accounts had then: a patch (which sends the accounts whose items
        // moved) is exact only if no account record changed since.
        let before = kept
            .before
            .as_ref()
            .filter(|b| b.accounts_gen == self.accounts_gen)
            .map(|b| (b.version, Arc::clone(&b.items)));
        Ok(AgendaVersions {
            version: now,
            items,
            before,
        })
    }

    /// `owner`'s agenda as `agenda_uncached` gives it, kept per owner.
    pub(super) fn cached_agenda(&self, owner: Option<&str>) -> Result<Arc<Vec<AgendaItem>>> {
        let key = owner.map(str::to_string);
        self.cached(
            |s| s.agendas.entry(key.clone()).or_default(),
            || self.agenda_uncached(owner),
        )
    }
}
