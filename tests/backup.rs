//! `kam backup` / `kam restore` and the server's restore points, with the
//! real binary, real servers and real sled databases in temp dirs.

mod old_layout;
mod server_common;

use chrono::NaiveDate;
use kam::book::{Book, WriteOp};
use kam::clock::Clock;
use kam::domain::FollowUp;
use kam::store::Store;
use server_common::{TODAY, TestDb, kam, ok, run};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn today() -> NaiveDate {
    TODAY.parse().unwrap()
}

/// A book with something in every tree: the demo, then a follow-up done
/// and one open, a snooze, a pin, a review mark, another model, and the
/// audit trail and request outcomes those writes leave.
fn rich_db(t: &TestDb) {
    ok(
        &t.db,
        &[
            "--no-server",
            "demo",
            "--accounts",
            "30",
            "--interactions",
            "200",
        ],
    );
    let store = Store::open(&t.db).unwrap();
    let mut book = Book::open(store, Clock::fixed(today()), "ann").unwrap();
    let acc = book.accounts().unwrap()[0].clone();
    let second = book.accounts().unwrap()[1].clone();
    let f = FollowUp {
        account: acc.id,
        due: today(),
        assignee: "ann".into(),
        note: "call about the renewal".into(),
        id: Default::default(),
        version: 0,
        done_at: None,
    };
    book.execute(
        WriteOp::SaveFollowUp {
            base: None,
            followup: f,
        },
        None,
    )
    .unwrap();
    let open: Vec<_> = book.store().followups_of(acc.id).unwrap();
    let done = open.last().unwrap().id;
    book.execute(WriteOp::CompleteFollowUp { id: done }, None)
        .unwrap();
    let f2 = FollowUp {
        account: second.id,
        due: today(),
        assignee: "bob".into(),
        note: "second follow-up".into(),
        id: Default::default(),
        version: 0,
        done_at: None,
    };
    book.execute(
        WriteOp::SaveFollowUp {
            base: None,
            followup: f2,
        },
        None,
    )
    .unwrap();
    book.execute(
        WriteOp::Snooze {
            key: format!("{}\tcadence\t", second.id.0),
            until: today() + chrono::Days::new(3),
        },
        None,
    )
    .unwrap();
    drop(book);
    ok(
        &t.db,
        &["pin", &acc.key, "Key", "--reason", "board decision"],
    );
    ok(&t.db, &["review"]);
    ok(&t.db, &["model", "preset", "volume-loyalty"]);
    ok(&t.db, &["server", "stop"]);
}

/// A tree's entries, raw.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Every tree of a stopped database, raw.
fn trees(db: &Path) -> BTreeMap<String, Entries> {
    let sled = sled::Config::new().path(db).open().unwrap();
    let mut out = BTreeMap::new();
    for name in sled.tree_names() {
        let tree = sled.open_tree(&name).unwrap();
        let kv = tree
            .iter()
            .map(|kv| {
                let (k, v) = kv.unwrap();
                (k.to_vec(), v.to_vec())
            })
            .collect();
        out.insert(String::from_utf8_lossy(&name).into_owned(), kv);
    }
    out
}

fn body(file: &Path) -> Vec<u8> {
    std::fs::read(file).unwrap()[4096..].to_vec()
}

/// The views a user and a script see of a database.
fn views(db: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for kind in ["accounts", "contacts", "interactions"] {
        v.push(ok(db, &["export", kind]));
        v.push(ok(db, &["export", kind, "--format", "json"]));
    }
    v.push(ok(db, &["log", "--json"]));
    v.push(ok(db, &["model", "show"]));
    v.push(ok(db, &["segments", "--json"]));
    v.push(ok(db, &["agenda", "--owner", "all", "--json"]));
    v.push(ok(db, &["matrix"]));
    v
}

fn stop(db: &Path) {
    // the server lets go of the database a moment after answering
    server_common::stop_server(db);
}

