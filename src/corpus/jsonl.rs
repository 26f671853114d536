//! JSON Lines input: one document per line, its text in one field and its id in another.
//!
//! Reading is split in two so one large file still keeps every core busy: [`Batches`] only
//! decompresses and cuts lines (cheap, sequential), and [`Pending::load`] parses a line's JSON
//! (costly, run in parallel by the caller). Lines are numbered from 1 and located by their byte
//! offset in the decoded stream, so an uncompressed file can be re-read one record at a time with a
//! seek; a compressed one is streamed once for all the records wanted ([`reload_records`]).
//!
//! A line that is not JSON, not an object, or has no string text field is a warning naming
//! `PATH:LINE`, and the run goes on; blank lines are not documents and are skipped silently. A line
//! longer than `--max-bytes` is skipped without being held in memory (the decoded text is never
//! longer than its JSON line, so no document over the limit gets through).

use super::input::{open_decoded, Compression, DecodedReader, InputOptions};
use super::{io_reason, Diagnostic, DocumentSource, Record, WalkOptions};
use serde_json::Value;
use std::io::{self, BufRead, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A batch holds at most this many lines ...
const BATCH_LINES: usize = 1024;
/// ... or about this many bytes, whichever comes first.
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// A document read from disk but not decoded yet.
#[derive(Debug)]
pub enum Pending {
    /// Already decoded (a whole text file), or already known to be bad.
    Ready(Result<(DocumentSource, Vec<u8>), Diagnostic>),
    /// One JSON Lines record, still raw JSON.
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Byte offset of the line in the decoded file.
        offset: u64,
        /// The line without its line ending.
        raw: Vec<u8>,
    },
}

impl Pending {
    /// Decodes the document: parses the JSON and takes out its text and id.
    pub fn load(self, options: &WalkOptions) -> Result<(DocumentSource, Vec<u8>), Diagnostic> {
        match self {
            Pending::Ready(result) => result,
            Pending::Line {
                path,
                line,
                offset,
                raw,
            } => {
                let (text, id) = parse_record(&raw, &options.input)
                    .map_err(|reason| Diagnostic::warning(location(&path, line), reason))?;
                let id = id.unwrap_or_else(|| location(&path, line));
                let record = Record { line, id, offset };
                Ok((
                    DocumentSource {
                        path,
                        record: Some(record),
                    },
                    text.into_bytes(),
                ))
            }
        }
    }
}

/// How a record is named in diagnostics, and by default in the output: `PATH:LINE`.
pub fn location(path: &Path, line: u64) -> String {
    format!("{}:{line}", path.display())
}

/// Takes the text and the id (when the record has one) out of one JSON line.
pub fn parse_record(raw: &[u8], input: &InputOptions) -> Result<(String, Option<String>), String> {
    let mut value: Value = serde_json::from_slice(raw).map_err(json_reason)?;
    if !value.is_object() {
        return Err("skipped: not a JSON object".into());
    }
    let id = input
        .id_field
        .as_deref()
        .and_then(|field| field_mut(&mut value, field))
        .and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(std::mem::take(s)),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    let field = &input.text_field;
    match field_mut(&mut value, field) {
        Some(Value::String(text)) => Ok((std::mem::take(text), id)),
        Some(_) => Err(format!("skipped: field \"{field}\" is not a string")),
        None => Err(format!("skipped: no field \"{field}\"")),
    }
}

/// A top-level key, or a JSON Pointer when `field` starts with `/`.
fn field_mut<'v>(value: &'v mut Value, field: &str) -> Option<&'v mut Value> {
    if field.starts_with('/') {
        value.pointer_mut(field)
    } else {
        value.get_mut(field)
    }
}

/// serde_json's message without its "at line 1 column N" (every record is one line).
fn json_reason(err: serde_json::Error) -> String {
    let text = err.to_string();
    let message = match text.rfind(" at line ") {
        Some(cut) => &text[..cut],
        None => &text,
    };
    format!("skipped: not JSON ({message} at column {})", err.column())
}

