//! Tokenize: split a document into normalised words, keeping each word's byte span in the
//! ORIGINAL bytes.
//!
//! Words are found with Unicode word boundaries (UAX #29), so Chinese, Japanese and Thai text
//! yields one word per ideograph or segment instead of one giant "word" per sentence. Each word is
//! normalised before hashing: NFKC (width folding: `ＡＢＣ` is `ABC`), curly quotes and
//! apostrophes folded to straight ones (`president’s` is `president's`), then Unicode case folding.
//!
//! The input is bytes, not `str`: invalid UTF-8 sequences are treated as word separators and never
//! shift an offset, so every span points into the file exactly as the user has it.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

/// The hash of one normalised word (xxh3-64 of its normalised UTF-8 bytes).
pub type WordHash = u64;

/// One word of a document: where it is in the original bytes and what it normalises to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte of the word in the original document.
    pub start: u32,
    /// Byte offset one past the last byte of the word (exclusive).
    pub end: u32,
    /// Hash of the normalised word; two words match when their hashes are equal.
    pub hash: WordHash,
}

impl Token {
    /// The byte range of the word in the original document.
    pub fn span(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Splits `bytes` into words and calls `emit` for each, in order.
///
/// This is the one tokenizer every stage uses (signatures, verification, passages), so a word is
/// the same word everywhere. Documents must be shorter than 4 GiB (offsets are `u32`); the corpus
/// reader enforces a smaller `--max-bytes` long before that.
///
/// Most text is ASCII, and for ASCII the UAX #29 rules reduce to a few byte comparisons, so the
/// bytes are cut into pieces: a cut sits after an ASCII whitespace byte that is followed by an
/// ASCII byte other than a space. Pieces without a non-ASCII byte take the ASCII path ([`ascii_words`]), the others
/// the full Unicode path ([`for_each_token_unicode`]). The words are exactly those of the Unicode
/// path on the whole text (a property test compares both on arbitrary input): no UAX #29 rule
/// joins ASCII whitespace to a following ASCII character other than a space (WB3d), and none
/// looks back past it; WB4 lets an Extend or Format character attach to the whitespace before
/// it, which is why a cut never precedes a non-ASCII byte.
pub fn for_each_token(bytes: &[u8], mut emit: impl FnMut(Token)) {
    debug_assert!(bytes.len() <= u32::MAX as usize);
    let mut scratch = String::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(found) = first_non_ascii(&bytes[pos..]) else {
            ascii_words(bytes, pos, bytes.len(), &mut emit);
            return;
        };
        let first_non_ascii = pos + found;
        let start = (pos + 1..first_non_ascii)
            .rev()
            .find(|&c| is_cut(bytes[c - 1], bytes[c]))
            .unwrap_or(pos);
        let end = (first_non_ascii + 1..bytes.len())
            .find(|&c| is_cut(bytes[c - 1], bytes[c]))
            .unwrap_or(bytes.len());
        ascii_words(bytes, pos, start, &mut emit);
        unicode_words(bytes, start, end, &mut scratch, &mut emit);
        pos = end;
    }
}

/// The position of the first byte >= 0x80, testing eight bytes at a time.
#[inline]
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        if word & HIGH != 0 {
            return Some(i * 8 + (word & HIGH).trailing_zeros() as usize / 8);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|b| !b.is_ascii())
        .map(|i| done + i)
}

