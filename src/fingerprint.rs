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
    fmix64(
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
    let first = whole.then(|| fmix64(rolling));
    first
        .into_iter()
        .chain(words.iter().zip(entering).map(move |(leaving, entering)| {
            rolling = rolling
                .wrapping_sub(hash(leaving).wrapping_mul(top))
                .wrapping_mul(BASE)
                .wrapping_add(hash(entering));
            fmix64(rolling)
        }))
}

/// MurmurHash3's 64-bit finaliser: a bijection whose every output bit depends on every input bit.
#[inline]
fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
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

/// A fingerprint with a sketch of the words around it, so that a chance match of one common
/// k-gram does not make two documents a candidate pair.
///
/// A shared run of at least `min_words = w + k - 1` words that holds the fingerprint's k-gram at
/// offset `t` of some `min_words`-gram lying inside the run exists for some `t` in `0..w` (proof
/// in [`anchor`]). `context` packs, for each `t`, a few bits of the hash of the `min_words`-gram
/// that holds the k-gram at offset `t` (0 where that gram runs past the document). Two occurrences
/// of a fingerprint can share a guaranteed run only if some lane agrees: the filter keeps the
/// guarantee (up to hash collisions, which only let extra pairs through) and drops the pairs that
/// share one k-gram and nothing more. Measured on a Zipf-vocabulary corpus, where common k-grams
/// abound, it is what keeps the overlap scan near the cost of the near-duplicate scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
///
/// Both halves are 32 bits, so a document's anchored fingerprints take 8 bytes each (about 4 bytes
/// per word at `--min-words 8`): two unrelated fingerprints agree on 32 bits of their
/// hash and on a lane of their contexts by chance so rarely that the candidates it adds are
/// negligible, and any such pair is only aligned, never reported without a passage.
pub struct Anchored {
    /// The fingerprint's [`pairing_hash`].
    pub hash: u32,
    /// Packed lanes of the surrounding `min_words`-gram hashes, or [`NO_CONTEXT`].
    pub context: u32,
}

/// The context of a fingerprint whose window is too wide to pack: it meets every other.
pub const NO_CONTEXT: u32 = u32::MAX;

/// Bits per lane for a window of `w`; 0 when the lanes do not fit in 32 bits at 4 bits each.
fn lane_bits(w: usize) -> u32 {
    let bits = 32 / w.max(1) as u32;
    if bits >= 4 {
        bits.min(16)
    } else {
        0
    }
}

/// The fingerprints of a document with their contexts, in [`ORDER_BITS`] order.
///
/// Why some lane must agree: let the run be words `[s, s + L)` with `L >= min_words`, holding the
/// k-gram `[p, p + k)`. Take `q = max(s, p - w + 1)`. Then `q <= p <= q + w - 1`, and
/// `q + min_words <= s + L` (if `q = s` because `L >= min_words`; else `q + min_words = p + k`,
/// inside the run). So the `min_words`-gram at `q` lies in the run, in both documents, with the
/// k-gram at offset `t = p - q` in both.
pub fn anchor(
    words: &[WordHash],
    fingerprints: &[Fingerprint],
    params: WinnowParams,
) -> Vec<Anchored> {
    anchor_grams(&kgram_hashes(words, params.k), fingerprints, params)
}

/// The 32 bits of a fingerprint's k-gram hash that its anchored form keeps: the low ones.
/// Winnowing keeps window minima, so the top bits of the hashes it selects lean towards 0: split
/// by their top 4 bits, the 58 million fingerprints of the 100,000-document synth corpus made
/// groups of 7.2 million down to 27,000, and the index's buffers, sized by its largest group,
/// twice what an even split needs. The low bits are as even as any, so groups and ranges hold
/// about the same number of fingerprints.
///
/// ```
/// use dedup::fingerprint::pairing_hash;
/// assert_eq!(pairing_hash(0x0123_4567_89ab_cdef), 0x89ab_cdef);
/// ```
#[inline]
pub fn pairing_hash(hash: u64) -> u32 {
    hash as u32
}

/// The top bits of a fingerprint's [`pairing_hash`] by which a document's anchored fingerprints
/// are ordered: the inverted index reads the corpus's fingerprints in at most `2^ORDER_BITS`
/// groups of hash values, each a contiguous run of every document's fingerprints. Nothing else
/// needs an order, so one counting pass on the top byte replaces a sort, which was a fifth of the
/// overlap sketch.
pub const ORDER_BITS: u32 = 8;

