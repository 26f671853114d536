//! Check: new documents against an [`Index`] and against each other, the pre-ingest filter for CI.
//!
//! For every new document the check reports
//! - **exact duplicates**: an indexed document with the same normalised text (the first one in
//!   index order; a new document that is already in the corpus word for word is reported as that
//!   and not compared further with the index);
//! - **near-duplicates**: indexed documents whose exact Jaccard similarity of shingles, computed
//!   from the text stored in the index, reaches the threshold;
//! - **shared passages** ([`SharedPassage`]): each run of at least `--min-words` words it shares,
//!   once, naming every document that holds it and where (the `shared` module folds the pairs'
//!   passages); text a near-duplicate match covers is left to the match unless
//!   [`CheckOptions::covered_passages`];
//!
//! and the same among the new documents themselves (exact copies among them are grouped as in a
//! scan: later copies are reported against the first).
//!
//! Candidates come from the index's band keys (stored at its threshold; a check at another one
//! sketches the indexed text again) and fingerprints, by inverting the query: the new documents' band keys and
//! fingerprints go into hash maps, and one pass over the index looks every indexed document up
//! in them. The cost is linear in the index and needs no inverted index on disk; the stored
//! fingerprints are read from the file a batch at a time ([`Index::fingerprint_hits`]). An index
//! keeps 32 bits of each fingerprint, so a few indexed documents share one with a new document
//! by chance (about 1,300 when 1,000 new documents meet 100,000 indexed ones); they are verified
//! like the others and share no passage. Every candidate is verified exactly, so precision is 1.0
//! as in a scan. A fingerprint found in more than `--max-df` documents (indexed and new
//! together) is boilerplate and makes no candidates.
//!
//! Memory stays bounded whatever the check finds: new documents are taken in batches, their
//! indexed candidates analysed a chunk at a time and dropped once their pairs are verified; a
//! verified pair is kept only as the places of its passages until its new document's passages
//! are folded.
//!
//! Quoted passages shorter than `--min-words` are reported only for pairs that are candidates for
//! another reason: the index stores no quote grams.

use crate::corpus::{discover, Diagnostic, Severity, WalkOptions};
use crate::error::Error;
use crate::findings::{DocumentInfo, Location, PairFinding, PairKind, Passage};
use crate::index::{stored_band_keys, stored_fingerprint, Index};
use crate::lsh::LshParams;
use crate::minhash::Signature;
use crate::pairs::{analyse, analysis_of, verify_pair, PassageFilter};
use crate::quote::CommonWords;
use crate::scan::{exact_groups, sketch_all, ScanConfig};
use crate::sketch::{content_hash, line_at, line_starts, Analysis};
use crate::tokenize::tokenize;
use crate::DocId;

mod shared;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::{fold, pieces_of, Piece, Placement};
pub use shared::{Holder, SharedPassage};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How to check, beyond the index's own parameters. `None` means "as the index".
///
/// `ngram`, `perms`, `seed` and `min_words` define what is stored, so they must equal the index's
/// when given. `threshold`, `bands` and `max_df` only steer the query and may differ.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Words per shingle (must match the index).
    pub ngram: Option<usize>,
    /// MinHash permutations (must match the index).
    pub perms: Option<usize>,
    /// MinHash seed (must match the index).
    pub seed: Option<u64>,
    /// Shortest passage (must match the index).
    pub min_words: Option<usize>,
    /// Near-duplicate threshold.
    pub threshold: Option<f64>,
    /// LSH bands (rows = perms / bands); derived from the threshold when `None`.
    pub bands: Option<usize>,
    /// Boilerplate document frequency.
    pub max_df: Option<usize>,
    /// Which files to read.
    pub walk: WalkOptions,
    /// Report shared passages also where a near-duplicate match of the new document already
    /// covers them (by default the match alone says it).
    pub covered_passages: bool,
}

impl CheckOptions {
    /// The scan configuration for checking against `index`, or why the options do not fit it.
    pub fn resolve(&self, index: &Index) -> Result<ScanConfig, Error> {
        let p = index.params();
        let fixed = [
            ("--ngram", self.ngram.map(|v| v as u64), p.ngram as u64),
            ("--perms", self.perms.map(|v| v as u64), p.perms as u64),
            ("--seed", self.seed, p.seed),
            (
                "--min-words",
                self.min_words.map(|v| v as u64),
                p.min_words as u64,
            ),
        ];
        for (flag, asked, built) in fixed {
            if let Some(asked) = asked.filter(|&a| a != built) {
                return Err(Error::ParamsMismatch {
                    path: index.path().to_path_buf(),
                    detail: format!(
                        "the index was built with {flag} {built}, not {asked}; leave {flag} out \
                         to use the index's, or rebuild the index"
                    ),
                });
            }
        }
        let mut config = p.scan_config(self.walk.clone());
        if let Some(threshold) = self.threshold {
            config.threshold = threshold;
            config.lsh = LshParams::for_threshold(threshold, p.perms);
        }
        if let Some(bands) = self.bands {
            config.lsh = LshParams::with_bands(bands, p.perms).map_err(Error::InvalidOption)?;
        }
        if let Some(max_df) = self.max_df {
            config.max_df = max_df;
        }
        config.validate()?;
        Ok(config)
    }
}

