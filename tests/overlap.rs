//! Source overlap end to end: the built binary on seeds/ and fixtures/overlap, checked field by
//! field, plus golden outputs of both formats for seeds/ (regenerate with `DEDUP_BLESS=1`).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

#[path = "util/documents.rs"]
mod documents;

fn dedup() -> Command {
    Command::cargo_bin("dedup").expect("the dedup binary is built")
}

/// Runs `dedup scan ARGS --format jsonl`, returns the records and the exit code.
fn scan_jsonl(args: &[&str]) -> (Vec<Value>, i32) {
    let out = dedup()
        .arg("scan")
        .args(args)
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    (documents::with_paths(records), out.status.code().unwrap())
}

fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

fn pair<'a>(records: &'a [Value], a: &str, b: &str) -> Option<&'a Value> {
    of_type(records, "pair")
        .into_iter()
        .find(|p| p["a"].as_str().unwrap().ends_with(a) && p["b"].as_str().unwrap().ends_with(b))
}

/// The bytes of `path` from `start` to `end`, as text.
fn slice(path: &str, start: &Value, end: &Value) -> String {
    let bytes = std::fs::read(path).unwrap();
    let (s, e) = (
        start.as_u64().unwrap() as usize,
        end.as_u64().unwrap() as usize,
    );
    String::from_utf8(bytes[s..e].to_vec()).expect("offsets fall on UTF-8 boundaries")
}

/// The 1-based line of byte `offset` in `path`.
fn line_of(path: &str, offset: &Value) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    1 + bytes[..offset.as_u64().unwrap() as usize]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn seeds_quote_group_slices_exactly_the_quoted_words() {
    let (records, code) = scan_jsonl(&["seeds/"]);
    assert_eq!(code, 1);
    let quotes = of_type(&records, "quote");
    let group = quotes
        .iter()
        .find(|q| q["text"] == "miscarriage of justice")
        .expect("a quote group for \"miscarriage of justice\"");
    assert_eq!(group["words"], 3);
    let occurrences = group["occurrences"].as_array().unwrap();
    let paths: Vec<&str> = occurrences
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "seeds/000_6f685f3f68b66d6d.txt",
            "seeds/001_e48c93604c3d6fcd.txt",
            "seeds/004_549b01c2df7e431f.txt"
        ]
    );
    for o in occurrences {
        let path = o["path"].as_str().unwrap();
        assert_eq!(
            slice(path, &o["start"], &o["end"]),
            "miscarriage of justice"
        );
        assert_eq!(line_of(path, &o["start"]), o["line"].as_u64().unwrap());
    }
    // The whole sentence, quoted by 000 and 001, is a group of its own, nested around the
    // phrase that 004 quotes too.
    let mut mentioning: Vec<(&str, usize)> = quotes
        .iter()
        .filter(|q| q["text"].as_str().unwrap().contains("miscarriage"))
        .map(|q| {
            (
                q["text"].as_str().unwrap(),
                q["occurrences"].as_array().unwrap().len(),
            )
        })
        .collect();
    mentioning.sort();
    assert_eq!(
        mentioning,
        [
            ("Cannot allow this miscarriage of justice", 2),
            ("miscarriage of justice", 3)
        ]
    );
}

/// The shared-text group (`passage` record) whose text contains `words`.
fn group<'a>(records: &'a [Value], words: &str) -> Option<&'a Value> {
    of_type(records, "passage")
        .into_iter()
        .find(|g| g["text"].as_str().unwrap().contains(words))
}

/// Every occurrence of a group: its bytes and line are where the file says.
fn assert_occurrences_point_into_the_files(group: &Value) {
    for o in group["occurrences"].as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        assert!(o["start"].as_u64() < o["end"].as_u64());
        assert_eq!(line_of(path, &o["start"]), o["line"].as_u64().unwrap());
        let text = slice(path, &o["start"], &o["end"]);
        // An occurrence names its own word count only where it differs from the group's.
        let shown = o["words"]
            .as_u64()
            .unwrap_or_else(|| group["words"].as_u64().unwrap());
        // Our tokenizer keeps "2,000" and "Barr’s" whole; this splitter does not.
        assert!(
            shown >= 1 && shown <= crate::words(&text).len() as u64,
            "{text}"
        );
    }
}

