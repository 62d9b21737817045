//! The public edit operations. Each is one `Step`: record the change, redo
//! the edited account (and whoever it can have moved), report tier changes.
//! Many edits at once (`edit_many`) are recorded, then recomputed once.

use super::super::metrics::{ContactLite, Ev};
use super::super::packed::PackedEvents;
use super::super::types::TierChange;
use super::Engine;
use super::step::Step;
use crate::domain::{
    Account, AccountId, Contact, ContactId, Interaction, InteractionId, InteractionKind,
};

/// Records a write removed, for `Engine::edit_many`: children with the
/// account they were removed from.
#[derive(Debug, Default, Clone)]
pub struct Removed {
    pub accounts: Vec<AccountId>,
    pub contacts: Vec<(AccountId, ContactId)>,
    pub interactions: Vec<(AccountId, InteractionId)>,
}

/// An interaction as `Engine::edit_many` records it: its account and what
/// scoring reads of it (no text). A bulk write that does not hold its
/// records (an import staged a chunk at a time as its file is read) keeps
/// these instead: 56 bytes each, against a record's 140 and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    account: AccountId,
    ev: Ev,
}

impl Recorded {
    pub fn account(&self) -> AccountId {
        self.account
    }

    pub fn kind(&self) -> InteractionKind {
        self.ev.kind
    }
}

impl From<&Interaction> for Recorded {
    fn from(i: &Interaction) -> Self {
        Recorded {
            account: i.account,
            ev: Ev::from_interaction(i),
        }
    }
}

impl From<Interaction> for Recorded {
    fn from(i: Interaction) -> Self {
        Recorded::from(&i)
    }
}

/// Interactions `Engine::edit_many` records at a time (3.5 MB of them).
const RECORD_BATCH: usize = 1 << 16;

