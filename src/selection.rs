//! Selection: which documents to keep and which to drop once the duplicates are known.
//!
//! Every member of a cluster except the one to keep is dropped (the keep member is the most
//! complete version, see [`crate::cluster`]); every other document is kept, empty ones included.
//! Overlap pairs (shared passages) drop nothing: they are not duplicates.

use crate::findings::ScanReport;
use crate::DocId;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan, ScanConfig};

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
