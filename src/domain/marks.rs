//! Team bookkeeping that is not a customer record but is shared and undone
//! like one: snoozed agenda items and the tiers remembered at a review.
//! Stored as typed records in the normal envelope (`store::envelope`).

use super::compact;
use super::ids::AccountId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One agenda item hidden until a day. `kind` and `target` say which item
/// of the account it is across days: the agenda kind, and the follow-up id
/// or flag name (empty when the kind needs none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Snooze {
    pub account: AccountId,
    pub kind: String,
    pub target: String,
    #[serde(with = "compact::date")]
    pub until: NaiveDate,
}

impl Snooze {
    /// The item's identity as the agenda spells it (`account\tkind\ttarget`),
    /// which is also the text `WriteOp::Snooze` carries.
    pub fn key(&self) -> String {
        format!("{}\t{}\t{}", self.account.0, self.kind, self.target)
    }

    /// The snooze of the item named by `key` (see `key`); None when the key
    /// does not have that shape.
    pub fn from_key(key: &str, until: NaiveDate) -> Option<Snooze> {
        let mut parts = key.splitn(3, '\t');
        let account = AccountId(parts.next()?.trim().parse().ok()?);
        let kind = parts.next()?.to_string();
        let target = parts.next().unwrap_or_default().to_string();
        // Line breaks would only ever come from a hand-made key.
        let clean = |s: String| s.replace(['\n', '\r', '\t'], " ");
        Some(Snooze {
            account,
            kind: clean(kind),
            target: clean(target),
            until,
        })
    }
}

/// Every snoozed agenda item, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snoozes {
    pub items: Vec<Snooze>,
}

impl Snoozes {
    /// Snoozes `s`'s item (replacing an earlier snooze of it) and drops the
    /// snoozes that ended by `today`.
    pub fn set(&mut self, s: Snooze, today: NaiveDate) {
        self.items.retain(|x| {
            x.until > today && (x.account, &x.kind, &x.target) != (s.account, &s.kind, &s.target)
        });
        self.items.push(s);
        self.items.sort();
    }

    /// The day `key`'s item comes back, if it is snoozed.
    pub fn until(&self, key: &str) -> Option<NaiveDate> {
        self.items.iter().find(|s| s.key() == key).map(|s| s.until)
    }

    /// The text form kam wrote before snoozes were typed records:
    /// `account\tkind\ttarget\tuntil` lines. Unreadable lines are skipped,
    /// as that version skipped them.
    pub fn from_legacy_text(text: &str) -> Snoozes {
        let mut items: Vec<Snooze> = text
            .lines()
            .filter_map(|l| {
                let (key, until) = l.rsplit_once('\t')?;
                let until = NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d").ok()?;
                Snooze::from_key(key, until)
            })
            .collect();
        items.sort();
        Snoozes { items }
    }
}

/// The tiers remembered at the last review (`kam review`), so that later
/// moves can be marked on the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewMark {
    #[serde(with = "compact::date")]
    pub day: NaiveDate,
    /// Each account's tier then, by account id.
    pub tiers: Vec<(AccountId, String)>,
}

impl ReviewMark {
    /// The text form kam wrote before review marks were typed records: the
    /// date on the first line, then `account-id\ttier` lines.
    pub fn from_legacy_text(text: &str) -> Option<ReviewMark> {
        let mut lines = text.lines();
        let day = NaiveDate::parse_from_str(lines.next()?.trim(), "%Y-%m-%d").ok()?;
        let tiers = lines
            .filter_map(|l| {
                let (id, tier) = l.split_once('\t')?;
                Some((AccountId(id.parse().ok()?), tier.to_string()))
            })
            .collect();
        Some(ReviewMark { day, tiers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn snooze_keys_round_trip_and_expired_ones_go() {
        let s = Snooze::from_key("203\tfollow_up\t17", day(5)).unwrap();
        assert_eq!(
            (s.account, s.kind.as_str(), s.target.as_str()),
            (AccountId(203), "follow_up", "17")
        );
        assert_eq!(s.key(), "203\tfollow_up\t17");
        assert_eq!(
            Snooze::from_key("203\tcadence\t", day(5)).unwrap().target,
            ""
        );
        assert!(Snooze::from_key("x\tcadence\t", day(5)).is_none());
        let mut all = Snoozes::default();
        all.set(Snooze::from_key("1\tcadence\t", day(3)).unwrap(), day(1));
        all.set(s.clone(), day(1));
        all.set(
            Snooze::from_key("203\tfollow_up\t17", day(9)).unwrap(),
            day(1),
        );
        assert_eq!(all.items.len(), 2, "the same item is snoozed once");
        assert_eq!(all.until("203\tfollow_up\t17"), Some(day(9)));
        all.set(Snooze::from_key("2\tcadence\t", day(9)).unwrap(), day(3));
        assert_eq!(all.until("1\tcadence\t"), None, "ended on day 3");
    }

    #[test]
    fn legacy_text_reads_as_it_was_written() {
        let s = Snoozes::from_legacy_text(
            "203\tcadence\t\t2026-11-25\nbad line\n7\trisk\tslack\t2026-12-01",
        );
        assert_eq!(s.items.len(), 2);
        assert_eq!(
            s.until("7\trisk\tslack"),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        let r = ReviewMark::from_legacy_text("2025-03-04\n7\tA\n9\tB\n").unwrap();
        assert_eq!(r.day, day(4));
        assert_eq!(
            r.tiers,
            vec![(AccountId(7), "A".into()), (AccountId(9), "B".into())]
        );
    }
}
