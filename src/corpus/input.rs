//! Input formats: which files hold one document (plain text) and which hold one per line (JSON
//! Lines), and transparent decompression of the latter.
//!
//! A file is JSON Lines when its name ends in `.jsonl` or `.ndjson`, optionally followed by a
//! compression suffix (`.gz`, `.zst`, `.zstd`); `--input-format` can force one format for every
//! file. Compression is told by the first bytes (gzip and zstd magic numbers), not by the name, so
//! a gzipped `data.jsonl` is read as well as `data.jsonl.gz`. Plain text files are never
//! decompressed: their offsets must point at the bytes on disk.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

/// How to tell the format of each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// JSON Lines for `.jsonl` and `.ndjson` (optionally `.gz`, `.zst`), plain text otherwise.
    #[default]
    Auto,
    /// Every file is one plain-text document.
    Text,
    /// Every file is JSON Lines, one document per line.
    Jsonl,
}

/// How to read input files: their format and, for JSON Lines, which fields hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputOptions {
    /// How to tell the format of each file.
    pub format: InputFormat,
    /// The field of a JSON Lines record holding the document's text: a top-level key, or a JSON
    /// Pointer (`/meta/body`) when it starts with `/`.
    pub text_field: String,
    /// The field holding the document's id, written the same way; records without it, or runs
    /// without this option, are named `PATH:LINE`.
    pub id_field: Option<String>,
}

/// The default `--text-field`.
pub const DEFAULT_TEXT_FIELD: &str = "text";

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: InputFormat::Auto,
            text_field: DEFAULT_TEXT_FIELD.to_string(),
            id_field: None,
        }
    }
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One plain-text document: the whole file.
    Text,
    /// JSON Lines, one document per line (possibly compressed).
    Jsonl,
}

const COMPRESSION_SUFFIXES: [&str; 3] = [".gz", ".zst", ".zstd"];
const JSONL_SUFFIXES: [&str; 2] = [".jsonl", ".ndjson"];

impl InputOptions {
    /// What `path` holds under these options.
    pub fn kind_of(&self, path: &Path) -> FileKind {
        match self.format {
            InputFormat::Text => FileKind::Text,
            InputFormat::Jsonl => FileKind::Jsonl,
            InputFormat::Auto if has_jsonl_name(path) => FileKind::Jsonl,
            InputFormat::Auto => FileKind::Text,
        }
    }
}

/// True for `x.jsonl`, `x.ndjson`, `x.jsonl.gz`, `x.ndjson.zst` ... (any case). Asked of every
/// file a walk finds, so it compares bytes in place rather than lower-casing a copy of the name.
pub fn has_jsonl_name(path: &Path) -> bool {
    let Some(name) = path.file_name() else {
        return false;
    };
    let name = name.as_encoded_bytes();
    let name = COMPRESSION_SUFFIXES
        .iter()
        .find_map(|s| strip_suffix_ignoring_case(name, s))
        .unwrap_or(name);
    JSONL_SUFFIXES
        .iter()
        .any(|s| name.len() > s.len() && strip_suffix_ignoring_case(name, s).is_some())
}

/// `name` without `suffix`, compared in any ASCII case.
fn strip_suffix_ignoring_case<'n>(name: &'n [u8], suffix: &str) -> Option<&'n [u8]> {
    let cut = name.len().checked_sub(suffix.len())?;
    name[cut..]
        .eq_ignore_ascii_case(suffix.as_bytes())
        .then_some(&name[..cut])
}

/// How a file's bytes are compressed, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (also concatenated members, as bgzip writes).
    Gzip,
    /// Zstandard (also several frames).
    Zstd,
}

