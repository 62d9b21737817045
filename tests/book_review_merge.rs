//! The periodic review (which accounts are due, finishing as one audited
//! change) and merging duplicate accounts (one change, undone as one), on
//! real sled stores in temp dirs.

use chrono::{Days, NaiveDate};
use kam::audit::{RefKind, RequestId};
use kam::book::review::{META_REVIEW_SUMMARY, ReviewTally};
use kam::book::{Book, WriteOp};
use kam::clock::Clock;
use kam::domain::{Account, AccountId, Contact, FollowUp, Interaction, InteractionKind, Money};
use kam::store::Store;
use std::collections::BTreeSet;
use std::path::Path;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()
}

fn open_on(dir: &Path, day: NaiveDate) -> Book {
    Book::open(Store::open(dir).unwrap(), Clock::fixed(day), "ann").unwrap()
}

fn account(key: &str, name: &str) -> Account {
    Account {
        key: key.into(),
        name: name.into(),
        owner: "ann".into(),
        ..Default::default()
    }
}

fn order(a: AccountId, units: i64) -> Interaction {
    let mut i = Interaction::new(a, InteractionKind::Order, today() - Days::new(10));
    i.amount = Some(Money::from_units(units));
    i.summary = format!("order {units}");
    i
}

/// Ten accounts with orders of 1 000 … 10 000.
fn ten(book: &mut Book) -> Vec<AccountId> {
    (1..=10)
        .map(|n| {
            let key = format!("A{n:02}");
            book.save_account(account(&key, &format!("Firm {n}")))
                .unwrap();
            let id = book.account_by_key(&key).unwrap().id;
            book.add_interaction(order(id, n * 1000)).unwrap();
            id
        })
        .collect()
}

fn keys(items: &[kam::book::review::ReviewItem]) -> BTreeSet<String> {
    items.iter().map(|i| i.key.clone()).collect()
}

#[test]
fn review_lists_tier_moves_since_the_last_review_and_old_pins() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open_on(dir.path(), today());
    let ids = ten(&mut book);
    assert!(
        book.review_due().unwrap().is_empty(),
        "before the first review there is no baseline and no old pin"
    );
    book.mark_review().unwrap();
    assert!(book.review_due().unwrap().is_empty());

    // The smallest account becomes the biggest: it and others move.
    book.add_interaction(order(ids[0], 500_000)).unwrap();
    let (_, then) = book.last_review().unwrap().unwrap();
    let moved: BTreeSet<String> = book
        .accounts()
        .unwrap()
        .iter()
        .filter(|a| book.engine().tier(a.id).as_ref() != then.get(&a.id))
        .map(|a| a.key.clone())
        .collect();
    assert!(moved.contains("A01"), "{moved:?}");
    let due = book.review_due().unwrap();
    assert_eq!(keys(&due), moved);
    let a01 = due.iter().find(|i| i.key == "A01").unwrap();
    assert_eq!(a01.from.as_deref(), then.get(&ids[0]).map(|s| s.as_str()));
    assert_ne!(a01.from.as_deref(), Some(a01.to.as_str()));
    assert!(!a01.why.is_empty(), "the move is explained");

    // A pin: not due while young, due once it is review_days old.
    book.execute(
        WriteOp::Pin {
            key: "A05".into(),
            tier: book.engine().tier(ids[4]).unwrap(),
            reason: "board decision".into(),
        },
        None,
    )
    .unwrap();
    book.execute(
        WriteOp::FinishReview {
            confirmed: keys(&due).into_iter().collect(),
            tally: ReviewTally {
                confirmed: due.len(),
                ..Default::default()
            },
        },
        None,
    )
    .unwrap();
    assert!(book.review_due().unwrap().is_empty(), "all reviewed");
    let s = book.last_review_summary().unwrap().unwrap();
    assert_eq!((s.by.as_str(), s.day, s.items), ("ann", today(), due.len()));
    assert_eq!(s.tally.confirmed, due.len());
    drop(book);

    let later = today() + Days::new(u64::from(kam::segment::DEFAULT_REVIEW_DAYS));
    let book = open_on(dir.path(), later - Days::new(1));
    assert!(
        !keys(&book.review_due().unwrap()).contains("A05"),
        "a pin younger than the period is not due"
    );
    drop(book);
    let mut book = open_on(dir.path(), later);
    let due = book.review_due().unwrap();
    let a05 = due.iter().find(|i| i.key == "A05").expect("old pin due");
    assert_eq!(a05.old_pin.as_ref().unwrap().reason, "board decision");

    // Confirming re-dates the pin: due again only a period later.
    let finish = WriteOp::FinishReview {
        confirmed: vec!["A05".into()],
        tally: ReviewTally {
            confirmed: 1,
            ..Default::default()
        },
    };
    let req = RequestId {
        client_id: 7,
        request_id: 1,
    };
    let first = book.execute(finish.clone(), Some(req)).unwrap();
    let again = book.execute(finish, Some(req)).unwrap();
    assert_eq!(first.seq, again.seq, "exactly once per request");
    assert_eq!(
        book.account_by_key("A05").unwrap().pin.as_ref().unwrap().at,
        later
    );
    assert!(book.review_due().unwrap().is_empty());
    // One audit entry with the baseline, the summary and the re-dated pin;
    // undo takes all of it back.
    let e = book.changes_since(0).unwrap().pop().unwrap();
    assert_eq!(e.action, "finish_review");
    let touched: BTreeSet<String> = e.changes.iter().map(|c| c.record.key.clone()).collect();
    assert!(touched.contains("review") && touched.contains(META_REVIEW_SUMMARY));
    assert!(touched.contains("A05"));
    book.execute(WriteOp::Undo, None).unwrap();
    assert!(keys(&book.review_due().unwrap()).contains("A05"));
}

