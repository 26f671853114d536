//! Reading an index file: validate first, then parse. Every count and length read from the file
//! is checked against the bytes that are really there before anything is allocated for it.

use super::format::*;
use super::{Index, IndexParams, IndexedDoc, SectionSizes};
use crate::error::Error;
use crate::fingerprint::WinnowParams;
use crate::lsh::LshParams;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads, validates and parses the index at `path`.
pub(super) fn open(path: &Path) -> Result<Index, Error> {
    let mut file = File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut header = [0u8; HEADER_LEN];
    let got = read_up_to(&mut file, &mut header).map_err(|e| Error::io(path, &e))?;
    check_header(path, &header[..got])?;
    // The header says this is an index of our version: now read the rest (as long as the file
    // really is; nothing in it decides how much is allocated).
    let mut data = header.to_vec();
    // The file's real size (not a length read from it) sizes the buffer: one allocation.
    let size = file.metadata().map_or(0, |m| m.len());
    data.reserve_exact(
        usize::try_from(size)
            .unwrap_or(0)
            .saturating_sub(HEADER_LEN),
    );
    file.read_to_end(&mut data)
        .map_err(|e| Error::io(path, &e))?;
    parse(path, data)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
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

/// The footer's entries, validated: inside the file, not overlapping, checksums matching.
struct Layout {
    params: Entry,
    /// Per segment, its sections in [`SectionKind::SEGMENT`] order.
    segments: Vec<[Entry; 4]>,
    footer_start: usize,
}

fn read_layout(path: &Path, data: &[u8]) -> Result<Layout, Error> {
    let corrupt = |detail: String| Error::corrupt(path, detail);
    let len = data.len();
    if len < HEADER_LEN + TRAILER_LEN {
        return Err(corrupt(format!(
            "truncated: {len} bytes, no room for a footer"
        )));
    }
    let trailer = &data[len - TRAILER_LEN..];
    if trailer[16..] != END_MAGIC {
        return Err(corrupt(
            "truncated or unfinished: the end marker is missing".into(),
        ));
    }
    let mut r = Reader::new(trailer);
    let count = r.u32().expect("trailer") as usize;
    let _reserved = r.u32().expect("trailer");
    let stored_hash = r.u64().expect("trailer");
    let room = len - HEADER_LEN - TRAILER_LEN;
    if count > room / ENTRY_LEN {
        return Err(corrupt(format!(
            "the footer lists {count} sections, more than fit in {len} bytes"
        )));
    }
    let footer_start = len - TRAILER_LEN - count * ENTRY_LEN;
    if table_hash(&data[..HEADER_LEN], &data[footer_start..len - 16]) != stored_hash {
        return Err(corrupt("section table checksum mismatch".into()));
    }
    let mut entries = Vec::with_capacity(count);
    for (i, raw) in data[footer_start..footer_start + count * ENTRY_LEN]
        .chunks_exact(ENTRY_LEN)
        .enumerate()
    {
        let entry = decode_entry(raw.try_into().expect("entry length"))
            .ok_or_else(|| corrupt(format!("section {} has an unknown kind", i + 1)))?;
        let end = entry.offset.checked_add(entry.len);
        if entry.offset < HEADER_LEN as u64 || end.is_none_or(|e| e > footer_start as u64) {
            return Err(corrupt(format!(
                "{} lies outside the file ({} bytes at offset {})",
                entry.describe(),
                entry.len,
                entry.offset
            )));
        }
        entries.push(entry);
    }
    check_no_overlap(path, &entries)?;
    let layout = arrange(path, &entries, footer_start)?;
    verify_checksums(path, data, &entries)?;
    Ok(layout)
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
fn arrange(path: &Path, entries: &[Entry], footer_start: usize) -> Result<Layout, Error> {
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
    })
}

fn verify_checksums(path: &Path, data: &[u8], entries: &[Entry]) -> Result<(), Error> {
    let mut bad: Vec<&Entry> = entries
        .par_iter()
        .filter(|e| {
            let bytes = &data[e.offset as usize..(e.offset + e.len) as usize];
            xxhash_rust::xxh3::xxh3_64(bytes) != e.hash
        })
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

fn section<'a>(data: &'a [u8], entry: &Entry) -> &'a [u8] {
    &data[entry.offset as usize..(entry.offset + entry.len) as usize]
}

