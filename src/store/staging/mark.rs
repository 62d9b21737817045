//! The marker of a staged write: which records it wrote ahead of its last
//! transaction, for a roll back to find. Each chunk writes its own marker,
//! in the chunk's transaction (a write read from a file a chunk at a time
//! cannot list its records before it starts); a kam that staged before the
//! markers went per chunk wrote one, under the bare `STAGED_MARK`, which
//! the prefix finds too.

use super::STAGED_MARK;
use crate::audit::RefKind;

/// The staged records' kinds, in the marker.
const KINDS: [RefKind; 4] = [
    RefKind::Contact,
    RefKind::Interaction,
    RefKind::FollowUp,
    RefKind::Account,
];

/// The meta key of chunk `n`'s marker.
pub(in crate::store) fn mark_key(n: u32) -> Vec<u8> {
    let mut key = STAGED_MARK.to_vec();
    key.extend_from_slice(&n.to_be_bytes());
    key
}

/// The marker: for each kind, its tag, the number of ids, the ids (u64 BE).
pub(super) fn encode_mark(ids: &[(RefKind, Vec<u64>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, list) in ids {
        let tag = KINDS.iter().position(|k| k == kind).unwrap_or(0) as u8;
        out.push(tag);
        out.extend_from_slice(&(list.len() as u64).to_be_bytes());
        for id in list {
            out.extend_from_slice(&id.to_be_bytes());
        }
    }
    out
}

pub(super) fn decode_mark(mut bytes: &[u8]) -> Option<Vec<(RefKind, Vec<u64>)>> {
    let mut out = Vec::new();
    let u64_at = |b: &mut &[u8]| -> Option<u64> {
        let (head, rest) = b.split_first_chunk::<8>()?;
        *b = rest;
        Some(u64::from_be_bytes(*head))
    };
    while let Some((&tag, rest)) = bytes.split_first() {
        bytes = rest;
        let kind = *KINDS.get(tag as usize)?;
        let n = u64_at(&mut bytes)?;
        if n > (bytes.len() / 8) as u64 {
            return None;
        }
        let list = (0..n)
            .map(|_| u64_at(&mut bytes))
            .collect::<Option<Vec<_>>>()?;
        out.push((kind, list));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_reads_back_and_damage_is_refused() {
        let ids = vec![
            (RefKind::Contact, vec![]),
            (RefKind::Interaction, vec![7, 9, u64::MAX]),
            (RefKind::FollowUp, vec![1]),
        ];
        let bytes = encode_mark(&ids);
        assert_eq!(decode_mark(&bytes), Some(ids));
        assert_eq!(decode_mark(&bytes[..bytes.len() - 3]), None);
        assert_eq!(decode_mark(&[9]), None);
    }

    /// Every chunk's key starts with the bare key, and they sort in order.
    #[test]
    fn chunk_keys_share_the_prefix_in_order() {
        let keys: Vec<Vec<u8>> = [0, 1, 255, 256, u32::MAX].map(mark_key).to_vec();
        assert!(keys.iter().all(|k| k.starts_with(STAGED_MARK)));
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }
}
