//! Shared text, the stage after clusters: the groups of text that documents share, found for the
//! whole corpus at once ([`crate::group`], a near-duplicate cluster as one unit), the overlap
//! pairs they make ([`crate::containment`]), and where it all is in the files
//! ([`crate::locate`]): byte offsets, lines and each group's text.

use crate::containment::{overlap_pairs, SharedPair};
use crate::findings::{
    DocumentInfo, GroupFinding, GroupOccurrenceAt, PairFinding, PairKind, Passage,
};
use crate::group::{find_groups_timed, GroupInput, TextGroup};
use crate::locate::{Found, Located as SpanLocated, WantedSpan};
use crate::scan::{OverlapSketch, ScanConfig};
use crate::shingle::ShingleSet;
use crate::verify::SetOverlap;
use crate::DocId;
use rayon::prelude::*;
use std::time::Duration;

/// What the group stage found, in word ranges, before it is located in the files.
#[derive(Default)]
pub(crate) struct SharedText {
    groups: Vec<TextGroup>,
    pairs: Vec<SharedPair>,
    /// How the shingle sets of each pair overlap (exact Jaccard and containment), computed
    /// while the word hashes are at hand.
    overlap: Vec<SetOverlap>,
    /// The MinHash estimate of it.
    estimate: Vec<f64>,
}

