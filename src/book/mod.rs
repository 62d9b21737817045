//! The book: the store plus the segmentation engine, kept in step. Every write
//! goes through here so that it is re-scored at once and every tier change is
//! written to the account's timeline. Both the CLI and the TUI (through the
//! `Backend` trait) use it; sled stays behind `store`.
//!
//! Team mode: the server owns one `Book` and calls it for every client after
//! `set_user`, so the book is the single writer. Every write is one
//! `WriteOp` (see `ops`), committed as one store batch together with its
//! audit entry; an edit made on an old version is merged field by field or
//! refused as a conflict (`merge`); a user's last change can be undone (`undo`).

mod agenda;
mod agenda_items;
pub mod bulk;
mod cache;
mod children;
mod derived;
pub mod digest;
pub mod duplicates;
pub mod import_feed;
pub mod keydates;
mod kpi;
mod merge;
pub mod merge_accounts;
mod records;
pub use agenda::{AgendaGathering, Gathered};
pub use cache::AgendaVersions;
pub mod ops;
pub mod query;
pub mod review;
mod undo;
pub mod views;

pub use crate::audit::{FieldConflict, RequestId};
pub use import_feed::ImportFeed;
pub use merge::ConflictInfo;
pub use ops::{ImportCounts, WriteOp, WriteOutcome};

use crate::audit::{AuditEntry, AuditInfo, RecordImage, RefKind};
use crate::chunks::drain_freeing;
use crate::clock::Clock;
use crate::domain::{
    Account, AccountId, Contact, ContactId, FollowUp, FollowUpId, Interaction, InteractionId,
    InteractionKind,
};
use crate::segment::{AgendaItem, Engine, Model, ModelError, Recorded, Removed, TierChange};
use crate::store::{Batch, BatchResult, StagedWrite, Store, StoreError, fold_key};
use children::deleted_from;
use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Meta entry holding the team's scoring model (TOML). Snoozes and review
/// marks are typed records under `store::META_SNOOZE` / `META_REVIEW`.
pub(crate) const META_MODEL: &str = "model";

/// The wall clock stamped on audit entries; replaceable so tests pin it.
pub type WallClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("scoring model: {0}")]
    Model(String),
    /// `close`: keys the user may have meant (at most 5).
    #[error("no account with key '{key}'{}", did_you_mean(close))]
    UnknownAccount { key: String, close: Vec<String> },
    /// Unpinning an account without a pin: nothing to do, nothing written.
    #[error("{0} is not pinned")]
    NotPinned(String),
    #[error("'{tier}' is not a tier of the model '{model}' (tiers: {known})")]
    UnknownTier {
        tier: String,
        model: String,
        known: String,
    },
    /// Someone else changed the same fields meanwhile: nothing was written.
    #[error("{0}")]
    Conflict(Box<ConflictInfo>),
    /// Nothing to undo, or undoing would overwrite a later change.
    #[error("{0}")]
    Undo(String),
    /// A bulk change that cannot be applied as asked (no change, a bad
    /// filter, a pin without a reason): nothing was written.
    #[error("{0}")]
    Bulk(String),
    /// One account of a bulk change fails a rule: nothing was written.
    #[error("{key}: {reason} — nothing was changed")]
    Refused { key: String, reason: String },
    /// A saved view that cannot be saved, found or deleted.
    #[error("{0}")]
    View(String),
    /// A failure reported by the server as its message only.
    #[error("{0}")]
    Remote(String),
}

fn did_you_mean(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", close.join(", "))
    }
}