/// True when a piece may end between `before` and `after`: after ASCII whitespace (UAX #29
/// classes WSegSpace, LF, CR, Newline, and Other for tab) and before an ASCII byte that is not a
/// space. Never before a space, because WB3d keeps a run of spaces together and WB4 attaches a
/// following combining mark to the whole run (`"  \u{93e}"` is one word, as the mark is
/// alphabetic).
#[inline]
fn is_cut(before: u8, after: u8) -> bool {
    matches!(before, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
        && after.is_ascii()
        && after != b' '
}

/// The reference tokenizer: UAX #29 word boundaries on every valid UTF-8 run of the whole text.
/// [`for_each_token`] gives exactly the same tokens, faster; this one is kept as the definition
/// (tests and benchmarks compare the two).
pub fn for_each_token_unicode(bytes: &[u8], mut emit: impl FnMut(Token)) {
    debug_assert!(bytes.len() <= u32::MAX as usize);
    let mut scratch = String::new();
    unicode_words(bytes, 0, bytes.len(), &mut scratch, &mut emit);
}

/// The words of `bytes[from..to]` by the full Unicode rules, with offsets into `bytes`.
fn unicode_words(
    bytes: &[u8],
    from: usize,
    to: usize,
    scratch: &mut String,
    emit: &mut impl FnMut(Token),
) {
    let mut base = from;
    for chunk in bytes[from..to].utf8_chunks() {
        let text = chunk.valid();
        for (offset, word) in text.unicode_word_indices() {
            let start = base + offset;
            emit(Token {
                start: start as u32,
                end: (start + word.len()) as u32,
                hash: hash_word(word, scratch),
            });
        }
        base += text.len() + chunk.invalid().len();
    }
}

/// The words of the ASCII bytes `bytes[from..to]` by the UAX #29 rules restricted to ASCII:
/// letters, digits and `_` join each other (WB5, WB8-WB10, WB13a/b); `.` `'` `:` join two letters
/// (WB6/WB7); `.` `'` `,` `;` join two digits (WB11/WB12); every other byte separates. A segment
/// is a word when it has a letter or digit (a run of `_` is not). Hashes are those of
/// [`hash_word`]: xxh3 of the lower-cased bytes.
///
/// Word bytes are found 64 at a time as a bit mask, and the runs' starts and ends are read off
/// the mask's edges, one loop turn an edge. A loop that tested byte after byte took 22 ns a word
/// on real English text, most of it in the mispredicted branch at each word's end. Only the byte
/// at a run's end is looked at on its own, for a join.
pub fn ascii_words(bytes: &[u8], from: usize, to: usize, emit: &mut impl FnMut(Token)) {
    let piece = &bytes[..to];
    debug_assert!(piece[from..].is_ascii());
    let mut runs = Runs {
        piece,
        start: from,
        joining: false,
    };
    let mut inside = false;
    let mut block = from & !63;
    let mut first = true;
    while block < piece.len() {
        let mut mask = block_word_bits(piece, block);
        if first {
            mask &= u64::MAX << (from - block);
            first = false;
        }
        let before = (mask << 1) | inside as u64;
        let (mut starts, mut ends) = (mask & !before, !mask & before);
        loop {
            let edges = if inside { &mut ends } else { &mut starts };
            if *edges == 0 {
                break;
            }
            let at = block + edges.trailing_zeros() as usize;
            *edges &= *edges - 1;
            if inside {
                runs.end(at, emit);
            } else {
                runs.start(at);
            }
            inside = !inside;
        }
        inside = mask >> 63 != 0;
        block += 64;
    }
    if inside {
        runs.end(piece.len(), emit);
    }
}

/// The runs of word bytes of [`ascii_words`], joined into words across `.` `'` `:` `,` `;`.
struct Runs<'a> {
    piece: &'a [u8],
    /// Where the current word started.
    start: usize,
    /// The last run ended at a joining mid, so the next run goes on with the same word.
    joining: bool,
}

impl Runs<'_> {
    #[inline]
    fn start(&mut self, at: usize) {
        if !std::mem::take(&mut self.joining) {
            self.start = at;
        }
    }

    /// A run ends before `at`: the word ends there too unless `piece[at]` joins it to the
    /// run that starts right after (a letter or digit, so there is one).
    #[inline(always)]
    fn end(&mut self, at: usize, emit: &mut impl FnMut(Token)) {
        let piece = self.piece;
        if let Some(&[mid, next]) = piece.get(at..at + 2) {
            if joins(piece[at - 1], mid, next) {
                self.joining = true;
                return;
            }
        }
        if piece[self.start..at].iter().any(|&b| b != b'_') {
            emit(Token {
                start: self.start as u32,
                end: at as u32,
                hash: hash_ascii_word(piece, self.start, at),
            });
        }
    }
}

