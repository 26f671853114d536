//! Per-stage benches on a seeded synthetic corpus (`dedup::synth`, 1,000 documents, about 8 MB):
//! tokenize (fast path and the UAX #29 reference), shingle, tokenize+shingle, signatures, sketches
//! with and without source overlap, the fingerprint steps (k-grams, winnowing, anchoring, the
//! inverted index of 8,000 documents), LSH
//! build and query, exact verification.
//!
//! `cargo bench --bench stages`; figures and how they compare are in BENCHMARKS.md.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dedup::lsh::{BandKey, LshIndex, LshParams};
use dedup::minhash::{MinHasher, Signature};
use dedup::scan::DEFAULT_SEED;
use dedup::shingle::{shingles, ShingleSet};
use dedup::sketch::{sketch, SketchParams};
use dedup::synth::{Synth, SynthConfig, Truth};
use dedup::tokenize::{for_each_token, for_each_token_unicode, WordHash};
use dedup::verify::SetOverlap;
use dedup::DocId;
use std::hint::black_box;
use std::time::Duration;

const NGRAM: usize = 5;
const PERMS: usize = 128;

fn word_hashes(text: &[u8]) -> Vec<WordHash> {
    let mut words = Vec::with_capacity(text.len() / 6);
    for_each_token(text, |t| words.push(t.hash));
    words
}

fn total_bytes(texts: &[Vec<u8>]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn tokenize(c: &mut Criterion) {
    let texts = common::texts(common::STAGE_DOCS);
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Bytes(total_bytes(&texts)));
    group.bench_function("fast_path", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for text in &texts {
                for_each_token(text, |t| sum ^= t.hash);
            }
            black_box(sum)
        })
    });
    group.bench_function("uax29_reference", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for text in &texts {
                for_each_token_unicode(text, |t| sum ^= t.hash);
            }
            black_box(sum)
        })
    });
    group.finish();
}

fn shingle(c: &mut Criterion) {
    let texts = common::texts(common::STAGE_DOCS);
    let words: Vec<Vec<WordHash>> = texts.iter().map(|t| word_hashes(t)).collect();
    let mut group = c.benchmark_group("shingle");
    group.throughput(Throughput::Bytes(total_bytes(&texts)));
    group.bench_function("from_word_hashes", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for w in &words {
                sum = shingles(w, NGRAM).fold(sum, |s, h| s ^ h);
            }
            black_box(sum)
        })
    });
    group.bench_function("tokenize_and_shingle", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for text in &texts {
                sum = shingles(&word_hashes(text), NGRAM).fold(sum, |s, h| s ^ h);
            }
            black_box(sum)
        })
    });
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let texts = common::texts(common::STAGE_DOCS);
    let sets: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| shingles(&word_hashes(t), NGRAM).collect())
        .collect();
    let shingle_count: u64 = sets.iter().map(|s| s.len() as u64).sum();
    let hasher = MinHasher::new(PERMS, DEFAULT_SEED);
    let mut group = c.benchmark_group("signature");
    // Elements are shingles; bytes are those of the documents the shingles came from.
    group.throughput(Throughput::ElementsAndBytes {
        elements: shingle_count,
        bytes: total_bytes(&texts),
    });
    group.bench_function("minhash_128", |b| {
        b.iter(|| {
            let mut first = 0u32;
            for set in &sets {
                first ^= hasher.sign(set.iter().copied()).values()[0];
            }
            black_box(first)
        })
    });
    group.throughput(Throughput::Bytes(total_bytes(&texts)));
    let near_only = SketchParams {
        ngram: NGRAM,
        hasher: hasher.clone(),
        winnow: None,
        fingerprints_for: dedup::sketch::FingerprintUse::Groups,
    };
    group.bench_function("sketch_from_bytes", |b| {
        b.iter(|| {
            let mut first = 0u32;
            for text in &texts {
                first ^= sketch(text, &near_only).signature.values()[0];
            }
            black_box(first)
        })
    });
    // The sketch of a scan that also finds passages and quotes: the near-duplicate sketch plus
    // k-gram hashes, winnowing, anchored fingerprints and the quoted words. Its ratio to
    // `sketch_from_bytes` is most of what source overlap costs a scan.
    let with_overlap = SketchParams {
        winnow: Some(dedup::fingerprint::WinnowParams::for_min_words(8)),
        ..near_only
    };
    group.bench_function("sketch_with_overlap", |b| {
        b.iter(|| {
            let mut first = 0u32;
            for text in &texts {
                let s = sketch(text, &with_overlap);
                first ^= s.signature.values()[0] ^ s.word_hashes.len() as u32;
            }
            black_box(first)
        })
    });
    group.finish();
}

/// Signatures of a whole corpus, computed once (without keeping the texts).
fn corpus_signatures(docs: usize) -> Vec<Signature> {
    let synth = Synth::new(SynthConfig::new(docs, common::SEED));
    let params = SketchParams {
        ngram: NGRAM,
        hasher: MinHasher::new(PERMS, DEFAULT_SEED),
        winnow: None,
        fingerprints_for: dedup::sketch::FingerprintUse::Groups,
    };
    (0..docs)
        .map(|i| sketch(synth.document(i).text.as_bytes(), &params).signature)
        .collect()
}

