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
    let members = Members::of(groups, unit);
    // Which groups each document holds, so that each document finds its partners on its own
    // (in parallel, in cache) instead of one sort of every (a, b, group) of the corpus.
    let mut holding: Vec<Held> = (0..groups.len())
        .into_par_iter()
        .flat_map_iter(|g| {
            let first = members.starts[g];
            members
                .of_group(g)
                .iter()
                .enumerate()
                .map(move |(i, m)| Held {
                    doc: m.doc,
                    group: g as u32,
                    at: (first + i) as u32,
                })
        })
        .collect();
    holding.par_sort_unstable_by_key(|h| (h.doc, h.group));
    let by_doc: Vec<&[Held]> = holding.chunk_by(|x, y| x.doc == y.doc).collect();
    let reaches = |covered: u32, doc: DocId| {
        f64::from(covered) >= min_containment * f64::from(words(doc).max(1))
    };
    let docs = holding.last().map_or(0, |h| h.doc.index() + 1);
    by_doc
        .par_iter()
        .map_init(
            || Partners::new(docs),
            |partners, held| pairs_of(held, &members, groups, partners, &reaches, unit),
        )
        .flat_map_iter(|pairs| pairs)
        .collect()
}

/// The pairs `(a, b)`, `b > a`, of the document `a` that holds the groups `held`, by `b`.
fn pairs_of(
    held: &[Held],
    members: &Members,
    groups: &[TextGroup],
    partners: &mut Partners,
    reaches: &(dyn Fn(u32, DocId) -> bool + Sync),
    unit: &(dyn Fn(DocId) -> u32 + Sync),
) -> Vec<SharedPair> {
    let a = held[0].doc;
    partners.gather(held, members, unit(a));
    // Sums bound the union from above: most partners are ruled out without it.
    let likely =
        |&(b, most_a, most_b): &(DocId, u32, u32)| reaches(most_a, a) || reaches(most_b, b);
    let mut pairs: Vec<SharedPair> = partners
        .sums()
        .filter(likely)
        .map(|(b, _, _)| SharedPair {
            a,
            b,
            covered_a: 0,
            covered_b: 0,
            groups: Vec::new(),
        })
        .collect();
    if pairs.is_empty() {
        return pairs;
    }
    // The groups each likely pair shares, ascending (`held` is by group).
    partners.number(pairs.iter().map(|p| p.b));
    for h in held {
        for m in members.after(h) {
            if let Some(i) = partners.numbered(m.doc) {
                pairs[i].groups.push(h.group);
            }
        }
    }
    pairs.retain_mut(|p| {
        p.covered_a = covered(groups, &p.groups, a);
        p.covered_b = covered(groups, &p.groups, p.b);
        reaches(p.covered_a, a) || reaches(p.covered_b, p.b)
    });
    pairs
}

/// A document of a group: the words the group's occurrences span there (at least what they
/// cover together) and its unit.
#[derive(Debug, Clone, Copy)]
struct Member {
    doc: DocId,
    spanned: u32,
    unit: u32,
}

/// Every non-boilerplate group's documents, ascending, in one array (boilerplate groups have
/// none: they make no pairs).
struct Members {
    members: Vec<Member>,
    /// Where each group's members start in `members` (and the end).
    starts: Vec<usize>,
}

impl Members {
    fn of(groups: &[TextGroup], unit: &(dyn Fn(DocId) -> u32 + Sync)) -> Self {
        // One pass over each group's occurrences, which are ordered by document, straight into
        // one array of the size counted first (a list per group, concatenated, held the members
        // twice).
        let count = |g: &TextGroup| {
            let changes = g.occurrences.windows(2).filter(|w| w[0].doc != w[1].doc);
            if g.boilerplate || g.occurrences.is_empty() {
                0
            } else {
                1 + changes.count()
            }
        };
        let mut members: Vec<Member> =
            Vec::with_capacity(groups.par_iter().map(count).sum::<usize>());
        let mut starts = Vec::with_capacity(groups.len() + 1);
        starts.push(0);
        for g in groups {
            let first = members.len();
            if g.boilerplate {
                starts.push(first);
                continue;
            }
            for o in &g.occurrences {
                let words = o.words.len() as u32;
                match members[first..].last_mut() {
                    Some(m) if m.doc == o.doc => m.spanned += words,
                    _ => members.push(Member {
                        doc: o.doc,
                        spanned: words,
                        unit: unit(o.doc),
                    }),
                }
            }
            // [`Members::after`] takes a document's partners `b > a` as the members after it.
            debug_assert!(members[first..].windows(2).all(|w| w[0].doc < w[1].doc));
            starts.push(members.len());
        }
        Members { members, starts }
    }

    /// The documents of group `g`, ascending.
    fn of_group(&self, g: usize) -> &[Member] {
        &self.members[self.starts[g]..self.starts[g + 1]]
    }

    /// The members of `held`'s group after its document: its partners `b > a` there.
    fn after(&self, held: &Held) -> &[Member] {
        &self.members[held.at as usize + 1..self.starts[held.group as usize + 1]]
    }
}

/// A group a document holds.
#[derive(Debug, Clone, Copy)]
struct Held {
    doc: DocId,
    group: u32,
    /// The document's index in the array of all groups' [`Members`] (whose entry says the
    /// words it spans there).
    at: u32,
}

