//! Scan: the whole pipeline over a set of paths, from files to findings.
//!
//! 1. Sketch every document in parallel ([`crate::sketch`]): signature, content hash, and for
//!    source overlap the winnowed fingerprints and quoted grams. The text is dropped.
//! 2. Group exact duplicates by content hash, so 10,000 copies cost linear time and become one
//!    cluster; only one representative of each group goes on.
//! 3. Candidates among the representatives: LSH buckets shared by two documents (near-duplicates),
//!    fingerprints shared by at most `--max-df` documents (passages), quoted grams shared by at most
//!    `--max-df` documents (quotes).
//! 4. Read the documents with candidates again and check every candidate exactly: Jaccard on the
//!    shingle sets, alignment for passages. Only what holds is reported.
//! 5. Quote groups from the shared quoted grams; clusters from exact groups and near-duplicate
//!    pairs (union-find).
//!
//! Everything is sorted by document id (= path order), so the output is byte-identical whatever
//! the thread count.

use crate::cluster::clusters;
use crate::corpus::{
    discover, read_batches, reload_many, Diagnostic, DocumentSource, Severity, SourceFile,
    WalkOptions,
};
use crate::error::Error;
use crate::findings::*;
use crate::fingerprint::{overlap_candidates, WinnowParams};
use crate::lsh::{LshIndex, LshParams};
use crate::minhash::MinHasher;
use crate::passage::{align, AlignInput, PassageParams};
use crate::progress::{on_exhausted, NoProgress, Progress};
use crate::quote::{quote_groups, QuoteGram, QuotedDoc};
use crate::sketch::{sketch, Analysis, SketchParams};
use crate::verify::SetOverlap;
use crate::DocId;
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

pub use crate::findings::{PairFinding, PairKind, ScanReport};

/// The seed of the MinHash permutations unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 0x05EE_DDED_u64;

/// The default `--min-words`: shortest shared passage reported (quoted text counts from 3).
pub const DEFAULT_MIN_WORDS: usize = 8;

/// The default `--max-df`: a fingerprint in more documents than this is boilerplate. A fixed
/// number, not a fraction of the corpus, so the pairs one fingerprint can create stay bounded and
/// the scan stays linear however large the corpus grows.
pub const DEFAULT_MAX_DF: usize = 50;

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
    /// Look for shared passages and quotes, not only near-duplicates.
    pub overlap: bool,
    /// Shortest passage reported, in words.
    pub min_words: usize,
    /// Fingerprints in more documents than this make no candidates.
    pub max_df: usize,
    /// Which files to read.
    pub walk: WalkOptions,
}

