//! Synth: a seeded generator of realistic-looking corpora with planted answers, for benchmarks
//! and recall tests.
//!
//! Documents are 300 to 3,000 words (log-uniform) of English-looking prose: real function words
//! at the top of a Zipf-Mandelbrot vocabulary, pronounceable invented words below them, a few
//! numbers, contractions and accented words, sentences, commas, quotations, paragraphs and lines
//! wrapped at 78 columns; about one document in five uses typographic quotes (`’`, `“ ”`).
//!
//! Two kinds of answers are planted, and listed in a ground truth ([`Truth`]):
//!
//! - near-duplicate pairs: a copy of a document with random word substitutions, insertions and
//!   deletions until the exact Jaccard similarity of the word 5-gram sets reaches a target drawn
//!   from `[min_target, 1)`; one pair in ten is a cosmetic copy (same words, different case,
//!   punctuation and line breaks, so Jaccard 1). The copy is re-rendered, so its line breaks and
//!   punctuation differ from the original's even where the words agree.
//! - shared passages: a run of 10 to 40 words of one document inserted into another, otherwise
//!   unrelated, document, with the byte spans of the passage in both.
//!
//! The Jaccard recorded for a pair is computed here from the generator's own word ids, not by
//! the tokenizer; the tests check that tokenizing and shingling the rendered text gives exactly
//! the same value, which also proves that rendering never splits or merges a word.
//!
//! Every document is a pure function of `(seed, index)`, so documents can be generated in any
//! order and in parallel, and a corpus of a million documents never has to fit in memory.
//!
//! ```
//! use dedup::synth::{Synth, SynthConfig, Truth};
//! let synth = Synth::new(SynthConfig::new(200, 7));
//! let doc = synth.document(3);
//! assert_eq!(doc, Synth::new(SynthConfig::new(200, 7)).document(3));
//! let planted = (0..200).flat_map(|i| synth.document(i).truth).count();
//! assert!(planted > 0);
//! ```

use serde::Serialize;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Number of documents.
    pub docs: usize,
    /// Seed of everything: vocabulary, texts, edits, roles.
    pub seed: u64,
    /// Shortest document, in words (before a planted passage is inserted).
    pub min_words: usize,
    /// Longest document, in words.
    pub max_words: usize,
    /// Number of distinct words in the vocabulary.
    pub vocabulary: usize,
    /// Fraction of documents that take part in a near-duplicate pair (both members counted).
    pub near_duplicates: f64,
    /// Fraction of documents that take part in a shared passage (source and target counted).
    pub passages: f64,
    /// Lowest target Jaccard similarity of an edited copy.
    pub min_target: f64,
}

impl SynthConfig {
    /// The defaults: 300 to 3,000 words, a 50,000-word vocabulary, 10% of documents in
    /// near-duplicate pairs with targets in `[0.5, 1)`, 10% in shared passages.
    pub fn new(docs: usize, seed: u64) -> Self {
        SynthConfig {
            docs,
            seed,
            min_words: 300,
            max_words: 3000,
            vocabulary: 50_000,
            near_duplicates: 0.10,
            passages: 0.10,
            min_target: 0.5,
        }
    }

    /// Checks the values, with a message naming the bad one.
    pub fn validate(&self) -> Result<(), String> {
        if self.min_words < 50 || self.min_words > self.max_words {
            return Err(format!(
                "words per document must satisfy 50 <= min ({}) <= max ({})",
                self.min_words, self.max_words
            ));
        }
        if self.max_words > 1_000_000 {
            return Err(format!("max words {} is over 1,000,000", self.max_words));
        }
        if self.vocabulary < 1000 || self.vocabulary > 10_000_000 {
            return Err(format!(
                "vocabulary {} must be between 1,000 and 10,000,000",
                self.vocabulary
            ));
        }
        let fraction = |f: f64| (0.0..=1.0).contains(&f);
        if !fraction(self.near_duplicates)
            || !fraction(self.passages)
            || self.near_duplicates + self.passages > 1.0
        {
            return Err(format!(
                "fractions of near-duplicates ({}) and passages ({}) must be in [0, 1] with a sum <= 1",
                self.near_duplicates, self.passages
            ));
        }
        if !(0.05..1.0).contains(&self.min_target) {
            return Err(format!(
                "min target {} must be in [0.05, 1)",
                self.min_target
            ));
        }
        Ok(())
    }
}

