//! Shingles: 64-bit hashes of word n-grams.
//!
//! A shingle is the hash of `n` consecutive normalised words: the rolling k-gram hash of
//! [`crate::fingerprint`] over their word hashes (two multiplies a word, then a mixer). A
//! document with fewer than `n` words (but at least one) still gets exactly one shingle, of all
//! its words, so short documents can be compared at all; an empty document has none. Signatures
//! are made of these values and [`ShingleSet`], the exact set that verification intersects,
//! holds them, so both count the same windows. Each window was hashed by xxh3-64 of its word
//! hashes before: the near-duplicate scan's read and sketch of the 100k real-text corpus took a
//! median of 2.04 s that way, 1.83 s this way (four alternated runs; BENCHMARKS.md, seventeenth
//! session).

use crate::fingerprint::{kgram_hash, kgram_hash_iter};
use crate::tokenize::{Token, WordHash};
use rustc_hash::FxHashSet;

/// The hash of one word n-gram.
pub type ShingleHash = u64;

/// The shingle of one window of word hashes (all of `words`).
#[inline]
pub fn hash_window(words: &[WordHash]) -> ShingleHash {
    kgram_hash(words)
}

/// The shingles of a word sequence in document order (with repeats), as an iterator: what
/// [`for_each_shingle`] emits, without the window index, so a signature can be computed without
/// collecting the shingles first.
pub fn shingles(words: &[WordHash], ngram: usize) -> impl Iterator<Item = ShingleHash> + '_ {
    debug_assert!(ngram >= 1);
    let short = (!words.is_empty() && words.len() < ngram).then(|| hash_window(words));
    short.into_iter().chain(kgram_hash_iter(words, ngram))
}

/// Calls `emit` with the shingle of every window of `ngram` words, in document order (with
/// repeats). `emit` receives the index of the window's first word.
pub fn for_each_shingle(
    words: &[WordHash],
    ngram: usize,
    mut emit: impl FnMut(usize, ShingleHash),
) {
    for (at, shingle) in shingles(words, ngram).enumerate() {
        emit(at, shingle);
    }
}

/// A document's set of distinct shingles, the exact representation that verification intersects:
/// a hash set, built in one pass and intersected by probing (sorting the shingles was a fifth of
/// the analysis of a document whose pairs are checked). The shingles are hashes already, so the
/// set's own hash is the cheapest there is (Fx: one multiply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShingleSet(FxHashSet<ShingleHash>);

impl ShingleSet {
    /// An empty set with room for `n` shingles.
    pub fn with_capacity(n: usize) -> Self {
        ShingleSet(FxHashSet::with_capacity_and_hasher(n, Default::default()))
    }

    /// Builds the set from shingles in any order, with repeats.
    pub fn from_unsorted(shingles: Vec<ShingleHash>) -> Self {
        ShingleSet(shingles.into_iter().collect())
    }

    /// The set of a word sequence's shingles ([`shingles`]): every window of `ngram` words (one
    /// window of all of them when there are fewer, none when there are no words), at most one a
    /// word, so the set never grows.
    pub fn of_words(words: &[WordHash], ngram: usize) -> Self {
        let mut set = ShingleSet::with_capacity(words.len());
        for shingle in shingles(words, ngram) {
            set.insert(shingle);
        }
        set
    }

    /// Builds the set of a tokenized document (see [`ShingleSet::of_words`]).
    pub fn from_tokens(tokens: &[Token], ngram: usize) -> Self {
        let words: Vec<WordHash> = tokens.iter().map(|t| t.hash).collect();
        Self::of_words(&words, ngram)
    }

    /// Adds a shingle; false when it was there already.
    pub fn insert(&mut self, shingle: ShingleHash) -> bool {
        self.0.insert(shingle)
    }

    /// True when the set holds `shingle`.
    pub fn contains(&self, shingle: ShingleHash) -> bool {
        self.0.contains(&shingle)
    }

