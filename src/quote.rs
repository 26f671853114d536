//! Quotes: which words are inside quotation marks, and quote groups: quoted text that two or more
//! documents share.
//!
//! Quoted text: double marks (straight and curly, mixed as sites mix them), single curly marks,
//! guillemets and CJK brackets, each mark's role read from its neighbours ([`quote_regions`]).
//!
//! A quote group is a maximal run of at least [`MIN_QUOTE_WORDS`] words, quoted wherever it occurs,
//! found in two or more documents, with every occurrence. Groups are found from the 3-word grams
//! of quoted text: the documents sharing a gram are extended left and right while all of them
//! agree, so a group is maximal for its occurrences, and a shorter run that more documents quote
//! is a group of its own, nested in the longer one (a tweet quoted whole by two outlets, and its
//! key phrase by a third). A run of [`EXCERPT_WORDS`] or more words counts wherever it is quoted
//! (outlets quote different spans of one statement, and what they share is then quoted exactly by
//! none); a shorter one must also be quoted WHOLE in at least one document (the marks hold
//! exactly the run), since three words inside two unrelated quotes ("and the people") are more
//! often chance. A run of common words only ([`CommonWords`]) is never a group.

use crate::fingerprint::kgram_hashes_into;
use crate::tokenize::{Token, WordHash};
use crate::DocId;
use bitvec::prelude::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Quoted runs shorter than this are not tracked.
pub const MIN_QUOTE_WORDS: usize = 3;

/// A shared quoted run of at least this many words is a quote group even where no document
/// quotes exactly it: outlets quote different spans of one statement, and what they share is
/// then quoted whole by none of them. Shorter runs must be quoted whole somewhere (three words
/// inside two unrelated quotes are more often chance than a quote).
pub const EXCERPT_WORDS: usize = 5;

/// Byte ranges of the text between matching quotation marks (marks excluded), in order: the
/// outermost quotes (a quote nested in another is part of it), never overlapping.
///
/// A mark's role comes from the characters around it, not from its glyph, because real text
/// mixes them (a site opens with `"` and closes with `”`, or closes with a left mark: `cases.“
/// He`): a mark after a space, the start, a dash, a bracket or another mark, and before a word,
/// opens; a mark after a word or punctuation, and before a space, punctuation, another mark or
/// the end, closes; a mark between two letters (`it’s`) is an apostrophe and neither. Where
/// both roles fit, a left glyph opens and a right one closes (a straight mark closes an open
/// quote of its kind, else opens). Guillemets and CJK corner brackets keep their glyph's role
/// (French sets them apart from the words with spaces).
///
/// Quotes nest: a closing mark closes the innermost open quote of its kind (double, single,
/// guillemets, corner brackets), and inner quotes of another kind left open inside it are
/// dropped. At a paragraph break (a blank line) an open quote continues when the next paragraph
/// opens with a mark of its kind (a quote over several paragraphs repeats its opening mark at
/// each and closes once, at the end); otherwise it is dropped rather than allowed to swallow the
/// rest of the document, and the quotes closed inside it stand on their own. A quote still open
/// at the end of the text runs to the end (an excerpt cut off inside a quote).
///
/// Works on bytes: every mark is a fixed UTF-8 sequence, found by a search (memchr) for its
/// first byte, and invalid UTF-8 elsewhere does not matter.
pub fn quote_regions(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut scan = QuoteScan::default();
    let mut at = 0;
    // While a quote is open: the next blank line (where it starts, where the paragraph after it
    // starts). And the end of a reopening mark that a paragraph break already took.
    let mut paragraph_end = (bytes.len(), bytes.len());
    // The first blank line found from some earlier place: still the first one at or after any
    // later place before it, so it is searched for again only once passed (searching from every
    // quote that opens walked every newline to the next blank line, over and over).
    let mut next_blank = (0, 0);
    let mut taken = 0;
    while let Some((pos, mark, len)) = next_mark(bytes, at, bytes.len()) {
        at = pos + len;
        while !scan.open.is_empty() && pos >= paragraph_end.0 {
            let next = blank_line_start(bytes, paragraph_end.1);
            if let Some(after) = scan.paragraph_break(bytes, paragraph_end, next.0) {
                taken = after;
            }
            paragraph_end = next;
        }
        if pos < taken {
            continue;
        }
        let was_open = !scan.open.is_empty();
        match role(bytes, pos, len, mark) {
            Role::Open => scan.open(pos + len, mark.family()),
            Role::Close => scan.close(pos, mark.family()),
            Role::Either => {
                if mark.is_left() {
                    scan.open(pos + len, mark.family());
                } else if mark.is_right() || scan.is_open(mark.family()) {
                    scan.close(pos, mark.family());
                } else {
                    scan.open(pos + len, mark.family());
                }
            }
            Role::Neither => {}
        }
        if !was_open && !scan.open.is_empty() {
            // Paragraphs matter only while a quote is open: found from here, not counted all
            // along the text.
            if next_blank.0 < at {
                next_blank = blank_line_start(bytes, at);
            }
            paragraph_end = next_blank;
        }
    }
    // Breaks after the last mark: an open quote continues only where a mark reopens it.
    while !scan.open.is_empty() && paragraph_end.0 < bytes.len() {
        let next = blank_line_start(bytes, paragraph_end.1);
        scan.paragraph_break(bytes, paragraph_end, next.0);
        paragraph_end = next;
    }
    scan.finish(bytes.len())
}

/// Open quotes beyond this depth are not tracked (see [`QuoteScan::open`]).
const MAX_NESTING: usize = 8;

/// The open quotes of a scan and the regions found so far.
#[derive(Default)]
struct QuoteScan {
    /// Outermost quotes found, in order.
    regions: Vec<Range<usize>>,
    /// Open quotes, outermost first: where each one's text starts, its kind, and the quotes
    /// closed inside it so far (which stand on their own if it is dropped).
    open: Vec<(usize, Family, Vec<Range<usize>>)>,
}

impl QuoteScan {
    fn open(&mut self, start: usize, family: Family) {
        // Real quotes nest two or three deep; past this, a run of opening marks is not quoting,
        // and a deeper stack would make every closing mark that finds no partner a walk down it.
        if self.open.len() < MAX_NESTING {
            self.open.push((start, family, Vec::new()));
        }
    }

    fn is_open(&self, family: Family) -> bool {
        self.open.iter().any(|(_, f, _)| *f == family)
    }

    /// Closes the innermost open quote of `family` at `end`; a closing mark with none open is
    /// not a quotation mark.
    fn close(&mut self, end: usize, family: Family) {
        let Some(depth) = self.open.iter().rposition(|(_, f, _)| *f == family) else {
            return;
        };
        while self.open.len() > depth + 1 {
            self.drop_innermost();
        }
        let (start, _, _) = self.open.pop().expect("open at depth");
        self.found(start..end);
    }

