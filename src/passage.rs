//! Passages: the runs of words two documents share, aligned exactly.
//!
//! Given the normalised word sequences of two documents, alignment finds every maximal run of
//! matching words that starts from a shared 3-word seed, takes the runs longest first so that no
//! word of either document is used twice, and merges runs that follow each other in both documents
//! across gaps of up to `min_words` words, at most [`MAX_GAP_WORDS`] (words changed, dropped or
//! added). A merged passage is kept when it matches at least
//! `min_words` words, or at least [`MIN_QUOTE_WORDS`] words lying inside quotation marks in both
//! documents.
//!
//! Seeds that occur more than [`MAX_SEED_REPEATS`] times in the second document (a sentence
//! repeated thousands of times) are skipped, which keeps alignment linear on pathological text.

use crate::fingerprint::kgram_hashes;
use crate::quote::MIN_QUOTE_WORDS;
use crate::tokenize::WordHash;
use bitvec::prelude::*;
use std::ops::Range;

/// Words per seed: the shortest run alignment can see.
const SEED_WORDS: usize = MIN_QUOTE_WORDS;

/// A seed repeated more often than this in one document is ignored.
pub const MAX_SEED_REPEATS: usize = 32;

/// How passages are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassageParams {
    /// Matched words a passage needs (unless it is quoted in both documents).
    pub min_words: usize,
    /// Largest gap, in words on either side, across which two runs merge.
    pub max_gap: usize,
}

impl PassageParams {
    /// Passages of at least `min_words` words, merged across gaps of up to `min_words` words
    /// (at most [`MAX_GAP_WORDS`]) on each side: a gap no longer than the shortest passage is
    /// taken for an edit (words changed, dropped or added) inside one reused passage. Measured on
    /// passages of 50 to 300 words copied with PAN's random obfuscation
    /// (`scripts/plant_reuse.py`, BENCHMARKS.md), gaps of up to 2 words split a passage with one
    /// word in ten edited into three detections on average (plagdet 0.49); up to 8, 1.03
    /// (plagdet 0.975). Precision stayed 1.0 there, but that corpus has nothing near its
    /// passages that a wide gap could wrongly join; hence the cap.
    pub fn new(min_words: usize) -> Self {
        PassageParams {
            min_words,
            max_gap: min_words.clamp(2, MAX_GAP_WORDS),
        }
    }
}

/// The widest gap two runs merge across, whatever `--min-words`: with `-m 50`, gaps of 50 words
/// would chain 3-word crumbs over hundreds of words into one "passage".
pub const MAX_GAP_WORDS: usize = 8;

/// What alignment needs of a document.
#[derive(Debug, Clone, Copy)]
pub struct AlignInput<'a> {
    /// Normalised word hashes.
    pub words: &'a [WordHash],
    /// One bit per word: inside quotation marks.
    pub quoted: &'a BitSlice,
}

/// A shared passage, in word indices of both documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignedPassage {
    /// Words of the passage in the first document.
    pub a: Range<u32>,
    /// Words of the passage in the second document.
    pub b: Range<u32>,
    /// Words that match (the passage minus the changed words in its gaps).
    pub matched: u32,
    /// The runs of matching words, in words of the first document, in order: the passage
    /// without its gaps (what a rule about the shared words, such as boilerplate, must look at).
    pub runs: Vec<Range<u32>>,
    /// True when the whole passage is inside quotation marks in both documents.
    pub quoted: bool,
}

/// A run of equal words: `len` words from `i` in A and `j` in B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    i: usize,
    j: usize,
    len: usize,
}

/// Aligns two documents and returns their shared passages, ordered by position in `a`.
/// Passages never overlap one another in either document.
pub fn align(a: AlignInput<'_>, b: AlignInput<'_>, params: PassageParams) -> Vec<AlignedPassage> {
    align_seeded(a, &Seeds::of(a.words), b, &Seeds::of(b.words), params)
}

/// [`align`] with each document's [`Seeds`] computed beforehand: a document aligned against many
/// others hashes and sorts its seeds once.
pub fn align_seeded(
    a: AlignInput<'_>,
    seeds_a: &Seeds,
    b: AlignInput<'_>,
    seeds_b: &Seeds,
    params: PassageParams,
) -> Vec<AlignedPassage> {
    let runs = maximal_runs(a.words, seeds_a, b.words, seeds_b);
    let (selected, used_b) = select_disjoint(runs, a.words.len(), b.words.len());
    merge_runs(&selected, &used_b, params.max_gap)
        .into_iter()
        .flat_map(|group| accept(&group, a, b, params))
        .collect()
}