/// Reads a JSON Lines file in batches of lines, in order.
pub struct Batches {
    path: PathBuf,
    reader: Option<DecodedReader>,
    max_bytes: u64,
    line: u64,
    offset: u64,
    buf: Vec<u8>,
}

impl Batches {
    /// Opens `path`; an error opening it comes out as the first and only batch.
    pub fn open(path: &Path, options: &WalkOptions) -> Result<Self, Diagnostic> {
        let (reader, compression) = open_decoded(path)
            .map_err(|e| Diagnostic::error(path.to_string_lossy(), io_reason(&e)))?;
        let reader = match compression {
            Compression::None => reader,
            _ => options.spools.tee(path, reader),
        };
        Ok(Batches {
            path: path.to_path_buf(),
            reader: Some(reader),
            max_bytes: options.max_bytes,
            line: 0,
            offset: 0,
            buf: Vec::new(),
        })
    }

    fn read_one(&mut self, reader: &mut DecodedReader) -> io::Result<Option<Pending>> {
        loop {
            let (read, buffered) = match buffered_line(reader, self.max_bytes)? {
                Some((read, line)) => (read, Some(line)),
                None => (
                    read_line_limited(reader, &mut self.buf, self.max_bytes)?,
                    None,
                ),
            };
            if read.consumed == 0 {
                return Ok(None);
            }
            self.line += 1;
            let offset = self.offset;
            self.offset += read.consumed;
            let length = read.length;
            if length > self.max_bytes {
                return Ok(Some(Pending::Ready(Err(Diagnostic::warning(
                    location(&self.path, self.line),
                    format!(
                        "skipped: line of {length} bytes is over --max-bytes {}",
                        self.max_bytes
                    ),
                )))));
            }
            let raw = match buffered {
                Some(line) if self.line > 1 => line,
                Some(line) => without_byte_order_mark(&line).to_vec(),
                None => trim_line(&self.buf, self.line).to_vec(),
            };
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(Pending::Line {
                path: self.path.clone(),
                line: self.line,
                offset,
                raw,
            }));
        }
    }
}

impl Iterator for Batches {
    type Item = Vec<Pending>;

    fn next(&mut self) -> Option<Vec<Pending>> {
        let mut reader = self.reader.take()?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
            match self.read_one(&mut reader) {
                Ok(Some(pending)) => {
                    if let Pending::Line { raw, .. } = &pending {
                        bytes += raw.len();
                    }
                    batch.push(pending);
                }
                Ok(None) => return (!batch.is_empty()).then_some(batch),
                Err(err) => {
                    batch.push(Pending::Ready(Err(self.stream_error(&err))));
                    return Some(batch);
                }
            }
        }
        self.reader = Some(reader);
        Some(batch)
    }
}

impl Batches {
    /// A read or decompression error ends the file; the records before it stay.
    fn stream_error(&self, err: &io::Error) -> Diagnostic {
        Diagnostic::error(
            self.path.to_string_lossy(),
            format!("after line {}: {}", self.line, io_reason(err)),
        )
    }
}

/// One line read by [`read_line_limited`] or [`buffered_line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineRead {
    /// Bytes consumed, line ending included; 0 at the end of the stream.
    consumed: u64,
    /// Length of the line without its line ending (`\n` or `\r\n`).
    length: u64,
}

