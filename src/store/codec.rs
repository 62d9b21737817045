//! The on-disk value format: every stored value is wrapped in a small
//! versioned envelope so that a field added later is a migration keyed on the
//! record format version, and a later change of codec is a migration too.
//!
//! ```text
//! byte 0      envelope format (ENVELOPE_V1); also a magic byte
//! byte 1      record-type tag (Tag)
//! bytes 2..4  record format version, u16 big-endian
//! bytes 4..8  CRC32 of the payload, u32 big-endian
//! bytes 8..   payload: bincode 2, standard config, of the record
//! ```
//!
//! Adding a field to a record: bump its `VERSION`, keep the old struct as
//! e.g. `AccountV1` here, and add a `1 => decode::<AccountV1>(p).map(Into::into)`
//! arm to its `from_version`. The golden-bytes tests pin every current format.

use super::error::{Result, StoreError};
use crate::audit::{AuditEntry, RecordChange};
use crate::domain::{Account, Contact, FollowUp, Interaction, KeyDates, ReviewMark, Snoozes};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Envelope layout version 1. Anything else in byte 0 is not ours.
pub const ENVELOPE_V1: u8 = 0xCA;
const HEADER_LEN: usize = 8;

/// One config value reused by every encode and decode.
const CONFIG: bincode::config::Configuration = bincode::config::standard();

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Tag {
    Header = 1,
    Account = 2,
    Contact = 3,
    Interaction = 4,
    FollowUp = 5,
    Tier = 6,
    Blob = 7,
    Audit = 8,
    Request = 9,
    /// A writer's answer to a client request (the book's `WriteOutcome`),
    /// kept with the request id so that a retry gets the first answer.
    Outcome = 10,
    /// Every snoozed agenda item (`named_blobs` "snoozed").
    Snoozes = 11,
    /// The tiers remembered at the last review (`named_blobs` "review").
    Review = 12,
    /// What the engine's snapshot reflects (`derived` "head").
    DerivedHead = 13,
    /// One bucket of the engine's per-account inputs (`derived`).
    DerivedBucket = 14,
    /// One account's key dates (`named_blobs` "keydates/<account id>").
    KeyDates = 15,
    /// Changes a staged write stored ahead of its audit entry
    /// (`audit_parts`).
    AuditPart = 16,
}

/// The database header kept in the `meta` tree: proves the directory is a kam
/// database and says which schema (set of trees and key layouts) it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbHeader {
    pub magic: String,
    pub schema: u32,
}

pub const DB_MAGIC: &str = "kam-db";

/// A value that can be stored in an envelope.
pub trait Record: Serialize + DeserializeOwned {
    const TAG: Tag;
    /// Tree name, for error messages.
    const TREE: &'static str;
    /// The format version written today.
    const VERSION: u16;
    /// Decodes a payload written with format `version`, migrating old formats.
    fn from_version(version: u16, payload: &[u8]) -> std::result::Result<Self, String>;
}

/// Decodes a bincode payload (for `Record::from_version` impls outside the store).
pub fn payload<T: DeserializeOwned>(p: &[u8]) -> std::result::Result<T, String> {
    let (v, used) =
        bincode::serde::decode_from_slice::<T, _>(p, CONFIG).map_err(|e| e.to_string())?;
    if used != p.len() {
        return Err(format!("{} trailing bytes", p.len() - used));
    }
    Ok(v)
}

fn unknown<T>(v: u16) -> std::result::Result<T, String> {
    Err(format!("unknown record format version {v}"))
}

