//! Fault campaign, arbitrary input: the CSV import, the scoring model TOML,
//! the keymap TOML and the protocol frames answer anything with a clear
//! error (or a result), never a panic. `PROPTEST_CASES` sets how many cases
//! (scripts/fault-campaign.sh raises it).

use chrono::NaiveDate;
use kam::domain::Account;
use kam::segment::Model;
use kam::server::frame;
use kam::server::protocol::{Reply, Request};
use kam::store::Store;
use kam::transfer::columns::RecordKind;
use kam::transfer::import::plan_import_from;
use kam::tui::keymap::Keymap;
use proptest::prelude::*;
use std::sync::OnceLock;

fn store() -> &'static Store {
    static STORE: OnceLock<(tempfile::TempDir, Store)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let s = Store::open(&dir.path().join("db")).unwrap();
            for key in ["ACME", "GLOBEX"] {
                s.insert_account(Account {
                    key: key.into(),
                    name: key.into(),
                    ..Default::default()
                })
                .unwrap();
            }
            (dir, s)
        })
        .1
}

/// Text made of the pieces that matter to each parser, so that inputs get
/// past the first check: separators, quotes, brackets, keys, escapes.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\"".to_string()),
        Just("=".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("key".to_string()),
        Just("name".to_string()),
        Just("account".to_string()),
        Just("owner".to_string()),
        Just("at".to_string()),
        Just("kind".to_string()),
        Just("ACME".to_string()),
        Just("2026-11-20".to_string()),
        Just("2026-11-20T10:00:00Z".to_string()),
        Just("1e308".to_string()),
        Just("-0".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("\u{202e}".to_string()),
        Just("[[axes]]".to_string()),
        Just("[global]".to_string()),
        Just("ctrl-".to_string()),
        ".{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

const KINDS: [RecordKind; 3] = [
    RecordKind::Accounts,
    RecordKind::Contacts,
    RecordKind::Interactions,
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

proptest! {
    #[test]
    fn csv_import_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600), text in texty()) {
        for kind in KINDS {
            let _ = plan_import_from(store(), kind, bytes.as_slice(), "fuzz.csv", "ann", today());
            for header in ["key,name,owner\n", "account,name,email\n", "account,kind,at,summary\n", ""] {
                let input = format!("{header}{text}");
                let _ = plan_import_from(store(), kind, input.as_bytes(), "fuzz.csv", "ann", today());
            }
        }
    }

    #[test]
    fn model_toml_never_panics(text in texty(), raw in ".{0,200}") {
        let _ = Model::from_toml(&text);
        let _ = Model::from_toml(&raw);
        // A valid model with arbitrary text spliced in.
        let valid = Model::preset("value-potential").expect("preset").to_toml();
        let cut = valid.len() * (text.len() % 7) / 7;
        let cut = (0..=cut).rev().find(|i| valid.is_char_boundary(*i)).unwrap_or(0);
        let _ = Model::from_toml(&format!("{}{text}{}", &valid[..cut], &valid[cut..]));
    }

    #[test]
    fn keymap_toml_never_panics(text in texty(), raw in ".{0,200}") {
        let _ = Keymap::from_texts(Some(("fuzz.toml", &text)));
        let _ = Keymap::from_texts(Some(("fuzz.toml", &raw)));
        let _ = Keymap::from_texts(Some(("fuzz.toml", &format!("[global]\n{text}"))));
    }

    #[test]
    fn protocol_frames_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = frame::recv::<Request>(&mut bytes.as_slice(), 1 << 20);
        let _ = frame::recv::<Reply>(&mut bytes.as_slice(), 1 << 20);
        let _ = frame::decode::<Request>(&bytes);
        let _ = frame::decode::<Reply>(&bytes);
        // A well-formed frame header around arbitrary contents.
        let mut framed = Vec::new();
        let mut body = vec![0u8];
        body.extend(&bytes);
        frame::write_frame(&mut framed, &body).unwrap();
        let _ = frame::recv::<Request>(&mut framed.as_slice(), 1 << 20);
    }
}
