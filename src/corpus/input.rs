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
use std::io::{self, BufRead, BufReader, Read, Write};
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

/// True for `x.jsonl`, `x.ndjson`, `x.jsonl.gz`, `x.ndjson.zst` ... (any case).
pub fn has_jsonl_name(path: &Path) -> bool {
    let Some(name) = path.file_name() else {
        return false;
    };
    let name = name.to_string_lossy().to_ascii_lowercase();
    let name = COMPRESSION_SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(&name);
    JSONL_SUFFIXES
        .iter()
        .any(|s| name.len() > s.len() && name.ends_with(s))
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
        Compression::Gzip if bgzf_block_len(raw.fill_buf()?).is_some() => {
            Box::new(BufReader::with_capacity(BUFFER, BgzfDecoder::new(raw)))
        }
        Compression::Gzip => Box::new(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(raw))),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUFFER,
            zstd::stream::read::Decoder::with_buffer(raw)?,
        )),
    };
    Ok((reader, compression))
}

/// The length of the gzip member that starts `head` when it is a BGZF block (as bgzip writes):
/// a member whose extra field holds its own compressed size (subfield `BC`), so that the members
/// of a file can be found without decoding them.
fn bgzf_block_len(head: &[u8]) -> Option<usize> {
    // ID1 ID2 CM=deflate FLG=FEXTRA only, MTIME, XFL, OS, then XLEN and the extra field.
    if head.len() < 12 || head[..4] != [0x1f, 0x8b, 8, 4] {
        return None;
    }
    let extra_len = u16::from_le_bytes([head[10], head[11]]) as usize;
    let mut extra = head.get(12..12 + extra_len)?;
    while extra.len() >= 4 {
        let field_len = u16::from_le_bytes([extra[2], extra[3]]) as usize;
        let data = extra.get(4..4 + field_len)?;
        if extra[..2] == *b"BC" && field_len == 2 {
            return Some(u16::from_le_bytes([data[0], data[1]]) as usize + 1);
        }
        extra = &extra[4 + field_len..];
    }
    None
}

/// BGZF blocks decoded per parallel pass: up to 4 MB of text (a block holds at most 64 KB).
const BGZF_BLOCKS_AT_ONCE: usize = 64;

/// A decoder of a gzip file made of BGZF blocks: the blocks are found by their sizes and decoded
/// in parallel, [`BGZF_BLOCKS_AT_ONCE`] at a time, where one gzip stream can only be decoded
/// serially. From the first member that is not a BGZF block on, the rest of the file is decoded
/// serially as any concatenation of gzip members is.
struct BgzfDecoder<R: BufRead + Send> {
    /// The compressed file, until it is handed to `serial`.
    raw: Option<R>,
    /// The serial decoder of the rest, once a member is not a BGZF block.
    serial: Option<MultiGzDecoder<io::Chain<io::Cursor<Vec<u8>>, R>>>,
    /// Decoded bytes not read yet.
    decoded: Vec<u8>,
    at: usize,
}

impl<R: BufRead + Send> BgzfDecoder<R> {
    fn new(raw: R) -> Self {
        BgzfDecoder {
            raw: Some(raw),
            serial: None,
            decoded: Vec::new(),
            at: 0,
        }
    }

    /// Reads and decodes the next blocks into `decoded`; false at the end of the file.
    fn refill(&mut self) -> io::Result<bool> {
        let Some(raw) = self.raw.as_mut() else {
            return Ok(false);
        };
        let mut blocks = Vec::new();
        let mut not_bgzf = None;
        while blocks.len() < BGZF_BLOCKS_AT_ONCE {
            match next_bgzf_block(raw)? {
                NextBlock::Block(block) => blocks.push(block),
                NextBlock::End => break,
                NextBlock::NotBgzf(read) => {
                    not_bgzf = Some(read);
                    break;
                }
            }
        }
        use rayon::prelude::*;
        let parts: Vec<io::Result<Vec<u8>>> = blocks
            .par_iter()
            .map(|block| {
                let mut out = Vec::new();
                io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&block[..]), &mut out)?;
                Ok(out)
            })
            .collect();
        self.decoded.clear();
        self.at = 0;
        for part in parts {
            self.decoded.extend_from_slice(&part?);
        }
        if let Some(read) = not_bgzf {
            let raw = self.raw.take().expect("read until now");
            self.serial = Some(MultiGzDecoder::new(io::Read::chain(
                io::Cursor::new(read),
                raw,
            )));
        }
        Ok(!blocks.is_empty() || self.serial.is_some())
    }
}

