//! One finding per passage a new document shares, whoever holds it.
//!
//! The pairs a check verifies each give the passages a new document shares with one other
//! document. Reported pair by pair, a paragraph that 40 indexed documents hold became 40 findings
//! with the same text; here it becomes one, naming the 40. The passages of one new document are
//! folded as the scan's shared-text groups are: a finding is a run of the new document's words
//! held in full by a set of other documents, maximal for that set, with shorter runs kept where
//! more documents hold them (a sentence of the paragraph that 60 documents quote).
//!
//! Every such run is a pair's passage or the intersection of two of them: the words every one of a
//! set of passages covers run from the latest start to the earliest end, two of the passages. So
//! the candidates are the distinct passages and their pairwise intersections, each kept when no
//! longer candidate has the same holders.
//!
//! Text that a near-duplicate match of the new document already covers is not reported again
//! (unless asked for): the match says it.

use super::{Other, Target};
use crate::findings::{Location, PairFinding};
use crate::sketch::Analysis;
use crate::DocId;
use std::collections::HashMap;
use std::ops::Range;

/// A document holding a shared passage, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// The indexed (or other new) document.
    pub other: Other,
    /// The passage in it. Exact where the passage was copied word for word; for an edited copy,
    /// the whole aligned passage of that document that holds it.
    pub at: Location,
}

/// A passage a new document shares with one or more other documents: one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedPassage {
    /// The new document.
    pub doc: DocId,
    /// Where the passage is in it.
    pub at: Location,
    /// Its words.
    pub words: u32,
    /// Inside quotation marks in the new document and in at least one holder.
    pub quoted: bool,
    /// The passage as it reads in the new document.
    pub text: String,
    /// Every document holding it, indexed ones first in index order, then new ones.
    pub holders: Vec<Holder>,
    /// True when the baseline holds it.
    pub known: bool,
}

/// Beyond this many distinct passages in one new document, intersections are not looked for
/// (the count of them grows with the square): each passage is then a finding of its own.
const MAX_INTERSECTED: usize = 128;

/// One verified passage of one pair, in word positions of the new document: all a fold keeps of
/// a pair once it is verified (the text is the new document's, so it is not kept).
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// The other document.
    pub other: Target,
    /// Words of the new document.
    pub words: Range<u32>,
    /// The same passage in the other document.
    pub at: Location,
    /// Word position of the passage's start in the other document, when it is a word-for-word
    /// copy (so a part of it can be placed exactly).
    pub their_start: Option<u32>,
    /// Words matched.
    pub matched: u32,
    /// Quoted in both documents.
    pub quoted: bool,
    /// From a near-duplicate match: its text is not reported again.
    pub covers: bool,
}

/// The pieces of a verified pair: `a` the new document, `b` the other one.
pub(super) fn pieces_of(
    pair: &PairFinding,
    other: Target,
    covers: bool,
    a: &Analysis,
    b: &Analysis,
) -> Vec<Piece> {
    pair.passages
        .iter()
        .map(|p| {
            let words = word_range(a, p.a);
            let theirs = word_range(b, p.b);
            let len = words.end - words.start;
            let exact = theirs.end - theirs.start == len && p.words == len;
            Piece {
                other,
                words,
                at: p.b,
                their_start: exact.then_some(theirs.start),
                matched: p.words,
                quoted: p.quoted,
                covers,
            }
        })
        .collect()
}

/// A holder whose place is a part of its piece: its byte span must be read from its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Placement {
    /// The holding document.
    pub other: Target,
    /// Its words that hold the passage.
    pub words: Range<u32>,
    /// The passage (in the list being built) and its holder.
    pub passage: usize,
    /// The holder's position among the passage's holders.
    pub holder: usize,
}

/// The shared passages of one new document from its pieces (covering ones included), by
/// position in it (longer first where two start together), and the holders still to place.
pub(super) fn fold(
    doc: DocId,
    a: &Analysis,
    pieces: &[Piece],
    min_words: usize,
    other: &dyn Fn(Target) -> Other,
) -> (Vec<SharedPassage>, Vec<Placement>) {
    let covered = merged(
        pieces
            .iter()
            .filter(|p| p.covers)
            .map(|p| p.words.clone())
            .collect(),
    );
    let shared: Vec<&Piece> = pieces.iter().filter(|p| !p.covers).collect();
    let mut runs: Vec<(Range<u32>, Vec<usize>)> = maximal_runs(&shared, min_words)
        .into_iter()
        .filter(|(run, _)| !inside(&covered, run))
        .collect();
    runs.sort_by_key(|(run, _)| (run.start, std::cmp::Reverse(run.end)));
    let mut passages = Vec::with_capacity(runs.len());
    let mut placements = Vec::new();
    for (run, held) in runs {
        let start = a.tokens[run.start as usize].start;
        let end = a.tokens[run.end as usize - 1].end;
        let len = run.end - run.start;
        let mut words = len;
        let mut quoted = false;
        let mut holders: Vec<(Target, Location, Option<Range<u32>>)> = held
            .iter()
            .map(|&i| {
                let piece = shared[i];
                quoted |= piece.quoted;
                if piece.words == run {
                    words = words.min(piece.matched);
                }
                let place = piece
                    .their_start
                    .filter(|_| piece.words != run)
                    .map(|first| {
                        let from = first + (run.start - piece.words.start);
                        from..from + len
                    });
                (piece.other, piece.at, place)
            })
            .collect();
        holders.sort_by_key(|h| h.0);
        let at = passages.len();
        for (h, (target, _, place)) in holders.iter().enumerate() {
            if let Some(words) = place {
                placements.push(Placement {
                    other: *target,
                    words: words.clone(),
                    passage: at,
                    holder: h,
                });
            }
        }
        passages.push(SharedPassage {
            doc,
            at: Location {
                start,
                end,
                line: a.line_of(start),
            },
            words,
            quoted,
            text: String::from_utf8_lossy(&a.bytes[start as usize..end as usize]).into_owned(),
            holders: holders
                .into_iter()
                .map(|(target, at, _)| Holder {
                    other: other(target),
                    at,
                })
                .collect(),
            known: false,
        });
    }
    (passages, placements)
}