/// The shared-text groups of the representatives (the members of a near-duplicate cluster, by
/// `unit_of`, count as one unit), with the time of each step of the group stage.
pub(crate) fn groups(
    sketches: &[OverlapSketch],
    representatives: &[DocId],
    unit_of: &[u32],
    config: &ScanConfig,
) -> (Vec<TextGroup>, Vec<(&'static str, Duration)>) {
    let inputs: Vec<GroupInput<'_>> = representatives
        .iter()
        .map(|&d| GroupInput {
            doc: d,
            unit: unit_of[d.index()],
            words: &sketches[d.index()].word_hashes,
        })
        .collect();
    find_groups_timed(&inputs, config.group_params())
}

/// The overlap pairs the groups make ([`overlap_pairs`]), with the exact overlap of their
/// shingle sets, computed while the word hashes are at hand.
pub(crate) fn with_pairs(
    groups: Vec<TextGroup>,
    documents: &[DocumentInfo],
    sketches: &[OverlapSketch],
    unit_of: &[u32],
    config: &ScanConfig,
) -> SharedText {
    let words = |d: DocId| documents[d.index()].words;
    let unit = |d: DocId| unit_of[d.index()];
    let pairs = overlap_pairs(&groups, &words, &unit, config.min_containment);
    let (overlap, estimate) = pairs
        .par_iter()
        .map(|p| {
            let (a, b) = (&documents[p.a.index()], &documents[p.b.index()]);
            let of = |d: DocId| {
                let words: Vec<u64> = sketches[d.index()]
                    .word_hashes
                    .iter()
                    .map(|&w| u64::from(w))
                    .collect();
                ShingleSet::of_words(&words, config.ngram)
            };
            let overlap = SetOverlap::of(&of(p.a), &of(p.b));
            (overlap, a.signature.estimate(&b.signature))
        })
        .unzip();
    SharedText {
        groups,
        pairs,
        overlap,
        estimate,
    }
}

/// The occurrence whose text names a group: the first that spans exactly the group's words (the
/// shared text as it is, where another copy has words inserted in it or is cut short), else the
/// first that spans at least as many (every copy edited). On `seeds/` the shared DOJ sentence
/// was named by the copy with five words inserted, so "8 words" stood beside 13.
fn text_occurrence(group: &TextGroup) -> usize {
    let spanned = |o: &crate::group::GroupOccurrence| o.words.len() as u32;
    (group.occurrences.iter())
        .position(|o| spanned(o) == group.words)
        .or_else(|| {
            group
                .occurrences
                .iter()
                .position(|o| spanned(o) > group.words)
        })
        .unwrap_or(0)
}

/// Where each group's occurrences start in the flattened list of all occurrences (a span's tag).
fn first_occurrences(groups: &[TextGroup]) -> Vec<usize> {
    groups
        .iter()
        .scan(0, |next, g| {
            let first = *next;
            *next += g.occurrences.len();
            Some(first)
        })
        .collect()
}

/// Each group's text (taken from its named occurrence), from the texts located by tag: moved,
/// not copied.
fn texts_by_group(texts: Vec<(usize, String)>, first_of: &[usize]) -> Vec<Option<String>> {
    let mut by_group = vec![None; first_of.len()];
    for (tag, text) in texts {
        let group = first_of.partition_point(|&first| first <= tag) - 1;
        by_group[group] = Some(text);
    }
    by_group
}

impl SharedText {
    /// One span per occurrence, tagged by its place in the flattened list of occurrences: what
    /// [`SharedText::located`] needs read again (in group order; `locate_together` orders the
    /// spans it reads by document), in a vector with room for `more` spans besides.
    ///
    /// Sized once: collected by doubling, the 3.2 M spans of the 100k real-text corpus (24 bytes
    /// each) took a buffer of up to twice their size, and then a copy to make room for the
    /// quotes' spans, at the scan's peak of memory.
    pub(crate) fn spans_to_locate(&self, more: usize) -> Vec<WantedSpan> {
        let first_of = first_occurrences(&self.groups);
        let total: usize = self.groups.iter().map(|g| g.occurrences.len()).sum();
        let mut spans = Vec::with_capacity(total + more);
        spans.extend(self.groups.iter().zip(&first_of).flat_map(|(g, &first)| {
            let named = text_occurrence(g);
            g.occurrences
                .iter()
                .enumerate()
                .map(move |(o, occ)| WantedSpan {
                    doc: occ.doc,
                    words: occ.words.clone(),
                    quoted_only: false,
                    text: o == named,
                    tag: first + o,
                })
        }));
        spans
    }

    /// The groups and overlap pairs, with the spans of [`SharedText::spans_to_locate`] located:
    /// byte offsets, lines, each group's text. A group with an occurrence in a document that
    /// could not be read again (or changed) is left out, and so are the pairs of that document.
    pub(crate) fn located(self, found: Found) -> (Vec<GroupFinding>, Vec<PairFinding>) {
        let SharedText {
            groups,
            pairs,
            overlap,
            estimate,
        } = self;
        let first_of = first_occurrences(&groups);
        let total = first_of
            .last()
            .map_or(0, |&f| f + groups.last().map_or(0, |g| g.occurrences.len()));
        let Found {
            spans: located,
            texts,
        } = found;
        // Where each occurrence's span is in `located` (which is in document order), by tag.
        let mut index_of: Vec<u32> = vec![u32::MAX; total];
        for (i, l) in located.iter().enumerate() {
            index_of[l.tag] = i as u32;
        }
        let at = |tag: usize| located.get(index_of[tag] as usize);
        let texts = texts_by_group(texts, &first_of);
        let built: Vec<Option<GroupFinding>> = groups
            .par_iter()
            .zip(&first_of)
            .zip(texts)
            .map(|((group, &first), text)| {
                let located: Vec<&SpanLocated> = (first..first + group.occurrences.len())
                    .map(at)
                    .collect::<Option<_>>()?;
                let text = text?;
                Some(GroupFinding {
                    text,
                    words: group.words,
                    docs: group.docs().count(),
                    quoted: located.iter().all(|l| l.quoted),
                    boilerplate: group.boilerplate,
                    occurrences: group
                        .occurrences
                        .iter()
                        .zip(&located)
                        .map(|(o, l)| GroupOccurrenceAt {
                            doc: o.doc,
                            at: l.at,
                            words: o.words.len() as u32,
                        })
                        .collect(),
                })
            })
            .collect();
        // Groups kept, with their new index.
        let mut kept_as: Vec<Option<usize>> = vec![None; groups.len()];
        let mut findings = Vec::with_capacity(groups.len());
        for (g, finding) in built.into_iter().enumerate() {
            if let Some(finding) = finding {
                kept_as[g] = Some(findings.len());
                findings.push(finding);
            }
        }
        let located_at = |g: usize, o: usize| at(first_of[g] + o).map(|l| l.at);
        let pair_findings = pairs
            .par_iter()
            .zip(overlap.par_iter().zip(&estimate))
            .filter_map(|(p, (overlap, &estimate))| {
                let mut passages = Vec::new();
                for &g in &p.groups {
                    let g = g as usize;
                    let id = kept_as[g]?;
                    let group = &groups[g];
                    let index = |doc: DocId| {
                        let from = group.occurrences.partition_point(|o| o.doc < doc);
                        from..from + group.in_doc(doc).len()
                    };
                    // The first occurrence in each: the group's record lists every other place (a
                    // sentence repeated 10,000 times in both would otherwise make 10,000 passages).
                    let (oa, ob) = (index(p.a).start, index(p.b).start);
                    passages.push(Passage {
                        a: located_at(g, oa)?,
                        b: located_at(g, ob)?,
                        words: group.words,
                        quoted: findings[id].quoted,
                        text: findings[id].text.clone(),
                        group: Some(id),
                    });
                }
                passages.sort_by_key(|x| (x.a.start, std::cmp::Reverse(x.a.end), x.b.start));
                // A nested group inside a longer passage of the same pair says nothing more here.
                let mut kept: Vec<Passage> = Vec::with_capacity(passages.len());
                for passage in passages {
                    let inside = |k: &Passage| {
                        k.a.start <= passage.a.start
                            && passage.a.end <= k.a.end
                            && k.b.start <= passage.b.start
                            && passage.b.end <= k.b.end
                    };
                    if !kept.iter().rev().take(8).any(inside) {
                        kept.push(passage);
                    }
                }
                let passages = kept;
                Some(PairFinding {
                    a: p.a,
                    b: p.b,
                    kind: PairKind::Overlap,
                    jaccard: overlap.jaccard(),
                    estimate,
                    containment_a: overlap.containment_a(),
                    containment_b: overlap.containment_b(),
                    passages,
                })
            })
            .collect();
        (findings, pair_findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text goes to the group whose occurrences its tag falls in, and a group whose named
    /// occurrence was not located has none.
    #[test]
    fn texts_go_to_the_group_of_their_tag() {
        // Three groups of 2, 3 and 2 occurrences: tags 0-1, 2-4 and 5-6.
        let first_of = [0, 2, 5];
        let texts = vec![(1, "a".to_string()), (6, "c".to_string())];
        assert_eq!(
            texts_by_group(texts, &first_of),
            [Some("a".to_string()), None, Some("c".to_string())]
        );
        assert_eq!(
            texts_by_group(Vec::new(), &[]),
            Vec::<Option<String>>::new()
        );
    }
}
