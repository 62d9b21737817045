//! `kam check`: a clean database passes (exit 0); damage made directly in
//! the sled files, a missing index entry, a gap in the audit trail, or a
//! book whose scores drifted from its records is listed (exit 4).

mod old_layout;
mod server_common;

use kam::book::Book;
use kam::clock::Clock;
use kam::commands::{self, Command, ErrorKind, LocalEnv};
use kam::domain::{Interaction, InteractionKind, Money};
use kam::store::Store;
use server_common::{TODAY, TestDb, kam, ok, stop_server};
use std::path::Path;
use std::process::Output;

fn check(db: &Path, no_server: bool) -> Output {
    let mut c = kam(db);
    if no_server {
        c.arg("--no-server");
    }
    c.arg("check").output().unwrap()
}

fn stop(db: &Path) {
    stop_server(db);
}

/// Changes one tree of a stopped database with sled itself, as a faulty
/// writer that then crashed would: the clean-close marker goes too. (With
/// the marker in place, the open guard itself refuses a database that lost
/// entries since its last close — its own tests cover that — and `check`
/// never gets to look.)
fn with_tree(db: &Path, tree: &str, f: impl FnOnce(&sled::Tree)) {
    let sled = sled::Config::new().path(db).open().unwrap();
    let t = sled.open_tree(tree).unwrap();
    f(&t);
    sled.flush().unwrap();
    drop(sled);
    let _ = std::fs::remove_file(db.join(kam::store::GUARD_FILES[0]));
}

/// A database with accounts, contacts, interactions and a few changes.
fn db() -> TestDb {
    let t = TestDb::new();
    ok(
        &t.db,
        &[
            "--no-server",
            "demo",
            "--accounts",
            "12",
            "--interactions",
            "60",
        ],
    );
    let key = {
        let store = Store::open(&t.db).unwrap();
        store.accounts().unwrap()[0].key.clone()
    };
    ok(&t.db, &["pin", &key, "Key", "--reason", "test"]);
    ok(&t.db, &["review"]);
    ok(&t.db, &["unpin", &key]);
    stop(&t.db);
    t
}

fn assert_problem(db: &Path, says: &str) {
    for no_server in [true, false] {
        let out = check(db, no_server);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(4),
            "no_server={no_server}\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains(says),
            "no_server={no_server}: expected '{says}' in\n{stdout}\n{stderr}"
        );
        assert!(stderr.contains("problem"), "{stderr}");
        if !no_server {
            stop_server(db);
        }
    }
}

#[test]
fn a_clean_database_passes_through_the_server_and_without() {
    let t = db();
    // The records, not the blocks that hold them.
    let (accounts, contacts, interactions, followups) =
        Store::open(&t.db).unwrap().counts().unwrap();
    assert!(
        interactions >= 60 && contacts > 12,
        "{contacts} {interactions}"
    );
    let counted = format!(
        "{accounts} accounts, {contacts} contacts, {interactions} interactions, \
         {followups} follow-ups"
    );
    for no_server in [true, false] {
        let out = check(&t.db, no_server);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(stdout.contains(&counted), "{counted}\n{stdout}");
        assert!(stdout.contains("no problems found"), "{stdout}");
    }
    stop(&t.db);
}

#[test]
fn a_corrupted_record_is_named() {
    let t = db();
    let mut id = 0;
    with_tree(&t.db, "accounts", |tree| {
        let (k, v) = tree.iter().next().unwrap().unwrap();
        id = u64::from_be_bytes(k.as_ref().try_into().unwrap());
        let mut v = v.to_vec();
        let last = v.len() - 1;
        v[last] ^= 0x01;
        tree.insert(k, v).unwrap();
    });
    assert_problem(&t.db, &format!("accounts: account {id}: checksum mismatch"));
}

