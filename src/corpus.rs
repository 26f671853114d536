//! Corpus: find the documents under the paths a user gave and read them.
//!
//! Folders are walked with the `ignore` crate, so `.gitignore`, `.ignore` and hidden files are
//! treated as ripgrep treats them; a file named explicitly is always read. Files are sorted by
//! path, which makes document ids, and so the whole output, independent of walk order and thread
//! count. Problems never stop the run: each becomes a [`Diagnostic`] naming the path, a warning
//! for a file skipped on purpose (binary, too large) and an error for one that could not be read.
//!
//! A file holds one document (plain text) or one per line (JSON Lines, see [`input`] for how they
//! are told apart and [`jsonl`] for how records are read).

pub mod input;
pub mod jsonl;
pub mod spool;

use rayon::prelude::*;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use input::{FileKind, InputFormat, InputOptions};
pub use jsonl::Pending;

/// How to walk folders and which files to read.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Read hidden files and folders too.
    pub hidden: bool,
    /// Do not respect .gitignore, .ignore and similar files.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow: bool,
    /// Glob overrides (`*.txt` includes, `!*.log` excludes), as ripgrep's `--glob`.
    pub globs: Vec<String>,
    /// Documents larger than this are skipped with a warning.
    pub max_bytes: u64,
    /// How to read the files found: format, JSON Lines fields.
    pub input: InputOptions,
    /// Where compressed JSON Lines files are copied, decoded, as they are first read, to be read
    /// again by seeking (a scan enables them; off by default).
    pub spools: spool::Spools,
}

/// The default for `--max-bytes`: 64 MiB, far above any real document, low enough that one
/// stray database dump cannot exhaust memory.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            hidden: false,
            no_ignore: false,
            follow: false,
            globs: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
            input: InputOptions::default(),
            spools: spool::Spools::default(),
        }
    }
}

/// A file to read: where it is and how to name it in the output (as the user gave it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// The path as found (relative paths stay relative, like ripgrep's output).
    pub path: PathBuf,
}

impl SourceFile {
    /// The path as printed in every output format.
    pub fn display(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The file was skipped on purpose; the exit status is not affected.
    Warning,
    /// The file could not be read; the run ends with exit status 2.
    Error,
}

/// A problem with one path, reported beside the findings. Diagnostics sort by file, then by
/// record number read as a number (`news.jsonl:9` before `news.jsonl:10`), then by the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The path as the user would write it.
    pub path: String,
    /// Why, in a few words ("skipped: binary file").
    pub message: String,
    /// Warning or error.
    pub severity: Severity,
}

impl Diagnostic {
    /// A warning about `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            message: message.into(),
            severity: Severity::Warning,
        }
    }

    /// An error about `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    fn sort_key(&self) -> (&str, Option<u64>, &str, &str, Severity) {
        let (file, record) = record_path(&self.path);
        (file, record, &self.path, &self.message, self.severity)
    }

    /// A string whose byte order is the diagnostics' order, for engines that sort by a string
    /// column (the Spark job): file, record number (20 digits, none first), path, message and
    /// severity, each ended by a NUL, which no path or message holds.
    pub fn order_key(&self) -> String {
        let (file, record, path, message, severity) = self.sort_key();
        let record = record.map(|n| format!("{n:020}")).unwrap_or_default();
        let severity = match severity {
            Severity::Warning => '0',
            Severity::Error => '1',
        };
        format!("{file}\0{record}\0{path}\0{message}\0{severity}")
    }
}

impl Ord for Diagnostic {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Diagnostic {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A diagnostic's path split into its file and the record's line number: `corpus.jsonl:17`
/// (a record of a JSON Lines file) is `("corpus.jsonl", Some(17))`; any other path is itself,
/// with no number.
pub fn record_path(path: &str) -> (&str, Option<u64>) {
    match path.rsplit_once(':') {
        Some((file, line)) if !file.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            match line.parse() {
                Ok(number) => (file, Some(number)),
                Err(_) => (path, None),
            }
        }
        _ => (path, None),
    }
}

/// Finds every file under `roots`, sorted by path and without repeats.
pub fn discover(roots: &[PathBuf], options: &WalkOptions) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let overrides = match build_overrides(options) {
        Ok(o) => o,
        Err(problem) => return (files, vec![problem]),
    };
    for root in roots {
        let shown = root.to_string_lossy().into_owned();
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(err) => {
                problems.push(Diagnostic::error(shown, io_reason(&err)));
                continue;
            }
        };
        if !meta.is_dir() {
            match check_regular(&meta) {
                Ok(()) => files.push(SourceFile { path: root.clone() }),
                Err(reason) => problems.push(Diagnostic::error(shown, reason)),
            }
            continue;
        }
        walk_folder(root, options, &overrides, &mut files, &mut problems);
    }
    sort_by_path_without_repeats(&mut files);
    // A FIFO named on the command line and found again in a folder is one problem.
    problems.sort();
    problems.dedup();
    (files, problems)
}

