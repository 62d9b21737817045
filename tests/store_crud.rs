//! Records, indexes, optimistic concurrency and batches on a real sled DB.

use chrono::{DateTime, NaiveDate};
use kam::domain::*;
use kam::store::{Batch, Store, StoreError};

fn account(key: &str) -> Account {
    Account {
        key: key.into(),
        name: format!("{key} Ltd"),
        ..Default::default()
    }
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, n).unwrap()
}

fn inter(a: AccountId, secs: i64) -> Interaction {
    let mut i = Interaction::new(a, InteractionKind::Call, day(1));
    i.at = DateTime::from_timestamp(secs, 0).unwrap();
    i
}

fn followup(a: AccountId, note: &str) -> FollowUp {
    FollowUp {
        id: FollowUpId(0),
        version: 0,
        account: a,
        due: day(5),
        assignee: "ann".into(),
        note: note.into(),
        done_at: None,
    }
}

#[test]
fn writes_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (a, c, i, f) = {
        let s = Store::open(&path).unwrap();
        assert!(s.is_empty().unwrap());
        let a = s.insert_account(account("ACME")).unwrap();
        assert_ne!(a.id.0, 0);
        assert_eq!(a.version, 1);
        let c = s
            .insert_contact(Contact {
                account: a.id,
                name: "Li".into(),
                ..Default::default()
            })
            .unwrap();
        let i = s.insert_interaction(inter(a.id, 1000)).unwrap();
        let f = s.insert_followup(followup(a.id, "call back")).unwrap();
        s.meta_put("scoring", b"[model]").unwrap();
        s.record_tiers(vec![(a.id, "key".into())]).unwrap();
        (a, c, i, f)
    };
    let s = Store::open(&path).unwrap();
    assert!(!s.is_empty().unwrap());
    assert_eq!(s.account(a.id).unwrap(), Some(a.clone()));
    assert_eq!(s.account_by_key("ACME").unwrap(), Some(a.clone()));
    assert_eq!(s.contact(c.id).unwrap(), Some(c.clone()));
    assert_eq!(s.contacts_of(a.id).unwrap(), vec![c]);
    assert_eq!(s.interaction(i.id).unwrap(), Some(i.clone()));
    assert_eq!(s.followups_of(a.id).unwrap(), vec![f]);
    assert_eq!(
        s.meta_get("scoring").unwrap().as_deref(),
        Some(&b"[model]"[..])
    );
    assert_eq!(s.meta_get("nope").unwrap(), None);
    assert_eq!(
        s.recorded_tiers().unwrap().get(&a.id).map(|t| &**t),
        Some("key")
    );
    assert_eq!(s.counts().unwrap(), (1, 1, 1, 1));
}

