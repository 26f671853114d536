//! Locate: word ranges found from hashes turned back into the bytes a user has.
//!
//! The group stage works on word indices; a report needs byte offsets into the original file,
//! the line, and for each group its text once. Documents holding occurrences are read again, a
//! chunk at a time (so the texts held at once stay bounded), tokenised with spans, checked
//! against the content hash of the first pass (a file changed during the scan is an error, never
//! a silently wrong offset), and each wanted range is located.

use crate::corpus::{reload_many, Diagnostic, DocumentSource, WalkOptions};
use crate::findings::{DocumentInfo, Location};
use crate::quote::{quote_regions, QuoteTracker};
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
    /// Its text, when asked for.
    pub text: Option<String>,
}

/// Documents read again per pass.
const CHUNK_DOCS: usize = 4096;

/// Locates every span of `wanted`, ordered by document. A document that cannot be read again, or
/// has changed since it was sketched, is one error diagnostic and its spans are not located.
pub fn locate(
    documents: &[DocumentInfo],
    wanted: &[WantedSpan],
    walk: &WalkOptions,
) -> (Vec<Located>, Vec<Diagnostic>) {
    debug_assert!(wanted.windows(2).all(|w| w[0].doc <= w[1].doc));
    let by_doc: Vec<&[WantedSpan]> = wanted.chunk_by(|x, y| x.doc == y.doc).collect();
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    for chunk in by_doc.chunks(CHUNK_DOCS) {
        let sources: Vec<&DocumentSource> = chunk
            .iter()
            .map(|spans| &documents[spans[0].doc.index()].source)
            .collect();
        let results: Vec<Result<Vec<Located>, Diagnostic>> = chunk
            .par_iter()
            .zip(reload_many(&sources, walk))
            .map(|(spans, bytes)| locate_in(&bytes?, &documents[spans[0].doc.index()], spans))
            .collect();
        for result in results {
            match result {
                Ok(located) => found.extend(located),
                Err(problem) => problems.push(problem),
            }
        }
    }
    (found, problems)
}

/// The spans `wanted` (all in the document `info`, whose bytes are `bytes`) located.
pub fn locate_in(
    bytes: &[u8],
    info: &DocumentInfo,
    wanted: &[WantedSpan],
) -> Result<Vec<Located>, Diagnostic> {
    let changed = || Diagnostic::error(info.source.location(), "file changed during the scan");
    let regions = quote_regions(bytes);
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
    wanted
        .iter()
        .map(|w| {
            let (from, to) = (w.words.start as usize, w.words.end as usize);
            if from >= to || to > spans.len() {
                return Err(changed());
            }
            let (start, end) = (spans[from].0, spans[to - 1].1);
            let text = w.text.then(|| {
                String::from_utf8_lossy(&bytes[start as usize..end as usize]).into_owned()
            });
            Ok(Located {
                tag: w.tag,
                at: Location {
                    start,
                    end,
                    line: line_at(&lines, start),
                },
                quoted: quoted[from..to].iter().all(|&q| q),
                text,
            })
        })
        .collect()
}
