//! Every write the TUI and the CLI make, as one serialisable value: the team
//! server receives `WriteOp`s from clients and answers with `WriteOutcome`s.
//! `Book::execute` applies an op at most once per client request id.

use super::{Applied, Book, BookError, ImportFeed, META_MODEL, RequestId, Result};
use crate::audit::RecordImage;
use crate::domain::{
    Account, Contact, FieldError, FollowUp, FollowUpId, Interaction, ReviewMark, Snooze, TierPin,
};
use crate::segment::{Model, TierChange};
use crate::store::envelope::{self, ENVELOPE_V1, Tag};
use crate::store::{Batch, META_REVIEW, META_SNOOZE, MetaValue, StoreError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One write. Edits carry `base`, the record as the client read it, so that
/// a change made meanwhile by someone else is merged, or reported as a
/// conflict, never overwritten.
// One per write, built and consumed at once: boxing the account variants
// would only add noise for every sender.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WriteOp {
    /// New account (id 0) or an edit.
    SaveAccount {
        base: Option<Account>,
        account: Account,
    },
    /// A new timeline entry (the author defaults to the user).
    AddInteraction {
        interaction: Interaction,
    },
    SaveContact {
        base: Option<Contact>,
        contact: Contact,
    },
    SaveFollowUp {
        base: Option<FollowUp>,
        followup: FollowUp,
    },
    CompleteFollowUp {
        id: FollowUpId,
    },
    /// Hides an agenda item (`book::snooze_key`) until a day.
    Snooze {
        key: String,
        until: NaiveDate,
    },
    MarkReview,
    /// Replaces the team's scoring model (TOML).
    SetModel {
        toml: String,
    },
    Pin {
        key: String,
        tier: String,
        reason: String,
    },
    Unpin {
        key: String,
    },
    /// Undoes the user's own last change.
    Undo,
    /// Finishes a periodic review (`book::review`): the new baseline, the
    /// tally, and the confirmed old pins dated today, as one change.
    FinishReview {
        confirmed: Vec<String>,
        tally: super::review::ReviewTally,
    },
    /// Merges account `drop` into `keep` (`book::merge_accounts`), taking
    /// DROP's value for the fields in `take`.
    MergeAccounts {
        keep: String,
        drop: String,
        take: Vec<String>,
    },
    /// One change on many accounts, as one write (`book::bulk`).
    Bulk {
        target: super::bulk::BulkTarget,
        changes: Vec<super::bulk::BulkChange>,
    },
    /// Saves (`Some`) or deletes (`None`) a team view (`book::views`).
    SaveView {
        name: String,
        view: Option<super::views::SavedView>,
    },
    /// A new key date (id 0) or an edit of one.
    SaveKeyDate {
        key_date: crate::domain::KeyDate,
    },
    DeleteKeyDate {
        id: u64,
    },
    /// Sets a team hook (`argv` empty: removes it).
    SetHook {
        name: crate::domain::hooks::HookName,
        argv: Vec<String>,
    },
}

/// Rows of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The change's seq in the log; None when nothing was written.
    pub seq: Option<u64>,
    pub action: String,
    /// The stored records (not listed for imports).
    pub records: Vec<RecordImage>,
    pub tier_changes: Vec<TierChange>,
    /// Fields someone else changed meanwhile that were kept by the merge.
    pub merged: Vec<String>,
    pub import: Option<ImportCounts>,
    /// Accounts marked by a review.
    pub count: usize,
    /// The change an undo reverted.
    pub undone: Option<u64>,
}

/// Which rules a write meets beyond the store's invariants (which every
/// write meets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// A front end's write (`execute`: the TUI, the CLI, a team client
    /// through the server): also the domain's entry rules as of today.
    Checked,
    /// The library's single-write helpers (`Book::save_account`, …), used to
    /// seed a book with history: a follow-up already overdue, an entry of
    /// a past day written as of that day. Invariants only.
    Seeded,
}

/// The result of one op before it becomes an outcome.
pub(super) struct Done {
    pub applied: Applied,
    pub action: &'static str,
    pub merged: Vec<String>,
    pub import: Option<ImportCounts>,
    pub count: usize,
    pub undone: Option<u64>,
}

