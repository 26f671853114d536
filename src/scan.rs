//! Scan: the whole pipeline over a set of paths, from files to findings.
//!
//! 1. Sketch every document in parallel ([`crate::sketch`]), 16,384 files per pass: signature,
//!    content hash, and for source overlap every word's 32-bit hash and the quoted words. The
//!    text is dropped.
//! 2. Group exact duplicates by content hash, so 10,000 copies cost linear time and become one
//!    cluster; only one representative of each group goes on.
//! 3. Near-duplicate candidates among the representatives: LSH buckets shared by two documents.
//! 4. Quote groups from the quoted words of the sketches.
//! 5. Check every candidate pair exactly, a chunk of documents at a time ([`crate::pairs`]):
//!    read the chunk's documents again, Jaccard on the shingle sets, alignment of a
//!    near-duplicate pair's passages, drop the analyses. Only what holds is reported.
//! 6. Clusters from exact groups and near-duplicate pairs (union-find).
//! 7. Shared text for the whole corpus at once ([`crate::group`], clusters as units), the overlap
//!    pairs it makes ([`crate::containment`]): the `shared_text` stage.
//! 8. Where it all is in the files ([`crate::locate`]), in one pass over the documents: the shared
//!    texts' occurrences, and the quote occurrences the pair check did not locate.
//!
//! Everything is sorted by document id (= path order), so the output is byte-identical whatever
//! the thread count.

use crate::cluster::clusters;
use crate::containment::DEFAULT_MIN_CONTAINMENT;
use crate::corpus::spool::Spools;
use crate::corpus::{
    discover, for_each_batch_read_ahead, is_large_stream, read_batches, Diagnostic, Pending,
    Severity, SourceFile, WalkOptions,
};
use crate::error::Error;
use crate::findings::*;
use crate::fingerprint::WinnowParams;
use crate::group::GroupParams;
use crate::locate::{locate_together, QuoteLocations};
use crate::lsh::{LshIndex, LshParams};
use crate::minhash::{MinHasher, Signature};
use crate::pairs::{check_pairs, CandidatePair, CHECK_CHUNK_DOCS};
use crate::passage::MAX_GAP_WORDS;
use crate::progress::{on_exhausted, NoProgress, Progress};
use crate::quote::{
    quote_groups, CommonWords, QuoteGroup, QuotedWords, SharedQuoteGrams, WordInformation,
};
use crate::shared_text::{self, SharedText};
use crate::sketch::{sketch, FingerprintUse, SketchParams};
use crate::DocId;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use crate::findings::{PairFinding, PairKind, ScanReport};

/// The seed of the MinHash permutations unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 0x05EE_DDED_u64;

/// The default `--min-words`: shortest shared passage reported (quoted text counts from 3).
pub const DEFAULT_MIN_WORDS: usize = 8;

