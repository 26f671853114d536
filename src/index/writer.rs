//! Writing index files: [`build`] a new one, [`add`] documents to one.
//!
//! Safety of the file on disk:
//! - Every write goes to a temporary file in the same folder (`.NAME.XXXXXXXX.tmp`), which is
//!   flushed, fsynced and renamed over the index, then the folder is fsynced. A run killed at any
//!   point leaves the previous index as it was, plus at worst a stale temporary file, which the
//!   next `build` or `add` of the same index removes.
//! - `build` and `add` hold an exclusive advisory lock on `.NAME.lock` beside the index for the
//!   whole run, and `add` reads the index only once it holds the lock, so two `add`s at the same
//!   time run one after the other and neither loses the other's documents. The lock is released
//!   by the operating system when a process dies; the lock file itself is left in place (removing
//!   it would race with a process waiting for it).
//! - Text is streamed into the temporary file as documents are read, in chunks, so memory holds
//!   the compact sketches and one chunk of text, not the whole corpus.

use super::codec::{encode_sorted, put_varint, shared_prefix};
use super::format::*;
use super::{stored_band_keys, stored_fingerprints, Index, IndexParams};
use crate::corpus::{discover, read_documents, Diagnostic, SourceFile, WalkOptions};
use crate::destination::{destination, folder_of, Destination};
use crate::error::Error;
use crate::lsh::LshParams;
use crate::scan::ScanConfig;
use crate::sketch::sketch;
use rayon::prelude::*;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Files read and sketched in parallel before their text is written out.
const CHUNK_FILES: usize = 512;

/// What a build or add did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// Documents added by this run.
    pub added: usize,
    /// Bytes of text added.
    pub bytes: u64,
    /// Documents in the index now.
    pub total: usize,
    /// Names not added because the index already holds a document of that name.
    pub already_indexed: Vec<String>,
    /// Files skipped or unreadable, ordered by path.
    pub diagnostics: Vec<Diagnostic>,
    /// Temporary files of interrupted earlier runs that were removed.
    pub stale_removed: usize,
    /// Wall time.
    pub elapsed: Duration,
}

impl BuildReport {
    /// True when a file could not be read (exit status 2).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::corpus::Severity::Error)
    }
}

/// Builds an index of the documents under `roots` and writes it to `out`, replacing any index
/// there (atomically).
pub fn build(roots: &[PathBuf], out: &Path, config: &ScanConfig) -> Result<BuildReport, Error> {
    config.validate()?;
    let out = &index_file(out)?;
    let started = Instant::now();
    let params = IndexParams::from_config(config);
    let mut lock = open_lock(out)?;
    let _guard = lock.write().map_err(|e| Error::io(lock_path(out), &e))?;
    let stale_removed = remove_stale_temps(out);

    let (files, mut diagnostics) = discover(roots, &config.walk);
    let files = without_index_files(files, out);
    let mut temp = TempIndex::create(out)?;
    temp.section(SectionKind::Params, 0, &encode_params(&params))?;
    let segment = write_segment(&mut temp, 0, &files, &params, &config.walk, HashSet::new())?;
    temp.finish(out)?;

    diagnostics.extend(segment.diagnostics);
    diagnostics.sort();
    Ok(BuildReport {
        added: segment.added,
        bytes: segment.bytes,
        total: segment.added,
        already_indexed: segment.already_indexed,
        diagnostics,
        stale_removed,
        elapsed: started.elapsed(),
    })
}

