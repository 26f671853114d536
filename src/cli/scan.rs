//! `dedup scan PATH...`.

use super::args::{Format, ScanArgs};
use super::output::emit;
use super::progress::ProgressReport;
use super::select::{deduped_inputs, write_deduped, write_names};
use super::ExitStatus;
use dedup::corpus::{reload_many, Rereader, WalkOptions};
use dedup::findings::ScanReport;
use dedup::progress::NoProgress;
use dedup::report::{html, human, jsonl};
use dedup::scan::scan_with_progress;
use dedup::DocId;
use std::collections::HashMap;
use std::io::IsTerminal;

/// Scans, prints the report (or the names `--emit` asks for) and the diagnostics, writes the
/// deduplicated copy `--write-deduped` asks for, and says how the run ended.
pub fn run(args: &ScanArgs) -> anyhow::Result<ExitStatus> {
    let config = args.sketch.to_config(&args.walk)?;
    if args.select.cut_passages && !config.overlap {
        anyhow::bail!("--cut-passages needs the shared texts that --no-overlap turns off");
    }
    configure_threads(args.output.jobs)?;
    let deduped = match &args.select.write_deduped {
        Some(output) => Some((output, deduped_inputs(output, &args.paths, &config.walk)?)),
        None => None,
    };
    let report = if shows_progress(args) {
        let progress = ProgressReport::stderr();
        let report = scan_with_progress(&args.paths, &config, &progress);
        progress.finish();
        report?
    } else {
        scan_with_progress(&args.paths, &config, &NoProgress)?
    };
    super::print_diagnostics(&report.diagnostics, !args.output.quiet);
    if let (Some(field), false) = (&config.walk.input.id_field, args.output.quiet) {
        if let Some((shared, first)) = shared_ids(&report) {
            let first = human::terminal_safe(&first);
            super::error_line(&format!(
                "dedup: warning: {shared} records share their --id-field {field} with another (first: {first}); names in the output are ambiguous"
            ));
        }
    }
    emit(&args.output, |out, color| {
        match (args.select.emit, args.output.format) {
            (Some(which), _) => write_names(&report, which, args.select.null, out),
            (None, Format::Human) => {
                let palette = if color {
                    human::Palette::colored()
                } else {
                    human::Palette::plain()
                };
                let copies = copy_texts(&report, &config.walk);
                let copy_text = |copy: &human::CopyShown| copies.get(&copy_key(copy)).cloned();
                human::write_with_copies(&report, palette, &copy_text, out)
            }
            (None, Format::Jsonl) => jsonl::write(&report, out),
            (None, Format::Html) => {
                let texts = html_texts(&report, &config.walk);
                let text_of = |doc: dedup::DocId| texts.get(&doc).cloned();
                html::write(&report, &text_of, out)
            }
        }
    })?;
    if let Some((output, inputs)) = deduped {
        write_deduped(
            output,
            &inputs,
            &report,
            args.select.cut_passages,
            &config.walk.input.text_field,
        )?;
    }
    if args.timings {
        super::error_line(&timings(&report.summary));
    }
    let status = if report.has_errors() {
        ExitStatus::Error
    } else if report.has_findings() {
        ExitStatus::Found
    } else {
        ExitStatus::Clean
    };
    // Everything is written: the process ends next, and gives back the report's memory at once.
    // Freeing its small allocations one by one (a vector of occurrences and a text for every
    // group) took 0.13-0.21 s after a scan of the 100k real-text corpus (three runs).
    std::mem::forget(report);
    Ok(status)
}

/// The `--timings` table: each stage's wall time and share of the whole scan.
fn timings(summary: &dedup::findings::Summary) -> String {
    let total = summary.elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    let mut table = format!("{:<24} {:>10} {:>7}", "stage", "wall", "share");
    for stage in &summary.stages {
        let secs = stage.elapsed.as_secs_f64();
        // A part of the stage above it: indented.
        let name = format!(
            "{:indent$}{}",
            "",
            stage.stage,
            indent = 2 * stage.depth as usize
        );
        table.push_str(&format!(
            "\n{:<24} {:>8.3} s {:>6.1}%",
            name,
            secs,
            100.0 * secs / total
        ));
    }
    table.push_str(&format!("\n{:<24} {:>8.3} s", "scan", total));
    table
}

/// How many records have an id that another record has too, and the first such id.
fn shared_ids(report: &ScanReport) -> Option<(usize, String)> {
    let mut ids: Vec<(&str, usize)> = report
        .documents
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((d.source.record.as_ref()?.id.as_str(), i)))
        .collect();
    ids.sort_unstable();
    let shared: Vec<&[(&str, usize)]> = ids
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|run| run.len() > 1)
        .collect();
    let first = shared.iter().min_by_key(|run| run[0].1)?[0].0.to_string();
    Some((shared.iter().map(|run| run.len()).sum(), first))
}

