//! Where reports go: stdout, or a file written to a temporary name and renamed into place.

use super::args::{ColorChoice, OutputArgs};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Runs `write` against stdout or `--output FILE`. A file is written to a temporary file in the
/// same folder and renamed, so a failed run never leaves a half-written report.
pub fn emit(
    args: &OutputArgs,
    write: impl FnOnce(&mut dyn Write, bool) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => write_atomically(path, |out| write(out, args.color == ColorChoice::Always)),
        None => {
            let stdout = std::io::stdout();
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut out = std::io::BufWriter::new(stdout.lock());
            write(&mut out, color)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes a file through a temporary file in the same folder and an atomic rename.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let shown = path.display();
    let failed = |what: &str, err: std::io::Error| {
        anyhow::anyhow!("{shown}: {what}: {}", dedup::corpus::io_reason(&err))
    };
    let mut temp = tempfile::NamedTempFile::new_in(folder)
        .map_err(|e| failed("cannot create a temporary file", e))?;
    {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        write(&mut out).map_err(|e| failed("write failed", e))?;
        out.flush().map_err(|e| failed("write failed", e))?;
    }
    temp.as_file()
        .sync_all()
        .map_err(|e| failed("write failed", e))?;
    temp.persist(path)
        .map_err(|e| anyhow::anyhow!("{shown}: {}", dedup::corpus::io_reason(&e.error)))?;
    Ok(())
}
