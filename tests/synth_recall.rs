//! The scan on a generated corpus with planted answers (`dedup::synth`): every planted pair at or
//! above the threshold is found, with exactly the planted Jaccard similarity, and nothing else is.

use dedup::scan::{scan, PairKind, ScanConfig};
use dedup::synth::{Synth, SynthConfig, Truth};
use std::collections::BTreeMap;

#[test]
fn scan_finds_every_planted_pair_above_the_threshold_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let synth = Synth::new(SynthConfig {
        min_words: 300,
        max_words: 700,
        near_duplicates: 0.4,
        passages: 0.2,
        ..SynthConfig::new(320, 11)
    });
    synth.write(dir.path()).unwrap();
    let planted: BTreeMap<(String, String), f64> = (0..320)
        .flat_map(|i| synth.document(i).truth)
        .filter_map(|t| match t {
            Truth::NearDuplicate { a, b, jaccard, .. } => Some(((a, b), jaccard)),
            Truth::Passage { .. } => None,
        })
        .collect();

    let threshold = 0.8;
    let report = scan(&[dir.path().join("docs")], &ScanConfig::new(threshold)).unwrap();
    assert_eq!(report.summary.docs, 320);
    let relative = |doc: usize| {
        let path = report.documents[doc].source.path.clone();
        let rel = path.strip_prefix(dir.path()).unwrap().to_string_lossy();
        rel.replace('\\', "/")
    };
    let mut found = BTreeMap::new();
    // Overlap pairs (the planted passages) are tests/overlap.rs's and passage_properties.rs's
    // subject; here every near-duplicate and exact pair must be planted.
    for pair in report.pairs.iter().filter(|p| p.kind != PairKind::Overlap) {
        let key = (relative(pair.a.index()), relative(pair.b.index()));
        let planted_jaccard = planted.get(&key).copied();
        assert!(planted_jaccard.is_some(), "unplanted pair {key:?}");
        assert_eq!(Some(pair.jaccard), planted_jaccard, "{key:?}");
        assert_eq!(
            pair.kind == PairKind::ExactDuplicate,
            pair.jaccard == 1.0,
            "{key:?}"
        );
        found.insert(key, pair.jaccard);
    }
    let wanted: Vec<_> = planted
        .iter()
        .filter(|(_, &j)| j >= threshold)
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        wanted.len() >= 20,
        "only {} pairs above the threshold",
        wanted.len()
    );
    for key in &wanted {
        assert!(found.contains_key(key), "missed planted pair {key:?}");
    }
    assert_eq!(found.len(), wanted.len());
}