    /// A region closed at the current depth: inside the innermost open quote, or outermost.
    fn found(&mut self, region: Range<usize>) {
        match self.open.last_mut() {
            Some((_, _, inner)) => inner.push(region),
            None => self.regions.push(region),
        }
    }

    /// Drops the innermost open quote: the quotes closed inside it move out a level.
    fn drop_innermost(&mut self) {
        let (_, _, inner) = self.open.pop().expect("an open quote");
        for region in inner {
            self.found(region);
        }
    }

    /// At the blank line `(start, end)` (bytes of the break), with the next paragraph ending at
    /// `next_end`: the outermost open quote continues when the next paragraph opens with a mark
    /// of its kind (then returns where that mark ends), else every open quote is dropped.
    fn paragraph_break(
        &mut self,
        bytes: &[u8],
        (start, end): (usize, usize),
        next_end: usize,
    ) -> Option<usize> {
        let (_, family, _) = *self.open.first()?;
        if ends_mid_sentence(&bytes[..start]) {
            // A break inside a sentence (`a much-` then a blank line, then `loved mother`) is
            // layout, not a new paragraph: every open quote goes on.
            return None;
        }
        let first = end
            + bytes[end..next_end]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let reopens = match next_mark(bytes, first, next_end) {
            Some((pos, mark, len)) if pos == first && mark.family() == family => {
                matches!(role(bytes, pos, len, mark), Role::Open | Role::Either)
                    .then_some(pos + len)
            }
            _ => None,
        };
        while self.open.len() > 1 {
            self.drop_innermost();
        }
        match reopens {
            Some(after) => {
                let (text_start, _, _) = self.open.pop().expect("outermost");
                self.regions.push(text_start..start);
                self.open.push((after, family, Vec::new()));
                Some(after)
            }
            None => {
                self.drop_innermost();
                None
            }
        }
    }

    /// The regions, with the outermost quote still open running to `len` (the end of the text).
    fn finish(mut self, len: usize) -> Vec<Range<usize>> {
        if let Some(&(start, _, _)) = self.open.first() {
            self.open.clear();
            self.regions.push(start..len);
        }
        self.regions
    }
}

/// True when `text` (up to a blank line) ends inside a sentence: with a word, a hyphen or a comma.
fn ends_mid_sentence(text: &[u8]) -> bool {
    let trimmed = text.trim_ascii_end();
    match char_before(trimmed, trimmed.len()) {
        Some(c) => c.is_alphanumeric() || matches!(c, '-' | ','),
        None => false,
    }
}

/// The blank line at or after `from`: where it starts (the newline ending the paragraph before
/// it) and where the next paragraph starts; `(len, len)` when there is none.
fn blank_line_start(bytes: &[u8], from: usize) -> (usize, usize) {
    for newline in memchr::memchr_iter(b'\n', &bytes[from..]) {
        let after = from + newline + 1;
        let gap = bytes[after..]
            .iter()
            .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r'))
            .count();
        if bytes.get(after + gap) == Some(&b'\n') {
            let mut end = after + gap + 1;
            while bytes
                .get(end)
                .is_some_and(|b| matches!(b, b'\n' | b' ' | b'\t' | b'\r'))
            {
                end += 1;
            }
            return (from + newline, end);
        }
    }
    (bytes.len(), bytes.len())
}

/// What a mark does where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    /// Both fit: the glyph decides.
    Either,
    /// Neither fits (an apostrophe inside a word, a mark between spaces).
    Neither,
}

/// The role of the mark `mark` at `bytes[pos..pos + len]`, from the characters around it.
fn role(bytes: &[u8], pos: usize, len: usize, mark: Mark) -> Role {
    if let Some(fixed) = mark.fixed_role() {
        return fixed;
    }
    let before = Around::of(char_before(bytes, pos));
    let after = Around::of(char_after(bytes, pos + len));
    if mark == Mark::StraightSingle && is_elision(bytes, pos + len) {
        // `'90s`, `'em`, `rock 'n' roll`: an apostrophe before a word, not a quote.
        return Role::Neither;
    }
    let opens = matches!(
        before,
        Around::Edge | Around::Space | Around::Opening | Around::Mark
    ) && matches!(
        after,
        Around::Word | Around::Opening | Around::Mark | Around::Ellipsis
    );
    let closes = matches!(
        before,
        Around::Word | Around::Closing | Around::Mark | Around::Ellipsis
    ) && matches!(
        after,
        Around::Edge | Around::Space | Around::Closing | Around::Mark | Around::Ellipsis
    );
    match (opens, closes) {
        (true, true) => Role::Either,
        (true, false) => Role::Open,
        (false, true) => Role::Close,
        (false, false) => Role::Neither,
    }
}

/// True when the word at `bytes[at..]` is one that English writes with an apostrophe in front:
/// a year (`'90s`) or a clipped word (`'em`, `'til`, `'n'`, `'cause`, `'tis`).
fn is_elision(bytes: &[u8], at: usize) -> bool {
    let rest = &bytes[at..];
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return true;
    }
    let word: Vec<u8> = rest
        .iter()
        .take(8)
        .take_while(|b| b.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    matches!(
        word.as_slice(),
        b"em" | b"til" | b"n" | b"cause" | b"cos" | b"tis" | b"twas" | b"bout" | b"round"
    )
}

/// What stands next to a quotation mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Around {
    /// The start or end of the text.
    Edge,
    Space,
    /// Brackets and dashes that may come before a quote: `(`, `[`, `{`, `-`, `–`, `—`, `/`.
    Opening,
    /// Punctuation that may end a quote: `.`, `,`, `;`, `:`, `!`, `?`, `)`, `]`, `}`.
    Closing,
    /// `…`: a cut at either end of a quote.
    Ellipsis,
    /// Another quotation mark (`“‘`, `’”`).
    Mark,
    /// A letter, digit or any other character.
    Word,
}

impl Around {
    fn of(c: Option<char>) -> Around {
        match c {
            None => Around::Edge,
            Some(c) if c.is_whitespace() => Around::Space,
            Some('(' | '[' | '{' | '-' | '\u{2013}' | '\u{2014}' | '/') => Around::Opening,
            Some('.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}') => Around::Closing,
            Some('\u{2026}') => Around::Ellipsis,
            Some(
                '"' | '\'' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2018}' | '\u{2019}'
                | '\u{201A}' | '\u{AB}' | '\u{BB}' | '\u{2039}' | '\u{203A}',
            ) => Around::Mark,
            Some(_) => Around::Word,
        }
    }
}

