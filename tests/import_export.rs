//! Import and export against a real sled store in temporary directories.

use chrono::{NaiveDate, TimeZone, Utc};
use kam::domain::{
    Account, AccountStatus, Contact, ContactRole, Interaction, InteractionKind, Money, Orientation,
    ProfileText, Ratings, TierPin,
};
use kam::store::Store;
use kam::transfer::columns::RecordKind;
use kam::transfer::export::{Format, export, export_to_path};
use kam::transfer::import::{ImportFailure, ImportSummary, plan_import, run_import};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const KINDS: [RecordKind; 3] = [
    RecordKind::Accounts,
    RecordKind::Contacts,
    RecordKind::Interactions,
];

fn db() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn export_string(store: &Store, kind: RecordKind, format: Format) -> String {
    let mut out = Vec::new();
    export(store, kind, format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Everything in the store, as text: "nothing written" means this is unchanged.
fn full_dump(store: &Store) -> String {
    KINDS
        .iter()
        .map(|k| export_string(store, *k, Format::Csv))
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// The day imports are checked on (the domain's date rules): after every
/// date in the fixtures.
fn today() -> NaiveDate {
    day(2026, 1, 1)
}

fn import(store: &Store, kind: RecordKind, file: &Path) -> Result<ImportSummary, ImportFailure> {
    run_import(store, kind, file, "importer", today(), false, |batch| {
        store.apply(batch).map(|_| ())
    })
}

fn counts(created: usize, updated: usize, skipped: usize) -> (usize, usize, usize) {
    (created, updated, skipped)
}

fn summary_counts(s: &ImportSummary) -> (usize, usize, usize) {
    (s.created, s.updated, s.skipped)
}

fn row_errors(result: Result<ImportSummary, ImportFailure>) -> Vec<String> {
    match result {
        Err(ImportFailure::Rows(e)) => {
            assert_eq!(e.more, 0);
            e.errors
        }
        Err(other) => panic!("expected row errors, got {other}"),
        Ok(s) => panic!("expected row errors, got {s}"),
    }
}

fn header_error(result: Result<ImportSummary, ImportFailure>) -> String {
    match result {
        Err(ImportFailure::Header(e)) => e,
        Err(other) => panic!("expected a header error, got {other}"),
        Ok(s) => panic!("expected a header error, got {s}"),
    }
}

fn add_account(store: &Store, key: &str, name: &str) -> Account {
    store
        .insert_account(Account {
            key: key.into(),
            name: name.into(),
            ..Default::default()
        })
        .unwrap()
}

/// A first database with the awkward cases: CJK, multi-line profile text,
/// commas and quotes, empty optionals, negative margins, times that are not
/// midnight, repeated contact names and identical interactions.
fn varied_store(store: &Store) {
    // Inserted before HW-001 so that id order differs from key order.
    let zeta = store
        .insert_account(Account {
            key: "ZETA-9".into(),
            name: "Zeta, \"Quoted\" Ltd".into(),
            owner: "alice".into(),
            status: AccountStatus::Dormant,
            since: Some(day(2019, 5, 1)),
            orientation: Some(Orientation::Price),
            ratings: Ratings {
                potential: Some(0),
                loyalty: Some(5),
                ..Default::default()
            },
            tags: vec!["vip".into(), "重点客户".into()],
            profile: ProfileText {
                background: "Line one\nLine two, with comma\n  indented \"quote\"".into(),
                plans: "short: renew\nlong: expand, \"maybe\"".into(),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })
        .unwrap();
    let hw = store
        .insert_account(Account {
            key: "HW-001".into(),
            name: "华为技术有限公司".into(),
            owner: "王伟".into(),
            backup_owner: "李娜".into(),
            industry: "电信".into(),
            region: "深圳".into(),
            status: AccountStatus::Active,
            since: Some(day(2015, 3, 2)),
            orientation: Some(Orientation::Strategic),
            ratings: Ratings {
                potential: Some(4),
                loyalty: Some(3),
                strategic_fit: Some(5),
                tech_cooperation: Some(2),
            },
            tags: vec!["战略".into()],
            profile: ProfileText {
                background: "全球领先的信息与通信基础设施提供商。\n第二行".into(),
                finance: "营收稳定".into(),
                organisation: "采购部关注成本,业务部关注结果".into(),
                competitors: "爱立信, 诺基亚".into(),
                suppliers: "x".into(),
                downstream: "运营商".into(),
                plans: "".into(),
                needs: "隐性需求:交付速度".into(),
            }
            .into(),
            pin: Some(Box::new(TierPin {
                tier: "key".into(),
                reason: "strategic".into(),
                by: "boss".into(),
                at: day(2024, 1, 1),
            })),
            ..Default::default()
        })
        .unwrap();
    let acme = add_account(store, "ACME-1", "Acme");

    for (account, name, title, role, primary, backup, left_at) in [
        (
            hw.id,
            "李雷",
            "CEO",
            ContactRole::Executive,
            true,
            false,
            None,
        ),
        (
            hw.id,
            "韩梅梅",
            "采购经理",
            ContactRole::Procurement,
            false,
            true,
            Some(day(2024, 6, 30)),
        ),
        (
            hw.id,
            "张三",
            "Engineer",
            ContactRole::Technical,
            false,
            false,
            None,
        ),
        (
            hw.id,
            "张三",
            "Another, same name",
            ContactRole::User,
            false,
            false,
            None,
        ),
        (
            acme.id,
            "Bob \"Jr.\", III",
            "",
            ContactRole::Other,
            false,
            false,
            None,
        ),
    ] {
        store
            .insert_contact(Contact {
                account,
                name: name.into(),
                title: title.into(),
                role,
                email: format!("{}@example.com", title.len()),
                phone: "+86 755 0000".into(),
                primary,
                backup,
                left_at,
                ..Default::default()
            })
            .unwrap();
    }

    let mut order = Interaction::new(hw.id, InteractionKind::Order, day(2024, 1, 15));
    order.amount = Some(Money::parse("120000.50").unwrap());
    order.margin = Some(Money::parse("-1500.25").unwrap());
    order.due = Some(day(2024, 2, 15));
    order.paid_at = Some(day(2024, 2, 20));
    order.summary = "大订单, \"rush\"\nsecond line".into();
    order.author = "wang".into();
    let mut call = Interaction::new(hw.id, InteractionKind::Call, day(2024, 3, 1));
    call.at = Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 15).unwrap();
    call.author = "alice".into();
    call.follow_up = Some(day(2024, 3, 10));
    let mut survey = Interaction::new(hw.id, InteractionKind::Survey, day(2024, 2, 1));
    survey.satisfaction = Some(4);
    survey.author = "alice".into();
    let mut note = Interaction::new(zeta.id, InteractionKind::Note, day(2023, 12, 24));
    note.summary = "same".into();
    note.author = "alice".into();
    let mut payment = Interaction::new(zeta.id, InteractionKind::Payment, day(2023, 11, 1));
    payment.amount = Some(Money::from_units(5000));
    payment.author = "bob".into();
    // Stored out of time order, and the note twice (identical).
    for i in [order, call, survey, note.clone(), note, payment] {
        store.insert_interaction(i).unwrap();
    }
}

#[test]
fn export_then_import_into_empty_db_round_trips_byte_for_byte() {
    let (_d1, first) = db();
    varied_store(&first);
    let files = tempfile::tempdir().unwrap();
    let (_d2, second) = db();
    for (kind, records) in KINDS.into_iter().zip([3, 5, 6]) {
        let csv = export_string(&first, kind, Format::Csv);
        let path = files.path().join(format!("{kind}.csv"));
        std::fs::write(&path, &csv).unwrap();
        let summary = import(&second, kind, &path).unwrap();
        assert_eq!(summary_counts(&summary), counts(records, 0, 0), "{kind}");
    }
    for kind in KINDS {
        for format in [Format::Csv, Format::Json] {
            assert_eq!(
                export_string(&first, kind, format),
                export_string(&second, kind, format),
                "{kind} {format:?}"
            );
        }
    }
    // The awkward values made it through the CSV quoting.
    let accounts = export_string(&second, RecordKind::Accounts, Format::Csv);
    assert!(accounts.contains("\"Zeta, \"\"Quoted\"\" Ltd\""));
    assert!(accounts.contains("\"Line one\nLine two, with comma\n  indented \"\"quote\"\"\""));
    assert!(accounts.contains("华为技术有限公司"));
    let interactions = export_string(&second, RecordKind::Interactions, Format::Csv);
    assert!(interactions.contains("120000.50,-1500.25,2024-02-15,2024-02-20"));
    assert!(interactions.contains("HW-001,call,2024-03-01T09:30:15Z,"));
    assert_eq!(
        interactions
            .matches("ZETA-9,note,2023-12-24,,,,,,same,alice,")
            .count(),
        2
    );
    assert_eq!(second.counts().unwrap(), first.counts().unwrap());
}

#[test]
fn export_order_is_by_key_then_name_or_time() {
    let (_d, store) = db();
    varied_store(&store);
    let accounts = export_string(&store, RecordKind::Accounts, Format::Csv);
    let keys: Vec<&str> = accounts
        .lines()
        .filter_map(|l| l.split(',').next())
        .filter(|k| ["ACME-1", "HW-001", "ZETA-9"].contains(k))
        .collect();
    assert_eq!(keys, ["ACME-1", "HW-001", "ZETA-9"]);
    assert!(accounts.starts_with(
        "key,name,owner,backup_owner,industry,region,status,since,orientation,potential,loyalty,\
         strategic_fit,tech_cooperation,tags,background,finance,organisation,competitors,\
         suppliers,downstream,plans,needs\n"
    ));

    let contacts = export_string(&store, RecordKind::Contacts, Format::Csv);
    let lines: Vec<&str> = contacts.lines().collect();
    assert_eq!(
        lines[0],
        "account,name,title,role,email,phone,primary,backup,left_at"
    );
    assert!(lines[1].starts_with("ACME-1,"));
    // HW-001 contacts by name (byte order), the two 张三 by id.
    let hw: Vec<&str> = lines[2..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(hw, ["张三", "张三", "李雷", "韩梅梅"]);
    assert!(lines[2].contains(",Engineer,technical,"));
    assert!(lines[5].ends_with(",false,true,2024-06-30"));

    let interactions = export_string(&store, RecordKind::Interactions, Format::Csv);
    let firsts: Vec<String> = interactions
        .lines()
        .filter(|l| l.starts_with("HW-001,") || l.starts_with("ZETA-9,"))
        .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        firsts,
        [
            "HW-001,order,2024-01-15",
            "HW-001,survey,2024-02-01",
            "HW-001,call,2024-03-01T09:30:15Z",
            "ZETA-9,payment,2023-11-01",
            "ZETA-9,note,2023-12-24",
            "ZETA-9,note,2023-12-24",
        ]
    );
}

#[test]
fn json_export_has_the_csv_fields_with_types() {
    let (_d, store) = db();
    varied_store(&store);
    let text = export_string(&store, RecordKind::Accounts, Format::Json);
    assert!(text.ends_with("}\n]\n"), "pretty with a trailing newline");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let acme = &rows[0];
    assert_eq!(
        acme.as_object().unwrap().len(),
        RecordKind::Accounts.columns().len()
    );
    assert_eq!(acme["key"], "ACME-1");
    assert_eq!(acme["since"], serde_json::Value::Null);
    assert_eq!(acme["potential"], serde_json::Value::Null);
    assert_eq!(acme["owner"], "");
    assert_eq!(acme["tags"], serde_json::json!([]));
    let zeta = &rows[2];
    assert_eq!(zeta["status"], "dormant");
    assert_eq!(zeta["since"], "2019-05-01");
    assert_eq!(zeta["orientation"], "price");
    assert_eq!(zeta["potential"], 0);
    assert_eq!(zeta["loyalty"], 5);
    assert_eq!(zeta["tags"], serde_json::json!(["vip", "重点客户"]));

    let v: serde_json::Value =
        serde_json::from_str(&export_string(&store, RecordKind::Contacts, Format::Json)).unwrap();
    let first = &v[0];
    assert_eq!(
        first.as_object().unwrap().len(),
        RecordKind::Contacts.columns().len()
    );
    assert_eq!(first["account"], "ACME-1");
    assert_eq!(first["primary"], false);
    assert_eq!(v[4]["backup"], true);
    assert_eq!(v[4]["left_at"], "2024-06-30");
    assert_eq!(v[3]["primary"], true);

    let v: serde_json::Value = serde_json::from_str(&export_string(
        &store,
        RecordKind::Interactions,
        Format::Json,
    ))
    .unwrap();
    let order = &v[0];
    assert_eq!(
        order.as_object().unwrap().len(),
        RecordKind::Interactions.columns().len()
    );
    assert_eq!(order["kind"], "order");
    assert_eq!(order["amount"], "120000.50");
    assert_eq!(order["margin"], "-1500.25");
    assert_eq!(order["satisfaction"], serde_json::Value::Null);
    assert_eq!(v[1]["satisfaction"], 4);
    assert_eq!(v[2]["at"], "2024-03-01T09:30:15Z");
    assert_eq!(v[2]["amount"], serde_json::Value::Null);

    let (_e, empty) = db();
    assert_eq!(
        export_string(&empty, RecordKind::Accounts, Format::Json),
        "[]\n"
    );
}

#[test]
fn importing_an_existing_key_updates_it_and_keeps_the_rest() {
    let (_d, store) = db();
    varied_store(&store);
    let before = store.account_by_key("HW-001").unwrap().unwrap();
    let file = fixture("upsert_accounts.csv");
    let summary = import(&store, RecordKind::Accounts, &file).unwrap();
    assert_eq!(summary_counts(&summary), counts(1, 1, 0));

    let after = store.account_by_key("HW-001").unwrap().unwrap();
    assert_eq!(after.id, before.id);
    assert_eq!(after.name, "华为技术");
    assert_eq!(after.owner, "李娜");
    assert_eq!(after.tags, ["vip", "战略"]);
    // Columns the file does not have are kept, and so is the tier pin.
    assert_eq!(after.pin, before.pin);
    assert!(after.pin.is_some());
    assert_eq!(after.profile, before.profile);
    assert_eq!(after.ratings, before.ratings);
    assert_eq!(after.region, "深圳");
    let new = store.account_by_key("NEW-1").unwrap().unwrap();
    assert_eq!((new.name.as_str(), new.owner.as_str()), ("New Co", "bob"));
    assert_eq!(new.status, AccountStatus::Active);

    // The same file again changes nothing.
    let dump = full_dump(&store);
    let again = import(&store, RecordKind::Accounts, &file).unwrap();
    assert_eq!(summary_counts(&again), counts(0, 0, 2));
    assert_eq!(full_dump(&store), dump);
    assert_eq!(
        store.account_by_key("HW-001").unwrap().unwrap().version,
        after.version
    );
}

#[test]
fn contacts_with_the_same_account_and_name_are_updated() {
    let (_d, store) = db();
    varied_store(&store);
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("c.csv");
    std::fs::write(
        &path,
        "account,name,title\nHW-001,李雷,Chairman\nHW-001,New Person,CTO\nHW-001,张三,Engineer\n",
    )
    .unwrap();
    let before = store.contacts().unwrap().len();
    let summary = import(&store, RecordKind::Contacts, &path).unwrap();
    // 张三 (the first one) is unchanged: skipped.
    assert_eq!(summary_counts(&summary), counts(1, 1, 1));
    let contacts = store.contacts().unwrap();
    assert_eq!(contacts.len(), before + 1);
    let li: Vec<&Contact> = contacts.iter().filter(|c| c.name == "李雷").collect();
    assert_eq!(li.len(), 1);
    assert_eq!(li[0].title, "Chairman");
    assert_eq!(
        li[0].role,
        ContactRole::Executive,
        "role column absent: kept"
    );
    assert!(li[0].primary);
}

#[test]
fn bad_account_rows_are_all_reported_and_nothing_is_written() {
    let (_d, store) = db();
    varied_store(&store);
    let before = full_dump(&store);
    let file = fixture("bad_accounts.csv");
    let f = file.display();
    let errors = row_errors(import(&store, RecordKind::Accounts, &file));
    assert_eq!(
        errors,
        [
            format!("{f}:3: key: must not contain spaces"),
            format!("{f}:4: name: must not be empty"),
            format!("{f}:5: since: '2024-02-30' is not a date (expected YYYY-MM-DD or RFC 3339)"),
            format!("{f}:6: potential: '7' is not a rating 0–5"),
            format!(
                "{f}:7: status: unknown status 'sleeping' (expected one of: prospect, active, \
                 dormant, churned, archived)"
            ),
            format!("{f}:8: since: '2024-13-01' is not a date (expected YYYY-MM-DD or RFC 3339)"),
            format!("{f}:8: potential: '9' is not a rating 0–5"),
            format!("{f}:10: row: expected 6 fields as in the header, found 3"),
            format!("{f}:11: name: invalid UTF-8"),
            format!("{f}:12: key: duplicate key 'GOOD-1' (first on line 2)"),
        ]
    );
    assert_eq!(full_dump(&store), before);
    assert!(store.account_by_key("GOOD-2").unwrap().is_none());
}

#[test]
fn bad_contact_rows_are_all_reported_and_nothing_is_written() {
    let (_d, store) = db();
    varied_store(&store);
    let before = full_dump(&store);
    let file = fixture("bad_contacts.csv");
    let f = file.display();
    let errors = row_errors(import(&store, RecordKind::Contacts, &file));
    assert_eq!(
        errors,
        [
            format!("{f}:3: account: unknown account key 'NOPE-1'"),
            format!("{f}:4: name: must not be empty"),
            format!("{f}:5: primary: 'maybe' is not a boolean (expected true/false/yes/no/1/0)"),
            format!(
                "{f}:6: role: unknown role 'janitor' (expected one of: executive, business, \
                 procurement, technical, finance, user, other)"
            ),
            format!("{f}:6: left_at: '2024-02-31' is not a date (expected YYYY-MM-DD or RFC 3339)"),
            format!("{f}:7: account: must not be empty"),
        ]
    );
    assert_eq!(full_dump(&store), before);
}

#[test]
fn bad_interaction_rows_are_all_reported_and_nothing_is_written() {
    let (_d, store) = db();
    varied_store(&store);
    let before = full_dump(&store);
    let file = fixture("bad_interactions.csv");
    let f = file.display();
    let errors = row_errors(import(&store, RecordKind::Interactions, &file));
    assert_eq!(
        errors,
        [
            format!(
                "{f}:3: kind: unknown kind 'lunch' (expected one of: {})",
                InteractionKind::names()
            ),
            format!(
                "{f}:4: at: '2024-01-32' is not a date or time (expected YYYY-MM-DD or RFC 3339)"
            ),
            format!("{f}:5: account: unknown account key 'GHOST'"),
            format!(
                "{f}:6: amount: '1,5' is not an amount: not a decimal amount (use digits and '.', \
                 e.g. 1234.50)"
            ),
            format!("{f}:6: margin: '1.234' is not an amount: at most 2 decimals allowed"),
            format!("{f}:7: satisfaction: '9' is not a satisfaction 1–5"),
            format!("{f}:8: kind: must not be empty"),
            format!("{f}:9: row: expected 7 fields as in the header, found 3"),
            format!("{f}:10: at: must not be empty"),
        ]
    );
    assert_eq!(full_dump(&store), before);
}

#[test]
fn more_than_fifty_problems_are_counted_not_listed() {
    let (_d, store) = db();
    add_account(&store, "ACME-1", "Acme");
    let before = full_dump(&store);
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("many.csv");
    let mut text = String::from("account,kind,at\nACME-1,call,2024-01-01\n");
    for n in 0..60 {
        text.push_str(&format!("ACME-1,call,day{n}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let failure = import(&store, RecordKind::Interactions, &path).unwrap_err();
    let ImportFailure::Rows(errors) = &failure else {
        panic!("{failure}")
    };
    assert_eq!(errors.errors.len(), 50);
    assert_eq!(errors.more, 10);
    let text = failure.to_string();
    assert!(text.contains(&format!(
        "{}:52: at: 'day49' is not a date or time",
        path.display()
    )));
    assert!(!text.contains("day50"));
    assert!(
        text.ends_with("\n… and 10 more\nnothing was imported"),
        "{text}"
    );
    assert_eq!(full_dump(&store), before);
}

#[test]
fn unknown_and_missing_columns_are_header_errors() {
    let (_d, store) = db();
    add_account(&store, "ACME-1", "Acme");
    let before = full_dump(&store);
    let file = fixture("unknown_column.csv");
    assert_eq!(
        header_error(import(&store, RecordKind::Accounts, &file)),
        format!(
            "{}:1: unknown column 'colour' for accounts; known columns: {}\n\
             rename columns with --map 'Their Name=kam_name', or ignore them with --skip-unknown",
            file.display(),
            RecordKind::Accounts.columns().join(", ")
        )
    );
    let file = fixture("missing_required.csv");
    assert_eq!(
        header_error(import(&store, RecordKind::Interactions, &file)),
        format!(
            "{}:1: missing required column 'at' (required for interactions: account, kind, at)",
            file.display()
        )
    );
    assert_eq!(full_dump(&store), before);

    let files = tempfile::tempdir().unwrap();
    let empty = files.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(header_error(import(&store, RecordKind::Contacts, &empty)).contains("is empty"));
    let missing = files.path().join("nope.csv");
    let err = import(&store, RecordKind::Contacts, &missing).unwrap_err();
    assert!(matches!(err, ImportFailure::Io(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", missing.display()))
    );
}

#[test]
fn control_and_bidi_characters_are_stripped_on_the_way_in() {
    let (_d, store) = db();
    import(&store, RecordKind::Accounts, &fixture("dirty_accounts.csv")).unwrap();
    let a = store.account_by_key("DIRTY-1").unwrap().unwrap();
    assert_eq!(a.name, "Evil Corp");
    assert_eq!(a.profile.background, "line1[31m\nline2x");

    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("i.csv");
    std::fs::write(
        &path,
        "account,kind,at,summary,author\nDIRTY-1,note,2024-01-01,\"客户\u{202E}反馈\u{1b}\",\"\u{2067}eve\"\n",
    )
    .unwrap();
    import(&store, RecordKind::Interactions, &path).unwrap();
    let i = &store.interactions_of(a.id).unwrap()[0];
    assert_eq!(i.summary, "客户反馈");
    assert_eq!(i.author, "eve");
}

#[test]
fn dry_run_writes_nothing_but_reports_counts() {
    let (_d, store) = db();
    varied_store(&store);
    let before = full_dump(&store);
    let summary = run_import(
        &store,
        RecordKind::Accounts,
        &fixture("upsert_accounts.csv"),
        "importer",
        today(),
        true,
        |_| panic!("a dry run must not apply the batch"),
    )
    .unwrap();
    assert_eq!(summary_counts(&summary), counts(1, 1, 0));
    assert_eq!(
        summary.to_string(),
        "accounts: 1 created, 1 updated, 0 skipped (dry run: nothing written)"
    );
    assert_eq!(full_dump(&store), before);
}

#[test]
fn reimporting_interactions_is_idempotent_and_fills_the_author() {
    let (_d, store) = db();
    add_account(&store, "ACME-1", "Acme");
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("i.csv");
    std::fs::write(
        &path,
        "account,kind,at,amount,summary,author\n\
         ACME-1,order,2024-01-05T10:00:00+08:00,100.5,first,\n\
         ACME-1,call,2024-01-06,,\"same\",ann\n\
         ACME-1,call,2024-01-06,,\"same\",ann\n",
    )
    .unwrap();
    let first = import(&store, RecordKind::Interactions, &path).unwrap();
    // Identical rows in one file are both kept: they may be two real calls.
    assert_eq!(summary_counts(&first), counts(3, 0, 0));
    let dump = full_dump(&store);
    let second = import(&store, RecordKind::Interactions, &path).unwrap();
    assert_eq!(summary_counts(&second), counts(0, 0, 3));
    assert_eq!(full_dump(&store), dump);

    let stored = store.interactions().unwrap();
    assert_eq!(stored.len(), 3);
    let order = stored
        .iter()
        .find(|i| i.kind == InteractionKind::Order)
        .unwrap();
    assert_eq!(order.author, "importer");
    assert_eq!(order.amount, Some(Money::from_cents(10_050)));
    assert_eq!(order.at, Utc.with_ymd_and_hms(2024, 1, 5, 2, 0, 0).unwrap());
    assert!(dump.contains("ACME-1,order,2024-01-05T02:00:00Z,100.50,"));
}

#[test]
fn plan_counts_without_writing() {
    let (_d, store) = db();
    add_account(&store, "ACME-1", "Acme");
    let plan = plan_import(
        &store,
        RecordKind::Contacts,
        &fixture("bad_contacts.csv"),
        "me",
        today(),
    );
    assert!(matches!(plan, Err(ImportFailure::Rows(_))));
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("c.csv");
    std::fs::write(&path, "name,account\nAnn,ACME-1\nBo,ACME-1\n").unwrap();
    let plan = plan_import(&store, RecordKind::Contacts, &path, "me", today()).unwrap();
    assert_eq!((plan.created, plan.updated, plan.skipped), (2, 0, 0));
    assert_eq!(plan.batch.contacts.len(), 2);
    assert_eq!(plan.batch.contacts[1].name, "Bo");
    assert!(store.contacts().unwrap().is_empty());
}

#[test]
fn export_to_path_replaces_the_file_whole() {
    let (_d, store) = db();
    varied_store(&store);
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("out.json");
    std::fs::write(&path, "old").unwrap();
    export_to_path(&store, RecordKind::Interactions, Format::Json, &path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        export_string(&store, RecordKind::Interactions, Format::Json)
    );
    let names: Vec<_> = std::fs::read_dir(files.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left behind");

    let bad = files.path().join("missing-dir/out.csv");
    assert!(export_to_path(&store, RecordKind::Accounts, Format::Csv, &bad).is_err());
    assert!(!bad.exists());
}

#[test]
fn a_json_file_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let file = dir.path().join("a.json");
    std::fs::write(&file, "[\n  {\n    \"key\": \"ACME\"\n  }\n]\n").unwrap();
    let err =
        kam::transfer::import::plan_import(&store, RecordKind::Accounts, &file, "li", today())
            .err()
            .expect("JSON is refused");
    let msg = err.to_string();
    assert!(msg.contains("a.json:1: this looks like JSON"), "{msg}");
}

#[test]
fn keys_differing_only_in_case_are_one_customer() {
    let (dir, store) = db();
    let acme = add_account(&store, "ACME", "Acme Group");
    // A new account whose key is a stored key in other case is refused;
    // two such keys in one file are duplicates.
    let accounts = dir.path().join("accounts.csv");
    std::fs::write(
        &accounts,
        "key,name\nacme,lower acme\nNEW,New\nnew,new again\n",
    )
    .unwrap();
    let before = full_dump(&store);
    let errors = row_errors(import(&store, RecordKind::Accounts, &accounts));
    let file = accounts.display();
    assert_eq!(
        errors,
        vec![
            format!(
                "{file}:2: key: 'acme' differs only in case from the existing account 'ACME'; use 'ACME' to update it"
            ),
            format!("{file}:4: key: duplicate key 'new' (first on line 3)"),
        ]
    );
    assert_eq!(full_dump(&store), before, "nothing written");
    // Linking by key finds the one account equal to it ignoring case.
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(&contacts, "account,name\nacme,Li Wei\n").unwrap();
    import(&store, RecordKind::Contacts, &contacts).unwrap();
    assert_eq!(store.contacts_of(acme.id).unwrap().len(), 1);
}

#[test]
fn orders_and_payments_need_an_amount() {
    let (dir, store) = db();
    add_account(&store, "ACME", "Acme Group");
    let file = dir.path().join("money.csv");
    std::fs::write(
        &file,
        "account,kind,at,amount\nACME,order,2025-03-01,\nACME,payment,2025-03-02,-5\nACME,visit,2025-03-03,\n",
    )
    .unwrap();
    let before = full_dump(&store);
    let errors = row_errors(import(&store, RecordKind::Interactions, &file));
    let f = file.display();
    assert_eq!(
        errors,
        vec![
            format!("{f}:2: amount: an order needs an amount"),
            format!("{f}:3: amount: a payment amount must not be negative"),
        ]
    );
    assert_eq!(full_dump(&store), before, "nothing written");
}

/// The one rule book: a row a form would refuse is refused by `kam import`
/// (the real binary, through the book) with the form's own words, as
/// `FILE:LINE: column: reason`; a team client's write gets them too.
#[test]
fn an_import_row_a_form_would_refuse_is_refused_with_the_forms_words() {
    use kam::book::{Book, BookError, WriteOp};
    use kam::clock::Clock;
    use kam::store::StoreError;
    use kam::tui::forms::Form;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let today = day(2025, 3, 1);
    let kam = || {
        let mut c = assert_cmd::Command::cargo_bin("kam").unwrap();
        c.env("KAM_DB", &db)
            .env("KAM_TODAY", today.to_string())
            // In process: the same book write a server would make.
            .env("KAM_NO_SERVER", "1")
            .env_remove("XDG_DATA_HOME");
        c
    };
    let accounts = dir.path().join("accounts.csv");
    std::fs::write(
        &accounts,
        "key,name,since\nACME,Acme,2020-01-01\nNEXT,Next Co,2025-03-02\n",
    )
    .unwrap();
    let out = kam()
        .arg("import")
        .arg("accounts")
        .arg(&accounts)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    // The account form, asked the same.
    let mut form = Form::account(None, "li");
    form.set("key", "NEXT");
    form.set("name", "Next Co");
    form.set("since", "2025-03-02");
    assert!(form.submit(today, "li").is_err());
    let since = form
        .error("since")
        .expect("the form refuses it")
        .to_string();
    assert_eq!(since, "2025-03-02 is in the future (today is 2025-03-01)");
    let f = accounts.display();
    assert!(
        stderr.contains(&format!("{f}:3: since: {since}\n")),
        "{stderr}"
    );
    assert!(!stderr.contains(":2:"), "{stderr}");

    // Interactions: a day after today, a survey score off the scale, a
    // survey without one, a payment without an amount.
    std::fs::write(&accounts, "key,name\nACME,Acme\n").unwrap();
    kam()
        .arg("import")
        .arg("accounts")
        .arg(&accounts)
        .assert()
        .success();
    let rows = dir.path().join("interactions.csv");
    std::fs::write(
        &rows,
        "account,kind,at,satisfaction,amount\n\
         ACME,call,2025-03-02,,\n\
         ACME,survey,2025-02-20,9,\n\
         ACME,survey,2025-02-21,,\n\
         ACME,payment,2025-02-22,,\n\
         ACME,call,2025-03-01,,\n",
    )
    .unwrap();
    let out = kam()
        .arg("import")
        .arg("interactions")
        .arg(&rows)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    let refused = |kind: InteractionKind, set: &[(&str, &str)], field: &str| {
        let mut form = Form::interaction(AccountId(1), "ACME", kind, today);
        for (name, value) in set {
            form.set(name, value);
        }
        assert!(form.submit(today, "li").is_err(), "{set:?}");
        form.error(field)
            .expect("refused on that field")
            .to_string()
    };
    use kam::domain::AccountId;
    let future = refused(InteractionKind::Call, &[("date", "2025-03-02")], "date");
    let off_scale = refused(
        InteractionKind::Survey,
        &[("date", "2025-02-20"), ("satisfaction", "9")],
        "satisfaction",
    );
    let no_score = refused(
        InteractionKind::Survey,
        &[("date", "2025-02-21")],
        "satisfaction",
    );
    let no_amount = refused(
        InteractionKind::Payment,
        &[("date", "2025-02-22")],
        "amount",
    );
    assert_eq!(future, "2025-03-02 is in the future (today is 2025-03-01)");
    assert_eq!(off_scale, "'9' is not a satisfaction 1–5");
    assert_eq!(no_score, "a survey needs a satisfaction 1–5");
    assert_eq!(no_amount, "a payment needs an amount");
    let f = rows.display();
    for line in [
        format!("{f}:2: at: {future}"),
        format!("{f}:3: satisfaction: {off_scale}"),
        format!("{f}:4: satisfaction: {no_score}"),
        format!("{f}:5: amount: {no_amount}"),
    ] {
        assert!(stderr.contains(&line), "missing '{line}' in:\n{stderr}");
    }
    assert!(!stderr.contains(":6:"), "today is fine: {stderr}");

    // Nothing was imported; a team client's write of the same entry is
    // refused by the book with the same words.
    let store = Store::open(&db).unwrap();
    let mut book = Book::open(store, Clock::fixed(today), "ann").unwrap();
    let acme = book.find_account("ACME").unwrap().id;
    assert!(book.interactions_of(acme).unwrap().is_empty());
    let mut call = Interaction::new(acme, InteractionKind::Call, day(2025, 3, 2));
    call.summary = "from a client".into();
    match book.execute(WriteOp::AddInteraction { interaction: call }, None) {
        Err(BookError::Store(StoreError::Invalid(e))) => {
            assert_eq!((e.field, e.reason), ("at", future))
        }
        other => panic!("expected the date rule, got {other:?}"),
    }
}
