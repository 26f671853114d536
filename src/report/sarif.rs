//! `dedup check --format sarif`: SARIF 2.1.0, for code-scanning dashboards (GitHub's among them).
//!
//! One run; `tool.driver` names dedup, its version and three rules (`exact-duplicate`,
//! `near-duplicate`, `shared-passage`). Results:
//! - an exact or near-duplicate is one result located on the whole new file (byte offset 0, its
//!   length), with the other document as a related location;
//! - a shared passage is one result, located on the passage's bytes and line in the new file,
//!   with the same passage in each document holding it as related locations (the first 20; the
//!   message gives the count).
//!
//! Regions use `startLine`, `byteOffset` and `byteLength` (bytes of the original file, as every
//! dedup output). `level` is `error` for a finding that fails the run, `warning` for a kind that
//! `--fail-on` leaves out, `note` for a finding the baseline holds; with a baseline, each result
//! also has `baselineState` (`new` or `unchanged`). `partialFingerprints` carries the baseline key
//! hash, so dashboards follow a finding from run to run. Paths become relative URI references.
//! Warnings and errors about input files are tool execution notifications.

use super::human::one_line;
use crate::check::{CheckFinding, CheckReport, Other, SharedPassage};
use crate::corpus::Severity;
use crate::findings::{Location, PairKind};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The schema every SARIF 2.1.0 file names.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

const RULES: [(PairKind, &str, &str, &str); 3] = [
    (
        PairKind::ExactDuplicate,
        "exact-duplicate",
        "ExactDuplicate",
        "The document has the same normalised text as another document.",
    ),
    (
        PairKind::NearDuplicate,
        "near-duplicate",
        "NearDuplicate",
        "The document's word n-grams overlap another document's at or above the Jaccard threshold.",
    ),
    (
        PairKind::Overlap,
        "shared-passage",
        "SharedPassage",
        "The document shares a passage of at least --min-words words with another document.",
    ),
];

fn rule_index(kind: PairKind) -> usize {
    RULES
        .iter()
        .position(|r| r.0 == kind)
        .expect("a rule per kind")
}

/// Writes the check report as one SARIF 2.1.0 log. `baseline` says whether a baseline was used
/// (then every result has a `baselineState`).
pub fn write(
    report: &CheckReport,
    fail_on: &[PairKind],
    baseline: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(kind, id, name, text)| {
            json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": text },
                "fullDescription": { "text": text },
                "defaultConfiguration": {
                    "level": if fail_on.contains(kind) { "error" } else { "warning" }
                },
                "help": { "text": "Remove or rewrite the duplicated text, or record the finding \
                                   as known with `dedup check --write-baseline`." },
            })
        })
        .collect();
    let matches = report
        .findings
        .iter()
        .map(|f| match_result(report, f, fail_on, baseline));
    let passages = report
        .passages
        .iter()
        .map(|p| passage_result(report, p, fail_on, baseline));
    let results: Vec<Value> = matches.chain(passages).collect();
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "level": if d.severity == Severity::Error { "error" } else { "warning" },
                "message": { "text": format!("{}: {}", d.path, d.message) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&d.path) } } }],
            })
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "dedup",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": !report.has_errors(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// At most this many holders of a passage are related locations of its result; the message
/// gives the count of all.
const MAX_RELATED: usize = 20;

fn level(known: bool, fails: bool) -> &'static str {
    if known {
        "note"
    } else if fails {
        "error"
    } else {
        "warning"
    }
}

fn whose(other: &Other) -> &'static str {
    match other {
        Other::Indexed { .. } => "indexed document",
        Other::New(_) => "new document",
    }
}

