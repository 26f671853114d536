//! `--format human`: a readable report, like ripgrep's, coloured only when asked to (the CLI
//! asks when stdout is a terminal).
//!
//! Order: shared text first, each text once with where it occurs (the widest reuse first:
//! documents times words; boilerplate, text in more than `--max-df` documents, folded to one line
//! each after the rest; at most [`MAX_SHOWN_OCCURRENCES`] places a text, the JSON Lines have
//! them all; under an edited or partial copy, its own text from a few words before its first
//! change, when the caller reads it), then shared quotes (what a newsroom looks for), then
//! near-duplicate pairs (most similar first), then pairs whose shared text covers `--min-containment` of one of them (most
//! shared words first; each passage names its shared text), then clusters with the member to
//! keep, then one summary line. Exact copies are shown inside their cluster, not as
//! pairs, so 10,000 copies of one file are one block of output. A pair whose only passages lie
//! in occurrences of one quote listed above (and neither of whose documents is mostly in the
//! other) is counted on the summary line, not shown again: the quote's block already names both
//! documents and where. Passage text is shown on one line and cut at [`MAX_SHOWN_CHARS`], its
//! size as matched words ("8 of 13 words" when merged across edits); the JSON output has the
//! text whole, and every pair.

use crate::findings::{
    GroupFinding, Location, PairFinding, PairKind, Passage, QuoteFinding, ScanReport,
};
use crate::DocId;
use anstyle::{AnsiColor, Style};
use std::collections::HashMap;
use std::io::{self, Write};

/// Longest passage text shown, in characters.
pub const MAX_SHOWN_CHARS: usize = 160;

/// Places listed under one shared text; the rest are counted.
pub const MAX_SHOWN_OCCURRENCES: usize = 10;

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
    write_with_copies(report, palette, &|_| None, out)
}

/// The line [`write_with_copies`] shows under an edited or partial copy of a shared text, at a
/// place [`copies_shown`] lists: [`copy_line`] of the copy's text, read again by the caller.
/// `None` shows nothing (the copy reads as the text, or its file could not be read again). A copy
/// is asked for by text, document and place together: nested texts can have copies that start
/// at the same byte, or even span the same bytes, of one document.
pub type CopyText<'a> = dyn Fn(&CopyShown) -> Option<String> + 'a;

/// [`write`], with each edited or partial copy of a shared text shown under its place as it
/// reads there (`copy_text`). A shared text is named by the words its copies have in common; a
/// reader also wants to see what an edited copy added, or where a partial one stops.
pub fn write_with_copies(
    report: &ScanReport,
    palette: Palette,
    copy_text: &CopyText<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let printer = Printer {
        report,
        palette,
        copy_text,
    };
    let (boilerplate, shared): (Vec<usize>, Vec<usize>) = reading_order(&report.groups)
        .into_iter()
        .partition(|&g| report.groups[g].boilerplate);
    for g in shared {
        printer.group(g, out)?;
    }
    if !boilerplate.is_empty() {
        for g in boilerplate {
            printer.boilerplate(g, out)?;
        }
        writeln!(out)?;
    }
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
    let quoted = QuoteSpans::of(&report.quotes);
    let (mut overlap, only_quotes): (Vec<&PairFinding>, Vec<&PairFinding>) = report
        .pairs
        .iter()
        .filter(|p| p.kind == PairKind::Overlap)
        .partition(|p| !quoted.hold_all_of(p));
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
    writeln!(out, "{}", summary_line(report, only_quotes.len()))
}

/// An edited or partial copy of a shared text that the report shows: the index of the text in
/// `ScanReport::groups`, and where the copy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyShown {
    /// The shared text (an index into the report's groups).
    pub group: usize,
    /// The document holding the copy.
    pub doc: DocId,
    /// Where the copy is.
    pub at: Location,
}

