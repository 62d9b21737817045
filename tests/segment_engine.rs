//! Engine behaviour: metric boundaries, flags, lifecycle, cap, pins,
//! agenda order, explanations, matrix and Pareto.

use chrono::{NaiveDate, NaiveTime};
use kam::domain::{
    Account, AccountId, AccountStatus, Contact, ContactId, FollowUp, FollowUpId, Interaction,
    InteractionId, InteractionKind, Money, TierPin,
};
use kam::segment::{AgendaKind, Engine, Flag, Lifecycle, Model, TierChange};

fn d(s: &str) -> NaiveDate {
    kam::clock::parse_date(s).unwrap()
}

const AS_OF: &str = "2025-06-30";

#[derive(Default)]
struct B {
    accounts: Vec<Account>,
    contacts: Vec<Contact>,
    inters: Vec<Interaction>,
}

impl B {
    fn account(&mut self, id: u64) -> &mut Account {
        self.accounts.push(Account {
            id: AccountId(id),
            key: format!("A{id}"),
            name: format!("Account {id}"),
            owner: "ann".into(),
            since: Some(d("2020-01-01")),
            ..Account::default()
        });
        self.accounts.last_mut().unwrap()
    }
    fn inter(&mut self, acc: u64, kind: InteractionKind, day: &str) -> &mut Interaction {
        let mut i = Interaction::new(AccountId(acc), kind, d(day));
        i.id = InteractionId(self.inters.len() as u64 + 1);
        self.inters.push(i);
        self.inters.last_mut().unwrap()
    }
    fn order(&mut self, acc: u64, day: &str, units: i64) -> &mut Interaction {
        let i = self.inter(acc, InteractionKind::Order, day);
        i.amount = Some(Money::from_units(units));
        i.margin = Some(Money::from_units(units / 5));
        i
    }
    fn contact(&mut self, acc: u64, primary: bool, backup: bool, left: Option<&str>) {
        self.contacts.push(Contact {
            id: ContactId(self.contacts.len() as u64 + 1),
            account: AccountId(acc),
            primary,
            backup,
            left_at: left.map(d),
            ..Contact::default()
        });
    }
    fn engine(&self, model: Model) -> Engine {
        let mut e = Engine::new(model, d(AS_OF));
        e.rebuild(&self.accounts, &self.contacts, self.inters.iter());
        e
    }
}

#[test]
fn revenue_window_edges() {
    let mut b = B::default();
    b.account(1);
    b.order(1, "2024-06-30", 1); // exactly as_of − 12 months: outside
    b.order(1, "2024-07-01", 10); // first day inside
    b.order(1, "2025-06-30", 100); // as_of itself: inside
    b.order(1, "2025-07-01", 1000); // after as_of: ignored
    b.order(1, "2023-06-30", 5000); // as_of − 24 months: outside both
    b.order(1, "2023-07-01", 20); // previous window
    let e = b.engine(Model::default());
    let m = e.score(AccountId(1)).unwrap().metrics;
    assert_eq!(m.revenue_12m, Money::from_units(110));
    assert_eq!(m.orders_12m, 2);
    assert_eq!(m.margin_12m, Money::from_units(2 + 20));
    assert_eq!(m.revenue_prev_12m, Money::from_units(21));
    assert!((m.growth.unwrap() - (110.0 - 21.0) / 21.0).abs() < 1e-12);
    assert_eq!(m.last_order, Some(d("2025-06-30")));
    assert_eq!(m.recency_days, Some(0));
    assert!(m.active);
}

#[test]
fn growth_is_none_without_previous_year_and_inactive_without_orders() {
    let mut b = B::default();
    b.account(1);
    b.order(1, "2025-01-01", 10);
    b.account(2);
    b.order(2, "2023-12-01", 10);
    let e = b.engine(Model::default());
    assert_eq!(e.score(AccountId(1)).unwrap().metrics.growth, None);
    let m2 = e.score(AccountId(2)).unwrap().metrics;
    assert!(!m2.active);
    assert_eq!(m2.growth, Some(-1.0));
    assert_eq!(e.active_accounts(), 1);
}