/// Sorts files in `Path` order (on Windows, drive and UNC prefixes compare as their bytes here)
/// and drops repeats: two spellings of one path (`a//b`, `a/b`) are one file, and the first found
/// is kept. `Path::cmp` and `Path::eq` split both paths into components at every comparison,
/// which was half of walking a folder of 100k files; here each path is split once, into a key
/// that compares bytewise in the same order ([`path_order_key`]), and repeats are equal keys.
/// Ties are broken by the order found, so the sort need not be stable.
fn sort_by_path_without_repeats(files: &mut Vec<SourceFile>) {
    let mut keyed: Vec<(Vec<u8>, usize, SourceFile)> = files
        .drain(..)
        .enumerate()
        .map(|(found, file)| (path_order_key(&file.path), found, file))
        .collect();
    keyed.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    keyed.dedup_by(|later, earlier| later.0 == earlier.0);
    files.extend(keyed.into_iter().map(|(_, _, file)| file));
}

/// A key whose bytewise order is `Path`'s order: `Path::cmp` compares the components in turn,
/// first by kind (prefix, root, `.`, `..`, name), then by their bytes. Each component here is a
/// kind byte and its bytes, and components are joined by a 0 byte, which no component holds,
/// so a component that is a prefix of another sorts first, as it does in `Path`.
fn path_order_key(path: &Path) -> Vec<u8> {
    use std::path::Component;
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    for (i, component) in path.components().enumerate() {
        if i > 0 {
            key.push(0);
        }
        let (kind, bytes) = match component {
            Component::Prefix(prefix) => (1, prefix.as_os_str().as_encoded_bytes()),
            Component::RootDir => (2, &[][..]),
            Component::CurDir => (3, &[][..]),
            Component::ParentDir => (4, &[][..]),
            Component::Normal(name) => (5, name.as_encoded_bytes()),
        };
        key.push(kind);
        key.extend_from_slice(bytes);
    }
    key
}

fn build_overrides(options: &WalkOptions) -> Result<ignore::overrides::Override, Diagnostic> {
    let mut builder = ignore::overrides::OverrideBuilder::new(".");
    for glob in &options.globs {
        builder
            .add(glob)
            .map_err(|e| Diagnostic::error(format!("--glob {glob}"), e.to_string()))?;
    }
    builder
        .build()
        .map_err(|e| Diagnostic::error("--glob", e.to_string()))
}

fn walk_folder(
    root: &Path,
    options: &WalkOptions,
    overrides: &ignore::overrides::Override,
    files: &mut Vec<SourceFile>,
    problems: &mut Vec<Diagnostic>,
) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(!options.hidden)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .follow_links(options.follow)
        .overrides(overrides.clone())
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                if file_type.is_dir() {
                    continue;
                }
                if file_type.is_symlink() {
                    // Not followed (no --follow): skipped like ripgrep does.
                    continue;
                }
                if file_type.is_file() {
                    files.push(SourceFile {
                        path: entry.into_path(),
                    });
                } else {
                    let shown = entry.path().to_string_lossy().into_owned();
                    problems.push(Diagnostic::error(shown, NOT_REGULAR));
                }
            }
            Err(err) => problems.push(walk_problem(root, &err)),
        }
    }
}

fn walk_problem(root: &Path, err: &ignore::Error) -> Diagnostic {
    let path = walk_error_path(err)
        .unwrap_or(root)
        .to_string_lossy()
        .into_owned();
    let reason = match err.io_error() {
        Some(io) => io_reason(io),
        None if err.is_io() => err.to_string(),
        None => walk_error_reason(err),
    };
    Diagnostic::error(path, reason)
}

fn walk_error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn walk_error_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_reason(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop (back to {})", ancestor.display())
        }
        other => other.to_string(),
    }
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), String> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(NOT_REGULAR.to_string())
    }
}

/// An I/O error in the few words a user needs ("No such file or directory", "Permission denied").
/// Wrapped errors (the walker's "IO error for operation on PATH: ...") are unwrapped to the
/// operating system's reason, since the path is printed beside it anyway.
pub fn io_reason(err: &std::io::Error) -> String {
    let os_code = std::iter::successors(Some(err as &dyn std::error::Error), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>()?.raw_os_error());
    let text = match os_code {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => err.to_string(),
    };
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// One document: a whole file, or one record of a JSON Lines file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocumentSource {
    /// The file the document is in.
    pub path: PathBuf,
    /// The record within the file, for files that hold many documents.
    pub record: Option<Record>,
}

