//! Where a file that dedup writes goes: beside its final name and renamed into place, or, for a
//! device, FIFO or socket, straight into it.
//!
//! Reports (`--output`), deduplicated copies and indexes are written to a temporary file in the
//! target's folder and renamed over it, so a failed run never leaves half a file. A rename
//! replaces the directory entry, though, whatever it was: `--output /dev/null` would put a
//! regular file where the null device was (and every program on the machine that writes to
//! `/dev/null` would then fill it), `--output link` would turn a symlink into a file, and a FIFO
//! a reader waits on would never see a byte. [`destination`] says which way a path must be
//! written.

use std::io;
use std::path::{Path, PathBuf};

/// How to write a file that replaces whatever is at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A regular file, or nothing yet: write a temporary file in this path's folder and rename it
    /// to this path. For a symlink to a regular file this is the file it points to, so the link
    /// stays a link.
    Replace(PathBuf),
    /// A device, FIFO or socket (`/dev/null`, `/dev/stdout` on a pipe, a named pipe): open it and
    /// write into it; renaming over it would replace the special file itself.
    InPlace,
}

/// Which way `path` must be written. An error only when `path` is a symlink whose target cannot
/// be resolved although it exists.
pub fn destination(path: &Path) -> io::Result<Destination> {
    let Ok(target) = std::fs::metadata(path) else {
        // Nothing there (or a dangling link): a new file, made by the rename.
        return Ok(Destination::Replace(path.to_path_buf()));
    };
    if !target.is_file() && !target.is_dir() {
        return Ok(Destination::InPlace);
    }
    // A directory stays `Replace`: the rename then fails with the system's reason ("Is a
    // directory"), naming the path, and nothing is touched.
    let is_link = std::fs::symlink_metadata(path)?.file_type().is_symlink();
    if is_link {
        return Ok(Destination::Replace(std::fs::canonicalize(path)?));
    }
    Ok(Destination::Replace(path.to_path_buf()))
}

/// The folder a file at `path` is in (`.` for a bare name): where its temporary file goes, so
/// that the rename stays within one file system.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn regular_and_missing_files_are_replaced_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.jsonl");
        assert_eq!(
            destination(&file).unwrap(),
            Destination::Replace(file.clone())
        );
        std::fs::write(&file, "old").unwrap();
        assert_eq!(
            destination(&file).unwrap(),
            Destination::Replace(file.clone())
        );
    }

    #[test]
    fn a_bare_name_is_in_the_current_folder() {
        assert_eq!(folder_of(Path::new("report.jsonl")), Path::new("."));
        assert_eq!(folder_of(Path::new("out/report.jsonl")), Path::new("out"));
        assert_eq!(folder_of(Path::new("/report.jsonl")), Path::new("/"));
    }

    #[test]
    fn a_symlink_is_followed_to_the_file_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.jsonl");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(
            destination(&link).unwrap(),
            Destination::Replace(std::fs::canonicalize(&real).unwrap())
        );
    }

    #[test]
    fn devices_and_fifos_are_written_in_place() {
        assert_eq!(
            destination(Path::new("/dev/null")).unwrap(),
            Destination::InPlace
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        assert_eq!(destination(&fifo).unwrap(), Destination::InPlace);
    }
}
