//! Argument definitions (clap derive) and their resolution into library configs.

use clap::{Args, Parser, Subcommand, ValueEnum};
use dedup::corpus::input::DEFAULT_TEXT_FIELD;
use dedup::corpus::{InputFormat, InputOptions, WalkOptions, DEFAULT_MAX_BYTES};
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

    /// Text found in more documents than this is boilerplate: it creates no pairs and is counted
    /// in the summary instead.
    #[arg(long, default_value_t = DEFAULT_MAX_DF as u32, value_parser = clap::value_parser!(u32).range(2..))]
    pub max_df: u32,

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
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    let value: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(format!("{value} is not in (0, 1]"))
    }
}

impl SketchArgs {
    /// The scan configuration these options describe (not yet validated).
    pub fn to_config(&self, walk: &WalkArgs) -> anyhow::Result<ScanConfig> {
        let perms = usize::from(self.perms);
        let lsh = match self.bands {
            Some(bands) => LshParams::with_bands(bands, perms).map_err(anyhow::Error::msg)?,
            None => LshParams::for_threshold(self.threshold, perms),
        };
        let config = ScanConfig {
            threshold: self.threshold,
            ngram: usize::from(self.ngram),
            perms,
            seed: self.seed,
            lsh,
            overlap: !self.no_overlap,
            min_words: self.min_words as usize,
            max_df: self.max_df as usize,
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
        }
    }
}
