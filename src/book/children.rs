//! What a write's stored children tell the engine, which keeps each
//! account's events and contacts but no table of where each record is.

use crate::audit::{RecordChange, RefKind};
use crate::domain::{AccountId, Contact, ContactId, Interaction, InteractionId};
use crate::store::BatchResult;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Each child once, as last stored, and the accounts children left: a
/// record stored twice in one write (moved, then moved on or back) is told
/// as where it ended, and removed from every account it was in before the
/// write and is not in after it.
pub(super) struct ChildEdits<'a> {
    pub contacts: Cow<'a, [Contact]>,
    pub interactions: Cow<'a, [Interaction]>,
    pub left_contacts: Vec<(AccountId, ContactId)>,
    pub left_interactions: Vec<(AccountId, InteractionId)>,
}

pub(super) fn child_edits(stored: &BatchResult) -> ChildEdits<'_> {
    // Nothing moved (every order, note, import): a record stored twice is
    // in one account, where the engine's upsert replaces it.
    if stored.moved.is_empty() {
        return ChildEdits {
            contacts: Cow::Borrowed(&stored.contacts),
            interactions: Cow::Borrowed(&stored.interactions),
            left_contacts: Vec::new(),
            left_interactions: Vec::new(),
        };
    }
    let contacts = last_of_each(&stored.contacts, |c| (c.id.0, c.account));
    let interactions = last_of_each(&stored.interactions, |i| (i.id.0, i.account));
    let placed: HashSet<(u64, AccountId)> = contacts
        .iter()
        .map(|c| (c.id.0, c.account))
        .chain(interactions.iter().map(|i| (i.id.0, i.account)))
        .collect();
    let mut edits = ChildEdits {
        contacts,
        interactions,
        left_contacts: Vec::new(),
        left_interactions: Vec::new(),
    };
    for &(kind, account, id) in &stored.moved {
        if placed.contains(&(id, account)) {
            continue;
        }
        match kind {
            RefKind::Contact => edits.left_contacts.push((account, ContactId(id))),
            RefKind::Interaction => edits.left_interactions.push((account, InteractionId(id))),
            _ => {}
        }
    }
    edits
}

/// `recs` with only the last of each id (in the order of those last ones);
/// borrowed when no id repeats, which is every ordinary write.
fn last_of_each<T: Clone>(recs: &[T], key: impl Fn(&T) -> (u64, AccountId)) -> Cow<'_, [T]> {
    let mut last: HashMap<u64, usize> = HashMap::with_capacity(recs.len());
    for (n, r) in recs.iter().enumerate() {
        last.insert(key(r).0, n);
    }
    if last.len() == recs.len() {
        return Cow::Borrowed(recs);
    }
    Cow::Owned(
        recs.iter()
            .enumerate()
            .filter(|(n, r)| last.get(&key(r).0) == Some(n))
            .map(|(_, r)| r.clone())
            .collect(),
    )
}

/// The account a deleted record was in, as the store found it.
pub(super) fn deleted_from(d: &RecordChange) -> AccountId {
    d.before
        .as_ref()
        .and_then(|b| b.account())
        .unwrap_or(d.record.account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InteractionKind;

    fn inter(id: u64, account: u64) -> Interaction {
        let mut i = Interaction::new(
            AccountId(account),
            InteractionKind::Note,
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        );
        i.id = InteractionId(id);
        i
    }

    /// Moved from A to B and back in one write: told once, in A, and
    /// removed from nowhere; moved on from B to C: removed from A and B.
    #[test]
    fn a_record_stored_twice_is_told_where_it_ended() {
        let stored = BatchResult {
            interactions: vec![inter(7, 2), inter(7, 1), inter(8, 2), inter(8, 3)],
            moved: vec![
                (RefKind::Interaction, AccountId(1), 7),
                (RefKind::Interaction, AccountId(2), 7),
                (RefKind::Interaction, AccountId(1), 8),
                (RefKind::Interaction, AccountId(2), 8),
            ],
            ..BatchResult::default()
        };
        let e = child_edits(&stored);
        let told: Vec<_> = e
            .interactions
            .iter()
            .map(|i| (i.id.0, i.account.0))
            .collect();
        assert_eq!(told, [(7, 1), (8, 3)]);
        assert_eq!(
            e.left_interactions,
            [
                (AccountId(2), InteractionId(7)),
                (AccountId(1), InteractionId(8)),
                (AccountId(2), InteractionId(8))
            ]
        );
        // An ordinary write is not copied, even with a record stored twice.
        let plain = BatchResult {
            interactions: vec![inter(1, 1), inter(2, 1), inter(1, 1)],
            ..BatchResult::default()
        };
        let e = child_edits(&plain);
        assert!(matches!(e.interactions, Cow::Borrowed(_)));
        assert!(e.left_interactions.is_empty());
    }
}