/// Where a document sits inside a multi-document file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    /// 1-based line number.
    pub line: u64,
    /// The id a user knows the document by (`PATH:LINE` when the record has none).
    pub id: String,
    /// Byte offset of the line in the decoded file, to find it again.
    pub offset: u64,
}

impl DocumentSource {
    /// A document that is a whole file.
    pub fn file(path: PathBuf) -> Self {
        DocumentSource { path, record: None }
    }

    /// The name printed in every output format: the path as the user gave it, or the record id.
    pub fn display(&self) -> String {
        match &self.record {
            None => self.path.to_string_lossy().into_owned(),
            Some(record) => record.id.clone(),
        }
    }

    /// Where the document is, for diagnostics: the path, or `PATH:LINE` for a record.
    pub fn location(&self) -> String {
        match &self.record {
            None => self.path.to_string_lossy().into_owned(),
            Some(record) => jsonl::location(&self.path, record.line),
        }
    }
}

/// Reads a file found by [`discover`] into the documents it holds, with their bytes, in order.
/// Problems with single records are diagnostics among them; the documents around them stay.
pub fn read_documents<'o>(
    file: &SourceFile,
    options: &'o WalkOptions,
) -> impl Iterator<Item = Result<(DocumentSource, Vec<u8>), Diagnostic>> + 'o {
    read_batches(file, options)
        .flatten()
        .map(move |pending| pending.load(options))
}

/// Reads a file into batches of documents still to be decoded ([`Pending::load`]), so that the
/// decoding, and everything after it, can run in parallel within one large JSON Lines file while
/// the file itself is read sequentially. A plain-text file is one batch of one document.
pub fn read_batches(file: &SourceFile, options: &WalkOptions) -> Batches {
    match options.input.kind_of(&file.path) {
        FileKind::Text => {
            let loaded = read_document(&file.path, options.max_bytes)
                .map(|bytes| (DocumentSource::file(file.path.clone()), bytes))
                .map_err(|problem| problem.into_diagnostic(file.display()));
            Batches::One(Some(vec![Pending::Ready(loaded)]))
        }
        FileKind::Jsonl => match jsonl::Batches::open(&file.path, options) {
            Ok(batches) => Batches::Jsonl(batches),
            Err(problem) => Batches::One(Some(vec![Pending::Ready(Err(problem))])),
        },
    }
}

/// True for a file whose batches are worth reading on a thread of their own while the ones
/// before are processed ([`for_each_batch_read_ahead`]): a JSON Lines file of more than a few
/// batches. Reading such a file (decompressing it above all) is serial, so when its batches were
/// read and processed in turn, a 100k-document `.jsonl.zst` took 1.5x the plain file.
pub fn is_large_stream(file: &SourceFile, options: &WalkOptions) -> bool {
    options.input.kind_of(&file.path) == FileKind::Jsonl
        && std::fs::metadata(&file.path).is_ok_and(|m| m.len() > LARGE_STREAM_BYTES)
}

/// Bytes on disk from which a JSON Lines file is read ahead (see [`is_large_stream`]).
const LARGE_STREAM_BYTES: u64 = 16 << 20;

/// Calls `each` with the batches of `file` in order, on this thread, while a second thread reads
/// the next batches (up to three ahead: two queued, one waiting to be), so that reading overlaps
/// what `each` does.
pub fn for_each_batch_read_ahead(
    file: &SourceFile,
    options: &WalkOptions,
    mut each: impl FnMut(Vec<Pending>),
) {
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            for batch in read_batches(file, options) {
                // The receiver only goes away when `each` panicked; stop reading then.
                if sender.send(batch).is_err() {
                    return;
                }
            }
        });
        for batch in receiver {
            each(batch);
        }
    });
}

/// The batches of one file (see [`read_batches`]).
pub enum Batches {
    /// A single batch, already made.
    One(Option<Vec<Pending>>),
    /// The lines of a JSON Lines file.
    Jsonl(jsonl::Batches),
}

impl Iterator for Batches {
    type Item = Vec<Pending>;

    fn next(&mut self) -> Option<Vec<Pending>> {
        match self {
            Batches::One(batch) => batch.take(),
            Batches::Jsonl(batches) => batches.next(),
        }
    }
}

/// Reads the bytes of a document again (for exact verification and passages).
pub fn reload(source: &DocumentSource, options: &WalkOptions) -> Result<Vec<u8>, Diagnostic> {
    reload_many(&[source], options)
        .pop()
        .expect("one result per source")
}