/// The character ending just before `pos` (`None` at the start or after invalid UTF-8).
#[inline]
fn char_before(bytes: &[u8], pos: usize) -> Option<char> {
    match bytes[..pos].last() {
        None => return None,
        Some(&b) if b.is_ascii() => return Some(b as char),
        Some(_) => {}
    }
    let from = pos.saturating_sub(4);
    (from..pos)
        .find_map(|start| std::str::from_utf8(&bytes[start..pos]).ok())
        .and_then(|s| s.chars().next_back())
}

/// The character starting at `pos` (`None` at the end or at invalid UTF-8).
#[inline]
fn char_after(bytes: &[u8], pos: usize) -> Option<char> {
    match bytes.get(pos) {
        None => return None,
        Some(&b) if b.is_ascii() => return Some(b as char),
        Some(_) => {}
    }
    let end = (pos + 4).min(bytes.len());
    (pos + 1..=end)
        .rev()
        .find_map(|stop| std::str::from_utf8(&bytes[pos..stop]).ok())
        .and_then(|s| s.chars().next())
}

/// The first quotation mark starting in `bytes[from..to]`: its offset, kind and length.
fn next_mark(bytes: &[u8], from: usize, to: usize) -> Option<(usize, Mark, usize)> {
    let mut at = from;
    while at < to {
        let hay = &bytes[at..to];
        let common = memchr::memchr3(b'"', b'\'', 0xE2, hay);
        let rare = memchr::memchr2(0xC2, 0xE3, &hay[..common.unwrap_or(hay.len())]);
        let found = at + rare.or(common)?;
        if let Some((mark, len)) = mark_at(&bytes[found..]) {
            return Some((found, mark, len));
        }
        at = found + 1;
    }
    None
}

/// Which marks pair with which: a closing mark closes the innermost open quote of its family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Double,
    Single,
    Guillemet,
    SingleGuillemet,
    Corner,
    WhiteCorner,
}

/// A quotation mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// `"`.
    Straight,
    /// `“` (U+201C): opens in English, closes in German.
    LeftDouble,
    /// `”` (U+201D).
    RightDouble,
    /// `„` (U+201E).
    LowDouble,
    /// `'`, more often the apostrophe than a quotation mark.
    StraightSingle,
    /// `‘` (U+2018).
    LeftSingle,
    /// `’` (U+2019), also the apostrophe.
    RightSingle,
    /// `‚` (U+201A).
    LowSingle,
    /// `«` (U+00AB).
    LeftGuillemet,
    /// `»` (U+00BB).
    RightGuillemet,
    /// `‹` (U+2039).
    LeftSingleGuillemet,
    /// `›` (U+203A).
    RightSingleGuillemet,
    /// `「` (U+300C).
    LeftCorner,
    /// `」` (U+300D).
    RightCorner,
    /// `『` (U+300E).
    LeftWhiteCorner,
    /// `』` (U+300F).
    RightWhiteCorner,
}

impl Mark {
    fn family(self) -> Family {
        match self {
            Mark::Straight | Mark::LeftDouble | Mark::RightDouble | Mark::LowDouble => {
                Family::Double
            }
            Mark::StraightSingle | Mark::LeftSingle | Mark::RightSingle | Mark::LowSingle => {
                Family::Single
            }
            Mark::LeftGuillemet | Mark::RightGuillemet => Family::Guillemet,
            Mark::LeftSingleGuillemet | Mark::RightSingleGuillemet => Family::SingleGuillemet,
            Mark::LeftCorner | Mark::RightCorner => Family::Corner,
            Mark::LeftWhiteCorner | Mark::RightWhiteCorner => Family::WhiteCorner,
        }
    }

    /// Marks whose glyph decides: guillemets (set apart by spaces in French) and CJK brackets
    /// (no spaces around words at all).
    fn fixed_role(self) -> Option<Role> {
        match self {
            Mark::LeftGuillemet
            | Mark::LeftSingleGuillemet
            | Mark::LeftCorner
            | Mark::LeftWhiteCorner => Some(Role::Open),
            Mark::RightGuillemet
            | Mark::RightSingleGuillemet
            | Mark::RightCorner
            | Mark::RightWhiteCorner => Some(Role::Close),
            _ => None,
        }
    }

    /// A glyph that opens where the context allows both (`“`, `„`, `‘`, `‚`).
    fn is_left(self) -> bool {
        matches!(
            self,
            Mark::LeftDouble | Mark::LowDouble | Mark::LeftSingle | Mark::LowSingle
        )
    }

    /// A glyph that closes where the context allows both (`”`, `’`).
    fn is_right(self) -> bool {
        matches!(self, Mark::RightDouble | Mark::RightSingle)
    }
}

/// The quotation mark starting at `bytes[0]`, with its length in bytes.
fn mark_at(bytes: &[u8]) -> Option<(Mark, usize)> {
    let mark = match bytes {
        [b'"', ..] => return Some((Mark::Straight, 1)),
        [b'\'', ..] => return Some((Mark::StraightSingle, 1)),
        [0xC2, 0xAB, ..] => return Some((Mark::LeftGuillemet, 2)),
        [0xC2, 0xBB, ..] => return Some((Mark::RightGuillemet, 2)),
        [0xE2, 0x80, 0x9C, ..] => Mark::LeftDouble,
        [0xE2, 0x80, 0x9D, ..] => Mark::RightDouble,
        [0xE2, 0x80, 0x9E, ..] => Mark::LowDouble,
        [0xE2, 0x80, 0x98, ..] => Mark::LeftSingle,
        [0xE2, 0x80, 0x99, ..] => Mark::RightSingle,
        [0xE2, 0x80, 0x9A, ..] => Mark::LowSingle,
        [0xE2, 0x80, 0xB9, ..] => Mark::LeftSingleGuillemet,
        [0xE2, 0x80, 0xBA, ..] => Mark::RightSingleGuillemet,
        [0xE3, 0x80, 0x8C, ..] => Mark::LeftCorner,
        [0xE3, 0x80, 0x8D, ..] => Mark::RightCorner,
        [0xE3, 0x80, 0x8E, ..] => Mark::LeftWhiteCorner,
        [0xE3, 0x80, 0x8F, ..] => Mark::RightWhiteCorner,
        _ => return None,
    };
    Some((mark, 3))
}

/// Says, for the tokens of a document taken in order, which quote region each lies in: the one
/// definition of a quoted word (a token wholly inside the marks of one quote), shared by the
/// sketch, the analyses and the location of quote groups.
pub struct QuoteTracker<'a> {
    regions: &'a [Range<usize>],
    next: usize,
}

impl<'a> QuoteTracker<'a> {
    /// A tracker over a document's [`quote_regions`].
    pub fn new(regions: &'a [Range<usize>]) -> Self {
        QuoteTracker { regions, next: 0 }
    }

