//! Sentence templates: the `{x}` slots of the lists in `names`, filled in
//! the account's language with its products, competitor and place.

use super::rng::Rng;

/// Values for the `{x}` placeholders of the sentence lists.
#[derive(Default)]
pub(super) struct Slots<'a> {
    pub(super) product: &'a str,
    pub(super) competitor: &'a str,
    pub(super) place: &'a str,
    pub(super) number: u64,
    pub(super) quarter: u32,
    pub(super) year: i32,
    pub(super) staff: u32,
}

/// What an account's sentences are made of: its language, products,
/// main competitor and place.
pub(super) struct Voice {
    pub(super) zh: bool,
    pub(super) products: &'static [(&'static str, &'static str)],
    pub(super) competitor: &'static str,
    pub(super) place: &'static str,
    pub(super) since_year: i32,
    pub(super) q: f64,
}

impl Voice {
    pub(super) fn slots(&self, r: &mut Rng, number: u64) -> Slots<'static> {
        let (pe, pc) = *r.pick(self.products);
        Slots {
            product: if self.zh { pc } else { pe },
            competitor: self.competitor,
            place: self.place,
            number,
            quarter: 1 + r.below(4) as u32,
            year: self.since_year - r.range(3, 25) as i32,
            staff: (50 + (self.q * self.q * 4000.0) as u32) / 10 * 10,
        }
    }

    pub(super) fn say(&self, r: &mut Rng, list: &[(&str, &str)]) -> String {
        let number = 1000 + r.below(9000);
        let s = self.slots(r, number);
        say(r, self.zh, list, &s)
    }
}

/// Fills `{p} {c} {t} {n} {q} {y} {s}` in one pass.
pub(super) fn fill(tpl: &str, s: &Slots) -> String {
    let mut out = String::with_capacity(tpl.len() + 16);
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let (value, used) = match tail.get(..3) {
            Some("{p}") => (s.product.to_string(), 3),
            Some("{c}") => (s.competitor.to_string(), 3),
            Some("{t}") => (s.place.to_string(), 3),
            Some("{n}") => (s.number.to_string(), 3),
            Some("{q}") => (s.quarter.to_string(), 3),
            Some("{y}") => (s.year.to_string(), 3),
            Some("{s}") => (s.staff.to_string(), 3),
            _ => ("{".to_string(), 1),
        };
        out.push_str(&value);
        rest = &tail[used..];
    }
    out.push_str(rest);
    out
}

/// Picks an (English, Chinese) sentence in the account's language.
fn say(r: &mut Rng, zh: bool, list: &[(&str, &str)], s: &Slots) -> String {
    let (en, cn) = *r.pick(list);
    fill(if zh { cn } else { en }, s)
}

pub(super) fn say_section(r: &mut Rng, zh: bool, list: (&[&str], &[&str]), s: &Slots) -> String {
    let tpl = *r.pick(if zh { list.1 } else { list.0 });
    fill(tpl, s)
}