/// A progress bar only for a person watching: stderr is a terminal, the output is not JSON, and
/// `--quiet` is off.
fn shows_progress(args: &ScanArgs) -> bool {
    !args.output.quiet
        && (args.output.format == Format::Human || args.select.emit.is_some())
        && std::io::stderr().is_terminal()
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

/// The line the human report shows under each edited or partial copy of a shared text
/// ([`human::copy_line`]), by [`copy_key`].
/// Documents are read again in batches of about [`COPY_BATCH_BYTES`], a compressed JSON Lines
/// file decoded once for as many batches as it can (a `Rereader`); only the lines stay. A
/// document whose size changed since the scan shows no line: its bytes no longer say what the
/// scan found there.
fn copy_texts(report: &ScanReport, walk: &WalkOptions) -> HashMap<CopyKey, String> {
    let mut places = human::copies_shown(report);
    places.sort_unstable_by_key(|c| (c.doc, c.at.start, c.at.end));
    let by_doc: Vec<&[human::CopyShown]> = places.chunk_by(|x, y| x.doc == y.doc).collect();
    let mut batches: Vec<Vec<&[human::CopyShown]>> = Vec::new();
    let mut held = 0;
    for copies in by_doc {
        let bytes = report.documents[copies[0].doc.index()].bytes;
        match batches.last_mut() {
            Some(batch) if held + bytes <= COPY_BATCH_BYTES => batch.push(copies),
            _ => {
                batches.push(vec![copies]);
                held = 0;
            }
        }
        held += bytes;
    }
    let sources = batches
        .iter()
        .map(|batch| {
            (batch.iter())
                .map(|copies| {
                    let info = &report.documents[copies[0].doc.index()];
                    (&info.source, info.bytes)
                })
                .collect()
        })
        .collect();
    let mut rereader = Rereader::new(sources, walk, COPY_BATCH_BYTES);
    let mut lines = HashMap::with_capacity(places.len());
    for batch in &batches {
        let loaded = rereader
            .next_batch()
            .expect("a batch of documents per batch of copies");
        for (copies, bytes) in batch.iter().zip(loaded) {
            let info = &report.documents[copies[0].doc.index()];
            let Some(bytes) = bytes.ok().filter(|b| b.len() as u64 == info.bytes) else {
                continue;
            };
            for copy in *copies {
                let Some(text) = bytes.get(copy.at.start as usize..copy.at.end as usize) else {
                    continue;
                };
                let shared = &report.groups[copy.group].text;
                if let Some(line) = human::copy_line(shared, &String::from_utf8_lossy(text)) {
                    lines.insert(copy_key(copy), line);
                }
            }
        }
    }
    lines
}

/// A copy of a shared text by text, document and byte range: nested texts can have copies that
/// start at the same byte of one document, or span the same bytes, each read as its own text.
type CopyKey = (usize, DocId, u32, u32);

fn copy_key(copy: &human::CopyShown) -> CopyKey {
    (copy.group, copy.doc, copy.at.start, copy.at.end)
}

/// Bytes of documents read again at once for [`copy_texts`].
const COPY_BATCH_BYTES: u64 = 64 << 20;

/// The text of every document the HTML report shows side by side, read again in one pass per
/// file (a compressed JSON Lines file is decompressed once).
fn html_texts(report: &ScanReport, walk: &WalkOptions) -> HashMap<DocId, Vec<u8>> {
    let docs = html::documents_shown(report);
    let sources: Vec<_> = docs
        .iter()
        .map(|d| &report.documents[d.index()].source)
        .collect();
    docs.into_iter()
        .zip(reload_many(&sources, walk))
        .filter_map(|(doc, text)| Some((doc, text.ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two shared texts with a copy over the same bytes of one document (nested texts can have
    /// such copies) each get the line read against their own text: here the second text reads
    /// as the copy does, so it shows no line, where a line keyed by place alone showed the
    /// first text's under it too.
    #[test]
    fn copies_of_two_texts_over_the_same_bytes_are_each_read_as_their_own() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let config = dedup::scan::ScanConfig::new(0.8);
        let mut report = dedup::scan::scan(&[seeds], &config).expect("seeds scan");
        let copies = human::copies_shown(&report);
        assert_eq!(copies.len(), 1, "{copies:?}");
        let edited = copies[0];
        let bytes = std::fs::read(report.path(edited.doc)).expect("seed readable");
        let copy = &bytes[edited.at.start as usize..edited.at.end as usize];
        let mut other = report.groups[edited.group].clone();
        other.text = String::from_utf8_lossy(copy).into_owned();
        other.words = 4; // not the copy's words: listed as a copy
        report.groups.push(other);
        let copies: Vec<human::CopyShown> = human::copies_shown(&report)
            .into_iter()
            .filter(|c| c.doc == edited.doc)
            .collect();
        assert_eq!(copies.len(), 2, "{copies:?}");
        assert_eq!((copies[0].doc, copies[0].at), (copies[1].doc, copies[1].at));
        let lines = copy_texts(&report, &config.walk);
        let line_of = |copy: &human::CopyShown| lines.get(&copy_key(copy)).cloned();
        let own = line_of(&copies[0]).expect("the edited copy's line");
        assert!(own.contains("signed onto"), "{own}");
        assert_eq!(line_of(&copies[1]), None);
        let mut shown = Vec::new();
        human::write_with_copies(&report, human::Palette::plain(), &line_of, &mut shown)
            .expect("written");
        let shown = String::from_utf8(shown).expect("UTF-8");
        let copy_lines = shown.lines().filter(|l| *l == format!("      \"{own}\""));
        assert_eq!(copy_lines.count(), 1, "{shown}");
    }
}