    /// The id (from 1) of the quote region `token` lies in, or `None` when it is not quoted.
    /// Tokens must come in document order.
    #[inline]
    pub fn region_of(&mut self, token: &Token) -> Option<u32> {
        let (start, end) = (token.start as usize, token.end as usize);
        while self.next < self.regions.len() && self.regions[self.next].end < end {
            self.next += 1;
        }
        let region = self.regions.get(self.next)?;
        (region.start <= start && end <= region.end).then_some(self.next as u32 + 1)
    }
}

/// For each token, the number (from 1) of the quote region it lies in, or 0 when it is not quoted.
pub fn quote_region_ids(tokens: &[Token], regions: &[Range<usize>]) -> Vec<u32> {
    let mut tracker = QuoteTracker::new(regions);
    tokens
        .iter()
        .map(|token| tracker.region_of(token).unwrap_or(0))
        .collect()
}

/// Which tokens lie in one of `regions` (a document's [`quote_regions`]), as a bit per token, made
/// 64 tokens at a time: collecting one bit at a time cost as much as finding the quotes, and
/// going through a region id per token first cost about 1.3 us more a synth document (10.3-12.3
/// us against 9.2-11.0, with the quote regions found).
pub fn quoted_mask(tokens: &[Token], regions: &[Range<usize>]) -> BitVec {
    let mut tracker = QuoteTracker::new(regions);
    let words: Vec<usize> = tokens
        .chunks(usize::BITS as usize)
        .map(|chunk| {
            (chunk.iter().enumerate()).fold(0usize, |word, (i, token)| {
                word | usize::from(tracker.region_of(token).is_some()) << i
            })
        })
        .collect();
    let mut mask = BitVec::from_vec(words);
    mask.truncate(tokens.len());
    mask
}

/// The hash and first quoted-word index of every quoted gram of a document, in order: the
/// rolling k-gram hashes of its quoted words (computed into `rolled`), kept where the three words
/// lie in one quote (the values [`kgram_hash`] gives each three words), at two multiplies a word.
/// Only the hashes that `wanted` accepts, tested first (for a round of shared grams, the cheap
/// test that most grams fail).
fn quoted_grams<'a>(
    q: &'a QuotedWords,
    rolled: &'a mut Vec<u64>,
    wanted: impl Fn(u64) -> bool + 'a,
) -> impl Iterator<Item = (u64, u32)> + 'a {
    kgram_hashes_into(&q.words, MIN_QUOTE_WORDS, rolled);
    let last_ids = q.region_ids.get(MIN_QUOTE_WORDS - 1..).unwrap_or_default();
    rolled
        .iter()
        .zip(&q.region_ids)
        .zip(last_ids)
        .enumerate()
        .filter(move |(_, ((&hash, first), last))| wanted(hash) && first == last)
        .map(|(pos, ((&hash, _), _))| (hash, pos as u32))
}

/// One quoted gram of one document, as [`SharedQuoteGrams`] holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GramPosting {
    /// The gram's hash.
    pub hash: u64,
    /// The document.
    pub doc: DocId,
    /// The gram's first quoted-word index.
    pub pos: u32,
    /// True when the gram opens its quote.
    pub opens: bool,
}

/// The quoted 3-grams that two or more documents hold, grouped by hash (documents, then
/// positions, in order within a group): what both the quote candidate pairs and the quote groups
/// are made from, computed once.
///
/// Few quoted grams are shared (8% of them in a 100,000-document generated corpus), so the
/// grams are not all sorted. They are split by the top bits of their hash into parts of about
/// `GRAMS_PER_PART` at most; a part's grams mark, in a bit set of 8 slots per gram small enough
/// for a core's L2 cache, the slots hit twice, and only the grams in such slots (the shared ones,
/// and about one in eight of the others) are sorted, and those of one document only dropped.
/// Parts are filled a round of hash values at a time (see `MAX_ROUNDS`). One bit set for the whole corpus (32 MB at 100,000 documents) made every gram a cache
/// miss, twice, in a first pass that could not be split between threads: 1.3 s of the scan.
#[derive(Debug, Clone, Default)]
pub struct SharedQuoteGrams {
    postings: Vec<GramPosting>,
}

/// Quoted grams per part, at most (counting every quoted word as a gram, and hashes spread
/// evenly): a part's bit set (two bits per slot, eight slots per gram) takes at most 1 MB.
const GRAMS_PER_PART: usize = 1 << 19;

/// Quoted grams a round holds before the grams are split into more rounds, at most: 16 bytes
/// each, 128 MB. Each round reads every quoted word again and keeps the grams of its range of
/// hash values, and the next round's buffers take the pages the last one freed: the
/// 100,000-document synth corpus (14.8 million quoted words) takes two, and at one thread the
/// scan's peak memory went from 1,171 MB to 1,051 MB and the quote stage from 1.31-1.71 s to
/// 1.07-1.22 s (three alternated runs each) against one round of 2^24; four rounds of 2^22
/// saved 33 MB more but took 0.1-0.15 s longer than two.
const GRAMS_PER_ROUND: usize = 1 << 23;

/// Rounds at most, whatever the corpus: reading the quoted words once per round must not grow
/// with the corpus, so beyond `MAX_ROUNDS * GRAMS_PER_ROUND` grams a round holds a quarter of
/// them: 4 bytes a quoted word, a third of what the quoted words themselves take.
const MAX_ROUNDS: usize = 4;

/// A quoted gram while the shared ones are found: its hash, its document (an index into the
/// documents given) and its first quoted-word index. Ordered by hash, then document, then
/// position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Gram {
    hash: u64,
    doc: u32,
    pos: u32,
}

/// The top `bits` bits of a hash (0 when `bits` is 0).
fn top_bits(hash: u64, bits: u32) -> u64 {
    hash.checked_shr(64 - bits).unwrap_or(0)
}

impl SharedQuoteGrams {
    /// The shared grams of these documents' quoted words (documents in ascending order).
    pub fn of(docs: &[(DocId, &QuotedWords)]) -> Self {
        Self::in_parts(docs, GRAMS_PER_PART, GRAMS_PER_ROUND, MAX_ROUNDS)
    }

