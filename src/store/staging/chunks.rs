//! Records taken out of a batch for staging.

/// Moves the records flagged fresh out of `recs` (and their flags).
pub(super) fn take_fresh<T>(recs: &mut Vec<T>, fresh: &mut Vec<bool>) -> Vec<T> {
    // An import's records are all fresh: they move as they are, where a
    // copy held two of a million records' buffers at once.
    if fresh.iter().all(|&f| f) {
        fresh.clear();
        return std::mem::take(recs);
    }
    let all = std::mem::take(recs);
    let mut taken = Vec::with_capacity(fresh.iter().filter(|&&f| f).count());
    for (r, f) in all.into_iter().zip(std::mem::take(fresh)) {
        if f {
            taken.push(r);
        } else {
            recs.push(r);
            fresh.push(false);
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fresh records are taken out, the rest stay with their flags; when
    /// all are fresh the buffer itself moves (no second copy).
    #[test]
    fn take_fresh_moves_the_fresh_records() {
        let (mut recs, mut fresh) = (vec![1, 2, 3, 4], vec![true, false, true, false]);
        assert_eq!(take_fresh(&mut recs, &mut fresh), [1, 3]);
        assert_eq!((recs, fresh), (vec![2, 4], vec![false, false]));

        let mut recs: Vec<u32> = (0..1000).collect();
        let mut fresh = vec![true; 1000];
        let buffer = recs.as_ptr();
        let taken = take_fresh(&mut recs, &mut fresh);
        assert_eq!(taken.as_ptr(), buffer);
        assert_eq!(taken.len(), 1000);
        assert!(recs.is_empty() && fresh.is_empty());
    }
}
