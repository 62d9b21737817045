//! Damage to the files: a flipped byte or a cut at many offsets of every
//! database file. Each open gives either exactly the data that was stored or
//! the damaged error — never a panic, never silently fewer records, never
//! the storage engine's internals. One test in its own binary (the umask and
//! the panic hook are process-wide).

use kam::domain::{Account, Contact};
use kam::store::{Store, StoreError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Every record, as text, in a stable order.
fn snapshot(s: &Store) -> Result<Vec<String>, StoreError> {
    let mut out: Vec<String> = s.accounts()?.iter().map(|a| format!("{a:?}")).collect();
    out.extend(s.contacts()?.iter().map(|c| format!("{c:?}")));
    out.push(format!("{:?}", s.counts()?));
    out.push(format!("seq {}", s.last_seq()?));
    Ok(out)
}

/// Two sessions of writes: the second after the reopen that wrote the
/// storage engine's snapshot, so its records are in the log tail that
/// recovery replays (where a damaged byte used to cut them silently).
fn fill(path: &Path) {
    fill_range(path, 0..30);
    fill_range(path, 30..60);
}

fn fill_range(path: &Path, range: std::ops::Range<usize>) {
    let s = Store::open(path).unwrap();
    for n in range {
        let a = s
            .insert_account(Account {
                key: format!("K{n:03}"),
                name: format!("Account number {n}"),
                ..Default::default()
            })
            .unwrap();
        s.insert_contact(Contact {
            account: a.id,
            name: format!("Contact {n}"),
            ..Default::default()
        })
        .unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The database files (relative names) worth damaging.
fn db_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            p.is_file() && (n == "db" || n == "conf" || n.starts_with("snap."))
        })
        .map(|p| PathBuf::from(p.file_name().unwrap()))
        .collect();
    v.sort();
    v
}

/// Offsets to damage in a file of `len` bytes: the start, spread over the
/// file, and the last bytes. `KAM_FAULT_OFFSETS` raises the count.
fn offsets(len: u64) -> Vec<u64> {
    let n: u64 = std::env::var("KAM_FAULT_OFFSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut v: Vec<u64> = (0..n).map(|i| i * len / n).collect();
    v.extend([1, 7, 8, 20, len.saturating_sub(1), len.saturating_sub(9)]);
    v.retain(|o| *o < len);
    v.sort();
    v.dedup();
    v
}

#[derive(Default, Debug)]
struct Tally {
    identical: usize,
    damaged: usize,
}

fn check_one(dir: &Path, golden: &[String], tally: &mut Tally, what: &str) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        Store::open(dir).and_then(|s| snapshot(&s))
    }));
    match outcome {
        Err(_) => panic!("{what}: panicked"),
        Ok(Ok(data)) => {
            if std::env::var("KAM_FAULT_DEBUG").is_ok() && data != golden {
                eprintln!("{what}: {} records of {}", data.len(), golden.len());
                return;
            }
            assert_eq!(data, golden, "{what}: opened with other data");
            tally.identical += 1;
        }
        Ok(Err(e)) => {
            if std::env::var("KAM_FAULT_DEBUG").is_ok() {
                eprintln!("{what}: {e}");
            }
            assert!(
                matches!(e, StoreError::Damaged { .. }),
                "{what}: not the damaged error: {e:?}"
            );
            let msg = e.to_string();
            for internal in ["backtrace", "Some(", "Inline(", "None"] {
                assert!(!msg.contains(internal), "{what}: engine internals: {msg}");
            }
            assert!(msg.contains("is damaged"), "{what}: {msg}");
            tally.damaged += 1;
        }
    }
}

#[test]
fn flipped_bytes_and_cuts_give_the_data_or_the_damaged_error() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("pristine");
    fill(&pristine);
    // Read from a copy: opening the pristine files would change them.
    let probe = tmp.path().join("probe");
    copy_dir(&pristine, &probe);
    let golden = snapshot(&Store::open(&probe).unwrap()).unwrap();
    assert_eq!(golden.len(), 60 + 60 + 2);
    let files = db_files(&pristine);
    assert!(files.iter().any(|f| f == Path::new("db")), "{files:?}");
    let mut tally = Tally::default();
    let mut case = 0;
    for file in &files {
        let len = std::fs::metadata(pristine.join(file)).unwrap().len();
        for off in offsets(len) {
            for cut in [false, true] {
                case += 1;
                let dir = tmp.path().join(format!("case{case}"));
                copy_dir(&pristine, &dir);
                let p = dir.join(file);
                if cut {
                    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
                    f.set_len(off).unwrap();
                } else {
                    let mut bytes = std::fs::read(&p).unwrap();
                    bytes[off as usize] ^= 0x5a;
                    std::fs::write(&p, bytes).unwrap();
                }
                let what = format!(
                    "{} {} at {off} of {len}",
                    if cut { "cut" } else { "flip" },
                    file.display()
                );
                check_one(&dir, &golden, &mut tally, &what);
                // A second open after a refused one is refused again: the
                // first did not quietly make the damage acceptable.
                check_one(&dir, &golden, &mut tally, &format!("{what}, again"));
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
    println!(
        "FAULT-CAMPAIGN storage: {case} damaged copies, {} opens: {} identical, {} refused as damaged, 0 panics, 0 with fewer records",
        tally.identical + tally.damaged,
        tally.identical,
        tally.damaged
    );
    assert!(tally.damaged > 0 && tally.identical > 0, "{tally:?}");
}
