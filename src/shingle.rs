//! Shingles: 64-bit xxh3 hashes of word n-grams.
//!
//! A shingle is the hash of `n` consecutive normalised words (the xxh3-64 of their word hashes,
//! little-endian). A document with fewer than `n` words (but at least one) still gets exactly one
//! shingle, of all its words, so short documents can be compared at all; an empty document has
//! none. [`ShingleSet`], the exact set that verification intersects, holds the same windows
//! hashed by the cheaper rolling k-gram hash: its values are never compared with a signature's.

use crate::fingerprint::{kgram_hash, kgram_hash_iter};
use crate::tokenize::{Token, WordHash};
use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_64;

/// The hash of one word n-gram.
pub type ShingleHash = u64;

/// Hashes a window of word hashes into one shingle hash.
#[inline]
pub fn hash_window(words: &[WordHash]) -> ShingleHash {
    // The common lengths get a buffer of exactly their size: no zeroing of unused bytes.
    match words.len() {
        5 => return hash_fixed::<5>(words),
        3 => return hash_fixed::<3>(words),
        4 => return hash_fixed::<4>(words),
        _ => {}
    }
    let mut buf = [0u8; 8 * 16];
    if words.len() <= 16 {
        for (slot, word) in buf.chunks_exact_mut(8).zip(words) {
            slot.copy_from_slice(&word.to_le_bytes());
        }
        xxh3_64(&buf[..8 * words.len()])
    } else {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        xxh3_64(&bytes)
    }
}

/// [`hash_window`] for windows of exactly `N` words.
#[inline]
fn hash_fixed<const N: usize>(words: &[WordHash]) -> ShingleHash {
    let mut buf = [[0u8; 8]; N];
    for (slot, word) in buf.iter_mut().zip(words) {
        *slot = word.to_le_bytes();
    }
    xxh3_64(buf.as_flattened())
}

/// The shingles of a word sequence in document order (with repeats), as an iterator: what
/// [`for_each_shingle`] emits, without the window index, so a signature can be computed without
/// collecting the shingles first.
pub fn shingles(words: &[WordHash], ngram: usize) -> impl Iterator<Item = ShingleHash> + '_ {
    debug_assert!(ngram >= 1);
    let short = (!words.is_empty() && words.len() < ngram).then(|| hash_window(words));
    let windows = words.windows(ngram.min(words.len().max(1)));
    let full = (words.len() >= ngram).then_some(windows);
    short
        .into_iter()
        .chain(full.into_iter().flatten().map(hash_window))
}

/// Calls `emit` with the shingle of every window of `ngram` words, in document order (with
/// repeats). `emit` receives the index of the window's first word.
pub fn for_each_shingle(
    words: &[WordHash],
    ngram: usize,
    mut emit: impl FnMut(usize, ShingleHash),
) {
    debug_assert!(ngram >= 1);
    if words.is_empty() {
        return;
    }
    if words.len() < ngram {
        emit(0, hash_window(words));
        return;
    }
    for (i, window) in words.windows(ngram).enumerate() {
        emit(i, hash_window(window));
    }
}

/// A document's set of distinct shingles, the exact representation that verification intersects:
/// a hash set, built in one pass and intersected by probing (sorting the shingles was a fifth of
/// the analysis of a document whose pairs are checked). The shingles are hashes already, so the
/// set's own hash is the cheapest there is (Fx: one multiply). Build one with
/// [`ShingleSet::of_words`], so that two sets hash their windows alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShingleSet(FxHashSet<ShingleHash>);

impl ShingleSet {
    /// An empty set with room for `n` shingles.
    pub fn with_capacity(n: usize) -> Self {
        ShingleSet(FxHashSet::with_capacity_and_hasher(n, Default::default()))
    }

    /// Builds the set from shingles in any order, with repeats. Its values meet only sets built
    /// the same way: [`ShingleSet::of_words`] hashes the windows differently.
    pub fn from_unsorted(shingles: Vec<ShingleHash>) -> Self {
        ShingleSet(shingles.into_iter().collect())
    }

    /// The set of a word sequence's shingles: every window of `ngram` words (one window of all of
    /// them when there are fewer, none when there are no words), at most one a word, so the set
    /// never grows. The windows are hashed by the rolling k-gram hash ([`kgram_hash_iter`]), not
    /// xxh3 as for a signature: a set is only ever intersected with another set built here, so
    /// any 64-bit hash of the window gives the same sizes, and rolling costs two multiplies a
    /// word: a synth document's set takes 14-17 us, where xxh3 of each window took 25-29 us.
    pub fn of_words(words: &[WordHash], ngram: usize) -> Self {
        debug_assert!(ngram >= 1);
        let mut set = ShingleSet::with_capacity(words.len());
        if words.len() < ngram {
            if !words.is_empty() {
                set.insert(kgram_hash(words));
            }
        } else {
            for shingle in kgram_hash_iter(words, ngram) {
                set.insert(shingle);
            }
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

    #[test]
    fn the_iterator_gives_what_for_each_shingle_emits() {
        let words: Vec<WordHash> = (0..40u64).map(|w| w * 0x9E37_79B9 + 7).collect();
        for len in [0, 1, 2, 4, 5, 6, 17, 40] {
            for ngram in [1, 2, 3, 4, 5, 6, 9, 17, 20] {
                let mut emitted = Vec::new();
                for_each_shingle(&words[..len], ngram, |_, s| emitted.push(s));
                let iterated: Vec<ShingleHash> = shingles(&words[..len], ngram).collect();
                assert_eq!(iterated, emitted, "len {len} ngram {ngram}");
            }
        }
    }

    #[test]
    fn fixed_size_windows_hash_like_the_general_path() {
        let words: Vec<WordHash> = (1..=20u64)
            .map(|w| w.wrapping_mul(0xDEAD_BEEF_1234))
            .collect();
        for n in 1..=20 {
            let bytes: Vec<u8> = words[..n].iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(hash_window(&words[..n]), xxh3_64(&bytes), "n = {n}");
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

    /// The rolling hash gives the set the windows the signature's xxh3 shingles count: as many
    /// distinct ones, and as many shared between two texts.
    #[test]
    fn the_set_counts_the_shingles_a_signature_counts() {
        let mut state = 11u64;
        let mut text = |len: usize, vocabulary: u64| -> Vec<WordHash> {
            (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // A small vocabulary, so that windows repeat within and across texts.
                    xxh3_64(&((state >> 33) % vocabulary).to_le_bytes())
                })
                .collect()
        };
        let distinct = |words: &[WordHash], n: usize| -> FxHashSet<ShingleHash> {
            shingles(words, n).collect()
        };
        for (len, vocabulary) in [(0, 3), (1, 3), (4, 3), (300, 3), (2000, 4), (500, 50)] {
            let (a, b) = (text(len, vocabulary), text(len + 7, vocabulary));
            for n in [1, 3, 5, 9] {
                let (set_a, set_b) = (ShingleSet::of_words(&a, n), ShingleSet::of_words(&b, n));
                let (xxh_a, xxh_b) = (distinct(&a, n), distinct(&b, n));
                assert_eq!(set_a.len(), xxh_a.len(), "len {len} n {n}");
                let shared = set_a.iter().filter(|&s| set_b.contains(s)).count();
                assert_eq!(
                    shared,
                    xxh_a.intersection(&xxh_b).count(),
                    "len {len} n {n}"
                );
            }
        }
    }

    #[test]
    fn word_order_matters() {
        assert_ne!(set("a b c d e", 5), set("e d c b a", 5));
    }
}
