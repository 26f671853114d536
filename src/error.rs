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
    /// An index file is damaged or is not an index: rebuild it.
    #[error("{}: corrupt index ({detail})", path.display())]
    Corrupt {
        /// The index file.
        path: PathBuf,
        /// What is wrong, and where in the file.
        detail: String,
    },
    /// An index file written by another version of the format: rebuild it with this version.
    #[error(
        "{}: index format version {found} is not supported (this dedup reads version \
         {supported}); rebuild it with `dedup index build`",
        path.display()
    )]
    IncompatibleFormat {
        /// The index file.
        path: PathBuf,
        /// The version the file says it has.
        found: u32,
        /// The version this build reads and writes.
        supported: u32,
    },
    /// The options given do not match the parameters an index was built with.
    #[error("{}: {detail}", path.display())]
    ParamsMismatch {
        /// The index file.
        path: PathBuf,
        /// Which parameter, and both values.
        detail: String,
    },
    /// A baseline file that cannot be read as one.
    #[error("{}:{line}: not a baseline record ({detail})", path.display())]
    Baseline {
        /// The baseline file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        detail: String,
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

    /// A corrupt index at `path`.
    pub fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        Error::Corrupt {
            path: path.into(),
            detail: detail.into(),
        }
    }
}