/// [`anchor`] from the k-gram hashes that winnowing computed.
///
/// The lane of the `min_words`-gram at `q` is a hash of the k-grams at `q` and `q + w - 1`, which
/// together span its `w + k - 1 = min_words` words when `w <= k + 1` (at `--min-words 8`, 6-grams
/// at `q` and `q + 2`). Any function of the gram's words keeps the guarantee, because equal
/// grams give equal lanes; covering every word makes chance agreement rare. Mixing two hashes
/// already computed costs a multiply, where hashing the words again cost a third of the sketch.
/// Each position's lane is computed once (0 where its gram runs past the document), and a
/// fingerprint's context gathers the lanes of the `w` positions ending at it.
///
/// The result is ordered by the top [`ORDER_BITS`] bits of the hash, in position order within
/// them; a fingerprint repeated with the same context (a repeated phrase) is kept each time.
pub fn anchor_grams(
    grams: &[u64],
    fingerprints: &[Fingerprint],
    params: WinnowParams,
) -> Vec<Anchored> {
    let w = params.w;
    let bits = lane_bits(w);
    let contexts = if bits == 0 {
        Vec::new()
    } else {
        contexts_by_position(grams, w, bits)
    };
    let context_at = |pos: u32| contexts.get(pos as usize).copied().unwrap_or(NO_CONTEXT);
    let bucket = |hash: u64| (pairing_hash(hash) >> (32 - ORDER_BITS)) as usize;
    let mut next = [0usize; 1 << ORDER_BITS];
    for f in fingerprints {
        next[bucket(f.hash)] += 1;
    }
    let mut at = 0;
    for slot in next.iter_mut() {
        (*slot, at) = (at, at + *slot);
    }
    let mut anchored = vec![
        Anchored {
            hash: 0,
            context: 0
        };
        fingerprints.len()
    ];
    for f in fingerprints {
        let slot = &mut next[bucket(f.hash)];
        anchored[*slot] = Anchored {
            hash: pairing_hash(f.hash),
            context: context_at(f.pos),
        };
        *slot += 1;
    }
    anchored
}

/// The context of a fingerprint at each position: the lane of the `min_words`-gram at each
/// position `q` (0 where it would run past the end), gathered for the `w` positions ending at
/// each position, in one sliding pass (`context[p] = lane[p] | context[p - 1] << bits`, cut to
/// `w` lanes).
fn contexts_by_position(grams: &[u64], w: usize, bits: u32) -> Vec<u32> {
    let kept = w as u32 * bits;
    let mask = if kept >= 32 {
        u32::MAX
    } else {
        (1u32 << kept) - 1
    };
    let lane = |first: u64, last: u64| ((mix_pair(first, last) >> (64 - bits)) as u32).max(1);
    let with_gram = grams.len().saturating_sub(w - 1);
    let mut context = 0u32;
    let mut contexts = Vec::with_capacity(grams.len());
    contexts.extend(
        grams
            .iter()
            .zip(grams.get(w - 1..).unwrap_or_default())
            .map(|(&first, &last)| lane(first, last))
            .chain(std::iter::repeat_n(0, grams.len() - with_gram))
            .map(|lane| {
                context = (lane | context << bits) & mask;
                context
            }),
    );
    contexts
}

/// True when anchored fingerprints are in the order [`anchor_grams`] gives them.
pub fn in_anchor_order(anchored: &[Anchored]) -> bool {
    anchored
        .windows(2)
        .all(|p| p[0].hash >> (32 - ORDER_BITS) <= p[1].hash >> (32 - ORDER_BITS))
}

/// A well-mixed 64-bit hash of two 64-bit hashes (order matters).
#[inline]
fn mix_pair(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 31)
}

/// True when two occurrences of one fingerprint may share a run of `min_words` words.
pub fn contexts_meet(a: u32, b: u32, w: usize) -> bool {
    let bits = lane_bits(w);
    if bits == 0 || a == NO_CONTEXT || b == NO_CONTEXT {
        return true;
    }
    (0..w as u32).any(|t| {
        let x = lane_of(a, t, bits);
        x != 0 && x == lane_of(b, t, bits)
    })
}

/// Lane `t` of a context with lanes of `bits` bits (at most 16, from [`lane_bits`]).
#[inline]
fn lane_of(context: u32, t: u32, bits: u32) -> u32 {
    (context >> (t * bits)) & ((1u32 << bits) - 1)
}

/// What the inverted index found: candidate pairs and the boilerplate it left out.
#[derive(Debug, Clone, Default)]
pub struct OverlapCandidates {
    /// Pairs `(a, b)` with `a < b` sharing at least one fingerprint, sorted, without repeats.
    pub pairs: Vec<(DocId, DocId)>,
    /// Fingerprints (their [`pairing_hash`]) found in more than `max_df` documents, sorted.
    pub boilerplate: Vec<u32>,
    /// Documents holding at least one boilerplate fingerprint.
    pub boilerplate_docs: usize,
}

/// One entry of the inverted index: a fingerprint, a document holding it, and its context.
type Posting = (u32, DocId, u32);

/// Fingerprints per range, about: the corpus's fingerprints are split by the top bits of their
/// hash into ranges, indexed one after the other. A range's bit sets (two bits per slot, eight
/// slots per fingerprint) then take 1 MB and stay in a core's L2 cache while the range's
/// fingerprints hit them at random.
const POSTINGS_PER_RANGE: usize = 1 << 19;

/// Fingerprints per group of ranges, about. The documents' fingerprints are read once for the
/// whole index, to find where each group's run starts in each document (each document's are
/// ordered by their top bits; hence at most `2^ORDER_BITS` groups, larger than this in corpora of
/// billions of fingerprints) and to count each range's postings; then once per group, to scatter
/// the group's runs range after range into one buffer, so every range is indexed from a
/// contiguous slice. Few groups keep the documents' runs long enough to read at memory speed; the
/// buffer (12 bytes per fingerprint) bounds the index's transient memory to about 48 MB a thread.
const POSTINGS_PER_GROUP: usize = 1 << 22;