#[test]
fn seeds_000_and_001_share_an_edited_sentence_as_one_group() {
    let (records, _) = scan_jsonl(&["seeds/"]);
    let shared = group(&records, "former DOJ officials").expect("the shared sentence");
    // "2,000 former DOJ officials [signed onto a petition Sunday] calling for Barr’s
    // resignation": two runs of four words merged across the five words 001 left out.
    assert_eq!(shared["words"], 8);
    assert_eq!(shared["docs"], 2);
    assert_eq!(shared["boilerplate"], false);
    let places = shared["occurrences"].as_array().unwrap();
    assert!(places[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("000_6f685f3f68b66d6d.txt"));
    assert!(places[1]["path"]
        .as_str()
        .unwrap()
        .ends_with("001_e48c93604c3d6fcd.txt"));
    let first = slice(
        places[0]["path"].as_str().unwrap(),
        &places[0]["start"],
        &places[0]["end"],
    );
    // The edited copy (five words inserted) is where the text occurs, with its own words...
    assert_eq!(
        first,
        "2,000 former DOJ officials signed onto a petition Sunday calling for Barr’s resignation"
    );
    assert_eq!(places[0]["words"], 13);
    let second = slice(
        places[1]["path"].as_str().unwrap(),
        &places[1]["start"],
        &places[1]["end"],
    );
    assert_eq!(
        second,
        "2,000 former DOJ officials calling for Barr’s resignation"
    );
    // ...and the group is named by the copy that holds just the 8 shared words.
    assert_eq!(second, shared["text"].as_str().unwrap());
    assert_occurrences_point_into_the_files(shared);
    // A twentieth of neither document: no pair.
    assert!(pair(
        &records,
        "000_6f685f3f68b66d6d.txt",
        "001_e48c93604c3d6fcd.txt"
    )
    .is_none());
    let (records, _) = scan_jsonl(&["seeds/", "--min-containment", "0"]);
    let pair = pair(
        &records,
        "000_6f685f3f68b66d6d.txt",
        "001_e48c93604c3d6fcd.txt",
    )
    .expect("every pair sharing text with --min-containment 0");
    assert_eq!(pair["kind"], "overlap");
    assert_eq!(pair["passages"][0]["group"], shared["id"]);
}

#[test]
fn seeds_common_six_word_phrase_is_not_a_passage() {
    let (records, _) = scan_jsonl(&["seeds/"]);
    // "it was revealed that he had": 6 words, unquoted, below the default --min-words 8.
    assert!(group(&records, "it was revealed that he had").is_none());
    // With --min-words 6 it is one.
    let (records, _) = scan_jsonl(&["seeds/", "--min-words", "6"]);
    let shared = group(&records, "it was revealed that he had").expect("a group at 6 words");
    assert_eq!(shared["text"], "it was revealed that he had");
    let paths: Vec<&str> = shared["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "seeds/000_6f685f3f68b66d6d.txt",
            "seeds/003_9827fcc0f7eb9b0f.txt"
        ]
    );
    assert_occurrences_point_into_the_files(shared);
}

#[test]
fn planted_sentence_is_found_with_exact_spans_in_both_files() {
    let (records, code) = scan_jsonl(&["fixtures/overlap", "--glob", "!*.md"]);
    assert_eq!(code, 1);
    let sentence = "the council agreed on Tuesday to release the emergency funds for the flood defences before the winter storms";
    let shared = group(&records, "release the emergency funds").expect("the planted sentence");
    assert_eq!(shared["text"], sentence);
    assert_eq!(shared["words"], 18);
    assert_eq!(shared["quoted"], false);
    let places = shared["occurrences"].as_array().unwrap();
    assert_eq!(places.len(), 2);
    for o in places {
        assert_eq!(
            slice(o["path"].as_str().unwrap(), &o["start"], &o["end"]),
            sentence
        );
    }
    assert_occurrences_point_into_the_files(shared);
    let (records, _) = scan_jsonl(&[
        "fixtures/overlap",
        "--glob",
        "!*.md",
        "--min-containment",
        "0",
    ]);
    let pair = pair(&records, "council_politics.txt", "river_report.txt").expect("a pair");
    assert_eq!(pair["kind"], "overlap");
    let passages = pair["passages"].as_array().unwrap();
    assert_eq!(passages.len(), 1);
    assert_eq!(passages[0]["words"], 18);
    // Containment both ways: the short shared sentence is a bigger part of the shorter text.
    assert!(pair["containment_a"].as_f64() > pair["containment_b"].as_f64());
}