#[test]
fn complaints_close_fifo_and_age_to_end_of_day() {
    let mut b = B::default();
    b.account(1);
    b.inter(1, InteractionKind::Resolution, "2025-06-01"); // nothing to close
    b.inter(1, InteractionKind::Complaint, "2025-06-27");
    b.inter(1, InteractionKind::Complaint, "2025-06-28").at = d("2025-06-28")
        .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        .and_utc();
    b.inter(1, InteractionKind::Resolution, "2025-06-29"); // closes the 27th's
    b.inter(1, InteractionKind::Complaint, "2025-07-01"); // after as_of
    let e = b.engine(Model::default());
    let s = e.score(AccountId(1)).unwrap();
    assert_eq!(s.metrics.open_complaints, 1);
    // From 2025-06-28 12:00 to the end of 2025-06-30: 60 h.
    assert_eq!(s.metrics.oldest_complaint_hours, Some(60));
    assert!(s.flags.contains(&Flag::ComplaintSla), "60 h > 48 h SLA");
}

#[test]
fn complaint_within_sla_is_not_flagged() {
    let mut b = B::default();
    b.account(1);
    b.inter(1, InteractionKind::Complaint, "2025-06-30");
    let s = b.engine(Model::default()).score(AccountId(1)).unwrap();
    assert_eq!(s.metrics.oldest_complaint_hours, Some(24));
    assert!(!s.flags.contains(&Flag::ComplaintSla));
}

#[test]
fn overdue_receivables_rules() {
    let mut b = B::default();
    b.account(1);
    b.order(1, "2025-05-01", 100).due = Some(d("2025-06-29")); // overdue 1 day
    b.order(1, "2025-05-01", 200).due = Some(d("2025-06-30")); // due today: not overdue
    let o = b.order(1, "2025-04-01", 400);
    o.due = Some(d("2025-05-01"));
    o.paid_at = Some(d("2025-06-30")); // paid by as_of
    let o = b.order(1, "2025-03-01", 800);
    o.due = Some(d("2025-04-10"));
    o.paid_at = Some(d("2025-07-02")); // paid only after as_of: overdue
    let s = b.engine(Model::default()).score(AccountId(1)).unwrap();
    assert_eq!(s.metrics.overdue_amount, Money::from_units(900));
    assert_eq!(s.metrics.overdue_days, Some(81));
    assert!(s.flags.contains(&Flag::OverduePayment));
}

#[test]
fn satisfaction_is_mean_of_last_three_surveys() {
    let mut b = B::default();
    b.account(1);
    for (day, v) in [
        ("2025-01-01", 1),
        ("2025-02-01", 5),
        ("2025-03-01", 4),
        ("2025-04-01", 3),
        ("2025-07-05", 1),
    ] {
        b.inter(1, InteractionKind::Survey, day).satisfaction = Some(v);
    }
    let s = b.engine(Model::default()).score(AccountId(1)).unwrap();
    assert_eq!(s.metrics.satisfaction, Some(4.0));
}

#[test]
fn contacts_backup_and_departures() {
    let mut b = B::default();
    b.account(1);
    b.contact(1, true, false, Some("2025-05-01")); // primary left 60 days ago
    b.contact(1, false, true, None);
    b.contact(1, false, false, Some("2025-07-01")); // leaves after as_of: still active
    b.account(2);
    b.contact(2, true, false, Some("2025-01-01")); // left long ago
    b.contact(2, false, false, None);
    b.contact(2, false, false, None);
    let e = b.engine(Model::default());
    let s1 = e.score(AccountId(1)).unwrap();
    assert_eq!(s1.metrics.active_contacts, 2);
    assert!(s1.metrics.has_backup);
    assert_eq!(s1.metrics.primary_left, Some(d("2025-05-01")));
    assert!(s1.flags.contains(&Flag::ContactLeft));
    assert!(!s1.flags.contains(&Flag::SingleThreaded));
    let s2 = e.score(AccountId(2)).unwrap();
    assert!(!s2.flags.contains(&Flag::ContactLeft), "left > 90 days ago");
    assert!(s2.flags.contains(&Flag::SingleThreaded), "no backup");
}

