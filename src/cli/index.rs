//! `dedup index build|add|stats`.

use super::args::{IndexAddArgs, IndexBuildArgs, IndexCommand, IndexStatsArgs};
use super::scan::configure_threads;
use super::ExitStatus;
use dedup::index::{self, BuildReport, Index};
use dedup::report::human::human_bytes;
use std::io::Write;
use std::path::Path;

/// Runs one index subcommand.
pub fn run(command: &IndexCommand) -> anyhow::Result<ExitStatus> {
    match command {
        IndexCommand::Build(args) => build(args),
        IndexCommand::Add(args) => add(args),
        IndexCommand::Stats(args) => stats(args),
    }
}

fn build(args: &IndexBuildArgs) -> anyhow::Result<ExitStatus> {
    if args.sketch.no_overlap {
        anyhow::bail!("--no-overlap does not apply to an index: it always stores fingerprints");
    }
    configure_threads(args.jobs)?;
    let config = args.sketch.to_config(&args.walk)?;
    let report = index::build(&args.paths, &args.output, &config)?;
    finish(&report, &args.output, "indexed")
}

fn add(args: &IndexAddArgs) -> anyhow::Result<ExitStatus> {
    configure_threads(args.jobs)?;
    let report = index::add(&args.index, &args.paths, &args.walk.to_options())?;
    finish(&report, &args.index, "added")
}

/// Prints what a build or add did; problems go to stderr.
fn finish(report: &BuildReport, index: &Path, verb: &str) -> anyhow::Result<ExitStatus> {
    let shown = index.display();
    // Every one: an index build has no other listing of them.
    for d in &report.diagnostics {
        super::error_line(&format!("dedup: {}: {}", d.path, d.message));
    }
    for name in &report.already_indexed {
        super::error_line(&format!("dedup: {name}: already in {shown}, not added"));
    }
    if report.stale_removed > 0 {
        super::error_line(&format!(
            "dedup: {shown}: removed {} temporary file(s) left by an interrupted run",
            report.stale_removed
        ));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{verb} {} ({}) into {shown}: {} in {:.2} s",
        plural(report.added, "document"),
        human_bytes(report.bytes),
        plural(report.total, "document"),
        report.elapsed.as_secs_f64()
    )?;
    Ok(if report.has_errors() {
        ExitStatus::Error
    } else {
        ExitStatus::Clean
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn stats(args: &IndexStatsArgs) -> anyhow::Result<ExitStatus> {
    let index = Index::open(&args.index)?;
    let p = index.params();
    let sizes = index.sizes();
    let winnow = p.winnow();
    let beyond_text = index.file_len() - sizes.text;
    let per_doc = if index.is_empty() {
        0
    } else {
        beyond_text / index.len() as u64
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "index         {}", args.index.display())?;
    writeln!(out, "format        version {}", index::FORMAT_VERSION)?;
    writeln!(
        out,
        "documents     {} in {} ({} of text, {} words)",
        index.len(),
        plural(index.segments(), "segment"),
        human_bytes(sizes.text),
        index.words()
    )?;
    writeln!(
        out,
        "size on disk  {} ({} bytes): text {}, band keys {}, fingerprints {}, records and names \
         {}, header, params and footer {}",
        human_bytes(index.file_len()),
        index.file_len(),
        human_bytes(sizes.text),
        human_bytes(sizes.band_keys),
        human_bytes(sizes.fingerprints),
        human_bytes(sizes.docs),
        human_bytes(sizes.overhead),
    )?;
    writeln!(out, "per document  {per_doc} bytes beyond the text")?;
    writeln!(
        out,
        "parameters    --ngram {} --perms {} --seed {} --threshold {} ({} bands x {} rows) \
         --min-words {} (winnowing k={}, w={}) --max-df {}",
        p.ngram,
        p.perms,
        p.seed,
        p.threshold,
        p.lsh.bands,
        p.lsh.rows,
        p.min_words,
        winnow.k,
        winnow.w,
        p.max_df
    )?;
    Ok(ExitStatus::Clean)
}
