//! Fitting the users' world, end to end with the built binary: JSON Lines input (plain, gzip,
//! zstd), folder walking as ripgrep does it, `--emit`, `--write-deduped`, the progress hook,
//! completions and man pages. The fixture and its known answers: fixtures/inputs/README.md.

use assert_cmd::Command;
use dedup::progress::Progress;
use dedup::scan::{scan_with_progress, ScanConfig};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[path = "util/documents.rs"]
mod documents;

const NEWS: &str = "fixtures/inputs/news.jsonl";

fn dedup() -> Command {
    Command::cargo_bin("dedup").expect("the dedup binary is built")
}

/// What one run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = dedup().current_dir(dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(Path::new("."), args)
}

/// `dedup scan ARGS --format jsonl`: the records and the exit code.
fn scan_jsonl(args: &[&str]) -> (Vec<Value>, i32) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "jsonl"]);
    let out = run(&all);
    let records = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    (documents::with_paths(records), out.code)
}

fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

/// The pairs as `(a, b, kind)`.
fn pairs(records: &[Value]) -> Vec<(String, String, String)> {
    of_type(records, "pair")
        .iter()
        .map(|p| {
            (
                p["a"].as_str().unwrap().to_string(),
                p["b"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The records without their timing, for comparing runs.
fn untimed(mut records: Vec<Value>) -> Vec<Value> {
    for r in &mut records {
        if let Some(o) = r.as_object_mut() {
            o.remove("elapsed_ms");
        }
    }
    records
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

// ---- JSON Lines input ----------------------------------------------------------------------

#[test]
fn jsonl_records_are_documents_named_by_their_id() {
    let (records, code) = scan_jsonl(&[NEWS, "--id-field", "id"]);
    assert_eq!(code, 1);
    assert_eq!(
        pairs(&records),
        [
            (
                "wire-001".into(),
                "blog-017".into(),
                "near_duplicate".into()
            ),
            (
                "wire-002".into(),
                "mirror-002".into(),
                "exact_duplicate".into()
            ),
        ]
    );
    // wire-003 and wire-006 share a quoted sentence: one shared text (a fifth of neither).
    let shared = of_type(&records, "passage");
    assert_eq!(shared.len(), 1);
    let places: Vec<&Value> = shared[0]["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["path"])
        .collect();
    assert_eq!(places, ["wire-003", "wire-006"]);
    let clusters: Vec<(Value, Value)> = of_type(&records, "cluster")
        .iter()
        .map(|c| (c["members"].clone(), c["keep"].clone()))
        .collect();
    assert_eq!(
        clusters,
        [
            (
                serde_json::json!(["wire-001", "blog-017"]),
                serde_json::json!("blog-017")
            ),
            (
                serde_json::json!(["wire-002", "mirror-002"]),
                serde_json::json!("wire-002")
            ),
        ]
    );
    let warnings: Vec<(&str, &str)> = of_type(&records, "warning")
        .iter()
        .map(|w| (w["path"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("fixtures/inputs/news.jsonl:6", "skipped: no field \"text\""),
            (
                "fixtures/inputs/news.jsonl:7",
                "skipped: not JSON (EOF while parsing a string at column 67)"
            ),
        ]
    );
    let summary = of_type(&records, "summary")[0];
    assert_eq!(summary["docs"], 7);
    assert_eq!(summary["skipped"], 2);
}

#[test]
fn records_without_an_id_field_are_named_path_colon_line() {
    let (records, _) = scan_jsonl(&[NEWS]);
    assert_eq!(
        pairs(&records)[0],
        (
            format!("{NEWS}:1"),
            format!("{NEWS}:3"),
            "near_duplicate".into()
        )
    );
    // The id field asked for but missing in a record: that record falls back to PATH:LINE.
    let (records, _) = scan_jsonl(&[NEWS, "--id-field", "title"]);
    assert_eq!(pairs(&records)[0].0, "Breakwater to close for repairs");
}

#[test]
fn gzip_and_zstd_files_read_like_the_plain_file() {
    let (plain, code) = scan_jsonl(&[NEWS, "--id-field", "id"]);
    assert_eq!(code, 1);
    let plain = serde_json::to_string(&untimed(plain)).unwrap();
    for compressed in [
        "fixtures/inputs/news.jsonl.gz",
        "fixtures/inputs/news.jsonl.zst",
    ] {
        let (records, code) = scan_jsonl(&[compressed, "--id-field", "id"]);
        assert_eq!(code, 1, "{compressed}");
        let records = serde_json::to_string(&untimed(records))
            .unwrap()
            .replace(compressed, NEWS);
        assert_eq!(records, plain, "{compressed}");
    }
}

/// The decoded text of each record of the fixture, by id.
fn fixture_texts() -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(NEWS)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|r| {
            Some((
                r["id"].as_str()?.to_string(),
                r["text"].as_str()?.to_string(),
            ))
        })
        .collect()
}

#[test]
fn passage_offsets_and_lines_are_in_the_decoded_text() {
    let (records, _) = scan_jsonl(&[NEWS, "--id-field", "id"]);
    let texts = fixture_texts();
    let shared = of_type(&records, "passage")[0];
    let expected = "This timetable puts the needs of commuters last and will push more cars onto \
                    the roads";
    assert_eq!(shared["text"], expected);
    for span in shared["occurrences"].as_array().unwrap() {
        let side = span["path"].as_str().unwrap();
        let text = &texts[side];
        let (start, end) = (
            span["start"].as_u64().unwrap() as usize,
            span["end"].as_u64().unwrap() as usize,
        );
        // The record escapes its curly quotes as \u201c, so raw-line offsets would be off.
        assert_eq!(&text[start..end], expected, "side {side}");
        let line = 1 + text[..start].matches('\n').count() as u64;
        assert_eq!(span["line"], line, "side {side}");
    }
    // wire-006 has two line breaks inside its text before the quote.
    assert_eq!(shared["occurrences"][1]["line"], 3);
}

#[test]
fn input_format_overrides_the_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(NEWS, dir.path().join("news.txt")).unwrap();
    std::fs::copy(NEWS, dir.path().join("news.jsonl")).unwrap();
    let forced = run_in(
        dir.path(),
        &[
            "scan",
            "news.txt",
            "--input-format",
            "jsonl",
            "--id-field",
            "id",
            "--emit",
            "drop",
        ],
    );
    assert_eq!(lines(&forced.stdout), ["wire-001", "mirror-002"]);
    let text = run_in(
        dir.path(),
        &["scan", ".", "--input-format", "text", "--emit", "keep"],
    );
    assert_eq!(lines(&text.stdout), ["./news.jsonl"]);
    assert_eq!(text.stderr, "", "whole files, so no record warnings");
}

#[test]
fn text_files_and_jsonl_files_mix_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    let texts = fixture_texts();
    std::fs::write(dir.path().join("harbour.txt"), &texts["wire-001"]).unwrap();
    std::fs::write(
        dir.path().join("feed.ndjson"),
        format!(
            "{}\n",
            serde_json::json!({"id": "feed-1", "text": texts["wire-001"]})
        ),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["scan", ".", "--id-field", "id", "--emit", "drop"],
    );
    assert_eq!(out.code, 1);
    // Exact copies: the same number of words, so the first in path order is kept.
    assert_eq!(lines(&out.stdout), ["./harbour.txt"]);
}

#[test]
fn text_field_can_be_a_json_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let texts = fixture_texts();
    let body =
        |id: &str, text: &str| serde_json::json!({"doc": {"body": text}, "meta": {"id": id}});
    std::fs::write(
        dir.path().join("nested.jsonl"),
        format!(
            "{}\n{}\n{}\n",
            body("n1", &texts["wire-002"]),
            body("n2", &texts["wire-003"]),
            body("n3", &texts["wire-002"]),
        ),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "nested.jsonl",
            "--text-field",
            "/doc/body",
            "--id-field",
            "/meta/id",
            "--emit",
            "drop",
        ],
    );
    assert_eq!((out.code, lines(&out.stdout)), (1, vec!["n3"]));
}

/// A corpus of `n` records in one file, more than one batch, with a few planted copies.
fn many_records(dir: &Path, n: usize) -> PathBuf {
    let texts = fixture_texts();
    let mut bases: Vec<(&String, &String)> = texts.iter().collect();
    bases.sort();
    let mut out = String::new();
    for i in 0..n {
        let text = if i % 500 == 7 {
            bases[i % bases.len()].1.clone()
        } else {
            format!(
                "record {i} says {} and {} then {}",
                i * 31,
                i * 17 + 3,
                i * 7 + 1
            )
        };
        out.push_str(&serde_json::json!({"id": format!("r{i}"), "text": text}).to_string());
        out.push('\n');
    }
    let path = dir.join("many.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn large_jsonl_output_is_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = many_records(dir.path(), 3000);
    let path = path.to_str().unwrap();
    let (one, code) = scan_jsonl(&[path, "--id-field", "id", "--jobs", "1"]);
    assert_eq!(code, 1);
    let (four, _) = scan_jsonl(&[path, "--id-field", "id", "--jobs", "4"]);
    assert_eq!(untimed(one.clone()), untimed(four));
    assert_eq!(of_type(&one, "summary")[0]["docs"], 3000);
    // r7, r507, ..., r2507: six records planted from the fixture's texts make clusters.
    assert!(!of_type(&one, "cluster").is_empty());
}

// ---- Folder walking, as ripgrep does it ----------------------------------------------------

/// Makes the files named (with their parent folders), each with a distinct text.
fn tree(dir: &Path, files: &[&str]) {
    for (i, name) in files.iter().enumerate() {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("document number {i} called {name}")).unwrap();
    }
}

/// The documents a scan of `args` reads, as `--emit keep` lists them.
fn read_by(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["scan", "--emit", "keep"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout.lines().map(String::from).collect()
}

#[test]
fn gitignore_applies_inside_a_git_repository_and_ignore_files_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    tree(
        root,
        &[
            "repo/keep.txt",
            "repo/build/out.txt",
            "repo/notes.log",
            "repo/sub/draft.md",
            "repo/sub/final.md",
            "plain/keep.txt",
            "plain/skip.txt",
        ],
    );
    std::fs::create_dir(root.join("repo/.git")).unwrap();
    std::fs::write(root.join("repo/.gitignore"), "build/\n*.log\n").unwrap();
    std::fs::write(root.join("repo/sub/.ignore"), "draft.md\n").unwrap();
    // Outside a git repository .gitignore means nothing (as in ripgrep); .ignore always counts.
    std::fs::write(root.join("plain/.gitignore"), "keep.txt\n").unwrap();
    std::fs::write(root.join("plain/.ignore"), "skip.txt\n").unwrap();

    assert_eq!(
        read_by(root, &["repo", "plain"]),
        ["plain/keep.txt", "repo/keep.txt", "repo/sub/final.md"]
    );
    assert_eq!(
        read_by(root, &["repo", "plain", "--no-ignore"]),
        [
            "plain/keep.txt",
            "plain/skip.txt",
            "repo/build/out.txt",
            "repo/keep.txt",
            "repo/notes.log",
            "repo/sub/draft.md",
            "repo/sub/final.md",
        ]
    );
    // A file named on the command line is read whatever the ignore files say.
    assert_eq!(read_by(root, &["repo/notes.log"]), ["repo/notes.log"]);
}

#[test]
fn hidden_files_and_folders_are_skipped_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    tree(
        dir.path(),
        &["d/seen.txt", "d/.secret.txt", "d/.config/settings.txt"],
    );
    assert_eq!(read_by(dir.path(), &["d"]), ["d/seen.txt"]);
    assert_eq!(
        read_by(dir.path(), &["d", "--hidden"]),
        ["d/.config/settings.txt", "d/.secret.txt", "d/seen.txt"]
    );
    assert_eq!(read_by(dir.path(), &["d/.secret.txt"]), ["d/.secret.txt"]);
}

#[test]
fn globs_include_and_exclude() {
    let dir = tempfile::tempdir().unwrap();
    tree(
        dir.path(),
        &[
            "d/a.txt",
            "d/b.md",
            "d/drafts/c.txt",
            "d/drafts/d.md",
            "d/e.log",
        ],
    );
    assert_eq!(
        read_by(dir.path(), &["d", "-g", "*.txt"]),
        ["d/a.txt", "d/drafts/c.txt"]
    );
    assert_eq!(
        read_by(dir.path(), &["d", "-g", "!drafts/", "-g", "!*.log"]),
        ["d/a.txt", "d/b.md"]
    );
    assert_eq!(
        read_by(dir.path(), &["d", "--glob", "*.md", "--glob", "!d.md"]),
        ["d/b.md"]
    );
    let bad = run_in(dir.path(), &["scan", "d", "-g", "a[.txt"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.starts_with("dedup: --glob a[.txt: "),
        "{}",
        bad.stderr
    );
}

#[cfg(unix)]
#[test]
fn symlinked_folders_are_followed_only_with_follow() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), &["d/own.txt", "elsewhere/linked.txt"]);
    std::os::unix::fs::symlink("../elsewhere", dir.path().join("d/link")).unwrap();
    assert_eq!(read_by(dir.path(), &["d"]), ["d/own.txt"]);
    assert_eq!(
        read_by(dir.path(), &["d", "--follow"]),
        ["d/link/linked.txt", "d/own.txt"]
    );
    // A link back up the tree is a loop: reported, not followed forever.
    tree(dir.path(), &["loop/inner/x.txt"]);
    std::os::unix::fs::symlink("..", dir.path().join("loop/inner/up")).unwrap();
    let looped = run_in(dir.path(), &["scan", "loop", "-L", "--emit", "keep"]);
    assert_eq!(
        (looped.code, looped.stdout.as_str()),
        (2, "loop/inner/x.txt\n")
    );
    assert_eq!(
        looped.stderr,
        "dedup: loop/inner/up: symbolic link loop (back to loop)\n"
    );
}

