//! Locate: word ranges found from hashes turned back into the bytes a user has.
//!
//! The group stage works on word indices; a report needs byte offsets into the original file,
//! the line, and for each group its text once. Documents holding occurrences are read again, a
//! chunk at a time (so the texts held at once stay bounded), tokenised with spans, checked
//! against the content hash of the first pass (a file changed during the scan is an error, never
//! a silently wrong offset), and each wanted range is located.
//!
//! Quote groups are located the same way (`QuoteLocations`), most of their occurrences from
//! the analyses the pair check makes anyway, the rest by [`locate`] in quoted-word indices.

use crate::corpus::{Diagnostic, Rereader, WalkOptions};
use crate::findings::{DocumentInfo, Location, QuoteFinding, QuoteOccurrence};
use crate::pairs::READ_AHEAD_BYTES;
use crate::quote::QuoteGroup;
use crate::quote::{quote_segments, QuoteTracker};
use crate::sketch::Analysis;
use crate::sketch::{content_hash, line_at, line_starts};
use crate::tokenize::for_each_token;
use crate::DocId;
use rayon::prelude::*;
use std::ops::Range;

/// A range of words wanted in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedSpan {
    /// The document.
    pub doc: DocId,
    /// Its words `start..end` (never empty).
    pub words: Range<u32>,
    /// `words` counts the quoted words only (a quote group's indices, [`QuoteTracker`]).
    pub quoted_only: bool,
    /// Also take the text.
    pub text: bool,
    /// The caller's name for it, given back with the answer.
    pub tag: usize,
}

/// Where a [`WantedSpan`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The span's tag.
    pub tag: usize,
    /// Its bytes and line.
    pub at: Location,
    /// Every word of it inside quotation marks.
    pub quoted: bool,
}

/// What [`locate`] found: where each span is, and the texts asked for apart. Only a group's
/// named occurrence asks for its text, so an `Option<String>` in every answer would double the
/// answers' size (24 bytes against 48; a scan at 100k real-text documents has 3.3 M of them).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    /// One answer a span located, ordered by document.
    pub spans: Vec<Located>,
    /// The text of each span located that asked for it (`WantedSpan::text`), sorted by tag.
    pub texts: Vec<(usize, String)>,
}

impl Found {
    /// The text of the span tagged `tag`, if it asked for it and was located.
    pub fn text_of(&self, tag: usize) -> Option<&str> {
        let i = self.texts.binary_search_by_key(&tag, |(t, _)| *t).ok()?;
        Some(&self.texts[i].1)
    }
}

/// Documents read again per pass.
const CHUNK_DOCS: usize = 4096;

/// Locates every span of `wanted`, ordered by document. A document that cannot be read again, or
/// has changed since it was sketched, is one error diagnostic and its spans are not located.
pub fn locate(
    documents: &[DocumentInfo],
    wanted: &[WantedSpan],
    walk: &WalkOptions,
) -> (Found, Vec<Diagnostic>) {
    let (chunks, texts, problems) = locate_in_chunks(documents, wanted, walk);
    let found = Found {
        spans: chunks.concat(),
        texts,
    };
    (found, problems)
}

/// Texts located, by tag.
type Texts = Vec<(usize, String)>;

