//! Answers computed from one state of the book, kept until that state
//! changes: the list's prepared rows, the matrix summary and each owner's
//! agenda. At 100k accounts each costs a pass over every score; several
//! open TUIs asking for the same delta after a write, or a user paging and
//! typing a search, then pay it once.
//!
//! The state is named by a `Stamp`: the engine's stamp (any re-score), the
//! change log's seq (any stored change, review marks and snoozes included)
//! and today's date (snoozes expire). A read under another stamp drops
//! every kept answer first; answers are never patched, so they cannot
//! drift from a fresh computation.

use super::query::MatrixSummary;
use super::query::index::RowIndex;
use super::{Book, Result};
use crate::segment::AgendaItem;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Stamp {
    engine: u64,
    seq: u64,
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
pub(super) struct ReadCache(Mutex<Slots>);

impl Book {
    fn stamp(&self) -> Result<Stamp> {
        Ok(Stamp {
            engine: self.engine.stamp(),
            seq: self.last_seq()?,
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
            let mut slots = self.cache.0.lock().unwrap_or_else(PoisonError::into_inner);
            if slots.stamp != stamp {
                // Drop the old answers before making new ones: two sets at
                // once would double the peak memory.
                *slots = Slots {
                    stamp,
                    ..Slots::default()
                };
            }
            if let Some(kept) = slot(&mut slots) {
                return Ok(Arc::clone(kept));
            }
        }
        let made = Arc::new(make()?);
        let mut slots = self.cache.0.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.stamp == stamp {
            *slot(&mut slots) = Some(Arc::clone(&made));
        }
        Ok(made)
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
