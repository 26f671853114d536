//! Check: new documents against an [`Index`] and against each other, the pre-ingest filter for CI.
//!
//! For every new document the check reports
//! - **exact duplicates**: an indexed document with the same normalised text (the first one in
//!   index order; a new document that is already in the corpus word for word is reported as that
//!   and not compared further with the index);
//! - **near-duplicates**: indexed documents whose exact Jaccard similarity of shingles, computed
//!   from the text stored in the index, reaches the threshold;
//! - **overlaps**: indexed documents sharing a passage of at least `--min-words` words, with the
//!   passage's place in both documents;
//!
//! and the same among the new documents themselves (exact copies among them are grouped as in a
//! scan: later copies are reported against the first).
//!
//! Candidates come from the index's signatures (LSH band keys, recomputed for the check's
//! threshold) and fingerprints, by inverting the query: the new documents' band keys and
//! fingerprints go into hash maps, and one pass over the index looks every indexed document up
//! in them. The cost is linear in the index and needs no inverted index on disk (about 0.1 s for
//! 21 million stored fingerprints on 2 cores). An index keeps 32 bits of each fingerprint, so an
//! indexed document that shares a stored fingerprint with a new one is first confirmed from its
//! stored text ([`crate::index::fingerprints_of`]): that drops the pairs that share 32 bits by
//! chance, about 1,300 when 1,000 new documents meet 100,000 indexed ones. Every candidate
//! is then verified exactly, so precision is 1.0 as in a scan. A fingerprint found in more than
//! `--max-df` documents (indexed and new together) is boilerplate and makes no candidates.
//!
//! Quoted passages shorter than `--min-words` are reported only for pairs that are candidates for
//! another reason: the index stores no quote grams.

use crate::corpus::{discover, Diagnostic, Severity, WalkOptions};
use crate::error::Error;
use crate::findings::{DocumentInfo, PairFinding, PairKind, Passage};
use crate::index::{
    band_keys, estimate_stored, fingerprints_of, stored_fingerprint, stored_signature, Index,
};
use crate::lsh::LshParams;
use crate::pairs::{analyse, analysis_of, verify_pair, PassageFilter};
use crate::quote::CommonWords;
use crate::scan::{exact_groups, sketch_all, ScanConfig};
use crate::sketch::{content_hash, Analysis};
use crate::tokenize::tokenize;
use crate::DocId;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
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
    /// Findings ordered by new document, then indexed documents in index order, then new ones.
    pub findings: Vec<CheckFinding>,
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
        self.findings
            .iter()
            .filter(|f| !f.known && fail_on.contains(&f.kind))
            .count()
    }

    /// The stable keys of a finding (one per passage for overlaps).
    pub fn keys(&self, finding: &CheckFinding) -> Vec<BaselineKey> {
        let key = |passage| BaselineKey {
            path: self.path(finding.doc),
            other: self.other_name(&finding.other),
            kind: finding.kind.as_str().to_string(),
            passage,
        };
        match finding.kind {
            PairKind::Overlap => finding
                .passages
                .iter()
                .map(|p| key(Some(passage_hash(&p.text))))
                .collect(),
            _ => vec![key(None)],
        }
    }

    /// Marks the findings the baseline holds as known.
    pub fn apply_baseline(&mut self, baseline: &Baseline) {
        let known: Vec<bool> = self
            .findings
            .iter()
            .map(|f| self.keys(f).iter().all(|k| baseline.keys.contains(k)))
            .collect();
        for (finding, known) in self.findings.iter_mut().zip(known) {
            finding.known = known;
        }
        self.summary.known = self.findings.iter().filter(|f| f.known).count();
    }

    /// A baseline holding every current finding.
    pub fn baseline(&self) -> Baseline {
        Baseline {
            keys: self.findings.iter().flat_map(|f| self.keys(f)).collect(),
        }
    }
}