/// [`locate`]'s answers, one vector per chunk of documents read, and the texts by tag. Kept
/// apart, the chunks' answers (a few megabytes each) fit in memory the scan has freed, where one
/// vector of all of them (77 MB at 100k real-text documents) took fresh memory at the scan's
/// peak.
fn locate_in_chunks(
    documents: &[DocumentInfo],
    wanted: &[WantedSpan],
    walk: &WalkOptions,
) -> (Vec<Vec<Located>>, Texts, Vec<Diagnostic>) {
    debug_assert!(wanted.windows(2).all(|w| w[0].doc <= w[1].doc));
    let by_doc: Vec<&[WantedSpan]> = wanted.chunk_by(|x, y| x.doc == y.doc).collect();
    let mut texts = Vec::new();
    let mut problems = Vec::new();
    let batches = by_doc
        .chunks(CHUNK_DOCS)
        .map(|chunk| {
            chunk
                .iter()
                .map(|spans| {
                    let info = &documents[spans[0].doc.index()];
                    (&info.source, info.bytes)
                })
                .collect()
        })
        .collect();
    let mut rereader = Rereader::new(batches, walk, READ_AHEAD_BYTES);
    let mut chunks = Vec::new();
    for chunk in by_doc.chunks(CHUNK_DOCS) {
        let loaded = rereader.next_batch().expect("a batch per chunk");
        let results: Vec<Result<LocatedIn, Diagnostic>> = chunk
            .par_iter()
            .zip(loaded)
            .map(|(spans, bytes)| locate_in(&bytes?, &documents[spans[0].doc.index()], spans))
            .collect();
        let mut answers = Vec::with_capacity(chunk.iter().map(|spans| spans.len()).sum());
        for result in results {
            match result {
                Ok((spans, found)) => {
                    answers.extend(spans);
                    texts.extend(found);
                }
                Err(problem) => problems.push(problem),
            }
        }
        chunks.push(answers);
    }
    texts.sort_unstable_by_key(|(tag, _)| *tag);
    (chunks, texts, problems)
}

/// The high bit of a tag marks the spans of the second list in [`locate_together`].
const SECOND: usize = 1 << (usize::BITS - 1);

/// [`locate`] for two lists of spans (in any order; tags below `usize::MAX / 2`) in one pass
/// over the documents: a document holding spans of both is read once. Gives each list's spans
/// located, with their own tags. A document that cannot be read again, or has changed, is one
/// diagnostic and none of its spans, of either list, is located (as when each list is located on
/// its own).
pub fn locate_together(
    documents: &[DocumentInfo],
    first: Vec<WantedSpan>,
    second: Vec<WantedSpan>,
    walk: &WalkOptions,
) -> ([Found; 2], Vec<Diagnostic>) {
    assert!(
        first.iter().chain(&second).all(|w| w.tag & SECOND == 0),
        "tags below usize::MAX / 2"
    );
    // In place, without a copy where `first` has room for `second` (a scan's has: its spans at
    // 100k real-text documents take 77 MB).
    let mut merged = first;
    merged.reserve_exact(second.len());
    merged.extend(second.into_iter().map(|span| WantedSpan {
        tag: span.tag | SECOND,
        ..span
    }));
    merged.par_sort_unstable_by_key(|w| (w.doc, w.tag));
    let (chunks, texts, problems) = locate_in_chunks(documents, &merged, walk);
    // The answers take the place of the spans asked (one answer a span, or none for a document
    // that could not be read): a collect of a vector's own items, mapped to a type of the same
    // size, reuses its buffer, so no second buffer of that size is taken. That is an optimisation
    // the standard library makes, not one it promises; without it, the same answers in a new
    // buffer.
    let mut answers = chunks.into_iter().flatten();
    let spans: Vec<Located> = merged.into_iter().map_while(|_| answers.next()).collect();
    debug_assert!(answers.next().is_none(), "more answers than spans");
    let mut found = Found { spans, texts };
    // The second list (a scan's quote occurrences) is the short one: copied out, and the first
    // kept in place.
    let spans = found
        .spans
        .iter()
        .filter(|l| l.tag & SECOND != 0)
        .map(|l| Located {
            tag: l.tag & !SECOND,
            ..l.clone()
        })
        .collect();
    found.spans.retain(|l| l.tag & SECOND == 0);
    // Tags of the second list sort after the first's.
    let split = found.texts.partition_point(|(tag, _)| tag & SECOND == 0);
    let texts = found
        .texts
        .drain(split..)
        .map(|(tag, text)| (tag & !SECOND, text))
        .collect();
    ([found, Found { spans, texts }], problems)
}

/// The spans of one document located, and the texts they asked for, by tag.
pub type LocatedIn = (Vec<Located>, Vec<(usize, String)>);