#[test]
fn declining_by_growth_and_by_order_frequency() {
    let mut b = B::default();
    b.account(1);
    b.order(1, "2024-01-01", 1000);
    b.order(1, "2025-01-01", 790); // −21%
    b.account(2);
    b.order(2, "2024-01-01", 100);
    for day in ["2025-01-10", "2025-02-10", "2025-03-10"] {
        b.order(2, day, 100); // 3 orders in the 90 days before the last 90
    }
    b.order(2, "2025-05-10", 100); // 1 in the last 90
    b.account(3);
    b.order(3, "2024-01-01", 100);
    b.order(3, "2025-01-01", 100);
    let e = b.engine(Model::default());
    assert!(
        e.score(AccountId(1))
            .unwrap()
            .flags
            .contains(&Flag::Declining)
    );
    let s2 = e.score(AccountId(2)).unwrap();
    assert_eq!((s2.metrics.orders_90d, s2.metrics.orders_prev_90d), (1, 3));
    assert!(s2.flags.contains(&Flag::Declining));
    assert!(
        !e.score(AccountId(3))
            .unwrap()
            .flags
            .contains(&Flag::Declining)
    );
}

#[test]
fn large_disloyal_and_overdue_touch() {
    let mut b = B::default();
    for id in 1..=4 {
        b.account(id).ratings.loyalty = Some(if id == 4 { 1 } else { 4 });
        b.order(id, "2025-03-01", 1000 * id as i64);
    }
    b.inter(4, InteractionKind::Call, "2025-05-01");
    b.inter(3, InteractionKind::Visit, "2025-06-20");
    let e = b.engine(Model::preset("volume-loyalty").unwrap());
    let s4 = e.score(AccountId(4)).unwrap();
    assert!(s4.value_score >= 50.0);
    assert!(s4.flags.contains(&Flag::LargeDisloyal));
    // Tier cadence 30 days; last call 2025-05-01 → due 2025-05-31.
    assert_eq!(s4.next_due, Some(d("2025-05-31")));
    assert!(s4.flags.contains(&Flag::OverdueTouch));
    let s3 = e.score(AccountId(3)).unwrap();
    assert!(!s3.flags.contains(&Flag::LargeDisloyal));
    assert!(!s3.flags.contains(&Flag::OverdueTouch));
    let s1 = e.score(AccountId(1)).unwrap();
    assert!(s1.value_score < 50.0 && !s1.flags.contains(&Flag::LargeDisloyal));
}

#[test]
fn lifecycle_and_onboarding_cadence_in_scores() {
    let mut b = B::default();
    b.account(1).since = Some(d("2025-06-20"));
    b.account(2).since = Some(d("2025-05-15"));
    b.account(3).since = Some(d("2023-01-01"));
    b.account(4).since = None;
    b.account(5).status = AccountStatus::Churned;
    let e = b.engine(Model::default());
    let s = |i| e.score(AccountId(i)).unwrap();
    assert_eq!(
        (s(1).lifecycle, s(1).cadence_days),
        (Lifecycle::Onboarding, 7)
    );
    assert_eq!(
        s(1).next_due,
        Some(d("2025-06-27")),
        "never touched: since + cadence"
    );
    assert_eq!(
        (s(2).lifecycle, s(2).cadence_days),
        (Lifecycle::Onboarding, 14)
    );
    assert_eq!(s(3).lifecycle, Lifecycle::Deepening);
    assert_eq!(
        s(3).cadence_days,
        Model::default().tier(&s(3).tier).unwrap().cadence_days
    );
    assert_eq!(s(4).lifecycle, Lifecycle::Unknown);
    assert_eq!(s(4).next_due, Some(d(AS_OF)));
    assert_eq!(s(5).next_due, None);
}

