//! Fingerprints for source overlap: winnowing (Schleimer, Wilkerson and Aiken 2003) over hashes of
//! word k-grams, and an inverted index from fingerprint to documents.
//!
//! # The guarantee
//! Winnowing keeps, from every window of `w` consecutive k-gram hashes, the minimum. Two documents
//! that share a run of at least `w + k - 1` words share `w` consecutive k-grams, hence a whole
//! window, hence that window's minimum: at least one fingerprint. With `k` and `w` derived from
//! `--min-words` so that `w + k - 1 = min_words`, **every shared run of at least `--min-words`
//! words makes its two documents a candidate pair**; exact alignment does the rest.
//!
//! # Boilerplate
//! A fingerprint found in more than `max_df` documents (a licence header, a site footer) creates
//! no candidate pairs: the pairs it would create grow with the square of its document count, so
//! dropping it keeps the scan linear. Such fingerprints are counted and reported as boilerplate.

use crate::shingle::hash_window;
use crate::tokenize::WordHash;
use crate::DocId;
use rayon::prelude::*;

/// One selected fingerprint: the k-gram hash and the index of its first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fingerprint {
    /// Hash of the k-gram.
    pub hash: u64,
    /// Index of the k-gram's first word in the document.
    pub pos: u32,
}

/// Winnowing parameters: k-gram length and window size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WinnowParams {
    /// Words per k-gram.
    pub k: usize,
    /// k-grams per window.
    pub w: usize,
}

impl WinnowParams {
    /// The parameters that guarantee every shared run of `min_words` words is found, with
    /// `w + k - 1 = min_words`. The k-gram is as long as possible while leaving a window of at
    /// least 3 (`k = min_words - 2`, at most 6, at least 3): a shared 6-gram is rare by chance,
    /// while a shared 5-gram of common words ("at the end of the") is not, and every chance
    /// match is a candidate pair that must be aligned for nothing. Measured on a 10,000-document
    /// Zipf corpus: k = 5 made 11,721 candidate pairs and 283 overlap pairs, k = 6 made 714
    /// candidates and 282 overlap pairs (the guarantee covers both; chance finds differ).
    ///
    /// ```
    /// use dedup::fingerprint::WinnowParams;
    /// let p = WinnowParams::for_min_words(8);
    /// assert_eq!((p.k, p.w), (6, 3));
    /// assert_eq!(p.guaranteed_run(), 8);
    /// assert_eq!(WinnowParams::for_min_words(3).guaranteed_run(), 3);
    /// assert_eq!(WinnowParams::for_min_words(40).k, 6);
    /// ```
    pub fn for_min_words(min_words: usize) -> Self {
        let min_words = min_words.max(1);
        let k = min_words.saturating_sub(2).clamp(3.min(min_words), 6);
        WinnowParams {
            k,
            w: min_words - k + 1,
        }
    }

    /// The shortest shared run of words that is certain to share a fingerprint.
    pub fn guaranteed_run(&self) -> usize {
        self.w + self.k - 1
    }
}

/// Selects the fingerprints of a word sequence by robust winnowing, in position order.
///
/// A document with fewer k-grams than one window keeps its single smallest k-gram (it cannot hold
/// a guaranteed run, but short shared texts can still meet by chance).
pub fn winnow(words: &[WordHash], params: WinnowParams) -> Vec<Fingerprint> {
    if words.len() < params.k {
        return Vec::new();
    }
    let grams: Vec<u64> = words.windows(params.k).map(hash_window).collect();
    let w = params.w.min(grams.len());
    let mut selected: Vec<Fingerprint> = Vec::with_capacity(2 * grams.len() / (w + 1) + 1);
    // Monotonic deque of candidate positions: hashes increase from front to back.
    let mut deque = std::collections::VecDeque::with_capacity(w);
    for (i, &hash) in grams.iter().enumerate() {
        // Robust winnowing: on ties keep the rightmost minimum.
        while deque.back().is_some_and(|&j: &usize| grams[j] >= hash) {
            deque.pop_back();
        }
        deque.push_back(i);
        if i + 1 < w {
            continue;
        }
        while deque.front().is_some_and(|&j| j + w <= i) {
            deque.pop_front();
        }
        let min = deque[0];
        if selected.last().is_none_or(|f| f.pos as usize != min) {
            selected.push(Fingerprint {
                hash: grams[min],
                pos: min as u32,
            });
        }
    }
    selected
}

