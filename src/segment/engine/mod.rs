//! The engine: per-account state, percentile structures and the tier
//! assignment, kept current edit by edit.
//!
//! How an edit stays cheap yet exact:
//! * Percentiles are read from order-statistic sets (`RankSet`), so any
//!   account's exact score can be computed on demand in O(criteria · log n).
//! * When one account's ranked values change, every other account's
//!   percentile moves by at most 100 / (n − 1) per changed criterion. These
//!   bounds accumulate per axis in a global drift counter (`drift`).
//! * Each account keeps the exact scores of its last evaluation and the
//!   counter at that time; it can only have left its band once the drift
//!   since then reaches its distance to the nearest cut. A queue per axis
//!   ordered by `distance + counter at evaluation` yields exactly those
//!   accounts, which are re-evaluated; nobody else can have changed cell.
//! * The cap (e.g. Key ≤ 20% of active, highest value first) is kept the same
//!   way: members in and out of the cap sit in two sets ordered by their
//!   drift-widened bounds; only members whose bounds overlap the boundary are
//!   re-evaluated (see `cap`).
//!
//! Modules, one job each:
//! * `state`    — what is remembered per criterion and per account;
//! * `place`    — exact evaluation and the per-axis cut queues;
//! * `step`     — one edit's path: metrics → ranks → drift → re-evaluation,
//!   and the tier-change report;
//! * `cap`      — who is within the cap;
//! * `edits`    — the public edit operations;
//! * `rebuild`  — full recomputation (load, model or date change);
//! * `queries`  — scores, explanations, the matrix, Pareto;
//! * `tally`    — the matrix's sums, moved by each step;
//! * `journal`  — what changed, for readers that patch what they made;
//! * `columns`  — the ranked values of every account, flat, for the journal.

mod cap;
mod columns;
mod edits;
mod journal;
mod place;
mod queries;
mod rebuild;
mod snapshot;
mod state;
mod step;
mod table;
mod tally;

use super::metrics::Ev;
use super::model::Model;
use super::per_axis::{AxisKind, PerAxis};
use super::rank::RankSet;
use crate::domain::AccountId;
use crate::domain::shared_name;
use chrono::NaiveDate;
use state::{CritInfo, F, IdMap};
use std::collections::BTreeSet;
use std::sync::Arc;

pub use edits::{Recorded, Removed};
pub(super) use queries::pareto_with;
pub use snapshot::{AccountInputs, RestoreError, Restoring};
pub(super) use state::AccState;

/// Incremental segmentation state for all accounts.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) model: Model,
    pub(super) as_of: NaiveDate,
    crits: Vec<CritInfo>,
    ranks: Vec<Option<RankSet>>,
    /// Each account's state, its events and contacts included. No table
    /// maps an interaction or a contact to its account (at 1M interactions
    /// it was 44 MB): every change names the account, and a record that
    /// moves is removed from its old account by the caller.
    pub(super) accounts: table::Table,
    /// Known accounts with an order in the window.
    active: usize,
    /// Global drift counter per axis: the sum of every edit's bound on how
    /// far any account's score on that axis can have moved.
    drift: PerAxis<f64>,
    /// Cut queue per axis, keyed by `margin to the nearest cut + drift at
    /// evaluation`: an account is due for re-evaluation once `drift` reaches
    /// its key.
    queue: PerAxis<BTreeSet<(F, AccountId)>>,
    cap_in: BTreeSet<(F, AccountId)>,
    cap_out: BTreeSet<(F, AccountId)>,
    cell_tier: Vec<usize>,
    cap_cell: Vec<bool>,
    /// (capped tier, overflow tier) indices.
    cap_tiers: Option<(usize, usize)>,
    /// Accounts whose inputs (events, contacts, existence) changed since
    /// the last `take_changed`: what a snapshot save must rewrite.
    changed: BTreeSet<AccountId>,
    /// Known accounts by owner: the agenda of one user reads only theirs.
    /// Each key is shared with its accounts' `AccState::owner`.
    owners: std::collections::HashMap<Arc<str>, BTreeSet<AccountId>>,
    /// Names this engine's current results: a new, process-unique value
    /// after every change that can move a score (see `stamp`).
    stamp: u64,
    /// Per account, a process-unique value taken when its inputs last
    /// changed (absent: unchanged since `lineage` began). With the tier and
    /// cell it names what the account's own agenda items are made of.
    revs: IdMap<AccountId, u64>,
    /// A process-unique value taken when every account may have changed at
    /// once without an edit of its own: a new engine, a rebuild, another
    /// date or model.
    lineage: u64,
    /// The matrix's sums, moved by each step (see `tally`).
    tally: tally::Tally,
    /// What changed, in order (see `journal`).
    journal: journal::Journal,
    /// The ranked criteria's values, flat (see `columns`); None when a
    /// model ranks more criteria than it can hold.
    columns: Option<columns::Columns>,
    /// The model's tier names, shared by the pins and agenda items that
    /// name them (a whole book's agenda is 170k items at 100k accounts).
    pub(super) tier_names: Vec<Arc<str>>,
}

