//! Reading an index file: validate first, then parse. Every count and length read from the file
//! is checked against the bytes that are really there before anything is allocated for it.
//!
//! Only the small sections (params and records, a few percent of an index) are read into
//! memory. The text, band key and fingerprint sections are read through a small buffer to
//! verify their checksums and then left on disk: a check needs the text of its few candidates only,
//! which [`Index::text`] reads when asked. That saves copying the corpus into freshly allocated
//! memory on every load (most of the load time, and most of the memory, of format version 1).

use super::format::*;
use super::{Index, IndexParams, IndexedDoc, SectionSizes};
use crate::error::Error;
use crate::fingerprint::WinnowParams;
use crate::lsh::LshParams;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

/// Bytes of text hashed at a time while its checksum is verified.
const HASH_CHUNK: usize = 1 << 20;

/// Reads, validates and parses the index at `path`.
pub(super) fn open(path: &Path) -> Result<Index, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, &e))?;
    let len = file.metadata().map_err(|e| Error::io(path, &e))?.len();
    let io = |e: std::io::Error| Error::io(path, &e);
    let header = read_at(&file, 0, len.min(HEADER_LEN as u64) as usize).map_err(io)?;
    check_header(path, &header)?;
    // The header says this is an index of our version: now the footer, whose size the file's
    // real length bounds.
    if len < (HEADER_LEN + TRAILER_LEN) as u64 {
        return Err(Error::corrupt(
            path,
            format!("truncated: {len} bytes, no room for a footer"),
        ));
    }
    let trailer = read_at(&file, len - TRAILER_LEN as u64, TRAILER_LEN).map_err(io)?;
    let count = footer_count(path, len, &trailer)?;
    let footer_start = len - (TRAILER_LEN + count * ENTRY_LEN) as u64;
    let entries = read_at(&file, footer_start, count * ENTRY_LEN).map_err(io)?;
    let layout = read_layout(path, &header, &entries, &trailer, footer_start)?;
    let small: Vec<Vec<u8>> = layout
        .small_sections()
        .iter()
        .map(|e| read_at(&file, e.offset, e.len as usize))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    verify_checksums(path, &layout.small_sections(), &small)?;
    // Parse while the text is hashed: both take a while, and they need different resources.
    let (text, index) = rayon::join(
        || verify_streamed(path, &file, &layout),
        || parse(path, &layout, &small),
    );
    text?;
    let parts = index?;
    let index = Index {
        path: path.to_path_buf(),
        file,
        file_len: len,
        footer_start: layout.footer_start,
        params: parts.params,
        entries: parts.entries,
        docs: parts.docs,
        band_key_offsets: parts.band_key_offsets,
        segments: parts.segments,
        sizes: parts.sizes,
    };
    // Every code must decode to as many values as its record says: a file whose checksums hold
    // but whose codes do not (a hostile or buggy writer) is refused here, not in a check.
    index.fingerprint_hits(&|_| false)?;
    Ok(index)
}

/// What [`parse`] makes of the sections in memory: an [`Index`] but for its file.
struct Parts {
    params: IndexParams,
    entries: Vec<Entry>,
    docs: Vec<IndexedDoc>,
    /// Where each segment's band keys start in the file.
    band_key_offsets: Vec<u64>,
    segments: Vec<std::ops::Range<usize>>,
    sizes: SectionSizes,
}

/// `len` bytes at `offset`, into a new buffer.
pub(super) fn read_at(file: &File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    read_exact_at(file, &mut buf, offset)?;
    Ok(buf)
}