/// Bit `i` set when `piece[block + i]` is a word byte (ASCII letter, digit, `_`), for the 64
/// bytes from `block` (bytes past the end are not). Bytes before an ASCII piece may be
/// non-ASCII; their bits are never used.
#[inline]
fn block_word_bits(piece: &[u8], block: usize) -> u64 {
    let mut padded = [0u8; 64];
    let bytes: &[u8] = match piece.get(block..block + 64) {
        Some(full) => full,
        None => {
            let rest = &piece[block..];
            padded[..rest.len()].copy_from_slice(rest);
            &padded
        }
    };
    let mut mask = 0;
    for (k, eight) in bytes.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        mask |= gather_high_bits(word_byte_flags(x)) << (8 * k);
    }
    mask
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bit 7 of each byte of the result set when that byte of `x` is `>= low`, for bytes below 0x80:
/// each byte's sum stays below 0x100, so no byte carries into its neighbour.
#[inline]
fn at_least(x: u64, low: u8) -> u64 {
    x.wrapping_add((0x80 - low as u64) * ONES) & HIGH
}

/// Bit 7 of each byte set when that byte of `x` is an ASCII letter, digit or `_`. Non-ASCII
/// bytes are read without their top bit (their flags mean nothing and are never used).
#[inline]
fn word_byte_flags(x: u64) -> u64 {
    let x = x & !HIGH;
    let folded = x | (0x20 * ONES);
    let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
    let underscore = !at_least(x ^ (b'_' as u64 * ONES), 1) & HIGH;
    letter | digit | underscore
}

/// The eight bit-7 flags of `flags` as the low eight bits, byte 0's first: byte `j`'s flag,
/// moved to bit `8j`, is multiplied into bit `56 + j`, and no two partial products share a bit.
#[inline]
fn gather_high_bits(flags: u64) -> u64 {
    ((flags >> 7) & ONES).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// True when `mid` between `prev` and `next` does not break a word (WB6/WB7, WB11/WB12): a
/// table says what each byte joins (most bytes after a word join nothing, and are told at once).
#[inline]
fn joins(prev: u8, mid: u8, next: u8) -> bool {
    let joined = JOINS[mid as usize];
    joined != 0 && (joined & KIND[prev as usize] & KIND[next as usize]) != 0
}

/// What a byte is to [`joins`]: a letter, a digit, or neither.
const LETTER: u8 = 1;
const DIGIT: u8 = 2;

static KIND: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            table[b] = LETTER;
        } else if c.is_ascii_digit() {
            table[b] = DIGIT;
        }
        b += 1;
    }
    table
};

/// What each mid byte joins: `.` and `'` two letters or two digits, `:` two letters, `,` and `;`
/// two digits.
static JOINS: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'.' as usize] = LETTER | DIGIT;
    table[b'\'' as usize] = LETTER | DIGIT;
    table[b':' as usize] = LETTER;
    table[b',' as usize] = DIGIT;
    table[b';' as usize] = DIGIT;
    table
};

/// [`hash_word`] of the ASCII word `piece[start..end]`: xxh3 of its lower-cased bytes.
///
/// Most words are up to 16 bytes with 16 bytes of the piece from their start: those are read as
/// two integers, lower-cased there and hashed there ([`xxh3_64_short`]), never written to memory.
/// Copying each word into a buffer byte-wise first cost more than the hash itself: the hash's
/// wide reads of the bytes just written could not be served from the copy's narrow writes.
#[inline]
fn hash_ascii_word(piece: &[u8], start: usize, end: usize) -> WordHash {
    let word = &piece[start..end];
    let len = word.len();
    let Some(sixteen) = piece.get(start..start + 16).filter(|_| len <= 16) else {
        return hash_ascii_word_slowly(word);
    };
    let (low, high) = sixteen.split_at(8);
    let low = u64::from_le_bytes(low.try_into().expect("8 bytes"));
    let high = u64::from_le_bytes(high.try_into().expect("8 bytes"));
    // The bytes past the word are the piece's next ones: the hash ignores them.
    let lower = ascii_lowercase(low) as u128 | (ascii_lowercase(high) as u128) << 64;
    xxh3_64_short(lower, len)
}