fn match_result(
    report: &CheckReport,
    f: &CheckFinding,
    fail_on: &[PairKind],
    baseline: bool,
) -> Value {
    let path = report.path(f.doc);
    let other = report.other_name(&f.other);
    let whose = whose(&f.other);
    let message = match f.kind {
        PairKind::ExactDuplicate => format!("{path} is an exact copy of {whose} {other}."),
        _ => format!(
            "{path} is a near-duplicate of {whose} {other} (Jaccard {:.3}, {} shared passages).",
            f.jaccard,
            f.passages.len()
        ),
    };
    let mut value = json!({
        "ruleId": RULES[rule_index(f.kind)].1,
        "ruleIndex": rule_index(f.kind),
        "level": level(f.known, fail_on.contains(&f.kind)),
        "message": { "text": message },
        "locations": [{ "physicalLocation": {
            "artifactLocation": { "uri": uri(&path) },
            "region": {
                "startLine": 1,
                "byteOffset": 0,
                "byteLength": report.documents[f.doc.index()].bytes,
            },
        }}],
        "relatedLocations": [{
            "id": 1,
            "message": { "text": format!("{whose} {other}") },
            "physicalLocation": { "artifactLocation": { "uri": uri(&other) } },
        }],
        "partialFingerprints": { "dedupFinding/v1": fingerprint(&report.key(f)) },
        "properties": {
            "jaccard": f.jaccard,
            "estimate": f.estimate,
            "containment": f.containment_doc,
            "containmentOther": f.containment_other,
        },
    });
    if baseline {
        value["baselineState"] = json!(if f.known { "unchanged" } else { "new" });
    }
    value
}

fn passage_result(
    report: &CheckReport,
    p: &SharedPassage,
    fail_on: &[PairKind],
    baseline: bool,
) -> Value {
    let path = report.path(p.doc);
    let held = p.holders.len();
    let first = &p.holders[0];
    let message = format!(
        "{} words shared with {} {}{}: \"{}\"",
        p.words,
        whose(&first.other),
        report.other_name(&first.other),
        match held {
            1 => String::new(),
            n => format!(
                " and {} other document{}",
                n - 1,
                if n == 2 { "" } else { "s" }
            ),
        },
        one_line(&p.text)
    );
    let related: Vec<Value> = p
        .holders
        .iter()
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, h)| {
            let name = report.other_name(&h.other);
            json!({
                "id": i + 1,
                "message": { "text": format!("{} {name}", whose(&h.other)) },
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&name) },
                    "region": region(&h.at, None),
                },
            })
        })
        .collect();
    let mut value = json!({
        "ruleId": RULES[rule_index(PairKind::Overlap)].1,
        "ruleIndex": rule_index(PairKind::Overlap),
        "level": level(p.known, fail_on.contains(&PairKind::Overlap)),
        "message": { "text": message },
        "locations": [{ "physicalLocation": {
            "artifactLocation": { "uri": uri(&path) },
            "region": region(&p.at, Some(&p.text)),
        }}],
        "relatedLocations": related,
        "partialFingerprints": { "dedupFinding/v1": fingerprint(&report.passage_key(p)) },
        "properties": { "documents": held, "quoted": p.quoted },
    });
    if baseline {
        value["baselineState"] = json!(if p.known { "unchanged" } else { "new" });
    }
    value
}

fn region(at: &Location, text: Option<&str>) -> Value {
    let mut region = json!({
        "startLine": at.line,
        "byteOffset": at.start,
        "byteLength": at.end - at.start,
    });
    if let Some(text) = text {
        region["snippet"] = json!({ "text": text });
    }
    region
}

/// A stable fingerprint of a baseline key: xxh3-64 of its JSON, in hex.
fn fingerprint(key: &crate::check::BaselineKey) -> String {
    let json = serde_json::to_string(key).expect("strings serialise");
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(json.as_bytes()))
}

/// A path as a URI reference: `/` separators, and every byte outside the unreserved set and `/`
/// percent-encoded, so spaces, `#` and `%` in file names survive. Absolute paths become `file:`
/// URIs.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("docs/a b#1%.txt"), "docs/a%20b%231%25.txt");
        assert_eq!(uri("/abs/é.txt"), "file:///abs/%C3%A9.txt");
        assert_eq!(uri("dir\\win.txt"), "dir/win.txt");
    }
}
