//! What the group stage costs on real text, step by step: every file of a folder tokenized (each
//! document its own unit, as when no near-duplicates are found), then `group::find_groups_timed`
//! with the scan's default parameters, `--rounds` times. Prints each step's time per round and a
//! checksum of the groups, so that two builds can be compared on the same input.
//!
//! ```text
//! cargo run --release --example group_cost -- DIR [--rounds 3] [--cache FILE]
//! ```
//! `--cache FILE` keeps the word hashes in FILE (written when missing, read when present), so a
//! round does not tokenize the folder again.

use dedup::group::{find_groups_timed, GroupInput};
use dedup::scan::ScanConfig;
use dedup::tokenize::for_each_token;
use dedup::DocId;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The binary's allocator, so that the steps cost here what they cost in a scan.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(message) = run() {
        eprintln!("group_cost: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut cache, mut rounds) = (None, None, 3usize);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--rounds needs a number")?
            }
            "--cache" => cache = Some(PathBuf::from(args.next().ok_or("--cache needs a file")?)),
            other if dir.is_none() => dir = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    let dir = dir.ok_or("usage: group_cost DIR [--rounds N] [--cache FILE]")?;
    let docs = match &cache {
        Some(file) if file.exists() => read_cache(file)?,
        _ => {
            let docs = word_hashes(&dir)?;
            if let Some(file) = &cache {
                write_cache(file, &docs)?;
            }
            docs
        }
    };
    let inputs: Vec<GroupInput<'_>> = docs
        .iter()
        .enumerate()
        .map(|(i, words)| GroupInput {
            doc: DocId(i as u32),
            unit: i as u32,
            words,
        })
        .collect();
    let params = ScanConfig::new(0.8).group_params();
    for round in 0..rounds {
        let started = Instant::now();
        let (groups, steps) = find_groups_timed(&inputs, params);
        let total = started.elapsed().as_secs_f64();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for g in &groups {
            for o in &g.occurrences {
                (o.doc.0, o.words.start, o.words.end).hash(&mut hasher);
            }
            (g.words, g.units, g.boilerplate).hash(&mut hasher);
        }
        let steps: Vec<String> = steps
            .iter()
            .map(|(name, took)| format!("{name} {:.3}", took.as_secs_f64()))
            .collect();
        println!(
            "round {round}: {total:.3} s, {} groups, checksum {:016x}; {}",
            groups.len(),
            hasher.finish(),
            steps.join(", ")
        );
    }
    Ok(())
}

/// Every file's word hashes, 32 bits each, as the scan keeps them, in path order.
fn word_hashes(dir: &Path) -> Result<Vec<Vec<u32>>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .and_then(|entries| entries.map(|e| e.map(|e| e.path())).collect())
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    files.sort();
    files
        .par_iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut words = Vec::new();
            for_each_token(&bytes, |t| words.push(t.hash as u32));
            Ok(words)
        })
        .collect()
}

fn write_cache(file: &Path, docs: &[Vec<u32>]) -> Result<(), String> {
    let mut out = Vec::new();
    for words in docs {
        out.extend_from_slice(&(words.len() as u32).to_le_bytes());
        for w in words {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    std::fs::write(file, out).map_err(|e| format!("{}: {e}", file.display()))
}

fn read_cache(file: &Path) -> Result<Vec<Vec<u32>>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut values = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")));
    let mut docs = Vec::new();
    while let Some(len) = values.next() {
        let words: Vec<u32> = values.by_ref().take(len as usize).collect();
        if words.len() != len as usize {
            return Err(format!("{}: cut short", file.display()));
        }
        docs.push(words);
    }
    Ok(docs)
}