/// `xxh3_64` of a word of 1 to 16 bytes held in a register: `bytes` little-endian, the bytes past
/// `len` ignored. The value is the crate's (a test compares every length); what differs is that
/// the word's ends are taken by shifts. Handed a buffer, `xxh3_64` reads it back at an offset
/// that depends on the length, right after the word was written there, and the read waited on
/// the write.
#[inline]
fn xxh3_64_short(bytes: u128, len: usize) -> WordHash {
    debug_assert!((1..=16).contains(&len));
    let low = bytes as u64;
    if len > 8 {
        let first = low ^ XXH3_FLIP_9TO16.0;
        let last = (bytes >> (8 * (len - 8))) as u64 ^ XXH3_FLIP_9TO16.1;
        let product = first as u128 * last as u128;
        let folded = product as u64 ^ (product >> 64) as u64;
        let acc = (len as u64)
            .wrapping_add(first.swap_bytes())
            .wrapping_add(last)
            .wrapping_add(folded);
        xxh3_avalanche(acc)
    } else if len >= 4 {
        let first = low as u32 as u64;
        let last = (low >> (8 * (len - 4))) as u32 as u64;
        xxh3_rrmxmx(last.wrapping_add(first << 32) ^ XXH3_FLIP_4TO8, len as u64)
    } else {
        let byte = |i: usize| (low >> (8 * i)) as u8 as u64;
        let combined = byte(0) << 16 | byte(len >> 1) << 24 | byte(len - 1) | (len as u64) << 8;
        xxh64_avalanche(combined ^ XXH3_FLIP_1TO3)
    }
}

/// XXH3's default secret, folded as its short-input paths fold it (seed 0): bytes 0..4 ^ 4..8,
/// 8..16 ^ 16..24, and (24..32 ^ 32..40, 40..48 ^ 48..56), read little-endian.
const XXH3_FLIP_1TO3: u64 = 0x8727_5a9b;
const XXH3_FLIP_4TO8: u64 = 0xc73a_b174_c5ec_d5a2;
const XXH3_FLIP_9TO16: (u64, u64) = (0x6782_737b_ea42_39b9, 0xaf56_bc3b_0996_523a);

#[inline]
fn xxh3_avalanche(mut h: u64) -> u64 {
    h ^= h >> 37;
    h = h.wrapping_mul(0x1656_6791_9e37_79f9);
    h ^ (h >> 32)
}

#[inline]
fn xxh3_rrmxmx(mut h: u64, len: u64) -> u64 {
    h ^= h.rotate_left(49) ^ h.rotate_left(24);
    h = h.wrapping_mul(0x9fb2_1c65_1e98_df25);
    h ^= (h >> 35).wrapping_add(len);
    h = h.wrapping_mul(0x9fb2_1c65_1e98_df25);
    h ^ (h >> 28)
}

#[inline]
fn xxh64_avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    h ^= h >> 29;
    h = h.wrapping_mul(0x1656_67b1_9e37_79f9);
    h ^ (h >> 32)
}

/// [`hash_ascii_word`] of a long word, or one near the end of its piece.
#[cold]
fn hash_ascii_word_slowly(word: &[u8]) -> WordHash {
    if !word.iter().any(u8::is_ascii_uppercase) {
        return xxh3_64(word);
    }
    let mut buf = [0u8; 64];
    match buf.get_mut(..word.len()) {
        Some(lower) => {
            lower.copy_from_slice(word);
            lower.make_ascii_lowercase();
            xxh3_64(lower)
        }
        None => xxh3_64(&word.to_ascii_lowercase()),
    }
}

/// Bit 7 of each byte set when that byte of `x` (ASCII) is a capital letter.
#[inline]
fn ascii_capitals(x: u64) -> u64 {
    at_least(x, b'A') & !at_least(x, b'Z' + 1)
}

