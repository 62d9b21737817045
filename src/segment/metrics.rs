//! Derived metrics of one account as of a date (DESIGN.md §1, brief §1).
//! Interactions after the as-of date are ignored.

use crate::domain::{Contact, ContactId, Interaction, InteractionId, InteractionKind, Money};
use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, Timelike, Utc};

/// What the engine keeps of an interaction: no text, only what metrics need.
///
/// Packed to 48 bytes (the plain field list took 72): the engine holds one
/// per interaction, a million at 100k accounts. The time is kept as its day
/// and second of the day, which is what the store keeps (whole seconds) and
/// orders as the time does; money is kept without `Option`'s padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ev {
    pub id: InteractionId,
    amount: i64,
    margin: i64,
    day: NaiveDate,
    second: u32,
    pub due: Option<NaiveDate>,
    pub paid_at: Option<NaiveDate>,
    pub follow_up: Option<NaiveDate>,
    pub satisfaction: Option<u8>,
    pub kind: InteractionKind,
    /// Which of `amount` and `margin` are given (`HAS_AMOUNT`, `HAS_MARGIN`).
    money: u8,
}

const HAS_AMOUNT: u8 = 1;
const HAS_MARGIN: u8 = 2;

impl Ev {
    pub fn from_interaction(i: &Interaction) -> Ev {
        let (day, second) = (i.at.date_naive(), i.at.time().num_seconds_from_midnight());
        Ev {
            id: i.id,
            amount: i.amount.map_or(0, Money::cents),
            margin: i.margin.map_or(0, Money::cents),
            day,
            second,
            due: i.due,
            paid_at: i.paid_at,
            follow_up: i.follow_up,
            satisfaction: i.satisfaction,
            kind: i.kind,
            money: if i.amount.is_some() { HAS_AMOUNT } else { 0 }
                | if i.margin.is_some() { HAS_MARGIN } else { 0 },
        }
    }

    /// An event from its parts (as `PackedEvents` keeps them): dates are
    /// due, paid, follow-up.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn from_parts(
        id: InteractionId,
        kind: InteractionKind,
        day: NaiveDate,
        second: u32,
        amount: Option<i64>,
        margin: Option<i64>,
        [due, paid_at, follow_up]: [Option<NaiveDate>; 3],
        satisfaction: Option<u8>,
    ) -> Ev {
        Ev {
            id,
            amount: amount.unwrap_or(0),
            margin: margin.unwrap_or(0),
            day,
            second,
            due,
            paid_at,
            follow_up,
            satisfaction,
            kind,
            money: if amount.is_some() { HAS_AMOUNT } else { 0 }
                | if margin.is_some() { HAS_MARGIN } else { 0 },
        }
    }

    /// The second of its day.
    pub(super) fn second(&self) -> u32 {
        self.second
    }

    /// When it happened, to the second (the store keeps no fraction).
    pub fn at(&self) -> DateTime<Utc> {
        let time =
            NaiveTime::from_num_seconds_from_midnight_opt(self.second, 0).unwrap_or(NaiveTime::MIN);
        self.day.and_time(time).and_utc()
    }

    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// The engine's order of events: by time, then id.
    pub fn order_key(&self) -> (NaiveDate, u32, InteractionId) {
        (self.day, self.second, self.id)
    }

    pub fn amount(&self) -> Option<Money> {
        (self.money & HAS_AMOUNT != 0).then(|| Money::from_cents(self.amount))
    }

    pub fn margin(&self) -> Option<Money> {
        (self.money & HAS_MARGIN != 0).then(|| Money::from_cents(self.margin))
    }
}

/// What the engine keeps of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContactLite {
    pub id: ContactId,
    pub primary: bool,
    pub backup: bool,
    pub left_at: Option<NaiveDate>,
}

impl ContactLite {
    pub fn from_contact(c: &Contact) -> ContactLite {
        ContactLite {
            id: c.id,
            primary: c.primary,
            backup: c.backup,
            left_at: c.left_at,
        }
    }

    fn is_active(&self, day: NaiveDate) -> bool {
        self.left_at.is_none_or(|d| d > day)
    }
}

