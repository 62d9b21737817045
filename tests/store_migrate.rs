//! Databases written by the previous kam (schema 1: no case-folded key
//! index; snoozes, review marks and request outcomes as untyped bytes) open
//! and show the same data. The old formats are written here byte for byte,
//! with sled directly, as that version wrote them.

use chrono::NaiveDate;
use kam::audit::RequestId;
use kam::book::{Book, WriteOp, WriteOutcome, snooze_key};
use kam::clock::Clock;
use kam::domain::*;
use kam::store::envelope::{decode, encode};
use kam::store::{Batch, DbHeader, MetaValue, RequestEntry, SCHEMA_VERSION, Store, StoreError};
use std::path::Path;

mod old_layout;
mod server_common;
use old_layout::{PACKED, set_schema, unpack};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
}

fn account(key: &str) -> Account {
    Account {
        key: key.into(),
        name: key.into(),
        ..Default::default()
    }
}

/// The raw sled database. sled lets its file lock go a moment after the
/// last handle is dropped (see `store::open`): retry briefly, as kam does.
fn raw_open(path: &Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("{} stayed locked", path.display())
}

/// Turns a closed database back into schema 1: records one key each, one
/// id index entry per id, no folded index, header 1,
/// and `more` run on the raw sled database (to write old-format values).
fn make_old(path: &Path, more: impl FnOnce(&sled::Db)) {
    let db = raw_open(path);
    ungroup_ids(&db);
    assert!(db.drop_tree("account_keys_folded").unwrap());
    set_schema(&db, 1);
    more(&db);
    close_raw(db, path);
}

/// Lets go of the raw database as a crashed writer would: the clean-close
/// marker goes, so the next open checks the files.
fn close_raw(db: sled::Db, path: &Path) {
    db.flush().unwrap();
    drop(db);
    let _ = std::fs::remove_file(path.join(kam::store::GUARD_FILES[0]));
}

fn schema_of(path: &Path) -> u32 {
    let db = raw_open(path);
    let b = db
        .open_tree("meta")
        .unwrap()
        .get(b"header")
        .unwrap()
        .unwrap();
    decode::<DbHeader>(&b).unwrap().schema
}

#[test]
fn an_old_database_gets_its_folded_key_index_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (acme, globex) = {
        let s = Store::open(&path).unwrap();
        let a = s.insert_account(account("ACME")).unwrap();
        let g = s.insert_account(account("globex")).unwrap();
        (a, g)
    };
    // Schema 1 did not refuse twins ignoring case: one more, written raw.
    let twin = Account {
        id: AccountId(999_999),
        version: 1,
        ..account("Acme")
    };
    make_old(&path, |db| {
        db.open_tree("accounts")
            .unwrap()
            .insert(twin.id.to_be_bytes(), encode(&twin).unwrap())
            .unwrap();
        db.open_tree("account_keys")
            .unwrap()
            .insert(b"Acme", &twin.id.to_be_bytes())
            .unwrap();
    });
    assert_eq!(schema_of(&path), 1);

    let s = Store::open(&path).unwrap();
    let mut ids: Vec<AccountId> = s
        .accounts_ignoring_case("acme")
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    assert_eq!(ids, vec![acme.id, twin.id], "both twins are indexed");
    assert_eq!(s.accounts_ignoring_case("GLOBEX").unwrap()[0].id, globex.id);
    // New near-twins are refused, named by the stored key.
    match s.insert_account(account("Globex")) {
        Err(StoreError::DuplicateKey(k)) => assert_eq!(k, "globex"),
        other => panic!("expected a duplicate key, got {other:?}"),
    }
    assert!(matches!(
        s.insert_account(account("aCmE")),
        Err(StoreError::DuplicateKey(_))
    ));
    // An old twin can still be edited (its key is not new), and renamed
    // away, which frees its place in the index.
    let mut t = s.account(twin.id).unwrap().unwrap();
    t.name = "Acme (old twin)".into();
    let t = s.update_account(t).unwrap();
    let mut renamed = t.clone();
    renamed.key = "ACME-2".into();
    s.update_account(renamed).unwrap();
    assert_eq!(s.accounts_ignoring_case("acme").unwrap().len(), 1);
    assert_eq!(s.accounts_ignoring_case("acme-2").unwrap()[0].id, twin.id);
    drop(s);
    assert_eq!(schema_of(&path), SCHEMA_VERSION, "migrated once");
}