#[test]
fn the_review_period_comes_from_the_model() {
    let text = kam::segment::Model::default().to_toml();
    let text = text.replacen("description =", "review_days = 30\ndescription =", 1);
    let m = kam::segment::Model::from_toml(&text).unwrap();
    assert_eq!(m.review_days, 30);
    assert_eq!(
        kam::segment::Model::from_toml(&m.to_toml())
            .unwrap()
            .review_days,
        30
    );
    let bad = text.replace("review_days = 30", "review_days = 0");
    assert!(
        kam::segment::Model::from_toml(&bad)
            .unwrap_err()
            .to_string()
            .contains("review_days")
    );
}

/// Two accounts of the same customer, each with every kind of record.
/// The book's engine scores as one rebuilt from every record in its store:
/// records moved between accounts left nothing behind.
fn assert_engine_is_a_rebuild(book: &Book, when: &str) {
    let s = book.store();
    let mut full = kam::segment::Engine::new(book.engine().model().clone(), book.today());
    full.rebuild(
        &s.accounts().unwrap(),
        &s.contacts().unwrap(),
        s.interactions().unwrap().iter(),
    );
    assert_eq!(book.engine().scores(), full.scores(), "{when}");
    let inputs = |e: &kam::segment::Engine| {
        let mut ids: Vec<_> = s.accounts().unwrap().iter().map(|a| a.id).collect();
        ids.sort();
        ids.into_iter().map(|id| e.inputs(id)).collect::<Vec<_>>()
    };
    assert_eq!(inputs(book.engine()), inputs(&full), "{when}");
}

fn duplicates(book: &mut Book) -> (Account, Account) {
    let mut keep = account("ACME", "Acme GmbH");
    keep.region = "north".into();
    keep.tags = vec!["steel".into()];
    book.save_account(keep).unwrap();
    let mut drop = account("ACME2", "ACME, Inc.");
    drop.region = "south".into();
    drop.industry = "machinery".into();
    drop.tags = vec!["export".into(), "steel".into()];
    book.save_account(drop).unwrap();
    let (k, d) = (
        book.account_by_key("ACME").unwrap().id,
        book.account_by_key("ACME2").unwrap().id,
    );
    for (id, name) in [(k, "Kim"), (d, "Dora")] {
        book.save_contact(Contact {
            account: id,
            name: name.into(),
            email: format!("{}@acme.com", name.to_lowercase()),
            primary: true,
            ..Default::default()
        })
        .unwrap();
        book.add_interaction(order(id, 2000)).unwrap();
        book.save_followup(FollowUp {
            account: id,
            due: today() + Days::new(3),
            assignee: "ann".into(),
            note: format!("call {name}"),
            id: Default::default(),
            version: 0,
            done_at: None,
        })
        .unwrap();
    }
    book.execute(
        WriteOp::Pin {
            key: "ACME2".into(),
            tier: book.engine().tier(d).unwrap(),
            reason: "key customer".into(),
        },
        None,
    )
    .unwrap();
    (
        book.account_by_key("ACME").unwrap().into_owned(),
        book.account_by_key("ACME2").unwrap().into_owned(),
    )
}

/// Every record of an account, by kind and id, with its content.
fn records_of(book: &Book, id: AccountId) -> Vec<String> {
    let mut out: Vec<String> = book
        .contacts_of(id)
        .unwrap()
        .into_iter()
        .map(|c| format!("{c:?}"))
        .collect();
    out.extend(
        book.interactions_of(id)
            .unwrap()
            .into_iter()
            .filter(|i| i.kind != InteractionKind::System)
            .map(|i| format!("{i:?}")),
    );
    out.extend(
        book.store()
            .followups_of(id)
            .unwrap()
            .into_iter()
            .map(|f| format!("{f:?}")),
    );
    out
}

