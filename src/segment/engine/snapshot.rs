//! What the engine needs to resume without the store's records: per account,
//! its compact events and contacts (`AccountInputs`). The account records
//! themselves (owner, status, ratings, pin) are small and read anyway; the
//! interactions are what make a cold open slow (a million full records
//! decoded to keep 60 bytes of each).
//!
//! Why inputs and not scores: the inputs do not depend on the model or the
//! as-of date, so a snapshot stays usable across days and model changes,
//! and scores, ranks and tiers recomputed from them in memory are exactly
//! what a full rebuild gives — the same function of the same values — with
//! no persisted float to trust. Recomputing them is the cheap part
//! (`recompute_all`); decoding the records is the expensive one.

use super::super::metrics::{ContactLite, Ev};
use super::super::model::Model;
use super::super::packed::PackedEvents;
use super::Engine;
use super::state::IdMap;
use crate::domain::compact;
use crate::domain::{
    Account, AccountId, Contact, ContactId, Interaction, InteractionId, InteractionKind, Money,
};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

/// One interaction as the engine keeps it, in its stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct EvRecord {
    id: InteractionId,
    kind: InteractionKind,
    secs: i64,
    nanos: u32,
    amount: Option<Money>,
    margin: Option<Money>,
    #[serde(with = "compact::opt_date")]
    due: Option<NaiveDate>,
    #[serde(with = "compact::opt_date")]
    paid_at: Option<NaiveDate>,
    satisfaction: Option<u8>,
    #[serde(with = "compact::opt_date")]
    follow_up: Option<NaiveDate>,
}

impl EvRecord {
    fn of(e: &Ev) -> EvRecord {
        EvRecord {
            id: e.id,
            kind: e.kind,
            secs: e.at().timestamp(),
            // Kept in the stored form; the engine keeps whole seconds.
            nanos: 0,
            amount: e.amount(),
            margin: e.margin(),
            due: e.due,
            paid_at: e.paid_at,
            satisfaction: e.satisfaction,
            follow_up: e.follow_up,
        }
    }

