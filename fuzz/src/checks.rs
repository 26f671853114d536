//! The invariants the fuzz targets check, one public function per target, each taking the raw
//! fuzzer input and panicking when an invariant breaks.
//!
//! This file depends only on the `dedup` library, so `tests/fuzz_regressions.rs` includes it with
//! `#[path]` and replays saved inputs through exactly the same checks. A new target (an index
//! reader, say) is one function here, one file in `fuzz_targets/` and its `[[bin]]` stanza.

use dedup::fingerprint::{
    distinct_hashes, kgram_hash, kgram_hashes, winnow as select, WinnowParams,
};
use dedup::passage::{align as align_words, AlignInput, AlignedPassage, PassageParams};
use dedup::quote::{quote_region_ids, quote_regions, quote_segments, QuotedWords, MIN_QUOTE_WORDS};
use dedup::shingle::{for_each_shingle, hash_window};
use dedup::sketch::Analysis;
use dedup::tokenize::{hash_word, tokenize as split_words, WordHash};
use unicode_segmentation::UnicodeSegmentation;

/// Openers and closers `quote_regions` recognises.
/// Every quotation mark: a mark's role comes from its neighbours, so any of them may open or
/// close (guillemets and CJK brackets keep their glyph's role).
const MARKS: [char; 15] = [
    '"', '\'', '\u{201C}', '\u{201D}', '\u{201E}', '\u{2018}', '\u{2019}', '\u{201A}', '\u{00AB}',
    '\u{00BB}', '\u{2039}', '\u{203A}', '\u{300C}', '\u{300D}', '\u{300E}',
];
const OPENERS: &[char] = &MARKS;
/// A quote ends at a mark, or runs to the end of the text, or to a paragraph break where the
/// next paragraph reopens it.
const CLOSERS: &[char] = &[
    '"', '\'', '\u{201C}', '\u{201D}', '\u{201E}', '\u{2018}', '\u{2019}', '\u{201A}', '\u{00BB}',
    '\u{203A}', '\u{300D}', '\u{300F}',
];