    /// [`SharedQuoteGrams::of`] with parts of at most `per_part` grams, `per_round` at a time
    /// in at most `max_rounds` rounds (a power of two).
    fn in_parts(
        docs: &[(DocId, &QuotedWords)],
        per_part: usize,
        per_round: usize,
        max_rounds: usize,
    ) -> Self {
        debug_assert!(
            docs.windows(2).all(|d| d[0].0 < d[1].0),
            "documents in order"
        );
        // Quoted words bound the grams from above.
        let words: usize = docs.iter().map(|(_, q)| q.words.len()).sum();
        let part_bits = crate::fingerprint::split_bits(words, per_part);
        let round_bits = crate::fingerprint::split_bits(words, per_round)
            .min(max_rounds.max(1).ilog2())
            .min(part_bits);
        let parts_per_round = 1usize << (part_bits - round_bits);
        let per_chunk = docs
            .len()
            .div_ceil(4 * rayon::current_num_threads().max(1))
            .max(1);
        let mut postings = Vec::new();
        for round in 0..1u64 << round_bits {
            // Each chunk of documents files its grams of this round by part.
            let chunks: Vec<Vec<Vec<Gram>>> = docs
                .par_chunks(per_chunk)
                .enumerate()
                .map_init(Vec::new, |rolled, (c, chunk)| {
                    let mut parts = vec![Vec::new(); parts_per_round];
                    for (i, (_, q)) in chunk.iter().enumerate() {
                        let doc = (c * per_chunk + i) as u32;
                        let in_round = |hash| top_bits(hash, round_bits) == round;
                        for (hash, pos) in quoted_grams(q, rolled, in_round) {
                            let part = top_bits(hash, part_bits) as usize & (parts_per_round - 1);
                            parts[part].push(Gram { hash, doc, pos });
                        }
                    }
                    parts
                })
                .collect();
            let shared: Vec<Vec<GramPosting>> = (0..parts_per_round)
                .into_par_iter()
                .map_init(Vec::new, |bits, part| {
                    let pieces = chunks.iter().map(|parts| parts[part].as_slice());
                    shared_in_part(pieces, bits, docs)
                })
                .collect();
            drop(chunks);
            postings.reserve(shared.iter().map(Vec::len).sum());
            postings.extend(shared.into_iter().flatten());
        }
        SharedQuoteGrams { postings }
    }

    /// The runs of one gram each: every occurrence, in two documents or more.
    pub fn runs(&self) -> impl Iterator<Item = &[GramPosting]> + '_ {
        self.postings.chunk_by(|x, y| x.hash == y.hash)
    }

    /// The runs as a vector, for parallel work.
    fn run_slices(&self) -> Vec<&[GramPosting]> {
        self.runs().collect()
    }
}

/// The grams of one part (in pieces) that two documents or more hold, sorted, as postings;
/// `bits` is a reused buffer for the part's bit set.
fn shared_in_part<'a>(
    pieces: impl Iterator<Item = &'a [Gram]> + Clone,
    bits: &mut Vec<[u64; 2]>,
    docs: &[(DocId, &QuotedWords)],
) -> Vec<GramPosting> {
    let grams: usize = pieces.clone().map(<[Gram]>::len).sum();
    let slots = (8 * grams).next_power_of_two().max(64);
    let slot = |hash: u64| (hash as usize) & (slots - 1);
    // Per 64 slots: seen, seen twice.
    bits.clear();
    bits.resize(slots / 64, [0; 2]);
    for gram in pieces.clone().flatten() {
        let [seen, shared] = &mut bits[slot(gram.hash) / 64];
        let bit = 1u64 << (slot(gram.hash) % 64);
        *shared |= *seen & bit;
        *seen |= bit;
    }
    let mut kept: Vec<Gram> = pieces
        .flatten()
        .filter(|g| bits[slot(g.hash) / 64][1] & (1 << (slot(g.hash) % 64)) != 0)
        .copied()
        .collect();
    kept.sort_unstable();
    let mut postings = Vec::new();
    // Keep the runs of two documents or more (runs are sorted by document).
    for run in kept.chunk_by(|x, y| x.hash == y.hash) {
        if run[0].doc == run[run.len() - 1].doc {
            continue;
        }
        postings.extend(run.iter().map(|g| {
            let (doc, q) = docs[g.doc as usize];
            let at = g.pos as usize;
            GramPosting {
                hash: g.hash,
                doc,
                pos: g.pos,
                opens: at == 0 || q.region_ids[at - 1] != q.region_ids[at],
            }
        }));
    }
    postings
}

/// The quoted words of a document, compacted: what quote candidates and quote groups are found
/// from, kept for every document after its text is dropped (12 bytes a quoted word). Where a
/// group's words lie in the original bytes is found by reading its few documents again.
///
/// Indices into these vectors are "quoted-word indices": the `i`-th quoted word of the document.
/// Region ids are those of [`quote_region_ids`], so neighbours from different quotes differ.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotedWords {
    /// Normalised hash of each quoted word.
    pub words: Vec<WordHash>,
    /// Quote region id of each quoted word (never 0).
    pub region_ids: Vec<u32>,
}

impl QuotedWords {
    /// The quoted words of a document, given its tokens in order and its quote regions.
    pub fn collect(tokens: impl IntoIterator<Item = Token>, regions: &[Range<usize>]) -> Self {
        let mut quoted = QuotedWords::default();
        let mut tracker = QuoteTracker::new(regions);
        for token in tokens {
            if let Some(id) = tracker.region_of(&token) {
                quoted.push(token.hash, id);
            }
        }
        quoted
    }

    /// Appends a quoted word of region `id`.
    #[inline]
    pub fn push(&mut self, word: WordHash, id: u32) {
        self.words.push(word);
        self.region_ids.push(id);
    }

    /// Empties the words, keeping the capacity.
    pub fn clear(&mut self) {
        self.words.clear();
        self.region_ids.clear();
    }

    /// A copy without spare capacity, for keeping.
    pub fn exact_copy(&self) -> Self {
        QuotedWords {
            words: self.words.to_vec(),
            region_ids: self.region_ids.to_vec(),
        }
    }

    /// True when the document has no quoted word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The hash and first quoted-word index of every gram of [`MIN_QUOTE_WORDS`] words inside
    /// one quote, in order: the grams [`SharedQuoteGrams`] indexes.
    pub fn gram_hashes(&self) -> Vec<(u64, u32)> {
        quoted_grams(self, &mut Vec::new(), |_| true).collect()
    }

    /// What [`quote_groups`] needs of this document.
    pub fn as_quoted_doc(&self) -> QuotedDoc<'_> {
        QuotedDoc {
            words: &self.words,
            region_ids: &self.region_ids,
        }
    }
}

/// Words so common in a corpus's quotes that a quote made of nothing else is chance, not reuse:
/// "of the and" inside two unrelated quotes. A word is common when the quotes of more than
/// `max(max_df, 1%)` of the quoting documents hold it, the same bound beyond which a fingerprint
/// is boilerplate. A small corpus has none, so every shared quote counts there.
#[derive(Debug, Clone, Default)]
pub struct CommonWords(Vec<WordHash>);

