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
pub fn for_each_token(bytes: &[u8], mut emit: impl FnMut(Token)) {
    debug_assert!(bytes.len() <= u32::MAX as usize);
    let mut normalised = String::new();
    let mut base = 0usize;
    for chunk in bytes.utf8_chunks() {
        let text = chunk.valid();
        for (offset, word) in text.unicode_word_indices() {
            let start = base + offset;
            emit(Token {
                start: start as u32,
                end: (start + word.len()) as u32,
                hash: hash_word(word, &mut normalised),
            });
        }
        base += text.len() + chunk.invalid().len();
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
}
