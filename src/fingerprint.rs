//! Fingerprints: the rolling k-gram hash (which shingles, and so signatures and shingle sets, and
//! the group stage use too) and winnowing (Schleimer, Wilkerson and Aiken 2003), which selects
//! the fingerprints an index stores for `dedup check`.
//!
//! # The guarantee
//! Winnowing keeps, from every window of `w` consecutive k-gram hashes, the minimum. Two documents
//! that share a run of at least `w + k - 1` words share `w` consecutive k-grams, hence a whole
//! window, hence that window's minimum: at least one fingerprint. With `k` and `w` derived from
//! `--min-words` so that `w + k - 1 = min_words`, **every shared run of at least `--min-words`
//! words between a new document and an indexed one shares a fingerprint**; `check` aligns the
//! two exactly.

use crate::minhash::mix64;
use crate::tokenize::WordHash;

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
    winnow_grams(&kgram_hashes(words, params.k), params.w)
}

/// The hash of every k-gram of `words`, in order (empty when there are fewer than `k` words).
///
/// A polynomial rolling hash of the word hashes (`sum w[i + j] * B^(k-1-j)`, wrapping), then a
/// bijective mixer so that every bit of the result depends on every word. Rolling costs two
/// multiplies per word whatever `k` is, where hashing each k-gram's bytes again cost a sixth of
/// the overlap sketch. Two different k-grams collide only when their difference vanishes modulo
/// 2^64: for word hashes that look random (xxh3 of the words) that is about as rare as for any
/// 64-bit hash (in a 5-gram, a swap of two words collides only when their hashes agree in their
/// low 60 to 62 bits), but the hash is not built to resist a text crafted to collide.
pub fn kgram_hashes(words: &[WordHash], k: usize) -> Vec<u64> {
    let mut grams = Vec::new();
    kgram_hashes_into(words, k, &mut grams);
    grams
}

/// The multiplier of the rolling k-gram hash: odd, with well-spread bits (2^64 / golden ratio).
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hash of one k-gram (all of `words`): the value [`kgram_hashes`] gives it.
pub fn kgram_hash(words: &[WordHash]) -> u64 {
    mix64(
        words
            .iter()
            .fold(0u64, |h, &w| h.wrapping_mul(BASE).wrapping_add(w)),
    )
}

/// [`kgram_hashes`] into a buffer that is cleared first (a sketch reuses one per thread).
pub fn kgram_hashes_into(words: &[WordHash], k: usize, grams: &mut Vec<u64>) {
    grams.clear();
    // The iterator knows its exact length: `extend` checks the capacity once, not per gram.
    grams.extend(kgram_hash_iter(words, k));
}

/// The values of [`kgram_hashes`], one at a time, for a caller that keeps only some of them.
pub fn kgram_hash_iter(words: &[WordHash], k: usize) -> impl Iterator<Item = u64> + '_ {
    kgram_hash_iter_by(words, k, |&w| w)
}

/// [`kgram_hash_iter`] over any word type, each word's hash given by `hash` (the group stage
/// keeps 32-bit word hashes).
pub fn kgram_hash_iter_by<'a, T, F>(
    words: &'a [T],
    k: usize,
    hash: F,
) -> impl Iterator<Item = u64> + 'a
where
    F: Fn(&T) -> u64 + Copy + 'a,
{
    let whole = k > 0 && words.len() >= k;
    let top = BASE.wrapping_pow(k.saturating_sub(1) as u32);
    let (first, entering): (&[T], &[T]) = if whole { words.split_at(k) } else { (&[], &[]) };
    let mut rolling = first
        .iter()
        .fold(0u64, |h, w| h.wrapping_mul(BASE).wrapping_add(hash(w)));
    let first = whole.then(|| mix64(rolling));
    first
        .into_iter()
        .chain(words.iter().zip(entering).map(move |(leaving, entering)| {
            rolling = rolling
                .wrapping_sub(hash(leaving).wrapping_mul(top))
                .wrapping_mul(BASE)
                .wrapping_add(hash(entering));
            mix64(rolling)
        }))
}

/// Robust winnowing over precomputed k-gram hashes with a window of `w` (see [`winnow`]).
pub fn winnow_grams(grams: &[u64], w: usize) -> Vec<Fingerprint> {
    let mut selected = Vec::new();
    winnow_grams_into(grams, w, &mut selected);
    selected
}

/// [`winnow_grams`] into a buffer that is cleared first.
pub fn winnow_grams_into(grams: &[u64], w: usize, selected: &mut Vec<Fingerprint>) {
    selected.clear();
    if grams.is_empty() {
        return;
    }
    let w = w.clamp(1, grams.len());
    let mut push = |min: usize| {
        if selected.last().is_none_or(|f| f.pos as usize != min) {
            selected.push(Fingerprint {
                hash: grams[min],
                pos: min as u32,
            });
        }
    };
    match w {
        // The default window is 3: comparing its grams directly beats keeping a queue.
        1 => (0..grams.len()).for_each(push),
        2 => winnow_by_scan::<2>(grams, selected),
        3 => winnow_by_scan::<3>(grams, selected),
        4 => winnow_by_scan::<4>(grams, selected),
        5 => winnow_by_scan::<5>(grams, selected),
        6 => winnow_by_scan::<6>(grams, selected),
        7 => winnow_by_scan::<7>(grams, selected),
        8 => winnow_by_scan::<8>(grams, selected),
        _ => winnow_by_queue(grams, w, &mut push),
    }
}