// ---- --emit and --write-deduped ------------------------------------------------------------

#[test]
fn emit_lists_documents_to_keep_and_to_drop() {
    let keep = run(&["scan", NEWS, "--id-field", "id", "--emit", "keep"]);
    let drop = run(&["scan", NEWS, "--id-field", "id", "--emit", "drop"]);
    assert_eq!((keep.code, drop.code), (1, 1));
    assert_eq!(
        lines(&keep.stdout),
        ["wire-002", "blog-017", "wire-003", "wire-006", "42"]
    );
    assert_eq!(lines(&drop.stdout), ["wire-001", "mirror-002"]);
    let null = run(&["scan", NEWS, "--id-field", "id", "--emit", "drop", "-0"]);
    assert_eq!(null.stdout, "wire-001\0mirror-002\0");
}

#[test]
fn emit_is_not_a_report_format() {
    let out = run(&["scan", NEWS, "--emit", "drop", "--format", "jsonl"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
    let out = run(&["scan", NEWS, "-0"]);
    assert_eq!(out.code, 2);
}

#[test]
fn emit_on_text_files_prints_paths() {
    let out = run(&["scan", "fixtures/overlap", "--emit", "drop", "--no-overlap"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    let dir = tempfile::tempdir().unwrap();
    let text = &fixture_texts()["wire-002"];
    for name in ["a.txt", "b.txt", "c.txt"] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = run_in(dir.path(), &["scan", ".", "--emit", "drop"]);
    assert_eq!(lines(&out.stdout), ["./b.txt", "./c.txt"]);
}

fn decompress(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut text = String::new();
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => flate2::read::MultiGzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap(),
        Some("zst") => zstd::stream::read::Decoder::new(file)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap(),
        _ => std::fs::File::open(path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap(),
    };
    text
}

#[test]
fn write_deduped_leaves_out_exactly_the_dropped_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("clean.jsonl");
    let out = run(&[
        "scan",
        NEWS,
        "--id-field",
        "id",
        "--write-deduped",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let original = std::fs::read_to_string(NEWS).unwrap();
    let expected: String = original
        .lines()
        .enumerate()
        .filter(|(i, _)| ![0, 7].contains(i)) // wire-001 (line 1), mirror-002 (line 8)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let written = std::fs::read_to_string(&out_path).unwrap();
    // Byte for byte, blank and malformed lines included: only the dropped documents go.
    assert_eq!(written, expected);
    let again = run(&[
        "scan",
        out_path.to_str().unwrap(),
        "--no-overlap",
        "--emit",
        "drop",
    ]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

#[test]
fn cut_passages_leaves_each_shared_text_once_and_every_other_field_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("clean.jsonl");
    let jsonl = run(&["scan", NEWS, "--id-field", "id", "--format", "jsonl"]);
    let passages: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["type"] == "passage")
        .collect();
    assert!(!passages.is_empty());
    let out = run(&[
        "scan",
        NEWS,
        "--id-field",
        "id",
        "--write-deduped",
        out_path.to_str().unwrap(),
        "--cut-passages",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let written = std::fs::read_to_string(&out_path).unwrap();
    let original = std::fs::read_to_string(NEWS).unwrap();
    let parse = |l: &str| serde_json::from_str::<serde_json::Value>(l).ok();
    let texts: Vec<String> = written
        .lines()
        .filter_map(parse)
        .filter_map(|r| r["text"].as_str().map(String::from))
        .collect();
    let all = texts.join("\n");
    for passage in &passages {
        let text = passage["text"].as_str().unwrap();
        assert_eq!(all.matches(text).count(), 1, "{text}\n{all}");
    }
    // Same lines as --write-deduped alone (blank and malformed ones included), the edited
    // records with their other fields in their order.
    let plain_path = dir.path().join("plain.jsonl");
    run(&[
        "scan",
        NEWS,
        "--write-deduped",
        plain_path.to_str().unwrap(),
    ]);
    let plain = std::fs::read_to_string(&plain_path).unwrap();
    assert_eq!(written.lines().count(), plain.lines().count());
    let mut edited = 0;
    for (cut, whole) in written.lines().zip(plain.lines()) {
        if cut == whole {
            continue;
        }
        edited += 1;
        let (cut, whole) = (parse(cut).unwrap(), parse(whole).unwrap());
        let keys =
            |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&cut), keys(&whole));
        assert_eq!(cut["id"], whole["id"]);
        assert_eq!(cut["title"], whole["title"]);
        assert!(cut["text"].as_str().unwrap().len() < whole["text"].as_str().unwrap().len());
    }
    assert!(edited > 0 && original.len() > written.len());
}

#[test]
fn cut_passages_needs_write_deduped_and_the_shared_texts() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.jsonl");
    let alone = run(&["scan", NEWS, "--cut-passages"]);
    assert_eq!(alone.code, 2, "{}", alone.stderr);
    assert!(alone.stderr.contains("--write-deduped"), "{}", alone.stderr);
    let out = run(&[
        "scan",
        NEWS,
        "--no-overlap",
        "--write-deduped",
        output.to_str().unwrap(),
        "--cut-passages",
    ]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "dedup: --cut-passages needs the shared texts that --no-overlap turns off\n"
    );
    assert!(!output.exists());
}

#[test]
fn write_deduped_compresses_as_the_name_says_and_reads_compressed_input() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.jsonl");
    run(&["scan", NEWS, "--write-deduped", plain.to_str().unwrap()]);
    let expected = std::fs::read_to_string(&plain).unwrap();
    for (input, output) in [
        ("fixtures/inputs/news.jsonl.zst", "clean.jsonl.gz"),
        ("fixtures/inputs/news.jsonl.gz", "clean.jsonl.zst"),
    ] {
        let path = dir.path().join(output);
        let out = run(&["scan", input, "--write-deduped", path.to_str().unwrap()]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        let raw = std::fs::read(&path).unwrap();
        assert_ne!(raw, expected.as_bytes(), "{output} is compressed");
        assert_eq!(decompress(&path), expected, "{output}");
    }
}

#[test]
fn write_deduped_refuses_to_overwrite_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("news.jsonl");
    std::fs::copy(NEWS, &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = run_in(dir.path(), &["scan", ".", "--write-deduped", "news.jsonl"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "dedup: news.jsonl: --write-deduped would overwrite an input file\n"
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("news.jsonl", dir.path().join("alias.jsonl")).unwrap();
        let out = run_in(
            dir.path(),
            &["scan", "news.jsonl", "--write-deduped", "alias.jsonl"],
        );
        assert_eq!(out.code, 2, "a link to an input is the input");
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn write_deduped_needs_jsonl_and_a_clean_read() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.jsonl");
    let text = run(&[
        "scan",
        "fixtures/overlap",
        "--write-deduped",
        output.to_str().unwrap(),
    ]);
    assert_eq!(text.code, 2);
    assert!(
        text.stderr
            .contains("--write-deduped needs JSON Lines input"),
        "{}",
        text.stderr
    );
    // A corrupt compressed input: an error, and no half-deduplicated corpus.
    let mut bytes = std::fs::read("fixtures/inputs/news.jsonl.gz").unwrap();
    bytes.truncate(bytes.len() / 2);
    let broken = dir.path().join("broken.jsonl.gz");
    std::fs::write(&broken, bytes).unwrap();
    let out = run(&[
        "scan",
        broken.to_str().unwrap(),
        "--write-deduped",
        output.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("out.jsonl: not written: some input could not be read"),
        "{}",
        out.stderr
    );
    assert!(!output.exists());
}

// ---- Progress ------------------------------------------------------------------------------

#[derive(Default)]
struct Counts {
    files_found: AtomicU64,
    files_read: AtomicU64,
    signed: AtomicU64,
    reloading: AtomicU64,
    reloaded: AtomicU64,
    verifying: AtomicU64,
    verified: AtomicU64,
}

impl Progress for Counts {
    fn files_found(&self, files: u64) {
        self.files_found.store(files, Ordering::Relaxed);
    }
    fn file_read(&self) {
        self.files_read.fetch_add(1, Ordering::Relaxed);
    }
    fn document_signed(&self) {
        self.signed.fetch_add(1, Ordering::Relaxed);
    }
    fn reloading(&self, documents: u64) {
        self.reloading.store(documents, Ordering::Relaxed);
    }
    fn document_reloaded(&self) {
        self.reloaded.fetch_add(1, Ordering::Relaxed);
    }
    fn verifying(&self, pairs: u64) {
        self.verifying.store(pairs, Ordering::Relaxed);
    }
    fn pair_verified(&self) {
        self.verified.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn the_progress_hook_sees_every_file_document_and_pair() {
    let counts = Counts::default();
    let mut config = ScanConfig::new(0.8);
    config.walk.input.id_field = Some("id".into());
    let roots = [PathBuf::from("seeds"), PathBuf::from(NEWS)];
    let report = scan_with_progress(&roots, &config, &counts).unwrap();
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let seeds = std::fs::read_dir("seeds").unwrap().count() as u64;
    assert_eq!(get(&counts.files_found), seeds + 1);
    assert_eq!(get(&counts.files_read), seeds + 1);
    assert_eq!(get(&counts.signed), report.summary.docs as u64);
    assert_eq!(get(&counts.reloading), get(&counts.reloaded));
    assert!(get(&counts.reloaded) >= 2);
    assert_eq!(get(&counts.verifying), report.summary.candidates as u64);
    assert_eq!(get(&counts.verified), report.summary.candidates as u64);
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let out = run(&["scan", "seeds", NEWS, "--id-field", "id"]);
    assert_eq!(out.code, 1);
    // Only the two record warnings: no bar, no escape codes.
    assert_eq!(out.stderr.lines().count(), 2, "{}", out.stderr);
    assert!(!out.stderr.contains('\x1b'));
    let quiet = run(&["scan", "seeds", NEWS, "--id-field", "id", "--quiet"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (1, ""));
}

// ---- Completions and man pages -------------------------------------------------------------

#[test]
fn completions_cover_every_shell_and_the_new_options() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}");
        for option in ["write-deduped", "text-field", "input-format"] {
            assert!(out.stdout.contains(option), "{shell} lacks {option}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn man_pages_are_roff_for_dedup_and_its_subcommands() {
    let main = run(&["man"]);
    assert_eq!(main.code, 0);
    assert!(
        main.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &main.stdout[..80]
    );
    assert!(main.stdout.contains(".TH dedup 1"));
    assert!(main.stdout.contains("scan"));
    let scan = run(&["man", "scan"]);
    assert_eq!(scan.code, 0);
    assert!(scan.stdout.contains(".TH dedup-scan 1"));
    assert!(scan.stdout.contains("text\\-field"));
    let missing = run(&["man", "nope"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no subcommand 'nope'"),
        "{}",
        missing.stderr
    );
}

#[test]
fn shared_ids_are_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let texts = fixture_texts();
    let record = |id: &str, text: &str| serde_json::json!({"id": id, "text": text}).to_string();
    std::fs::write(
        dir.path().join("ids.jsonl"),
        [
            record("x", &texts["wire-002"]),
            record("y", &texts["wire-003"]),
            record("x", &texts["wire-006"]),
        ]
        .join("\n"),
    )
    .unwrap();
    let out = run_in(dir.path(), &["scan", "ids.jsonl", "--id-field", "id"]);
    assert_eq!(
        out.stderr,
        "dedup: warning: 2 records share their --id-field id with another (first: x); names in \
         the output are ambiguous\n"
    );
    let quiet = run_in(dir.path(), &["scan", "ids.jsonl", "--id-field", "id", "-q"]);
    assert_eq!(quiet.stderr, "");
}

#[test]
fn a_file_of_records_without_the_text_field_is_told_in_a_few_lines() {
    let dir = tempfile::tempdir().unwrap();
    let records: String = (0..500)
        .map(|i| format!("{{\"id\":\"d{i}\",\"body\":\"words of record {i}\"}}\n"))
        .collect();
    std::fs::write(dir.path().join("labels.jsonl"), records).unwrap();
    let out = run_in(dir.path(), &["scan", "labels.jsonl"]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "dedup: labels.jsonl:1: skipped: no field \"text\"",
            "dedup: labels.jsonl:2: skipped: no field \"text\"",
            "dedup: labels.jsonl:3: skipped: no field \"text\"",
            "dedup: labels.jsonl: skipped: no field \"text\" (497 more records like this; --format jsonl lists them all)",
        ],
        "{}",
        out.stderr
    );
    let (records, _) = scan_jsonl(&[dir.path().join("labels.jsonl").to_str().unwrap()]);
    assert_eq!(of_type(&records, "warning").len(), 500);
}
