//! The `named_blobs` tree: team-wide values by name. The scoring model is
//! text (TOML); snoozes and review marks are typed records. Values written
//! by kam before those were typed are tab-separated text blobs: they are
//! read as the typed record they describe (and replaced by one on the next
//! write), so an old database shows the same snoozes and review.

use super::Store;
use super::codec::{self, Tag, tag_of};
use super::error::{Result, StoreError};
use crate::domain::{AccountId, KeyDate, KeyDates, ReviewMark, Snoozes};

/// Name of the snoozed agenda items.
pub const META_SNOOZE: &str = "snoozed";
/// Name of the tiers at the last review.
pub const META_REVIEW: &str = "review";
/// Prefix of the names of each account's key dates (`keydates/<account id>`):
/// one value per account, so that a write rewrites (and its audit entry
/// holds) one account's few dates, not the book's.
pub const META_KEYDATES: &str = "keydates/";

/// The name of `account`'s key dates.
pub fn keydates_name(account: AccountId) -> String {
    format!("{META_KEYDATES}{}", account.0)
}

/// The account whose key dates `name` holds (None: another value).
pub fn keydates_account(name: &str) -> Option<AccountId> {
    name.strip_prefix(META_KEYDATES)?
        .parse()
        .ok()
        .map(AccountId)
}

/// One named value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaValue {
    /// Text kept as the user wrote it (the scoring model's TOML).
    Bytes(Vec<u8>),
    Snoozes(Snoozes),
    Review(ReviewMark),
    KeyDates(KeyDates),
}

impl MetaValue {
    pub fn encode(&self) -> Result<Vec<u8>> {
        match self {
            MetaValue::Bytes(b) => codec::encode(b),
            MetaValue::Snoozes(s) => codec::encode(s),
            MetaValue::Review(r) => codec::encode(r),
            MetaValue::KeyDates(k) => codec::encode(k),
        }
    }

    /// Any value of the tree, by its tag (old text blobs as `Bytes`).
    pub fn decode(bytes: &[u8]) -> Result<MetaValue> {
        match tag_of(bytes) {
            Some(t) if t == Tag::Snoozes as u8 => codec::decode(bytes).map(MetaValue::Snoozes),
            Some(t) if t == Tag::Review as u8 => codec::decode(bytes).map(MetaValue::Review),
            Some(t) if t == Tag::KeyDates as u8 => codec::decode(bytes).map(MetaValue::KeyDates),
            _ => codec::decode(bytes).map(MetaValue::Bytes),
        }
    }

    /// The text an audit entry keeps of the value (`RecordImage::Meta`), from
    /// which undo restores it (see `from_image`): text blobs as they are,
    /// typed records as JSON.
    pub fn image(&self) -> String {
        let json = match self {
            MetaValue::Bytes(b) => return String::from_utf8_lossy(b).into_owned(),
            MetaValue::Snoozes(s) => serde_json::to_string(s),
            MetaValue::Review(r) => serde_json::to_string(r),
            MetaValue::KeyDates(k) => serde_json::to_string(k),
        };
        // Plain data: serialising to JSON cannot fail.
        json.unwrap_or_default()
    }

    /// The value an audit image of `name` describes. Images written before
    /// snoozes and reviews were typed hold their old text form.
    pub fn from_image(name: &str, text: &str) -> MetaValue {
        match name {
            META_SNOOZE => MetaValue::Snoozes(
                serde_json::from_str(text).unwrap_or_else(|_| Snoozes::from_legacy_text(text)),
            ),
            META_REVIEW => match serde_json::from_str(text)
                .ok()
                .or_else(|| ReviewMark::from_legacy_text(text))
            {
                Some(r) => MetaValue::Review(r),
                None => MetaValue::Bytes(text.as_bytes().to_vec()),
            },
            n if n.starts_with(META_KEYDATES) => match serde_json::from_str(text) {
                Ok(k) => MetaValue::KeyDates(k),
                Err(_) => MetaValue::Bytes(text.as_bytes().to_vec()),
            },
            _ => MetaValue::Bytes(text.as_bytes().to_vec()),
        }
    }
}