impl Done {
    pub(super) fn of(applied: Applied, action: &'static str) -> Done {
        Done {
            applied,
            action,
            merged: Vec::new(),
            import: None,
            count: 0,
            undone: None,
        }
    }

    fn into_outcome(self) -> WriteOutcome {
        let s = &self.applied.stored;
        let mut records = Vec::new();
        if self.import.is_none() {
            records.extend(
                s.accounts
                    .iter()
                    .map(|a| RecordImage::Account(Box::new(a.clone()))),
            );
            records.extend(s.contacts.iter().cloned().map(RecordImage::Contact));
            records.extend(s.interactions.iter().cloned().map(RecordImage::Interaction));
            records.extend(s.followups.iter().cloned().map(RecordImage::FollowUp));
        }
        WriteOutcome {
            seq: self.applied.seq(),
            action: self.action.to_string(),
            records,
            tier_changes: self.applied.tier_changes,
            merged: self.merged,
            import: self.import,
            count: self.count,
            undone: self.undone,
        }
    }
}

/// Kept with the request id, so that a retry gets exactly the first answer.
impl envelope::Record for WriteOutcome {
    const TAG: Tag = Tag::Outcome;
    const TREE: &'static str = "requests";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => envelope::payload(p),
            v => Err(format!("unknown record format version {v}")),
        }
    }
}

/// A recorded outcome: an envelope, or the bare bincode kam wrote before
/// outcomes were typed records (its first byte, an `Option` tag, is never
/// the envelope's). None when it cannot be read.
fn read_outcome(bytes: &[u8]) -> Option<WriteOutcome> {
    if bytes.first() == Some(&ENVELOPE_V1) {
        return envelope::decode(bytes).ok();
    }
    let legacy = bincode::config::standard();
    bincode::serde::decode_from_slice::<WriteOutcome, _>(bytes, legacy)
        .ok()
        .map(|(o, _)| o)
}

impl Book {
    /// Applies one write. With a request id, a retry of a write that was
    /// committed returns the first outcome and applies nothing.
    pub fn execute(&mut self, op: WriteOp, request: Option<RequestId>) -> Result<WriteOutcome> {
        self.once(request, |book| book.run(op, request, Entry::Checked))
    }

    /// Commits an import that `transfer::import` planned and checked (all
    /// rows or none), applied once per request like every other write.
    pub fn import(
        &mut self,
        batch: Batch,
        counts: ImportCounts,
        request: Option<RequestId>,
    ) -> Result<WriteOutcome> {
        self.import_fed(batch, None, counts, request)
    }

    /// A feed for an import's interactions, staged as its file is read;
    /// `import_fed` ends it. A book that serves no screens (a one-shot
    /// command) lets its account records go meanwhile (see `records`).
    pub fn import_feed(&mut self) -> ImportFeed {
        if !self.serves_screens {
            self.accounts.release();
        }
        ImportFeed::new(self.store.clone())
    }

    /// `import`, whose interactions were partly fed already (`feed`):
    /// `batch` holds the rest. All of it is one audited write.
    pub fn import_fed(
        &mut self,
        batch: Batch,
        feed: Option<ImportFeed>,
        counts: ImportCounts,
        request: Option<RequestId>,
    ) -> Result<WriteOutcome> {
        self.once(request, |book| {
            let applied = match feed.map(ImportFeed::take) {
                Some((Some(w), events)) => book.commit_fed(batch, (w, events), request)?,
                _ if batch.is_empty() => Applied::default(),
                _ => book.commit_import(batch, request)?,
            };
            let mut d = Done::of(applied, "import");
            d.import = Some(counts);
            Ok(d)
        })
    }

    /// True when this request was committed already (a resend).
    pub fn seen_request(&self, request: Option<RequestId>) -> Result<bool> {
        match request {
            Some(req) => Ok(self.store.request(req)?.is_some()),
            None => Ok(false),
        }
    }

