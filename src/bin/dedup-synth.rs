//! `dedup-synth`: writes a seeded synthetic corpus with planted near-duplicates and shared
//! passages, for benchmarks (`scripts/compare.py`) and recall checks. See `dedup::synth`.

use clap::Parser;
use dedup::synth::{Synth, SynthConfig};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Write a synthetic corpus: OUT/docs/... (documents), OUT/truth.jsonl (planted pairs and
/// passages), OUT/manifest.json (parameters and counts).
#[derive(Debug, Parser)]
#[command(name = "dedup-synth", version, about, max_term_width = 100)]
struct Args {
    /// Number of documents.
    #[arg(long, default_value_t = 10_000)]
    docs: usize,

    /// Seed; the same seed and options always give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Folder to write into (created; must be empty or absent).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Shortest document, in words.
    #[arg(long, default_value_t = 300)]
    min_words: usize,

    /// Longest document, in words.
    #[arg(long, default_value_t = 3000)]
    max_words: usize,

    /// Distinct words in the vocabulary.
    #[arg(long, default_value_t = 50_000)]
    vocabulary: usize,

    /// Fraction of documents in planted near-duplicate pairs.
    #[arg(long, default_value_t = 0.10)]
    near_duplicates: f64,

    /// Fraction of documents in planted shared passages.
    #[arg(long, default_value_t = 0.10)]
    passages: f64,

    /// Lowest planted Jaccard similarity.
    #[arg(long, default_value_t = 0.5)]
    min_target: f64,

    /// Worker threads (default: one per core); the output does not depend on it.
    #[arg(short, long)]
    jobs: Option<usize>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dedup-synth: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let config = SynthConfig {
        docs: args.docs,
        seed: args.seed,
        min_words: args.min_words,
        max_words: args.max_words,
        vocabulary: args.vocabulary,
        near_duplicates: args.near_duplicates,
        passages: args.passages,
        min_target: args.min_target,
    };
    config.validate()?;
    if let Some(jobs) = args.jobs.filter(|&j| j > 0) {
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()
            .map_err(|e| format!("--jobs {jobs}: {e}"))?;
    }
    let out = &args.out;
    let shown = out.display();
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| format!("{shown}: {e}"))?;
        if entries.next().is_some() {
            return Err(format!("{shown}: folder is not empty"));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{shown}: {e}"))?;
    let started = Instant::now();
    let summary = Synth::new(config)
        .write(out)
        .map_err(|e| format!("{shown}: {e}"))?;
    eprintln!(
        "dedup-synth: {} documents, {:.1} MB, {} near-duplicate pairs, {} passages in {:.1} s -> {}",
        summary.docs,
        summary.bytes as f64 / 1e6,
        summary.near_duplicates,
        summary.passages,
        started.elapsed().as_secs_f64(),
        shown
    );
    Ok(())
}