/// Reads the bytes of many documents again, in the order given, in parallel across files. Each
/// file is opened once for all the records wanted from it, so a compressed JSON Lines file is
/// decompressed once, not once per record.
pub fn reload_many(
    sources: &[&DocumentSource],
    options: &WalkOptions,
) -> Vec<Result<Vec<u8>, Diagnostic>> {
    let mut by_file: Vec<usize> = (0..sources.len()).collect();
    by_file.sort_by(|&x, &y| sources[x].path.cmp(&sources[y].path).then(x.cmp(&y)));
    let groups: Vec<&[usize]> = by_file
        .chunk_by(|&x, &y| sources[x].path == sources[y].path)
        .collect();
    let loaded: Vec<Vec<(usize, Reloaded)>> = groups
        .par_iter()
        .map(|group| reload_group(sources, group, options))
        .collect();
    let mut results: Vec<Option<Reloaded>> = (0..sources.len()).map(|_| None).collect();
    for (at, result) in loaded.into_iter().flatten() {
        results[at] = Some(result);
    }
    results
        .into_iter()
        .map(|r| r.expect("every source reloaded"))
        .collect()
}

/// A document's bytes read again, or why not.
pub type Reloaded = Result<Vec<u8>, Diagnostic>;

/// Reads documents again batch after batch, in an order known beforehand (the chunks of a
/// stage), decoding each compressed JSON Lines file once for many batches.
///
/// A record of a compressed file cannot be sought: reading it again decodes the file from its
/// start. Read chunk by chunk, a 100k-document `.jsonl.zst` was decoded once per chunk (13.7 s of
/// re-reading where the plain file took 0.5 s). A rereader reads the records of compressed files
/// for as many of the coming batches as `budget` bytes of them allow, in one pass per file, and
/// keeps them until their batches are read; everything else is read batch by batch as before.
pub struct Rereader<'a> {
    batches: Vec<Vec<&'a DocumentSource>>,
    /// Bytes of each source of each batch, as first read.
    sizes: Vec<Vec<u64>>,
    options: &'a WalkOptions,
    budget: u64,
    /// Files whose records are read ahead: JSON Lines files that are compressed.
    streamed: std::collections::HashSet<&'a Path>,
    next: usize,
    /// Batches before this one have their compressed records in `ahead`.
    read_ahead_to: usize,
    /// Records read ahead, with how many of the coming batches still want each.
    ahead: std::collections::HashMap<(&'a Path, u64), (Reloaded, usize)>,
}

