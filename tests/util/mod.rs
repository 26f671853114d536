//! Helpers for the CLI tests (in the spirit of ripgrep's tests/util.rs): run the built `dedup`
//! binary from the repository root, check its exit code with the output in the failure message,
//! compare against golden files, and compute exact answers independently of the binary.

use dedup::shingle::ShingleSet;
use dedup::tokenize::tokenize;
use dedup::verify::SetOverlap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The repository root: every command runs here, so paths in the output read `fixtures/near/...`
/// on every machine.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output, as UTF-8.
    pub stdout: String,
    /// Standard error, as UTF-8.
    pub stderr: String,
    /// The arguments, for failure messages.
    args: Vec<String>,
}

/// Runs `dedup ARGS` in the repository root with colour and the environment made neutral.
pub fn dedup<S: AsRef<str>>(args: &[S]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.as_ref().to_string()).collect();
    let output = assert_cmd::cargo::cargo_bin_cmd!("dedup")
        .args(&args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS")
        .output()
        .expect("the dedup binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        args,
    }
}

impl Run {
    /// Panics, showing both streams, unless the run exited with `expected`.
    pub fn assert_exit_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            expected,
            "dedup {} exited with {} (expected {expected})\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Every stdout line parsed as JSON; panics naming the line that is not.
    pub fn jsonl(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
            })
            .collect()
    }

    /// Stdout with the run time replaced by a fixed marker (see [`redact_timing`]).
    pub fn stable_stdout(&self) -> String {
        redact_timing(&self.stdout)
    }
}

/// Replaces what differs from run to run, the elapsed time, with `<elapsed>`: the JSON Lines
/// `"elapsed_ms":N` and the human summary's `in N ms`.
pub fn redact_timing(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let line = replace_number_after(line, "\"elapsed_ms\":", "\"<elapsed>\"");
        let line = replace_number_after(&line, " in ", "<elapsed>");
        out.push_str(&line);
    }
    out
}

/// Replaces the run of ASCII digits right after the LAST `marker` in `line`, if there is one.
fn replace_number_after(line: &str, marker: &str, with: &str) -> String {
    let Some(at) = line.rfind(marker) else {
        return line.to_string();
    };
    let digits_start = at + marker.len();
    let digits = line[digits_start..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return line.to_string();
    }
    let rest = &line[digits_start + digits..];
    if marker == " in " && !rest.starts_with(" ms") {
        return line.to_string();
    }
    format!("{}{with}{rest}", &line[..digits_start])
}

/// Compares `actual` with `tests/golden/NAME`. With `DEDUP_BLESS=1` in the environment the file
/// is (re)written instead, so re-blessing after an intended change is one command:
///
/// ```text
/// DEDUP_BLESS=1 cargo test --test cli
/// ```
pub fn assert_golden(name: &str, actual: &str) {
    let path: PathBuf = root().join("tests").join("golden").join(name);
    if std::env::var_os("DEDUP_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden folder"))
            .expect("create tests/golden");
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("tests/golden/{name}: {e}; run `DEDUP_BLESS=1 cargo test --test cli` to create it")
    });
    if expected != actual {
        panic!(
            "output differs from tests/golden/{name} (- golden, + actual); if the change is \
             intended, run `DEDUP_BLESS=1 cargo test --test cli`\n{}",
            line_diff(&expected, actual)
        );
    }
}

/// A readable line diff: changed lines with `-`/`+`, two lines of context, `...` for the rest.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, from the end (outputs here are a few hundred lines).
    let mut lcs = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            ops.push((' ', old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', old[i]));
            i += 1;
        } else {
            ops.push(('+', new[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 3).min(ops.len());
        ops[lo..hi].iter().any(|(op, _)| *op != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near_change(k) {
            out.push_str(&format!("{op} {line}\n"));
            skipped = false;
        } else if !skipped {
            out.push_str("  ...\n");
            skipped = true;
        }
    }
    out
}

/// A fixture file's bytes, by its path relative to the repository root.
pub fn read_fixture(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The library's exact overlap of two fixture files' word 5-gram shingle sets.
pub fn library_overlap(a: &str, b: &str) -> SetOverlap {
    let set = |path: &str| ShingleSet::from_tokens(&tokenize(&read_fixture(path)), 5);
    SetOverlap::of(&set(a), &set(b))
}

/// The same overlap computed naively, sharing only the tokenizer with the library: the sets of
/// word 5-grams (as sequences of word hashes, not shingle hashes) intersected with `HashSet`.
/// Returns `(shared, union)`.
pub fn naive_overlap(a: &str, b: &str) -> (usize, usize) {
    let grams = |path: &str| -> HashSet<Vec<u64>> {
        let words: Vec<u64> = tokenize(&read_fixture(path))
            .iter()
            .map(|t| t.hash)
            .collect();
        if words.is_empty() {
            HashSet::new()
        } else if words.len() < 5 {
            HashSet::from([words])
        } else {
            words.windows(5).map(<[u64]>::to_vec).collect()
        }
    };
    let (a, b) = (grams(a), grams(b));
    (a.intersection(&b).count(), a.union(&b).count())
}

/// Number of words in a fixture file, as the library counts them.
pub fn words(path: &str) -> usize {
    tokenize(&read_fixture(path)).len()
}