#[test]
fn stale_version_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let a = s.insert_account(account("A1")).unwrap();
    let mut mine = a.clone();
    let mut theirs = a.clone();
    theirs.name = "Theirs".into();
    let theirs = s.update_account(theirs).unwrap();
    assert_eq!(theirs.version, 2);
    mine.name = "Mine".into();
    match s.update_account(mine) {
        Err(StoreError::Conflict {
            expected, found, ..
        }) => assert_eq!((expected, found), (1, 2)),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert_eq!(s.account(a.id).unwrap().unwrap().name, "Theirs");

    // the same for children
    let i = s.insert_interaction(inter(a.id, 5)).unwrap();
    let mut newer = i.clone();
    newer.summary = "x".into();
    s.update_interaction(newer).unwrap();
    assert!(matches!(
        s.update_interaction(i),
        Err(StoreError::Conflict {
            expected: 1,
            found: 2,
            ..
        })
    ));
    let f = s.insert_followup(followup(a.id, "n")).unwrap();
    let mut done = f.clone();
    done.done_at = Some(day(6));
    assert_eq!(s.update_followup(done).unwrap().version, 2);
    assert!(matches!(
        s.update_followup(f),
        Err(StoreError::Conflict { .. })
    ));
    // updating something that does not exist
    let mut ghost = inter(a.id, 1);
    ghost.id = InteractionId(999_999);
    assert!(matches!(
        s.update_interaction(ghost),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn duplicate_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.insert_account(account("DUP")).unwrap();
    assert!(matches!(
        s.insert_account(account("DUP")),
        Err(StoreError::DuplicateKey(k)) if k == "DUP"
    ));
    let b = s.insert_account(account("OTHER")).unwrap();
    let mut renamed = b.clone();
    renamed.key = "DUP".into();
    assert!(matches!(
        s.update_account(renamed),
        Err(StoreError::DuplicateKey(_))
    ));
    assert_eq!(s.accounts().unwrap().len(), 2);
}

#[test]
fn key_rename_moves_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let a = s.insert_account(account("OLD")).unwrap();
    let mut r = a.clone();
    r.key = "NEW".into();
    let r = s.update_account(r).unwrap();
    assert_eq!(s.account_by_key("OLD").unwrap(), None);
    assert_eq!(s.account_by_key("NEW").unwrap(), Some(r));
    // the old key is free again
    s.insert_account(account("OLD")).unwrap();
    let keys: Vec<String> = s.accounts().unwrap().into_iter().map(|a| a.key).collect();
    assert_eq!(keys, vec!["NEW", "OLD"]);
}

#[test]
fn keys_are_unique_ignoring_case_through_the_folded_index() {
    use kam::audit::{RecordRef, RefKind};
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let a = s.insert_account(account("Acme")).unwrap();
    // The same account may change the case of its own key.
    let mut upper = a.clone();
    upper.key = "ACME".into();
    let a = s.update_account(upper).unwrap();
    assert_eq!(s.accounts_ignoring_case("acme").unwrap(), vec![a.clone()]);
    // Another account may not take it in any case, not even in a batch,
    // and the refusal names the key already stored.
    for attempt in [
        s.insert_account(account("acme")).map(|_| ()),
        s.apply(Batch {
            accounts: vec![account("aCmE")],
            ..Batch::default()
        })
        .map(|_| ()),
    ] {
        assert!(
            matches!(&attempt, Err(StoreError::DuplicateKey(k)) if k == "ACME"),
            "{attempt:?}"
        );
    }
    // Deleting the account (undo of its creation) frees every case of it.
    s.apply(Batch {
        deletes: vec![RecordRef {
            kind: RefKind::Account,
            id: a.id.0,
            account: a.id,
            key: a.key.clone(),
        }],
        exact_ids: true,
        ..Batch::default()
    })
    .unwrap();
    assert!(s.accounts_ignoring_case("Acme").unwrap().is_empty());
    s.insert_account(account("acme")).unwrap();
}

#[test]
fn interactions_are_ordered_by_account_then_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let a = s.insert_account(account("A")).unwrap();
    let b = s.insert_account(account("B")).unwrap();
    // inserted out of order, including a time before 1970
    let i3 = s.insert_interaction(inter(a.id, 3_000)).unwrap();
    let i1 = s.insert_interaction(inter(a.id, -86_400)).unwrap();
    let ib = s.insert_interaction(inter(b.id, 10)).unwrap();
    let i2 = s.insert_interaction(inter(a.id, 2_000)).unwrap();
    let i2b = s.insert_interaction(inter(a.id, 2_000)).unwrap(); // same time: by id
    let ids = |v: Vec<Interaction>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.interactions_of(a.id).unwrap()),
        vec![i1.id, i2.id, i2b.id, i3.id]
    );
    assert_eq!(ids(s.interactions_of(b.id).unwrap()), vec![ib.id]);
    let mut streamed = Vec::new();
    s.for_each_interaction(|i| streamed.push(i.id)).unwrap();
    let mut expect = vec![i1.id, i2.id, i2b.id, i3.id, ib.id];
    if b.id < a.id {
        expect.rotate_right(1);
    }
    assert_eq!(streamed, expect);
    assert_eq!(ids(s.interactions().unwrap()), expect);

    // moving an interaction in time moves its index entry
    let mut moved = i3.clone();
    moved.at = DateTime::from_timestamp(-999_999, 0).unwrap();
    let moved = s.update_interaction(moved).unwrap();
    assert_eq!(s.interactions_of(a.id).unwrap()[0], moved);
    assert_eq!(s.interactions_of(a.id).unwrap().len(), 4);
    assert_eq!(s.interaction(i3.id).unwrap(), Some(moved));
}

#[test]
fn invalid_records_and_unknown_accounts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let mut bad = account("K");
    bad.name = "\u{7}".into(); // nothing left after cleaning
    assert!(matches!(s.insert_account(bad), Err(StoreError::Invalid(e)) if e.field == "name"));
    assert!(matches!(
        s.insert_interaction(inter(AccountId(424_242), 1)),
        Err(StoreError::NotFound(_))
    ));
    // text is cleaned on the way in
    let mut a = account("CLEAN");
    a.name = "Evil\u{202E}Co\u{1b}".into();
    assert_eq!(s.insert_account(a).unwrap().name, "EvilCo");
    let a = s.account_by_key("CLEAN").unwrap().unwrap();
    let f = s.insert_followup(followup(a.id, "a\u{2067}b")).unwrap();
    assert_eq!(f.note, "ab");
    assert_eq!(s.counts().unwrap(), (1, 0, 0, 1));
}

