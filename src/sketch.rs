//! Sketch: what the pipeline computes from one document's bytes, in one pass.
//!
//! [`Sketch`] is the compact summary kept for every document in the first pass (signature, content
//! hash, and for source overlap its winnowed fingerprints and quoted words). [`Analysis`] is the
//! full view rebuilt, by reading the document again, only for documents that have candidates:
//! tokens with byte spans, quote marks, the exact shingle set, alignment seeds, and line starts
//! for reporting (only the shingle set when overlap is off).

use crate::fingerprint::{
    distinct_hashes, kgram_hashes_into, winnow, winnow_grams_into, Fingerprint, WinnowParams,
};
use crate::minhash::{MinHasher, Signature};
use crate::passage::Seeds;
use crate::quote::{quote_segments, quoted_mask, QuoteTracker, QuotedWords};
use crate::shingle::{shingles, ShingleSet};
use crate::tokenize::{for_each_token, tokenize, Token, WordHash};
use bitvec::prelude::*;
use std::sync::OnceLock;

/// What the sketch pass computes, resolved from the scan options.
#[derive(Debug, Clone)]
pub struct SketchParams {
    /// Words per shingle.
    pub ngram: usize,
    /// The MinHash permutations.
    pub hasher: MinHasher,
    /// Winnowing for source overlap; `None` when overlap detection is off.
    pub winnow: Option<WinnowParams>,
    /// What the overlap sketch is for: an index and `check` look winnowed fingerprints up by
    /// hash ([`Sketch::fingerprints`]), a scan finds shared text for the whole corpus from every
    /// word ([`Sketch::word_hashes`], see [`crate::group`]). Only one is computed.
    pub fingerprints_for: FingerprintUse,
}

/// Which form of the winnowed fingerprints a sketch keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerprintUse {
    /// Distinct 64-bit hashes, sorted (an index, `check`).
    Lookup,
    /// The 32-bit hash of every word (a scan's group stage).
    Groups,
}

/// The compact summary of one document.
#[derive(Debug, Clone)]
pub struct Sketch {
    /// Number of words.
    pub words: u32,
    /// Hash of the normalised word sequence: equal for exact duplicates.
    pub content_hash: u128,
    /// MinHash signature of the shingles.
    pub signature: Signature,
    /// Distinct winnowed fingerprint hashes, sorted (empty unless overlap is on for
    /// [`FingerprintUse::Lookup`]).
    pub fingerprints: Vec<u64>,
    /// The low 32 bits of every word's hash, in order (empty unless overlap is on for
    /// [`FingerprintUse::Groups`]): 4 bytes a word, what the group stage reads.
    pub word_hashes: Vec<u32>,
    /// The quoted words (empty when overlap is off).
    pub quoted: QuotedWords,
}

/// Per-thread buffers for [`sketch`]: a document's word hashes, k-gram hashes and selected
/// fingerprints only live while it is sketched, so each thread reuses one set of vectors
/// instead of allocating (and page-faulting in) three per document.
#[derive(Default)]
struct Scratch {
    words: Vec<WordHash>,
    grams: Vec<u64>,
    selected: Vec<Fingerprint>,
    /// The quoted words as they are found; the sketch keeps an exact-size copy, because grown
    /// vectors held for every document of a corpus were 45% spare capacity.
    quoted: QuotedWords,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Sketches one document.
pub fn sketch(bytes: &[u8], params: &SketchParams) -> Sketch {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => sketch_with(bytes, params, &mut scratch),
        // Only if sketching re-entered itself on this thread; never in this crate.
        Err(_) => sketch_with(bytes, params, &mut Scratch::default()),
    })
}

/// [`sketch`] with the given buffers.
fn sketch_with(bytes: &[u8], params: &SketchParams, scratch: &mut Scratch) -> Sketch {
    let Scratch {
        words,
        grams,
        selected,
        quoted,
    } = scratch;
    words.clear();
    let Some(winnow_params) = params.winnow else {
        // Near-duplicates only: word hashes are all that is needed, no spans.
        for_each_token(bytes, |t| words.push(t.hash));
        return Sketch {
            words: words.len() as u32,
            content_hash: content_hash(words),
            signature: params.hasher.sign(shingles(words, params.ngram)),
            fingerprints: Vec::new(),
            word_hashes: Vec::new(),
            quoted: QuotedWords::default(),
        };
    };
    // One pass over the tokens: every word's hash, and the words inside quotation marks.
    let regions = quote_segments(bytes);
    quoted.clear();
    let mut tracker = QuoteTracker::new(&regions);
    for_each_token(bytes, |t| {
        words.push(t.hash);
        if let Some(id) = tracker.region_of(&t) {
            quoted.push(t.hash, id);
        }
    });
    let (fingerprints, word_hashes) = match params.fingerprints_for {
        FingerprintUse::Lookup => {
            kgram_hashes_into(words, winnow_params.k, grams);
            winnow_grams_into(grams, winnow_params.w, selected);
            (distinct_hashes(selected), Vec::new())
        }
        FingerprintUse::Groups => (Vec::new(), words.iter().map(|&w| w as u32).collect()),
    };
    Sketch {
        words: words.len() as u32,
        content_hash: content_hash(words),
        signature: params.hasher.sign(shingles(words, params.ngram)),
        fingerprints,
        word_hashes,
        quoted: quoted.exact_copy(),
    }
}

