//! Property tests of the sketching stages against exact answers and naive oracles.
//!
//! Every property runs with a fixed RNG seed and no failure persistence, so a run is the same on
//! every machine and never writes files; case counts keep the whole file to a few seconds in a
//! debug build. The LSH recall check counts hits over thousands of generated pairs with its own
//! seeded generator, since it asserts a proportion rather than a per-case property.

use dedup::lsh::LshParams;
use dedup::minhash::{MinHasher, Signature};
use dedup::scan::DEFAULT_SEED;
use dedup::shingle::{for_each_shingle, shingles, ShingleSet};
use dedup::sketch::{sketch, SketchParams};
use dedup::tokenize::{hash_word, tokenize, Token};
use dedup::verify::{intersection_size, SetOverlap};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, RngSeed};
use std::collections::HashSet;
use unicode_segmentation::UnicodeSegmentation;

/// The seed of every property's case generator.
///
/// Any fixed value serves; note that a 5-standard-error bound is a statistical one. An earlier seed
/// drew, among 192 cases, a pair at J = 0.894 with k = 64 whose estimate was 0.672 (21 of 64 bins
/// disagreeing where 6.8 are expected): a binomial tail event of probability 1.5e-6. 400,000
/// independent trials of that same shape matched the binomial distribution of `k` independent
/// permutations, and `minhash_is_unbiased_with_bounded_variance` below checks the distribution
/// itself, so one unlucky draw cannot hide a real bias.
const RNG_SEED: u64 = 0x005E_ED0F_DED0;

/// A deterministic configuration with `cases` cases.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(RNG_SEED),
        ..ProptestConfig::default()
    }
}

/// SplitMix64's finaliser: a bijection, so distinct counters give distinct shingles.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Two shingle sets with exactly `shared` common elements and `only_a`, `only_b` of their own,
/// drawn from the stream of `base`.
fn set_pair(base: u64, shared: usize, only_a: usize, only_b: usize) -> (Vec<u64>, Vec<u64>) {
    let element = |i: usize| mix(base.wrapping_add(i as u64));
    let common = (0..shared).map(element);
    let a = common
        .clone()
        .chain((shared..shared + only_a).map(element))
        .collect();
    let b = common
        .chain((shared + only_a..shared + only_a + only_b).map(element))
        .collect();
    (a, b)
}

/// Sizes of a set pair: small (up to 100 elements per set, fewer than the bins) or large
/// (thousands), any overlap.
fn pair_sizes() -> impl Strategy<Value = (usize, usize, usize)> {
    prop_oneof![
        (0usize..=50, 0usize..=50, 0usize..=50),
        (0usize..=4000, 0usize..=4000, 0usize..=4000),
        // High overlap, where near-duplicates live.
        (500usize..=3000, 0usize..=300, 0usize..=300),
    ]
    .prop_filter("both sets non-empty", |&(s, a, b)| s + a > 0 && s + b > 0)
}

fn exact_jaccard(shared: usize, only_a: usize, only_b: usize) -> f64 {
    shared as f64 / (shared + only_a + only_b) as f64
}

proptest! {
    #![proptest_config(config(192))]

    /// The estimate is within 5 standard errors of `k` independent permutations, sqrt(J(1-J)/k),
    /// floored at 1/k so that J near 0 or 1 still allows one bin of error.
    #[test]
    fn minhash_estimate_is_within_five_standard_errors(
        (shared, only_a, only_b) in pair_sizes(),
        base in any::<u64>(),
        seed in any::<u64>(),
        perms in prop::sample::select(vec![64usize, 128, 256]),
    ) {
        let (a, b) = set_pair(base, shared, only_a, only_b);
        let hasher = MinHasher::new(perms, seed);
        let estimate = hasher.sign(a).estimate(&hasher.sign(b));
        let j = exact_jaccard(shared, only_a, only_b);
        let k = perms as f64;
        let tolerance = 5.0 * (j * (1.0 - j) / k).sqrt().max(1.0 / k);
        prop_assert!(
            (estimate - j).abs() <= tolerance,
            "estimate {estimate} vs exact {j} (tolerance {tolerance})"
        );
    }

    #[test]
    fn minhash_is_reflexive_and_symmetric(
        (shared, only_a, only_b) in pair_sizes(),
        base in any::<u64>(),
        seed in any::<u64>(),
    ) {
        let (a, b) = set_pair(base, shared, only_a, only_b);
        let hasher = MinHasher::new(128, seed);
        let (sa, sb) = (hasher.sign(a.clone()), hasher.sign(b));
        prop_assert_eq!(sa.estimate(&sa), 1.0);
        prop_assert_eq!(sa.estimate(&sb), sb.estimate(&sa));
        // Order and repeats of the shingles do not matter.
        let mut shuffled = a.clone();
        shuffled.reverse();
        shuffled.extend_from_slice(&a);
        prop_assert_eq!(hasher.sign(shuffled), sa);
    }
}

