//! A large `Vec` handed over a chunk at a time, its buffer given back as
//! it empties: a staged write's million records, the engine's million
//! inputs after an import.

/// `recs` in owned chunks of `n` (at least one), in order: a chunk's
/// records are freed once it is used, and so is the input's buffer as it
/// empties (a `Vec`'s own iterator keeps the whole buffer to the end:
/// a million interactions' 143 MB of slots held beside their stored copies).
pub struct OwnedChunks<T> {
    /// What is left, last record first: a chunk is split off the end.
    rest: Vec<T>,
    n: usize,
}

pub fn owned_chunks<T>(mut recs: Vec<T>, n: usize) -> OwnedChunks<T> {
    recs.reverse();
    OwnedChunks {
        rest: recs,
        n: n.max(1),
    }
}

impl<T> Iterator for OwnedChunks<T> {
    type Item = Vec<T>;

    fn next(&mut self) -> Option<Vec<T>> {
        if self.rest.is_empty() {
            return None;
        }
        let mut chunk = self.rest.split_off(self.rest.len().saturating_sub(self.n));
        chunk.reverse();
        // A shrink is a realloc (in place for a large buffer): done when an
        // eighth of the buffer is spare, not on every chunk.
        let len = self.rest.len();
        if self.rest.capacity() > len + len / 8 + self.n {
            self.rest.shrink_to_fit();
        }
        Some(chunk)
    }
}

/// Every item of `items`, in order, the buffer given back as it empties.
pub fn drain_freeing<T>(items: Vec<T>) -> impl Iterator<Item = T> {
    owned_chunks(items, 4096).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record once, in order, in chunks of `n` (a zero chunk size
    /// writes one record at a time).
    #[test]
    fn owned_chunks_hand_over_every_record_in_order() {
        let sizes = |v: Vec<u32>, n| -> Vec<Vec<u32>> { owned_chunks(v, n).collect() };
        assert_eq!(
            sizes((1..=7).collect(), 3),
            [vec![1, 2, 3], vec![4, 5, 6], vec![7]]
        );
        assert_eq!(sizes((1..=2).collect(), 0), [vec![1], vec![2]]);
        assert!(sizes(Vec::new(), 4).is_empty());
    }

    /// The input's buffer is given back as its records are taken, not
    /// held whole until the last chunk.
    #[test]
    fn owned_chunks_free_the_input_as_they_go() {
        let mut chunks = owned_chunks((0..10_000u64).collect(), 100);
        let mut next = 0;
        for _ in 0..60 {
            let chunk = chunks.next().unwrap();
            assert_eq!(chunk, (next..next + 100).collect::<Vec<_>>());
            next += 100;
        }
        let left = chunks.rest.len();
        assert_eq!(left, 4_000);
        assert!(
            chunks.rest.capacity() <= left + left / 8 + 100,
            "{} slots held for {left} records",
            chunks.rest.capacity()
        );
        assert_eq!(chunks.flatten().count(), 4_000);
    }

    #[test]
    fn drain_freeing_hands_over_every_item_in_order() {
        let items: Vec<u32> = (0..10_000).collect();
        assert!(drain_freeing(items).eq(0..10_000));
    }
}
