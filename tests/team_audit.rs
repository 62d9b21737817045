//! Team mode, data side: attribution and the audit trail, the change log's
//! sequence numbers, exactly-once writes, field merges and conflicts, undo.
//! Real sled stores in temp dirs; one `Book` plays several users with
//! `set_user`, as the team server does.

use chrono::{DateTime, NaiveDate, Utc};
use kam::audit::{AuditEntry, RecordImage, RefKind, RequestId};
use kam::book::{Book, BookError, WriteOp};
use kam::clock::Clock;
use kam::domain::{
    Account, AccountId, Contact, FollowUp, FollowUpId, Interaction, InteractionKind, Money,
};
use kam::store::Store;
use kam::transfer::columns::RecordKind;
use kam::transfer::import::import_into;
use std::sync::Arc;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_740_000_000 + secs, 0).unwrap()
}

fn open(dir: &std::path::Path, user: &str) -> Book {
    let mut b = Book::open(Store::open(dir).unwrap(), Clock::fixed(today()), user).unwrap();
    b.set_wall_clock(Arc::new(|| at(0)));
    b
}

fn account(key: &str) -> Account {
    Account {
        key: key.into(),
        name: format!("{key} Ltd"),
        owner: "ann".into(),
        region: "east".into(),
        ..Default::default()
    }
}

fn order(a: AccountId, units: i64) -> Interaction {
    let mut i = Interaction::new(a, InteractionKind::Order, today());
    i.amount = Some(Money::from_units(units));
    i.summary = format!("order {units}");
    i
}

fn new_account(book: &mut Book, key: &str) -> Account {
    book.save_account(account(key)).unwrap();
    book.account_by_key(key).unwrap().into_owned()
}

/// The last entry that is not tier bookkeeping.
fn last_entry(book: &Book) -> AuditEntry {
    book.changes_since(0)
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| e.action != "tier_change")
        .unwrap()
}

#[test]
fn every_kind_of_write_is_audited_and_attributed() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    book.set_user("bob");
    book.set_wall_clock(Arc::new(|| at(42)));

    let a = new_account(&mut book, "ACME");
    let e = last_entry(&book);
    assert_eq!(
        (e.action.as_str(), e.user.as_str(), e.at),
        ("save_account", "bob", at(42))
    );
    assert_eq!(e.changes.len(), 1);
    assert!(
        e.changes[0].before.is_none(),
        "a creation has no before image"
    );
    assert_eq!(e.changes[0].record.key, "ACME");

    let mut edited = a.clone();
    edited.region = "west".into();
    edited.ratings.loyalty = Some(4);
    book.save_account(edited).unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "save_account");
    let fields: Vec<(&str, &str, &str)> = e.changes[0]
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.before.as_str(), f.after.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![("ratings.loyalty", "", "4"), ("region", "east", "west")]
    );

    let mut i = order(a.id, 1000);
    i.author = String::new();
    book.add_interaction(i).unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "add_interaction");
    match &e.changes[0].after {
        Some(RecordImage::Interaction(i)) => {
            assert_eq!(i.author, "bob", "author defaults to the user")
        }
        other => panic!("{other:?}"),
    }

    book.save_contact(Contact {
        account: a.id,
        name: "Wang".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(last_entry(&book).action, "save_contact");

    book.save_followup(FollowUp {
        id: FollowUpId(0),
        version: 0,
        account: a.id,
        due: today(),
        assignee: "bob".into(),
        note: "call".into(),
        done_at: None,
    })
    .unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "save_followup");
    assert_eq!(e.changes[0].record.kind, RefKind::FollowUp);
    let fid = FollowUpId(e.changes[0].record.id);
    book.complete_followup(fid).unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "complete_followup");
    assert!(
        e.changes[0]
            .fields
            .iter()
            .any(|f| f.field == "done_at" && f.after == "2025-03-01")
    );

    book.pin("ACME", "key", "board decision").unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "pin");
    assert!(e.changes[0].fields.iter().any(|f| f.field == "pin"));
    book.unpin("ACME").unwrap();
    assert_eq!(last_entry(&book).action, "unpin");

    book.mark_review().unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "mark_review");
    assert_eq!(e.changes[0].record.kind, RefKind::Meta);
    assert_eq!(e.changes[0].record.key, "review");

    let agenda = book.agenda(None).unwrap();
    let item = agenda.first().expect("something is due").clone();
    book.snooze(&item, today() + chrono::Days::new(1)).unwrap();
    assert_eq!(last_entry(&book).action, "snooze");

    let model = kam::segment::Model::preset("volume-loyalty").unwrap();
    book.set_model(model).unwrap();
    let e = last_entry(&book);
    assert_eq!(e.action, "set_model");
    assert_eq!(e.changes[0].record.key, "model");

    let csv = b"key,name,owner\nNEW-1,New One,bob\n".to_vec();
    let out = import_into(
        &mut book,
        RecordKind::Accounts,
        csv.as_slice(),
        "a.csv",
        false,
        None,
    )
    .unwrap();
    assert_eq!(out.import.unwrap().created, 1);
    let e = last_entry(&book);
    assert_eq!((e.action.as_str(), e.user.as_str()), ("import", "bob"));

    // Everyone's writes are attributed; nothing to "ann" here.
    let all = book.changes_since(0).unwrap();
    assert!(all.iter().all(|e| e.user == "bob"), "{all:?}");
    // The per-account history holds the account's own changes.
    let h = book.history(a.id).unwrap();
    assert!(h.iter().any(|e| e.action == "pin"));
    assert!(h.iter().all(|e| e.accounts().contains(&a.id)));
}

