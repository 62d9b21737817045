//! Every KPI on a small hand-made book whose answers are worked out by hand
//! (tiers pinned, so the scoring does not decide them).

use super::*;
use crate::domain::{
    Account, AccountStatus, Interaction, InteractionId, InteractionKind, Money, TierPin,
};
use crate::segment::{Engine, Model, TierChange};
use chrono::{NaiveDate, NaiveTime};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

struct World {
    e: Engine,
    next: u64,
}

impl World {
    fn account(&mut self, id: u64, owner: &str, tier: &str, status: AccountStatus, since: &str) {
        let a = Account {
            id: AccountId(id),
            key: format!("A{id}"),
            name: format!("Account {id}"),
            owner: owner.into(),
            status,
            since: Some(d(since)),
            pin: Some(Box::new(TierPin {
                tier: tier.into(),
                reason: "test".into(),
                by: "t".into(),
                at: d(since),
            })),
            ..Account::default()
        };
        self.e.upsert_account(&a);
    }

    fn add(
        &mut self,
        acc: u64,
        kind: InteractionKind,
        day: &str,
        f: impl FnOnce(&mut Interaction),
    ) {
        self.next += 1;
        let mut i = Interaction::new(AccountId(acc), kind, d(day));
        i.id = InteractionId(self.next);
        f(&mut i);
        self.e.upsert_interaction(&i);
    }

    fn order(&mut self, acc: u64, day: &str, amount: &str) {
        self.add(acc, InteractionKind::Order, day, |i| {
            i.amount = Some(m(amount))
        });
    }

    fn at_hour(&mut self, acc: u64, kind: InteractionKind, day: &str, hour: u32) {
        self.add(acc, kind, day, |i| {
            i.at = d(day)
                .and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
                .and_utc();
        });
    }
}

fn period() -> Period {
    Period {
        from: d("2026-11-16"),
        to: d("2026-11-22"),
    }
}

/// ann: A1 (Key), A3 (Maintenance), A5 (Opportunity, churned);
/// bob: A2 (Development), A4 (Key, new), A6 (Maintenance).
fn world() -> Engine {
    use AccountStatus::{Active, Churned};
    use InteractionKind as K;
    let mut w = World {
        e: Engine::new(Model::default(), d("2026-11-26")),
        next: 0,
    };
    w.account(1, "ann", "Key", Active, "2020-01-01");
    w.account(2, "bob", "Development", Active, "2020-01-01");
    w.account(3, "ann", "Maintenance", Active, "2020-01-01");
    w.account(4, "bob", "Key", Active, "2026-11-01");
    w.account(5, "ann", "Opportunity", Churned, "2020-01-01");
    w.account(6, "bob", "Maintenance", Active, "2020-01-01");
    // A1: retained; touched within 30 days; complaint resolved in 23 h;
    // 200.00 unpaid since 2026-10-31 (22 days late on the 22nd).
    w.add(1, K::Order, "2026-10-01", |i| {
        i.amount = Some(m("200.00"));
        i.due = Some(d("2026-10-31"));
    });
    w.order(1, "2026-11-10", "1000.00");
    w.order(1, "2026-11-17", "500.00");
    w.add(1, K::Call, "2026-11-01", |_| {});
    w.at_hour(1, K::Complaint, "2026-11-18", 10);
    w.at_hour(1, K::Resolution, "2026-11-19", 9);
    w.add(1, K::Survey, "2026-11-20", |i| i.satisfaction = Some(4));
    // A2: retained; last touch too old for 90 days; complaint never resolved.
    w.order(2, "2026-11-12", "300.00");
    w.order(2, "2026-11-22", "600.00");
    w.add(2, K::Visit, "2026-07-01", |_| {});
    w.at_hour(2, K::Complaint, "2026-11-16", 8);
    w.add(2, K::Survey, "2026-11-21", |i| i.satisfaction = Some(2));
    // A3: last order 2025-11-20: active before the period, not at its end;
    // never touched; a complaint 28 h before the period ends.
    w.order(3, "2025-11-20", "70.00");
    w.at_hour(3, K::Complaint, "2026-11-21", 20);
    // A4: first order in the period; met; complaint resolved after 72 h;
    // one order paid on time, one 1 day late.
    w.order(4, "2026-11-18", "800.00");
    w.add(4, K::Order, "2026-11-19", |i| {
        i.amount = Some(m("100.00"));
        i.due = Some(d("2026-11-21"));
    });
    w.add(4, K::Order, "2026-11-16", |i| {
        i.amount = Some(m("0.00"));
        i.due = Some(d("2026-11-20"));
        i.paid_at = Some(d("2026-11-21"));
    });
    w.add(4, K::Meeting, "2026-11-20", |_| {});
    w.at_hour(4, K::Complaint, "2026-11-17", 0);
    w.at_hour(4, K::Resolution, "2026-11-20", 0);
    // A6: ordered only in the previous period; called on the last day.
    w.order(6, "2026-05-01", "10.00");
    w.order(6, "2026-11-14", "50.00");
    w.add(6, K::Call, "2026-11-22", |_| {});
    w.e
}

