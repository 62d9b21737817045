//! Saved views from the shell (issue 12 part 5): `kam views list|save|delete`
//! with personal views in the user's config file and team views in the
//! database, and `kam segments --view NAME`. Real binary, temp database and
//! config directory, through the team server and with `--no-server`.

mod server_common;

use serde_json::Value;
use server_common::*;

impl Db {
    /// Keys `segments --view NAME --json` lists, in order.
    fn keys_of(&self, view: &str) -> Vec<String> {
        let v: Value =
            serde_json::from_str(&self.ok(&["segments", "--view", view, "--json"])).unwrap();
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The accounts every case starts with.
const ACCOUNTS: &str = "key,name,owner,backup_owner,region\nACME,Acme Corp,ann,,east\n\
     GLOBEX,Globex,bob,ann,east\nINITECH,Initech,cat,,west\n";

fn both(test: impl Fn(&Db)) {
    for local in [false, true] {
        test(&Db::with_accounts_csv(local, ACCOUNTS));
    }
}

#[test]
fn personal_and_team_views_are_saved_listed_applied_and_deleted() {
    both(|db| {
        let out = db.ok(&[
            "views",
            "save",
            "mine",
            "--filter",
            "who:ann",
            "--sort",
            "name",
            "--reverse",
        ]);
        assert!(out.contains("saved the personal view mine"), "{out}");
        let file = std::fs::read_to_string(db.config().join("kam/views.toml")).unwrap();
        assert!(file.contains("who:ann"), "{file}");
        db.ok(&["views", "save", "west", "--filter", "region:west", "--team"]);

        let list: Value = serde_json::from_str(&db.ok(&["views", "list", "--json"])).unwrap();
        let got: Vec<(String, String)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap().to_string(),
                    v["scope"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("mine".to_string(), "personal".to_string()),
                ("west".to_string(), "team".to_string())
            ]
        );
        let text = db.ok(&["views"]);
        assert!(
            text.contains("NAME") && text.contains("region:west"),
            "{text}"
        );

        // Owner or backup is ann, by name, reversed: Globex before Acme.
        assert_eq!(db.keys_of("mine"), ["GLOBEX", "ACME"]);
        assert_eq!(db.keys_of("west"), ["INITECH"]);
        let plain = db.ok(&["segments", "--view", "west"]);
        assert!(
            plain.contains("INITECH") && !plain.contains("ACME"),
            "{plain}"
        );

        // The team view is in the change log.
        let log = db.ok(&["log", "--json"]);
        assert!(log.contains("save_view"), "{log}");

        db.ok(&["views", "delete", "mine"]);
        db.ok(&["views", "delete", "west"]);
        assert_eq!(db.ok(&["views", "list", "--json"]).trim(), "[]");
    });
}

#[test]
fn unknown_views_and_bad_filters_are_refused() {
    both(|db| {
        let out = db.run(&["segments", "--view", "nope"]);
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no view 'nope'"), "{err}");
        let out = db.run(&["views", "save", "x", "--filter", "colour:red"]);
        assert_eq!(out.status.code(), Some(3));
        let out = db.run(&["views", "save", "x", "--filter", "tier:gold", "--team"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no tier 'gold'"));
        let out = db.run(&["views", "save", "x", "--sort", "colour"]);
        assert_eq!(out.status.code(), Some(3));
        let out = db.run(&["views", "delete", "nope"]);
        assert_eq!(out.status.code(), Some(3));
        let out = db.run(&["views"]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("no saved views yet"));
    });
}