impl Store {
    /// The value stored under `name`, whatever its type.
    pub fn meta_value(&self, name: &str) -> Result<Option<MetaValue>> {
        match self.blobs.get(name.as_bytes())? {
            Some(b) => MetaValue::decode(&b).map(Some),
            None => Ok(None),
        }
    }

    /// A digest of the bytes stored under `name` (of nothing, when none):
    /// whether a value changed, told without decoding it.
    pub fn meta_digest(&self, name: &str) -> Result<u64> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.blobs.get(name.as_bytes())?.as_deref().hash(&mut h);
        Ok(h.finish())
    }

    /// A text blob (the scoring model).
    pub fn meta_get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match self.meta_value(name)? {
            Some(MetaValue::Bytes(b)) => Ok(Some(b)),
            Some(_) => Err(StoreError::Codec {
                tree: "named_blobs",
                detail: format!("'{name}' holds a record, not text"),
            }),
            None => Ok(None),
        }
    }

    pub fn meta_put(&self, name: &str, value: &[u8]) -> Result<()> {
        let was = self
            .blobs
            .insert(name.as_bytes(), codec::encode(&value.to_vec())?)?;
        self.tree_counts
            .add(&self.blobs.name(), super::counts::inserted(was));
        self.flush()
    }

    /// Every snoozed agenda item (none when nothing was ever snoozed).
    pub fn snoozes(&self) -> Result<Snoozes> {
        Ok(match self.meta_value(META_SNOOZE)? {
            Some(MetaValue::Snoozes(s)) => s,
            Some(MetaValue::Bytes(old)) => {
                Snoozes::from_legacy_text(&String::from_utf8_lossy(&old))
            }
            Some(MetaValue::Review(_)) | Some(MetaValue::KeyDates(_)) | None => Snoozes::default(),
        })
    }

    /// The tiers at the last review.
    pub fn review(&self) -> Result<Option<ReviewMark>> {
        Ok(match self.meta_value(META_REVIEW)? {
            Some(MetaValue::Review(r)) => Some(r),
            Some(MetaValue::Bytes(old)) => {
                ReviewMark::from_legacy_text(&String::from_utf8_lossy(&old))
            }
            Some(MetaValue::Snoozes(_)) | Some(MetaValue::KeyDates(_)) | None => None,
        })
    }

    /// One account's key dates, by date.
    pub fn key_dates_of(&self, account: AccountId) -> Result<KeyDates> {
        Ok(match self.meta_value(&keydates_name(account))? {
            Some(MetaValue::KeyDates(k)) => k,
            _ => KeyDates::default(),
        })
    }

    /// Every key date in the book, by account id then date.
    pub fn key_dates(&self) -> Result<Vec<KeyDate>> {
        let mut out = Vec::new();
        for kv in self.blobs.scan_prefix(META_KEYDATES.as_bytes()) {
            let (_, v) = kv?;
            if let MetaValue::KeyDates(k) = MetaValue::decode(&v)? {
                out.extend(k.items);
            }
        }
        out.sort_by(|a, b| {
            a.account
                .cmp(&b.account)
                .then(a.on.cmp(&b.on))
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountId, Snooze};
    use chrono::NaiveDate;

    #[test]
    fn images_restore_the_value_they_were_taken_from() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
        let s = MetaValue::Snoozes(Snoozes {
            items: vec![Snooze::from_key("7\tcadence\t", day).unwrap()],
        });
        assert_eq!(MetaValue::from_image(META_SNOOZE, &s.image()), s);
        let r = MetaValue::Review(ReviewMark {
            day,
            tiers: vec![(AccountId(7), "A".into())],
        });
        assert_eq!(MetaValue::from_image(META_REVIEW, &r.image()), r);
        // an audit image written by the text version
        assert_eq!(MetaValue::from_image(META_REVIEW, "2025-03-04\n7\tA\n"), r);
        assert_eq!(
            MetaValue::from_image(META_SNOOZE, "7\tcadence\t\t2025-03-04"),
            s
        );
        let m = MetaValue::Bytes(b"name = \"x\"".to_vec());
        assert_eq!(MetaValue::from_image("model", &m.image()), m);
        for v in [s, r, m] {
            assert_eq!(MetaValue::decode(&v.encode().unwrap()).unwrap(), v);
        }
    }
}
