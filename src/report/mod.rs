//! Renders an [`Analysis`](crate::analysis::Analysis) for people and programs: the versioned JSON
//! report ([`json`]), the plain-text summary ([`text`]), and CI mode's verdict ([`ci`], growth
//! against a [`baseline`]) as text, Markdown, SARIF, JUnit XML and GitHub annotations, and the
//! size difference of two images or reports ([`diff`], sharing the baseline's layer matching);
//! one self-contained HTML page of either, with a treemap ([`html`]); sizes for people in binary
//! or decimal [`units`].
//! Reads the analysis, never changes it, and writes only where the caller says (files are
//! replaced atomically).

pub mod baseline;
pub mod ci;
pub mod diff;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod markup;
pub mod sarif;
pub mod schema;
pub mod text;
pub mod units;
pub mod wrap;

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary sibling, then a rename, so a reader never
/// sees half a report and a failed run leaves the old file intact. A symlink is followed (the
/// link stays a link), and what is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
/// written in place: renaming over it would replace a device with a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
        return std::fs::OpenOptions::new().write(true).open(&path)?.write_all(bytes);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileTypeExt;

    use super::write_atomic;

    #[test]
    fn devices_fifos_and_symlinks_are_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());

        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");

        write_atomic(std::path::Path::new("/dev/null"), b"gone").unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 3, "{leftovers:?}");
    }
}
