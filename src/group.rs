//! Groups: the text that documents share, each shared text found once for the whole corpus and
//! listed with every place it occurs.
//!
//! # What a group is
//! Take every run of `K = --min-words` words (a *K-gram*) of every document. A K-gram held by two
//! or more units (a unit is a document, or all members of one near-duplicate cluster together) is
//! *shared*. A group is a word sequence that
//! 1. occurs in two or more units,
//! 2. is maximal for its occurrences: extending it by one word to the left or right, in all of
//!    its occurrences at once, would lose one of them (they disagree there, or one reaches its
//!    document's edge), and
//! 3. holds a K-gram that occurs exactly where the group does (its *anchor*): a group is never
//!    only a concatenation of text that is each more common than the whole.
//!
//! So a paragraph in 40 documents is one group of 40 occurrences, and a sentence of it also
//! quoted by 60 more documents is a second group, nested in the first, of 100 occurrences.
//! `tests/group_properties.rs` compares [`find_groups`] with a brute-force enumeration of exactly
//! this definition on small random corpora.
//!
//! # How they are found (linear in the words, never pairwise)
//! The K-grams of all documents form a graph in which each distinct K-gram is a node with its
//! occurrences, and consecutive K-grams of a document are an edge (a de Bruijn graph of the
//! corpus, as in genome assembly). Where every occurrence of one node is followed by the same
//! word and every occurrence of the next node is preceded by the same word, the two nodes occur
//! in exactly the same places, one word apart: they belong to one *unitig*, a chain of nodes
//! with one set of occurrences. Both tests read one node's occurrences only, so they are made in
//! a shuffle by K-gram hash (here: sorted in rounds by the top bits of the hash, in parallel; on
//! Spark, a group-by on the hash), and each occurrence gets three bits: shared, same word before,
//! same word after. Each document then cuts its shared positions into unitig instances by those
//! bits alone, the instances are grouped by the hash of their first node (in rounds, by a few bits
//! of that node's words, so that a round's instances are held at once, not the corpus's), and each
//! unitig is extended word by word while all of its occurrences agree (this is where a longer text
//! shared by fewer documents grows over the nested, more common one). Unitigs that extend to the
//! same text are one group.
//!
//! Finally [`merge_edits`] joins groups with the same documents that follow each other in every
//! one of them with at most `max_gap` words between: an edited copy is one passage.

use crate::scan::timed;
use crate::DocId;
use rayon::prelude::*;
use std::hash::Hasher;
use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// One document as the group stage sees it: its word hashes (32 bits each).
#[derive(Debug, Clone, Copy)]
pub struct GroupInput<'a> {
    /// The document.
    pub doc: DocId,
    /// The unit it belongs to: documents of one unit (members of a near-duplicate cluster) do
    /// not make text shared between them alone.
    pub unit: u32,
    /// Its words' hashes, in order.
    pub words: &'a [u32],
}

/// How groups are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupParams {
    /// K: the shortest run of words that can start a group (see [`GroupParams::for_min_words`]).
    pub seed_words: usize,
    /// The fewest words a reported group has in common across its occurrences (`--min-words`).
    pub min_words: usize,
    /// Groups with the same documents, in the same order in each, merge across gaps of up to this
    /// many words (0: no merging).
    pub max_gap: usize,
    /// A group in more units than this is boilerplate (`--max-df`).
    pub max_df: usize,
    /// Fold a group nested in a longer one, of at least half its words, into it
    /// ([`fold_partial_copies`]).
    pub fold: bool,
}

impl GroupParams {
    /// K is half of `--min-words` (at least 3): an edited copy whose pieces between edits are
    /// shorter than `--min-words` is still found, its pieces merged across the edits
    /// ([`merge_edits`]) and reported when they match `--min-words` words together. Groups of
    /// fewer words (unmerged) are dropped. Folding ([`fold_partial_copies`]) is on.
    ///
    /// Pieces merge across `max_gap` words plus K - 1: a piece of fewer than K words between two
    /// edits holds no K-gram, so to this stage it is part of the gap (a pairwise aligner with
    /// 3-word seeds would have matched it). On PAN-style obfuscated reuse (`plant_reuse.py`,
    /// 1,000 passages, a tenth of the words edited), groups projected onto pairs had a
    /// granularity of 1.197 with gaps of 8 words and 1.064 with 11 (BENCHMARKS.md).
    pub fn for_min_words(min_words: usize, max_gap: usize, max_df: usize) -> Self {
        let seed_words = (min_words / 2).max(3).min(min_words);
        GroupParams {
            seed_words,
            min_words,
            max_gap: if max_gap > 0 {
                max_gap + seed_words - 1
            } else {
                0
            },
            max_df,
            fold: true,
        }
    }
}

/// Where one group occurs: a document and a range of its words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupOccurrence {
    /// The document.
    pub doc: DocId,
    /// Its words `start..end`.
    pub words: Range<u32>,
}

/// Shared text: every place it occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextGroup {
    /// Every occurrence, by document then position.
    pub occurrences: Vec<GroupOccurrence>,
    /// Words the occurrences have in common (an edited copy's own words not counted).
    pub words: u32,
    /// Distinct units holding it.
    pub units: u32,
    /// In more than `max_df` units: listed, but makes no pairs.
    pub boilerplate: bool,
}

impl TextGroup {
    /// The distinct documents holding it, ascending.
    pub fn docs(&self) -> impl Iterator<Item = DocId> + '_ {
        let mut last = None;
        self.occurrences.iter().filter_map(move |o| {
            let new = last != Some(o.doc);
            last = Some(o.doc);
            new.then_some(o.doc)
        })
    }

    /// The occurrences in `doc`.
    pub fn in_doc(&self, doc: DocId) -> &[GroupOccurrence] {
        let from = self.occurrences.partition_point(|o| o.doc < doc);
        let to = self.occurrences.partition_point(|o| o.doc <= doc);
        &self.occurrences[from..to]
    }
}

/// Positions hashed per round of the shuffle: a round's postings (24 bytes each) take about
/// 200 MB, whatever the corpus size.
const POSITIONS_PER_ROUND: usize = 1 << 23;

/// Flag bits per K-gram position.
const SHARED: u8 = 1;
/// Every occurrence of this K-gram is preceded by the same word.
const SAME_BEFORE: u8 = 2;
/// Every occurrence of this K-gram is followed by the same word.
const SAME_AFTER: u8 = 4;