/// Reads one line, through its `\n`, into `buf`, keeping at most `limit + 2` bytes of it (enough
/// to tell that it is over the limit, with its line ending) but consuming all of it.
fn read_line_limited(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: u64,
) -> io::Result<LineRead> {
    buf.clear();
    let keep = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_add(2);
    let mut consumed = 0u64;
    let mut last = None;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(LineRead {
                consumed,
                length: consumed,
            });
        }
        let newline = memchr::memchr(b'\n', available);
        let take = newline.map_or(available.len(), |at| at + 1);
        let room = keep.saturating_sub(buf.len()).min(take);
        buf.extend_from_slice(&available[..room]);
        if let Some(at) = newline {
            let before = if at > 0 {
                Some(available[at - 1])
            } else {
                last
            };
            let ending = if before == Some(b'\r') { 2 } else { 1 };
            reader.consume(take);
            consumed += take as u64;
            return Ok(LineRead {
                consumed,
                length: consumed - ending,
            });
        }
        last = available.last().copied();
        reader.consume(take);
        consumed += take as u64;
    }
}

/// The next line, without its line ending, when the reader's buffer holds all of it and it is
/// within `limit`: copied out of the buffer once, at its size. At the end of the stream, a read of
/// nothing (`consumed` 0). `None` consumes nothing and leaves the line to [`read_line_limited`]
/// (a line across the buffer's end, one over the limit, an interrupted read). Every line was
/// copied into a reused buffer, then out of it: reading the 100k real-text corpus as one
/// `.jsonl.zst` took the reading thread 1.23-1.43 s of CPU that way, 1.10-1.16 s now
/// (BENCHMARKS.md, "Fourteenth session").
fn buffered_line(reader: &mut dyn BufRead, limit: u64) -> io::Result<Option<(LineRead, Vec<u8>)>> {
    let available = match reader.fill_buf() {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(None),
        // A decoder may report corrupt data only once: the error goes up from here.
        Err(e) => return Err(e),
    };
    if available.is_empty() {
        let end = LineRead {
            consumed: 0,
            length: 0,
        };
        return Ok(Some((end, Vec::new())));
    }
    let Some(at) = memchr::memchr(b'\n', available) else {
        return Ok(None);
    };
    let ending = if at > 0 && available[at - 1] == b'\r' {
        2
    } else {
        1
    };
    let length = at + 1 - ending;
    if length as u64 > limit {
        return Ok(None);
    }
    let line = available[..length].to_vec();
    reader.consume(at + 1);
    let read = LineRead {
        consumed: at as u64 + 1,
        length: length as u64,
    };
    Ok(Some((read, line)))
}

/// Line 1 without a UTF-8 byte order mark at its start.
fn without_byte_order_mark(first: &[u8]) -> &[u8] {
    first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first)
}

/// The line without its line ending (and without a UTF-8 byte order mark on line 1).
fn trim_line(buf: &[u8], line: u64) -> &[u8] {
    let mut raw = buf.strip_suffix(b"\n").unwrap_or(buf);
    raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if line == 1 {
        raw = without_byte_order_mark(raw);
    }
    raw
}

/// Reads the text of several records of one JSON Lines file again, in the order given: one seek per
/// record in an uncompressed file, one pass over a compressed one.
pub fn reload_records(
    path: &Path,
    records: &[&Record],
    options: &WalkOptions,
) -> Vec<Result<Vec<u8>, Diagnostic>> {
    let failed = |reason: String| {
        records
            .iter()
            .map(|r| Err(Diagnostic::error(location(path, r.line), reason.clone())))
            .collect()
    };
    let raws = match options.spools.of(path) {
        // A compressed file decoded into a spool when it was first read: seek in the spool.
        Some(spool) => seek_lines(spool.path(), records, options.max_bytes),
        None => match open_decoded(path) {
            Ok((_, Compression::None)) => seek_lines(path, records, options.max_bytes),
            Ok((reader, _)) => scan_lines(reader, records, options.max_bytes),
            Err(e) => return failed(io_reason(&e)),
        },
    };
    let raws = match raws {
        Ok(raws) => raws,
        Err(e) => return failed(io_reason(&e)),
    };
    records
        .iter()
        .zip(raws)
        .map(|(record, raw)| {
            let here = || location(path, record.line);
            let raw = raw.ok_or_else(|| {
                Diagnostic::error(here(), "file changed during the scan (line gone)")
            })?;
            parse_record(&raw, &options.input)
                .map(|(text, _)| text.into_bytes())
                .map_err(|reason| Diagnostic::error(here(), format!("file changed: {reason}")))
        })
        .collect()
}

