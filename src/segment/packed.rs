//! One account's events, packed: what the engine keeps of a million
//! interactions.
//!
//! An `Ev` is 48 bytes; most of it is zeros and repeats (no margin, no due
//! date, a day close to the one before). Packed, an event takes about a
//! quarter of that: each field is a variable-length number, times and ids
//! as differences from the event before, the other dates from its own day,
//! and absent fields not at all. An edit unpacks the account's few events,
//! changes them and packs them again; scoring reads them unpacked.

use super::metrics::Ev;
use crate::domain::{InteractionId, InteractionKind};
use chrono::{Datelike, NaiveDate};

/// Sorted by `Ev::order_key`, as the engine reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PackedEvents(Box<[u8]>);

thread_local! {
    static PACKING: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    static UNPACKED: std::cell::RefCell<Vec<Ev>> = const { std::cell::RefCell::new(Vec::new()) };
}

const AMOUNT: u8 = 1;
const MARGIN: u8 = 2;
const DUE: u8 = 4;
const PAID: u8 = 8;
const FOLLOW_UP: u8 = 16;
const SATISFACTION: u8 = 32;

impl PackedEvents {
    /// `events` must be sorted by `Ev::order_key` (debug-checked).
    pub fn pack(events: &[Ev]) -> PackedEvents {
        debug_assert!(events.is_sorted_by_key(Ev::order_key));
        if events.is_empty() {
            return PackedEvents::default();
        }
        // Packed into this thread's buffer, then copied out at its size: a
        // load packs 100k accounts, and one buffer serves them all.
        PACKING.with(|buf| match buf.try_borrow_mut() {
            Ok(mut out) => {
                out.clear();
                Self::pack_into(events, &mut out);
                let packed = PackedEvents(Box::from(&out[..]));
                if out.capacity() > 1 << 16 {
                    *out = Vec::new();
                }
                packed
            }
            Err(_) => {
                let mut out = Vec::new();
                Self::pack_into(events, &mut out);
                PackedEvents(out.into_boxed_slice())
            }
        })
    }

    fn pack_into(events: &[Ev], out: &mut Vec<u8>) {
        put(out, events.len() as u64);
        let mut prev = Prev::default();
        for e in events {
            let day = days(e.day());
            let flags = flag(e.amount().is_some(), AMOUNT)
                | flag(e.margin().is_some(), MARGIN)
                | flag(e.due.is_some(), DUE)
                | flag(e.paid_at.is_some(), PAID)
                | flag(e.follow_up.is_some(), FOLLOW_UP)
                | flag(e.satisfaction.is_some(), SATISFACTION);
            out.push(flags);
            out.push(kind_index(e.kind));
            put_signed(out, day - prev.day);
            put(out, u64::from(e.second()));
            put_signed(out, e.id.0.wrapping_sub(prev.id) as i64);
            if let Some(m) = e.amount() {
                put_signed(out, m.cents());
            }
            if let Some(m) = e.margin() {
                put_signed(out, m.cents());
            }
            for d in [e.due, e.paid_at, e.follow_up].into_iter().flatten() {
                put_signed(out, days(d) - day);
            }
            if let Some(s) = e.satisfaction {
                out.push(s);
            }
            prev = Prev { day, id: e.id.0 };
        }
    }

    pub fn len(&self) -> usize {
        Reader(&self.0).number().unwrap_or(0) as usize
    }

    /// Oldest first.
    pub fn iter(&self) -> Iter<'_> {
        let mut r = Reader(&self.0);
        let left = r.number().unwrap_or(0) as usize;
        Iter {
            r,
            left,
            prev: Prev::default(),
        }
    }

    pub fn to_vec(&self) -> Vec<Ev> {
        let mut v = Vec::with_capacity(self.len());
        v.extend(self.iter());
        v
    }

    /// `f` of the events unpacked into this thread's buffer: scoring every
    /// account unpacks them all, into one buffer rather than 100k.
    pub fn with_unpacked<R>(&self, f: impl FnOnce(&[Ev]) -> R) -> R {
        UNPACKED.with(|buf| match buf.try_borrow_mut() {
            Ok(mut evs) => {
                evs.clear();
                evs.extend(self.iter());
                let r = f(&evs);
                // A large account's events are not held on to.
                if evs.capacity() > 4096 {
                    *evs = Vec::new();
                }
                r
            }
            // Asked again from inside `f`: a buffer of its own.
            Err(_) => f(&self.to_vec()),
        })
    }

    /// Bytes held.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.0.len()
    }
}

fn flag(on: bool, bit: u8) -> u8 {
    if on { bit } else { 0 }
}

