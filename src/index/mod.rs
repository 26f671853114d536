//! Index: a corpus sketched once and stored in one file, so new documents can be checked
//! against it ([`crate::check`]) without reading the corpus again.
//!
//! The file holds everything a check needs: the parameters (fixed at build time), and for every
//! document its name, content hash, word count, LSH band keys (32 bits each), winnowed
//! fingerprints (Rice-coded) and its original text (so passages can be located, and exact Jaccard
//! computed, in the indexed document). Text is stored uncompressed, so a document's text is a
//! slice of the file as read.
//!
//! What is kept of a signature, and why that is enough: only its band keys under the index's
//! band layout ([`stored_band_keys`]: 21 of 4 bytes at the default threshold, 84 bytes where the
//! 128 values took 256 bytes at 16 bits each, and 512 at full width). Two documents share a
//! stored key whenever they share the band (so the LSH finds every pair the full signatures
//! would), and otherwise with probability 2^-32 per band: a few extra candidates, verified and
//! rejected, for a thousand new documents against a million indexed ones. A check under another
//! band layout (a `--threshold` that changes it, or `--bands`) cannot use them, and sketches the
//! indexed text again instead (slower, same answers). The `estimate` of a finding comes from the
//! two documents' full signatures, the indexed one's computed from its text as it is verified; the
//! reported Jaccard similarity is exact, from the stored text.
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

