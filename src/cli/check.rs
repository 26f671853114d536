//! `dedup check --index FILE PATH...`.

use super::args::{CheckArgs, CheckFormat};
use super::output::{emit_to, write_atomically};
use super::scan::configure_threads;
use super::ExitStatus;
use dedup::check::{check_path, Baseline};
use dedup::report::{check_human, check_jsonl, human, sarif};

/// Checks, prints the report, writes the baseline if asked, and says how the run ended.
pub fn run(args: &CheckArgs) -> anyhow::Result<ExitStatus> {
    configure_threads(args.jobs)?;
    let fail_on = args.fail_on();
    let baseline = args.baseline.as_deref().map(Baseline::read).transpose()?;
    let mut report = check_path(&args.index, &args.paths, &args.to_options())?;
    if let Some(baseline) = &baseline {
        report.apply_baseline(baseline);
    }
    super::print_diagnostics(&report.diagnostics, true);
    emit_to(
        args.output.as_deref(),
        args.color,
        |out, color| match args.format {
            CheckFormat::Human => {
                let palette = if color {
                    human::Palette::colored()
                } else {
                    human::Palette::plain()
                };
                check_human::write(&report, &fail_on, palette, out)
            }
            CheckFormat::Jsonl => check_jsonl::write(&report, &fail_on, out),
            CheckFormat::Sarif => sarif::write(&report, &fail_on, baseline.is_some(), out),
        },
    )?;
    if let Some(path) = &args.write_baseline {
        let written = report.baseline();
        write_atomically(path, |out| out.write_all(written.to_jsonl().as_bytes()))?;
        super::error_line(&format!(
            "dedup: {}: recorded {} finding key(s) as known",
            path.display(),
            written.len()
        ));
    }
    Ok(if report.has_errors() {
        ExitStatus::Error
    } else if args.write_baseline.is_none() && report.failing(&fail_on) > 0 {
        ExitStatus::Found
    } else {
        ExitStatus::Clean
    })
}
