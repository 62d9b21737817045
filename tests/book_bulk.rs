//! Bulk changes in the book: one write for many accounts (one audit entry,
//! undone as one), the rules applied per account (one refusal refuses all),
//! exactly-once per request, targets by id or by filter.

use chrono::{DateTime, NaiveDate, Utc};
use kam::audit::RequestId;
use kam::book::bulk::{BulkChange, BulkTarget};
use kam::book::{Book, BookError, WriteOp};
use kam::clock::Clock;
use kam::domain::{Account, AccountStatus};
use kam::store::Store;
use std::sync::Arc;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
}

fn open(dir: &std::path::Path, user: &str) -> Book {
    let mut b = Book::open(Store::open(dir).unwrap(), Clock::fixed(today()), user).unwrap();
    b.set_wall_clock(Arc::new(|| {
        DateTime::<Utc>::from_timestamp(1_740_000_000, 0).unwrap()
    }));
    b
}

fn seed(book: &mut Book) {
    for (key, owner, region) in [
        ("ACME", "ann", "east"),
        ("BETA", "bob", "east"),
        ("GAMMA", "ann", "west"),
        ("DELTA", "", "east"),
    ] {
        book.save_account(Account {
            key: key.into(),
            name: format!("{key} Ltd"),
            owner: owner.into(),
            region: region.into(),
            tags: vec!["old".into()],
            ..Default::default()
        })
        .unwrap();
    }
}

fn key_of(book: &Book, key: &str) -> Account {
    book.account_by_key(key).unwrap().into_owned()
}

fn east() -> BulkTarget {
    BulkTarget::Filter {
        filter: "region:east".into(),
        except: Vec::new(),
    }
}

#[test]
fn one_audit_entry_for_all_and_undo_restores_every_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    seed(&mut book);
    let before: Vec<Account> = ["ACME", "BETA", "DELTA", "GAMMA"]
        .iter()
        .map(|k| key_of(&book, k))
        .collect();
    let seq0 = book.last_seq().unwrap();
    let op = WriteOp::Bulk {
        target: east(),
        changes: vec![
            BulkChange::Owner("cat".into()),
            BulkChange::AddTag("vip".into()),
            BulkChange::RemoveTag("OLD".into()),
            BulkChange::Status(AccountStatus::Dormant),
        ],
    };
    let out = book.execute(op, None).unwrap();
    assert_eq!(out.count, 3);
    for k in ["ACME", "BETA", "DELTA"] {
        let a = key_of(&book, k);
        assert_eq!(a.owner, "cat", "{k}");
        assert_eq!(a.tags, vec!["vip".to_string()], "{k}");
        assert_eq!(a.status, AccountStatus::Dormant, "{k}");
    }
    assert_eq!(key_of(&book, "GAMMA").owner, "ann", "west is not matched");
    let entries: Vec<_> = book
        .changes_since(seq0)
        .unwrap()
        .into_iter()
        .filter(|e| e.action != "tier_change")
        .collect();
    assert_eq!(entries.len(), 1, "one change in the log");
    assert_eq!(
        entries[0].action,
        "bulk: owner=cat tags+=vip tags-=OLD status=dormant on 3 accounts"
    );
    assert_eq!(entries[0].accounts().len(), 3);

    let undo = book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(undo.undone, Some(entries[0].seq));
    for b in &before {
        let now = key_of(&book, &b.key);
        assert_eq!(
            (&now.owner, &now.tags, now.status),
            (&b.owner, &b.tags, b.status)
        );
    }
}

#[test]
fn a_follow_up_on_each_is_assigned_to_the_owner_and_undone_with_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    seed(&mut book);
    let ids = vec![key_of(&book, "ACME").id, key_of(&book, "BETA").id];
    let due = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
    let op = WriteOp::Bulk {
        target: BulkTarget::Accounts(ids),
        changes: vec![BulkChange::FollowUp {
            due,
            note: "price list".into(),
        }],
    };
    book.execute(op, None).unwrap();
    let mut f = book.followups().unwrap();
    f.sort_by(|a, b| a.assignee.cmp(&b.assignee));
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].assignee.as_str(), f[0].due), ("ann", due));
    assert_eq!(f[1].assignee, "bob");
    book.execute(WriteOp::Undo, None).unwrap();
    assert!(book.followups().unwrap().is_empty());
}