/// Tokenizer, quote regions, quoted grams and shingles of arbitrary bytes: no panic, every span
/// in bounds, ordered, on character boundaries, and every hash what it claims to be.
pub fn tokenize(data: &[u8]) {
    let tokens = split_words(data);
    let mut scratch = String::new();
    let mut previous_end = 0;
    for token in &tokens {
        assert!(token.start < token.end, "empty token {token:?}");
        assert!(token.end as usize <= data.len(), "token past the end");
        assert!(token.start >= previous_end, "tokens overlap or go back");
        previous_end = token.end;
        let word = std::str::from_utf8(&data[token.span()]).expect("a token is valid UTF-8");
        assert_eq!(
            token.hash,
            hash_word(word, &mut scratch),
            "hash of {word:?}"
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        // Valid UTF-8 (the common case) is split exactly as Unicode word boundaries say.
        let expected: Vec<(usize, &str)> = text.unicode_word_indices().collect();
        let found: Vec<(usize, &str)> = tokens
            .iter()
            .map(|t| (t.start as usize, &text[t.span()]))
            .collect();
        assert_eq!(found, expected);
    }

    let regions = quote_regions(data);
    let mut previous = 0;
    for region in &regions {
        assert!(region.start <= region.end && region.end <= data.len());
        assert!(region.start >= previous, "quote regions overlap");
        previous = region.end;
        assert!(
            ends_with_one_of(&data[..region.start], OPENERS),
            "region {region:?} does not follow an opening mark"
        );
        let rest = &data[region.end..];
        assert!(
            starts_with_one_of(rest, CLOSERS) || rest.is_empty() || rest.starts_with(b"\n"),
            "region {region:?} does not end at a closing mark, a paragraph break or the end"
        );
    }
    let segments = quote_segments(data);
    for segment in &segments {
        let inside = regions
            .iter()
            .any(|r| r.start <= segment.bytes.start && segment.bytes.end <= r.end);
        assert!(inside, "segment {segment:?} outside every quote");
    }
    let ids = quote_region_ids(&tokens, &segments);
    assert_eq!(ids.len(), tokens.len());
    for (token, &id) in tokens.iter().zip(&ids) {
        if id != 0 {
            // Segments past a quote's 255th share an id.
            let inside = segments.iter().filter(|s| s.id == id).any(|s| {
                s.bytes.start <= token.start as usize && token.end as usize <= s.bytes.end
            });
            assert!(inside, "token {token:?} outside its segment");
        }
    }
    let words: Vec<WordHash> = tokens.iter().map(|t| t.hash).collect();
    // The quoted words are the tokens with an id, and their grams every run of
    // MIN_QUOTE_WORDS of them inside one quote, hashed as one k-gram.
    let quoted = QuotedWords::collect(tokens.iter().copied(), &segments);
    let quoted_ids: Vec<u32> = ids.iter().copied().filter(|&id| id != 0).collect();
    assert_eq!(quoted.region_ids, quoted_ids);
    let in_one_quote: Vec<usize> = (0..(quoted.words.len() + 1).saturating_sub(MIN_QUOTE_WORDS))
        .filter(|&i| quoted.region_ids[i] == quoted.region_ids[i + MIN_QUOTE_WORDS - 1])
        .collect();
    let grams = quoted.gram_hashes();
    let at: Vec<usize> = grams.iter().map(|&(_, pos)| pos as usize).collect();
    assert_eq!(at, in_one_quote, "quoted grams");
    for (hash, pos) in grams {
        let window = &quoted.words[pos as usize..pos as usize + MIN_QUOTE_WORDS];
        assert_eq!(hash, kgram_hash(window));
    }

    let ngram = 1 + data.first().map_or(0, |b| usize::from(b % 8));
    let mut count = 0;
    for_each_shingle(&words, ngram, |at, hash| {
        let end = (at + ngram).min(words.len());
        assert_eq!(hash, hash_window(&words[at..end]));
        count += 1;
    });
    let expected = match words.len() {
        0 => 0,
        n if n < ngram => 1,
        n => n - ngram + 1,
    };
    assert_eq!(count, expected, "shingles of {} words", words.len());

    let analysis = Analysis::new(data.to_vec(), ngram, Some(WinnowParams::for_min_words(8)));
    assert_eq!(analysis.words, words);
    let mut line = 1;
    for token in &tokens {
        let at = analysis.line_of(token.start);
        assert!(at >= line, "lines go back");
        line = at;
    }
}

fn ends_with_one_of(bytes: &[u8], marks: &[char]) -> bool {
    marks
        .iter()
        .any(|c| bytes.ends_with(c.encode_utf8(&mut [0; 4]).as_bytes()))
}

fn starts_with_one_of(bytes: &[u8], marks: &[char]) -> bool {
    marks
        .iter()
        .any(|c| bytes.starts_with(c.encode_utf8(&mut [0; 4]).as_bytes()))
}

/// One document for the aligner, with its quote marks.
struct Doc {
    words: Vec<WordHash>,
    quoted: bitvec::vec::BitVec,
    analysis: Option<Analysis>,
}

/// The passage aligner on two arbitrary inputs: no panic, passages in bounds, made of matching
/// words, long enough, and never overlapping one another in either document.
///
/// The first byte picks the mode and `--min-words`. Text mode splits the rest into two texts and
/// runs the real tokenizer and quote finder; word mode reads every byte as one word of an
/// eight-word vocabulary (high bit: quoted), so long shared runs and repeats are common.
pub fn align(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let min_words = 3 + usize::from(control % 16);
    let cut = rest
        .iter()
        .position(|&b| b == 0xFF)
        .unwrap_or(rest.len() / 2);
    let (left, right) = (&rest[..cut], &rest[(cut + 1).min(rest.len())..]);
    let (a, b) = if control & 0x80 == 0 {
        (text_doc(left), text_doc(right))
    } else {
        (word_doc(left), word_doc(right))
    };
    let passages = align_words(input(&a), input(&b), PassageParams::new(min_words));
    check_passages(&passages, &a, &b, min_words);
}

fn input(doc: &Doc) -> AlignInput<'_> {
    AlignInput {
        words: &doc.words,
        quoted: &doc.quoted,
    }
}

fn text_doc(bytes: &[u8]) -> Doc {
    let analysis = Analysis::new(bytes.to_vec(), 5, Some(WinnowParams::for_min_words(8)));
    Doc {
        words: analysis.words.clone(),
        quoted: analysis.quoted.clone(),
        analysis: Some(analysis),
    }
}

fn word_doc(bytes: &[u8]) -> Doc {
    Doc {
        words: bytes.iter().map(|b| u64::from(b & 0x07) * 0x9E37).collect(),
        quoted: bytes.iter().map(|b| b & 0x80 != 0).collect(),
        analysis: None,
    }
}