/// The places of shared texts this report shows whose copy spans more or fewer words than the
/// text has in common (an edited or a partial copy): those [`write_with_copies`] asks about.
pub fn copies_shown(report: &ScanReport) -> Vec<CopyShown> {
    (report.groups.iter().enumerate())
        .filter(|(_, g)| !g.boilerplate)
        .flat_map(|(group, g)| {
            (g.occurrences.iter().take(MAX_SHOWN_OCCURRENCES))
                .filter(move |o| o.words != g.words)
                .map(move |o| CopyShown {
                    group,
                    doc: o.doc,
                    at: o.at,
                })
        })
        .collect()
}

/// Group indices in the order a reader wants them: the widest reuse first (documents times
/// words), then by first occurrence.
pub fn reading_order(groups: &[GroupFinding]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| {
        (
            std::cmp::Reverse(groups[g].docs as u64 * u64::from(groups[g].words)),
            g,
        )
    });
    order
}

/// A pair is folded into a quote block only when neither document has this share of its
/// shingles in the other: a document that is mostly the quote is worth showing as a pair.
const FOLD_BELOW_CONTAINMENT: f64 = 0.5;

/// Where the reported quotes occur, by document: to tell the pairs that share nothing else.
struct QuoteSpans<'a>(HashMap<DocId, DocQuotes<'a>>);

/// The quote occurrences of one document: `(quote, where)` by start, and the longest's length.
#[derive(Default)]
struct DocQuotes<'a> {
    by_start: Vec<(usize, &'a Location)>,
    longest: u32,
}

impl<'a> QuoteSpans<'a> {
    fn of(quotes: &'a [QuoteFinding]) -> Self {
        let mut by_doc: HashMap<DocId, DocQuotes<'a>> = HashMap::new();
        for (quote, finding) in quotes.iter().enumerate() {
            for o in &finding.occurrences {
                let doc = by_doc.entry(o.doc).or_default();
                doc.by_start.push((quote, &o.at));
                doc.longest = doc.longest.max(o.at.end - o.at.start);
            }
        }
        for doc in by_doc.values_mut() {
            doc.by_start.sort_by_key(|(_, at)| at.start);
        }
        QuoteSpans(by_doc)
    }

    /// The quotes with an occurrence in `doc` holding the span `at`: only those starting at most
    /// the longest occurrence's length before its end are looked at, so a document quoting the
    /// same words ten thousand times costs a few comparisons a passage, not ten thousand.
    fn holding(&self, doc: DocId, at: &Location) -> Vec<usize> {
        let Some(quotes) = self.0.get(&doc) else {
            return Vec::new();
        };
        let started = quotes
            .by_start
            .partition_point(|(_, o)| o.start <= at.start);
        let earliest = at.end.saturating_sub(quotes.longest);
        quotes.by_start[..started]
            .iter()
            .rev()
            .take_while(|(_, o)| o.start >= earliest)
            .filter(|(_, o)| at.end <= o.end)
            .map(|&(quote, _)| quote)
            .collect()
    }

    /// True for a pair of documents sharing passages (not near-duplicates) whose every passage
    /// lies, in both documents, inside occurrences of one and the same reported quote, and
    /// neither of which is mostly in the other: the quote's block already shows all it shares.
    /// Two different shared quotes make a pair worth showing.
    fn hold_all_of(&self, pair: &PairFinding) -> bool {
        if pair.kind != PairKind::Overlap
            || pair.passages.is_empty()
            || pair.containment_a.max(pair.containment_b) >= FOLD_BELOW_CONTAINMENT
        {
            return false;
        }
        let mut common: Option<Vec<usize>> = None;
        for p in &pair.passages {
            let in_b = self.holding(pair.b, &p.b);
            let both = self
                .holding(pair.a, &p.a)
                .into_iter()
                .filter(|q| in_b.contains(q));
            let kept: Vec<usize> = match common {
                None => both.collect(),
                Some(so_far) => both.filter(|q| so_far.contains(q)).collect(),
            };
            if kept.is_empty() {
                return false;
            }
            common = Some(kept);
        }
        true
    }
}

