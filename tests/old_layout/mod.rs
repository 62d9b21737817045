//! Today's blocks of records read and written by hand, and the layouts of
//! older schemas made from them (byte for byte as the older kam wrote them).

#![allow(dead_code)] // each test file uses its part

use kam::store::DbHeader;
use kam::store::envelope::encode;

/// The trees of schema 3 (one key per record) and the block trees of
/// schema 4 that replaced them.
pub const PACKED: [(&str, &str); 3] = [
    ("contacts", "contact_blocks"),
    ("interactions", "interaction_blocks"),
    ("followups", "followup_blocks"),
];

/// The (record key, envelope) entries of a schema 4 block, read by hand:
/// `[0xB1][count u32]` then `[n u8][key after the account][len u32][value]`.
pub fn block_entries(block_key: &[u8], mut v: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    assert_eq!(v[0], 0xB1, "block format");
    let count = u32::from_be_bytes(v[1..5].try_into().unwrap()) as usize;
    v = &v[5..];
    let mut out = Vec::new();
    while !v.is_empty() {
        let n = usize::from(v[0]);
        let key = [&block_key[..8], &v[1..1 + n]].concat();
        let len = u32::from_be_bytes(v[1 + n..5 + n].try_into().unwrap()) as usize;
        out.push((key, v[5 + n..5 + n + len].to_vec()));
        v = &v[5 + n + len..];
    }
    assert_eq!(out.len(), count);
    out
}

/// A schema 4 block of (record key, envelope) entries of one account, in
/// key order.
pub fn encode_block(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![0xB1];
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (key, value) in entries {
        out.push((key.len() - 8) as u8);
        out.extend_from_slice(&key[8..]);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
    out
}

/// Turns the records of a closed database back into schema 3's layout: one
/// key per record in the old trees, no block trees.
pub fn unpack(db: &sled::Db) {
    for (old, blocks) in PACKED {
        let old = db.open_tree(old).unwrap();
        for kv in db.open_tree(blocks).unwrap().iter() {
            let (k, v) = kv.unwrap();
            for (key, value) in block_entries(&k, &v) {
                old.insert(key, value).unwrap();
            }
        }
        assert!(db.drop_tree(blocks).unwrap());
    }
    set_schema(db, 3);
}

/// The database header (meta "header") of schema `schema`.
pub fn header(schema: u32) -> Vec<u8> {
    let h = DbHeader {
        magic: "kam-db".into(),
        schema,
    };
    encode(&h).unwrap()
}

/// Writes the header of schema `schema`.
pub fn set_schema(db: &sled::Db, schema: u32) {
    db.open_tree("meta")
        .unwrap()
        .insert(b"header", header(schema))
        .unwrap();
}