impl ScanConfig {
    /// The defaults (5-word shingles, 128 permutations, passages of 8 words) at a given
    /// threshold, with bands and rows derived from it.
    pub fn new(threshold: f64) -> Self {
        let perms = 128;
        ScanConfig {
            threshold,
            ngram: 5,
            perms,
            seed: DEFAULT_SEED,
            lsh: LshParams::for_threshold(threshold, perms),
            overlap: true,
            min_words: DEFAULT_MIN_WORDS,
            max_df: DEFAULT_MAX_DF,
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
        if self.lsh.bands == 0 || self.lsh.rows == 0 || self.lsh.bands * self.lsh.rows > self.perms
        {
            return bad(format!(
                "{} bands x {} rows do not fit in --perms {}",
                self.lsh.bands, self.lsh.rows, self.perms
            ));
        }
        if self.min_words < 3 || self.min_words > 10_000 {
            return bad(format!(
                "--min-words {} must be between 3 and 10000",
                self.min_words
            ));
        }
        if self.max_df < 2 {
            return bad(format!("--max-df {} must be at least 2", self.max_df));
        }
        if self.walk.max_bytes == 0 || self.walk.max_bytes >= u32::MAX as u64 {
            return bad(format!(
                "--max-bytes {} must be between 1 and 4 GiB",
                self.walk.max_bytes
            ));
        }
        Ok(())
    }

    /// What the sketch pass computes.
    pub fn sketch_params(&self) -> SketchParams {
        SketchParams {
            ngram: self.ngram,
            hasher: MinHasher::new(self.perms, self.seed),
            winnow: self.winnow(),
        }
    }

    fn winnow(&self) -> Option<WinnowParams> {
        self.overlap
            .then(|| WinnowParams::for_min_words(self.min_words))
    }
}

/// Runs the whole pipeline over `roots`.
pub fn scan(roots: &[PathBuf], config: &ScanConfig) -> Result<ScanReport, Error> {
    scan_with_progress(roots, config, &NoProgress)
}

/// Runs the whole pipeline over `roots`, telling `progress` how far it has got.
pub fn scan_with_progress(
    roots: &[PathBuf],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> Result<ScanReport, Error> {
    config.validate()?;
    let started = Instant::now();
    let (files, mut diagnostics) = discover(roots, &config.walk);
    progress.files_found(files.len() as u64);
    let (documents, overlap_sketches, read_problems) = sketch_all(&files, config, progress);
    diagnostics.extend(read_problems);

    let groups = exact_groups(&documents);
    let representatives: Vec<DocId> = groups.iter().map(|g| g[0]).collect();
    let candidates = Candidates::find(&documents, &overlap_sketches, &representatives, config);
    let (analyses, load_problems) = analyse(&documents, &candidates.documents(), config, progress);
    diagnostics.extend(load_problems);
    drop(overlap_sketches);

    progress.verifying(candidates.pairs.len() as u64);
    let checked = check_pairs(&documents, &analyses, &candidates, config, progress);
    let quotes = find_quotes(&candidates.quote_grams, &analyses);
    diagnostics.sort();

    let words: Vec<u32> = documents.iter().map(|d| d.words).collect();
    let exact_edges = groups
        .iter()
        .flat_map(|g| g[1..].iter().map(move |&d| (g[0], d)));
    let near_edges = checked
        .iter()
        .filter(|p| p.kind == PairKind::NearDuplicate)
        .map(|p| (p.a, p.b));
    let clusters = clusters(documents.len(), exact_edges.chain(near_edges), &words);
    let quotes = across_clusters(quotes, &clusters, documents.len());

    let mut pairs = exact_pairs(&groups);
    pairs.extend(checked);
    pairs.sort_by_key(|p| (p.a, p.b));

    let count = |kind| pairs.iter().filter(|p| p.kind == kind).count();
    let summary = Summary {
        docs: documents.len(),
        bytes: documents.iter().map(|d| d.bytes).sum(),
        empty: documents.iter().filter(|d| d.is_empty()).count(),
        exact_duplicates: groups.iter().map(|g| g.len() - 1).sum(),
        near_duplicate_pairs: count(PairKind::NearDuplicate),
        overlap_pairs: count(PairKind::Overlap),
        candidates: candidates.pairs.len(),
        boilerplate_fingerprints: candidates.boilerplate.len(),
        boilerplate_docs: candidates.boilerplate_docs,
        skipped: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        elapsed: started.elapsed(),
    };
    Ok(ScanReport {
        documents,
        pairs,
        quotes,
        clusters,
        diagnostics,
        summary,
        threshold: config.threshold,
    })
}

/// The part of a sketch only source overlap needs; dropped once candidates are known.
pub(crate) struct OverlapSketch {
    /// Distinct winnowed fingerprint hashes, sorted (what an index stores).
    pub(crate) fingerprints: Vec<u64>,
    /// The fingerprints with their contexts (what the scan's inverted index uses).
    pub(crate) anchored: Vec<crate::fingerprint::Anchored>,
    /// Quoted 3-word grams.
    pub(crate) quote_grams: Vec<QuoteGram>,
}

/// Reads and sketches every document of `files` in parallel. Files are read in parallel, and so
/// are the batches of one large JSON Lines file; collecting keeps file and line order, so document
/// ids do not depend on the thread count.
pub(crate) fn sketch_all(
    files: &[SourceFile],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> (Vec<DocumentInfo>, Vec<OverlapSketch>, Vec<Diagnostic>) {
    let params = config.sketch_params();
    let results: Vec<Result<(DocumentInfo, OverlapSketch), Diagnostic>> = files
        .par_iter()
        .flat_map_iter(|file| {
            on_exhausted(read_batches(file, &config.walk), || progress.file_read())
        })
        .flat_map(|batch| batch.into_par_iter())
        .map(|pending| {
            let (source, bytes) = pending.load(&config.walk)?;
            let sketch = sketch(&bytes, &params);
            progress.document_signed();
            let info = DocumentInfo {
                source,
                bytes: bytes.len() as u64,
                words: sketch.words,
                content_hash: sketch.content_hash,
                signature: sketch.signature,
            };
            Ok((
                info,
                OverlapSketch {
                    fingerprints: sketch.fingerprints,
                    anchored: sketch.anchored,
                    quote_grams: sketch.quote_grams,
                },
            ))
        })
        .collect();
    let mut documents = Vec::with_capacity(results.len());
    let mut overlap = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok((doc, sketch)) => {
                documents.push(doc);
                overlap.push(sketch);
            }
            Err(problem) => problems.push(problem),
        }
    }
    (documents, overlap, problems)
}

/// Groups non-empty documents by content hash; each group is ascending, groups are ordered by
/// their first member. Singletons are groups too.
pub(crate) fn exact_groups(documents: &[DocumentInfo]) -> Vec<Vec<DocId>> {
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
                passages: Vec::new(),
            })
        })
        .collect()
}