/// The raw lines at the records' offsets of an uncompressed file.
fn seek_lines(
    path: &Path,
    records: &[&Record],
    max_bytes: u64,
) -> io::Result<Vec<Option<Vec<u8>>>> {
    let mut reader = io::BufReader::new(std::fs::File::open(path)?);
    let mut buf = Vec::new();
    records
        .iter()
        .map(|record| {
            reader.seek(SeekFrom::Start(record.offset))?;
            let read = read_line_limited(&mut reader, &mut buf, max_bytes)?;
            let fits = read.consumed > 0 && read.length <= max_bytes;
            Ok(fits.then(|| trim_line(&buf, record.line).to_vec()))
        })
        .collect()
}

/// The raw lines of the records, found in one pass over a decoded stream.
fn scan_lines(
    mut reader: DecodedReader,
    records: &[&Record],
    max_bytes: u64,
) -> io::Result<Vec<Option<Vec<u8>>>> {
    let mut wanted: Vec<u64> = records.iter().map(|r| r.line).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut found = std::collections::HashMap::with_capacity(wanted.len());
    let mut buf = Vec::new();
    let mut line = 0;
    'wanted: for want in wanted {
        while line < want {
            let read = read_line_limited(&mut reader, &mut buf, max_bytes)?;
            if read.consumed == 0 {
                break 'wanted;
            }
            line += 1;
            if line == want && read.length <= max_bytes {
                found.insert(line, trim_line(&buf, line).to_vec());
            }
        }
    }
    Ok(records
        .iter()
        .map(|r| found.get(&r.line).cloned())
        .collect())
}

/// One JSON line with `cuts` cut out of its text field, serialised again.
fn cut_record(raw: &[u8], cuts: &[Range<u32>], text_field: &str) -> Result<Vec<u8>, String> {
    let changed = || "changed since it was scanned".to_string();
    let mut value: Value = serde_json::from_slice(raw).map_err(|_| changed())?;
    let Some(Value::String(text)) = field_mut(&mut value, text_field) else {
        return Err(changed());
    };
    *text = crate::selection::cut_text(text, cuts).ok_or_else(changed)?;
    serde_json::to_vec(&value).map_err(|e| e.to_string())
}

/// What [`copy_without`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyCounts {
    /// Lines written.
    pub kept: u64,
    /// Lines left out.
    pub dropped: u64,
}

/// Copies the decoded lines of `path` to `out`, byte for byte, except the lines numbered in `drop`
/// (sorted, 1-based). Lines that were not documents (blank, malformed) are copied too: only the
/// dropped documents go. A last line without a line ending gets one, so files can be
/// concatenated. Streams: no line is held in memory, however long.
pub fn copy_without(path: &Path, drop: &[u64], out: &mut dyn Write) -> io::Result<CopyCounts> {
    copy_edited(path, drop, &[], "text", out)
}

