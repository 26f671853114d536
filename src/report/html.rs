//! `--format html`: one self-contained page (no network access needed) with the summary, the
//! shared texts (widest reuse first, each with its documents and a link to a side-by-side view of
//! its first two), the shared quotes, the pairs sorted by similarity, and side-by-side views of
//! two documents with everything they share (passages and quotes) highlighted in the same colour
//! on both sides and linked to each other. The page is bounded whatever the corpus: at most
//! [`MAX_GROUPS_SHOWN`] shared texts and quotes, [`MAX_SIDE_BY_SIDE`] views, and
//! [`MAX_PLACES_SHOWN`] places a text (the rest folded); it says where the JSON Lines have the rest. Every piece of document text is escaped, so a document holding `<script>` shows as
//! text and never runs.
//!
//! The writer does not read files: the caller hands it a function that returns a document's bytes.

use crate::findings::{Location, PairFinding, PairKind, Passage, QuoteFinding, ScanReport};
use crate::report::human::{measures, reading_order, summary_line, Palette};
use crate::DocId;
use std::io::{self, Write};

/// Side-by-side views are written for this many pairs at most (the most similar first); the rest
/// are listed in the table. A cluster of 1,000 near-duplicates would otherwise be half a million
/// views.
pub const MAX_SIDE_BY_SIDE: usize = 200;

/// Shared texts listed (the widest reuse first), and quotes; the rest are in the JSON Lines.
pub const MAX_GROUPS_SHOWN: usize = 500;

/// Places listed under a shared text before the rest are folded.
pub const MAX_PLACES_SHOWN: usize = 10;

/// Places listed at all under one shared text (in the folded part too).
pub const MAX_PLACES_LISTED: usize = 200;

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
    let views = views(report);
    groups(report, &views, out)?;
    quotes(report, out)?;
    let pairs = sorted_pairs(report);
    pair_table(report, &pairs, views.pair_views, out)?;
    for (n, view) in views.pairs.iter().enumerate() {
        side_by_side(report, n, view, text_of, out)?;
    }
    clusters(report, out)?;
    writeln!(out, "</body>\n</html>")
}

/// The side-by-side views of the page: the pairs (most similar first), then for shared texts not
/// in a shown pair, their first two documents, at most [`MAX_SIDE_BY_SIDE`] in all; and for each
/// shared text, the view that shows it.
struct Views {
    pairs: Vec<PairFinding>,
    of_group: Vec<Option<usize>>,
    /// How many of `pairs` are reported pairs (the rest were made for shared texts).
    pair_views: usize,
}

fn views(report: &ScanReport) -> Views {
    // Half the views for pairs when there is shared text to show too.
    let for_pairs = if report.groups.is_empty() {
        MAX_SIDE_BY_SIDE
    } else {
        MAX_SIDE_BY_SIDE / 2
    };
    let mut pairs: Vec<PairFinding> = sorted_pairs(report)
        .into_iter()
        .take(for_pairs)
        .cloned()
        .collect();
    let pair_views = pairs.len();
    let mut of_group = vec![None; report.groups.len()];
    let shown =
        |pairs: &[PairFinding], a: DocId, b: DocId| pairs.iter().position(|p| (p.a, p.b) == (a, b));
    for g in reading_order(&report.groups)
        .into_iter()
        .take(MAX_GROUPS_SHOWN)
    {
        let mut docs = report.groups[g].occurrences.iter().map(|o| o.doc);
        let (Some(a), Some(b)) = (
            docs.next(),
            docs.find(|&d| d != report.groups[g].occurrences[0].doc),
        ) else {
            continue;
        };
        of_group[g] = match shown(&pairs, a, b) {
            Some(n) => Some(n),
            None if pairs.len() < MAX_SIDE_BY_SIDE => {
                pairs.push(shared_view(report, a, b));
                Some(pairs.len() - 1)
            }
            None => None,
        };
    }
    Views {
        pairs,
        of_group,
        pair_views,
    }
}

