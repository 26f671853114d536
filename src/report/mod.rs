//! Output formats, kept apart from the pipeline: each takes a finished
//! [`ScanReport`](crate::scan::ScanReport) and writes it. The core never prints.

pub mod html;
pub mod human;
pub mod jsonl;
