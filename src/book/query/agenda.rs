//! The agenda as a screen holds it: rows in one total order, and what a
//! client holding one version needs to reach the next. At 100k accounts an
//! owner's agenda is 28k rows (3.3 MB); a write changes a few accounts' of
//! them, so after it a client gets nothing (its version is current) or the
//! rows of those accounts (`AgendaUpdate::Patch`), which it merges into its
//! own by the same order the server sorts by. After a change of an account
//! record (a rename, an owner, a pin: the rows show key and name) it gets
//! the whole agenda.

use super::super::{Book, Result};
use super::AgendaRow;
use crate::domain::AccountId;
use crate::segment::AgendaItem;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashSet;

/// The agenda's order on screen: most important tier first, then most
/// overdue, then earliest due; ties by account, kind and what the item
/// names. Total on the rows' content, so a client merging a patch gets the
/// order the server would have sent.
pub fn agenda_order(a: &AgendaItem, b: &AgendaItem) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then(b.days_late.cmp(&a.days_late))
        .then(a.due.cmp(&b.due))
        .then(a.account.cmp(&b.account))
        .then(a.kind.cmp(&b.kind))
        .then(a.follow_up.cmp(&b.follow_up))
        .then(a.interaction.cmp(&b.interaction))
        .then(a.flag.cmp(&b.flag))
        .then(a.text.cmp(&b.text))
}

/// How a client's agenda becomes the current one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgendaUpdate {
    /// The version the client holds is current.
    Same,
    /// The rows of `accounts` replace the client's rows of those accounts
    /// (an account without rows now has none).
    Patch {
        accounts: Vec<AccountId>,
        rows: Vec<AgendaRow>,
    },
    /// The whole agenda (the client's version is unknown or too old).
    Full(Vec<AgendaRow>),
}

impl AgendaUpdate {
    /// `rows` (the version this update was made against) made current.
    pub fn apply(self, rows: &mut Vec<AgendaRow>) {
        match self {
            AgendaUpdate::Same => {}
            AgendaUpdate::Full(all) => *rows = all,
            AgendaUpdate::Patch {
                accounts,
                rows: new,
            } => {
                let accounts: HashSet<AccountId> = accounts.into_iter().collect();
                rows.retain(|r| !accounts.contains(&r.item.account));
                rows.extend(new);
                // Nearly sorted: a stable sort finds the runs.
                rows.sort_by(|a, b| agenda_order(&a.item, &b.item));
            }
        }
    }
}

/// `items` (a kept agenda, shared) as the agenda's rows, in `agenda_order`:
/// ordered by index, each item copied once, into its row.
pub(super) fn agenda_rows(book: &Book, items: &[AgendaItem]) -> Vec<AgendaRow> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| agenda_order(&items[a], &items[b]));
    order.into_iter().map(|i| row(book, &items[i])).collect()
}

fn row(book: &Book, item: &AgendaItem) -> AgendaRow {
    let (key, name) = book
        .key_and_name(item.account)
        .unwrap_or_else(|| ("?".into(), "?".into()));
    AgendaRow {
        key,
        name,
        item: item.clone(),
    }
}

/// The update from the agenda `was` to `now`: the accounts whose items
/// differ, with their rows now. The rows also show each account's key and
/// name, which no item holds: `Book::agenda_versions` offers a version
/// before only while every account record is as it was then.
pub(super) fn patch(book: &Book, was: &[AgendaItem], now: &[AgendaItem]) -> AgendaUpdate {
    let (was, now) = (by_account(was), by_account(now));
    let mut accounts: Vec<AccountId> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < was.len() || j < now.len() {
        // The next account on either side, and its run on both.
        let id = match (was.get(i), now.get(j)) {
            (Some(a), Some(b)) => a.account.min(b.account),
            (Some(a), None) => a.account,
            (None, Some(b)) => b.account,
            (None, None) => break,
        };
        let run = |v: &[&AgendaItem], from: usize| {
            from + v[from..].iter().take_while(|x| x.account == id).count()
        };
        let (i2, j2) = (run(&was, i), run(&now, j));
        if was[i..i2] != now[j..j2] {
            accounts.push(id);
        }
        (i, j) = (i2, j2);
    }
    let wanted: HashSet<AccountId> = accounts.iter().copied().collect();
    let mut rows: Vec<AgendaRow> = now
        .iter()
        .filter(|x| wanted.contains(&x.account))
        .map(|x| row(book, x))
        .collect();
    rows.sort_by(|a, b| agenda_order(&a.item, &b.item));
    AgendaUpdate::Patch { accounts, rows }
}

/// `items` (a book's agenda) by account, each account's in the agenda's
/// order. That order depends only on the account's own items, so an account
/// whose items did not change has the same run in both agendas (a stable
/// sort by id alone is a fifth of the cost of sorting by `agenda_order`).
fn by_account(items: &[AgendaItem]) -> Vec<&AgendaItem> {
    let mut v: Vec<&AgendaItem> = items.iter().collect();
    v.sort_by_key(|x| x.account);
    v
}

/// What a client holding agenda version `have` of `user` needs: nothing,
/// a patch from the version before the current one, or all of it.
pub(super) fn update(book: &Book, user: &str, have: Option<u64>) -> Result<(u64, AgendaUpdate)> {
    let v = book.agenda_versions(user)?;
    let update = match (have, &v.before) {
        (Some(h), _) if h == v.version => AgendaUpdate::Same,
        (Some(h), Some((before, was))) if h == *before => patch(book, was, &v.items),
        _ => AgendaUpdate::Full(agenda_rows(book, &v.items)),
    };
    Ok((v.version, update))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::AgendaKind;
    use chrono::NaiveDate;

    fn item(account: u64, priority: u32, late: i64, text: &str) -> AgendaItem {
        AgendaItem {
            account: AccountId(account),
            kind: AgendaKind::Risk,
            flag: None,
            due: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            days_late: late,
            tier: "Key".into(),
            priority,
            text: text.into(),
            follow_up: None,
            interaction: None,
        }
    }

    fn rows(items: &[AgendaItem]) -> Vec<AgendaRow> {
        let mut rows: Vec<AgendaRow> = items
            .iter()
            .map(|i| AgendaRow {
                key: format!("K{}", i.account),
                name: String::new(),
                item: i.clone(),
            })
            .collect();
        rows.sort_by(|a, b| agenda_order(&a.item, &b.item));
        rows
    }

    /// A patch applied to the rows it was made against gives the rows of
    /// the new agenda, in order: changed, gone and new accounts alike.
    #[test]
    fn a_patch_makes_the_old_rows_the_new() {
        let was = vec![
            item(1, 0, 3, "a"),
            item(1, 0, 0, "b"),
            item(2, 1, 5, "c"),
            item(3, 2, 0, "d"),
        ];
        let now = vec![
            item(1, 0, 3, "a"),
            item(2, 1, 5, "c"),
            item(2, 1, 5, "c2"),
            item(4, 0, 9, "e"),
        ];
        // Account 1 lost an item, 2 gained one, 3 is gone, 4 is new.
        let wanted: HashSet<AccountId> = [1, 2, 3, 4].map(AccountId).into();
        let mut got = rows(&was);
        let update = AgendaUpdate::Patch {
            accounts: wanted.iter().copied().collect(),
            rows: rows(&now)
                .into_iter()
                .filter(|r| wanted.contains(&r.item.account))
                .collect(),
        };
        update.apply(&mut got);
        assert_eq!(got, rows(&now));
    }
}