fn moves() -> Vec<TierMove> {
    let mv = |a, day: &str, from: &str, to: &str| TierMove {
        account: AccountId(a),
        day: d(day),
        from: from.into(),
        to: to.into(),
    };
    vec![
        mv(1, "2026-11-18", "Development", "Key"),
        mv(2, "2026-11-19", "Key", "Development"),
        // Before the period: not counted.
        mv(3, "2026-11-10", "Maintenance", "Opportunity"),
    ]
}

#[test]
fn team_kpis_match_the_hand_count() {
    let r = world().kpi_report(period(), None, &moves());
    let t = &r.team;
    assert_eq!(
        r.previous,
        Period {
            from: d("2026-11-09"),
            to: d("2026-11-15")
        }
    );
    assert_eq!(r.key_tier.as_deref(), Some("Key"));
    assert_eq!(t.accounts, 6);
    // Revenue: A1 500 + A2 600 + A4 800 + 100 + 0.
    assert_eq!(t.revenue, m("2000.00"));
    let tier = |n: &str| t.tiers.iter().find(|x| x.tier == n).unwrap();
    assert_eq!(
        (tier("Key").accounts, tier("Key").revenue),
        (2, m("1400.00"))
    );
    assert!((tier("Key").share - 0.7).abs() < 1e-12);
    assert!((tier("Development").share - 0.3).abs() < 1e-12);
    assert_eq!(tier("Maintenance").accounts, 2);
    assert_eq!(tier("Opportunity").revenue, Money::ZERO);
    let names: Vec<&str> = t.tiers.iter().map(|x| x.tier.as_str()).collect();
    assert_eq!(names, ["Key", "Development", "Maintenance", "Opportunity"]);
    assert!((r.key_share(t).unwrap() - 0.7).abs() < 1e-12);
    // Retention: A1, A2, A6 ordered before; A1 and A2 again.
    assert_eq!((t.active_prev, t.retained), (3, 2));
    assert!((t.retention().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((t.new_accounts, t.lost_accounts), (1, 1));
    assert_eq!((t.moves_up, t.moves_down), (1, 1));
    // Cadence: A5 is churned; A1, A4, A6 touched in time.
    assert_eq!((t.cadence_accounts, t.touched_in_cadence), (5, 3));
    assert!((t.touch_compliance().unwrap() - 0.6).abs() < 1e-12);
    assert_eq!(
        t.complaints,
        ComplaintSla {
            raised: 4,
            resolved_in_time: 1,
            resolved_late: 1,
            open_overdue: 1,
            open_in_time: 1,
        }
    );
    assert!((t.complaints.kept().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!((t.surveys, t.satisfaction), (2, Some(3.0)));
    assert_eq!((t.overdue, t.overdue_orders), (m("300.00"), 2));
    assert_eq!(t.avg_days_late, Some(11.5));
}

#[test]
fn owners_split_the_team() {
    let r = world().kpi_report(period(), None, &moves());
    let names: Vec<&str> = r.owners.iter().map(|o| o.owner.as_str()).collect();
    assert_eq!(names, ["ann", "bob"]);
    let (ann, bob) = (&r.owners[0].kpis, &r.owners[1].kpis);
    assert_eq!((ann.accounts, ann.revenue), (3, m("500.00")));
    assert_eq!((bob.accounts, bob.revenue), (3, m("1500.00")));
    assert_eq!(
        (ann.active_prev, ann.retained, ann.lost_accounts),
        (1, 1, 1)
    );
    assert_eq!((bob.active_prev, bob.retained, bob.new_accounts), (2, 1, 1));
    assert_eq!(
        (ann.moves_up, ann.moves_down, bob.moves_up, bob.moves_down),
        (1, 0, 0, 1)
    );
    assert_eq!((ann.cadence_accounts, ann.touched_in_cadence), (2, 1));
    assert_eq!((bob.cadence_accounts, bob.touched_in_cadence), (3, 2));
    assert_eq!(ann.complaints.kept(), Some(1.0));
    assert_eq!(bob.complaints.kept(), Some(0.0));
    assert_eq!((ann.satisfaction, bob.satisfaction), (Some(4.0), Some(2.0)));
    assert_eq!((ann.overdue, ann.avg_days_late), (m("200.00"), Some(22.0)));
    assert_eq!((bob.overdue, bob.avg_days_late), (m("100.00"), Some(1.0)));
    // Key share per owner: all of ann's revenue is A1 (Key); bob's 900 of 1500.
    assert_eq!(r.key_share(ann), Some(1.0));
    assert!((r.key_share(bob).unwrap() - 0.6).abs() < 1e-12);
}

#[test]
fn one_owner_only() {
    let r = world().kpi_report(period(), Some("ann"), &moves());
    assert_eq!(r.owner.as_deref(), Some("ann"));
    assert_eq!(r.team.accounts, 3);
    assert_eq!(r.team.revenue, m("500.00"));
    assert_eq!(r.owners.len(), 1);
    assert_eq!(r.owners[0].kpis, r.team);
}

#[test]
fn an_empty_period_has_no_shares() {
    let p = Period {
        from: d("2030-01-01"),
        to: d("2030-01-07"),
    };
    let r = world().kpi_report(p, None, &[]);
    assert_eq!(r.team.revenue, Money::ZERO);
    assert_eq!(r.key_share(&r.team), None);
    assert_eq!(r.team.retention(), None);
    assert_eq!(r.team.satisfaction, None);
    assert_eq!(r.team.complaints.kept(), None);
    assert!(r.team.tiers.iter().all(|t| t.share == 0.0));
}

#[test]
fn moves_are_found_where_the_timeline_has_system_entries() {
    let mut e = world();
    let mut i = Interaction::new(AccountId(3), InteractionKind::System, d("2026-11-20"));
    i.id = InteractionId(999);
    e.upsert_interaction(&i);
    assert_eq!(e.accounts_with_moves(period()), vec![AccountId(3)]);
    let earlier = Period {
        from: d("2026-11-01"),
        to: d("2026-11-07"),
    };
    assert!(e.accounts_with_moves(earlier).is_empty());
}

#[test]
fn a_timeline_summary_gives_back_its_tiers() {
    let c = TierChange {
        account: AccountId(1),
        from: Some("Key".into()),
        to: "Development".into(),
        value_before: 80.0,
        value_after: 60.0,
        potential_before: 50.0,
        potential_after: 50.0,
        movers: vec![("revenue_12m".into(), -20.0)],
    };
    assert_eq!(
        TierChange::parse_summary(&c.summary()),
        Some((Some("Key".into()), "Development".into()))
    );
    let first = TierChange { from: None, ..c };
    assert_eq!(
        TierChange::parse_summary(&first.summary()),
        Some((None, "Development".into()))
    );
    assert_eq!(TierChange::parse_summary("a note"), None);
}

#[test]
fn the_default_period_is_last_week() {
    // Thursday 2026-11-26 and Monday 2026-11-30.
    assert_eq!(
        Period::last_week(d("2026-11-26")),
        Period {
            from: d("2026-11-16"),
            to: d("2026-11-22")
        }
    );
    assert_eq!(
        Period::last_week(d("2026-11-30")),
        Period {
            from: d("2026-11-23"),
            to: d("2026-11-29")
        }
    );
    let today = d("2026-11-26");
    assert_eq!(
        Period::resolve(None, None, today),
        Ok(Period::last_week(today))
    );
    assert_eq!(
        Period::resolve(Some(d("2026-11-01")), None, today),
        Ok(Period {
            from: d("2026-11-01"),
            to: today
        })
    );
    assert_eq!(
        Period::resolve(None, Some(d("2026-11-10")), today),
        Ok(Period {
            from: d("2026-11-04"),
            to: d("2026-11-10")
        })
    );
    assert!(Period::resolve(Some(d("2026-11-10")), Some(d("2026-11-01")), today).is_err());
    // At the edge of the calendar: no panic, the first date there is.
    let edge = Period::resolve(None, Some(NaiveDate::MIN), today).unwrap();
    assert_eq!((edge.from, edge.to), (NaiveDate::MIN, NaiveDate::MIN));
    assert_eq!(edge.previous().from, NaiveDate::MIN);
    let month = Period {
        from: d("2026-10-01"),
        to: d("2026-10-31"),
    };
    assert_eq!(month.days(), 31);
    assert_eq!(
        month.previous(),
        Period {
            from: d("2026-08-31"),
            to: d("2026-09-30")
        }
    );
}