impl CommonWords {
    /// The common words of these documents' quotes.
    ///
    /// Each word's document frequency is counted in a hash map: a corpus's quotes hold far fewer
    /// distinct words than words, so the map stays in cache, where sorting every document's
    /// distinct words was a second at 100,000 documents. Threads count separate runs of
    /// documents and their counts are added.
    pub fn of(docs: &[&QuotedWords], max_df: usize) -> Self {
        let limit = max_df.max(docs.len() / 100);
        let per_thread = docs.len().div_ceil(rayon::current_num_threads()).max(1);
        let counts = docs
            .par_chunks(per_thread)
            .map(document_frequencies)
            .reduce(FxHashMap::default, |mut all, part| {
                for (word, (count, _)) in part {
                    all.entry(word).or_insert((0, 0)).0 += count;
                }
                all
            });
        let mut common: Vec<WordHash> = counts
            .into_iter()
            .filter(|&(_, (count, _))| count as usize > limit)
            .map(|(word, _)| word)
            .collect();
        common.sort_unstable();
        CommonWords(common)
    }

    /// True when some word is not common: the words can be a shared quote.
    pub fn any_distinctive(&self, words: &[WordHash]) -> bool {
        words.iter().any(|w| self.0.binary_search(w).is_err())
    }

    /// The number of common words.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no word is common.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// For each word of these documents' quotes, the number of documents whose quotes hold it (and
/// the last document counted, so that a word repeated in one document counts once).
fn document_frequencies(docs: &[&QuotedWords]) -> FxHashMap<WordHash, (u32, u32)> {
    let mut counts: FxHashMap<WordHash, (u32, u32)> = FxHashMap::default();
    for (doc, quoted) in docs.iter().enumerate() {
        let doc = doc as u32 + 1;
        for &word in &quoted.words {
            let (count, last) = counts.entry(word).or_insert((0, 0));
            if *last != doc {
                *count += 1;
                *last = doc;
            }
        }
    }
    counts
}

/// One place a shared quote occurs: document and word range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuoteOccurrence {
    /// The document.
    pub doc: DocId,
    /// Index of the first word of the quoted run.
    pub start: u32,
    /// One past the index of its last word.
    pub end: u32,
}

impl QuoteOccurrence {
    /// The word indices of the quoted run.
    pub fn words(&self) -> Range<u32> {
        self.start..self.end
    }
}

/// A quoted run shared by two or more documents, with every occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteGroup {
    /// Number of words in the run.
    pub words: usize,
    /// Where it occurs, ordered by document then position.
    pub occurrences: Vec<QuoteOccurrence>,
}

/// What quote grouping needs of a document: its word hashes and quote region ids.
pub struct QuotedDoc<'a> {
    /// Normalised word hashes.
    pub words: &'a [WordHash],
    /// Quote region id per word (0 = not quoted).
    pub region_ids: &'a [u32],
}

/// Finds the quote groups among documents, given the quoted grams they share.
///
/// `doc_of` gives a document's quoted words and regions (it is only asked for documents that
/// share a gram with another one). A group of `common`
/// words only is no group.
pub fn quote_groups<'a>(
    shared: &SharedQuoteGrams,
    doc_of: impl Fn(DocId) -> Option<QuotedDoc<'a>> + Sync,
    common: &CommonWords,
) -> Vec<QuoteGroup> {
    let shared = shared.run_slices();
    let extended: Vec<(u64, QuoteGroup)> = shared
        .par_iter()
        .filter_map(|run| Some((run[0].hash, extend_group(run, &doc_of)?)))
        .collect();
    let mut groups: Vec<QuoteGroup> = extended
        .into_par_iter()
        .filter(|(_, g)| {
            let first = &g.occurrences[0];
            let distinctive = doc_of(first.doc).is_some_and(|d| {
                common.any_distinctive(&d.words[first.start as usize..first.end as usize])
            });
            distinctive
                && (g.words >= EXCERPT_WORDS
                    || g.occurrences
                        .iter()
                        .any(|o| doc_of(o.doc).is_some_and(|d| is_whole_quote(&d, o))))
        })
        .map(|(_, g)| g)
        .collect();
    // Every gram of a group extends to the same group when its occurrences are the group's.
    groups.par_sort_by(|x, y| (&x.occurrences, x.words).cmp(&(&y.occurrences, y.words)));
    groups.dedup();
    groups
}

/// True when the occurrence is a whole quote: nothing else inside the same quotation marks.
fn is_whole_quote(doc: &QuotedDoc<'_>, o: &QuoteOccurrence) -> bool {
    let (start, end) = (o.start as usize, o.end as usize);
    let region = doc.region_ids[start];
    (start == 0 || doc.region_ids[start - 1] != region)
        && (end == doc.region_ids.len() || doc.region_ids[end] != region)
}

