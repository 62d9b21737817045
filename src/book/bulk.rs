//! Bulk changes: one edit (new owner, a tag, a follow-up, a status, a pin)
//! applied to many accounts as ONE write — one audit entry, undone as one.
//! The accounts are named by id or by a list filter the book resolves itself,
//! so a client never fetches 100k rows to say "all matching". Every account
//! passes the same domain rules as a form's save; one refusal refuses all.

use super::ops::Done;
use super::query::{self, ListQuery};
use super::{Book, BookError, RequestId, Result};
use crate::domain::{
    Account, AccountId, AccountStatus, FollowUp, FollowUpId, TierPin, check_account_entry,
    check_followup_entry, sanitize_account, sanitize_followup,
};
use crate::store::Batch;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Past this many accounts, the outcome carries no records.
const RECORDS_IN_OUTCOME: usize = 500;

/// Which accounts a bulk change is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkTarget {
    Accounts(Vec<AccountId>),
    /// Every account the list filter matches now, but those in `except`.
    Filter {
        filter: String,
        except: Vec<AccountId>,
    },
}

/// One change applied to every target account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkChange {
    Owner(String),
    BackupOwner(String),
    AddTag(String),
    RemoveTag(String),
    Status(AccountStatus),
    /// A new follow-up on each account, assigned to its owner.
    FollowUp {
        due: NaiveDate,
        note: String,
    },
    Pin {
        tier: String,
        reason: String,
    },
}

impl BulkChange {
    /// `owner=ana`, `tags+=vip`: the words of the audit entry and the CLI.
    pub fn label(&self) -> String {
        match self {
            BulkChange::Owner(o) => format!("owner={o}"),
            BulkChange::BackupOwner(o) => format!("backup_owner={o}"),
            BulkChange::AddTag(t) => format!("tags+={t}"),
            BulkChange::RemoveTag(t) => format!("tags-={t}"),
            BulkChange::Status(s) => format!("status={s}"),
            BulkChange::FollowUp { due, .. } => format!("follow_up={due}"),
            BulkChange::Pin { tier, .. } => format!("pin={tier}"),
        }
    }
}

/// One field of one account before → after (a dry run's line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What a bulk change does to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAccount {
    pub id: AccountId,
    pub key: String,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

/// The accounts that would change and how, and how many matched at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPlan {
    pub matched: usize,
    pub changes: Vec<PlannedAccount>,
}

/// The records a plan writes.
struct Planned {
    plan: BulkPlan,
    accounts: Vec<Account>,
    followups: Vec<FollowUp>,
}

impl Book {
    /// The accounts a target names, in key order (unknown ids are skipped:
    /// an account deleted meanwhile is not an error).
    pub fn bulk_targets(&self, target: &BulkTarget) -> Result<Vec<AccountId>> {
        match target {
            BulkTarget::Accounts(ids) => {
                let mut v: Vec<_> = ids.iter().filter_map(|id| self.account(*id)).collect();
                v.sort_by(|a, b| a.key.cmp(&b.key));
                v.dedup_by_key(|a| a.id);
                Ok(v.into_iter().map(|a| a.id).collect())
            }
            BulkTarget::Filter { filter, except } => {
                let q = ListQuery {
                    filter: filter.clone(),
                    ..ListQuery::default()
                };
                let page = query::list(self, &q).map_err(|e| match e {
                    query::ListError::Filter(m) => BookError::Bulk(format!("filter: {m}")),
                    query::ListError::Book(b) => b,
                })?;
                let mut rows = page.rows;
                rows.retain(|r| !except.contains(&r.id));
                rows.sort_by(|a, b| a.text.key.cmp(&b.text.key));
                Ok(rows.into_iter().map(|r| r.id).collect())
            }
        }
    }

    /// What `changes` would do to the target accounts, checked against the
    /// rules; writes nothing (the CLI's `--dry-run`, the TUI's confirm).
    pub fn plan_bulk(&self, target: &BulkTarget, changes: &[BulkChange]) -> Result<BulkPlan> {
        Ok(self.planned(target, changes)?.plan)
    }