#[test]
fn reuse_with_small_edits_is_one_passage() {
    let (records, _) = scan_jsonl(&["fixtures/overlap", "--glob", "!*.md"]);
    let shared = group(&records, "volunteers counted more than forty").expect("the reused passage");
    // 26 of the 28 planted words match (two were changed), and so does the "The" that starts the
    // next paragraph in both files: one passage of the matched words.
    assert_eq!(shared["words"], 27);
    let text = shared["text"].as_str().unwrap();
    assert!(
        text.starts_with("volunteers counted more than forty breeding pairs"),
        "{text}"
    );
    assert!(
        text.ends_with("since the nineteen seventies.\n\nThe"),
        "{text}"
    );
    assert_occurrences_point_into_the_files(shared);
    let mentioning = of_type(&records, "passage")
        .iter()
        .filter(|g| g["text"].as_str().unwrap().contains("breeding pairs"))
        .count();
    assert_eq!(mentioning, 1, "one passage, not its pieces");
}

#[test]
fn quotes_in_four_quotation_styles_form_one_group() {
    let (records, _) = scan_jsonl(&["fixtures/overlap", "--glob", "!*.md"]);
    let quotes = of_type(&records, "quote");
    assert_eq!(quotes.len(), 1);
    let occurrences = quotes[0]["occurrences"].as_array().unwrap();
    assert_eq!(occurrences.len(), 4);
    for o in occurrences {
        let text = slice(o["path"].as_str().unwrap(), &o["start"], &o["end"]);
        assert_eq!(text.to_lowercase(), "we will not abandon the valley");
    }
}

#[test]
fn boilerplate_makes_no_pairs_and_is_counted() {
    let (records, code) = scan_jsonl(&["fixtures/overlap/boilerplate", "--max-df", "3"]);
    assert_eq!(code, 0);
    assert!(of_type(&records, "pair").is_empty());
    let summary = of_type(&records, "summary")[0];
    assert!(summary["boilerplate_passages"].as_u64().unwrap() > 0);
    assert_eq!(summary["boilerplate_docs"], 5);
}

#[test]
fn no_overlap_finds_near_duplicates_only() {
    let (records, code) = scan_jsonl(&["fixtures/overlap", "--glob", "!*.md", "--no-overlap"]);
    assert_eq!(code, 0);
    assert!(of_type(&records, "pair").is_empty());
    assert!(of_type(&records, "quote").is_empty());
}