/// Value = revenue (linear, 1k units per point), potential = rating: tiers
/// are easy to steer.
fn cap_model(share: f64) -> Model {
    let text = format!(
        r#"name = "cap-test"
[value]
[[value.criteria]]
metric = "revenue_12m"
weight = 1
norm = "linear"
min = 0
max = 100000
[potential]
[[potential.criteria]]
metric = "potential"
weight = 1
norm = "rating"
[grid]
value_cuts = [50.0]
potential_cuts = [50.0]
cells = [["Development", "Key"], ["Opportunity", "Maintenance"]]
[cap]
tier = "Key"
max_share = {share}
overflow = "Development"
[[tier]]
name = "Key"
priority = 1
cadence_days = 30
[[tier]]
name = "Development"
priority = 2
cadence_days = 90
[[tier]]
name = "Maintenance"
priority = 3
cadence_days = 180
[[tier]]
name = "Opportunity"
priority = 4
cadence_days = 365
"#
    );
    Model::from_toml(&text).unwrap()
}

fn cap_world(n: u64) -> B {
    let mut b = B::default();
    for id in 1..=n {
        b.account(id).ratings.potential = Some(5);
        b.order(id, "2025-03-01", 60_000 + 1000 * id as i64);
    }
    b
}

fn tier(e: &Engine, id: u64) -> String {
    e.score(AccountId(id)).unwrap().tier
}

#[test]
fn cap_keeps_the_highest_values_and_rounds_up() {
    let e = cap_world(10).engine(cap_model(0.2));
    let key: Vec<u64> = (1..=10).filter(|&i| tier(&e, i) == "Key").collect();
    assert_eq!(key, vec![9, 10], "ceil(0.2 × 10) = 2, highest value first");
    assert_eq!(tier(&e, 1), "Development");
    let e = cap_world(11).engine(cap_model(0.2));
    let key: Vec<u64> = (1..=11).filter(|&i| tier(&e, i) == "Key").collect();
    assert_eq!(key, vec![9, 10, 11], "ceil(2.2) = 3");
    let m = e.matrix();
    let cell = m.cell(0, 1).unwrap();
    assert_eq!(
        (cell.tier.as_str(), cell.count, cell.overflow),
        ("Key", 11, 8)
    );
    assert!(
        e.explain(AccountId(1))
            .unwrap()
            .reasons
            .iter()
            .any(|r| r.contains("over the cap"))
    );
}

#[test]
fn cap_ties_go_to_the_lower_id() {
    let mut b = B::default();
    for id in 1..=5 {
        b.account(id).ratings.potential = Some(5);
        b.order(id, "2025-03-01", 70_000);
    }
    let e = b.engine(cap_model(0.2));
    assert_eq!(tier(&e, 1), "Key");
    assert!((2..=5).all(|i| tier(&e, i) == "Development"));
}

#[test]
fn an_edit_that_enters_the_cap_pushes_the_weakest_out() {
    let b = cap_world(10);
    let mut e = b.engine(cap_model(0.2));
    let mut o = Interaction::new(AccountId(3), InteractionKind::Order, d("2025-06-01"));
    o.id = InteractionId(999);
    o.amount = Some(Money::from_units(30_000));
    let changes = e.upsert_interaction(&o);
    let got: Vec<(u64, Option<String>, String)> = changes
        .iter()
        .map(|c| (c.account.0, c.from.clone(), c.to.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, Some("Development".into()), "Key".into()),
            (9, Some("Key".into()), "Development".into()),
        ]
    );
    let c3 = &changes[0];
    assert!(c3.value_after > c3.value_before);
    assert_eq!(c3.movers[0].0, "revenue_12m");
    assert!(c3.movers[0].1 > 0.0);
}

#[test]
fn pin_wins_and_is_reported() {
    let b = cap_world(10);
    let mut e = b.engine(cap_model(0.2));
    let mut a = b.accounts[0].clone();
    a.pin = Some(Box::new(TierPin {
        tier: "Key".into(),
        reason: "strategic logo".into(),
        by: "ann".into(),
        at: d(AS_OF),
    }));
    let changes = e.upsert_account(&a);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].to, "Key");
    let s = e.score(AccountId(1)).unwrap();
    assert!(s.pinned);
    assert_eq!(
        (s.tier.as_str(), s.computed_tier.as_str()),
        ("Key", "Development")
    );
    assert_eq!(tier(&e, 9), "Key", "a pin does not use up the cap");
}

