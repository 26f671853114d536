//! `--format html`: one self-contained page (no network access needed) with the summary, the
//! shared quotes, the pairs sorted by similarity, and for each pair a side-by-side view of both
//! documents with the shared passages highlighted in the same colour on both sides and linked to
//! each other. Every piece of document text is escaped, so a document holding `<script>` shows as
//! text and never runs.
//!
//! The writer does not read files: the caller hands it a function that returns a document's bytes.

use crate::findings::{PairFinding, PairKind, Passage, QuoteFinding, ScanReport};
use crate::report::human::{measures, summary_line, Palette};
use crate::DocId;
use std::io::{self, Write};

/// Side-by-side views are written for this many pairs at most (the most similar first); the rest
/// are listed in the table. A cluster of 1,000 near-duplicates would otherwise be half a million
/// views.
pub const MAX_SIDE_BY_SIDE: usize = 200;

/// Highlight colours, cycled over the passages of a pair.
const COLOURS: usize = 8;

const STYLE: &str = "
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:1em 2em;color:#222}
h1{margin:.2em 0}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
.summary{color:#555}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .6em;border-bottom:1px solid #eee}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.quote blockquote{margin:.5em 0;padding:.3em 1em;border-left:4px solid #c9a227;background:#fdf8e8;font-size:1.1em}
.pair{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:1.5em 0}
.side-by-side{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.doc{min-width:0}.doc h4{margin:.3em 0;font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
.doc pre{white-space:pre-wrap;word-wrap:break-word;font:13px/1.45 ui-monospace,monospace;background:#fafafa;border:1px solid #eee;padding:.6em}
a.passage{color:inherit;text-decoration:none;border-radius:2px}a.passage:target{outline:2px solid #000}
.c0{background:#ffe08a}.c1{background:#a8e6cf}.c2{background:#ffc3a0}.c3{background:#b5d0ff}
.c4{background:#e2b6ff}.c5{background:#c6f0a0}.c6{background:#ffb3c6}.c7{background:#9ee7f0}
.kind{font-weight:600}.muted{color:#777}
";

/// Writes the report as one HTML page. `text_of` returns a document's original bytes.
pub fn write(
    report: &ScanReport,
    text_of: &dyn Fn(DocId) -> Option<Vec<u8>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>dedup report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )?;
    writeln!(
        out,
        "<h1>dedup report</h1>\n<p class=\"summary\">{}</p>",
        escape(&summary_line(report, 0))
    )?;
    quotes(report, out)?;
    let pairs = sorted_pairs(report);
    pair_table(report, &pairs, out)?;
    for (n, pair) in pairs.iter().enumerate().take(MAX_SIDE_BY_SIDE) {
        side_by_side(report, n, pair, text_of, out)?;
    }
    clusters(report, out)?;
    writeln!(out, "</body>\n</html>")
}

/// The documents whose text the page shows side by side: what `text_of` will be asked for.
pub fn documents_shown(report: &ScanReport) -> Vec<DocId> {
    let mut docs: Vec<DocId> = sorted_pairs(report)
        .into_iter()
        .take(MAX_SIDE_BY_SIDE)
        .filter(|p| p.kind != PairKind::ExactDuplicate)
        .flat_map(|p| [p.a, p.b])
        .collect();
    docs.sort_unstable();
    docs.dedup();
    docs
}

/// Pairs by similarity: near-duplicates by Jaccard, then overlaps by shared words, then exact.
fn sorted_pairs(report: &ScanReport) -> Vec<&PairFinding> {
    let mut pairs: Vec<&PairFinding> = report.pairs.iter().collect();
    let rank = |p: &PairFinding| match p.kind {
        PairKind::NearDuplicate => 0,
        PairKind::Overlap => 1,
        PairKind::ExactDuplicate => 2,
    };
    let shared = |p: &PairFinding| p.passages.iter().map(|s| s.words).sum::<u32>();
    pairs.sort_by(|x, y| {
        rank(x)
            .cmp(&rank(y))
            .then(y.jaccard.total_cmp(&x.jaccard))
            .then(shared(y).cmp(&shared(x)))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    pairs
}

fn quotes(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    if report.quotes.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"quotes\">\n<h2>Shared quotes</h2>")?;
    for quote in &report.quotes {
        quote_block(report, quote, out)?;
    }
    writeln!(out, "</section>")
}

fn quote_block(report: &ScanReport, quote: &QuoteFinding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<div class=\"quote\">\n<blockquote>{}</blockquote>\n<ul>",
        escape(&quote.text)
    )?;
    for o in &quote.occurrences {
        writeln!(
            out,
            "<li><code>{}</code> <span class=\"muted\">line {}, bytes {}..{}</span></li>",
            escape(&report.path(o.doc)),
            o.at.line,
            o.at.start,
            o.at.end
        )?;
    }
    writeln!(out, "</ul>\n</div>")
}

fn pair_table(report: &ScanReport, pairs: &[&PairFinding], out: &mut dyn Write) -> io::Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"pairs\">\n<h2>Pairs</h2>")?;
    if pairs.len() > MAX_SIDE_BY_SIDE {
        writeln!(
            out,
            "<p class=\"muted\">Side-by-side views for the first {MAX_SIDE_BY_SIDE} of {} pairs; the JSON Lines output has them all.</p>",
            pairs.len()
        )?;
    }
    writeln!(out, "<table>\n<tr><th>kind</th><th>jaccard</th><th>passages</th><th>document A</th><th>document B</th></tr>")?;
    for (n, pair) in pairs.iter().enumerate() {
        let link = |text: String| {
            if n < MAX_SIDE_BY_SIDE {
                format!("<a href=\"#pair-{n}\">{text}</a>")
            } else {
                text
            }
        };
        writeln!(
            out,
            "<tr><td class=\"kind\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            link(pair.kind.as_str().replace('_', "-")),
            pair.jaccard,
            pair.passages.len(),
            escape(&report.path(pair.a)),
            escape(&report.path(pair.b)),
        )?;
    }
    writeln!(out, "</table>\n</section>")
}

fn side_by_side(
    report: &ScanReport,
    n: usize,
    pair: &PairFinding,
    text_of: &dyn Fn(DocId) -> Option<Vec<u8>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "<article class=\"pair\" id=\"pair-{n}\">\n<h3><span class=\"kind\">{}</span> <span class=\"muted\">{}, {} passages</span></h3>",
        pair.kind.as_str().replace('_', "-"),
        measures(
            Palette::plain(),
            pair.kind,
            pair.jaccard,
            pair.estimate,
            [pair.containment_a, pair.containment_b]
        ),
        pair.passages.len()
    )?;
    if pair.kind == PairKind::ExactDuplicate {
        writeln!(
            out,
            "<p><code>{}</code> and <code>{}</code> have the same normalised text.</p>\n</article>",
            escape(&report.path(pair.a)),
            escape(&report.path(pair.b))
        )?;
        return Ok(());
    }
    writeln!(out, "<div class=\"side-by-side\">")?;
    for side in [Side::A, Side::B] {
        let doc = side.doc(pair);
        writeln!(
            out,
            "<div class=\"doc doc-{}\">\n<h4>{}</h4>",
            side.name(),
            escape(&report.path(doc))
        )?;
        match text_of(doc) {
            Some(bytes) => highlighted(&bytes, n, &pair.passages, side, out)?,
            None => writeln!(
                out,
                "<p class=\"muted\">(the document could not be read again)</p>"
            )?,
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</div>\n</article>")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    A,
    B,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
        }
    }

    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    fn doc(self, pair: &PairFinding) -> DocId {
        match self {
            Side::A => pair.a,
            Side::B => pair.b,
        }
    }

    fn span(self, p: &Passage) -> (usize, usize) {
        let at = match self {
            Side::A => p.a,
            Side::B => p.b,
        };
        (at.start as usize, at.end as usize)
    }
}

/// Bytes of context kept around each passage; longer stretches between passages are elided.
const CONTEXT_BYTES: usize = 400;

/// Writes a document's text with the pair's passages wrapped in links to their twins. Only the
/// passages and [`CONTEXT_BYTES`] around them are shown; what lies between is elided with a note,
/// so a short quote in a long article is on screen at once.
fn highlighted(
    bytes: &[u8],
    pair: usize,
    passages: &[Passage],
    side: Side,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut order: Vec<usize> = (0..passages.len()).collect();
    order.sort_by_key(|&i| side.span(&passages[i]));
    write!(out, "<pre>")?;
    let mut at = 0;
    for i in order {
        let (start, end) = side.span(&passages[i]);
        let (start, end) = (start.min(bytes.len()).max(at), end.min(bytes.len()));
        if start >= end {
            continue;
        }
        context(bytes, at, start, at == 0, false, out)?;
        write!(
            out,
            "<a class=\"passage c{}\" id=\"pair-{pair}-{}-{i}\" href=\"#pair-{pair}-{}-{i}\" title=\"passage {} ({} words{})\">{}</a>",
            i % COLOURS,
            side.name(),
            side.other().name(),
            i + 1,
            passages[i].words,
            if passages[i].quoted { ", quoted" } else { "" },
            escape(&text(&bytes[start..end]))
        )?;
        at = end;
    }
    context(bytes, at, bytes.len(), at == 0, true, out)?;
    writeln!(out, "</pre>")
}

/// Writes `bytes[from..to]`, eliding its middle when it is longer than two contexts. The start of
/// the document only keeps its end, the end of the document only keeps its start.
fn context(
    bytes: &[u8],
    from: usize,
    to: usize,
    at_start: bool,
    at_end: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let keep_head = if at_start { 0 } else { CONTEXT_BYTES };
    let keep_tail = if at_end { 0 } else { CONTEXT_BYTES };
    if to - from <= keep_head + keep_tail + 80 {
        return write!(out, "{}", escape(&text(&bytes[from..to])));
    }
    let head_end = word_boundary(bytes, from + keep_head, to);
    let tail_start = word_boundary(bytes, to - keep_tail, to).max(head_end);
    let lines = bytes[head_end..tail_start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    write!(out, "{}", escape(&text(&bytes[from..head_end])))?;
    write!(
        out,
        "<span class=\"muted\">[… {} bytes, {lines} lines …]</span>",
        tail_start - head_end
    )?;
    write!(out, "{}", escape(&text(&bytes[tail_start..to])))
}

/// The first whitespace at or after `at` (before `limit`), so an elision never cuts a word.
fn word_boundary(bytes: &[u8], at: usize, limit: usize) -> usize {
    bytes[at..limit]
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .map_or(limit, |i| at + i)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn clusters(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    if report.clusters.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"clusters\">\n<h2>Clusters</h2>")?;
    for cluster in &report.clusters {
        writeln!(
            out,
            "<p>{} documents, keep <code>{}</code></p>\n<ul>",
            cluster.members.len(),
            escape(&report.path(cluster.keep))
        )?;
        for &member in &cluster.members {
            let note = if member == cluster.keep {
                " <span class=\"muted\">keep</span>"
            } else {
                ""
            };
            writeln!(
                out,
                "<li><code>{}</code>{note}</li>",
                escape(&report.path(member))
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