/// Robust winnowing by comparing the `W` grams of every window (for small windows, fewer
/// branches than a queue): each window's rightmost minimum is selected, once however many
/// windows in a row it is the minimum of. Written without a branch, which random hashes make
/// unpredictable (a mispredicted compare per gram made this a third of the fingerprint work):
/// the minimum and its offset are picked by masks, every window writes its minimum after the
/// last one kept, and the count moves on only when the minimum is new.
fn winnow_by_scan<const W: usize>(grams: &[u64], selected: &mut Vec<Fingerprint>) {
    let windows = grams.len() + 1 - W;
    selected.resize(windows, Fingerprint { hash: 0, pos: 0 });
    let (mut kept, mut last) = (0, usize::MAX);
    for (start, window) in grams.windows(W).enumerate() {
        let window: &[u64; W] = window.try_into().expect("windows of W");
        let (mut min, mut at) = (window[0], 0usize);
        for (j, &hash) in window.iter().enumerate().skip(1) {
            // On ties keep the rightmost minimum: all ones when `hash <= min`.
            let take = usize::from(hash <= min).wrapping_neg();
            at ^= (at ^ j) & take;
            min = min.min(hash);
        }
        let pos = start + at;
        selected[kept] = Fingerprint {
            hash: min,
            pos: pos as u32,
        };
        kept += usize::from(pos != last);
        last = pos;
    }
    selected.truncate(kept);
}

/// Robust winnowing with a monotonic queue of positions (hashes increase from front to back):
/// constant work per k-gram whatever `w` is. Calls `select` with each window's rightmost minimum.
fn winnow_by_queue(grams: &[u64], w: usize, mut select: impl FnMut(usize)) {
    let mut deque = std::collections::VecDeque::with_capacity(w);
    for (i, &hash) in grams.iter().enumerate() {
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
        select(deque[0]);
    }
}

/// The distinct fingerprint hashes of a document, sorted: what the inverted index needs.
pub fn distinct_hashes(fingerprints: &[Fingerprint]) -> Vec<u64> {
    let mut hashes: Vec<u64> = fingerprints.iter().map(|f| f.hash).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The number of top bits of a hash that split `total` items into parts of at most `per_part`
/// (items spread evenly by their hash): rounded up, so that a part sized for `per_part` (a bit
/// set meant to fit in L2) never holds twice as many. Shared with [`crate::quote`] and
/// [`crate::group`].
pub(crate) fn split_bits(total: usize, per_part: usize) -> u32 {
    total
        .div_ceil(per_part.max(1))
        .checked_next_power_of_two()
        .map_or(31, usize::trailing_zeros)
        .min(31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: u64, offset: u64) -> Vec<WordHash> {
        (0..n)
            .map(|i| xxhash_rust::xxh3::xxh3_64(&(i + offset).to_le_bytes()))
            .collect()
    }

    /// The direct scan of small windows selects exactly what the queue selects, ties included.
    #[test]
    fn scanned_windows_select_what_the_queue_selects() {
        for w in 1..=10 {
            for len in [1, 2, 3, 7, 64, 500] {
                // Few distinct values, so ties are common.
                let grams: Vec<u64> = words(len, w as u64).iter().map(|h| h % 5).collect();
                let mut by_queue = Vec::new();
                winnow_by_queue(&grams, w.min(len as usize), |m| {
                    if by_queue.last() != Some(&m) {
                        by_queue.push(m);
                    }
                });
                let scanned: Vec<usize> = winnow_grams(&grams, w)
                    .iter()
                    .map(|f| f.pos as usize)
                    .collect();
                assert_eq!(scanned, by_queue, "w {w}, {len} grams");
            }
        }
    }

    /// Rolling k-gram hashes equal hashing each k-gram from scratch.
    #[test]
    fn rolling_kgram_hashes_match_each_kgram_hashed_alone() {
        let text = words(200, 7);
        for k in 1..=8 {
            let rolled = kgram_hashes(&text, k);
            assert_eq!(rolled.len(), text.len() - k + 1);
            for (i, window) in text.windows(k).enumerate() {
                assert_eq!(rolled[i], kgram_hashes(window, k)[0], "k {k}, gram {i}");
                assert_eq!(rolled[i], kgram_hash(window), "k {k}, gram {i}");
            }
            let distinct: std::collections::HashSet<_> = rolled.iter().collect();
            assert_eq!(distinct.len(), rolled.len(), "k {k}: a collision");
        }
        assert!(kgram_hashes(&text[..3], 4).is_empty());
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
    fn split_bits_make_parts_of_at_most_the_size_asked() {
        assert_eq!(split_bits(0, 100), 0);
        assert_eq!(split_bits(100, 100), 0);
        assert_eq!(split_bits(101, 100), 1);
        assert_eq!(split_bits(199, 100), 1);
        assert_eq!(split_bits(201, 100), 2);
        assert_eq!(split_bits(usize::MAX, 1), 31);
        for total in [1, 7, 1000, 123_457, 58_200_000] {
            for per_part in [1, 3, 64, 1 << 19] {
                let bits = split_bits(total, per_part);
                assert!(total.div_ceil(1 << bits) <= per_part, "{total} {per_part}");
                // And no more parts than needed: half as many would be too few.
                assert!(bits == 0 || total.div_ceil(1 << (bits - 1)) > per_part);
            }
        }
    }
}