impl<'a> Rereader<'a> {
    /// A rereader of `batches`, each source with its size in bytes, keeping at most about
    /// `budget` bytes of compressed records read ahead (at least one batch's).
    pub fn new(
        batches: Vec<Vec<(&'a DocumentSource, u64)>>,
        options: &'a WalkOptions,
        budget: u64,
    ) -> Self {
        let mut streamed = std::collections::HashSet::new();
        let mut plain = std::collections::HashSet::new();
        for (source, _) in batches.iter().flatten() {
            let path = source.path.as_path();
            if source.record.is_none() || streamed.contains(path) || plain.contains(path) {
                continue;
            }
            if is_compressed(path) && options.spools.of(path).is_none() {
                streamed.insert(path);
            } else {
                plain.insert(path);
            }
        }
        let (batches, sizes) = batches
            .into_iter()
            .map(|batch| batch.into_iter().unzip())
            .unzip();
        Rereader {
            batches,
            sizes,
            options,
            budget,
            streamed,
            next: 0,
            read_ahead_to: 0,
            ahead: std::collections::HashMap::new(),
        }
    }

    fn is_streamed(&self, source: &DocumentSource) -> bool {
        source.record.is_some() && self.streamed.contains(source.path.as_path())
    }

    /// The next batch's bytes, in its order; `None` after the last.
    pub fn next_batch(&mut self) -> Option<Vec<Reloaded>> {
        let at = self.next;
        let batch = self.batches.get(at)?.clone();
        self.next += 1;
        if at >= self.read_ahead_to && batch.iter().any(|s| self.is_streamed(s)) {
            self.read_ahead(at);
        }
        let direct: Vec<&DocumentSource> = batch
            .iter()
            .copied()
            .filter(|s| !self.is_streamed(s))
            .collect();
        let mut direct = reload_many(&direct, self.options).into_iter();
        let loaded = batch
            .iter()
            .map(|s| {
                if !self.is_streamed(s) {
                    return direct.next().expect("one result per source");
                }
                let key = ahead_key(s);
                match self.ahead.get_mut(&key) {
                    // Its last use takes it: read-ahead bytes are held no longer than needed.
                    Some((_, 1)) => self.ahead.remove(&key).expect("present").0,
                    Some((found, uses)) => {
                        *uses -= 1;
                        found.clone()
                    }
                    None => reload(s, self.options),
                }
            })
            .collect();
        if self.next >= self.read_ahead_to {
            self.ahead.clear();
        }
        Some(loaded)
    }

    /// Reads the compressed records of batches `from..` (as many as the budget allows, at least
    /// `from` itself) in one pass per file.
    fn read_ahead(&mut self, from: usize) {
        self.ahead.clear();
        let mut wanted: Vec<&'a DocumentSource> = Vec::new();
        let mut bytes = 0;
        let mut to = from;
        while to < self.batches.len() {
            let streamed: Vec<(&'a DocumentSource, u64)> = self.batches[to]
                .iter()
                .zip(&self.sizes[to])
                .filter(|(s, _)| self.is_streamed(s))
                .map(|(s, &n)| (*s, n))
                .collect();
            let more: u64 = streamed.iter().map(|(_, n)| n).sum();
            if to > from && bytes + more > self.budget {
                break;
            }
            bytes += more;
            wanted.extend(streamed.into_iter().map(|(s, _)| s));
            to += 1;
        }
        let mut uses: std::collections::HashMap<(&'a Path, u64), usize> =
            std::collections::HashMap::new();
        for s in &wanted {
            *uses.entry(ahead_key(s)).or_default() += 1;
        }
        wanted.sort_by_key(|s| ahead_key(s));
        wanted.dedup_by_key(|s| ahead_key(s));
        let loaded = reload_many(&wanted, self.options);
        for (source, result) in wanted.iter().zip(loaded) {
            let key = ahead_key(source);
            self.ahead.insert(key, (result, uses[&key]));
        }
        self.read_ahead_to = to;
    }
}

/// A record read ahead: its file and line.
fn ahead_key(source: &DocumentSource) -> (&Path, u64) {
    let line = source
        .record
        .as_ref()
        .expect("only records are read ahead")
        .line;
    (source.path.as_path(), line)
}

/// True when the file at `path` starts with a gzip or zstd magic number (an unreadable file is
/// read as plain, and its error reported when it is read).
fn is_compressed(path: &Path) -> bool {
    let mut head = [0u8; 4];
    let read = File::open(path).and_then(|mut f| {
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..])? {
                0 => break,
                k => n += k,
            }
        }
        Ok(n)
    });
    read.is_ok_and(|n| input::Compression::sniff(&head[..n]) != input::Compression::None)
}

/// Reloads the documents `group` (indexes into `sources`, all of one file).
fn reload_group(
    sources: &[&DocumentSource],
    group: &[usize],
    options: &WalkOptions,
) -> Vec<(usize, Reloaded)> {
    let path = &sources[group[0]].path;
    let records: Option<Vec<&Record>> = group.iter().map(|&i| sources[i].record.as_ref()).collect();
    let results = match records {
        Some(records) => jsonl::reload_records(path, &records, options),
        None => group
            .iter()
            .map(|&i| {
                read_document(path, options.max_bytes)
                    .map_err(|p| p.into_diagnostic(sources[i].location()))
            })
            .collect(),
    };
    group.iter().copied().zip(results).collect()
}

/// Why a document was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    /// Skipped on purpose (binary, too large): a warning.
    Skipped(String),
    /// Could not be read: an error.
    Failed(String),
}

impl ReadProblem {
    /// The diagnostic for `path`.
    pub fn into_diagnostic(self, path: String) -> Diagnostic {
        match self {
            ReadProblem::Skipped(reason) => Diagnostic::warning(path, reason),
            ReadProblem::Failed(reason) => Diagnostic::error(path, reason),
        }
    }
}

/// Bytes read at a time; each chunk is checked for binary content before the next is read.
const READ_CHUNK: u64 = 64 * 1024;

