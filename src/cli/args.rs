//! Argument definitions (clap derive) and their resolution into library configs.

use clap::{Args, Parser, Subcommand, ValueEnum};
use dedup::check::CheckOptions;
use dedup::containment::DEFAULT_MIN_CONTAINMENT;
use dedup::corpus::input::DEFAULT_TEXT_FIELD;
use dedup::corpus::{InputFormat, InputOptions, WalkOptions, DEFAULT_MAX_BYTES};
use dedup::findings::PairKind;
use dedup::lsh::LshParams;
use dedup::scan::{ScanConfig, DEFAULT_MAX_DF, DEFAULT_MIN_WORDS, DEFAULT_SEED};
use std::path::PathBuf;

/// Find near-duplicate documents and shared passages in text corpora.
#[derive(Debug, Parser)]
#[command(name = "dedup", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find near-duplicate documents, shared passages and shared quotes under the given paths.
    ///
    /// Exit status: 0 nothing found, 1 something found, 2 an error (an error wins).
    Scan(ScanArgs),

    /// Build, extend or describe an index file (for `dedup check`).
    #[command(subcommand)]
    Index(IndexCommand),

    /// Check new documents against an index, and against each other: the pre-ingest filter for CI.
    ///
    /// Exit status: 0 nothing that fails the run, 1 a finding of a --fail-on kind that the
    /// baseline does not hold, 2 an error (an error wins).
    Check(CheckArgs),

    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    ///
    /// For bash: `dedup completions bash > ~/.local/share/bash-completion/completions/dedup`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print a man page (roff) to stdout: `dedup man | man -l -`, `dedup man scan > dedup-scan.1`.
    Man {
        /// The subcommand to document; the main page without one.
        #[arg(value_name = "SUBCOMMAND")]
        command: Option<String>,
    },
}

/// How to tell file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// JSON Lines for names ending in .jsonl or .ndjson (also .gz, .zst); plain text otherwise.
    Auto,
    /// Every file is one plain-text document.
    Text,
    /// Every file is JSON Lines, one document per line (gzip and zstd decoded).
    Jsonl,
}

/// Which documents `--emit` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// Every document that is not a duplicate of one kept.
    Keep,
    /// Every cluster member except the one to keep.
    Drop,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable report (colour on a terminal).
    Human,
    /// JSON Lines, one record per line (see DESIGN.md).
    Jsonl,
    /// One self-contained HTML page with side-by-side views (use with --output).
    Html,
}

/// When to colour the human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Options shared by every command that reads documents.
#[derive(Debug, Args)]
#[command(next_help_heading = "Similarity")]
pub struct SketchArgs {
    /// Report pairs whose exact Jaccard similarity of word n-grams reaches this.
    #[arg(short, long, default_value_t = 0.8, value_parser = parse_threshold)]
    pub threshold: f64,

    /// Words per shingle (n-gram length).
    #[arg(short = 'n', long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub ngram: u16,

    /// MinHash permutations (signature length). More: better estimates, slower.
    #[arg(short = 'k', long, default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub perms: u16,

    /// LSH bands; rows = perms / bands. Default: derived from --threshold so that a pair at the
    /// threshold becomes a candidate with probability >= 0.99.
    #[arg(short, long)]
    pub bands: Option<usize>,

    /// Seed of the MinHash permutations.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Shortest shared passage reported, in words (quoted text counts from 3 words).
    #[arg(short = 'm', long, default_value_t = DEFAULT_MIN_WORDS as u32, value_parser = clap::value_parser!(u32).range(3..=10_000))]
    pub min_words: u32,

    /// Shared text found in more documents than this is boilerplate: still listed (marked as
    /// such, one line each in the human report), but it makes no pairs.
    #[arg(long, default_value_t = DEFAULT_MAX_DF as u32, value_parser = clap::value_parser!(u32).range(2..))]
    pub max_df: u32,

    /// Report two documents as a pair when the (non-boilerplate) text they share covers at least
    /// this share of either of them. 0 reports every pair sharing any text: their number grows
    /// with the square of the corpus on real text.
    #[arg(long, default_value_t = DEFAULT_MIN_CONTAINMENT, value_parser = parse_fraction)]
    pub min_containment: f64,

    /// Find near-duplicates only: no shared passages or quotes (faster).
    #[arg(long)]
    pub no_overlap: bool,
}

/// Options for finding files.
#[derive(Debug, Args)]
#[command(next_help_heading = "Files")]
pub struct WalkArgs {
    /// Include or exclude files by glob (`*.txt`, `!*.log`), as ripgrep's --glob. Repeatable.
    #[arg(short, long = "glob", value_name = "GLOB")]
    pub globs: Vec<String>,

