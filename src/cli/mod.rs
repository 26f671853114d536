//! The command line: clap definitions resolved once into library configs, then one module per
//! subcommand. Nothing below this layer knows about clap.

mod args;
mod check;
mod generate;
mod index;
mod output;
mod progress;
mod scan;
mod select;

use clap::Parser;
use std::process::ExitCode;

pub use args::{Cli, Command};

/// Exit status as grep and diff use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing found.
    Clean,
    /// Duplicates or overlaps found.
    Found,
    /// An error happened (it wins over findings).
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(match status {
            ExitStatus::Clean => 0,
            ExitStatus::Found => 1,
            ExitStatus::Error => 2,
        })
    }
}

/// Runs the command line and turns every failure into one `dedup: ...` line and exit status 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    let result = match &cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Completions { shell } => print_with(|out| generate::completions(*shell, out)),
        Command::Man { command } => print_with(|out| generate::man(command.as_deref(), out)),
        Command::Index(command) => index::run(command),
        Command::Check(args) => check::run(args),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            error_line(&format!("dedup: {err:#}"));
            ExitStatus::Error.into()
        }
    }
}

/// Runs `write` against stdout, for the commands whose whole output is one generated file.
fn print_with(
    write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<ExitStatus> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write(&mut out)?;
    std::io::Write::flush(&mut out)?;
    Ok(ExitStatus::Clean)
}

/// A bad option value (`--threshold 1.5`) is one line, `dedup: invalid value ...`, and exit
/// status 2 before any work; help, version and other usage errors keep clap's own output.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if !matches!(
        err.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        err.exit();
    }
    let rendered = err.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let message = message.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    error_line(&format!("dedup: {message}"));
    ExitStatus::Error.into()
}

/// Writes one line to stderr. Unlike `eprintln!`, never panics: with stderr closed
/// (`dedup scan ... 2>&1 | head -1`) there is nobody left to tell.
pub fn error_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A closed pipe (`dedup scan ... | head -1`) ends the run quietly, as it does for ripgrep.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Lines of one kind (same file, same reason, same severity) printed before the rest are counted
/// in one line: the `truth.jsonl` beside the 100k real-text corpus, whose 15,595 records all lack
/// `--text-field`, says so in four lines, not 15,595. `--format jsonl` lists every one.
const SHOWN_PER_KIND: usize = 3;

/// Prints a scan's or check's diagnostics to stderr, warnings only when `warnings` is true, at
/// most [`SHOWN_PER_KIND`] of each kind.
fn print_diagnostics(diagnostics: &[dedup::corpus::Diagnostic], warnings: bool) {
    let shown = diagnostics
        .iter()
        .filter(|d| warnings || d.severity == dedup::corpus::Severity::Error);
    for line in diagnostic_lines(shown) {
        error_line(&dedup::report::human::terminal_safe(&line));
    }
}

/// The stderr lines of `diagnostics`, in their order, each kind cut to [`SHOWN_PER_KIND`] lines;
/// then, for each kind cut, one line counting the rest.
fn diagnostic_lines<'a>(
    diagnostics: impl Iterator<Item = &'a dedup::corpus::Diagnostic>,
) -> Vec<String> {
    use std::collections::HashMap;
    type Kind<'k> = (&'k str, String, dedup::corpus::Severity);
    let mut seen: HashMap<Kind<'_>, usize> = HashMap::new();
    let mut kinds = Vec::new();
    let mut lines = Vec::new();
    for d in diagnostics {
        let file = dedup::corpus::record_path(&d.path).0;
        let key = (file, generic(&d.message), d.severity);
        let count = seen.entry(key.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            kinds.push(key);
        }
        if *count <= SHOWN_PER_KIND {
            lines.push(format!("dedup: {}: {}", d.path, d.message));
        }
    }
    for key in kinds {
        let more = seen[&key].saturating_sub(SHOWN_PER_KIND);
        if more > 0 {
            let (file, message, _) = key;
            let records = if more == 1 { "record" } else { "records" };
            lines.push(format!(
                "dedup: {file}: {message} ({more} more {records} like this; --format jsonl lists them all)"
            ));
        }
    }
    lines
}

/// A diagnostic's message with its numbers as `N`: records of one file that fail to parse at
/// different columns are one kind.
fn generic(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_number = false;
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dedup::corpus::Diagnostic;

    #[test]
    fn a_file_of_records_without_text_is_told_in_a_few_lines() {
        let mut diagnostics: Vec<Diagnostic> = (1..=1000)
            .map(|line| {
                Diagnostic::warning(format!("truth.jsonl:{line}"), "skipped: no field \"text\"")
            })
            .collect();
        diagnostics.push(Diagnostic::warning("a.bin", "skipped: binary file"));
        let lines = diagnostic_lines(diagnostics.iter());
        assert_eq!(
            lines,
            [
                "dedup: truth.jsonl:1: skipped: no field \"text\"",
                "dedup: truth.jsonl:2: skipped: no field \"text\"",
                "dedup: truth.jsonl:3: skipped: no field \"text\"",
                "dedup: a.bin: skipped: binary file",
                "dedup: truth.jsonl: skipped: no field \"text\" (997 more records like this; --format jsonl lists them all)",
            ]
        );
    }

    #[test]
    fn different_reasons_and_files_are_counted_apart() {
        let diagnostics: Vec<Diagnostic> = (1..=5)
            .flat_map(|line| {
                [
                    Diagnostic::warning(format!("a.jsonl:{line}"), "skipped: no field \"text\""),
                    Diagnostic::warning(format!("b.jsonl:{line}"), "skipped: no field \"text\""),
                    Diagnostic::error(format!("a.jsonl:{line}"), "invalid JSON"),
                ]
            })
            .collect();
        let lines = diagnostic_lines(diagnostics.iter());
        assert_eq!(lines.len(), 9 + 3, "{lines:#?}");
        assert!(lines[9..]
            .iter()
            .all(|l| l.contains("(2 more records like this")));
    }

    #[test]
    fn records_failing_at_different_columns_are_one_kind() {
        let diagnostics: Vec<Diagnostic> = (1..=4)
            .map(|line| {
                let column = 10 * line;
                Diagnostic::warning(
                    format!("a.jsonl:{line}"),
                    format!("skipped: not JSON (EOF while parsing a string at column {column})"),
                )
            })
            .collect();
        let lines = diagnostic_lines(diagnostics.iter());
        assert_eq!(lines.len(), 4, "{lines:#?}");
        assert_eq!(
            lines[3],
            "dedup: a.jsonl: skipped: not JSON (EOF while parsing a string at column N) (1 more record like this; --format jsonl lists them all)"
        );
    }

    #[test]
    fn file_of_strips_a_record_number_only() {
        let file_of = |path| dedup::corpus::record_path(path).0;
        assert_eq!(file_of("corpus.jsonl:17"), "corpus.jsonl");
        assert_eq!(file_of("notes.txt"), "notes.txt");
        assert_eq!(file_of("c:dir"), "c:dir");
        assert_eq!(file_of("odd:"), "odd:");
        assert_eq!(file_of(":12"), ":12");
    }
}