/// The stable identity of a finding in a baseline: new document path, the other document's name,
/// the kind, and for overlaps the hash of the passage's normalised words (so re-wrapping or
/// re-casing the passage keeps it known, while a new passage between the same documents is new).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineKey {
    /// The new document's path, as given to the check.
    pub path: String,
    /// The indexed document's name (or the other new document's path).
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
            if !valid_kind || (key.kind == "overlap") != key.passage.is_some() {
                return Err(Error::Baseline {
                    path: path.to_path_buf(),
                    line: i + 1,
                    detail: "kind must be exact_duplicate, near_duplicate or overlap, and only \
                             overlaps have a passage"
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
    let stored: Vec<Vec<u16>> = documents
        .iter()
        .map(|d| stored_signature(d.signature.values()))
        .collect();
    let query = Query {
        index,
        stored: &stored,
        vs_index: &vs_index,
        representative: &representative,
        config: &config,
    };
    let mut candidates = query.lsh_candidates();
    let fingerprints: Vec<&[u64]> = sketches.iter().map(|s| s.fingerprints.as_slice()).collect();
    let overlap = query.fingerprint_candidates(&fingerprints);
    let confirmed = confirm_hits(index, &fingerprints, overlap.indexed_hits, &candidates)?;
    candidates.extend(overlap.pairs);
    candidates.extend(confirmed);
    candidates.par_sort_unstable();
    candidates.dedup();

    let (new_analyses, indexed_analyses, load_problems) =
        analyse_candidates(index, &documents, &candidates, &config)?;
    diagnostics.extend(load_problems);
    let verified: Vec<CheckFinding> = candidates
        .par_iter()
        .filter_map(|&(doc, other)| {
            let da = analysis_of(&new_analyses, doc)?;
            let (other_doc, db, other) = match other {
                Target::Indexed(j) => (
                    DocId(j as u32),
                    indexed_analysis(&indexed_analyses, j)?,
                    Other::Indexed {
                        doc: j,
                        name: index.docs()[j].name.clone(),
                    },
                ),
                Target::New(e) => (e, analysis_of(&new_analyses, e)?, Other::New(e)),
            };
            let estimate = match &other {
                Other::Indexed { doc: j, .. } => {
                    estimate_stored(&stored[doc.index()], index.signature_values(*j))
                }
                Other::New(e) => documents[doc.index()]
                    .signature
                    .estimate(&documents[e.index()].signature),
            };
            // Candidates here come from bands and fingerprints together; align them all (the
            // new documents are few, so a quadratic LSH fan-out cannot arise).
            let pair = verify_pair(
                (doc, da),
                (other_doc, db),
                estimate,
                true,
                &config,
                &PassageFilter {
                    boilerplate: (!overlap.boilerplate.is_empty())
                        .then_some(&|h| overlap.boilerplate.contains(&h)),
                    // The index stores no quotes, so there is no corpus-wide count of them.
                    common_words: &CommonWords::default(),
                },
            )?;
            Some(finding(pair, other))
        })
        .collect();
    findings.extend(verified);
    findings.sort_by(|x, y| (x.doc, &x.other).cmp(&(y.doc, &y.other)));
    diagnostics.sort();

    let count = |kind| findings.iter().filter(|f| f.kind == kind).count();
    let summary = CheckSummary {
        docs: documents.len(),
        bytes: documents.iter().map(|d| d.bytes).sum(),
        indexed: index.len(),
        exact: count(PairKind::ExactDuplicate),
        near: count(PairKind::NearDuplicate),
        overlap: count(PairKind::Overlap),
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
        diagnostics,
        summary,
        threshold: config.threshold,
    })
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Indexed(usize),
    New(DocId),
}

/// Fingerprint candidates and what was boilerplate.
struct OverlapQuery {
    /// Pairs of new documents.
    pairs: Vec<(DocId, Target)>,
    /// A new document, an indexed one, and the stored fingerprint they share.
    indexed_hits: Vec<(DocId, usize, u32)>,
    /// Full 64-bit fingerprints of the new documents whose stored form is boilerplate.
    boilerplate: HashSet<u64>,
    boilerplate_count: usize,
}

/// The new documents' side of a check.
struct Query<'a> {
    index: &'a Index,
    /// The new documents' signatures as the index stores signatures.
    stored: &'a [Vec<u16>],
    /// May be compared with the index (not empty, not an exact copy of an indexed document).
    vs_index: &'a [bool],
    /// First of its exact-copy group among the new documents.
    representative: &'a [bool],
    config: &'a ScanConfig,
}