pub use format::{BAND_KEY_BITS, FORMAT_VERSION};
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

    /// A hash of what this build of dedup computes for a fixed text with these parameters: its
    /// content hash, signature, band keys and fingerprints. Stored in the index: if the
    /// tokenizer, normalisation or any hash changes, the stored band keys and fingerprints no
    /// longer match what a check computes, and the index is refused instead of silently missing
    /// duplicates.
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
        for key in stored_band_keys(self.lsh, s.signature.values()) {
            hasher.update(&key.to_le_bytes());
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

/// The stored band keys of a signature (`values`, the full 32-bit MinHash values): the low 32
/// bits of each of its LSH band keys under `lsh` ([`LshParams::band_keys_of`]). A check
/// computes the new documents' keys the same way, so both sides agree.
pub fn stored_band_keys(lsh: LshParams, values: &[u32]) -> Vec<u32> {
    lsh.band_keys_of(values)
        .into_iter()
        .map(|key: BandKey| key as u32)
        .collect()
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
    /// LSH band keys.
    pub band_keys: u64,
    /// Fingerprints.
    pub fingerprints: u64,
    /// Document text.
    pub text: u64,
}

/// Bytes of fingerprint codes read and decoded by one task of [`Index::fingerprint_hits`].
const FINGERPRINT_BATCH: u64 = 1 << 20;

/// Documents whose band keys [`Index::map_band_keys`] reads at a time (336 KB at 21 bands).
const BAND_KEY_BATCH: usize = 4096;

/// Little-endian 32-bit values.
fn u32_values(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
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
    /// Where each segment's band keys start in the file (they stay on disk).
    band_key_offsets: Vec<u64>,
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

    /// The stored band keys of document `i` ([`stored_band_keys`]), read from the file.
    pub fn band_keys(&self, i: usize) -> Result<Vec<u32>, crate::Error> {
        let segment = self.segments.partition_point(|s| s.end <= i);
        let bands = self.params.lsh.bands;
        let at = self.band_key_offsets[segment]
            + ((i - self.segments[segment].start) * bands * 4) as u64;
        let bytes = reader::read_at(&self.file, at, bands * 4)
            .map_err(|e| crate::Error::io(&self.path, &e))?;
        Ok(u32_values(&bytes))
    }

    /// What `each` makes of every document's stored band keys, in index order: it is given a run
    /// of documents (the first one's index, their keys one after the other, `bands` each) and
    /// where to put what it finds. The keys stay on disk: they are read [`BAND_KEY_BATCH`]
    /// documents at a time, and batches are worked on in parallel.
    pub fn map_band_keys<T: Send>(
        &self,
        each: impl Fn(usize, &[u32], &mut Vec<T>) + Sync,
    ) -> Result<Vec<T>, crate::Error> {
        self.map_band_keys_in(BAND_KEY_BATCH, each)
    }

    /// [`Index::map_band_keys`], `batch` documents a read.
    fn map_band_keys_in<T: Send>(
        &self,
        batch: usize,
        each: impl Fn(usize, &[u32], &mut Vec<T>) + Sync,
    ) -> Result<Vec<T>, crate::Error> {
        let bands = self.params.lsh.bands;
        let found: Vec<Vec<T>> = self
            .batches(batch)
            .par_iter()
            .map(|(n, docs)| {
                let at = self.band_key_offsets[*n]
                    + ((docs.start - self.segments[*n].start) * bands * 4) as u64;
                let bytes = reader::read_at(&self.file, at, docs.len() * bands * 4)
                    .map_err(|e| crate::Error::io(&self.path, &e))?;
                let mut out = Vec::new();
                each(docs.start, &u32_values(&bytes), &mut out);
                Ok(out)
            })
            .collect::<Result<_, crate::Error>>()?;
        Ok(found.into_iter().flatten().collect())
    }

    /// What `each` makes of every document's full MinHash signature, computed again from its
    /// stored text (for a check at other LSH settings than the stored keys'), in index order,
    /// [`BAND_KEY_BATCH`] documents at a time in parallel.
    pub fn map_signatures_from_text<T: Send>(
        &self,
        each: impl Fn(usize, &[u32], &mut Vec<T>) + Sync,
    ) -> Result<Vec<T>, crate::Error> {
        let params = SketchParams {
            winnow: None,
            ..self.params.sketch_params()
        };
        let perms = self.params.perms;
        let found: Vec<Vec<T>> = self
            .batches(BAND_KEY_BATCH)
            .par_iter()
            .map(|(_, docs)| {
                let mut values = Vec::with_capacity(docs.len() * perms);
                for i in docs.clone() {
                    values.extend_from_slice(sketch(&self.text(i)?, &params).signature.values());
                }
                let mut out = Vec::new();
                each(docs.start, &values, &mut out);
                Ok(out)
            })
            .collect::<Result<_, crate::Error>>()?;
        Ok(found.into_iter().flatten().collect())
    }

    /// The documents cut into runs of at most `batch` within each segment, with the segment.
    fn batches(&self, batch: usize) -> Vec<(usize, Range<usize>)> {
        self.segments
            .iter()
            .enumerate()
            .flat_map(|(n, segment)| {
                segment
                    .clone()
                    .step_by(batch)
                    .map(move |start| (n, start..(start + batch).min(segment.end)))
            })
            .collect()
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

    /// Band keys read in batches, across segments, are those read one document at a time, in
    /// index order, and those of the documents' signatures computed again from their text.
    #[test]
    fn band_keys_stream_across_batches_and_segments() {
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
        let lsh = index.params().lsh;
        let one_by_one: Vec<(usize, Vec<u32>)> = (0..index.len())
            .map(|i| (i, index.band_keys(i).unwrap()))
            .collect();
        assert!(one_by_one.iter().all(|(_, v)| v.len() == lsh.bands));
        assert_ne!(one_by_one[0].1, one_by_one[7].1);
        for batch in [1, 3, 5, 4096] {
            let streamed = index
                .map_band_keys_in(batch, |first, keys, out| {
                    let each = keys.chunks_exact(lsh.bands).map(<[u32]>::to_vec);
                    out.extend((first..).zip(each));
                })
                .unwrap();
            assert_eq!(streamed, one_by_one, "batches of {batch}");
        }
        let perms = index.params().perms;
        let from_text = index
            .map_signatures_from_text(|first, values, out| {
                let each = values.chunks_exact(perms).map(|v| stored_band_keys(lsh, v));
                out.extend((first..).zip(each));
            })
            .unwrap();
        assert_eq!(from_text, one_by_one);
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
    fn band_keys_agree_for_equal_bands_only() {
        let lsh = LshParams { bands: 3, rows: 2 };
        let a = stored_band_keys(lsh, &[1, 2, 3, 4, 5, 6]);
        let b = stored_band_keys(lsh, &[1, 2, 9, 4, 5, 6]);
        assert_eq!(a.len(), 3);
        assert_eq!(
            (a[0] == b[0], a[1] == b[1], a[2] == b[2]),
            (true, false, true)
        );
        // The same values in another band give another key.
        let b = stored_band_keys(lsh, &[5, 6, 1, 2, 3, 4]);
        assert_ne!(a[0], b[1]);
        let long = LshParams { bands: 1, rows: 40 };
        assert_eq!(stored_band_keys(long, &[7; 40]).len(), 1);
    }
}