#[test]
fn old_snooze_and_review_text_show_the_same_and_become_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let today = day(10);
    let (first, second) = {
        let s = Store::open(&path).unwrap();
        let mut book = Book::open(s, Clock::fixed(today), "ann").unwrap();
        let a = book.save_account(account("ACME")).unwrap().stored.accounts[0].clone();
        let b = book
            .save_account(account("GLOBEX"))
            .unwrap()
            .stored
            .accounts[0]
            .clone();
        for acc in [&a, &b] {
            let f = FollowUp {
                id: FollowUpId(0),
                version: 0,
                account: acc.id,
                due: today,
                assignee: "ann".into(),
                note: "call".into(),
                done_at: None,
            };
            book.save_followup(f).unwrap();
        }
        let agenda = book.agenda(None).unwrap();
        let item = |id: AccountId| {
            agenda
                .iter()
                .find(|i| i.account == id && i.follow_up.is_some())
                .unwrap()
                .clone()
        };
        (item(a.id), item(b.id))
    };
    // The previous version's blobs: `key\tuntil` lines; date then
    // `id\ttier` lines. Written as that version did (a text blob).
    let snoozed = format!("{}\t{}", snooze_key(&first), day(20));
    let review = format!(
        "2025-03-04\n{}\tA\n{}\tC\n",
        first.account.0, second.account.0
    );
    make_old(&path, |db| {
        let blobs = db.open_tree("named_blobs").unwrap();
        blobs
            .insert(b"snoozed", encode(&snoozed.clone().into_bytes()).unwrap())
            .unwrap();
        blobs
            .insert(b"review", encode(&review.clone().into_bytes()).unwrap())
            .unwrap();
    });

    let s = Store::open(&path).unwrap();
    let mut book = Book::open(s, Clock::fixed(today), "ann").unwrap();
    let shown = |book: &Book| -> Vec<AccountId> {
        book.agenda(None)
            .unwrap()
            .iter()
            .filter(|i| i.follow_up.is_some())
            .map(|i| i.account)
            .collect()
    };
    assert_eq!(shown(&book), vec![second.account], "the old snooze holds");
    let (date, tiers) = book.last_review().unwrap().expect("the old review");
    assert_eq!(date, "2025-03-04");
    assert_eq!(tiers[&first.account], "A");
    assert_eq!(tiers[&second.account], "C");

    // The next snooze keeps the old one and is stored typed.
    book.snooze(&second, day(15)).unwrap();
    assert!(shown(&book).is_empty());
    match book.store().meta_value("snoozed").unwrap() {
        Some(MetaValue::Snoozes(s)) => {
            assert_eq!(s.until(&snooze_key(&first)), Some(day(20)));
            assert_eq!(s.until(&snooze_key(&second)), Some(day(15)));
        }
        other => panic!("expected typed snoozes, got {other:?}"),
    }
    // Undoing it restores the old text's content, as a typed record.
    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(shown(&book), vec![second.account]);
    book.mark_review().unwrap();
    assert!(matches!(
        book.store().meta_value("review").unwrap(),
        Some(MetaValue::Review(r)) if r.day == today
    ));
}

