//! One pass over the engine's accounts: each account's facts for the period,
//! added to the team's and its owner's totals.

use super::{ComplaintSla, KpiReport, Kpis, OwnerKpis, Period, TierMove, TierRevenue};
use crate::domain::{AccountId, AccountStatus, InteractionKind, Money};
use crate::segment::engine::{AccState, Engine};
use crate::segment::metrics::{Ev, end_of_day};
use crate::segment::policy;
use chrono::{Days, Months, NaiveDate, TimeDelta};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Sums of one group, turned into `Kpis` at the end.
#[derive(Default)]
struct Acc {
    kpis: Kpis,
    by_tier: HashMap<String, (usize, Money)>,
    satisfaction_sum: u64,
    days_late_sum: i64,
}

/// What one account adds to its groups.
struct Facts {
    tier: String,
    revenue: Money,
    ordered_prev: bool,
    ordered_now: bool,
    new: bool,
    lost: bool,
    cadence: Option<bool>,
    complaints: ComplaintSla,
    surveys: (usize, u64),
    overdue: (Money, usize, i64),
    moves: (usize, usize),
}

impl Acc {
    fn add(&mut self, f: &Facts) {
        let k = &mut self.kpis;
        k.accounts += 1;
        k.revenue += f.revenue;
        let t = self.by_tier.entry(f.tier.clone()).or_default();
        t.0 += 1;
        t.1 += f.revenue;
        k.active_prev += usize::from(f.ordered_prev);
        k.retained += usize::from(f.ordered_prev && f.ordered_now);
        k.new_accounts += usize::from(f.new);
        k.lost_accounts += usize::from(f.lost);
        k.moves_up += f.moves.0;
        k.moves_down += f.moves.1;
        if let Some(kept) = f.cadence {
            k.cadence_accounts += 1;
            k.touched_in_cadence += usize::from(kept);
        }
        let (c, fc) = (&mut k.complaints, &f.complaints);
        c.raised += fc.raised;
        c.resolved_in_time += fc.resolved_in_time;
        c.resolved_late += fc.resolved_late;
        c.open_overdue += fc.open_overdue;
        c.open_in_time += fc.open_in_time;
        k.surveys += f.surveys.0;
        self.satisfaction_sum += f.surveys.1;
        k.overdue += f.overdue.0;
        k.overdue_orders += f.overdue.1;
        self.days_late_sum += f.overdue.2;
    }

    fn finish(mut self, tiers: &[(String, u32)]) -> Kpis {
        let mut k = self.kpis;
        let mut names: Vec<(String, u32)> = tiers.to_vec();
        let mut extra: Vec<&String> = self
            .by_tier
            .keys()
            .filter(|t| !tiers.iter().any(|(n, _)| n == *t))
            .collect();
        extra.sort();
        names.extend(extra.into_iter().map(|t| (t.clone(), u32::MAX)));
        k.tiers = names
            .into_iter()
            .map(|(tier, _)| {
                let (accounts, revenue) = self.by_tier.remove(&tier).unwrap_or_default();
                TierRevenue {
                    share: revenue.ratio(k.revenue).unwrap_or(0.0),
                    tier,
                    accounts,
                    revenue,
                }
            })
            .collect();
        if k.surveys > 0 {
            k.satisfaction = Some(self.satisfaction_sum as f64 / k.surveys as f64);
        }
        if k.overdue_orders > 0 {
            k.avg_days_late = Some(self.days_late_sum as f64 / k.overdue_orders as f64);
        }
        k
    }
}

fn months_before(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(m))
        .unwrap_or(NaiveDate::MIN)
}