/// Compares `actual` with the golden file, or rewrites it when `DEDUP_BLESS=1`.
fn golden(name: &str, actual: &str) {
    let path = Path::new("tests/golden").join(name);
    if std::env::var_os("DEDUP_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        panic!(
            "{} differs from the output (rerun with DEDUP_BLESS=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// Removes the timing, the only thing that differs between runs.
fn without_timing(text: &str) -> String {
    text.lines()
        .map(|line| {
            if let Some(at) = line.find("\"elapsed_ms\":") {
                let end = line[at..].find(['}', ',']).map_or(line.len(), |e| at + e);
                format!("{}\"elapsed_ms\":0{}", &line[..at], &line[end..])
            } else if let Some(at) = line.rfind(" in ") {
                if line.ends_with(" ms") {
                    format!("{} in N ms", &line[..at])
                } else {
                    line.to_string()
                }
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn seeds_golden_outputs() {
    for (format, file) in [("human", "seeds.human.txt"), ("jsonl", "seeds.jsonl")] {
        let out = dedup()
            .args(["scan", "seeds/", "--format", format, "--color", "never"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        golden(
            file,
            &without_timing(&String::from_utf8(out.stdout).unwrap()),
        );
    }
}

/// A quote group expected: its text (whitespace folded) and its documents' file names.
type Quoted<'a> = (&'a str, &'a [&'a str]);

/// Quotes as news writes them (fixtures/quotes/, one folder per way of marking a quote, each a
/// few outlets quoting the same statements): every statement is one quote group with every
/// outlet's occurrence. Before quote marks took their role from their neighbours and excerpts
/// counted, 3 of these 10 groups were found.
#[test]
fn quotes_marked_as_news_marks_them_are_grouped() {
    let cases: [(&str, &[Quoted]); 6] = [
        (
            "single",
            &[(
                "an insult to every taxpayer in this city",
                &["courier.txt", "gazette.txt", "herald.txt"],
            )],
        ),
        (
            "nested",
            &[
                (
                    "while this review does not find fraud, it does not clear the board either",
                    &["auditor.txt", "report.txt"],
                ),
                ("quietly working to sink", &["letters.txt", "ward.txt"]),
            ],
        ),
        (
            "glyphs",
            &[
                ("no new cases in the region this week", &["bulletin.txt", "ministry.txt"]),
                ("We will not back down from this fight", &["daily.txt", "tribune.txt"]),
            ],
        ),
        (
            "paragraphs",
            &[
                (
                    "every region will get the same support, and no town will be left behind by this government",
                    &["evening.txt", "hansard.txt"],
                ),
                (
                    "We have spent two years preparing this plan and it is ready for the country",
                    &["excerpt.txt", "hansard.txt", "weekly.txt"],
                ),
            ],
        ),
        (
            // Three outlets quote different spans of one sentence: what all three share is
            // quoted whole by none, and the longer runs two of them share are kept as well.
            "excerpts",
            &[
                (
                    "we built the new levee on the east bank so that no family in the valley would have to leave its home again",
                    &["courier.txt", "valley.txt", "wire.txt"],
                ),
                (
                    "The river would rise this spring, and we built the new levee on the east bank so that no family in the valley would have to leave its home again",
                    &["courier.txt", "wire.txt"],
                ),
                (
                    "we built the new levee on the east bank so that no family in the valley would have to leave its home again this year",
                    &["valley.txt", "wire.txt"],
                ),
            ],
        ),
        (
            // An insertion in brackets, an ellipsis and a cut `(...)`: the runs on either side
            // join into one group, its text that of the first document (the words they share
            // are counted); the longer run two outlets share is a group of its own.
            "editorial",
            &[
                (
                    "We will not allow his plan to pass the Senate this year",
                    &["herald.txt", "post.txt", "wire.txt"],
                ),
                (
                    "We will not allow … plan to pass the Senate this year (...) and we will fight it in every committee",
                    &["post.txt", "wire.txt"],
                ),
            ],
        ),
    ];
    for (folder, expected) in cases {
        let path = format!("fixtures/quotes/{folder}");
        let (records, _) = scan_jsonl(&[&path]);
        let mut found: Vec<(String, Vec<String>)> = of_type(&records, "quote")
            .iter()
            .map(|q| {
                let text = q["text"]
                    .as_str()
                    .unwrap()
                    .split_whitespace()
                    .collect::<Vec<_>>();
                let mut docs: Vec<String> = q["occurrences"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| {
                        let path = o["path"].as_str().unwrap();
                        path.rsplit('/').next().unwrap().to_string()
                    })
                    .collect();
                docs.sort();
                (text.join(" "), docs)
            })
            .collect();
        found.sort();
        let mut want: Vec<(String, Vec<String>)> = expected
            .iter()
            .map(|(text, docs)| {
                (
                    text.to_string(),
                    docs.iter().map(|d| d.to_string()).collect(),
                )
            })
            .collect();
        want.sort();
        assert_eq!(found, want, "fixtures/quotes/{folder}");
        for q in of_type(&records, "quote") {
            assert_occurrences_point_into_the_files(q);
        }
    }
}