/// The spans `wanted` (all in the document `info`, whose bytes are `bytes`) located.
pub fn locate_in(
    bytes: &[u8],
    info: &DocumentInfo,
    wanted: &[WantedSpan],
) -> Result<LocatedIn, Diagnostic> {
    let changed = || Diagnostic::error(info.source.location(), "file changed during the scan");
    let regions = quote_segments(bytes);
    let mut tracker = QuoteTracker::new(&regions);
    let (mut words, mut spans, mut quoted) = (Vec::new(), Vec::new(), Vec::new());
    for_each_token(bytes, |t| {
        words.push(t.hash);
        spans.push((t.start, t.end));
        quoted.push(tracker.region_of(&t).is_some());
    });
    if content_hash(&words) != info.content_hash {
        return Err(changed());
    }
    let lines = line_starts(bytes);
    let quoted_index: Vec<usize> = if wanted.iter().any(|w| w.quoted_only) {
        (0..quoted.len()).filter(|&i| quoted[i]).collect()
    } else {
        Vec::new()
    };
    let mut texts = Vec::new();
    let located = wanted
        .iter()
        .map(|w| {
            let (mut from, mut to) = (w.words.start as usize, w.words.end as usize);
            if w.quoted_only && from < to {
                match (quoted_index.get(from), quoted_index.get(to - 1)) {
                    (Some(&first), Some(&last)) => (from, to) = (first, last + 1),
                    _ => return Err(changed()),
                }
            }
            if from >= to || to > spans.len() {
                return Err(changed());
            }
            let (start, end) = (spans[from].0, spans[to - 1].1);
            if w.text {
                let text = &bytes[start as usize..end as usize];
                texts.push((w.tag, String::from_utf8_lossy(text).into_owned()));
            }
            Ok(Located {
                tag: w.tag,
                at: Location {
                    start,
                    end,
                    line: line_at(&lines, start),
                },
                quoted: quoted[from..to].iter().all(|&q| q),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok((located, texts))
}

/// One occurrence wanted: its document, its group, and its index in the group.
type QuoteWanted = (DocId, usize, usize);

/// One occurrence located: its group, its index in the group, where it is, and the text (taken
/// only for a group's first occurrence, which names the group).
pub(crate) type QuoteLocated = (usize, usize, Location, Option<String>);

/// Quote groups being located in the original bytes. A group's documents usually make candidate
/// pairs (one quotes what another quotes), so most occurrences are located from the analyses the
/// check makes anyway; the documents left are read again at the end, only for the groups that are
/// reported (the 100k synth corpus has 7,321 groups, of which 2,708 lie within one cluster of
/// near-duplicates).
#[derive(Default)]
pub(crate) struct QuoteLocations {
    groups: Vec<QuoteGroup>,
    /// Every occurrence, ordered by document.
    wanted: Vec<QuoteWanted>,
    /// Where each occurrence of each group is, once known.
    located: Vec<Vec<Option<Location>>>,
    /// The text of each group, once its first occurrence is located.
    texts: Vec<Option<String>>,
    /// Whether each group is reported ([`QuoteLocations::spans_to_read`]).
    reported: Vec<bool>,
    /// The occurrences read again, by tag.
    missing: Vec<QuoteWanted>,
}

impl QuoteLocations {
    pub(crate) fn new(groups: Vec<QuoteGroup>) -> Self {
        let mut wanted: Vec<QuoteWanted> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| {
                (group.occurrences.iter().enumerate()).map(move |(o, occ)| (occ.doc, g, o))
            })
            .collect();
        wanted.sort_unstable();
        QuoteLocations {
            located: groups
                .iter()
                .map(|g| vec![None; g.occurrences.len()])
                .collect(),
            texts: vec![None; groups.len()],
            groups,
            wanted,
            reported: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// The occurrences wanted in `doc`.
    fn wanted_in(&self, doc: DocId) -> &[QuoteWanted] {
        let from = self.wanted.partition_point(|w| w.0 < doc);
        let to = from + self.wanted[from..].partition_point(|w| w.0 == doc);
        &self.wanted[from..to]
    }

    /// The occurrences in `doc` located from its analysis. The analysis marks the same words
    /// quoted as the sketch did (both by [`QuoteTracker`]), and its text was checked against the
    /// content hash.
    pub(crate) fn located_in_analysis(&self, doc: DocId, analysis: &Analysis) -> Vec<QuoteLocated> {
        let wanted = self.wanted_in(doc);
        if wanted.is_empty() {
            return Vec::new();
        }
        let quoted: Vec<u32> = analysis.quoted.iter_ones().map(|i| i as u32).collect();
        wanted
            .iter()
            .filter_map(|&(_, g, o)| {
                let occurrence = &self.groups[g].occurrences[o];
                let first = *quoted.get(occurrence.start as usize)?;
                let last = *quoted.get(occurrence.end as usize - 1)?;
                let (start, end) = analysis.byte_span(&(first..last + 1));
                let text = (o == 0).then(|| {
                    String::from_utf8_lossy(&analysis.bytes[start as usize..end as usize])
                        .into_owned()
                });
                let line = analysis.line_of(start);
                Some((g, o, Location { start, end, line }, text))
            })
            .collect()
    }

    pub(crate) fn record(&mut self, found: impl IntoIterator<Item = QuoteLocated>) {
        for (g, o, at, text) in found {
            self.located[g][o] = Some(at);
            if text.is_some() {
                self.texts[g] = text;
            }
        }
    }

    /// The occurrences still to be located by reading their documents again, as spans (in
    /// quoted-word indices, tagged by their place in the list) ordered by document: those of the
    /// groups found in two different documents once near-duplicates count as one (the quotes
    /// two copies of an article share are no news). [`QuoteLocations::finish`] takes them back
    /// located.
    pub(crate) fn spans_to_read(
        &mut self,
        documents: &[DocumentInfo],
        clusters: &[crate::cluster::Cluster],
    ) -> Vec<WantedSpan> {
        let cluster_of = crate::cluster::first_member_of(clusters, documents.len());
        self.reported = self
            .groups
            .iter()
            .map(|g| {
                let first = cluster_of[g.occurrences[0].doc.index()];
                g.occurrences
                    .iter()
                    .any(|o| cluster_of[o.doc.index()] != first)
            })
            .collect();
        self.missing = self
            .wanted
            .iter()
            .copied()
            .filter(|&(_, g, o)| self.reported[g] && self.located[g][o].is_none())
            .collect();
        self.missing
            .iter()
            .enumerate()
            .map(|(tag, &(doc, g, o))| {
                let occurrence = &self.groups[g].occurrences[o];
                WantedSpan {
                    doc,
                    words: occurrence.start..occurrence.end,
                    quoted_only: true,
                    text: o == 0,
                    tag,
                }
            })
            .collect()
    }

    /// The reported groups, with the spans of [`QuoteLocations::spans_to_read`] located. A group
    /// one of whose documents could not be read again, or had changed, is left out (its
    /// document is reported by the reader): a group with an occurrence missing would misstate
    /// where the quote is.
    pub(crate) fn finish(mut self, found: Found) -> Vec<QuoteFinding> {
        assert_eq!(
            self.reported.len(),
            self.groups.len(),
            "spans_to_read comes first"
        );
        let missing = std::mem::take(&mut self.missing);
        self.record(found.spans.into_iter().map(|l| {
            let (_, g, o) = missing[l.tag];
            (g, o, l.at, None)
        }));
        for (tag, text) in found.texts {
            let (_, g, _) = missing[tag];
            self.texts[g] = Some(text);
        }
        let reported = std::mem::take(&mut self.reported);
        self.groups
            .into_iter()
            .zip(self.located)
            .zip(self.texts)
            .zip(reported)
            .filter(|(_, reported)| *reported)
            .filter_map(|(((group, at), text), _)| {
                let occurrences = group
                    .occurrences
                    .iter()
                    .zip(at)
                    .map(|(o, at)| {
                        Some(QuoteOccurrence {
                            doc: o.doc,
                            at: at?,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(QuoteFinding {
                    text: text?,
                    words: group.words,
                    occurrences,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`locate_together`] puts its answers in the buffer of the spans asked, which needs the two
    /// of one size and alignment (otherwise a second buffer is taken: the same answers, more
    /// memory).
    #[test]
    fn an_answer_fits_in_the_place_of_a_span_asked() {
        assert_eq!(size_of::<Located>(), size_of::<WantedSpan>());
        assert_eq!(align_of::<Located>(), align_of::<WantedSpan>());
    }
}