/// Adds the documents under `roots` to the index at `index`, as a new segment; documents whose
/// name the index already holds are left out. The parameters are the index's own.
pub fn add(index: &Path, roots: &[PathBuf], walk: &WalkOptions) -> Result<BuildReport, Error> {
    let started = Instant::now();
    let index = &index_file(index)?;
    let mut lock = open_lock(index)?;
    let _guard = lock.write().map_err(|e| Error::io(lock_path(index), &e))?;
    let stale_removed = remove_stale_temps(index);
    // Read only under the lock: a concurrent add has finished and renamed by now.
    let existing = Index::open(index)?;
    let params = existing.params().clone();
    params.scan_config(walk.clone()).validate()?;

    let (files, mut diagnostics) = discover(roots, walk);
    let files = without_index_files(files, index);
    let known: HashSet<String> = existing.docs().iter().map(|d| d.name.clone()).collect();
    let mut temp = TempIndex::create(index)?;
    temp.copy_existing(&existing)?;
    let segment_number = existing.segments() as u32;
    let segment = write_segment(&mut temp, segment_number, &files, &params, walk, known)?;
    if segment.added > 0 {
        temp.finish(index)?;
    }

    diagnostics.extend(segment.diagnostics);
    diagnostics.sort();
    Ok(BuildReport {
        added: segment.added,
        bytes: segment.bytes,
        total: existing.len() + segment.added,
        already_indexed: segment.already_indexed,
        diagnostics,
        stale_removed,
        elapsed: started.elapsed(),
    })
}

/// The file an index named `path` is written to: `path`, or the file a symlink there names (the
/// link stays). A device or FIFO is refused: the rename into place would replace it.
fn index_file(path: &Path) -> Result<PathBuf, Error> {
    match destination(path).map_err(|e| Error::io(path, &e))? {
        Destination::Replace(file) => Ok(file),
        Destination::InPlace => Err(Error::Io {
            path: path.to_path_buf(),
            reason: "not a regular file (an index is written beside its name and renamed over it)"
                .into(),
        }),
    }
}

fn lock_path(index: &Path) -> PathBuf {
    sibling(index, ".lock")
}

/// `.NAME{suffix}` in the index's folder.
fn sibling(index: &Path, suffix: &str) -> PathBuf {
    let name = index.file_name().unwrap_or_default().to_string_lossy();
    folder_of(index).join(format!(".{name}{suffix}"))
}

fn open_lock(index: &Path) -> Result<fd_lock::RwLock<File>, Error> {
    let path = lock_path(index);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::Io {
            path: index.to_path_buf(),
            reason: format!(
                "cannot create the lock file {}: {}",
                path.display(),
                crate::corpus::io_reason(&e)
            ),
        })?;
    Ok(fd_lock::RwLock::new(file))
}

/// Prefix and suffix of the temporary files of `index`.
fn temp_affixes(index: &Path) -> (String, &'static str) {
    let name = index.file_name().unwrap_or_default().to_string_lossy();
    (format!(".{name}."), ".tmp")
}

/// Random characters in a temporary file's name.
const TEMP_RAND: usize = 8;

/// Removes temporary files left by interrupted runs. Called with the lock held, so no other
/// process is writing one.
fn remove_stale_temps(index: &Path) -> usize {
    let (prefix, suffix) = temp_affixes(index);
    let Ok(entries) = std::fs::read_dir(folder_of(index)) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.len() == prefix.len() + TEMP_RAND + suffix.len()
                && name.starts_with(&prefix)
                && name.ends_with(suffix)
        })
        .filter(|entry| std::fs::remove_file(entry.path()).is_ok())
        .count()
}

/// Leaves the index file itself out of the documents (a build of `.` writing `./corpus.dedup`).
fn without_index_files(files: Vec<SourceFile>, index: &Path) -> Vec<SourceFile> {
    let Ok(target) = std::fs::canonicalize(index) else {
        return files;
    };
    files
        .into_iter()
        .filter(|f| {
            f.path.file_name() != target.file_name()
                || std::fs::canonicalize(&f.path).map_or(true, |p| p != target)
        })
        .collect()
}

