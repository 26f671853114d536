//! The on-disk layout of an index file, format version 3. Every integer is little-endian;
//! `varint` is an unsigned LEB128 integer (7 bits a byte, low first, shortest form).
//!
//! ```text
//! header   16 bytes, the same in every version:
//!          magic "DEDUPIDX" | version u32 | check u32 (low half of xxh3-64 of the 12 bytes before)
//! sections anywhere after the header, each listed once in the footer
//! footer   entries: count x 32 bytes = kind u32 | segment u32 | offset u64 | length u64 |
//!                                      xxh3-64 of the section's bytes
//!          trailer: count u32 | reserved u32 (0) | xxh3-64 of header + entries + count + reserved |
//!                   end magic "DEDUPEND"
//! ```
//!
//! Sections (see [`SectionKind`]): one `params` section, then for every segment (a batch of
//! documents added together; `index add` appends one) a `docs`, `band keys`, `fingerprints`
//! and `text` section:
//!
//! ```text
//! params        ngram u32 | perms u32 | seed u64 | threshold f64 | bands u32 | rows u32 |
//!               min_words u32 | max_df u32 | winnow_k u32 | winnow_w u32 | fingerprint_bits u32 |
//!               band_key_bits u32 | hash_probe u64                                  (64 bytes)
//! docs          count u32 | reserved u32 | count x record | name suffixes, UTF-8, one after another
//!   record      content_hash u128 | words varint | text_len varint | name_shared varint |
//!               name_suffix_len varint | fingerprint_count varint | fingerprint_bytes varint
//! band keys     count x bands x u32: each band key's low 32 bits ([`super::stored_band_keys`])
//! fingerprints  each document's winnowed fingerprints (top 32 bits, sorted, distinct), Rice-coded
//!               ([`super::codec::encode_sorted`]), `fingerprint_bytes` bytes a document
//! text          each document's original bytes, one after another
//! ```
//!
//! A name is stored as the length of the prefix it shares with the previous name of its segment
//! and the rest (documents are added in path order, so most of a path is shared).
//!
//! Why these sizes (version 1 stored 32-bit signature values, 32-bit fingerprints and
//! fixed-width records, 1,418 bytes a document beyond the text at 424 words; version 2 stored 16
//! bits of each signature value, 1,164 bytes at 565 words): at 128 permutations and the default
//! threshold a document's band keys are 84 bytes, a fingerprint about 25 bits, a record and its
//! name about 30 bytes; see BENCHMARKS.md, "Index and check".
//!
//! Why this shape: the footer comes last so that `add` keeps every existing byte (and checksum)
//! where it is and only appends sections and a new footer, as tantivy appends segments. Each
//! section has its own checksum so damage is reported with the section it is in. The fixed
//! header is checked before the version is read, so a damaged version field reads as damage,
//! not as a newer format.

/// First bytes of every index file.
pub const MAGIC: [u8; 8] = *b"DEDUPIDX";

/// Last bytes of every complete index file: a file cut short has lost them.
pub const END_MAGIC: [u8; 8] = *b"DEDUPEND";

/// The format this build reads and writes.
pub const FORMAT_VERSION: u32 = 3;

/// Bytes of the fixed header.
pub const HEADER_LEN: usize = 16;

/// Bytes of one footer entry.
pub const ENTRY_LEN: usize = 32;

/// Bytes of the trailer that ends the footer.
pub const TRAILER_LEN: usize = 24;

/// Bytes of the params section.
pub const PARAMS_LEN: usize = 64;

/// The fewest bytes one document record in a docs section can take (a content hash and six
/// one-byte varints).
pub const MIN_DOC_RECORD_LEN: usize = 16 + 6;

/// Bytes before the records of a docs section.
pub const DOCS_PREFIX_LEN: usize = 8;

/// Bits of each fingerprint kept: the top 32 of the 64-bit hash. A chance match of two different
/// fingerprints never creates a finding: a check confirms it from the indexed text first. Each
/// bit fewer would save 26 bytes a document (at 424 words) and double the chance matches: about
/// 1,300 when 1,000 new documents meet 100,000 indexed ones at 32 bits.
pub const FINGERPRINT_BITS: u32 = 32;

/// Bits kept of each LSH band key ([`super::stored_band_keys`]).
pub const BAND_KEY_BITS: u32 = 32;

/// What a section holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SectionKind {
    /// The parameters the index was built with.
    Params,
    /// Per-document records and names of one segment.
    Docs,
    /// LSH band keys of one segment.
    BandKeys,
    /// Overlap fingerprints of one segment.
    Fingerprints,
    /// Document text of one segment.
    Text,
}

impl SectionKind {
    /// The number stored in the footer.
    pub fn code(self) -> u32 {
        match self {
            SectionKind::Params => 1,
            SectionKind::Docs => 2,
            SectionKind::BandKeys => 3,
            SectionKind::Fingerprints => 4,
            SectionKind::Text => 5,
        }
    }