/// The distribution of the estimate over many seeds: centred on the exact Jaccard (no bias), with
/// a variance close to that of `k` independent permutations, J(1-J)/k. Sets with at least about
/// `k` elements fill every bin and do better than independent permutations; sparse ones rely on
/// densification, which copies values between bins and so adds variance (measured up to 1.8x at
/// three elements; 2.1x is the bound here).
#[test]
fn minhash_is_unbiased_with_bounded_variance() {
    let k = 128;
    let cases: [((usize, usize, usize), f64); 6] = [
        ((1, 1, 1), 2.1),
        ((3, 1, 0), 2.1),
        ((5, 2, 3), 2.1),
        ((20, 3, 2), 2.1),
        ((500, 250, 250), 1.1),
        ((900, 50, 50), 1.1),
    ];
    for ((shared, only_a, only_b), max_ratio) in cases {
        let trials = 1500;
        let j = exact_jaccard(shared, only_a, only_b);
        let errors: Vec<f64> = (0..trials)
            .map(|t| {
                let (a, b) = set_pair(mix(t ^ 0xBA5E), shared, only_a, only_b);
                let hasher = MinHasher::new(k, mix(t ^ 0x5EED_0000));
                hasher.sign(a).estimate(&hasher.sign(b)) - j
            })
            .collect();
        let n = trials as f64;
        let bias = errors.iter().sum::<f64>() / n;
        let variance = errors.iter().map(|e| (e - bias).powi(2)).sum::<f64>() / (n - 1.0);
        let sizes = (shared, only_a, only_b);
        assert!(
            bias.abs() <= 4.0 * (variance / n).sqrt(),
            "{sizes:?}: mean error {bias} is a bias"
        );
        let ratio = variance / (j * (1.0 - j) / k as f64);
        assert!(
            ratio <= max_ratio,
            "{sizes:?}: variance {ratio:.2}x that of {k} independent permutations"
        );
    }
}

/// The naive oracle: `HashSet` intersection and union.
fn naive(a: &[u64], b: &[u64]) -> (usize, usize) {
    let (a, b): (HashSet<u64>, HashSet<u64>) =
        (a.iter().copied().collect(), b.iter().copied().collect());
    (a.intersection(&b).count(), a.union(&b).count())
}

proptest! {
    #![proptest_config(config(256))]

    /// Sets with repeats, drawn from a small range (many collisions) or all of u64.
    #[test]
    fn exact_jaccard_equals_the_hashset_oracle(
        (a, b) in prop_oneof![
            (prop::collection::vec(0u64..64, 0..40), prop::collection::vec(0u64..64, 0..40)),
            (prop::collection::vec(0u64..3000, 0..2000), prop::collection::vec(0u64..3000, 0..2000)),
            (prop::collection::vec(any::<u64>(), 0..100), prop::collection::vec(any::<u64>(), 0..100)),
        ]
    ) {
        let (shared, union) = naive(&a, &b);
        let overlap = SetOverlap::of(
            &ShingleSet::from_unsorted(a.clone()),
            &ShingleSet::from_unsorted(b.clone()),
        );
        prop_assert_eq!(overlap.shared, shared);
        prop_assert_eq!(overlap.len_a + overlap.len_b - overlap.shared, union);
        let expected = if union == 0 { 0.0 } else { shared as f64 / union as f64 };
        prop_assert_eq!(overlap.jaccard(), expected);
        prop_assert_eq!(overlap.reaches(0.5), union > 0 && 2 * shared >= union);
    }

    /// Sets of comparable sizes and of very different sizes (a short quote against a long book),
    /// with matches planted at will: the smaller set is probed in the larger's table either way.
    #[test]
    fn intersection_by_probing_matches_the_oracle(
        small in prop::collection::vec(0u64..20_000, 1..300),
        large in prop::collection::vec(0u64..20_000, 1..3000),
        plant in any::<bool>(),
    ) {
        let mut large = large;
        if plant {
            large.extend_from_slice(&small);
        }
        let (shared, _) = naive(&small, &large);
        let (a, b) = (ShingleSet::from_unsorted(small), ShingleSet::from_unsorted(large));
        prop_assert_eq!(intersection_size(&a, &b), shared);
        prop_assert_eq!(intersection_size(&b, &a), shared);
    }
}