/// What one account's own agenda items (`Engine::account_agenda`) depend on
/// within one lineage of an engine: its inputs, computed tier and cell. The
/// cell decides the large-disloyal flag (value at or above the last value
/// cut is the top value band), the tier every other policy. Equal bases
/// under an equal `Engine::lineage` mean equal items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgendaBasis {
    rev: u64,
    tier: usize,
    cell: usize,
}

/// Source of engine stamps: process-wide, so two engines never share one
/// unless one is an unchanged clone of the other.
static NEXT_STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_stamp() -> u64 {
    NEXT_STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Engine {
    pub fn new(model: Model, as_of: NaiveDate) -> Engine {
        let mut e = Engine {
            model,
            as_of,
            crits: Vec::new(),
            ranks: Vec::new(),
            accounts: table::Table::default(),
            active: 0,
            drift: PerAxis::default(),
            queue: PerAxis::default(),
            cap_in: BTreeSet::new(),
            cap_out: BTreeSet::new(),
            cell_tier: Vec::new(),
            cap_cell: Vec::new(),
            cap_tiers: None,
            changed: BTreeSet::new(),
            owners: Default::default(),
            stamp: 0,
            revs: IdMap::default(),
            lineage: next_stamp(),
            tally: tally::Tally::default(),
            journal: journal::Journal::default(),
            columns: None,
            tier_names: Vec::new(),
        };
        e.setup_model();
        e.recompute_all();
        e
    }

    /// Equal stamps mean equal scores, ranks and tiers: what lets a reader
    /// keep results derived from them (the book's prepared list rows)
    /// until the next change.
    pub fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Every score may have moved: take a new stamp.
    pub(super) fn restamp(&mut self) {
        self.stamp = next_stamp();
    }

    /// Every account may have changed without an edit of its own.
    pub(super) fn new_lineage(&mut self) {
        self.revs.clear();
        self.lineage = next_stamp();
    }

    /// `id`'s inputs changed: a snapshot save rewrites it, its agenda items
    /// are made again.
    pub(super) fn mark_changed(&mut self, id: AccountId) {
        self.changed.insert(id);
        self.revs.insert(id, next_stamp());
    }

    /// See `AgendaBasis`.
    pub fn lineage(&self) -> u64 {
        self.lineage
    }

    /// What a known account's own agenda items are made of (see
    /// `AgendaBasis`), read without scoring it.
    pub fn agenda_basis(&self, id: AccountId) -> Option<AgendaBasis> {
        let st = self.accounts.get(&id).filter(|s| s.known)?;
        Some(AgendaBasis {
            rev: self.revs.get(&id).copied().unwrap_or(0),
            tier: st.tier,
            cell: st.cell,
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// Number of accounts with an order in the trailing 12 months.
    pub fn active_accounts(&self) -> usize {
        self.active
    }

    /// Before a pass that scores many accounts: the rank sets answer by
    /// binary search over their sorted values until the next edit (the
    /// same counts as the trees, several times faster at 100k accounts).
    pub fn freeze_ranks(&self) {
        for r in self.ranks.iter().flatten() {
            r.freeze();
        }
    }

    /// Account ids known to the engine, ascending.
    pub fn account_ids(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self
            .accounts
            .iter()
            .filter(|(_, s)| s.known)
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    }

    /// True when the account's record was given (and not removed).
    pub fn has_account(&self, id: AccountId) -> bool {
        self.accounts.get(&id).is_some_and(|s| s.known)
    }

    /// The tier in force of a known account (a pin wins), without scoring it.
    pub fn tier(&self, id: AccountId) -> Option<String> {
        self.accounts
            .get(&id)
            .filter(|s| s.known)
            .map(|s| self.effective_tier(s))
    }

    /// The known accounts `owner` owns, ascending.
    pub fn accounts_of_owner(&self, owner: &str) -> Vec<AccountId> {
        self.owners
            .get(owner)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Moves `id` in the owner index from its old owner to its current one.
    pub(super) fn reindex_owner(&mut self, id: AccountId, old: Option<&str>) {
        if let Some(o) = old
            && let Some(set) = self.owners.get_mut(o)
        {
            set.remove(&id);
            if set.is_empty() {
                self.owners.remove(o);
            }
        }
        if let Some(st) = self.accounts.get_mut(&id).filter(|s| s.known) {
            let key = match self.owners.get_key_value(&*st.owner) {
                Some((key, _)) => Arc::clone(key),
                None => Arc::clone(&st.owner),
            };
            st.owner = Arc::clone(&key);
            self.owners.entry(key).or_default().insert(id);
        }
    }

    /// Rebuilds the owner index from the accounts (after a load).
    pub(super) fn index_owners(&mut self) {
        // Gathered by name, then each set built from its sorted ids in one
        // go: inserting 100k ids one at a time, with a copy of the owner's
        // name for each, was 20-35 ms of every open at 100k accounts.
        // Each account's owner becomes the index key's copy.
        let mut by: std::collections::HashMap<Arc<str>, Vec<AccountId>> = Default::default();
        for (id, st) in self.accounts.iter_mut().filter(|(_, s)| s.known) {
            match by.get_key_value(&*st.owner) {
                Some((key, _)) => st.owner = Arc::clone(key),
                None => {
                    by.insert(Arc::clone(&st.owner), Vec::new());
                }
            }
            if let Some(ids) = by.get_mut(&*st.owner) {
                ids.push(*id);
            }
        }
        self.owners = by
            .into_iter()
            .map(|(owner, mut ids)| {
                ids.sort_unstable();
                (owner, ids.into_iter().collect())
            })
            .collect();
    }

    /// Whether any known account has owner `o`.
    pub fn has_owner(&self, o: &str) -> bool {
        self.owners.get(o).is_some_and(|ids| !ids.is_empty())
    }

    /// The owner the engine was told about (for agenda filtering).
    pub fn owner(&self, id: AccountId) -> Option<&str> {
        self.accounts
            .get(&id)
            .filter(|s| s.known)
            .map(|s| &*s.owner)
    }

    /// Derives the per-criterion and per-cell tables from the model.
    fn setup_model(&mut self) {
        self.tier_names = self
            .model
            .tiers
            .iter()
            .map(|t| t.name.as_str().into())
            .collect();
        let total = PerAxis::from_fn(|a: AxisKind| self.model.axis(a).total_weight());
        self.crits = self
            .model
            .all_criteria()
            .map(|(axis, c)| {
                let total = *total.get(axis);
                CritInfo {
                    axis,
                    measure: c.measure,
                    norm: c.norm,
                    weight: c.weight,
                    share: if total > 0.0 { c.weight / total } else { 0.0 },
                }
            })
            .collect();
        let g = &self.model.grid;
        let idx = |name: &str| self.model.tier_index(name).unwrap_or(0);
        self.cell_tier = (0..g.rows())
            .flat_map(|r| (0..g.cols()).map(move |c| (r, c)))
            .map(|(r, c)| {
                g.cells
                    .get(r)
                    .and_then(|row| row.get(c))
                    .map_or(0, |n| idx(n))
            })
            .collect();
        self.cap_tiers = self.model.cap.as_ref().and_then(|cap| {
            Some((
                self.model.tier_index(&cap.tier)?,
                self.model.tier_index(&cap.overflow)?,
            ))
        });
        self.cap_cell = self
            .cell_tier
            .iter()
            .map(|&t| self.cap_tiers.is_some_and(|(c, _)| c == t))
            .collect();
    }

    pub(super) fn tier_name(&self, idx: usize) -> &str {
        self.model.tiers.get(idx).map_or("", |t| t.name.as_str())
    }

    pub(super) fn effective_tier(&self, st: &AccState) -> String {
        self.tier_in_force(st).to_string()
    }

    /// `name` as the model's shared copy, or a copy of its own.
    pub(super) fn shared_tier(&self, name: &str) -> Arc<str> {
        shared_name(&self.tier_names, name)
    }

    /// `effective_tier`, borrowed: for passes over every account.
    pub(super) fn tier_in_force<'a>(&'a self, st: &'a AccState) -> &'a str {
        st.pin.as_deref().unwrap_or_else(|| self.tier_name(st.tier))
    }

    pub(super) fn events(&self, id: AccountId) -> Vec<Ev> {
        self.accounts
            .get(&id)
            .map_or_else(Vec::new, |s| s.events.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, TierPin};

    /// An owner's name and a pinned tier's name are one copy however many
    /// accounts hold them (100k accounts held a copy each), through every
    /// way an account's fields arrive.
    #[test]
    fn accounts_share_their_owner_and_pinned_tier_names() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let model = Model::default();
        let key_tier = model.tiers[0].name.clone();
        let account = |id: u64, owner: &str| Account {
            id: AccountId(id),
            key: format!("K{id}"),
            owner: owner.into(),
            pin: Some(Box::new(TierPin {
                tier: key_tier.clone(),
                reason: "r".into(),
                by: "me".into(),
                at: day,
            })),
            ..Default::default()
        };
        let shared = |e: &Engine, a: u64, b: u64| {
            let (a, b) = (&e.accounts[&AccountId(a)], &e.accounts[&AccountId(b)]);
            let pins = (a.pin.as_ref().unwrap(), b.pin.as_ref().unwrap());
            (Arc::ptr_eq(&a.owner, &b.owner), Arc::ptr_eq(pins.0, pins.1))
        };
        let mut e = Engine::new(model.clone(), day);
        e.upsert_account(&account(1, "ann"));
        e.upsert_account(&account(2, "ann"));
        assert_eq!(shared(&e, 1, 2), (true, true));
        // A change of owner moves the account to the other name's copy.
        e.upsert_account(&account(3, "bob"));
        e.upsert_account(&account(2, "bob"));
        assert_eq!(shared(&e, 2, 3), (true, true));
        assert!(!Arc::ptr_eq(
            &e.accounts[&AccountId(1)].owner,
            &e.accounts[&AccountId(2)].owner
        ));
        assert!(e.has_owner("ann") && e.has_owner("bob"));
        // A rebuild from records, and a restore from a snapshot.
        let accounts = [account(1, "ann"), account(2, "ann"), account(3, "bob")];
        let mut rebuilt = Engine::new(model.clone(), day);
        rebuilt.rebuild(
            &accounts,
            &[],
            std::iter::empty::<&crate::domain::Interaction>(),
        );
        assert_eq!(shared(&rebuilt, 1, 2), (true, true));
        let restored = Engine::restore(model, day, &accounts, rebuilt.all_inputs()).unwrap();
        assert_eq!(shared(&restored, 1, 2), (true, true));
        assert_eq!(restored.owner(AccountId(3)), Some("bob"));
    }
}