fn check_passages(passages: &[AlignedPassage], a: &Doc, b: &Doc, min_words: usize) {
    for p in passages {
        for (range, doc) in [(&p.a, a), (&p.b, b)] {
            assert!(range.start < range.end, "empty passage {p:?}");
            assert!(
                range.end as usize <= doc.words.len(),
                "passage past the end {p:?}"
            );
        }
        let (ra, rb) = (
            p.a.start as usize..p.a.end as usize,
            p.b.start as usize..p.b.end as usize,
        );
        assert_eq!(
            a.words[ra.start], b.words[rb.start],
            "first words differ {p:?}"
        );
        assert_eq!(
            a.words[ra.end - 1],
            b.words[rb.end - 1],
            "last words differ {p:?}"
        );
        let matched = p.matched as usize;
        assert!(matched <= ra.len() && matched <= rb.len(), "{p:?}");
        assert!(
            matched >= min_words || (p.quoted && matched >= MIN_QUOTE_WORDS),
            "passage too short {p:?}"
        );
        if p.quoted {
            assert!(
                a.quoted[ra.clone()].all() && b.quoted[rb.clone()].all(),
                "{p:?}"
            );
        }
        for (range, doc) in [(&p.a, a), (&p.b, b)] {
            if let Some(analysis) = &doc.analysis {
                let (start, end) = analysis.byte_span(range);
                assert!(start < end && end as usize <= analysis.bytes.len());
            }
        }
    }
    for pick in [
        |p: &AlignedPassage| p.a.clone(),
        |p: &AlignedPassage| p.b.clone(),
    ] {
        let mut ranges: Vec<_> = passages.iter().map(pick).collect();
        ranges.sort_by_key(|r| r.start);
        for pair in ranges.windows(2) {
            assert!(pair[0].end <= pair[1].start, "passages overlap: {pair:?}");
        }
    }
}

/// Winnowing of arbitrary word sequences with arbitrary `k` and `w`: the selected fingerprints are
/// in order, in bounds, each the minimum of a window that holds it, and every window of `w`
/// k-grams holds one (the guarantee that finds every shared run of `w + k - 1` words).
pub fn winnow(data: &[u8]) {
    let [k, w, rest @ ..] = data else {
        return;
    };
    let params = WinnowParams {
        k: 1 + usize::from(k % 8),
        w: 1 + usize::from(w % 16),
    };
    let words: Vec<WordHash> = rest.iter().map(|b| u64::from(b % 16) * 0x9E37).collect();
    let selected = select(&words, params);
    if words.len() < params.k {
        assert!(selected.is_empty());
        return;
    }
    let grams = kgram_hashes(&words, params.k);
    assert!(!selected.is_empty());
    for pair in selected.windows(2) {
        assert!(pair[0].pos < pair[1].pos, "positions not increasing");
    }
    let w = params.w.min(grams.len());
    for f in &selected {
        let at = f.pos as usize;
        assert!(at < grams.len());
        assert_eq!(f.hash, grams[at]);
        let first = at.saturating_sub(w - 1);
        let is_window_min =
            (first..=at.min(grams.len() - w)).any(|s| grams[s..s + w].iter().all(|&g| g >= f.hash));
        assert!(is_window_min, "{f:?} is the minimum of no window");
    }
    // Every window of w k-grams holds a selected position: with positions increasing, the first
    // is in the first window, the last in the last, and no two are more than w apart.
    let positions: Vec<usize> = selected.iter().map(|f| f.pos as usize).collect();
    assert!(positions[0] < w, "first window holds no fingerprint");
    assert!(
        positions[positions.len() - 1] + w >= grams.len(),
        "last window holds no fingerprint"
    );
    for pair in positions.windows(2) {
        assert!(
            pair[1] - pair[0] <= w,
            "a window between {pair:?} holds no fingerprint"
        );
    }
    let distinct = distinct_hashes(&selected);
    assert!(distinct.windows(2).all(|p| p[0] < p[1]));
}

/// Words and marks the `scan` target builds documents from in word mode: few enough that
/// documents share long runs, quotes and boilerplate.
const PIECES: [&str; 8] = [
    "alpha ", "beta ", "gamma ", "delta ", "\"", "\n", "eps ", ". ",
];