    /// Read hidden files and folders too.
    #[arg(long)]
    pub hidden: bool,

    /// Do not respect .gitignore, .ignore and other ignore files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links.
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Skip (with a warning) documents larger than this many bytes (JSON Lines: lines).
    #[arg(long, default_value_t = DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_bytes: u64,

    /// How to tell plain-text files (one document each) from JSON Lines files (one per line).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, value_name = "FORMAT")]
    pub input_format: InputFormatArg,

    /// JSON Lines: the field holding a document's text; a key, or a JSON Pointer (/doc/body).
    #[arg(long, default_value = DEFAULT_TEXT_FIELD, value_name = "FIELD")]
    pub text_field: String,

    /// JSON Lines: the field naming a document in the output; without it, PATH:LINE.
    #[arg(long, value_name = "FIELD")]
    pub id_field: Option<String>,
}

/// What to do with the duplicates found, besides reporting them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Deduplicating")]
pub struct SelectArgs {
    /// Instead of the report, print the documents to keep or to drop, one per line (ids for JSON
    /// Lines input). Drop: every cluster member except the one to keep; keep: all the others.
    #[arg(long, value_enum, value_name = "WHICH", conflicts_with = "format")]
    pub emit: Option<Emit>,

    /// With --emit, end each name with a NUL byte instead of a newline (for xargs -0).
    #[arg(short = '0', long, requires = "emit")]
    pub null: bool,

    /// Write the JSON Lines input to FILE without the dropped documents: every other line as it
    /// was, files in path order; gzip or zstd when FILE ends in .gz or .zst. Never an input file.
    #[arg(long, value_name = "FILE")]
    pub write_deduped: Option<PathBuf>,

    /// With --write-deduped, also cut repeated passages out of the documents kept, as
    /// exact-substring deduplication of training data does: every shared text (boilerplate
    /// included) stays at one place, its first whole copy in a document kept, and is cut everywhere
    /// else; edited copies are left as they are. Edited records are written again with their
    /// other fields as they were.
    #[arg(long, requires = "write_deduped")]
    pub cut_passages: bool,
}

/// Options for printing.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to use colours in the human format.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Worker threads (default: one per core). The output is identical for any value.
    #[arg(short, long)]
    pub jobs: Option<usize>,

    /// No progress bar and no warnings on stderr (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `dedup scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub sketch: SketchArgs,

    #[command(flatten)]
    pub walk: WalkArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Print the wall time of each stage of the scan to stderr (where the time goes).
    #[arg(long, help_heading = "Output")]
    pub timings: bool,
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    let value: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(format!("{value} is not in (0, 1]"))
    }
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    let value: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not in [0, 1]"))
    }
}

impl SketchArgs {
    /// The scan configuration these options describe (not yet validated).
    pub fn to_config(&self, walk: &WalkArgs) -> anyhow::Result<ScanConfig> {
        let perms = usize::from(self.perms);
        let lsh =
            LshParams::chosen(self.bands, self.threshold, perms).map_err(anyhow::Error::msg)?;
        let config = ScanConfig {
            threshold: self.threshold,
            ngram: usize::from(self.ngram),
            perms,
            seed: self.seed,
            lsh,
            overlap: !self.no_overlap,
            min_words: self.min_words as usize,
            max_df: self.max_df as usize,
            min_containment: self.min_containment,
            walk: walk.to_options(),
        };
        config.validate()?;
        Ok(config)
    }
}

impl WalkArgs {
    /// The library's walk and input options these arguments describe.
    pub fn to_options(&self) -> WalkOptions {
        WalkOptions {
            hidden: self.hidden,
            no_ignore: self.no_ignore,
            follow: self.follow,
            globs: self.globs.clone(),
            max_bytes: self.max_bytes,
            input: InputOptions {
                format: match self.input_format {
                    InputFormatArg::Auto => InputFormat::Auto,
                    InputFormatArg::Text => InputFormat::Text,
                    InputFormatArg::Jsonl => InputFormat::Jsonl,
                },
                text_field: self.text_field.clone(),
                id_field: self.id_field.clone(),
            },
            spools: Default::default(),
        }
    }
}

