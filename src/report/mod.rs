//! Output formats, kept apart from the pipeline: each takes a finished
//! [`ScanReport`](crate::scan::ScanReport) or [`CheckReport`](crate::check::CheckReport) and
//! writes it. The core never prints.

pub mod check_human;
pub mod check_jsonl;
pub mod html;
pub mod human;
pub mod jsonl;
pub mod sarif;