#[test]
fn one_account_failing_a_rule_refuses_the_whole_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    seed(&mut book);
    let seq0 = book.last_seq().unwrap();
    // DELTA has no owner: its follow-up would have nobody to do it.
    let op = WriteOp::Bulk {
        target: east(),
        changes: vec![
            BulkChange::AddTag("x".into()),
            BulkChange::FollowUp {
                due: NaiveDate::from_ymd_opt(2025, 3, 10).unwrap(),
                note: "call".into(),
            },
        ],
    };
    let e = book.execute(op, None).unwrap_err();
    assert!(
        matches!(&e, BookError::Refused { key, .. } if key == "DELTA"),
        "{e}"
    );
    assert!(e.to_string().contains("assignee"), "{e}");
    assert_eq!(book.last_seq().unwrap(), seq0, "nothing written");
    assert!(!key_of(&book, "ACME").tags.contains(&"x".to_string()));
    // A due day in the past is refused as a form refuses it.
    let op = WriteOp::Bulk {
        target: BulkTarget::Accounts(vec![key_of(&book, "ACME").id]),
        changes: vec![BulkChange::FollowUp {
            due: NaiveDate::from_ymd_opt(2025, 2, 1).unwrap(),
            note: "late".into(),
        }],
    };
    let e = book.execute(op, None).unwrap_err().to_string();
    assert!(e.contains("ACME") && e.contains("in the past"), "{e}");
    // An unknown tier and a pin without reason.
    let pin = |tier: &str, reason: &str| WriteOp::Bulk {
        target: east(),
        changes: vec![BulkChange::Pin {
            tier: tier.into(),
            reason: reason.into(),
        }],
    };
    assert!(matches!(
        book.execute(pin("Gold", "x"), None),
        Err(BookError::UnknownTier { .. })
    ));
    assert!(book.execute(pin("Key", " "), None).is_err());
    assert_eq!(book.last_seq().unwrap(), seq0);
}

#[test]
fn exactly_once_per_request_and_dry_plan_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    seed(&mut book);
    let changes = vec![BulkChange::Pin {
        tier: "key".into(),
        reason: "board".into(),
    }];
    let plan = book.plan_bulk(&east(), &changes).unwrap();
    assert_eq!(plan.matched, 3);
    assert_eq!(plan.changes.len(), 3);
    assert_eq!(plan.changes[0].key, "ACME");
    assert_eq!(plan.changes[0].fields[0].field, "pin");
    assert!(key_of(&book, "ACME").pin.is_none(), "a plan writes nothing");
    let req = RequestId {
        client_id: 1,
        request_id: 9,
    };
    let op = WriteOp::Bulk {
        target: east(),
        changes,
    };
    let first = book.execute(op.clone(), Some(req)).unwrap();
    let seq = book.last_seq().unwrap();
    let again = book.execute(op, Some(req)).unwrap();
    assert_eq!(first, again);
    assert_eq!(book.last_seq().unwrap(), seq);
    assert_eq!(key_of(&book, "BETA").pin.unwrap().tier, "Key");
    // Excepted accounts are left alone.
    let op = WriteOp::Bulk {
        target: BulkTarget::Filter {
            filter: "region:east".into(),
            except: vec![key_of(&book, "BETA").id],
        },
        changes: vec![BulkChange::BackupOwner("dan".into())],
    };
    assert_eq!(book.execute(op, None).unwrap().count, 2);
    assert_eq!(key_of(&book, "BETA").backup_owner, "");
    assert_eq!(key_of(&book, "ACME").backup_owner, "dan");
}

#[test]
fn a_big_change_is_still_one_entry_and_its_outcome_lists_no_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open(dir.path(), "ann");
    let accounts: Vec<Account> = (0..600)
        .map(|i| Account {
            key: format!("K{i:04}"),
            name: format!("Company {i}"),
            owner: "ann".into(),
            ..Default::default()
        })
        .collect();
    book.apply(kam::store::Batch {
        accounts,
        ..Default::default()
    })
    .unwrap();
    let seq0 = book.last_seq().unwrap();
    let op = WriteOp::Bulk {
        target: BulkTarget::Filter {
            filter: "owner:ann".into(),
            except: Vec::new(),
        },
        changes: vec![BulkChange::Owner("bob".into())],
    };
    let out = book.execute(op, None).unwrap();
    assert_eq!(out.count, 600);
    assert!(out.records.is_empty(), "{} records", out.records.len());
    let entries: Vec<_> = book
        .changes_since(seq0)
        .unwrap()
        .into_iter()
        .filter(|e| e.action != "tier_change")
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].changes.len(), 600);
    book.execute(WriteOp::Undo, None).unwrap();
    assert!(book.accounts().unwrap().iter().all(|a| a.owner == "ann"));
}