/// Derived figures of one account as of a date.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    /// At least one order in the trailing 12 months.
    pub active: bool,
    /// Orders in (as_of − 12 months, as_of].
    pub revenue_12m: Money,
    pub margin_12m: Money,
    pub orders_12m: u32,
    /// Orders in (as_of − 24 months, as_of − 12 months].
    pub revenue_prev_12m: Money,
    /// (revenue_12m − prev) / prev; `None` when prev is 0.
    pub growth: Option<f64>,
    pub last_order: Option<NaiveDate>,
    /// Last visit, call, meeting or email.
    pub last_touch: Option<NaiveDate>,
    /// Days since the last order.
    pub recency_days: Option<i64>,
    /// Orders due before the as-of date and not paid by it.
    pub overdue_amount: Money,
    /// Days since the oldest unpaid due date.
    pub overdue_days: Option<i64>,
    /// Complaints not closed by a later resolution (FIFO).
    pub open_complaints: u32,
    /// Age of the oldest open complaint at the end of the as-of day.
    pub oldest_complaint_hours: Option<i64>,
    /// Mean of the last 3 survey scores (1–5).
    pub satisfaction: Option<f64>,
    /// Contacts still with the customer.
    pub active_contacts: u32,
    /// An active contact marked as backup exists.
    pub has_backup: bool,
    /// When the (most recently departed) primary contact left, if one has.
    pub primary_left: Option<NaiveDate>,
    /// Orders in the last 90 days and in the 90 days before.
    pub orders_90d: u32,
    pub orders_prev_90d: u32,
}

/// Start of the day after `d`, UTC: "the end of the as-of day".
pub(crate) fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    d.checked_add_days(Days::new(1))
        .unwrap_or(d)
        .and_time(NaiveTime::MIN)
        .and_utc()
}

fn months_before(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(m))
        .unwrap_or(NaiveDate::MIN)
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

/// Events up to and including `as_of` (events are sorted by time).
pub(crate) fn upto(events: &[Ev], as_of: NaiveDate) -> &[Ev] {
    // The end of the as-of day; at the last representable day, its start
    // (as `end_of_day` has it).
    let n = match as_of.succ_opt() {
        Some(_) => events.partition_point(|e| e.day <= as_of),
        None => events.partition_point(|e| e.day < as_of),
    };
    &events[..n]
}

/// Open complaints in FIFO order: each resolution closes the oldest open one.
pub(crate) fn open_complaints(events: &[Ev], as_of: NaiveDate) -> Vec<Ev> {
    let mut open = std::collections::VecDeque::new();
    for e in upto(events, as_of) {
        match e.kind {
            InteractionKind::Complaint => open.push_back(*e),
            InteractionKind::Resolution => {
                open.pop_front();
            }
            _ => {}
        }
    }
    open.into()
}

impl Metrics {
    /// `events` must be sorted by `(at, id)`.
    pub(crate) fn compute(events: &[Ev], contacts: &[ContactLite], as_of: NaiveDate) -> Metrics {
        let y1 = months_before(as_of, 12);
        let y2 = months_before(as_of, 24);
        let d90 = days_before(as_of, 90);
        let d180 = days_before(as_of, 180);
        let mut m = Metrics::default();
        let mut oldest_due: Option<NaiveDate> = None;
        let mut surveys: [Option<u8>; 3] = [None; 3];
        let evs = upto(events, as_of);
        for e in evs {
            let day = e.day();
            match e.kind {
                InteractionKind::Order => {
                    let amount = e.amount().unwrap_or(Money::ZERO);
                    if day > y1 {
                        m.revenue_12m += amount;
                        m.margin_12m += e.margin().unwrap_or(Money::ZERO);
                        m.orders_12m += 1;
                    } else if day > y2 {
                        m.revenue_prev_12m += amount;
                    }
                    if day > d90 {
                        m.orders_90d += 1;
                    } else if day > d180 {
                        m.orders_prev_90d += 1;
                    }
                    m.last_order = Some(m.last_order.map_or(day, |l| l.max(day)));
                    if let Some(due) = e.due
                        && due < as_of
                        && e.paid_at.is_none_or(|p| p > as_of)
                    {
                        m.overdue_amount += amount;
                        oldest_due = Some(oldest_due.map_or(due, |o| o.min(due)));
                    }
                }
                InteractionKind::Survey => {
                    if let Some(s) = e.satisfaction {
                        surveys = [surveys[1], surveys[2], Some(s)];
                    }
                }
                k if k.is_touch() => {
                    m.last_touch = Some(m.last_touch.map_or(day, |l| l.max(day)));
                }
                _ => {}
            }
        }
        m.active = m.orders_12m > 0;
        m.growth = m.revenue_12m.checked_growth(m.revenue_prev_12m);
        m.recency_days = m.last_order.map(|d| (as_of - d).num_days());
        m.overdue_days = oldest_due.map(|d| (as_of - d).num_days());
        // FIFO: resolutions close the oldest complaints, so the open ones are
        // the complaints after the first `closed`.
        let (mut complaints, mut closed) = (0u32, 0u32);
        for e in evs {
            match e.kind {
                InteractionKind::Complaint => complaints += 1,
                InteractionKind::Resolution if closed < complaints => closed += 1,
                _ => {}
            }
        }
        m.open_complaints = complaints - closed;
        if m.open_complaints > 0 {
            m.oldest_complaint_hours = evs
                .iter()
                .filter(|e| e.kind == InteractionKind::Complaint)
                .nth(closed as usize)
                .map(|c| (end_of_day(as_of) - c.at()).num_hours());
        }
        let (sum, n) = surveys
            .iter()
            .flatten()
            .fold((0.0, 0u32), |(s, n), &v| (s + f64::from(v), n + 1));
        if n > 0 {
            m.satisfaction = Some(sum / f64::from(n));
        }
        for c in contacts {
            if c.is_active(as_of) {
                m.active_contacts += 1;
                m.has_backup |= c.backup;
            } else if c.primary
                && let Some(left) = c.left_at
            {
                m.primary_left = Some(m.primary_left.map_or(left, |p| p.max(left)));
            }
        }
        m
    }
}

