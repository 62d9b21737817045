//! `kam review start`, `kam merge` and `kam duplicates` from the shell: real
//! binary, real database in a temp dir, each command through the team
//! server and with `--no-server`.

mod server_common;

use serde_json::Value;
use server_common::*;

/// The accounts every case starts with.
const ACCOUNTS: &str = "key,name,owner,region\nACME,Acme GmbH,ann,north\nACME-2,ACME Inc.,bob,south\n\
     GLOBEX,Globex,bob,west\nINITECH,Initech,ann,east\nUMBRELLA,Umbrella,ann,east\n\
     HOOLI,Hooli,ann,east\n";

/// Six accounts with orders of 1 000 … 6 000, two of them one customer.
fn new_db(local: bool) -> Db {
    let db = Db::with_accounts_csv(local, ACCOUNTS);
    for (n, key) in ["ACME", "ACME-2", "GLOBEX", "INITECH", "UMBRELLA", "HOOLI"]
        .iter()
        .enumerate()
    {
        let amount = format!("{}", (n + 1) * 1000);
        db.ok(&["order", key, &amount, "-m", "order", "--due", "2026-12-24"]);
    }
    db
}

fn both(test: impl Fn(&Db)) {
    for local in [false, true] {
        test(&new_db(local));
    }
}

