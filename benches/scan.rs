//! End-to-end `scan` (read, tokenize, shingle, sign, LSH, verify, cluster) on a seeded synthetic
//! corpus written to disk once: 10,000 documents (about 80 MB), and 100,000 documents (about
//! 800 MB) when `DEDUP_BENCH_LARGE=1` is set. Threads: rayon's default (one per core) unless
//! `RAYON_NUM_THREADS` says otherwise.
//!
//! `cargo bench --bench scan`; `DEDUP_BENCH_LARGE=1 cargo bench --bench scan` for both sizes.
//!
//! `scan/input` scans the 10,000 documents as one JSON Lines file, plain, zstd and gzip
//! (near-duplicates only): a compressed file should cost its plain form plus one decode.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dedup::scan::{scan, ScanConfig};
use std::time::Duration;

fn end_to_end(c: &mut Criterion) {
    let mut sizes = vec![10_000];
    if common::large_requested() {
        sizes.push(100_000);
    }
    let config = ScanConfig::new(0.8);
    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    for docs in sizes {
        let root = common::corpus_on_disk(docs);
        let bytes = dir_bytes(&root);
        group.throughput(Throughput::Bytes(bytes));
        group.measurement_time(Duration::from_secs(if docs > 10_000 { 120 } else { 20 }));
        group.bench_with_input(
            BenchmarkId::new("near_duplicates", docs),
            &root,
            |b, root| {
                b.iter(|| {
                    let report = scan(std::slice::from_ref(root), &config).expect("scan");
                    assert_eq!(report.summary.docs, docs);
                    report.pairs.len()
                })
            },
        );
    }
    group.finish();
}

/// The near-duplicate scan of one JSON Lines file in each input form.
fn input_forms(c: &mut Criterion) {
    use dedup::corpus::input::{Compression, Encoder};
    use std::io::Write;

    let docs = 10_000;
    let lines: Vec<u8> = common::texts(docs)
        .into_iter()
        .flat_map(|text| {
            let text = String::from_utf8(text).expect("generated text is UTF-8");
            let mut line = serde_json::to_vec(&serde_json::json!({ "text": text })).expect("json");
            line.push(b'\n');
            line
        })
        .collect();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("input-forms");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let mut config = ScanConfig::new(0.8);
    config.overlap = false;
    let mut group = c.benchmark_group("scan/input");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(lines.len() as u64));
    for (name, compression) in [
        ("corpus.jsonl", Compression::None),
        ("corpus.jsonl.zst", Compression::Zstd),
        ("corpus.jsonl.gz", Compression::Gzip),
    ] {
        let path = dir.join(name);
        let mut encoder = Encoder::new(Vec::new(), compression).expect("encoder");
        encoder.write_all(&lines).expect("encode");
        std::fs::write(&path, encoder.finish().expect("finish")).expect("write");
        group.bench_with_input(BenchmarkId::from_parameter(name), &path, |b, path| {
            b.iter(|| {
                let report = scan(std::slice::from_ref(path), &config).expect("scan");
                assert_eq!(report.summary.docs, docs);
                report.pairs.len()
            })
        });
    }
    group.finish();
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("bench corpus")
        .map(|entry| {
            let entry = entry.expect("entry");
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                dir_bytes(&entry.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

criterion_group!(benches, end_to_end, input_forms);
criterion_main!(benches);
