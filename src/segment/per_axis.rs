//! The two axes of the matrix — value and potential — and one thing per
//! axis. The engine keeps most of its state twice (a score, a drift counter,
//! a cut queue per axis); `PerAxis` says so in one type instead of `_v`/`_p`
//! field pairs that must be kept in step by hand.

use std::fmt;

/// Which axis of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AxisKind {
    Value,
    Potential,
}

impl AxisKind {
    /// Both axes, value first (the order criteria are listed and evaluated
    /// in, which keeps float sums and tie-breaking stable).
    pub const BOTH: [AxisKind; 2] = [AxisKind::Value, AxisKind::Potential];

    pub fn as_str(self) -> &'static str {
        match self {
            AxisKind::Value => "value",
            AxisKind::Potential => "potential",
        }
    }
}

impl fmt::Display for AxisKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `T` for each axis.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PerAxis<T> {
    pub value: T,
    pub potential: T,
}

impl<T> PerAxis<T> {
    pub fn new(value: T, potential: T) -> PerAxis<T> {
        PerAxis { value, potential }
    }

    /// Both made by `f(axis)`.
    pub fn from_fn(mut f: impl FnMut(AxisKind) -> T) -> PerAxis<T> {
        PerAxis {
            value: f(AxisKind::Value),
            potential: f(AxisKind::Potential),
        }
    }

    pub fn get(&self, axis: AxisKind) -> &T {
        match axis {
            AxisKind::Value => &self.value,
            AxisKind::Potential => &self.potential,
        }
    }

    pub fn get_mut(&mut self, axis: AxisKind) -> &mut T {
        match axis {
            AxisKind::Value => &mut self.value,
            AxisKind::Potential => &mut self.potential,
        }
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> PerAxis<U> {
        PerAxis {
            value: f(self.value),
            potential: f(self.potential),
        }
    }

    pub fn as_ref(&self) -> PerAxis<&T> {
        PerAxis {
            value: &self.value,
            potential: &self.potential,
        }
    }

    pub fn as_mut(&mut self) -> PerAxis<&mut T> {
        PerAxis {
            value: &mut self.value,
            potential: &mut self.potential,
        }
    }

    /// Pairs this with `other`, axis by axis.
    pub fn zip<U>(self, other: PerAxis<U>) -> PerAxis<(T, U)> {
        PerAxis {
            value: (self.value, other.value),
            potential: (self.potential, other.potential),
        }
    }

    /// Both axes with their kind, value first.
    pub fn iter(&self) -> impl Iterator<Item = (AxisKind, &T)> {
        [
            (AxisKind::Value, &self.value),
            (AxisKind::Potential, &self.potential),
        ]
        .into_iter()
    }

    /// Both axes with their kind, value first, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (AxisKind, &mut T)> {
        [
            (AxisKind::Value, &mut self.value),
            (AxisKind::Potential, &mut self.potential),
        ]
        .into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_get_mut_address_the_named_axis() {
        let mut p = PerAxis::new(1, 2);
        assert_eq!(*p.get(AxisKind::Value), 1);
        assert_eq!(*p.get(AxisKind::Potential), 2);
        *p.get_mut(AxisKind::Potential) += 10;
        assert_eq!(p, PerAxis::new(1, 12));
    }

    #[test]
    fn map_zip_and_from_fn_keep_axes_apart() {
        let p = PerAxis::from_fn(|a| a.as_str().len());
        assert_eq!(p, PerAxis::new(5, 9));
        let z = p.map(|n| n * 2).zip(PerAxis::new("v", "p"));
        assert_eq!(z, PerAxis::new((10, "v"), (18, "p")));
    }

    #[test]
    fn iteration_is_value_then_potential() {
        let mut p = PerAxis::new('v', 'p');
        let seen: Vec<_> = p.iter().map(|(a, c)| (a, *c)).collect();
        assert_eq!(
            seen,
            vec![(AxisKind::Value, 'v'), (AxisKind::Potential, 'p')]
        );
        for (a, c) in p.iter_mut() {
            if a == AxisKind::Potential {
                *c = 'P';
            }
        }
        assert_eq!(p, PerAxis::new('v', 'P'));
        assert_eq!(AxisKind::BOTH, [AxisKind::Value, AxisKind::Potential]);
    }
}