fn keys(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn review_start_lists_moves_and_confirm_all_records_the_review() {
    both(|db| {
        let v = db.json(&["review", "start", "--json"]);
        assert_eq!(v["since"], Value::Null);
        assert_eq!(v["review_days"], 90);
        assert!(keys(&v).is_empty(), "no baseline yet: {v}");

        let out = db.ok(&["review"]);
        assert!(
            out.starts_with("review marked as of"),
            "`kam review` still marks: {out}"
        );
        // The smallest account becomes the biggest.
        db.ok(&["order", "ACME", "90000", "-m", "big one"]);
        let v = db.json(&["review", "start", "--json"]);
        assert_eq!(v["since"], TODAY);
        let due = keys(&v);
        assert!(due.contains(&"ACME".to_string()), "{v}");
        let acme = &v["items"][due.iter().position(|k| k == "ACME").unwrap()];
        assert_ne!(acme["from"], acme["to"]);
        assert!(acme["from"].is_string() && acme["pin"].is_null());
        assert_eq!(v["finished"], false);

        let text = db.ok(&["review", "start"]);
        assert!(
            text.starts_with(&format!("{} account", due.len())),
            "{text}"
        );
        assert!(text.contains("ACME") && text.contains(" → "), "{text}");
        assert!(text.contains("--confirm-all"), "{text}");

        let out = db.ok(&["review", "start", "--confirm-all"]);
        assert!(
            out.contains(&format!(
                "review finished as of {TODAY}: {} confirmed",
                due.len()
            )),
            "{out}"
        );
        let v = db.json(&["review", "start", "--json"]);
        assert!(keys(&v).is_empty());
        assert_eq!(v["last"]["confirmed"], due.len());
        assert_eq!(v["last"]["day"], TODAY);
        let by = v["last"]["by"].as_str().unwrap();
        assert!(
            db.ok(&["review", "start"])
                .contains(&format!("since {by}'s review of {TODAY}"))
        );
        let log = db.json(&["log", "--json", "--limit", "1"]);
        assert_eq!(log[0]["action"], "finish_review", "{log}");
        let text = db.ok(&["log", "--limit", "1"]);
        assert!(
            text.contains("the tier review updated")
                && text.contains("the review summary (who, when, how many) created"),
            "{text}"
        );
        let undo = db.ok(&["undo"]);
        assert!(!undo.is_empty());
        assert_eq!(keys(&db.json(&["review", "start", "--json"])), due);
    });
}

#[test]
fn review_start_brings_back_old_pins() {
    let db = new_db(true);
    db.ok(&["review"]);
    let tier = db.json(&["show", "HOOLI", "--json"])["score"]["tier"]
        .as_str()
        .unwrap()
        .to_string();
    db.ok(&["pin", "HOOLI", &tier, "--reason", "flagship"]);
    assert!(keys(&db.json(&["review", "start", "--json"])).is_empty());
    let later = |args: &[&str]| -> Value {
        let out = db
            .cmd(args)
            .env("KAM_TODAY", "2027-03-01")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = later(&["review", "start", "--json"]);
    assert!(keys(&v).contains(&"HOOLI".to_string()), "{v}");
    let hooli = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "HOOLI")
        .unwrap();
    assert_eq!(hooli["pin"]["reason"], "flagship");
    assert_eq!(hooli["pin"]["at"], TODAY);
}

#[test]
fn merge_dry_run_writes_nothing_and_merge_moves_everything() {
    both(|db| {
        let before = db.json(&["log", "--json"]).as_array().unwrap().len();
        let v = db.json(&["merge", "ACME", "ACME-2", "--dry-run", "--json"]);
        assert_eq!(v["dry_run"], true);
        assert_eq!(v["seq"], Value::Null);
        // Every timeline entry moves, kam's own tier entries too.
        let timeline = db.json(&["timeline", "ACME-2", "--json"]);
        assert_eq!(v["interactions"], timeline.as_array().unwrap().len());
        let fields: Vec<(&str, &str)> = v["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["field"].as_str().unwrap(), c["chosen"].as_str().unwrap()))
            .collect();
        assert_eq!(
            fields,
            vec![("name", "keep"), ("owner", "keep"), ("region", "keep")]
        );
        let text = db.ok(&["merge", "ACME", "ACME-2", "--dry-run", "--take", "region"]);
        assert!(
            text.starts_with("merge ACME-2 (ACME Inc.) into ACME (Acme GmbH)"),
            "{text}"
        );
        assert!(text.contains("drop (--take)"), "{text}");
        assert!(text.ends_with("dry run: nothing written\n"), "{text}");
        assert_eq!(
            db.json(&["log", "--json"]).as_array().unwrap().len(),
            before
        );
        db.ok(&["show", "ACME-2"]);

        let out = db.ok(&["merge", "acme", "acme-2", "--take", "region"]);
        assert!(out.contains("merged ACME-2 into ACME"), "{out}");
        let show = db.json(&["show", "ACME", "--json"]);
        assert_eq!(show["region"], "south");
        assert_eq!(show["name"], "Acme GmbH");
        let orders = db.json(&["timeline", "ACME", "--kind", "order", "--json"]);
        assert_eq!(orders.as_array().unwrap().len(), 2, "{orders}");
        assert_eq!(db.run(&["show", "ACME-2"]).status.code(), Some(3));

        db.ok(&["undo"]);
        assert_eq!(db.json(&["show", "ACME", "--json"])["region"], "north");
        assert_eq!(db.json(&["show", "ACME-2", "--json"])["owner"], "bob");
        let orders = db.json(&["timeline", "ACME-2", "--kind", "order", "--json"]);
        assert_eq!(orders.as_array().unwrap().len(), 1);
    });
}

#[test]
fn merge_refuses_bad_input_with_exit_3() {
    let db = new_db(true);
    for args in [
        &["merge", "ACME", "ACME"][..],
        &["merge", "ACME", "NOPE"][..],
        &["merge", "ACME", "ACME-2", "--take", "colour"][..],
    ] {
        let out = db.run(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
}

#[test]
fn duplicates_lists_pairs_by_name() {
    both(|db| {
        let v = db.json(&["duplicates", "--json"]);
        assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
        assert_eq!(
            (
                v[0]["first"].as_str(),
                v[0]["second"].as_str(),
                v[0]["by"].as_str()
            ),
            (Some("ACME"), Some("ACME-2"), Some("name"))
        );
        let text = db.ok(&["duplicates"]);
        assert!(
            text.contains("ACME-2") && text.contains("name \"acme\""),
            "{text}"
        );
        assert!(text.contains("1 likely duplicate pair"), "{text}");
    });
}

/// The TUI's questions over the socket: the review items and a merge plan
/// arrive whole from the server (records with dates and pins included),
/// and a merge through the remote backend is one change like the CLI's.
#[test]
fn review_and_merge_plan_through_the_team_server() {
    use kam::backend::Backend;
    use kam::book::WriteOp;
    use kam::server::client::{ClientHello, new_client_id};
    use kam::server::remote::RemoteBackend;
    use kam::server::spawn::Endpoint;

    let db = new_db(false);
    db.ok(&["review"]);
    db.ok(&["order", "ACME", "90000", "-m", "big one"]);
    db.ok(&["pin", "HOOLI", "Development", "--reason", "flagship"]);
    let expected = keys(&db.json(&["review", "start", "--json"]));
    let today = kam::clock::parse_date(TODAY).unwrap();
    let mut remote = RemoteBackend::connect(
        Endpoint {
            db: db.t.db.clone(),
            as_of_arg: Some(TODAY.into()),
            exe: EXE.into(),
        },
        ClientHello {
            as_of: today,
            pinned: true,
            client_id: new_client_id(),
            subscribe: false,
        },
    )
    .unwrap();
    let items = remote.review_due().unwrap();
    let got: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    assert_eq!(got, expected);
    assert!(items.iter().any(|i| i.from.is_some() && !i.why.is_empty()));

    let plan = remote
        .plan_merge("ACME", "ACME-2", &["region".into()])
        .unwrap();
    assert_eq!(plan.merged.region, "south");
    assert_eq!(plan.drop.key, "ACME-2");
    assert_eq!(
        plan.interactions,
        db.json(&["timeline", "ACME-2", "--json"])
            .as_array()
            .unwrap()
            .len()
    );
    let w = remote
        .execute(WriteOp::MergeAccounts {
            keep: "ACME".into(),
            drop: "ACME-2".into(),
            take: vec!["region".into()],
        })
        .unwrap();
    assert!(w.outcome.seq.is_some());
    assert_eq!(db.run(&["show", "ACME-2"]).status.code(), Some(3));
    let log = db.json(&["log", "--json", "--limit", "1"]);
    assert_eq!(log[0]["action"], "merge_accounts", "{log}");
    // The book is whole after the merge and after its undo.
    db.ok(&["check"]);
    drop(remote);
    db.ok(&["undo"]);
    db.ok(&["check"]);
    db.ok(&["show", "ACME-2"]);
}