/// Reads a document, refusing binary files and files over `max_bytes`.
///
/// Bounded whatever the file: its size is checked before reading (a 2 GB file over `--max-bytes`
/// is never read), a file that grows while it is read is read to the size it had when opened (a
/// file whose size says nothing, 0 as under `/proc`, to its end but at most `max_bytes + 1`
/// bytes; one whose reported size is less than its content, as some virtual file systems do,
/// is read to that size), and reading stops at
/// the first chunk that shows it is binary (a NUL byte, or the signature of a common binary
/// format at the start). It never blocks: the file is opened non-blocking and refused unless it
/// is a regular file, so a FIFO that replaced a file after the walk cannot hang the run.
pub fn read_document(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadProblem> {
    let fail = |err: std::io::Error| ReadProblem::Failed(io_reason(&err));
    let file = open_for_reading(path).map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    if !meta.is_file() {
        return Err(ReadProblem::Failed(NOT_REGULAR.into()));
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len(), max_bytes));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Reading stops at the size the file had: a `Take` at its limit answers the read that would
    // find the end itself, without a system call. Reading on to the end took a second read of
    // every file, 233,209 reads for 116,607 opens in a near-duplicate scan of 100k files.
    let limit = match meta.len() {
        0 => max_bytes.saturating_add(1),
        len => len,
    };
    let mut reader = file.take(limit);
    loop {
        let before = bytes.len();
        let read = (&mut reader)
            .take(READ_CHUNK)
            .read_to_end(&mut bytes)
            .map_err(fail)?;
        if looks_binary(&bytes, before) {
            return Err(ReadProblem::Skipped("skipped: binary file".into()));
        }
        // A chunk read short ended at the end of the file, or at the size it had when opened
        // (or at the `max_bytes + 1` limit): asking again would only read nothing.
        if read < READ_CHUNK as usize {
            break;
        }
    }
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    Ok(bytes)
}

/// Signatures of common binary formats whose first bytes are not text (PNG, JPEG, GIF, gzip,
/// zip, ELF, zstd, xz), for the rare such file without a NUL byte in it.
const BINARY_SIGNATURES: [&[u8]; 9] = [
    b"\x89PNG\r\n\x1a\n",
    b"\xFF\xD8\xFF",
    b"GIF87a",
    b"GIF89a",
    b"\x1F\x8B",
    b"PK\x03\x04",
    b"\x7FELF",
    b"\x28\xB5\x2F\xFD",
    b"\xFD7zXZ\x00",
];

/// True when the bytes read so far show a binary file: a NUL byte in the chunk that starts at
/// `chunk_start` (earlier chunks were checked already), or a binary signature at the start.
fn looks_binary(bytes: &[u8], chunk_start: usize) -> bool {
    (chunk_start == 0 && BINARY_SIGNATURES.iter().any(|s| bytes.starts_with(s)))
        || bytes[chunk_start..].contains(&0)
}

const NOT_REGULAR: &str = "not a regular file (socket, FIFO or device)";

