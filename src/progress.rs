//! Progress: how far a scan has got, told to an observer the caller chooses.
//!
//! The library never draws anything (it must not print); the `dedup` binary implements
//! [`Progress`] with a progress bar on stderr, a test can count the calls. Every method has an
//! empty default, so an observer implements only what it shows. Calls come from many threads at
//! once, in no particular order within a stage; stages come in the order of the methods below.

/// Receives progress events from [`crate::scan::scan_with_progress`].
pub trait Progress: Sync {
    /// The walk is done: this many files will be read.
    fn files_found(&self, _files: u64) {}
    /// One more file has been read through (all its documents handed on).
    fn file_read(&self) {}
    /// One more document has been signed (tokenised, shingled, MinHashed).
    fn document_signed(&self) {}
    /// This many documents with candidates are read again for exact checking. A scan reads them
    /// a chunk at a time while it checks their pairs, so this comes right before
    /// [`Progress::verifying`] and the two counts then advance together; a document that is a
    /// candidate in several chunks is counted once per chunk.
    fn reloading(&self, _documents: u64) {}
    /// One more document has been read again and analysed.
    fn document_reloaded(&self) {}
    /// This many candidate pairs are checked exactly.
    fn verifying(&self, _pairs: u64) {}
    /// One more candidate pair has been checked.
    fn pair_verified(&self) {}
}

/// An observer that ignores everything: what [`crate::scan::scan`] uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Calls `done` once, when `inner` runs out: how "a file has been read through" is noticed
/// without the reader knowing about progress.
pub(crate) fn on_exhausted<I: Iterator, F: FnMut()>(inner: I, done: F) -> OnExhausted<I, F> {
    OnExhausted {
        inner,
        done: Some(done),
    }
}

/// See [`on_exhausted`].
pub(crate) struct OnExhausted<I, F> {
    inner: I,
    done: Option<F>,
}

impl<I: Iterator, F: FnMut()> Iterator for OnExhausted<I, F> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let next = self.inner.next();
        if next.is_none() {
            if let Some(mut done) = self.done.take() {
                done();
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn exhaustion_is_told_once() {
        let calls = Cell::new(0);
        let mut items = on_exhausted([1, 2].into_iter(), || calls.set(calls.get() + 1));
        assert_eq!(items.next(), Some(1));
        assert_eq!(items.next(), Some(2));
        assert_eq!(calls.get(), 0);
        assert_eq!(items.next(), None);
        assert_eq!(items.next(), None);
        assert_eq!(calls.get(), 1);
    }
}