#[test]
fn batch_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let existing = s.insert_account(account("EX")).unwrap();

    // one invalid record (satisfaction 9) among good ones
    let mut bad = inter(existing.id, 1);
    bad.satisfaction = Some(9);
    let batch = Batch {
        accounts: vec![account("N1"), account("N2")],
        interactions: vec![inter(existing.id, 2), bad],
        ..Default::default()
    };
    assert!(matches!(s.apply(batch), Err(StoreError::Invalid(_))));
    // one reference to an unknown account, found only inside the transaction
    let batch = Batch {
        accounts: vec![account("N3")],
        contacts: vec![Contact {
            account: AccountId(777_777),
            name: "x".into(),
            ..Default::default()
        }],
        interactions: vec![inter(existing.id, 3)],
        ..Default::default()
    };
    assert!(matches!(s.apply(batch), Err(StoreError::NotFound(_))));
    assert_eq!(s.counts().unwrap(), (1, 0, 0, 0));
    assert_eq!(s.account_by_key("N3").unwrap(), None);
    assert_eq!(s.account(existing.id).unwrap().unwrap().version, 1);
}

#[test]
fn batch_upserts_accounts_by_key_and_keeps_references() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let existing = s.insert_account(account("EX")).unwrap();

    // import-style: ids preassigned, one account key already present
    let pre_ex = AccountId(s.reserve_id().unwrap());
    let pre_new = AccountId(s.reserve_id().unwrap());
    let mut ex = account("EX");
    ex.id = pre_ex;
    ex.name = "Renamed".into();
    let mut new = account("NEW");
    new.id = pre_new;
    let i_id = InteractionId(s.reserve_id().unwrap());
    let mut i = inter(pre_new, 50);
    i.id = i_id;
    let r = s
        .apply(Batch {
            accounts: vec![ex, new, account("AUTO")],
            contacts: vec![Contact {
                account: pre_ex,
                name: "C".into(),
                ..Default::default()
            }],
            interactions: vec![i, inter(pre_ex, 60)],
            followups: vec![followup(pre_new, "f")],
            tiers: vec![(pre_ex, "key".into()), (pre_new, "opportunity".into())],
            ..Default::default()
        })
        .unwrap();
    assert_eq!((r.created_accounts, r.updated_accounts), (2, 1));
    assert_eq!(r.accounts[0].id, existing.id);
    assert_eq!(r.accounts[0].version, 2);
    assert_eq!(r.accounts[1].id, pre_new);
    assert_ne!(r.accounts[2].id.0, 0);
    assert_eq!(r.interactions[0].id, i_id);
    assert_eq!(
        r.contacts[0].account, existing.id,
        "redirected to stored id"
    );
    assert_eq!(s.account_by_key("EX").unwrap().unwrap().name, "Renamed");
    assert_eq!(s.contacts_of(existing.id).unwrap().len(), 1);
    assert_eq!(s.interactions_of(existing.id).unwrap().len(), 1);
    assert_eq!(s.interactions_of(pre_new).unwrap()[0].id, i_id);
    assert_eq!(s.followups_of(pre_new).unwrap().len(), 1);
    let tiers = s.recorded_tiers().unwrap();
    assert_eq!(&*tiers[&existing.id], "key");
    assert_eq!(&*tiers[&pre_new], "opportunity");
    s.record_tiers(vec![(existing.id, "opportunity".into())])
        .unwrap();
    let tiers = s.recorded_tiers().unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&tiers[&existing.id], &tiers[&pre_new]),
        "one copy of a tier's name for all its accounts"
    );
    assert_eq!(s.counts().unwrap(), (3, 1, 2, 1));

    // re-applying the same interaction id replaces it and bumps the version
    let mut again = r.interactions[0].clone();
    again.summary = "edited".into();
    let r2 = s
        .apply(Batch {
            interactions: vec![again],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r2.interactions[0].version, 2);
    assert_eq!(s.counts().unwrap(), (3, 1, 2, 1));
    assert_eq!(s.interaction(i_id).unwrap().unwrap().summary, "edited");
}

#[test]
fn reserved_ids_are_unique_and_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..2 {
        let s = Store::open(&path).unwrap();
        for _ in 0..100 {
            let id = s.reserve_id().unwrap();
            assert_ne!(id, 0);
            assert!(seen.insert(id), "id {id} handed out twice");
        }
    }
}
