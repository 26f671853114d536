//! `--format jsonl`: one JSON object per line, each with a `type`, as DESIGN.md specifies.
//!
//! Records come in a fixed order: the documents that occurrences name (`document`: `doc`, the
//! number occurrences use, and `path`), shared-text groups (`passage`, by first occurrence, `id`
//! its rank), quotes (by first occurrence), pairs (by `a`, then `b`; a pair's passage names its group
//! instead of repeating the text), clusters (by first member), warnings and errors (by path), and
//! one summary last. Paths are as the user
//! gave them; offsets are bytes into the original file, end exclusive; lines are 1-based; ratios
//! are rounded to 6 decimals.

use crate::corpus::Severity;
use crate::findings::{Location, PairFinding, Passage, ScanReport};
use crate::DocId;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct PairRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    a: &'a str,
    b: &'a str,
    kind: &'static str,
    jaccard: f64,
    estimate: f64,
    containment_a: f64,
    containment_b: f64,
    passages: Vec<PassageRecord<'a>>,
}

impl<'a> PairRecord<'a> {
    fn of(a: &'a str, b: &'a str, pair: &'a PairFinding) -> Self {
        PairRecord {
            record: "pair",
            a,
            b,
            kind: pair.kind.as_str(),
            jaccard: round6(pair.jaccard),
            estimate: round6(pair.estimate),
            containment_a: round6(pair.containment_a),
            containment_b: round6(pair.containment_b),
            passages: pair.passages.iter().map(PassageRecord::from).collect(),
        }
    }
}

/// One `pair` record, as [`write`] prints it, for a pair found outside a scan report (an engine
/// running the [`crate::batch`] stages): `a` and `b` are the documents' names.
pub fn pair_record(a: &str, b: &str, pair: &PairFinding) -> String {
    serde_json::to_string(&PairRecord::of(a, b, pair)).expect("a pair record serialises")
}

#[derive(Serialize)]
pub(crate) struct SpanRecord {
    start: u32,
    end: u32,
    line: u32,
}

impl From<Location> for SpanRecord {
    fn from(l: Location) -> Self {
        SpanRecord {
            start: l.start,
            end: l.end,
            line: l.line,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct PassageRecord<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<usize>,
    a: SpanRecord,
    b: SpanRecord,
    words: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    quoted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

impl<'a> From<&'a Passage> for PassageRecord<'a> {
    /// A passage of a group names it (its text and quoting are in the group's record); one
    /// aligned between near-duplicates carries its own text.
    fn from(p: &'a Passage) -> Self {
        let own = p.group.is_none();
        PassageRecord {
            group: p.group,
            a: p.a.into(),
            b: p.b.into(),
            words: p.words,
            quoted: own.then_some(p.quoted),
            text: own.then_some(p.text.as_str()),
        }
    }
}

#[derive(Serialize)]
struct GroupRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    id: usize,
    text: &'a str,
    words: u32,
    docs: usize,
    quoted: bool,
    boilerplate: bool,
    occurrences: Vec<OccurrenceRecord>,
}

#[derive(Serialize)]
struct DocumentRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    doc: u32,
    path: &'a str,
}

/// An occurrence: `[doc, start, end, line]`, or `[doc, start, end, line, words]` where its words
/// differ from the group's (an edited or partial copy). Its document is named by number (a
/// `document` record gives the path) and its fields by position: on real text, where a
/// paragraph recurs in dozens of documents, occurrences written as objects with paths were two
/// thirds of the output and made it larger than the corpus (443 MB for the 376 MB of the 100k
/// real-text corpus; 355 MB with numbers in objects, 273 MB as arrays).
#[derive(Clone, Copy)]
struct OccurrenceRecord {
    fields: [u32; 5],
    len: usize,
}

impl Serialize for OccurrenceRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.fields[..self.len])
    }
}

fn occurrence(doc: DocId, at: Location, words: Option<u32>) -> OccurrenceRecord {
    OccurrenceRecord {
        fields: [doc.0, at.start, at.end, at.line, words.unwrap_or(0)],
        len: 4 + usize::from(words.is_some()),
    }
}

#[derive(Serialize)]
struct QuoteRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    text: &'a str,
    words: usize,
    occurrences: Vec<OccurrenceRecord>,
}

#[derive(Serialize)]
struct ClusterRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    members: Vec<&'a str>,
    keep: &'a str,
}

