//! Where reports go: stdout, or a file written to a temporary name and renamed into place (a
//! device or FIFO written into).

use super::args::{ColorChoice, OutputArgs};
use dedup::destination::{destination, folder_of, Destination};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Runs `write` against stdout or `--output FILE`. A file is written to a temporary file in the
/// same folder and renamed, so a failed run never leaves a half-written report.
pub fn emit(
    args: &OutputArgs,
    write: impl FnOnce(&mut dyn Write, bool) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    emit_to(args.output.as_deref(), args.color, write)
}

/// [`emit`] for commands with their own output options.
pub fn emit_to(
    output: Option<&Path>,
    color: ColorChoice,
    write: impl FnOnce(&mut dyn Write, bool) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => write_atomically(path, |out| write(out, color == ColorChoice::Always)),
        None => {
            let stdout = std::io::stdout();
            let color = match color {
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

/// Writes a file through a temporary file in the same folder and an atomic rename; a device,
/// FIFO or socket (`/dev/null`, a named pipe) is written into instead, as renaming over it would
/// replace it ([`dedup::destination`]), and a symlink's target is replaced, not the link.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let shown = path.display();
    let failed = |what: &str, err: std::io::Error| {
        anyhow::anyhow!("{shown}: {what}: {}", dedup::corpus::io_reason(&err))
    };
    let target = match destination(path).map_err(|e| failed("cannot resolve the link", e))? {
        Destination::Replace(target) => target,
        Destination::InPlace => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| failed("cannot open", e))?;
            return write_buffered(&mut file, write).map_err(|e| failed("write failed", e));
        }
    };
    let path = target.as_path();
    let mut temp = temp_file_in(folder_of(path), path)
        .map_err(|e| failed("cannot create a temporary file", e))?;
    write_buffered(temp.as_file_mut(), write).map_err(|e| failed("write failed", e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| failed("write failed", e))?;
    temp.persist(path)
        .map_err(|e| anyhow::anyhow!("{shown}: {}", dedup::corpus::io_reason(&e.error)))?;
    Ok(())
}

/// Runs `write` against `file` through a buffer, flushed.
fn write_buffered(
    file: &mut std::fs::File,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)?;
    out.flush()
}

/// A temporary file in `folder` with the permissions a new file would get (those of the file it
/// replaces, or 0644), not the 0600 temporary files are created with.
fn temp_file_in(folder: &Path, target: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dedup-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o644);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = target;
    builder.tempfile_in(folder)
}