    /// The distinct shingles, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = ShingleHash> + '_ {
        self.0.iter().copied()
    }

    /// The distinct shingles, sorted.
    pub fn to_sorted_vec(&self) -> Vec<ShingleHash> {
        let mut shingles: Vec<ShingleHash> = self.iter().collect();
        shingles.sort_unstable();
        shingles
    }

    /// Number of distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for a document without words.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn set(text: &str, n: usize) -> ShingleSet {
        ShingleSet::from_tokens(&tokenize(text.as_bytes()), n)
    }

    #[test]
    fn counts_windows_and_removes_repeats() {
        assert_eq!(set("a b c d e f", 5).len(), 2);
        assert_eq!(set("a b a b a b", 2).len(), 2);
    }

    #[test]
    fn short_documents_get_one_shingle_of_all_words() {
        assert_eq!(set("just three words", 5).len(), 1);
        assert_ne!(set("just three words", 5), set("just three", 5));
        assert!(set("", 5).is_empty());
        assert!(set(" ... ", 5).is_empty());
    }

    #[test]
    fn normalisation_carries_into_shingles() {
        assert_eq!(
            set("The President’s men were there today", 5),
            set("the president's MEN were there, today!", 5)
        );
    }

    /// `for_each_shingle` emits the iterator's shingles with the index of each window's first
    /// word (0 for the one shingle of a short document).
    #[test]
    fn each_shingle_is_emitted_with_its_windows_start() {
        let words: Vec<WordHash> = (0..40u64).map(|w| w * 0x9E37_79B9 + 7).collect();
        for len in [0, 1, 2, 4, 5, 6, 17, 40] {
            for ngram in [1, 2, 3, 4, 5, 6, 9, 17, 20] {
                let mut emitted = Vec::new();
                for_each_shingle(&words[..len], ngram, |at, s| emitted.push((at, s)));
                let starts: Vec<usize> = emitted.iter().map(|&(at, _)| at).collect();
                let expected: Vec<usize> = match len {
                    0 => vec![],
                    _ if len < ngram => vec![0],
                    _ => (0..=len - ngram).collect(),
                };
                assert_eq!(starts, expected, "len {len} ngram {ngram}");
                let iterated: Vec<ShingleHash> = shingles(&words[..len], ngram).collect();
                let hashes: Vec<ShingleHash> = emitted.iter().map(|&(_, s)| s).collect();
                assert_eq!(iterated, hashes, "len {len} ngram {ngram}");
            }
        }
    }

    /// Every window's shingle is its k-gram hash, the value `ShingleSet` holds and winnowing
    /// computes: the rolling form agrees with hashing each window whole.
    #[test]
    fn each_shingle_is_its_windows_kgram_hash() {
        let words: Vec<WordHash> = (1..=30u64)
            .map(|w| w.wrapping_mul(0xDEAD_BEEF_1234) ^ (w << 60))
            .collect();
        for len in [0, 1, 2, 5, 6, 30] {
            for n in [1, 3, 5, 9] {
                let words = &words[..len];
                let expected: Vec<ShingleHash> = if len == 0 {
                    vec![]
                } else if len < n {
                    vec![kgram_hash(words)]
                } else {
                    words.windows(n).map(kgram_hash).collect()
                };
                assert_eq!(
                    shingles(words, n).collect::<Vec<_>>(),
                    expected,
                    "{len} {n}"
                );
                assert_eq!(
                    crate::fingerprint::kgram_hashes(words, n).len(),
                    len.saturating_sub(n - 1)
                );
            }
        }
    }

    /// The set holds exactly the distinct shingles, 0 included, through growth.
    #[test]
    fn the_set_holds_exactly_the_distinct_shingles() {
        let mut state = 5u64;
        let mut values: Vec<u64> = (0..3000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Few distinct values, and small ones, so that repeats and collisions abound.
                (state >> 33) % 1500 * if state % 7 == 0 { 1 << 40 } else { 1 }
            })
            .collect();
        values.push(0);
        let mut grown = ShingleSet::with_capacity(0);
        for &v in &values {
            grown.insert(v);
        }
        let set = ShingleSet::from_unsorted(values.clone());
        let mut expected = values.clone();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(set.to_sorted_vec(), expected);
        assert_eq!(set.len(), expected.len());
        assert_eq!(grown, set);
        assert!(values.iter().all(|&v| set.contains(v)));
        assert!(!set.contains(1 << 60));
        assert!(!ShingleSet::default().contains(3));
        assert!(ShingleSet::default().is_empty());
    }

    /// The set holds one shingle per distinct window of words (no two windows merged by the
    /// hash, in texts of a tiny vocabulary where windows repeat), shares with another text's set
    /// one per window both hold, and gives the signature the shingles in document order give.
    #[test]
    fn the_set_counts_distinct_windows_and_signs_as_the_shingles_do() {
        let mut state = 11u64;
        let mut text = |len: usize, vocabulary: u64| -> Vec<WordHash> {
            (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    xxhash_rust::xxh3::xxh3_64(&((state >> 33) % vocabulary).to_le_bytes())
                })
                .collect()
        };
        let windows = |words: &[WordHash], n: usize| -> std::collections::HashSet<Vec<WordHash>> {
            match words.len() {
                0 => Default::default(),
                len if len < n => [words.to_vec()].into(),
                _ => words.windows(n).map(<[WordHash]>::to_vec).collect(),
            }
        };
        let hasher = crate::minhash::MinHasher::new(64, 9);
        for (len, vocabulary) in [(0, 3), (1, 3), (4, 3), (300, 3), (2000, 4), (500, 50)] {
            let (a, b) = (text(len, vocabulary), text(len + 7, vocabulary));
            for n in [1, 3, 5, 9] {
                let (set_a, set_b) = (ShingleSet::of_words(&a, n), ShingleSet::of_words(&b, n));
                let (windows_a, windows_b) = (windows(&a, n), windows(&b, n));
                assert_eq!(set_a.len(), windows_a.len(), "len {len} n {n}");
                let shared = set_a.iter().filter(|&s| set_b.contains(s)).count();
                assert_eq!(
                    shared,
                    windows_a.intersection(&windows_b).count(),
                    "{len} {n}"
                );
                assert_eq!(hasher.sign(set_a.iter()), hasher.sign(shingles(&a, n)));
            }
        }
    }

    #[test]
    fn word_order_matters() {
        assert_ne!(set("a b c d e", 5), set("e d c b a", 5));
    }
}
