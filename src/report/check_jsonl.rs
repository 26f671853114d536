//! `dedup check --format jsonl`: one JSON object per line, as the scan's JSON Lines.
//!
//! ```json
//! {"type":"match","a":"new/x.txt","b":"corpus/y.txt","b_indexed":true,"kind":"near_duplicate",
//!  "jaccard":0.82,"estimate":0.8,"containment_a":0.9,"containment_b":0.85,
//!  "passages":[{"a":{"start":0,"end":3400,"line":1},"b":{"start":0,"end":3380,"line":1},
//!               "words":512,"quoted":false,"text":"..."}],"known":false,"fails":true}
//! {"type":"passage","path":"new/x.txt","start":120,"end":340,"line":4,"words":36,
//!  "quoted":false,"text":"...","docs":2,
//!  "held_by":[{"path":"corpus/y.txt","indexed":true,"start":900,"end":1120,"line":12},
//!             {"path":"corpus/z.txt","indexed":true,"start":0,"end":220,"line":1}],
//!  "known":false,"fails":true}
//! {"type":"summary","docs":3,"indexed_docs":120,...,"failing":1}
//! ```
//!
//! A `match` is an exact or near-duplicate: `a` is always the new document (for two new
//! documents, the one with the smaller path), `b` what it matches; `b_indexed` says whether `b`
//! is an indexed document. A `passage` is text the new document `path` shares, listed once with
//! every document holding it (`docs` of them); where a holder has an edited copy, its span is
//! the whole aligned passage holding the text. `known` is true when the baseline holds the
//! finding, `fails` when it fails the run. Matches come first, then passages (by new document
//! and position), then warnings and errors (by path) and one summary, last.

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
struct SharedPassageRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    path: String,
    start: u32,
    end: u32,
    line: u32,
    words: u32,
    quoted: bool,
    text: &'a str,
    docs: usize,
    held_by: Vec<HolderRecord>,
    known: bool,
    fails: bool,
}

#[derive(Serialize)]
struct HolderRecord {
    path: String,
    indexed: bool,
    start: u32,
    end: u32,
    line: u32,
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
    let overlap_fails = fail_on.contains(&PairKind::Overlap);
    for p in &report.passages {
        let record = SharedPassageRecord {
            record: "passage",
            path: report.path(p.doc),
            start: p.at.start,
            end: p.at.end,
            line: p.at.line,
            words: p.words,
            quoted: p.quoted,
            text: &p.text,
            docs: p.holders.len(),
            held_by: p
                .holders
                .iter()
                .map(|h| HolderRecord {
                    path: report.other_name(&h.other),
                    indexed: matches!(h.other, Other::Indexed { .. }),
                    start: h.at.start,
                    end: h.at.end,
                    line: h.at.line,
                })
                .collect(),
            known: p.known,
            fails: !p.known && overlap_fails,
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
