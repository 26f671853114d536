//! Batch: the near-duplicate scan's stages as functions of one batch of documents, for engines
//! that shard a corpus across machines (the Python package and its Spark job, in `python/`).
//!
//! A sharded run must give the answers of [`crate::scan::scan`] exactly, so every function here
//! calls the scan's own code for one stage with that stage's inputs passed in; none is a second
//! implementation. The engine does the shuffles between them:
//!
//! ```text
//! discover (driver) -> read_file -> sketch_for_near_duplicates -> group by content hash
//!   -> group by band key -> bucket_pairs -> verify_texts -> connected components
//! ```
//!
//! Documents are ordered as the scan orders them (by file in walk order, then by line), which an
//! engine keeps as a sortable key instead of a dense [`crate::DocId`].

use crate::corpus::{discover, read_documents, Diagnostic, SourceFile, WalkOptions};
use crate::findings::{PairFinding, PairKind};
use crate::lsh::{self, BandKey};
use crate::minhash::{MinHasher, Signature};
use crate::scan::ScanConfig;
use crate::shingle::ShingleSet;
use crate::sketch::{sketch, SketchParams};
use crate::tokenize::for_each_token;
use crate::verify::SetOverlap;
use crate::DocId;
use std::path::PathBuf;

/// The files a scan of `roots` reads, in the scan's order, and the problems met walking them.
pub fn discover_files(roots: &[PathBuf], walk: &WalkOptions) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let (files, problems) = discover(roots, walk);
    (files.into_iter().map(|f| f.path).collect(), problems)
}

/// One document read from a file: its name in the output and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedDocument {
    /// The path as given, or the record's id (`PATH:LINE` when the record has none).
    pub name: String,
    /// The document's text, as the scan sketches it.
    pub bytes: Vec<u8>,
}

/// Every document of one file (one for a text file, one per line of JSON Lines), in order, and
/// the problems met reading it (binary, too large, a malformed line), as the scan reads them.
pub fn read_file(path: PathBuf, walk: &WalkOptions) -> (Vec<NamedDocument>, Vec<Diagnostic>) {
    let file = SourceFile { path };
    let mut documents = Vec::new();
    let mut problems = Vec::new();
    for result in read_documents(&file, walk) {
        match result {
            Ok((source, bytes)) => documents.push(NamedDocument {
                name: source.display(),
                bytes,
            }),
            Err(problem) => problems.push(problem),
        }
    }
    (documents, problems)
}

/// What the near-duplicate stages need of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearSketch {
    /// Number of words: the member of a cluster with the most is kept.
    pub words: u32,
    /// Equal for exact duplicates (0 words: an empty document, never a duplicate).
    pub content_hash: u128,
    /// The MinHash signature.
    pub signature: Signature,
    /// One LSH key per band of the signature.
    pub band_keys: Vec<BandKey>,
}

/// Sketches one document for the near-duplicate stages, as the scan's first pass does.
pub fn sketch_for_near_duplicates(bytes: &[u8], config: &ScanConfig) -> NearSketch {
    let params = SketchParams {
        winnow: None,
        ..config.sketch_params()
    };
    let sketch = sketch(bytes, &params);
    let band_keys = config.lsh.band_keys(&sketch.signature);
    NearSketch {
        words: sketch.words,
        content_hash: sketch.content_hash,
        signature: sketch.signature,
        band_keys,
    }
}

/// The candidate pairs of one LSH bucket, whose members are sorted and distinct: the scan's rule
/// ([`lsh::bucket_pairs`]), so a sharded run makes the same candidates.
pub fn bucket_pairs<T: Copy + Ord>(members: &[T]) -> Vec<(T, T)> {
    lsh::bucket_pairs(members, crate::scan::MAX_ALL_PAIRS_BUCKET)
}

