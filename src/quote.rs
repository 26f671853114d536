//! Quotes: which words are inside quotation marks, and quote groups: quoted text that two or more
//! documents share.
//!
//! Quoted text: double marks (straight and curly, mixed as sites mix them), single curly marks,
//! guillemets and CJK brackets, each mark's role read from its neighbours ([`quote_regions`]).
//!
//! A quote group is a maximal run of at least [`MIN_QUOTE_WORDS`] words, quoted wherever it occurs,
//! found in two or more documents, with every occurrence. Groups are found from the 3-word grams
//! of quoted text: the occurrences of a shared gram are followed word by word and part where
//! they go on differently, so a group is maximal for its occurrences, and a shorter run that more
//! documents quote is a group of its own, nested in the longer one (a tweet quoted whole by two
//! outlets, and its key phrase by a third). Outlets quote different spans of one statement, so a run counts
//! wherever it is quoted, whole or in part. Editorial marks inside a quote (`[his]`, `…`) part
//! its words, and the runs on either side are joined again into one group
//! ([`quote_segments`]). A run whose words the corpus's quotes would hold by chance ("to use
//! the") is no group ([`WordInformation`]), whatever its length.

use crate::fingerprint::kgram_hashes_into;
use crate::tokenize::{Token, WordHash};
use crate::DocId;
use bitvec::prelude::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::ops::Range;

/// Quoted runs shorter than this are not tracked.
pub const MIN_QUOTE_WORDS: usize = 3;

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
/// rest of its paragraph, and the quotes closed inside it stand on their own (ending it with the
/// paragraph instead made 37% more quoted words on the 10k real-text corpus, most of them after
/// a stray mark in code). A quote still open at the end of the text runs to the end (an excerpt
/// cut off inside a quote).
///
/// Works on bytes: every mark is a fixed UTF-8 sequence, found by a search (memchr) for its
/// first byte, and invalid UTF-8 elsewhere does not matter.
pub fn quote_regions(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut scan = QuoteScan::default();
    // While a quote is open: the next blank line (where it starts, where the paragraph after it
    // starts). And the end of a reopening mark that a paragraph break already took.
    let mut paragraph_end = (bytes.len(), bytes.len());
    // The first blank line found from some earlier place: still the first one at or after any
    // later place before it, so it is searched for again only once passed (searching from every
    // quote that opens walked every newline to the next blank line, over and over).
    let mut next_blank = (0, 0);
    let mut taken = 0;
    for (pos, mark, len) in Marks::new(bytes) {
        let at = pos + len;
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

/// A piece of one quote between editorial marks: the bytes it spans and its id (see
/// [`quote_segments`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSegment {
    /// Bytes of the quoted text.
    pub bytes: Range<usize>,
    /// `(quote number from 1) << SEGMENT_BITS | segment number within the quote`: two words lie
    /// in one segment when their ids are equal, in one quote when [`same_quote`] says so.
    pub id: u32,
}

/// Bits of a segment id that number the segments of one quote; a quote's segments past the
/// 255th share the last number (its cuts past there no longer part words).
pub const SEGMENT_BITS: u32 = 8;

/// True when the segment ids `a` and `b` are pieces of one quote.
#[inline]
pub fn same_quote(a: u32, b: u32) -> bool {
    a >> SEGMENT_BITS == b >> SEGMENT_BITS
}

/// The quotes of [`quote_regions`], each cut into segments at the editorial marks inside it: a
/// writer's insertion in square brackets (`[Trump’s]`, `[sic]`, `[...]`) is left out (those are
/// not the speaker's words), and an ellipsis (`…`, `...`, `. . .`, `(...)`) cuts the quote where
/// words were left out. Words on either side of a mark are not neighbours in what was said, so
/// no shared run crosses one; [`quote_groups`] joins the runs on either side again into one
/// group of the documents that have both in one quote, a few words apart.
pub fn quote_segments(bytes: &[u8]) -> Vec<QuoteSegment> {
    let mut segments = Vec::new();
    for (q, region) in quote_regions(bytes).into_iter().enumerate() {
        let quote = (q as u32 + 1).min(u32::MAX >> SEGMENT_BITS) << SEGMENT_BITS;
        let mut piece = 0u32;
        let mut push = |range: Range<usize>| {
            segments.push(QuoteSegment {
                bytes: range,
                id: quote | piece.min((1 << SEGMENT_BITS) - 1),
            });
            piece += 1;
        };
        let mut start = region.start;
        let mut at = region.start;
        while let Some(found) = memchr::memchr3(b'[', b'.', 0xE2, &bytes[at..region.end]) {
            let pos = at + found;
            match editorial_mark(&bytes[..region.end], pos) {
                Some(end) => {
                    push(start..pos);
                    start = end;
                    at = end;
                }
                None => at = pos + 1,
            }
        }
        push(start..region.end);
    }
    segments
}

/// Longest editorial insertion in square brackets, in bytes: past this a `[` is not one.
const MAX_INSERTION_BYTES: usize = 64;

/// The end of the editorial mark starting at `bytes[pos]`, if one does: a bracketed insertion
/// on one line and between words, or an ellipsis (`…`, or two dots or more, spaced or not).
fn editorial_mark(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes[pos] {
        b'[' => {
            let window = &bytes[pos + 1..bytes.len().min(pos + 1 + MAX_INSERTION_BYTES)];
            let close = memchr::memchr2(b']', b'\n', window)?;
            let end = pos + close + 2;
            // `[T]he`, `govern[ment]`: a letter changed or completed inside a word, which
            // stays one word of the quote.
            let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            let in_word = glued(char_before(bytes, pos)) || glued(char_after(bytes, end));
            (window[close] == b']' && !in_word).then_some(end)
        }
        b'.' => {
            let mut end = pos + 1;
            let mut dots = 1;
            loop {
                match bytes.get(end..) {
                    Some([b'.', ..]) => end += 1,
                    Some([b' ', b'.', ..]) => end += 2,
                    _ => break,
                }
                dots += 1;
            }
            (dots >= 2).then_some(end)
        }
        _ => bytes[pos..]
            .starts_with("\u{2026}".as_bytes())
            .then_some(pos + 3),
    }
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
    if opens && mark == Mark::StraightSingle && is_elision(bytes, pos + len) {
        // `'90s`, `'em`, `rock 'n' roll`: an apostrophe before a word, not a quote.
        return Role::Neither;
    }
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
    let len = rest
        .iter()
        .take(8)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let mut word = [0u8; 8];
    for (to, from) in word.iter_mut().zip(&rest[..len]) {
        *to = from.to_ascii_lowercase();
    }
    matches!(
        &word[..len],
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

/// The quotation marks of a text in order, apostrophes inside words left out: one pass of a
/// byte search for the first bytes of common marks and one for rare ones, merged (searching
/// again from each mark found, both searches over again, is what they replace). Teddy
/// (aho-corasick's packed searcher) over the six mark prefixes in one pass was about a tenth
/// faster in two of three side-by-side rounds and even in the third (BENCHMARKS.md): too little
/// to tell from the spread, for a dependency more.
struct Marks<'a> {
    bytes: &'a [u8],
    common: std::iter::Peekable<memchr::Memchr3<'a>>,
    rare: std::iter::Peekable<memchr::Memchr2<'a>>,
}

impl<'a> Marks<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Marks {
            bytes,
            common: memchr::memchr3_iter(b'"', b'\'', 0xE2, bytes).peekable(),
            rare: memchr::memchr2_iter(0xC2, 0xE3, bytes).peekable(),
        }
    }
}

