//! Shared set-up of the benches: seeded synthetic corpora (`dedup::synth`), in memory or on disk.

#![allow(dead_code)] // Each bench target uses part of this module.

use dedup::synth::{Synth, SynthConfig};
use std::path::PathBuf;

/// The seed of every bench corpus, so numbers are comparable between runs and machines.
pub const SEED: u64 = 1;

/// Documents of the in-memory corpus for the per-stage benches (about 8 MB of text).
pub const STAGE_DOCS: usize = 1000;

/// The texts of the first `docs` documents of a `total`-document corpus.
pub fn texts(docs: usize) -> Vec<Vec<u8>> {
    let synth = Synth::new(SynthConfig::new(docs, SEED));
    (0..docs)
        .map(|i| synth.document(i).text.into_bytes())
        .collect()
}

/// A corpus of `docs` documents written once under Cargo's temporary folder for benches and
/// reused by later runs (the generator is deterministic, and `manifest.json` is written last).
/// Returns the folder holding the documents.
pub fn corpus_on_disk(docs: usize) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("synth-{docs}-{SEED}"));
    if !root.join("manifest.json").exists() {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create bench corpus folder");
        eprintln!("writing a {docs}-document corpus to {}", root.display());
        Synth::new(SynthConfig::new(docs, SEED))
            .write(&root)
            .expect("write bench corpus");
    }
    root.join("docs")
}

/// True when the large (100,000-document) variants were asked for with `DEDUP_BENCH_LARGE=1`.
pub fn large_requested() -> bool {
    std::env::var_os("DEDUP_BENCH_LARGE").is_some_and(|v| v != "0" && !v.is_empty())
}
