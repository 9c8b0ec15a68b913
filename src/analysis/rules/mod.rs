//! The waste rules: each looks at the analysed image (merged tree, layers, attribution,
//! packages) and reports [`Finding`]s with the bytes a fix would save, the layer and Dockerfile
//! line to blame, the largest paths and the concrete fix. Rules read the analysis; they never
//! change it and never do I/O.

use serde::Serialize;

use super::accounting::PathBytes;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; rarely worth failing a build for.
    Info,
    /// Waste a fix would remove.
    Warning,
    /// A leak or a large, clear-cut waste.
    Error,
}

/// One thing that makes the image bigger (or riskier) than it needs to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id (`DW101`...).
    pub rule: &'static str,
    /// One line saying what was found.
    pub title: String,
    /// Severity after configuration.
    pub severity: Severity,
    /// Bytes of the shipped image the fix would save, each byte counted once across findings.
    pub reclaimable_bytes: u64,
    /// The layer to blame.
    pub layer: Option<usize>,
    /// Its Dockerfile line, when known.
    pub dockerfile_line: Option<usize>,
    /// The largest paths involved, largest first.
    pub paths: Vec<PathBytes>,
    /// The concrete change to make.
    pub fix: String,
}