#[test]
fn backup_restore_backup_gives_the_same_database() {
    let t = TestDb::new();
    rich_db(&t);
    let b1 = t.dir.path().join("b1.kambackup");
    let out = ok(&t.db, &["backup", b1.to_str().unwrap()]);
    // The records, not the blocks that hold them.
    let (_, contacts, interactions, followups) = Store::open(&t.db).unwrap().counts().unwrap();
    assert!(interactions > 100, "{interactions}");
    let counted = format!(
        "30 accounts, {contacts} contacts, {interactions} interactions, {followups} follow-ups"
    );
    assert!(
        out.contains("backup written to") && out.contains(&counted),
        "{counted}\n{out}"
    );
    assert_eq!(
        std::fs::metadata(&b1).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let restored = t.dir.path().join("restored");
    let out = ok(
        &restored,
        &[
            "restore",
            b1.to_str().unwrap(),
            "--db",
            restored.to_str().unwrap(),
        ],
    );
    assert!(out.contains("restored") && out.contains(&counted), "{out}");
    assert_eq!(views(&restored), views(&t.db));
    let b2 = t.dir.path().join("b2.kambackup");
    ok(&restored, &["backup", b2.to_str().unwrap()]);
    assert!(body(&b1) == body(&b2), "the bodies differ");
    ok(&restored, &["check"]);
    stop(&t.db);
    stop(&restored);
    // every tree, byte for byte: follow-ups, snoozes, review, pins, model,
    // audit trail, request outcomes, indexes
    let (a, b) = (trees(&t.db), trees(&restored));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, entries) in &a {
        assert!(entries == &b[name], "tree {name} differs");
    }
    for name in [
        "followup_blocks",
        "named_blobs",
        "audit",
        "requests",
        "tiers",
    ] {
        assert!(!a[name].is_empty(), "{name} should hold something");
    }

    // New records in the restored database get ids of their own.
    let csv = t.dir.path().join("new.csv");
    std::fs::write(&csv, "key,name,owner\nNEWCO,New Co,ann\n").unwrap();
    ok(&restored, &["import", "accounts", csv.to_str().unwrap()]);
    ok(&restored, &["check"]);
    stop(&restored);
}

#[test]
fn backup_to_stdout_is_a_backup_and_restores() {
    let t = TestDb::with_accounts();
    let out = run(&t.db, &["backup", "-"]);
    assert!(out.status.success());
    assert_eq!(&out.stdout[..8], b"\x89KAMBAK\n");
    let file = t.dir.path().join("piped.kambackup");
    std::fs::write(&file, &out.stdout).unwrap();
    let r = t.dir.path().join("r");
    ok(&r, &["restore", file.to_str().unwrap()]);
    assert_eq!(
        ok(&r, &["export", "accounts"]),
        ok(&t.db, &["export", "accounts"])
    );
    stop(&r);
}

/// Writes `bytes` as a backup file and tries to restore it into a new dir.
fn restore_bytes(t: &TestDb, name: &str, bytes: &[u8]) -> (std::process::Output, PathBuf) {
    let file = t.dir.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let target = t.dir.path().join(format!("{name}.db"));
    let out = kam(&target)
        .args(["restore", file.to_str().unwrap()])
        .output()
        .unwrap();
    (out, target)
}