fn parse(path: &Path, data: Vec<u8>) -> Result<Index, Error> {
    let layout = read_layout(path, &data)?;
    let params = parse_params(path, section(&data, &layout.params))?;
    let mut sizes = SectionSizes {
        overhead: (HEADER_LEN + TRAILER_LEN) as u64 + layout.params.len,
        ..Default::default()
    };
    sizes.overhead += (data.len() - TRAILER_LEN - layout.footer_start) as u64;
    let mut docs = Vec::new();
    let mut signatures = Vec::new();
    let mut fingerprints = Vec::new();
    let mut segments = Vec::with_capacity(layout.segments.len());
    for entries in &layout.segments {
        let first = docs.len();
        parse_segment(
            path,
            &data,
            entries,
            params.perms,
            &mut docs,
            &mut signatures,
            &mut fingerprints,
        )?;
        if docs.len() > u32::MAX as usize {
            return Err(Error::corrupt(path, "more than 2^32 documents"));
        }
        segments.push(first..docs.len());
        let [text, doc, sig, fp] = entries;
        sizes.text += text.len;
        sizes.docs += doc.len;
        sizes.signatures += sig.len;
        sizes.fingerprints += fp.len;
    }
    let entries = std::iter::once(layout.params)
        .chain(layout.segments.iter().flatten().copied())
        .collect();
    Ok(Index {
        path: path.to_path_buf(),
        params,
        entries,
        footer_start: layout.footer_start,
        data,
        docs,
        signatures,
        fingerprints,
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
    let (k, w, bits, _reserved) = (int(&mut r), int(&mut r), int(&mut r), int(&mut r));
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
    name_len: u64,
    fingerprints: u64,
}

/// Parses one segment, appending to the index's vectors. All sizes are cross-checked first.
fn parse_segment(
    path: &Path,
    data: &[u8],
    entries: &[Entry; 4],
    perms: usize,
    docs: &mut Vec<IndexedDoc>,
    signatures: &mut Vec<u32>,
    fingerprints: &mut Vec<u32>,
) -> Result<(), Error> {
    let [text, doc_entry, sig, fp] = entries;
    let corrupt =
        |e: &Entry, detail: String| Error::corrupt(path, format!("{} {detail}", e.describe()));
    let bytes = section(data, doc_entry);
    let mut r = Reader::new(bytes);
    let (Some(count), Some(_)) = (r.u32(), r.u32()) else {
        return Err(corrupt(doc_entry, "is too short".into()));
    };
    let count = count as usize;
    if count > r.remaining() / DOC_RECORD_LEN {
        return Err(corrupt(
            doc_entry,
            format!(
                "lists {count} documents, more than fit in {} bytes",
                bytes.len()
            ),
        ));
    }
    let mut records = Vec::with_capacity(count);
    let (mut names_len, mut text_len, mut fp_count) = (0u64, 0u64, 0u64);
    for _ in 0..count {
        let record = Record {
            content_hash: r.u128().expect("checked"),
            words: r.u32().expect("checked"),
            text_len: u64::from(r.u32().expect("checked")),
            name_len: u64::from(r.u32().expect("checked")),
            fingerprints: u64::from(r.u32().expect("checked")),
        };
        names_len += record.name_len;
        text_len += record.text_len;
        fp_count += record.fingerprints;
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
    expect(sig, (count as u64).checked_mul(perms as u64 * 4))?;
    expect(fp, fp_count.checked_mul(4))?;
    expect(text, Some(text_len))?;

    signatures.extend(
        section(data, sig)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))),
    );
    let fp_base = fingerprints.len();
    fingerprints.extend(
        section(data, fp)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))),
    );
    docs.reserve(count);
    let mut text_at = text.offset as usize;
    let mut fp_at = fp_base;
    for record in records {
        let name = r.take(record.name_len as usize).expect("checked");
        let name = std::str::from_utf8(name)
            .map_err(|_| corrupt(doc_entry, "holds a name that is not UTF-8".into()))?;
        let text_end = text_at + record.text_len as usize;
        let fp_end = fp_at + record.fingerprints as usize;
        docs.push(IndexedDoc {
            name: name.to_string(),
            content_hash: record.content_hash,
            words: record.words,
            text: text_at..text_end,
            fingerprints: fp_at..fp_end,
        });
        text_at = text_end;
        fp_at = fp_end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let path = Path::new("x.dedup");
        check_header(path, &data[..data.len().min(HEADER_LEN)])?;
        parse(path, data)
    }

    fn corrupt_detail(data: Vec<u8>) -> String {
        match decode(data) {
            Err(Error::Corrupt { detail, .. }) => detail,
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    /// One segment of `count` documents as claimed, with the given section bodies.
    fn segment(
        docs: Vec<u8>,
        sigs: usize,
        fps: usize,
        text: usize,
    ) -> Vec<(SectionKind, u32, Vec<u8>)> {
        vec![
            (SectionKind::Params, 0, encode_params(&params())),
            (SectionKind::Text, 0, vec![b'a'; text]),
            (SectionKind::Docs, 0, docs),
            (SectionKind::Signatures, 0, vec![0; sigs]),
            (SectionKind::Fingerprints, 0, vec![0; fps]),
        ]
    }

    fn docs_section(count: u32, records: &[(u32, u32, u32)], names: &[u8]) -> Vec<u8> {
        let mut docs = count.to_le_bytes().to_vec();
        docs.extend_from_slice(&0u32.to_le_bytes());
        for &(text_len, name_len, fps) in records {
            docs.extend_from_slice(&7u128.to_le_bytes());
            docs.extend_from_slice(&3u32.to_le_bytes());
            docs.extend_from_slice(&text_len.to_le_bytes());
            docs.extend_from_slice(&name_len.to_le_bytes());
            docs.extend_from_slice(&fps.to_le_bytes());
        }
        docs.extend_from_slice(names);
        docs
    }

    #[test]
    fn a_well_formed_hand_made_file_loads() {
        let docs = docs_section(1, &[(5, 1, 2)], b"a");
        let index = decode(file_with(&segment(docs, 512, 8, 5))).unwrap();
        assert_eq!(index.len(), 1);
        assert_eq!(index.docs()[0].name, "a");
        assert_eq!(index.text(0), b"aaaaa");
        assert_eq!(index.fingerprints(0), &[0, 0]);
    }

    #[test]
    fn counts_larger_than_the_file_are_corrupt_not_allocated() {
        let docs = docs_section(u32::MAX, &[(5, 1, 2)], b"a");
        let detail = corrupt_detail(file_with(&segment(docs, 512, 8, 5)));
        assert_eq!(
            detail,
            "the docs section of segment 1 lists 4294967295 documents, more than fit in 41 bytes"
        );
        let docs = docs_section(1, &[(u32::MAX, 1, u32::MAX)], b"a");
        let detail = corrupt_detail(file_with(&segment(docs, 512, 8, 5)));
        assert!(
            detail.starts_with("the signatures section")
                || detail.starts_with("the fingerprints section"),
            "{detail}"
        );
        assert!(
            detail.contains("is 8 bytes, its 1 documents need 17179869180"),
            "{detail}"
        );
    }

    #[test]
    fn section_sizes_must_agree_with_the_records() {
        let names = docs_section(1, &[(5, 9, 2)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(names, 512, 8, 5))),
            "the docs section of segment 1 has 1 bytes of names, its records say 9"
        );
        let docs = || docs_section(1, &[(5, 1, 2)], b"a");
        assert_eq!(
            corrupt_detail(file_with(&segment(docs(), 511, 8, 5))),
            "the signatures section of segment 1 is 511 bytes, its 1 documents need 512"
        );
        assert_eq!(
            corrupt_detail(file_with(&segment(docs(), 512, 8, 6))),
            "the text section of segment 1 is 6 bytes, its 1 documents need 5"
        );
        let bad_name = docs_section(1, &[(5, 1, 2)], &[0xFF]);
        assert_eq!(
            corrupt_detail(file_with(&segment(bad_name, 512, 8, 5))),
            "the docs section of segment 1 holds a name that is not UTF-8"
        );
    }

    #[test]
    fn the_footer_must_describe_a_whole_index() {
        let docs = docs_section(0, &[], b"");
        let mut sections = segment(docs, 0, 0, 0);
        sections.pop();
        assert_eq!(
            corrupt_detail(file_with(&sections)),
            "segment 1 has no fingerprints section"
        );
        sections.remove(0);
        assert_eq!(corrupt_detail(file_with(&sections)), "no params section");
        let mut outside = file_with(&segment(docs_section(0, &[], b""), 0, 0, 0));
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

    #[test]
    fn impossible_parameters_and_a_different_hash_are_refused() {
        let mut sections = segment(docs_section(0, &[], b""), 0, 0, 0);
        sections[0].2[4..8].copy_from_slice(&0u32.to_le_bytes()); // perms = 0
        assert_eq!(
            corrupt_detail(file_with(&sections)),
            "the params section holds impossible values"
        );
        let mut sections = segment(docs_section(0, &[], b""), 0, 0, 0);
        sections[0].2[56] ^= 1; // the hash probe
        assert!(matches!(
            decode(file_with(&sections)),
            Err(Error::ParamsMismatch { .. })
        ));
    }

    #[test]
    fn fingerprints_selected_another_way_are_refused_as_a_mismatch() {
        let mut sections = segment(docs_section(0, &[], b""), 0, 0, 0);
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
        let docs = docs_section(2, &[(3, 1, 1), (2, 2, 1)], b"abc");
        let valid = file_with(&segment(docs, 1024, 8, 5));
        assert!(decode(valid.clone()).is_ok());
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
            let _ = decode(data);
        }
    }
}
