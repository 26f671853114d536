//! Overlap pairs: two documents whose shared text covers a good part of one of them, found from
//! the groups, never by comparing documents pair by pair.
//!
//! Every group that is not boilerplate names the documents that hold it; each two of them (of
//! different units: near-duplicates are reported as such) share its words. Per pair, the words of
//! each document covered by such groups are counted (nested groups overlap, so covered words are
//! counted once), and the pair is reported when the covered share of either document reaches
//! `--min-containment`. The work is the sum over groups of their documents squared, and
//! boilerplate groups (more than `--max-df` units) make none, so it stays bounded by
//! `max_df` times the occurrences. `--min-containment 0` reports every pair that shares a group:
//! as many as the corpus has, which on real text grows with the square of the corpus.

use crate::group::TextGroup;
use crate::DocId;
use rayon::prelude::*;

/// The default `--min-containment`: shared text covering half of either document makes a pair,
/// a document that is mostly another's. On the 100k real-text corpus, where paragraphs recur
/// across documents, 0.2 made 213,000 pairs (a fifth of a document is one or two common
/// paragraphs there) and 0.5 about 14,000 (counted by shingle containment, BENCHMARKS.md); the
/// shared text itself is reported by the groups whatever this is.
pub const DEFAULT_MIN_CONTAINMENT: f64 = 0.5;

/// Two documents sharing text, `a < b`.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedPair {
    /// The first document.
    pub a: DocId,
    /// The second document.
    pub b: DocId,
    /// Words of `a` covered by text it shares with `b`.
    pub covered_a: u32,
    /// Words of `b` covered by text it shares with `a`.
    pub covered_b: u32,
    /// The groups they share (indices into the groups given), ascending.
    pub groups: Vec<u32>,
}

/// The pairs whose shared non-boilerplate text covers at least `min_containment` of either
/// document (`words` gives each document's word count, `unit` its unit), ordered by `(a, b)`.
pub fn overlap_pairs(
    groups: &[TextGroup],
    words: &(dyn Fn(DocId) -> u32 + Sync),
    unit: &(dyn Fn(DocId) -> u32 + Sync),
    min_containment: f64,
) -> Vec<SharedPair> {
    // Each group's documents, with the words its occurrences span in each (at least what they
    // cover together): one pass over each group's occurrences, which are ordered by document.
    let docs_of: Vec<Vec<(DocId, u32)>> = groups
        .par_iter()
        .map(|g| {
            if g.boilerplate {
                return Vec::new();
            }
            let mut docs: Vec<(DocId, u32)> = Vec::new();
            for o in &g.occurrences {
                let words = o.words.len() as u32;
                match docs.last_mut() {
                    Some((doc, spanned)) if *doc == o.doc => *spanned += words,
                    _ => docs.push((o.doc, words)),
                }
            }
            docs
        })
        .collect();
    // Which groups each document holds, so that each document finds its partners on its own
    // (in parallel, in cache) instead of one sort of every (a, b, group) of the corpus.
    let mut holding: Vec<(DocId, u32, u32)> = docs_of
        .par_iter()
        .enumerate()
        .flat_map_iter(|(g, docs)| docs.iter().map(move |&(d, spanned)| (d, g as u32, spanned)))
        .collect();
    holding.par_sort_unstable();
    let by_doc: Vec<&[(DocId, u32, u32)]> = holding.chunk_by(|x, y| x.0 == y.0).collect();
    let reaches = |covered: u32, doc: DocId| {
        f64::from(covered) >= min_containment * f64::from(words(doc).max(1))
    };
    by_doc
        .par_iter()
        .flat_map_iter(|held| {
            let a = held[0].0;
            // (b, group, words of a it spans, words of b it spans)
            let mut partners: Vec<(DocId, u32, u32, u32)> = held
                .iter()
                .flat_map(|&(_, g, spanned_a)| {
                    docs_of[g as usize]
                        .iter()
                        .filter(move |&&(b, _)| b > a && unit(b) != unit(a))
                        .map(move |&(b, spanned_b)| (b, g, spanned_a, spanned_b))
                })
                .collect();
            partners.sort_unstable_by_key(|p| (p.0, p.1));
            let pairs: Vec<SharedPair> = partners
                .chunk_by(|x, y| x.0 == y.0)
                .filter_map(|run| {
                    let b = run[0].0;
                    // Sums bound the union from above: most pairs are ruled out without it.
                    let most_a: u32 = run.iter().map(|r| r.2).sum();
                    let most_b: u32 = run.iter().map(|r| r.3).sum();
                    if !reaches(most_a, a) && !reaches(most_b, b) {
                        return None;
                    }
                    let ids: Vec<u32> = run.iter().map(|r| r.1).collect();
                    let covered_a = covered(groups, &ids, a);
                    let covered_b = covered(groups, &ids, b);
                    (reaches(covered_a, a) || reaches(covered_b, b)).then_some(SharedPair {
                        a,
                        b,
                        covered_a,
                        covered_b,
                        groups: ids,
                    })
                })
                .collect();
            pairs
        })
        .collect()
}

/// Words of `doc` inside an occurrence of one of the groups `ids`, each counted once.
pub fn covered(groups: &[TextGroup], ids: &[u32], doc: DocId) -> u32 {
    let mut ranges: Vec<(u32, u32)> = ids
        .iter()
        .flat_map(|&g| groups[g as usize].in_doc(doc))
        .map(|o| (o.words.start, o.words.end))
        .collect();
    ranges.sort_unstable();
    let (mut total, mut reach) = (0u32, 0u32);
    for (start, end) in ranges {
        let from = start.max(reach);
        if end > from {
            total += end - from;
        }
        reach = reach.max(end);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::GroupOccurrence;

    fn group(occurrences: &[(u32, u32, u32)], boilerplate: bool) -> TextGroup {
        TextGroup {
            occurrences: occurrences
                .iter()
                .map(|&(d, s, e)| GroupOccurrence {
                    doc: DocId(d),
                    words: s..e,
                })
                .collect(),
            words: occurrences[0].2 - occurrences[0].1,
            units: occurrences.len() as u32,
            boilerplate,
        }
    }

    #[test]
    fn nested_groups_count_their_words_once() {
        let groups = vec![
            group(&[(0, 0, 40), (1, 10, 50)], false),
            group(&[(0, 5, 15), (1, 15, 25), (2, 0, 10)], false),
        ];
        assert_eq!(covered(&groups, &[0, 1], DocId(0)), 40);
        let words = |_| 100;
        let unit = |d: DocId| d.0;
        let pairs = overlap_pairs(&groups, &words, &unit, 0.2);
        assert_eq!(pairs.len(), 1, "0 and 2 share 10 words of 100, below 0.2");
        assert_eq!(
            (pairs[0].a, pairs[0].b, pairs[0].covered_a),
            (DocId(0), DocId(1), 40)
        );
        assert_eq!(pairs[0].groups, vec![0, 1]);
        assert_eq!(overlap_pairs(&groups, &words, &unit, 0.0).len(), 3);
    }

    #[test]
    fn boilerplate_and_one_unit_make_no_pairs() {
        let groups = vec![
            group(&[(0, 0, 90), (1, 0, 90)], true),
            group(&[(2, 0, 90), (3, 0, 90)], false),
        ];
        let words = |_| 100;
        let unit = |d: DocId| d.0 / 2; // 2 and 3 are one unit
        assert!(overlap_pairs(&groups, &words, &unit, 0.0).is_empty());
    }
}
