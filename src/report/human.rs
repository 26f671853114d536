//! `--format human`: a readable report, like ripgrep's, coloured only when asked to (the CLI
//! asks when stdout is a terminal).
//!
//! Order: shared quotes first (what a newsroom looks for), then near-duplicate pairs (most similar
//! first), then pairs that only share passages (most shared words first), then clusters with the
//! member to keep, then one summary line. Exact copies are shown inside their cluster, not as
//! pairs, so 10,000 copies of one file are one block of output. Passage text is shown on one
//! line and cut at [`MAX_SHOWN_CHARS`]; the JSON output has it whole.

use crate::findings::{PairFinding, PairKind, Passage, ScanReport};
use crate::DocId;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// Longest passage text shown, in characters.
pub const MAX_SHOWN_CHARS: usize = 160;

/// Colours for the parts of the report; all plain when colour is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct Palette {
    pub(crate) path: Style,
    pub(crate) heading: Style,
    pub(crate) number: Style,
    pub(crate) text: Style,
    pub(crate) dim: Style,
}

impl Palette {
    /// Colours in the spirit of ripgrep: magenta paths, green line numbers, red matched text.
    pub fn colored() -> Self {
        Palette {
            path: AnsiColor::Magenta.on_default(),
            heading: Style::new().bold(),
            number: AnsiColor::Green.on_default(),
            text: AnsiColor::Red.on_default().bold(),
            dim: Style::new().dimmed(),
        }
    }

    /// No colour at all.
    pub fn plain() -> Self {
        Palette::default()
    }
}

pub(crate) fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// Writes the report for a person.
pub fn write(report: &ScanReport, palette: Palette, out: &mut dyn Write) -> io::Result<()> {
    let printer = Printer { report, palette };
    for quote in &report.quotes {
        printer.quote(quote, out)?;
    }
    let mut near: Vec<&PairFinding> = report
        .pairs
        .iter()
        .filter(|p| p.kind == PairKind::NearDuplicate)
        .collect();
    near.sort_by(|x, y| {
        y.jaccard
            .total_cmp(&x.jaccard)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut overlap: Vec<&PairFinding> = report
        .pairs
        .iter()
        .filter(|p| p.kind == PairKind::Overlap)
        .collect();
    overlap.sort_by_key(|p| {
        (
            std::cmp::Reverse(p.passages.iter().map(|s| s.words).sum::<u32>()),
            p.a,
            p.b,
        )
    });
    for pair in near.into_iter().chain(overlap) {
        printer.pair(pair, out)?;
    }
    for cluster in &report.clusters {
        printer.cluster(cluster, out)?;
    }
    writeln!(out, "{}", summary_line(report))
}

struct Printer<'a> {
    report: &'a ScanReport,
    palette: Palette,
}

impl Printer<'_> {
    fn path(&self, doc: DocId) -> String {
        paint(self.palette.path, &self.report.path(doc))
    }

    fn quote(&self, quote: &crate::findings::QuoteFinding, out: &mut dyn Write) -> io::Result<()> {
        let docs = {
            let mut d: Vec<DocId> = quote.occurrences.iter().map(|o| o.doc).collect();
            d.dedup();
            d.len()
        };
        writeln!(
            out,
            "{} \"{}\"  {}",
            paint(self.palette.heading, "quote"),
            paint(self.palette.text, &one_line(&quote.text)),
            paint(
                self.palette.dim,
                &format!("({} words, in {docs} documents)", quote.words)
            ),
        )?;
        for o in &quote.occurrences {
            writeln!(
                out,
                "  {}  line {}, bytes {}..{}",
                self.path(o.doc),
                paint(self.palette.number, &o.at.line.to_string()),
                o.at.start,
                o.at.end,
            )?;
        }
        writeln!(out)
    }

    fn pair(&self, pair: &PairFinding, out: &mut dyn Write) -> io::Result<()> {
        let label = match pair.kind {
            PairKind::NearDuplicate => "near-duplicate",
            PairKind::Overlap => "shared passages",
            PairKind::ExactDuplicate => "exact copy",
        };
        writeln!(
            out,
            "{}  {}  {}",
            paint(self.palette.heading, label),
            self.path(pair.a),
            self.path(pair.b)
        )?;
        writeln!(
            out,
            "  jaccard {} {}, containment {} and {}",
            paint(self.palette.number, &format!("{:.3}", pair.jaccard)),
            paint(
                self.palette.dim,
                &format!("(estimate {:.3})", pair.estimate)
            ),
            format_args!("{:.3}", pair.containment_a),
            format_args!("{:.3}", pair.containment_b),
        )?;
        for passage in &pair.passages {
            self.passage(passage, out)?;
        }
        writeln!(out)
    }

    fn passage(&self, p: &Passage, out: &mut dyn Write) -> io::Result<()> {
        write_passage(self.palette, p, out)
    }

    fn cluster(&self, cluster: &crate::cluster::Cluster, out: &mut dyn Write) -> io::Result<()> {
        let keep = &self.report.documents[cluster.keep.index()];
        writeln!(
            out,
            "{}  {} documents, keep {}",
            paint(self.palette.heading, "cluster"),
            paint(self.palette.number, &cluster.members.len().to_string()),
            self.path(cluster.keep),
        )?;
        for &member in &cluster.members {
            let info = &self.report.documents[member.index()];
            let note = if member == cluster.keep {
                "keep"
            } else if info.content_hash == keep.content_hash {
                "exact copy"
            } else {
                "near-duplicate"
            };
            writeln!(
                out,
                "  {}  {}",
                self.path(member),
                paint(self.palette.dim, note)
            )?;
        }
        writeln!(out)
    }
}