/// One planted answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Truth {
    /// An edited copy: `a` < `b` by name; one of them is the copy.
    NearDuplicate {
        /// First document (smaller name).
        a: String,
        /// Second document.
        b: String,
        /// Exact Jaccard similarity of the word 5-gram sets.
        jaccard: f64,
        /// The similarity the edits aimed at.
        target: f64,
        /// Word edits applied (substitutions, insertions, deletions).
        edits: usize,
    },
    /// A run of words of `source` inserted into `target`.
    Passage {
        /// Where the words come from.
        source: String,
        /// Where they were inserted.
        target: String,
        /// Number of words.
        words: usize,
        /// Byte span of the passage in `source`.
        source_span: Span,
        /// Byte span of the passage in `target`.
        target_span: Span,
    },
}

/// A byte range in a rendered document, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte of the first word.
    pub start: usize,
    /// One past the last byte of the last word.
    pub end: usize,
}

/// One generated document.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthDocument {
    /// Path relative to the corpus folder, e.g. `docs/0012/00012345.txt`.
    pub name: String,
    /// The text.
    pub text: String,
    /// Answers this document completes (each planted answer is listed by exactly one document:
    /// the copy of a pair, the target of a passage).
    pub truth: Vec<Truth>,
}

/// What [`Synth::write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct WriteSummary {
    /// Documents written.
    pub docs: usize,
    /// Bytes of document text written.
    pub bytes: u64,
    /// Near-duplicate pairs planted.
    pub near_duplicates: usize,
    /// Passages planted.
    pub passages: usize,
}

/// The shingle length the planted Jaccard similarities are measured with.
pub const TRUTH_NGRAM: usize = 5;

/// Documents per role block: roles are drawn by shuffling each block of consecutive indices.
const BLOCK: usize = 64;

/// A seeded corpus generator.
#[derive(Debug, Clone)]
pub struct Synth {
    config: SynthConfig,
    vocab: Vocabulary,
}

/// Which part a document plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    CopyOf(usize),
    PassageFrom(usize),
}

