//! Index: a corpus sketched once and stored in one file, so new documents can be checked
//! against it ([`crate::check`]) without reading the corpus again.
//!
//! The file holds everything a check needs: the parameters (fixed at build time), and for every
//! document its name, content hash, word count, MinHash signature, winnowed fingerprints and its
//! original text (so passages can be located, and exact Jaccard computed, in the indexed
//! document). LSH band keys are not stored: they are recomputed from the signatures at check time
//! (21 hashes of 24 bytes per document at the default threshold, a few milliseconds per 100,000
//! documents), which saves 168 bytes per document and lets a check use another `--threshold`.
//! Text is stored uncompressed, so a document's text is a slice of the file as read.
//!
//! The layout is in [`mod@format`]; [`Index::open`] validates every length against the file before
//! using it, so a damaged or hostile file is an [`crate::Error::Corrupt`], never a panic or a huge
//! allocation. [`writer`] builds and extends index files atomically.
//!
//! ## Example
//!
//! ```
//! use dedup::index::{build, Index};
//! use dedup::scan::ScanConfig;
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("a.txt"), "the quick brown fox jumps over the lazy dog")?;
//! let file = dir.path().join("corpus.dedup");
//! build(&[dir.path().join("a.txt")], &file, &ScanConfig::new(0.8))?;
//! let index = Index::open(&file)?;
//! assert_eq!(index.len(), 1);
//! assert_eq!(index.text(0), b"the quick brown fox jumps over the lazy dog");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod format;
mod reader;
pub mod writer;

use crate::corpus::WalkOptions;
use crate::fingerprint::WinnowParams;
use crate::lsh::LshParams;
use crate::minhash::{MinHasher, Signature};
use crate::scan::ScanConfig;
use crate::sketch::{sketch, FingerprintUse, SketchParams};
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use format::FORMAT_VERSION;
pub use writer::{add, build, BuildReport};

/// The parameters an index is built with; every document in it is sketched with them.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexParams {
    /// Words per shingle.
    pub ngram: usize,
    /// MinHash permutations.
    pub perms: usize,
    /// MinHash seed.
    pub seed: u64,
    /// The near-duplicate threshold given at build time (a check may use another).
    pub threshold: f64,
    /// The LSH layout for that threshold.
    pub lsh: LshParams,
    /// Shortest passage the fingerprints are guaranteed to find.
    pub min_words: usize,
    /// Fingerprints in more documents than this are boilerplate (a check may use another).
    pub max_df: usize,
}

impl IndexParams {
    /// The parameters of a scan configuration.
    pub fn from_config(config: &ScanConfig) -> Self {
        IndexParams {
            ngram: config.ngram,
            perms: config.perms,
            seed: config.seed,
            threshold: config.threshold,
            lsh: config.lsh,
            min_words: config.min_words,
            max_df: config.max_df,
        }
    }

    /// A scan configuration with these parameters, overlap detection on.
    pub fn scan_config(&self, walk: WalkOptions) -> ScanConfig {
        ScanConfig {
            threshold: self.threshold,
            ngram: self.ngram,
            perms: self.perms,
            seed: self.seed,
            lsh: self.lsh,
            overlap: true,
            min_words: self.min_words,
            max_df: self.max_df,
            walk,
        }
    }

    /// The winnowing that selected the stored fingerprints.
    pub fn winnow(&self) -> WinnowParams {
        WinnowParams::for_min_words(self.min_words)
    }

    /// What sketching a document for this index computes.
    pub fn sketch_params(&self) -> SketchParams {
        SketchParams {
            ngram: self.ngram,
            hasher: MinHasher::new(self.perms, self.seed),
            winnow: Some(self.winnow()),
            fingerprints_for: FingerprintUse::Lookup,
        }
    }