/// Candidate pairs from every source, and what is needed to check them.
struct Candidates {
    /// `(a, b, shares_text)` with `a < b`, sorted, without repeats. `shares_text` says that a
    /// fingerprint or quoted gram, not only an LSH bucket, brought the pair: only such pairs are
    /// aligned unless they turn out to be near-duplicates.
    pairs: Vec<(DocId, DocId, bool)>,
    /// Every quoted gram of the representatives.
    quote_grams: Vec<(QuoteGram, DocId)>,
    /// Documents holding a quoted gram that another document also quotes.
    quoting_docs: Vec<DocId>,
    boilerplate: Vec<u64>,
    boilerplate_docs: usize,
}

impl Candidates {
    fn find(
        documents: &[DocumentInfo],
        sketches: &[OverlapSketch],
        representatives: &[DocId],
        config: &ScanConfig,
    ) -> Self {
        let near = lsh_pairs(documents, representatives, config.lsh);
        let mut pairs: Vec<(DocId, DocId, bool)> =
            near.into_iter().map(|(a, b)| (a, b, false)).collect();
        let mut found = Candidates {
            pairs: Vec::new(),
            quote_grams: Vec::new(),
            quoting_docs: Vec::new(),
            boilerplate: Vec::new(),
            boilerplate_docs: 0,
        };
        if config.overlap {
            let fingerprinted: Vec<(DocId, Vec<crate::fingerprint::Anchored>)> = representatives
                .iter()
                .map(|&d| (d, sketches[d.index()].anchored.clone()))
                .collect();
            let winnow = WinnowParams::for_min_words(config.min_words);
            let overlap = overlap_candidates(&fingerprinted, winnow, config.max_df);
            pairs.extend(overlap.pairs.into_iter().map(|(a, b)| (a, b, true)));
            found.boilerplate = overlap.boilerplate;
            found.boilerplate_docs = overlap.boilerplate_docs;

            found.quote_grams = representatives
                .iter()
                .flat_map(|&d| sketches[d.index()].quote_grams.iter().map(move |&g| (g, d)))
                .collect();
            let (quote_pairs, quoting_docs) = shared_quote_pairs(&found.quote_grams, config.max_df);
            pairs.extend(quote_pairs.into_iter().map(|(a, b)| (a, b, true)));
            found.quoting_docs = quoting_docs;
        }
        // Sorting puts (a, b, false) before (a, b, true); keep the text flag when both exist.
        pairs.par_sort_unstable();
        pairs.dedup_by(|later, earlier| {
            let same = (later.0, later.1) == (earlier.0, earlier.1);
            if same {
                earlier.2 |= later.2;
            }
            same
        });
        found.pairs = pairs;
        found
    }

    /// Every document that must be read again.
    fn documents(&self) -> Vec<DocId> {
        let mut docs: Vec<DocId> = self
            .pairs
            .iter()
            .flat_map(|&(a, b, _)| [a, b])
            .chain(self.quoting_docs.iter().copied())
            .collect();
        docs.par_sort_unstable();
        docs.dedup();
        docs
    }
}

/// Pairs of representatives that share an LSH bucket.
fn lsh_pairs(
    documents: &[DocumentInfo],
    representatives: &[DocId],
    params: LshParams,
) -> Vec<(DocId, DocId)> {
    let keyed: Vec<(DocId, Vec<u64>)> = representatives
        .par_iter()
        .map(|&d| (d, params.band_keys(&documents[d.index()].signature)))
        .collect();
    let index = LshIndex::build(params, &keyed, false);
    let with_candidates = index.documents_with_candidates();
    let keys_of = |doc: DocId| {
        &keyed[keyed
            .binary_search_by_key(&doc, |(d, _)| *d)
            .expect("a representative")]
        .1
    };
    with_candidates
        .par_iter()
        .flat_map_iter(|&a| {
            index
                .query(keys_of(a))
                .into_iter()
                .filter(move |&b| b > a)
                .map(move |b| (a, b))
        })
        .collect()
}