/// Verifies one candidate pair exactly from both texts: the pair finding (its passages are left
/// to the shared-text stage) when the exact Jaccard reaches the threshold, else `None`.
/// `a` comes before `b` in the scan's order; the finding names them `DocId(0)` and `DocId(1)`.
pub fn verify_texts(a: &[u8], b: &[u8], config: &ScanConfig) -> Option<PairFinding> {
    // Each text is tokenised once: its shingle set, and for a pair that holds, its signature.
    let words = |bytes: &[u8]| {
        let mut words = Vec::with_capacity(bytes.len() / 6 + 1);
        for_each_token(bytes, |t| words.push(t.hash));
        words
    };
    let set_a = ShingleSet::of_words(&words(a), config.ngram);
    let set_b = ShingleSet::of_words(&words(b), config.ngram);
    let overlap = SetOverlap::of(&set_a, &set_b);
    let hasher = MinHasher::new(config.perms, config.seed);
    // A set holds the values a signature is made of, and repeats do not change a signature.
    let sign = |set: &ShingleSet| hasher.sign(set.iter());
    overlap.reaches(config.threshold).then(|| PairFinding {
        a: DocId(0),
        b: DocId(1),
        kind: PairKind::NearDuplicate,
        jaccard: overlap.jaccard(),
        estimate: sign(&set_a).estimate(&sign(&set_b)),
        containment_a: overlap.containment_a(),
        containment_b: overlap.containment_b(),
        passages: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::PairKind;
    use crate::scan::scan;
    use crate::synth::{Synth, SynthConfig};
    use std::collections::{BTreeMap, BTreeSet};

    /// The batch functions, run as an engine would run them (sketch, group by hash and by band
    /// key, verify), give the scan's near-duplicate and exact pairs exactly.
    #[test]
    fn batch_stages_give_the_scans_pairs() {
        let dir = tempfile::tempdir().unwrap();
        let synth = Synth::new(SynthConfig {
            min_words: 100,
            max_words: 300,
            near_duplicates: 0.4,
            ..SynthConfig::new(150, 11)
        });
        synth.write(dir.path()).unwrap();
        let mut config = ScanConfig::new(0.7);
        config.overlap = false;
        let roots = [dir.path().join("docs")];

        let (files, _) = discover_files(&roots, &config.walk);
        let documents: Vec<NamedDocument> = files
            .into_iter()
            .flat_map(|f| read_file(f, &config.walk).0)
            .collect();
        let sketches: Vec<NearSketch> = documents
            .iter()
            .map(|d| sketch_for_near_duplicates(&d.bytes, &config))
            .collect();
        let mut by_hash: BTreeMap<u128, Vec<usize>> = BTreeMap::new();
        for (i, s) in sketches.iter().enumerate().filter(|(_, s)| s.words > 0) {
            by_hash.entry(s.content_hash).or_default().push(i);
        }
        let mut found: BTreeSet<(String, String, PairKind)> = BTreeSet::new();
        let mut buckets: BTreeMap<(usize, BandKey), Vec<usize>> = BTreeMap::new();
        for group in by_hash.values() {
            for &copy in &group[1..] {
                let names = (
                    documents[group[0]].name.clone(),
                    documents[copy].name.clone(),
                );
                found.insert((names.0, names.1, PairKind::ExactDuplicate));
            }
            for (band, &key) in sketches[group[0]].band_keys.iter().enumerate() {
                buckets.entry((band, key)).or_default().push(group[0]);
            }
        }
        let candidates: BTreeSet<(usize, usize)> = buckets
            .values_mut()
            .flat_map(|members| {
                members.sort_unstable();
                bucket_pairs(members)
            })
            .collect();
        let mut estimates: BTreeMap<(String, String), f64> = BTreeMap::new();
        for &(a, b) in &candidates {
            if let Some(pair) = verify_texts(&documents[a].bytes, &documents[b].bytes, &config) {
                let names = (documents[a].name.clone(), documents[b].name.clone());
                estimates.insert(names.clone(), pair.estimate);
                found.insert((names.0, names.1, PairKind::NearDuplicate));
            }
        }

        let report = scan(&roots, &config).unwrap();
        let expected: BTreeSet<(String, String, PairKind)> = report
            .pairs
            .iter()
            .map(|p| {
                (
                    report.path(p.a).to_string(),
                    report.path(p.b).to_string(),
                    p.kind,
                )
            })
            .collect();
        assert!(found.len() >= 10, "{} pairs", found.len());
        assert_eq!(found, expected);
        assert_eq!(candidates.len(), report.summary.candidates);
        // The estimates too: verification signs the shingle sets, the scan the shingles.
        let near = report
            .pairs
            .iter()
            .filter(|p| p.kind == PairKind::NearDuplicate);
        for p in near {
            let names = (report.path(p.a).to_string(), report.path(p.b).to_string());
            assert_eq!(estimates[&names], p.estimate, "{names:?}");
        }
        assert!(!estimates.is_empty());
    }

    #[test]
    fn read_file_names_records_and_reports_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(&path, "{\"text\":\"one\"}\nnot json\n{\"text\":\"two\"}\n").unwrap();
        let (documents, problems) = read_file(path, &WalkOptions::default());
        let names: Vec<&str> = documents.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names.len(), 2);
        assert!(names[0].ends_with("c.jsonl:1") && names[1].ends_with("c.jsonl:3"));
        assert_eq!(documents[1].bytes, b"two");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].path.ends_with("c.jsonl:2"), "{problems:?}");
    }
}
