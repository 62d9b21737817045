//! Properties of the whole generated book.

use super::calendar::{add_days, days_between};
use super::text::{Slots, fill};
use super::*;
use crate::domain::{AccountStatus, ContactRole, InteractionKind, Money};
use crate::domain::{sanitize_account, sanitize_contact, sanitize_interaction};
use std::collections::HashSet;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 16).unwrap()
}

fn params() -> DemoParams {
    DemoParams::new(today(), "alice")
}

fn book(p: &DemoParams) -> Vec<DemoAccount> {
    generate(p).collect()
}

fn is_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// Order revenue with `at` in (to - 365 days, to], in cents.
fn revenue_12m(d: &DemoAccount, to: NaiveDate) -> i64 {
    let from = add_days(to, -365);
    d.interactions
        .iter()
        .filter(|i| i.kind == InteractionKind::Order && i.day() > from && i.day() <= to)
        .filter_map(|i| i.amount)
        .map(Money::cents)
        .sum()
}

#[test]
fn same_params_same_book_other_seed_other_book() {
    let p = params();
    let a = book(&p);
    assert_eq!(a, book(&p));
    let b = book(&DemoParams {
        seed: 7,
        ..p.clone()
    });
    assert_eq!(a.len(), b.len());
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(differing > a.len() / 2, "only {differing} accounts differ");
}

#[test]
fn counts_hit_targets() {
    for (accounts, interactions) in [(300, 3600), (1_000, 8_000), (57, 2_000), (40, 0)] {
        let p = DemoParams {
            accounts,
            interactions,
            ..params()
        };
        let b = book(&p);
        assert_eq!(b.len(), accounts);
        let n: usize = b.iter().map(|d| d.interactions.len()).sum();
        let tolerance = interactions / 20;
        assert!(
            n.abs_diff(interactions) <= tolerance,
            "{n} interactions for a target of {interactions}"
        );
        assert!(b.iter().all(|d| (1..=5).contains(&d.contacts.len())));
    }
}

#[test]
fn revenue_is_pareto_skewed() {
    for p in [
        params(),
        DemoParams {
            accounts: 2_000,
            interactions: 20_000,
            seed: 3,
            ..params()
        },
    ] {
        let b = book(&p);
        let mut rev: Vec<i64> = b.iter().map(|d| revenue_12m(d, today())).collect();
        rev.sort_unstable_by(|x, y| y.cmp(x));
        let total: i64 = rev.iter().sum();
        let top: i64 = rev[..rev.len() / 5].iter().sum();
        let share = top as f64 / total as f64;
        assert!(share >= 0.6, "top 20% hold only {share:.2}");
        // A few strategic accounts (≥ 5M a year, seed 002) head the book.
        let strategic = rev.iter().filter(|r| **r >= 500_000_000).count();
        assert!(strategic >= 1, "no account above 5M");
        assert!(strategic <= rev.len() / 20, "{strategic} accounts above 5M");
    }
}

