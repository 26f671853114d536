//! Selection: which documents to keep and which to drop once the duplicates are known.
//!
//! Every member of a cluster except the one to keep is dropped (the keep member is the most
//! complete version, see [`crate::cluster`]); every other document is kept, empty ones included.
//! Overlap pairs (shared passages) drop nothing: they are not duplicates. Asked to, repeated
//! passages are cut out of the documents kept instead ([`passage_cuts`]), each left at one place.

use crate::findings::{GroupOccurrenceAt, ScanReport};
use crate::DocId;
use std::ops::Range;
use std::path::PathBuf;

/// The keep or drop decision for every document of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    dropped: Vec<bool>,
}

impl Selection {
    /// The decisions for `report`.
    pub fn of(report: &ScanReport) -> Self {
        let mut dropped = vec![false; report.documents.len()];
        for cluster in &report.clusters {
            for &member in &cluster.members {
                dropped[member.index()] = member != cluster.keep;
            }
        }
        Selection { dropped }
    }

    /// True when `doc` is a duplicate of a document kept.
    pub fn is_dropped(&self, doc: DocId) -> bool {
        self.dropped[doc.index()]
    }

    /// The documents to keep, in document order.
    pub fn kept(&self) -> impl Iterator<Item = DocId> + '_ {
        self.ids(false)
    }

    /// The documents to drop, in document order.
    pub fn dropped(&self) -> impl Iterator<Item = DocId> + '_ {
        self.ids(true)
    }

    fn ids(&self, dropped: bool) -> impl Iterator<Item = DocId> + '_ {
        self.dropped
            .iter()
            .enumerate()
            .filter(move |(_, &d)| d == dropped)
            .map(|(i, _)| DocId(i as u32))
    }

    /// The line numbers of the dropped JSON Lines records, per file (files and lines ascending).
    /// Dropped documents that are whole files are not listed.
    pub fn dropped_lines(&self, report: &ScanReport) -> Vec<(PathBuf, Vec<u64>)> {
        let mut lines: Vec<(&PathBuf, u64)> = self
            .dropped()
            .filter_map(|d| {
                let source = &report.documents[d.index()].source;
                Some((&source.path, source.record.as_ref()?.line))
            })
            .collect();
        lines.sort_unstable();
        lines
            .chunk_by(|x, y| x.0 == y.0)
            .map(|run| (run[0].0.clone(), run.iter().map(|&(_, l)| l).collect()))
            .collect()
    }
}

/// Byte ranges to cut out of the documents kept so that every shared text (each group, the
/// boilerplate included) stays at one place only, as exact-substring deduplication of training
/// data does: per document, ascending, disjoint.
///
/// The place a text stays is its first whole occurrence in a document kept, never a copy in a
/// document that is dropped anyway; its other copies are cut, a folded group's partial copies
/// too (their words are inside the whole text). A text with no whole copy in a kept document is
/// left as it is (partial copies may hold different parts of it), and so is an edited copy (a
/// group merged across edits): its range holds each copy's own words between the shared pieces,
/// which cutting it would take. A place one group keeps is never cut for another: a sentence
/// nested in a paragraph stays where the paragraph stays, and where the paragraph's copy is cut
/// the sentence survives if that was its own place to stay. So no word is cut that is not in
/// the output at another place.
pub fn passage_cuts(report: &ScanReport, selection: &Selection) -> Vec<(DocId, Vec<Range<u32>>)> {
    let mut cut: Vec<(DocId, Range<u32>)> = Vec::new();
    let mut stay: Vec<(DocId, Range<u32>)> = Vec::new();
    for group in &report.groups {
        let in_kept: Vec<&GroupOccurrenceAt> = group
            .occurrences
            .iter()
            .filter(|o| !selection.is_dropped(o.doc))
            .collect();
        if in_kept.iter().any(|o| o.words > group.words) {
            continue;
        }
        let Some(staying) = in_kept.iter().position(|o| o.words == group.words) else {
            continue;
        };
        for (i, o) in in_kept.into_iter().enumerate() {
            let place = (o.doc, o.at.start..o.at.end);
            if i == staying {
                stay.push(place);
            } else {
                cut.push(place);
            }
        }
    }
    let cut = merged_by_doc(cut);
    let stay = merged_by_doc(stay);
    cut.into_iter()
        .map(|(doc, ranges)| {
            let kept = stay
                .binary_search_by_key(&doc, |s| s.0)
                .map_or(&[][..], |i| &stay[i].1[..]);
            (doc, subtract(&ranges, kept))
        })
        .filter(|(_, ranges)| !ranges.is_empty())
        .collect()
}