/// The seeds of a document: a 32-bit hash of every window of `SEED_WORDS` words, and a hash
/// table from seed to the positions holding it, so that another document's seeds find theirs by
/// probing.
///
/// 32 bits are enough because a seed only proposes where a run may start: `maximal_runs`
/// compares the words themselves, so two different windows that collide only cost a comparison
/// (about one per 10,000 pairs of windows), never a wrong run. The hashes are the rolling k-gram
/// hashes of [`crate::fingerprint`]. A chained table is built in one pass, where sorting the
/// seeds was a tenth of an analysis (and the seeds of a document aligned with others are built
/// once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeds {
    /// The seed at each position.
    hashes: Vec<u32>,
    /// Per slot (the low bits of a seed), one more than the last position in it; 0 when none.
    heads: Vec<u32>,
    /// Per position, one more than the previous position in its slot; 0 when none.
    next: Vec<u32>,
}

impl Seeds {
    /// The seeds of a word sequence.
    pub fn of(words: &[WordHash]) -> Self {
        let hashes: Vec<u32> = kgram_hashes(words, SEED_WORDS)
            .into_iter()
            .map(|hash| (hash >> 32) as u32)
            .collect();
        let slots = hashes.len().next_power_of_two().max(1);
        let mut heads = vec![0u32; slots];
        let next = hashes
            .iter()
            .enumerate()
            .map(|(at, &hash)| {
                let head = &mut heads[hash as usize & (slots - 1)];
                std::mem::replace(head, at as u32 + 1)
            })
            .collect();
        Seeds {
            hashes,
            heads,
            next,
        }
    }

    /// The positions holding `hash`, last first.
    fn positions(&self, hash: u32) -> impl Iterator<Item = usize> + Clone + '_ {
        let head = match self.heads.len() {
            0 => 0,
            slots => self.heads[hash as usize & (slots - 1)],
        };
        std::iter::successors((head != 0).then(|| head as usize - 1), |&at| {
            (self.next[at] != 0).then(|| self.next[at] as usize - 1)
        })
        .filter(move |&at| self.hashes[at] == hash)
    }
}

/// Every maximal diagonal run of at least [`SEED_WORDS`] equal words: each seed of A probes B's
/// table for the positions holding it.
fn maximal_runs(a: &[WordHash], seeds_a: &Seeds, b: &[WordHash], seeds_b: &Seeds) -> Vec<Run> {
    let mut runs = Vec::new();
    for (i, &hash) in seeds_a.hashes.iter().enumerate() {
        let at_b = seeds_b.positions(hash);
        if at_b.clone().nth(MAX_SEED_REPEATS).is_some() {
            continue; // a seed repeated too often in B
        }
        for j in at_b {
            if i > 0 && j > 0 && a[i - 1] == b[j - 1] {
                continue; // not the start of a maximal run
            }
            let len = a[i..]
                .iter()
                .zip(&b[j..])
                .take_while(|(x, y)| x == y)
                .count();
            if len >= SEED_WORDS {
                runs.push(Run { i, j, len });
            }
        }
    }
    runs
}

/// Takes runs longest first, trimming each to the words not yet used in either document.
/// Returns the chosen runs ordered by position in A, and the words of B they use.
fn select_disjoint(mut runs: Vec<Run>, len_a: usize, len_b: usize) -> (Vec<Run>, BitVec) {
    runs.sort_unstable_by_key(|r| (std::cmp::Reverse(r.len), r.i, r.j));
    let mut used_a = bitvec![0; len_a];
    let mut used_b = bitvec![0; len_b];
    let mut chosen = Vec::new();
    for run in runs {
        let mut p = 0;
        while p < run.len {
            let free = |q: usize| !used_a[run.i + q] && !used_b[run.j + q];
            if !free(p) {
                p += 1;
                continue;
            }
            let start = p;
            while p < run.len && free(p) {
                p += 1;
            }
            if p - start >= SEED_WORDS {
                used_a[run.i + start..run.i + p].fill(true);
                used_b[run.j + start..run.j + p].fill(true);
                chosen.push(Run {
                    i: run.i + start,
                    j: run.j + start,
                    len: p - start,
                });
            }
        }
    }
    chosen.sort_unstable_by_key(|r| r.i);
    (chosen, used_b)
}

