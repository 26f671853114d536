//! Index: a corpus sketched once and stored in one file, so new documents can be checked
//! against it ([`crate::check`]) without reading the corpus again.
//!
//! The file holds everything a check needs: the parameters (fixed at build time), and for every
//! document its name, content hash, word count, MinHash signature (16 bits a value), winnowed
//! fingerprints (Rice-coded) and its original text (so passages can be located, and exact Jaccard
//! computed, in the indexed document). LSH band keys are not stored: they are recomputed from the
//! signatures at check time ([`band_keys`]: 21 hashes of 12 bytes per document at the default
//! threshold, a few milliseconds per 100,000 documents), which saves 168 bytes per document and
//! lets a check use another `--threshold`. Text is stored uncompressed, so a document's text is a
//! slice of the file as read.
//!
//! What is kept of a signature, and why that is enough: only [`SIGNATURE_BITS`] bits of each
//! MinHash value ([`codec::stored_value`]). A check computes the same 16 bits for the new
//! documents, so an indexed and a new document agree on a value whenever their minima agree (the
//! LSH bands find every pair the 32-bit values would), and otherwise with probability 2^-16. The
//! chance agreements matter only where a band is short: a band of `rows` values collides by
//! chance with probability 2^(-16 rows), negligible from 2 rows (thresholds from about 0.3 at 128
//! permutations) and a flood of extra candidates at 1 row (below about 0.26), which a check would
//! verify and reject. The `estimate` of a finding is corrected for them
//! ([`estimate_stored`]); the reported Jaccard similarity is exact, from the stored text.
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
//! assert_eq!(index.text(0)?, b"the quick brown fox jumps over the lazy dog");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codec;
pub mod format;
mod reader;
pub mod writer;

use crate::corpus::WalkOptions;
use crate::fingerprint::WinnowParams;
use crate::lsh::{BandKey, LshParams};
use crate::minhash::MinHasher;
use crate::scan::ScanConfig;
use crate::sketch::{sketch, FingerprintUse, SketchParams};
use rayon::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use format::{FORMAT_VERSION, SIGNATURE_BITS};
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
            min_containment: crate::containment::DEFAULT_MIN_CONTAINMENT,
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

