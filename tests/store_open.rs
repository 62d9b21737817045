//! Opening: new, existing, foreign, damaged, newer, locked by another process.

use kam::domain::Account;
use kam::store::envelope::encode;
use kam::store::{DbHeader, OpenOptions, Store, StoreError};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn account(key: &str) -> Account {
    Account {
        key: key.into(),
        name: key.into(),
        ..Default::default()
    }
}

/// A database with some records, closed again.
fn filled(path: &Path) {
    let s = Store::open(path).unwrap();
    for n in 0..200 {
        s.insert_account(account(&format!("K{n}"))).unwrap();
    }
}

#[test]
fn new_in_missing_or_empty_dir_then_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/kam");
    Store::open(&nested)
        .unwrap()
        .insert_account(account("X"))
        .unwrap();
    let s = Store::open(&nested).unwrap();
    assert_eq!(s.path(), nested);
    assert!(s.account_by_key("X").unwrap().is_some());

    let empty = tempfile::tempdir().unwrap();
    let s = Store::open(empty.path()).unwrap();
    assert!(s.is_empty().unwrap());
}

#[test]
fn foreign_directory_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.txt"), b"precious").unwrap();
    let e = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(&e, StoreError::Foreign { path, .. } if path == dir.path()),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains("thesis.txt"), "{msg}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["thesis.txt"]);
    assert_eq!(
        std::fs::read(dir.path().join("thesis.txt")).unwrap(),
        b"precious"
    );

    // a plain file where the directory should be
    let file = dir.path().join("thesis.txt");
    assert!(matches!(
        Store::open(&file),
        Err(StoreError::Foreign { .. })
    ));
}

#[test]
fn sled_database_of_another_program_is_foreign() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert(b"their", b"data").unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Foreign { .. })
    ));
}

fn assert_damaged(path: &Path) {
    match Store::open(path) {
        Err(e @ StoreError::Damaged { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains("backup"), "{msg}");
            // A sentence for people, not sled's internals.
            for internal in ["backtrace", "offset None", "Read corrupted"] {
                assert!(!msg.contains(internal), "{msg}");
            }
        }
        Err(e) => panic!("expected Damaged, got {e:?}"),
        Ok(s) => panic!(
            "damaged database opened, with {} accounts",
            s.counts().unwrap().0
        ),
    }
}

#[test]
fn garbage_db_file_is_damaged_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    let db = dir.path().join("db");
    let len = std::fs::metadata(&db).unwrap().len() as usize;
    // deterministic garbage, same length
    let junk: Vec<u8> = (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    std::fs::write(&db, junk).unwrap();
    assert_damaged(dir.path());
    // and again: a failed open must not have "repaired" it into an empty DB
    assert_damaged(dir.path());
}

#[test]
fn truncated_db_file_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    let db = dir.path().join("db");
    let f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    f.set_len(100).unwrap();
    drop(f);
    assert_damaged(dir.path());
}

#[test]
fn garbage_conf_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    std::fs::write(dir.path().join("conf"), b"\x00\xffnot a config at all").unwrap();
    assert_damaged(dir.path());
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    {
        let db = sled::open(dir.path()).unwrap();
        let h = DbHeader {
            magic: kam::store::DB_MAGIC.into(),
            schema: 99,
        };
        db.open_tree("meta")
            .unwrap()
            .insert(b"header", encode(&h).unwrap())
            .unwrap();
        db.flush().unwrap();
    }
    match Store::open(dir.path()) {
        Err(e @ StoreError::Newer { found: 99, .. }) => {
            assert!(e.to_string().contains("Upgrade kam"), "{e}");
        }
        other => panic!("expected Newer, got {other:?}"),
    }
}

#[test]
fn options_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let opts = OpenOptions {
        cache_capacity: Some(1024 * 1024),
        ..Default::default()
    };
    // Sized to the database unless asked for.
    assert_eq!(OpenOptions::default().cache_capacity, None);
    assert!(!OpenOptions::default().group_shared);
    let s = Store::open_with(dir.path(), &opts).unwrap();
    s.insert_account(account("A")).unwrap();
}

const ROLE: &str = "KAM_STORE_TEST_ROLE";
const DIR: &str = "KAM_STORE_TEST_DIR";

/// Runs one test of this binary in a child process with `role`.
fn child(test: &str, role: &str, dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn second_process_gets_locked() {
    // Not a skip: `child` re-runs this very test as the holder (ROLE set);
    // the parent run is the one that asserts.
    if std::env::var(ROLE).as_deref() == Ok("holder") {
        // child: hold the database open until the parent closes our stdin
        let _s = Store::open(Path::new(&std::env::var(DIR).unwrap())).unwrap();
        println!("READY");
        std::io::stdout().flush().unwrap();
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    Store::open(dir.path())
        .unwrap()
        .insert_account(account("A"))
        .unwrap();
    let mut holder = child("second_process_gets_locked", "holder", dir.path());
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(out.read_line(&mut line).unwrap(), 0, "holder exited early");
        if line.trim_end().ends_with("READY") {
            break;
        }
    }
    let e = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(&e, StoreError::Locked { path } if path == dir.path()),
        "{e:?}"
    );
    assert!(e.to_string().contains("another process"), "{e}");
    // Refused before the guard judged the files: nothing was copied aside.
    assert!(!dir.path().join("kam-copy-before-open").exists());
    // A holder that lets go while an open waits (a server closing after
    // `stop`): the open waits for it, beyond sled's own short retries.
    let mut stdin = holder.stdin.take();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1200));
        drop(stdin.take());
    });
    let s = Store::open(dir.path()).unwrap();
    assert!(s.account_by_key("A").unwrap().is_some());
    release.join().unwrap();
    assert!(holder.wait().unwrap().success());
}

/// The marker a close writes describes every sled file as it then stays:
/// nothing writes to them behind the close (sled's timed background flush
/// did, a few hundred milliseconds later, so the next open found the files
/// changed and copied and checked all of them).
#[test]
fn the_close_marker_describes_the_files_as_they_stay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let store = Store::open(&db).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let p = kam::demo::DemoParams {
        accounts: 400,
        interactions: 8000,
        ..kam::demo::DemoParams::new(today, "ann")
    };
    kam::demo::write_demo(&store, &p, &mut |_| {}).unwrap();
    for n in 0..20 {
        store.insert_account(account(&format!("LATE-{n}"))).unwrap();
    }
    store.close_now().unwrap();
    // Longer than sled's flush interval, with the store still open.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_marker_matches(&db, "after close_now");
    drop(store);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_marker_matches(&db, "after the last handle went");
}

/// Every `file LEN CRC NAME` line of `kam.closed` against the file itself.
fn assert_marker_matches(db: &Path, when: &str) {
    let marker = std::fs::read_to_string(db.join("kam.closed")).unwrap();
    let files: Vec<&str> = marker.lines().filter(|l| l.starts_with("file ")).collect();
    assert!(files.iter().any(|l| l.ends_with(" db")), "{when}: {marker}");
    for line in files {
        let mut parts = line.splitn(4, ' ').skip(1);
        let (len, crc, name) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let bytes = std::fs::read(db.join(name)).unwrap();
        assert_eq!(
            (
                len.parse::<usize>().unwrap(),
                u32::from_str_radix(crc, 16).unwrap()
            ),
            (bytes.len(), crc32fast::hash(&bytes)),
            "{when}: {name} changed after the marker was written"
        );
    }
}