impl Iterator for Marks<'_> {
    type Item = (usize, Mark, usize);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let pos = match (self.common.peek(), self.rare.peek()) {
                (Some(&c), Some(&r)) if r < c => self.rare.next(),
                (Some(_), _) => self.common.next(),
                (None, _) => self.rare.next(),
            }?;
            if let Some((mark, len)) = mark_at(&self.bytes[pos..]) {
                if !is_inner_apostrophe(self.bytes, pos, mark, len) {
                    return Some((pos, mark, len));
                }
            }
        }
    }
}

/// True for `'` or `’` between an ASCII letter or digit and an ASCII letter (`don't`, `it’s`,
/// `90's`): the apostrophe inside a word, most of the marks of English text, told apart from
/// its bytes alone (no character is decoded). [`role`] says the same of it, slower.
#[inline]
fn is_inner_apostrophe(bytes: &[u8], pos: usize, mark: Mark, len: usize) -> bool {
    matches!(mark, Mark::StraightSingle | Mark::RightSingle)
        && pos > 0
        && bytes[pos - 1].is_ascii_alphanumeric()
        && bytes.get(pos + len).is_some_and(u8::is_ascii_alphabetic)
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

/// Says, for the tokens of a document taken in order, which quote segment each lies in: the one
/// definition of a quoted word (a token wholly inside one segment of a quote, [`quote_segments`]),
/// shared by the sketch, the analyses and the location of quote groups.
pub struct QuoteTracker<'a> {
    segments: &'a [QuoteSegment],
    next: usize,
}

impl<'a> QuoteTracker<'a> {
    /// A tracker over a document's [`quote_segments`].
    pub fn new(segments: &'a [QuoteSegment]) -> Self {
        QuoteTracker { segments, next: 0 }
    }

    /// The id of the segment `token` lies in ([`QuoteSegment::id`], never 0), or `None` when it
    /// is not quoted. Tokens must come in document order.
    #[inline]
    pub fn region_of(&mut self, token: &Token) -> Option<u32> {
        let (start, end) = (token.start as usize, token.end as usize);
        while self.next < self.segments.len() && self.segments[self.next].bytes.end < end {
            self.next += 1;
        }
        let segment = self.segments.get(self.next)?;
        (segment.bytes.start <= start && end <= segment.bytes.end).then_some(segment.id)
    }
}

/// For each token, the id of the quote segment it lies in, or 0 when it is not quoted.
pub fn quote_region_ids(tokens: &[Token], segments: &[QuoteSegment]) -> Vec<u32> {
    let mut tracker = QuoteTracker::new(segments);
    tokens
        .iter()
        .map(|token| tracker.region_of(token).unwrap_or(0))
        .collect()
}