/// The distinct fingerprint hashes of a document, sorted: what the inverted index needs.
pub fn distinct_hashes(fingerprints: &[Fingerprint]) -> Vec<u64> {
    let mut hashes: Vec<u64> = fingerprints.iter().map(|f| f.hash).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// What the inverted index found: candidate pairs and the boilerplate it left out.
#[derive(Debug, Clone, Default)]
pub struct OverlapCandidates {
    /// Pairs `(a, b)` with `a < b` sharing at least one fingerprint, sorted, without repeats.
    pub pairs: Vec<(DocId, DocId)>,
    /// Fingerprints found in more than `max_df` documents, sorted.
    pub boilerplate: Vec<u64>,
    /// Documents holding at least one boilerplate fingerprint.
    pub boilerplate_docs: usize,
}

/// One entry of the inverted index: a fingerprint and a document holding it.
type Posting = (u64, DocId);

/// Builds the inverted index of `docs` (each with its distinct fingerprint hashes) and returns the
/// pairs sharing a fingerprint that is in at most `max_df` documents.
pub fn overlap_candidates(docs: &[(DocId, Vec<u64>)], max_df: usize) -> OverlapCandidates {
    let mut postings: Vec<Posting> = docs
        .par_iter()
        .flat_map_iter(|(doc, hashes)| hashes.iter().map(move |&h| (h, *doc)))
        .collect();
    postings.par_sort_unstable();
    let runs: Vec<&[Posting]> = postings
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|r| r.len() >= 2)
        .collect();
    let (common, shared): (Vec<&[Posting]>, Vec<&[Posting]>) =
        runs.into_par_iter().partition(|run| run.len() > max_df);
    let mut pairs: Vec<(DocId, DocId)> = shared
        .par_iter()
        .flat_map_iter(|run| {
            run.iter()
                .enumerate()
                .flat_map(move |(i, &(_, a))| run[i + 1..].iter().map(move |&(_, b)| (a, b)))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut boilerplate_docs: Vec<DocId> = common
        .iter()
        .flat_map(|run| run.iter().map(|&(_, d)| d))
        .collect();
    boilerplate_docs.par_sort_unstable();
    boilerplate_docs.dedup();
    OverlapCandidates {
        pairs,
        boilerplate: common.iter().map(|run| run[0].0).collect(),
        boilerplate_docs: boilerplate_docs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: u64, offset: u64) -> Vec<WordHash> {
        (0..n)
            .map(|i| xxhash_rust::xxh3::xxh3_64(&(i + offset).to_le_bytes()))
            .collect()
    }

    #[test]
    fn every_window_holds_a_selected_fingerprint() {
        let p = WinnowParams::for_min_words(8);
        let text = words(500, 0);
        let selected = winnow(&text, p);
        let positions: Vec<usize> = selected.iter().map(|f| f.pos as usize).collect();
        let grams = text.len() - p.k + 1;
        for start in 0..=grams - p.w {
            assert!(
                positions.iter().any(|&q| q >= start && q < start + p.w),
                "window {start}"
            );
        }
        // Density is about 2 / (w + 1).
        let density = selected.len() as f64 / grams as f64;
        assert!((0.25..0.55).contains(&density), "{density}");
    }

    #[test]
    fn shared_runs_of_min_words_share_a_fingerprint() {
        let p = WinnowParams::for_min_words(8);
        let shared = words(8, 10_000);
        for cut in 0..30 {
            let mut a = words(cut, 0);
            a.extend(&shared);
            a.extend(words(20, 500));
            let mut b = words(40 - cut, 900);
            b.extend(&shared);
            let fa = distinct_hashes(&winnow(&a, p));
            let fb = distinct_hashes(&winnow(&b, p));
            assert!(fa.iter().any(|h| fb.binary_search(h).is_ok()), "cut {cut}");
        }
    }

    #[test]
    fn boilerplate_makes_no_pairs() {
        let docs: Vec<(DocId, Vec<u64>)> = (0..10)
            .map(|i| (DocId(i), vec![7, 100 + u64::from(i)]))
            .collect();
        let mut with_shared = docs.clone();
        with_shared[2].1.push(55);
        with_shared[5].1.push(55);
        let found = overlap_candidates(&with_shared, 3);
        assert_eq!(found.pairs, vec![(DocId(2), DocId(5))]);
        assert_eq!(found.boilerplate, vec![7]);
        assert_eq!(found.boilerplate_docs, 10);
    }
}