#[test]
fn an_outcome_recorded_as_bare_bytes_is_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let req = RequestId {
        client_id: 5,
        request_id: 1,
    };
    let first = {
        let s = Store::open(&path).unwrap();
        let mut book = Book::open(s, Clock::fixed(day(10)), "ann").unwrap();
        book.save_account(account("ACME")).unwrap();
        // A review's outcome counts the accounts marked: a count the audit
        // entry does not keep, so only the recorded outcome can give it.
        book.execute(WriteOp::MarkReview, Some(req)).unwrap()
    };
    assert_eq!(first.count, 1);
    // What the previous version kept: bincode of the outcome, no envelope.
    let bare = bincode::serde::encode_to_vec(&first, bincode::config::standard()).unwrap();
    make_old(&path, |db| {
        let entry = RequestEntry {
            seq: first.seq.unwrap(),
            outcome: bare,
        };
        db.open_tree("requests")
            .unwrap()
            .insert(req.key(), encode(&entry).unwrap())
            .unwrap();
    });
    let s = Store::open(&path).unwrap();
    let mut book = Book::open(s, Clock::fixed(day(10)), "ann").unwrap();
    let seq = book.last_seq().unwrap();
    let again: WriteOutcome = book.execute(WriteOp::MarkReview, Some(req)).unwrap();
    assert_eq!(again, first, "the first answer, not a rebuilt one");
    assert_eq!(book.last_seq().unwrap(), seq, "applied once");
    // Newly recorded outcomes are typed records in their own envelope.
    let req2 = RequestId {
        client_id: 5,
        request_id: 2,
    };
    let op = WriteOp::SaveAccount {
        base: None,
        account: account("GLOBEX"),
    };
    let out = book.execute(op, Some(req2)).unwrap();
    let entry = book.store().request(req2).unwrap().unwrap();
    assert_eq!(&entry.outcome[..2], &[0xCA, 10], "envelope, Tag::Outcome");
    assert_eq!(decode::<WriteOutcome>(&entry.outcome).unwrap(), out);
}

/// Turns the id indexes of a closed database back into schema 2's layout:
/// one entry per id, id → record key.
fn ungroup_ids(db: &sled::Db) {
    unpack(db);
    for (records, ids) in [
        ("contacts", "contact_ids"),
        ("interactions", "interaction_ids"),
        ("followups", "followup_ids"),
    ] {
        let ids = db.open_tree(ids).unwrap();
        ids.clear().unwrap();
        for kv in db.open_tree(records).unwrap().iter() {
            let (k, _) = kv.unwrap();
            ids.insert(*k.last_chunk::<8>().unwrap(), k.clone())
                .unwrap();
        }
    }
    set_schema(db, 2);
}

#[test]
fn an_old_database_gets_its_id_index_grouped_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    // More than one group of 64 ids, over two accounts.
    let book = book_over_years(&path);
    let raw = raw_open(&path);
    ungroup_ids(&raw);
    assert_eq!(raw.open_tree("interaction_ids").unwrap().len(), 120);
    close_raw(raw, &path);
    assert_eq!(schema_of(&path), 2);

    let s = Store::open(&path).unwrap();
    assert_same_book(&s, &book, "after the upgrade");
    edit_and_delete(&s, &book.1);
    drop(s);
    assert_eq!(schema_of(&path), SCHEMA_VERSION);
    let raw = raw_open(&path);
    let groups = raw.open_tree("interaction_ids").unwrap().len();
    assert!(groups <= 4, "120 neighbouring ids in {groups} entries");
}

/// The 2 → 3 step cut short by a crash (after the index was cleared, or
/// after the groups were written but before the header said 3) runs again
/// on the next open and ends the same.
#[test]
fn an_id_index_upgrade_cut_short_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let orders: Vec<Interaction> = {
        let s = Store::open(&path).unwrap();
        let a = s.insert_account(account("ACME")).unwrap();
        (0..100)
            .map(|n| {
                let i = Interaction::new(a.id, InteractionKind::Meeting, day(1 + n % 20));
                s.insert_interaction(i).unwrap()
            })
            .collect()
    };
    for cut in ["cleared", "grouped"] {
        let raw = raw_open(&path);
        unpack(&raw);
        if cut == "cleared" {
            raw.open_tree("interaction_ids").unwrap().clear().unwrap();
        }
        set_schema(&raw, 2);
        close_raw(raw, &path);

        let s = Store::open(&path).unwrap();
        for o in &orders {
            assert_eq!(s.interaction(o.id).unwrap().as_ref(), Some(o), "{cut}");
        }
        let verified = s.verify().unwrap();
        assert!(
            verified.problems.is_empty(),
            "{cut}: {:?}",
            verified.problems
        );
        drop(s);
        assert_eq!(schema_of(&path), SCHEMA_VERSION);
    }
}