impl Engine {
    pub fn upsert_account(&mut self, a: &Account) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        self.touch(a.id, &mut step, true);
        self.record_account(a);
        self.refresh_data(a.id, &mut step);
        self.finish(step)
    }

    /// Forgets an account and what hangs on it; others may change tier.
    pub fn remove_account(&mut self, id: AccountId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        self.mark_changed(id);
        if let Some(st) = self.accounts.get_mut(&id) {
            let old = st.known.then(|| st.owner.clone());
            st.known = false;
            st.events = PackedEvents::default();
            st.contacts.clear();
            self.refresh_data(id, &mut step);
            self.reindex_owner(id, old.as_deref());
            self.accounts.remove(&id);
        }
        self.finish(step)
    }

    /// A contact of `c.account`, new or changed. One that moved from
    /// another account is removed from it first (`remove_contact`).
    pub fn upsert_contact(&mut self, c: &Contact) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        self.record_contact(c);
        self.refresh_data(c.account, &mut step);
        self.finish(step)
    }

    /// Contact `id` gone from `account`.
    pub fn remove_contact(&mut self, account: AccountId, id: ContactId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if self.forget_contact(account, id) {
            self.refresh_data(account, &mut step);
        }
        self.finish(step)
    }

    /// An interaction of `i.account`, new or changed. One that moved from
    /// another account is removed from it first (`remove_interaction`).
    pub fn upsert_interaction(&mut self, i: impl Into<Recorded>) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        let i = i.into();
        let account = i.account;
        self.record_interaction(i);
        self.refresh_data(account, &mut step);
        self.finish(step)
    }

    /// Interaction `id` gone from `account`.
    pub fn remove_interaction(&mut self, account: AccountId, id: InteractionId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if self.forget_interaction(account, id) {
            self.refresh_data(account, &mut step);
        }
        self.finish(step)
    }

    /// Whether `edits` records changed at once are cheaper as one full
    /// recompute (`edit_many`) than one edit after another: an edit costs
    /// tens to hundreds of microseconds at 100k accounts (more while many
    /// accounts gain their first order and the ranks move), a recompute about
    /// a microsecond or two per account and interaction.
    pub fn prefers_recompute(&self, edits: usize) -> bool {
        edits >= 64 && edits.saturating_mul(16) >= self.accounts.len()
    }

    /// Many records changed at once (an import, or its undo): recorded
    /// without scoring each — the upserts, then `removed` — then one full
    /// recompute, reported as one diff against the tiers before. The result
    /// is the same as the edits one by one, in that order. The interactions
    /// may come by value, each dropped once recorded (an import's million),
    /// or as the engine records them (`Recorded`).
    pub fn edit_many<I: Into<Recorded>>(
        &mut self,
        accounts: &[Account],
        contacts: &[Contact],
        interactions: impl IntoIterator<Item = I>,
        removed: &Removed,
    ) -> Vec<TierChange> {
        let mut step = Step::default();
        let mut ids = self.account_ids();
        ids.extend(accounts.iter().map(|a| a.id));
        ids.sort();
        ids.dedup();
        for &id in &ids {
            self.touch(id, &mut step, true);
        }
        for a in accounts {
            self.record_account(a);
        }
        for c in contacts {
            self.record_contact(c);
        }
        // In batches: an account's events are unpacked and packed once per
        // batch, not once per interaction, and the batch stays small.
        let mut batch = Vec::new();
        for i in interactions {
            batch.push(i.into());
            if batch.len() == RECORD_BATCH {
                self.record_interactions(&mut batch);
            }
        }
        self.record_interactions(&mut batch);
        for &(account, id) in &removed.contacts {
            self.forget_contact(account, id);
        }
        for &(account, id) in &removed.interactions {
            self.forget_interaction(account, id);
        }
        self.forget_accounts(&removed.accounts);
        self.recompute_all();
        self.finish(step)
    }

    /// A contact gone from `account`, without re-scoring; whether it was
    /// there.
    fn forget_contact(&mut self, account: AccountId, id: ContactId) -> bool {
        let Some(st) = self.accounts.get_mut(&account) else {
            return false;
        };
        let had = st.contacts.len();
        st.contacts.retain(|x| x.id != id);
        let gone = st.contacts.len() < had;
        if gone {
            self.mark_changed(account);
        }
        gone
    }

    /// An interaction gone from `account`, without re-scoring; whether it
    /// was there.
    fn forget_interaction(&mut self, account: AccountId, id: InteractionId) -> bool {
        let Some(st) = self.accounts.get_mut(&account) else {
            return false;
        };
        let mut events = st.events.to_vec();
        let had = events.len();
        events.retain(|e| e.id != id);
        let gone = events.len() < had;
        if gone {
            st.events = PackedEvents::pack(&events);
            self.mark_changed(account);
        }
        gone
    }

    /// Accounts and what hangs on them, without re-scoring.
    fn forget_accounts(&mut self, ids: &[AccountId]) {
        if ids.is_empty() {
            return;
        }
        for &id in ids {
            self.mark_changed(id);
            if let Some(st) = self.accounts.get_mut(&id) {
                let old = st.known.then(|| st.owner.clone());
                st.known = false;
                self.reindex_owner(id, old.as_deref());
                self.accounts.remove(&id);
            }
        }
    }

    /// An account's fields, without re-scoring.
    fn record_account(&mut self, a: &Account) {
        self.mark_changed(a.id);
        let st = self.accounts.or_default(a.id);
        let old = st.known.then(|| st.owner.clone());
        Self::set_account_fields(st, a, &self.tier_names);
        self.reindex_owner(a.id, old.as_deref());
    }

    /// A contact of `c.account`, without re-scoring.
    fn record_contact(&mut self, c: &Contact) {
        self.mark_changed(c.account);
        let st = self.accounts.or_default(c.account);
        let lite = ContactLite::from_contact(c);
        match st.contacts.iter_mut().find(|x| x.id == c.id) {
            Some(x) => *x = lite,
            None => st.contacts.push(lite),
        }
    }

    /// An interaction of `i.account`, without re-scoring.
    fn record_interaction(&mut self, i: Recorded) {
        self.mark_changed(i.account);
        let st = self.accounts.or_default(i.account);
        let ev = i.ev;
        let mut events = st.events.to_vec();
        events.retain(|e| e.id != ev.id);
        let pos = events.partition_point(|e| e.order_key() < ev.order_key());
        events.insert(pos, ev);
        st.events = PackedEvents::pack(&events);
    }

    /// Interactions in the order given, without re-scoring; empties `batch`.
    /// Of one id, the last given stands, as when recorded one by one.
    fn record_interactions(&mut self, batch: &mut Vec<Recorded>) {
        // Stable: each account's records keep their order.
        batch.sort_by_key(|r| r.account);
        for group in batch.chunk_by(|a, b| a.account == b.account) {
            let account = group[0].account;
            self.mark_changed(account);
            let st = self.accounts.or_default(account);
            let mut given = std::collections::HashSet::with_capacity(group.len());
            let fresh: Vec<Ev> = group
                .iter()
                .rev()
                .filter(|r| given.insert(r.ev.id))
                .map(|r| r.ev)
                .collect();
            let mut events = st.events.to_vec();
            events.retain(|e| !given.contains(&e.id));
            events.extend(fresh);
            events.sort_by_key(Ev::order_key);
            st.events = PackedEvents::pack(&events);
        }
        batch.clear();
    }
}