#[test]
fn seq_is_strictly_increasing_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut seqs = Vec::new();
    for round in 0..3 {
        let mut book = open(dir.path(), "ann");
        let a = new_account(&mut book, &format!("K{round}"));
        book.add_interaction(order(a.id, 10 + round)).unwrap();
        seqs.extend(book.changes_since(0).unwrap().iter().map(|e| e.seq));
        assert_eq!(book.last_seq().unwrap(), *seqs.last().unwrap());
        drop(book);
    }
    let book = open(dir.path(), "ann");
    let all: Vec<u64> = book
        .changes_since(0)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
    assert!(all.len() >= 6);
    // changes_since gives exactly what came after
    let mid = all[2];
    let after: Vec<u64> = book
        .changes_since(mid)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(after, all[3..].to_vec());
}

#[test]
fn a_retried_request_is_applied_once_with_the_same_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let a = new_account(&mut book, "ACME");
    let req = RequestId {
        client_id: 7,
        request_id: 1,
    };
    let op = WriteOp::AddInteraction {
        interaction: order(a.id, 500),
    };
    let first = book.execute(op.clone(), Some(req)).unwrap();
    let second = book.execute(op.clone(), Some(req)).unwrap();
    assert_eq!(first, second);
    assert!(first.seq.is_some());
    assert_eq!(book.interactions_of(a.id).unwrap().len(), 1);
    // Also after a restart (the request table is durable).
    drop(book);
    let mut book = open(dir.path(), "ann");
    let third = book.execute(op.clone(), Some(req)).unwrap();
    assert_eq!(first, third);
    assert_eq!(book.interactions_of(a.id).unwrap().len(), 1);
    // Another request id is another write.
    let other = RequestId {
        client_id: 7,
        request_id: 2,
    };
    let fourth = book.execute(op, Some(other)).unwrap();
    assert_ne!(fourth.seq, first.seq);
    assert_eq!(book.interactions_of(a.id).unwrap().len(), 2);
}

#[test]
fn edits_of_different_fields_merge() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let base = new_account(&mut book, "ACME");
    // "them": bob changes the region
    book.set_user("bob");
    let mut theirs = base.clone();
    theirs.region = "west".into();
    book.save_account(theirs).unwrap();
    // "me": ann edited the stale copy's name and loyalty
    book.set_user("ann");
    let mut mine = base.clone();
    mine.name = "Acme Holdings".into();
    mine.ratings.loyalty = Some(5);
    let out = book
        .execute(
            WriteOp::SaveAccount {
                base: Some(base.clone()),
                account: mine,
            },
            None,
        )
        .unwrap();
    assert_eq!(out.merged, vec!["region".to_string()]);
    let now = book.account(base.id).unwrap();
    assert_eq!(now.name, "Acme Holdings");
    assert_eq!(now.ratings.loyalty, Some(5));
    assert_eq!(now.region, "west", "their change is kept");
    assert_eq!(now.version, 3);
    assert_eq!(book.store().account(base.id).unwrap().unwrap(), *now);
}