    /// The kind stored as `code`, if any.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            1 => SectionKind::Params,
            2 => SectionKind::Docs,
            3 => SectionKind::BandKeys,
            4 => SectionKind::Fingerprints,
            5 => SectionKind::Text,
            _ => return None,
        })
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            SectionKind::Params => "params",
            SectionKind::Docs => "docs",
            SectionKind::BandKeys => "band keys",
            SectionKind::Fingerprints => "fingerprints",
            SectionKind::Text => "text",
        }
    }

    /// The sections every segment has, in the order they are written.
    pub const SEGMENT: [SectionKind; 4] = [
        SectionKind::Text,
        SectionKind::Docs,
        SectionKind::BandKeys,
        SectionKind::Fingerprints,
    ];
}

/// One footer entry: where a section is and its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// What it holds.
    pub kind: SectionKind,
    /// The segment it belongs to (0 for params).
    pub segment: u32,
    /// Absolute offset of its first byte.
    pub offset: u64,
    /// Its length in bytes.
    pub len: u64,
    /// xxh3-64 of its bytes.
    pub hash: u64,
}

impl Entry {
    /// "the text section of segment 2", for messages.
    pub fn describe(&self) -> String {
        match self.kind {
            SectionKind::Params => "the params section".to_string(),
            kind => format!(
                "the {} section of segment {}",
                kind.name(),
                self.segment + 1
            ),
        }
    }
}

/// The check value of a header: the low 32 bits of xxh3-64 of magic and version.
pub fn header_check(magic_and_version: &[u8]) -> u32 {
    xxhash_rust::xxh3::xxh3_64(magic_and_version) as u32
}

/// The 16-byte header of a file in `version`.
pub fn encode_header(version: u32) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&version.to_le_bytes());
    let check = header_check(&header[..12]);
    header[12..].copy_from_slice(&check.to_le_bytes());
    header
}

/// The footer (entries and trailer) for a file whose header is `header`.
pub fn encode_footer(header: &[u8; HEADER_LEN], entries: &[Entry]) -> Vec<u8> {
    let mut footer = Vec::with_capacity(entries.len() * ENTRY_LEN + TRAILER_LEN);
    for e in entries {
        footer.extend_from_slice(&e.kind.code().to_le_bytes());
        footer.extend_from_slice(&e.segment.to_le_bytes());
        footer.extend_from_slice(&e.offset.to_le_bytes());
        footer.extend_from_slice(&e.len.to_le_bytes());
        footer.extend_from_slice(&e.hash.to_le_bytes());
    }
    footer.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    footer.extend_from_slice(&0u32.to_le_bytes());
    let hash = table_hash(header, &footer);
    footer.extend_from_slice(&hash.to_le_bytes());
    footer.extend_from_slice(&END_MAGIC);
    footer
}

/// The checksum of the footer: xxh3-64 over the header, the entries, count and reserved.
pub fn table_hash(header: &[u8], entries_count_reserved: &[u8]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    hasher.update(header);
    hasher.update(entries_count_reserved);
    hasher.digest()
}

/// Decodes one footer entry; `None` for an unknown kind.
pub fn decode_entry(bytes: &[u8; ENTRY_LEN]) -> Option<Entry> {
    let mut r = Reader::new(bytes);
    let kind = SectionKind::from_code(r.u32()?)?;
    Some(Entry {
        kind,
        segment: r.u32()?,
        offset: r.u64()?,
        len: r.u64()?,
        hash: r.u64()?,
    })
}

/// A bounds-checked little-endian reader: every read says `None` instead of reading past the end,
/// so no length in a file can make the reader panic or allocate.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `buf` from its start.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len())?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Some(bytes)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).map(|b| b.try_into().expect("N bytes"))
    }

    /// A u32.
    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    /// A u64.
    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    /// A u128.
    pub fn u128(&mut self) -> Option<u128> {
        self.array().map(u128::from_le_bytes)
    }

    /// An f64.
    pub fn f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_le_bytes)
    }

    /// An unsigned LEB128 integer.
    pub fn varint(&mut self) -> Option<u64> {
        super::codec::get_varint(self.buf, &mut self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_is_checked() {
        let header = encode_header(FORMAT_VERSION);
        assert_eq!(&header[..8], b"DEDUPIDX");
        assert_eq!(
            u32::from_le_bytes(header[12..16].try_into().unwrap()),
            header_check(&header[..12])
        );
        assert_ne!(encode_header(FORMAT_VERSION + 1)[12..], header[12..]);
    }

    #[test]
    fn entries_round_trip() {
        let entry = Entry {
            kind: SectionKind::Fingerprints,
            segment: 3,
            offset: 1 << 40,
            len: 77,
            hash: 0xDEAD_BEEF,
        };
        let footer = encode_footer(&encode_header(1), &[entry]);
        assert_eq!(footer.len(), ENTRY_LEN + TRAILER_LEN);
        let bytes: [u8; ENTRY_LEN] = footer[..ENTRY_LEN].try_into().unwrap();
        assert_eq!(decode_entry(&bytes), Some(entry));
        assert!(footer.ends_with(b"DEDUPEND"));
    }

    #[test]
    fn reader_never_reads_past_the_end() {
        let mut r = Reader::new(&[1, 0, 0, 0, 9]);
        assert_eq!(r.u32(), Some(1));
        assert_eq!(r.u32(), None);
        assert_eq!(r.take(usize::MAX), None);
        assert_eq!(r.take(1), Some(&[9u8][..]));
        assert_eq!(r.remaining(), 0);
    }
}