/// Opens a file for reading without ever blocking (on a FIFO, say).
fn open_for_reading(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK changes nothing for regular files; for a FIFO it makes open() return at once.
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn too_large(len: u64, max_bytes: u64) -> ReadProblem {
    ReadProblem::Skipped(format!(
        "skipped: {len} bytes is over --max-bytes {max_bytes}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_sort_by_file_then_record_number() {
        let mut diagnostics = [
            Diagnostic::warning("b.jsonl:10", "skipped"),
            Diagnostic::warning("b.jsonl:9", "skipped"),
            Diagnostic::warning("a.txt", "skipped: binary file"),
            Diagnostic::error("b.jsonl:100", "not JSON"),
            Diagnostic::warning("b.jsonl", "unreadable"),
            Diagnostic::warning("b.jsonl.gz:6", "skipped"),
            Diagnostic::error("b.jsonl.gz:6", "skipped"),
        ];
        diagnostics.sort();
        let paths: Vec<&str> = diagnostics.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "a.txt",
                "b.jsonl",
                "b.jsonl:9",
                "b.jsonl:10",
                "b.jsonl:100",
                "b.jsonl.gz:6",
                "b.jsonl.gz:6"
            ]
        );
        assert_eq!(diagnostics[5].severity, Severity::Warning);
        let mut keys: Vec<String> = diagnostics.iter().map(Diagnostic::order_key).collect();
        keys.sort();
        let by_key: Vec<String> = diagnostics.iter().map(Diagnostic::order_key).collect();
        assert_eq!(keys, by_key, "order keys sort as the diagnostics do");
        assert_eq!(record_path("c:dir"), ("c:dir", None));
        assert_eq!(record_path("odd:"), ("odd:", None));
        assert_eq!(record_path(":12"), (":12", None));
        assert_eq!(
            record_path("x:99999999999999999999999"),
            ("x:99999999999999999999999", None)
        );
    }

    proptest::proptest! {
        #[test]
        fn paths_sort_by_key_as_by_path(
            paths in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec!["/", "//", ".", "..", "a", "a-b", "a.b", "b", "ab", "_"]),
                    0..6,
                ),
                0..30,
            )
        ) {
            let paths: Vec<PathBuf> = paths.iter().map(|parts| PathBuf::from(parts.concat())).collect();
            let mut by_path = paths.clone();
            by_path.sort();
            let mut by_key = paths.clone();
            by_key.sort_by_key(|p| path_order_key(p));
            proptest::prop_assert_eq!(by_path, by_key);
        }
    }

    /// Two spellings of one path are one file, under the spelling found first.
    #[test]
    fn a_path_given_twice_is_one_file_as_first_spelled() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "some words").unwrap();
        std::fs::write(dir.path().join("b.txt"), "other words").unwrap();
        let doubled = PathBuf::from(format!("{}//a.txt", dir.path().display()));
        let plain = dir.path().join("a.txt");
        let roots = [doubled.clone(), dir.path().to_path_buf(), plain];
        let (files, problems) = discover(&roots, &WalkOptions::default());
        assert!(problems.is_empty(), "{problems:?}");
        let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
        assert_eq!(paths, [doubled.as_path(), &dir.path().join("b.txt")]);
    }

    /// A file is read to the size it had when opened, and one whose size says nothing (0, as
    /// files under `/proc` report) is read to its end all the same.
    #[test]
    fn a_file_is_read_whole_whatever_size_it_reports() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let text = "word ".repeat(30_000);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_document(&path, 1 << 20).unwrap(), text.as_bytes());
        #[cfg(target_os = "linux")]
        {
            let status = Path::new("/proc/self/status");
            assert_eq!(std::fs::metadata(status).unwrap().len(), 0);
            let read = read_document(status, 1 << 20).unwrap();
            assert!(read.starts_with(b"Name:"), "{read:?}");
        }
    }

    #[test]
    fn walks_sorted_and_respects_hidden_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("c.log"), "c").unwrap();
        std::fs::write(dir.path().join(".hidden.txt"), "h").unwrap();
        let root = vec![dir.path().to_path_buf()];
        let names = |opts: &WalkOptions| -> Vec<String> {
            let (files, problems) = discover(&root, opts);
            assert!(problems.is_empty(), "{problems:?}");
            files
                .iter()
                .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(names(&WalkOptions::default()), ["a.txt", "b.txt", "c.log"]);
        // As in ripgrep, a --glob match overrides every other ignore rule, hidden files included.
        let globbed = WalkOptions {
            globs: vec!["*.txt".into()],
            ..Default::default()
        };
        assert_eq!(names(&globbed), [".hidden.txt", "a.txt", "b.txt"]);
        let excluded = WalkOptions {
            globs: vec!["!*.log".into()],
            ..Default::default()
        };
        assert_eq!(names(&excluded), ["a.txt", "b.txt"]);
        let hidden = WalkOptions {
            hidden: true,
            ..Default::default()
        };
        assert_eq!(names(&hidden).len(), 4);
    }

    #[test]
    fn documents_come_from_text_files_and_records_and_reload_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "plain text").unwrap();
        std::fs::write(
            dir.path().join("b.jsonl"),
            "{\"text\":\"first\"}\nbroken\n{\"text\":\"third\"}\n",
        )
        .unwrap();
        let options = WalkOptions::default();
        let (files, _) = discover(&[dir.path().to_path_buf()], &options);
        let read: Vec<Result<(DocumentSource, Vec<u8>), Diagnostic>> = files
            .iter()
            .flat_map(|f| read_documents(f, &options))
            .collect();
        let texts: Vec<Result<&[u8], &str>> = read
            .iter()
            .map(|r| match r {
                Ok((_, bytes)) => Ok(bytes.as_slice()),
                Err(d) => Err(d.message.as_str()),
            })
            .collect();
        assert_eq!(
            texts,
            [
                Ok(&b"plain text"[..]),
                Ok(b"first"),
                Err("skipped: not JSON (expected value at column 1)"),
                Ok(b"third"),
            ]
        );
        let third = read[3].as_ref().unwrap().0.clone();
        assert_eq!(
            third.location(),
            format!("{}:3", dir.path().join("b.jsonl").display())
        );
        let sources: Vec<&DocumentSource> = [3, 0, 1]
            .iter()
            .map(|&i| &read[i].as_ref().unwrap().0)
            .collect();
        let again: Vec<Vec<u8>> = reload_many(&sources, &options)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(again, [&b"third"[..], b"plain text", b"first"]);
        assert_eq!(reload(&third, &options).unwrap(), b"third");
    }

    #[test]
    fn a_rereader_decodes_a_compressed_file_once_for_the_batches_its_budget_allows() {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = (0..10)
            .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"text {i}\"}}\n"))
            .collect();
        let zst = dir.path().join("z.jsonl.zst");
        std::fs::write(&zst, zstd::encode_all(lines.as_bytes(), 3).unwrap()).unwrap();
        std::fs::write(dir.path().join("a.txt"), "plain text").unwrap();
        let options = WalkOptions::default();
        let (files, _) = discover(&[dir.path().to_path_buf()], &options);
        let read: Vec<(DocumentSource, Vec<u8>)> = files
            .iter()
            .flat_map(|f| read_documents(f, &options))
            .map(Result::unwrap)
            .collect();
        let source = |text: &str| &read.iter().find(|(_, b)| b == text.as_bytes()).unwrap().0;
        let batches = || -> Vec<Vec<(&DocumentSource, u64)>> {
            [
                vec!["text 3", "plain text", "text 1"],
                vec!["text 7", "text 3"],
                vec!["text 9"],
            ]
            .iter()
            .map(|b| b.iter().map(|t| (source(t), 6)).collect())
            .collect()
        };
        let texts = |loaded: Vec<Reloaded>| -> Vec<Result<String, String>> {
            loaded
                .into_iter()
                .map(|r| {
                    r.map(|b| String::from_utf8(b).unwrap())
                        .map_err(|d| d.message)
                })
                .collect()
        };
        let saved = std::fs::read(&zst).unwrap();

        // A budget for all three batches: the file is read once, so removing it after the
        // first batch changes nothing; the plain file is read batch by batch.
        let mut all = Rereader::new(batches(), &options, 1 << 20);
        assert_eq!(
            texts(all.next_batch().unwrap()),
            [
                Ok("text 3".into()),
                Ok("plain text".into()),
                Ok("text 1".into())
            ]
        );
        std::fs::remove_file(&zst).unwrap();
        assert_eq!(
            texts(all.next_batch().unwrap()),
            [Ok("text 7".into()), Ok("text 3".into())]
        );
        assert_eq!(texts(all.next_batch().unwrap()), [Ok("text 9".into())]);
        assert!(all.next_batch().is_none());

        // A budget of one batch: the second batch reads the file again, and finds it gone.
        std::fs::write(&zst, &saved).unwrap();
        let mut one = Rereader::new(batches(), &options, 0);
        assert_eq!(texts(one.next_batch().unwrap())[0], Ok("text 3".into()));
        std::fs::remove_file(&zst).unwrap();
        let second = texts(one.next_batch().unwrap());
        assert!(second.iter().all(Result::is_err), "{second:?}");
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let (files, problems) = discover(&[PathBuf::from("no/such/dir")], &WalkOptions::default());
        assert!(files.is_empty());
        assert_eq!(
            problems,
            [Diagnostic::error(
                "no/such/dir",
                "No such file or directory"
            )]
        );
    }

    #[test]
    fn binary_and_oversized_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("x.bin");
        std::fs::write(&bin, b"abc\0def").unwrap();
        assert_eq!(
            read_document(&bin, 100),
            Err(ReadProblem::Skipped("skipped: binary file".into()))
        );
        assert!(matches!(
            read_document(&bin, 3),
            Err(ReadProblem::Skipped(_))
        ));
        let png = dir.path().join("x.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\nno NUL byte here").unwrap();
        assert_eq!(
            read_document(&png, 100),
            Err(ReadProblem::Skipped("skipped: binary file".into()))
        );
    }

    /// The largest `--max-bytes` reads a file whole (the one past the limit that is read to tell
    /// a file over it must not wrap to zero).
    #[test]
    fn the_largest_max_bytes_reads_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"hello world").unwrap();
        assert_eq!(read_document(&path, u64::MAX).unwrap(), b"hello world");
    }

    /// Files of one chunk, of whole chunks and of chunks and a part read back whole; a NUL byte
    /// in a later chunk is still seen.
    #[test]
    fn documents_are_read_whole_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let chunk = READ_CHUNK as usize;
        for len in [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 3 * chunk + 17] {
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let path = dir.path().join(format!("{len}.txt"));
            std::fs::write(&path, &text).unwrap();
            assert_eq!(read_document(&path, 1 << 30).unwrap(), text, "{len} bytes");
            let mut late_nul = text.clone();
            if len > chunk {
                late_nul[len - 1] = 0;
                std::fs::write(&path, &late_nul).unwrap();
                assert_eq!(
                    read_document(&path, 1 << 30),
                    Err(ReadProblem::Skipped("skipped: binary file".into()))
                );
            }
        }
    }

    /// A FIFO that replaced a file after the walk is refused at once, never read: reading would
    /// wait for a writer forever.
    #[cfg(unix)]
    #[test]
    fn reading_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || send.send(read_document(&fifo, 100)).unwrap());
        let read = receive
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("read_document returned");
        assert_eq!(read, Err(ReadProblem::Failed(NOT_REGULAR.into())));
    }

    #[test]
    fn wrapped_io_errors_read_as_the_os_reason() {
        let inner = std::io::Error::from_raw_os_error(2);
        let wrapped = std::io::Error::other(Wrapper(inner));
        assert_eq!(io_reason(&wrapped), "No such file or directory");
    }

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "IO error for operation on x: {}", self.0)
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
