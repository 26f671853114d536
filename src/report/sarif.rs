//! `dedup check --format sarif`: SARIF 2.1.0, for code-scanning dashboards (GitHub's among them).
//!
//! One run; `tool.driver` names dedup, its version and three rules (`exact-duplicate`,
//! `near-duplicate`, `shared-passage`). Results:
//! - an exact or near-duplicate is one result located on the whole new file (byte offset 0, its
//!   length), with the other document as a related location;
//! - an overlap is one result per shared passage, located on the passage's bytes and line in the
//!   new file, with the same passage in the other document as a related location.
//!
//! Regions use `startLine`, `byteOffset` and `byteLength` (bytes of the original file, as every
//! dedup output). `level` is `error` for a finding that fails the run, `warning` for a kind that
//! `--fail-on` leaves out, `note` for a finding the baseline holds; with a baseline, each result
//! also has `baselineState` (`new` or `unchanged`). `partialFingerprints` carries the baseline key
//! hash, so dashboards follow a finding from run to run. Paths become relative URI references.
//! Warnings and errors about input files are tool execution notifications.

use super::human::one_line;
use crate::check::{CheckFinding, CheckReport, Other};
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
    let results: Vec<Value> = report
        .findings
        .iter()
        .flat_map(|f| results_of(report, f, fail_on, baseline))
        .collect();
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

fn results_of(
    report: &CheckReport,
    f: &CheckFinding,
    fail_on: &[PairKind],
    baseline: bool,
) -> Vec<Value> {
    let path = report.path(f.doc);
    let other = report.other_name(&f.other);
    let whose = match f.other {
        Other::Indexed { .. } => "indexed document",
        Other::New(_) => "new document",
    };
    let level = if f.known {
        "note"
    } else if fail_on.contains(&f.kind) {
        "error"
    } else {
        "warning"
    };
    let keys = report.keys(f);
    let (rule_id, _) = (RULES[rule_index(f.kind)].1, ());
    let result = |message: String, region: Value, related_region: Option<Value>, key: usize| {
        let mut related = json!({
            "id": 1,
            "message": { "text": format!("{whose} {other}") },
            "physicalLocation": { "artifactLocation": { "uri": uri(&other) } },
        });
        if let Some(r) = related_region {
            related["physicalLocation"]["region"] = r;
        }
        let mut value = json!({
            "ruleId": rule_id,
            "ruleIndex": rule_index(f.kind),
            "level": level,
            "message": { "text": message },
            "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": uri(&path) },
                "region": region,
            }}],
            "relatedLocations": [related],
            "partialFingerprints": { "dedupFinding/v1": fingerprint(&keys[key.min(keys.len() - 1)]) },
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
    };
    let whole_file = json!({
        "startLine": 1,
        "byteOffset": 0,
        "byteLength": report.documents[f.doc.index()].bytes,
    });
    match f.kind {
        PairKind::ExactDuplicate => vec![result(
            format!("{path} is an exact copy of {whose} {other}."),
            whole_file,
            None,
            0,
        )],
        PairKind::NearDuplicate => vec![result(
            format!(
                "{path} is a near-duplicate of {whose} {other} (Jaccard {:.3}, {} shared passages).",
                f.jaccard,
                f.passages.len()
            ),
            whole_file,
            None,
            0,
        )],
        PairKind::Overlap => f
            .passages
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let snippet = one_line(&p.text);
                result(
                    format!(
                        "{} words shared with {whose} {other} (line {}): \"{snippet}\"",
                        p.words, p.b.line
                    ),
                    region(&p.a, Some(&p.text)),
                    Some(region(&p.b, None)),
                    i,
                )
            })
            .collect(),
    }
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
