//! Every known account's raw values of the ranked criteria, in one flat
//! array: what `changed_since` reads to find the accounts whose value lies
//! in a replaced range. Read through the state table, that was a walk over
//! 100k scattered entries and their value lists, about 5 ms at 100k
//! accounts before the first list or search after every write; here it is
//! one pass over a few MB in order.
//!
//! Kept by the same calls as the matrix's sums: each step's touched
//! accounts (`Engine::recolumn`), and every account after a full recompute
//! (`Engine::columns_all`). No other account's raw values or standing can
//! change in a step.

use super::Engine;
use super::state::{AccState, IdMap};
use crate::domain::AccountId;

/// One row per known account: its values of the ranked criteria.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    /// Criterion index → its column (None: the criterion is not ranked).
    col_of: Vec<Option<usize>>,
    width: usize,
    row_of: IdMap<AccountId, u32>,
    ids: Vec<AccountId>,
    /// Row-major: row `r`'s values are `vals[r * width..(r + 1) * width]`.
    vals: Vec<f64>,
    /// Bit `k` of row `r`: column `k` holds a value (the criterion measured
    /// one for the account).
    has: Vec<u64>,
}

/// Columns a row's presence bits can name.
const MAX_WIDTH: usize = u64::BITS as usize;

impl Columns {
    /// Columns for the criteria `ranked` marks; None when there are more
    /// than a row's bits can name (the state table is read instead).
    fn new(ranked: impl Iterator<Item = bool>, rows: usize) -> Option<Columns> {
        let mut width = 0;
        let col_of: Vec<Option<usize>> = ranked
            .map(|r| {
                r.then(|| {
                    width += 1;
                    width - 1
                })
            })
            .collect();
        if width > MAX_WIDTH {
            return None;
        }
        let mut c = Columns {
            col_of,
            width,
            ..Columns::default()
        };
        c.row_of.reserve(rows);
        c.ids.reserve(rows);
        c.vals.reserve(rows * width);
        c.has.reserve(rows);
        Some(c)
    }

    /// Makes `id`'s row hold `st`'s values, or drops it (unknown or gone).
    fn set(&mut self, id: AccountId, st: Option<&AccState>) {
        let Some(st) = st.filter(|s| s.known) else {
            self.drop_row(id);
            return;
        };
        let row = match self.row_of.get(&id) {
            Some(&r) => r as usize,
            None => {
                let r = self.ids.len();
                self.row_of.insert(id, r as u32);
                self.ids.push(id);
                self.vals.resize(self.vals.len() + self.width, 0.0);
                self.has.push(0);
                r
            }
        };
        let mut has = 0u64;
        let vals = &mut self.vals[row * self.width..(row + 1) * self.width];
        for (crit, col) in self.col_of.iter().enumerate() {
            let Some(col) = *col else { continue };
            match st.raw.get(crit).copied().flatten() {
                Some(x) => {
                    vals[col] = x;
                    has |= 1 << col;
                }
                None => vals[col] = 0.0,
            }
        }
        self.has[row] = has;
    }

    /// Removes `id`'s row: the last row takes its place.
    fn drop_row(&mut self, id: AccountId) {
        let Some(row) = self.row_of.remove(&id) else {
            return;
        };
        let (row, last) = (row as usize, self.ids.len() - 1);
        if row != last {
            let moved = self.ids[last];
            self.ids[row] = moved;
            self.has[row] = self.has[last];
            let w = self.width;
            self.vals.copy_within(last * w..(last + 1) * w, row * w);
            self.row_of.insert(moved, row as u32);
        }
        self.ids.pop();
        self.has.pop();
        self.vals.truncate(last * self.width);
    }

    /// Pushes onto `out` every account with a value of criterion `crit` in
    /// `lo..=hi` (as `changed_since` compares: canonical, `total_cmp`), for
    /// any of `ranges`.
    fn in_ranges(&self, ranges: &[(usize, f64, f64)], out: &mut Vec<AccountId>) {
        // Criteria the columns do not hold rank nothing: nobody's value moved.
        let ranges: Vec<(usize, f64, f64)> = ranges
            .iter()
            .filter_map(|&(crit, lo, hi)| Some((self.col_of.get(crit).copied()??, lo, hi)))
            .collect();
        if ranges.is_empty() {
            return;
        }
        let w = self.width;
        for (row, (&id, &has)) in self.ids.iter().zip(&self.has).enumerate() {
            let vals = &self.vals[row * w..(row + 1) * w];
            let moved = ranges
                .iter()
                .any(|&(col, lo, hi)| has & (1 << col) != 0 && in_range(vals[col], lo, hi));
            if moved {
                out.push(id);
            }
        }
    }
}

