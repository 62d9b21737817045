//! One compact line per account (what the list, filter and search read),
//! the list's sort orders, and the agenda line with its account's names.

use crate::domain::{AccountId, Interner, Money};
use crate::segment::AgendaItem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One line of the account list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: AccountId,
    /// Shared with every state of the book until the record changes: most
    /// writes move scores, not names, and copying 100k rows' strings after
    /// each of them cost more than scoring them.
    pub text: Arc<RowText>,
    /// Shared by every row of the tier (see `RowNames`).
    pub tier: Arc<str>,
    /// Position of the tier in the model (0 = most important), for sorting.
    pub tier_rank: usize,
    pub pinned: bool,
    pub value: f64,
    pub potential: f64,
    pub revenue_12m: Money,
    pub next_due: Option<NaiveDate>,
    /// Shared by every row with the flag (see `RowNames`).
    pub flags: Vec<Arc<str>>,
    /// Tier differs from the one at the last review.
    pub moved: bool,
    /// Matrix cell as "row,col" (for `cell:` filters), shared by the
    /// cell's rows.
    pub cell: Option<Arc<str>>,
}

/// What a row shows of the account record itself.
///
/// Compact, as the server holds one per account: text that repeats across
/// rows (owners, regions, industries, statuses, tags) is shared when rows
/// are made together (`RowText::shared_from`), and the rest is boxed
/// without spare room. On the wire it is the same as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowText {
    pub key: Box<str>,
    pub name: Box<str>,
    pub owner: Arc<str>,
    pub backup_owner: Arc<str>,
    pub region: Arc<str>,
    pub industry: Arc<str>,
    pub status: Arc<str>,
    pub tags: Box<[Arc<str>]>,
}

impl From<crate::domain::Account> for RowText {
    fn from(a: crate::domain::Account) -> RowText {
        RowText::shared_from(a, &mut Interner::default())
    }
}

impl RowText {
    pub fn of(a: &crate::domain::Account) -> RowText {
        let mut same = Interner::default();
        RowText {
            key: a.key.as_str().into(),
            name: a.name.as_str().into(),
            owner: same.get(&a.owner),
            backup_owner: same.get(&a.backup_owner),
            region: same.get(&a.region),
            industry: same.get(&a.industry),
            status: same.get(a.status.as_str()),
            tags: a.tags.iter().map(|t| same.get(t)).collect(),
        }
    }

    /// The row of `a`, made of its text; text equal to some already in
    /// `same` is shared with it.
    pub fn shared_from(a: crate::domain::Account, same: &mut Interner) -> RowText {
        RowText {
            status: same.get(a.status.as_str()),
            key: a.key.into_boxed_str(),
            name: a.name.into_boxed_str(),
            owner: same.get(&a.owner),
            backup_owner: same.get(&a.backup_owner),
            region: same.get(&a.region),
            industry: same.get(&a.industry),
            tags: a.tags.iter().map(|t| same.get(t)).collect(),
        }
    }
}

/// The model's tier names, matrix cells and flags, one copy each for every
/// row rather than a copy per row.
pub(crate) struct RowNames {
    tiers: Vec<Arc<str>>,
    cells: Vec<Arc<str>>,
    cols: usize,
    /// Aligned with `Flag::ALL`.
    flags: Vec<Arc<str>>,
}

impl RowNames {
    pub fn of(model: &crate::segment::Model) -> RowNames {
        let (rows, cols) = (model.grid.rows(), model.grid.cols());
        RowNames {
            tiers: model
                .tiers
                .iter()
                .map(|t| Arc::from(t.name.as_str()))
                .collect(),
            cells: (0..rows * cols)
                .map(|i| Arc::from(format!("{},{}", i / cols, i % cols)))
                .collect(),
            cols,
            flags: crate::segment::Flag::ALL
                .iter()
                .map(|f| Arc::from(f.as_str()))
                .collect(),
        }
    }

    pub fn flag(&self, flag: crate::segment::Flag) -> Arc<str> {
        match crate::segment::Flag::ALL.iter().position(|f| *f == flag) {
            Some(i) => Arc::clone(&self.flags[i]),
            None => Arc::from(flag.as_str()),
        }
    }

    /// The shared name, or a copy of one the model does not name.
    pub fn tier(&self, name: &str) -> Arc<str> {
        crate::domain::shared_name(&self.tiers, name)
    }

    pub fn cell(&self, row: usize, col: usize) -> Arc<str> {
        match self
            .cells
            .get(row * self.cols + col)
            .filter(|_| col < self.cols)
        {
            Some(c) => Arc::clone(c),
            None => Arc::from(format!("{row},{col}")),
        }
    }
}