impl Compression {
    /// Recognises the gzip and zstd magic numbers.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The compression an output file should get, from its name.
    pub fn for_output(path: &Path) -> Compression {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".gz") {
            Compression::Gzip
        } else if name.ends_with(".zst") || name.ends_with(".zstd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Large buffers: JSON Lines corpora are read sequentially, often gigabytes at a time.
const BUFFER: usize = 256 * 1024;

/// A decoded byte stream of a file.
pub type DecodedReader = Box<dyn BufRead + Send>;

/// Opens `path` and returns its decoded bytes and how they were compressed.
pub fn open_decoded(path: &Path) -> io::Result<(DecodedReader, Compression)> {
    let mut raw = BufReader::with_capacity(BUFFER, File::open(path)?);
    let compression = Compression::sniff(raw.fill_buf()?);
    let reader: DecodedReader = match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(raw))),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUFFER,
            zstd::stream::read::Decoder::with_buffer(raw)?,
        )),
    };
    Ok((reader, compression))
}

/// A writer that compresses as its file name asks; [`Encoder::finish`] writes the trailer.
pub enum Encoder<W: Write> {
    /// Plain bytes.
    Plain(W),
    /// gzip.
    Gzip(flate2::write::GzEncoder<W>),
    /// Zstandard.
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// Wraps `inner` in the encoder for `compression`.
    pub fn new(inner: W, compression: Compression) -> io::Result<Self> {
        Ok(match compression {
            Compression::None => Encoder::Plain(inner),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                inner,
                flate2::Compression::default(),
            )),
            Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(inner, 3)?),
        })
    }

    /// Ends the stream (the compression trailer) and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn jsonl_is_told_by_name() {
        for yes in [
            "a.jsonl",
            "dir/b.ndjson",
            "C.JSONL",
            "d.jsonl.gz",
            "e.ndjson.zst",
            "f.jsonl.zstd",
            "g.NDJSON.ZST",
        ] {
            assert!(has_jsonl_name(Path::new(yes)), "{yes}");
        }
        for no in [
            "a.json",
            "a.txt",
            "jsonl",
            ".jsonl",
            "a.jsonl.txt",
            "a.gz",
            "a.txt.gz",
            ".jsonl.gz",
            "gz",
        ] {
            assert!(!has_jsonl_name(Path::new(no)), "{no}");
        }
        let forced = InputOptions {
            format: InputFormat::Jsonl,
            ..Default::default()
        };
        assert_eq!(forced.kind_of(Path::new("a.txt")), FileKind::Jsonl);
        let text = InputOptions {
            format: InputFormat::Text,
            ..Default::default()
        };
        assert_eq!(text.kind_of(Path::new("a.jsonl")), FileKind::Text);
    }

    #[test]
    fn compressed_files_decode_whatever_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"text\":\"one\"}\n{\"text\":\"two\"}\n".repeat(100);
        for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let path = dir.path().join("data.jsonl");
            let mut encoder = Encoder::new(Vec::new(), compression).unwrap();
            encoder.write_all(&text).unwrap();
            std::fs::write(&path, encoder.finish().unwrap()).unwrap();
            let (mut reader, found) = open_decoded(&path).unwrap();
            assert_eq!(found, compression);
            let mut decoded = Vec::new();
            reader.read_to_end(&mut decoded).unwrap();
            assert_eq!(decoded, text);
        }
    }

    #[test]
    fn concatenated_gzip_members_are_one_stream() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        for part in [&b"first\n"[..], b"second\n"] {
            let mut encoder = Encoder::new(Vec::new(), Compression::Gzip).unwrap();
            encoder.write_all(part).unwrap();
            bytes.extend(encoder.finish().unwrap());
        }
        let path = dir.path().join("x.jsonl.gz");
        std::fs::write(&path, bytes).unwrap();
        let mut decoded = String::new();
        open_decoded(&path)
            .unwrap()
            .0
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, "first\nsecond\n");
    }

    #[test]
    fn output_compression_follows_the_name() {
        assert_eq!(
            Compression::for_output(Path::new("o.jsonl.gz")),
            Compression::Gzip
        );
        assert_eq!(
            Compression::for_output(Path::new("o.jsonl.zst")),
            Compression::Zstd
        );
        assert_eq!(
            Compression::for_output(Path::new("o.jsonl")),
            Compression::None
        );
    }
}