/// [`copy_without`], and the lines numbered in `cuts` (sorted, 1-based, none dropped) written with
/// the byte ranges given cut out of their `text_field` (a key, or a JSON Pointer): the record is
/// parsed and written again, its other fields as they were (in their order, numbers with their
/// digits: serde_json's preserve_order and arbitrary_precision; a repeated key keeps its last
/// value, and the line ends in `\n`). An edited line is held in memory while it is rewritten;
/// every other line streams.
pub fn copy_edited(
    path: &Path,
    drop: &[u64],
    cuts: &[(u64, &[Range<u32>])],
    text_field: &str,
    out: &mut dyn Write,
) -> io::Result<CopyCounts> {
    let (mut reader, _) = open_decoded(path)?;
    let mut counts = CopyCounts::default();
    let mut line = 1u64;
    let mut next_drop = drop.iter().copied().peekable();
    let mut next_cut = cuts.iter().peekable();
    let mut at_line_start = true;
    let mut held = Vec::new();
    loop {
        while next_cut.peek().is_some_and(|c| c.0 < line) {
            next_cut.next();
        }
        if at_line_start && next_cut.peek().is_some_and(|c| c.0 == line) {
            let ranges = next_cut.next().map_or(&[][..], |c| c.1);
            held.clear();
            if reader.read_until(b'\n', &mut held)? == 0 {
                break;
            }
            let edited =
                cut_record(trim_line(&held, line), ranges, text_field).map_err(|reason| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("line {line}: {reason}"))
                })?;
            out.write_all(&edited)?;
            out.write_all(b"\n")?;
            counts.kept += 1;
            line += 1;
            continue;
        }
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        while next_drop.peek().is_some_and(|&d| d < line) {
            next_drop.next();
        }
        let dropping = next_drop.peek() == Some(&line);
        let (take, ends_line) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        if !dropping {
            out.write_all(&available[..take])?;
        }
        reader.consume(take);
        at_line_start = ends_line;
        if ends_line {
            if dropping {
                counts.dropped += 1;
            } else {
                counts.kept += 1;
            }
            line += 1;
        }
    }
    if !at_line_start {
        let dropping = next_drop.peek() == Some(&line);
        if dropping {
            counts.dropped += 1;
        } else {
            out.write_all(b"\n")?;
            counts.kept += 1;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::input::{Encoder, InputFormat};

    fn options() -> WalkOptions {
        WalkOptions {
            input: InputOptions {
                format: InputFormat::Auto,
                text_field: "text".into(),
                id_field: Some("id".into()),
            },
            ..Default::default()
        }
    }

    fn load_all(path: &Path, options: &WalkOptions) -> Vec<Result<(String, String), String>> {
        Batches::open(path, options)
            .unwrap()
            .flatten()
            .map(|p| {
                p.load(options)
                    .map(|(source, text)| (source.display(), String::from_utf8(text).unwrap()))
                    .map_err(|d| format!("{}: {}", d.path, d.message))
            })
            .collect()
    }

    #[test]
    fn records_become_documents_and_bad_lines_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(
            &path,
            "\u{feff}{\"id\":\"a\",\"text\":\"caf\\u00e9 one\"}\n\
             \n\
             {\"text\":\"no id\"}\r\n\
             not json\n\
             {\"id\":7,\"text\":\"numeric id\"}\n\
             {\"id\":\"x\"}\n\
             [1,2]\n\
             {\"id\":\"y\",\"text\":42}\n\
             {\"id\":\"z\",\"text\":\"last, no newline\"}",
        )
        .unwrap();
        let p = path.display().to_string();
        assert_eq!(
            load_all(&path, &options()),
            [
                Ok(("a".into(), "café one".into())),
                Ok((format!("{p}:3"), "no id".into())),
                Err(format!(
                    "{p}:4: skipped: not JSON (expected ident at column 2)"
                )),
                Ok(("7".into(), "numeric id".into())),
                Err(format!("{p}:6: skipped: no field \"text\"")),
                Err(format!("{p}:7: skipped: not a JSON object")),
                Err(format!("{p}:8: skipped: field \"text\" is not a string")),
                Ok(("z".into(), "last, no newline".into())),
            ]
        );
    }

    #[test]
    fn json_pointer_fields_reach_nested_values() {
        let input = InputOptions {
            format: InputFormat::Jsonl,
            text_field: "/doc/body".into(),
            id_field: Some("/meta/0".into()),
        };
        let parsed = parse_record(br#"{"doc":{"body":"hi"},"meta":["m1"]}"#, &input);
        assert_eq!(parsed, Ok(("hi".to_string(), Some("m1".to_string()))));
    }

    #[test]
    fn overlong_lines_are_skipped_without_being_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        let long = format!("{{\"text\":\"{}\"}}", "x".repeat(200));
        std::fs::write(&path, format!("{long}\n{{\"text\":\"short\"}}\n")).unwrap();
        let options = WalkOptions {
            max_bytes: 100,
            ..options()
        };
        let p = path.display().to_string();
        assert_eq!(
            load_all(&path, &options),
            [
                Err(format!(
                    "{p}:1: skipped: line of 211 bytes is over --max-bytes 100"
                )),
                Ok((format!("{p}:2"), "short".into())),
            ]
        );
        // Read in small pieces, with the \r and the \n in different pieces.
        let text = format!("{long}\r\nnext");
        let mut reader = io::BufReader::with_capacity(4, text.as_bytes());
        let mut buf = Vec::new();
        assert_eq!(
            read_line_limited(&mut reader, &mut buf, 100).unwrap(),
            LineRead {
                consumed: 213,
                length: 211
            }
        );
        assert_eq!(buf.len(), 102);
        assert_eq!(
            read_line_limited(&mut reader, &mut buf, 100).unwrap(),
            LineRead {
                consumed: 4,
                length: 4
            }
        );
        assert_eq!(buf, b"next");
    }

    /// Every line read from a reader whose buffer holds it whole (copied out once) is the line
    /// read piece by piece across buffers: the same number, offset, bytes and warnings.
    #[test]
    fn lines_read_within_one_buffer_or_across_buffers_are_the_same() {
        let long = format!("{{\"text\":\"{}\"}}", "y".repeat(120));
        let text = format!(
            "\u{feff}{{\"text\":\"bom\"}}\r\n\n  \t\n{{\"text\":\"crlf\"}}\r\n{long}\n\
             \r\n{{\"text\":\"a\\r\"}}\n\u{feff}{{\"text\":\"late bom\"}}\n{{\"text\":\"end\"}}"
        );
        let read_with = |capacity: usize| -> Vec<String> {
            let reader = io::BufReader::with_capacity(capacity, io::Cursor::new(text.clone()));
            let mut batches = Batches {
                path: PathBuf::from("t.jsonl"),
                reader: Some(Box::new(reader)),
                max_bytes: 100,
                line: 0,
                offset: 0,
                buf: Vec::new(),
            };
            batches
                .by_ref()
                .flatten()
                .map(|pending| match pending {
                    Pending::Line {
                        line, offset, raw, ..
                    } => format!("{line} {offset} {}", String::from_utf8_lossy(&raw)),
                    Pending::Ready(Err(problem)) => {
                        format!("{}: {}", problem.path, problem.message)
                    }
                    Pending::Ready(Ok((source, _))) => source.display(),
                })
                .collect()
        };
        let whole = read_with(1 << 16);
        assert_eq!(
            whole[..3],
            [
                "1 0 {\"text\":\"bom\"}",
                "4 24 {\"text\":\"crlf\"}",
                "t.jsonl:5: skipped: line of 131 bytes is over --max-bytes 100",
            ]
        );
        assert_eq!(whole.len(), 6, "{whole:?}");
        assert_eq!(whole[3], "7 175 {\"text\":\"a\\r\"}");
        assert_eq!(whole[4], "8 190 \u{feff}{\"text\":\"late bom\"}");
        assert_eq!(
            whole[5],
            format!("9 {} {{\"text\":\"end\"}}", text.len() - 14)
        );
        for capacity in [1, 2, 3, 5, 8, 13, 64] {
            assert_eq!(read_with(capacity), whole, "buffer of {capacity} bytes");
        }
    }

    /// A reader whose `fill_buf` fails once, then reads as at its end.
    struct FailsOnce(bool);

    impl io::Read for FailsOnce {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            unreachable!("read through fill_buf")
        }
    }

    impl BufRead for FailsOnce {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            if std::mem::take(&mut self.0) {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt"));
            }
            Ok(&[])
        }
        fn consume(&mut self, _: usize) {}
    }

    #[test]
    fn a_line_whole_in_the_buffer_is_taken_and_any_other_left_untouched() {
        let take = |text: &str, limit: u64| {
            let mut reader = io::Cursor::new(text.as_bytes().to_vec());
            let found = buffered_line(&mut reader, limit).unwrap();
            let line = found.map(|(read, line)| (read.consumed, read.length, line));
            (line, reader.position())
        };
        assert_eq!(take("ab\r\nc", 100), (Some((4, 2, b"ab".to_vec())), 4));
        assert_eq!(take("\r\nc", 100), (Some((2, 0, Vec::new())), 2));
        assert_eq!(take("\nc", 100), (Some((1, 0, Vec::new())), 1));
        assert_eq!(take("a\r\r\n", 100), (Some((4, 2, b"a\r".to_vec())), 4));
        // Exactly at the limit is taken; one byte over is left, consumed not at all.
        assert_eq!(take("abc\r\n", 3), (Some((5, 3, b"abc".to_vec())), 5));
        assert_eq!(take("abcd\r\n", 3), (None, 0));
        // No line ending in the buffer: left for the reader that reads across buffers.
        assert_eq!(take("abc", 100), (None, 0));
        // The end of the stream reads nothing.
        assert_eq!(take("", 100), (Some((0, 0, Vec::new())), 0));
        // An error is passed on, not taken for the end of the stream.
        let err = buffered_line(&mut FailsOnce(true), 100).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn batches_split_large_files_and_keep_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        let lines: String = (0..2500)
            .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"t\"}}\n"))
            .collect();
        std::fs::write(&path, lines).unwrap();
        let options = options();
        let batches: Vec<Vec<Pending>> = Batches::open(&path, &options).unwrap().collect();
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [1024, 1024, 452]
        );
        let ids: Vec<String> = batches
            .into_iter()
            .flatten()
            .map(|p| p.load(&options).unwrap().0.display())
            .collect();
        assert_eq!(ids[0], "r0");
        assert_eq!(ids[2499], "r2499");
    }

    fn write_compressed(path: &Path, text: &str, compression: Compression) {
        let mut encoder = Encoder::new(Vec::new(), compression).unwrap();
        encoder.write_all(text.as_bytes()).unwrap();
        std::fs::write(path, encoder.finish().unwrap()).unwrap();
    }

    /// A compressed file read through with spools enabled is read again from its spool, by
    /// seeking: the records come back even once the file itself is gone.
    #[test]
    fn records_of_a_spooled_file_reload_from_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.jsonl.zst");
        let lines: String = (0..3000)
            .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"text number {i}\"}}\n"))
            .collect();
        write_compressed(&path, &lines, Compression::Zstd);
        let spooling = WalkOptions {
            spools: super::super::spool::Spools::enabled(),
            ..options()
        };
        let sources: Vec<DocumentSource> = Batches::open(&path, &spooling)
            .unwrap()
            .flatten()
            .map(|p| p.load(&spooling).unwrap().0)
            .collect();
        assert_eq!(sources.len(), 3000);
        std::fs::remove_file(&path).unwrap();
        let wanted: Vec<&Record> = [2999, 7, 1500]
            .iter()
            .map(|&i| sources[i].record.as_ref().unwrap())
            .collect();
        let texts: Vec<Vec<u8>> = reload_records(&path, &wanted, &spooling)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            texts,
            [
                &b"text number 2999"[..],
                b"text number 7",
                b"text number 1500"
            ]
        );
        // Without spools, the file is gone.
        let errors = reload_records(&path, &wanted, &options());
        assert!(errors.iter().all(Result::is_err));
    }

    #[test]
    fn records_reload_by_seek_or_by_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"id\":\"a\",\"text\":\"alpha\"}\n\n{\"id\":\"b\",\"text\":\"beta\"}\n{\"id\":\"c\",\"text\":\"gamma\"}\n";
        let options = options();
        for (name, compression) in [
            ("p.jsonl", Compression::None),
            ("g.jsonl.gz", Compression::Gzip),
            ("z.jsonl.zst", Compression::Zstd),
        ] {
            let path = dir.path().join(name);
            write_compressed(&path, text, compression);
            let sources: Vec<DocumentSource> = Batches::open(&path, &options)
                .unwrap()
                .flatten()
                .map(|p| p.load(&options).unwrap().0)
                .collect();
            let records: Vec<&Record> = [2, 0, 2, 1]
                .iter()
                .map(|&i| sources[i].record.as_ref().unwrap())
                .collect();
            let texts: Vec<String> = reload_records(&path, &records, &options)
                .into_iter()
                .map(|r| String::from_utf8(r.unwrap()).unwrap())
                .collect();
            assert_eq!(texts, ["gamma", "alpha", "gamma", "beta"], "{name}");
        }
    }

    #[test]
    fn a_vanished_record_is_an_error_not_a_wrong_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl.gz");
        write_compressed(&path, "{\"text\":\"one\"}\n", Compression::Gzip);
        let gone = Record {
            line: 5,
            id: "x".into(),
            offset: 100,
        };
        let result = reload_records(&path, &[&gone], &options());
        assert_eq!(
            result[0].as_ref().unwrap_err().message,
            "file changed during the scan (line gone)"
        );
    }

    #[test]
    fn corrupt_compressed_data_is_an_error_after_the_good_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl.gz");
        let mut encoder = Encoder::new(Vec::new(), Compression::Gzip).unwrap();
        for i in 0..5000 {
            writeln!(encoder, "{{\"text\":\"record {i} {}\"}}", i * 7919 % 10007).unwrap();
        }
        let mut bytes = encoder.finish().unwrap();
        let cut = bytes.len() / 2;
        bytes.truncate(cut);
        std::fs::write(&path, bytes).unwrap();
        let results = load_all(&path, &options());
        let last = results.last().unwrap().as_ref().unwrap_err();
        assert!(last.contains("after line"), "{last}");
        assert!(results.iter().filter(|r| r.is_ok()).count() > 100);
    }

    #[test]
    fn a_cut_record_keeps_its_other_fields_as_written() {
        let raw = br#"{"z":18446744073709551616123,"a":1E5,"text":"caf\u00e9 au lait","n":[1.50]}"#;
        let cuts: Vec<Range<u32>> = std::iter::once(0..6).collect();
        let cut = cut_record(raw, &cuts, "text").unwrap();
        assert_eq!(
            String::from_utf8(cut).unwrap(),
            // Numbers keep their digits (serde_json's arbitrary_precision); only an exponent is
            // spelled its way.
            r#"{"z":18446744073709551616123,"a":1e+5,"text":"au lait","n":[1.50]}"#
        );
        let inside: Vec<Range<u32>> = std::iter::once(0..4).collect();
        assert!(
            cut_record(raw, &inside, "text").is_err(),
            "inside a character"
        );
        assert!(cut_record(br#"{"text":5}"#, &cuts, "text").is_err());
    }

    #[test]
    fn copy_without_drops_exactly_the_lines_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl.zst");
        write_compressed(&path, "l1\nl2\r\n\nl4\nl5", Compression::Zstd);
        let mut out = Vec::new();
        let counts = copy_without(&path, &[2, 5], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "l1\n\nl4\n");
        assert_eq!(
            counts,
            CopyCounts {
                kept: 3,
                dropped: 2
            }
        );
        let mut out = Vec::new();
        copy_without(&path, &[], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "l1\nl2\r\n\nl4\nl5\n");
    }
}
