//! A write acknowledged with Ok survives SIGKILL: a child process inserts
//! interactions and prints each id once its insert returned; the parent
//! kills it mid-stream and checks every acknowledged write and its index.

use chrono::NaiveDate;
use kam::domain::{Account, AccountId, Interaction, InteractionId, InteractionKind};
use kam::store::Store;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const ROLE: &str = "KAM_STORE_TEST_ROLE";
const DIR: &str = "KAM_STORE_TEST_DIR";

fn writer(dir: &Path) {
    let s = Store::open(dir).unwrap();
    let a = s.account_by_key("ACME").unwrap().unwrap();
    let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for n in 0..100_000 {
        let mut i = Interaction::new(a.id, InteractionKind::Call, day);
        i.at += chrono::Duration::seconds(n);
        i.summary = format!("call {n}");
        let stored = s.insert_interaction(i).unwrap();
        // println! flushes on newline: the parent sees this only after Ok
        println!("ACK {} {n}", stored.id);
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    // Not a skip: this binary re-runs this very test as the writer child
    // (below, with ROLE set); the parent run is the one that asserts.
    if std::env::var(ROLE).as_deref() == Ok("writer") {
        writer(Path::new(&std::env::var(DIR).unwrap()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let account: AccountId = Store::open(dir.path())
        .unwrap()
        .insert_account(Account {
            key: "ACME".into(),
            name: "Acme".into(),
            ..Default::default()
        })
        .unwrap()
        .id;

    let mut acked: Vec<(InteractionId, String)> = Vec::new();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "acknowledged_writes_survive_sigkill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ROLE, "writer")
            .env(DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let mut seen = 0;
        let mut killed = false;
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                break; // EOF: the child is gone; all its printed acks are read
            }
            let Some(pos) = line.find("ACK ") else {
                continue;
            };
            let mut parts = line[pos + 4..].split_whitespace();
            let id: u64 = parts.next().unwrap().parse().unwrap();
            let n = parts.next().unwrap();
            acked.push((InteractionId(id), format!("call {n}")));
            seen += 1;
            if seen == 20 + 7 * round && !killed {
                // mid-stream, while the child is busy writing the next one
                let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
                assert_eq!(rc, 0);
                killed = true;
            }
        }
        assert!(killed, "child ended before it was killed");
        let status = child.wait().unwrap();
        assert!(!status.success(), "child was not killed: {status:?}");
    }

    let s = Store::open(dir.path()).unwrap();
    let timeline = s.interactions_of(account).unwrap();
    for (id, summary) in &acked {
        let got = s.interaction(*id).unwrap();
        assert_eq!(
            got.as_ref().map(|i| i.summary.as_str()),
            Some(summary.as_str()),
            "acknowledged {id} lost"
        );
        assert!(
            timeline.iter().any(|i| i.id == *id),
            "acknowledged {id} missing from the account's timeline"
        );
    }
    // nothing half-written: every record has its id entry and vice versa
    let (_, _, n, _) = s.counts().unwrap();
    assert_eq!(n, timeline.len());
    assert!(acked.len() >= 20 + 27 + 34);
}
