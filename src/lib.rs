//! # dedup
//!
//! Find near-duplicate documents and the passages documents share, in text corpora of any size.
//!
//! The library is the pipeline; the `dedup` binary only parses arguments, calls [`scan::scan`]
//! and prints a [`scan::ScanReport`] with one of the [`report`] formats. One module per stage:
//!
//! ```text
//! corpus -> tokenize -> shingle -> minhash -> lsh -> verify -> cluster -> report
//! ```
//!
//! ## Example
//!
//! ```
//! use dedup::scan::{scan, ScanConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let text = "the quick brown fox jumps over the lazy dog while the cat sleeps in the sun";
//! std::fs::write(dir.path().join("a.txt"), text)?;
//! std::fs::write(dir.path().join("b.txt"), text.replace("sun", "shade"))?;
//! std::fs::write(dir.path().join("c.txt"), "something else entirely, nothing alike at all")?;
//!
//! let report = scan(&[dir.path().to_path_buf()], &ScanConfig::new(0.8))?;
//! assert_eq!(report.pairs.len(), 1);
//! let pair = &report.pairs[0];
//! assert!(pair.jaccard >= 0.8);
//! assert_eq!(report.clusters.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cluster;
pub mod corpus;
pub mod error;
pub mod lsh;
pub mod minhash;
pub mod report;
pub mod scan;
pub mod shingle;
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