/// Two documents with everything they share: the first occurrence in each of every shared text
/// and quote holding both, nested ones left out.
fn shared_view(report: &ScanReport, a: DocId, b: DocId) -> PairFinding {
    let mut passages: Vec<Passage> = Vec::new();
    let first_in = |places: &mut dyn Iterator<Item = (DocId, Location)>| {
        let (mut in_a, mut in_b) = (None, None);
        for (doc, at) in places {
            if doc == a && in_a.is_none() {
                in_a = Some(at);
            }
            if doc == b && in_b.is_none() {
                in_b = Some(at);
            }
        }
        in_a.zip(in_b)
    };
    for (id, group) in report.groups.iter().enumerate() {
        if let Some((pa, pb)) = first_in(&mut group.occurrences.iter().map(|o| (o.doc, o.at))) {
            passages.push(Passage {
                a: pa,
                b: pb,
                words: group.words,
                quoted: group.quoted,
                text: group.text.clone(),
                group: Some(id),
            });
        }
    }
    for quote in &report.quotes {
        if let Some((pa, pb)) = first_in(&mut quote.occurrences.iter().map(|o| (o.doc, o.at))) {
            passages.push(Passage {
                a: pa,
                b: pb,
                words: quote.words as u32,
                quoted: true,
                text: quote.text.clone(),
                group: None,
            });
        }
    }
    passages.sort_by_key(|p| (p.a.start, std::cmp::Reverse(p.a.end)));
    let mut kept: Vec<Passage> = Vec::new();
    for p in passages {
        if !kept
            .iter()
            .any(|k| k.a.start <= p.a.start && p.a.end <= k.a.end)
        {
            kept.push(p);
        }
    }
    PairFinding {
        a,
        b,
        kind: PairKind::Overlap,
        jaccard: f64::NAN,
        estimate: f64::NAN,
        containment_a: f64::NAN,
        containment_b: f64::NAN,
        passages: kept,
    }
}

/// The documents whose text the page shows side by side: what `text_of` will be asked for.
pub fn documents_shown(report: &ScanReport) -> Vec<DocId> {
    let mut docs: Vec<DocId> = views(report)
        .pairs
        .iter()
        .filter(|p| p.kind != PairKind::ExactDuplicate)
        .flat_map(|p| [p.a, p.b])
        .collect();
    docs.sort_unstable();
    docs.dedup();
    docs
}