/// The document a new document was found to match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Other {
    /// An indexed document: its number in the index and its name.
    Indexed {
        /// Position in the index.
        doc: usize,
        /// Name stored in the index.
        name: String,
    },
    /// Another new document.
    New(DocId),
}

/// One finding of a check: a new document and what it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFinding {
    /// The new document (an index into [`CheckReport::documents`]).
    pub doc: DocId,
    /// What it matches. For two new documents, `doc` is the one with the smaller path.
    pub other: Other,
    /// Exact duplicate, near-duplicate or overlap.
    pub kind: PairKind,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// The MinHash estimate of it.
    pub estimate: f64,
    /// |A ∩ B| / |A| over shingles, A the new document.
    pub containment_doc: f64,
    /// |A ∩ B| / |B| over shingles.
    pub containment_other: f64,
    /// Shared passages: `a` in the new document, `b` in the other; text as in the new document.
    pub passages: Vec<Passage>,
    /// True when the baseline holds every key of this finding.
    pub known: bool,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckSummary {
    /// New documents read.
    pub docs: usize,
    /// Bytes of them.
    pub bytes: u64,
    /// Documents in the index.
    pub indexed: usize,
    /// Exact-duplicate findings.
    pub exact: usize,
    /// Near-duplicate findings.
    pub near: usize,
    /// Overlap findings.
    pub overlap: usize,
    /// Findings in the baseline.
    pub known: usize,
    /// Candidate pairs verified exactly.
    pub candidates: usize,
    /// Fingerprints that were boilerplate.
    pub boilerplate_fingerprints: usize,
    /// Files skipped with a warning.
    pub skipped: usize,
    /// Files that could not be read.
    pub errors: usize,
    /// Time to load the index (set by whoever loaded it).
    pub load: Duration,
    /// Time of the check itself.
    pub elapsed: Duration,
}

/// Everything a check found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The index file, as given.
    pub index: String,
    /// The new documents, indexed by [`DocId`].
    pub documents: Vec<DocumentInfo>,
    /// Exact and near-duplicate matches, ordered by new document, then indexed documents in
    /// index order, then new ones.
    pub findings: Vec<CheckFinding>,
    /// Shared passages, one finding each, ordered by new document and position in it.
    pub passages: Vec<SharedPassage>,
    /// Warnings and errors about single files, by path.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts.
    pub summary: CheckSummary,
    /// The threshold used.
    pub threshold: f64,
}

impl CheckReport {
    /// The display path of a new document.
    pub fn path(&self, doc: DocId) -> String {
        self.documents[doc.index()].source.display()
    }

    /// The name of what a finding matches.
    pub fn other_name(&self, other: &Other) -> String {
        match other {
            Other::Indexed { name, .. } => name.clone(),
            Other::New(doc) => self.path(*doc),
        }
    }

    /// True when a file could not be read (exit status 2).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Findings of a kind in `fail_on` that the baseline does not hold: they fail the run.
    pub fn failing(&self, fail_on: &[PairKind]) -> usize {
        let matches = self
            .findings
            .iter()
            .filter(|f| !f.known && fail_on.contains(&f.kind))
            .count();
        let passages = if fail_on.contains(&PairKind::Overlap) {
            self.passages.iter().filter(|p| !p.known).count()
        } else {
            0
        };
        matches + passages
    }

    /// The stable key of a match.
    pub fn key(&self, finding: &CheckFinding) -> BaselineKey {
        BaselineKey {
            path: self.path(finding.doc),
            other: self.other_name(&finding.other),
            kind: finding.kind.as_str().to_string(),
            passage: None,
        }
    }

    /// The stable key of a shared passage: the new document and the passage's words, whoever
    /// holds it (a new indexed copy of a known passage keeps it known).
    pub fn passage_key(&self, passage: &SharedPassage) -> BaselineKey {
        BaselineKey {
            path: self.path(passage.doc),
            other: String::new(),
            kind: PairKind::Overlap.as_str().to_string(),
            passage: Some(passage_hash(&passage.text)),
        }
    }

    /// Marks the findings the baseline holds as known.
    pub fn apply_baseline(&mut self, baseline: &Baseline) {
        let known: Vec<bool> = self
            .findings
            .iter()
            .map(|f| baseline.keys.contains(&self.key(f)))
            .collect();
        for (finding, known) in self.findings.iter_mut().zip(known) {
            finding.known = known;
        }
        let known: Vec<bool> = self
            .passages
            .iter()
            .map(|p| baseline.keys.contains(&self.passage_key(p)))
            .collect();
        for (passage, known) in self.passages.iter_mut().zip(known) {
            passage.known = known;
        }
        // Text inside a known passage of the same document stays known: a new document holding
        // part of it makes a nested run of its own, with its own hash.
        let inside_known: Vec<bool> = self
            .passages
            .iter()
            .map(|p| {
                !p.known
                    && self.passages.iter().any(|k| {
                        k.known
                            && k.doc == p.doc
                            && k.at.start <= p.at.start
                            && p.at.end <= k.at.end
                    })
            })
            .collect();
        for (passage, inside) in self.passages.iter_mut().zip(inside_known) {
            passage.known |= inside;
        }
        self.summary.known = self.findings.iter().filter(|f| f.known).count()
            + self.passages.iter().filter(|p| p.known).count();
    }