fn lsh(c: &mut Criterion) {
    let mut sizes = vec![10_000];
    if common::large_requested() {
        sizes.push(100_000);
    }
    let params = LshParams::for_threshold(0.8, PERMS);
    let mut group = c.benchmark_group("lsh");
    group.sample_size(20);
    for docs in sizes {
        let signatures = corpus_signatures(docs);
        let keyed: Vec<(DocId, Vec<BandKey>)> = signatures
            .iter()
            .enumerate()
            .map(|(i, s)| (DocId(i as u32), params.band_keys(s)))
            .collect();
        group.throughput(Throughput::Elements(docs as u64));
        group.bench_with_input(BenchmarkId::new("band_keys", docs), &signatures, |b, s| {
            b.iter(|| {
                s.iter()
                    .map(|s| params.band_keys(s)[0])
                    .fold(0, |a, k| a ^ k)
            })
        });
        group.bench_with_input(BenchmarkId::new("build", docs), &keyed, |b, keyed| {
            b.iter(|| LshIndex::build(params, keyed, false))
        });
        let index = LshIndex::build(params, &keyed, true);
        group.bench_with_input(BenchmarkId::new("query_all", docs), &keyed, |b, keyed| {
            b.iter(|| {
                keyed
                    .iter()
                    .map(|(_, k)| index.query(k).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

/// The fingerprint steps of an index's sketch, each from the output of the one before: k-gram
/// hashes from word hashes, winnowing from k-gram hashes.
fn fingerprints(c: &mut Criterion) {
    use dedup::fingerprint::{kgram_hashes, winnow_grams, WinnowParams};
    let synth = Synth::new(SynthConfig::new(1000, common::SEED));
    let words: Vec<Vec<WordHash>> = (0..1000)
        .map(|i| word_hashes(synth.document(i).text.as_bytes()))
        .collect();
    let params = WinnowParams::for_min_words(8);
    let grams: Vec<Vec<u64>> = words.iter().map(|w| kgram_hashes(w, params.k)).collect();
    let mut group = c.benchmark_group("fingerprint");
    group.throughput(Throughput::Elements(
        words.iter().map(|w| w.len() as u64).sum(),
    ));
    group.bench_function("kgram_hashes", |b| {
        b.iter(|| {
            words
                .iter()
                .map(|w| kgram_hashes(w, params.k).len())
                .sum::<usize>()
        })
    });
    group.bench_function("winnow", |b| {
        b.iter(|| {
            grams
                .iter()
                .map(|g| winnow_grams(g, params.w).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

/// The group stage (`find_groups`: shared K-grams, unitigs, extension, folding, edit merging)
/// over 8,000 synth documents with planted shared passages, about 1.2 million words: the words
/// do not fit in cache, as in a real scan.
fn groups(c: &mut Criterion) {
    use dedup::group::{find_groups, GroupInput, GroupParams};
    let docs = 8000;
    let synth = Synth::new(SynthConfig::new(docs, common::SEED));
    let words: Vec<Vec<u32>> = (0..docs)
        .map(|i| {
            let words = word_hashes(synth.document(i).text.as_bytes());
            words.iter().map(|&w| w as u32).collect()
        })
        .collect();
    let input: Vec<GroupInput<'_>> = words
        .iter()
        .enumerate()
        .map(|(i, w)| GroupInput {
            doc: DocId(i as u32),
            unit: i as u32,
            words: w,
        })
        .collect();
    let params = GroupParams::for_min_words(8, 8, 50);
    let mut group = c.benchmark_group("group");
    group.throughput(Throughput::Elements(
        words.iter().map(|w| w.len() as u64).sum(),
    ));
    group.bench_function("find_groups_8000_docs", |b| {
        b.iter(|| find_groups(black_box(&input), params).len())
    });
    group.finish();
}

fn verification(c: &mut Criterion) {
    let docs = 2000;
    let synth = Synth::new(SynthConfig::new(docs, common::SEED));
    let index_of = |name: &str| -> usize {
        let file = name.rsplit('/').next().expect("file name");
        file.trim_end_matches(".txt")
            .parse()
            .expect("numbered file")
    };
    let set_of = |name: &str| {
        let text = synth.document(index_of(name)).text;
        ShingleSet::of_words(&word_hashes(text.as_bytes()), NGRAM)
    };
    let pairs: Vec<(ShingleSet, ShingleSet)> = (0..docs)
        .flat_map(|i| synth.document(i).truth)
        .filter_map(|t| match t {
            Truth::NearDuplicate { a, b, .. } => Some((set_of(&a), set_of(&b))),
            Truth::Passage { .. } => None,
        })
        .collect();
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("exact_jaccard_planted_pairs", |b| {
        b.iter(|| {
            pairs
                .iter()
                .filter(|(a, b)| SetOverlap::of(a, b).reaches(0.8))
                .count()
        })
    });
    let texts: Vec<Vec<u8>> = (0..200)
        .map(|i| synth.document(i).text.into_bytes())
        .collect();
    group.throughput(Throughput::Bytes(total_bytes(&texts)));
    group.bench_function("build_shingle_sets", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| ShingleSet::of_words(&word_hashes(t), NGRAM).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn quotes(c: &mut Criterion) {
    // The synthetic text quotes with straight and curly marks and writes `’` as the apostrophe
    // in about one document in five: every mark is looked at, most of them apostrophes.
    let texts = common::texts(common::STAGE_DOCS);
    let mut group = c.benchmark_group("quotes");
    group.throughput(Throughput::Bytes(total_bytes(&texts)));
    // `quote_segments` is what the scan runs: the quotes cut at editorial marks.
    type Finder = fn(&[u8]) -> usize;
    let finders: [(&str, Finder); 2] = [
        ("quote_regions", |t| dedup::quote::quote_regions(t).len()),
        ("quote_segments", |t| dedup::quote::quote_segments(t).len()),
    ];
    for (name, find) in finders {
        group.bench_function(name, |b| {
            b.iter(|| texts.iter().map(|t| find(t)).sum::<usize>())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = tokenize, shingle, signatures, fingerprints, groups, lsh, verification, quotes
}
criterion_main!(benches);