/// Which tokens lie in one of `segments` (a document's [`quote_segments`]), as a bit per token, made
/// 64 tokens at a time: collecting one bit at a time cost as much as finding the quotes, and
/// going through a region id per token first cost about 1.3 us more a synth document (10.3-12.3
/// us against 9.2-11.0, with the quote regions found).
pub fn quoted_mask(tokens: &[Token], segments: &[QuoteSegment]) -> BitVec {
    let mut tracker = QuoteTracker::new(segments);
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
        postings.extend(run.iter().map(|g| GramPosting {
            hash: g.hash,
            doc: docs[g.doc as usize].0,
            pos: g.pos,
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
    /// Quote segment id of each quoted word ([`QuoteSegment::id`], never 0).
    pub region_ids: Vec<u32>,
}

impl QuotedWords {
    /// The quoted words of a document, given its tokens in order and its quote segments.
    pub fn collect(tokens: impl IntoIterator<Item = Token>, segments: &[QuoteSegment]) -> Self {
        let mut quoted = QuotedWords::default();
        let mut tracker = QuoteTracker::new(segments);
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
    /// Words the occurrences have in common (a group joined across editorial marks spans the
    /// words some of its occurrences have between its runs too).
    pub words: usize,
    /// Where it occurs, ordered by document then position.
    pub occurrences: Vec<QuoteOccurrence>,
}

/// What quote grouping needs of a document: its word hashes and quote region ids.
pub struct QuotedDoc<'a> {
    /// Normalised word hashes.
    pub words: &'a [WordHash],
    /// Quote segment id per word ([`QuoteSegment::id`]).
    pub region_ids: &'a [u32],
}

/// Finds the quote groups among documents, given the quoted grams they share.
///
/// `doc_of` gives a document's quoted words and segments (it is only asked for documents that
/// share a gram with another one). The maximal runs of each shared gram
/// ([`shared_quoted_runs`]), runs on either side of an editorial mark joined
/// ([`join_across_editorial_marks`]), those whose words are common enough to be shared by chance
/// dropped ([`chance_of`]).
pub fn quote_groups<'a>(
    shared: &SharedQuoteGrams,
    doc_of: impl Fn(DocId) -> Option<QuotedDoc<'a>> + Sync,
    information: &WordInformation,
) -> Vec<QuoteGroup> {
    let groups = shared_quoted_runs(shared, &doc_of, MAX_RUNS_PER_GRAM);
    let chance: Vec<f64> = groups
        .par_iter()
        .map(|g| chance_of(g, &doc_of, information))
        .collect();
    let mut groups: Vec<QuoteGroup> =
        join_across_editorial_marks(groups, chance, &doc_of, information.quoted_words())
            .into_iter()
            .filter(|&(_, chance)| chance <= CHANCE_LIMIT)
            .map(|(g, _)| g)
            .collect();
    // Joins along different paths can reach the same places: the most words they share is
    // what those places have in common.
    groups.par_sort_by(|x, y| {
        (&x.occurrences, std::cmp::Reverse(x.words))
            .cmp(&(&y.occurrences, std::cmp::Reverse(y.words)))
    });
    groups.dedup_by(|later, kept| later.occurrences == kept.occurrences);
    groups
}

/// Every run of [`MIN_QUOTE_WORDS`] words or more that lies in one quote segment wherever it
/// occurs, occurs in two documents or more, and is maximal for its occurrences (they do not all
/// go on with one word to the right, nor all come after one word to the left), ordered by
/// occurrences: the quote groups before editorial joins and the chance rule
/// ([`quote_groups`]), at most `max_runs_per_gram` from one shared gram ([`maximal_runs`]).
/// `tests/quote_properties.rs` compares it, uncapped, with a brute-force enumeration.
pub fn shared_quoted_runs<'a>(
    shared: &SharedQuoteGrams,
    doc_of: &(impl Fn(DocId) -> Option<QuotedDoc<'a>> + Sync),
    max_runs_per_gram: usize,
) -> Vec<QuoteGroup> {
    let mut groups: Vec<QuoteGroup> = shared
        .run_slices()
        .par_iter()
        .flat_map_iter(|run| maximal_runs(run, doc_of, max_runs_per_gram))
        .collect();
    groups.par_sort_by(|x, y| (&x.occurrences, x.words).cmp(&(&y.occurrences, y.words)));
    groups
}

/// The most quote groups that start with one shared gram ([`maximal_runs`]).
pub const MAX_RUNS_PER_GRAM: usize = 32;

/// How many places chance alone would be expected to quote a group's words, in that order
/// ([`WordInformation::chance_matches`]); above [`CHANCE_LIMIT`] it is chance, not reuse. So it
/// is measured from the words, not their number: "miscarriage of justice" stays, "to use the"
/// and "does not need to" go, and so does any run, however long, of common words only.
///
/// The number of places a run is quoted is not counted in its favour: a common phrase ("in the
/// future") recurs wherever people talk, far more often than its words drawn one by one would
/// make it, so its places say nothing about reuse (scoring them as a Poisson tail let such
/// phrases in by the hundred on the 10k real-text corpus).
fn chance_of<'a>(
    group: &QuoteGroup,
    doc_of: &impl Fn(DocId) -> Option<QuotedDoc<'a>>,
    information: &WordInformation,
) -> f64 {
    let o = &group.occurrences[0];
    match doc_of(o.doc) {
        Some(doc) => information.chance_matches(
            &doc.words[o.start as usize..o.end as usize],
            group.occurrences.len() as u32,
        ),
        None => f64::INFINITY,
    }
}

/// The most places chance may be expected to quote a shared quote's words ([`chance_of`]): one
/// in a thousand, the usual bar of a significance test. On the local news evaluation (35
/// articles), 1e-2 let "not to have" in (two outlets, two unrelated statements) and 1e-4
/// dropped 3 of the 106 real shared quotes ("a sad day", "I know her", "women in this").
pub const CHANCE_LIMIT: f64 = 1e-3;

/// How much a quoted word tells: how often the corpus writes it, quoted or not.
#[derive(Debug, Clone, Default)]
pub struct WordInformation {
    /// Of each word found in a quote (by the low 32 bits of its hash, as the group stage keeps
    /// words), its count in the whole text.
    counts: FxHashMap<u32, u32>,
    /// Words in the whole text.
    words: u64,
    /// Words inside quotes: the places a run could be quoted by chance.
    quoted: u64,
}

impl WordInformation {
    /// The counts of the quoted words of `quoted` in `texts`, every word of the same documents.
    /// Frequencies come from the whole text, not the quotes alone: in a corpus that quotes
    /// commands and names, "the" and "is" are rare inside quotes, and runs of them looked
    /// informative (on the 10k real-text corpus, "does not need to" and "get rid of" were
    /// groups).
    pub fn of(quoted: &[&QuotedWords], texts: &[&[u32]]) -> Self {
        let mut keys: FxHashMap<u32, u32> = FxHashMap::default();
        for q in quoted {
            for &w in &q.words {
                keys.insert(w as u32, 0);
            }
        }
        let per_thread = texts.len().div_ceil(rayon::current_num_threads()).max(1);
        let counts = texts
            .par_chunks(per_thread)
            .map(|texts| {
                let mut counts = keys.clone();
                for &w in texts.iter().copied().flatten() {
                    if let Some(count) = counts.get_mut(&w) {
                        *count += 1;
                    }
                }
                counts
            })
            .reduce(
                || keys.clone(),
                |mut all, part| {
                    for (word, count) in part {
                        *all.entry(word).or_insert(0) += count;
                    }
                    all
                },
            );
        WordInformation {
            counts,
            words: texts.iter().map(|t| t.len() as u64).sum(),
            quoted: quoted.iter().map(|q| q.words.len() as u64).sum(),
        }
    }

    /// The number of quoted words: the places a run could be quoted by chance.
    pub fn quoted_words(&self) -> f64 {
        self.quoted as f64
    }

    /// The number of places among the quoted words where `words` would be quoted by chance if
    /// each word were drawn on its own at its frequency in the whole text: N * p(w1) * ... *
    /// p(wn), N the quoted words. A word's frequency leaves out the `own` places of the run
    /// itself (once each), so that a statement repeated by many outlets does not make its own
    /// words look common; and one is added to every count, so that a word seen nowhere else
    /// counts as seen once.
    pub fn chance_matches(&self, words: &[WordHash], own: u32) -> f64 {
        let total = self.words.max(1) as f64;
        words.iter().fold(self.quoted as f64, |expected, &w| {
            let count = self.counts.get(&(w as u32)).copied().unwrap_or(0);
            let elsewhere = count.saturating_sub(own) + 1;
            expected * (f64::from(elsewhere) / total)
        })
    }
}

/// Words at most between two runs of one quote that [`join_across_editorial_marks`] joins: what
/// an outlet cut or a writer inserted.
pub const MAX_EDITORIAL_GAP: u32 = 8;

/// Joins groups that follow each other inside one quote, at most [`MAX_EDITORIAL_GAP`] words
/// apart, in two documents or more, and parted by an editorial mark in at least one of them
/// ([`quote_segments`]): `“We will not allow [Trump’s] plan to pass”` and `“We will not allow
/// his plan to pass”` are one group of the 8 words they share, not "we will not allow" and "plan
/// to pass" apart. The joined group holds the documents where both runs follow each other; a run
/// found there and nowhere else is taken in, one found in more documents stays a group of its
/// own too. Each group comes with its [`chance_of`]; a joined group's is that of its two runs'
/// words together (`quoted`: the quoted words of the corpus, counted in both).
fn join_across_editorial_marks<'a>(
    groups: Vec<QuoteGroup>,
    chance: Vec<f64>,
    doc_of: &impl Fn(DocId) -> Option<QuotedDoc<'a>>,
    quoted: f64,
) -> Vec<(QuoteGroup, f64)> {
    // Every occurrence's start: (document, first word, group).
    let mut starts: BTreeSet<(DocId, u32, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| group.occurrences.iter().map(move |o| (o.doc, o.start, g)))
        .collect();
    let mut slots: Vec<Option<(QuoteGroup, f64)>> =
        groups.into_iter().zip(chance).map(Some).collect();
    let mut tried: rustc_hash::FxHashSet<(usize, usize)> = Default::default();
    // Later groups first, so that the end of a chain of runs is joined before its start; a
    // group that starts before another in one document may start after it in another, so the
    // passes go on while they join anything (a few at most: each join makes a longer group).
    for _ in 0..MAX_JOIN_PASSES {
        let mut order: Vec<usize> = (0..slots.len()).filter(|&g| slots[g].is_some()).collect();
        order.sort_unstable_by_key(|&g| {
            let o = &slots[g].as_ref().expect("kept").0.occurrences[0];
            std::cmp::Reverse((o.doc, o.start))
        });
        let mut joined_any = false;
        for g in order {
            let mut next: Vec<usize> = match &slots[g] {
                Some((group, _)) => group
                    .occurrences
                    .iter()
                    .flat_map(|o| {
                        let gap = o.end + MAX_EDITORIAL_GAP;
                        starts.range((o.doc, o.end, 0)..=(o.doc, gap, usize::MAX))
                    })
                    .map(|s| s.2)
                    .filter(|&h| h != g && slots[h].is_some())
                    .collect(),
                None => continue,
            };
            next.sort_unstable();
            next.dedup();
            // Longest first: a run joined to its successor for fewer documents is tried
            // before the run alone.
            next.sort_by_key(|&h| std::cmp::Reverse(slots[h].as_ref().map_or(0, |x| x.0.words)));
            for h in next {
                if !tried.insert((g, h)) {
                    continue;
                }
                let (Some((before, before_chance)), Some((after, after_chance))) =
                    (slots[g].as_ref(), slots[h].as_ref())
                else {
                    continue;
                };
                let Some(join) = join_runs(before, after, doc_of) else {
                    continue;
                };
                let chance = before_chance * after_chance / quoted.max(1.0);
                joined_any = true;
                if join.takes_after {
                    slots[h] = None;
                }
                if join.takes_before {
                    slots[g] = Some((join.group, chance));
                } else {
                    // Found for fewer documents: a group of its own, that an earlier run may
                    // join.
                    let id = slots.len();
                    starts.extend(join.group.occurrences.iter().map(|o| (o.doc, o.start, id)));
                    slots.push(Some((join.group, chance)));
                }
            }
        }
        if !joined_any {
            break;
        }
    }
    slots.into_iter().flatten().collect()
}

