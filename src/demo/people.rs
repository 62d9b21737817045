//! Contacts along the decision chain and manual follow-ups.

use super::calendar::{HISTORY_DAYS, add_days, days_between};
use super::company::{Company, ascii_fold};
use super::names;
use super::plan::{Plan, Trend};
use super::rng::Rng;
use crate::domain::{AccountId, Contact, ContactId, ContactRole, FollowUp, FollowUpId};
use chrono::NaiveDate;

/// 1–5 contacts along the decision chain: a primary (usually purchasing or
/// the business side), often a backup, more levels for bigger accounts, and
/// some who have left — a few recently, some of them the primary.
pub(super) fn contacts(r: &mut Rng, co: &Company, plan: &Plan, today: NaiveDate) -> Vec<Contact> {
    let n = if plan.trend == Trend::Prospect {
        1 + r.below(2) as usize
    } else {
        (1 + (plan.q * 3.2) as usize + r.below(2) as usize).min(5)
    };
    let first = match r.unit() {
        u if u < 0.5 => ContactRole::Procurement,
        u if u < 0.8 => ContactRole::Business,
        _ => ContactRole::Executive,
    };
    let mut roles = vec![first];
    for role in [
        ContactRole::Executive,
        ContactRole::Technical,
        ContactRole::Finance,
        ContactRole::Business,
        ContactRole::Procurement,
        ContactRole::User,
    ] {
        if roles.len() >= n {
            break;
        }
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    let history_start = add_days(today, -HISTORY_DAYS).max(plan.since);
    let recent_leave = |r: &mut Rng| add_days(today, -r.range(3, 88));
    let mut out: Vec<Contact> = Vec::with_capacity(n);
    for (i, role) in roles.into_iter().enumerate() {
        let role_ix = ContactRole::ALL
            .iter()
            .position(|x| *x == role)
            .unwrap_or(0);
        let (title_en, title_cn) = *r.pick(names::TITLES[role_ix.min(names::TITLES.len() - 1)]);
        let (name, email_local, title) = if co.zh {
            let (fam, fam_py) = *r.pick(names::CN_FAMILY);
            let (giv, giv_py) = *r.pick(names::CN_GIVEN);
            (
                format!("{fam}{giv}"),
                format!("{giv_py}.{fam_py}"),
                title_cn,
            )
        } else {
            let first = *r.pick(names::EN_FIRST);
            let last = *r.pick(names::EN_LAST);
            (
                format!("{first} {last}"),
                format!("{}.{}", ascii_fold(first), ascii_fold(last)),
                title_en,
            )
        };
        let phone = if co.zh {
            format!(
                "+86 1{}{} {:04} {:04}",
                r.range(3, 9),
                r.below(10),
                r.below(10_000),
                r.below(10_000)
            )
        } else {
            format!(
                "{} {:03} {:07}",
                co.phone_code,
                r.range(100, 999),
                r.below(10_000_000)
            )
        };
        let primary = i == 0;
        let backup = i == 1 && r.chance(0.7);
        let left_at = if primary {
            // The single point of failure: the primary just left.
            r.chance(0.04).then(|| recent_leave(r))
        } else if i == n - 1 && n >= 3 && r.chance(0.35) {
            Some(if r.chance(0.35) {
                recent_leave(r)
            } else {
                let span = days_between(history_start, today).max(100);
                add_days(today, -r.range(90, span))
            })
        } else {
            None
        };
        out.push(Contact {
            id: ContactId(0),
            version: 0,
            account: AccountId(0),
            name,
            title: title.to_string(),
            role,
            email: format!("{email_local}@{}", co.domain),
            phone,
            primary,
            backup,
            left_at,
        });
    }
    out
}

pub(super) fn followups(
    r: &mut Rng,
    zh: bool,
    plan: &Plan,
    owner: &str,
    backup_owner: &str,
    today: NaiveDate,
) -> Vec<FollowUp> {
    if plan.trend == Trend::Churned || !r.chance(0.1 + 0.2 * plan.q) {
        return Vec::new();
    }
    let n = 1 + usize::from(r.chance(0.25));
    (0..n)
        .map(|_| {
            let due = add_days(today, r.range(-10, 14));
            let assignee = if backup_owner.is_empty() || r.chance(0.8) {
                owner
            } else {
                backup_owner
            };
            let done_at =
                (due < today && r.chance(0.35)).then(|| add_days(due, r.range(0, 2)).min(today));
            let (en, cn) = *r.pick(names::FOLLOWUPS);
            FollowUp {
                id: FollowUpId(0),
                version: 0,
                account: AccountId(0),
                due,
                assignee: assignee.to_string(),
                note: (if zh { cn } else { en }).to_string(),
                done_at,
            }
        })
        .collect()
}