/// `dedup index ...`.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Index the documents under the given paths into one file (replacing it atomically).
    ///
    /// The parameters (--ngram, --perms, --seed, --threshold, --bands, --min-words, --max-df) are
    /// stored in the index and used by every later `add` and `check`.
    Build(IndexBuildArgs),
    /// Add the documents under the given paths to an index, without rebuilding it. Documents
    /// whose name the index already holds are left out (with a warning).
    Add(IndexAddArgs),
    /// Print an index's counts, parameters, size on disk and format version.
    Stats(IndexStatsArgs),
}

/// `dedup index build`.
#[derive(Debug, Args)]
pub struct IndexBuildArgs {
    /// Files and folders to index.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The index file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub sketch: SketchArgs,

    #[command(flatten)]
    pub walk: WalkArgs,

    /// Worker threads (default: one per core). The index is identical for any value.
    #[arg(short, long)]
    pub jobs: Option<usize>,
}

/// `dedup index add`.
#[derive(Debug, Args)]
pub struct IndexAddArgs {
    /// The index file to extend.
    #[arg(value_name = "INDEX")]
    pub index: PathBuf,

    /// Files and folders to add.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub walk: WalkArgs,

    /// Worker threads (default: one per core).
    #[arg(short, long)]
    pub jobs: Option<usize>,
}

/// `dedup index stats`.
#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// The index file.
    #[arg(value_name = "INDEX")]
    pub index: PathBuf,
}

/// Output format of `dedup check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Readable report (colour on a terminal).
    Human,
    /// JSON Lines, one record per line.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// A kind of finding, for --fail-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailKind {
    /// A new document with the same normalised text as another.
    Exact,
    /// A new document at or above the Jaccard threshold with another.
    NearDuplicate,
    /// A new document sharing a passage with another.
    Overlap,
}

impl FailKind {
    fn kind(self) -> PairKind {
        match self {
            FailKind::Exact => PairKind::ExactDuplicate,
            FailKind::NearDuplicate => PairKind::NearDuplicate,
            FailKind::Overlap => PairKind::Overlap,
        }
    }
}

/// `dedup check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The index to check against (built with `dedup index build`).
    #[arg(long, value_name = "FILE")]
    pub index: PathBuf,

    /// New files and folders to check.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Which findings fail the run (exit status 1); the others are still reported. Repeatable,
    /// or a comma-separated list. Default: all three.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND")]
    pub fail_on: Vec<FailKind>,

    /// Known findings (written by --write-baseline): only findings not in it fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in FILE (JSON Lines) as known; the run then exits 0 unless
    /// an error happened.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Near-duplicate threshold (default: the index's).
    #[arg(short, long, value_parser = parse_threshold)]
    pub threshold: Option<f64>,

    /// LSH bands (default: derived from the threshold).
    #[arg(short, long)]
    pub bands: Option<usize>,

    /// Boilerplate document frequency (default: the index's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    pub max_df: Option<u32>,

    /// Words per shingle: must be the index's (default: the index's).
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub ngram: Option<u16>,

    /// MinHash permutations: must be the index's (default: the index's).
    #[arg(short = 'k', long, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub perms: Option<u16>,

    /// MinHash seed: must be the index's (default: the index's).
    #[arg(long)]
    pub seed: Option<u64>,

    /// Shortest shared passage: must be the index's (default: the index's).
    #[arg(short = 'm', long, value_parser = clap::value_parser!(u32).range(3..=10_000))]
    pub min_words: Option<u32>,

    /// Report shared passages also where a near-duplicate match already covers them (by
    /// default the match alone reports that text).
    #[arg(long)]
    pub covered_passages: bool,

    #[command(flatten)]
    pub walk: WalkArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to use colours in the human format.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Worker threads (default: one per core). The output is identical for any value.
    #[arg(short, long)]
    pub jobs: Option<usize>,
}

impl CheckArgs {
    /// The library options these flags describe.
    pub fn to_options(&self) -> CheckOptions {
        CheckOptions {
            ngram: self.ngram.map(usize::from),
            perms: self.perms.map(usize::from),
            seed: self.seed,
            min_words: self.min_words.map(|v| v as usize),
            threshold: self.threshold,
            bands: self.bands,
            max_df: self.max_df.map(|v| v as usize),
            walk: self.walk.to_options(),
            covered_passages: self.covered_passages,
        }
    }

    /// The kinds that fail the run.
    pub fn fail_on(&self) -> Vec<PairKind> {
        if self.fail_on.is_empty() {
            return vec![
                PairKind::ExactDuplicate,
                PairKind::NearDuplicate,
                PairKind::Overlap,
            ];
        }
        let mut kinds: Vec<PairKind> = self.fail_on.iter().map(|k| k.kind()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}