/// One document's partners (the other documents of its groups) and, per partner, the words the
/// shared groups span in each of the two: summed in an array over all documents, one per rayon
/// job (so at most one alive per thread) and reused for each document of the job, where sorting every (partner, group) of a document made each a sort's worth of work (30 M
/// of them at 100k real-text documents).
struct Partners {
    /// Per document: the words spanned in the document asked about and in this one, and the
    /// generation they were last written in (an entry of an older one counts as zero). After
    /// [`Partners::number`], the first value is a partner's number instead.
    sums: Vec<(u32, u32, u32)>,
    /// Partners written in this generation.
    touched: Vec<DocId>,
    generation: u32,
}

impl Partners {
    fn new(docs: usize) -> Self {
        Partners {
            sums: vec![(0, 0, 0); docs],
            touched: Vec::new(),
            generation: 0,
        }
    }

    /// Sums the words spanned per partner `b > a` of another unit than `unit_a` over the
    /// groups `held` (by `a`), forgetting the previous document's.
    fn gather(&mut self, held: &[Held], members: &Members, unit_a: u32) {
        self.generation += 1;
        self.touched.clear();
        for h in held {
            let spanned_a = members.members[h.at as usize].spanned;
            for m in members.after(h) {
                if m.unit == unit_a {
                    continue;
                }
                let entry = &mut self.sums[m.doc.index()];
                if entry.2 != self.generation {
                    *entry = (0, 0, self.generation);
                    self.touched.push(m.doc);
                }
                entry.0 += spanned_a;
                entry.1 += m.spanned;
            }
        }
        self.touched.sort_unstable();
    }

    /// Numbers `partners` 0, 1, ... for [`Partners::numbered`], forgetting the sums.
    fn number(&mut self, partners: impl Iterator<Item = DocId>) {
        self.generation += 1;
        self.touched.clear();
        for (i, b) in partners.enumerate() {
            self.sums[b.index()] = (i as u32, 0, self.generation);
        }
    }

    /// The number [`Partners::number`] gave `b`, if it gave one.
    fn numbered(&self, b: DocId) -> Option<usize> {
        let (i, _, generation) = self.sums[b.index()];
        (generation == self.generation).then_some(i as usize)
    }

    /// `(partner, words spanned in the document asked about, in the partner)`, by partner.
    fn sums(&self) -> impl Iterator<Item = (DocId, u32, u32)> + '_ {
        self.touched.iter().map(|&b| {
            let (in_a, in_b, _) = self.sums[b.index()];
            (b, in_a, in_b)
        })
    }
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
    use proptest::prelude::*;

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

    /// Every pair of documents of different units, their shared non-boilerplate groups and the
    /// union of those groups' words in each, one pair at a time.
    fn pairs_one_by_one(
        groups: &[TextGroup],
        docs: u32,
        words: &dyn Fn(DocId) -> u32,
        unit: &dyn Fn(DocId) -> u32,
        min_containment: f64,
    ) -> Vec<SharedPair> {
        let mut pairs = Vec::new();
        for a in (0..docs).map(DocId) {
            for b in (a.0 + 1..docs).map(DocId) {
                if unit(a) == unit(b) {
                    continue;
                }
                let ids: Vec<u32> = (0..groups.len() as u32)
                    .filter(|&g| {
                        let g = &groups[g as usize];
                        !g.boilerplate && !g.in_doc(a).is_empty() && !g.in_doc(b).is_empty()
                    })
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let (covered_a, covered_b) = (covered(groups, &ids, a), covered(groups, &ids, b));
                let reaches =
                    |c: u32, d: DocId| f64::from(c) >= min_containment * f64::from(words(d).max(1));
                if reaches(covered_a, a) || reaches(covered_b, b) {
                    pairs.push(SharedPair {
                        a,
                        b,
                        covered_a,
                        covered_b,
                        groups: ids,
                    });
                }
            }
        }
        pairs
    }

    /// A group's occurrences `(doc, start, length)` and whether it is boilerplate.
    type RawGroup = (Vec<(u32, u32, u32)>, bool);

    /// Random groups over a few documents.
    fn random_groups() -> impl Strategy<Value = Vec<RawGroup>> {
        let occurrence = (0u32..7, 0u32..30, 1u32..12);
        let group = (
            prop::collection::vec(occurrence, 2..6),
            prop::bool::weighted(0.15),
        );
        prop::collection::vec(group, 0..12)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn pairs_are_those_found_one_pair_at_a_time(
            raw in random_groups(),
            units in prop::collection::vec(0u32..5, 7),
            containment in prop::sample::select(vec![0.0, 0.1, 0.3, 0.5, 0.9]),
        ) {
            let groups: Vec<TextGroup> = raw
                .into_iter()
                .map(|(mut occurrences, boilerplate)| {
                    occurrences.sort_unstable();
                    occurrences.dedup();
                    let occurrences: Vec<(u32, u32, u32)> =
                        occurrences.into_iter().map(|(d, s, n)| (d, s, s + n)).collect();
                    group(&occurrences, boilerplate)
                })
                .collect();
            let words = |d: DocId| 20 + 3 * d.0;
            let unit = |d: DocId| units[d.index()];
            let expected = pairs_one_by_one(&groups, 7, &words, &unit, containment);
            prop_assert_eq!(overlap_pairs(&groups, &words, &unit, containment), expected.clone());
            // On one thread, one `Partners` serves every document: what one document summed
            // must not reach the next.
            let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            let found = one_thread.install(|| overlap_pairs(&groups, &words, &unit, containment));
            prop_assert_eq!(found, expected);
        }
    }
}