/// A book of two accounts: a contact, interactions over four years (more
/// than one block per account), a follow-up.
fn book_over_years(path: &Path) -> (Vec<Contact>, Vec<Interaction>, Vec<FollowUp>) {
    let s = Store::open(path).unwrap();
    let a = s.insert_account(account("ACME")).unwrap();
    let b = s.insert_account(account("GLOBEX")).unwrap();
    let contacts = vec![
        s.insert_contact(Contact {
            account: a.id,
            name: "Ann".into(),
            ..Default::default()
        })
        .unwrap(),
    ];
    let interactions = (0..120)
        .map(|n| {
            let owner = if n % 3 == 0 { b.id } else { a.id };
            let at = NaiveDate::from_ymd_opt(2022 + n as i32 % 4, 1 + n % 12, 1 + n % 28).unwrap();
            let mut i = Interaction::new(owner, InteractionKind::Meeting, at);
            i.summary = format!("meeting {n}");
            s.insert_interaction(i).unwrap()
        })
        .collect();
    let followups = vec![
        s.insert_followup(FollowUp {
            id: FollowUpId(0),
            version: 0,
            account: b.id,
            due: day(20),
            assignee: "ann".into(),
            note: "call".into(),
            done_at: None,
        })
        .unwrap(),
    ];
    (contacts, interactions, followups)
}

fn tree_names(path: &Path) -> Vec<String> {
    let raw = raw_open(path);
    raw.tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// Every record found by id and by account, in timeline order, and the
/// whole store checked.
fn assert_same_book(s: &Store, book: &(Vec<Contact>, Vec<Interaction>, Vec<FollowUp>), at: &str) {
    let (contacts, interactions, followups) = book;
    for c in contacts {
        assert_eq!(s.contact(c.id).unwrap().as_ref(), Some(c), "{at}");
    }
    for i in interactions {
        assert_eq!(s.interaction(i.id).unwrap().as_ref(), Some(i), "{at}");
    }
    for f in followups {
        assert_eq!(s.followup(f.id).unwrap().as_ref(), Some(f), "{at}");
    }
    let mut by_timeline = interactions.clone();
    by_timeline.sort_by_key(|i| (i.account, i.at, i.id));
    assert_eq!(s.interactions().unwrap(), by_timeline, "{at}");
    let acme = by_timeline[0].account;
    let of_acme: Vec<_> = by_timeline
        .iter()
        .filter(|i| i.account == acme)
        .cloned()
        .collect();
    assert_eq!(s.interactions_of(acme).unwrap(), of_acme, "{at}");
    let verified = s.verify().unwrap();
    assert!(
        verified.problems.is_empty(),
        "{at}: {:?}",
        verified.problems
    );
}

/// An edit and a delete of `book_over_years`'s interactions, through
/// whatever layout the upgrade left.
fn edit_and_delete(s: &Store, interactions: &[Interaction]) {
    let mut edited = interactions[7].clone();
    edited.summary = "edited".into();
    let edited = s.update_interaction(edited).unwrap();
    assert_eq!(s.interaction(edited.id).unwrap().unwrap().summary, "edited");
    s.apply(Batch {
        deletes: vec![kam::audit::RecordRef {
            kind: kam::audit::RefKind::Interaction,
            id: interactions[8].id.0,
            account: interactions[8].account,
            key: "ACME".into(),
        }],
        ..Batch::default()
    })
    .unwrap();
    assert_eq!(s.interaction(interactions[8].id).unwrap(), None);
    assert_eq!(s.counts().unwrap(), (2, 1, 119, 1));
}

#[test]
fn an_old_database_gets_its_records_packed_into_blocks_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let book = book_over_years(&path);
    let raw = raw_open(&path);
    unpack(&raw);
    assert_eq!(raw.open_tree("interactions").unwrap().len(), 120);
    close_raw(raw, &path);
    assert_eq!(schema_of(&path), 3);

    let s = Store::open(&path).unwrap();
    assert_same_book(&s, &book, "after the upgrade");
    edit_and_delete(&s, &book.1);
    drop(s);
    assert_eq!(schema_of(&path), SCHEMA_VERSION);
    let names = tree_names(&path);
    for (old, new) in PACKED {
        assert!(!names.iter().any(|n| n == old), "{old} is dropped");
        assert!(names.iter().any(|n| n == new), "{new} is there");
    }
    let raw = raw_open(&path);
    let blocks = raw.open_tree("interaction_blocks").unwrap().len();
    // two accounts, four years: at most five spans of 2^25 s each
    assert!(
        (2..=10).contains(&blocks),
        "119 interactions in {blocks} blocks"
    );
}