#[test]
fn trajectories_grow_decline_and_lapse() {
    let b = book(&params());
    let t = today();
    let last = |d: &DemoAccount| revenue_12m(d, t);
    let prev = |d: &DemoAccount| revenue_12m(d, add_days(t, -365));
    let orders_in = |d: &DemoAccount, from: i64, to: i64| {
        d.interactions
            .iter()
            .filter(|i| i.kind == InteractionKind::Order)
            .filter(|i| (from..to).contains(&days_between(i.day(), t)))
            .count()
    };
    let growing = b
        .iter()
        .filter(|d| prev(d) > 0 && last(d) as f64 > 1.3 * prev(d) as f64)
        .count();
    let inactive = b.iter().filter(|d| prev(d) > 0 && last(d) == 0).count();
    // Frequency falling: fewer orders in the last 6 months than in the 6 before.
    let declining = b
        .iter()
        .filter(|d| {
            orders_in(d, 180, 360) >= 3 && orders_in(d, 0, 180) * 2 <= orders_in(d, 180, 360)
        })
        .count();
    assert!(growing >= 10, "{growing} growing");
    assert!(inactive >= 10, "{inactive} inactive");
    assert!(declining >= 5, "{declining} declining");
    let status = |s| b.iter().filter(|d| d.account.status == s).count();
    assert!(status(AccountStatus::Active) > b.len() * 7 / 10);
    for s in [
        AccountStatus::Prospect,
        AccountStatus::Dormant,
        AccountStatus::Churned,
    ] {
        assert!(status(s) > 0, "no {s} accounts");
    }
    // Prospects never ordered; some accounts are still onboarding.
    assert!(
        b.iter()
            .filter(|d| d.account.status == AccountStatus::Prospect)
            .all(|d| d
                .interactions
                .iter()
                .all(|i| i.kind != InteractionKind::Order))
    );
    let onboarding = b
        .iter()
        .filter(|d| d.account.status == AccountStatus::Active)
        .filter(|d| d.account.since.is_some_and(|s| days_between(s, t) < 90))
        .count();
    assert!(onboarding > 0);
    let oldest = b.iter().filter_map(|d| d.account.since).min().unwrap();
    assert!(days_between(oldest, t) > 6 * 365);
}

#[test]
fn receivables_and_complaints_need_attention() {
    let b = book(&params());
    let t = today();
    let all = || b.iter().flat_map(|d| d.interactions.iter());
    let overdue = all()
        .filter(|i| i.kind == InteractionKind::Order)
        .filter(|i| i.paid_at.is_none() && i.due.is_some_and(|d| d < t))
        .count();
    let late = all()
        .filter(|i| matches!((i.due, i.paid_at), (Some(d), Some(p)) if p > d))
        .count();
    let orders = all().filter(|i| i.kind == InteractionKind::Order).count();
    assert!(overdue > 0 && late > 0, "{overdue} overdue, {late} late");
    assert!(late < orders / 3, "most orders are paid on time");
    for i in all().filter(|i| i.kind == InteractionKind::Order) {
        let (amount, margin) = (i.amount.unwrap().cents(), i.margin.unwrap().cents());
        assert!(amount > 0 && margin * 100 >= amount * 5 - 100 && margin * 100 <= amount * 40);
        let terms = days_between(i.day(), i.due.unwrap());
        assert!((30..=60).contains(&terms));
    }
    // Open complaints: more complaints than resolutions on the account.
    let mut open = 0;
    let mut open_past_sla = 0;
    for d in &b {
        let mut queue = std::collections::VecDeque::new();
        for i in &d.interactions {
            match i.kind {
                InteractionKind::Complaint => queue.push_back(i.day()),
                InteractionKind::Resolution => {
                    assert!(queue.pop_front().is_some(), "resolution without complaint");
                }
                _ => {}
            }
        }
        open += queue.len();
        open_past_sla += queue.iter().filter(|d| days_between(**d, t) > 2).count();
    }
    let resolved = all()
        .filter(|i| i.kind == InteractionKind::Resolution)
        .count();
    assert!(
        open > 0 && open_past_sla > 0,
        "{open} open, {open_past_sla} past SLA"
    );
    assert!(resolved > open, "{resolved} resolved vs {open} open");
    let surveys: Vec<u8> = all().filter_map(|i| i.satisfaction).collect();
    assert!(surveys.len() > 10);
    assert!(surveys.iter().all(|s| (1..=5).contains(s)));
    assert!(surveys.iter().any(|s| *s <= 2) && surveys.contains(&5));
}

