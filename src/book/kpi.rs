//! The period report from the book: the engine computes the KPIs in one
//! pass; the tier moves come from the timeline's system entries, read only
//! for the accounts the engine knows had one in the period.

use super::{Book, Result};
use crate::domain::{Interaction, InteractionKind};
use crate::segment::TierChange;
use crate::segment::kpi::{KpiReport, Period, TierMove};
use std::collections::HashSet;

/// Above this many accounts with moves (a model change moves thousands), one
/// scan of the timeline is cheaper than a read per account.
const READS_PER_ACCOUNT_UP_TO: usize = 1_000;

impl Book {
    /// The KPIs of `period`, for everyone or for `owner`'s accounts.
    pub fn kpi_report(&self, period: Period, owner: Option<&str>) -> Result<KpiReport> {
        let moves = self.tier_moves(period)?;
        Ok(self.engine().kpi_report(period, owner, &moves))
    }

    /// Tier moves the timeline recorded in `period` (first tiers excluded).
    pub fn tier_moves(&self, period: Period) -> Result<Vec<TierMove>> {
        self.tier_moves_reading(period, READS_PER_ACCOUNT_UP_TO)
    }

    fn tier_moves_reading(&self, period: Period, per_account: usize) -> Result<Vec<TierMove>> {
        let ids = self.engine().accounts_with_moves(period);
        let mut out = Vec::new();
        let mut take = |i: &Interaction| {
            if i.kind != InteractionKind::System || !period.contains(i.day()) {
                return;
            }
            if let Some((Some(from), to)) = TierChange::parse_summary(&i.summary) {
                out.push(TierMove {
                    account: i.account,
                    day: i.day(),
                    from,
                    to,
                });
            }
        };
        if ids.len() <= per_account {
            for id in ids {
                self.store().interactions_of(id)?.iter().for_each(&mut take);
            }
        } else {
            let wanted: HashSet<_> = ids.into_iter().collect();
            self.store().for_each_interaction(|i| {
                if wanted.contains(&i.account) {
                    take(&i);
                }
            })?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::domain::{Account, Interaction, Money};
    use crate::store::Store;

    #[test]
    fn moves_read_per_account_or_by_one_scan_agree() {
        let dir = tempfile::tempdir().unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let mut book =
            Book::open(Store::open(dir.path()).unwrap(), Clock::fixed(today), "me").unwrap();
        let early = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        for (key, units) in [("A", 1000), ("B", 100), ("C", 50), ("D", 20), ("E", 10)] {
            let a = book
                .save_account(Account {
                    key: key.into(),
                    name: key.into(),
                    owner: "ann".into(),
                    ..Account::default()
                })
                .unwrap()
                .stored
                .accounts[0]
                .id;
            let mut i = Interaction::new(a, InteractionKind::Order, early);
            i.amount = Some(Money::from_units(units));
            book.add_interaction(i).unwrap();
        }
        let e = book.account_by_key("E").unwrap().id;
        let mut big = Interaction::new(e, InteractionKind::Order, today);
        big.amount = Some(Money::from_units(5000));
        let moved = book.add_interaction(big).unwrap().tier_changes.len();
        assert!(moved >= 2, "the big order moves tiers");
        let week = Period {
            from: today,
            to: today,
        };
        let per_account = book.tier_moves_reading(week, usize::MAX).unwrap();
        let scanned = book.tier_moves_reading(week, 0).unwrap();
        assert_eq!(per_account.len(), moved);
        let key = |m: &TierMove| (m.account, m.from.clone(), m.to.clone());
        let mut a: Vec<_> = per_account.iter().map(key).collect();
        let mut b: Vec<_> = scanned.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(per_account.iter().any(|m| m.account == e && m.to == "Key"));
    }
}
