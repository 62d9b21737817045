//! The public edit operations. Each is one `Step`: record the change, redo
//! the edited account (and whoever it can have moved), report tier changes.
//! Many edits at once (`edit_many`) are recorded, then recomputed once.

use super::super::metrics::{ContactLite, Ev};
use super::super::types::TierChange;
use super::Engine;
use super::step::Step;
use crate::domain::{Account, AccountId, Contact, ContactId, Interaction, InteractionId};

/// Records a write removed, for `Engine::edit_many`.
#[derive(Debug, Default, Clone)]
pub struct Removed {
    pub accounts: Vec<AccountId>,
    pub contacts: Vec<ContactId>,
    pub interactions: Vec<InteractionId>,
}

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
            st.events.clear();
            st.contacts.clear();
            self.refresh_data(id, &mut step);
            self.reindex_owner(id, old.as_deref());
            self.accounts.remove(&id);
            self.inter_acc.retain(|_, a| *a != id);
            self.contact_acc.retain(|_, a| *a != id);
        }
        self.finish(step)
    }

    pub fn upsert_contact(&mut self, c: &Contact) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(prev) = self.record_contact(c) {
            self.refresh_data(prev, &mut step);
        }
        self.refresh_data(c.account, &mut step);
        self.finish(step)
    }

    pub fn remove_contact(&mut self, id: ContactId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(acc) = self.forget_contact(id) {
            self.refresh_data(acc, &mut step);
        }
        self.finish(step)
    }

    pub fn upsert_interaction(&mut self, i: &Interaction) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(prev) = self.record_interaction(i) {
            self.refresh_data(prev, &mut step);
        }
        self.refresh_data(i.account, &mut step);
        self.finish(step)
    }

    pub fn remove_interaction(&mut self, id: InteractionId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(acc) = self.forget_interaction(id) {
            self.refresh_data(acc, &mut step);
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
    /// is the same as the edits one by one, in that order.
    pub fn edit_many(
        &mut self,
        accounts: &[Account],
        contacts: &[Contact],
        interactions: &[Interaction],
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
        for i in interactions {
            self.record_interaction(i);
        }
        for &id in &removed.contacts {
            self.forget_contact(id);
        }
        for &id in &removed.interactions {
            self.forget_interaction(id);
        }
        self.forget_accounts(&removed.accounts);
        self.recompute_all();
        self.finish(step)
    }

    /// A contact gone, without re-scoring; returns the account it was on.
    fn forget_contact(&mut self, id: ContactId) -> Option<AccountId> {
        let acc = self.contact_acc.remove(&id)?;
        let st = self.accounts.get_mut(&acc)?;
        st.contacts.retain(|x| x.id != id);
        self.mark_changed(acc);
        Some(acc)
    }

    /// An interaction gone, without re-scoring; returns its account.
    fn forget_interaction(&mut self, id: InteractionId) -> Option<AccountId> {
        let acc = self.inter_acc.remove(&id)?;
        let st = self.accounts.get_mut(&acc)?;
        st.events.retain(|e| e.id != id);
        self.mark_changed(acc);
        Some(acc)
    }

    /// Accounts and what hangs on them, without re-scoring: one pass over
    /// the id tables for all of them.
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
        let gone: std::collections::HashSet<AccountId> = ids.iter().copied().collect();
        self.inter_acc.retain(|_, a| !gone.contains(a));
        self.contact_acc.retain(|_, a| !gone.contains(a));
    }

    /// An account's fields, without re-scoring.
    fn record_account(&mut self, a: &Account) {
        self.mark_changed(a.id);
        let st = self.accounts.entry(a.id).or_default();
        let old = st.known.then(|| st.owner.clone());
        Self::set_account_fields(st, a);
        self.reindex_owner(a.id, old.as_deref());
    }

    /// A contact, without re-scoring; returns the account it moved away
    /// from, if it did.
    fn record_contact(&mut self, c: &Contact) -> Option<AccountId> {
        let mut left = None;
        if let Some(prev) = self.contact_acc.insert(c.id, c.account)
            && prev != c.account
            && let Some(st) = self.accounts.get_mut(&prev)
        {
            st.contacts.retain(|x| x.id != c.id);
            self.mark_changed(prev);
            left = Some(prev);
        }
        self.mark_changed(c.account);
        let st = self.accounts.entry(c.account).or_default();
        let lite = ContactLite::from_contact(c);
        match st.contacts.iter_mut().find(|x| x.id == c.id) {
            Some(x) => *x = lite,
            None => st.contacts.push(lite),
        }
        left
    }

    /// An interaction, without re-scoring; returns the account it moved
    /// away from, if it did.
    fn record_interaction(&mut self, i: &Interaction) -> Option<AccountId> {
        let mut left = None;
        if let Some(prev) = self.inter_acc.insert(i.id, i.account)
            && prev != i.account
            && let Some(st) = self.accounts.get_mut(&prev)
        {
            st.events.retain(|e| e.id != i.id);
            self.mark_changed(prev);
            left = Some(prev);
        }
        self.mark_changed(i.account);
        let st = self.accounts.entry(i.account).or_default();
        st.events.retain(|e| e.id != i.id);
        let ev = Ev::from_interaction(i);
        let pos = st.events.partition_point(|e| (e.at, e.id) < (ev.at, ev.id));
        st.events.insert(pos, ev);
        left
    }
}
