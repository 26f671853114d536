//! `--format human`: a readable report, like ripgrep's, coloured only when asked to (the CLI
//! asks when stdout is a terminal).
//!
//! Near-duplicate pairs come first, most similar first, then clusters with the member to keep,
//! then one summary line. Exact copies are shown inside their cluster, not as pairs, so 10,000
//! copies of one file are one block of output.

use crate::scan::{PairKind, ScanReport};
use crate::DocId;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// Colours for the parts of the report; all plain when colour is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct Palette {
    path: Style,
    heading: Style,
    number: Style,
    dim: Style,
}

impl Palette {
    /// Colours in the spirit of ripgrep: magenta paths, green numbers.
    pub fn colored() -> Self {
        Palette {
            path: AnsiColor::Magenta.on_default(),
            heading: Style::new().bold(),
            number: AnsiColor::Green.on_default(),
            dim: Style::new().dimmed(),
        }
    }

    /// No colour at all.
    pub fn plain() -> Self {
        Palette::default()
    }
}

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// Writes the report for a person.
pub fn write(report: &ScanReport, palette: Palette, out: &mut dyn Write) -> io::Result<()> {
    let path = |d: DocId| paint(palette.path, &report.path(d));
    let mut near: Vec<_> = report
        .pairs
        .iter()
        .filter(|p| p.kind == PairKind::NearDuplicate)
        .collect();
    near.sort_by(|x, y| {
        y.jaccard
            .total_cmp(&x.jaccard)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    for pair in near {
        writeln!(
            out,
            "{}  jaccard {}  {}",
            paint(palette.heading, "near-duplicate"),
            paint(palette.number, &format!("{:.3}", pair.jaccard)),
            paint(palette.dim, &format!("(estimate {:.3})", pair.estimate)),
        )?;
        writeln!(out, "  {}", path(pair.a))?;
        writeln!(out, "  {}", path(pair.b))?;
        writeln!(out)?;
    }
    for cluster in &report.clusters {
        let keep = &report.documents[cluster.keep.index()];
        writeln!(
            out,
            "{}  {} documents, keep {}",
            paint(palette.heading, "cluster"),
            paint(palette.number, &cluster.members.len().to_string()),
            path(cluster.keep),
        )?;
        for &member in &cluster.members {
            let info = &report.documents[member.index()];
            let note = if member == cluster.keep {
                "keep".to_string()
            } else if info.content_hash == keep.content_hash {
                "exact copy".to_string()
            } else {
                "near-duplicate".to_string()
            };
            writeln!(out, "  {}  {}", path(member), paint(palette.dim, &note))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(report))
}

/// One line with the counts, e.g. `5 documents (26.9 KB): 1 near-duplicate pair, 1 cluster`.
pub fn summary_line(report: &ScanReport) -> String {
    let s = &report.summary;
    let mut parts = vec![
        plural(s.near_duplicate_pairs, "near-duplicate pair"),
        plural(s.exact_duplicates, "exact copy"),
        plural(report.clusters.len(), "cluster"),
    ];
    if s.empty > 0 {
        parts.push(format!("{} empty", s.empty));
    }
    if s.skipped > 0 {
        parts.push(format!("{} skipped", s.skipped));
    }
    if s.errors > 0 {
        parts.push(plural(s.errors, "error"));
    }
    format!(
        "{} ({}): {} in {} ms",
        plural(s.docs, "document"),
        human_bytes(s.bytes),
        parts.join(", "),
        s.elapsed.as_millis()
    )
}

fn plural(n: usize, noun: &str) -> String {
    match (n, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "exact copy") => format!("{n} exact copies"),
        _ => format!("{n} {noun}s"),
    }
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
    fn plurals() {
        assert_eq!(plural(1, "exact copy"), "1 exact copy");
        assert_eq!(plural(2, "exact copy"), "2 exact copies");
        assert_eq!(plural(0, "cluster"), "0 clusters");
    }
}
