//! End-to-end tests of the `dedup` binary on `fixtures/near/`, whose known answers are described
//! in `fixtures/README.md`.
//!
//! Golden outputs live in `tests/golden/`; after an intended change to an output format,
//! re-bless them with `DEDUP_BLESS=1 cargo test --test cli` and review the diff.

mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{dedup, library_overlap, naive_overlap, redact_timing, words};

const NEAR: &str = "fixtures/near";

/// `fixtures/near/NAME`.
fn near(name: &str) -> String {
    format!("{NEAR}/{name}")
}

/// A planted pair with its exact overlap in distinct word 5-grams (as in fixtures/README.md) and
/// how a scan at the default threshold 0.8 must report it (`None`: not at all).
struct Planted {
    a: &'static str,
    b: &'static str,
    shared: usize,
    union: usize,
    kind: Option<&'static str>,
}

const PLANTED: &[Planted] = &[
    // Exactly at the threshold: 4 shared 5-grams of 5 (the threshold is inclusive).
    Planted {
        a: "boundary_a.txt",
        b: "boundary_b.txt",
        shared: 4,
        union: 5,
        kind: Some("near_duplicate"),
    },
    Planted {
        a: "article_river.txt",
        b: "article_river_edited.txt",
        shared: 604,
        union: 674,
        kind: Some("near_duplicate"),
    },
    Planted {
        a: "article_river.txt",
        b: "article_river_updated.txt",
        shared: 639,
        union: 742,
        kind: Some("near_duplicate"),
    },
    Planted {
        a: "article_river_edited.txt",
        b: "article_river_updated.txt",
        shared: 604,
        union: 777,
        kind: None,
    },
    Planted {
        a: "article_river.txt",
        b: "article_river_rewritten.txt",
        shared: 440,
        union: 836,
        kind: None,
    },
    Planted {
        a: "article_river_edited.txt",
        b: "article_river_rewritten.txt",
        shared: 415,
        union: 861,
        kind: None,
    },
    Planted {
        a: "article_river_rewritten.txt",
        b: "article_river_updated.txt",
        shared: 440,
        union: 939,
        kind: None,
    },
    Planted {
        a: "memo_backup.txt",
        b: "memo_backup_fullwidth.txt",
        shared: 62,
        union: 62,
        kind: Some("exact_duplicate"),
    },
    Planted {
        a: "notice_library.txt",
        b: "notice_library_restyled.txt",
        shared: 109,
        union: 109,
        kind: Some("exact_duplicate"),
    },
    Planted {
        a: "recipe_bread.txt",
        b: "recipe_bread_copy.txt",
        shared: 151,
        union: 151,
        kind: Some("exact_duplicate"),
    },
    Planted {
        a: "short_note_a.txt",
        b: "short_note_b.txt",
        shared: 1,
        union: 1,
        kind: Some("exact_duplicate"),
    },
    Planted {
        a: "zh_tea.txt",
        b: "zh_tea_edited.txt",
        shared: 370,
        union: 402,
        kind: Some("near_duplicate"),
    },
];

/// The documents with no words at all: counted in `summary.empty`, never paired.
const EMPTY: &[&str] = &[
    "empty.txt",
    "empty_too.txt",
    "punctuation_only.txt",
    "whitespace_only.txt",
];

/// Documents that must not appear in any pair or cluster at the default threshold.
const LONERS: &[&str] = &[
    "article_river_rewritten.txt",
    "el_olive_harvest.txt",
    "essay_bees.txt",
    "letter_harbour.txt",
    "ru_station.txt",
    "short_note_c.txt",
];

/// The expected clusters at threshold 0.8, ordered by first member: members and the one to keep.
fn expected_clusters() -> Vec<(Vec<String>, String)> {
    let cluster = |members: &[&str], keep: &str| {
        (
            members.iter().map(|m| near(m)).collect::<Vec<_>>(),
            near(keep),
        )
    };
    vec![
        // edited ~ updated is 0.777 (not a pair), but both are near-duplicates of the original.
        cluster(
            &[
                "article_river.txt",
                "article_river_edited.txt",
                "article_river_updated.txt",
            ],
            "article_river_updated.txt",
        ),
        cluster(&["boundary_a.txt", "boundary_b.txt"], "boundary_b.txt"),
        cluster(
            &["memo_backup.txt", "memo_backup_fullwidth.txt"],
            "memo_backup.txt",
        ),
        cluster(
            &["notice_library.txt", "notice_library_restyled.txt"],
            "notice_library.txt",
        ),
        cluster(
            &["recipe_bread.txt", "recipe_bread_copy.txt"],
            "recipe_bread.txt",
        ),
        cluster(
            &["short_note_a.txt", "short_note_b.txt"],
            "short_note_a.txt",
        ),
        cluster(&["zh_tea.txt", "zh_tea_edited.txt"], "zh_tea.txt"),
    ]
}

