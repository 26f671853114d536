//! `dedup check --format human`: what each new document matches, readable.
//!
//! One block per finding, in the check's order (by new document, indexed matches first), then one
//! summary line. Findings in the baseline are marked `known`; findings of a kind that does not
//! fail the run (`--fail-on`) are marked `not failing`. Passage text is cut as in the scan report.

use super::human::{documents, human_bytes, measures, paint, Counts, Palette};
use crate::check::{CheckFinding, CheckReport, Other};
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
    writeln!(out, "{}", summary_line(report, fail_on))
}

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
        let origin = match f.other {
            Other::Indexed { .. } => "(indexed)",
            Other::New(_) => "(new)",
        };
        let mut notes = Vec::new();
        if f.known {
            notes.push("known");
        }
        if !fail_on.contains(&f.kind) {
            notes.push("not failing");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(
                "  {}",
                paint(self.palette.dim, &format!("[{}]", notes.join(", ")))
            )
        };
        writeln!(
            out,
            "{}  {}  {joiner}  {} {}{notes}",
            paint(self.palette.heading, label),
            paint(self.palette.path, &self.report.path(f.doc)),
            paint(self.palette.path, &self.report.other_name(&f.other)),
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

    fn passage(&self, p: &Passage, out: &mut dyn Write) -> io::Result<()> {
        crate::report::human::write_passage(self.palette, p, out)
    }
}

/// One line with the counts, e.g. `3 new documents (12.3 KB) checked against 120 indexed: 1 exact
/// copy, 2 overlaps; 1 failing in 4 ms (index loaded in 2 ms)`.
pub fn summary_line(report: &CheckReport, fail_on: &[PairKind]) -> String {
    let s = &report.summary;
    let mut parts = Counts::default();
    parts.add(s.exact, "exact copy", "exact copies");
    parts.add(s.near, "near-duplicate", "near-duplicates");
    parts.add(s.overlap, "overlap", "overlaps");
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
