//! Golden bytes: pin the on-disk format of every stored type. If a field is
//! added to a record, these fail: bump the record's format version and add a
//! migration arm in src/store/codec.rs, then add a new golden value (keep the
//! old hex as a decode-only test of the migration).

use chrono::{DateTime, NaiveDate};
use kam::domain::*;
use kam::store::DbHeader;
use kam::store::envelope::{Record, decode, encode};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn check<T: Record + PartialEq + std::fmt::Debug>(v: &T, golden: &str) {
    let bytes = encode(v).unwrap();
    assert_eq!(hex(&bytes), golden, "encoding of {v:?} changed");
    let back: T = decode(&unhex(golden)).unwrap();
    assert_eq!(&back, v);
}

#[test]
fn account_golden() {
    let a = Account {
        id: AccountId(7),
        version: 3,
        key: "ACME-001".into(),
        name: "Acme 公司".into(),
        owner: "ann".into(),
        backup_owner: "bob".into(),
        industry: "steel".into(),
        region: "east".into(),
        status: AccountStatus::Active,
        since: Some(d(2020, 1, 15)),
        orientation: Some(Orientation::Solution),
        ratings: Ratings {
            potential: Some(4),
            loyalty: None,
            strategic_fit: Some(5),
            tech_cooperation: Some(0),
        },
        profile: ProfileText {
            background: "bg".into(),
            needs: "n\nx".into(),
            ..Default::default()
        }
        .into(),
        tags: vec!["vip".into(), "cn".into()],
        pin: Some(Box::new(TierPin {
            tier: "key".into(),
            reason: "board".into(),
            by: "ann".into(),
            at: d(2024, 6, 1),
        })),
    };
    check(
        &a,
        "ca02000170f9a96007030841434d452d3030310b41636d6520e585ace58fb803616e6e03626f6205737465656c04656173740101fc3e811600010201040001050100026267000000000000036e0a78020376697002636e01036b657905626f61726403616e6efcbc8d1600",
    );
}

#[test]
fn contact_golden() {
    let c = Contact {
        id: ContactId(9),
        version: 1,
        account: AccountId(7),
        name: "Li Wei".into(),
        title: "CPO".into(),
        role: ContactRole::Procurement,
        email: "li@acme.cn".into(),
        phone: "+86 1".into(),
        primary: true,
        backup: false,
        left_at: Some(d(2025, 2, 28)),
    };
    check(
        &c,
        "ca030001f0659cee090107064c69205765690343504f020a6c694061636d652e636e052b38362031010001fcdc8f1600",
    );
}

#[test]
fn interaction_golden() {
    let i = Interaction {
        id: InteractionId(300),
        version: 2,
        account: AccountId(7),
        kind: InteractionKind::Order,
        at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        amount: Some(Money::from_cents(123_456)),
        margin: Some(Money::from_cents(-50)),
        due: Some(d(2023, 12, 14)),
        paid_at: None,
        satisfaction: Some(4),
        summary: "PO 17".into(),
        author: "ann".into(),
        follow_up: Some(d(2023, 12, 1)),
    };
    check(
        &i,
        "ca040001969b5417fb2c01020700fc00e2a7ca01fc80c40300016301fc688c160000010405504f20313703616e6e01fc4e8c1600",
    );
}

#[test]
fn followup_golden() {
    let f = FollowUp {
        id: FollowUpId(11),
        version: 1,
        account: AccountId(7),
        due: d(2025, 3, 3),
        assignee: "bob".into(),
        note: "send quote".into(),
        done_at: None,
    };
    check(
        &f,
        "ca050001960ecad10b0107fce28f160003626f620a73656e642071756f746500",
    );
}

#[test]
fn header_tier_blob_golden() {
    check(
        &DbHeader {
            magic: "kam-db".into(),
            schema: 1,
        },
        "ca010001b5bc8c5e066b616d2d646201",
    );
    check(
        &"development".to_string(),
        "ca060001a116f2a70b646576656c6f706d656e74",
    );
    check(&b"w=1".to_vec(), "ca070001597946a303773d31");
}