    /// A baseline holding every current finding.
    pub fn baseline(&self) -> Baseline {
        let matches = self.findings.iter().map(|f| self.key(f));
        let passages = self.passages.iter().map(|p| self.passage_key(p));
        Baseline {
            keys: matches.chain(passages).collect(),
        }
    }
}

/// The stable identity of a finding in a baseline: the new document's path, the kind, and for a
/// match the other document's name, for a shared passage the hash of its normalised words (so
/// re-wrapping or re-casing the passage keeps it known, and so does a new document holding it,
/// while a new passage is new).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineKey {
    /// The new document's path, as given to the check.
    pub path: String,
    /// The indexed document's name (or the other new document's path); empty for a passage.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub other: String,
    /// `exact_duplicate`, `near_duplicate` or `overlap`.
    pub kind: String,
    /// For overlaps: 32 hex digits of the xxh3-128 of the passage's normalised words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
}

/// The hash of a passage that identifies it in a baseline.
pub fn passage_hash(text: &str) -> String {
    let words: Vec<u64> = tokenize(text.as_bytes()).iter().map(|t| t.hash).collect();
    format!("{:032x}", content_hash(&words))
}

/// Known findings: a set of [`BaselineKey`]s, stored as JSON Lines, one key per line, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    keys: BTreeSet<BaselineKey>,
}

impl Baseline {
    /// Reads a baseline file; a malformed line is an error naming it.
    pub fn read(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        let mut keys = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let key: BaselineKey = serde_json::from_str(line).map_err(|e| Error::Baseline {
                path: path.to_path_buf(),
                line: i + 1,
                detail: e.to_string(),
            })?;
            let valid_kind =
                ["exact_duplicate", "near_duplicate", "overlap"].contains(&key.kind.as_str());
            let is_passage = key.kind == "overlap";
            if !valid_kind
                || is_passage != key.passage.is_some()
                || is_passage != key.other.is_empty()
            {
                return Err(Error::Baseline {
                    path: path.to_path_buf(),
                    line: i + 1,
                    detail: "kind must be exact_duplicate, near_duplicate or overlap; only \
                             overlaps have a passage, and only the others an other document"
                        .into(),
                });
            }
            keys.insert(key);
        }
        Ok(Baseline { keys })
    }

    /// The file's contents: one key per line, sorted, so it diffs well under version control.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for key in &self.keys {
            out.push_str(&serde_json::to_string(key).expect("strings serialise"));
            out.push('\n');
        }
        out
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when it holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Opens the index at `index_path` and checks the documents under `roots` against it; the
/// summary records the load time.
pub fn check_path(
    index_path: &Path,
    roots: &[PathBuf],
    options: &CheckOptions,
) -> Result<CheckReport, Error> {
    let started = Instant::now();
    let index = Index::open(index_path)?;
    let load = started.elapsed();
    let mut report = check(&index, roots, options)?;
    report.summary.load = load;
    Ok(report)
}

/// Checks the documents under `roots` against `index` and against each other.
pub fn check(
    index: &Index,
    roots: &[PathBuf],
    options: &CheckOptions,
) -> Result<CheckReport, Error> {
    let config = options.resolve(index)?;
    let started = Instant::now();
    let (files, mut diagnostics) = discover(roots, &config.walk);
    let (documents, sketches, problems) = sketch_all(
        &files,
        &config,
        crate::sketch::FingerprintUse::Lookup,
        &crate::progress::NoProgress,
    );
    diagnostics.extend(problems);

    let in_index = exact_in_index(index, &documents);
    let groups = exact_groups(&documents);
    let mut findings: Vec<CheckFinding> = exact_findings(index, &in_index, &groups);

    let vs_index: Vec<bool> = documents
        .iter()
        .zip(&in_index)
        .map(|(d, exact)| !d.is_empty() && exact.is_none())
        .collect();
    let mut representative = vec![false; documents.len()];
    for group in &groups {
        representative[group[0].index()] = true;
    }
    let band_keys: Vec<Vec<u32>> = documents
        .iter()
        .map(|d| stored_band_keys(config.lsh, d.signature.values()))
        .collect();
    let query = Query {
        index,
        band_keys: &band_keys,
        vs_index: &vs_index,
        representative: &representative,
        config: &config,
    };
    let mut candidates = query.lsh_candidates()?;
    let fingerprints: Vec<&[u64]> = sketches.iter().map(|s| s.fingerprints.as_slice()).collect();
    let overlap = query.fingerprint_candidates(&fingerprints)?;
    candidates.extend(overlap.pairs);
    candidates.extend(
        overlap
            .indexed_hits
            .iter()
            .map(|&(d, j)| (d, Target::Indexed(j))),
    );
    candidates.par_sort_unstable();
    candidates.dedup();

    let is_boilerplate = |h| overlap.boilerplate.contains(&h);
    let filter = PassageFilter {
        boilerplate: (!overlap.boilerplate.is_empty()).then_some(&is_boilerplate),
        // The index stores no quotes, so there is no corpus-wide count of them.
        common_words: &CommonWords::default(),
    };
    let verifier = Verifier {
        index,
        documents: &documents,
        config: &config,
        filter: &filter,
        covered_passages: options.covered_passages,
    };
    let mut passages = Vec::new();
    for batch in new_doc_batches(&candidates, &documents) {
        let found = verifier.batch(batch)?;
        findings.extend(found.matches);
        passages.extend(found.passages);
        diagnostics.extend(found.problems);
    }
    findings.sort_by(|x, y| (x.doc, &x.other).cmp(&(y.doc, &y.other)));
    diagnostics.sort();

    let count = |kind| findings.iter().filter(|f| f.kind == kind).count();
    let summary = CheckSummary {
        docs: documents.len(),
        bytes: documents.iter().map(|d| d.bytes).sum(),
        indexed: index.len(),
        exact: count(PairKind::ExactDuplicate),
        near: count(PairKind::NearDuplicate),
        overlap: passages.len(),
        known: 0,
        candidates: candidates.len(),
        boilerplate_fingerprints: overlap.boilerplate_count,
        skipped: count_severity(&diagnostics, Severity::Warning),
        errors: count_severity(&diagnostics, Severity::Error),
        load: Duration::ZERO,
        elapsed: started.elapsed(),
    };
    Ok(CheckReport {
        index: index.path().to_string_lossy().into_owned(),
        documents,
        findings,
        passages,
        diagnostics,
        summary,
        threshold: config.threshold,
    })
}