/// The default `--max-df`: shared text in more documents than this is boilerplate (listed, but
/// making no pairs). A fixed number, not a fraction of the corpus, so the pairs one shared text
/// can create stay bounded and the scan stays linear however large the corpus grows.
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
    /// Shared text in more documents than this is boilerplate: listed, but makes no pairs.
    pub max_df: usize,
    /// Overlap pairs need shared text covering this share of either document (0: every pair).
    pub min_containment: f64,
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
            min_containment: DEFAULT_MIN_CONTAINMENT,
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
        if !(0.0..=1.0).contains(&self.min_containment) {
            return bad(format!(
                "--min-containment {} must be between 0 and 1",
                self.min_containment
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
            fingerprints_for: FingerprintUse::Groups,
        }
    }

    /// How the group stage finds shared text.
    pub fn group_params(&self) -> GroupParams {
        GroupParams::for_min_words(
            self.min_words,
            MAX_GAP_WORDS.min(self.min_words),
            self.max_df,
        )
    }

    pub(crate) fn winnow(&self) -> Option<WinnowParams> {
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
    // Compressed JSON Lines files are copied, decoded, as they are first read, so that the
    // documents read again (candidates, occurrences) are found by seeking, not by decoding the
    // file again; the copies go when the scan ends.
    let config = &ScanConfig {
        walk: WalkOptions {
            spools: Spools::enabled(),
            ..config.walk.clone()
        },
        ..config.clone()
    };
    let started = Instant::now();
    let mut clock = Stopwatch::start();
    let (files, mut diagnostics) = discover(roots, &config.walk);
    progress.files_found(files.len() as u64);
    clock.lap("walk");
    let (documents, overlap_sketches, read_problems) =
        sketch_all(&files, config, FingerprintUse::Groups, progress);
    drop(files); // every document holds its own source from here on
    diagnostics.extend(read_problems);
    clock.lap("read and sketch");

    let groups = exact_groups(&documents);
    let representatives: Vec<DocId> = groups.iter().map(|g| g[0]).collect();
    clock.lap("exact duplicates");
    let candidates: Vec<CandidatePair> = lsh_pairs(&documents, &representatives, config.lsh)
        .into_iter()
        .map(|(a, b)| (a, b, false))
        .collect();
    clock.lap("LSH candidates");
    let quoted = if config.overlap {
        let quoted = find_quote_work(&overlap_sketches, &representatives, config);
        clock.lap("quotes");
        for &(stage, depth, elapsed) in &quoted.times {
            clock.part(stage, depth, elapsed);
        }
        quoted
    } else {
        Default::default()
    };
    let mut quote_locations = QuoteLocations::new(quoted.groups);

    let (checked, load_problems, check_times) = check_pairs(
        &documents,
        &candidates,
        &quoted.evidence.common,
        config,
        progress,
        CHECK_CHUNK_DOCS,
        &mut quote_locations,
    );
    diagnostics.extend(load_problems);
    clock.lap("check pairs");
    clock.part("read and analyse", 1, check_times.analyse);
    clock.part("verify and align", 1, check_times.verify);

    let words: Vec<u32> = documents.iter().map(|d| d.words).collect();
    let exact_edges = groups
        .iter()
        .flat_map(|g| g[1..].iter().map(move |&d| (g[0], d)));
    let near_edges = checked
        .iter()
        .filter(|p| p.kind == PairKind::NearDuplicate)
        .map(|p| (p.a, p.b));
    let clusters = clusters(documents.len(), exact_edges.chain(near_edges), &words);
    clock.lap("clusters");
    let shared = if config.overlap {
        let unit_of = crate::cluster::first_member_of(&clusters, documents.len());
        let (groups, times) =
            shared_text::groups(&overlap_sketches, &representatives, &unit_of, config);
        clock.lap("shared text groups");
        for (step, took) in times {
            clock.part(step, 1, took);
        }
        let shared =
            shared_text::with_pairs(groups, &documents, &overlap_sketches, &unit_of, config);
        clock.lap("overlap pairs");
        shared
    } else {
        SharedText::default()
    };
    drop(overlap_sketches);
    // The occurrences of shared texts and quotes, located in one pass over the documents.
    let quote_spans = quote_locations.spans_to_read(&documents, &clusters);
    let text_spans = shared.spans_to_locate(quote_spans.len());
    let ([text_found, quote_found], problems) =
        locate_together(&documents, text_spans, quote_spans, &config.walk);
    diagnostics.extend(problems);
    let quotes = quote_locations.finish(quote_found);
    let (text_groups, overlap_pairs) = shared.located(text_found);
    clock.lap("locate");
    // A document that could not be read again is reported once, whatever read it.
    diagnostics.sort();
    diagnostics.dedup();

    let mut pairs = exact_pairs(&groups);
    pairs.extend(checked);
    pairs.extend(overlap_pairs);
    pairs.sort_by_key(|p| (p.a, p.b));

    let count = |kind| pairs.iter().filter(|p| p.kind == kind).count();
    let boilerplate_docs = {
        let mut docs: Vec<DocId> = text_groups
            .iter()
            .filter(|g| g.boilerplate)
            .flat_map(|g| g.occurrences.iter().map(|o| o.doc))
            .collect();
        docs.sort_unstable();
        docs.dedup();
        docs.len()
    };
    let summary = Summary {
        docs: documents.len(),
        bytes: documents.iter().map(|d| d.bytes).sum(),
        empty: documents.iter().filter(|d| d.is_empty()).count(),
        exact_duplicates: groups.iter().map(|g| g.len() - 1).sum(),
        near_duplicate_pairs: count(PairKind::NearDuplicate),
        overlap_pairs: count(PairKind::Overlap),
        candidates: candidates.len(),
        boilerplate_groups: text_groups.iter().filter(|g| g.boilerplate).count(),
        boilerplate_docs,
        skipped: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        elapsed: started.elapsed(),
        stages: clock.stages,
    };
    Ok(ScanReport {
        documents,
        pairs,
        groups: text_groups,
        quotes,
        clusters,
        diagnostics,
        summary,
        threshold: config.threshold,
    })
}

/// Wall time per stage, for [`Summary::stages`].
struct Stopwatch {
    last: Instant,
    stages: Vec<StageTime>,
}

impl Stopwatch {
    fn start() -> Self {
        Stopwatch {
            last: Instant::now(),
            stages: Vec::new(),
        }
    }

    /// Ends the stage `stage` now; the next one starts.
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.stages.push(StageTime {
            stage,
            elapsed: now - self.last,
            depth: 0,
        });
        self.last = now;
    }

    /// Records a part (at `depth` 1; of a part at 2) of the stage just ended.
    fn part(&mut self, stage: &'static str, depth: u8, elapsed: Duration) {
        self.stages.push(StageTime {
            stage,
            elapsed,
            depth,
        });
    }
}