/// The distinct 64-bit winnowed fingerprints of a text, as [`sketch`] selects them with
/// `params` (whose `winnow` must be set), without the rest of a sketch: a check recomputes them
/// for the indexed documents that share a stored fingerprint with a new one (see
/// [`crate::check`]), at a third of the cost of a sketch.
pub fn fingerprints_of(text: &[u8], params: WinnowParams) -> Vec<u64> {
    let words: Vec<_> = crate::tokenize::tokenize(text)
        .iter()
        .map(|t| t.hash)
        .collect();
    crate::fingerprint::distinct_hashes(&crate::fingerprint::winnow(&words, params))
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

/// The stored form of a signature: [`codec::stored_value`] of each value.
pub fn stored_signature(values: &[u32]) -> Vec<u16> {
    values.iter().map(|&v| codec::stored_value(v)).collect()
}

/// The LSH band keys of a stored signature, into `keys` (cleared first): one xxh3 per band of
/// its values' little-endian bytes, seeded with the band number. A check computes them the same
/// way for indexed and new documents, so both sides agree.
pub fn band_keys(lsh: LshParams, values: &[u16], keys: &mut Vec<BandKey>) {
    assert!(
        values.len() >= lsh.bands * lsh.rows,
        "signature shorter than the bands"
    );
    keys.clear();
    let mut bytes = [0u8; 64];
    let mut long = Vec::new();
    for (band, chunk) in values.chunks_exact(lsh.rows).take(lsh.bands).enumerate() {
        let buf: &mut [u8] = if chunk.len() * 2 <= bytes.len() {
            &mut bytes[..chunk.len() * 2]
        } else {
            long.resize(chunk.len() * 2, 0);
            &mut long
        };
        for (out, v) in buf.chunks_exact_mut(2).zip(chunk) {
            out.copy_from_slice(&v.to_le_bytes());
        }
        keys.push(xxhash_rust::xxh3::xxh3_64_with_seed(buf, band as u64));
    }
}

/// The MinHash estimate of the Jaccard similarity from two stored signatures: the fraction `f`
/// of agreeing values, less the chance agreements of 16-bit values, `(f - 2^-16) / (1 - 2^-16)`
/// (b-bit minwise hashing), at least 0.
pub fn estimate_stored(a: &[u16], b: &[u16]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    let chance = (-f64::from(SIGNATURE_BITS)).exp2();
    let f = equal as f64 / a.len() as f64;
    ((f - chance) / (1.0 - chance)).max(0.0)
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
    /// Where its text is in the file.
    text: Range<u64>,
    /// Where its Rice-coded fingerprints are in the file, and how many.
    fingerprints: Range<u64>,
    fingerprint_count: u32,
}

impl IndexedDoc {
    /// Bytes of its text.
    pub fn text_len(&self) -> u64 {
        self.text.end - self.text.start
    }
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

/// Bytes of fingerprint codes read and decoded by one task of [`Index::fingerprint_hits`].
const FINGERPRINT_BATCH: u64 = 1 << 20;

/// Documents whose signatures [`Index::map_signatures`] reads at a time (1 MB at 128
/// permutations).
const SIGNATURE_BATCH: usize = 4096;

/// Little-endian 16-bit values.
fn u16_values(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// A loaded, validated index.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    params: IndexParams,
    /// The file, open: text is read from it when asked for.
    file: std::fs::File,
    file_len: u64,
    docs: Vec<IndexedDoc>,
    /// Where each segment's signatures start in the file (they stay on disk).
    signature_offsets: Vec<u64>,
    segments: Vec<Range<usize>>,
    sizes: SectionSizes,
    /// The footer's entries, which `add` carries over unchanged.
    entries: Vec<format::Entry>,
    /// Where the footer starts: everything before it is header and sections.
    footer_start: u64,
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

    /// The original bytes of document `i`, read from the file. The file's text was verified
    /// against its checksum when it was opened; dedup never changes an index file in place (it
    /// writes a new one and renames it over the old, which leaves this open file as it was), so
    /// only another program writing into the file could change it since.
    pub fn text(&self, i: usize) -> Result<Vec<u8>, crate::Error> {
        let range = &self.docs[i].text;
        reader::read_at(&self.file, range.start, (range.end - range.start) as usize)
            .map_err(|e| crate::Error::io(&self.path, &e))
    }

    /// The stored MinHash values of document `i` ([`stored_signature`]), read from the file.
    pub fn signature_values(&self, i: usize) -> Result<Vec<u16>, crate::Error> {
        let segment = self.segments.partition_point(|s| s.end <= i);
        let perms = self.params.perms;
        let at = self.signature_offsets[segment]
            + ((i - self.segments[segment].start) * perms * 2) as u64;
        let bytes = reader::read_at(&self.file, at, perms * 2)
            .map_err(|e| crate::Error::io(&self.path, &e))?;
        Ok(u16_values(&bytes))
    }

    /// What `each` makes of every document's stored MinHash values, in index order: it is given
    /// a run of documents (the first one's index, their values one after the other, `perms`
    /// each) and where to put what it finds. The signatures stay on disk: they are read
    /// [`SIGNATURE_BATCH`] documents at a time, and batches are worked on in parallel.
    pub fn map_signatures<T: Send>(
        &self,
        each: impl Fn(usize, &[u16], &mut Vec<T>) + Sync,
    ) -> Result<Vec<T>, crate::Error> {
        self.map_signatures_in(SIGNATURE_BATCH, each)
    }

    /// [`Index::map_signatures`], `batch` documents a read.
    fn map_signatures_in<T: Send>(
        &self,
        batch: usize,
        each: impl Fn(usize, &[u16], &mut Vec<T>) + Sync,
    ) -> Result<Vec<T>, crate::Error> {
        let perms = self.params.perms;
        let batches: Vec<(usize, Range<usize>)> = self
            .segments
            .iter()
            .enumerate()
            .flat_map(|(n, segment)| {
                segment
                    .clone()
                    .step_by(batch)
                    .map(move |start| (n, start..(start + batch).min(segment.end)))
            })
            .collect();
        let found: Vec<Vec<T>> = batches
            .par_iter()
            .map(|(n, docs)| {
                let at = self.signature_offsets[*n]
                    + ((docs.start - self.segments[*n].start) * perms * 2) as u64;
                let bytes = reader::read_at(&self.file, at, docs.len() * perms * 2)
                    .map_err(|e| crate::Error::io(&self.path, &e))?;
                let mut out = Vec::new();
                each(docs.start, &u16_values(&bytes), &mut out);
                Ok(out)
            })
            .collect::<Result<_, crate::Error>>()?;
        Ok(found.into_iter().flatten().collect())
    }

    /// The stored fingerprints of document `i`, sorted, read from the file.
    pub fn fingerprints(&self, i: usize) -> Result<Vec<u32>, crate::Error> {
        let doc = &self.docs[i];
        let code = reader::read_at(
            &self.file,
            doc.fingerprints.start,
            (doc.fingerprints.end - doc.fingerprints.start) as usize,
        )
        .map_err(|e| crate::Error::io(&self.path, &e))?;
        let mut values = Vec::with_capacity(doc.fingerprint_count as usize);
        self.decode(i, &code, &mut values)?;
        Ok(values)
    }

    /// Every stored fingerprint for which `keep` is true, with its document, in index order.
    ///
    /// The fingerprints stay on disk (they are most of an index beyond its text, 876 bytes a
    /// document at 128 permutations): they are read a megabyte at a time and
    /// decoded in parallel, so memory stays flat whatever the index's size.
    pub fn fingerprint_hits(
        &self,
        keep: &(dyn Fn(u32) -> bool + Sync),
    ) -> Result<Vec<(u32, usize)>, crate::Error> {
        let batches = self.fingerprint_batches();
        let found: Vec<Vec<(u32, usize)>> = batches
            .par_iter()
            .map(|docs| {
                let first = &self.docs[docs.start].fingerprints;
                let last = &self.docs[docs.end - 1].fingerprints;
                let bytes =
                    reader::read_at(&self.file, first.start, (last.end - first.start) as usize)
                        .map_err(|e| crate::Error::io(&self.path, &e))?;
                let mut values = Vec::new();
                let mut hits = Vec::new();
                for i in docs.clone() {
                    let at = &self.docs[i].fingerprints;
                    let code =
                        &bytes[(at.start - first.start) as usize..(at.end - first.start) as usize];
                    values.clear();
                    self.decode(i, code, &mut values)?;
                    hits.extend(values.iter().filter(|&&f| keep(f)).map(|&f| (f, i)));
                }
                Ok(hits)
            })
            .collect::<Result<_, crate::Error>>()?;
        Ok(found.into_iter().flatten().collect())
    }

    /// Runs of documents whose fingerprints lie together in one segment, about
    /// [`FINGERPRINT_BATCH`] bytes each.
    fn fingerprint_batches(&self) -> Vec<Range<usize>> {
        let mut batches = Vec::new();
        for segment in &self.segments {
            let mut start = segment.start;
            let mut bytes = 0;
            for i in segment.clone() {
                let at = &self.docs[i].fingerprints;
                bytes += at.end - at.start;
                if bytes >= FINGERPRINT_BATCH {
                    batches.push(start..i + 1);
                    (start, bytes) = (i + 1, 0);
                }
            }
            if start < segment.end {
                batches.push(start..segment.end);
            }
        }
        batches
    }

    /// Decodes document `i`'s code into `out`; a code that does not hold its count is damage.
    fn decode(&self, i: usize, code: &[u8], out: &mut Vec<u32>) -> Result<(), crate::Error> {
        let count = self.docs[i].fingerprint_count as usize;
        let start = out.len();
        match codec::decode_sorted(code, count, out) {
            Some(()) if out.len() - start == count => Ok(()),
            _ => {
                let segment = self.segments.partition_point(|s| s.end <= i);
                let first = self.segments[segment].start;
                Err(crate::Error::corrupt(
                    &self.path,
                    format!(
                        "the fingerprints section of segment {} is malformed for document {}",
                        segment + 1,
                        i - first + 1
                    ),
                ))
            }
        }
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
        self.file_len
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Signatures read in batches, across segments, are those read one document at a time, in
    /// index order.
    #[test]
    fn signatures_stream_across_batches_and_segments() {
        let dir = tempfile::tempdir().unwrap();
        let write = |folder: &str, n: usize| {
            let path = dir.path().join(folder);
            std::fs::create_dir_all(&path).unwrap();
            for i in 0..n {
                let text = format!("document {folder} {i} says words {i} and {} here", i * 7);
                std::fs::write(path.join(format!("{i:02}.txt")), text).unwrap();
            }
            path
        };
        let (first, second) = (write("a", 7), write("b", 5));
        let file = dir.path().join("x.dedup");
        let config = ScanConfig::new(0.8);
        writer::build(&[first], &file, &config).unwrap();
        writer::add(&file, &[second], &config.walk).unwrap();
        let index = Index::open(&file).unwrap();
        assert_eq!((index.len(), index.segments()), (12, 2));
        let one_by_one: Vec<(usize, Vec<u16>)> = (0..index.len())
            .map(|i| (i, index.signature_values(i).unwrap()))
            .collect();
        assert!(one_by_one
            .iter()
            .all(|(_, v)| v.len() == index.params().perms));
        assert_ne!(one_by_one[0].1, one_by_one[7].1);
        for batch in [1, 3, 5, 4096] {
            let perms = index.params().perms;
            let streamed = index
                .map_signatures_in(batch, |first, values, out| {
                    let each = values.chunks_exact(perms).map(<[u16]>::to_vec);
                    out.extend((first..).zip(each));
                })
                .unwrap();
            assert_eq!(streamed, one_by_one, "batches of {batch}");
        }
    }

    #[test]
    fn fingerprints_of_selects_as_a_sketch_does() {
        let params = IndexParams::from_config(&ScanConfig::new(0.8));
        let texts = [
            "The council agreed on Tuesday to release the emergency funds for the flood \
             defences, after a long debate about the \u{201C}valley plan\u{201D} and its cost.",
            "",
            "one two three",
            "Ａ ｆｕｌｌ-width Straße, 我们喜欢读书, and the quick brown fox jumps over the lazy dog",
        ];
        for text in texts {
            let mut expect = sketch(text.as_bytes(), &params.sketch_params()).fingerprints;
            let mut got = fingerprints_of(text.as_bytes(), params.winnow());
            expect.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, expect, "{text}");
        }
    }

    #[test]
    fn stored_estimates_correct_for_chance_agreement() {
        assert_eq!(estimate_stored(&[1, 2, 3, 4], &[1, 2, 3, 4]), 1.0);
        assert_eq!(estimate_stored(&[1, 2, 3, 4], &[5, 6, 7, 8]), 0.0);
        let half = estimate_stored(&[1, 2, 3, 4], &[1, 2, 0, 0]);
        assert!(half < 0.5 && half > 0.4999, "{half}");
        assert_eq!(estimate_stored(&[], &[]), 0.0);
    }

    #[test]
    fn band_keys_agree_for_equal_bands_only() {
        let lsh = LshParams { bands: 3, rows: 2 };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        band_keys(lsh, &[1, 2, 3, 4, 5, 6], &mut a);
        band_keys(lsh, &[1, 2, 9, 4, 5, 6], &mut b);
        assert_eq!(a.len(), 3);
        assert_eq!(
            (a[0] == b[0], a[1] == b[1], a[2] == b[2]),
            (true, false, true)
        );
        // The same values in another band give another key.
        band_keys(lsh, &[5, 6, 1, 2, 3, 4], &mut b);
        assert_ne!(a[0], b[1]);
        let long = LshParams { bands: 1, rows: 40 };
        band_keys(long, &[7; 40], &mut a);
        assert_eq!(a.len(), 1);
    }
}
