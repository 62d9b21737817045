//! The public edit operations. Each is one `Step`: record the change, redo
//! the edited account (and whoever it can have moved), report tier changes.

use super::super::metrics::{ContactLite, Ev};
use super::super::types::TierChange;
use super::Engine;
use super::step::Step;
use crate::domain::{Account, AccountId, Contact, ContactId, Interaction, InteractionId};

impl Engine {
    pub fn upsert_account(&mut self, a: &Account) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        self.changed.insert(a.id);
        self.touch(a.id, &mut step, true);
        let st = self.accounts.entry(a.id).or_default();
        let old = st.known.then(|| st.owner.clone());
        Self::set_account_fields(st, a);
        self.reindex_owner(a.id, old.as_deref());
        self.refresh_data(a.id, &mut step);
        self.finish(step)
    }

    /// Forgets an account and what hangs on it; others may change tier.
    pub fn remove_account(&mut self, id: AccountId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        self.changed.insert(id);
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
        if let Some(prev) = self.contact_acc.insert(c.id, c.account)
            && prev != c.account
            && let Some(st) = self.accounts.get_mut(&prev)
        {
            st.contacts.retain(|x| x.id != c.id);
            self.changed.insert(prev);
            self.refresh_data(prev, &mut step);
        }
        self.changed.insert(c.account);
        let st = self.accounts.entry(c.account).or_default();
        let lite = ContactLite::from_contact(c);
        match st.contacts.iter_mut().find(|x| x.id == c.id) {
            Some(x) => *x = lite,
            None => st.contacts.push(lite),
        }
        self.refresh_data(c.account, &mut step);
        self.finish(step)
    }

    pub fn remove_contact(&mut self, id: ContactId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(acc) = self.contact_acc.remove(&id)
            && let Some(st) = self.accounts.get_mut(&acc)
        {
            st.contacts.retain(|x| x.id != id);
            self.changed.insert(acc);
            self.refresh_data(acc, &mut step);
        }
        self.finish(step)
    }

    pub fn upsert_interaction(&mut self, i: &Interaction) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(prev) = self.inter_acc.insert(i.id, i.account)
            && prev != i.account
            && let Some(st) = self.accounts.get_mut(&prev)
        {
            st.events.retain(|e| e.id != i.id);
            self.changed.insert(prev);
            self.refresh_data(prev, &mut step);
        }
        self.changed.insert(i.account);
        let st = self.accounts.entry(i.account).or_default();
        st.events.retain(|e| e.id != i.id);
        let ev = Ev::from_interaction(i);
        let pos = st.events.partition_point(|e| (e.at, e.id) < (ev.at, ev.id));
        st.events.insert(pos, ev);
        self.refresh_data(i.account, &mut step);
        self.finish(step)
    }

    pub fn remove_interaction(&mut self, id: InteractionId) -> Vec<TierChange> {
        self.restamp();
        let mut step = Step::default();
        if let Some(acc) = self.inter_acc.remove(&id)
            && let Some(st) = self.accounts.get_mut(&acc)
        {
            st.events.retain(|e| e.id != id);
            self.changed.insert(acc);
            self.refresh_data(acc, &mut step);
        }
        self.finish(step)
    }
}