impl Synth {
    /// A generator for `config`.
    ///
    /// # Panics
    /// If the config is invalid (see [`SynthConfig::validate`]).
    pub fn new(config: SynthConfig) -> Self {
        if let Err(message) = config.validate() {
            panic!("invalid synth config: {message}");
        }
        let vocab = Vocabulary::new(config.vocabulary, config.seed);
        Synth { config, vocab }
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The path of document `index`, relative to the corpus folder. Folders of 1,000 keep
    /// directory listings short for million-document corpora.
    /// ([`Synth::write`] creates the folders with the same pattern.)
    pub fn name(&self, index: usize) -> String {
        format!("docs/{:04}/{:08}.txt", index / 1000, index)
    }

    /// Generates document `index` (< `config.docs`), with the answers it completes.
    pub fn document(&self, index: usize) -> SynthDocument {
        assert!(index < self.config.docs, "document {index} out of range");
        let name = self.name(index);
        match self.role(index) {
            Role::Plain => {
                let words = self.base_words(index);
                let text = self.render(index, &words).text;
                SynthDocument {
                    name,
                    text,
                    truth: Vec::new(),
                }
            }
            Role::CopyOf(original) => self.edited_copy(index, original),
            Role::PassageFrom(source) => self.passage_target(index, source),
        }
    }

    /// Writes the corpus under `out`: `docs/...` (the documents), `truth.jsonl` (one [`Truth`]
    /// per line, ordered by document) and `manifest.json` (the config and counts). Documents
    /// are generated and written in parallel; the output is identical whatever the thread count.
    pub fn write(&self, out: &Path) -> std::io::Result<WriteSummary> {
        use rayon::prelude::*;
        let chunk = 4096;
        let mut truth = std::io::BufWriter::new(std::fs::File::create(out.join("truth.jsonl"))?);
        let mut summary = WriteSummary::default();
        for first in (0..self.config.docs).step_by(chunk) {
            let last = (first + chunk).min(self.config.docs);
            for folder in (first / 1000)..=((last - 1) / 1000) {
                std::fs::create_dir_all(out.join(format!("docs/{folder:04}")))?;
            }
            let written: Vec<std::io::Result<(u64, Vec<Truth>)>> = (first..last)
                .into_par_iter()
                .map(|i| {
                    let doc = self.document(i);
                    std::fs::write(out.join(&doc.name), doc.text.as_bytes())?;
                    Ok((doc.text.len() as u64, doc.truth))
                })
                .collect();
            for result in written {
                let (bytes, items) = result?;
                summary.docs += 1;
                summary.bytes += bytes;
                for item in items {
                    match item {
                        Truth::NearDuplicate { .. } => summary.near_duplicates += 1,
                        Truth::Passage { .. } => summary.passages += 1,
                    }
                    serde_json::to_writer(&mut truth, &item)?;
                    truth.write_all(b"\n")?;
                }
            }
        }
        truth.flush()?;
        let manifest = serde_json::json!({
            "generator": "dedup-synth",
            "version": env!("CARGO_PKG_VERSION"),
            "docs": self.config.docs,
            "seed": self.config.seed,
            "min_words": self.config.min_words,
            "max_words": self.config.max_words,
            "vocabulary": self.config.vocabulary,
            "near_duplicates": self.config.near_duplicates,
            "passages": self.config.passages,
            "min_target": self.config.min_target,
            "truth_ngram": TRUTH_NGRAM,
            "summary": summary,
        });
        let mut file = std::fs::File::create(out.join("manifest.json"))?;
        serde_json::to_writer_pretty(&mut file, &manifest)?;
        file.write_all(b"\n")?;
        Ok(summary)
    }

    /// The role of a document: each block of [`BLOCK`] indices is shuffled; its first positions
    /// become (original, copy) pairs, the next (source, target) passage pairs, the rest plain.
    fn role(&self, index: usize) -> Role {
        let block = index / BLOCK;
        let first = block * BLOCK;
        let len = BLOCK.min(self.config.docs - first);
        let mut rng = Rng::new(self.config.seed, &[1, block as u64]);
        let mut order: Vec<usize> = (first..first + len).collect();
        for i in (1..len).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let pairs = rng.round(len as f64 * self.config.near_duplicates / 2.0);
        let passages = rng.round(len as f64 * self.config.passages / 2.0);
        let pairs = pairs.min(len / 2);
        let passages = passages.min((len - 2 * pairs) / 2);
        let at = order.iter().position(|&d| d == index).expect("in block");
        if at < 2 * pairs {
            return if at % 2 == 1 {
                Role::CopyOf(order[at - 1])
            } else {
                Role::Plain
            };
        }
        let at = at - 2 * pairs;
        if at < 2 * passages && at % 2 == 1 {
            return Role::PassageFrom(order[2 * pairs + at - 1]);
        }
        Role::Plain
    }

    /// The word ids of a document's own text (before any edit or inserted passage).
    fn base_words(&self, index: usize) -> Vec<u32> {
        let mut rng = Rng::new(self.config.seed, &[2, index as u64]);
        let (lo, hi) = (self.config.min_words as f64, self.config.max_words as f64);
        let len = (lo * (hi / lo).powf(rng.unit())).round() as usize;
        let len = len.clamp(self.config.min_words, self.config.max_words);
        (0..len).map(|_| self.vocab.sample(&mut rng)).collect()
    }

    fn render(&self, index: usize, words: &[u32]) -> Rendered {
        let mut rng = Rng::new(self.config.seed, &[3, index as u64]);
        render(&self.vocab, words, &mut rng)
    }

    fn edited_copy(&self, index: usize, original: usize) -> SynthDocument {
        let source = self.base_words(original);
        let mut rng = Rng::new(self.config.seed, &[4, index as u64]);
        let target = if rng.below(10) == 0 {
            1.0
        } else {
            let t = self.config.min_target + (1.0 - self.config.min_target) * rng.unit();
            (t * 1000.0).floor() / 1000.0
        };
        let (copy, edits, jaccard) = edit_to_target(&source, target, &self.vocab, &mut rng);
        let text = self.render(index, &copy).text;
        let (a, b) = ordered(self.name(original), self.name(index));
        SynthDocument {
            name: self.name(index),
            text,
            truth: vec![Truth::NearDuplicate {
                a,
                b,
                jaccard,
                target,
                edits,
            }],
        }
    }

    fn passage_target(&self, index: usize, source: usize) -> SynthDocument {
        let source_words = self.base_words(source);
        let mut words = self.base_words(index);
        let mut rng = Rng::new(self.config.seed, &[5, index as u64]);
        let len = 10 + rng.below(31) as usize;
        let from = rng.below((source_words.len() - len + 1) as u64) as usize;
        let at = rng.below(words.len() as u64 + 1) as usize;
        words.splice(at..at, source_words[from..from + len].iter().copied());
        let rendered = self.render(index, &words);
        let source_rendered = self.render(source, &source_words);
        let span = |r: &Rendered, first: usize| Span {
            start: r.spans[first].0,
            end: r.spans[first + len - 1].1,
        };
        SynthDocument {
            name: self.name(index),
            truth: vec![Truth::Passage {
                source: self.name(source),
                target: self.name(index),
                words: len,
                source_span: span(&source_rendered, from),
                target_span: span(&rendered, at),
            }],
            text: rendered.text,
        }
    }
}

fn ordered(x: String, y: String) -> (String, String) {
    if x <= y {
        (x, y)
    } else {
        (y, x)
    }
}

/// Edits a copy of `words` until the Jaccard similarity of the 5-gram sets falls to `target`,
/// approaching it from above. Returns the copy, the number of edits and the exact similarity.
///
/// An edit in the middle removes about n shared windows and adds about n new ones, so with
/// `shared` and `union` now, `m = (shared - target * union) / (n (1 + target))` such edits reach
/// the target; half of that is applied at a time. The last steps substitute words among the
/// first (then the last) n, where a substitution at distance `p` from the edge changes only
/// `p + 1` windows, to land within about one window of the target.
fn edit_to_target(
    words: &[u32],
    target: f64,
    vocab: &Vocabulary,
    rng: &mut Rng,
) -> (Vec<u32>, usize, f64) {
    let n = TRUTH_NGRAM;
    let original = window_set(words);
    let mut copy = words.to_vec();
    let mut edits = 0;
    let (mut shared, mut union) = (original.len(), original.len());
    // Windows already changed at the front and at the back by fine steps.
    let (mut front, mut back) = (0, 0);
    while shared as f64 > target * union as f64 {
        let excess = (shared as f64 - target * union as f64) / (1.0 + target);
        let k = (excess.ceil() as usize).max(1);
        if k < n && front + k <= n {
            front += k;
            substitute(&mut copy, front - 1, vocab, rng);
            edits += 1;
        } else if k < n && back + k <= n {
            back += k;
            let at = copy.len() - back;
            substitute(&mut copy, at, vocab, rng);
            edits += 1;
        } else {
            for _ in 0..k.div_ceil(2 * n) {
                edit_once(&mut copy, vocab, rng);
                edits += 1;
            }
        }
        (shared, union) = jaccard_counts(&original, &window_set(&copy));
    }
    (copy, edits, shared as f64 / union as f64)
}

fn substitute(words: &mut [u32], at: usize, vocab: &Vocabulary, rng: &mut Rng) {
    let old = words[at];
    while words[at] == old {
        words[at] = vocab.sample(rng);
    }
}

fn edit_once(words: &mut Vec<u32>, vocab: &Vocabulary, rng: &mut Rng) {
    let at = rng.below(words.len() as u64) as usize;
    match rng.below(4) {
        0 | 1 => substitute(words, at, vocab, rng),
        2 if words.len() > TRUTH_NGRAM + 1 => {
            words.remove(at);
        }
        _ => words.insert(at, vocab.sample(rng)),
    }
}

/// The distinct word 5-grams of a word-id sequence, sorted.
fn window_set(words: &[u32]) -> Vec<[u32; TRUTH_NGRAM]> {
    let mut set: Vec<[u32; TRUTH_NGRAM]> = words
        .windows(TRUTH_NGRAM)
        .map(|w| w.try_into().expect("window of n"))
        .collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// (|A ∩ B|, |A ∪ B|) of two sorted, distinct sets.
fn jaccard_counts<T: Ord>(a: &[T], b: &[T]) -> (usize, usize) {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (shared, a.len() + b.len() - shared)
}

/// The planted Jaccard similarity of two word-id sequences (exposed for tests and tools).
pub fn word_jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (shared, union) = jaccard_counts(&window_set(a), &window_set(b));
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

struct Rendered {
    text: String,
    /// Byte span of every word, in order.
    spans: Vec<(usize, usize)>,
}

/// Lays words out as prose: sentences of 5 to 29 words with a capital and an end mark, commas,
/// occasional quotations, paragraphs of 2 to 7 sentences, lines wrapped at 78 columns.
fn render(vocab: &Vocabulary, words: &[u32], rng: &mut Rng) -> Rendered {
    let typographic = rng.below(5) == 0;
    let mut text = String::with_capacity(words.len() * 7);
    let mut spans = Vec::with_capacity(words.len());
    let mut line = 0usize;
    let mut sentence_left = 0usize;
    let mut paragraph_left = 2 + rng.below(6) as usize;
    let mut quote_left = 0usize;
    for (i, &id) in words.iter().enumerate() {
        let starts_sentence = sentence_left == 0;
        if starts_sentence {
            sentence_left = 5 + rng.below(25) as usize;
        }
        let mut word = vocab.word(id).to_string();
        if typographic {
            word = word.replace('\'', "\u{2019}");
        }
        if starts_sentence {
            word = capitalise(&word);
        }
        let opens_quote = quote_left == 0 && sentence_left > 4 && rng.below(40) == 0;
        let open = if opens_quote {
            quote_left = 3 + rng.below(sentence_left as u64 - 3) as usize;
            if typographic {
                "\u{201C}"
            } else {
                "\""
            }
        } else {
            ""
        };
        // Separator: a paragraph break, a line break or a space.
        if i > 0 {
            if starts_sentence && paragraph_left == 0 {
                text.push_str("\n\n");
                line = 0;
                paragraph_left = 2 + rng.below(6) as usize;
            } else if line + 1 + open.len() + word.len() > 78 {
                text.push('\n');
                line = 0;
            } else {
                text.push(' ');
                line += 1;
            }
        }
        text.push_str(open);
        let start = text.len();
        text.push_str(&word);
        spans.push((start, text.len()));
        line += open.len() + word.len();
        sentence_left -= 1;
        let mut tail = String::new();
        if quote_left > 0 {
            quote_left -= 1;
            if quote_left == 0 || sentence_left == 0 {
                quote_left = 0;
                tail.push_str(if typographic { "\u{201D}" } else { "\"" });
            }
        }
        if sentence_left == 0 || i + 1 == words.len() {
            tail.insert(0, end_mark(rng));
            paragraph_left = paragraph_left.saturating_sub(1);
            sentence_left = 0;
        } else if rng.below(12) == 0 {
            tail.insert(0, ',');
        }
        text.push_str(&tail);
        line += tail.len();
    }
    text.push('\n');
    Rendered { text, spans }
}

fn end_mark(rng: &mut Rng) -> char {
    match rng.below(40) {
        0 | 1 => '?',
        2 => '!',
        _ => '.',
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Words by rank with a Zipf-Mandelbrot distribution, sampled in O(1) with an alias table.
#[derive(Debug, Clone)]
struct Vocabulary {
    words: Vec<String>,
    alias: AliasTable,
}

/// The most frequent English words, in rough order of frequency; they take the top ranks.
const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be",
    "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
    "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
    "been", "if", "more", "when", "will", "would", "who", "so", "no", "she", "other", "its", "may",
    "these", "what", "them", "than", "some", "him", "time", "into", "only", "do", "could", "new",
    "about", "two", "then", "first", "any", "my", "also", "our", "made", "like", "over", "such",
    "after", "most", "even", "much", "where", "many", "before", "must", "through", "back", "years",
    "should", "because", "each", "people", "those", "how", "too", "little", "state", "good",
    "very", "make", "world", "still", "own", "see", "men", "work", "long", "get", "here",
    "between", "both", "life", "being", "under", "never", "day", "same", "another", "know",
    "while", "last", "might", "us", "great", "old", "year", "off", "come", "since", "against",
    "go", "came", "right", "used", "take", "three", "it's", "don't", "didn't", "can't", "won't",
    "we're", "they're", "isn't", "wasn't", "i'm", "you're", "doesn't", "that's", "there's",
    "wouldn't", "couldn't",
];

/// Words with non-ASCII letters, spread through the middle ranks.
const ACCENTED_WORDS: &[&str] = &[
    "café",
    "naïve",
    "résumé",
    "façade",
    "fiancée",
    "über",
    "déjà",
    "piñata",
    "crème",
    "señor",
    "jalapeño",
    "rôle",
    "coördinate",
    "élan",
    "soirée",
    "protégé",
    "doppelgänger",
    "smörgåsbord",
    "mañana",
    "touché",
];

/// Numbers as they appear in prose; each is one word for UAX #29.
const NUMBERS: &[&str] = &[
    "1990",
    "2001",
    "1848",
    "1917",
    "2020",
    "12",
    "15",
    "24",
    "40",
    "100",
    "250",
    "1,000",
    "12,000",
    "3.5",
    "2.75",
    "0.8",
    "99.9",
    "1,250,000",
    "365",
    "2024",
];

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "b", "c",
    "d", "l", "m", "n", "p", "r", "s", "t", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gr", "pl",
    "pr", "sh", "sp", "st", "th", "tr", "wh", "", "", "", "",
];
const NUCLEI: &[&str] = &[
    "a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "e", "ea", "ee", "ai", "ou", "oo", "y",
];
const CODAS: &[&str] = &[
    "", "", "", "", "", "", "", "", "n", "r", "s", "t", "l", "m", "n", "r", "nd", "nt", "st", "ng",
    "ck", "ll",
];
const SUFFIXES: &[&str] = &[
    "s", "s", "s", "ed", "ed", "ing", "er", "ly", "tion", "ment", "ness", "al", "ous", "ive",
    "able", "ity", "ist", "ent", "ance",
];

impl Vocabulary {
    fn new(size: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed, &[0]);
        let mut seen: HashSet<String> = HashSet::with_capacity(size);
        let mut words: Vec<String> = Vec::with_capacity(size);
        let specials = ACCENTED_WORDS.len() + NUMBERS.len();
        for &w in FUNCTION_WORDS {
            seen.insert(w.to_string());
            words.push(w.to_string());
        }
        // The specials are placed at evenly spaced ranks between 300 and 300 + 150 per special.
        let special_at = |rank: usize| -> Option<usize> {
            let r = rank.checked_sub(300)?;
            (r % 150 == 0 && r / 150 < specials).then_some(r / 150)
        };
        while words.len() < size {
            if let Some(k) = special_at(words.len()) {
                let w = ACCENTED_WORDS
                    .get(k)
                    .copied()
                    .unwrap_or_else(|| NUMBERS[k - ACCENTED_WORDS.len()]);
                seen.insert(w.to_string());
                words.push(w.to_string());
                continue;
            }
            let word = invent_word(words.len(), &mut rng);
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let weights: Vec<f64> = (0..size)
            .map(|rank| 1.0 / (rank as f64 + 2.7).powf(1.0))
            .collect();
        Vocabulary {
            words,
            alias: AliasTable::new(&weights),
        }
    }

    fn sample(&self, rng: &mut Rng) -> u32 {
        self.alias.sample(rng) as u32
    }

    fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }
}

/// A pronounceable word; frequent ranks get shorter words, as in real languages, and about a
/// third of the words carry an English-looking suffix.
fn invent_word(rank: usize, rng: &mut Rng) -> String {
    let syllables = match rank {
        0..=1999 => 1 + rng.below(2),
        _ => 2 + u64::from(rng.below(4) == 0),
    };
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(pick(ONSETS, rng));
        word.push_str(pick(NUCLEI, rng));
        word.push_str(pick(CODAS, rng));
    }
    if rank >= 300 && rng.below(3) == 0 {
        word.push_str(pick(SUFFIXES, rng));
    }
    word
}

