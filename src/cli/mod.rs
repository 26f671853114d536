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
    let cli = Cli::parse();
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
            eprintln!("dedup: {err:#}");
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

/// A closed pipe (`dedup scan ... | head -1`) ends the run quietly, as it does for ripgrep.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