/// The words of `analysis` that the byte span `at` covers.
fn word_range(analysis: &Analysis, at: Location) -> Range<u32> {
    let tokens = &analysis.tokens;
    let first = tokens.partition_point(|t| t.start < at.start);
    let end = tokens.partition_point(|t| t.end <= at.end);
    first as u32..end.max(first) as u32
}

/// A run of the new document's words and the pieces (one per holder) that hold it in full.
type Run = (Range<u32>, Vec<usize>);

/// The runs of words held in full by a set of pieces' holders, maximal for that set, each with
/// one piece per holder (the first that holds it).
fn maximal_runs(pieces: &[&Piece], min_words: usize) -> Vec<Run> {
    let mut spans: Vec<(u32, u32)> = pieces
        .iter()
        .map(|p| (p.words.start, p.words.end))
        .collect();
    spans.sort_unstable();
    spans.dedup();
    let mut candidates = spans.clone();
    if spans.len() <= MAX_INTERSECTED {
        for (i, &(_, e1)) in spans.iter().enumerate() {
            for &(s2, e2) in &spans[i + 1..] {
                if s2 >= e1 {
                    break;
                }
                let (s, e) = (s2, e1.min(e2));
                if (e - s) as usize >= min_words {
                    candidates.push((s, e));
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
    }
    let mut by_holders: HashMap<Vec<Target>, Vec<Run>> = HashMap::new();
    for (s, e) in candidates {
        let mut held: Vec<usize> = pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| p.words.start <= s && e <= p.words.end)
            .map(|(i, _)| i)
            .collect();
        held.sort_by_key(|&i| (pieces[i].other, i));
        held.dedup_by_key(|i| pieces[*i].other);
        let key: Vec<Target> = held.iter().map(|&i| pieces[i].other).collect();
        by_holders.entry(key).or_default().push((s..e, held));
    }
    let mut runs = Vec::new();
    for (_, class) in by_holders {
        for (run, held) in &class {
            let longer = class
                .iter()
                .any(|(other, _)| other != run && other.start <= run.start && run.end <= other.end);
            if !longer {
                runs.push((run.clone(), held.clone()));
            }
        }
    }
    keep_nested_runs(runs, &spans)
}

/// The runs, with at most as many nested ones (intersections of passages, not passages
/// themselves) as there are distinct passages, at least [`MIN_NESTED`]: those with the most
/// holders, then the longest. Copies of one text trimmed at different places by each holder
/// make an intersection, with holders of its own, for almost every two of them: 128 holders made
/// 3,095 findings for one new document. The core that all of them hold comes first.
fn keep_nested_runs(mut runs: Vec<Run>, spans: &[(u32, u32)]) -> Vec<Run> {
    let most = spans.len().max(MIN_NESTED);
    let is_passage = |r: &Range<u32>| spans.binary_search(&(r.start, r.end)).is_ok();
    let nested = runs.iter().filter(|(r, _)| !is_passage(r)).count();
    if nested <= most {
        return runs;
    }
    runs.sort_by(|(x, hx), (y, hy)| {
        (
            is_passage(y),
            hy.len(),
            x.end - x.start,
            std::cmp::Reverse(x.start),
        )
            .cmp(&(
                is_passage(x),
                hx.len(),
                y.end - y.start,
                std::cmp::Reverse(y.start),
            ))
    });
    let keep = runs.iter().filter(|(r, _)| is_passage(r)).count() + most;
    runs.truncate(keep);
    runs
}

/// The fewest nested runs kept for a document (see [`keep_nested_runs`]).
const MIN_NESTED: usize = 16;

/// Ranges sorted and merged where they overlap or touch.
fn merged(mut ranges: Vec<Range<u32>>) -> Vec<Range<u32>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u32>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// True when `run` lies inside one of the merged `ranges`.
fn inside(ranges: &[Range<u32>], run: &Range<u32>) -> bool {
    let i = ranges.partition_point(|r| r.end < run.end);
    ranges
        .get(i)
        .is_some_and(|r| r.start <= run.start && run.end <= r.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(holder: usize, words: Range<u32>) -> Piece {
        Piece {
            other: Target::Indexed(holder),
            words,
            at: Location {
                start: 0,
                end: 0,
                line: 1,
            },
            their_start: None,
            matched: 0,
            quoted: false,
            covers: false,
        }
    }

    fn holder(p: &Piece) -> usize {
        match p.other {
            Target::Indexed(j) => j,
            Target::New(_) => unreachable!("tests use indexed holders"),
        }
    }

    fn runs(pieces: &[Piece]) -> Vec<(Range<u32>, Vec<usize>)> {
        let refs: Vec<&Piece> = pieces.iter().collect();
        let mut found: Vec<(Range<u32>, Vec<usize>)> = maximal_runs(&refs, 8)
            .into_iter()
            .map(|(r, held)| (r, held.iter().map(|&i| holder(&pieces[i])).collect()))
            .collect();
        found.sort_by_key(|(r, _)| (r.start, r.end));
        found
    }

    #[test]
    fn one_paragraph_held_by_many_documents_is_one_run() {
        let pieces: Vec<Piece> = (0..40).map(|h| piece(h, 10..50)).collect();
        assert_eq!(runs(&pieces), vec![(10..50, (0..40).collect())]);
    }

    #[test]
    fn a_sentence_held_by_more_documents_is_kept_inside_its_paragraph() {
        // Holders 0 and 1 have the whole paragraph; holder 2 only its middle sentence.
        let pieces = vec![piece(0, 0..60), piece(1, 0..60), piece(2, 20..40)];
        assert_eq!(
            runs(&pieces),
            vec![(0..60, vec![0, 1]), (20..40, vec![0, 1, 2])]
        );
    }

    #[test]
    fn overlapping_passages_meet_in_their_intersection() {
        let pieces = vec![piece(0, 0..30), piece(1, 20..50), piece(2, 25..60)];
        assert_eq!(
            runs(&pieces),
            vec![
                (0..30, vec![0]),
                (20..30, vec![0, 1]),
                (20..50, vec![1]),
                (25..50, vec![1, 2]),
                (25..60, vec![2]),
            ]
        );
        // The three meet in 25..30, shorter than 8 words: not a run.
    }

    #[test]
    fn runs_match_a_brute_force_enumeration() {
        // Every word range of at least 8 words held in full by some piece, kept when no longer
        // range has the same holders: the definition, checked on small random layouts.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: u32| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % u64::from(n)) as u32
        };
        for _ in 0..300 {
            let count = 1 + next(6) as usize;
            let pieces: Vec<Piece> = (0..count)
                .map(|_| {
                    let start = next(40);
                    piece(next(4) as usize, start..start + 8 + next(30))
                })
                .collect();
            let holders_of = |s: u32, e: u32| {
                let mut h: Vec<usize> = pieces
                    .iter()
                    .filter(|p| p.words.start <= s && e <= p.words.end)
                    .map(holder)
                    .collect();
                h.sort_unstable();
                h.dedup();
                h
            };
            let mut expected = Vec::new();
            for s in 0..80u32 {
                for e in s + 8..=80 {
                    let held = holders_of(s, e);
                    if held.is_empty() {
                        continue;
                    }
                    let longer = (s.saturating_sub(1)..=s).any(|s2| {
                        (e..=(e + 1).min(80))
                            .any(|e2| (s2, e2) != (s, e) && holders_of(s2, e2) == held)
                    });
                    if !longer {
                        expected.push((s..e, held));
                    }
                }
            }
            expected.sort_by_key(|(r, _)| (r.start, r.end));
            assert_eq!(runs(&pieces), expected);
        }
    }

    /// Copies trimmed at a different place by each holder: the intersections are capped at the
    /// number of passages, the core held by all of them first.
    #[test]
    fn staggered_copies_make_a_bounded_number_of_runs() {
        let pieces: Vec<Piece> = (0..128u32)
            .map(|h| piece(h as usize, (h * 7) % 256..300 + (h * 13) % 256))
            .collect();
        let found = runs(&pieces);
        assert!(found.len() <= 2 * 128, "{}", found.len());
        let core = found.iter().find(|(_, held)| held.len() == 128);
        assert!(core.is_some(), "the run all 128 hold is kept");
    }

    #[test]
    fn covered_text_is_recognised_inside_merged_ranges() {
        let covered = merged(vec![30..40, 0..10, 5..20]);
        assert_eq!(covered, vec![0..20, 30..40]);
        assert!(inside(&covered, &(2..18)));
        assert!(inside(&covered, &(30..40)));
        assert!(!inside(&covered, &(15..25)));
        assert!(!inside(&covered, &(25..35)));
    }
}
