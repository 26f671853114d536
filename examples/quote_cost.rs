//! What finding quotes costs per byte of real text: `quote::quote_regions` (and, where the build
//! has it, `quote::quote_segments`, what the scan runs) over the first N files of a folder, held
//! in memory, on one thread, 5 rounds each; prints the median and the spread.
//!
//! ```text
//! cargo run --release --example quote_cost -- DIR [N]
//! ```
//! To compare with an older build, copy this file into a worktree of it and run it there on the
//! same machine, alternating the two (BENCHMARKS.md, "quote scan").

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: quote_cost DIR [N]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.truncate(n);
    let texts: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = texts.iter().map(Vec::len).sum();
    println!("{} files, {:.1} MB", texts.len(), bytes as f64 / 1e6);
    time("quote_regions", bytes, || {
        texts
            .iter()
            .map(|t| dedup::quote::quote_regions(t).len())
            .sum()
    });
    time("quote_segments", bytes, || {
        texts
            .iter()
            .map(|t| dedup::quote::quote_segments(t).len())
            .sum()
    });
}

fn time(name: &str, bytes: usize, run: impl Fn() -> usize) {
    let mut ms: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(run());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let median = ms[2];
    println!(
        "{name}: median {median:.1} ms ({:.2} GB/s), {:.1}-{:.1} ms",
        bytes as f64 / median / 1e6,
        ms[0],
        ms[4]
    );
}