/// Builds the inverted index of `docs` (each with its anchored fingerprints in the order of
/// [`anchor_grams`], by their top [`ORDER_BITS`] bits, which is required: fingerprints out of
/// that order make the index panic or miss pairs) and returns
/// the pairs sharing a fingerprint that is in at most `max_df` documents and whose contexts meet.
///
/// Almost every fingerprint of a corpus is in one document only and can make no pair, so the
/// postings are not sorted whole: for each range of hash values, a bit set indexed by the low
/// bits of the hash marks the slots seen in two documents or more, and only the postings in such
/// slots (the shared ones, and about one in eight of the others, which share a slot by chance)
/// are sorted.
pub fn overlap_candidates(
    docs: &[(DocId, &[Anchored])],
    params: WinnowParams,
    max_df: usize,
) -> OverlapCandidates {
    index_in_ranges(docs, params, max_df, POSTINGS_PER_RANGE, POSTINGS_PER_GROUP)
}

/// The number of top bits of a hash that split `total` items into parts of at most `per_part`
/// (items spread evenly by their hash): rounded up, so that a part sized for `per_part` (a bit
/// set meant to fit in L2) never holds twice as many. Shared with [`crate::quote`].
pub(crate) fn split_bits(total: usize, per_part: usize) -> u32 {
    total
        .div_ceil(per_part.max(1))
        .checked_next_power_of_two()
        .map_or(31, usize::trailing_zeros)
        .min(31)
}

/// The fingerprints at the front of `anchored` (in [`ORDER_BITS`] order) whose hash is below
/// `high`, a multiple of `2^(32 - ORDER_BITS)`.
fn below(anchored: &[Anchored], high: u64) -> &[Anchored] {
    let n = anchored
        .iter()
        .take_while(|a| u64::from(a.hash) < high)
        .count();
    &anchored[..n]
}

/// [`overlap_candidates`] with ranges of about `per_range` postings, read in groups of about
/// `per_group`.
fn index_in_ranges(
    docs: &[(DocId, &[Anchored])],
    params: WinnowParams,
    max_df: usize,
    per_range: usize,
    per_group: usize,
) -> OverlapCandidates {
    let total: usize = docs.iter().map(|(_, a)| a.len()).sum();
    let threads = rayon::current_num_threads().max(1);
    // Groups are indexed in parallel, each thread with its own buffers: enough groups for each
    // thread to have several, and the buffers of all threads together bounded.
    let per_group = per_group
        .min(POSTINGS_IN_FLIGHT / threads)
        .min(total / (4 * threads))
        .max(1);
    let range_bits = split_bits(total, per_range);
    let group_bits = split_bits(total, per_group).min(range_bits).min(ORDER_BITS);
    let groups = 1usize << group_bits;
    let ranges_per_group = 1usize << (range_bits - group_bits);
    let slots = ((8 * total) >> range_bits).next_power_of_two().max(64);
    // Where each group starts in each document's fingerprints (`groups + 1` offsets a document),
    // and how many postings each range holds, in one pass over the fingerprints: counting them
    // again per group re-read every document's short runs from memory, a third of the index.
    let (bounds, range_sizes) =
        bounds_and_range_sizes(docs, group_bits, range_bits, BOUNDS_CHUNK_DOCS);
    // The largest group's postings: each job's buffer is made that size once. Grown group by
    // group, it moved to a larger block when a group outgrew the first, and both blocks were
    // touched (45 MB more at 100,000 documents and one thread).
    let largest_group = range_sizes
        .chunks(ranges_per_group)
        .map(|sizes| sizes.iter().sum::<usize>())
        .max()
        .unwrap_or(0);
    // One task a group, so that a thread done early takes groups from the others; buffers are
    // made once per rayon job (`map_init`: a few per thread) and reused for the job's groups.
    let parts: Vec<(OverlapCandidates, Vec<DocId>)> = (0..groups)
        .into_par_iter()
        .map_init(
            || GroupIndex {
                ranges: ranges_per_group,
                range_bits,
                starts: Vec::new(),
                postings: Vec::with_capacity(largest_group),
                index: RangeIndex {
                    // Per 64 slots, the bits seen once and the bits seen in two documents or
                    // more, side by side so that one cache line serves both.
                    bits: vec![[0u64; 2]; slots / 64],
                    postings: Vec::new(),
                },
            },
            |work, group| {
                let mut found = OverlapCandidates::default();
                let mut boilerplate_docs = Vec::new();
                let runs = docs.iter().enumerate().map(|(d, &(doc, anchored))| {
                    let at = d * (groups + 1) + group;
                    (doc, &anchored[bounds[at] as usize..bounds[at + 1] as usize])
                });
                let sizes = &range_sizes[group * ranges_per_group..][..ranges_per_group];
                work.index_group(
                    runs,
                    sizes,
                    params,
                    max_df,
                    &mut found,
                    &mut boilerplate_docs,
                );
                // A pair of near-duplicates shares hundreds of fingerprints, dozens in each
                // group: 2.2 million pairs before this at 100,000 documents, held until every
                // group was done and copied to be joined (80 MB more at the index's end).
                found.pairs.sort_unstable();
                found.pairs.dedup();
                found.pairs.shrink_to_fit();
                boilerplate_docs.sort_unstable();
                boilerplate_docs.dedup();
                boilerplate_docs.shrink_to_fit();
                (found, boilerplate_docs)
            },
        )
        .collect();
    let mut found = OverlapCandidates::default();
    let mut boilerplate_docs: Vec<DocId> = Vec::new();
    for (part, docs) in parts {
        found.pairs.extend(part.pairs);
        found.boilerplate.extend(part.boilerplate);
        boilerplate_docs.extend(docs);
    }
    found.pairs.par_sort_unstable();
    found.pairs.dedup();
    boilerplate_docs.par_sort_unstable();
    boilerplate_docs.dedup();
    found.boilerplate_docs = boilerplate_docs.len();
    found
}