/// Pairs of documents quoting the same 3-word gram where one of them opens a quote with it (a
/// shared quote is quoted whole somewhere, so it starts a quote there), for grams in at most
/// `max_df` documents; and every document in such a gram.
fn shared_quote_pairs(
    grams: &[(QuoteGram, DocId)],
    max_df: usize,
) -> (Vec<(DocId, DocId)>, Vec<DocId>) {
    let mut by_hash: Vec<(u64, DocId, bool)> =
        grams.iter().map(|(g, d)| (g.hash, *d, g.opens)).collect();
    by_hash.par_sort_unstable();
    by_hash.dedup();
    let mut pairs = Vec::new();
    let mut docs = Vec::new();
    for run in by_hash.chunk_by(|x, y| x.0 == y.0) {
        let openers: Vec<DocId> = run.iter().filter(|g| g.2).map(|g| g.1).collect();
        let mut all: Vec<DocId> = run.iter().map(|g| g.1).collect();
        all.dedup();
        if openers.is_empty() || all.len() < 2 {
            continue;
        }
        docs.extend(&all);
        if all.len() <= max_df {
            for &a in &openers {
                pairs.extend(
                    all.iter()
                        .filter(|&&b| b != a)
                        .map(|&b| (a.min(b), a.max(b))),
                );
            }
        }
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    docs.sort_unstable();
    docs.dedup();
    (pairs, docs)
}

/// Reads documents again and analyses them, sorted by id. A document whose normalised text changed
/// since the first pass is an error, never a silently wrong answer.
pub(crate) fn analyse(
    documents: &[DocumentInfo],
    wanted: &[DocId],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> (Vec<(DocId, Analysis)>, Vec<Diagnostic>) {
    progress.reloading(wanted.len() as u64);
    let sources: Vec<&DocumentSource> = wanted
        .iter()
        .map(|d| &documents[d.index()].source)
        .collect();
    let loaded = reload_many(&sources, &config.walk);
    let results: Vec<Result<(DocId, Analysis), Diagnostic>> = wanted
        .par_iter()
        .zip(loaded)
        .map(|(&doc, bytes)| {
            let info = &documents[doc.index()];
            let analysis = Analysis::new(bytes?, config.ngram, config.winnow());
            progress.document_reloaded();
            if crate::sketch::content_hash(&analysis.words) != info.content_hash {
                return Err(Diagnostic::error(
                    info.source.location(),
                    "file changed during the scan",
                ));
            }
            Ok((doc, analysis))
        })
        .collect();
    let mut analyses = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(found) => analyses.push(found),
            Err(problem) => problems.push(problem),
        }
    }
    (analyses, problems)
}

pub(crate) fn analysis_of(analyses: &[(DocId, Analysis)], doc: DocId) -> Option<&Analysis> {
    analyses
        .binary_search_by_key(&doc, |(d, _)| *d)
        .ok()
        .map(|i| &analyses[i].1)
}

/// Checks every candidate pair exactly and returns those that hold.
fn check_pairs(
    documents: &[DocumentInfo],
    analyses: &[(DocId, Analysis)],
    candidates: &Candidates,
    config: &ScanConfig,
    progress: &dyn Progress,
) -> Vec<PairFinding> {
    let boilerplate: HashSet<u64> = candidates.boilerplate.iter().copied().collect();
    candidates
        .pairs
        .par_iter()
        .inspect(|_| progress.pair_verified())
        .filter_map(|&(a, b, shares_text)| {
            let (da, db) = (analysis_of(analyses, a)?, analysis_of(analyses, b)?);
            let estimate = documents[a.index()]
                .signature
                .estimate(&documents[b.index()].signature);
            verify_pair(
                (a, da),
                (b, db),
                estimate,
                shares_text,
                config,
                &boilerplate,
            )
        })
        .collect()
}

/// Checks one candidate pair exactly: the finding when it is a near-duplicate or shares a
/// passage that is not boilerplate (judged by the fingerprints of `a`). `shares_text` says that a
/// fingerprint or a quoted gram, not only an LSH bucket, made the pair a candidate.
pub(crate) fn verify_pair(
    (a, da): (DocId, &Analysis),
    (b, db): (DocId, &Analysis),
    estimate: f64,
    shares_text: bool,
    config: &ScanConfig,
    boilerplate: &HashSet<u64>,
) -> Option<PairFinding> {
    let overlap = SetOverlap::of(&da.shingles, &db.shingles);
    let near = overlap.reaches(config.threshold);
    // A pair that only an LSH bucket brought, below the threshold, shares no fingerprint but
    // boilerplate, so it has no passage to report: aligning it anyway made a corpus whose
    // documents all share one long block cost an alignment for each of its (quadratic) LSH pairs.
    let passages = if config.overlap && (near || shares_text) {
        passages(da, db, config, boilerplate)
    } else {
        Vec::new()
    };
    if !near && passages.is_empty() {
        return None;
    }
    Some(PairFinding {
        a,
        b,
        kind: if near {
            PairKind::NearDuplicate
        } else {
            PairKind::Overlap
        },
        jaccard: overlap.jaccard(),
        estimate,
        containment_a: overlap.containment_a(),
        containment_b: overlap.containment_b(),
        passages,
    })
}