/// Eight ASCII bytes lower-cased at once: 0x20 added to each byte in `A..=Z`.
#[inline]
fn ascii_lowercase(x: u64) -> u64 {
    x | (ascii_capitals(x) >> 2)
}

/// Tokenizes a whole document into a vector.
pub fn tokenize(bytes: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(bytes.len() / 6 + 1);
    for_each_token(bytes, |token| tokens.push(token));
    tokens
}

/// Hashes one word after normalisation. `scratch` is reused between calls to avoid allocating
/// for every word.
pub fn hash_word(word: &str, scratch: &mut String) -> WordHash {
    if word.is_ascii() {
        if !word.bytes().any(|b| b.is_ascii_uppercase()) {
            return xxh3_64(word.as_bytes());
        }
        scratch.clear();
        scratch.push_str(word);
        scratch.make_ascii_lowercase();
        return xxh3_64(scratch.as_bytes());
    }
    normalise_into(word, scratch);
    xxh3_64(scratch.as_bytes())
}

/// Writes the normalised form of `word` into `out`: quotes folded, NFKC, case folded.
pub fn normalise_into(word: &str, out: &mut String) {
    out.clear();
    let folded_quotes = word.chars().map(fold_quote);
    let nfkc: String = folded_quotes.nfkc().collect();
    out.push_str(&caseless::default_case_fold_str(&nfkc));
}

/// The normalised form of a word, as a new string (for tests and diagnostics).
pub fn normalise(word: &str) -> String {
    let mut out = String::new();
    normalise_into(word, &mut out);
    out
}

