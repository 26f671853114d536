//! The "physical limit" of a near-duplicate scan: read every document and hash every word 5-gram
//! once with xxh3, nothing else. Any tool that looks at all word 5-grams must at least do this, so
//! `dedup scan`'s throughput is reported as a ratio of this one (BENCHMARKS.md).
//!
//! Words here are the cheapest definition there is: maximal runs of ASCII letters and digits and
//! non-ASCII bytes, no normalisation. A 5-gram is the xxh3-64 of the original bytes from its first
//! word's start to its fifth word's end.
//!
//! ```text
//! cargo run --release --example hash_limit -- DIR [--jobs 2] [--ngram 5]
//! ```
//! Prints one JSON object: files, bytes, shingles, seconds, MB/s (10^6 bytes per second).

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;
use xxhash_rust::xxh3::xxh3_64;

fn main() {
    if let Err(message) = run() {
        eprintln!("hash_limit: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut root = None;
    let (mut jobs, mut ngram) = (2usize, 5usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--jobs" => jobs = number("--jobs")?,
            "--ngram" => ngram = number("--ngram")?.max(1),
            other if root.is_none() => root = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    let root = root.ok_or("usage: hash_limit DIR [--jobs N] [--ngram N]")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| e.to_string())?;

    let started = Instant::now();
    let mut files = Vec::new();
    collect_files(&root, &mut files).map_err(|e| format!("{}: {e}", root.display()))?;
    files.sort();
    let (bytes, shingles, checksum) = pool.install(|| {
        files
            .par_iter()
            .map_init(Vec::new, |spans, path| {
                let text = std::fs::read(path).unwrap_or_default();
                let (count, sum) = hash_ngrams(&text, ngram, spans);
                (text.len() as u64, count, sum)
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 ^ b.2))
    });
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"files\":{},\"bytes\":{bytes},\"shingles\":{shingles},\"jobs\":{jobs},\"seconds\":{seconds:.4},\"mb_per_s\":{:.1},\"checksum\":\"{checksum:016x}\"}}",
        files.len(),
        bytes as f64 / 1e6 / seconds
    );
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Hashes every `ngram`-word window of `text` once; returns how many and their XOR (so the
/// work cannot be optimised away). `spans` is reused between documents.
fn hash_ngrams(text: &[u8], ngram: usize, spans: &mut Vec<(u32, u32)>) -> (u64, u64) {
    spans.clear();
    let mut i = 0;
    while i < text.len() {
        if !is_word(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_word(text[i]) {
            i += 1;
        }
        spans.push((start as u32, i as u32));
    }
    let mut sum = 0u64;
    for window in spans.windows(ngram) {
        let (start, end) = (window[0].0 as usize, window[ngram - 1].1 as usize);
        sum ^= xxh3_64(&text[start..end]);
    }
    (spans.len().saturating_sub(ngram - 1) as u64, sum)
}

#[inline]
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}
