//! The JSON report: the fields of `../shared/REPORT.md` that exist so far, under a
//! `schema_version` that is bumped whenever a field changes meaning. `assets/report.schema.json`
//! describes the same shape and tests validate real reports against it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::{Analysis, FinalFs, Totals};
use crate::model::{Compression, EntryCounts, HistoryEntry};

use super::schema::{SCHEMA_VERSION, Tool};

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The program that wrote it.
    pub tool: Tool,
    /// The image and its run settings.
    pub image: ImageInfo<'a>,
    /// Whole-image figures.
    pub totals: TotalsOut,
    /// Layers, bottom first.
    pub layers: Vec<LayerOut<'a>>,
    /// Every history entry with the layer it made and its Dockerfile line.
    pub history: &'a [crate::analysis::attribute::Step],
    /// The base-image boundary and the Dockerfile matching.
    pub attribution: AttributionOut<'a>,
    /// What the rules found: those above the base image first, each group largest first.
    pub findings: &'a [crate::analysis::rules::Finding],
    /// Identical content stored at different paths of the final filesystem.
    pub duplicates: DuplicatesOut<'a>,
    /// Packages installed, with their sizes in the final filesystem.
    pub packages: &'a crate::analysis::packages::Packages,
    /// Content bytes and files of the final filesystem per top-level entry (`/usr`, `/app`),
    /// sorted by path: what `deadweight diff` compares between two reports.
    pub directories: &'a [crate::analysis::directories::DirBytes],
    /// CI mode's verdict (`--ci`): every check with limit, actual value and result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<&'a super::ci::Verdict>,
}

/// How layers were tied to the base image and to the Dockerfile.
#[derive(Debug, Serialize)]
pub struct AttributionOut<'a> {
    /// The first N layers belong to the base image.
    pub base_layers: usize,
    /// How that was decided.
    pub base_source: crate::analysis::attribute::BaseSource,
    /// Layers the Dockerfile could not be matched to, with the reason.
    pub unmatched: &'a [String],
}

/// Duplicate content in the final filesystem.
#[derive(Debug, Serialize)]
pub struct DuplicatesOut<'a> {
    /// All copies but one, over every group.
    pub reclaimable_bytes: u64,
    /// The largest groups.
    pub groups: &'a [crate::analysis::accounting::DuplicateGroup],
}

/// The image section.
#[derive(Debug, Serialize)]
pub struct ImageInfo<'a> {
    /// The argument as typed.
    pub reference: &'a str,
    /// Container format.
    pub format: &'a str,
    /// Manifest digest, when the source has a manifest blob.
    pub digest: Option<&'a str>,
    /// Config blob digest (the image id).
    pub config_digest: &'a str,
    /// `os/arch[/variant]`.
    pub platform: &'a str,
    /// Creation time.
    pub created: Option<&'a str>,
    /// Config `User`.
    pub user: &'a str,
    /// Config `Env`.
    pub env: &'a [String],
    /// Config `Cmd`.
    pub cmd: &'a [String],
    /// Config `Entrypoint`.
    pub entrypoint: &'a [String],
    /// Config `WorkingDir`.
    pub workdir: &'a str,
    /// Exposed ports.
    pub exposed_ports: &'a [String],
    /// Labels.
    pub labels: &'a BTreeMap<String, String>,
    /// Tags naming the image in its source.
    pub tags: &'a [String],
}

/// The totals section.
#[derive(Debug, Serialize)]
pub struct TotalsOut {
    #[serde(flatten)]
    totals: Totals,
    /// The final filesystem by entry type.
    pub final_fs: FinalFs,
    /// dive's figures by dive's formulas, for comparison.
    pub dive: crate::analysis::dive::DiveFigures,
}

