//! The agenda as the book gives it: the engine's items for accounts and
//! follow-ups, the key dates, without what is snoozed past today; kept per
//! owner by `cache`. The whole book's can also be gathered a part at a time
//! (`AgendaGathering`), so that a caller holding the book for it — the
//! server writing the agenda calendars — can let go between parts.

use super::cache::Stamp;
use super::{Book, Result, snooze_key};
use crate::domain::{AccountId, FollowUp, Snoozes};
use crate::segment::{AgendaItem, sort_agenda};
use std::collections::HashSet;
use std::sync::Arc;

impl Book {
    /// Today's due and overdue items, without those snoozed past today.
    pub fn agenda(&self, owner: Option<&str>) -> Result<Vec<AgendaItem>> {
        Ok(self.cached_agenda(owner)?.as_ref().clone())
    }

    /// `agenda`, the kept answer itself (an owner's agenda at 100k accounts
    /// is 28k items: not copied for a reader that only looks).
    pub fn agenda_shared(&self, owner: Option<&str>) -> Result<Arc<Vec<AgendaItem>>> {
        self.cached_agenda(owner)
    }

    pub(super) fn agenda_uncached(&self, owner: Option<&str>) -> Result<Vec<AgendaItem>> {
        let accounts = self.account_items(owner, &self.engine.agenda_accounts(owner));
        let marks = self.agenda_marks()?;
        self.finish_agenda(owner, accounts, &marks)
    }

    /// The agenda made from the engine and the store alone, nothing kept
    /// used or changed: what every kept answer must equal (for tests).
    pub fn agenda_made_afresh(&self, owner: Option<&str>) -> Result<Vec<AgendaItem>> {
        let mut items = self
            .engine
            .account_agenda(&self.engine.agenda_accounts(owner));
        sort_agenda(&mut items);
        let open = self.store.followups()?.into_iter();
        let marks = AgendaMarks {
            followups: Arc::new(open.filter(|f| f.done_at.is_none()).collect()),
            snoozed: self.store.snoozes()?,
        };
        self.finish_agenda(owner, items, &marks)
    }

    fn agenda_marks(&self) -> Result<AgendaMarks> {
        Ok(AgendaMarks {
            followups: self.open_followups()?,
            snoozed: self.store.snoozes()?,
        })
    }

    /// `items` (those of every account `agenda_accounts(owner)` names, in
    /// its order) with the follow-ups and key dates, sorted and without
    /// what is snoozed.
    fn finish_agenda(
        &self,
        owner: Option<&str>,
        mut items: Vec<AgendaItem>,
        marks: &AgendaMarks,
    ) -> Result<Vec<AgendaItem>> {
        items.extend(self.engine.followup_agenda(owner, &marks.followups));
        sort_agenda(&mut items);
        items.extend(self.key_date_items(owner)?);
        // A snooze names its item by a formatted key: only the items of
        // snoozed accounts are worth formatting (a whole book's agenda is
        // 170k items at 100k accounts; snoozes are a handful).
        let snoozed = &marks.snoozed;
        let accounts: HashSet<AccountId> = snoozed.items.iter().map(|s| s.account).collect();
        let today = self.clock.today();
        items.retain(|i| {
            !accounts.contains(&i.account)
                || snoozed
                    .until(&snooze_key(i))
                    .is_none_or(|until| until <= today)
        });
        Ok(items)
    }

    /// Starts gathering the whole book's agenda a part at a time.
    pub fn gather_agenda(&self) -> Result<AgendaGathering> {
        Ok(AgendaGathering {
            stamp: self.stamp()?,
            ids: self.engine.agenda_accounts(None),
            marks: self.agenda_marks()?,
            done: 0,
            items: Vec::new(),
        })
    }

    /// Gathers the items of up to `accounts` more accounts; the last part
    /// gives what `agenda(None)` would. If the book changed since the
    /// gathering started, it is `Stale`: its parts would mix two states.
    pub fn gather_agenda_part(
        &self,
        g: &mut AgendaGathering,
        accounts: usize,
    ) -> Result<Gathered<Vec<AgendaItem>>> {
        if self.stamp()? != g.stamp {
            return Ok(Gathered::Stale);
        }
        let end = (g.done + accounts.max(1)).min(g.ids.len());
        let part = self.engine.account_agenda(&g.ids[g.done..end]);
        g.items.extend(part);
        g.done = end;
        if g.done < g.ids.len() {
            return Ok(Gathered::More);
        }
        let items = std::mem::take(&mut g.items);
        Ok(Gathered::Done(self.finish_agenda(None, items, &g.marks)?))
    }
}

/// What the agenda reads from the store besides the engine.
struct AgendaMarks {
    /// Those not done (the agenda shows no others).
    followups: Arc<Vec<FollowUp>>,
    snoozed: Snoozes,
}

/// The whole book's agenda being gathered (see `Book::gather_agenda`).
pub struct AgendaGathering {
    stamp: Stamp,
    /// Every account, in the order `agenda(None)` gathers them.
    ids: Vec<AccountId>,
    /// Read at the start: they cannot change while the stamp holds.
    marks: AgendaMarks,
    done: usize,
    items: Vec<AgendaItem>,
}

#[derive(Debug, PartialEq)]
pub enum Gathered<T> {
    More,
    /// The book changed meanwhile: start again.
    Stale,
    Done(T),
}
