//! `--emit keep|drop` and `--write-deduped FILE`: acting on the duplicates found.

use super::args::Emit;
use super::output::write_atomically;
use anyhow::{bail, Context};
use dedup::corpus::input::{Compression, Encoder};
use dedup::corpus::jsonl::copy_without;
use dedup::corpus::{discover, FileKind, SourceFile, WalkOptions};
use dedup::findings::ScanReport;
use dedup::selection::Selection;
use std::io::{self, Write};
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

/// Writes every line of `inputs` except the dropped documents to `output`, atomically.
pub fn write_deduped(
    output: &Path,
    inputs: &[SourceFile],
    report: &ScanReport,
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
    write_atomically(output, |out| {
        let mut encoder = Encoder::new(out, Compression::for_output(output))?;
        for file in inputs {
            copy_without(&file.path, lines_of(&file.path), &mut encoder)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
        }
        encoder.finish()?;
        Ok(())
    })
    .context("--write-deduped")
}