/// Groups consecutive runs that follow each other in both documents with at most `max_gap`
/// unmatched words between them on each side, and no word of B in the gap used by another run.
fn merge_runs(runs: &[Run], used_b: &BitSlice, max_gap: usize) -> Vec<Vec<Run>> {
    let mut groups: Vec<Vec<Run>> = Vec::new();
    for &run in runs {
        if let Some(last) = groups.last_mut().and_then(|g| g.last().copied()) {
            let (end_a, end_b) = (last.i + last.len, last.j + last.len);
            let follows = run.i >= end_a
                && run.j >= end_b
                && run.i - end_a <= max_gap
                && run.j - end_b <= max_gap
                && used_b[end_b..run.j].not_any();
            if follows {
                groups.last_mut().expect("a group").push(run);
                continue;
            }
        }
        groups.push(vec![run]);
    }
    groups
}

/// The passages a group of merged runs yields: the whole group when it is long enough, else each
/// of its runs that is quoted in both documents.
fn accept(
    group: &[Run],
    a: AlignInput<'_>,
    b: AlignInput<'_>,
    params: PassageParams,
) -> Vec<AlignedPassage> {
    let short_quote = |p: &AlignedPassage| {
        p.quoted
            && p.matched as usize >= MIN_QUOTE_WORDS
            && (whole_quote(a.quoted, &p.a) || whole_quote(b.quoted, &p.b))
    };
    let whole = passage_of(group, a, b);
    if whole.matched as usize >= params.min_words || short_quote(&whole) {
        return vec![whole];
    }
    if group.len() == 1 {
        return Vec::new();
    }
    group
        .iter()
        .map(|run| passage_of(std::slice::from_ref(run), a, b))
        .filter(short_quote)
        .collect()
}

/// True when the words are a whole quote: quoted, with unquoted words (or the document's edge)
/// right before and after. A passage shorter than `min_words` counts as a quote only when one
/// document quotes it whole, so three common words inside two unrelated quotes are no passage.
fn whole_quote(quoted: &BitSlice, words: &Range<u32>) -> bool {
    let (start, end) = (words.start as usize, words.end as usize);
    (start == 0 || !quoted[start - 1]) && (end == quoted.len() || !quoted[end])
}