/// The measures of a pair, e.g. `jaccard 0.896 (estimate 0.930), containment 0.945 of the first
/// in the second, 0.945 of the second in the first`. The MinHash estimate of the Jaccard is shown
/// beside near-duplicates only, where it tells how close the signatures came; below the
/// threshold it says nothing the exact figure does not. Containment names its direction, as `|A∩B|/|A|` alone does not say
/// which document is in which.
pub(crate) fn measures(
    palette: Palette,
    kind: PairKind,
    jaccard: f64,
    estimate: f64,
    [first_in_second, second_in_first]: [f64; 2],
) -> String {
    let estimate = if kind == PairKind::NearDuplicate {
        format!(
            " {}",
            paint(palette.dim, &format!("(estimate {estimate:.3})"))
        )
    } else {
        String::new()
    };
    format!(
        "jaccard {}{estimate}, containment {first_in_second:.3} of the first in the second, \
         {second_in_first:.3} of the second in the first",
        paint(palette.number, &format!("{jaccard:.3}")),
    )
}

struct Printer<'a> {
    report: &'a ScanReport,
    palette: Palette,
    copy_text: &'a CopyText<'a>,
}

impl Printer<'_> {
    fn path(&self, doc: DocId) -> String {
        paint_name(self.palette, &self.report.path(doc))
    }

    fn group(&self, g: usize, out: &mut dyn Write) -> io::Result<()> {
        let group = &self.report.groups[g];
        let quoted = if group.quoted { ", quoted" } else { "" };
        writeln!(
            out,
            "{} #{g} \"{}\"  {}",
            paint(self.palette.heading, "shared"),
            paint(self.palette.text, &one_line(&group.text)),
            paint(
                self.palette.dim,
                &format!(
                    "({} words, in {} documents{quoted})",
                    group.words, group.docs
                )
            ),
        )?;
        for o in group.occurrences.iter().take(MAX_SHOWN_OCCURRENCES) {
            // A copy with words added or changed in between spans more words than the group's
            // shared ones, a copy cut short fewer: said, so that "8 words" reads right beside it.
            let edited = (o.words != group.words).then(|| {
                let what = if o.words > group.words {
                    "an edited copy"
                } else {
                    "a partial copy"
                };
                format!(
                    "  {}",
                    paint(
                        self.palette.dim,
                        &format!("({} words here: {what})", o.words)
                    )
                )
            });
            writeln!(
                out,
                "  {}  {}{}",
                self.path(o.doc),
                place(self.palette, &o.at),
                edited.as_deref().unwrap_or_default()
            )?;
            let copy = edited.and_then(|_| {
                (self.copy_text)(&CopyShown {
                    group: g,
                    doc: o.doc,
                    at: o.at,
                })
            });
            if let Some(copy) = copy.map(|line| one_line(&line)) {
                writeln!(
                    out,
                    "      {}",
                    paint(self.palette.dim, &format!("\"{copy}\""))
                )?;
            }
        }
        let more = group
            .occurrences
            .len()
            .saturating_sub(MAX_SHOWN_OCCURRENCES);
        if more > 0 {
            writeln!(
                out,
                "  {}",
                paint(
                    self.palette.dim,
                    &format!("… and {more} more places (all in --format jsonl)")
                )
            )?;
        }
        writeln!(out)
    }

    /// One place a shared text or quote occurs: `  PATH  line N, bytes S..E`.
    fn place(&self, doc: DocId, at: &Location, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "  {}  {}", self.path(doc), place(self.palette, at))
    }

    fn boilerplate(&self, g: usize, out: &mut dyn Write) -> io::Result<()> {
        let group = &self.report.groups[g];
        writeln!(
            out,
            "{} #{g} \"{}\"  {}",
            paint(self.palette.heading, "boilerplate"),
            one_line(&group.text),
            paint(
                self.palette.dim,
                &format!("({} words, in {} documents)", group.words, group.docs)
            ),
        )
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
            self.place(o.doc, &o.at, out)?;
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
            "  {}",
            measures(
                self.palette,
                pair.kind,
                pair.jaccard,
                pair.estimate,
                [pair.containment_a, pair.containment_b],
            )
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

/// Writes one passage: where it is in both documents, its size, and its text on one line (or,
/// for an occurrence of a shared text listed above, the text's number).
pub(crate) fn write_passage(palette: Palette, p: &Passage, out: &mut dyn Write) -> io::Result<()> {
    let quoted = if p.quoted { ", quoted" } else { "" };
    if let Some(g) = p.group {
        return writeln!(
            out,
            "  {} ~ {}  {}",
            place(palette, &p.a),
            place(palette, &p.b),
            paint(
                palette.dim,
                &format!("({} words{quoted}, shared #{g})", p.words)
            ),
        );
    }
    let size = passage_size(p);
    writeln!(
        out,
        "  {} ~ {}  {}",
        place(palette, &p.a),
        place(palette, &p.b),
        paint(palette.dim, &format!("({size}{quoted})")),
    )?;
    writeln!(out, "    {}", paint(palette.text, &one_line(&p.text)))
}

/// Where a passage or occurrence is: `line N, bytes S..E`.
fn place(palette: Palette, l: &Location) -> String {
    format!(
        "line {}, bytes {}..{}",
        paint(palette.number, &l.line.to_string()),
        l.start,
        l.end
    )
}

/// "8 words", or "8 of 13 words" for a passage merged across edits: `words` counts the matched
/// words only, and the text shown beside it holds the words of its gaps too.
fn passage_size(p: &Passage) -> String {
    let mut shown = 0u32;
    crate::tokenize::for_each_token(p.text.as_bytes(), |_| shown += 1);
    if shown > p.words {
        format!("{} of {shown} words", p.words)
    } else {
        format!("{} words", p.words)
    }
}

/// Text on one line (whitespace runs become one space), cut at [`MAX_SHOWN_CHARS`]. Control
/// characters and controls of text direction become U+FFFD, as in names ([`terminal_safe`]):
/// text from a file must not drive the terminal (an escape sequence between two words of a
/// passage could clear the screen or recolour the report).
pub fn one_line(text: &str) -> String {
    cut_to_shown(uncut_line(text))
}

/// [`one_line`] without the cut.
fn uncut_line(text: &str) -> String {
    line_chars(text).collect()
}

/// A document's name (or a line that holds one) as a terminal may show it: control characters
/// and the controls of text direction (which can make a name read backwards, U+202A-U+202E and
/// U+2066-U+2069) become U+FFFD. A name can come from a file's contents (`--id-field`) as well
/// as from a file name, and neither may drive the terminal; the JSON Lines keep it whole.
pub fn terminal_safe(name: &str) -> String {
    name.chars().map(shown_char).collect()
}

/// A character as a terminal may show it: U+FFFD for a control character or a control of text
/// direction, the character itself otherwise.
fn shown_char(c: char) -> char {
    if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
        '\u{FFFD}'
    } else {
        c
    }
}