/// Postings held in the buffers of all threads at once, about (12 bytes each).
const POSTINGS_IN_FLIGHT: usize = 1 << 23;

/// Documents per task of [`bounds_and_range_sizes`]: enough to make a task's count array, one
/// counter a range, small beside its work.
const BOUNDS_CHUNK_DOCS: usize = 1024;

/// The range of a fingerprint hash among the `2^range_bits` ranges of the index, by its top bits
/// (0 when there is one range); a group's ranges are consecutive, so its top bits name the group.
#[inline]
fn range_index(hash: u32, range_bits: u32) -> usize {
    (u64::from(hash) >> (32 - range_bits)) as usize
}

/// The [`group_bounds`] of every document, one after the other, and the number of postings in
/// each of the `2^range_bits` ranges, counted `chunk_docs` documents a task. The bounds are
/// written in place and the counts summed as the tasks finish, so the memory is the bounds and
/// a count array per thread, whatever the number of tasks.
fn bounds_and_range_sizes(
    docs: &[(DocId, &[Anchored])],
    group_bits: u32,
    range_bits: u32,
    chunk_docs: usize,
) -> (Vec<u32>, Vec<usize>) {
    let ranges = 1usize << range_bits;
    let per_doc = (1usize << group_bits) + 1;
    let chunk_docs = chunk_docs.max(1);
    let mut bounds = vec![0u32; docs.len() * per_doc];
    let sizes = bounds
        .par_chunks_mut(chunk_docs * per_doc)
        .zip(docs.par_chunks(chunk_docs))
        .map(|(out, chunk)| {
            let mut sizes = vec![0usize; ranges];
            for (doc_bounds, (_, anchored)) in out.chunks_exact_mut(per_doc).zip(chunk) {
                debug_assert!(in_anchor_order(anchored), "fingerprints out of order");
                for (slot, at) in doc_bounds
                    .iter_mut()
                    .zip(group_bounds(anchored, group_bits))
                {
                    *slot = at;
                }
                // The document's fingerprints are in cache from the walk just made.
                for a in anchored.iter() {
                    sizes[range_index(a.hash, range_bits)] += 1;
                }
            }
            sizes
        })
        .reduce(
            || vec![0usize; ranges],
            |mut total, part| {
                for (t, n) in total.iter_mut().zip(part) {
                    *t += n;
                }
                total
            },
        );
    (bounds, sizes)
}

/// The offsets in `anchored` (in [`ORDER_BITS`] order) at which each of the `2^group_bits`
/// groups of hash values starts, and its length last.
fn group_bounds(anchored: &[Anchored], group_bits: u32) -> impl Iterator<Item = u32> + '_ {
    let mut at = 0;
    std::iter::once(0).chain((0..1u64 << group_bits).map(move |group| {
        // A linear walk, not a binary search: the runs are short and read in order.
        let high = (group + 1) << (32 - group_bits);
        at += below(&anchored[at..], high).len();
        at as u32
    }))
}

/// Buffers for indexing groups of ranges, one set per rayon job.
struct GroupIndex {
    /// Ranges per group (a power of two).
    ranges: usize,
    /// The bits of a hash that name its range in the whole index (its group's are the top ones).
    range_bits: u32,
    /// Where each range of the group starts in `postings`, and the end last.
    starts: Vec<usize>,
    /// The group's postings, range after range (each range in document order). One buffer
    /// reused from group to group and filled at the offsets the range sizes give: vectors grown
    /// per range took fresh memory for each group, and growing them was 4.8% of a profile of the
    /// overlap scan of the 10k synth corpus.
    postings: Vec<Posting>,
    /// The state of indexing one range.
    index: RangeIndex,
}

