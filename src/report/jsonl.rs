//! `--format jsonl`: one JSON object per line, each with a `type`, as DESIGN.md specifies.
//!
//! Records come in a fixed order: pairs (by `a`, then `b`), clusters (by first member), warnings
//! and errors (by path), and one summary last. Paths are as the user gave them; numbers are
//! rounded to 6 decimals.

use crate::corpus::Severity;
use crate::scan::ScanReport;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct PairRecord<'a> {
    #[serde(rename = "type")]
    kind_of_record: &'static str,
    a: &'a str,
    b: &'a str,
    kind: &'static str,
    jaccard: f64,
    estimate: f64,
    containment_a: f64,
    containment_b: f64,
    passages: [(); 0],
}

#[derive(Serialize)]
struct ClusterRecord<'a> {
    #[serde(rename = "type")]
    kind_of_record: &'static str,
    members: Vec<&'a str>,
    keep: &'a str,
}

#[derive(Serialize)]
struct DiagnosticRecord<'a> {
    #[serde(rename = "type")]
    kind_of_record: &'static str,
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct SummaryRecord {
    #[serde(rename = "type")]
    kind_of_record: &'static str,
    docs: usize,
    bytes: u64,
    empty: usize,
    pairs: usize,
    near_duplicate_pairs: usize,
    exact_duplicates: usize,
    clusters: usize,
    quotes: usize,
    candidates: usize,
    skipped: usize,
    errors: usize,
    threshold: f64,
    elapsed_ms: u128,
}

/// Rounds to 6 decimals so the output is short and stable.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn line(out: &mut dyn Write, record: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")
}

/// Writes the report as JSON Lines.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let paths: Vec<String> = report
        .documents
        .iter()
        .map(|d| d.source.display())
        .collect();
    let path = |d: crate::DocId| paths[d.index()].as_str();
    for pair in &report.pairs {
        line(
            out,
            &PairRecord {
                kind_of_record: "pair",
                a: path(pair.a),
                b: path(pair.b),
                kind: pair.kind.as_str(),
                jaccard: round6(pair.jaccard),
                estimate: round6(pair.estimate),
                containment_a: round6(pair.containment_a),
                containment_b: round6(pair.containment_b),
                passages: [],
            },
        )?;
    }
    for cluster in &report.clusters {
        line(
            out,
            &ClusterRecord {
                kind_of_record: "cluster",
                members: cluster.members.iter().map(|&d| path(d)).collect(),
                keep: path(cluster.keep),
            },
        )?;
    }
    for diagnostic in &report.diagnostics {
        let kind_of_record = match diagnostic.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        line(
            out,
            &DiagnosticRecord {
                kind_of_record,
                path: &diagnostic.path,
                message: &diagnostic.message,
            },
        )?;
    }
    let s = &report.summary;
    line(
        out,
        &SummaryRecord {
            kind_of_record: "summary",
            docs: s.docs,
            bytes: s.bytes,
            empty: s.empty,
            pairs: report.pairs.len(),
            near_duplicate_pairs: s.near_duplicate_pairs,
            exact_duplicates: s.exact_duplicates,
            clusters: report.clusters.len(),
            quotes: 0,
            candidates: s.candidates,
            skipped: s.skipped,
            errors: s.errors,
            threshold: report.threshold,
            elapsed_ms: s.elapsed.as_millis(),
        },
    )
}
