//! `dedup scan PATH...`.

use super::args::{Format, ScanArgs};
use super::output::emit;
use super::ExitStatus;
use dedup::report::{human, jsonl};
use dedup::scan::scan;

/// Scans, prints the report and the diagnostics, and says how the run ended.
pub fn run(args: &ScanArgs) -> anyhow::Result<ExitStatus> {
    let config = args.sketch.to_config(&args.walk)?;
    configure_threads(args.output.jobs)?;
    let report = scan(&args.paths, &config)?;
    for diagnostic in &report.diagnostics {
        super::error_line(&format!(
            "dedup: {}: {}",
            diagnostic.path, diagnostic.message
        ));
    }
    emit(&args.output, |out, color| match args.output.format {
        Format::Human => {
            let palette = if color {
                human::Palette::colored()
            } else {
                human::Palette::plain()
            };
            human::write(&report, palette, out)
        }
        Format::Jsonl => jsonl::write(&report, out),
    })?;
    Ok(if report.has_errors() {
        ExitStatus::Error
    } else if report.has_findings() {
        ExitStatus::Found
    } else {
        ExitStatus::Clean
    })
}

/// Sizes rayon's global pool; `--jobs 0` or no value means one thread per core.
pub fn configure_threads(jobs: Option<usize>) -> anyhow::Result<()> {
    if let Some(jobs) = jobs.filter(|&j| j > 0) {
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()
            .map_err(|e| anyhow::anyhow!("--jobs {jobs}: {e}"))?;
    }
    Ok(())
}
