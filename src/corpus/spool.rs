//! Spools: decoded copies of compressed JSON Lines files, written while a scan first reads them.
//!
//! A record of a compressed file cannot be sought, so reading a scan's candidates again decoded
//! the whole file a second time, on one thread (0.9 s of the 5.5 s that the 100k real-text corpus
//! took as `.jsonl.zst`, where the plain `.jsonl` took 3.3 s). A spool is the decoded stream
//! copied to a temporary file on the way, byte for byte: a record's offset in the decoded stream
//! is its offset in the spool, and it is read again with one seek, as in a plain file. Spools
//! live as long as the scan that made them (their temporary files are removed when dropped); a
//! spool that cannot be written (a full disk) is given up, and its records are decoded again.

use super::input::DecodedReader;
use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tempfile::NamedTempFile;

/// The finished spools, by the file they copy.
type Made = Mutex<HashMap<PathBuf, Arc<NamedTempFile>>>;

/// The spools of one scan: none are made unless [`Spools::enabled`] made this.
#[derive(Clone, Default)]
pub struct Spools {
    made: Option<Arc<Made>>,
}

impl std::fmt::Debug for Spools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.made {
            None => write!(f, "Spools(off)"),
            Some(made) => write!(f, "Spools({})", made.lock().map_or(0, |m| m.len())),
        }
    }
}

impl Spools {
    /// Spools that compressed JSON Lines files read through [`Spools::tee`] are copied into.
    pub fn enabled() -> Self {
        Spools {
            made: Some(Arc::default()),
        }
    }

    /// The finished spool of `source`, if one was made.
    pub(crate) fn of(&self, source: &Path) -> Option<Arc<NamedTempFile>> {
        let made = self.made.as_ref()?.lock().ok()?;
        made.get(source).cloned()
    }

    /// `reader` (the decoded stream of the compressed file `source`), copying what is read from
    /// it into a new spool when spools are enabled; the spool is kept once the stream is read to
    /// its end.
    pub(crate) fn tee(&self, source: &Path, reader: DecodedReader) -> DecodedReader {
        if self.made.is_none() {
            return reader;
        }
        let Ok(file) = NamedTempFile::with_prefix(".dedup-spool-") else {
            return reader;
        };
        Box::new(Tee {
            inner: reader,
            buffer: vec![0; TEE_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            spool: Some(file),
            source: source.to_path_buf(),
            spools: self.clone(),
        })
    }

    fn keep(&self, source: PathBuf, spool: NamedTempFile) {
        if let Some(Ok(mut made)) = self.made.as_ref().map(|m| m.lock()) {
            made.insert(source, Arc::new(spool));
        }
    }
}

/// The tee's own buffer: at least the decoded reader's, so that reading into it bypasses that
/// one (the decoder writes straight into it), and what each read filled goes to the spool in one
/// write once it is consumed, with no copy in between.
const TEE_BUFFER: usize = 1 << 20;

/// A decoded stream that copies every byte read from it into a spool, a buffer at a time.
struct Tee {
    inner: DecodedReader,
    buffer: Box<[u8]>,
    /// The unread bytes are `buffer[start..end]`; all of `buffer[..end]` goes to the spool
    /// before the buffer is refilled.
    start: usize,
    end: usize,
    /// `None` once finished or given up.
    spool: Option<NamedTempFile>,
    source: PathBuf,
    spools: Spools,
}

impl Tee {
    /// Copies the buffer, read to its end, into the spool; a spool that cannot be written is
    /// given up (its records are decoded again).
    fn spill(&mut self) {
        if let Some(spool) = &mut self.spool {
            if spool.write_all(&self.buffer[..self.end]).is_err() {
                self.spool = None;
            }
        }
    }

    /// The stream ended: the spool is complete and kept.
    fn finish(&mut self) {
        if let Some(spool) = self.spool.take() {
            self.spools.keep(self.source.clone(), spool);
        }
    }
}

impl Read for Tee {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Tee {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start >= self.end {
            self.spill();
            // Emptied before the read: after an error, nothing is spilled twice.
            self.start = 0;
            self.end = 0;
            self.end = self.inner.read(&mut self.buffer)?;
            if self.end == 0 {
                self.finish();
            }
        }
        Ok(&self.buffer[self.start..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_read_to_its_end_is_spooled_byte_for_byte() {
        let text: Vec<u8> = (0..700_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let spools = Spools::enabled();
        let source = Path::new("corpus.jsonl.zst");
        let mut tee = spools.tee(source, Box::new(io::Cursor::new(text.clone())));
        let mut head = vec![0u8; 1000];
        tee.read_exact(&mut head).unwrap();
        assert!(spools.of(source).is_none(), "kept before the end");
        let mut rest = Vec::new();
        tee.read_to_end(&mut rest).unwrap();
        assert_eq!([head, rest].concat(), text);
        let spool = spools.of(source).expect("kept at the end");
        assert_eq!(std::fs::read(spool.path()).unwrap(), text);
    }

    #[test]
    fn disabled_spools_make_nothing() {
        let spools = Spools::default();
        let mut tee = spools.tee(Path::new("x"), Box::new(io::Cursor::new(b"abc".to_vec())));
        io::copy(&mut tee, &mut io::sink()).unwrap();
        assert!(spools.of(Path::new("x")).is_none());
    }
}