    /// A hash of what this build of dedup computes for a fixed text with these parameters.
    /// Stored in the index: if the tokenizer, normalisation or any hash changes, the stored
    /// signatures and fingerprints no longer match what a check computes, and the index is
    /// refused instead of silently missing duplicates.
    pub fn hash_probe(&self) -> u64 {
        const PROBE: &str =
            "The Président’s «quoted» ＦＵＬＬ-width text, 我们喜欢读书, Straße and \
                             3.14 o'clock: \"a short quotation here\" and then the quick brown fox \
                             jumps over the lazy dog, again and again and again.";
        let s = sketch(PROBE.as_bytes(), &self.sketch_params());
        let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
        hasher.update(&s.content_hash.to_le_bytes());
        for v in s.signature.values() {
            hasher.update(&v.to_le_bytes());
        }
        for f in &s.fingerprints {
            hasher.update(&f.to_le_bytes());
        }
        hasher.digest()
    }
}

/// The stored form of a fingerprint: its top [`format::FINGERPRINT_BITS`] bits.
pub fn stored_fingerprint(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// The stored fingerprints of a document from its distinct 64-bit fingerprints: sorted, distinct.
pub fn stored_fingerprints(hashes: &[u64]) -> Vec<u32> {
    let mut stored: Vec<u32> = hashes.iter().map(|&h| stored_fingerprint(h)).collect();
    stored.sort_unstable();
    stored.dedup();
    stored
}

/// One indexed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedDoc {
    /// Its name: the path as given when it was added.
    pub name: String,
    /// Hash of its normalised word sequence.
    pub content_hash: u128,
    /// Number of words.
    pub words: u32,
    text: Range<usize>,
    fingerprints: Range<usize>,
}

/// Where the bytes of an index file go, for `index stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SectionSizes {
    /// Header, footer and params.
    pub overhead: u64,
    /// Document records and names.
    pub docs: u64,
    /// MinHash signatures.
    pub signatures: u64,
    /// Fingerprints.
    pub fingerprints: u64,
    /// Document text.
    pub text: u64,
}

/// A loaded, validated index.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    params: IndexParams,
    data: Vec<u8>,
    docs: Vec<IndexedDoc>,
    signatures: Vec<u32>,
    fingerprints: Vec<u32>,
    segments: Vec<Range<usize>>,
    sizes: SectionSizes,
    /// The footer's entries, which `add` carries over unchanged.
    entries: Vec<format::Entry>,
    /// Where the footer starts: everything before it is header and sections.
    footer_start: usize,
}

impl Index {
    /// Reads and validates an index file: every checksum, every length, the parameters, and that
    /// this build hashes text as the one that wrote it.
    pub fn open(path: &Path) -> Result<Index, crate::Error> {
        reader::open(path)
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The build parameters.
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when it holds no document.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Every document, in the order added.
    pub fn docs(&self) -> &[IndexedDoc] {
        &self.docs
    }

    /// The original bytes of document `i`.
    pub fn text(&self, i: usize) -> &[u8] {
        &self.data[self.docs[i].text.clone()]
    }

    /// The MinHash values of document `i`.
    pub fn signature_values(&self, i: usize) -> &[u32] {
        let perms = self.params.perms;
        &self.signatures[i * perms..(i + 1) * perms]
    }

    /// The MinHash signature of document `i`.
    pub fn signature(&self, i: usize) -> Signature {
        Signature::from_values(self.signature_values(i).to_vec())
    }

    /// The stored fingerprints of document `i`, sorted.
    pub fn fingerprints(&self, i: usize) -> &[u32] {
        &self.fingerprints[self.docs[i].fingerprints.clone()]
    }

    /// Number of segments (one per build or add).
    pub fn segments(&self) -> usize {
        self.segments.len()
    }

    /// Bytes on disk per section kind.
    pub fn sizes(&self) -> SectionSizes {
        self.sizes
    }

    /// Size of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.data.len() as u64
    }

    /// Total bytes of stored text.
    pub fn text_bytes(&self) -> u64 {
        self.sizes.text
    }

    /// Total words of the indexed documents.
    pub fn words(&self) -> u64 {
        self.docs.iter().map(|d| u64::from(d.words)).sum()
    }
}
