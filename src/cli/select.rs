//! `--emit keep|drop` and `--write-deduped FILE [--cut-passages]`: acting on the duplicates found.

use super::args::Emit;
use super::output::write_atomically;
use anyhow::{bail, Context};
use dedup::corpus::input::{Compression, Encoder};
use dedup::corpus::jsonl::copy_edited;
use dedup::corpus::{discover, FileKind, SourceFile, WalkOptions};
use dedup::findings::ScanReport;
use dedup::selection::{passage_cuts, Selection};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Prints the names of the documents to keep or to drop, in document order, each ended by a
/// newline or, with `null`, by a NUL byte.
pub fn write_names(
    report: &ScanReport,
    which: Emit,
    null: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let selection = Selection::of(report);
    let ids: Box<dyn Iterator<Item = _>> = match which {
        Emit::Keep => Box::new(selection.kept()),
        Emit::Drop => Box::new(selection.dropped()),
    };
    let end: &[u8] = if null { b"\0" } else { b"\n" };
    for doc in ids {
        out.write_all(report.path(doc).as_bytes())?;
        out.write_all(end)?;
    }
    Ok(())
}

/// The JSON Lines files a deduplicated copy is made from, checked before any work is done: all
/// must be JSON Lines, and none may be the output file.
pub fn deduped_inputs(
    output: &Path,
    paths: &[PathBuf],
    walk: &WalkOptions,
) -> anyhow::Result<Vec<SourceFile>> {
    let (files, _) = discover(paths, walk);
    for file in &files {
        if walk.input.kind_of(&file.path) != FileKind::Jsonl {
            bail!(
                "{}: --write-deduped needs JSON Lines input (.jsonl, .ndjson, or --input-format jsonl)",
                file.display()
            );
        }
        if same_file::is_same_file(output, &file.path).unwrap_or(false) {
            bail!(
                "{}: --write-deduped would overwrite an input file",
                output.display()
            );
        }
    }
    Ok(files)
}

/// Writes every line of `inputs` except the dropped documents to `output`, atomically; with
/// `cut_passages`, the records kept lose the passages [`passage_cuts`] names from their
/// `text_field`.
pub fn write_deduped(
    output: &Path,
    inputs: &[SourceFile],
    report: &ScanReport,
    cut_passages: bool,
    text_field: &str,
) -> anyhow::Result<()> {
    if report.has_errors() {
        bail!(
            "{}: not written: some input could not be read",
            output.display()
        );
    }
    let dropped = Selection::of(report).dropped_lines(report);
    let lines_of = |path: &Path| -> &[u64] {
        dropped
            .binary_search_by(|(p, _)| p.as_path().cmp(path))
            .map_or(&[], |i| &dropped[i].1)
    };
    let selection = Selection::of(report);
    let cuts = if cut_passages {
        passage_cuts(report, &selection)
    } else {
        Vec::new()
    };
    // (file, line, ranges), files and lines ascending.
    let mut cut_lines: Vec<(&Path, u64, &[Range<u32>])> = cuts
        .iter()
        .filter_map(|(doc, ranges)| {
            let source = &report.documents[doc.index()].source;
            Some((
                source.path.as_path(),
                source.record.as_ref()?.line,
                &ranges[..],
            ))
        })
        .collect();
    cut_lines.sort_unstable_by_key(|&(path, line, _)| (path, line));
    let cuts_of = |path: &Path| -> Vec<(u64, &[Range<u32>])> {
        let from = cut_lines.partition_point(|c| c.0 < path);
        cut_lines[from..]
            .iter()
            .take_while(|c| c.0 == path)
            .map(|&(_, line, ranges)| (line, ranges))
            .collect()
    };
    write_atomically(output, |out| {
        let mut encoder = Encoder::new(out, Compression::for_output(output))?;
        for file in inputs {
            copy_edited(
                &file.path,
                lines_of(&file.path),
                &cuts_of(&file.path),
                text_field,
                &mut encoder,
            )
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
        }
        encoder.finish()?;
        Ok(())
    })
    .context("--write-deduped")
}
