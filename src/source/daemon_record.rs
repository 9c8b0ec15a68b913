//! The record of a daemon image's documents (config, tags, format, layer digests), kept in the
//! scan cache next to its layers' scans, so that an image whose every layer is cached is read
//! without asking the daemon for its export. Written after an export; read back only when the
//! daemon's inspect names the same image id and layers, the config still hashes to its digest,
//! and every layer scan is in the cache. Reaches the daemon only through `daemon`'s functions.

use serde::{Deserialize, Serialize};

use super::cache::Cache;
use super::daemon;
use super::resolve::{Plan, PlannedLayer};
use super::store::MemStore;
use super::{LoadEvent, LoadOptions, Loaded};
use crate::model::ConfigSummary;

/// Bumped whenever the record's fields change.
const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Record {
    version: u32,
    id: String,
    format: String,
    manifest_digest: Option<String>,
    config: String,
    config_digest: String,
    tags: Vec<String>,
    notes: Vec<String>,
    layers: Vec<RecordLayer>,
}

#[derive(Serialize, Deserialize)]
struct RecordLayer {
    digest: String,
    media_type: Option<String>,
}

/// The cache key of image `name` on the daemon `engine` names, for `platform`.
pub fn key(engine: &str, name: &str, platform: Option<&str>) -> String {
    format!("daemon\n{engine}\n{name}\n{}", platform.unwrap_or_default())
}

/// True when `id` names the config whose digest is `config_digest` (Docker's ids carry the
/// `sha256:` prefix, Podman's do not).
fn same_image(id: &str, config_digest: &str) -> bool {
    let hex = |s: &str| s.strip_prefix("sha256:").unwrap_or(s).to_string();
    !id.is_empty() && hex(id) == hex(config_digest)
}

/// Records an image just read from an export whose inspect said `id` and `diff_ids`.
pub fn store(cache: &Cache, key: &str, id: &str, loaded: &Loaded, config: &[u8]) {
    let (Ok(config), true) = (std::str::from_utf8(config), same_image(id, &loaded.config_digest)) else {
        return; // the name moved to another image while it was exported: record nothing
    };
    let record = Record {
        version: VERSION,
        id: id.to_string(),
        format: loaded.format.clone(),
        manifest_digest: loaded.manifest_digest.clone(),
        config: config.to_string(),
        config_digest: loaded.config_digest.clone(),
        tags: loaded.tags.clone(),
        notes: loaded.notes.clone(),
        layers: loaded
            .layers
            .iter()
            .map(|l| RecordLayer {
                digest: l.scan.blob_digest.clone(),
                media_type: l.media_type.clone(),
            })
            .collect(),
    };
    if let Ok(bytes) = serde_json::to_vec(&record) {
        cache.put_record(key, &bytes);
    }
}

/// The image as its export would give it, from the cache alone; `None` when anything is
/// missing or does not agree with the daemon's inspect (`id`, `diff_ids`).
pub fn load(
    cache: &Cache,
    key: &str,
    id: &str,
    diff_ids: &[String],
    reference: &str,
    opts: &LoadOptions,
) -> Option<Loaded> {
    let record: Record = serde_json::from_slice(&cache.get_record(key)?).ok()?;
    if record.version != VERSION
        || record.id != id
        || !same_image(id, &record.config_digest)
        || super::digest::sha256_of(record.config.as_bytes()) != record.config_digest
        || record.layers.len() != diff_ids.len()
    {
        return None;
    }
    let summary = ConfigSummary::parse(record.config.as_bytes()).ok()?;
    if summary.diff_ids != diff_ids {
        return None;
    }
    let scans = record
        .layers
        .iter()
        .zip(diff_ids)
        .map(|(l, d)| {
            cache
                .get(&l.digest, Some(d))
                .filter(|s| s.tar_bytes <= opts.limits.max_layer_bytes)
        })
        .collect::<Option<Vec<_>>>()?;
    if let Some(hook) = &opts.progress {
        let bytes = scans.iter().map(|s| s.blob_bytes).sum();
        (hook.0)(LoadEvent::Layers {
            count: scans.len(),
            bytes,
        });
        for s in &scans {
            (hook.0)(LoadEvent::LayerDone { bytes: s.blob_bytes });
        }
    }
    let plan = Plan {
        layout: super::resolve::Layout::DockerArchive,
        manifest_digest: record.manifest_digest,
        config: record.config.into_bytes(),
        config_digest: record.config_digest,
        layers: record
            .layers
            .into_iter()
            .map(|l| PlannedLayer {
                name: l.digest.clone(),
                digest: Some(l.digest),
                digest_if_plain: false,
                size: None,
                media_type: l.media_type,
            })
            .collect(),
        tags: record.tags,
        notes: record.notes,
    };
    let store = MemStore {
        input: reference.to_string(),
        ..MemStore::default()
    };
    super::finish(&store, plan, scans, reference, record.format).ok()
}

/// Loads image `name` from the daemon: from the cache when every layer is there and the
/// daemon's inspect agrees with the record, else in place from its store when it can be read
/// (`storage`), else from its export (then recorded).
pub(super) fn load_daemon(
    podman: bool,
    name: &str,
    reference: &str,
    opts: &LoadOptions,
) -> crate::error::Result<Loaded> {
    let engine = if podman {
        daemon::Engine::Podman
    } else {
        daemon::Engine::Docker
    };
    let platform = opts.selection.platform.as_deref();
    // With every layer cached (and a record of the image's documents) the export is skipped.
    let cache = opts.cache.as_deref();
    let key = key(&format!("{engine:?}"), name, platform);
    let mut inspected = None;
    if let Some(cache) = cache
        && !opts.pull
    {
        inspected = daemon::inspect(engine, name, reference);
        if let Some(i) = &inspected
            && let Some(loaded) = load(cache, &key, &i.id, &i.diff_ids, reference, opts)
        {
            return Ok(loaded);
        }
    }
    let mut why_export = None;
    if !opts.pull {
        match super::storage::engine::route(engine, name, reference, opts)? {
            super::storage::engine::Route::Read(loaded) => return Ok(*loaded),
            super::storage::engine::Route::Export(why) => why_export = why,
        }
    }
    // An export that fails after the store failed too: both reasons, the store's last.
    let both = |e: crate::error::Error| match &why_export {
        Some(why) => crate::error::Error::Daemon {
            reference: reference.to_string(),
            reason: format!("{e}; before that, {why}"),
        },
        None => e,
    };
    let export = daemon::export(engine, name, reference, opts.pull, platform).map_err(both)?;
    let (mut loaded, config) = super::load_stream_keeping_config(export, reference, reference, opts).map_err(both)?;
    if let Some(cache) = cache
        && let Some(i) = inspected.or_else(|| daemon::inspect(engine, name, reference))
    {
        store(cache, &key, &i.id, &loaded, &config);
    }
    // After the record: a later read from the cache has nothing to explain.
    loaded.notes.extend(why_export);
    Ok(loaded)
}