/// The 3 → 4 step cut short by a crash: while the blocks were written (the
/// header still says 3), and after the header said 4 but before the old
/// trees were dropped. The next open ends it the same.
#[test]
fn a_block_upgrade_cut_short_ends_on_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let book = book_over_years(&path);
    // While packing: the old trees whole, the block trees half written.
    let raw = raw_open(&path);
    let half: Vec<_> = raw
        .open_tree("interaction_blocks")
        .unwrap()
        .iter()
        .step_by(2)
        .map(|kv| kv.unwrap())
        .collect();
    unpack(&raw);
    {
        let blocks = raw.open_tree("interaction_blocks").unwrap();
        for (k, v) in half {
            blocks.insert(k, v).unwrap();
        }
    }
    close_raw(raw, &path);
    assert_same_book(&Store::open(&path).unwrap(), &book, "packing cut short");

    // After the header: the old trees are still there, with stale records.
    let raw = raw_open(&path);
    raw.open_tree("interactions")
        .unwrap()
        .insert(b"left over", b"by the upgrade")
        .unwrap();
    set_schema(&raw, SCHEMA_VERSION);
    close_raw(raw, &path);
    assert!(tree_names(&path).iter().any(|n| n == "interactions"));
    assert_same_book(&Store::open(&path).unwrap(), &book, "drop cut short");
    assert!(!tree_names(&path).iter().any(|n| n == "interactions"));
}

/// A database the previous kam wrote: the command that upgrades it says so
/// on stderr before the wait, run directly and through the server it
/// starts, and the commands after it say nothing.
#[test]
fn the_upgrade_is_announced_where_the_user_waits() {
    for through_server in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = Store::open(&path).unwrap();
            store.insert_account(account("ACME-1")).unwrap();
        }
        let db = raw_open(&path);
        unpack(&db);
        close_raw(db, &path);
        let args: &[&str] = if through_server {
            &["segments"]
        } else {
            &["--no-server", "segments"]
        };
        let first = server_common::run(&path, args);
        let err = String::from_utf8_lossy(&first.stderr);
        assert!(first.status.success(), "{err}");
        assert!(
            err.contains(&format!("upgrading {}", path.display())),
            "server: {through_server}; stderr: {err}"
        );
        assert!(String::from_utf8_lossy(&first.stdout).contains("ACME-1"));
        let again = server_common::run(&path, args);
        let err = String::from_utf8_lossy(&again.stderr);
        assert!(again.status.success(), "{err}");
        assert!(!err.contains("upgrading"), "{err}");
        if through_server {
            server_common::stop_server(&path);
        }
        assert_eq!(schema_of(&path), SCHEMA_VERSION);
    }
}

/// Schema 4 → 5 adds only the tree of audit parts: the open says nothing
/// (no wait to announce), the book reads as before, and the header says 5
/// so that a kam of schema 4, which would read a staged import's entry
/// without its parts, refuses the database.
#[test]
fn a_schema_4_database_is_brought_to_5_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = Store::open(&path).unwrap();
        store.insert_account(account("ACME-1")).unwrap();
    }
    let raw = raw_open(&path);
    raw.drop_tree("audit_parts").unwrap();
    set_schema(&raw, 4);
    close_raw(raw, &path);
    assert_eq!(schema_of(&path), 4);
    let first = server_common::run(&path, &["--no-server", "segments"]);
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{err}");
    assert!(!err.contains("upgrading"), "{err}");
    assert!(String::from_utf8_lossy(&first.stdout).contains("ACME-1"));
    assert_eq!(schema_of(&path), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 5);
    let verified = Store::open(&path).unwrap().verify().unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}