/// Writes one passage: where it is in both documents, its size, and its text on one line.
pub(crate) fn write_passage(palette: Palette, p: &Passage, out: &mut dyn Write) -> io::Result<()> {
    let quoted = if p.quoted { ", quoted" } else { "" };
    let place = |l: &crate::findings::Location| {
        format!(
            "line {}, bytes {}..{}",
            paint(palette.number, &l.line.to_string()),
            l.start,
            l.end
        )
    };
    writeln!(
        out,
        "  {} ~ {}  {}",
        place(&p.a),
        place(&p.b),
        paint(palette.dim, &format!("({} words{quoted})", p.words)),
    )?;
    writeln!(out, "    {}", paint(palette.text, &one_line(&p.text)))
}

/// Text on one line (whitespace runs become one space), cut at [`MAX_SHOWN_CHARS`]. Control
/// characters become U+FFFD: text from a file must not drive the terminal (an escape sequence
/// between two words of a passage could clear the screen or recolour the report).
pub(crate) fn one_line(text: &str) -> String {
    let joined = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(char::is_control, "\u{FFFD}");
    match joined.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// One line with the counts, e.g. `5 documents (26.9 KB): 2 shared quotes, 3 pairs with shared
/// passages in 4 ms`.
pub fn summary_line(report: &ScanReport) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    let mut add = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            });
        }
    };
    add(report.quotes.len(), "shared quote", "shared quotes");
    add(
        s.near_duplicate_pairs,
        "near-duplicate pair",
        "near-duplicate pairs",
    );
    add(
        s.overlap_pairs,
        "pair with shared passages",
        "pairs with shared passages",
    );
    add(s.exact_duplicates, "exact copy", "exact copies");
    add(report.clusters.len(), "cluster", "clusters");
    add(s.empty, "empty document", "empty documents");
    add(
        s.boilerplate_fingerprints,
        "boilerplate fingerprint ignored",
        "boilerplate fingerprints ignored",
    );
    add(s.skipped, "skipped", "skipped"); // files or JSON Lines records
    add(s.errors, "error", "errors");
    let found = if parts.is_empty() {
        "nothing found".to_string()
    } else {
        parts.join(", ")
    };
    let docs = if s.docs == 1 {
        "1 document".to_string()
    } else {
        format!("{} documents", s.docs)
    };
    format!(
        "{docs} ({}): {found} in {} ms",
        human_bytes(s.bytes),
        s.elapsed.as_millis()
    )
}

/// Bytes in the largest unit that keeps the number above 1 (KB = 1000 bytes).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_readable() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(26_864), "26.9 KB");
        assert_eq!(human_bytes(376_000_000), "376.0 MB");
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let long = "é ".repeat(200);
        let shown = one_line(&long);
        assert!(shown.ends_with('…'));
        assert_eq!(shown.chars().count(), MAX_SHOWN_CHARS + 1);
        assert_eq!(one_line("a\n\n  b"), "a b");
    }
}