/// Maps typographic quotes and apostrophes to their ASCII forms.
pub fn fold_quote(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{FF07}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' | '\u{FF02}' => '"',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text.as_bytes())
            .iter()
            .map(|t| &text[t.span()])
            .collect()
    }

    fn hashes(text: &str) -> Vec<WordHash> {
        tokenize(text.as_bytes()).iter().map(|t| t.hash).collect()
    }

    #[test]
    fn a_short_word_hashed_in_a_register_is_the_crates_xxh3() {
        // Every length, over bytes that walk all values, with garbage past the word's end.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for round in 0..20_000u32 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let garbage = (state as u128) << 64 | state.rotate_left(17) as u128;
            let len = 1 + (round as usize % 16);
            let fill = (round / 16) as u8;
            let mut bytes = garbage.to_le_bytes();
            for (i, b) in bytes[..len].iter_mut().enumerate() {
                *b = fill.wrapping_add((i as u8).wrapping_mul(state as u8 | 1));
            }
            let word = u128::from_le_bytes(bytes);
            assert_eq!(
                xxh3_64_short(word, len),
                xxh3_64(&bytes[..len]),
                "{:?}",
                &bytes[..len]
            );
        }
    }

    #[test]
    fn splits_on_unicode_word_boundaries_and_keeps_spans() {
        assert_eq!(
            words("Hello, world! It's 3.14 o'clock."),
            ["Hello", "world", "It's", "3.14", "o'clock"]
        );
    }

    #[test]
    fn case_quotes_and_width_are_folded() {
        assert_eq!(hashes("The President’s"), hashes("the PRESIDENT's"));
        assert_eq!(hashes("ＡＢＣ"), hashes("abc"));
        assert_eq!(hashes("Straße"), hashes("STRASSE"));
    }

    #[test]
    fn ideographs_are_one_word_each() {
        assert_eq!(words("我们喜欢读书"), ["我", "们", "喜", "欢", "读", "书"]);
        assert_eq!(words("ひらがな"), ["ひ", "ら", "が", "な"]);
    }

    #[test]
    fn invalid_utf8_separates_words_without_shifting_offsets() {
        let bytes = b"alpha \xFF\xFEbeta gamma";
        let tokens = tokenize(bytes);
        let spans: Vec<_> = tokens.iter().map(|t| &bytes[t.span()]).collect();
        assert_eq!(spans, [&b"alpha"[..], b"beta", b"gamma"]);
    }

    #[test]
    fn punctuation_only_text_has_no_words() {
        assert!(tokenize(b"  ... --- !!! \n\t").is_empty());
        assert!(tokenize(b"").is_empty());
    }

    fn both(bytes: &[u8]) -> (Vec<Token>, Vec<Token>) {
        let mut fast = Vec::new();
        for_each_token(bytes, |t| fast.push(t));
        let mut reference = Vec::new();
        for_each_token_unicode(bytes, |t| reference.push(t));
        (fast, reference)
    }

    #[test]
    fn ascii_path_matches_the_unicode_rules_on_known_cases() {
        for text in [
            "e.g. 3.14 1,000 1;2 1:2 a:b a'b 1'000 a.1 1.a don't _ __ _a a_ a_.b 1_.2 x__y",
            "trailing. 'quoted' \"dq\" a. .a a: :a 1, ,1 end.",
            "CR\r\nLF\nVT\x0bFF\x0ctab\tEND ...",
            "",
        ] {
            let (fast, reference) = both(text.as_bytes());
            assert_eq!(fast, reference, "{text:?}");
        }
        assert_eq!(words("a.1 1.a x_.y"), ["a", "1", "1", "a", "x_", "y"]);
    }

    #[test]
    fn mixed_text_takes_both_paths_and_agrees() {
        for text in [
            "plain ascii then caf\u{e9} and more ascii words",
            "The President\u{2019}s \u{201c}men\u{201d} were there",
            "a \u{301}b c  \u{93e}d e\u{200d}f \u{1f1fa}\u{1f1f8} g",
            "\u{5d0}\"\u{5d1} x \u{30a2}_1 y \u{ad}z w",
        ] {
            let (fast, reference) = both(text.as_bytes());
            assert_eq!(fast, reference, "{text:?}");
        }
    }

    /// Pieces of text that exercise every ASCII rule and the joints with non-ASCII text.
    fn atom() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let ascii = prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b"aZ9_.,;:'\" \t\r\n\x0b\x0c-!".to_vec()),
                1 => any::<u8>().prop_map(|b| b & 0x7F),
            ],
            1..6,
        );
        let unicode = prop::sample::select(vec![
            "\u{e9}",
            "\u{301}",
            "\u{93e}",
            "\u{200d}",
            "\u{ad}",
            "\u{2019}",
            "\u{201c}",
            "\u{5d0}",
            "\u{30a2}",
            "\u{6211}",
            "\u{1f1fa}",
            "\u{1f600}",
            "\u{a0}",
            "\u{2028}",
            "\u{ff21}",
            "\u{660}",
            "\u{85}",
            "\u{2060}",
            "\u{3000}",
            "\u{ff0e}",
        ])
        .prop_map(|s| s.as_bytes().to_vec());
        let invalid = prop::sample::select(vec![vec![0xFFu8], vec![0xC3], vec![0xE2, 0x80]]);
        prop_oneof![6 => ascii, 3 => unicode, 1 => invalid]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn fast_path_equals_unicode_path_on_ascii(
            bytes in proptest::collection::vec(0u8..0x80, 0..200)
        ) {
            let (fast, reference) = both(&bytes);
            proptest::prop_assert_eq!(fast, reference);
        }

        #[test]
        fn fast_path_equals_unicode_path_on_wordy_ascii(text in "[a-zA-Z0-9_.,;:' \n]{0,300}") {
            let (fast, reference) = both(text.as_bytes());
            proptest::prop_assert_eq!(fast, reference);
        }

        /// Long words: past the 16 bytes hashed from registers, across 64-byte blocks, and
        /// joined across a block's edge.
        #[test]
        fn fast_path_equals_unicode_path_on_long_words(
            text in "([a-zA-Z0-9_.,;:']{0,150}[ \n]){0,6}"
        ) {
            let (fast, reference) = both(text.as_bytes());
            proptest::prop_assert_eq!(fast, reference);
        }

        #[test]
        fn fast_path_equals_unicode_path_on_mixed_text(
            atoms in proptest::collection::vec(atom(), 0..40)
        ) {
            let bytes = atoms.concat();
            let (fast, reference) = both(&bytes);
            proptest::prop_assert_eq!(fast, reference);
        }
    }
}