/// New documents whose candidates are verified together: at most this many, or
/// [`BATCH_BYTES`] of them. Their analyses stay in memory while every indexed candidate of theirs
/// is analysed once, [`CHUNK_INDEXED`] at a time.
const BATCH_DOCS: usize = 4096;

/// Bytes of new documents in one batch (see [`BATCH_DOCS`]).
const BATCH_BYTES: u64 = 64 << 20;

/// Indexed documents analysed at a time (or [`CHUNK_BYTES`] of their text): their pairs are
/// verified and kept as pieces (places, no text), and the analyses dropped.
const CHUNK_INDEXED: usize = 1024;

/// Bytes of indexed text analysed at a time (see [`CHUNK_INDEXED`]).
const CHUNK_BYTES: u64 = 16 << 20;

/// `pairs` (sorted by new document) cut between new documents into batches of at most
/// [`BATCH_DOCS`] documents or [`BATCH_BYTES`] bytes (a single larger document is a batch).
fn new_doc_batches<'p>(
    pairs: &'p [(DocId, Target)],
    documents: &[DocumentInfo],
) -> Vec<&'p [(DocId, Target)]> {
    // A document's bytes and those of the new documents it is paired with: all are analysed
    // with its batch.
    let mut bytes: Vec<u64> = documents.iter().map(|d| d.bytes).collect();
    for &(doc, other) in pairs {
        if let Target::New(e) = other {
            bytes[doc.index()] += documents[e.index()].bytes;
        }
    }
    cut_runs(
        pairs,
        |p| p.0,
        |d| bytes[d.index()],
        BATCH_DOCS,
        BATCH_BYTES,
    )
}

/// `items` cut where `key` changes, into runs of at most `most` keys or `most_bytes` (summed
/// over keys by `bytes`); one key is never split.
fn cut_runs<T, K: PartialEq + Copy>(
    items: &[T],
    key: impl Fn(&T) -> K,
    bytes: impl Fn(K) -> u64,
    most: usize,
    most_bytes: u64,
) -> Vec<&[T]> {
    let mut runs = Vec::new();
    let (mut start, mut keys, mut size) = (0, 0, 0);
    for (i, item) in items.iter().enumerate() {
        let k = key(item);
        if i > 0 && key(&items[i - 1]) == k {
            continue;
        }
        let b = bytes(k);
        if keys > 0 && (keys == most || size + b > most_bytes) {
            runs.push(&items[start..i]);
            (start, keys, size) = (i, 0, 0);
        }
        keys += 1;
        size += b;
    }
    if start < items.len() {
        runs.push(&items[start..]);
    }
    runs
}

/// What one batch of new documents gave.
struct BatchFindings {
    matches: Vec<CheckFinding>,
    passages: Vec<SharedPassage>,
    problems: Vec<Diagnostic>,
}

/// Everything verifying a batch of candidates needs.
struct Verifier<'a> {
    index: &'a Index,
    documents: &'a [DocumentInfo],
    config: &'a ScanConfig,
    filter: &'a PassageFilter<'a>,
    covered_passages: bool,
}

