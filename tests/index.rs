//! `dedup index` and `dedup check`, run as a user runs them: the built binary on the corpora in
//! fixtures/index/ (see fixtures/index/README.md for what each file is and the answers expected).

use assert_cmd::Command;
use dedup::index::format::{
    decode_entry, encode_footer, header_check, Entry, SectionKind, ENTRY_LEN, HEADER_LEN,
    TRAILER_LEN,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const CORPUS: &str = "fixtures/index/corpus";
const NEW: &str = "fixtures/index/new";
const MORE: &str = "fixtures/index/more";

fn dedup() -> Command {
    let mut cmd = Command::cargo_bin("dedup").expect("the dedup binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn run(args: &[&str]) -> Output {
    dedup().args(args).output().expect("dedup runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 errors")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// Builds an index of the fixture corpus in `dir`.
fn build_corpus(dir: &Path) -> PathBuf {
    let index = dir.join("corpus.dedup");
    let out = run(&["index", "build", CORPUS, "-o", s(&index)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    index
}

fn jsonl(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// `(a, b, kind)` of every match record, and `(new, holder, "overlap")` of every holder of a
/// passage record (once for a pair of documents), file names only, sorted.
fn matches(records: &[Value]) -> Vec<(String, String, String)> {
    let name = |v: &Value| {
        Path::new(v.as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let mut found: Vec<(String, String, String)> = records
        .iter()
        .filter(|r| r["type"] == "match")
        .map(|r| {
            (
                name(&r["a"]),
                name(&r["b"]),
                r["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for r in records.iter().filter(|r| r["type"] == "passage") {
        for holder in r["held_by"].as_array().unwrap() {
            found.push((
                name(&r["path"]),
                name(&holder["path"]),
                "overlap".to_string(),
            ));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The passage records of a new document (by file name).
fn passages_of<'r>(records: &'r [Value], name: &str) -> Vec<&'r Value> {
    records
        .iter()
        .filter(|r| r["type"] == "passage" && r["path"].as_str().unwrap().ends_with(name))
        .collect()
}

fn summary(records: &[Value]) -> &Value {
    let last = records.last().expect("records");
    assert_eq!(last["type"], "summary");
    last
}

fn triple(a: &str, b: &str, kind: &str) -> (String, String, String) {
    (a.to_string(), b.to_string(), kind.to_string())
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn words(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn stats_print_counts_parameters_size_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let out = run(&["index", "stats", s(&index)]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let size = std::fs::metadata(&index).unwrap().len();
    assert!(text.contains("format        version 3"), "{text}");
    assert!(text.contains("documents     6 in 1 segment ("), "{text}");
    assert!(text.contains(&format!("({size} bytes)")), "{text}");
    assert!(
        text.contains("--ngram 5 --perms 128 --seed 99540461 --threshold 0.8 (21 bands x 6 rows) --min-words 8"),
        "{text}"
    );
}

#[test]
fn check_reports_exact_near_and_overlap_against_the_index_and_among_new_documents() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let out = run(&["check", "--index", s(&index), NEW, "--format", "jsonl"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let records = jsonl(&out);
    assert_eq!(
        matches(&records),
        [
            triple("copy.txt", "library.txt", "exact_duplicate"),
            triple("marathon-a.txt", "marathon-b.txt", "overlap"),
            triple("quoting.txt", "council.txt", "overlap"),
            triple("revised.txt", "orchard.txt", "near_duplicate"),
        ]
    );
    let by_a = |name: &str| {
        records
            .iter()
            .find(|r| r["a"].as_str().is_some_and(|a| a.ends_with(name)))
            .unwrap()
    };
    assert_eq!(by_a("copy.txt")["b"], "fixtures/index/corpus/library.txt");
    assert_eq!(by_a("copy.txt")["b_indexed"], true);
    let marathon = passages_of(&records, "marathon-a.txt");
    assert!(!marathon.is_empty());
    assert!(marathon.iter().all(|p| p["held_by"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["indexed"] == false)));
    let near = by_a("revised.txt");
    assert!(near["jaccard"].as_f64().unwrap() >= 0.8);

    // The shared passage, located in both files: the new file's bytes are the text exactly, and
    // the indexed document's bytes hold the same words but for the edit. The attribution is
    // reworded ("had said:" against "told the chamber:") and the quote repeated word for word:
    // one passage across the edit, so not quoted as a whole.
    let quoting = passages_of(&records, "quoting.txt");
    assert_eq!(quoting.len(), 1);
    let passage = quoting[0];
    assert_eq!(passage["quoted"], false);
    assert_eq!(passage["docs"], 1);
    let holder = &passage["held_by"][0];
    assert_eq!(holder["path"], "fixtures/index/corpus/council.txt");
    assert_eq!(holder["indexed"], true);
    let span = |side: &Value| {
        side["start"].as_u64().unwrap() as usize..side["end"].as_u64().unwrap() as usize
    };
    let new_bytes = read("fixtures/index/new/quoting.txt");
    let old_bytes = read("fixtures/index/corpus/council.txt");
    let text = passage["text"].as_str().unwrap();
    assert!(
        text.starts_with("the finance member had said:")
            && text.contains("\"We have been asked to do more with less")
            && text.ends_with("who will notice it"),
        "{text}"
    );
    assert_eq!(&new_bytes[span(passage)], text.as_bytes());
    let old = words(&old_bytes[span(holder)]);
    let new = words(text.as_bytes());
    assert_eq!(old[..5], ["the", "finance", "member", "told", "the"]);
    assert_eq!(old[6..], new[5..], "the quote, word for word");
    let line_of = |bytes: &[u8], at: usize| 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    assert_eq!(passage["line"], line_of(&new_bytes, span(passage).start));
    assert_eq!(holder["line"], line_of(&old_bytes, span(holder).start));

    let sum = summary(&records);
    assert_eq!(sum["docs"], 6);
    assert_eq!(sum["indexed_docs"], 6);
    assert_eq!(sum["failing"], 4);
}

#[test]
fn check_agrees_with_a_scan_of_corpus_and_new_documents_together() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let checked = jsonl(&run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        "--format",
        "jsonl",
    ]));
    // Every pair sharing text: `check` does not weigh containment (yet).
    let scanned = jsonl(&run(&[
        "scan",
        CORPUS,
        NEW,
        "--format",
        "jsonl",
        "--min-containment",
        "0",
    ]));
    // The scan's pairs that involve a new document, with the new document first.
    let mut from_scan: Vec<(String, String, String, String)> = scanned
        .iter()
        .filter(|r| r["type"] == "pair")
        .filter_map(|r| {
            let (a, b) = (r["a"].as_str().unwrap(), r["b"].as_str().unwrap());
            let (new, other) = if a.starts_with(NEW) { (a, b) } else { (b, a) };
            new.starts_with(NEW).then(|| {
                (
                    new.into(),
                    other.into(),
                    r["kind"].as_str().unwrap().into(),
                    r["jaccard"].to_string(),
                )
            })
        })
        .collect();
    from_scan.sort();
    let mut from_check: Vec<(String, String, String, String)> = checked
        .iter()
        .filter(|r| r["type"] == "match")
        .map(|r| {
            let get = |k: &str| r[k].as_str().unwrap().to_string();
            (get("a"), get("b"), get("kind"), r["jaccard"].to_string())
        })
        .collect();
    from_check.sort();
    // Duplicates match the scan's exactly; a pair that only shares text is a holder of one of
    // the new document's passages.
    let (overlaps, duplicates): (Vec<_>, Vec<_>) = from_scan
        .into_iter()
        .partition(|(_, _, kind, _)| kind == "overlap");
    assert_eq!(from_check, duplicates);
    let mut held: Vec<(String, String)> = checked
        .iter()
        .filter(|r| r["type"] == "passage")
        .flat_map(|r| {
            r["held_by"].as_array().unwrap().iter().map(|h| {
                let path = r["path"].as_str().unwrap().to_string();
                let holder = h["path"].as_str().unwrap().to_string();
                if h["indexed"] == false && holder < path {
                    (holder, path)
                } else {
                    (path, holder)
                }
            })
        })
        .collect();
    held.sort();
    held.dedup();
    let shared: Vec<(String, String)> = overlaps.into_iter().map(|(a, b, _, _)| (a, b)).collect();
    assert_eq!(held, shared);
}

#[test]
fn a_clean_check_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let out = run(&[
        "check",
        "--index",
        s(&index),
        "fixtures/index/new/chess.txt",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("1 new document ("),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("checked against 6 indexed: nothing found; 0 failing"));
}

#[test]
fn fail_on_chooses_which_findings_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let cases: [(&str, &[&str], i32); 8] = [
        ("copy.txt", &["--fail-on", "exact"], 1),
        ("copy.txt", &["--fail-on", "near-duplicate,overlap"], 0),
        ("revised.txt", &["--fail-on", "near-duplicate"], 1),
        (
            "revised.txt",
            &["--fail-on", "exact", "--fail-on", "overlap"],
            0,
        ),
        ("quoting.txt", &["--fail-on", "overlap"], 1),
        ("quoting.txt", &["--fail-on", "exact,near-duplicate"], 0),
        ("quoting.txt", &[], 1),
        (
            "chess.txt",
            &["--fail-on", "exact,near-duplicate,overlap"],
            0,
        ),
    ];
    for (file, flags, expected) in cases {
        let path = format!("{NEW}/{file}");
        let mut args = vec!["check", "--index", s(&index), &path];
        args.extend_from_slice(flags);
        let out = run(&args);
        assert_eq!(code(&out), expected, "{file} {flags:?}: {}", stderr(&out));
        if file != "chess.txt" {
            // Findings that do not fail the run are still reported.
            let text = stdout(&out);
            assert!(text.contains(&path), "{file} {flags:?}: {text}");
            assert_eq!(text.contains("[not failing]"), expected == 0, "{text}");
        }
    }
    let bad = run(&["check", "--index", s(&index), NEW, "--fail-on", "typo"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn add_appends_a_segment_and_check_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let before = std::fs::read(&index).unwrap();
    let out = run(&["index", "add", s(&index), MORE]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("added 2 documents ("),
        "{}",
        stdout(&out)
    );
    let after = std::fs::read(&index).unwrap();
    // Every byte before the old footer is kept: add appends, it does not rebuild.
    let old_footer = old_footer_start(&before);
    assert_eq!(after[..old_footer], before[..old_footer]);
    let stats = stdout(&run(&["index", "stats", s(&index)]));
    assert!(stats.contains("documents     8 in 2 segments"), "{stats}");

    let out = run(&[
        "check",
        "--index",
        s(&index),
        "fixtures/index/new/chess.txt",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        matches(&jsonl(&out)),
        [triple("chess.txt", "club-history.txt", "overlap")]
    );

    // Adding the same documents again adds nothing and leaves the file as it was.
    let again = run(&["index", "add", s(&index), MORE]);
    assert_eq!(code(&again), 0);
    assert!(
        stderr(&again).contains("club-history.txt: already in"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&index).unwrap(), after);
}

fn old_footer_start(file: &[u8]) -> usize {
    let count = u32::from_le_bytes(file[file.len() - TRAILER_LEN..][..4].try_into().unwrap());
    file.len() - TRAILER_LEN - count as usize * ENTRY_LEN
}

#[test]
fn check_refuses_parameters_that_differ_from_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let out = run(&["check", "--index", s(&index), NEW, "--ngram", "7"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        format!(
            "dedup: {}: the index was built with --ngram 5, not 7; leave --ngram out to use the \
             index's, or rebuild the index\n",
            index.display()
        )
    );
    let out = run(&["check", "--index", s(&index), NEW, "--perms", "64"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("built with --perms 128, not 64"),
        "{}",
        stderr(&out)
    );
    // The index's own values, and query-only options, are fine.
    let out = run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        "--ngram",
        "5",
        "--perms",
        "128",
        "--threshold",
        "0.9",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

/// Runs `index stats` and `check` on a damaged index: both must fail with exit 2 and one line.
fn assert_refused(index: &Path, expect: &str) {
    for args in [
        vec!["index", "stats", s(index)],
        vec!["check", "--index", s(index), NEW],
    ] {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("dedup: {}: ", index.display())),
            "{err}"
        );
        assert!(err.contains(expect), "expected {expect:?} in {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn a_truncated_index_is_corrupt_at_every_sixteenth() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let full = std::fs::read(&index).unwrap();
    let cut = dir.path().join("cut.dedup");
    for i in 0..16 {
        let len = full.len() * i / 16;
        std::fs::write(&cut, &full[..len]).unwrap();
        let expect = if len == 0 {
            "corrupt index (empty file)"
        } else {
            "corrupt index ("
        };
        assert_refused(&cut, expect);
    }
    std::fs::write(&cut, &full[..full.len() - 1]).unwrap();
    assert_refused(&cut, "the end marker is missing");
}

#[test]
fn a_flipped_byte_in_any_part_is_reported_with_the_part() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let full = std::fs::read(&index).unwrap();
    let footer = old_footer_start(&full);
    let mut cases: Vec<(usize, String)> = vec![
        (2, "not a dedup index: wrong magic bytes".into()),
        (9, "header checksum mismatch".into()),
        (14, "header checksum mismatch".into()),
        (footer + 5, "section table checksum mismatch".into()),
        (full.len() - 12, "section table checksum mismatch".into()),
        (
            full.len() - 3,
            "truncated or unfinished: the end marker is missing".into(),
        ),
    ];
    let entries = (footer..full.len() - TRAILER_LEN).step_by(ENTRY_LEN);
    for at in entries {
        let entry = decode_entry(full[at..at + ENTRY_LEN].try_into().unwrap()).unwrap();
        if entry.len > 0 {
            cases.push((
                (entry.offset + entry.len / 2) as usize,
                format!("checksum mismatch in {}", entry.describe()),
            ));
        }
    }
    assert_eq!(
        cases.len(),
        6 + 5,
        "params and four sections of one segment"
    );
    let damaged = dir.path().join("damaged.dedup");
    for (at, expect) in cases {
        let mut bytes = full.clone();
        bytes[at] ^= 0x20;
        std::fs::write(&damaged, &bytes).unwrap();
        assert_refused(&damaged, &format!("corrupt index ({expect}"));
    }
}

#[test]
fn wrong_magic_zero_length_and_a_future_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.dedup");
    std::fs::write(&path, b"").unwrap();
    assert_refused(&path, "corrupt index (empty file)");
    std::fs::write(&path, "just some text that is not an index at all\n").unwrap();
    assert_refused(
        &path,
        "corrupt index (not a dedup index: wrong magic bytes)",
    );
    std::fs::write(&path, b"DEDUP").unwrap();
    assert_refused(&path, "corrupt index (truncated: 5 bytes");

    let mut future = read("tests/data/v3.dedup");
    future[8..12].copy_from_slice(&4u32.to_le_bytes());
    let check = header_check(&future[..12]);
    future[12..HEADER_LEN].copy_from_slice(&check.to_le_bytes());
    std::fs::write(&path, &future).unwrap();
    assert_refused(
        &path,
        "index format version 4 is not supported (this dedup reads version 3); rebuild it",
    );
    let out = run(&["index", "add", s(&path), MORE]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        future,
        "a refused add changes nothing"
    );
}

/// The committed index was written by format version 3. It must load and give the answers in
/// tests/data/v3-check.jsonl (those the version 2 index of the same fixtures gave, but for one
/// estimate: computed from full signatures since version 3, and from shingles hashed by the
/// rolling k-gram hash since both files were rebuilt in the seventeenth session, 0.882813 for a
/// Jaccard of 0.877); and building the same fixtures now must give the same bytes (a changed
/// tokenizer, hash or layout shows up here before it invalidates users' indexes).
#[test]
fn the_committed_v3_index_still_loads_and_gives_the_same_answers() {
    let out = run(&[
        "check",
        "--index",
        "tests/data/v3.dedup",
        NEW,
        "--format",
        "jsonl",
        "--jobs",
        "1",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let mut records = jsonl(&out);
    let sum = records.last_mut().unwrap();
    sum["load_ms"] = 0.into();
    sum["elapsed_ms"] = 0.into();
    let expected: Vec<Value> = String::from_utf8(read("tests/data/v3-check.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records, expected);

    let dir = tempfile::tempdir().unwrap();
    let rebuilt = build_corpus(dir.path());
    assert!(
        std::fs::read(rebuilt).unwrap() == read("tests/data/v3.dedup"),
        "building fixtures/index/corpus no longer gives tests/data/v3.dedup byte for byte: \
         if the format or a hash changed on purpose, follow fixtures/index/README.md (rebuild the \
         file before the format is released, else bump FORMAT_VERSION and keep the old file)"
    );
}

/// An index of an older format (tests/data/v1.dedup and v2.dedup, as format versions 1 and 2
/// wrote them) is refused with a message that says what to do, and `index add` leaves it alone.
#[test]
fn an_index_of_an_older_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.dedup");
    for version in [1, 2] {
        let old = format!("tests/data/v{version}.dedup");
        std::fs::write(&path, read(&old)).unwrap();
        assert_refused(
            &path,
            &format!(
                "index format version {version} is not supported (this dedup reads version 3); \
                 rebuild it"
            ),
        );
        let out = run(&["index", "add", s(&path), MORE]);
        assert_eq!(code(&out), 2);
        assert_eq!(std::fs::read(&path).unwrap(), read(&old));
    }
}

/// An index written by a dedup that hashes text differently (tests/data/v3.dedup with another
/// hash probe, every checksum made right again, as such a dedup would write it) is refused by its
/// hash probe: checking new documents against fingerprints computed differently would miss
/// overlaps silently.
#[test]
fn an_index_whose_hashes_differ_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old-hash.dedup");
    std::fs::write(&path, with_another_hash_probe(read("tests/data/v3.dedup"))).unwrap();
    assert_refused(
        &path,
        "the index was built by a dedup that tokenizes or hashes text differently; rebuild it \
         with `dedup index build`",
    );
}

/// `file` with its params' hash probe changed and the checksums of the params section and the
/// section table computed again.
fn with_another_hash_probe(mut file: Vec<u8>) -> Vec<u8> {
    let footer = old_footer_start(&file);
    let mut entries: Vec<Entry> = (footer..file.len() - TRAILER_LEN)
        .step_by(ENTRY_LEN)
        .map(|at| decode_entry(file[at..at + ENTRY_LEN].try_into().unwrap()).unwrap())
        .collect();
    let params = entries
        .iter_mut()
        .find(|e| e.kind == SectionKind::Params)
        .unwrap();
    let section = params.offset as usize..(params.offset + params.len) as usize;
    file[section.end - 8] ^= 1; // the hash probe ends the params section
    params.hash = xxhash_rust::xxh3::xxh3_64(&file[section]);
    let header: [u8; HEADER_LEN] = file[..HEADER_LEN].try_into().unwrap();
    file.truncate(footer);
    file.extend(encode_footer(&header, &entries));
    file
}

#[test]
fn a_stale_temporary_file_breaks_nothing_and_is_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let stale = dir.path().join(".corpus.dedup.AbCd1234.tmp");
    std::fs::write(&stale, b"DEDUPIDX half a file").unwrap();
    let out = run(&[
        "check",
        "--index",
        s(&index),
        "fixtures/index/new/chess.txt",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&["index", "add", s(&index), MORE]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("removed 1 temporary file(s) left by an interrupted run"));
    assert!(!stale.exists());
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, [".corpus.dedup.lock", "corpus.dedup"]);
}

/// A small seeded generator of documents: words drawn from the fixtures' vocabulary.
fn write_documents(dir: &Path, count: usize, words_each: usize, seed: u64) {
    let mut vocabulary = Vec::new();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS)).unwrap() {
        vocabulary.extend(words(&std::fs::read(entry.unwrap().path()).unwrap()));
    }
    vocabulary.sort();
    vocabulary.dedup();
    let mut state = seed | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..count {
        let text: Vec<&str> = (0..words_each)
            .map(|_| vocabulary[next() as usize % vocabulary.len()].as_str())
            .collect();
        std::fs::write(dir.join(format!("doc{i:05}.txt")), text.join(" ")).unwrap();
    }
}

/// Starts `dedup ARGS`, kills it (SIGKILL) once its temporary file exists, and says whether it
/// was still writing then (false when it finished first).
fn kill_mid_write(folder: &std::path::Path, args: &[&str]) -> bool {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dedup"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !temp_exists(folder) && started.elapsed().as_secs() < 30 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let killed_mid_write = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    killed_mid_write
}

fn temp_exists(folder: &std::path::Path) -> bool {
    std::fs::read_dir(folder)
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
}

#[test]
fn killing_a_build_leaves_the_old_index_readable() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let big = dir.path().join("big");
    write_documents(&big, 1500, 300, 7);
    let killed_mid_write = kill_mid_write(
        dir.path(),
        &["index", "build", s(&big), "-o", s(&index), "--jobs", "1"],
    );
    let stats = stdout(&run(&["index", "stats", s(&index)]));
    if killed_mid_write {
        assert!(stats.contains("documents     6 in 1 segment"), "{stats}");
    } else {
        // The build won the race: then the new index is complete.
        assert!(stats.contains("documents     1500 in 1 segment"), "{stats}");
    }
    let out = run(&["check", "--index", s(&index), "fixtures/index/new/copy.txt"]);
    assert_eq!(code(&out), if killed_mid_write { 1 } else { 0 });
    // The next write cleans up after the killed one.
    let out = run(&["index", "add", s(&index), MORE]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!temp_exists(dir.path()));
}

#[test]
fn killing_an_add_leaves_the_old_index_readable_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let before = std::fs::read(&index).unwrap();
    let big = dir.path().join("big");
    write_documents(&big, 1500, 300, 11);
    let killed_mid_write = kill_mid_write(dir.path(), &["index", "add", s(&index), s(&big)]);
    let stats = stdout(&run(&["index", "stats", s(&index)]));
    if killed_mid_write {
        // Byte for byte the index it was before, and it still answers.
        assert_eq!(std::fs::read(&index).unwrap(), before);
        assert!(stats.contains("documents     6 in 1 segment"), "{stats}");
    } else {
        assert!(
            stats.contains("documents     1506 in 2 segments"),
            "{stats}"
        );
    }
    let out = run(&["check", "--index", s(&index), "fixtures/index/new/copy.txt"]);
    assert_eq!(
        code(&out),
        1,
        "the exact copy is still found: {}",
        stderr(&out)
    );
}

#[test]
fn concurrent_adds_lose_no_documents() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    write_documents(&one, 300, 200, 11);
    write_documents(&two, 300, 200, 13);
    let spawn = |docs: &Path| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("dedup"))
            .args(["index", "add", s(&index), s(docs), "--jobs", "1"])
            .output()
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| spawn(&one));
        let b = scope.spawn(|| spawn(&two));
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    assert_eq!(
        (code(&a), code(&b)),
        (0, 0),
        "{} {}",
        stderr(&a),
        stderr(&b)
    );
    let stats = stdout(&run(&["index", "stats", s(&index)]));
    assert!(stats.contains("documents     606 in 3 segments"), "{stats}");
}

#[test]
fn a_baseline_makes_only_new_findings_fail() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let known = dir.path().join("known.jsonl");
    let out = run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        "--write-baseline",
        s(&known),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = std::fs::read_to_string(&known).unwrap();
    let keys: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(keys.len(), 4, "{written}");
    let overlap = keys.iter().find(|k| k["kind"] == "overlap").unwrap();
    assert_eq!(overlap["passage"].as_str().unwrap().len(), 32);
    assert!(keys.iter().any(|k| k["kind"] == "exact_duplicate"
        && k["path"] == "fixtures/index/new/copy.txt"
        && k["other"] == "fixtures/index/corpus/library.txt"
        && k.get("passage").is_none()));

    let out = run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        "--baseline",
        s(&known),
        "--format",
        "jsonl",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let records = jsonl(&out);
    assert!(records
        .iter()
        .filter(|r| r["type"] == "match" || r["type"] == "passage")
        .all(|r| r["known"] == true && r["fails"] == false));
    assert_eq!(summary(&records)["known"], 4);

    // A new finding fails the run; the known ones stay known.
    let extra = dir.path().join("extra");
    std::fs::create_dir(&extra).unwrap();
    let festival = String::from_utf8(read("fixtures/index/corpus/festival.txt")).unwrap();
    let borrowed = festival
        .lines()
        .skip(6)
        .take(4)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        extra.join("borrowed.txt"),
        format!("An unrelated opening line here.\n{borrowed}\n"),
    )
    .unwrap();
    let out = run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        s(&extra),
        "--baseline",
        s(&known),
        "--format",
        "jsonl",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let records = jsonl(&out);
    let failing: Vec<_> = records.iter().filter(|r| r["fails"] == true).collect();
    assert_eq!(failing.len(), 1);
    assert!(failing[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("borrowed.txt"));
    assert_eq!(summary(&records)["known"], 4);

    std::fs::write(&known, "{\"path\": 3}\n").unwrap();
    let out = run(&["check", "--index", s(&index), NEW, "--baseline", s(&known)]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("known.jsonl:1: not a baseline record ("),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sarif_output_is_valid_and_escapes_document_text() {
    let dir = tempfile::tempdir().unwrap();
    let tricky = "He wrote \"C:\\temp\\new\" and </script> then\ta tab, a bell \u{7}, \
                  «guillemets», emoji 🦀 and 日本語 in one long shared sentence here";
    let (corpus, new) = (dir.path().join("corpus"), dir.path().join("new docs"));
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let old = format!(
        "Intro of the old one.\n\n{tricky}.\nThe old document goes on about harbours, \
         ferries, tides and the price of fish at the Monday market for a while.\n"
    );
    let fresh = format!(
        "A different start.\n{tricky}!\nThen the new document talks about orchards, frost, \
         wind machines and cider for a good number of words before it ends.\n"
    );
    std::fs::write(corpus.join("old.txt"), old).unwrap();
    std::fs::write(new.join("fresh #1.txt"), fresh).unwrap();
    let index = dir.path().join("t.dedup");
    assert_eq!(
        code(&run(&["index", "build", s(&corpus), "-o", s(&index)])),
        0
    );

    let out = run(&[
        "check",
        "--index",
        s(&index),
        s(&new),
        "--format",
        "sarif",
        "--fail-on",
        "overlap",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run0 = &log["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "dedup");
    assert_eq!(run0["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["exact-duplicate", "near-duplicate", "shared-passage"]
    );
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    let result = &results[0];
    assert_eq!(result["ruleId"], "shared-passage");
    assert_eq!(result["level"], "error");
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("indexed document"));
    let location = &result["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("new%20docs/fresh%20%231.txt"), "{uri}");
    let region = &location["region"];
    assert_eq!(region["startLine"], 2);
    let bytes = std::fs::read(new.join("fresh #1.txt")).unwrap();
    let (start, len) = (
        region["byteOffset"].as_u64().unwrap() as usize,
        region["byteLength"].as_u64().unwrap() as usize,
    );
    let snippet = region["snippet"]["text"].as_str().unwrap();
    assert_eq!(&bytes[start..start + len], snippet.as_bytes());
    assert!(snippet.contains("\"C:\\temp\\new\" and </script>") && snippet.contains('\u{7}'));
    let related = &result["relatedLocations"][0]["physicalLocation"];
    assert!(related["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("corpus/old.txt"));
    assert_eq!(related["region"]["startLine"], 3);
    assert!(result["partialFingerprints"]["dedupFinding/v1"].is_string());
    assert_eq!(run0["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn check_output_does_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let index = build_corpus(dir.path());
    let strip = |out: Output| -> Vec<Value> {
        let mut records = jsonl(&out);
        let sum = records.last_mut().unwrap();
        sum["load_ms"] = 0.into();
        sum["elapsed_ms"] = 0.into();
        records
    };
    let one = strip(run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        CORPUS,
        "--format",
        "jsonl",
        "-j",
        "1",
    ]));
    let many = strip(run(&[
        "check",
        "--index",
        s(&index),
        NEW,
        CORPUS,
        "--format",
        "jsonl",
        "-j",
        "4",
    ]));
    assert_eq!(one, many);
}

#[test]
fn index_commands_report_bad_arguments_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.dedup");
    let out = run(&["index", "add", s(&missing), MORE]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("missing.dedup: No such file or directory"),
        "{}",
        stderr(&out)
    );
    let out = run(&["index", "build", CORPUS, "-o", s(&missing), "--no-overlap"]);
    assert_eq!(code(&out), 2);
    assert!(!missing.exists());
}

/// An index is renamed into place, which would replace a FIFO or device with a file: refused,
/// with a one-line error naming it, and nothing is created beside it.
#[cfg(unix)]
#[test]
fn an_index_is_not_written_over_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("corpus.dedup");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    for args in [
        vec!["index", "build", CORPUS, "-o", s(&fifo)],
        vec!["index", "add", s(&fifo), MORE],
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("corpus.dedup: not a regular file"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        let kind = std::fs::symlink_metadata(&fifo).unwrap();
        assert!(kind.file_type().is_fifo(), "the FIFO was replaced");
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "nothing created beside it");
    }
}

/// An index named through a symlink is written to the file the link names; the link stays.
#[cfg(unix)]
#[test]
fn an_index_behind_a_symlink_is_rebuilt_in_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.dedup");
    let link = dir.path().join("corpus.dedup");
    let out = run(&["index", "build", CORPUS, "-o", s(&real)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = run(&["index", "build", CORPUS, "-o", s(&link)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&["index", "add", s(&link), MORE]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let kind = std::fs::symlink_metadata(&link).unwrap();
    assert!(
        kind.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let stats = run(&["index", "stats", s(&link)]);
    assert_eq!(code(&stats), 0, "{}", stderr(&stats));
    let through_real = run(&["index", "stats", s(&real)]);
    // The same index (8 documents in 2 segments), named two ways on the first line.
    let body = |out: &Output| stdout(out).lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&stats), body(&through_real));
    assert!(body(&stats).contains("in 2 segments"), "{}", stdout(&stats));
}

/// `n` words of filler unique to `tag`, so documents share nothing but what a test puts in.
fn filler(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{tag}w{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A paragraph in 12 indexed documents and a sentence of it in 3 more: a new document holding
/// the paragraph gets one finding for it naming the 12, and one for the sentence naming all 15,
/// not 27 pairwise findings. Text a near-duplicate match covers is not reported again, unless
/// `--covered-passages` asks for it.
#[test]
fn check_reports_each_shared_passage_once_with_every_document_holding_it() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let new = dir.path().join("new");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let sentence =
        "the harbour board voted to close the old ferry pier for the whole winter season";
    let paragraph = format!(
        "Residents were told on Monday that {sentence}, and that repairs would start in March \
         once the divers had surveyed every pile below the waterline"
    );
    for i in 0..12 {
        let text = format!(
            "{}.\n{paragraph}.\n{}.\n",
            filler(&format!("p{i}"), 30),
            filler(&format!("q{i}"), 30)
        );
        std::fs::write(corpus.join(format!("para{i:02}.txt")), text).unwrap();
    }
    for i in 0..3 {
        let text = format!(
            "{}. Officials said {sentence}. {}.\n",
            filler(&format!("s{i}"), 40),
            filler(&format!("t{i}"), 40)
        );
        std::fs::write(corpus.join(format!("sentence{i}.txt")), text).unwrap();
    }
    // The new document: its own words around the paragraph.
    std::fs::write(
        new.join("story.txt"),
        format!(
            "{}.\n{paragraph}.\n{}.\n",
            filler("mine", 25),
            filler("more", 25)
        ),
    )
    .unwrap();
    // A near-duplicate of para00 (a few words changed at the end).
    let para00 = std::fs::read_to_string(corpus.join("para00.txt")).unwrap();
    let edited = para00.replace("q0w28 q0w29", "changed ending");
    std::fs::write(new.join("resubmitted.txt"), edited).unwrap();
    let index = dir.path().join("t.dedup");
    assert_eq!(
        code(&run(&["index", "build", s(&corpus), "-o", s(&index)])),
        0
    );

    let out = run(&["check", "--index", s(&index), s(&new), "--format", "jsonl"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let records = jsonl(&out);
    let story = passages_of(&records, "story.txt");
    assert_eq!(story.len(), 2, "{story:#?}");
    let held = |p: &Value| -> Vec<String> {
        p["held_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let path = h["path"].as_str().unwrap();
                path.rsplit(['/', '\\']).next().unwrap().to_string()
            })
            .collect()
    };
    // Longer first: the paragraph, then the sentence inside it.
    assert!(story[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("Residents were told"));
    assert_eq!(story[0]["docs"], 12);
    let paras: Vec<String> = (0..12).map(|i| format!("para{i:02}.txt")).collect();
    assert_eq!(held(story[0]), paras);
    assert_eq!(story[1]["text"], sentence);
    assert_eq!(story[1]["docs"], 15);
    let mut all = paras.clone();
    all.extend((0..3).map(|i| format!("sentence{i}.txt")));
    assert_eq!(held(story[1]), all);
    // Each holder's place is the passage's own words in it.
    for (p, want) in [(story[0], paragraph.as_str()), (story[1], sentence)] {
        for h in p["held_by"].as_array().unwrap() {
            let text = std::fs::read(h["path"].as_str().unwrap()).unwrap();
            let (start, end) = (
                h["start"].as_u64().unwrap() as usize,
                h["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[start..end], want.as_bytes(), "{h}");
            let line = 1 + text[..start].iter().filter(|&&b| b == b'\n').count();
            assert_eq!(h["line"], line);
        }
    }
    // The near-duplicate is one match; the paragraph it shares with 11 other documents lies
    // inside the text the match covers, so it is not a finding of its own.
    assert_eq!(
        matches(&records)
            .into_iter()
            .filter(|m| m.2 != "overlap")
            .collect::<Vec<_>>(),
        [triple("resubmitted.txt", "para00.txt", "near_duplicate")]
    );
    assert!(passages_of(&records, "resubmitted.txt").is_empty());
    assert_eq!(summary(&records)["overlaps"], 2);

    let out = run(&[
        "check",
        "--index",
        s(&index),
        s(&new),
        "--format",
        "jsonl",
        "--covered-passages",
    ]);
    let records = jsonl(&out);
    let covered = passages_of(&records, "resubmitted.txt");
    // The paragraph, held by the 12 indexed documents and the other new one.
    let mut with_story = paras.clone();
    with_story.push("story.txt".into());
    assert!(
        covered
            .iter()
            .any(|p| p["docs"] == 13 && held(p) == with_story),
        "{covered:#?}"
    );

    // The human report names the first holders and counts the rest.
    let human = stdout(&run(&[
        "check",
        "--index",
        s(&index),
        s(&new),
        "--color",
        "never",
    ]));
    assert!(human.contains("in 12 other documents"), "{human}");
    assert!(human.contains("in 15 other documents"), "{human}");
    assert!(
        human.contains("... and 10 more (all in --format jsonl)"),
        "{human}"
    );
    assert!(human.contains("2 shared passages"), "{human}");
}

/// A known passage stays known when another document comes to hold part of it: the nested run
/// that part makes (with a hash of its own) lies inside the known one.
#[test]
fn text_inside_a_known_passage_stays_known() {
    let dir = tempfile::tempdir().unwrap();
    let (corpus, more, new) = (
        dir.path().join("corpus"),
        dir.path().join("more"),
        dir.path().join("new"),
    );
    for d in [&corpus, &more, &new] {
        std::fs::create_dir_all(d).unwrap();
    }
    let sentence =
        "the ferry company will run an extra boat every weekend until the end of the summer";
    let paragraph = format!(
        "After a long meeting with the harbour board {sentence}, and tickets bought online will \
         be cheaper than those sold at the pier"
    );
    let doc = |tag: &str, middle: &str| {
        format!(
            "{}.\n{middle}.\n{}.\n",
            filler(tag, 30),
            filler(&format!("{tag}x"), 30)
        )
    };
    std::fs::write(corpus.join("a.txt"), doc("a", &paragraph)).unwrap();
    std::fs::write(new.join("n.txt"), doc("n", &paragraph)).unwrap();
    let index = dir.path().join("t.dedup");
    assert_eq!(
        code(&run(&["index", "build", s(&corpus), "-o", s(&index)])),
        0
    );
    let known = dir.path().join("known.jsonl");
    let out = run(&[
        "check",
        "--index",
        s(&index),
        s(&new),
        "--write-baseline",
        s(&known),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    std::fs::write(
        more.join("b.txt"),
        doc("b", &format!("Officials said {sentence}")),
    )
    .unwrap();
    assert_eq!(code(&run(&["index", "add", s(&index), s(&more)])), 0);
    let out = run(&[
        "check",
        "--index",
        s(&index),
        s(&new),
        "--baseline",
        s(&known),
        "--format",
        "jsonl",
    ]);
    let records = jsonl(&out);
    let passages = passages_of(&records, "n.txt");
    assert_eq!(
        passages.len(),
        2,
        "the paragraph, and the sentence b holds too: {passages:#?}"
    );
    assert!(passages.iter().all(|p| p["known"] == true), "{passages:#?}");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