/// Runs `work` and says how long it took.
pub(crate) fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let result = work();
    (result, started.elapsed())
}

/// The part of a sketch only source overlap needs; dropped once the pairs are checked.
pub(crate) struct OverlapSketch {
    /// Distinct winnowed fingerprint hashes, sorted (what an index stores).
    pub(crate) fingerprints: Vec<u64>,
    /// Every word's 32-bit hash (what the scan's group stage reads).
    pub(crate) word_hashes: Vec<u32>,
    /// The quoted words.
    pub(crate) quoted: QuotedWords,
}

/// One document as the sketch pass leaves it.
type Sketched = (DocumentInfo, Option<Box<OverlapSketch>>);

/// Reads and sketches every document of `files` in parallel. Files are read in parallel, and so
/// are the batches of one large JSON Lines file; collecting keeps file and line order, so document
/// ids do not depend on the thread count. The overlap sketches, one per document, are only made
/// when overlap is on (else the vector is empty): boxed, so that the near-duplicate scan's
/// per-document results stay small while they are collected.
pub(crate) fn sketch_all(
    files: &[SourceFile],
    config: &ScanConfig,
    fingerprints_for: FingerprintUse,
    progress: &dyn Progress,
) -> (Vec<DocumentInfo>, Vec<OverlapSketch>, Vec<Diagnostic>) {
    let params = SketchParams {
        fingerprints_for,
        ..config.sketch_params()
    };
    let mut documents = Vec::with_capacity(files.len());
    let mut overlap = Vec::new();
    let mut problems = Vec::new();
    // A chunk of files at a time: the results of a parallel pass are collected through growing
    // vectors, up to three times their size at once; per chunk, that stays a few megabytes
    // whatever the corpus size (it was 0.4 KB per document).
    for chunk in files.chunks(SKETCH_CHUNK_FILES) {
        for result in sketch_files(chunk, config, &params, progress) {
            match result {
                Ok((doc, sketch)) => {
                    documents.push(doc);
                    overlap.extend(sketch.map(|s| *s));
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    (documents, overlap, problems)
}

/// Files sketched per parallel pass (see [`sketch_all`]).
const SKETCH_CHUNK_FILES: usize = 16_384;

/// Reads and sketches the documents of `files` in parallel, in file and line order: files in
/// parallel, and a large JSON Lines file batch after batch, each batch in parallel while the
/// next is read.
fn sketch_files(
    files: &[SourceFile],
    config: &ScanConfig,
    params: &SketchParams,
    progress: &dyn Progress,
) -> Vec<Result<Sketched, Diagnostic>> {
    let mut sketched = Vec::with_capacity(files.len());
    let streamed = |file: &SourceFile| is_large_stream(file, &config.walk);
    for run in files.chunk_by(|a, b| streamed(a) == streamed(b)) {
        if !streamed(&run[0]) {
            sketched.par_extend(
                run.par_iter()
                    .flat_map_iter(|file| {
                        on_exhausted(read_batches(file, &config.walk), || progress.file_read())
                    })
                    .flat_map(|batch| batch.into_par_iter())
                    .map(|pending| sketch_pending(pending, config, params, progress)),
            );
            continue;
        }
        for file in run {
            for_each_batch_read_ahead(file, &config.walk, |batch| {
                sketched.par_extend(
                    batch
                        .into_par_iter()
                        .map(|pending| sketch_pending(pending, config, params, progress)),
                );
            });
            progress.file_read();
        }
    }
    sketched
}

/// Decodes and sketches one document.
fn sketch_pending(
    pending: Pending,
    config: &ScanConfig,
    params: &SketchParams,
    progress: &dyn Progress,
) -> Result<Sketched, Diagnostic> {
    let (source, bytes) = pending.load(&config.walk)?;
    let sketch = sketch(&bytes, params);
    progress.document_signed();
    let info = DocumentInfo {
        source,
        bytes: bytes.len() as u64,
        words: sketch.words,
        content_hash: sketch.content_hash,
        signature: sketch.signature,
    };
    let overlap = params.winnow.is_some().then(|| {
        Box::new(OverlapSketch {
            fingerprints: sketch.fingerprints,
            word_hashes: sketch.word_hashes,
            quoted: sketch.quoted,
        })
    });
    Ok((info, overlap))
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

/// What the representatives' quotes give: the evidence (common words, shared grams), the quote
/// groups (not located yet), and how long each step took.
#[derive(Default)]
struct QuoteWork {
    evidence: QuoteEvidence,
    groups: Vec<QuoteGroup>,
    /// Each step's name, depth in the `--timings` table and wall time.
    times: Vec<(&'static str, u8, Duration)>,
}

fn find_quote_work(
    sketches: &[OverlapSketch],
    representatives: &[DocId],
    config: &ScanConfig,
) -> QuoteWork {
    let ((evidence, evidence_times), evidence_time) =
        timed(|| quote_evidence(sketches, representatives, config));
    let (groups, groups_time) = timed(|| find_quote_groups(sketches, &evidence));
    QuoteWork {
        evidence,
        groups,
        times: vec![
            ("quoted grams", 1, evidence_time),
            ("quoted word counts", 2, evidence_times[0]),
            ("shared quoted grams", 2, evidence_times[1]),
            ("quote groups", 1, groups_time),
        ],
    }
}

/// An LSH bucket of more documents than this makes a linear number of candidate pairs, not all
/// of them ([`LshIndex::partners_after`]). 600 edited copies of one text made 179,700 verified
/// pairs and 794 MB of output from 360 KB of text when every pair was a candidate.
pub(crate) const MAX_ALL_PAIRS_BUCKET: usize = 32;

/// Pairs of representatives that share an LSH bucket (all of them in buckets of up to
/// [`MAX_ALL_PAIRS_BUCKET`] documents).
fn lsh_pairs(
    documents: &[DocumentInfo],
    representatives: &[DocId],
    params: LshParams,
) -> Vec<(DocId, DocId)> {
    let signed: Vec<(DocId, &Signature)> = representatives
        .iter()
        .map(|&d| (d, &documents[d.index()].signature))
        .collect();
    let index = LshIndex::build_from_signatures(params, &signed, false);
    index
        .documents_with_candidates()
        .par_iter()
        .flat_map_iter(|&a| {
            // Keys are computed again for the few documents with candidates rather than kept
            // for every document.
            let keys = params.band_keys(&documents[a.index()].signature);
            index
                .partners_after(a, &keys, MAX_ALL_PAIRS_BUCKET)
                .into_iter()
                .map(move |b| (a, b))
        })
        .collect()
}

/// What the representatives' quotes say about the corpus: the words too common to make a shared
/// quote, and the quoted grams two documents or more hold. Both the quote candidate pairs and the
/// quote groups are made from these, computed once.
#[derive(Default)]
struct QuoteEvidence {
    common: CommonWords,
    information: WordInformation,
    shared: SharedQuoteGrams,
}

/// The [`QuoteEvidence`] of the representatives (none when overlap is off), and how long its
/// common words and its shared grams took.
fn quote_evidence(
    sketches: &[OverlapSketch],
    representatives: &[DocId],
    config: &ScanConfig,
) -> (QuoteEvidence, [Duration; 2]) {
    if !config.overlap {
        return Default::default();
    }
    let quoting: Vec<(DocId, &QuotedWords)> = representatives
        .iter()
        .map(|&d| (d, &sketches[d.index()].quoted))
        .filter(|(_, q)| !q.is_empty())
        .collect();
    let quoted: Vec<&QuotedWords> = quoting.iter().map(|(_, q)| *q).collect();
    let texts: Vec<&[u32]> = representatives
        .iter()
        .map(|&d| sketches[d.index()].word_hashes.as_slice())
        .collect();
    let ((common, information), common_time) = timed(|| {
        (
            CommonWords::of(&quoted, config.max_df),
            WordInformation::of(&quoted, &texts),
        )
    });
    let (shared, shared_time) = timed(|| SharedQuoteGrams::of(&quoting));
    (
        QuoteEvidence {
            common,
            information,
            shared,
        },
        [common_time, shared_time],
    )
}
/// Quote groups among the representatives, found from the quoted words kept in the sketches (in
/// quoted-word indices; [`QuoteLocations`] finds where they are in the files).
fn find_quote_groups(sketches: &[OverlapSketch], quotes: &QuoteEvidence) -> Vec<QuoteGroup> {
    quote_groups(
        &quotes.shared,
        |doc| Some(sketches[doc.index()].quoted.as_quoted_doc()),
        &quotes.information,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairs::analyse;
    use crate::synth::{Synth, SynthConfig, Truth};

    /// Quote groups are located by reading their documents again: offsets slice the quote out of
    /// each file, lines count from 1, and a document that changed since it was sketched drops its
    /// groups with an error naming it, never a wrong offset.
    #[test]
    fn quote_groups_are_located_in_the_files_and_a_changed_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let texts = [
            "First line.\nThe mayor said \u{201c}we will rebuild the old bridge\u{201d} today.",
            "Reported: \"we will rebuild the old bridge\" and more.",
            "Unrelated text with \"another quote here\" only.",
        ];
        for (i, text) in texts.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{i}.txt")), text).unwrap();
        }
        let config = ScanConfig::new(0.8);
        let (files, _) = discover(&[dir.path().to_path_buf()], &config.walk);
        let (documents, sketches, _) =
            sketch_all(&files, &config, FingerprintUse::Groups, &NoProgress);
        let representatives: Vec<DocId> = (0..3).map(DocId).collect();
        let (evidence, _) = quote_evidence(&sketches, &representatives, &config);
        let groups = find_quote_groups(&sketches, &evidence);
        // Every occurrence read again, as the scan reads those not located from analyses.
        let read_again = |mut locations: QuoteLocations| {
            let spans = locations.spans_to_read(&documents, &[]);
            let (found, problems) = crate::locate::locate(&documents, &spans, &config.walk);
            (locations.finish(found), problems)
        };
        let by_reading = || read_again(QuoteLocations::new(groups.clone()));
        let (quotes, problems) = by_reading();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(quotes.len(), 1, "{quotes:?}");
        let quote = &quotes[0];
        assert_eq!(quote.text, "we will rebuild the old bridge");
        assert_eq!(quote.words, 6);
        let lines: Vec<u32> = quote.occurrences.iter().map(|o| o.at.line).collect();
        assert_eq!(lines, [2, 1]);
        for o in &quote.occurrences {
            let text = texts[o.doc.index()].as_bytes();
            assert_eq!(
                &text[o.at.start as usize..o.at.end as usize],
                quote.text.as_bytes()
            );
        }

        // Located from the analyses the check makes: the same, and nothing is read again.
        let (analyses, problems) = analyse(&documents, &representatives, &config, &NoProgress);
        assert!(problems.is_empty());
        let mut from_analyses = QuoteLocations::new(groups.clone());
        let located: Vec<crate::locate::QuoteLocated> = analyses
            .iter()
            .flat_map(|(doc, analysis)| from_analyses.located_in_analysis(*doc, analysis))
            .collect();
        from_analyses.record(located);

        std::fs::write(dir.path().join("1.txt"), "Reported: nothing of the kind.").unwrap();
        assert_eq!(read_again(from_analyses), (quotes, Vec::new()));
        let (quotes, problems) = by_reading();
        assert!(quotes.is_empty(), "{quotes:?}");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].path.ends_with("1.txt"), "{problems:?}");
        assert_eq!(problems[0].message, "file changed during the scan");
    }

    /// Two lists of spans located in one pass give each list what locating it alone gives, in
    /// whatever order they come; a document that changed drops its spans of both lists, with
    /// one error naming it.
    #[test]
    fn two_span_lists_located_together_are_located_as_each_alone() {
        use crate::locate::{locate, locate_together, Found, Located, WantedSpan};
        let dir = tempfile::tempdir().unwrap();
        let texts = [
            "alpha beta gamma delta epsilon",
            "one two three\nfour five six",
            "x y z",
        ];
        for (i, text) in texts.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{i}.txt")), text).unwrap();
        }
        let config = ScanConfig::new(0.8);
        let (files, _) = discover(&[dir.path().to_path_buf()], &config.walk);
        let (documents, _, _) = sketch_all(&files, &config, FingerprintUse::Groups, &NoProgress);
        let span = |doc: u32, words: std::ops::Range<u32>, tag: usize| WantedSpan {
            doc: DocId(doc),
            words,
            quoted_only: false,
            text: true,
            tag,
        };
        let first = vec![span(0, 1..3, 0), span(1, 0..2, 1), span(2, 0..1, 2)];
        // Not ordered by document, and one document in both lists.
        let second = vec![span(1, 2..5, 0), span(0, 0..1, 1)];
        let by_tag = |mut found: Found| {
            found.spans.sort_by_key(|l| l.tag);
            found
        };
        let alone = |list: &[WantedSpan]| {
            let mut list = list.to_vec();
            list.sort_by_key(|w| w.doc);
            let (found, problems) = locate(&documents, &list, &config.walk);
            assert!(problems.is_empty(), "{problems:?}");
            by_tag(found)
        };
        let ([a, b], problems) =
            locate_together(&documents, first.clone(), second.clone(), &config.walk);
        assert!(problems.is_empty(), "{problems:?}");
        let (a, b) = (by_tag(a), by_tag(b));
        assert_eq!(a, alone(&first));
        assert_eq!(b, alone(&second));
        assert_eq!(a.text_of(0), Some("beta gamma"));
        assert_eq!(b.text_of(0), Some("three\nfour five"));
        assert_eq!(b.text_of(1), Some("alpha"));
        assert_eq!((b.spans[0].at.line, b.spans[1].at.start), (1, 0));

        std::fs::write(dir.path().join("1.txt"), "one two three four five").unwrap();
        let ([a, b], problems) = locate_together(&documents, first, second, &config.walk);
        let tags = |found: &Found| -> Vec<usize> {
            let mut tags: Vec<usize> = found.spans.iter().map(|l: &Located| l.tag).collect();
            tags.sort_unstable();
            tags
        };
        assert_eq!((tags(&a), tags(&b)), (vec![0, 2], vec![1]));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].path.ends_with("1.txt"), "{problems:?}");
    }

    /// Checking pairs a chunk at a time gives what checking them all at once gives, and finds
    /// the planted near-duplicates and passages of a generated corpus.
    #[test]
    fn chunked_checking_finds_the_same_pairs_as_one_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let synth = Synth::new(SynthConfig {
            min_words: 200,
            max_words: 500,
            near_duplicates: 0.3,
            passages: 0.3,
            ..SynthConfig::new(90, 5)
        });
        synth.write(dir.path()).unwrap();
        let config = ScanConfig::new(0.8);
        let (files, _) = discover(&[dir.path().join("docs")], &config.walk);
        let (documents, sketches, problems) =
            sketch_all(&files, &config, FingerprintUse::Groups, &NoProgress);
        assert!(problems.is_empty());
        let representatives: Vec<DocId> = exact_groups(&documents).iter().map(|g| g[0]).collect();
        let quoted = find_quote_work(&sketches, &representatives, &config);
        let common = &quoted.evidence.common;
        let candidates: Vec<CandidatePair> = lsh_pairs(&documents, &representatives, config.lsh)
            .into_iter()
            .map(|(a, b)| (a, b, false))
            .collect();
        let check = |chunk| {
            let (mut found, problems, _) = check_pairs(
                &documents,
                &candidates,
                common,
                &config,
                &NoProgress,
                chunk,
                &mut QuoteLocations::default(),
            );
            assert!(problems.is_empty());
            found.sort_by_key(|p| (p.a, p.b));
            found
        };
        let whole = check(usize::MAX);
        for chunk in [1, 3, 7] {
            assert_eq!(check(chunk), whole, "chunks of {chunk}");
        }

        let doc_of = |path: &str| {
            let at = documents
                .iter()
                .position(|d| d.source.path.ends_with(path))
                .expect("a planted document");
            DocId(at as u32)
        };
        let mut near = 0;
        for truth in (0..90).flat_map(|i| synth.document(i).truth) {
            match truth {
                // Exact copies (Jaccard 1) are grouped by content hash, not checked as pairs.
                Truth::NearDuplicate { a, b, jaccard, .. } if (0.8..1.0).contains(&jaccard) => {
                    let (a, b) = (doc_of(&a), doc_of(&b));
                    let pair = whole.iter().find(|p| (p.a, p.b) == (a.min(b), a.max(b)));
                    assert_eq!(pair.map(|p| p.jaccard), Some(jaccard));
                    near += 1;
                }
                // Shared passages come from the group stage (tests/overlap.rs).
                Truth::Passage { .. } | Truth::NearDuplicate { .. } => {}
            }
        }
        assert!(near >= 3, "{near} near-duplicate pairs");
    }
}