/// `x` within `lo..=hi`, as the journal's ranges are read.
fn in_range(x: f64, lo: f64, hi: f64) -> bool {
    let x = super::super::rank::canon(x);
    lo.total_cmp(&x).is_le() && x.total_cmp(&hi).is_le()
}

impl Engine {
    /// `id`'s row brought to its state now (a step touched it).
    pub(super) fn recolumn(&mut self, id: AccountId) {
        if let Some(c) = self.columns.as_mut() {
            c.set(id, self.accounts.get(&id));
        }
    }

    /// The columns made again from every account (after a full recompute,
    /// which may also have changed which criteria are ranked).
    pub(super) fn columns_all(&mut self) {
        let ranked = self.ranks.iter().map(Option::is_some);
        self.columns = Columns::new(ranked, self.accounts.len()).map(|mut c| {
            for (&id, st) in self.accounts.iter() {
                c.set(id, Some(st));
            }
            c
        });
    }

    /// The known accounts with a value of `crit` in `lo..=hi`, for any of
    /// `ranges`, appended to `out` (in no particular order).
    pub(super) fn in_ranges(&self, ranges: &[(usize, f64, f64)], out: &mut Vec<AccountId>) {
        match &self.columns {
            Some(c) => c.in_ranges(ranges, out),
            None => self.in_ranges_scan(ranges, out),
        }
    }

    /// `in_ranges` read from the state table.
    fn in_ranges_scan(&self, ranges: &[(usize, f64, f64)], out: &mut Vec<AccountId>) {
        for (id, st) in self.accounts.iter().filter(|(_, s)| s.known) {
            let moved = ranges.iter().any(|&(crit, lo, hi)| {
                st.raw
                    .get(crit)
                    .copied()
                    .flatten()
                    .is_some_and(|x| in_range(x, lo, hi))
            });
            if moved {
                out.push(*id);
            }
        }
    }
}

#[cfg(test)]
type ValuesById = std::collections::BTreeMap<AccountId, Vec<Option<f64>>>;

#[cfg(test)]
impl Engine {
    /// The columns as a map, and the same read from the state table.
    pub(super) fn columns_and_scan(&self) -> (ValuesById, ValuesById) {
        let c = self.columns.as_ref().expect("columns kept");
        let kept = c
            .ids
            .iter()
            .enumerate()
            .map(|(row, &id)| {
                let vals = (0..c.width)
                    .map(|k| (c.has[row] & (1 << k) != 0).then(|| c.vals[row * c.width + k]))
                    .collect();
                (id, vals)
            })
            .collect();
        let scan = self
            .accounts
            .iter()
            .filter(|(_, s)| s.known)
            .map(|(&id, st)| {
                let vals = c
                    .col_of
                    .iter()
                    .enumerate()
                    .filter(|(_, col)| col.is_some())
                    .map(|(crit, _)| st.raw.get(crit).copied().flatten())
                    .collect();
                (id, vals)
            })
            .collect();
        (kept, scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, Interaction, InteractionId, InteractionKind, Money};
    use crate::segment::Model;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn d(days: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + chrono::Duration::days(days)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// After any edits (orders before their account exists, removals
        /// of orders and of accounts, refunds, another date) the columns
        /// hold exactly what the state table holds.
        #[test]
        fn the_columns_are_the_state_tables_values(
            ops in proptest::collection::vec((0u8..6, 1u64..40, -2_000_000i64..3_000_000, 0i64..800), 1..60),
        ) {
            let mut e = Engine::new(Model::default(), d(500));
            let mut next = 1u64;
            for (kind, acc, cents, days_ago) in ops {
                let id = AccountId(acc);
                match kind {
                    0..=2 => {
                        let mut i = Interaction::new(id, InteractionKind::Order, d(500 - days_ago));
                        i.id = InteractionId(next);
                        next += 1;
                        i.amount = Some(Money::from_cents(cents));
                        e.upsert_interaction(&i);
                    }
                    3 => {
                        e.upsert_account(&Account { id, key: format!("A{acc}"), ..Account::default() });
                    }
                    4 => {
                        e.remove_account(id);
                    }
                    _ => {
                        // An earlier order goes (ids are dense from 1).
                        e.remove_interaction(id, InteractionId(cents.unsigned_abs() % next.max(1)));
                    }
                }
                let (kept, scan) = e.columns_and_scan();
                prop_assert_eq!(kept, scan);
            }
            e.set_as_of(d(900));
            let (kept, scan) = e.columns_and_scan();
            prop_assert_eq!(kept, scan);
        }
    }
}