/// The whole library scan on up to five small documents written to a temporary folder: no panic,
/// no error, and every reported offset, line and text true to the bytes on disk.
///
/// The first byte picks the options (`--min-words`, threshold, `--max-df`, `--ngram`) and the
/// mode: raw bytes, or one word or mark of [`PIECES`] per byte. Documents are separated by 0xFF.
pub fn scan(data: &[u8]) {
    use dedup::scan::{scan as run_scan, PairKind, ScanConfig};
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let threshold = [0.3, 0.5, 0.8, 1.0][usize::from(control >> 3) % 4];
    let mut config = ScanConfig::new(threshold);
    config.min_words = 3 + usize::from(control % 8);
    config.max_df = 2 + usize::from(control >> 5) % 3;
    config.ngram = 1 + usize::from(control >> 6);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let texts: Vec<Vec<u8>> = rest
        .split(|&b| b == 0xFF)
        .take(5)
        .map(|doc| {
            if control & 0x80 == 0 {
                doc.to_vec()
            } else {
                doc.iter()
                    .flat_map(|&b| PIECES[usize::from(b % 8)].bytes())
                    .collect()
            }
        })
        .collect();
    for (i, text) in texts.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.txt")), text).expect("written");
    }
    let report = run_scan(&[dir.path().to_path_buf()], &config).expect("valid options");
    let bytes_of = |doc: dedup::DocId| -> Vec<u8> {
        std::fs::read(report.documents[doc.index()].source.path.clone()).expect("readable")
    };
    let check_location = |bytes: &[u8], at: &dedup::findings::Location| {
        let (start, end) = (at.start as usize, at.end as usize);
        assert!(
            start < end && end <= bytes.len(),
            "{at:?} of {} bytes",
            bytes.len()
        );
        let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(at.line as usize, line, "{at:?}");
    };
    for pair in &report.pairs {
        assert!(pair.a < pair.b);
        assert!((0.0..=1.0).contains(&pair.jaccard), "{pair:?}");
        match pair.kind {
            PairKind::ExactDuplicate => assert_eq!(pair.jaccard, 1.0),
            PairKind::NearDuplicate => assert!(pair.jaccard >= threshold - 1e-9, "{pair:?}"),
            PairKind::Overlap => assert!(!pair.passages.is_empty(), "{pair:?}"),
        }
        let (a, b) = (bytes_of(pair.a), bytes_of(pair.b));
        for p in &pair.passages {
            check_location(&a, &p.a);
            check_location(&b, &p.b);
            let shown = String::from_utf8_lossy(&a[p.a.start as usize..p.a.end as usize]);
            assert_eq!(p.text, shown);
        }
        for side in [
            |p: &dedup::findings::Passage| p.a,
            |p: &dedup::findings::Passage| p.b,
        ] {
            let mut spans: Vec<_> = pair.passages.iter().map(side).collect();
            spans.sort();
            assert!(spans.windows(2).all(|w| w[0].end <= w[1].start), "{pair:?}");
        }
    }
    for quote in &report.quotes {
        assert!(quote.occurrences.len() >= 2, "{quote:?}");
        for o in &quote.occurrences {
            check_location(&bytes_of(o.doc), &o.at);
        }
        let first = &quote.occurrences[0];
        let bytes = bytes_of(first.doc);
        let shown = String::from_utf8_lossy(&bytes[first.at.start as usize..first.at.end as usize]);
        assert_eq!(quote.text, shown);
    }
    for cluster in &report.clusters {
        assert!(cluster.members.len() >= 2);
        assert!(cluster.members.windows(2).all(|w| w[0] < w[1]));
        assert!(cluster.members.contains(&cluster.keep));
    }
    assert_eq!(report.summary.errors, 0, "{:?}", report.diagnostics);
}

/// A small valid index, built once per process: the starting point for the `index` target's
/// mutations (random bytes alone would rarely get past the magic number).
fn valid_index() -> &'static [u8] {
    static VALID: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    VALID.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let texts = [
            "the council agreed on Tuesday to release the emergency funds for the flood defences",
            "an unrelated note about the chess club, its members and the spring tournament",
            "\u{201C}we will not abandon the valley\u{201D}, said the chair of the river trust",
        ];
        let mut paths = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let path = dir.path().join(format!("doc{i}.txt"));
            std::fs::write(&path, text).expect("write a document");
            paths.push(path);
        }
        let out = dir.path().join("corpus.dedup");
        dedup::index::build(&paths, &out, &dedup::scan::ScanConfig::new(0.8)).expect("build");
        std::fs::read(&out).expect("read the index")
    })
}

/// The index reader on damaged files: the first byte chooses raw bytes (mode 0) or a valid index
/// with the rest of the input applied as byte flips and a truncation. `Index::open` must return
/// an index or an error, never panic or allocate without bound; an index it accepts must answer
/// every accessor in bounds.
pub fn index(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode == 0 {
        rest.to_vec()
    } else {
        let mut bytes = valid_index().to_vec();
        let (cut, flips) = rest.split_at(rest.len().min(2));
        for flip in flips.chunks(3) {
            if let [hi, lo, xor] = *flip {
                let at = (usize::from(hi) << 8 | usize::from(lo)) % bytes.len();
                bytes[at] ^= xor;
            }
        }
        if mode & 1 == 1 && cut.len() == 2 {
            let keep = (usize::from(cut[0]) << 8 | usize::from(cut[1])) % (bytes.len() + 1);
            bytes.truncate(keep);
        }
        bytes
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("fuzzed.dedup");
    std::fs::write(&path, &bytes).expect("write the input");
    let Ok(index) = dedup::index::Index::open(&path) else {
        return;
    };
    let bands = index.params().lsh.bands;
    for i in 0..index.len() {
        assert!(
            index.text(i).is_ok(),
            "the text of an index that opened reads"
        );
        let keys = index
            .band_keys(i)
            .expect("the band keys of an index that opened reads");
        assert_eq!(keys.len(), bands);
        let _ = index.fingerprints(i);
    }
    let _ = (
        index.sizes(),
        index.words(),
        index.text_bytes(),
        index.segments(),
    );
}