#[test]
fn tier_change_summary_line() {
    let c = TierChange {
        account: AccountId(1),
        from: Some("Maintenance".into()),
        to: "Key".into(),
        value_before: 48.24,
        value_after: 71.5,
        potential_before: 55.0,
        potential_after: 58.06,
        movers: vec![("revenue_12m".into(), 18.3), ("loyalty".into(), 4.0)],
    };
    assert_eq!(
        c.summary(),
        "Tier Maintenance → Key · value 48.2→71.5 · potential 55.0→58.1 · revenue_12m +18.3, loyalty +4.0"
    );
}

#[test]
fn explanation_adds_up() {
    let mut b = B::default();
    for id in 1..=5 {
        let a = b.account(id);
        a.ratings.loyalty = Some(id as u8);
        a.ratings.potential = Some(3);
        b.order(id, "2025-03-01", 1000 * id as i64);
    }
    b.account(6); // unrated, inactive
    let e = b.engine(Model::default());
    for id in 1..=6 {
        let x = e.explain(AccountId(id)).unwrap();
        let v: f64 = x
            .criteria
            .iter()
            .filter(|c| c.axis == "value")
            .map(|c| c.contribution)
            .sum();
        let p: f64 = x
            .criteria
            .iter()
            .filter(|c| c.axis == "potential")
            .map(|c| c.contribution)
            .sum();
        assert!((v - x.value_score).abs() < 1e-9 && (p - x.potential_score).abs() < 1e-9);
        let s = e.score(AccountId(id)).unwrap();
        assert_eq!(
            (s.value_score, s.potential_score),
            (x.value_score, x.potential_score)
        );
    }
    let x = e.explain(AccountId(5)).unwrap();
    let rev = x
        .criteria
        .iter()
        .find(|c| c.measure == "revenue_12m")
        .unwrap();
    assert_eq!((rev.raw, rev.normalised), (Some(5000.0), 100.0));
    let x6 = e.explain(AccountId(6)).unwrap();
    let loyal = x6.criteria.iter().find(|c| c.measure == "loyalty").unwrap();
    assert_eq!(
        (loyal.raw, loyal.normalised),
        (None, 50.0),
        "unrated is neutral"
    );
}

#[test]
fn pareto_top_fifth_share() {
    let mut b = B::default();
    for id in 1..=10 {
        b.account(id);
        b.order(id, "2025-03-01", id as i64);
    }
    b.account(11); // inactive
    let p = b.engine(Model::default()).pareto();
    assert_eq!((p.active_accounts, p.top20_accounts), (10, 2));
    assert!((p.top20_revenue_share - 19.0 / 55.0).abs() < 1e-12);
    assert_eq!(p.total_revenue_12m, Money::from_units(55));
}

#[test]
fn set_as_of_and_dry_run() {
    let b = cap_world(10);
    let mut e = b.engine(cap_model(0.2));
    let before: Vec<String> = (1..=10).map(|i| tier(&e, i)).collect();
    let dry = e.dry_run(&cap_model(0.5));
    assert_eq!(dry.len(), 3, "5 Key instead of 2: accounts 6, 7, 8 move");
    assert!(
        dry.iter()
            .all(|c| c.to == "Key" && c.from.as_deref() == Some("Development"))
    );
    let after: Vec<String> = (1..=10).map(|i| tier(&e, i)).collect();
    assert_eq!(before, after, "dry run changes nothing");
    // A year later every order is outside the window: nobody is Key.
    let changes = e.set_as_of(d("2026-06-30"));
    assert_eq!(e.active_accounts(), 0);
    assert!(
        changes
            .iter()
            .any(|c| c.account == AccountId(10) && c.to != "Key")
    );
    assert!((1..=10).all(|i| tier(&e, i) != "Key"));
}

