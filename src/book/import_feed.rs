//! An import's interactions written while its file is read: a run at a
//! time into one staged write (`store::StagedWrite`), each run kept only as
//! the engine records it (`Recorded`, 56 bytes). The import's last
//! transaction ends the write (`Book::import_fed`); a feed dropped before
//! that (a bad row further on, an error) rolls it back.

use super::Result;
use crate::domain::Interaction;
use crate::segment::Recorded;
use crate::store::{StagedWrite, Store};

pub struct ImportFeed {
    store: Store,
    write: Option<StagedWrite>,
    /// A run's worth each, allocated to size (one growing `Vec` of a
    /// million was a quarter larger than its contents) and freed as the
    /// engine takes it.
    events: Vec<Vec<Recorded>>,
}

impl ImportFeed {
    pub(super) fn new(store: Store) -> Self {
        ImportFeed {
            store,
            write: None,
            events: Vec::new(),
        }
    }

    /// Writes `chunk` (new interactions, checked) as part of the import;
    /// the first run begins the staged write.
    pub fn stage(&mut self, chunk: Vec<Interaction>) -> Result<()> {
        let w = match &mut self.write {
            Some(w) => w,
            None => self.write.insert(self.store.begin_staged()?),
        };
        let stored = self.store.stage_interactions(w, chunk)?;
        self.events
            .push(stored.iter().map(Recorded::from).collect());
        Ok(())
    }

    /// The staged write (None: nothing was fed) and what the engine is to
    /// record; the caller now ends the write or rolls it back.
    pub(super) fn take(mut self) -> (Option<StagedWrite>, Vec<Vec<Recorded>>) {
        (self.write.take(), std::mem::take(&mut self.events))
    }
}

impl Drop for ImportFeed {
    fn drop(&mut self) {
        if let Some(w) = self.write.take() {
            // A roll back that fails is finished by the next open.
            let _ = self.store.abandon_staged(w);
        }
    }
}