impl GroupIndex {
    /// Indexes one group, given each document's fingerprints in it and the number of postings
    /// in each of its ranges: scatters them range by range into one buffer, then pairs each
    /// range's shared postings.
    fn index_group<'a>(
        &mut self,
        runs: impl Iterator<Item = (DocId, &'a [Anchored])>,
        range_sizes: &[usize],
        params: WinnowParams,
        max_df: usize,
        found: &mut OverlapCandidates,
        boilerplate_docs: &mut Vec<DocId>,
    ) {
        // The group's ranges are consecutive among the index's: the low bits of the range index.
        let (mask, range_bits) = (self.ranges - 1, self.range_bits);
        let range_of = |a: &Anchored| range_index(a.hash, range_bits) & mask;
        self.starts.clear();
        self.starts.push(0);
        let mut total = 0;
        self.starts.extend(range_sizes.iter().map(|&n| {
            total += n;
            total
        }));
        self.postings.resize(total, (0, DocId(0), 0));
        let mut next: Vec<usize> = self.starts[..self.ranges].to_vec();
        for (doc, run) in runs {
            for a in run {
                let at = &mut next[range_of(a)];
                self.postings[*at] = (a.hash, doc, a.context);
                *at += 1;
            }
        }
        // Every range filled to its counted size: the documents' fingerprints were in order.
        debug_assert_eq!(next, self.starts[1..]);
        for range in self.starts.windows(2) {
            let shared = self
                .index
                .shared_postings(&self.postings[range[0]..range[1]]);
            pair_postings(shared, params, max_df, found, boilerplate_docs);
        }
    }
}

/// The reusable state of indexing one range.
struct RangeIndex {
    /// Per 64 hash slots: `[seen, seen in two documents or more]`.
    bits: Vec<[u64; 2]>,
    /// The range's postings in slots seen twice, sorted.
    postings: Vec<Posting>,
}

impl RangeIndex {
    /// The postings of one range (in document order) whose slot holds fingerprints of two
    /// documents or more, grouped by hash with documents in order within a group.
    fn shared_postings(&mut self, range: &[Posting]) -> &[Posting] {
        let slots = self.bits.len() * 64;
        let slot = |hash: u32| (hash as usize) & (slots - 1);
        self.bits.fill([0; 2]);
        let mut last = None;
        for &(hash, doc, _) in range {
            if last == Some((hash, doc)) {
                continue; // the same fingerprint with another context
            }
            last = Some((hash, doc));
            let [seen, shared] = &mut self.bits[slot(hash) / 64];
            let bit = 1u64 << (slot(hash) % 64);
            *shared |= *seen & bit;
            *seen |= bit;
        }
        self.postings.clear();
        let bits = &self.bits;
        self.postings.extend(
            range
                .iter()
                .filter(|p| bits[slot(p.0) / 64][1] & (1 << (slot(p.0) % 64)) != 0),
        );
        // A stable radix sort by hash: the range's postings come in document order, so
        // documents stay in order within each hash (the order of contexts does not matter).
        radsort::sort_by_key(&mut self.postings, |p| p.0);
        &self.postings
    }
}

/// The pairs of sorted postings that share a hash, or the boilerplate they are.
fn pair_postings(
    postings: &[Posting],
    params: WinnowParams,
    max_df: usize,
    found: &mut OverlapCandidates,
    boilerplate_docs: &mut Vec<DocId>,
) {
    for run in postings.chunk_by(|x, y| x.0 == y.0) {
        if run.iter().all(|p| p.1 == run[0].1) {
            continue;
        }
        let distinct = 1 + run.windows(2).filter(|w| w[0].1 != w[1].1).count();
        if distinct > max_df {
            found.boilerplate.push(run[0].0);
            boilerplate_docs.extend(run.iter().map(|p| p.1));
            continue;
        }
        pair_run(run, params.w, &mut found.pairs);
    }
}

/// Postings of one fingerprint up to which every two are compared; longer runs (a phrase
/// repeated through a document, ten thousand times in one test) are paired by lane instead.
const PAIRWISE_RUN: usize = 64;

/// Appends the pairs of documents whose postings of one fingerprint (a run sorted by document)
/// have contexts that meet.
fn pair_run(run: &[Posting], w: usize, pairs: &mut Vec<(DocId, DocId)>) {
    if run.len() <= PAIRWISE_RUN {
        pair_run_pairwise(run, w, pairs);
    } else {
        pair_run_by_lane(run, w, pairs);
    }
}

/// [`pair_run`] by comparing every two postings: quadratic in the run, so for short runs.
fn pair_run_pairwise(run: &[Posting], w: usize, pairs: &mut Vec<(DocId, DocId)>) {
    for (i, &(_, a, ca)) in run.iter().enumerate() {
        pairs.extend(
            run[i + 1..]
                .iter()
                .filter(|&&(_, b, cb)| b != a && contexts_meet(ca, cb, w))
                .map(|&(_, b, _)| (a.min(b), a.max(b))),
        );
    }
}

