//! containers/storage's image store (Podman, buildah, CRI-O), overlay or vfs driver, read in
//! place: images from `overlay-images/images.json` (names, top layer, the config as the
//! big-data item named after the image id, in `overlay-images/<id>/`), layers from
//! `overlay-layers/layers.json` (parent chain, `diff-digest`), each layer's record at
//! `overlay-layers/<id>.tar-split.gz` and its files in `overlay/<id>/diff` (vfs: `vfs-*` and
//! `vfs/dir/<id>`). Gives the image the export would give ([`Found`] →
//! [`super::load`]); owns no daemon calls and no layer decoding.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::{Found, FoundLayer, io_err, storage_err};
use crate::error::Error;
use crate::source::digest::sha256_of;

/// The storage drivers whose layers are read in place: overlay keeps each layer's own files
/// (`overlay/<id>/diff`), vfs a full copy of the tree up to it (`vfs/dir/<id>`), which holds
/// every file the layer's record names with that layer's content just the same.
pub const DRIVERS: [&str; 2] = ["overlay", "vfs"];

/// The driver of the containers/storage graph root `root` whose image store is there,
/// `overlay` first; `None` when it is not such a root.
pub fn driver_of(root: &Path) -> Option<&'static str> {
    DRIVERS.into_iter().find(|d| root.join(format!("{d}-images")).is_dir())
}

/// Where driver `driver` keeps the files of layer `id`.
fn files_of(root: &Path, driver: &str, id: &str) -> std::path::PathBuf {
    match driver {
        "vfs" => root.join("vfs").join("dir").join(id),
        _ => root.join(driver).join(id).join("diff"),
    }
}

#[derive(Deserialize)]
struct StoredImage {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    layer: Option<String>,
}

#[derive(Deserialize)]
struct StoredLayer {
    id: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(rename = "diff-digest", default)]
    diff_digest: Option<String>,
    /// The uncompressed size, which orders the layers' decoding (largest first).
    #[serde(rename = "diff-size", default)]
    diff_size: Option<u64>,
}

fn read_json<T: for<'de> Deserialize<'de>>(root: &Path, rel: &str) -> Result<T, Error> {
    let path = root.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| io_err(root, &path, &e))?;
    serde_json::from_slice(&bytes).map_err(|e| storage_err(root, format!("{}: {e}", path.display())))
}

/// The names `name` may stand for, as Podman resolves a short name: itself, then under
/// `localhost/` and Docker Hub, with `:latest` when it has no tag or digest.
fn candidates(name: &str) -> Vec<String> {
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let tagged = name[slash..].contains(':') || name.contains('@');
    let name = if tagged {
        name.to_string()
    } else {
        format!("{name}:latest")
    };
    let first = name.split('/').next().unwrap_or_default();
    let qualified = name.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    if qualified {
        return vec![name];
    }
    let mut v = vec![format!("localhost/{name}"), format!("docker.io/{name}")];
    if !name.contains('/') {
        v.push(format!("docker.io/library/{name}"));
    }
    v
}

/// Reads the image `name` names (a name, a short name, an id or its prefix) from the graph
/// root `root`, in the store of `driver` (one of [`DRIVERS`]).
pub fn image(root: &Path, driver: &str, name: &str) -> Result<Found, Error> {
    let images: Vec<StoredImage> = read_json(root, &format!("{driver}-images/images.json"))?;
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    let by_id: Vec<&StoredImage> = match hex.len() >= 4 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        true => images.iter().filter(|i| i.id.starts_with(hex)).collect(),
        false => Vec::new(),
    };
    let (image, tags) = match by_id.as_slice() {
        [one] => (*one, Vec::new()),
        _ => candidates(name)
            .iter()
            .find_map(|c| {
                images
                    .iter()
                    .find(|i| i.names.contains(c))
                    .map(|i| (i, vec![c.clone()]))
            })
            .ok_or_else(|| storage_err(root, format!("no image {name:?} in the store")))?,
    };
    let id = &image.id;
    if id.is_empty() || id.contains(['/', '.']) {
        return Err(storage_err(root, format!("{id:?} is not an image id")));
    }
    // The config is the big-data item named after the image id (`sha256:<id>`), in a file
    // named `=` + base64 of the key (the key is not a safe file name).
    let key = format!("sha256:{id}");
    let path = root
        .join(format!("{driver}-images"))
        .join(id)
        .join(format!("={}", STANDARD.encode(&key)));
    let config = std::fs::read(&path).map_err(|e| io_err(root, &path, &e))?;
    if sha256_of(&config) != key {
        return Err(storage_err(root, format!("{} does not hash to {key}", path.display())));
    }
    let diff_ids = crate::model::ConfigSummary::parse(&config)
        .map_err(|e| storage_err(root, format!("{}: {e}", path.display())))?
        .diff_ids;
    let layers_dir = format!("{driver}-layers");
    let stored: Vec<StoredLayer> = read_json(root, &format!("{layers_dir}/layers.json"))?;
    let by_layer: HashMap<&str, &StoredLayer> = stored.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut chain = Vec::new();
    let mut next = image.layer.as_deref();
    while let Some(layer_id) = next {
        let l = by_layer
            .get(layer_id)
            .ok_or_else(|| storage_err(root, format!("layer {layer_id} is not in {layers_dir}/layers.json")))?;
        if chain.len() > diff_ids.len() || layer_id.contains(['/', '.']) {
            return Err(storage_err(
                root,
                format!("the layers below {id} do not match its config"),
            ));
        }
        chain.push(*l);
        next = l.parent.as_deref();
    }
    chain.reverse();
    let recorded: Vec<Option<&str>> = chain.iter().map(|l| l.diff_digest.as_deref()).collect();
    if recorded != diff_ids.iter().map(|d| Some(d.as_str())).collect::<Vec<_>>() {
        return Err(storage_err(
            root,
            format!("the layers of image {id} in {layers_dir}/layers.json are not its config's diff ids"),
        ));
    }
    let layers = chain
        .iter()
        .zip(&diff_ids)
        .map(|(l, d)| FoundLayer {
            diff_id: d.clone(),
            tar_split: root.join(&layers_dir).join(format!("{}.tar-split.gz", l.id)),
            files: files_of(root, driver, &l.id),
            size: l.diff_size,
        })
        .collect();
    Ok(Found {
        root: root.to_path_buf(),
        config,
        config_digest: key,
        tags,
        layers,
        format: "containers-storage",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_resolve_as_podman_does() {
        assert_eq!(
            candidates("app"),
            [
                "localhost/app:latest",
                "docker.io/app:latest",
                "docker.io/library/app:latest"
            ]
        );
        assert_eq!(candidates("me/app:1"), ["localhost/me/app:1", "docker.io/me/app:1"]);
        assert_eq!(candidates("quay.io/me/app:1"), ["quay.io/me/app:1"]);
        assert_eq!(candidates("localhost:5000/app"), ["localhost:5000/app:latest"]);
    }
}