/// Scans fixtures/near for near-duplicates only (`--no-overlap`): these tests pin the
/// near-duplicate answers; the passages and quotes the same files share are tests/overlap.rs's
/// subject, and the golden outputs below show both.
fn scan_jsonl(extra: &[&str]) -> (util::Run, Vec<Value>) {
    let mut args = vec!["scan", NEAR, "--format", "jsonl", "--no-overlap"];
    args.extend_from_slice(extra);
    let run = dedup(&args);
    let records = run.jsonl();
    (run, records)
}

fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

fn str_field<'a>(record: &'a Value, field: &str) -> &'a str {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is not a string in {record}"))
}

fn f64_field(record: &Value, field: &str) -> f64 {
    record[field]
        .as_f64()
        .unwrap_or_else(|| panic!("`{field}` is not a number in {record}"))
}

fn u64_field(record: &Value, field: &str) -> u64 {
    record[field]
        .as_u64()
        .unwrap_or_else(|| panic!("`{field}` is not a count in {record}"))
}

/// Five standard errors of a 128-value MinHash estimate, each floored at 1/128.
fn minhash_tolerance(jaccard: f64) -> f64 {
    let k = 128.0;
    5.0 * (jaccard * (1.0 - jaccard) / k).sqrt().max(1.0 / k)
}

#[test]
fn planted_pairs_have_the_recorded_exact_jaccard() {
    for p in PLANTED {
        let (a, b) = (near(p.a), near(p.b));
        let lib = library_overlap(&a, &b);
        assert_eq!(
            (lib.shared, lib.len_a + lib.len_b - lib.shared),
            (p.shared, p.union),
            "library overlap of {a} and {b} differs from fixtures/README.md"
        );
        assert_eq!(
            naive_overlap(&a, &b),
            (p.shared, p.union),
            "naive overlap of {a} and {b}"
        );
    }
    // Every other pair of files shares nothing at all.
    let mut names: Vec<String> = std::fs::read_dir(util::root().join(NEAR))
        .expect("fixtures/near")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            if !PLANTED.iter().any(|p| p.a == a && p.b == b) {
                let shared = library_overlap(&near(a), &near(b)).shared;
                assert_eq!(shared, 0, "{a} and {b} share shingles");
            }
        }
    }
}