impl Record for DbHeader {
    const TAG: Tag = Tag::Header;
    const TREE: &'static str = "meta";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

impl Record for Account {
    const TAG: Tag = Tag::Account;
    const TREE: &'static str = "accounts";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

impl Record for Contact {
    const TAG: Tag = Tag::Contact;
    const TREE: &'static str = "contact_blocks";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

impl Record for Interaction {
    const TAG: Tag = Tag::Interaction;
    const TREE: &'static str = "interaction_blocks";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

impl Record for FollowUp {
    const TAG: Tag = Tag::FollowUp;
    const TREE: &'static str = "followup_blocks";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// The last recorded tier name of an account (`tiers` tree).
impl Record for String {
    const TAG: Tag = Tag::Tier;
    const TREE: &'static str = "tiers";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// Named blobs shared by the team (`blobs` tree).
impl Record for Vec<u8> {
    const TAG: Tag = Tag::Blob;
    const TREE: &'static str = "blobs";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// One committed change (`audit` tree).
impl Record for AuditEntry {
    const TAG: Tag = Tag::Audit;
    const TREE: &'static str = "audit";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// A part of an audit entry's changes, stored ahead of the entry by a
/// staged write (`audit_parts` tree): a million changes are not held in
/// memory, nor written as one value, until the entry is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPart {
    pub changes: Vec<RecordChange>,
}

impl Record for AuditPart {
    const TAG: Tag = Tag::AuditPart;
    const TREE: &'static str = "audit_parts";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// What a client request id led to (`requests` tree): the change's seq and
/// the writer's outcome (empty until recorded). The outcome is an envelope
/// of its own (see `Store::set_request_outcome`); kam before typed outcomes
/// wrote bare bincode there, which the book still reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEntry {
    pub seq: u64,
    pub outcome: Vec<u8>,
}

impl Record for RequestEntry {
    const TAG: Tag = Tag::Request;
    const TREE: &'static str = "requests";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// Snoozed agenda items (one value in `named_blobs`).
impl Record for Snoozes {
    const TAG: Tag = Tag::Snoozes;
    const TREE: &'static str = "named_blobs";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// The last review's tiers (one value in `named_blobs`).
impl Record for ReviewMark {
    const TAG: Tag = Tag::Review;
    const TREE: &'static str = "named_blobs";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// One account's key dates (one value in `named_blobs`).
impl Record for KeyDates {
    const TAG: Tag = Tag::KeyDates;
    const TREE: &'static str = "named_blobs";
    const VERSION: u16 = 1;
    fn from_version(version: u16, p: &[u8]) -> std::result::Result<Self, String> {
        match version {
            1 => payload(p),
            v => unknown(v),
        }
    }
}

/// The record-type tag of an envelope, without decoding it (a tree that
/// holds values of several types, like `named_blobs`).
pub fn tag_of(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [ENVELOPE_V1, tag, ..] if bytes.len() >= HEADER_LEN => Some(*tag),
        _ => None,
    }
}

/// Checks an envelope's format byte and checksum without decoding it (any
/// record type); returns its tag. For `Store::verify`.
pub fn check_envelope(bytes: &[u8]) -> std::result::Result<u8, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!("value of {} bytes is too short", bytes.len()));
    }
    if bytes[0] != ENVELOPE_V1 {
        return Err(format!("unknown envelope format 0x{:02x}", bytes[0]));
    }
    let crc = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if crc32fast::hash(&bytes[HEADER_LEN..]) != crc {
        return Err("checksum mismatch".into());
    }
    Ok(bytes[1])
}

/// Wraps `v` in an envelope.
pub fn encode<T: Record>(v: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(&[ENVELOPE_V1, T::TAG as u8]);
    out.extend_from_slice(&T::VERSION.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    bincode::serde::encode_into_std_write(v, &mut out, CONFIG).map_err(|e| StoreError::Codec {
        tree: T::TREE,
        detail: e.to_string(),
    })?;
    let crc = crc32fast::hash(&out[HEADER_LEN..]);
    out[4..8].copy_from_slice(&crc.to_be_bytes());
    Ok(out)
}

/// Checks the envelope (format, tag, checksum) and decodes, migrating old
/// record formats. Never panics on arbitrary bytes.
pub fn decode<T: Record>(bytes: &[u8]) -> Result<T> {
    let (version, body) = checked_body::<T>(bytes)?;
    T::from_version(version, body).map_err(|detail| StoreError::Codec {
        tree: T::TREE,
        detail,
    })
}

/// The key of an encoded account, read without decoding the rest (its
/// profile text): a staged import names a hundred thousand accounts in its
/// audit changes. The envelope is checked as `decode` checks it.
pub fn account_key(bytes: &[u8]) -> Result<String> {
    let (version, body) = checked_body::<Account>(bytes)?;
    if version != Account::VERSION {
        return decode::<Account>(bytes).map(|a| a.key);
    }
    // The record's first fields, in order: id, version, key.
    bincode::serde::decode_from_slice::<(u64, u64, String), _>(body, CONFIG)
        .map(|((_, _, key), _)| key)
        .map_err(|e| StoreError::Codec {
            tree: Account::TREE,
            detail: e.to_string(),
        })
}

/// An encoded account without its profile text (left empty): what an open
/// that keeps no records reads, for the engine and the rows' text. The
/// text, the largest part of a record, is passed over where it lies in the
/// value instead of being copied out. The envelope is checked as `decode`
/// checks it.
pub fn account_without_text(bytes: &[u8]) -> Result<Account> {
    /// An account's fields in their stored order, the profile's sections
    /// borrowed from the value (see `Account`).
    #[derive(Deserialize)]
    struct Lean<'a> {
        id: crate::domain::AccountId,
        version: u64,
        key: String,
        name: String,
        owner: String,
        backup_owner: String,
        industry: String,
        region: String,
        status: crate::domain::AccountStatus,
        #[serde(with = "crate::domain::compact::opt_date")]
        since: Option<chrono::NaiveDate>,
        orientation: Option<crate::domain::Orientation>,
        ratings: crate::domain::Ratings,
        #[serde(borrow)]
        _profile: [&'a str; 8],
        tags: Vec<String>,
        pin: Option<Box<crate::domain::TierPin>>,
    }
    let (version, body) = checked_body::<Account>(bytes)?;
    if version != Account::VERSION {
        let mut a = decode::<Account>(bytes)?;
        a.profile = Default::default();
        return Ok(a);
    }
    let (lean, used) =
        bincode::serde::borrow_decode_from_slice::<Lean, _>(body, CONFIG).map_err(|e| {
            StoreError::Codec {
                tree: Account::TREE,
                detail: e.to_string(),
            }
        })?;
    if used != body.len() {
        return Err(StoreError::Codec {
            tree: Account::TREE,
            detail: format!("{} trailing bytes", body.len() - used),
        });
    }
    Ok(Account {
        id: lean.id,
        version: lean.version,
        key: lean.key,
        name: lean.name,
        owner: lean.owner,
        backup_owner: lean.backup_owner,
        industry: lean.industry,
        region: lean.region,
        status: lean.status,
        since: lean.since,
        orientation: lean.orientation,
        ratings: lean.ratings,
        profile: Default::default(),
        tags: lean.tags,
        pin: lean.pin,
    })
}

/// A value's format version and body, once its envelope, tag and checksum
/// are found good.
fn checked_body<T: Record>(bytes: &[u8]) -> Result<(u16, &[u8])> {
    let fail = |detail: String| StoreError::Codec {
        tree: T::TREE,
        detail,
    };
    if bytes.len() < HEADER_LEN {
        return Err(fail(format!("value of {} bytes is too short", bytes.len())));
    }
    if bytes[0] != ENVELOPE_V1 {
        return Err(fail(format!("unknown envelope format 0x{:02x}", bytes[0])));
    }
    if bytes[1] != T::TAG as u8 {
        return Err(fail(format!(
            "record type tag {} where {} was expected",
            bytes[1],
            T::TAG as u8
        )));
    }
    let version = u16::from_be_bytes([bytes[2], bytes[3]]);
    let crc = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let body = &bytes[HEADER_LEN..];
    if crc32fast::hash(body) != crc {
        return Err(fail("checksum mismatch".into()));
    }
    Ok((version, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_rejections() {
        let v = "key".to_string();
        let mut b = encode(&v).unwrap();
        assert_eq!(decode::<String>(&b).unwrap(), v);
        // wrong record type
        assert!(matches!(
            decode::<Vec<u8>>(&b),
            Err(StoreError::Codec { .. })
        ));
        // flipped payload bit
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(matches!(
            decode::<String>(&b),
            Err(StoreError::Codec { .. })
        ));
        // truncated, garbage, empty
        assert!(decode::<String>(&b[..5]).is_err());
        assert!(decode::<String>(&[]).is_err());
        assert!(decode::<Account>(&[0xCA, 2, 0, 1, 0, 0, 0, 0, 0xff]).is_err());
    }

    #[test]
    fn unknown_version_is_an_error_not_a_guess() {
        let mut b = encode(&"x".to_string()).unwrap();
        b[3] = 9;
        let e = decode::<String>(&b).unwrap_err().to_string();
        assert!(e.contains("unknown record format version 9"), "{e}");
    }

    /// An account's key read alone is the key a whole decode gives, and a
    /// damaged value is refused as `decode` refuses it.
    #[test]
    fn an_accounts_key_reads_alone() {
        let a = Account {
            id: crate::domain::AccountId(77),
            version: 3,
            key: "ACME-001".into(),
            name: "Acme".into(),
            industry: "long text ".repeat(50),
            tags: vec!["a".into(), "b".into()],
            ..Account::default()
        };
        let mut b = encode(&a).unwrap();
        assert_eq!(account_key(&b).unwrap(), "ACME-001");
        assert_eq!(account_key(&b).unwrap(), decode::<Account>(&b).unwrap().key);
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(
            account_key(&b)
                .unwrap_err()
                .to_string()
                .contains("checksum")
        );
        assert!(account_key(&encode(&"x".to_string()).unwrap()).is_err());
    }

    /// An account read without its text is the whole decode with the
    /// profile left empty, for every field set or not; a damaged value is
    /// refused as `decode` refuses it.
    #[test]
    fn an_account_reads_without_its_text() {
        use crate::domain::{AccountId, AccountStatus, Orientation, ProfileText, Ratings, TierPin};
        let full = Account {
            id: AccountId(9),
            version: 4,
            key: "K-9".into(),
            name: "Nine 株式会社".into(),
            owner: "ann".into(),
            backup_owner: "bob".into(),
            industry: "steel".into(),
            region: "north".into(),
            status: AccountStatus::Dormant,
            since: chrono::NaiveDate::from_ymd_opt(2020, 2, 29),
            orientation: Some(Orientation::Solution),
            ratings: Ratings {
                potential: Some(4),
                loyalty: None,
                strategic_fit: Some(1),
                tech_cooperation: Some(5),
            },
            profile: ProfileText {
                background: "founded ".repeat(40),
                needs: "faster".into(),
                ..ProfileText::default()
            }
            .into(),
            tags: vec!["重点".into(), "b".into()],
            pin: Some(Box::new(TierPin {
                tier: "Key".into(),
                reason: "board".into(),
                by: "ann".into(),
                at: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            })),
        };
        for a in [full.clone(), Account::default()] {
            let b = encode(&a).unwrap();
            let mut want = decode::<Account>(&b).unwrap();
            want.profile = Default::default();
            assert_eq!(account_without_text(&b).unwrap(), want);
            assert_eq!(account_without_text(&b).unwrap().pin, a.pin);
        }
        let mut b = encode(&full).unwrap();
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(account_without_text(&b).is_err());
        assert!(account_without_text(&b[..6]).is_err());
        assert!(account_without_text(&encode(&"x".to_string()).unwrap()).is_err());
    }
}
