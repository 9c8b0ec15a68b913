//! Renders an [`Analysis`](crate::analysis::Analysis) for people and programs: the versioned JSON
//! report ([`json`]), the plain-text summary ([`text`]), and CI mode's verdict ([`ci`], growth
//! against a [`baseline`]) as text, Markdown, SARIF, JUnit XML and GitHub annotations. Reads the
//! analysis, never changes it, and writes only where the caller says (files are replaced
//! atomically).

pub mod baseline;
pub mod ci;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary sibling, then a rename, so a reader never
/// sees half a report and a failed run leaves the old file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