    /// Runs a write at most once per request: a retry of a committed write
    /// returns the first outcome and applies nothing.
    fn once(
        &mut self,
        request: Option<RequestId>,
        run: impl FnOnce(&mut Book) -> Result<Done>,
    ) -> Result<WriteOutcome> {
        if let Some(req) = request
            && let Some(seen) = self.store.request(req)?
        {
            return self.replay(seen.seq, &seen.outcome);
        }
        let done = run(self)?;
        if let Some(seq) = done.applied.stored.replayed {
            return self.replay(seq, &[]);
        }
        let outcome = done.into_outcome();
        if let Some(req) = request
            && outcome.seq.is_some()
        {
            self.store.set_request_outcome(req, &outcome)?;
        }
        Ok(outcome)
    }

    /// The outcome recorded for a request, or (if the process stopped
    /// between commit and recording it) one rebuilt from the audit entry.
    fn replay(&self, seq: u64, bytes: &[u8]) -> Result<WriteOutcome> {
        if let Some(o) = read_outcome(bytes) {
            return Ok(o);
        }
        let entry = self.store.audit_entry(seq)?;
        Ok(WriteOutcome {
            seq: Some(seq),
            action: entry.as_ref().map(|e| e.action.clone()).unwrap_or_default(),
            records: entry
                .iter()
                .flat_map(|e| &e.changes)
                .filter_map(|c| c.after.clone())
                .collect(),
            undone: entry.and_then(|e| e.undo_of),
            ..WriteOutcome::default()
        })
    }

    /// The old single-write methods: same path, no request id, and the
    /// store's invariants only (see `Entry::Seeded`).
    pub(super) fn write_one(&mut self, op: WriteOp) -> Result<Applied> {
        Ok(self.run(op, None, Entry::Seeded)?.applied)
    }