/// Passes of [`join_across_editorial_marks`] at most.
const MAX_JOIN_PASSES: usize = 4;

/// Two runs joined across editorial marks, and whether every occurrence of each went into it.
struct Joined {
    group: QuoteGroup,
    takes_before: bool,
    takes_after: bool,
}

/// `before` and `after` joined where an occurrence of `after` follows one of `before` in the
/// same quote, at most [`MAX_EDITORIAL_GAP`] words on (the nearest one); `None` unless that makes
/// a group of two documents or more, with an editorial mark between the two runs in at least
/// one document. Occurrences are sorted, so each is found by a binary search.
fn join_runs<'a>(
    before: &QuoteGroup,
    after: &QuoteGroup,
    doc_of: &impl Fn(DocId) -> Option<QuotedDoc<'a>>,
) -> Option<Joined> {
    let mut occurrences = Vec::new();
    let mut taken = vec![false; after.occurrences.len()];
    let mut marked = false;
    for o in &before.occurrences {
        let doc = doc_of(o.doc)?;
        let last = doc.region_ids[o.end as usize - 1];
        let from = after
            .occurrences
            .partition_point(|p| (p.doc, p.start) < (o.doc, o.end));
        let found = (from..after.occurrences.len())
            .take_while(|&i| {
                let p = &after.occurrences[i];
                p.doc == o.doc && p.start <= o.end + MAX_EDITORIAL_GAP
            })
            .find(|&i| {
                !taken[i] && same_quote(last, doc.region_ids[after.occurrences[i].start as usize])
            });
        let Some(n) = found else {
            continue;
        };
        taken[n] = true;
        let next = &after.occurrences[n];
        marked |= last != doc.region_ids[next.start as usize];
        occurrences.push(QuoteOccurrence {
            doc: o.doc,
            start: o.start,
            end: next.end,
        });
    }
    let docs = occurrences.chunk_by(|x, y| x.doc == y.doc).count();
    let takes_before = occurrences.len() == before.occurrences.len();
    let takes_after = occurrences.len() == after.occurrences.len();
    (marked && docs >= 2).then(|| Joined {
        group: QuoteGroup {
            words: before.words + after.words,
            occurrences,
        },
        takes_before,
        takes_after,
    })
}