#[test]
fn a_damaged_block_of_records_is_named() {
    // A record inside a block: its own checksum names it.
    let t = db();
    with_tree(&t.db, "interaction_blocks", |tree| {
        let (k, v) = tree.iter().next().unwrap().unwrap();
        let mut v = v.to_vec();
        let last = v.len() - 1;
        v[last] ^= 0x01;
        tree.insert(k, v).unwrap();
    });
    assert_problem(&t.db, "checksum mismatch");

    // A block cut short: the block is named, and the ids that point into
    // it are not reported again as pointing to nothing.
    let t = db();
    with_tree(&t.db, "contact_blocks", |tree| {
        let (k, v) = tree.iter().next().unwrap().unwrap();
        tree.insert(k, &v[..v.len() - 3]).unwrap();
    });
    assert_problem(&t.db, "contact_blocks: block ");
    let out = check(&t.db, true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("points to no record"), "{text}");

    // A record moved into a block its key does not belong to (another
    // span of the same account) is named.
    let t = db();
    with_tree(&t.db, "interaction_blocks", |tree| {
        let (k, v) = tree
            .iter()
            .map(|kv| kv.unwrap())
            .find(|(k, v)| old_layout::block_entries(k, v).len() >= 2)
            .unwrap();
        let mut entries = old_layout::block_entries(&k, &v);
        let moved = entries.remove(0);
        let mut elsewhere = k.to_vec();
        let span = u64::from_be_bytes(elsewhere[8..16].try_into().unwrap());
        elsewhere[8..16].copy_from_slice(&(span + 100).to_be_bytes());
        assert!(tree.get(&elsewhere).unwrap().is_none());
        tree.insert(k, old_layout::encode_block(&entries)).unwrap();
        tree.insert(elsewhere, old_layout::encode_block(&[moved]))
            .unwrap();
    });
    assert_problem(&t.db, "is stored in another block");
}

#[test]
fn missing_index_entries_are_named() {
    let t = db();
    let mut key = String::new();
    with_tree(&t.db, "account_keys", |tree| {
        let (k, _) = tree.iter().next().unwrap().unwrap();
        key = String::from_utf8(k.to_vec()).unwrap();
        tree.remove(k).unwrap();
    });
    assert_problem(&t.db, &format!("('{key}') is missing from the key index"));

    let t = db();
    with_tree(&t.db, "account_keys_folded", |tree| {
        let (k, _) = tree.iter().next().unwrap().unwrap();
        tree.remove(k).unwrap();
    });
    assert_problem(&t.db, "is missing from the folded key index");

    // The id index holds 64 ids to an entry: the first entry holds the
    // lowest id.
    let t = db();
    let id = {
        let store = Store::open(&t.db).unwrap();
        store
            .contacts()
            .unwrap()
            .iter()
            .map(|c| c.id.0)
            .min()
            .unwrap()
    };
    with_tree(&t.db, "contact_ids", |tree| {
        let (k, _) = tree.iter().next().unwrap().unwrap();
        tree.remove(k).unwrap();
    });
    assert_problem(
        &t.db,
        &format!("contact_ids: contact {id} is missing from the id index"),
    );

    let t = db();
    with_tree(&t.db, "interaction_ids", |tree| {
        let (k, _) = tree.iter().next().unwrap().unwrap();
        tree.insert(k, &[7u8, 200, 1][..]).unwrap();
    });
    assert_problem(&t.db, "an entry runs past its group");
}

#[test]
fn gaps_in_the_audit_trail_are_named() {
    let t = db();
    with_tree(&t.db, "audit", |tree| {
        tree.remove(2u64.to_be_bytes()).unwrap();
    });
    assert_problem(&t.db, "audit: change 3 follows change 1 (a gap)");

    let t = db();
    with_tree(&t.db, "meta", |tree| {
        tree.insert("audit_seq", &99u64.to_be_bytes()).unwrap();
    });
    assert_problem(&t.db, "the counter says 99");
}

#[test]
fn scores_that_drifted_from_the_records_are_named() {
    let t = db();
    let store = Store::open(&t.db).unwrap();
    let today = TODAY.parse().unwrap();
    let mut book = Book::open(store.clone(), Clock::fixed(today), "ann").unwrap();
    let run = |book: &mut Book| {
        let mut out = Vec::new();
        let r = commands::execute(Command::Check, book, &mut LocalEnv::new(&mut out));
        (r, String::from_utf8(out).unwrap())
    };
    let (r, text) = run(&mut book);
    assert!(r.is_ok(), "{text}");
    // A big order written past the book: its scores no longer match.
    let acc = book.accounts().unwrap()[0].clone();
    let mut order = Interaction::new(acc.id, InteractionKind::Order, today);
    order.amount = Some(Money::parse("9999999.00").unwrap());
    store.insert_interaction(order).unwrap();
    let (r, text) = run(&mut book);
    let e = r.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Database);
    assert!(
        text.contains(&format!("scores: account {}", acc.key)),
        "{text}"
    );
}