    fn planned(&self, target: &BulkTarget, changes: &[BulkChange]) -> Result<Planned> {
        if changes.is_empty() {
            return Err(BookError::Bulk("no change given".into()));
        }
        let mut changes = changes.to_vec();
        for c in &mut changes {
            if let BulkChange::Pin { tier, reason } = c {
                *tier = self.check_tier(tier)?;
                if reason.trim().is_empty() {
                    return Err(BookError::Bulk(
                        "pin: give a reason (kept with the pin and in the log)".into(),
                    ));
                }
            }
        }
        let ids = self.bulk_targets(target)?;
        let today = self.clock.today();
        let mut out = Planned {
            plan: BulkPlan {
                matched: ids.len(),
                changes: Vec::new(),
            },
            accounts: Vec::new(),
            followups: Vec::new(),
        };
        for id in ids {
            let current = &self.record(id)?;
            let refuse = |reason: String| BookError::Refused {
                key: current.key.clone(),
                reason,
            };
            let mut edited = current.clone();
            let mut followups = Vec::new();
            for c in &changes {
                self.apply_change(&mut edited, c, &mut followups);
            }
            sanitize_account(&mut edited).map_err(|e| refuse(e.to_string()))?;
            check_account_entry(&edited, Some(current), today)
                .map_err(|e| refuse(e.to_string()))?;
            for f in &mut followups {
                f.assignee = edited.owner.clone();
                sanitize_followup(f).map_err(|e| {
                    refuse(format!(
                        "follow-up {e} (the account has no owner to assign it to)"
                    ))
                })?;
                check_followup_entry(f, None, today)
                    .map_err(|e| refuse(format!("follow-up {e}")))?;
            }
            let mut fields = field_changes(current, &edited);
            for f in &followups {
                fields.push(FieldChange {
                    field: "follow_up".into(),
                    before: String::new(),
                    after: format!("{} {}", f.due, f.note),
                });
            }
            if fields.is_empty() {
                continue;
            }
            out.plan.changes.push(PlannedAccount {
                id,
                key: current.key.clone(),
                name: current.name.clone(),
                fields,
            });
            if edited != *current {
                out.accounts.push(edited);
            }
            out.followups.extend(followups);
        }
        Ok(out)
    }

    fn apply_change(&self, a: &mut Account, c: &BulkChange, followups: &mut Vec<FollowUp>) {
        let clean = crate::domain::text::clean_line;
        match c {
            BulkChange::Owner(o) => a.owner = clean(o),
            BulkChange::BackupOwner(o) => a.backup_owner = clean(o),
            BulkChange::AddTag(t) => {
                let t = clean(t);
                if !t.is_empty() && !a.tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                    a.tags.push(t);
                }
            }
            BulkChange::RemoveTag(t) => {
                let t = clean(t);
                a.tags.retain(|x| !x.eq_ignore_ascii_case(&t));
            }
            BulkChange::Status(s) => a.status = *s,
            BulkChange::FollowUp { due, note } => followups.push(FollowUp {
                id: FollowUpId(0),
                version: 0,
                account: a.id,
                due: *due,
                assignee: String::new(),
                note: crate::domain::text::clean_text(note),
                done_at: None,
            }),
            BulkChange::Pin { tier, reason } => {
                // Re-pinning to the same tier keeps the first pin's record.
                if a.pin.as_ref().is_none_or(|p| p.tier != *tier) {
                    a.pin = Some(Box::new(TierPin {
                        tier: tier.clone(),
                        reason: reason.clone(),
                        by: self.user.clone(),
                        at: self.clock.today(),
                    }));
                }
            }
        }
    }

    /// Applies a bulk change as one write: audited as `bulk: owner=ana on 37
    /// accounts`, undone as one.
    pub(super) fn bulk(
        &mut self,
        target: BulkTarget,
        changes: Vec<BulkChange>,
        request: Option<RequestId>,
    ) -> Result<Done> {
        let p = self.planned(&target, &changes)?;
        let count = p.plan.changes.len();
        let mut done = Done::of(super::Applied::default(), "bulk");
        done.count = count;
        if count == 0 {
            return Ok(done);
        }
        let labels: Vec<String> = changes.iter().map(BulkChange::label).collect();
        let action = format!(
            "bulk: {} on {}",
            labels.join(" "),
            crate::domain::text::plural(count, "account")
        );
        let batch = Batch {
            accounts: p.accounts,
            followups: p.followups,
            exact_ids: true,
            ..Batch::default()
        };
        done.applied = self.commit(batch, &action, request, None)?;
        // Like an import, a big change lists no records in its outcome (kept
        // per request id): the change log has every one, `count` says how many.
        if count > RECORDS_IN_OUTCOME {
            done.applied.stored.accounts.clear();
            done.applied.stored.followups.clear();
        }
        Ok(done)
    }
}

/// The account fields a bulk change can touch, as text.
fn field_changes(before: &Account, after: &Account) -> Vec<FieldChange> {
    let pin = |a: &Account| a.pin.as_ref().map_or(String::new(), |p| p.tier.clone());
    let pairs = [
        ("owner", before.owner.clone(), after.owner.clone()),
        (
            "backup_owner",
            before.backup_owner.clone(),
            after.backup_owner.clone(),
        ),
        ("tags", before.tags.join(";"), after.tags.join(";")),
        (
            "status",
            before.status.to_string(),
            after.status.to_string(),
        ),
        ("pin", pin(before), pin(after)),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, before, after)| FieldChange {
            field: field.into(),
            before,
            after,
        })
        .collect()
}
