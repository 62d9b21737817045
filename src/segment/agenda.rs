//! The daily agenda: cadence touches, manual and requested follow-ups,
//! complaint SLAs and risk flags, most important tier first.

use super::engine::Engine;
use super::metrics::{open_complaints, upto};
use super::types::{AccountScore, AgendaItem, AgendaKind, Flag};
use crate::domain::{AccountId, FollowUp};
use chrono::{Days, Duration, NaiveDate};

impl Engine {
    /// What is due or overdue as of the engine's date. `owner` keeps the
    /// accounts that user owns and the follow-ups assigned to them
    /// (unassigned follow-ups go to the account's owner). Open complaints
    /// are listed with their SLA deadlines even before those fall due.
    pub fn agenda(&self, owner: Option<&str>, followups: &[FollowUp]) -> Vec<AgendaItem> {
        let mut items = self.account_agenda(&self.agenda_accounts(owner));
        items.extend(self.followup_agenda(owner, followups));
        sort_agenda(&mut items);
        items
    }

    /// The accounts whose own items `agenda(owner)` lists, ascending. One
    /// user's agenda scores only their accounts (the owner index), not the
    /// whole book.
    pub fn agenda_accounts(&self, owner: Option<&str>) -> Vec<AccountId> {
        match owner {
            Some(o) => self.accounts_of_owner(o),
            None => self.account_ids(),
        }
    }

    /// The cadence, complaint and flag items of `ids`, in that order (a
    /// caller may gather a whole book's a part at a time); on every core.
    pub fn account_agenda(&self, ids: &[AccountId]) -> Vec<AgendaItem> {
        // Freezing costs a pass over every ranked value (2–3 ms at 100k
        // accounts after an edit): worth it for a pass over many accounts,
        // not for the few a kept agenda remakes after a write.
        if ids.len() > 256 {
            self.freeze_ranks();
        }
        crate::par::chunks(ids, |_, part| {
            let mut items = Vec::new();
            for id in part {
                if let Some(sc) = self.score(*id) {
                    self.account_items(&sc, &mut items);
                }
            }
            items
        })
    }

    /// The follow-ups due by the engine's date for `owner` (everyone's for
    /// `None`), in the order given.
    pub fn followup_agenda(&self, owner: Option<&str>, followups: &[FollowUp]) -> Vec<AgendaItem> {
        let mut items = Vec::new();
        for f in followups {
            if f.done_at.is_some() || f.due > self.as_of {
                continue;
            }
            let mine = owner.is_none_or(|o| {
                f.assignee == o || (f.assignee.is_empty() && self.owner(f.account) == Some(o))
            });
            if !mine {
                continue;
            }
            let note = crate::domain::text::clean_line(&f.note);
            let mut item = self.item(f.account, AgendaKind::FollowUp, f.due, note);
            item.follow_up = Some(f.id);
            items.push(item);
        }
        items
    }

    fn item(
        &self,
        account: AccountId,
        kind: AgendaKind,
        due: NaiveDate,
        text: String,
    ) -> AgendaItem {
        let tier = self.score_tier(account).unwrap_or_default();
        let priority = self.model.tier(tier).map_or(u32::MAX, |t| t.priority);
        AgendaItem {
            account,
            kind,
            flag: None,
            due,
            days_late: (self.as_of - due).num_days().max(0),
            tier: self.shared_tier(tier),
            priority,
            text: text.into(),
            follow_up: None,
            interaction: None,
        }
    }

    fn score_tier(&self, id: AccountId) -> Option<&str> {
        self.accounts
            .get(&id)
            .filter(|s| s.known)
            .map(|s| self.tier_in_force(s))
    }

    fn account_items(&self, sc: &AccountScore, items: &mut Vec<AgendaItem>) {
        let as_of = self.as_of;
        let id = sc.account;
        if let Some(due) = sc.next_due
            && due <= as_of
        {
            let text = match sc.metrics.last_touch {
                Some(t) => format!("touch due: every {} days, last {t}", sc.cadence_days),
                None => format!("touch due: every {} days, never touched", sc.cadence_days),
            };
            items.push(self.item(id, AgendaKind::Cadence, due, text));
        }
        let all = self.events(id);
        let evs = upto(&all, as_of);
        // A follow-up asked for by an interaction stands until the account
        // manager touches the customer again (visit, call, meeting, email):
        // an internal note or an incoming payment does not answer it.
        let last_touch = evs.iter().rev().find(|e| e.kind.is_touch()).map(|e| e.at());
        for e in evs {
            if let Some(f) = e.follow_up
                && f <= as_of
                && last_touch.is_none_or(|t| t <= e.at())
            {
                let mut item = self.item(
                    id,
                    AgendaKind::RequestedFollowUp,
                    f,
                    format!("follow-up asked by the {} of {}", e.kind, e.day()),
                );
                item.interaction = Some(e.id);
                items.push(item);
            }
        }
        let policy = self.model.tier(&sc.tier);
        let reply = i64::from(policy.map_or(24, |p| p.reply_hours));
        let resolve = i64::from(policy.map_or(48, |p| p.resolve_hours));
        for c in open_complaints(&all, as_of) {
            let replied = evs.iter().any(|e| e.at() > c.at() && e.kind.is_touch());
            if !replied {
                let due = (c.at() + Duration::hours(reply)).date_naive();
                let mut item = self.item(
                    id,
                    AgendaKind::ComplaintReply,
                    due,
                    format!("reply to the complaint of {} within {reply} h", c.day()),
                );
                item.interaction = Some(c.id);
                items.push(item);
            }
            let due = (c.at() + Duration::hours(resolve)).date_naive();
            let mut item = self.item(
                id,
                AgendaKind::ComplaintResolve,
                due,
                format!("resolve the complaint of {} within {resolve} h", c.day()),
            );
            item.interaction = Some(c.id);
            items.push(item);
        }
        for &flag in &sc.flags {
            // Late touches and complaints already have their own lines.
            if matches!(flag, Flag::OverdueTouch | Flag::ComplaintSla) {
                continue;
            }
            let m = &sc.metrics;
            let reason = flag.reason(m);
            let text = match flag {
                Flag::Declining => format!("declining: {reason}"),
                Flag::SingleThreaded => format!("single-threaded: {reason}"),
                _ => reason,
            };
            // Due is when the matter became due, so that due + days late
            // is today: the oldest unpaid invoice's due date, the day the
            // primary contact left; standing conditions are due today.
            let due = match flag {
                Flag::OverduePayment => m
                    .overdue_days
                    .and_then(|n| as_of.checked_sub_days(Days::new(n.max(0).unsigned_abs())))
                    .unwrap_or(as_of),
                Flag::ContactLeft => m.primary_left.filter(|d| *d <= as_of).unwrap_or(as_of),
                _ => as_of,
            };
            let mut item = self.item(id, AgendaKind::Risk, due, text);
            item.flag = Some(flag);
            items.push(item);
        }
    }
}

/// The agenda's order: most important tier first, then most overdue (a
/// stable sort: ties keep the order the items were gathered in).
pub fn sort_agenda(items: &mut [AgendaItem]) {
    items.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(b.days_late.cmp(&a.days_late))
            .then(a.account.cmp(&b.account))
            .then(a.kind.cmp(&b.kind))
            .then(a.due.cmp(&b.due))
    });
}
