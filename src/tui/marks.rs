//! Marked rows of the account list, for a bulk change. Single rows are
//! marked by id; "all matching the filter" is kept as the filter itself (and
//! the rows unmarked since), so a 100k-account book is never fetched into the
//! client: the server resolves the filter when the change is applied.

use super::filter::{Filter, Vocab};
use super::view::AccountRow;
use crate::book::bulk::BulkTarget;
use crate::domain::AccountId;
use std::collections::BTreeSet;

/// Every account a filter matched when it was marked, but `except`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllMatching {
    pub filter: String,
    /// How many matched (the server's count when marked).
    pub count: usize,
    pub except: BTreeSet<AccountId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    pub ids: BTreeSet<AccountId>,
    pub all: Option<AllMatching>,
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// How many accounts are marked.
    pub fn count(&self) -> usize {
        match &self.all {
            Some(a) => a.count.saturating_sub(a.except.len()),
            None => self.ids.len(),
        }
    }

    /// True when the row is marked (under "all matching", when the marked
    /// filter matches it and it was not unmarked since).
    pub fn is_marked(&self, row: &AccountRow) -> bool {
        match &self.all {
            Some(a) => {
                !a.except.contains(&row.id)
                    && Filter::parse(&a.filter, Vocab::default()).is_ok_and(|f| f.matches(row))
            }
            None => self.ids.contains(&row.id),
        }
    }

    /// Marks or unmarks one row; false when the row is outside the marked
    /// filter (the marks would no longer be one filter).
    pub fn toggle(&mut self, row: &AccountRow) -> bool {
        let marked = self.is_marked(row);
        match &mut self.all {
            Some(a) => {
                if marked {
                    a.except.insert(row.id);
                } else if a.except.contains(&row.id) {
                    a.except.remove(&row.id);
                } else {
                    return false;
                }
            }
            None => {
                if marked {
                    self.ids.remove(&row.id);
                } else {
                    self.ids.insert(row.id);
                }
            }
        }
        true
    }

    /// Marks every account `filter` matches (`count` of them).
    pub fn mark_all(&mut self, filter: &str, count: usize) {
        self.ids.clear();
        self.all = Some(AllMatching {
            filter: filter.to_string(),
            count,
            except: BTreeSet::new(),
        });
    }

    pub fn clear(&mut self) {
        *self = Marks::default();
    }

    /// The accounts a bulk change is for.
    pub fn target(&self) -> BulkTarget {
        match &self.all {
            Some(a) => BulkTarget::Filter {
                filter: a.filter.clone(),
                except: a.except.iter().copied().collect(),
            },
            None => BulkTarget::Accounts(self.ids.iter().copied().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, region: &str) -> AccountRow {
        AccountRow {
            id: AccountId(id),
            text: std::sync::Arc::new(crate::tui::view::RowText {
                key: format!("K{id}").into(),
                region: region.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn single_marks_and_all_matching_with_exceptions() {
        let mut m = Marks::default();
        assert!(m.toggle(&row(1, "east")));
        assert!(m.toggle(&row(2, "west")));
        assert_eq!(m.count(), 2);
        m.toggle(&row(1, "east"));
        assert_eq!(m.target(), BulkTarget::Accounts(vec![AccountId(2)]));
        m.mark_all("region:east", 40);
        assert_eq!(m.count(), 40);
        assert!(m.is_marked(&row(7, "east")));
        assert!(!m.is_marked(&row(2, "west")));
        assert!(!m.toggle(&row(2, "west")), "outside the marked filter");
        assert!(m.toggle(&row(7, "east")));
        assert_eq!(m.count(), 39);
        assert_eq!(
            m.target(),
            BulkTarget::Filter {
                filter: "region:east".into(),
                except: vec![AccountId(7)]
            }
        );
        m.clear();
        assert!(m.is_empty());
    }
}
