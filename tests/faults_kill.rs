//! Fault campaign, killed server: three client processes write (one-row
//! imports, each a new account) while the server is killed with SIGKILL at
//! random moments. Every write a client saw acknowledged (exit 0) is there
//! afterwards, and the database opens. Knobs: `KAM_FAULT_ROUNDS` (default
//! 2), `KAM_FAULT_KILLS` per round (default 3), `KAM_FAULT_SEED`.
//! scripts/fault-campaign.sh runs it longer; it prints its figures as
//! `FAULT-CAMPAIGN kill: …`.

mod server_common;

use server_common::*;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift: reproducible random pauses from `KAM_FAULT_SEED`.
struct Rng(u64);
impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

#[test]
fn acknowledged_writes_survive_a_killed_server() {
    let rounds = knob("KAM_FAULT_ROUNDS", 2);
    let kills_per_round = knob("KAM_FAULT_KILLS", 3);
    let seed = knob("KAM_FAULT_SEED", 0x9e37_79b9_7f4a_7c15).max(1);
    let mut rng = Rng(seed);
    let (mut kills, mut acked_total, mut attempted_total) = (0u64, 0usize, 0usize);
    for round in 0..rounds {
        let t = TestDb::with_accounts();
        let acked = Arc::new(Mutex::new(BTreeSet::new()));
        let attempts = Arc::new(Mutex::new(0usize));
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..3)
            .map(|c| {
                let (db, dir) = (t.db.clone(), t.dir.path().to_path_buf());
                let (acked, attempts, stop) = (acked.clone(), attempts.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        let key = format!("R{round}C{c}N{n}");
                        let csv = dir.join(format!("{key}.csv"));
                        std::fs::write(&csv, format!("key,name,owner\n{key},{key},ann\n")).unwrap();
                        let out = run(&db, &["import", "accounts", csv.to_str().unwrap()]);
                        *attempts.lock().unwrap() += 1;
                        if out.status.success() {
                            acked.lock().unwrap().insert(key);
                        }
                    }
                })
            })
            .collect();
        for _ in 0..kills_per_round {
            std::thread::sleep(Duration::from_millis(150 + rng.next(450)));
            if let Some(pid) = server_pid(&t.db) {
                // SAFETY: our own test's server, by pid.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                kills += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            c.join().unwrap();
        }
        // The database opens, and holds every acknowledged write.
        let csv = ok(&t.db, &["export", "accounts"]);
        let stored: BTreeSet<String> = csv
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(str::to_string)
            .collect();
        let acked = acked.lock().unwrap();
        let lost: Vec<_> = acked.difference(&stored).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged but lost: {lost:?}"
        );
        assert!(
            !acked.is_empty(),
            "round {round}: no write was acknowledged"
        );
        acked_total += acked.len();
        attempted_total += *attempts.lock().unwrap();
    }
    assert!(kills > 0, "the server was never killed");
    println!(
        "FAULT-CAMPAIGN kill: rounds {rounds}, server kills {kills}, writes attempted \
         {attempted_total}, acknowledged {acked_total}, acknowledged lost 0 (seed {seed})"
    );
}