#[test]
fn same_field_conflict_writes_nothing_and_reports_both_values_then_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let base = new_account(&mut book, "ACME");
    book.set_user("bob");
    let mut theirs = base.clone();
    theirs.region = "west".into();
    theirs.industry = "steel".into();
    book.save_account(theirs).unwrap();
    let seq_before = book.last_seq().unwrap();

    book.set_user("ann");
    let mut mine = base.clone();
    mine.region = "north".into();
    mine.name = "Acme Holdings".into();
    let err = book
        .execute(
            WriteOp::SaveAccount {
                base: Some(base.clone()),
                account: mine.clone(),
            },
            None,
        )
        .unwrap_err();
    let BookError::Conflict(info) = &err else {
        panic!("{err}")
    };
    assert_eq!(info.fields.len(), 1);
    let c = &info.fields[0];
    assert_eq!(
        (
            c.field.as_str(),
            c.base.as_str(),
            c.theirs.as_str(),
            c.mine.as_str()
        ),
        ("region", "east", "west", "north")
    );
    assert!(
        err.to_string().contains("theirs 'west', yours 'north'"),
        "{err}"
    );
    // nothing written
    assert_eq!(book.last_seq().unwrap(), seq_before);
    let stored = book.store().account(base.id).unwrap().unwrap();
    assert_eq!(
        (stored.region.as_str(), stored.name.as_str()),
        ("west", "ACME Ltd")
    );

    // Resolution: rebase on the current record, keep my region, save again.
    let RecordImage::Account(current) = &info.current else {
        panic!()
    };
    let mut resolved = mine.clone();
    resolved.version = current.version;
    resolved.industry = current.industry.clone();
    book.execute(
        WriteOp::SaveAccount {
            base: Some((**current).clone()),
            account: resolved,
        },
        None,
    )
    .unwrap();
    let now = book.account(base.id).unwrap();
    assert_eq!(
        (
            now.region.as_str(),
            now.name.as_str(),
            now.industry.as_str()
        ),
        ("north", "Acme Holdings", "steel")
    );
}

#[test]
fn a_stale_save_without_base_is_a_conflict_not_an_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let base = new_account(&mut book, "ACME");
    let mut theirs = base.clone();
    theirs.region = "west".into();
    book.save_account(theirs).unwrap();
    let mut mine = base.clone();
    mine.name = "Mine".into();
    assert!(matches!(
        book.save_account(mine),
        Err(BookError::Conflict(_))
    ));
    assert_eq!(book.account(base.id).unwrap().name, "ACME Ltd");
}

#[test]
fn a_new_account_cannot_take_an_existing_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let a = new_account(&mut book, "ACME");
    let mut dup = account("ACME");
    dup.name = "Imposter".into();
    assert!(book.save_account(dup).is_err());
    assert_eq!(book.account(a.id).unwrap().name, "ACME Ltd");
    // renaming onto another account's key is refused too
    let b = new_account(&mut book, "GLOBEX");
    let mut renamed = b.clone();
    renamed.key = "ACME".into();
    assert!(book.save_account(renamed).is_err());
    assert_eq!(book.account(a.id).unwrap().name, "ACME Ltd");
    // a key that differs only in case is the same customer: refused, and the
    // error names the key already stored (a new account, then a rename)
    let mut renamed_case = b.clone();
    renamed_case.key = "Acme".into();
    for twin in [account("acme"), renamed_case] {
        match book.save_account(twin) {
            Err(BookError::Store(kam::store::StoreError::DuplicateKey(k))) => {
                assert_eq!(k, "ACME")
            }
            other => panic!("expected a duplicate key, got {other:?}"),
        }
    }
    assert_eq!(book.accounts().unwrap().len(), 2);
}