#[test]
fn agenda_sorted_by_tier_then_lateness_and_filtered_by_owner() {
    let mut b = cap_world(10);
    b.accounts[9].owner = "bob".into(); // account 10: Key, bob's
    b.inter(10, InteractionKind::Call, "2025-05-01"); // due 05-31: 30 days late
    b.inter(9, InteractionKind::Call, "2025-05-21"); // Key, due 06-20: 10 days late
    b.inter(1, InteractionKind::Call, "2025-01-01"); // Development, 90 d: due 04-01, 90 late
    // A requested follow-up, superseded on account 2 by a later call.
    b.inter(2, InteractionKind::Note, "2025-06-01").follow_up = Some(d("2025-06-10"));
    b.inter(2, InteractionKind::Call, "2025-06-05");
    // On account 3 only a system entry, an internal note and a payment
    // follow: none answers the customer, so the follow-up stands.
    b.inter(3, InteractionKind::Note, "2025-06-01").follow_up = Some(d("2025-06-10"));
    b.inter(3, InteractionKind::System, "2025-06-05");
    b.inter(3, InteractionKind::Note, "2025-06-06");
    b.inter(3, InteractionKind::Payment, "2025-06-07");
    b.inter(4, InteractionKind::Complaint, "2025-06-30");
    let e = b.engine(cap_model(0.2));
    let fu = vec![
        FollowUp {
            id: FollowUpId(1),
            version: 0,
            account: AccountId(5),
            due: d("2025-06-25"),
            assignee: "bob".into(),
            note: "send\u{202e} offer".into(),
            done_at: None,
        },
        FollowUp {
            id: FollowUpId(2),
            version: 0,
            account: AccountId(5),
            due: d("2025-06-25"),
            assignee: "bob".into(),
            note: "done".into(),
            done_at: Some(d("2025-06-26")),
        },
        FollowUp {
            id: FollowUpId(3),
            version: 0,
            account: AccountId(5),
            due: d("2025-07-25"),
            assignee: "bob".into(),
            note: "later".into(),
            done_at: None,
        },
    ];
    let all = e.agenda(None, &fu);
    // Key items first, most late first.
    assert_eq!(all[0].account, AccountId(10));
    assert_eq!(
        (all[0].kind, all[0].days_late, &*all[0].tier),
        (AgendaKind::Cadence, 30, "Key")
    );
    assert_eq!((all[1].account, all[1].days_late), (AccountId(9), 10));
    let prios: Vec<u32> = all.iter().map(|i| i.priority).collect();
    assert!(prios.windows(2).all(|w| w[0] <= w[1]), "{prios:?}");
    // Items of one tier share its name (a whole book's agenda is 170k items).
    let mut same_tier = all.iter().filter(|i| i.tier == all[0].tier).skip(1);
    let other = same_tier.next().expect("two items of the first tier");
    assert!(std::sync::Arc::ptr_eq(&other.tier, &all[0].tier));
    assert!(
        all.iter()
            .any(|i| i.kind == AgendaKind::RequestedFollowUp && i.account == AccountId(3))
    );
    assert!(
        !all.iter()
            .any(|i| i.kind == AgendaKind::RequestedFollowUp && i.account == AccountId(2))
    );
    let reply = all
        .iter()
        .find(|i| i.kind == AgendaKind::ComplaintReply)
        .unwrap();
    assert_eq!((reply.account, reply.due), (AccountId(4), d("2025-07-01")));
    let resolve = all
        .iter()
        .find(|i| i.kind == AgendaKind::ComplaintResolve)
        .unwrap();
    assert_eq!(resolve.due, d("2025-07-02"));
    let manual: Vec<_> = all
        .iter()
        .filter(|i| i.kind == AgendaKind::FollowUp)
        .collect();
    assert_eq!(manual.len(), 1, "done and future follow-ups are not due");
    assert_eq!((manual[0].days_late, &*manual[0].text), (5, "send offer"));

    let bob = e.agenda(Some("bob"), &fu);
    assert!(
        bob.iter()
            .all(|i| i.account == AccountId(10) || i.follow_up == Some(FollowUpId(1)))
    );
    assert!(bob.iter().any(|i| i.follow_up == Some(FollowUpId(1))));
    let ann = e.agenda(Some("ann"), &fu);
    assert!(
        ann.iter()
            .all(|i| i.account != AccountId(10) && i.follow_up.is_none())
    );
    assert!(!ann.is_empty());
}

