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
pub fn ascii_words(bytes: &[u8], from: usize, to: usize, emit: &mut impl FnMut(Token)) {
    // Indexing a slice that ends at `to` lets the compiler drop the bounds checks.
    let piece = &bytes[..to];
    debug_assert!(piece[from..].is_ascii());
    let mut i = from;
    while i < piece.len() {
        if CLASS[piece[i] as usize] & WORD == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut seen = 0u8;
        loop {
            while let Some(&b) = piece.get(i) {
                let class = CLASS[b as usize];
                if class & WORD == 0 {
                    break;
                }
                seen |= class;
                i += 1;
            }
            // `piece[i]` is not a word byte; it joins when it is a mid between two that fit.
            match piece.get(i..i + 2) {
                Some(&[mid, next]) if joins(piece[i - 1], mid, next) => {
                    seen |= CLASS[next as usize];
                    i += 2;
                }
                _ => break,
            }
        }
        if seen & ALNUM != 0 {
            emit(Token {
                start: start as u32,
                end: i as u32,
                hash: hash_ascii_word(&piece[start..i], seen & UPPER != 0),
            });
        }
    }
}

/// Byte classes of the ASCII path: a word byte (letter, digit, `_`), alphanumeric, upper case.
const WORD: u8 = 1;
const ALNUM: u8 = 2;
const UPPER: u8 = 4;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = WORD | ALNUM;
        }
        if c.is_ascii_uppercase() {
            table[b] |= UPPER;
        }
        if c == b'_' {
            table[b] = WORD;
        }
        b += 1;
    }
    table
};

/// True when `mid` between `prev` and `next` does not break a word (WB6/WB7, WB11/WB12).
#[inline]
fn joins(prev: u8, mid: u8, next: u8) -> bool {
    match mid {
        b'.' | b'\'' => {
            (prev.is_ascii_alphabetic() && next.is_ascii_alphabetic())
                || (prev.is_ascii_digit() && next.is_ascii_digit())
        }
        b':' => prev.is_ascii_alphabetic() && next.is_ascii_alphabetic(),
        b',' | b';' => prev.is_ascii_digit() && next.is_ascii_digit(),
        _ => false,
    }
}

/// [`hash_word`] of an ASCII word, lower-casing on the stack when it has a capital.
#[inline]
fn hash_ascii_word(word: &[u8], has_upper: bool) -> WordHash {
    if !has_upper {
        return xxh3_64(word);
    }
    let mut buf = [0u8; 64];
    if word.len() <= buf.len() {
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word);
        lower.make_ascii_lowercase();
        xxh3_64(lower)
    } else {
        xxh3_64(&word.to_ascii_lowercase())
    }
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
