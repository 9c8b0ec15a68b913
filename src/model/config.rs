//! The parts of an image config that deadweight reports: platform, run settings, history and
//! the layers' diff ids. Parsed leniently with serde because real configs (Docker, buildah,
//! kaniko, BuildKit) disagree on optional fields and nulls; anything unknown is ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One `history` entry, verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// RFC 3339 time of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The command that made the step, as the builder wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Builder comment (buildah writes `FROM <image>` here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Author of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// True when the step made no layer (ENV, CMD, ...).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

#[derive(Debug, Default, Deserialize)]
struct RawConfig {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    config: Option<RunConfig>,
    #[serde(default)]
    rootfs: Option<RootFs>,
    #[serde(default)]
    history: Option<Vec<HistoryEntry>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RunConfig {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// What the report and the analysis need from the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigSummary {
    /// `os/arch[/variant]`.
    pub platform: String,
    /// Image creation time, when recorded.
    pub created: Option<String>,
    /// `User`; empty means root.
    pub user: String,
    /// `Env`, in order.
    pub env: Vec<String>,
    /// `Cmd`.
    pub cmd: Vec<String>,
    /// `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `WorkingDir`.
    pub workdir: String,
    /// `ExposedPorts` keys, sorted.
    pub exposed_ports: Vec<String>,
    /// `Labels`, sorted by key.
    pub labels: BTreeMap<String, String>,
    /// `rootfs.diff_ids`, one per layer.
    #[serde(skip)]
    pub diff_ids: Vec<String>,
    /// `history`, verbatim (empty when the image has none).
    #[serde(skip)]
    pub history: Vec<HistoryEntry>,
}

impl ConfigSummary {
    /// Parses a config blob. The error is serde's, with line and column; the caller names the
    /// input and the blob ([`crate::Error::Json`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let raw: RawConfig = serde_json::from_slice(bytes)?;
        let run = raw.config.unwrap_or_default();
        let mut platform = format!(
            "{}/{}",
            raw.os.as_deref().unwrap_or("unknown"),
            raw.architecture.as_deref().unwrap_or("unknown")
        );
        if let Some(v) = raw.variant.filter(|v| !v.is_empty()) {
            platform.push('/');
            platform.push_str(&v);
        }
        Ok(Self {
            platform,
            created: raw.created,
            user: run.user.unwrap_or_default(),
            env: run.env.unwrap_or_default(),
            cmd: run.cmd.unwrap_or_default(),
            entrypoint: run.entrypoint.unwrap_or_default(),
            workdir: run.working_dir.unwrap_or_default(),
            exposed_ports: run.exposed_ports.unwrap_or_default().into_keys().collect(),
            labels: run.labels.unwrap_or_default(),
            diff_ids: raw.rootfs.map(|r| r.diff_ids).unwrap_or_default(),
            history: raw.history.unwrap_or_default(),
        })
    }
}