#[test]
fn undo_reverts_an_insert_an_update_and_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let a = new_account(&mut book, "ACME");
    // insert
    book.add_interaction(order(a.id, 900)).unwrap();
    assert_eq!(book.interactions_of(a.id).unwrap().len(), 1);
    let out = book.execute(WriteOp::Undo, None).unwrap();
    assert!(out.undone.is_some());
    // (a tier move caused by the undo may be logged as a system entry)
    let left: Vec<Interaction> = book
        .interactions_of(a.id)
        .unwrap()
        .into_iter()
        .filter(|i| i.kind != InteractionKind::System)
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let e = last_entry(&book);
    assert_eq!((e.action.as_str(), e.undo_of), ("undo", out.undone));

    // update
    let mut edited = book.account(a.id).unwrap().into_owned();
    edited.name = "Changed".into();
    book.save_account(edited).unwrap();
    book.execute(WriteOp::Undo, None).unwrap();
    let now = book.account(a.id).unwrap();
    assert_eq!(now.name, "ACME Ltd");
    assert_eq!(
        book.store().account(a.id).unwrap().unwrap().name,
        "ACME Ltd"
    );

    // import: creates one account with an order, updates ACME
    let accounts = b"key,name,owner,region\nACME,Acme Imported,ann,east\nNEW,New Co,ann,south\n";
    import_into(
        &mut book,
        RecordKind::Accounts,
        accounts.as_slice(),
        "accounts.csv",
        false,
        None,
    )
    .unwrap();
    assert_eq!(book.account(a.id).unwrap().name, "Acme Imported");
    assert!(book.account_by_key("NEW").is_some());
    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.account(a.id).unwrap().name, "ACME Ltd");
    assert!(book.account_by_key("NEW").is_none());
    assert!(
        book.store().account_by_key("NEW").unwrap().is_none(),
        "key index cleaned"
    );
    // Engine is in step: the deleted account has no score any more.
    assert_eq!(book.engine().scores().len(), 1);

    // Undo walks back further: next is the account update? No — that was
    // undone already; the next own change is the account's creation.
    let out = book.execute(WriteOp::Undo, None).unwrap();
    let target = book.changes_since(0).unwrap();
    let undone = target.iter().find(|e| Some(e.seq) == out.undone).unwrap();
    assert_eq!(undone.action, "save_account");
    assert!(book.account_by_key("ACME").is_none());
    // Nothing of ann's left.
    assert!(matches!(
        book.execute(WriteOp::Undo, None),
        Err(BookError::Undo(_))
    ));
}

#[test]
fn undo_is_refused_when_someone_else_changed_the_record_since() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let a = new_account(&mut book, "ACME");
    book.set_user("bob");
    let mut b = book.account(a.id).unwrap().into_owned();
    b.region = "west".into();
    book.save_account(b).unwrap();
    book.set_user("ann");
    // ann's last change is the creation; bob edited the account since
    let err = book.execute(WriteOp::Undo, None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, BookError::Undo(_)));
    assert!(msg.contains("changed since by bob"), "{msg}");
    assert_eq!(
        book.account(a.id).unwrap().region,
        "west",
        "nothing clobbered"
    );
    // bob's undo only undoes bob's change
    book.set_user("bob");
    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.account(a.id).unwrap().region, "east");
    assert!(book.account_by_key("ACME").is_some());
}

#[test]
fn undo_of_a_model_change_restores_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let before = book.engine().model().name.clone();
    book.set_model(kam::segment::Model::preset("revenue-bands").unwrap())
        .unwrap();
    assert_ne!(book.engine().model().name, before);
    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.engine().model().name, before);
    drop(book);
    let book = open(dir.path(), "ann");
    assert_eq!(book.engine().model().name, before, "restored durably");
}

#[test]
fn a_write_that_changes_nothing_is_not_audited_nor_undone() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let acme = new_account(&mut book, "ACME");
    let seq = book.last_seq().unwrap();
    // Unpinning an account that has no pin: refused, nothing written.
    match book.unpin("ACME") {
        Err(e @ BookError::NotPinned(_)) => assert_eq!(e.to_string(), "ACME is not pinned"),
        other => panic!("expected NotPinned, got {other:?}"),
    }
    // Saving the account as it is stored: no entry, no version bump.
    let applied = book.save_account(acme.clone()).unwrap();
    assert_eq!(applied.seq(), None);
    assert_eq!(book.account_by_key("ACME").unwrap().version, acme.version);
    // The same pin twice on the same day: one entry.
    book.pin("ACME", "key", "board").unwrap();
    let pinned = book.last_seq().unwrap();
    assert_eq!(book.pin("ACME", "key", "board").unwrap().seq(), None);
    assert_eq!(book.last_seq().unwrap(), pinned);
    assert!(pinned > seq);
    // Undo takes back the pin, the last real change.
    assert_eq!(book.undo_target().unwrap().unwrap().action, "pin");
}