/// LSH recall: of many pairs at or just above the threshold, at least 99% share a band key, and
/// the hits are no fewer than the S-curve predicts, minus four standard deviations.
fn check_recall(threshold: f64) {
    let params = LshParams::for_threshold(threshold, 128);
    let hasher = MinHasher::new(128, DEFAULT_SEED);
    let pairs = 3000;
    let (mut hits, mut expected, mut variance) = (0usize, 0.0f64, 0.0f64);
    for i in 0..pairs {
        let r = |salt: u64| mix(mix(i as u64 ^ (salt << 40)) ^ threshold.to_bits());
        // A third of the pairs are small (union 4 to 60 shingles), the rest up to 2000.
        let union = if i % 3 == 0 {
            4 + (r(1) % 57) as usize
        } else {
            60 + (r(1) % 1941) as usize
        };
        // J = shared / union at or just above the threshold.
        let shared = ((threshold * union as f64).ceil() as usize + (r(2) % 3) as usize).min(union);
        let rest = union - shared;
        let only_a = (r(3) % (rest as u64 + 1)) as usize;
        let (a, b) = set_pair(r(4), shared, only_a, rest - only_a);
        let j = shared as f64 / union as f64;
        assert!(j >= threshold);
        let p = params.candidate_probability(j);
        expected += p;
        variance += p * (1.0 - p);
        let (ka, kb) = (
            params.band_keys(&hasher.sign(a)),
            params.band_keys(&hasher.sign(b)),
        );
        if ka.iter().zip(&kb).any(|(x, y)| x == y) {
            hits += 1;
        }
    }
    let recall = hits as f64 / pairs as f64;
    assert!(
        recall >= 0.99,
        "threshold {threshold} {params:?}: recall {recall} over {pairs} pairs"
    );
    assert!(
        hits as f64 >= expected - 4.0 * variance.sqrt(),
        "threshold {threshold} {params:?}: {hits} hits, S-curve predicts {expected:.1}"
    );
}

#[test]
fn lsh_recall_at_threshold_0_5() {
    check_recall(0.5);
}

#[test]
fn lsh_recall_at_threshold_0_8() {
    check_recall(0.8);
}

#[test]
fn lsh_recall_at_threshold_0_9() {
    check_recall(0.9);
}

/// Text made of pieces that stress word segmentation and normalisation.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "word",
        "Wörter",
        "ΣΊΣΥΦΟΣ",
        "straße",
        "我们",
        "喜欢",
        "ひらがな",
        "한국어",
        "ＡＢＣ",
        "１２３",
        "don't",
        "don’t",
        "“quoted”",
        "e\u{301}",
        "\u{301}",
        "👍🏽",
        "👨\u{200D}👩",
        "3.14",
        "a_b",
        "—",
        "...",
        " ",
        "\n",
        "\t",
        "\u{3000}",
        "\u{200B}",
        "\u{FEFF}",
        "'",
        "’",
        "\u{0}",
        "ﬁ",
        "İ",
        "ǅ",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

/// Checks the span invariants of tokens over `bytes`; returns the words as strings.
fn check_spans(bytes: &[u8], tokens: &[Token]) -> Result<Vec<String>, TestCaseError> {
    let mut words = Vec::with_capacity(tokens.len());
    let mut previous_end = 0usize;
    let mut scratch = String::new();
    for token in tokens {
        let span = token.span();
        prop_assert!(span.start < span.end, "empty span {:?}", span);
        prop_assert!(span.start >= previous_end, "spans overlap or go back");
        prop_assert!(span.end <= bytes.len());
        previous_end = span.end;
        let word = std::str::from_utf8(&bytes[span.clone()]);
        prop_assert!(word.is_ok(), "span {:?} is not UTF-8", span);
        let word = word.unwrap_or_default();
        prop_assert_eq!(token.hash, hash_word(word, &mut scratch));
        words.push(word.to_string());
    }
    Ok(words)
}