/// What comes next in a BGZF file.
enum NextBlock {
    /// A whole BGZF block, compressed.
    Block(Vec<u8>),
    /// The end of the file.
    End,
    /// A member that is not a BGZF block (or not gzip at all): the bytes read of it.
    NotBgzf(Vec<u8>),
}

/// Reads the next BGZF block of `raw`: its 12-byte header and extra field first, to learn its
/// size ([`bgzf_block_len`]), then the rest.
fn next_bgzf_block(raw: &mut impl BufRead) -> io::Result<NextBlock> {
    let mut block = Vec::with_capacity(1 << 16);
    if (&mut *raw).take(12).read_to_end(&mut block)? == 0 {
        return Ok(NextBlock::End);
    }
    if block.len() < 12 || block[..4] != [0x1f, 0x8b, 8, 4] {
        return Ok(NextBlock::NotBgzf(block));
    }
    let extra_len = u16::from_le_bytes([block[10], block[11]]) as u64;
    (&mut *raw).take(extra_len).read_to_end(&mut block)?;
    let Some(len) = bgzf_block_len(&block).filter(|&len| len >= block.len()) else {
        return Ok(NextBlock::NotBgzf(block));
    };
    let header = block.len();
    (&mut *raw)
        .take((len - header) as u64)
        .read_to_end(&mut block)?;
    if block.len() < len {
        // Cut short: the serial decoder reports it as gzip does.
        return Ok(NextBlock::NotBgzf(block));
    }
    Ok(NextBlock::Block(block))
}

impl<R: BufRead + Send> io::Read for BgzfDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.at < self.decoded.len() {
                let n = buf.len().min(self.decoded.len() - self.at);
                buf[..n].copy_from_slice(&self.decoded[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            if let Some(serial) = self.serial.as_mut() {
                return serial.read(buf);
            }
            if !self.refill()? {
                return Ok(0);
            }
        }
    }
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

    /// `text` as BGZF, as bgzip writes it: blocks of at most `chunk` bytes of text, each a gzip
    /// member with its compressed size in the extra field, then the empty end-of-file block.
    fn bgzf(text: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for part in text.chunks(chunk).chain([&b""[..]]) {
            let mut encoder = flate2::GzBuilder::new()
                .extra(vec![b'B', b'C', 2, 0, 0, 0])
                .write(Vec::new(), flate2::Compression::default());
            encoder.write_all(part).unwrap();
            let mut block = encoder.finish().unwrap();
            let size = (block.len() - 1) as u16;
            block[16..18].copy_from_slice(&size.to_le_bytes());
            out.extend(block);
        }
        out
    }

    fn decode_file(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl.gz");
        std::fs::write(&path, bytes).unwrap();
        let mut decoded = Vec::new();
        open_decoded(&path)?.0.read_to_end(&mut decoded)?;
        Ok(decoded)
    }

    #[test]
    fn bgzf_blocks_are_decoded_in_parallel_batches_and_in_order() {
        let text: Vec<u8> = (0..40_000)
            .flat_map(|i| format!("{{\"id\":{i},\"text\":\"line {i}\"}}\n").into_bytes())
            .collect();
        let file = bgzf(&text, 1000);
        assert!(bgzf_block_len(&file).is_some());
        assert!(
            text.len() / 1000 > 2 * BGZF_BLOCKS_AT_ONCE,
            "several batches"
        );
        assert_eq!(decode_file(&file).unwrap(), text);
    }

    #[test]
    fn a_plain_gzip_member_after_bgzf_blocks_is_decoded_serially() {
        let mut file = bgzf(b"first part\n", 4);
        let mut encoder = Encoder::new(Vec::new(), Compression::Gzip).unwrap();
        encoder.write_all(b"second part\n").unwrap();
        file.extend(encoder.finish().unwrap());
        file.extend(bgzf(b"third\n", 100));
        assert_eq!(
            decode_file(&file).unwrap(),
            b"first part\nsecond part\nthird\n"
        );
    }

    #[test]
    fn a_cut_bgzf_file_is_an_error_not_a_shorter_text() {
        let file = bgzf(&b"some words and more words\n".repeat(200), 500);
        for cut in [file.len() - 30, file.len() / 2, 14] {
            assert!(decode_file(&file[..cut]).is_err(), "cut at {cut}");
        }
        let mut damaged = file.clone();
        damaged[40] ^= 0xff;
        assert!(decode_file(&damaged).is_err());
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
