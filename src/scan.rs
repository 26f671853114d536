//! Scan: the whole pipeline over a set of paths, from files to findings.
//!
//! 1. Sketch every document in parallel: read, tokenize, shingle, MinHash signature and a content
//!    hash of the normalised word sequence. Only the sketch is kept (about 0.5 KB per document at
//!    128 permutations); the text is dropped.
//! 2. Group exact duplicates by content hash, so 10,000 copies cost linear time and become one
//!    cluster; only one representative of each group goes on.
//! 3. Band the representatives' signatures (LSH) and keep buckets shared by two or more.
//! 4. Re-read only the documents that have candidates, build their exact shingle sets and verify
//!    each candidate pair: only pairs whose exact Jaccard reaches the threshold are reported.
//! 5. Join exact groups and verified pairs into clusters (union-find).
//!
//! The output is sorted by document id (= path order), so it is byte-identical whatever the
//! thread count.

use crate::cluster::{clusters, Cluster};
use crate::corpus::{
    discover, read_documents, reload, Diagnostic, DocumentSource, SourceFile, WalkOptions,
};
use crate::error::Error;
use crate::lsh::{BandKey, LshIndex, LshParams};
use crate::minhash::{MinHasher, Signature};
use crate::shingle::{for_each_shingle, shingles, ShingleSet};
use crate::tokenize::{for_each_token, WordHash};
use crate::verify::SetOverlap;
use crate::DocId;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The seed of the MinHash permutations unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 0x05EE_DDED_u64;

/// Everything a scan needs to know, resolved from the command line once.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Report pairs whose exact Jaccard similarity reaches this (0 < t <= 1).
    pub threshold: f64,
    /// Words per shingle.
    pub ngram: usize,
    /// MinHash permutations (signature length).
    pub perms: usize,
    /// MinHash seed.
    pub seed: u64,
    /// LSH band layout.
    pub lsh: LshParams,
    /// Which files to read.
    pub walk: WalkOptions,
}

impl ScanConfig {
    /// The defaults (5-word shingles, 128 permutations) at a given threshold, with bands and rows
    /// derived from it.
    pub fn new(threshold: f64) -> Self {
        let perms = 128;
        ScanConfig {
            threshold,
            ngram: 5,
            perms,
            seed: DEFAULT_SEED,
            lsh: LshParams::for_threshold(threshold, perms),
            walk: WalkOptions::default(),
        }
    }

    /// Checks every value before any work is done.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::InvalidOption(m));
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return bad(format!("--threshold {} must be in (0, 1]", self.threshold));
        }
        if self.ngram == 0 || self.ngram > 64 {
            return bad(format!("--ngram {} must be between 1 and 64", self.ngram));
        }
        if self.perms == 0 || self.perms > 4096 {
            return bad(format!("--perms {} must be between 1 and 4096", self.perms));
        }
        if self.lsh.bands * self.lsh.rows > self.perms || self.lsh.bands == 0 {
            return bad(format!(
                "{} bands x {} rows do not fit in --perms {}",
                self.lsh.bands, self.lsh.rows, self.perms
            ));
        }
        if self.walk.max_bytes == 0 || self.walk.max_bytes >= u32::MAX as u64 {
            return bad(format!(
                "--max-bytes {} must be between 1 and 4 GiB",
                self.walk.max_bytes
            ));
        }
        Ok(())
    }

    fn hasher(&self) -> MinHasher {
        MinHasher::new(self.perms, self.seed)
    }
}

/// What a scan keeps of one document.
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    /// Where it is.
    pub source: DocumentSource,
    /// Size in bytes.
    pub bytes: u64,
    /// Number of words.
    pub words: u32,
    /// Hash of the normalised word sequence: equal for exact duplicates.
    pub content_hash: u128,
    /// MinHash signature of the shingles.
    pub signature: Signature,
}

impl DocumentInfo {
    /// True when the document has no words (never a duplicate of anything).
    pub fn is_empty(&self) -> bool {
        self.words == 0
    }
}

/// Why two documents are reported together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PairKind {
    /// Same normalised text.
    ExactDuplicate,
    /// Exact Jaccard similarity at or above the threshold.
    NearDuplicate,
}

impl PairKind {
    /// The name used in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            PairKind::ExactDuplicate => "exact_duplicate",
            PairKind::NearDuplicate => "near_duplicate",
        }
    }
}

