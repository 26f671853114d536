//! `dedup check --format jsonl`: one JSON object per line, as the scan's JSON Lines.
//!
//! ```json
//! {"type":"match","a":"new/x.txt","b":"corpus/y.txt","b_indexed":true,"kind":"overlap",
//!  "jaccard":0.02,"estimate":0.0,"containment_a":0.05,"containment_b":0.01,
//!  "passages":[{"a":{"start":120,"end":340,"line":4},"b":{"start":900,"end":1120,"line":12},
//!               "words":36,"quoted":false,"text":"..."}],"known":false,"fails":true}
//! {"type":"summary","docs":3,"indexed_docs":120,...,"failing":1}
//! ```
//!
//! `a` is always the new document (for two new documents, the one with the smaller path), `b` what
//! it matches; `b_indexed` says whether `b` is an indexed document. `known` is true when the
//! baseline holds the finding, `fails` when it fails the run. Then warnings and errors (by path)
//! and one summary, last.

use super::jsonl::{line, round6, PassageRecord};
use crate::check::{CheckReport, Other};
use crate::findings::PairKind;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct MatchRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    a: String,
    b: String,
    b_indexed: bool,
    kind: &'static str,
    jaccard: f64,
    estimate: f64,
    containment_a: f64,
    containment_b: f64,
    passages: Vec<PassageRecord<'a>>,
    known: bool,
    fails: bool,
}

#[derive(Serialize)]
struct SummaryRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    index: &'a str,
    docs: usize,
    bytes: u64,
    indexed_docs: usize,
    exact_duplicates: usize,
    near_duplicates: usize,
    overlaps: usize,
    known: usize,
    failing: usize,
    candidates: usize,
    boilerplate_fingerprints: usize,
    skipped: usize,
    errors: usize,
    threshold: f64,
    load_ms: u128,
    elapsed_ms: u128,
}

/// Writes the check report as JSON Lines.
pub fn write(report: &CheckReport, fail_on: &[PairKind], out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let record = MatchRecord {
            record: "match",
            a: report.path(f.doc),
            b: report.other_name(&f.other),
            b_indexed: matches!(f.other, Other::Indexed { .. }),
            kind: f.kind.as_str(),
            jaccard: round6(f.jaccard),
            estimate: round6(f.estimate),
            containment_a: round6(f.containment_doc),
            containment_b: round6(f.containment_other),
            passages: f.passages.iter().map(PassageRecord::from).collect(),
            known: f.known,
            fails: !f.known && fail_on.contains(&f.kind),
        };
        line(out, &record)?;
    }
    crate::report::jsonl::write_diagnostics(&report.diagnostics, out)?;
    let s = &report.summary;
    line(
        out,
        &SummaryRecord {
            record: "summary",
            index: &report.index,
            docs: s.docs,
            bytes: s.bytes,
            indexed_docs: s.indexed,
            exact_duplicates: s.exact,
            near_duplicates: s.near,
            overlaps: s.overlap,
            known: s.known,
            failing: report.failing(fail_on),
            candidates: s.candidates,
            boilerplate_fingerprints: s.boilerplate_fingerprints,
            skipped: s.skipped,
            errors: s.errors,
            threshold: report.threshold,
            load_ms: s.load.as_millis(),
            elapsed_ms: s.elapsed.as_millis(),
        },
    )
}