impl Verifier<'_> {
    /// Analyses the batch's new documents, verifies their pairs a chunk of indexed documents at
    /// a time, and folds each new document's pieces into one finding per shared passage.
    fn batch(&self, batch: &[(DocId, Target)]) -> Result<BatchFindings, Error> {
        let mut new_docs: Vec<DocId> = Vec::new();
        for &(doc, other) in batch {
            new_docs.push(doc);
            if let Target::New(e) = other {
                new_docs.push(e);
            }
        }
        new_docs.sort_unstable();
        new_docs.dedup();
        let (new_analyses, problems) = analyse(
            self.documents,
            &new_docs,
            self.config,
            &crate::progress::NoProgress,
        );
        let mut by_other = batch.to_vec();
        by_other.par_sort_unstable_by_key(|&(doc, other)| (other, doc));
        let text_len = |t: Target| match t {
            Target::Indexed(j) => self.index.docs()[j].text_len(),
            Target::New(_) => 0,
        };
        let mut matches = Vec::new();
        let mut pieces: Vec<(DocId, Piece)> = Vec::new();
        for chunk in cut_runs(&by_other, |p| p.1, text_len, CHUNK_INDEXED, CHUNK_BYTES) {
            let (found, more) = self.verify_chunk(chunk, &new_analyses)?;
            matches.extend(found);
            pieces.extend(more);
        }
        pieces.par_sort_unstable_by_key(|(doc, p)| (*doc, p.other, p.words.start, p.words.end));
        let by_doc: Vec<&[(DocId, Piece)]> = pieces.chunk_by(|x, y| x.0 == y.0).collect();
        let other = |t: Target| self.other(t);
        let folded: Vec<(Vec<SharedPassage>, Vec<Placement>)> = by_doc
            .par_iter()
            .map(|run| {
                let doc = run[0].0;
                let own: Vec<Piece> = run.iter().map(|(_, p)| p.clone()).collect();
                match analysis_of(&new_analyses, doc) {
                    Some(a) => fold(doc, a, &own, self.config.min_words, &other),
                    None => (Vec::new(), Vec::new()),
                }
            })
            .collect();
        let mut passages = Vec::new();
        let mut placements = Vec::new();
        for (found, mut places) in folded {
            for place in &mut places {
                place.passage += passages.len();
            }
            passages.extend(found);
            placements.extend(places);
        }
        self.place(&mut passages, placements, &new_analyses)?;
        Ok(BatchFindings {
            matches,
            passages,
            problems,
        })
    }

    /// Analyses the indexed documents of `chunk` and verifies its pairs: the matches, and the
    /// pieces of every pair with its new document.
    #[allow(clippy::type_complexity)]
    fn verify_chunk(
        &self,
        chunk: &[(DocId, Target)],
        new_analyses: &[(DocId, Analysis)],
    ) -> Result<(Vec<CheckFinding>, Vec<(DocId, Piece)>), Error> {
        let mut indexed: Vec<usize> = chunk
            .iter()
            .filter_map(|&(_, t)| match t {
                Target::Indexed(j) => Some(j),
                Target::New(_) => None,
            })
            .collect();
        indexed.dedup();
        let winnow = Some(self.index.params().winnow());
        // With its signature (for the estimate), made of its shingle set's values.
        let hasher = &self.index.params().sketch_params().hasher;
        let indexed_analyses: Vec<IndexedAnalysis> = indexed
            .par_iter()
            .map(|&j| {
                let analysis = Analysis::new(self.index.text(j)?, self.config.ngram, winnow);
                let signature = hasher.sign(analysis.shingles.iter());
                Ok((j, analysis, signature))
            })
            .collect::<Result<_, Error>>()?;
        let verified: Vec<(Option<CheckFinding>, Vec<(DocId, Piece)>)> = chunk
            .par_iter()
            .filter_map(|&(doc, target)| {
                let da = analysis_of(new_analyses, doc)?;
                let (db, signature) = match target {
                    Target::Indexed(j) => {
                        let (analysis, signature) = indexed_analysis(&indexed_analyses, j)?;
                        (analysis, Some(signature))
                    }
                    Target::New(e) => (analysis_of(new_analyses, e)?, None),
                };
                let pair = self.verify(doc, target, da, db, signature)?;
                let near = pair.kind != PairKind::Overlap;
                let covers = near && !self.covered_passages;
                let pieces = pieces_of(&pair, target, covers, da, db)
                    .into_iter()
                    .map(|p| (doc, p))
                    .collect();
                Some((near.then(|| finding(pair, self.other(target))), pieces))
            })
            .collect();
        let mut matches = Vec::new();
        let mut pieces = Vec::new();
        for (found, more) in verified {
            matches.extend(found);
            pieces.extend(more);
        }
        Ok((matches, pieces))
    }

    /// Gives the holders that hold part of a word-for-word copy their exact place, read from
    /// their words (indexed documents are tokenised again: only their words' offsets are needed).
    fn place(
        &self,
        passages: &mut [SharedPassage],
        mut placements: Vec<Placement>,
        new_analyses: &[(DocId, Analysis)],
    ) -> Result<(), Error> {
        placements.par_sort_unstable_by_key(|p| (p.other, p.passage, p.holder));
        let runs: Vec<&[Placement]> = placements.chunk_by(|x, y| x.other == y.other).collect();
        let placed: Vec<Vec<(usize, usize, Location)>> = runs
            .par_iter()
            .map(|run| {
                let (tokens, line_starts) = match run[0].other {
                    Target::Indexed(j) => {
                        let text = self.index.text(j)?;
                        (tokenize(&text), line_starts(&text))
                    }
                    Target::New(e) => match analysis_of(new_analyses, e) {
                        Some(b) => (b.tokens.clone(), line_starts(&b.bytes)),
                        None => return Ok(Vec::new()),
                    },
                };
                Ok(run
                    .iter()
                    .filter(|p| {
                        (p.words.end as usize) <= tokens.len() && p.words.start < p.words.end
                    })
                    .map(|p| {
                        let start = tokens[p.words.start as usize].start;
                        let end = tokens[p.words.end as usize - 1].end;
                        let line = line_at(&line_starts, start);
                        (p.passage, p.holder, Location { start, end, line })
                    })
                    .collect())
            })
            .collect::<Result<_, Error>>()?;
        for (passage, holder, at) in placed.into_iter().flatten() {
            passages[passage].holders[holder].at = at;
        }
        Ok(())
    }

    /// `indexed_signature`: the signature of the indexed document, when it is one.
    fn verify(
        &self,
        doc: DocId,
        target: Target,
        da: &Analysis,
        db: &Analysis,
        indexed_signature: Option<&Signature>,
    ) -> Option<PairFinding> {
        let (other_doc, estimate) = match target {
            Target::Indexed(j) => (
                DocId(j as u32),
                self.documents[doc.index()]
                    .signature
                    .estimate(indexed_signature?),
            ),
            Target::New(e) => (
                e,
                self.documents[doc.index()]
                    .signature
                    .estimate(&self.documents[e.index()].signature),
            ),
        };
        // Candidates here come from bands and fingerprints together; align them all (the new
        // documents are few, so a quadratic LSH fan-out cannot arise).
        let mut pair = verify_pair(
            (doc, da),
            (other_doc, db),
            estimate,
            true,
            self.config,
            self.filter,
        )?;
        // `verify_pair` names both sides with document ids; the other side is told apart by
        // its target, and `a` stays the new document.
        pair.a = doc;
        Some(pair)
    }

    fn other(&self, target: Target) -> Other {
        match target {
            Target::Indexed(j) => Other::Indexed {
                doc: j,
                name: self.index.docs()[j].name.clone(),
            },
            Target::New(e) => Other::New(e),
        }
    }
}