/// The shared texts in reading order: each text once, its size and documents, where it occurs
/// (the first [`MAX_PLACES_SHOWN`] places, the rest folded), and a link to a view showing it.
/// Boilerplate comes last, folded, one line each.
fn groups(report: &ScanReport, views: &Views, out: &mut dyn Write) -> io::Result<()> {
    if report.groups.is_empty() {
        return Ok(());
    }
    let order = reading_order(&report.groups);
    let (boilerplate, shared): (Vec<usize>, Vec<usize>) = order
        .into_iter()
        .partition(|&g| report.groups[g].boilerplate);
    writeln!(out, "<section id=\"shared\">\n<h2>Shared text</h2>")?;
    if shared.len() > MAX_GROUPS_SHOWN {
        writeln!(
            out,
            "<p class=\"muted\">The {MAX_GROUPS_SHOWN} most widely shared of {} texts (documents × words); the JSON Lines output (<code>--format jsonl</code>) has them all.</p>",
            shared.len()
        )?;
    }
    for &g in shared.iter().take(MAX_GROUPS_SHOWN) {
        let group = &report.groups[g];
        let view = match views.of_group[g] {
            Some(n) => format!(" <a href=\"#pair-{n}\">side by side</a>"),
            None => String::new(),
        };
        writeln!(
            out,
            "<div class=\"quote group\" id=\"shared-{g}\">\n<blockquote>{}</blockquote>\n<p class=\"muted\">#{g}: {} words, in {} documents{}{view}</p>\n<ul>",
            escape(&group.text),
            group.words,
            group.docs,
            if group.quoted { ", quoted" } else { "" },
        )?;
        let place = |o: &crate::findings::GroupOccurrenceAt| {
            format!(
                "<li><code>{}</code> <span class=\"muted\">line {}, bytes {}..{}</span></li>",
                escape(&report.path(o.doc)),
                o.at.line,
                o.at.start,
                o.at.end
            )
        };
        for o in group.occurrences.iter().take(MAX_PLACES_SHOWN) {
            writeln!(out, "{}", place(o))?;
        }
        writeln!(out, "</ul>")?;
        let more = group.occurrences.len().saturating_sub(MAX_PLACES_SHOWN);
        if more > 0 {
            writeln!(out, "<details><summary>{more} more places</summary><ul>")?;
            for o in group
                .occurrences
                .iter()
                .skip(MAX_PLACES_SHOWN)
                .take(MAX_PLACES_LISTED - MAX_PLACES_SHOWN)
            {
                writeln!(out, "{}", place(o))?;
            }
            if group.occurrences.len() > MAX_PLACES_LISTED {
                writeln!(
                    out,
                    "<li class=\"muted\">… the JSON Lines output lists all {}</li>",
                    group.occurrences.len()
                )?;
            }
            writeln!(out, "</ul></details>")?;
        }
        writeln!(out, "</div>")?;
    }
    if !boilerplate.is_empty() {
        writeln!(
            out,
            "<details><summary>{} boilerplate texts (in more than <code>--max-df</code> documents; they make no pairs)</summary><ul>",
            boilerplate.len()
        )?;
        for &g in boilerplate.iter().take(MAX_GROUPS_SHOWN) {
            let group = &report.groups[g];
            writeln!(
                out,
                "<li>{} <span class=\"muted\">({} words, in {} documents)</span></li>",
                escape(&crate::report::human::one_line(&group.text)),
                group.words,
                group.docs
            )?;
        }
        writeln!(out, "</ul></details>")?;
    }
    writeln!(out, "</section>")
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
    // The widest reuse first, as for shared text: documents times words.
    let mut order: Vec<&QuoteFinding> = report.quotes.iter().collect();
    let docs = |q: &QuoteFinding| {
        let mut d: Vec<DocId> = q.occurrences.iter().map(|o| o.doc).collect();
        d.dedup();
        d.len()
    };
    order.sort_by_key(|q| std::cmp::Reverse(docs(q) * q.words));
    if order.len() > MAX_GROUPS_SHOWN {
        writeln!(
            out,
            "<p class=\"muted\">The {MAX_GROUPS_SHOWN} most widely shared of {} quotes; the JSON Lines output has them all.</p>",
            order.len()
        )?;
    }
    for quote in order.into_iter().take(MAX_GROUPS_SHOWN) {
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
    for o in quote.occurrences.iter().take(MAX_PLACES_LISTED) {
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

fn pair_table(
    report: &ScanReport,
    pairs: &[&PairFinding],
    linked: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"pairs\">\n<h2>Pairs</h2>")?;
    if pairs.len() > linked {
        writeln!(
            out,
            "<p class=\"muted\">Side-by-side views for the first {linked} of {} pairs; the JSON Lines output has them all.</p>",
            pairs.len()
        )?;
    }
    writeln!(out, "<table>\n<tr><th>kind</th><th>jaccard</th><th>passages</th><th>document A</th><th>document B</th></tr>")?;
    for (n, pair) in pairs.iter().enumerate() {
        let link = |text: String| {
            if n < linked {
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
    // A view made for a shared text (no pair was reported) has no measures.
    let heading = if pair.jaccard.is_nan() {
        format!(
            "<span class=\"kind\">shared text</span> <span class=\"muted\">{} passages and quotes</span>",
            pair.passages.len()
        )
    } else {
        format!(
            "<span class=\"kind\">{}</span> <span class=\"muted\">{}, {} passages</span>",
            pair.kind.as_str().replace('_', "-"),
            measures(
                Palette::plain(),
                pair.kind,
                pair.jaccard,
                pair.estimate,
                [pair.containment_a, pair.containment_b]
            ),
            pair.passages.len()
        )
    };
    writeln!(
        out,
        "<article class=\"pair\" id=\"pair-{n}\">\n<h3>{heading}</h3>"
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