/// A reported pair, `a < b`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFinding {
    /// The first document (smaller path).
    pub a: DocId,
    /// The second document.
    pub b: DocId,
    /// Exact or near duplicate.
    pub kind: PairKind,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// The MinHash estimate of it.
    pub estimate: f64,
    /// |A ∩ B| / |A|.
    pub containment_a: f64,
    /// |A ∩ B| / |B|.
    pub containment_b: f64,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Documents read.
    pub docs: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Documents without a single word.
    pub empty: usize,
    /// Documents that are exact copies of an earlier one.
    pub exact_duplicates: usize,
    /// Near-duplicate pairs reported (exact copies not counted).
    pub near_duplicate_pairs: usize,
    /// Candidate pairs verified exactly.
    pub candidates: usize,
    /// Files skipped with a warning.
    pub skipped: usize,
    /// Files that could not be read.
    pub errors: usize,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

/// Everything a scan found.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// The documents read, indexed by [`DocId`].
    pub documents: Vec<DocumentInfo>,
    /// Reported pairs, ordered by `(a, b)`.
    pub pairs: Vec<PairFinding>,
    /// Clusters of duplicates, ordered by first member.
    pub clusters: Vec<Cluster>,
    /// Warnings and errors about single files, ordered by path.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub summary: Summary,
    /// The threshold used.
    pub threshold: f64,
}

impl ScanReport {
    /// The display path of a document.
    pub fn path(&self, doc: DocId) -> String {
        self.documents[doc.index()].source.display()
    }

    /// True when any error diagnostic was recorded (exit status 2).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::corpus::Severity::Error)
    }

    /// True when anything was found (exit status 1).
    pub fn has_findings(&self) -> bool {
        !self.pairs.is_empty() || !self.clusters.is_empty()
    }
}

/// Runs the whole pipeline over `roots`.
pub fn scan(roots: &[PathBuf], config: &ScanConfig) -> Result<ScanReport, Error> {
    config.validate()?;
    let started = Instant::now();
    let (files, mut diagnostics) = discover(roots, &config.walk);
    let (documents, read_problems) = sketch_all(&files, config);
    diagnostics.extend(read_problems);

    let groups = exact_groups(&documents);
    let representatives: Vec<DocId> = groups.iter().map(|g| g[0]).collect();
    let (near_pairs, verify_problems, candidates) =
        near_duplicate_pairs(&documents, &representatives, config);
    diagnostics.extend(verify_problems);
    diagnostics.sort();

    let words: Vec<u32> = documents.iter().map(|d| d.words).collect();
    let exact_edges = groups
        .iter()
        .flat_map(|g| g[1..].iter().map(move |&d| (g[0], d)));
    let near_edges = near_pairs.iter().map(|p| (p.a, p.b));
    let clusters = clusters(documents.len(), exact_edges.chain(near_edges), &words);

    let mut pairs = exact_pairs(&groups);
    let near_count = near_pairs.len();
    pairs.extend(near_pairs);
    pairs.sort_by_key(|p| (p.a, p.b));

    let summary = Summary {
        docs: documents.len(),
        bytes: documents.iter().map(|d| d.bytes).sum(),
        empty: documents.iter().filter(|d| d.is_empty()).count(),
        exact_duplicates: groups.iter().map(|g| g.len() - 1).sum(),
        near_duplicate_pairs: near_count,
        candidates,
        skipped: diagnostics
            .iter()
            .filter(|d| d.severity == crate::corpus::Severity::Warning)
            .count(),
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == crate::corpus::Severity::Error)
            .count(),
        elapsed: started.elapsed(),
    };
    Ok(ScanReport {
        documents,
        pairs,
        clusters,
        diagnostics,
        summary,
        threshold: config.threshold,
    })
}

/// The per-document work of step 1: words, content hash, signature.
pub struct Sketch {
    /// Number of words.
    pub words: u32,
    /// Hash of the normalised word sequence.
    pub content_hash: u128,
    /// MinHash signature.
    pub signature: Signature,
}

/// Sketches one document's bytes.
pub fn sketch(bytes: &[u8], ngram: usize, hasher: &MinHasher) -> Sketch {
    let words = word_hashes(bytes);
    Sketch {
        words: words.len() as u32,
        content_hash: content_hash(&words),
        signature: hasher.sign(shingles(&words, ngram)),
    }
}

fn word_hashes(bytes: &[u8]) -> Vec<WordHash> {
    let mut words = Vec::with_capacity(bytes.len() / 6 + 1);
    for_each_token(bytes, |t| words.push(t.hash));
    words
}

/// The hash of a normalised word sequence (xxh3-128 of the word hashes).
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

fn sketch_all(files: &[SourceFile], config: &ScanConfig) -> (Vec<DocumentInfo>, Vec<Diagnostic>) {
    let hasher = config.hasher();
    let results: Vec<Result<DocumentInfo, Diagnostic>> = files
        .par_iter()
        .flat_map_iter(|file| read_documents(file, &config.walk))
        .map(|loaded| {
            let (source, bytes) = loaded?;
            let sketch = sketch(&bytes, config.ngram, &hasher);
            Ok(DocumentInfo {
                source,
                bytes: bytes.len() as u64,
                words: sketch.words,
                content_hash: sketch.content_hash,
                signature: sketch.signature,
            })
        })
        .collect();
    let mut documents = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(doc) => documents.push(doc),
            Err(problem) => problems.push(problem),
        }
    }
    (documents, problems)
}

