//! Findings: what a scan reports, independent of any output format.

use crate::cluster::Cluster;
use crate::corpus::{Diagnostic, DocumentSource, Severity};
use crate::minhash::Signature;
use crate::DocId;
use std::time::Duration;

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
    /// Below the threshold, but sharing at least one passage.
    Overlap,
}

impl PairKind {
    /// The name used in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            PairKind::ExactDuplicate => "exact_duplicate",
            PairKind::NearDuplicate => "near_duplicate",
            PairKind::Overlap => "overlap",
        }
    }
}

/// A place in a document: a byte span (end exclusive) and the 1-based line it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// Line of `start`, from 1.
    pub line: u32,
}

/// A passage two documents share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Where it is in the first document.
    pub a: Location,
    /// Where it is in the second document.
    pub b: Location,
    /// Words that match in both.
    pub words: u32,
    /// Inside quotation marks in both documents.
    pub quoted: bool,
    /// The passage as it reads in the first document.
    pub text: String,
    /// The shared-text group it is an occurrence of (an index into [`ScanReport::groups`]);
    /// `None` for a passage aligned between two near-duplicates.
    pub group: Option<usize>,
}

/// A reported pair, `a < b`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFinding {
    /// The first document (smaller path).
    pub a: DocId,
    /// The second document.
    pub b: DocId,
    /// Exact duplicate, near-duplicate or overlap.
    pub kind: PairKind,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// The MinHash estimate of it.
    pub estimate: f64,
    /// |A ∩ B| / |A| over shingles.
    pub containment_a: f64,
    /// |A ∩ B| / |B| over shingles.
    pub containment_b: f64,
    /// Shared passages, ordered by position in `a` (none for exact duplicates: all is shared).
    pub passages: Vec<Passage>,
}

/// One place a shared quote occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteOccurrence {
    /// The document.
    pub doc: DocId,
    /// Where in it.
    pub at: Location,
}

/// Quoted text shared by two or more documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteFinding {
    /// The quote as it reads at its first occurrence.
    pub text: String,
    /// Number of words.
    pub words: usize,
    /// Every occurrence, by document then position.
    pub occurrences: Vec<QuoteOccurrence>,
}

/// One place a shared text occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOccurrenceAt {
    /// The document.
    pub doc: DocId,
    /// Where in it.
    pub at: Location,
    /// Its words (an edited copy's own words included).
    pub words: u32,
}

/// Shared text, listed once with every place it occurs (see [`crate::group`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFinding {
    /// The text as it reads at the first occurrence that spans just the words the occurrences
    /// have in common (the shared text without what another copy inserted in it); where every
    /// copy is edited, at the first edited copy; where every copy is cut short, at the first.
    pub text: String,
    /// Words the occurrences have in common.
    pub words: u32,
    /// Distinct documents holding it.
    pub docs: usize,
    /// Inside quotation marks at every occurrence.
    pub quoted: bool,
    /// In more than `--max-df` documents (near-duplicates counted once): listed, makes no pairs.
    pub boilerplate: bool,
    /// Every occurrence, by document then position.
    pub occurrences: Vec<GroupOccurrenceAt>,
}

/// Counts for the summary.
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
    /// Overlap pairs reported.
    pub overlap_pairs: usize,
    /// Candidate pairs checked exactly.
    pub candidates: usize,
    /// Shared-text groups in more than `--max-df` documents, which made no pairs.
    pub boilerplate_groups: usize,
    /// Documents holding such boilerplate.
    pub boilerplate_docs: usize,
    /// Files skipped with a warning.
    pub skipped: usize,
    /// Files that could not be read.
    pub errors: usize,
    /// Wall time of the scan.
    pub elapsed: Duration,
    /// Wall time of each stage, in the order they ran (`dedup scan --timings`).
    pub stages: Vec<StageTime>,
}

/// How long one stage of a scan took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTime {
    /// The stage's name, as `--timings` prints it.
    pub stage: &'static str,
    /// Wall time.
    pub elapsed: Duration,
    /// 0 for a stage; 1 for a part of the stage above it; 2 for a part of a part. Parts that
    /// ran side by side may add up to more than their stage.
    pub depth: u8,
}

/// Everything a scan found.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// The documents read, indexed by [`DocId`].
    pub documents: Vec<DocumentInfo>,
    /// Reported pairs, ordered by `(a, b)`.
    pub pairs: Vec<PairFinding>,
    /// Shared text, ordered by first occurrence (ids are indices).
    pub groups: Vec<GroupFinding>,
    /// Shared quotes, ordered by first occurrence.
    pub quotes: Vec<QuoteFinding>,
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
            .any(|d| d.severity == Severity::Error)
    }

    /// True when anything was found (exit status 1); boilerplate alone is not a finding.
    pub fn has_findings(&self) -> bool {
        !self.pairs.is_empty()
            || !self.clusters.is_empty()
            || !self.quotes.is_empty()
            || self.groups.iter().any(|g| !g.boilerplate)
    }
}