/// Growth as a ratio, kept next to metrics because money must not become f64
/// before the division.
trait Growth {
    fn checked_growth(self, prev: Money) -> Option<f64>;
}

impl Growth for Money {
    fn checked_growth(self, prev: Money) -> Option<f64> {
        (self - prev).ratio(prev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountId;

    fn interaction(at: &str, amount: Option<i64>, margin: Option<i64>) -> Interaction {
        let mut i = Interaction::new(
            AccountId(1),
            InteractionKind::Order,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        );
        i.at = DateTime::parse_from_rfc3339(at).unwrap().to_utc();
        i.amount = amount.map(Money::from_cents);
        i.margin = margin.map(Money::from_cents);
        i
    }

    #[test]
    fn an_event_keeps_what_the_store_keeps_in_48_bytes() {
        // The engine holds one per interaction: its size is the engine's.
        assert!(
            std::mem::size_of::<Ev>() <= 48,
            "{}",
            std::mem::size_of::<Ev>()
        );
        let i = interaction("2026-03-04T23:59:59.75Z", Some(0), None);
        let e = Ev::from_interaction(&i);
        // Whole seconds, as the store keeps the time.
        assert_eq!(e.at().to_rfc3339(), "2026-03-04T23:59:59+00:00");
        assert_eq!(e.day(), NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
        // A zero amount is an amount; a missing margin stays missing.
        assert_eq!((e.amount(), e.margin()), (Some(Money::ZERO), None));
        let e = Ev::from_interaction(&interaction("2026-03-04T00:00:00Z", None, Some(-5)));
        assert_eq!(
            (e.amount(), e.margin()),
            (None, Some(Money::from_cents(-5)))
        );
        let extreme = Ev::from_interaction(&interaction(
            "2026-03-04T00:00:00Z",
            Some(i64::MIN),
            Some(i64::MAX),
        ));
        assert_eq!(
            (extreme.amount(), extreme.margin()),
            (
                Some(Money::from_cents(i64::MIN)),
                Some(Money::from_cents(i64::MAX))
            )
        );
    }

    #[test]
    fn events_order_as_their_times_then_ids() {
        let times = [
            "2026-03-04T10:00:00Z",
            "2026-03-04T09:59:59Z",
            "2026-03-03T23:59:59Z",
            "2026-03-05T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ];
        let mut evs: Vec<Ev> = times
            .iter()
            .enumerate()
            .map(|(n, t)| {
                let mut i = interaction(t, None, None);
                i.id = InteractionId(10 - n as u64);
                Ev::from_interaction(&i)
            })
            .collect();
        evs.push(Ev::from_interaction(&interaction(times[0], None, None)));
        let mut by_time = evs.clone();
        by_time.sort_by_key(|e| (e.at(), e.id));
        evs.sort_by_key(Ev::order_key);
        assert_eq!(evs, by_time);
    }
}