/// The passages of two analysed documents, without those that are mostly boilerplate.
fn passages(
    a: &Analysis,
    b: &Analysis,
    config: &ScanConfig,
    boilerplate: &HashSet<u64>,
) -> Vec<Passage> {
    let aligned = align(
        AlignInput {
            words: &a.words,
            quoted: &a.quoted,
        },
        AlignInput {
            words: &b.words,
            quoted: &b.quoted,
        },
        PassageParams::new(config.min_words),
    );
    let k = WinnowParams::for_min_words(config.min_words).k;
    aligned
        .into_iter()
        .filter(|p| {
            boilerplate.is_empty() || !is_boilerplate(a, &p.a, k, config.min_words, boilerplate)
        })
        .map(|p| {
            let (sa, ea) = a.byte_span(&p.a);
            let (sb, eb) = b.byte_span(&p.b);
            Passage {
                a: Location {
                    start: sa,
                    end: ea,
                    line: a.line_of(sa),
                },
                b: Location {
                    start: sb,
                    end: eb,
                    line: b.line_of(sb),
                },
                words: p.matched,
                quoted: p.quoted,
                text: String::from_utf8_lossy(&a.bytes[sa as usize..ea as usize]).into_owned(),
            }
        })
        .collect()
}

/// True when, without the words covered by boilerplate fingerprints (k-grams found in more than
/// `--max-df` documents), fewer than `min_words` words of the passage remain. Winnowing selects
/// the first few k-grams of a boilerplate block depending on the text before it, so the edges of
/// a shared footer are not always boilerplate fingerprints; counting covered words, rather than
/// asking that every fingerprint be boilerplate, makes the rule robust to that.
fn is_boilerplate(
    doc: &Analysis,
    words: &std::ops::Range<u32>,
    k: usize,
    min_words: usize,
    boilerplate: &HashSet<u64>,
) -> bool {
    let (start, end) = (words.start as usize, words.end as usize);
    let mut covered = bitvec::bitvec![0; end - start];
    for f in doc
        .fingerprints
        .iter()
        .filter(|f| boilerplate.contains(&f.hash))
    {
        let (from, to) = ((f.pos as usize).max(start), (f.pos as usize + k).min(end));
        if from < to {
            covered[from - start..to - start].fill(true);
        }
    }
    covered.count_zeros() < min_words
}

/// Keeps the quote groups found in at least two different documents once near-duplicates are
/// counted as one: the quotes two copies of the same article share are no news.
fn across_clusters(
    quotes: Vec<QuoteFinding>,
    clusters: &[crate::cluster::Cluster],
    docs: usize,
) -> Vec<QuoteFinding> {
    let mut cluster_of: Vec<u32> = (0..docs as u32).collect();
    for cluster in clusters {
        for member in &cluster.members {
            cluster_of[member.index()] = cluster.members[0].0;
        }
    }
    quotes
        .into_iter()
        .filter(|q| {
            let first = cluster_of[q.occurrences[0].doc.index()];
            q.occurrences
                .iter()
                .any(|o| cluster_of[o.doc.index()] != first)
        })
        .collect()
}

/// Quote groups, located in the original bytes.
fn find_quotes(grams: &[(QuoteGram, DocId)], analyses: &[(DocId, Analysis)]) -> Vec<QuoteFinding> {
    let groups = quote_groups(grams, |doc| {
        analysis_of(analyses, doc).map(|a| QuotedDoc {
            words: &a.words,
            region_ids: &a.quote_ids,
        })
    });
    groups
        .into_iter()
        .filter_map(|group| {
            let occurrences: Vec<QuoteOccurrence> = group
                .occurrences
                .iter()
                .map(|o| {
                    let doc = analysis_of(analyses, o.doc)?;
                    let (start, end) = doc.byte_span(&o.words());
                    Some(QuoteOccurrence {
                        doc: o.doc,
                        at: Location {
                            start,
                            end,
                            line: doc.line_of(start),
                        },
                    })
                })
                .collect::<Option<_>>()?;
            let first = &occurrences[0];
            let bytes = &analysis_of(analyses, first.doc)?.bytes;
            Some(QuoteFinding {
                text: String::from_utf8_lossy(
                    &bytes[first.at.start as usize..first.at.end as usize],
                )
                .into_owned(),
                words: group.words,
                occurrences,
            })
        })
        .collect()
}
