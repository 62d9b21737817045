//! The timeline: orders and payments, complaints and their resolutions,
//! and the everyday touches, spread over the account's history.

use super::calendar::{HISTORY_DAYS, add_days, days_between};
use super::names;
use super::plan::{Discipline, Plan, Trend};
use super::rng::Rng;
use super::text::Voice;
use crate::domain::{AccountId, Interaction, InteractionKind, Money, Orientation};
use chrono::{NaiveDate, NaiveTime, TimeDelta};

/// Share of the interaction budget spent on orders.
const ORDER_SHARE: f64 = 0.36;

pub(super) struct TimelineGen<'a> {
    pub(super) r: &'a mut Rng,
    pub(super) today: NaiveDate,
    pub(super) voice: &'a Voice,
    pub(super) owner: &'a str,
    pub(super) plan: &'a Plan,
    pub(super) discipline: Discipline,
    pub(super) orientation: Option<Orientation>,
}

impl TimelineGen<'_> {
    fn entry(&mut self, kind: InteractionKind, day: NaiveDate) -> Interaction {
        let mut it = Interaction::new(AccountId(0), kind, day);
        let minutes = self.r.range(8 * 60, 18 * 60);
        it.at = day
            .and_time(
                NaiveTime::from_hms_opt((minutes / 60) as u32, (minutes % 60) as u32, 0)
                    .unwrap_or(NaiveTime::MIN),
            )
            .and_utc();
        it.author = self.owner.to_string();
        it
    }

    /// A day in [from, to], uniform.
    fn day_in(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        add_days(from, self.r.range(0, days_between(from, to).max(0)))
    }

    /// Exactly `budget` interactions, oldest first.
    pub(super) fn timeline(&mut self, budget: usize) -> Vec<Interaction> {
        let today = self.today;
        let start = add_days(today, -HISTORY_DAYS).max(self.plan.since);
        // Lapsed accounts stopped ordering more than a year ago.
        let order_end = match self.plan.trend {
            Trend::Dormant | Trend::Churned => {
                add_days(today, -365 - self.r.range(10, 200)).max(start)
            }
            _ => today,
        };
        let touch_end = match self.plan.trend {
            Trend::Churned => add_days(order_end, self.r.range(20, 90)).min(today),
            _ => today,
        };
        let mut rem = budget;
        let mut out: Vec<Interaction> = Vec::with_capacity(budget);

        let n_orders = if self.plan.trend == Trend::Prospect {
            0
        } else {
            self.r.round(budget as f64 * ORDER_SHARE).min(rem)
        };
        rem -= n_orders;
        let paid = self.orders(n_orders, start, order_end, &mut out);

        let complaint_rate = if self.plan.disloyal || self.discipline == Discipline::Bad {
            0.07
        } else {
            0.03
        };
        let mut n_complaints = self.r.round(rem as f64 * complaint_rate);
        // A few accounts have a fresh complaint, so SLAs show on the agenda.
        let fresh = self.plan.trend != Trend::Prospect && self.r.chance(0.04);
        n_complaints += usize::from(fresh);
        let n_complaints = n_complaints.min(rem / 2);
        let used = self.complaints(n_complaints, fresh, start, touch_end, &mut out);
        rem -= used;

        for (day, amount, po) in paid {
            if rem == 0 {
                break;
            }
            if self.r.chance(0.35) {
                let mut it = self.entry(InteractionKind::Payment, day);
                it.amount = Some(amount);
                it.summary = if self.voice.zh {
                    format!("收到PO-{po}货款")
                } else {
                    format!("Payment received for PO-{po}")
                };
                out.push(it);
                rem -= 1;
            }
        }

        for _ in 0..rem {
            let it = self.touch(start, touch_end);
            out.push(it);
        }
        out.sort_by_key(|i| i.at);
        out
    }

    /// Orders with amounts following the account's revenue and trajectory,
    /// due 30–60 days after, paid per the account's payment discipline.
    /// Returns the paid ones (paid day, amount, PO number) for payments.
    fn orders(
        &mut self,
        n: usize,
        start: NaiveDate,
        end: NaiveDate,
        out: &mut Vec<Interaction>,
    ) -> Vec<(NaiveDate, Money, u64)> {
        let mut paid = Vec::new();
        if n == 0 {
            return paid;
        }
        let today = self.today;
        let span = days_between(start, end).max(1);
        // Revenue over the order span, spread over the orders.
        let per_order = self.plan.revenue * span as f64 / 365.0 / n as f64;
        let margin_bp: (i64, i64) = match self.orientation {
            Some(Orientation::Price) => (500, 1500),
            Some(Orientation::Solution) => (2000, 4000),
            _ => (1200, 3000),
        };
        let mut days: Vec<NaiveDate> = (0..n)
            .map(|_| {
                let offset = match self.plan.trend {
                    // Density rising towards today: about 1.7× the orders
                    // of the year before.
                    Trend::Growing => (span as f64 * self.r.unit().powf(0.7)) as i64,
                    Trend::Declining => {
                        let mut d = self.r.range(0, span);
                        if d > span - 180 && self.r.chance(0.75) {
                            d = self.r.range(0, (span - 180).max(0));
                        }
                        d
                    }
                    _ => self.r.range(0, span),
                };
                add_days(start, offset.min(span))
            })
            .collect();
        // Active accounts ordered within the last year (lapsing is what
        // Dormant and Churned are for); declining ones not in the last 6 months.
        let year_ago = add_days(today, -364);
        let last_ok = |d: &NaiveDate| *d >= year_ago;
        if matches!(
            self.plan.trend,
            Trend::Stable | Trend::Growing | Trend::Declining
        ) && !days.iter().any(last_ok)
            && let Some(d) = days.last_mut()
        {
            let recent_end = if self.plan.trend == Trend::Declining {
                180
            } else {
                0
            };
            *d = add_days(today, -self.r.range(recent_end, 364)).max(start);
        }
        // PO numbers rise with the date, as in a real ERP.
        days.sort_unstable();
        let mut po = 4_500_000 + self.r.below(400_000);
        for day in days {
            let factor = 0.55 + 0.9 * self.r.unit();
            let cents = (per_order * factor * 100.0).round().max(100.0) as i64;
            let amount = Money::from_cents(cents);
            let bp = self.r.range(margin_bp.0, margin_bp.1).clamp(500, 4000);
            let margin = Money::from_cents(cents * bp / 10_000);
            let terms = *self.r.pick(&[30i64, 45, 60]);
            let due = add_days(day, terms);
            let recent = days_between(day, today) < 365;
            let (on_time, late) = match self.discipline {
                Discipline::Good => (0.92, 0.06),
                Discipline::Slow => (0.55, 0.40),
                Discipline::Bad => (0.35, 0.40),
            };
            let u = self.r.unit();
            let paid_on = if u < on_time {
                Some(add_days(day, self.r.range(10, terms)))
            } else if u < on_time + late || !recent {
                // Old invoices end up paid, if late.
                let max_late = if self.discipline == Discipline::Bad {
                    120
                } else {
                    60
                };
                Some(add_days(due, self.r.range(1, max_late)))
            } else {
                None
            };
            // Nothing paid in the future: a later date means still open.
            let paid_at = paid_on.filter(|d| *d <= today);
            po += 1 + self.r.below(40);
            let s = self.voice.slots(self.r, po);
            let qty = 1 + self.r.below(if self.plan.q > 0.8 { 200 } else { 40 });
            let mut it = self.entry(InteractionKind::Order, day);
            it.amount = Some(amount);
            it.margin = Some(margin);
            it.due = Some(due);
            it.paid_at = paid_at;
            it.summary = if self.voice.zh {
                format!("订单PO-{po}：{}，{qty}件", s.product)
            } else {
                format!("PO-{po}: {qty} × {}", s.product)
            };
            if let Some(d) = paid_at {
                paid.push((d, amount, po));
            }
            out.push(it);
        }
        paid
    }

    /// Complaints, each resolved by a later `resolution` entry unless it is
    /// recent. Once one is left open every later one is too, so matching
    /// resolutions to complaints oldest-first is always right. Returns the
    /// number of entries written (at most `2 * n`).
    fn complaints(
        &mut self,
        n: usize,
        fresh: bool,
        start: NaiveDate,
        end: NaiveDate,
        out: &mut Vec<Interaction>,
    ) -> usize {
        if n == 0 {
            return 0;
        }
        let today = self.today;
        let mut days: Vec<NaiveDate> = (0..n).map(|_| self.day_in(start, end)).collect();
        if fresh && end == today {
            days[n - 1] = add_days(today, -self.r.range(0, 6)).max(start);
        }
        days.sort();
        let mut used = 0;
        let mut open = false;
        let mut last_resolution = start;
        for day in days {
            let mut c = self.entry(InteractionKind::Complaint, day);
            c.summary = self.voice.say(self.r, names::COMPLAINTS);
            let complaint_at = c.at;
            let subject = c.summary.clone();
            out.push(c);
            used += 1;
            if !open && days_between(day, today) <= 21 && self.r.chance(0.6) {
                open = true;
            }
            if open {
                continue;
            }
            // Most within the 48 h SLA, some well after.
            let delay = if self.r.chance(0.7) {
                self.r.range(0, 2)
            } else {
                self.r.range(3, 10)
            };
            let res_day = add_days(day, delay).max(last_resolution);
            if res_day > today {
                open = true;
                continue;
            }
            last_resolution = res_day;
            let mut res = self.entry(InteractionKind::Resolution, res_day);
            if res.at <= complaint_at {
                res.at = complaint_at + TimeDelta::hours(self.r.range(1, 5));
            }
            let what = self.voice.say(self.r, names::RESOLUTIONS);
            res.summary = if self.voice.zh {
                format!("{what}（{subject}）")
            } else {
                format!("{what} (re: {subject})")
            };
            out.push(res);
            used += 1;
        }
        used
    }

    /// A direct touch, survey or note, somewhere in [start, end].
    fn touch(&mut self, start: NaiveDate, end: NaiveDate) -> Interaction {
        use InteractionKind::*;
        let weights: &[(InteractionKind, u32)] = match self.plan.trend {
            Trend::Prospect => &[
                (Visit, 15),
                (Call, 35),
                (Email, 35),
                (Meeting, 5),
                (Note, 10),
            ],
            // Onboarding: weekly contact, more visits and meetings.
            Trend::Onboarding => &[
                (Visit, 25),
                (Call, 25),
                (Email, 25),
                (Meeting, 15),
                (Survey, 2),
                (Note, 8),
            ],
            _ => &[
                (Visit, 16),
                (Call, 30),
                (Email, 28),
                (Meeting, 10),
                (Survey, 6),
                (Note, 10),
            ],
        };
        let total: u32 = weights.iter().map(|w| w.1).sum();
        let mut roll = self.r.below(u64::from(total)) as u32;
        let mut kind = Note;
        for (k, w) in weights {
            if roll < *w {
                kind = *k;
                break;
            }
            roll -= w;
        }
        let day = self.day_in(start, end);
        let mut it = self.entry(kind, day);
        let list = match kind {
            Visit => names::VISITS,
            Call => names::CALLS,
            Email => names::EMAILS,
            Meeting => names::MEETINGS,
            Survey => names::SURVEYS,
            _ => names::NOTES,
        };
        it.summary = self.voice.say(self.r, list);
        if kind == Survey {
            let base = if self.plan.disloyal {
                2.0
            } else {
                match self.discipline {
                    Discipline::Good => 4.0,
                    Discipline::Slow => 3.3,
                    Discipline::Bad => 2.5,
                }
            };
            let s = (base + self.r.unit() * 2.0 - 1.0).round() as i64;
            it.satisfaction = Some(s.clamp(1, 5) as u8);
        }
        if kind.is_touch() && days_between(day, self.today) <= 21 && self.r.chance(0.35) {
            it.follow_up = Some(add_days(day, self.r.range(3, 21)));
        }
        it
    }
}