#[test]
fn merge_moves_every_record_in_one_change_and_undo_restores_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open_on(dir.path(), today());
    let (keep, drop) = duplicates(&mut book);
    let keep_records = records_of(&book, keep.id);
    let drop_records = records_of(&book, drop.id);
    let before_seq = book.last_seq().unwrap();

    let plan = book
        .plan_merge("ACME", "ACME2", &["region".to_string()])
        .unwrap();
    let fields: Vec<(&str, bool)> = plan
        .conflicts
        .iter()
        .map(|c| (c.field.as_str(), c.take))
        .collect();
    assert_eq!(fields, vec![("name", false), ("region", true)]);
    assert_eq!(plan.filled, vec!["industry", "tags", "pin"]);
    assert_eq!((plan.contacts, plan.followups), (1, 1));
    assert_eq!(
        book.last_seq().unwrap(),
        before_seq,
        "a plan writes nothing"
    );

    let op = WriteOp::MergeAccounts {
        keep: "ACME".into(),
        drop: "acme2".into(),
        take: vec!["region".into()],
    };
    let req = RequestId {
        client_id: 3,
        request_id: 9,
    };
    let out = book.execute(op.clone(), Some(req)).unwrap();
    assert_eq!(book.execute(op, Some(req)).unwrap().seq, out.seq);
    let e = book
        .changes_since(before_seq)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "merge_accounts")
        .unwrap();
    assert_eq!(
        book.changes_since(before_seq)
            .unwrap()
            .iter()
            .filter(|e| e.action != "tier_change")
            .count(),
        1,
        "one change"
    );
    assert!(
        e.changes
            .iter()
            .any(|c| c.record.kind == RefKind::Account && c.after.is_none()),
        "DROP's deletion is in the entry"
    );

    assert!(book.account_by_key("ACME2").is_none());
    let merged = book.account_by_key("ACME").unwrap().into_owned();
    assert_eq!(merged.name, "Acme GmbH", "kept by default");
    assert_eq!(merged.region, "south", "taken");
    assert_eq!(merged.industry, "machinery", "filled");
    assert_eq!(merged.tags, vec!["steel", "export"]);
    assert_eq!(merged.pin.as_ref().unwrap().reason, "key customer");
    let contacts = book.contacts_of(keep.id).unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        contacts.iter().filter(|c| c.primary).count(),
        1,
        "one primary contact"
    );
    assert_eq!(
        records_of(&book, keep.id).len(),
        keep_records.len() + drop_records.len()
    );
    assert!(records_of(&book, drop.id).is_empty());
    assert!(book.engine().tier(drop.id).is_none(), "DROP is not scored");
    assert_engine_is_a_rebuild(&book, "after the merge");

    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.account_by_key("ACME").unwrap().region, keep.region);
    let back = book.account_by_key("ACME2").unwrap();
    assert_eq!(
        (back.id, &back.name, &back.pin),
        (drop.id, &drop.name, &drop.pin)
    );
    // Same content, versions bumped by the restore.
    let strip = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|s| {
                let re = s.find("version: ").map(|i| {
                    let end = s[i..].find(',').unwrap() + i;
                    format!("{}{}", &s[..i], &s[end..])
                });
                re.unwrap_or(s)
            })
            .collect()
    };
    assert_eq!(strip(records_of(&book, keep.id)), strip(keep_records));
    assert_eq!(strip(records_of(&book, drop.id)), strip(drop_records));
    assert!(book.engine().tier(drop.id).is_some());
    assert_engine_is_a_rebuild(&book, "after its undo");
    // And the restored book survives a reopen.
    drop_book(book);
    let book = open_on(dir.path(), today());
    assert!(book.account_by_key("ACME2").is_some());
    assert_eq!(book.contacts_of(drop.id).unwrap().len(), 1);
}

fn drop_book(b: Book) {
    drop(b)
}

#[test]
fn merge_refuses_itself_and_unknown_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open_on(dir.path(), today());
    duplicates(&mut book);
    let err = |keep: &str, drop: &str, take: &[&str]| {
        let take: Vec<String> = take.iter().map(|s| s.to_string()).collect();
        book.plan_merge(keep, drop, &take).unwrap_err().to_string()
    };
    assert!(err("ACME", "acme", &[]).contains("itself"));
    assert!(err("ACME", "ACME2", &["colour"]).contains("colour"));
    assert!(err("ACME", "NOPE", &[]).contains("NOPE"));
}

#[test]
fn likely_duplicates_by_name_and_company_domain() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = open_on(dir.path(), today());
    duplicates(&mut book);
    for (key, name, email) in [
        ("BETA", "Beta AG", "x@beta.de"),
        ("BETA-UK", "Beta Ltd.", "y@beta.co.uk"),
        ("GAMMA", "Gamma", "g@gmail.com"),
        ("DELTA", "Delta Corp", "d@gmail.com"),
        ("ZETA", "Zeta Works", "z@beta.de"),
    ] {
        book.save_account(account(key, name)).unwrap();
        let id = book.account_by_key(key).unwrap().id;
        book.save_contact(Contact {
            account: id,
            name: "P".into(),
            email: email.into(),
            ..Default::default()
        })
        .unwrap();
    }
    let pairs: Vec<(String, String, String)> = book
        .likely_duplicates()
        .unwrap()
        .into_iter()
        .map(|p| {
            let by = serde_json::to_value(&p.likeness).unwrap();
            (p.first, p.second, by["by"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("ACME".into(), "ACME2".into(), "name".into()),
            ("BETA".into(), "BETA-UK".into(), "name".into()),
            ("BETA".into(), "ZETA".into(), "domain".into()),
        ],
        "gmail.com is webmail, not a company"
    );
}
