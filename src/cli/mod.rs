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