/// Groups non-empty documents by content hash; each group is ascending, groups are ordered by
/// their first member. Singletons are groups too.
fn exact_groups(documents: &[DocumentInfo]) -> Vec<Vec<DocId>> {
    let mut keyed: Vec<(u128, DocId)> = documents
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.is_empty())
        .map(|(i, d)| (d.content_hash, DocId(i as u32)))
        .collect();
    keyed.par_sort_unstable();
    let mut groups: Vec<Vec<DocId>> = keyed
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| run.iter().map(|&(_, d)| d).collect())
        .collect();
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

fn exact_pairs(groups: &[Vec<DocId>]) -> Vec<PairFinding> {
    groups
        .iter()
        .flat_map(|g| {
            g[1..].iter().map(move |&d| PairFinding {
                a: g[0],
                b: d,
                kind: PairKind::ExactDuplicate,
                jaccard: 1.0,
                estimate: 1.0,
                containment_a: 1.0,
                containment_b: 1.0,
            })
        })
        .collect()
}

/// Steps 3 and 4: LSH candidates among `representatives`, verified exactly. Returns the pairs,
/// problems re-reading documents, and the number of candidate pairs verified.
fn near_duplicate_pairs(
    documents: &[DocumentInfo],
    representatives: &[DocId],
    config: &ScanConfig,
) -> (Vec<PairFinding>, Vec<Diagnostic>, usize) {
    let keyed: Vec<(DocId, Vec<BandKey>)> = representatives
        .par_iter()
        .map(|&d| (d, config.lsh.band_keys(&documents[d.index()].signature)))
        .collect();
    let index = LshIndex::build(config.lsh, &keyed, false);
    let with_candidates = index.documents_with_candidates();
    let (sets, problems) = load_shingle_sets(documents, &with_candidates, config);

    let keys_of = |doc: DocId| -> &[BandKey] {
        let at = keyed
            .binary_search_by_key(&doc, |(d, _)| *d)
            .expect("representative");
        &keyed[at].1
    };
    let set_of = |doc: DocId| {
        sets.binary_search_by_key(&doc, |(d, _)| *d)
            .ok()
            .map(|i| &sets[i].1)
    };

    let verified: Vec<(usize, Vec<PairFinding>)> = with_candidates
        .par_iter()
        .map(|&a| {
            let Some(set_a) = set_of(a) else {
                return (0, Vec::new());
            };
            let others: Vec<DocId> = index
                .query(keys_of(a))
                .into_iter()
                .filter(|&b| b > a)
                .collect();
            let found = others
                .iter()
                .filter_map(|&b| {
                    let overlap = SetOverlap::of(set_a, set_of(b)?);
                    overlap.reaches(config.threshold).then(|| PairFinding {
                        a,
                        b,
                        kind: PairKind::NearDuplicate,
                        jaccard: overlap.jaccard(),
                        estimate: documents[a.index()]
                            .signature
                            .estimate(&documents[b.index()].signature),
                        containment_a: overlap.containment_a(),
                        containment_b: overlap.containment_b(),
                    })
                })
                .collect();
            (others.len(), found)
        })
        .collect();
    let candidates = verified.iter().map(|(n, _)| n).sum();
    let pairs = verified.into_iter().flat_map(|(_, p)| p).collect();
    (pairs, problems, candidates)
}

/// Re-reads documents and builds their exact shingle sets, sorted by id. A document whose
/// normalised text changed since step 1 is an error, never a silently wrong answer.
fn load_shingle_sets(
    documents: &[DocumentInfo],
    wanted: &[DocId],
    config: &ScanConfig,
) -> (Vec<(DocId, ShingleSet)>, Vec<Diagnostic>) {
    let results: Vec<Result<(DocId, ShingleSet), Diagnostic>> = wanted
        .par_iter()
        .map(|&doc| {
            let info = &documents[doc.index()];
            let bytes = reload(&info.source, &config.walk)?;
            let words = word_hashes(&bytes);
            if content_hash(&words) != info.content_hash {
                return Err(Diagnostic::error(
                    info.source.display(),
                    "file changed during the scan",
                ));
            }
            let mut shingles = Vec::with_capacity(words.len());
            for_each_shingle(&words, config.ngram, |_, s| shingles.push(s));
            Ok((doc, ShingleSet::from_unsorted(shingles)))
        })
        .collect();
    let mut sets = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(set) => sets.push(set),
            Err(problem) => problems.push(problem),
        }
    }
    (sets, problems)
}
