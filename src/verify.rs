//! Verify: the exact Jaccard similarity of two shingle sets.
//!
//! Candidates from LSH are only likely near-duplicates; every reported pair is checked here on the
//! full shingle sets, so reported near-duplicates have precision 1.0 by construction.

use crate::shingle::ShingleSet;

/// How two shingle sets overlap, in counts (exact, no floating point until asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetOverlap {
    /// Distinct shingles of A.
    pub len_a: usize,
    /// Distinct shingles of B.
    pub len_b: usize,
    /// Shingles in both.
    pub shared: usize,
}

impl SetOverlap {
    /// Counts the overlap of two sets.
    pub fn of(a: &ShingleSet, b: &ShingleSet) -> Self {
        SetOverlap {
            len_a: a.len(),
            len_b: b.len(),
            shared: intersection_size(a, b),
        }
    }

    /// |A ∩ B| / |A ∪ B|; 0 when both are empty (empty documents are never duplicates).
    pub fn jaccard(&self) -> f64 {
        let union = self.len_a + self.len_b - self.shared;
        ratio(self.shared, union)
    }

    /// |A ∩ B| / |A|: how much of A is in B.
    pub fn containment_a(&self) -> f64 {
        ratio(self.shared, self.len_a)
    }

    /// |A ∩ B| / |B|: how much of B is in A.
    pub fn containment_b(&self) -> f64 {
        ratio(self.shared, self.len_b)
    }

    /// True when the Jaccard similarity reaches `threshold`, decided in integers
    /// (`shared >= threshold * union`) so a pair exactly at the threshold is never lost to
    /// rounding.
    pub fn reaches(&self, threshold: f64) -> bool {
        let union = self.len_a + self.len_b - self.shared;
        union > 0 && self.shared as f64 >= threshold * union as f64 - 1e-9
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The number of shingles in both sets: the smaller one's, probed in the larger one.
pub fn intersection_size(a: &ShingleSet, b: &ShingleSet) -> usize {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().filter(|&s| large.contains(s)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[u64]) -> ShingleSet {
        ShingleSet::from_unsorted(v.to_vec())
    }

    #[test]
    fn jaccard_and_containment() {
        let o = SetOverlap::of(&set(&[1, 2, 3, 4]), &set(&[3, 4, 5, 6, 7, 8]));
        assert_eq!(o.shared, 2);
        assert_eq!(o.jaccard(), 0.25);
        assert_eq!(o.containment_a(), 0.5);
        assert!((o.containment_b() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn threshold_is_inclusive() {
        let o = SetOverlap {
            len_a: 5,
            len_b: 4,
            shared: 4,
        };
        assert!(o.reaches(0.8));
        assert!(!o.reaches(0.81));
    }

    #[test]
    fn empty_sets_are_not_similar() {
        let o = SetOverlap::of(&set(&[]), &set(&[]));
        assert_eq!(o.jaccard(), 0.0);
        assert!(!o.reaches(0.0));
    }

    #[test]
    fn a_short_set_against_a_long_one() {
        let small: Vec<u64> = (0..10).map(|x| x * 97).collect();
        let large: Vec<u64> = (0..5000).collect();
        assert_eq!(intersection_size(&set(&small), &set(&large)), 10);
        assert_eq!(intersection_size(&set(&large), &set(&small)), 10);
    }
}