/// The hash of a normalised word sequence (xxh3-128 of the word hashes, little-endian).
pub fn content_hash(words: &[WordHash]) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    let mut buf = [0u8; 8 * 256];
    for chunk in words.chunks(256) {
        for (slot, w) in buf.chunks_exact_mut(8).zip(chunk) {
            slot.copy_from_slice(&w.to_le_bytes());
        }
        hasher.update(&buf[..8 * chunk.len()]);
    }
    hasher.digest128()
}

/// The byte offsets at which the lines of `bytes` start (0 first).
pub fn line_starts(bytes: &[u8]) -> Vec<u32> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i as u32 + 1))
        .collect()
}

/// The 1-based line of a byte offset, given the [`line_starts`] of its document.
pub fn line_at(line_starts: &[u32], offset: u32) -> u32 {
    line_starts.partition_point(|&s| s <= offset) as u32
}

/// The full view of a document that has candidates.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The original bytes.
    pub bytes: Vec<u8>,
    /// Words with their byte spans.
    pub tokens: Vec<Token>,
    /// Normalised word hashes (the tokens' hashes, contiguous for alignment; empty when overlap
    /// is off, as only the shingles are needed then).
    pub words: Vec<WordHash>,
    /// The content hash of the words, to tell a document that changed since it was sketched.
    pub content_hash: u128,
    /// One bit per word: quoted.
    pub quoted: BitVec,
    /// The exact set of shingles.
    pub shingles: ShingleSet,
    /// Alignment seeds (empty when overlap is off).
    pub seeds: Seeds,
    /// Winnowing parameters, for [`Analysis::fingerprints`].
    winnow: Option<WinnowParams>,
    /// Winnowed fingerprints with positions, computed when first asked for.
    fingerprints: OnceLock<Vec<Fingerprint>>,
    /// Byte offsets at which lines start (0 first).
    line_starts: Vec<u32>,
}

impl Analysis {
    /// Analyses a document's bytes. `overlap` says whether tokens, quotes and fingerprints are
    /// needed or only the shingle set.
    pub fn new(bytes: Vec<u8>, ngram: usize, winnow_params: Option<WinnowParams>) -> Self {
        let Some(winnow_params) = winnow_params else {
            return Analysis::shingles_only(&bytes, ngram);
        };
        let tokens = tokenize(&bytes);
        let words: Vec<WordHash> = tokens.iter().map(|t| t.hash).collect();
        let shingles = ShingleSet::of_words(&words, ngram);
        let quoted = quoted_mask(&tokens, &quote_segments(&bytes));
        let line_starts = line_starts(&bytes);
        Analysis {
            content_hash: content_hash(&words),
            quoted,
            seeds: Seeds::of(&words),
            winnow: Some(winnow_params),
            fingerprints: OnceLock::new(),
            shingles,
            line_starts,
            tokens,
            words,
            bytes,
        }
    }

    /// What the near-duplicate check needs: the shingle set (and the content hash); a document
    /// held for that takes 8 bytes per shingle, no more.
    fn shingles_only(bytes: &[u8], ngram: usize) -> Self {
        let mut words = Vec::with_capacity(bytes.len() / 6 + 1);
        for_each_token(bytes, |t| words.push(t.hash));
        Analysis {
            bytes: Vec::new(),
            tokens: Vec::new(),
            content_hash: content_hash(&words),
            quoted: BitVec::new(),
            shingles: ShingleSet::of_words(&words, ngram),
            seeds: Seeds::default(),
            winnow: None,
            fingerprints: OnceLock::new(),
            line_starts: Vec::new(),
            words: Vec::new(),
        }
    }

    /// The winnowed fingerprints with positions (none when overlap is off): only needed to tell
    /// boilerplate passages, so computed on first use.
    pub fn fingerprints(&self) -> &[Fingerprint] {
        self.fingerprints.get_or_init(|| match self.winnow {
            Some(params) => winnow(&self.words, params),
            None => Vec::new(),
        })
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        line_at(&self.line_starts, offset)
    }

    /// The byte span of a range of words.
    pub fn byte_span(&self, words: &std::ops::Range<u32>) -> (u32, u32) {
        let first = &self.tokens[words.start as usize];
        let last = &self.tokens[words.end as usize - 1];
        (first.start, last.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let a = Analysis::new(
            b"one\ntwo three\n\nfour".to_vec(),
            5,
            Some(WinnowParams::for_min_words(8)),
        );
        assert_eq!(a.line_of(0), 1);
        assert_eq!(a.line_of(4), 2);
        assert_eq!(a.line_of(15), 4);
        assert_eq!(a.byte_span(&(1..3)), (4, 13));
    }

    #[test]
    fn content_hash_ignores_case_and_punctuation() {
        let words =
            |t: &str| -> Vec<WordHash> { tokenize(t.as_bytes()).iter().map(|t| t.hash).collect() };
        assert_eq!(
            content_hash(&words("Hello, World!")),
            content_hash(&words("hello world"))
        );
        assert_ne!(
            content_hash(&words("hello world")),
            content_hash(&words("world hello"))
        );
    }
}