#[test]
fn damaged_foreign_and_newer_backups_are_refused_before_anything_is_written() {
    let t = TestDb::with_accounts();
    let good = t.dir.path().join("good.kambackup");
    ok(&t.db, &["backup", good.to_str().unwrap()]);
    let bytes = std::fs::read(&good).unwrap();

    let mut flipped = bytes.clone();
    let at = 4096 + (bytes.len() - 4096) / 2;
    flipped[at] ^= 0x20;
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&99u32.to_be_bytes());
    let mut header = bytes.clone();
    header[40] ^= 1;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped", flipped, "damaged"),
        ("truncated", bytes[..bytes.len() - 10].to_vec(), "damaged"),
        ("header", header, "damaged"),
        ("short", bytes[..100].to_vec(), "damaged"),
        ("csv", b"key,name\nA,B\n".to_vec(), "not a kam backup"),
        ("empty", Vec::new(), "not a kam backup"),
        ("newer", newer, "newer kam"),
    ];
    for (name, data, says) in cases {
        let (out, target) = restore_bytes(&t, name, &data);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        assert!(!target.exists(), "{name}: a failed restore left {target:?}");
    }

    // The target must be empty or new; an existing database is never touched.
    let before = ok(&t.db, &["export", "accounts"]);
    stop(&t.db);
    let out = kam(&t.db)
        .args(["restore", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(ok(&t.db, &["export", "accounts"]), before);
    // An empty existing directory is fine, and stays after a failed restore.
    let empty = t.dir.path().join("empty-dir");
    std::fs::create_dir(&empty).unwrap();
    let out = kam(&empty)
        .args(["restore", t.dir.path().join("flipped").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    ok(&empty, &["restore", good.to_str().unwrap()]);
    assert_eq!(ok(&empty, &["export", "accounts"]), before);
    stop(&empty);
    stop(&t.db);
}

#[test]
fn backups_taken_while_others_write_are_consistent() {
    let t = TestDb::with_accounts();
    let db = t.db.clone();
    let writer = std::thread::spawn(move || {
        for i in 0..15 {
            let tier = if i % 2 == 0 { "Key" } else { "Maintenance" };
            ok(
                &db,
                &["pin", "ACME", tier, "--reason", &format!("round {i}")],
            );
            ok(&db, &["pin", "GLOBEX", "Key", "--reason", "for a while"]);
            ok(&db, &["unpin", "GLOBEX"]);
        }
    });
    let mut n = 0;
    while !writer.is_finished() || n < 2 {
        let file = t.dir.path().join(format!("live{n}.kambackup"));
        ok(&t.db, &["backup", file.to_str().unwrap()]);
        let r = t.dir.path().join(format!("live{n}"));
        ok(&r, &["--no-server", "restore", file.to_str().unwrap()]);
        let check = kam(&r).args(["--no-server", "check"]).output().unwrap();
        assert!(
            check.status.success(),
            "backup {n}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        n += 1;
    }
    writer.join().unwrap();
}

/// The start's restore point is copied beside the clients, with writes
/// held at a gate: an order sent right after the start waits for it, so the
/// restore point holds the book as it was before that order, whole, and the
/// order is kept.
#[test]
fn the_start_restore_point_holds_the_book_before_the_first_write() {
    let t = TestDb::new();
    ok(
        &t.db,
        &[
            "--no-server",
            "demo",
            "--accounts",
            "300",
            "--interactions",
            "4000",
        ],
    );
    let before = ok(&t.db, &["--no-server", "export", "interactions"]);
    let accounts = ok(&t.db, &["--no-server", "export", "accounts"]);
    let key = accounts.lines().nth(1).unwrap().split(',').next().unwrap();
    // Starts the server, whose first act is the day's restore point.
    ok(&t.db, &["order", key, "123", "-m", "first of the day"]);
    let after = ok(&t.db, &["export", "interactions"]);
    assert!(after.contains("first of the day"));
    stop(&t.db);
    let points: Vec<PathBuf> = std::fs::read_dir(t.db.join("restore-points"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(points.len(), 1, "{points:?}");
    let r = t.dir.path().join("from-point");
    ok(&r, &["--no-server", "restore", points[0].to_str().unwrap()]);
    assert_eq!(ok(&r, &["--no-server", "export", "interactions"]), before);
    let check = kam(&r).args(["--no-server", "check"]).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn the_server_keeps_rotating_restore_points_named_by_the_damage_message() {
    let t = TestDb::new();
    ok(&t.db, &["--no-server", "demo", "--accounts", "10"]);
    let points = t.db.join("restore-points");
    assert!(!points.exists(), "no server ran yet");
    // The first server start with data takes one.
    ok(&t.db, &["review"]);
    let list = || -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&points)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let first = list();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(
        std::fs::metadata(&first[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Later writes of the same day take none.
    ok(&t.db, &["review"]);
    assert_eq!(list(), first);
    // Yesterday's and older ones: the next write takes today's, and only
    // the newest KAM_RESTORE_POINTS stay.
    stop(&t.db);
    let old = |day: &str| points.join(format!("kam-{day}T120000Z.kambackup"));
    std::fs::rename(&first[0], old("20200103")).unwrap();
    std::fs::copy(old("20200103"), old("20200101")).unwrap();
    std::fs::copy(old("20200103"), old("20200102")).unwrap();
    let out = kam(&t.db)
        .env("KAM_RESTORE_POINTS", "2")
        .args(["review"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let now = list();
    assert_eq!(now.len(), 2, "{now:?}");
    assert_eq!(now[0], old("20200103"));
    let newest = now[1].clone();
    assert!(newest.file_name().unwrap().to_str().unwrap() > "kam-2020");

    // A restore point restores.
    let r = t.dir.path().join("from-point");
    ok(&r, &["restore", newest.to_str().unwrap()]);
    assert_eq!(
        ok(&r, &["export", "accounts"]),
        ok(&t.db, &["export", "accounts"])
    );
    stop(&r);

    // The damaged-database message names the newest and how to use it.
    let msg = kam::store::StoreError::Damaged {
        path: t.db.clone(),
        detail: "corrupted data".into(),
    }
    .to_string();
    assert!(msg.contains(&newest.display().to_string()), "{msg}");
    assert!(
        msg.contains(&format!("kam restore {} --db", newest.display())),
        "{msg}"
    );

    // KAM_RESTORE_POINTS=0: none taken.
    stop(&t.db);
    for p in list() {
        std::fs::remove_file(p).unwrap();
    }
    let out = kam(&t.db)
        .env("KAM_RESTORE_POINTS", "0")
        .args(["review"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(list().is_empty());
    stop(&t.db);
}

/// The sections of a backup body: (tree, entries), in order.
fn sections(file: &Path) -> (kam::store::BackupHeader, Vec<(String, Entries)>) {
    let bytes = std::fs::read(file).unwrap();
    let header = kam::store::backup::read_header(file, &mut std::io::Cursor::new(&bytes)).unwrap();
    let mut at = 4096;
    let mut take = |n: usize| {
        at += n;
        bytes[at - n..at].to_vec()
    };
    let u32_of = |b: Vec<u8>| u32::from_be_bytes(b.try_into().unwrap()) as usize;
    let mut out = Vec::new();
    for tree in &header.trees {
        assert_eq!(take(1), b"S");
        let n = u16::from_be_bytes(take(2).try_into().unwrap()) as usize;
        assert_eq!(take(n), tree.name.as_bytes());
        let mut entries = Vec::new();
        while take(1) == b"E" {
            let n = u32_of(take(4));
            let k = take(n);
            let n = u32_of(take(4));
            let v = take(n);
            entries.push((k, v));
        }
        take(8);
        out.push((tree.name.clone(), entries));
    }
    (header, out)
}

/// A backup file of `sections` under `header` (its counts, length and
/// checksums made to match), as `store::dump` lays it out.
fn write_backup_file(
    file: &Path,
    mut header: kam::store::BackupHeader,
    sections: &[(String, Entries)],
) {
    let mut body = Vec::new();
    header.trees.clear();
    for (name, entries) in sections {
        body.push(b'S');
        body.extend_from_slice(&(name.len() as u16).to_be_bytes());
        body.extend_from_slice(name.as_bytes());
        for (k, v) in entries {
            body.push(b'E');
            body.extend_from_slice(&(k.len() as u32).to_be_bytes());
            body.extend_from_slice(k);
            body.extend_from_slice(&(v.len() as u32).to_be_bytes());
            body.extend_from_slice(v);
        }
        body.push(b'Z');
        body.extend_from_slice(&(entries.len() as u64).to_be_bytes());
        header.trees.push(kam::store::TreeCount {
            name: name.clone(),
            entries: entries.len() as u64,
        });
    }
    header.body_len = body.len() as u64;
    header.body_crc32 = crc32fast::hash(&body);
    let json = serde_json::to_vec(&header).unwrap();
    let mut out = b"\x89KAMBAK\n".to_vec();
    out.extend_from_slice(&kam::store::BACKUP_FORMAT.to_be_bytes());
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(&crc32fast::hash(&json).to_be_bytes());
    out.extend_from_slice(&json);
    out.resize(4096, 0);
    out.extend_from_slice(&body);
    std::fs::write(file, out).unwrap();
}

/// A backup taken by the previous kam (schema 3: a sled key per contact,
/// interaction and follow-up) restores, and the restored book is upgraded
/// to blocks and shows the same.
#[test]
fn a_backup_of_the_previous_schema_restores_into_todays_layout() {
    let t = TestDb::new();
    rich_db(&t);
    let today_file = t.dir.path().join("today.kambackup");
    ok(&t.db, &["backup", today_file.to_str().unwrap()]);
    let (mut header, today_sections) = sections(&today_file);
    assert_eq!(header.schema, kam::store::SCHEMA_VERSION);
    let mut old_sections = Vec::new();
    for (name, entries) in today_sections {
        match old_layout::PACKED.iter().find(|(_, new)| *new == name) {
            Some((old, _)) => {
                let records = entries
                    .iter()
                    .flat_map(|(k, v)| old_layout::block_entries(k, v))
                    .collect();
                old_sections.push((old.to_string(), records));
            }
            None if name == "meta" => {
                let mut entries = entries;
                for (k, v) in &mut entries {
                    if k == b"header" {
                        *v = old_layout::header(3);
                    }
                }
                old_sections.push((name, entries));
            }
            None => old_sections.push((name, entries)),
        }
    }
    assert!(
        old_sections
            .iter()
            .any(|(n, e)| n == "interactions" && e.len() > 100)
    );
    // Schema 3's header had no record counts: its trees held one each.
    header.schema = 3;
    header.records.clear();
    let old_file = t.dir.path().join("old.kambackup");
    write_backup_file(&old_file, header, &old_sections);

    let restored = t.dir.path().join("restored");
    let out = ok(
        &restored,
        &[
            "restore",
            old_file.to_str().unwrap(),
            "--db",
            restored.to_str().unwrap(),
        ],
    );
    let (_, contacts, interactions, _) = Store::open(&t.db).unwrap().counts().unwrap();
    assert!(
        out.contains(&format!("{contacts} contacts, {interactions} interactions")),
        "{out}"
    );
    for (n, (got, want)) in views(&restored).iter().zip(views(&t.db)).enumerate() {
        let first = got.lines().zip(want.lines()).find(|(g, w)| g != w);
        assert!(*got == want, "view {n} differs at {first:?}");
    }
    ok(&restored, &["check"]);
    stop(&t.db);
    stop(&restored);
    let (a, b) = (trees(&t.db), trees(&restored));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (_, blocks) in old_layout::PACKED {
        assert!(a[blocks] == b[blocks], "{blocks} differs");
    }
}