/// Finds the groups of `docs` (sorted by document, one input per document), ordered by first
/// occurrence, then longest first.
pub fn find_groups(docs: &[GroupInput<'_>], params: GroupParams) -> Vec<TextGroup> {
    find_groups_timed(docs, params).0
}

/// [`find_groups`], with the wall time of each step (for `dedup scan --timings`).
pub fn find_groups_timed(
    docs: &[GroupInput<'_>],
    params: GroupParams,
) -> (Vec<TextGroup>, Vec<(&'static str, Duration)>) {
    let k = params.seed_words.max(1);
    let (flags, flag_time) = timed(|| shared_flags(docs, k));
    let (repeats, unitig_time, extend_time) =
        unitig_groups(docs, &flags, k, params.min_words, INSTANCES_PER_ROUND);
    drop(flags);
    let (repeats, distinct_time) = timed(|| distinct_in_group_order(repeats));
    let mut times = vec![
        ("shared k-grams", flag_time),
        ("unitigs", unitig_time),
        ("extend", extend_time + distinct_time),
    ];
    let min_words = params.min_words as u32;
    let (long, short): (Vec<Repeat>, Vec<Repeat>) =
        repeats.into_iter().partition(|r| r.words >= min_words);
    let mut groups: Vec<Vec<Occ>> = long.into_iter().map(Repeat::into_occurrences).collect();
    if params.fold {
        let (folded, took) = timed(|| fold_partial_copies(groups, min_words));
        groups = folded;
        times.push(("fold partial copies", took));
    }
    let (groups, took) = timed(|| {
        let short = mergeable_short(short, &groups, params.max_gap > 0);
        merged_text_groups(docs, merge_in_group_order(groups, short), params)
    });
    times.push(("merge edits", took));
    (groups, times)
}

/// `groups` (in [`group_order`]) as [`TextGroup`]s, merged across edits when `params` merge,
/// without those of fewer than `--min-words` words matched.
fn merged_text_groups(
    docs: &[GroupInput<'_>],
    groups: Vec<Vec<Occ>>,
    params: GroupParams,
) -> Vec<TextGroup> {
    let mut groups: Vec<TextGroup> = groups
        .into_par_iter()
        .map(|occurrences| text_group(docs, occurrences, params.max_df))
        .collect();
    if params.max_gap > 0 {
        groups = merge_edits(groups, params.max_gap);
    }
    groups.retain(|g| g.words as usize >= params.min_words);
    groups
}

/// `groups` without repeats, in [`group_order`]. A group is the set of every place its text
/// occurs, so two groups whose first occurrences are the same words are the same group: sorting
/// and comparing that first occurrence alone is enough (and reads no group's other places).
fn distinct_in_group_order(groups: Vec<Repeat>) -> Vec<Repeat> {
    let mut keys: Vec<(Occ, u32)> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let (doc, start, end) = g.first();
            ((doc, start, u32::MAX - end), i as u32)
        })
        .collect();
    keys.par_sort_unstable();
    keys.dedup_by_key(|k| k.0);
    let mut groups: Vec<Option<Repeat>> = groups.into_iter().map(Some).collect();
    keys.into_iter()
        .filter_map(|(_, i)| groups[i as usize].take())
        .collect()
}

/// Folds each group nested in a longer group of at most twice its words into that group: its
/// occurrences outside the longer group's join it as partial copies (fewer words). A paragraph
/// in 1,300 documents, cut short in 80 of them at different places (a document that ends
/// mid-paragraph), is one group of 1,300 occurrences, not 80 nested groups of about 1,300 each
/// (measured on the 10k real-text corpus: single records of 115 KB, each listing almost the same
/// places). A short sentence of a long paragraph, quoted widely, stays a group of its own.
///
/// `groups` are exact repeats (before [`merge_edits`]) in [`group_order`], each occurrence
/// `(document index, start, end)`, a group's occurrences sorted by document then start; a group
/// holds every place its text occurs, so one occurrence of a longer group holding one of a
/// shorter means that all of them do.
///
/// `groups` are those of at least `min_words` words: a shorter one is never folded, and the group
/// holding a longer one is longer still, so [`find_groups`] sets the others aside and puts them
/// back in order unchanged ([`merge_in_group_order`]). At 100k real-text documents they hold
/// 8.3 M of the 11.8 M occurrences (pieces of edited copies, kept to merge), and the fold took
/// 1.29 s with them, 0.62 s without (BENCHMARKS.md, tenth session).
pub fn fold_partial_copies(groups: Vec<Vec<Occ>>, min_words: u32) -> Vec<Vec<Occ>> {
    debug_assert!(groups.iter().all(|g| g[0].2 - g[0].1 >= min_words));
    fold_in_passes(groups, min_words, PLACES_PER_PASS)
}

/// Two lists in [`group_order`] (no group in both) as one.
fn merge_in_group_order(x: Vec<Vec<Occ>>, y: Vec<Vec<Occ>>) -> Vec<Vec<Occ>> {
    let mut merged = Vec::with_capacity(x.len() + y.len());
    let (mut x, mut y) = (x.into_iter().peekable(), y.into_iter().peekable());
    loop {
        let next = match (x.peek(), y.peek()) {
            (Some(a), Some(b)) if group_order(a, b).is_le() => x.next(),
            (Some(_), Some(_)) => y.next(),
            (Some(_), None) => x.next(),
            (None, _) => y.next(),
        };
        match next {
            Some(group) => merged.push(group),
            None => return merged,
        }
    }
}

/// The groups shorter than `--min-words` (`short`) that may still merge with another across an
/// edit, as occurrences, in their order (none when `merging` is off): [`merge_edits`] joins only
/// groups with the same documents, one occurrence in each, so a short group whose documents no
/// other such group has (`long` holds the others, folded when folding is on) would be dropped
/// unmerged at the end.
/// Dropped here, it is neither made a [`TextGroup`] nor sorted for merging (at 100k real-text
/// documents, 448 k of 1.04 M groups, 7.7 M of their 11.8 M occurrences). Which documents a
/// group has is compared by a hash of them; two lists that collide only keep a group that the
/// merge then drops.
fn mergeable_short(short: Vec<Repeat>, long: &[Vec<Occ>], merging: bool) -> Vec<Vec<Occ>> {
    if !merging {
        return Vec::new();
    }
    let docs_key = |docs: &mut dyn Iterator<Item = u32>| {
        let mut hasher = rustc_hash::FxHasher::default();
        docs.for_each(|d| hasher.write_u32(d));
        hasher.finish()
    };
    let long_keys = long
        .par_iter()
        .filter(|g| g.windows(2).all(|w| w[0].0 != w[1].0))
        .map(|g| docs_key(&mut g.iter().map(|o| o.0)));
    // Every short group has one occurrence a document (`unitig_groups` kept no other).
    let short_key = |r: &Repeat| docs_key(&mut r.starts.iter().map(|s| s.0));
    let mut keys: Vec<u64> = long_keys.chain(short.par_iter().map(short_key)).collect();
    keys.par_sort_unstable();
    let shared_by_two = |key: u64| {
        let first = keys.partition_point(|&k| k < key);
        keys.get(first + 1) == Some(&key)
    };
    short
        .into_par_iter()
        .filter(|r| shared_by_two(short_key(r)))
        .map(Repeat::into_occurrences)
        .collect()
}

/// [`fold_partial_copies`], sorting about `per_pass` occurrences at a time.
fn fold_in_passes(groups: Vec<Vec<Occ>>, min_words: u32, per_pass: usize) -> Vec<Vec<Occ>> {
    debug_assert!(groups.iter().all(|g| g.windows(2).all(|w| w[0] < w[1])));
    let len = |g: &[Occ]| g[0].2 - g[0].1;
    // Each group's parent: the longest group holding one of its occurrences (the first such
    // group on ties), found a range of documents at a time.
    let mut parents: Vec<Option<(u32, u32)>> = vec![None; groups.len()];
    for (g, words, h) in held_occurrences(&groups, per_pass) {
        let best = &mut parents[g as usize];
        if best.is_none_or(|(w, p)| (words, std::cmp::Reverse(h)) > (w, std::cmp::Reverse(p))) {
            *best = Some((words, h));
        }
    }
    let parents: Vec<Option<usize>> = parents
        .into_iter()
        .map(|p| p.map(|(_, h)| h as usize))
        .collect();
    let longest = groups.iter().map(|g| len(g)).max().unwrap_or(0);
    // Longest first: where a parent went is known before its nested groups are placed.
    let lens: Vec<u32> = groups.iter().map(|g| len(g)).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.par_sort_unstable_by_key(|&g| (std::cmp::Reverse(lens[g]), g));
    let mut home: Vec<usize> = (0..groups.len()).collect();
    for &g in &order {
        if let Some(p) = parents[g] {
            let h = home[p];
            // A copy shorter than --min-words is no shared text: it stays a group (to merge
            // across an edit, or be dropped).
            if lens[g] >= min_words && 2 * lens[g] >= lens[h] {
                home[g] = h;
            }
        }
    }
    let mut groups = groups;
    for &g in &order {
        let h = home[g];
        if h == g {
            continue;
        }
        let nested = std::mem::take(&mut groups[g]);
        let outer = &groups[h];
        let inside = |o: &Occ| {
            let at = outer.partition_point(|p| (p.0, p.1) <= (o.0, o.1));
            outer[..at]
                .iter()
                .rev()
                .take_while(|p| p.0 == o.0 && p.1 + longest >= o.1)
                .any(|p| p.2 >= o.2)
        };
        let extra: Vec<Occ> = nested.into_iter().filter(|o| !inside(o)).collect();
        if !extra.is_empty() {
            let outer = &mut groups[h];
            outer.extend(extra);
            outer.sort_unstable();
        }
    }
    let mut folded: Vec<Vec<Occ>> = groups.into_iter().filter(|g| !g.is_empty()).collect();
    folded.par_sort_unstable_by(|x, y| group_order(x, y));
    folded
}

/// An occurrence while groups are found: document index, first word, one past the last.
pub type Occ = (u32, u32, u32);

/// A unitig extended: its words and where each occurrence starts (document index, first word),
/// by document then start. Until folding, every occurrence of a group has the same words, so an
/// occurrence takes 8 bytes here where an [`Occ`] takes 12: the 15.7 M occurrences found for the
/// 100k real-text corpus are the largest part of the group stage's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Repeat {
    words: u32,
    starts: Vec<(u32, u32)>,
}

impl Repeat {
    /// The first occurrence.
    fn first(&self) -> Occ {
        let (doc, start) = self.starts[0];
        (doc, start, start + self.words)
    }

    fn into_occurrences(self) -> Vec<Occ> {
        let words = self.words;
        self.starts
            .into_iter()
            .map(|(doc, start)| (doc, start, start + words))
            .collect()
    }
}

/// About this many occurrences, sorted by document and start, are held at once in
/// [`fold_partial_copies`] (16 bytes each, 64 MB; a pass takes a range of documents sized for
/// this many on average, so a corpus whose occurrences bunch in some documents holds more): the
/// occurrences of all groups before folding are many, so they are sorted a range of documents at
/// a time.
const PLACES_PER_PASS: usize = 1 << 22;

/// For every occurrence that a longer group's occurrence holds (same document, within its
/// words): `(group, words of the longest such group, that group)`, the first group on ties.
/// `groups` hold their occurrences by document then position.
fn held_occurrences(
    groups: &[Vec<Occ>],
    per_pass: usize,
) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
    let total: usize = groups.iter().map(Vec::len).sum();
    let docs = groups
        .iter()
        .filter_map(|g| g.last())
        .map(|o| o.0 as usize + 1)
        .max()
        .unwrap_or(0);
    let step = docs.div_ceil(total.div_ceil(per_pass.max(1)).max(1)).max(1);
    let mut cursors = vec![0usize; groups.len()];
    (0..docs).step_by(step).flat_map(move |first| {
        let end = u32::try_from(first + step).unwrap_or(u32::MAX);
        // Every occurrence in documents `first..end`: (doc, start, end, group).
        let mut places: Vec<(u32, u32, u32, u32)> = groups
            .par_iter()
            .zip(cursors.par_iter_mut())
            .enumerate()
            .flat_map_iter(|(g, (occurrences, cursor))| {
                let from = *cursor;
                *cursor += occurrences[from..].partition_point(|o| o.0 < end);
                occurrences[from..*cursor]
                    .iter()
                    .map(move |o| (o.0, o.1, o.2, g as u32))
            })
            .collect();
        places.par_sort_unstable();
        // Per document, in one sweep by start: the longest other group holding each occurrence.
        let by_doc: Vec<&[(u32, u32, u32, u32)]> = places.chunk_by(|x, y| x.0 == y.0).collect();
        let held: Vec<(u32, u32, u32)> = by_doc
            .par_iter()
            .flat_map_iter(|doc| {
                let mut active: Vec<(u32, u32, u32)> = Vec::new(); // (end, words, group)
                let mut found = Vec::new();
                for &(_, start, end, g) in doc.iter() {
                    active.retain(|a| a.0 > start);
                    let words = end - start;
                    if let Some(best) = active
                        .iter()
                        .filter(|a| a.0 >= end && a.1 > words)
                        .max_by_key(|a| (a.1, std::cmp::Reverse(a.2)))
                    {
                        found.push((g, best.1, best.2));
                    }
                    active.push((end, words, g));
                }
                found
            })
            .collect();
        held
    })
}