/// The facts of one account. `events` sorted by time, as the engine keeps them.
fn facts(
    events: &[Ev],
    st: &AccState,
    tier: String,
    policy: Option<&crate::segment::TierPolicy>,
    p: &Period,
    moves: (usize, usize),
) -> Facts {
    let prev = p.previous();
    let day_before = prev.to;
    let end = end_of_day(p.to);
    let mut f = Facts {
        tier,
        revenue: Money::ZERO,
        ordered_prev: false,
        ordered_now: false,
        new: false,
        lost: false,
        cadence: None,
        complaints: ComplaintSla::default(),
        surveys: (0, 0),
        overdue: (Money::ZERO, 0, 0),
        moves,
    };
    let mut first_order: Option<NaiveDate> = None;
    let mut last_order_before: Option<NaiveDate> = None;
    let mut last_touch: Option<NaiveDate> = None;
    // Complaints FIFO, as the metrics close them: (raised at, in period).
    let mut open: VecDeque<(chrono::DateTime<chrono::Utc>, bool)> = VecDeque::new();
    let resolve = TimeDelta::hours(i64::from(policy.map_or(48, |t| t.resolve_hours)));
    for e in events {
        let day = e.day();
        match e.kind {
            InteractionKind::Order => {
                first_order.get_or_insert(day);
                if p.contains(day) {
                    f.revenue += e.amount().unwrap_or(Money::ZERO);
                    f.ordered_now = true;
                } else if prev.contains(day) {
                    f.ordered_prev = true;
                }
                if day < p.from {
                    last_order_before = Some(day);
                }
                if day <= p.to
                    && let Some(due) = e.due
                    && due < p.to
                    && e.paid_at.is_none_or(|paid| paid > p.to)
                {
                    f.overdue.0 += e.amount().unwrap_or(Money::ZERO);
                    f.overdue.1 += 1;
                    f.overdue.2 += (p.to - due).num_days();
                }
            }
            InteractionKind::Survey if p.contains(day) => {
                if let Some(s) = e.satisfaction {
                    f.surveys.0 += 1;
                    f.surveys.1 += u64::from(s);
                }
            }
            InteractionKind::Complaint => {
                let inside = p.contains(day);
                f.complaints.raised += usize::from(inside);
                open.push_back((e.at(), inside));
            }
            InteractionKind::Resolution => {
                if let Some((at, true)) = open.pop_front() {
                    if e.at() - at <= resolve {
                        f.complaints.resolved_in_time += 1;
                    } else {
                        f.complaints.resolved_late += 1;
                    }
                }
            }
            k if k.is_touch() && day <= p.to => {
                last_touch = Some(day);
            }
            _ => {}
        }
    }
    for (at, inside) in open {
        if !inside {
            continue;
        }
        if end - at > resolve {
            f.complaints.open_overdue += 1;
        } else {
            f.complaints.open_in_time += 1;
        }
    }
    f.new = first_order.is_some_and(|d| p.contains(d));
    // Active = an order in the trailing 12 months (as the metrics define it).
    let active_before = last_order_before.is_some_and(|d| d > months_before(day_before, 12));
    let active_at_end =
        f.ordered_now || last_order_before.is_some_and(|d| d > months_before(p.to, 12));
    f.lost = active_before && !active_at_end;
    if !matches!(st.status, AccountStatus::Churned | AccountStatus::Archived) {
        let days = policy::cadence(policy.map_or(90, |t| t.cadence_days), st.since, p.to);
        let within = |d: NaiveDate| {
            d.checked_add_days(Days::new(u64::from(days)))
                .is_none_or(|due| due >= p.to)
        };
        // Never touched: within the cadence only while it runs from `since`.
        f.cadence = Some(match (last_touch, st.since) {
            (Some(t), _) => within(t),
            (None, Some(s)) => s <= p.to && within(s),
            (None, None) => false,
        });
    }
    f
}

impl Engine {
    /// The KPIs of `period` for everyone, or for `owner`'s accounts.
    /// `moves` are the tier moves the timeline recorded in the period.
    pub fn kpi_report(&self, period: Period, owner: Option<&str>, moves: &[TierMove]) -> KpiReport {
        let model = &self.model;
        let rank = |t: &str| model.tier(t).map(|p| p.priority);
        let mut moved: HashMap<AccountId, (usize, usize)> = HashMap::new();
        for m in moves.iter().filter(|m| period.contains(m.day)) {
            let e = moved.entry(m.account).or_default();
            match (rank(&m.from), rank(&m.to)) {
                (Some(a), Some(b)) if b < a => e.0 += 1,
                (Some(a), Some(b)) if b > a => e.1 += 1,
                _ => {}
            }
        }
        let mut team = Acc::default();
        let mut owners: BTreeMap<String, Acc> = BTreeMap::new();
        for (id, st) in self.accounts.iter().filter(|(_, s)| s.known) {
            if owner.is_some_and(|o| *o != *st.owner) {
                continue;
            }
            let tier = self.effective_tier(st);
            let policy = model.tier(&tier).or_else(|| model.tiers.get(st.tier));
            let moves = moved.get(id).copied().unwrap_or_default();
            let f = st
                .events
                .with_unpacked(|evs| facts(evs, st, tier, policy, &period, moves));
            team.add(&f);
            owners.entry(st.owner.to_string()).or_default().add(&f);
        }
        let mut tiers: Vec<(String, u32)> = model
            .tiers
            .iter()
            .map(|t| (t.name.clone(), t.priority))
            .collect();
        tiers.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        KpiReport {
            period,
            previous: period.previous(),
            model: model.name.clone(),
            key_tier: tiers.first().map(|t| t.0.clone()),
            owner: owner.map(str::to_string),
            team: team.finish(&tiers),
            owners: owners
                .into_iter()
                .map(|(owner, acc)| OwnerKpis {
                    owner,
                    kpis: acc.finish(&tiers),
                })
                .collect(),
        }
    }

    /// Accounts with a system (tier move) entry in `period`: the only ones
    /// whose timeline the book must read for the moves.
    pub fn accounts_with_moves(&self, period: Period) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self
            .accounts
            .iter()
            .filter(|(_, s)| {
                s.known
                    && s.events
                        .iter()
                        .any(|e| e.kind == InteractionKind::System && period.contains(e.day()))
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    }
}
