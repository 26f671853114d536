//! Typed errors of the library. Problems with single input files are not errors: they are
//! [`crate::corpus::Diagnostic`]s and the run goes on.

use std::path::PathBuf;

/// What went wrong, with the variants a user acts on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An option value is out of range; nothing was done.
    #[error("{0}")]
    InvalidOption(String),
    /// Reading or writing a file failed.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why, in a few words.
        reason: String,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            reason: crate::corpus::io_reason(err),
        }
    }
}
