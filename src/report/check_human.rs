//! `dedup check --format human`: what each new document matches, readable.
//!
//! One block per match (exact and near-duplicates, by new document, indexed matches first), then
//! one per shared passage (by new document and position: where it is, its text, and the documents
//! holding it, the first few named and the rest counted), then one summary line. Findings in the
//! baseline are marked `known`; findings of a kind that does not fail the run (`--fail-on`) are
//! marked `not failing`. Passage text is cut as in the scan report.

use super::human::{
    documents, human_bytes, measures, one_line, paint, paint_name, Counts, Palette,
};
use crate::check::{CheckFinding, CheckReport, Other, SharedPassage};
use crate::findings::{PairKind, Passage};
use std::io::{self, Write};

/// Writes the check report for a person.
pub fn write(
    report: &CheckReport,
    fail_on: &[PairKind],
    palette: Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    let printer = Printer { report, palette };
    for finding in &report.findings {
        printer.finding(finding, fail_on, out)?;
    }
    for passage in &report.passages {
        printer.shared(passage, fail_on, out)?;
    }
    writeln!(out, "{}", summary_line(report, fail_on))
}

/// Holders of a passage named in the human report; the rest are counted.
const NAMED_HOLDERS: usize = 5;

struct Printer<'a> {
    report: &'a CheckReport,
    palette: Palette,
}

impl Printer<'_> {
    fn finding(
        &self,
        f: &CheckFinding,
        fail_on: &[PairKind],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let (label, joiner) = match f.kind {
            PairKind::ExactDuplicate => ("exact copy", "="),
            PairKind::NearDuplicate => ("near-duplicate", "~"),
            PairKind::Overlap => ("shared passages", "~"),
        };
        let origin = origin(&f.other);
        let notes = self.notes(f.known, fail_on.contains(&f.kind));
        writeln!(
            out,
            "{}  {}  {joiner}  {} {}{notes}",
            paint(self.palette.heading, label),
            paint_name(self.palette, &self.report.path(f.doc)),
            paint_name(self.palette, &self.report.other_name(&f.other)),
            paint(self.palette.dim, origin),
        )?;
        if f.kind != PairKind::ExactDuplicate {
            writeln!(
                out,
                "  {}",
                measures(
                    self.palette,
                    f.kind,
                    f.jaccard,
                    f.estimate,
                    [f.containment_doc, f.containment_other],
                )
            )?;
        }
        for passage in &f.passages {
            self.passage(passage, out)?;
        }
        writeln!(out)
    }

    fn notes(&self, known: bool, fails: bool) -> String {
        let mut notes = Vec::new();
        if known {
            notes.push("known");
        }
        if !fails {
            notes.push("not failing");
        }
        if notes.is_empty() {
            String::new()
        } else {
            format!(
                "  {}",
                paint(self.palette.dim, &format!("[{}]", notes.join(", ")))
            )
        }
    }

    /// `shared passage  new/x.txt, line 4, bytes 120..340 (36 words)  in 3 documents`, the
    /// text, and where each holder has it.
    fn shared(
        &self,
        p: &SharedPassage,
        fail_on: &[PairKind],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let quoted = if p.quoted { ", quoted" } else { "" };
        let held = p.holders.len();
        writeln!(
            out,
            "{}  {}, line {}, bytes {}..{}  {}  in {}{}",
            paint(self.palette.heading, "shared passage"),
            paint_name(self.palette, &self.report.path(p.doc)),
            paint(self.palette.number, &p.at.line.to_string()),
            p.at.start,
            p.at.end,
            paint(self.palette.dim, &format!("({} words{quoted})", p.words)),
            documents(held, "other"),
            self.notes(p.known, fail_on.contains(&PairKind::Overlap)),
        )?;
        writeln!(out, "    {}", paint(self.palette.text, &one_line(&p.text)))?;
        for h in p.holders.iter().take(NAMED_HOLDERS) {
            writeln!(
                out,
                "  {} {}, line {}, bytes {}..{}",
                paint_name(self.palette, &self.report.other_name(&h.other)),
                paint(self.palette.dim, origin(&h.other)),
                paint(self.palette.number, &h.at.line.to_string()),
                h.at.start,
                h.at.end,
            )?;
        }
        if held > NAMED_HOLDERS {
            writeln!(
                out,
                "  {}",
                paint(
                    self.palette.dim,
                    &format!(
                        "... and {} more (all in --format jsonl)",
                        held - NAMED_HOLDERS
                    )
                )
            )?;
        }
        writeln!(out)
    }

    fn passage(&self, p: &Passage, out: &mut dyn Write) -> io::Result<()> {
        crate::report::human::write_passage(self.palette, p, out)
    }
}

fn origin(other: &Other) -> &'static str {
    match other {
        Other::Indexed { .. } => "(indexed)",
        Other::New(_) => "(new)",
    }
}

/// One line with the counts, e.g. `3 new documents (12.3 KB) checked against 120 indexed: 1 exact
/// copy, 2 overlaps; 1 failing in 4 ms (index loaded in 2 ms)`.
pub fn summary_line(report: &CheckReport, fail_on: &[PairKind]) -> String {
    let s = &report.summary;
    let mut parts = Counts::default();
    parts.add(s.exact, "exact copy", "exact copies");
    parts.add(s.near, "near-duplicate", "near-duplicates");
    parts.add(s.overlap, "shared passage", "shared passages");
    parts.add(
        s.known,
        "known from the baseline",
        "known from the baseline",
    );
    parts.add(
        s.boilerplate_fingerprints,
        "boilerplate fingerprint ignored",
        "boilerplate fingerprints ignored",
    );
    parts.add(s.skipped, "file skipped", "files skipped");
    parts.add(s.errors, "error", "errors");
    format!(
        "{} ({}) checked against {} indexed: {}; {} failing in {} ms (index loaded in {} ms)",
        documents(s.docs, "new"),
        human_bytes(s.bytes),
        s.indexed,
        parts.found(),
        report.failing(fail_on),
        s.elapsed.as_millis(),
        s.load.as_millis(),
    )
}
