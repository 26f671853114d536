//! Check pairs: candidate near-duplicate pairs verified exactly, a chunk of documents at a time.
//!
//! The documents of a chunk are read again and analysed (`analyse`: tokens with spans,
//! shingle set, quotes, alignment seeds), each pair's exact Jaccard is computed on the shingle
//! sets, a near-duplicate pair's passages are aligned, and the analyses are dropped before the
//! next chunk: memory is bounded by the chunk, not the corpus. `check_plan` packs whole
//! connected components of the candidate graph into chunks so that a document is read once.
//! The quote occurrences of the documents analysed are located on the way (`QuoteLocations`, in the locate stage).
//! `dedup check` verifies its candidates with the same `verify_pair`.

use crate::corpus::{reload_many, Diagnostic, DocumentSource, Reloaded, Rereader};
use crate::findings::{DocumentInfo, Location, PairFinding, PairKind, Passage};
use crate::fingerprint::WinnowParams;
use crate::locate::{QuoteLocated, QuoteLocations};
use crate::passage::{align_seeded, AlignInput, AlignedPassage, PassageParams};
use crate::progress::Progress;
use crate::quote::CommonWords;
use crate::scan::{timed, ScanConfig};
use crate::sketch::Analysis;
use crate::verify::SetOverlap;
use crate::DocId;
use rayon::prelude::*;
use std::time::Duration;

/// A candidate pair `(a, b, shares_text)`, `a < b`: `shares_text` when shared text, not only an
/// LSH bucket, made it a candidate.
pub(crate) type CandidatePair = (DocId, DocId, bool);

/// Reads documents again and analyses them, sorted by id. A document whose normalised text changed
/// since the first pass is an error, never a silently wrong answer.
pub(crate) fn analyse(
    documents: &[DocumentInfo],
    wanted: &[DocId],
    config: &ScanConfig,
    progress: &dyn Progress,
) -> (Vec<(DocId, Analysis)>, Vec<Diagnostic>) {
    let sources: Vec<&DocumentSource> = wanted
        .iter()
        .map(|d| &documents[d.index()].source)
        .collect();
    let loaded = reload_many(&sources, &config.walk);
    analyse_loaded(documents, wanted, loaded, config, progress)
}