#[test]
fn reports_exactly_the_planted_pairs_with_exact_jaccard() {
    let (run, records) = scan_jsonl(&[]);
    run.assert_exit_code(1);
    assert_eq!(run.stderr, "");

    let found: BTreeSet<(String, String, String)> = of_type(&records, "pair")
        .into_iter()
        .map(|r| {
            (
                str_field(r, "a").to_string(),
                str_field(r, "b").to_string(),
                str_field(r, "kind").to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = PLANTED
        .iter()
        .filter_map(|p| Some((near(p.a), near(p.b), p.kind?.to_string())))
        .collect();
    assert_eq!(found, expected);

    for pair in of_type(&records, "pair") {
        let (a, b) = (str_field(pair, "a"), str_field(pair, "b"));
        assert!(a < b, "pair not ordered: {pair}");
        let planted = PLANTED
            .iter()
            .find(|p| near(p.a) == a && near(p.b) == b)
            .expect("a planted pair");
        let exact = planted.shared as f64 / planted.union as f64;
        let lib = library_overlap(a, b);
        let jaccard = f64_field(pair, "jaccard");
        assert!((jaccard - exact).abs() <= 1e-6, "{pair}: exact is {exact}");
        assert!((jaccard - lib.jaccard()).abs() <= 1e-6, "{pair}");
        assert!((f64_field(pair, "containment_a") - lib.containment_a()).abs() <= 1e-6);
        assert!((f64_field(pair, "containment_b") - lib.containment_b()).abs() <= 1e-6);
        let estimate = f64_field(pair, "estimate");
        assert!(
            (estimate - exact).abs() <= minhash_tolerance(exact),
            "{pair}: estimate too far from the exact {exact}"
        );
        if str_field(pair, "kind") == "exact_duplicate" {
            assert_eq!((jaccard, estimate), (1.0, 1.0), "{pair}");
        } else {
            assert!((0.8..1.0).contains(&jaccard), "{pair}");
        }
    }
}

#[test]
fn clusters_and_members_to_keep() {
    let (_, records) = scan_jsonl(&[]);
    let found: Vec<(Vec<String>, String)> = of_type(&records, "cluster")
        .into_iter()
        .map(|r| {
            let members = r["members"]
                .as_array()
                .unwrap_or_else(|| panic!("members is not an array in {r}"))
                .iter()
                .map(|m| m.as_str().expect("member path").to_string())
                .collect();
            (members, str_field(r, "keep").to_string())
        })
        .collect();
    assert_eq!(found, expected_clusters());
    // The keep rule, checked against word counts: the updated article has the most words; the
    // tea articles tie, so the smaller path wins.
    assert!(words(&near("article_river_updated.txt")) > words(&near("article_river.txt")));
    assert_eq!(
        words(&near("zh_tea.txt")),
        words(&near("zh_tea_edited.txt"))
    );
}

#[test]
fn empty_short_and_unrelated_documents_are_never_paired() {
    let (_, records) = scan_jsonl(&[]);
    let mentioned: BTreeSet<&str> = records
        .iter()
        .filter(|r| r["type"] == "pair" || r["type"] == "cluster")
        .flat_map(|r| {
            let mut paths: Vec<&str> = ["a", "b", "keep"]
                .iter()
                .filter_map(|f| r[*f].as_str())
                .collect();
            if let Some(members) = r["members"].as_array() {
                paths.extend(members.iter().filter_map(Value::as_str));
            }
            paths
        })
        .collect();
    for name in EMPTY.iter().chain(LONERS) {
        assert!(
            !mentioned.contains(near(name).as_str()),
            "{name} must not be paired"
        );
    }
    let summary = of_type(&records, "summary");
    assert_eq!(u64_field(summary[0], "empty"), EMPTY.len() as u64);
}

#[test]
fn jsonl_records_field_by_field() {
    let (_, records) = scan_jsonl(&[]);
    let order = ["pair", "cluster", "warning", "error", "summary"];
    let mut last = 0;
    for record in &records {
        let kind = record["type"]
            .as_str()
            .unwrap_or_else(|| panic!("record without a string `type`: {record}"));
        let rank = order
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("unknown record type: {record}"));
        assert!(rank >= last, "records out of order at {record}");
        last = rank;
    }
    let summaries = of_type(&records, "summary");
    assert_eq!(summaries.len(), 1);
    assert_eq!(records.last(), Some(summaries[0]), "summary comes last");

    for pair in of_type(&records, "pair") {
        for field in ["a", "b", "kind"] {
            str_field(pair, field);
        }
        for field in ["jaccard", "estimate", "containment_a", "containment_b"] {
            let x = f64_field(pair, field);
            assert!((0.0..=1.0).contains(&x), "{field} out of range in {pair}");
        }
        assert!(pair["passages"].is_array(), "{pair}");
    }

    let s = summaries[0];
    let fixture_bytes: u64 = std::fs::read_dir(util::root().join(NEAR))
        .expect("fixtures/near")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    let count = |field| u64_field(s, field);
    assert_eq!(count("docs"), 25);
    assert_eq!(count("bytes"), fixture_bytes);
    assert_eq!(count("empty"), 4);
    assert_eq!(count("pairs"), 8);
    assert_eq!(count("near_duplicate_pairs"), 4);
    assert_eq!(count("exact_duplicates"), 4);
    assert_eq!(count("clusters"), 7);
    assert_eq!(count("quotes"), 0);
    assert_eq!(count("skipped"), 0);
    assert_eq!(count("errors"), 0);
    // Candidates include every near-duplicate pair; edited ~ updated (0.777) may be one too.
    assert!(count("candidates") >= 4);
    assert_eq!(f64_field(s, "threshold"), 0.8);
    count("elapsed_ms");
    assert_eq!(of_type(&records, "pair").len(), 8);
    assert_eq!(of_type(&records, "cluster").len(), 7);
}

#[test]
fn golden_human_output() {
    let run = dedup(&["scan", NEAR, "--color", "never"]);
    run.assert_exit_code(1);
    util::assert_golden("near.human", &run.stable_stdout());
}

#[test]
fn golden_jsonl_output() {
    let run = dedup(&["scan", NEAR, "--format", "jsonl"]);
    run.assert_exit_code(1);
    util::assert_golden("near.jsonl", &run.stable_stdout());
}

/// The quote fixtures together (fixtures/quotes/: single curly marks, nested quotes, mixed
/// glyphs, quotes over paragraphs and cut off by the end), as JSON Lines.
#[test]
fn golden_quotes_jsonl_output() {
    let run = dedup(&["scan", "fixtures/quotes", "--format", "jsonl"]);
    util::assert_golden("quotes.jsonl", &run.stable_stdout());
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    for format in ["human", "jsonl"] {
        let run = |jobs| {
            let run = dedup(&["scan", NEAR, "--format", format, "--jobs", jobs]);
            run.assert_exit_code(1);
            run.stable_stdout()
        };
        assert_eq!(run("1"), run("2"), "--format {format}");
    }
}

/// `--timings` adds a table of stage times on stderr and changes nothing on stdout.
#[test]
fn timings_go_to_stderr_and_leave_the_report_alone() {
    let plain = dedup(&["scan", "seeds", "--format", "jsonl"]);
    let timed = dedup(&["scan", "seeds", "--format", "jsonl", "--timings"]);
    timed.assert_exit_code(1);
    assert_eq!(timed.stable_stdout(), plain.stable_stdout());
    let lines: Vec<&str> = timed.stderr.lines().collect();
    assert!(lines[0].starts_with("stage"), "{}", timed.stderr);
    let stages: Vec<&str> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| l.trim_start().split("  ").next().expect("a name"))
        .collect();
    for stage in [
        "read and sketch",
        "shared text groups",
        "shared k-grams",
        "quote groups",
        "locate",
        "check pairs",
        "read and analyse",
        "verify and align",
    ] {
        assert!(stages.contains(&stage), "{stage} in {stages:?}");
    }
    let total = lines[lines.len() - 1];
    assert!(
        total.starts_with("scan") && total.ends_with(" s"),
        "{total}"
    );
}

#[test]
fn output_file_holds_what_stdout_would() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["human", "jsonl"] {
        let file = dir.path().join(format!("report.{format}"));
        let file_arg = file.to_str().expect("UTF-8 temp path");
        let to_file = dedup(&["scan", NEAR, "--format", format, "--output", file_arg]);
        to_file.assert_exit_code(1);
        assert_eq!(to_file.stdout, "", "--output leaves stdout empty");
        let written = std::fs::read_to_string(&file).expect("report written");
        let to_stdout = dedup(&["scan", NEAR, "--format", format]);
        assert_eq!(redact_timing(&written), to_stdout.stable_stdout());
    }
}