proptest! {
    #![proptest_config(config(256))]

    /// On valid text every span lies on char boundaries and slicing it gives exactly the word
    /// that Unicode segmentation finds there.
    #[test]
    fn token_spans_slice_out_the_words(text in prop_oneof![any::<String>(), tricky_text()]) {
        let tokens = tokenize(text.as_bytes());
        for token in &tokens {
            prop_assert!(text.is_char_boundary(token.span().start));
            prop_assert!(text.is_char_boundary(token.span().end));
        }
        let words = check_spans(text.as_bytes(), &tokens)?;
        let expected: Vec<(usize, &str)> = text.unicode_word_indices().collect();
        prop_assert_eq!(words.len(), expected.len());
        for (token, (start, word)) in tokens.iter().zip(expected) {
            prop_assert_eq!(token.span(), start..start + word.len());
            prop_assert_eq!(&text[token.span()], word);
        }
    }

    /// Arbitrary bytes (valid text with invalid bytes spliced in, or noise) never panic, and the
    /// spans still point at valid UTF-8 words in order; the whole sketch runs too.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..400),
            (tricky_text(), prop::collection::vec((any::<prop::sample::Index>(), 0x80u8..=0xFF), 0..8))
                .prop_map(|(text, junk)| {
                    let mut bytes = text.into_bytes();
                    for (at, byte) in junk {
                        let at = at.index(bytes.len() + 1);
                        bytes.insert(at, byte);
                    }
                    bytes
                }),
        ],
        ngram in 1usize..8,
    ) {
        let tokens = tokenize(&bytes);
        check_spans(&bytes, &tokens)?;
        let words: Vec<u64> = tokens.iter().map(|t| t.hash).collect();
        let mut count = 0;
        for_each_shingle(&words, ngram, |_, _| count += 1);
        let expected = match words.len() {
            0 => 0,
            n if n < ngram => 1,
            n => n - ngram + 1,
        };
        prop_assert_eq!(count, expected);
        let params = SketchParams { ngram, hasher: MinHasher::new(16, 1), winnow: Some(dedup::fingerprint::WinnowParams::for_min_words(8)), fingerprints_for: dedup::sketch::FingerprintUse::Lookup };
        let sketched = sketch(&bytes, &params);
        prop_assert_eq!(sketched.words as usize, tokens.len());
    }
}

/// The fixed text of the golden vector: mixed scripts, case, curly quotes and width.
const GOLDEN_TEXT: &str = "The river Lisle ran through Marrowby in a concrete trough for sixty \
    years; now the council’s plan gives it room. 河水从山谷里慢慢流下来。 ＦＵＬＬ width, \
    Ελληνικά και русский текст.";

fn golden_signature() -> Signature {
    let params = SketchParams {
        ngram: 5,
        hasher: MinHasher::new(128, DEFAULT_SEED),
        winnow: None,
        fingerprints_for: dedup::sketch::FingerprintUse::Groups,
    };
    sketch(GOLDEN_TEXT.as_bytes(), &params).signature
}

/// A changed tokenizer, normalisation, shingle hash or MinHash would silently invalidate every
/// index's stored band keys and fingerprints; these values catch it. Update them only together
/// with the committed index of tests/index.rs, whose hash probe then refuses the indexes built
/// before (last updated when shingles moved from xxh3 to the rolling k-gram hash).
#[test]
fn golden_signature_vector() {
    let signature = golden_signature();
    // Signing the document's shingles directly and the streaming sketch agree.
    let words: Vec<u64> = tokenize(GOLDEN_TEXT.as_bytes())
        .iter()
        .map(|t| t.hash)
        .collect();
    let hasher = MinHasher::new(128, DEFAULT_SEED);
    assert_eq!(hasher.sign(shingles(&words, 5)), signature);
    assert_eq!(
        signature.values()[..16],
        GOLDEN_FIRST_VALUES,
        "MinHash values changed"
    );
    let keys = LshParams::for_threshold(0.8, 128).band_keys(&signature);
    assert_eq!(keys, GOLDEN_BAND_KEYS, "band keys changed");
}

const GOLDEN_FIRST_VALUES: [u32; 16] = [
    1231359882, 838910541, 1118181851, 1118181851, 106991546, 3242474062, 1215092540, 1118181851,
    838910541, 1385305173, 1296386651, 1118181851, 106991546, 1177728310, 1692438907, 4016889499,
];
const GOLDEN_BAND_KEYS: [u64; 21] = [
    16122923679507575871,
    11588094512231312927,
    6163704697047697349,
    1585567220161061572,
    8724841926398610521,
    760732328199109018,
    1732675829618897234,
    12363334830454352631,
    8274353769883852001,
    15396875014535060371,
    15189233923009243861,
    8342492580370404587,
    12068222169748780083,
    14139607718889201423,
    1555236617232700072,
    9851669284868577770,
    15368705255087257546,
    18418943434508903886,
    8854077639828317287,
    13019070845194168086,
    17610703140416695957,
];