/// One layer.
#[derive(Debug, Serialize)]
pub struct LayerOut<'a> {
    /// Position, 0 = bottom.
    pub index: usize,
    /// Blob digest as stored.
    pub digest: Option<&'a str>,
    /// Uncompressed digest from the config.
    pub diff_id: Option<&'a str>,
    /// Media type from the manifest.
    pub media_type: Option<&'a str>,
    /// Compression recognised from the blob's magic bytes.
    pub compression: Option<Compression>,
    /// Blob size as stored (for a `docker save` layer, the tar size).
    pub compressed_bytes: u64,
    /// What a pull downloads, where the image has a manifest that says.
    pub pull_bytes: Option<u64>,
    /// Uncompressed tar length.
    pub tar_bytes: u64,
    /// Content bytes of this layer's tar.
    pub bytes: u64,
    /// Entries by type.
    pub entries: EntryCounts,
    /// What the merge knows of the layer: bytes added, modified (metadata-only among them),
    /// deleted and replaced below, hidden later, whiteouts of missing paths.
    #[serde(flatten)]
    pub merge: crate::analysis::MergeStats,
    /// The history entry's `created_by`, verbatim.
    pub created_by: Option<&'a str>,
    /// The history entry's `comment`.
    pub comment: Option<&'a str>,
    /// The instruction that made the layer.
    pub instruction: &'a crate::analysis::history::Instruction,
    /// True when several instructions were squashed into this layer.
    pub squashed: bool,
    /// Dockerfile line, when a Dockerfile was given and matched.
    pub dockerfile_line: Option<usize>,
    /// True for layers of the base image.
    pub base: bool,
    /// Where this layer's hidden bytes went, and whose bytes it hid.
    #[serde(flatten)]
    pub flows: &'a crate::analysis::accounting::LayerFlows,
}

/// Pairs each layer with the history entry that made it: entries marked `empty_layer` made no
/// layer and are skipped. Layers beyond the history get `None`.
pub fn layer_history(history: &[HistoryEntry], layers: usize) -> Vec<Option<&HistoryEntry>> {
    let mut made = history.iter().filter(|h| !h.empty_layer);
    (0..layers).map(|_| made.next()).collect()
}

/// Builds the report of an analysis.
pub fn report(a: &Analysis) -> Report<'_> {
    let img = &a.image;
    let cfg = &img.config;
    let hist = layer_history(&cfg.history, img.layers.len());
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::this(),
        image: ImageInfo {
            reference: &img.reference,
            format: &img.format,
            digest: img.manifest_digest.as_deref(),
            config_digest: &img.config_digest,
            platform: &cfg.platform,
            created: cfg.created.as_deref(),
            user: &cfg.user,
            env: &cfg.env,
            cmd: &cfg.cmd,
            entrypoint: &cfg.entrypoint,
            workdir: &cfg.workdir,
            exposed_ports: &cfg.exposed_ports,
            labels: &cfg.labels,
            tags: &img.tags,
        },
        totals: TotalsOut {
            totals: a.totals,
            final_fs: a.final_fs,
            dive: a.dive,
        },
        layers: img
            .layers
            .iter()
            .zip(&a.merge)
            .zip(hist)
            .zip(&a.attribution.layers)
            .zip(&a.accounting.layers)
            .map(|((((l, m), h), o), f)| LayerOut {
                flows: f,
                instruction: &o.instruction,
                squashed: o.squashed,
                dockerfile_line: o.dockerfile_line,
                base: o.base,
                index: l.index,
                digest: l.digest.as_deref(),
                diff_id: l.diff_id.as_deref(),
                media_type: l.media_type.as_deref(),
                compression: l.scan.compression,
                compressed_bytes: l.scan.blob_bytes,
                pull_bytes: l.pull_bytes,
                tar_bytes: l.scan.tar_bytes,
                bytes: l.scan.content_bytes,
                entries: l.scan.counts,
                merge: *m,
                created_by: h.and_then(|h| h.created_by.as_deref()),
                comment: h.and_then(|h| h.comment.as_deref()),
            })
            .collect(),
        history: &a.attribution.steps,
        attribution: AttributionOut {
            base_layers: a.attribution.base_layers,
            base_source: a.attribution.base_source,
            unmatched: &a.attribution.unmatched,
        },
        findings: &a.findings,
        duplicates: DuplicatesOut {
            reclaimable_bytes: a.accounting.duplicate_bytes,
            groups: &a.accounting.duplicates,
        },
        packages: &a.packages,
        directories: &a.directories,
        ci: None,
    }
}

/// The report as pretty-printed JSON with a final newline.
pub fn to_json(a: &Analysis) -> String {
    to_json_with(a, None)
}

/// The report with CI mode's verdict in its `ci` section (left out when `None`).
pub fn to_json_with(a: &Analysis, ci: Option<&super::ci::Verdict>) -> String {
    let mut r = report(a);
    r.ci = ci;
    let mut s = serde_json::to_string_pretty(&r).unwrap_or_default();
    s.push('\n');
    s
}