/// The params section.
pub(super) fn encode_params(params: &IndexParams) -> Vec<u8> {
    let mut out = Vec::with_capacity(PARAMS_LEN);
    let winnow = params.winnow();
    for v in [params.ngram, params.perms] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    out.extend_from_slice(&params.seed.to_le_bytes());
    out.extend_from_slice(&params.threshold.to_le_bytes());
    for v in [
        params.lsh.bands,
        params.lsh.rows,
        params.min_words,
        params.max_df.min(u32::MAX as usize),
        winnow.k,
        winnow.w,
        FINGERPRINT_BITS as usize,
        BAND_KEY_BITS as usize,
    ] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    out.extend_from_slice(&params.hash_probe().to_le_bytes());
    debug_assert_eq!(out.len(), PARAMS_LEN);
    out
}

/// An index being written to a temporary file beside its final name.
struct TempIndex {
    out: BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
    offset: u64,
    entries: Vec<Entry>,
    header: [u8; HEADER_LEN],
    stream: Option<(u64, xxhash_rust::xxh3::Xxh3Default)>,
}

impl TempIndex {
    fn create(index: &Path) -> Result<Self, Error> {
        let (prefix, suffix) = temp_affixes(index);
        let file = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(suffix)
            .rand_bytes(TEMP_RAND)
            .tempfile_in(folder_of(index))
            .map_err(|e| Error::io(index, &e))?;
        let header = encode_header(FORMAT_VERSION);
        let mut temp = TempIndex {
            out: BufWriter::with_capacity(1 << 20, file),
            path: index.to_path_buf(),
            offset: 0,
            entries: Vec::new(),
            header,
            stream: None,
        };
        temp.write(&header)?;
        Ok(temp)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, &e))?;
        self.offset += bytes.len() as u64;
        if let Some((_, hasher)) = &mut self.stream {
            hasher.update(bytes);
        }
        Ok(())
    }

    /// Writes a whole section.
    fn section(&mut self, kind: SectionKind, segment: u32, bytes: &[u8]) -> Result<(), Error> {
        self.entries.push(Entry {
            kind,
            segment,
            offset: self.offset,
            len: bytes.len() as u64,
            hash: xxhash_rust::xxh3::xxh3_64(bytes),
        });
        self.write(bytes)
    }

    /// Starts a section written piece by piece with [`TempIndex::write`].
    fn begin_stream(&mut self) {
        self.stream = Some((self.offset, xxhash_rust::xxh3::Xxh3Default::new()));
    }

    fn end_stream(&mut self, kind: SectionKind, segment: u32) {
        let (start, hasher) = self.stream.take().expect("a section was begun");
        self.entries.push(Entry {
            kind,
            segment,
            offset: start,
            len: self.offset - start,
            hash: hasher.digest(),
        });
    }

    /// Copies every section of an existing index, at the same offsets.
    fn copy_existing(&mut self, index: &Index) -> Result<(), Error> {
        debug_assert_eq!(self.offset, HEADER_LEN as u64);
        let mut buf = vec![0; 1 << 20];
        let mut at = HEADER_LEN as u64;
        while at < index.footer_start {
            let n = (index.footer_start - at).min(buf.len() as u64) as usize;
            super::reader::read_exact_at(&index.file, &mut buf[..n], at)
                .map_err(|e| Error::io(&index.path, &e))?;
            self.write(&buf[..n])?;
            at += n as u64;
        }
        self.entries.extend_from_slice(&index.entries);
        Ok(())
    }

    /// Writes the footer, makes the file durable and renames it over `index`.
    fn finish(mut self, index: &Path) -> Result<(), Error> {
        let footer = encode_footer(&self.header, &self.entries);
        self.write(&footer)?;
        let io = |e: std::io::Error| Error::io(index, &e);
        let file = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        // A temporary file is private (0600); an index is as readable as the one it replaces,
        // or as an ordinary new file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let permissions = std::fs::metadata(index)
                .map(|m| m.permissions())
                .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
            file.as_file().set_permissions(permissions).map_err(io)?;
        }
        file.as_file().sync_all().map_err(io)?;
        file.persist(index).map_err(|e| io(e.error))?;
        #[cfg(unix)]
        if let Ok(folder) = File::open(folder_of(index)) {
            // Makes the rename itself durable; a failure here leaves a valid file either way.
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

/// What writing one segment did.
struct SegmentOutcome {
    added: usize,
    bytes: u64,
    already_indexed: Vec<String>,
    diagnostics: Vec<Diagnostic>,
}

/// The docs, band keys and fingerprints sections of a segment, filled as documents come.
#[derive(Default)]
struct SegmentSections {
    records: Vec<u8>,
    names: Vec<u8>,
    band_keys: Vec<u8>,
    fingerprints: Vec<u8>,
    /// The name of the document before, which the next name is front-coded against.
    last_name: String,
}

impl SegmentSections {
    /// Appends one document's record, name, band keys (under `lsh`) and fingerprints.
    fn push(&mut self, name: &str, text: &[u8], s: &crate::sketch::Sketch, lsh: LshParams) {
        let fingerprints = stored_fingerprints(&s.fingerprints);
        let fp_start = self.fingerprints.len();
        encode_sorted(&fingerprints, &mut self.fingerprints);
        let shared = shared_prefix(self.last_name.as_bytes(), name.as_bytes());
        let record = &mut self.records;
        record.extend_from_slice(&s.content_hash.to_le_bytes());
        for v in [
            s.words as usize,
            text.len(),
            shared,
            name.len() - shared,
            fingerprints.len(),
            self.fingerprints.len() - fp_start,
        ] {
            put_varint(record, v as u64);
        }
        self.names.extend_from_slice(&name.as_bytes()[shared..]);
        self.last_name.clear();
        self.last_name.push_str(name);
        for key in stored_band_keys(lsh, s.signature.values()) {
            self.band_keys.extend_from_slice(&key.to_le_bytes());
        }
    }
}

/// Reads, sketches and writes the documents of `files` as segment `segment`, skipping names in
/// `known` (and repeats).
fn write_segment(
    temp: &mut TempIndex,
    segment: u32,
    files: &[SourceFile],
    params: &IndexParams,
    walk: &WalkOptions,
    mut known: HashSet<String>,
) -> Result<SegmentOutcome, Error> {
    let sketch_params = params.sketch_params();
    let mut outcome = SegmentOutcome {
        added: 0,
        bytes: 0,
        already_indexed: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut sections = SegmentSections::default();
    temp.begin_stream();
    for chunk in files.chunks(CHUNK_FILES) {
        let loaded: Vec<_> = chunk
            .par_iter()
            .flat_map_iter(|file| read_documents(file, walk))
            .map(|result| {
                result.map(|(source, bytes)| {
                    let name = source.display();
                    let sketched = (!known.contains(&name)).then(|| sketch(&bytes, &sketch_params));
                    (name, bytes, sketched)
                })
            })
            .collect();
        for result in loaded {
            let (name, bytes, sketched) = match result {
                Ok(found) => found,
                Err(problem) => {
                    outcome.diagnostics.push(problem);
                    continue;
                }
            };
            let Some(s) = sketched.filter(|_| known.insert(name.clone())) else {
                outcome.already_indexed.push(name);
                continue;
            };
            sections.push(&name, &bytes, &s, params.lsh);
            temp.write(&bytes)?;
            outcome.added += 1;
            outcome.bytes += bytes.len() as u64;
        }
    }
    temp.end_stream(SectionKind::Text, segment);
    let mut docs =
        Vec::with_capacity(DOCS_PREFIX_LEN + sections.records.len() + sections.names.len());
    docs.extend_from_slice(&(outcome.added as u32).to_le_bytes());
    docs.extend_from_slice(&0u32.to_le_bytes());
    docs.extend_from_slice(&sections.records);
    docs.extend_from_slice(&sections.names);
    temp.section(SectionKind::Docs, segment, &docs)?;
    temp.section(SectionKind::BandKeys, segment, &sections.band_keys)?;
    temp.section(SectionKind::Fingerprints, segment, &sections.fingerprints)?;
    Ok(outcome)
}