/// [`pair_run`] for long runs, the same pairs as [`pair_run_pairwise`] (without repeats) in time
/// that grows with the run times its documents, not with the run squared: contexts meet when
/// some lane agrees, so for each lane the distinct `(lane value, document)` entries are sorted and
/// each value's documents are paired. A document with a context that meets every other
/// ([`NO_CONTEXT`], or no lanes at this `w`) is paired with every document of the run.
fn pair_run_by_lane(run: &[Posting], w: usize, pairs: &mut Vec<(DocId, DocId)>) {
    let mut entries: Vec<(DocId, u32)> = run
        .iter()
        .map(|&(_, doc, context)| (doc, context))
        .collect();
    entries.sort_unstable();
    entries.dedup();
    let bits = lane_bits(w);
    let mut docs: Vec<DocId> = entries.iter().map(|e| e.0).collect();
    docs.dedup();
    let mut meet_all: Vec<DocId> = entries
        .iter()
        .filter(|e| bits == 0 || e.1 == NO_CONTEXT)
        .map(|e| e.0)
        .collect();
    meet_all.dedup();
    let mut found = Vec::new();
    for &a in &meet_all {
        found.extend(
            docs.iter()
                .filter(|&&b| b != a)
                .map(|&b| (a.min(b), a.max(b))),
        );
    }
    if bits != 0 {
        let mut lanes: Vec<(u32, DocId)> = Vec::with_capacity(entries.len());
        for t in 0..w as u32 {
            lanes.clear();
            lanes.extend(
                entries
                    .iter()
                    .filter(|e| e.1 != NO_CONTEXT)
                    .map(|&(doc, context)| (lane_of(context, t, bits), doc))
                    .filter(|&(lane, _)| lane != 0),
            );
            lanes.sort_unstable();
            lanes.dedup();
            for same in lanes.chunk_by(|x, y| x.0 == y.0) {
                // Distinct documents in ascending order, so `a < b`.
                for (i, &(_, a)) in same.iter().enumerate() {
                    found.extend(same[i + 1..].iter().map(|&(_, b)| (a, b)));
                }
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    pairs.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: u64, offset: u64) -> Vec<WordHash> {
        (0..n)
            .map(|i| xxhash_rust::xxh3::xxh3_64(&(i + offset).to_le_bytes()))
            .collect()
    }

    /// Every position's context by one sliding pass (`context[p] = lane[p] | context[p - 1] <<
    /// bits`, cut to `w` lanes): the definition the contexts of [`anchor_grams`] follow.
    fn contexts_by_sliding(grams: &[u64], w: usize) -> Vec<u32> {
        let bits = lane_bits(w);
        if bits == 0 {
            return vec![NO_CONTEXT; grams.len()];
        }
        let kept = w as u32 * bits;
        let mask = if kept >= 32 {
            u32::MAX
        } else {
            (1 << kept) - 1
        };
        let mut context = 0u32;
        (0..grams.len())
            .map(|q| {
                let lane = match grams.get(q + w - 1) {
                    Some(&last) => ((mix_pair(grams[q], last) >> (64 - bits)) as u32).max(1),
                    None => 0,
                };
                context = (lane | context << bits) & mask;
                context
            })
            .collect()
    }

    /// Anchored fingerprints carry the sliding definition's context of their position, at the
    /// document's start and end too, in the order of their top bits.
    #[test]
    fn anchored_contexts_follow_the_sliding_definition() {
        for w in 1..=10 {
            for len in [1, 2, 3, 9, 300] {
                let grams = words(len, 3 * w as u64);
                let every: Vec<Fingerprint> = (0..grams.len())
                    .map(|p| Fingerprint {
                        hash: grams[p],
                        pos: p as u32,
                    })
                    .collect();
                let contexts = contexts_by_sliding(&grams, w);
                let mut expected: Vec<(u32, Anchored)> = every
                    .iter()
                    .map(|f| {
                        let a = Anchored {
                            hash: pairing_hash(f.hash),
                            context: contexts[f.pos as usize],
                        };
                        (a.hash >> (32 - ORDER_BITS), a)
                    })
                    .collect();
                // Stable: position order within each top byte.
                expected.sort_by_key(|&(top, _)| top);
                let expected: Vec<Anchored> = expected.into_iter().map(|(_, a)| a).collect();
                let params = WinnowParams { k: 6, w };
                assert_eq!(
                    anchor_grams(&grams, &every, params),
                    expected,
                    "w {w}, {len}"
                );
            }
        }
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

    /// A seeded stream of 31-bit numbers (a linear congruential generator): test data that is
    /// the same on every run.
    fn lcg(mut state: u64) -> impl FnMut() -> u32 {
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        }
    }

    /// Bounds and range sizes are the same whatever the documents per task, and are those that
    /// walking each document and counting every fingerprint give.
    #[test]
    fn bounds_and_range_sizes_do_not_depend_on_the_tasks() {
        let mut next = lcg(11);
        let docs: Vec<(DocId, Vec<Anchored>)> = (0..2100)
            .map(|d| {
                let mut a: Vec<Anchored> = (0..next() % 9)
                    .map(|_| Anchored {
                        hash: (next() >> 16) ^ (next() << 16),
                        context: 0,
                    })
                    .collect();
                a.sort_by_key(|x| x.hash >> (32 - ORDER_BITS));
                (DocId(d), a)
            })
            .collect();
        let borrowed: Vec<(DocId, &[Anchored])> =
            docs.iter().map(|(d, a)| (*d, a.as_slice())).collect();
        for (group_bits, range_bits) in [(0, 0), (0, 3), (2, 5), (4, 11), (8, 12)] {
            let mut sizes = vec![0usize; 1 << range_bits];
            for (_, a) in &docs {
                for x in a {
                    sizes[(u64::from(x.hash) >> (32 - range_bits)) as usize] += 1;
                }
            }
            let bounds: Vec<u32> = docs
                .iter()
                .flat_map(|(_, a)| group_bounds(a, group_bits).collect::<Vec<_>>())
                .collect();
            for chunk_docs in [0, 1, 7, 1024, 5000] {
                let found = bounds_and_range_sizes(&borrowed, group_bits, range_bits, chunk_docs);
                assert_eq!(
                    found,
                    (bounds.clone(), sizes.clone()),
                    "{group_bits} {chunk_docs}"
                );
            }
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

    /// The ranged, bit-set-filtered index against every pair of documents compared directly.
    #[test]
    fn the_index_finds_exactly_the_pairs_that_share_a_meeting_fingerprint() {
        let p = WinnowParams::for_min_words(8);
        let mut next = lcg(7);
        // 60 documents of 40 fingerprints drawn from a small space, so that many are shared.
        let docs: Vec<(DocId, Vec<Anchored>)> = (0..60)
            .map(|d| {
                let mut a: Vec<Anchored> = (0..40)
                    .map(|_| Anchored {
                        hash: next() % 900 * 4_772_185,
                        context: next() % 3,
                    })
                    .collect();
                // The order anchor_grams gives: by the top byte only, repeats kept.
                a.sort_by_key(|x| x.hash >> (32 - ORDER_BITS));
                assert!(in_anchor_order(&a));
                (DocId(d), a)
            })
            .collect();
        let borrowed: Vec<(DocId, &[Anchored])> =
            docs.iter().map(|(d, a)| (*d, a.as_slice())).collect();
        let max_df = 6;
        let df = |hash: u32| {
            docs.iter()
                .filter(|(_, a)| a.iter().any(|x| x.hash == hash))
                .count()
        };
        let mut expected = Vec::new();
        for (i, (a, fa)) in docs.iter().enumerate() {
            for (b, fb) in &docs[i + 1..] {
                let meet = fa.iter().any(|x| {
                    fb.iter().any(|y| {
                        x.hash == y.hash
                            && df(x.hash) <= max_df
                            && contexts_meet(x.context, y.context, p.w)
                    })
                });
                if meet {
                    expected.push((*a, *b));
                }
            }
        }
        assert!(expected.len() > 10, "{}", expected.len());
        let mut boilerplate = None;
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for per_range in [1, 7, 100, usize::MAX] {
                for per_group in [1, 50, 300, usize::MAX] {
                    let found = pool
                        .install(|| index_in_ranges(&borrowed, p, max_df, per_range, per_group));
                    let case =
                        format!("{threads} threads, ranges of {per_range}, groups of {per_group}");
                    assert_eq!(found.pairs, expected, "{case}");
                    assert!(!found.boilerplate.is_empty());
                    assert!(found.boilerplate.windows(2).all(|w| w[0] < w[1]), "{case}");
                    let seen = (found.boilerplate.clone(), found.boilerplate_docs);
                    assert_eq!(boilerplate.get_or_insert(seen.clone()), &seen, "{case}");
                }
            }
        }
    }

    /// Long runs (a phrase repeated through documents) are paired by lane, with the pairs that
    /// comparing every two postings gives.
    #[test]
    fn long_runs_pair_as_every_two_postings_would() {
        let mut next = lcg(11);
        for w in [1, 2, 3, 5, 8, 9] {
            let bits = lane_bits(w);
            for len in [65, 300, 3_000] {
                let docs = 1 + next() % 40;
                let mut run: Vec<Posting> = (0..len)
                    .map(|_| {
                        // Lanes from a small alphabet, so that many meet; some empty.
                        let mut context = 0;
                        for t in 0..w as u32 {
                            context |= (next() % 4) << (t * bits.max(1));
                        }
                        let context = match next() % 50 {
                            0 => NO_CONTEXT,
                            1 => 0,
                            _ => context,
                        };
                        (9, DocId(next() % docs), context)
                    })
                    .collect();
                run.sort_by_key(|p| p.1);
                let mut expected = Vec::new();
                pair_run_pairwise(&run, w, &mut expected);
                expected.sort_unstable();
                expected.dedup();
                let mut got = Vec::new();
                pair_run_by_lane(&run, w, &mut got);
                assert_eq!(got, expected, "w {w}, {len} postings of {docs} documents");
                assert!(len < 300 || !expected.is_empty());
            }
        }
    }

    /// The context of each fingerprint as defined: for each offset `t` in `0..w`, the lane of the
    /// `min_words`-gram at `pos - t`, or 0 where that gram starts before the document or runs
    /// past its end. Computed one fingerprint at a time, as the definition reads.
    fn contexts_by_definition(grams: &[u64], selected: &[Fingerprint], w: usize) -> Vec<Anchored> {
        let bits = lane_bits(w);
        selected
            .iter()
            .map(|f| {
                let mut context = 0u32;
                for t in 0..w {
                    let Some(q) = (f.pos as usize).checked_sub(t) else {
                        break;
                    };
                    let Some(&last) = grams.get(q + w - 1) else {
                        continue;
                    };
                    let lane = ((mix_pair(grams[q], last) >> (64 - bits)) as u32).max(1);
                    context |= lane << (t as u32 * bits);
                }
                Anchored {
                    hash: pairing_hash(f.hash),
                    context,
                }
            })
            .collect()
    }

    /// Anchored fingerprints are those of the definition, every one of them, in top-byte order.
    #[test]
    fn anchored_fingerprints_are_the_definition_in_top_byte_order() {
        for min_words in [3, 5, 8, 12] {
            let p = WinnowParams::for_min_words(min_words);
            for len in [0, 2, 7, 40, 3_000] {
                // A repeated phrase, so that fingerprints repeat with the same context too.
                let mut text = words(len, 3);
                text.extend(words(len.min(30), 3));
                let grams = kgram_hashes(&text, p.k);
                let selected = winnow_grams(&grams, p.w);
                let anchored = anchor_grams(&grams, &selected, p);
                assert!(in_anchor_order(&anchored), "{min_words} words, {len}");
                let mut got = anchored.clone();
                got.sort_unstable();
                let mut expected = contexts_by_definition(&grams, &selected, p.w);
                expected.sort_unstable();
                assert_eq!(got, expected, "{min_words} words, {len}");
            }
        }
    }

    /// Window minima lean towards small hashes; the anchored ones must not, or the index's
    /// groups and ranges (split by their top bits) are uneven: with the top 32 bits of the
    /// hash kept, the first of 16 groups held twice its share.
    #[test]
    fn anchored_hashes_fill_the_groups_evenly() {
        let p = WinnowParams::for_min_words(8);
        let text = words(200_000, 11);
        let anchored = anchor(&text, &winnow(&text, p), p);
        let mut groups = [0usize; 16];
        for a in &anchored {
            groups[(a.hash >> 28) as usize] += 1;
        }
        let share = anchored.len() / groups.len();
        // About 6,250 a group, a standard deviation of about 80: 10% is eight of them.
        for (group, &n) in groups.iter().enumerate() {
            assert!(
                n.abs_diff(share) < share / 10,
                "group {group}: {n} of {share}"
            );
        }
    }

    #[test]
    fn boilerplate_makes_no_pairs() {
        let bare = |hash| Anchored {
            hash,
            context: NO_CONTEXT,
        };
        let docs: Vec<(DocId, Vec<Anchored>)> = (0..10)
            .map(|i| (DocId(i), vec![bare(7), bare(100 + i)]))
            .collect();
        let mut with_shared = docs.clone();
        with_shared[2].1.insert(1, bare(55));
        with_shared[5].1.insert(1, bare(55));
        let borrowed: Vec<(DocId, &[Anchored])> = with_shared
            .iter()
            .map(|(d, a)| (*d, a.as_slice()))
            .collect();
        let found = overlap_candidates(&borrowed, WinnowParams::for_min_words(8), 3);
        assert_eq!(found.pairs, vec![(DocId(2), DocId(5))]);
        assert_eq!(found.boilerplate, vec![7]);
        assert_eq!(found.boilerplate_docs, 10);
    }
}

#[cfg(test)]
mod context_tests {
    use super::*;

    fn words(n: u64, offset: u64) -> Vec<WordHash> {
        (0..n)
            .map(|i| xxhash_rust::xxh3::xxh3_64(&(i + offset).to_le_bytes()))
            .collect()
    }

    fn anchored(text: &[WordHash]) -> Vec<Anchored> {
        let p = WinnowParams::for_min_words(8);
        anchor(text, &winnow(text, p), p)
    }

    fn meet(a: &[Anchored], b: &[Anchored]) -> bool {
        let w = WinnowParams::for_min_words(8).w;
        a.iter().any(|x| {
            b.iter()
                .any(|y| x.hash == y.hash && contexts_meet(x.context, y.context, w))
        })
    }

    #[test]
    fn a_shared_run_of_min_words_meets_wherever_it_sits() {
        let shared = words(8, 10_000);
        for cut in 0..20 {
            let mut a = words(cut, 0);
            a.extend(&shared);
            a.extend(words(15, 500));
            let mut b = words(30 - cut, 900);
            b.extend(&shared);
            b.extend(words(cut % 3, 1300));
            assert!(meet(&anchored(&a), &anchored(&b)), "cut {cut}");
        }
    }

    #[test]
    fn a_shared_k_gram_alone_does_not_meet() {
        // Six shared words (one 6-gram), different words around: no run of 8. Whether winnowing
        // selects the shared 6-gram in both depends on the hashes, so try shared words until
        // it does (most do).
        let mut tried = 0;
        for offset in (10_000..11_000).step_by(6) {
            let shared = words(6, offset);
            let mut a = words(20, 0);
            a.extend(&shared);
            a.extend(words(20, 50));
            let mut b = words(20, 100);
            b.extend(&shared);
            b.extend(words(20, 150));
            let (fa, fb) = (anchored(&a), anchored(&b));
            if !fa.iter().any(|x| fb.iter().any(|y| x.hash == y.hash)) {
                continue; // they share no fingerprint: nothing to test
            }
            tried += 1;
            assert!(!meet(&fa, &fb), "shared words from {offset}");
        }
        assert!(tried >= 20, "only {tried} texts shared a fingerprint");
    }
}