/// A document's name, made [`terminal_safe`] and painted as a path.
pub(crate) fn paint_name(palette: Palette, name: &str) -> String {
    paint(palette.path, &terminal_safe(name))
}

/// The characters of [`uncut_line`] of `text`, without making it.
fn line_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let space = |i: usize| (i > 0).then_some(' ');
    (text.split_whitespace().enumerate())
        .flat_map(move |(i, word)| space(i).into_iter().chain(word.chars()))
        .map(shown_char)
}

/// `line` cut at [`MAX_SHOWN_CHARS`], with `…` where it was cut.
fn cut_to_shown(line: String) -> String {
    match line.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Characters shown before the first difference of a copy from its shared text (then back to
/// the start of a word), so that what the copy changed is read in its context.
const SHOWN_BEFORE_A_CHANGE: usize = 40;

/// The line shown under an edited or partial copy of a shared text: the copy on one line, from
/// a few words before the first character where it reads otherwise than `shared` (after `…`
/// when that is not its start), cut at [`MAX_SHOWN_CHARS`]; `None` when both read alike, as
/// the copy that names the text does. The whole texts are compared, so a copy edited past the
/// part of the text its heading shows is shown from its edit.
pub fn copy_line(shared: &str, copy: &str) -> Option<String> {
    let copy = uncut_line(copy);
    // The first character that differs (or where the shorter one ends), as a byte offset; the
    // shared text is read on one line as it goes, not copied (a copy of it per copy shown cost
    // more than reading the copies from their files).
    let mut shared = line_chars(shared);
    let change = match copy.char_indices().find(|&(_, c)| shared.next() != Some(c)) {
        Some((at, _)) => at,
        None if shared.next().is_none() => return None,
        None => copy.len(),
    };
    let context = copy[..change]
        .char_indices()
        .rev()
        .nth(SHOWN_BEFORE_A_CHANGE)
        .map(|(at, _)| at);
    let shown = match context {
        // Back to the start of the word that holds the first character of the context.
        Some(at) => {
            let word = copy[..at].rfind(' ').map_or(0, |space| space + 1);
            format!("…{}", &copy[word..])
        }
        None => copy,
    };
    Some(cut_to_shown(shown))
}

/// Counts as a summary line says them: "1 exact copy", "4 exact copies", nothing for none.
#[derive(Default)]
pub(crate) struct Counts(Vec<String>);

impl Counts {
    pub(crate) fn add(&mut self, n: usize, one: &str, many: &str) {
        match n {
            0 => {}
            1 => self.0.push(format!("1 {one}")),
            _ => self.0.push(format!("{n} {many}")),
        }
    }

    /// The counts joined, or "nothing found".
    pub(crate) fn found(&self) -> String {
        if self.0.is_empty() {
            "nothing found".to_string()
        } else {
            self.0.join(", ")
        }
    }
}

/// "1 document" or "N documents", with `what` before the noun ("new").
pub(crate) fn documents(n: usize, what: &str) -> String {
    let noun = if n == 1 { "document" } else { "documents" };
    format!("{n} {what}{}{noun}", if what.is_empty() { "" } else { " " })
}

/// What a summary line says of the pairs folded into the quote blocks.
fn folded_note(only_quotes: usize) -> String {
    match only_quotes {
        0 => String::new(),
        1 => " (1 shares only a quote above)".to_string(),
        n => format!(" ({n} share only the quotes above)"),
    }
}

/// One line with the counts, as the human report ends, e.g. `5 documents (26.9 KB): 2 shared
/// quotes, no near-duplicates, 3 pairs with shared passages (2 share only the quotes above) in
/// 4 ms`, given how many of the pairs with shared passages the report folded into the quote
/// blocks (0 for a report that lists every pair).
pub(crate) fn summary_line(report: &ScanReport, only_quotes: usize) -> String {
    let s = &report.summary;
    let mut parts = Counts::default();
    let boilerplate = s.boilerplate_groups;
    let shared = report.groups.len() - boilerplate;
    parts.add(shared, "shared text", "shared texts");
    parts.add(boilerplate, "boilerplate text", "boilerplate texts");
    parts.add(report.quotes.len(), "shared quote", "shared quotes");
    parts.add(
        s.near_duplicate_pairs,
        "near-duplicate pair",
        "near-duplicate pairs",
    );
    // Shared text alone reads as if duplicates went unchecked: say that none were found.
    let shares = report.groups.len() + report.quotes.len() + s.overlap_pairs > 0;
    if shares && s.docs >= 2 && s.near_duplicate_pairs == 0 && s.exact_duplicates == 0 {
        parts.0.push("no near-duplicates".to_string());
    }
    let folded = folded_note(only_quotes);
    parts.add(
        s.overlap_pairs,
        &format!("pair with shared passages{folded}"),
        &format!("pairs with shared passages{folded}"),
    );
    parts.add(s.exact_duplicates, "exact copy", "exact copies");
    parts.add(report.clusters.len(), "cluster", "clusters");
    parts.add(s.empty, "empty document", "empty documents");
    parts.add(s.skipped, "skipped", "skipped"); // files or JSON Lines records
    parts.add(s.errors, "error", "errors");
    format!(
        "{} ({}): {} in {} ms",
        documents(s.docs, ""),
        human_bytes(s.bytes),
        parts.found(),
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

    /// The seeds' shared DOJ sentence is named by its 8 common words; 000's copy has five
    /// words inserted, and it is that copy's own text that is shown under its place, read
    /// through `copy_text`. Without it, the place is only described.
    #[test]
    fn an_edited_copy_is_shown_as_it_reads_under_its_place() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let config = crate::scan::ScanConfig::new(0.8);
        let report = crate::scan::scan(&[seeds], &config).unwrap();
        let copies = copies_shown(&report);
        assert_eq!(copies.len(), 1, "{copies:?}");
        let CopyShown { doc, at, .. } = copies[0];
        assert!(report.path(doc).ends_with("000_6f685f3f68b66d6d.txt"));
        let read = |copy: &CopyShown| {
            let bytes = std::fs::read(report.path(copy.doc)).ok()?;
            let text = bytes.get(copy.at.start as usize..copy.at.end as usize)?;
            copy_line(
                &report.groups[copy.group].text,
                &String::from_utf8_lossy(text),
            )
        };
        let mut shown = Vec::new();
        write_with_copies(&report, Palette::plain(), &read, &mut shown).unwrap();
        let shown = String::from_utf8(shown).unwrap();
        let lines: Vec<&str> = shown.lines().collect();
        let place = lines
            .iter()
            .position(|l| l.contains(&format!("bytes {}..{}", at.start, at.end)))
            .unwrap();
        assert!(lines[place].ends_with("(13 words here: an edited copy)"));
        assert_eq!(
            lines[place + 1],
            "      \"2,000 former DOJ officials signed onto a petition Sunday calling for \
             Barr’s resignation\""
        );
        let mut plain = Vec::new();
        write(&report, Palette::plain(), &mut plain).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(plain.lines().count() + 1, lines.len());
        assert!(!plain.contains("signed onto"));
    }

    /// A copy is shown from a few words before its first change, so that an edit past what the
    /// heading shows is seen; one that reads as its text (whitespace aside) is not shown; a
    /// partial copy is shown up to where it stops.
    #[test]
    fn a_copy_is_shown_from_its_first_change() {
        let words: Vec<String> = (0..60).map(|i| format!("word{i}")).collect();
        let shared = words.join(" ");
        assert_eq!(copy_line(&shared, &words.join("\n  ")), None);
        let mut edited = words.clone();
        edited[40] = "CHANGED".into();
        let line = copy_line(&shared, &edited.join(" ")).unwrap();
        assert!(line.starts_with("…word3"), "{line}");
        assert!(line.contains("word39 CHANGED word41"), "{line}");
        assert!(line.chars().count() <= MAX_SHOWN_CHARS + 1);
        // Changed at once: shown from its start.
        edited[0] = "CHANGED".into();
        assert!(copy_line(&shared, &edited.join(" "))
            .unwrap()
            .starts_with("CHANGED word1 "));
        // Cut short: shown to its end, in its context.
        let partial = words[..50].join(" ");
        let line = copy_line(&shared, &partial).unwrap();
        assert!(
            line.starts_with('…') && line.ends_with("word48 word49"),
            "{line}"
        );
        for text in ["", "  a\tb \n c ", "x\u{7}y z", "ü  \u{2003} ß"] {
            assert_eq!(
                line_chars(text).collect::<String>(),
                uncut_line(text),
                "{text:?}"
            );
        }
        // Control characters never reach the terminal.
        let line = copy_line("a b", "a \u{1b}[2J b").unwrap();
        assert!(!line.contains('\u{1b}'), "{line:?}");
    }

    use crate::findings::Summary;

    fn report_of(summary: Summary, quotes: usize) -> ScanReport {
        let quote = QuoteFinding {
            text: "miscarriage of justice".to_string(),
            words: 3,
            occurrences: Vec::new(),
        };
        ScanReport {
            documents: Vec::new(),
            pairs: Vec::new(),
            groups: Vec::new(),
            quotes: vec![quote; quotes],
            clusters: Vec::new(),
            diagnostics: Vec::new(),
            summary,
            threshold: 0.8,
        }
    }

    /// "no near-duplicates" stands where their count would, and only where documents were
    /// compared and shared something.
    #[test]
    fn the_summary_says_no_near_duplicates_only_beside_shared_text() {
        let counts = |summary: Summary, quotes: usize| {
            let line = summary_line(&report_of(summary, quotes), 0);
            let (_, counts) = line.split_once("): ").unwrap();
            counts.rsplit_once(" in ").unwrap().0.to_string()
        };
        let docs = |docs: usize| Summary {
            docs,
            ..Summary::default()
        };
        assert_eq!(
            counts(
                Summary {
                    overlap_pairs: 2,
                    ..docs(5)
                },
                1
            ),
            "1 shared quote, no near-duplicates, 2 pairs with shared passages"
        );
        assert_eq!(counts(docs(5), 0), "nothing found");
        assert_eq!(
            counts(
                Summary {
                    skipped: 4,
                    ..docs(0)
                },
                0
            ),
            "4 skipped"
        );
        assert_eq!(
            counts(
                Summary {
                    empty: 1,
                    ..docs(1)
                },
                0
            ),
            "1 empty document"
        );
        let near = Summary {
            near_duplicate_pairs: 1,
            ..docs(5)
        };
        assert_eq!(counts(near, 1), "1 shared quote, 1 near-duplicate pair");
        let copies = Summary {
            exact_duplicates: 1,
            ..docs(5)
        };
        assert_eq!(counts(copies, 1), "1 shared quote, 1 exact copy");
    }

    #[test]
    fn bytes_are_readable() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(26_864), "26.9 KB");
        assert_eq!(human_bytes(376_000_000), "376.0 MB");
    }

    fn at(start: u32, end: u32) -> Location {
        Location {
            start,
            end,
            line: 1,
        }
    }

    fn quote(occurrences: &[(u32, u32, u32)]) -> QuoteFinding {
        QuoteFinding {
            text: "a quote".into(),
            words: 3,
            occurrences: occurrences
                .iter()
                .map(|&(doc, start, end)| crate::findings::QuoteOccurrence {
                    doc: DocId(doc),
                    at: at(start, end),
                })
                .collect(),
        }
    }

    /// A byte span in each document of a pair.
    type Spans = ((u32, u32), (u32, u32));

    fn overlap(a: u32, b: u32, passages: &[Spans]) -> PairFinding {
        PairFinding {
            a: DocId(a),
            b: DocId(b),
            kind: PairKind::Overlap,
            jaccard: 0.0,
            estimate: 0.0,
            containment_a: 0.0,
            containment_b: 0.0,
            passages: passages
                .iter()
                .map(|&((sa, ea), (sb, eb))| Passage {
                    a: at(sa, ea),
                    b: at(sb, eb),
                    words: 3,
                    quoted: true,
                    text: String::new(),
                    group: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_pair_is_folded_into_a_quote_only_when_it_holds_every_passage_on_both_sides() {
        let quotes = [
            quote(&[(0, 100, 130), (1, 10, 40), (2, 500, 530)]),
            quote(&[(0, 200, 220), (1, 60, 80), (3, 0, 20)]),
            // Ten thousand occurrences in document 5, and one in 6.
            quote(
                &(0..10_000)
                    .map(|i| (5, 50 * i, 50 * i + 30))
                    .chain([(6, 0, 30)])
                    .collect::<Vec<_>>(),
            ),
        ];
        let spans = QuoteSpans::of(&quotes);
        let folded = |pair: PairFinding| spans.hold_all_of(&pair);
        // Inside one quote's occurrences in both documents, also when shorter than them, and in
        // several passages.
        assert!(folded(overlap(0, 1, &[((100, 130), (10, 40))])));
        assert!(folded(overlap(0, 2, &[((105, 130), (505, 530))])));
        assert!(folded(overlap(
            0,
            1,
            &[((100, 115), (10, 25)), ((116, 130), (26, 40))]
        )));
        assert!(folded(overlap(5, 6, &[((250_005, 250_030), (5, 30))])));
        // One passage longer than the quote, or outside it, keeps the pair.
        assert!(!folded(overlap(0, 1, &[((90, 130), (0, 40))])));
        assert!(!folded(overlap(
            0,
            1,
            &[((100, 130), (10, 40)), ((300, 340), (90, 130))]
        )));
        assert!(!folded(overlap(5, 6, &[((250_025, 250_055), (0, 30))])));
        // Each side inside a quote, but not the same quote.
        assert!(!folded(overlap(0, 1, &[((200, 220), (10, 30))])));
        // Two different quotes shared: worth a pair of its own.
        assert!(!folded(overlap(
            0,
            1,
            &[((100, 130), (10, 40)), ((200, 220), (60, 80))]
        )));
        // A document the quotes do not reach, and a pair without passages.
        assert!(!folded(overlap(0, 4, &[((100, 130), (10, 40))])));
        assert!(!folded(overlap(0, 1, &[])));
        // A document mostly made of the quote, and a near-duplicate pair.
        let mut mostly = overlap(0, 1, &[((100, 130), (10, 40))]);
        mostly.containment_b = 0.5;
        assert!(!folded(mostly));
        let mut near = overlap(0, 1, &[((100, 130), (10, 40))]);
        near.kind = PairKind::NearDuplicate;
        assert!(!folded(near));
    }

    #[test]
    fn a_passage_merged_across_edits_says_how_many_of_its_words_match() {
        let passage = |words: u32, text: &str| Passage {
            a: at(0, text.len() as u32),
            b: at(0, 1),
            words,
            quoted: false,
            text: text.into(),
            group: None,
        };
        let text = "2,000 former DOJ officials signed onto a petition Sunday calling for Barr's \
                    resignation";
        assert_eq!(passage_size(&passage(8, text)), "8 of 13 words");
        assert_eq!(passage_size(&passage(13, text)), "13 words");
    }

    #[test]
    fn the_summary_says_how_many_pairs_the_quotes_hold() {
        assert_eq!(folded_note(0), "");
        assert_eq!(folded_note(1), " (1 shares only a quote above)");
        assert_eq!(folded_note(2), " (2 share only the quotes above)");
    }

    #[test]
    fn measures_name_the_direction_and_give_the_estimate_for_near_duplicates_only() {
        let plain = Palette::plain();
        assert_eq!(
            measures(plain, PairKind::NearDuplicate, 0.9, 0.875, [0.95, 0.5]),
            "jaccard 0.900 (estimate 0.875), containment 0.950 of the first in the second, \
             0.500 of the second in the first"
        );
        assert_eq!(
            measures(plain, PairKind::Overlap, 0.002, 0.0, [0.007, 0.002]),
            "jaccard 0.002, containment 0.007 of the first in the second, 0.002 of the second in \
             the first"
        );
    }

    #[test]
    fn counts_are_said_in_the_singular_and_plural_and_none_is_nothing() {
        let mut counts = Counts::default();
        assert_eq!(counts.found(), "nothing found");
        counts.add(0, "error", "errors");
        counts.add(1, "exact copy", "exact copies");
        counts.add(4, "exact copy", "exact copies");
        assert_eq!(counts.found(), "1 exact copy, 4 exact copies");
        assert_eq!(documents(1, ""), "1 document");
        assert_eq!(documents(3, "new"), "3 new documents");
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
