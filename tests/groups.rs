//! Shared text as groups, end to end with the built binary: a paragraph in 3, one in 40 and one
//! in 200 of 200 documents. Each is one group listing every place it occurs; the one in more
//! than `--max-df` documents is marked boilerplate and makes no pairs; pairs follow
//! `--min-containment`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

#[path = "util/documents.rs"]
mod documents;

/// `n` pseudo-words from `seed`, unlikely to repeat across seeds.
fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 1_000_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const DOCS: usize = 200;
const PARAGRAPH: usize = 40;

/// Document `d`: its own words between the paragraphs it holds (so that no two paragraphs run
/// into each other): P3 in documents 0-2, P40 in 0-39, P200 in all.
fn write_corpus(dir: &Path) {
    let (p3, p40, p200) = (
        words(3, PARAGRAPH),
        words(40, PARAGRAPH),
        words(200, PARAGRAPH),
    );
    for d in 0..DOCS {
        let own = |part: u64, n: usize| words(1_000 + 10 * d as u64 + part, n);
        let mut text = own(1, 30);
        if d < 3 {
            text = format!("{text}\n\n{p3}\n\n{}", own(2, 30));
        }
        if d < 40 {
            text = format!("{text}\n\n{p40}\n\n{}", own(3, 30));
        }
        text = format!("{text}\n\n{p200}\n\n{}\n", own(4, 10));
        std::fs::write(dir.join(format!("doc{d:03}.txt")), text).unwrap();
    }
}

fn scan(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let out = Command::cargo_bin("dedup")
        .unwrap()
        .current_dir(dir)
        .args(["scan", ".", "--format", "jsonl"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    documents::with_paths(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

#[test]
fn paragraphs_in_3_40_and_200_documents_are_one_group_each() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let records = scan(dir.path(), &[]);
    let groups = of_type(&records, "passage");
    assert_eq!(groups.len(), 3, "{groups:?}");
    for (docs, boilerplate) in [(3, false), (40, false), (200, true)] {
        let group = groups
            .iter()
            .find(|g| g["docs"] == docs)
            .unwrap_or_else(|| panic!("a group in {docs} documents"));
        assert_eq!(group["words"], PARAGRAPH);
        assert_eq!(group["boilerplate"], boilerplate);
        let places = group["occurrences"].as_array().unwrap();
        assert_eq!(places.len(), docs, "every place, once");
        for (d, place) in places.iter().enumerate() {
            let path = place["path"].as_str().unwrap();
            assert!(path.ends_with(&format!("doc{d:03}.txt")), "{path}");
            let bytes = std::fs::read(dir.path().join(path)).unwrap();
            let (start, end) = (
                place["start"].as_u64().unwrap() as usize,
                place["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                std::str::from_utf8(&bytes[start..end]).unwrap(),
                group["text"]
            );
        }
    }
    let summary = of_type(&records, "summary")[0];
    assert_eq!(summary["boilerplate_passages"], 1);
    assert_eq!(summary["boilerplate_docs"], DOCS);
    // No document has half of itself in another: no pairs by default.
    assert!(of_type(&records, "pair").is_empty());
}

#[test]
fn pairs_follow_min_containment_and_boilerplate_makes_none() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let pairs = |at: &str| -> Vec<(String, String)> {
        of_type(&scan(dir.path(), &["--min-containment", at]), "pair")
            .iter()
            .map(|p| {
                (
                    p["a"].as_str().unwrap().to_string(),
                    p["b"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // Documents 0-2 share P3 and P40: 80 of their 220 words (0.36).
    let at_03 = pairs("0.3");
    assert_eq!(
        at_03,
        [
            ("./doc000.txt", "./doc001.txt"),
            ("./doc000.txt", "./doc002.txt"),
            ("./doc001.txt", "./doc002.txt")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // Documents 0-39 share P40: 40 of 180 words (0.22) or more. P200 is boilerplate: document 40
    // and later pair with nobody, even when every pair is asked for.
    assert_eq!(pairs("0.2").len(), 40 * 39 / 2);
    let every = pairs("0");
    assert_eq!(every.len(), 40 * 39 / 2);
    assert!(every
        .iter()
        .all(|(a, b)| a < b && b.as_str() < "./doc040.txt"));
}
