//! What the near-duplicate sketch costs on real text, part by part: tokenizing (words and their
//! hashes) and the whole sketch (tokens, content hash, shingles, MinHash) of the first N files of
//! a folder held in memory, on one thread, 5 rounds each; and walking the folder
//! (`corpus::discover`, 3 rounds). Prints the medians.
//!
//! ```text
//! cargo run --release --example sketch_cost -- DIR [N]
//! ```
//! To compare with an older build, copy this file into a worktree of it and run it there on the
//! same machine (BENCHMARKS.md, "The near-duplicate path at the hashing limit").

use dedup::minhash::MinHasher;
use dedup::sketch::{sketch, FingerprintUse, SketchParams};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: sketch_cost DIR [N]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let walks: Vec<f64> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let (files, _) =
                dedup::corpus::discover(std::slice::from_ref(&dir), &Default::default());
            std::hint::black_box(files);
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .and_then(|entries| entries.map(|e| e.map(|e| e.path())).collect())
        .unwrap_or_else(|e| {
            eprintln!("sketch_cost: {}: {e}", dir.display());
            std::process::exit(2);
        });
    files.sort();
    files.truncate(n);
    let texts: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = texts.iter().map(Vec::len).sum();
    let params = SketchParams {
        ngram: 5,
        hasher: MinHasher::new(128, 0),
        winnow: None,
        fingerprints_for: FingerprintUse::Lookup,
    };
    let (mut tokenize, mut sketches) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        for text in &texts {
            dedup::tokenize::for_each_token(text, |t| {
                std::hint::black_box(t);
            });
        }
        tokenize.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        for text in &texts {
            std::hint::black_box(sketch(text, &params));
        }
        sketches.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{} files, {bytes} bytes: tokenize {:.1} ms, sketch {:.1} ms (medians of 5); walk of {} {:.1} ms (median of 3)",
        texts.len(),
        median(tokenize),
        median(sketches),
        dir.display(),
        median(walks),
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