/// [`analyse`] of documents already read again (`loaded`, in the order of `wanted`).
pub(crate) fn analyse_loaded(
    documents: &[DocumentInfo],
    wanted: &[DocId],
    loaded: Vec<Reloaded>,
    config: &ScanConfig,
    progress: &dyn Progress,
) -> (Vec<(DocId, Analysis)>, Vec<Diagnostic>) {
    let results: Vec<Result<(DocId, Analysis), Diagnostic>> = wanted
        .par_iter()
        .zip(loaded)
        .map(|(&doc, bytes)| {
            let info = &documents[doc.index()];
            let analysis = Analysis::new(bytes?, config.ngram, config.winnow());
            progress.document_reloaded();
            if analysis.content_hash != info.content_hash {
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

/// Checks every candidate pair exactly and returns those that hold, with the problems met
/// re-reading documents; the quote occurrences in the documents analysed are located on the way.
///
/// Pairs are taken in order of their first document, a chunk at a time: the documents of a chunk
/// are read again and analysed, its pairs checked, and the analyses dropped, so memory is bounded
/// by the chunk, not the corpus (an analysis holds several times a document's size).
pub(crate) fn check_pairs(
    documents: &[DocumentInfo],
    candidates: &[CandidatePair],
    common_words: &CommonWords,
    config: &ScanConfig,
    progress: &dyn Progress,
    chunk_docs: usize,
    quotes: &mut QuoteLocations,
) -> (Vec<PairFinding>, Vec<Diagnostic>, CheckTimes) {
    let mut times = CheckTimes::default();
    let filter = PassageFilter {
        boilerplate: None,
        common_words,
    };
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    let plan = check_plan(candidates, documents.len(), chunk_docs);
    progress.reloading(plan.iter().map(|(_, wanted)| wanted.len() as u64).sum());
    progress.verifying(candidates.len() as u64);
    let mut rereader = rereader(
        documents,
        plan.iter().map(|(_, wanted)| wanted.as_slice()),
        config,
    );
    for (chunk, wanted) in plan.into_iter() {
        let ((analyses, chunk_problems), took) = timed(|| {
            let loaded = rereader.next_batch().expect("a batch per chunk");
            analyse_loaded(documents, &wanted, loaded, config, progress)
        });
        times.analyse += took;
        problems.extend(chunk_problems);
        let ((), took) = timed(|| {
            let located: Vec<QuoteLocated> = analyses
                .par_iter()
                .flat_map_iter(|(doc, analysis)| quotes.located_in_analysis(*doc, analysis))
                .collect();
            quotes.record(located);
            found.par_extend(
                chunk
                    .par_iter()
                    .inspect(|_| progress.pair_verified())
                    .filter_map(|&(a, b, shares_text)| {
                        let (da, db) = (analysis_of(&analyses, a)?, analysis_of(&analyses, b)?);
                        let estimate = documents[a.index()]
                            .signature
                            .estimate(&documents[b.index()].signature);
                        verify_pair((a, da), (b, db), estimate, shares_text, config, &filter)
                    }),
            );
        });
        times.verify += took;
    }
    // A document that could not be read again is reported once, whatever its chunks.
    problems.sort();
    problems.dedup();
    (found, problems, times)
}

/// Bytes of records of compressed files read ahead for the coming chunks (see [`Rereader`]).
pub(crate) const READ_AHEAD_BYTES: u64 = 128 << 20;

/// A rereader of the documents of each chunk, in order.
pub(crate) fn rereader<'a, 'b>(
    documents: &'a [DocumentInfo],
    chunks: impl Iterator<Item = &'b [DocId]>,
    config: &'a ScanConfig,
) -> Rereader<'a> {
    let batches = chunks
        .map(|wanted| {
            wanted
                .iter()
                .map(|d| {
                    let info = &documents[d.index()];
                    (&info.source, info.bytes)
                })
                .collect()
        })
        .collect();
    Rereader::new(batches, &config.walk, READ_AHEAD_BYTES)
}

/// Where [`check_pairs`] spends its time, summed over the chunks, for `--timings`.
#[derive(Default)]
pub(crate) struct CheckTimes {
    /// Reading the documents again and analysing them.
    pub(crate) analyse: Duration,
    /// Locating quotes in the analyses and checking the pairs (exact Jaccard and alignment).
    pub(crate) verify: Duration,
}

/// Documents analysed per chunk: about a thousand analyses in memory at once (tens of kilobytes
/// each with overlap, 8 bytes a shingle without), and enough pairs per chunk to keep every
/// thread busy.
pub(crate) const CHECK_CHUNK_DOCS: usize = 1024;

/// The candidate pairs cut into chunks checked one after the other, each with the documents it
/// reads (sorted). Pairs are grouped by connected component of the candidate graph, and whole
/// components are packed into a chunk up to `chunk_docs` documents, so that a document is read
/// and analysed once: when chunks were cut by first document alone, a partner with pairs in
/// several chunks was read for each (14% of the analyses of the 100k synth corpus). A component
/// larger than a chunk is cut by first document, at most `chunk_docs / 2` first documents a
/// chunk, as before.
fn check_plan(
    pairs: &[CandidatePair],
    docs: usize,
    chunk_docs: usize,
) -> Vec<(Vec<CandidatePair>, Vec<DocId>)> {
    let mut components = crate::cluster::UnionFind::new(docs);
    for &(a, b, _) in pairs {
        components.union(a.0, b.0);
    }
    // Pairs by component (named by its root), in pair order within each.
    let mut by_component: Vec<(u32, CandidatePair)> = pairs
        .iter()
        .map(|&p| (components.find(p.0 .0), p))
        .collect();
    by_component.sort_by_key(|&(root, p)| (root, p.0, p.1));
    let mut plan = Vec::new();
    let (mut chunk, mut wanted): (Vec<CandidatePair>, Vec<DocId>) = (Vec::new(), Vec::new());
    for component in by_component.chunk_by(|x, y| x.0 == y.0) {
        let mut docs: Vec<DocId> = component
            .iter()
            .flat_map(|&(_, (a, b, _))| [a, b])
            .collect();
        docs.sort_unstable();
        docs.dedup();
        if !chunk.is_empty() && wanted.len() + docs.len() > chunk_docs {
            plan.push(finish_chunk(
                std::mem::take(&mut chunk),
                std::mem::take(&mut wanted),
            ));
        }
        if docs.len() > chunk_docs {
            let pairs: Vec<CandidatePair> = component.iter().map(|&(_, p)| p).collect();
            for part in pair_chunks(&pairs, (chunk_docs / 2).max(1)) {
                let docs = part.iter().flat_map(|&(a, b, _)| [a, b]).collect();
                plan.push(finish_chunk(part.to_vec(), docs));
            }
            continue;
        }
        chunk.extend(component.iter().map(|&(_, p)| p));
        wanted.extend(docs);
    }
    if !chunk.is_empty() {
        plan.push(finish_chunk(chunk, wanted));
    }
    plan
}

/// A chunk of the check plan, its documents sorted and without repeats.
fn finish_chunk(
    pairs: Vec<CandidatePair>,
    mut docs: Vec<DocId>,
) -> (Vec<CandidatePair>, Vec<DocId>) {
    docs.sort_unstable();
    docs.dedup();
    (pairs, docs)
}

/// Splits pairs sorted by first document into runs whose first documents number at most
/// `first_docs`; all pairs of one first document stay together.
fn pair_chunks(
    pairs: &[CandidatePair],
    first_docs: usize,
) -> impl Iterator<Item = &[CandidatePair]> {
    let mut rest = pairs;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (mut end, mut firsts) = (0, 0);
        while end < rest.len() {
            if end == 0 || rest[end].0 != rest[end - 1].0 {
                if firsts == first_docs {
                    break;
                }
                firsts += 1;
            }
            end += 1;
        }
        let (chunk, later) = rest.split_at(end);
        rest = later;
        Some(chunk)
    })
}

/// Which aligned passages are not worth reporting.
pub(crate) struct PassageFilter<'a> {
    /// True for a fingerprint hash that is boilerplate; `None` when none is.
    pub(crate) boilerplate: Option<&'a (dyn Fn(u64) -> bool + Sync)>,
    /// A quoted passage shorter than `--min-words` made only of these is chance.
    pub(crate) common_words: &'a CommonWords,
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
    filter: &PassageFilter<'_>,
) -> Option<PairFinding> {
    let overlap = SetOverlap::of(&da.shingles, &db.shingles);
    let near = overlap.reaches(config.threshold);
    // A pair that only an LSH bucket brought, below the threshold, shares no fingerprint but
    // boilerplate, so it has no passage to report: aligning it anyway made a corpus whose
    // documents all share one long block cost an alignment for each of its (quadratic) LSH pairs.
    let passages = if config.overlap && (near || shares_text) {
        passages(da, db, config, filter)
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

/// The passages of two analysed documents, without those that are mostly boilerplate and the
/// short quoted ones made of common words only.
fn passages(
    a: &Analysis,
    b: &Analysis,
    config: &ScanConfig,
    filter: &PassageFilter<'_>,
) -> Vec<Passage> {
    let aligned = align_seeded(
        AlignInput {
            words: &a.words,
            quoted: &a.quoted,
        },
        &a.seeds,
        AlignInput {
            words: &b.words,
            quoted: &b.quoted,
        },
        &b.seeds,
        PassageParams::new(config.min_words),
    );
    let k = WinnowParams::for_min_words(config.min_words).k;
    aligned
        .into_iter()
        .filter(|p| {
            (p.matched as usize >= config.min_words
                || filter
                    .common_words
                    .any_distinctive(&a.words[p.a.start as usize..p.a.end as usize]))
                && filter
                    .boilerplate
                    .is_none_or(|fp| !is_boilerplate(a, p, k, config.min_words, fp))
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
                group: None,
            }
        })
        .collect()
}

/// True when, without the words covered by boilerplate fingerprints (k-grams found in more than
/// `--max-df` documents), fewer than `min_words` of the passage's matched words remain.
///
/// Winnowing selects the first few k-grams of a boilerplate block depending on the text before
/// it, so the edges of a shared footer are not always boilerplate fingerprints; counting covered
/// words, rather than asking that every fingerprint be boilerplate, makes the rule robust to
/// that. Words are counted run by run (the gaps of a merged passage are one document's own words
/// and count for nothing), and a run that is mostly boilerplate counts for nothing either unless
/// what it leaves uncovered is a passage by itself: a template's header and footer merged across
/// the date between them have a few uncovered words at each edge, which together would reach
/// `min_words` and keep the template.
fn is_boilerplate(
    doc: &Analysis,
    passage: &AlignedPassage,
    k: usize,
    min_words: usize,
    boilerplate: &(dyn Fn(u64) -> bool + Sync),
) -> bool {
    let (start, end) = (passage.a.start as usize, passage.a.end as usize);
    let mut covered = bitvec::bitvec![0; end - start];
    for f in doc.fingerprints().iter().filter(|f| boilerplate(f.hash)) {
        let (from, to) = ((f.pos as usize).max(start), (f.pos as usize + k).min(end));
        if from < to {
            covered[from - start..to - start].fill(true);
        }
    }
    let shared: usize = passage
        .runs
        .iter()
        .map(|run| {
            let words = &covered[run.start as usize - start..run.end as usize - start];
            let uncovered = words.count_zeros();
            let mostly_boilerplate = 2 * words.count_ones() >= words.len();
            if mostly_boilerplate && uncovered < min_words {
                0
            } else {
                uncovered
            }
        })
        .sum();
    shared < min_words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quote::QuotedWords;

    #[test]
    fn pairs_are_chunked_by_first_document_and_never_split() {
        let p = |a, b| (DocId(a), DocId(b), true);
        let pairs = [
            p(0, 1),
            p(0, 5),
            p(2, 3),
            p(3, 4),
            p(3, 9),
            p(3, 10),
            p(7, 8),
        ];
        let chunks: Vec<&[(DocId, DocId, bool)]> = pair_chunks(&pairs, 2).collect();
        assert_eq!(chunks, [&pairs[..3], &pairs[3..]]);
        let singles: Vec<usize> = pair_chunks(&pairs, 1).map(|c| c.len()).collect();
        assert_eq!(singles, [2, 1, 3, 1]);
        assert_eq!(pair_chunks(&[], 4).count(), 0);
    }

    /// Every pair is checked once, with both its documents read in its chunk; components that
    /// fit are never split, so their documents are read once; a component too large for a chunk
    /// is cut by first document.
    #[test]
    fn the_check_plan_reads_each_document_of_a_small_component_once() {
        let p = |a, b| (DocId(a), DocId(b), a % 2 == 0);
        // Components {0, 5, 9}, {1, 2}, {3, 4, 6, 7, 8} (a chain), and {10, 11}.
        let pairs = [
            p(0, 5),
            p(0, 9),
            p(1, 2),
            p(3, 4),
            p(4, 6),
            p(6, 7),
            p(7, 8),
            p(10, 11),
        ];
        for chunk_docs in [1, 2, 3, 4, 5, 8, 100] {
            let plan = check_plan(&pairs, 12, chunk_docs);
            let mut checked: Vec<CandidatePair> =
                plan.iter().flat_map(|(c, _)| c.iter().copied()).collect();
            checked.sort();
            assert_eq!(checked, pairs, "chunks of {chunk_docs}");
            for (chunk, wanted) in &plan {
                assert!(wanted.windows(2).all(|w| w[0] < w[1]));
                for &(a, b, _) in chunk {
                    assert!(wanted.contains(&a) && wanted.contains(&b));
                }
                let fits = wanted.len() <= chunk_docs.max(2);
                assert!(
                    fits || chunk_docs < 5,
                    "{wanted:?} in chunks of {chunk_docs}"
                );
            }
            let reads: usize = plan.iter().map(|(_, w)| w.len()).sum();
            if chunk_docs >= 5 {
                assert_eq!(reads, 12, "chunks of {chunk_docs}: {plan:?}");
            }
        }
        assert!(check_plan(&[], 12, 4).is_empty());
    }

    #[test]
    fn a_short_quote_of_common_words_is_no_passage() {
        let config = ScanConfig::new(0.8);
        let analyse = |text: &str| Analysis::new(text.as_bytes().to_vec(), 5, config.winnow());
        let a = analyse("First he said \"of the and\" and left the room at noon.");
        let b = analyse("Then she wrote \"of the and\" in a letter to the editor.");
        let check = |common: &CommonWords| {
            let filter = PassageFilter {
                boilerplate: None,
                common_words: common,
            };
            verify_pair((DocId(0), &a), (DocId(1), &b), 0.0, true, &config, &filter)
        };
        let found = check(&CommonWords::default()).expect("a quoted passage");
        assert_eq!(found.passages.len(), 1);
        assert_eq!(found.passages[0].text, "of the and");
        let quotes: Vec<QuotedWords> = ["\"of the and\"", "\"the and of\"", "\"and of the\""]
            .iter()
            .map(|t| {
                QuotedWords::collect(
                    crate::tokenize::tokenize(t.as_bytes()),
                    &crate::quote::quote_segments(t.as_bytes()),
                )
            })
            .collect();
        let common = CommonWords::of(&quotes.iter().collect::<Vec<_>>(), 2);
        assert_eq!(common.len(), 3);
        assert!(check(&common).is_none());
    }
}
