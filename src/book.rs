//! The book: the store plus the segmentation engine, kept in step. Every write
//! goes through here so that it is re-scored at once and every tier change is
//! written to the account's timeline. Both the CLI and the TUI (through the
//! `Backend` trait) use it; sled stays behind `store`.

use crate::clock::Clock;
use crate::domain::{
    Account, AccountId, Contact, FollowUp, FollowUpId, Interaction, InteractionId, InteractionKind,
    TierPin,
};
use crate::segment::{AgendaItem, Engine, Model, ModelError, TierChange};
use crate::store::{Batch, BatchResult, Store, StoreError};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Meta entry holding the team's scoring model (TOML).
const META_MODEL: &str = "model";
/// Meta entry holding the tiers at the last review (see `mark_review`).
const META_REVIEW: &str = "review";

#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("scoring model: {0}")]
    Model(String),
    #[error("no account with key '{0}'")]
    UnknownAccount(String),
    #[error("'{tier}' is not a tier of the model '{model}' (tiers: {known})")]
    UnknownTier {
        tier: String,
        model: String,
        known: String,
    },
}

impl From<ModelError> for BookError {
    fn from(e: ModelError) -> Self {
        BookError::Model(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, BookError>;

/// What one write did: the stored records and the tier changes it caused.
#[derive(Debug, Default)]
pub struct Applied {
    pub stored: BatchResult,
    pub tier_changes: Vec<TierChange>,
}

pub struct Book {
    store: Store,
    engine: Engine,
    clock: Clock,
    user: String,
    accounts: HashMap<AccountId, Account>,
    /// Accounts with at least one non-system interaction. Only these have an
    /// established tier: the first history an account receives (a new
    /// account's first order, an import of past interactions) sets its
    /// baseline quietly; later moves are logged.
    with_history: HashSet<AccountId>,
    /// Last tier written to the store per account.
    recorded: HashMap<AccountId, String>,
}

impl Book {
    /// Loads everything, scores it as of the clock's today and logs tier
    /// changes since the last run (e.g. a new day moved an account).
    pub fn open(store: Store, clock: Clock, user: &str) -> Result<Book> {
        let model = match store.meta_get(META_MODEL)? {
            Some(bytes) => Model::from_toml(&String::from_utf8_lossy(&bytes))?,
            None => Model::default(),
        };
        let accounts = store.accounts()?;
        let contacts = store.contacts()?;
        let mut interactions = Vec::new();
        store.for_each_interaction(|i| interactions.push(i))?;
        let mut engine = Engine::new(model, clock.today());
        engine.rebuild(&accounts, &contacts, interactions.iter());
        let with_history = interactions
            .iter()
            .filter(|i| i.kind != InteractionKind::System)
            .map(|i| i.account)
            .collect();
        drop(interactions);
        let recorded = store.recorded_tiers()?;
        let mut book = Book {
            store,
            engine,
            clock,
            user: user.to_string(),
            accounts: accounts.into_iter().map(|a| (a.id, a)).collect(),
            with_history,
            recorded,
        };
        book.log_drift()?;
        Ok(book)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(&id)
    }

    pub fn account_by_key(&self, key: &str) -> Option<&Account> {
        self.accounts.values().find(|a| a.key == key)
    }

    /// Every account by id (the report module's lookup).
    pub fn accounts_map(&self) -> &HashMap<AccountId, Account> {
        &self.accounts
    }

    /// All accounts, in key order.
    pub fn accounts(&self) -> Vec<&Account> {
        let mut v: Vec<&Account> = self.accounts.values().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }

    /// Writes a batch atomically, re-scores what it touched and logs the tier
    /// changes it caused.
    pub fn apply(&mut self, batch: Batch) -> Result<Applied> {
        let stored = self.store.apply(batch)?;
        let had_history = self.with_history.clone();
        let mut moved: HashMap<AccountId, TierChange> = HashMap::new();
        let note = |changes: Vec<TierChange>, moved: &mut HashMap<AccountId, TierChange>| {
            for c in changes {
                // Keep the first "from" and the last "to" per account.
                match moved.get_mut(&c.account) {
                    Some(prev) => {
                        prev.to = c.to;
                        prev.value_after = c.value_after;
                        prev.potential_after = c.potential_after;
                        prev.movers = c.movers;
                    }
                    None => {
                        moved.insert(c.account, c);
                    }
                }
            }
        };
        for a in &stored.accounts {
            self.accounts.insert(a.id, a.clone());
            note(self.engine.upsert_account(a), &mut moved);
        }
        for c in &stored.contacts {
            note(self.engine.upsert_contact(c), &mut moved);
        }
        for i in &stored.interactions {
            if i.kind != InteractionKind::System {
                self.with_history.insert(i.account);
            }
            note(self.engine.upsert_interaction(i), &mut moved);
        }
        let changes = self.log_changes(moved.into_values().collect(), &had_history)?;
        Ok(Applied {
            stored,
            tier_changes: changes,
        })
    }

    /// Writes the system timeline entries for real tier moves and records the
    /// new tiers. Returns the changes that were logged.
    fn log_changes(
        &mut self,
        mut changes: Vec<TierChange>,
        had_history: &HashSet<AccountId>,
    ) -> Result<Vec<TierChange>> {
        changes.sort_by_key(|c| c.account);
        let mut batch = Batch::default();
        let mut logged = Vec::new();
        for c in changes {
            let established = had_history.contains(&c.account);
            let previous = self.recorded.get(&c.account);
            if previous == Some(&c.to) {
                continue;
            }
            if !self.with_history.contains(&c.account) && previous.is_none() {
                continue;
            }
            batch.tiers.push((c.account, c.to.clone()));
            if established && previous.is_some() {
                batch
                    .interactions
                    .push(self.system_entry(c.account, c.summary()));
                logged.push(c);
            }
        }
        // Accounts that received their first history set a baseline even when
        // their tier did not move in this write.
        for id in self.with_history.difference(had_history) {
            if !self.recorded.contains_key(id)
                && !batch.tiers.iter().any(|(a, _)| a == id)
                && let Some(s) = self.engine.score(*id)
            {
                batch.tiers.push((*id, s.tier));
            }
        }
        self.write_system(batch)?;
        Ok(logged)
    }

    /// Tiers that moved while kam was closed (a new as-of day, a new model
    /// applied elsewhere) are logged on open; first-time tiers are recorded quietly.
    fn log_drift(&mut self) -> Result<()> {
        let mut batch = Batch::default();
        let today = self.clock.today();
        for s in self.engine.scores() {
            if !self.with_history.contains(&s.account) {
                continue;
            }
            match self.recorded.get(&s.account) {
                Some(t) if *t == s.tier => {}
                Some(t) => {
                    let text = format!(
                        "Tier {t} → {} · re-evaluated as of {today} · value {:.1} · potential {:.1}",
                        s.tier, s.value_score, s.potential_score
                    );
                    batch.interactions.push(self.system_entry(s.account, text));
                    batch.tiers.push((s.account, s.tier.clone()));
                }
                None => batch.tiers.push((s.account, s.tier.clone())),
            }
        }
        self.write_system(batch)
    }

    fn system_entry(&self, account: AccountId, summary: String) -> Interaction {
        let mut i = Interaction::new(account, InteractionKind::System, self.clock.today());
        i.summary = summary;
        i.author = self.user.clone();
        i
    }

    fn write_system(&mut self, batch: Batch) -> Result<()> {
        if batch.tiers.is_empty() && batch.interactions.is_empty() {
            return Ok(());
        }
        let tiers = batch.tiers.clone();
        let stored = self.store.apply(batch)?;
        for i in &stored.interactions {
            self.engine.upsert_interaction(i);
        }
        self.recorded.extend(tiers);
        Ok(())
    }

    pub fn save_account(&mut self, account: Account) -> Result<Applied> {
        self.apply(Batch {
            accounts: vec![account],
            ..Batch::default()
        })
    }

    pub fn add_interaction(&mut self, mut i: Interaction) -> Result<Applied> {
        if i.author.is_empty() {
            i.author = self.user.clone();
        }
        self.apply(Batch {
            interactions: vec![i],
            ..Batch::default()
        })
    }

    pub fn save_contact(&mut self, c: Contact) -> Result<Applied> {
        self.apply(Batch {
            contacts: vec![c],
            ..Batch::default()
        })
    }

    pub fn save_followup(&mut self, f: FollowUp) -> Result<Applied> {
        self.apply(Batch {
            followups: vec![f],
            ..Batch::default()
        })
    }

    pub fn interactions_of(&self, id: AccountId) -> Result<Vec<Interaction>> {
        Ok(self.store.interactions_of(id)?)
    }

    pub fn interaction(&self, id: InteractionId) -> Result<Option<Interaction>> {
        Ok(self.store.interaction(id)?)
    }

    pub fn contacts_of(&self, id: AccountId) -> Result<Vec<Contact>> {
        Ok(self.store.contacts_of(id)?)
    }

    pub fn followups(&self) -> Result<Vec<FollowUp>> {
        Ok(self.store.followups()?)
    }

    fn key_to_id(&self, key: &str) -> Result<AccountId> {
        self.account_by_key(key)
            .map(|a| a.id)
            .ok_or_else(|| BookError::UnknownAccount(key.to_string()))
    }

    fn check_tier(&self, tier: &str) -> Result<String> {
        let model = self.engine.model();
        let names: Vec<String> = model.tiers.iter().map(|t| t.name.clone()).collect();
        names
            .iter()
            .find(|t| t.eq_ignore_ascii_case(tier))
            .cloned()
            .ok_or_else(|| BookError::UnknownTier {
                tier: tier.to_string(),
                model: model.name.clone(),
                known: names.join(", "),
            })
    }

    /// Pins an account's tier by hand; the computed tier stays visible.
    pub fn pin(&mut self, key: &str, tier: &str, reason: &str) -> Result<Applied> {
        let tier = self.check_tier(tier)?;
        let id = self.key_to_id(key)?;
        let mut a = self.accounts[&id].clone();
        a.pin = Some(TierPin {
            tier,
            reason: reason.to_string(),
            by: self.user.clone(),
            at: self.clock.today(),
        });
        self.save_account(a)
    }

    pub fn unpin(&mut self, key: &str) -> Result<Applied> {
        let id = self.key_to_id(key)?;
        let mut a = self.accounts[&id].clone();
        a.pin = None;
        self.save_account(a)
    }

    /// Replaces the team's model; every tier change it causes is logged.
    pub fn set_model(&mut self, model: Model) -> Result<Vec<TierChange>> {
        self.store
            .meta_put(META_MODEL, model.to_toml().as_bytes())?;
        let had_history = self.with_history.clone();
        let changes = self.engine.set_model(model);
        self.log_changes(changes, &had_history)
    }

    /// Remembers every account's tier now, so later moves can be marked.
    pub fn mark_review(&mut self) -> Result<usize> {
        let mut text = format!("{}\n", self.clock.today());
        let scores = self.engine.scores();
        for s in &scores {
            text.push_str(&format!("{}\t{}\n", s.account.0, s.tier));
        }
        self.store.meta_put(META_REVIEW, text.as_bytes())?;
        Ok(scores.len())
    }

    /// The last review: its date and each account's tier then.
    pub fn last_review(&self) -> Result<Option<(String, HashMap<AccountId, String>)>> {
        let Some(bytes) = self.store.meta_get(META_REVIEW)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        let date = lines.next().unwrap_or_default().to_string();
        let tiers = lines
            .filter_map(|l| {
                let (id, tier) = l.split_once('\t')?;
                Some((AccountId(id.parse().ok()?), tier.to_string()))
            })
            .collect();
        Ok(Some((date, tiers)))
    }
}

/// Meta entry with snoozed agenda items: `account\tkind\tflag\tuntil` lines.
const META_SNOOZE: &str = "snoozed";

/// Identifies an agenda item across days (the same follow-up, the same flag).
fn snooze_key(item: &AgendaItem) -> String {
    format!(
        "{}\t{}\t{}",
        item.account.0,
        item.kind.as_str(),
        item.follow_up
            .map(|f| f.0.to_string())
            .or_else(|| item.flag.map(|f| f.as_str().to_string()))
            .unwrap_or_default()
    )
}

impl Book {
    /// Today's due and overdue items, without those snoozed past today.
    pub fn agenda(&self, owner: Option<&str>) -> Result<Vec<AgendaItem>> {
        let followups = self.store.followups()?;
        let snoozed = self.snoozed()?;
        let today = self.clock.today();
        Ok(self
            .engine
            .agenda(owner, &followups)
            .into_iter()
            .filter(|i| {
                snoozed
                    .get(&snooze_key(i))
                    .is_none_or(|until| *until <= today)
            })
            .collect())
    }

    fn snoozed(&self) -> Result<HashMap<String, NaiveDate>> {
        let Some(bytes) = self.store.meta_get(META_SNOOZE)? else {
            return Ok(HashMap::new());
        };
        Ok(String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|l| {
                let (key, until) = l.rsplit_once('\t')?;
                Some((key.to_string(), crate::clock::parse_date(until)?))
            })
            .collect())
    }

    /// Hides `item` from the agenda until `until`. Expired snoozes are dropped.
    pub fn snooze(&mut self, item: &AgendaItem, until: NaiveDate) -> Result<()> {
        let today = self.clock.today();
        let mut snoozed = self.snoozed()?;
        snoozed.retain(|_, d| *d > today);
        snoozed.insert(snooze_key(item), until);
        let mut lines: Vec<String> = snoozed.iter().map(|(k, d)| format!("{k}\t{d}")).collect();
        lines.sort();
        self.store
            .meta_put(META_SNOOZE, lines.join("\n").as_bytes())?;
        Ok(())
    }

    /// Marks a manual follow-up done today.
    pub fn complete_followup(&mut self, id: FollowUpId) -> Result<()> {
        let mut f = self
            .store
            .followups()?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| BookError::Store(StoreError::NotFound(format!("follow-up {id}"))))?;
        f.done_at = Some(self.clock.today());
        self.save_followup(f)?;
        Ok(())
    }
}