#[test]
fn interactions_can_arrive_before_their_account() {
    let mut e = Engine::new(Model::default(), d(AS_OF));
    let mut o = Interaction::new(AccountId(7), InteractionKind::Order, d("2025-06-01"));
    o.id = InteractionId(1);
    o.amount = Some(Money::from_units(10));
    assert!(e.upsert_interaction(&o).is_empty());
    assert!(e.score(AccountId(7)).is_none());
    let a = Account {
        id: AccountId(7),
        key: "A7".into(),
        ..Account::default()
    };
    let ch = e.upsert_account(&a);
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].from, None);
    assert_eq!(
        e.score(AccountId(7)).unwrap().metrics.revenue_12m,
        Money::from_units(10)
    );
    assert!(e.remove_interaction(AccountId(7), InteractionId(1)).len() <= 1);
    assert_eq!(e.score(AccountId(7)).unwrap().metrics.orders_12m, 0);
    e.remove_account(AccountId(7));
    assert!(e.score(AccountId(7)).is_none());
}

/// The agenda's risk line of `flag` for account `id`.
fn risk(e: &Engine, id: u64, flag: Flag) -> kam::segment::AgendaItem {
    e.agenda(None, &[])
        .into_iter()
        .find(|i| i.account == AccountId(id) && i.flag == Some(flag))
        .unwrap_or_else(|| panic!("no {flag} line for account {id}"))
}

#[test]
fn risk_lines_are_due_when_the_matter_became_due() {
    let mut b = B::default();
    b.account(1);
    b.order(1, "2025-03-01", 800).due = Some(d("2025-04-10")); // oldest unpaid
    b.order(1, "2025-05-01", 100).due = Some(d("2025-06-29"));
    b.contact(1, true, false, Some("2025-05-01"));
    b.contact(1, false, true, None);
    b.contact(1, false, false, None);
    let e = b.engine(Model::default());
    let pay = risk(&e, 1, Flag::OverduePayment);
    assert_eq!((pay.due, pay.days_late), (d("2025-04-10"), 81));
    assert_eq!(pay.due + chrono::Duration::days(pay.days_late), d(AS_OF));
    let left = risk(&e, 1, Flag::ContactLeft);
    assert_eq!((left.due, left.days_late), (d("2025-05-01"), 60));
    assert_eq!(&*left.text, "primary contact left on 2025-05-01");
}

#[test]
fn single_threaded_says_what_is_missing() {
    let mut b = B::default();
    b.account(1); // two contacts, neither a backup
    b.contact(1, true, false, None);
    b.contact(1, false, false, None);
    b.account(2); // one contact, the backup
    b.contact(2, false, true, None);
    b.account(3); // one contact, no backup
    b.contact(3, true, false, None);
    b.account(4); // nobody
    let e = b.engine(Model::default());
    let text = |id| risk(&e, id, Flag::SingleThreaded).text.to_string();
    assert_eq!(text(1), "single-threaded: no backup contact");
    assert_eq!(text(2), "single-threaded: only one active contact");
    assert_eq!(
        text(3),
        "single-threaded: only one active contact, no backup contact"
    );
    assert_eq!(text(4), "single-threaded: no active contact");
    let m = e.score(AccountId(1)).unwrap().metrics;
    assert_eq!(Flag::SingleThreaded.reason(&m), "no backup contact");
}

#[test]
fn declining_names_only_the_reasons_that_hold() {
    let mut b = B::default();
    b.account(1); // revenue grew a lot, orders fell from 3 to 1
    b.order(1, "2024-01-01", 100);
    for day in ["2025-01-10", "2025-02-10", "2025-03-10"] {
        b.order(1, day, 100);
    }
    b.order(1, "2025-05-10", 136);
    b.account(2); // revenue −21 %, orders steady
    b.order(2, "2024-01-01", 1000);
    b.order(2, "2025-01-01", 790);
    b.account(3); // both
    b.order(3, "2024-01-01", 10_000);
    for day in ["2025-01-10", "2025-02-10", "2025-03-10"] {
        b.order(3, day, 100);
    }
    b.order(3, "2025-05-10", 100);
    let e = b.engine(Model::default());
    assert_eq!(
        &*risk(&e, 1, Flag::Declining).text,
        "declining: orders 1 in 90 days vs 3 before"
    );
    assert_eq!(
        &*risk(&e, 2, Flag::Declining).text,
        "declining: revenue -21% vs previous year"
    );
    assert_eq!(
        &*risk(&e, 3, Flag::Declining).text,
        "declining: revenue -96% vs previous year; orders 1 in 90 days vs 3 before"
    );
}