fn pick<'a>(items: &[&'a str], rng: &mut Rng) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// Vose's alias method: sampling from a discrete distribution with one random number, one
/// table lookup and one comparison.
#[derive(Debug, Clone)]
struct AliasTable {
    /// Probability (scaled to u64) of keeping column `i` rather than taking its alias.
    keep: Vec<u64>,
    alias: Vec<u32>,
}

impl AliasTable {
    fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut keep = vec![u64::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = (scaled[s] * u64::MAX as f64) as u64;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        AliasTable { keep, alias }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let column = rng.below(self.keep.len() as u64) as usize;
        if rng.next_u64() <= self.keep[column] {
            column
        } else {
            self.alias[column] as usize
        }
    }
}

/// SplitMix64: tiny, fast, and good enough for test data; seeded from the corpus seed and a
/// stream path, so every (purpose, index) gets an independent stream.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: &[u64]) -> Self {
        let mut state = mix(seed ^ 0x5EED_5EED_5EED_5EED);
        for &s in stream {
            state = mix(state ^ mix(s.wrapping_add(0x9E37_79B9_7F4A_7C15)));
        }
        Rng(state)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-32 for our n).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `x` rounded up or down at random, so the expectation is `x`.
    fn round(&mut self, x: f64) -> usize {
        let floor = x.floor();
        floor as usize + usize::from(self.unit() < x - floor)
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::ShingleSet;
    use crate::tokenize::tokenize;
    use crate::verify::SetOverlap;

    fn small(docs: usize, seed: u64) -> Synth {
        Synth::new(SynthConfig {
            min_words: 300,
            max_words: 700,
            near_duplicates: 0.3,
            passages: 0.3,
            ..SynthConfig::new(docs, seed)
        })
    }

    fn shingles(text: &str) -> ShingleSet {
        ShingleSet::from_tokens(&tokenize(text.as_bytes()), TRUTH_NGRAM)
    }

    fn all_truth(synth: &Synth) -> Vec<Truth> {
        (0..synth.config().docs)
            .flat_map(|i| synth.document(i).truth)
            .collect()
    }

    fn index_of(name: &str) -> usize {
        name.trim_start_matches("docs/")[5..13].parse().unwrap()
    }

    #[test]
    fn same_seed_same_corpus_other_seed_other_corpus() {
        let a = small(150, 42);
        let b = small(150, 42);
        let c = small(150, 43);
        for i in [0, 1, 63, 64, 149] {
            assert_eq!(a.document(i), b.document(i));
            assert_ne!(a.document(i).text, c.document(i).text);
        }
        assert_eq!(all_truth(&a), all_truth(&b));
    }

    #[test]
    fn written_corpus_is_identical_across_runs() {
        let synth = small(70, 9);
        let (x, y) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let sx = synth.write(x.path()).unwrap();
        let sy = synth.write(y.path()).unwrap();
        assert_eq!(sx, sy);
        assert_eq!(sx.docs, 70);
        for name in ["truth.jsonl", "manifest.json", "docs/0000/00000069.txt"] {
            let read = |d: &Path| std::fs::read(d.join(name)).unwrap();
            assert_eq!(read(x.path()), read(y.path()), "{name}");
        }
        let truth = std::fs::read_to_string(x.path().join("truth.jsonl")).unwrap();
        assert_eq!(truth.lines().count(), sx.near_duplicates + sx.passages);
        assert!(truth.lines().next().unwrap().starts_with("{\"type\":"));
    }

    #[test]
    fn planted_jaccard_is_what_the_tokenizer_measures() {
        let synth = small(256, 1);
        let mut checked = 0;
        for truth in all_truth(&synth) {
            let Truth::NearDuplicate {
                a,
                b,
                jaccard,
                target,
                ..
            } = truth
            else {
                continue;
            };
            let text = |name: &str| synth.document(index_of(name)).text;
            let measured = SetOverlap::of(&shingles(&text(&a)), &shingles(&text(&b))).jaccard();
            assert_eq!(measured, jaccard, "{a} {b}");
            assert!(jaccard <= target + 1e-12, "{a} {b}: {jaccard} > {target}");
            assert!(
                target - jaccard < 0.01,
                "{a} {b}: {jaccard} far below {target}"
            );
            checked += 1;
        }
        assert!(checked >= 25, "only {checked} pairs");
    }

    #[test]
    fn planted_passages_have_the_same_words_at_both_spans() {
        let synth = small(256, 2);
        let mut checked = 0;
        for truth in all_truth(&synth) {
            let Truth::Passage {
                source,
                target,
                words,
                source_span,
                target_span,
            } = truth
            else {
                continue;
            };
            let hashes = |name: &str, span: Span| -> Vec<u64> {
                let text = synth.document(index_of(name)).text;
                tokenize(&text.as_bytes()[span.start..span.end])
                    .iter()
                    .map(|t| t.hash)
                    .collect()
            };
            let (from, to) = (hashes(&source, source_span), hashes(&target, target_span));
            assert_eq!(from.len(), words);
            assert_eq!(from, to, "{source} -> {target}");
            let overlap = SetOverlap::of(
                &shingles(&synth.document(index_of(&source)).text),
                &shingles(&synth.document(index_of(&target)).text),
            );
            // The passage's windows are shared, and (nearly) nothing else.
            assert!(overlap.shared + TRUTH_NGRAM > words, "{source} -> {target}");
            assert!(overlap.shared <= words + 2, "{source} -> {target}");
            checked += 1;
        }
        assert!(checked >= 25, "only {checked} passages");
    }

    #[test]
    fn every_vocabulary_word_is_one_token() {
        let vocab = Vocabulary::new(5000, 3);
        for (id, word) in vocab.words.iter().enumerate() {
            let tokens = tokenize(word.as_bytes());
            assert_eq!(tokens.len(), 1, "{word}");
            assert_eq!(tokens[0].span(), 0..word.len(), "{word}");
            let cap = capitalise(word);
            assert_eq!(tokenize(cap.as_bytes())[0].hash, tokens[0].hash, "{id}");
        }
    }

    #[test]
    fn word_frequencies_follow_zipf() {
        let vocab = Vocabulary::new(50_000, 4);
        let mut rng = Rng::new(4, &[99]);
        let draws = 200_000;
        let mut counts = vec![0u32; 50_000];
        for _ in 0..draws {
            counts[vocab.sample(&mut rng) as usize] += 1;
        }
        let total: f64 = (0..50_000).map(|r| 1.0 / (r as f64 + 2.7)).sum();
        for rank in [0, 1, 9] {
            let expected = draws as f64 / (rank as f64 + 2.7) / total;
            let got = counts[rank] as f64;
            assert!(
                (got - expected).abs() < 5.0 * expected.sqrt(),
                "rank {rank}"
            );
        }
        assert_eq!(vocab.word(0), "the");
    }

    #[test]
    fn documents_have_realistic_lengths_and_roles_are_balanced() {
        let synth = Synth::new(SynthConfig::new(640, 5));
        let lens: Vec<usize> = (0..64)
            .map(|i| tokenize(synth.document(i).text.as_bytes()).len())
            .collect();
        assert!(lens.iter().all(|&n| (300..=3100).contains(&n)), "{lens:?}");
        let roles: Vec<Role> = (0..640).map(|i| synth.role(i)).collect();
        let copies = roles
            .iter()
            .filter(|r| matches!(r, Role::CopyOf(_)))
            .count();
        let passages = roles
            .iter()
            .filter(|r| matches!(r, Role::PassageFrom(_)))
            .count();
        assert!((20..=44).contains(&copies), "{copies}");
        assert!((20..=44).contains(&passages), "{passages}");
        // Originals and sources are plain documents used once.
        let mut used = HashSet::new();
        for r in &roles {
            if let Role::CopyOf(j) | Role::PassageFrom(j) = *r {
                assert_eq!(roles[j], Role::Plain);
                assert!(used.insert(j));
            }
        }
    }

    #[test]
    fn word_jaccard_counts_windows() {
        assert_eq!(word_jaccard(&[1, 2, 3, 4, 5], &[1, 2, 3, 4, 5]), 1.0);
        assert_eq!(
            word_jaccard(&[1, 2, 3, 4, 5, 6], &[1, 2, 3, 4, 5, 7]),
            1.0 / 3.0
        );
        assert_eq!(word_jaccard(&[1, 2, 3], &[1, 2, 3]), 0.0);
    }
}
