//! MinHash signatures by one-permutation hashing with optimal densification.
//!
//! The classic MinHash computes `k` hashes of every shingle and keeps `k` minima: `k` hash
//! evaluations per shingle. One-permutation hashing (Li, Owen and Zhang 2012) hashes every shingle
//! ONCE: the top bits of the hash pick one of `k` bins, the low 32 bits are the value, and each
//! bin keeps its minimum. Bins that no shingle fell into are filled by optimal densification
//! (Shrivastava 2017): empty bin `i` probes bins `h(i, 1), h(i, 2), ...` with a hash shared by all
//! documents and copies the first non-empty one. Two documents then agree on a bin with
//! probability equal to their Jaccard similarity, so the estimate is unbiased. Its variance is that
//! of `k` independent permutations or lower for documents with at least about `k` shingles; for
//! sparser ones densification copies values between bins, which adds variance (about 1.8x at a
//! handful of shingles, 1.2x at fifty). The property tests in `tests/properties.rs` check the bias,
//! the variance and each estimate against the exact value within 5 standard errors.
//!
//! Cost: one multiply-xorshift mix and one compare per shingle, whatever `k` is.

use crate::shingle::ShingleHash;

/// A document's MinHash signature: `perms` 32-bit minima.
///
/// 32-bit values keep a 128-permutation signature at 512 bytes; a chance collision of two
/// different minima (probability 2^-32 per bin) is far below the estimator's own error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature(Box<[u32]>);

impl Signature {
    /// The bin values.
    pub fn values(&self) -> &[u32] {
        &self.0
    }

    /// Wraps stored values (as read back from an index).
    pub fn from_values(values: Vec<u32>) -> Self {
        Signature(values.into_boxed_slice())
    }

    /// The MinHash estimate of the Jaccard similarity: the fraction of bins that agree.
    ///
    /// # Panics
    /// If the two signatures have different lengths (they come from different parameters).
    pub fn estimate(&self, other: &Signature) -> f64 {
        assert_eq!(self.0.len(), other.0.len(), "signatures of different sizes");
        if self.0.is_empty() {
            return 0.0;
        }
        let equal = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        equal as f64 / self.0.len() as f64
    }
}

/// Computes signatures with a fixed number of permutations and seed.
#[derive(Debug, Clone)]
pub struct MinHasher {
    perms: usize,
    seed: u64,
}

/// The value of a bin no shingle reached (only ever visible for empty documents).
const EMPTY: u64 = u64::MAX;

impl MinHasher {
    /// A hasher with `perms` bins (at least 1) and a seed. The same `(perms, seed)` always gives
    /// the same signature for the same shingles, on every machine.
    pub fn new(perms: usize, seed: u64) -> Self {
        assert!(perms >= 1, "perms must be at least 1");
        MinHasher { perms, seed }
    }

    /// Number of values in each signature.
    pub fn perms(&self) -> usize {
        self.perms
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The signature of a shingle multiset (repeats do not change it).
    pub fn sign(&self, shingles: impl IntoIterator<Item = ShingleHash>) -> Signature {
        let mut bins = vec![EMPTY; self.perms];
        for shingle in shingles {
            let mixed = mix64(shingle ^ self.seed);
            let bin = reduce(mixed >> 32, self.perms);
            // A minimum without a branch: a third of the shingles of a 600-word document lower
            // their bin, too many for a branch to guess.
            bins[bin] = bins[bin].min(mixed & 0xFFFF_FFFF);
        }
        Signature(self.densify(&bins))
    }

    /// Fills empty bins by optimal densification; returns the final 32-bit values.
    fn densify(&self, bins: &[u64]) -> Box<[u32]> {
        if bins.iter().all(|&b| b == EMPTY) {
            return vec![u32::MAX; bins.len()].into_boxed_slice();
        }
        let k = bins.len();
        bins.iter()
            .enumerate()
            .map(|(i, &value)| {
                if value != EMPTY {
                    return value as u32;
                }
                let mut attempt = 1u64;
                loop {
                    let probe = mix64(self.seed ^ ((i as u64) << 32 | attempt).wrapping_mul(PROBE));
                    let donor = bins[reduce(probe >> 32, k)];
                    if donor != EMPTY {
                        return donor as u32;
                    }
                    attempt += 1;
                }
            })
            .collect()
    }
}

/// An odd constant that spreads (bin, attempt) pairs before mixing.
const PROBE: u64 = 0x9E37_79B9_7F4A_7C15;

/// Maps a 32-bit value uniformly onto `0..n` without a division (Lemire's multiply-shift).
#[inline]
fn reduce(x32: u64, n: usize) -> usize {
    ((x32 * n as u64) >> 32) as usize
}

/// The 64-bit finaliser of MurmurHash3: a bijection with full avalanche, so the seeded mix of
/// a shingle hash behaves as a fresh random permutation (the rolling k-gram hashes of
/// [`crate::fingerprint`], which shingles are, are finished with it too).
#[inline]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_sets_have_identical_signatures() {
        let hasher = MinHasher::new(64, 7);
        let a = hasher.sign([1, 2, 3, 4, 5]);
        let b = hasher.sign([5, 4, 3, 2, 1, 1, 1]);
        assert_eq!(a, b);
        assert_eq!(a.estimate(&b), 1.0);
    }

    #[test]
    fn seed_changes_the_signature() {
        let set: Vec<u64> = (0..100).collect();
        assert_ne!(
            MinHasher::new(32, 1).sign(set.clone()),
            MinHasher::new(32, 2).sign(set)
        );
    }

    #[test]
    fn disjoint_large_sets_estimate_near_zero() {
        let hasher = MinHasher::new(128, 0);
        let a = hasher.sign(0..1000u64);
        let b = hasher.sign(1000..2000u64);
        assert!(a.estimate(&b) < 0.05);
    }

    #[test]
    fn a_single_shingle_fills_every_bin() {
        let sig = MinHasher::new(16, 0).sign([42]);
        let first = sig.values()[0];
        assert!(sig.values().iter().all(|&v| v == first));
    }

    #[test]
    fn empty_set_is_all_max() {
        let sig = MinHasher::new(8, 0).sign(std::iter::empty());
        assert!(sig.values().iter().all(|&v| v == u32::MAX));
    }
}
