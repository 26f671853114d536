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

/// The default `--min-containment`: shared text covering a fifth of either document makes a pair.
pub const DEFAULT_MIN_CONTAINMENT: f64 = 0.2;

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
    let mut shared: Vec<(DocId, DocId, u32)> = groups
        .par_iter()
        .enumerate()
        .filter(|(_, g)| !g.boilerplate)
        .flat_map_iter(|(i, g)| {
            let docs: Vec<DocId> = g.docs().collect();
            let pairs: Vec<(DocId, DocId, u32)> = docs
                .iter()
                .enumerate()
                .flat_map(|(x, &a)| docs[x + 1..].iter().map(move |&b| (a, b, i as u32)))
                .filter(|&(a, b, _)| unit(a) != unit(b))
                .collect();
            pairs
        })
        .collect();
    shared.par_sort_unstable();
    let runs: Vec<&[(DocId, DocId, u32)]> =
        shared.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).collect();
    runs.par_iter()
        .filter_map(|run| {
            let (a, b) = (run[0].0, run[0].1);
            let ids: Vec<u32> = run.iter().map(|r| r.2).collect();
            let covered_a = covered(groups, &ids, a);
            let covered_b = covered(groups, &ids, b);
            let reaches = |covered: u32, doc: DocId| {
                let total = words(doc).max(1);
                f64::from(covered) >= min_containment * f64::from(total)
            };
            (reaches(covered_a, a) || reaches(covered_b, b)).then_some(SharedPair {
                a,
                b,
                covered_a,
                covered_b,
                groups: ids,
            })
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
