//! One image manifest (OCI or Docker v2s2) to a [`Plan`]: refuses artifacts and foreign layers
//! whose blob is absent, reads and checks the config, lists the layers with their digests and
//! sizes. Shared by the OCI layout and containers/image's directory, which name blobs
//! differently (the caller says how); knows nothing of indexes or tags.

use oci_spec::image::{Descriptor, ImageManifest};

use super::{Layout, Plan, PlannedLayer, Selection, json, read};
use crate::error::{Error, Result};
use crate::source::digest::{sha256_hex, sha256_of};
use crate::source::platform::check_platform;
use crate::source::store::Store;

const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
const CONFIG_TYPES: &[&str] = &[
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// `blobs/sha256/<hex>`, the OCI layout's name of a blob.
pub(super) fn blob_name(store: &dyn Store, d: &Descriptor, what: &str) -> Result<String> {
    let digest = d.digest().to_string();
    match sha256_hex(&digest) {
        Some(hex) => Ok(format!("blobs/sha256/{hex}")),
        None => Err(Error::Format {
            input: store.input().to_string(),
            reason: format!("{what} has digest {digest}; only sha256 blobs are supported"),
        }),
    }
}

/// Reads a blob and checks it against its descriptor's digest.
pub(super) fn read_checked(store: &dyn Store, name: &str, d: &Descriptor, what: &str) -> Result<Vec<u8>> {
    let bytes = read(store, name, what)?;
    let actual = sha256_of(&bytes);
    if actual != d.digest().to_string() {
        return Err(Error::Digest {
            input: store.input().to_string(),
            what: format!("{what} {name}"),
            expected: d.digest().to_string(),
            actual,
        });
    }
    Ok(bytes)
}

/// Plans the image of one image manifest; `name_of` says which member holds a blob. With
/// `platform_known` false the config is checked against `--platform`.
pub(super) fn image_plan(
    store: &dyn Store,
    layout: Layout,
    bytes: &[u8],
    digest: &str,
    sel: &Selection,
    platform_known: bool,
    name_of: &dyn Fn(&Descriptor, &str) -> Result<String>,
) -> Result<Plan> {
    let manifest: ImageManifest = json(store, layout, &format!("manifest {digest}"), bytes)?;
    let cfg_type = manifest.config().media_type().to_string();
    if cfg_type == OCI_EMPTY || !CONFIG_TYPES.contains(&cfg_type.as_str()) || manifest.artifact_type().is_some() {
        return Err(Error::NotAnImage {
            input: store.input().to_string(),
            reason: format!("manifest {digest} is an artifact (config media type {cfg_type})"),
        });
    }
    let config_name = name_of(manifest.config(), "config")?;
    let config = read_checked(store, &config_name, manifest.config(), "config")?;
    if !platform_known && sel.platform.is_some() {
        // No platform on the descriptor (a single-image layout): the config says which it is.
        if let Ok(summary) = crate::model::ConfigSummary::parse(&config) {
            check_platform(store.input(), sel.platform.as_deref(), &summary.platform)?;
        }
    }
    let mut layers = Vec::new();
    for (i, d) in manifest.layers().iter().enumerate() {
        let mt = d.media_type().to_string();
        let name = name_of(d, &format!("layer {i}"))?;
        if (mt.contains("foreign") || mt.contains("nondistributable")) && !store.has(&name) {
            return Err(Error::NotAnImage {
                input: store.input().to_string(),
                reason: format!("layer {i} is a foreign layer ({mt}) whose blob is not in the archive"),
            });
        }
        layers.push(PlannedLayer {
            name,
            digest: Some(d.digest().to_string()),
            digest_if_plain: false,
            size: Some(d.size()),
            media_type: Some(mt),
        });
    }
    Ok(Plan {
        layout,
        manifest_digest: Some(digest.to_string()),
        config,
        config_digest: manifest.config().digest().to_string(),
        layers,
        tags: Vec::new(),
        notes: Vec::new(),
    })
}