/// Sortable columns of the account list, in the order `sort_next` cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Tier,
    Name,
    Owner,
    Value,
    Potential,
    Revenue,
    NextDue,
    Flags,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Tier,
        SortKey::Name,
        SortKey::Owner,
        SortKey::Value,
        SortKey::Potential,
        SortKey::Revenue,
        SortKey::NextDue,
        SortKey::Flags,
    ];

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Tier => "tier",
            SortKey::Name => "name",
            SortKey::Owner => "owner",
            SortKey::Value => "value",
            SortKey::Potential => "potential",
            SortKey::Revenue => "revenue",
            SortKey::NextDue => "next due",
            SortKey::Flags => "flags",
        }
    }

    /// Compares in the column's natural order: most important first for
    /// tier, scores, revenue and flags; earliest first for dates; A–Z for text.
    pub fn compare(self, a: &AccountRow, b: &AccountRow) -> std::cmp::Ordering {
        self.primary(a, b).then_with(|| a.text.key.cmp(&b.text.key))
    }

    /// `compare` without its last word, the unique key.
    pub(super) fn primary(self, a: &AccountRow, b: &AccountRow) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let by_score = |x: f64, y: f64| y.partial_cmp(&x).unwrap_or(Ordering::Equal);
        match self {
            SortKey::Tier => a
                .tier_rank
                .cmp(&b.tier_rank)
                .then(by_score(a.value, b.value)),
            SortKey::Name => a.text.name.to_lowercase().cmp(&b.text.name.to_lowercase()),
            SortKey::Owner => a.text.owner.cmp(&b.text.owner),
            SortKey::Value => by_score(a.value, b.value),
            SortKey::Potential => by_score(a.potential, b.potential),
            SortKey::Revenue => b.revenue_12m.cmp(&a.revenue_12m),
            // Accounts with nothing due go last.
            SortKey::NextDue => match (a.next_due, b.next_due) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            SortKey::Flags => b.flags.len().cmp(&a.flags.len()),
        }
    }
}

/// One agenda line: the engine's item plus the account's key and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaRow {
    pub item: AgendaItem,
    pub key: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_orders() {
        let text = |key: &str, name: &str| {
            Arc::new(RowText {
                key: key.into(),
                name: name.into(),
                ..Default::default()
            })
        };
        let a = AccountRow {
            text: text("A", "beta"),
            tier_rank: 1,
            value: 50.0,
            next_due: None,
            ..Default::default()
        };
        let b = AccountRow {
            text: text("B", "Alpha"),
            tier_rank: 0,
            value: 10.0,
            next_due: NaiveDate::from_ymd_opt(2025, 1, 1),
            ..Default::default()
        };
        use std::cmp::Ordering::*;
        assert_eq!(SortKey::Tier.compare(&a, &b), Greater);
        assert_eq!(SortKey::Name.compare(&a, &b), Greater);
        assert_eq!(SortKey::Value.compare(&a, &b), Less);
        assert_eq!(SortKey::NextDue.compare(&a, &b), Greater);
        assert_eq!(SortKey::Flags.next(), SortKey::Tier);
    }

    #[test]
    fn rows_made_together_share_what_repeats() {
        let account = |key: &str, owner: &str| crate::domain::Account {
            key: key.into(),
            name: format!("{key} GmbH"),
            owner: owner.into(),
            region: "Süd".into(),
            tags: vec!["vip".into(), "华为".into()],
            ..Default::default()
        };
        let mut same = Interner::default();
        let a = RowText::shared_from(account("A-1", "ann"), &mut same);
        let b = RowText::shared_from(account("B-2", "ann"), &mut same);
        assert_eq!((&*a.key, &*a.name, &*a.owner), ("A-1", "A-1 GmbH", "ann"));
        assert_eq!(&*b.tags[1], "华为");
        assert!(Arc::ptr_eq(&a.owner, &b.owner));
        assert!(Arc::ptr_eq(&a.region, &b.region));
        assert!(Arc::ptr_eq(&a.status, &b.status));
        assert!(Arc::ptr_eq(&a.tags[1], &b.tags[1]));
        // The same row as one made alone, and the same on the wire.
        let alone = RowText::of(&account("A-1", "ann"));
        assert_eq!(a, alone);
        let wire = |t: &RowText| bincode::serde::encode_to_vec(t, bincode::config::standard());
        assert_eq!(wire(&a).unwrap(), wire(&alone).unwrap());
    }

    #[test]
    fn every_row_shares_the_model_s_tier_names_and_cells() {
        let model = crate::segment::Model::default();
        let names = RowNames::of(&model);
        let key = &model.tiers[0].name;
        assert!(Arc::ptr_eq(&names.tier(key), &names.tier(key)));
        let flag = crate::segment::Flag::ALL[1];
        assert!(Arc::ptr_eq(&names.flag(flag), &names.flag(flag)));
        assert_eq!(&*names.flag(flag), flag.as_str());
        assert_eq!(&*names.tier(key), key.as_str());
        assert_eq!(&*names.tier("gone"), "gone");
        let last = (model.grid.rows() - 1, model.grid.cols() - 1);
        assert!(Arc::ptr_eq(
            &names.cell(last.0, last.1),
            &names.cell(last.0, last.1)
        ));
        assert_eq!(
            *names.cell(last.0, last.1),
            *format!("{},{}", last.0, last.1)
        );
        // Outside the grid (a model changed under a row): still its name.
        assert_eq!(&*names.cell(0, last.1 + 1), format!("0,{}", last.1 + 1));
    }
}