/// Every change that can move a score gives the engine a new stamp (what
/// the book's prepared list rows are keyed by); reads and clones do not.
#[test]
fn stamp_changes_with_every_edit_and_only_then() {
    let mut b = B::default();
    b.account(1);
    b.account(2);
    b.order(1, "2025-05-01", 100);
    let mut e = b.engine(Model::default());
    let first = e.stamp();
    let _ = e.score(AccountId(1));
    assert_eq!(e.clone().stamp(), first, "a read or clone");
    let mut seen = vec![first];
    let mut changed = |e: &Engine, what: &str| {
        assert!(!seen.contains(&e.stamp()), "{what} kept an old stamp");
        seen.push(e.stamp());
    };
    let mut a = b.accounts[1].clone();
    a.name = "renamed".into();
    e.upsert_account(&a);
    changed(&e, "upsert_account");
    let mut o = Interaction::new(AccountId(2), InteractionKind::Order, d("2025-06-01"));
    o.id = InteractionId(99);
    o.amount = Some(Money::from_units(5));
    e.upsert_interaction(&o);
    changed(&e, "upsert_interaction");
    e.remove_interaction(AccountId(2), InteractionId(99));
    changed(&e, "remove_interaction");
    e.set_as_of(d("2025-07-01"));
    changed(&e, "set_as_of");
    e.set_model(Model::default());
    changed(&e, "set_model");
    e.remove_account(AccountId(2));
    changed(&e, "remove_account");
}

/// A snapshot restores only onto the very accounts it was taken from: one
/// that predates an account, or holds one that has no record, is refused
/// (the book then rebuilds), whether its inputs were loaded before the
/// records were read or with them.
#[test]
fn a_snapshot_that_disagrees_with_the_records_is_refused() {
    let mut b = B::default();
    b.account(1);
    b.account(2);
    b.order(1, "2025-05-01", 100);
    b.order(2, "2025-04-01", 50);
    let e = b.engine(Model::default());
    let inputs = e.all_inputs();
    let restored =
        Engine::restore(Model::default(), d(AS_OF), &b.accounts, inputs.clone()).unwrap();
    assert_eq!(restored.scores(), e.scores());

    let loaded = || Engine::restore_inputs(Model::default(), d(AS_OF), inputs.clone()).unwrap();
    let mut more = b.accounts.clone();
    more.push(Account {
        id: AccountId(3),
        key: "A3".into(),
        ..Account::default()
    });
    assert!(matches!(
        loaded().finish(&more),
        Err(kam::segment::RestoreError::MissingAccount(AccountId(3)))
    ));
    assert!(matches!(
        loaded().finish(&b.accounts[..1]),
        Err(kam::segment::RestoreError::UnknownAccount(AccountId(2)))
    ));
    let twice: Vec<_> = inputs.iter().chain(&inputs[..1]).cloned().collect();
    assert!(matches!(
        Engine::restore_inputs(Model::default(), d(AS_OF), twice),
        Err(kam::segment::RestoreError::Duplicate(AccountId(1)))
    ));
    // Fed in parts, an interaction found in two accounts' inputs (the second
    // part lists account 1's interaction under account 3) is refused once
    // every part is in.
    let mut elsewhere = inputs[0].clone();
    elsewhere.account = AccountId(3);
    let mut r = kam::segment::Restoring::new(Model::default(), d(AS_OF), 3, 3);
    r.add(inputs.clone()).unwrap();
    r.add(vec![elsewhere]).unwrap();
    assert!(matches!(
        r.finish(&more),
        Err(kam::segment::RestoreError::BadEvent(_))
    ));
    // The same parts without the copy restore the engine.
    let mut r = kam::segment::Restoring::new(Model::default(), d(AS_OF), 2, 2);
    r.add(inputs[..1].to_vec()).unwrap();
    r.add(inputs[1..].to_vec()).unwrap();
    assert_eq!(r.finish(&b.accounts).unwrap().scores(), e.scores());
}
