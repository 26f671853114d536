//! Property tests for source overlap, through the library's `scan` on generated documents:
//! planted shared runs are always found with exact offsets in both documents, offsets fall on
//! UTF-8 boundaries, passages never overlap, and boilerplate in every document makes no pairs.

use dedup::findings::{PairFinding, ScanReport};
use dedup::scan::{scan, ScanConfig, DEFAULT_MAX_DF};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A word from one of two disjoint vocabularies (so text from one can never extend a run of the
/// other by chance), with accents and other scripts mixed in to exercise multi-byte offsets.
fn word(vocabulary: u8, i: u32) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mé", "ri", "tu", "sa", "ne", "vo", "pü", "dra", "ken", "lis", "ωa", "жи",
        "ço", "mar",
    ];
    let mut w = String::from(if vocabulary == 0 { "q" } else { "z" });
    let mut x = i;
    for _ in 0..3 {
        w.push_str(SYLLABLES[(x % 16) as usize]);
        x /= 16;
    }
    w
}

fn text(vocabulary: u8, ids: &[u32]) -> String {
    let mut out = String::new();
    for (n, &i) in ids.iter().enumerate() {
        if n > 0 {
            out.push_str(match i % 11 {
                0 => ", ",
                1 => ".\n",
                _ => " ",
            });
        }
        out.push_str(&word(vocabulary, i));
    }
    out
}

fn scan_texts(texts: &[String], config: &ScanConfig) -> (tempfile::TempDir, ScanReport) {
    let dir = tempfile::tempdir().unwrap();
    for (i, t) in texts.iter().enumerate() {
        std::fs::write(dir.path().join(format!("doc{i:03}.txt")), t).unwrap();
    }
    let report = scan(&[dir.path().to_path_buf()], config).unwrap();
    (dir, report)
}

