//! One account with everything that hangs off it: status, ratings,
//! profile and tags here; contacts, follow-ups and the timeline from their
//! own modules, all drawn from the account's one stream.

use super::calendar::days_between;
use super::company::company;
use super::names;
use super::people::{contacts, followups};
use super::plan::{Discipline, Plan, Trend};
use super::rng::Rng;
use super::text::{Slots, Voice, say_section};
use super::timeline::TimelineGen;
use super::{DemoAccount, DemoParams};
use crate::domain::{Account, AccountId, AccountStatus, Orientation, Profile, Ratings};
use chrono::{Datelike, NaiveDate};

fn clamp_rating(x: i64) -> u8 {
    x.clamp(0, 5) as u8
}

pub(super) fn build_account(
    p: &DemoParams,
    managers: &[String],
    index: usize,
    plan: &Plan,
    mut r: Rng,
    budget: usize,
) -> DemoAccount {
    let today = p.today;
    let co = company(&mut r);
    // Text is written in the customer's language, mostly.
    let zh = if co.zh { r.chance(0.85) } else { false };
    let owner_ix = r.below(managers.len() as u64) as usize;
    let owner = managers[owner_ix].clone();
    let backup_owner = if r.chance(0.8) && managers.len() > 1 {
        let off = 1 + r.below(managers.len() as u64 - 1) as usize;
        managers[(owner_ix + off) % managers.len()].clone()
    } else {
        String::new()
    };

    let discipline = if plan.disloyal {
        if r.chance(0.5) {
            Discipline::Slow
        } else {
            Discipline::Bad
        }
    } else {
        match r.unit() {
            u if u < 0.75 => Discipline::Good,
            u if u < 0.93 => Discipline::Slow,
            _ => Discipline::Bad,
        }
    };
    let orientation = if plan.disloyal {
        Some(Orientation::Price)
    } else if plan.trend == Trend::Prospect && r.chance(0.5) {
        None
    } else {
        Some(match r.unit() {
            u if u < 0.25 => Orientation::Strategic,
            u if u < 0.65 => Orientation::Price,
            _ => Orientation::Solution,
        })
    };
    let status = match plan.trend {
        Trend::Prospect => AccountStatus::Prospect,
        Trend::Dormant => AccountStatus::Dormant,
        Trend::Churned => AccountStatus::Churned,
        _ => AccountStatus::Active,
    };

    let ratings = ratings(&mut r, plan, discipline, orientation, today);
    let competitor = *r.pick(names::COMPETITORS);
    let voice = Voice {
        zh,
        products: co.industry.products,
        competitor,
        place: co.place,
        since_year: plan.since.year(),
        q: plan.q,
    };
    let profile = {
        let s = voice.slots(&mut r, 0);
        profile(&mut r, zh, plan.q, &s)
    };
    let tags = tags(&mut r, plan, orientation);

    let account = Account {
        id: AccountId(0),
        version: 0,
        key: format!("{}-{:04}", co.key_prefix, index + 1),
        name: co.name.clone(),
        owner: owner.clone(),
        backup_owner: backup_owner.clone(),
        industry: co.industry.label.to_string(),
        region: co.region.to_string(),
        status,
        since: Some(plan.since),
        orientation,
        ratings,
        profile,
        tags,
        pin: None,
    };
    let contacts = contacts(&mut r, &co, plan, today);
    let mut tl = TimelineGen {
        r: &mut r,
        today,
        voice: &voice,
        owner: &owner,
        plan,
        discipline,
        orientation,
    };
    let interactions = tl.timeline(budget);
    let followups = followups(&mut r, zh, plan, &owner, &backup_owner, today);
    DemoAccount {
        account,
        contacts,
        interactions,
        followups,
    }
}

/// Manual 0–5 ratings, correlated with what the account manager sees:
/// growth drives potential, tenure and payment discipline drive loyalty,
/// size and orientation drive strategic fit and technical cooperation.
fn ratings(
    r: &mut Rng,
    plan: &Plan,
    discipline: Discipline,
    orientation: Option<Orientation>,
    today: NaiveDate,
) -> Ratings {
    // Many small accounts have never been rated.
    if plan.q < 0.5 && r.chance(0.4) {
        return Ratings::default();
    }
    let noise = |r: &mut Rng| r.range(-1, 1);
    let potential = match plan.trend {
        Trend::Growing => 4,
        Trend::Prospect | Trend::Onboarding => 3,
        Trend::Stable => 2 + i64::from(plan.q > 0.7),
        Trend::Declining => 2,
        Trend::Dormant => 1,
        Trend::Churned => 0,
    } + noise(r);
    let years = days_between(plan.since, today) / 365;
    let loyalty = if plan.disloyal {
        1
    } else {
        let base = match plan.trend {
            Trend::Churned => 0,
            Trend::Dormant => 1,
            Trend::Prospect | Trend::Onboarding => 2,
            _ => 2 + years.min(6) / 3,
        };
        base + match discipline {
            Discipline::Good => 1,
            Discipline::Slow => 0,
            Discipline::Bad => -1,
        } + noise(r)
    };
    let strategic_fit = 1
        + (plan.q * 3.0) as i64
        + i64::from(orientation == Some(Orientation::Strategic))
        + noise(r);
    let tech = 1 + 2 * i64::from(orientation == Some(Orientation::Solution)) + noise(r);
    Ratings {
        potential: Some(clamp_rating(potential)),
        loyalty: Some(clamp_rating(loyalty)),
        strategic_fit: Some(clamp_rating(strategic_fit)),
        tech_cooperation: Some(clamp_rating(tech)),
    }
}

/// Profile sections: full for the larger accounts, a line or two for the
/// middle, mostly empty for the tail (as in real books).
fn profile(r: &mut Rng, zh: bool, q: f64, s: &Slots) -> Profile {
    let mut pr = Profile::default();
    if q >= 0.7 {
        pr.background = say_section(r, zh, names::BACKGROUND, s);
        pr.organisation = say_section(r, zh, names::ORGANISATION, s);
        pr.competitors = say_section(r, zh, names::COMPETITOR_NOTES, s);
        pr.plans = say_section(r, zh, names::PLANS, s);
        pr.needs = say_section(r, zh, names::NEEDS, s);
        if r.chance(0.5) {
            pr.finance = say_section(r, zh, names::FINANCE, s);
        }
        if r.chance(0.4) {
            pr.suppliers = say_section(r, zh, names::SUPPLIERS, s);
        }
        if r.chance(0.5) {
            pr.downstream = say_section(r, zh, names::DOWNSTREAM, s);
        }
    } else if q >= 0.4 {
        pr.background = say_section(r, zh, names::BACKGROUND, s);
        if r.chance(0.5) {
            pr.needs = say_section(r, zh, names::NEEDS, s);
        }
    } else if r.chance(0.2) {
        pr.background = say_section(r, zh, names::BACKGROUND, s);
    }
    pr
}

fn tags(r: &mut Rng, plan: &Plan, orientation: Option<Orientation>) -> Vec<String> {
    let n = r.below(if plan.q > 0.7 { 4 } else { 3 });
    let mut out: Vec<String> = Vec::new();
    if orientation == Some(Orientation::Price) && r.chance(0.3) {
        out.push("price-sensitive".to_string());
    }
    for _ in 0..n {
        let t = *r.pick(names::TAGS);
        if !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    out
}