/// Fills `buf` from `offset` without moving a shared cursor, so threads can read at once.
#[cfg(unix)]
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `offset` without moving a shared cursor, so threads can read at once.
#[cfg(windows)]
pub(super) fn read_exact_at(
    file: &File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Magic, header check and version, in that order: damage is reported as damage, and a file
/// from another format version as such.
fn check_header(path: &Path, header: &[u8]) -> Result<(), Error> {
    let corrupt = |detail: String| Err(Error::corrupt(path, detail));
    if header.is_empty() {
        return corrupt("empty file".into());
    }
    let known = header.len().min(MAGIC.len());
    if header[..known] != MAGIC[..known] {
        return corrupt("not a dedup index: wrong magic bytes".into());
    }
    if header.len() < HEADER_LEN {
        return corrupt(format!(
            "truncated: {} bytes, shorter than the {HEADER_LEN}-byte header",
            header.len()
        ));
    }
    let stored = u32::from_le_bytes(header[12..16].try_into().expect("4 bytes"));
    if stored != header_check(&header[..12]) {
        return corrupt("header checksum mismatch".into());
    }
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(Error::IncompatibleFormat {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

/// The number of footer entries the trailer announces, if that many fit in the file.
fn footer_count(path: &Path, len: u64, trailer: &[u8]) -> Result<usize, Error> {
    let corrupt = |detail: String| Error::corrupt(path, detail);
    if trailer[16..] != END_MAGIC {
        return Err(corrupt(
            "truncated or unfinished: the end marker is missing".into(),
        ));
    }
    let count = u32::from_le_bytes(trailer[..4].try_into().expect("4 bytes")) as u64;
    let room = len - (HEADER_LEN + TRAILER_LEN) as u64;
    if count > room / ENTRY_LEN as u64 {
        return Err(corrupt(format!(
            "the footer lists {count} sections, more than fit in {len} bytes"
        )));
    }
    Ok(count as usize)
}

/// The footer's entries, validated: inside the file, not overlapping, one of each.
struct Layout {
    params: Entry,
    /// Per segment, its sections in [`SectionKind::SEGMENT`] order.
    segments: Vec<[Entry; 4]>,
    footer_start: u64,
    file_len: u64,
}

impl Layout {
    /// The sections read into memory, in the order [`parse`] takes them: params, then per
    /// segment docs.
    fn small_sections(&self) -> Vec<Entry> {
        std::iter::once(self.params)
            .chain(self.segments.iter().map(|s| s[1]))
            .collect()
    }

    /// The sections left on disk and read a buffer at a time: text, band keys (84 bytes a
    /// document at the default threshold; the signatures they replaced, held in memory, were a
    /// quarter of a check's peak at a million documents) and fingerprints.
    fn streamed_sections(&self) -> Vec<Entry> {
        self.segments
            .iter()
            .flat_map(|s| [s[0], s[2], s[3]])
            .collect()
    }
}

fn read_layout(
    path: &Path,
    header: &[u8],
    entries: &[u8],
    trailer: &[u8],
    footer_start: u64,
) -> Result<Layout, Error> {
    let corrupt = |detail: String| Error::corrupt(path, detail);
    let mut r = Reader::new(&trailer[..16]);
    let count = r.u32().expect("trailer");
    let reserved = r.u32().expect("trailer");
    let stored_hash = r.u64().expect("trailer");
    let mut table = entries.to_vec();
    table.extend_from_slice(&count.to_le_bytes());
    table.extend_from_slice(&reserved.to_le_bytes());
    if table_hash(header, &table) != stored_hash {
        return Err(corrupt("section table checksum mismatch".into()));
    }
    let mut decoded = Vec::with_capacity(count as usize);
    for (i, raw) in entries.chunks_exact(ENTRY_LEN).enumerate() {
        let entry = decode_entry(raw.try_into().expect("entry length"))
            .ok_or_else(|| corrupt(format!("section {} has an unknown kind", i + 1)))?;
        let end = entry.offset.checked_add(entry.len);
        if entry.offset < HEADER_LEN as u64 || end.is_none_or(|e| e > footer_start) {
            return Err(corrupt(format!(
                "{} lies outside the file ({} bytes at offset {})",
                entry.describe(),
                entry.len,
                entry.offset
            )));
        }
        decoded.push(entry);
    }
    check_no_overlap(path, &decoded)?;
    let file_len = footer_start + entries.len() as u64 + trailer.len() as u64;
    arrange(path, &decoded, footer_start, file_len)
}

fn check_no_overlap(path: &Path, entries: &[Entry]) -> Result<(), Error> {
    let mut by_offset: Vec<&Entry> = entries.iter().collect();
    by_offset.sort_by_key(|e| (e.offset, e.len));
    for pair in by_offset.windows(2) {
        if pair[0].offset + pair[0].len > pair[1].offset {
            return Err(Error::corrupt(
                path,
                format!("{} overlaps {}", pair[0].describe(), pair[1].describe()),
            ));
        }
    }
    Ok(())
}

/// Checks that there is one params section and that segments `0..n` each have all four sections.
fn arrange(
    path: &Path,
    entries: &[Entry],
    footer_start: u64,
    file_len: u64,
) -> Result<Layout, Error> {
    let corrupt = |detail: String| Error::corrupt(path, detail);
    let mut params = None;
    let mut sections: BTreeMap<(u32, SectionKind), Entry> = BTreeMap::new();
    for &entry in entries {
        if entry.kind == SectionKind::Params {
            if params.replace(entry).is_some() {
                return Err(corrupt("two params sections".into()));
            }
        } else if sections
            .insert((entry.segment, entry.kind), entry)
            .is_some()
        {
            return Err(corrupt(format!("two copies of {}", entry.describe())));
        }
    }
    let params = params.ok_or_else(|| corrupt("no params section".into()))?;
    let numbers: std::collections::BTreeSet<u32> = sections.keys().map(|&(s, _)| s).collect();
    let segment_count = numbers.len();
    let mut segments = Vec::with_capacity(segment_count);
    for segment in 0..segment_count as u32 {
        let mut found = Vec::with_capacity(4);
        for kind in SectionKind::SEGMENT {
            let entry = sections.get(&(segment, kind)).ok_or_else(|| {
                corrupt(format!(
                    "segment {} has no {} section",
                    segment + 1,
                    kind.name()
                ))
            })?;
            found.push(*entry);
        }
        segments.push(found.try_into().expect("four sections"));
    }
    if segments.len() * SectionKind::SEGMENT.len() != sections.len() {
        return Err(corrupt(
            "segments are not numbered one after another".into(),
        ));
    }
    Ok(Layout {
        params,
        segments,
        footer_start,
        file_len,
    })
}

/// Compares the checksums of sections read into memory; the first bad one (by offset) is
/// reported.
fn verify_checksums(path: &Path, entries: &[Entry], bytes: &[Vec<u8>]) -> Result<(), Error> {
    let mut bad: Vec<&Entry> = entries
        .par_iter()
        .zip(bytes)
        .filter(|(e, bytes)| xxhash_rust::xxh3::xxh3_64(bytes) != e.hash)
        .map(|(e, _)| e)
        .collect();
    bad.sort_by_key(|e| e.offset);
    match bad.first() {
        Some(e) => Err(Error::corrupt(
            path,
            format!("checksum mismatch in {}", e.describe()),
        )),
        None => Ok(()),
    }
}

/// Hashes every text and fingerprints section from the file, a buffer at a time.
fn verify_streamed(path: &Path, file: &File, layout: &Layout) -> Result<(), Error> {
    let bad: Vec<Result<Entry, Error>> = layout
        .streamed_sections()
        .into_par_iter()
        .filter_map(|e| match hash_range(file, e.offset, e.len) {
            Ok(hash) if hash == e.hash => None,
            Ok(_) => Some(Ok(e)),
            Err(err) => Some(Err(Error::io(path, &err))),
        })
        .collect();
    let mut bad = bad.into_iter().collect::<Result<Vec<Entry>, Error>>()?;
    bad.sort_by_key(|e| e.offset);
    match bad.first() {
        Some(e) => Err(Error::corrupt(
            path,
            format!("checksum mismatch in {}", e.describe()),
        )),
        None => Ok(()),
    }
}

/// xxh3-64 of `len` bytes of `file` at `offset`.
fn hash_range(file: &File, offset: u64, len: u64) -> std::io::Result<u64> {
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    let mut buf = vec![0; HASH_CHUNK.min(len as usize)];
    let mut at = 0;
    while at < len {
        let n = (len - at).min(HASH_CHUNK as u64) as usize;
        read_exact_at(file, &mut buf[..n], offset + at)?;
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    Ok(hasher.digest())
}

/// Parses the sections read into memory (`small`, in [`Layout::small_sections`] order).
fn parse(path: &Path, layout: &Layout, small: &[Vec<u8>]) -> Result<Parts, Error> {
    let params = parse_params(path, &small[0])?;
    let mut sizes = SectionSizes {
        overhead: (HEADER_LEN + TRAILER_LEN) as u64 + layout.params.len,
        ..Default::default()
    };
    sizes.overhead += layout.file_len - TRAILER_LEN as u64 - layout.footer_start;
    let mut docs = Vec::new();
    let mut band_key_offsets = Vec::with_capacity(layout.segments.len());
    let mut segments = Vec::with_capacity(layout.segments.len());
    for (n, entries) in layout.segments.iter().enumerate() {
        let first = docs.len();
        parse_segment(path, entries, &small[1 + n], params.lsh.bands, &mut docs)?;
        band_key_offsets.push(entries[2].offset);
        if docs.len() > u32::MAX as usize {
            return Err(Error::corrupt(path, "more than 2^32 documents"));
        }
        segments.push(first..docs.len());
        let [text, doc, keys, fp] = entries;
        sizes.text += text.len;
        sizes.docs += doc.len;
        sizes.band_keys += keys.len;
        sizes.fingerprints += fp.len;
    }
    let entries = std::iter::once(layout.params)
        .chain(layout.segments.iter().flatten().copied())
        .collect();
    Ok(Parts {
        params,
        entries,
        docs,
        band_key_offsets,
        segments,
        sizes,
    })
}

fn parse_params(path: &Path, bytes: &[u8]) -> Result<IndexParams, Error> {
    let corrupt = |detail: &str| Error::corrupt(path, format!("the params section {detail}"));
    if bytes.len() != PARAMS_LEN {
        return Err(corrupt(&format!(
            "is {} bytes, not {PARAMS_LEN}",
            bytes.len()
        )));
    }
    // The length is checked above, so every read below succeeds.
    let mut r = Reader::new(bytes);
    let int = |r: &mut Reader<'_>| r.u32().expect("64 bytes") as usize;
    let (ngram, perms) = (int(&mut r), int(&mut r));
    let seed = r.u64().expect("64 bytes");
    let threshold = r.f64().expect("64 bytes");
    let (bands, rows) = (int(&mut r), int(&mut r));
    let (min_words, max_df) = (int(&mut r), int(&mut r));
    let (k, w, bits, key_bits) = (int(&mut r), int(&mut r), int(&mut r), int(&mut r));
    let probe = r.u64().expect("64 bytes");
    let valid = (1..=64).contains(&ngram)
        && (1..=4096).contains(&perms)
        && threshold > 0.0
        && threshold <= 1.0
        && bands >= 1
        && rows >= 1
        && bands.saturating_mul(rows) <= perms
        && (3..=10_000).contains(&min_words)
        && max_df >= 2
        && bits == FINGERPRINT_BITS as usize
        && key_bits == BAND_KEY_BITS as usize
        && k >= 1
        && w >= 1;
    if !valid {
        return Err(corrupt("holds impossible values"));
    }
    let params = IndexParams {
        ngram,
        perms,
        seed,
        threshold,
        lsh: LshParams { bands, rows },
        min_words,
        max_df,
    };
    let winnow = WinnowParams::for_min_words(min_words);
    if winnow != (WinnowParams { k, w }) {
        return Err(Error::ParamsMismatch {
            path: path.to_path_buf(),
            detail: format!(
                "the index's fingerprints were selected with k={k}, w={w}, this dedup selects \
                 them with k={}, w={} for --min-words {min_words}; rebuild it with \
                 `dedup index build`",
                winnow.k, winnow.w
            ),
        });
    }
    if params.hash_probe() != probe {
        return Err(Error::ParamsMismatch {
            path: path.to_path_buf(),
            detail: "the index was built by a dedup that tokenizes or hashes text differently; \
                     rebuild it with `dedup index build`"
                .into(),
        });
    }
    Ok(params)
}

/// One document record of a docs section.
struct Record {
    content_hash: u128,
    words: u32,
    text_len: u64,
    name_shared: u64,
    name_suffix: u64,
    fingerprints: u64,
    fingerprint_bytes: u64,
}

impl Record {
    fn read(r: &mut Reader<'_>) -> Option<Record> {
        Some(Record {
            content_hash: r.u128()?,
            words: u32::try_from(r.varint()?).ok()?,
            text_len: r.varint()?,
            name_shared: r.varint()?,
            name_suffix: r.varint()?,
            fingerprints: r.varint()?,
            fingerprint_bytes: r.varint()?,
        })
    }
}

/// Parses one segment, appending to the index's vectors. All sizes are cross-checked first.
fn parse_segment(
    path: &Path,
    entries: &[Entry; 4],
    doc_bytes: &[u8],
    bands: usize,
    docs: &mut Vec<IndexedDoc>,
) -> Result<(), Error> {
    let [text, doc_entry, keys, fp] = entries;
    let corrupt =
        |e: &Entry, detail: String| Error::corrupt(path, format!("{} {detail}", e.describe()));
    let bytes = doc_bytes;
    let mut r = Reader::new(bytes);
    let (Some(count), Some(_)) = (r.u32(), r.u32()) else {
        return Err(corrupt(doc_entry, "is too short".into()));
    };
    let count = count as usize;
    if count > r.remaining() / MIN_DOC_RECORD_LEN {
        return Err(corrupt(
            doc_entry,
            format!(
                "lists {count} documents, more than fit in {} bytes",
                bytes.len()
            ),
        ));
    }
    let mut records = Vec::with_capacity(count);
    let (mut names_len, mut text_len, mut fp_count, mut fp_bytes) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..count {
        let record = Record::read(&mut r).ok_or_else(|| {
            corrupt(
                doc_entry,
                format!("is cut short or malformed in record {}", i + 1),
            )
        })?;
        // Each sum is of values read from a bounded section: saturating keeps a hostile file
        // from wrapping them, and the comparisons below then fail.
        names_len = names_len.saturating_add(record.name_suffix);
        text_len = text_len.saturating_add(record.text_len);
        fp_count = fp_count.saturating_add(record.fingerprints);
        fp_bytes = fp_bytes.saturating_add(record.fingerprint_bytes);
        records.push(record);
    }
    if names_len != r.remaining() as u64 {
        return Err(corrupt(
            doc_entry,
            format!(
                "has {} bytes of names, its records say {names_len}",
                r.remaining()
            ),
        ));
    }
    let expect = |e: &Entry, want: Option<u64>| match want {
        Some(want) if want == e.len => Ok(()),
        want => Err(corrupt(
            e,
            format!(
                "is {} bytes, its {count} documents need {}",
                e.len,
                want.map_or("more than 2^64".to_string(), |w| w.to_string())
            ),
        )),
    };
    expect(keys, (count as u64).checked_mul(bands as u64 * 4))?;
    expect(fp, Some(fp_bytes))?;
    expect(text, Some(text_len))?;
    // A Rice code spends at least one bit on every value.
    if fp_count > fp_bytes.saturating_mul(8) {
        return Err(corrupt(
            fp,
            format!("holds {fp_bytes} bytes, too few for {fp_count} fingerprints"),
        ));
    }

    docs.reserve(count);
    let mut text_at = text.offset;
    let mut fp_at = fp.offset;
    let mut name = Vec::new();
    for (i, record) in records.into_iter().enumerate() {
        if record.name_shared > name.len() as u64 {
            return Err(corrupt(
                doc_entry,
                format!("says name {} shares more than the name before", i + 1),
            ));
        }
        name.truncate(record.name_shared as usize);
        name.extend_from_slice(r.take(record.name_suffix as usize).expect("checked"));
        let text_end = text_at + record.text_len;
        let fp_end = fp_at + record.fingerprint_bytes;
        docs.push(IndexedDoc {
            name: String::from_utf8(name.clone())
                .map_err(|_| corrupt(doc_entry, "holds a name that is not UTF-8".into()))?,
            content_hash: record.content_hash,
            words: record.words,
            text: text_at..text_end,
            fingerprints: fp_at..fp_end,
            fingerprint_count: u32::try_from(record.fingerprints)
                .map_err(|_| corrupt(fp, format!("lists too many for document {}", i + 1)))?,
        });
        text_at = text_end;
        fp_at = fp_end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::codec::{encode_sorted, put_varint};
    use crate::index::writer::encode_params;
    use crate::scan::ScanConfig;

    fn params() -> IndexParams {
        IndexParams::from_config(&ScanConfig::new(0.8))
    }

    /// A file with valid checksums around whatever sections are given: what a hostile writer
    /// could produce.
    fn file_with(sections: &[(SectionKind, u32, Vec<u8>)]) -> Vec<u8> {
        let header = encode_header(FORMAT_VERSION);
        let mut data = header.to_vec();
        let mut entries = Vec::new();
        for (kind, segment, bytes) in sections {
            entries.push(Entry {
                kind: *kind,
                segment: *segment,
                offset: data.len() as u64,
                len: bytes.len() as u64,
                hash: xxhash_rust::xxh3::xxh3_64(bytes),
            });
            data.extend_from_slice(bytes);
        }
        data.extend(encode_footer(&header, &entries));
        data
    }

    fn decode(data: Vec<u8>) -> Result<Index, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.dedup");
        std::fs::write(&path, data).unwrap();
        open(&path)
    }

    fn corrupt_detail(data: Vec<u8>) -> String {
        match decode(data) {
            Err(Error::Corrupt { detail, .. }) => detail,
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    /// One segment with the given section bodies.
    fn segment(
        docs: Vec<u8>,
        sigs: usize,
        fps: Vec<u8>,
        text: usize,
    ) -> Vec<(SectionKind, u32, Vec<u8>)> {
        vec![
            (SectionKind::Params, 0, encode_params(&params())),
            (SectionKind::Text, 0, vec![b'a'; text]),
            (SectionKind::Docs, 0, docs),
            (SectionKind::BandKeys, 0, vec![0; sigs]),
            (SectionKind::Fingerprints, 0, fps),
        ]
    }

    /// A record: text length, name shared and suffix lengths, fingerprint count and bytes.
    fn record(text: u64, shared: u64, suffix: u64, fps: u64, fp_bytes: u64) -> Vec<u8> {
        let mut out = 7u128.to_le_bytes().to_vec();
        for v in [3, text, shared, suffix, fps, fp_bytes] {
            put_varint(&mut out, v);
        }
        out
    }

    fn docs_section(count: u32, records: &[Vec<u8>], names: &[u8]) -> Vec<u8> {
        let mut docs = count.to_le_bytes().to_vec();
        docs.extend_from_slice(&0u32.to_le_bytes());
        for r in records {
            docs.extend_from_slice(r);
        }
        docs.extend_from_slice(names);
        docs
    }

    fn code(values: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_sorted(values, &mut out);
        out
    }

    /// Bytes of one document's band keys at the test parameters (21 bands).
    const SIG: usize = 21 * 4;

    #[test]
    fn a_well_formed_hand_made_file_loads() {
        let fps = code(&[3, 9]);
        let docs = docs_section(
            2,
            &[record(5, 0, 7, 2, fps.len() as u64), record(2, 6, 1, 0, 0)],
            b"dir/a.tb",
        );
        let index = decode(file_with(&segment(docs, 2 * SIG, fps, 7))).unwrap();
        assert_eq!(index.len(), 2);
        assert_eq!(index.docs()[0].name, "dir/a.t");
        assert_eq!(index.docs()[1].name, "dir/a.b", "front-coded");
        assert_eq!(index.text(0).unwrap(), b"aaaaa");
        assert_eq!(index.text(1).unwrap(), b"aa");
        assert_eq!(index.fingerprints(0).unwrap(), [3, 9]);
        assert!(index.fingerprints(1).unwrap().is_empty());
        assert_eq!(index.band_keys(1).unwrap().len(), 21);
    }

    #[test]
    fn counts_larger_than_the_file_are_corrupt_not_allocated() {
        let fps = code(&[3, 9]);
        let one = || record(5, 0, 1, 2, fps.len() as u64);
        let docs = docs_section(u32::MAX, &[one()], b"a");
        let detail = corrupt_detail(file_with(&segment(docs, SIG, fps.clone(), 5)));
        assert_eq!(
            detail,
            "the docs section of segment 1 lists 4294967295 documents, more than fit in 31 bytes"
        );
        let docs = docs_section(1, &[record(u64::MAX, 0, 1, 2, fps.len() as u64)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(docs, SIG, fps.clone(), 5))),
            "the text section of segment 1 is 5 bytes, its 1 documents need 18446744073709551615"
        );
        let docs = docs_section(1, &[record(5, 0, 1, u64::MAX, fps.len() as u64)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(docs, SIG, fps.clone(), 5))),
            format!(
                "the fingerprints section of segment 1 holds {} bytes, too few for \
                 18446744073709551615 fingerprints",
                fps.len()
            )
        );
        let docs = docs_section(2, &[one(), record(0, 0, 0, 0, u64::MAX)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(docs, 2 * SIG, fps.clone(), 5))),
            format!(
                "the fingerprints section of segment 1 is {} bytes, its 2 documents need \
                 18446744073709551615",
                fps.len()
            )
        );
    }

    #[test]
    fn section_sizes_must_agree_with_the_records() {
        let fps = code(&[3, 9]);
        let one = |shared, suffix| record(5, shared, suffix, 2, fps.len() as u64);
        let names = docs_section(1, &[one(0, 9)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(names, SIG, fps.clone(), 5))),
            "the docs section of segment 1 has 1 bytes of names, its records say 9"
        );
        let docs = || docs_section(1, &[one(0, 1)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(docs(), SIG - 1, fps.clone(), 5))),
            "the band keys section of segment 1 is 83 bytes, its 1 documents need 84"
        );
        assert_eq!(
            corrupt_detail(file_with(&segment(docs(), SIG, fps.clone(), 6))),
            "the text section of segment 1 is 6 bytes, its 1 documents need 5"
        );
        let bad_name = docs_section(1, &[one(0, 1)], &[0xFF]);
        assert_eq!(
            corrupt_detail(file_with(&segment(bad_name, SIG, fps.clone(), 5))),
            "the docs section of segment 1 holds a name that is not UTF-8"
        );
        let shares = docs_section(1, &[one(1, 1)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(shares, SIG, fps.clone(), 5))),
            "the docs section of segment 1 says name 1 shares more than the name before"
        );
        // A varint that runs past 64 bits.
        let overlong = [&7u128.to_le_bytes()[..], &[0x80; 11]].concat();
        let cut = docs_section(1, &[overlong], b"");
        assert_eq!(
            corrupt_detail(file_with(&segment(cut, SIG, fps.clone(), 5))),
            "the docs section of segment 1 is cut short or malformed in record 1"
        );
        let mut bad_code = fps.clone();
        *bad_code.last_mut().unwrap() ^= 0x80;
        assert_eq!(
            corrupt_detail(file_with(&segment(docs(), SIG, bad_code, 5))),
            "the fingerprints section of segment 1 is malformed for document 1"
        );
    }

    #[test]
    fn the_footer_must_describe_a_whole_index() {
        let docs = docs_section(0, &[], b"");
        let mut sections = segment(docs, 0, Vec::new(), 0);
        sections.pop();
        assert_eq!(
            corrupt_detail(file_with(&sections)),
            "segment 1 has no fingerprints section"
        );
        sections.remove(0);
        assert_eq!(corrupt_detail(file_with(&sections)), "no params section");
        let mut outside = file_with(&segment(docs_section(0, &[], b""), 0, Vec::new(), 0));
        // Point the first entry's offset past the end and fix the table checksum.
        let len = outside.len();
        let count = 5;
        let table = len - TRAILER_LEN - count * ENTRY_LEN;
        outside[table + 8..table + 16].copy_from_slice(&(len as u64).to_le_bytes());
        let hash = table_hash(&outside[..HEADER_LEN], &outside[table..len - 16]);
        outside[len - 16..len - 8].copy_from_slice(&hash.to_le_bytes());
        assert_eq!(
            corrupt_detail(outside),
            format!("the params section lies outside the file (64 bytes at offset {len})")
        );
    }

    fn empty_index() -> Vec<(SectionKind, u32, Vec<u8>)> {
        segment(docs_section(0, &[], b""), 0, Vec::new(), 0)
    }

    #[test]
    fn impossible_parameters_and_a_different_hash_are_refused() {
        for (at, value) in [(4, 0u32), (52, 16)] {
            // perms = 0; 16-bit band keys
            let mut sections = empty_index();
            sections[0].2[at..at + 4].copy_from_slice(&value.to_le_bytes());
            assert_eq!(
                corrupt_detail(file_with(&sections)),
                "the params section holds impossible values"
            );
        }
        let mut sections = empty_index();
        sections[0].2[56] ^= 1; // the hash probe
        assert!(matches!(
            decode(file_with(&sections)),
            Err(Error::ParamsMismatch { .. })
        ));
    }

    #[test]
    fn fingerprints_selected_another_way_are_refused_as_a_mismatch() {
        let mut sections = empty_index();
        sections[0].2[40..44].copy_from_slice(&9u32.to_le_bytes()); // winnow k
        match decode(file_with(&sections)) {
            Err(Error::ParamsMismatch { detail, .. }) => {
                assert!(
                    detail.starts_with("the index's fingerprints were selected with k=9"),
                    "{detail}"
                )
            }
            other => panic!("expected ParamsMismatch, got {other:?}"),
        }
    }

    #[test]
    fn random_damage_never_panics() {
        let (first, second) = (code(&[1, 5]), code(&[1 << 30]));
        let docs = docs_section(
            2,
            &[
                record(3, 0, 1, 2, first.len() as u64),
                record(2, 1, 2, 1, second.len() as u64),
            ],
            b"abc",
        );
        let valid = file_with(&segment(docs, 2 * SIG, [first, second].concat(), 5));
        let index = decode(valid.clone()).unwrap();
        assert_eq!(index.docs()[1].name, "abc");
        assert_eq!(index.fingerprints(1).unwrap(), [1 << 30]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.dedup");
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut data = valid.clone();
            match next() % 3 {
                0 => data.truncate(next() as usize % data.len()),
                1 => {
                    for _ in 0..1 + next() % 4 {
                        let at = next() as usize % data.len();
                        data[at] = next() as u8;
                    }
                }
                _ => {
                    // Random bytes after a valid header.
                    let len = next() as usize % 400;
                    data.truncate(HEADER_LEN);
                    data.extend((0..len).map(|_| next() as u8));
                }
            }
            std::fs::write(&path, &data).unwrap();
            let _ = open(&path);
        }
    }
}