fn count_severity(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

fn finding(pair: PairFinding, other: Other) -> CheckFinding {
    CheckFinding {
        doc: pair.a,
        other,
        kind: pair.kind,
        jaccard: pair.jaccard,
        estimate: pair.estimate,
        containment_doc: pair.containment_a,
        containment_other: pair.containment_b,
        passages: pair.passages,
        known: false,
    }
}

/// For each new document, the first indexed document with the same normalised text.
fn exact_in_index(index: &Index, documents: &[DocumentInfo]) -> Vec<Option<usize>> {
    let wanted: HashSet<u128> = documents
        .iter()
        .filter(|d| !d.is_empty())
        .map(|d| d.content_hash)
        .collect();
    let mut first: HashMap<u128, usize> = HashMap::new();
    for (j, doc) in index.docs().iter().enumerate() {
        if doc.words > 0 && wanted.contains(&doc.content_hash) {
            first.entry(doc.content_hash).or_insert(j);
        }
    }
    documents
        .iter()
        .map(|d| {
            (!d.is_empty())
                .then(|| first.get(&d.content_hash).copied())
                .flatten()
        })
        .collect()
}

fn exact_findings(
    index: &Index,
    in_index: &[Option<usize>],
    groups: &[Vec<DocId>],
) -> Vec<CheckFinding> {
    let exact = |doc: DocId, other: Other| CheckFinding {
        doc,
        other,
        kind: PairKind::ExactDuplicate,
        jaccard: 1.0,
        estimate: 1.0,
        containment_doc: 1.0,
        containment_other: 1.0,
        passages: Vec::new(),
        known: false,
    };
    let vs_index = in_index.iter().enumerate().filter_map(|(d, j)| {
        let j = (*j)?;
        Some(exact(
            DocId(d as u32),
            Other::Indexed {
                doc: j,
                name: index.docs()[j].name.clone(),
            },
        ))
    });
    let among_new = groups
        .iter()
        .flat_map(|g| g[1..].iter().map(move |&d| exact(g[0], Other::New(d))));
    vs_index.chain(among_new).collect()
}

/// A candidate's other side, ordered indexed first (as findings are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    Indexed(usize),
    New(DocId),
}

/// Fingerprint candidates and what was boilerplate.
struct OverlapQuery {
    /// Pairs of new documents.
    pairs: Vec<(DocId, Target)>,
    /// A new document and an indexed one sharing a stored fingerprint. The index keeps 32 bits
    /// of each, so a few share them by chance; verification drops those.
    indexed_hits: Vec<(DocId, usize)>,
    /// Full 64-bit fingerprints of the new documents whose stored form is boilerplate.
    boilerplate: HashSet<u64>,
    boilerplate_count: usize,
}

/// The new documents' side of a check.
struct Query<'a> {
    index: &'a Index,
    /// The new documents' band keys under the check's LSH settings ([`stored_band_keys`]).
    band_keys: &'a [Vec<u32>],
    /// May be compared with the index (not empty, not an exact copy of an indexed document).
    vs_index: &'a [bool],
    /// First of its exact-copy group among the new documents.
    representative: &'a [bool],
    config: &'a ScanConfig,
}

