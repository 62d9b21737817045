//! Key layouts. Everything is big-endian so that sled's byte order is the
//! useful order; signed timestamps have their sign bit flipped so that times
//! before 1970 sort before later ones.

use chrono::{DateTime, Utc};

/// Orders signed seconds as unsigned bytes.
pub fn time_bytes(at: &DateTime<Utc>) -> [u8; 8] {
    ((at.timestamp() as u64) ^ (1 << 63)).to_be_bytes()
}

/// `(account, id)`: contacts and follow-ups by account.
pub fn pair(account: u64, id: u64) -> [u8; 16] {
    let mut k = [0; 16];
    k[..8].copy_from_slice(&account.to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

/// `(account, at, id)`: the interaction timeline key.
pub fn timeline(account: u64, at: &DateTime<Utc>, id: u64) -> [u8; 24] {
    let mut k = [0; 24];
    k[..8].copy_from_slice(&account.to_be_bytes());
    k[8..16].copy_from_slice(&time_bytes(at));
    k[16..].copy_from_slice(&id.to_be_bytes());
    k
}

/// The tree of the case-folded account key index.
pub const FOLDED_TREE: &str = "account_keys_folded";

/// An account key as the folded index holds it: keys equal ignoring case
/// fold to the same text.
pub fn fold(key: &str) -> String {
    key.to_lowercase()
}

/// The ids of a folded index entry (big-endian u64s, one after another).
pub fn id_list(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .filter_map(|c| c.try_into().ok().map(u64::from_be_bytes))
        .collect()
}

/// `bytes` with `id` added (once).
pub fn id_list_with(bytes: &[u8], id: u64) -> Vec<u8> {
    let mut ids = id_list(bytes);
    if !ids.contains(&id) {
        ids.push(id);
    }
    ids.into_iter().flat_map(u64::to_be_bytes).collect()
}

/// The trailing id of a composite key.
#[cfg(test)]
fn last_id(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    Some(u64::from_be_bytes(key[start..].try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_times_sort_first() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut ks = [
            timeline(1, &t(100), 1),
            timeline(1, &t(-100), 2),
            timeline(1, &t(0), 3),
            timeline(0, &t(500), 4),
        ];
        ks.sort();
        let ids: Vec<u64> = ks.iter().map(|k| last_id(k).unwrap()).collect();
        assert_eq!(ids, vec![4, 2, 3, 1]);
    }
}