/// Makes a named pipe at `path`.
#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.expect("mkfifo runs").success());
}

/// A FIFO (as `/dev/null` or a process substitution) is written into, not renamed over: the
/// reader gets the report and the FIFO is still there.
#[cfg(unix)]
#[test]
fn output_into_a_fifo_reaches_its_reader_and_leaves_the_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("report.fifo");
    mkfifo(&fifo);
    let (send, receive) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || send.send(std::fs::read_to_string(fifo)).unwrap());
    }
    let fifo_arg = fifo.to_str().expect("UTF-8 temp path");
    let run = dedup(&["scan", NEAR, "--format", "jsonl", "--output", fifo_arg]);
    run.assert_exit_code(1);
    let kind = std::fs::symlink_metadata(&fifo).expect("FIFO still there");
    assert!(kind.file_type().is_fifo(), "the FIFO was replaced");
    // Had dedup never opened the FIFO, the reader would wait for ever: bounded here.
    let read = receive
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the report reached the FIFO's reader")
        .expect("FIFO read");
    let to_stdout = dedup(&["scan", NEAR, "--format", "jsonl"]);
    assert_eq!(redact_timing(&read), to_stdout.stable_stdout());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}

/// `--output LINK` replaces the file the link names and keeps the link.
#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real.jsonl");
    std::fs::write(&real, "an old report").unwrap();
    let link = dir.path().join("latest.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let link_arg = link.to_str().expect("UTF-8 temp path");
    dedup(&["scan", NEAR, "--format", "jsonl", "--output", link_arg]).assert_exit_code(1);
    let kind = std::fs::symlink_metadata(&link).unwrap();
    assert!(
        kind.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let to_stdout = dedup(&["scan", NEAR, "--format", "jsonl"]);
    let written = std::fs::read_to_string(&real).expect("target written");
    assert_eq!(redact_timing(&written), to_stdout.stable_stdout());
}

#[test]
fn clean_corpus_exits_0() {
    let mut args = vec![
        "scan".to_string(),
        "--format".into(),
        "jsonl".into(),
        "--no-overlap".into(),
    ];
    args.extend(LONERS.iter().chain(EMPTY).map(|n| near(n)));
    let run = dedup(&args);
    run.assert_exit_code(0);
    assert_eq!(run.stderr, "");
    let records = run.jsonl();
    assert_eq!(records.len(), 1, "only a summary: {records:?}");
    assert_eq!(u64_field(&records[0], "docs"), 10);
    assert_eq!(u64_field(&records[0], "pairs"), 0);

    let human = dedup(&[
        "scan",
        "--no-overlap",
        &near("article_river.txt"),
        &near("article_river_rewritten.txt"),
    ]);
    human.assert_exit_code(0);
    assert!(
        human.stdout.starts_with("2 documents"),
        "only the summary line: {}",
        human.stdout
    );
}

#[test]
fn threshold_decides_what_is_reported() {
    // The heavy rewrite (0.526 with the original) appears at 0.5, and joins the cluster.
    let (run, records) = scan_jsonl(&["--threshold", "0.5"]);
    run.assert_exit_code(1);
    let rewritten = of_type(&records, "pair")
        .into_iter()
        .find(|r| str_field(r, "b") == near("article_river_rewritten.txt"))
        .expect("rewritten pair at threshold 0.5");
    assert_eq!(str_field(rewritten, "a"), near("article_river.txt"));
    assert_eq!(str_field(rewritten, "kind"), "near_duplicate");
    assert!((f64_field(rewritten, "jaccard") - 440.0 / 836.0).abs() <= 1e-6);
    let river = of_type(&records, "cluster")
        .into_iter()
        .find(|r| r["members"][0] == near("article_river.txt"))
        .expect("the river cluster");
    assert_eq!(river["members"].as_array().map(Vec::len), Some(4));
    assert_eq!(str_field(river, "keep"), near("article_river_updated.txt"));

    // The boundary pair is exactly 0.8: reported at 0.8 (see above), not at 0.81.
    let (_, records) = scan_jsonl(&["--threshold", "0.81"]);
    assert!(
        !records.iter().any(|r| r["a"] == near("boundary_a.txt")),
        "a pair at 0.8 reported at threshold 0.81"
    );

    // At 0.9 only the Chinese pair (0.920) is left among the near-duplicates.
    let (_, records) = scan_jsonl(&["--threshold", "0.9"]);
    let near_pairs: Vec<(&str, &str)> = of_type(&records, "pair")
        .into_iter()
        .filter(|r| r["kind"] == "near_duplicate")
        .map(|r| (str_field(r, "a"), str_field(r, "b")))
        .collect();
    let (zh, zh_edited) = (near("zh_tea.txt"), near("zh_tea_edited.txt"));
    assert_eq!(near_pairs, [(zh.as_str(), zh_edited.as_str())]);
}

#[test]
fn missing_path_is_an_error_but_the_rest_is_reported() {
    let (run, records) = scan_jsonl(&["no/such/path"]);
    run.assert_exit_code(2);
    assert_eq!(
        run.stderr,
        "dedup: no/such/path: No such file or directory\n"
    );
    assert_eq!(of_type(&records, "pair").len(), 8);
    let errors = of_type(&records, "error");
    assert_eq!(errors.len(), 1);
    assert_eq!(str_field(errors[0], "path"), "no/such/path");
    assert_eq!(str_field(errors[0], "message"), "No such file or directory");
    let summary = of_type(&records, "summary");
    assert_eq!(u64_field(summary[0], "errors"), 1);
    assert_eq!(u64_field(summary[0], "docs"), 25);

    let human = dedup(&["scan", NEAR, "no/such/path"]);
    human.assert_exit_code(2);
    assert!(
        human
            .stdout
            .contains("near-duplicate  fixtures/near/zh_tea.txt"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("jaccard 0.920"), "{}", human.stdout);
    assert!(human.stdout.contains("1 error"), "{}", human.stdout);
}

#[test]
fn bad_options_exit_2_with_a_message() {
    let cases: [&[&str]; 3] = [
        &["--threshold", "1.5"],
        &["--perms", "0"],
        &["--bands", "3"],
    ];
    for options in cases {
        let mut args = vec!["scan", NEAR];
        args.extend_from_slice(options);
        let run = dedup(&args);
        run.assert_exit_code(2);
        assert_eq!(run.stdout, "", "no report for {options:?}");
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            options.iter().all(|o| first.contains(o))
                && (first.starts_with("dedup: ") || first.starts_with("error:")),
            "{options:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn seeds_scan_runs_without_error() {
    let run = dedup(&["scan", "seeds/", "--format", "jsonl"]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    assert_eq!(run.stderr, "");
    let records = run.jsonl();
    let summary = of_type(&records, "summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(u64_field(summary[0], "errors"), 0);
    assert!(u64_field(summary[0], "docs") >= 1);
    let found = ["pairs", "passages", "quotes"]
        .iter()
        .any(|f| u64_field(summary[0], f) > 0);
    assert_eq!(run.code == 1, found);
}