impl From<ModelError> for BookError {
    fn from(e: ModelError) -> Self {
        BookError::Model(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, BookError>;

/// What a write hands back of the records it stored (see `Applied`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HandBack {
    Records,
    /// An import: its counts are its answer.
    Counts,
}

/// What one write did: the stored records and the tier changes it caused.
/// An import's stored children (contacts, interactions, follow-ups) are not
/// handed back: it answers with its counts, and its million records are
/// dropped once the engine has taken them, before the snapshot is saved.
#[derive(Debug, Default)]
pub struct Applied {
    pub stored: BatchResult,
    pub tier_changes: Vec<TierChange>,
}

impl Applied {
    /// The change's seq in the log (None: nothing changed).
    pub fn seq(&self) -> Option<u64> {
        self.stored.seq()
    }
}

pub struct Book {
    store: Store,
    engine: Engine,
    clock: Clock,
    wall: WallClock,
    user: String,
    /// The account records (see `records`).
    accounts: records::Records,
    /// True for a server's or a TUI's book (`Prepare::Rows`): it keeps the
    /// records whatever it writes.
    serves_screens: bool,
    /// Moves whenever `accounts` changes (names the kept rows' text).
    accounts_gen: u64,
    /// Accounts with at least one non-system interaction. Only these have an
    /// established tier: the first history an account receives (a new
    /// account's first order, an import of past interactions) sets its
    /// baseline quietly; later moves are logged.
    with_history: HashSet<AccountId>,
    /// Last tier written to the store per account.
    recorded: HashMap<AccountId, Arc<str>>,
    /// Where the engine's saved snapshot stands (see `derived`).
    derived: derived::SnapshotState,
    /// Answers kept for the book's current state (see `cache`).
    cache: cache::ReadCache,
}

/// What an open makes ready beyond the scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prepare {
    /// Scores only (a command that prints and exits).
    #[default]
    Scores,
    /// The list's row text too, made while the engine loads, then the
    /// first screen's answers (a server or a TUI: its first screen is a list
    /// page, the user's agenda and the matrix).
    Rows,
}

impl Book {
    /// Loads everything, scores it as of the clock's today and logs tier
    /// changes since the last run (e.g. a new day moved an account).
    pub fn open(store: Store, clock: Clock, user: &str) -> Result<Book> {
        Book::open_with(store, clock, user, Prepare::Scores)
    }

    /// `open`, making ready what `prepare` names.
    pub fn open_with(store: Store, clock: Clock, user: &str, prepare: Prepare) -> Result<Book> {
        let model = match store.meta_get(META_MODEL)? {
            Some(bytes) => Model::from_toml(&String::from_utf8_lossy(&bytes))?,
            None => Model::default(),
        };
        // Three independent reads of a big book, side by side on the cores:
        // at 100k accounts they are 0.4 + 0.2 + 0.2 s one after another, and
        // the snapshot's inputs load (0.25 s) while the accounts decode.
        // A book that serves screens keeps the rows' text, not the records
        // (see `records`): it reads them without their profile text, and
        // their text moves into the rows. Records made and freed beside the
        // engine's state left most of their 100 MB (at 100k accounts) in
        // the process's resident memory.
        let serves_screens = prepare == Prepare::Rows;
        let (accounts, saved, recorded) = std::thread::scope(|s| {
            let saved = s.spawn(|| derived::read_saved(&store, &model, clock.today()));
            let recorded = s.spawn(|| store.recorded_tiers());
            let accounts = if serves_screens {
                store.accounts_without_text()
            } else {
                store.accounts_by_id()
            };
            (
                accounts,
                crate::par::join(saved),
                crate::par::join(recorded),
            )
        });
        let (accounts, recorded, saved) = (accounts?, recorded?, saved?);
        let (engine, derived) =
            derived::load_engine(&store, model, clock.today(), &accounts, saved)?;
        let (accounts, texts) = if serves_screens {
            let texts = query::index::RowTexts::of_records(accounts);
            (records::Records::read_when_asked(), Some(texts))
        } else {
            (records::Records::kept(accounts), None)
        };
        let with_history = engine.accounts_with_history().collect();
        let mut book = Book {
            store,
            engine,
            clock,
            wall: Arc::new(Utc::now),
            user: crate::domain::text::clean_line(user),
            accounts,
            serves_screens,
            with_history,
            recorded,
            derived,
            cache: Default::default(),
            accounts_gen: 0,
        };
        if let Some(texts) = texts {
            book.keep_row_texts(texts);
        }
        book.log_drift()?;
        book.save_after_rebuild();
        if prepare == Prepare::Rows {
            query::prepare_first_screen(&book);
        }
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

    /// Attributes every later write to `user` (the server calls this with
    /// each client's peer credentials before acting for it).
    pub fn set_user(&mut self, user: &str) {
        self.user = crate::domain::text::clean_line(user);
    }

    /// Replaces the wall clock stamped on audit entries.
    pub fn set_wall_clock(&mut self, wall: WallClock) {
        self.wall = wall;
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The account record: the kept one, else read from the store. None
    /// also when the store cannot be read: its error then comes with the
    /// next command that reads the records (`records`).
    pub fn account(&self, id: AccountId) -> Option<Cow<'_, Account>> {
        self.accounts.one(&self.store, id).ok()?
    }

    /// The account record to change: a copy of it, or an error naming the
    /// account when there is none.
    pub(crate) fn record(&self, id: AccountId) -> Result<Account> {
        match self.accounts.one(&self.store, id)? {
            Some(a) => Ok(a.into_owned()),
            None => Err(StoreError::NotFound(format!("account {id}")).into()),
        }
    }

    /// An account's key and name: from the kept records, else from the
    /// rows' text (a book that serves screens keeps it), else the store's.
    pub(crate) fn key_and_name(&self, id: AccountId) -> Option<(String, String)> {
        if let Some(map) = self.accounts.kept_map() {
            return map.get(&id).map(|a| (a.key.clone(), a.name.clone()));
        }
        if let Some(texts) = self.kept_row_texts() {
            return texts
                .text_of(id)
                .map(|t| (t.key.to_string(), t.name.to_string()));
        }
        self.account(id).map(|a| (a.key.clone(), a.name.clone()))
    }

    /// Whether the account records are in memory now (for tests: a book
    /// that serves screens does not keep them, and a one-shot book lets
    /// them go for a bulk import).
    pub fn records_kept(&self) -> bool {
        self.accounts.is_kept()
    }

    /// Every account record by id: the kept ones, else read from the store.
    pub(crate) fn records(&self) -> Result<Cow<'_, HashMap<AccountId, Account>>> {
        Ok(self.accounts.get(&self.store)?)
    }