impl Query<'_> {
    /// Pairs sharing an LSH bucket: band keys of the new documents in a hash map, every indexed
    /// document's band keys looked up in it. Those are the stored keys when the check bands as
    /// the index was built; under other settings (`--threshold`, `--bands`) every indexed
    /// document is sketched again from its text.
    fn lsh_candidates(&self) -> Result<Vec<(DocId, Target)>, Error> {
        let lsh = self.config.lsh;
        let mut buckets: PrehashedMap<(usize, u32), Vec<DocId>> = PrehashedMap::default();
        for (d, keys) in self.band_keys.iter().enumerate() {
            if self.vs_index[d] || self.representative[d] {
                for (band, &key) in keys.iter().enumerate() {
                    buckets
                        .entry((band, key))
                        .or_default()
                        .push(DocId(d as u32));
                }
            }
        }
        let look_up = |j: usize, keys: &[u32], found: &mut Vec<(DocId, Target)>| {
            if self.index.docs()[j].words == 0 {
                return;
            }
            for (band, &key) in keys.iter().enumerate() {
                if let Some(docs) = buckets.get(&(band, key)) {
                    found.extend(
                        docs.iter()
                            .filter(|d| self.vs_index[d.index()])
                            .map(|&d| (d, Target::Indexed(j))),
                    );
                }
            }
        };
        let mut pairs: Vec<(DocId, Target)> = if lsh == self.index.params().lsh {
            self.index.map_band_keys(|first, keys, found| {
                for (j, keys) in (first..).zip(keys.chunks_exact(lsh.bands)) {
                    look_up(j, keys, found);
                }
            })?
        } else {
            let perms = self.index.params().perms;
            self.index
                .map_signatures_from_text(|first, values, found| {
                    for (j, values) in (first..).zip(values.chunks_exact(perms)) {
                        look_up(j, &stored_band_keys(lsh, values), found);
                    }
                })?
        };
        for docs in buckets.values() {
            self.new_pairs(docs, &mut pairs);
        }
        Ok(pairs)
    }

    /// Every pair of representatives among `docs` (ascending), smaller first.
    fn new_pairs(&self, docs: &[DocId], pairs: &mut Vec<(DocId, Target)>) {
        let reps: Vec<DocId> = docs
            .iter()
            .copied()
            .filter(|d| self.representative[d.index()])
            .collect();
        for (i, &a) in reps.iter().enumerate() {
            pairs.extend(reps[i + 1..].iter().map(|&b| (a, Target::New(b))));
        }
    }

    /// Pairs sharing a fingerprint that is not boilerplate: the new documents' fingerprints in a
    /// hash map behind a bit filter, one pass over the index's fingerprints.
    fn fingerprint_candidates(&self, fingerprints: &[&[u64]]) -> Result<OverlapQuery, Error> {
        let mut wanted: PrehashedMap<u32, Vec<DocId>> = PrehashedMap::default();
        for (d, hashes) in fingerprints.iter().enumerate() {
            if !(self.vs_index[d] || self.representative[d]) {
                continue;
            }
            let mut stored: Vec<u32> = hashes.iter().map(|&h| stored_fingerprint(h)).collect();
            stored.sort_unstable();
            stored.dedup();
            for f in stored {
                wanted.entry(f).or_default().push(DocId(d as u32));
            }
        }
        let filter = BitFilter::new(wanted.keys().copied());
        // Indexed documents holding each wanted fingerprint, counted as they are found: past
        // `--max-df` a fingerprint is boilerplate and its hits are not kept (against an index
        // of a million documents whose paragraphs recur, they were most of the check's 1.6 GB).
        let counted: PrehashedMap<u32, AtomicU32> =
            wanted.keys().map(|&f| (f, AtomicU32::new(0))).collect();
        let limit = self.config.max_df as u32;
        // One pass over all stored fingerprints, read from the index file a batch at a time:
        // the hits are few.
        let mut hits = self.index.fingerprint_hits(&|f| {
            filter.may_contain(f)
                && counted
                    .get(&f)
                    .is_some_and(|n| n.fetch_add(1, Ordering::Relaxed) < limit)
        })?;
        hits.par_sort_unstable();
        let mut indexed_of: PrehashedMap<u32, &[(u32, usize)]> = PrehashedMap::default();
        for run in hits.chunk_by(|x, y| x.0 == y.0) {
            indexed_of.insert(run[0].0, run);
        }
        let mut pairs = Vec::new();
        let mut indexed_hits = Vec::new();
        let mut boilerplate32 = HashSet::new();
        for (&f, docs) in &wanted {
            let indexed = indexed_of.get(&f).copied().unwrap_or(&[]);
            let in_index = counted[&f].load(Ordering::Relaxed) as usize;
            if in_index + docs.len() > self.config.max_df {
                boilerplate32.insert(f);
                continue;
            }
            for &d in docs.iter().filter(|d| self.vs_index[d.index()]) {
                indexed_hits.extend(indexed.iter().map(|&(_, j)| (d, j)));
            }
            self.new_pairs(docs, &mut pairs);
        }
        let boilerplate = fingerprints
            .iter()
            .flat_map(|hashes| hashes.iter().copied())
            .filter(|&h| boilerplate32.contains(&stored_fingerprint(h)))
            .collect();
        Ok(OverlapQuery {
            pairs,
            indexed_hits,
            boilerplate,
            boilerplate_count: boilerplate32.len(),
        })
    }
}

/// A hash map for keys that are already uniform hashes (fingerprints, band keys): hashing them
/// again with SipHash would cost more than the lookups in the pass over the index.
type PrehashedMap<K, V> = HashMap<K, V, BuildHasherDefault<PrehashedHasher>>;