#[derive(Serialize)]
struct DiagnosticRecord<'a> {
    #[serde(rename = "type")]
    record: &'static str,
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize, serde::Deserialize)]
struct SummaryRecord {
    #[serde(rename = "type", skip_deserializing, default = "summary_type")]
    record: &'static str,
    docs: usize,
    bytes: u64,
    empty: usize,
    pairs: usize,
    exact_duplicates: usize,
    near_duplicate_pairs: usize,
    overlap_pairs: usize,
    clusters: usize,
    passages: usize,
    quotes: usize,
    candidates: usize,
    boilerplate_passages: usize,
    boilerplate_docs: usize,
    skipped: usize,
    errors: usize,
    threshold: f64,
    elapsed_ms: u128,
}

/// A `document` record for every document an occurrence names, in document order.
fn write_documents(report: &ScanReport, paths: &[String], out: &mut dyn Write) -> io::Result<()> {
    let mut named = bitvec::vec::BitVec::<usize>::repeat(false, paths.len());
    let groups = report
        .groups
        .iter()
        .flat_map(|g| g.occurrences.iter().map(|o| o.doc));
    let quotes = report
        .quotes
        .iter()
        .flat_map(|q| q.occurrences.iter().map(|o| o.doc));
    for doc in groups.chain(quotes) {
        named.set(doc.index(), true);
    }
    for doc in named.iter_ones() {
        line(
            out,
            &DocumentRecord {
                record: "document",
                doc: doc as u32,
                path: &paths[doc],
            },
        )?;
    }
    Ok(())
}

fn summary_type() -> &'static str {
    "summary"
}

/// One `cluster` record, as [`write`] prints it, for an engine running the [`crate::batch`]
/// stages: the members' names in document order, and the one to keep.
pub fn cluster_record(members: &[&str], keep: &str) -> String {
    let record = ClusterRecord {
        record: "cluster",
        members: members.to_vec(),
        keep,
    };
    serde_json::to_string(&record).expect("a cluster record serialises")
}

/// One `warning` or `error` record, as [`write`] prints it.
pub fn diagnostic_record(diagnostic: &crate::corpus::Diagnostic) -> String {
    let mut out = Vec::new();
    write_diagnostics(std::slice::from_ref(diagnostic), &mut out).expect("writes to memory");
    out.pop(); // the line ending
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The `summary` record given as JSON (its fields, in any order and format), written as
/// [`write`] writes it; an error names a missing or mistyped field.
pub fn summary_record(json: &str) -> Result<String, String> {
    let record: SummaryRecord = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(serde_json::to_string(&record).expect("a summary record serialises"))
}

/// Rounds to 6 decimals so the output is short and stable.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub(crate) fn line(out: &mut dyn Write, record: &impl Serialize) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256);
    push_line(&mut buf, record)?;
    out.write_all(&buf)
}

/// Appends one record and its line ending to `buf`: serialised into memory, not through a
/// `dyn Write`, which took a dynamic call for every token of the output.
fn push_line(buf: &mut Vec<u8>, record: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, record)?;
    buf.push(b'\n');
    Ok(())
}

/// Records formatted per parallel batch: a batch's lines are held in memory before they are
/// written (about 8 MB at 100k real-text documents, where a line averages 470 bytes; a
/// boilerplate text in 100,000 documents is one line of about 2.5 MB).
const LINES_PER_BATCH: usize = 16_384;

/// Records per task within a batch.
const LINES_PER_TASK: usize = 256;

/// Writes one line per item of `items`, in order, formatting them in parallel a batch at a
/// time; `push` gets each item's index in `items`. On real text the shared-text groups are
/// most of the output (222 of 264 MB at 100k documents), and one thread formatting them took
/// longer than most stages of the scan.
fn write_lines<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    push: impl Fn(&mut Vec<u8>, usize, &T) -> io::Result<()> + Sync,
) -> io::Result<()> {
    for (b, batch) in items.chunks(LINES_PER_BATCH).enumerate() {
        let first = b * LINES_PER_BATCH;
        let pieces: Vec<io::Result<Vec<u8>>> = batch
            .par_chunks(LINES_PER_TASK)
            .enumerate()
            .map(|(t, task)| {
                let mut buf = Vec::new();
                for (i, item) in task.iter().enumerate() {
                    push(&mut buf, first + t * LINES_PER_TASK + i, item)?;
                }
                Ok(buf)
            })
            .collect();
        for piece in pieces {
            out.write_all(&piece?)?;
        }
    }
    Ok(())
}

