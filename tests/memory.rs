//! Resource bounds, on the built binary: a 2 GB file is never read into memory, and 20,000 files
//! are scanned under a limit of 64 open files.
//!
//! Peak memory is the largest resident set of the children this test binary has waited for
//! (`getrusage(RUSAGE_CHILDREN)`), which is why these tests live in a binary of their own: every
//! child here must stay under [`MAX_RSS_KB`], so whichever finishes first, the bound holds.
#![cfg(target_os = "linux")]

use assert_cmd::Command;
use nix::sys::resource::{getrusage, UsageWho};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Far more than these scans need (tens of MB), far less than reading the 2 GB file would take.
const MAX_RSS_KB: i64 = 256 * 1024;

fn peak_child_rss_kb() -> i64 {
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage")
        .max_rss()
}

/// Runs `dedup scan ARGS --format jsonl` in `dir` through `sh`, so a resource limit can be set
/// first; returns the exit code, the records and stderr.
fn scan_limited(dir: &Path, limit: &str, args: &[&str]) -> (i32, Vec<Value>, String) {
    let bin = assert_cmd::cargo::cargo_bin("dedup");
    let out = Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!("{limit} && exec \"$0\" scan \"$@\" --format jsonl"))
        .arg(bin)
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    (
        out.status.code().expect("an exit status"),
        records,
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn summary(records: &[Value]) -> &Value {
    let last = records.last().expect("a summary");
    assert_eq!(last["type"], "summary");
    last
}

#[test]
fn a_sparse_2_gb_file_is_skipped_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = "one two three four five six seven eight nine ten eleven twelve";
    std::fs::write(dir.path().join("a.txt"), text).unwrap();
    std::fs::write(dir.path().join("b.txt"), format!("{text} thirteen")).unwrap();
    let huge = std::fs::File::create(dir.path().join("huge.txt")).unwrap();
    huge.set_len(2 << 30).unwrap();
    drop(huge);

    // Over the default --max-bytes (64 MiB): skipped on its size alone.
    let (code, records, stderr) = scan_limited(dir.path(), "true", &["."]);
    assert_eq!(
        stderr,
        "dedup: ./huge.txt: skipped: 2147483648 bytes is over --max-bytes 67108864\n"
    );
    assert_eq!(code, 1, "the other files are still compared");
    assert_eq!(summary(&records)["docs"], 2);

    // Allowed by --max-bytes: reading stops at the first chunk, which shows NUL bytes.
    let (code, records, stderr) =
        scan_limited(dir.path(), "true", &[".", "--max-bytes", "3000000000"]);
    assert_eq!(stderr, "dedup: ./huge.txt: skipped: binary file\n");
    assert_eq!(code, 1);
    assert_eq!(summary(&records)["skipped"], 1);

    let peak = peak_child_rss_kb();
    assert!(peak < MAX_RSS_KB, "peak resident set {peak} KB");
}

#[test]
fn twenty_thousand_files_under_a_limit_of_64_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for i in 0..20_000 {
        let folder = dir.path().join(format!("{:02}", i % 100));
        if i < 100 {
            std::fs::create_dir(&folder).unwrap();
        }
        let text: Vec<String> = (0..30)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("w{}", x % 50_000)
            })
            .collect();
        std::fs::write(folder.join(format!("{i:05}.txt")), text.join(" ")).unwrap();
    }
    let (code, records, stderr) = scan_limited(dir.path(), "ulimit -n 64", &["."]);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(code, 0);
    let summary = summary(&records);
    assert_eq!(summary["docs"], 20_000);
    assert_eq!(summary["errors"], 0);

    let peak = peak_child_rss_kb();
    assert!(peak < MAX_RSS_KB, "peak resident set {peak} KB");
}
