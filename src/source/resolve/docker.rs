//! `docker save` archives: `manifest.json` lists images by config path and layer paths (classic
//! `<id>/layer.tar`, skopeo's `<diff_id>.tar`, Docker 25+'s `blobs/sha256/<hex>`). A config
//! path is only a path here, so a `<hex>.json` name that is not the content's digest is a
//! warning; a `blobs/sha256/<hex>` name is a promise and its mismatch an error.

use serde::Deserialize;

use super::pick::{self, Candidate};
use super::{Layout, Plan, PlannedLayer, Selection, json, read};
use crate::error::{Error, Result};
use crate::source::digest::{is_sha256_hex, sha256_of};
use crate::source::platform::check_platform;
use crate::source::store::{Store, member_name};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// `sha256:<hex>` when a member name embeds the blob's digest (`<hex>.tar`, `<hex>.json`,
/// `blobs/sha256/<hex>`).
fn digest_from_name(name: &str) -> Option<String> {
    let base = name.rsplit('/').next()?;
    let hex = base
        .strip_suffix(".tar")
        .or_else(|| base.strip_suffix(".json"))
        .unwrap_or(base);
    is_sha256_hex(hex).then(|| format!("sha256:{hex}"))
}

/// True when the layout promises the digest by the name (`blobs/sha256/<hex>`), rather than
/// naming the file after it by custom (`<hex>.json`).
fn name_is_promise(name: &str) -> bool {
    member_name(name).starts_with("blobs/sha256/")
}

/// Checks the config against the digest its name embeds: a mismatch is an error for
/// `blobs/sha256/<hex>`, a note otherwise. Returns the content's digest.
fn check_config(store: &dyn Store, name: &str, bytes: &[u8], notes: &mut Vec<String>) -> Result<String> {
    let actual = sha256_of(bytes);
    match digest_from_name(name) {
        Some(exp) if exp != actual && name_is_promise(name) => Err(Error::Digest {
            input: store.input().to_string(),
            what: format!("config {name}"),
            expected: exp,
            actual,
        }),
        Some(exp) if exp != actual => {
            notes.push(format!(
                "warning: {}: config {name} is not named after its content ({actual}); read anyway, as \
                 docker load does (in a docker save archive the config name is only a path)",
                store.input()
            ));
            Ok(actual)
        }
        _ => Ok(actual),
    }
}

/// The image ID a candidate is known by before its config is read.
fn image_id(store: &dyn Store, e: &DockerEntry) -> String {
    digest_from_name(&e.config)
        .or_else(|| {
            store
                .read_small(&e.config, super::JSON_CAP)
                .ok()
                .flatten()
                .map(|b| sha256_of(&b))
        })
        .unwrap_or_else(|| e.config.clone())
}

/// Plans the image of a `docker save` archive.
pub(super) fn plan(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    let bytes = read(store, "manifest.json", "manifest.json")?;
    let entries: Vec<DockerEntry> = json(store, Layout::DockerArchive, "manifest.json", &bytes)?;
    let cands = entries
        .into_iter()
        .map(|e| Candidate {
            tags: e.repo_tags.clone().unwrap_or_default(),
            digest: image_id(store, &e),
            platform: None,
            item: e,
        })
        .collect();
    let chosen = pick::pick(store.input(), cands, sel.tag.as_deref())?;
    let entry = chosen.item;
    let mut notes = Vec::new();
    let config = read(store, &entry.config, "config")?;
    let config_digest = check_config(store, &entry.config, &config, &mut notes)?;
    let summary = crate::model::ConfigSummary::parse(&config).map_err(|e| Error::Json {
        input: store.input().to_string(),
        what: format!("config {} ({})", entry.config, Layout::DockerArchive.read_as()),
        reason: e.to_string(),
    })?;
    // A docker archive holds one platform per image: all `--platform` can do is refuse a
    // different one rather than analyse it silently.
    check_platform(store.input(), sel.platform.as_deref(), &summary.platform)?;
    let diff_ids = summary.diff_ids;
    let layers = entry
        .layers
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let named = member_name(name);
            let from_name = digest_from_name(&store.canonical(&named));
            PlannedLayer {
                digest_if_plain: from_name.is_none(),
                digest: from_name.or_else(|| diff_ids.get(i).cloned()),
                name: named,
                size: None,
                media_type: None,
            }
        })
        .collect();
    Ok(Plan {
        layout: Layout::DockerArchive,
        manifest_digest: None,
        config,
        config_digest,
        layers,
        tags: chosen.tags,
        notes,
    })
}