/// One multiply per integer written; see [`PrehashedMap`].
#[derive(Debug, Default)]
struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(29) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A one-hash bit filter over stored fingerprints, about 32 bits per key: the pass over the
/// index tests every indexed fingerprint against it, and only the few percent that pass are
/// looked up in the hash map.
///
/// A key's bit is chosen by its LOW bits. Stored fingerprints are the top 32 bits of winnowed
/// k-gram hashes, and winnowing keeps window minima, so their top bits lean towards 0: over 2,000
/// documents of the 100k synth corpus, two stored fingerprints share their top 16 bits 1.49 times as often as
/// uniform values would, and their low 16 bits 1.006 times. Chosen by the top bits, as it was,
/// the filter let about half as many fingerprints again through to the hash map.
struct BitFilter {
    bits: Vec<u64>,
    /// One less than the number of bits (a power of two).
    mask: u32,
}

impl BitFilter {
    fn new(keys: impl ExactSizeIterator<Item = u32>) -> Self {
        let want = (keys.len() * 32)
            .next_power_of_two()
            .clamp(1 << 16, 1 << 28);
        let mut filter = BitFilter {
            bits: vec![0; want / 64],
            mask: (want - 1) as u32,
        };
        for key in keys {
            let at = (key & filter.mask) as usize;
            filter.bits[at / 64] |= 1 << (at % 64);
        }
        filter
    }

    fn may_contain(&self, key: u32) -> bool {
        let at = (key & self.mask) as usize;
        self.bits[at / 64] & (1 << (at % 64)) != 0
    }
}

/// An indexed document's analysis, with its MinHash signature.
type IndexedAnalysis = (usize, Analysis, Signature);

fn indexed_analysis(analyses: &[IndexedAnalysis], j: usize) -> Option<(&Analysis, &Signature)> {
    analyses
        .binary_search_by_key(&j, |(i, _, _)| *i)
        .ok()
        .map(|i| (&analyses[i].1, &analyses[i].2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passage_hash_ignores_case_spacing_and_punctuation() {
        assert_eq!(
            passage_hash("The quick brown fox,\n  jumps"),
            passage_hash("the QUICK brown fox jumps")
        );
        assert_ne!(
            passage_hash("the quick brown fox"),
            passage_hash("the quick brown cat")
        );
        assert_eq!(passage_hash("x").len(), 32);
    }

    #[test]
    fn the_bit_filter_has_no_false_negatives() {
        let keys: Vec<u32> = (0..5000u32).map(|i| i.wrapping_mul(0x9E37_79B9)).collect();
        let filter = BitFilter::new(keys.iter().copied());
        assert!(keys.iter().all(|&k| filter.may_contain(k)));
        let passed = (0..100_000u32)
            .map(|i| i.wrapping_mul(0x85EB_CA6B) ^ 0x5555)
            .filter(|&k| filter.may_contain(k))
            .count();
        assert!(passed < 5_000, "{passed} of 100000 passed");
    }

    /// Keys and probes shaped like stored fingerprints (the top bits of window minima, here the
    /// least of three random values): the filter must pass no more of the probes than its load
    /// (the share of its bits set) says. Chosen by the top bits, it passed about 1.8 times that
    /// (6,802 of 200,000 against 3,755).
    #[test]
    fn the_bit_filter_is_not_fooled_by_skewed_top_bits() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u32
        };
        let mut window_minimum = move || random().min(random()).min(random());
        let keys: Vec<u32> = (0..5000).map(|_| window_minimum()).collect();
        let filter = BitFilter::new(keys.iter().copied());
        let set: u32 = filter.bits.iter().map(|w| w.count_ones()).sum();
        let load = f64::from(set) / (filter.bits.len() * 64) as f64;
        let probes = 200_000;
        let passed = (0..probes)
            .filter(|_| filter.may_contain(window_minimum()))
            .count();
        let expected = load * f64::from(probes);
        assert!(
            (passed as f64) < 1.2 * expected,
            "{passed} of {probes} passed, {expected:.0} expected at load {load:.4}"
        );
    }

    #[test]
    fn baseline_round_trips_and_rejects_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known.jsonl");
        let key = |kind: &str, passage: Option<&str>| BaselineKey {
            path: "new/a.txt".into(),
            other: if passage.is_some() {
                String::new()
            } else {
                "corpus/b.txt".into()
            },
            kind: kind.into(),
            passage: passage.map(String::from),
        };
        let baseline = Baseline {
            keys: [key("overlap", Some("ab")), key("near_duplicate", None)]
                .into_iter()
                .collect(),
        };
        std::fs::write(&path, baseline.to_jsonl()).unwrap();
        assert!(!baseline.to_jsonl().contains("\"other\":\"\""));
        assert_eq!(Baseline::read(&path).unwrap(), baseline);

        // A passage key naming another document is from before passages were one finding each.
        std::fs::write(
            &path,
            "{\"path\":\"a\",\"other\":\"b\",\"kind\":\"overlap\",\"passage\":\"ab\"}\n",
        )
        .unwrap();
        assert!(matches!(
            Baseline::read(&path),
            Err(Error::Baseline { line: 1, .. })
        ));

        std::fs::write(
            &path,
            "\n{\"path\":\"a\",\"other\":\"b\",\"kind\":\"overlap\"}\n",
        )
        .unwrap();
        let err = Baseline::read(&path).unwrap_err().to_string();
        assert!(err.ends_with(":2: not a baseline record (kind must be exact_duplicate, near_duplicate or overlap; only overlaps have a passage, and only the others an other document)"), "{err}");
        std::fs::write(&path, "not json\n").unwrap();
        assert!(matches!(
            Baseline::read(&path),
            Err(Error::Baseline { line: 1, .. })
        ));
    }
}
