//! The quote group finder against a brute-force enumeration of its definition (src/quote.rs,
//! `shared_quoted_runs`): every run of at least MIN_QUOTE_WORDS words that lies inside one quote
//! segment wherever it occurs, occurs in two documents or more, and is maximal for its
//! occurrences. Random texts over a small vocabulary quote with mixed marks, nest, cut with
//! editorial marks and repeat runs within a document.

use dedup::quote::{shared_quoted_runs, QuotedWords, SharedQuoteGrams, MIN_QUOTE_WORDS};
use dedup::tokenize::tokenize;
use dedup::DocId;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

type Occurrence = (u32, u32, u32); // (doc, first quoted word, one past the last)

/// Every occurrence of every run of quoted words inside one segment, by its words.
fn runs_by_text(docs: &[QuotedWords]) -> BTreeMap<Vec<u32>, Vec<Occurrence>> {
    let mut runs: BTreeMap<Vec<u32>, Vec<Occurrence>> = BTreeMap::new();
    for (d, q) in docs.iter().enumerate() {
        for s in 0..q.words.len() {
            let mut e = s + 1;
            while e <= q.words.len() && q.region_ids[e - 1] == q.region_ids[s] {
                if e - s >= MIN_QUOTE_WORDS {
                    let text: Vec<u32> = q.words[s..e].iter().map(|&w| w as u32).collect();
                    runs.entry(text)
                        .or_default()
                        .push((d as u32, s as u32, e as u32));
                }
                e += 1;
            }
        }
    }
    runs
}

fn brute_force(docs: &[QuotedWords]) -> BTreeSet<Vec<Occurrence>> {
    let word = |o: &Occurrence, at: i64, region: u32| -> Option<u64> {
        let q = &docs[o.0 as usize];
        let i = usize::try_from(at).ok()?;
        (i < q.words.len() && q.region_ids[i] == region).then(|| q.words[i])
    };
    let mut groups = BTreeSet::new();
    for mut occ in runs_by_text(docs).into_values() {
        occ.sort_unstable();
        let distinct: BTreeSet<u32> = occ.iter().map(|o| o.0).collect();
        if distinct.len() < 2 {
            continue;
        }
        let region = |o: &Occurrence| docs[o.0 as usize].region_ids[o.1 as usize];
        let agree = |at: &dyn Fn(&Occurrence) -> i64| {
            let first = word(&occ[0], at(&occ[0]), region(&occ[0]));
            first.is_some() && occ.iter().all(|o| word(o, at(o), region(o)) == first)
        };
        if agree(&|o| o.1 as i64 - 1) || agree(&|o| o.2 as i64) {
            continue; // not maximal
        }
        groups.insert(occ);
    }
    groups
}

fn found(docs: &[QuotedWords]) -> BTreeSet<Vec<Occurrence>> {
    let with_ids: Vec<(DocId, &QuotedWords)> = docs
        .iter()
        .enumerate()
        .map(|(i, q)| (DocId(i as u32), q))
        .collect();
    let shared = SharedQuoteGrams::of(&with_ids);
    let doc_of = |d: DocId| Some(docs[d.index()].as_quoted_doc());
    let groups = shared_quoted_runs(&shared, &doc_of, usize::MAX);
    let mut set = BTreeSet::new();
    for g in groups {
        let occ: Vec<Occurrence> = g
            .occurrences
            .iter()
            .map(|o| (o.doc.0, o.start, o.end))
            .collect();
        assert!(occ.iter().all(|o| (o.2 - o.1) as usize == g.words));
        assert!(set.insert(occ), "a group found twice");
    }
    set
}

/// Words random texts are made of: a small vocabulary (so runs repeat) and editorial marks.
const WORDS: [&str; 12] = [
    "a", "b", "c", "d", "a", "b", "a", "b", "a", "[x]", "…", "(...)",
];

/// One piece of a random text: `kind` says how its words are marked (plain, in `“”`, `""` or
/// `‘’`, a quote with a nested one, or a paragraph break before plain words).
type Piece = (u8, Vec<u8>);

fn words_of(words: &[u8]) -> String {
    let words: Vec<&str> = words
        .iter()
        .map(|&w| WORDS[w as usize % WORDS.len()])
        .collect();
    words.join(" ")
}

fn text_of(pieces: &[Piece]) -> String {
    let mut text = String::from("x");
    for (kind, words) in pieces {
        let w = words_of(words);
        let piece = match kind % 6 {
            0 => format!(" {w}"),
            1 => format!(" “{w}”"),
            2 => format!(" \"{w}\""),
            3 => format!(" ‘{w}’"),
            4 => {
                let (outer, inner) = words.split_at(words.len() / 2);
                format!(" “{} ‘{}’ z”", words_of(outer), words_of(inner))
            }
            _ => format!("\n\n{w}"),
        };
        text.push_str(&piece);
    }
    text
}

/// The quoted words of each text, as the scan collects them.
fn quoted_words_of(texts: &[String]) -> Vec<QuotedWords> {
    texts
        .iter()
        .map(|t| {
            let bytes = t.as_bytes();
            QuotedWords::collect(tokenize(bytes), &dedup::quote::quote_segments(bytes))
        })
        .collect()
}

fn pieces() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec((0u8..6, prop::collection::vec(0u8..12, 2..10)), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn shared_quoted_runs_are_the_maximal_quoted_repeats(
        texts in prop::collection::vec(pieces(), 2..7)
    ) {
        let texts: Vec<String> = texts.iter().map(|t| text_of(t)).collect();
        let docs = quoted_words_of(&texts);

        prop_assert_eq!(found(&docs), brute_force(&docs), "{:?}", texts);
    }
}

/// Texts made this way do make groups, some nested in others and some parted by editorial marks.
#[test]
fn the_random_texts_make_groups() {
    let texts = [
        text_of(&[(1, vec![0, 1, 2, 3, 0, 1, 2])]),
        text_of(&[(0, vec![3]), (2, vec![0, 1, 2, 3, 9, 0, 1, 2])]),
        text_of(&[(4, vec![3, 0, 1, 2, 0, 1, 2, 3])]),
    ];
    let docs = quoted_words_of(&texts);
    let groups = brute_force(&docs);
    assert!(groups.len() >= 3, "{groups:?} {texts:?}");
    assert_eq!(found(&docs), groups);
}