/// Writes the report as JSON Lines.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let paths: Vec<String> = report
        .documents
        .iter()
        .map(|d| d.source.display())
        .collect();
    let path = |d: DocId| paths[d.index()].as_str();
    write_documents(report, &paths, out)?;
    write_lines(out, &report.groups, |buf, id, group| {
        let occurrences = group
            .occurrences
            .iter()
            .map(|o| occurrence(o.doc, o.at, (o.words != group.words).then_some(o.words)))
            .collect();
        let record = GroupRecord {
            record: "passage",
            id,
            text: &group.text,
            words: group.words,
            docs: group.docs,
            quoted: group.quoted,
            boilerplate: group.boilerplate,
            occurrences,
        };
        push_line(buf, &record)
    })?;
    write_lines(out, &report.quotes, |buf, _, quote| {
        let occurrences = quote
            .occurrences
            .iter()
            .map(|o| occurrence(o.doc, o.at, None))
            .collect();
        let record = QuoteRecord {
            record: "quote",
            text: &quote.text,
            words: quote.words,
            occurrences,
        };
        push_line(buf, &record)
    })?;
    write_lines(out, &report.pairs, |buf, _, pair| {
        push_line(buf, &PairRecord::of(path(pair.a), path(pair.b), pair))
    })?;
    for cluster in &report.clusters {
        let members = cluster.members.iter().map(|&d| path(d)).collect();
        line(
            out,
            &ClusterRecord {
                record: "cluster",
                members,
                keep: path(cluster.keep),
            },
        )?;
    }
    write_diagnostics(&report.diagnostics, out)?;
    let s = &report.summary;
    let summary = SummaryRecord {
        record: "summary",
        docs: s.docs,
        bytes: s.bytes,
        empty: s.empty,
        pairs: report.pairs.len(),
        exact_duplicates: s.exact_duplicates,
        near_duplicate_pairs: s.near_duplicate_pairs,
        overlap_pairs: s.overlap_pairs,
        clusters: report.clusters.len(),
        passages: report.groups.len(),
        quotes: report.quotes.len(),
        candidates: s.candidates,
        boilerplate_passages: s.boilerplate_groups,
        boilerplate_docs: s.boilerplate_docs,
        skipped: s.skipped,
        errors: s.errors,
        threshold: report.threshold,
        elapsed_ms: s.elapsed.as_millis(),
    };
    line(out, &summary)
}

/// Writes one `warning` or `error` record per diagnostic (shared by `scan` and `check`).
pub(crate) fn write_diagnostics(
    diagnostics: &[crate::corpus::Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        let record = match diagnostic.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let record = DiagnosticRecord {
            record,
            path: &diagnostic.path,
            message: &diagnostic.message,
        };
        line(out, &record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Diagnostic;

    /// Lines formatted in parallel batches come out in order, each with its index, across
    /// batch and task boundaries.
    #[test]
    fn lines_written_in_parallel_batches_keep_their_order_and_ids() {
        let items: Vec<u32> = (0..2 * LINES_PER_BATCH as u32 + 1_000)
            .map(|i| i * 3)
            .collect();
        let mut out = Vec::new();
        write_lines(&mut out, &items, |buf, id, &item| {
            push_line(buf, &(id, item))
        })
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), items.len());
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(*line, format!("[{i},{}]", 3 * i));
        }
    }

    /// The records an engine writes come out as `write` writes them: the summary in the
    /// scan's field order and number format whatever the order and format given.
    #[test]
    fn records_for_engines_are_written_as_a_scan_writes_them() {
        let scan = r#"{"type":"summary","docs":5,"bytes":26864,"empty":0,"pairs":0,"exact_duplicates":0,"near_duplicate_pairs":0,"overlap_pairs":0,"clusters":0,"passages":1,"quotes":3,"candidates":0,"boilerplate_passages":0,"boilerplate_docs":0,"skipped":0,"errors":0,"threshold":0.00001,"elapsed_ms":21}"#;
        // As Python's json.dumps writes it.
        let shuffled = r#"{"threshold": 1e-05, "elapsed_ms": 21, "docs": 5, "bytes": 26864, "empty": 0, "pairs": 0, "exact_duplicates": 0, "near_duplicate_pairs": 0, "overlap_pairs": 0, "clusters": 0, "passages": 1, "quotes": 3, "candidates": 0, "boilerplate_passages": 0, "boilerplate_docs": 0, "skipped": 0, "errors": 0, "type": "summary"}"#;
        assert_eq!(summary_record(shuffled).unwrap(), scan);
        assert!(summary_record(r#"{"docs":5}"#)
            .unwrap_err()
            .contains("missing field"));
        assert_eq!(
            cluster_record(&["a\u{1b}.txt", "b.txt"], "b.txt"),
            r#"{"type":"cluster","members":["a\u001b.txt","b.txt"],"keep":"b.txt"}"#
        );
        assert_eq!(
            diagnostic_record(&Diagnostic::warning("x.bin", "skipped: binary file")),
            r#"{"type":"warning","path":"x.bin","message":"skipped: binary file"}"#
        );
    }
}
