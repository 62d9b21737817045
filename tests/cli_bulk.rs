//! `kam bulk --filter EXPR set FIELD=VALUE… [--dry-run]` (issue 12 part 4):
//! real binary, real database in a temp dir, through the team server and
//! with `--no-server`.

mod server_common;

use serde_json::Value;
use server_common::*;

impl Db {
    fn account(&self, key: &str) -> Value {
        serde_json::from_str(&self.ok(&["show", key, "--json"])).unwrap()
    }

    fn owner(&self, key: &str) -> String {
        self.account(key)["owner"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// The accounts every case starts with.
const ACCOUNTS: &str = "key,name,owner,region,tags\nACME,Acme Corp,ann,east,old\n\
     GLOBEX,Globex,bob,east,old\nINITECH,Initech,ann,west,old\nUMBRELLA,Umbrella,,east,\n";

fn both(test: impl Fn(&Db)) {
    for local in [false, true] {
        test(&Db::with_accounts_csv(local, ACCOUNTS));
    }
}

#[test]
fn dry_run_lists_who_would_change_and_writes_nothing() {
    both(|db| {
        let out = db.ok(&[
            "bulk",
            "--filter",
            "owner:ann region:east",
            "set",
            "owner=cat",
            "tags+=vip",
            "--dry-run",
        ]);
        assert!(out.contains("ACME"), "{out}");
        assert!(out.contains("Acme Corp"), "{out}");
        assert!(out.contains("owner: ann → cat"), "{out}");
        assert!(out.contains("tags: old → old;vip"), "{out}");
        assert!(!out.contains("GLOBEX") && !out.contains("INITECH"), "{out}");
        assert!(
            out.contains("1 account of 1 matching would change"),
            "{out}"
        );
        assert!(out.contains("dry run: nothing written"), "{out}");
        assert_eq!(db.owner("ACME"), "ann", "nothing written");
        let log = db.ok(&["log", "--json"]);
        assert!(!log.contains("bulk"), "{log}");
    });
}

#[test]
fn the_change_is_one_logged_write_undone_as_one() {
    both(|db| {
        let out = db.ok(&["bulk", "--filter", "region:east", "set", "owner=cat"]);
        assert!(out.contains("3 accounts: owner=cat"), "{out}");
        for k in ["ACME", "GLOBEX", "UMBRELLA"] {
            assert_eq!(db.owner(k), "cat", "{k} (local: {})", db.local);
        }
        assert_eq!(db.owner("INITECH"), "ann");
        let log: Value = serde_json::from_str(&db.ok(&["log", "--json"])).unwrap();
        let bulk: Vec<&Value> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap_or("").starts_with("bulk"))
            .collect();
        assert_eq!(bulk.len(), 1, "{log:#}");
        assert_eq!(bulk[0]["action"], "bulk: owner=cat on 3 accounts");
        db.ok(&["undo"]);
        assert_eq!(db.owner("ACME"), "ann");
        assert_eq!(db.owner("GLOBEX"), "bob");
        assert_eq!(db.owner("UMBRELLA"), "");
        // Tags: added and removed one at a time.
        db.ok(&[
            "bulk",
            "--filter",
            "key:acme",
            "set",
            "tags+=vip",
            "tags-=old",
        ]);
        assert_eq!(db.account("ACME")["tags"][0], "vip");
    });
}

#[test]
fn nothing_matched_says_so_and_a_refusal_names_the_account() {
    both(|db| {
        let out = db.run(&["bulk", "--filter", "region:north", "set", "owner=cat"]);
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no account matches the filter 'region:north'"),
            "{err}"
        );
        // UMBRELLA has no owner to take the follow-up: the whole change is refused.
        let out = db.run(&[
            "bulk",
            "--filter",
            "region:east",
            "set",
            "follow_up=2026-12-01",
            "follow_up_note=call",
        ]);
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("UMBRELLA") && err.contains("nothing was changed"),
            "{err}"
        );
        let out = db.run(&["bulk", "--filter", "tier:gold", "set", "owner=x"]);
        assert_eq!(out.status.code(), Some(3));
        let out = db.run(&["bulk", "--filter", "region:east", "set", "name=x"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be set in bulk"));
    });
}