/// The quote groups that start with one shared gram (`run`: its occurrences): every run of
/// words that begins with the gram, lies in one quote segment wherever it occurs, and is
/// maximal for its occurrences (they do not all go on with one word to the right, nor all
/// come after one word to the left) in two documents or more.
///
/// The occurrences are followed word by word as a trie: where they go on with different words
/// they part into one branch per word, so a longer run that fewer documents share is found
/// along with the shorter one more of them share, and a run counts wherever it is quoted,
/// whole or as part of a longer quote. A run is found from its first gram only (where all its
/// occurrences come after one word, it is not maximal there, nor is any run below it), so each
/// group is found once.
///
/// Outlets quoting different spans of one statement make a run for every first and last word
/// they quote (a few hundred outlets, tens of thousands of runs): past `max_runs` runs from one
/// gram, those with the most documents times words are kept.
fn maximal_runs<'a>(
    run: &[GramPosting],
    doc_of: &impl Fn(DocId) -> Option<QuotedDoc<'a>>,
    max_runs: usize,
) -> Vec<QuoteGroup> {
    let Some(docs) = run
        .iter()
        .map(|p| Some((doc_of(p.doc)?, p.doc, p.pos)))
        .collect::<Option<Vec<(QuotedDoc<'a>, DocId, u32)>>>()
    else {
        return Vec::new();
    };
    // The word `offset` words on from an occurrence's start, inside its segment.
    let word_at = |m: usize, offset: usize| -> Option<WordHash> {
        let (doc, _, pos) = &docs[m];
        let i = *pos as usize + offset;
        (i < doc.words.len() && doc.region_ids[i] == doc.region_ids[*pos as usize])
            .then(|| doc.words[i])
    };
    let word_before = |m: usize| -> Option<WordHash> {
        let (doc, _, pos) = &docs[m];
        let i = (*pos as usize).checked_sub(1)?;
        (doc.region_ids[i] == doc.region_ids[*pos as usize]).then(|| doc.words[i])
    };
    let in_two_docs = |members: &[usize]| members.iter().any(|&m| docs[m].1 != docs[members[0]].1);
    let left_maximal = |members: &[usize]| {
        let first = word_before(members[0]);
        first.is_none() || members.iter().any(|&m| word_before(m) != first)
    };
    // Each run found: (documents x words, words, members).
    let mut found: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    let mut branches: Vec<(Vec<usize>, usize)> = vec![((0..docs.len()).collect(), MIN_QUOTE_WORDS)];
    while let Some((members, words)) = branches.pop() {
        // Where all occurrences come after one word, so do those of every run below: the runs
        // are found from the gram before.
        if !in_two_docs(&members) || !left_maximal(&members) {
            continue;
        }
        let mut next: Vec<(Option<WordHash>, usize)> =
            members.iter().map(|&m| (word_at(m, words), m)).collect();
        let first = next[0].0;
        if first.is_some() && next.iter().all(|n| n.0 == first) {
            branches.push((members, words + 1));
            continue;
        }
        next.sort_unstable();
        for branch in next.chunk_by(|x, y| x.0 == y.0) {
            if branch[0].0.is_some() && branch.len() > 1 {
                branches.push((branch.iter().map(|n| n.1).collect(), words + 1));
            }
        }
        let mut in_docs: Vec<DocId> = members.iter().map(|&m| docs[m].1).collect();
        in_docs.sort_unstable();
        in_docs.dedup();
        found.push((in_docs.len() * words, words, members));
    }
    if found.len() > max_runs {
        found.sort_unstable_by_key(|x| std::cmp::Reverse((x.0, x.1)));
        found.truncate(max_runs);
    }
    found
        .into_iter()
        .map(|(_, words, members)| {
            let mut occurrences: Vec<QuoteOccurrence> = members
                .iter()
                .map(|&m| QuoteOccurrence {
                    doc: docs[m].1,
                    start: docs[m].2,
                    end: docs[m].2 + words as u32,
                })
                .collect();
            occurrences.sort();
            QuoteGroup { words, occurrences }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn quoted_words(text: &str) -> Vec<&str> {
        let tokens = tokenize(text.as_bytes());
        let ids = quote_region_ids(&tokens, &quote_segments(text.as_bytes()));
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
        QuotedWords::collect(tokenize(bytes), &quote_segments(bytes))
    }

    #[test]
    fn quoted_words_keep_hashes_and_regions() {
        let text = "He said “Stop the  war now” and\nthen \"go home\" twice, \"x\".";
        let q = quoted_of(text);
        let (one, two, three) = (1 << SEGMENT_BITS, 2 << SEGMENT_BITS, 3 << SEGMENT_BITS);
        assert_eq!(q.region_ids, [one, one, one, one, two, two, three]);
        let words: Vec<WordHash> = tokenize(text.as_bytes()).iter().map(|t| t.hash).collect();
        assert_eq!(q.words[..4], words[2..6]);
        assert_eq!(q.words[4..6], words[8..10]);
        assert!(quoted_of("no quotes at all").is_empty());
        // The same words, one at a time, as the sketch collects them.
        let tokens = tokenize(text.as_bytes());
        let regions = quote_segments(text.as_bytes());
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
        let mut next = random_numbers(7);
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
                    .map(move |(hash, pos)| GramPosting { hash, doc, pos })
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

    /// The quote groups of `texts`, each as (its words, the documents holding it).
    fn groups_of(texts: &[&str]) -> Vec<(String, Vec<u32>)> {
        let docs: Vec<QuotedWords> = texts.iter().map(|t| quoted_of(t)).collect();
        groups_of_quoted(&docs, texts)
    }

    /// The word information of `texts`, whose quoted words are `docs`.
    fn information(docs: &[QuotedWords], texts: &[&str]) -> WordInformation {
        let words: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| {
                tokenize(t.as_bytes())
                    .iter()
                    .map(|w| w.hash as u32)
                    .collect()
            })
            .collect();
        let words: Vec<&[u32]> = words.iter().map(Vec::as_slice).collect();
        let all: Vec<&QuotedWords> = docs.iter().collect();
        WordInformation::of(&all, &words)
    }

    /// A deterministic stream of pseudo-random numbers (a linear congruential generator).
    fn random_numbers(mut seed: u64) -> impl FnMut() -> usize {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        }
    }

    /// Each document with its number as its id.
    fn numbered(docs: &[QuotedWords]) -> Vec<(DocId, &QuotedWords)> {
        docs.iter()
            .enumerate()
            .map(|(i, q)| (DocId(i as u32), q))
            .collect()
    }

    /// The quote groups of documents whose quoted words are `docs` and texts `texts`.
    fn quote_groups_of(docs: &[QuotedWords], texts: &[&str]) -> Vec<QuoteGroup> {
        let with_ids = numbered(docs);
        quote_groups(
            &SharedQuoteGrams::of(&with_ids),
            |d| Some(docs[d.index()].as_quoted_doc()),
            &information(docs, texts),
        )
    }

    fn groups_of_quoted(docs: &[QuotedWords], texts: &[&str]) -> Vec<(String, Vec<u32>)> {
        quote_groups_of(docs, texts)
            .iter()
            .map(|g| {
                let o = &g.occurrences[0];
                let words = quoted_words(texts[o.doc.index()]);
                let text = words[o.start as usize..o.end as usize].join(" ");
                let mut docs: Vec<u32> = g.occurrences.iter().map(|o| o.doc.0).collect();
                docs.dedup();
                (text, docs)
            })
            .collect()
    }

    #[test]
    fn a_run_quoted_by_more_documents_is_a_group_nested_in_the_longer_one() {
        let found = groups_of(&[
            "A: \"most my to of momal and\" end, the agency reported on its website.",
            "B: \"most my to of momal and\" end, said a spokesman for the ministry.",
            "C: \"x to of momal y\" end, as printed in the evening paper on Monday.",
        ]);
        // "to of momal" is quoted whole by none, but by all three: a group of its own, and the
        // whole six-word quote of A and B is not hidden behind it.
        assert_eq!(
            found,
            [
                ("most my to of momal and".to_string(), vec![0, 1]),
                ("to of momal".to_string(), vec![0, 1, 2]),
            ]
        );
    }

    /// Quotes of random common words share many runs, all by chance: none is a group, whatever
    /// its length, while three rare words two documents quote are one.
    #[test]
    fn runs_that_chance_shares_are_no_groups_and_rare_words_are() {
        let vocabulary = ["the", "of", "and", "to"];
        let mut next = random_numbers(11);
        let mut texts: Vec<String> = (0..100)
            .map(|_| {
                let words: Vec<&str> = (0..8).map(|_| vocabulary[next() % 4]).collect();
                format!("said \"{}\" today", words.join(" "))
            })
            .collect();
        texts.push("They called it \"miscarriage of justice\" twice.".into());
        texts.push("A \"miscarriage of justice\", he said.".into());
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let docs: Vec<QuotedWords> = texts.iter().map(|t| quoted_of(t)).collect();
        // The random quotes do share runs: up to five words and more.
        let all = numbered(&docs);
        let shared = SharedQuoteGrams::of(&all[..100]);
        assert!(shared.runs().count() > 50);
        assert_eq!(
            groups_of_quoted(&docs, &texts),
            [("miscarriage of justice".to_string(), vec![100, 101])]
        );
    }

    #[test]
    fn chance_matches_multiply_word_frequencies_left_out_the_run_itself() {
        let texts = ["\"a b c\" \"a b d\" a e", "\"a b c\" \"a e f\" g h"];
        let docs: Vec<QuotedWords> = texts.iter().map(|t| quoted_of(t)).collect();
        let info = information(&docs, &texts);
        let hash = |w: &str| tokenize(w.as_bytes())[0].hash;
        let (a, b, c, g) = (hash("a"), hash("b"), hash("c"), hash("g"));
        // 12 quoted words of 16; "a" 5 times in the text, "b" 3, "c" 2. Two places of "a b c"
        // left out, plus one: 4, 2 and 1.
        let expected = 12.0 * (4.0 / 16.0) * (2.0 / 16.0) * (1.0 / 16.0);
        assert!((info.chance_matches(&[a, b, c], 2) - expected).abs() < 1e-12);
        assert!((info.chance_matches(&[], 2) - 12.0).abs() < 1e-12);
        // A word never quoted is not counted: seen nowhere else.
        assert!((info.chance_matches(&[g], 0) - 12.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn editorial_marks_part_a_quote_into_segments() {
        let text = "“We will not allow [Trump’s] plan … to pass (...) the Senate. . . this \
                    year [sic] or the next...” and “another quote”";
        let segments = quote_segments(text.as_bytes());
        let pieces: Vec<&str> = segments
            .iter()
            .map(|s| text[s.bytes.clone()].trim())
            .collect();
        assert_eq!(
            pieces,
            [
                "We will not allow",
                "plan",
                "to pass (",
                ") the Senate",
                "this year",
                "or the next",
                "",
                "another quote"
            ]
        );
        assert!(segments[..7]
            .iter()
            .all(|s| same_quote(s.id, segments[0].id)));
        assert!(!same_quote(segments[7].id, segments[0].id));
        assert!(segments.windows(2).all(|w| w[0].id != w[1].id));
        // The writer's words in brackets are not quoted; the speaker's around them are.
        let words = quoted_words(text);
        assert!(!words.contains(&"Trump’s") && !words.contains(&"sic"));
        assert_eq!(words.len(), 16);
        // A bracket inside a word changes or completes it: no cut.
        assert_eq!(quote_segments("“[T]he plan is dead”".as_bytes()).len(), 1);
        assert_eq!(
            quote_segments("“the govern[ment] fell”".as_bytes()).len(),
            1
        );
        // A bracket that does not close on its line, or closes too far on, is no insertion.
        let open = "“a [b c d e f”";
        assert_eq!(quote_segments(open.as_bytes()).len(), 1);
        // One dot ends a sentence, it cuts nothing.
        assert_eq!(quote_segments("“It ended. We left.”".as_bytes()).len(), 1);
    }

    /// A chain of three runs parted by cuts, where the document holding only the last two comes
    /// first: the three still join for the documents holding them all.
    #[test]
    fn a_chain_of_runs_joins_whatever_document_comes_first() {
        let texts = [
            "Zero: “the harbour will close … for the whole of the winter season”.",
            "One: “ministers agreed tonight … the harbour will close … for the whole of the \
             winter season”.",
            "Two: “ministers agreed tonight … the harbour will close … for the whole of the \
             winter season”.",
        ];
        let found = groups_of(&texts);
        assert!(
            found.contains(&(
                "ministers agreed tonight the harbour will close for the whole of the winter season"
                    .to_string(),
                vec![1, 2]
            )),
            "{found:?}"
        );
        assert!(
            found.contains(&(
                "the harbour will close for the whole of the winter season".to_string(),
                vec![0, 1, 2]
            )),
            "{found:?}"
        );
    }

    /// Two hundred outlets quote different spans of one long statement: every first and last
    /// word they quote makes a run, but no gram yields more than its share.
    #[test]
    fn runs_from_one_gram_are_capped() {
        let statement: Vec<String> = (0..60).map(|i| format!("w{i}")).collect();
        let texts: Vec<String> = (0..200)
            .map(|d| {
                let (from, to) = (d % 20, 40 + (d * 7) % 20);
                format!(
                    "Outlet {d} quoted “{}” today.",
                    statement[from..to].join(" ")
                )
            })
            .collect();
        let docs: Vec<QuotedWords> = texts.iter().map(|t| quoted_of(t)).collect();
        let with_ids = numbered(&docs);
        let shared = SharedQuoteGrams::of(&with_ids);
        let doc_of = |d: DocId| Some(docs[d.index()].as_quoted_doc());
        let all = shared_quoted_runs(&shared, &doc_of, usize::MAX);
        let capped = shared_quoted_runs(&shared, &doc_of, 4);
        // 20 first words quoted, each a gram starting runs.
        assert!(all.len() > 20 * 4, "{}", all.len());
        assert!(capped.len() <= 20 * 4, "{}", capped.len());
        // The run all 200 share is among the kept.
        assert!(capped
            .iter()
            .any(|g| g.occurrences.len() == 200 && g.words == 21));
    }

    /// An insertion in brackets, an ellipsis and a cut: the runs on either side join into one
    /// group of what the documents share, and the longer run two of them share is its own.
    #[test]
    fn runs_parted_by_editorial_marks_join_into_one_group() {
        let texts = [
            "Herald: “We will not allow his plan to pass the Senate this year,” she said.",
            "Post: “We will not allow … plan to pass the Senate this year (...) and we will \
             fight it in every committee.”",
            "Wire: “We will not allow [Trump’s] plan to pass the Senate this year, and we will \
             fight it in every committee,” she said.",
            // The same words without an editorial mark between the runs, in two quotes: no join.
            "Other: “We will not allow” and “plan to pass the Senate this year”.",
        ];
        let docs: Vec<QuotedWords> = texts.iter().map(|t| quoted_of(t)).collect();
        let groups = quote_groups_of(&docs, &texts);
        type Shape = (usize, Vec<(u32, u32, u32)>);
        let shape: Vec<Shape> = groups
            .iter()
            .map(|g| {
                let occ = g
                    .occurrences
                    .iter()
                    .map(|o| (o.doc.0, o.start, o.end))
                    .collect();
                (g.words, occ)
            })
            .collect();
        // Quoted-word indices: herald "his" is its fifth word; the wire's "Trump’s" is not
        // quoted.
        assert_eq!(
            shape,
            [
                (4, vec![(0, 0, 4), (1, 0, 4), (2, 0, 4), (3, 0, 4)]),
                (11, vec![(0, 0, 12), (1, 0, 11), (2, 0, 11)]),
                (7, vec![(0, 5, 12), (1, 4, 11), (2, 4, 11), (3, 4, 11)]),
                (19, vec![(1, 0, 19), (2, 0, 19)]),
            ]
        );
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
                let regions = quote_segments(text.as_bytes());
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