/// Ranges per document, each document's sorted and merged where they overlap or touch.
fn merged_by_doc(mut places: Vec<(DocId, Range<u32>)>) -> Vec<(DocId, Vec<Range<u32>>)> {
    places.sort_unstable_by_key(|(doc, r)| (*doc, r.start, r.end));
    places
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| {
            let mut merged: Vec<Range<u32>> = Vec::new();
            for (_, r) in run {
                match merged.last_mut() {
                    Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => merged.push(r.clone()),
                }
            }
            (run[0].0, merged)
        })
        .collect()
}

/// `ranges` without the bytes of `minus` (both sorted and disjoint).
fn subtract(ranges: &[Range<u32>], minus: &[Range<u32>]) -> Vec<Range<u32>> {
    let mut out = Vec::new();
    for r in ranges {
        let mut from = r.start;
        for m in minus.iter().filter(|m| m.end > r.start && m.start < r.end) {
            if m.start > from {
                out.push(from..m.start);
            }
            from = from.max(m.end);
        }
        if from < r.end {
            out.push(from..r.end);
        }
    }
    out
}

/// `text` without the byte ranges `cuts` (sorted, disjoint), or `None` when one of them is not
/// inside the text on character boundaries (the text is not the one that was scanned).
pub fn cut_text(text: &str, cuts: &[Range<u32>]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut from = 0usize;
    for cut in cuts {
        let (start, end) = (cut.start as usize, cut.end as usize);
        out.push_str(text.get(from..start)?);
        text.get(start..end)?;
        from = end;
    }
    out.push_str(text.get(from..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan, ScanConfig};

    /// `texts` as a JSON Lines corpus, scanned with ids, then each kept text with its cuts made.
    fn cut_corpus(texts: &[impl AsRef<str>]) -> Vec<String> {
        let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let dir = tempfile::tempdir().unwrap();
        let lines: Vec<String> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{{\"id\":\"d{i}\",\"text\":{}}}", serde_json::json!(t)))
            .collect();
        std::fs::write(dir.path().join("c.jsonl"), lines.join("\n")).unwrap();
        let mut config = ScanConfig::new(0.8);
        config.walk.input.id_field = Some("id".into());
        let report = scan(&[dir.path().to_path_buf()], &config).unwrap();
        let selection = Selection::of(&report);
        let cuts = passage_cuts(&report, &selection);
        selection
            .kept()
            .map(|d| {
                let ranges = cuts.iter().find(|c| c.0 == d).map_or(&[][..], |c| &c.1[..]);
                cut_text(texts[d.index()], ranges).unwrap()
            })
            .collect()
    }

    const PARAGRAPH: &str =
        "The committee will meet again on the first Tuesday of March to review the \
        budget proposal and hear the public comments on the new transit plan.";
    const SENTENCE: &str = "Cannot allow this miscarriage of justice to stand in our city.";

    #[test]
    fn a_paragraph_in_three_documents_stays_in_the_first_only() {
        let texts = [
            format!("Opening words of the first report here. {PARAGRAPH} Its own ending."),
            format!("A second story starts differently. {PARAGRAPH} And closes its way."),
            format!("{PARAGRAPH} The third one adds only this line of its own."),
        ];
        let cut = cut_corpus(&texts);
        assert_eq!(cut[0], texts[0]);
        // Words are cut, not the punctuation after them.
        assert_eq!(
            cut[1],
            "A second story starts differently. . And closes its way."
        );
        assert_eq!(cut[2], ". The third one adds only this line of its own.");
    }

    #[test]
    fn a_nested_sentence_stays_with_its_paragraph_and_once_more_nowhere() {
        let texts = [
            format!("First piece. {PARAGRAPH} {SENTENCE} Unique close one."),
            format!("Second piece differs. {PARAGRAPH} {SENTENCE} Another close two."),
            format!("Third piece quotes only: {SENTENCE} Nothing else in common here."),
        ];
        let cut = cut_corpus(&texts);
        let all = cut.join(" | ");
        assert_eq!(all.matches(SENTENCE).count(), 1, "{all}");
        assert_eq!(all.matches("first Tuesday of March").count(), 1, "{all}");
        assert!(
            cut[0].contains(PARAGRAPH) && cut[0].contains(SENTENCE),
            "{all}"
        );
    }

    #[test]
    fn a_text_stays_in_a_kept_document_when_its_first_copy_is_dropped() {
        // d0 and d1 are near-duplicates and d1, the longer, is kept: the paragraph, first seen
        // in d0, stays in d1 and is cut from d2.
        let base = format!("{PARAGRAPH} {SENTENCE} and a tail of words that the copy repeats too");
        let texts = [
            base.clone(),
            format!("{base} with more"),
            format!("Different start entirely. {PARAGRAPH} Different end."),
        ];
        let cut = cut_corpus(&texts);
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert!(cut[0].contains(PARAGRAPH), "{cut:?}");
        assert!(!cut[1].contains("first Tuesday"), "{cut:?}");
    }

    #[test]
    fn an_edited_copy_keeps_its_own_words() {
        // One paragraph in two documents, a name changed in the middle of the second: one
        // passage merged across the edit, whose range holds each document's own name. Nothing
        // is cut, so neither name is lost.
        let second = PARAGRAPH.replace("first Tuesday", "second Wednesday");
        let texts = [
            format!("Alpha opening here. {PARAGRAPH} Alpha close."),
            format!("Beta opening there. {second} Beta close."),
        ];
        assert_eq!(cut_corpus(&texts), texts);
    }

    #[test]
    fn subtracting_leaves_the_bytes_outside() {
        assert_eq!(
            subtract(&[0..10, 20..30], &[2..4, 8..22, 29..40]),
            [0..2, 4..8, 22..29]
        );
        let one: Vec<Range<u32>> = std::iter::once(5..6).collect();
        assert_eq!(subtract(&one, &[]), one);
        assert_eq!(
            subtract(&one, &[0..100, 200..300]),
            Vec::<Range<u32>>::new()
        );
    }

    #[test]
    fn cut_text_refuses_ranges_off_the_text() {
        assert_eq!(cut_text("abcdef", &[1..2, 4..6]).as_deref(), Some("acd"));
        assert_eq!(cut_text("abc", &[2..9, 9..9]), None);
        assert_eq!(cut_text("é", &[0..1, 2..2]), None);
    }

    #[test]
    fn every_cluster_member_but_the_keep_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let text = "the quick brown fox jumps over the lazy dog while the cat sleeps in the sun";
        std::fs::write(
            dir.path().join("c.jsonl"),
            format!(
                "{{\"id\":\"short\",\"text\":\"{text}\"}}\n\
                 {{\"id\":\"other\",\"text\":\"nothing alike at all, a different story\"}}\n\
                 {{\"id\":\"long\",\"text\":\"{text} and more words here\"}}\n\
                 {{\"id\":\"copy\",\"text\":\"{text}\"}}\n"
            ),
        )
        .unwrap();
        let mut config = ScanConfig::new(0.7);
        config.walk.input.id_field = Some("id".into());
        let report = scan(&[dir.path().to_path_buf()], &config).unwrap();
        let selection = Selection::of(&report);
        let names =
            |ids: Vec<DocId>| -> Vec<String> { ids.into_iter().map(|d| report.path(d)).collect() };
        assert_eq!(names(selection.kept().collect()), ["other", "long"]);
        assert_eq!(names(selection.dropped().collect()), ["short", "copy"]);
        assert_eq!(
            selection.dropped_lines(&report),
            [(dir.path().join("c.jsonl"), vec![1, 4])]
        );
    }
}
