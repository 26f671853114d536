//! `dedup completions SHELL` and `dedup man [SUBCOMMAND]`: generated from the clap definitions,
//! so they can never disagree with `--help`.

use super::args::Cli;
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "dedup", out);
    Ok(())
}

/// Writes the man page of `dedup`, or of one subcommand (`dedup-scan(1)`: building the command
/// gives subcommands that display name and the `dedup scan` synopsis).
pub fn man(subcommand: Option<&str>, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    command.build();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let names: Vec<String> = command
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            command.find_subcommand(name).cloned().with_context(|| {
                format!("man: no subcommand '{name}' (one of: {})", names.join(", "))
            })?
        }
    };
    clap_mangen::Man::new(page).render(out)?;
    Ok(())
}