/// Extends the occurrences of one shared gram as far as all of them agree.
fn extend_group<'a>(
    run: &[GramPosting],
    doc_of: &impl Fn(DocId) -> Option<QuotedDoc<'a>>,
) -> Option<QuoteGroup> {
    let docs: Vec<(QuotedDoc<'a>, u32)> = run
        .iter()
        .map(|p| Some((doc_of(p.doc)?, p.pos)))
        .collect::<Option<_>>()?;
    let word_at = |(doc, pos): &(QuotedDoc<'a>, u32), at: i64| -> Option<(WordHash, u32)> {
        let i = usize::try_from(at).ok()?;
        let region = doc.region_ids[*pos as usize];
        (i < doc.words.len() && doc.region_ids[i] == region).then(|| (doc.words[i], region))
    };
    let agree = |delta: i64| -> bool {
        let first = word_at(&docs[0], docs[0].1 as i64 + delta);
        first.is_some()
            && docs
                .iter()
                .all(|d| word_at(d, d.1 as i64 + delta).map(|w| w.0) == first.map(|w| w.0))
    };
    let mut left = 0i64;
    while agree(-left - 1) {
        left += 1;
    }
    let mut right = MIN_QUOTE_WORDS as i64;
    while agree(right) {
        right += 1;
    }
    let words = (left + right) as usize;
    let mut occurrences: Vec<QuoteOccurrence> = run
        .iter()
        .map(|p| {
            let start = p.pos - left as u32;
            QuoteOccurrence {
                doc: p.doc,
                start,
                end: start + words as u32,
            }
        })
        .collect();
    occurrences.sort();
    occurrences.dedup();
    Some(QuoteGroup { words, occurrences })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn quoted_words(text: &str) -> Vec<&str> {
        let tokens = tokenize(text.as_bytes());
        let ids = quote_region_ids(&tokens, &quote_regions(text.as_bytes()));
        tokens
            .iter()
            .zip(&ids)
            .filter(|(_, &id)| id != 0)
            .map(|(t, _)| &text[t.span()])
            .collect()
    }

    #[test]
    fn recognises_quotation_styles() {
        assert_eq!(
            quoted_words(r#"He said "stop now" and left."#),
            ["stop", "now"]
        );
        assert_eq!(
            quoted_words("He said “stop now” and left."),
            ["stop", "now"]
        );
        assert_eq!(
            quoted_words("Er sagte „halt jetzt“ und ging."),
            ["halt", "jetzt"]
        );
        assert_eq!(
            quoted_words("Il a dit « arrête maintenant » et partit."),
            ["arrête", "maintenant"]
        );
        assert_eq!(quoted_words("彼は「止めて」と言った"), ["止", "め", "て"]);
    }

    #[test]
    fn an_unclosed_quote_ends_at_a_paragraph_break() {
        assert!(
            quoted_words("He said “stop now and left.\n\nNext paragraph “here”.").eq(&["here"])
        );
    }

    fn quoted_of(text: &str) -> QuotedWords {
        let bytes = text.as_bytes();
        QuotedWords::collect(tokenize(bytes), &quote_regions(bytes))
    }

    #[test]
    fn quoted_words_keep_hashes_and_regions() {
        let text = "He said “Stop the  war now” and\nthen \"go home\" twice, \"x\".";
        let q = quoted_of(text);
        assert_eq!(q.region_ids, [1, 1, 1, 1, 2, 2, 3]);
        let words: Vec<WordHash> = tokenize(text.as_bytes()).iter().map(|t| t.hash).collect();
        assert_eq!(q.words[..4], words[2..6]);
        assert_eq!(q.words[4..6], words[8..10]);
        assert!(quoted_of("no quotes at all").is_empty());
        // The same words, one at a time, as the sketch collects them.
        let tokens = tokenize(text.as_bytes());
        let regions = quote_regions(text.as_bytes());
        let ids = quote_region_ids(&tokens, &regions);
        let by_id: Vec<u32> = ids.into_iter().filter(|&id| id != 0).collect();
        assert_eq!(by_id, q.region_ids);
    }

    /// Shared grams found in many parts and rounds are exactly those of sorting every quoted
    /// gram and keeping the hashes of two documents or more.
    #[test]
    fn shared_grams_in_parts_are_those_of_sorting_every_gram() {
        // Quotes over a small vocabulary, so many grams are shared, some within one document.
        let vocabulary = ["one", "two", "three", "four", "five", "six"];
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let docs: Vec<QuotedWords> = (0..60)
            .map(|_| {
                let quotes: Vec<String> = (0..1 + next() % 4)
                    .map(|_| {
                        let words: Vec<&str> = (0..1 + next() % 6)
                            .map(|_| vocabulary[next() % vocabulary.len()])
                            .collect();
                        format!("\"{}\"", words.join(" "))
                    })
                    .collect();
                quoted_of(&quotes.join(" and "))
            })
            .collect();
        let with_ids: Vec<(DocId, &QuotedWords)> = docs
            .iter()
            .enumerate()
            .map(|(i, q)| (DocId(3 * i as u32 + 1), q))
            .collect();
        let mut every: Vec<GramPosting> = with_ids
            .iter()
            .flat_map(|&(doc, q)| {
                q.gram_hashes()
                    .into_iter()
                    .map(move |(hash, pos)| GramPosting {
                        hash,
                        doc,
                        pos,
                        opens: pos == 0
                            || q.region_ids[pos as usize - 1] != q.region_ids[pos as usize],
                    })
            })
            .collect();
        every.sort_unstable();
        let expected: Vec<GramPosting> = every
            .chunk_by(|x, y| x.hash == y.hash)
            .filter(|run| run[0].doc != run[run.len() - 1].doc)
            .flatten()
            .copied()
            .collect();
        assert!(expected.len() > 20, "the test shares grams");
        for (per_part, per_round, rounds) in [
            (GRAMS_PER_PART, GRAMS_PER_ROUND, MAX_ROUNDS),
            (16, 64, 4),
            (16, 64, 1),
            (4, 4, 1 << 20),
            (1, 1, 1 << 20),
        ] {
            let found = SharedQuoteGrams::in_parts(&with_ids, per_part, per_round, rounds);
            let what = format!("parts of {per_part}, rounds of {per_round}, {rounds} rounds");
            assert_eq!(found.postings, expected, "{what}");
        }
    }

    #[test]
    fn a_short_run_quoted_whole_nowhere_is_no_group_and_hides_nothing() {
        let docs = [
            quoted_of("A: \"most my to of momal and\" end."),
            quoted_of("B: \"most my to of momal and\" end."),
            quoted_of("C: \"x to of momal y\" end."),
        ];
        let with_ids: Vec<(DocId, &QuotedWords)> = docs
            .iter()
            .enumerate()
            .map(|(i, q)| (DocId(i as u32), q))
            .collect();
        let groups = quote_groups(
            &SharedQuoteGrams::of(&with_ids),
            |d| Some(docs[d.index()].as_quoted_doc()),
            &CommonWords::default(),
        );
        // "to of momal" is in all three but quoted whole in none: no group, and the whole
        // six-word quote of A and B is not hidden behind it.
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].words, 6);
        assert_eq!(groups[0].occurrences.len(), 2);
    }

    #[test]
    fn single_curly_quotes_quote_and_apostrophes_do_not() {
        assert_eq!(
            quoted_words("Mayor says council vote ‘an insult to every taxpayer in this city’"),
            ["an", "insult", "to", "every", "taxpayer", "in", "this", "city"]
        );
        assert!(
            quoted_words("It’s the president’s dog, isn’t it? The taxpayers’ money.").is_empty()
        );
        assert_eq!(
            quoted_words("The mayor’s aide called it ‘a disgrace’ on Tuesday’s show."),
            ["a", "disgrace"]
        );
    }

    #[test]
    fn straight_single_quotes_quote_where_the_context_says_so() {
        assert_eq!(
            quoted_words("Ardern said she 'no longer had enough in the tank' to do the job."),
            ["no", "longer", "had", "enough", "in", "the", "tank"]
        );
        assert!(
            quoted_words("It's the players' union, isn't it? Rock 'n' roll in the '90s.")
                .is_empty()
        );
        assert!(quoted_words("They'll see 'em 'til dawn, the fans' bus said.").is_empty());
    }

    #[test]
    fn nested_quotes_stay_inside_the_outer_one() {
        let text = "The report: “The auditor writes that ‘while this review does not find fraud, \
                    it does not clear the board either’” and the board met.";
        let words = quoted_words(text);
        assert_eq!(words.first(), Some(&"The"));
        assert_eq!(words.last(), Some(&"either"));
        assert_eq!(quote_regions(text.as_bytes()).len(), 1);
        // Straight marks inside straight marks: a mark after a space opens, one before a space
        // closes, so the inner pair nests instead of ending the outer quote.
        let text = r#"He wrote "Rival offices are - "quietly working to sink" the plan. So where is the inquiry?" and left."#;
        let words = quoted_words(text);
        assert_eq!(words.first(), Some(&"Rival"));
        assert_eq!(words.last(), Some(&"inquiry"));
        assert!(!words.contains(&"left"));
    }

    #[test]
    fn a_mark_s_role_comes_from_its_neighbours_not_its_glyph() {
        assert_eq!(
            quoted_words("He said \"we will not back down” and left."),
            ["we", "will", "not", "back", "down"]
        );
        assert_eq!(
            quoted_words("She said “these are new cases.“ He added nothing."),
            ["these", "are", "new", "cases"]
        );
        // A mark between spaces is neither.
        assert!(quoted_words("5 \" of rain and 3 \" of snow").is_empty());
    }

    #[test]
    fn a_quote_over_paragraphs_continues_where_its_mark_reopens_it() {
        let text = "He told the court: “We did everything we could.\n\n\
                    “We tried every door, and every door was shut.”\n\nThe judge left.";
        let words = quoted_words(text);
        assert_eq!(words.first(), Some(&"We"));
        assert_eq!(words.last(), Some(&"shut"));
        assert!(words.contains(&"could") && words.contains(&"tried"));
        assert!(!words.contains(&"judge") && !words.contains(&"told"));
        // Not reopened: dropped at the break, and a quote closed inside it stands on its own.
        let text = "“He called it ‘a farce’ and left.\n\nThe next paragraph has no marks.";
        assert_eq!(quoted_words(text), ["a", "farce"]);
        // A break inside a sentence is layout: the quote goes on.
        let text = "“We mourn a much-\n\nloved mother,” he said.";
        assert_eq!(
            quoted_words(text),
            ["We", "mourn", "a", "much", "loved", "mother"]
        );
    }

    /// Many short quotes on lines of a long paragraph: each opening looks for the next blank line
    /// once, not from every quote again.
    #[test]
    fn many_quotes_without_a_blank_line_stay_linear() {
        let text = "\"a\"\n".repeat(100_000);
        assert_eq!(quote_regions(text.as_bytes()).len(), 100_000);
    }

    /// A flood of opening marks, then closing marks of another kind: the open quotes are capped,
    /// so each closing mark looks at a few of them, not 100,000 (that took minutes).
    #[test]
    fn runs_of_marks_stay_linear() {
        let text = format!("{}{}", "“a ".repeat(100_000), "b’ ".repeat(100_000));
        let regions = quote_regions(text.as_bytes());
        // Every `’` follows a word and precedes a space: a closing mark with no single quote
        // open, so nothing closes and the first open quote runs to the end.
        assert_eq!(regions.len(), 1);
        assert_eq!((regions[0].start, regions[0].end), (3, text.len()));
    }

    #[test]
    fn a_quote_cut_off_by_the_end_of_the_text_runs_to_the_end() {
        assert_eq!(
            quoted_words("The excerpt ends: “we will keep fighting until"),
            ["we", "will", "keep", "fighting", "until"]
        );
    }

    /// Whatever the text, regions are in order, apart, inside it, and each starts right after
    /// an opening mark.
    #[test]
    fn regions_are_ordered_disjoint_and_start_after_a_mark() {
        let pieces: [&[u8]; 20] = [
            b"\"",
            "“".as_bytes(),
            "”".as_bytes(),
            "„".as_bytes(),
            "‘".as_bytes(),
            "’".as_bytes(),
            "«".as_bytes(),
            "»".as_bytes(),
            "「".as_bytes(),
            "」".as_bytes(),
            b"\n",
            b"\n\n",
            b" ",
            b" ",
            b"word",
            b"it",
            b".",
            b"(",
            "é漢".as_bytes(),
            &[0xE2, 0x80],
        ];
        let mut state = 11u64;
        for case in 0..5000 {
            let mut text = Vec::new();
            for _ in 0..(case % 40) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.extend_from_slice(pieces[(state >> 33) as usize % pieces.len()]);
            }
            let regions = quote_regions(&text);
            let shown = String::from_utf8_lossy(&text);
            for r in &regions {
                assert!(
                    r.start <= r.end && r.end <= text.len(),
                    "{shown:?} {regions:?}"
                );
                let after_mark = (1..=3).any(|len| {
                    r.start >= len && mark_at(&text[r.start - len..]).is_some_and(|(_, l)| l == len)
                });
                assert!(after_mark, "{shown:?} {regions:?}");
            }
            for w in regions.windows(2) {
                assert!(w[0].end <= w[1].start, "{shown:?} {regions:?}");
            }
        }
    }

    #[test]
    fn the_quoted_mask_has_a_bit_per_token() {
        // Quote marks before every seventh word and after the word two on, shifted through all
        // seven phases: quotes at the first and last tokens, across each 64-token word of the
        // mask, cut off by the end, and (when a closing mark comes first) between the phrases.
        let word = |i: usize| format!("w{i}");
        for len in [0usize, 1, 63, 64, 65, 129, 200] {
            for shift in 0..7 {
                let phase = |i: usize| (i + shift) % 7;
                let text: String = (0..len)
                    .map(|i| match phase(i) {
                        2 => format!("\"{}", word(i)),
                        4 => format!("{}\"", word(i)),
                        _ => word(i),
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                let tokens = tokenize(text.as_bytes());
                assert_eq!(tokens.len(), len);
                let regions = quote_regions(text.as_bytes());
                let ids = quote_region_ids(&tokens, &regions);
                let mask = quoted_mask(&tokens, &regions);
                assert_eq!(mask.len(), len);
                // A mark before a word (after a space or the start) opens, one after a word
                // (before a space or the end) closes an open quote and is nothing otherwise; a
                // quote left open runs to the end of the text.
                let mut open = false;
                let quoted_at: Vec<bool> = (0..len)
                    .map(|i| {
                        if phase(i) == 2 {
                            open = true;
                        }
                        let inside = open;
                        if phase(i) == 4 {
                            open = false;
                        }
                        inside
                    })
                    .collect();
                let quoted = |i: usize| quoted_at[i];
                for i in 0..len {
                    let expected = quoted(i);
                    assert_eq!(mask[i], expected, "{len} tokens, shift {shift}, token {i}");
                    assert_eq!(
                        ids[i] != 0,
                        expected,
                        "{len} tokens, shift {shift}, token {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        assert!(quoted_words("It's the president's dog, isn't it").is_empty());
    }
}