/// The defaults, with every pair that shares text reported.
fn every_pair() -> ScanConfig {
    ScanConfig {
        min_containment: 0.0,
        ..ScanConfig::new(0.8)
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

fn assert_passages_well_formed(pair: &PairFinding, a: &[u8], b: &[u8]) {
    for p in &pair.passages {
        let sa = std::str::from_utf8(&a[p.a.start as usize..p.a.end as usize])
            .expect("UTF-8 boundary in a");
        std::str::from_utf8(&b[p.b.start as usize..p.b.end as usize]).expect("UTF-8 boundary in b");
        // A shared text's passage shows the group's text, which an edited copy differs from.
        assert!(sa == p.text || p.group.is_some(), "{sa:?} / {:?}", p.text);
    }
    // Shared texts may overlap (two groups sharing words at their edges), but none lies inside
    // another passage of the pair in both documents: a nested group adds nothing to the pair.
    for (i, p) in pair.passages.iter().enumerate() {
        for (j, q) in pair.passages.iter().enumerate() {
            let inside = q.a.start <= p.a.start
                && p.a.end <= q.a.end
                && q.b.start <= p.b.start
                && p.b.end <= q.b.end;
            assert!(
                i == j || !inside,
                "passage inside another: {:?}",
                pair.passages
            );
        }
    }
}

#[test]
fn planted_runs_are_found_with_exact_offsets() {
    let strategy = (
        prop::collection::vec(0u32..4096, 0..80),
        prop::collection::vec(0u32..4096, 0..80),
        prop::collection::vec(0u32..4096, 8..60),
        prop::collection::vec(0u32..4096, 0..80),
        prop::collection::vec(0u32..4096, 0..80),
    );
    runner(48)
        .run(
            &strategy,
            |(prefix_a, prefix_b, run, suffix_a, suffix_b)| {
                let shared = text(1, &run);
                let join = |prefix: &[u32], suffix: &[u32]| {
                    format!("{} {} {}", text(0, prefix), shared, text(0, suffix))
                        .trim()
                        .to_string()
                };
                let (a, b) = (join(&prefix_a, &suffix_a), join(&prefix_b, &suffix_b));
                let (start_a, start_b) = (
                    a.find(&shared).unwrap() as u32,
                    b.find(&shared).unwrap() as u32,
                );
                let (_dir, report) = scan_texts(&[a.clone(), b.clone()], &every_pair());
                let pair = report.pairs.iter().find(|p| p.a.0 == 0 && p.b.0 == 1);
                prop_assert!(
                    pair.is_some(),
                    "no pair for a planted run of {} words",
                    run.len()
                );
                let pair = pair.unwrap();
                assert_passages_well_formed(pair, a.as_bytes(), b.as_bytes());
                let len = shared.len() as u32;
                let exact = pair.passages.iter().any(|p| {
                    (p.a.start, p.a.end, p.b.start, p.b.end)
                        == (start_a, start_a + len, start_b, start_b + len)
                });
                prop_assert!(
                    exact,
                    "planted {}..{} / {}..{} not in {:?}",
                    start_a,
                    start_a + len,
                    start_b,
                    start_b + len,
                    pair.passages
                );
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn passages_are_well_formed_for_arbitrary_reuse() {
    // Documents cut and pasted from a shared pool: many overlapping, repeated, reordered runs.
    let strategy = prop::collection::vec((0usize..6, 1usize..40), 2..10);
    runner(32)
        .run(&(strategy.clone(), strategy), |(pieces_a, pieces_b)| {
            let pool: Vec<u32> = (0..300).map(|i| (i * 7919) % 4096).collect();
            let build = |pieces: &[(usize, usize)]| {
                pieces
                    .iter()
                    .map(|&(at, len)| text(1, &pool[at * 40..(at * 40 + len).min(pool.len())]))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let (a, b) = (build(&pieces_a), build(&pieces_b));
            let (_dir, report) = scan_texts(&[a.clone(), b.clone()], &every_pair());
            for pair in &report.pairs {
                let (x, y) = if pair.a.0 == 0 { (&a, &b) } else { (&b, &a) };
                assert_passages_well_formed(pair, x.as_bytes(), y.as_bytes());
            }
            Ok(())
        })
        .unwrap();
}

/// A template in every document, its header and footer around a slot of eight words that differ
/// from document to document (a date, a byline): header, slot and footer merge into one passage
/// across the slot, whose words are no boilerplate fingerprints; only the matched words are
/// judged, so the template makes no pairs.
#[test]
fn a_template_with_a_varying_slot_makes_no_pairs() {
    let docs = DEFAULT_MAX_DF + 5;
    // Words of document `d` (or the template's, `u64::MAX`): splitmix64 of (d, salt, i).
    let words = |d: u64, n: u64, salt: u64| -> Vec<u32> {
        (0..n)
            .map(|i| {
                let mut z = d.wrapping_mul(1 << 20) ^ salt << 16 ^ i;
                z = (z ^ z >> 30).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ z >> 27).wrapping_mul(0x94D0_49BB_1331_11EB);
                ((z ^ z >> 31) >> 52) as u32
            })
            .collect()
    };
    let (header, footer) = (
        text(1, &words(u64::MAX, 30, 1)),
        text(1, &words(u64::MAX, 30, 2)),
    );
    let texts: Vec<String> = (0..docs as u64)
        .map(|d| {
            let slot = text(2, &words(d, 8, 3));
            let body = text(0, &words(d, 60, 4));
            format!("{header} {slot} {footer}\n\n{body}\n")
        })
        .collect();
    let (_dir, report) = scan_texts(&texts, &every_pair());
    assert!(report.pairs.is_empty(), "{} pairs", report.pairs.len());
    assert!(report.summary.boilerplate_groups > 0);
    assert_eq!(report.summary.boilerplate_docs, docs);
}

#[test]
fn boilerplate_in_every_document_makes_no_pairs() {
    let docs = DEFAULT_MAX_DF + 5;
    runner(3)
        .run(&prop::collection::vec(0u32..4096, 40..80), |footer| {
            let footer = text(1, &footer);
            let texts: Vec<String> = (0..docs as u32)
                .map(|d| {
                    let body: Vec<u32> = (0..60u64)
                        .map(|i| {
                            ((u64::from(d) << 32 | i).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52)
                                as u32
                        })
                        .collect();
                    format!("{}\n\n{footer}\n", text(0, &body))
                })
                .collect();
            let (_dir, report) = scan_texts(&texts, &every_pair());
            prop_assert!(report.pairs.is_empty(), "{} pairs", report.pairs.len());
            prop_assert!(report.summary.boilerplate_groups > 0);
            prop_assert_eq!(report.summary.boilerplate_docs, docs);
            Ok(())
        })
        .unwrap();
}