fn audit_sample() -> kam::audit::AuditEntry {
    use kam::audit::*;
    let before = FollowUp {
        id: FollowUpId(11),
        version: 1,
        account: AccountId(7),
        due: d(2025, 3, 3),
        assignee: "bob".into(),
        note: "send quote".into(),
        done_at: None,
    };
    let mut after = before.clone();
    after.version = 2;
    after.done_at = Some(d(2025, 3, 4));
    AuditEntry {
        seq: 42,
        user: "ann".into(),
        at: DateTime::from_timestamp(1_740_000_000, 0).unwrap(),
        action: "complete_followup".into(),
        undo_of: None,
        changes: vec![
            RecordChange::new(
                RecordRef {
                    kind: RefKind::FollowUp,
                    id: 11,
                    account: AccountId(7),
                    key: "ACME".into(),
                },
                Some(RecordImage::FollowUp(before)),
                Some(RecordImage::FollowUp(after)),
            ),
            RecordChange::new(
                RecordRef::meta("review"),
                None,
                Some(RecordImage::Meta("2025-03-04\n".into())),
            ),
        ],
    }
}

#[test]
fn audit_entry_golden() {
    let e = audit_sample();
    assert_eq!(e.changes[0].fields.len(), 1, "done_at only");
    check(
        &e,
        "ca08000121670a9f2a03616e6efc00966ccf11636f6d706c6574655f666f6c6c6f7775700002030b070441434d4501030b0107fce28f160003626f620a73656e642071756f74650001030b0207fce28f160003626f620a73656e642071756f746501fce48f16000107646f6e655f6174000a323032352d30332d3034040000067265766965770001040b323032352d30332d30340a00",
    );
}

#[test]
fn request_entry_golden() {
    check(
        &kam::store::RequestEntry {
            seq: 300,
            outcome: vec![1, 2],
        },
        "ca090001868b691afb2c01020102",
    );
}

#[test]
fn snoozes_golden() {
    let s = Snoozes {
        items: vec![
            Snooze {
                account: AccountId(7),
                kind: "follow_up".into(),
                target: "11".into(),
                until: d(2025, 3, 10),
            },
            Snooze {
                account: AccountId(9),
                kind: "cadence".into(),
                target: String::new(),
                until: d(2025, 4, 1),
            },
        ],
    };
    check(
        &s,
        "ca0b00011df83180020709666f6c6c6f775f7570023131fcf08f16000907636164656e636500fc1c901600",
    );
}

#[test]
fn review_mark_golden() {
    let r = ReviewMark {
        day: d(2025, 3, 4),
        tiers: vec![(AccountId(7), "A".into()), (AccountId(9), "B".into())],
    };
    check(&r, "ca0c00017f20c1a3fce48f160002070141090142");
}

#[test]
fn request_outcome_golden() {
    use kam::audit::RecordImage;
    use kam::book::{ImportCounts, WriteOutcome};
    let o = WriteOutcome {
        seq: Some(42),
        action: "import".into(),
        records: vec![RecordImage::Meta("w=1".into())],
        tier_changes: Vec::new(),
        merged: vec!["name".into()],
        import: Some(ImportCounts {
            created: 1,
            updated: 2,
            skipped: 3,
        }),
        count: 4,
        undone: Some(41),
    };
    check(
        &o,
        "ca0a0001641730b5012a06696d706f7274010403773d310001046e616d6501010203040129",
    );
}

#[test]
fn derived_golden() {
    use kam::segment::{AccountInputs, Engine, Model};
    use kam::store::DerivedHead;
    check(
        &DerivedHead {
            seq: 42,
            buckets: 3,
            accounts: 150,
        },
        "ca0d0001f8da7f962a0396",
    );
    let a = Account {
        id: AccountId(7),
        key: "A".into(),
        ..Account::default()
    };
    let mut i = Interaction::new(AccountId(7), InteractionKind::Order, d(2025, 3, 4));
    i.id = InteractionId(11);
    i.amount = Some(Money::from_units(1200));
    i.due = Some(d(2025, 4, 3));
    i.follow_up = Some(d(2025, 3, 10));
    let c = Contact {
        id: ContactId(5),
        account: AccountId(7),
        primary: true,
        left_at: Some(d(2025, 1, 2)),
        ..Contact::default()
    };
    let mut e = Engine::new(Model::default(), d(2025, 6, 30));
    e.rebuild(&[a], &[c], [&i]);
    let bucket: Vec<AccountInputs> = vec![e.inputs(AccountId(7)).unwrap()];
    check(
        &bucket,
        "ca0e000145e6195e0107010b00fc00858ccf0001fc80a903000001fc20901600000001fcf08f16000105010001fc6a8f1600",
    );
}

#[test]
fn key_dates_golden() {
    let k = KeyDates {
        items: vec![KeyDate {
            id: 12,
            account: AccountId(7),
            kind: KeyDateKind::ContactDate,
            on: d(1971, 3, 5),
            lead_days: 7,
            note: "CEO".into(),
        }],
    };
    check(&k, "ca0f00017a481468010c0703fccef51500070343454f");
}