fn passage_of(group: &[Run], a: AlignInput<'_>, b: AlignInput<'_>) -> AlignedPassage {
    let first = group[0];
    let last = group[group.len() - 1];
    let a_range = first.i..last.i + last.len;
    let b_range = first.j..last.j + last.len;
    let quoted = a.quoted[a_range.clone()].all() && b.quoted[b_range.clone()].all();
    AlignedPassage {
        a: a_range.start as u32..a_range.end as u32,
        b: b_range.start as u32..b_range.end as u32,
        matched: group.iter().map(|r| r.len as u32).sum(),
        runs: group
            .iter()
            .map(|r| r.i as u32..(r.i + r.len) as u32)
            .collect(),
        quoted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<WordHash> {
        text.split_whitespace()
            .map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
            .collect()
    }

    fn run(a: &str, b: &str, min_words: usize) -> Vec<AlignedPassage> {
        let (wa, wb) = (words(a), words(b));
        let (qa, qb) = (bitvec![0; wa.len()], bitvec![0; wb.len()]);
        align(
            AlignInput {
                words: &wa,
                quoted: &qa,
            },
            AlignInput {
                words: &wb,
                quoted: &qb,
            },
            PassageParams::new(min_words),
        )
    }

    #[test]
    fn finds_a_shared_run_with_exact_word_ranges() {
        let a = "x1 x2 the quick brown fox jumps over the lazy dog x3";
        let b = "y1 the quick brown fox jumps over the lazy dog y2 y3 y4";
        let found = run(a, b, 8);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].a, 2..11);
        assert_eq!(found[0].b, 1..10);
        assert_eq!(found[0].matched, 9);
    }

    #[test]
    fn merges_across_a_changed_word() {
        let a = "p q the quick brown fox jumps over the lazy dog today r";
        let b = "the quick brown cat jumps over the lazy dog today";
        let found = run(a, b, 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].a, 2..12);
        assert_eq!(found[0].b, 0..10);
        assert_eq!(found[0].matched, 9);
    }

    /// An edited copy (words replaced, dropped and added, gaps of up to `min_words` words) is one
    /// passage; runs further apart than that are two.
    #[test]
    fn merges_across_gaps_up_to_min_words_and_no_wider() {
        let text: Vec<String> = (0..60).map(|i| format!("w{i}")).collect();
        let mut edited = text.clone();
        edited[10] = "changed".into(); // replaced
        edited.remove(20); // dropped (index 21 of the text is now 20)
        for (at, word) in [(30, "added"), (31, "more"), (32, "words")] {
            edited.insert(at, word.into());
        }
        // A gap of eight words in one document and six in the other.
        edited.splice(45..51, (0..8).map(|i| format!("new{i}")));
        let found = run(&text.join(" "), &edited.join(" "), 8);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].a, 0..60);
        assert_eq!(found[0].b, 0..edited.len() as u32);
        assert_eq!(found[0].matched, 60 - 1 - 1 - 6);

        // Nine words between the runs in one document: too wide, two passages.
        let mut apart = text.clone();
        apart.splice(25..26, (0..9).map(|i| format!("gap{i}")));
        let found = run(&text.join(" "), &apart.join(" "), 8);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].a.clone(), found[1].a.clone()), (0..25, 26..60));
    }

    #[test]
    fn short_unquoted_runs_are_not_passages() {
        assert!(run("a b c d e f g h", "z c d e f y", 8).is_empty());
    }

    #[test]
    fn quoted_runs_count_from_three_words() {
        let (wa, wb) = (
            words("he said stop the war now"),
            words("stop the war she wrote"),
        );
        let mut qa = bitvec![0; wa.len()];
        qa[2..5].fill(true);
        let mut qb = bitvec![0; wb.len()];
        qb[0..3].fill(true);
        let found = align(
            AlignInput {
                words: &wa,
                quoted: &qa,
            },
            AlignInput {
                words: &wb,
                quoted: &qb,
            },
            PassageParams::new(8),
        );
        assert_eq!(
            found,
            vec![AlignedPassage {
                a: 2..5,
                b: 0..3,
                matched: 3,
                runs: std::iter::once(2..5).collect(),
                quoted: true
            }]
        );
    }

    #[test]
    fn seeds_find_every_position_of_a_window() {
        let text = words("a b c a b c a b c d e f a b c");
        let seeds = Seeds::of(&text);
        assert_eq!(seeds.hashes.len(), text.len() - 2);
        let abc: Vec<usize> = seeds.positions(seeds.hashes[0]).collect();
        assert_eq!(abc, [12, 6, 3, 0]);
        let def: Vec<usize> = seeds.positions(seeds.hashes[9]).collect();
        assert_eq!(def, [9]);
        for (at, &hash) in seeds.hashes.iter().enumerate() {
            assert!(seeds.positions(hash).any(|p| p == at));
        }
        assert_eq!(Seeds::of(&text[..2]).positions(seeds.hashes[0]).count(), 0);
    }

    /// A seed repeated more than MAX_SEED_REPEATS times in the second document is skipped; up to
    /// that, every repeat is aligned.
    #[test]
    fn seeds_repeated_too_often_are_skipped() {
        let unit = "w1 w2 w3";
        let repeated = |n: usize| vec![unit; n].join(" x ");
        let once = format!("q {unit} r");
        assert_eq!(run(&once, &repeated(MAX_SEED_REPEATS), 3).len(), 1);
        assert!(run(&once, &repeated(MAX_SEED_REPEATS + 1), 3).is_empty());
        let (wa, wb) = (words(&once), words(&repeated(MAX_SEED_REPEATS)));
        let runs = maximal_runs(&wa, &Seeds::of(&wa), &wb, &Seeds::of(&wb));
        assert_eq!(runs.len(), MAX_SEED_REPEATS);
        let wb = words(&repeated(MAX_SEED_REPEATS + 1));
        assert!(maximal_runs(&wa, &Seeds::of(&wa), &wb, &Seeds::of(&wb)).is_empty());
    }

    #[test]
    fn repeated_text_does_not_reuse_words() {
        let unit = "one two three four five six seven eight nine";
        let a = format!("{unit} {unit}");
        let found = run(&a, unit, 8);
        assert_eq!(found.len(), 1);
    }
}