    fn ev(&self) -> Option<Ev> {
        Some(Ev::from_interaction(&Interaction {
            id: self.id,
            version: 0,
            account: AccountId(0),
            kind: self.kind,
            at: DateTime::from_timestamp(self.secs, self.nanos)?,
            amount: self.amount,
            margin: self.margin,
            due: self.due,
            paid_at: self.paid_at,
            satisfaction: self.satisfaction,
            follow_up: self.follow_up,
            summary: String::new(),
            author: String::new(),
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct ContactRecord {
    id: ContactId,
    primary: bool,
    backup: bool,
    #[serde(with = "compact::opt_date")]
    left_at: Option<NaiveDate>,
}

/// One account's share of the engine's inputs beyond its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInputs {
    pub account: AccountId,
    events: Vec<EvRecord>,
    contacts: Vec<ContactRecord>,
}

impl AccountInputs {
    /// Interactions held (for sizing and tests).
    pub fn events(&self) -> usize {
        self.events.len()
    }
}

/// Why a snapshot could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error("the snapshot has no inputs for account {0}")]
    MissingAccount(AccountId),
    #[error("the snapshot holds account {0}, which has no record")]
    UnknownAccount(AccountId),
    #[error("the snapshot holds account {0} twice")]
    Duplicate(AccountId),
    #[error("interaction {0} is out of range or listed twice")]
    BadEvent(InteractionId),
}

/// An engine taking a snapshot's inputs part by part, then waiting for the
/// account records (see `Engine::restore_inputs`). Fed a bucket at a time,
/// the snapshot is never held decoded as a whole: at a million interactions
/// that copy was 70 MB on top of the engine's own.
pub struct Restoring {
    engine: Engine,
    /// Every interaction id given, checked for repeats at the end.
    ids: Vec<InteractionId>,
}

impl Restoring {
    /// An empty engine scoring `model` as of `as_of`, with room for
    /// `accounts` accounts and `interactions` interactions (hints).
    pub fn new(model: Model, as_of: NaiveDate, accounts: usize, interactions: usize) -> Restoring {
        let mut engine = Engine::new(model, as_of);
        // Sized once: growing tables of a million entries rehash each time.
        engine.accounts.reserve(accounts);
        Restoring {
            engine,
            ids: Vec::with_capacity(interactions),
        }
    }

    /// Takes some accounts' inputs (each account once over all calls).
    pub fn add(&mut self, inputs: Vec<AccountInputs>) -> Result<(), RestoreError> {
        for inp in inputs {
            let Some(st) = self.engine.accounts.insert_new(inp.account) else {
                return Err(RestoreError::Duplicate(inp.account));
            };
            let mut events = Vec::with_capacity(inp.events.len());
            for r in &inp.events {
                events.push(r.ev().ok_or(RestoreError::BadEvent(r.id))?);
            }
            if !events.is_sorted_by_key(Ev::order_key) {
                events.sort_by_key(Ev::order_key);
            }
            self.ids.extend(events.iter().map(|ev| ev.id));
            st.events = PackedEvents::pack(&events);
            st.contacts = inp
                .contacts
                .iter()
                .map(|c| ContactLite {
                    id: c.id,
                    primary: c.primary,
                    backup: c.backup,
                    left_at: c.left_at,
                })
                .collect();
        }
        Ok(())
    }

    /// Every interaction once, in one account.
    fn check_ids(&mut self) -> Result<(), RestoreError> {
        let mut ids = std::mem::take(&mut self.ids);
        // A store's ids come from one counter, so they are dense: a bit per
        // id finds a repeat in one pass over a million of them, where a sort
        // moves them all several times. Sparse ids (a bit array too large
        // for their number) are sorted.
        let max = ids.iter().map(|i| i.0).max().unwrap_or(0);
        if max / 64 <= ids.len() as u64 {
            let mut seen = vec![0u64; (max / 64 + 1) as usize];
            for id in ids {
                let (word, bit) = ((id.0 / 64) as usize, 1u64 << (id.0 % 64));
                if seen[word] & bit != 0 {
                    return Err(RestoreError::BadEvent(id));
                }
                seen[word] |= bit;
            }
            return Ok(());
        }
        ids.sort_unstable();
        match ids.windows(2).find(|w| w[0] == w[1]) {
            Some(w) => Err(RestoreError::BadEvent(w[0])),
            None => Ok(()),
        }
    }

    /// The engine for `accounts`, scored: every record account must have
    /// inputs and every input a record.
    pub fn finish(mut self, accounts: &[Account]) -> Result<Engine, RestoreError> {
        self.check_ids()?;
        let mut e = self.engine;
        for a in accounts {
            // An account without inputs: the snapshot predates it.
            let Some(st) = e.accounts.get_mut(&a.id) else {
                return Err(RestoreError::MissingAccount(a.id));
            };
            Engine::set_account_fields(st, a, &e.tier_names);
        }
        if let Some((&id, _)) = e.accounts.iter().find(|(_, st)| !st.known) {
            return Err(RestoreError::UnknownAccount(id));
        }
        e.index_owners();
        e.recompute_all();
        Ok(e)
    }
}

impl Engine {
    /// The inputs the engine holds for one account (None: it holds none,
    /// e.g. the account was removed).
    pub fn inputs(&self, id: AccountId) -> Option<AccountInputs> {
        let st = self.accounts.get(&id)?;
        Some(AccountInputs {
            account: id,
            events: st.events.iter().map(|e| EvRecord::of(&e)).collect(),
            contacts: st
                .contacts
                .iter()
                .map(|c| ContactRecord {
                    id: c.id,
                    primary: c.primary,
                    backup: c.backup,
                    left_at: c.left_at,
                })
                .collect(),
        })
    }

    /// Every account's inputs, by id.
    pub fn all_inputs(&self) -> Vec<AccountInputs> {
        self.input_ids()
            .into_iter()
            .filter_map(|id| self.inputs(id))
            .collect()
    }

    /// The accounts the engine holds inputs for, by id (`inputs` gives
    /// each: a save asks for them a part at a time).
    pub fn input_ids(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self.accounts.keys().copied().collect();
        ids.sort();
        ids
    }

    /// The accounts whose inputs changed since the last call (edits only:
    /// a rebuild or restore starts empty), by id.
    pub fn take_changed(&mut self) -> Vec<AccountId> {
        std::mem::take(&mut self.changed).into_iter().collect()
    }

    /// How many accounts changed since the last `take_changed`.
    pub fn changed_len(&self) -> usize {
        self.changed.len()
    }

    /// Accounts with at least one interaction that is not a system entry.
    pub fn accounts_with_history(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.accounts
            .iter()
            .filter(|(_, s)| s.events.iter().any(|e| e.kind != InteractionKind::System))
            .map(|(id, _)| *id)
    }

    /// An engine from account records and a snapshot of the other inputs,
    /// scored as of `as_of`: the same engine a full rebuild from the records
    /// gives, provided the snapshot holds exactly what those records hold.
    /// Every record account must have inputs and every input a record (a
    /// snapshot that disagrees with the records is refused, not patched).
    pub fn restore(
        model: Model,
        as_of: NaiveDate,
        accounts: &[Account],
        inputs: Vec<AccountInputs>,
    ) -> Result<Engine, RestoreError> {
        Engine::restore_inputs(model, as_of, inputs)?.finish(accounts)
    }

    /// `restore`'s first step, which needs no account record: the inputs
    /// are loaded while the records are read and decoded.
    pub fn restore_inputs(
        model: Model,
        as_of: NaiveDate,
        inputs: Vec<AccountInputs>,
    ) -> Result<Restoring, RestoreError> {
        let events = inputs.iter().map(|i| i.events.len()).sum();
        let mut r = Restoring::new(model, as_of, inputs.len(), events);
        r.add(inputs)?;
        Ok(r)
    }

    /// A full rebuild from records given one at a time: the interactions
    /// are streamed (`feed` calls its argument once per interaction), so a
    /// million of them are never held as records at once.
    pub fn rebuild_streamed<E>(
        &mut self,
        accounts: &[Account],
        contacts: &[Contact],
        feed: impl FnOnce(&mut dyn FnMut(&Interaction)) -> Result<(), E>,
    ) -> Result<(), E> {
        self.accounts.clear();
        self.changed.clear();
        self.new_lineage();
        for a in accounts {
            let st = self.accounts.or_default(a.id);
            Self::set_account_fields(st, a, &self.tier_names);
        }
        // The records are the store's: each id once.
        for c in contacts {
            let st = self.accounts.or_default(c.account);
            st.contacts.push(ContactLite::from_contact(c));
        }
        // Unpacked while they arrive in no order, packed once all are in.
        let mut events: IdMap<AccountId, Vec<Ev>> = IdMap::default();
        let mut push = |i: &Interaction| {
            events
                .entry(i.account)
                .or_default()
                .push(Ev::from_interaction(i));
        };
        feed(&mut push)?;
        for (id, mut evs) in events {
            evs.sort_by_key(Ev::order_key);
            self.accounts.or_default(id).events = PackedEvents::pack(&evs);
        }
        self.accounts.fit();
        self.index_owners();
        self.recompute_all();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, Money};

    /// An interaction listed under two accounts is refused, whether the
    /// ids are dense (a store's counter: checked a bit per id) or far
    /// apart (sorted); with no repeat, both restore.
    #[test]
    fn a_repeated_interaction_is_found_among_dense_and_sparse_ids() {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let accounts: Vec<Account> = (1..=2)
            .map(|i| Account {
                id: AccountId(i),
                key: format!("A{i}"),
                ..Account::default()
            })
            .collect();
        for step in [1u64, 1 << 40] {
            let mut e = Engine::new(Model::default(), as_of);
            for a in &accounts {
                e.upsert_account(a);
            }
            for n in 1..=6u64 {
                let mut i = Interaction::new(AccountId(n % 2 + 1), InteractionKind::Order, as_of);
                i.id = InteractionId(n * step);
                i.amount = Some(Money::from_units(100 * n as i64));
                e.upsert_interaction(&i);
            }
            let inputs = e.all_inputs();
            let restore = |inputs: Vec<AccountInputs>| {
                let mut r = Restoring::new(Model::default(), as_of, 2, 6);
                r.add(inputs).unwrap();
                r.finish(&accounts)
            };
            assert_eq!(restore(inputs.clone()).unwrap().scores(), e.scores());
            let mut copied = inputs.clone();
            let ev = copied[0].events[0];
            copied[1].events.push(ev);
            assert!(
                matches!(restore(copied), Err(RestoreError::BadEvent(id)) if id == ev.id),
                "ids {step} apart"
            );
        }
    }
}
