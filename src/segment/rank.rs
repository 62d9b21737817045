//! An order-statistic multiset of `f64` (a treap with subtree counts): insert,
//! remove and rank queries in O(log n), so a percentile is cheap to keep
//! current while records are edited.

use std::sync::OnceLock;

const NIL: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Node {
    key: f64,
    prio: u32,
    /// Copies of `key`.
    cnt: u32,
    /// Sum of `cnt` over the subtree.
    size: u32,
    l: u32,
    r: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct RankSet {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    seed: u64,
    /// The values as sorted arrays, kept after a bulk build or a `freeze`
    /// until the next change: a pass over every account then ranks by one
    /// binary search, much faster than walking the tree (same counts, so
    /// the same percentiles).
    sorted: OnceLock<Frozen>,
}

/// Distinct keys ascending, and how many values lie below each
/// (`below[keys.len()]` is the total). `every` holds each `STRIDE`th key: a
/// search finds its stretch there (a few KB, in the cache), then searches
/// that stretch alone, instead of jumping across the whole array.
#[derive(Debug, Clone, Default)]
struct Frozen {
    keys: Vec<f64>,
    below: Vec<u32>,
    every: Vec<f64>,
}

const STRIDE: usize = 64;

impl Frozen {
    /// From (key, copies) in ascending key order.
    fn from_runs(runs: impl Iterator<Item = (f64, u32)>) -> Frozen {
        let mut f = Frozen::default();
        let mut total = 0u32;
        for (key, cnt) in runs {
            f.keys.push(key);
            f.below.push(total);
            total += cnt;
        }
        f.below.push(total);
        f.every = f.keys.iter().step_by(STRIDE).copied().collect();
        f
    }

    /// Index of the first key not below `key`.
    fn position(&self, key: f64) -> usize {
        // Stretch j holds keys[j*STRIDE..(j+1)*STRIDE]; every[j] is its first.
        let j = self.every.partition_point(|x| x.total_cmp(&key).is_lt());
        let lo = j.saturating_sub(1) * STRIDE;
        let hi = (j * STRIDE).min(self.keys.len());
        lo + self.keys[lo..hi].partition_point(|x| x.total_cmp(&key).is_lt())
    }
}

impl Default for RankSet {
    fn default() -> Self {
        RankSet {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NIL,
            seed: 0x9E37_79B9_7F4A_7C15,
            sorted: OnceLock::new(),
        }
    }
}

/// -0.0 and 0.0 are one value here.
pub(in crate::segment) fn canon(x: f64) -> f64 {
    x + 0.0
}

impl RankSet {
    pub fn len(&self) -> usize {
        self.size(self.root) as usize
    }

    /// Builds the set from any values in O(n log n) (sort) + O(n) (tree).
    pub fn from_values(mut values: Vec<f64>) -> RankSet {
        let mut rs = RankSet::default();
        for v in &mut values {
            *v = canon(*v);
        }
        values.sort_unstable_by(f64::total_cmp);
        // Cartesian tree over the distinct keys: a stack holds the right spine.
        let mut stack: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < values.len() {
            let key = values[i];
            let mut j = i;
            while j < values.len() && values[j].total_cmp(&key).is_eq() {
                j += 1;
            }
            let prio = rs.next_prio();
            let idx = rs.nodes.len() as u32;
            rs.nodes.push(Node {
                key,
                prio,
                cnt: (j - i) as u32,
                size: 0,
                l: NIL,
                r: NIL,
            });
            let mut last = NIL;
            while let Some(&top) = stack.last() {
                if rs.nodes[top as usize].prio >= prio {
                    break;
                }
                last = top;
                stack.pop();
            }
            rs.nodes[idx as usize].l = last;
            if let Some(&top) = stack.last() {
                rs.nodes[top as usize].r = idx;
            }
            stack.push(idx);
            i = j;
        }
        rs.root = stack.first().copied().unwrap_or(NIL);
        rs.fix_sizes();
        rs.sorted = OnceLock::from(Frozen::from_runs(
            values
                .chunk_by(|a, b| a.total_cmp(b).is_eq())
                .map(|run| (run[0], run.len() as u32)),
        ));
        rs
    }

    /// Keeps every value sorted until the next change, for a pass that
    /// ranks many values (an in-order walk, O(n)).
    pub fn freeze(&self) {
        self.sorted.get_or_init(|| {
            let mut runs = Vec::with_capacity(self.nodes.len());
            let mut stack = Vec::new();
            let mut t = self.root;
            while t != NIL || !stack.is_empty() {
                while t != NIL {
                    stack.push(t);
                    t = self.nodes[t as usize].l;
                }
                let Some(top) = stack.pop() else { break };
                let n = &self.nodes[top as usize];
                runs.push((n.key, n.cnt));
                t = n.r;
            }
            Frozen::from_runs(runs.into_iter())
        });
    }

    /// Recomputes every subtree size (after a bulk build), iteratively.
    fn fix_sizes(&mut self) {
        if self.root == NIL {
            return;
        }
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![self.root];
        while let Some(t) = stack.pop() {
            order.push(t);
            let n = &self.nodes[t as usize];
            if n.l != NIL {
                stack.push(n.l);
            }
            if n.r != NIL {
                stack.push(n.r);
            }
        }
        for &t in order.iter().rev() {
            self.pull(t);
        }
    }

    fn size(&self, t: u32) -> u32 {
        if t == NIL {
            0
        } else {
            self.nodes[t as usize].size
        }
    }

    fn pull(&mut self, t: u32) {
        let n = &self.nodes[t as usize];
        let s = n.cnt + self.size(n.l) + self.size(n.r);
        self.nodes[t as usize].size = s;
    }

    fn next_prio(&mut self) -> u32 {
        // xorshift: deterministic, so clones and rebuilds behave alike.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 32) as u32
    }

    /// Splits into (keys < key, keys ≥ key), or (≤, >) when `inclusive`.
    fn split(&mut self, t: u32, key: f64, inclusive: bool) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let k = self.nodes[t as usize].key;
        let left_side = if inclusive {
            k.total_cmp(&key).is_le()
        } else {
            k.total_cmp(&key).is_lt()
        };
        if left_side {
            let (a, b) = self.split(self.nodes[t as usize].r, key, inclusive);
            self.nodes[t as usize].r = a;
            self.pull(t);
            (t, b)
        } else {
            let (a, b) = self.split(self.nodes[t as usize].l, key, inclusive);
            self.nodes[t as usize].l = b;
            self.pull(t);
            (a, t)
        }
    }

    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].prio > self.nodes[b as usize].prio {
            let r = self.merge(self.nodes[a as usize].r, b);
            self.nodes[a as usize].r = r;
            self.pull(a);
            a
        } else {
            let l = self.merge(a, self.nodes[b as usize].l);
            self.nodes[b as usize].l = l;
            self.pull(b);
            b
        }
    }

    fn find(&self, key: f64) -> u32 {
        let mut t = self.root;
        while t != NIL {
            let n = &self.nodes[t as usize];
            match key.total_cmp(&n.key) {
                std::cmp::Ordering::Less => t = n.l,
                std::cmp::Ordering::Greater => t = n.r,
                std::cmp::Ordering::Equal => return t,
            }
        }
        NIL
    }

    /// Adds `delta` to the count of an existing key and to the sizes on its path.
    fn bump(&mut self, key: f64, delta: i32) {
        let mut t = self.root;
        while t != NIL {
            let n = &mut self.nodes[t as usize];
            n.size = n.size.wrapping_add_signed(delta);
            match key.total_cmp(&n.key) {
                std::cmp::Ordering::Less => t = n.l,
                std::cmp::Ordering::Greater => t = n.r,
                std::cmp::Ordering::Equal => {
                    n.cnt = n.cnt.wrapping_add_signed(delta);
                    return;
                }
            }
        }
    }

    pub fn insert(&mut self, key: f64) {
        self.sorted = OnceLock::new();
        let key = canon(key);
        if self.find(key) != NIL {
            self.bump(key, 1);
            return;
        }
        let prio = self.next_prio();
        let node = Node {
            key,
            prio,
            cnt: 1,
            size: 1,
            l: NIL,
            r: NIL,
        };
        let idx = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        let (a, b) = self.split(self.root, key, false);
        let a = self.merge(a, idx);
        self.root = self.merge(a, b);
    }

    /// Removes one copy of `key`; false if absent.
    pub fn remove(&mut self, key: f64) -> bool {
        self.sorted = OnceLock::new();
        let key = canon(key);
        let t = self.find(key);
        if t == NIL {
            return false;
        }
        if self.nodes[t as usize].cnt > 1 {
            self.bump(key, -1);
            return true;
        }
        let (a, b) = self.split(self.root, key, false);
        let (m, c) = self.split(b, key, true);
        debug_assert_eq!(m, t);
        self.free.push(m);
        self.root = self.merge(a, c);
        true
    }

    /// Number of stored values strictly below `key`.
    #[cfg(test)]
    pub fn count_less(&self, key: f64) -> usize {
        self.counts(key).0
    }

    #[cfg(test)]
    pub fn count_equal(&self, key: f64) -> usize {
        self.counts(key).1
    }

    /// (values below `key`, copies of `key`), in one descent.
    fn counts(&self, key: f64) -> (usize, usize) {
        let key = canon(key);
        if let Some(f) = self.sorted.get() {
            let i = f.position(key);
            let equal = match f.keys.get(i) {
                Some(k) if k.total_cmp(&key).is_eq() => f.below[i + 1] - f.below[i],
                _ => 0,
            };
            return (f.below[i] as usize, equal as usize);
        }
        let mut t = self.root;
        let mut acc = 0u32;
        while t != NIL {
            let n = &self.nodes[t as usize];
            match key.total_cmp(&n.key) {
                std::cmp::Ordering::Less => t = n.l,
                std::cmp::Ordering::Greater => {
                    acc += self.size(n.l) + n.cnt;
                    t = n.r;
                }
                std::cmp::Ordering::Equal => {
                    return ((acc + self.size(n.l)) as usize, n.cnt as usize);
                }
            }
        }
        (acc as usize, 0)
    }

    /// Mid-rank percentile (0–100) of `key` among the stored values other
    /// than the asker's own copy (`self_in`). 50 when there is nobody else.
    pub fn percentile(&self, key: f64, self_in: bool) -> f64 {
        let own = usize::from(self_in);
        let others = self.len().saturating_sub(own);
        if others == 0 {
            return 50.0;
        }
        let (less, equal) = self.counts(key);
        let (less, equal) = (less as f64, equal.saturating_sub(own) as f64);
        100.0 * (less + equal / 2.0) / others as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares against a sorted Vec after random inserts and removals.
    #[test]
    fn matches_naive_multiset() {
        let mut rs = RankSet::default();
        let mut naive: Vec<f64> = Vec::new();
        let mut x: u64 = 12345;
        for step in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = ((x >> 33) % 200) as f64 / 8.0;
            if step % 3 == 2 && !naive.is_empty() {
                let i = (x as usize >> 7) % naive.len();
                let k = naive.remove(i);
                assert!(rs.remove(k));
            } else {
                rs.insert(v);
                naive.push(v);
            }
            naive.sort_by(f64::total_cmp);
            assert_eq!(rs.len(), naive.len());
            let q = ((x >> 20) % 52) as f64 / 2.0 - 0.5;
            assert_eq!(rs.count_less(q), naive.iter().filter(|&&y| y < q).count());
            assert_eq!(rs.count_equal(q), naive.iter().filter(|&&y| y == q).count());
            if step % 97 == 0 {
                // A frozen set holds exactly the values, in order.
                rs.freeze();
                let f = rs.sorted.get().unwrap();
                let expanded: Vec<f64> = (0..f.keys.len())
                    .flat_map(|i| {
                        std::iter::repeat_n(f.keys[i], (f.below[i + 1] - f.below[i]) as usize)
                    })
                    .collect();
                assert_eq!(expanded, naive);
                for q in 0..104 {
                    let q = q as f64 / 4.0 - 0.5;
                    assert_eq!(rs.count_less(q), naive.iter().filter(|&&y| y < q).count());
                    assert_eq!(rs.count_equal(q), naive.iter().filter(|&&y| y == q).count());
                }
            }
        }
        assert!(!rs.remove(1000.0));
    }

    #[test]
    fn bulk_build_matches_inserts_then_stays_consistent() {
        let vals: Vec<f64> = (0..2000).map(|i| ((i * 7919) % 301) as f64 / 3.0).collect();
        let mut bulk = RankSet::from_values(vals.clone());
        let mut one = RankSet::default();
        for &v in &vals {
            one.insert(v);
        }
        let check = |a: &RankSet, b: &RankSet| {
            assert_eq!(a.len(), b.len());
            for q in 0..320 {
                let q = q as f64 / 3.0 - 2.0;
                assert_eq!(a.count_less(q), b.count_less(q), "less {q}");
                assert_eq!(a.count_equal(q), b.count_equal(q), "equal {q}");
            }
        };
        check(&bulk, &one);
        // After edits the tree answers (the sorted cache is gone).
        for &v in vals.iter().take(500) {
            assert!(bulk.remove(v));
            assert!(one.remove(v));
        }
        bulk.insert(1000.0);
        one.insert(1000.0);
        assert!(bulk.sorted.get().is_none());
        check(&bulk, &one);
        // A frozen set answers from its sorted values, as the tree does.
        bulk.freeze();
        assert_eq!(
            bulk.sorted.get().map(|f| f.below[f.keys.len()] as usize),
            Some(bulk.len())
        );
        check(&bulk, &one);
        check(&bulk, &one);
        assert_eq!(RankSet::from_values(vec![]).len(), 0);
    }

    #[test]
    fn percentile_is_mid_rank() {
        let mut rs = RankSet::default();
        for v in [10.0, 20.0, 20.0, 30.0] {
            rs.insert(v);
        }
        // Own value 10 among others {20,20,30}: nobody below → 0.
        assert_eq!(rs.percentile(10.0, true), 0.0);
        assert_eq!(rs.percentile(30.0, true), 100.0);
        // 20 among {10,20,30}: 1 below, 1 tie → (1 + 0.5) / 3.
        assert!((rs.percentile(20.0, true) - 50.0).abs() < 1e-12);
        // An outsider valued 25 among all four: 3 below.
        assert_eq!(rs.percentile(25.0, false), 75.0);
        assert_eq!(RankSet::default().percentile(1.0, false), 50.0);
        // -0.0 is 0.0.
        rs.insert(0.0);
        assert_eq!(rs.count_equal(-0.0), 1);
    }
}