    /// How many accounts there are: the kept records, else the rows' text
    /// (a book that serves screens keeps it for the records as they are).
    pub fn account_count(&self) -> Result<usize> {
        match self.accounts.kept_map() {
            Some(map) => Ok(map.len()),
            None => Ok(self.row_texts()?.len()),
        }
    }

    /// The account with exactly this key, through the store's key index: a
    /// scan of every account compared 100k keys on each command that names
    /// one (a quarter of the server's time for `kam order` at 100k).
    pub fn account_by_key(&self, key: &str) -> Option<Cow<'_, Account>> {
        match self.store.account_id_by_key(key) {
            Ok(id) => id.and_then(|id| self.account(id)),
            // An index that cannot be read: the records themselves.
            Err(_) => match self.records().ok()? {
                Cow::Borrowed(map) => map.values().find(|a| a.key == key).map(Cow::Borrowed),
                Cow::Owned(map) => map.into_values().find(|a| a.key == key).map(Cow::Owned),
            },
        }
    }

    /// The account a user means by `key` (command line): the exact key, else
    /// the one key equal to it ignoring case. A miss (or several keys that
    /// differ only in case) lists up to 5 close keys: those equal ignoring
    /// case, then those starting with it, then those containing it.
    pub fn find_account(&self, key: &str) -> Result<Cow<'_, Account>> {
        let key = key.trim();
        if let Some(a) = self.account_by_key(key) {
            return Ok(a);
        }
        // The one key equal ignoring case: a lookup in the folded index.
        if let [one] = self.store.accounts_ignoring_case(key)?.as_slice()
            && let Some(a) = self.account(one.id)
        {
            return Ok(a);
        }
        // A miss: rank the keys that come close, for the message. A book
        // that serves screens has every key in its rows' text.
        let want = fold_key(key);
        let (records, texts);
        let keys: Box<dyn Iterator<Item = &str>> = match self.kept_row_texts() {
            Some(t) if !self.records_kept() => {
                texts = t;
                Box::new(texts.iter().map(|(_, t)| &*t.key))
            }
            _ => {
                records = self.records()?;
                Box::new(records.values().map(|a| a.key.as_str()))
            }
        };
        let mut ranked: Vec<(u8, &str)> = keys
            .filter_map(|a| {
                let k = fold_key(a);
                let rank = if k == want {
                    0
                } else if k.starts_with(&want) {
                    1
                } else if !want.is_empty() && k.contains(&want) {
                    2
                } else {
                    return None;
                };
                Some((rank, a))
            })
            .collect();
        ranked.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(y.1)));
        let same = ranked.iter().take_while(|r| r.0 == 0).count();
        if same == 1
            && let Some(a) = self.account_by_key(ranked[0].1)
        {
            return Ok(a);
        }
        if same > 1 {
            ranked.truncate(same);
        }
        Err(BookError::UnknownAccount {
            key: key.to_string(),
            close: ranked.iter().take(5).map(|r| r.1.to_string()).collect(),
        })
    }

    /// Every account by id (the report module's lookup).
    pub fn accounts_map(&self) -> Result<Cow<'_, HashMap<AccountId, Account>>> {
        self.records()
    }

    /// All accounts, in key order.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut v: Vec<Account> = self.records()?.into_owned().into_values().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(v)
    }

    // ------------------------------------------------------------ change log

    /// The change log after `seq`, oldest first (a reconnecting client).
    pub fn changes_since(&self, seq: u64) -> Result<Vec<AuditEntry>> {
        Ok(self.store.audit_since(seq)?)
    }

    /// The seq of the last committed change (0 before the first).
    pub fn last_seq(&self) -> Result<u64> {
        Ok(self.store.last_seq()?)
    }

    /// The changes that touched one account, oldest first.
    pub fn history(&self, id: AccountId) -> Result<Vec<AuditEntry>> {
        Ok(self.store.audit_of_account(id)?)
    }

    // ----------------------------------------------------------------- writes

    /// Writes an import batch atomically (accounts upserted by key), audited
    /// as `import`, re-scores what it touched and logs the tier changes.
    pub fn apply(&mut self, batch: Batch) -> Result<Applied> {
        self.commit_import(batch, None)
    }

    /// Commits an import (see `Applied`).
    fn commit_import(&mut self, batch: Batch, request: Option<RequestId>) -> Result<Applied> {
        self.commit_as(batch, "import", request, None, HandBack::Counts, None)
    }

    /// Ends an import whose interactions were staged as its file was read
    /// (`ImportFeed`): `batch` is the rest, written in the last transaction.
    fn commit_fed(
        &mut self,
        batch: Batch,
        fed: (StagedWrite, Vec<Vec<Recorded>>),
        request: Option<RequestId>,
    ) -> Result<Applied> {
        self.commit_as(batch, "import", request, None, HandBack::Counts, Some(fed))
    }

    /// Every write ends here: one store transaction with its audit entry (and
    /// the client's request id), then the engine catches up and tier moves
    /// are logged. A replayed request id writes nothing.
    fn commit(
        &mut self,
        batch: Batch,
        action: &str,
        request: Option<RequestId>,
        undo_of: Option<u64>,
    ) -> Result<Applied> {
        self.commit_as(batch, action, request, undo_of, HandBack::Records, None)
    }

    fn commit_as(
        &mut self,
        mut batch: Batch,
        action: &str,
        request: Option<RequestId>,
        undo_of: Option<u64>,
        hand_back: HandBack,
        fed: Option<(StagedWrite, Vec<Vec<Recorded>>)>,
    ) -> Result<Applied> {
        batch.audit = Some(AuditInfo {
            user: self.user.clone(),
            at: (self.wall)(),
            action: action.to_string(),
            undo_of,
        });
        batch.request = request;
        let (write, fed) = match fed {
            Some((w, events)) => (Some(w), events),
            None => (None, Vec::new()),
        };
        let mut stored = self.store_batch(batch, write)?;
        if stored.replayed.is_some() {
            return Ok(Applied {
                stored,
                tier_changes: Vec::new(),
            });
        }
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
        if let Some(kept) = self.accounts.kept_mut() {
            for a in &stored.accounts {
                kept.insert(a.id, a.clone());
            }
        }
        let removed: HashSet<AccountId> = stored
            .deleted
            .iter()
            .filter(|d| d.record.kind == RefKind::Account)
            .map(|d| d.record.account)
            .collect();
        if !stored.accounts.is_empty() || !removed.is_empty() {
            self.note_row_changes(&stored.accounts, &removed);
            self.accounts_gen += 1;
        }
        // The accounts this write gives their first history (not a copy of
        // the whole set: 100k ids copied and compared on every write).
        let mut first_history = HashSet::new();
        let kinds = stored.interactions.iter().map(|i| (i.account, i.kind));
        let fed_kinds = fed.iter().flatten().map(|e| (e.account(), e.kind()));
        for (account, kind) in kinds.chain(fed_kinds) {
            if kind != InteractionKind::System && self.with_history.insert(account) {
                first_history.insert(account);
            }
        }
        for &id in &removed {
            if let Some(kept) = self.accounts.kept_mut() {
                kept.remove(&id);
            }
            self.recorded.remove(&id);
            self.with_history.remove(&id);
        }
        let edits = stored.accounts.len()
            + stored.contacts.len()
            + stored.interactions.len()
            + fed.iter().map(Vec::len).sum::<usize>()
            + stored.deleted.len();
        let bulk = self.engine.prefers_recompute(edits);
        // An import's interactions go to the engine by value, each dropped
        // once recorded: a million of them were held through the recompute.
        let owned = (bulk && hand_back == HandBack::Counts && stored.moved.is_empty())
            .then(|| std::mem::take(&mut stored.interactions));
        let children = children::child_edits(&stored);
        if bulk {
            // An import or its undo: one recompute rather than a re-scoring
            // per record.
            let mut removed = Removed {
                contacts: children.left_contacts,
                interactions: children.left_interactions,
                ..Removed::default()
            };
            for d in &stored.deleted {
                let (r, account) = (&d.record, deleted_from(d));
                match r.kind {
                    RefKind::Account => removed.accounts.push(r.account),
                    RefKind::Contact => removed.contacts.push((account, ContactId(r.id))),
                    RefKind::Interaction => {
                        removed.interactions.push((account, InteractionId(r.id)));
                    }
                    RefKind::FollowUp | RefKind::Meta => {}
                }
            }
            // What the engine records is freed as it goes, buffers too: the
            // engine's own copy grows by as much meanwhile.
            let fed = fed.into_iter().flatten();
            let changes = match owned {
                Some(all) => self.engine.edit_many(
                    &stored.accounts,
                    &children.contacts,
                    fed.chain(drain_freeing(all).map(Recorded::from)),
                    &removed,
                ),
                None => self.engine.edit_many(
                    &stored.accounts,
                    &children.contacts,
                    fed.chain(children.interactions.iter().map(Recorded::from)),
                    &removed,
                ),
            };
            note(changes, &mut moved);
        } else {
            for a in &stored.accounts {
                note(self.engine.upsert_account(a), &mut moved);
            }
            // A child that moved leaves its old account first.
            for &(account, id) in &children.left_contacts {
                note(self.engine.remove_contact(account, id), &mut moved);
            }
            for &(account, id) in &children.left_interactions {
                note(self.engine.remove_interaction(account, id), &mut moved);
            }
            for c in children.contacts.iter() {
                note(self.engine.upsert_contact(c), &mut moved);
            }
            for e in fed.into_iter().flatten() {
                note(self.engine.upsert_interaction(e), &mut moved);
            }
            for i in children.interactions.iter() {
                note(self.engine.upsert_interaction(i), &mut moved);
            }
            for d in &stored.deleted {
                let r = &d.record;
                let changes = match r.kind {
                    RefKind::Account => self.engine.remove_account(r.account),
                    RefKind::Contact => {
                        self.engine.remove_contact(deleted_from(d), ContactId(r.id))
                    }
                    RefKind::Interaction => self
                        .engine
                        .remove_interaction(deleted_from(d), InteractionId(r.id)),
                    RefKind::FollowUp | RefKind::Meta => Vec::new(),
                };
                note(changes, &mut moved);
            }
        }
        // A changed model (set, or restored by an undo) re-scores everything.
        let model_change = stored
            .audit
            .iter()
            .flat_map(|e| &e.changes)
            .find(|c| c.record.kind == RefKind::Meta && c.record.key == META_MODEL);
        if let Some(c) = model_change {
            let model = match &c.after {
                Some(RecordImage::Meta(text)) => Model::from_toml(text)?,
                _ => Model::default(),
            };
            note(self.engine.set_model(model), &mut moved);
        }
        let changes = self.log_changes(moved.into_values().collect(), &first_history)?;
        if hand_back == HandBack::Counts {
            stored.contacts = Vec::new();
            stored.interactions = Vec::new();
            stored.followups = Vec::new();
        }
        self.after_write();
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
        first_history: &HashSet<AccountId>,
    ) -> Result<Vec<TierChange>> {
        changes.sort_by_key(|c| c.account);
        let mut batch = Batch::default();
        let mut logged = Vec::new();
        for c in changes {
            if !self.engine.has_account(c.account) {
                continue; // deleted by an undo
            }
            let established =
                self.with_history.contains(&c.account) && !first_history.contains(&c.account);
            let previous = self.recorded.get(&c.account);
            if previous.is_some_and(|p| **p == *c.to) {
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
        // (A set, not a scan of `batch.tiers` per account: an import gives
        // 100k accounts their first history.)
        let tiered: HashSet<AccountId> = batch.tiers.iter().map(|(a, _)| *a).collect();
        let mut first: Vec<&AccountId> = first_history.iter().collect();
        first.sort();
        for id in first {
            if !self.recorded.contains_key(id)
                && !tiered.contains(id)
                && let Some(tier) = self.engine.tier(*id)
            {
                batch.tiers.push((*id, tier));
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
        // The tier alone is cheap; a full score only for accounts that moved.
        for id in self.engine.account_ids() {
            if !self.with_history.contains(&id) {
                continue;
            }
            let tier = self.engine.tier(id);
            if tier.is_some() && self.recorded.get(&id).map(|t| &**t) == tier.as_deref() {
                continue;
            }
            let Some(s) = self.engine.score(id) else {
                continue;
            };
            match self.recorded.get(&s.account) {
                Some(t) if **t == *s.tier => {}
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

    /// Tier bookkeeping and system timeline entries, audited as `tier_change`
    /// (attributed to the user whose write or session caused them).
    ///
    /// Many quiet tiers (no timeline entry: an import's accounts getting
    /// their first history) go after the rest, a chunk per write: 100k of
    /// them in one sled transaction held hundreds of megabytes of node
    /// versions until it committed. A chunk lost to a crash is recorded by
    /// the next open (`log_drift`): quietly where the account had no tier.
    fn write_system(&mut self, mut batch: Batch) -> Result<()> {
        const QUIET_CHUNK: usize = 2_500;
        if batch.tiers.len() > QUIET_CHUNK {
            let logged: HashSet<AccountId> = batch.interactions.iter().map(|i| i.account).collect();
            let (with_entry, quiet): (Vec<_>, Vec<_>) =
                batch.tiers.drain(..).partition(|(a, _)| logged.contains(a));
            batch.tiers = with_entry;
            self.write_system_batch(batch)?;
            for chunk in quiet.chunks(QUIET_CHUNK) {
                self.write_system_batch(Batch {
                    tiers: chunk.to_vec(),
                    ..Batch::default()
                })?;
            }
            return Ok(());
        }
        self.write_system_batch(batch)
    }

    fn write_system_batch(&mut self, mut batch: Batch) -> Result<()> {
        if batch.tiers.is_empty() && batch.interactions.is_empty() {
            return Ok(());
        }
        let tiers = batch.tiers.clone();
        batch.audit = Some(AuditInfo {
            user: self.user.clone(),
            at: (self.wall)(),
            action: "tier_change".into(),
            undo_of: None,
        });
        let stored = self.store_batch(batch, None)?;
        for i in &stored.interactions {
            self.engine.upsert_interaction(i);
        }
        // One copy of each name for the batch (an import records 100k).
        let mut names = crate::domain::Interner::default();
        self.recorded
            .extend(tiers.into_iter().map(|(id, tier)| (id, names.get(&tier))));
        Ok(())
    }

    /// Every batch this book writes goes through here, so that what it
    /// keeps of the store (the open follow-ups) follows the write.
    fn store_batch(&mut self, batch: Batch, write: Option<StagedWrite>) -> Result<BatchResult> {
        let before = self.store.last_seq()?;
        let stored = match write {
            Some(w) => self.store.apply_staged(batch, w)?,
            None => self.store.apply(batch)?,
        };
        self.followups_written(before, &stored);
        Ok(stored)
    }

    /// Saves a new (id 0) or edited account. An edit must carry the version
    /// it was read at: a stale one is a conflict (send the base with
    /// `execute(WriteOp::SaveAccount { base, .. })` to have it merged).
    pub fn save_account(&mut self, account: Account) -> Result<Applied> {
        self.write_one(WriteOp::SaveAccount {
            base: None,
            account,
        })
    }

    pub fn add_interaction(&mut self, interaction: Interaction) -> Result<Applied> {
        self.write_one(WriteOp::AddInteraction { interaction })
    }

    pub fn save_contact(&mut self, contact: Contact) -> Result<Applied> {
        self.write_one(WriteOp::SaveContact {
            base: None,
            contact,
        })
    }

    pub fn save_followup(&mut self, followup: FollowUp) -> Result<Applied> {
        self.write_one(WriteOp::SaveFollowUp {
            base: None,
            followup,
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
        self.find_account(key).map(|a| a.id)
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
        self.write_one(WriteOp::Pin {
            key: key.to_string(),
            tier: tier.to_string(),
            reason: reason.to_string(),
        })
    }

    pub fn unpin(&mut self, key: &str) -> Result<Applied> {
        self.write_one(WriteOp::Unpin {
            key: key.to_string(),
        })
    }

    /// Replaces the team's model; every tier change it causes is logged.
    pub fn set_model(&mut self, model: Model) -> Result<Vec<TierChange>> {
        let op = WriteOp::SetModel {
            toml: model.to_toml(),
        };
        Ok(self.execute(op, None)?.tier_changes)
    }

    /// Remembers every account's tier now, so later moves can be marked.
    pub fn mark_review(&mut self) -> Result<usize> {
        Ok(self.execute(WriteOp::MarkReview, None)?.count)
    }

    /// The last review: its date and each account's tier then.
    pub fn last_review(&self) -> Result<Option<(String, HashMap<AccountId, String>)>> {
        Ok(self
            .store
            .review()?
            .map(|r| (r.day.to_string(), r.tiers.into_iter().collect())))
    }
}

/// Identifies an agenda item across days (the same follow-up, the same
/// flag): what `WriteOp::Snooze` carries.
pub fn snooze_key(item: &AgendaItem) -> String {
    format!(
        "{}\t{}\t{}",
        item.account.0,
        item.kind.as_str(),
        item.follow_up
            .map(|f| f.0.to_string())
            .or_else(|| item.flag.map(|f| f.as_str().to_string()))
            // One key date of the account, by the day it falls on.
            .or_else(|| {
                (item.kind == crate::segment::AgendaKind::KeyDate).then(|| item.due.to_string())
            })
            .unwrap_or_default()
    )
}

impl Book {
    /// Hides `item` from the agenda until `until`. Expired snoozes are dropped.
    pub fn snooze(&mut self, item: &AgendaItem, until: NaiveDate) -> Result<()> {
        let op = WriteOp::Snooze {
            key: snooze_key(item),
            until,
        };
        self.execute(op, None).map(|_| ())
    }

    /// Marks a manual follow-up done today.
    pub fn complete_followup(&mut self, id: FollowUpId) -> Result<()> {
        self.execute(WriteOp::CompleteFollowUp { id }, None)
            .map(|_| ())
    }
}
