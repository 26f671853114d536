//! # dedup
//!
//! Find near-duplicate documents and the passages documents share, in text corpora of any size.
//!
//! The library is the pipeline; the `dedup` binary only parses arguments, calls [`scan::scan`]
//! and prints a [`scan::ScanReport`] with one of the [`report`] formats. One module per stage:
//!
//! ```text
//! corpus -> tokenize -> shingle -> minhash -> lsh -> verify -> cluster -> report
//!                    \-> fingerprint (winnowing) -> passage (alignment) --/
//!                    \-> quote (quoted grams) -> quote groups ---------/
//! ```
//!
//! For CI, [`index`] stores a corpus's sketches and text in one versioned file, and [`check`]
//! compares new documents with it (and with each other) without reading the corpus again.
//!
//! ## Example: scan
//!
//! Three documents; two share a sentence. The scan finds the pair and the passage, with byte
//! offsets that slice the sentence out of both files.
//!
//! ```
//! use dedup::findings::PairKind;
//! use dedup::scan::{scan, ScanConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let shared = "the council agreed to release the emergency funds for the flood defences";
//! let a = format!("Budget night ran late. In the end {shared}. Nothing else passed.");
//! let b = format!("Good news for the valley: {shared}, said the river trust.");
//! std::fs::write(dir.path().join("a.txt"), &a)?;
//! std::fs::write(dir.path().join("b.txt"), &b)?;
//! std::fs::write(dir.path().join("c.txt"), "An unrelated note about the chess club.")?;
//!
//! let report = scan(&[dir.path().to_path_buf()], &ScanConfig::new(0.8))?;
//! assert_eq!(report.pairs.len(), 1);
//! let pair = &report.pairs[0];
//! assert_eq!(pair.kind, PairKind::Overlap);
//! assert!(report.path(pair.a).ends_with("a.txt") && report.path(pair.b).ends_with("b.txt"));
//! let passage = &pair.passages[0];
//! assert_eq!(passage.text, shared);
//! assert_eq!(&a[passage.a.start as usize..passage.a.end as usize], shared);
//! assert_eq!(&b[passage.b.start as usize..passage.b.end as usize], shared);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Example: an index, and new documents checked against it
//!
//! ```
//! use dedup::check::{check_path, CheckOptions};
//! use dedup::scan::ScanConfig;
//!
//! let corpus = tempfile::tempdir()?;
//! let shared = "the council agreed to release the emergency funds for the flood defences";
//! std::fs::write(corpus.path().join("council.txt"), format!("Budget night ran late. In the end {shared}."))?;
//! std::fs::write(corpus.path().join("chess.txt"), "An unrelated note about the chess club and its members.")?;
//! let index = corpus.path().join("corpus.dedup");
//! dedup::index::build(&[corpus.path().join("council.txt"), corpus.path().join("chess.txt")], &index, &ScanConfig::new(0.8))?;
//!
//! let incoming = tempfile::tempdir()?;
//! std::fs::write(incoming.path().join("new.txt"), format!("Good news for the valley: {shared}, said the trust."))?;
//! let report = check_path(&index, &[incoming.path().to_path_buf()], &CheckOptions::default())?;
//! // No duplicate; one shared passage, and the indexed document that holds it.
//! assert!(report.findings.is_empty());
//! assert_eq!(report.passages.len(), 1);
//! assert_eq!(report.passages[0].text, shared);
//! let holders = &report.passages[0].holders;
//! assert_eq!(holders.len(), 1);
//! assert!(report.other_name(&holders[0].other).ends_with("council.txt"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod batch;
pub mod check;
pub mod cluster;
pub mod containment;
pub mod corpus;
pub mod destination;
pub mod error;
pub mod findings;
pub mod fingerprint;
pub mod group;
pub mod index;
pub mod locate;
pub mod lsh;
pub mod minhash;
pub mod pairs;
pub mod passage;
pub mod progress;
pub mod quote;
pub mod report;
pub mod scan;
pub mod selection;
pub(crate) mod shared_text;
pub mod shingle;
pub mod sketch;
pub mod synth;
pub mod tokenize;
pub mod verify;

pub use error::Error;

/// A document's number within one scan: its position in path order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(pub u32);

impl DocId {
    /// The id as an index into per-document vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