/// First occurrence first; of two groups starting at the same place, the longer first.
pub fn group_order(x: &[Occ], y: &[Occ]) -> std::cmp::Ordering {
    let (a, b) = (x[0], y[0]);
    (a.0, a.1)
        .cmp(&(b.0, b.1))
        .then(b.2.cmp(&a.2))
        .then(x.len().cmp(&y.len()))
        .then_with(|| x.cmp(y))
}

fn text_group(docs: &[GroupInput<'_>], occurrences: Vec<Occ>, max_df: usize) -> TextGroup {
    let mut units: Vec<u32> = occurrences
        .iter()
        .map(|o| docs[o.0 as usize].unit)
        .collect();
    units.sort_unstable();
    units.dedup();
    // The full text's length: a folded group's partial copies are shorter.
    let words = occurrences.iter().map(|o| o.2 - o.1).max().unwrap_or(0);
    TextGroup {
        occurrences: occurrences
            .into_iter()
            .map(|(i, start, end)| GroupOccurrence {
                doc: docs[i as usize].doc,
                words: start..end,
            })
            .collect(),
        words,
        units: units.len() as u32,
        boilerplate: units.len() > max_df,
    }
}

/// The flag bits of every K-gram position of every document, one byte each, concatenated in
/// document order (see [`positions`] for where each document's start).
fn shared_flags(docs: &[GroupInput<'_>], k: usize) -> Flags {
    shared_flags_in_rounds(docs, k, POSITIONS_PER_ROUND)
}

/// [`shared_flags`], in rounds of about `per_round` positions.
fn shared_flags_in_rounds(docs: &[GroupInput<'_>], k: usize, per_round: usize) -> Flags {
    let flags = Flags::new(docs, k);
    let total = flags.len();
    let bits = round_bits(total, per_round);
    // Each position's round, in its flag byte until its round comes: the K-grams are hashed
    // once here and once in their round, not once per round (hashing every position in every
    // round made the stage grow with the square of the corpus: 32 rounds at 300k documents).
    docs.par_iter().enumerate().for_each(|(i, d)| {
        for (slot, hash) in flags.doc(i).iter().zip(kgram_iter(d.words, k)) {
            slot.store(FIRST_ROUND + round_of(hash, bits), Ordering::Relaxed);
        }
    });
    for round in 0..(1u64 << bits) {
        let pending = FIRST_ROUND + round as u8;
        // Each chunk of documents files its postings by bucket (the hash bits below the round's),
        // then each bucket is gathered from every chunk and grouped by hash on its own
        // ([`group_by_hash`]): at most about 8,000 postings, in cache, in parallel.
        let chunks: Vec<(Vec<Posting>, Vec<usize>)> = docs
            .par_chunks(DOCS_PER_CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let first = (c * DOCS_PER_CHUNK) as u32;
                let mut postings = Vec::new();
                for (j, d) in chunk.iter().enumerate() {
                    let doc = first + j as u32;
                    let words = d.words;
                    // The words around each K-gram travel with it, so that judging a K-gram
                    // never reads another document's words (a cache miss per occurrence).
                    for (p, slot) in flags.doc(doc as usize).iter().enumerate() {
                        if slot.load(Ordering::Relaxed) != pending {
                            continue;
                        }
                        // Not shared until its node says so.
                        slot.store(0, Ordering::Relaxed);
                        postings.push(Posting {
                            hash: kgram_hash(&words[p..p + k]),
                            doc,
                            pos: p as u32,
                            before: if p > 0 { words[p - 1] } else { 0 },
                            after: words.get(p + k).copied().unwrap_or(0),
                        });
                    }
                }
                by_bucket(postings, |p| p.hash, bits)
            })
            .collect();
        (0..BUCKETS).into_par_iter().for_each_init(
            || (Vec::new(), Vec::new()),
            |(bucket, by_hash), b| {
                bucket.clear();
                bucket.extend(
                    chunks
                        .iter()
                        .flat_map(|(postings, starts)| &postings[starts[b]..starts[b + 1]])
                        .copied(),
                );
                let by_key = |part: &mut [Posting]| part.sort_unstable_by_key(|p| p.hash);
                by_hash.clear();
                by_hash.resize(bucket.len(), Posting::default());
                group_by_hash(bucket, |p| p.hash, bits + BUCKET_BITS, by_hash, by_key);
                for node in by_hash.chunk_by(|x, y| x.hash == y.hash) {
                    flag_node(docs, node, &flags);
                }
            },
        );
    }
    flags
}

/// One occurrence of a K-gram: its hash, document index and position, and the words just
/// before and after it (0 at the document's edge, where the position says so).
#[derive(Debug, Clone, Copy, Default)]
struct Posting {
    hash: u64,
    doc: u32,
    pos: u32,
    before: u32,
    after: u32,
}

/// Documents whose postings one task files.
const DOCS_PER_CHUNK: usize = 256;

/// Buckets per round, by the hash bits below the round's.
const BUCKETS: usize = 1 << BUCKET_BITS;
const BUCKET_BITS: u32 = 10;

/// Parts of a bucket in [`group_by_hash`], by the hash bits below the bucket's.
const PARTS_OF_BUCKET: usize = 1 << 8;

/// `items` (one bucket's, the top `known_bits` bits of their `hash` alike) into `out` (as long)
/// with equal hashes next to each other: a counting sort by the next 8 bits, then each part (a
/// few dozen postings, or a few instances) sorted by `sort_part`. Sorting each bucket of about
/// 7,000 postings whole took 1.85 s of CPU at 100k real-text documents, over a third of the CPU
/// of the shared K-grams step's bucket phase (one probe run; 1.13 s this way).
fn group_by_hash<T: Copy>(
    items: &[T],
    hash: impl Fn(&T) -> u64,
    known_bits: u32,
    out: &mut [T],
    sort_part: impl Fn(&mut [T]),
) {
    debug_assert_eq!(items.len(), out.len());
    let part = |x: &T| (hash(x).checked_shl(known_bits).unwrap_or(0) >> 56) as usize;
    let mut starts = [0usize; PARTS_OF_BUCKET + 1];
    for x in items {
        starts[part(x) + 1] += 1;
    }
    for i in 0..PARTS_OF_BUCKET {
        starts[i + 1] += starts[i];
    }
    let mut next = starts;
    for x in items {
        let at = &mut next[part(x)];
        out[*at] = *x;
        *at += 1;
    }
    for w in starts.windows(2) {
        sort_part(&mut out[w[0]..w[1]]);
    }
}

/// `items` ordered in place by the top `BUCKET_BITS` bits of `hash` (not stable: each element
/// swapped straight into its bucket), with where each bucket starts (and the end).
fn by_bucket_in_place<T>(items: &mut [T], hash: impl Fn(&T) -> u64) -> Vec<usize> {
    let bucket = |x: &T| (hash(x) >> (64 - BUCKET_BITS)) as usize;
    let mut starts = vec![0usize; BUCKETS + 1];
    for x in items.iter() {
        starts[bucket(x) + 1] += 1;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    for b in 0..BUCKETS {
        while next[b] < starts[b + 1] {
            let home = bucket(&items[next[b]]);
            if home != b {
                items.swap(next[b], next[home]);
            }
            next[home] += 1;
        }
    }
    starts
}

/// `items` ordered by the `BUCKET_BITS` bits of `hash` below its top `known_bits` (a stable
/// counting sort), with where each bucket starts (and the end).
fn by_bucket<T: Copy + Default>(
    items: Vec<T>,
    hash: impl Fn(&T) -> u64,
    known_bits: u32,
) -> (Vec<T>, Vec<usize>) {
    let bucket = |x: &T| ((hash(x) << known_bits) >> (64 - BUCKET_BITS)) as usize;
    let mut starts = vec![0usize; BUCKETS + 1];
    for x in &items {
        starts[bucket(x) + 1] += 1;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut sorted = vec![T::default(); items.len()];
    for x in items {
        let b = bucket(&x);
        sorted[next[b]] = x;
        next[b] += 1;
    }
    (sorted, starts)
}

/// Rounds are numbered by the top `bits` bits of the hash.
fn round_of(hash: u64, bits: u32) -> u8 {
    hash.checked_shr(64 - bits).unwrap_or(0) as u8
}

/// A position waiting for round `r` holds `FIRST_ROUND + r` in its flag byte (flags are below).
/// Once the flags are made, the bits from 8 up mean something else ([`START`] and a part).
const FIRST_ROUND: u8 = 8;

/// The most rounds: a round's number is kept in a flag byte. Past 2^30 positions (about 4 GB of
/// text) rounds grow beyond [`POSITIONS_PER_ROUND`].
const MAX_ROUND_BITS: u32 = 7;

/// The number of top hash bits that split `total` positions into rounds of at most
/// `per_round` (on average).
fn round_bits(total: usize, per_round: usize) -> u32 {
    crate::fingerprint::split_bits(total, per_round).min(MAX_ROUND_BITS)
}

/// Sets the flags of every occurrence of one K-gram (`node`: its postings `(hash, doc, pos)`).
fn flag_node(docs: &[GroupInput<'_>], node: &[Posting], flags: &Flags) {
    if node.len() < 2 || !in_two_units(docs, node) {
        return;
    }
    let has_before = |o: &Posting| o.pos > 0;
    // From the flags' own bounds, which setting the flag reads anyway: not the document's
    // length, a read in another array for each occurrence.
    let has_after = |o: &Posting| !flags.is_last(o.doc, o.pos);
    let first = &node[0];
    let mut bits = SHARED;
    if node
        .iter()
        .all(|o| has_before(o) && o.before == first.before)
    {
        bits |= SAME_BEFORE;
    }
    if node.iter().all(|o| has_after(o) && o.after == first.after) {
        bits |= SAME_AFTER;
    }
    for o in node {
        flags.set(o.doc, o.pos, bits);
    }
}

/// True when the postings span two units or more.
fn in_two_units(docs: &[GroupInput<'_>], node: &[Posting]) -> bool {
    let first = docs[node[0].doc as usize].unit;
    node.iter().any(|o| docs[o.doc as usize].unit != first)
}

/// One byte of flags per K-gram position, written from many threads (each position once).
struct Flags {
    bytes: Vec<AtomicU8>,
    /// Where each document's positions start in `bytes`.
    starts: Vec<usize>,
}

impl Flags {
    fn new(docs: &[GroupInput<'_>], k: usize) -> Self {
        let mut starts = Vec::with_capacity(docs.len() + 1);
        let mut total = 0;
        for d in docs {
            starts.push(total);
            total += positions(d.words.len(), k);
        }
        starts.push(total);
        Flags {
            bytes: (0..total).map(|_| AtomicU8::new(0)).collect(),
            starts,
        }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for a document's last K-gram position (no word after it).
    fn is_last(&self, doc: u32, pos: u32) -> bool {
        self.starts[doc as usize] + pos as usize + 1 == self.starts[doc as usize + 1]
    }

    fn set(&self, doc: u32, pos: u32, bits: u8) {
        self.bytes[self.starts[doc as usize] + pos as usize].store(bits, Ordering::Relaxed);
    }

    fn doc(&self, doc: usize) -> &[AtomicU8] {
        &self.bytes[self.starts[doc]..self.starts[doc + 1]]
    }
}

/// The K-gram positions of a document of `words` words.
fn positions(words: usize, k: usize) -> usize {
    (words + 1).saturating_sub(k)
}

/// A unitig instance: the hash of its first K-gram, document index, first position (its length
/// is read from the flags again, [`unitig_nodes`]).
type Instance = (u64, u32, u32);

/// About this many unitig instances are held at once (16 bytes each, 64 MB, and twice that while
/// a round's are put together from its chunks'): the instances of a
/// corpus are the largest buffer of the stage (19.4 M, 310 MB, for the 100k real-text corpus),
/// so they are gathered, grouped and extended a round at a time, a round taking the instances
/// whose first K-gram falls in some of 16 parts ([`part_of`]).
const INSTANCES_PER_ROUND: usize = 1 << 22;

/// Flag bit set where a unitig instance starts, once [`tag_unitig_starts`] ran.
const START: u8 = 8;

/// Flag bits above [`START`]: the *part* of the start's instance ([`part_of`] its first K-gram).
/// Rounds take whole parts, as many as fit [`INSTANCES_PER_ROUND`].
const PART_SHIFT: u32 = 4;
const PART_BITS: u32 = 4;
const PARTS: usize = 1 << PART_BITS;

/// Cuts every document's shared positions into unitig instances by their flags, groups the
/// instances by the hash of their first K-gram and extends each unitig ([`extend`]), a round of
/// hash parts at a time. Returns the groups (with repeats: two unitigs may extend to one text)
/// and the time spent gathering instances and extending them.
fn unitig_groups(
    docs: &[GroupInput<'_>],
    flags: &Flags,
    k: usize,
    min_words: usize,
    per_round: usize,
) -> (Vec<Repeat>, Duration, Duration) {
    let (per_part, mut gather) = timed(|| tag_unitig_starts(docs, flags, k));
    let mut extend_time = Duration::ZERO;
    let mut groups = Vec::new();
    for parts in rounds_of_parts(&per_part, per_round) {
        let (instances, took) = timed(|| unitig_instances(docs, flags, k, parts));
        gather += took;
        let ((), took) = timed(|| {
            let runs: Vec<&[Instance]> = instances.chunk_by(|x, y| x.0 == y.0).collect();
            // A group of fewer than --min-words words is kept only while it may still merge
            // with another across an edit, which needs one occurrence in each of its documents.
            groups.par_extend(
                runs.par_iter()
                    .map(|u| extend(docs, flags, u, k as u32))
                    .filter(|r| {
                        r.words >= min_words as u32 || r.starts.windows(2).all(|w| w[0].0 != w[1].0)
                    }),
            );
        });
        extend_time += took;
    }
    (groups, gather, extend_time)
}

/// Marks every position where a unitig instance starts with [`START`] and the part of its first
/// K-gram; returns how many instances each part holds.
fn tag_unitig_starts(docs: &[GroupInput<'_>], flags: &Flags, k: usize) -> [usize; PARTS] {
    let add = |mut x: [usize; PARTS], y: [usize; PARTS]| {
        x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
        x
    };
    (0..docs.len())
        .into_par_iter()
        .fold(
            || [0usize; PARTS],
            |mut counts, i| {
                let (words, doc_flags) = (docs[i].words, flags.doc(i));
                // Tagging touches only the bits above the three that find starts.
                for p in unitig_starts(doc_flags) {
                    let part = part_of(&words[p..p + k]);
                    doc_flags[p].fetch_or(START | part << PART_SHIFT, Ordering::Relaxed);
                    counts[part as usize] += 1;
                }
                counts
            },
        )
        .reduce(|| [0usize; PARTS], add)
}

/// The part of a K-gram: its first two words mixed (a function of the K-gram, so every instance
/// of one unitig is in one part), cheaper than its full hash, which is computed once, in its
/// round.
fn part_of(gram: &[u32]) -> u8 {
    let second = gram.get(1).copied().unwrap_or(0);
    let mixed = (u64::from(gram[0]) << 32 | u64::from(second)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> (64 - PART_BITS)) as u8
}

/// Consecutive runs of parts, each holding at most `budget` instances (or a single part).
fn rounds_of_parts(per_part: &[usize; PARTS], budget: usize) -> Vec<Range<u8>> {
    let mut rounds = Vec::new();
    let (mut start, mut held) = (0u8, 0usize);
    for (part, &n) in per_part.iter().enumerate() {
        let part = part as u8;
        if held > 0 && held + n > budget {
            rounds.push(start..part);
            (start, held) = (part, 0);
        }
        held += n;
    }
    rounds.push(start..PARTS as u8);
    rounds
}

/// The unitig instances whose part is in `parts`, sorted by (hash, document, position): grouped
/// by first K-gram, and within a K-gram in document order, which [`extend`] (the first
/// occurrence) and the filter of short groups in [`unitig_groups`] need. A radix sort: each chunk
/// of documents files its instances in place by the top bits of the hash
/// ([`by_bucket_in_place`], not stable), each bucket, gathered from every chunk, is counted out
/// by the next bits ([`group_by_hash`]), and the parts of a few instances left are sorted by the
/// whole tuple, which restores document order within a hash. One sort of a round's instances
/// (about 3.6 M at 100k real-text documents) took 0.75 s of the 1.5-1.8 s step in a probe.
fn unitig_instances(
    docs: &[GroupInput<'_>],
    flags: &Flags,
    k: usize,
    parts: Range<u8>,
) -> Vec<Instance> {
    // Whether a flag byte starts an instance of this round, by table: a third of the positions
    // start an instance, so testing the start bit and then the part was a branch taken at
    // random at every position of the corpus, in every round.
    let mut wanted = [false; 256];
    for (bits, w) in wanted.iter_mut().enumerate() {
        *w = bits as u8 & START != 0 && parts.contains(&((bits >> PART_SHIFT) as u8));
    }
    let chunks = docs
        .par_chunks(DOCS_PER_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let first = c * DOCS_PER_CHUNK;
            let wanted_in = |doc: usize| flags.doc(doc).iter().map(|s| s.load(Ordering::Relaxed));
            // Counted first, so that the chunk's instances take no spare capacity: the memory
            // peak of a scan is this stage's.
            let count = (first..first + chunk.len())
                .map(|doc| wanted_in(doc).filter(|&bits| wanted[bits as usize]).count())
                .sum();
            let mut found = Vec::with_capacity(count);
            for (j, d) in chunk.iter().enumerate() {
                let doc = first + j;
                for (p, bits) in wanted_in(doc).enumerate() {
                    if wanted[bits as usize] {
                        found.push((kgram_hash(&d.words[p..p + k]), doc as u32, p as u32));
                    }
                }
            }
            let starts = by_bucket_in_place(&mut found, |x| x.0);
            (found, starts)
        })
        .collect::<Vec<(Vec<Instance>, Vec<usize>)>>();
    // One array for all, each bucket's place in it cut off in turn. A vector a bucket, with a
    // bucketed copy of each chunk's instances, raised the default scan's peak at 100k
    // real-text documents from 900-956 MB to 961-1,046 MB (four rounds alternated).
    let mut sorted = vec![Instance::default(); chunks.iter().map(|(found, _)| found.len()).sum()];
    let mut places = Vec::with_capacity(BUCKETS);
    let mut rest = &mut sorted[..];
    for b in 0..BUCKETS {
        let size = chunks.iter().map(|(_, s)| s[b + 1] - s[b]).sum();
        let (place, after) = rest.split_at_mut(size);
        places.push(place);
        rest = after;
    }
    places
        .into_par_iter()
        .enumerate()
        .for_each_init(Vec::new, |bucket, (b, place)| {
            bucket.clear();
            bucket.extend(
                chunks
                    .iter()
                    .flat_map(|(found, starts)| &found[starts[b]..starts[b + 1]])
                    .copied(),
            );
            let sort_part = <[Instance]>::sort_unstable;
            group_by_hash(bucket, |x| x.0, BUCKET_BITS, place, sort_part);
        });
    sorted
}

/// Whether the K-gram at a position continues the unitig of the one before it: both shared,
/// this one always preceded by the same word, that one always followed by the same word.
fn continues(previous: u8, bits: u8) -> bool {
    bits & SHARED != 0
        && bits & SAME_BEFORE != 0
        && previous & SHARED != 0
        && previous & SAME_AFTER != 0
}

/// The positions of a document's flags where a unitig instance starts.
fn unitig_starts(flags: &[AtomicU8]) -> impl Iterator<Item = usize> + '_ {
    let bits = |p: usize| flags[p].load(Ordering::Relaxed);
    (0..flags.len()).filter(move |&p| {
        let here = bits(p);
        here & SHARED != 0 && (p == 0 || !continues(bits(p - 1), here))
    })
}

/// The K-grams in the unitig instance starting at `start`.
fn unitig_nodes(flags: &[AtomicU8], start: usize) -> u32 {
    let bits = |p: usize| flags[p].load(Ordering::Relaxed);
    let mut end = start + 1;
    while end < flags.len() && continues(bits(end - 1), bits(end)) {
        end += 1;
    }
    (end - start) as u32
}

/// A unitig's occurrences, extended left and right while all of them agree.
///
/// The flags of the first occurrence's positions decide a step where they can, without reading
/// the other occurrences' words (a read in another document for each: the 100k real-text corpus
/// has 1.82 M unitigs with 19.4 M occurrences): all occurrences agree on the next word where
/// the K-gram at the edge is always followed (or preceded) by the same word, as they all hold
/// that K-gram; and they cannot agree where the K-gram one step further, in the first
/// occurrence, is not shared (agreeing, it would be one K-gram in two units or more). Only the
/// steps in between read every occurrence (11.5 M steps there, 77.7 M words read).
fn extend(docs: &[GroupInput<'_>], flags: &Flags, unitig: &[Instance], k: u32) -> Repeat {
    // `nodes` K-grams one word apart span K words and one more for each further node.
    let (_, first_doc, first) = unitig[0];
    let first_flags = flags.doc(first_doc as usize);
    let bits = |p: u32| first_flags[p as usize].load(Ordering::Relaxed);
    let mut words = unitig_nodes(first_flags, first as usize) - 1 + k;
    let mut starts: Vec<(u32, u32)> = unitig.iter().map(|&(_, i, s)| (i, s)).collect();
    let word_at = |i: u32, at: u32| docs[i as usize].words.get(at as usize);
    // True when every occurrence has the same word at `at` (its position from its start).
    let agree = |starts: &[(u32, u32)], at: &dyn Fn(u32) -> Option<u32>| {
        let first = at(starts[0].1).and_then(|p| word_at(starts[0].0, p));
        first.is_some()
            && starts
                .iter()
                .all(|&(i, s)| at(s).and_then(|p| word_at(i, p)) == first)
    };
    // Left: the K-gram at the first occurrence's start is every occurrence's.
    loop {
        let start = starts[0].1;
        if start == 0 || bits(start - 1) & SHARED == 0 {
            break;
        }
        if bits(start) & SAME_BEFORE == 0 && !agree(&starts, &|s| s.checked_sub(1)) {
            break;
        }
        starts.iter_mut().for_each(|o| o.1 -= 1);
        words += 1;
    }
    // Right: the K-gram ending the first occurrence is every occurrence's.
    loop {
        let last = starts[0].1 + words - k;
        let next = last + 1;
        if next as usize >= first_flags.len() || bits(next) & SHARED == 0 {
            break;
        }
        if bits(last) & SAME_AFTER == 0 && !agree(&starts, &|s| Some(s + words)) {
            break;
        }
        words += 1;
    }
    Repeat { words, starts }
}

/// Joins groups with the same documents (one occurrence in each) that follow each other in every
/// one of them, with at most `max_gap` words between: an edited copy (a word changed, a few
/// inserted) is one passage, its `words` the words matched in all occurrences.
pub fn merge_edits(groups: Vec<TextGroup>, max_gap: usize) -> Vec<TextGroup> {
    // Merge candidates by their documents (one occurrence each), in order of first position.
    let mut order: Vec<usize> = (0..groups.len())
        .filter(|&g| one_per_doc(&groups[g]))
        .collect();
    order.par_sort_unstable_by(|&x, &y| {
        let (gx, gy) = (&groups[x], &groups[y]);
        gx.docs()
            .cmp(gy.docs())
            .then(
                gx.occurrences[0]
                    .words
                    .start
                    .cmp(&gy.occurrences[0].words.start),
            )
            .then(x.cmp(&y))
    });
    let mut merged_into: Vec<Option<usize>> = vec![None; groups.len()];
    let mut groups = groups;
    let mut head: Option<usize> = None;
    for &g in &order {
        if let Some(h) = head {
            if follows(&groups[h], &groups[g], max_gap) {
                let next = std::mem::replace(
                    &mut groups[g],
                    TextGroup {
                        occurrences: Vec::new(),
                        words: 0,
                        units: 0,
                        boilerplate: false,
                    },
                );
                let into = &mut groups[h];
                for (o, n) in into.occurrences.iter_mut().zip(&next.occurrences) {
                    o.words.end = n.words.end;
                }
                into.words += next.words;
                merged_into[g] = Some(h);
                continue;
            }
        }
        head = Some(g);
    }
    groups
        .into_iter()
        .zip(merged_into)
        .filter(|(_, m)| m.is_none())
        .map(|(g, _)| g)
        .collect()
}

fn one_per_doc(group: &TextGroup) -> bool {
    group.occurrences.windows(2).all(|w| w[0].doc != w[1].doc)
}

/// True when `next` has the documents of `head` and starts in each after `head` ends, at most
/// `max_gap` words later.
fn follows(head: &TextGroup, next: &TextGroup, max_gap: usize) -> bool {
    head.occurrences.len() == next.occurrences.len()
        && head.boilerplate == next.boilerplate
        && head
            .occurrences
            .iter()
            .zip(&next.occurrences)
            .all(|(h, n)| {
                h.doc == n.doc
                    && n.words.start >= h.words.end
                    && (n.words.start - h.words.end) as usize <= max_gap
            })
}

/// The hash of every K-gram of `words`, in order: the rolling hash of
/// [`crate::fingerprint::kgram_hash_iter`] over 32-bit word hashes.
pub fn kgram_iter(words: &[u32], k: usize) -> impl Iterator<Item = u64> + '_ {
    crate::fingerprint::kgram_hash_iter_by(words, k, |&w| u64::from(w))
}

/// The hash of one K-gram: the value [`kgram_iter`] gives it.
pub fn kgram_hash(words: &[u32]) -> u64 {
    kgram_iter(words, words.len()).next().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three edits four words apart leave two 3-word pieces between them, too short to hold a
    /// K-gram (K = 4 at `--min-words 8`): the 9 words from the first edit to the last are one
    /// gap to this stage, and the copy is still one passage.
    #[test]
    fn an_edited_copy_merges_across_pieces_shorter_than_k() {
        let original: Vec<u32> = (1..=30).collect();
        let mut edited = original.clone();
        for at in [10, 14, 18] {
            edited[at] = 1000 + at as u32;
        }
        let docs = [
            GroupInput {
                doc: DocId(0),
                unit: 0,
                words: &original,
            },
            GroupInput {
                doc: DocId(1),
                unit: 1,
                words: &edited,
            },
        ];
        let groups = find_groups(&docs, GroupParams::for_min_words(8, 8, 50));
        assert_eq!(groups.len(), 1, "{groups:?}");
        let spans: Vec<Range<u32>> = groups[0]
            .occurrences
            .iter()
            .map(|o| o.words.clone())
            .collect();
        assert_eq!(spans, [0..30, 0..30]);
        assert_eq!(groups[0].words, 10 + 11);
    }

    /// Equal hashes end up next to each other, whichever part of the hash they differ in (the
    /// bits of the bucket are alike, as in a bucket), and every posting is kept.
    #[test]
    fn grouping_by_hash_puts_equal_hashes_together() {
        let known_bits = 13;
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut postings = Vec::new();
        for i in 0..5_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Up to 2,100 distinct hashes, differing in the part's bits or only below them.
            let hash = (0x5A5 << (64 - known_bits)) | (x % 300) << 40 | (x % 7);
            postings.push(Posting {
                hash,
                doc: i,
                pos: i,
                before: 0,
                after: 0,
            });
        }
        let mut out = vec![Posting::default(); postings.len()];
        group_by_hash(
            &postings,
            |p| p.hash,
            known_bits,
            &mut out,
            |part| part.sort_unstable_by_key(|p| p.hash),
        );
        let runs: Vec<u64> = out
            .chunk_by(|a, b| a.hash == b.hash)
            .map(|r| r[0].hash)
            .collect();
        let mut distinct = runs.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(runs.len(), distinct.len(), "a hash in two runs");
        let mut docs: Vec<u32> = out.iter().map(|p| p.doc).collect();
        docs.sort_unstable();
        assert_eq!(docs, (0..5_000).collect::<Vec<u32>>());
    }

    /// The instances' buckets, one after the other, are every tagged instance in the order of
    /// (hash, document, position), as one sort of them all would give.
    #[test]
    fn unitig_instances_come_in_full_order() {
        let texts = recurring_texts(7, 300);
        let docs = inputs(&texts);
        let k = 4;
        let flags = shared_flags(&docs, k);
        tag_unitig_starts(&docs, &flags, k);
        let all: Vec<Instance> = unitig_instances(&docs, &flags, k, 0..PARTS as u8);
        let mut expected: Vec<Instance> = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            for (p, slot) in flags.doc(i).iter().enumerate() {
                if slot.load(Ordering::Relaxed) & START != 0 {
                    expected.push((kgram_hash(&d.words[p..p + k]), i as u32, p as u32));
                }
            }
        }
        expected.sort_unstable();
        assert!(expected.len() > 1_000, "{} instances", expected.len());
        assert_eq!(all, expected);
    }

    /// Filing in place puts every item in its bucket and gives the buckets' bounds, whether the
    /// items fill every bucket, two, one or none.
    #[test]
    fn filing_in_place_puts_each_item_in_its_bucket() {
        let top = |b: u64| b << (64 - BUCKET_BITS);
        let cases: [Vec<u64>; 4] = [
            (0..5_000u64).map(|i| top((i * 7919) % 1024) | i).collect(),
            (0..300u64)
                .map(|i| top(if i % 3 == 0 { 1023 } else { 0 }) | i)
                .collect(),
            (0..50u64).map(|i| top(512) | i).collect(),
            Vec::new(),
        ];
        for mut items in cases {
            let mut before = items.clone();
            let starts = by_bucket_in_place(&mut items, |&x| x);
            assert_eq!(starts.len(), BUCKETS + 1);
            assert_eq!((starts[0], starts[BUCKETS]), (0, items.len()));
            for b in 0..BUCKETS {
                let bucket = &items[starts[b]..starts[b + 1]];
                assert!(bucket
                    .iter()
                    .all(|&x| (x >> (64 - BUCKET_BITS)) as usize == b));
            }
            items.sort_unstable();
            before.sort_unstable();
            assert_eq!(items, before);
        }
    }

    /// Random documents over a small vocabulary (so K-grams recur across them), two a unit.
    fn recurring_texts(seed: u64, count: usize) -> Vec<Vec<u32>> {
        let mut x = seed;
        let mut word = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 12) as u32 + 1
        };
        (0..count)
            .map(|i| (0..20 + i).map(|_| word()).collect())
            .collect()
    }

    fn inputs(texts: &[Vec<u32>]) -> Vec<GroupInput<'_>> {
        texts
            .iter()
            .enumerate()
            .map(|(i, words)| GroupInput {
                doc: DocId(i as u32),
                unit: (i / 2) as u32,
                words,
            })
            .collect()
    }

    /// Unitig instances gathered in one round or in many (a hash part, or a few, at a time) make
    /// the same groups.
    #[test]
    fn unitig_groups_are_the_same_in_one_round_or_in_many() {
        let texts = recurring_texts(0x9E37_79B9_7F4A_7C15, 60);
        let docs = inputs(&texts);
        let groups = |per_round: usize| {
            let flags = shared_flags(&docs, 3);
            let (groups, _, _) = unitig_groups(&docs, &flags, 3, 3, per_round);
            distinct_in_group_order(groups)
        };
        let one = groups(usize::MAX);
        assert!(one.len() > 10, "{}", one.len());
        for per_round in [1, 7, 50] {
            assert_eq!(groups(per_round), one, "{per_round}");
        }
    }

    #[test]
    fn rounds_take_whole_parts_up_to_the_budget() {
        let mut per_part = [0usize; PARTS];
        per_part[..6].copy_from_slice(&[3, 3, 5, 0, 9, 1]);
        let rounds = rounds_of_parts(&per_part, 6);
        assert_eq!(rounds, [0..2, 2..4, 4..5, 5..PARTS as u8]);
        assert_eq!(rounds_of_parts(&per_part, usize::MAX), vec![0..PARTS as u8]);
        // Every part in exactly one round, in order.
        let covered: Vec<u8> = rounds_of_parts(&per_part, 1)
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(covered, (0..PARTS as u8).collect::<Vec<_>>());
    }

    /// Folding sorts the occurrences a range of documents at a time; any range gives the same.
    #[test]
    fn folding_is_the_same_in_one_pass_or_in_many() {
        // Filler words of a large vocabulary (unshared), and two paragraphs: each whole in some
        // documents and without its first words (a partial copy, to fold) in others.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut filler = |n: usize| -> Vec<u32> {
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % 1_000_000) as u32 + 100
                })
                .collect()
        };
        let paragraphs: [Vec<u32>; 2] = [(1..=20).collect(), (30..=55).collect()];
        let texts: Vec<Vec<u32>> = (0..60)
            .map(|i| {
                let p = &paragraphs[i % 2];
                let cut = if i % 5 == 0 { p.len() / 4 } else { 0 };
                [filler(7 + i % 4), p[cut..].to_vec(), filler(9)].concat()
            })
            .collect();
        let docs: Vec<GroupInput<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, words)| GroupInput {
                doc: DocId(i as u32),
                unit: i as u32,
                words,
            })
            .collect();
        let flags = shared_flags(&docs, 3);
        let (groups, _, _) = unitig_groups(&docs, &flags, 3, 3, usize::MAX);
        let groups: Vec<Vec<Occ>> = distinct_in_group_order(groups)
            .into_iter()
            .map(Repeat::into_occurrences)
            .collect();
        let one = fold_in_passes(groups.clone(), 4, usize::MAX);
        assert_eq!((groups.len(), one.len()), (4, 2), "the cut copies fold");
        for per_pass in [1, 13, 200] {
            assert_eq!(
                fold_in_passes(groups.clone(), 4, per_pass),
                one,
                "{per_pass}"
            );
        }
    }

    /// Documents that share two paragraphs, whole, cut short (partial copies, to fold) and
    /// edited every fifth word (pieces shorter than `--min-words`, to merge), between filler of a
    /// large vocabulary and a run of a 12-word one (short chance groups that merge with nothing).
    fn edited_and_cut_copies(seed: u64) -> Vec<Vec<u32>> {
        let mut x = seed;
        let mut next = move |modulo: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % modulo) as u32
        };
        let paragraphs: [Vec<u32>; 2] = [(1..=30).collect(), (40..=64).collect()];
        (0..60)
            .map(|i| {
                let mut p = paragraphs[i % 2].clone();
                if i % 3 == 0 {
                    for at in (4..p.len()).step_by(5) {
                        p[at] = 2_000_000 + next(1_000_000);
                    }
                }
                let cut = if i % 4 == 1 { p.len() / 3 } else { 0 };
                let filler: Vec<u32> = (0..6).map(|_| 100 + next(1_000_000)).collect();
                let chance: Vec<u32> = (0..15).map(|_| 1_500_000 + next(12)).collect();
                [filler.clone(), p[cut..].to_vec(), chance, filler].concat()
            })
            .collect()
    }

    /// The groups of [`edited_and_cut_copies`] before folding (K = 3, `--min-words` 6), those of
    /// 6 words or more and the shorter ones.
    fn groups_before_folding(docs: &[GroupInput<'_>]) -> (Vec<Vec<Occ>>, Vec<Repeat>) {
        let flags = shared_flags(docs, 3);
        let (groups, _, _) = unitig_groups(docs, &flags, 3, 6, usize::MAX);
        let (long, short): (Vec<Repeat>, Vec<Repeat>) = distinct_in_group_order(groups)
            .into_iter()
            .partition(|r| r.words >= 6);
        assert!(!long.is_empty() && !short.is_empty());
        let long = long.into_iter().map(Repeat::into_occurrences).collect();
        (long, short)
    }

    fn occurrences(repeats: &[Repeat]) -> Vec<Vec<Occ>> {
        repeats
            .iter()
            .cloned()
            .map(Repeat::into_occurrences)
            .collect()
    }

    /// Groups of fewer than `min_words` words are never folded, nor fold anything: setting them
    /// aside before folding changes nothing.
    #[test]
    fn folding_without_the_short_groups_folds_the_same() {
        for seed in [3u64, 0x9E37_79B9_7F4A_7C15, 0x2545_F491_4F6C_DD1D] {
            let texts = edited_and_cut_copies(seed);
            let docs = inputs(&texts);
            let (long, short) = groups_before_folding(&docs);
            let all = merge_in_group_order(long.clone(), occurrences(&short));
            let folded = merge_in_group_order(fold_partial_copies(long, 6), occurrences(&short));
            assert!(folded.len() < all.len(), "some fold ({seed})");
            assert_eq!(folded, fold_in_passes(all, 6, usize::MAX), "{seed}");
        }
    }

    /// The short groups dropped early are those the merge would have dropped: the groups found
    /// are the same with and without them, and some short groups do merge.
    #[test]
    fn short_groups_that_cannot_merge_are_dropped_with_the_same_result() {
        let (min_words, max_gap) = (6u32, 4usize);
        for seed in [5u64, 0x9E37_79B9_7F4A_7C15, 0x2545_F491_4F6C_DD1D] {
            let texts = edited_and_cut_copies(seed);
            let docs = inputs(&texts);
            let (long, short) = groups_before_folding(&docs);
            let long = fold_partial_copies(long, min_words);
            let params = GroupParams {
                seed_words: 3,
                min_words: min_words as usize,
                max_gap,
                max_df: 50,
                fold: true,
            };
            let finish = |groups: Vec<Vec<Occ>>| merged_text_groups(&docs, groups, params);
            let kept = mergeable_short(short.clone(), &long, true);
            assert!(kept.len() < short.len(), "some dropped ({seed})");
            let all = finish(merge_in_group_order(long.clone(), occurrences(&short)));
            assert!(
                all.iter()
                    .any(|g| g.occurrences.iter().all(|o| o.words.len() as u32 > g.words)),
                "some pieces merged ({seed})"
            );
            assert_eq!(finish(merge_in_group_order(long, kept)), all, "{seed}");
        }
    }

    /// [`find_groups`] gives what it gave before short groups were set aside from the fold and
    /// filtered before merging: every group folded, then made a [`TextGroup`], merged and cut
    /// at `--min-words`, with and without folding and merging.
    #[test]
    fn find_groups_gives_what_folding_and_merging_everything_gives() {
        let the_old_way = |docs: &[GroupInput<'_>], params: GroupParams| {
            let flags = shared_flags(docs, params.seed_words);
            let (repeats, _, _) = unitig_groups(
                docs,
                &flags,
                params.seed_words,
                params.min_words,
                usize::MAX,
            );
            let mut groups: Vec<Vec<Occ>> = distinct_in_group_order(repeats)
                .into_iter()
                .map(Repeat::into_occurrences)
                .collect();
            if params.fold {
                groups = fold_in_passes(groups, params.min_words as u32, usize::MAX);
            }
            merged_text_groups(docs, groups, params)
        };
        for seed in [7u64, 0x9E37_79B9_7F4A_7C15, 0x2545_F491_4F6C_DD1D] {
            let texts = edited_and_cut_copies(seed);
            let docs = inputs(&texts);
            for (fold, max_gap) in [(true, 4), (true, 0), (false, 4), (false, 0)] {
                let params = GroupParams {
                    seed_words: 3,
                    min_words: 6,
                    max_gap,
                    max_df: 50,
                    fold,
                };
                let found = find_groups(&docs, params);
                assert!(!found.is_empty(), "{seed} {fold} {max_gap}");
                assert_eq!(found, the_old_way(&docs, params), "{seed} {fold} {max_gap}");
            }
        }
    }

    /// The flags do not depend on how many rounds the shuffle takes (each position is filed in
    /// exactly one round, and every occurrence of a K-gram in the same one).
    #[test]
    fn flags_are_the_same_in_one_round_or_in_many() {
        let texts = recurring_texts(0x2545_F491_4F6C_DD1D, 40);
        let docs = inputs(&texts);
        let bytes = |flags: Flags| -> Vec<u8> {
            flags
                .bytes
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect()
        };
        let one = bytes(shared_flags_in_rounds(&docs, 3, usize::MAX));
        assert!(one.iter().any(|&b| b & SHARED != 0) && one.contains(&0));
        assert!(one.iter().all(|&b| b < FIRST_ROUND));
        for per_round in [1, 10, 100] {
            assert_eq!(
                bytes(shared_flags_in_rounds(&docs, 3, per_round)),
                one,
                "{per_round}"
            );
        }
    }
}
