//! Full recomputation: loading a whole book, or a change (model, as-of date)
//! that moves every account at once. Builds the rank sets in one pass and
//! evaluates everyone exactly, resetting the drift counters.

use super::super::metrics::Metrics;
use super::super::model::Model;
use super::super::model::Norm;
use super::super::per_axis::PerAxis;
use super::super::rank::RankSet;
use super::super::types::TierChange;
use super::Engine;
use super::state::{AccState, F};
use super::step::Step;
use crate::domain::{Account, AccountId, Contact, Interaction, shared_name};
use chrono::NaiveDate;
use std::sync::Arc;

impl Engine {
    /// Recomputes everything from the stored records (no diff).
    pub(super) fn recompute_all(&mut self) {
        self.restamp();
        let mut values: Vec<Option<Vec<f64>>> = self
            .crits
            .iter()
            .map(|c| matches!(c.norm, Norm::Percentile { .. }).then(Vec::new))
            .collect();
        for (_, q) in self.queue.iter_mut() {
            q.clear();
        }
        self.cap_in.clear();
        self.cap_out.clear();
        self.drift = PerAxis::new(0.0, 0.0);
        self.active = 0;
        let as_of = self.as_of;
        let crits = &self.crits;
        // Each account's metrics read only its own events: measured on every
        // core (a million events are a tenth of a second on one), in place.
        let mut states: Vec<&mut AccState> = self.accounts.values_mut().collect();
        crate::par::for_each_mut(&mut states, |st| {
            st.metrics = st
                .events
                .with_unpacked(|evs| Metrics::compute(evs, &st.contacts, as_of));
            let (metrics, ratings) = (&st.metrics, &st.ratings);
            let raw = crits.iter().map(|c| c.measure.raw(metrics, ratings));
            st.raw = raw.collect();
        });
        for st in states {
            st.ranked = st.known && st.metrics.active;
            st.key = PerAxis::new(None, None);
            st.cap = None;
            if st.ranked {
                self.active += 1;
                for (i, vals) in values.iter_mut().enumerate() {
                    if let (Some(vals), Some(x)) = (vals.as_mut(), st.raw[i]) {
                        vals.push(x);
                    }
                }
            }
        }
        self.ranks = values
            .into_iter()
            .map(|v| v.map(RankSet::from_values))
            .collect();
        let mut step = Step::default();
        let ids: Vec<AccountId> = self
            .accounts
            .iter()
            .filter(|(_, s)| s.known)
            .map(|(id, _)| *id)
            .collect();
        // An evaluation only reads the rank sets, which placing does not
        // change: every account is evaluated on every core, then placed in
        // order as `reevaluate` would.
        let evals = crate::par::map(&ids, |id| self.eval(&self.accounts[id]));
        // The queues were emptied above: each is built at once from every
        // account's key, sorted (inserting 200k keys one at a time was about
        // 50 ms of every open at 100k accounts).
        let mut keys: PerAxis<Vec<(F, AccountId)>> = PerAxis::default();
        for (id, e) in ids.into_iter().zip(evals) {
            let (member, key) = self.place_state(id, e);
            if member {
                step.pool.push(id);
            }
            for (axis, k) in key.iter() {
                if let Some(k) = *k {
                    keys.get_mut(axis).push((k, id));
                }
            }
        }
        for (axis, keys) in keys.iter_mut() {
            let mut keys = std::mem::take(keys);
            keys.sort_unstable();
            *self.queue.get_mut(axis) = keys.into_iter().collect();
        }
        self.resolve_cap(&mut step);
        self.tally_all();
        self.columns_all();
        self.journal.push(super::journal::Entry::All);
    }

    /// Runs `change` (as_of or model) as a full recompute and reports the
    /// tier differences.
    fn full_diff(&mut self, change: impl FnOnce(&mut Engine)) -> Vec<TierChange> {
        let mut step = Step::default();
        let mut ids = self.account_ids();
        ids.sort();
        for &id in &ids {
            self.touch(id, &mut step, true);
        }
        change(self);
        self.new_lineage();
        self.recompute_all();
        self.finish(step)
    }

    pub fn rebuild<'a>(
        &mut self,
        accounts: &[Account],
        contacts: &[Contact],
        interactions: impl IntoIterator<Item = &'a Interaction>,
    ) {
        let fed: Result<(), std::convert::Infallible> =
            self.rebuild_streamed(accounts, contacts, |push| {
                interactions.into_iter().for_each(push);
                Ok(())
            });
        let Ok(()) = fed;
    }

    /// `tiers`: the model's shared tier names (`Engine::tier_names`), for
    /// the pin.
    pub(super) fn set_account_fields(st: &mut AccState, a: &Account, tiers: &[Arc<str>]) {
        st.known = true;
        // The owner index shares its key with it (`reindex_owner`).
        if *st.owner != *a.owner {
            st.owner = a.owner.as_str().into();
        }
        st.status = a.status;
        st.since = a.since;
        st.ratings = a.ratings.clone();
        st.pin = a.pin.as_ref().map(|p| shared_name(tiers, &p.tier));
    }

    pub fn set_as_of(&mut self, d: NaiveDate) -> Vec<TierChange> {
        self.full_diff(|e| e.as_of = d)
    }

    pub fn set_model(&mut self, m: Model) -> Vec<TierChange> {
        self.full_diff(|e| {
            e.model = m;
            e.setup_model();
        })
    }

    /// Accounts that would change tier under `m`, from → to.
    pub fn dry_run(&self, m: &Model) -> Vec<TierChange> {
        let mut e = self.clone();
        e.set_model(m.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InteractionId, InteractionKind, Money};

    /// Above the size where accounts are evaluated on several threads, each
    /// account is placed with its own evaluation: its stored scores are
    /// exactly what evaluating it again gives.
    #[test]
    fn a_parallel_recompute_places_each_account_with_its_own_scores() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let accounts: Vec<Account> = (1..=5000u64)
            .map(|n| Account {
                id: AccountId(n),
                key: format!("K{n}"),
                owner: format!("o{}", n % 7),
                ..Default::default()
            })
            .collect();
        let interactions: Vec<Interaction> = accounts
            .iter()
            .flat_map(|a| {
                (0..a.id.0 % 4).map(move |k| {
                    let day = as_of - chrono::Days::new(5 + 37 * k + a.id.0 % 200);
                    let mut i = Interaction::new(a.id, InteractionKind::Order, day);
                    i.id = InteractionId(a.id.0 * 10 + k);
                    i.amount = Some(Money::from_cents((a.id.0 as i64 * 7919) % 1_000_000 + 100));
                    i
                })
            })
            .collect();
        let mut e = Engine::new(Model::default(), as_of);
        e.rebuild(&accounts, &[], &interactions);
        let mut distinct = std::collections::HashSet::new();
        for a in &accounts {
            let st = &e.accounts[&a.id];
            let again = e.eval(st);
            assert_eq!(
                (again.score.value.to_bits(), again.score.potential.to_bits()),
                (st.snap.value.to_bits(), st.snap.potential.to_bits()),
                "{}",
                a.key
            );
            distinct.insert(st.snap.value.to_bits());
        }
        // The scores differ between accounts, so a mix-up would show.
        assert!(distinct.len() > 100, "{}", distinct.len());
    }
}