impl Query<'_> {
    /// Pairs sharing an LSH bucket: band keys of the new documents (from their stored form, as
    /// the index's) in a hash map, every indexed signature's band keys looked up in it.
    fn lsh_candidates(&self) -> Vec<(DocId, Target)> {
        let lsh = self.config.lsh;
        let mut buckets: PrehashedMap<(usize, u64), Vec<DocId>> = PrehashedMap::default();
        let mut keys = Vec::with_capacity(lsh.bands);
        for (d, stored) in self.stored.iter().enumerate() {
            if self.vs_index[d] || self.representative[d] {
                band_keys(lsh, stored, &mut keys);
                for (band, &key) in keys.iter().enumerate() {
                    buckets
                        .entry((band, key))
                        .or_default()
                        .push(DocId(d as u32));
                }
            }
        }
        let perms = self.index.params().perms;
        let mut pairs: Vec<(DocId, Target)> = self
            .index
            .all_signature_values()
            .par_chunks(perms)
            .enumerate()
            .filter(|&(j, _)| self.index.docs()[j].words > 0)
            .map_init(Vec::new, |keys, (j, values)| {
                band_keys(lsh, values, keys);
                let mut found = Vec::new();
                for (band, &key) in keys.iter().enumerate() {
                    if let Some(docs) = buckets.get(&(band, key)) {
                        found.extend(
                            docs.iter()
                                .filter(|d| self.vs_index[d.index()])
                                .map(|&d| (d, Target::Indexed(j))),
                        );
                    }
                }
                found
            })
            .flatten_iter()
            .collect();
        for docs in buckets.values() {
            self.new_pairs(docs, &mut pairs);
        }
        pairs
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
    fn fingerprint_candidates(&self, fingerprints: &[&[u64]]) -> OverlapQuery {
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
        // One pass over all stored fingerprints as one array, in large chunks: the hits are
        // few, and only they are mapped back to their documents.
        const CHUNK: usize = 1 << 16;
        let index = self.index;
        let mut hits: Vec<(u32, usize)> = index
            .all_fingerprints()
            .par_chunks(CHUNK)
            .enumerate()
            .flat_map_iter(|(c, chunk)| {
                chunk
                    .iter()
                    .enumerate()
                    .filter(|&(_, &f)| filter.may_contain(f) && wanted.contains_key(&f))
                    .map(|(i, &f)| (f, c * CHUNK + i))
                    .collect::<Vec<_>>()
            })
            .map(|(f, at)| (f, index.fingerprint_owner(at)))
            .collect();
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
            if indexed.len() + docs.len() > self.config.max_df {
                boilerplate32.insert(f);
                continue;
            }
            for &d in docs.iter().filter(|d| self.vs_index[d.index()]) {
                indexed_hits.extend(indexed.iter().map(|&(f, j)| (d, j, f)));
            }
            self.new_pairs(docs, &mut pairs);
        }
        let boilerplate = fingerprints
            .iter()
            .flat_map(|hashes| hashes.iter().copied())
            .filter(|&h| boilerplate32.contains(&stored_fingerprint(h)))
            .collect();
        OverlapQuery {
            pairs,
            indexed_hits,
            boilerplate,
            boilerplate_count: boilerplate32.len(),
        }
    }
}

