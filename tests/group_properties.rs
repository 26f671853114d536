//! The group finder against a brute-force enumeration of its definition (src/group.rs): every
//! word sequence of at least K words that occurs in two or more units, is maximal for its
//! occurrences, and holds a K-gram occurring exactly where it does.

use dedup::group::{find_groups, GroupInput, GroupParams};
use dedup::DocId;
use proptest::prelude::*;
use std::collections::BTreeSet;

type Occurrences = Vec<(u32, u32, u32)>; // (doc, start, end)

fn occurrences_of(docs: &[Vec<u32>], text: &[u32]) -> Occurrences {
    let mut found = Vec::new();
    for (d, words) in docs.iter().enumerate() {
        for q in 0..(words.len() + 1).saturating_sub(text.len()) {
            if &words[q..q + text.len()] == text {
                found.push((d as u32, q as u32, (q + text.len()) as u32));
            }
        }
    }
    found
}

fn brute_force(docs: &[Vec<u32>], units: &[u32], k: usize) -> BTreeSet<Occurrences> {
    let mut groups = BTreeSet::new();
    for words in docs {
        for s in 0..words.len() {
            for e in s + k..=words.len() {
                let text = &words[s..e];
                let occ = occurrences_of(docs, text);
                let distinct: BTreeSet<u32> = occ.iter().map(|o| units[o.0 as usize]).collect();
                if distinct.len() < 2 {
                    continue;
                }
                let word = |o: &(u32, u32, u32), at: i64| -> Option<u32> {
                    let words = &docs[o.0 as usize];
                    (at >= 0).then(|| words.get(at as usize).copied()).flatten()
                };
                let agree = |at: &dyn Fn(&(u32, u32, u32)) -> i64| {
                    let first = word(&occ[0], at(&occ[0]));
                    first.is_some() && occ.iter().all(|o| word(o, at(o)) == first)
                };
                if agree(&|o| o.1 as i64 - 1) || agree(&|o| o.2 as i64) {
                    continue; // not maximal
                }
                let anchored = (0..=text.len() - k)
                    .any(|o| occurrences_of(docs, &text[o..o + k]).len() == occ.len());
                if anchored {
                    groups.insert(occ);
                }
            }
        }
    }
    groups
}

fn found(docs: &[Vec<u32>], units: &[u32], k: usize) -> BTreeSet<Occurrences> {
    let inputs: Vec<GroupInput<'_>> = docs
        .iter()
        .enumerate()
        .map(|(i, w)| GroupInput {
            doc: DocId(i as u32),
            unit: units[i],
            words: w,
        })
        .collect();
    let params = GroupParams {
        seed_words: k,
        min_words: k,
        fold: false,
        max_gap: 0,
        max_df: 50,
    };
    find_groups(&inputs, params)
        .into_iter()
        .map(|g| {
            g.occurrences
                .iter()
                .map(|o| (o.doc.0, o.words.start, o.words.end))
                .collect()
        })
        .collect()
}

fn corpus() -> impl Strategy<Value = (Vec<Vec<u32>>, Vec<u32>, usize)> {
    (2usize..6, 2usize..5, 2u32..5).prop_flat_map(|(n, k, alphabet)| {
        (
            prop::collection::vec(prop::collection::vec(0..alphabet, 0..24), n),
            prop::collection::vec(0u32..4, n),
            Just(k),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn groups_are_exactly_the_anchored_maximal_repeats((docs, units, k) in corpus()) {
        prop_assert_eq!(found(&docs, &units, k), brute_force(&docs, &units, k));
    }

    #[test]
    fn every_document_its_own_unit((docs, _units, k) in corpus()) {
        let units: Vec<u32> = (0..docs.len() as u32).collect();
        prop_assert_eq!(found(&docs, &units, k), brute_force(&docs, &units, k));
    }
}

#[test]
fn a_paragraph_and_a_sentence_of_it_quoted_more_widely_are_nested_groups() {
    // 0 and 1 share 1..=12; 2 shares only 4..=8 of it.
    let docs = vec![
        (1..=12).chain([90, 91]).collect::<Vec<u32>>(),
        [50].into_iter().chain(1..=12).collect(),
        [60, 61].into_iter().chain(4..=8).chain([62]).collect(),
    ];
    let groups = found(&docs, &[0, 1, 2], 4);
    let expected: BTreeSet<Occurrences> = [
        vec![(0, 0, 12), (1, 1, 13)],
        vec![(0, 3, 8), (1, 4, 9), (2, 2, 7)],
    ]
    .into_iter()
    .collect();
    assert_eq!(groups, expected);
}