fn days(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

fn kind_index(k: InteractionKind) -> u8 {
    InteractionKind::ALL
        .iter()
        .position(|x| *x == k)
        .unwrap_or(0) as u8
}

#[derive(Default, Clone, Copy)]
struct Prev {
    day: i64,
    id: u64,
}

/// LEB128: seven bits a byte, low first.
fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Zigzag first, so that small negative numbers stay short.
fn put_signed(out: &mut Vec<u8>, n: i64) {
    put(out, ((n << 1) ^ (n >> 63)) as u64);
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn number(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn signed(&mut self) -> Option<i64> {
        let z = self.number()?;
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn date(&mut self, day: i64) -> Option<NaiveDate> {
        let d = i32::try_from(day.checked_add(self.signed()?)?).ok()?;
        NaiveDate::from_num_days_from_ce_opt(d)
    }
}

/// `Some(None)` when a field is absent (`on` false); when present, what
/// `read` reads, or None if it cannot.
fn when<T>(on: bool, read: impl FnOnce() -> Option<T>) -> Option<Option<T>> {
    if on { read().map(Some) } else { Some(None) }
}

/// Unpacks one event at a time. The bytes are only ever made by `pack`, so
/// they always read back; were they cut short, the events end there.
pub(crate) struct Iter<'a> {
    r: Reader<'a>,
    left: usize,
    prev: Prev,
}

impl Iter<'_> {
    fn next_event(&mut self) -> Option<Ev> {
        let flags = self.r.byte()?;
        let kind = *InteractionKind::ALL.get(usize::from(self.r.byte()?))?;
        let day = self.prev.day.checked_add(self.r.signed()?)?;
        let second = u32::try_from(self.r.number()?).ok()?;
        let id = self.prev.id.wrapping_add(self.r.signed()? as u64);
        let on = |bit| flags & bit != 0;
        let amount = when(on(AMOUNT), || self.r.signed())?;
        let margin = when(on(MARGIN), || self.r.signed())?;
        let due = when(on(DUE), || self.r.date(day))?;
        let paid_at = when(on(PAID), || self.r.date(day))?;
        let follow_up = when(on(FOLLOW_UP), || self.r.date(day))?;
        let satisfaction = when(on(SATISFACTION), || self.r.byte())?;
        let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()?)?;
        self.prev = Prev { day, id };
        Some(Ev::from_parts(
            InteractionId(id),
            kind,
            date,
            second,
            amount,
            margin,
            [due, paid_at, follow_up],
            satisfaction,
        ))
    }
}

impl Iterator for Iter<'_> {
    type Item = Ev;

    fn next(&mut self) -> Option<Ev> {
        if self.left == 0 {
            return None;
        }
        let e = self.next_event();
        self.left = if e.is_some() { self.left - 1 } else { 0 };
        e
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountId, Interaction, Money};
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    fn event(
        id: u64,
        at: i64,
        kind: usize,
        money: (Option<i64>, Option<i64>),
        dates: [Option<i32>; 3],
        satisfaction: Option<u8>,
    ) -> Ev {
        let at = DateTime::<Utc>::from_timestamp(at, 0).unwrap();
        let mut i = Interaction::new(AccountId(1), InteractionKind::ALL[kind], at.date_naive());
        i.id = InteractionId(id);
        i.at = at;
        i.amount = money.0.map(Money::from_cents);
        i.margin = money.1.map(Money::from_cents);
        let day = |off: Option<i32>| {
            off.and_then(|o| {
                at.date_naive()
                    .checked_add_signed(chrono::Duration::days(o.into()))
            })
        };
        i.due = day(dates[0]);
        i.paid_at = day(dates[1]);
        i.follow_up = day(dates[2]);
        i.satisfaction = satisfaction;
        Ev::from_interaction(&i)
    }

    fn any_event() -> impl Strategy<Value = Ev> {
        (
            any::<u64>(),
            // From year −2000 to 4000: before the epoch, and far after it.
            -125_000_000_000i64..64_000_000_000,
            0..InteractionKind::ALL.len(),
            (any::<Option<i64>>(), any::<Option<i64>>()),
            [
                proptest::option::of(-40_000i32..40_000),
                proptest::option::of(-40_000i32..40_000),
                proptest::option::of(-40_000i32..40_000),
            ],
            any::<Option<u8>>(),
        )
            .prop_map(|(id, at, kind, money, dates, sat)| event(id, at, kind, money, dates, sat))
    }

    proptest! {
        #[test]
        fn packed_events_unpack_to_the_same_events(mut evs in prop::collection::vec(any_event(), 0..40)) {
            evs.sort_by_key(Ev::order_key);
            let packed = PackedEvents::pack(&evs);
            prop_assert_eq!(packed.len(), evs.len());
            prop_assert_eq!(packed.bytes() == 0, evs.is_empty());
            prop_assert_eq!(&packed.to_vec(), &evs);
            // Through the thread's buffer, and again from inside it.
            let (outer, inner) = packed.with_unpacked(|a| (a.to_vec(), packed.with_unpacked(<[Ev]>::to_vec)));
            prop_assert_eq!(&outer, &evs);
            prop_assert_eq!(&inner, &evs);
        }
    }

    #[test]
    fn a_typical_account_packs_to_a_quarter_of_its_events() {
        // Ten orders and touches a week or two apart, ids spread over a
        // million as the demo book's are: what the engine holds per account.
        let base = 1_780_000_000;
        let evs: Vec<Ev> = (0..10)
            .map(|n| {
                let order = n % 2 == 0;
                event(
                    40_000 + n * 97_331,
                    base + n as i64 * 11 * 86_400 + 3_600 * n as i64,
                    if order { 0 } else { 3 },
                    (order.then_some(1_234_500), None),
                    [order.then_some(30), None, None],
                    None,
                )
            })
            .collect();
        let packed = PackedEvents::pack(&evs);
        assert_eq!(packed.to_vec(), evs);
        let unpacked = evs.len() * std::mem::size_of::<Ev>();
        assert!(
            packed.bytes() * 4 <= unpacked,
            "{} bytes packed, {unpacked} unpacked",
            packed.bytes()
        );
    }
}