/// The pairs of `hits` whose shared fingerprint is shared in full, not only in the 32 bits an
/// index keeps. About one pair of fingerprints in 2.9 billion shares 32 bits by chance (one in
/// 4.3 billion for uniform bits; the kept top bits of window minima lean towards 0, 1.49 times
/// as many chance matches over 2,000 documents of the 100k synth corpus), but a check meets many: 1,000 new
/// documents against 100,000 indexed ones (21 million stored fingerprints) make over a thousand
/// such pairs, more than the true ones. Each would cost a full analysis of both
/// documents; this recomputes the 64-bit fingerprints of the indexed document alone, from its
/// stored text, as the sketch that stored them did (the index's hash probe guarantees the same
/// hashes), and keeps a pair only when the new document has a fingerprint with the same 64 bits.
/// Pairs that are LSH candidates in `known` are verified anyway and are not looked at.
fn confirm_hits(
    index: &Index,
    fingerprints: &[&[u64]],
    mut hits: Vec<(DocId, usize, u32)>,
    known: &[(DocId, Target)],
) -> Result<Vec<(DocId, Target)>, Error> {
    let known: HashSet<(DocId, usize)> = known
        .iter()
        .filter_map(|&(d, t)| match t {
            Target::Indexed(j) => Some((d, j)),
            Target::New(_) => None,
        })
        .collect();
    hits.retain(|&(d, j, _)| !known.contains(&(d, j)));
    hits.par_sort_unstable_by_key(|&(d, j, f)| (j, d, f));
    let winnow = index.params().winnow();
    let groups: Vec<&[(DocId, usize, u32)]> = hits.chunk_by(|x, y| x.1 == y.1).collect();
    let confirmed: Vec<Vec<(DocId, Target)>> = groups
        .par_iter()
        .map(|group| {
            let j = group[0].1;
            let mut full = fingerprints_of(&index.text(j)?, winnow);
            full.sort_unstable();
            let mut pairs: Vec<(DocId, Target)> = group
                .iter()
                .filter(|&&(d, _, stored)| {
                    fingerprints[d.index()]
                        .iter()
                        .any(|&h| stored_fingerprint(h) == stored && full.binary_search(&h).is_ok())
                })
                .map(|&(d, _, _)| (d, Target::Indexed(j)))
                .collect();
            pairs.dedup();
            Ok(pairs)
        })
        .collect::<Result<_, Error>>()?;
    Ok(confirmed.into_iter().flatten().collect())
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

type Analyses = Vec<(DocId, Analysis)>;

/// The analyses of a check's candidates: new documents, indexed ones, and files that failed.
type CandidateAnalyses = (Analyses, Vec<(usize, Analysis)>, Vec<Diagnostic>);

/// Analyses every document a candidate needs: new ones read again from disk (a file changed
/// since it was sketched is an error), indexed ones from their stored text (a failure to read
/// the index file is an error of the whole check).
fn analyse_candidates(
    index: &Index,
    documents: &[DocumentInfo],
    candidates: &[(DocId, Target)],
    config: &ScanConfig,
) -> Result<CandidateAnalyses, Error> {
    let mut new_docs: Vec<DocId> = Vec::new();
    let mut indexed: Vec<usize> = Vec::new();
    for &(doc, other) in candidates {
        new_docs.push(doc);
        match other {
            Target::New(e) => new_docs.push(e),
            Target::Indexed(j) => indexed.push(j),
        }
    }
    new_docs.par_sort_unstable();
    new_docs.dedup();
    indexed.par_sort_unstable();
    indexed.dedup();
    let (new_analyses, problems) =
        analyse(documents, &new_docs, config, &crate::progress::NoProgress);
    let winnow = Some(index.params().winnow());
    let indexed_analyses = indexed
        .par_iter()
        .map(|&j| Ok((j, Analysis::new(index.text(j)?, config.ngram, winnow))))
        .collect::<Result<_, Error>>()?;
    Ok((new_analyses, indexed_analyses, problems))
}

fn indexed_analysis(analyses: &[(usize, Analysis)], j: usize) -> Option<&Analysis> {
    analyses
        .binary_search_by_key(&j, |(i, _)| *i)
        .ok()
        .map(|i| &analyses[i].1)
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
            other: "corpus/b.txt".into(),
            kind: kind.into(),
            passage: passage.map(String::from),
        };
        let baseline = Baseline {
            keys: [key("overlap", Some("ab")), key("near_duplicate", None)]
                .into_iter()
                .collect(),
        };
        std::fs::write(&path, baseline.to_jsonl()).unwrap();
        assert_eq!(Baseline::read(&path).unwrap(), baseline);

        std::fs::write(
            &path,
            "\n{\"path\":\"a\",\"other\":\"b\",\"kind\":\"overlap\"}\n",
        )
        .unwrap();
        let err = Baseline::read(&path).unwrap_err().to_string();
        assert!(err.ends_with(":2: not a baseline record (kind must be exact_duplicate, near_duplicate or overlap, and only overlaps have a passage)"), "{err}");
        std::fs::write(&path, "not json\n").unwrap();
        assert!(matches!(
            Baseline::read(&path),
            Err(Error::Baseline { line: 1, .. })
        ));
    }
}