#[test]
fn people_names_and_owners_look_real() {
    let p = params();
    let b = book(&p);
    let t = today();
    let keys: HashSet<&str> = b.iter().map(|d| d.account.key.as_str()).collect();
    assert_eq!(keys.len(), b.len(), "keys are unique");
    assert!(b.iter().any(|d| is_cjk(&d.account.name)));
    assert!(b.iter().any(|d| !is_cjk(&d.account.name)));
    assert!(b.iter().any(|d| d.account.name.ends_with("有限公司")));
    let owners: HashSet<&str> = b.iter().map(|d| d.account.owner.as_str()).collect();
    assert!((5..=6).contains(&owners.len()), "{owners:?}");
    let mine = b.iter().filter(|d| d.account.owner == "alice").count();
    assert!(mine >= b.len() / 10, "alice owns {mine}");
    assert!(
        b.iter()
            .flat_map(|d| &d.followups)
            .any(|f| f.assignee == "alice" && f.done_at.is_none())
    );
    assert!(b.iter().any(|d| d.account.backup_owner.is_empty()));
    assert!(b.iter().all(|d| d.account.backup_owner != d.account.owner));
    // Decision chains: one primary each, backups, leavers (some recent).
    let contacts = || b.iter().flat_map(|d| d.contacts.iter());
    assert!(
        b.iter()
            .all(|d| d.contacts.iter().filter(|c| c.primary).count() == 1)
    );
    assert!(contacts().any(|c| c.backup));
    let left: Vec<NaiveDate> = contacts().filter_map(|c| c.left_at).collect();
    assert!(left.iter().any(|d| days_between(*d, t) <= 90));
    assert!(left.iter().any(|d| days_between(*d, t) > 90));
    let roles: HashSet<ContactRole> = contacts().map(|c| c.role).collect();
    assert!(roles.len() >= 5);
    assert!(contacts().all(|c| c.email.is_ascii() && c.email.contains('@')));
    // Larger accounts carry a profile, some in Chinese.
    let profiled = b
        .iter()
        .filter(|d| !d.account.profile.organisation.is_empty());
    assert!(profiled.clone().count() > b.len() / 5);
    assert!(profiled.clone().any(|d| is_cjk(&d.account.profile.needs)));
    assert!(b.iter().any(|d| !d.account.tags.is_empty()));
    let rated = b
        .iter()
        .filter(|d| d.account.ratings.loyalty.is_some())
        .count();
    assert!(rated > b.len() / 2 && rated < b.len());
}

#[test]
fn nothing_in_the_future_but_follow_ups() {
    let b = book(&params());
    let t = today();
    let mut ahead = 0;
    for d in &b {
        assert!(d.account.since.unwrap() <= t);
        for c in &d.contacts {
            assert!(c.left_at.is_none_or(|l| l <= t));
        }
        for i in &d.interactions {
            assert!(i.day() <= t, "{i:?}");
            assert!(i.paid_at.is_none_or(|p| p <= t && p >= i.day()));
            assert_eq!(i.author, d.account.owner);
            if i.follow_up.is_some_and(|f| f >= t) {
                ahead += 1;
            }
        }
        assert!(d.interactions.windows(2).all(|w| w[0].at <= w[1].at));
        for f in &d.followups {
            assert!(f.done_at.is_none_or(|x| x <= t));
        }
    }
    assert!(ahead > 0, "no follow-ups due around today");
}

#[test]
fn records_are_already_clean() {
    let b = book(&DemoParams {
        user: "bob\u{202E}\u{7}".into(),
        ..params()
    });
    for d in &b {
        let mut a = d.account.clone();
        sanitize_account(&mut a).unwrap();
        assert_eq!(a, d.account);
        assert_eq!(a.owner == "bob", d.account.owner == "bob");
        for c in &d.contacts {
            let mut x = c.clone();
            sanitize_contact(&mut x).unwrap();
            assert_eq!(&x, c);
        }
        for i in &d.interactions {
            let mut x = i.clone();
            sanitize_interaction(&mut x).unwrap();
            assert_eq!(&x, i);
        }
    }
    assert!(b.iter().any(|d| d.account.owner == "bob"));
}

#[test]
fn template_slots_are_filled() {
    let s = Slots {
        product: "gears",
        competitor: "Apex",
        number: 7,
        ..Slots::default()
    };
    assert_eq!(fill("{p} vs {c} #{n} {x}", &s), "gears vs Apex #7 {x}");
    let b = book(&params());
    for d in &b {
        for i in &d.interactions {
            assert!(
                !i.summary.is_empty() && !i.summary.contains("{"),
                "{}",
                i.summary
            );
        }
    }
}