    fn run(&mut self, op: WriteOp, request: Option<RequestId>, entry: Entry) -> Result<Done> {
        let merged = |(applied, merged): (Applied, Vec<String>), action| {
            let mut d = Done::of(applied, action);
            d.merged = merged;
            d
        };
        match op {
            WriteOp::SaveAccount { base, account } => Ok(merged(
                self.save_account_op(base, account, request, entry)?,
                "save_account",
            )),
            WriteOp::AddInteraction { mut interaction } => {
                if interaction.author.trim().is_empty() {
                    interaction.author = self.user.clone();
                }
                let current = match interaction.id.0 {
                    0 => None,
                    id => self.store.interaction(crate::domain::InteractionId(id))?,
                };
                let action = if interaction.id.0 == 0 {
                    "add_interaction"
                } else {
                    "save_interaction"
                };
                let r = self.save_merged(None, interaction, current, action, request, entry)?;
                Ok(merged(r, action))
            }
            WriteOp::SaveContact { base, contact } => {
                let current = match contact.id.0 {
                    0 => None,
                    _ => self.store.contact(contact.id)?,
                };
                let r = self.save_merged(base, contact, current, "save_contact", request, entry)?;
                Ok(merged(r, "save_contact"))
            }
            WriteOp::SaveFollowUp { base, followup } => {
                let current = match followup.id.0 {
                    0 => None,
                    _ => self.store.followup(followup.id)?,
                };
                let r =
                    self.save_merged(base, followup, current, "save_followup", request, entry)?;
                Ok(merged(r, "save_followup"))
            }
            WriteOp::CompleteFollowUp { id } => {
                let mut f = self.store.followup(id)?.ok_or_else(|| {
                    BookError::Store(StoreError::NotFound(format!("follow-up {id}")))
                })?;
                f.done_at = Some(self.clock.today());
                let batch = Batch {
                    followups: vec![f],
                    exact_ids: true,
                    ..Batch::default()
                };
                let a = self.commit(batch, "complete_followup", request, None)?;
                Ok(Done::of(a, "complete_followup"))
            }
            WriteOp::Snooze { key, until } => {
                let snooze = Snooze::from_key(&key, until).ok_or_else(|| {
                    StoreError::Invalid(FieldError::new("key", "not an agenda item"))
                })?;
                let mut snoozes = self.store.snoozes()?;
                snoozes.set(snooze, self.clock.today());
                let value = MetaValue::Snoozes(snoozes);
                let a = self.write_meta(META_SNOOZE, value, "snooze", request)?;
                Ok(Done::of(a, "snooze"))
            }
            WriteOp::MarkReview => {
                let scores = self.engine.scores();
                let mark = ReviewMark {
                    day: self.clock.today(),
                    tiers: scores.iter().map(|s| (s.account, s.tier.clone())).collect(),
                };
                let value = MetaValue::Review(mark);
                let a = self.write_meta(META_REVIEW, value, "mark_review", request)?;
                let mut d = Done::of(a, "mark_review");
                d.count = scores.len();
                Ok(d)
            }
            WriteOp::SetModel { toml } => {
                let model = Model::from_toml(&toml)?;
                let value = MetaValue::Bytes(model.to_toml().into_bytes());
                let a = self.write_meta(META_MODEL, value, "set_model", request)?;
                Ok(Done::of(a, "set_model"))
            }
            WriteOp::Pin { key, tier, reason } => {
                let tier = self.check_tier(&tier)?;
                let id = self.key_to_id(&key)?;
                let mut a = self.record(id)?;
                a.pin = Some(Box::new(TierPin {
                    tier,
                    reason,
                    by: self.user.clone(),
                    at: self.clock.today(),
                }));
                Ok(Done::of(self.write_account(a, "pin", request)?, "pin"))
            }
            WriteOp::Unpin { key } => {
                let id = self.key_to_id(&key)?;
                let mut a = self.record(id)?;
                if a.pin.is_none() {
                    return Err(BookError::NotPinned(a.key));
                }
                a.pin = None;
                Ok(Done::of(self.write_account(a, "unpin", request)?, "unpin"))
            }
            WriteOp::Undo => self.undo(request),
            WriteOp::FinishReview { confirmed, tally } => {
                self.finish_review(&confirmed, tally, request)
            }
            WriteOp::MergeAccounts { keep, drop, take } => {
                self.merge_accounts(&keep, &drop, &take, request)
            }
            WriteOp::Bulk { target, changes } => self.bulk(target, changes, request),
            WriteOp::SaveView { name, view } => self.save_view(name, view, request),
            WriteOp::SaveKeyDate { key_date } => {
                let checked = entry == Entry::Checked;
                let a = self.save_key_date_op(key_date, request, checked)?;
                Ok(Done::of(a, "save_key_date"))
            }
            WriteOp::DeleteKeyDate { id } => Ok(Done::of(
                self.delete_key_date_op(id, request)?,
                "delete_key_date",
            )),
            WriteOp::SetHook { name, argv } => {
                let mut hooks = self.hooks()?;
                let argv: Vec<String> = argv
                    .iter()
                    .map(|a| crate::domain::text::clean_line(a))
                    .collect();
                if argv.is_empty() {
                    hooks.0.remove(&name);
                } else {
                    hooks.0.insert(name, argv);
                }
                let value = MetaValue::Bytes(hooks.to_toml().into_bytes());
                let meta = crate::domain::hooks::META_HOOKS;
                let a = self.write_meta(meta, value, "set_hook", request)?;
                Ok(Done::of(a, "set_hook"))
            }
        }
    }

    /// The team's hooks (none set: empty).
    pub fn hooks(&self) -> Result<crate::domain::hooks::Hooks> {
        match self.store.meta_get(crate::domain::hooks::META_HOOKS)? {
            Some(b) => crate::domain::hooks::Hooks::from_toml(&String::from_utf8_lossy(&b))
                .map_err(|e| StoreError::Invalid(FieldError::new("hooks", e)).into()),
            None => Ok(Default::default()),
        }
    }

    pub(super) fn write_meta(
        &mut self,
        name: &str,
        value: MetaValue,
        action: &str,
        request: Option<RequestId>,
    ) -> Result<Applied> {
        let batch = Batch {
            blobs: vec![(name.to_string(), Some(value))],
            ..Batch::default()
        };
        self.commit(batch, action, request, None)
    }

    fn write_account(
        &mut self,
        a: Account,
        action: &str,
        request: Option<RequestId>,
    ) -> Result<Applied> {
        // The same pin again changes nothing: no audit entry to undo.
        if self.account(a.id).as_deref() == Some(&a) {
            return Ok(Applied::default());
        }
        let batch = Batch {
            accounts: vec![a],
            exact_ids: true,
            ..Batch::default()
        };
        self.commit(batch, action, request, None)
    }
}
